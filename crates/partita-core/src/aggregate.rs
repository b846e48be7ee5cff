//! Grouped aggregation over one partition, split into partial, merge and final steps.
//!
//! A *state frame* holds the group keys and, per aggregate, the columns of its
//! partial state (count, sum, mean and M2 for the variance, co-moments for the
//! correlation, ...). [`partial`] turns rows into a state frame, [`merge`] combines
//! state frames (of several partitions, in partition order), and [`finalize`] turns
//! a state frame into the result. Holistic aggregates (median, quantile, count
//! distinct) need every value of a group in one place: [`aggregate_rows`] computes
//! any mix of aggregates from rows in one step.
//!
//! Groups come out in first-seen order, so merging in partition order gives the
//! same result for every partition count.

use std::collections::HashSet;

use partita_common::{
    AggregateFunction, DataType, EmptySum, Error, FirstLastNulls, IntegerOverflow, Result,
    Semantics,
};
use polars_core::prelude::{
    BooleanChunked, DataFrame, DataType as PlDataType, Float64Chunked, IdxCa, IdxSize,
    Int64Chunked, IntoSeries, NewChunkedArray, Series, StringChunked,
};

use crate::frame::{column, frame_with_height, normalize_nan, pl_err, to_polars_type};
use crate::scalar::cmp_f64;

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
        self.calls.iter().all(|c| c.func.is_decomposable())
    }
}

use crate::groups::{count_valid, for_each_f64, for_each_i64};
pub use crate::groups::{group_rows, Groups};

fn take(s: &Series, idx: &[IdxSize]) -> Result<Series> {
    let idx = IdxCa::from_vec("idx".into(), idx.to_vec());
    s.take(&idx).map_err(pl_err)
}

fn state_name(i: usize, part: &str) -> String {
    format!("__s{i}_{part}")
}

fn f64_col(s: &Series) -> Result<Float64Chunked> {
    Ok(s.cast(&PlDataType::Float64)
        .map_err(pl_err)?
        .f64()
        .map_err(pl_err)?
        .clone())
}

fn named(s: impl IntoSeries, name: &str) -> Series {
    s.into_series().with_name(name.into())
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
                take(c, &groups.first)
            }
        })
        .collect()
}

/// Min or max per group with the total order (NaN above +inf, strings by code point).
fn extreme(values: &Series, groups: &Groups, want_max: bool, name: &str) -> Result<Series> {
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
            named(
                Int64Chunked::from_iter_options("".into(), acc.into_iter()),
                name,
            )
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
            named(
                Float64Chunked::from_iter_options("".into(), acc.into_iter()),
                name,
            )
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
            named(
                BooleanChunked::from_iter_options("".into(), acc.into_iter()),
                name,
            )
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
            named(
                StringChunked::from_iter_options("".into(), acc.into_iter()),
                name,
            )
        }
        PlDataType::Null => Series::full_null(name.into(), n, &PlDataType::Null),
        other => return Err(Error::NotImplemented(format!("min/max of {other}"))),
    })
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
/// `ignore_nulls`, else the first row's, missing or not. Partial states keep row
/// order, so the same rule merges them.
fn first_last(
    values: &Series,
    groups: &Groups,
    last: bool,
    ignore_nulls: bool,
    name: &str,
) -> Result<Series> {
    let n = groups.len();
    let mut pos: Vec<Option<IdxSize>> = vec![None; n];
    let valid = values.is_not_null();
    for (i, (&g, ok)) in groups.ids.iter().zip(valid.iter()).enumerate() {
        if (!ignore_nulls || ok == Some(true)) && (last || pos[g as usize].is_none()) {
            pos[g as usize] = Some(i as IdxSize);
        }
    }
    let idx: IdxCa = pos.into_iter().collect();
    Ok(values.take(&idx).map_err(pl_err)?.with_name(name.into()))
}

/// Welford state (n, mean, M2) per group.
fn moments(values: &Series, groups: &Groups) -> Result<(Vec<i64>, Vec<f64>, Vec<f64>)> {
    let k = groups.len();
    let (mut n, mut mean, mut m2) = (vec![0i64; k], vec![0f64; k], vec![0f64; k]);
    for_each_f64(values, &groups.ids, |g, x| {
        n[g] += 1;
        let d = x - mean[g];
        mean[g] += d / n[g] as f64;
        m2[g] += d * (x - mean[g]);
    })?;
    Ok((n, mean, m2))
}

