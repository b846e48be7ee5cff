//! Grouped aggregation over one partition, split into partial, merge and final steps.
//!
//! A *state frame* holds the group keys and, per aggregate, the columns of its
//! partial state (a count, an exact integer sum, the bins of an order-independent
//! float sum, sums of squares and products for a variance or a correlation, ...).
//! Every state is exact or binned (`exact.rs`), so merging states in any tree gives
//! the same bits: results do not depend on the partitioning, `split_every` or
//! `split_out`, and an integer SUM overflows only when its total does. [`partial`]
//! turns rows into a state frame, [`merge`] combines state frames (of several
//! partitions, in partition order), and [`finalize`] turns a state frame into the
//! result. Holistic aggregates (median, quantile, count distinct, mode) need every
//! value of a group in one place: [`aggregate_rows`] computes any mix of
//! aggregates from rows in one step.
//!
//! Each family of aggregates is one file behind the [`Accumulator`] trait (its
//! state columns, update, merge and finalize, or its one-step evaluation when it is
//! holistic); [`family`] registers which file serves which function. The state
//! frame names the columns of aggregate `i` `__s{i}_{j}` by position: a family
//! reads its states back in the order it wrote them, and no other code looks
//! inside them.
//!
//! Groups come out in first-seen order, so merging in partition order gives the
//! same result for every partition count.

mod corr;
mod count;
mod distinct;
mod extreme;
mod first_last;
mod mode;
mod moments;
mod quantile;
mod state;
mod sum;

use partita_common::{AggregateFunction, DataType, Error, Result, Semantics};
use polars_core::prelude::{BooleanChunked, DataFrame, IdxCa, IdxSize, Series};

use crate::frame::{column, frame_with_height, normalize_nan, pl_err, to_polars_type};
pub use crate::groups::{group_rows, Groups};

/// One aggregate of a grouped aggregation.
#[derive(Debug, Clone, PartialEq)]
pub struct AggCall {
    /// The function.
    pub func: AggregateFunction,
    /// The input columns (in the row frame) of its arguments.
    pub inputs: Vec<String>,
    /// The output column name.
    pub output: String,
    /// The type of the first argument (Int64 for `COUNT(*)`).
    pub input_type: DataType,
    /// The result type.
    pub output_type: DataType,
}

/// A grouped aggregation: keys (columns of the row frame, also the output key names)
/// and aggregates.
#[derive(Debug, Clone, PartialEq)]
pub struct AggSpec {
    /// The key columns (none: one global group).
    pub keys: Vec<String>,
    /// The aggregates.
    pub calls: Vec<AggCall>,
    /// Drop rows whose key is missing (pandas) instead of grouping them.
    pub drop_null_keys: bool,
}

impl AggSpec {
    /// True when every aggregate can run as partial → merge → final.
    pub fn is_decomposable(&self) -> bool {
        self.calls.iter().all(|c| is_decomposable(c.func))
    }
}

/// One family of aggregate functions (SUM and AVG, MIN and MAX, ...).
///
/// A decomposable family keeps a partial state per group: [`Accumulator::partial`]
/// makes it from rows, [`Accumulator::merge`] combines state rows of several
/// partitions into groups, [`Accumulator::finalize`] turns it into the result. The
/// state is one or more columns, one row per group, that only the family reads.
/// A holistic family (a median needs every value of its group) says so with
/// [`Accumulator::decomposable`] and computes from rows with
/// [`Accumulator::evaluate`].
pub(crate) trait Accumulator: Sync {
    /// Whether partial → merge → final applies.
    fn decomposable(&self) -> bool {
        true
    }

    /// The partial state over rows (`input.cols`: the argument columns), one row
    /// per group.
    fn partial(&self, input: &Input<'_>) -> Result<Vec<Series>> {
        Err(Error::internal(format!(
            "{} has no partial state",
            input.call.func
        )))
    }

