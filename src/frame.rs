//! `Frame`: a lazy, partitioned query. Nothing runs before `collect` or `explain`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use partita_common::{
    AggregateFunction, DataType, Error, NullPlacement, Result, Schema, Semantics,
};
use partita_core::frame::stack;
use partita_core::polars::DataFrame;
use partita_exec::eval::KernelConstantEvaluator;
use partita_exec::{lower, LowerOptions, MemorySource, PartitionFn, RunOptions, TaskGraph};
use partita_plan::optimizer::{Optimizer, OptimizerContext};
use partita_plan::{col, count_star, Expr, LogicalPlan, LogicalPlanBuilder, SortExpr, Then};

use crate::session::Session;
use crate::table::Table;

/// How `sort_values` orders: per column ascending or not, and where missing values go.
/// A single value applies to every column.
///
/// ```
/// use partita::prelude::*;
/// let spec = SortSpec::ascending().with_ascending([true, false]).with_na_position([NullPlacement::First]);
/// assert_eq!(spec.ascending_for(1), false);
/// assert_eq!(spec.na_position_for(1), NullPlacement::First);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a SortSpec does nothing until sort_values or order_by takes it"]
pub struct SortSpec {
    ascending: Vec<bool>,
    na_position: Vec<NullPlacement>,
}

impl Default for SortSpec {
    fn default() -> Self {
        Self::ascending()
    }
}

impl SortSpec {
    /// Every column ascending, missing values where the semantics puts them.
    pub fn ascending() -> Self {
        SortSpec {
            ascending: vec![true],
            na_position: vec![NullPlacement::Default],
        }
    }

    /// Every column descending, missing values where the semantics puts them.
    pub fn descending() -> Self {
        SortSpec {
            ascending: vec![false],
            na_position: vec![NullPlacement::Default],
        }
    }

    /// Direction per column (pandas `ascending=[...]`).
    pub fn with_ascending(mut self, ascending: impl IntoIterator<Item = bool>) -> Self {
        self.ascending = ascending.into_iter().collect();
        self
    }

    /// Missing-value placement per column (pandas `na_position`, SQL `NULLS FIRST|LAST`).
    pub fn with_na_position(
        mut self,
        na_position: impl IntoIterator<Item = NullPlacement>,
    ) -> Self {
        self.na_position = na_position.into_iter().collect();
        self
    }

    fn pick<T: Copy>(v: &[T], i: usize, default: T) -> T {
        match v.len() {
            0 => default,
            1 => v[0],
            _ => v.get(i).copied().unwrap_or(default),
        }
    }

    /// Checks that a per-column list is as long as the sort keys (one value applies to
    /// every key), as pandas does: `ascending=[True, False]` for three keys is an error.
    pub(crate) fn check_lengths(&self, keys: usize) -> Result<()> {
        for (what, len) in [
            ("ascending", self.ascending.len()),
            ("na_position", self.na_position.len()),
        ] {
            if len > 1 && len != keys {
                return Err(Error::plan(format!(
                    "{what} has {len} values for {keys} sort key(s); give one value or one per key"
                )));
            }
        }
        Ok(())
    }

    /// Whether column `i` sorts ascending.
    pub fn ascending_for(&self, i: usize) -> bool {
        Self::pick(&self.ascending, i, true)
    }

    /// Where column `i` puts missing values.
    pub fn na_position_for(&self, i: usize) -> NullPlacement {
        Self::pick(&self.na_position, i, NullPlacement::Default)
    }
}

/// A lazy query over a partitioned table. Building never fails: an error (say an
/// unknown column) is kept and returned by `collect`, `explain` or `schema`.
///
/// ```
/// use partita::prelude::*;
/// let session = Session::new();
/// let ddf = session
///     .from_columns(vec![Column::new("k", ["a", "b", "a"]), Column::new("v", [1i64, 2, 3])], 2)
///     .unwrap();
/// let out = ddf.groupby(["k"]).agg([col("v").sum().alias("total")]).collect().unwrap();
/// assert_eq!(out.height(), 2);
/// ```
///
/// A builder call returns a new frame; dropping it is a compiler warning
/// (`#[must_use]`), an error where `unused_must_use` is denied:
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// use partita::prelude::*;
/// let s = Session::new();
/// let f = s.from_columns(vec![Column::new("a", [1i64, 2])], 1).unwrap();
/// f.clone().filter(col("a").gt(lit(1))); // the filtered frame is dropped
/// ```
#[derive(Clone)]
#[must_use = "a Frame is a lazy query: nothing runs until collect, and a builder call returns a new Frame"]
pub struct Frame {
    session: Session,
    plan: std::result::Result<LogicalPlan, Error>,
    semantics: Semantics,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.plan {
            Ok(p) => write!(f, "Frame({})\n{}", self.semantics, p.display_indent()),
            Err(e) => write!(f, "Frame(error: {e})"),
        }
    }
}

