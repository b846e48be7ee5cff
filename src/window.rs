//! Window functions in the Rust API: `col("v").sum().over(w)`, `rank().over(w)`,
//! and pandas' group-wise transforms (`groupby(k).cumsum(..)`, `rank`, `shift`,
//! `transform`), over the plan's `Window` node.

use partita_common::{AggregateFunction, Error, FrameBound, NullPlacement, Result, ScalarValue};
use partita_common::{WindowFrame, WindowFunction};
use partita_plan::{col, Expr, WindowCall};

use crate::frame::{Frame, GroupBy, IntoKeys, SortSpec};

/// Where a window function looks (SQL `OVER (...)`): partition keys, the order
/// within a partition (none: the rows' order), and the frame.
///
/// ```
/// use partita::prelude::*;
/// let w = Window::partition_by("carrier")
///     .order_by("dep_delay", SortSpec::descending())
///     .rows(FrameBound::Preceding(2), FrameBound::CurrentRow);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use = "a Window does nothing until a window function is computed over it"]
pub struct Window {
    partition_by: Vec<Expr>,
    order_by: Vec<(Expr, bool, NullPlacement)>,
    sort_errors: Vec<String>,
    frame: Option<WindowFrame>,
}

impl Window {
    /// The whole frame as one partition.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rows of equal `keys` form a partition (`PARTITION BY`, pandas `groupby`).
    pub fn partition_by(keys: impl IntoKeys) -> Self {
        Window {
            partition_by: keys.into_keys(),
            ..Self::default()
        }
    }

    /// The order within a partition (`ORDER BY`), per key as `spec` says.
    pub fn order_by(mut self, keys: impl IntoKeys, spec: SortSpec) -> Self {
        let keys = keys.into_keys();
        if let Err(e) = spec.check_lengths(keys.len()) {
            self.sort_errors.push(e.to_string());
        }
        for (i, k) in keys.into_iter().enumerate() {
            self.order_by
                .push((k, !spec.ascending_for(i), spec.na_position_for(i)));
        }
        self
    }

    /// A frame of rows (`ROWS BETWEEN start AND end`).
    pub fn rows(mut self, start: FrameBound, end: FrameBound) -> Self {
        self.frame = Some(WindowFrame {
            rows: true,
            start,
            end,
        });
        self
    }

    /// A frame of order values (`RANGE BETWEEN start AND end`; an offset needs one
    /// numeric order key).
    pub fn range(mut self, start: FrameBound, end: FrameBound) -> Self {
        self.frame = Some(WindowFrame {
            rows: false,
            start,
            end,
        });
        self
    }
}

/// A window function before its window: [`row_number`], [`rank`], [`lag`], ...
/// or an aggregate (`col("v").sum()`) through [`Over::over`].
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a window function does nothing until .over(window) places it"]
pub struct WindowFn {
    func: WindowFunction,
    arg: Option<Expr>,
    ignore_nulls: Option<bool>,
}

impl WindowFn {
    fn new(func: WindowFunction, arg: Option<Expr>) -> Self {
        WindowFn {
            func,
            arg,
            ignore_nulls: None,
        }
    }

    /// An aggregate expression (`col("v").sum()`) as a window function. Anything
    /// else is kept as the argument of a `COUNT(*)`, which `Frame::with_windows`
    /// reports as "not an aggregate".
    fn of_aggregate(agg: Expr) -> Self {
        match agg {
            Expr::Aggregate { func, mut args } if args.len() <= 1 => {
                Self::new(WindowFunction::Aggregate(func), args.pop())
            }
            other => Self::new(
                WindowFunction::Aggregate(AggregateFunction::CountStar),
                Some(other),
            ),
        }
    }

    /// Skips missing values (`FIRST_VALUE`, `LAST_VALUE` `IGNORE NULLS`).
    pub fn ignore_nulls(mut self, ignore: bool) -> Self {
        self.ignore_nulls = Some(ignore);
        self
    }

    /// The function over `window`.
    pub fn over(self, window: Window) -> WindowColumn {
        let name = match &self.arg {
            Some(a) => format!("{}({})", self.func, a.output_name()),
            None => format!("{}()", self.func),
        };
        WindowColumn {
            call: self,
            window,
            name,
        }
    }
}

/// `ROW_NUMBER()`: the row's position in its partition, from 1.
pub fn row_number() -> WindowFn {
    WindowFn::new(WindowFunction::RowNumber, None)
}

/// `RANK()`: ties share a rank, gaps follow.
pub fn rank() -> WindowFn {
    WindowFn::new(WindowFunction::Rank, None)
}

/// `DENSE_RANK()`: ties share a rank, no gaps.
pub fn dense_rank() -> WindowFn {
    WindowFn::new(WindowFunction::DenseRank, None)
}

