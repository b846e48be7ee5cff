//! Row-by-row kernels: arithmetic, comparison, logic, predicates and scalar
//! functions, each following the semantics switches.
//!
//! Inputs are series of equal length (literals are broadcast by the caller). Under
//! `NaN is missing` the inputs hold no NaN (scans turn it into null), and callers
//! normalize float outputs again, so these kernels only ever see NaN as a value.

use std::cmp::Ordering;

use partita_common::{
    BinaryOperator, DataType, DivisionByZero, Error, IntWithNulls, IntegerDivision,
    IntegerOverflow, Logic, Result, Rounding, Semantics, TextFormat,
};
use polars_core::prelude::{
    BooleanChunked, ChunkCompareEq, ChunkCompareIneq, ChunkFillNullValue, ChunkFull,
    DataType as PlDataType, Float64Chunked, Int64Chunked, IntoSeries, NewChunkedArray, Series,
    StringChunked,
};

use polars_arrow::array::BooleanArray;
use polars_arrow::bitmap::Bitmap;

use crate::frame::{pl_err, to_polars_type};

/// The series cast to float64.
pub(crate) fn f64s(s: &Series) -> Result<Float64Chunked> {
    Ok(s.cast(&PlDataType::Float64)
        .map_err(pl_err)?
        .f64()
        .map_err(pl_err)?
        .clone())
}

/// The series cast to int64.
pub(crate) fn i64s(s: &Series) -> Result<Int64Chunked> {
    Ok(s.cast(&PlDataType::Int64)
        .map_err(pl_err)?
        .i64()
        .map_err(pl_err)?
        .clone())
}

fn strs(s: &Series) -> Result<StringChunked> {
    Ok(s.cast(&PlDataType::String)
        .map_err(pl_err)?
        .str()
        .map_err(pl_err)?
        .clone())
}

fn bools(s: &Series) -> Result<BooleanChunked> {
    Ok(s.cast(&PlDataType::Boolean)
        .map_err(pl_err)?
        .bool()
        .map_err(pl_err)?
        .clone())
}

fn overflow(op: &str, a: i64, b: i64) -> Error {
    Error::arithmetic(
        "ARITHMETIC_OVERFLOW",
        format!("integer overflow in {a} {op} {b}; under pandas semantics it would wrap (set integer_overflow = wrap)"),
    )
}

fn divide_by_zero() -> Error {
    Error::arithmetic("DIVIDE_BY_ZERO", "division by zero; under pandas semantics it gives inf or NaN (set division_by_zero = ieee)")
}

fn remainder_by_zero() -> Error {
    Error::arithmetic(
        "REMAINDER_BY_ZERO",
        "remainder by zero; under pandas semantics it gives NaN (set division_by_zero = ieee)",
    )
}

/// Adds two integers under the overflow rule.
pub fn add_i64(a: i64, b: i64, semantics: &Semantics) -> Result<i64> {
    match semantics.integer_overflow {
        IntegerOverflow::Wrap => Ok(a.wrapping_add(b)),
        IntegerOverflow::Error => a.checked_add(b).ok_or_else(|| overflow("+", a, b)),
    }
}

fn int_op(a: i64, op: BinaryOperator, b: i64, sem: &Semantics) -> Result<i64> {
    let wrap = sem.integer_overflow == IntegerOverflow::Wrap;
    let checked = |r: Option<i64>, w: i64, sym: &str| {
        if wrap {
            Ok(w)
        } else {
            r.ok_or_else(|| overflow(sym, a, b))
        }
    };
    match op {
        BinaryOperator::Plus => checked(a.checked_add(b), a.wrapping_add(b), "+"),
        BinaryOperator::Minus => checked(a.checked_sub(b), a.wrapping_sub(b), "-"),
        BinaryOperator::Multiply => checked(a.checked_mul(b), a.wrapping_mul(b), "*"),
        BinaryOperator::IntegerDivide => {
            if b == 0 {
                return Err(divide_by_zero());
            }
            let q = checked(a.checked_div(b), a.wrapping_div(b), "DIV")?;
            Ok(match sem.integer_division {
                IntegerDivision::Truncate => q,
                // wrapping_rem: `i64::MIN % -1` panics in Rust; its remainder is 0.
                IntegerDivision::Floor if (a.wrapping_rem(b) != 0) && ((a < 0) != (b < 0)) => q - 1,
                IntegerDivision::Floor => q,
            })
        }
        BinaryOperator::Modulo => {
            if b == 0 {
                return Err(remainder_by_zero());
            }
            let r = a.wrapping_rem(b);
            Ok(match sem.integer_division {
                IntegerDivision::Floor if r != 0 && ((r < 0) != (b < 0)) => r + b,
                _ => r,
            })
        }
        other => Err(Error::internal(format!(
            "{other} is not integer arithmetic"
        ))),
    }
}

/// Whether an integer remainder by zero is a missing value: under `division_by_zero
/// = ieee` (pandas) it is NaN, pandas' missing value, so an integer result can
/// hold it as a missing value (and is float64 only where one comes out).
fn remainder_by_zero_is_missing(sem: &Semantics) -> bool {
    sem.division_by_zero == DivisionByZero::Ieee
}

fn float_op(a: f64, op: BinaryOperator, b: f64, sem: &Semantics) -> Result<f64> {
    let zero_error = sem.division_by_zero == DivisionByZero::Error && b == 0.0;
    Ok(match op {
        BinaryOperator::Plus => a + b,
        BinaryOperator::Minus => a - b,
        BinaryOperator::Multiply => a * b,
        BinaryOperator::Divide => {
            if zero_error {
                return Err(divide_by_zero());
            }
            a / b
        }
        BinaryOperator::IntegerDivide => {
            if zero_error {
                return Err(divide_by_zero());
            }
            match sem.integer_division {
                IntegerDivision::Floor => (a / b).floor(),
                IntegerDivision::Truncate => (a / b).trunc(),
            }
        }
        BinaryOperator::Modulo => {
            if zero_error {
                return Err(remainder_by_zero());
            }
            let r = a % b;
            match sem.integer_division {
                IntegerDivision::Floor if r != 0.0 && ((r < 0.0) != (b < 0.0)) => r + b,
                _ => r,
            }
        }
        other => return Err(Error::internal(format!("{other} is not arithmetic"))),
    })
}

/// `left op right` for `+ - * / DIV %`, producing `out`: integers are computed in
/// 64 bits and narrowed to `out` (wrapping or an overflow error, as the semantics
/// says), 32-bit floats in 64 bits and rounded once, dates and times by the
/// temporal kernels.
pub fn arithmetic(
    left: &Series,
    op: BinaryOperator,
    right: &Series,
    out: DataType,
    sem: &Semantics,
) -> Result<Series> {
    let temporal = |t: &PlDataType| t.is_temporal();
    if temporal(left.dtype()) || temporal(right.dtype()) || out.is_temporal() {
        return crate::temporal::arithmetic(left, op, right, out);
    }
    if let DataType::Decimal(..) = out {
        return crate::decimal::arithmetic(left, op, right, out, sem);
    }
    if matches!(op, BinaryOperator::IntegerDivide | BinaryOperator::Modulo)
        && out == DataType::Float64
    {
        if let Some(out) = integer_division_to_float(left, op, right, sem)? {
            return Ok(out);
        }
    }
    match out {
        DataType::UInt64 => unsigned_arithmetic(left, op, right, sem),
        t if t.is_integer() && t != DataType::Int64 => {
            let wide = arithmetic_64(left, op, right, DataType::Int64, sem)?;
            narrow_int(&wide, t, sem, &format!("{op}"))
        }
        DataType::Float32 => arithmetic_64(left, op, right, DataType::Float64, sem)?
            .cast(&PlDataType::Float32)
            .map_err(pl_err),
        other => arithmetic_64(left, op, right, other, sem),
    }
}

/// `DIV` or `%` of two integer columns with a float result (`division_by_zero =
/// ieee`, pandas): NumPy divides the integers and only a zero divisor gives inf,
/// -inf or NaN, so each quotient or remainder is exact before it becomes a float
/// (`9007199254740993 % -4` is `-3.0`, not the remainder of the rounded
/// `9007199254740992.0`). `None` when an operand is not an integer column (or one
/// is `u64` and the other signed, which NumPy computes in float64).
fn integer_division_to_float(
    left: &Series,
    op: BinaryOperator,
    right: &Series,
    sem: &Semantics,
) -> Result<Option<Series>> {
    let (lt, rt) = (left.dtype(), right.dtype());
    if !(lt.is_integer() && rt.is_integer()) {
        return Ok(None);
    }
    let name = left.name().clone();
    let by_zero = |a: f64| float_op(a, op, 0.0, sem);
    let mut err = None;
    let mut keep = |r: Result<f64>| match r {
        Ok(v) => Some(v),
        Err(e) => {
            err.get_or_insert(e);
            None
        }
    };
    let out: Float64Chunked = if lt.is_unsigned_integer() && rt.is_unsigned_integer() {
        let as_u64 = |s: &Series| -> Result<Vec<Option<u64>>> {
            Ok(s.cast(&PlDataType::UInt64)
                .map_err(pl_err)?
                .u64()
                .map_err(pl_err)?
                .iter()
                .collect())
        };
        as_u64(left)?
            .into_iter()
            .zip(as_u64(right)?)
            .map(|(a, b)| match (a?, b?) {
                (a, 0) => keep(by_zero(a as f64)),
                (a, b) if op == BinaryOperator::IntegerDivide => Some((a / b) as f64),
                (a, b) => Some((a % b) as f64),
            })
            .collect()
    } else if lt == &PlDataType::UInt64 || rt == &PlDataType::UInt64 {
        return Ok(None);
    } else {
        let (l, r) = (i64s(left)?, i64s(right)?);
        l.iter()
            .zip(r.iter())
            .map(|(a, b)| match (a?, b?) {
                (a, 0) => keep(by_zero(a as f64)),
                (a, b) => keep(int_op(a, op, b, sem).map(|v| v as f64)),
            })
            .collect()
    };
    match err {
        Some(e) => Err(e),
        None => Ok(Some(out.with_name(name).into_series())),
    }
}

