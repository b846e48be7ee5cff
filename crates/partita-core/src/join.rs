//! Hash join of two partitions.
//!
//! [`matching_pairs`] finds the pairs of rows whose keys are equal: the key columns
//! of both sides are grouped together by the group-id kernel ([`group_rows`]), so
//! keys compare exactly as grouping compares them (every type, several keys,
//! -0.0 equal to 0.0, NaN equal to NaN); the right rows of each group are listed,
//! and every left row looks up its group. [`join_rows`] then turns the pairs that
//! passed any further condition into the rows of the join, and [`gather`] builds
//! them. Rows come out in the probe side's order, each row's matches in the other
//! side's order: a left join keeps the left order, as pandas' `merge` does.

use partita_common::{Error, Result};
use polars_core::prelude::{DataFrame, IdxCa, IdxSize, Series};

use crate::frame::{frame_with_height, pl_err};
use crate::groups::group_rows;

/// How the rows of a join are made from the matching pairs (the kernel's own copy
/// of the plan's join types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// Matching pairs.
    Inner,
    /// Every left row, with missing right values when it has no match.
    Left,
    /// Every row of both sides at least once.
    Full,
    /// The left rows with a match.
    LeftSemi,
    /// The left rows without a match.
    LeftAnti,
}

/// The rows of a join: for every output row, the left row and the right row it
/// takes its values from (`None`: missing values).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JoinRows {
    /// The left row of each output row.
    pub left: Vec<Option<IdxSize>>,
    /// The right row of each output row (empty for a semi or anti join).
    pub right: Vec<Option<IdxSize>>,
}

/// The pairs `(left row, right row)` whose keys are equal, in left row order and,
/// for one left row, in right row order. `null_equal[i]` says whether a missing
/// value of key `i` matches a missing value; where it does not, a row with a
/// missing key matches nothing. Both sides' key `i` must have one type.
pub fn matching_pairs(
    left_keys: &[Series],
    right_keys: &[Series],
    null_equal: &[bool],
) -> Result<(Vec<IdxSize>, Vec<IdxSize>)> {
    let (left, right, _) = matches(left_keys, right_keys, null_equal, true)?;
    Ok((left, right))
}

/// Whether each left row has a matching right row (a semi or anti join without a
/// further condition): no pair is listed.
pub fn has_match(
    left_keys: &[Series],
    right_keys: &[Series],
    null_equal: &[bool],
) -> Result<Vec<bool>> {
    Ok(matches(left_keys, right_keys, null_equal, false)?.2)
}

/// The matching pairs (when `pairs`), and whether each left row has a match.
fn matches(
    left_keys: &[Series],
    right_keys: &[Series],
    null_equal: &[bool],
    pairs: bool,
) -> Result<(Vec<IdxSize>, Vec<IdxSize>, Vec<bool>)> {
    if left_keys.len() != right_keys.len() || left_keys.len() != null_equal.len() {
        return Err(Error::internal("join keys of unequal counts"));
    }
    let nl = left_keys.first().map_or(0, |s| s.len());
    let nr = right_keys.first().map_or(0, |s| s.len());
    let mut both = Vec::with_capacity(left_keys.len());
    for (l, r) in left_keys.iter().zip(right_keys) {
        if l.dtype() != r.dtype() {
            return Err(Error::internal(format!(
                "join keys of types {} and {}",
                l.dtype(),
                r.dtype()
            )));
        }
        let mut k = l.clone();
        k.append(r).map_err(pl_err)?;
        both.push(k);
    }
    let groups = group_rows(&both, nl + nr)?;
    // Rows whose key is missing where missing keys never match.
    let mut blocked = vec![false; nl + nr];
    for (k, &eq) in both.iter().zip(null_equal) {
        if !eq && k.null_count() > 0 {
            for (b, valid) in blocked.iter_mut().zip(k.is_not_null().iter()) {
                *b |= valid != Some(true);
            }
        }
    }
    // The right rows of every group, in row order (offsets into `rows`).
    let mut start = vec![0usize; groups.len() + 1];
    for (&b, &g) in blocked[nl..].iter().zip(&groups.ids[nl..]) {
        if !b {
            start[g as usize + 1] += 1;
        }
    }
    for g in 0..groups.len() {
        start[g + 1] += start[g];
    }
    let mut next = start.clone();
    let mut rows = vec![0 as IdxSize; start[groups.len()]];
    let right_rows = blocked[nl..].iter().zip(&groups.ids[nl..]).enumerate();
    for (r, (_, &g)) in right_rows.filter(|(_, (b, _))| !**b) {
        let g = g as usize;
        rows[next[g]] = r as IdxSize;
        next[g] += 1;
    }
    let (mut left, mut right) = (vec![], vec![]);
    let mut matched = vec![false; if pairs { 0 } else { nl }];
    let left_rows = blocked[..nl].iter().zip(&groups.ids[..nl]).enumerate();
    for (l, (_, &g)) in left_rows.filter(|(_, (b, _))| !**b) {
        let g = g as usize;
        if !pairs {
            matched[l] = start[g + 1] > start[g];
            continue;
        }
        for &r in &rows[start[g]..start[g + 1]] {
            left.push(l as IdxSize);
            right.push(r);
        }
    }
    Ok((left, right, matched))
}

/// Every pair of a left row and a right row, in left row order (a cross join).
pub fn all_pairs(nl: usize, nr: usize) -> (Vec<IdxSize>, Vec<IdxSize>) {
    let left = (0..nl)
        .flat_map(|l| std::iter::repeat_n(l as IdxSize, nr))
        .collect();
    let right = (0..nl).flat_map(|_| 0..nr as IdxSize).collect();
    (left, right)
}

