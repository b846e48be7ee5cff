//! # partita-compat
//!
//! The compatibility harness: runs recorded cases (tests/compat/FORMAT.md) under
//! the pandas and Spark presets, for several partition counts, and compares
//! Partita's results with what real pandas and real Spark returned.
//!
//! - [`Case`] is one case file (tables, SQL, expected results per engine).
//! - [`run_case`] runs one case under one preset and partition count.
//! - [`compare`] applies the comparison rules: numeric tolerance, NaN vs null per
//!   preset, ordered runs on `order_by`, multisets elsewhere, expected errors.
//!
//! ```
//! use partita_compat::{Case, run_case};
//! let case: Case = serde_json::from_str(r#"{
//!   "id": "demo", "about": "", "sql": "SELECT k, COUNT(*) AS n FROM t GROUP BY k",
//!   "tables": {"t": {"columns": [{"name": "k", "type": "str"}], "rows": [["a"], [null], ["a"]]}},
//!   "expected": {
//!     "pandas": {"columns": ["k", "n"], "order_by": ["k"], "rows": [["a", 2]]},
//!     "spark": {"columns": ["k", "n"], "order_by": [], "rows": [["a", 2], [null, 1]]}
//!   }
//! }"#).unwrap();
//! assert!(run_case(&case, "pandas", 2).is_ok());
//! assert!(run_case(&case, "spark", 3).is_ok());
//! ```
#![deny(missing_docs)]

use std::collections::BTreeMap;
use std::path::Path;

use partita::polars::NamedFrom;
use partita::polars::{value_at, PlDataType, Series};
use partita::temporal;
use partita::{
    format_value, DataType, Error, Frame, Reference, ScalarValue, Semantics, Session,
    SessionConfig, SqlContext,
};
use serde::Deserialize;
use serde_json::Value;

/// One column of a case table.
#[derive(Debug, Clone, Deserialize)]
pub struct ColumnSpec {
    /// Its name.
    pub name: String,
    /// `bool`, `i64`, `f64`, `str`, ... (tests/compat/FORMAT.md), or `category`.
    #[serde(rename = "type")]
    pub dtype: String,
    /// A `category` column's categories, in their order.
    #[serde(default)]
    pub categories: Option<Vec<String>>,
    /// Whether a `category` column's order compares (pandas' `ordered`).
    #[serde(default)]
    pub ordered: bool,
}

/// A case table: columns and row-major values.
#[derive(Debug, Clone, Deserialize)]
pub struct Table {
    /// The columns.
    pub columns: Vec<ColumnSpec>,
    /// The rows; `null` is missing, `"NaN"`, `"inf"`, `"-inf"` are those floats.
    pub rows: Vec<Vec<Value>>,
}

/// What an engine returned: rows, or an error.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Expectation {
    /// The engine raised an error (its condition or exception name).
    Error {
        /// The error name.
        error: String,
    },
    /// The engine returned rows.
    Rows {
        /// Column names in order.
        columns: Vec<String>,
        /// Columns whose sequence of values is part of the result.
        order_by: Vec<String>,
        /// The rows.
        rows: Vec<Vec<Value>>,
        /// The reference's type of each column (pandas dtype strings, Spark SQL type
        /// names), when recorded.
        #[serde(default)]
        dtypes: Option<Vec<String>>,
    },
}

/// One recorded case.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    /// Unique id, equal to the file name.
    pub id: String,
    /// Which behaviour the case pins.
    #[serde(default)]
    pub about: String,
    /// The input tables.
    pub tables: BTreeMap<String, Table>,
    /// The query.
    pub sql: String,
    /// The expectations, by preset name (`pandas`, `spark`).
    pub expected: BTreeMap<String, Expectation>,
}

impl Case {
    /// Reads a case file.
    pub fn load(path: &Path) -> Result<Case, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The category: the id's first word (`groupby-null-key` → `groupby`).
    pub fn category(&self) -> &str {
        self.id.split('-').next().unwrap_or(&self.id)
    }
}

/// Reads every `*.json` case of a directory, sorted by id.
pub fn load_dir(dir: &Path) -> Result<Vec<Case>, String> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths.iter().map(|p| Case::load(p)).collect()
}

