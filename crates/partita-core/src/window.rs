//! Window functions over the rows of one task ([`window`]): every partition of a
//! window (rows of equal partition keys) must be whole in the frame it gets.
//!
//! Per window, the rows are grouped by the partition keys, ordered by (partition,
//! order keys) with a stable sort, and each partition is walked once in that
//! order: ranks from the peers (rows of equal order keys), offsets by position, and
//! aggregates incrementally where the frame only grows (running totals, the whole
//! partition), by frame otherwise. Results are written back at their rows, so the
//! rows keep their order.

use partita_common::{
    AggregateFunction, Error, FrameBound, IntegerOverflow, NullGroupKeys, PandasRankMethod, Result,
    Semantics, SortKey, WindowFunction, WindowResults, WindowSpec,
};
use polars_core::prelude::{
    BooleanChunked, DataFrame, DataType as PlDataType, IdxCa, IdxSize, NamedFrom, Series,
};

use crate::exact::Binned;
use crate::frame::{
    column, frame_with_height, normalize_nan, pl_err, scalar_series, to_polars_type,
};
use crate::groups::group_rows;
use crate::scalar;
use crate::sort::sort_order;

/// `df` with one column per `(name, spec)` added: each window's value at every row.
pub fn window(
    df: &DataFrame,
    specs: &[(String, WindowSpec)],
    sem: &Semantics,
) -> Result<DataFrame> {
    let mut cols: Vec<Series> = crate::frame::series_of(df);
    for (name, spec) in specs {
        let mut s = one(df, spec, sem, None)?;
        s.rename(name.as_str().into());
        cols.push(s);
    }
    frame_with_height(df.height(), cols)
}

/// True when a window can run slice by slice over rows in window order, each slice
/// continuing from the totals of the slices before it: no partition keys, and a
/// row number or a running COUNT, SUM, AVG, MIN or MAX over the rows up to the
/// current one.
pub fn is_scannable(spec: &WindowSpec) -> bool {
    let running = spec.frame.rows
        && spec.frame.start == FrameBound::UnboundedPreceding
        && spec.frame.end == FrameBound::CurrentRow;
    spec.partition_by.is_empty()
        && match &spec.func {
            WindowFunction::RowNumber => !spec.unranked_missing,
            WindowFunction::Aggregate(
                AggregateFunction::CountStar
                | AggregateFunction::Count
                | AggregateFunction::Sum
                | AggregateFunction::Mean
                | AggregateFunction::Min
                | AggregateFunction::Max,
            ) => running,
            _ => false,
        }
}

/// The totals of a slice of rows for each scannable window (one row of states),
/// for the slices after it.
pub fn window_states(
    df: &DataFrame,
    specs: &[(String, WindowSpec)],
    sem: &Semantics,
) -> Result<DataFrame> {
    let mut cols = vec![];
    for (j, (_, spec)) in specs.iter().enumerate() {
        let mut acc = Acc::default();
        let vals = match spec.func {
            WindowFunction::RowNumber => (0..df.height()).map(|_| Value::Int(1)).collect(),
            _ => values(df, spec, sem)?,
        };
        for v in &vals {
            acc.push(v);
        }
        cols.push(Series::new(
            format!("__state{j}").as_str().into(),
            [acc.to_bytes().as_slice()],
        ));
    }
    frame_with_height(1, cols)
}

/// [`window`] over a slice of rows that continues the slices whose states
/// ([`window_states`]) are given, in order.
pub fn window_after(
    df: &DataFrame,
    specs: &[(String, WindowSpec)],
    sem: &Semantics,
    states: &[DataFrame],
) -> Result<DataFrame> {
    let mut cols: Vec<Series> = crate::frame::series_of(df);
    for (j, (name, spec)) in specs.iter().enumerate() {
        let mut prior = Acc::default();
        for st in states {
            let s = column(st, &format!("__state{j}"))?;
            let bytes = s.binary().map_err(pl_err)?;
            for b in bytes.iter().flatten() {
                prior.merge(&Acc::from_bytes(b)?);
            }
        }
        let mut s = one(df, spec, sem, Some(&prior))?;
        s.rename(name.as_str().into());
        cols.push(s);
    }
    frame_with_height(df.height(), cols)
}

/// The rows of one partition in window order, with where each peer run starts.
struct Partition<'a> {
    /// Row numbers in window order.
    rows: &'a [u32],
    /// For each position, the first and one-past-last position of its peers.
    peers: Vec<(usize, usize)>,
    /// The partition's rows, those left unranked included.
    size: usize,
}

