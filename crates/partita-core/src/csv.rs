//! CSV files as partitions: schema inference, splitting the file into byte ranges
//! at line ends (respecting quotes), and reading one range.

use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use std::collections::HashSet;

use partita_common::{temporal, CsvNulls, DataType, Error, Field, Result, Schema, Semantics};
use polars_core::prelude::{DataFrame, DataType as PlDataType, Schema as PlSchema};
use polars_io::prelude::{CsvParseOptions, CsvReadOptions, NullValues};
use polars_io::SerReader;

use crate::frame::to_polars_type;

/// How a CSV file is laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvFormat {
    /// The first line holds the column names.
    pub has_header: bool,
    /// The field separator.
    pub separator: u8,
    /// The quote character.
    pub quote: u8,
    /// Field texts read as missing (an empty field is always missing); `None`: the
    /// semantics' `csv_nulls` list ([`default_null_values`]).
    pub null_values: Option<Vec<String>>,
    /// Infer Spark's types too (`csv_types = extended`): whole numbers that fit 32
    /// bits as `int`, ISO dates as `date`, ISO date-times as `timestamp`; pandas'
    /// reader has only int64, float64, bool and text.
    pub extended_types: bool,
}

impl Default for CsvFormat {
    fn default() -> Self {
        CsvFormat {
            has_header: true,
            separator: b',',
            quote: b'"',
            null_values: None,
            extended_types: false,
        }
    }
}

/// The texts a CSV reader takes as missing by default: pandas' `na_values` list
/// (`read_csv`'s `STR_NA_VALUES`), or, as Spark's reader, none but the empty field.
pub fn default_null_values(sem: &Semantics) -> Vec<String> {
    match sem.csv_nulls {
        CsvNulls::NaValues => [
            "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
            "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        CsvNulls::Empty => vec![],
    }
}

/// What every text of a column can be read as, widened over the rows seen:
/// missing < boolean, and missing < integer < float; any other mix is text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Missing,
    Bool,
    /// A whole number that fits 32 bits (Spark's `int` under extended types).
    Int32,
    Int,
    Float,
    /// `YYYY-MM-DD` (extended types).
    Date,
    /// `YYYY-MM-DD HH:MM[:SS[.f]]` (extended types).
    Timestamp,
    Text,
}

impl Kind {
    fn of(field: &[u8], nulls: &HashSet<&[u8]>, extended: bool) -> Kind {
        if field.is_empty() || nulls.contains(field) {
            return Kind::Missing;
        }
        let Ok(text) = std::str::from_utf8(field) else {
            return Kind::Text;
        };
        if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") {
            Kind::Bool
        } else if let Ok(i) = text.parse::<i64>() {
            if extended && i32::try_from(i).is_ok() {
                Kind::Int32
            } else {
                Kind::Int
            }
        } else if (text.bytes().any(|b| b.is_ascii_digit()) && text.parse::<f64>().is_ok())
            || matches!(
                text,
                "NaN" | "inf" | "-inf" | "Inf" | "-Inf" | "Infinity" | "-Infinity"
            )
        {
            // Numbers, and the spellings of NaN and infinities the readers know
            // (not any case: `NAN` is text to pandas).
            Kind::Float
        } else if extended && is_iso_date(text) {
            Kind::Date
        } else if extended
            && text.len() > 10
            && text.get(..10).is_some_and(is_iso_date)
            && temporal::parse_timestamp(text).is_some_and(|(_, off)| off.is_none())
        {
            Kind::Timestamp
        } else {
            Kind::Text
        }
    }

    fn widen(self, other: Kind) -> Kind {
        use Kind::*;
        match (self, other) {
            (Missing, k) | (k, Missing) => k,
            (a, b) if a == b => a,
            (Int32, Int) | (Int, Int32) => Int,
            (Int32 | Int, Float) | (Float, Int32 | Int) => Float,
            (Date, Timestamp) | (Timestamp, Date) => Timestamp,
            _ => Text,
        }
    }

    fn data_type(self) -> DataType {
        match self {
            Kind::Bool => DataType::Boolean,
            Kind::Int32 => DataType::Int32,
            Kind::Int => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Date => DataType::Date,
            Kind::Timestamp => DataType::Timestamp(partita_common::TimeUnit::Microsecond, None),
            Kind::Missing | Kind::Text => DataType::Utf8,
        }
    }
}

