//! `SUM(x)` and `AVG(x)`: a count and an exact sum. Integers (and booleans) sum
//! exactly in an `i128` held as two `i64` columns, decimals' unscaled values in
//! 192 bits ([`Sum192`], three columns), floats in an order-independent binned sum
//! ([`Binned`]), strings (pandas) by concatenation; the kind is decided by the
//! input type, so it is the same in every partition.

use partita_common::{AggregateFunction, DataType, EmptySum, Error, Result, Semantics};
use polars_core::prelude::{
    Float64Chunked, Int64Chunked, IntoSeries, NewChunkedArray, Series, StringChunked,
};

use super::state::{
    binned_at, binned_columns, binned_counts, binned_inputs, check_overflow, i64_values, int_col,
    merge_binned, merge_counts, merge_wide_sums, read_sum192, read_wide_sums, sum192_columns,
    wide_sum_columns, StateCols, SUM_BINS,
};
use super::{Accumulator, AggCall, Groups, Input};
use crate::exact::{Binned, Sum192};
use crate::frame::pl_err;
use crate::groups::{count_valid, for_each_f64, for_each_i64};

/// See the module documentation. State: the sum's columns, then the count.
pub(super) struct SumMean;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SumKind {
    Integer,
    Decimal,
    Float,
    Text,
}

fn sum_kind(call: &AggCall) -> SumKind {
    match call.input_type {
        t if t.is_integer() => SumKind::Integer,
        DataType::Decimal(..) => SumKind::Decimal,
        DataType::Boolean | DataType::Null => SumKind::Integer,
        DataType::Utf8 => SumKind::Text,
        _ => SumKind::Float,
    }
}

/// Above this many groups, binned states (32 bytes each) outgrow the L2 cache and
/// the float loop prefetches them, [`PREFETCH_DISTANCE`] rows ahead (about 7 %
/// faster on 1e5 groups; a merge gained nothing from it).
const PREFETCH_GROUPS: usize = 16_384;
const PREFETCH_DISTANCE: usize = 16;

/// Asks the CPU to bring `value` into the cache (a hint; nothing elsewhere).
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that never faults, and the pointer is valid.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Exact: whether the total fits an i64 is decided at finalize, on the total,
/// never on a partial sum. An i64 running sum is exact unless it wraps, which is
/// rare: only then add again in an i128.
fn integer_sums(values: &Series, groups: &Groups) -> Result<Vec<Series>> {
    let k = groups.len();
    let mut acc = vec![0i64; k];
    let mut wrapped = false;
    for_each_i64(values, &groups.ids, |g, v| {
        let (sum, o) = acc[g].overflowing_add(v);
        acc[g] = sum;
        wrapped |= o;
    })?;
    if wrapped {
        let mut wide = vec![0i128; k];
        for_each_i64(values, &groups.ids, |g, v| {
            wide[g] = wide[g].wrapping_add(v as i128)
        })?;
        return Ok(wide_sum_columns(&wide));
    }
    let hi = acc.iter().map(|&s| s >> 63).collect();
    Ok(vec![int_col(acc), int_col(hi)])
}

fn text_sums(values: &Series, ids: &[u32], k: usize) -> Result<Series> {
    let mut acc = vec![String::new(); k];
    for (v, &g) in values.str().map_err(pl_err)?.iter().zip(ids) {
        if let Some(v) = v {
            acc[g as usize].push_str(v);
        }
    }
    Ok(StringChunked::from_iter_values("".into(), acc.iter().map(String::as_str)).into_series())
}

/// Exact sums of decimals' unscaled values, in 192 bits.
fn decimal_sums(values: &Series, groups: &Groups) -> Result<Vec<Series>> {
    let (unscaled, _) = crate::decimal::unscaled(values)?
        .ok_or_else(|| Error::internal(format!("a decimal sum of {}", values.dtype())))?;
    let mut acc = vec![Sum192::default(); groups.len()];
    for (v, &g) in unscaled.iter().zip(&groups.ids) {
        if let Some(v) = v {
            acc[g as usize].add(*v);
        }
    }
    Ok(sum192_columns(&acc))
}

