//! [`LogicalPlanBuilder`]: builds a plan node by node, the one way both the SQL
//! planner and the Rust API make plans; and [`AggregateSplit`], the one place that
//! splits expressions over aggregates into an [`Aggregate`] and the expressions
//! computed from its output.

use std::sync::Arc;

use partita_common::{DataType, Error, GroupOrder, NullPlacement, Result, SchemaRef, Semantics};

use crate::expr::{coalesce, col, common_type, Expr};
use crate::plan::{
    resolve_output, same_width, Aggregate, Distinct, EmptyRelation, Filter, Join, JoinKey,
    JoinType, Limit, LogicalPlan, MapPartitions, PartitionFunction, Projection, Repartition, Scan,
    Sort, SortExpr, TableSource, TopKPerGroup, Union,
};
use crate::tree::{Recursion, Transformed};
use crate::window::{Window, WindowCall, WindowExpr};

/// Builds a logical plan one validated node at a time, under one [`Semantics`].
///
/// ```
/// use partita_common::Semantics;
/// use partita_plan::{col, lit, LogicalPlanBuilder};
/// let plan = LogicalPlanBuilder::empty(true, Semantics::pandas())
///     .project([lit(1).alias("x")])
///     .and_then(|b| b.aggregate([], [(col("x").max() - col("x").min()).alias("span")]))
///     .unwrap()
///     .build();
/// assert_eq!(plan.schema().names(), vec!["span"]);
/// ```
#[derive(Debug, Clone)]
pub struct LogicalPlanBuilder {
    plan: LogicalPlan,
    semantics: Semantics,
}

impl LogicalPlanBuilder {
    /// Continues building on `plan` (made under `semantics`).
    pub fn new(plan: LogicalPlan, semantics: Semantics) -> Self {
        LogicalPlanBuilder { plan, semantics }
    }

    /// A scan of every column of `source`.
    pub fn scan(source: Arc<dyn TableSource>, semantics: Semantics) -> Result<Self> {
        let scan = Scan::try_new(source, &semantics)?;
        Ok(Self::new(LogicalPlan::Scan(scan), semantics))
    }

    /// No columns and one row (`SELECT 1`) or none.
    pub fn empty(produce_one_row: bool, semantics: Semantics) -> Self {
        Self::new(
            LogicalPlan::Empty(EmptyRelation::new(produce_one_row)),
            semantics,
        )
    }

    /// The plan built so far.
    pub fn plan(&self) -> &LogicalPlan {
        &self.plan
    }

    /// The output schema of the plan built so far.
    pub fn schema(&self) -> &SchemaRef {
        self.plan.schema()
    }

    /// The semantics the plan is built under.
    pub fn semantics(&self) -> &Semantics {
        &self.semantics
    }

    /// The finished plan.
    pub fn build(self) -> LogicalPlan {
        self.plan
    }

    fn then(
        self,
        node: impl FnOnce(Arc<LogicalPlan>, &Semantics) -> Result<LogicalPlan>,
    ) -> Result<Self> {
        let plan = node(Arc::new(self.plan), &self.semantics)?;
        Ok(Self::new(plan, self.semantics))
    }

    /// Keeps the rows where `predicate` is true.
    pub fn filter(self, predicate: Expr) -> Result<Self> {
        self.then(|p, s| Filter::try_new(p, predicate, s).map(LogicalPlan::Filter))
    }

    /// Computes `exprs` from each row. A projection that would yield its input's
    /// columns unchanged, in order, is left out.
    pub fn project(self, exprs: impl IntoIterator<Item = Expr>) -> Result<Self> {
        let exprs: Vec<Expr> = exprs.into_iter().collect();
        let names = self.schema().names();
        let identity = exprs.len() == names.len()
            && exprs
                .iter()
                .zip(&names)
                .all(|(e, n)| matches!(e, Expr::Column(c) if c == n));
        if identity {
            return Ok(self);
        }
        self.then(|p, s| Projection::try_new(p, exprs, s).map(LogicalPlan::Projection))
    }

