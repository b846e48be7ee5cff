//! The optimized `LogicalPlan` as a Spark Connect `Relation` tree.
//!
//! Every node keeps the local plan's column names and order, so the rows Spark
//! returns line up with the local schema. Where the session's semantics differ
//! from what Spark does by itself, the difference is spelled out in the relation
//! (a filter, an explicit null ordering, a different function), or the query is
//! refused before anything is sent: never a silently different answer.

use partita_common::{
    AggregateFunction, DataType, Error, FrameBound, GroupOrder, Logic, NullGroupKeys, Result,
    ScalarValue, Schema, Semantics, SortKey, WindowFunction, WindowResults,
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
                // ROW_NUMBER is pandas' cumcount() + 1 over the same order (the
                // set operations' own windows are of it); the other functions are
                // pandas transforms with rules of their own.
                // (a missing order value gets no row number in pandas' rank, so
                // only the set operations' own numbering, over every key, is SQL's).
                let row_numbers_only = w.exprs.iter().all(|r| {
                    r.spec.func == WindowFunction::RowNumber
                        // The set operations' occurrence numbers: a running
                        // COUNT(*) over every column, as SQL counts.
                        || (r.spec.keep_null_keys
                            && r.spec.func == WindowFunction::Aggregate(AggregateFunction::CountStar))
                });
                if self.semantics.window_results == WindowResults::Pandas && !row_numbers_only {
                    return Err(Error::NotImplemented(
                        "window functions cannot run on Spark under window_results = pandas: \
                         pandas' group-wise transforms (rank, cumsum, rolling) treat missing \
                         values and ties otherwise than SQL windows; set window_results = sql \
                         or run the query locally"
                            .into(),
                    ));
                }
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

    fn window_expr(
        &self,
        r: &partita_plan::ResolvedWindow,
        schema: &Schema,
    ) -> Result<pb::Expression> {
        let spec = &r.spec;
        let arg = || -> Result<pb::Expression> {
            spec.arg
                .as_deref()
                .map(column)
                .ok_or_else(|| Error::internal(format!("{} needs a column", spec.func)))
        };
        let int = |n: i64| literal(&ScalarValue::Int32(Some(n as i32)));
        let ignore = |i: Option<bool>| literal(&ScalarValue::Boolean(Some(i.unwrap_or(false))));
        let f = match &spec.func {
            WindowFunction::RowNumber => call("row_number", vec![]),
            WindowFunction::Rank => call("rank", vec![]),
            WindowFunction::DenseRank => call("dense_rank", vec![]),
            WindowFunction::PercentRank => call("percent_rank", vec![]),
            WindowFunction::CumeDist => call("cume_dist", vec![]),
            WindowFunction::Ntile(n) => call("ntile", vec![int(*n)?]),
            WindowFunction::Lag { offset, default } => {
                call("lag", vec![arg()?, int(*offset)?, literal(default)?])
            }
            WindowFunction::Lead { offset, default } => {
                call("lead", vec![arg()?, int(*offset)?, literal(default)?])
            }
            WindowFunction::FirstValue => {
                call("first_value", vec![arg()?, ignore(r.expr.ignore_nulls)?])
            }
            WindowFunction::LastValue => {
                call("last_value", vec![arg()?, ignore(r.expr.ignore_nulls)?])
            }
            WindowFunction::NthValue(n) => call("nth_value", vec![arg()?, int(*n)?]),
            WindowFunction::Aggregate(func) => {
                let args = match func {
                    AggregateFunction::CountStar => vec![],
                    _ => vec![Expr::Column(spec.arg.clone().ok_or_else(|| {
                        Error::internal("a window aggregate needs a column")
                    })?)],
                };
                self.exprs
                    .lower(&Expr::Aggregate { func: *func, args }, schema)?
            }
            WindowFunction::Product => call("product", vec![arg()?]),
            other => {
                return Err(Error::NotImplemented(format!(
                    "the window function {other} (a pandas transform) cannot run on Spark yet"
                )))
            }
        };
        // Without `keep_null_keys`, `null_group_keys = drop` leaves the rows with a
        // missing partition key out of every partition: their results are missing.
        let drop_null_keys = !spec.keep_null_keys
            && !spec.partition_by.is_empty()
            && self.semantics.null_group_keys == NullGroupKeys::Drop;
        let frame = r.expr.frame.as_ref().map(|fr| {
            use pb::expression::window::window_frame::{
                frame_boundary::Boundary, FrameBoundary, FrameType,
            };
            // A ROWS offset is an INT; a RANGE offset a BIGINT (the order key's
            // type is widened to it).
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
                        FrameBound::Preceding(n) => {
                            Boundary::Value(Box::new(offset(-(*n as i64))?))
                        }
                        FrameBound::Following(n) => Boundary::Value(Box::new(offset(*n as i64)?)),
                    }),
                })
            };
            Ok::<_, Error>(pb::expression::window::WindowFrame {
                frame_type: if fr.rows {
                    FrameType::Row
                } else {
                    FrameType::Range
                } as i32,
                lower: Some(Box::new(bound(&fr.start)?)),
                upper: Some(Box::new(bound(&fr.end)?)),
            })
        });
        let frame = frame.transpose()?;
        let mut partition: Vec<pb::Expression> =
            spec.partition_by.iter().map(|k| column(k)).collect();
        // pandas ranks leave a row with a missing order value out (its rank is
        // missing) and number the others among themselves.
        let unranked = if spec.unranked_missing && spec.func == WindowFunction::RowNumber {
            spec.order
                .iter()
                .map(|k| call("isnull", vec![column(&k.column)]))
                .reduce(|a, b| call("or", vec![a, b]))
        } else {
            None
        };
        if let Some(u) = &unranked {
            partition.push(u.clone());
        }
        let ranking = matches!(
            spec.func,
            WindowFunction::Rank
                | WindowFunction::DenseRank
                | WindowFunction::PercentRank
                | WindowFunction::CumeDist
                | WindowFunction::PandasRank { .. }
        );
        if spec.unranked_missing && ranking && !spec.order.is_empty() {
            return Err(Error::NotImplemented(format!(
                "{} leaving missing order values unranked (pandas) cannot run on Spark yet",
                spec.func
            )));
        }
        let over = window(
            f,
            partition,
            spec.order.iter().map(expr::sort_order).collect(),
            frame,
        );
        let over = match unranked {
            Some(u) => call("when", vec![call("not", vec![u]), over]),
            None => over,
        };
        if !drop_null_keys {
            return Ok(over);
        }
        let keyed = spec
            .partition_by
            .iter()
            .map(|k| call("isnotnull", vec![column(k)]))
            .reduce(|a, b| call("and", vec![a, b]))
            .ok_or_else(|| Error::internal("a partition without keys"))?;
        // CASE WHEN keys present THEN f OVER (...) END: missing otherwise.
        Ok(call("when", vec![keyed, over]))
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