fn float_of(v: &Value) -> Result<Option<f64>, String> {
    Ok(match v {
        Value::Null => None,
        Value::String(s) if s == "NaN" => Some(f64::NAN),
        Value::String(s) if s == "inf" => Some(f64::INFINITY),
        Value::String(s) if s == "-inf" => Some(f64::NEG_INFINITY),
        Value::Number(n) => n.as_f64(),
        other => return Err(format!("not a float: {other}")),
    })
}

/// The columns of a case table as series, with their declared types (NaN and null
/// kept apart): `bool`, `i8`..`i64`, `u8`..`u64`, `f32`, `f64`, `str`, `date`
/// (`YYYY-MM-DD`), `timestamp` (a wall time) and `timestamp[ZONE]` (an instant
/// written with its offset, shown in ZONE), and `category` (text restricted to
/// the column's `categories`).
pub fn table_columns(table: &Table) -> Result<Vec<partita::Column>, String> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let name = c.name.as_str().into();
            let cells = table.rows.iter().map(|r| r.get(i).unwrap_or(&Value::Null));
            let where_ =
                |v: &Value| format!("column '{}': cell {v} does not fit {}", c.name, c.dtype);
            Ok(partita::Column::from(match c.dtype.as_str() {
                "category" => {
                    let categories = c.categories.clone().ok_or_else(|| {
                        format!(
                            "column '{}': a category column lists its categories",
                            c.name
                        )
                    })?;
                    let values = cells
                        .map(|v| match v {
                            Value::Null => Ok(None),
                            Value::String(s) => Ok(Some(s.as_str())),
                            v => Err(where_(v)),
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    return partita::Column::categorical(&c.name, values, categories, c.ordered)
                        .map_err(|e| e.to_string());
                }
                "i64" => Series::new(name, cells.map(|v| v.as_i64()).collect::<Vec<_>>()),
                "f64" => Series::new(name, cells.map(float_of).collect::<Result<Vec<_>, _>>()?),
                "str" => Series::new(
                    name,
                    cells
                        .map(|v| v.as_str().map(String::from))
                        .collect::<Vec<_>>(),
                ),
                "bool" => Series::new(name, cells.map(|v| v.as_bool()).collect::<Vec<_>>()),
                "u64" => Series::new(name, cells.map(|v| v.as_u64()).collect::<Vec<_>>()),
                "f32" => Series::new(
                    name,
                    cells
                        .map(|v| float_of(v).map(|x| x.map(|x| x as f32)))
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                other => {
                    let t = DataType::parse(other).map_err(|e| e.to_string())?;
                    if let DataType::Decimal(p, s) = t {
                        // Written as text ("12.50").
                        let values = cells
                            .map(|v| match v {
                                Value::Null => Ok(None),
                                v => v
                                    .as_str()
                                    .and_then(|text| partita::parse_decimal(text, s))
                                    .map(Some)
                                    .ok_or_else(|| where_(v)),
                            })
                            .collect::<Result<Vec<_>, _>>()?;
                        return partita_core_decimal(c.name.as_str(), values, p, s)
                            .map(partita::Column::from);
                    }
                    let values = cells
                        .map(|v| typed_cell(v, t).ok_or_else(|| where_(v)))
                        .collect::<Result<Vec<_>, _>>()?;
                    let physical = Series::new(name, values);
                    let target = partita_core_type(t);
                    match t {
                        DataType::Date => physical
                            .cast(&PlDataType::Int32)
                            .map_err(|e| e.to_string())?
                            .cast(&target),
                        _ => physical.cast(&target),
                    }
                    .map_err(|e| e.to_string())?
                }
            }))
        })
        .collect()
}

/// A decimal column of unscaled values.
fn partita_core_decimal(
    name: &str,
    values: Vec<Option<i128>>,
    p: u8,
    s: u8,
) -> Result<Series, String> {
    partita::polars::decimal_series(name, values, p, s).map_err(|e| e.to_string())
}

/// The polars type of a Partita type.
fn partita_core_type(t: DataType) -> PlDataType {
    partita::polars::to_polars_type(t)
}

/// A cell of a typed column as its physical value (days, ticks, or the integer);
/// None for null; Some(None) never (a value that does not fit is an error).
fn typed_cell(v: &Value, t: DataType) -> Option<Option<i64>> {
    if v.is_null() {
        return Some(None);
    }
    match t {
        DataType::Date => temporal::parse_date(v.as_str()?).map(|d| Some(d as i64)),
        DataType::Timestamp(unit, zone) => {
            let (wall, offset) = temporal::parse_timestamp(v.as_str()?)?;
            let ticks = match (offset, zone) {
                (Some(off), _) => temporal::ticks_of_naive(wall - off, unit),
                (None, None) => temporal::ticks_of_naive(wall, unit),
                (None, Some(_)) => return None,
            };
            ticks.map(Some)
        }
        t if t.is_integer() => {
            let i = v.as_i64()?;
            let (lo, hi) = t.integer_range()?;
            ((lo..=hi).contains(&(i as i128))).then_some(Some(i))
        }
        _ => None,
    }
}