/// An expression where a column is expected (`select`, `groupby`, `sort_values`,
/// `agg`, window keys): a `&str` or `String` is the column of that name, as in
/// Polars (`select(["origin", "dest"])`); an [`Expr`] is itself. A constant there
/// needs [`lit`](crate::lit), while comparison and arithmetic methods take plain
/// values (`col("carrier").eq("AA")`, `col("delay") * 2`).
pub trait IntoColumnExpr {
    /// The expression.
    fn into_column_expr(self) -> Expr;
}

impl IntoColumnExpr for &str {
    fn into_column_expr(self) -> Expr {
        col(self)
    }
}

impl IntoColumnExpr for String {
    fn into_column_expr(self) -> Expr {
        col(self)
    }
}

impl IntoColumnExpr for &String {
    fn into_column_expr(self) -> Expr {
        col(self.as_str())
    }
}

impl IntoColumnExpr for Expr {
    fn into_column_expr(self) -> Expr {
        self
    }
}

impl IntoColumnExpr for &Expr {
    fn into_column_expr(self) -> Expr {
        self.clone()
    }
}

impl IntoColumnExpr for Then {
    fn into_column_expr(self) -> Expr {
        self.end()
    }
}

/// Keys of `groupby`, `sort_values`, window partitions and join sides: one column
/// name or expression (`"k"`, `col("a").alias("k")`), or an array, `Vec` or slice
/// of them (`["a", "b"]`, `[col("a") % 7]`); names are columns
/// ([`IntoColumnExpr`]).
pub trait IntoKeys {
    /// The key expressions.
    fn into_keys(self) -> Vec<Expr>;
}

impl IntoKeys for &str {
    fn into_keys(self) -> Vec<Expr> {
        vec![col(self)]
    }
}

impl IntoKeys for String {
    fn into_keys(self) -> Vec<Expr> {
        vec![col(self)]
    }
}

impl IntoKeys for &String {
    fn into_keys(self) -> Vec<Expr> {
        vec![col(self.as_str())]
    }
}

impl IntoKeys for Expr {
    fn into_keys(self) -> Vec<Expr> {
        vec![self]
    }
}

impl<T: IntoColumnExpr, const N: usize> IntoKeys for [T; N] {
    fn into_keys(self) -> Vec<Expr> {
        self.into_iter()
            .map(IntoColumnExpr::into_column_expr)
            .collect()
    }
}

impl<T: IntoColumnExpr> IntoKeys for Vec<T> {
    fn into_keys(self) -> Vec<Expr> {
        self.into_iter()
            .map(IntoColumnExpr::into_column_expr)
            .collect()
    }
}

impl<T: IntoColumnExpr + Clone> IntoKeys for &[T] {
    fn into_keys(self) -> Vec<Expr> {
        self.iter()
            .cloned()
            .map(IntoColumnExpr::into_column_expr)
            .collect()
    }
}

impl<T: IntoColumnExpr + Clone> IntoKeys for &Vec<T> {
    fn into_keys(self) -> Vec<Expr> {
        self.as_slice().into_keys()
    }
}

/// The column names of `keys`, for the steps that take columns only (join
/// keys, `repartition_by`); an expression is refused with its step.
pub(crate) fn key_names(step: &str, keys: &[Expr]) -> Result<Vec<String>> {
    keys.iter()
        .map(|k| match k {
            Expr::Column(name) => Ok(name.clone()),
            other => Err(Error::plan(format!(
                "{step} takes columns, not the expression {other}; add it with \
                 with_column first"
            ))),
        })
        .collect()
}

impl Frame {
    pub(crate) fn new(session: Session, plan: Result<LogicalPlan>, semantics: Semantics) -> Self {
        Frame {
            session,
            plan,
            semantics,
        }
    }

    /// The next node, built on this frame's plan by the shared plan builder; an
    /// error building it names `step`, the API call (`sort_values`).
    pub(crate) fn then(
        self,
        step: &str,
        f: impl FnOnce(LogicalPlanBuilder) -> Result<LogicalPlanBuilder>,
    ) -> Frame {
        let sem = self.semantics;
        let plan = self.plan.and_then(|p| {
            f(LogicalPlanBuilder::new(p, sem))
                .map(LogicalPlanBuilder::build)
                .map_err(|e| in_step(step, e))
        });
        Frame {
            session: self.session,
            plan,
            semantics: sem,
        }
    }

    /// The frame `f` builds from this one, its errors named by `step` (a public
    /// call made of other calls: `groupby.cumsum` is a window then a projection).
    pub(crate) fn in_step(self, step: &str, f: impl FnOnce(Frame) -> Frame) -> Frame {
        if self.plan.is_err() {
            return self;
        }
        let mut out = f(self);
        out.plan = out.plan.map_err(|e| in_step(step, e));
        out
    }

    /// The semantics this frame runs under.
    pub fn semantics(&self) -> &Semantics {
        &self.semantics
    }

    /// The same query under other semantics (types, null placement and the integer
    /// rule are recomputed).
    pub fn with_semantics(self, semantics: Semantics) -> Frame {
        let plan = self.plan.and_then(|p| p.rebuild(&semantics));
        Frame {
            session: self.session,
            plan,
            semantics,
        }
    }

