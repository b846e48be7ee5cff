//! SELECT: the select list, WHERE, GROUP BY and HAVING.

use partita_common::{DataType, Error, IdentifierCase, Result, SchemaRef, Semantics};
use partita_plan::{col, lit_null, AggregateSplit, Expr, LogicalPlan, LogicalPlanBuilder};
use sqlparser::ast::{self, Spanned};

use crate::names::{first_words, from_qualifiers, ident_name, object_name, spark_name};
use crate::planner::Planner;
use crate::position::{at, sql_err, Wrap};
use crate::subquery::conjuncts;

/// A select item after planning: its expression over the FROM schema and its name.
#[derive(Clone)]
pub(crate) struct Item {
    pub(crate) expr: Expr,
    pub(crate) name: String,
}

impl Planner<'_> {
    pub(crate) fn query(&self, q: &ast::Query) -> Result<LogicalPlan> {
        // The WITH tables of this query end with it.
        let outer = self.ctes.borrow().len();
        let plan = q
            .with
            .as_ref()
            .map_or(Ok(()), |w| self.with_ctes(w))
            .and_then(|()| self.query_body(q));
        self.ctes.borrow_mut().truncate(outer);
        plan
    }

    fn query_body(&self, q: &ast::Query) -> Result<LogicalPlan> {
        let select = match q.body.as_ref() {
            ast::SetExpr::Select(s) => s,
            ast::SetExpr::Query(inner) => {
                let plan = self.query(inner)?;
                return self.order_limit(plan, q, false);
            }
            body @ ast::SetExpr::SetOperation { .. } => return self.set_operation(body, q),
            ast::SetExpr::Values(v) => {
                let plan = self.values(v)?;
                return self.order_limit(plan, q, false);
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

    /// `VALUES (..), (..)`: a table of literal rows, its columns named `col1`,
    /// `col2`, ... as Spark names them, each of the rows' common type.
    fn values(&self, v: &ast::Values) -> Result<LogicalPlan> {
        let width = v.rows.first().map_or(0, |r| r.content.len());
        let mut plans = vec![];
        for row in &v.rows {
            if row.content.len() != width {
                return Err(sql_err(
                    format!(
                        "VALUES rows must have the same length: {width} and {}",
                        row.content.len()
                    ),
                    &row.content[0],
                ));
            }
            let exprs = row
                .content
                .iter()
                .enumerate()
                .map(|(i, e)| Ok(self.expr(e)?.alias(format!("col{}", i + 1))))
                .collect::<Result<Vec<_>>>()?;
            let one = LogicalPlan::Empty(partita_plan::EmptyRelation::new(true));
            let row_plan = LogicalPlanBuilder::new(one, self.sem).project(exprs);
            plans.push(at(row_plan, &row.content[0])?.build());
        }
        let mut plans = plans.into_iter();
        let first = plans
            .next()
            .ok_or_else(|| Error::plan("VALUES needs at least one row"))?;
        let rest: Vec<LogicalPlan> = plans.collect();
        if rest.is_empty() {
            return Ok(first);
        }
        Ok(LogicalPlanBuilder::new(first, self.sem)
            .union(rest)?
            .build())
    }

    /// A SELECT: FROM, WHERE and the select list, then the grouped or the ungrouped
    /// rest.
    pub(crate) fn select(&self, select: &ast::Select, q: &ast::Query) -> Result<LogicalPlan> {
        // The scope, window calls and named windows of this SELECT; an enclosing
        // one's come back after it.
        let windows = self.windows.take();
        let named = self.named_windows.take();
        let out = self
            .named_windows(select)
            .and_then(|()| self.in_scope(None, || self.select_in_scope(select, q)));
        self.windows.replace(windows);
        self.named_windows.replace(named);
        out
    }

    /// `WINDOW w AS (...), ...`: the named windows of the SELECT.
    fn named_windows(&self, select: &ast::Select) -> Result<()> {
        for ast::NamedWindowDefinition(name, def) in &select.named_window {
            let spec = match def {
                ast::NamedWindowExpr::WindowSpec(s) => s.clone(),
                ast::NamedWindowExpr::NamedWindow(other) => {
                    let want = ident_name(other);
                    let found = self
                        .named_windows
                        .borrow()
                        .iter()
                        .find(|(n, _)| *n == want)
                        .map(|(_, s)| s.clone());
                    found.ok_or_else(|| sql_err(format!("unknown window '{want}'"), select))?
                }
            };
            self.named_windows
                .borrow_mut()
                .push((ident_name(name), spec));
        }
        Ok(())
    }

    fn select_in_scope(&self, select: &ast::Select, q: &ast::Query) -> Result<LogicalPlan> {
        let plan = self.from(select)?;
        let plan = self.where_clause(plan, select)?;
        let mut items = self.select_items(select, &plan)?;
        tag_repeated_names(&mut items);
        let group_by = group_by_exprs(select)?;
        let order_by = order_by_exprs(q)?;
        let having = select
            .having
            .as_ref()
            .map(|h| self.expr(h).map(|e| (e, h)))
            .transpose()?;
        let qualify = select
            .qualify
            .as_ref()
            .map(|q| self.expr(q).map(|e| (e, q)))
            .transpose()?;
        // Scalar subqueries of the select list and HAVING: their one row joined to
        // every row (HAVING reads the value as the first of its group).
        let plan = self.join_scalars(plan)?;
        let having = having.map(|(h, src)| (scalars_as_aggregates(h), src));
        let distinct = is_distinct(select)?;
        let aggregating = !group_by.is_empty()
            || items.iter().any(|(i, _)| i.expr.contains_aggregate())
            || having.is_some();
        let clauses = Clauses {
            select,
            query: q,
            items,
            group_by,
            order_by,
            having,
            qualify,
            distinct,
        };
        if aggregating {
            self.grouped(plan, clauses)
        } else {
            // Window calls: their columns over the rows, then QUALIFY over them.
            let plan = self.attach_windows(plan, select)?;
            let plan = self.qualify(plan, &clauses, None)?;
            self.ungrouped(plan, clauses)
        }
    }

    /// QUALIFY: a filter over the rows with their window columns; it may name
    /// select items by alias. In a grouped SELECT it reads the aggregates' columns.
    fn qualify(
        &self,
        plan: LogicalPlan,
        c: &Clauses,
        grouping: Option<(&mut Grouping, &LogicalPlan)>,
    ) -> Result<LogicalPlan> {
        let Some((q, src)) = &c.qualify else {
            return Ok(plan);
        };
        let q = match grouping {
            None => self.resolve_aliases(q, &c.items, &plan)?,
            Some((g, input)) => {
                let q = self.resolve_aliases(q, &c.items, input)?;
                g.rewrite(&q, false, *src)?
            }
        };
        let names: Vec<Expr> = plan.schema().names().iter().map(|n| col(*n)).collect();
        at(
            LogicalPlanBuilder::new(plan, self.sem)
                .filter(q)
                .and_then(|b| b.project(names))
                .map(LogicalPlanBuilder::build),
            *src,
        )
    }

    /// WHERE: a filter over the FROM plan (aggregates are not allowed).
    fn where_clause(&self, plan: LogicalPlan, select: &ast::Select) -> Result<LogicalPlan> {
        let Some(w) = &select.selection else {
            return Ok(plan);
        };
        // Subquery tests (`IN (SELECT ...)`, `EXISTS`) become joins; the rest is
        // a filter, over the rows with any scalar subquery's value joined.
        let mut plan = plan;
        let mut rest = vec![];
        for c in conjuncts(w) {
            plan = match self.subquery_conjunct(plan, c, select)? {
                Ok(joined) => joined,
                Err(unchanged) => {
                    rest.push(self.expr(c)?);
                    unchanged
                }
            };
        }
        if self.has_pending_windows() {
            self.windows.borrow_mut().clear();
            return at(
                Err(Error::analysis(
                    "WINDOW_FUNCTION_NOT_ALLOWED_IN_CLAUSE",
                    "window functions are not allowed in WHERE; filter on them with QUALIFY or in an outer query",
                )),
                w,
            );
        }
        let Some(pred) = Expr::conjunction(rest) else {
            return Ok(plan);
        };
        if pred.contains_aggregate() {
            return Err(sql_err(
                "aggregate functions are not allowed in WHERE; use HAVING",
                w,
            ));
        }
        let names: Vec<Expr> = plan.schema().names().iter().map(|n| col(*n)).collect();
        let plan = self.join_scalars(plan)?;
        at(
            LogicalPlanBuilder::new(plan, self.sem)
                .filter(pred)
                .and_then(|b| b.project(names))
                .map(LogicalPlanBuilder::build),
            w,
        )
    }

    /// The select list over the columns of `plan`, with `*` and `t.*` expanded; each
    /// item with the SQL it was written as (none for an expanded column).
    fn select_items<'q>(
        &self,
        select: &'q ast::Select,
        plan: &LogicalPlan,
    ) -> Result<Vec<(Item, Option<&'q ast::Expr>)>> {
        let mut items = vec![];
        for item in &select.projection {
            match item {
                ast::SelectItem::Wildcard(_) => match self.scope.borrow().as_ref() {
                    Some(scope) => items.extend(scoped(scope.star(&self.sem, None))),
                    None => items.extend(every_column(plan)),
                },
                ast::SelectItem::QualifiedWildcard(kind, _) => {
                    self.check_qualifier(select, item, kind)?;
                    let q = match kind {
                        ast::SelectItemQualifiedWildcardKind::ObjectName(n) => object_name(n),
                        _ => String::new(),
                    };
                    match self.scope.borrow().as_ref() {
                        Some(scope) => items.extend(scoped(scope.star(&self.sem, Some(&q)))),
                        None => items.extend(every_column(plan)),
                    }
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
        Ok(items)
    }

    /// `t.*`: `t` must name an item of FROM.
    fn check_qualifier(
        &self,
        select: &ast::Select,
        item: &ast::SelectItem,
        kind: &ast::SelectItemQualifiedWildcardKind,
    ) -> Result<()> {
        let qualifier = match kind {
            ast::SelectItemQualifiedWildcardKind::ObjectName(n) => object_name(n),
            other => return Err(sql_err(format!("unsupported select item: {other}.*"), item)),
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
        Ok(())
    }

    /// A SELECT with GROUP BY, aggregates or HAVING: the aggregate, HAVING as a filter
    /// over its output, then the select items and ORDER BY over that output.
    fn grouped(&self, plan: LogicalPlan, c: Clauses) -> Result<LogicalPlan> {
        self.check_aggregate_types(&c.items, &plan)?;
        let groups = self.group_exprs(&c.group_by, &c.items, &plan)?;
        let mut grouping = Grouping {
            split: AggregateSplit::new(groups),
            schema: plan.schema().clone(),
            sem: self.sem,
        };
        let items = grouping.items(&c)?;
        let having = match &c.having {
            Some((h, src)) => Some((self.resolve_aliases(h, &c.items, &plan)?, *src)),
            None => None,
        };
        let having = match having {
            Some((h, src)) => Some((grouping.rewrite(&h, false, src)?, src)),
            None => None,
        };
        // ORDER BY expressions that are not select items get rewritten too.
        // Aliases are judged on the items as written (an aggregate's output
        // column is not a column kept as is).
        let written: Vec<Item> = c.items.iter().map(|(i, _)| i.clone()).collect();
        let order_exprs = self.order_exprs(&c.order_by, &items, &written, |e, o| {
            grouping.rewrite(&e, false, o)
        })?;
        // Window calls read the aggregates' output: their arguments and keys are
        // rewritten over it, as the items are.
        let windows: Vec<partita_plan::WindowCall> = self.windows.take();
        let mut rewritten = vec![];
        for w in windows {
            let mut over = |e: Expr| grouping.rewrite(&e, false, c.select);
            rewritten.push(partita_plan::WindowCall {
                arg: w.arg.map(&mut over).transpose()?,
                partition_by: w
                    .partition_by
                    .into_iter()
                    .map(&mut over)
                    .collect::<Result<_>>()?,
                order_by: w
                    .order_by
                    .into_iter()
                    .map(|(e, desc, nulls)| over(e).map(|e| (e, desc, nulls)))
                    .collect::<Result<_>>()?,
                ..w
            });
        }
        let input = plan.clone();
        let mut plan = at(
            grouping
                .split
                .aggregate(LogicalPlanBuilder::new(plan, self.sem))
                .map(LogicalPlanBuilder::build),
            c.select,
        )?;
        if let Some((h, src)) = having {
            plan = at(
                LogicalPlanBuilder::new(plan, self.sem)
                    .filter(h)
                    .map(LogicalPlanBuilder::build),
                src,
            )?;
        }
        plan = at(
            LogicalPlanBuilder::new(plan, self.sem)
                .window_calls(rewritten)
                .map(LogicalPlanBuilder::build),
            c.select,
        )?;
        let plan = self.qualify(plan, &c, Some((&mut grouping, &input)))?;
        self.finish(plan, items, order_exprs, &c.order_by, c.distinct, c.query)
    }

    /// Type errors of aggregates point at their select item.
    fn check_aggregate_types(
        &self,
        items: &[(Item, Option<&ast::Expr>)],
        plan: &LogicalPlan,
    ) -> Result<()> {
        for (item, src) in items {
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
        Ok(())
    }

    /// GROUP BY items over the FROM columns: ordinals and select aliases first, then
    /// expressions.
    fn group_exprs(
        &self,
        group_by: &[&ast::Expr],
        items: &[(Item, Option<&ast::Expr>)],
        plan: &LogicalPlan,
    ) -> Result<Vec<Expr>> {
        let mut groups: Vec<Expr> = vec![];
        for g in group_by {
            let e = match self.ordinal(g, items.len())? {
                Some(k) => items[k].0.expr.clone(),
                None => match self.group_alias(g, items, plan) {
                    Some(e) => e,
                    None => self.expr(g)?,
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
        Ok(groups)
    }

    /// `GROUP BY name` naming a select alias that is not a column of the input: the
    /// aliased expression.
    fn group_alias(
        &self,
        g: &ast::Expr,
        items: &[(Item, Option<&ast::Expr>)],
        plan: &LogicalPlan,
    ) -> Option<Expr> {
        let ast::Expr::Identifier(i) = g else {
            return None;
        };
        if plan.schema().resolve(&i.value, &self.sem).is_ok() {
            return None;
        }
        items
            .iter()
            .find(|(it, _)| self.same_name(&it.name, &i.value))
            .map(|(it, _)| it.expr.clone())
    }

    /// A SELECT without grouping: the items type-checked where they were written,
    /// then projected, ordered and limited.
    fn ungrouped(&self, plan: LogicalPlan, c: Clauses) -> Result<LogicalPlan> {
        for (item, src) in &c.items {
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
        let Clauses {
            query,
            items,
            order_by,
            distinct,
            ..
        } = c;
        let items: Vec<Item> = items.into_iter().map(|(i, _)| i).collect();
        let order_exprs = self.order_exprs(&order_by, &items, &items, |e, _| Ok(e))?;
        self.finish(plan, items, order_exprs, &order_by, distinct, query)
    }

    pub(crate) fn same_name(&self, a: &str, b: &str) -> bool {
        match self.sem.identifier_case {
            IdentifierCase::Sensitive => a == b,
            IdentifierCase::Insensitive => a.eq_ignore_ascii_case(b),
        }
    }

    /// Replaces references to select aliases (`HAVING total > 1`) by the aliased
    /// expressions, for names that are not columns of the input.
    fn resolve_aliases(
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

/// The clauses of one SELECT, planned as far as they can be before it is known
/// whether the query groups.
struct Clauses<'q> {
    select: &'q ast::Select,
    query: &'q ast::Query,
    /// The select list, each item with the SQL it was written as.
    items: Vec<(Item, Option<&'q ast::Expr>)>,
    group_by: Vec<&'q ast::Expr>,
    order_by: Vec<&'q ast::OrderByExpr>,
    /// HAVING over the FROM columns, with its SQL.
    having: Option<(Expr, &'q ast::Expr)>,
    /// QUALIFY, with its SQL.
    qualify: Option<(Expr, &'q ast::Expr)>,
    distinct: bool,
}

/// Rewrites expressions over the FROM columns into expressions over the aggregate's
/// output; errors point at the SQL the expression was written as.
struct Grouping {
    split: AggregateSplit,
    schema: SchemaRef,
    sem: Semantics,
}

/// The name a window call's column hides under while the expressions that read it
/// are rewritten over the aggregates (it is computed after them).
const WINDOW_MARK: &str = "\u{0}window:";

impl Grouping {
    fn rewrite(&mut self, e: &Expr, output: bool, at_node: &dyn Spanned) -> Result<Expr> {
        // A window call's column itself: computed after the aggregates, as it is.
        if matches!(e.unalias(), Expr::Column(c) if c.starts_with("__window")) {
            return Ok(e.clone());
        }
        let hidden = e
            .clone()
            .transform_up(&mut |x| match x {
                Expr::Column(c) if c.starts_with("__window") => Ok(partita_plan::Transformed::yes(
                    lit_null(DataType::Null).alias(format!("{WINDOW_MARK}{c}")),
                )),
                other => Ok(partita_plan::Transformed::no(other)),
            })?
            .data;
        let resolved = at(hidden.resolve(&self.schema, &self.sem), &Wrap(at_node))?;
        let rewritten = if output {
            self.split.rewrite_output(&resolved)
        } else {
            self.split.rewrite(&resolved)
        };
        let rewritten = at(rewritten, &Wrap(at_node))?;
        Ok(rewritten
            .transform_up(&mut |x| match x {
                Expr::Alias(_, name) if name.starts_with(WINDOW_MARK) => Ok(
                    partita_plan::Transformed::yes(col(&name[WINDOW_MARK.len()..])),
                ),
                other => Ok(partita_plan::Transformed::no(other)),
            })?
            .data)
    }

    /// The select items over the aggregate's output, named as written.
    fn items(&mut self, c: &Clauses) -> Result<Vec<Item>> {
        let mut out = vec![];
        for (item, src) in &c.items {
            let named = if item.expr.output_name() == item.name {
                item.expr.clone()
            } else {
                item.expr.clone().alias(item.name.clone())
            };
            let e = self.rewrite(
                &named,
                true,
                src.map_or(c.select as &dyn Spanned, |s| s as &dyn Spanned),
            )?;
            out.push(Item {
                expr: e,
                name: item.name.clone(),
            });
        }
        Ok(out)
    }
}

/// Every column of `plan` as a select item (`*`).
/// A scalar subquery's column as its group's first value, for a clause read after
/// the aggregation (the value is one constant for every row).
fn scalars_as_aggregates(e: Expr) -> Expr {
    e.transform_up(&mut |x| match x {
        Expr::Column(c) if c.starts_with("__scalar") => Ok(partita_plan::Transformed::yes(
            col(c).first_ignore_nulls(false),
        )),
        other => Ok(partita_plan::Transformed::no(other)),
    })
    .map(|t| t.data)
    .expect("the rewrite cannot fail")
}

/// The items of `*` over a joined FROM: each column under its written name.
fn scoped<'q>(columns: Vec<(String, String)>) -> Vec<(Item, Option<&'q ast::Expr>)> {
    columns
        .into_iter()
        .map(|(internal, name)| {
            (
                Item {
                    expr: col(internal),
                    name,
                },
                None,
            )
        })
        .collect()
}

fn every_column<'q>(plan: &LogicalPlan) -> Vec<(Item, Option<&'q ast::Expr>)> {
    plan.schema()
        .fields()
        .iter()
        .map(|f| {
            (
                Item {
                    expr: col(f.name.clone()),
                    name: f.name.clone(),
                },
                None,
            )
        })
        .collect()
}

/// Spark and pandas return two columns of one name (`SELECT a, a`); a partition
/// cannot hold them, so repeats are held under tagged names that are shown as the
/// name ([`partita_common::tag_repeats`]).
fn tag_repeated_names(items: &mut [(Item, Option<&ast::Expr>)]) {
    let tagged = partita_common::tag_repeats(items.iter().map(|(item, _)| item.name.as_str()));
    for ((item, _), name) in items.iter_mut().zip(tagged) {
        item.name = name;
    }
}

/// The GROUP BY expressions (plain lists only).
fn group_by_exprs(select: &ast::Select) -> Result<Vec<&ast::Expr>> {
    match &select.group_by {
        ast::GroupByExpr::Expressions(v, mods) if mods.is_empty() => Ok(v.iter().collect()),
        other => Err(sql_err(format!("unsupported GROUP BY: {other}"), select)),
    }
}

/// The ORDER BY expressions (plain lists only).
fn order_by_exprs(q: &ast::Query) -> Result<Vec<&ast::OrderByExpr>> {
    match &q.order_by {
        None => Ok(vec![]),
        Some(ast::OrderBy {
            kind: ast::OrderByKind::Expressions(v),
            ..
        }) => Ok(v.iter().collect()),
        Some(other) => Err(sql_err(format!("unsupported ORDER BY: {other}"), q)),
    }
}

/// SELECT DISTINCT (true) or SELECT [ALL] (false).
fn is_distinct(select: &ast::Select) -> Result<bool> {
    match &select.distinct {
        None | Some(ast::Distinct::All) => Ok(false),
        Some(ast::Distinct::Distinct) => Ok(true),
        Some(other) => Err(sql_err(format!("unsupported {other}"), select)),
    }
}
