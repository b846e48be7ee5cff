//! Sorting one partition, and merging sorted partitions.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use partita_common::{Result, SortKey};
use polars_core::chunked_array::ops::row_encode::_get_rows_encoded_ca;
use polars_core::prelude::{
    BinaryOffsetChunked, DataFrame, DataType as PlDataType, IntoColumn, Series,
};

use crate::frame::{column, pl_err, schema_of, stack, take_rows, take_rows_owned};

/// The keys of every row encoded into bytes that compare as the sort order of
/// `keys` does (direction and null placement per key; NaN above +inf).
fn encode_keys(df: &DataFrame, keys: &[SortKey]) -> Result<BinaryOffsetChunked> {
    let by = keys
        .iter()
        .map(|k| key_column(df, k).map(|s| s.into_owned().into_column()))
        .collect::<Result<Vec<_>>>()?;
    let descending: Vec<bool> = keys.iter().map(|k| k.descending).collect();
    let nulls_last: Vec<bool> = keys.iter().map(|k| k.nulls_last).collect();
    let encoded = _get_rows_encoded_ca("rows".into(), &by, &descending, &nulls_last, false)
        .map_err(pl_err)?;
    Ok(encoded.rechunk().into_owned())
}

/// Sorts `(code, row)` pairs (rows tie-break, so the order is stable) and returns
/// the first `limit` rows. With `runs`, the pairs are sorted runs one after the
/// other (merged partitions): a stable sort by code finds the runs and merges them.
/// A small limit keeps the best pairs in a bounded heap, in one pass.
fn sorted_rows<C: Ord + Copy>(
    pairs: impl Iterator<Item = (C, u32)>,
    n: usize,
    limit: Option<usize>,
    runs: bool,
) -> Vec<u32> {
    if let Some(k) = limit.filter(|&k| k.saturating_mul(16) < n) {
        let mut best = BinaryHeap::with_capacity(k + 1);
        for p in pairs {
            if best.len() < k {
                best.push(p);
            } else if let Some(mut worst) = best.peek_mut() {
                if p < *worst {
                    *worst = p;
                }
            }
        }
        return best.into_sorted_vec().into_iter().map(|(_, r)| r).collect();
    }
    let mut rows: Vec<(C, u32)> = pairs.collect();
    match limit {
        Some(0) => rows.clear(),
        Some(k) if k < n => {
            rows.select_nth_unstable(k - 1);
            rows.truncate(k);
            rows.sort_unstable();
        }
        _ if runs => rows.sort_by_key(|&(c, _)| c),
        _ => rows.sort_unstable(),
    }
    rows.into_iter().map(|(_, r)| r).collect()
}

/// The sorted order of the rows through [`key_codes`]: one key by its codes, two
/// keys by one integer when their codes fit 128 bits together or by pairs, more
/// keys by one integer when all their codes fit 128 bits; `None` otherwise (the
/// caller compares encoded bytes then).
fn code_order(
    df: &DataFrame,
    keys: &[SortKey],
    limit: Option<usize>,
    runs: bool,
) -> Result<Option<Vec<u32>>> {
    let n = df.height();
    Ok(match keys {
        [a] => {
            let (a, _) = key_codes(df, a)?;
            let pairs = a.into_iter().zip(0..n as u32);
            Some(sorted_rows(pairs, n, limit, runs))
        }
        [a, b] => {
            let ((a, a_bits), (b, b_bits)) = (key_codes(df, a)?, key_codes(df, b)?);
            Some(if a_bits + b_bits <= u128::BITS {
                // Both codes in one integer: one comparison per pair.
                let pairs = a
                    .into_iter()
                    .zip(b)
                    .zip(0..n as u32)
                    .map(|((a, b), r)| ((a << b_bits) | b, r));
                sorted_rows(pairs, n, limit, runs)
            } else {
                let pairs = a.into_iter().zip(b).zip(0..n as u32);
                sorted_rows(pairs, n, limit, runs)
            })
        }
        keys => {
            // Narrow keys (q10's six: ranks of 100 to 1e5 values) share one integer,
            // the first key in the highest bits; built key by key.
            let mut code = vec![0u128; n];
            let mut used = 0;
            for key in keys {
                let (c, bits) = key_codes(df, key)?;
                used += bits;
                if used > u128::BITS {
                    return Ok(None);
                }
                for (acc, v) in code.iter_mut().zip(c) {
                    *acc = (*acc << bits) | v;
                }
            }
            Some(sorted_rows(
                code.into_iter().zip(0..n as u32),
                n,
                limit,
                runs,
            ))
        }
    })
}