/// `SUM` or `AVG` of decimals from their exact sums and counts: a `SUM` keeps the
/// scale (an empty group as `empty_sum` says), Spark's `AVG` is the sum over the
/// count at the result's scale, rounded half up, and pandas' the float of it; a
/// result past its precision is `NUMERIC_VALUE_OUT_OF_RANGE`.
fn decimal_result(call: &AggCall, sums: &[Sum192], n: &[i64], sem: &Semantics) -> Result<Series> {
    let DataType::Decimal(_, scale) = call.input_type else {
        return Err(Error::internal("a decimal sum of another type"));
    };
    let mut out = Vec::with_capacity(sums.len());
    match call.output_type {
        DataType::Decimal(p, s) => {
            for (sum, &n) in sums.iter().zip(n) {
                let total = sum.i256();
                out.push(if call.func == AggregateFunction::Mean {
                    (n > 0)
                        .then(|| crate::decimal::quotient(total, scale, n, p, s, "avg"))
                        .transpose()?
                } else if n == 0 && sem.empty_sum == EmptySum::Null {
                    None
                } else {
                    Some(crate::decimal::fit(total, p, s, "sum")?)
                });
            }
            crate::decimal::decimal_series(call.output.as_str(), out, p, s)
        }
        _ => {
            // pandas: the mean of Decimal objects is a float.
            let ca: Float64Chunked = sums
                .iter()
                .zip(n)
                .map(|(sum, &n)| (n > 0).then(|| crate::decimal::to_f64(sum.i256(), scale, n)))
                .collect();
            Ok(ca.into_series())
        }
    }
}

/// One group per row (first-seen ids are then 0, 1, ...): the state of each value,
/// written straight into the columns.
fn float_sums_per_row(values: &Series, groups: &Groups) -> Result<Vec<Series>> {
    let k = groups.len();
    let mut parts: [Vec<i64>; SUM_BINS + 1] = std::array::from_fn(|_| Vec::with_capacity(k));
    let mut push = |b: Binned<SUM_BINS>| {
        let (bins, window) = b.to_parts();
        for (col, b) in parts.iter_mut().zip(bins) {
            col.push(b);
        }
        parts[SUM_BINS].push(window);
    };
    if values.null_count() == 0 {
        for_each_f64(values, &groups.ids, |_, v| push(Binned::single(v)))?;
    } else {
        let mut row = 0;
        for_each_f64(values, &groups.ids, |g, v| {
            // Rows without a value have the empty state.
            while row < g {
                push(Binned::default());
                row += 1;
            }
            push(Binned::single(v));
            row += 1;
        })?;
        while row < k {
            push(Binned::default());
            row += 1;
        }
    }
    Ok(parts.into_iter().map(int_col).collect())
}

fn float_sums(values: &Series, groups: &Groups) -> Result<Vec<Series>> {
    let mut acc = vec![Binned::<SUM_BINS>::default(); groups.len()];
    match values.f64().ok().and_then(|ca| ca.cont_slice().ok()) {
        // Many groups: the 32-byte states miss the cache, so each row asks for the
        // state of a row a little ahead.
        Some(v) if groups.len() > PREFETCH_GROUPS => {
            let ids = &groups.ids;
            for (row, (&x, &g)) in v.iter().zip(ids).enumerate() {
                if let Some(&ahead) = ids.get(row + PREFETCH_DISTANCE) {
                    prefetch(&acc[ahead as usize]);
                }
                acc[g as usize].add(x);
            }
        }
        _ => for_each_f64(values, &groups.ids, |g, v| acc[g].add(v))?,
    }
    Ok(binned_columns(&acc))
}

impl Accumulator for SumMean {
    fn partial(&self, input: &Input<'_>) -> Result<Vec<Series>> {
        let (call, args, groups) = (input.call, input.cols, input.groups);
        let values = args[0];
        let mut cols = match sum_kind(call) {
            SumKind::Integer => integer_sums(values, groups)?,
            SumKind::Text => vec![text_sums(values, &groups.ids, groups.len())?],
            SumKind::Decimal => decimal_sums(values, groups)?,
            SumKind::Float if groups.len() == values.len() => float_sums_per_row(values, groups)?,
            SumKind::Float => float_sums(values, groups)?,
        };
        cols.push(int_col(count_valid(Some(values), groups)));
        Ok(cols)
    }

