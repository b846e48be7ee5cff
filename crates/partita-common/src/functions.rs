//! The vocabulary of operators and functions that the plan names and the kernels run.

use std::fmt;

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOperator {
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Multiply,
    /// `/`: true division, always a float.
    Divide,
    /// Integer division: pandas `//` (floor) or Spark `DIV` (truncate).
    IntegerDivide,
    /// `%`: modulo, signed as the semantics says.
    Modulo,
    /// `=`
    Eq,
    /// `<>`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `<=>`: equality where NULL equals NULL; never NULL.
    NullSafeEq,
    /// `AND`
    And,
    /// `OR`
    Or,
}

impl BinaryOperator {
    /// True for `+ - * / DIV %`.
    pub fn is_arithmetic(&self) -> bool {
        use BinaryOperator::*;
        matches!(
            self,
            Plus | Minus | Multiply | Divide | IntegerDivide | Modulo
        )
    }

    /// True for the comparisons (including `<=>`).
    pub fn is_comparison(&self) -> bool {
        use BinaryOperator::*;
        matches!(self, Eq | NotEq | Lt | LtEq | Gt | GtEq | NullSafeEq)
    }

    /// True for the comparisons that order (`<`, `<=`, `>`, `>=`), not `=`, `<>`
    /// or `<=>`.
    pub fn is_order_comparison(&self) -> bool {
        use BinaryOperator::*;
        matches!(self, Lt | LtEq | Gt | GtEq)
    }

    /// True for AND and OR.
    pub fn is_logical(&self) -> bool {
        matches!(self, BinaryOperator::And | BinaryOperator::Or)
    }
}

impl fmt::Display for BinaryOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use BinaryOperator::*;
        f.write_str(match self {
            Plus => "+",
            Minus => "-",
            Multiply => "*",
            Divide => "/",
            IntegerDivide => "DIV",
            Modulo => "%",
            Eq => "=",
            NotEq => "<>",
            Lt => "<",
            LtEq => "<=",
            Gt => ">",
            GtEq => ">=",
            NullSafeEq => "<=>",
            And => "AND",
            Or => "OR",
        })
    }
}

/// A scalar (row by row) function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarFunction {
    /// `ROUND(x, n)`; halves as the semantics says.
    Round,
    /// `ABS(x)`.
    Abs,
    /// `COALESCE(a, b, ...)`: the first non-missing argument.
    Coalesce,
    /// `NULLIF(a, b)`: `a`, or a missing value where `a = b`.
    NullIf,
    /// `LOWER(s)`.
    Lower,
    /// `UPPER(s)`.
    Upper,
    /// `LENGTH(s)` in characters.
    Length,
    /// `POWER(x, y)` as a float.
    Power,
    /// `-x`.
    Negate,
    /// A field of a date or timestamp: `YEAR(ts)`, `EXTRACT(MONTH FROM ts)`, ...
    DatePart(DatePart),
    /// `DATE_TRUNC('unit', ts)`: a timestamp truncated to the unit (a text literal).
    DateTrunc,
    /// `TO_DATE(s [, format])` / `CAST(s AS DATE)` with a pattern.
    ToDate,
    /// `TO_TIMESTAMP(s [, format])`.
    ToTimestamp,
    /// `DATE_FORMAT(ts, format)`: text in a Java (Spark) date pattern.
    DateFormat,
    /// `MAKE_DATE(year, month, day)`.
    MakeDate,
    /// `DATE_ADD(d, n)`: n days later.
    DateAdd,
    /// `DATE_SUB(d, n)`: n days earlier.
    DateSub,
    /// `ADD_MONTHS(d, n)`, clamped to the end of a shorter month.
    AddMonths,
    /// `DATEDIFF(end, start)`: days from start to end.
    DateDiff,
    /// `CURRENT_DATE()`.
    CurrentDate,
    /// `CURRENT_TIMESTAMP()`.
    CurrentTimestamp,
}

