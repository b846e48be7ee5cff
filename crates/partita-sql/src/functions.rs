//! Function calls: aggregates and scalar functions by their SQL names.

use partita_common::{AggregateFunction, DatePart, Error, Result, ScalarFunction, ScalarValue};
use partita_plan::Expr;
use sqlparser::ast;

use crate::names::object_name;
use crate::planner::Planner;
use crate::position::{at, sql_err};

impl Planner<'_> {
    /// Whether `first`/`last` skip missing values: `IGNORE NULLS` / `RESPECT NULLS`, or
    /// Spark's second argument `first(x, true)`; `None` when the query does not say
    /// (the semantics' `first_last_nulls` decides).
    fn ignore_nulls(
        &self,
        f: &ast::Function,
        args: &[Expr],
        name: &str,
        e: &ast::Expr,
    ) -> Result<Option<bool>> {
        let mut treatment = f.null_treatment;
        if let ast::FunctionArguments::List(l) = &f.args {
            for c in &l.clauses {
                if let ast::FunctionArgumentClause::IgnoreOrRespectNulls(t) = c {
                    treatment = Some(*t);
                }
            }
        }
        let from_clause = treatment.map(|t| matches!(t, ast::NullTreatment::IgnoreNulls));
        let from_arg = match args {
            [_] => None,
            [_, Expr::Literal(ScalarValue::Boolean(Some(b)))] => Some(*b),
            [_, other] => {
                return Err(sql_err(
                    format!(
                        "{name}'s second argument (ignoreNulls) must be true or false, got {other}"
                    ),
                    e,
                ))
            }
            _ => {
                return Err(sql_err(
                    format!("{name} takes 1 or 2 arguments, got {}", args.len()),
                    e,
                ))
            }
        };
        match (from_clause, from_arg) {
            (Some(a), Some(b)) if a != b => Err(sql_err(
                format!("{name}: IGNORE/RESPECT NULLS contradicts its second argument"),
                e,
            )),
            (a, b) => Ok(a.or(b)),
        }
    }

    /// A function call: an aggregate or a scalar function, by its SQL name.
    pub(crate) fn function(&self, f: &ast::Function, e: &ast::Expr) -> Result<Expr> {
        let name = object_name(&f.name).to_ascii_lowercase();
        if f.over.is_some() {
            return self.window_call(f, e);
        }
        if matches!(
            name.as_str(),
            "row_number"
                | "rank"
                | "dense_rank"
                | "percent_rank"
                | "cume_dist"
                | "ntile"
                | "lag"
                | "lead"
                | "nth_value"
        ) {
            return at(
                Err(Error::analysis(
                    "WINDOW_FUNCTION_WITHOUT_OVER_CLAUSE",
                    format!("window function {name} needs an OVER clause"),
                )),
                e,
            );
        }
        let (args, distinct, star) = self.function_args(f, e)?;
        if distinct && !matches!(name.as_str(), "count" | "sum" | "avg" | "mean") {
            return Err(sql_err(
                format!(
                    "{name}(DISTINCT ...) is not supported; only COUNT, SUM and AVG take DISTINCT"
                ),
                e,
            ));
        }
        if let Some(func) = aggregate_function(&name, distinct, star) {
            let args = if func == AggregateFunction::CountStar {
                vec![]
            } else {
                args
            };
            return aggregate(func, args, &name, e);
        }
        match name.as_str() {
            "first" | "first_value" | "last" | "last_value" => {
                let ignore_nulls = self.ignore_nulls(f, &args, &name, e)?;
                let args = args.into_iter().take(1).collect();
                if name.starts_with("first") {
                    aggregate(AggregateFunction::First { ignore_nulls }, args, &name, e)
                } else {
                    aggregate(AggregateFunction::Last { ignore_nulls }, args, &name, e)
                }
            }
            // Spark's `mode(x, deterministic)`: Partita's mode is always deterministic
            // (the smallest of equally frequent values), a valid answer either way.
            "mode" => match args.as_slice() {
                [_] | [_, Expr::Literal(ScalarValue::Boolean(Some(_)))] => aggregate(
                    AggregateFunction::Mode,
                    args.into_iter().take(1).collect(),
                    &name,
                    e,
                ),
                _ => Err(sql_err(
                    "mode takes a column and, optionally, deterministic (true or false)",
                    e,
                )),
            },
            // NULLIF(a, b): a function, not a CASE: pandas' `a.where(a != b)` keeps
            // an integer type where nothing equals (a CASE is always float64).
            "nullif" if args.len() != 2 => Err(sql_err(
                format!("nullif takes 2 arguments, got {}", args.len()),
                e,
            )),
            _ => scalar_function(&name, args, e),
        }
    }

    /// The arguments of a call, planned, with whether it says DISTINCT and whether
    /// an argument is `*`.
    pub(crate) fn function_args(
        &self,
        f: &ast::Function,
        e: &ast::Expr,
    ) -> Result<(Vec<Expr>, bool, bool)> {
        match &f.args {
            ast::FunctionArguments::None => Ok((vec![], false, false)),
            ast::FunctionArguments::List(l) => {
                let distinct = matches!(
                    l.duplicate_treatment,
                    Some(ast::DuplicateTreatment::Distinct)
                );
                let mut out = vec![];
                let mut star = false;
                for a in &l.args {
                    match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => {
                            out.push(self.expr(x)?)
                        }
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) => star = true,
                        other => return Err(sql_err(format!("unsupported argument {other}"), e)),
                    }
                }
                Ok((out, distinct, star))
            }
            ast::FunctionArguments::Subquery(_) => {
                Err(sql_err("subquery arguments are not supported", e))
            }
        }
    }
}

