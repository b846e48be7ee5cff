//! Lowers an optimized logical plan into a [`TaskGraph`].
//!
//! Narrow steps (scan, filter, projection, `map_partitions`, a partial aggregate, a
//! per-partition sort) fuse into the task that produced their input. Wide steps add
//! merge trees whose fan-in is `split_every`, and shuffles (hash splits) when
//! `split_out > 1` or when an aggregate is holistic; each bucket of a shuffle is
//! merged by one task over all its pieces.

use partita_common::{
    DataType, Error, GroupOrder, NullGroupKeys, Result, Schema, SchemaRef, Semantics, SortKey,
};
use partita_core::aggregate::{AggCall, AggSpec};
use partita_plan::{
    col, common_type, Aggregate, Distinct, EmptyRelation, Expr, Join, JoinType, Limit, LogicalPlan,
    MapPartitions, Repartition, Scan, TopKPerGroup, Window,
};

use crate::eval::PhysicalExpr;
use crate::graph::{Edge, MergeKind, Op, OutputSplit, Part, Task, TaskGraph, TaskInput};
use crate::join::{JoinTask, KeyShuffle, ROW_ADDRESS};
use crate::udf::PartitionFn;

/// The column names a projection picks, when it does nothing else (no
/// computed column, no rename).
fn column_picks(p: &partita_plan::Projection) -> Option<Vec<String>> {
    p.exprs
        .iter()
        .map(|e| match e {
            Expr::Column(name) => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// The largest top-k read late (keys first, the other columns for the k rows
/// only): beyond it, reading k scattered rows of every column costs more than
/// decoding the columns whole.
pub const LATE_TOP_K: usize = 1000;

/// What lowering needs besides the plan.
#[derive(Debug, Clone)]
pub struct LowerOptions {
    /// The semantics the plan was built under.
    pub semantics: Semantics,
    /// Merge fan-in.
    pub split_every: usize,
    /// A join side estimated at most this many rows is broadcast.
    pub broadcast_rows: usize,
    /// Output partitions of a GROUP BY.
    pub split_out: usize,
}

struct Lowerer<'a> {
    g: TaskGraph,
    opt: &'a LowerOptions,
}

/// Lowers `plan` into a task graph.
pub fn lower(plan: &LogicalPlan, options: &LowerOptions) -> Result<TaskGraph> {
    let mut l = Lowerer {
        g: TaskGraph::new(options.semantics),
        opt: options,
    };
    let parts = l.lower(plan)?;
    l.g.outputs = parts;
    l.g.schema = plan.schema().clone();
    Ok(l.g)
}

impl Lowerer<'_> {
    fn add_task(&mut self, task: Task, inputs: &[Part]) -> Part {
        let node = self.g.graph.add_node(task);
        for (order, p) in inputs.iter().enumerate() {
            self.g.graph.add_edge(
                p.node,
                node,
                Edge {
                    port: p.port,
                    order,
                },
            );
        }
        Part { node, port: 0 }
    }

    /// Appends a narrow op to every part, fusing when the producing task has a single output.
    fn narrow(&mut self, parts: Vec<Part>, op: Op) -> Vec<Part> {
        parts
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                if self.g.graph[p.node].split.outputs() == 1 {
                    let ops = &mut self.g.graph[p.node].ops;
                    match (ops.last_mut(), &op) {
                        // Consecutive filters are one conjunction: `filter` then
                        // combines the masks of conjuncts that cannot fail and
                        // gathers the rows once (it still evaluates a conjunct that
                        // can fail only on the rows the earlier ones kept).
                        (Some(Op::Filter(first)), Op::Filter(next)) => {
                            first.extend(next.iter().cloned());
                        }
                        _ => ops.push(op.clone()),
                    }
                    p
                } else {
                    let task = Task {
                        kind: "pipeline".into(),
                        partition: Some(i),
                        level: 0,
                        input: TaskInput::Merge(MergeKind::Concat { limit: None }),
                        ops: vec![op.clone()],
                        split: OutputSplit::Single,
                    };
                    self.add_task(task, &[p])
                }
            })
            .collect()
    }

    /// Sets the output split of every part's task (adding a pass-through task when a
    /// part's task already splits).
    fn split(&mut self, parts: Vec<Part>, split: OutputSplit) -> Vec<Part> {
        let parts = parts
            .into_iter()
            .map(|p| {
                if self.g.graph[p.node].split.outputs() == 1 {
                    p
                } else {
                    self.narrow(
                        vec![p],
                        Op::Limit {
                            skip: 0,
                            fetch: None,
                        },
                    )[0]
                }
            })
            .collect::<Vec<_>>();
        for p in &parts {
            self.g.graph[p.node].split = split.clone();
        }
        parts
    }

    /// Merges parts with a tree of fan-in `split_every`; returns the root.
    fn merge_tree(&mut self, mut parts: Vec<Part>, kind: &str, merge: MergeKind) -> Part {
        let mut level = 0;
        while parts.len() > 1 {
            level += 1;
            let chunks: Vec<Vec<Part>> = parts
                .chunks(self.opt.split_every)
                .map(|c| c.to_vec())
                .collect();
            parts = chunks
                .into_iter()
                .enumerate()
                .map(|(i, chunk)| {
                    if chunk.len() == 1 {
                        return chunk[0];
                    }
                    let task = Task {
                        kind: kind.to_string(),
                        partition: Some(i),
                        level,
                        input: TaskInput::Merge(merge.clone()),
                        ops: vec![],
                        split: OutputSplit::Single,
                    };
                    self.add_task(task, &chunk)
                })
                .collect();
        }
        parts[0]
    }

    /// Merges one bucket of a shuffle (every part's output `b`) in one task.
    ///
    /// The shuffle is where a bucketed step gets its parallelism: each bucket
    /// holds its own keys, so a merge tree within a bucket would only merge the
    /// same rows again at every level (on q10 of the db-benchmark, whose partial
    /// aggregates do not shrink, a second level re-grouped all 1e7 rows). A lone
    /// shuffled output still gets its own task, to finish it.
    fn merge_bucket(&mut self, bucket: &[Part], kind: String, b: usize, merge: MergeKind) -> Part {
        self.add_task(
            Task {
                kind,
                partition: Some(b),
                level: 1,
                input: TaskInput::Merge(merge),
                ops: vec![],
                split: OutputSplit::Single,
            },
            bucket,
        )
    }

    fn sort_parts(
        &mut self,
        parts: Vec<Part>,
        keys: Vec<SortKey>,
        limit: Option<usize>,
    ) -> Vec<Part> {
        let parts = self.narrow(
            parts,
            Op::Sort {
                keys: keys.clone(),
                limit,
            },
        );
        if parts.len() == 1 {
            return parts;
        }
        vec![self.merge_tree(parts, "merge_sort", MergeKind::SortedRuns { keys, limit })]
    }

    fn lower(&mut self, plan: &LogicalPlan) -> Result<Vec<Part>> {
        let sem = &self.opt.semantics;
        Ok(match plan {
            LogicalPlan::Empty(e) => self.lower_empty(e),
            LogicalPlan::Scan(s) => self.lower_scan(s)?,
            LogicalPlan::Filter(f) => {
                let parts = self.lower(&f.input)?;
                let op = filter_op(f.predicate.split_conjunction(), f.input.schema(), sem)?;
                self.narrow(parts, op.expect("a predicate has a conjunct"))
            }
            LogicalPlan::Projection(p) => {
                let parts = self.lower(&p.input)?;
                let exprs = PhysicalExpr::lower_all(&p.exprs, p.input.schema(), sem)?;
                self.narrow(parts, Op::Project(exprs))
            }
            LogicalPlan::MapPartitions(m) => self.lower_map_partitions(m)?,
            LogicalPlan::Sort(s) => match self.late_top_k(s)? {
                Some(parts) => parts,
                None => {
                    let parts = self.lower(&s.input)?;
                    self.sort_parts(parts, s.keys.clone(), s.fetch)
                }
            },
            LogicalPlan::Limit(l) => self.lower_limit(l)?,
            LogicalPlan::TopKPerGroup(t) => self.lower_top_k_per_group(t)?,
            LogicalPlan::Window(w) => self.lower_window(w)?,
            LogicalPlan::Repartition(r) if !r.by.is_empty() => {
                let parts = self.lower(&r.input)?;
                self.shuffle(parts, r.by.clone(), r.partitions)
            }
            LogicalPlan::Repartition(r) => self.lower_repartition(r)?,
            LogicalPlan::Distinct(d) => self.lower_distinct(d)?,
            LogicalPlan::Aggregate(a) => self.lower_aggregate(a)?,
            LogicalPlan::Join(j) => self.lower_join(j)?,
            // The parts of every input, in order: nothing to move.
            LogicalPlan::Union(u) => {
                let mut parts = vec![];
                for input in &u.inputs {
                    parts.extend(self.lower(input)?);
                }
                parts
            }
        })
    }

    /// A top-k straight over a file scan that reads more columns than its keys:
    /// every partition decodes the keys alone, with each row's address, and
    /// keeps its top k; the merged k rows then read their other columns (late
    /// materialisation). `None` where that does not apply: no limit, a limit
    /// above [`LATE_TOP_K`], pushed-down filters (row groups skipped would move
    /// the addresses), a source without row reads, or nothing but keys to read.
    fn late_top_k(&mut self, s: &partita_plan::Sort) -> Result<Option<Vec<Part>>> {
        let Some(k) = s.fetch.filter(|&k| k <= LATE_TOP_K) else {
            return Ok(None);
        };
        // The scan, maybe under a projection that only picks columns.
        let (scan, picked) = match s.input.as_ref() {
            LogicalPlan::Scan(scan) => (scan, None),
            LogicalPlan::Projection(p) => match (p.input.as_ref(), column_picks(p)) {
                (LogicalPlan::Scan(scan), Some(names)) => (scan, Some((names, p.schema.clone()))),
                _ => return Ok(None),
            },
            _ => return Ok(None),
        };
        if !scan.filters.is_empty() || !crate::source::fetches_rows(scan.source.as_ref()) {
            return Ok(None);
        }
        let scanned: Vec<usize> = scan
            .projection
            .clone()
            .unwrap_or_else(|| (0..scan.source_schema.len()).collect());
        // The source columns read, in output order, and their schema.
        let (projection, schema): (Vec<usize>, SchemaRef) = match picked {
            None => (scanned, scan.schema.clone()),
            Some((names, schema)) => {
                let mut projection = vec![];
                for n in &names {
                    match scan.schema.index_of_exact(n) {
                        Some(j) => projection.push(scanned[j]),
                        None => return Ok(None),
                    }
                }
                (projection, schema)
            }
        };
        // The keys' positions in the output, once each.
        let mut key_pos: Vec<usize> = vec![];
        for key in &s.keys {
            let j = schema
                .index_of_exact(&key.column)
                .ok_or_else(|| Error::internal(format!("sort key {} not scanned", key.column)))?;
            if !key_pos.contains(&j) {
                key_pos.push(j);
            }
        }
        if key_pos.len() >= projection.len() {
            return Ok(None);
        }
        let key_schema = std::sync::Arc::new(Schema::new(
            key_pos.iter().map(|&j| schema.field(j).clone()).collect(),
        ));
        let key_projection: Vec<usize> = key_pos.iter().map(|&j| projection[j]).collect();
        // By one key, the row groups' statistics may rule whole partitions out.
        let keep: Option<Vec<bool>> = match s.keys.as_slice() {
            [key] => {
                crate::source::top_k_partitions(scan.source.as_ref(), key, k, &self.opt.semantics)
            }
            _ => None,
        };
        let mut parts = vec![];
        for i in 0..scan.source.partition_count() {
            if keep
                .as_ref()
                .is_some_and(|keep| !keep.get(i).copied().unwrap_or(true))
            {
                continue;
            }
            let task = Task {
                kind: "partition".into(),
                partition: Some(i),
                level: 0,
                input: TaskInput::Scan {
                    source: scan.source.clone(),
                    partition: i,
                    projection: Some(key_projection.clone()),
                    schema: key_schema.clone(),
                    filters: vec![],
                    limit: None,
                },
                ops: vec![Op::RowAddress { part: i }],
                split: OutputSplit::Single,
            };
            parts.push(self.add_task(task, &[]));
        }
        let parts = self.sort_parts(parts, s.keys.clone(), Some(k));
        Ok(Some(self.narrow(
            parts,
            Op::Fetch {
                source: scan.source.clone(),
                projection: Some(projection),
                schema,
            },
        )))
    }

    /// One task that makes no columns and one row or none.
    fn lower_empty(&mut self, e: &EmptyRelation) -> Vec<Part> {
        let task = Task {
            kind: "partition".into(),
            partition: Some(0),
            level: 0,
            input: TaskInput::Empty {
                rows: usize::from(e.produce_one_row),
            },
            ops: vec![],
            split: OutputSplit::Single,
        };
        vec![self.add_task(task, &[])]
    }

    /// One task per partition of the source, each with the pushed-down filters.
    fn lower_scan(&mut self, s: &Scan) -> Result<Vec<Part>> {
        let n = s.source.partition_count();
        // The pushed-down filters, one conjunction (see `narrow`).
        let filters = filter_op(
            s.filters.iter().flat_map(|f| f.split_conjunction()),
            &s.schema,
            &self.opt.semantics,
        )?;
        let mut parts = Vec::with_capacity(n);
        for i in 0..n {
            let task = Task {
                kind: "partition".into(),
                partition: Some(i),
                level: 0,
                input: TaskInput::Scan {
                    source: s.source.clone(),
                    partition: i,
                    projection: s.projection.clone(),
                    schema: s.schema.clone(),
                    filters: s.filters.clone(),
                    limit: None,
                },
                ops: filters.iter().cloned().collect(),
                split: OutputSplit::Single,
            };
            parts.push(self.add_task(task, &[]));
        }
        Ok(parts)
    }

    /// The user's partition function, fused into every part.
    fn lower_map_partitions(&mut self, m: &MapPartitions) -> Result<Vec<Part>> {
        let parts = self.lower(&m.input)?;
        let any = m.func.as_any();
        let f = match (
            any.downcast_ref::<PartitionFn>(),
            any.downcast_ref::<crate::late_types::MissingNote>(),
        ) {
            (Some(f), _) => f.clone(),
            (None, Some(note)) => note.as_partition_fn(),
            (None, None) => {
                return Err(Error::internal(
                    "map_partitions with an unknown function kind",
                ))
            }
        };
        Ok(self.narrow(parts, Op::Map(f, m.schema.clone())))
    }

    /// Keeps `skip + fetch` rows of every part, merges them (capped), then skips and
    /// fetches once.
    fn lower_limit(&mut self, l: &Limit) -> Result<Vec<Part>> {
        let parts = self.lower(&l.input)?;
        // Saturating: `LIMIT 18446744073709551615 OFFSET 5` keeps every row.
        let keep = l.fetch.map(|f| f.saturating_add(l.skip));
        // A scan with nothing after it reads `keep` rows and stops.
        for p in &parts {
            let task = &mut self.g.graph[p.node];
            if let (TaskInput::Scan { limit, .. }, true) = (&mut task.input, task.ops.is_empty()) {
                *limit = keep;
            }
        }
        let parts = if keep.is_some() {
            self.narrow(
                parts,
                Op::Limit {
                    skip: 0,
                    fetch: keep,
                },
            )
        } else {
            parts
        };
        let root = if parts.len() > 1 {
            self.merge_tree(parts, "merge_limit", MergeKind::Concat { limit: keep })
        } else {
            parts[0]
        };
        Ok(self.narrow(
            vec![root],
            Op::Limit {
                skip: l.skip,
                fetch: l.fetch,
            },
        ))
    }

    /// Top-k in every partition, a shuffle by the keys, top-k again (rows with a
    /// missing key dropped first when the semantics drops null group keys).
    fn lower_top_k_per_group(&mut self, t: &TopKPerGroup) -> Result<Vec<Part>> {
        let mut parts = self.lower(&t.input)?;
        let sem = &self.opt.semantics;
        if sem.null_group_keys == NullGroupKeys::Drop {
            let keys_present: Vec<Expr> = t
                .keys
                .iter()
                .map(|k| col(k.clone()).is_not_null())
                .collect();
            if let Some(op) = filter_op(&keys_present, t.input.schema(), sem)? {
                parts = self.narrow(parts, op);
            }
        }
        let op = Op::TopKPerGroup {
            keys: t.keys.clone(),
            order: t.sort_keys.clone(),
            k: t.fetch,
        };
        let parts = self.narrow(parts, op.clone());
        Ok(if parts.len() == 1 {
            parts
        } else {
            let n = self.opt.split_out.max(1);
            let parts = self.shuffle(parts, t.keys.clone(), n);
            self.narrow(parts, op)
        })
    }

    /// Window columns: when every window has the same partition keys (and the rows
    /// need not keep their order), the rows are hash-split by them and each bucket
    /// computes its windows; otherwise all rows meet in one task, which keeps their
    /// order (pandas' transforms return the rows as they were).
    fn lower_window(&mut self, w: &Window) -> Result<Vec<Part>> {
        let parts = self.lower(&w.input)?;
        let specs: Vec<(String, partita_common::WindowSpec)> = w
            .exprs
            .iter()
            .map(|r| (r.expr.name.clone(), r.spec.clone()))
            .collect();
        let keys = &specs[0].1.partition_by;
        let shared = specs.iter().all(|(_, s)| &s.partition_by == keys);
        let ordered = self.opt.semantics.group_order == GroupOrder::SortedByKey;
        // Row numbers and running totals without partition keys: in slices of
        // rows in window order, each continuing the totals of those before it.
        // A text or temporal MIN or MAX takes its values whole: not by totals.
        let text = |r: &partita_plan::ResolvedWindow| {
            r.spec.arg.as_ref().is_some_and(|a| {
                w.input.schema().fields().iter().any(|f| {
                    &f.name == a
                        && !(f.data_type.is_integer()
                            || f.data_type.is_float()
                            || f.data_type == DataType::Boolean)
                })
            })
        };
        let scannable = w
            .exprs
            .iter()
            .all(|r| partita_core::window::is_scannable(&r.spec) && !text(r));
        let order = specs[0].1.order.clone();
        let same_order = specs.iter().all(|(_, s)| s.order == order);
        if scannable && same_order && parts.len() > 1 && (order.is_empty() || !ordered) {
            return Ok(self.window_scan(parts, specs, order));
        }
        let op = Op::Window(specs.clone());
        if parts.len() == 1 || keys.is_empty() || !shared {
            let root = self.merge_tree(parts, "window", MergeKind::Concat { limit: None });
            return Ok(self.narrow(vec![root], op));
        }
        let n = self.opt.split_out.max(1);
        if !ordered {
            let parts = self.shuffle(parts, keys.clone(), n);
            return Ok(self.narrow(parts, op));
        }
        // The rows keep their order (pandas' transforms): each row carries its
        // address through the shuffle; a bucket keeps its rows in address order,
        // so merging the buckets by address restores the input's order.
        let parts: Vec<Part> = parts
            .into_iter()
            .enumerate()
            .map(|(i, p)| self.narrow(vec![p], Op::RowAddress { part: i })[0])
            .collect();
        let parts = self.shuffle(parts, keys.clone(), n);
        let parts = self.narrow(parts, op);
        let by_address = vec![SortKey::ascending(ROW_ADDRESS)];
        let root = self.merge_tree(
            parts,
            "window.order",
            MergeKind::SortedRuns {
                keys: by_address,
                limit: None,
            },
        );
        let names = w.schema.names();
        let exprs: Vec<Expr> = names.iter().map(|n| col(*n)).collect();
        let mut with_address = (*w.schema).clone().fields().to_vec();
        with_address.push(partita_common::Field::new(ROW_ADDRESS, DataType::Int64));
        let projection =
            PhysicalExpr::lower_all(&exprs, &Schema::new(with_address), &self.opt.semantics)?;
        Ok(self.narrow(vec![root], Op::Project(projection)))
    }

    /// Scannable windows over `parts` (in row order, or sorted by `order` first and
    /// split again into as many slices): each slice's totals, then each slice's
    /// windows continuing the totals of the slices before it. Both passes run a
    /// task per slice.
    fn window_scan(
        &mut self,
        parts: Vec<Part>,
        specs: Vec<(String, partita_common::WindowSpec)>,
        order: Vec<SortKey>,
    ) -> Vec<Part> {
        let n = parts.len();
        let slices = if order.is_empty() {
            parts
        } else {
            let sorted = self.narrow(
                parts,
                Op::Sort {
                    keys: order.clone(),
                    limit: None,
                },
            );
            let root = self.merge_tree(
                sorted,
                "window.sort",
                MergeKind::SortedRuns {
                    keys: order,
                    limit: None,
                },
            );
            let root = self.split(vec![root], OutputSplit::Even(n))[0];
            (0..n)
                .map(|i| Part {
                    node: root.node,
                    port: i,
                })
                .collect()
        };
        let states: Vec<Part> = slices
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let t = Task {
                    kind: "window.totals".into(),
                    partition: Some(i),
                    level: 1,
                    input: TaskInput::Merge(MergeKind::Concat { limit: None }),
                    ops: vec![Op::WindowState(specs.clone())],
                    split: OutputSplit::Single,
                };
                self.add_task(t, &[*p])
            })
            .collect();
        slices
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let t = Task {
                    kind: "window.scan".into(),
                    partition: Some(i),
                    level: 2,
                    input: TaskInput::WindowScan(specs.clone()),
                    ops: vec![],
                    split: OutputSplit::Single,
                };
                let mut inputs = vec![*p];
                inputs.extend(states[..i].iter().copied());
                self.add_task(t, &inputs)
            })
            .collect()
    }

    /// A repartition in order: every part merged, then split evenly.
    fn lower_repartition(&mut self, r: &Repartition) -> Result<Vec<Part>> {
        let parts = self.lower(&r.input)?;
        let root = self.merge_tree(parts, "repartition", MergeKind::Concat { limit: None });
        let root = self.split(vec![root], OutputSplit::Even(r.partitions))[0];
        Ok((0..r.partitions)
            .map(|port| Part {
                node: root.node,
                port,
            })
            .collect())
    }

    /// DISTINCT: an aggregate keyed by every column, with no calls.
    fn lower_distinct(&mut self, d: &Distinct) -> Result<Vec<Part>> {
        let parts = self.lower(&d.input)?;
        let keys: Vec<String> = d
            .input
            .schema()
            .names()
            .into_iter()
            .map(String::from)
            .collect();
        let spec = AggSpec {
            keys: keys.clone(),
            calls: vec![],
            drop_null_keys: false,
        };
        self.aggregate(parts, spec, None)
    }

    /// GROUP BY: keys and arguments evaluated first, as one fused projection, then
    /// the aggregate, in key order when the semantics sorts groups.
    fn lower_aggregate(&mut self, a: &Aggregate) -> Result<Vec<Part>> {
        let sem = &self.opt.semantics;
        let parts = self.lower(&a.input)?;
        let (pre, calls) = agg_calls(a, sem)?;
        let keys: Vec<String> = a.group_exprs.iter().map(|e| e.output_name()).collect();
        let spec = AggSpec {
            keys,
            calls,
            drop_null_keys: sem.null_group_keys == NullGroupKeys::Drop,
        };
        let order = if sem.group_order == GroupOrder::SortedByKey && !spec.keys.is_empty() {
            Some(a.key_order(sem, true))
        } else {
            None
        };
        let pre = PhysicalExpr::lower_all(&pre, a.input.schema(), sem)?;
        let parts = self.narrow(parts, Op::Project(pre));
        self.aggregate(parts, spec, order)
    }

    /// A join: broadcast (one side concatenated once and joined with every part of
    /// the other) when that side is small, when there are no keys, or when the
    /// semantics promises pandas' order (the probe side's); otherwise partitioned
    /// (both sides hash-split on the keys, one join task per bucket).
    fn lower_join(&mut self, j: &Join) -> Result<Vec<Part>> {
        let sem = self.opt.semantics;
        let left = self.lower(&j.left)?;
        let right = self.lower(&j.right)?;
        let joined = j.left.schema().fields().iter();
        let schema = Schema::new(
            joined
                .chain(j.right.schema().fields().iter())
                .cloned()
                .collect(),
        );
        let filter = match &j.filter {
            Some(f) => PhysicalExpr::lower_all(f.split_conjunction(), &schema, &sem)?,
            None => vec![],
        };
        let key_types =
            j.on.iter()
                .map(|k| {
                    let field = |s: &Schema, n: &str| -> Result<DataType> {
                        Ok(s.field(s.resolve(n, &sem)?).data_type)
                    };
                    let (l, r) = (
                        field(j.left.schema(), &k.left)?,
                        field(j.right.schema(), &k.right)?,
                    );
                    common_type(l, r).map_err(Error::plan)
                })
                .collect::<Result<Vec<_>>>()?;
        let mut task = JoinTask {
            join_type: j.join_type,
            left_keys: j.on.iter().map(|k| k.left.clone()).collect(),
            right_keys: j.on.iter().map(|k| k.right.clone()).collect(),
            key_types,
            null_equal: j.on.iter().map(|k| k.null_equal).collect(),
            filter,
            left_inputs: 1,
            left_schema: j.left.schema().clone(),
            right_schema: j.right.schema().clone(),
            schema: j.schema.clone(),
            strategy: "broadcast",
            shuffle: None,
        };
        // Whether results come in pandas' order: the semantics that sorts groups as
        // pandas does also keeps `merge`'s row order (the probe side's), which only
        // a broadcast join gives.
        let ordered = sem.group_order == GroupOrder::SortedByKey;
        let small =
            |p: &LogicalPlan| estimated_rows(p).is_some_and(|n| n <= self.opt.broadcast_rows);
        // The side built whole: the right one, or the left one of a right join.
        let (build_right, build_small) = match j.join_type {
            JoinType::Right => (false, small(&j.left)),
            _ => (true, small(&j.right)),
        };
        // A full join emits the unmatched rows of both sides once: its build side
        // cannot be copied to several tasks (unless there is only one).
        let probe_parts = if build_right { left.len() } else { right.len() };
        let broadcast = (j.join_type != JoinType::Full || probe_parts == 1)
            && (j.on.is_empty() || build_small || ordered);
        if broadcast {
            let (probe, build) = if build_right {
                (left, right)
            } else {
                (right, left)
            };
            let build = self.merge_tree(build, "broadcast", MergeKind::Concat { limit: None });
            return Ok(probe
                .into_iter()
                .enumerate()
                .map(|(i, p)| {
                    let inputs = if build_right { [p, build] } else { [build, p] };
                    self.join_task("join".into(), i, &task, &inputs)
                })
                .collect());
        }
        // Partitioned: each side's keys, with row addresses, are hash-split into the
        // buckets; a bucket's task matches its keys and gathers the rows of its
        // matches from every part of both sides.
        let n = self.opt.split_out.max(1);
        let left_keys = self.key_pieces(&left, &task.left_keys, &task.key_types, n);
        let right_keys = self.key_pieces(&right, &task.right_keys, &task.key_types, n);
        task.left_inputs = left_keys.len();
        task.strategy = "partitioned";
        task.shuffle = Some(KeyShuffle {
            left_parts: left.len(),
            right_parts: right.len(),
            left_key_schema: KeyShuffle::key_schema(&task.left_keys, &task.key_types),
            right_key_schema: KeyShuffle::key_schema(&task.right_keys, &task.key_types),
        });
        Ok((0..n)
            .map(|b| {
                let bucket = |parts: &[Part]| -> Vec<Part> {
                    parts
                        .iter()
                        .map(|p| Part {
                            node: p.node,
                            port: b,
                        })
                        .collect()
                };
                let mut inputs = bucket(&left_keys);
                inputs.extend(bucket(&right_keys));
                inputs.extend(left.iter().copied());
                inputs.extend(right.iter().copied());
                self.join_task(format!("join.bucket{b}"), b, &task, &inputs)
            })
            .collect())
    }

    /// A task per part that takes its join keys with row addresses and hash-splits
    /// them into `n` buckets (the part itself is left as it is, to gather from).
    fn key_pieces(
        &mut self,
        parts: &[Part],
        keys: &[String],
        types: &[DataType],
        n: usize,
    ) -> Vec<Part> {
        parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let task = Task {
                    kind: "join.keys".into(),
                    partition: Some(i),
                    level: 0,
                    input: TaskInput::Merge(MergeKind::Concat { limit: None }),
                    ops: vec![Op::Address {
                        keys: keys.to_vec(),
                        types: types.to_vec(),
                        part: i,
                    }],
                    split: OutputSplit::Hash {
                        keys: keys.to_vec(),
                        n,
                    },
                };
                self.add_task(task, &[*p])
            })
            .collect()
    }

    /// One task of a join, reading `inputs` (the left pieces first).
    fn join_task(
        &mut self,
        kind: String,
        partition: usize,
        task: &JoinTask,
        inputs: &[Part],
    ) -> Part {
        let t = Task {
            kind,
            partition: Some(partition),
            level: 1,
            input: TaskInput::Join(task.clone()),
            ops: vec![],
            split: OutputSplit::Single,
        };
        self.add_task(t, inputs)
    }

    /// Hash-splits every part by `keys` into `n` buckets and concatenates each bucket
    /// (in part order) into one output partition.
    fn shuffle(&mut self, parts: Vec<Part>, keys: Vec<String>, n: usize) -> Vec<Part> {
        let parts = self.split(parts, OutputSplit::Hash { keys, n });
        (0..n)
            .map(|b| {
                let bucket: Vec<Part> = parts
                    .iter()
                    .map(|p| Part {
                        node: p.node,
                        port: b,
                    })
                    .collect();
                let kind = format!("shuffle.bucket{b}");
                self.merge_bucket(&bucket, kind, b, MergeKind::Concat { limit: None })
            })
            .collect()
    }

    /// Partial → (shuffle) → merge tree → final, or rows → shuffle → aggregate for
    /// holistic aggregates; then the semantics' group order.
    fn aggregate(
        &mut self,
        parts: Vec<Part>,
        spec: AggSpec,
        order: Option<Vec<SortKey>>,
    ) -> Result<Vec<Part>> {
        // Every input part sends one output to every bucket: cap the edges so that
        // a table of very many partitions does not make a graph of millions of tasks.
        const MAX_SHUFFLE_EDGES: usize = 1 << 16;
        let buckets = if spec.keys.is_empty() {
            1
        } else {
            self.opt
                .split_out
                .min((MAX_SHUFFLE_EDGES / parts.len().max(1)).max(1))
        };
        let decomposable = spec.is_decomposable();
        let merged = buckets > 1 || parts.len() > 1;
        let parts = if decomposable {
            self.narrow(
                parts,
                Op::PartialAgg {
                    spec: spec.clone(),
                    merged,
                },
            )
        } else {
            parts
        };
        let parts = if buckets > 1 {
            self.split(
                parts,
                OutputSplit::Hash {
                    keys: spec.keys.clone(),
                    n: buckets,
                },
            )
        } else {
            parts
        };
        let mut out = vec![];
        for b in 0..buckets {
            let bucket: Vec<Part> = parts
                .iter()
                .map(|p| Part {
                    node: p.node,
                    port: if buckets > 1 { b } else { p.port },
                })
                .collect();
            let (kind, merge) = if decomposable {
                ("merge_agg", MergeKind::AggStates(spec.clone()))
            } else {
                ("gather", MergeKind::Concat { limit: None })
            };
            // With several buckets, the bucket is part of every merge task's name.
            let kind = if buckets > 1 {
                format!("{kind}.bucket{b}")
            } else {
                kind.to_string()
            };
            let root = if buckets > 1 {
                self.merge_bucket(&bucket, kind, b, merge)
            } else if bucket.len() > 1 {
                self.merge_tree(bucket, &kind, merge)
            } else {
                bucket[0]
            };
            let op = if decomposable {
                Op::FinalAgg(spec.clone())
            } else {
                Op::AggregateRows(spec.clone())
            };
            out.extend(self.narrow(vec![root], op));
        }
        Ok(match order {
            Some(keys) => self.sort_parts(out, keys, None),
            None => out,
        })
    }
}

