//! Window functions: `f(..) OVER (PARTITION BY .. ORDER BY .. [frame])`, named
//! windows (`WINDOW w AS (..)`, `OVER w`) and `QUALIFY`.
//!
//! A call in the select list (or QUALIFY) is planned into a pending window and
//! stands for a hidden column; once the clause is planned, [`Planner::attach_windows`]
//! computes every pending window in one `Window` node over the rows, with its
//! arguments and keys that are not plain columns computed first.

use partita_common::{
    AggregateFunction, FrameBound, NullPlacement, Result, ScalarValue, WindowFrame, WindowFunction,
};
use partita_plan::{col, Expr, LogicalPlan, LogicalPlanBuilder, WindowCall};
use sqlparser::ast;

use crate::functions::aggregate_function;
use crate::names::{ident_name, object_name};
use crate::planner::Planner;
use crate::position::{at, sql_err};

/// A literal whole number of a call or frame (`NTILE(4)`, `2 PRECEDING`).
fn count(e: &Expr, what: &str, node: &ast::Expr) -> Result<i64> {
    match e {
        Expr::Literal(ScalarValue::Int64(Some(n))) => Ok(*n),
        Expr::Literal(ScalarValue::Int32(Some(n))) => Ok(*n as i64),
        _ => Err(sql_err(
            format!("{what} must be a whole number literal"),
            node,
        )),
    }
}

