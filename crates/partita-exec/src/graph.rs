//! The task graph: a petgraph DAG of tasks, each one piece of work on one partition
//! (or one merge of several), with its stable text form and DOT.

use std::fmt::Write as _;
use std::sync::Arc;

use partita_common::{DataType, SchemaRef, Semantics, SortKey};
use partita_core::aggregate::AggSpec;
use partita_plan::{Expr, TableSource};
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::eval::PhysicalExpr;
use crate::join::JoinTask;
use crate::late_types::TypeDecision;
use crate::udf::PartitionFn;

/// Where a task's input comes from.
#[derive(Debug, Clone)]
pub enum TaskInput {
    /// No columns and this many rows (`SELECT` without `FROM`).
    Empty {
        /// The row count (0 or 1).
        rows: usize,
    },
    /// Reads one partition of a source.
    Scan {
        /// The source.
        source: Arc<dyn TableSource>,
        /// Which partition.
        partition: usize,
        /// Source columns read (`None`: all).
        projection: Option<Vec<usize>>,
        /// The schema the scan yields (types the pandas integer rule may widen).
        schema: SchemaRef,
        /// The scan's pushed-down predicates: a source may skip data its statistics
        /// show cannot match them (the task still applies them as filter ops).
        filters: Vec<Expr>,
        /// Rows read at most: a limit without an order, straight over the scan,
        /// stops reading once it has its rows.
        limit: Option<usize>,
    },
    /// Combines the outputs of other tasks, in edge order.
    Merge(MergeKind),
    /// Joins the first inputs (the left side's pieces) with the others.
    Join(JoinTask),
    /// Window columns over the first input, a slice of rows in window order,
    /// continuing the slices whose states are the other inputs.
    WindowScan(Vec<(String, partita_common::WindowSpec)>),
}

/// How a merge combines its inputs.
#[derive(Debug, Clone)]
pub enum MergeKind {
    /// Concatenates in order, keeping the first `limit` rows when given.
    Concat {
        /// Rows kept.
        limit: Option<usize>,
    },
    /// Merges partial aggregate states.
    AggStates(AggSpec),
    /// Merges sorted runs, keeping the first `limit` rows when given.
    SortedRuns {
        /// The sort keys.
        keys: Vec<SortKey>,
        /// Rows kept (top-k).
        limit: Option<usize>,
    },
}

/// A narrow step applied to a task's (single) frame; several fuse into one task.
#[derive(Debug, Clone)]
pub enum Op {
    /// Keeps the rows where every conjunct is true (see [`crate::eval::filter`]).
    Filter(Vec<PhysicalExpr>),
    /// Computes columns.
    Project(Vec<PhysicalExpr>),
    /// Rows → partial aggregate states.
    PartialAgg {
        /// The aggregation.
        spec: AggSpec,
        /// True when a merge follows, so the states may repeat a key: the task
        /// then skips grouping a partition whose keys barely repeat
        /// ([`partita_core::aggregate::partial_or_rows`]).
        merged: bool,
    },
    /// States → result.
    FinalAgg(AggSpec),
    /// Rows → result, for holistic aggregates.
    AggregateRows(AggSpec),
    /// Sorts (a top-k with `limit`).
    Sort {
        /// The keys.
        keys: Vec<SortKey>,
        /// Rows kept.
        limit: Option<usize>,
    },
    /// Keeps the first `k` rows of each group of equal `keys` in the order `order`.
    TopKPerGroup {
        /// The group keys.
        keys: Vec<String>,
        /// The order within a group.
        order: Vec<SortKey>,
        /// Rows kept per group.
        k: usize,
    },
    /// Skips then keeps rows.
    Limit {
        /// Rows skipped.
        skip: usize,
        /// Rows kept.
        fetch: Option<usize>,
    },
    /// Runs user code.
    Map(PartitionFn, SchemaRef),
    /// Adds window columns (every window partition is whole in the task).
    Window(Vec<(String, partita_common::WindowSpec)>),
    /// Replaces each row by the row of `source` its [`crate::join::ROW_ADDRESS`]
    /// names, with the columns `projection` typed as `schema`, in the input's
    /// order: the late reads of a top-k over a file, which decoded only the sort
    /// keys of every row.
    Fetch {
        /// The scanned table.
        source: Arc<dyn TableSource>,
        /// The columns read.
        projection: Option<Vec<usize>>,
        /// Their schema.
        schema: SchemaRef,
    },
    /// Adds each row's address (`part << 32 | row`) as the column
    /// [`crate::join::ROW_ADDRESS`].
    RowAddress {
        /// The part's number.
        part: usize,
    },
    /// The totals of the rows for scannable windows, for the slices after them.
    WindowState(Vec<(String, partita_common::WindowSpec)>),
    /// The key columns of part `part` of a partitioned join's side, in the types
    /// they compare in, with each row's address (see [`crate::join::address`]).
    Address {
        /// The key columns.
        keys: Vec<String>,
        /// The type each key compares in.
        types: Vec<DataType>,
        /// The part's number among its side's parts.
        part: usize,
    },
}