/// The class Spark gives an overflow of `to`: `ARITHMETIC_OVERFLOW` for INT and
/// BIGINT, `BINARY_ARITHMETIC_OVERFLOW` for TINYINT and SMALLINT; `CAST_OVERFLOW`
/// for a cast.
fn overflow_class(to: DataType, what: &str) -> &'static str {
    if what == "cast" {
        "CAST_OVERFLOW"
    } else if matches!(to, DataType::Int8 | DataType::Int16 | DataType::UInt8) {
        "BINARY_ARITHMETIC_OVERFLOW"
    } else {
        "ARITHMETIC_OVERFLOW"
    }
}

/// Narrows 64-bit integers to the integer type `to`: out-of-range values wrap
/// (pandas, NumPy's two's complement) or are an overflow error (Spark), by
/// `integer_overflow`. `what` names the operation (`+`, `cast`).
pub fn narrow_int(s: &Series, to: DataType, sem: &Semantics, what: &str) -> Result<Series> {
    let (lo, hi) = to
        .integer_range()
        .ok_or_else(|| Error::internal(format!("narrowing to {to}")))?;
    let ca = i64s(s)?;
    let bits = to.bits().unwrap_or(64);
    let mut bad = None;
    let out: Int64Chunked = ca
        .iter()
        .map(|v| {
            v.map(|v| {
                let w = v as i128;
                if (lo..=hi).contains(&w) {
                    v
                } else {
                    bad.get_or_insert(v);
                    // Two's complement wrap to `bits` bits.
                    let shift = 64 - bits;
                    if to.is_unsigned() {
                        ((v as u64) << shift >> shift) as i64
                    } else {
                        (v << shift) >> shift
                    }
                }
            })
        })
        .collect();
    if let (Some(v), IntegerOverflow::Error) = (bad, sem.integer_overflow) {
        return Err(Error::arithmetic(
            overflow_class(to, what),
            format!(
                "the value {v} of '{what}' is out of the range of {to}; under pandas semantics it would wrap (set integer_overflow = wrap)"
            ),
        ));
    }
    out.with_name(s.name().clone())
        .into_series()
        .cast(&to_polars_type(to))
        .map_err(pl_err)
}

/// `u64` arithmetic, wrapping as NumPy does (Spark has no unsigned types).
fn unsigned_arithmetic(
    left: &Series,
    op: BinaryOperator,
    right: &Series,
    sem: &Semantics,
) -> Result<Series> {
    let as_u64 = |s: &Series| -> Result<Vec<Option<u64>>> {
        Ok(match s.dtype() {
            PlDataType::UInt64 => s.u64().map_err(pl_err)?.iter().collect(),
            _ => i64s(s)?.iter().map(|v| v.map(|v| v as u64)).collect(),
        })
    };
    let (l, r) = (as_u64(left)?, as_u64(right)?);
    let mut err = None;
    let out: polars_core::prelude::UInt64Chunked = l
        .into_iter()
        .zip(r)
        .map(|(a, b)| {
            let (a, b) = (a?, b?);
            let v = match op {
                BinaryOperator::Plus => a.checked_add(b),
                BinaryOperator::Minus => a.checked_sub(b),
                BinaryOperator::Multiply => a.checked_mul(b),
                BinaryOperator::IntegerDivide => a.checked_div(b),
                BinaryOperator::Modulo => a.checked_rem(b),
                _ => None,
            };
            match (v, sem.integer_overflow, op) {
                (Some(v), ..) => Some(v),
                (None, _, BinaryOperator::Modulo) if remainder_by_zero_is_missing(sem) => None,
                (None, _, BinaryOperator::IntegerDivide | BinaryOperator::Modulo) => {
                    err.get_or_insert_with(divide_by_zero);
                    None
                }
                (None, IntegerOverflow::Wrap, BinaryOperator::Plus) => Some(a.wrapping_add(b)),
                (None, IntegerOverflow::Wrap, BinaryOperator::Minus) => Some(a.wrapping_sub(b)),
                (None, IntegerOverflow::Wrap, BinaryOperator::Multiply) => Some(a.wrapping_mul(b)),
                _ => {
                    err.get_or_insert_with(|| overflow(&op.to_string(), a as i64, b as i64));
                    None
                }
            }
        })
        .collect();
    match err {
        Some(e) => Err(e),
        None => Ok(out.with_name(left.name().clone()).into_series()),
    }
}

/// `left op right` computed in `out`, Int64 or Float64.
fn arithmetic_64(
    left: &Series,
    op: BinaryOperator,
    right: &Series,
    out: DataType,
    sem: &Semantics,
) -> Result<Series> {
    let name = left.name().clone();
    match out {
        DataType::Int64 => {
            let (l, r) = (i64s(left)?, i64s(right)?);
            let mut err = None;
            let ca: Int64Chunked = l
                .iter()
                .zip(r.iter())
                .map(|(a, b)| match (a, b) {
                    (Some(_), Some(0))
                        if op == BinaryOperator::Modulo && remainder_by_zero_is_missing(sem) =>
                    {
                        None
                    }
                    (Some(a), Some(b)) if err.is_none() => match int_op(a, op, b, sem) {
                        Ok(v) => Some(v),
                        Err(e) => {
                            err = Some(e);
                            None
                        }
                    },
                    _ => None,
                })
                .collect();
            match err {
                Some(e) => Err(e),
                None => Ok(ca.with_name(name).into_series()),
            }
        }
        DataType::Float64 | DataType::Null => {
            let (l, r) = (f64s(left)?, f64s(right)?);
            let mut err = None;
            let ca: Float64Chunked = l
                .iter()
                .zip(r.iter())
                .map(|(a, b)| match (a, b) {
                    (Some(a), Some(b)) if err.is_none() => match float_op(a, op, b, sem) {
                        Ok(v) => Some(v),
                        Err(e) => {
                            err = Some(e);
                            None
                        }
                    },
                    _ => None,
                })
                .collect();
            match err {
                Some(e) => Err(e),
                None => Ok(ca.with_name(name).into_series()),
            }
        }
        other => Err(Error::internal(format!("arithmetic producing {other}"))),
    }
}

/// Total order of floats used everywhere: NaN equals NaN and is above +inf; -0.0 = 0.0.
pub fn cmp_f64(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).expect("no NaN here"),
    }
}

/// Two operands as kernel key types that compare as the values do: each side's
/// [`key_view`](crate::frame::key_view), except that a UInt64 meeting a signed or
/// float side is compared as a float on both sides.
fn comparable_views(l: &Series, r: &Series) -> Result<(Series, Series)> {
    let mixed_u64 = (l.dtype() == &PlDataType::UInt64) != (r.dtype() == &PlDataType::UInt64);
    let decimal = |t: &PlDataType| matches!(t, PlDataType::Decimal(..));
    let mixed_decimal = (decimal(l.dtype()) || decimal(r.dtype())) && l.dtype() != r.dtype();
    if mixed_decimal
        || (mixed_u64 && l.dtype().is_primitive_numeric() && r.dtype().is_primitive_numeric())
    {
        return Ok((
            l.cast(&PlDataType::Float64).map_err(pl_err)?,
            r.cast(&PlDataType::Float64).map_err(pl_err)?,
        ));
    }
    Ok((
        crate::frame::key_view(l)?.into_owned(),
        crate::frame::key_view(r)?.into_owned(),
    ))
}

