//! A result as CSV or JSON text, written column by column into one byte buffer
//! per batch of rows: each column is read through its own typed iterator (no
//! per-cell dynamic value), integers by `itoa`, JSON floats by `ryu`. A caller
//! formats batches in parallel and writes them in order
//! (`partita_exec::output`).
//!
//! The text is the one the shell has always printed:
//!
//! - CSV (and TSV, with tabs): a header line; a missing value is an empty field, an empty string is
//!   `""`; a field is quoted (`"` doubled) when it holds a comma, a quote or a
//!   line break, or starts or ends with a space; NaN is `NaN`, infinities `inf`
//!   and `-inf`; a whole float keeps one decimal (`2.0`).
//! - JSON: an array of objects, one per line (or one object per line for JSON
//!   lines), keys in column order; `null` for a missing value; NaN and
//!   infinities as the strings `"NaN"`, `"inf"`, `"-inf"`; dates, timestamps,
//!   durations and decimals as strings.

use polars_core::prelude::{DataFrame, DataType as PlDataType, Series};

use partita_common::{shown_name, Result, ScalarValue, TimeUnit, TimeZone};

use crate::display::format_value;
use crate::frame::{from_polars_type, pl_err, scalar_at};

/// A text format of a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// CSV with a header line.
    Csv,
    /// Tab-separated values with a header line (CSV's rules, a tab for a comma).
    Tsv,
    /// A JSON array of objects, one per line.
    Json,
    /// One JSON object per line.
    JsonLines,
}

/// The text before the first row: the CSV header, `[` for a JSON array.
pub fn header(df: &DataFrame, format: OutputFormat) -> Vec<u8> {
    let mut out = vec![];
    match format {
        OutputFormat::Csv | OutputFormat::Tsv => {
            let sep = separator(format);
            for (i, name) in df.get_column_names().iter().enumerate() {
                if i > 0 {
                    out.push(sep);
                }
                csv_text(&mut out, shown_name(name), true, sep);
            }
            out.push(b'\n');
        }
        OutputFormat::Json => out.push(b'['),
        OutputFormat::JsonLines => {}
    }
    out
}

/// The text after the last row of a result of `rows` rows.
pub fn footer(format: OutputFormat, rows: usize) -> &'static str {
    match format {
        OutputFormat::Json if rows == 0 => "]\n",
        OutputFormat::Json => "\n]\n",
        OutputFormat::Csv | OutputFormat::Tsv | OutputFormat::JsonLines => "",
    }
}

/// Appends the rows of `df` to `out`; `first` says whether its first row is the
/// result's first (a JSON array separates the others with a comma).
pub fn rows(df: &DataFrame, format: OutputFormat, first: bool, out: &mut Vec<u8>) -> Result<()> {
    let physical: Vec<Series> = df
        .columns()
        .iter()
        .map(|c| {
            let s = c.as_materialized_series();
            if matches!(
                s.dtype(),
                PlDataType::Categorical(..) | PlDataType::Enum(..)
            ) {
                s.clone()
            } else {
                s.to_physical_repr().into_owned()
            }
        })
        .collect();
    let mut cells = df
        .columns()
        .iter()
        .zip(&physical)
        .map(|(c, p)| Cells::of(c.as_materialized_series(), p))
        .collect::<Result<Vec<_>>>()?;
    let keys: Vec<Vec<u8>> = df
        .get_column_names()
        .iter()
        .map(|n| {
            let mut k = vec![];
            json_string(&mut k, shown_name(n));
            k.push(b':');
            k
        })
        .collect();
    for row in 0..df.height() {
        match format {
            OutputFormat::Csv | OutputFormat::Tsv => {
                let sep = separator(format);
                for (i, c) in cells.iter_mut().enumerate() {
                    if i > 0 {
                        out.push(sep);
                    }
                    c.write_csv(out, sep)?;
                }
                out.push(b'\n');
            }
            OutputFormat::Json | OutputFormat::JsonLines => {
                if format == OutputFormat::Json {
                    out.extend_from_slice(if first && row == 0 { b"\n{" } else { b",\n{" });
                } else {
                    out.push(b'{');
                }
                for (i, (c, k)) in cells.iter_mut().zip(&keys).enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(k);
                    c.write_json(out)?;
                }
                out.push(b'}');
                if format == OutputFormat::JsonLines {
                    out.push(b'\n');
                }
            }
        }
    }
    Ok(())
}