/// One window column; `prior` holds the totals of the rows before these (a
/// scannable window run slice by slice).
fn one(df: &DataFrame, spec: &WindowSpec, sem: &Semantics, prior: Option<&Acc>) -> Result<Series> {
    let n = df.height();
    let pandas = sem.window_results == WindowResults::Pandas;
    let keys = spec
        .partition_by
        .iter()
        .map(|c| column(df, c).cloned())
        .collect::<Result<Vec<_>>>()?;
    let groups = group_rows(&keys, n)?;
    // Rows whose partition key is missing leave the window under pandas' rule.
    let mut excluded = vec![false; n];
    if sem.null_group_keys == NullGroupKeys::Drop && !spec.keep_null_keys {
        for k in &keys {
            mark_missing(k, &mut excluded);
        }
    }
    let order_cols = spec
        .order
        .iter()
        .map(|k| column(df, &k.column).cloned())
        .collect::<Result<Vec<_>>>()?;
    // pandas ranks leave a missing order value out (`na_option='keep'`), though
    // the partition's size counts it.
    let mut unranked = vec![false; n];
    if spec.unranked_missing && spec.func.leaves_missing_unranked() {
        for k in &order_cols {
            mark_missing(k, &mut unranked);
        }
    }
    // Window order: by partition, then by the order keys; stable.
    let mut sort_cols = vec![Series::new(
        "__partition".into(),
        groups.ids.iter().map(|&g| g as i64).collect::<Vec<i64>>(),
    )];
    let mut sort_keys = vec![SortKey::ascending("__partition")];
    for (i, (k, c)) in spec.order.iter().zip(&order_cols).enumerate() {
        let name = format!("__order{i}");
        let mut c = c.clone();
        c.rename(name.as_str().into());
        sort_cols.push(c);
        sort_keys.push(SortKey {
            column: name,
            ..k.clone()
        });
    }
    let by = frame_with_height(n, sort_cols)?;
    let order = sort_order(&by, &sort_keys, None)?;
    let peer_ids = if order_cols.is_empty() {
        vec![0; n]
    } else {
        group_rows(&order_cols, n)?.ids
    };
    let mut out = Output::new(n);
    let mut start = 0;
    while start < n {
        let g = groups.ids[order[start] as usize];
        let mut end = start;
        while end < n && groups.ids[order[end] as usize] == g {
            end += 1;
        }
        // The partition's rows that take part.
        let kept = order[start..end]
            .iter()
            .filter(|&&r| !excluded[r as usize])
            .count();
        let rows: Vec<u32> = order[start..end]
            .iter()
            .copied()
            .filter(|&r| !excluded[r as usize] && !unranked[r as usize])
            .collect();
        let mut peers = vec![(0, 0); rows.len()];
        let mut i = 0;
        while i < rows.len() {
            let mut j = i + 1;
            while j < rows.len() && peer_ids[rows[j] as usize] == peer_ids[rows[i] as usize] {
                j += 1;
            }
            peers[i..j].fill((i, j));
            i = j;
        }
        let part = Partition {
            rows: &rows,
            peers,
            size: kept,
        };
        compute(df, spec, sem, &part, &mut out, prior)?;
        start = end;
    }
    // pandas' `shift(fill_value=..)` fills the rows its groupby left out too.
    if pandas && excluded.iter().any(|&x| x) {
        if let WindowFunction::Lag { default, .. } | WindowFunction::Lead { default, .. } =
            &spec.func
        {
            if !default.is_null() {
                let v = out.take();
                for (r, _) in excluded.iter().enumerate().filter(|(_, &x)| x) {
                    v[r] = Some(Err(()));
                }
            }
        }
    }
    out.finish(df, spec, sem)
}

/// Marks the rows where `s` is missing.
fn mark_missing(s: &Series, marks: &mut [bool]) {
    if s.null_count() == 0 {
        return;
    }
    for (m, valid) in marks.iter_mut().zip(s.is_not_null().iter()) {
        *m |= valid != Some(true);
    }
}

/// The values being built, per row (missing until set).
enum Values {
    Ints(Vec<Option<i64>>),
    Floats(Vec<Option<f64>>),
    /// Rows to take the argument's value from; `Err(())` takes the default.
    Take(Vec<Option<std::result::Result<u32, ()>>>),
}

struct Output {
    values: Option<Values>,
    n: usize,
}

impl Output {
    fn new(n: usize) -> Self {
        Output { values: None, n }
    }

    fn ints(&mut self) -> &mut Vec<Option<i64>> {
        let n = self.n;
        match self
            .values
            .get_or_insert_with(|| Values::Ints(vec![None; n]))
        {
            Values::Ints(v) => v,
            _ => unreachable!("one kind of values per window"),
        }
    }

    fn floats(&mut self) -> &mut Vec<Option<f64>> {
        let n = self.n;
        match self
            .values
            .get_or_insert_with(|| Values::Floats(vec![None; n]))
        {
            Values::Floats(v) => v,
            _ => unreachable!("one kind of values per window"),
        }
    }

    fn take(&mut self) -> &mut Vec<Option<std::result::Result<u32, ()>>> {
        let n = self.n;
        match self
            .values
            .get_or_insert_with(|| Values::Take(vec![None; n]))
        {
            Values::Take(v) => v,
            _ => unreachable!("one kind of values per window"),
        }
    }

