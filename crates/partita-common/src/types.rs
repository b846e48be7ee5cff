//! Data types, scalar values and schemas, shared by the plan and the kernels.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::semantics::{IdentifierCase, Semantics};

/// The resolution of a timestamp or a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimeUnit {
    /// Milliseconds.
    Millisecond,
    /// Microseconds (Spark's, and pandas' when it parses text).
    Microsecond,
    /// Nanoseconds (pandas' `datetime64[ns]`).
    Nanosecond,
}

impl TimeUnit {
    /// Ticks of this unit in one second.
    pub fn per_second(self) -> i64 {
        match self {
            TimeUnit::Millisecond => 1_000,
            TimeUnit::Microsecond => 1_000_000,
            TimeUnit::Nanosecond => 1_000_000_000,
        }
    }

    /// The unit's short name (`ms`, `us`, `ns`), as pandas writes it.
    pub fn short(self) -> &'static str {
        match self {
            TimeUnit::Millisecond => "ms",
            TimeUnit::Microsecond => "us",
            TimeUnit::Nanosecond => "ns",
        }
    }
}

/// A process-wide copy of a short name (a time zone, a type name), stored once per
/// distinct text, so that types holding it stay `Copy`.
pub fn intern(name: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(n) = names.get(name) {
        return n;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// The name of a time zone (`UTC`, `America/New_York`, `+02:00`), interned so that
/// types stay `Copy`: each distinct name is stored once for the life of the process.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeZone(&'static str);

impl TimeZone {
    /// The zone of a name (interned).
    pub fn new(name: &str) -> Self {
        TimeZone(intern(name))
    }

    /// The zone's name.
    pub fn name(self) -> &'static str {
        self.0
    }
}

impl fmt::Debug for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// The categories of a categorical column (pandas' `CategoricalDtype`): its
/// distinct values in their order, and whether that order compares (`ordered`:
/// `<` and MIN / MAX follow it; an unordered categorical only tests equality).
/// Interned, so that types holding it stay `Copy`: each distinct list is stored
/// once for the life of the process.
#[derive(Clone, Copy)]
pub struct Categories(&'static CategoryList);

/// The list a [`Categories`] refers to.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CategoryList {
    values: Vec<String>,
    ordered: bool,
}

impl Categories {
    /// The categories `values`, in their order; an error when one repeats.
    pub fn new(values: Vec<String>, ordered: bool) -> Result<Self> {
        use std::collections::HashSet;
        use std::sync::{Mutex, OnceLock};
        let mut seen = HashSet::new();
        if let Some(v) = values.iter().find(|v| !seen.insert(v.as_str())) {
            return Err(Error::plan(format!(
                "the category '{v}' is listed twice; categories are distinct"
            )));
        }
        static LISTS: OnceLock<Mutex<HashSet<&'static CategoryList>>> = OnceLock::new();
        let list = CategoryList { values, ordered };
        let mut lists = LISTS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(l) = lists.get(&list) {
            return Ok(Categories(l));
        }
        let leaked: &'static CategoryList = Box::leak(Box::new(list));
        lists.insert(leaked);
        Ok(Categories(leaked))
    }

    /// The categories in their order.
    pub fn values(self) -> &'static [String] {
        &self.0.values
    }

    /// Whether the order compares (pandas' `ordered=True`).
    pub fn ordered(self) -> bool {
        self.0.ordered
    }
}

impl PartialEq for Categories {
    fn eq(&self, other: &Self) -> bool {
        // Interned: one list per content.
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Categories {}

impl std::hash::Hash for Categories {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::ptr::hash(self.0, state)
    }
}

impl fmt::Debug for Categories {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sep = if self.ordered() { " < " } else { ", " };
        write!(f, "[{}]", self.values().join(sep))
    }
}

