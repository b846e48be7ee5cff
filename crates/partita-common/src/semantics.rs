//! The semantics switches: how Partita answers where pandas and Spark differ.
//!
//! [`Semantics`] is plain runtime data. [`Semantics::pandas`] and [`Semantics::spark`]
//! are the two presets; every switch can be set on its own, for example Spark with
//! null group keys dropped:
//!
//! ```
//! use partita_common::{NullGroupKeys, Semantics};
//! let s = Semantics::spark().with_null_group_keys(NullGroupKeys::Drop);
//! assert_eq!(s.null_group_keys, NullGroupKeys::Drop);
//! assert_eq!(s.name(), "custom");
//! ```

use std::fmt;

use crate::error::{Error, Result};

/// What GROUP BY does with a row whose key is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NullGroupKeys {
    /// pandas (`dropna=True`): a row with any missing key leaves the GROUP BY.
    Drop,
    /// Spark: missing keys form their own group.
    Keep,
}

/// The order of groups in a GROUP BY result without ORDER BY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupOrder {
    /// pandas (`sort=True`): ascending by the keys, missing keys last.
    SortedByKey,
    /// Spark: unspecified. Partita gives first-appearance order, which is deterministic.
    FirstSeen,
}

/// What a floating-point NaN is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NanSemantics {
    /// pandas: NaN is a missing value, the same as null (`isna()` matches both).
    Missing,
    /// Spark: NaN is a value. It equals itself, forms one group, sorts above +inf,
    /// is counted by COUNT and propagates through SUM, AVG, MAX and STDDEV.
    Value,
}

/// Where ORDER BY puts missing values when the query does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DefaultNullOrder {
    /// pandas (`na_position='last'`): last, for ascending and descending keys.
    AlwaysLast,
    /// Spark: null is the smallest value: first for ASC, last for DESC.
    NullsSmallest,
}

/// How comparisons with a missing value and boolean logic behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Logic {
    /// pandas: a comparison with a missing value is false (`!=` is true), and NOT
    /// (pandas `~`) makes it true. Filtering by a boolean column that holds missing
    /// values is an error, as in pandas.
    TwoValued,
    /// SQL three-valued logic: a comparison with NULL is NULL, NOT NULL is NULL,
    /// WHERE keeps only TRUE.
    ThreeValued,
}

/// The SUM of no values (an all-null group, or zero rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmptySum {
    /// pandas: 0.
    Zero,
    /// Spark: NULL.
    Null,
}

/// What integer `+`, `-`, `*` and SUM do on 64-bit overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntegerOverflow {
    /// pandas (numpy): wraps around silently (max + 1 = min).
    Wrap,
    /// Spark (ANSI): error `ARITHMETIC_OVERFLOW`.
    Error,
}

/// What division and modulo by zero do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DivisionByZero {
    /// pandas: IEEE results: inf, -inf, and NaN for 0/0 and for modulo.
    Ieee,
    /// Spark (ANSI): error `DIVIDE_BY_ZERO` / `REMAINDER_BY_ZERO`, for doubles too.
    Error,
}

/// How integer division and modulo round with negative operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntegerDivision {
    /// pandas (`//`, `%`): floor; the remainder has the divisor's sign (-7 % 3 = 2).
    Floor,
    /// Spark (`DIV`, `%`): truncate; the remainder has the dividend's sign (-7 % 3 = -1).
    Truncate,
}

/// How ROUND treats halves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rounding {
    /// pandas (numpy): half to even on the binary value (2.5 → 2, 0.125 → 0.12).
    HalfEven,
    /// Spark: half away from zero on the decimal value (2.5 → 3, 0.125 → 0.13).
    HalfAwayFromZero,
}

/// How column names are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentifierCase {
    /// pandas: exact match.
    Sensitive,
    /// Spark: case-insensitive; the output keeps the spelling written in the query,
    /// and a name that matches two columns is ambiguous.
    Insensitive,
}

/// The type of a 64-bit integer column that holds missing values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntWithNulls {
    /// pandas: becomes float64 (so SUM gives a float, and overflow becomes rounding).
    Float64,
    /// Spark: stays a 64-bit integer with NULLs.
    Int64,
}

