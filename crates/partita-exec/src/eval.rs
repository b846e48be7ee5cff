//! Evaluates expressions over a partition with the core kernels. A plan expression
//! is first lowered into a [`PhysicalExpr`] against its input's schema (types and
//! literal arguments fixed, errors raised at planning); evaluation then runs kernels
//! only.

use partita_common::temporal::TruncUnit;
use partita_common::{
    BinaryOperator, DataType, Error, Logic, NumericPromotion, Result, ScalarFunction, ScalarValue,
    Schema, Semantics,
};
use partita_common::{Categories, TimeUnit, TimeZone};
use partita_core::frame::{
    assemble, column, frame_with_height, normalize_nan, scalar_at, scalar_series, schema_of,
    take_rows,
};
use partita_core::polars::{BooleanChunked, Series};
use partita_core::{scalar, temporal, Partition};
use partita_plan::literal_text;
use partita_plan::optimizer::ConstantEvaluator;
use partita_plan::Expr;

/// An expression lowered for execution against its input's schema: every node
/// carries the type of its values, and arguments given as literals (`round`'s
/// digits, `date_trunc`'s unit, format patterns) are decoded and checked, once, at
/// lowering. Evaluating it over a partition runs no type inference and raises no
/// plan error.
#[derive(Debug, Clone)]
pub struct PhysicalExpr {
    /// The plan expression this node was lowered from (its text, and the analysis
    /// of what can fail).
    expr: Expr,
    /// The output name.
    name: String,
    /// The type of the values.
    data_type: DataType,
    /// The lowered children, in the order of [`Expr::children`].
    children: Vec<PhysicalExpr>,
    /// A literal argument, decoded.
    literal: LiteralArg,
}

/// A function argument given as a literal, decoded at lowering.
#[derive(Debug, Clone)]
enum LiteralArg {
    None,
    /// `round`'s digits.
    Digits(i64),
    /// `date_trunc`'s unit.
    Unit(TruncUnit),
    /// A date or time format pattern.
    Pattern(String),
}

impl PhysicalExpr {
    /// Lowers `expr` (resolved) for rows of `schema`: every type fixed, every literal
    /// argument checked. Errors here are plan errors, raised before anything runs.
    pub fn lower(expr: &Expr, schema: &Schema, sem: &Semantics) -> Result<PhysicalExpr> {
        let data_type = expr.data_type(schema, sem)?;
        let children = expr
            .children()
            .into_iter()
            .map(|c| PhysicalExpr::lower(c, schema, sem))
            .collect::<Result<Vec<_>>>()?;
        let literal = match expr {
            Expr::Function { func, args } => literal_arg(*func, args, &children)?,
            _ => LiteralArg::None,
        };
        Ok(PhysicalExpr {
            expr: expr.clone(),
            name: expr.output_name(),
            data_type,
            children,
            literal,
        })
    }

    /// Lowers every expression of `exprs` for rows of `schema`.
    pub fn lower_all<'a>(
        exprs: impl IntoIterator<Item = &'a Expr>,
        schema: &Schema,
        sem: &Semantics,
    ) -> Result<Vec<PhysicalExpr>> {
        exprs
            .into_iter()
            .map(|e| PhysicalExpr::lower(e, schema, sem))
            .collect()
    }

    /// The plan expression it was lowered from.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The type of its values.
    pub fn data_type(&self) -> DataType {
        self.data_type
    }
}

impl std::fmt::Display for PhysicalExpr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.expr.fmt(f)
    }
}

