//! The FROM clause: tables, files, subqueries and the table functions `read_csv` / `read_parquet`.

use partita_common::Result;
use partita_plan::{EmptyRelation, LogicalPlan};
use sqlparser::ast;

use crate::join::Scope;
use crate::names::{object_name, unquote};
use crate::planner::{FileReader, OptionValue, Planner};
use crate::position::{at, sql_err};

impl Planner<'_> {
    /// FROM: no table (one row), one relation, or joins (see `join.rs`), which
    /// also set the scope that qualified names resolve in.
    pub(crate) fn from(&self, select: &ast::Select) -> Result<LogicalPlan> {
        match select.from.as_slice() {
            [] => Ok(LogicalPlan::Empty(EmptyRelation::new(true))),
            [one] if one.joins.is_empty() => {
                let plan = self.relation(&one.relation)?;
                self.set_scope(Some(Scope::of_relation(&one.relation, &plan)));
                Ok(plan)
            }
            several => self.joined(several),
        }
    }

    /// One relation of FROM: a table, a file, a table function or a subquery.
    pub(crate) fn relation(&self, relation: &ast::TableFactor) -> Result<LogicalPlan> {
        match relation {
            ast::TableFactor::Table {
                name,
                args: Some(args),
                ..
            } => self.table_function(name, args),
            ast::TableFactor::Table { name, .. } => {
                let text = object_name(name);
                if text.starts_with('\'')
                    || text.contains('/')
                    || text.ends_with(".csv")
                    || text.ends_with(".parquet")
                {
                    return at(self.catalog.file(&unquote(&text), &self.sem), name);
                }
                self.resolve_table(&text)
                    .ok_or_else(|| self.no_table(&text, name))
            }
            ast::TableFactor::Derived {
                subquery, alias, ..
            } => {
                let plan = self.query(subquery)?;
                match alias.as_ref().filter(|a| !a.columns.is_empty()) {
                    None => Ok(plan),
                    // `(...) AS t(x, y)`: the columns renamed, in order.
                    Some(a) => {
                        let names = plan.schema().names();
                        if a.columns.len() > names.len() {
                            return Err(sql_err(
                                format!(
                                    "{} column names for {} columns",
                                    a.columns.len(),
                                    names.len()
                                ),
                                subquery.as_ref(),
                            ));
                        }
                        let exprs: Vec<partita_plan::Expr> = names
                            .iter()
                            .enumerate()
                            .map(|(i, n)| {
                                let c = partita_plan::col(*n);
                                match a.columns.get(i) {
                                    Some(def) => c.alias(crate::names::ident_name(&def.name)),
                                    None => c,
                                }
                            })
                            .collect();
                        let b = partita_plan::LogicalPlanBuilder::new(plan, self.sem);
                        Ok(at(b.project(exprs), subquery.as_ref())?.build())
                    }
                }
            }
            other => Err(sql_err(format!("unsupported FROM item: {other}"), other)),
        }
    }

    /// `read_csv('path', option => value, ...)` and `read_parquet('path')`.
    fn table_function(
        &self,
        name: &ast::ObjectName,
        args: &ast::TableFunctionArgs,
    ) -> Result<LogicalPlan> {
        let func = object_name(name).to_ascii_lowercase();
        let reader = match func.as_str() {
            "read_csv" | "read_csv_auto" => FileReader::Csv,
            "read_parquet" => FileReader::Parquet,
            other => {
                return Err(sql_err(
                    format!(
                        "unknown table function '{other}'; Partita has read_csv and read_parquet"
                    ),
                    name,
                ))
            }
        };
        let mut path = None;
        let mut options = vec![];
        for a in &args.args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) if path.is_none() => {
                    path = Some(match option_value(e) {
                        Some(OptionValue::Text(t)) => t,
                        _ => {
                            return Err(sql_err(
                                format!("{func} expects the path as a text literal"),
                                e,
                            ))
                        }
                    });
                }
                ast::FunctionArg::Named {
                    name: key,
                    arg: ast::FunctionArgExpr::Expr(e),
                    ..
                }
                | ast::FunctionArg::ExprNamed {
                    name: ast::Expr::Identifier(key),
                    arg: ast::FunctionArgExpr::Expr(e),
                    ..
                } => {
                    let value = option_value(e).ok_or_else(|| {
                        sql_err(
                            format!("the option {} of {func} must be a literal, a list or a {{'name': 'value'}} map", key.value),
                            e,
                        )
                    })?;
                    options.push((key.value.to_ascii_lowercase(), value));
                }
                other => {
                    return Err(sql_err(
                        format!(
                            "{func} takes a path and named options (name => value), not {other}"
                        ),
                        name,
                    ))
                }
            }
        }
        let path = path.ok_or_else(|| sql_err(format!("{func} needs a path"), name))?;
        at(self.catalog.read(reader, &path, &options, &self.sem), name)
    }
}

/// A table-function option value from its SQL literal, list or map.
fn option_value(e: &ast::Expr) -> Option<OptionValue> {
    let text = |e: &ast::Expr| match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                Some(s.clone())
            }
            ast::Value::Number(n, _) => Some(n.clone()),
            _ => None,
        },
        ast::Expr::Identifier(i) => Some(i.value.clone()),
        _ => None,
    };
    Some(match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                OptionValue::Text(s.clone())
            }
            ast::Value::Number(n, _) => OptionValue::Int(n.parse().ok()?),
            ast::Value::Boolean(b) => OptionValue::Bool(*b),
            _ => return None,
        },
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => match option_value(expr)? {
            OptionValue::Int(i) => OptionValue::Int(-i),
            _ => return None,
        },
        ast::Expr::Array(a) => OptionValue::List(a.elem.iter().map(text).collect::<Option<_>>()?),
        ast::Expr::Tuple(items) => {
            OptionValue::List(items.iter().map(text).collect::<Option<_>>()?)
        }
        ast::Expr::Dictionary(fields) => OptionValue::Map(
            fields
                .iter()
                .map(|f| Some((f.key.value.clone(), text(&f.value)?)))
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}
