//! The session: configuration, the thread pool, and where frames come from.

use std::path::Path;
use std::sync::Arc;

use partita_common::{Error, Result, Semantics, SessionConfig};
use partita_core::polars::DataFrame;
use partita_exec::{
    CsvOptions, CsvSource, MemorySource, ParquetOptions, ParquetSource, WorkerPool,
};
use partita_plan::{LogicalPlan, Scan, TableSource};

use crate::frame::Frame;
use crate::table::{Column, Table};

/// A Partita session: semantics, workers, partitioning, and the rayon pool that runs
/// every query of the session. Cheap to clone (shared).
///
/// ```
/// use partita::prelude::*;
/// let session = Session::new().with_semantics(Semantics::spark()).with_workers(2);
/// assert_eq!(session.config().workers, 2);
/// ```
#[derive(Clone)]
#[must_use = "a Session builder call returns the configured session"]
pub struct Session {
    config: SessionConfig,
    /// The pool, or why the operating system would not start it: kept, like a
    /// frame's plan error, and returned by the first run.
    pool: std::result::Result<Arc<WorkerPool>, Error>,
    /// The partition count `with_partitions` set, which Parquet files follow too
    /// (unset, they keep their row groups).
    partitions_set: Option<usize>,
    /// Where queries run.
    engine: crate::Engine,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("config", &self.config)
            .finish()
    }
}