/// The literal argument of a call of `func`, decoded and checked.
fn literal_arg(
    func: ScalarFunction,
    args: &[Expr],
    children: &[PhysicalExpr],
) -> Result<LiteralArg> {
    Ok(match func {
        ScalarFunction::Round => LiteralArg::Digits(match args.get(1).map(|a| a.unalias()) {
            None => 0,
            Some(Expr::Literal(ScalarValue::Int64(Some(d)))) => *d,
            Some(other) => {
                return Err(Error::plan(format!(
                    "round expects an integer literal for digits, got {other}"
                )))
            }
        }),
        ScalarFunction::DateTrunc => {
            let unit = literal_text(&args[0], "date_trunc", "unit")?;
            LiteralArg::Unit(
                TruncUnit::parse(&unit)
                    .ok_or_else(|| Error::plan(format!("date_trunc: unknown unit '{unit}'")))?,
            )
        }
        // A pattern applies to text only; other input types are cast.
        ScalarFunction::ToDate | ScalarFunction::ToTimestamp
            if args.len() > 1 && children[0].data_type == DataType::Utf8 =>
        {
            LiteralArg::Pattern(literal_text(&args[1], &func.to_string(), "format")?)
        }
        ScalarFunction::DateFormat => {
            LiteralArg::Pattern(literal_text(&args[1], "date_format", "format")?)
        }
        _ => LiteralArg::None,
    })
}

/// The value of `p` for every row of `df`, named by the expression's output name.
pub fn evaluate(p: &PhysicalExpr, df: &Partition, sem: &Semantics) -> Result<Series> {
    let out = eval_inner(p, df, sem)?;
    Ok(out.with_name(p.name.as_str().into()))
}

/// The value of `p`; an error of the data (division by zero, overflow, a bad
/// cast) names the innermost expression that raised it: `... (in `a / b`)`.
fn eval_inner(p: &PhysicalExpr, df: &Partition, sem: &Semantics) -> Result<Series> {
    eval_node(p, df, sem).map_err(|e| in_expression(e, p))
}

/// `e` with the expression `p` that raised it, unless an inner one is named.
fn in_expression(e: Error, p: &PhysicalExpr) -> Error {
    const MARK: &str = partita_common::IN_EXPRESSION;
    match e {
        Error::Arithmetic { condition, message } if !message.contains(MARK) => Error::Arithmetic {
            condition,
            message: format!("{message}{MARK}{p}`)"),
        },
        Error::Data { class, message } if !message.contains(MARK) => Error::Data {
            class,
            message: format!("{message}{MARK}{p}`)"),
        },
        other => other,
    }
}

fn eval_node(p: &PhysicalExpr, df: &Partition, sem: &Semantics) -> Result<Series> {
    let n = df.height();
    let ev = |c: &PhysicalExpr| eval_inner(c, df, sem);
    let child = |i: usize| ev(&p.children[i]);
    let s = match &p.expr {
        Expr::Column(name) => column(df, name)?.clone(),
        Expr::Literal(v) => scalar_series("literal", v, n),
        Expr::Alias(_, name) => child(0)?.with_name(name.as_str().into()),
        Expr::Binary { left, op, right } => {
            if let Some(out) = int_literal_comparison(p, df, sem)? {
                return Ok(out);
            }
            let (mut l, mut r) = (child(0)?, child(1)?);
            if op.is_comparison() && sem.numeric_promotion == NumericPromotion::Numpy {
                // NumPy compares a float32 array with a Python float in float32.
                let f32s = &partita_core::polars::PlDataType::Float32;
                if matches!(left.unalias(), Expr::Literal(_)) && r.dtype() == f32s {
                    l = scalar::cast(&l, DataType::Float32, sem)?;
                } else if matches!(right.unalias(), Expr::Literal(_)) && l.dtype() == f32s {
                    r = scalar::cast(&r, DataType::Float32, sem)?;
                }
            }
            if let Some(c) = ordered_categories(p) {
                l = by_category(l, c)?;
                r = by_category(r, c)?;
            }
            if op.is_arithmetic() {
                scalar::arithmetic(&l, *op, &r, p.data_type, sem)?
            } else if op.is_comparison() {
                scalar::compare(&l, *op, &r, sem)?
            } else {
                scalar::logical(&l, *op, &r, sem)?
            }
        }
        Expr::Not(_) => scalar::not(&child(0)?, sem)?,
        Expr::IsNull(_) => scalar::is_null(&child(0)?, true),
        Expr::IsNotNull(_) => scalar::is_null(&child(0)?, false),
        Expr::InList { negated, .. } => {
            let items = p.children[1..].iter().map(ev).collect::<Result<Vec<_>>>()?;
            scalar::in_list(&child(0)?, &items, *negated, sem)?
        }
        Expr::Between { negated, .. } => {
            let order = ordered_categories(p);
            let arg = |i: usize| match order {
                Some(c) => by_category(child(i)?, c),
                None => child(i),
            };
            let x = arg(0)?;
            let lo = scalar::compare(&x, BinaryOperator::GtEq, &arg(1)?, sem)?;
            let hi = scalar::compare(&x, BinaryOperator::LtEq, &arg(2)?, sem)?;
            let both = scalar::logical(&lo, BinaryOperator::And, &hi, sem)?;
            if *negated {
                scalar::not(&both, sem)?
            } else {
                both
            }
        }
        Expr::Like {
            pattern, negated, ..
        } => scalar::like(&child(0)?, pattern, *negated, sem)?,
        Expr::Cast { to, .. } => scalar::cast(&child(0)?, *to, sem)?,
        Expr::Function { func, .. } => {
            let vals = p.children.iter().map(ev).collect::<Result<Vec<_>>>()?;
            function(p, *func, &vals, n, sem)?
        }
        Expr::Case { .. } => case_when(p, df, sem)?,
        Expr::Aggregate { .. } => {
            return Err(Error::internal(format!(
                "aggregate '{}' evaluated outside an aggregation",
                p.expr
            )))
        }
    };
    normalize_nan(s, sem)
}