/// The logical type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataType {
    /// true / false.
    Boolean,
    /// 8-bit signed integer (pandas int8, Spark tinyint).
    Int8,
    /// 16-bit signed integer (pandas int16, Spark smallint).
    Int16,
    /// 32-bit signed integer (pandas int32, Spark int).
    Int32,
    /// 64-bit signed integer (pandas int64, Spark bigint).
    Int64,
    /// 8-bit unsigned integer (pandas uint8).
    UInt8,
    /// 16-bit unsigned integer (pandas uint16).
    UInt16,
    /// 32-bit unsigned integer (pandas uint32).
    UInt32,
    /// 64-bit unsigned integer (pandas uint64).
    UInt64,
    /// 32-bit IEEE float (pandas float32, Spark float).
    Float32,
    /// 64-bit IEEE float (pandas float64, Spark double).
    Float64,
    /// UTF-8 text (pandas str, Spark string).
    Utf8,
    /// A calendar date, as days since 1970-01-01 (Spark date; pandas holds
    /// `datetime.date` objects).
    Date,
    /// A point in time, as ticks of a unit since 1970-01-01 00:00 UTC; without a
    /// zone it is a wall-clock time (pandas `datetime64[unit]`, Spark `timestamp_ntz`),
    /// with one an instant shown in that zone (pandas `datetime64[unit, zone]`).
    Timestamp(TimeUnit, Option<TimeZone>),
    /// A length of time in ticks of a unit (pandas `timedelta64`, Spark
    /// `interval day to second`).
    Duration(TimeUnit),
    /// An exact decimal number with `precision` digits, `scale` of them after the
    /// point (Spark's `decimal(p, s)`; pandas holds `decimal.Decimal` objects).
    /// Computed exactly in Spark's decimal types (arithmetic, SUM, AVG).
    Decimal(u8, u8),
    /// Text restricted to a list of categories (pandas `category`, a Parquet
    /// dictionary column written by pandas), held as its strings. Under the pandas
    /// preset it sorts and groups in the categories' order; under Spark's, which
    /// has no such type, it is text ([`crate::Semantics::categoricals`]).
    Categorical(Categories),
    /// The type of an untyped NULL literal; casts to any type.
    Null,
    /// A column type Partita does not handle yet (named as its reader named it): a
    /// query that uses such a column is an error naming it; other queries run.
    Unsupported(&'static str),
}

impl DataType {
    /// True for the integer and float types.
    pub fn is_numeric(&self) -> bool {
        self.is_integer() || self.is_float()
    }

    /// True for the signed and unsigned integer types.
    pub fn is_integer(&self) -> bool {
        use DataType::*;
        matches!(
            self,
            Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64
        )
    }

    /// True for the unsigned integer types.
    pub fn is_unsigned(&self) -> bool {
        matches!(
            self,
            DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64
        )
    }

    /// True for Float32 and Float64.
    pub fn is_float(&self) -> bool {
        matches!(self, DataType::Float32 | DataType::Float64)
    }

    /// True for text and categoricals (held as text).
    pub fn is_text(&self) -> bool {
        matches!(self, DataType::Utf8 | DataType::Categorical(_))
    }

    /// The type its values are held as: text for a categorical, itself otherwise.
    pub fn storage(self) -> DataType {
        match self {
            DataType::Categorical(_) => DataType::Utf8,
            t => t,
        }
    }

    /// True for dates and timestamps.
    pub fn is_temporal(&self) -> bool {
        matches!(self, DataType::Date | DataType::Timestamp(..))
    }

    /// The width in bits of an integer or float type.
    pub fn bits(&self) -> Option<u32> {
        use DataType::*;
        Some(match self {
            Int8 | UInt8 => 8,
            Int16 | UInt16 => 16,
            Int32 | UInt32 | Float32 => 32,
            Int64 | UInt64 | Float64 => 64,
            _ => return None,
        })
    }

    /// The range of an integer type, as `i128` bounds.
    pub fn integer_range(&self) -> Option<(i128, i128)> {
        use DataType::*;
        Some(match self {
            Int8 => (i8::MIN as i128, i8::MAX as i128),
            Int16 => (i16::MIN as i128, i16::MAX as i128),
            Int32 => (i32::MIN as i128, i32::MAX as i128),
            Int64 => (i64::MIN as i128, i64::MAX as i128),
            UInt8 => (0, u8::MAX as i128),
            UInt16 => (0, u16::MAX as i128),
            UInt32 => (0, u32::MAX as i128),
            UInt64 => (0, u64::MAX as i128),
            _ => return None,
        })
    }

