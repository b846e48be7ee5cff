//! Sorting one partition, and merging sorted partitions.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use partita_common::{Result, SortKey};
use polars_core::chunked_array::ops::row_encode::_get_rows_encoded_ca;
use polars_core::prelude::{BinaryOffsetChunked, DataFrame, IntoColumn};

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
    let encoded = encode_keys(df, keys)?;
    let arr = encoded
        .downcast_iter()
        .next()
        .ok_or_else(|| partita_common::Error::internal("no encoded rows"))?;
    let cmp = |a: &u32, b: &u32| {
        arr.value(*a as usize)
            .cmp(arr.value(*b as usize))
            .then(a.cmp(b))
    };
    let mut rows: Vec<u32> = (0..n as u32).collect();
    match limit {
        Some(0) => rows.clear(),
        Some(k) if k < n => {
            rows.select_nth_unstable_by(k - 1, cmp);
            rows.truncate(k);
            rows.sort_unstable_by(cmp);
        }
        _ => rows.sort_unstable_by(cmp),
    }
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
            heap.push(Reverse((key(s), r, s)));
        }
    }
    let mut order = Vec::with_capacity(total);
    while order.len() < total {
        let Some(Reverse((_, r, row))) = heap.pop() else {
            break;
        };
        order.push(row as u32);
        if row + 1 < runs[r].1 {
            heap.push(Reverse((key(row + 1), r, row + 1)));
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
