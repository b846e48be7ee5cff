//! The building blocks of partial states shared by several aggregate families:
//! exact integer sums held as two `i64` columns, binned float sums ([`Binned`]),
//! and a cursor that reads a family's state columns back in the order it wrote them.

use std::borrow::Cow;

use partita_common::{Error, IntegerOverflow, Result, Semantics};
use polars_arrow::array::Array;
use polars_core::prelude::{Int64Chunked, IntoSeries, Series};

use crate::exact::{Binned, Sum192};
use crate::frame::pl_err;
use crate::groups::{for_each_i64, Groups};

/// Bins of a float SUM or AVG, of the values of a variance, and of sums of
/// products (see `exact.rs` for the precision each gives).
pub(super) const SUM_BINS: usize = 3;
pub(super) const MOMENT_BINS: usize = 4;
pub(super) const PRODUCT_BINS: usize = 5;

/// The largest count of values per group for which the `i64` bins of a binned sum
/// cannot overflow (each adds chunks below `2^28`).
const MAX_BINNED_VALUES: i64 = 1 << 35;

/// The state columns of one aggregate, read in the order its `partial` wrote them.
pub(super) struct StateCols<'a> {
    cols: &'a [&'a Series],
    at: usize,
}

impl<'a> StateCols<'a> {
    pub(super) fn new(cols: &'a [&'a Series]) -> Self {
        StateCols { cols, at: 0 }
    }

    /// How many state columns there are in all.
    pub(super) fn len(&self) -> usize {
        self.cols.len()
    }

    /// The next `n` columns.
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [&'a Series]> {
        let out = self.cols.get(self.at..self.at + n).ok_or_else(|| {
            Error::internal(format!(
                "an aggregate state has {} columns, not the {} read",
                self.cols.len(),
                self.at + n
            ))
        })?;
        self.at += n;
        Ok(out)
    }

    /// The next column.
    pub(super) fn next(&mut self) -> Result<&'a Series> {
        Ok(self.take(1)?[0])
    }
}

/// An `Int64` column of `values`.
pub(super) fn int_col(values: Vec<i64>) -> Series {
    Int64Chunked::from_vec("".into(), values).into_series()
}

/// The values of an `i64` column of states (missing as 0), borrowed when it is one
/// chunk without nulls (as a merge task's concatenated input is).
pub(super) fn i64_values(s: &Series) -> Result<Cow<'_, [i64]>> {
    let ca = s.i64().map_err(pl_err)?;
    if let Ok(v) = ca.cont_slice() {
        return Ok(Cow::Borrowed(v));
    }
    let mut out = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        if arr.null_count() == 0 {
            out.extend_from_slice(arr.values());
        } else {
            out.extend(arr.iter().map(|v| v.copied().unwrap_or(0)));
        }
    }
    Ok(Cow::Owned(out))
}

/// A count state merged into groups.
pub(super) fn merge_counts(n: &Series, groups: &Groups) -> Result<Series> {
    let mut acc = vec![0i64; groups.len()];
    for_each_i64(n, &groups.ids, |g, v| acc[g] += v)?;
    Ok(int_col(acc))
}

/// The counts of a state, checked against [`MAX_BINNED_VALUES`].
pub(super) fn binned_counts(n: &Series) -> Result<Int64Chunked> {
    let n = n.i64().map_err(pl_err)?.clone();
    if n.iter().flatten().any(|m| m >= MAX_BINNED_VALUES) {
        return Err(Error::NotImplemented(format!(
            "a floating-point sum of {MAX_BINNED_VALUES} or more values in one group"
        )));
    }
    Ok(n)
}

/// The state columns of binned sums (`K` bins, then the window: its top bin and
/// the NaN / infinity flags), one row per group.
pub(super) fn binned_columns<const K: usize>(sums: &[Binned<K>]) -> Vec<Series> {
    let mut bins: Vec<Vec<i64>> = (0..=K).map(|_| Vec::with_capacity(sums.len())).collect();
    for s in sums {
        let (b, w) = s.to_parts();
        for (col, v) in bins.iter_mut().zip(b) {
            col.push(v);
        }
        bins[K].push(w);
    }
    bins.into_iter().map(int_col).collect()
}