    /// The signed integer type of `bits` bits.
    pub fn signed_of_bits(bits: u32) -> DataType {
        match bits {
            8 => DataType::Int8,
            16 => DataType::Int16,
            32 => DataType::Int32,
            _ => DataType::Int64,
        }
    }

    /// Parses a type name as written in SQL or a case file (`i64`, `bigint`, `int`,
    /// `double`, `date`, `timestamp`, `timestamp[UTC]`, ...). SQL's `int` and
    /// `integer` are 32 bits and `float` and `real` 32-bit floats, as in Spark.
    pub fn parse(name: &str) -> Result<Self> {
        let lower = name.trim().to_ascii_lowercase();
        Ok(match lower.as_str() {
            "bool" | "boolean" => DataType::Boolean,
            "i8" | "int8" | "tinyint" | "byte" => DataType::Int8,
            "i16" | "int16" | "smallint" | "short" => DataType::Int16,
            "i32" | "int32" | "int" | "integer" => DataType::Int32,
            "i64" | "int64" | "bigint" | "long" => DataType::Int64,
            "u8" | "uint8" => DataType::UInt8,
            "u16" | "uint16" => DataType::UInt16,
            "u32" | "uint32" => DataType::UInt32,
            "u64" | "uint64" => DataType::UInt64,
            "f32" | "float32" | "float" | "real" => DataType::Float32,
            "f64" | "float64" | "double" => DataType::Float64,
            "str" | "string" | "utf8" | "text" | "varchar" => DataType::Utf8,
            "date" => DataType::Date,
            "timestamp" | "timestamp_ntz" | "datetime" => {
                DataType::Timestamp(TimeUnit::Microsecond, None)
            }
            "timestamp_ltz" => {
                DataType::Timestamp(TimeUnit::Microsecond, Some(TimeZone::new("UTC")))
            }
            "decimal" | "numeric" | "dec" => DataType::Decimal(10, 0),
            d if d.starts_with("decimal(") && d.ends_with(')') => {
                let inner = &d["decimal(".len()..d.len() - 1];
                let (p, sc) = inner.split_once(',').unwrap_or((inner, "0"));
                let (p, sc): (u8, u8) = match (p.trim().parse(), sc.trim().parse()) {
                    (Ok(p), Ok(sc)) if (1..=38).contains(&p) && sc <= p => (p, sc),
                    _ => {
                        return Err(Error::plan(format!(
                        "invalid decimal type '{d}': decimal(precision 1..38, scale <= precision)"
                    )))
                    }
                };
                DataType::Decimal(p, sc)
            }
            _ => {
                // timestamp[ZONE] (case files), keeping the zone's own spelling.
                let trimmed = name.trim();
                if let Some(zone) = lower
                    .strip_prefix("timestamp[")
                    .and_then(|_| trimmed.get("timestamp[".len()..))
                    .and_then(|z| z.strip_suffix(']'))
                {
                    return Ok(DataType::Timestamp(
                        TimeUnit::Microsecond,
                        Some(TimeZone::new(zone.trim())),
                    ));
                }
                return Err(Error::plan(format!("unknown data type '{lower}'")));
            }
        })
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataType::Boolean => f.write_str("bool"),
            DataType::Int8 => f.write_str("i8"),
            DataType::Int16 => f.write_str("i16"),
            DataType::Int32 => f.write_str("i32"),
            DataType::Int64 => f.write_str("i64"),
            DataType::UInt8 => f.write_str("u8"),
            DataType::UInt16 => f.write_str("u16"),
            DataType::UInt32 => f.write_str("u32"),
            DataType::UInt64 => f.write_str("u64"),
            DataType::Float32 => f.write_str("f32"),
            DataType::Float64 => f.write_str("f64"),
            DataType::Utf8 => f.write_str("str"),
            DataType::Date => f.write_str("date"),
            DataType::Timestamp(unit, None) => write!(f, "timestamp[{}]", unit.short()),
            DataType::Timestamp(unit, Some(tz)) => {
                write!(f, "timestamp[{}, {}]", unit.short(), tz.name())
            }
            DataType::Duration(unit) => write!(f, "duration[{}]", unit.short()),
            DataType::Decimal(p, sc) => write!(f, "decimal({p},{sc})"),
            DataType::Categorical(_) => f.write_str("category"),
            DataType::Null => f.write_str("null"),
            DataType::Unsupported(name) => write!(f, "unsupported type {name}"),
        }
    }
}

