//! CSV files as partitions: schema inference, splitting the file into byte ranges
//! at line ends (respecting quotes), and reading one range.

use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use partita_common::{DataType, Error, Field, Result, Schema};
use polars_core::prelude::{DataFrame, DataType as PlDataType, Schema as PlSchema};
use polars_io::prelude::{CsvParseOptions, CsvReadOptions, NullValues};
use polars_io::SerReader;

use crate::frame::{from_polars_type, to_polars_type};

/// How a CSV file is laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvFormat {
    /// The first line holds the column names.
    pub has_header: bool,
    /// The field separator.
    pub separator: u8,
    /// The quote character.
    pub quote: u8,
    /// Field texts read as missing (an empty field is always missing).
    pub null_values: Vec<String>,
}

impl Default for CsvFormat {
    fn default() -> Self {
        CsvFormat { has_header: true, separator: b',', quote: b'"', null_values: vec!["NA".into(), "null".into()] }
    }
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io(format!("{}: {e}", path.display()))
}

fn parse_options(format: &CsvFormat) -> CsvParseOptions {
    let mut nulls: Vec<_> = format.null_values.iter().map(|s| s.as_str().into()).collect();
    nulls.push("".into());
    CsvParseOptions::default()
        .with_separator(format.separator)
        .with_quote_char(Some(format.quote))
        .with_null_values(Some(NullValues::AllColumns(nulls)))
        .with_missing_is_null(true)
}

/// Infers the schema from the first `sample_rows` rows, then applies `overrides`
/// (name → type). Types other than bool, integers and floats become strings.
pub fn infer_schema(path: &Path, format: &CsvFormat, sample_rows: usize, overrides: &[(String, DataType)]) -> Result<Schema> {
    let file = File::open(path).map_err(|e| io_err(path, e))?;
    let df = CsvReadOptions::default()
        .with_has_header(format.has_header)
        .with_n_rows(Some(sample_rows))
        .with_infer_schema_length(Some(sample_rows))
        .with_n_threads(Some(1))
        .with_parse_options(parse_options(format))
        .into_reader_with_file_handle(file)
        .finish()
        .map_err(|e| io_err(path, e))?;
    let mut fields: Vec<Field> = df
        .columns()
        .iter()
        .map(|c| Field::new(c.name().as_str(), from_polars_type(c.dtype()).unwrap_or(DataType::Utf8)))
        .map(|f| if f.data_type == DataType::Null { Field::new(f.name, DataType::Utf8) } else { f })
        .collect();
    for (name, t) in overrides {
        match fields.iter_mut().find(|f| &f.name == name) {
            Some(f) => f.data_type = *t,
            None => {
                let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                return Err(Error::column_not_found(name, &names));
            }
        }
    }
    Ok(Schema::new(fields))
}

/// The byte offset where data starts (after the header line, if any).
fn data_start(bytes: &[u8], format: &CsvFormat) -> usize {
    if !format.has_header {
        return 0;
    }
    line_end_after(bytes, 0, format.quote).unwrap_or(bytes.len())
}

/// The offset just past the first newline at or after `from` that is outside quotes,
/// with quote parity counted from offset 0.
fn line_end_after(bytes: &[u8], from: usize, quote: u8) -> Option<usize> {
    let mut in_quotes = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == quote {
            in_quotes = !in_quotes;
        } else if b == b'\n' && !in_quotes && i >= from {
            return Some(i + 1);
        }
    }
    None
}

/// Splits the data of the file into at most `n` byte ranges that start and end at
/// line ends outside quotes. One pass over the file.
pub fn split_ranges(path: &Path, format: &CsvFormat, n: usize) -> Result<Vec<(u64, u64)>> {
    let mut bytes = vec![];
    File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)).map_err(|e| io_err(path, e))?;
    let start = data_start(&bytes, format);
    let len = bytes.len();
    // Every line start outside quotes, found in one pass.
    let mut cuts = vec![start];
    let target = |k: usize| start + (len - start) * k / n;
    let mut k = 1;
    let mut in_quotes = false;
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        if k >= n {
            break;
        }
        if b == format.quote {
            in_quotes = !in_quotes;
        } else if b == b'\n' && !in_quotes && i + 1 >= target(k) {
            if i + 1 < len {
                cuts.push(i + 1);
            }
            while k < n && target(k) <= i + 1 {
                k += 1;
            }
        }
    }
    cuts.push(len);
    cuts.dedup();
    Ok(cuts.windows(2).map(|w| (w[0] as u64, w[1] as u64)).collect())
}

/// Reads the rows in the byte range `[start, end)` with the given schema, keeping
/// only `projection` (indices into the schema) when given.
pub fn read_range(path: &Path, format: &CsvFormat, range: (u64, u64), schema: &Schema, projection: Option<&[usize]>) -> Result<DataFrame> {
    let (start, end) = range;
    let mut file = File::open(path).map_err(|e| io_err(path, e))?;
    file.seek(SeekFrom::Start(start)).map_err(|e| io_err(path, e))?;
    let mut buf = vec![0u8; (end - start) as usize];
    file.read_exact(&mut buf).map_err(|e| io_err(path, e))?;
    let pl_schema: PlSchema = schema
        .fields()
        .iter()
        .map(|f| {
            let t = if f.data_type == DataType::Null { PlDataType::String } else { to_polars_type(f.data_type) };
            polars_core::prelude::Field::new(f.name.as_str().into(), t)
        })
        .collect();
    let options = CsvReadOptions::default()
        .with_has_header(false)
        .with_schema(Some(Arc::new(pl_schema)))
        .with_n_threads(Some(1))
        .with_projection(projection.map(|p| Arc::new(p.to_vec())))
        .with_parse_options(parse_options(format));
    let df = if buf.is_empty() {
        None
    } else {
        Some(options.into_reader_with_file_handle(Cursor::new(buf)).finish().map_err(|e| io_err(path, e))?)
    };
    let fields: Vec<Field> = match projection {
        Some(p) => p.iter().map(|&i| schema.field(i).clone()).collect(),
        None => schema.fields().to_vec(),
    };
    match df {
        Some(df) => Ok(df),
        None => Ok(crate::frame::empty_frame(&Schema::new(fields))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cut_at_line_ends_outside_quotes() {
        let dir = std::env::temp_dir().join(format!("partita-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("q.csv");
        std::fs::write(&path, "a,b\n1,\"x\ny\"\n2,z\n3,w\n4,v\n").unwrap();
        let fmt = CsvFormat::default();
        let schema = infer_schema(&path, &fmt, 100, &[]).unwrap();
        assert_eq!(schema.field(0).data_type, DataType::Int64);
        for n in 1..6 {
            let ranges = split_ranges(&path, &fmt, n).unwrap();
            let mut a = vec![];
            for r in ranges {
                let df = read_range(&path, &fmt, r, &schema, None).unwrap();
                a.extend(df.column("a").unwrap().i64().unwrap().iter().map(|v| v.unwrap()));
            }
            assert_eq!(a, vec![1, 2, 3, 4], "n = {n}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