    /// State rows (`input.cols`: the columns `partial` made, of several
    /// partitions, in partition order) merged into their groups.
    fn merge(&self, input: &Input<'_>) -> Result<Vec<Series>> {
        Err(Error::internal(format!(
            "{} cannot be merged",
            input.call.func
        )))
    }

    /// The result of every state row, in any type the result is cast from.
    fn finalize(&self, call: &AggCall, states: &[&Series], sem: &Semantics) -> Result<Series> {
        let _ = (states, sem);
        Err(Error::internal(format!("{} has no state", call.func)))
    }

    /// Rows → the result per group in one step: by default the partial state
    /// finalized.
    fn evaluate(&self, input: &Input<'_>) -> Result<Series> {
        let states = self.partial(input)?;
        let refs: Vec<&Series> = states.iter().collect();
        self.finalize(input.call, &refs, input.sem)
    }
}

/// What a step of an [`Accumulator`] works on.
#[derive(Clone, Copy)]
pub(crate) struct Input<'a> {
    /// The aggregate.
    pub call: &'a AggCall,
    /// Its argument columns (partial, evaluate) or its state columns (merge).
    pub cols: &'a [&'a Series],
    /// The group of every row.
    pub groups: &'a Groups,
    /// The semantics.
    pub sem: &'a Semantics,
}

impl<'a> Input<'a> {
    fn new(
        call: &'a AggCall,
        cols: &'a [&'a Series],
        groups: &'a Groups,
        sem: &'a Semantics,
    ) -> Self {
        Input {
            call,
            cols,
            groups,
            sem,
        }
    }
}

/// True when `func` runs as partial → merge → final; false for the holistic ones,
/// which need all of a group's values in one place.
pub fn is_decomposable(func: AggregateFunction) -> bool {
    family(func).decomposable()
}

/// The family that computes `func`: the registration of every aggregate.
pub(crate) fn family(func: AggregateFunction) -> &'static dyn Accumulator {
    use AggregateFunction::*;
    match func {
        CountStar | Count => &count::Count,
        Sum | Mean => &sum::SumMean,
        Min | Max => &extreme::Extreme,
        First { .. } | Last { .. } => &first_last::FirstLast,
        Var { .. } | Std { .. } => &moments::Moments,
        Corr => &corr::Corr,
        Median | Quantile(_) => &quantile::Quantile,
        CountDistinct | SumDistinct | MeanDistinct => &distinct::Distinct,
        Mode => &mode::Mode,
    }
}

/// The rows a grouping by `spec` leaves out because a key is missing (none
/// unless the spec drops them): what `null_group_keys = drop` changed.
pub fn null_key_rows(df: &DataFrame, spec: &AggSpec) -> Result<usize> {
    if !spec.drop_null_keys || spec.keys.is_empty() {
        return Ok(0);
    }
    let keys = spec
        .keys
        .iter()
        .map(|k| column(df, k))
        .collect::<Result<Vec<_>>>()?;
    if keys.iter().all(|k| k.null_count() == 0) {
        return Ok(0);
    }
    let mut mask: Option<BooleanChunked> = None;
    for k in keys {
        let missing = k.is_null();
        mask = Some(match mask {
            None => missing,
            Some(m) => &m | &missing,
        });
    }
    Ok(mask.map_or(0, |m| m.sum().unwrap_or(0) as usize))
}

/// Drops the rows whose key is missing, when the spec says so.
fn drop_null_key_rows(df: &DataFrame, spec: &AggSpec) -> Result<DataFrame> {
    if !spec.drop_null_keys || spec.keys.is_empty() {
        return Ok(df.clone());
    }
    let mut mask: Option<BooleanChunked> = None;
    for k in &spec.keys {
        let nn = column(df, k)?.is_not_null();
        mask = Some(match mask {
            None => nn,
            Some(m) => &m & &nn,
        });
    }
    let mask = mask.expect("at least one key");
    if mask.all() {
        return Ok(df.clone());
    }
    crate::frame::filter_rows(df, &mask)
}

