//! The concrete table sources a scan reads: partitions held in memory, and CSV
//! files split into byte ranges read by the scan tasks themselves.

use std::any::Any;
use std::path::PathBuf;
use std::sync::Arc;

use partita_common::{DataType, Error, Result, Schema, SchemaRef, Semantics};
use partita_core::csv::{default_null_values, infer_schema, read_range, split_ranges, CsvFormat};
use partita_core::frame::{schema_of, split_even};
use partita_core::Partition;
use partita_plan::{Expr, TableSource};

pub use crate::parquet_source::{ParquetOptions, ParquetSource};

/// Partitions already in memory.
#[derive(Debug)]
pub struct MemorySource {
    schema: SchemaRef,
    partitions: Vec<Partition>,
    nulls: Vec<bool>,
}

impl MemorySource {
    /// A source from one frame split into `partitions` near-equal slices, in order.
    pub fn split(frame: Partition, partitions: usize) -> Result<Self> {
        let schema = schema_of(&frame)?;
        Self::split_typed(frame, partitions, schema)
    }

    /// [`MemorySource::split`] with the table's `schema`, which may say more than
    /// the frame's types (a categorical column is held as its text).
    pub fn split_typed(frame: Partition, partitions: usize, schema: Schema) -> Result<Self> {
        if partitions == 0 {
            return Err(Error::plan("a table needs at least 1 partition"));
        }
        let parts = split_even(&frame, partitions);
        Self::from_partitions(parts, Some(schema))
    }

    /// A source from partitions of one schema (`schema` is required when there are none).
    pub fn from_partitions(partitions: Vec<Partition>, schema: Option<Schema>) -> Result<Self> {
        let schema = match (schema, partitions.first()) {
            (Some(s), _) => s,
            (None, Some(p)) => schema_of(p)?,
            (None, None) => return Err(Error::plan("a table with no partitions needs a schema")),
        };
        // Names and types must agree; whether a column may hold missing values is
        // the table's to say (a partition's frame does not know it).
        for p in &partitions {
            let s = schema_of(p)?;
            if !s.same_names_and_types(&schema) {
                return Err(Error::plan(format!(
                    "partition schema {s} differs from the table schema {schema}"
                )));
            }
        }
        let nulls = (0..schema.len())
            .map(|i| partitions.iter().any(|p| p.columns()[i].null_count() > 0))
            .collect();
        let partitions = if partitions.is_empty() {
            vec![partita_core::frame::empty_frame(&schema)]
        } else {
            partitions
        };
        Ok(MemorySource {
            schema: Arc::new(schema),
            partitions,
            nulls,
        })
    }

    /// Partition `i` with only the `projection` columns.
    pub fn read(&self, i: usize, projection: Option<&[usize]>) -> Result<Partition> {
        let p = &self.partitions[i];
        Ok(match projection {
            None => p.clone(),
            Some(cols) => p.select_by_range_like(cols),
        })
    }

    /// All partitions.
    pub fn partitions(&self) -> &[Partition] {
        &self.partitions
    }
}

trait SelectByIndex {
    fn select_by_range_like(&self, cols: &[usize]) -> Partition;
}

impl SelectByIndex for Partition {
    fn select_by_range_like(&self, cols: &[usize]) -> Partition {
        let columns = cols.iter().map(|&i| self.columns()[i].clone()).collect();
        Partition::new(self.height(), columns).expect("columns of one frame")
    }
}

