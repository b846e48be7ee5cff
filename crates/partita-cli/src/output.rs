//! Rendering a result: aligned tables (ASCII, box drawing, Markdown, one line
//! per value) for reading, and CSV, TSV, JSON and JSON lines for other programs.

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use partita::{DataType, Error, Result, ScalarValue, Table};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Mode {
    /// An aligned ASCII table with a type row, then the row count.
    #[default]
    Table,
    /// The same with box-drawing characters.
    Box,
    /// A Markdown (GitHub) table.
    Markdown,
    /// One `column = value` line per value, a blank line between rows.
    Line,
    /// CSV: a header line, nulls as empty fields, NaN as `NaN`, strings quoted only
    /// when needed.
    Csv,
    /// Tab-separated values, by CSV's rules.
    Tsv,
    /// JSON: an array of objects, one per row, keys in column order; null for a
    /// missing value, NaN and infinities as the strings `"NaN"`, `"inf"`, `"-inf"`.
    Json,
    /// JSON lines: one object per line, as `Json` writes them.
    Jsonl,
}

/// Every mode's name, in `.help` order.
pub const MODE_NAMES: &str = "table, box, markdown, line, csv, tsv, json, jsonl";

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Table => "table",
            Mode::Box => "box",
            Mode::Markdown => "markdown",
            Mode::Line => "line",
            Mode::Csv => "csv",
            Mode::Tsv => "tsv",
            Mode::Json => "json",
            Mode::Jsonl => "jsonl",
        })
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "table" | "ascii" => Mode::Table,
            "box" => Mode::Box,
            "markdown" | "md" => Mode::Markdown,
            "line" => Mode::Line,
            "csv" => Mode::Csv,
            "tsv" | "tabs" => Mode::Tsv,
            "json" => Mode::Json,
            "jsonl" | "ndjson" => Mode::Jsonl,
            other => {
                return Err(format!(
                    "unknown output mode '{other}'; expected one of {MODE_NAMES}"
                ))
            }
        })
    }
}

impl Mode {
    /// Every mode, in the order of [`MODE_NAMES`].
    pub const ALL: [Mode; 8] = [
        Mode::Table,
        Mode::Box,
        Mode::Markdown,
        Mode::Line,
        Mode::Csv,
        Mode::Tsv,
        Mode::Json,
        Mode::Jsonl,
    ];

    /// Whether the mode is for reading (elided, cut to the terminal) rather than
    /// for other programs (every row, every character).
    pub fn is_display(self) -> bool {
        matches!(self, Mode::Table | Mode::Box | Mode::Markdown | Mode::Line)
    }
}

/// How a result is shown in the display modes.
#[derive(Debug, Clone, Copy)]
pub struct View {
    /// Rows shown at most: the first and last half, `…` between.
    pub max_rows: usize,
    /// Characters of one value at most, the rest cut to `…`.
    pub max_width: usize,
    /// Characters of a line at most: the middle columns are left out beyond it.
    pub width: usize,
    /// Missing values as pandas prints them (`NaN`, `NaT`, `None`) rather than
    /// Spark (`NULL`).
    pub pandas: bool,
}

impl Default for View {
    fn default() -> Self {
        View {
            max_rows: usize::MAX,
            max_width: usize::MAX,
            width: usize::MAX,
            pandas: true,
        }
    }
}

/// A value as the shell shows it: a missing value as the preset's engine prints
/// one (pandas: `NaN` for numbers, `NaT` for dates and times, `None` otherwise;
/// Spark: `NULL`), NaN as `NaN`, the rest as `format_value`.
pub fn show_value(v: &ScalarValue, t: DataType, pandas: bool) -> String {
    if !v.is_null() {
        return partita::format_value(v);
    }
    if !pandas {
        return "NULL".into();
    }
    match t {
        DataType::Date | DataType::Timestamp(..) | DataType::Duration(_) => "NaT".into(),
        t if t.is_numeric() => "NaN".into(),
        _ => "None".into(),
    }
}