/// One integer per row that orders as the sort key does, and how many bits the
/// codes use: below the top bit, which places missing values (first or last), the
/// value's rank in the key's order (integers offset by their minimum, floats by
/// their total order with NaN above +inf and -0.0 as 0.0, strings by their rank
/// among the distinct strings), inverted when descending. Narrow codes let two keys
/// share one integer.
fn key_codes(df: &DataFrame, key: &SortKey) -> Result<(Vec<u128>, u32)> {
    let keyed = key_column(df, key)?;
    let view = crate::frame::key_view(&keyed)?;
    let s: &Series = &view;
    let n = s.len();
    // Ascending values below `hi`, `None` for missing.
    let (values, hi): (Vec<Option<u64>>, u64) = match s.dtype() {
        PlDataType::Int64 => {
            let ca = s.i64().map_err(pl_err)?;
            let (min, max) = crate::groups::int_range(ca);
            let hi = (max as u64).wrapping_sub(min as u64);
            let v = ca
                .iter()
                .map(|v| v.map(|v| (v as u64).wrapping_sub(min as u64)));
            (v.collect(), hi)
        }
        PlDataType::Float64 => {
            let v = s.f64().map_err(pl_err)?.iter().map(|v| v.map(float_order));
            (v.collect(), u64::MAX)
        }
        PlDataType::Boolean => {
            let v = s.bool().map_err(pl_err)?.iter().map(|v| v.map(u64::from));
            (v.collect(), 1)
        }
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
            let v = groups
                .ids
                .iter()
                .zip(valid.iter())
                .map(|(&g, ok)| ok.unwrap_or(false).then(|| rank[g as usize]));
            (v.collect(), distinct.len().saturating_sub(1) as u64)
        }
        PlDataType::Null => (vec![None; n], 0),
        other => {
            return Err(partita_common::Error::NotImplemented(format!(
                "sorting by {other}"
            )))
        }
    };
    let width = u64::BITS - hi.leading_zeros();
    let null_flag: u128 = if key.nulls_last { 1 } else { 0 };
    let value_flag: u128 = (1 - null_flag) << width;
    let codes = values
        .into_iter()
        .map(|v| match v {
            Some(c) => value_flag | (if key.descending { hi - c } else { c }) as u128,
            None => null_flag << width,
        })
        .collect();
    Ok((codes, width + 1))
}

/// A float as an integer in its sort order: the total order with NaN above +inf
/// and -0.0 equal to 0.0.
fn float_order(v: f64) -> u64 {
    let bits = crate::groups::canonical_bits(v);
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// The column a key sorts by: the column itself, or for a key in the order of
/// its categories ([`SortKey::categories`]) each value's position among them.
fn key_column<'a>(df: &'a DataFrame, key: &SortKey) -> Result<std::borrow::Cow<'a, Series>> {
    let s = column(df, &key.column)?;
    Ok(match key.categories {
        None => std::borrow::Cow::Borrowed(s),
        Some(categories) => {
            std::borrow::Cow::Owned(crate::categorical::category_positions(s, categories)?)
        }
    })
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
    take_rows(df, &sort_order(df, keys, limit)?)
}

