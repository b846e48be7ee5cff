//! Decimal kernels: arithmetic on unscaled integers at the result's scale, and
//! exact comparisons.
//!
//! A decimal column holds `i128` unscaled values and one scale. Arithmetic brings
//! both operands to the scale the plan typed (`partita_plan`'s Spark rules), in
//! 256-bit integers ([`I256`]) so that no intermediate product or rescaling wraps;
//! a result is rounded half up where its scale is smaller than the exact one (a
//! product whose type was bounded to 38 digits, a quotient), as Spark's
//! `BigDecimal` arithmetic does, and a result that does not fit its precision is
//! Spark's `NUMERIC_VALUE_OUT_OF_RANGE` (pandas' `Decimal` objects would round
//! to 28 significant digits there, which a fixed scale cannot show either).

use std::cmp::Ordering;

use ethnum::I256;
use partita_common::{
    BinaryOperator, DataType, DivisionByZero, Error, NumericPromotion, Result, Semantics,
};
use polars_core::prelude::{
    DataType as PlDataType, Int128Chunked, IntoSeries, NewChunkedArray, Series,
};

use crate::frame::pl_err;

/// `10^n` for `n` up to 76 (the largest a 256-bit integer holds).
fn pow10(n: u32) -> Option<I256> {
    let mut v = I256::ONE;
    for _ in 0..n {
        v = v.checked_mul(I256::new(10))?;
    }
    Some(v)
}

/// The unscaled values of a decimal or integer column (an integer has scale 0) and
/// their scale; `None` for other types.
pub fn unscaled(s: &Series) -> Result<Option<(Vec<Option<i128>>, u32)>> {
    Ok(match s.dtype() {
        PlDataType::Decimal(_, scale) => {
            let phys = s.to_physical_repr();
            let values = phys.i128().map_err(pl_err)?.iter().collect();
            Some((values, *scale as u32))
        }
        PlDataType::UInt64 => Some((
            s.u64()
                .map_err(pl_err)?
                .iter()
                .map(|v| v.map(i128::from))
                .collect(),
            0,
        )),
        t if t.is_integer() => Some((
            s.cast(&PlDataType::Int64)
                .map_err(pl_err)?
                .i64()
                .map_err(pl_err)?
                .iter()
                .map(|v| v.map(i128::from))
                .collect(),
            0,
        )),
        PlDataType::Null => Some((vec![None; s.len()], 0)),
        _ => None,
    })
}

/// `v` (at `from` digits after the point) at `to` digits, rounded half up when `to`
/// is smaller; `None` past 256 bits.
fn rescale(v: I256, from: u32, to: u32) -> Option<I256> {
    match to.cmp(&from) {
        Ordering::Equal => Some(v),
        Ordering::Greater => v.checked_mul(pow10(to - from)?),
        Ordering::Less => Some(divide_half_up(v, pow10(from - to)?)),
    }
}

/// `n / d` rounded half away from zero (`d` is not zero).
fn divide_half_up(n: I256, d: I256) -> I256 {
    let (q, r) = (n / d, n % d);
    if r.unsigned_abs() * 2 >= d.unsigned_abs() {
        if (n < 0) == (d < 0) {
            q + 1
        } else {
            q - 1
        }
    } else {
        q
    }
}

fn out_of_range(value: impl std::fmt::Display, what: &str, p: u8, s: u8) -> Error {
    Error::arithmetic(
        "NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION",
        format!("the result of '{what}', {value}, cannot be represented as DECIMAL({p}, {s})"),
    )
}

