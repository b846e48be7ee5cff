//! Rendering a result: an aligned table, CSV or JSON.

use std::fmt;
use std::str::FromStr;

use partita::polars::DataFrame;
use partita::polars::{format_table, value_at};
use partita::{format_value, Error, Result, ScalarValue};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Mode {
    /// An aligned table with a type row (`format_table`), then the row count.
    #[default]
    Table,
    /// CSV: a header line, nulls as empty fields, NaN as `NaN`, strings quoted only
    /// when needed.
    Csv,
    /// JSON: an array of objects, one per row, keys in column order; null for a
    /// missing value, NaN and infinities as the strings `"NaN"`, `"inf"`, `"-inf"`.
    Json,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Table => "table",
            Mode::Csv => "csv",
            Mode::Json => "json",
        })
    }
}

impl FromStr for Mode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "table" => Ok(Mode::Table),
            "csv" => Ok(Mode::Csv),
            "json" => Ok(Mode::Json),
            other => Err(Error::plan(format!(
                "unknown output mode '{other}'; expected table, csv or json"
            ))),
        }
    }
}

/// The cells of one column, row by row.
fn column_values(df: &DataFrame) -> Result<Vec<Vec<ScalarValue>>> {
    df.columns()
        .iter()
        .map(|c| {
            let s = c.as_materialized_series();
            (0..df.height()).map(|i| value_at(s, i)).collect()
        })
        .collect()
}

fn names(df: &DataFrame) -> Vec<String> {
    df.get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect()
}

