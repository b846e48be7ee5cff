//! Grouped aggregation over one partition, split into partial, merge and final steps.
//!
//! A *state frame* holds the group keys and, per aggregate, the columns of its
//! partial state (a count, an exact integer sum, the bins of an order-independent
//! float sum, sums of squares and products for a variance or a correlation, ...).
//! Every state is exact or binned (`exact.rs`), so merging states in any tree gives
//! the same bits: results do not depend on the partitioning, `split_every` or
//! `split_out`, and an integer SUM overflows only when its total does. [`partial`] turns rows into a state frame, [`merge`] combines
//! state frames (of several partitions, in partition order), and [`finalize`] turns
//! a state frame into the result. Holistic aggregates (median, quantile, count
//! distinct) need every value of a group in one place: [`aggregate_rows`] computes
//! any mix of aggregates from rows in one step.
//!
//! Groups come out in first-seen order, so merging in partition order gives the
//! same result for every partition count.

use std::borrow::Cow;

use polars_arrow::array::Array;
use std::collections::HashSet;

use partita_common::{
    AggregateFunction, DataType, EmptySum, Error, FirstLastNulls, IntegerOverflow, Result,
    Semantics,
};
use polars_core::prelude::{
    BooleanChunked, DataFrame, DataType as PlDataType, Float64Chunked, IdxCa, IdxSize,
    Int64Chunked, IntoSeries, NewChunkedArray, Series, StringChunked,
};

use crate::exact::{centered, ldexp, Binned, Sum192, Wide, CENTERED_ORIGIN};
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
    let view = crate::frame::key_view(values)?;
    let out = extreme_of_keys(&view, groups, want_max, name)?;
    crate::frame::from_key_view(out, values.dtype())
}

fn extreme_of_keys(values: &Series, groups: &Groups, want_max: bool, name: &str) -> Result<Series> {
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

/// How SUM and AVG accumulate, decided by the input type (so the same in every
/// partition): integers (and booleans) exactly in an `i128` held as two `i64`
/// columns, floats in an order-independent binned sum ([`Binned`]), strings
/// (pandas) by concatenation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SumKind {
    Integer,
    Float,
    Text,
}

fn sum_kind(call: &AggCall) -> SumKind {
    match call.input_type {
        t if t.is_integer() => SumKind::Integer,
        DataType::Boolean | DataType::Null => SumKind::Integer,
        DataType::Utf8 => SumKind::Text,
        _ => SumKind::Float,
    }
}

/// Bins of a float SUM or AVG, of the values of a variance, and of sums of
/// products (see `exact.rs` for the precision each gives).
const SUM_BINS: usize = 3;
const MOMENT_BINS: usize = 4;
const PRODUCT_BINS: usize = 5;

/// Above this many groups, binned states (32 bytes each) outgrow the L2 cache and
/// the float SUM / AVG loop prefetches them, [`PREFETCH_DISTANCE`] rows ahead
/// (about 7 % faster on 1e5 groups; a merge gained nothing from it).
const PREFETCH_GROUPS: usize = 16_384;
const PREFETCH_DISTANCE: usize = 16;

/// Asks the CPU to bring `value` into the cache (a hint; nothing elsewhere).
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that never faults, and the pointer is valid.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// The largest count of values per group for which the `i64` bins of a binned sum
/// cannot overflow (each adds chunks below `2^28`).
const MAX_BINNED_VALUES: i64 = 1 << 35;

/// The state parts of a binned sum: `{prefix}_bin0`, ..., and `{prefix}_window`
/// (the window's top bin and the NaN / infinity flags).
fn binned_parts(prefix: &str, bins: usize) -> Vec<String> {
    let mut parts: Vec<String> = (0..bins).map(|j| format!("{prefix}_bin{j}")).collect();
    parts.push(format!("{prefix}_window"));
    parts
}

/// The state columns of binned sums, one row per group.
fn binned_columns<const K: usize>(i: usize, prefix: &str, sums: &[Binned<K>]) -> Vec<Series> {
    let mut bins: Vec<Vec<i64>> = (0..K).map(|_| Vec::with_capacity(sums.len())).collect();
    let mut window = Vec::with_capacity(sums.len());
    for s in sums {
        let (b, w) = s.to_parts();
        for (col, v) in bins.iter_mut().zip(b) {
            col.push(v);
        }
        window.push(w);
    }
    bins.push(window);
    binned_parts(prefix, K)
        .iter()
        .zip(bins)
        .map(|(part, v)| named(Int64Chunked::from_vec("".into(), v), &state_name(i, part)))
        .collect()
}

/// The values of an `i64` column of states (missing as 0), borrowed when it is one
/// chunk without nulls (as a merge task's concatenated input is).
fn i64_values(s: &Series) -> Result<Cow<'_, [i64]>> {
    let ca = s.i64().map_err(pl_err)?;
    if let Ok(v) = ca.cont_slice() {
        return Ok(Cow::Borrowed(v));
    }
    let mut out = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        if arr.null_count() == 0 {
            out.extend_from_slice(arr.values());
        } else {
            out.extend(arr.iter().map(|v| v.copied().unwrap_or(0)));
        }
    }
    Ok(Cow::Owned(out))
}