/// `YYYY-MM-DD` exactly (Spark's default `dateFormat`), a real date.
fn is_iso_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && temporal::parse_date(text).is_some()
}

/// Reads the data rows (after the header) once and gives, per column, the type
/// every one of its texts can be read as (an integer column with `1.5` at row
/// 1,501 is a float column) and whether any text is missing: the whole file
/// decides, as pandas and Spark's `inferSchema` do. `max_rows` stops early.
fn scan_kinds(
    path: &Path,
    format: &CsvFormat,
    columns: usize,
    max_rows: Option<usize>,
) -> Result<(Vec<Kind>, Vec<bool>)> {
    let null_values = format.null_values.clone().unwrap_or_default();
    let nulls: HashSet<&[u8]> = null_values.iter().map(|s| s.as_bytes()).collect();
    let mut kinds = vec![Kind::Missing; columns];
    let mut missing = vec![false; columns];
    let file = File::open(path).map_err(|e| io_err(path, e))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut buf = vec![0u8; 1 << 20];
    let mut field: Vec<u8> = Vec::new();
    let (mut in_quotes, mut after_quote) = (false, false);
    let (mut col, mut row) = (0usize, 0usize);
    // The file's line of the record being read (1-based; quoted line breaks count).
    let (mut line, mut record_line) = (1usize, 1usize);
    let too_many = |fields: usize, at: usize| {
        io_err(
            path,
            format!("line {at} has {fields} fields, more than the file's {columns} columns"),
        )
    };
    let mut skip_header = format.has_header;
    let mut end_field = |field: &mut Vec<u8>, col: usize, skip: bool| {
        if !skip && col < columns {
            let k = Kind::of(field, &nulls, format.extended_types);
            missing[col] |= k == Kind::Missing;
            kinds[col] = kinds[col].widen(k);
        }
        field.clear();
    };
    'read: loop {
        let read = reader.read(&mut buf).map_err(|e| io_err(path, e))?;
        if read == 0 {
            break;
        }
        for &b in &buf[..read] {
            if b == b'\n' {
                line += 1;
            }
            if in_quotes {
                if b == format.quote {
                    in_quotes = false;
                    after_quote = true;
                } else {
                    field.push(b);
                }
                continue;
            }
            if b == format.quote {
                // A doubled quote inside a quoted field is one quote.
                if after_quote {
                    field.push(b);
                }
                in_quotes = true;
                after_quote = false;
                continue;
            }
            after_quote = false;
            if b == format.separator {
                end_field(&mut field, col, skip_header);
                col += 1;
            } else if b == b'\n' {
                if field.last() == Some(&b'\r') {
                    field.pop();
                }
                // A blank line is no row.
                if !(col == 0 && field.is_empty()) {
                    if col >= columns {
                        return Err(too_many(col + 1, record_line));
                    }
                    end_field(&mut field, col, skip_header);
                    if !skip_header {
                        row += 1;
                    }
                    skip_header = false;
                }
                col = 0;
                record_line = line;
                if max_rows.is_some_and(|m| row >= m) {
                    break 'read;
                }
            } else {
                field.push(b);
            }
        }
    }
    // A last record without a line end.
    let unfinished = col > 0 || !field.is_empty();
    if unfinished && !skip_header {
        if col >= columns {
            return Err(too_many(col + 1, record_line));
        }
        end_field(&mut field, col, false);
    }
    Ok((kinds, missing))
}

/// The file's first record (up to its first line end outside quotes), after a
/// line end that the reader is told to skip. Polars takes a text that starts
/// with a compression magic (`x^`, `x\x01`, ...) for a compressed file; a line end
/// first is no magic, so `x^2` can be a column name. [`read_range`] does the same.
fn first_record(path: &Path, format: &CsvFormat) -> Result<Vec<u8>> {
    let mut file = File::open(path).map_err(|e| io_err(path, e))?;
    let mut bytes = vec![b'\n'];
    let mut chunk = vec![0u8; 1 << 16];
    let mut in_quotes = false;
    loop {
        let read = file.read(&mut chunk).map_err(|e| io_err(path, e))?;
        if read == 0 {
            return Ok(bytes);
        }
        for (i, &b) in chunk[..read].iter().enumerate() {
            if b == format.quote {
                in_quotes = !in_quotes;
            } else if b == b'\n' && !in_quotes {
                bytes.extend_from_slice(&chunk[..=i]);
                return Ok(bytes);
            }
        }
        bytes.extend_from_slice(&chunk[..read]);
    }
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io(format!("{}: {e}", path.display()))
}