    /// The logical plan, or the error building it hit.
    pub fn logical_plan(&self) -> Result<&LogicalPlan> {
        self.plan.as_ref().map_err(Clone::clone)
    }

    /// The output schema.
    pub fn schema(&self) -> Result<Schema> {
        Ok(self.logical_plan()?.schema().shown())
    }

    /// Keeps the rows where `predicate` is true (SQL `WHERE`, pandas `df[mask]`).
    pub fn filter(self, predicate: Expr) -> Frame {
        self.then("filter", |b| b.filter(predicate))
    }

    /// Computes the given columns (SQL `SELECT`, pandas `df[["a", "b"]]`): names
    /// are columns, expressions are computed (`select(["a", "b"])`,
    /// `select([col("a"), (col("b") * 2).alias("b2")])`).
    pub fn select(self, exprs: impl IntoIterator<Item = impl IntoColumnExpr>) -> Frame {
        let exprs: Vec<Expr> = exprs
            .into_iter()
            .map(IntoColumnExpr::into_column_expr)
            .collect();
        // A name selected twice gives two columns of that name, as pandas'
        // `t[["a", "a"]]` does ([`partita_common::REPEAT_TAG`]).
        let names: Vec<String> = exprs.iter().map(Expr::output_name).collect();
        let held = partita_common::tag_repeats(names.iter().map(String::as_str));
        let exprs = exprs
            .into_iter()
            .zip(names.iter().zip(held))
            .map(|(e, (name, held))| if *name == held { e } else { e.alias(held) })
            .collect::<Vec<_>>();
        self.then("select", |b| b.project(exprs))
    }

    /// Adds a column, or replaces the column of the same name (pandas `assign`).
    pub fn with_column(self, expr: Expr) -> Frame {
        self.then("with_column", |b| {
            let name = expr.output_name();
            let schema = b.schema().clone();
            let mut exprs: Vec<Expr> = vec![];
            let mut replaced = false;
            for f in schema.fields() {
                if f.name == name {
                    exprs.push(expr.clone());
                    replaced = true;
                } else {
                    exprs.push(col(f.name.clone()));
                }
            }
            if !replaced {
                exprs.push(expr);
            }
            b.project(exprs)
        })
    }

    /// Groups by keys, columns or any expressions (`groupby("k")`,
    /// `groupby([col("a").alias("k"), col("b") % 7])`); finish with `agg` or a
    /// pandas-style shortcut.
    pub fn groupby(self, keys: impl IntoKeys) -> GroupBy {
        GroupBy {
            frame: self,
            keys: keys.into_keys(),
        }
    }

    /// Aggregates the whole frame into one row (SQL aggregate without GROUP BY).
    ///
    /// An expression over aggregates (`(col("a").max() - col("b").min()).alias("r")`)
    /// is computed from them after the aggregation.
    pub fn agg(self, aggs: impl IntoIterator<Item = impl IntoColumnExpr>) -> Frame {
        let aggs: Vec<Expr> = aggs
            .into_iter()
            .map(IntoColumnExpr::into_column_expr)
            .collect();
        self.then("agg", |b| b.aggregate([], aggs))
    }

