//! Sorting one partition, and merging sorted partitions.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use partita_common::{Result, SortKey};
use polars_core::chunked_array::ops::row_encode::_get_rows_encoded_ca;
use polars_core::prelude::{BinaryOffsetChunked, DataFrame, DataType as PlDataType, IntoColumn};

use crate::frame::{column, concat, pl_err, schema_of, take_rows};

/// The keys of every row encoded into bytes that compare as the sort order of
/// `keys` does (direction and null placement per key; NaN above +inf).
fn encode_keys(df: &DataFrame, keys: &[SortKey]) -> Result<BinaryOffsetChunked> {
    let by = keys
        .iter()
        .map(|k| column(df, &k.column).map(|s| s.clone().into_column()))
        .collect::<Result<Vec<_>>>()?;
    let descending: Vec<bool> = keys.iter().map(|k| k.descending).collect();
    let nulls_last: Vec<bool> = keys.iter().map(|k| k.nulls_last).collect();
    let encoded = _get_rows_encoded_ca("rows".into(), &by, &descending, &nulls_last, false)
        .map_err(pl_err)?;
    Ok(encoded.rechunk().into_owned())
}

/// Sorts `(code, row)` pairs (rows tie-break, so the order is stable) and returns
/// the first `limit` rows.
fn sorted_rows<C: Ord + Copy>(mut rows: Vec<(C, u32)>, limit: Option<usize>) -> Vec<u32> {
    let n = rows.len();
    match limit {
        Some(0) => rows.clear(),
        Some(k) if k < n => {
            rows.select_nth_unstable(k - 1);
            rows.truncate(k);
            rows.sort_unstable();
        }
        _ => rows.sort_unstable(),
    }
    rows.into_iter().map(|(_, r)| r).collect()
}

/// One integer per row that orders as the sort key does: the high half places
/// missing values (first or last), the low half orders the values (integers with
/// the sign bit flipped, floats by their total order with NaN above +inf and -0.0
/// as 0.0, strings by their rank among the distinct strings), inverted when
/// descending.
fn key_codes(df: &DataFrame, key: &SortKey) -> Result<Vec<u128>> {
    let s = column(df, &key.column)?;
    let n = s.len();
    let null_flag: u128 = if key.nulls_last { 1 } else { 0 };
    let value_flag: u128 = 1 - null_flag;
    let code = |v: Option<u64>| -> u128 {
        match v {
            Some(c) => (value_flag << 64) | (if key.descending { !c } else { c }) as u128,
            None => null_flag << 64,
        }
    };
    let out: Vec<u128> = match s.dtype() {
        PlDataType::Int64 => s
            .i64()
            .map_err(pl_err)?
            .iter()
            .map(|v| code(v.map(|v| (v as u64) ^ (1 << 63))))
            .collect(),
        PlDataType::Float64 => s
            .f64()
            .map_err(pl_err)?
            .iter()
            .map(|v| {
                code(v.map(|v| {
                    let bits = crate::groups::canonical_bits(v);
                    if bits >> 63 == 1 {
                        !bits
                    } else {
                        bits | (1 << 63)
                    }
                }))
            })
            .collect(),
        PlDataType::Boolean => s
            .bool()
            .map_err(pl_err)?
            .iter()
            .map(|v| code(v.map(u64::from)))
            .collect(),
        PlDataType::String => {
            let ca = s.str().map_err(pl_err)?;
            let groups = crate::groups::group_rows(std::slice::from_ref(s), n)?;
            let mut distinct: Vec<(Option<&str>, u32)> = groups
                .first
                .iter()
                .enumerate()
                .map(|(g, &row)| (ca.get(row as usize), g as u32))
                .collect();
            distinct.sort_unstable_by(|a, b| a.0.map(str::as_bytes).cmp(&b.0.map(str::as_bytes)));
            let mut rank = vec![0u64; distinct.len()];
            for (r, (_, g)) in distinct.iter().enumerate() {
                rank[*g as usize] = r as u64;
            }
            let valid = s.is_not_null();
            groups
                .ids
                .iter()
                .zip(valid.iter())
                .map(|(&g, ok)| code(ok.unwrap_or(false).then(|| rank[g as usize])))
                .collect()
        }
        PlDataType::Null => vec![code(None); n],
        other => {
            return Err(partita_common::Error::NotImplemented(format!(
                "sorting by {other}"
            )))
        }
    };
    Ok(out)
}

/// The first 8 bytes of an encoded key as a big-endian integer (zero-padded), so
/// that comparing prefixes orders as comparing the bytes does, up to ties.
#[inline]
fn prefix(key: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = key.len().min(8);
    b[..n].copy_from_slice(&key[..n]);
    u64::from_be_bytes(b)
}