/// How a task splits its result into several outputs.
#[derive(Debug, Clone)]
pub enum OutputSplit {
    /// One output.
    Single,
    /// By the hash of key columns into `n` outputs (a shuffle).
    Hash {
        /// The key columns.
        keys: Vec<String>,
        /// Outputs.
        n: usize,
    },
    /// In order into `n` near-equal slices.
    Even(usize),
}

impl OutputSplit {
    /// The number of outputs.
    pub fn outputs(&self) -> usize {
        match self {
            OutputSplit::Single => 1,
            OutputSplit::Hash { n, .. } | OutputSplit::Even(n) => *n,
        }
    }
}

/// One task of the graph.
#[derive(Debug, Clone)]
pub struct Task {
    /// A short label: `partition`, `merge_agg`, `merge_sort`, ...
    pub kind: String,
    /// The partition this task works on, when it works on one.
    pub partition: Option<usize>,
    /// The merge level (0 for partition tasks).
    pub level: usize,
    /// Its input.
    pub input: TaskInput,
    /// Fused narrow steps.
    pub ops: Vec<Op>,
    /// Its outputs.
    pub split: OutputSplit,
}

impl Task {
    /// The label used in errors and plan text, e.g. `partition[3]` or `merge_agg[L1.0]`.
    pub fn label(&self) -> String {
        match self.partition {
            Some(p) if self.level == 0 => format!("{}[{p}]", self.kind),
            Some(p) => format!("{}[L{}.{p}]", self.kind, self.level),
            None => self.kind.clone(),
        }
    }

