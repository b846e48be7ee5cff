//! `MEDIAN(x)` and `QUANTILE(x, q)` with linear interpolation, as pandas and
//! Spark's `percentile` (holistic: every value of a group in one place).

use partita_common::{AggregateFunction, Result};
use polars_core::prelude::{Float64Chunked, IntoSeries, Series};

use super::{Accumulator, Input};
use crate::groups::for_each_f64;
use crate::scalar::cmp_f64;

/// See the module documentation.
pub(super) struct Quantile;

impl Accumulator for Quantile {
    fn decomposable(&self) -> bool {
        false
    }

    fn evaluate(&self, input: &Input<'_>) -> Result<Series> {
        let (call, args, groups) = (input.call, input.cols, input.groups);
        let q = match call.func {
            AggregateFunction::Quantile(q) => q,
            _ => 0.5,
        };
        let mut per: Vec<Vec<f64>> = vec![vec![]; groups.len()];
        for_each_f64(args[0], &groups.ids, |g, v| per[g].push(v))?;
        let ca: Float64Chunked = per
            .into_iter()
            .map(|mut v| {
                v.sort_unstable_by(|a, b| cmp_f64(*a, *b));
                quantile_sorted(&v, q)
            })
            .collect();
        Ok(ca.into_series())
    }
}

/// Linear-interpolated quantile of sorted values (pandas' and Spark's `percentile`).
fn quantile_sorted(v: &[f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let pos = q * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    if lo == hi {
        return Some(v[lo]);
    }
    let frac = pos - lo as f64;
    Some(v[lo] + (v[hi] - v[lo]) * frac)
}