/// The `K + 1` state columns of binned sums, as `i64` slices.
pub(super) fn binned_inputs<'a, const K: usize>(
    state: &mut StateCols<'a>,
) -> Result<Vec<Cow<'a, [i64]>>> {
    state.take(K + 1)?.iter().map(|c| i64_values(c)).collect()
}

/// The binned sum of row `row` of [`binned_inputs`].
#[inline(always)]
pub(super) fn binned_at<const K: usize>(cols: &[Cow<'_, [i64]>], row: usize) -> Binned<K> {
    Binned::from_parts(std::array::from_fn(|j| cols[j][row]), cols[K][row])
}

/// The binned sums of the next state columns, one per state row.
pub(super) fn read_binned<const K: usize>(
    state: &mut StateCols<'_>,
    rows: usize,
) -> Result<Vec<Binned<K>>> {
    let cols = binned_inputs::<K>(state)?;
    Ok((0..rows).map(|row| binned_at(&cols, row)).collect())
}

/// The binned sums of the next state columns, merged into their groups.
pub(super) fn merge_binned<const K: usize>(
    state: &mut StateCols<'_>,
    groups: &Groups,
) -> Result<Vec<Series>> {
    let mut acc = vec![Binned::<K>::default(); groups.len()];
    let cols = binned_inputs::<K>(state)?;
    for (row, &g) in groups.ids.iter().enumerate() {
        acc[g as usize].merge(&binned_at(&cols, row));
    }
    Ok(binned_columns(&acc))
}

/// The i128 whose low and high 64 bits are `lo` and `hi`.
#[inline(always)]
pub(super) fn join_i128(lo: i64, hi: i64) -> i128 {
    ((hi as i128) << 64) | (lo as u64 as i128)
}

/// Exact integer sums as two state columns: the low and the high 64 bits.
pub(super) fn wide_sum_columns(sums: &[i128]) -> Vec<Series> {
    let lo: Vec<i64> = sums.iter().map(|&s| s as i64).collect();
    let hi: Vec<i64> = sums.iter().map(|&s| (s >> 64) as i64).collect();
    vec![int_col(lo), int_col(hi)]
}

/// The exact integer sums of the next two state columns (low, high 64 bits).
pub(super) fn read_wide_sums(state: &mut StateCols<'_>) -> Result<Vec<i128>> {
    let cols = state.take(2)?;
    let (lo, hi) = (i64_values(cols[0])?, i64_values(cols[1])?);
    Ok(lo
        .iter()
        .zip(hi.iter())
        .map(|(&lo, &hi)| join_i128(lo, hi))
        .collect())
}

/// The exact integer sums of the next two state columns, merged into groups.
pub(super) fn merge_wide_sums(state: &mut StateCols<'_>, groups: &Groups) -> Result<Vec<Series>> {
    let mut acc = vec![0i128; groups.len()];
    for (v, &g) in read_wide_sums(state)?.into_iter().zip(&groups.ids) {
        let a = &mut acc[g as usize];
        *a = a.wrapping_add(v);
    }
    Ok(wide_sum_columns(&acc))
}

/// The error (or nothing, when sums wrap) for an integer sum outside the i64 range.
pub(super) fn check_overflow(sem: &Semantics) -> Result<()> {
    match sem.integer_overflow {
        IntegerOverflow::Wrap => Ok(()),
        IntegerOverflow::Error => Err(Error::arithmetic(
            "ARITHMETIC_OVERFLOW",
            "integer overflow in SUM; under pandas semantics it would wrap (set integer_overflow = wrap)",
        )),
    }
}

/// 192-bit exact sums as three state columns (their 64-bit words, lowest first).
pub(super) fn sum192_columns(sums: &[Sum192]) -> Vec<Series> {
    let mut words: [Vec<i64>; 3] = std::array::from_fn(|_| Vec::with_capacity(sums.len()));
    for s in sums {
        for (w, v) in words.iter_mut().zip(s.to_parts()) {
            w.push(v);
        }
    }
    words.into_iter().map(int_col).collect()
}

/// The 192-bit sums of the next three state columns, one per state row.
pub(super) fn read_sum192(st: &mut StateCols<'_>) -> Result<Vec<Sum192>> {
    let cols = st
        .take(3)?
        .iter()
        .map(|c| i64_values(c))
        .collect::<Result<Vec<_>>>()?;
    Ok((0..cols[0].len())
        .map(|r| Sum192::from_parts([cols[0][r], cols[1][r], cols[2][r]]))
        .collect())
}