/// How a case is run: partitions of each table, output partitions of a grouping,
/// and the engine.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Partitions each table is split into.
    pub partitions: usize,
    /// Output partitions of a GROUP BY (`split_out`).
    pub split_out: usize,
    /// Where the query runs.
    pub engine: partita::Engine,
}

impl RunConfig {
    /// The local engine, `partitions` per table, the default `split_out`.
    pub fn local(partitions: usize) -> Self {
        RunConfig {
            partitions,
            split_out: SessionConfig::default().split_out,
            engine: partita::Engine::Local,
        }
    }
}

/// Runs the case's SQL under `preset` with its tables split into `partitions`.
pub fn run_case(case: &Case, preset: &str, partitions: usize) -> Result<(), String> {
    run_case_with(case, preset, &RunConfig::local(partitions))
}

/// Runs the case's SQL under `preset` as `config` says.
pub fn run_case_with(case: &Case, preset: &str, config: &RunConfig) -> Result<(), String> {
    let expected = case
        .expected
        .get(preset)
        .ok_or_else(|| format!("no expectation for {preset}"))?;
    let result = execute_with(case, preset, config)?;
    compare(expected, &result, reference_of(preset)?)
}

/// The reference engine whose recorded answer a preset is compared with.
pub fn reference_of(preset: &str) -> Result<Reference, String> {
    match preset {
        "pandas" => Ok(Reference::Pandas),
        "spark" => Ok(Reference::Spark),
        other => Err(format!("no reference engine for the preset '{other}'")),
    }
}

/// The names the reference gives a column of this polars type holding these
/// values: pandas dtypes are decided by the values (an integer column with missing
/// values is float64, a boolean one object, a string column of only missing values
/// object), Spark types by the type alone.
fn reference_dtypes(series: &Series, reference: Reference) -> Vec<String> {
    use partita::polars::PlDataType as T;
    let has_nulls = series.null_count() > 0;
    let all_null = series.null_count() == series.len();
    let owned = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let unit = |u: &partita::polars::PlTimeUnit| match u {
        partita::polars::PlTimeUnit::Milliseconds => "ms",
        partita::polars::PlTimeUnit::Microseconds => "us",
        partita::polars::PlTimeUnit::Nanoseconds => "ns",
    };
    match reference {
        Reference::Pandas => match series.dtype() {
            // An integer column with missing values is float64 in pandas, or one of its
            // masked types (`Int64`, `UInt32`), which a few accessors return.
            t if t.is_integer() && has_nulls => {
                let numpy = t.to_string().replace('i', "int").replace('u', "uint");
                let masked = match numpy.strip_prefix("uint") {
                    Some(bits) => format!("UInt{bits}"),
                    None => numpy.replacen("int", "Int", 1),
                };
                vec![masked]
            }
            T::Float64 => owned(&["float64"]),
            T::Float32 => owned(&["float32"]),
            T::String if all_null => owned(&["str", "object"]),
            T::String => owned(&["str"]),
            T::Boolean if has_nulls => owned(&["object"]),
            T::Boolean => owned(&["bool", "object"]),
            T::Null => owned(&["object", "float64", "str"]),
            // pandas holds dates as datetime.date objects.
            T::Date => owned(&["object"]),
            T::Datetime(u, None) => vec![format!("datetime64[{}]", unit(u))],
            T::Datetime(u, Some(z)) => vec![format!("datetime64[{}, {}]", unit(u), z.as_str())],
            T::Duration(u) => vec![format!("timedelta64[{}]", unit(u))],
            // pandas holds decimal.Decimal objects.
            T::Decimal(..) => owned(&["object"]),
            t if t.is_integer() => vec![t.to_string().replace("i", "int").replace("u", "uint")],
            _ => vec![],
        },
        Reference::Spark => match series.dtype() {
            T::Int8 => owned(&["tinyint"]),
            T::Int16 => owned(&["smallint"]),
            T::Int32 => owned(&["int"]),
            T::Int64 => owned(&["bigint"]),
            T::Float32 => owned(&["float"]),
            T::Float64 => owned(&["double"]),
            T::String => owned(&["string"]),
            T::Boolean => owned(&["boolean"]),
            T::Null => owned(&["void"]),
            T::Date => owned(&["date"]),
            // A wall time is Spark's TIMESTAMP_NTZ; the recorder builds naive columns
            // as TIMESTAMP in the session zone UTC, which holds the same values.
            T::Datetime(_, None) => owned(&["timestamp_ntz", "timestamp"]),
            T::Datetime(_, Some(_)) => owned(&["timestamp"]),
            T::Duration(_) => owned(&["interval day to second"]),
            T::Decimal(p, s) => vec![format!("decimal({p},{s})")],
            _ => vec![],
        },
    }
}

