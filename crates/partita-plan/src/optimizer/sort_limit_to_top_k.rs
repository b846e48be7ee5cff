//! Turns a limit over a sort into a top-k sort, so every partition and every merge
//! keeps only `skip + fetch` rows instead of sorting everything.
//!
//! ```text
//! Limit: skip=0, fetch=3        TopK: k=3, x ASC NULLS LAST
//!   Sort: x ASC NULLS LAST  =>    Scan: t
//!     Scan: t
//! ```
//!
//! With an offset the limit stays (`Limit: skip=2, fetch=3` over `TopK: k=5`). It does
//! not fire for a limit without a fetch (`OFFSET` alone), which needs every row.

use partita_common::Result;

use crate::optimizer::{OptimizerContext, OptimizerRule};
use crate::plan::{Limit, LogicalPlan, Sort};
use crate::tree::Transformed;

/// See the module documentation.
pub struct SortLimitToTopK;

impl OptimizerRule for SortLimitToTopK {
    fn name(&self) -> &'static str {
        "sort_limit_to_top_k"
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        ctx: &OptimizerContext,
    ) -> Result<Transformed<LogicalPlan>> {
        let sem = ctx.semantics;
        plan.transform_up(
            &mut |node| match node {
                LogicalPlan::Limit(Limit {
                    input,
                    skip,
                    fetch: Some(n),
                }) => match input.as_ref() {
                    LogicalPlan::Sort(s) if s.fetch.is_none_or(|k| k > skip.saturating_add(n)) => {
                        let top = Sort::try_new(
                            s.input.clone(),
                            s.exprs.clone(),
                            Some(skip.saturating_add(n)),
                            &sem,
                        )?;
                        let top = LogicalPlan::Sort(top);
                        if skip == 0 {
                            Ok(Transformed::yes(top))
                        } else {
                            Ok(Transformed::yes(LogicalPlan::Limit(Limit {
                                input: top.into(),
                                skip,
                                fetch: Some(n),
                            })))
                        }
                    }
                    _ => Ok(Transformed::no(LogicalPlan::Limit(Limit {
                        input,
                        skip,
                        fetch: Some(n),
                    }))),
                },
                other => Ok(Transformed::no(other)),
            },
            &sem,
        )
    }
}
