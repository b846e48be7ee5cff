//! `CORR(x, y)`, Pearson's correlation: the count and the sums Σx, Σy, Σx², Σy²,
//! Σxy per group. Two integer columns sum exactly in integers ([`IntCorrState`]);
//! otherwise the sums are binned floats ([`CorrState`]). Either way the co-moments
//! `n Σxy - Σx Σy` are exact and rounded once.

use partita_common::{Result, Semantics};
use polars_core::prelude::{DataType as PlDataType, Float64Chunked, IntoSeries, Series};

use super::state::{
    binned_columns, binned_counts, i64_values, int_col, merge_binned, merge_counts,
    merge_wide_sums, read_binned, read_sum192, read_wide_sums, sum192_columns, wide_sum_columns,
    StateCols, MOMENT_BINS, PRODUCT_BINS,
};
use super::{Accumulator, AggCall, Groups, Input};
use crate::exact::{centered, ldexp, Binned, Sum192, Wide, CENTERED_ORIGIN};
use crate::frame::pl_err;

/// See the module documentation.
pub(super) struct Corr;

/// The state columns of an [`IntCorrState`]: the count, Σx and Σy as two columns
/// each, Σx², Σy² and Σxy as three each. A float state has more.
const INT_STATE_COLUMNS: usize = 1 + 2 * 2 + 3 * 3;

impl Accumulator for Corr {
    fn partial(&self, input: &Input<'_>) -> Result<Vec<Series>> {
        let (args, groups) = (input.cols, input.groups);
        let (x, y) = (args[0], args[1]);
        if IntCorrState::applies(x, y) {
            return Ok(IntCorrState::of(x, y, groups)?.into_series());
        }
        let (x, y) = (crate::scalar::f64s(x)?, crate::scalar::f64s(y)?);
        let mut s = CorrState::new(groups.len());
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
        Ok(s.into_series())
    }

    fn merge(&self, input: &Input<'_>) -> Result<Vec<Series>> {
        let (states, groups) = (input.cols, input.groups);
        let mut st = StateCols::new(states);
        let mut out = vec![merge_counts(st.next()?, groups)?];
        if st.len() == INT_STATE_COLUMNS {
            out.extend(IntCorrState::merged(&mut st, groups)?);
        } else {
            out.extend(CorrState::merged(&mut st, groups)?);
        }
        Ok(out)
    }

    fn finalize(&self, _: &AggCall, states: &[&Series], _: &Semantics) -> Result<Series> {
        let mut st = StateCols::new(states);
        if st.len() == INT_STATE_COLUMNS {
            IntCorrState::finalize(&mut st)
        } else {
            CorrState::finalize(&mut st)
        }
    }
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

    /// The sums (after the count) of the state rows, merged by group.
    fn merged(st: &mut StateCols<'_>, groups: &Groups) -> Result<Vec<Series>> {
        let mut out = vec![];
        for _ in 0..2 {
            out.extend(merge_binned::<MOMENT_BINS>(st, groups)?);
        }
        for _ in 0..3 {
            out.extend(merge_binned::<PRODUCT_BINS>(st, groups)?);
        }
        Ok(out)
    }

    fn into_series(self) -> Vec<Series> {
        let mut out = vec![int_col(self.n)];
        out.extend(binned_columns(&self.x));
        out.extend(binned_columns(&self.y));
        out.extend(binned_columns(&self.xx));
        out.extend(binned_columns(&self.yy));
        out.extend(binned_columns(&self.xy));
        out
    }

    fn finalize(st: &mut StateCols<'_>) -> Result<Series> {
        let n = binned_counts(st.next()?)?;
        let rows = n.len();
        let x = read_binned::<MOMENT_BINS>(st, rows)?;
        let y = read_binned::<MOMENT_BINS>(st, rows)?;
        let xx = read_binned::<PRODUCT_BINS>(st, rows)?;
        let yy = read_binned::<PRODUCT_BINS>(st, rows)?;
        let xy = read_binned::<PRODUCT_BINS>(st, rows)?;
        let ca: Float64Chunked = (0..rows)
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
        Ok(ca.into_series())
    }
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

    /// The sums (after the count) of the state rows, merged by group.
    fn merged(st: &mut StateCols<'_>, groups: &Groups) -> Result<Vec<Series>> {
        let mut out = vec![];
        for _ in 0..2 {
            out.extend(merge_wide_sums(st, groups)?);
        }
        for _ in 0..3 {
            let mut acc = vec![Sum192::default(); groups.len()];
            for (s, &g) in read_sum192(st)?.iter().zip(&groups.ids) {
                acc[g as usize].merge(s);
            }
            out.extend(sum192_columns(&acc));
        }
        Ok(out)
    }

    fn into_series(self) -> Vec<Series> {
        let mut out = vec![int_col(self.n)];
        out.extend(wide_sum_columns(&self.x));
        out.extend(wide_sum_columns(&self.y));
        out.extend(sum192_columns(&self.xx));
        out.extend(sum192_columns(&self.yy));
        out.extend(sum192_columns(&self.xy));
        out
    }

    fn finalize(st: &mut StateCols<'_>) -> Result<Series> {
        let n = i64_values(st.next()?)?;
        let wide = |v: Vec<i128>| -> Vec<Wide> { v.into_iter().map(Wide::from_i128).collect() };
        let (x, y) = (wide(read_wide_sums(st)?), wide(read_wide_sums(st)?));
        let products = |st: &mut StateCols<'_>| -> Result<Vec<Wide>> {
            Ok(read_sum192(st)?.iter().map(Sum192::wide).collect())
        };
        let (xx, yy, xy) = (products(st)?, products(st)?, products(st)?);
        let ca: Float64Chunked = (0..n.len())
            .map(|r| {
                let n = n[r];
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
        Ok(ca.into_series())
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
