//! Result types that pandas decides by the values.
//!
//! pandas' integers cannot hold a missing value, so an operation that leaves one
//! makes its integer column float64 (`merge` filling an unmatched row, `shift`,
//! `str.len()` of a missing text, a global `max` of no rows); where no value comes
//! out missing, the column stays an integer. The plan types such a column before
//! any value is known: float64, since one may be missing. Where that column
//! reaches the result unchanged (through filters, sorts, limits and renames that
//! do not compute with it), this pass lets the values decide, as pandas does:
//!
//! - the node that makes the column (the producer) keeps it exact, an integer
//!   with missing values ([`partita_plan::Projection::keeping_integers`], [`Join`]'s and
//!   [`Window`]'s; a global aggregate is exact already);
//! - a map task after the producer notes, per partition, whether a value of the
//!   column came out missing there (a pandas integer column holds none before);
//! - once the run is over, a result column whose producer saw a missing value
//!   becomes float64 (a global aggregate's also from text or booleans, as
//!   `pd.DataFrame({'a': [nan]})` is), in every partition alike.
//!
//! A column that is computed with before it reaches the result (an argument of
//! arithmetic, an aggregate, a window, a join key) keeps the plan's float64: its
//! type must be known before the values are.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use partita_common::{
    BinaryOperator, DataType, Field, IntWithNulls, Result, Schema, SchemaRef, Semantics,
};
use partita_core::frame::{column, pl_err, to_polars_type};
use partita_core::Partition;
use partita_plan::{Expr, LogicalPlan, MapPartitions, PartitionFunction};

use crate::udf::PartitionFn;

/// A result column whose type the values decide.
#[derive(Debug, Clone)]
pub struct TypeDecision {
    /// The result column.
    pub column: String,
    /// Set when a value of the column came out missing at its producer.
    pub missing: Arc<AtomicBool>,
    /// Its type then (float64).
    pub if_missing: DataType,
    /// Whether the float64 values cannot be made from the integers (pandas' `//`
    /// by zero is ±inf, the integer column holds a missing value there): when one
    /// came out missing, the query runs again with the column as planned.
    pub rerun: bool,
    /// For a time stamp written as text (pandas' `astype(str)`): the shape its
    /// values decide, the column being text in every case.
    pub text: Option<TextShape>,
}

/// The shape pandas gives a whole column of time stamps written as text: the
/// finest fraction any value needs (0, 3, 6 or 9 digits) and whether any value
/// has a time of day (else dates alone).
#[derive(Debug, Clone, Default)]
pub struct TextShape {
    /// The fraction digits.
    pub digits: Arc<std::sync::atomic::AtomicU8>,
    /// Whether a value has a time of day.
    pub time: Arc<AtomicBool>,
}

impl TextShape {
    /// Takes in the time stamps of `s`: once per partition, not per value.
    fn note(&self, s: &partita_core::polars::Series) -> Result<()> {
        if let Some((digits, time)) = partita_core::temporal::timestamp_text_shape(s)? {
            self.digits.fetch_max(digits, Ordering::SeqCst);
            if time {
                self.time.store(true, Ordering::SeqCst);
            }
        }
        Ok(())
    }

    /// The time stamps of `s` as text in the shape noted.
    fn write(&self, s: &partita_core::polars::Series) -> Result<partita_core::polars::Series> {
        partita_core::temporal::timestamp_text(
            s,
            self.time.load(Ordering::SeqCst),
            self.digits.load(Ordering::SeqCst),
        )
    }
}

impl TypeDecision {
    /// Whether a value of the column came out missing at its producer.
    pub fn missing(&self) -> bool {
        self.missing.load(Ordering::SeqCst)
    }

    /// The type the column has in the result, the run being over.
    pub fn decided(&self, planned: DataType) -> DataType {
        if self.text.is_some() {
            return DataType::Utf8;
        }
        if self.missing() {
            self.if_missing
        } else {
            planned
        }
    }
}