fn build_pool(workers: usize) -> std::result::Result<Arc<WorkerPool>, Error> {
    WorkerPool::new(workers).map(Arc::new)
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    /// A session with pandas semantics, one worker per core, one partition per worker,
    /// `split_every = 8` and `split_out = 8`.
    pub fn new() -> Self {
        Self::with_config(SessionConfig::default()).expect("the default configuration is valid")
    }

    /// A session from a full configuration (validated).
    pub fn with_config(config: SessionConfig) -> Result<Self> {
        config.validate()?;
        let pool = build_pool(config.workers);
        Ok(Session {
            config,
            pool,
            partitions_set: None,
            engine: crate::Engine::Local,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// The semantics new frames get.
    pub fn with_semantics(mut self, semantics: Semantics) -> Self {
        self.config.semantics = semantics;
        self
    }

    /// Threads in the pool (at least 1; 0 is taken as 1).
    pub fn with_workers(mut self, workers: usize) -> Self {
        self.config.workers = workers.max(1);
        self.pool = build_pool(self.config.workers);
        self
    }

    /// Partitions a frame from memory or a file gets (at least 1): memory and CSV
    /// are cut into this many; Parquet row groups are split or merged into this
    /// many (at least one per file). Without it, memory and CSV get one per
    /// worker and Parquet one per row group (large ones cut).
    pub fn with_partitions(mut self, partitions: usize) -> Self {
        self.config.default_partitions = partitions.max(1);
        self.partitions_set = Some(self.config.default_partitions);
        self
    }

    /// Fan-in of the merge trees (at least 2).
    pub fn with_split_every(mut self, split_every: usize) -> Self {
        self.config.split_every = split_every.max(2);
        self
    }

    /// Output partitions of a GROUP BY (at least 1).
    pub fn with_split_out(mut self, split_out: usize) -> Self {
        self.config.split_out = split_out.max(1);
        self
    }

    /// Join sides estimated at most this many rows are built once and shared by
    /// every task of the other side (a broadcast join); 0 never broadcasts a side
    /// for its size.
    pub fn with_broadcast_rows(mut self, rows: usize) -> Self {
        self.config.broadcast_rows = rows;
        self
    }

    /// Runs this session's queries on `engine` (local by default):
    /// `Session::new().with_engine(Engine::spark("sc://127.0.0.1:15002"))`.
    pub fn with_engine(mut self, engine: crate::Engine) -> Self {
        self.engine = engine;
        self
    }

    /// The engine queries run on.
    pub fn engine(&self) -> &crate::Engine {
        &self.engine
    }

    /// The worker pool, or the error that kept it from starting.
    pub(crate) fn pool(&self) -> Result<&WorkerPool> {
        self.pool.as_deref().map_err(Clone::clone)
    }

    /// A frame over a table source.
    pub fn scan(&self, source: Arc<dyn TableSource>) -> Frame {
        let sem = self.config.semantics;
        let plan = Scan::try_new(source, &sem).map(LogicalPlan::Scan);
        Frame::new(self.clone(), plan, sem)
    }

    /// A frame over a polars DataFrame split, in order, into `partitions` partitions.
    ///
    /// ```
    /// use partita::prelude::*;
    /// use partita::polars::{DataFrame, IntoColumn, NamedFrom, Series};
    /// let df = DataFrame::new(3, vec![Series::new("x".into(), [1i64, 2, 3]).into_column()]).unwrap();
    /// let frame = Session::new().from_polars(df, 2).unwrap();
    /// assert_eq!(frame.collect().unwrap().height(), 3);
    /// ```
    pub fn from_polars(&self, df: DataFrame, partitions: usize) -> Result<Frame> {
        let source = MemorySource::split(df, partitions)?;
        Ok(self.scan(Arc::new(source)))
    }

    /// A frame from named columns of equal length, split into `partitions` partitions.
    ///
    /// ```
    /// use partita::prelude::*;
    /// let frame = Session::new()
    ///     .from_columns([Column::new("col1", [None, Some("A")]), Column::new("col2", [Some(1i64), Some(2)])], 2)?;
    /// assert_eq!(frame.schema()?.names(), vec!["col1", "col2"]);
    /// # Ok::<(), partita::Error>(())
    /// ```
    pub fn from_columns(
        &self,
        columns: impl IntoIterator<Item = impl Into<Column>>,
        partitions: usize,
    ) -> Result<Frame> {
        self.from_table(Table::new(columns)?, partitions)
    }

    /// A frame over a table (a collected result, say), split, in order, into
    /// `partitions` partitions.
    pub fn from_table(&self, table: Table, partitions: usize) -> Result<Frame> {
        // The table's schema keeps what its frame cannot hold (categories).
        let schema = table.schema().clone();
        let source = MemorySource::split_typed(table.into_polars(), partitions, schema)?;
        Ok(self.scan(Arc::new(source)))
    }

    /// A lazy frame over a CSV file: the file is split into the session's default
    /// number of partitions by byte ranges at line ends, each read by its own task.
    pub fn read_csv(&self, path: impl AsRef<Path>, options: CsvOptions) -> Result<Frame> {
        let source = CsvSource::try_new(
            path.as_ref(),
            options,
            self.config.default_partitions,
            &self.config.semantics,
        )?;
        Ok(self.scan(Arc::new(source)))
    }

    /// A lazy frame over Parquet data: a file, a directory of `*.parquet` files (as
    /// [`Frame::write_parquet`] makes) or a glob pattern (`data/*.parquet`). Each
    /// partition is a run of row groups read by its own task; only the columns the
    /// query uses are decoded, and row groups whose statistics rule out the query's
    /// filters are skipped.
    ///
    /// ```
    /// use partita::prelude::*;
    /// let dir = std::env::temp_dir().join(format!("partita-doc-parquet-{}", std::process::id()));
    /// let session = Session::new();
    /// let frame = session
    ///     .from_columns(vec![Column::new("x", [1i64, 2, 3, 4])], 2)
    ///     .unwrap();
    /// frame.write_parquet(&dir).unwrap();
    /// let back = session.read_parquet(&dir, ParquetOptions::default()).unwrap();
    /// assert_eq!(back.filter(col("x").gt(lit(2))).collect().unwrap().height(), 2);
    /// std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn read_parquet(&self, path: impl AsRef<Path>, options: ParquetOptions) -> Result<Frame> {
        let path = path.as_ref().to_string_lossy().to_string();
        let options = match (options.partitions, self.partitions_set) {
            (None, Some(n)) => options.with_partitions(n),
            _ => options,
        };
        let source = ParquetSource::try_new(&path, options)?;
        Ok(self.scan(Arc::new(source)))
    }

    /// A lazy frame over a file by its name: Parquet for a `.parquet` / `.pq` file, a
    /// directory or a glob pattern, CSV otherwise (default options for both).
    pub fn read_file(&self, path: impl AsRef<Path>) -> Result<Frame> {
        let path = path.as_ref();
        let text = path.to_string_lossy();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let glob = text.contains(['*', '?', '[']) && !path.exists();
        if ext == "parquet" || ext == "pq" || path.is_dir() || glob {
            self.read_parquet(path, ParquetOptions::default())
        } else {
            self.read_csv(path, CsvOptions::default())
        }
    }
}