/// The error (or nothing, when sums wrap) for an integer sum that overflowed.
fn check_overflow(sem: &Semantics) -> Result<()> {
    match sem.integer_overflow {
        IntegerOverflow::Wrap => Ok(()),
        IntegerOverflow::Error => Err(Error::arithmetic(
            "ARITHMETIC_OVERFLOW",
            "integer overflow in SUM; under pandas semantics it would wrap (set integer_overflow = wrap)",
        )),
    }
}

fn partial_call(
    df: &DataFrame,
    groups: &Groups,
    i: usize,
    call: &AggCall,
    sem: &Semantics,
) -> Result<Vec<Series>> {
    use AggregateFunction::*;
    let k = groups.len();
    let arg = |j: usize| column(df, &call.inputs[j]);
    let int_col = |name: &str, v: Vec<i64>| named(Int64Chunked::from_vec("".into(), v), name);
    let f_col = |name: &str, v: Vec<f64>| named(Float64Chunked::from_vec("".into(), v), name);
    Ok(match call.func {
        CountStar => vec![int_col(&state_name(i, "n"), count_valid(None, groups))],
        Count => vec![int_col(
            &state_name(i, "n"),
            count_valid(Some(arg(0)?), groups),
        )],
        Sum | Mean => {
            let values = arg(0)?;
            let n = count_valid(Some(values), groups);
            let sum = match (call.func, call.input_type) {
                (Sum, DataType::Int64 | DataType::Boolean) => {
                    let mut acc = vec![0i64; k];
                    let mut overflow = false;
                    for_each_i64(values, &groups.ids, |g, v| {
                        let (sum, o) = acc[g].overflowing_add(v);
                        acc[g] = sum;
                        overflow |= o;
                    })?;
                    if overflow {
                        // Wrapped sums are what pandas gives; the semantics decides.
                        check_overflow(sem)?;
                    }
                    int_col(&state_name(i, "sum"), acc)
                }
                (Sum, DataType::Utf8) => {
                    let mut acc = vec![String::new(); k];
                    for (v, &g) in values.str().map_err(pl_err)?.iter().zip(&groups.ids) {
                        if let Some(v) = v {
                            acc[g as usize].push_str(v);
                        }
                    }
                    named(
                        StringChunked::from_iter_values("".into(), acc.iter().map(String::as_str)),
                        &state_name(i, "sum"),
                    )
                }
                _ => {
                    let mut acc = vec![0f64; k];
                    for_each_f64(values, &groups.ids, |g, v| acc[g] += v)?;
                    f_col(&state_name(i, "sum"), acc)
                }
            };
            vec![sum, int_col(&state_name(i, "n"), n)]
        }
        Min | Max => vec![extreme(
            arg(0)?,
            groups,
            call.func == Max,
            &state_name(i, "v"),
        )?],
        First { .. } | Last { .. } => vec![first_last(
            arg(0)?,
            groups,
            matches!(call.func, Last { .. }),
            ignores_nulls(call.func, sem),
            &state_name(i, "v"),
        )?],
        Var { .. } | Std { .. } => {
            let (n, mean, m2) = moments(arg(0)?, groups)?;
            vec![
                int_col(&state_name(i, "n"), n),
                f_col(&state_name(i, "mean"), mean),
                f_col(&state_name(i, "m2"), m2),
            ]
        }
        Corr => {
            let (x, y) = (f64_col(arg(0)?)?, f64_col(arg(1)?)?);
            let mut s = CorrState::new(k);
            for ((x, y), &g) in x.iter().zip(y.iter()).zip(&groups.ids) {
                if let (Some(x), Some(y)) = (x, y) {
                    s.push(g as usize, x, y);
                }
            }
            s.into_series(i)
        }
        Median | Quantile(_) | CountDistinct | SumDistinct | MeanDistinct => {
            return Err(Error::internal(format!(
                "{} has no partial state",
                call.func
            )))
        }
    })
}