    fn describe_ops(&self) -> String {
        let mut parts = vec![];
        match &self.input {
            TaskInput::Scan {
                source,
                partition,
                projection,
                schema,
                limit,
                ..
            } => {
                let cols = if projection.is_some() {
                    format!(" [{}]", schema.names().join(", "))
                } else {
                    String::new()
                };
                let first = limit
                    .map(|n| format!(", first {n} rows"))
                    .unwrap_or_default();
                parts.push(format!(
                    "scan {} #{partition}{cols}{first}",
                    source.describe().split(' ').next().unwrap_or("")
                ));
            }
            TaskInput::Empty { rows } => parts.push(format!("empty, {rows} row(s)")),
            TaskInput::Join(j) => parts.push(j.describe()),
            TaskInput::WindowScan(specs) => {
                let w: Vec<String> = specs
                    .iter()
                    .map(|(n, s)| format!("{n} = {}", s.func))
                    .collect();
                parts.push(format!("window {} after the slices before", w.join(", ")))
            }
            TaskInput::Merge(MergeKind::Concat { limit: None }) => parts.push("concat".into()),
            TaskInput::Merge(MergeKind::Concat { limit: Some(n) }) => {
                parts.push(format!("concat limit={n}"))
            }
            TaskInput::Merge(MergeKind::AggStates(_)) => parts.push("merge states".into()),
            TaskInput::Merge(MergeKind::SortedRuns { keys, limit }) => {
                let k: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                parts.push(match limit {
                    Some(n) => format!("merge sorted top-{n} by {}", k.join(", ")),
                    None => format!("merge sorted by {}", k.join(", ")),
                });
            }
        }
        for op in &self.ops {
            parts.push(match op {
                Op::Filter(conjuncts) => {
                    let text = Expr::conjunction(conjuncts.iter().map(|c| c.expr().clone()));
                    format!("filter {}", text.map(|e| e.to_string()).unwrap_or_default())
                }
                Op::Project(es) => format!(
                    "project {}",
                    es.iter()
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Op::PartialAgg { spec, .. } => format!("partial_agg {}", agg_text(spec)),
                Op::FinalAgg(s) => format!("final_agg {}", agg_text(s)),
                Op::AggregateRows(s) => format!("aggregate {}", agg_text(s)),
                Op::Sort { keys, limit } => {
                    let k: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                    match limit {
                        Some(n) => format!("top-{n} by {}", k.join(", ")),
                        None => format!("sort by {}", k.join(", ")),
                    }
                }
                Op::TopKPerGroup { keys, order, k } => {
                    let o: Vec<String> = order.iter().map(|k| k.to_string()).collect();
                    format!("top-{k} per [{}] by {}", keys.join(", "), o.join(", "))
                }
                Op::Limit { skip, fetch } => match fetch {
                    Some(f) => format!("limit skip={skip} fetch={f}"),
                    None => format!("limit skip={skip}"),
                },
                Op::Map(f, _) => format!(
                    "map_partitions {}",
                    partita_plan::PartitionFunction::name(f)
                ),
                Op::RowAddress { part } => format!("row addresses of part {part}"),
                Op::Fetch { source, schema, .. } => format!(
                    "late read of {} [{}]",
                    source.describe(),
                    schema.names().join(", ")
                ),
                Op::WindowState(specs) => {
                    let w: Vec<&str> = specs.iter().map(|(n, _)| n.as_str()).collect();
                    format!("window totals of {}", w.join(", "))
                }
                Op::Window(specs) => {
                    let w: Vec<String> = specs
                        .iter()
                        .map(|(n, s)| format!("{n} = {}", s.func))
                        .collect();
                    format!("window {}", w.join(", "))
                }
                Op::Address { keys, part, .. } => {
                    format!(
                        "keys [{}] with row addresses of part {part}",
                        keys.join(", ")
                    )
                }
            });
        }
        match &self.split {
            OutputSplit::Single => {}
            OutputSplit::Hash { keys, n } => {
                parts.push(format!("hash-split by [{}] into {n}", keys.join(", ")))
            }
            OutputSplit::Even(n) => parts.push(format!("split into {n}")),
        }
        parts.join(" → ")
    }
}

fn agg_text(s: &AggSpec) -> String {
    let calls: Vec<String> = s
        .calls
        .iter()
        .map(|c| match c.func {
            // `count(*)` names its argument already.
            partita_common::AggregateFunction::CountStar => format!("{} AS {}", c.func, c.output),
            _ => format!("{}({}) AS {}", c.func, c.inputs.join(", "), c.output),
        })
        .collect();
    format!("by [{}]: {}", s.keys.join(", "), calls.join(", "))
}

/// An edge: which output of the producer feeds the consumer, and at which input position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// The producer's output index.
    pub port: usize,
    /// The consumer's input position.
    pub order: usize,
}

/// One output of the whole graph: a task and its output index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// The task.
    pub node: NodeIndex,
    /// Its output index.
    pub port: usize,
}

/// The DAG of tasks of one query, the outputs that form its result, in order, and
/// the semantics it was lowered under (which its tasks run under too).
#[derive(Debug, Clone)]
pub struct TaskGraph {
    /// The tasks and edges.
    pub graph: StableDiGraph<Task, Edge>,
    /// The result partitions, in order.
    pub outputs: Vec<Part>,
    /// The semantics the plan was built and lowered under.
    pub semantics: Semantics,
    /// The result's schema as planned (before [`TaskGraph::decisions`]).
    pub schema: SchemaRef,
    /// Result columns whose type pandas decides by the values, decided when the
    /// run is over (see [`crate::late_types`]).
    pub decisions: Vec<TypeDecision>,
}

