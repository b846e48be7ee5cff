//! User code run per partition (`map_partitions`).

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use partita_common::Result;
use partita_core::Partition;
use partita_plan::PartitionFunction;

/// The closure type of `map_partitions`: one partition in, one partition out.
pub type PartitionClosure = dyn Fn(Partition) -> Result<Partition> + Send + Sync;

/// A named closure run on every partition.
#[derive(Clone)]
pub struct PartitionFn {
    name: String,
    func: Arc<PartitionClosure>,
}

impl PartitionFn {
    /// Wraps a closure.
    pub fn new(
        name: impl Into<String>,
        func: impl Fn(Partition) -> Result<Partition> + Send + Sync + 'static,
    ) -> Self {
        PartitionFn {
            name: name.into(),
            func: Arc::new(func),
        }
    }

    /// Runs it.
    pub fn call(&self, p: Partition) -> Result<Partition> {
        (self.func)(p)
    }
}

impl fmt::Debug for PartitionFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PartitionFn({})", self.name)
    }
}

impl PartitionFunction for PartitionFn {
    fn name(&self) -> &str {
        &self.name
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