    /// The column, in the window's output type.
    fn finish(mut self, df: &DataFrame, spec: &WindowSpec, sem: &Semantics) -> Result<Series> {
        let name = "window";
        let s = match self.values.take() {
            None => Series::full_null(name.into(), self.n, &to_polars_type(spec.output)),
            Some(Values::Ints(v)) => Series::new(name.into(), v),
            Some(Values::Floats(v)) => Series::new(name.into(), v),
            Some(Values::Take(v)) => {
                let arg = column(df, spec.arg.as_deref().unwrap_or_default())?;
                let idx: IdxCa = v
                    .iter()
                    .map(|r| match r {
                        Some(Ok(r)) => Some(*r as IdxSize),
                        _ => None,
                    })
                    .collect();
                let taken = arg.take(&idx).map_err(pl_err)?;
                let taken = scalar::cast(&taken, spec.output, sem)?;
                let default = match &spec.func {
                    WindowFunction::Lag { default, .. } | WindowFunction::Lead { default, .. }
                        if !default.is_null() =>
                    {
                        default
                    }
                    _ => return scalar::cast(&taken, spec.output, sem),
                };
                let use_default: BooleanChunked =
                    v.iter().map(|r| matches!(r, Some(Err(())))).collect();
                let fill = scalar::cast(&scalar_series(name, default, self.n), spec.output, sem)?;
                fill.zip_with(&use_default, &taken).map_err(pl_err)?
            }
        };
        // Under `nan = missing` a NaN made here (`inf - inf`) is missing, as every
        // expression's is.
        normalize_nan(scalar::cast(&s, spec.output, sem)?, sem)
    }
}

/// Computes one partition's values into `out`.
fn compute(
    df: &DataFrame,
    spec: &WindowSpec,
    sem: &Semantics,
    p: &Partition,
    out: &mut Output,
    prior: Option<&Acc>,
) -> Result<()> {
    let m = p.rows.len();
    let rank = |k: usize| p.peers[k].0 + 1;
    match &spec.func {
        WindowFunction::RowNumber => {
            let before = prior.map_or(0, |a| a.rows);
            let v = out.ints();
            for (k, &r) in p.rows.iter().enumerate() {
                v[r as usize] = Some(before + k as i64 + 1);
            }
        }
        WindowFunction::Rank => {
            let v = out.ints();
            for (k, &r) in p.rows.iter().enumerate() {
                v[r as usize] = Some(rank(k) as i64);
            }
        }
        WindowFunction::DenseRank => {
            let v = out.ints();
            let mut dense = 0;
            for (k, &r) in p.rows.iter().enumerate() {
                if p.peers[k].0 == k {
                    dense += 1;
                }
                v[r as usize] = Some(dense);
            }
        }
        WindowFunction::PercentRank => {
            // pandas divides 0 by 0 for a partition of one row.
            let pandas = sem.window_results == WindowResults::Pandas;
            let v = out.floats();
            for (k, &r) in p.rows.iter().enumerate() {
                v[r as usize] = match p.size {
                    0 | 1 if pandas => None,
                    0 | 1 => Some(0.0),
                    size => Some((rank(k) - 1) as f64 / (size - 1) as f64),
                };
            }
        }
        WindowFunction::CumeDist => {
            let v = out.floats();
            for (k, &r) in p.rows.iter().enumerate() {
                v[r as usize] = Some(p.peers[k].1 as f64 / p.size as f64);
            }
        }
        WindowFunction::Ntile(buckets) => {
            let v = out.ints();
            let b = *buckets as usize;
            let (base, extra) = (m / b, m % b);
            for (k, &r) in p.rows.iter().enumerate() {
                let bucket = if base == 0 {
                    k
                } else if k < extra * (base + 1) {
                    k / (base + 1)
                } else {
                    extra + (k - extra * (base + 1)) / base
                };
                v[r as usize] = Some(bucket as i64 + 1);
            }
        }
        WindowFunction::Lag { offset, .. } | WindowFunction::Lead { offset, .. } => {
            let lag = matches!(spec.func, WindowFunction::Lag { .. });
            let off = *offset as usize;
            let v = out.take();
            for (k, &r) in p.rows.iter().enumerate() {
                let at = if lag {
                    k.checked_sub(off)
                } else {
                    Some(k + off)
                };
                v[r as usize] = Some(match at.filter(|&a| a < m) {
                    Some(a) => Ok(p.rows[a]),
                    None => Err(()),
                });
            }
        }
        WindowFunction::FirstValue | WindowFunction::LastValue | WindowFunction::NthValue(_) => {
            let keys = order_values(df, spec)?;
            let present: Option<Vec<bool>> = match (&spec.func, &spec.arg) {
                (WindowFunction::FirstValue | WindowFunction::LastValue, Some(a))
                    if spec.ignore_nulls =>
                {
                    Some(
                        column(df, a)?
                            .is_not_null()
                            .iter()
                            .map(|x| x == Some(true))
                            .collect(),
                    )
                }
                _ => None,
            };
            let has = |a: usize| present.as_ref().is_none_or(|p| p[a]);
            let v = out.take();
            for (k, &r) in p.rows.iter().enumerate() {
                let (lo, hi) = frame_bounds(spec, sem, p, k, keys.as_deref());
                let at = match spec.func {
                    WindowFunction::FirstValue => (lo..hi).find(|&a| has(p.rows[a] as usize)),
                    WindowFunction::LastValue => (lo..hi).rev().find(|&a| has(p.rows[a] as usize)),
                    WindowFunction::NthValue(n) => Some(lo + n as usize - 1),
                    _ => unreachable!(),
                };
                // Missing (not the default) where the frame holds no such row.
                v[r as usize] = at.filter(|&a| a >= lo && a < hi).map(|a| Ok(p.rows[a]));
            }
        }
        WindowFunction::Aggregate(func) => aggregate(df, spec, sem, *func, p, out, prior)?,
        // The product rides on the aggregate path (its value comes from the state).
        WindowFunction::Product => aggregate(df, spec, sem, AggregateFunction::Sum, p, out, prior)?,
        WindowFunction::PandasRank { method, pct, .. } => {
            let distinct = (0..m).filter(|&k| p.peers[k].0 == k).count();
            let v = out.floats();
            let mut dense = 0.0;
            for (k, &r) in p.rows.iter().enumerate() {
                let (first, end) = p.peers[k];
                if first == k {
                    dense += 1.0;
                }
                let rank = match method {
                    PandasRankMethod::Average => (first + 1 + end) as f64 / 2.0,
                    PandasRankMethod::Min => (first + 1) as f64,
                    PandasRankMethod::Max => end as f64,
                    PandasRankMethod::First => (k + 1) as f64,
                    PandasRankMethod::Dense => dense,
                };
                let scale = match method {
                    PandasRankMethod::Dense => distinct,
                    _ => m,
                };
                v[r as usize] = Some(if *pct { rank / scale as f64 } else { rank });
            }
        }
    }
    Ok(())
}

