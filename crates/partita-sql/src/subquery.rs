//! Subqueries in WHERE and in the select list: `x [NOT] IN (SELECT ...)` and
//! `[NOT] EXISTS (SELECT ...)` become semi and anti joins, a scalar subquery a
//! one-row relation joined to every row.
//!
//! Missing values follow the semantics: under pandas (`isin`) a missing `x` is in
//! a subquery that holds a missing value, and `NOT IN` is the plain complement;
//! under Spark's three-valued logic `IN` never matches NULL, and `x NOT IN (...)`
//! keeps no row once the subquery holds a NULL and drops a NULL `x` unless the
//! subquery is empty.

use partita_common::{AggregateFunction, BinaryOperator, Error, JoinNullKeys, Logic, Result};
use partita_plan::{
    col, count_star, lit, Expr, JoinKey, JoinType, LogicalPlan, LogicalPlanBuilder,
};
use sqlparser::ast;

use crate::join::{Scope, ScopeEntry};
use crate::names::{from_qualifiers, ident_name, object_name};
use crate::planner::Planner;
use crate::position::{at, sql_err};

/// The hidden name of a subquery's column `c` inside the outer plan.
fn hidden(c: &str) -> String {
    format!("__sub.{c}")
}

/// True when the plan returns at most one row whatever its input (a global
/// aggregate, `LIMIT 1`, no FROM), so a scalar subquery over it is well defined.
fn at_most_one_row(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::Aggregate(a) => a.group_exprs.is_empty(),
        LogicalPlan::Limit(l) => l.fetch.is_some_and(|f| f <= 1) || at_most_one_row(&l.input),
        LogicalPlan::Empty(_) => true,
        LogicalPlan::Projection(_) | LogicalPlan::Filter(_) | LogicalPlan::Sort(_) => {
            plan.inputs().first().is_some_and(|i| at_most_one_row(i))
        }
        _ => false,
    }
}

/// The conjuncts of a WHERE clause, as written.
pub(crate) fn conjuncts(e: &ast::Expr) -> Vec<&ast::Expr> {
    match e {
        ast::Expr::BinaryOp {
            left,
            op: ast::BinaryOperator::And,
            right,
        } => {
            let mut v = conjuncts(left);
            v.extend(conjuncts(right));
            v
        }
        ast::Expr::Nested(inner)
            if matches!(
                inner.as_ref(),
                ast::Expr::BinaryOp {
                    op: ast::BinaryOperator::And,
                    ..
                }
            ) =>
        {
            conjuncts(inner)
        }
        other => vec![other],
    }
}

