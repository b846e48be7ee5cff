//! # partita-exec
//!
//! Turns an optimized [`LogicalPlan`](partita_plan::LogicalPlan) into a [`TaskGraph`]
//! and runs it.
//!
//! - [`lower`](lower::lower) builds the graph: per partition one task fusing the narrow steps
//!   (scan, filter, projection, partial aggregate, per-partition sort), then merge
//!   trees with fan-in `split_every` and hash shuffles into `split_out` buckets.
//! - [`run`](scheduler::run) executes it on a rayon pool the session owns, dropping
//!   intermediate results as soon as they are consumed and stopping at the first
//!   error or panic, which it reports with the task and partition.
//! - [`MemorySource`] and [`CsvSource`] are the tables a scan reads; [`PartitionFn`]
//!   is user code for `map_partitions`; [`eval`] evaluates expressions with the
//!   kernels of `partita-core`.
//!
//! ```
//! use partita_common::Semantics;
//! use partita_exec::graph::TaskGraph;
//! let g = TaskGraph::new(Semantics::spark());
//! assert_eq!(g.task_count(), 0);
//! ```
#![deny(missing_docs)]

pub mod eval;
pub mod graph;
pub mod join;
pub mod late_types;
pub mod lower;
pub mod output;
mod parquet_source;
pub mod scheduler;
pub mod source;
pub mod udf;

pub use graph::TaskGraph;
pub use lower::{lower, LowerOptions};
pub use scheduler::{
    run, Progress, ProgressCallback, RunNotes, RunOptions, Sink, StatsCallback, TaskStats,
    WorkerPool,
};
pub use source::{
    read_partition, CsvOptions, CsvSource, MemorySource, ParquetOptions, ParquetSource,
};
pub use udf::{PartitionClosure, PartitionFn};
