//! SELECT: the select list, WHERE, GROUP BY and HAVING.

use std::sync::Arc;

use partita_common::{Error, IdentifierCase, Result};
use partita_plan::{col, AggregateSplit, Expr, Filter, LogicalPlan, LogicalPlanBuilder};
use sqlparser::ast::{self, Spanned};

use crate::names::{first_words, from_qualifiers, ident_name, object_name, spark_name};
use crate::planner::Planner;
use crate::position::{at, sql_err, Wrap};

/// A select item after planning: its expression over the FROM schema and its name.
#[derive(Clone)]
pub(crate) struct Item {
    pub(crate) expr: Expr,
    pub(crate) name: String,
}

impl Planner<'_> {
    pub(crate) fn query(&self, q: &ast::Query) -> Result<LogicalPlan> {
        if q.with.is_some() {
            return Err(sql_err(
                "WITH (common table expressions) is not supported yet; use a subquery in FROM",
                q,
            ));
        }
        let select = match q.body.as_ref() {
            ast::SetExpr::Select(s) => s,
            ast::SetExpr::Query(inner) => {
                let plan = self.query(inner)?;
                return self.order_limit(plan, q, &[], None);
            }
            ast::SetExpr::SetOperation { op, .. } => {
                return Err(sql_err(
                    format!("{op} (a set operation) is not supported yet"),
                    q.body.as_ref(),
                ))
            }
            other => {
                return Err(sql_err(
                    format!(
                        "unsupported query form: {}",
                        first_words(&other.to_string())
                    ),
                    other,
                ))
            }
        };
        self.select(select, q)
    }

    pub(crate) fn select(&self, select: &ast::Select, q: &ast::Query) -> Result<LogicalPlan> {
        let mut plan = self.from(select)?;
        if let Some(w) = &select.selection {
            let pred = self.expr(w)?;
            if pred.contains_aggregate() {
                return Err(sql_err(
                    "aggregate functions are not allowed in WHERE; use HAVING",
                    w,
                ));
            }
            plan = at(
                Filter::try_new(Arc::new(plan), pred, &self.sem).map(LogicalPlan::Filter),
                w,
            )?;
        }
        // The select list, with `*` expanded.
        let mut items: Vec<(Item, Option<&ast::Expr>)> = vec![];
        for item in &select.projection {
            let every_column = |items: &mut Vec<(Item, Option<&ast::Expr>)>| {
                for f in plan.schema().fields() {
                    items.push((
                        Item {
                            expr: col(f.name.clone()),
                            name: f.name.clone(),
                        },
                        None,
                    ));
                }
            };
            match item {
                ast::SelectItem::Wildcard(_) => every_column(&mut items),
                ast::SelectItem::QualifiedWildcard(kind, _) => {
                    let qualifier = match kind {
                        ast::SelectItemQualifiedWildcardKind::ObjectName(n) => object_name(n),
                        other => {
                            return Err(sql_err(
                                format!("unsupported select item: {other}.*"),
                                item,
                            ))
                        }
                    };
                    let known = from_qualifiers(select);
                    let matches = |q: &String| match self.sem.identifier_case {
                        IdentifierCase::Sensitive => *q == qualifier,
                        IdentifierCase::Insensitive => q.eq_ignore_ascii_case(&qualifier),
                    };
                    if !known.iter().any(matches) {
                        return Err(sql_err(
                            format!(
                                "unknown table '{qualifier}' in {qualifier}.*; the query reads {}",
                                known.join(", ")
                            ),
                            item,
                        ));
                    }
                    every_column(&mut items);
                }
                ast::SelectItem::UnnamedExpr(e) => {
                    let expr = self.expr(e)?;
                    let name = spark_name(e);
                    items.push((Item { expr, name }, Some(e)));
                }
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    items.push((
                        Item {
                            expr: self.expr(expr)?,
                            name: ident_name(alias),
                        },
                        Some(expr),
                    ));
                }
                other => return Err(sql_err(format!("unsupported select item: {other}"), other)),
            }
        }
        // Spark and pandas return two columns of one name; a partition cannot hold
        // them, so say so in SQL's words.
        for (j, (item, src)) in items.iter().enumerate() {
            if items[..j].iter().any(|(other, _)| other.name == item.name) {
                let message = format!(
                    "duplicate output column name '{}': Partita cannot return two columns of one name yet; give one of them another name with AS",
                    item.name
                );
                return Err(match src {
                    Some(src) => sql_err(message, *src),
                    None => sql_err(message, select),
                });
            }
        }
        let group_by: Vec<&ast::Expr> = match &select.group_by {
            ast::GroupByExpr::Expressions(v, mods) if mods.is_empty() => v.iter().collect(),
            other => return Err(sql_err(format!("unsupported GROUP BY: {other}"), select)),
        };
        let order_by: Vec<&ast::OrderByExpr> = match &q.order_by {
            None => vec![],
            Some(ast::OrderBy {
                kind: ast::OrderByKind::Expressions(v),
                ..
            }) => v.iter().collect(),
            Some(other) => return Err(sql_err(format!("unsupported ORDER BY: {other}"), q)),
        };
        let having = select
            .having
            .as_ref()
            .map(|h| self.expr(h).map(|e| (e, h)))
            .transpose()?;
        let distinct = match &select.distinct {
            None | Some(ast::Distinct::All) => false,
            Some(ast::Distinct::Distinct) => true,
            Some(other) => return Err(sql_err(format!("unsupported {other}"), select)),
        };
        let aggregating = !group_by.is_empty()
            || items.iter().any(|(i, _)| i.expr.contains_aggregate())
            || having.is_some();
        let mut items_final: Vec<Item> = vec![];
        if aggregating {
            // Type errors of aggregates point at their select item.
            for (item, src) in &items {
                if let (Some(src), true) = (src, item.expr.contains_aggregate()) {
                    let typed = item
                        .expr
                        .clone()
                        .resolve(plan.schema(), &self.sem)
                        .and_then(|e| e.data_type(plan.schema(), &self.sem));
                    if let Err(e @ (Error::Plan(_) | Error::Analysis { .. })) = typed {
                        return at(Err(e), *src);
                    }
                }
            }
            // GROUP BY items: ordinals and select aliases first, then expressions.
            let mut groups: Vec<Expr> = vec![];
            for g in &group_by {
                let e = match self.ordinal(g, items.len())? {
                    Some(k) => items[k].0.expr.clone(),
                    None => match g {
                        ast::Expr::Identifier(i)
                            if plan.schema().resolve(&i.value, &self.sem).is_err()
                                && items
                                    .iter()
                                    .any(|(it, _)| self.same_name(&it.name, &i.value)) =>
                        {
                            items
                                .iter()
                                .find(|(it, _)| self.same_name(&it.name, &i.value))
                                .expect("found")
                                .0
                                .expr
                                .clone()
                        }
                        other => self.expr(other)?,
                    },
                };
                let e = at(e.unalias().clone().resolve(plan.schema(), &self.sem), *g)?;
                if e.contains_aggregate() {
                    return Err(sql_err(
                        "aggregate functions are not allowed in GROUP BY",
                        *g,
                    ));
                }
                groups.push(e);
            }
            let mut split = AggregateSplit::new(groups);
            let schema = plan.schema().clone();
            let sem = self.sem;
            let mut rewrite = |e: &Expr, output: bool, at_node: &dyn Spanned| -> Result<Expr> {
                let resolved = at(e.clone().resolve(&schema, &sem), &Wrap(at_node))?;
                let rewritten = if output {
                    split.rewrite_output(&resolved)
                } else {
                    split.rewrite(&resolved)
                };
                at(rewritten, &Wrap(at_node))
            };
            for (item, src) in &items {
                let named = if item.expr.output_name() == item.name {
                    item.expr.clone()
                } else {
                    item.expr.clone().alias(item.name.clone())
                };
                let e = rewrite(
                    &named,
                    true,
                    src.map_or(select as &dyn Spanned, |s| s as &dyn Spanned),
                )?;
                items_final.push(Item {
                    expr: e,
                    name: item.name.clone(),
                });
            }
            let having_expr = match &having {
                Some((h, src)) => Some((self.resolve_aliases(h, &items, &plan)?, *src)),
                None => None,
            };
            let having_expr = match having_expr {
                Some((h, src)) => Some((rewrite(&h, false, src)?, src)),
                None => None,
            };
            // ORDER BY expressions that are not select items get rewritten too.
            // Aliases are judged on the items as written (an aggregate's output
            // column is not a column kept as is).
            let written: Vec<Item> = items.iter().map(|(i, _)| i.clone()).collect();
            let mut order_exprs = vec![];
            for o in &order_by {
                let e = match self.ordinal(&o.expr, items_final.len())? {
                    Some(k) => col(items_final[k].name.clone()),
                    None => match self.alias_ref(&o.expr, &written) {
                        Some(name) => col(name),
                        None => rewrite(&self.expr(&o.expr)?, false, &o.expr)?,
                    },
                };
                order_exprs.push(e);
            }
            plan = at(
                split
                    .aggregate(LogicalPlanBuilder::new(plan, self.sem))
                    .map(LogicalPlanBuilder::build),
                select,
            )?;
            if let Some((h, src)) = having_expr {
                plan = at(
                    Filter::try_new(Arc::new(plan), h, &self.sem).map(LogicalPlan::Filter),
                    src,
                )?;
            }
            return self.finish(plan, items_final, order_exprs, &order_by, distinct, q);
        }
        for (item, src) in &items {
            if let Some(src) = src {
                at(
                    item.expr
                        .clone()
                        .resolve(plan.schema(), &self.sem)
                        .and_then(|e| e.data_type(plan.schema(), &self.sem)),
                    *src,
                )?;
            }
        }
        let items_final: Vec<Item> = items.into_iter().map(|(i, _)| i).collect();
        let mut order_exprs = vec![];
        for o in &order_by {
            let e = match self.ordinal(&o.expr, items_final.len())? {
                Some(k) => col(items_final[k].name.clone()),
                None => match self.alias_ref(&o.expr, &items_final) {
                    Some(name) => col(name),
                    None => self.expr(&o.expr)?,
                },
            };
            order_exprs.push(e);
        }
        self.finish(plan, items_final, order_exprs, &order_by, distinct, q)
    }

    pub(crate) fn same_name(&self, a: &str, b: &str) -> bool {
        match self.sem.identifier_case {
            IdentifierCase::Sensitive => a == b,
            IdentifierCase::Insensitive => a.eq_ignore_ascii_case(b),
        }
    }

    /// `ORDER BY name` naming a select item's output (an alias, or a column kept as
    /// is). Matched as the semantics says; when nothing matches that way, a unique
    /// select alias equal but for case is taken (`... AS Total ORDER BY total`), since
    /// an alias of the same query is what the user meant.
    pub(crate) fn alias_ref(&self, e: &ast::Expr, items: &[Item]) -> Option<String> {
        let ast::Expr::Identifier(i) = e else {
            return None;
        };
        let hits: Vec<&Item> = items
            .iter()
            .filter(|it| self.same_name(&it.name, &i.value))
            .collect();
        if let [one] = hits.as_slice() {
            return Some(one.name.clone());
        }
        let loose: Vec<&Item> = items
            .iter()
            .filter(|it| it.name.eq_ignore_ascii_case(&i.value))
            .collect();
        match (hits.is_empty(), loose.as_slice()) {
            (true, [one]) if !matches!(&one.expr, Expr::Column(c) if c == &one.name) => {
                Some(one.name.clone())
            }
            _ => None,
        }
    }

    /// Replaces references to select aliases (`HAVING total > 1`) by the aliased
    /// expressions, for names that are not columns of the input.
    pub(crate) fn resolve_aliases(
        &self,
        e: &Expr,
        items: &[(Item, Option<&ast::Expr>)],
        input: &LogicalPlan,
    ) -> Result<Expr> {
        Ok(e.clone()
            .transform_up(&mut |x| match &x {
                Expr::Column(c) if input.schema().resolve(c, &self.sem).is_err() => {
                    match items.iter().find(|(it, _)| self.same_name(&it.name, c)) {
                        Some((it, _)) => Ok(partita_plan::Transformed::yes(it.expr.clone())),
                        None => Ok(partita_plan::Transformed::no(x)),
                    }
                }
                _ => Ok(partita_plan::Transformed::no(x)),
            })?
            .data)
    }

    /// `ORDER BY 2` / `GROUP BY 1`: the 0-based select item, or None when not an ordinal.
    pub(crate) fn ordinal(&self, e: &ast::Expr, n: usize) -> Result<Option<usize>> {
        if let ast::Expr::Value(v) = e {
            if let ast::Value::Number(s, _) = &v.value {
                let k: usize = s
                    .parse()
                    .map_err(|_| sql_err(format!("invalid position {s}"), e))?;
                if k == 0 || k > n {
                    return Err(sql_err(
                        format!("position {k} is not in the select list (1 to {n})"),
                        e,
                    ));
                }
                return Ok(Some(k - 1));
            }
        }
        Ok(None)
    }
}