    /// Sorts by keys, columns or any expressions (pandas `sort_values`, SQL
    /// `ORDER BY`); stable. An expression key is computed for the sort and not
    /// kept.
    pub fn sort_values(self, by: impl IntoKeys, spec: SortSpec) -> Frame {
        let by = by.into_keys();
        self.then("sort_values", |b| {
            spec.check_lengths(by.len())?;
            let names = b.schema().names().iter().map(|n| n.to_string()).collect();
            let (b, keys) = materialize_keys(b, by, "__sort")?;
            let exprs = keys
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    SortExpr::new(c.clone(), !spec.ascending_for(i), spec.na_position_for(i))
                })
                .collect();
            drop_hidden(b.sort(exprs, None)?, names)
        })
    }

    /// The first `n` rows (pandas `head`, SQL `LIMIT`).
    pub fn head(self, n: usize) -> Frame {
        self.limit(0, Some(n))
    }

    /// Skips `skip` rows then keeps `fetch` (SQL `LIMIT fetch OFFSET skip`).
    pub fn limit(self, skip: usize, fetch: Option<usize>) -> Frame {
        self.then("limit", |b| b.limit(skip, fetch))
    }

    /// Removes duplicate rows (SQL `DISTINCT`, pandas `drop_duplicates`).
    pub fn distinct(self) -> Frame {
        self.then("distinct", |b| b.distinct())
    }

    /// Runs `f` on every partition, a [`Table`]: Dask's `map_partitions`, Spark's
    /// `mapInPandas`. The output's columns are found by running `f` once on an
    /// empty partition of this frame's columns (give them with
    /// [`Frame::map_partitions_with_schema`] when `f` cannot run on no rows). An
    /// error or panic in `f` fails the query and names the partition. Inside `f`,
    /// `?` works on Partita results and on polars ones
    /// ([`Table::into_polars`]).
    ///
    /// ```
    /// use partita::prelude::*;
    /// let s = Session::new();
    /// let f = s.from_columns([Column::new("x", [1i64, 2, 3, 4])], 2)?;
    /// let doubled = f.map_partitions(|part: Table| {
    ///     let xs: Vec<Option<i64>> = part.column::<i64>("x")?;
    ///     let twice: Vec<Option<i64>> = xs.iter().map(|x| x.map(|x| 2 * x)).collect();
    ///     Table::new([Column::new("x2", twice)])
    /// });
    /// assert_eq!(doubled.collect()?.column::<i64>("x2")?, [Some(2), Some(4), Some(6), Some(8)]);
    /// # Ok::<(), partita::Error>(())
    /// ```
    pub fn map_partitions(
        self,
        f: impl Fn(Table) -> Result<Table> + Send + Sync + 'static,
    ) -> Frame {
        self.map_partitions_impl(f, None)
    }

    /// [`Frame::map_partitions`] with the output's columns given: `f` must return
    /// columns named and typed as `schema`.
    pub fn map_partitions_with_schema(
        self,
        f: impl Fn(Table) -> Result<Table> + Send + Sync + 'static,
        schema: Schema,
    ) -> Frame {
        self.map_partitions_impl(f, Some(schema))
    }

    fn map_partitions_impl(
        self,
        f: impl Fn(Table) -> Result<Table> + Send + Sync + 'static,
        schema: Option<Schema>,
    ) -> Frame {
        let f = Arc::new(f);
        let run = {
            let f = Arc::clone(&f);
            move |df: DataFrame| f(Table::from_polars(df)?).map(Table::into_polars)
        };
        let func = Arc::new(PartitionFn::new("map_partitions", run));
        self.then("map_partitions", |b| {
            let schema = match schema {
                Some(s) => s,
                None => {
                    let empty = Table::empty(b.schema());
                    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(empty)))
                        .map_err(|_| Error::User("the closure panicked".into()))
                        .and_then(|r| r)
                        .map_err(|e| {
                            Error::plan(format!(
                                "could not find the output columns by running the closure on \
                                 an empty partition ({e}); give them with \
                                 map_partitions_with_schema"
                            ))
                        })?;
                    out.schema().clone()
                }
            };
            b.map_partitions(func, schema)
        })
    }

    /// Re-splits the rows, in order, into `n` partitions.
    pub fn repartition(self, n: usize) -> Frame {
        self.then("repartition", |b| b.repartition(n, &[]))
    }

    /// Re-splits the rows into `n` partitions by the hash of the `by` columns: rows
    /// with equal keys land in one partition (Dask `shuffle(on=...)`, Spark
    /// `repartition(n, cols)`).
    pub fn repartition_by(self, by: impl IntoKeys, n: usize) -> Frame {
        let by = by.into_keys();
        self.then("repartition_by", |b| {
            b.repartition(n, &key_names("repartition_by", &by)?)
        })
    }

    /// Runs the query and keeps its result partitions in memory: the returned frame
    /// reads them instead of running the query again (Dask `persist`, Spark `cache`).
    pub fn persist(&self) -> Result<Frame> {
        let (parts, schema) = self.run_partitions(&RunOptions::default())?;
        let source = MemorySource::from_partitions(parts, Some(schema))?;
        Ok(self
            .session
            .clone()
            .with_semantics(self.semantics)
            .scan(Arc::new(source)))
    }

    /// The optimized plan.
    pub fn optimized_plan(&self) -> Result<LogicalPlan> {
        let plan = self.logical_plan()?.clone();
        let ctx = OptimizerContext {
            semantics: self.semantics,
            constants: &KernelConstantEvaluator,
        };
        Optimizer::new().optimize(plan, &ctx)
    }

    /// The optimized plan the engine runs, and the result columns whose types the
    /// values decide under pandas (see `partita_exec::late_types`).
    /// The result columns in `as_planned` keep the plan's types.
    fn local_plan(
        &self,
        as_planned: &[String],
    ) -> Result<(LogicalPlan, Vec<partita_exec::late_types::TypeDecision>)> {
        let (plan, decisions) = partita_exec::late_types::decide_by_values(
            self.logical_plan()?.clone(),
            &self.semantics,
            as_planned,
        )?;
        let ctx = OptimizerContext {
            semantics: self.semantics,
            constants: &KernelConstantEvaluator,
        };
        Ok((Optimizer::new().optimize(plan, &ctx)?, decisions))
    }

    /// The task graph the query runs as.
    pub fn task_graph(&self) -> Result<TaskGraph> {
        let (plan, decisions) = self.local_plan(&[])?;
        self.lowered(&plan, decisions)
    }

    /// `plan` lowered under the session's settings, with its type decisions.
    fn lowered(
        &self,
        plan: &LogicalPlan,
        decisions: Vec<partita_exec::late_types::TypeDecision>,
    ) -> Result<TaskGraph> {
        let cfg = self.session.config();
        let opts = LowerOptions {
            semantics: self.semantics,
            split_every: cfg.split_every,
            split_out: cfg.split_out,
            broadcast_rows: cfg.broadcast_rows,
        };
        let mut graph = lower(plan, &opts)?;
        graph.decisions = decisions;
        Ok(graph)
    }

    /// The logical plan, the optimized plan and the task graph, as one stable text.
    pub fn explain(&self) -> Result<String> {
        let logical = self.logical_plan()?.display_indent();
        #[cfg(feature = "spark")]
        if let crate::Engine::Spark(engine) = self.session.engine() {
            let engine = engine.as_ref().as_ref().map_err(Clone::clone)?;
            let plan = self.optimized_plan()?;
            let optimized = plan.display_indent();
            let (above, (_, spark)) =
                spark_split(&plan, |node| engine.explain(node, &self.semantics))?;
            let spark = match above.first() {
                None => spark,
                Some(top) => format!(
                    "== Finished by Partita over Spark's rows ==\n{}{spark}",
                    top.display_indent()
                        .lines()
                        .take(above.len())
                        .map(|l| format!("{l}\n"))
                        .collect::<String>()
                ),
            };
            return Ok(format!(
                "== Semantics ==\n{}\n\n== Logical plan ==\n{logical}\n== Optimized plan ==\n{optimized}\n{spark}",
                self.semantics
            ));
        }
        let optimized = self.local_plan(&[])?.0.display_indent();
        let graph = self.task_graph()?.display_indent();
        Ok(format!(
            "== Semantics ==\n{}\n\n== Logical plan ==\n{logical}\n== Optimized plan ==\n{optimized}\n== Task graph ==\n{graph}",
            self.semantics
        ))
    }

    /// Runs the query and describes how it ran (`EXPLAIN ANALYZE`): the task
    /// graph with each task's wall time, rows in and out and output bytes, the
    /// slowest first-level task against the median (skew), and the totals.
    pub fn explain_analyze(&self) -> Result<String> {
        use std::collections::HashMap;
        use std::sync::Mutex;
        let graph = self.task_graph()?;
        let seen: Arc<Mutex<HashMap<_, partita_exec::TaskStats>>> = Arc::default();
        let sink = Arc::clone(&seen);
        let options = RunOptions {
            stats: Some(Arc::new(move |s: partita_exec::TaskStats| {
                if let Ok(mut m) = sink.lock() {
                    m.insert(s.node, s);
                }
            })),
            ..RunOptions::default()
        };
        let started = std::time::Instant::now();
        let parts = partita_exec::run(&graph, self.session.pool()?, &options)?;
        let total = started.elapsed().as_secs_f64();
        let stats = seen
            .lock()
            .map_err(|_| Error::internal("task statistics lock"))?
            .clone();
        let text = graph.display_with(|n| match stats.get(&n) {
            Some(s) if graph.inputs_of(n).is_empty() => format!(
                " [{}, {} rows out, {}]",
                seconds_text(s.seconds),
                s.rows_out,
                bytes_text(s.bytes_out)
            ),
            Some(s) => format!(
                " [{}, {} → {} rows, {}]",
                seconds_text(s.seconds),
                s.rows_in,
                s.rows_out,
                bytes_text(s.bytes_out)
            ),
            None => " [not run]".to_string(),
        });
        let mut first: Vec<(f64, usize)> = graph
            .ordered_nodes()
            .iter()
            .enumerate()
            .filter(|(_, n)| graph.graph[**n].level == 0)
            .filter_map(|(i, n)| stats.get(n).map(|s| (s.seconds, i)))
            .collect();
        first.sort_by(|a, b| a.0.total_cmp(&b.0));
        // The median of an even count is the mean of the two middle times (with two
        // tasks, the slowest is then compared with both, not with itself).
        let median = match first.len() {
            0 => None,
            n if n % 2 == 1 => Some(first[n / 2].0),
            n => Some((first[n / 2 - 1].0 + first[n / 2].0) / 2.0),
        };
        let skew = match (first.last(), median) {
            (Some(&(slowest, id)), Some(median)) if first.len() > 1 => format!(
                "slowest partition task: t{id}, {} ({:.1}x the median {})\n",
                seconds_text(slowest),
                if median > 0.0 { slowest / median } else { 1.0 },
                seconds_text(median)
            ),
            _ => String::new(),
        };
        let busy: f64 = stats.values().map(|s| s.seconds).sum();
        let rows: usize = parts.iter().map(|p| p.height()).sum();
        Ok(format!(
            "== Semantics ==\n{}\n\n== Task graph, run ==\n{text}\n{skew}total: {} wall, {} in tasks, {rows} result rows in {} partition(s)\n",
            self.semantics,
            seconds_text(total),
            seconds_text(busy),
            parts.len()
        ))
    }

    /// The number of partitions the query's result comes in (a Parquet scan has one
    /// per row group, or per row range of a large one; a grouping has `split_out`).
    pub fn partitions(&self) -> Result<usize> {
        Ok(self.task_graph()?.outputs.len())
    }

    /// Runs the query and returns its result partitions, in order; with a
    /// [`RunOptions::sink`], hands each partition to the sink as soon as it is
    /// made and returns none.
    pub fn collect_partitions_with(&self, options: &RunOptions) -> Result<Vec<Table>> {
        self.run_partitions(options)?
            .0
            .into_iter()
            .map(Table::from_polars)
            .collect()
    }

    /// The result partitions as the engine made them, and the result's schema
    /// (under pandas, some result types are decided by the values).
    fn run_partitions(&self, options: &RunOptions) -> Result<(Vec<DataFrame>, Schema)> {
        // A type the values decide whose float64 values the integers cannot give
        // back (pandas' `//` by zero) is kept as planned in a second run when a
        // value came out missing; the result then reaches a sink only at the end.
        let mut as_planned: Vec<String> = vec![];
        loop {
            let (plan, decisions) = self.local_plan(&as_planned)?;
            let hold = options.sink.is_some() && decisions.iter().any(|d| d.rerun);
            let run_options = RunOptions {
                sink: if hold { None } else { options.sink.clone() },
                ..options.clone()
            };
            let (parts, schema) = self.run_plan(&plan, decisions.clone(), &run_options)?;
            let again: Vec<String> = decisions
                .iter()
                .filter(|d| d.rerun && d.missing())
                .map(|d| d.column.clone())
                .collect();
            if !again.is_empty() {
                as_planned.extend(again);
                continue;
            }
            return match (&options.sink, hold) {
                (Some(sink), true) => {
                    for (i, p) in parts.into_iter().enumerate() {
                        sink(i, p)?;
                    }
                    Ok((vec![], schema))
                }
                _ => Ok((parts, schema)),
            };
        }
    }

    /// Runs `plan` (optimized, with its type decisions) on the session's engine.
    fn run_plan(
        &self,
        plan: &LogicalPlan,
        decisions: Vec<partita_exec::late_types::TypeDecision>,
        options: &RunOptions,
    ) -> Result<(Vec<DataFrame>, Schema)> {
        #[cfg(feature = "spark")]
        if let crate::Engine::Spark(engine) = self.session.engine() {
            let engine = engine.as_ref().as_ref().map_err(Clone::clone)?;
            let (above, (node, parts)) = spark_split(plan, |node| {
                engine.run(node, &self.semantics, options.cancel.as_deref())
            })?;
            if !above.is_empty() {
                // The top nodes Spark cannot express run here over Spark's rows.
                let graph = self.lowered(&finishing_plan(&above, node, parts)?, decisions)?;
                let parts = partita_exec::run(&graph, self.session.pool()?, options)?;
                return Ok((parts, (*graph.result_schema()).clone()));
            }
            let parts = parts
                .into_iter()
                .map(|p| partita_exec::late_types::apply(&decisions, p))
                .collect::<Result<Vec<_>>>()?;
            let schema =
                (*partita_exec::late_types::decided_schema(plan.schema(), &decisions)).clone();
            return match &options.sink {
                None => Ok((parts, schema)),
                Some(sink) => {
                    for (i, p) in parts.into_iter().enumerate() {
                        sink(i, p)?;
                    }
                    Ok((vec![], schema))
                }
            };
        }
        let graph = self.lowered(plan, decisions)?;
        let parts = partita_exec::run(&graph, self.session.pool()?, options)?;
        Ok((parts, (*graph.result_schema()).clone()))
    }

    /// Runs the query and writes each result partition to `dir/part-NNNNN.parquet`
    /// (the directory is created; it must not hold `part-*` files already). Each
    /// partition is written by the task that made it and then dropped, so the
    /// result never has to fit in memory. Returns the files, in partition order.
    pub fn write_parquet(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        self.write_parts(
            dir.as_ref(),
            "parquet",
            partita_core::parquet::write_parquet,
        )
    }

    /// Like [`Frame::write_parquet`], as CSV files with a header line
    /// (`dir/part-NNNNN.csv`); missing values are empty fields.
    pub fn write_csv(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        self.write_parts(dir.as_ref(), "csv", partita_core::parquet::write_csv)
    }

    fn write_parts(
        &self,
        dir: &Path,
        ext: &str,
        write: fn(&DataFrame, &Path) -> Result<()>,
    ) -> Result<Vec<PathBuf>> {
        // Planned first: a query that does not plan creates no directory.
        self.task_graph()?;
        std::fs::create_dir_all(dir).map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?;
        let entries =
            std::fs::read_dir(dir).map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?;
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with("part-") {
                return Err(Error::Io(format!(
                    "{} already holds {}; write into a new directory",
                    dir.display(),
                    e.file_name().to_string_lossy()
                )));
            }
        }
        let written = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (into, ext) = (dir.to_path_buf(), ext.to_string());
        let sink_written = Arc::clone(&written);
        let options = RunOptions {
            sink: Some(Arc::new(move |i: usize, df: DataFrame| {
                let path = into.join(format!("part-{i:05}.{ext}"));
                write(&df, &path)?;
                sink_written
                    .lock()
                    .map_err(|_| Error::internal("the list of written files"))?
                    .push(path);
                Ok(())
            })),
            ..RunOptions::default()
        };
        self.run_partitions(&options)?;
        let mut files = written
            .lock()
            .map_err(|_| Error::internal("the list of written files"))?
            .clone();
        files.sort();
        Ok(files)
    }

    /// Runs the query and returns the whole result.
    pub fn collect(&self) -> Result<Table> {
        self.collect_with(&RunOptions::default())
    }

    /// Runs the query with progress reporting or cancellation.
    pub fn collect_with(&self, options: &RunOptions) -> Result<Table> {
        if options.sink.is_some() {
            return Err(Error::User(
                "collect_with returns the result, so it takes no sink; \
                 use collect_partitions_with to stream partitions to a sink"
                    .into(),
            ));
        }
        let (parts, schema) = self.run_partitions(options)?;
        // The partitions become the chunks of the result, not copied into one: a
        // result never needs twice its size to be collected.
        Table::from_result(stack(parts, &schema)?, &schema)
    }
}