impl Planner<'_> {
    fn nulls_match(&self) -> bool {
        self.sem.join_null_keys == JoinNullKeys::Match
    }

    /// A WHERE conjunct that is a subquery test, applied to `plan` as a join;
    /// `None` when the conjunct is something else.
    pub(crate) fn subquery_conjunct(
        &self,
        plan: LogicalPlan,
        c: &ast::Expr,
        select: &ast::Select,
    ) -> Result<std::result::Result<LogicalPlan, LogicalPlan>> {
        Ok(match c {
            ast::Expr::InSubquery {
                expr,
                subquery,
                negated,
            } => Ok(self.in_subquery(plan, expr, subquery, *negated, c)?),
            ast::Expr::Exists { subquery, negated } => {
                Ok(self.exists(plan, subquery, *negated, select, c)?)
            }
            ast::Expr::UnaryOp {
                op: ast::UnaryOperator::Not,
                expr,
            } => match expr.as_ref() {
                ast::Expr::Exists { subquery, negated } => {
                    Ok(self.exists(plan, subquery, !*negated, select, c)?)
                }
                ast::Expr::InSubquery {
                    expr,
                    subquery,
                    negated,
                } => Ok(self.in_subquery(plan, expr, subquery, !*negated, c)?),
                _ => Err(plan),
            },
            _ => Err(plan),
        })
    }

    /// `x [NOT] IN (SELECT c ...)`.
    fn in_subquery(
        &self,
        plan: LogicalPlan,
        x: &ast::Expr,
        subquery: &ast::Query,
        negated: bool,
        node: &ast::Expr,
    ) -> Result<LogicalPlan> {
        let outer = match self.expr(x)? {
            Expr::Column(c) => c,
            other => {
                return Err(sql_err(
                    format!("IN (SELECT ...) is supported on a column, not on '{other}'"),
                    x,
                ))
            }
        };
        let inner = self.query(subquery)?;
        let [field] = inner.schema().fields() else {
            return Err(sql_err(
                format!(
                    "a subquery of IN returns one column, not {}",
                    inner.schema().len()
                ),
                subquery,
            ));
        };
        let inner_col = field.name.clone();
        let hidden_col = hidden(&inner_col);
        let renamed = LogicalPlanBuilder::new(inner.clone(), self.sem)
            .project([col(inner_col.clone()).alias(hidden_col.clone())])?
            .build();
        let key = |null_equal| JoinKey {
            left: outer.clone(),
            right: hidden_col.clone(),
            null_equal,
        };
        let b = LogicalPlanBuilder::new(plan, self.sem);
        if !negated || self.sem.logic != Logic::ThreeValued {
            let how = if negated {
                JoinType::LeftAnti
            } else {
                JoinType::LeftSemi
            };
            let joined = b.join(renamed, how, vec![key(self.nulls_match())], None);
            return at(joined.map(LogicalPlanBuilder::build), node);
        }
        // Three-valued NOT IN: no match, and either the subquery is empty or it
        // holds no NULL and x is not NULL.
        let counts = LogicalPlanBuilder::new(inner, self.sem)
            .aggregate(
                [],
                [
                    count_star().alias("__sub_rows"),
                    Expr::Aggregate {
                        func: AggregateFunction::Count,
                        args: vec![col(inner_col)],
                    }
                    .alias("__sub_values"),
                ],
            )?
            .build();
        let keep = col("__sub_rows").eq(lit(0i64)).or(col(outer.clone())
            .is_not_null()
            .and(col("__sub_values").eq(col("__sub_rows"))));
        let names: Vec<Expr> = b.schema().names().iter().map(|n| col(*n)).collect();
        at(
            b.join(renamed, JoinType::LeftAnti, vec![key(false)], None)
                .and_then(|b| b.join(counts, JoinType::Cross, vec![], None))
                .and_then(|b| b.filter(keep))
                .and_then(|b| b.project(names))
                .map(LogicalPlanBuilder::build),
            node,
        )
    }

    /// `[NOT] EXISTS (SELECT ... FROM t WHERE t.k = outer.k AND ...)`: the subquery
    /// reads one relation; its equalities between one of its columns and an outer
    /// column are the keys of a semi (anti) join, its conditions on its own columns
    /// filter it, and the rest is a condition on the pairs.
    fn exists(
        &self,
        plan: LogicalPlan,
        subquery: &ast::Query,
        negated: bool,
        outer_select: &ast::Select,
        node: &ast::Expr,
    ) -> Result<LogicalPlan> {
        let ast::SetExpr::Select(sub) = subquery.body.as_ref() else {
            return Err(sql_err("EXISTS takes a SELECT", subquery));
        };
        let outer = match self.scope.borrow().as_ref() {
            Some(outer) => outer.clone(),
            None => {
                let q = from_qualifiers(outer_select).into_iter().next();
                let mut scope = Scope::default();
                for n in plan.schema().names() {
                    scope.entries.push(ScopeEntry {
                        qualifier: q.clone(),
                        column: n.to_string(),
                        internal: n.to_string(),
                        star: false,
                    });
                }
                scope
            }
        };
        let Correlated {
            inner, keys, pairs, ..
        } = self.correlate(sub, subquery, &outer)?;
        if keys.is_empty() {
            return Err(sql_err(
                "EXISTS needs an equality between a column of the subquery and one of the outer query",
                subquery,
            ));
        }
        let how = if negated {
            JoinType::LeftAnti
        } else {
            JoinType::LeftSemi
        };
        at(
            LogicalPlanBuilder::new(plan, self.sem)
                .join(inner.build(), how, keys, Expr::conjunction(pairs))
                .map(LogicalPlanBuilder::build),
            node,
        )
    }

    /// The parts of a subquery over one relation that reads the outer query's
    /// columns (`outer`): its relation (columns under hidden names) filtered by
    /// its conditions on its own columns, the equalities between one of its
    /// columns and an outer column (join keys, the outer column on the left), the
    /// other conditions (over both), and the scope its names resolve in.
    fn correlate(
        &self,
        sub: &ast::Select,
        subquery: &ast::Query,
        outer: &Scope,
    ) -> Result<Correlated> {
        let [from] = sub.from.as_slice() else {
            return Err(sql_err(
                "a correlated subquery reads one table (FROM t WHERE ...); this one reads several",
                subquery,
            ));
        };
        if !from.joins.is_empty() || sub.group_by != ast::GroupByExpr::Expressions(vec![], vec![]) {
            return Err(sql_err(
                "a correlated subquery over a join or a GROUP BY is not supported yet",
                subquery,
            ));
        }
        let inner = self.relation(&from.relation)?;
        let q_inner = match &from.relation {
            ast::TableFactor::Table { alias: Some(a), .. }
            | ast::TableFactor::Derived { alias: Some(a), .. } => ident_name(&a.name),
            ast::TableFactor::Table { name, .. } => object_name(name),
            other => return Err(sql_err("a subquery in EXISTS needs an alias", other)),
        };
        let inner_names: Vec<String> = inner
            .schema()
            .names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let inner = LogicalPlanBuilder::new(inner, self.sem)
            .project(inner_names.iter().map(|n| col(n.clone()).alias(hidden(n))))?
            .build();
        // Names inside the subquery: its own columns first (unqualified too), then
        // the outer query's.
        let mut scope = Scope::default();
        for n in &inner_names {
            for qualifier in [None, Some(q_inner.clone())] {
                scope.entries.push(ScopeEntry {
                    qualifier,
                    column: n.clone(),
                    internal: hidden(n),
                    star: false,
                });
            }
        }
        scope.entries.extend(outer.entries.iter().cloned());
        let conditions = match &sub.selection {
            Some(w) => self.in_scope(Some(scope.clone()), || {
                conjuncts(w)
                    .into_iter()
                    .map(|c| self.expr(c))
                    .collect::<Result<Vec<_>>>()
            })?,
            None => vec![],
        };
        let is_inner = |c: &String| c.starts_with("__sub.");
        let (mut keys, mut inner_only, mut pairs) = (vec![], vec![], vec![]);
        for c in conditions {
            let refs = c.column_refs();
            if refs.iter().all(is_inner) {
                inner_only.push(c);
                continue;
            }
            if let Expr::Binary {
                left,
                op: op @ (BinaryOperator::Eq | BinaryOperator::NullSafeEq),
                right,
            } = &c
            {
                if let (Expr::Column(a), Expr::Column(b)) = (left.as_ref(), right.as_ref()) {
                    let null_equal = *op == BinaryOperator::NullSafeEq || self.nulls_match();
                    match (is_inner(a), is_inner(b)) {
                        (false, true) => {
                            keys.push(JoinKey {
                                left: a.clone(),
                                right: b.clone(),
                                null_equal,
                            });
                            continue;
                        }
                        (true, false) => {
                            keys.push(JoinKey {
                                left: b.clone(),
                                right: a.clone(),
                                null_equal,
                            });
                            continue;
                        }
                        _ => {}
                    }
                }
            }
            pairs.push(c);
        }
        let mut inner = LogicalPlanBuilder::new(inner, self.sem);
        if let Some(f) = Expr::conjunction(inner_only) {
            inner = at(inner.filter(f), subquery)?;
        }
        Ok(Correlated {
            inner,
            keys,
            pairs,
            scope,
        })
    }

    /// A scalar subquery: planned on its own (it may not read the outer query's
    /// columns), reduced to one row whose value is its first row's (missing when it
    /// has none), and remembered so that the SELECT joins it to every row; the
    /// expression is the column that holds it.
    pub(crate) fn scalar_subquery(&self, q: &ast::Query, e: &ast::Expr) -> Result<Expr> {
        // The subquery's own scalar subqueries are joined inside it, not here.
        let pending = self.scalars.take();
        let plan = self.query(q);
        self.scalars.replace(pending);
        if plan.is_err() {
            // Perhaps it reads the outer query's columns.
            if let Some(correlated) = self.correlated_scalar(q, e)? {
                return Ok(correlated);
            }
        }
        let plan = plan.map_err(|err| match err {
            Error::Sql { message, span } if message.starts_with("unknown table") => Error::Sql {
                message: format!(
                    "{message}: a scalar subquery cannot read the outer query's columns yet"
                ),
                span,
            },
            other => other,
        })?;
        if !at_most_one_row(&plan) {
            return Err(sql_err(
                "a scalar subquery must return at most one row: aggregate it (e.g. MAX(w)) or add LIMIT 1",
                e,
            ));
        }
        let [field] = plan.schema().fields() else {
            return Err(sql_err(
                format!(
                    "a scalar subquery returns one column, not {}",
                    plan.schema().len()
                ),
                e,
            ));
        };
        let name = format!("__scalar{}", self.scalars.borrow().len());
        let one = LogicalPlanBuilder::new(plan.clone(), self.sem)
            .aggregate(
                [],
                [Expr::Aggregate {
                    func: AggregateFunction::First {
                        ignore_nulls: Some(false),
                    },
                    args: vec![col(field.name.clone())],
                }
                .alias(name.clone())],
            )?
            .build();
        self.scalars.borrow_mut().push((one, vec![]));
        Ok(col(name))
    }

    /// A scalar subquery over one table whose conditions equate its columns with
    /// the outer query's (`(SELECT SUM(b.w) FROM b WHERE b.k = a.k)`): its value is
    /// aggregated per key and joined to the outer rows on the keys, so a row
    /// whose key has no match (or is missing) gets a missing value, as pandas'
    /// `map` of a `groupby` and Spark give for `SUM`, `AVG`, `MIN`, `MAX`.
    /// `None` when the subquery reads no outer column.
    fn correlated_scalar(&self, q: &ast::Query, e: &ast::Expr) -> Result<Option<Expr>> {
        let ast::SetExpr::Select(sub) = q.body.as_ref() else {
            return Ok(None);
        };
        let Some(outer) = self.scope.borrow().clone() else {
            return Ok(None);
        };
        if q.order_by.is_some() || q.limit_clause.is_some() || sub.having.is_some() {
            return Ok(None);
        }
        let [item] = sub.projection.as_slice() else {
            return Ok(None);
        };
        let value = match item {
            ast::SelectItem::UnnamedExpr(v) | ast::SelectItem::ExprWithAlias { expr: v, .. } => v,
            _ => return Ok(None),
        };
        let Correlated {
            inner,
            keys,
            pairs,
            scope,
        } = self.correlate(sub, q, &outer)?;
        if keys.is_empty() {
            return Ok(None);
        }
        if !pairs.is_empty() {
            return Err(sql_err(
                "a correlated scalar subquery's conditions on outer columns must be equalities with its own columns",
                q,
            ));
        }
        let value = self.in_scope(Some(scope), || self.expr(value))?;
        let is_inner = |c: &String| c.starts_with("__sub.");
        if !value.column_refs().iter().all(is_inner) {
            return Err(sql_err(
                "a correlated scalar subquery's value must read only its own table's columns",
                item,
            ));
        }
        // COUNT over no rows is 0, not missing: a key without matches would need
        // it, which the join below does not give.
        let mut counts = false;
        let mut aggregates = false;
        value.apply(&mut |x| {
            if let Expr::Aggregate { func, .. } = x {
                aggregates = true;
                counts |= matches!(
                    func,
                    AggregateFunction::Count
                        | AggregateFunction::CountStar
                        | AggregateFunction::CountDistinct
                );
            }
        });
        if !aggregates {
            return Err(sql_err(
                "a correlated scalar subquery must aggregate its rows (e.g. MAX(w)) to one value per key",
                item,
            ));
        }
        if counts {
            return Err(sql_err(
                "COUNT in a correlated scalar subquery is not supported yet (a key without matches counts 0); use a LEFT JOIN on a grouped count",
                item,
            ));
        }
        let n = self.scalars.borrow().len();
        let name = format!("__scalar{n}");
        let key_name = |i: usize| format!("__scalar{n}.key{i}");
        let group: Vec<Expr> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| col(k.right.clone()).alias(key_name(i)))
            .collect();
        let per_key = at(inner.aggregate(group, [value.alias(name.clone())]), e)?.build();
        let on = keys
            .into_iter()
            .enumerate()
            .map(|(i, k)| JoinKey {
                left: k.left,
                right: key_name(i),
                null_equal: false,
            })
            .collect();
        self.scalars.borrow_mut().push((per_key, on));
        Ok(Some(col(name)))
    }

    /// `plan` with every scalar subquery planned so far joined to it (one row each).
    pub(crate) fn join_scalars(&self, plan: LogicalPlan) -> Result<LogicalPlan> {
        let scalars: Vec<(LogicalPlan, Vec<JoinKey>)> =
            self.scalars.borrow_mut().drain(..).collect();
        let mut b = LogicalPlanBuilder::new(plan, self.sem);
        for (s, keys) in scalars {
            b = if keys.is_empty() {
                b.join(s, JoinType::Cross, vec![], None)?
            } else {
                b.join(s, JoinType::Left, keys, None)?
            };
        }
        Ok(b.build())
    }
}

/// See [`Planner::correlate`].
struct Correlated {
    inner: LogicalPlanBuilder,
    keys: Vec<JoinKey>,
    pairs: Vec<Expr>,
    scope: Scope,
}
