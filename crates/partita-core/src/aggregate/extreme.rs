//! `MIN(x)` and `MAX(x)`: the state is the extreme itself, under the total order
//! of the kernels' key view (NaN above +inf, strings by code point).

use partita_common::{AggregateFunction, Categories, DataType, Error, Result, Semantics};
use polars_core::prelude::{
    BooleanChunked, DataType as PlDataType, Float64Chunked, Int64Chunked, IntoSeries,
    NewChunkedArray, Series, StringChunked,
};

use super::{Accumulator, AggCall, Groups, Input};
use crate::frame::pl_err;
use crate::groups::{for_each_f64, for_each_i64};
use crate::scalar::cmp_f64;

/// See the module documentation.
pub(super) struct Extreme;

impl Accumulator for Extreme {
    fn partial(&self, input: &Input<'_>) -> Result<Vec<Series>> {
        let max = input.call.func == AggregateFunction::Max;
        if let DataType::Categorical(c) = input.call.input_type {
            if c.ordered() {
                return Ok(vec![by_categories(input.cols[0], input.groups, max, c)?]);
            }
        }
        Ok(vec![extreme(input.cols[0], input.groups, max)?])
    }

    /// The extreme of the states is the extreme of the values.
    fn merge(&self, input: &Input<'_>) -> Result<Vec<Series>> {
        self.partial(input)
    }

    fn finalize(&self, _: &AggCall, states: &[&Series], _: &Semantics) -> Result<Series> {
        Ok(states[0].clone())
    }
}

/// Min or max per group with the total order (NaN above +inf, strings by code point).
fn extreme(values: &Series, groups: &Groups, want_max: bool) -> Result<Series> {
    let view = crate::frame::key_view(values)?;
    let out = extreme_of_keys(&view, groups, want_max)?;
    crate::frame::from_key_view(out, values.dtype())
}

/// Min or max per group of an ordered categorical (held as its text): by the
/// categories' order, as pandas orders it. The states are categories too.
fn by_categories(
    values: &Series,
    groups: &Groups,
    want_max: bool,
    categories: Categories,
) -> Result<Series> {
    let positions = crate::categorical::category_positions(values, categories)?;
    let out = extreme_of_keys(&positions, groups, want_max)?;
    let names = categories.values();
    let text: StringChunked = out
        .i64()
        .map_err(pl_err)?
        .iter()
        .map(|p| p.map(|p| names[p as usize].as_str()))
        .collect();
    Ok(text.into_series())
}

fn extreme_of_keys(values: &Series, groups: &Groups, want_max: bool) -> Result<Series> {
    let n = groups.len();
    let ids = &groups.ids;
    Ok(match values.dtype() {
        PlDataType::Int64 => {
            let mut acc: Vec<Option<i64>> = vec![None; n];
            for_each_i64(values, ids, |g, v| {
                let a = &mut acc[g];
                if a.is_none_or(|a| if want_max { v > a } else { v < a }) {
                    *a = Some(v);
                }
            })?;
            Int64Chunked::from_iter_options("".into(), acc.into_iter()).into_series()
        }
        PlDataType::Float64 => {
            let mut acc: Vec<Option<f64>> = vec![None; n];
            for_each_f64(values, ids, |g, v| {
                let a = &mut acc[g];
                let better = |a: f64| {
                    let o = cmp_f64(v, a);
                    if want_max {
                        o.is_gt()
                    } else {
                        o.is_lt()
                    }
                };
                if a.is_none_or(better) {
                    *a = Some(v);
                }
            })?;
            Float64Chunked::from_iter_options("".into(), acc.into_iter()).into_series()
        }
        PlDataType::Boolean => {
            let mut acc: Vec<Option<bool>> = vec![None; n];
            for (v, &g) in values.bool().map_err(pl_err)?.iter().zip(ids) {
                if let Some(v) = v {
                    let a = &mut acc[g as usize];
                    if a.is_none_or(|a| if want_max { v & !a } else { !v & a }) {
                        *a = Some(v);
                    }
                }
            }
            BooleanChunked::from_iter_options("".into(), acc.into_iter()).into_series()
        }
        PlDataType::String => {
            let mut acc: Vec<Option<&str>> = vec![None; n];
            for (v, &g) in values.str().map_err(pl_err)?.iter().zip(ids) {
                if let Some(v) = v {
                    let a = &mut acc[g as usize];
                    if a.is_none_or(|a| {
                        if want_max {
                            v.as_bytes() > a.as_bytes()
                        } else {
                            v.as_bytes() < a.as_bytes()
                        }
                    }) {
                        *a = Some(v);
                    }
                }
            }
            StringChunked::from_iter_options("".into(), acc.into_iter()).into_series()
        }
        PlDataType::Null => Series::full_null("".into(), n, &PlDataType::Null),
        other => return Err(Error::NotImplemented(format!("min/max of {other}"))),
    })
}