/// `e` named by the API call `step`; an error already named by an inner call is
/// renamed (the user called `step`, not its parts).
fn in_step(step: &str, e: Error) -> Error {
    let source = match e {
        Error::Step { source, .. } => source,
        other => Box::new(other),
    };
    Error::Step {
        step: step.to_string(),
        source,
    }
}

/// `keys` as columns of the builder's output: a column key is itself, any other
/// expression is added as the hidden column `{prefix}.{i}`.
fn materialize_keys(
    b: LogicalPlanBuilder,
    keys: Vec<Expr>,
    prefix: &str,
) -> Result<(LogicalPlanBuilder, Vec<String>)> {
    if keys.iter().all(|k| matches!(k, Expr::Column(_))) {
        return Ok((b, keys.iter().map(Expr::output_name).collect()));
    }
    let mut exprs: Vec<Expr> = b.schema().names().iter().map(|n| col(*n)).collect();
    let mut names = vec![];
    for (i, k) in keys.into_iter().enumerate() {
        match k {
            Expr::Column(name) => names.push(name),
            other => {
                let hidden = format!("{prefix}.{i}");
                exprs.push(other.alias(hidden.clone()));
                names.push(hidden);
            }
        }
    }
    Ok((b.project(exprs)?, names))
}

/// The builder's output without the hidden columns `materialize_keys` added.
fn drop_hidden(b: LogicalPlanBuilder, names: Vec<String>) -> Result<LogicalPlanBuilder> {
    if b.schema().fields().len() == names.len() {
        return Ok(b);
    }
    b.project(names.into_iter().map(col))
}