/// A stable sort by `keys` (direction and null placement per key; NaN sorts above
/// +inf), keeping only the first `limit` rows when given (top-k).
///
/// The keys are encoded into comparable bytes; row numbers are sorted by them
/// (ties by row number, which makes the sort stable), with a limit by a selection
/// of the first `limit` rows first, and the columns are gathered once.
pub fn sort(df: &DataFrame, keys: &[SortKey], limit: Option<usize>) -> Result<DataFrame> {
    let n = df.height();
    if n <= 1 || keys.is_empty() {
        return Ok(match limit {
            Some(k) => df.head(Some(k)),
            None => df.clone(),
        });
    }
    match keys {
        [a] => {
            let a = key_codes(df, a)?;
            let rows = sorted_rows((0..n).map(|r| (a[r], r as u32)).collect(), limit);
            return take_rows(df, &rows);
        }
        [a, b] => {
            let (a, b) = (key_codes(df, a)?, key_codes(df, b)?);
            let rows = sorted_rows((0..n).map(|r| ((a[r], b[r]), r as u32)).collect(), limit);
            return take_rows(df, &rows);
        }
        _ => {}
    }
    let encoded = encode_keys(df, keys)?;
    let arr = encoded
        .downcast_iter()
        .next()
        .ok_or_else(|| partita_common::Error::internal("no encoded rows"))?;
    // (first 8 bytes of the key, row): most comparisons are one integer compare;
    // equal prefixes fall back to the whole key, then to the row (stability).
    let cmp = |a: &(u64, u32), b: &(u64, u32)| {
        a.0.cmp(&b.0)
            .then_with(|| arr.value(a.1 as usize).cmp(arr.value(b.1 as usize)))
            .then(a.1.cmp(&b.1))
    };
    let mut rows: Vec<(u64, u32)> = (0..n).map(|r| (prefix(arr.value(r)), r as u32)).collect();
    match limit {
        Some(0) => rows.clear(),
        Some(k) if k < n => {
            rows.select_nth_unstable_by(k - 1, cmp);
            rows.truncate(k);
            rows.sort_unstable_by(cmp);
        }
        _ => rows.sort_unstable_by(cmp),
    }
    let rows: Vec<u32> = rows.into_iter().map(|(_, r)| r).collect();
    take_rows(df, &rows)
}

/// Merges partitions that are each sorted by `keys` into one sorted partition. Ties
/// keep partition order, so the result equals a stable sort of all rows.
///
/// A k-way merge: the keys of every row are encoded into bytes that compare as
/// the sort order does, a heap picks the next row among the runs' heads, and the
/// rows are gathered once (only the first `limit` when given).
pub fn merge_sorted(
    parts: Vec<DataFrame>,
    keys: &[SortKey],
    limit: Option<usize>,
) -> Result<DataFrame> {
    let Some(first) = parts.first() else {
        return Err(partita_common::Error::internal("merge of no partitions"));
    };
    let schema = schema_of(first)?;
    let lens: Vec<usize> = parts.iter().map(|p| p.height()).collect();
    let all = concat(parts, &schema)?;
    if keys.is_empty() || lens.iter().filter(|&&l| l > 0).count() <= 1 {
        return Ok(match limit {
            Some(k) => all.head(Some(k)),
            None => all,
        });
    }
    let encoded = encode_keys(&all, keys)?;
    let arr = encoded
        .downcast_iter()
        .next()
        .ok_or_else(|| partita_common::Error::internal("no encoded rows"))?;
    let key = |row: usize| arr.value(row);
    // Runs as [start, end) ranges of `all`; the heap holds each run's next row.
    let mut runs = vec![];
    let mut start = 0;
    for l in lens {
        runs.push((start, start + l));
        start += l;
    }
    let total = limit.unwrap_or(usize::MAX).min(all.height());
    let mut heap = BinaryHeap::with_capacity(runs.len());
    for (r, &(s, e)) in runs.iter().enumerate() {
        if s < e {
            heap.push(Reverse((prefix(key(s)), key(s), r, s)));
        }
    }
    let mut order = Vec::with_capacity(total);
    while order.len() < total {
        let Some(Reverse((_, _, r, row))) = heap.pop() else {
            break;
        };
        order.push(row as u32);
        if row + 1 < runs[r].1 {
            heap.push(Reverse((prefix(key(row + 1)), key(row + 1), r, row + 1)));
        }
    }
    take_rows(&all, &order)
}

/// Keeps, for each group of equal `keys`, its first `k` rows in the order `order`
/// gives (stable): with `v3` descending, the `k` largest values of each group. The
/// rows come out in that order.
pub fn top_k_per_group(
    df: &DataFrame,
    keys: &[String],
    order: &[SortKey],
    k: usize,
) -> Result<DataFrame> {
    let sorted = sort(df, order, None)?;
    let key_cols = keys
        .iter()
        .map(|c| crate::frame::column(&sorted, c).cloned())
        .collect::<Result<Vec<_>>>()?;
    let groups = crate::aggregate::group_rows(&key_cols, sorted.height())?;
    let mut taken = vec![0usize; groups.len()];
    let mut keep = Vec::with_capacity(groups.len().saturating_mul(k).min(sorted.height()));
    for (row, &g) in groups.ids.iter().enumerate() {
        let t = &mut taken[g as usize];
        if *t < k {
            *t += 1;
            keep.push(row as u32);
        }
    }
    take_rows(&sorted, &keep)
}
