//! The optimized `LogicalPlan` as a Spark Connect `Relation` tree.
//!
//! Every node keeps the local plan's column names and order, so the rows Spark
//! returns line up with the local schema. Where the session's semantics differ
//! from what Spark does by itself, the difference is spelled out in the relation
//! (a filter, an explicit null ordering, a different function), or the query is
//! refused before anything is sent: never a silently different answer.

use partita_common::{
    AggregateFunction, DataType, Error, FrameBound, GroupOrder, Logic, NullGroupKeys, Result,
    ScalarValue, Schema, Semantics, SortKey, WindowFrame, WindowFunction, WindowResults,
    WindowSpec,
};
use partita_exec::late_types::MissingNote;
use partita_exec::{CsvSource, MemorySource, ParquetSource};
use partita_plan::{Expr, JoinType, LogicalPlan, Scan};
use pb::relation::RelType;
use spark_connect_proto as pb;

use crate::arrow::transport_schema;
use crate::expr::{self, alias, call, column, literal, ExprLowering};

/// Lowers plans under one semantics.
pub struct Lowering {
    semantics: Semantics,
    exprs: ExprLowering,
    /// Inline data above this many bytes is refused (one gRPC message carries the
    /// whole plan).
    pub max_inline_bytes: usize,
    /// The notes of value-decided types met (`partita_exec::late_types`), each with
    /// the relation of its producer: Spark is asked afterwards whether that
    /// relation holds a missing value in the noted columns.
    notes: std::cell::RefCell<Vec<(pb::Relation, MissingNote)>>,
}

fn rel(r: RelType) -> pb::Relation {
    pb::Relation {
        common: None,
        rel_type: Some(r),
    }
}

fn boxed(r: pb::Relation) -> Option<Box<pb::Relation>> {
    Some(Box::new(r))
}

impl Lowering {
    /// A lowering for `semantics`. What a switch decides differently from Spark
    /// is spelled out in the relation; a construct it cannot spell out is refused
    /// when it is met, naming the construct and the switch.
    pub fn new(semantics: Semantics) -> Result<Self> {
        Ok(Lowering {
            exprs: ExprLowering { sem: semantics },
            semantics,
            max_inline_bytes: 96 << 20,
            notes: Default::default(),
        })
    }

    /// The notes met by [`Lowering::lower`], with their producers' relations.
    pub fn take_notes(&self) -> Vec<(pb::Relation, MissingNote)> {
        self.notes.take()
    }

    /// The relation whose one row says, per noted column, whether the producer's
    /// relation holds a missing value in it (null over no rows).
    pub fn note_query(producer: pb::Relation, note: &MissingNote) -> pb::Relation {
        let aggs = note
            .columns
            .iter()
            .enumerate()
            .map(|(i, (c, _))| {
                alias(
                    call("max", vec![call("isnull", vec![column(c)])]),
                    &format!("m{i}"),
                )
            })
            .collect();
        rel(RelType::Aggregate(Box::new(pb::Aggregate {
            input: boxed(producer),
            group_type: pb::aggregate::GroupType::Groupby as i32,
            grouping_expressions: vec![],
            aggregate_expressions: aggs,
            pivot: None,
            grouping_sets: vec![],
        })))
    }