/// A frame grouped by keys.
#[derive(Debug, Clone)]
#[must_use = "a GroupBy does nothing until agg (or a shortcut such as mean) makes a Frame"]
pub struct GroupBy {
    frame: Frame,
    keys: Vec<Expr>,
}

impl GroupBy {
    /// The frame and the group keys.
    pub(crate) fn into_parts(self) -> (Frame, Vec<Expr>) {
        (self.frame, self.keys)
    }

    /// One row per group: the keys, then the aggregates.
    ///
    /// An expression over aggregates (`(col("v1").max() - col("v2").min())`) is
    /// computed from them after the aggregation, as in SQL and Polars.
    pub fn agg(self, aggs: impl IntoIterator<Item = impl IntoColumnExpr>) -> Frame {
        let aggs: Vec<Expr> = aggs
            .into_iter()
            .map(IntoColumnExpr::into_column_expr)
            .collect();
        let keys = self.keys;
        self.frame.then("groupby.agg", |b| b.aggregate(keys, aggs))
    }

    /// The `n` largest values of `column` in each group, as rows of the keys and
    /// the value, sorted by the keys and then by the value, largest first (pandas
    /// `groupby(k)[c].nlargest(n)`, Spark `row_number() over (partition by k order by
    /// c desc) <= n`). Missing values of `column` are skipped; ties keep row order.
    pub fn nlargest(self, n: usize, column: &str) -> Frame {
        self.top_n(n, column, true)
    }