/// The aggregate a SQL name calls (with DISTINCT or `*` where they change it), for
/// the aggregates whose arguments pass as written; `None` for other names.
pub(crate) fn aggregate_function(
    name: &str,
    distinct: bool,
    star: bool,
) -> Option<AggregateFunction> {
    Some(match name {
        "count" if star => AggregateFunction::CountStar,
        "count" if distinct => AggregateFunction::CountDistinct,
        "count" => AggregateFunction::Count,
        "sum" if distinct => AggregateFunction::SumDistinct,
        "sum" => AggregateFunction::Sum,
        "avg" | "mean" if distinct => AggregateFunction::MeanDistinct,
        "avg" | "mean" => AggregateFunction::Mean,
        "min" => AggregateFunction::Min,
        "max" => AggregateFunction::Max,
        "stddev" | "stddev_samp" | "std" => AggregateFunction::Std { ddof: 1 },
        "stddev_pop" => AggregateFunction::Std { ddof: 0 },
        "variance" | "var_samp" | "var" => AggregateFunction::Var { ddof: 1 },
        "var_pop" => AggregateFunction::Var { ddof: 0 },
        "median" => AggregateFunction::Median,
        "corr" => AggregateFunction::Corr,
        _ => return None,
    })
}

/// An aggregate call, when `func` takes that many arguments.
fn aggregate(func: AggregateFunction, args: Vec<Expr>, name: &str, e: &ast::Expr) -> Result<Expr> {
    if !func.accepts_arity(args.len()) {
        return Err(sql_err(
            format!(
                "{name} takes {} argument(s), got {}",
                func.arity(),
                args.len()
            ),
            e,
        ));
    }
    Ok(Expr::Aggregate { func, args })
}

/// A scalar function call by its SQL name, checking the count of arguments where
/// the name fixes it.
fn scalar_function(name: &str, args: Vec<Expr>, e: &ast::Expr) -> Result<Expr> {
    // The function, and whether it takes exactly one argument.
    let (func, one) = match name {
        "round" => match args.len() {
            1 | 2 => (ScalarFunction::Round, false),
            n => return Err(sql_err(format!("round takes 1 or 2 arguments, got {n}"), e)),
        },
        "abs" => (ScalarFunction::Abs, true),
        "coalesce" => (ScalarFunction::Coalesce, false),
        "nullif" => (ScalarFunction::NullIf, false),
        "lower" | "lcase" => (ScalarFunction::Lower, true),
        "upper" | "ucase" => (ScalarFunction::Upper, true),
        "length" | "char_length" | "character_length" | "len" => (ScalarFunction::Length, true),
        "power" | "pow" => (ScalarFunction::Power, false),
        "year" | "quarter" | "month" | "day" | "dayofmonth" | "hour" | "minute" | "second"
        | "dayofweek" | "weekday" | "dayofyear" | "weekofyear" => (
            ScalarFunction::DatePart(DatePart::parse(name).expect("a date part name")),
            true,
        ),
        "date_trunc" => (ScalarFunction::DateTrunc, false),
        "to_date" => (ScalarFunction::ToDate, false),
        "to_timestamp" => (ScalarFunction::ToTimestamp, false),
        "date_format" => (ScalarFunction::DateFormat, false),
        "make_date" => (ScalarFunction::MakeDate, false),
        "date_add" | "dateadd" => (ScalarFunction::DateAdd, false),
        "date_sub" => (ScalarFunction::DateSub, false),
        "add_months" => (ScalarFunction::AddMonths, false),
        "datediff" | "date_diff" => (ScalarFunction::DateDiff, false),
        "current_date" | "curdate" => (ScalarFunction::CurrentDate, false),
        "current_timestamp" | "now" => (ScalarFunction::CurrentTimestamp, false),
        other => return Err(sql_err(format!("unknown function '{other}'"), e)),
    };
    if one && args.len() != 1 {
        return Err(sql_err(
            format!("{name} takes 1 argument, got {}", args.len()),
            e,
        ));
    }
    Ok(Expr::Function { func, args })
}

