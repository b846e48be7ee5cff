//! Runs a task graph on the session's rayon pool.
//!
//! A task starts when all its inputs are ready; each intermediate result is dropped
//! as soon as its last consumer has taken it. The first error or panic stops the
//! run: tasks not yet started are skipped, and the error names the task and its
//! partition. Merges read their inputs in edge order, so results never depend on
//! which thread finished first.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use partita_common::{panic_message, Error, Logic, Result, Semantics};
use partita_core::aggregate;
use partita_core::frame::{concat, conform, schema_of, split_even};
use partita_core::hash::hash_split;
use partita_core::sort::{merge_sorted_with, sort};
use partita_core::Partition;
use petgraph::stable_graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::eval::{filter, filter_select, project, selects_columns};
use crate::graph::{MergeKind, Op, OutputSplit, Task, TaskGraph, TaskInput};
use crate::source::read_partition;

/// Progress of a run: tasks finished out of all tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Tasks finished.
    pub done: usize,
    /// Tasks in the graph.
    pub total: usize,
    /// Rows the finished partition tasks (the first level: scans) made.
    pub rows: usize,
}

/// What one finished task did, for `EXPLAIN ANALYZE`.
#[derive(Debug, Clone, Copy)]
pub struct TaskStats {
    /// The task.
    pub node: petgraph::stable_graph::NodeIndex,
    /// Its wall time, in seconds.
    pub seconds: f64,
    /// Rows of its inputs.
    pub rows_in: usize,
    /// Rows of its outputs.
    pub rows_out: usize,
    /// Estimated bytes of its outputs.
    pub bytes_out: usize,
}

/// A callback told what every finished task did.
pub type StatsCallback = Arc<dyn Fn(TaskStats) + Send + Sync>;

/// What a run's semantics changed, counted while it ran where that is cheap:
/// the footnotes the shell prints under a result.
#[derive(Debug, Default)]
pub struct RunNotes {
    /// Rows a grouping left out because a key was missing
    /// (`null_group_keys = drop`).
    pub null_key_rows: std::sync::atomic::AtomicUsize,
    /// NaN values read from the data as missing values (`nan = missing`).
    pub nan_as_missing: std::sync::atomic::AtomicUsize,
    /// Rows a filter kept because a comparison with a missing value was decided
    /// (`logic = two_valued`: false, `!=` true), which SQL's three-valued logic
    /// leaves unknown and drops.
    pub missing_comparisons_kept: std::sync::atomic::AtomicUsize,
}

/// How many rows of `df` the filter `conjuncts` keeps under three-valued logic
/// (`None` when that evaluation fails; the filter reports its own errors). A row
/// SQL's logic keeps is kept however its unknown comparisons are decided, so the
/// rows the two-valued filter kept beyond this count are the rows only the pandas
/// rule keeps.
fn kept_by_three_valued_logic(
    df: &Partition,
    conjuncts: &[crate::eval::PhysicalExpr],
    sem: &Semantics,
) -> Option<usize> {
    let three_valued = Semantics {
        logic: Logic::ThreeValued,
        ..*sem
    };
    let mask = crate::eval::mask(conjuncts, df, &three_valued).ok()?;
    Some(mask.sum().unwrap_or(0) as usize)
}

/// A callback told after every finished task.
pub type ProgressCallback = Arc<dyn Fn(Progress) + Send + Sync>;

/// Options of one run.
#[derive(Clone, Default)]
pub struct RunOptions {
    /// Called after every finished task.
    pub progress: Option<ProgressCallback>,
    /// Set to true to cancel the run; it then ends with [`Error::Cancelled`].
    pub cancel: Option<Arc<AtomicBool>>,
    /// Takes each result partition (its index, the frame) on the worker that made
    /// it, as soon as it is ready, instead of keeping it for the caller: a write
    /// to files then holds no more than the partitions being written. With a sink,
    /// [`run`] returns no partitions.
    pub sink: Option<Sink>,
    /// Told what every finished task did (`EXPLAIN ANALYZE`).
    pub stats: Option<StatsCallback>,
    /// Counts what the semantics changed (see [`RunNotes`]).
    pub notes: Option<Arc<RunNotes>>,
}