/// Whether an error's class is the expected one or one of its sub-classes
/// (`DATATYPE_MISMATCH` matches `DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE`).
pub fn class_matches(expected: &str, actual: &str) -> bool {
    actual == expected
        || actual
            .strip_prefix(expected)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The case's tables as frames of `session`, each split into `partitions`.
pub fn frames(
    case: &Case,
    session: &Session,
    partitions: usize,
) -> Result<BTreeMap<String, Frame>, String> {
    case.tables
        .iter()
        .map(|(name, t)| {
            let frame = session
                .from_columns(table_columns(t)?, partitions)
                .map_err(|e| e.to_string())?;
            Ok((name.clone(), frame))
        })
        .collect()
}

/// The session a case runs in under `preset`.
pub fn session(preset: &str) -> Result<Session, String> {
    session_with(preset, &RunConfig::local(1))
}

fn session_with(preset: &str, config: &RunConfig) -> Result<Session, String> {
    let semantics = Semantics::preset(preset).map_err(|e| e.to_string())?;
    Ok(Session::new()
        .with_semantics(semantics)
        .with_workers(2)
        .with_split_every(2)
        .with_split_out(config.split_out)
        .with_engine(config.engine.clone()))
}

/// Runs a query written with the Rust API (`query` builds it from the case's
/// tables) under `preset` with the tables split into `partitions`, and compares
/// it with the recorded answer, as [`run_case`] does for the SQL.
pub fn run_api(
    case: &Case,
    preset: &str,
    partitions: usize,
    query: &dyn Fn(&BTreeMap<String, Frame>) -> Frame,
) -> Result<(), String> {
    let expected = case
        .expected
        .get(preset)
        .ok_or_else(|| format!("no expectation for {preset}"))?;
    let tables = frames(case, &session(preset)?, partitions)?;
    let result = query(&tables).collect();
    compare(expected, &result, reference_of(preset)?)
}

/// The engine's result for the case (or its error).
pub fn execute(
    case: &Case,
    preset: &str,
    partitions: usize,
) -> Result<Result<partita::Table, Error>, String> {
    execute_with(case, preset, &RunConfig::local(partitions))
}

/// The engine's result for the case (or its error), run as `config` says.
pub fn execute_with(
    case: &Case,
    preset: &str,
    config: &RunConfig,
) -> Result<Result<partita::Table, Error>, String> {
    let session = session_with(preset, config)?;
    let mut ctx = SqlContext::new(session.clone());
    for (name, frame) in frames(case, &session, config.partitions)? {
        ctx.register(name, frame);
    }
    Ok(ctx.sql(&case.sql).and_then(|f| f.collect()))
}

/// A result cell as a comparable value.
#[derive(Debug, Clone)]
enum Cell {
    Null,
    Num(f64),
    Str(String),
    Bool(bool),
    /// A decimal of Partita's result, as its exact text (what the recorder writes
    /// for a decimal: `str()` of a `Decimal`).
    Decimal(String),
}

fn cell_of_json(v: &Value) -> Cell {
    match v {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) => Cell::Num(n.as_f64().unwrap_or(f64::NAN)),
        // "NaN", "inf", "-inf" stay text here: they equal those floats, or the same
        // text in a string column (see `cells_equal`).
        Value::String(s) => Cell::Str(s.clone()),
        other => Cell::Str(other.to_string()),
    }
}