/// The categories an order comparison (`<`, `BETWEEN`) follows: those of an
/// ordered categorical operand (the plan allows only its categories and
/// categoricals of the same categories beside it).
fn ordered_categories(p: &PhysicalExpr) -> Option<Categories> {
    let ordering = match &p.expr {
        Expr::Binary { op, .. } => op.is_order_comparison(),
        Expr::Between { .. } => true,
        _ => false,
    };
    if !ordering {
        return None;
    }
    p.children.iter().find_map(|c| match c.data_type {
        DataType::Categorical(c) if c.ordered() => Some(c),
        _ => None,
    })
}

/// Each value's place among `categories` (text that is a category, or missing).
fn by_category(s: Series, categories: Categories) -> Result<Series> {
    let s = if s.dtype() == &partita_core::polars::PlDataType::String {
        s
    } else {
        s.cast(&partita_core::polars::PlDataType::String)
            .map_err(partita_core::frame::pl_err)?
    };
    partita_core::categorical::category_positions(&s, categories)
}

/// A scalar function over its evaluated arguments.
fn function(
    p: &PhysicalExpr,
    func: ScalarFunction,
    vals: &[Series],
    n: usize,
    sem: &Semantics,
) -> Result<Series> {
    let to = p.data_type;
    Ok(match (func, &p.literal) {
        (ScalarFunction::Round, LiteralArg::Digits(d)) => scalar::round(&vals[0], *d, sem)?,
        (ScalarFunction::Abs, _) => scalar::abs(&vals[0], sem)?,
        (ScalarFunction::Negate, _) => scalar::negate(&vals[0], sem)?,
        (ScalarFunction::Coalesce, _) => scalar::coalesce(vals, to)?,
        (ScalarFunction::NullIf, _) => scalar::null_if(&vals[0], &vals[1], to, sem)?,
        (ScalarFunction::Lower, _) => scalar::change_case(&vals[0], false, sem)?,
        (ScalarFunction::Upper, _) => scalar::change_case(&vals[0], true, sem)?,
        (ScalarFunction::Length, _) => scalar::cast(&scalar::length(&vals[0])?, to, sem)?,
        (ScalarFunction::Power, _) => scalar::power(&vals[0], &vals[1])?,
        (ScalarFunction::DatePart(part), _) => temporal::date_part(&vals[0], part, to, sem)?,
        (ScalarFunction::DateTrunc, LiteralArg::Unit(unit)) => {
            temporal::date_trunc(&vals[1], *unit, to)?
        }
        (ScalarFunction::ToDate | ScalarFunction::ToTimestamp, LiteralArg::Pattern(pattern)) => {
            temporal::parse_text(&vals[0], to, Some(pattern))?
        }
        (ScalarFunction::ToDate | ScalarFunction::ToTimestamp, _) => {
            scalar::cast(&vals[0], to, sem)?
        }
        (ScalarFunction::DateFormat, LiteralArg::Pattern(pattern)) => {
            temporal::format_text(&vals[0], Some(pattern), sem)?
        }
        (ScalarFunction::MakeDate, _) => temporal::make_date(&vals[0], &vals[1], &vals[2])?,
        (ScalarFunction::DateAdd, _) => temporal::shift_date(&vals[0], &vals[1], false, 1)?,
        (ScalarFunction::DateSub, _) => temporal::shift_date(&vals[0], &vals[1], false, -1)?,
        (ScalarFunction::AddMonths, _) => temporal::shift_date(&vals[0], &vals[1], true, 1)?,
        (ScalarFunction::DateDiff, _) => temporal::date_diff(&vals[0], &vals[1], sem)?,
        (ScalarFunction::CurrentDate, _) => scalar_series(
            "current_date",
            &ScalarValue::Date(Some(temporal::today())),
            n,
        ),
        (ScalarFunction::CurrentTimestamp, _) => scalar_series(
            "current_timestamp",
            &ScalarValue::Timestamp(
                Some(temporal::now_micros()),
                TimeUnit::Microsecond,
                Some(TimeZone::new("UTC")),
            ),
            n,
        ),
        (func, _) => {
            return Err(Error::internal(format!(
                "{func} was lowered without its literal argument"
            )))
        }
    })
}