/// Per-row ordering of two series of comparable types (`None` where either is null).
fn orderings(left: &Series, right: &Series, sem: &Semantics) -> Result<Vec<Option<Ordering>>> {
    if let Some(exact) = crate::decimal::orderings(left, right, sem)? {
        return Ok(exact);
    }
    let (left, right) = crate::temporal::align_for_compare(left, right, sem)?;
    let (left, right) = comparable_views(&left, &right)?;
    let (left, right) = (&left, &right);
    let lt = left.dtype();
    let rt = right.dtype();
    let numeric = |t: &PlDataType| {
        matches!(
            t,
            PlDataType::Int64 | PlDataType::Float64 | PlDataType::Null
        )
    };
    Ok(if lt == &PlDataType::Int64 && rt == &PlDataType::Int64 {
        let (l, r) = (i64s(left)?, i64s(right)?);
        l.iter()
            .zip(r.iter())
            .map(|(a, b)| Some(a?.cmp(&b?)))
            .collect()
    } else if numeric(lt) && numeric(rt) {
        let (l, r) = (f64s(left)?, f64s(right)?);
        l.iter()
            .zip(r.iter())
            .map(|(a, b)| Some(cmp_f64(a?, b?)))
            .collect()
    } else if matches!(lt, PlDataType::String | PlDataType::Null)
        && matches!(rt, PlDataType::String | PlDataType::Null)
    {
        let (l, r) = (strs(left)?, strs(right)?);
        l.iter()
            .zip(r.iter())
            .map(|(a, b)| Some(a?.as_bytes().cmp(b?.as_bytes())))
            .collect()
    } else if matches!(lt, PlDataType::Boolean | PlDataType::Null)
        && matches!(rt, PlDataType::Boolean | PlDataType::Null)
    {
        let (l, r) = (bools(left)?, bools(right)?);
        l.iter()
            .zip(r.iter())
            .map(|(a, b)| Some(a?.cmp(&b?)))
            .collect()
    } else {
        return Err(Error::plan(format!("cannot compare {lt} with {rt}")));
    })
}

fn holds(op: BinaryOperator, o: Ordering) -> bool {
    match op {
        BinaryOperator::Eq | BinaryOperator::NullSafeEq => o == Ordering::Equal,
        BinaryOperator::NotEq => o != Ordering::Equal,
        BinaryOperator::Lt => o == Ordering::Less,
        BinaryOperator::LtEq => o != Ordering::Greater,
        BinaryOperator::Gt => o == Ordering::Greater,
        BinaryOperator::GtEq => o != Ordering::Less,
        _ => false,
    }
}

/// `left op right` for the comparisons. With a missing operand: NULL under
/// three-valued logic; false (true for `<>`) under two-valued logic; `<=>` is never
/// NULL.
pub fn compare(
    left: &Series,
    op: BinaryOperator,
    right: &Series,
    sem: &Semantics,
) -> Result<Series> {
    if let Some(fast) = compare_dense_ints(left, op, right) {
        return Ok(fast.with_name(left.name().clone()).into_series());
    }
    let date_and_text = matches!(
        (left.dtype(), right.dtype()),
        (PlDataType::Date, PlDataType::String) | (PlDataType::String, PlDataType::Date)
    );
    if date_and_text && sem.date_text == partita_common::DateText::Object {
        // A datetime.date object equals no str: `==` is false and `!=` true on
        // every row (the plan refuses an ordering).
        let value = op == BinaryOperator::NotEq;
        return Ok(BooleanChunked::full(left.name().clone(), value, left.len()).into_series());
    }
    let ords = orderings(left, right, sem)?;
    let (lnull, rnull) = (left.is_null(), right.is_null());
    let ca: BooleanChunked = ords
        .iter()
        .enumerate()
        .map(|(i, o)| match o {
            Some(o) => Some(holds(op, *o)),
            None if op == BinaryOperator::NullSafeEq => {
                Some(lnull.get(i).unwrap_or(false) && rnull.get(i).unwrap_or(false))
            }
            None => match sem.logic {
                Logic::ThreeValued => None,
                Logic::TwoValued => Some(op == BinaryOperator::NotEq),
            },
        })
        .collect();
    Ok(ca.with_name(left.name().clone()).into_series())
}

/// `left op value` for an integer column without missing values and an integer
/// literal (as `v1 > 2`): no column of copies of the literal is built. `None`
/// when the column is not such a one (the caller compares in general then).
pub fn compare_int_literal(left: &Series, op: BinaryOperator, value: i64) -> Option<Series> {
    use BinaryOperator::*;
    if left.dtype() != &PlDataType::Int64 {
        return None;
    }
    let l = left.i64().ok()?;
    if l.null_count() > 0 {
        return None;
    }
    let out = match op {
        Eq | NullSafeEq => pack_bits(l, |x| x == value),
        NotEq => pack_bits(l, |x| x != value),
        Lt => pack_bits(l, |x| x < value),
        LtEq => pack_bits(l, |x| x <= value),
        Gt => pack_bits(l, |x| x > value),
        GtEq => pack_bits(l, |x| x >= value),
        _ => return None,
    };
    Some(out.with_name(left.name().clone()).into_series())
}

/// The mask of `test` over the values of an integer column without missing values,
/// eight values to a byte (polars' build without its nightly SIMD feature pushes
/// one `bool` at a time).
fn pack_bits(values: &Int64Chunked, test: impl Fn(i64) -> bool + Copy) -> BooleanChunked {
    let arrays = values.downcast_iter().map(|arr| {
        let v = arr.values().as_slice();
        let mut bytes = vec![0u8; v.len().div_ceil(8)];
        let chunks = v.chunks_exact(8);
        let tail = chunks.remainder();
        for (b, c) in bytes.iter_mut().zip(chunks) {
            *b = (0..8).fold(0u8, |acc, j| acc | (u8::from(test(c[j])) << j));
        }
        if !tail.is_empty() {
            let last = bytes.len() - 1;
            bytes[last] = tail
                .iter()
                .enumerate()
                .fold(0u8, |acc, (j, &x)| acc | (u8::from(test(x)) << j));
        }
        BooleanArray::from(Bitmap::from_u8_vec(bytes, v.len()))
    });
    BooleanChunked::from_chunk_iter(values.name().clone(), arrays)
}

/// Integers without missing values compare the same under every semantics: a
/// straight loop over the two slices.
fn compare_dense_ints(left: &Series, op: BinaryOperator, right: &Series) -> Option<BooleanChunked> {
    use BinaryOperator::*;
    if left.dtype() != &PlDataType::Int64 || right.dtype() != &PlDataType::Int64 {
        return None;
    }
    let (l, r) = (left.i64().ok()?, right.i64().ok()?);
    if l.null_count() > 0 || r.null_count() > 0 {
        return None;
    }
    // polars' vectorized comparisons: with no missing value they agree with every
    // semantics.
    Some(match op {
        Eq | NullSafeEq => l.equal(r),
        NotEq => l.not_equal(r),
        Lt => l.lt(r),
        LtEq => l.lt_eq(r),
        Gt => l.gt(r),
        GtEq => l.gt_eq(r),
        _ => return None,
    })
}

/// `left AND right` / `left OR right`: Kleene logic under three-valued logic; under
/// two-valued logic a missing operand counts as false (as pandas' `&` and `|` do).
pub fn logical(
    left: &Series,
    op: BinaryOperator,
    right: &Series,
    sem: &Semantics,
) -> Result<Series> {
    let (l, r) = (bools(left)?, bools(right)?);
    let two = sem.logic == Logic::TwoValued;
    let ca: BooleanChunked = l
        .iter()
        .zip(r.iter())
        .map(|(a, b)| {
            let (a, b) = if two {
                (Some(a.unwrap_or(false)), Some(b.unwrap_or(false)))
            } else {
                (a, b)
            };
            match op {
                BinaryOperator::And => match (a, b) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                },
                _ => match (a, b) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                },
            }
        })
        .collect();
    Ok(ca.with_name(left.name().clone()).into_series())
}

/// `NOT x`. NULL stays NULL under three-valued logic; under two-valued logic a
/// missing boolean is an error, as pandas' `~` on an object column holding None.
pub fn not(s: &Series, sem: &Semantics) -> Result<Series> {
    let b = bools(s)?;
    if sem.logic == Logic::TwoValued && b.null_count() > 0 {
        return Err(Error::data(
            "TypeError",
            format!(
                "NOT of the boolean '{}' that holds missing values (pandas' ~ raises TypeError); fill the missing values first (coalesce)",
                s.name()
            ),
        ));
    }
    Ok((!&b).with_name(s.name().clone()).into_series())
}

/// `x IS NULL` (`is_null = true`) or `x IS NOT NULL`.
pub fn is_null(s: &Series, want_null: bool) -> Series {
    let m = if want_null {
        s.is_null()
    } else {
        s.is_not_null()
    };
    m.with_name(s.name().clone()).into_series()
}

/// The boolean mask a filter keeps: true rows. Under two-valued logic a mask with
/// missing values is an error, as pandas' "cannot mask with NA".
pub fn filter_mask(s: &Series, sem: &Semantics) -> Result<BooleanChunked> {
    if s.dtype() == &PlDataType::Null {
        return Ok(BooleanChunked::from_iter_values(
            s.name().clone(),
            std::iter::repeat_n(false, s.len()),
        ));
    }
    let b = s
        .bool()
        .map_err(|_| Error::plan(format!("filter predicate '{}' is not boolean", s.name())))?;
    if b.null_count() == 0 {
        return Ok(b.clone());
    }
    if sem.logic == Logic::TwoValued {
        return Err(Error::data(
            "ValueError",
            format!(
                "cannot filter by '{}': it holds missing values (pandas raises \"Cannot mask with non-boolean array containing NA / NaN values\"); use coalesce or = true",
                s.name()
            ),
        ));
    }
    b.fill_null_with_values(false).map_err(pl_err)
}