/// The rows of a join of `nl` left and `nr` right rows from its matching pairs
/// (in left order) and, when the join has a further condition, whether each pair
/// meets it. A full join lists its unmatched right rows after the rest, in right
/// order. (A right join is a left join with the sides swapped, so that its rows
/// follow the right side's order.)
pub fn join_rows(
    pairs: (Vec<IdxSize>, Vec<IdxSize>),
    keep: Option<&[bool]>,
    nl: usize,
    nr: usize,
    kind: JoinKind,
) -> JoinRows {
    let (pl, pr) = pairs;
    let kept = |i: usize| keep.is_none_or(|k| k[i]);
    let mut out = JoinRows::default();
    let mut left_matched = vec![false; nl];
    let mut right_matched = vec![false; nr];
    for i in 0..pl.len() {
        if kept(i) {
            left_matched[pl[i] as usize] = true;
            right_matched[pr[i] as usize] = true;
        }
    }
    match kind {
        JoinKind::LeftSemi | JoinKind::LeftAnti => {
            let want = kind == JoinKind::LeftSemi;
            out.left = (0..nl)
                .filter(|&l| left_matched[l] == want)
                .map(|l| Some(l as IdxSize))
                .collect();
            return out;
        }
        JoinKind::Inner => {
            for i in (0..pl.len()).filter(|&i| kept(i)) {
                out.left.push(Some(pl[i]));
                out.right.push(Some(pr[i]));
            }
        }
        JoinKind::Left | JoinKind::Full => {
            // Pairs are in left order: each left row's kept pairs, or the row alone.
            let mut i = 0;
            for l in 0..nl as IdxSize {
                let mut any = false;
                while i < pl.len() && pl[i] == l {
                    if kept(i) {
                        out.left.push(Some(l));
                        out.right.push(Some(pr[i]));
                        any = true;
                    }
                    i += 1;
                }
                if !any {
                    out.left.push(Some(l));
                    out.right.push(None);
                }
            }
        }
    }
    if kind == JoinKind::Full {
        for r in (0..nr).filter(|&r| !right_matched[r]) {
            out.left.push(None);
            out.right.push(Some(r as IdxSize));
        }
    }
    out
}

/// The output frame of a join: the left columns taken at `rows.left`, then (unless
/// the join is a semi or anti join) the right columns taken at `rows.right`.
pub fn gather(
    left: &DataFrame,
    right: &DataFrame,
    rows: &JoinRows,
    with_right: bool,
) -> Result<DataFrame> {
    let take = |df: &DataFrame, idx: &[Option<IdxSize>]| -> Result<Vec<Series>> {
        let columns = df.columns().iter().map(|c| c.as_materialized_series());
        // Every row once, in order (a left join whose rows match at most once):
        // the columns as they are.
        let identity = idx.len() == df.height()
            && idx
                .iter()
                .enumerate()
                .all(|(i, r)| *r == Some(i as IdxSize));
        if identity {
            return Ok(columns.cloned().collect());
        }
        // Without missing rows the index has no validity, which gathers faster.
        let idx: IdxCa = match idx.iter().copied().collect::<Option<Vec<IdxSize>>>() {
            Some(rows) => IdxCa::from_vec("".into(), rows),
            None => idx.iter().copied().collect(),
        };
        columns.map(|s| s.take(&idx).map_err(pl_err)).collect()
    };
    let mut cols = take(left, &rows.left)?;
    if with_right {
        cols.extend(take(right, &rows.right)?);
    }
    frame_with_height(rows.left.len(), cols)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars_core::prelude::NamedFrom;

    fn keys(v: &[Option<i64>]) -> Vec<Series> {
        vec![Series::new("k".into(), v)]
    }

    #[test]
    fn pairs_follow_the_left_order_and_missing_keys_match_only_when_asked() {
        let l = keys(&[Some(1), None, Some(2), Some(1)]);
        let r = keys(&[Some(1), Some(3), None, Some(1)]);
        let (a, b) = matching_pairs(&l, &r, &[false]).unwrap();
        assert_eq!((a, b), (vec![0, 0, 3, 3], vec![0, 3, 0, 3]));
        let (a, b) = matching_pairs(&l, &r, &[true]).unwrap();
        assert_eq!((a, b), (vec![0, 0, 1, 3, 3], vec![0, 3, 2, 0, 3]));
    }

    #[test]
    fn outer_rows_come_once_and_semi_anti_split_the_left_rows() {
        let l = keys(&[Some(1), Some(2), None]);
        let r = keys(&[Some(2), Some(2), Some(5)]);
        let pairs = matching_pairs(&l, &r, &[false]).unwrap();
        let left = join_rows(pairs.clone(), None, 3, 3, JoinKind::Left);
        assert_eq!(left.left, vec![Some(0), Some(1), Some(1), Some(2)]);
        assert_eq!(left.right, vec![None, Some(0), Some(1), None]);
        let full = join_rows(pairs.clone(), None, 3, 3, JoinKind::Full);
        assert_eq!(full.left.len(), 5);
        assert_eq!(full.right[4], Some(2));
        // A condition that rejects the first pair: right row 0 is unmatched now.
        let full = join_rows(pairs.clone(), Some(&[false, true]), 3, 3, JoinKind::Full);
        assert_eq!(full.left, vec![Some(0), Some(1), Some(2), None, None]);
        assert_eq!(full.right, vec![None, Some(1), None, Some(0), Some(2)]);
        let semi = join_rows(pairs.clone(), None, 3, 3, JoinKind::LeftSemi);
        assert_eq!(semi.left, vec![Some(1)]);
        let anti = join_rows(pairs, None, 3, 3, JoinKind::LeftAnti);
        assert_eq!(anti.left, vec![Some(0), Some(2)]);
    }
}