/// How LOWER and UPPER map characters whose case mapping is not one-to-one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseMapping {
    /// pandas (pyarrow's utf8proc): one character to one character; `ß` upper-cases
    /// to `ẞ`, and a character without a single-character mapping stays as it is.
    Simple,
    /// Spark (Java's `toUpperCase`): the full Unicode mapping; `ß` upper-cases to `SS`.
    Full,
}

/// Whether FIRST and LAST skip missing values when the query does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FirstLastNulls {
    /// pandas: `groupby().first()` / `last()` skip missing values (`skipna=True`).
    Skip,
    /// Spark: `first(x)` / `last(x)` return the first or last row's value, missing or
    /// not, unless `ignoreNulls` is given.
    Keep,
}

/// Whether an equality join key matches a missing key on the other side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JoinNullKeys {
    /// pandas: `merge` matches missing keys (None, NaN) to each other.
    Match,
    /// Spark: `=` never matches NULL (`<=>` does, whatever the switch).
    Never,
}

/// Where `SELECT *` lists the key a `JOIN ... USING (k)` merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UsingColumns {
    /// pandas (`merge(on=k)`): where the left table has it.
    InPlace,
    /// Spark: first, before the other columns.
    KeysFirst,
}

/// What window functions give: pandas' group-wise transforms or SQL's windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WindowResults {
    /// pandas (`groupby(..).rank()`, `cumsum()`): ranks are float64 and a missing
    /// order value gets a missing rank (`na_option='keep'`); a running aggregate
    /// counts rows, not peers (`cumsum`), and a missing value stays missing at its
    /// own row.
    Pandas,
    /// Spark SQL: ranks are INT and missing values are ranked where the order puts
    /// them; `ORDER BY` without a frame means `RANGE BETWEEN UNBOUNDED PRECEDING AND
    /// CURRENT ROW` (peers share a value), and a running aggregate skips missing
    /// values, repeating the total at their rows.
    Sql,
}

/// How values are written as text (`CAST(x AS STRING)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextFormat {
    /// pandas (`astype(str)`): Python's `repr`: `True`, `2e-06`, `1e+16`, `inf`.
    Python,
    /// Spark: Java's `toString`: `true`, `2.0E-6`, `1.0E16`, `Infinity`.
    Java,
}

/// Which CSV texts are missing values by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CsvNulls {
    /// pandas' `read_csv`: its `na_values` list (`NA`, `N/A`, `NULL`, `NaN`, `None`,
    /// `nan`, `null`, `#N/A`, `<NA>`, ...) and the empty field.
    NaValues,
    /// Spark's CSV reader: only the empty field.
    Empty,
}

/// Which types a CSV reader infers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CsvTypes {
    /// pandas' `read_csv`: booleans, int64, float64 and text (dates stay text until
    /// `parse_dates`).
    Basic,
    /// Spark's `inferSchema`: also `int` for whole numbers that fit 32 bits, `date`
    /// for `yyyy-MM-dd` and `timestamp` for ISO date-times.
    Extended,
}

/// How `DAYOFWEEK` numbers the days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayOfWeek {
    /// pandas (`dt.dayofweek`): 0 = Monday .. 6 = Sunday.
    Monday0,
    /// Spark (`dayofweek`): 1 = Sunday .. 7 = Saturday.
    Sunday1,
}

/// What a `DATE` compared with text means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateText {
    /// pandas: a date column holds `datetime.date` objects (what `read_parquet`
    /// gives), which equal no text (`d == '2024-02-29'` is false, `!=` true) and
    /// cannot be ordered against it (`TypeError`).
    Object,
    /// Spark: the text is cast to a date and compared as one.
    Cast,
}

/// What a categorical column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Categoricals {
    /// pandas (`category` dtype): its values sort and group in the categories'
    /// order; an unordered categorical has no MIN, MAX or `<` (`TypeError`), an
    /// ordered one compares by that order.
    Categories,
    /// Spark, which has no categorical type: the column is text (sorted, compared
    /// and aggregated as strings).
    Text,
}

/// What `DATEDIFF(end, start)` of two time stamps counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateDiff {
    /// pandas (`(end - start).dt.days`): the time between them in whole days,
    /// rounded down (12 hours before midnight to 1 second after is 0 days).
    Elapsed,
    /// Spark (`datediff`): the days between their dates (the same is 1 day).
    Calendar,
}