    /// Groups by `group_exprs` (none: one global group) and computes `aggr_exprs`,
    /// each an aggregate or an expression over aggregates and keys
    /// (`max(v) - min(v)`): the aggregates run in an [`Aggregate`], the rest in a
    /// projection over its output (see [`AggregateSplit`]). The output is the keys,
    /// then `aggr_exprs`, named as given.
    pub fn aggregate(
        self,
        group_exprs: impl IntoIterator<Item = Expr>,
        aggr_exprs: impl IntoIterator<Item = Expr>,
    ) -> Result<Self> {
        let (schema, sem) = (self.schema().clone(), self.semantics);
        let group_exprs = group_exprs
            .into_iter()
            .map(|e| resolve_output(e, &schema, &sem))
            .collect::<Result<Vec<_>>>()?;
        let mut split = AggregateSplit::new(group_exprs);
        let mut outputs = split.key_columns();
        for e in aggr_exprs {
            if !e.contains_aggregate() {
                return Err(Error::plan(format!(
                    "'{e}' is not an aggregate function; aggregate it (e.g. first(), max()) or group by it"
                )));
            }
            outputs.push(split.rewrite_output(&resolve_output(e, &schema, &sem)?)?);
        }
        split.aggregate(self)?.project(outputs)
    }

    /// Orders rows by `exprs`, keeping the first `fetch` rows when given (a top-k).
    pub fn sort(self, exprs: Vec<SortExpr>, fetch: Option<usize>) -> Result<Self> {
        self.then(|p, s| Sort::try_new(p, exprs, fetch, s).map(LogicalPlan::Sort))
    }

    /// Skips `skip` rows, then keeps `fetch` (all when `None`).
    pub fn limit(self, skip: usize, fetch: Option<usize>) -> Result<Self> {
        self.then(|input, _| Ok(LogicalPlan::Limit(Limit { input, skip, fetch })))
    }

    /// Removes duplicate rows.
    pub fn distinct(self) -> Result<Self> {
        self.then(|input, _| Ok(LogicalPlan::Distinct(Distinct { input })))
    }

    /// Runs `func` on every partition; it promises to return `schema`.
    pub fn map_partitions(
        self,
        func: Arc<dyn PartitionFunction>,
        schema: partita_common::Schema,
    ) -> Result<Self> {
        self.then(|p, _| MapPartitions::try_new(p, func, schema).map(LogicalPlan::MapPartitions))
    }

    /// Joins the plan built so far (the left side) with `right` (see [`Join`]).
    ///
    /// Where the semantics keeps pandas' row order (groups sorted by key), a full
    /// join comes out sorted by its keys (each the key of whichever side has the
    /// row), missing keys last, as `merge(how='outer')` sorts them.
    pub fn join(
        self,
        right: LogicalPlan,
        join_type: JoinType,
        on: Vec<JoinKey>,
        filter: Option<Expr>,
    ) -> Result<Self> {
        let keys = on.clone();
        let joined = self.then(|left, s| {
            Join::try_new(left, Arc::new(right), join_type, on, filter, s).map(LogicalPlan::Join)
        })?;
        if join_type != JoinType::Full
            || keys.is_empty()
            || joined.semantics.group_order != GroupOrder::SortedByKey
        {
            return Ok(joined);
        }
        let names: Vec<String> = joined
            .schema()
            .names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let hidden = |i: usize| format!("__full_key{i}");
        let mut exprs: Vec<Expr> = names.iter().map(|n| col(n.clone())).collect();
        exprs.extend(
            keys.iter().enumerate().map(|(i, k)| {
                coalesce([col(k.left.clone()), col(k.right.clone())]).alias(hidden(i))
            }),
        );
        let by = (0..keys.len())
            .map(|i| SortExpr::new(hidden(i), false, NullPlacement::Last))
            .collect();
        joined
            .project(exprs)?
            .sort(by, None)?
            .project(names.into_iter().map(col))
    }