/// One value of a known type; `None` inside a variant is a typed NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum ScalarValue {
    /// An untyped NULL.
    Null,
    /// A boolean or a typed NULL.
    Boolean(Option<bool>),
    /// An 8-bit integer or a typed NULL.
    Int8(Option<i8>),
    /// A 16-bit integer or a typed NULL.
    Int16(Option<i16>),
    /// A 32-bit integer or a typed NULL.
    Int32(Option<i32>),
    /// An integer or a typed NULL.
    Int64(Option<i64>),
    /// An 8-bit unsigned integer or a typed NULL.
    UInt8(Option<u8>),
    /// A 16-bit unsigned integer or a typed NULL.
    UInt16(Option<u16>),
    /// A 32-bit unsigned integer or a typed NULL.
    UInt32(Option<u32>),
    /// A 64-bit unsigned integer or a typed NULL.
    UInt64(Option<u64>),
    /// A 32-bit float or a typed NULL.
    Float32(Option<f32>),
    /// A float or a typed NULL.
    Float64(Option<f64>),
    /// A string or a typed NULL.
    Utf8(Option<String>),
    /// A date (days since 1970-01-01) or a typed NULL.
    Date(Option<i32>),
    /// A timestamp (ticks since 1970-01-01 00:00 UTC) or a typed NULL.
    Timestamp(Option<i64>, TimeUnit, Option<TimeZone>),
    /// A duration in ticks or a typed NULL.
    Duration(Option<i64>, TimeUnit),
    /// A decimal's unscaled value (`value / 10^scale`), precision and scale.
    Decimal(Option<i128>, u8, u8),
}

impl ScalarValue {
    /// The value's type.
    pub fn data_type(&self) -> DataType {
        match self {
            ScalarValue::Null => DataType::Null,
            ScalarValue::Boolean(_) => DataType::Boolean,
            ScalarValue::Int8(_) => DataType::Int8,
            ScalarValue::Int16(_) => DataType::Int16,
            ScalarValue::Int32(_) => DataType::Int32,
            ScalarValue::Int64(_) => DataType::Int64,
            ScalarValue::UInt8(_) => DataType::UInt8,
            ScalarValue::UInt16(_) => DataType::UInt16,
            ScalarValue::UInt32(_) => DataType::UInt32,
            ScalarValue::UInt64(_) => DataType::UInt64,
            ScalarValue::Float32(_) => DataType::Float32,
            ScalarValue::Float64(_) => DataType::Float64,
            ScalarValue::Utf8(_) => DataType::Utf8,
            ScalarValue::Date(_) => DataType::Date,
            ScalarValue::Timestamp(_, unit, tz) => DataType::Timestamp(*unit, *tz),
            ScalarValue::Duration(_, unit) => DataType::Duration(*unit),
            ScalarValue::Decimal(_, p, s) => DataType::Decimal(*p, *s),
        }
    }