/// `PERCENT_RANK()`: `(rank - 1) / (rows - 1)`.
pub fn percent_rank() -> WindowFn {
    WindowFn::new(WindowFunction::PercentRank, None)
}

/// `CUME_DIST()`: the share of rows up to the row's last peer.
pub fn cume_dist() -> WindowFn {
    WindowFn::new(WindowFunction::CumeDist, None)
}

/// `NTILE(n)`: the row's bucket among `n`.
pub fn ntile(n: i64) -> WindowFn {
    WindowFn::new(WindowFunction::Ntile(n), None)
}

/// `LAG(e, offset, default)`: the value `offset` rows before (pandas `shift`); a
/// negative `offset` looks ahead, as SQL's `LAG(e, -n)` and `shift(-n)` do.
pub fn lag(e: Expr, offset: i64, default: Option<ScalarValue>) -> WindowFn {
    offset_fn(e, offset, default, true)
}

/// `LEAD(e, offset, default)`: the value `offset` rows after (a negative `offset`
/// looks back).
pub fn lead(e: Expr, offset: i64, default: Option<ScalarValue>) -> WindowFn {
    offset_fn(e, offset, default, false)
}

fn offset_fn(e: Expr, offset: i64, default: Option<ScalarValue>, back: bool) -> WindowFn {
    let default = default.unwrap_or(ScalarValue::Null);
    let n = offset.unsigned_abs() as i64;
    let func = if back == (offset >= 0) {
        WindowFunction::Lag { offset: n, default }
    } else {
        WindowFunction::Lead { offset: n, default }
    };
    WindowFn::new(func, Some(e))
}

/// `FIRST_VALUE(e)`.
pub fn first_value(e: Expr) -> WindowFn {
    WindowFn::new(WindowFunction::FirstValue, Some(e))
}

/// `LAST_VALUE(e)`.
pub fn last_value(e: Expr) -> WindowFn {
    WindowFn::new(WindowFunction::LastValue, Some(e))
}

/// `NTH_VALUE(e, n)`.
pub fn nth_value(e: Expr, n: i64) -> WindowFn {
    WindowFn::new(WindowFunction::NthValue(n), Some(e))
}

/// `agg.over(window)` for an aggregate expression (`col("v").sum()`).
pub trait Over {
    /// The aggregate over `window` (SQL `SUM(v) OVER (...)`).
    fn over(self, window: Window) -> WindowColumn;
}

impl Over for Expr {
    fn over(self, window: Window) -> WindowColumn {
        WindowFn::of_aggregate(self).over(window)
    }
}

/// A window function placed over a window, with the name of its column.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a window column does nothing until Frame::with_windows adds it"]
pub struct WindowColumn {
    call: WindowFn,
    window: Window,
    name: String,
}

impl WindowColumn {
    /// The column's name (by default the function and its argument).
    pub fn alias(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    fn into_call(self) -> Result<WindowCall> {
        if let Some(e) = self.window.sort_errors.first() {
            return Err(Error::plan(e.clone()));
        }
        if let (WindowFunction::Aggregate(AggregateFunction::CountStar), Some(e)) =
            (&self.call.func, &self.call.arg)
        {
            return Err(Error::plan(format!(
                "{e} is not an aggregate: over() takes an aggregate (col(\"v\").sum()) or a window function (rank())"
            )));
        }
        Ok(WindowCall {
            func: self.call.func,
            arg: self.call.arg,
            partition_by: self.window.partition_by,
            order_by: self.window.order_by,
            frame: self.window.frame,
            ignore_nulls: self.call.ignore_nulls,
            name: self.name,
        })
    }
}

/// How [`GroupBy::rank`] breaks ties: pandas' `method=`.
pub type RankMethod = partita_common::PandasRankMethod;

/// Where pandas' rank puts missing values (`na_option=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NaOption {
    /// No rank (`'keep'`, the default).
    Keep,
    /// Ranked first (`'top'`).
    Top,
    /// Ranked last (`'bottom'`).
    Bottom,
}

/// pandas' `rank(method=, ascending=, na_option=, pct=)` for [`GroupBy::rank`].
///
/// ```
/// use partita::{NaOption, RankMethod, RankSpec};
/// let spec = RankSpec::new(RankMethod::Dense).descending().na_option(NaOption::Bottom).pct();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a RankSpec does nothing until GroupBy::rank takes it"]
pub struct RankSpec {
    method: RankMethod,
    ascending: bool,
    na_option: NaOption,
    pct: bool,
}

impl Default for RankSpec {
    fn default() -> Self {
        RankSpec::new(RankMethod::Average)
    }
}