    /// The rows of this plan, then those of each of `others` (`UNION ALL`): columns
    /// match by position and take this plan's names; each column's type is the
    /// common type of the inputs' (an input of another type is cast).
    pub fn union(self, others: Vec<LogicalPlan>) -> Result<Self> {
        let sem = self.semantics;
        let mut inputs = vec![self.plan];
        inputs.extend(others);
        let first = inputs[0].schema().clone();
        let mut types: Vec<DataType> = first.fields().iter().map(|f| f.data_type).collect();
        for input in &inputs[1..] {
            let s = input.schema();
            same_width(&first, s)?;
            for (t, f) in types.iter_mut().zip(s.fields()) {
                *t = common_type(*t, f.data_type).map_err(|why| {
                    Error::plan(format!("column '{}' of a set operation: {why}", f.name))
                })?;
            }
        }
        let inputs = inputs
            .into_iter()
            .map(|p| {
                let same = p
                    .schema()
                    .fields()
                    .iter()
                    .zip(first.fields())
                    .zip(&types)
                    .all(|((f, g), t)| f.name == g.name && f.data_type == *t);
                if same {
                    return Ok(Arc::new(p));
                }
                let exprs: Vec<Expr> = p
                    .schema()
                    .fields()
                    .iter()
                    .zip(first.fields())
                    .zip(&types)
                    .map(|((f, g), &t)| {
                        let e = col(f.name.clone());
                        let e = if f.data_type == t { e } else { e.cast(t) };
                        e.alias(g.name.clone())
                    })
                    .collect();
                Ok(Arc::new(Self::new(p, sem).project(exprs)?.build()))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self::new(LogicalPlan::Union(Union::try_new(inputs)?), sem))
    }

    /// The distinct rows of this plan that are also rows of `right` (SQL
    /// `INTERSECT`): whole rows compare by position, missing values equal.
    pub fn intersect(self, right: LogicalPlan) -> Result<Self> {
        self.rows_in(right, JoinType::LeftSemi)?.distinct()
    }

    /// The distinct rows of this plan that are not rows of `right` (SQL `EXCEPT`):
    /// whole rows compare by position, missing values equal.
    pub fn except(self, right: LogicalPlan) -> Result<Self> {
        self.rows_in(right, JoinType::LeftAnti)?.distinct()
    }

    /// The rows of this plan that are also rows of `right`, each as often as it
    /// is in both (the fewer; SQL `INTERSECT ALL`).
    pub fn intersect_all(self, right: LogicalPlan) -> Result<Self> {
        self.occurrences_in(right, JoinType::LeftSemi)
    }

    /// The rows of this plan less those of `right`, each as often as it is here
    /// beyond its count there (SQL `EXCEPT ALL`).
    pub fn except_all(self, right: LogicalPlan) -> Result<Self> {
        self.occurrences_in(right, JoinType::LeftAnti)
    }

    /// Numbers the copies of each row on both sides (1, 2, ... per distinct row,
    /// missing values equal) and keeps the left copies whose number the right side
    /// has (`LeftSemi`) or has not (`LeftAnti`).
    fn occurrences_in(self, right: LogicalPlan, how: JoinType) -> Result<Self> {
        const NTH: &str = "__occurrence";
        let sem = self.semantics;
        let number = |b: Self| -> Result<Self> {
            let names: Vec<String> = b.schema().names().iter().map(|n| n.to_string()).collect();
            b.window(vec![WindowExpr {
                func: partita_common::WindowFunction::Aggregate(
                    partita_common::AggregateFunction::CountStar,
                ),
                arg: None,
                partition_by: names,
                keep_null_keys: true,
                order_by: vec![],
                frame: Some(partita_common::WindowFrame {
                    rows: true,
                    start: partita_common::FrameBound::UnboundedPreceding,
                    end: partita_common::FrameBound::CurrentRow,
                }),
                name: NTH.into(),
                ignore_nulls: None,
            }])
        };
        let names: Vec<Expr> = self.schema().names().iter().map(|n| col(*n)).collect();
        same_width(self.schema(), right.schema())?;
        let right = number(Self::new(right, sem))?.build();
        number(self)?.rows_in(right, how)?.project(names)
    }

    /// The rows of this plan that are (`LeftSemi`) or are not (`LeftAnti`) among
    /// `right`'s rows, comparing whole rows by position, missing values equal.
    fn rows_in(self, right: LogicalPlan, how: JoinType) -> Result<Self> {
        let (ls, rs) = (self.schema().clone(), right.schema().clone());
        same_width(&ls, &rs)?;
        let hidden = |i: usize| format!("__right{i}");
        let right = Self::new(right, self.semantics)
            .project(
                rs.names()
                    .iter()
                    .enumerate()
                    .map(|(i, n)| col(*n).alias(hidden(i))),
            )?
            .build();
        let keys = ls
            .names()
            .iter()
            .enumerate()
            .map(|(i, n)| JoinKey {
                left: n.to_string(),
                right: hidden(i),
                null_equal: true,
            })
            .collect();
        self.join(right, how, keys, None)
    }

    /// Keeps the first `fetch` rows of each group of equal `keys` in the order of
    /// `order` (see [`TopKPerGroup`]).
    pub fn top_k_per_group(
        self,
        keys: Vec<String>,
        order: Vec<SortExpr>,
        fetch: usize,
    ) -> Result<Self> {
        self.then(|p, s| {
            TopKPerGroup::try_new(p, keys, order, fetch, s).map(LogicalPlan::TopKPerGroup)
        })
    }

    /// Adds window columns (see [`Window`]).
    pub fn window(self, exprs: Vec<WindowExpr>) -> Result<Self> {
        self.then(|p, s| Window::try_new(p, exprs, s).map(LogicalPlan::Window))
    }

    /// Adds a column per window call: arguments and keys that are not plain
    /// columns are computed first under hidden names, which the result drops (it
    /// has the input's columns, then the calls').
    pub fn window_calls(self, calls: Vec<WindowCall>) -> Result<Self> {
        if calls.is_empty() {
            return Ok(self);
        }
        let names: Vec<String> = self
            .schema()
            .names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let mut exprs: Vec<Expr> = names.iter().map(|n| col(n.clone())).collect();
        let mut computed = 0;
        let mut column = |e: Expr| -> String {
            if let Expr::Column(c) = &e {
                return c.clone();
            }
            let name = format!("__window_input{computed}");
            computed += 1;
            exprs.push(e.alias(name.clone()));
            name
        };
        let mut windows = vec![];
        let mut outputs: Vec<Expr> = names.iter().map(|n| col(n.clone())).collect();
        for c in calls {
            outputs.push(col(c.name.clone()));
            windows.push(WindowExpr {
                func: c.func,
                arg: c.arg.map(&mut column),
                partition_by: c.partition_by.into_iter().map(&mut column).collect(),
                keep_null_keys: false,
                order_by: c
                    .order_by
                    .into_iter()
                    .map(|(e, desc, nulls)| SortExpr::new(column(e), desc, nulls))
                    .collect(),
                frame: c.frame,
                ignore_nulls: c.ignore_nulls,
                name: c.name,
            });
        }
        if computed == 0 {
            return self.window(windows);
        }
        self.project(exprs)?.window(windows)?.project(outputs)
    }

    /// Re-splits the rows into `partitions`: by the hash of `by`, or in order when
    /// `by` is empty. Key names are resolved as the semantics says.
    pub fn repartition(self, partitions: usize, by: &[String]) -> Result<Self> {
        let by = by
            .iter()
            .map(|k| {
                let i = self.schema().resolve(k, &self.semantics)?;
                Ok(self.schema().field(i).name.clone())
            })
            .collect::<Result<Vec<_>>>()?;
        self.then(|p, _| Repartition::try_new_by(p, partitions, by).map(LogicalPlan::Repartition))
    }
}

/// Splits expressions over aggregates (a `SELECT` list, `HAVING`, `ORDER BY`, or
/// `agg([...])`) into an [`Aggregate`] and expressions over its output.
///
/// Each group expression becomes a key column: a column keeps its name, an aliased
/// expression takes its alias, any other is a hidden `__group{i}`. Each distinct
/// aggregate becomes one column of the aggregate: a top-level aggregate of an
/// output keeps the output's name when it is free, any other gets a hidden
/// `__agg{n}`. A column that is neither a key nor inside an aggregate is an error.
#[derive(Debug, Clone)]
pub struct AggregateSplit {
    groups: Vec<(Expr, String)>,
    aggs: Vec<(Expr, String)>,
}

impl AggregateSplit {
    /// A split over these group expressions (resolved against the aggregate's input).
    pub fn new(group_exprs: impl IntoIterator<Item = Expr>) -> Self {
        let groups = group_exprs
            .into_iter()
            .enumerate()
            .map(|(i, e)| match e {
                Expr::Column(c) => (Expr::Column(c.clone()), c),
                Expr::Alias(inner, name) => (inner.unalias().clone(), name),
                other => (other, format!("__group{i}")),
            })
            .collect();
        AggregateSplit {
            groups,
            aggs: vec![],
        }
    }