/// A field `DatePart` extracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatePart {
    /// The year.
    Year,
    /// 1 to 4.
    Quarter,
    /// 1 to 12.
    Month,
    /// Day of the month.
    Day,
    /// 0 to 23.
    Hour,
    /// 0 to 59.
    Minute,
    /// Whole seconds, 0 to 59.
    Second,
    /// The seconds with their fraction, `DECIMAL(8,6)`: Spark's `EXTRACT(SECOND
    /// FROM ts)` (its `SECOND(ts)` is whole seconds).
    SecondWithFraction,
    /// Day of the week, numbered as the semantics says (`day_of_week`).
    DayOfWeek,
    /// 0 = Monday .. 6 = Sunday (Spark's `weekday`, pandas' `dayofweek`).
    WeekDay,
    /// 1 to 366.
    DayOfYear,
    /// ISO 8601 week of the year.
    WeekOfYear,
}

impl DatePart {
    /// The SQL function name.
    pub fn name(self) -> &'static str {
        match self {
            DatePart::Year => "year",
            DatePart::Quarter => "quarter",
            DatePart::Month => "month",
            DatePart::Day => "day",
            DatePart::Hour => "hour",
            DatePart::Minute => "minute",
            DatePart::Second | DatePart::SecondWithFraction => "second",
            DatePart::DayOfWeek => "dayofweek",
            DatePart::WeekDay => "weekday",
            DatePart::DayOfYear => "dayofyear",
            DatePart::WeekOfYear => "weekofyear",
        }
    }

    /// The part named as SQL's functions and `EXTRACT` name it.
    pub fn parse(name: &str) -> Option<DatePart> {
        Some(match name.to_ascii_lowercase().as_str() {
            "year" | "years" | "yr" | "y" => DatePart::Year,
            "quarter" | "qtr" => DatePart::Quarter,
            "month" | "months" | "mon" => DatePart::Month,
            "day" | "days" | "dayofmonth" | "d" => DatePart::Day,
            "hour" | "hours" | "h" => DatePart::Hour,
            "minute" | "minutes" | "min" | "m" => DatePart::Minute,
            "second" | "seconds" | "sec" | "s" => DatePart::Second,
            "dayofweek" | "dow" => DatePart::DayOfWeek,
            "weekday" => DatePart::WeekDay,
            "dayofyear" | "doy" => DatePart::DayOfYear,
            "weekofyear" | "week" | "weeks" | "w" => DatePart::WeekOfYear,
            _ => return None,
        })
    }

    /// True for the parts of a time of day (which a date does not have).
    pub fn is_time(self) -> bool {
        matches!(
            self,
            DatePart::Hour | DatePart::Minute | DatePart::Second | DatePart::SecondWithFraction
        )
    }
}

impl fmt::Display for ScalarFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ScalarFunction::*;
        f.write_str(match self {
            Round => "round",
            Abs => "abs",
            Coalesce => "coalesce",
            NullIf => "nullif",
            Lower => "lower",
            Upper => "upper",
            Length => "length",
            Power => "power",
            Negate => "negate",
            DatePart(p) => p.name(),
            DateTrunc => "date_trunc",
            ToDate => "to_date",
            ToTimestamp => "to_timestamp",
            DateFormat => "date_format",
            MakeDate => "make_date",
            DateAdd => "date_add",
            DateSub => "date_sub",
            AddMonths => "add_months",
            DateDiff => "datediff",
            CurrentDate => "current_date",
            CurrentTimestamp => "current_timestamp",
        })
    }
}

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AggregateFunction {
    /// `COUNT(*)` / pandas `size`: rows in the group.
    CountStar,
    /// `COUNT(x)` / pandas `count`: non-missing values.
    Count,
    /// `SUM(x)`.
    Sum,
    /// `AVG(x)` / pandas `mean`.
    Mean,
    /// `MIN(x)`.
    Min,
    /// `MAX(x)`.
    Max,
    /// Variance with `ddof` (1: sample, 0: population).
    Var {
        /// Delta degrees of freedom.
        ddof: u8,
    },
    /// Standard deviation with `ddof` (1: sample, 0: population).
    Std {
        /// Delta degrees of freedom.
        ddof: u8,
    },
    /// Median of the non-missing values (holistic).
    Median,
    /// Quantile `q` in [0, 1] with linear interpolation, as pandas and `percentile` (holistic).
    Quantile(f64),
    /// `COUNT(DISTINCT x)` / pandas `nunique` (holistic).
    CountDistinct,
    /// `SUM(DISTINCT x)`: the sum of the distinct non-missing values (holistic).
    SumDistinct,
    /// `AVG(DISTINCT x)`: the mean of the distinct non-missing values (holistic).
    MeanDistinct,
    /// First value in row order: skipping missing values or not as `ignore_nulls`
    /// says (SQL `first(x, true)`, `first_value(x) IGNORE NULLS`), or, when `None`, as
    /// the semantics' `first_last_nulls` switch says (pandas' `first()` skips them,
    /// Spark's `first(x)` does not).
    First {
        /// Skip missing values; `None`: as the semantics says.
        ignore_nulls: Option<bool>,
    },
    /// Last value in row order; missing values as for [`AggregateFunction::First`].
    Last {
        /// Skip missing values; `None`: as the semantics says.
        ignore_nulls: Option<bool>,
    },
    /// Pearson correlation of two columns.
    Corr,
    /// The most frequent non-missing value; the smallest of equally frequent ones
    /// (Spark `mode(x, true)`, pandas `Series.mode().iloc[0]`) (holistic).
    Mode,
}

