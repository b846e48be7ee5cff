//! Merges two adjacent filters into one.
//!
//! ```text
//! Filter: b            Filter: a AND b
//!   Filter: a    =>      Scan: t
//!     Scan: t
//! ```
//!
//! Filters evaluate their conjuncts left to right, each on the rows the earlier ones
//! kept, so `a AND b` sees exactly the rows the two filters saw: an expression in `b`
//! that would fail on rows removed by `a` (say a division by zero under Spark
//! semantics) still never sees them. It does not fire across any other node.

use partita_common::Result;

use crate::optimizer::{OptimizerContext, OptimizerRule};
use crate::plan::{Filter, LogicalPlan};
use crate::tree::Transformed;

/// See the module documentation.
pub struct MergeFilters;

impl OptimizerRule for MergeFilters {
    fn name(&self) -> &'static str {
        "merge_filters"
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        ctx: &OptimizerContext,
    ) -> Result<Transformed<LogicalPlan>> {
        let sem = ctx.semantics;
        plan.transform_up(
            &mut |node| match node {
                LogicalPlan::Filter(outer) => match outer.input.as_ref() {
                    LogicalPlan::Filter(inner) => {
                        let predicate = inner.predicate.clone().and(outer.predicate);
                        Ok(Transformed::yes(LogicalPlan::Filter(Filter::try_new(
                            inner.input.clone(),
                            predicate,
                            &sem,
                        )?)))
                    }
                    _ => Ok(Transformed::no(LogicalPlan::Filter(outer))),
                },
                other => Ok(Transformed::no(other)),
            },
            &sem,
        )
    }
}