    /// The key columns, as the aggregate yields them.
    pub fn key_columns(&self) -> Vec<Expr> {
        self.groups.iter().map(|(_, n)| col(n.clone())).collect()
    }

    fn name_taken(&self, name: &str) -> bool {
        self.groups.iter().any(|(_, n)| n == name) || self.aggs.iter().any(|(_, n)| n == name)
    }

    /// The column holding aggregate `e`, added under `name` (or a hidden name when
    /// none is asked or it is taken) unless an equal aggregate is there already.
    fn agg_column(&mut self, e: Expr, name: Option<String>) -> Expr {
        if let Some((_, n)) = self.aggs.iter().find(|(a, _)| *a == e) {
            return col(n.clone());
        }
        let name = match name {
            Some(n) if !self.name_taken(&n) => n,
            _ => (self.aggs.len()..)
                .map(|i| format!("__agg{i}"))
                .find(|n| !self.name_taken(n))
                .expect("a free name"),
        };
        self.aggs.push((e, name.clone()));
        col(name)
    }

    /// Rewrites `e` (resolved against the aggregate's input) into an expression over
    /// the aggregate's output: group expressions become their key columns, aggregates
    /// their columns. A column outside both is an error naming it.
    pub fn rewrite(&mut self, e: &Expr) -> Result<Expr> {
        let mut stray = None;
        let out = e
            .clone()
            .transform_down(&mut |x| {
                if let Some((_, name)) = self.groups.iter().find(|(g, _)| *g == x) {
                    return Ok((Transformed::yes(col(name.clone())), Recursion::Jump));
                }
                match x {
                    a @ Expr::Aggregate { .. } => {
                        Ok((Transformed::yes(self.agg_column(a, None)), Recursion::Jump))
                    }
                    Expr::Column(c) => {
                        stray.get_or_insert(c.clone());
                        Ok((Transformed::no(Expr::Column(c)), Recursion::Jump))
                    }
                    other => Ok((Transformed::no(other), Recursion::Continue)),
                }
            })?
            .data;
        match stray {
            Some(c) => Err(Error::plan(format!(
                "column '{c}' must appear in GROUP BY or be used in an aggregate function"
            ))),
            None => Ok(out),
        }
    }

