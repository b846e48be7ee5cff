//! `Table`: a result in memory, and the partition type `map_partitions` hands
//! to a closure. Read it with typed getters, print it, or take its polars frame.

use std::fmt;

use partita_common::{
    temporal, Categories, DataType, Error, Field, Result, ScalarValue, Schema, Semantics, TimeUnit,
};
use partita_core::display::format_table;
use partita_core::frame::{empty_frame, scalar_at, schema_of};
use partita_core::polars::{DataFrame, IntoColumn, NamedFrom, Series};
use partita_exec::output::{write_text, OutputFormat};

/// Rows a `Display` of a [`Table`] shows before eliding the middle ones.
const DISPLAY_ROWS: usize = 20;

/// Columns of equal length with a Partita schema: what [`Frame::collect`]
/// returns, and one partition inside [`Frame::map_partitions`].
///
/// ```
/// use partita::prelude::*;
/// let t = Table::new([Column::new("k", ["a", "b"]), Column::new("v", [Some(1i64), None])])?;
/// assert_eq!(t.height(), 2);
/// assert_eq!(t.column::<i64>("v")?, vec![Some(1), None]);
/// assert_eq!(t.get::<String>("k", 1)?, Some("b".to_string()));
/// println!("{t}"); // an aligned table with a type row, as the REPL prints
/// # Ok::<(), partita::Error>(())
/// ```
///
/// [`Frame::collect`]: crate::Frame::collect
/// [`Frame::map_partitions`]: crate::Frame::map_partitions
#[derive(Clone)]
pub struct Table {
    df: DataFrame,
    schema: Schema,
}

/// One named column of values, to build a [`Table`] or a frame
/// ([`Session::from_columns`](crate::Session::from_columns)).
///
/// ```
/// use partita::prelude::*;
/// let c = Column::new("delay", [Some(5i64), None, Some(-2)]);
/// assert_eq!(c.name(), "delay");
/// assert_eq!(c.len(), 3);
/// ```
#[derive(Debug, Clone)]
#[must_use = "a Column does nothing until a Table or a frame is built from it"]
pub struct Column {
    series: Series,
    /// The categories of a categorical column ([`Column::categorical`]).
    categories: Option<Categories>,
}

impl Column {
    /// A column named `name` holding `values`: a `Vec`, array or slice of integers,
    /// floats, booleans or strings, each optionally wrapped in `Option` for missing
    /// values.
    pub fn new(name: &str, values: impl IntoValues) -> Column {
        values.into_named_column(name)
    }

    /// A categorical column (pandas' `category` dtype): `values` restricted to
    /// `categories`, in that order; `ordered` says whether the order compares
    /// (`<`, MIN, MAX). Under the pandas preset it sorts and groups in the
    /// categories' order; under Spark's it is text. A value that is not a category
    /// is an error.
    ///
    /// ```
    /// use partita::prelude::*;
    /// let size = Column::categorical("size", [Some("hi"), None, Some("lo")], ["lo", "mid", "hi"], false)?;
    /// let t = Session::new().from_columns([size], 1)?.sort_values(["size"], SortSpec::ascending()).collect()?;
    /// assert_eq!(t.column::<String>("size")?, vec![Some("lo".into()), Some("hi".into()), None]);
    /// # Ok::<(), partita::Error>(())
    /// ```
    pub fn categorical<'a>(
        name: &str,
        values: impl IntoIterator<Item = Option<&'a str>>,
        categories: impl IntoIterator<Item = impl Into<String>>,
        ordered: bool,
    ) -> Result<Column> {
        let categories =
            Categories::new(categories.into_iter().map(Into::into).collect(), ordered)?;
        let values: Vec<Option<&str>> = values.into_iter().collect();
        let series = Series::new(name.into(), values);
        // Every value must be a category (the positions refuse the others).
        let _positions = partita_core::categorical::category_positions(&series, categories)?;
        Ok(Column {
            series,
            categories: Some(categories),
        })
    }

    /// The column's name.
    pub fn name(&self) -> &str {
        self.series.name().as_str()
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// Whether the column holds no values.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// The same values as `data_type`: integers as dates (days since 1970-01-01),
    /// timestamps (ticks of the type's unit since 1970-01-01 00:00 UTC) or
    /// durations, numbers as other numbers. A value that does not fit is an error.
    ///
    /// ```
    /// use partita::prelude::*;
    /// let d = Column::new("d", [19_782i32]).cast(DataType::Date)?; // 2024-02-29
    /// let t = Table::new([d])?;
    /// assert_eq!(t.get::<partita::chrono::NaiveDate>("d", 0)?.unwrap().to_string(), "2024-02-29");
    /// # Ok::<(), partita::Error>(())
    /// ```
    pub fn cast(self, data_type: DataType) -> Result<Column> {
        let to = partita_core::frame::to_polars_type(data_type);
        let series = self.series.strict_cast(&to).map_err(|e| {
            Error::plan(format!(
                "column '{}' cannot be cast to {data_type}: {e}",
                self.name()
            ))
        })?;
        Ok(Column {
            series,
            categories: None,
        })
    }

    /// The column's type.
    pub fn data_type(&self) -> Result<DataType> {
        match self.categories {
            Some(c) => Ok(DataType::Categorical(c)),
            None => partita_core::frame::from_polars_type(self.series.dtype()),
        }
    }
}

