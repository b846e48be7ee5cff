//! `COUNT(*)` and `COUNT(x)`: the state is the count itself.

use partita_common::{AggregateFunction, Result, Semantics};
use polars_core::prelude::Series;

use super::state::{int_col, merge_counts};
use super::{Accumulator, AggCall, Input};
use crate::groups::count_valid;

/// See the module documentation.
pub(super) struct Count;

impl Accumulator for Count {
    fn partial(&self, input: &Input<'_>) -> Result<Vec<Series>> {
        let (call, args, groups) = (input.call, input.cols, input.groups);
        let values = match call.func {
            AggregateFunction::CountStar => None,
            _ => args.first().copied(),
        };
        Ok(vec![int_col(count_valid(values, groups))])
    }

    fn merge(&self, input: &Input<'_>) -> Result<Vec<Series>> {
        let (states, groups) = (input.cols, input.groups);
        Ok(vec![merge_counts(states[0], groups)?])
    }

    fn finalize(&self, _: &AggCall, states: &[&Series], _: &Semantics) -> Result<Series> {
        Ok(states[0].clone())
    }
}