impl RankSpec {
    /// Ranks by `method`, ascending, missing values unranked, as positions.
    pub fn new(method: RankMethod) -> Self {
        RankSpec {
            method,
            ascending: true,
            na_option: NaOption::Keep,
            pct: false,
        }
    }

    /// The largest value first (`ascending=False`).
    pub fn descending(mut self) -> Self {
        self.ascending = false;
        self
    }

    /// Where missing values go (`na_option=`).
    pub fn na_option(mut self, na: NaOption) -> Self {
        self.na_option = na;
        self
    }

    /// Ranks as a share of the ranked values (`pct=True`).
    pub fn pct(mut self) -> Self {
        self.pct = true;
        self
    }
}

impl Frame {
    /// Adds window columns (SQL `f(..) OVER (...) AS name`): every row is kept.
    ///
    /// ```
    /// use partita::prelude::*;
    /// let s = Session::new().with_semantics(Semantics::spark());
    /// let df = s.from_columns(vec![
    ///     Column::new("k", ["a", "a", "b"]),
    ///     Column::new("v", [3i64, 1, 2]),
    /// ], 2).unwrap();
    /// let w = Window::partition_by("k").order_by("v", SortSpec::ascending());
    /// let out = df
    ///     .with_windows([rank().over(w.clone()).alias("r"), col("v").sum().over(w).alias("running")])
    ///     .sort_values(["k", "v"], SortSpec::ascending())
    ///     .collect()
    ///     .unwrap();
    /// assert_eq!(out.column_names(), ["k", "v", "r", "running"]);
    /// ```
    pub fn with_windows(self, columns: impl IntoIterator<Item = WindowColumn>) -> Frame {
        let calls: Result<Vec<WindowCall>> =
            columns.into_iter().map(WindowColumn::into_call).collect();
        self.then("with_windows", move |b| b.window_calls(calls?))
    }
}

impl GroupBy {
    /// `column`'s window `f` within each group (in row order unless `window`
    /// orders), as the column `column` (replacing it).
    fn transform_column(self, step: &str, column: &str, f: WindowFn, window: Window) -> Frame {
        self.replace_with_window(step, column, f, window, |w| w)
    }

    /// Replaces `column` by `value` of the hidden column holding `f` over `window`
    /// within each group.
    fn replace_with_window(
        self,
        step: &str,
        column: &str,
        f: WindowFn,
        window: Window,
        value: impl FnOnce(Expr) -> Expr + 'static,
    ) -> Frame {
        let (frame, keys) = self.into_parts();
        let hidden = format!("__transform.{column}");
        let window = Window {
            partition_by: keys,
            ..window
        };
        let column = column.to_string();
        frame.in_step(step, |frame| {
            frame
                .with_windows([f.over(window).alias(hidden.clone())])
                .then(step, move |b| {
                    let mut value = Some(value);
                    let mut exprs: Vec<Expr> = vec![];
                    for n in b.schema().names() {
                        if n == hidden {
                            continue;
                        }
                        exprs.push(if n == column {
                            let v = value.take().expect("one column of that name");
                            v(col(hidden.clone())).alias(column.clone())
                        } else {
                            col(n)
                        });
                    }
                    b.project(exprs)
                })
        })
    }

    /// The running sum of `column` within each group, in row order (pandas
    /// `groupby(k)[column].cumsum()`, assigned back to `column`).
    pub fn cumsum(self, column: &str) -> Frame {
        let step = "groupby.cumsum";
        let f = col(column).sum();
        self.running(step, column, f)
    }

    /// The running product of `column` within each group (`cumprod`).
    pub fn cumprod(self, column: &str) -> Frame {
        let w = Window::new().rows(FrameBound::UnboundedPreceding, FrameBound::CurrentRow);
        self.transform_column(
            "groupby.cumprod",
            column,
            WindowFn::new(WindowFunction::Product, Some(col(column))),
            w,
        )
    }

    /// The running maximum of `column` within each group (`cummax`).
    pub fn cummax(self, column: &str) -> Frame {
        let step = "groupby.cummax";
        let f = col(column).max();
        self.running(step, column, f)
    }

    /// The running minimum of `column` within each group (`cummin`).
    pub fn cummin(self, column: &str) -> Frame {
        let step = "groupby.cummin";
        let f = col(column).min();
        self.running(step, column, f)
    }

    fn running(self, step: &str, column: &str, agg: Expr) -> Frame {
        let w = Window::new().rows(FrameBound::UnboundedPreceding, FrameBound::CurrentRow);
        self.transform_column(step, column, WindowFn::of_aggregate(agg), w)
    }

    /// The value `n` rows before within each group, in row order (pandas
    /// `shift(n)`; a negative `n` looks ahead), as `column`.
    pub fn shift(self, column: &str, n: i64) -> Frame {
        let f = lag(col(column), n, None);
        self.transform_column("groupby.shift", column, f, Window::new())
    }