/// A polars series as a column (for programs that build data with polars).
impl From<Series> for Column {
    fn from(series: Series) -> Column {
        Column {
            series,
            categories: None,
        }
    }
}

/// Values a [`Column`] can hold: a `Vec`, array or slice of `i8` .. `i64`,
/// `u8` .. `u64`, `f32`, `f64`, `bool`, `&str` or `String`, or of `Option`s of
/// them (`None` is a missing value).
pub trait IntoValues {
    /// The column named `name` holding these values.
    #[doc(hidden)]
    fn into_named_column(self, name: &str) -> Column;
}

macro_rules! into_values {
    ($($t:ty),+ $(,)?) => {$(
        impl IntoValues for Vec<$t> {
            fn into_named_column(self, name: &str) -> Column {
                Column::from(Series::new(name.into(), self))
            }
        }
        impl<const N: usize> IntoValues for [$t; N] {
            fn into_named_column(self, name: &str) -> Column {
                Column::from(Series::new(name.into(), self))
            }
        }
        impl IntoValues for &[$t] {
            fn into_named_column(self, name: &str) -> Column {
                Column::from(Series::new(name.into(), self))
            }
        }
        impl IntoValues for Vec<Option<$t>> {
            fn into_named_column(self, name: &str) -> Column {
                Column::from(Series::new(name.into(), self))
            }
        }
        impl<const N: usize> IntoValues for [Option<$t>; N] {
            fn into_named_column(self, name: &str) -> Column {
                Column::from(Series::new(name.into(), self))
            }
        }
        impl IntoValues for &[Option<$t>] {
            fn into_named_column(self, name: &str) -> Column {
                Column::from(Series::new(name.into(), self))
            }
        }
    )+};
}
into_values!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, bool, &str, String);

/// A Rust type a value of a [`Table`] can be read as: [`Table::get`],
/// [`Table::column`]. `None` is a missing value; a value of another type is an
/// error that names both types.
pub trait FromValue: Sized {
    /// The value, `None` when missing, an error when its type does not fit.
    fn from_value(value: ScalarValue) -> Result<Option<Self>>;
}

/// The error for a value read as a type it does not fit.
fn mismatch<T>(value: &ScalarValue) -> Result<Option<T>> {
    Err(Error::plan(format!(
        "a value of type {} cannot be read as {}",
        value.data_type(),
        std::any::type_name::<T>()
    )))
}

impl FromValue for ScalarValue {
    fn from_value(value: ScalarValue) -> Result<Option<Self>> {
        Ok(Some(value))
    }
}

macro_rules! from_int_value {
    ($($t:ty),+) => {$(
        impl FromValue for $t {
            fn from_value(value: ScalarValue) -> Result<Option<Self>> {
                use ScalarValue as S;
                let wide: Option<i128> = match &value {
                    S::Int8(v) => v.map(i128::from),
                    S::Int16(v) => v.map(i128::from),
                    S::Int32(v) => v.map(i128::from),
                    S::Int64(v) => v.map(i128::from),
                    S::UInt8(v) => v.map(i128::from),
                    S::UInt16(v) => v.map(i128::from),
                    S::UInt32(v) => v.map(i128::from),
                    S::UInt64(v) => v.map(i128::from),
                    S::Null => None,
                    _ => return mismatch(&value),
                };
                match wide {
                    None => Ok(None),
                    Some(w) => <$t>::try_from(w).map(Some).map_err(|_| {
                        Error::plan(format!(
                            "the value {w} of type {} does not fit in {}",
                            value.data_type(),
                            stringify!($t)
                        ))
                    }),
                }
            }
        }
    )+};
}
from_int_value!(i8, i16, i32, i64, u8, u16, u32, u64);