/// The single order key's values as floats, for a RANGE frame with an offset.
fn order_values(df: &DataFrame, spec: &WindowSpec) -> Result<Option<Vec<Option<f64>>>> {
    let offsets = |b: FrameBound| matches!(b, FrameBound::Preceding(_) | FrameBound::Following(_));
    if spec.frame.rows || !(offsets(spec.frame.start) || offsets(spec.frame.end)) {
        return Ok(None);
    }
    let [key] = spec.order.as_slice() else {
        return Err(Error::plan(
            "a RANGE frame with an offset needs one ORDER BY key",
        ));
    };
    let s = column(df, &key.column)?;
    if !(s.dtype().is_primitive_numeric()) {
        return Err(Error::plan(format!(
            "a RANGE frame with an offset needs a numeric ORDER BY key, not {}",
            s.dtype()
        )));
    }
    let f = s.cast(&PlDataType::Float64).map_err(pl_err)?;
    Ok(Some(f.f64().map_err(pl_err)?.iter().collect()))
}

/// The frame of position `k` as positions `lo..hi` of the partition.
fn frame_bounds(
    spec: &WindowSpec,
    sem: &Semantics,
    p: &Partition,
    k: usize,
    keys: Option<&[Option<f64>]>,
) -> (usize, usize) {
    let m = p.rows.len();
    let f = &spec.frame;
    // pandas' `between` over a missing order value finds no row.
    if let Some(keys) = keys {
        if keys[p.rows[k] as usize].is_none() && sem.window_results == WindowResults::Pandas {
            return (k, k);
        }
    }
    // RANGE with an offset: the rows whose key is within the offset of this row's
    // (in the order's direction); a missing key's frame is its peers.
    let by_value = |bound: FrameBound, start: bool| -> usize {
        let keys = keys.expect("order values for a RANGE offset");
        let desc = spec.order[0].descending;
        let here = keys[p.rows[k] as usize];
        let Some(x) = here else {
            // Spark: the missing keys' peers.
            return if start { p.peers[k].0 } else { p.peers[k].1 };
        };
        let delta = match bound {
            FrameBound::Preceding(d) => -(d as f64),
            FrameBound::Following(d) => d as f64,
            _ => 0.0,
        };
        let target = if desc { x - delta } else { x + delta };
        // Position order: ascending keys (descending when `desc`), missing first or last.
        let before = |y: f64| if desc { y > target } else { y < target };
        let after = |y: f64| if desc { y < target } else { y > target };
        if start {
            (0..m)
                .find(|&a| keys[p.rows[a] as usize].is_some_and(|y| !before(y)))
                .unwrap_or(m)
        } else {
            (0..m)
                .rev()
                .find(|&a| keys[p.rows[a] as usize].is_some_and(|y| !after(y)))
                .map_or(0, |a| a + 1)
        }
    };
    let lo = match f.start {
        FrameBound::UnboundedPreceding => 0,
        FrameBound::CurrentRow if f.rows => k,
        FrameBound::CurrentRow => p.peers[k].0,
        FrameBound::Preceding(d) if f.rows => k.saturating_sub(d as usize),
        FrameBound::Following(d) if f.rows => (k + d as usize).min(m),
        b @ (FrameBound::Preceding(_) | FrameBound::Following(_)) => by_value(b, true),
        FrameBound::UnboundedFollowing => m,
    };
    let hi = match f.end {
        FrameBound::UnboundedFollowing => m,
        FrameBound::CurrentRow if f.rows => k + 1,
        FrameBound::CurrentRow => p.peers[k].1,
        FrameBound::Following(d) if f.rows => (k + d as usize + 1).min(m),
        FrameBound::Preceding(d) if f.rows => (k + 1).saturating_sub(d as usize),
        b @ (FrameBound::Preceding(_) | FrameBound::Following(_)) => by_value(b, false),
        FrameBound::UnboundedPreceding => 0,
    };
    (lo, hi.max(lo))
}