    /// `column`'s rank within each group, float64, as `column` (pandas
    /// `rank(method=, ascending=, na_option=, pct=)`; `RankSpec::default()` is
    /// pandas' default: average ranks, ascending, missing values unranked).
    pub fn rank(self, column: &str, spec: RankSpec) -> Frame {
        // pandas places missing values by na_option whatever the direction.
        let nulls = match spec.na_option {
            NaOption::Top => NullPlacement::First,
            NaOption::Keep | NaOption::Bottom => NullPlacement::Last,
        };
        let order = if spec.ascending {
            SortSpec::ascending()
        } else {
            SortSpec::descending()
        }
        .with_na_position([nulls]);
        let f = WindowFn::new(
            WindowFunction::PandasRank {
                method: spec.method,
                pct: spec.pct,
                keep_missing: spec.na_option == NaOption::Keep,
            },
            None,
        );
        self.transform_column(
            "groupby.rank",
            column,
            f,
            Window::new().order_by(column, order),
        )
    }

    /// Each row's position in its group from 0, in row order, as the column `name`
    /// (pandas `cumcount()`).
    pub fn cumcount(self, name: &str) -> Frame {
        let (frame, keys) = self.into_parts();
        let w =
            Window::partition_by(keys).rows(FrameBound::UnboundedPreceding, FrameBound::CurrentRow);
        let hidden = format!("__cumcount.{name}");
        let name = name.to_string();
        frame.in_step("groupby.cumcount", |frame| {
            frame
                .with_windows([partita_plan::count_star().over(w).alias(hidden.clone())])
                .then("groupby.cumcount", move |b| {
                    let mut exprs: Vec<Expr> = b
                        .schema()
                        .names()
                        .iter()
                        .filter(|n| **n != hidden && **n != name)
                        .map(|n| col(*n))
                        .collect();
                    exprs.push((col(hidden.clone()) - partita_plan::lit(1i64)).alias(name.clone()));
                    b.project(exprs)
                })
        })
    }

    /// The relative change from `n` rows before within each group, in row order
    /// (pandas `pct_change(n)`: `v / shift(n) - 1`, no filling), as `column`.
    pub fn pct_change(self, column: &str, n: i64) -> Frame {
        let f = lag(col(column), n, None);
        let current = col(column);
        self.replace_with_window(
            "groupby.pct_change",
            column,
            f,
            Window::new(),
            move |before| current / before - partita_plan::lit(1i64),
        )
    }

    /// A rolling aggregate within each group, in row order (pandas
    /// `rolling(window, min_periods).agg()`): `agg` (e.g. `col("v").sum()`) over
    /// the current row and the `window - 1` before it, missing where fewer than
    /// `min_periods` of them hold a value; as `column`.
    pub fn rolling(self, column: &str, window: usize, min_periods: usize, agg: Expr) -> Frame {
        let (frame, keys) = self.into_parts();
        let rows = Window::partition_by(keys).rows(
            FrameBound::Preceding(window.saturating_sub(1) as u64),
            FrameBound::CurrentRow,
        );
        let (value, seen) = (
            format!("__rolling.{column}"),
            format!("__rolling_n.{column}"),
        );
        let column = column.to_string();
        frame.in_step("groupby.rolling", |frame| {
            frame
                .with_windows([
                    agg.over(rows.clone()).alias(value.clone()),
                    col(column.clone()).count().over(rows).alias(seen.clone()),
                ])
                .then("groupby.rolling", move |b| {
                    let exprs: Vec<Expr> = b
                        .schema()
                        .names()
                        .iter()
                        .filter(|n| **n != value && **n != seen)
                        .map(|n| {
                            if *n == column {
                                partita_plan::when(
                                    col(seen.clone()).gt_eq(partita_plan::lit(min_periods as i64)),
                                )
                                .then(col(value.clone()))
                                .end()
                                .alias(column.clone())
                            } else {
                                col(*n)
                            }
                        })
                        .collect();
                    b.project(exprs)
                })
        })
    }

    /// The change from `n` rows before within each group, in row order (pandas
    /// `diff(n)`), as `column`.
    pub fn diff(self, column: &str, n: i64) -> Frame {
        let f = lag(col(column), n, None);
        let current = col(column);
        self.replace_with_window("groupby.diff", column, f, Window::new(), move |before| {
            current - before
        })
    }

    /// An aggregate of each group on every row of the group (pandas
    /// `transform`): `groupby("k").transform("v", col("v").mean())` puts each
    /// group's mean in `v`.
    pub fn transform(self, column: &str, agg: Expr) -> Frame {
        self.transform_column(
            "groupby.transform",
            column,
            WindowFn::of_aggregate(agg),
            Window::new(),
        )
    }
}
