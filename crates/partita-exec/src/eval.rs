//! Evaluates plan expressions over a partition with the core kernels.

use partita_common::temporal::TruncUnit;
use partita_common::{
    BinaryOperator, DataType, Error, Logic, NumericPromotion, Result, ScalarFunction, ScalarValue,
    Semantics,
};
use partita_common::{TimeUnit, TimeZone};
use partita_core::frame::{
    assemble, column, frame_with_height, normalize_nan, scalar_at, scalar_series, schema_of,
    take_rows,
};
use partita_core::polars::{BooleanChunked, Series};
use partita_core::{scalar, temporal, Partition};
use partita_plan::literal_text;
use partita_plan::optimizer::ConstantEvaluator;
use partita_plan::Expr;

/// The value of `expr` for every row of `df`, named by the expression's output name.
pub fn evaluate(expr: &Expr, df: &Partition, sem: &Semantics) -> Result<Series> {
    let out = eval_inner(expr, df, sem)?;
    Ok(out.with_name(expr.output_name().as_str().into()))
}

fn out_type(expr: &Expr, df: &Partition, sem: &Semantics) -> Result<DataType> {
    expr.data_type(&schema_of(df)?, sem)
}

fn eval_inner(expr: &Expr, df: &Partition, sem: &Semantics) -> Result<Series> {
    let n = df.height();
    let ev = |e: &Expr| eval_inner(e, df, sem);
    let s = match expr {
        Expr::Column(name) => column(df, name)?.clone(),
        Expr::Literal(v) => scalar_series("literal", v, n),
        Expr::Alias(e, name) => ev(e)?.with_name(name.as_str().into()),
        Expr::Binary { left, op, right } => {
            if let Some(out) = int_literal_comparison(left, *op, right, df, sem)? {
                return Ok(out);
            }
            let (mut l, mut r) = (ev(left)?, ev(right)?);
            if op.is_comparison() && sem.numeric_promotion == NumericPromotion::Numpy {
                // NumPy compares a float32 array with a Python float in float32.
                let f32s = &partita_core::polars::PlDataType::Float32;
                if matches!(left.unalias(), Expr::Literal(_)) && r.dtype() == f32s {
                    l = scalar::cast(&l, DataType::Float32, sem)?;
                } else if matches!(right.unalias(), Expr::Literal(_)) && l.dtype() == f32s {
                    r = scalar::cast(&r, DataType::Float32, sem)?;
                }
            }
            if op.is_arithmetic() {
                scalar::arithmetic(&l, *op, &r, out_type(expr, df, sem)?, sem)?
            } else if op.is_comparison() {
                scalar::compare(&l, *op, &r, sem)?
            } else {
                scalar::logical(&l, *op, &r, sem)?
            }
        }
        Expr::Not(e) => scalar::not(&ev(e)?, sem)?,
        Expr::IsNull(e) => scalar::is_null(&ev(e)?, true),
        Expr::IsNotNull(e) => scalar::is_null(&ev(e)?, false),
        Expr::InList {
            expr: e,
            list,
            negated,
        } => {
            let items = list.iter().map(ev).collect::<Result<Vec<_>>>()?;
            scalar::in_list(&ev(e)?, &items, *negated, sem)?
        }
        Expr::Between {
            expr: e,
            low,
            high,
            negated,
        } => {
            let x = ev(e)?;
            let lo = scalar::compare(&x, BinaryOperator::GtEq, &ev(low)?, sem)?;
            let hi = scalar::compare(&x, BinaryOperator::LtEq, &ev(high)?, sem)?;
            let both = scalar::logical(&lo, BinaryOperator::And, &hi, sem)?;
            if *negated {
                scalar::not(&both, sem)?
            } else {
                both
            }
        }
        Expr::Like {
            expr: e,
            pattern,
            negated,
        } => scalar::like(&ev(e)?, pattern, *negated, sem)?,
        Expr::Cast { expr: e, to } => scalar::cast(&ev(e)?, *to, sem)?,
        Expr::Function { func, args } => {
            let vals = args.iter().map(ev).collect::<Result<Vec<_>>>()?;
            match func {
                ScalarFunction::Round => {
                    let digits = match args.get(1).map(|a| a.unalias()) {
                        None => 0,
                        Some(Expr::Literal(ScalarValue::Int64(Some(d)))) => *d,
                        Some(other) => {
                            return Err(Error::plan(format!(
                                "round expects an integer literal for digits, got {other}"
                            )))
                        }
                    };
                    scalar::round(&vals[0], digits, sem)?
                }
                ScalarFunction::Abs => scalar::abs(&vals[0], sem)?,
                ScalarFunction::Negate => scalar::negate(&vals[0], sem)?,
                ScalarFunction::Coalesce => scalar::coalesce(&vals, out_type(expr, df, sem)?)?,
                ScalarFunction::Lower => scalar::change_case(&vals[0], false, sem)?,
                ScalarFunction::Upper => scalar::change_case(&vals[0], true, sem)?,
                ScalarFunction::Length => {
                    scalar::cast(&scalar::length(&vals[0])?, out_type(expr, df, sem)?, sem)?
                }
                ScalarFunction::Power => scalar::power(&vals[0], &vals[1])?,
                ScalarFunction::DatePart(part) => {
                    temporal::date_part(&vals[0], *part, out_type(expr, df, sem)?, sem)?
                }
                ScalarFunction::DateTrunc => {
                    let unit = literal_text(&args[0], "date_trunc", "unit")?;
                    let unit = TruncUnit::parse(&unit)
                        .ok_or_else(|| Error::plan(format!("date_trunc: unknown unit '{unit}'")))?;
                    temporal::date_trunc(&vals[1], unit, out_type(expr, df, sem)?)?
                }
                ScalarFunction::ToDate | ScalarFunction::ToTimestamp => {
                    let to = out_type(expr, df, sem)?;
                    match args.get(1) {
                        Some(p) if vals[0].dtype() == &partita_core::polars::PlDataType::String => {
                            let pattern = literal_text(p, &func.to_string(), "format")?;
                            temporal::parse_text(&vals[0], to, Some(&pattern))?
                        }
                        _ => scalar::cast(&vals[0], to, sem)?,
                    }
                }
                ScalarFunction::DateFormat => {
                    let pattern = literal_text(&args[1], "date_format", "format")?;
                    temporal::format_text(&vals[0], Some(&pattern), sem)?
                }
                ScalarFunction::MakeDate => temporal::make_date(&vals[0], &vals[1], &vals[2])?,
                ScalarFunction::DateAdd => temporal::shift_date(&vals[0], &vals[1], false, 1)?,
                ScalarFunction::DateSub => temporal::shift_date(&vals[0], &vals[1], false, -1)?,
                ScalarFunction::AddMonths => temporal::shift_date(&vals[0], &vals[1], true, 1)?,
                ScalarFunction::DateDiff => temporal::date_diff(&vals[0], &vals[1])?,
                ScalarFunction::CurrentDate => scalar_series(
                    "current_date",
                    &ScalarValue::Date(Some(temporal::today())),
                    n,
                ),
                ScalarFunction::CurrentTimestamp => scalar_series(
                    "current_timestamp",
                    &ScalarValue::Timestamp(
                        Some(temporal::now_micros()),
                        TimeUnit::Microsecond,
                        Some(TimeZone::new("UTC")),
                    ),
                    n,
                ),
            }
        }
        Expr::Case {
            branches,
            otherwise,
        } => case_when(
            branches,
            otherwise.as_deref(),
            df,
            out_type(expr, df, sem)?,
            sem,
        )?,
        Expr::Aggregate { .. } => {
            return Err(Error::internal(format!(
                "aggregate '{expr}' evaluated outside an aggregation"
            )))
        }
    };
    normalize_nan(s, sem)
}

