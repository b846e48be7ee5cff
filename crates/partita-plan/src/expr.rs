//! Expressions: what a filter tests, a projection computes and an aggregate reduces.
//!
//! Build them with [`col`], [`lit`] and the methods on [`Expr`]:
//!
//! ```
//! use partita_plan::{col, lit};
//! let e = col("dep_delay").gt(lit(15)).and(col("origin").is_in(["JFK", "LGA"]));
//! assert_eq!(e.to_string(), "dep_delay > 15 AND origin IN ('JFK', 'LGA')");
//! ```

use std::fmt;

use partita_common::{
    AggregateFunction, BinaryOperator, DataType, Error, Logic, NumericPromotion, Result,
    ScalarFunction, ScalarValue, Schema, Semantics, TimeZones,
};

use crate::tree::{Recursion, Transformed};

/// An expression over the columns of one row (or, for aggregates, of one group).
#[derive(Debug, Clone, PartialEq)]
#[must_use = "an expression does nothing until a Frame call (select, filter, agg, ...) takes it"]
pub enum Expr {
    /// A column by name.
    Column(String),
    /// A constant.
    Literal(ScalarValue),
    /// An expression with an output name.
    Alias(Box<Expr>, String),
    /// `left op right`.
    Binary {
        /// Left operand.
        left: Box<Expr>,
        /// The operator.
        op: BinaryOperator,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `NOT e` (pandas `~e`).
    Not(Box<Expr>),
    /// `e IS NULL` (pandas `isna()`: matches NaN too when NaN is missing).
    IsNull(Box<Expr>),
    /// `e IS NOT NULL` (pandas `notna()`).
    IsNotNull(Box<Expr>),
    /// `e [NOT] IN (list)` (pandas `isin`).
    InList {
        /// The tested value.
        expr: Box<Expr>,
        /// The candidates.
        list: Vec<Expr>,
        /// True for NOT IN.
        negated: bool,
    },
    /// `e [NOT] BETWEEN low AND high`, inclusive.
    Between {
        /// The tested value.
        expr: Box<Expr>,
        /// Lower bound.
        low: Box<Expr>,
        /// Upper bound.
        high: Box<Expr>,
        /// True for NOT BETWEEN.
        negated: bool,
    },
    /// `e [NOT] LIKE pattern` with `%` (any run) and `_` (one character); case-sensitive.
    Like {
        /// The tested string.
        expr: Box<Expr>,
        /// The pattern.
        pattern: String,
        /// True for NOT LIKE.
        negated: bool,
    },
    /// `CAST(e AS type)`.
    Cast {
        /// The value.
        expr: Box<Expr>,
        /// The target type.
        to: DataType,
        /// Made by pandas' rule for integers that may hold a missing value
        /// ([`Expr::with_pandas_int_nulls`]), not asked for: where the column
        /// reaches the result unchanged, the values decide its type (an integer
        /// when no value is missing, as pandas keeps it).
        implicit: bool,
    },
    /// A scalar function call.
    Function {
        /// The function.
        func: ScalarFunction,
        /// Its arguments.
        args: Vec<Expr>,
    },
    /// `CASE WHEN c THEN v ... ELSE o END`.
    Case {
        /// (condition, value) pairs, tried in order.
        branches: Vec<(Expr, Expr)>,
        /// The value when no condition is true (NULL when absent).
        otherwise: Option<Box<Expr>>,
    },
    /// An aggregate function over a group.
    Aggregate {
        /// The function.
        func: AggregateFunction,
        /// Its arguments (none for `COUNT(*)`).
        args: Vec<Expr>,
    },
}

/// A column reference.
pub fn col(name: impl Into<String>) -> Expr {
    Expr::Column(name.into())
}

/// A literal value.
pub fn lit(value: impl Into<ScalarValue>) -> Expr {
    Expr::Literal(value.into())
}

/// A NULL literal of a type (`lit_null(DataType::Int64)`), or untyped with `DataType::Null`.
pub fn lit_null(dtype: DataType) -> Expr {
    Expr::Literal(ScalarValue::null_of(dtype))
}

/// `COUNT(*)` / pandas `size`: the rows of each group.
pub fn count_star() -> Expr {
    Expr::Aggregate {
        func: AggregateFunction::CountStar,
        args: vec![],
    }
}

/// `COALESCE(args...)`: the first non-missing argument.
pub fn coalesce(args: impl IntoIterator<Item = Expr>) -> Expr {
    Expr::Function {
        func: ScalarFunction::Coalesce,
        args: args.into_iter().collect(),
    }
}

/// `COUNT(DISTINCT a, b, ...)`: distinct tuples in each group. A tuple with a
/// missing value counts under two-valued (pandas) logic and is skipped under
/// three-valued (SQL) logic.
pub fn count_distinct(exprs: impl IntoIterator<Item = Expr>) -> Expr {
    Expr::Aggregate {
        func: AggregateFunction::CountDistinct,
        args: exprs.into_iter().collect(),
    }
}

/// `CORR(x, y)`: Pearson correlation within each group.
pub fn corr(x: Expr, y: Expr) -> Expr {
    Expr::Aggregate {
        func: AggregateFunction::Corr,
        args: vec![x, y],
    }
}

/// Starts `CASE WHEN cond THEN ... [ELSE ...] END` (Polars' `when`, numpy's
/// `where`): `when(col("delay").gt(60)).then("late").otherwise("on time")`.
/// Values are plain values or expressions; a `&str` is text, as in comparisons.
pub fn when(condition: impl Into<Expr>) -> When {
    When {
        branches: vec![],
        condition: condition.into(),
    }
}

/// Starts a simple `CASE operand WHEN value THEN result ... END` for long chains
/// of equality tests: `case(col("origin")).when("JFK", "Kennedy").when("LGA",
/// "LaGuardia").otherwise("other")`. A branch matches where `operand = value` is
/// true, so a missing operand matches none.
pub fn case(operand: impl Into<Expr>) -> Case {
    Case {
        operand: operand.into(),
        branches: vec![],
    }
}

/// A `CASE` being built: waits for `then`.
#[derive(Debug, Clone)]
#[must_use = "a When needs then(..) and becomes an expression with otherwise(..) or end()"]
pub struct When {
    branches: Vec<(Expr, Expr)>,
    condition: Expr,
}

/// A `CASE` with at least one branch: more `when`, or `otherwise` / `end`.
#[derive(Debug, Clone)]
#[must_use = "a Then becomes an expression with otherwise(..) or end()"]
pub struct Then {
    branches: Vec<(Expr, Expr)>,
}

/// A simple `CASE operand WHEN ...` being built (see [`case`]).
#[derive(Debug, Clone)]
#[must_use = "a Case becomes an expression with otherwise(..) or end()"]
pub struct Case {
    operand: Expr,
    branches: Vec<(Expr, Expr)>,
}

impl When {
    /// The value when the condition is true.
    pub fn then(mut self, value: impl Into<Expr>) -> Then {
        self.branches.push((self.condition, value.into()));
        Then {
            branches: self.branches,
        }
    }
}

impl Then {
    /// Another condition, tried when the earlier ones are not true.
    pub fn when(self, condition: impl Into<Expr>) -> When {
        When {
            branches: self.branches,
            condition: condition.into(),
        }
    }

    /// The value when no condition is true.
    pub fn otherwise(self, value: impl Into<Expr>) -> Expr {
        Expr::Case {
            branches: self.branches,
            otherwise: Some(Box::new(value.into())),
        }
    }

    /// Ends the CASE: NULL when no condition is true.
    pub fn end(self) -> Expr {
        Expr::Case {
            branches: self.branches,
            otherwise: None,
        }
    }
}

impl Case {
    /// `result` where the operand equals `value`, unless an earlier branch matched.
    pub fn when(mut self, value: impl Into<Expr>, result: impl Into<Expr>) -> Case {
        let test = self.operand.clone().eq(value);
        self.branches.push((test, result.into()));
        self
    }

    /// The value when no branch matches.
    pub fn otherwise(self, value: impl Into<Expr>) -> Expr {
        self.searched().otherwise(value)
    }

    /// Ends the CASE: NULL when no branch matches.
    pub fn end(self) -> Expr {
        self.searched().end()
    }