impl TableSource for MemorySource {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
    fn columns_with_nulls(&self) -> Option<Vec<bool>> {
        Some(self.nulls.clone())
    }
    fn partition_count(&self) -> usize {
        self.partitions.len()
    }
    fn estimated_rows(&self) -> Option<usize> {
        Some(self.partitions.iter().map(|p| p.height()).sum())
    }
    fn describe(&self) -> String {
        format!("memory [{} partitions]", self.partitions.len())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// How to read a CSV file.
#[derive(Debug, Clone, PartialEq, Default)]
#[must_use = "CsvOptions do nothing until read_csv takes them"]
pub struct CsvOptions {
    /// Layout of the file.
    pub format: CsvFormat,
    /// The full schema, when known (no inference then).
    pub schema: Option<Schema>,
    /// Per-column type overrides applied after inference.
    pub dtypes: Vec<(String, DataType)>,
    /// Rows read to infer types (`None`: every row).
    pub infer_rows: Option<usize>,
}

impl CsvOptions {
    /// Overrides one column's type (`with_dtype("dep_time", DataType::Utf8)`).
    pub fn with_dtype(mut self, column: impl Into<String>, dtype: DataType) -> Self {
        self.dtypes.push((column.into(), dtype));
        self
    }

    /// Gives the whole schema; no inference.
    pub fn with_schema(mut self, schema: Schema) -> Self {
        self.schema = Some(schema);
        self
    }

    /// Sets the separator (`b','` by default).
    pub fn with_separator(mut self, separator: u8) -> Self {
        self.format.separator = separator;
        self
    }

    /// Says whether the first line is a header (true by default).
    pub fn with_header(mut self, has_header: bool) -> Self {
        self.format.has_header = has_header;
        self
    }

    /// Texts read as missing values, besides the empty field (default: the
    /// semantics' `csv_nulls` list).
    pub fn with_null_values(mut self, values: Vec<String>) -> Self {
        self.format.null_values = Some(values);
        self
    }
}

/// A CSV file read lazily: each partition is a byte range read by its own task.
#[derive(Debug)]
pub struct CsvSource {
    path: PathBuf,
    format: CsvFormat,
    schema: SchemaRef,
    ranges: Vec<(u64, u64)>,
    nulls: Option<Vec<bool>>,
    /// The file's name as the user gave it (for EXPLAIN).
    name: String,
    /// The decompressed copy of a `.gz` file, removed with the source.
    _unpacked: Option<Unpacked>,
}

/// A gzip file decompressed into a temporary file (partitions are byte ranges,
/// which a compressed stream does not have); deleted on drop.
#[derive(Debug)]
struct Unpacked(PathBuf);

impl Unpacked {
    fn new(gz: &std::path::Path) -> Result<Unpacked> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "partita-{}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            gz.file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default()
        );
        let out = std::env::temp_dir().join(name);
        let io = |e: std::io::Error| Error::Io(format!("{}: {e}", gz.display()));
        let file = std::fs::File::open(gz).map_err(io)?;
        let mut reader = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file));
        let mut writer = std::io::BufWriter::new(std::fs::File::create(&out).map_err(io)?);
        std::io::copy(&mut reader, &mut writer)
            .map_err(|e| Error::Io(format!("{}: not a readable gzip file: {e}", gz.display())))?;
        Ok(Unpacked(out))
    }
}

impl Drop for Unpacked {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl CsvSource {
    /// The file the rows are read from (for a `.gz` file, its unpacked copy).
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// How the file's text is laid out.
    pub fn format(&self) -> &CsvFormat {
        &self.format
    }