/// True where a boolean column is true (false for false and missing).
pub fn truthy(s: &Series) -> Result<Vec<bool>> {
    Ok(bools(s)?.iter().map(|v| v == Some(true)).collect())
}

/// `x [NOT] IN (list)`; each list item is a series of the same length (literals
/// broadcast). Under three-valued logic, no match with a NULL in the list (or a
/// NULL `x`) is NULL; under two-valued logic it is false, except that pandas' `isin`
/// lets a missing item match a missing string (never a missing float).
pub fn in_list(s: &Series, list: &[Series], negated: bool, sem: &Semantics) -> Result<Series> {
    let n = s.len();
    let mut matched = vec![false; n];
    let mut list_null = vec![false; n];
    for item in list {
        let ords = orderings(s, item, sem)?;
        for (m, o) in matched.iter_mut().zip(ords) {
            *m |= o == Some(Ordering::Equal);
        }
        for (ln, isnull) in list_null.iter_mut().zip(item.is_null().iter()) {
            *ln |= isnull.unwrap_or(false);
        }
    }
    let nulls = s.is_null();
    let string_column = s.dtype() == &PlDataType::String;
    let ca: BooleanChunked = (0..n)
        .map(|i| {
            let missing = nulls.get(i).unwrap_or(false);
            let r = match sem.logic {
                Logic::ThreeValued => {
                    if matched[i] {
                        Some(true)
                    } else if missing || list_null[i] {
                        None
                    } else {
                        Some(false)
                    }
                }
                Logic::TwoValued => Some(matched[i] || (missing && list_null[i] && string_column)),
            };
            if negated {
                r.map(|b| !b)
            } else {
                r
            }
        })
        .collect();
    Ok(ca.with_name(s.name().clone()).into_series())
}

/// Matches `text` against a LIKE pattern (`%` any run, `_` one character, `\` escapes).
pub fn like_match(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let mut p: Vec<(char, bool)> = vec![]; // (char, is_literal)
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => p.push((chars.next().unwrap_or('\\'), true)),
            c => p.push((c, false)),
        }
    }
    // Iterative wildcard matching with backtracking on the last '%'.
    let (mut ti, mut pi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && !p[pi].1 && p[pi].0 == '%' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && ((!p[pi].1 && p[pi].0 == '_') || p[pi].0 == t[ti]) {
            ti += 1;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && !p[pi].1 && p[pi].0 == '%' {
        pi += 1;
    }
    pi == p.len()
}

/// `x [NOT] LIKE pattern`; case-sensitive. Missing: NULL (three-valued) or false,
/// which NOT LIKE turns to true (two-valued, as pandas' `~str.startswith`).
pub fn like(s: &Series, pattern: &str, negated: bool, sem: &Semantics) -> Result<Series> {
    let ca = strs(s)?;
    let out: BooleanChunked = ca
        .iter()
        .map(|v| {
            let r = match v {
                Some(v) => Some(like_match(v, pattern)),
                None if sem.logic == Logic::TwoValued => Some(false),
                None => None,
            };
            if negated {
                r.map(|b| !b)
            } else {
                r
            }
        })
        .collect();
    Ok(out.with_name(s.name().clone()).into_series())
}

/// A double as text, as the semantics' `text_format` writes it: Python's `repr`
/// (`2e-06`, `1e+16`, `43864584.0`, `inf`; NaN is missing under pandas) or Java's
/// `Double.toString` (`2.0E-6`, `4.3864584E7`, `Infinity`, `NaN`). Both use the
/// shortest digits that read back to the same double.
pub fn float_text(x: f64, sem: &Semantics) -> Option<String> {
    let java = sem.text_format == TextFormat::Java;
    if x.is_nan() {
        return (!sem.nan_is_missing()).then(|| "NaN".to_string());
    }
    if x.is_infinite() {
        let word = if java { "Infinity" } else { "inf" };
        return Some(if x < 0.0 {
            format!("-{word}")
        } else {
            word.to_string()
        });
    }
    // Shortest round-trip digits and the decimal exponent: d.ddd x 10^exp.
    let (digits, exp) = partita_common::float::shortest_digits(x);
    let sign = if x.is_sign_negative() { "-" } else { "" };
    let fixed = if java {
        (-3..7).contains(&exp) || x == 0.0
    } else {
        (-4..16).contains(&exp) || x == 0.0
    };
    let text = if fixed {
        let (int_part, frac) = partita_common::float::positional(&digits, exp);
        let frac = if frac.is_empty() { "0" } else { &frac };
        format!("{int_part}.{frac}")
    } else {
        let (first, rest) = digits.split_at(1);
        match (java, rest.is_empty()) {
            (true, true) => format!("{first}.0E{exp}"),
            (true, false) => format!("{first}.{rest}E{exp}"),
            (false, empty) => {
                let m = if empty {
                    first.to_string()
                } else {
                    format!("{first}.{rest}")
                };
                format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
            }
        }
    };
    Some(format!("{sign}{text}"))
}

/// One double cast to a 64-bit integer, truncating toward zero.
///
/// - Where integers cannot hold missing values (`int_with_nulls = float64`, pandas),
///   a missing value, NaN or an infinity is pandas' `IntCastingNaNError`; elsewhere
///   a missing value stays missing and NaN or an infinity is `CAST_OVERFLOW`.
/// - Out of range: `CAST_OVERFLOW` when `integer_overflow = error` (Spark, whose check
///   compares with `(double) Long.MAX_VALUE = 2^63`, so 2^63 itself saturates to
///   i64::MAX); under `wrap`, numpy's result on x86, the sentinel i64::MIN.
pub fn double_to_bigint(v: Option<f64>, sem: &Semantics) -> Result<Option<i64>> {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    let pandas_ints = sem.int_with_nulls == IntWithNulls::Float64;
    let x = match v {
        Some(x) if x.is_finite() => x,
        None if !pandas_ints => return Ok(None),
        _ if pandas_ints => {
            return Err(Error::arithmetic(
                "IntCastingNaNError",
                "cannot cast a missing value, NaN or infinity to an integer (pandas' astype raises IntCastingNaNError); fill them first (coalesce)",
            ))
        }
        Some(x) => {
            return Err(Error::arithmetic(
                "CAST_OVERFLOW",
                format!("the value {x} cannot be cast to bigint"),
            ))
        }
        None => unreachable!("handled above"),
    };
    let t = x.trunc();
    Ok(Some(match sem.integer_overflow {
        IntegerOverflow::Error if (-TWO_63..=TWO_63).contains(&t) => t as i64,
        IntegerOverflow::Error => {
            return Err(Error::arithmetic(
                "CAST_OVERFLOW",
                format!("the value {x} is out of the range of bigint; under pandas semantics it gives i64::MIN (set integer_overflow = wrap)"),
            ))
        }
        IntegerOverflow::Wrap if (-TWO_63..TWO_63).contains(&t) => t as i64,
        IntegerOverflow::Wrap => i64::MIN,
    }))
}

/// Where integers cannot hold missing values (`int_with_nulls = float64`, pandas),
/// pandas' `astype` of text or booleans to an integer type raises on a missing value:
/// text (`str`) with a `ValueError` (it converts the missing value as the float NaN:
/// "cannot convert float NaN to integer"), an object column of booleans with a
/// `TypeError` (`int(None)`). A double's missing value is [`double_to_bigint`]'s
/// `IntCastingNaNError`. Elsewhere (Spark) a missing value stays missing.
fn missing_to_integer(s: &Series, to: DataType, sem: &Semantics) -> Result<()> {
    if !to.is_integer() || sem.int_with_nulls != IntWithNulls::Float64 || s.null_count() == 0 {
        return Ok(());
    }
    let (class, source) = match s.dtype() {
        PlDataType::String => ("ValueError", "text"),
        PlDataType::Boolean => ("TypeError", "booleans"),
        _ => return Ok(()),
    };
    Err(Error::arithmetic(
        class,
        format!(
            "cannot cast a missing value of {source} to {to} (pandas' astype raises {class}); fill it first (coalesce) or cast to double"
        ),
    ))
}

/// `CAST(x AS to)`. A value that cannot be converted is an error (Spark's ANSI
/// CAST_INVALID_INPUT; pandas' astype raises too), never a silent NULL; doubles to
/// integers follow [`double_to_bigint`].
pub fn cast(s: &Series, to: DataType, sem: &Semantics) -> Result<Series> {
    let target = to_polars_type(to);
    if s.dtype() == &target {
        return Ok(s.clone());
    }
    if let Some(out) = crate::temporal::cast(s, to, sem) {
        return out;
    }
    if let Some(out) = crate::decimal::cast(s, to, sem) {
        return out;
    }
    missing_to_integer(s, to, sem)?;
    if to.is_integer()
        && to != DataType::Int64
        && to != DataType::UInt64
        && s.dtype() != &PlDataType::Null
    {
        // Through 64 bits, then narrowed as the semantics says (CAST_OVERFLOW or a wrap).
        let wide = if s.dtype().is_integer() {
            s.cast(&PlDataType::Int64).map_err(pl_err)?
        } else if s.dtype().is_float()
            && sem.integer_overflow == IntegerOverflow::Wrap
            && matches!(to, DataType::Int8 | DataType::Int16 | DataType::Int32)
        {
            // NumPy converts a float to a narrow signed integer through a 32-bit
            // conversion (x86's cvttsd2si): out of the int32 range it is INT32_MIN,
            // which the narrower types then wrap.
            let x = cast(s, DataType::Int64, sem)?;
            let ca = x.i64().map_err(pl_err)?;
            let out: Int64Chunked = ca
                .iter()
                .map(|v| v.map(|v| i32::try_from(v).unwrap_or(i32::MIN) as i64))
                .collect();
            out.with_name(s.name().clone()).into_series()
        } else {
            // A value that is no integer at all is reported against the type asked.
            cast(s, DataType::Int64, sem).map_err(|e| match e {
                Error::Arithmetic { condition, message } if condition == "CAST_INVALID_INPUT" => {
                    Error::Arithmetic {
                        condition,
                        message: message.replace(
                            &format!("cannot be cast to {}", DataType::Int64),
                            &format!("cannot be cast to {to}"),
                        ),
                    }
                }
                other => other,
            })?
        };
        return narrow_int(&wide, to, sem, "cast");
    }
    if to == DataType::Utf8 && s.dtype() == &PlDataType::Float32 {
        // A float32 as text is its own shortest form (numpy's str(float32(0.1)) and
        // Java's Float.toString both give 0.1), not the double it widens to.
        let ca = s.f32().map_err(pl_err)?;
        let out: StringChunked = ca
            .iter()
            .map(|v| v.and_then(|x| float_text(partita_common::float::f32_as_shortest_f64(x), sem)))
            .collect();
        return Ok(out.with_name(s.name().clone()).into_series());
    }
    if to == DataType::Int64 && s.dtype().is_float() {
        let wide = s.cast(&PlDataType::Float64).map_err(pl_err)?;
        let ca = wide.f64().map_err(pl_err)?;
        let mut err = None;
        let out: Int64Chunked = ca
            .iter()
            .map(|v| match double_to_bigint(v, sem) {
                Ok(v) => v,
                Err(e) => {
                    err.get_or_insert(e);
                    None
                }
            })
            .collect();
        if let Some(e) = err {
            return Err(e);
        }
        return Ok(out.with_name(s.name().clone()).into_series());
    }
    if to == DataType::Utf8 && matches!(s.dtype(), PlDataType::Float64 | PlDataType::Boolean) {
        let out: StringChunked = match s.dtype() {
            PlDataType::Float64 => s
                .f64()
                .map_err(pl_err)?
                .iter()
                .map(|v| v.and_then(|x| float_text(x, sem)))
                .collect(),
            _ => s
                .bool()
                .map_err(pl_err)?
                .iter()
                .map(|v| {
                    v.map(|b| match (sem.text_format, b) {
                        (TextFormat::Python, true) => "True",
                        (TextFormat::Python, false) => "False",
                        (TextFormat::Java, true) => "true",
                        (TextFormat::Java, false) => "false",
                    })
                })
                .collect(),
        };
        return Ok(out.with_name(s.name().clone()).into_series());
    }
    if to == DataType::Boolean && s.dtype() == &PlDataType::String {
        let ca = s.str().map_err(pl_err)?;
        let mut bad = None;
        let out: BooleanChunked = ca
            .iter()
            .map(|v| {
                v.and_then(|x| match x.trim().to_ascii_lowercase().as_str() {
                    "true" | "t" | "1" | "yes" | "y" => Some(true),
                    "false" | "f" | "0" | "no" | "n" => Some(false),
                    _ => {
                        bad.get_or_insert(x.to_string());
                        None
                    }
                })
            })
            .collect();
        if let Some(x) = bad {
            return Err(Error::arithmetic(
                "CAST_INVALID_INPUT",
                format!("the value '{x}' cannot be cast to bool"),
            ));
        }
        return Ok(out.with_name(s.name().clone()).into_series());
    }
    let src = if s.dtype() == &PlDataType::String && to.is_numeric() {
        // Trim like Spark does before parsing numbers.
        let ca = s.str().map_err(pl_err)?;
        let t: StringChunked = ca.iter().map(|v| v.map(str::trim)).collect();
        t.with_name(s.name().clone()).into_series()
    } else {
        s.clone()
    };
    let out = src.cast(&target).map_err(pl_err)?;
    if out.null_count() != s.null_count() {
        let mask = out.is_null() & s.is_not_null();
        let idx = mask.iter().position(|b| b == Some(true)).unwrap_or(0);
        let v = crate::frame::scalar_at(s, idx)?;
        return Err(Error::arithmetic(
            "CAST_INVALID_INPUT",
            format!("the value {v} cannot be cast to {to}"),
        ));
    }
    Ok(out)
}

/// Rounds half away from zero on the shortest decimal form of `x` (Spark's ROUND).
fn round_half_away_decimal(x: f64, digits: i64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let text = format!("{}", x.abs());
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i.to_string(), f.to_string()),
        None => (text.clone(), String::new()),
    };
    let mut digits_all: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .map(|b| b - b'0')
        .collect();
    let point = int_part.len() as i64; // digits before the decimal point
    let keep = point + digits; // how many leading digits are kept
    if keep >= digits_all.len() as i64 {
        return x;
    }
    if keep < 0 {
        return 0.0_f64.copysign(x);
    }
    let keep = keep as usize;
    let round_up = digits_all[keep] >= 5;
    digits_all.truncate(keep);
    if round_up {
        let mut i = keep;
        loop {
            if i == 0 {
                digits_all.insert(0, 1);
                break;
            }
            i -= 1;
            if digits_all[i] == 9 {
                digits_all[i] = 0;
            } else {
                digits_all[i] += 1;
                break;
            }
        }
    }
    let grown = digits_all.len() as i64 > keep as i64;
    let point = point + if grown { 1 } else { 0 };
    let mut s = String::new();
    for (i, d) in digits_all.iter().enumerate() {
        if i as i64 == point {
            s.push('.');
        }
        s.push((b'0' + d) as char);
    }
    let mut v: f64 = if s.is_empty() {
        0.0
    } else {
        s.parse().unwrap_or(0.0)
    };
    // Digits dropped before the point (negative `digits`) are zeros.
    let missing = point - digits_all.len() as i64;
    if missing > 0 {
        v *= 10f64.powi(missing as i32);
    }
    v.copysign(x)
}