/// Receives result partitions as they are finished; see [`RunOptions::sink`].
pub type Sink = Arc<dyn Fn(usize, Partition) -> Result<()> + Send + Sync>;

fn concat_inputs(inputs: Vec<Partition>) -> Result<Partition> {
    let schema = schema_of(
        inputs
            .first()
            .ok_or_else(|| Error::internal("merge without inputs"))?,
    )?;
    concat(inputs, &schema)
}

/// Runs one task on its inputs (in input order).
pub fn execute_task(
    task: &Task,
    inputs: Vec<Partition>,
    sem: &Semantics,
    notes: Option<&RunNotes>,
) -> Result<Vec<Partition>> {
    let note = |counter: &std::sync::atomic::AtomicUsize, n: usize| {
        if n > 0 {
            counter.fetch_add(n, Ordering::Relaxed);
        }
    };
    let mut df = match &task.input {
        TaskInput::Empty { rows } => partita_core::frame::frame_with_height(*rows, vec![])?,
        TaskInput::Join(j) => crate::join::execute(j, inputs, sem)?,
        TaskInput::WindowScan(specs) => {
            let mut inputs = inputs.into_iter();
            let slice = inputs
                .next()
                .ok_or_else(|| Error::internal("a window scan without its slice"))?;
            let states: Vec<_> = inputs.collect();
            partita_core::window::window_after(&slice, specs, sem, &states)?
        }
        TaskInput::Scan {
            source,
            partition,
            projection,
            schema,
            filters,
            limit,
        } => {
            let raw = read_partition(
                source.as_ref(),
                *partition,
                projection.as_deref(),
                filters,
                *limit,
                sem,
            )?;
            if let (Some(n), true) = (notes, sem.nan_is_missing()) {
                note(&n.nan_as_missing, partita_core::frame::nan_count(&raw));
            }
            conform(raw, schema, sem)?
        }
        TaskInput::Merge(MergeKind::Concat { limit }) => {
            let df = concat_inputs(inputs)?;
            match limit {
                Some(n) => df.head(Some(*n)),
                None => df,
            }
        }
        TaskInput::Merge(MergeKind::AggStates(spec)) => {
            aggregate::merge(&concat_inputs(inputs)?, spec, sem)?
        }
        // The last merge of a sort runs alone: it is cut into ranges of the order
        // that merge in parallel, a few per worker so that uneven ranges even out.
        TaskInput::Merge(MergeKind::SortedRuns { keys, limit }) => {
            let pieces = 4 * rayon::current_num_threads();
            merge_sorted_with(inputs, keys, *limit, pieces, |n, merge| {
                use rayon::prelude::*;
                (0..n).into_par_iter().map(merge).collect()
            })?
        }
    };
    let mut ops = task.ops.iter().peekable();
    while let Some(op) = ops.next() {
        // The filter's own (two-valued) result is counted after it runs.
        let kept_by_sql = match (op, notes, sem.logic) {
            (Op::Filter(p), Some(_), Logic::TwoValued) => kept_by_three_valued_logic(&df, p, sem),
            _ => None,
        };
        df = match op {
            // A filter followed by a projection of plain columns gathers only the
            // projected columns (the predicate's own columns are dropped unfiltered).
            Op::Filter(p) => match ops.peek() {
                Some(Op::Project(exprs)) if selects_columns(exprs) => {
                    ops.next();
                    filter_select(df, p, exprs, sem)?
                }
                _ => filter(df, p, sem)?,
            },
            Op::Project(exprs) => project(&df, exprs, sem)?,
            Op::PartialAgg { spec, .. } | Op::AggregateRows(spec)
                if notes.is_some() && spec.drop_null_keys =>
            {
                let n = notes.expect("checked");
                note(&n.null_key_rows, aggregate::null_key_rows(&df, spec)?);
                match op {
                    Op::PartialAgg { merged: true, .. } => {
                        aggregate::partial_or_rows(&df, spec, sem)?
                    }
                    Op::PartialAgg { .. } => aggregate::partial(&df, spec, sem)?,
                    _ => aggregate::aggregate_rows(&df, spec, sem)?,
                }
            }
            Op::PartialAgg { spec, merged } => match merged {
                true => aggregate::partial_or_rows(&df, spec, sem)?,
                false => aggregate::partial(&df, spec, sem)?,
            },
            Op::FinalAgg(spec) => aggregate::finalize(&df, spec, sem)?,
            Op::AggregateRows(spec) => aggregate::aggregate_rows(&df, spec, sem)?,
            Op::Sort { keys, limit } => sort(&df, keys, *limit)?,
            Op::TopKPerGroup { keys, order, k } => {
                partita_core::sort::top_k_per_group(&df, keys, order, *k)?
            }
            Op::Window(specs) => partita_core::window::window(&df, specs, sem)?,
            Op::WindowState(specs) => partita_core::window::window_states(&df, specs, sem)?,
            Op::RowAddress { part } => crate::join::with_row_address(df, *part)?,
            Op::Fetch {
                source,
                projection,
                schema,
            } => {
                crate::source::fetch_rows(&df, source.as_ref(), projection.as_deref(), schema, sem)?
            }
            Op::Address { keys, types, part } => {
                crate::join::address(&df, keys, types, *part, sem)?
            }
            Op::Limit { skip, fetch } => {
                let start = (*skip).min(df.height());
                let len = fetch.unwrap_or(usize::MAX).min(df.height() - start);
                df.slice(start as i64, len)
            }
            Op::Map(f, schema) => {
                let out = f.call(df).map_err(|e| match e {
                    Error::User(_) => e,
                    other => Error::User(other.to_string()),
                })?;
                let got = schema_of(&out)?;
                if got.names() != schema.names() {
                    return Err(Error::User(format!(
                        "map_partitions function '{}' returned columns {got} but declared {schema}",
                        partita_plan::PartitionFunction::name(f)
                    )));
                }
                conform(out, schema, sem)?
            }
        };
        if let (Some(sql), Some(n)) = (kept_by_sql, notes) {
            note(&n.missing_comparisons_kept, df.height().saturating_sub(sql));
        }
    }
    Ok(match &task.split {
        OutputSplit::Single => vec![df],
        OutputSplit::Hash { keys, n } => hash_split(&df, keys, *n)?,
        OutputSplit::Even(n) => split_even(&df, *n),
    })
}