/// An aggregate's running state over the values of a frame. Float sums are binned
/// (order-independent, rounded once), as SUM's are: a running sum continued from
/// an earlier slice's state gives the bits a single pass gives.
#[derive(Clone, Default)]
struct Acc {
    rows: i64,
    count: i64,
    int_sum: i128,
    float_sum: Binned<3>,
    min: Option<f64>,
    max: Option<f64>,
    int_min: Option<i64>,
    int_max: Option<i64>,
    /// The product of the integers (wrapping) and whether it overflowed.
    int_product: Option<i64>,
    product_overflowed: bool,
    /// The product of the floats.
    float_product: Option<f64>,
}

impl Acc {
    /// The sum as a float: of the floats (binned) or of the integers.
    fn float_value(&self) -> f64 {
        if self.int_sum != 0 {
            self.int_sum as f64
        } else {
            self.float_sum.value()
        }
    }

    /// Adds another slice's state (the rows before this one).
    fn merge(&mut self, other: &Acc) {
        self.rows += other.rows;
        self.count += other.count;
        self.int_sum += other.int_sum;
        self.float_sum.merge(&other.float_sum);
        let pick = |a: Option<f64>, b: Option<f64>, max: bool| match (a, b) {
            (None, x) | (x, None) => x,
            (Some(x), Some(y)) if max && (x.is_nan() || y.is_nan()) => Some(f64::NAN),
            (Some(x), Some(y)) if !max && x.is_nan() => Some(y),
            (Some(x), Some(y)) if !max && y.is_nan() => Some(x),
            (Some(x), Some(y)) => Some(if max { x.max(y) } else { x.min(y) }),
        };
        self.min = pick(self.min, other.min, false);
        self.max = pick(self.max, other.max, true);
        self.int_min = match (self.int_min, other.int_min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.int_max = match (self.int_max, other.int_max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    /// The state as bytes (a slice's total, for the slices after it).
    fn to_bytes(&self) -> Vec<u8> {
        let (bins, window) = self.float_sum.to_parts();
        let mut out = vec![];
        for v in [self.rows, self.count, window] {
            out.extend(v.to_le_bytes());
        }
        out.extend(self.int_sum.to_le_bytes());
        for b in bins {
            out.extend(b.to_le_bytes());
        }
        for f in [self.min, self.max] {
            out.push(f.is_some() as u8);
            out.extend(f.unwrap_or(0.0).to_bits().to_le_bytes());
        }
        for i in [self.int_min, self.int_max] {
            out.push(i.is_some() as u8);
            out.extend(i.unwrap_or(0).to_le_bytes());
        }
        out
    }

    fn from_bytes(b: &[u8]) -> Result<Acc> {
        let bad = || Error::internal("a malformed window state");
        let mut at = 0;
        let mut take = |n: usize| -> Result<&[u8]> {
            let s = b.get(at..at + n).ok_or_else(bad)?;
            at += n;
            Ok(s)
        };
        let i64_at = |s: &[u8]| i64::from_le_bytes(s.try_into().expect("8 bytes"));
        let rows = i64_at(take(8)?);
        let count = i64_at(take(8)?);
        let window = i64_at(take(8)?);
        let int_sum = i128::from_le_bytes(take(16)?.try_into().expect("16 bytes"));
        let mut bins = [0i64; 3];
        for x in &mut bins {
            *x = i64_at(take(8)?);
        }
        let mut opt = |float: bool| -> Result<(Option<f64>, Option<i64>)> {
            let some = take(1)?[0] == 1;
            let v = i64_at(take(8)?);
            Ok(match (some, float) {
                (false, _) => (None, None),
                (true, true) => (Some(f64::from_bits(v as u64)), None),
                (true, false) => (None, Some(v)),
            })
        };
        let (min, _) = opt(true)?;
        let (max, _) = opt(true)?;
        let (_, int_min) = opt(false)?;
        let (_, int_max) = opt(false)?;
        Ok(Acc {
            rows,
            count,
            int_sum,
            float_sum: Binned::from_parts(bins, window),
            min,
            max,
            int_min,
            int_max,
            ..Acc::default()
        })
    }

    fn push(&mut self, v: &Value) {
        self.rows += 1;
        match *v {
            Value::Missing => {}
            Value::Int(x) => {
                self.count += 1;
                self.int_sum += x as i128;
                let p = self.int_product.unwrap_or(1);
                self.product_overflowed |= p.checked_mul(x).is_none();
                self.int_product = Some(p.wrapping_mul(x));
                self.float_product = Some(self.float_product.unwrap_or(1.0) * x as f64);
                self.int_min = Some(self.int_min.map_or(x, |m| m.min(x)));
                self.int_max = Some(self.int_max.map_or(x, |m| m.max(x)));
            }
            Value::Float(x) => {
                self.count += 1;
                self.float_sum.add(x);
                self.float_product = Some(self.float_product.unwrap_or(1.0) * x);
                // NaN is the largest value (as both engines order it).
                self.min = Some(match self.min {
                    None => x,
                    Some(m) if m.is_nan() => x,
                    Some(m) if x.is_nan() => m,
                    Some(m) => m.min(x),
                });
                self.max = Some(match self.max {
                    None => x,
                    Some(m) if m.is_nan() || x.is_nan() => f64::NAN,
                    Some(m) => m.max(x),
                });
            }
        }
    }
}

/// A value of the aggregated column.
enum Value {
    Missing,
    Int(i64),
    Float(f64),
}

/// A text column's values, for MIN and MAX over text (`None`: not text).
fn texts<'a>(df: &'a DataFrame, spec: &WindowSpec) -> Result<Option<Vec<Option<Key<'a>>>>> {
    let Some(arg) = &spec.arg else {
        return Ok(None);
    };
    let s = column(df, arg)?;
    if s.dtype() == &PlDataType::String {
        return Ok(Some(
            s.str()
                .map_err(pl_err)?
                .iter()
                .map(|v| v.map(Key::Text))
                .collect(),
        ));
    }
    // Dates, times, durations: by their physical integers, the value taken whole.
    if s.dtype().is_temporal() {
        let p = s
            .to_physical_repr()
            .cast(&PlDataType::Int64)
            .map_err(pl_err)?;
        let ints: Vec<Option<i64>> = p.i64().map_err(pl_err)?.iter().collect();
        return Ok(Some(ints.into_iter().map(|v| v.map(Key::Int)).collect()));
    }
    Ok(None)
}

/// A value MIN and MAX compare and take whole (text, or a temporal value's
/// physical integer).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
enum Key<'a> {
    Text(&'a str),
    Int(i64),
}

/// The aggregated column's values, by row.
fn values(df: &DataFrame, spec: &WindowSpec, sem: &Semantics) -> Result<Vec<Value>> {
    let Some(arg) = &spec.arg else {
        return Ok((0..df.height()).map(|_| Value::Int(1)).collect());
    };
    let s = column(df, arg)?;
    if s.dtype().is_integer() || s.dtype() == &PlDataType::Boolean {
        let i = s.cast(&PlDataType::Int64).map_err(pl_err)?;
        return Ok(i
            .i64()
            .map_err(pl_err)?
            .iter()
            .map(|v| v.map_or(Value::Missing, Value::Int))
            .collect());
    }
    if s.dtype().is_float() {
        let f = s.cast(&PlDataType::Float64).map_err(pl_err)?;
        let inf_missing = spec.infinities_missing(sem);
        return Ok(f
            .f64()
            .map_err(pl_err)?
            .iter()
            .map(|v| match v {
                Some(x) if inf_missing && x.is_infinite() => Value::Missing,
                Some(x) => Value::Float(x),
                None => Value::Missing,
            })
            .collect());
    }
    if matches!(
        spec.func,
        WindowFunction::Aggregate(AggregateFunction::Count)
    ) {
        // COUNT needs only presence.
        return Ok(s
            .is_not_null()
            .iter()
            .map(|v| {
                if v == Some(true) {
                    Value::Int(0)
                } else {
                    Value::Missing
                }
            })
            .collect());
    }
    Err(Error::plan(format!(
        "{} over a window of a {} column is not supported yet",
        spec.func,
        s.dtype()
    )))
}

/// An aggregate over each row's frame.
fn aggregate(
    df: &DataFrame,
    spec: &WindowSpec,
    sem: &Semantics,
    func: AggregateFunction,
    p: &Partition,
    out: &mut Output,
    prior: Option<&Acc>,
) -> Result<()> {
    let keys = order_values(df, spec)?;
    let m = p.rows.len();
    if matches!(func, AggregateFunction::Min | AggregateFunction::Max) {
        if let Some(texts) = texts(df, spec)? {
            // The smallest (largest) value of each frame, taken from its row.
            let max = func == AggregateFunction::Max;
            let v = out.take();
            for k in 0..m {
                let (lo, hi) = frame_bounds(spec, sem, p, k, keys.as_deref());
                let mut best: Option<usize> = None;
                for a in lo..hi {
                    let Some(x) = texts[p.rows[a] as usize] else {
                        continue;
                    };
                    let better = match best {
                        None => true,
                        Some(b) => {
                            let y = texts[p.rows[b] as usize].expect("a present text");
                            if max {
                                x > y
                            } else {
                                x < y
                            }
                        }
                    };
                    if better {
                        best = Some(a);
                    }
                }
                v[p.rows[k] as usize] = best.map(|b| Ok(p.rows[b]));
            }
            return Ok(());
        }
    }
    let vals = values(df, spec, sem)?;
    let ints = spec.output.is_integer();
    let keep_missing = spec.keeps_missing_at_its_row(sem);
    let product = spec.func == WindowFunction::Product;
    let kahan = spec.kahan_running_sum(sem);
    let finish = |acc: &Acc| -> Result<(Option<i64>, Option<f64>)> {
        let none = acc.count == 0;
        if product {
            if none {
                return Ok((None, None));
            }
            if ints && acc.product_overflowed && sem.integer_overflow == IntegerOverflow::Error {
                return Err(Error::arithmetic(
                    "ARITHMETIC_OVERFLOW",
                    "integer overflow in a window product; under pandas semantics it would wrap (set integer_overflow = wrap)",
                ));
            }
            return Ok((acc.int_product, acc.float_product));
        }
        Ok(match func {
            AggregateFunction::CountStar => (Some(acc.rows), Some(acc.rows as f64)),
            AggregateFunction::Count => (Some(acc.count), Some(acc.count as f64)),
            // pandas' `transform('sum')` and a masked sum of no values are 0, a
            // rolling sum NaN.
            AggregateFunction::Sum if none && spec.empty_sum_is_zero(sem) => (Some(0), Some(0.0)),
            AggregateFunction::Sum if none => (None, None),
            AggregateFunction::Sum => {
                let i = match i64::try_from(acc.int_sum) {
                    Ok(i) => i,
                    Err(_) if sem.integer_overflow == IntegerOverflow::Wrap => acc.int_sum as i64,
                    Err(_) => {
                        return Err(Error::arithmetic(
                            "ARITHMETIC_OVERFLOW",
                            "integer overflow in a window SUM; under pandas semantics it would wrap (set integer_overflow = wrap)",
                        ))
                    }
                };
                (Some(i), Some(acc.float_value()))
            }
            _ if none => (None, None),
            AggregateFunction::Mean => (None, Some(acc.float_value() / acc.count as f64)),
            AggregateFunction::Min => (acc.int_min, acc.min.or(acc.int_min.map(|i| i as f64))),
            AggregateFunction::Max => (acc.int_max, acc.max.or(acc.int_max.map(|i| i as f64))),
            other => {
                return Err(Error::plan(format!(
                    "{other} over a window is not supported yet"
                )))
            }
        })
    };
    let set = |out: &mut Output, r: u32, v: (Option<i64>, Option<f64>)| {
        if ints {
            out.ints()[r as usize] = v.0;
        } else {
            out.floats()[r as usize] = v.1;
        }
    };
    // Frames that only grow (running totals, the whole partition) add each row once.
    let growing = spec.frame.start == FrameBound::UnboundedPreceding
        && matches!(
            spec.frame.end,
            FrameBound::CurrentRow | FrameBound::UnboundedFollowing
        );
    if growing {
        let mut acc = prior.cloned().unwrap_or_default();
        let mut added = 0;
        // A Kahan sum that has been infinite (pandas' `groupby().cumsum()`).
        let mut poisoned = false;
        for k in 0..m {
            let (_, hi) = frame_bounds(spec, sem, p, k, keys.as_deref());
            while added < hi {
                acc.push(&vals[p.rows[added] as usize]);
                added += 1;
            }
            let r = p.rows[k];
            if keep_missing && matches!(vals[r as usize], Value::Missing) {
                set(out, r, (None, None));
            } else if poisoned {
                set(out, r, (None, Some(f64::NAN)));
            } else {
                let v = finish(&acc)?;
                poisoned = kahan && v.1.is_some_and(|x| !x.is_finite());
                set(out, r, v);
            }
        }
        return Ok(());
    }
    for k in 0..m {
        let (lo, hi) = frame_bounds(spec, sem, p, k, keys.as_deref());
        let mut acc = Acc::default();
        for a in lo..hi {
            acc.push(&vals[p.rows[a] as usize]);
        }
        set(out, p.rows[k], finish(&acc)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use partita_common::{DataType, WindowFrame};
    use polars_core::prelude::IntoColumn;

    fn frame() -> DataFrame {
        DataFrame::new(
            6,
            vec![
                Series::new(
                    "k".into(),
                    [Some("a"), Some("a"), Some("a"), Some("b"), Some("b"), None],
                )
                .into_column(),
                Series::new(
                    "v".into(),
                    [Some(3i64), Some(1), Some(3), Some(2), None, Some(7)],
                )
                .into_column(),
            ],
        )
        .unwrap()
    }

    fn spec(
        func: WindowFunction,
        arg: Option<&str>,
        frame: WindowFrame,
        output: DataType,
    ) -> WindowSpec {
        WindowSpec {
            func,
            arg: arg.map(String::from),
            partition_by: vec!["k".into()],
            keep_null_keys: false,
            unranked_missing: false,
            ignore_nulls: false,
            order: vec![SortKey {
                column: "v".into(),
                descending: false,
                nulls_last: false,
                categories: None,
            }],
            frame,
            output,
        }
    }

    fn ints(s: &Series) -> Vec<Option<i64>> {
        s.cast(&PlDataType::Int64)
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect()
    }

    #[test]
    fn ranks_and_running_sums_follow_each_semantics() {
        let df = frame();
        let sql = Semantics::spark();
        let running = WindowFrame::default_for(true, &sql);
        let rank = spec(WindowFunction::Rank, None, running, DataType::Int32);
        let out = window(&df, &[("r".into(), rank.clone())], &sql).unwrap();
        // a: 1, 3, 3 -> ranks 1, 2, 2 (rows 1, 0, 2); b: NULL first, then 2.
        assert_eq!(
            ints(out.column("r").unwrap().as_materialized_series()),
            [Some(2), Some(1), Some(2), Some(2), Some(1), Some(1)]
        );
        let sum = spec(
            WindowFunction::Aggregate(AggregateFunction::Sum),
            Some("v"),
            running,
            DataType::Int64,
        );
        let out = window(&df, &[("s".into(), sum.clone())], &sql).unwrap();
        // RANGE: peers (the two 3s) share 7; b's NULL row carries the total so far.
        assert_eq!(
            ints(out.column("s").unwrap().as_materialized_series()),
            [Some(7), Some(1), Some(7), Some(2), None, Some(7)]
        );
        let pandas = Semantics::pandas();
        let rows = WindowFrame::default_for(true, &pandas);
        let sum = WindowSpec { frame: rows, ..sum };
        let out = window(&df, &[("s".into(), sum)], &pandas).unwrap();
        // cumsum: rows, not peers; the missing v stays missing; the missing key too.
        assert_eq!(
            ints(out.column("s").unwrap().as_materialized_series()),
            [Some(4), Some(1), Some(7), Some(2), None, None]
        );
        let rank = WindowSpec {
            frame: rows,
            output: DataType::Float64,
            unranked_missing: true,
            ..rank
        };
        let out = window(&df, &[("r".into(), rank)], &pandas).unwrap();
        assert_eq!(
            ints(out.column("r").unwrap().as_materialized_series()),
            [Some(2), Some(1), Some(2), Some(1), None, None]
        );
    }

    fn floats(s: &Series) -> Vec<Option<f64>> {
        s.cast(&PlDataType::Float64)
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .collect()
    }

    /// One partition (`k = 'a'`) ordered by `id`, with the floats `x`.
    fn floats_frame(x: &[Option<f64>]) -> DataFrame {
        let n = x.len();
        DataFrame::new(
            n,
            vec![
                Series::new("k".into(), vec!["a"; n]).into_column(),
                Series::new("id".into(), (0..n as i64).collect::<Vec<_>>()).into_column(),
                Series::new("x".into(), x.to_vec()).into_column(),
            ],
        )
        .unwrap()
    }

    fn run(
        df: &DataFrame,
        func: AggregateFunction,
        frame: WindowFrame,
        by_k: bool,
    ) -> Vec<Option<f64>> {
        let sem = Semantics::pandas();
        let w = WindowSpec {
            partition_by: if by_k { vec!["k".into()] } else { vec![] },
            order: vec![SortKey {
                column: "id".into(),
                descending: false,
                nulls_last: true,
                categories: None,
            }],
            ..spec(
                WindowFunction::Aggregate(func),
                Some("x"),
                frame,
                DataType::Float64,
            )
        };
        let out = window(df, &[("r".into(), w)], &sem).unwrap();
        floats(out.column("r").unwrap().as_materialized_series())
    }

    #[test]
    fn pandas_infinities_in_windows() {
        let inf = f64::INFINITY;
        let running = WindowFrame::default_for(true, &Semantics::pandas());
        let rolling = WindowFrame {
            rows: true,
            start: FrameBound::Preceding(1),
            end: FrameBound::CurrentRow,
        };
        use AggregateFunction::{Count, Max, Mean, Min, Sum};
        // groupby().cumsum() (Kahan): NaN (missing) after the sum was infinite; the
        // missing value's own row stays missing.
        let df = floats_frame(&[Some(1.0), Some(inf), Some(0.0), None, Some(2.0)]);
        assert_eq!(
            run(&df, Sum, running, true),
            [Some(1.0), Some(inf), None, None, None]
        );
        // Series.cumsum() adds plainly.
        assert_eq!(
            run(&df, Sum, running, false),
            [Some(1.0), Some(inf), Some(inf), None, Some(inf)]
        );
        // An overflow poisons it too, even when the exact sum comes back in range.
        let big = floats_frame(&[Some(1e308), Some(1e308), Some(-1e308), Some(5.0)]);
        assert_eq!(
            run(&big, Sum, running, true),
            [Some(1e308), Some(inf), None, None]
        );
        // cummax / cummin see infinities as values.
        assert_eq!(
            run(&df, Max, running, true),
            [Some(1.0), Some(inf), Some(inf), None, Some(inf)]
        );
        // expanding().mean() reads them as missing.
        let neg = floats_frame(&[Some(-inf), Some(1.0), Some(3.0)]);
        for by_k in [true, false] {
            assert_eq!(run(&neg, Mean, running, by_k), [None, Some(1.0), Some(2.0)]);
        }
        // rolling(2).sum() / .max() / .min() too; rolling().count() counts them.
        assert_eq!(
            run(&df, Sum, rolling, true),
            [Some(1.0), Some(1.0), Some(0.0), Some(0.0), Some(2.0)]
        );
        assert_eq!(
            run(&df, Max, rolling, false),
            [Some(1.0), Some(1.0), Some(0.0), Some(0.0), Some(2.0)]
        );
        assert_eq!(run(&neg, Min, rolling, true), [None, Some(1.0), Some(1.0)]);
        assert_eq!(
            run(&df, Count, rolling, true),
            [Some(1.0), Some(2.0), Some(2.0), Some(1.0), Some(1.0)]
        );
        // A whole partition (transform) keeps them.
        assert_eq!(run(&neg, Mean, WindowFrame::WHOLE, true), [Some(-inf); 3]);
        // Spark keeps them everywhere.
        let sql = Semantics::spark();
        let w = WindowSpec {
            order: vec![SortKey {
                column: "id".into(),
                descending: false,
                nulls_last: false,
                categories: None,
            }],
            ..spec(
                WindowFunction::Aggregate(Sum),
                Some("x"),
                rolling,
                DataType::Float64,
            )
        };
        let out = window(&df, &[("r".into(), w)], &sql).unwrap();
        assert_eq!(
            floats(out.column("r").unwrap().as_materialized_series()),
            [Some(1.0), Some(inf), Some(inf), Some(0.0), Some(2.0)]
        );
    }
}