struct CorrState {
    n: Vec<i64>,
    mx: Vec<f64>,
    my: Vec<f64>,
    m2x: Vec<f64>,
    m2y: Vec<f64>,
    cxy: Vec<f64>,
}

const CORR_PARTS: [&str; 6] = ["n", "mx", "my", "m2x", "m2y", "cxy"];

impl CorrState {
    fn new(k: usize) -> Self {
        CorrState {
            n: vec![0; k],
            mx: vec![0.0; k],
            my: vec![0.0; k],
            m2x: vec![0.0; k],
            m2y: vec![0.0; k],
            cxy: vec![0.0; k],
        }
    }

    fn push(&mut self, g: usize, x: f64, y: f64) {
        self.n[g] += 1;
        let n = self.n[g] as f64;
        let dx = x - self.mx[g];
        let dy = y - self.my[g];
        self.mx[g] += dx / n;
        self.my[g] += dy / n;
        self.m2x[g] += dx * (x - self.mx[g]);
        self.m2y[g] += dy * (y - self.my[g]);
        self.cxy[g] += dx * (y - self.my[g]);
    }

    /// Adds another state: `n2` pairs with means, M2s and co-moment `[mx, my, m2x, m2y, cxy]`.
    fn combine(&mut self, g: usize, n2: i64, other: [f64; 5]) {
        let [mx2, my2, m2x2, m2y2, cxy2] = other;
        if n2 == 0 {
            return;
        }
        let n1 = self.n[g] as f64;
        let nb = n2 as f64;
        let n = n1 + nb;
        let dx = mx2 - self.mx[g];
        let dy = my2 - self.my[g];
        self.m2x[g] += m2x2 + dx * dx * n1 * nb / n;
        self.m2y[g] += m2y2 + dy * dy * n1 * nb / n;
        self.cxy[g] += cxy2 + dx * dy * n1 * nb / n;
        self.mx[g] += dx * nb / n;
        self.my[g] += dy * nb / n;
        self.n[g] += n2;
    }

    fn into_series(self, i: usize) -> Vec<Series> {
        let mut out = vec![named(
            Int64Chunked::from_vec("".into(), self.n),
            &state_name(i, "n"),
        )];
        for (part, v) in CORR_PARTS[1..]
            .iter()
            .zip([self.mx, self.my, self.m2x, self.m2y, self.cxy])
        {
            out.push(named(
                Float64Chunked::from_vec("".into(), v),
                &state_name(i, part),
            ));
        }
        out
    }
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

fn key_series(df: &DataFrame, spec: &AggSpec) -> Result<Vec<Series>> {
    spec.keys.iter().map(|k| column(df, k).cloned()).collect()
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
        cols.extend(partial_call(df, groups, i, call, sem)?);
    }
    frame_with_height(groups.len(), cols)
}