struct RunState {
    /// Outputs of finished tasks not yet taken by all consumers: (node, port) → frame.
    results: HashMap<(NodeIndex, usize), Partition>,
    /// Consumers still to take each (node, port).
    readers: HashMap<(NodeIndex, usize), usize>,
    /// Inputs still missing per task.
    waiting: HashMap<NodeIndex, usize>,
    error: Option<Error>,
    done: usize,
    /// Rows made by the finished first-level tasks.
    rows: usize,
}

struct Run<'a> {
    graph: &'a TaskGraph,
    sem: &'a Semantics,
    options: &'a RunOptions,
    state: Mutex<RunState>,
    stop: AtomicBool,
}

impl<'a> Run<'a> {
    fn fail(&self, e: Error) {
        let mut st = self.state.lock().expect("run state lock");
        if st.error.is_none() {
            st.error = Some(e);
        }
        self.stop.store(true, Ordering::SeqCst);
    }

    fn cancelled(&self) -> bool {
        self.options
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::SeqCst))
    }

    /// Hands the result partitions among `outputs` to the sink, if there is one.
    fn sink_outputs(&self, node: NodeIndex, outputs: Vec<Partition>) -> Result<Vec<Partition>> {
        let Some(sink) = &self.options.sink else {
            return Ok(outputs);
        };
        for (i, out) in self.graph.outputs.iter().enumerate() {
            if out.node == node {
                let frame = outputs
                    .get(out.port)
                    .ok_or_else(|| Error::internal("a result partition is missing"))?;
                sink(i, frame.clone())?;
            }
        }
        Ok(outputs)
    }

    fn run_task<'s>(&'s self, scope: &rayon::Scope<'s>, node: NodeIndex) {
        if self.stop.load(Ordering::SeqCst) {
            return;
        }
        if self.cancelled() {
            self.fail(Error::Cancelled);
            return;
        }
        let task = &self.graph.graph[node];
        // Take the inputs, in order; the last reader moves the frame out.
        let inputs: Vec<Partition> = {
            let mut st = self.state.lock().expect("run state lock");
            let mut v = vec![];
            for (src, edge) in self.graph.inputs_of(node) {
                let key = (src, edge.port);
                let left = st.readers.get_mut(&key).map(|r| {
                    *r -= 1;
                    *r
                });
                let frame = if left == Some(0) {
                    st.results.remove(&key)
                } else {
                    st.results.get(&key).cloned()
                };
                match frame {
                    Some(f) => v.push(f),
                    None => {
                        drop(st);
                        self.fail(Error::internal(format!(
                            "input of {} missing",
                            task.label()
                        )));
                        return;
                    }
                }
            }
            v
        };
        let rows_in: usize = inputs.iter().map(|f| f.height()).sum();
        let started = std::time::Instant::now();
        let notes = self.options.notes.as_deref();
        let result = catch_unwind(AssertUnwindSafe(|| {
            execute_task(task, inputs, self.sem, notes)
        }));
        let seconds = started.elapsed().as_secs_f64();
        let rows_out: usize = match &result {
            Ok(Ok(outs)) => outs.iter().map(|f| f.height()).sum(),
            _ => 0,
        };
        if let (Some(cb), Ok(Ok(outs))) = (&self.options.stats, &result) {
            cb(TaskStats {
                node,
                seconds,
                rows_in,
                rows_out,
                bytes_out: outs.iter().map(|f| f.estimated_size()).sum(),
            });
        }
        let outputs = match result {
            Ok(Ok(outs)) => outs,
            Ok(Err(e)) => {
                self.fail(Error::Task {
                    task: task.label(),
                    partition: task.partition,
                    source: Box::new(e),
                });
                return;
            }
            Err(payload) => {
                let msg = panic_message(&*payload);
                self.fail(Error::Task {
                    task: task.label(),
                    partition: task.partition,
                    source: Box::new(Error::User(format!("panicked: {msg}"))),
                });
                return;
            }
        };
        let outputs = match self.sink_outputs(node, outputs) {
            Ok(o) => o,
            Err(e) => {
                self.fail(Error::Task {
                    task: task.label(),
                    partition: task.partition,
                    source: Box::new(e),
                });
                return;
            }
        };
        let mut ready = vec![];
        let progress = {
            let mut st = self.state.lock().expect("run state lock");
            for (port, frame) in outputs.into_iter().enumerate() {
                if st.readers.get(&(node, port)).copied().unwrap_or(0) > 0 {
                    st.results.insert((node, port), frame);
                }
            }
            for e in self.graph.graph.edges_directed(node, Direction::Outgoing) {
                let w = st
                    .waiting
                    .get_mut(&e.target())
                    .expect("consumer is tracked");
                *w -= 1;
                if *w == 0 {
                    ready.push(e.target());
                }
            }
            st.done += 1;
            if task.level == 0 {
                st.rows += rows_out;
            }
            Progress {
                done: st.done,
                total: self.graph.task_count(),
                rows: st.rows,
            }
        };
        if let Some(cb) = &self.options.progress {
            cb(progress);
        }
        ready.sort_by_key(|n| n.index());
        ready.dedup();
        for n in ready {
            scope.spawn(move |s| self.run_task(s, n));
        }
    }
}

