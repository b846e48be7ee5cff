//! Session configuration: what the user chose, validated.

use crate::error::{Error, Result};
use crate::semantics::Semantics;

/// The settings of a session that shape how a query runs.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionConfig {
    /// The semantics new frames get.
    pub semantics: Semantics,
    /// Threads in the session's pool.
    pub workers: usize,
    /// Partitions a frame built from memory or a file is split into by default.
    pub default_partitions: usize,
    /// Fan-in of the merge tree of a tree aggregation (one bucket) or a sort.
    pub split_every: usize,
    /// Output partitions of a GROUP BY with keys: partial results are hash-partitioned
    /// by the keys into this many buckets (when > 1), each merged by its own task,
    /// so a high-cardinality aggregation is not funnelled into one merge. 8 by
    /// default; a fixed number (not the worker count), so a result never depends on
    /// the machine.
    pub split_out: usize,
    /// A join side estimated at most this many rows is built once and shared by
    /// every task of the other side (a broadcast join); larger sides are
    /// hash-partitioned on the keys. 0 never broadcasts.
    pub broadcast_rows: usize,
}

impl Default for SessionConfig {
    fn default() -> Self {
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        SessionConfig {
            semantics: Semantics::pandas(),
            workers,
            default_partitions: workers.max(1),
            split_every: 8,
            split_out: 8,
            broadcast_rows: 1 << 20,
        }
    }
}

impl SessionConfig {
    /// Checks the values: every count must be at least 1, and `split_every` at least 2.
    pub fn validate(&self) -> Result<()> {
        if self.workers == 0 {
            return Err(Error::plan("workers must be at least 1"));
        }
        if self.default_partitions == 0 {
            return Err(Error::plan("the partition count must be at least 1"));
        }
        if self.split_every < 2 {
            return Err(Error::plan(
                "split_every (the merge fan-in) must be at least 2",
            ));
        }
        if self.split_out == 0 {
            return Err(Error::plan("split_out must be at least 1"));
        }
        Ok(())
    }
}