/// The rows of `df` in the order of a stable sort by `keys` (the first `limit` of
/// them when given): what [`sort`] gathers.
pub fn sort_order(df: &DataFrame, keys: &[SortKey], limit: Option<usize>) -> Result<Vec<u32>> {
    let n = df.height();
    if n <= 1 || keys.is_empty() {
        let n = limit.map_or(n, |k| k.min(n));
        return Ok((0..n as u32).collect());
    }
    if let Some(rows) = code_order(df, keys, limit, false)? {
        return Ok(rows);
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
    Ok(rows.into_iter().map(|(_, r)| r).collect())
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
    merge_sorted_with(parts, keys, limit, 1, |n, merge| {
        (0..n).map(merge).collect()
    })
}

/// The fewest rows a piece of a ranged merge ([`merge_sorted_with`]) is cut to.
const MIN_PIECE_ROWS: usize = 1 << 16;

/// As [`merge_sorted`], cut into up to `pieces` ranges of the sort order that
/// merge independently: `map(n, merge)` runs `merge(0)`..`merge(n - 1)` (the
/// execution layer runs them in parallel; kernels run no threads of their own)
/// and returns the merged pieces in order, which are then stacked as chunks.
///
/// The ranges are cut at rows of the longest partition, at even steps; every other
/// partition is cut where that row's key falls in it (a binary search, ties by
/// partition order, so the pieces together are the stable order). A merge with a
/// `limit` (a top-k) or of fewer than `2 * MIN_PIECE_ROWS` rows is one piece.
pub fn merge_sorted_with<M>(
    parts: Vec<DataFrame>,
    keys: &[SortKey],
    limit: Option<usize>,
    pieces: usize,
    map: M,
) -> Result<DataFrame>
where
    M: FnOnce(usize, &(dyn Fn(usize) -> Result<DataFrame> + Sync)) -> Result<Vec<DataFrame>>,
{
    let Some(first) = parts.first() else {
        return Err(partita_common::Error::internal("merge of no partitions"));
    };
    let schema = schema_of(first)?;
    let total: usize = parts.iter().map(|p| p.height()).sum();
    let runs = parts.iter().filter(|p| p.height() > 0).count();
    let pieces = if limit.is_some() || keys.is_empty() || runs <= 1 {
        1
    } else {
        pieces.min(total / MIN_PIECE_ROWS).max(1)
    };
    if pieces == 1 {
        return merge_runs(parts, keys, limit, &schema);
    }
    let cuts = piece_cuts(&parts, keys, pieces)?;
    let merged = map(pieces, &|k| {
        let slices = parts
            .iter()
            .zip(&cuts)
            .map(|(p, c)| p.slice(c[k] as i64, c[k + 1] - c[k]))
            .collect();
        merge_runs(slices, keys, None, &schema)
    })?;
    stack(merged, &schema)
}

/// Where each partition is cut for `pieces` ranges of the merged order:
/// `cuts[j][k]` is the first row of partition `j` in piece `k` (`cuts[j][0]` is 0,
/// `cuts[j][pieces]` its height). Piece boundaries are rows of the longest
/// partition `l`; a row of partition `j` precedes the boundary row `b` of `l` when
/// its key sorts before `b`'s, or ties with it and `j < l` (stable order).
fn piece_cuts(parts: &[DataFrame], keys: &[SortKey], pieces: usize) -> Result<Vec<Vec<usize>>> {
    let l = (0..parts.len())
        .max_by_key(|&j| (parts[j].height(), std::cmp::Reverse(j)))
        .unwrap_or(0);
    let n = parts[l].height();
    let mut cuts = vec![vec![0usize]; parts.len()];
    for k in 1..pieces {
        let b = n * k / pieces;
        let boundary = row_key(&parts[l], keys, b)?;
        for (j, part) in parts.iter().enumerate() {
            let lo = *cuts[j].last().expect("starts with 0");
            let cut = if j == l {
                b
            } else {
                // The first row at or after `lo` that does not precede the boundary.
                let (mut lo, mut hi) = (lo, part.height());
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    let o = compare_row_keys(&row_key(part, keys, mid)?, &boundary, keys);
                    if o.is_lt() || (o.is_eq() && j < l) {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                lo
            };
            cuts[j].push(cut);
        }
    }
    for (c, part) in cuts.iter_mut().zip(parts) {
        c.push(part.height());
    }
    Ok(cuts)
}

/// One key value of one row, as [`key_codes`] orders it (before direction and
/// null placement): integers, floats by [`float_order`], booleans, strings by
/// their bytes.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum KeyValue {
    Int(i64),
    Float(u64),
    Bool(bool),
    Str(Vec<u8>),
}

/// The sort key of row `row`, one value per key (`None` for a missing value).
fn row_key(df: &DataFrame, keys: &[SortKey], row: usize) -> Result<Vec<Option<KeyValue>>> {
    let one = df.slice(row as i64, 1);
    keys.iter()
        .map(|key| {
            let keyed = key_column(&one, key)?;
            let view = crate::frame::key_view(&keyed)?;
            let s: &Series = &view;
            Ok(match s.dtype() {
                PlDataType::Int64 => s.i64().map_err(pl_err)?.get(0).map(KeyValue::Int),
                PlDataType::Float64 => s
                    .f64()
                    .map_err(pl_err)?
                    .get(0)
                    .map(|v| KeyValue::Float(float_order(v))),
                PlDataType::Boolean => s.bool().map_err(pl_err)?.get(0).map(KeyValue::Bool),
                PlDataType::String => s
                    .str()
                    .map_err(pl_err)?
                    .get(0)
                    .map(|v| KeyValue::Str(v.as_bytes().to_vec())),
                PlDataType::Null => None,
                other => {
                    return Err(partita_common::Error::NotImplemented(format!(
                        "sorting by {other}"
                    )))
                }
            })
        })
        .collect()
}

/// Compares two rows' keys ([`row_key`]) in the sort order: per key, missing
/// values first or last, then the values, reversed when descending.
fn compare_row_keys(
    a: &[Option<KeyValue>],
    b: &[Option<KeyValue>],
    keys: &[SortKey],
) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    for ((x, y), key) in a.iter().zip(b).zip(keys) {
        let o = match (x, y) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) if key.nulls_last => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) if key.nulls_last => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) if key.descending => y.cmp(x),
            (Some(x), Some(y)) => x.cmp(y),
        };
        if o.is_ne() {
            return o;
        }
    }
    Ordering::Equal
}