    /// A NULL of the given type.
    pub fn null_of(dtype: DataType) -> Self {
        match dtype {
            DataType::Boolean => ScalarValue::Boolean(None),
            DataType::Int8 => ScalarValue::Int8(None),
            DataType::Int16 => ScalarValue::Int16(None),
            DataType::Int32 => ScalarValue::Int32(None),
            DataType::Int64 => ScalarValue::Int64(None),
            DataType::UInt8 => ScalarValue::UInt8(None),
            DataType::UInt16 => ScalarValue::UInt16(None),
            DataType::UInt32 => ScalarValue::UInt32(None),
            DataType::UInt64 => ScalarValue::UInt64(None),
            DataType::Float32 => ScalarValue::Float32(None),
            DataType::Float64 => ScalarValue::Float64(None),
            DataType::Utf8 | DataType::Categorical(_) => ScalarValue::Utf8(None),
            DataType::Date => ScalarValue::Date(None),
            DataType::Timestamp(unit, tz) => ScalarValue::Timestamp(None, unit, tz),
            DataType::Duration(unit) => ScalarValue::Duration(None, unit),
            DataType::Decimal(p, s) => ScalarValue::Decimal(None, p, s),
            DataType::Null | DataType::Unsupported(_) => ScalarValue::Null,
        }
    }

    /// True for any NULL.
    pub fn is_null(&self) -> bool {
        match self {
            ScalarValue::Null => true,
            ScalarValue::Boolean(v) => v.is_none(),
            ScalarValue::Int8(v) => v.is_none(),
            ScalarValue::Int16(v) => v.is_none(),
            ScalarValue::Int32(v) => v.is_none(),
            ScalarValue::Int64(v) => v.is_none(),
            ScalarValue::UInt8(v) => v.is_none(),
            ScalarValue::UInt16(v) => v.is_none(),
            ScalarValue::UInt32(v) => v.is_none(),
            ScalarValue::UInt64(v) => v.is_none(),
            ScalarValue::Float32(v) => v.is_none(),
            ScalarValue::Float64(v) => v.is_none(),
            ScalarValue::Utf8(v) => v.is_none(),
            ScalarValue::Date(v) => v.is_none(),
            ScalarValue::Timestamp(v, ..) | ScalarValue::Duration(v, _) => v.is_none(),
            ScalarValue::Decimal(v, ..) => v.is_none(),
        }
    }

    /// An integer value of any width as `i128` (None for NULL and non-integers).
    pub fn as_i128(&self) -> Option<i128> {
        Some(match self {
            ScalarValue::Int8(Some(v)) => *v as i128,
            ScalarValue::Int16(Some(v)) => *v as i128,
            ScalarValue::Int32(Some(v)) => *v as i128,
            ScalarValue::Int64(Some(v)) => *v as i128,
            ScalarValue::UInt8(Some(v)) => *v as i128,
            ScalarValue::UInt16(Some(v)) => *v as i128,
            ScalarValue::UInt32(Some(v)) => *v as i128,
            ScalarValue::UInt64(Some(v)) => *v as i128,
            _ => return None,
        })
    }
}

impl fmt::Display for ScalarValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_null() {
            return f.write_str("NULL");
        }
        if let Some(i) = self.as_i128() {
            return write!(f, "{i}");
        }
        match self {
            ScalarValue::Boolean(Some(b)) => write!(f, "{b}"),
            ScalarValue::Float64(Some(x)) if x.is_finite() => {
                f.write_str(&crate::float::plain_text(*x, 1e16))
            }
            ScalarValue::Float32(Some(x)) if x.is_finite() => {
                f.write_str(&crate::float::plain_text_f32(*x, 1e7))
            }
            ScalarValue::Float64(Some(x)) => write!(f, "{x}"),
            ScalarValue::Float32(Some(x)) => write!(f, "{x}"),
            ScalarValue::Utf8(Some(s)) => write!(f, "'{}'", s.replace('\'', "''")),
            ScalarValue::Date(Some(d)) => write!(f, "DATE '{}'", crate::temporal::format_date(*d)),
            ScalarValue::Timestamp(Some(t), unit, tz) => write!(
                f,
                "TIMESTAMP '{}'",
                crate::temporal::format_timestamp(*t, *unit, *tz)
            ),
            ScalarValue::Duration(Some(d), unit) => {
                write!(
                    f,
                    "INTERVAL '{}'",
                    crate::temporal::format_duration(*d, *unit)
                )
            }
            _ => unreachable!("nulls and integers are handled above"),
        }
    }
}

/// A decimal's exact text: `unscaled / 10^scale` with `scale` digits after the
/// point (`1.25`, `-0.50`, `12`), as Python's `str(Decimal)` and Spark print it.
pub fn decimal_text(unscaled: i128, scale: u8) -> String {
    decimal_digits_text(&unscaled.to_string(), scale)
}