/// Combines state frames (in the given order, which must be partition order).
pub fn merge(states: &DataFrame, spec: &AggSpec, sem: &Semantics) -> Result<DataFrame> {
    use AggregateFunction::*;
    let groups = group_rows(&key_series(states, spec)?, states.height())?;
    let k = groups.len();
    if k == states.height() {
        // Every state row is its own group (high-cardinality keys such as q10's):
        // merging changes nothing, so the rows pass through uncopied.
        return select_states(states, spec);
    }
    let ids = &groups.ids;
    let mut cols = key_columns(states, spec, &groups)?;
    let st = |i: usize, part: &str| column(states, &state_name(i, part));
    let sum_i64 = |s: &Series| -> Result<Vec<i64>> {
        let mut acc = vec![0i64; k];
        let mut overflow = false;
        for_each_i64(s, ids, |g, v| {
            let (sum, o) = acc[g].overflowing_add(v);
            acc[g] = sum;
            overflow |= o;
        })?;
        if overflow {
            check_overflow(sem)?;
        }
        Ok(acc)
    };
    let sum_n = |s: &Series| -> Result<Vec<i64>> {
        let mut acc = vec![0i64; k];
        for_each_i64(s, ids, |g, v| acc[g] += v)?;
        Ok(acc)
    };
    for (i, call) in spec.calls.iter().enumerate() {
        match call.func {
            CountStar | Count => cols.push(named(
                Int64Chunked::from_vec("".into(), sum_n(st(i, "n")?)?),
                &state_name(i, "n"),
            )),
            Sum | Mean => {
                let s = st(i, "sum")?;
                let sum = match s.dtype() {
                    PlDataType::Int64 => named(
                        Int64Chunked::from_vec("".into(), sum_i64(s)?),
                        &state_name(i, "sum"),
                    ),
                    PlDataType::String => {
                        let mut acc = vec![String::new(); k];
                        for (v, &g) in s.str().map_err(pl_err)?.iter().zip(ids) {
                            acc[g as usize].push_str(v.unwrap_or(""));
                        }
                        named(
                            StringChunked::from_iter_values(
                                "".into(),
                                acc.iter().map(String::as_str),
                            ),
                            &state_name(i, "sum"),
                        )
                    }
                    _ => {
                        let mut acc = vec![0f64; k];
                        for_each_f64(s, ids, |g, v| acc[g] += v)?;
                        named(
                            Float64Chunked::from_vec("".into(), acc),
                            &state_name(i, "sum"),
                        )
                    }
                };
                cols.push(sum);
                cols.push(named(
                    Int64Chunked::from_vec("".into(), sum_n(st(i, "n")?)?),
                    &state_name(i, "n"),
                ));
            }
            Min | Max => cols.push(extreme(
                st(i, "v")?,
                &groups,
                call.func == Max,
                &state_name(i, "v"),
            )?),
            First { .. } | Last { .. } => cols.push(first_last(
                st(i, "v")?,
                &groups,
                matches!(call.func, Last { .. }),
                ignores_nulls(call.func, sem),
                &state_name(i, "v"),
            )?),
            Var { .. } | Std { .. } => {
                let (n_in, mean_in, m2_in) = (
                    st(i, "n")?.i64().map_err(pl_err)?,
                    st(i, "mean")?.f64().map_err(pl_err)?,
                    st(i, "m2")?.f64().map_err(pl_err)?,
                );
                let (mut n, mut mean, mut m2) = (vec![0i64; k], vec![0f64; k], vec![0f64; k]);
                for (((nb, mb), m2b), &g) in
                    n_in.iter().zip(mean_in.iter()).zip(m2_in.iter()).zip(ids)
                {
                    let (nb, mb, m2b) = (nb.unwrap_or(0), mb.unwrap_or(0.0), m2b.unwrap_or(0.0));
                    if nb == 0 {
                        continue;
                    }
                    let g = g as usize;
                    let na = n[g] as f64;
                    let nbf = nb as f64;
                    let tot = na + nbf;
                    let d = mb - mean[g];
                    m2[g] += m2b + d * d * na * nbf / tot;
                    mean[g] += d * nbf / tot;
                    n[g] += nb;
                }
                cols.push(named(
                    Int64Chunked::from_vec("".into(), n),
                    &state_name(i, "n"),
                ));
                cols.push(named(
                    Float64Chunked::from_vec("".into(), mean),
                    &state_name(i, "mean"),
                ));
                cols.push(named(
                    Float64Chunked::from_vec("".into(), m2),
                    &state_name(i, "m2"),
                ));
            }
            Corr => {
                let mut s = CorrState::new(k);
                let n_in = st(i, "n")?.i64().map_err(pl_err)?.clone();
                let parts = CORR_PARTS[1..]
                    .iter()
                    .map(|p| st(i, p).and_then(|s| s.f64().map_err(pl_err).cloned()))
                    .collect::<Result<Vec<_>>>()?;
                for (row, &g) in ids.iter().enumerate() {
                    let v = |j: usize| parts[j].get(row).unwrap_or(0.0);
                    s.combine(
                        g as usize,
                        n_in.get(row).unwrap_or(0),
                        [v(0), v(1), v(2), v(3), v(4)],
                    );
                }
                cols.extend(s.into_series(i));
            }
            Median | Quantile(_) | CountDistinct | SumDistinct | MeanDistinct => {
                return Err(Error::internal(format!("{} cannot be merged", call.func)))
            }
        }
    }
    frame_with_height(k, cols)
}

