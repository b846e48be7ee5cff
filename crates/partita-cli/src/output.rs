//! Rendering a result: an aligned table, CSV or JSON.

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use partita::polars::{format_table, DataFrame};
use partita::{Error, Result, Table};

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
    /// JSON lines: one object per line, as `Json` writes them.
    Jsonl,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Table => "table",
            Mode::Csv => "csv",
            Mode::Json => "json",
            Mode::Jsonl => "jsonl",
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
            "jsonl" | "ndjson" => Ok(Mode::Jsonl),
            other => Err(Error::plan(format!(
                "unknown output mode '{other}'; expected table, csv, json or jsonl"
            ))),
        }
    }
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

/// Writes the result in `mode` to `w`: tables show at most `max_rows` rows (the
/// middle elided); CSV and JSON hold every row, formatted in parallel batches
/// and written as they are made (`Table::write_csv`, `Table::write_json`).
pub fn write_result(table: &Table, mode: Mode, max_rows: usize, w: &mut dyn Write) -> Result<()> {
    match mode {
        Mode::Table => {
            let text = to_table(table.as_polars(), max_rows) + "\n";
            w.write_all(text.as_bytes())
                .map_err(|e| Error::Io(format!("cannot write the result: {e}")))
        }
        Mode::Csv => table.write_csv(w),
        Mode::Json => table.write_json(w, false),
        Mode::Jsonl => table.write_json(w, true),
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