    /// The same CASE as `WHEN operand = value THEN ...` branches.
    fn searched(self) -> Then {
        Then {
            branches: self.branches,
        }
    }
}

impl From<Then> for Expr {
    fn from(t: Then) -> Expr {
        t.end()
    }
}

impl From<Case> for Expr {
    fn from(c: Case) -> Expr {
        c.end()
    }
}

macro_rules! binary_methods {
    ($( $(#[$doc:meta])* $name:ident => $op:ident ),+ $(,)?) => {
        impl Expr {
            $( $(#[$doc])* pub fn $name(self, other: impl Into<Expr>) -> Expr {
                Expr::Binary { left: Box::new(self), op: BinaryOperator::$op, right: Box::new(other.into()) }
            } )+
        }
    };
}

binary_methods! {
    /// `self = other`.
    eq => Eq,
    /// `self <> other`.
    not_eq => NotEq,
    /// `self < other`.
    lt => Lt,
    /// `self <= other`.
    lt_eq => LtEq,
    /// `self > other`.
    gt => Gt,
    /// `self >= other`.
    gt_eq => GtEq,
    /// `self <=> other` (NULL-safe equality).
    null_safe_eq => NullSafeEq,
    /// `self AND other`.
    and => And,
    /// `self OR other`.
    or => Or,
    /// Integer division: floor (pandas `//`) or truncate (Spark `DIV`) as the semantics says.
    floor_div => IntegerDivide,
}

macro_rules! agg_methods {
    ($( $(#[$doc:meta])* $name:ident => $func:expr ),+ $(,)?) => {
        impl Expr {
            $( $(#[$doc])* pub fn $name(self) -> Expr {
                Expr::Aggregate { func: $func, args: vec![self] }
            } )+
        }
    };
}

agg_methods! {
    /// Non-missing values in the group (pandas `count`, SQL `COUNT(x)`).
    count => AggregateFunction::Count,
    /// Sum of the group.
    sum => AggregateFunction::Sum,
    /// Mean of the group (SQL `AVG`).
    mean => AggregateFunction::Mean,
    /// Minimum of the group.
    min => AggregateFunction::Min,
    /// Maximum of the group.
    max => AggregateFunction::Max,
    /// Sample standard deviation (ddof = 1).
    std => AggregateFunction::Std { ddof: 1 },
    /// Sample variance (ddof = 1).
    var => AggregateFunction::Var { ddof: 1 },
    /// Median of the group.
    median => AggregateFunction::Median,
    /// Distinct non-missing values (SQL `COUNT(DISTINCT x)`, pandas `nunique`).
    nunique => AggregateFunction::CountDistinct,
    /// The most frequent non-missing value, the smallest of equally frequent ones
    /// (Spark `mode(x, true)`, pandas `Series.mode().iloc[0]`).
    mode => AggregateFunction::Mode,
    /// First value in row order; missing values skipped or not as the semantics'
    /// `first_last_nulls` says (pandas `first()` skips them, Spark `first(x)` not).
    first => AggregateFunction::First { ignore_nulls: None },
    /// Last value in row order; missing values as for [`Expr::first`].
    last => AggregateFunction::Last { ignore_nulls: None },
}

impl Expr {
    /// First value in row order, skipping missing values or not whatever the
    /// semantics (SQL `first(x, true)`, `first_value(x) IGNORE NULLS`).
    pub fn first_ignore_nulls(self, ignore_nulls: bool) -> Expr {
        Expr::Aggregate {
            func: AggregateFunction::First {
                ignore_nulls: Some(ignore_nulls),
            },
            args: vec![self],
        }
    }

    /// Last value in row order, skipping missing values or not whatever the semantics.
    pub fn last_ignore_nulls(self, ignore_nulls: bool) -> Expr {
        Expr::Aggregate {
            func: AggregateFunction::Last {
                ignore_nulls: Some(ignore_nulls),
            },
            args: vec![self],
        }
    }
}

impl Expr {
    /// Names the expression's output column.
    pub fn alias(self, name: impl Into<String>) -> Expr {
        match self {
            Expr::Alias(inner, _) => Expr::Alias(inner, name.into()),
            other => Expr::Alias(Box::new(other), name.into()),
        }
    }

    /// `NOT self`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Expr {
        Expr::Not(Box::new(self))
    }

    /// `self IS NULL`.
    pub fn is_null(self) -> Expr {
        Expr::IsNull(Box::new(self))
    }

    /// `self IS NOT NULL`.
    pub fn is_not_null(self) -> Expr {
        Expr::IsNotNull(Box::new(self))
    }

    /// `self IN (values...)`.
    pub fn is_in<V: Into<Expr>>(self, values: impl IntoIterator<Item = V>) -> Expr {
        Expr::InList {
            expr: Box::new(self),
            list: values.into_iter().map(Into::into).collect(),
            negated: false,
        }
    }

    /// `self NOT IN (values...)`.
    pub fn is_not_in<V: Into<Expr>>(self, values: impl IntoIterator<Item = V>) -> Expr {
        match self.is_in(values) {
            Expr::InList { expr, list, .. } => Expr::InList {
                expr,
                list,
                negated: true,
            },
            _ => unreachable!("is_in builds an InList"),
        }
    }

    /// `self BETWEEN low AND high`, both ends inclusive.
    pub fn between(self, low: impl Into<Expr>, high: impl Into<Expr>) -> Expr {
        Expr::Between {
            expr: Box::new(self),
            low: Box::new(low.into()),
            high: Box::new(high.into()),
            negated: false,
        }
    }

    /// `self LIKE pattern` (`%` any run of characters, `_` one character).
    pub fn like(self, pattern: impl Into<String>) -> Expr {
        Expr::Like {
            expr: Box::new(self),
            pattern: pattern.into(),
            negated: false,
        }
    }

    /// `CAST(self AS to)`.
    pub fn cast(self, to: DataType) -> Expr {
        Expr::Cast {
            expr: Box::new(self),
            to,
            implicit: false,
        }
    }

    /// `ROUND(self, digits)`; halves as the semantics says.
    pub fn round(self, digits: i64) -> Expr {
        Expr::Function {
            func: ScalarFunction::Round,
            args: vec![self, lit(digits)],
        }
    }

    /// `ABS(self)`.
    pub fn abs(self) -> Expr {
        Expr::Function {
            func: ScalarFunction::Abs,
            args: vec![self],
        }
    }

    /// `LOWER(self)`.
    pub fn lower(self) -> Expr {
        Expr::Function {
            func: ScalarFunction::Lower,
            args: vec![self],
        }
    }

    /// `UPPER(self)`.
    pub fn upper(self) -> Expr {
        Expr::Function {
            func: ScalarFunction::Upper,
            args: vec![self],
        }
    }

    /// `LENGTH(self)` in characters.
    pub fn length(self) -> Expr {
        Expr::Function {
            func: ScalarFunction::Length,
            args: vec![self],
        }
    }

    /// `POWER(self, exponent)`.
    pub fn pow(self, exponent: impl Into<Expr>) -> Expr {
        Expr::Function {
            func: ScalarFunction::Power,
            args: vec![self, exponent.into()],
        }
    }

    /// Standard deviation with `ddof` (0: population, 1: sample).
    pub fn std_ddof(self, ddof: u8) -> Expr {
        Expr::Aggregate {
            func: AggregateFunction::Std { ddof },
            args: vec![self],
        }
    }

    /// Variance with `ddof` (0: population, 1: sample).
    pub fn var_ddof(self, ddof: u8) -> Expr {
        Expr::Aggregate {
            func: AggregateFunction::Var { ddof },
            args: vec![self],
        }
    }

    /// pandas' `.dt` accessor: fields, truncation and formatting of a date or time
    /// stamp (`col("time_hour").dt().month()`).
    pub fn dt(self) -> DtAccessor {
        DtAccessor(self)
    }

    /// Quantile `q` in [0, 1], linear interpolation.
    pub fn quantile(self, q: f64) -> Expr {
        Expr::Aggregate {
            func: AggregateFunction::Quantile(q),
            args: vec![self],
        }
    }

    /// The name of the column this expression produces.
    pub fn output_name(&self) -> String {
        match self {
            Expr::Column(name) => name.clone(),
            Expr::Alias(_, name) => name.clone(),
            other => other.to_string(),
        }
    }

    /// The expression under any aliases.
    pub fn unalias(&self) -> &Expr {
        match self {
            Expr::Alias(inner, _) => inner.unalias(),
            other => other,
        }
    }

    /// The direct children, in order.
    pub fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Column(_) | Expr::Literal(_) => vec![],
            Expr::Alias(e, _)
            | Expr::Not(e)
            | Expr::IsNull(e)
            | Expr::IsNotNull(e)
            | Expr::Like { expr: e, .. }
            | Expr::Cast { expr: e, .. } => vec![e],
            Expr::Binary { left, right, .. } => vec![left, right],
            Expr::InList { expr, list, .. } => {
                let mut v = vec![expr.as_ref()];
                v.extend(list.iter());
                v
            }
            Expr::Between {
                expr, low, high, ..
            } => vec![expr, low, high],
            Expr::Function { args, .. } | Expr::Aggregate { args, .. } => args.iter().collect(),
            Expr::Case {
                branches,
                otherwise,
            } => {
                let mut v = vec![];
                for (c, t) in branches {
                    v.push(c);
                    v.push(t);
                }
                if let Some(o) = otherwise {
                    v.push(o);
                }
                v
            }
        }
    }

    /// Visits every node, parents before children.
    pub fn apply(&self, f: &mut impl FnMut(&Expr)) {
        f(self);
        for c in self.children() {
            c.apply(f);
        }
    }

    /// The columns the expression reads, in first-seen order, without repeats.
    pub fn column_refs(&self) -> Vec<String> {
        let mut out: Vec<String> = vec![];
        self.apply(&mut |e| {
            if let Expr::Column(c) = e {
                if !out.contains(c) {
                    out.push(c.clone());
                }
            }
        });
        out
    }

    /// True when an aggregate appears anywhere inside.
    pub fn contains_aggregate(&self) -> bool {
        let mut found = false;
        self.apply(&mut |e| found |= matches!(e, Expr::Aggregate { .. }));
        found
    }

    /// Rebuilds the expression with each direct child replaced by `f(child)`; the
    /// one place that knows every variant's children (as [`Expr::children`] reads them).
    pub fn map_children(
        self,
        mut f: impl FnMut(Expr) -> Result<Transformed<Expr>>,
    ) -> Result<Transformed<Expr>> {
        let mut changed = false;
        let mut go = |e: Expr| -> Result<Expr> {
            let t = f(e)?;
            changed |= t.transformed;
            Ok(t.data)
        };
        let bx = |e: Box<Expr>, go: &mut dyn FnMut(Expr) -> Result<Expr>| -> Result<Box<Expr>> {
            Ok(Box::new(go(*e)?))
        };
        let node = match self {
            e @ (Expr::Column(_) | Expr::Literal(_)) => e,
            Expr::Alias(e, n) => Expr::Alias(bx(e, &mut go)?, n),
            Expr::Binary { left, op, right } => Expr::Binary {
                left: bx(left, &mut go)?,
                op,
                right: bx(right, &mut go)?,
            },
            Expr::Not(e) => Expr::Not(bx(e, &mut go)?),
            Expr::IsNull(e) => Expr::IsNull(bx(e, &mut go)?),
            Expr::IsNotNull(e) => Expr::IsNotNull(bx(e, &mut go)?),
            Expr::InList {
                expr,
                list,
                negated,
            } => Expr::InList {
                expr: bx(expr, &mut go)?,
                list: list.into_iter().map(&mut go).collect::<Result<_>>()?,
                negated,
            },
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => Expr::Between {
                expr: bx(expr, &mut go)?,
                low: bx(low, &mut go)?,
                high: bx(high, &mut go)?,
                negated,
            },
            Expr::Like {
                expr,
                pattern,
                negated,
            } => Expr::Like {
                expr: bx(expr, &mut go)?,
                pattern,
                negated,
            },
            Expr::Cast { expr, to, implicit } => Expr::Cast {
                expr: bx(expr, &mut go)?,
                to,
                implicit,
            },
            Expr::Function { func, args } => Expr::Function {
                func,
                args: args.into_iter().map(&mut go).collect::<Result<_>>()?,
            },
            Expr::Aggregate { func, args } => Expr::Aggregate {
                func,
                args: args.into_iter().map(&mut go).collect::<Result<_>>()?,
            },
            Expr::Case {
                branches,
                otherwise,
            } => Expr::Case {
                branches: branches
                    .into_iter()
                    .map(|(c, t)| Ok((go(c)?, go(t)?)))
                    .collect::<Result<_>>()?,
                otherwise: otherwise.map(|o| bx(o, &mut go)).transpose()?,
            },
        };
        Ok(Transformed {
            data: node,
            transformed: changed,
        })
    }

    /// Rebuilds the expression bottom-up: `f` sees each node after its children.
    pub fn transform_up(
        self,
        f: &mut impl FnMut(Expr) -> Result<Transformed<Expr>>,
    ) -> Result<Transformed<Expr>> {
        let t = self.map_children(|c| c.transform_up(f))?;
        let mut out = f(t.data)?;
        out.transformed |= t.transformed;
        Ok(out)
    }

    /// Rebuilds the expression top-down: `f` sees each node before its children, and
    /// says with [`Recursion::Jump`] that the children of what it returned are left
    /// as they are (an aggregate replaced by a column, say).
    pub fn transform_down(
        self,
        f: &mut impl FnMut(Expr) -> Result<(Transformed<Expr>, Recursion)>,
    ) -> Result<Transformed<Expr>> {
        let (t, recursion) = f(self)?;
        if recursion == Recursion::Jump {
            return Ok(t);
        }
        let mut out = t.data.map_children(|c| c.transform_down(f))?;
        out.transformed |= t.transformed;
        Ok(out)
    }

    /// Resolves column names against `schema` as the semantics says, replacing each
    /// with the exact field name. Unknown names are an error naming the column and the
    /// nearest existing one.
    pub fn resolve(self, schema: &Schema, semantics: &Semantics) -> Result<Expr> {
        Ok(self
            .transform_up(&mut |e| match e {
                Expr::Column(name) => {
                    let i = schema.resolve(&name, semantics)?;
                    let exact = &schema.field(i).name;
                    if *exact == name {
                        Ok(Transformed::no(Expr::Column(name)))
                    } else {
                        Ok(Transformed::yes(Expr::Column(exact.clone())))
                    }
                }
                other => Ok(Transformed::no(other)),
            })?
            .data)
    }

    /// Splits a chain of ANDs into its conjuncts, left to right.
    pub fn split_conjunction(&self) -> Vec<&Expr> {
        match self {
            Expr::Binary {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                let mut v = left.split_conjunction();
                v.extend(right.split_conjunction());
                v
            }
            other => vec![other],
        }
    }

    /// Whether, under two-valued logic, the expression never evaluates to a missing
    /// value: comparisons, `IN`, `LIKE`, `BETWEEN`, null tests, `AND`/`OR` (which take
    /// a missing operand as false) and non-null literals. Conservative: `false` means
    /// "may be missing" (a boolean column, a function, a `CASE`).
    pub fn never_null_in_two_valued_logic(&self) -> bool {
        use BinaryOperator::*;
        match self {
            Expr::Literal(v) => !v.is_null(),
            Expr::Alias(e, _) => e.never_null_in_two_valued_logic(),
            Expr::Binary { op, .. } => {
                matches!(
                    op,
                    Eq | NotEq | Lt | LtEq | Gt | GtEq | NullSafeEq | And | Or
                )
            }
            // NOT raises on a missing operand under two-valued logic (pandas' `~`).
            Expr::Not(_)
            | Expr::IsNull(_)
            | Expr::IsNotNull(_)
            | Expr::InList { .. }
            | Expr::Between { .. }
            | Expr::Like { .. } => true,
            Expr::Function {
                func: ScalarFunction::Coalesce,
                args,
            } => args.iter().any(Expr::never_null_in_two_valued_logic),
            _ => false,
        }
    }

    /// `coalesce(self, false)` unless the expression is never missing under two-valued
    /// logic: how `x` counts as an operand of `AND` or `OR` there (pandas' `&` and `|`
    /// take a missing value as false).
    pub fn missing_as_false(self) -> Expr {
        if self.never_null_in_two_valued_logic() {
            self
        } else {
            coalesce([self, lit(false)])
        }
    }

    /// Joins conjuncts with AND, left to right; `None` when there are none.
    pub fn conjunction(exprs: impl IntoIterator<Item = Expr>) -> Option<Expr> {
        exprs.into_iter().reduce(|a, b| a.and(b))
    }

    /// The type of the expression's values over rows of `schema` (already resolved).
    pub fn data_type(&self, schema: &Schema, semantics: &Semantics) -> Result<DataType> {
        use DataType::*;
        Ok(match self {
            Expr::Column(name) => {
                let field = schema.field(schema.resolve(name, semantics)?);
                if let DataType::Unsupported(t) = field.data_type {
                    return Err(Error::NotImplemented(format!(
                        "column '{}' has the type {t}, which Partita does not support yet; leave it out of the query",
                        field.name
                    )));
                }
                field.data_type
            }
            Expr::Literal(v) => literal_type(v, semantics),
            Expr::Alias(e, _) => e.data_type(schema, semantics)?,
            Expr::Binary { left, op, right } => {
                let l = left.data_type(schema, semantics)?;
                let r = right.data_type(schema, semantics)?;
                let date_and_text = (l == DataType::Date && r == DataType::Utf8)
                    || (l == DataType::Utf8 && r == DataType::Date);
                if date_and_text
                    && op.is_order_comparison()
                    && semantics.date_text == partita_common::DateText::Object
                {
                    // Python: '>=' not supported between 'datetime.date' and 'str'.
                    return Err(Error::analysis(
                        "DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES",
                        format!(
                            "'{self}' orders a date against text, which pandas' date objects do not allow (date_text = object); compare with DATE '...' or CAST the text AS date"
                        ),
                    ));
                }
                if op.is_comparison() && semantics.time_zones == TimeZones::PerColumn {
                    for (t, other) in [(l, right), (r, left)] {
                        zoned_wall_time(t, other, &format!("'{self}'"))?;
                    }
                }
                if op.is_order_comparison() {
                    category_comparison(l, right, r, &format!("'{self}'"))?;
                    category_comparison(r, left, l, &format!("'{self}'"))?;
                }
                let decimal = |t: DataType| matches!(t, DataType::Decimal(..));
                if !op.is_comparison()
                    && !op.is_logical()
                    && semantics.numeric_promotion == NumericPromotion::Numpy
                    && ((decimal(l) && r.is_float()) || (l.is_float() && decimal(r)))
                {
                    // Python: unsupported operand type(s) for +: 'decimal.Decimal' and 'float'.
                    return Err(Error::analysis(
                        "DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES",
                        format!(
                            "'{self}' mixes a decimal ({}) and a float ({}), which pandas' Decimal objects do not allow; CAST the decimal AS double",
                            if decimal(l) { l } else { r },
                            if decimal(l) { r } else { l }
                        ),
                    ));
                }
                binary_type(l, *op, r, left, right, semantics)
                    .map_err(|m| Error::plan(format!("{m} in '{self}'")))?
            }
            Expr::Not(e) => {
                expect_type(e, schema, semantics, &[Boolean], "NOT")?;
                Boolean
            }
            Expr::IsNull(_) | Expr::IsNotNull(_) => Boolean,
            Expr::InList { expr, list, .. } => {
                let t = expr.data_type(schema, semantics)?;
                for v in list {
                    let vt = v.data_type(schema, semantics)?;
                    comparable(t, vt).map_err(|m| Error::plan(format!("{m} in '{self}'")))?;
                }
                Boolean
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                let t = expr.data_type(schema, semantics)?;
                for b in [low, high] {
                    let bt = b.data_type(schema, semantics)?;
                    category_comparison(t, b, bt, &format!("'{self}'"))?;
                    category_comparison(bt, expr, t, &format!("'{self}'"))?;
                }
                for b in [low, high] {
                    comparable(t, b.data_type(schema, semantics)?)
                        .map_err(|m| Error::plan(format!("{m} in '{self}'")))?;
                }
                Boolean
            }
            Expr::Like { expr, .. } => {
                expect_type(expr, schema, semantics, &[Utf8], "LIKE")?;
                Boolean
            }
            Expr::Cast { expr, to, .. } => {
                let from = expr.data_type(schema, semantics)?;
                let time = |t: DataType| t.is_temporal() || matches!(t, Duration(_));
                // Dates and times cast to and from text and each other; a number is
                // not a date (Spark: DATATYPE_MISMATCH; pandas' astype refuses too).
                if (time(from) && !(time(*to) || *to == Utf8))
                    || (time(*to) && !(time(from) || matches!(from.storage(), Utf8 | Null)))
                {
                    return Err(Error::analysis(
                        "DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION",
                        format!("cannot cast {from} to {to} in '{self}'"),
                    ));
                }
                *to
            }
            Expr::Function { func, args } => function_type(*func, args, schema, semantics)
                .map_err(|e| match e {
                    Error::Plan(m) => Error::plan(format!("{m} in '{self}'")),
                    other => other,
                })?,
            Expr::Case {
                branches,
                otherwise,
            } => {
                let mut t = Null;
                for (c, v) in branches {
                    expect_type(c, schema, semantics, &[Boolean], "CASE WHEN")?;
                    t = common_type(t, v.data_type(schema, semantics)?)
                        .map_err(|m| Error::plan(format!("{m} in '{self}'")))?;
                }
                if let Some(o) = otherwise {
                    t = common_type(t, o.data_type(schema, semantics)?)
                        .map_err(|m| Error::plan(format!("{m} in '{self}'")))?;
                }
                t
            }
            Expr::Aggregate { func, args } => aggregate_type(*func, args, schema, semantics)
                .map_err(|e| match e {
                    Error::Plan(m) => Error::plan(format!("{m} in '{self}'")),
                    other => other,
                })?,
        })
    }
}

impl Expr {
    /// Whether the expression may be missing over `schema`: a column as its field
    /// says, a comparison or a predicate under two-valued logic never (pandas gives
    /// false), COUNT and (pandas) SUM never, a CASE without ELSE always, otherwise
    /// when any input may be.
    pub fn nullable(&self, schema: &Schema, semantics: &Semantics) -> Result<bool> {
        let two_valued = semantics.logic == Logic::TwoValued;
        let any = |es: &[&Expr]| -> Result<bool> {
            for e in es {
                if e.nullable(schema, semantics)? {
                    return Ok(true);
                }
            }
            Ok(false)
        };
        // Where NaN is a missing value (pandas), float arithmetic, casts and
        // functions can make one out of values that are not (`0.0 / 0`,
        // `CAST('NaN' AS DOUBLE)`, `SQRT(-1)`).
        if semantics.nan_is_missing()
            && !matches!(self, Expr::Column(_) | Expr::Literal(_) | Expr::Alias(..))
            && self.data_type(schema, semantics)?.is_float()
        {
            return Ok(true);
        }
        Ok(match self {
            Expr::Column(name) => schema.field(schema.resolve(name, semantics)?).nullable,
            Expr::Literal(v) => v.is_null(),
            // pandas' astype(int) raises on a missing value: its result never is.
            Expr::Cast { to, .. }
                if to.is_integer()
                    && semantics.int_with_nulls == partita_common::IntWithNulls::Float64 =>
            {
                false
            }
            Expr::Alias(e, _) | Expr::Cast { expr: e, .. } => e.nullable(schema, semantics)?,
            Expr::Binary { left, op, right } => {
                if (op.is_comparison() || op.is_logical()) && two_valued
                    || *op == BinaryOperator::NullSafeEq
                {
                    false
                } else {
                    // pandas' integer `%` by zero is NaN, a missing value.
                    let by_zero = *op == BinaryOperator::Modulo
                        && ieee_by_zero(right, semantics)
                        && self.data_type(schema, semantics)?.is_integer();
                    by_zero || any(&[left, right])?
                }
            }
            Expr::IsNull(_) | Expr::IsNotNull(_) => false,
            Expr::Not(e) => !two_valued && e.nullable(schema, semantics)?,
            Expr::InList { expr, list, .. } => {
                !two_valued
                    && (expr.nullable(schema, semantics)? || any(&list.iter().collect::<Vec<_>>())?)
            }
            Expr::Between {
                expr, low, high, ..
            } => !two_valued && any(&[expr, low, high])?,
            Expr::Like { expr, .. } => !two_valued && expr.nullable(schema, semantics)?,
            Expr::Function { func, args } => match func {
                ScalarFunction::Coalesce => {
                    let mut all = true;
                    for a in args {
                        all &= a.nullable(schema, semantics)?;
                    }
                    all
                }
                ScalarFunction::CurrentDate | ScalarFunction::CurrentTimestamp => false,
                ScalarFunction::NullIf => true,
                _ => any(&args.iter().collect::<Vec<_>>())?,
            },
            Expr::Case {
                branches,
                otherwise,
            } => match otherwise {
                None => true,
                Some(o) => {
                    o.nullable(schema, semantics)?
                        || any(&branches.iter().map(|(_, v)| v).collect::<Vec<_>>())?
                }
            },
            Expr::Aggregate { func, args } => match func {
                AggregateFunction::CountStar
                | AggregateFunction::Count
                | AggregateFunction::CountDistinct => false,
                AggregateFunction::Sum | AggregateFunction::SumDistinct
                    if semantics.empty_sum == partita_common::EmptySum::Zero =>
                {
                    false
                }
                _ => any(&args.iter().collect::<Vec<_>>())?,
            },
        })
    }

    /// Under pandas' rule for integers with missing values (`int_with_nulls =
    /// float64`), an integer expression that may be missing becomes float64 (as
    /// `s.str.len()` over a column with missing values is float64), by an explicit
    /// cast that keeps the output name; otherwise the expression itself. A bare
    /// column is left alone (a scan already typed it).
    pub fn with_pandas_int_nulls(self, schema: &Schema, semantics: &Semantics) -> Result<Expr> {
        // pandas' isocalendar().week is its masked UInt32, which holds missing values.
        let masked = matches!(
            self.unalias(),
            Expr::Function {
                func: ScalarFunction::DatePart(partita_common::DatePart::WeekOfYear),
                ..
            }
        );
        if semantics.int_with_nulls != partita_common::IntWithNulls::Float64
            || masked
            || matches!(self.unalias(), Expr::Column(_) | Expr::Literal(_))
            || !self.data_type(schema, semantics)?.is_integer()
            || !self.nullable(schema, semantics)?
        {
            return Ok(self);
        }
        let name = self.output_name();
        // pandas builds a CASE with `np.select(.., default=nan)` and a missing
        // literal as NaN: float64 whatever the values. Elsewhere a missing value
        // comes from the values (a missing text's `str.len()`), and so does the type.
        let mut by_values = true;
        self.apply(&mut |e| {
            by_values &=
                !matches!(e, Expr::Case { .. }) && !matches!(e, Expr::Literal(v) if v.is_null())
        });
        Ok(Expr::Cast {
            expr: Box::new(self.unalias().clone()),
            to: DataType::Float64,
            implicit: by_values,
        }
        .alias(name))
    }
}

fn expect_type(
    e: &Expr,
    schema: &Schema,
    semantics: &Semantics,
    allowed: &[DataType],
    what: &str,
) -> Result<DataType> {
    let t = e.data_type(schema, semantics)?;
    if t == DataType::Null || allowed.contains(&t.storage()) {
        Ok(t)
    } else {
        let names: Vec<String> = allowed.iter().map(|t| t.to_string()).collect();
        Err(Error::analysis(
            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
            format!("{what} expects {} but '{e}' is {t}", names.join(" or ")),
        ))
    }
}

/// The type of a literal: under SQL promotion an integer literal that fits 32 bits
/// is an `INT`, as in Spark; otherwise the value's own type.
pub fn literal_type(v: &ScalarValue, semantics: &Semantics) -> DataType {
    match v {
        ScalarValue::Int64(Some(i))
            if semantics.numeric_promotion == NumericPromotion::Sql
                && i32::try_from(*i).is_ok() =>
        {
            DataType::Int32
        }
        other => other.data_type(),
    }
}

/// The type two numbers of types `a` and `b` combine to, by NumPy's table (pandas)
/// or SQL's widening (Spark); see [`NumericPromotion`].
pub fn numeric_supertype(a: DataType, b: DataType, promotion: NumericPromotion) -> DataType {
    use DataType::*;
    let sql_signed = |t: DataType| match t {
        UInt8 => Int16,
        UInt16 => Int32,
        UInt32 => Int64,
        UInt64 => Float64,
        t => t,
    };
    let (a, b) = match promotion {
        NumericPromotion::Sql => (sql_signed(a), sql_signed(b)),
        NumericPromotion::Numpy => (a, b),
    };
    if a == b {
        return a;
    }
    let bits = |t: DataType| t.bits().unwrap_or(64);
    match (a.is_float(), b.is_float()) {
        (true, true) => Float64,
        (true, false) | (false, true) => {
            let (f, i) = if a.is_float() { (a, b) } else { (b, a) };
            match promotion {
                NumericPromotion::Numpy if f == Float32 && bits(i) <= 16 => Float32,
                _ => Float64,
            }
        }
        (false, false) => match (a.is_unsigned(), b.is_unsigned()) {
            (x, y) if x == y => {
                if bits(a) >= bits(b) {
                    a
                } else {
                    b
                }
            }
            _ => {
                let (u, i) = if a.is_unsigned() { (a, b) } else { (b, a) };
                if bits(i) > bits(u) {
                    i
                } else if bits(u) < 64 {
                    DataType::signed_of_bits(bits(u) * 2)
                } else {
                    Float64
                }
            }
        },
    }
}

/// The common type two values widen to (for COALESCE, CASE, IN lists).
pub fn common_type(a: DataType, b: DataType) -> std::result::Result<DataType, String> {
    use DataType::*;
    Ok(match (a, b) {
        (Null, t) | (t, Null) => t,
        (x, y) if x == y => x,
        // A categorical with text or other categories is text (pandas: object).
        (x, y) if x.is_text() && y.is_text() => Utf8,
        (x, y) if x.is_numeric() && y.is_numeric() => {
            numeric_supertype(x, y, NumericPromotion::Numpy)
        }
        (Timestamp(u1, z1), Timestamp(u2, z2)) => Timestamp(u1.max(u2), z1.or(z2)),
        (Date, Timestamp(u, z)) | (Timestamp(u, z), Date) => Timestamp(u, z),
        (Duration(u1), Duration(u2)) => Duration(u1.max(u2)),
        (x, y) => return Err(format!("incompatible types {x} and {y}")),
    })
}

fn comparable(a: DataType, b: DataType) -> std::result::Result<(), String> {
    use DataType::*;
    match (a, b) {
        (Null, _) | (_, Null) => Ok(()),
        (x, y) if x.is_numeric() && y.is_numeric() => Ok(()),
        (Decimal(..), y) | (y, Decimal(..)) if y.is_numeric() || matches!(y, Decimal(..)) => Ok(()),
        (x, y) if x.is_temporal() && (y.is_temporal() || y.is_text()) => Ok(()),
        (x, y) if y.is_temporal() && x.is_text() => Ok(()),
        (x, y) if x.is_text() && y.is_text() => Ok(()),
        (Duration(_), Duration(_)) => Ok(()),
        (x, y) if x == y => Ok(()),
        (x, y) => Err(format!("cannot compare {x} with {y}")),
    }
}

/// The type of temporal arithmetic `l op r`, when either side is a date, a time
/// stamp or a duration.
fn temporal_binary_type(
    l: DataType,
    op: BinaryOperator,
    r: DataType,
) -> Option<std::result::Result<DataType, String>> {
    use BinaryOperator::*;
    use DataType::*;
    let temporal = |t: DataType| t.is_temporal() || matches!(t, Duration(_));
    if !temporal(l) && !temporal(r) {
        return None;
    }
    Some(match (l, op, r) {
        (Timestamp(u1, _), Minus, Timestamp(u2, _)) => Ok(Duration(u1.max(u2))),
        (Timestamp(u1, z), Plus | Minus, Duration(u2)) | (Duration(u2), Plus, Timestamp(u1, z)) => {
            Ok(Timestamp(u1.max(u2), z))
        }
        (Date, Plus | Minus, Duration(u)) | (Duration(u), Plus, Date) => Ok(Timestamp(u, None)),
        (Date, Plus | Minus, t) | (t, Plus, Date) if t.is_integer() || t == Null => Ok(Date),
        (Duration(u1), Plus | Minus, Duration(u2)) => Ok(Duration(u1.max(u2))),
        (Duration(u), Multiply, t) | (t, Multiply, Duration(u)) if t.is_integer() => {
            Ok(Duration(u))
        }
        (Null, _, t) | (t, _, Null) => Ok(t),
        _ => Err(format!("arithmetic '{op}' is not defined for {l} and {r}")),
    })
}

fn binary_type(
    l: DataType,
    op: BinaryOperator,
    r: DataType,
    left: &Expr,
    right: &Expr,
    semantics: &Semantics,
) -> std::result::Result<DataType, String> {
    use BinaryOperator::*;
    use DataType::*;
    if op.is_comparison() {
        comparable(l, r)?;
        return Ok(Boolean);
    }
    if op.is_logical() {
        for t in [l, r] {
            if !matches!(t, Boolean | Null) {
                return Err(format!("{op} expects booleans, not {t}"));
            }
        }
        return Ok(Boolean);
    }
    if let Some(t) = temporal_binary_type(l, op, r) {
        return t;
    }
    if matches!(l, Decimal(..)) || matches!(r, Decimal(..)) {
        return decimal_binary_type(l, op, r, left, right, semantics);
    }
    for t in [l, r] {
        if !(t.is_numeric() || t == Null) {
            return Err(format!("arithmetic '{op}' expects numbers, not {t}"));
        }
    }
    let promotion = semantics.numeric_promotion;
    // Under NumPy's rules a Python literal takes the other operand's kind of type: an
    // integer literal any integer or float type, a float literal a float type.
    let weak = |e: &Expr, t: DataType| {
        promotion == NumericPromotion::Numpy
            && matches!(e.unalias(), Expr::Literal(_))
            && (t == Int64 || t == Float64)
    };
    let (l, r) = match (l, r) {
        (Null, Null) => (Int64, Int64),
        (Null, t) | (t, Null) => (t, t),
        x => x,
    };
    let joined = if weak(left, l) && !weak(right, r) && (l == Int64 || r.is_float()) {
        r
    } else if weak(right, r) && !weak(left, l) && (r == Int64 || l.is_float()) {
        l
    } else {
        numeric_supertype(l, r, promotion)
    };
    let both_int = joined.is_integer();
    Ok(match op {
        Divide => match (promotion, joined) {
            (NumericPromotion::Numpy, Float32) => Float32,
            _ => Float64,
        },
        IntegerDivide | Modulo if both_int => {
            // pandas turns an integer `//` by zero into inf / -inf / NaN, so the
            // result is float unless the divisor is a literal that cannot be zero. A
            // `%` by zero is NaN, its missing value: an integer that may be missing
            // (see `Expr::nullable`), float64 where one is.
            if op == IntegerDivide && ieee_by_zero(right, semantics) {
                Float64
            } else if op == IntegerDivide && promotion == NumericPromotion::Sql {
                // Spark's DIV is a BIGINT.
                Int64
            } else {
                joined
            }
        }
        _ => joined,
    })
}

/// The decimal precision and scale of an operand meeting a decimal, as Spark types
/// it: a decimal as it is, an integer literal by its digits (`1` is `DECIMAL(1,0)`,
/// Spark's `literalPickMinimumPrecision`), an integer column by its width (`BIGINT`
/// is `DECIMAL(20,0)`), a missing value as the other side.
fn decimal_operand(t: DataType, e: &Expr) -> Option<(i32, i32)> {
    use DataType::*;
    Some(match t {
        Decimal(p, s) => (p as i32, s as i32),
        t if t.is_integer() => match e.unalias() {
            Expr::Literal(v) => match v.as_i128() {
                Some(v) => (v.unsigned_abs().max(1).ilog10() as i32 + 1, 0),
                None => return None,
            },
            _ => match t {
                Int8 | UInt8 => (3, 0),
                Int16 | UInt16 => (5, 0),
                Int32 | UInt32 => (10, 0),
                _ => (20, 0),
            },
        },
        _ => return None,
    })
}

/// Spark's rule for a decimal result wider than 38 digits
/// (`DecimalType.adjustPrecisionScale`): 38 digits, keeping the integer digits and
/// at least 6 (or the scale, if less) after the point.
fn decimal_bounded(p: i32, s: i32) -> DataType {
    if p <= 38 {
        return DataType::Decimal(p as u8, s as u8);
    }
    let min_scale = s.min(6);
    let scale = (38 - (p - s)).max(min_scale);
    DataType::Decimal(38, scale as u8)
}

/// The type of arithmetic with a decimal operand. Spark's rules
/// (`DecimalPrecision`): `+ -` keep the larger scale and one more integer digit,
/// `*` adds precisions and scales, `/` has the scale `max(6, s1 + p2 + 1)`, `%`
/// the larger scale; a double operand makes it double. pandas' `decimal.Decimal`
/// objects give the same exact values for `+ - * %` (the harness compares values);
/// they cannot meet a float (`TypeError`) and divide to 28 significant digits,
/// which a fixed scale cannot hold, so `/` is refused under pandas.
fn decimal_binary_type(
    l: DataType,
    op: BinaryOperator,
    r: DataType,
    left: &Expr,
    right: &Expr,
    semantics: &Semantics,
) -> std::result::Result<DataType, String> {
    use BinaryOperator::*;
    use DataType::*;
    let numpy = semantics.numeric_promotion == NumericPromotion::Numpy;
    if l.is_float() || r.is_float() {
        // Spark: a double operand makes the decimal a double (pandas refuses it
        // before this, in `Expr::data_type`).
        return Ok(Float64);
    }
    let (Some(a), Some(b)) = (
        decimal_operand(
            if l == Null { r } else { l },
            if l == Null { right } else { left },
        ),
        decimal_operand(
            if r == Null { l } else { r },
            if r == Null { left } else { right },
        ),
    ) else {
        return Err(format!(
            "arithmetic '{op}' expects numbers, not {l} and {r}"
        ));
    };
    let ((p1, s1), (p2, s2)) = (a, b);
    // pandas' Decimal objects keep every digit (up to 28 significant ones): the
    // exact scale, in at most 38 digits; Spark gives up scale past 38 digits.
    let bounded = |p: i32, s: i32| -> std::result::Result<DataType, String> {
        if !numpy {
            Ok(decimal_bounded(p, s))
        } else if s <= 38 {
            Ok(Decimal(p.min(38) as u8, s as u8))
        } else {
            Err(format!(
                "'{op}' of decimals with {s} digits after the point: pandas' Decimal keeps them all, more than a decimal column's 38"
            ))
        }
    };
    Ok(match op {
        Plus | Minus => {
            let s = s1.max(s2);
            bounded((p1 - s1).max(p2 - s2) + s + 1, s)?
        }
        Multiply => bounded(p1 + p2 + 1, s1 + s2)?,
        Divide if numpy => {
            return Err(
                "dividing decimals: pandas divides Decimal objects to 28 significant digits, which a decimal column of one scale cannot hold; CAST the operands AS double".into(),
            )
        }
        Divide => {
            let s = 6.max(s1 + p2 + 1);
            decimal_bounded(p1 - s1 + s2 + s, s)
        }
        Modulo => {
            let s = s1.max(s2);
            bounded((p1 - s1).min(p2 - s2) + s, s)?
        }
        other => return Err(format!("'{other}' is not defined for decimals; CAST AS double or bigint first")),
    })
}

/// Whether an integer `DIV` or `%` by `divisor` meets pandas' rule for a zero
/// divisor (`division_by_zero = ieee`): the divisor is not a literal other than 0.
fn ieee_by_zero(divisor: &Expr, semantics: &Semantics) -> bool {
    let nonzero_literal =
        matches!(divisor.unalias(), Expr::Literal(v) if v.as_i128().is_some_and(|v| v != 0));
    semantics.division_by_zero == partita_common::DivisionByZero::Ieee
        && !nonzero_literal
        && !never_zero(divisor)
}

/// `NULLIF(x, 0)`: a divisor that is never zero (missing instead).
fn never_zero(e: &Expr) -> bool {
    matches!(
        e.unalias(),
        Expr::Function { func: ScalarFunction::NullIf, args }
            if matches!(args.get(1).map(Expr::unalias), Some(Expr::Literal(v)) if v.as_i128() == Some(0))
    )
}

/// `left DIV NULLIF(right, 0)`: an integer floor division whose zero divisors give
/// a missing value instead of pandas' ±inf.
pub fn integer_divide_or_missing(left: Expr, right: Expr) -> Expr {
    Expr::Binary {
        left: Box::new(left),
        op: BinaryOperator::IntegerDivide,
        right: Box::new(Expr::Function {
            func: ScalarFunction::NullIf,
            args: vec![right, lit(0i64)],
        }),
    }
}

fn function_type(
    func: ScalarFunction,
    args: &[Expr],
    schema: &Schema,
    semantics: &Semantics,
) -> Result<DataType> {
    use DataType::*;
    let arity = |n: usize| -> Result<()> {
        if args.len() == n {
            Ok(())
        } else {
            Err(Error::plan(format!(
                "{func} takes {n} argument(s), got {}",
                args.len()
            )))
        }
    };
    Ok(match func {
        ScalarFunction::Round => {
            if args.len() == 1 {
                // ROUND(x) rounds to 0 digits.
            } else {
                arity(2)?;
                if !matches!(
                    args[1].unalias(),
                    Expr::Literal(ScalarValue::Int64(Some(_)))
                ) {
                    return Err(Error::plan(
                        "round expects an integer literal for the number of digits",
                    ));
                }
            }
            expect_numeric(&args[0], schema, semantics, "round")?
        }
        ScalarFunction::Negate => {
            arity(1)?;
            expect_kind(
                args.first().expect("one argument"),
                schema,
                semantics,
                "negate",
                "a number",
                |t| t.is_numeric() || matches!(t, Decimal(..)),
            )?
        }
        ScalarFunction::Abs => {
            arity(1)?;
            expect_numeric(&args[0], schema, semantics, &func.to_string())?
        }
        ScalarFunction::Coalesce => {
            if args.is_empty() {
                return Err(Error::plan("coalesce needs at least one argument"));
            }
            let mut t = Null;
            for a in args {
                t = common_type(t, a.data_type(schema, semantics)?).map_err(Error::plan)?;
            }
            t
        }
        ScalarFunction::NullIf => {
            arity(2)?;
            let (a, b) = (
                args[0].data_type(schema, semantics)?,
                args[1].data_type(schema, semantics)?,
            );
            common_type(a, b).map_err(|why| {
                Error::plan(format!(
                    "nullif compares {a} with {b}, which cannot be compared: {why}"
                ))
            })?;
            a
        }
        ScalarFunction::Lower | ScalarFunction::Upper => {
            arity(1)?;
            expect_type(&args[0], schema, semantics, &[Utf8], &func.to_string())?;
            Utf8
        }
        ScalarFunction::Length => {
            arity(1)?;
            expect_type(&args[0], schema, semantics, &[Utf8], "length")?;
            // Spark's length is an INT; pandas' str.len() int64.
            match semantics.numeric_promotion {
                NumericPromotion::Sql => Int32,
                NumericPromotion::Numpy => Int64,
            }
        }
        ScalarFunction::Power => {
            arity(2)?;
            for a in args {
                expect_numeric(a, schema, semantics, "power")?;
            }
            Float64
        }
        ScalarFunction::DatePart(part) => {
            arity(1)?;
            expect_temporal(&args[0], schema, semantics, part.name())?;
            // pandas' `isocalendar().week` is UInt32; every other field int32.
            if part == partita_common::DatePart::SecondWithFraction {
                Decimal(8, 6)
            } else if part == partita_common::DatePart::WeekOfYear
                && semantics.numeric_promotion == NumericPromotion::Numpy
            {
                UInt32
            } else {
                Int32
            }
        }
        ScalarFunction::DateTrunc => {
            arity(2)?;
            literal_text(&args[0], "date_trunc", "unit").and_then(|u| {
                partita_common::temporal::TruncUnit::parse(&u)
                    .ok_or_else(|| Error::plan(format!("date_trunc: unknown unit '{u}'")))
            })?;
            match expect_temporal(&args[1], schema, semantics, "date_trunc")? {
                Timestamp(u, z) => Timestamp(u, z),
                _ => Timestamp(partita_common::TimeUnit::Microsecond, None),
            }
        }
        ScalarFunction::ToDate | ScalarFunction::ToTimestamp => {
            if args.is_empty() || args.len() > 2 {
                return Err(Error::plan(format!(
                    "{func} takes 1 or 2 arguments, got {}",
                    args.len()
                )));
            }
            let t = args[0].data_type(schema, semantics)?;
            if !(t == Utf8 || t == Null || t.is_temporal()) {
                return Err(Error::analysis(
                    "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                    format!(
                        "{func} expects a string, a date or a timestamp, but '{}' is {t}",
                        args[0]
                    ),
                ));
            }
            if args.len() == 2 {
                literal_text(&args[1], &func.to_string(), "format")?;
            }
            if func == ScalarFunction::ToDate {
                Date
            } else {
                match t {
                    Timestamp(u, z) => Timestamp(u, z),
                    _ => Timestamp(partita_common::TimeUnit::Microsecond, None),
                }
            }
        }
        ScalarFunction::DateFormat => {
            arity(2)?;
            expect_temporal(&args[0], schema, semantics, "date_format")?;
            literal_text(&args[1], "date_format", "format")?;
            Utf8
        }
        ScalarFunction::MakeDate => {
            arity(3)?;
            for a in args {
                // pandas holds integer parts with missing values as floats.
                expect_numeric(a, schema, semantics, "make_date")?;
            }
            Date
        }
        ScalarFunction::DateAdd | ScalarFunction::DateSub | ScalarFunction::AddMonths => {
            arity(2)?;
            expect_temporal(&args[0], schema, semantics, &func.to_string())?;
            expect_integer(&args[1], schema, semantics, &func.to_string())?;
            Date
        }
        ScalarFunction::DateDiff => {
            arity(2)?;
            for a in args {
                expect_temporal(a, schema, semantics, "datediff")?;
            }
            Int32
        }
        ScalarFunction::CurrentDate => {
            arity(0)?;
            Date
        }
        ScalarFunction::CurrentTimestamp => {
            arity(0)?;
            Timestamp(
                partita_common::TimeUnit::Microsecond,
                Some(partita_common::TimeZone::new("UTC")),
            )
        }
    })
}

/// The text of a string literal argument (a unit or a format), or a plan error.
pub fn literal_text(e: &Expr, func: &str, what: &str) -> Result<String> {
    match e.unalias() {
        Expr::Literal(ScalarValue::Utf8(Some(s))) => Ok(s.clone()),
        other => Err(Error::plan(format!(
            "{func} expects a text literal for the {what}, got {other}"
        ))),
    }
}

fn type_error(what: &str, wanted: &str, e: &Expr, t: DataType) -> Error {
    Error::analysis(
        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
        format!("{what} expects {wanted} but '{e}' is {t}"),
    )
}

/// The type of `e` when `accepts` it (or it is an untyped NULL), else the type
/// error "`what` expects `wanted`".
fn expect_kind(
    e: &Expr,
    schema: &Schema,
    semantics: &Semantics,
    what: &str,
    wanted: &str,
    accepts: fn(&DataType) -> bool,
) -> Result<DataType> {
    let t = e.data_type(schema, semantics)?;
    if accepts(&t) || t == DataType::Null {
        Ok(t)
    } else {
        Err(type_error(what, wanted, e, t))
    }
}

fn expect_numeric(
    e: &Expr,
    schema: &Schema,
    semantics: &Semantics,
    what: &str,
) -> Result<DataType> {
    expect_kind(e, schema, semantics, what, "a number", DataType::is_numeric)
}

fn expect_integer(
    e: &Expr,
    schema: &Schema,
    semantics: &Semantics,
    what: &str,
) -> Result<DataType> {
    expect_kind(
        e,
        schema,
        semantics,
        what,
        "an integer",
        DataType::is_integer,
    )
}

fn expect_temporal(
    e: &Expr,
    schema: &Schema,
    semantics: &Semantics,
    what: &str,
) -> Result<DataType> {
    expect_kind(
        e,
        schema,
        semantics,
        what,
        "a date or a timestamp",
        DataType::is_temporal,
    )
}

fn aggregate_type(
    func: AggregateFunction,
    args: &[Expr],
    schema: &Schema,
    semantics: &Semantics,
) -> Result<DataType> {
    use AggregateFunction::*;
    use DataType::*;
    if !func.accepts_arity(args.len()) {
        return Err(Error::plan(format!(
            "{func} takes {} argument(s), got {}",
            func.arity(),
            args.len()
        )));
    }
    for a in args {
        if a.contains_aggregate() {
            return Err(Error::plan(format!(
                "aggregate functions cannot be nested: {a}"
            )));
        }
    }
    let pandas_like = semantics.logic == Logic::TwoValued;
    Ok(match func {
        CountStar | Count | CountDistinct => {
            args.iter()
                .try_for_each(|a| a.data_type(schema, semantics).map(|_| ()))?;
            Int64
        }
        Sum => match args[0].data_type(schema, semantics)? {
            UInt64 => {
                return Err(Error::NotImplemented(format!(
                    "sum of the uint64 column '{}' (pandas wraps it as uint64, Spark sums it as a decimal)",
                    args[0]
                )))
            }
            t if t.is_integer() => Int64,
            Null => Int64,
            // Exact; Spark widens the precision by 10 (pandas sums Decimal objects).
            Decimal(p, s) => Decimal((p + 10).min(38), s),
            Float64 => Float64,
            Float32 if semantics.numeric_promotion == NumericPromotion::Numpy => Float32,
            Float32 => Float64,
            // pandas sums booleans as counts of True and concatenates strings; Spark
            // rejects booleans (DATATYPE_MISMATCH).
            Boolean if pandas_like => Int64,
            Utf8 if pandas_like => Utf8,
            // Spark casts strings to double (CAST_INVALID_INPUT on other text).
            Utf8 => Float64,
            t => {
                return Err(Error::analysis(
                    "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                    format!("sum expects a number, but '{}' is {t}", args[0]),
                ))
            }
        },
        SumDistinct => match expect_numeric(&args[0], schema, semantics, "sum(DISTINCT)")? {
            t if t.is_float() => Float64,
            _ => Int64,
        },
        MeanDistinct => {
            expect_numeric(&args[0], schema, semantics, "avg(DISTINCT)")?;
            Float64
        }
        Mean if decimal_argument(args, schema, semantics)?.is_some() => {
            let (p, s) = decimal_argument(args, schema, semantics)?.unwrap_or_default();
            if semantics.numeric_promotion == NumericPromotion::Numpy {
                // pandas' mean of Decimal objects is a float.
                Float64
            } else {
                // Spark: DecimalType.bounded(p + 4, s + 4), rounded half up.
                Decimal((p + 4).min(38), (s + 4).min(38))
            }
        }
        Mean | Var { .. } | Std { .. } | Median | Quantile(_) | Corr => {
            if let Quantile(q) = func {
                if !(0.0..=1.0).contains(&q) {
                    return Err(Error::plan(format!(
                        "quantile must be between 0 and 1, got {q}"
                    )));
                }
            }
            // pandas averages booleans (the share of true values); Spark rejects them.
            // Spark casts strings to double (CAST_INVALID_INPUT on other text).
            let extra: &[DataType] = match (pandas_like, func) {
                (true, Mean) => &[Boolean],
                (false, Mean) => &[Utf8],
                _ => &[],
            };
            let mut all_f32 = true;
            for a in args {
                let t = a.data_type(schema, semantics)?;
                if !(t.is_numeric() || t == Null || extra.contains(&t)) {
                    return Err(type_error(&func.to_string(), "a number", a, t));
                }
                all_f32 &= t == Float32;
            }
            // pandas keeps float32 in a mean (NumPy's float32 mean); Spark's AVG is a double.
            if all_f32 && func == Mean && semantics.numeric_promotion == NumericPromotion::Numpy {
                Float32
            } else {
                Float64
            }
        }
        Min | Max => {
            let t = args[0].data_type(schema, semantics)?;
            category_order(t, &format!("{func}({})", args[0]))?;
            t
        }
        First { .. } | Last { .. } | Mode => args[0].data_type(schema, semantics)?,
    })
}

/// Under `time_zones = per_column` (pandas), text compared with a time stamp in a
/// zone is a wall time there; one the zone skips or repeats (a change of daylight
/// saving time) has no single instant, and pandas refuses the comparison
/// (`TypeError: Invalid comparison between dtype=datetime64[us, zone] and str`).
fn zoned_wall_time(t: DataType, other: &Expr, what: &str) -> Result<()> {
    let (DataType::Timestamp(_, Some(zone)), Expr::Literal(ScalarValue::Utf8(Some(text)))) =
        (t, other.unalias())
    else {
        return Ok(());
    };
    match partita_common::temporal::parse_timestamp(text) {
        Some((wall, None)) if !partita_common::temporal::is_unique_wall_time(wall, zone)? => {
            Err(Error::analysis(
                "DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES",
                format!(
                    "{what} compares a time stamp in {zone} with the wall time '{text}', which {zone} skips or repeats (a change of daylight saving time): pandas cannot place it (TypeError: Invalid comparison between dtype=datetime64[us, {zone}] and str); give the offset, as in '{text}-05:00'",
                    zone = zone.name()
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// Refuses to order the values of an unordered categorical (`what` does: a
/// comparison, MIN, MAX), pandas' `TypeError`; an ordered one is ordered by its
/// categories (the kernels' `category_positions`). A categorical reaches here
/// only under the pandas preset (Spark's sees text).
fn category_order(t: DataType, what: &str) -> Result<()> {
    match t {
        DataType::Categorical(c) if !c.ordered() => Err(Error::analysis(
            "DATATYPE_MISMATCH.INVALID_ORDERING_TYPE",
            format!(
                "{what} orders the values of an unordered categorical {c:?}, which pandas does not allow (TypeError: Unordered Categoricals can only compare equality or not); compare for equality, or CAST it AS string to order it as text"
            ),
        )),
        _ => Ok(()),
    }
}

/// An order comparison (`<`, `BETWEEN`) of a value of type `t` with `other` (of
/// type `other_type`), as pandas allows it for a categorical: an ordered one
/// compares by its categories' order with one of its categories (a text literal),
/// or with a categorical of the same categories; text that is not a category is
/// pandas' `TypeError`, as is any order of an unordered categorical.
fn category_comparison(t: DataType, other: &Expr, other_type: DataType, what: &str) -> Result<()> {
    let DataType::Categorical(c) = t else {
        return Ok(());
    };
    if !c.ordered() {
        return category_order(t, what);
    }
    match (other.unalias(), other_type) {
        (_, DataType::Categorical(o)) if o == c => Ok(()),
        (_, DataType::Null) => Ok(()),
        (Expr::Literal(ScalarValue::Utf8(Some(v))), _) if c.values().contains(v) => Ok(()),
        (Expr::Literal(ScalarValue::Utf8(Some(v))), _) => Err(Error::analysis(
            "DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES",
            format!(
                "{what} compares the ordered categorical {c:?} with '{v}', which is not one of its categories (pandas: TypeError: Invalid comparison between dtype=category and str)"
            ),
        )),
        (_, DataType::Categorical(o)) => Err(Error::analysis(
            "DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES",
            format!(
                "{what} compares categoricals of different categories, {c:?} and {o:?} (pandas: TypeError: Categoricals can only be compared if 'categories' are the same)"
            ),
        )),
        _ => Err(Error::NotImplemented(format!(
            "{what} orders an ordered categorical {c:?} against a column of type {other_type}; compare it with one of its categories, or CAST it AS string to order it as text"
        ))),
    }
}

/// The precision and scale of an aggregate's first argument when it is a decimal.
fn decimal_argument(
    args: &[Expr],
    schema: &Schema,
    semantics: &Semantics,
) -> Result<Option<(u8, u8)>> {
    Ok(
        match args
            .first()
            .map(|a| a.data_type(schema, semantics))
            .transpose()?
        {
            Some(DataType::Decimal(p, s)) => Some((p, s)),
            _ => None,
        },
    )
}

/// The `.dt` accessor of an expression (see [`Expr::dt`]). Each method is the SQL
/// function of the same meaning, so it follows the semantics the same way
/// (`dayofweek` by `day_of_week`, zones by `time_zones`).
#[derive(Debug, Clone)]
pub struct DtAccessor(Expr);

impl DtAccessor {
    fn part(self, part: partita_common::DatePart) -> Expr {
        Expr::Function {
            func: ScalarFunction::DatePart(part),
            args: vec![self.0],
        }
    }

    /// The year.
    pub fn year(self) -> Expr {
        self.part(partita_common::DatePart::Year)
    }
    /// The quarter, 1 to 4.
    pub fn quarter(self) -> Expr {
        self.part(partita_common::DatePart::Quarter)
    }
    /// The month, 1 to 12.
    pub fn month(self) -> Expr {
        self.part(partita_common::DatePart::Month)
    }
    /// The day of the month.
    pub fn day(self) -> Expr {
        self.part(partita_common::DatePart::Day)
    }
    /// The hour, 0 to 23.
    pub fn hour(self) -> Expr {
        self.part(partita_common::DatePart::Hour)
    }
    /// The minute, 0 to 59.
    pub fn minute(self) -> Expr {
        self.part(partita_common::DatePart::Minute)
    }
    /// Whole seconds, 0 to 59.
    pub fn second(self) -> Expr {
        self.part(partita_common::DatePart::Second)
    }
    /// The day of the week, numbered as the semantics says (pandas: 0 = Monday).
    pub fn dayofweek(self) -> Expr {
        self.part(partita_common::DatePart::DayOfWeek)
    }
    /// 0 = Monday .. 6 = Sunday, whatever the semantics.
    pub fn weekday(self) -> Expr {
        self.part(partita_common::DatePart::WeekDay)
    }
    /// The day of the year, 1 to 366.
    pub fn dayofyear(self) -> Expr {
        self.part(partita_common::DatePart::DayOfYear)
    }
    /// The ISO 8601 week of the year.
    pub fn week(self) -> Expr {
        self.part(partita_common::DatePart::WeekOfYear)
    }
    /// The date (in the time stamp's zone).
    pub fn date(self) -> Expr {
        self.0.cast(DataType::Date)
    }
    /// Truncated to `unit` (`year`, `quarter`, `month`, `week`, `day`, `hour`,
    /// `minute`, `second`): pandas' `dt.floor` for fixed units, `DATE_TRUNC`.
    pub fn truncate(self, unit: &str) -> Expr {
        Expr::Function {
            func: ScalarFunction::DateTrunc,
            args: vec![lit(unit), self.0],
        }
    }
    /// Text in a Java date pattern (`yyyy-MM-dd HH:mm`), as `DATE_FORMAT`.
    pub fn format(self, pattern: &str) -> Expr {
        Expr::Function {
            func: ScalarFunction::DateFormat,
            args: vec![self.0, lit(pattern)],
        }
    }
}

impl From<&str> for Expr {
    /// A string literal (so `col("origin").is_in(["JFK"])` reads naturally).
    fn from(s: &str) -> Self {
        lit(s)
    }
}

macro_rules! expr_from_value {
    ($($t:ty),+) => {$(
        impl From<$t> for Expr {
            fn from(v: $t) -> Self { lit(v) }
        }
    )+};
}
expr_from_value!(i64, i32, f64, bool, String, ScalarValue);

macro_rules! std_op {
    ($trait:ident, $method:ident, $op:ident) => {
        impl<T: Into<Expr>> std::ops::$trait<T> for Expr {
            type Output = Expr;
            fn $method(self, rhs: T) -> Expr {
                Expr::Binary {
                    left: Box::new(self),
                    op: BinaryOperator::$op,
                    right: Box::new(rhs.into()),
                }
            }
        }
    };
}
std_op!(Add, add, Plus);
std_op!(Sub, sub, Minus);
std_op!(Mul, mul, Multiply);
std_op!(Div, div, Divide);
std_op!(Rem, rem, Modulo);

impl std::ops::Not for Expr {
    type Output = Expr;
    fn not(self) -> Expr {
        Expr::Not(Box::new(self))
    }
}

impl std::ops::Neg for Expr {
    type Output = Expr;
    fn neg(self) -> Expr {
        Expr::Function {
            func: ScalarFunction::Negate,
            args: vec![self],
        }
    }
}

fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Binary { op, .. } => match op {
            BinaryOperator::Or => 1,
            BinaryOperator::And => 2,
            o if o.is_comparison() => 4,
            BinaryOperator::Plus | BinaryOperator::Minus => 5,
            _ => 6,
        },
        Expr::Not(_) => 3,
        Expr::IsNull(_)
        | Expr::IsNotNull(_)
        | Expr::InList { .. }
        | Expr::Between { .. }
        | Expr::Like { .. } => 4,
        _ => 10,
    }
}

struct Paren<'a>(&'a Expr, u8);

impl fmt::Display for Paren<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if precedence(self.0) < self.1 {
            write!(f, "({})", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = precedence(self);
        match self {
            Expr::Column(c) => f.write_str(c),
            Expr::Literal(v) => write!(f, "{v}"),
            Expr::Alias(e, n) => write!(f, "{e} AS {n}"),
            Expr::Binary { left, op, right } => {
                write!(f, "{} {op} {}", Paren(left, p), Paren(right, p + 1))
            }
            Expr::Not(e) => write!(f, "NOT {}", Paren(e, p + 1)),
            Expr::IsNull(e) => write!(f, "{} IS NULL", Paren(e, p + 1)),
            Expr::IsNotNull(e) => write!(f, "{} IS NOT NULL", Paren(e, p + 1)),
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let items: Vec<String> = list.iter().map(|e| e.to_string()).collect();
                write!(
                    f,
                    "{}{} IN ({})",
                    Paren(expr, p + 1),
                    if *negated { " NOT" } else { "" },
                    items.join(", ")
                )
            }
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => write!(
                f,
                "{}{} BETWEEN {} AND {}",
                Paren(expr, p + 1),
                if *negated { " NOT" } else { "" },
                Paren(low, p + 1),
                Paren(high, p + 1)
            ),
            Expr::Like {
                expr,
                pattern,
                negated,
            } => write!(
                f,
                "{}{} LIKE '{}'",
                Paren(expr, p + 1),
                if *negated { " NOT" } else { "" },
                pattern.replace('\'', "''")
            ),
            Expr::Cast { expr, to, .. } => write!(f, "CAST({expr} AS {to})"),
            Expr::Function {
                func: ScalarFunction::Negate,
                args,
            } => write!(f, "-{}", Paren(&args[0], 10)),
            Expr::Function { func, args } => {
                let items: Vec<String> = args.iter().map(|e| e.to_string()).collect();
                write!(f, "{func}({})", items.join(", "))
            }
            Expr::Case {
                branches,
                otherwise,
            } => {
                f.write_str("CASE")?;
                for (c, v) in branches {
                    write!(f, " WHEN {c} THEN {v}")?;
                }
                if let Some(o) = otherwise {
                    write!(f, " ELSE {o}")?;
                }
                f.write_str(" END")
            }
            Expr::Aggregate {
                func: AggregateFunction::CountStar,
                ..
            } => f.write_str("count(*)"),
            Expr::Aggregate { func, args } => {
                let items: Vec<String> = args.iter().map(|e| e.to_string()).collect();
                write!(f, "{func}({})", items.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partita_common::Field;

    #[test]
    fn display_keeps_precedence() {
        let e = (col("a") + lit(1)) * col("b");
        assert_eq!(e.to_string(), "(a + 1) * b");
        let e = col("a")
            .gt(lit(1))
            .or(col("b").lt(lit(2)))
            .and(col("c").is_null());
        assert_eq!(e.to_string(), "(a > 1 OR b < 2) AND c IS NULL");
        assert_eq!(col("x").not().to_string(), "NOT x");
    }

    #[test]
    fn types_follow_semantics() {
        let schema = Schema::new(vec![
            Field::new("a", DataType::Int64),
            Field::new("s", DataType::Utf8),
        ]);
        let pandas = Semantics::pandas();
        let spark = Semantics::spark();
        let div = col("a").floor_div(col("a"));
        assert_eq!(div.data_type(&schema, &pandas).unwrap(), DataType::Float64);
        assert_eq!(div.data_type(&schema, &spark).unwrap(), DataType::Int64);
        assert_eq!(
            col("a")
                .floor_div(lit(2))
                .data_type(&schema, &pandas)
                .unwrap(),
            DataType::Int64
        );
        assert_eq!(
            col("s").sum().data_type(&schema, &pandas).unwrap(),
            DataType::Utf8
        );
        // Spark sums strings as doubles (an implicit cast).
        assert_eq!(
            col("s").sum().data_type(&schema, &spark).unwrap(),
            DataType::Float64
        );
        let e = (col("s") + lit(1))
            .data_type(&schema, &spark)
            .unwrap_err()
            .to_string();
        assert!(e.contains("expects numbers"), "{e}");
    }
}