fn round_f64(x: f64, digits: i64, rounding: Rounding) -> f64 {
    match rounding {
        Rounding::HalfEven => {
            // numpy's algorithm: scale, round half to even on the binary value, unscale.
            if digits >= 0 {
                let f = 10f64.powi(digits as i32);
                let y = (x * f).round_ties_even() / f;
                if y.is_finite() {
                    y
                } else {
                    x
                }
            } else {
                let f = 10f64.powi((-digits) as i32);
                (x / f).round_ties_even() * f
            }
        }
        // Spark rounds through BigDecimal, which has no negative zero: ROUND(-0.3)
        // is 0.0 (adding 0.0 turns -0.0 into 0.0 and changes nothing else).
        Rounding::HalfAwayFromZero => round_half_away_decimal(x, digits) + 0.0,
    }
}

/// `v` rounded to `-digits` decimal places before the point, exactly: the result
/// may not fit an i64 (`ROUND(i64::MAX, -1)` is 9223372036854775810).
fn round_i64(v: i64, digits: i64, rounding: Rounding) -> i128 {
    if digits >= 0 {
        return v as i128;
    }
    // |v| < 10^19 < 10^20 / 2: with 10^20 or more every value rounds to zero.
    if digits < -19 {
        return 0;
    }
    let f = 10i128.pow((-digits) as u32);
    let v = v as i128;
    let (q, r) = (v / f, v % f);
    let up = match (2 * r.abs()).cmp(&f) {
        Ordering::Greater => true,
        Ordering::Less => false,
        Ordering::Equal => match rounding {
            Rounding::HalfAwayFromZero => true,
            Rounding::HalfEven => q % 2 != 0,
        },
    };
    (if up { q + v.signum() } else { q }) * f
}

