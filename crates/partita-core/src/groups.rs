//! Group ids in first-seen order, and fast iteration over the values of a column
//! with their group ids: the inner loops of every aggregation.
//!
//! One key column: small integer ranges index a table directly, other values go
//! through a hash map (one probe per row, no per-group allocation). Several keys:
//! each column's ids are combined pairwise, `(a, b) → id`, which keeps first-seen
//! order and never hashes a whole row. Missing values form one group; float keys
//! group -0.0 with 0.0 and every NaN together.

use partita_common::{Error, Result};
use polars_arrow::array::{Array, View};
use polars_core::prelude::{
    ChunkAgg, DataType as PlDataType, IdxSize, Int64Chunked, PlHashMap, Series,
};

use crate::frame::pl_err;

/// The group of every row: ids in first-seen order, and the first row of each group.
#[derive(Debug, Clone)]
pub struct Groups {
    /// The group id of each row.
    pub ids: Vec<u32>,
    /// The first row of each group.
    pub first: Vec<IdxSize>,
}

impl Groups {
    /// The number of groups.
    pub fn len(&self) -> usize {
        self.first.len()
    }

    /// True when there are no groups.
    pub fn is_empty(&self) -> bool {
        self.first.is_empty()
    }

    /// The number of rows of each group.
    pub fn sizes(&self) -> Vec<i64> {
        if self.len() == 1 {
            return vec![self.ids.len() as i64];
        }
        let mut n = vec![0i64; self.len()];
        for &g in &self.ids {
            n[g as usize] += 1;
        }
        n
    }
}

/// Assigns ids in first-seen order to the values `keys` yields (one per row).
struct Assigner<K> {
    map: PlHashMap<K, u32>,
    ids: Vec<u32>,
    first: Vec<IdxSize>,
}

impl<K: std::hash::Hash + Eq> Assigner<K> {
    fn new(height: usize) -> Self {
        Assigner {
            map: PlHashMap::default(),
            ids: Vec::with_capacity(height),
            first: vec![],
        }
    }

    #[inline]
    fn push(&mut self, key: K) {
        let next = self.first.len() as u32;
        let id = *self.map.entry(key).or_insert(next);
        if id == next {
            self.first.push(self.ids.len() as IdxSize);
        }
        self.ids.push(id);
    }

    fn finish(self) -> Groups {
        Groups {
            ids: self.ids,
            first: self.first,
        }
    }
}

/// Slots of [`ViewAssigner`]'s cache.
const VIEW_CACHE: usize = 1024;

/// An [`Assigner`] of 16-byte string views with a direct-mapped cache in front of
/// its hash map: keys that repeat (a few hundred distinct strings, as grouping keys
/// usually are) are found by one multiply and one compare instead of a hash-map
/// probe.
struct ViewAssigner {
    inner: Assigner<u128>,
    cache: Vec<(u128, u32)>,
    /// Missing values' id, once seen.
    missing: Option<u32>,
}

impl ViewAssigner {
    fn new(height: usize) -> Self {
        ViewAssigner {
            inner: Assigner::new(height),
            cache: vec![(0, u32::MAX); VIEW_CACHE],
            missing: None,
        }
    }