impl Planner<'_> {
    /// The window spec a call names: its own, or a named window (`OVER w`, or
    /// `OVER (w ORDER BY ..)` which adds to `w`).
    fn window_spec(&self, over: &ast::WindowType, e: &ast::Expr) -> Result<ast::WindowSpec> {
        let named = |id: &ast::Ident| -> Result<ast::WindowSpec> {
            let want = ident_name(id);
            self.named_windows
                .borrow()
                .iter()
                .find(|(n, _)| *n == want)
                .map(|(_, s)| s.clone())
                .ok_or_else(|| sql_err(format!("unknown window '{want}'"), e))
        };
        match over {
            ast::WindowType::NamedWindow(id) => named(id),
            ast::WindowType::WindowSpec(s) => match &s.window_name {
                None => Ok(s.clone()),
                Some(id) => {
                    let mut base = named(id)?;
                    if !s.partition_by.is_empty() {
                        return Err(sql_err(
                            "a window that names another cannot add PARTITION BY",
                            e,
                        ));
                    }
                    if !s.order_by.is_empty() {
                        base.order_by = s.order_by.clone();
                    }
                    if s.window_frame.is_some() {
                        base.window_frame = s.window_frame.clone();
                    }
                    base.window_name = None;
                    Ok(base)
                }
            },
        }
    }

    /// `f(..) OVER (..)`: a pending window; the expression is its hidden column.
    pub(crate) fn window_call(&self, f: &ast::Function, e: &ast::Expr) -> Result<Expr> {
        let over = f.over.as_ref().expect("a window call has OVER");
        let spec = self.window_spec(over, e)?;
        let name = object_name(&f.name).to_ascii_lowercase();
        let (args, distinct, star) = self.function_args(f, e)?;
        if distinct {
            return Err(sql_err(
                format!("{name}(DISTINCT ...) OVER (...) is not supported"),
                e,
            ));
        }
        let arity = |n: std::ops::RangeInclusive<usize>| -> Result<()> {
            if n.contains(&args.len()) {
                Ok(())
            } else {
                Err(sql_err(
                    format!("{name} takes {n:?} argument(s), got {}", args.len()),
                    e,
                ))
            }
        };
        let (func, arg) = match name.as_str() {
            "row_number" | "rank" | "dense_rank" | "percent_rank" | "cume_dist" => {
                arity(0..=0)?;
                let func = match name.as_str() {
                    "row_number" => WindowFunction::RowNumber,
                    "rank" => WindowFunction::Rank,
                    "dense_rank" => WindowFunction::DenseRank,
                    "percent_rank" => WindowFunction::PercentRank,
                    _ => WindowFunction::CumeDist,
                };
                (func, None)
            }
            "ntile" => {
                arity(1..=1)?;
                (
                    WindowFunction::Ntile(count(&args[0], "NTILE's count", e)?),
                    None,
                )
            }
            "lag" | "lead" => {
                arity(1..=3)?;
                let offset = match args.get(1) {
                    Some(o) => count(o, "the offset", e)?,
                    None => 1,
                };
                let default = match args.get(2) {
                    None => ScalarValue::Null,
                    Some(Expr::Literal(v)) => v.clone(),
                    Some(_) => {
                        return Err(sql_err(format!("{name}'s default must be a literal"), e))
                    }
                };
                // A negative offset looks the other way (Spark).
                let func = if (name == "lag") == (offset >= 0) {
                    WindowFunction::Lag {
                        offset: offset.abs(),
                        default,
                    }
                } else {
                    WindowFunction::Lead {
                        offset: offset.abs(),
                        default,
                    }
                };
                (func, args.into_iter().next())
            }
            "first_value" | "last_value" => {
                arity(1..=1)?;
                let func = if name == "first_value" {
                    WindowFunction::FirstValue
                } else {
                    WindowFunction::LastValue
                };
                (func, args.into_iter().next())
            }
            "nth_value" => {
                arity(2..=2)?;
                let n = count(&args[1], "NTH_VALUE's position", e)?;
                (WindowFunction::NthValue(n), args.into_iter().next())
            }
            _ => match aggregate_function(&name, false, star) {
                Some(AggregateFunction::CountStar) => (
                    WindowFunction::Aggregate(AggregateFunction::CountStar),
                    None,
                ),
                Some(a) if a.accepts_arity(args.len()) && args.len() == 1 => {
                    (WindowFunction::Aggregate(a), args.into_iter().next())
                }
                Some(_) => return Err(sql_err(format!("{name} OVER (...) takes one argument"), e)),
                None => return Err(sql_err(format!("{name} is not a window function"), e)),
            },
        };
        let ignore_nulls = match &f.null_treatment {
            None => None,
            Some(_) if !matches!(func, WindowFunction::FirstValue | WindowFunction::LastValue) => {
                return Err(sql_err(
                    format!("{name} takes no IGNORE NULLS or RESPECT NULLS"),
                    e,
                ))
            }
            Some(t) => Some(matches!(t, ast::NullTreatment::IgnoreNulls)),
        };
        if (func.is_ranking() || func.is_offset()) && spec.order_by.is_empty() {
            return at(
                Err(partita_common::Error::analysis(
                    "WINDOW_FUNCTION_FRAME_NOT_ORDERED",
                    format!("window function {name} needs ORDER BY in its window"),
                )),
                e,
            );
        }
        let partition_by = spec
            .partition_by
            .iter()
            .map(|p| self.expr(p))
            .collect::<Result<Vec<_>>>()?;
        let mut order_by = vec![];
        for o in &spec.order_by {
            let descending = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
            let nulls = match o.options.nulls_first {
                Some(true) => NullPlacement::First,
                Some(false) => NullPlacement::Last,
                None => NullPlacement::Default,
            };
            order_by.push((self.expr(&o.expr)?, descending, nulls));
        }
        let frame = spec
            .window_frame
            .as_ref()
            .map(|fr| self.frame(fr, e))
            .transpose()?;
        let hidden = format!("__window{}", self.windows.borrow().len());
        self.windows.borrow_mut().push(WindowCall {
            name: hidden.clone(),
            ignore_nulls,
            func,
            arg,
            partition_by,
            order_by,
            frame,
        });
        Ok(col(hidden))
    }

    /// `ROWS | RANGE BETWEEN start AND end`.
    fn frame(&self, fr: &ast::WindowFrame, e: &ast::Expr) -> Result<WindowFrame> {
        let rows = match fr.units {
            ast::WindowFrameUnits::Rows => true,
            ast::WindowFrameUnits::Range => false,
            ast::WindowFrameUnits::Groups => {
                return Err(sql_err("GROUPS frames are not supported", e))
            }
        };
        let bound = |b: &ast::WindowFrameBound| -> Result<FrameBound> {
            let n = |x: &ast::Expr| -> Result<u64> {
                let v = count(&self.expr(x)?, "a frame offset", e)?;
                u64::try_from(v).map_err(|_| sql_err("a frame offset must not be negative", e))
            };
            Ok(match b {
                ast::WindowFrameBound::CurrentRow => FrameBound::CurrentRow,
                ast::WindowFrameBound::Preceding(None) => FrameBound::UnboundedPreceding,
                ast::WindowFrameBound::Following(None) => FrameBound::UnboundedFollowing,
                ast::WindowFrameBound::Preceding(Some(x)) => FrameBound::Preceding(n(x)?),
                ast::WindowFrameBound::Following(Some(x)) => FrameBound::Following(n(x)?),
            })
        };
        let start = bound(&fr.start_bound)?;
        let end = match &fr.end_bound {
            Some(b) => bound(b)?,
            None => FrameBound::CurrentRow,
        };
        let rank = |b: FrameBound| match b {
            FrameBound::UnboundedPreceding => 0,
            FrameBound::Preceding(_) => 1,
            FrameBound::CurrentRow => 2,
            FrameBound::Following(_) => 3,
            FrameBound::UnboundedFollowing => 4,
        };
        if start == FrameBound::UnboundedFollowing
            || end == FrameBound::UnboundedPreceding
            || rank(start) > rank(end)
        {
            return Err(sql_err(
                format!("the window frame cannot start at {start} and end at {end}"),
                e,
            ));
        }
        Ok(WindowFrame { rows, start, end })
    }

    /// True when calls wait for their window node.
    pub(crate) fn has_pending_windows(&self) -> bool {
        !self.windows.borrow().is_empty()
    }

    /// `plan` with every pending window's column added.
    pub(crate) fn attach_windows(
        &self,
        plan: LogicalPlan,
        node: &ast::Select,
    ) -> Result<LogicalPlan> {
        let pending: Vec<WindowCall> = self.windows.borrow_mut().drain(..).collect();
        at(
            LogicalPlanBuilder::new(plan, self.sem)
                .window_calls(pending)
                .map(LogicalPlanBuilder::build),
            node,
        )
    }
}