/// `ROUND(x, digits)` with halves as the semantics says.
pub fn round(s: &Series, digits: i64, sem: &Semantics) -> Result<Series> {
    let name = s.name().clone();
    Ok(match s.dtype() {
        PlDataType::Int64 => {
            let mut err = None;
            let ca: Int64Chunked = s
                .i64()
                .map_err(pl_err)?
                .iter()
                .map(|v| {
                    let v = v?;
                    let rounded = match sem.rounding {
                        // numpy rounds integers through float64 (scale, round half
                        // to even, unscale); a result out of range is its cast's
                        // sentinel, i64::MIN.
                        Rounding::HalfEven if digits < 0 => {
                            let f = 10f64.powi((-digits).min(400) as i32);
                            let r = (v as f64 / f).round_ties_even() * f;
                            const TWO_63: f64 = 9_223_372_036_854_775_808.0;
                            if (-TWO_63..TWO_63).contains(&r) {
                                Ok(r as i64)
                            } else {
                                Err(i64::MIN)
                            }
                        }
                        _ => {
                            let exact = round_i64(v, digits, sem.rounding);
                            // Out of range: the exact result modulo 2^64.
                            i64::try_from(exact).map_err(|_| exact as i64)
                        }
                    };
                    match (rounded, sem.integer_overflow) {
                        (Ok(r), _) => Some(r),
                        (Err(wrapped), IntegerOverflow::Wrap) => Some(wrapped),
                        (Err(_), IntegerOverflow::Error) => {
                            err.get_or_insert_with(|| {
                                Error::arithmetic(
                                    "ARITHMETIC_OVERFLOW",
                                    format!("round({v}, {digits}) overflows a 64-bit integer; under pandas semantics it would wrap (set integer_overflow = wrap)"),
                                )
                            });
                            None
                        }
                    }
                })
                .collect();
            if let Some(e) = err {
                return Err(e);
            }
            ca.with_name(name).into_series()
        }
        _ => {
            let ca: Float64Chunked = f64s(s)?
                .iter()
                .map(|v| v.map(|v| round_f64(v, digits, sem.rounding)))
                .collect();
            ca.with_name(name).into_series()
        }
    })
}

/// `ABS(x)` in the type of `x` (NumPy's `abs`, Spark's `abs`): an integer of any
/// width keeps it, a float32 stays float32. The absolute value of a width's smallest
/// integer does not fit it: it wraps to itself (NumPy) or is `ARITHMETIC_OVERFLOW`
/// (Spark), as `integer_overflow` says.
pub fn abs(s: &Series, sem: &Semantics) -> Result<Series> {
    unary_numeric(s, sem, "abs", i128::abs, f64::abs)
}

/// `-x` in the type of `x`, as [`abs`]: `-i64::MIN` (or `-i8::MIN`) wraps or is
/// `ARITHMETIC_OVERFLOW`; an unsigned integer wraps as NumPy's does.
pub fn negate(s: &Series, sem: &Semantics) -> Result<Series> {
    if let PlDataType::Decimal(..) = s.dtype() {
        return crate::decimal::negate(s);
    }
    unary_numeric(s, sem, "-", |v| -v, |x| -x)
}

/// A one-argument numeric function that keeps the type of its argument: integers
/// of every width computed in 128 bits and brought back to the width (a wrap, or
/// Spark's `ARITHMETIC_OVERFLOW`, the class Spark gives `abs` and unary minus of
/// every integer type), float32 computed in float32, anything else in float64.
fn unary_numeric(
    s: &Series,
    sem: &Semantics,
    what: &str,
    int: fn(i128) -> i128,
    float: fn(f64) -> f64,
) -> Result<Series> {
    let name = s.name().clone();
    let t = crate::frame::from_polars_type(s.dtype()).unwrap_or(DataType::Float64);
    if let (Some((lo, hi)), Some(bits)) = (t.integer_range(), t.bits()) {
        let values: Vec<Option<i128>> = if t == DataType::UInt64 {
            s.u64()
                .map_err(pl_err)?
                .iter()
                .map(|v| v.map(i128::from))
                .collect()
        } else {
            i64s(s)?.iter().map(|v| v.map(i128::from)).collect()
        };
        let mut bad = None;
        let out: Vec<Option<i128>> = values
            .into_iter()
            .map(|v| {
                v.map(|v| {
                    let r = int(v);
                    if (lo..=hi).contains(&r) {
                        return r;
                    }
                    bad.get_or_insert(v);
                    // Two's complement wrap to `bits` bits.
                    let m = (r as u128) & ((1u128 << bits) - 1);
                    if t.is_unsigned() || m < 1u128 << (bits - 1) {
                        m as i128
                    } else {
                        m as i128 - (1i128 << bits)
                    }
                })
            })
            .collect();
        if let (Some(v), IntegerOverflow::Error) = (bad, sem.integer_overflow) {
            let call = if what == "-" {
                format!("-{v}")
            } else {
                format!("{what}({v})")
            };
            return Err(Error::arithmetic(
                "ARITHMETIC_OVERFLOW",
                format!("{call} overflows {t}; under pandas semantics it would wrap (set integer_overflow = wrap)"),
            ));
        }
        let series = if t == DataType::UInt64 {
            let ca: polars_core::prelude::UInt64Chunked =
                out.into_iter().map(|v| v.map(|v| v as u64)).collect();
            ca.into_series()
        } else {
            let ca: Int64Chunked = out.into_iter().map(|v| v.map(|v| v as i64)).collect();
            ca.into_series().cast(&to_polars_type(t)).map_err(pl_err)?
        };
        return Ok(series.with_name(name));
    }
    if t == DataType::Float32 {
        let ca: polars_core::prelude::Float32Chunked = s
            .f32()
            .map_err(pl_err)?
            .iter()
            .map(|v| v.map(|x| float(x as f64) as f32))
            .collect();
        return Ok(ca.with_name(name).into_series());
    }
    let ca: Float64Chunked = f64s(s)?.iter().map(|v| v.map(float)).collect();
    Ok(ca.with_name(name).into_series())
}

/// `NULLIF(a, b)`: `a` (as `out`), missing where `a = b` holds (a comparison with
/// a missing value does not).
pub fn null_if(a: &Series, b: &Series, out: DataType, sem: &Semantics) -> Result<Series> {
    let equal = compare(a, BinaryOperator::Eq, b, sem)?;
    let keep = !equal
        .bool()
        .map_err(pl_err)?
        .fill_null_with_values(false)
        .map_err(pl_err)?;
    let a = a.cast(&to_polars_type(out)).map_err(pl_err)?;
    let missing = Series::full_null(a.name().clone(), a.len(), a.dtype());
    a.zip_with(&keep, &missing).map_err(pl_err)
}

/// `COALESCE(args...)`: per row the first non-missing argument, as type `out`.
pub fn coalesce(args: &[Series], out: DataType) -> Result<Series> {
    let target = to_polars_type(out);
    let mut iter = args.iter();
    let first = iter
        .next()
        .ok_or_else(|| Error::plan("coalesce needs an argument"))?;
    let mut acc = first.cast(&target).map_err(pl_err)?;
    for a in iter {
        let a = a.cast(&target).map_err(pl_err)?;
        let mask = acc.is_not_null();
        acc = acc.zip_with(&mask, &a).map_err(pl_err)?;
    }
    Ok(acc.with_name(first.name().clone()))
}

/// One character's case under the simple (one-to-one) mapping of pyarrow's
/// utf8proc: the full mapping when it is a single character, `ß` → `ẞ`, else the
/// character itself.
/// Unicode's simple case mapping (one character to one, UnicodeData.txt), as
/// pyarrow's `utf8_upper` / `utf8_lower` (utf8proc) apply it, with utf8proc's one
/// addition: `ß` upper-cases to `ẞ`.
fn simple_case(mapper: &icu_casemap::CaseMapperBorrowed<'_>, c: char, upper: bool) -> char {
    match (upper, c) {
        (true, 'ß') => 'ẞ',
        (true, c) => mapper.simple_uppercase(c),
        (false, c) => mapper.simple_lowercase(c),
    }
}

/// The characters whose simple case mapping (pandas') differs from the full one
/// (Spark's: Java's, and Rust's), each with its simple mapping: what an engine
/// that has only the full mapping must treat apart. `Σ` is among the lower-case
/// ones: the full mapping lowers it to `ς` at the end of a word.
pub fn simple_case_exceptions(upper: bool) -> Vec<(char, char)> {
    let mapper = icu_casemap::CaseMapper::new();
    let mut out: Vec<(char, char)> = (0..=0x10FFFFu32)
        .filter_map(char::from_u32)
        .filter_map(|c| {
            let simple = simple_case(&mapper, c, upper);
            let full: String = if upper {
                c.to_uppercase().collect()
            } else {
                c.to_lowercase().collect()
            };
            let mut chars = full.chars();
            let same = chars.next() == Some(simple) && chars.next().is_none();
            (!same).then_some((c, simple))
        })
        .collect();
    if !upper && !out.iter().any(|(c, _)| *c == 'Σ') {
        out.push(('Σ', 'σ'));
    }
    out
}

/// `LOWER`, `UPPER` (`upper = true`) of strings, with the semantics' case mapping.
pub fn change_case(s: &Series, upper: bool, sem: &Semantics) -> Result<Series> {
    let ca = strs(s)?;
    let mapper = icu_casemap::CaseMapper::new();
    let out: StringChunked = ca
        .iter()
        .map(|v| {
            v.map(|v| match sem.case_mapping {
                partita_common::CaseMapping::Full if upper => v.to_uppercase(),
                partita_common::CaseMapping::Full => v.to_lowercase(),
                partita_common::CaseMapping::Simple => {
                    v.chars().map(|c| simple_case(&mapper, c, upper)).collect()
                }
            })
        })
        .collect();
    Ok(out.with_name(s.name().clone()).into_series())
}

/// `LENGTH(s)` in characters.
pub fn length(s: &Series) -> Result<Series> {
    let ca = strs(s)?;
    let out: Int64Chunked = ca
        .iter()
        .map(|v| v.map(|v| v.chars().count() as i64))
        .collect();
    Ok(out.with_name(s.name().clone()).into_series())
}

