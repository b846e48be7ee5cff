//! The optimizer: rewrite rules, one per file, run to a fixed point.
//!
//! Every rule keeps the plan's output schema; the driver checks this after each
//! rule and names the rule that broke it.

mod filter_conjuncts;
mod merge_filters;
mod push_down_filter;
mod push_down_projection;
mod simplify_constants;
mod sort_limit_to_top_k;
#[cfg(test)]
mod tests;
mod window_top_k;

use partita_common::{Error, Result, ScalarValue, Semantics};

pub use filter_conjuncts::FilterConjuncts;
pub use merge_filters::MergeFilters;
pub use push_down_filter::PushDownFilter;
pub use push_down_projection::PushDownProjection;
pub use simplify_constants::SimplifyConstants;
pub use sort_limit_to_top_k::SortLimitToTopK;
pub use window_top_k::WindowTopK;

use crate::expr::Expr;
use crate::plan::LogicalPlan;
use crate::tree::Transformed;

/// Evaluates an expression without columns to a value, with the kernels and
/// semantics the query will run under (so folding never disagrees with running).
pub trait ConstantEvaluator {
    /// The value of `expr`, or an error (the rule then leaves the expression alone).
    fn evaluate(&self, expr: &Expr, semantics: &Semantics) -> Result<ScalarValue>;
}

/// What a rule may consult.
pub struct OptimizerContext<'a> {
    /// The semantics the plan will run under.
    pub semantics: Semantics,
    /// Folds constant expressions.
    pub constants: &'a dyn ConstantEvaluator,
}

/// One rewrite of the plan.
pub trait OptimizerRule {
    /// The rule's name (equal to its file name).
    fn name(&self) -> &'static str;
    /// Rewrites the whole plan once.
    fn rewrite(
        &self,
        plan: LogicalPlan,
        ctx: &OptimizerContext,
    ) -> Result<Transformed<LogicalPlan>>;
}

/// Runs the rules in order, repeatedly, until none changes the plan.
pub struct Optimizer {
    rules: Vec<Box<dyn OptimizerRule>>,
    max_passes: usize,
}

impl Default for Optimizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Optimizer {
    /// The default rule list. The order matters:
    /// 1. fold constants first, so later rules see `true` filters and literal bounds;
    /// 2. merge adjacent filters into one conjunction;
    /// 3. push filters down through projections, sorts and group keys into scans;
    /// 4. turn a limit over a sort into a top-k, and a filter on a row number
    ///    into a per-group top-k under its window;
    /// 5. last, prune columns: scans read only what some node above uses.
    pub fn new() -> Self {
        Optimizer {
            rules: vec![
                Box::new(SimplifyConstants),
                Box::new(MergeFilters),
                Box::new(PushDownFilter),
                Box::new(SortLimitToTopK),
                Box::new(WindowTopK),
                Box::new(PushDownProjection),
            ],
            max_passes: 8,
        }
    }

    /// The names of the rules, in order.
    pub fn rule_names(&self) -> Vec<&'static str> {
        self.rules.iter().map(|r| r.name()).collect()
    }

    /// Optimizes `plan`. [`FilterConjuncts`] runs once first: it states what each
    /// conjunct of a filter means inside its `AND`, which the other rules rely on
    /// (running it again after `merge_filters` would change what a merged filter means).
    pub fn optimize(&self, plan: LogicalPlan, ctx: &OptimizerContext) -> Result<LogicalPlan> {
        let mut plan = FilterConjuncts.rewrite(plan, ctx)?.data;
        for _ in 0..self.max_passes {
            let mut changed = false;
            for rule in &self.rules {
                let before = plan.schema().clone();
                let t = rule.rewrite(plan, ctx)?;
                // Names and types must stay; whether a column may be missing can
                // become known (a constant folded to a value, `1.0 - 1.0 / 0`).
                if !t.data.schema().same_names_and_types(&before) {
                    return Err(Error::internal(format!(
                        "optimizer rule '{}' changed the schema from {} to {}",
                        rule.name(),
                        before,
                        t.data.schema()
                    )));
                }
                changed |= t.transformed;
                plan = t.data;
            }
            if !changed {
                break;
            }
        }
        Ok(plan)
    }
}