/// The parts of an aggregate's state, in the order `partial` and `merge` write them.
fn state_parts(func: AggregateFunction) -> Result<&'static [&'static str]> {
    use AggregateFunction::*;
    Ok(match func {
        CountStar | Count => &["n"],
        Sum | Mean => &["sum", "n"],
        Min | Max | First { .. } | Last { .. } => &["v"],
        Var { .. } | Std { .. } => &["n", "mean", "m2"],
        Corr => &CORR_PARTS,
        Median | Quantile(_) | CountDistinct | SumDistinct | MeanDistinct => {
            return Err(Error::internal(format!("{func} cannot be merged")))
        }
    })
}

/// The key and state columns of a state frame whose rows are each one group.
fn select_states(states: &DataFrame, spec: &AggSpec) -> Result<DataFrame> {
    let mut cols = key_series(states, spec)?;
    for (i, call) in spec.calls.iter().enumerate() {
        for part in state_parts(call.func)? {
            cols.push(column(states, &state_name(i, part))?.clone());
        }
    }
    frame_with_height(states.height(), cols)
}

fn finalize_call(states: &DataFrame, i: usize, call: &AggCall, sem: &Semantics) -> Result<Series> {
    use AggregateFunction::*;
    let st = |part: &str| column(states, &state_name(i, part));
    let name = call.output.as_str();
    let out = match call.func {
        CountStar | Count => st("n")?.clone(),
        Sum => {
            let (s, n) = (st("sum")?, st("n")?.i64().map_err(pl_err)?);
            let empty = n.iter().map(|c| c.unwrap_or(0) == 0);
            match (sem.empty_sum, s.dtype()) {
                (EmptySum::Zero, _) => s.clone(),
                (EmptySum::Null, PlDataType::Int64) => {
                    let ca: Int64Chunked = s
                        .i64()
                        .map_err(pl_err)?
                        .iter()
                        .zip(empty)
                        .map(|(v, e)| if e { None } else { v })
                        .collect();
                    ca.into_series()
                }
                (EmptySum::Null, PlDataType::String) => {
                    let ca: StringChunked = s
                        .str()
                        .map_err(pl_err)?
                        .iter()
                        .zip(empty)
                        .map(|(v, e)| if e { None } else { v })
                        .collect();
                    ca.into_series()
                }
                (EmptySum::Null, _) => {
                    let ca: Float64Chunked = s
                        .f64()
                        .map_err(pl_err)?
                        .iter()
                        .zip(empty)
                        .map(|(v, e)| if e { None } else { v })
                        .collect();
                    ca.into_series()
                }
            }
        }
        Mean => {
            let (s, n) = (
                f64_col(st("sum")?)?,
                st("n")?.i64().map_err(pl_err)?.clone(),
            );
            let ca: Float64Chunked = s
                .iter()
                .zip(n.iter())
                .map(|(s, n)| match n {
                    Some(n) if n > 0 => Some(s.unwrap_or(0.0) / n as f64),
                    _ => None,
                })
                .collect();
            ca.into_series()
        }
        Min | Max | First { .. } | Last { .. } => st("v")?.clone(),
        Var { ddof } | Std { ddof } => {
            let (n, m2) = (
                st("n")?.i64().map_err(pl_err)?.clone(),
                st("m2")?.f64().map_err(pl_err)?.clone(),
            );
            let is_std = matches!(call.func, Std { .. });
            let ca: Float64Chunked = n
                .iter()
                .zip(m2.iter())
                .map(|(n, m2)| {
                    let n = n.unwrap_or(0);
                    if n - (ddof as i64) <= 0 {
                        return None;
                    }
                    let var = m2.unwrap_or(0.0) / (n - ddof as i64) as f64;
                    let var = if var.is_nan() { f64::NAN } else { var.max(0.0) };
                    Some(if is_std { var.sqrt() } else { var })
                })
                .collect();
            ca.into_series()
        }
        Corr => {
            let n = st("n")?.i64().map_err(pl_err)?.clone();
            let (m2x, m2y, cxy) = (
                st("m2x")?.f64().map_err(pl_err)?.clone(),
                st("m2y")?.f64().map_err(pl_err)?.clone(),
                st("cxy")?.f64().map_err(pl_err)?.clone(),
            );
            let ca: Float64Chunked = (0..n.len())
                .map(|r| {
                    let n = n.get(r).unwrap_or(0);
                    let (a, b, c) = (m2x.get(r)?, m2y.get(r)?, cxy.get(r)?);
                    if n < 2 || a == 0.0 || b == 0.0 {
                        return None;
                    }
                    Some((c / (a.sqrt() * b.sqrt())).clamp(-1.0, 1.0))
                })
                .collect();
            ca.into_series()
        }
        Median | Quantile(_) | CountDistinct | SumDistinct | MeanDistinct => {
            return Err(Error::internal(format!("{} has no state", call.func)))
        }
    };
    let out = out
        .cast(&to_polars_type(call.output_type))
        .map_err(pl_err)?
        .with_name(name.into());
    normalize_nan(out, sem)
}