/// `left op right` for `+ - * / %` with a decimal result of type `out` (at least
/// one operand is a decimal, the other a decimal or an integer). A zero divisor is
/// `DIVIDE_BY_ZERO` or missing, as `division_by_zero` says.
pub fn arithmetic(
    left: &Series,
    op: BinaryOperator,
    right: &Series,
    out: DataType,
    sem: &Semantics,
) -> Result<Series> {
    let DataType::Decimal(p, s) = out else {
        return Err(Error::internal(format!("decimal arithmetic typed {out}")));
    };
    let operand = |x: &Series| {
        unscaled(x)?.ok_or_else(|| {
            Error::internal(format!("decimal arithmetic with a {} operand", x.dtype()))
        })
    };
    let ((a, sa), (b, sb)) = (operand(left)?, operand(right)?);
    let limit = pow10(p as u32).expect("10^38 fits");
    let scale = s as u32;
    let what = format!("{} {op} {}", left.name(), right.name());
    let mut values = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b.iter()) {
        let (Some(x), Some(y)) = (*x, *y) else {
            values.push(None);
            continue;
        };
        let (x, y) = (I256::from(x), I256::from(y));
        let exact = match op {
            BinaryOperator::Plus | BinaryOperator::Minus => {
                let (x, y) = (rescale(x, sa, scale), rescale(y, sb, scale));
                match (x, y) {
                    (Some(x), Some(y)) if op == BinaryOperator::Plus => x.checked_add(y),
                    (Some(x), Some(y)) => x.checked_sub(y),
                    _ => None,
                }
            }
            BinaryOperator::Multiply => x.checked_mul(y).and_then(|v| rescale(v, sa + sb, scale)),
            BinaryOperator::Divide | BinaryOperator::Modulo if y == 0 => {
                if sem.division_by_zero == DivisionByZero::Error {
                    return Err(Error::arithmetic(
                        "DIVIDE_BY_ZERO",
                        format!("division by zero in '{what}'; under pandas semantics it gives a missing value (set division_by_zero = ieee)"),
                    ));
                }
                values.push(None);
                continue;
            }
            // x / 10^sa ÷ y / 10^sb at `scale` digits: x·10^(scale + sb - sa) / y.
            BinaryOperator::Divide => (scale + sb)
                .checked_sub(sa)
                .and_then(pow10)
                .and_then(|m| x.checked_mul(m))
                .map(|n| divide_half_up(n, y)),
            BinaryOperator::Modulo => {
                // The remainder takes the dividend's sign (Java's and Python's
                // Decimal `%` alike), at the larger scale.
                let common = sa.max(sb);
                match (rescale(x, sa, common), rescale(y, sb, common)) {
                    (Some(x), Some(y)) => rescale(x % y, common, scale),
                    _ => None,
                }
            }
            other => {
                return Err(Error::internal(format!("'{other}' on decimals")));
            }
        };
        match exact {
            Some(v) if v.unsigned_abs() < limit.unsigned_abs() => values.push(Some(v.as_i128())),
            Some(v) => {
                return Err(out_of_range(
                    partita_common::decimal_digits_text(&v.to_string(), s),
                    &what,
                    p,
                    s,
                ))
            }
            None => return Err(out_of_range("a number of more than 76 digits", &what, p, s)),
        }
    }
    decimal_series(left.name().as_str(), values, p, s)
}

/// `v` (unscaled) if it fits `p` digits, else `NUMERIC_VALUE_OUT_OF_RANGE` naming
/// `what`.
pub(crate) fn fit(v: I256, p: u8, s: u8, what: &str) -> Result<i128> {
    if v.unsigned_abs() < pow10(p as u32).expect("10^38 fits").unsigned_abs() {
        Ok(v.as_i128())
    } else {
        Err(out_of_range(
            partita_common::decimal_digits_text(&v.to_string(), s),
            what,
            p,
            s,
        ))
    }
}

/// `total / n` (`total` unscaled at `from` digits) at `s` digits, rounded half up,
/// fitting `p` digits.
pub(crate) fn quotient(total: I256, from: u8, n: i64, p: u8, s: u8, what: &str) -> Result<i128> {
    let scaled = (s as u32)
        .checked_sub(from as u32)
        .and_then(pow10)
        .and_then(|m| total.checked_mul(m))
        .ok_or_else(|| out_of_range("a number of more than 76 digits", what, p, s))?;
    fit(divide_half_up(scaled, I256::from(n)), p, s, what)
}