/// `expr op literal` (or `literal op expr`) with an integer literal: an integer
/// column without missing values is compared with the value itself, without a
/// column of copies of the literal. `None` when neither side is such a literal.
fn int_literal_comparison(
    left: &Expr,
    op: BinaryOperator,
    right: &Expr,
    df: &Partition,
    sem: &Semantics,
) -> Result<Option<Series>> {
    use BinaryOperator::*;
    if !op.is_comparison() {
        return Ok(None);
    }
    let (other, value, literal_right) = match (left.unalias(), right.unalias()) {
        (Expr::Literal(_), Expr::Literal(_)) => return Ok(None),
        (_, Expr::Literal(ScalarValue::Int64(Some(v)))) => (left, *v, true),
        (Expr::Literal(ScalarValue::Int64(Some(v))), _) => (right, *v, false),
        _ => return Ok(None),
    };
    let s = eval_inner(other, df, sem)?;
    // `2 < x` is `x > 2`.
    let column_op = match (literal_right, op) {
        (true, op) => op,
        (false, Lt) => Gt,
        (false, LtEq) => GtEq,
        (false, Gt) => Lt,
        (false, GtEq) => LtEq,
        (false, op) => op,
    };
    if let Some(out) = scalar::compare_int_literal(&s, column_op, value) {
        return Ok(Some(out));
    }
    let lit = scalar_series("literal", &ScalarValue::Int64(Some(value)), s.len());
    let (l, r) = if literal_right { (s, lit) } else { (lit, s) };
    Ok(Some(scalar::compare(&l, op, &r, sem)?))
}

