//! Set operations (`UNION [ALL]`, `INTERSECT`, `EXCEPT`) and `WITH` (common table
//! expressions).

use partita_common::{Error, Result};
use partita_plan::{col, Expr, LogicalPlan, LogicalPlanBuilder};
use sqlparser::ast;

use crate::names::ident_name;
use crate::order::sort_keys;
use crate::planner::Planner;
use crate::position::{at, sql_err};

/// `side` as a query of its own (no ORDER BY or LIMIT: those of a set operation
/// apply to its whole result).
fn bare(side: &ast::SetExpr) -> ast::Query {
    ast::Query {
        with: None,
        body: Box::new(side.clone()),
        order_by: None,
        limit_clause: None,
        fetch: None,
        locks: vec![],
        for_clause: None,
        settings: None,
        format_clause: None,
        pipe_operators: vec![],
    }
}

impl Planner<'_> {
    /// `WITH name AS (query), ...`: each name is a table for the rest of the query
    /// (and for the later names), planned once however often it is used.
    pub(crate) fn with_ctes(&self, with: &ast::With) -> Result<()> {
        if with.recursive {
            return Err(sql_err("WITH RECURSIVE is not supported", with));
        }
        for cte in &with.cte_tables {
            let mut plan = self.query(&cte.query)?;
            if !cte.alias.columns.is_empty() {
                let names: Vec<String> = cte
                    .alias
                    .columns
                    .iter()
                    .map(|c| ident_name(&c.name))
                    .collect();
                if names.len() != plan.schema().len() {
                    return Err(sql_err(
                        format!(
                            "WITH {} names {} columns for a query of {}",
                            ident_name(&cte.alias.name),
                            names.len(),
                            plan.schema().len()
                        ),
                        cte.query.as_ref(),
                    ));
                }
                let exprs: Vec<Expr> = plan
                    .schema()
                    .names()
                    .iter()
                    .zip(names)
                    .map(|(from, to)| col(*from).alias(to))
                    .collect();
                plan = LogicalPlanBuilder::new(plan, self.sem)
                    .project(exprs)?
                    .build();
            }
            self.ctes
                .borrow_mut()
                .push((ident_name(&cte.alias.name), plan));
        }
        Ok(())
    }

    /// `left UNION [ALL] | INTERSECT | EXCEPT right`, then the query's ORDER BY and
    /// LIMIT over its output columns.
    pub(crate) fn set_operation(&self, body: &ast::SetExpr, q: &ast::Query) -> Result<LogicalPlan> {
        let ast::SetExpr::SetOperation {
            op,
            set_quantifier,
            left,
            right,
        } = body
        else {
            return Err(Error::internal("not a set operation"));
        };
        let l = self.query(&bare(left))?;
        let r = self.query(&bare(right))?;
        let distinct = match set_quantifier {
            ast::SetQuantifier::All => false,
            ast::SetQuantifier::Distinct | ast::SetQuantifier::None => true,
            other => return Err(sql_err(format!("{op} {other} is not supported"), body)),
        };
        let b = LogicalPlanBuilder::new(l, self.sem);
        let plan = match op {
            ast::SetOperator::Union if !distinct => at(b.union(vec![r]), body)?,
            ast::SetOperator::Intersect if !distinct => at(b.intersect_all(r), body)?,
            ast::SetOperator::Except | ast::SetOperator::Minus if !distinct => {
                at(b.except_all(r), body)?
            }
            ast::SetOperator::Union => at(b.union(vec![r]).and_then(|u| u.distinct()), body)?,
            ast::SetOperator::Intersect => at(b.intersect(r), body)?,
            ast::SetOperator::Except | ast::SetOperator::Minus => at(b.except(r), body)?,
        };
        let plan = self.set_order(plan.build(), q)?;
        self.order_limit(plan, q, true)
    }

    /// ORDER BY over a set operation: output columns by name or position.
    fn set_order(&self, plan: LogicalPlan, q: &ast::Query) -> Result<LogicalPlan> {
        let Some(ast::OrderBy {
            kind: ast::OrderByKind::Expressions(keys),
            ..
        }) = &q.order_by
        else {
            return Ok(plan);
        };
        let names: Vec<String> = plan
            .schema()
            .names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let position = |n: &str, e: &ast::Expr| -> Result<String> {
            n.parse::<usize>()
                .ok()
                .and_then(|p| names.get(p.wrapping_sub(1)))
                .cloned()
                .ok_or_else(|| sql_err(format!("position {n} is not a column of the result"), e))
        };
        let mut columns = vec![];
        for k in keys {
            columns.push(match &k.expr {
                ast::Expr::Identifier(i) => ident_name(i),
                ast::Expr::Value(v) if matches!(v.value, ast::Value::Number(..)) => {
                    position(&v.value.to_string(), &k.expr)?
                }
                other => {
                    return Err(sql_err(
                        "ORDER BY over a set operation takes output columns (by name or position)",
                        other,
                    ))
                }
            });
        }
        let order: Vec<&ast::OrderByExpr> = keys.iter().collect();
        let sort = sort_keys(&columns, &order);
        at(
            LogicalPlanBuilder::new(plan, self.sem)
                .sort(sort, None)
                .map(LogicalPlanBuilder::build),
            q,
        )
    }
}