/// `total / n` (`total` unscaled at `scale` digits) as the nearest double: the
/// quotient to 40 digits after the point, read as a double (pandas' mean of
/// `Decimal` objects, a float).
pub(crate) fn to_f64(total: I256, scale: u8, n: i64) -> f64 {
    const DIGITS: u32 = 40;
    match pow10(DIGITS).and_then(|m| total.checked_mul(m)) {
        Some(scaled) => {
            let q = divide_half_up(scaled, I256::from(n));
            format!("{q}e-{}", DIGITS + scale as u32)
                .parse()
                .unwrap_or(f64::NAN)
        }
        None => total.as_f64() / 10f64.powi(scale as i32) / n as f64,
    }
}

/// The unscaled value at `scale` digits of a number written as text (`-12.345`,
/// `1e3`, `.5`), rounded half up as Spark's `BigDecimal` casts; `None` when the
/// text is no number or has more than 76 digits.
fn parse_rounded(text: &str, scale: u32) -> Option<I256> {
    let (negative, digits, power) = partita_common::decimal_parts(text)?;
    if digits.len() > 76 {
        return None;
    }
    let mut v = I256::ZERO;
    for b in digits.bytes() {
        v = v
            .checked_mul(I256::new(10))?
            .checked_add(I256::from(b - b'0'))?;
    }
    // v · 10^power at `scale` digits.
    let from = -power;
    let v = if from < 0 {
        v.checked_mul(pow10(u32::try_from(-from).ok()?)?)?
            .checked_mul(pow10(scale)?)?
    } else {
        let from = u32::try_from(from).ok()?;
        if from > 76 + scale {
            I256::ZERO
        } else {
            rescale(v, from, scale)?
        }
    };
    Some(if negative { -v } else { v })
}

/// `CAST(x AS DECIMAL(p, s))` and casts of a decimal to an integer or text, as
/// Spark casts (for both presets: pandas has no decimal cast of its own): numbers
/// and text are rounded half up to the scale (a double by its shortest text, so
/// `1.255` is `1.26`), a decimal is truncated toward zero to an integer, and a
/// value past the precision is `NUMERIC_VALUE_OUT_OF_RANGE`, text that is no
/// number `CAST_INVALID_INPUT`. `None` for other casts.
pub fn cast(s: &Series, to: DataType, sem: &Semantics) -> Option<Result<Series>> {
    let from_decimal = matches!(s.dtype(), PlDataType::Decimal(..));
    match to {
        DataType::Decimal(p, sc) => Some(cast_to_decimal(s, p, sc)),
        t if from_decimal && (t.is_integer() || t == DataType::Utf8) => {
            Some(cast_from_decimal(s, t, sem))
        }
        _ => None,
    }
}

fn cast_to_decimal(s: &Series, p: u8, sc: u8) -> Result<Series> {
    let scale = sc as u32;
    let what = format!("CAST({} AS DECIMAL({p},{sc}))", s.name());
    let mut values: Vec<Option<I256>> = Vec::with_capacity(s.len());
    match s.dtype() {
        PlDataType::String => {
            for v in s.str().map_err(pl_err)?.iter() {
                values.push(match v {
                    None => None,
                    Some(text) => Some(parse_rounded(text, scale).ok_or_else(|| {
                        Error::arithmetic(
                            "CAST_INVALID_INPUT",
                            format!("the value '{text}' cannot be cast to decimal({p},{sc})"),
                        )
                    })?),
                });
            }
        }
        t if t.is_float() => {
            let x = s.cast(&PlDataType::Float64).map_err(pl_err)?;
            for v in x.f64().map_err(pl_err)?.iter() {
                values.push(match v {
                    None => None,
                    Some(x) if !x.is_finite() => {
                        return Err(Error::arithmetic(
                            "CAST_INVALID_INPUT",
                            format!("the value {x} cannot be cast to decimal({p},{sc})"),
                        ))
                    }
                    // The shortest text that reads back as the double (Java's
                    // Double.toString digits, which Spark's BigDecimal takes).
                    Some(x) => Some(
                        parse_rounded(&format!("{x:e}"), scale)
                            .ok_or_else(|| out_of_range(x, &what, p, sc))?,
                    ),
                });
            }
        }
        PlDataType::Boolean => {
            return Err(Error::analysis(
                "DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION",
                format!(
                    "cannot cast the boolean '{}' to decimal({p},{sc})",
                    s.name()
                ),
            ))
        }
        _ => {
            let (u, from) = unscaled(s)?.ok_or_else(|| {
                Error::analysis(
                    "DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION",
                    format!("cannot cast {} to decimal({p},{sc})", s.dtype()),
                )
            })?;
            for v in u {
                values.push(match v {
                    None => None,
                    Some(v) => Some(
                        rescale(I256::from(v), from, scale)
                            .ok_or_else(|| out_of_range(v, &what, p, sc))?,
                    ),
                });
            }
        }
    }
    let fitted = values
        .into_iter()
        .map(|v| v.map(|v| fit(v, p, sc, &what)).transpose())
        .collect::<Result<Vec<_>>>()?;
    decimal_series(s.name().as_str(), fitted, p, sc)
}