/// A result value as a comparable cell: dates and timestamps as the recorder writes
/// them (`str()` of the reference's value: a zoned time stamp with its offset under
/// pandas, the wall time in UTC under Spark), durations as microseconds.
fn cell_of_value(v: &ScalarValue, pandas: bool) -> Cell {
    match v {
        v if v.is_null() => Cell::Null,
        ScalarValue::Boolean(Some(b)) => Cell::Bool(*b),
        ScalarValue::Float64(Some(x)) => Cell::Num(*x),
        ScalarValue::Float32(Some(x)) => Cell::Num(*x as f64),
        ScalarValue::Utf8(Some(s)) => Cell::Str(s.clone()),
        ScalarValue::Date(Some(d)) => Cell::Str(temporal::format_date(*d)),
        ScalarValue::Timestamp(Some(t), unit, zone) => {
            Cell::Str(temporal::format_timestamp_with(*t, *unit, *zone, pandas))
        }
        ScalarValue::Decimal(Some(v), _, scale) => Cell::Decimal(partita::decimal_text(*v, *scale)),
        ScalarValue::Duration(Some(d), unit) => Cell::Num(
            temporal::convert_ticks(*d, *unit, partita::TimeUnit::Microsecond).unwrap_or(0) as f64,
        ),
        v => match v.as_i128() {
            Some(i) => Cell::Num(i as f64),
            None => Cell::Null,
        },
    }
}

fn show(c: &Cell) -> String {
    match c {
        Cell::Null => "null".into(),
        Cell::Num(x) => format_value(&ScalarValue::Float64(Some(*x))),
        Cell::Str(s) | Cell::Decimal(s) => format!("'{s}'"),
        Cell::Bool(b) => b.to_string(),
    }
}

/// The float a recorded special value stands for (`"NaN"`, `"inf"`, `"-inf"`).
fn special_float(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

fn cells_equal(a: &Cell, b: &Cell, pandas: bool) -> bool {
    // A recorded "NaN" / "inf" in a float column is that float.
    let as_float = |c: &Cell, other: &Cell| match (c, other) {
        (Cell::Str(s), Cell::Num(_)) => special_float(s).map(Cell::Num),
        _ => None,
    };
    if let Some(x) = as_float(a, b) {
        return cells_equal(&x, b, pandas);
    }
    if let Some(y) = as_float(b, a) {
        return cells_equal(a, &y, pandas);
    }
    let missing =
        |c: &Cell| matches!(c, Cell::Null) || (pandas && matches!(c, Cell::Num(x) if x.is_nan()));
    match (a, b) {
        _ if missing(a) || missing(b) => missing(a) && missing(b),
        (Cell::Num(x), Cell::Num(y)) => {
            if x.is_nan() || y.is_nan() {
                return x.is_nan() && y.is_nan();
            }
            if x == y {
                return true;
            }
            // An infinity equals only itself (a relative tolerance would take it
            // for any number).
            if x.is_infinite() || y.is_infinite() {
                return false;
            }
            let diff = (x - y).abs();
            diff <= 1e-12 || diff <= 1e-9 * x.abs().max(y.abs())
        }
        (Cell::Str(x), Cell::Str(y)) => x == y,
        (Cell::Decimal(x), Cell::Str(y)) | (Cell::Str(y), Cell::Decimal(x)) => x == y,
        (Cell::Decimal(x), Cell::Decimal(y)) => x == y,
        // pandas' object column of Decimal objects holds the int 0 where a group
        // sums nothing: a decimal equal to that whole number.
        (Cell::Decimal(x), Cell::Num(y)) | (Cell::Num(y), Cell::Decimal(x)) if pandas => {
            let (int, frac) = x.split_once('.').unwrap_or((x, ""));
            y.fract() == 0.0
                && y.abs() < 9.0e15
                && frac.bytes().all(|b| b == b'0')
                && int.parse::<i128>().ok() == Some(*y as i128)
        }
        (Cell::Bool(x), Cell::Bool(y)) => x == y,
        _ => false,
    }
}

fn rows_equal(a: &[Cell], b: &[Cell], pandas: bool) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| cells_equal(x, y, pandas))
}

/// Multiset equality by greedy matching (results are small).
fn multiset_equal(a: &[Vec<Cell>], b: &[Vec<Cell>], pandas: bool) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut used = vec![false; b.len()];
    a.iter().all(
        |ra| match (0..b.len()).find(|&j| !used[j] && rows_equal(ra, &b[j], pandas)) {
            Some(j) => {
                used[j] = true;
                true
            }
            None => false,
        },
    )
}

