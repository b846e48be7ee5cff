//! `FIRST(x)` and `LAST(x)` in row order: the state is the value itself, kept in
//! row order, so the same rule merges states.

use partita_common::{AggregateFunction, FirstLastNulls, Result, Semantics};
use polars_core::prelude::{IdxCa, IdxSize, Series};

use super::{Accumulator, AggCall, Groups, Input};
use crate::frame::pl_err;

/// See the module documentation.
pub(super) struct FirstLast;

impl Accumulator for FirstLast {
    fn partial(&self, input: &Input<'_>) -> Result<Vec<Series>> {
        Ok(vec![pick(
            input.cols[0],
            input.groups,
            input.call.func,
            input.sem,
        )?])
    }

    /// States keep row order, so the first of the states is the first value.
    fn merge(&self, input: &Input<'_>) -> Result<Vec<Series>> {
        self.partial(input)
    }

    fn finalize(&self, _: &AggCall, states: &[&Series], _: &Semantics) -> Result<Series> {
        Ok(states[0].clone())
    }
}

/// Whether FIRST / LAST skip missing values: as the call says, else as the semantics.
fn ignores_nulls(func: AggregateFunction, sem: &Semantics) -> bool {
    match func {
        AggregateFunction::First {
            ignore_nulls: Some(ignore),
        }
        | AggregateFunction::Last {
            ignore_nulls: Some(ignore),
        } => ignore,
        _ => sem.first_last_nulls == FirstLastNulls::Skip,
    }
}

/// First (or last) value per group in row order: the first non-missing one when
/// the call skips missing values, else the first row's, missing or not.
fn pick(
    values: &Series,
    groups: &Groups,
    func: AggregateFunction,
    sem: &Semantics,
) -> Result<Series> {
    let last = matches!(func, AggregateFunction::Last { .. });
    let ignore_nulls = ignores_nulls(func, sem);
    let mut pos: Vec<Option<IdxSize>> = vec![None; groups.len()];
    let valid = values.is_not_null();
    for (i, (&g, ok)) in groups.ids.iter().zip(valid.iter()).enumerate() {
        if (!ignore_nulls || ok == Some(true)) && (last || pos[g as usize].is_none()) {
            pos[g as usize] = Some(i as IdxSize);
        }
    }
    let idx: IdxCa = pos.into_iter().collect();
    values.take(&idx).map_err(pl_err)
}
