//! Sorting one partition, and merging sorted partitions.

use partita_common::{Result, SortKey};
use polars_core::prelude::{DataFrame, SortMultipleOptions};

use crate::frame::{concat, pl_err, schema_of};

/// A stable sort by `keys` (direction and null placement per key; NaN sorts above
/// +inf), keeping only the first `limit` rows when given (top-k).
pub fn sort(df: &DataFrame, keys: &[SortKey], limit: Option<usize>) -> Result<DataFrame> {
    if df.height() <= 1 {
        return Ok(match limit {
            Some(n) => df.head(Some(n)),
            None => df.clone(),
        });
    }
    let options = SortMultipleOptions {
        descending: keys.iter().map(|k| k.descending).collect(),
        nulls_last: keys.iter().map(|k| k.nulls_last).collect(),
        multithreaded: false,
        maintain_order: true,
        // polars' top-k path does not keep ties in input order, so the limit is
        // applied after a full stable sort (a stable top-k is issue 5's work).
        limit: None,
    };
    let out = df
        .sort(keys.iter().map(|k| k.column.as_str()), options)
        .map_err(pl_err)?;
    Ok(match limit {
        Some(n) if out.height() > n => out.head(Some(n)),
        _ => out,
    })
}

/// Merges partitions that are each sorted by `keys` into one sorted partition. Ties
/// keep partition order, so the result equals a stable sort of all rows.
pub fn merge_sorted(
    parts: Vec<DataFrame>,
    keys: &[SortKey],
    limit: Option<usize>,
) -> Result<DataFrame> {
    let Some(first) = parts.first() else {
        return Err(partita_common::Error::internal("merge of no partitions"));
    };
    let schema = schema_of(first)?;
    let all = concat(parts, &schema)?;
    sort(&all, keys, limit)
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
    crate::frame::take_rows(&sorted, &keep)
}