/// The serial k-way merge of [`merge_sorted`], gathering on the calling thread.
fn merge_runs(
    parts: Vec<DataFrame>,
    keys: &[SortKey],
    limit: Option<usize>,
    schema: &partita_common::Schema,
) -> Result<DataFrame> {
    let lens: Vec<usize> = parts.iter().map(|p| p.height()).collect();
    // Chunks, not one copy: the rows are gathered once, from the partitions' arrays.
    let mut all = stack(parts, schema)?;
    if keys.is_empty() || lens.iter().filter(|&&l| l > 0).count() <= 1 {
        all.rechunk_mut();
        return Ok(match limit {
            Some(k) => all.head(Some(k)),
            None => all,
        });
    }
    // Codes are global (string ranks over all partitions), so they order the runs
    // against each other too.
    if let Some(rows) = code_order(&all, keys, limit, true)? {
        return take_rows_owned(all, &rows);
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
    drop(encoded);
    take_rows_owned(all, &order)
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

#[cfg(test)]
mod tests {
    use super::*;
    use polars_core::prelude::{IntoColumn, NamedFrom, Series};

    fn key(column: &str, descending: bool, nulls_last: bool) -> SortKey {
        SortKey {
            column: column.into(),
            descending,
            nulls_last,
            categories: None,
        }
    }

    fn frame() -> DataFrame {
        let a: Vec<Option<i64>> = (0..200i64)
            .map(|i| (i % 11 != 0).then_some((i * 37) % 13 - 6))
            .collect();
        let b: Vec<Option<f64>> = (0..200)
            .map(|i| match i % 9 {
                0 => None,
                1 => Some(f64::NAN),
                _ => Some(((i * 53) % 17) as f64 - 8.5),
            })
            .collect();
        let c: Vec<Option<&str>> = (0..200)
            .map(|i| ["x", "b", "", "yy"].get(i % 5).copied())
            .collect();
        let row: Vec<i64> = (0..200).collect();
        DataFrame::new(
            200,
            vec![
                Series::new("a".into(), a).into_column(),
                Series::new("b".into(), b).into_column(),
                Series::new("c".into(), c).into_column(),
                Series::new("row".into(), row).into_column(),
            ],
        )
        .unwrap()
    }

    /// The expected order: a stable sort comparing values with `scalar::cmp_f64`-like
    /// rules (NaN above every number), done on the encoded bytes.
    fn reference(df: &DataFrame, keys: &[SortKey]) -> Vec<i64> {
        let encoded = encode_keys(df, keys).unwrap();
        let arr = encoded.downcast_iter().next().unwrap();
        let mut rows: Vec<usize> = (0..df.height()).collect();
        rows.sort_by(|&x, &y| arr.value(x).cmp(arr.value(y)));
        rows.into_iter().map(|r| r as i64).collect()
    }

    fn rows_of(df: &DataFrame) -> Vec<i64> {
        let s = column(df, "row").unwrap();
        s.i64().unwrap().into_no_null_iter().collect()
    }

    /// Four sorted partitions of `df` merged give the rows `want`: the runs'
    /// codes are compared globally.
    fn assert_merged_runs_sort_as(df: &DataFrame, keys: &[SortKey], want: &[i64]) {
        let parts: Vec<DataFrame> = (0..4)
            .map(|p| sort(&df.slice(p * 50, 50), keys, None).unwrap())
            .collect();
        assert_eq!(
            rows_of(&merge_sorted(parts, keys, None).unwrap()),
            want,
            "{keys:?}"
        );
    }

    #[test]
    fn codes_of_three_keys_in_one_integer_sort_as_the_encoded_keys_do() {
        let df = frame();
        for (x, y, z) in [("a", "b", "c"), ("c", "a", "b"), ("b", "c", "a")] {
            for flags in 0..64 {
                let keys = [
                    key(x, flags & 1 != 0, flags & 2 != 0),
                    key(y, flags & 4 != 0, flags & 8 != 0),
                    key(z, flags & 16 != 0, flags & 32 != 0),
                ];
                let want = reference(&df, &keys);
                assert_eq!(rows_of(&sort(&df, &keys, None).unwrap()), want, "{keys:?}");
                assert_merged_runs_sort_as(&df, &keys, &want);
            }
        }
    }

    #[test]
    fn codes_sort_as_the_encoded_keys_do() {
        let df = frame();
        for (x, y) in [("a", "b"), ("c", "a"), ("b", "c"), ("c", "b")] {
            for flags in 0..16 {
                let keys = [
                    key(x, flags & 1 != 0, flags & 2 != 0),
                    key(y, flags & 4 != 0, flags & 8 != 0),
                ];
                let want = reference(&df, &keys);
                assert_eq!(rows_of(&sort(&df, &keys, None).unwrap()), want, "{keys:?}");
                assert_eq!(
                    rows_of(&sort(&df, &keys[..1], None).unwrap()),
                    reference(&df, &keys[..1])
                );
                assert_eq!(
                    rows_of(&sort(&df, &keys, Some(17)).unwrap()),
                    want[..17].to_vec()
                );
                assert_merged_runs_sort_as(&df, &keys, &want);
            }
        }
    }

    /// A merge cut into ranges gives the stable order a single merge gives:
    /// keys with many ties across the runs (cuts must keep run order), missing
    /// values and NaN, every direction and null placement, runs of uneven length.
    #[test]
    fn a_merge_cut_into_ranges_is_the_single_merge() {
        let n = 5 * MIN_PIECE_ROWS;
        let a: Vec<Option<i64>> = (0..n as i64)
            .map(|i| (i % 97 != 0).then_some((i * 7919) % 23))
            .collect();
        let b: Vec<Option<f64>> = (0..n)
            .map(|i| match i % 31 {
                0 => None,
                1 => Some(f64::NAN),
                2 => Some(-0.0),
                3 => Some(0.0),
                _ => Some(((i * 104_729) % 41) as f64 - 20.0),
            })
            .collect();
        let c: Vec<Option<String>> = (0..n)
            .map(|i| (i % 53 != 0).then(|| format!("k{}", (i * 31) % 7)))
            .collect();
        let row: Vec<i64> = (0..n as i64).collect();
        let df = DataFrame::new(
            n,
            vec![
                Series::new("a".into(), a).into_column(),
                Series::new("b".into(), b).into_column(),
                Series::new("c".into(), c).into_column(),
                Series::new("row".into(), row).into_column(),
            ],
        )
        .unwrap();
        // The longest run is the third: runs before it and after it are cut.
        let bounds = [0, n / 4, n / 4 + 10, 3 * n / 4, n];
        for flags in 0..8 {
            let keys = [
                key("c", flags & 1 != 0, flags & 2 != 0),
                key("a", flags & 4 != 0, true),
                key("b", false, flags & 1 == 0),
            ];
            for keys in [&keys[..1], &keys[..2], &keys[1..], &keys[..]] {
                let parts: Vec<DataFrame> = bounds
                    .windows(2)
                    .map(|w| sort(&df.slice(w[0] as i64, w[1] - w[0]), keys, None).unwrap())
                    .collect();
                let single = merge_sorted(parts.clone(), keys, None).unwrap();
                let mut calls = 0;
                let ranged = merge_sorted_with(parts, keys, None, 7, |k, merge| {
                    calls = k;
                    (0..k).map(merge).collect()
                })
                .unwrap();
                assert_eq!(calls, 5, "the pieces are capped by MIN_PIECE_ROWS");
                assert_eq!(rows_of(&ranged), rows_of(&single), "{keys:?}");
            }
        }
    }
}
