//! Window functions' kinds and frames (see `partita_plan::Window`), shared by the
//! plan and the kernels.

use std::fmt;

use crate::functions::{AggregateFunction, SortKey};
use crate::semantics::{EmptySum, Semantics, WindowResults};
use crate::types::{DataType, ScalarValue};

/// A function computed over a window.
#[derive(Debug, Clone, PartialEq)]
pub enum WindowFunction {
    /// The row's position in its partition, from 1 (ties in any order).
    RowNumber,
    /// 1 + the rows before the row's peers (ties share, gaps follow).
    Rank,
    /// 1 + the distinct order values before the row's (no gaps).
    DenseRank,
    /// `(rank - 1) / (rows - 1)`, 0 for a partition of one row.
    PercentRank,
    /// The share of the partition's rows up to the row's last peer.
    CumeDist,
    /// The row's bucket, 1..=n, of n near-equal buckets (the first ones one larger).
    Ntile(i64),
    /// The value `offset` rows before, or `default` (missing when absent).
    Lag {
        /// Rows back.
        offset: i64,
        /// The value where there is no such row.
        default: ScalarValue,
    },
    /// The value `offset` rows after, or `default`.
    Lead {
        /// Rows ahead.
        offset: i64,
        /// The value where there is no such row.
        default: ScalarValue,
    },
    /// The first value of the frame.
    FirstValue,
    /// The last value of the frame.
    LastValue,
    /// The n-th value of the frame (from 1), missing when the frame is shorter.
    NthValue(i64),
    /// An aggregate over the frame.
    Aggregate(AggregateFunction),
    /// The product of the frame's values (pandas `cumprod`, Spark `product`).
    Product,
    /// pandas' `rank(method=, pct=)`: float64, a missing value unranked.
    PandasRank {
        /// How ties share ranks.
        method: PandasRankMethod,
        /// Divides by the ranked rows (by the distinct values for `Dense`).
        pct: bool,
        /// A missing value gets no rank (`na_option='keep'`); otherwise it is
        /// ranked where the order places it (`'top'`, `'bottom'`).
        keep_missing: bool,
    },
}

/// pandas' `rank(method=)`: how tied values share ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PandasRankMethod {
    /// The mean of the tie's positions (`'average'`, pandas' default).
    Average,
    /// The tie's lowest position (`'min'`, SQL `RANK`).
    Min,
    /// The tie's highest position (`'max'`).
    Max,
    /// Positions in row order (`'first'`, SQL `ROW_NUMBER`).
    First,
    /// Without gaps (`'dense'`, SQL `DENSE_RANK`).
    Dense,
}

impl WindowFunction {
    /// Ranking functions: they need an order and take no frame.
    pub fn is_ranking(&self) -> bool {
        matches!(
            self,
            WindowFunction::RowNumber
                | WindowFunction::Rank
                | WindowFunction::DenseRank
                | WindowFunction::PercentRank
                | WindowFunction::CumeDist
                | WindowFunction::Ntile(_)
                | WindowFunction::PandasRank { .. }
        )
    }

    /// The ranks that pandas' `rank(na_option='keep')` leaves missing where the
    /// order value is (every ranking function but `NTILE`, which is `cumcount`).
    pub fn leaves_missing_unranked(&self) -> bool {
        self.is_ranking() && !matches!(self, WindowFunction::Ntile(_))
    }

    /// Offset functions (`LAG`, `LEAD`): they need an order and take no frame.
    pub fn is_offset(&self) -> bool {
        matches!(
            self,
            WindowFunction::Lag { .. } | WindowFunction::Lead { .. }
        )
    }
}

impl fmt::Display for WindowFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WindowFunction::RowNumber => f.write_str("row_number"),
            WindowFunction::Rank => f.write_str("rank"),
            WindowFunction::DenseRank => f.write_str("dense_rank"),
            WindowFunction::PercentRank => f.write_str("percent_rank"),
            WindowFunction::CumeDist => f.write_str("cume_dist"),
            WindowFunction::Ntile(n) => write!(f, "ntile({n})"),
            WindowFunction::Lag { offset, .. } => write!(f, "lag({offset})"),
            WindowFunction::Lead { offset, .. } => write!(f, "lead({offset})"),
            WindowFunction::FirstValue => f.write_str("first_value"),
            WindowFunction::LastValue => f.write_str("last_value"),
            WindowFunction::NthValue(n) => write!(f, "nth_value({n})"),
            WindowFunction::Aggregate(a) => write!(f, "{a}"),
            WindowFunction::Product => f.write_str("product"),
            WindowFunction::PandasRank { method, pct, .. } => {
                write!(f, "rank(method={method:?}, pct={pct})")
            }
        }
    }
}

/// One end of a window frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameBound {
    /// The partition's first row.
    UnboundedPreceding,
    /// `n` rows (ROWS) or order values (RANGE) before the current row.
    Preceding(u64),
    /// The current row (ROWS) or its first/last peer (RANGE).
    CurrentRow,
    /// `n` rows or order values after the current row.
    Following(u64),
    /// The partition's last row.
    UnboundedFollowing,
}

impl fmt::Display for FrameBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameBound::UnboundedPreceding => f.write_str("UNBOUNDED PRECEDING"),
            FrameBound::Preceding(n) => write!(f, "{n} PRECEDING"),
            FrameBound::CurrentRow => f.write_str("CURRENT ROW"),
            FrameBound::Following(n) => write!(f, "{n} FOLLOWING"),
            FrameBound::UnboundedFollowing => f.write_str("UNBOUNDED FOLLOWING"),
        }
    }
}