/// A number written as decimal text (`-12.5`, `3`, `.25`, `1e3`; trimmed) as its
/// sign, its digits without leading zeros, and the power of ten of the last digit
/// (`-12.5` is `(true, "125", -1)`); `None` when the text is no such number.
pub fn decimal_parts(text: &str) -> Option<(bool, String, i64)> {
    let text = text.trim();
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i64>().ok()?),
        None => (text, 0),
    };
    let (negative, body) = match mantissa.as_bytes().first()? {
        b'-' => (true, &mantissa[1..]),
        b'+' => (false, &mantissa[1..]),
        _ => (false, mantissa),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits_ok = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits_ok(int) || !digits_ok(frac) {
        return None;
    }
    let digits = format!("{int}{frac}").trim_start_matches('0').to_string();
    Some((negative, digits, exp.checked_sub(frac.len() as i64)?))
}

/// The unscaled value of a decimal written as text (`-12.5`, `3`, `.25`) at
/// `scale` digits after the point; `None` when it is not such a number, has more
/// digits after the point than `scale` or does not fit 38 digits.
pub fn parse_decimal(text: &str, scale: u8) -> Option<i128> {
    let (negative, digits, power) = decimal_parts(text)?;
    // The digits, then zeros down to 10^-scale.
    let zeros = u32::try_from(power + scale as i64).ok()?;
    let mut v: i128 = 0;
    for b in digits.bytes() {
        v = v.checked_mul(10)?.checked_add((b - b'0') as i128)?;
    }
    v = v.checked_mul(10i128.checked_pow(zeros)?)?;
    if v.unsigned_abs() >= 10u128.pow(38) {
        return None;
    }
    Some(if negative { -v } else { v })
}

/// [`decimal_text`] of an unscaled integer written in decimal digits (with a
/// leading `-` when negative), of any width.
pub fn decimal_digits_text(unscaled: &str, scale: u8) -> String {
    let (sign, digits) = match unscaled.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", unscaled),
    };
    let scale = scale as usize;
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{int}.{frac}")
}

macro_rules! scalar_from {
    ($($t:ty => $v:ident $(as $cast:ty)?),+) => {$(
        impl From<$t> for ScalarValue {
            fn from(x: $t) -> Self { ScalarValue::$v(Some((x $(as $cast)?).into())) }
        }
        impl From<Option<$t>> for ScalarValue {
            fn from(x: Option<$t>) -> Self { ScalarValue::$v(x.map(|x| (x $(as $cast)?).into())) }
        }
    )+};
}
scalar_from!(bool => Boolean, i64 => Int64, i32 => Int64 as i64, f64 => Float64, f32 => Float32, u64 => UInt64, &str => Utf8, String => Utf8);

/// A named, typed column of a schema.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    /// The column name.
    pub name: String,
    /// The column type.
    pub data_type: DataType,
    /// Whether the column may hold missing values (true unless known otherwise: a
    /// scan knows it from the data, expressions derive it). pandas' result types
    /// depend on it (an integer expression that may be missing is float64).
    pub nullable: bool,
}

impl Field {
    /// A field that may hold missing values.
    pub fn new(name: impl Into<String>, data_type: DataType) -> Self {
        Field {
            name: name.into(),
            data_type,
            nullable: true,
        }
    }

    /// The same field, nullable or not.
    pub fn with_nullable(mut self, nullable: bool) -> Self {
        self.nullable = nullable;
        self
    }
}

/// The character that tags a repeated output name. A result may hold two columns
/// of one name (SQL's `SELECT a, a`, two unaliased `COUNT(*)`), as Spark and pandas
/// allow; a partition cannot, so they are held as `a` + this tag + `0`, `1`, ...
/// ([`tag_repeats`]), and every place that shows names or finds a column by name
/// uses [`shown_name`]: a name written by a user finds both, which is ambiguous.
pub const REPEAT_TAG: char = '\u{1f}';