    fn merge(&self, input: &Input<'_>) -> Result<Vec<Series>> {
        let (call, states, groups) = (input.call, input.cols, input.groups);
        let mut st = StateCols::new(states);
        let mut cols = match sum_kind(call) {
            // Exact: an overflow is decided on the total, at finalize.
            SumKind::Integer => merge_wide_sums(&mut st, groups)?,
            SumKind::Text => {
                let mut acc = vec![String::new(); groups.len()];
                for (v, &g) in st.next()?.str().map_err(pl_err)?.iter().zip(&groups.ids) {
                    acc[g as usize].push_str(v.unwrap_or(""));
                }
                vec![
                    StringChunked::from_iter_values("".into(), acc.iter().map(String::as_str))
                        .into_series(),
                ]
            }
            SumKind::Float => merge_binned::<SUM_BINS>(&mut st, groups)?,
            SumKind::Decimal => {
                let mut acc = vec![Sum192::default(); groups.len()];
                for (s, &g) in read_sum192(&mut st)?.iter().zip(&groups.ids) {
                    acc[g as usize].merge(s);
                }
                sum192_columns(&acc)
            }
        };
        cols.push(merge_counts(st.next()?, groups)?);
        Ok(cols)
    }

    fn finalize(&self, call: &AggCall, states: &[&Series], sem: &Semantics) -> Result<Series> {
        let kind = sum_kind(call);
        let (sum_states, n) = states.split_at(states.len() - 1);
        let n = n[0];
        if kind == SumKind::Float {
            binned_counts(n)?;
        }
        // A slice, not `ChunkedArray::get` per row (q10 finalizes a state per row).
        let n = i64_values(n)?;
        let mut st = StateCols::new(sum_states);
        // Decimal sums and means are finished exactly, below.
        if call.func == AggregateFunction::Mean && kind != SumKind::Decimal {
            let sums: Vec<f64> = match kind {
                SumKind::Integer => read_wide_sums(&mut st)?
                    .into_iter()
                    .map(|t| t as f64)
                    .collect(),
                _ => {
                    let cols = binned_inputs::<SUM_BINS>(&mut st)?;
                    (0..n.len())
                        .map(|r| binned_at::<SUM_BINS>(&cols, r).value())
                        .collect()
                }
            };
            let ca: Float64Chunked = sums
                .iter()
                .zip(n.iter())
                .map(|(s, &n)| (n > 0).then(|| s / n as f64))
                .collect();
            return Ok(ca.into_series());
        }
        let empty_is_null = sem.empty_sum == EmptySum::Null;
        let empty = |r: usize| empty_is_null && n[r] == 0;
        Ok(match kind {
            SumKind::Decimal => decimal_result(call, &read_sum192(&mut st)?, &n, sem)?,
            SumKind::Integer => {
                let totals = read_wide_sums(&mut st)?;
                let mut out = Vec::with_capacity(totals.len());
                for (r, &t) in totals.iter().enumerate() {
                    // Wrapping keeps the low 64 bits: two's-complement addition in
                    // any order, as pandas gives.
                    if t as i64 as i128 != t {
                        check_overflow(sem)?;
                    }
                    out.push((!empty(r)).then_some(t as i64));
                }
                Int64Chunked::from_iter_options("".into(), out.into_iter()).into_series()
            }
            SumKind::Text => {
                let ca: StringChunked = st
                    .next()?
                    .str()
                    .map_err(pl_err)?
                    .iter()
                    .enumerate()
                    .map(|(r, v)| if empty(r) { None } else { v })
                    .collect();
                ca.into_series()
            }
            SumKind::Float => {
                let cols = binned_inputs::<SUM_BINS>(&mut st)?;
                let ca: Float64Chunked = (0..n.len())
                    .map(|r| (!empty(r)).then(|| binned_at::<SUM_BINS>(&cols, r).value()))
                    .collect();
                ca.into_series()
            }
        })
    }
}
