//! The end of a SELECT: its projection, DISTINCT, ORDER BY and LIMIT / OFFSET.

use partita_common::{Error, NullPlacement, RepeatedNames, Result};
use partita_plan::{col, Expr, LogicalPlan, LogicalPlanBuilder, SortExpr};
use sqlparser::ast::{self, Spanned};

use crate::planner::Planner;
use crate::position::{at, sql_err, Wrap};
use crate::select::Item;

impl Planner<'_> {
    /// The ORDER BY keys: ordinals name the final `outputs`, names of the items as
    /// `written` name their output column, and other expressions are planned and
    /// passed through `rewrite`.
    pub(crate) fn order_exprs(
        &self,
        order_by: &[&ast::OrderByExpr],
        outputs: &[Item],
        written: &[Item],
        mut rewrite: impl FnMut(Expr, &ast::Expr) -> Result<Expr>,
    ) -> Result<Vec<Expr>> {
        let mut order_exprs = vec![];
        for o in order_by {
            let e = match self.ordinal(&o.expr, outputs.len())? {
                Some(k) => col(outputs[k].name.clone()),
                None => match self.alias_ref(&o.expr, written)? {
                    Some(name) => col(name),
                    None => rewrite(self.expr(&o.expr)?, &o.expr)?,
                },
            };
            order_exprs.push(e);
        }
        Ok(order_exprs)
    }

    /// `ORDER BY name` naming a select item's output (an alias, or a column kept as
    /// is). Matched as the semantics says; when nothing matches that way, a unique
    /// select alias equal but for case is taken (`... AS Total ORDER BY total`), since
    /// an alias of the same query is what the user meant. A name two items carry
    /// is as [`Semantics::repeated_names`](partita_common::Semantics) says.
    fn alias_ref(&self, e: &ast::Expr, items: &[Item]) -> Result<Option<String>> {
        let ast::Expr::Identifier(i) = e else {
            return Ok(None);
        };
        let hits: Vec<&Item> = items
            .iter()
            .filter(|it| self.same_name(partita_common::shown_name(&it.name), &i.value))
            .collect();
        match hits.as_slice() {
            [one] => return Ok(Some(one.name.clone())),
            [_, _, ..] if self.sem.repeated_names == RepeatedNames::Error => {
                let message = format!(
                    "ORDER BY {}: {} output columns have that name; give them different names with AS",
                    i.value,
                    hits.len()
                );
                return at(Err(Error::analysis("AMBIGUOUS_REFERENCE", message)), e);
            }
            // Items that are one expression (`SELECT a, a ... ORDER BY a`) are one
            // column to sort by; different ones leave the input column of the name.
            [one, rest @ ..] if rest.iter().all(|other| other.expr == one.expr) => {
                return Ok(Some(one.name.clone()))
            }
            _ => {}
        }
        let loose: Vec<&Item> = items
            .iter()
            .filter(|it| it.name.eq_ignore_ascii_case(&i.value))
            .collect();
        Ok(match (hits.is_empty(), loose.as_slice()) {
            (true, [one]) if !matches!(&one.expr, Expr::Column(c) if c == &one.name) => {
                Some(one.name.clone())
            }
            _ => None,
        })
    }

    /// Projection of the select items (plus hidden ORDER BY columns), DISTINCT,
    /// ORDER BY, dropping hidden columns, LIMIT/OFFSET.
    pub(crate) fn finish(
        &self,
        plan: LogicalPlan,
        items: Vec<Item>,
        order_exprs: Vec<Expr>,
        order_by: &[&ast::OrderByExpr],
        distinct: bool,
        q: &ast::Query,
    ) -> Result<LogicalPlan> {
        let mut exprs: Vec<Expr> = items
            .iter()
            .map(|it| {
                if it.expr.output_name() == it.name {
                    it.expr.clone()
                } else {
                    it.expr.clone().alias(it.name.clone())
                }
            })
            .collect();
        let visible = exprs.len();
        let mut sort_cols = vec![];
        for (i, e) in order_exprs.iter().enumerate() {
            match e {
                Expr::Column(c) if items.iter().any(|it| &it.name == c) => {
                    sort_cols.push(c.clone())
                }
                other => {
                    if let Some(it) = items.iter().find(|it| it.expr == *other) {
                        sort_cols.push(it.name.clone());
                    } else {
                        if distinct {
                            return Err(sql_err("with SELECT DISTINCT, ORDER BY expressions must appear in the select list", order_by[i]));
                        }
                        let name = format!("__order{i}");
                        exprs.push(other.clone().alias(name.clone()));
                        sort_cols.push(name);
                    }
                }
            }
        }
        let src: &dyn Spanned = q;
        let mut plan = at(
            LogicalPlanBuilder::new(plan, self.sem).project(exprs),
            &Wrap(src),
        )?;
        if distinct {
            plan = plan.distinct()?;
        }
        if !sort_cols.is_empty() {
            plan = at(plan.sort(sort_keys(&sort_cols, order_by), None), q)?;
        }
        if plan.schema().len() > visible {
            let keep: Vec<Expr> = plan.schema().fields()[..visible]
                .iter()
                .map(|f| col(f.name.clone()))
                .collect();
            plan = at(plan.project(keep), q)?;
        }
        self.order_limit(plan.build(), q, true)
    }

    /// LIMIT / OFFSET; `ordered` says whether the caller applied the query's ORDER BY
    /// (a parenthesized query body has none of its own here).
    pub(crate) fn order_limit(
        &self,
        plan: LogicalPlan,
        q: &ast::Query,
        ordered: bool,
    ) -> Result<LogicalPlan> {
        if !ordered && q.order_by.is_some() {
            return Err(sql_err(
                "ORDER BY on a parenthesized query is not supported; use a subquery in FROM",
                q,
            ));
        }
        let (limit, offset) = match &q.limit_clause {
            None => (None, None),
            Some(ast::LimitClause::LimitOffset {
                limit,
                offset,
                limit_by,
            }) => {
                if !limit_by.is_empty() {
                    return Err(sql_err("LIMIT BY is not supported", q));
                }
                (limit.clone(), offset.as_ref().map(|o| o.value.clone()))
            }
            Some(ast::LimitClause::OffsetCommaLimit { offset, limit }) => {
                (Some(limit.clone()), Some(offset.clone()))
            }
        };
        let count = |e: &ast::Expr, what: &str| -> Result<usize> {
            match e {
                ast::Expr::Value(v) => match &v.value {
                    ast::Value::Number(s, _) => s.parse().map_err(|_| {
                        sql_err(format!("{what} must be a non-negative integer, got {s}"), e)
                    }),
                    other => Err(sql_err(
                        format!("{what} must be a non-negative integer, got {other}"),
                        e,
                    )),
                },
                other => Err(sql_err(
                    format!("{what} must be a non-negative integer literal, got {other}"),
                    e,
                )),
            }
        };
        let fetch = match &limit {
            Some(ast::Expr::Value(v)) if matches!(v.value, ast::Value::Null) => None,
            Some(l) => Some(count(l, "LIMIT")?),
            None => None,
        };
        let skip = match &offset {
            Some(o) => count(o, "OFFSET")?,
            None => 0,
        };
        if fetch.is_none() && skip == 0 {
            return Ok(plan);
        }
        LogicalPlanBuilder::new(plan, self.sem)
            .limit(skip, fetch)
            .map(LogicalPlanBuilder::build)
    }
}

/// The sort keys of the output columns `sort_cols`, in the directions and null
/// placements ORDER BY gives them.
pub(crate) fn sort_keys(sort_cols: &[String], order_by: &[&ast::OrderByExpr]) -> Vec<SortExpr> {
    sort_cols
        .iter()
        .zip(order_by)
        .map(|(c, o)| {
            let descending = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
            let nulls = match o.options.nulls_first {
                Some(true) => NullPlacement::First,
                Some(false) => NullPlacement::Last,
                None => NullPlacement::Default,
            };
            SortExpr::new(c.clone(), descending, nulls)
        })
        .collect()
}