/// The projection an aggregate's input needs (the group expressions, then every
/// call's arguments as `__a{i}_{j}`) and the calls over those columns.
fn agg_calls(a: &Aggregate, sem: &Semantics) -> Result<(Vec<Expr>, Vec<AggCall>)> {
    let in_schema = a.input.schema();
    let mut pre: Vec<Expr> = a.group_exprs.clone();
    let mut calls = vec![];
    for (i, e) in a.aggr_exprs.iter().enumerate() {
        let Expr::Aggregate { func, args } = e.unalias() else {
            return Err(Error::internal("aggregate expression without an aggregate"));
        };
        let output_type = e.data_type(in_schema, sem)?;
        let mut inputs = vec![];
        let mut input_type = DataType::Int64;
        for (j, arg) in args.iter().enumerate() {
            let name = format!("__a{i}_{j}");
            let mut arg = arg.clone();
            let mut t = arg.data_type(in_schema, sem)?;
            // Spark sums and averages strings as doubles (an implicit
            // cast, CAST_INVALID_INPUT on text that is not a number).
            if t == DataType::Utf8 && output_type == DataType::Float64 {
                arg = arg.cast(DataType::Float64);
                t = DataType::Float64;
            }
            if j == 0 {
                input_type = t;
            }
            pre.push(arg.alias(name.clone()));
            inputs.push(name);
        }
        calls.push(AggCall {
            func: *func,
            inputs,
            output: e.output_name(),
            input_type,
            output_type,
        });
    }
    Ok((pre, calls))
}