/// `plan` with the producers of value-decided result columns kept exact and
/// noted, and the decisions to take once it has run (for [`TaskGraph::decisions`]).
/// Only under pandas' rule for integers with missing values; otherwise the plan
/// as it is.
///
/// It runs on the plan as the user wrote it, before the optimizer: pandas decides
/// a type on the rows its operation saw, so a filter written after the producer
/// must not be pushed below it (the note is a map the optimizer does not move
/// filters past).
///
/// [`TaskGraph::decisions`]: crate::TaskGraph::decisions
///
/// The result columns in `as_planned` keep the plan's type (a run that found a
/// missing value in a column whose decision says `rerun`).
pub fn decide_by_values(
    plan: LogicalPlan,
    sem: &Semantics,
    as_planned: &[String],
) -> Result<(LogicalPlan, Vec<TypeDecision>)> {
    if sem.int_with_nulls != IntWithNulls::Float64 {
        return Ok((plan, vec![]));
    }
    let mut pass = Pass {
        sem,
        decisions: vec![],
    };
    let wanted: Vec<(String, String)> = plan
        .schema()
        .fields()
        .iter()
        .filter(|f| !as_planned.contains(&f.name))
        .map(|f| (f.name.clone(), f.name.clone()))
        .collect();
    let new = pass.walk(&plan, &wanted)?;
    Ok((new.unwrap_or(plan), pass.decisions))
}

struct Pass<'a> {
    sem: &'a Semantics,
    decisions: Vec<TypeDecision>,
}

