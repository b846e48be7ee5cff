//! Makes every conjunct of a filter mean what it means inside its `AND`, so that
//! later rules may split, merge and push conjuncts freely.
//!
//! A filter evaluates its conjuncts left to right, each on the rows the earlier ones
//! kept, and under two-valued logic (pandas) a conjunct whose value is missing is an
//! error (`df[mask]` with a missing value raises). Inside a user's `a AND b`, though,
//! pandas' `&` takes a missing `b` as false. This rule, run once before the others,
//! states that explicitly:
//!
//! ```text
//! Filter: x > 1 AND b        Filter: x > 1 AND coalesce(b, false)      (two-valued logic)
//! ```
//!
//! After it, two filters merged into one conjunction (`merge_filters`, the scan's
//! pushed-down filters, fused tasks) see exactly the rows, and raise exactly the
//! errors, the two separate filters did. Under three-valued logic nothing changes: a
//! missing conjunct drops its row either way.

use partita_common::{Logic, Result};

use crate::expr::Expr;
use crate::optimizer::{OptimizerContext, OptimizerRule};
use crate::plan::{Filter, LogicalPlan};
use crate::tree::Transformed;

/// See the module documentation.
pub struct FilterConjuncts;

impl OptimizerRule for FilterConjuncts {
    fn name(&self) -> &'static str {
        "filter_conjuncts"
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        ctx: &OptimizerContext,
    ) -> Result<Transformed<LogicalPlan>> {
        let sem = ctx.semantics;
        if sem.logic == Logic::ThreeValued {
            return Ok(Transformed::no(plan));
        }
        plan.transform_up(
            &mut |node| match node {
                LogicalPlan::Filter(f) if f.predicate.split_conjunction().len() > 1 => {
                    let conjuncts = f.predicate.split_conjunction();
                    if conjuncts.iter().all(|c| c.never_null_in_two_valued_logic()) {
                        return Ok(Transformed::no(LogicalPlan::Filter(f)));
                    }
                    let predicate = Expr::conjunction(
                        conjuncts.into_iter().map(|c| c.clone().missing_as_false()),
                    )
                    .expect("at least two conjuncts");
                    Ok(Transformed::yes(LogicalPlan::Filter(Filter::try_new(
                        f.input.clone(),
                        predicate,
                        &sem,
                    )?)))
                }
                other => Ok(Transformed::no(other)),
            },
            &sem,
        )
    }
}