impl TaskGraph {
    /// A graph with no tasks yet, to run under `semantics`.
    pub fn new(semantics: Semantics) -> Self {
        TaskGraph {
            graph: StableDiGraph::default(),
            outputs: vec![],
            semantics,
            schema: Arc::new(partita_common::Schema::new(vec![])),
            decisions: vec![],
        }
    }

    /// The result's schema: as planned, with the value-decided columns in the
    /// types the last run decided.
    pub fn result_schema(&self) -> SchemaRef {
        crate::late_types::decided_schema(&self.schema, &self.decisions)
    }

    /// The number of tasks.
    pub fn task_count(&self) -> usize {
        self.graph.node_count()
    }

    /// The inputs of a task, in input order.
    pub fn inputs_of(&self, node: NodeIndex) -> Vec<(NodeIndex, Edge)> {
        let mut v: Vec<(NodeIndex, Edge)> = self
            .graph
            .edges_directed(node, Direction::Incoming)
            .map(|e| (e.source(), *e.weight()))
            .collect();
        v.sort_by_key(|(_, e)| e.order);
        v
    }

    /// Tasks in a topological order that lists producers first, by level then partition.
    pub fn ordered_nodes(&self) -> Vec<NodeIndex> {
        let mut nodes: Vec<NodeIndex> = self.graph.node_indices().collect();
        nodes.sort_by_key(|n| n.index());
        nodes
    }

    /// The stable text form: one line per task, with its inputs.
    pub fn display_indent(&self) -> String {
        self.display_with(|_| String::new())
    }

    /// [`TaskGraph::display_indent`] with `note(task)` after each task's name
    /// (`EXPLAIN ANALYZE` puts its time, rows and bytes there).
    pub fn display_with(&self, note: impl Fn(NodeIndex) -> String) -> String {
        let nodes = self.ordered_nodes();
        let id = |n: NodeIndex| nodes.iter().position(|m| *m == n).unwrap_or(0);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} tasks, {} result partition(s)",
            nodes.len(),
            self.outputs.len()
        );
        for &n in &nodes {
            let t = &self.graph[n];
            let inputs = self.inputs_of(n);
            let from = if inputs.is_empty() {
                String::new()
            } else {
                let ids: Vec<String> = inputs
                    .iter()
                    .map(|(m, e)| {
                        if self.graph[*m].split.outputs() > 1 {
                            format!("t{}.{}", id(*m), e.port)
                        } else {
                            format!("t{}", id(*m))
                        }
                    })
                    .collect();
                format!(" <- [{}]", ids.join(", "))
            };
            let _ = writeln!(
                out,
                "t{} {}{}{}: {}",
                id(n),
                t.label(),
                from,
                note(n),
                t.describe_ops()
            );
        }
        out
    }

    /// The graph in Graphviz DOT, for a picture (`dot -Tpng`).
    pub fn to_dot(&self) -> String {
        let nodes = self.ordered_nodes();
        let id = |n: NodeIndex| nodes.iter().position(|m| *m == n).unwrap_or(0);
        let mut out = String::from(
            "digraph partita {\n  rankdir=BT;\n  node [shape=box, fontname=\"monospace\"];\n",
        );
        for &n in &nodes {
            let t = &self.graph[n];
            let label = format!(
                "{}\\n{}",
                t.label(),
                t.describe_ops().replace('"', "\\\"").replace(" → ", "\\n")
            );
            let _ = writeln!(out, "  t{} [label=\"{}\"];", id(n), label);
        }
        for e in self.graph.edge_indices() {
            let (a, b) = self.graph.edge_endpoints(e).expect("edge endpoints");
            let _ = writeln!(out, "  t{} -> t{};", id(a), id(b));
        }
        out.push_str("}\n");
        out
    }
}