impl FromValue for f64 {
    fn from_value(value: ScalarValue) -> Result<Option<Self>> {
        match value {
            ScalarValue::Float64(v) => Ok(v),
            ScalarValue::Float32(v) => Ok(v.map(f64::from)),
            ScalarValue::Null => Ok(None),
            other => mismatch(&other),
        }
    }
}

impl FromValue for f32 {
    fn from_value(value: ScalarValue) -> Result<Option<Self>> {
        match value {
            ScalarValue::Float32(v) => Ok(v),
            ScalarValue::Null => Ok(None),
            other => mismatch(&other),
        }
    }
}

impl FromValue for bool {
    fn from_value(value: ScalarValue) -> Result<Option<Self>> {
        match value {
            ScalarValue::Boolean(v) => Ok(v),
            ScalarValue::Null => Ok(None),
            other => mismatch(&other),
        }
    }
}

impl FromValue for String {
    fn from_value(value: ScalarValue) -> Result<Option<Self>> {
        match value {
            ScalarValue::Utf8(v) => Ok(v),
            ScalarValue::Null => Ok(None),
            other => mismatch(&other),
        }
    }
}

/// A value beyond chrono's calendar.
fn out_of_range(value: &ScalarValue) -> Error {
    Error::plan(format!(
        "the value {value:?} of type {} is beyond chrono's calendar",
        value.data_type()
    ))
}

impl FromValue for chrono::NaiveDate {
    fn from_value(value: ScalarValue) -> Result<Option<Self>> {
        match value {
            ScalarValue::Date(None) | ScalarValue::Null => Ok(None),
            ScalarValue::Date(Some(d)) => temporal::date_of_days(d)
                .map(Some)
                .ok_or_else(|| out_of_range(&value)),
            other => mismatch(&other),
        }
    }
}

/// A timestamp as its UTC wall time (a column's time zone is not applied: read
/// it as `DateTime<Utc>` and convert).
impl FromValue for chrono::NaiveDateTime {
    fn from_value(value: ScalarValue) -> Result<Option<Self>> {
        match value {
            ScalarValue::Timestamp(None, ..) | ScalarValue::Null => Ok(None),
            ScalarValue::Timestamp(Some(t), unit, _) => temporal::naive_of_ticks(t, unit)
                .map(Some)
                .ok_or_else(|| out_of_range(&value)),
            other => mismatch(&other),
        }
    }
}

impl FromValue for chrono::DateTime<chrono::Utc> {
    fn from_value(value: ScalarValue) -> Result<Option<Self>> {
        Ok(chrono::NaiveDateTime::from_value(value)?.map(|t| t.and_utc()))
    }
}

impl FromValue for chrono::TimeDelta {
    fn from_value(value: ScalarValue) -> Result<Option<Self>> {
        match value {
            ScalarValue::Duration(v, unit) => Ok(v.map(|t| match unit {
                TimeUnit::Millisecond => chrono::TimeDelta::milliseconds(t),
                TimeUnit::Microsecond => chrono::TimeDelta::microseconds(t),
                TimeUnit::Nanosecond => chrono::TimeDelta::nanoseconds(t),
            })),
            ScalarValue::Null => Ok(None),
            other => mismatch(&other),
        }
    }
}

/// `schema` with the text columns that `categories` gives categories for made
/// categorical.
fn with_categories(
    schema: &Schema,
    categories: impl IntoIterator<Item = Option<Categories>>,
) -> Schema {
    let mut categories = categories.into_iter();
    Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| match categories.next().flatten() {
                Some(c) if f.data_type == DataType::Utf8 => {
                    Field::new(f.name.clone(), DataType::Categorical(c)).with_nullable(f.nullable)
                }
                _ => f.clone(),
            })
            .collect(),
    )
}