/// The state columns of binned sums, as `i64` slices.
fn binned_inputs<'a, const K: usize>(
    states: &'a DataFrame,
    i: usize,
    prefix: &str,
) -> Result<Vec<Cow<'a, [i64]>>> {
    binned_parts(prefix, K)
        .iter()
        .map(|part| column(states, &state_name(i, part)).and_then(i64_values))
        .collect()
}

/// The binned sum of row `row` of [`binned_inputs`].
#[inline(always)]
fn binned_at<const K: usize>(cols: &[Cow<'_, [i64]>], row: usize) -> Binned<K> {
    Binned::from_parts(std::array::from_fn(|j| cols[j][row]), cols[K][row])
}

/// The binned sums of a state frame, one per state row.
fn read_binned<const K: usize>(
    states: &DataFrame,
    i: usize,
    prefix: &str,
) -> Result<Vec<Binned<K>>> {
    let cols = binned_inputs::<K>(states, i, prefix)?;
    Ok((0..states.height())
        .map(|row| binned_at(&cols, row))
        .collect())
}

/// Merges the binned sums of the state rows into their groups.
fn merge_binned<const K: usize>(
    states: &DataFrame,
    i: usize,
    prefix: &str,
    groups: &Groups,
) -> Result<Vec<Series>> {
    let mut acc = vec![Binned::<K>::default(); groups.len()];
    let cols = binned_inputs::<K>(states, i, prefix)?;
    for (row, &g) in groups.ids.iter().enumerate() {
        acc[g as usize].merge(&binned_at(&cols, row));
    }
    Ok(binned_columns(i, prefix, &acc))
}

/// The exact integer sums of a state frame (`sum` holds the low 64 bits, `sum_hi`
/// the high 64 bits of an `i128`).
fn read_wide_sums(states: &DataFrame, i: usize) -> Result<Vec<i128>> {
    read_wide_sums_named(states, i, "sum")
}

/// The `i128` sums of parts `{part}` (low 64 bits) and `{part}_hi` (high 64 bits).
fn read_wide_sums_named(states: &DataFrame, i: usize, part: &str) -> Result<Vec<i128>> {
    let lo = i64_values(column(states, &state_name(i, part))?)?;
    let hi = i64_values(column(states, &state_name(i, &format!("{part}_hi")))?)?;
    Ok(lo
        .iter()
        .zip(hi.iter())
        .map(|(&lo, &hi)| join_i128(lo, hi))
        .collect())
}

/// The i128 whose low and high 64 bits are `lo` and `hi`.
#[inline(always)]
fn join_i128(lo: i64, hi: i64) -> i128 {
    ((hi as i128) << 64) | (lo as u64 as i128)
}

fn wide_sum_columns(i: usize, sums: &[i128]) -> Vec<Series> {
    let lo: Vec<i64> = sums.iter().map(|&s| s as i64).collect();
    let hi: Vec<i64> = sums.iter().map(|&s| (s >> 64) as i64).collect();
    vec![
        named(Int64Chunked::from_vec("".into(), lo), &state_name(i, "sum")),
        named(
            Int64Chunked::from_vec("".into(), hi),
            &state_name(i, "sum_hi"),
        ),
    ]
}

/// The error (or nothing, when sums wrap) for an integer sum outside the i64 range.
fn check_overflow(sem: &Semantics) -> Result<()> {
    match sem.integer_overflow {
        IntegerOverflow::Wrap => Ok(()),
        IntegerOverflow::Error => Err(Error::arithmetic(
            "ARITHMETIC_OVERFLOW",
            "integer overflow in SUM; under pandas semantics it would wrap (set integer_overflow = wrap)",
        )),
    }
}

/// The counts of a state frame, checked against [`MAX_BINNED_VALUES`].
fn binned_counts(states: &DataFrame, i: usize) -> Result<Int64Chunked> {
    let n = column(states, &state_name(i, "n"))?
        .i64()
        .map_err(pl_err)?
        .clone();
    if n.iter().flatten().any(|m| m >= MAX_BINNED_VALUES) {
        return Err(Error::NotImplemented(format!(
            "a floating-point sum of {MAX_BINNED_VALUES} or more values in one group"
        )));
    }
    Ok(n)
}

/// The moment sums of a variance: count, Σx and Σx² per group.
struct Moments {
    n: Vec<i64>,
    sum: Vec<Binned<MOMENT_BINS>>,
    squares: Vec<Binned<PRODUCT_BINS>>,
}

impl Moments {
    fn of(values: &Series, groups: &Groups) -> Result<Moments> {
        let k = groups.len();
        let mut m = Moments {
            n: vec![0; k],
            sum: vec![Binned::default(); k],
            squares: vec![Binned::default(); k],
        };
        for_each_f64(values, &groups.ids, |g, x| {
            m.n[g] += 1;
            m.sum[g].add(x);
            m.squares[g].add_product(x, x);
        })?;
        Ok(m)
    }

    fn into_series(self, i: usize) -> Vec<Series> {
        let mut out = vec![named(
            Int64Chunked::from_vec("".into(), self.n),
            &state_name(i, "n"),
        )];
        out.extend(binned_columns(i, "sum", &self.sum));
        out.extend(binned_columns(i, "sq", &self.squares));
        out
    }

    fn parts() -> Vec<String> {
        let mut parts = vec!["n".to_string()];
        parts.extend(binned_parts("sum", MOMENT_BINS));
        parts.extend(binned_parts("sq", PRODUCT_BINS));
        parts
    }
}

/// `x` times `2^e` as `(m, e)` from [`Wide::to_scaled`](crate::exact::Wide), or zero.
type Scaled = Option<(f64, i64)>;

/// `numerator / sqrt(a * b)` for scaled values, without overflow.
fn scaled_ratio(numerator: (f64, i64), a: (f64, i64), b: (f64, i64)) -> f64 {
    let (mut ma, mut e) = (a.0 * b.0, a.1 + b.1);
    if e % 2 != 0 {
        ma *= 2.0;
        e -= 1;
    }
    ldexp(numerator.0 / ma.sqrt(), numerator.1 - e / 2)
}

/// The partial state of one aggregate. It never fails on values: an integer sum is
/// exact, and whether it overflows is decided at finalize.
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
    Ok(match call.func {
        CountStar => vec![int_col(&state_name(i, "n"), count_valid(None, groups))],
        Count => vec![int_col(
            &state_name(i, "n"),
            count_valid(Some(arg(0)?), groups),
        )],
        Sum | Mean => {
            let values = arg(0)?;
            let n = count_valid(Some(values), groups);
            let mut cols = match sum_kind(call) {
                SumKind::Integer => {
                    // Exact: whether the total fits an i64 is decided at finalize,
                    // on the total, never on a partial sum. An i64 running sum is
                    // exact unless it wraps, which is rare: only then add again in
                    // an i128.
                    let mut acc = vec![0i64; k];
                    let mut wrapped = false;
                    for_each_i64(values, &groups.ids, |g, v| {
                        let (sum, o) = acc[g].overflowing_add(v);
                        acc[g] = sum;
                        wrapped |= o;
                    })?;
                    if wrapped {
                        let mut wide = vec![0i128; k];
                        for_each_i64(values, &groups.ids, |g, v| {
                            wide[g] = wide[g].wrapping_add(v as i128)
                        })?;
                        wide_sum_columns(i, &wide)
                    } else {
                        let hi = acc.iter().map(|&s| s >> 63).collect();
                        vec![
                            int_col(&state_name(i, "sum"), acc),
                            int_col(&state_name(i, "sum_hi"), hi),
                        ]
                    }
                }
                SumKind::Text => {
                    let mut acc = vec![String::new(); k];
                    for (v, &g) in values.str().map_err(pl_err)?.iter().zip(&groups.ids) {
                        if let Some(v) = v {
                            acc[g as usize].push_str(v);
                        }
                    }
                    vec![named(
                        StringChunked::from_iter_values("".into(), acc.iter().map(String::as_str)),
                        &state_name(i, "sum"),
                    )]
                }
                SumKind::Float if k == df.height() => {
                    // One group per row (first-seen ids are then 0, 1, ...): the
                    // state of each value, written straight into the columns.
                    let mut parts: [Vec<i64>; SUM_BINS + 1] =
                        std::array::from_fn(|_| Vec::with_capacity(k));
                    let mut push = |b: Binned<SUM_BINS>| {
                        let (bins, window) = b.to_parts();
                        for (col, b) in parts.iter_mut().zip(bins) {
                            col.push(b);
                        }
                        parts[SUM_BINS].push(window);
                    };
                    if values.null_count() == 0 {
                        for_each_f64(values, &groups.ids, |_, v| push(Binned::single(v)))?;
                    } else {
                        let mut row = 0;
                        for_each_f64(values, &groups.ids, |g, v| {
                            // Rows without a value have the empty state.
                            while row < g {
                                push(Binned::default());
                                row += 1;
                            }
                            push(Binned::single(v));
                            row += 1;
                        })?;
                        while row < k {
                            push(Binned::default());
                            row += 1;
                        }
                    }
                    binned_parts("sum", SUM_BINS)
                        .iter()
                        .zip(parts)
                        .map(|(part, v)| int_col(&state_name(i, part), v))
                        .collect()
                }
                SumKind::Float => {
                    let mut acc = vec![Binned::<SUM_BINS>::default(); k];
                    match values.f64().ok().and_then(|ca| ca.cont_slice().ok()) {
                        // Many groups: the 32-byte states miss the cache, so each
                        // row asks for the state of a row a little ahead.
                        Some(v) if k > PREFETCH_GROUPS => {
                            let ids = &groups.ids;
                            for (row, (&x, &g)) in v.iter().zip(ids).enumerate() {
                                if let Some(&ahead) = ids.get(row + PREFETCH_DISTANCE) {
                                    prefetch(&acc[ahead as usize]);
                                }
                                acc[g as usize].add(x);
                            }
                        }
                        _ => for_each_f64(values, &groups.ids, |g, v| acc[g].add(v))?,
                    }
                    binned_columns(i, "sum", &acc)
                }
            };
            cols.push(int_col(&state_name(i, "n"), n));
            cols
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
        Var { .. } | Std { .. } => Moments::of(arg(0)?, groups)?.into_series(i),
        Corr if IntCorrState::applies(arg(0)?, arg(1)?) => {
            IntCorrState::of(arg(0)?, arg(1)?, groups)?.into_series(i)
        }
        Corr => {
            let (x, y) = (f64_col(arg(0)?)?, f64_col(arg(1)?)?);
            let mut s = CorrState::new(k);
            let ids = &groups.ids;
            match (x.cont_slice(), y.cont_slice()) {
                (Ok(x), Ok(y)) => {
                    for ((&x, &y), &g) in x.iter().zip(y).zip(ids) {
                        s.push(g as usize, x, y);
                    }
                }
                _ => {
                    for ((x, y), &g) in x.iter().zip(y.iter()).zip(ids) {
                        if let (Some(x), Some(y)) = (x, y) {
                            s.push(g as usize, x, y);
                        }
                    }
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

/// The sums of a correlation per group: count, Σx, Σy, Σx², Σy², Σxy, each exact
/// within its window and order-independent.
struct CorrState {
    n: Vec<i64>,
    x: Vec<Binned<MOMENT_BINS>>,
    y: Vec<Binned<MOMENT_BINS>>,
    xx: Vec<Binned<PRODUCT_BINS>>,
    yy: Vec<Binned<PRODUCT_BINS>>,
    xy: Vec<Binned<PRODUCT_BINS>>,
}

const CORR_SUMS: [&str; 2] = ["x", "y"];
const CORR_PRODUCTS: [&str; 3] = ["xx", "yy", "xy"];

impl CorrState {
    fn new(k: usize) -> Self {
        CorrState {
            n: vec![0; k],
            x: vec![Binned::default(); k],
            y: vec![Binned::default(); k],
            xx: vec![Binned::default(); k],
            yy: vec![Binned::default(); k],
            xy: vec![Binned::default(); k],
        }
    }

    #[inline]
    fn push(&mut self, g: usize, x: f64, y: f64) {
        self.n[g] += 1;
        self.x[g].add(x);
        self.y[g].add(y);
        self.xx[g].add_product(x, x);
        self.yy[g].add_product(y, y);
        self.xy[g].add_product(x, y);
    }

    fn parts() -> Vec<String> {
        let mut parts = vec!["n".to_string()];
        for p in CORR_SUMS {
            parts.extend(binned_parts(p, MOMENT_BINS));
        }
        for p in CORR_PRODUCTS {
            parts.extend(binned_parts(p, PRODUCT_BINS));
        }
        parts
    }

    /// The merged states of the state rows, by group.
    fn merged(states: &DataFrame, i: usize, groups: &Groups) -> Result<Vec<Series>> {
        let mut out = vec![];
        for p in CORR_SUMS {
            out.extend(merge_binned::<MOMENT_BINS>(states, i, p, groups)?);
        }
        for p in CORR_PRODUCTS {
            out.extend(merge_binned::<PRODUCT_BINS>(states, i, p, groups)?);
        }
        Ok(out)
    }

    fn into_series(self, i: usize) -> Vec<Series> {
        let mut out = vec![named(
            Int64Chunked::from_vec("".into(), self.n),
            &state_name(i, "n"),
        )];
        out.extend(binned_columns(i, "x", &self.x));
        out.extend(binned_columns(i, "y", &self.y));
        out.extend(binned_columns(i, "xx", &self.xx));
        out.extend(binned_columns(i, "yy", &self.yy));
        out.extend(binned_columns(i, "xy", &self.xy));
        out
    }
}

/// Pearson's correlation from the exact co-moments `n Σxx - Σx Σx` (and so on),
/// each rounded once (`None` for zero). A NaN or an infinity among x (or y) makes
/// its moments NaN: no result when the other column is constant, NaN otherwise, as
/// a running (Welford) computation gives.
fn correlation(
    n: i64,
    (bad_x, bad_y): (bool, bool),
    cxx: impl FnOnce() -> Scaled,
    cyy: impl FnOnce() -> Scaled,
    cxy: impl FnOnce() -> Scaled,
) -> Option<f64> {
    if n < 2 {
        return None;
    }
    let nan = Some((f64::NAN, 0));
    let positive = |m: Scaled| m.filter(|m| m.0 > 0.0);
    let a = if bad_x { nan } else { positive(cxx()) }?;
    let b = if bad_y { nan } else { positive(cyy()) }?;
    if bad_x || bad_y {
        return Some(f64::NAN);
    }
    Some(match cxy() {
        None => 0.0,
        Some(c) => scaled_ratio(c, a, b).clamp(-1.0, 1.0),
    })
}

/// The sums of a correlation of two integer columns, exact in integers: count,
/// Σx and Σy in `i128`, Σx², Σy² and Σxy in 192 bits. Cheaper than the binned sums
/// of floats, and exact for any values.
struct IntCorrState {
    n: Vec<i64>,
    x: Vec<i128>,
    y: Vec<i128>,
    xx: Vec<Sum192>,
    yy: Vec<Sum192>,
    xy: Vec<Sum192>,
}

impl IntCorrState {
    /// True when both inputs are integer columns (the schema's types, so the same
    /// in every partition).
    fn applies(x: &Series, y: &Series) -> bool {
        x.dtype() == &PlDataType::Int64 && y.dtype() == &PlDataType::Int64
    }

    /// True when the correlation `i` of a state frame has integer sums.
    fn in_states(states: &DataFrame, i: usize) -> bool {
        states.column(&state_name(i, "xy_int0")).is_ok()
    }

    fn of(x: &Series, y: &Series, groups: &Groups) -> Result<IntCorrState> {
        let k = groups.len();
        let mut s = IntCorrState {
            n: vec![0; k],
            x: vec![0; k],
            y: vec![0; k],
            xx: vec![Sum192::default(); k],
            yy: vec![Sum192::default(); k],
            xy: vec![Sum192::default(); k],
        };
        let (xs, ys) = (x.i64().map_err(pl_err)?, y.i64().map_err(pl_err)?);
        let mut push = |g: usize, x: i64, y: i64| {
            s.n[g] += 1;
            s.x[g] = s.x[g].wrapping_add(x as i128);
            s.y[g] = s.y[g].wrapping_add(y as i128);
            s.xx[g].add_product(x, x);
            s.yy[g].add_product(y, y);
            s.xy[g].add_product(x, y);
        };
        match (xs.cont_slice(), ys.cont_slice()) {
            (Ok(xv), Ok(yv)) => {
                for ((&x, &y), &g) in xv.iter().zip(yv).zip(&groups.ids) {
                    push(g as usize, x, y);
                }
            }
            _ => {
                for ((x, y), &g) in xs.iter().zip(ys.iter()).zip(&groups.ids) {
                    if let (Some(x), Some(y)) = (x, y) {
                        push(g as usize, x, y);
                    }
                }
            }
        }
        Ok(s)
    }

    fn parts() -> Vec<String> {
        let mut parts = vec!["n".to_string()];
        for p in CORR_SUMS {
            parts.push(p.to_string());
            parts.push(format!("{p}_hi"));
        }
        for p in CORR_PRODUCTS {
            parts.extend((0..3).map(|j| format!("{p}_int{j}")));
        }
        parts
    }

    fn product_columns(i: usize, p: &str, sums: &[Sum192]) -> Vec<Series> {
        let mut words: [Vec<i64>; 3] = std::array::from_fn(|_| Vec::with_capacity(sums.len()));
        for s in sums {
            for (w, v) in words.iter_mut().zip(s.to_parts()) {
                w.push(v);
            }
        }
        words
            .into_iter()
            .enumerate()
            .map(|(j, v)| {
                named(
                    Int64Chunked::from_vec("".into(), v),
                    &state_name(i, &format!("{p}_int{j}")),
                )
            })
            .collect()
    }

    fn sum_columns(i: usize, p: &str, sums: &[i128]) -> Vec<Series> {
        let lo: Vec<i64> = sums.iter().map(|&s| s as i64).collect();
        let hi: Vec<i64> = sums.iter().map(|&s| (s >> 64) as i64).collect();
        vec![
            named(Int64Chunked::from_vec("".into(), lo), &state_name(i, p)),
            named(
                Int64Chunked::from_vec("".into(), hi),
                &state_name(i, &format!("{p}_hi")),
            ),
        ]
    }

    /// The sums (without the count) of the state rows, merged by group.
    fn merged(states: &DataFrame, i: usize, groups: &Groups) -> Result<Vec<Series>> {
        let k = groups.len();
        let mut out = vec![];
        for p in CORR_SUMS {
            let mut acc = vec![0i128; k];
            for (v, &g) in read_wide_sums_named(states, i, p)?
                .into_iter()
                .zip(&groups.ids)
            {
                acc[g as usize] = acc[g as usize].wrapping_add(v);
            }
            out.extend(Self::sum_columns(i, p, &acc));
        }
        for p in CORR_PRODUCTS {
            let cols = (0..3)
                .map(|j| {
                    column(states, &state_name(i, &format!("{p}_int{j}"))).and_then(i64_values)
                })
                .collect::<Result<Vec<_>>>()?;
            let mut acc = vec![Sum192::default(); k];
            for (r, &g) in groups.ids.iter().enumerate() {
                acc[g as usize].merge(&Sum192::from_parts([cols[0][r], cols[1][r], cols[2][r]]));
            }
            out.extend(Self::product_columns(i, p, &acc));
        }
        Ok(out)
    }

    fn into_series(self, i: usize) -> Vec<Series> {
        let mut out = vec![named(
            Int64Chunked::from_vec("".into(), self.n),
            &state_name(i, "n"),
        )];
        out.extend(Self::sum_columns(i, "x", &self.x));
        out.extend(Self::sum_columns(i, "y", &self.y));
        out.extend(Self::product_columns(i, "xx", &self.xx));
        out.extend(Self::product_columns(i, "yy", &self.yy));
        out.extend(Self::product_columns(i, "xy", &self.xy));
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
    let sum_n = |i: usize| -> Result<Series> {
        let mut acc = vec![0i64; k];
        for_each_i64(st(i, "n")?, ids, |g, v| acc[g] += v)?;
        Ok(named(
            Int64Chunked::from_vec("".into(), acc),
            &state_name(i, "n"),
        ))
    };
    for (i, call) in spec.calls.iter().enumerate() {
        match call.func {
            CountStar | Count => cols.push(sum_n(i)?),
            Sum | Mean => {
                match sum_kind(call) {
                    SumKind::Integer => {
                        // Exact: an overflow is decided on the total, at finalize.
                        let lo = i64_values(st(i, "sum")?)?;
                        let hi = i64_values(st(i, "sum_hi")?)?;
                        let mut acc = vec![0i128; k];
                        for ((&lo, &hi), &g) in lo.iter().zip(hi.iter()).zip(ids) {
                            let a = &mut acc[g as usize];
                            *a = a.wrapping_add(join_i128(lo, hi));
                        }
                        cols.extend(wide_sum_columns(i, &acc));
                    }
                    SumKind::Text => {
                        let mut acc = vec![String::new(); k];
                        for (v, &g) in st(i, "sum")?.str().map_err(pl_err)?.iter().zip(ids) {
                            acc[g as usize].push_str(v.unwrap_or(""));
                        }
                        cols.push(named(
                            StringChunked::from_iter_values(
                                "".into(),
                                acc.iter().map(String::as_str),
                            ),
                            &state_name(i, "sum"),
                        ));
                    }
                    SumKind::Float => {
                        cols.extend(merge_binned::<SUM_BINS>(states, i, "sum", &groups)?)
                    }
                }
                cols.push(sum_n(i)?);
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
                cols.push(sum_n(i)?);
                cols.extend(merge_binned::<MOMENT_BINS>(states, i, "sum", &groups)?);
                cols.extend(merge_binned::<PRODUCT_BINS>(states, i, "sq", &groups)?);
            }
            Corr => {
                cols.push(sum_n(i)?);
                if IntCorrState::in_states(states, i) {
                    cols.extend(IntCorrState::merged(states, i, &groups)?);
                } else {
                    cols.extend(CorrState::merged(states, i, &groups)?);
                }
            }
            Median | Quantile(_) | CountDistinct | SumDistinct | MeanDistinct => {
                return Err(Error::internal(format!("{} cannot be merged", call.func)))
            }
        }
    }
    frame_with_height(k, cols)
}

/// The parts of an aggregate's state, in the order `partial` and `merge` write them
/// (those of `states`, for a correlation, whose parts depend on its input types).
fn state_parts(states: &DataFrame, i: usize, call: &AggCall) -> Result<Vec<String>> {
    use AggregateFunction::*;
    let names = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect();
    Ok(match call.func {
        CountStar | Count => names(&["n"]),
        Sum | Mean => {
            let mut parts = match sum_kind(call) {
                SumKind::Integer => names(&["sum", "sum_hi"]),
                SumKind::Text => names(&["sum"]),
                SumKind::Float => binned_parts("sum", SUM_BINS),
            };
            parts.push("n".to_string());
            parts
        }
        Min | Max | First { .. } | Last { .. } => names(&["v"]),
        Var { .. } | Std { .. } => Moments::parts(),
        Corr if IntCorrState::in_states(states, i) => IntCorrState::parts(),
        Corr => CorrState::parts(),
        Median | Quantile(_) | CountDistinct | SumDistinct | MeanDistinct => {
            return Err(Error::internal(format!("{} cannot be merged", call.func)))
        }
    })
}

/// The key and state columns of a state frame whose rows are each one group.
fn select_states(states: &DataFrame, spec: &AggSpec) -> Result<DataFrame> {
    let mut cols = key_series(states, spec)?;
    for (i, call) in spec.calls.iter().enumerate() {
        for part in state_parts(states, i, call)? {
            cols.push(column(states, &state_name(i, &part))?.clone());
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
            // A slice, not `ChunkedArray::get` per row (q10 finalizes a state per row).
            let n = i64_values(st("n")?)?;
            let empty_is_null = sem.empty_sum == EmptySum::Null;
            let empty = |r: usize| empty_is_null && n[r] == 0;
            match sum_kind(call) {
                SumKind::Integer => {
                    let totals = read_wide_sums(states, i)?;
                    let mut out = Vec::with_capacity(totals.len());
                    for (r, &t) in totals.iter().enumerate() {
                        // Wrapping keeps the low 64 bits: two's-complement addition
                        // in any order, as pandas gives.
                        if t as i64 as i128 != t {
                            check_overflow(sem)?;
                        }
                        out.push((!empty(r)).then_some(t as i64));
                    }
                    Int64Chunked::from_iter_options("".into(), out.into_iter()).into_series()
                }
                SumKind::Text => {
                    let ca: StringChunked = st("sum")?
                        .str()
                        .map_err(pl_err)?
                        .iter()
                        .enumerate()
                        .map(|(r, v)| if empty(r) { None } else { v })
                        .collect();
                    ca.into_series()
                }
                SumKind::Float => {
                    binned_counts(states, i)?;
                    let cols = binned_inputs::<SUM_BINS>(states, i, "sum")?;
                    let ca: Float64Chunked = (0..states.height())
                        .map(|r| (!empty(r)).then(|| binned_at::<SUM_BINS>(&cols, r).value()))
                        .collect();
                    ca.into_series()
                }
            }
        }
        Mean => {
            let n = st("n")?.i64().map_err(pl_err)?.clone();
            let sums: Vec<f64> = match sum_kind(call) {
                SumKind::Integer => read_wide_sums(states, i)?
                    .into_iter()
                    .map(|t| t as f64)
                    .collect(),
                _ => {
                    binned_counts(states, i)?;
                    let cols = binned_inputs::<SUM_BINS>(states, i, "sum")?;
                    (0..states.height())
                        .map(|r| binned_at::<SUM_BINS>(&cols, r).value())
                        .collect()
                }
            };
            let ca: Float64Chunked = sums
                .iter()
                .zip(n.iter())
                .map(|(s, n)| match n {
                    Some(n) if n > 0 => Some(s / n as f64),
                    _ => None,
                })
                .collect();
            ca.into_series()
        }
        Min | Max | First { .. } | Last { .. } => st("v")?.clone(),
        Var { ddof } | Std { ddof } => {
            let n = binned_counts(states, i)?;
            let sum = read_binned::<MOMENT_BINS>(states, i, "sum")?;
            let squares = read_binned::<PRODUCT_BINS>(states, i, "sq")?;
            let is_std = matches!(call.func, Std { .. });
            let ca: Float64Chunked = n
                .iter()
                .zip(sum.iter().zip(&squares))
                .map(|(n, (s, sq))| {
                    let n = n.unwrap_or(0);
                    let dof = n - ddof as i64;
                    if dof <= 0 {
                        return None;
                    }
                    if s.saw_special() {
                        return Some(f64::NAN);
                    }
                    // n Σx² - (Σx)², exact, rounded once; then divided by n (n - ddof).
                    let var = match centered(n, &s.wide(), &s.wide(), &sq.wide())
                        .to_scaled(CENTERED_ORIGIN)
                    {
                        None => 0.0,
                        Some((m, e)) => ldexp(m / (n as f64 * dof as f64), e).max(0.0),
                    };
                    Some(if is_std { var.sqrt() } else { var })
                })
                .collect();
            ca.into_series()
        }
        Corr if IntCorrState::in_states(states, i) => {
            let n = st("n")?.i64().map_err(pl_err)?;
            let sum = |p: &str| -> Result<Vec<Wide>> {
                Ok(read_wide_sums_named(states, i, p)?
                    .into_iter()
                    .map(Wide::from_i128)
                    .collect())
            };
            let (x, y) = (sum("x")?, sum("y")?);
            let products = |p: &str| -> Result<Vec<Wide>> {
                let cols =
                    [0, 1, 2].map(|j| column(states, &state_name(i, &format!("{p}_int{j}"))));
                let cols = cols
                    .into_iter()
                    .map(|c| c.and_then(i64_values))
                    .collect::<Result<Vec<_>>>()?;
                Ok((0..states.height())
                    .map(|r| Sum192::from_parts([cols[0][r], cols[1][r], cols[2][r]]).wide())
                    .collect())
            };
            let (xx, yy, xy) = (products("xx")?, products("yy")?, products("xy")?);
            let ca: Float64Chunked = (0..n.len())
                .map(|r| {
                    let n = n.get(r).unwrap_or(0);
                    let moment = |a: &Wide, b: &Wide, ab: &Wide| centered(n, a, b, ab).to_scaled(0);
                    correlation(
                        n,
                        (false, false),
                        || moment(&x[r], &x[r], &xx[r]),
                        || moment(&y[r], &y[r], &yy[r]),
                        || moment(&x[r], &y[r], &xy[r]),
                    )
                })
                .collect();
            ca.into_series()
        }
        Corr => {
            let n = binned_counts(states, i)?;
            let x = read_binned::<MOMENT_BINS>(states, i, "x")?;
            let y = read_binned::<MOMENT_BINS>(states, i, "y")?;
            let xx = read_binned::<PRODUCT_BINS>(states, i, "xx")?;
            let yy = read_binned::<PRODUCT_BINS>(states, i, "yy")?;
            let xy = read_binned::<PRODUCT_BINS>(states, i, "xy")?;
            let ca: Float64Chunked = (0..n.len())
                .map(|r| {
                    let n = n.get(r).unwrap_or(0);
                    let moment = |a: &Binned<MOMENT_BINS>,
                                  b: &Binned<MOMENT_BINS>,
                                  ab: &Binned<PRODUCT_BINS>| {
                        centered(n, &a.wide(), &b.wide(), &ab.wide()).to_scaled(CENTERED_ORIGIN)
                    };
                    correlation(
                        n,
                        (x[r].saw_special(), y[r].saw_special()),
                        || moment(&x[r], &x[r], &xx[r]),
                        || moment(&y[r], &y[r], &yy[r]),
                        || moment(&x[r], &y[r], &xy[r]),
                    )
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
    fn float_states_per_row_merge_to_the_same_bits_as_grouped_states() {
        use AggregateFunction::*;
        let sem = Semantics::spark();
        let rows = 100_000;
        // Values with nulls whose plain sums depend on the order of additions.
        let v: Vec<Option<f64>> = (0..rows)
            .map(|r| (r % 11 != 0).then_some((r % 97) as f64 * 0.1 + (r % 5) as f64 * 1e9))
            .collect();
        let df = DataFrame::new(
            rows,
            vec![
                Series::new(
                    "k".into(),
                    (0..rows).map(|r| (r % 60_000) as i64).collect::<Vec<_>>(),
                )
                .into_column(),
                Series::new("v".into(), v).into_column(),
                // Without nulls: the prefetching loop of many groups.
                Series::new(
                    "u".into(),
                    (0..rows).map(|r| r as f64 * 0.1).collect::<Vec<_>>(),
                )
                .into_column(),
            ],
        )
        .unwrap();
        let call = |func, output: &str| AggCall {
            func,
            inputs: vec![if output == "su" { "u" } else { "v" }.into()],
            output: output.into(),
            input_type: DataType::Float64,
            output_type: DataType::Float64,
        };
        let spec = AggSpec {
            keys: vec!["k".into()],
            calls: vec![
                call(Sum, "s"),
                call(Mean, "m"),
                call(Var { ddof: 1 }, "var"),
                call(Sum, "su"),
            ],
            drop_null_keys: false,
        };
        let per_row = partial_or_rows(&df, &spec, &sem).unwrap();
        assert_eq!(per_row.height(), rows);
        let via_rows = finalize(&merge(&per_row, &spec, &sem).unwrap(), &spec, &sem).unwrap();
        // The same rows, grouped in two halves merged in the other order.
        let (a, b) = (df.slice(0, rows / 2), df.slice((rows / 2) as i64, rows / 2));
        let mut states = partial(&b, &spec, &sem).unwrap();
        states
            .vstack_mut(&partial(&a, &spec, &sem).unwrap())
            .unwrap();
        let halves = finalize(&merge(&states, &spec, &sem).unwrap(), &spec, &sem).unwrap();
        assert!(sorted_by_key(via_rows).equals_missing(&sorted_by_key(halves)));
        // 20k groups (the prefetching loop): the whole table and its halves merged
        // in the other order give the same bits.
        let mut by_fewer = df.clone();
        by_fewer
            .with_column(
                Series::new(
                    "k".into(),
                    (0..rows).map(|r| (r % 20_000) as i64).collect::<Vec<_>>(),
                )
                .into_column(),
            )
            .unwrap();
        let whole = finalize(&partial(&by_fewer, &spec, &sem).unwrap(), &spec, &sem).unwrap();
        let (a, b) = (
            by_fewer.slice(0, rows / 2),
            by_fewer.slice((rows / 2) as i64, rows / 2),
        );
        let mut states = partial(&b, &spec, &sem).unwrap();
        states
            .vstack_mut(&partial(&a, &spec, &sem).unwrap())
            .unwrap();
        let halves = finalize(&merge(&states, &spec, &sem).unwrap(), &spec, &sem).unwrap();
        assert_eq!(whole.height(), 20_000);
        assert!(sorted_by_key(whole).equals_missing(&sorted_by_key(halves)));
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