fn cast_from_decimal(s: &Series, to: DataType, sem: &Semantics) -> Result<Series> {
    let (u, scale) = unscaled(s)?.expect("a decimal");
    let name = s.name().clone();
    if to == DataType::Utf8 {
        let out: polars_core::prelude::StringChunked = u
            .iter()
            .map(|v| v.map(|v| partita_common::decimal_text(v, scale as u8)))
            .collect();
        return Ok(out.with_name(name).into_series());
    }
    // Toward zero, then into the integer type (CAST_OVERFLOW or a wrap).
    let divisor = 10i128.pow(scale);
    let mut wide = Vec::with_capacity(u.len());
    for v in u {
        wide.push(match v.map(|v| v / divisor) {
            None => None,
            Some(v) => match i64::try_from(v) {
                Ok(v) => Some(v),
                Err(_) => {
                    return Err(Error::arithmetic(
                        "CAST_OVERFLOW",
                        format!("the value {v} of '{name}' is out of the range of {to}"),
                    ))
                }
            },
        });
    }
    let wide =
        polars_core::prelude::Int64Chunked::from_iter_options(name, wide.into_iter()).into_series();
    crate::scalar::narrow_int(&wide, to, sem, "cast")
}

/// A decimal column of unscaled values.
pub fn decimal_series(name: &str, values: Vec<Option<i128>>, p: u8, s: u8) -> Result<Series> {
    Int128Chunked::from_iter_options(name.into(), values.into_iter())
        .into_series()
        .into_decimal(p as usize, s as usize)
        .map_err(pl_err)
}

/// `-x` of a decimal column (its type is kept: the precision holds the negation).
pub fn negate(s: &Series) -> Result<Series> {
    let PlDataType::Decimal(p, sc) = s.dtype() else {
        return Err(Error::internal("negating a decimal"));
    };
    let (values, _) = unscaled(s)?.expect("a decimal");
    decimal_series(
        s.name().as_str(),
        values.into_iter().map(|v| v.map(|v| -v)).collect(),
        *p as u8,
        *sc as u8,
    )
}

/// The exact order of a decimal `u / 10^s` and a finite double `f`.
fn cmp_decimal_double(u: i128, s: u32, f: f64) -> Ordering {
    // Signs first; then magnitudes, |u| / 10^s against m · 2^e.
    let sign_d = u.signum();
    let sign_f = if f > 0.0 {
        1
    } else if f < 0.0 {
        -1
    } else {
        0
    };
    if sign_d != sign_f || sign_d == 0 {
        return sign_d.cmp(&sign_f);
    }
    let bits = f.abs().to_bits();
    let exp = ((bits >> 52) & 0x7FF) as i32;
    let (m, e) = if exp == 0 {
        (bits & ((1 << 52) - 1), -1074)
    } else {
        (bits & ((1 << 52) - 1) | (1 << 52), exp - 1075)
    };
    // |u| vs m · 5^s · 2^(e + s): the power of two shifts one side; a side that
    // would pass 256 bits is the larger (the other is below 2^141).
    let five = (0..s).fold(ethnum::U256::ONE, |acc, _| acc * 5);
    let (lhs, rhs) = (
        ethnum::U256::from(u.unsigned_abs()),
        five * ethnum::U256::from(m),
    );
    let shifted = |v: ethnum::U256, by: u32| (v.leading_zeros() >= by).then(|| v << by);
    let k = e + s as i32;
    let magnitude = if k >= 0 {
        shifted(rhs, k as u32).map_or(Ordering::Less, |r| lhs.cmp(&r))
    } else {
        shifted(lhs, k.unsigned_abs()).map_or(Ordering::Greater, |l| l.cmp(&rhs))
    };
    if sign_d < 0 {
        magnitude.reverse()
    } else {
        magnitude
    }
}