impl Table {
    /// A table from named columns of equal length.
    pub fn new(columns: impl IntoIterator<Item = impl Into<Column>>) -> Result<Table> {
        let columns: Vec<Column> = columns.into_iter().map(Into::into).collect();
        let categories: Vec<Option<Categories>> = columns.iter().map(|c| c.categories).collect();
        let columns: Vec<Series> = columns.into_iter().map(|c| c.series).collect();
        let height = columns.first().map(|s| s.len()).unwrap_or(0);
        if let Some(bad) = columns.iter().find(|s| s.len() != height) {
            return Err(Error::plan(format!(
                "column '{}' has {} values but the first column has {height}",
                bad.name(),
                bad.len()
            )));
        }
        let df = DataFrame::new(
            height,
            columns.into_iter().map(|s| s.into_column()).collect(),
        )
        .map_err(|e| Error::plan(format!("cannot build a table: {e}")))?;
        let mut table = Table::from_polars(df)?;
        table.schema = with_categories(&table.schema, categories);
        Ok(table)
    }

    /// A table with no rows and the columns of `schema`.
    pub fn empty(schema: &Schema) -> Table {
        // Two columns of one name are held apart by repeat tags, as in a result.
        let names = partita_common::tag_repeats(schema.names());
        let held = schema
            .fields()
            .iter()
            .zip(names)
            .map(|(f, name)| Field::new(name, f.data_type).with_nullable(f.nullable))
            .collect();
        Table {
            df: empty_frame(&Schema::new(held)),
            schema: schema.shown(),
        }
    }

    /// A polars frame as a table; an error names a column of a type Partita does
    /// not have. A name tagged as a repeat ([`partita_common::REPEAT_TAG`]) is
    /// shown without its tag.
    pub fn from_polars(df: DataFrame) -> Result<Table> {
        let schema = schema_of(&df)?.shown();
        Ok(Table { df, schema })
    }

    /// A result frame as a table whose types the plan's `planned` schema gives
    /// where the frame cannot hold them (a categorical is held as its text).
    pub(crate) fn from_result(df: DataFrame, planned: &Schema) -> Result<Table> {
        let mut table = Table::from_polars(df)?;
        let categories = planned.fields().iter().map(|f| match f.data_type {
            DataType::Categorical(c) => Some(c),
            _ => None,
        });
        table.schema = with_categories(&table.schema, categories);
        Ok(table)
    }

    /// The polars frame, for programs that go on in polars.
    pub fn into_polars(self) -> DataFrame {
        self.df
    }

    /// The polars frame, borrowed.
    pub fn as_polars(&self) -> &DataFrame {
        &self.df
    }

    /// The number of rows.
    pub fn height(&self) -> usize {
        self.df.height()
    }

    /// The number of columns.
    pub fn width(&self) -> usize {
        self.schema.fields().len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.height() == 0
    }

    /// The column names, in order.
    pub fn column_names(&self) -> Vec<&str> {
        self.schema.names()
    }

    /// The schema: each column's name and type.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The column `name`; two columns of that name are an ambiguous reference.
    fn series(&self, name: &str) -> Result<&Series> {
        let i = self.schema.resolve(name, &Semantics::pandas())?;
        Ok(self.df.columns()[i].as_materialized_series())
    }

    /// The value at `row` of the column at `index` (columns of one name told
    /// apart by their place).
    pub fn value_at(&self, index: usize, row: usize) -> Result<ScalarValue> {
        let s = self
            .df
            .columns()
            .get(index)
            .ok_or_else(|| {
                Error::plan(format!(
                    "column {index} is out of range: the table has {} columns",
                    self.width()
                ))
            })?
            .as_materialized_series();
        if row >= s.len() {
            return Err(Error::plan(format!(
                "row {row} is out of range: the table has {} rows",
                s.len()
            )));
        }
        scalar_at(s, row)
    }

    /// The type of column `name`.
    pub fn data_type(&self, name: &str) -> Result<DataType> {
        let i = self.schema.resolve(name, &Semantics::pandas())?;
        Ok(self.schema.field(i).data_type)
    }

    /// The number of missing values of column `name` (pandas `isna().sum()`;
    /// NaN is a value unless the semantics made it missing).
    pub fn null_count(&self, name: &str) -> Result<usize> {
        Ok(self.series(name)?.null_count())
    }

    /// The value at `row` of column `name`, as its [`ScalarValue`].
    pub fn value(&self, name: &str, row: usize) -> Result<ScalarValue> {
        let index = self.schema.resolve(name, &Semantics::pandas())?;
        self.value_at(index, row)
    }