impl AggregateFunction {
    /// The number of arguments the function takes (`COUNT(DISTINCT a, b, ...)` takes
    /// one or more: see [`AggregateFunction::accepts_arity`]).
    pub fn arity(&self) -> usize {
        match self {
            AggregateFunction::CountStar => 0,
            AggregateFunction::Corr => 2,
            _ => 1,
        }
    }

    /// True when the function accepts `n` arguments.
    pub fn accepts_arity(&self, n: usize) -> bool {
        match self {
            AggregateFunction::CountDistinct => n >= 1,
            other => n == other.arity(),
        }
    }
}

impl fmt::Display for AggregateFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use AggregateFunction::*;
        match self {
            CountStar => f.write_str("count(*)"),
            Count => f.write_str("count"),
            Sum => f.write_str("sum"),
            Mean => f.write_str("mean"),
            Min => f.write_str("min"),
            Max => f.write_str("max"),
            Var { ddof: 1 } => f.write_str("var"),
            Var { ddof } => write!(f, "var_ddof{ddof}"),
            Std { ddof: 1 } => f.write_str("std"),
            Std { ddof } => write!(f, "std_ddof{ddof}"),
            Median => f.write_str("median"),
            Quantile(q) => write!(f, "quantile_{q}"),
            CountDistinct => f.write_str("nunique"),
            SumDistinct => f.write_str("sum_distinct"),
            MeanDistinct => f.write_str("mean_distinct"),
            First { ignore_nulls } | Last { ignore_nulls } => {
                f.write_str(if matches!(self, First { .. }) {
                    "first"
                } else {
                    "last"
                })?;
                match ignore_nulls {
                    None => Ok(()),
                    Some(true) => f.write_str("_ignore_nulls"),
                    Some(false) => f.write_str("_respect_nulls"),
                }
            }
            Corr => f.write_str("corr"),
            Mode => f.write_str("mode"),
        }
    }
}

/// Where missing values go in one sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NullPlacement {
    /// Missing values first.
    First,
    /// Missing values last.
    Last,
    /// As the semantics' default null order says.
    Default,
}

/// One resolved sort key: a column, its direction and where its nulls go.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SortKey {
    /// The column name (exact).
    pub column: String,
    /// True for descending.
    pub descending: bool,
    /// True when missing values come last (already resolved from the semantics).
    pub nulls_last: bool,
    /// The categories whose order the column sorts in (a categorical under the
    /// pandas preset, [`crate::Semantics::sort_categories`]); text order when `None`.
    pub categories: Option<crate::Categories>,
}

impl SortKey {
    /// An ascending key with missing values last, in the column's own order.
    pub fn ascending(column: impl Into<String>) -> Self {
        SortKey {
            column: column.into(),
            descending: false,
            nulls_last: true,
            categories: None,
        }
    }
}

impl fmt::Display for SortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.column,
            if self.descending { "DESC" } else { "ASC" },
            if self.nulls_last {
                "NULLS LAST"
            } else {
                "NULLS FIRST"
            }
        )
    }
}