/// One CSV field: empty for null, `NaN` for NaN, the plain value otherwise; quoted
/// (with `"` doubled) when it holds a comma, a quote, a line break, or leading or
/// trailing spaces, and an empty string as `""` so that it differs from null.
fn csv_field(v: &ScalarValue) -> String {
    if v.is_null() {
        return String::new();
    }
    let text = format_value(v);
    let is_str = matches!(v, ScalarValue::Utf8(_));
    let needs_quotes = (is_str && text.is_empty())
        || text.contains([',', '"', '\n', '\r'])
        || text.starts_with(' ')
        || text.ends_with(' ');
    if needs_quotes {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn csv_line(fields: impl Iterator<Item = String>) -> String {
    let mut line = fields.collect::<Vec<_>>().join(",");
    line.push('\n');
    line
}

/// The result as CSV text, ending with a newline.
///
/// ```
/// use partita::polars::*;
/// let df = DataFrame::new(2, vec![
///     Series::new("s".into(), [Some("a,b"), None]).into(),
///     Series::new("x".into(), [f64::NAN, 1.5]).into(),
/// ]).unwrap();
/// assert_eq!(partita_cli::output::to_csv(&df).unwrap(), "s,x\n\"a,b\",NaN\n,1.5\n");
/// ```
pub fn to_csv(df: &DataFrame) -> Result<String> {
    let cols = column_values(df)?;
    let mut out = csv_line(
        names(df)
            .into_iter()
            .map(|n| csv_field(&ScalarValue::Utf8(Some(n)))),
    );
    for row in 0..df.height() {
        out.push_str(&csv_line(cols.iter().map(|c| csv_field(&c[row]))));
    }
    Ok(out)
}

/// One JSON value.
fn json_value(v: &ScalarValue) -> serde_json::Value {
    use serde_json::Value;
    match v {
        v if v.is_null() => Value::Null,
        ScalarValue::Boolean(Some(b)) => Value::Bool(*b),
        ScalarValue::Int64(Some(i)) => Value::from(*i),
        ScalarValue::Float64(Some(x)) => match serde_json::Number::from_f64(*x) {
            Some(n) => Value::Number(n),
            None => Value::String(format_value(v)), // NaN, inf, -inf
        },
        ScalarValue::Float32(Some(x)) => {
            json_value(&ScalarValue::Float64(format!("{x}").parse::<f64>().ok()))
        }
        ScalarValue::UInt64(Some(u)) => Value::from(*u),
        ScalarValue::Utf8(Some(s)) => Value::String(s.clone()),
        other => match other.as_i128().and_then(|i| i64::try_from(i).ok()) {
            Some(i) => Value::from(i),
            None => Value::String(format_value(other)),
        },
    }
}

/// The result as a JSON array of objects (one per line), ending with a newline.
///
/// ```
/// use partita::polars::*;
/// let df = DataFrame::new(2, vec![
///     Series::new("k".into(), [Some("A"), None]).into(),
///     Series::new("m".into(), [f64::NAN, 2.0]).into(),
/// ]).unwrap();
/// assert_eq!(
///     partita_cli::output::to_json(&df).unwrap(),
///     "[\n{\"k\":\"A\",\"m\":\"NaN\"},\n{\"k\":null,\"m\":2.0}\n]\n"
/// );
/// ```
pub fn to_json(df: &DataFrame) -> Result<String> {
    let cols = column_values(df)?;
    let keys: Vec<String> = names(df)
        .iter()
        .map(|n| serde_json::Value::String(n.clone()).to_string())
        .collect();
    let mut out = String::from("[");
    for row in 0..df.height() {
        out.push_str(if row == 0 { "\n{" } else { ",\n{" });
        for (i, (k, c)) in keys.iter().zip(&cols).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(k);
            out.push(':');
            out.push_str(&json_value(&c[row]).to_string());
        }
        out.push('}');
    }
    out.push_str(if df.height() == 0 { "]\n" } else { "\n]\n" });
    Ok(out)
}

/// The aligned table of `format_table`, without its final row-count line (the
/// shell prints its own, with the elapsed time).
pub fn to_table(df: &DataFrame, max_rows: usize) -> String {
    let text = format_table(df, max_rows);
    let h = df.height();
    let count = format!("({h} row{})", if h == 1 { "" } else { "s" });
    match text.rsplit_once('\n') {
        Some((table, last)) if last == count => table.to_string(),
        _ => text,
    }
}

/// The result in `mode`; tables show at most `max_rows` rows.
pub fn render(df: &DataFrame, mode: Mode, max_rows: usize) -> Result<String> {
    match mode {
        Mode::Table => Ok(to_table(df, max_rows) + "\n"),
        Mode::Csv => to_csv(df),
        Mode::Json => to_json(df),
    }
}

/// `(N rows)`, with the elapsed time when given.
pub fn row_count(rows: usize, elapsed: Option<std::time::Duration>) -> String {
    let s = if rows == 1 { "" } else { "s" };
    match elapsed {
        Some(t) => format!("({rows} row{s}, {})", human_time(t)),
        None => format!("({rows} row{s})"),
    }
}

/// A duration as `812 µs`, `12.3 ms` or `1.25 s`.
pub fn human_time(t: std::time::Duration) -> String {
    let us = t.as_micros();
    if us < 1000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{:.1} ms", us as f64 / 1000.0)
    } else {
        format!("{:.2} s", t.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partita::polars::*;

    fn sample() -> DataFrame {
        DataFrame::new(
            3,
            vec![
                Series::new("name".into(), [Some("x\"y"), None, Some("")]).into(),
                Series::new("n".into(), [Some(1i64), None, Some(-3)]).into(),
                Series::new("f".into(), [f64::INFINITY, 0.5, 2.0]).into(),
                Series::new("b".into(), [Some(true), Some(false), None]).into(),
            ],
        )
        .unwrap()
    }

    #[test]
    fn csv_rules() {
        assert_eq!(
            to_csv(&sample()).unwrap(),
            "name,n,f,b\n\"x\"\"y\",1,inf,true\n,,0.5,false\n\"\",-3,2.0,\n"
        );
    }

    #[test]
    fn json_rules() {
        assert_eq!(
            to_json(&sample()).unwrap(),
            "[\n{\"name\":\"x\\\"y\",\"n\":1,\"f\":\"inf\",\"b\":true},\n{\"name\":null,\"n\":null,\"f\":0.5,\"b\":false},\n{\"name\":\"\",\"n\":-3,\"f\":2.0,\"b\":null}\n]\n"
        );
        let empty = sample().head(Some(0));
        assert_eq!(to_json(&empty).unwrap(), "[]\n");
        assert_eq!(to_csv(&empty).unwrap(), "name,n,f,b\n");
    }

    #[test]
    fn table_without_count() {
        let t = to_table(&sample(), 10);
        assert!(t.ends_with('+'), "{t}");
        assert!(t.contains("| name "), "{t}");
        assert_eq!(row_count(1, None), "(1 row)");
        assert_eq!(
            row_count(2, Some(std::time::Duration::from_millis(1500))),
            "(2 rows, 1.50 s)"
        );
        assert_eq!(
            human_time(std::time::Duration::from_micros(12_340)),
            "12.3 ms"
        );
        assert_eq!("CSV".parse::<Mode>().unwrap(), Mode::Csv);
        assert!("xml".parse::<Mode>().is_err());
    }
}