/// The key columns of the groups, in group order. When every row is its own group
/// (first-seen order makes group `i` row `i`), the columns are shared, not copied.
fn key_columns(df: &DataFrame, spec: &AggSpec, groups: &Groups) -> Result<Vec<Series>> {
    let identity = groups.len() == df.height();
    spec.keys
        .iter()
        .map(|k| {
            let c = column(df, k)?;
            if identity {
                Ok(c.clone())
            } else {
                let idx = IdxCa::from_vec("idx".into(), groups.first.clone());
                c.take(&idx).map_err(pl_err)
            }
        })
        .collect()
}

fn key_series(df: &DataFrame, spec: &AggSpec) -> Result<Vec<Series>> {
    spec.keys.iter().map(|k| column(df, k).cloned()).collect()
}

/// The argument columns of `call` in the row frame.
fn args_of<'a>(df: &'a DataFrame, call: &AggCall) -> Result<Vec<&'a Series>> {
    call.inputs.iter().map(|c| column(df, c)).collect()
}

/// Names the state columns of aggregate `i` by position: `__s{i}_{j}`.
fn name_states(i: usize, states: Vec<Series>) -> impl Iterator<Item = Series> {
    states
        .into_iter()
        .enumerate()
        .map(move |(j, s)| s.with_name(format!("__s{i}_{j}").into()))
}

/// The state columns of each aggregate of a state frame (the columns after the
/// keys, named by [`name_states`]).
fn call_states<'a>(states: &'a DataFrame, spec: &AggSpec) -> Result<Vec<Vec<&'a Series>>> {
    let mut out: Vec<Vec<&Series>> = vec![vec![]; spec.calls.len()];
    for c in states.columns().iter().skip(spec.keys.len()) {
        let i = c
            .name()
            .strip_prefix("__s")
            .and_then(|rest| rest.split('_').next())
            .and_then(|i| i.parse::<usize>().ok())
            .filter(|&i| i < out.len())
            .ok_or_else(|| {
                Error::internal(format!("'{}' is not an aggregate state column", c.name()))
            })?;
        out[i].push(c.as_materialized_series());
    }
    Ok(out)
}

/// Rows → state frame: keys (first-seen order) and each aggregate's partial state.
pub fn partial(df: &DataFrame, spec: &AggSpec, sem: &Semantics) -> Result<DataFrame> {
    let df = drop_null_key_rows(df, spec)?;
    let groups = group_rows(&key_series(&df, spec)?, df.height())?;
    states_of(&df, spec, &groups, sem)
}

/// Rows that the probe of [`partial_or_rows`] groups, from the start of a partition.
const PROBE_ROWS: usize = 16_384;

/// As [`partial`] when grouping shrinks the partition; otherwise (nearly every row
/// has keys of its own, as in q10) one state per row, without grouping: the merge
/// that must follow groups them anyway, and a partial aggregation that keeps as
/// many rows as it reads only costs a hash table and a copy.
///
/// The probe groups the first [`PROBE_ROWS`] rows and estimates from their distinct
/// count how many groups the whole partition has (the expected number of distinct
/// values in a uniform sample); below half the rows, it aggregates. The result may
/// hold a key more than once, so only a task whose output is merged uses it.
pub fn partial_or_rows(df: &DataFrame, spec: &AggSpec, sem: &Semantics) -> Result<DataFrame> {
    let df = drop_null_key_rows(df, spec)?;
    let height = df.height();
    let groups = if keys_barely_repeat(&df, spec)? {
        Groups {
            ids: (0..height as u32).collect(),
            first: (0..height as IdxSize).collect(),
        }
    } else {
        group_rows(&key_series(&df, spec)?, height)?
    };
    states_of(&df, spec, &groups, sem)
}

/// The probe of [`partial_or_rows`]: true when the partition is large enough to
/// probe and its estimated groups are at least half its rows.
fn keys_barely_repeat(df: &DataFrame, spec: &AggSpec) -> Result<bool> {
    let height = df.height();
    if spec.keys.is_empty() || height < 4 * PROBE_ROWS {
        return Ok(false);
    }
    let sample = df.slice(0, PROBE_ROWS);
    let distinct = group_rows(&key_series(&sample, spec)?, PROBE_ROWS)?.len();
    Ok(estimated_groups(distinct, PROBE_ROWS, height) * 2.0 >= height as f64)
}

