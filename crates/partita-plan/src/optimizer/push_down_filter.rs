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
//! when it reads an aggregate's output. Into a join, a leading run of conjuncts
//! that cannot fail moves to the side it reads (never to the side an outer join
//! fills), a copy of one over join keys filters the other side's keys, and a
//! left-right equality over a cross join becomes its key.

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
        LogicalPlan::Join(j) => push_into_join(j, conjuncts, sem),
        other => Ok((wrap(other, conjuncts, sem)?, false)),
    }
}

/// A conjunct that gives true or false on any row, never an error or a missing
/// value: a comparison of columns and literals, a null test of a column, a column
/// IN a list of literals. Moving it below a join evaluates it on rows the join may
/// drop, which only such a conjunct allows.
fn cannot_fail(e: &Expr) -> bool {
    let leaf = |e: &Expr| matches!(e, Expr::Column(_) | Expr::Literal(_));
    match e {
        Expr::Binary { left, op, right } => {
            op.is_comparison() && !op.is_arithmetic() && leaf(left) && leaf(right)
        }
        Expr::IsNull(x) | Expr::IsNotNull(x) => matches!(x.as_ref(), Expr::Column(_)),
        Expr::InList { expr, list, .. } => {
            matches!(expr.as_ref(), Expr::Column(_))
                && list.iter().all(|l| matches!(l, Expr::Literal(_)))
        }
        _ => false,
    }
}

/// A filter over a join: a leading run of conjuncts that cannot fail moves to the
/// side whose columns it reads (not to a side the join fills with missing values);
/// one over that side's join keys is also applied, on the keys they equal, to the
/// other side where only its matching rows matter (`WHERE a.k > 5` over
/// `a JOIN b ON a.k = b.k` filters `b` by `b.k > 5`); and an equality of a left and a right column turns a cross join into an inner
/// join on them (`FROM a, b WHERE a.k = b.k`); the rest stays above.
fn push_into_join(
    j: crate::plan::Join,
    conjuncts: Vec<Expr>,
    sem: &Semantics,
) -> Result<(LogicalPlan, bool)> {
    use crate::plan::{Join, JoinKey, JoinType};
    let names = |p: &LogicalPlan| -> Vec<String> {
        p.schema().names().into_iter().map(String::from).collect()
    };
    let (ln, rn) = (names(&j.left), names(&j.right));
    let within = |e: &Expr, side: &[String]| e.column_refs().iter().all(|c| side.contains(c));
    let left_ok = !matches!(j.join_type, JoinType::Right | JoinType::Full);
    let right_ok = matches!(
        j.join_type,
        JoinType::Inner | JoinType::Right | JoinType::Cross
    );
    // Key pairs of one type, each way: a conjunct over one side's keys holds for
    // the other side's rows that can still match.
    let type_of = |p: &LogicalPlan, n: &str| {
        p.schema()
            .fields()
            .iter()
            .find(|f| f.name == n)
            .map(|f| f.data_type)
    };
    let same_type: Vec<&JoinKey> =
        j.on.iter()
            .filter(|k| type_of(&j.left, &k.left) == type_of(&j.right, &k.right))
            .collect();
    let left_to_right: HashMap<String, String> = same_type
        .iter()
        .map(|k| (k.left.clone(), k.right.clone()))
        .collect();
    let right_to_left: HashMap<String, String> = same_type
        .iter()
        .map(|k| (k.right.clone(), k.left.clone()))
        .collect();
    // A right row failing a left-key conjunct matches only left rows the conjunct
    // removes, so it may go too, unless the join keeps unmatched right rows.
    let derive_right = matches!(
        j.join_type,
        JoinType::Inner | JoinType::Left | JoinType::LeftSemi | JoinType::LeftAnti
    );
    let derive_left = matches!(j.join_type, JoinType::Inner | JoinType::Right);
    let (mut to_left, mut to_right, mut keys, mut rest) = (vec![], vec![], j.on.clone(), vec![]);
    let mut iter = conjuncts.into_iter();
    for c in iter.by_ref() {
        if !cannot_fail(&c) {
            rest.push(c);
            break;
        }
        if left_ok && within(&c, &ln) {
            if let Some(d) = rename(&c, &left_to_right).filter(|_| derive_right) {
                to_right.push(d);
            }
            to_left.push(c);
        } else if right_ok && within(&c, &rn) {
            if let Some(d) = rename(&c, &right_to_left).filter(|_| derive_left) {
                to_left.push(d);
            }
            to_right.push(c);
        } else if let (JoinType::Cross | JoinType::Inner, Expr::Binary { left, op, right }) =
            (j.join_type, &c)
        {
            match (left.as_ref(), op, right.as_ref()) {
                (Expr::Column(a), partita_common::BinaryOperator::Eq, Expr::Column(b))
                    if (ln.contains(a) && rn.contains(b)) || (ln.contains(b) && rn.contains(a)) =>
                {
                    let (l, r) = if ln.contains(a) { (a, b) } else { (b, a) };
                    keys.push(JoinKey {
                        left: l.clone(),
                        right: r.clone(),
                        null_equal: false,
                    });
                }
                _ => {
                    rest.push(c);
                    break;
                }
            }
        } else {
            rest.push(c);
            break;
        }
    }
    rest.extend(iter);
    if to_left.is_empty() && to_right.is_empty() && keys.len() == j.on.len() {
        return Ok((wrap(LogicalPlan::Join(j), rest, sem)?, false));
    }
    let side = |plan: &LogicalPlan, cs: Vec<Expr>| -> Result<Arc<LogicalPlan>> {
        if cs.is_empty() {
            return Ok(Arc::new(plan.clone()));
        }
        Ok(Arc::new(push(cs, plan.clone(), sem)?.0))
    };
    let join_type = match (j.join_type, keys.is_empty()) {
        (JoinType::Cross, false) => JoinType::Inner,
        (t, _) => t,
    };
    let join = Join::try_new(
        side(&j.left, to_left)?,
        side(&j.right, to_right)?,
        join_type,
        keys,
        j.filter,
        sem,
    )?;
    Ok((wrap(LogicalPlan::Join(join), rest, sem)?, true))
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