    /// The relation that computes `plan`.
    pub fn lower(&self, plan: &LogicalPlan) -> Result<pb::Relation> {
        Ok(match plan {
            LogicalPlan::Empty(e) => {
                if e.produce_one_row {
                    rel(RelType::Range(pb::Range {
                        start: Some(0),
                        end: 1,
                        step: 1,
                        num_partitions: Some(1),
                    }))
                } else {
                    self.empty(&e.schema)?
                }
            }
            LogicalPlan::Scan(s) => self.scan(s)?,
            LogicalPlan::Filter(f) => rel(RelType::Filter(Box::new(pb::Filter {
                input: boxed(self.lower(&f.input)?),
                condition: Some(self.predicate(&f.predicate, f.input.schema())?),
            }))),
            LogicalPlan::Projection(p) => {
                let exprs = p
                    .exprs
                    .iter()
                    .zip(p.schema.fields())
                    .map(|(e, f)| self.named(e, &f.name, p.input.schema()))
                    .collect::<Result<Vec<_>>>()?;
                project(self.lower(&p.input)?, exprs)
            }
            LogicalPlan::Aggregate(a) => self.aggregate(a)?,
            LogicalPlan::Sort(s) => {
                let sorted = sort(self.lower(&s.input)?, &s.keys);
                match s.fetch {
                    Some(n) => limit(sorted, n),
                    None => sorted,
                }
            }
            LogicalPlan::Limit(l) => {
                let mut r = self.lower(&l.input)?;
                if l.skip > 0 {
                    r = rel(RelType::Offset(Box::new(pb::Offset {
                        input: boxed(r),
                        offset: i32::try_from(l.skip).map_err(|_| {
                            Error::NotImplemented(format!(
                                "OFFSET {} is beyond what Spark takes (2^31 - 1)",
                                l.skip
                            ))
                        })?,
                    })));
                }
                match l.fetch {
                    Some(n) => limit(r, n),
                    None => r,
                }
            }
            LogicalPlan::Distinct(d) => rel(RelType::Deduplicate(Box::new(pb::Deduplicate {
                input: boxed(self.lower(&d.input)?),
                column_names: vec![],
                all_columns_as_keys: Some(true),
                within_watermark: None,
            }))),
            LogicalPlan::MapPartitions(m)
                if m.func.as_any().downcast_ref::<MissingNote>().is_some() =>
            {
                let note = m.func.as_any().downcast_ref::<MissingNote>().cloned();
                if note.as_ref().is_some_and(|n| !n.texts.is_empty()) {
                    return Err(Error::NotImplemented(
                        "a cast of a time stamp to text cannot run on Spark under text_format = python: pandas writes a whole column in one shape (dates alone, or the finest fraction any value needs); set text_format = java or run the query locally".into(),
                    ));
                }
                let producer = self.lower(&m.input)?;
                self.notes
                    .borrow_mut()
                    .extend(note.map(|n| (producer.clone(), n)));
                producer
            }
            LogicalPlan::MapPartitions(m) => {
                return Err(Error::NotImplemented(format!(
                    "map_partitions({}) runs a Rust closure, which Spark cannot run; \
                     run this query on the local engine",
                    m.func.name()
                )))
            }
            // Spark partitions by itself; the local layout does not change a result.
            LogicalPlan::Repartition(r) => self.lower(&r.input)?,
            LogicalPlan::TopKPerGroup(t) => {
                let mut input = self.lower(&t.input)?;
                if self.semantics.null_group_keys == NullGroupKeys::Drop {
                    // pandas' groupby(dropna=True).head(k): rows with a missing key
                    // are in no group.
                    input = rel(RelType::Filter(Box::new(pb::Filter {
                        input: boxed(input),
                        condition: t
                            .keys
                            .iter()
                            .map(|k| call("isnotnull", vec![column(k)]))
                            .reduce(|a, b| call("and", vec![a, b])),
                    })));
                }
                let names: Vec<String> = t
                    .input
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name.clone())
                    .collect();
                let rank = hidden_name(&names, "row_number");
                let over = window(
                    call("row_number", vec![]),
                    t.keys.iter().map(|k| column(k)).collect(),
                    t.sort_keys.iter().map(expr::sort_order).collect(),
                    None,
                );
                let mut with_rank: Vec<pb::Expression> = names.iter().map(|n| column(n)).collect();
                with_rank.push(alias(over, &rank));
                let ranked = project(input, with_rank);
                let kept = rel(RelType::Filter(Box::new(pb::Filter {
                    input: boxed(ranked),
                    condition: Some(call(
                        "<=",
                        vec![
                            column(&rank),
                            literal(&ScalarValue::Int64(Some(t.fetch as i64)))?,
                        ],
                    )),
                })));
                // Ranks come back in order within each group, as the local top-k keeps them.
                let mut order: Vec<SortKey> = t
                    .keys
                    .iter()
                    .map(|k| SortKey {
                        column: k.clone(),
                        descending: false,
                        nulls_last: false,
                        categories: None,
                    })
                    .collect();
                order.push(SortKey {
                    column: rank.clone(),
                    descending: false,
                    nulls_last: false,
                    categories: None,
                });
                project(
                    sort(kept, &order),
                    names.iter().map(|n| column(n)).collect(),
                )
            }
            LogicalPlan::Window(w) => {
                let input = self.lower(&w.input)?;
                let mut exprs: Vec<pb::Expression> = w
                    .input
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| column(&f.name))
                    .collect();
                for r in &w.exprs {
                    exprs.push(alias(self.window_expr(r, w.input.schema())?, &r.expr.name));
                }
                project(input, exprs)
            }
            LogicalPlan::Join(j) => self.join(j)?,
            LogicalPlan::Union(u) => {
                let mut inputs = u.inputs.iter();
                let first = inputs
                    .next()
                    .ok_or_else(|| Error::internal("a union without inputs"))?;
                let mut r = self.lower(first)?;
                for input in inputs {
                    r = rel(RelType::SetOp(Box::new(pb::SetOperation {
                        left_input: boxed(r),
                        right_input: boxed(self.lower(input)?),
                        set_op_type: pb::set_operation::SetOpType::Union as i32,
                        is_all: Some(true),
                        by_name: Some(false),
                        allow_missing_columns: Some(false),
                    })));
                }
                r
            }
        })
    }

    /// `e` named `name` in the output (once: an expression already aliased to
    /// that name is not aliased again).
    fn named(&self, e: &Expr, name: &str, schema: &Schema) -> Result<pb::Expression> {
        match e {
            Expr::Alias(inner, n) if n == name => Ok(alias(self.exprs.lower(inner, schema)?, name)),
            _ => Ok(alias(self.exprs.lower(e, schema)?, name)),
        }
    }

    /// A filter's predicate. Under two-valued logic (pandas) a predicate that
    /// may be missing is an error where it is, as pandas' "cannot mask with NA".
    fn predicate(&self, p: &Expr, schema: &Schema) -> Result<pb::Expression> {
        let lowered = self.exprs.lower(p, schema)?;
        if self.semantics.logic != Logic::TwoValued || !p.nullable(schema, &self.semantics)? {
            return Ok(lowered);
        }
        let message = format!(
            "cannot filter by '{p}': it holds missing values (pandas raises \
             \"Cannot mask with non-boolean array containing NA / NaN values\"); \
             use coalesce or = true"
        );
        Ok(call(
            "when",
            vec![
                call("isnull", vec![lowered.clone()]),
                expr::raise("ValueError", &message)?,
                lowered,
            ],
        ))
    }

    fn empty(&self, schema: &Schema) -> Result<pb::Relation> {
        Ok(rel(RelType::LocalRelation(pb::LocalRelation {
            data: None,
            schema: Some(ddl_schema(schema)?),
        })))
    }

    fn scan(&self, s: &Scan) -> Result<pb::Relation> {
        let any = s.source.as_any();
        let source_schema = &s.source_schema;
        let mut r = if let Some(m) = any.downcast_ref::<MemorySource>() {
            let data =
                partita_core::ipc::write_stream(m.partitions(), &transport_schema(source_schema))?;
            if data.len() > self.max_inline_bytes {
                return Err(Error::NotImplemented(format!(
                    "an in-memory table of {} MB is too large to send to Spark in one request \
                     (at most {} MB); write it to Parquet where Spark can read it",
                    data.len() >> 20,
                    self.max_inline_bytes >> 20
                )));
            }
            rel(RelType::LocalRelation(pb::LocalRelation {
                data: Some(data.into()),
                schema: None,
            }))
        } else if let Some(p) = any.downcast_ref::<ParquetSource>() {
            if p.has_directory_columns() {
                return Err(Error::NotImplemented(
                    "Parquet tables with key=value directory columns cannot be sent to Spark yet"
                        .into(),
                ));
            }
            read("parquet", p.file_paths(), source_schema, vec![])?
        } else if let Some(c) = any.downcast_ref::<CsvSource>() {
            let f = c.format();
            let nulls = f.null_values.clone().unwrap_or_default();
            let null_value = match nulls.as_slice() {
                [] => String::new(),
                [one] => one.clone(),
                _ => {
                    return Err(Error::NotImplemented(format!(
                        "Spark's CSV reader takes one missing-value text, not {} ({}); \
                         use `.semantics spark` (csv_nulls = empty) for Spark",
                        nulls.len(),
                        nulls.join(", ")
                    )))
                }
            };
            read(
                "csv",
                vec![c.path()],
                source_schema,
                vec![
                    ("header".into(), f.has_header.to_string()),
                    ("sep".into(), (f.separator as char).to_string()),
                    ("quote".into(), (f.quote as char).to_string()),
                    ("escape".into(), (f.quote as char).to_string()),
                    ("nullValue".into(), null_value),
                    ("mode".into(), "FAILFAST".into()),
                ],
            )?
        } else {
            return Err(Error::NotImplemented(format!(
                "the source {} cannot be sent to Spark",
                s.source.describe()
            )));
        };
        // Every column as the scan reads it, under its own name: the types the plan
        // gives it (pandas' float64 for an integer column with missing values,
        // wider signed integers for unsigned) and NaN as missing (pandas). The
        // scan's filters were planned over these.
        let read = Scan::try_new(s.source.clone(), &self.semantics)?.schema;
        let normalized = source_schema
            .fields()
            .iter()
            .zip(read.fields())
            .map(|(stored, out)| {
                let c = column(&stored.name);
                let c = if stored.data_type == out.data_type {
                    c
                } else {
                    expr::cast(c, out.data_type)?
                };
                let c = if out.data_type == DataType::Float64 && self.semantics.nan_is_missing() {
                    call("nanvl", vec![c, literal(&ScalarValue::Float64(None))?])
                } else {
                    c
                };
                Ok(alias(c, &stored.name))
            })
            .collect::<Result<Vec<_>>>()?;
        r = project(r, normalized);
        for f in &s.filters {
            r = rel(RelType::Filter(Box::new(pb::Filter {
                input: boxed(r),
                condition: Some(self.predicate(f, &read)?),
            })));
        }
        let indices: Vec<usize> = match &s.projection {
            Some(p) => p.clone(),
            None => (0..source_schema.len()).collect(),
        };
        let exprs = indices
            .iter()
            .zip(s.schema.fields())
            .map(|(&i, out)| alias(column(&source_schema.field(i).name), &out.name))
            .collect();
        Ok(project(r, exprs))
    }

    fn aggregate(&self, a: &partita_plan::Aggregate) -> Result<pb::Relation> {
        let mut input = self.lower(&a.input)?;
        let key_names: Vec<String> = a.schema.fields()[..a.group_exprs.len()]
            .iter()
            .map(|f| f.name.clone())
            .collect();
        if !a.group_exprs.is_empty() && self.semantics.null_group_keys == NullGroupKeys::Drop {
            // pandas' groupby(dropna=True): rows with a missing key form no group.
            let mut cond: Option<pb::Expression> = None;
            for g in &a.group_exprs {
                let nn = call("isnotnull", vec![self.exprs.lower(g, a.input.schema())?]);
                cond = Some(match cond {
                    None => nn,
                    Some(c) => call("and", vec![c, nn]),
                });
            }
            input = rel(RelType::Filter(Box::new(pb::Filter {
                input: boxed(input),
                condition: cond,
            })));
        }
        let grouping = a
            .group_exprs
            .iter()
            .zip(&key_names)
            .map(|(g, n)| self.named(g, n, a.input.schema()))
            .collect::<Result<Vec<_>>>()?;
        let aggs = a
            .aggr_exprs
            .iter()
            .zip(&a.schema.fields()[a.group_exprs.len()..])
            .map(|(e, f)| self.named(e, &f.name, a.input.schema()))
            .collect::<Result<Vec<_>>>()?;
        let out = rel(RelType::Aggregate(Box::new(pb::Aggregate {
            input: boxed(input),
            group_type: pb::aggregate::GroupType::Groupby as i32,
            grouping_expressions: grouping,
            aggregate_expressions: aggs,
            pivot: None,
            grouping_sets: vec![],
        })));
        if self.semantics.group_order == GroupOrder::SortedByKey && !key_names.is_empty() {
            let nulls_last =
                self.semantics.default_null_order == partita_common::DefaultNullOrder::AlwaysLast;
            return Ok(sort(out, &a.key_order(&self.semantics, nulls_last)));
        }
        Ok(out)
    }

    fn join(&self, j: &partita_plan::Join) -> Result<pb::Relation> {
        use pb::join::JoinType as J;
        let join_type = match j.join_type {
            JoinType::Inner => J::Inner,
            JoinType::Left => J::LeftOuter,
            JoinType::Right => J::RightOuter,
            JoinType::Full => J::FullOuter,
            JoinType::LeftSemi => J::LeftSemi,
            JoinType::LeftAnti => J::LeftAnti,
            JoinType::Cross => J::Cross,
        };
        // Column names are unique across both sides (the plan checks it), so a bare
        // name refers to one side.
        let mut cond: Option<pb::Expression> = None;
        let mut and = |e: pb::Expression| {
            cond = Some(match cond.take() {
                None => e,
                Some(c) => call("and", vec![c, e]),
            })
        };
        for k in &j.on {
            let op = if k.null_equal { "<=>" } else { "==" };
            and(call(op, vec![column(&k.left), column(&k.right)]));
        }
        if let Some(f) = &j.filter {
            // The condition sees both sides' columns.
            let both = Schema::new(
                j.left
                    .schema()
                    .fields()
                    .iter()
                    .chain(j.right.schema().fields())
                    .cloned()
                    .collect(),
            );
            and(self.predicate(f, &both)?);
        }
        Ok(rel(RelType::Join(Box::new(pb::Join {
            left: boxed(self.lower(&j.left)?),
            right: boxed(self.lower(&j.right)?),
            join_condition: cond,
            join_type: join_type as i32,
            using_columns: vec![],
            join_data_type: None,
        }))))
    }

    /// One window column. Under `window_results = pandas` the column is what
    /// pandas' group-wise transform gives (`partita_core::window` computes the
    /// same locally), spelled out with SQL windows: a row whose order value is
    /// missing is left out of the ranks (`na_option='keep'`) by partitioning on
    /// whether it is, the partition's size still counting it; a running SUM, MIN
    /// or MAX leaves a missing value missing at its own row; a rolling frame reads
    /// infinities as missing; a grouped float `cumsum` is NaN after its total has
    /// been infinite (Kahan summation); a RANGE frame with an offset is empty
    /// around a missing order value.
    fn window_expr(
        &self,
        r: &partita_plan::ResolvedWindow,
        schema: &Schema,
    ) -> Result<pb::Expression> {
        let spec = &r.spec;
        let sem = &self.semantics;
        let pandas = sem.window_results == WindowResults::Pandas;
        let arg_type = spec
            .arg
            .as_deref()
            .map(|a| Ok::<_, Error>(schema.field(schema.resolve(a, sem)?).data_type))
            .transpose()?;
        let arg = || -> Result<pb::Expression> {
            spec.arg
                .as_deref()
                .map(column)
                .ok_or_else(|| Error::internal(format!("{} needs a column", spec.func)))
        };
        // pandas' transforms without an order (`cumsum`, `shift`, `cumcount`) run
        // in row order, which Spark does not keep in a window's partition.
        let by_row_order = spec.order.is_empty()
            && !spec.keep_null_keys
            && (spec.func.is_offset()
                || matches!(
                    spec.func,
                    WindowFunction::RowNumber | WindowFunction::Ntile(_)
                )
                || (!spec.func.is_ranking() && spec.frame != WindowFrame::WHOLE));
        if pandas && by_row_order {
            return Err(Error::NotImplemented(format!(
                "{} over a window without ORDER BY runs in row order under window_results = pandas (as pandas' groupby transforms do), and Spark keeps no row order in a window; add an ORDER BY to the window or run the query locally",
                spec.func
            )));
        }
        let int = |n: i64| literal(&ScalarValue::Int32(Some(n as i32)));
        let null = || literal(&ScalarValue::Float64(None));
        let keys: Vec<pb::Expression> = spec.partition_by.iter().map(|k| column(k)).collect();
        let order: Vec<pb::expression::SortOrder> =
            spec.order.iter().map(expr::sort_order).collect();
        // pandas ranks leave a row with a missing order value out (its rank is
        // missing) and number the others among themselves: they are a partition
        // of their own, and the result is masked on them.
        let unranked = if spec.unranked_missing && spec.func.leaves_missing_unranked() {
            spec.order
                .iter()
                .map(|k| call("isnull", vec![column(&k.column)]))
                .reduce(|a, b| call("or", vec![a, b]))
        } else {
            None
        };
        let ranked_keys = || -> Vec<pb::Expression> {
            let mut p = keys.clone();
            p.extend(unranked.clone());
            p
        };
        // The rows up to the current row's last peer, among the ranked ones.
        let through_peers = || -> Result<pb::Expression> {
            Ok(window(
                call("count", vec![int(1)?]),
                ranked_keys(),
                order.clone(),
                Some(frame(&WindowFrame {
                    rows: false,
                    start: FrameBound::UnboundedPreceding,
                    end: FrameBound::CurrentRow,
                })?),
            ))
        };
        // The rows of the partition, or of its ranked rows.
        let rows_of = |p: Vec<pb::Expression>| -> Result<pb::Expression> {
            Ok(window(call("count", vec![int(1)?]), p, vec![], None))
        };
        let ranked = |f: &str| window(call(f, vec![]), ranked_keys(), order.clone(), None);
        let value = match &spec.func {
            WindowFunction::RowNumber => ranked("row_number"),
            WindowFunction::Rank => ranked("rank"),
            WindowFunction::DenseRank => ranked("dense_rank"),
            WindowFunction::PercentRank if pandas => {
                // (rank - 1) / (rows - 1), the partition's rows counting the
                // unranked ones; pandas divides 0 by 0 for a partition of one row.
                let size = rows_of(keys.clone())?;
                call(
                    "when",
                    vec![
                        call(">", vec![size.clone(), int(1)?]),
                        call(
                            "/",
                            vec![
                                call("-", vec![ranked("rank"), int(1)?]),
                                call("-", vec![size, int(1)?]),
                            ],
                        ),
                    ],
                )
            }
            WindowFunction::PercentRank => ranked("percent_rank"),
            // The rows through the row's last peer over the partition's rows (the
            // unranked ones counted).
            WindowFunction::CumeDist if unranked.is_some() => {
                call("/", vec![through_peers()?, rows_of(keys.clone())?])
            }
            WindowFunction::CumeDist => ranked("cume_dist"),
            WindowFunction::Ntile(n) => window(
                call("ntile", vec![int(*n)?]),
                keys.clone(),
                order.clone(),
                None,
            ),
            WindowFunction::PandasRank { method, pct, .. } => {
                use partita_common::PandasRankMethod as M;
                let rank = match method {
                    M::Average => call(
                        "/",
                        vec![
                            call("+", vec![ranked("rank"), through_peers()?]),
                            literal(&ScalarValue::Float64(Some(2.0)))?,
                        ],
                    ),
                    M::Min => ranked("rank"),
                    M::Max => through_peers()?,
                    M::First => ranked("row_number"),
                    M::Dense => ranked("dense_rank"),
                };
                if *pct {
                    let scale = match method {
                        // The distinct values: a row's dense rank from either end
                        // adds up to one more than their number.
                        M::Dense => {
                            let reversed: Vec<pb::expression::SortOrder> = spec
                                .order
                                .iter()
                                .map(|k| {
                                    expr::sort_order(&SortKey {
                                        descending: !k.descending,
                                        nulls_last: !k.nulls_last,
                                        ..k.clone()
                                    })
                                })
                                .collect();
                            call(
                                "-",
                                vec![
                                    call(
                                        "+",
                                        vec![
                                            ranked("dense_rank"),
                                            window(
                                                call("dense_rank", vec![]),
                                                ranked_keys(),
                                                reversed,
                                                None,
                                            ),
                                        ],
                                    ),
                                    int(1)?,
                                ],
                            )
                        }
                        _ => rows_of(ranked_keys())?,
                    };
                    call("/", vec![rank, scale])
                } else {
                    rank
                }
            }
            WindowFunction::Lag { offset, default } | WindowFunction::Lead { offset, default } => {
                let name = if matches!(spec.func, WindowFunction::Lag { .. }) {
                    "lag"
                } else {
                    "lead"
                };
                window(
                    call(name, vec![arg()?, int(*offset)?, literal(default)?]),
                    keys.clone(),
                    order.clone(),
                    None,
                )
            }
            WindowFunction::FirstValue
            | WindowFunction::LastValue
            | WindowFunction::NthValue(_) => {
                let f = match spec.func {
                    WindowFunction::FirstValue => call(
                        "first_value",
                        vec![
                            arg()?,
                            literal(&ScalarValue::Boolean(Some(spec.ignore_nulls)))?,
                        ],
                    ),
                    WindowFunction::LastValue => call(
                        "last_value",
                        vec![
                            arg()?,
                            literal(&ScalarValue::Boolean(Some(spec.ignore_nulls)))?,
                        ],
                    ),
                    WindowFunction::NthValue(n) => call("nth_value", vec![arg()?, int(n)?]),
                    _ => unreachable!("a value function"),
                };
                window(f, keys.clone(), order.clone(), Some(frame(&spec.frame)?))
            }
            WindowFunction::Aggregate(_) | WindowFunction::Product => {
                self.window_aggregate(spec, schema, arg_type, keys.clone(), order.clone())?
            }
        };
        let value = match unranked {
            Some(u) => call("when", vec![call("not", vec![u]), value]),
            None => value,
        };
        // Without `keep_null_keys`, `null_group_keys = drop` leaves the rows with a
        // missing partition key out of every partition: their results are missing,
        // but for pandas' `shift(fill_value=..)`, which fills them too.
        let drop_null_keys = !spec.keep_null_keys
            && !spec.partition_by.is_empty()
            && sem.null_group_keys == NullGroupKeys::Drop;
        let value = if drop_null_keys {
            let keyed = spec
                .partition_by
                .iter()
                .map(|k| call("isnotnull", vec![column(k)]))
                .reduce(|a, b| call("and", vec![a, b]))
                .ok_or_else(|| Error::internal("a partition without keys"))?;
            match &spec.func {
                WindowFunction::Lag { default, .. } | WindowFunction::Lead { default, .. }
                    if pandas && !default.is_null() =>
                {
                    call("when", vec![keyed, value, literal(default)?])
                }
                _ => call("when", vec![keyed, value]),
            }
        } else {
            value
        };
        // NaN is missing (pandas): a NaN the window makes (`inf - inf`) too.
        if spec.output == DataType::Float64 && sem.nan_is_missing() {
            return Ok(call("nanvl", vec![value, null()?]));
        }
        Ok(value)
    }

    /// An aggregate over each row's frame (`WindowFunction::Aggregate`,
    /// `Product`), with pandas' rules where `window_results = pandas`.
    fn window_aggregate(
        &self,
        spec: &WindowSpec,
        schema: &Schema,
        arg_type: Option<DataType>,
        keys: Vec<pb::Expression>,
        order: Vec<pb::expression::SortOrder>,
    ) -> Result<pb::Expression> {
        let sem = &self.semantics;
        let pandas = sem.window_results == WindowResults::Pandas;
        let fr = &spec.frame;
        let float_arg = arg_type.is_some_and(|t| t.is_float());
        let product = spec.func == WindowFunction::Product;
        let func = match &spec.func {
            WindowFunction::Aggregate(f) => *f,
            _ => AggregateFunction::Sum,
        };
        if product && pandas && arg_type.is_some_and(|t| t.is_integer()) {
            // Spark multiplies in doubles; pandas' cumprod keeps int64 and wraps.
            return Err(Error::NotImplemented(
                "a product of integers over a window (pandas' cumprod keeps int64) cannot run on Spark: Spark's product is a DOUBLE; CAST the column AS double".into(),
            ));
        }
        // Over an integer column there is no infinity to read as missing.
        let infinities_missing = float_arg && spec.infinities_missing(sem);
        let infinite = |x: pb::Expression| -> Result<pb::Expression> {
            Ok(call(
                "=",
                vec![
                    call("abs", vec![x]),
                    literal(&ScalarValue::Float64(Some(f64::INFINITY)))?,
                ],
            ))
        };
        let call_over = |f: pb::Expression, fr: &WindowFrame| -> Result<pb::Expression> {
            Ok(window(f, keys.clone(), order.clone(), Some(frame(fr)?)))
        };
        let f = match (product, infinities_missing, spec.arg.as_deref()) {
            (true, _, Some(a)) => call("product", vec![column(a)]),
            (false, true, Some(a)) => {
                let name = match func {
                    AggregateFunction::Sum => "sum",
                    AggregateFunction::Mean => "avg",
                    AggregateFunction::Min => "min",
                    _ => "max",
                };
                let x = column(a);
                let finite = call(
                    "when",
                    vec![
                        infinite(x.clone())?,
                        literal(&ScalarValue::Float64(None))?,
                        x,
                    ],
                );
                call(name, vec![finite])
            }
            _ => {
                let args: Vec<Expr> = spec.arg.iter().map(|a| Expr::Column(a.clone())).collect();
                self.exprs.aggregate_call(&func, &args, schema)?
            }
        };
        let mut value = call_over(f, fr)?;
        if spec.empty_sum_is_zero(sem) {
            value = call(
                "coalesce",
                vec![value, expr::cast(expr::int_lit(0)?, spec.output)?],
            );
        }
        // An integer column's running sum is never infinite: no Kahan NaN to add.
        if float_arg && spec.kahan_running_sum(sem) {
            let x = column(spec.arg.as_deref().unwrap_or_default());
            let before = call_over(
                call("sum", vec![x]),
                &WindowFrame {
                    rows: true,
                    start: FrameBound::UnboundedPreceding,
                    end: FrameBound::Preceding(1),
                },
            )?;
            let not_finite = call(
                "or",
                vec![call("isnan", vec![before.clone()]), infinite(before)?],
            );
            value = call(
                "when",
                vec![
                    not_finite,
                    literal(&ScalarValue::Float64(Some(f64::NAN)))?,
                    value,
                ],
            );
        }
        if spec.keeps_missing_at_its_row(sem) {
            if let Some(a) = spec.arg.as_deref() {
                value = call("when", vec![call("isnotnull", vec![column(a)]), value]);
            }
        }
        // pandas' `between` over a missing order value finds no row: a RANGE frame
        // with an offset is empty there.
        let offsets =
            |b: FrameBound| matches!(b, FrameBound::Preceding(_) | FrameBound::Following(_));
        if pandas && !fr.rows && (offsets(fr.start) || offsets(fr.end)) {
            let key = spec
                .order
                .first()
                .ok_or_else(|| Error::internal("a RANGE offset without an order"))?;
            let empty = match func {
                AggregateFunction::Count | AggregateFunction::CountStar => {
                    expr::cast(expr::int_lit(0)?, spec.output)?
                }
                AggregateFunction::Sum
                    if !product && sem.empty_sum == partita_common::EmptySum::Zero =>
                {
                    expr::cast(expr::int_lit(0)?, spec.output)?
                }
                _ => expr::cast(literal(&ScalarValue::Float64(None))?, spec.output)?,
            };
            value = call(
                "when",
                vec![call("isnull", vec![column(&key.column)]), empty, value],
            );
        }
        Ok(value)
    }
}