/// State frame → result: the keys, then one column per aggregate.
pub fn finalize(states: &DataFrame, spec: &AggSpec, sem: &Semantics) -> Result<DataFrame> {
    let mut cols = spec
        .keys
        .iter()
        .map(|k| column(states, k).cloned())
        .collect::<Result<Vec<_>>>()?;
    for (i, call) in spec.calls.iter().enumerate() {
        cols.push(finalize_call(states, i, call, sem)?);
    }
    frame_with_height(states.height(), cols)
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
fn count_distinct_tuples(
    df: &DataFrame,
    groups: &Groups,
    call: &AggCall,
    sem: &Semantics,
) -> Result<Series> {
    let cols = call
        .inputs
        .iter()
        .map(|c| column(df, c))
        .collect::<Result<Vec<_>>>()?;
    let skip_missing = sem.logic == partita_common::Logic::ThreeValued;
    let mut seen: HashSet<(u32, String)> = HashSet::new();
    for (row, &g) in groups.ids.iter().enumerate() {
        let mut key = String::new();
        let mut missing = false;
        for c in &cols {
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

fn holistic(df: &DataFrame, groups: &Groups, call: &AggCall, sem: &Semantics) -> Result<Series> {
    use AggregateFunction::*;
    let k = groups.len();
    if call.func == CountDistinct && call.inputs.len() > 1 {
        return count_distinct_tuples(df, groups, call, sem);
    }
    let values = column(df, &call.inputs[0])?;
    Ok(match call.func {
        Median | Quantile(_) => {
            let q = if let Quantile(q) = call.func { q } else { 0.5 };
            let mut per: Vec<Vec<f64>> = vec![vec![]; k];
            for_each_f64(values, &groups.ids, |g, v| per[g].push(v))?;
            let ca: Float64Chunked = per
                .into_iter()
                .map(|mut v| {
                    v.sort_unstable_by(|a, b| cmp_f64(*a, *b));
                    quantile_sorted(&v, q)
                })
                .collect();
            ca.into_series()
        }
        CountDistinct => {
            let mut seen: HashSet<(u32, DistinctKey<'_>)> = HashSet::new();
            let ids = &groups.ids;
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
            Int64Chunked::from_vec("".into(), counts).into_series()
        }
        SumDistinct | MeanDistinct => distinct_sum(values, groups, call.func == MeanDistinct, sem)?,
        _ => return Err(Error::internal(format!("{} is not holistic", call.func))),
    })
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
            let mut acc = 0i64;
            for x in v {
                acc = crate::scalar::add_i64(acc, x, sem)?;
            }
            sums.push(Some(acc));
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

/// Rows → result in one step, for any mix of aggregates (holistic ones included).
pub fn aggregate_rows(df: &DataFrame, spec: &AggSpec, sem: &Semantics) -> Result<DataFrame> {
    let df = drop_null_key_rows(df, spec)?;
    let groups = group_rows(&key_series(&df, spec)?, df.height())?;
    let key_cols = key_columns(&df, spec, &groups)?;
    let mut cols = key_cols.clone();
    for (i, call) in spec.calls.iter().enumerate() {
        let out = if call.func.is_decomposable() {
            let mut state_cols = key_cols.clone();
            state_cols.extend(partial_call(&df, &groups, i, call, sem)?);
            let states = frame_with_height(groups.len(), state_cols)?;
            finalize_call(&states, i, call, sem)?
        } else {
            let s = holistic(&df, &groups, call, sem)?;
            let s = s
                .cast(&to_polars_type(call.output_type))
                .map_err(pl_err)?
                .with_name(call.output.as_str().into());
            normalize_nan(s, sem)?
        };
        cols.push(out);
    }
    frame_with_height(groups.len(), cols)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars_core::prelude::{IntoColumn, NamedFrom};

    fn spec() -> AggSpec {
        AggSpec {
            keys: vec!["k".into()],
            calls: vec![
                AggCall {
                    func: AggregateFunction::Sum,
                    inputs: vec!["v".into()],
                    output: "s".into(),
                    input_type: DataType::Int64,
                    output_type: DataType::Int64,
                },
                AggCall {
                    func: AggregateFunction::Var { ddof: 1 },
                    inputs: vec!["v".into()],
                    output: "var".into(),
                    input_type: DataType::Int64,
                    output_type: DataType::Float64,
                },
            ],
            drop_null_keys: false,
        }
    }

    /// `rows` rows whose key is `row % keys`, value `row % 7`.
    fn table(rows: usize, keys: usize) -> DataFrame {
        let k: Vec<i64> = (0..rows).map(|r| (r % keys) as i64).collect();
        let v: Vec<i64> = (0..rows).map(|r| (r % 7) as i64).collect();
        DataFrame::new(
            rows,
            vec![
                Series::new("k".into(), k).into_column(),
                Series::new("v".into(), v).into_column(),
            ],
        )
        .unwrap()
    }

    fn sorted_by_key(df: DataFrame) -> DataFrame {
        df.sort(["k"], Default::default()).unwrap()
    }

    #[test]
    fn the_estimate_follows_the_sample() {
        // Every sampled row distinct: as many groups as rows.
        assert_eq!(estimated_groups(16_384, 16_384, 1_000_000), 1_000_000.0);
        // 100 keys seen 164 times each: about 100 groups however many rows.
        let few = estimated_groups(100, 16_384, 1_000_000);
        assert!((99.0..=101.0).contains(&few), "{few}");
        // 1e5 keys show about 15,112 distinct in 16,384 rows: about 1e5 groups in 625k rows.
        let many = estimated_groups(15_112, 16_384, 625_000);
        assert!((90_000.0..=110_000.0).contains(&many), "{many}");
    }

    #[test]
    fn partial_or_rows_skips_grouping_only_where_keys_barely_repeat() {
        let sem = Semantics::spark();
        let unique = table(100_000, 100_000);
        let rows = partial_or_rows(&unique, &spec(), &sem).unwrap();
        assert_eq!(rows.height(), 100_000, "one state per row");
        let repeated = table(100_000, 1_000);
        let grouped = partial_or_rows(&repeated, &spec(), &sem).unwrap();
        assert_eq!(grouped.height(), 1_000, "grouped");
    }

    #[test]
    fn states_per_row_merge_to_the_grouped_result() {
        let sem = Semantics::spark();
        // 60,000 keys over 100,000 rows: the probe sees mostly distinct keys.
        let df = table(100_000, 60_000);
        let per_row = partial_or_rows(&df, &spec(), &sem).unwrap();
        assert_eq!(per_row.height(), 100_000);
        let via_rows = finalize(&merge(&per_row, &spec(), &sem).unwrap(), &spec(), &sem).unwrap();
        let direct = finalize(&partial(&df, &spec(), &sem).unwrap(), &spec(), &sem).unwrap();
        assert_eq!(via_rows.height(), 60_000);
        assert!(sorted_by_key(via_rows).equals_missing(&sorted_by_key(direct)));
    }

    #[test]
    fn merging_states_of_distinct_keys_passes_them_through() {
        let sem = Semantics::spark();
        let df = table(1_000, 1_000);
        let states = partial(&df, &spec(), &sem).unwrap();
        let merged = merge(&states, &spec(), &sem).unwrap();
        assert!(merged.equals_missing(&states));
    }
}
