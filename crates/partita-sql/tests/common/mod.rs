//! A table source for the planner's tests: a schema and nothing else.

use std::any::Any;

use partita_common::SchemaRef;
use partita_plan::TableSource;

#[derive(Debug)]
pub struct Table(pub SchemaRef);

impl TableSource for Table {
    fn schema(&self) -> SchemaRef {
        self.0.clone()
    }
    fn columns_with_nulls(&self) -> Option<Vec<bool>> {
        None
    }
    fn partition_count(&self) -> usize {
        1
    }
    fn describe(&self) -> String {
        "test".into()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
