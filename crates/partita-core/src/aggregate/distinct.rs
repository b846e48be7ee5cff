//! `COUNT(DISTINCT x, ...)`, `SUM(DISTINCT x)` and `AVG(DISTINCT x)` (holistic:
//! every value of a group in one place).

use std::collections::HashSet;

use partita_common::{AggregateFunction, EmptySum, Error, Result, Semantics};
use polars_core::prelude::{
    DataType as PlDataType, Float64Chunked, Int64Chunked, IntoSeries, Series,
};

use super::state::check_overflow;
use super::{Accumulator, Groups, Input};
use crate::frame::pl_err;
use crate::groups::{for_each_f64, for_each_i64};
use crate::scalar::cmp_f64;

/// See the module documentation.
pub(super) struct Distinct;

impl Accumulator for Distinct {
    fn decomposable(&self) -> bool {
        false
    }

    fn evaluate(&self, input: &Input<'_>) -> Result<Series> {
        let (call, args, groups, sem) = (input.call, input.cols, input.groups, input.sem);
        match call.func {
            AggregateFunction::CountDistinct if args.len() > 1 => {
                count_distinct_tuples(args, groups, sem)
            }
            AggregateFunction::CountDistinct => count_distinct(args[0], groups),
            AggregateFunction::MeanDistinct => distinct_sum(args[0], groups, true, sem),
            _ => distinct_sum(args[0], groups, false, sem),
        }
    }
}

/// `COUNT(DISTINCT x)` per group: missing values are not counted, every NaN is one
/// value and -0.0 equals 0.0.
fn count_distinct(values: &Series, groups: &Groups) -> Result<Series> {
    let k = groups.len();
    let mut seen: HashSet<(u32, DistinctKey<'_>)> = HashSet::new();
    let ids = &groups.ids;
    let view = crate::frame::key_view(values)?;
    let values: &Series = &view;
    match values.dtype() {
        PlDataType::Int64 => {
            for (v, &g) in values.i64().map_err(pl_err)?.iter().zip(ids) {
                if let Some(v) = v {
                    seen.insert((g, DistinctKey::Int(v)));
                }
            }
        }
        PlDataType::Float64 => {
            for (v, &g) in values.f64().map_err(pl_err)?.iter().zip(ids) {
                if let Some(v) = v {
                    // One NaN, and 0.0 equal to -0.0.
                    let bits = if v.is_nan() {
                        f64::NAN.to_bits()
                    } else if v == 0.0 {
                        0
                    } else {
                        v.to_bits()
                    };
                    seen.insert((g, DistinctKey::Float(bits)));
                }
            }
        }
        PlDataType::Boolean => {
            for (v, &g) in values.bool().map_err(pl_err)?.iter().zip(ids) {
                if let Some(v) = v {
                    seen.insert((g, DistinctKey::Bool(v)));
                }
            }
        }
        PlDataType::String => {
            for (v, &g) in values.str().map_err(pl_err)?.iter().zip(ids) {
                if let Some(v) = v {
                    seen.insert((g, DistinctKey::Str(v)));
                }
            }
        }
        PlDataType::Null => {}
        other => return Err(Error::NotImplemented(format!("count distinct of {other}"))),
    }
    let mut counts = vec![0i64; k];
    for (g, _) in &seen {
        counts[*g as usize] += 1;
    }
    Ok(Int64Chunked::from_vec("".into(), counts).into_series())
}

#[derive(Hash, PartialEq, Eq)]
enum DistinctKey<'a> {
    Int(i64),
    Float(u64),
    Bool(bool),
    Str(&'a str),
}

/// `COUNT(DISTINCT a, b, ...)`: distinct tuples per group. A tuple holding a missing
/// value is skipped under three-valued (SQL) logic, as Spark does; under two-valued
/// logic it counts, as pandas' `len(drop_duplicates())` does.
fn count_distinct_tuples(cols: &[&Series], groups: &Groups, sem: &Semantics) -> Result<Series> {
    let skip_missing = sem.logic == partita_common::Logic::ThreeValued;
    let mut seen: HashSet<(u32, String)> = HashSet::new();
    for (row, &g) in groups.ids.iter().enumerate() {
        let mut key = String::new();
        let mut missing = false;
        for c in cols {
            let v = crate::frame::scalar_at(c, row)?;
            missing |= v.is_null();
            // 0.0 and -0.0 are one value; every NaN is one value.
            let canonical = match v {
                partita_common::ScalarValue::Float64(Some(x)) if x.is_nan() => "f:NaN".to_string(),
                partita_common::ScalarValue::Float64(Some(x)) => format!("f:{}", x + 0.0),
                other => format!("{other:?}"),
            };
            key.push_str(&canonical);
            key.push('\u{1}');
        }
        if !(missing && skip_missing) {
            seen.insert((g, key));
        }
    }
    let mut counts = vec![0i64; groups.len()];
    for (g, _) in &seen {
        counts[*g as usize] += 1;
    }
    Ok(Int64Chunked::from_vec("".into(), counts).into_series())
}

/// `SUM(DISTINCT x)` or `AVG(DISTINCT x)` per group: the distinct non-missing values
/// (one NaN; -0.0 equal to 0.0), summed in ascending order so the result never depends
/// on row order; a group without values sums as the semantics' `empty_sum` says and
/// averages to missing.
fn distinct_sum(values: &Series, groups: &Groups, mean: bool, sem: &Semantics) -> Result<Series> {
    let k = groups.len();
    let empty_is_null = sem.empty_sum == EmptySum::Null;
    if values.dtype() == &PlDataType::Int64 && !mean {
        let mut per: Vec<Vec<i64>> = vec![vec![]; k];
        for_each_i64(values, &groups.ids, |g, v| per[g].push(v))?;
        let mut sums = Vec::with_capacity(k);
        for mut v in per {
            v.sort_unstable();
            v.dedup();
            if v.is_empty() && empty_is_null {
                sums.push(None);
                continue;
            }
            // Exact, then overflow decided on the total, as for SUM.
            let total: i128 = v.iter().map(|&x| x as i128).sum();
            if total as i64 as i128 != total {
                check_overflow(sem)?;
            }
            sums.push(Some(total as i64));
        }
        return Ok(sums.into_iter().collect::<Int64Chunked>().into_series());
    }
    let mut per: Vec<Vec<f64>> = vec![vec![]; k];
    for_each_f64(values, &groups.ids, |g, v| {
        per[g].push(if v == 0.0 { 0.0 } else { v })
    })?;
    let out: Float64Chunked = per
        .into_iter()
        .map(|mut v| {
            v.sort_unstable_by(|a, b| cmp_f64(*a, *b));
            v.dedup_by(|a, b| cmp_f64(*a, *b) == std::cmp::Ordering::Equal);
            let n = v.len();
            let sum: f64 = v.into_iter().sum();
            match (n, mean) {
                (0, true) => None,
                (0, false) if empty_is_null => None,
                (_, true) => Some(sum / n as f64),
                (_, false) => Some(sum),
            }
        })
        .collect();
    Ok(out.into_series())
}
