//! Keeps only the rows a filter on a row number can keep before numbering them:
//! a per-group top-k under the window, so the window numbers `k` rows per
//! partition instead of all of them (db-benchmark's q8).
//!
//! ```text
//! Filter: rn <= 2                              Filter: rn <= 2
//!   Window: row_number() OVER (PARTITION BY k    Window: row_number() OVER (...)
//!           ORDER BY v DESC) AS rn          =>     TopKPerGroup: k=2, by=[k], order=[v DESC]
//!     Scan: t                                        Scan: t
//! ```
//!
//! The filter stays: the window numbers the kept rows as it would have numbered
//! them among all rows (the first `k` of each partition in the window's order,
//! ties in row order), and rows the semantics leaves unnumbered (a missing key or
//! order value under pandas) still fail it. It fires only for a window node with
//! one `ROW_NUMBER` with partition keys and an order, and a conjunct `rn <= n`, `rn < n` or
//! `rn = n` with a literal `n`.

use std::sync::Arc;

use partita_common::{BinaryOperator, Result, ScalarValue, WindowFunction};

use crate::expr::Expr;
use crate::optimizer::{OptimizerContext, OptimizerRule};
use crate::plan::{Filter, LogicalPlan, TopKPerGroup};
use crate::tree::Transformed;
use crate::window::Window;

/// See the module documentation.
pub struct WindowTopK;

/// The most rows per partition `c` allows for the row number column `rn`.
fn bound(c: &Expr, rn: &str) -> Option<usize> {
    let Expr::Binary { left, op, right } = c else {
        return None;
    };
    let (Expr::Column(name), Expr::Literal(v)) = (left.as_ref(), right.as_ref()) else {
        return None;
    };
    if name != rn {
        return None;
    }
    let n = match v {
        ScalarValue::Int64(Some(n)) => *n,
        ScalarValue::Int32(Some(n)) => *n as i64,
        ScalarValue::Float64(Some(f)) if f.fract() == 0.0 => *f as i64,
        _ => return None,
    };
    let k = match op {
        BinaryOperator::LtEq | BinaryOperator::Eq => n,
        BinaryOperator::Lt => n - 1,
        _ => return None,
    };
    usize::try_from(k).ok()
}

impl OptimizerRule for WindowTopK {
    fn name(&self) -> &'static str {
        "window_top_k"
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        ctx: &OptimizerContext,
    ) -> Result<Transformed<LogicalPlan>> {
        let sem = ctx.semantics;
        plan.transform_up(
            &mut |node| {
                let LogicalPlan::Filter(f) = &node else {
                    return Ok(Transformed::no(node));
                };
                let LogicalPlan::Window(w) = f.input.as_ref() else {
                    return Ok(Transformed::no(node));
                };
                let [r] = w.exprs.as_slice() else {
                    return Ok(Transformed::no(node));
                };
                // Without an order the rows are numbered in row order, which a
                // per-group top-k (a sort) does not keep across partitions.
                if r.expr.func != WindowFunction::RowNumber
                    || r.expr.partition_by.is_empty()
                    || r.expr.order_by.is_empty()
                {
                    return Ok(Transformed::no(node));
                }
                let Some(k) = f
                    .predicate
                    .split_conjunction()
                    .iter()
                    .filter_map(|c| bound(c, &r.expr.name))
                    .min()
                else {
                    return Ok(Transformed::no(node));
                };
                if let LogicalPlan::TopKPerGroup(t) = w.input.as_ref() {
                    if t.fetch <= k && t.keys == r.expr.partition_by {
                        return Ok(Transformed::no(node));
                    }
                }
                let top = TopKPerGroup::try_new(
                    w.input.clone(),
                    r.expr.partition_by.clone(),
                    r.expr.order_by.clone(),
                    k,
                    &sem,
                )?;
                let window = Window::try_new(
                    Arc::new(LogicalPlan::TopKPerGroup(top)),
                    vec![r.expr.clone()],
                    &sem,
                )?;
                let filter = Filter::try_new(
                    Arc::new(LogicalPlan::Window(window)),
                    f.predicate.clone(),
                    &sem,
                )?;
                Ok(Transformed::yes(LogicalPlan::Filter(filter)))
            },
            &sem,
        )
    }
}