/// What `ORDER BY a` means when two output columns are named `a` (`SELECT a, a`,
/// `SELECT a, a + 1 AS a`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RepeatedNames {
    /// pandas: a label two columns carry cannot be sorted by (`sort_values` raises
    /// `ValueError: The column label 'a' is not unique`).
    Error,
    /// Spark: the one column both items are, or else the input column of that name.
    Resolve,
}

/// Which time zone a time stamp with a zone is seen in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeZones {
    /// pandas: each column keeps its own zone (`datetime64[us, America/New_York]`):
    /// fields, dates and text are in that zone, and text shows the offset.
    PerColumn,
    /// Spark: a `TIMESTAMP` is an instant seen in the session time zone (UTC here):
    /// fields, dates and text are in UTC, and text has no offset.
    Session,
}

/// How the types of arithmetic on numbers of different widths are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumericPromotion {
    /// pandas (NumPy 2): a literal takes the other operand's type (`int8 + 1` is
    /// int8 and wraps), and two columns promote by NumPy's table (`uint8 + int8` is
    /// int16, `float32 + int64` float64).
    Numpy,
    /// Spark: an integer literal is an `INT` (a `BIGINT` when it does not fit),
    /// a decimal literal a double, and operands widen to the wider type; any
    /// float operand but two `FLOAT`s makes a `DOUBLE`.
    Sql,
}

/// Every switch where pandas and Spark differ. Plain data: copy it, compare it, set
/// one field. See `docs/semantics.md` for each switch with an example.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Semantics {
    /// What GROUP BY does with missing keys.
    pub null_group_keys: NullGroupKeys,
    /// Group order without ORDER BY.
    pub group_order: GroupOrder,
    /// What NaN is.
    pub nan: NanSemantics,
    /// Default null placement in ORDER BY.
    pub default_null_order: DefaultNullOrder,
    /// Two- or three-valued logic.
    pub logic: Logic,
    /// SUM of no values.
    pub empty_sum: EmptySum,
    /// Integer overflow.
    pub integer_overflow: IntegerOverflow,
    /// Division and modulo by zero.
    pub division_by_zero: DivisionByZero,
    /// Integer division and modulo of negatives.
    pub integer_division: IntegerDivision,
    /// ROUND of halves.
    pub rounding: Rounding,
    /// Identifier matching.
    pub identifier_case: IdentifierCase,
    /// Integer columns with missing values.
    pub int_with_nulls: IntWithNulls,
    /// LOWER / UPPER of characters without a one-to-one case mapping.
    pub case_mapping: CaseMapping,
    /// FIRST / LAST over missing values, when the query does not say.
    pub first_last_nulls: FirstLastNulls,
    /// Numbers and booleans written as text.
    pub text_format: TextFormat,
    /// CSV texts read as missing by default.
    pub csv_nulls: CsvNulls,
    /// How DAYOFWEEK numbers the days.
    pub day_of_week: DayOfWeek,
    /// What DATEDIFF of two time stamps counts.
    pub date_diff: DateDiff,
    /// A DATE compared with text.
    pub date_text: DateText,
    /// What a categorical column is.
    pub categoricals: Categoricals,
    /// The zone a zoned time stamp is seen in.
    pub time_zones: TimeZones,
    /// Result types of arithmetic on numbers of different widths.
    pub numeric_promotion: NumericPromotion,
    /// The types a CSV reader infers.
    pub csv_types: CsvTypes,
    /// Whether equality join keys match missing keys.
    pub join_null_keys: JoinNullKeys,
    /// Where `SELECT *` lists a merged `USING` key.
    pub using_columns: UsingColumns,
    /// Ranks and running aggregates of window functions.
    pub window_results: WindowResults,
    /// ORDER BY a name two output columns carry.
    pub repeated_names: RepeatedNames,
}

/// The switch names accepted by [`Semantics::set`], in documentation order.
pub const SWITCH_NAMES: &[&str] = &[
    "null_group_keys",
    "group_order",
    "nan",
    "default_null_order",
    "logic",
    "empty_sum",
    "integer_overflow",
    "division_by_zero",
    "integer_division",
    "rounding",
    "identifier_case",
    "int_with_nulls",
    "case_mapping",
    "first_last_nulls",
    "text_format",
    "csv_nulls",
    "day_of_week",
    "date_diff",
    "date_text",
    "categoricals",
    "time_zones",
    "numeric_promotion",
    "csv_types",
    "join_null_keys",
    "using_columns",
    "window_results",
    "repeated_names",
];