    /// Opens `path`: infers or takes the schema and splits the data into `partitions`
    /// byte ranges at line ends.
    /// The missing-value texts not given in `options` are the semantics' own.
    pub fn try_new(
        path: impl Into<PathBuf>,
        options: CsvOptions,
        partitions: usize,
        semantics: &Semantics,
    ) -> Result<Self> {
        let path = path.into();
        if !path.exists() {
            return Err(Error::Io(format!("{}: no such file", path.display())));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let unpacked = match path.extension() {
            Some(e) if e.eq_ignore_ascii_case("gz") => Some(Unpacked::new(&path)?),
            _ => None,
        };
        let path = unpacked.as_ref().map(|u| u.0.clone()).unwrap_or(path);
        let mut options = options;
        if options.format.null_values.is_none() {
            options.format.null_values = Some(default_null_values(semantics));
        }
        options.format.extended_types = semantics.csv_types == partita_common::CsvTypes::Extended;
        // Types and null presence come from every row: they decide the pandas rule
        // "an integer column with missing values is float64", and a late `1.5` makes
        // a float column, not an unreadable file.
        let (schema, nulls) = match options.schema {
            Some(s) => (s, None),
            None => {
                let (s, n) =
                    infer_schema(&path, &options.format, options.infer_rows, &options.dtypes)?;
                (s, Some(n))
            }
        };
        let ranges = split_ranges(&path, &options.format, partitions.max(1))?;
        Ok(CsvSource {
            path,
            format: options.format,
            schema: Arc::new(schema),
            ranges,
            nulls,
            name,
            _unpacked: unpacked,
        })
    }

    /// Reads partition `i` with only the `projection` columns.
    ///
    /// The parser runs on a plain thread of its own: polars' CSV reader uses polars'
    /// thread pool, and a rayon worker of the session's pool that waits on another
    /// pool steals and starts queued tasks on top of its own stack, which with
    /// thousands of partitions overflows it.
    pub fn read(&self, i: usize, projection: Option<&[usize]>) -> Result<Partition> {
        // A scan that needs no column (COUNT(*)) still needs the row count: read
        // the first column and drop it.
        let wanted = match projection {
            Some([]) if !self.schema.is_empty() => Some(&[0usize][..]),
            other => other,
        };
        let range = self.ranges[i];
        let df = std::thread::scope(|scope| {
            scope
                .spawn(|| read_range(&self.path, &self.format, range, &self.schema, wanted))
                .join()
                .unwrap_or_else(|_| Err(Error::Internal("the CSV reader panicked".into())))
        })?;
        Ok(match projection {
            Some([]) => partita_core::frame::frame_with_height(df.height(), vec![])?,
            _ => df,
        })
    }
}

impl TableSource for CsvSource {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
    fn columns_with_nulls(&self) -> Option<Vec<bool>> {
        self.nulls.clone()
    }
    fn partition_count(&self) -> usize {
        self.ranges.len().max(1)
    }
    fn describe(&self) -> String {
        format!("csv {} [{} partitions]", self.name, self.ranges.len())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Whether `fetch_rows` can read single rows of `source` (a Parquet file: a
/// top-k decodes its keys for every row and the other columns for the k rows).
pub fn fetches_rows(source: &dyn TableSource) -> bool {
    source.as_any().downcast_ref::<ParquetSource>().is_some()
}

/// The partitions of `source` a top-k by `key` needs, where its statistics tell
/// (see [`ParquetSource::top_k_partitions`]).
pub fn top_k_partitions(
    source: &dyn TableSource,
    key: &partita_common::SortKey,
    k: usize,
    semantics: &Semantics,
) -> Option<Vec<bool>> {
    source
        .as_any()
        .downcast_ref::<ParquetSource>()?
        .top_k_partitions(&key.column, key.descending, key.nulls_last, k, semantics)
}

/// The rows of `source` that the addresses of `df` ([`crate::join::ROW_ADDRESS`]:
/// `partition << 32 | row`) name, with the columns `projection` conformed to
/// `schema`, in `df`'s order.
pub fn fetch_rows(
    df: &Partition,
    source: &dyn TableSource,
    projection: Option<&[usize]>,
    schema: &Schema,
    semantics: &Semantics,
) -> Result<Partition> {
    let parquet = source
        .as_any()
        .downcast_ref::<ParquetSource>()
        .ok_or_else(|| Error::internal(format!("late reads of {}", source.describe())))?;
    let addresses = df
        .column(crate::join::ROW_ADDRESS)
        .and_then(|c| c.i64().cloned())
        .map_err(|e| Error::internal(format!("late reads without row addresses: {e}")))?;
    let mut by_part: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for a in addresses.iter().flatten() {
        by_part
            .entry((a >> 32) as usize)
            .or_default()
            .push((a & 0xffff_ffff) as usize);
    }
    // Where each address's row lands in the frames read, concatenated.
    let mut at: std::collections::HashMap<i64, u32> = Default::default();
    let mut next = 0u32;
    let mut reads = vec![];
    for (part, mut rows) in by_part {
        rows.sort_unstable();
        rows.dedup();
        for &r in &rows {
            at.insert(((part as i64) << 32) | r as i64, next);
            next += 1;
        }
        reads.push((part, rows));
    }
    // The partitions' reads are independent (each decodes its own row groups), so
    // they run in parallel: a top-k's survivors are spread over the file, and the
    // late read is the last step of the query, alone on the pool.
    use rayon::prelude::*;
    let frames = reads
        .into_par_iter()
        .map(|(part, rows)| {
            let raw = parquet.read_rows(part, projection, &rows)?;
            partita_core::frame::conform(raw, schema, semantics)
        })
        .collect::<Result<Vec<_>>>()?;
    let all = partita_core::frame::concat(frames, schema)?;
    let take: Vec<u32> = addresses
        .iter()
        .map(|a| a.and_then(|a| at.get(&a).copied()))
        .collect::<Option<_>>()
        .ok_or_else(|| Error::internal("a late read without its row"))?;
    partita_core::frame::take_rows(&all, &take)
}

/// Reads partition `i` of any source this crate knows. `filters` are the scan's
/// pushed-down predicates, which a source may use to skip data that cannot match
/// (the caller still applies them to what is returned); with `limit`, the first
/// rows only (a Parquet file decodes no more).
pub fn read_partition(
    source: &dyn TableSource,
    i: usize,
    projection: Option<&[usize]>,
    filters: &[Expr],
    limit: Option<usize>,
    semantics: &Semantics,
) -> Result<Partition> {
    let head = |df: Partition| match limit {
        Some(n) if n < df.height() => df.head(Some(n)),
        _ => df,
    };
    if let Some(m) = source.as_any().downcast_ref::<MemorySource>() {
        return m.read(i, projection).map(head);
    }
    if let Some(p) = source.as_any().downcast_ref::<ParquetSource>() {
        return p.read(i, projection, filters, limit, semantics);
    }
    if let Some(c) = source.as_any().downcast_ref::<CsvSource>() {
        if c.ranges.is_empty() {
            let fields: Vec<_> = match projection {
                Some(p) => p.iter().map(|&j| c.schema.field(j).clone()).collect(),
                None => c.schema.fields().to_vec(),
            };
            return Ok(partita_core::frame::empty_frame(&Schema::new(fields)));
        }
        return c.read(i, projection).map(head);
    }
    Err(Error::NotImplemented(format!(
        "reading the source {}",
        source.describe()
    )))
}