impl Pass<'_> {
    /// Rewrites `plan` for the columns `wanted` ((name here, name in the result));
    /// None when nothing changed.
    fn walk(
        &mut self,
        plan: &LogicalPlan,
        wanted: &[(String, String)],
    ) -> Result<Option<LogicalPlan>> {
        if wanted.is_empty() {
            return Ok(None);
        }
        let root_of = |name: &str| {
            wanted
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, r)| r.clone())
        };
        match plan {
            LogicalPlan::Projection(p) => {
                let schema = p.input.schema();
                let mut down = vec![];
                let mut made = vec![];
                let mut texts = vec![];
                for e in &p.exprs {
                    let Some(root) = root_of(&e.output_name()) else {
                        continue;
                    };
                    match e.unalias() {
                        Expr::Column(c) => {
                            let c = schema.field(schema.resolve(c, self.sem)?).name.clone();
                            down.push((c, root));
                        }
                        Expr::Cast { implicit: true, .. } => made.push((e.output_name(), root)),
                        // pandas' `//` of integers, float64 for its zero divisors.
                        Expr::Binary {
                            op: BinaryOperator::IntegerDivide,
                            ..
                        } if e.data_type(schema, self.sem)? == DataType::Float64 => {
                            made.push((e.output_name(), root))
                        }
                        // pandas' `astype(str)` of time stamps without a zone: one
                        // shape for the whole column (dates alone when no value has
                        // a time, else the finest fraction any value needs).
                        Expr::Cast {
                            expr,
                            to: DataType::Utf8,
                            implicit: false,
                        } if self.sem.text_format == partita_common::TextFormat::Python
                            && matches!(
                                expr.data_type(schema, self.sem)?,
                                DataType::Timestamp(_, None)
                            ) =>
                        {
                            texts.push(e.output_name());
                            made.push((e.output_name(), root))
                        }
                        _ => {}
                    }
                }
                let input = self.walk(&p.input, &down)?;
                if made.is_empty() {
                    return self.rebuilt(plan, input.map(|i| vec![i]));
                }
                let p = match input {
                    Some(i) => match plan.clone().with_new_inputs(vec![i], self.sem)? {
                        LogicalPlan::Projection(p) => p,
                        _ => unreachable!("a projection rebuilt is a projection"),
                    },
                    None => p.clone(),
                };
                let names: Vec<String> = made
                    .iter()
                    .map(|(n, _)| n.clone())
                    .filter(|n| !texts.contains(n))
                    .collect();
                let (p, changed, rerun) = p.keeping_integers(&names, self.sem);
                let (p, texts) = p.keeping_timestamps(&texts, self.sem);
                self.noted(LogicalPlan::Projection(p), &made, &changed, &rerun, &texts)
            }
            // The integers an outer join's filled side or a window made float64.
            LogicalPlan::Join(_) | LogicalPlan::Window(_) => {
                let names: Vec<String> = wanted.iter().map(|(n, _)| n.clone()).collect();
                let (exact, changed) = match plan {
                    LogicalPlan::Join(j) => {
                        let (j, changed) = j.clone().keeping_integers(&names);
                        (LogicalPlan::Join(j), changed)
                    }
                    LogicalPlan::Window(w) => {
                        let (w, changed) = w.clone().keeping_integers(&names);
                        (LogicalPlan::Window(w), changed)
                    }
                    _ => unreachable!("matched a join or a window"),
                };
                if changed.is_empty() {
                    return Ok(None);
                }
                self.noted(exact, wanted, &changed, &[], &[])
            }
            // A global aggregate's result comes out missing over no rows (MIN, MAX,
            // FIRST of none): pandas builds its frame from NaN, a float64.
            LogicalPlan::Aggregate(a) if a.group_exprs.is_empty() => {
                let changed: Vec<String> = a
                    .schema
                    .fields()
                    .iter()
                    // Over no rows any aggregate but a count or a sum is
                    // missing, whatever its input holds.
                    .filter(|f| {
                        (f.data_type.is_integer()
                            || matches!(f.data_type, DataType::Utf8 | DataType::Boolean))
                            && root_of(&f.name).is_some()
                    })
                    .map(|f| f.name.clone())
                    .collect();
                if changed.is_empty() {
                    return Ok(None);
                }
                self.noted(plan.clone(), wanted, &changed, &[], &[])
            }
            LogicalPlan::Filter(f) => {
                let down: Vec<(String, String)> = wanted
                    .iter()
                    .filter(|(n, _)| value_safe(&f.predicate, n))
                    .cloned()
                    .collect();
                let input = self.walk(&f.input, &down)?;
                self.rebuilt(plan, input.map(|i| vec![i]))
            }
            // Nodes that keep their input's columns as they are.
            LogicalPlan::Sort(_)
            | LogicalPlan::Limit(_)
            | LogicalPlan::Distinct(_)
            | LogicalPlan::Repartition(_) => {
                let input = self.walk(plan.inputs()[0], wanted)?;
                self.rebuilt(plan, input.map(|i| vec![i]))
            }
            _ => Ok(None),
        }
    }

    /// `plan` over its new inputs, if it has any.
    fn rebuilt(
        &self,
        plan: &LogicalPlan,
        inputs: Option<Vec<LogicalPlan>>,
    ) -> Result<Option<LogicalPlan>> {
        inputs
            .map(|i| plan.clone().with_new_inputs(i, self.sem))
            .transpose()
    }

    /// `producer` followed by a map that notes a missing value in each of its
    /// `changed` columns; a decision per column, under its result name.
    fn noted(
        &mut self,
        producer: LogicalPlan,
        wanted: &[(String, String)],
        changed: &[String],
        rerun: &[String],
        texts: &[String],
    ) -> Result<Option<LogicalPlan>> {
        let mut watch = vec![];
        for name in changed {
            let missing = Arc::new(AtomicBool::new(false));
            watch.push((name.clone(), missing.clone()));
            // A column may reach the result under several names (`SELECT uid AS
            // a, uid AS b`): each is decided alike.
            for (_, root) in wanted.iter().filter(|(n, _)| n == name) {
                self.decisions.push(TypeDecision {
                    column: root.clone(),
                    missing: missing.clone(),
                    if_missing: DataType::Float64,
                    rerun: rerun.contains(name),
                    text: None,
                });
            }
        }
        let mut shapes = vec![];
        for name in texts {
            let shape = TextShape::default();
            shapes.push((name.clone(), shape.clone()));
            for (_, root) in wanted.iter().filter(|(n, _)| n == name) {
                self.decisions.push(TypeDecision {
                    column: root.clone(),
                    missing: Arc::default(),
                    if_missing: DataType::Utf8,
                    rerun: false,
                    text: Some(shape.clone()),
                });
            }
        }
        let note = MissingNote {
            columns: watch,
            texts: shapes,
        };
        let schema = (**producer.schema()).clone();
        Ok(Some(LogicalPlan::MapPartitions(MapPartitions::try_new(
            Arc::new(producer),
            Arc::new(note),
            schema,
        )?)))
    }
}