    #[inline(always)]
    fn push(&mut self, key: u128) {
        let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
        let slot = (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize;
        let (cached, id) = self.cache[slot];
        if id != u32::MAX && cached == key {
            self.inner.ids.push(id);
            return;
        }
        self.inner.push(key);
        let id = *self.inner.ids.last().expect("just pushed");
        self.cache[slot] = (key, id);
    }

    /// A missing value: one id of its own, as the hash map would give it.
    #[inline]
    fn push_missing(&mut self) {
        let id = match self.missing {
            Some(id) => id,
            None => {
                let id = self.inner.first.len() as u32;
                self.inner.first.push(self.inner.ids.len() as IdxSize);
                self.missing = Some(id);
                id
            }
        };
        self.inner.ids.push(id);
    }

    fn finish(self) -> Groups {
        self.inner.finish()
    }
}

/// Ids of a column of integers (already widened to i64), missing as `None`.
fn int_groups(
    values: impl Iterator<Item = Option<i64>>,
    min: i64,
    max: i64,
    height: usize,
) -> Groups {
    let range = (max as i128 - min as i128 + 1) as u128;
    if range <= (height as u128).max(1 << 16) {
        // A direct table: slot `v - min`, and one more slot for missing values.
        let null_slot = range as usize;
        let mut table = vec![u32::MAX; null_slot + 1];
        let mut ids = Vec::with_capacity(height);
        let mut first = vec![];
        for (row, v) in values.enumerate() {
            let slot = match v {
                Some(v) => (v - min) as usize,
                None => null_slot,
            };
            let id = &mut table[slot];
            if *id == u32::MAX {
                *id = first.len() as u32;
                first.push(row as IdxSize);
            }
            ids.push(*id);
        }
        return Groups { ids, first };
    }
    let mut a = Assigner::new(height);
    for v in values {
        a.push(v);
    }
    a.finish()
}

/// Float bits with -0.0 as 0.0 and one NaN.
#[inline]
pub fn canonical_bits(v: f64) -> u64 {
    if v.is_nan() {
        f64::NAN.to_bits()
    } else if v == 0.0 {
        0
    } else {
        v.to_bits()
    }
}

/// The smallest and largest non-missing values of an integer column; (0, 0) when
/// it has none.
pub(crate) fn int_range(ca: &Int64Chunked) -> (i64, i64) {
    // polars' kernels (vectorized), not a row iterator.
    match (ca.min(), ca.max()) {
        (Some(min), Some(max)) => (min, max),
        _ => (0, 0),
    }
}

fn column_groups(s: &Series) -> Result<Groups> {
    let view = crate::frame::key_view(s)?;
    let s: &Series = &view;
    let height = s.len();
    Ok(match s.dtype() {
        PlDataType::Int64 => {
            let ca = s.i64().map_err(pl_err)?;
            let (min, max) = int_range(ca);
            match ca.cont_slice() {
                // One chunk without missing values: the values as a slice.
                Ok(values) => int_groups(values.iter().map(|&v| Some(v)), min, max, height),
                Err(_) => int_groups(ca.iter(), min, max, height),
            }
        }
        PlDataType::Boolean => {
            let ca = s.bool().map_err(pl_err)?;
            int_groups(ca.iter().map(|v| v.map(i64::from)), 0, 1, height)
        }
        PlDataType::Float64 => {
            let mut a = Assigner::new(height);
            for v in s.f64().map_err(pl_err)?.iter() {
                a.push(v.map(canonical_bits));
            }
            a.finish()
        }
        PlDataType::String => {
            let ca = s.str().map_err(pl_err)?;
            // Strings of at most 12 bytes live inside their 16-byte view, zero-padded:
            // the view itself is the key, hashed and compared as one integer.
            let short = ca.downcast_iter().all(|arr| {
                arr.views()
                    .iter()
                    .all(|v| v.length <= View::MAX_INLINE_SIZE)
            });
            if short {
                let mut a = ViewAssigner::new(height);
                for arr in ca.downcast_iter() {
                    let views = arr.views();
                    match arr.validity() {
                        None => views.iter().for_each(|v| a.push(v.as_u128())),
                        Some(valid) => views.iter().zip(valid.iter()).for_each(|(v, ok)| {
                            if ok {
                                a.push(v.as_u128())
                            } else {
                                a.push_missing()
                            }
                        }),
                    }
                }
                return Ok(a.finish());
            }
            let mut a = Assigner::new(height);
            for v in ca.iter() {
                a.push(v);
            }
            a.finish()
        }
        PlDataType::Null => Groups {
            ids: vec![0; height],
            first: if height > 0 { vec![0] } else { vec![] },
        },
        other => return Err(Error::NotImplemented(format!("grouping by {other}"))),
    })
}

/// Dense ids, in first-seen order, for the composite codes `codes` (one per row),
/// all below `bound`.
fn densify(codes: &[u64], bound: u64) -> Groups {
    let height = codes.len();
    if bound <= (height as u64).max(1 << 16) {
        let mut table = vec![u32::MAX; bound as usize];
        let mut ids = Vec::with_capacity(height);
        let mut first = vec![];
        for (row, &c) in codes.iter().enumerate() {
            let id = &mut table[c as usize];
            if *id == u32::MAX {
                *id = first.len() as u32;
                first.push(row as IdxSize);
            }
            ids.push(*id);
        }
        return Groups { ids, first };
    }
    let mut a = Assigner::new(height);
    a.map.reserve(height.min(bound as usize));
    for &c in codes {
        a.push(c);
    }
    a.finish()
}

/// Groups the rows of `keys` (equal-length columns). With no keys, every row is in
/// one group, which exists even when there are no rows (a global aggregate).
///
/// Each key column gets its own dense ids first; the ids of a row are then packed
/// into one mixed-radix code, so a row costs one probe however many keys there are
/// (codes are made dense again whenever the next key would overflow 64 bits).
pub fn group_rows(keys: &[Series], height: usize) -> Result<Groups> {
    let Some((head, rest)) = keys.split_first() else {
        return Ok(Groups {
            ids: vec![0; height],
            first: vec![0],
        });
    };
    let mut groups = column_groups(head)?;
    if rest.is_empty() || groups.len() == height {
        return Ok(groups);
    }
    let mut codes: Vec<u64> = groups.ids.iter().map(|&g| g as u64).collect();
    let mut bound = groups.len().max(1) as u64;
    for k in rest {
        let next = column_groups(k)?;
        let n = next.len().max(1) as u64;
        if bound.checked_mul(n).is_none() {
            groups = densify(&codes, bound);
            if groups.len() == height {
                return Ok(groups);
            }
            codes = groups.ids.iter().map(|&g| g as u64).collect();
            bound = groups.len().max(1) as u64;
        }
        for (c, &g) in codes.iter_mut().zip(&next.ids) {
            *c = *c * n + g as u64;
        }
        bound *= n;
    }
    Ok(densify(&codes, bound))
}

/// Calls `f(group, value)` for every non-missing value of a numeric column (integers
/// widened to f64), in row order.
pub fn for_each_f64(values: &Series, ids: &[u32], mut f: impl FnMut(usize, f64)) -> Result<()> {
    match values.dtype() {
        PlDataType::Float64 => {
            let mut at = 0;
            for arr in values.f64().map_err(pl_err)?.downcast_iter() {
                let ids = &ids[at..at + arr.len()];
                at += arr.len();
                if arr.null_count() == 0 {
                    for (&v, &g) in arr.values().iter().zip(ids) {
                        f(g as usize, v);
                    }
                } else {
                    for (v, &g) in arr.iter().zip(ids) {
                        if let Some(&v) = v {
                            f(g as usize, v);
                        }
                    }
                }
            }
        }
        PlDataType::Int64 => for_each_i64(values, ids, |g, v| f(g, v as f64))?,
        PlDataType::Boolean => {
            for (v, &g) in values.bool().map_err(pl_err)?.iter().zip(ids) {
                if let Some(v) = v {
                    f(g as usize, v as i64 as f64);
                }
            }
        }
        PlDataType::Null => {}
        _ => {
            let cast = values.cast(&PlDataType::Float64).map_err(pl_err)?;
            for_each_f64(&cast, ids, f)?;
        }
    }
    Ok(())
}

/// Calls `f(group, value)` for every non-missing value of an integer column, in
/// row order (booleans as 0 and 1).
pub fn for_each_i64(values: &Series, ids: &[u32], mut f: impl FnMut(usize, i64)) -> Result<()> {
    match values.dtype() {
        PlDataType::Int64 => {
            let mut at = 0;
            for arr in values.i64().map_err(pl_err)?.downcast_iter() {
                let ids = &ids[at..at + arr.len()];
                at += arr.len();
                if arr.null_count() == 0 {
                    for (&v, &g) in arr.values().iter().zip(ids) {
                        f(g as usize, v);
                    }
                } else {
                    for (v, &g) in arr.iter().zip(ids) {
                        if let Some(&v) = v {
                            f(g as usize, v);
                        }
                    }
                }
            }
        }
        PlDataType::Null => {}
        _ => {
            let cast = values.cast(&PlDataType::Int64).map_err(pl_err)?;
            let ca = cast.i64().map_err(pl_err)?;
            for (v, &g) in ca.iter().zip(ids) {
                if let Some(v) = v {
                    f(g as usize, v);
                }
            }
        }
    }
    Ok(())
}

/// Non-missing values per group (every row when `values` is `None`).
pub fn count_valid(values: Option<&Series>, groups: &Groups) -> Vec<i64> {
    match values {
        Some(v) if v.null_count() > 0 => {
            let mut n = vec![0i64; groups.len()];
            for (ok, &g) in v.is_not_null().iter().zip(&groups.ids) {
                if ok == Some(true) {
                    n[g as usize] += 1;
                }
            }
            n
        }
        _ => groups.sizes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars_core::prelude::NamedFrom;

    #[test]
    fn short_and_long_strings_group_by_their_text() {
        let long = "a string much longer than twelve bytes";
        for values in [
            vec![Some("b"), None, Some("a"), Some("b"), None, Some("")],
            vec![
                Some("b"),
                Some(long),
                Some("a"),
                Some(long),
                None,
                Some("b"),
            ],
        ] {
            let s = Series::new("k".into(), values.clone());
            let g = group_rows(std::slice::from_ref(&s), s.len()).unwrap();
            for i in 0..values.len() {
                for j in 0..values.len() {
                    assert_eq!(
                        g.ids[i] == g.ids[j],
                        values[i] == values[j],
                        "{values:?} {i} {j}"
                    );
                }
            }
            // First-seen order.
            assert_eq!(g.ids[0], 0);
        }
    }

    #[test]
    fn several_keys_pack_into_one_code() {
        let a = Series::new("a".into(), [1i64, 1, 2, 2, 1, 1_000_000_000_000]);
        let b = Series::new(
            "b".into(),
            [Some("x"), Some("y"), Some("x"), Some("x"), Some("x"), None],
        );
        let c = Series::new("c".into(), [0.0f64, -0.0, f64::NAN, f64::NAN, 0.0, 1.5]);
        let g = group_rows(&[a, b, c], 6).unwrap();
        assert_eq!(g.ids, vec![0, 1, 2, 2, 0, 3]);
        assert_eq!(g.first, vec![0, 1, 2, 5]);
    }
}