/// Every function name SQL accepts (aggregates, window functions, scalar
/// functions and their aliases), for completion and help.
pub const FUNCTION_NAMES: &[&str] = &[
    "abs",
    "add_months",
    "avg",
    "char_length",
    "character_length",
    "coalesce",
    "corr",
    "count",
    "cume_dist",
    "curdate",
    "current_date",
    "current_timestamp",
    "date_add",
    "date_diff",
    "date_format",
    "date_sub",
    "date_trunc",
    "dateadd",
    "datediff",
    "day",
    "dayofmonth",
    "dayofweek",
    "dayofyear",
    "dense_rank",
    "first",
    "first_value",
    "hour",
    "lag",
    "last",
    "last_value",
    "lcase",
    "lead",
    "len",
    "length",
    "lower",
    "make_date",
    "max",
    "mean",
    "median",
    "min",
    "minute",
    "mode",
    "month",
    "now",
    "nth_value",
    "ntile",
    "nullif",
    "percent_rank",
    "pow",
    "power",
    "quarter",
    "rank",
    "round",
    "row_number",
    "second",
    "std",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "sum",
    "to_date",
    "to_timestamp",
    "ucase",
    "upper",
    "var",
    "var_pop",
    "var_samp",
    "variance",
    "weekday",
    "weekofyear",
    "year",
];

/// The SQL keywords of the statements Partita runs, for completion.
pub const KEYWORDS: &[&str] = &[
    "ALL",
    "ANALYZE",
    "AND",
    "AS",
    "ASC",
    "BETWEEN",
    "BY",
    "CASE",
    "CAST",
    "COPY",
    "CREATE",
    "CROSS",
    "CURRENT",
    "DATE",
    "DESC",
    "DESCRIBE",
    "DISTINCT",
    "DIV",
    "ELSE",
    "END",
    "EXCEPT",
    "EXISTS",
    "EXPLAIN",
    "FALSE",
    "FIRST",
    "FOLLOWING",
    "FROM",
    "FULL",
    "GROUP",
    "HAVING",
    "IGNORE",
    "IN",
    "INNER",
    "INTERSECT",
    "INTERVAL",
    "IS",
    "JOIN",
    "LAST",
    "LEFT",
    "LIKE",
    "LIMIT",
    "NOT",
    "NULL",
    "NULLS",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OUTER",
    "OVER",
    "PARTITION",
    "PRECEDING",
    "QUALIFY",
    "RANGE",
    "RIGHT",
    "ROW",
    "ROWS",
    "SELECT",
    "SEMI",
    "ANTI",
    "SET",
    "SHOW",
    "TABLE",
    "TABLES",
    "THEN",
    "TIMESTAMP",
    "TO",
    "TRUE",
    "UNBOUNDED",
    "UNION",
    "USING",
    "VALUES",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
];

#[cfg(test)]
mod names_tests {
    use super::*;
    use crate::{plan_sql, EmptyCatalog};
    use partita_common::Semantics;

    #[test]
    fn every_listed_function_is_known() {
        for name in FUNCTION_NAMES {
            let sql = format!("SELECT {name}(1)");
            if let Err(e) = plan_sql(&sql, &EmptyCatalog, &Semantics::spark()) {
                assert!(!e.to_string().contains("unknown function"), "{name}: {e}");
            }
        }
    }
}