/// The map after a producer: notes whether a value of each of its columns came
/// out missing. The local engine runs it on every partition; the Spark backend
/// asks Spark whether the producer's relation holds a missing value.
#[derive(Debug, Clone)]
pub struct MissingNote {
    /// The producer's columns, each with the flag its decisions read.
    pub columns: Vec<(String, Arc<AtomicBool>)>,
    /// Its time stamps to be written as text, each with its shape.
    pub texts: Vec<(String, TextShape)>,
}

impl MissingNote {
    /// Notes the missing values of `p`.
    pub fn note(&self, p: &Partition) -> Result<()> {
        for (name, missing) in &self.columns {
            if column(p, name)?.null_count() > 0 {
                missing.store(true, Ordering::SeqCst);
            }
        }
        for (name, shape) in &self.texts {
            shape.note(column(p, name)?)?;
        }
        Ok(())
    }

    /// The note as a map over partitions (which returns each one as it is).
    pub fn as_partition_fn(&self) -> PartitionFn {
        let note = self.clone();
        PartitionFn::new(self.name(), move |p: Partition| {
            note.note(&p)?;
            Ok(p)
        })
    }
}

impl PartitionFunction for MissingNote {
    fn name(&self) -> &str {
        "note missing values"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Whether `predicate` gives the same rows whether `name` holds integers or their
/// float64 values: it is only tested for a missing value or compared with a
/// literal that both represent exactly (a float, or an integer within ±2^53).
fn value_safe(predicate: &Expr, name: &str) -> bool {
    let is_col = |e: &Expr| matches!(e, Expr::Column(c) if c == name);
    let exact_literal = |e: &Expr| match e {
        Expr::Literal(v) => {
            v.is_null()
                || v.data_type().is_float()
                || v.as_i128().is_some_and(|i| i.unsigned_abs() <= 1u128 << 53)
        }
        _ => false,
    };
    match predicate {
        e if is_col(e) => false,
        Expr::IsNull(e) | Expr::IsNotNull(e) if is_col(e) => true,
        Expr::Binary { left, op, right }
            if op.is_comparison()
                && *op != BinaryOperator::NullSafeEq
                && ((is_col(left) && exact_literal(right))
                    || (is_col(right) && exact_literal(left))) =>
        {
            true
        }
        e => {
            let mut safe = true;
            let children = e.children();
            if children.is_empty() {
                return true;
            }
            for c in children {
                safe &= value_safe(c, name);
            }
            safe
        }
    }
}

/// `schema` (a plan's, as planned) with the decided columns in their decided
/// types, the run being over.
pub fn decided_schema(schema: &SchemaRef, decisions: &[TypeDecision]) -> SchemaRef {
    if decisions.is_empty() {
        return schema.clone();
    }
    Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| match decisions.iter().find(|d| d.column == f.name) {
                Some(d) => {
                    Field::new(f.name.clone(), d.decided(f.data_type)).with_nullable(f.nullable)
                }
                None => f.clone(),
            })
            .collect(),
    ))
}

/// `df` with each decided column in its decided type.
pub fn apply(decisions: &[TypeDecision], mut df: Partition) -> Result<Partition> {
    for d in decisions {
        if let Some(shape) = &d.text {
            let text = shape.write(column(&df, &d.column)?)?;
            df.replace(&d.column, text.into()).map_err(pl_err)?;
            continue;
        }
        if !d.missing() {
            continue;
        }
        let cast = column(&df, &d.column)?
            .cast(&to_polars_type(d.if_missing))
            .map_err(pl_err)?;
        df.replace(&d.column, cast.into()).map_err(pl_err)?;
    }
    Ok(df)
}
