//! Moves filters towards the scans, and into them.
//!
//! ```text
//! Filter: o = 'JFK'                      Projection: origin AS o, d
//!   Projection: origin AS o, d     =>      Scan: flights filters=[origin = 'JFK']
//!     Scan: flights
//! ```
//!
//! A filter moves below a projection (when the columns it reads are plain columns
//! there), a sort, a distinct, a repartition, and an aggregate (when it reads only
//! plain group keys: a HAVING on a key is a WHERE). Only a leading run of conjuncts
//! moves, so conjuncts still run in the order written, each on the rows the earlier
//! ones kept. It never moves below a limit or a top-k (that changes which rows are
//! kept), below `map_partitions` (user code sees every row), or below an aggregate
//! when it reads an aggregate's output.

use std::collections::HashMap;
use std::sync::Arc;

use partita_common::{Result, Semantics};

use crate::expr::Expr;
use crate::optimizer::{OptimizerContext, OptimizerRule};
use crate::plan::{Filter, LogicalPlan, Scan, Sort};
use crate::tree::Transformed;

/// See the module documentation.
pub struct PushDownFilter;

/// Renames the columns of `e` by `map`; `None` when it reads a column not in the map.
fn rename(e: &Expr, map: &HashMap<String, String>) -> Option<Expr> {
    if e.column_refs().iter().any(|c| !map.contains_key(c)) {
        return None;
    }
    e.clone()
        .transform_up(&mut |x| match x {
            Expr::Column(c) => Ok(Transformed::yes(Expr::Column(map[&c].clone()))),
            other => Ok(Transformed::no(other)),
        })
        .ok()
        .map(|t| t.data)
}

/// Splits `conjuncts` into the leading run that `rename` accepts (renamed) and the rest.
fn split_prefix(conjuncts: Vec<Expr>, map: &HashMap<String, String>) -> (Vec<Expr>, Vec<Expr>) {
    let mut pushed = vec![];
    let mut iter = conjuncts.into_iter();
    let mut rest = vec![];
    for c in iter.by_ref() {
        match rename(&c, map) {
            Some(r) => pushed.push(r),
            None => {
                rest.push(c);
                break;
            }
        }
    }
    rest.extend(iter);
    (pushed, rest)
}

fn wrap(plan: LogicalPlan, conjuncts: Vec<Expr>, sem: &Semantics) -> Result<LogicalPlan> {
    match Expr::conjunction(conjuncts) {
        Some(p) => Ok(LogicalPlan::Filter(Filter::try_new(
            Arc::new(plan),
            p,
            sem,
        )?)),
        None => Ok(plan),
    }
}

/// Output name → input column, for the expressions that are plain (aliased) columns.
fn plain_columns(exprs: &[Expr]) -> HashMap<String, String> {
    exprs
        .iter()
        .filter_map(|e| match e.unalias() {
            Expr::Column(c) => Some((e.output_name(), c.clone())),
            _ => None,
        })
        .collect()
}

/// Moves the leading conjuncts that read only `map`'s columns below `node` (renamed
/// to its input's names); the rest stay above it.
fn push_below_renaming(
    node: LogicalPlan,
    map: HashMap<String, String>,
    conjuncts: Vec<Expr>,
    sem: &Semantics,
) -> Result<(LogicalPlan, bool)> {
    let (pushed, rest) = split_prefix(conjuncts, &map);
    if pushed.is_empty() {
        return Ok((wrap(node, rest, sem)?, false));
    }
    let node = node
        .map_inputs(
            |_, input| Ok(Transformed::yes(push(pushed.clone(), input, sem)?.0)),
            sem,
        )?
        .data;
    Ok((wrap(node, rest, sem)?, true))
}

/// Applies `conjuncts` on top of `input`, as deep as they can go.
fn push(conjuncts: Vec<Expr>, input: LogicalPlan, sem: &Semantics) -> Result<(LogicalPlan, bool)> {
    match input {
        LogicalPlan::Scan(s) => {
            let mut filters = s.filters.clone();
            filters.extend(conjuncts);
            let scan = Scan::try_new(s.source.clone(), sem)?.with_pushdown(
                s.projection.clone(),
                filters,
                sem,
            )?;
            Ok((LogicalPlan::Scan(scan), true))
        }
        LogicalPlan::Projection(p) => {
            let map = plain_columns(&p.exprs);
            push_below_renaming(LogicalPlan::Projection(p), map, conjuncts, sem)
        }
        LogicalPlan::Aggregate(a) if !a.group_exprs.is_empty() => {
            let map = plain_columns(&a.group_exprs);
            push_below_renaming(LogicalPlan::Aggregate(a), map, conjuncts, sem)
        }
        // Passes rows through unchanged: the filter goes below it.
        node @ (LogicalPlan::Sort(Sort { fetch: None, .. })
        | LogicalPlan::Distinct(_)
        | LogicalPlan::Repartition(_)) => {
            let t = node.map_inputs(
                |_, input| Ok(Transformed::yes(push(conjuncts.clone(), input, sem)?.0)),
                sem,
            )?;
            Ok((t.data, true))
        }
        other => Ok((wrap(other, conjuncts, sem)?, false)),
    }
}

impl OptimizerRule for PushDownFilter {
    fn name(&self) -> &'static str {
        "push_down_filter"
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        ctx: &OptimizerContext,
    ) -> Result<Transformed<LogicalPlan>> {
        let sem = ctx.semantics;
        plan.transform_down(
            &mut |node| match node {
                LogicalPlan::Filter(f) => {
                    let conjuncts: Vec<Expr> = f
                        .predicate
                        .split_conjunction()
                        .into_iter()
                        .cloned()
                        .collect();
                    let (new, moved) = push(conjuncts, (*f.input).clone(), &sem)?;
                    if moved {
                        Ok(Transformed::yes(new))
                    } else {
                        Ok(Transformed::no(LogicalPlan::Filter(f)))
                    }
                }
                other => Ok(Transformed::no(other)),
            },
            &sem,
        )
    }
}
