//! Function calls: aggregates and scalar functions by their SQL names.

use partita_common::{AggregateFunction, DataType, DatePart, Result, ScalarFunction, ScalarValue};
use partita_plan::{lit_null, Expr};
use sqlparser::ast;

use crate::names::object_name;
use crate::planner::Planner;
use crate::position::sql_err;

impl Planner<'_> {
    /// Whether `first`/`last` skip missing values: `IGNORE NULLS` / `RESPECT NULLS`, or
    /// Spark's second argument `first(x, true)`; `None` when the query does not say
    /// (the semantics' `first_last_nulls` decides).
    pub(crate) fn ignore_nulls(
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

    pub(crate) fn function(&self, f: &ast::Function, e: &ast::Expr) -> Result<Expr> {
        let name = object_name(&f.name).to_ascii_lowercase();
        if f.over.is_some() {
            return Err(sql_err(
                format!("window functions ({name} OVER ...) are not supported yet"),
                e,
            ));
        }
        let (args, distinct, star) = match &f.args {
            ast::FunctionArguments::None => (vec![], false, false),
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
                (out, distinct, star)
            }
            ast::FunctionArguments::Subquery(_) => {
                return Err(sql_err("subquery arguments are not supported", e))
            }
        };
        let agg = |func: AggregateFunction, args: Vec<Expr>| -> Result<Expr> {
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
        };
        let one = |args: &Vec<Expr>| -> Result<()> {
            if args.len() == 1 {
                Ok(())
            } else {
                Err(sql_err(
                    format!("{name} takes 1 argument, got {}", args.len()),
                    e,
                ))
            }
        };
        if distinct && !matches!(name.as_str(), "count" | "sum" | "avg" | "mean") {
            return Err(sql_err(
                format!(
                    "{name}(DISTINCT ...) is not supported; only COUNT, SUM and AVG take DISTINCT"
                ),
                e,
            ));
        }
        Ok(match name.as_str() {
            "count" if star => agg(AggregateFunction::CountStar, vec![])?,
            "count" if distinct => agg(AggregateFunction::CountDistinct, args)?,
            "count" => agg(AggregateFunction::Count, args)?,
            "sum" if distinct => agg(AggregateFunction::SumDistinct, args)?,
            "sum" => agg(AggregateFunction::Sum, args)?,
            "avg" | "mean" if distinct => agg(AggregateFunction::MeanDistinct, args)?,
            "avg" | "mean" => agg(AggregateFunction::Mean, args)?,
            "min" => agg(AggregateFunction::Min, args)?,
            "max" => agg(AggregateFunction::Max, args)?,
            "stddev" | "stddev_samp" | "std" => agg(AggregateFunction::Std { ddof: 1 }, args)?,
            "stddev_pop" => agg(AggregateFunction::Std { ddof: 0 }, args)?,
            "variance" | "var_samp" | "var" => agg(AggregateFunction::Var { ddof: 1 }, args)?,
            "var_pop" => agg(AggregateFunction::Var { ddof: 0 }, args)?,
            "median" => agg(AggregateFunction::Median, args)?,
            "corr" => agg(AggregateFunction::Corr, args)?,
            "first" | "first_value" | "last" | "last_value" => {
                let ignore_nulls = self.ignore_nulls(f, &args, &name, e)?;
                let args = args.into_iter().take(1).collect();
                if name.starts_with("first") {
                    agg(AggregateFunction::First { ignore_nulls }, args)?
                } else {
                    agg(AggregateFunction::Last { ignore_nulls }, args)?
                }
            }
            "round" => match args.len() {
                1 => Expr::Function {
                    func: ScalarFunction::Round,
                    args,
                },
                2 => Expr::Function {
                    func: ScalarFunction::Round,
                    args,
                },
                n => return Err(sql_err(format!("round takes 1 or 2 arguments, got {n}"), e)),
            },
            "abs" => {
                one(&args)?;
                Expr::Function {
                    func: ScalarFunction::Abs,
                    args,
                }
            }
            "coalesce" => Expr::Function {
                func: ScalarFunction::Coalesce,
                args,
            },
            // NULLIF(a, b) = CASE WHEN a = b THEN NULL ELSE a END (missing when equal).
            "nullif" => match <[Expr; 2]>::try_from(args) {
                Ok([a, b]) => Expr::Case {
                    branches: vec![(a.clone().eq(b), lit_null(DataType::Null))],
                    otherwise: Some(Box::new(a)),
                },
                Err(args) => {
                    return Err(sql_err(
                        format!("nullif takes 2 arguments, got {}", args.len()),
                        e,
                    ))
                }
            },
            "lower" | "lcase" => {
                one(&args)?;
                Expr::Function {
                    func: ScalarFunction::Lower,
                    args,
                }
            }
            "upper" | "ucase" => {
                one(&args)?;
                Expr::Function {
                    func: ScalarFunction::Upper,
                    args,
                }
            }
            "length" | "char_length" | "character_length" | "len" => {
                one(&args)?;
                Expr::Function {
                    func: ScalarFunction::Length,
                    args,
                }
            }
            "power" | "pow" => Expr::Function {
                func: ScalarFunction::Power,
                args,
            },
            "year" | "quarter" | "month" | "day" | "dayofmonth" | "hour" | "minute" | "second"
            | "dayofweek" | "weekday" | "dayofyear" | "weekofyear" => {
                one(&args)?;
                Expr::Function {
                    func: ScalarFunction::DatePart(
                        DatePart::parse(&name).expect("a date part name"),
                    ),
                    args,
                }
            }
            "date_trunc" => Expr::Function {
                func: ScalarFunction::DateTrunc,
                args,
            },
            "to_date" => Expr::Function {
                func: ScalarFunction::ToDate,
                args,
            },
            "to_timestamp" => Expr::Function {
                func: ScalarFunction::ToTimestamp,
                args,
            },
            "date_format" => Expr::Function {
                func: ScalarFunction::DateFormat,
                args,
            },
            "make_date" => Expr::Function {
                func: ScalarFunction::MakeDate,
                args,
            },
            "date_add" | "dateadd" => Expr::Function {
                func: ScalarFunction::DateAdd,
                args,
            },
            "date_sub" => Expr::Function {
                func: ScalarFunction::DateSub,
                args,
            },
            "add_months" => Expr::Function {
                func: ScalarFunction::AddMonths,
                args,
            },
            "datediff" | "date_diff" => Expr::Function {
                func: ScalarFunction::DateDiff,
                args,
            },
            "current_date" | "curdate" => Expr::Function {
                func: ScalarFunction::CurrentDate,
                args,
            },
            "current_timestamp" | "now" => Expr::Function {
                func: ScalarFunction::CurrentTimestamp,
                args,
            },
            other => return Err(sql_err(format!("unknown function '{other}'"), e)),
        })
    }
}
