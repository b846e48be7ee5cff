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
        CsvFormat {
            has_header: true,
            separator: b',',
            quote: b'"',
            null_values: vec!["NA".into(), "null".into()],
        }
    }
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io(format!("{}: {e}", path.display()))
}

fn parse_options(format: &CsvFormat) -> CsvParseOptions {
    let mut nulls: Vec<_> = format
        .null_values
        .iter()
        .map(|s| s.as_str().into())
        .collect();
    nulls.push("".into());
    CsvParseOptions::default()
        .with_separator(format.separator)
        .with_quote_char(Some(format.quote))
        .with_null_values(Some(NullValues::AllColumns(nulls)))
        .with_missing_is_null(true)
}

/// Infers the schema from the first `sample_rows` rows, then applies `overrides`
/// (name → type). Types other than bool, integers and floats become strings. Also
/// says, per column, whether the sample held a missing value.
pub fn infer_schema(
    path: &Path,
    format: &CsvFormat,
    sample_rows: usize,
    overrides: &[(String, DataType)],
) -> Result<(Schema, Vec<bool>)> {
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
        .map(|c| {
            Field::new(
                c.name().as_str(),
                from_polars_type(c.dtype()).unwrap_or(DataType::Utf8),
            )
        })
        .map(|f| {
            if f.data_type == DataType::Null {
                Field::new(f.name, DataType::Utf8)
            } else {
                f
            }
        })
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
    let nulls = df.columns().iter().map(|c| c.null_count() > 0).collect();
    Ok((Schema::new(fields), nulls))
}

/// Splits the data of the file into at most `n` byte ranges that start and end at
/// line ends outside quotes. One streaming pass over the file (quote parity has to
/// be counted from the start), holding one buffer at a time.
pub fn split_ranges(path: &Path, format: &CsvFormat, n: usize) -> Result<Vec<(u64, u64)>> {
    let file = File::open(path).map_err(|e| io_err(path, e))?;
    let len = file.metadata().map_err(|e| io_err(path, e))?.len();
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut in_quotes = false;
    let mut offset: u64 = 0;
    // Line starts (outside quotes) that become cuts: the data start, then the first
    // line start at or after each even share of the data.
    let mut start: Option<u64> = if format.has_header { None } else { Some(0) };
    let mut cuts: Vec<u64> = start.into_iter().collect();
    let mut k = 1usize;
    let target = |start: u64, k: usize| start + (len - start) * k as u64 / n as u64;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let read = reader.read(&mut buf).map_err(|e| io_err(path, e))?;
        if read == 0 {
            break;
        }
        for (i, &b) in buf[..read].iter().enumerate() {
            if b == format.quote {
                in_quotes = !in_quotes;
            } else if b == b'\n' && !in_quotes {
                let next = offset + i as u64 + 1;
                match start {
                    None => {
                        start = Some(next);
                        cuts.push(next);
                    }
                    Some(s) if k < n && next >= target(s, k) => {
                        if next < len {
                            cuts.push(next);
                        }
                        while k < n && target(s, k) <= next {
                            k += 1;
                        }
                    }
                    _ => {}
                }
            }
        }
        offset += read as u64;
        if start.is_some() && k >= n {
            break;
        }
    }
    if cuts.is_empty() {
        // A header without a newline: no data.
        cuts.push(len);
    }
    cuts.push(len);
    cuts.dedup();
    Ok(cuts.windows(2).map(|w| (w[0], w[1])).collect())
}

/// Reads the rows in the byte range `[start, end)` with the given schema, keeping
/// only `projection` (indices into the schema) when given.
pub fn read_range(
    path: &Path,
    format: &CsvFormat,
    range: (u64, u64),
    schema: &Schema,
    projection: Option<&[usize]>,
) -> Result<DataFrame> {
    let (start, end) = range;
    let mut file = File::open(path).map_err(|e| io_err(path, e))?;
    file.seek(SeekFrom::Start(start))
        .map_err(|e| io_err(path, e))?;
    let mut buf = vec![0u8; (end - start) as usize];
    file.read_exact(&mut buf).map_err(|e| io_err(path, e))?;
    let pl_schema: PlSchema = schema
        .fields()
        .iter()
        .map(|f| {
            let t = if f.data_type == DataType::Null {
                PlDataType::String
            } else {
                to_polars_type(f.data_type)
            };
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
        Some(
            options
                .into_reader_with_file_handle(Cursor::new(buf))
                .finish()
                .map_err(|e| io_err(path, e))?,
        )
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
        let (schema, nulls) = infer_schema(&path, &fmt, 100, &[]).unwrap();
        assert_eq!(nulls, vec![false, false]);
        assert_eq!(schema.field(0).data_type, DataType::Int64);
        for n in 1..6 {
            let ranges = split_ranges(&path, &fmt, n).unwrap();
            let mut a = vec![];
            for r in ranges {
                let df = read_range(&path, &fmt, r, &schema, None).unwrap();
                a.extend(
                    df.column("a")
                        .unwrap()
                        .i64()
                        .unwrap()
                        .iter()
                        .map(|v| v.unwrap()),
                );
            }
            assert_eq!(a, vec![1, 2, 3, 4], "n = {n}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