/// `POWER(x, y)` as a float.
pub fn power(x: &Series, y: &Series) -> Result<Series> {
    let (a, b) = (f64s(x)?, f64s(y)?);
    let out: Float64Chunked = a
        .iter()
        .zip(b.iter())
        .map(|(a, b)| Some(a?.powf(b?)))
        .collect();
    Ok(out.with_name(x.name().clone()).into_series())
}

#[cfg(test)]
mod tests {

    #[test]
    fn simple_case_exceptions_hold_the_special_casings() {
        let up = simple_case_exceptions(true);
        assert!(up.contains(&('ß', 'ẞ')), "{up:?}");
        assert!(up.contains(&('ŉ', 'ŉ')));
        assert!(up.iter().all(|(c, _)| *c != 'a'));
        let low = simple_case_exceptions(false);
        assert!(low.contains(&('İ', 'i')), "{low:?}");
        assert!(low.contains(&('Σ', 'σ')));
    }
    use super::*;
    use polars_core::prelude::NamedFrom;

    #[test]
    fn integer_literal_comparisons_agree_with_polars() {
        use BinaryOperator::*;
        for n in [0usize, 1, 7, 8, 9, 63, 64, 65, 1_000] {
            let v: Vec<i64> = (0..n as i64).map(|i| (i * 7919) % 23 - 11).collect();
            let mut s = Series::new("x".into(), v);
            // Two chunks as well as one.
            s.append(&Series::new("x".into(), vec![-11i64, 0, 11]))
                .unwrap();
            let ca = s.i64().unwrap();
            for value in [-12, -11, 0, 3, 11, 12] {
                for (op, want) in [
                    (Eq, ca.equal(value)),
                    (NotEq, ca.not_equal(value)),
                    (Lt, ca.lt(value)),
                    (LtEq, ca.lt_eq(value)),
                    (Gt, ca.gt(value)),
                    (GtEq, ca.gt_eq(value)),
                ] {
                    let got = compare_int_literal(&s, op, value).unwrap();
                    let got: Vec<Option<bool>> = got.bool().unwrap().iter().collect();
                    let want: Vec<Option<bool>> = want.iter().collect();
                    assert_eq!(got, want, "n {n}, {op:?} {value}");
                }
            }
        }
    }

    #[test]
    fn like_patterns() {
        assert!(like_match("apple", "a%"));
        assert!(like_match("apple", "%pl_"));
        assert!(!like_match("Apple", "a%"));
        assert!(like_match("", "%"));
        assert!(!like_match("ab", "a"));
        assert!(like_match("a%b", "a\\%b"));
        assert!(!like_match("axb", "a\\%b"));
    }

    #[test]
    fn rounding_halves() {
        let even = Rounding::HalfEven;
        let away = Rounding::HalfAwayFromZero;
        assert_eq!(round_f64(2.5, 0, even), 2.0);
        assert_eq!(round_f64(0.125, 2, even), 0.12);
        assert_eq!(round_f64(0.25, 1, even), 0.2);
        assert_eq!(round_f64(2.5, 0, away), 3.0);
        assert_eq!(round_f64(-2.5, 0, away), -3.0);
        assert_eq!(round_f64(0.125, 2, away), 0.13);
        assert_eq!(round_f64(0.25, 1, away), 0.3);
        assert_eq!(round_f64(9.995, 2, away), 10.0);
        assert_eq!(round_f64(1234.5, -2, away), 1200.0);
        assert_eq!(round_f64(1250.0, -2, away), 1300.0);
        assert_eq!(round_i64(25, -1, even), 20);
        assert_eq!(round_i64(25, -1, away), 30);
        assert_eq!(round_i64(-25, -1, away), -30);
        assert_eq!(round_i64(i64::MAX, -1, even), 9223372036854775810);
        assert_eq!(round_i64(i64::MIN, -19, away), -10_000_000_000_000_000_000);
        assert_eq!(round_i64(4_000_000_000_000_000_000, -19, away), 0);
        assert_eq!(round_i64(i64::MAX, -20, away), 0);
        assert_eq!(round_i64(i64::MIN, -400, even), 0);
    }

    #[test]
    fn integer_round_overflow_follows_the_switch() {
        let big = Series::new("x".into(), [Some(i64::MAX), None, Some(1)]);
        let err = round(&big, -1, &Semantics::spark()).unwrap_err();
        assert!(
            matches!(err, Error::Arithmetic { ref condition, .. } if condition == "ARITHMETIC_OVERFLOW")
        );
        // numpy: through float64, out of range gives the sentinel i64::MIN.
        let pandas = round(&big, -1, &Semantics::pandas()).unwrap();
        let v: Vec<_> = pandas.i64().unwrap().iter().collect();
        assert_eq!(v, [Some(i64::MIN), None, Some(0)]);
        let halves = Series::new(
            "x".into(),
            [
                5_000_000_000_000_000_000i64,
                15,
                25,
                -5_000_000_000_000_000_000,
            ],
        );
        let r = round(&halves, -19, &Semantics::pandas()).unwrap();
        assert_eq!(r.i64().unwrap().get(0), Some(0));
        let r = round(&halves, -1, &Semantics::pandas()).unwrap();
        let v: Vec<_> = r.i64().unwrap().iter().collect();
        assert_eq!(
            v,
            [
                Some(5_000_000_000_000_000_000),
                Some(20),
                Some(20),
                Some(-5_000_000_000_000_000_000)
            ]
        );
        // Wrapping with exact half-away rounding (a custom mix of switches).
        let custom = Semantics::spark().with_integer_overflow(IntegerOverflow::Wrap);
        let wrapped = round(&big, -1, &custom).unwrap();
        assert_eq!(
            wrapped.i64().unwrap().get(0),
            Some(9223372036854775810i128 as i64)
        );
        let zero = round(&big, -25, &Semantics::spark()).unwrap();
        assert_eq!(zero.i64().unwrap().get(0), Some(0));
    }

    #[test]
    fn min_div_and_rem_minus_one_never_panic() {
        let (pandas, spark) = (Semantics::pandas(), Semantics::spark());
        use BinaryOperator::{IntegerDivide, Modulo};
        assert_eq!(
            int_op(i64::MIN, IntegerDivide, -1, &pandas).unwrap(),
            i64::MIN
        );
        assert!(matches!(
            int_op(i64::MIN, IntegerDivide, -1, &spark),
            Err(Error::Arithmetic { ref condition, .. }) if condition == "ARITHMETIC_OVERFLOW"
        ));
        assert_eq!(int_op(i64::MIN, Modulo, -1, &pandas).unwrap(), 0);
        assert_eq!(int_op(i64::MIN, Modulo, -1, &spark).unwrap(), 0);
    }

    #[test]
    fn floats_as_text_follow_python_and_java() {
        let (py, java) = (Semantics::pandas(), Semantics::spark());
        let cases: &[(f64, &str, &str)] = &[
            (2e-6, "2e-06", "2.0E-6"),
            (1e-5, "1e-05", "1.0E-5"),
            (1e-4, "0.0001", "1.0E-4"),
            (0.001, "0.001", "0.001"),
            (43864584.0, "43864584.0", "4.3864584E7"),
            (1e7, "10000000.0", "1.0E7"),
            (1e16, "1e+16", "1.0E16"),
            (
                1234567890123456.0,
                "1234567890123456.0",
                "1.234567890123456E15",
            ),
            (1.5e300, "1.5e+300", "1.5E300"),
            (0.1, "0.1", "0.1"),
            (100.0, "100.0", "100.0"),
            (-0.0, "-0.0", "-0.0"),
            (0.0, "0.0", "0.0"),
            (123456789.125, "123456789.125", "1.23456789125E8"),
            (-2.5e-7, "-2.5e-07", "-2.5E-7"),
            (f64::INFINITY, "inf", "Infinity"),
            (f64::NEG_INFINITY, "-inf", "-Infinity"),
        ];
        for &(x, p, j) in cases {
            assert_eq!(float_text(x, &py).as_deref(), Some(p), "python {x}");
            assert_eq!(float_text(x, &java).as_deref(), Some(j), "java {x}");
        }
        assert_eq!(float_text(f64::NAN, &py), None);
        assert_eq!(float_text(f64::NAN, &java).as_deref(), Some("NaN"));
    }

