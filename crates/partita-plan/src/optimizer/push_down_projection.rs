//! Prunes columns nobody uses, down to the scans: a scan reads only the columns
//! some node above it needs.
//!
//! ```text
//! Aggregate: groupBy=[origin], aggr=[mean(dep_delay)]      (same)
//!   Filter: distance > 100                            =>     (same)
//!     Scan: flights                                            Scan: flights projection=[origin, dep_delay, distance]
//! ```
//!
//! Projections below the root drop expressions no one reads. The root's columns are
//! always kept, and nothing is pruned below a distinct or `map_partitions` (they
//! need every column of their input).

use std::collections::HashSet;

use partita_common::{Result, Semantics};

use crate::expr::Expr;
use crate::optimizer::{OptimizerContext, OptimizerRule};
use crate::plan::{LogicalPlan, Projection, Scan};
use crate::tree::Transformed;

/// See the module documentation.
pub struct PushDownProjection;

fn refs(exprs: &[Expr], into: &mut HashSet<String>) {
    for e in exprs {
        into.extend(e.column_refs());
    }
}

/// Prunes `plan` so that it still yields every column in `required` (`None`: all).
fn prune(
    plan: LogicalPlan,
    required: Option<HashSet<String>>,
    sem: &Semantics,
) -> Result<Transformed<LogicalPlan>> {
    let all = |p: &LogicalPlan| -> HashSet<String> {
        p.schema().names().into_iter().map(String::from).collect()
    };
    let required_here = required.clone().unwrap_or_else(|| all(&plan));
    // What this node needs from its input, and possibly a pruned version of the node.
    let mut changed_here = false;
    let (node, child_required): (LogicalPlan, Option<HashSet<String>>) = match plan {
        LogicalPlan::Empty(e) => return Ok(Transformed::no(LogicalPlan::Empty(e))),
        LogicalPlan::Scan(s) => {
            let mut needed = required_here.clone();
            refs(&s.filters, &mut needed);
            let projection: Vec<usize> = (0..s.source_schema.len())
                .filter(|&i| needed.contains(&s.source_schema.field(i).name))
                .collect();
            let projection = Some(projection);
            if projection == s.projection
                || (s.projection.is_none() && needed.len() == s.source_schema.len())
            {
                return Ok(Transformed::no(LogicalPlan::Scan(s)));
            }
            let scan = Scan::try_new(s.source.clone(), sem)?.with_pushdown(
                projection,
                s.filters.clone(),
                sem,
            )?;
            return Ok(Transformed::yes(LogicalPlan::Scan(scan)));
        }
        LogicalPlan::Projection(p) => {
            let keep: Vec<Expr> = if required.is_some() {
                p.exprs
                    .iter()
                    .filter(|e| required_here.contains(&e.output_name()))
                    .cloned()
                    .collect()
            } else {
                p.exprs.clone()
            };
            let mut needed = HashSet::new();
            refs(&keep, &mut needed);
            if keep.len() != p.exprs.len() && !keep.is_empty() {
                changed_here = true;
                (
                    LogicalPlan::Projection(Projection::try_new(p.input.clone(), keep, sem)?),
                    Some(needed),
                )
            } else {
                if keep.is_empty() {
                    refs(&p.exprs, &mut needed);
                }
                (LogicalPlan::Projection(p), Some(needed))
            }
        }
        LogicalPlan::Filter(f) => {
            let mut needed = required_here.clone();
            needed.extend(f.predicate.column_refs());
            (LogicalPlan::Filter(f), Some(needed))
        }
        LogicalPlan::Sort(s) => {
            let mut needed = required_here.clone();
            needed.extend(s.keys.iter().map(|k| k.column.clone()));
            (LogicalPlan::Sort(s), Some(needed))
        }
        LogicalPlan::Limit(l) => (LogicalPlan::Limit(l), Some(required_here.clone())),
        LogicalPlan::Repartition(r) => {
            let mut needed = required_here.clone();
            needed.extend(r.by.iter().cloned());
            (LogicalPlan::Repartition(r), Some(needed))
        }
        LogicalPlan::TopKPerGroup(t) => {
            let mut needed = required_here.clone();
            needed.extend(t.keys.iter().cloned());
            needed.extend(t.sort_keys.iter().map(|k| k.column.clone()));
            (LogicalPlan::TopKPerGroup(t), Some(needed))
        }
        LogicalPlan::Window(w) => {
            let mut needed = required_here.clone();
            for r in &w.exprs {
                needed.extend(r.expr.partition_by.iter().cloned());
                needed.extend(r.expr.order_by.iter().map(|o| o.column.clone()));
                needed.extend(r.expr.arg.iter().cloned());
            }
            (LogicalPlan::Window(w), Some(needed))
        }
        LogicalPlan::Aggregate(a) => {
            let mut needed = HashSet::new();
            refs(&a.group_exprs, &mut needed);
            refs(&a.aggr_exprs, &mut needed);
            (LogicalPlan::Aggregate(a), Some(needed))
        }
        LogicalPlan::Join(j) => {
            let mut needed = required_here.clone();
            for k in &j.on {
                needed.insert(k.left.clone());
                needed.insert(k.right.clone());
            }
            if let Some(f) = &j.filter {
                needed.extend(f.column_refs());
            }
            (LogicalPlan::Join(j), Some(needed))
        }
        // Every input of a union must keep the same columns: none are pruned below.
        other @ (LogicalPlan::Distinct(_)
        | LogicalPlan::MapPartitions(_)
        | LogicalPlan::Union(_)) => (other, None),
    };
    // Each input is asked for the needed columns it has (a join's two sides hold
    // different ones).
    let mut t = node.map_inputs(
        |_, input| {
            let own = child_required.as_ref().map(|needed| {
                let mine = all(&input);
                needed.intersection(&mine).cloned().collect()
            });
            prune(input, own, sem)
        },
        sem,
    )?;
    t.transformed |= changed_here;
    Ok(t)
}

impl OptimizerRule for PushDownProjection {
    fn name(&self) -> &'static str {
        "push_down_projection"
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        ctx: &OptimizerContext,
    ) -> Result<Transformed<LogicalPlan>> {
        prune(plan, None, &ctx.semantics)
    }
}