fn table_text(columns: &[String], rows: &[Vec<Cell>]) -> String {
    let mut out = format!("    {}\n", columns.join(" | "));
    for r in rows {
        out.push_str(&format!(
            "    {}\n",
            r.iter().map(show).collect::<Vec<_>>().join(" | ")
        ));
    }
    out
}

/// Compares a result with an expectation by the rules of FORMAT.md; the error is a
/// readable diff.
pub fn compare(
    expected: &Expectation,
    actual: &Result<partita::Table, Error>,
    reference: Reference,
) -> Result<(), String> {
    let pandas = reference == Reference::Pandas;
    let (columns, order_by, rows, dtypes) = match expected {
        Expectation::Error { error } => {
            return match actual {
                Err(e) => match e.class(reference) {
                    Some(class) if class_matches(error, &class) => Ok(()),
                    Some(class) => Err(format!(
                        "expected the error {error}, got the error {class}: {e}"
                    )),
                    None => Err(format!(
                        "expected the error {error}, got an error without that class: {e}"
                    )),
                },
                Ok(df) => Err(format!(
                    "expected the error {error}, got {} row(s)",
                    df.height()
                )),
            }
        }
        Expectation::Rows {
            columns,
            order_by,
            rows,
            dtypes,
        } => (columns, order_by, rows, dtypes),
    };
    let (df, got_cols, schema) = match actual {
        Ok(table) => (
            table.as_polars(),
            table
                .column_names()
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>(),
            table.schema(),
        ),
        Err(e) => return Err(format!("expected rows, got the error: {e}")),
    };
    if &got_cols != columns {
        return Err(format!(
            "columns differ\n  expected {columns:?}\n  got      {got_cols:?}"
        ));
    }
    if let Some(dtypes) = dtypes {
        for ((c, want), field) in df.columns().iter().zip(dtypes).zip(schema.fields()) {
            let series = c.as_materialized_series();
            let names = match (field.data_type, reference) {
                // Held as text; pandas' dtype is `category`. Spark has no such type
                // (under its preset the column is a string).
                (DataType::Categorical(_), Reference::Pandas) => vec!["category".to_string()],
                (DataType::Categorical(_), Reference::Spark) => vec![],
                _ => reference_dtypes(series, reference),
            };
            if !names.iter().any(|n| n == want) {
                return Err(format!(
                    "column '{}' has the type {} ({}), where the reference's type is {want}",
                    c.name(),
                    series.dtype(),
                    if names.is_empty() {
                        "no counterpart in the reference".to_string()
                    } else {
                        format!("the reference would say {}", names.join(" or "))
                    }
                ));
            }
        }
    }
    let want: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| r.iter().map(cell_of_json).collect())
        .collect();
    let got: Vec<Vec<Cell>> = (0..df.height())
        .map(|i| {
            df.columns()
                .iter()
                .map(|c| {
                    value_at(c.as_materialized_series(), i)
                        .map(|v| cell_of_value(&v, pandas))
                        .unwrap_or(Cell::Null)
                })
                .collect()
        })
        .collect();
    let diff = |what: &str| {
        format!(
            "{what}\n  expected:\n{}  got:\n{}",
            table_text(columns, &want),
            table_text(columns, &got)
        )
    };
    if want.len() != got.len() {
        return Err(diff(&format!(
            "row counts differ: expected {}, got {}",
            want.len(),
            got.len()
        )));
    }
    let keys: Vec<usize> = order_by
        .iter()
        .filter_map(|c| columns.iter().position(|x| x == c))
        .collect();
    if keys.is_empty() {
        return if multiset_equal(&want, &got, pandas) {
            Ok(())
        } else {
            Err(diff("rows differ (compared as a multiset)"))
        };
    }
    let key = |r: &Vec<Cell>| keys.iter().map(|&i| r[i].clone()).collect::<Vec<_>>();
    let mut i = 0;
    while i < want.len() {
        let k = key(&want[i]);
        let mut j = i + 1;
        while j < want.len() && rows_equal(&key(&want[j]), &k, pandas) {
            j += 1;
        }
        let same_keys = got[i..j].iter().all(|r| rows_equal(&key(r), &k, pandas));
        if !same_keys || !multiset_equal(&want[i..j], &got[i..j], pandas) {
            return Err(diff(&format!(
                "rows {}..{} differ (ordered by {})",
                i + 1,
                j,
                order_by.join(", ")
            )));
        }
        i = j;
    }
    Ok(())
}