/// A frame as Spark's: a ROWS offset is an INT, a RANGE offset a BIGINT (the
/// order key's type is widened to it).
fn frame(fr: &WindowFrame) -> Result<pb::expression::window::WindowFrame> {
    use pb::expression::window::window_frame::{
        frame_boundary::Boundary, FrameBoundary, FrameType,
    };
    let offset = |n: i64| -> Result<pb::Expression> {
        if fr.rows {
            let n = i32::try_from(n).map_err(|_| {
                Error::NotImplemented(format!("a ROWS offset of {n} is beyond Spark's INT"))
            })?;
            literal(&ScalarValue::Int32(Some(n)))
        } else {
            literal(&ScalarValue::Int64(Some(n)))
        }
    };
    let bound = |b: &FrameBound| -> Result<FrameBoundary> {
        Ok(FrameBoundary {
            boundary: Some(match b {
                FrameBound::UnboundedPreceding | FrameBound::UnboundedFollowing => {
                    Boundary::Unbounded(true)
                }
                FrameBound::CurrentRow => Boundary::CurrentRow(true),
                FrameBound::Preceding(n) => Boundary::Value(Box::new(offset(-(*n as i64))?)),
                FrameBound::Following(n) => Boundary::Value(Box::new(offset(*n as i64)?)),
            }),
        })
    };
    Ok(pb::expression::window::WindowFrame {
        frame_type: if fr.rows {
            FrameType::Row
        } else {
            FrameType::Range
        } as i32,
        lower: Some(Box::new(bound(&fr.start)?)),
        upper: Some(Box::new(bound(&fr.end)?)),
    })
}