    /// [`AggregateSplit::rewrite`] for an output column: the result keeps `e`'s
    /// output name, and a top-level aggregate is computed under that name.
    pub fn rewrite_output(&mut self, e: &Expr) -> Result<Expr> {
        let name = e.output_name();
        let inner = e.unalias();
        let out = match inner {
            Expr::Aggregate { .. } if !self.groups.iter().any(|(g, _)| g == inner) => {
                self.agg_column(inner.clone(), Some(name.clone()))
            }
            _ => self.rewrite(inner)?,
        };
        Ok(if out.output_name() == name {
            out
        } else {
            out.alias(name)
        })
    }

    /// The [`Aggregate`] over `input`: the keys, then every aggregate met so far.
    pub fn aggregate(&self, input: LogicalPlanBuilder) -> Result<LogicalPlanBuilder> {
        let named = |(e, n): &(Expr, String)| {
            if e.output_name() == *n {
                e.clone()
            } else {
                e.clone().alias(n.clone())
            }
        };
        let group_exprs = self.groups.iter().map(named).collect();
        let aggr_exprs = self.aggs.iter().map(named).collect();
        input.then(|p, s| {
            Aggregate::try_new(p, group_exprs, aggr_exprs, s).map(LogicalPlan::Aggregate)
        })
    }
}