/// The expected number of groups among `rows` rows, when a sample of `sampled` of
/// them held `distinct` different keys: the number of keys `d` solves
/// `distinct = d (1 - (1 - 1/d)^sampled)`, and `rows` rows show `d (1 - e^(-rows/d))`.
fn estimated_groups(distinct: usize, sampled: usize, rows: usize) -> f64 {
    let seen = |d: f64, n: f64| d * (1.0 - (-n / d).exp());
    let (target, n) = (distinct as f64, sampled as f64);
    if distinct >= sampled {
        return rows as f64;
    }
    // `seen` grows with d: bisect on a log scale between `distinct` and 1e15.
    let (mut lo, mut hi) = (target.max(1.0).ln(), 1e15f64.ln());
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if seen(mid.exp(), n) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    seen(hi.exp(), rows as f64)
}

/// The state frame of `groups` of the rows `df`.
fn states_of(
    df: &DataFrame,
    spec: &AggSpec,
    groups: &Groups,
    sem: &Semantics,
) -> Result<DataFrame> {
    let mut cols = key_columns(df, spec, groups)?;
    for (i, call) in spec.calls.iter().enumerate() {
        let args = args_of(df, call)?;
        let states = family(call.func).partial(&Input::new(call, &args, groups, sem))?;
        cols.extend(name_states(i, states));
    }
    frame_with_height(groups.len(), cols)
}

/// Combines state frames (in the given order, which must be partition order).
pub fn merge(states: &DataFrame, spec: &AggSpec, sem: &Semantics) -> Result<DataFrame> {
    let groups = group_rows(&key_series(states, spec)?, states.height())?;
    if groups.len() == states.height() {
        // Every state row is its own group (high-cardinality keys such as q10's):
        // merging changes nothing, so the rows pass through uncopied.
        return Ok(states.clone());
    }
    let mut cols = key_columns(states, spec, &groups)?;
    for (i, (call, st)) in spec
        .calls
        .iter()
        .zip(call_states(states, spec)?)
        .enumerate()
    {
        let merged = family(call.func).merge(&Input::new(call, &st, &groups, sem))?;
        cols.extend(name_states(i, merged));
    }
    frame_with_height(groups.len(), cols)
}

/// The result column of `call`: its type and name, and NaN as the semantics says.
fn conform_result(out: Series, call: &AggCall, sem: &Semantics) -> Result<Series> {
    let out = out
        .cast(&to_polars_type(call.output_type))
        .map_err(pl_err)?
        .with_name(call.output.as_str().into());
    normalize_nan(out, sem)
}

/// State frame → result: the keys, then one column per aggregate.
pub fn finalize(states: &DataFrame, spec: &AggSpec, sem: &Semantics) -> Result<DataFrame> {
    let mut cols = key_series(states, spec)?;
    for (call, st) in spec.calls.iter().zip(call_states(states, spec)?) {
        let out = family(call.func).finalize(call, &st, sem)?;
        cols.push(conform_result(out, call, sem)?);
    }
    frame_with_height(states.height(), cols)
}

/// Rows → result in one step, for any mix of aggregates (holistic ones included).
pub fn aggregate_rows(df: &DataFrame, spec: &AggSpec, sem: &Semantics) -> Result<DataFrame> {
    let df = drop_null_key_rows(df, spec)?;
    let groups = group_rows(&key_series(&df, spec)?, df.height())?;
    let mut cols = key_columns(&df, spec, &groups)?;
    for call in &spec.calls {
        let args = args_of(&df, call)?;
        let out = family(call.func).evaluate(&Input::new(call, &args, &groups, sem))?;
        cols.push(conform_result(out, call, sem)?);
    }
    frame_with_height(groups.len(), cols)
}

#[cfg(test)]
mod tests;
