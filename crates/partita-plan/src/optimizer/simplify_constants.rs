//! Folds constant expressions and simplifies boolean identities.
//!
//! ```text
//! Filter: x > 1 + 1 AND true      Filter: x > 2
//!   Scan: t                  =>     Scan: t
//! ```
//!
//! Constants are evaluated by the same kernels and semantics the query runs with, so
//! `9223372036854775807 + 1` folds to a wrapped value under pandas semantics and is
//! left alone under Spark semantics (where it fails with ARITHMETIC_OVERFLOW when the
//! query runs, as Spark does). A filter whose predicate folds to `true` is removed. It
//! never folds aggregates, or anything that reads a column.

use partita_common::{BinaryOperator, Logic, Result, ScalarValue};

use crate::expr::Expr;
use crate::optimizer::{OptimizerContext, OptimizerRule};
use crate::plan::{Aggregate, Filter, LogicalPlan, Projection, Scan};
use crate::tree::Transformed;

/// See the module documentation.
pub struct SimplifyConstants;

fn is_literal(e: &Expr) -> bool {
    matches!(e, Expr::Literal(_))
}

fn truth(e: &Expr) -> Option<bool> {
    match e {
        Expr::Literal(ScalarValue::Boolean(Some(b))) => Some(*b),
        _ => None,
    }
}

/// The value `x` has as the other operand of `true AND x` or `false OR x`: itself
/// under three-valued logic; under two-valued logic a missing `x` counts as false,
/// so dropping the constant must not turn that false into a missing value (a filter
/// would then raise where the original kept no row).
fn operand(x: &Expr, ctx: &OptimizerContext) -> Expr {
    match ctx.semantics.logic {
        Logic::ThreeValued => x.clone(),
        Logic::TwoValued => x.clone().missing_as_false(),
    }
}

/// Simplifies one expression; the output name is kept by the caller.
fn simplify(expr: Expr, ctx: &OptimizerContext) -> Result<Transformed<Expr>> {
    expr.transform_up(&mut |e| {
        match &e {
            Expr::Column(_) | Expr::Literal(_) | Expr::Alias(..) | Expr::Aggregate { .. } => {
                return Ok(Transformed::no(e))
            }
            Expr::Binary {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                // true AND x = x (under two-valued logic, x with missing values as
                // false); false AND x = false (in two- and three-valued logic).
                match (truth(left), truth(right)) {
                    (Some(true), _) => return Ok(Transformed::yes(operand(right, ctx))),
                    (_, Some(true)) => return Ok(Transformed::yes(operand(left, ctx))),
                    (Some(false), _) | (_, Some(false))
                        if !(is_literal(left) && is_literal(right)) =>
                    {
                        return Ok(Transformed::no(e))
                    }
                    _ => {}
                }
            }
            Expr::Binary {
                left,
                op: BinaryOperator::Or,
                right,
            } => match (truth(left), truth(right)) {
                (Some(false), _) => return Ok(Transformed::yes(operand(right, ctx))),
                (_, Some(false)) => return Ok(Transformed::yes(operand(left, ctx))),
                _ => {}
            },
            _ => {}
        }
        if !e.children().iter().all(|c| is_literal(c)) {
            return Ok(Transformed::no(e));
        }
        match ctx.constants.evaluate(&e, &ctx.semantics) {
            Ok(v) => Ok(Transformed::yes(Expr::Literal(v))),
            // Leave it for run time: the error then happens only if a row reaches it.
            Err(_) => Ok(Transformed::no(e)),
        }
    })
}

/// Simplifies an output expression, keeping its output name.
fn simplify_named(expr: Expr, ctx: &OptimizerContext) -> Result<Transformed<Expr>> {
    let name = expr.output_name();
    let t = simplify(expr, ctx)?;
    Ok(if t.transformed && t.data.output_name() != name {
        t.map(|e| e.alias(name))
    } else {
        t
    })
}

fn simplify_all(
    exprs: Vec<Expr>,
    ctx: &OptimizerContext,
    named: bool,
) -> Result<Transformed<Vec<Expr>>> {
    let mut changed = false;
    let mut out = Vec::with_capacity(exprs.len());
    for e in exprs {
        let t = if named {
            simplify_named(e, ctx)?
        } else {
            simplify(e, ctx)?
        };
        changed |= t.transformed;
        out.push(t.data);
    }
    Ok(Transformed {
        data: out,
        transformed: changed,
    })
}

impl OptimizerRule for SimplifyConstants {
    fn name(&self) -> &'static str {
        "simplify_constants"
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        ctx: &OptimizerContext,
    ) -> Result<Transformed<LogicalPlan>> {
        let sem = ctx.semantics;
        plan.transform_up(
            &mut |node| match node {
                LogicalPlan::Filter(f) => {
                    let t = simplify(f.predicate.clone(), ctx)?;
                    if truth(&t.data) == Some(true) {
                        return Ok(Transformed::yes((*f.input).clone()));
                    }
                    if t.transformed {
                        Ok(Transformed::yes(LogicalPlan::Filter(Filter::try_new(
                            f.input, t.data, &sem,
                        )?)))
                    } else {
                        Ok(Transformed::no(LogicalPlan::Filter(f)))
                    }
                }
                LogicalPlan::Projection(p) => {
                    let t = simplify_all(p.exprs.clone(), ctx, true)?;
                    if t.transformed {
                        Ok(Transformed::yes(LogicalPlan::Projection(
                            Projection::try_new(p.input, t.data, &sem)?,
                        )))
                    } else {
                        Ok(Transformed::no(LogicalPlan::Projection(p)))
                    }
                }
                LogicalPlan::Aggregate(a) => {
                    let g = simplify_all(a.group_exprs.clone(), ctx, true)?;
                    let mut changed = g.transformed;
                    let mut aggs = Vec::with_capacity(a.aggr_exprs.len());
                    for e in a.aggr_exprs.clone() {
                        // Fold inside the aggregate's arguments only.
                        let name = e.output_name();
                        let (func, args) = match e.unalias() {
                            Expr::Aggregate { func, args } => (*func, args.clone()),
                            _ => unreachable!("validated by Aggregate::try_new"),
                        };
                        let t = simplify_all(args, ctx, false)?;
                        changed |= t.transformed;
                        let new = Expr::Aggregate { func, args: t.data };
                        aggs.push(if new.output_name() != name {
                            new.alias(name)
                        } else {
                            new
                        });
                    }
                    if changed {
                        Ok(Transformed::yes(LogicalPlan::Aggregate(
                            Aggregate::try_new(a.input, g.data, aggs, &sem)?,
                        )))
                    } else {
                        Ok(Transformed::no(LogicalPlan::Aggregate(a)))
                    }
                }
                LogicalPlan::Scan(s) if !s.filters.is_empty() => {
                    let t = simplify_all(s.filters.clone(), ctx, false)?;
                    if t.transformed {
                        let filters = t
                            .data
                            .into_iter()
                            .filter(|f| truth(f) != Some(true))
                            .collect();
                        let projection = s.projection.clone();
                        let scan = Scan::try_new(s.source.clone(), &sem)?
                            .with_pushdown(projection, filters, &sem)?;
                        Ok(Transformed::yes(LogicalPlan::Scan(scan)))
                    } else {
                        Ok(Transformed::no(LogicalPlan::Scan(s)))
                    }
                }
                other => Ok(Transformed::no(other)),
            },
            &sem,
        )
    }
}