/// The input of `node` when `node` can run in Partita over the rows Spark returns
/// for that input: a projection (row by row, over rows Spark has already
/// reduced) or a type decision's note. A plan whose top nodes Spark cannot
/// express in the session's semantics (Python's text of a float, a zoned time
/// stamp truncated in its zone) runs on Spark up to them, and they run here.
/// Anything else (a scan, a filter, an aggregate, a Rust closure) is never moved.
pub fn finished_locally(node: &LogicalPlan) -> Option<&LogicalPlan> {
    match node {
        LogicalPlan::Projection(p) => Some(&p.input),
        LogicalPlan::MapPartitions(m)
            if m.func.as_any().downcast_ref::<MissingNote>().is_some() =>
        {
            Some(&m.input)
        }
        _ => None,
    }
}

fn window(
    f: pb::Expression,
    partition: Vec<pb::Expression>,
    order: Vec<pb::expression::SortOrder>,
    frame: Option<pb::expression::window::WindowFrame>,
) -> pb::Expression {
    pb::Expression {
        common: None,
        expr_type: Some(pb::expression::ExprType::Window(Box::new(
            pb::expression::Window {
                window_function: Some(Box::new(f)),
                partition_spec: partition,
                order_spec: order,
                frame_spec: frame.map(Box::new),
            },
        ))),
    }
}