impl Semantics {
    /// The categories a column of type `t` sorts and groups in: a categorical's
    /// under [`Categoricals::Categories`], `None` (the values' own order) otherwise.
    pub fn sort_categories(&self, t: crate::DataType) -> Option<crate::Categories> {
        match t {
            crate::DataType::Categorical(c) if self.categoricals == Categoricals::Categories => {
                Some(c)
            }
            _ => None,
        }
    }

    /// pandas' conventions (pandas 3.1, default options).
    pub fn pandas() -> Self {
        Semantics {
            null_group_keys: NullGroupKeys::Drop,
            group_order: GroupOrder::SortedByKey,
            nan: NanSemantics::Missing,
            default_null_order: DefaultNullOrder::AlwaysLast,
            logic: Logic::TwoValued,
            empty_sum: EmptySum::Zero,
            integer_overflow: IntegerOverflow::Wrap,
            division_by_zero: DivisionByZero::Ieee,
            integer_division: IntegerDivision::Floor,
            rounding: Rounding::HalfEven,
            identifier_case: IdentifierCase::Sensitive,
            int_with_nulls: IntWithNulls::Float64,
            case_mapping: CaseMapping::Simple,
            first_last_nulls: FirstLastNulls::Skip,
            text_format: TextFormat::Python,
            csv_nulls: CsvNulls::NaValues,
            day_of_week: DayOfWeek::Monday0,
            date_diff: DateDiff::Elapsed,
            date_text: DateText::Object,
            categoricals: Categoricals::Categories,
            time_zones: TimeZones::PerColumn,
            numeric_promotion: NumericPromotion::Numpy,
            csv_types: CsvTypes::Basic,
            join_null_keys: JoinNullKeys::Match,
            using_columns: UsingColumns::InPlace,
            window_results: WindowResults::Pandas,
            repeated_names: RepeatedNames::Error,
        }
    }

    /// Spark SQL's conventions (Spark 4 defaults: ANSI mode on, case-insensitive names).
    pub fn spark() -> Self {
        Semantics {
            null_group_keys: NullGroupKeys::Keep,
            group_order: GroupOrder::FirstSeen,
            nan: NanSemantics::Value,
            default_null_order: DefaultNullOrder::NullsSmallest,
            logic: Logic::ThreeValued,
            empty_sum: EmptySum::Null,
            integer_overflow: IntegerOverflow::Error,
            division_by_zero: DivisionByZero::Error,
            integer_division: IntegerDivision::Truncate,
            rounding: Rounding::HalfAwayFromZero,
            identifier_case: IdentifierCase::Insensitive,
            int_with_nulls: IntWithNulls::Int64,
            case_mapping: CaseMapping::Full,
            first_last_nulls: FirstLastNulls::Keep,
            text_format: TextFormat::Java,
            csv_nulls: CsvNulls::Empty,
            day_of_week: DayOfWeek::Sunday1,
            date_diff: DateDiff::Calendar,
            date_text: DateText::Cast,
            categoricals: Categoricals::Text,
            time_zones: TimeZones::Session,
            numeric_promotion: NumericPromotion::Sql,
            csv_types: CsvTypes::Extended,
            join_null_keys: JoinNullKeys::Never,
            using_columns: UsingColumns::KeysFirst,
            window_results: WindowResults::Sql,
            repeated_names: RepeatedNames::Resolve,
        }
    }

    /// A preset by name: `pandas` or `spark` (case-insensitive).
    pub fn preset(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().as_str() {
            "pandas" => Ok(Self::pandas()),
            "spark" => Ok(Self::spark()),
            other => Err(Error::plan(format!(
                "unknown semantics preset '{other}'; expected 'pandas' or 'spark'"
            ))),
        }
    }

