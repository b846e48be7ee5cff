//! Parquet files as partitions: the footer (schema, row groups and their column
//! statistics) is read once; each partition then decodes a run of row groups with
//! only the columns it needs. Also writes one partition to a Parquet or CSV file.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use partita_common::{catch_library_panic, DataType, Error, Result, ScalarValue, Schema};
use polars_core::prelude::{DataFrame, DataType as PlDataType};
use polars_io::parquet::read::{FileMetadata, ParallelStrategy, ParquetReader};
use polars_io::parquet::write::ParquetWriter;
use polars_io::prelude::CsvWriter;
use polars_io::{SerReader, SerWriter};
use polars_parquet::parquet::statistics::Statistics;

use crate::frame::{pl_err, schema_of, to_polars_type};

fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io(format!("{}: {e}", path.display()))
}

/// Runs a call into the Parquet reader, its panic an error: on some corrupt files
/// (a damaged footer, say) the reader panics where it should fail.
fn guarded<T>(path: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_library_panic(f)
        .unwrap_or_else(|msg| Err(io_err(path, format!("not a readable Parquet file: {msg}"))))
}

/// What a row group's statistics say about one column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnStats {
    /// The smallest non-missing value, when recorded.
    pub min: Option<ScalarValue>,
    /// The largest non-missing value, when recorded.
    pub max: Option<ScalarValue>,
    /// The number of missing values, when recorded.
    pub null_count: Option<i64>,
}

/// An opened Parquet file: its footer and its schema as Partita types.
#[derive(Debug, Clone)]
pub struct ParquetFile {
    path: PathBuf,
    metadata: Arc<FileMetadata>,
    schema: Schema,
    /// Each column's type as stored (logical type included): an unsigned column's
    /// statistics are read as unsigned, and its values checked on the way to i64.
    stored: Vec<PlDataType>,
}