fn project(input: pb::Relation, exprs: Vec<pb::Expression>) -> pb::Relation {
    rel(RelType::Project(Box::new(pb::Project {
        input: boxed(input),
        expressions: exprs,
    })))
}

fn sort(input: pb::Relation, keys: &[SortKey]) -> pb::Relation {
    rel(RelType::Sort(Box::new(pb::Sort {
        input: boxed(input),
        order: keys.iter().map(expr::sort_order).collect(),
        is_global: Some(true),
    })))
}

fn limit(input: pb::Relation, n: usize) -> pb::Relation {
    // Spark's limit is a 32-bit count; a larger one keeps every row Spark can return.
    match i32::try_from(n) {
        Ok(n) => rel(RelType::Limit(Box::new(pb::Limit {
            input: boxed(input),
            limit: n,
        }))),
        Err(_) => input,
    }
}

fn read(
    format: &str,
    paths: Vec<&std::path::Path>,
    schema: &Schema,
    options: Vec<(String, String)>,
) -> Result<pb::Relation> {
    let paths = paths
        .into_iter()
        .map(|p| {
            std::path::absolute(p)
                .map(|a| a.to_string_lossy().to_string())
                .map_err(|e| Error::Io(format!("{}: {e}", p.display())))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(rel(RelType::Read(pb::Read {
        is_streaming: false,
        read_type: Some(pb::read::ReadType::DataSource(pb::read::DataSource {
            format: Some(format.to_string()),
            schema: Some(ddl_schema(schema)?),
            options: options.into_iter().collect(),
            paths,
            predicates: vec![],
            source_name: None,
        })),
    })))
}

/// The schema as Spark's DDL text (`` `a` bigint, `b` string ``).
pub fn ddl_schema(schema: &Schema) -> Result<String> {
    Ok(schema
        .fields()
        .iter()
        .map(|f| {
            Ok(format!(
                "{} {}",
                expr::quote(&f.name),
                expr::type_name(f.data_type)?
            ))
        })
        .collect::<Result<Vec<_>>>()?
        .join(", "))
}

/// A column name not among `names`.
fn hidden_name(names: &[String], base: &str) -> String {
    let mut name = format!("__partita_{base}");
    while names.contains(&name) {
        name.push('_');
    }
    name
}

/// The relation tree as indented text, one node a line (for `EXPLAIN`).
pub fn display(r: &pb::Relation) -> String {
    let mut out = String::new();
    show(r, 0, &mut out);
    out
}

fn show(r: &pb::Relation, depth: usize, out: &mut String) {
    use std::fmt::Write;
    let pad = "  ".repeat(depth);
    let exprs = |es: &[pb::Expression]| es.iter().map(expr::show).collect::<Vec<_>>().join(", ");
    let (line, inputs): (String, Vec<&pb::Relation>) = match &r.rel_type {
        Some(RelType::Read(read)) => match &read.read_type {
            Some(pb::read::ReadType::DataSource(d)) => (
                format!(
                    "Read {} [{}] schema: {}",
                    d.format.as_deref().unwrap_or("?"),
                    d.paths.join(", "),
                    d.schema.as_deref().unwrap_or("")
                ),
                vec![],
            ),
            _ => ("Read".into(), vec![]),
        },
        Some(RelType::LocalRelation(l)) => (
            format!(
                "LocalRelation ({} bytes of Arrow IPC)",
                l.data.as_ref().map(|d| d.len()).unwrap_or(0)
            ),
            vec![],
        ),
        Some(RelType::Range(_)) => ("Range (one row)".into(), vec![]),
        Some(RelType::Project(p)) => (
            format!("Project {}", exprs(&p.expressions)),
            p.input.iter().map(|b| &**b).collect(),
        ),
        Some(RelType::Filter(f)) => (
            format!(
                "Filter {}",
                f.condition.as_ref().map(expr::show).unwrap_or_default()
            ),
            f.input.iter().map(|b| &**b).collect(),
        ),
        Some(RelType::Aggregate(a)) => (
            format!(
                "Aggregate keys: [{}] values: [{}]",
                exprs(&a.grouping_expressions),
                exprs(&a.aggregate_expressions)
            ),
            a.input.iter().map(|b| &**b).collect(),
        ),
        Some(RelType::Sort(s)) => (
            format!(
                "Sort {}",
                s.order
                    .iter()
                    .map(expr::show_order)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            s.input.iter().map(|b| &**b).collect(),
        ),
        Some(RelType::Limit(l)) => (
            format!("Limit {}", l.limit),
            l.input.iter().map(|b| &**b).collect(),
        ),
        Some(RelType::Offset(o)) => (
            format!("Offset {}", o.offset),
            o.input.iter().map(|b| &**b).collect(),
        ),
        Some(RelType::Deduplicate(d)) => (
            "Deduplicate all columns".into(),
            d.input.iter().map(|b| &**b).collect(),
        ),
        Some(RelType::Join(j)) => (
            format!(
                "Join {:?} on {}",
                pb::join::JoinType::try_from(j.join_type)
                    .unwrap_or(pb::join::JoinType::Unspecified),
                j.join_condition
                    .as_ref()
                    .map(expr::show)
                    .unwrap_or_default()
            ),
            j.left.iter().chain(j.right.iter()).map(|b| &**b).collect(),
        ),
        Some(RelType::SetOp(s)) => (
            "Union all".into(),
            s.left_input
                .iter()
                .chain(s.right_input.iter())
                .map(|b| &**b)
                .collect(),
        ),
        _ => ("(other relation)".into(), vec![]),
    };
    let _ = writeln!(out, "{pad}{line}");
    for i in inputs {
        show(i, depth + 1, out);
    }
}