    /// `pandas` or `spark` when every switch equals a preset, else `custom`.
    pub fn name(&self) -> &'static str {
        if *self == Self::pandas() {
            "pandas"
        } else if *self == Self::spark() {
            "spark"
        } else {
            "custom"
        }
    }

    /// True when NaN is treated as a missing value.
    pub fn nan_is_missing(&self) -> bool {
        self.nan == NanSemantics::Missing
    }

    /// Sets one switch by name and value, as `SET <switch> = <value>` does. Values are
    /// the variant names in snake case (`drop`, `keep`, `sorted_by_key`, ...) or a
    /// preset name (`pandas` / `spark`) meaning "as in that preset".
    pub fn set(&mut self, switch: &str, value: &str) -> Result<()> {
        let v = value.to_ascii_lowercase();
        let preset = match v.as_str() {
            "pandas" => Some(Self::pandas()),
            "spark" => Some(Self::spark()),
            _ => None,
        };
        let bad = |allowed: &[&str]| {
            Error::plan(format!(
                "invalid value '{value}' for semantics switch '{switch}'; expected one of: {}, pandas, spark",
                allowed.join(", ")
            ))
        };
        macro_rules! pick {
            ($field:ident, $( $name:literal => $val:expr ),+ ) => {{
                self.$field = match (preset, v.as_str()) {
                    (Some(p), _) => p.$field,
                    $( (None, $name) => $val, )+
                    _ => return Err(bad(&[$($name),+])),
                };
            }};
        }
        match switch.to_ascii_lowercase().as_str() {
            "null_group_keys" => {
                pick!(null_group_keys, "drop" => NullGroupKeys::Drop, "keep" => NullGroupKeys::Keep)
            }
            "group_order" => {
                pick!(group_order, "sorted_by_key" => GroupOrder::SortedByKey, "first_seen" => GroupOrder::FirstSeen)
            }
            "nan" => pick!(nan, "missing" => NanSemantics::Missing, "value" => NanSemantics::Value),
            "default_null_order" => {
                pick!(default_null_order, "always_last" => DefaultNullOrder::AlwaysLast, "nulls_smallest" => DefaultNullOrder::NullsSmallest)
            }
            "logic" => {
                pick!(logic, "two_valued" => Logic::TwoValued, "three_valued" => Logic::ThreeValued)
            }
            "empty_sum" => pick!(empty_sum, "zero" => EmptySum::Zero, "null" => EmptySum::Null),
            "integer_overflow" => {
                pick!(integer_overflow, "wrap" => IntegerOverflow::Wrap, "error" => IntegerOverflow::Error)
            }
            "division_by_zero" => {
                pick!(division_by_zero, "ieee" => DivisionByZero::Ieee, "error" => DivisionByZero::Error)
            }
            "integer_division" => {
                pick!(integer_division, "floor" => IntegerDivision::Floor, "truncate" => IntegerDivision::Truncate)
            }
            "rounding" => {
                pick!(rounding, "half_even" => Rounding::HalfEven, "half_away_from_zero" => Rounding::HalfAwayFromZero)
            }
            "identifier_case" => {
                pick!(identifier_case, "sensitive" => IdentifierCase::Sensitive, "insensitive" => IdentifierCase::Insensitive)
            }
            "int_with_nulls" => {
                pick!(int_with_nulls, "float64" => IntWithNulls::Float64, "int64" => IntWithNulls::Int64)
            }
            "case_mapping" => {
                pick!(case_mapping, "simple" => CaseMapping::Simple, "full" => CaseMapping::Full)
            }
            "first_last_nulls" => {
                pick!(first_last_nulls, "skip" => FirstLastNulls::Skip, "keep" => FirstLastNulls::Keep)
            }
            "window_results" => {
                pick!(window_results, "pandas" => WindowResults::Pandas, "sql" => WindowResults::Sql)
            }
            "repeated_names" => {
                pick!(repeated_names, "error" => RepeatedNames::Error, "resolve" => RepeatedNames::Resolve)
            }
            "using_columns" => {
                pick!(using_columns, "in_place" => UsingColumns::InPlace, "keys_first" => UsingColumns::KeysFirst)
            }
            "join_null_keys" => {
                pick!(join_null_keys, "match" => JoinNullKeys::Match, "never" => JoinNullKeys::Never)
            }
            "text_format" => {
                pick!(text_format, "python" => TextFormat::Python, "java" => TextFormat::Java)
            }
            "csv_nulls" => {
                pick!(csv_nulls, "na_values" => CsvNulls::NaValues, "empty" => CsvNulls::Empty)
            }
            "day_of_week" => {
                pick!(day_of_week, "monday0" => DayOfWeek::Monday0, "sunday1" => DayOfWeek::Sunday1)
            }
            "date_diff" => {
                pick!(date_diff, "elapsed" => DateDiff::Elapsed, "calendar" => DateDiff::Calendar)
            }
            "date_text" => {
                pick!(date_text, "object" => DateText::Object, "cast" => DateText::Cast)
            }
            "categoricals" => {
                pick!(categoricals, "categories" => Categoricals::Categories, "text" => Categoricals::Text)
            }
            "time_zones" => {
                pick!(time_zones, "per_column" => TimeZones::PerColumn, "session" => TimeZones::Session)
            }
            "numeric_promotion" => {
                pick!(numeric_promotion, "numpy" => NumericPromotion::Numpy, "sql" => NumericPromotion::Sql)
            }
            "csv_types" => {
                pick!(csv_types, "basic" => CsvTypes::Basic, "extended" => CsvTypes::Extended)
            }
            other => {
                return Err(Error::plan(format!(
                    "unknown semantics switch '{other}'{}; switches: {}",
                    crate::error::nearest_name(other, SWITCH_NAMES)
                        .map(|s| format!(" (did you mean '{s}'?)"))
                        .unwrap_or_default(),
                    SWITCH_NAMES.join(", ")
                )))
            }
        }
        Ok(())
    }

    /// Each switch and its current value in snake case, in documentation order.
    pub fn switches(&self) -> Vec<(&'static str, String)> {
        fn snake(debug: String) -> String {
            let mut out = String::new();
            for (i, ch) in debug.chars().enumerate() {
                if ch.is_ascii_uppercase() {
                    if i > 0 {
                        out.push('_');
                    }
                    out.push(ch.to_ascii_lowercase());
                } else {
                    out.push(ch);
                }
            }
            out
        }
        vec![
            (
                "null_group_keys",
                snake(format!("{:?}", self.null_group_keys)),
            ),
            ("group_order", snake(format!("{:?}", self.group_order))),
            ("nan", snake(format!("{:?}", self.nan))),
            (
                "default_null_order",
                snake(format!("{:?}", self.default_null_order)),
            ),
            ("logic", snake(format!("{:?}", self.logic))),
            ("empty_sum", snake(format!("{:?}", self.empty_sum))),
            (
                "integer_overflow",
                snake(format!("{:?}", self.integer_overflow)),
            ),
            (
                "division_by_zero",
                snake(format!("{:?}", self.division_by_zero)),
            ),
            (
                "integer_division",
                snake(format!("{:?}", self.integer_division)),
            ),
            ("rounding", snake(format!("{:?}", self.rounding))),
            (
                "identifier_case",
                snake(format!("{:?}", self.identifier_case)),
            ),
            (
                "int_with_nulls",
                snake(format!("{:?}", self.int_with_nulls)),
            ),
            ("case_mapping", snake(format!("{:?}", self.case_mapping))),
            (
                "first_last_nulls",
                snake(format!("{:?}", self.first_last_nulls)),
            ),
            ("text_format", snake(format!("{:?}", self.text_format))),
            ("csv_nulls", snake(format!("{:?}", self.csv_nulls))),
            ("day_of_week", snake(format!("{:?}", self.day_of_week))),
            ("date_diff", snake(format!("{:?}", self.date_diff))),
            ("date_text", snake(format!("{:?}", self.date_text))),
            ("categoricals", snake(format!("{:?}", self.categoricals))),
            ("time_zones", snake(format!("{:?}", self.time_zones))),
            (
                "numeric_promotion",
                snake(format!("{:?}", self.numeric_promotion)),
            ),
            ("csv_types", snake(format!("{:?}", self.csv_types))),
            (
                "join_null_keys",
                snake(format!("{:?}", self.join_null_keys)),
            ),
            ("using_columns", snake(format!("{:?}", self.using_columns))),
            (
                "window_results",
                snake(format!("{:?}", self.window_results)),
            ),
            (
                "repeated_names",
                snake(format!("{:?}", self.repeated_names)),
            ),
        ]
    }
}