    /// The `n` smallest values of `column` in each group; see [`GroupBy::nlargest`].
    pub fn nsmallest(self, n: usize, column: &str) -> Frame {
        self.top_n(n, column, false)
    }

    /// A per-group top-n node (see [`partita_plan::TopKPerGroup`]) over the keys and
    /// the value, then the sort by keys and value.
    fn top_n(self, n: usize, column: &str, descending: bool) -> Frame {
        let step = if descending {
            "groupby.nlargest"
        } else {
            "groupby.nsmallest"
        };
        let keys: Vec<String> = self.keys.iter().map(Expr::output_name).collect();
        let mut cols = self.keys.clone();
        cols.push(col(column));
        let order = vec![SortExpr::new(column, descending, NullPlacement::Last)];
        let mut by = keys.clone();
        by.push(column.to_string());
        let spec =
            SortSpec::ascending().with_ascending(keys.iter().map(|_| true).chain([!descending]));
        self.frame.in_step(step, |f| {
            f.select(cols)
                .filter(col(column).is_not_null())
                .then(step, |b| b.top_k_per_group(keys, order, n))
                .sort_values(by, spec)
        })
    }

    /// `func` over every column but the keys (only the numeric ones with
    /// `numeric_only`), each named as its column.
    fn shortcut(self, step: &str, func: AggregateFunction, numeric_only: bool) -> Frame {
        let keys = self.keys;
        self.frame.then(step, |b| {
            let schema = b.schema().clone();
            // Key columns are not aggregated; a key computed from a column leaves
            // that column in, as pandas does for a renamed or derived key.
            let key_idx = keys
                .iter()
                .filter_map(|k| match k {
                    Expr::Column(name) => Some(schema.resolve(name, b.semantics())),
                    _ => None,
                })
                .collect::<Result<Vec<_>>>()?;
            let aggs: Vec<Expr> = schema
                .fields()
                .iter()
                .enumerate()
                .filter(|(i, f)| {
                    !key_idx.contains(i) && (!numeric_only || f.data_type.is_numeric())
                })
                .map(|(_, f)| {
                    Expr::Aggregate {
                        func,
                        args: vec![col(f.name.clone())],
                    }
                    .alias(f.name.clone())
                })
                .collect();
            if aggs.is_empty() {
                return Err(Error::plan(format!(
                    "no {}columns left to aggregate besides the keys",
                    if numeric_only { "numeric " } else { "" }
                )));
            }
            b.aggregate(keys, aggs)
        })
    }