/// The name a column is shown and found by: its name without a repeat tag
/// ([`REPEAT_TAG`]).
pub fn shown_name(name: &str) -> &str {
    name.split_once(REPEAT_TAG).map_or(name, |(shown, _)| shown)
}

/// Names a partition can hold: each name (as shown) that comes more than once is
/// tagged with its place among its repeats (`a`, `a` → `a␟0`, `a␟1`); the others
/// are kept.
pub fn tag_repeats<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let shown: Vec<&str> = names.into_iter().map(shown_name).collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    shown
        .iter()
        .map(|&name| {
            if shown.iter().filter(|&&n| n == name).count() == 1 {
                return name.to_string();
            }
            let nth = seen.entry(name).or_insert(0);
            *nth += 1;
            format!("{name}{REPEAT_TAG}{}", *nth - 1)
        })
        .collect()
}

/// An ordered list of fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Schema {
    fields: Vec<Field>,
}

/// A shared schema.
pub type SchemaRef = Arc<Schema>;

impl Schema {
    /// A schema from fields. Duplicate names are allowed only where a caller checks them.
    pub fn new(fields: Vec<Field>) -> Self {
        Schema { fields }
    }

    /// The fields in order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when the schema has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Whether `other` has the same column names and types, in order (whether a
    /// column may be missing aside; a categorical as the text it holds).
    pub fn same_names_and_types(&self, other: &Schema) -> bool {
        self.len() == other.len()
            && self
                .fields()
                .iter()
                .zip(other.fields())
                .all(|(x, y)| x.name == y.name && x.data_type.storage() == y.data_type.storage())
    }

    /// The schema with each name as shown, without a repeat tag ([`REPEAT_TAG`]):
    /// two columns may then have one name.
    pub fn shown(&self) -> Schema {
        Schema::new(
            self.fields
                .iter()
                .map(|f| Field {
                    name: shown_name(&f.name).to_string(),
                    ..f.clone()
                })
                .collect(),
        )
    }

    /// The field names in order.
    pub fn names(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.name.as_str()).collect()
    }

    /// The field at `index`.
    pub fn field(&self, index: usize) -> &Field {
        &self.fields[index]
    }

    /// The index of the field named exactly `name`.
    pub fn index_of_exact(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// Resolves a column name as the semantics says: exact match first; under
    /// case-insensitive identifiers a unique case-insensitive match; an error naming
    /// the column (with the nearest name) when none matches, or both when two match.
    /// A repeated output name ([`REPEAT_TAG`]) is found by its shown name, and two
    /// columns shown as the name are ambiguous, as in Spark.
    pub fn resolve(&self, name: &str, semantics: &Semantics) -> Result<usize> {
        let insensitive = semantics.identifier_case == IdentifierCase::Insensitive;
        // A tagged name (written by Partita's own planning) is that column.
        if name.contains(REPEAT_TAG) {
            if let Some(i) = self.index_of_exact(name) {
                return Ok(i);
            }
        }
        let wanted = shown_name(name);
        let matches: Vec<usize> = (0..self.fields.len())
            .filter(|&i| {
                let shown = shown_name(&self.fields[i].name);
                if insensitive {
                    shown.eq_ignore_ascii_case(wanted)
                } else {
                    shown == wanted
                }
            })
            .collect();
        match matches.len() {
            1 => Ok(matches[0]),
            0 => {
                let shown: Vec<&str> = self.fields.iter().map(|f| shown_name(&f.name)).collect();
                Err(Error::column_not_found(name, &shown))
            }
            _ => {
                let names: Vec<&str> = matches
                    .iter()
                    .map(|&i| shown_name(&self.fields[i].name))
                    .collect();
                Err(Error::analysis(
                    "AMBIGUOUS_REFERENCE",
                    format!(
                        "column reference '{name}' is ambiguous: it matches {}",
                        names.join(", ")
                    ),
                ))
            }
        }
    }
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .fields
            .iter()
            .map(|x| format!("{}: {}", shown_name(&x.name), x.data_type))
            .collect();
        write!(f, "[{}]", parts.join(", "))
    }
}