/// The rows of a partition an aggregate or a value function sees for a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowFrame {
    /// `ROWS` (counts rows) or `RANGE` (order values; `CURRENT ROW` takes the peers).
    pub rows: bool,
    /// Where the frame starts.
    pub start: FrameBound,
    /// Where it ends.
    pub end: FrameBound,
}

impl WindowFrame {
    /// The whole partition.
    pub const WHOLE: WindowFrame = WindowFrame {
        rows: true,
        start: FrameBound::UnboundedPreceding,
        end: FrameBound::UnboundedFollowing,
    };

    /// The frame a window has when the query gives none: the whole partition
    /// without `ORDER BY`; with one, SQL's `RANGE BETWEEN UNBOUNDED PRECEDING AND
    /// CURRENT ROW` (peers share a value), or pandas' `cumsum`, which counts rows.
    pub fn default_for(ordered: bool, semantics: &Semantics) -> WindowFrame {
        if !ordered {
            return WindowFrame::WHOLE;
        }
        WindowFrame {
            rows: semantics.window_results == WindowResults::Pandas,
            start: FrameBound::UnboundedPreceding,
            end: FrameBound::CurrentRow,
        }
    }
}

impl fmt::Display for WindowFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = if self.rows { "ROWS" } else { "RANGE" };
        write!(f, "{units} BETWEEN {} AND {}", self.start, self.end)
    }
}

/// A window column as the kernels compute it: everything resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowSpec {
    /// The function.
    pub func: WindowFunction,
    /// The input column (exact name), if any.
    pub arg: Option<String>,
    /// The partition keys (exact names).
    pub partition_by: Vec<String>,
    /// Missing partition keys form a partition, whatever the semantics'
    /// `null_group_keys` says (set operations compare missing values as equal).
    pub keep_null_keys: bool,
    /// The order within a partition, null placement resolved.
    pub order: Vec<SortKey>,
    /// The frame in force.
    pub frame: WindowFrame,
    /// The output type.
    pub output: DataType,
    /// Ranks leave rows whose order value is missing unranked (pandas'
    /// `na_option='keep'`, when the query does not place missing values).
    pub unranked_missing: bool,
    /// `FIRST_VALUE` / `LAST_VALUE` skip missing values.
    pub ignore_nulls: bool,
}

/// pandas' rules for an aggregate over a window (`WindowFunction::Aggregate`,
/// `Product`) under `window_results = pandas`, which the local kernels
/// (`partita_core::window`) and the Spark lowering both follow.
impl WindowSpec {
    /// The aggregate computed (a product rides on the sum's path).
    fn aggregate(&self) -> Option<AggregateFunction> {
        match self.func {
            WindowFunction::Aggregate(f) => Some(f),
            WindowFunction::Product => Some(AggregateFunction::Sum),
            _ => None,
        }
    }

    fn running(&self) -> bool {
        self.frame.start == FrameBound::UnboundedPreceding
            && self.frame.end == FrameBound::CurrentRow
    }

    fn whole(&self) -> bool {
        self.frame.start == FrameBound::UnboundedPreceding
            && self.frame.end == FrameBound::UnboundedFollowing
    }

    /// pandas computes this window with `rolling` or `expanding`, which read `inf`
    /// and `-inf` as missing values (they become NaN before its kernels run): SUM,
    /// AVG, MIN and MAX over a frame of rows that neither runs from the
    /// partition's start nor covers it whole (`rolling(n).sum()`), and a running
    /// AVG (`expanding().mean()`). `rolling().count()` counts them; running SUM,
    /// MIN and MAX (`cumsum`, `cummin`, `cummax`) and whole partitions
    /// (`transform`) see them as values, as Spark does everywhere.
    pub fn infinities_missing(&self, semantics: &Semantics) -> bool {
        if semantics.window_results != WindowResults::Pandas || !self.frame.rows {
            return false;
        }
        match self.func {
            WindowFunction::Aggregate(AggregateFunction::Mean) => !self.whole(),
            WindowFunction::Aggregate(
                AggregateFunction::Sum | AggregateFunction::Min | AggregateFunction::Max,
            ) => !self.running() && !self.whole(),
            _ => false,
        }
    }

    /// pandas' `cumsum`, `cummin`, `cummax`, `cumprod`: a missing value stays
    /// missing at its own row.
    pub fn keeps_missing_at_its_row(&self, semantics: &Semantics) -> bool {
        semantics.window_results == WindowResults::Pandas
            && self.running()
            && matches!(
                self.aggregate(),
                Some(AggregateFunction::Sum | AggregateFunction::Min | AggregateFunction::Max)
            )
    }

    /// pandas' `groupby().cumsum()` adds floats with Kahan summation: once the
    /// running sum has been infinite, its compensation is NaN, and so is every
    /// later value of the partition (`1, inf, 0, 2` gives `1, inf, NaN, NaN`). A
    /// Series' `cumsum` (no PARTITION BY) adds plainly: `inf, inf`.
    pub fn kahan_running_sum(&self, semantics: &Semantics) -> bool {
        semantics.window_results == WindowResults::Pandas
            && !self.partition_by.is_empty()
            && self.func == WindowFunction::Aggregate(AggregateFunction::Sum)
            && !self.output.is_integer()
            && self.frame.rows
            && self.running()
    }

    /// A SUM of no values is 0 (not missing): over the whole partition or a RANGE
    /// frame under `empty_sum = zero` (`transform('sum')`, a masked sum); a rolling
    /// or running sum of rows stays missing (pandas' NaN).
    pub fn empty_sum_is_zero(&self, semantics: &Semantics) -> bool {
        self.func == WindowFunction::Aggregate(AggregateFunction::Sum)
            && semantics.empty_sum == EmptySum::Zero
            && (self.whole() || !self.frame.rows)
    }
}