    /// The value at `row` of column `name` as `T` (`None` when missing):
    /// `table.get::<f64>("mean", 0)?`.
    pub fn get<T: FromValue>(&self, name: &str, row: usize) -> Result<Option<T>> {
        T::from_value(self.value(name, row)?).map_err(|e| in_column(name, e))
    }

    /// Every value of column `name` as `T`: `table.column::<i64>("n")?`.
    pub fn column<T: FromValue>(&self, name: &str) -> Result<Vec<Option<T>>> {
        let s = self.series(name)?;
        (0..s.len())
            .map(|i| T::from_value(scalar_at(s, i)?))
            .collect::<Result<_>>()
            .map_err(|e| in_column(name, e))
    }

    /// The rows, each as its values in column order.
    pub fn iter_rows(&self) -> impl Iterator<Item = Result<Vec<ScalarValue>>> + '_ {
        let columns: Vec<&Series> = self
            .df
            .columns()
            .iter()
            .map(|c| c.as_materialized_series())
            .collect();
        (0..self.height()).map(move |i| columns.iter().map(|s| scalar_at(s, i)).collect())
    }

    /// The rows `offset .. offset + len` (fewer at the end).
    pub fn slice(&self, offset: usize, len: usize) -> Table {
        Table {
            df: self.df.slice(offset as i64, len),
            schema: self.schema.clone(),
        }
    }

    /// Writes the table as CSV: a header line, a missing value as an empty field
    /// (an empty string as `""`), NaN as `NaN`; rows are formatted in parallel
    /// and written in order, a batch at a time. `w` is best buffered.
    ///
    /// ```
    /// use partita::prelude::*;
    /// let t = Table::new([Column::new("s", [Some("a,b"), None]), Column::new("x", [f64::NAN, 1.5])])?;
    /// let mut out = vec![];
    /// t.write_csv(&mut out)?;
    /// assert_eq!(String::from_utf8(out).unwrap(), "s,x\n\"a,b\",NaN\n,1.5\n");
    /// # Ok::<(), partita::Error>(())
    /// ```
    pub fn write_csv(&self, mut w: impl std::io::Write) -> Result<()> {
        write_text(&self.df, OutputFormat::Csv, &mut w)
    }

    /// Writes the table as tab-separated values: CSV's rules with a tab for the
    /// comma.
    pub fn write_tsv(&self, mut w: impl std::io::Write) -> Result<()> {
        write_text(&self.df, OutputFormat::Tsv, &mut w)
    }

    /// Writes the table as JSON: an array of objects, one per line, or with
    /// `lines` one object per line (JSON lines); `null` for a missing value,
    /// NaN and infinities as the strings `"NaN"`, `"inf"`, `"-inf"`.
    ///
    /// ```
    /// use partita::prelude::*;
    /// let t = Table::new([Column::new("k", [Some("A"), None]), Column::new("m", [f64::NAN, 2.0])])?;
    /// let mut out = vec![];
    /// t.write_json(&mut out, true)?;
    /// assert_eq!(String::from_utf8(out).unwrap(), "{\"k\":\"A\",\"m\":\"NaN\"}\n{\"k\":null,\"m\":2.0}\n");
    /// # Ok::<(), partita::Error>(())
    /// ```
    pub fn write_json(&self, mut w: impl std::io::Write, lines: bool) -> Result<()> {
        let format = if lines {
            OutputFormat::JsonLines
        } else {
            OutputFormat::Json
        };
        write_text(&self.df, format, &mut w)
    }

    /// The table as text with at most `max_rows` rows (the middle elided), as
    /// the REPL prints it.
    pub fn to_string_with_rows(&self, max_rows: usize) -> String {
        format_table(&self.df, max_rows)
    }
}

fn in_column(name: &str, e: Error) -> Error {
    match e {
        Error::Plan(m) => Error::plan(format!("column '{name}': {m}")),
        other => other,
    }
}

/// An aligned table with a header and a type row, 20 rows at most (the middle
/// elided), then the row count: the REPL's table.
impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_table(&self.df, DISPLAY_ROWS))
    }
}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Equal when the names, types and values are (a missing value equals a
/// missing value).
impl PartialEq for Table {
    fn eq(&self, other: &Table) -> bool {
        self.schema == other.schema && self.df.equals_missing(&other.df)
    }
}