    #[test]
    fn double_to_bigint_follows_each_semantics() {
        let (pandas, spark) = (Semantics::pandas(), Semantics::spark());
        let class = |r: Result<Option<i64>>| match r {
            Err(Error::Arithmetic { condition, .. }) => condition,
            other => panic!("expected an error, got {other:?}"),
        };
        for sem in [&pandas, &spark] {
            assert_eq!(double_to_bigint(Some(1.9), sem).unwrap(), Some(1));
            assert_eq!(double_to_bigint(Some(-1.9), sem).unwrap(), Some(-1));
            assert_eq!(
                double_to_bigint(Some(-9_223_372_036_854_775_808.0), sem).unwrap(),
                Some(i64::MIN)
            );
        }
        // Spark compares with (double) Long.MAX_VALUE = 2^63: 2^63 saturates.
        assert_eq!(
            double_to_bigint(Some(9_223_372_036_854_775_808.0), &spark).unwrap(),
            Some(i64::MAX)
        );
        assert_eq!(
            class(double_to_bigint(Some(9.25e18), &spark)),
            "CAST_OVERFLOW"
        );
        assert_eq!(
            class(double_to_bigint(Some(f64::NAN), &spark)),
            "CAST_OVERFLOW"
        );
        assert_eq!(
            class(double_to_bigint(Some(f64::INFINITY), &spark)),
            "CAST_OVERFLOW"
        );
        assert_eq!(double_to_bigint(None, &spark).unwrap(), None);
        // numpy on x86: out of range gives the sentinel i64::MIN; missing values raise.
        assert_eq!(
            double_to_bigint(Some(9_223_372_036_854_775_808.0), &pandas).unwrap(),
            Some(i64::MIN)
        );
        assert_eq!(
            double_to_bigint(Some(9.25e18), &pandas).unwrap(),
            Some(i64::MIN)
        );
        assert_eq!(class(double_to_bigint(None, &pandas)), "IntCastingNaNError");
        assert_eq!(
            class(double_to_bigint(Some(f64::NAN), &pandas)),
            "IntCastingNaNError"
        );
        assert_eq!(
            class(double_to_bigint(Some(f64::NEG_INFINITY), &pandas)),
            "IntCastingNaNError"
        );
    }

    #[test]
    fn integer_division_and_modulo_follow_the_switch() {
        let pandas = Semantics::pandas();
        let spark = Semantics::spark();
        assert_eq!(
            int_op(-7, BinaryOperator::IntegerDivide, 2, &pandas).unwrap(),
            -4
        );
        assert_eq!(
            int_op(-7, BinaryOperator::IntegerDivide, 2, &spark).unwrap(),
            -3
        );
        assert_eq!(int_op(-7, BinaryOperator::Modulo, 3, &pandas).unwrap(), 2);
        assert_eq!(int_op(-7, BinaryOperator::Modulo, 3, &spark).unwrap(), -1);
        assert_eq!(int_op(7, BinaryOperator::Modulo, -3, &pandas).unwrap(), -2);
        assert_eq!(
            float_op(-7.0, BinaryOperator::Modulo, 3.0, &pandas).unwrap(),
            2.0
        );
        assert!(int_op(i64::MAX, BinaryOperator::Plus, 1, &spark).is_err());
        assert_eq!(
            int_op(i64::MAX, BinaryOperator::Plus, 1, &pandas).unwrap(),
            i64::MIN
        );
    }

    fn floats(s: &Series) -> Vec<Option<f64>> {
        s.f64().unwrap().iter().collect()
    }

    fn condition(e: Error) -> String {
        match e {
            Error::Arithmetic { condition, .. } => condition,
            other => panic!("expected an arithmetic error, got {other}"),
        }
    }

    #[test]
    fn integer_div_and_mod_to_float_are_exact_before_the_float() {
        // pandas: int64 `%` and `//` in the integers, a zero divisor then inf / NaN.
        let pandas = Semantics::pandas();
        let a = Series::new(
            "a".into(),
            [
                Some(9007199254740993i64),
                Some(5),
                Some(-5),
                Some(0),
                Some(i64::MIN),
                None,
            ],
        );
        let b = Series::new("b".into(), [-4i64, 0, 0, 0, -1, 3]);
        let f64_ = DataType::Float64;
        let rem = arithmetic(&a, BinaryOperator::Modulo, &b, f64_, &pandas).unwrap();
        let r = floats(&rem);
        assert_eq!(r[0], Some(-3.0));
        assert!(r[1..4].iter().all(|v| v.is_some_and(f64::is_nan)));
        assert_eq!(&r[4..], &[Some(0.0), None]);
        let quot = arithmetic(&a, BinaryOperator::IntegerDivide, &b, f64_, &pandas).unwrap();
        let q = floats(&quot);
        assert_eq!(q[0], Some(-2251799813685249.0));
        assert_eq!(&q[1..3], &[Some(f64::INFINITY), Some(f64::NEG_INFINITY)]);
        assert!(q[3].is_some_and(f64::is_nan));
        assert_eq!(&q[4..], &[Some(-9.223372036854776e18), None]);
        // Narrow and unsigned integers too.
        let u = Series::new("u".into(), [u64::MAX, 7]);
        let v = Series::new("v".into(), [2u64, 0]);
        let r = arithmetic(&u, BinaryOperator::Modulo, &v, f64_, &pandas).unwrap();
        let r = floats(&r);
        assert_eq!(r[0], Some(1.0));
        assert!(r[1].is_some_and(f64::is_nan));
        let i = Series::new("i".into(), [-7i8]);
        let j = Series::new("j".into(), [2i16]);
        let r = arithmetic(&i, BinaryOperator::IntegerDivide, &j, f64_, &pandas).unwrap();
        assert_eq!(floats(&r), [Some(-4.0)]);
        // A float result under `division_by_zero = error` still fails on a zero.
        let strict = Semantics::pandas().with_division_by_zero(DivisionByZero::Error);
        let err = arithmetic(&a, BinaryOperator::Modulo, &b, f64_, &strict).unwrap_err();
        assert_eq!(condition(err), "REMAINDER_BY_ZERO");
    }

    #[test]
    fn abs_and_negate_keep_the_type() {
        let (pandas, spark) = (Semantics::pandas(), Semantics::spark());
        let i32s = Series::new("a".into(), [Some(-3i32), None, Some(i32::MIN)]);
        let a = abs(&i32s, &pandas).unwrap();
        assert_eq!(a.dtype(), &PlDataType::Int32);
        let v: Vec<_> = a.i32().unwrap().iter().collect();
        assert_eq!(v, [Some(3), None, Some(i32::MIN)]);
        let n = negate(&i32s, &pandas).unwrap();
        let v: Vec<_> = n.i32().unwrap().iter().collect();
        assert_eq!(v, [Some(3), None, Some(i32::MIN)]);
        assert_eq!(
            condition(abs(&i32s, &spark).unwrap_err()),
            "ARITHMETIC_OVERFLOW"
        );
        assert_eq!(
            condition(negate(&i32s, &spark).unwrap_err()),
            "ARITHMETIC_OVERFLOW"
        );
        let i8s = Series::new("a".into(), [-128i8, 5]);
        let n = negate(&i8s, &pandas).unwrap();
        assert_eq!(n.dtype(), &PlDataType::Int8);
        let v: Vec<_> = n.i8().unwrap().iter().collect();
        assert_eq!(v, [Some(-128), Some(-5)]);
        let i16s = Series::new("a".into(), [-300i16]);
        let a = abs(&i16s, &spark).unwrap();
        assert_eq!(a.dtype(), &PlDataType::Int16);
        assert_eq!(a.i16().unwrap().get(0), Some(300));
        // NumPy wraps an unsigned negation.
        let u8s = Series::new("a".into(), [1u8, 0]);
        let n = negate(&u8s, &pandas).unwrap();
        let v: Vec<_> = n.u8().unwrap().iter().collect();
        assert_eq!(v, [Some(255), Some(0)]);
        let i64s_ = Series::new("a".into(), [i64::MIN, -2]);
        let v: Vec<_> = abs(&i64s_, &pandas)
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(v, [Some(i64::MIN), Some(2)]);
        assert_eq!(
            condition(negate(&i64s_, &spark).unwrap_err()),
            "ARITHMETIC_OVERFLOW"
        );
        let f32s = Series::new("x".into(), [-1.5f32]);
        assert_eq!(abs(&f32s, &pandas).unwrap().dtype(), &PlDataType::Float32);
        let f = Series::new("x".into(), [0.0f64, -2.5]);
        let v = floats(&negate(&f, &spark).unwrap());
        assert!(v[0].is_some_and(|x| x == 0.0 && x.is_sign_negative()));
        assert_eq!(v[1], Some(2.5));
    }

    #[test]
    fn a_missing_value_cast_to_an_integer_raises_under_pandas() {
        let (pandas, spark) = (Semantics::pandas(), Semantics::spark());
        let text = Series::new("ns".into(), [Some("5"), None]);
        for to in [DataType::Int64, DataType::Int32, DataType::Int8] {
            assert_eq!(
                condition(cast(&text, to, &pandas).unwrap_err()),
                "ValueError"
            );
            let v = cast(&text, to, &spark).unwrap();
            assert_eq!(v.null_count(), 1);
        }
        let bools = Series::new("b".into(), [Some(true), None]);
        assert_eq!(
            condition(cast(&bools, DataType::Int64, &pandas).unwrap_err()),
            "TypeError"
        );
        // Without a missing value, or to a double, it converts.
        let full = Series::new("ns".into(), ["5", " -7 "]);
        let v: Vec<_> = cast(&full, DataType::Int64, &pandas)
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(v, [Some(5), Some(-7)]);
        assert_eq!(
            cast(&text, DataType::Float64, &pandas)
                .unwrap()
                .null_count(),
            1
        );
    }
}