/// The worker pool of a session: a rayon pool with a fixed number of threads. Only
/// this crate touches rayon.
#[derive(Debug)]
pub struct WorkerPool {
    pool: rayon::ThreadPool,
}

impl WorkerPool {
    /// A pool of `workers` threads (at least 1).
    pub fn new(workers: usize) -> Result<Self> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers.max(1))
            .thread_name(|i| format!("partita-worker-{i}"))
            .build()
            .map_err(|e| {
                Error::Io(format!(
                    "the operating system would not start {} worker threads: {e}",
                    workers.max(1)
                ))
            })?;
        Ok(WorkerPool { pool })
    }

    /// The number of threads.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }
}

/// Runs the graph on `pool`, under the semantics it was lowered under, and returns
/// the result partitions, in order.
pub fn run(graph: &TaskGraph, pool: &WorkerPool, options: &RunOptions) -> Result<Vec<Partition>> {
    for d in &graph.decisions {
        d.missing.store(false, Ordering::SeqCst);
    }
    // A type the values decide is known once every partition is made: the sink
    // then gets the result partitions at the end.
    if let (Some(sink), false) = (&options.sink, graph.decisions.is_empty()) {
        let collect = RunOptions {
            sink: None,
            ..options.clone()
        };
        for (i, p) in run(graph, pool, &collect)?.into_iter().enumerate() {
            sink(i, p)?;
        }
        return Ok(vec![]);
    }
    let sem = &graph.semantics;
    let mut readers: HashMap<(NodeIndex, usize), usize> = HashMap::new();
    let mut waiting: HashMap<NodeIndex, usize> = HashMap::new();
    for n in graph.graph.node_indices() {
        waiting.insert(n, 0);
    }
    for e in graph.graph.edge_indices() {
        let (a, b) = graph.graph.edge_endpoints(e).expect("edge endpoints");
        *readers.entry((a, graph.graph[e].port)).or_default() += 1;
        *waiting.get_mut(&b).expect("node") += 1;
    }
    // The collector reads every output too (unless a sink takes them).
    if options.sink.is_none() {
        for p in &graph.outputs {
            *readers.entry((p.node, p.port)).or_default() += 1;
        }
    }
    let mut sources: Vec<NodeIndex> = waiting
        .iter()
        .filter(|(_, w)| **w == 0)
        .map(|(n, _)| *n)
        .collect();
    sources.sort_by_key(|n| n.index());
    // Every edge counts once per input position, so a task with two edges from one
    // producer waits for both.
    let run = Run {
        graph,
        sem,
        options,
        state: Mutex::new(RunState {
            results: HashMap::new(),
            readers,
            waiting,
            error: None,
            done: 0,
            rows: 0,
        }),
        stop: AtomicBool::new(false),
    };
    pool.pool.scope(|s| {
        for n in sources {
            let run = &run;
            s.spawn(move |s| run.run_task(s, n));
        }
    });
    let mut st = run
        .state
        .into_inner()
        .map_err(|_| Error::internal("run state poisoned"))?;
    if let Some(e) = st.error.take() {
        return Err(e);
    }
    if options.sink.is_some() {
        return Ok(vec![]);
    }
    graph
        .outputs
        .iter()
        .map(|p| {
            let key = (p.node, p.port);
            let left = st.readers.get_mut(&key).map(|r| {
                *r -= 1;
                *r
            });
            let f = if left == Some(0) {
                st.results.remove(&key)
            } else {
                st.results.get(&key).cloned()
            };
            f.ok_or_else(|| Error::internal("a result partition is missing"))
                .and_then(|f| crate::late_types::apply(&graph.decisions, f))
        })
        .collect()
}