/// `CASE WHEN`, evaluated lazily as SQL engines do: each condition only on the rows
/// no earlier condition took, each value only on the rows its condition took, so
/// `CASE WHEN b <> 0 THEN a / b END` never divides by zero.
fn case_when(
    branches: &[(Expr, Expr)],
    otherwise: Option<&Expr>,
    df: &Partition,
    out: DataType,
    sem: &Semantics,
) -> Result<Series> {
    let n = df.height();
    let mut remaining: Vec<u32> = (0..n as u32).collect();
    let mut pieces = vec![];
    for (condition, value) in branches {
        if remaining.is_empty() {
            break;
        }
        let sub = take_rows(df, &remaining)?;
        let hits = scalar::truthy(&eval_inner(condition, &sub, sem)?)?;
        let mut taken = vec![];
        let mut rest = vec![];
        for (r, h) in remaining.iter().zip(hits) {
            if h {
                taken.push(*r);
            } else {
                rest.push(*r);
            }
        }
        remaining = rest;
        if !taken.is_empty() {
            let values = eval_inner(value, &take_rows(df, &taken)?, sem)?;
            pieces.push((taken, values));
        }
    }
    if !remaining.is_empty() {
        let values = match otherwise {
            Some(o) => eval_inner(o, &take_rows(df, &remaining)?, sem)?,
            None => scalar_series("null", &ScalarValue::null_of(out), remaining.len()),
        };
        pieces.push((remaining, values));
    }
    assemble(pieces, n, out, "case")
}

/// Keeps the rows where `predicate` is true. Conjuncts run left to right, each on the
/// rows the earlier ones kept, so `b <> 0 AND a / b > 1` never divides by zero.
///
/// Consecutive conjuncts that cannot fail (comparisons, logic, IN, LIKE, null tests
/// of columns and constants) are evaluated on the same rows and their masks
/// combined, so the rows are gathered once for them.
pub fn filter(df: Partition, predicate: &Expr, sem: &Semantics) -> Result<Partition> {
    let mut df = df;
    let conjuncts = predicate.split_conjunction();
    let mut i = 0;
    while i < conjuncts.len() && df.height() > 0 {
        // A run of conjuncts that cannot fail shares one mask (a conjunct that can
        // fail runs alone, on the rows the earlier ones kept).
        let mut end = i + 1;
        while end < conjuncts.len()
            && mask_cannot_fail(conjuncts[end - 1], sem)
            && mask_cannot_fail(conjuncts[end], sem)
        {
            end += 1;
        }
        let mask = combined_mask(&conjuncts[i..end], &df, sem)?;
        i = end;
        if !mask.all() {
            df = partita_core::frame::filter_rows(&df, &mask)?;
        }
    }
    Ok(df)
}

/// True when every expression is a column, possibly renamed.
pub fn selects_columns(exprs: &[Expr]) -> bool {
    exprs.iter().all(|e| matches!(e.unalias(), Expr::Column(_)))
}