fn parse_options(format: &CsvFormat) -> CsvParseOptions {
    let mut nulls: Vec<_> = format
        .null_values
        .iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .map(|s| s.as_str().into())
        .collect();
    nulls.push("".into());
    CsvParseOptions::default()
        .with_separator(format.separator)
        .with_quote_char(Some(format.quote))
        .with_null_values(Some(NullValues::AllColumns(nulls)))
        .with_missing_is_null(true)
}

/// Infers the schema from every row (or the first `sample_rows` when given): a
/// column is boolean, integer or float when every text in it reads as one (an
/// integer column with `1.5` anywhere is float), else text; then applies
/// `overrides` (name → type). Also says, per column, whether a text is missing
/// (`format.null_values`, resolved by the caller, or the empty field).
pub fn infer_schema(
    path: &Path,
    format: &CsvFormat,
    sample_rows: Option<usize>,
    overrides: &[(String, DataType)],
) -> Result<(Schema, Vec<bool>)> {
    // The column names (and how many there are), from the first record.
    let header = CsvReadOptions::default()
        .with_has_header(format.has_header)
        .with_skip_lines(1)
        .with_n_rows(Some(1))
        .with_infer_schema_length(Some(0))
        .with_n_threads(Some(1))
        // Only the names and their count: a long line further on is for
        // `scan_kinds` to report, with its line number.
        .with_parse_options(parse_options(format).with_truncate_ragged_lines(true))
        .into_reader_with_file_handle(Cursor::new(first_record(path, format)?))
        .finish()
        .map_err(|e| io_err(path, e))?;
    let (kinds, nulls) = scan_kinds(path, format, header.width(), sample_rows)?;
    let mut fields: Vec<Field> = header
        .columns()
        .iter()
        .zip(&kinds)
        .map(|(c, k)| Field::new(c.name().as_str(), k.data_type()))
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
    // A line end first, which the reader skips: see `first_record`.
    // Room for a line end after the range too, so adding one never copies it.
    let len = (end - start) as usize;
    let mut buf = Vec::with_capacity(len + 2);
    buf.resize(len + 1, 0u8);
    buf[0] = b'\n';
    file.read_exact(&mut buf[1..])
        .map_err(|e| io_err(path, e))?;
    // The reader checks the field count of a line only at its line end: the
    // file's last line gets one, so it is checked wherever the file was cut.
    if buf.last().is_some_and(|&b| b != b'\n') {
        buf.push(b'\n');
    }
    let pl_schema: PlSchema = schema
        .fields()
        .iter()
        .map(|f| {
            // Dates and times are read as text and parsed by Partita's own parser.
            let t = if f.data_type == DataType::Null
                || f.data_type.is_temporal()
                || matches!(f.data_type, DataType::Duration(_))
            {
                PlDataType::String
            } else {
                to_polars_type(f.data_type)
            };
            polars_core::prelude::Field::new(f.name.as_str().into(), t)
        })
        .collect();
    let options = CsvReadOptions::default()
        .with_has_header(false)
        .with_skip_lines(1)
        .with_schema(Some(Arc::new(pl_schema)))
        .with_n_threads(Some(1))
        .with_projection(projection.map(|p| Arc::new(p.to_vec())))
        .with_parse_options(parse_options(format));
    let df = if start == end {
        None
    } else {
        Some(
            options
                .into_reader_with_file_handle(Cursor::new(buf))
                .finish()
                .map_err(|e| {
                    // Polars' two ways of saying it (the second when the range
                    // starts with such a line), neither with the line.
                    let text = e.to_string();
                    if text.contains("found more fields than defined")
                        || text.contains("provided schema does not match number of columns")
                    {
                        io_err(
                            path,
                            format!(
                                "a line has more fields than the file's {} columns",
                                schema.len()
                            ),
                        )
                    } else {
                        io_err(path, e)
                    }
                })?,
        )
    };
    let fields: Vec<Field> = match projection {
        Some(p) => p.iter().map(|&i| schema.field(i).clone()).collect(),
        None => schema.fields().to_vec(),
    };
    match df {
        Some(df) => {
            if !fields.iter().any(|f| f.data_type.is_temporal()) {
                return Ok(df);
            }
            let height = df.height();
            let cols = df
                .columns()
                .iter()
                .zip(&fields)
                .map(|(c, f)| {
                    let s = c.as_materialized_series();
                    if f.data_type.is_temporal() {
                        crate::temporal::parse_text(s, f.data_type, None)
                            .map_err(|e| io_err(path, format!("column '{}': {e}", f.name)))
                    } else {
                        Ok(s.clone())
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            crate::frame::frame_with_height(height, cols)
        }
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
        let (schema, nulls) = infer_schema(&path, &fmt, None, &[]).unwrap();
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

    #[test]
    fn every_row_decides_a_type_and_missing_values() {
        let dir = std::env::temp_dir().join(format!("partita-csv-kinds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.csv");
        let mut text = String::from("i,f,b,s,m,q\n");
        for r in 0..3000 {
            let f = if r == 1500 {
                "1.5".to_string()
            } else {
                r.to_string()
            };
            let m = if r == 2500 {
                String::new()
            } else {
                r.to_string()
            };
            text.push_str(&format!("{r},{f},{},x{r},{m},\"a,\"\"b\"\n", r % 2 == 0));
        }
        std::fs::write(&path, text).unwrap();
        let pandas = CsvFormat {
            null_values: Some(default_null_values(&Semantics::pandas())),
            ..CsvFormat::default()
        };
        let (schema, nulls) = infer_schema(&path, &pandas, None, &[]).unwrap();
        let types: Vec<DataType> = schema.fields().iter().map(|f| f.data_type).collect();
        use DataType::*;
        assert_eq!(types, [Int64, Float64, Boolean, Utf8, Int64, Utf8]);
        assert_eq!(nulls, [false, false, false, false, true, false]);
        // A sample of the first rows sees neither the 1.5 nor the missing value.
        let (schema, nulls) = infer_schema(&path, &pandas, Some(1000), &[]).unwrap();
        assert_eq!(schema.field(1).data_type, Int64);
        assert!(!nulls[4]);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn missing_value_texts_follow_the_semantics() {
        let nulls: Vec<String> = default_null_values(&Semantics::pandas());
        let set: HashSet<&[u8]> = nulls.iter().map(|s| s.as_bytes()).collect();
        for t in [
            "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A", "<NA>", "-1.#IND",
        ] {
            assert_eq!(Kind::of(t.as_bytes(), &set, false), Kind::Missing, "{t}");
        }
        for t in ["na", "Null", "NAN", "none"] {
            assert_eq!(Kind::of(t.as_bytes(), &set, false), Kind::Text, "{t}");
        }
        let empty: HashSet<&[u8]> = HashSet::new();
        assert!(default_null_values(&Semantics::spark()).is_empty());
        assert_eq!(Kind::of(b"NA", &empty, true), Kind::Text);
        assert_eq!(Kind::of(b"NaN", &empty, true), Kind::Float);
        assert_eq!(Kind::of(b"", &empty, true), Kind::Missing);
        assert_eq!(Kind::of(b"True", &empty, true), Kind::Bool);
        assert_eq!(Kind::of(b"7", &empty, true), Kind::Int32);
        assert_eq!(Kind::of(b"7", &empty, false), Kind::Int);
        assert_eq!(Kind::of(b"2024-02-29", &empty, true), Kind::Date);
        assert_eq!(Kind::of(b"2023-02-29", &empty, true), Kind::Text);
        assert_eq!(Kind::of(b"2024-02-29", &empty, false), Kind::Text);
        assert_eq!(
            Kind::of(b"2024-02-29 10:00:00", &empty, true),
            Kind::Timestamp
        );
        assert_eq!(Kind::Date.widen(Kind::Timestamp), Kind::Timestamp);
        assert_eq!(Kind::Int32.widen(Kind::Float), Kind::Float);
    }
}
