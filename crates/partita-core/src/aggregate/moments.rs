//! `VAR(x)` and `STD(x)` with `ddof`: the count, Σx and Σx² per group, each exact
//! within its window and order-independent; `n Σx² - (Σx)²` is computed exactly and
//! rounded once.

use partita_common::{AggregateFunction, Result, Semantics};
use polars_core::prelude::{Float64Chunked, IntoSeries, Series};

use super::state::{
    binned_columns, binned_counts, int_col, merge_binned, merge_counts, read_binned, StateCols,
    MOMENT_BINS, PRODUCT_BINS,
};
use super::{Accumulator, AggCall, Input};
use crate::exact::{centered, ldexp, Binned, CENTERED_ORIGIN};
use crate::groups::for_each_f64;

/// See the module documentation. State: the count, then the binned Σx and Σx².
pub(super) struct Moments;

impl Accumulator for Moments {
    fn partial(&self, input: &Input<'_>) -> Result<Vec<Series>> {
        let (args, groups) = (input.cols, input.groups);
        let k = groups.len();
        let mut n = vec![0i64; k];
        let mut sum = vec![Binned::<MOMENT_BINS>::default(); k];
        let mut squares = vec![Binned::<PRODUCT_BINS>::default(); k];
        for_each_f64(args[0], &groups.ids, |g, x| {
            n[g] += 1;
            sum[g].add(x);
            squares[g].add_product(x, x);
        })?;
        let mut out = vec![int_col(n)];
        out.extend(binned_columns(&sum));
        out.extend(binned_columns(&squares));
        Ok(out)
    }

    fn merge(&self, input: &Input<'_>) -> Result<Vec<Series>> {
        let (states, groups) = (input.cols, input.groups);
        let mut st = StateCols::new(states);
        let mut out = vec![merge_counts(st.next()?, groups)?];
        out.extend(merge_binned::<MOMENT_BINS>(&mut st, groups)?);
        out.extend(merge_binned::<PRODUCT_BINS>(&mut st, groups)?);
        Ok(out)
    }

    fn finalize(&self, call: &AggCall, states: &[&Series], _: &Semantics) -> Result<Series> {
        let (ddof, is_std) = match call.func {
            AggregateFunction::Std { ddof } => (ddof, true),
            AggregateFunction::Var { ddof } => (ddof, false),
            other => {
                return Err(partita_common::Error::internal(format!(
                    "{other} is no variance"
                )))
            }
        };
        let mut st = StateCols::new(states);
        let n = binned_counts(st.next()?)?;
        let sum = read_binned::<MOMENT_BINS>(&mut st, n.len())?;
        let squares = read_binned::<PRODUCT_BINS>(&mut st, n.len())?;
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
        Ok(ca.into_series())
    }
}