/// [`filter`] then [`project`] of plain columns ([`selects_columns`]). When no
/// conjunct of the predicate can fail, the mask is computed on the whole frame
/// and only the projected columns are gathered: `WHERE v1 > 2 AND id4 <= 50`
/// feeding `AVG(v3)` filters `v3` alone.
pub fn filter_select(
    df: Partition,
    predicate: &Expr,
    exprs: &[Expr],
    sem: &Semantics,
) -> Result<Partition> {
    let conjuncts = predicate.split_conjunction();
    if !conjuncts.iter().all(|c| mask_cannot_fail(c, sem)) {
        return project(&filter(df, predicate, sem)?, exprs, sem);
    }
    let mask = combined_mask(&conjuncts, &df, sem)?;
    let projected = project(&df, exprs, sem)?;
    if mask.all() {
        Ok(projected)
    } else {
        partita_core::frame::filter_rows(&projected, &mask)
    }
}

/// The rows every one of `conjuncts` (at least one) keeps, each evaluated on every
/// row of `df`.
fn combined_mask(conjuncts: &[&Expr], df: &Partition, sem: &Semantics) -> Result<BooleanChunked> {
    let mut mask = scalar::filter_mask(&evaluate(conjuncts[0], df, sem)?, sem)?;
    for c in &conjuncts[1..] {
        mask = &mask & &scalar::filter_mask(&evaluate(c, df, sem)?, sem)?;
    }
    Ok(mask)
}

/// True when a filter conjunct gives a mask on any row, never an error: its value
/// cannot fail ([`cannot_fail`]) and, under two-valued logic, is never missing (a
/// missing mask value is pandas' "cannot mask with NA").
fn mask_cannot_fail(c: &Expr, sem: &Semantics) -> bool {
    cannot_fail(c, sem) && (sem.logic == Logic::ThreeValued || c.never_null_in_two_valued_logic())
}

/// True when evaluating `e` on any row gives a value, never an error.
fn cannot_fail(e: &Expr, sem: &Semantics) -> bool {
    use partita_common::BinaryOperator::*;
    let ok = |e: &Expr| cannot_fail(e, sem);
    match e {
        Expr::Column(_) | Expr::Literal(_) => true,
        // NOT of a missing boolean raises under two-valued logic (pandas' `~`).
        Expr::Not(inner) => {
            ok(inner) && (sem.logic == Logic::ThreeValued || inner.never_null_in_two_valued_logic())
        }
        Expr::Alias(inner, _) | Expr::IsNull(inner) | Expr::IsNotNull(inner) => ok(inner),
        Expr::Binary { left, op, right } => {
            matches!(
                op,
                Eq | NotEq | Lt | LtEq | Gt | GtEq | NullSafeEq | And | Or
            ) && ok(left)
                && ok(right)
        }
        Expr::Between {
            expr, low, high, ..
        } => ok(expr) && ok(low) && ok(high),
        Expr::InList { expr, list, .. } => ok(expr) && list.iter().all(ok),
        Expr::Like { expr, .. } => ok(expr),
        _ => false,
    }
}

/// Computes one output column per expression.
pub fn project(df: &Partition, exprs: &[Expr], sem: &Semantics) -> Result<Partition> {
    let cols = exprs
        .iter()
        .map(|e| evaluate(e, df, sem))
        .collect::<Result<Vec<_>>>()?;
    frame_with_height(df.height(), cols)
}

/// Folds constants with the same kernels the query runs with.
pub struct KernelConstantEvaluator;

impl ConstantEvaluator for KernelConstantEvaluator {
    fn evaluate(&self, expr: &Expr, semantics: &Semantics) -> Result<ScalarValue> {
        let one_row = frame_with_height(1, vec![])?;
        let s = evaluate(expr, &one_row, semantics)?;
        let v = scalar_at(&s, 0)?;
        // Keep the expression's type: a NULL result stays typed.
        match (
            v.is_null(),
            expr.data_type(&schema_of(&one_row)?, semantics)?,
        ) {
            (true, t) => Ok(ScalarValue::null_of(t)),
            (false, _) => Ok(v),
        }
    }
}
