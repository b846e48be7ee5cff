//! `MODE(x)`: the most frequent non-missing value of each group, the smallest of
//! equally frequent ones (Spark's `mode(x, true)`; pandas' `Series.mode()` lists
//! every mode in ascending order, and its first is this one). Values compare as the
//! kernels' key view orders them: NaN is one value, above every number, and -0.0
//! equals 0.0. Holistic: every value of a group in one place.

use std::cmp::Ordering;

use partita_common::{Error, Result};
use polars_core::prelude::{DataType as PlDataType, IdxCa, IdxSize, Series};

use super::{Accumulator, Input};
use crate::frame::pl_err;
use crate::scalar::cmp_f64;

/// See the module documentation.
pub(super) struct Mode;

impl Accumulator for Mode {
    fn decomposable(&self) -> bool {
        false
    }

    fn evaluate(&self, input: &Input<'_>) -> Result<Series> {
        let (args, groups) = (input.cols, input.groups);
        let values = args[0];
        let view = crate::frame::key_view(values)?;
        let keys = Keys::of(&view)?;
        // The rows of each group that hold a value.
        let mut rows: Vec<Vec<IdxSize>> = vec![vec![]; groups.len()];
        for (row, &g) in groups.ids.iter().enumerate() {
            if keys.present(row) {
                rows[g as usize].push(row as IdxSize);
            }
        }
        let picked: IdxCa = rows
            .into_iter()
            .map(|mut r| {
                r.sort_by(|&a, &b| keys.cmp(a as usize, b as usize));
                longest_run_start(&r, &keys)
            })
            .collect();
        values.take(&picked).map_err(pl_err)
    }
}

/// The first row of the longest run of equal values in `rows` (sorted by value):
/// with ties, the earliest run, which holds the smallest value.
fn longest_run_start(rows: &[IdxSize], keys: &Keys<'_>) -> Option<IdxSize> {
    let (mut best, mut best_len) = (None, 0);
    let mut start = 0;
    for i in 1..=rows.len() {
        let run_ends =
            i == rows.len() || keys.cmp(rows[i - 1] as usize, rows[i] as usize) != Ordering::Equal;
        if run_ends {
            if i - start > best_len {
                best = Some(rows[start]);
                best_len = i - start;
            }
            start = i;
        }
    }
    best
}

/// A key view's values, compared by row.
enum Keys<'a> {
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Str(Vec<Option<&'a str>>),
    Null,
}

impl<'a> Keys<'a> {
    fn of(view: &'a Series) -> Result<Keys<'a>> {
        Ok(match view.dtype() {
            PlDataType::Int64 => Keys::Int(view.i64().map_err(pl_err)?.iter().collect()),
            // -0.0 and 0.0 are one value.
            PlDataType::Float64 => Keys::Float(
                view.f64()
                    .map_err(pl_err)?
                    .iter()
                    .map(|v| v.map(|x| x + 0.0))
                    .collect(),
            ),
            PlDataType::Boolean => Keys::Bool(view.bool().map_err(pl_err)?.iter().collect()),
            PlDataType::String => Keys::Str(view.str().map_err(pl_err)?.iter().collect()),
            PlDataType::Null => Keys::Null,
            other => return Err(Error::NotImplemented(format!("mode of {other}"))),
        })
    }

    fn present(&self, row: usize) -> bool {
        match self {
            Keys::Int(v) => v[row].is_some(),
            Keys::Float(v) => v[row].is_some(),
            Keys::Bool(v) => v[row].is_some(),
            Keys::Str(v) => v[row].is_some(),
            Keys::Null => false,
        }
    }

    /// The order of two present values.
    fn cmp(&self, a: usize, b: usize) -> Ordering {
        match self {
            Keys::Int(v) => v[a].cmp(&v[b]),
            Keys::Float(v) => cmp_f64(v[a].unwrap_or(0.0), v[b].unwrap_or(0.0)),
            Keys::Bool(v) => v[a].cmp(&v[b]),
            Keys::Str(v) => v[a].map(str::as_bytes).cmp(&v[b].map(str::as_bytes)),
            Keys::Null => Ordering::Equal,
        }
    }
}