    /// The mean of every other numeric column (pandas `groupby(k).mean()`).
    pub fn mean(self) -> Frame {
        self.shortcut("groupby.mean", AggregateFunction::Mean, true)
    }

    /// The sum of every other numeric column.
    pub fn sum(self) -> Frame {
        self.shortcut("groupby.sum", AggregateFunction::Sum, true)
    }

    /// The minimum of every other column.
    pub fn min(self) -> Frame {
        self.shortcut("groupby.min", AggregateFunction::Min, false)
    }

    /// The maximum of every other column.
    pub fn max(self) -> Frame {
        self.shortcut("groupby.max", AggregateFunction::Max, false)
    }

    /// The non-missing count of every other column.
    pub fn count(self) -> Frame {
        self.shortcut("groupby.count", AggregateFunction::Count, false)
    }

    /// The rows per group, in a column named `size` (pandas `groupby(k).size()`).
    pub fn size(self) -> Frame {
        self.agg([count_star().alias("size")])
    }
}

/// A typed NULL literal helper re-exported for convenience.
pub fn null_of(t: DataType) -> Expr {
    partita_plan::lit_null(t)
}

/// A duration as `812 µs`, `12.3 ms` or `1.25 s`.
fn seconds_text(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// A size as `512 B`, `1.2 KB`, `3.4 MB` or `1.1 GB`.
fn bytes_text(b: usize) -> String {
    let b = b as f64;
    if b < 1024.0 {
        format!("{b} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.1} KB", b / 1024.0)
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    } else {
        format!("{:.1} GB", b / (1024.0 * 1024.0 * 1024.0))
    }
}

/// Runs `run` on `plan`, or, where Spark cannot express `plan` in the session's
/// semantics (a refusal), on the first input down its top nodes that Partita can
/// finish ([`partita_spark::finished_locally`]). Returns those nodes (top first)
/// and the node `run` ran with its answer; the first refusal when none runs.
#[cfg(feature = "spark")]
fn spark_split<T>(
    plan: &LogicalPlan,
    run: impl Fn(&LogicalPlan) -> Result<T>,
) -> Result<(Vec<&LogicalPlan>, (&LogicalPlan, T))> {
    let mut above = vec![];
    let mut node = plan;
    let mut refusal: Option<Error> = None;
    loop {
        match run(node) {
            Ok(answer) => return Ok((above, (node, answer))),
            Err(e @ Error::NotImplemented(_)) => {
                let first = refusal.get_or_insert(e);
                match partita_spark::finished_locally(node) {
                    Some(input) => {
                        above.push(node);
                        node = input;
                    }
                    None => return Err(first.clone()),
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// `above` (top first) over a scan of `parts`, the rows Spark returned for
/// `node`, as they were planned: the query finished locally.
#[cfg(feature = "spark")]
fn finishing_plan(
    above: &[&LogicalPlan],
    node: &LogicalPlan,
    parts: Vec<DataFrame>,
) -> Result<LogicalPlan> {
    let source = MemorySource::from_partitions(parts, Some((**node.schema()).clone()))?;
    let mut plan = LogicalPlan::Scan(partita_plan::Scan {
        source: Arc::new(source),
        projection: None,
        filters: vec![],
        source_schema: node.schema().clone(),
        schema: node.schema().clone(),
    });
    for n in above.iter().rev() {
        plan = (*n).clone().with_inputs_as_planned(vec![plan])?;
    }
    Ok(plan)
}