/// `text` cut to `max` characters, the last one `…`; line breaks and tabs as
/// `\n` and `\t` so a row stays on one line.
fn cut(text: &str, max: usize) -> String {
    let flat: String = if text.contains(['\n', '\r', '\t']) {
        text.replace('\n', "\\n")
            .replace('\r', "\\r")
            .replace('\t', "\\t")
    } else {
        text.to_string()
    };
    if flat.chars().count() <= max {
        return flat;
    }
    let mut out: String = flat.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// The rows shown: all of them, or the first and last halves of `max` with
/// `None` for the elided middle.
fn shown_rows(height: usize, max: usize) -> Vec<Option<usize>> {
    if height <= max {
        return (0..height).map(Some).collect();
    }
    let head = max.div_ceil(2);
    let tail = max / 2;
    (0..head)
        .map(Some)
        .chain(std::iter::once(None))
        .chain((height - tail..height).map(Some))
        .collect()
}

/// The columns shown within `width` characters: from both ends inward, `None`
/// for the elided middle.
fn shown_columns(widths: &[usize], width: usize, per_column: usize) -> Vec<Option<usize>> {
    let total: usize = widths.iter().map(|w| w + per_column).sum::<usize>() + 1;
    if total <= width || widths.len() <= 2 {
        return (0..widths.len()).map(Some).collect();
    }
    let budget = width.saturating_sub(1 + 1 + per_column); // the `…` column
    let (mut left, mut right) = (vec![], vec![]);
    let (mut lo, mut hi) = (0usize, widths.len());
    let mut used = 0;
    let mut from_left = true;
    while lo < hi {
        let i = if from_left { lo } else { hi - 1 };
        let w = widths[i] + per_column;
        if used + w > budget {
            break;
        }
        used += w;
        if from_left {
            left.push(i);
            lo += 1;
        } else {
            right.push(i);
            hi -= 1;
        }
        from_left = !from_left;
    }
    if left.is_empty() {
        left.push(0);
        lo = 1;
    }
    let mut out: Vec<Option<usize>> = left.into_iter().map(Some).collect();
    if lo < hi {
        out.push(None);
    }
    right.reverse();
    out.extend(right.into_iter().map(Some));
    out
}

/// The result in a display mode, without the row count (the shell prints its
/// own, with the time); a line saying how many columns are shown when some are
/// left out.
pub fn render(table: &Table, mode: Mode, view: &View) -> Result<String> {
    let schema = table.schema();
    let names: Vec<String> = schema
        .names()
        .iter()
        .map(|n| cut(n, view.max_width))
        .collect();
    let types: Vec<DataType> = schema.fields().iter().map(|f| f.data_type).collect();
    let rows = shown_rows(table.height(), view.max_rows);
    let mut cells: Vec<Option<Vec<String>>> = Vec::with_capacity(rows.len());
    for r in &rows {
        cells.push(match r {
            None => None,
            Some(i) => Some(
                types
                    .iter()
                    .enumerate()
                    .map(|(c, t)| {
                        let v = table.value_at(c, *i)?;
                        Ok(cut(&show_value(&v, *t, view.pandas), view.max_width))
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
        });
    }
    if mode == Mode::Line {
        let w = names.iter().map(|n| chars(n)).max().unwrap_or(0);
        let mut out = String::new();
        for (k, row) in cells.iter().enumerate() {
            if k > 0 {
                out.push('\n');
            }
            match row {
                None => out.push_str("…\n"),
                Some(row) => {
                    for (n, v) in names.iter().zip(row) {
                        out.push_str(&format!("{n:>w$} = {v}\n"));
                    }
                }
            }
        }
        return Ok(out);
    }
    let type_names: Vec<String> = types.iter().map(|t| t.to_string()).collect();
    let with_types = mode != Mode::Markdown;
    let widths: Vec<usize> = (0..names.len())
        .map(|c| {
            let mut w = chars(&names[c]).max(if with_types { chars(&type_names[c]) } else { 0 });
            for row in cells.iter().flatten() {
                w = w.max(chars(&row[c]));
            }
            w.max(if mode == Mode::Markdown { 3 } else { 1 })
        })
        .collect();
    let columns = shown_columns(&widths, view.width, 3);
    let pick = |values: &[String]| -> Vec<(String, usize)> {
        columns
            .iter()
            .map(|c| match c {
                Some(i) => (values[*i].clone(), widths[*i]),
                None => ("…".to_string(), 1),
            })
            .collect()
    };
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(chars(s))));
    let line = |cells: &[(String, usize)], bar: &str| -> String {
        let parts: Vec<String> = cells.iter().map(|(s, w)| pad(s, *w)).collect();
        format!("{bar} {} {bar}\n", parts.join(&format!(" {bar} ")))
    };
    let rule = |cells: &[(String, usize)], l: &str, fill: &str, m: &str, r: &str| -> String {
        let parts: Vec<String> = cells.iter().map(|(_, w)| fill.repeat(w + 2)).collect();
        format!("{l}{}{r}\n", parts.join(m))
    };
    let header = pick(&names);
    let typerow = pick(&type_names);
    let elided = |cells: &[(String, usize)]| -> Vec<(String, usize)> {
        cells.iter().map(|(_, w)| ("…".to_string(), *w)).collect()
    };
    let mut out = String::new();
    match mode {
        Mode::Markdown => {
            out.push_str(&line(&header, "|"));
            let dashes: Vec<String> = header.iter().map(|(_, w)| "-".repeat(*w)).collect();
            out.push_str(&format!("| {} |\n", dashes.join(" | ")));
            for row in &cells {
                match row {
                    Some(r) => {
                        let escaped: Vec<String> =
                            r.iter().map(|v| v.replace('|', "\\|")).collect();
                        out.push_str(&line(&pick(&escaped), "|"));
                    }
                    None => out.push_str(&line(&elided(&header), "|")),
                }
            }
        }
        Mode::Box => {
            out.push_str(&rule(&header, "┌", "─", "┬", "┐"));
            out.push_str(&line(&header, "│"));
            out.push_str(&line(&typerow, "│"));
            out.push_str(&rule(&header, "├", "─", "┼", "┤"));
            for row in &cells {
                match row {
                    Some(r) => out.push_str(&line(&pick(r), "│")),
                    None => out.push_str(&line(&elided(&header), "│")),
                }
            }
            out.push_str(&rule(&header, "└", "─", "┴", "┘"));
        }
        _ => {
            let sep = rule(&header, "+", "-", "+", "+");
            out.push_str(&sep);
            out.push_str(&line(&header, "|"));
            out.push_str(&line(&typerow, "|"));
            out.push_str(&sep);
            for row in &cells {
                match row {
                    Some(r) => out.push_str(&line(&pick(r), "|")),
                    None => out.push_str(&line(&elided(&header), "|")),
                }
            }
            out.push_str(&sep);
        }
    }
    let shown = columns.iter().flatten().count();
    if shown < names.len() {
        out.push_str(&format!("{} columns ({shown} shown)\n", names.len()));
    }
    Ok(out)
}

/// Writes the result in `mode` to `w`: display modes as [`render`] shows them;
/// CSV, TSV and JSON hold every row and every character, formatted in parallel
/// batches and written as they are made (`Table::write_csv`, ...).
pub fn write_result(table: &Table, mode: Mode, view: &View, w: &mut dyn Write) -> Result<()> {
    match mode {
        Mode::Csv => table.write_csv(w),
        Mode::Tsv => table.write_tsv(w),
        Mode::Json => table.write_json(w, false),
        Mode::Jsonl => table.write_json(w, true),
        display => {
            let text = render(table, display, view)?;
            w.write_all(text.as_bytes())
                .map_err(|e| Error::Io(format!("cannot write the result: {e}")))
        }
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
    use partita::Column;

    fn sample() -> Table {
        Table::new([
            Column::new("name", [Some("x|y"), None, Some("")]),
            Column::new("n", [Some(1i64), None, Some(-3)]),
            Column::new("f", [f64::INFINITY, f64::NAN, 2.0]),
            Column::new("b", [Some(true), Some(false), None]),
        ])
        .unwrap()
    }

    #[test]
    fn every_display_mode() {
        let v = View::default();
        let t = render(&sample(), Mode::Table, &v).unwrap();
        assert!(
            t.starts_with("+------+-----+-----+-------+\n| name | n   | f   | b     |\n| str  | i64 | f64 | bool  |\n"),
            "{t}"
        );
        // pandas: a missing text is None, a missing number NaN; an empty string
        // stays empty.
        assert!(
            t.contains("| None | NaN | NaN | false |\n|      | -3  | 2.0 | None  |"),
            "{t}"
        );
        let spark = View { pandas: false, ..v };
        let t = render(&sample(), Mode::Table, &spark).unwrap();
        assert!(t.contains("| NULL | NULL | NaN | false |"), "{t}");
        let b = render(&sample(), Mode::Box, &v).unwrap();
        assert!(b.starts_with("┌──────┬"), "{b}");
        let m = render(&sample(), Mode::Markdown, &v).unwrap();
        assert!(
            m.starts_with("| name | n   | f   | b     |\n| ---- | --- | --- | ----- |\n| x\\|y"),
            "{m}"
        );
        let l = render(&sample(), Mode::Line, &v).unwrap();
        assert!(l.starts_with("name = x|y\n   n = 1\n"), "{l}");
        assert_eq!("BOX".parse::<Mode>().unwrap(), Mode::Box);
        let e = "xml".parse::<Mode>().unwrap_err().to_string();
        assert!(e.contains("table, box, markdown"), "{e}");
    }

    #[test]
    fn long_values_are_cut_and_wide_tables_fit() {
        let long = "é".repeat(5000);
        let cols: Vec<Column> = (0..30)
            .map(|i| Column::new(&format!("column_{i}"), [long.as_str()]))
            .collect();
        let t = Table::new(cols).unwrap();
        let v = View {
            max_width: 12,
            width: 100,
            ..View::default()
        };
        let text = render(&t, Mode::Table, &v).unwrap();
        for l in text.lines() {
            assert!(l.chars().count() <= 100, "{l}");
        }
        assert!(text.contains("éééééééééé…"), "{text}");
        assert!(text.ends_with("30 columns (6 shown)\n"), "{text}");
        assert!(
            text.contains("column_0") && text.contains("column_29"),
            "{text}"
        );
    }

    #[test]
    fn no_value_makes_any_mode_panic() {
        let long = "x".repeat(10_000);
        let t = Table::new([
            Column::new(
                "s",
                [
                    Some(""),
                    Some(long.as_str()),
                    None,
                    Some("tab\tnew\nline|\"q\","),
                ],
            ),
            Column::new("i", [Some(i64::MIN), Some(i64::MAX), None, Some(0)]),
            Column::new("u", [Some(u64::MAX), Some(0), None, Some(1)]),
            Column::new("f", [Some(f64::NAN), Some(f64::INFINITY), None, Some(-0.0)]),
            Column::new(
                "g",
                [
                    Some(f32::NEG_INFINITY),
                    Some(f32::MIN_POSITIVE),
                    None,
                    Some(1e30),
                ],
            ),
            Column::new("b", [Some(true), None, Some(false), None]),
            Column::new("d", [Some(i32::MIN), Some(i32::MAX), None, Some(0)])
                .cast(DataType::Date)
                .unwrap(),
            Column::new("t", [Some(i64::MIN), Some(i64::MAX), None, Some(0)])
                .cast(DataType::Timestamp(partita::TimeUnit::Nanosecond, None))
                .unwrap(),
        ])
        .unwrap();
        let modes = Mode::ALL;
        for pandas in [true, false] {
            for view in [
                View {
                    pandas,
                    ..View::default()
                },
                View {
                    pandas,
                    max_rows: 2,
                    max_width: 2,
                    width: 20,
                },
            ] {
                for mode in modes {
                    let mut out = vec![];
                    write_result(&t, mode, &view, &mut out).unwrap();
                    let text = String::from_utf8(out).unwrap();
                    assert!(!text.is_empty(), "{mode}");
                }
            }
        }
    }

    #[test]
    fn table_without_count() {
        assert_eq!(row_count(1, None), "(1 row)");
        assert_eq!(
            row_count(2, Some(std::time::Duration::from_millis(1500))),
            "(2 rows, 1.50 s)"
        );
        assert_eq!(
            human_time(std::time::Duration::from_micros(12_340)),
            "12.3 ms"
        );
    }
}