/// `expr op literal` (or `literal op expr`) with an integer literal: an integer
/// column without missing values is compared with the value itself, without a
/// column of copies of the literal. `None` when neither side is such a literal.
fn int_literal_comparison(
    p: &PhysicalExpr,
    df: &Partition,
    sem: &Semantics,
) -> Result<Option<Series>> {
    use BinaryOperator::*;
    let Expr::Binary { left, op, right } = &p.expr else {
        return Ok(None);
    };
    let op = *op;
    if !op.is_comparison() {
        return Ok(None);
    }
    let (other, value, literal_right) = match (left.unalias(), right.unalias()) {
        (Expr::Literal(_), Expr::Literal(_)) => return Ok(None),
        (_, Expr::Literal(ScalarValue::Int64(Some(v)))) => (&p.children[0], *v, true),
        (Expr::Literal(ScalarValue::Int64(Some(v))), _) => (&p.children[1], *v, false),
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
fn case_when(p: &PhysicalExpr, df: &Partition, sem: &Semantics) -> Result<Series> {
    let n = df.height();
    let out = p.data_type;
    // The children are the branches' conditions and values, then the ELSE value.
    let branches = p.children.chunks_exact(2);
    let otherwise = branches.remainder().first();
    let mut remaining: Vec<u32> = (0..n as u32).collect();
    let mut pieces = vec![];
    for pair in branches {
        let (condition, value) = (&pair[0], &pair[1]);
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

/// Keeps the rows where every one of `conjuncts` is true. Conjuncts run left to
/// right, each on the rows the earlier ones kept, so `b <> 0 AND a / b > 1` never
/// divides by zero.
///
/// Consecutive conjuncts that cannot fail (comparisons, logic, IN, LIKE, null tests
/// of columns and constants) are evaluated on the same rows and their masks
/// combined, so the rows are gathered once for them.
pub fn filter(df: Partition, conjuncts: &[PhysicalExpr], sem: &Semantics) -> Result<Partition> {
    let mut df = df;
    let mut i = 0;
    while i < conjuncts.len() && df.height() > 0 {
        // A run of conjuncts that cannot fail shares one mask (a conjunct that can
        // fail runs alone, on the rows the earlier ones kept).
        let mut end = i + 1;
        while end < conjuncts.len()
            && mask_cannot_fail(&conjuncts[end - 1].expr, sem)
            && mask_cannot_fail(&conjuncts[end].expr, sem)
        {
            end += 1;
        }
        let mask = mask(&conjuncts[i..end], &df, sem)?;
        i = end;
        if !mask.all() {
            df = partita_core::frame::filter_rows(&df, &mask)?;
        }
    }
    Ok(df)
}

/// True when every expression is a column, possibly renamed.
pub fn selects_columns(exprs: &[PhysicalExpr]) -> bool {
    exprs
        .iter()
        .all(|e| matches!(e.expr.unalias(), Expr::Column(_)))
}

/// [`filter`] then [`project`] of plain columns ([`selects_columns`]). When no
/// conjunct of the predicate can fail, the mask is computed on the whole frame
/// and only the projected columns are gathered: `WHERE v1 > 2 AND id4 <= 50`
/// feeding `AVG(v3)` filters `v3` alone.
pub fn filter_select(
    df: Partition,
    conjuncts: &[PhysicalExpr],
    exprs: &[PhysicalExpr],
    sem: &Semantics,
) -> Result<Partition> {
    if !conjuncts.iter().all(|c| mask_cannot_fail(&c.expr, sem)) {
        return project(&filter(df, conjuncts, sem)?, exprs, sem);
    }
    let mask = mask(conjuncts, &df, sem)?;
    let projected = project(&df, exprs, sem)?;
    if mask.all() {
        Ok(projected)
    } else {
        partita_core::frame::filter_rows(&projected, &mask)
    }
}

/// The rows every one of `conjuncts` (at least one) keeps, each evaluated on every
/// row of `df`.
pub fn mask(conjuncts: &[PhysicalExpr], df: &Partition, sem: &Semantics) -> Result<BooleanChunked> {
    let mut mask = scalar::filter_mask(&evaluate(&conjuncts[0], df, sem)?, sem)?;
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
pub fn project(df: &Partition, exprs: &[PhysicalExpr], sem: &Semantics) -> Result<Partition> {
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
        let p = PhysicalExpr::lower(expr, &schema_of(&one_row)?, semantics)?;
        let v = scalar_at(&evaluate(&p, &one_row, semantics)?, 0)?;
        // Keep the expression's type: a NULL result stays typed.
        Ok(if v.is_null() {
            ScalarValue::null_of(p.data_type)
        } else {
            v
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partita_common::Field;
    use partita_core::polars::{IntoColumn, NamedFrom};
    use partita_plan::{col, lit};

    fn frame() -> Partition {
        let v = Series::new("v".into(), [1i64, -2, 3]);
        partita_core::polars::DataFrame::new(3, vec![v.into_column()]).unwrap()
    }

    #[test]
    fn lowering_fixes_types_once_and_evaluation_only_runs_kernels() {
        let sem = Semantics::spark();
        let schema = Schema::new(vec![Field::new("v", DataType::Int64)]);
        let e = (col("v") * lit(2)).abs().alias("w");
        let p = PhysicalExpr::lower(&e, &schema, &sem).unwrap();
        assert_eq!(p.data_type(), DataType::Int64);
        assert_eq!(p.to_string(), e.to_string());
        let out = evaluate(&p, &frame(), &sem).unwrap();
        assert_eq!(out.name().as_str(), "w");
        assert_eq!(scalar_at(&out, 1).unwrap(), ScalarValue::Int64(Some(4)));
    }

    #[test]
    fn bad_literal_arguments_and_names_fail_at_lowering() {
        let sem = Semantics::spark();
        let schema = Schema::new(vec![Field::new("v", DataType::Int64)]);
        let err = PhysicalExpr::lower(&col("nope"), &schema, &sem).unwrap_err();
        assert!(err.to_string().contains("'nope' not found"), "{err}");
        let digits = Expr::Function {
            func: ScalarFunction::Round,
            args: vec![col("v"), col("v")],
        };
        let err = PhysicalExpr::lower(&digits, &schema, &sem).unwrap_err();
        assert!(err.to_string().contains("integer literal"), "{err}");
    }
}