/// The rows a plan yields at most, when its sources say (a join side under the
/// broadcast threshold is built whole).
pub fn estimated_rows(plan: &LogicalPlan) -> Option<usize> {
    match plan {
        LogicalPlan::Empty(_) => Some(1),
        LogicalPlan::Scan(s) => s.source.estimated_rows(),
        LogicalPlan::Limit(l) => match (estimated_rows(&l.input), l.fetch) {
            (Some(n), Some(f)) => Some(n.min(f)),
            (n, f) => n.or(f),
        },
        LogicalPlan::Join(j) => match j.join_type {
            JoinType::LeftSemi | JoinType::LeftAnti => estimated_rows(&j.left),
            _ => estimated_rows(&j.left)?.checked_mul(estimated_rows(&j.right)?),
        },
        other => other
            .inputs()
            .iter()
            .map(|p| estimated_rows(p))
            .sum::<Option<usize>>(),
    }
}

/// A filter of `conjuncts` lowered over rows of `schema`; `None` for no conjunct.
fn filter_op<'a>(
    conjuncts: impl IntoIterator<Item = &'a Expr>,
    schema: &Schema,
    sem: &Semantics,
) -> Result<Option<Op>> {
    let lowered = PhysicalExpr::lower_all(conjuncts, schema, sem)?;
    Ok((!lowered.is_empty()).then_some(Op::Filter(lowered)))
}

/// True when any aggregate in the plan is holistic (for tests and explain).
pub fn has_holistic(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::Aggregate(a) => a.aggr_exprs.iter().any(
            |e| matches!(e.unalias(), Expr::Aggregate { func, .. } if !partita_core::aggregate::is_decomposable(*func)),
        ),
        other => other.inputs().iter().any(|p| has_holistic(p)),
    }
}