type Iter<'a, T> = Box<dyn Iterator<Item = Option<T>> + 'a>;

/// One column's values in row order, by their physical type.
enum Cells<'a> {
    Int(Iter<'a, i64>),
    UInt(Iter<'a, u64>),
    F64(Iter<'a, f64>),
    F32(Iter<'a, f32>),
    Bool(Iter<'a, bool>),
    Str(Iter<'a, &'a str>),
    Date(Iter<'a, i32>),
    Timestamp(Iter<'a, i64>, TimeUnit, Option<TimeZone>),
    Duration(Iter<'a, i64>, TimeUnit),
    /// Decimals, categoricals and anything else: one value at a time.
    Other(&'a Series, usize),
}

impl<'a> Cells<'a> {
    /// The cells of `s`, read through `physical` (its physical representation).
    fn of(s: &'a Series, physical: &'a Series) -> Result<Cells<'a>> {
        let t = from_polars_type(s.dtype())?;
        use partita_common::DataType as T;
        Ok(match (s.dtype(), t) {
            (PlDataType::Boolean, _) => Cells::Bool(Box::new(s.bool().map_err(pl_err)?.iter())),
            (PlDataType::Int8, _) => Cells::Int(Box::new(
                s.i8().map_err(pl_err)?.iter().map(|v| v.map(i64::from)),
            )),
            (PlDataType::Int16, _) => Cells::Int(Box::new(
                s.i16().map_err(pl_err)?.iter().map(|v| v.map(i64::from)),
            )),
            (PlDataType::Int32, _) => Cells::Int(Box::new(
                s.i32().map_err(pl_err)?.iter().map(|v| v.map(i64::from)),
            )),
            (PlDataType::Int64, _) => Cells::Int(Box::new(s.i64().map_err(pl_err)?.iter())),
            (PlDataType::UInt8, _) => Cells::UInt(Box::new(
                s.u8().map_err(pl_err)?.iter().map(|v| v.map(u64::from)),
            )),
            (PlDataType::UInt16, _) => Cells::UInt(Box::new(
                s.u16().map_err(pl_err)?.iter().map(|v| v.map(u64::from)),
            )),
            (PlDataType::UInt32, _) => Cells::UInt(Box::new(
                s.u32().map_err(pl_err)?.iter().map(|v| v.map(u64::from)),
            )),
            (PlDataType::UInt64, _) => Cells::UInt(Box::new(s.u64().map_err(pl_err)?.iter())),
            (PlDataType::Float64, _) => Cells::F64(Box::new(s.f64().map_err(pl_err)?.iter())),
            (PlDataType::Float32, _) => Cells::F32(Box::new(s.f32().map_err(pl_err)?.iter())),
            (PlDataType::String, _) => Cells::Str(Box::new(s.str().map_err(pl_err)?.iter())),
            (PlDataType::Date, _) => Cells::Date(Box::new(physical.i32().map_err(pl_err)?.iter())),
            (PlDataType::Datetime(..), T::Timestamp(unit, zone)) => {
                Cells::Timestamp(Box::new(physical.i64().map_err(pl_err)?.iter()), unit, zone)
            }
            (PlDataType::Duration(_), T::Duration(unit)) => {
                Cells::Duration(Box::new(physical.i64().map_err(pl_err)?.iter()), unit)
            }
            _ => Cells::Other(s, 0),
        })
    }

    /// The next value as a [`ScalarValue`], for the rare types.
    fn next_other(s: &Series, at: &mut usize) -> Result<ScalarValue> {
        let v = scalar_at(s, *at)?;
        *at += 1;
        Ok(v)
    }

    fn write_csv(&mut self, out: &mut Vec<u8>, sep: u8) -> Result<()> {
        let mut ints = itoa::Buffer::new();
        match self {
            Cells::Int(it) => {
                if let Some(v) = it.next().flatten() {
                    out.extend_from_slice(ints.format(v).as_bytes());
                }
            }
            Cells::UInt(it) => {
                if let Some(v) = it.next().flatten() {
                    out.extend_from_slice(ints.format(v).as_bytes());
                }
            }
            Cells::F64(it) => {
                if let Some(v) = it.next().flatten() {
                    float_text(out, v);
                }
            }
            Cells::F32(it) => {
                if let Some(v) = it.next().flatten() {
                    float32_text(out, v);
                }
            }
            Cells::Bool(it) => {
                if let Some(v) = it.next().flatten() {
                    out.extend_from_slice(if v { b"true" } else { b"false" });
                }
            }
            Cells::Str(it) => {
                if let Some(v) = it.next().flatten() {
                    csv_text(out, v, true, sep);
                }
            }
            Cells::Date(it) => {
                if let Some(d) = it.next().flatten() {
                    out.extend_from_slice(partita_common::temporal::format_date(d).as_bytes());
                }
            }
            Cells::Timestamp(it, unit, zone) => {
                if let Some(t) = it.next().flatten() {
                    let text = partita_common::temporal::format_timestamp(t, *unit, *zone);
                    out.extend_from_slice(text.as_bytes());
                }
            }
            Cells::Duration(it, unit) => {
                if let Some(d) = it.next().flatten() {
                    let text = partita_common::temporal::format_duration(d, *unit);
                    out.extend_from_slice(text.as_bytes());
                }
            }
            Cells::Other(s, at) => {
                let v = Self::next_other(s, at)?;
                if !v.is_null() {
                    csv_text(
                        out,
                        &format_value(&v),
                        matches!(v, ScalarValue::Utf8(_)),
                        sep,
                    );
                }
            }
        }
        Ok(())
    }

    fn write_json(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let mut ints = itoa::Buffer::new();
        let null = |out: &mut Vec<u8>| out.extend_from_slice(b"null");
        match self {
            Cells::Int(it) => match it.next().flatten() {
                Some(v) => out.extend_from_slice(ints.format(v).as_bytes()),
                None => null(out),
            },
            Cells::UInt(it) => match it.next().flatten() {
                Some(v) => out.extend_from_slice(ints.format(v).as_bytes()),
                None => null(out),
            },
            Cells::F64(it) => match it.next().flatten() {
                Some(v) => json_float(out, v),
                None => null(out),
            },
            Cells::F32(it) => match it.next().flatten() {
                // As the shortest f32 text read back as a double (0.1f32 is 0.1).
                Some(v) => json_float(out, partita_common::float::f32_as_shortest_f64(v)),
                None => null(out),
            },
            Cells::Bool(it) => match it.next().flatten() {
                Some(v) => out.extend_from_slice(if v { b"true" } else { b"false" }),
                None => null(out),
            },
            Cells::Str(it) => match it.next().flatten() {
                Some(v) => json_string(out, v),
                None => null(out),
            },
            Cells::Date(it) => match it.next().flatten() {
                Some(d) => json_string(out, &partita_common::temporal::format_date(d)),
                None => null(out),
            },
            Cells::Timestamp(it, unit, zone) => match it.next().flatten() {
                Some(t) => json_string(
                    out,
                    &partita_common::temporal::format_timestamp(t, *unit, *zone),
                ),
                None => null(out),
            },
            Cells::Duration(it, unit) => match it.next().flatten() {
                Some(d) => json_string(out, &partita_common::temporal::format_duration(d, *unit)),
                None => null(out),
            },
            Cells::Other(s, at) => {
                let v = Self::next_other(s, at)?;
                match &v {
                    v if v.is_null() => null(out),
                    ScalarValue::Utf8(Some(text)) => json_string(out, text),
                    other => match other.as_i128().and_then(|i| i64::try_from(i).ok()) {
                        Some(i) => out.extend_from_slice(ints.format(i).as_bytes()),
                        None => json_string(out, &format_value(other)),
                    },
                }
            }
        }
        Ok(())
    }
}

/// A float as the shell prints it: `NaN`, `inf`, `-inf`, a whole value below
/// 1e16 with one decimal (`2.0`), anything else with its shortest round-trip
/// digits in place ([`partita_common::float`]).
fn float_text(out: &mut Vec<u8>, x: f64) {
    if x.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if x.is_infinite() {
        out.extend_from_slice(if x > 0.0 { b"inf" } else { b"-inf" });
    } else {
        // ryu's own text is that where it writes no exponent (from 1e-5 to 1e16).
        let mut b = ryu::Buffer::new();
        let text = b.format_finite(x).as_bytes();
        if text.contains(&b'e') {
            out.extend_from_slice(partita_common::float::plain_text(x, 1e16).as_bytes());
        } else {
            out.extend_from_slice(text);
        }
    }
}

/// A float32 as the shell prints it (a whole value below 1e7 with one decimal).
fn float32_text(out: &mut Vec<u8>, x: f32) {
    if x.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if x.is_infinite() {
        out.extend_from_slice(if x > 0.0 { b"inf" } else { b"-inf" });
    } else {
        out.extend_from_slice(partita_common::float::plain_text_f32(x, 1e7).as_bytes());
    }
}

/// A JSON number for a finite float (`ryu`, as serde_json writes it), else the
/// string `"NaN"`, `"inf"` or `"-inf"`.
fn json_float(out: &mut Vec<u8>, x: f64) {
    if x.is_finite() {
        let mut b = ryu::Buffer::new();
        out.extend_from_slice(b.format_finite(x).as_bytes());
    } else if x.is_nan() {
        out.extend_from_slice(b"\"NaN\"");
    } else {
        out.extend_from_slice(if x > 0.0 { b"\"inf\"" } else { b"\"-inf\"" });
    }
}

/// A JSON string: `"` and `\` escaped, control characters as `\n`, `\t`, ... or
/// `\u00XX`, everything else as is (serde_json's escaping).
pub fn json_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escape);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// The field separator of a delimited format.
fn separator(format: OutputFormat) -> u8 {
    if format == OutputFormat::Tsv {
        b'\t'
    } else {
        b','
    }
}

/// A delimited field of text: quoted (with `"` doubled) when it holds the
/// separator, a quote or a line break, starts or ends with a space, or is an
/// empty string (so that it differs from a missing value).
pub(crate) fn csv_text(out: &mut Vec<u8>, text: &str, is_str: bool, sep: u8) {
    let needs_quotes = (is_str && text.is_empty())
        || text
            .bytes()
            .any(|b| b == sep || matches!(b, b'"' | b'\n' | b'\r'))
        || text.starts_with(' ')
        || text.ends_with(' ');
    if !needs_quotes {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    out.push(b'"');
    for b in text.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars_core::prelude::{IntoColumn, NamedFrom};

    fn sample() -> DataFrame {
        DataFrame::new(
            3,
            vec![
                Series::new("name".into(), [Some("x\"y"), None, Some("")]).into_column(),
                Series::new("n".into(), [Some(1i64), None, Some(-3)]).into_column(),
                Series::new("f".into(), [f64::INFINITY, 0.5, 2.0]).into_column(),
                Series::new("b".into(), [Some(true), Some(false), None]).into_column(),
            ],
        )
        .unwrap()
    }

    fn text(df: &DataFrame, format: OutputFormat) -> String {
        let mut out = header(df, format);
        rows(df, format, true, &mut out).unwrap();
        out.extend_from_slice(footer(format, df.height()).as_bytes());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_rules() {
        assert_eq!(
            text(&sample(), OutputFormat::Csv),
            "name,n,f,b\n\"x\"\"y\",1,inf,true\n,,0.5,false\n\"\",-3,2.0,\n"
        );
        let odd = DataFrame::new(
            2,
            vec![
                Series::new("a, b".into(), [" lead", "x\ny"]).into_column(),
                Series::new("g".into(), [1e16f64, -0.0]).into_column(),
                Series::new("h".into(), [1.5f32, 3.0]).into_column(),
            ],
        )
        .unwrap();
        assert_eq!(
            text(&odd, OutputFormat::Csv),
            "\"a, b\",g,h\n\" lead\",10000000000000000,1.5\n\"x\ny\",-0.0,3.0\n"
        );
    }

    #[test]
    fn json_rules() {
        assert_eq!(
            text(&sample(), OutputFormat::Json),
            "[\n{\"name\":\"x\\\"y\",\"n\":1,\"f\":\"inf\",\"b\":true},\n{\"name\":null,\"n\":null,\"f\":0.5,\"b\":false},\n{\"name\":\"\",\"n\":-3,\"f\":2.0,\"b\":null}\n]\n"
        );
        assert_eq!(
            text(&sample().head(Some(1)), OutputFormat::JsonLines),
            "{\"name\":\"x\\\"y\",\"n\":1,\"f\":\"inf\",\"b\":true}\n"
        );
        let empty = sample().head(Some(0));
        assert_eq!(text(&empty, OutputFormat::Json), "[]\n");
        assert_eq!(text(&empty, OutputFormat::Csv), "name,n,f,b\n");
        let mut s = vec![];
        json_string(&mut s, "tab\there\u{1}é");
        assert_eq!(String::from_utf8(s).unwrap(), "\"tab\\there\\u0001é\"");
    }
}