macro_rules! with_setters {
    ($( $(#[$doc:meta])* $fn:ident, $field:ident: $ty:ty; )+) => {
        impl Semantics {
            $( $(#[$doc])* pub fn $fn(mut self, value: $ty) -> Self { self.$field = value; self } )+
        }
    };
}

with_setters! {
    /// Sets [`Semantics::null_group_keys`].
    with_null_group_keys, null_group_keys: NullGroupKeys;
    /// Sets [`Semantics::group_order`].
    with_group_order, group_order: GroupOrder;
    /// Sets [`Semantics::nan`].
    with_nan, nan: NanSemantics;
    /// Sets [`Semantics::default_null_order`].
    with_default_null_order, default_null_order: DefaultNullOrder;
    /// Sets [`Semantics::logic`].
    with_logic, logic: Logic;
    /// Sets [`Semantics::empty_sum`].
    with_empty_sum, empty_sum: EmptySum;
    /// Sets [`Semantics::integer_overflow`].
    with_integer_overflow, integer_overflow: IntegerOverflow;
    /// Sets [`Semantics::division_by_zero`].
    with_division_by_zero, division_by_zero: DivisionByZero;
    /// Sets [`Semantics::integer_division`].
    with_integer_division, integer_division: IntegerDivision;
    /// Sets [`Semantics::rounding`].
    with_rounding, rounding: Rounding;
    /// Sets [`Semantics::identifier_case`].
    with_identifier_case, identifier_case: IdentifierCase;
    /// Sets [`Semantics::int_with_nulls`].
    with_int_with_nulls, int_with_nulls: IntWithNulls;
    /// Sets [`Semantics::case_mapping`].
    with_case_mapping, case_mapping: CaseMapping;
    /// Sets [`Semantics::using_columns`].
    with_using_columns, using_columns: UsingColumns;
    /// Sets [`Semantics::window_results`].
    with_window_results, window_results: WindowResults;
    /// Sets [`Semantics::repeated_names`].
    with_repeated_names, repeated_names: RepeatedNames;
    /// Sets [`Semantics::join_null_keys`].
    with_join_null_keys, join_null_keys: JoinNullKeys;
    /// Sets [`Semantics::first_last_nulls`].
    with_first_last_nulls, first_last_nulls: FirstLastNulls;
    /// Sets [`Semantics::text_format`].
    with_text_format, text_format: TextFormat;
    /// Sets [`Semantics::csv_nulls`].
    with_csv_nulls, csv_nulls: CsvNulls;
    /// Sets [`Semantics::day_of_week`].
    with_day_of_week, day_of_week: DayOfWeek;
    /// Sets [`Semantics::date_diff`].
    with_date_diff, date_diff: DateDiff;
    /// Sets [`Semantics::date_text`].
    with_date_text, date_text: DateText;
    /// Sets [`Semantics::categoricals`].
    with_categoricals, categoricals: Categoricals;
    /// Sets [`Semantics::time_zones`].
    with_time_zones, time_zones: TimeZones;
    /// Sets [`Semantics::numeric_promotion`].
    with_numeric_promotion, numeric_promotion: NumericPromotion;
    /// Sets [`Semantics::csv_types`].
    with_csv_types, csv_types: CsvTypes;
}

impl Default for Semantics {
    /// pandas, the semantics of the code most users port.
    fn default() -> Self {
        Self::pandas()
    }
}

impl fmt::Display for Semantics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name())?;
        if self.name() == "custom" {
            let parts: Vec<String> = self
                .switches()
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_each_switch_by_name_round_trips() {
        let mut s = Semantics::pandas();
        for (name, value) in Semantics::spark().switches() {
            s.set(name, &value).unwrap();
        }
        assert_eq!(s, Semantics::spark());
        for name in SWITCH_NAMES {
            s.set(name, "pandas").unwrap();
        }
        assert_eq!(s, Semantics::pandas());
    }

    #[test]
    fn bad_switch_names_the_problem() {
        let mut s = Semantics::pandas();
        let e = s.set("null_group_key", "keep").unwrap_err().to_string();
        assert!(e.contains("did you mean 'null_group_keys'"), "{e}");
        let e = s.set("nan", "maybe").unwrap_err().to_string();
        assert!(e.contains("expected one of: missing, value"), "{e}");
    }
}