impl ParquetFile {
    /// Reads the footer of `path`.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        guarded(&path, || Self::open_footer(&path))
    }

    fn open_footer(path: &Path) -> Result<Self> {
        check_footer(path)?;
        let file = File::open(path).map_err(|e| io_err(path, e))?;
        let mut reader = ParquetReader::new(file);
        let metadata = reader
            .get_metadata()
            .map_err(|e| io_err(path, format!("not a readable Parquet file: {e}")))?
            .clone();
        check_row_counts(path, &metadata)?;
        // Columns of types the kernel library does not read (it would panic on them)
        // are left out of every read: they are `Unsupported` in the schema.
        let arrow = polars_parquet::arrow::read::infer_schema(&metadata)
            .map_err(|e| io_err(path, format!("unreadable schema: {e}")))?;
        let readable: Vec<usize> = arrow
            .iter_values()
            .enumerate()
            .filter(|(_, f)| kernel_reads(&f.dtype))
            .map(|(i, _)| i)
            .collect();
        // An empty slice decodes nothing and yields the file's columns with their types.
        let empty = reader
            .with_projection(Some(readable.clone()))
            .with_slice(Some((0, 0)))
            .finish()
            .map_err(|e| io_err(path, e))?;
        let read_schema = schema_of(&empty).map_err(|e| io_err(path, e))?;
        let mut fields = vec![];
        let mut stored = vec![];
        let mut next = 0;
        for (i, f) in arrow.iter_values().enumerate() {
            if readable.get(next) == Some(&i) {
                fields.push(read_schema.field(next).clone());
                stored.push(empty.columns()[next].dtype().clone());
                next += 1;
            } else {
                let name = partita_common::intern(&format!("{:?}", f.dtype).to_ascii_lowercase());
                fields.push(partita_common::Field::new(
                    f.name.as_str(),
                    DataType::Unsupported(name),
                ));
                stored.push(PlDataType::Null);
            }
        }
        // pandas' categoricals: their categories, in order, from the dictionaries.
        for (name, ordered) in pandas_categoricals(&metadata) {
            let Some(i) = fields.iter().position(|f| f.name == name) else {
                continue;
            };
            if fields[i].data_type != DataType::Utf8 {
                continue;
            }
            if let Some(values) = dictionary_values(path, &metadata, &name)? {
                let categories = partita_common::Categories::new(values, ordered)?;
                fields[i].data_type = DataType::Categorical(categories);
            }
        }
        let schema = Schema::new(fields);
        Ok(ParquetFile {
            path: path.to_path_buf(),
            metadata,
            schema,
            stored,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The columns, as Partita types (narrower integers and floats widen on read).
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The number of rows of each row group, in file order.
    pub fn row_group_rows(&self) -> Vec<usize> {
        self.metadata
            .row_groups
            .iter()
            .map(|rg| rg.num_rows())
            .collect()
    }

    /// The total number of rows.
    pub fn num_rows(&self) -> usize {
        self.metadata.num_rows
    }

    /// The statistics of column `column` (an index into [`Self::schema`]) in row
    /// group `row_group`, when the file records them for a flat column.
    pub fn column_stats(&self, row_group: usize, column: usize) -> Option<ColumnStats> {
        let rg = self.metadata.row_groups.get(row_group)?;
        let name = &self.schema.field(column).name;
        let idx = rg.columns_idxs_under_root_iter(name)?;
        let [idx] = idx else {
            return None;
        };
        let chunk = rg.parquet_columns().get(*idx)?;
        // Statistics a damaged file makes the reader panic on are no statistics.
        let stats = catch_library_panic(|| chunk.statistics(&self.metadata.footer_buf))
            .ok()??
            .ok()?;
        if let DataType::Decimal(_, scale) = self.schema.field(column).data_type {
            return Some(decimal_stats(&stats, scale));
        }
        let utf8 = |v: &Option<Vec<u8>>| {
            v.as_ref()
                .and_then(|b| std::str::from_utf8(b).ok())
                .map(|s| ScalarValue::Utf8(Some(s.to_string())))
        };
        // Unsigned columns are stored in signed physical types: their statistics
        // are the same bits read as unsigned (the logical type says so).
        let unsigned = matches!(
            self.stored.get(column),
            Some(PlDataType::UInt8 | PlDataType::UInt16 | PlDataType::UInt32 | PlDataType::UInt64)
        );
        let int = |v: i64| ScalarValue::Int64(Some(v));
        Some(match stats {
            Statistics::Int32(s) => {
                let read = |v: i32| int(if unsigned { v as u32 as i64 } else { v as i64 });
                ColumnStats {
                    min: s.min_value.map(read),
                    max: s.max_value.map(read),
                    null_count: s.null_count,
                }
            }
            // A u64 above i64::MAX has no i64 form: no bound then (and reading
            // such a value is an error, see `read`).
            Statistics::Int64(s) => {
                let read = |v: i64| (!unsigned || v >= 0).then(|| int(v));
                ColumnStats {
                    min: s.min_value.and_then(read),
                    max: s.max_value.and_then(read),
                    null_count: s.null_count,
                }
            }
            Statistics::Double(s) => ColumnStats {
                min: s.min_value.map(|v| ScalarValue::Float64(Some(v))),
                max: s.max_value.map(|v| ScalarValue::Float64(Some(v))),
                null_count: s.null_count,
            },
            Statistics::Float(s) => ColumnStats {
                min: s.min_value.map(|v| ScalarValue::Float64(Some(v.into()))),
                max: s.max_value.map(|v| ScalarValue::Float64(Some(v.into()))),
                null_count: s.null_count,
            },
            Statistics::Binary(s)
                if self.schema.field(column).data_type == partita_common::DataType::Utf8 =>
            {
                ColumnStats {
                    min: utf8(&s.min_value),
                    max: utf8(&s.max_value),
                    null_count: s.null_count,
                }
            }
            Statistics::Binary(s) => ColumnStats {
                min: None,
                max: None,
                null_count: s.null_count,
            },
            Statistics::Boolean(s) => ColumnStats {
                min: s.min_value.map(|v| ScalarValue::Boolean(Some(v))),
                max: s.max_value.map(|v| ScalarValue::Boolean(Some(v))),
                null_count: s.null_count,
            },
            Statistics::FixedLen(s) => ColumnStats {
                min: None,
                max: None,
                null_count: s.null_count,
            },
            Statistics::Int96(s) => ColumnStats {
                min: None,
                max: None,
                null_count: s.null_count,
            },
        })
    }

    /// For each column, whether some row group may hold a missing value (true when
    /// a row group records no null count).
    pub fn columns_with_nulls(&self) -> Vec<bool> {
        (0..self.schema.len())
            .map(|c| {
                (0..self.metadata.row_groups.len())
                    .any(|rg| self.column_stats(rg, c).and_then(|s| s.null_count) != Some(0))
            })
            .collect()
    }

    /// Decodes `rows` rows from row `offset` on, only the `projection` columns
    /// (indices into [`Self::schema`]; `None`: all), typed as the schema says. Only
    /// the row groups that overlap the rows are read.
    pub fn read(
        &self,
        offset: usize,
        rows: usize,
        projection: Option<&[usize]>,
    ) -> Result<DataFrame> {
        guarded(&self.path, || self.read_rows(offset, rows, projection))
    }

    fn read_rows(
        &self,
        offset: usize,
        rows: usize,
        projection: Option<&[usize]>,
    ) -> Result<DataFrame> {
        self.check_pages(offset, rows, projection)?;
        let wanted: Vec<usize> = match projection {
            Some(p) => p.to_vec(),
            None => (0..self.schema.len()).collect(),
        };
        if let Some(field) = wanted
            .iter()
            .map(|&i| self.schema.field(i))
            .find(|f| matches!(f.data_type, DataType::Unsupported(_)))
        {
            return Err(Error::NotImplemented(format!(
                "{}: column '{}' has the type {}, which Partita does not read yet; select the other columns",
                self.path.display(),
                field.name,
                field.data_type
            )));
        }
        let projection = Some(wanted.as_slice());
        let file = File::open(&self.path).map_err(|e| io_err(&self.path, e))?;
        let mut reader = ParquetReader::new(file);
        reader.set_metadata(self.metadata.clone());
        let df = reader
            .with_projection(projection.map(<[usize]>::to_vec))
            .with_slice(Some((offset, rows)))
            // Partitions are already read in parallel, one task each.
            .read_parallel(ParallelStrategy::None)
            .finish()
            .map_err(|e| io_err(&self.path, e))?;
        let height = df.height();
        let cols = df
            .columns()
            .iter()
            .zip(wanted)
            .map(|(c, i)| {
                let field = self.schema.field(i);
                let s = c.as_materialized_series();
                let want = to_polars_type(field.data_type);
                if s.dtype() == &want {
                    return Ok(s.clone());
                }
                // Strict: a u64 above i64::MAX must not turn into a null.
                s.strict_cast(&want).map_err(|_| {
                    let bad = s
                        .cast(&want)
                        .ok()
                        .and_then(|w| {
                            let lost = w.is_null() & s.is_not_null();
                            let row = lost.iter().position(|b| b == Some(true));
                            row
                        })
                        .and_then(|row| s.get(row).ok().map(|v| v.to_string()))
                        .unwrap_or_default();
                    Error::NotImplemented(format!(
                        "{}: column '{}' ({}) holds {bad}, which has no {} form; Partita reads unsigned integers as 64-bit signed ones",
                        self.path.display(),
                        s.name(),
                        s.dtype(),
                        self.schema.field(i).data_type
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        crate::frame::frame_with_height(height, cols)
    }

    /// Reads the page headers of the column chunks that a read of `rows` rows from
    /// `offset` decodes (`projection`: indices into the schema) and refuses counts
    /// that cannot be true: a negative size or count, a data page with more values
    /// than its column chunk, a dictionary with more values than its page has
    /// bits. The reader trusts them and sizes its buffers by them (a negative
    /// count becomes 2^64 - n), and a failed allocation aborts the process. Only
    /// the headers are read (a seek past each page).
    fn check_pages(&self, offset: usize, rows: usize, projection: Option<&[usize]>) -> Result<()> {
        use std::io::{BufReader, Seek};

        let names: Vec<&str> = match projection {
            Some(p) => p
                .iter()
                .map(|&i| self.schema.field(i).name.as_str())
                .collect(),
            None => self.schema.names(),
        };
        let mut file = BufReader::with_capacity(
            1 << 13,
            File::open(&self.path).map_err(|e| io_err(&self.path, e))?,
        );
        let damaged = |what: String| {
            Err(io_err(
                &self.path,
                format!("not a readable Parquet file: {what}"),
            ))
        };
        let mut first = 0;
        for (g, rg) in self.metadata.row_groups.iter().enumerate() {
            let last = first + rg.num_rows();
            let overlaps = first < offset + rows && offset < last;
            first = last;
            if !overlaps {
                continue;
            }
            for name in &names {
                let Some(idxs) = rg.columns_idxs_under_root_iter(name) else {
                    continue;
                };
                for &c in idxs {
                    let chunk = &rg.parquet_columns()[c];
                    let values = chunk.num_values();
                    let range = chunk.byte_range();
                    let mut at = range.start;
                    while at < range.end {
                        let Ok(header) = page_header(&mut file, &self.path, at, range.end)? else {
                            // The reader reports an unreadable header itself.
                            break;
                        };
                        let body = header.compressed_page_size;
                        let where_ = format!("row group {g}, column '{name}', page at byte {at}");
                        if body < 0 || header.uncompressed_page_size < 0 {
                            return damaged(format!("{where_} has a negative size"));
                        }
                        let counts = [
                            header.data_page_header.as_ref().map(|h| h.num_values),
                            header.data_page_header_v2.as_ref().map(|h| h.num_values),
                            header.data_page_header_v2.as_ref().map(|h| h.num_nulls),
                            header.data_page_header_v2.as_ref().map(|h| h.num_rows),
                        ];
                        if let Some(n) = counts
                            .into_iter()
                            .flatten()
                            .find(|&n| n < 0 || i64::from(n) > values)
                        {
                            return damaged(format!(
                                "{where_} counts {n} values, its column chunk {values}"
                            ));
                        }
                        if let Some(h) = &header.data_page_header_v2 {
                            let levels = i64::from(h.definition_levels_byte_length)
                                + i64::from(h.repetition_levels_byte_length);
                            if h.definition_levels_byte_length < 0
                                || h.repetition_levels_byte_length < 0
                                || levels > i64::from(body)
                            {
                                return damaged(format!("{where_} has impossible level lengths"));
                            }
                        }
                        if let Some(h) = &header.dictionary_page_header {
                            let bits = i64::from(header.uncompressed_page_size) * 8;
                            if h.num_values < 0 || i64::from(h.num_values) > bits {
                                return damaged(format!(
                                    "{where_} holds a dictionary of {} values in {} bytes",
                                    h.num_values, header.uncompressed_page_size
                                ));
                            }
                        }
                        let after = file.stream_position().map_err(|e| io_err(&self.path, e))?;
                        at = after + body as u64;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Decodes the footer with the checked thrift decoder first: it refuses a list
/// longer than the footer could hold, where the reader's own decoder sizes
/// its vectors by the length it reads (a damaged one asked for 35 GB, and the
/// failed allocation aborts the process). A file too short to have a footer is
/// left to the reader's error.
fn check_footer(path: &Path) -> Result<()> {
    use polars_parquet_format::thrift::protocol::TCompactInputProtocol;
    use std::io::{Read, Seek, SeekFrom};

    let mut file = File::open(path).map_err(|e| io_err(path, e))?;
    let size = file.seek(SeekFrom::End(0)).map_err(|e| io_err(path, e))?;
    if size < 12 {
        return Ok(());
    }
    let mut tail = [0u8; 8];
    file.seek(SeekFrom::End(-8))
        .and_then(|_| file.read_exact(&mut tail))
        .map_err(|e| io_err(path, e))?;
    let len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if &tail[4..] != b"PAR1" || len > size - 12 {
        return Ok(());
    }
    let mut footer = vec![0u8; len as usize];
    file.seek(SeekFrom::End(-8 - len as i64))
        .and_then(|_| file.read_exact(&mut footer))
        .map_err(|e| io_err(path, e))?;
    // Its budget charges 8 bytes per list element and per byte string's byte, 2
    // per field: 8 per footer byte admits every true footer, and no list longer
    // than the footer.
    let mut prot = TCompactInputProtocol::new(footer.as_slice(), footer.len() * 8);
    polars_parquet_format::FileMetaData::read_from_in_protocol(&mut prot)
        .map(|_| ())
        .map_err(|e| {
            io_err(
                path,
                format!("not a readable Parquet file: damaged footer ({e})"),
            )
        })
}

/// Refuses a footer whose row counts cannot be true: a flat column chunk holds one
/// value (or null) per row of its row group, and a row group holds at most what
/// the reader can index (2^32 - 1 rows). The reader would otherwise size its
/// buffers by a damaged count and abort the process when the allocation fails.
fn check_row_counts(path: &Path, metadata: &FileMetadata) -> Result<()> {
    for (i, rg) in metadata.row_groups.iter().enumerate() {
        let rows = rg.num_rows();
        let damaged = |what: String| {
            Err(io_err(
                path,
                format!("not a readable Parquet file: row group {i} has {rows} rows, but {what}"),
            ))
        };
        if u32::try_from(rows).is_err() {
            return damaged("a row group holds at most 4,294,967,295".into());
        }
        for c in rg.parquet_columns() {
            let values = c.num_values();
            if c.descriptor().descriptor.max_rep_level == 0 && values != rows as i64 {
                return damaged(format!(
                    "its column '{}' holds {values} values",
                    c.descriptor().path_in_schema.join(".")
                ));
            }
        }
    }
    Ok(())
}

/// A decimal's unscaled value stored as big-endian two's complement bytes (at
/// most 16).
fn unscaled_from_be_bytes(b: &[u8]) -> Option<i128> {
    if b.is_empty() || b.len() > 16 {
        return None;
    }
    let fill = if b[0] & 0x80 != 0 { 0xff } else { 0 };
    let mut full = [fill; 16];
    full[16 - b.len()..].copy_from_slice(b);
    Some(i128::from_be_bytes(full))
}

/// A decimal column's bounds as doubles, for the comparisons a filter makes: a
/// decimal meets a number as a double (`scalar::comparable_views`), and rounding
/// keeps order, so a double bound excludes what the exact one does. The bounds
/// are stored unscaled (INT32, INT64, or big-endian two's complement bytes); the
/// double is widened by two units in the last place on its side, since the
/// kernel's own conversion may round the other way.
fn decimal_stats(stats: &Statistics, scale: u8) -> ColumnStats {
    let (min, max, null_count) = match stats {
        Statistics::Int32(s) => (
            s.min_value.map(i128::from),
            s.max_value.map(i128::from),
            s.null_count,
        ),
        Statistics::Int64(s) => (
            s.min_value.map(i128::from),
            s.max_value.map(i128::from),
            s.null_count,
        ),
        Statistics::FixedLen(s) => (
            s.min_value.as_deref().and_then(unscaled_from_be_bytes),
            s.max_value.as_deref().and_then(unscaled_from_be_bytes),
            s.null_count,
        ),
        Statistics::Binary(s) => (
            s.min_value.as_deref().and_then(unscaled_from_be_bytes),
            s.max_value.as_deref().and_then(unscaled_from_be_bytes),
            s.null_count,
        ),
        other => (None, None, other.null_count()),
    };
    let double = |v: i128, outward: f64| {
        let mut x = v as f64 / 10f64.powi(i32::from(scale));
        for _ in 0..2 {
            x = if outward < 0.0 {
                x.next_down()
            } else {
                x.next_up()
            };
        }
        ScalarValue::Float64(Some(x))
    };
    ColumnStats {
        min: min.map(|v| double(v, -1.0)),
        max: max.map(|v| double(v, 1.0)),
        null_count,
    }
}

/// The header of the page at byte `at` of a column chunk ending at byte `end`,
/// decoded by the checked thrift decoder within what is left of the chunk (the
/// outer error is the file's, the inner one the header's).
fn page_header<R: std::io::Read + std::io::Seek>(
    file: &mut R,
    path: &Path,
    at: u64,
    end: u64,
) -> Result<polars_parquet_format::thrift::Result<polars_parquet_format::PageHeader>> {
    use polars_parquet_format::thrift::protocol::TCompactInputProtocol;
    file.seek(std::io::SeekFrom::Start(at))
        .map_err(|e| io_err(path, e))?;
    let mut prot = TCompactInputProtocol::new(file, end.saturating_sub(at) as usize);
    Ok(polars_parquet_format::PageHeader::read_from_in_protocol(
        &mut prot,
    ))
}

/// The columns pandas wrote as categoricals (its `pandas` metadata in the file),
/// with whether each is ordered.
fn pandas_categoricals(metadata: &FileMetadata) -> Vec<(String, bool)> {
    let Some(text) = metadata
        .key_value_metadata
        .iter()
        .flatten()
        .find(|kv| kv.key == "pandas")
        .and_then(|kv| kv.value.as_deref())
    else {
        return vec![];
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
        return vec![];
    };
    json["columns"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["pandas_type"] == "categorical")
        .filter_map(|c| {
            let name = c["field_name"].as_str().or(c["name"].as_str())?;
            Some((name.to_string(), c["metadata"]["ordered"] == true))
        })
        .collect()
}

/// The values of the dictionaries of the text column `name`, in order: the first
/// row group's, then any value a later one adds (pyarrow writes a categorical's
/// whole category list as each dictionary). `None` when a column chunk has no
/// dictionary page (its values were written plainly).
fn dictionary_values(
    path: &Path,
    metadata: &FileMetadata,
    name: &str,
) -> Result<Option<Vec<String>>> {
    use polars_parquet::parquet::compression::{decompress, DecompressionContext};
    use std::io::{BufReader, Read};

    let damaged = |what: String| io_err(path, format!("not a readable Parquet file: {what}"));
    let mut file = BufReader::new(File::open(path).map_err(|e| io_err(path, e))?);
    let mut values: Vec<String> = vec![];
    let mut seen = std::collections::HashSet::new();
    for rg in &metadata.row_groups {
        let Some(idxs) = rg.columns_idxs_under_root_iter(name) else {
            continue;
        };
        let Some(&c) = idxs.first() else {
            continue;
        };
        let chunk = &rg.parquet_columns()[c];
        let range = chunk.byte_range();
        let left = (range.end - range.start) as usize;
        let header = page_header(&mut file, path, range.start, range.end)?
            .map_err(|e| damaged(format!("column '{name}': a page header: {e}")))?;
        let Some(dict) = &header.dictionary_page_header else {
            return Ok(None);
        };
        let (size, plain) = (header.compressed_page_size, header.uncompressed_page_size);
        if size < 0 || plain < 0 || size as usize > left || dict.num_values < 0 {
            return Err(damaged(format!(
                "column '{name}': a dictionary page of impossible size"
            )));
        }
        let mut body = vec![0; size as usize];
        file.read_exact(&mut body).map_err(|e| io_err(path, e))?;
        let page = if chunk.compression()
            == polars_parquet::parquet::compression::Compression::Uncompressed
        {
            body
        } else {
            let mut out = vec![0; plain as usize];
            decompress(
                chunk.compression(),
                &body,
                &mut out,
                &mut DecompressionContext::Unset,
            )
            .map_err(|e| damaged(format!("column '{name}': a dictionary page: {e}")))?;
            out
        };
        // PLAIN byte arrays: a 4-byte little-endian length, then the bytes.
        let mut at = 0;
        for _ in 0..dict.num_values {
            let len = page
                .get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                .ok_or_else(|| damaged(format!("column '{name}': a dictionary page ends early")))?;
            let text = page
                .get(at + 4..at + 4 + len)
                .ok_or_else(|| damaged(format!("column '{name}': a dictionary page ends early")))?;
            let text = std::str::from_utf8(text).map_err(|_| {
                damaged(format!("column '{name}': a dictionary value is not UTF-8"))
            })?;
            if seen.insert(text.to_string()) {
                values.push(text.to_string());
            }
            at += 4 + len;
        }
    }
    Ok(Some(values))
}

/// Whether the kernel library reads a column of this Arrow type (with the features
/// Partita builds it with); it panics on the others.
fn kernel_reads(t: &polars_arrow::datatypes::ArrowDataType) -> bool {
    use polars_arrow::datatypes::ArrowDataType as A;
    match t {
        A::Null
        | A::Boolean
        | A::Int8
        | A::Int16
        | A::Int32
        | A::Int64
        | A::UInt8
        | A::UInt16
        | A::UInt32
        | A::UInt64
        | A::Float32
        | A::Float64
        | A::Utf8
        | A::LargeUtf8
        | A::Utf8View
        | A::Binary
        | A::LargeBinary
        | A::BinaryView
        | A::FixedSizeBinary(_)
        | A::Date32
        | A::Date64
        | A::Timestamp(..)
        | A::Duration(_)
        | A::Decimal(..) => true,
        A::Dictionary(_, values, _) => {
            matches!(values.as_ref(), A::Utf8 | A::LargeUtf8 | A::Utf8View)
        }
        _ => false,
    }
}

/// Writes `df` to a new Parquet file at `path` (zstd-compressed, with statistics).
pub fn write_parquet(df: &DataFrame, path: &Path) -> Result<()> {
    write_parquet_with(df, path, None)
}

/// [`write_parquet`] with row groups of `row_group_rows` rows (polars' default
/// size when `None`).
pub fn write_parquet_with(
    df: &DataFrame,
    path: &Path,
    row_group_rows: Option<usize>,
) -> Result<()> {
    // Parquet, as pandas and Spark write it, holds one column per name.
    let mut df = df.clone();
    for i in 0..df.width() {
        let name = df.get_column_names()[i].to_string();
        let shown = partita_common::shown_name(&name);
        if shown != name {
            if df.get_column_names().iter().any(|n| n.as_str() == shown) {
                return Err(Error::plan(format!(
                    "{}: a Parquet file cannot hold two columns named '{shown}'; give one of them another name",
                    path.display()
                )));
            }
            df.rename(&name, shown.into()).map_err(pl_err)?;
        }
    }
    let file = File::create(path).map_err(|e| io_err(path, e))?;
    ParquetWriter::new(file)
        // Written by the task that made the partition, on its own thread (polars'
        // parallel writer would wait on polars' pool from a worker of ours).
        .set_parallel(false)
        .with_row_group_size(row_group_rows)
        .finish(&mut df)
        .map_err(|e| io_err(path, e))?;
    Ok(())
}

/// Writes `df` to a new CSV file at `path`, with a header line; missing values are
/// empty fields.
pub fn write_csv(df: &DataFrame, path: &Path) -> Result<()> {
    write_csv_with(df, path, true, b',')
}

/// [`write_csv`] with or without the header line and with another separator.
pub fn write_csv_with(df: &DataFrame, path: &Path, header: bool, separator: u8) -> Result<()> {
    let file = File::create(path).map_err(|e| io_err(path, e))?;
    let mut out = std::io::BufWriter::new(file);
    // A header naming a column twice (`SELECT a, a`) is written here: a polars
    // frame holds the repeat under a tagged name.
    let names = df.get_column_names();
    let tagged = names.iter().any(|n| n.contains(partita_common::REPEAT_TAG));
    if header && tagged {
        let mut line = vec![];
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                line.push(separator);
            }
            crate::text::csv_text(&mut line, partita_common::shown_name(name), true, separator);
        }
        line.push(b'\n');
        std::io::Write::write_all(&mut out, &line).map_err(|e| io_err(path, e))?;
    }
    let mut df = df.clone();
    CsvWriter::new(out)
        .include_header(header && !tagged)
        .with_separator(separator)
        .finish(&mut df)
        .map_err(|e| io_err(path, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars_core::prelude::{IntoColumn, NamedFrom, Series};

    #[test]
    fn decimal_bounds_read_as_two_s_complement() {
        assert_eq!(unscaled_from_be_bytes(&[0x01, 0x00]), Some(256));
        assert_eq!(unscaled_from_be_bytes(&[0xff, 0x38]), Some(-200));
        assert_eq!(
            unscaled_from_be_bytes(&[0x80; 16]).map(|v| v < 0),
            Some(true)
        );
        assert_eq!(unscaled_from_be_bytes(&[]), None);
        assert_eq!(unscaled_from_be_bytes(&[0; 17]), None);
    }

    /// A file written by polars: a u32 column whose second row group holds values
    /// above i32::MAX (negative when the INT32 statistics are read as signed).
    #[test]
    fn polars_unsigned_statistics_are_unsigned() {
        let dir = std::env::temp_dir().join(format!("partita-pq-u32-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("u.parquet");
        let values: Vec<u32> = vec![1, 2, 3, 4, 3_000_000_000, 4_294_967_295, 5, 6];
        let mut df = DataFrame::new(
            values.len(),
            vec![Series::new("u".into(), values).into_column()],
        )
        .unwrap();
        ParquetWriter::new(File::create(&path).unwrap())
            .with_row_group_size(Some(4))
            .finish(&mut df)
            .unwrap();
        let file = ParquetFile::open(&path).unwrap();
        assert_eq!(file.row_group_rows(), [4, 4]);
        let stats = file.column_stats(1, 0).unwrap();
        assert_eq!(stats.min, Some(ScalarValue::Int64(Some(5))));
        assert_eq!(stats.max, Some(ScalarValue::Int64(Some(4_294_967_295))));
        let read = file.read(0, 8, None).unwrap();
        let got: Vec<u32> = read
            .column("u")
            .unwrap()
            .u32()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(got, [1, 2, 3, 4, 3_000_000_000, 4_294_967_295, 5, 6]);
        std::fs::remove_dir_all(&dir).ok();
    }
}