/// Per-row order of two columns of which one is a decimal, `None` where either is
/// missing; `None` overall when neither is a decimal. A decimal meets a decimal or
/// an integer exactly; a float as the semantics says: pandas compares a `Decimal`
/// object with a float exactly (`Decimal("0.10") == 0.1` is false), Spark casts the
/// decimal to a double.
pub fn orderings(
    left: &Series,
    right: &Series,
    sem: &Semantics,
) -> Result<Option<Vec<Option<Ordering>>>> {
    let decimal = |t: &PlDataType| matches!(t, PlDataType::Decimal(..));
    if !decimal(left.dtype()) && !decimal(right.dtype()) {
        return Ok(None);
    }
    let float = |t: &PlDataType| t.is_float();
    if float(left.dtype()) || float(right.dtype()) {
        if sem.numeric_promotion == NumericPromotion::Sql {
            return Ok(None);
        }
        let (d, f, flipped) = if decimal(left.dtype()) {
            (left, right, false)
        } else {
            (right, left, true)
        };
        let (u, s) = unscaled(d)?.expect("a decimal");
        let f = f.cast(&PlDataType::Float64).map_err(pl_err)?;
        let f = f.f64().map_err(pl_err)?;
        let out = u
            .iter()
            .zip(f.iter())
            .map(|(u, f)| {
                let (u, f) = ((*u)?, f?);
                let o = if f.is_nan() {
                    return None;
                } else if f.is_infinite() {
                    if f > 0.0 {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    }
                } else {
                    cmp_decimal_double(u, s, f)
                };
                Some(if flipped { o.reverse() } else { o })
            })
            .collect();
        return Ok(Some(out));
    }
    let (Some((a, sa)), Some((b, sb))) = (unscaled(left)?, unscaled(right)?) else {
        return Ok(None);
    };
    let common = sa.max(sb);
    Ok(Some(
        a.iter()
            .zip(b.iter())
            .map(|(x, y)| {
                let (x, y) = ((*x)?, (*y)?);
                let x = rescale(I256::from(x), sa, common).expect("38 digits rescaled fit");
                let y = rescale(I256::from(y), sb, common).expect("38 digits rescaled fit");
                Some(x.cmp(&y))
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_order_of_a_decimal_and_a_double() {
        // 0.10 is not the double 0.1 (0.1000000000000000055...).
        assert_eq!(cmp_decimal_double(10, 2, 0.1), Ordering::Less);
        assert_eq!(cmp_decimal_double(125, 2, 1.25), Ordering::Equal);
        assert_eq!(cmp_decimal_double(-125, 2, -1.25), Ordering::Equal);
        assert_eq!(cmp_decimal_double(-126, 2, -1.25), Ordering::Less);
        assert_eq!(cmp_decimal_double(0, 2, -0.0), Ordering::Equal);
        assert_eq!(cmp_decimal_double(1, 0, 1e300), Ordering::Less);
        assert_eq!(cmp_decimal_double(1, 38, 5e-324), Ordering::Greater);
    }

    #[test]
    fn half_up_division() {
        let d = |n: i64, m: i64| divide_half_up(I256::from(n), I256::from(m)).as_i64();
        assert_eq!(d(5, 2), 3);
        assert_eq!(d(-5, 2), -3);
        assert_eq!(d(4, 3), 1);
        assert_eq!(d(-7, -2), 4);
    }
}
