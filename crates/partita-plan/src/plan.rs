//! The logical plan: validated nodes, each with its output schema.

use std::any::Any;
use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, LazyLock};

use partita_common::{
    DataType, DefaultNullOrder, Error, Field, IntWithNulls, NullPlacement, NumericPromotion,
    Result, Schema, SchemaRef, Semantics, SortKey, TimeZones,
};

use crate::expr::Expr;
use crate::tree::Transformed;
use crate::window::Window;

/// A table the plan can scan. The plan sees only its metadata; `partita-exec` knows
/// the concrete kinds and reads them.
pub trait TableSource: fmt::Debug + Send + Sync {
    /// The columns as stored.
    fn schema(&self) -> SchemaRef;
    /// For each column, whether it holds a missing value somewhere, when known
    /// (decides the pandas "integer with nulls is float64" rule).
    fn columns_with_nulls(&self) -> Option<Vec<bool>>;
    /// How many partitions a scan of this source yields.
    fn partition_count(&self) -> usize;
    /// How many rows it holds, when known without reading them (it decides, for
    /// one, whether a join builds this side whole).
    fn estimated_rows(&self) -> Option<usize> {
        None
    }
    /// One line for plan text, e.g. `memory [2 partitions]`.
    fn describe(&self) -> String;
    /// For downcasting to the concrete source.
    fn as_any(&self) -> &dyn Any;
}

/// User code run on every partition (`map_partitions`). The plan sees only its name.
pub trait PartitionFunction: fmt::Debug + Send + Sync {
    /// A short name for plan text and error messages.
    fn name(&self) -> &str;
    /// For downcasting to the concrete function.
    fn as_any(&self) -> &dyn Any;
}

/// Reads a table. SQL: `FROM t`; pandas: the DataFrame itself.
#[derive(Debug, Clone)]
pub struct Scan {
    /// The table.
    pub source: Arc<dyn TableSource>,
    /// Indices of the source columns that are read, in output order (`None`: all).
    pub projection: Option<Vec<usize>>,
    /// Predicates applied while reading (pushed down from filters), in order.
    pub filters: Vec<Expr>,
    /// The type of every source column as this scan yields it (before projection).
    pub source_schema: SchemaRef,
    /// The output schema.
    pub schema: SchemaRef,
}

/// Keeps the rows where the predicate is true. SQL: `WHERE` / `HAVING`; pandas: `df[mask]`.
#[derive(Debug, Clone)]
pub struct Filter {
    /// The input.
    pub input: Arc<LogicalPlan>,
    /// A boolean expression.
    pub predicate: Expr,
}

/// Computes new columns from each row. SQL: the `SELECT` list; pandas: `df[[..]]`, `assign`.
#[derive(Debug, Clone)]
pub struct Projection {
    /// The input.
    pub input: Arc<LogicalPlan>,
    /// One expression per output column.
    pub exprs: Vec<Expr>,
    /// The output schema.
    pub schema: SchemaRef,
}

/// Groups rows and reduces each group. SQL: `GROUP BY`; pandas: `groupby(..).agg(..)`.
#[derive(Debug, Clone)]
pub struct Aggregate {
    /// The input.
    pub input: Arc<LogicalPlan>,
    /// The key expressions (none: one global group).
    pub group_exprs: Vec<Expr>,
    /// The aggregate expressions, each an aggregate function, possibly aliased.
    pub aggr_exprs: Vec<Expr>,
    /// Keys then aggregates.
    pub schema: SchemaRef,
}

/// One sort key as the user gave it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SortExpr {
    /// The column (resolved to its exact name).
    pub column: String,
    /// Descending order.
    pub descending: bool,
    /// Where missing values go (`Default`: as the semantics says).
    pub nulls: NullPlacement,
}

/// Orders rows. SQL: `ORDER BY`; pandas: `sort_values`. With `fetch`, a top-k.
#[derive(Debug, Clone)]
pub struct Sort {
    /// The input.
    pub input: Arc<LogicalPlan>,
    /// The keys as given.
    pub exprs: Vec<SortExpr>,
    /// The keys with null placement resolved under the plan's semantics.
    pub keys: Vec<SortKey>,
    /// Keep only the first `fetch` rows (top-k).
    pub fetch: Option<usize>,
}

/// Skips and keeps rows in order. SQL: `LIMIT`/`OFFSET`; pandas: `head(n)`, `iloc`.
#[derive(Debug, Clone)]
pub struct Limit {
    /// The input.
    pub input: Arc<LogicalPlan>,
    /// Rows skipped first.
    pub skip: usize,
    /// Rows kept after that (`None`: all).
    pub fetch: Option<usize>,
}

/// Removes duplicate rows (missing values equal each other). SQL: `DISTINCT`;
/// pandas: `drop_duplicates()`.
#[derive(Debug, Clone)]
pub struct Distinct {
    /// The input.
    pub input: Arc<LogicalPlan>,
}

/// Runs user code on every partition. pandas / Dask: `map_partitions`.
#[derive(Debug, Clone)]
pub struct MapPartitions {
    /// The input.
    pub input: Arc<LogicalPlan>,
    /// The function.
    pub func: Arc<dyn PartitionFunction>,
    /// The schema the function promises to return.
    pub schema: SchemaRef,
}

/// Re-splits the rows, in order, into `partitions` partitions of near-equal size.
#[derive(Debug, Clone)]
pub struct Repartition {
    /// The input.
    pub input: Arc<LogicalPlan>,
    /// The new partition count.
    pub partitions: usize,
    /// Hash keys: rows with equal keys land in one partition (empty: the rows are
    /// re-split in order into near-equal partitions).
    pub by: Vec<String>,
}

/// The rows of every input, one input after the other. SQL: `UNION ALL`; pandas:
/// `pd.concat`. The inputs have the same column names and types (the builder casts
/// and renames them by position first).
#[derive(Debug, Clone)]
pub struct Union {
    /// The inputs, in order.
    pub inputs: Vec<Arc<LogicalPlan>>,
    /// The output schema (the first input's, nullable where any input is).
    pub schema: SchemaRef,
}

/// The sides of a set operation have one column count.
pub(crate) fn same_width(a: &Schema, b: &Schema) -> Result<()> {
    if a.len() == b.len() {
        return Ok(());
    }
    Err(Error::plan(format!(
        "the sides of a set operation have {} and {} columns",
        a.len(),
        b.len()
    )))
}

impl Union {
    /// A union of at least two inputs of one shape.
    pub fn try_new(inputs: Vec<Arc<LogicalPlan>>) -> Result<Self> {
        let first = inputs
            .first()
            .ok_or_else(|| Error::plan("a union needs inputs"))?
            .schema()
            .clone();
        let mut fields = first.fields().to_vec();
        for input in &inputs[1..] {
            let s = input.schema();
            same_width(&first, s)?;
            for (f, g) in fields.iter_mut().zip(s.fields()) {
                if f.name != g.name || f.data_type != g.data_type {
                    return Err(Error::internal(format!(
                        "union input column {} {} where {} {} was expected",
                        g.name, g.data_type, f.name, f.data_type
                    )));
                }
                f.nullable |= g.nullable;
            }
        }
        Ok(Union {
            inputs,
            schema: Arc::new(Schema::new(fields)),
        })
    }
}

/// How a join combines the rows of its two inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JoinType {
    /// Pairs of rows whose keys match.
    Inner,
    /// Every left row: with its matches, or once with missing right values.
    Left,
    /// Every right row: with its matches, or once with missing left values.
    Right,
    /// Left and right joins together: every row of both sides at least once.
    Full,
    /// The left rows that have a match, once each (SQL `IN`, `EXISTS`).
    LeftSemi,
    /// The left rows that have no match (SQL `NOT EXISTS`).
    LeftAnti,
    /// Every left row with every right row.
    Cross,
}

impl JoinType {
    /// True when the output has the right side's columns.
    pub fn keeps_right_columns(self) -> bool {
        !matches!(self, JoinType::LeftSemi | JoinType::LeftAnti)
    }
}

impl fmt::Display for JoinType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JoinType::Inner => "Inner",
            JoinType::Left => "Left",
            JoinType::Right => "Right",
            JoinType::Full => "Full",
            JoinType::LeftSemi => "LeftSemi",
            JoinType::LeftAnti => "LeftAnti",
            JoinType::Cross => "Cross",
        })
    }
}

/// One equality of a join: a column of the left input, one of the right input,
/// and whether missing keys match each other.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JoinKey {
    /// The left input's column.
    pub left: String,
    /// The right input's column.
    pub right: String,
    /// Missing keys match each other (pandas' `merge`, SQL `<=>`).
    pub null_equal: bool,
}

/// Combines the rows of two inputs whose keys are equal. SQL: `JOIN`; pandas:
/// `merge`. The output is the left columns, then the right ones (none for a semi or
/// anti join); names must not repeat, so callers rename one side first.
#[derive(Debug, Clone)]
pub struct Join {
    /// The left input.
    pub left: Arc<LogicalPlan>,
    /// The right input.
    pub right: Arc<LogicalPlan>,
    /// How rows combine.
    pub join_type: JoinType,
    /// The equalities (none for a cross join).
    pub on: Vec<JoinKey>,
    /// A further condition a pair of rows must meet (`ON a.k = b.k AND b.w > 1`),
    /// over the output columns.
    pub filter: Option<Expr>,
    /// The output schema.
    pub schema: SchemaRef,
}

impl Join {
    /// The join with the integer columns among `names` that a filled side made
    /// float64 (pandas' `merge`) kept as integers with missing values; returns it
    /// and the columns that changed. Their values then decide their type.
    pub fn keeping_integers(mut self, names: &[String]) -> (Join, Vec<String>) {
        let inputs = [self.left.schema().clone(), self.right.schema().clone()];
        let types: Vec<(String, DataType)> = self
            .schema
            .fields()
            .iter()
            .filter(|f| f.data_type == DataType::Float64 && names.contains(&f.name))
            .filter_map(|f| {
                let t = inputs
                    .iter()
                    .find_map(|s| s.index_of_exact(&f.name).map(|i| s.field(i).data_type))?;
                t.is_integer().then(|| (f.name.clone(), t))
            })
            .collect();
        self.schema = retyped(&self.schema, &types);
        (self, types.into_iter().map(|(n, _)| n).collect())
    }

    /// A join; key columns must exist on their side and compare, and the output
    /// names must be unique.
    pub fn try_new(
        left: Arc<LogicalPlan>,
        right: Arc<LogicalPlan>,
        join_type: JoinType,
        on: Vec<JoinKey>,
        filter: Option<Expr>,
        semantics: &Semantics,
    ) -> Result<Self> {
        let (ls, rs) = (left.schema().clone(), right.schema().clone());
        if join_type == JoinType::Cross && !on.is_empty() {
            return Err(Error::plan("a cross join has no keys"));
        }
        if join_type != JoinType::Cross && on.is_empty() && filter.is_none() {
            return Err(Error::plan(format!(
                "a {join_type} join needs keys or a condition"
            )));
        }
        let on = on
            .into_iter()
            .map(|k| {
                let l = ls.field(ls.resolve(&k.left, semantics)?);
                let r = rs.field(rs.resolve(&k.right, semantics)?);
                crate::expr::common_type(l.data_type, r.data_type).map_err(|why| {
                    Error::plan(format!(
                        "join keys '{}' ({}) and '{}' ({}) cannot be compared: {why}",
                        l.name, l.data_type, r.name, r.data_type
                    ))
                })?;
                Ok(JoinKey {
                    left: l.name.clone(),
                    right: r.name.clone(),
                    null_equal: k.null_equal,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // A side whose rows may come without a match has every column nullable; under
        // the pandas rule its integer columns are float64, as `merge` makes them when
        // it fills a row.
        let pandas_ints = semantics.int_with_nulls == IntWithNulls::Float64;
        let (left_filled, right_filled) = match join_type {
            JoinType::Left => (false, true),
            JoinType::Right => (true, false),
            JoinType::Full => (true, true),
            _ => (false, false),
        };
        let side = |s: &Schema, filled: bool| -> Vec<Field> {
            s.fields()
                .iter()
                .map(|f| match f.data_type {
                    t if filled && pandas_ints && t.is_integer() => {
                        Field::new(f.name.clone(), DataType::Float64).with_nullable(true)
                    }
                    _ if filled => f.clone().with_nullable(true),
                    _ => f.clone(),
                })
                .collect()
        };
        let mut fields = side(&ls, left_filled);
        if join_type.keeps_right_columns() {
            fields.extend(side(&rs, right_filled));
        }
        check_unique_names(&fields)?;
        let schema = Arc::new(Schema::new(fields));
        // The condition sees both sides' columns, whatever the output keeps.
        let pairs = Schema::new(ls.fields().iter().chain(rs.fields()).cloned().collect());
        let filter = match filter {
            None => None,
            Some(f) => {
                let f = f.resolve(&pairs, semantics)?;
                match f.data_type(&pairs, semantics)? {
                    DataType::Boolean | DataType::Null => Some(f),
                    t => {
                        return Err(Error::plan(format!(
                            "join condition '{f}' must be boolean, not {t}"
                        )))
                    }
                }
            }
        };
        Ok(Join {
            left,
            right,
            join_type,
            on,
            filter,
            schema,
        })
    }
}

/// Keeps, in each group of rows with equal `keys`, the first `fetch` rows in the
/// order of `order` (ties keep row order); the groups come out in no given order.
/// pandas: `groupby(k)[c].nlargest(n)`; Spark: `row_number() OVER (PARTITION BY k
/// ORDER BY c DESC) <= n`. Where the semantics drops rows with a missing group key
/// (pandas' `groupby`), they are dropped here too.
#[derive(Debug, Clone)]
pub struct TopKPerGroup {
    /// The input.
    pub input: Arc<LogicalPlan>,
    /// The group key columns (resolved to their exact names).
    pub keys: Vec<String>,
    /// The order within a group, as given.
    pub order: Vec<SortExpr>,
    /// The order with null placement resolved under the plan's semantics.
    pub sort_keys: Vec<SortKey>,
    /// Rows kept per group.
    pub fetch: usize,
}

impl TopKPerGroup {
    /// A per-group top-k over columns of the input.
    pub fn try_new(
        input: Arc<LogicalPlan>,
        keys: Vec<String>,
        order: Vec<SortExpr>,
        fetch: usize,
        semantics: &Semantics,
    ) -> Result<Self> {
        let schema = input.schema();
        let keys = keys
            .iter()
            .map(|k| Ok(schema.field(schema.resolve(k, semantics)?).name.clone()))
            .collect::<Result<Vec<_>>>()?;
        // The order is checked and resolved as a sort's keys are.
        let sort = Sort::try_new(input.clone(), order, None, semantics)?;
        Ok(TopKPerGroup {
            input,
            keys,
            order: sort.exprs,
            sort_keys: sort.keys,
            fetch,
        })
    }
}

/// No columns, and one row or none. SQL: `SELECT` without `FROM` (Spark's
/// `OneRowRelation`).
#[derive(Debug, Clone)]
pub struct EmptyRelation {
    /// One row (`SELECT 1`) rather than none.
    pub produce_one_row: bool,
    /// The output schema (no columns).
    pub schema: SchemaRef,
}

impl EmptyRelation {
    /// No columns and one row (`produce_one_row`) or none.
    pub fn new(produce_one_row: bool) -> Self {
        EmptyRelation {
            produce_one_row,
            schema: Arc::new(Schema::new(vec![])),
        }
    }
}

/// A node of the logical plan.
#[derive(Debug, Clone)]
pub enum LogicalPlan {
    /// See [`EmptyRelation`].
    Empty(EmptyRelation),
    /// See [`Scan`].
    Scan(Scan),
    /// See [`Filter`].
    Filter(Filter),
    /// See [`Projection`].
    Projection(Projection),
    /// See [`Aggregate`].
    Aggregate(Aggregate),
    /// See [`Sort`].
    Sort(Sort),
    /// See [`Limit`].
    Limit(Limit),
    /// See [`Distinct`].
    Distinct(Distinct),
    /// See [`MapPartitions`].
    MapPartitions(MapPartitions),
    /// See [`Repartition`].
    Repartition(Repartition),
    /// See [`TopKPerGroup`].
    TopKPerGroup(TopKPerGroup),
    /// See [`Window`].
    Window(Window),
    /// See [`Join`].
    Join(Join),
    /// See [`Union`].
    Union(Union),
}

pub(crate) fn check_unique_names(fields: &[Field]) -> Result<()> {
    let mut seen = HashSet::new();
    for f in fields {
        if !seen.insert(f.name.as_str()) {
            return Err(Error::plan(format!(
                "duplicate output column name '{}'; give one of them another name with alias()",
                f.name
            )));
        }
    }
    Ok(())
}

/// Resolves an output expression: exact column names inside, and the output keeps
/// the spelling the user wrote (a bare column resolved case-insensitively is aliased).
pub(crate) fn resolve_output(expr: Expr, schema: &Schema, semantics: &Semantics) -> Result<Expr> {
    let written = expr.output_name();
    let resolved = expr.resolve(schema, semantics)?;
    Ok(if resolved.output_name() != written {
        resolved.alias(written)
    } else {
        resolved
    })
}

impl Scan {
    /// A scan of every column of `source`. Under the pandas rule for integers with
    /// missing values, such columns are read as float64.
    pub fn try_new(source: Arc<dyn TableSource>, semantics: &Semantics) -> Result<Self> {
        let stored = source.schema();
        check_unique_names(stored.fields())?;
        let nulls = source.columns_with_nulls();
        let fields = stored
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let has_nulls = nulls.as_ref().map(|n| n[i]).unwrap_or(false);
                let nullable = nulls.as_ref().map(|n| n[i]).unwrap_or(true);
                match f.data_type {
                    t if t.is_integer()
                        && has_nulls
                        && semantics.int_with_nulls == IntWithNulls::Float64 =>
                    {
                        Field::new(f.name.clone(), DataType::Float64)
                    }
                    // Spark has no unsigned types: it reads them one size wider, signed.
                    DataType::UInt8 | DataType::UInt16 | DataType::UInt32
                        if semantics.numeric_promotion == NumericPromotion::Sql =>
                    {
                        let bits = f.data_type.bits().unwrap_or(32);
                        Field::new(f.name.clone(), DataType::signed_of_bits(bits * 2))
                    }
                    // ... and a uint64 as DECIMAL(20,0).
                    DataType::UInt64 if semantics.numeric_promotion == NumericPromotion::Sql => {
                        Field::new(f.name.clone(), DataType::Decimal(20, 0))
                    }
                    // Spark sees a zoned time stamp as an instant in its session zone,
                    // UTC here: the UTC wall time, shown without an offset, as Spark
                    // shows it.
                    DataType::Timestamp(unit, Some(_))
                        if semantics.time_zones == TimeZones::Session =>
                    {
                        Field::new(f.name.clone(), DataType::Timestamp(unit, None))
                    }
                    // Spark has no categorical type: the column is its text.
                    DataType::Categorical(_)
                        if semantics.categoricals == partita_common::Categoricals::Text =>
                    {
                        Field::new(f.name.clone(), DataType::Utf8)
                    }
                    _ => f.clone(),
                }
                .with_nullable(nullable)
            })
            .collect();
        let source_schema = Arc::new(Schema::new(fields));
        Ok(Scan {
            source,
            projection: None,
            filters: vec![],
            schema: source_schema.clone(),
            source_schema,
        })
    }

    /// The same scan reading only `projection` and applying `filters` (over the
    /// source's columns) while reading.
    pub fn with_pushdown(
        mut self,
        projection: Option<Vec<usize>>,
        filters: Vec<Expr>,
        semantics: &Semantics,
    ) -> Result<Self> {
        for f in &filters {
            if f.data_type(&self.source_schema, semantics)? != DataType::Boolean {
                return Err(Error::plan(format!("scan filter '{f}' is not boolean")));
            }
        }
        let fields = match &projection {
            None => self.source_schema.fields().to_vec(),
            Some(p) => p
                .iter()
                .map(|&i| self.source_schema.field(i).clone())
                .collect(),
        };
        self.schema = Arc::new(Schema::new(fields));
        self.projection = projection;
        self.filters = filters;
        Ok(self)
    }
}

impl Filter {
    /// A filter; the predicate must be boolean.
    pub fn try_new(
        input: Arc<LogicalPlan>,
        predicate: Expr,
        semantics: &Semantics,
    ) -> Result<Self> {
        if predicate.contains_aggregate() {
            return Err(Error::plan(format!(
                "aggregate functions are not allowed in a filter ('{predicate}'); filter after the aggregation"
            )));
        }
        let predicate = predicate.resolve(input.schema(), semantics)?;
        match predicate.data_type(input.schema(), semantics)? {
            DataType::Boolean | DataType::Null => Ok(Filter { input, predicate }),
            t => Err(Error::plan(format!(
                "filter predicate '{predicate}' must be boolean, not {t}"
            ))),
        }
    }
}

/// The field an expression makes over `schema`: its name, type and nullability.
fn field_of(e: &Expr, schema: &Schema, semantics: &Semantics) -> Result<Field> {
    Ok(Field::new(e.output_name(), e.data_type(schema, semantics)?)
        .with_nullable(e.nullable(schema, semantics)?))
}

/// Expressions over a row (no aggregate: `aggregate_error` says why), resolved as
/// outputs and typed as pandas types them.
fn resolve_row_exprs(
    exprs: Vec<Expr>,
    schema: &Schema,
    semantics: &Semantics,
    aggregate_error: impl Fn(&Expr) -> String,
) -> Result<Vec<Expr>> {
    exprs
        .into_iter()
        .map(|e| {
            if e.contains_aggregate() {
                return Err(Error::plan(aggregate_error(&e)));
            }
            resolve_output(e, schema, semantics)
                .and_then(|e| e.with_pandas_int_nulls(schema, semantics))
        })
        .collect()
}

/// `schema` with the fields named in `types` given those types (and made
/// nullable): the types a node keeps where pandas lets the values decide.
pub(crate) fn retyped(schema: &Schema, types: &[(String, DataType)]) -> SchemaRef {
    Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| match types.iter().find(|(n, _)| *n == f.name) {
                Some((_, t)) => Field::new(f.name.clone(), *t).with_nullable(true),
                None => f.clone(),
            })
            .collect(),
    ))
}

impl Projection {
    /// The projection with the implicit float64 casts of pandas' rule for integers
    /// that may hold missing values (`Expr::Cast { implicit: true, .. }`) left out
    /// of the output columns `names` that have one; returns it and the columns
    /// that changed. Their values then decide their type (see
    /// `partita_exec`'s late types): the caller notes whether one is missing.
    ///
    /// An integer `DIV` by a column (float64 because pandas' `//` by zero is ±inf)
    /// becomes `DIV NULLIF(divisor, 0)`: its name is also in the third list, of the
    /// columns whose float64 values the integers cannot give back (the query is
    /// run again with them as planned when one comes out missing).
    pub fn keeping_integers(
        mut self,
        names: &[String],
        semantics: &Semantics,
    ) -> (Projection, Vec<String>, Vec<String>) {
        let schema = self.input.schema().clone();
        let integer = |e: &Expr| {
            e.data_type(&schema, semantics)
                .is_ok_and(|t| t.is_integer())
        };
        let mut types = vec![];
        let mut rerun = vec![];
        for e in &mut self.exprs {
            let name = e.output_name();
            if !names.contains(&name) {
                continue;
            }
            let exact = match e.unalias() {
                Expr::Cast {
                    expr,
                    implicit: true,
                    ..
                } => expr.as_ref().clone(),
                Expr::Binary {
                    left,
                    op: partita_common::BinaryOperator::IntegerDivide,
                    right,
                } if integer(left) && integer(right) => {
                    rerun.push(name.clone());
                    crate::expr::integer_divide_or_missing(
                        left.as_ref().clone(),
                        right.as_ref().clone(),
                    )
                }
                _ => continue,
            };
            let Ok(t) = exact.data_type(&schema, semantics) else {
                continue;
            };
            if !t.is_integer() {
                rerun.retain(|n| *n != name);
                continue;
            }
            *e = exact.alias(name.clone());
            types.push((name, t));
        }
        self.schema = retyped(&self.schema, &types);
        let changed = types.into_iter().map(|(n, _)| n).collect();
        (self, changed, rerun)
    }

    /// The projection with the casts of a time stamp without a zone to text among
    /// `names` left out: the column stays a time stamp, for pandas' `astype(str)`
    /// writes a whole column in one shape its values decide (see
    /// `partita_exec::late_types`). Returns it and the columns that changed.
    pub fn keeping_timestamps(
        mut self,
        names: &[String],
        semantics: &Semantics,
    ) -> (Projection, Vec<String>) {
        let schema = self.input.schema().clone();
        let mut types = vec![];
        for e in &mut self.exprs {
            let name = e.output_name();
            if !names.contains(&name) {
                continue;
            }
            if let Expr::Cast {
                expr,
                to: DataType::Utf8,
                ..
            } = e.unalias()
            {
                if let Ok(t @ DataType::Timestamp(_, None)) = expr.data_type(&schema, semantics) {
                    *e = expr.as_ref().clone().alias(name.clone());
                    types.push((name, t));
                }
            }
        }
        self.schema = retyped(&self.schema, &types);
        let changed = types.into_iter().map(|(n, _)| n).collect();
        (self, changed)
    }

    /// A projection; output names must be unique.
    pub fn try_new(
        input: Arc<LogicalPlan>,
        exprs: Vec<Expr>,
        semantics: &Semantics,
    ) -> Result<Self> {
        let schema = input.schema();
        let exprs = resolve_row_exprs(exprs, schema, semantics, |e| {
            format!("aggregate '{e}' in a projection; use groupby().agg() or agg() for aggregates")
        })?;
        let fields = exprs
            .iter()
            .map(|e| field_of(e, schema, semantics))
            .collect::<Result<Vec<_>>>()?;
        check_unique_names(&fields)?;
        Ok(Projection {
            input,
            exprs,
            schema: Arc::new(Schema::new(fields)),
        })
    }
}

impl Aggregate {
    /// An aggregation; every aggregate expression must be an aggregate function.
    pub fn try_new(
        input: Arc<LogicalPlan>,
        group_exprs: Vec<Expr>,
        aggr_exprs: Vec<Expr>,
        semantics: &Semantics,
    ) -> Result<Self> {
        let schema = input.schema();
        let group_exprs = resolve_row_exprs(group_exprs, schema, semantics, |e| {
            format!("aggregate '{e}' cannot be a group key")
        })?;
        let aggr_exprs = aggr_exprs
            .into_iter()
            .map(|e| {
                if !matches!(e.unalias(), Expr::Aggregate { .. }) {
                    return Err(Error::plan(format!(
                        "'{e}' is not an aggregate function; aggregate it (e.g. first(), max()) or group by it"
                    )));
                }
                let e = resolve_output(e, schema, semantics)?;
                // The aggregate's arguments as pandas types them.
                let name = e.output_name();
                let e = match e.unalias().clone() {
                    Expr::Aggregate { func, args } => Expr::Aggregate {
                        func,
                        args: args
                            .into_iter()
                            .map(|a| a.with_pandas_int_nulls(schema, semantics))
                            .collect::<Result<_>>()?,
                    },
                    other => other,
                };
                Ok(if e.output_name() == name { e } else { e.alias(name) })
            })
            .collect::<Result<Vec<_>>>()?;
        let global = group_exprs.is_empty();
        let fields = group_exprs
            .iter()
            .chain(aggr_exprs.iter())
            .map(|e| {
                let f = field_of(e, schema, semantics)?;
                // pandas' `Series.min()` of a categorical is a category, a plain
                // string in the frame built from it (a grouped one keeps the type).
                Ok(match f.data_type {
                    DataType::Categorical(_) if global => {
                        Field::new(f.name.clone(), DataType::Utf8).with_nullable(f.nullable)
                    }
                    _ => f,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        check_unique_names(&fields)?;
        Ok(Aggregate {
            input,
            group_exprs,
            aggr_exprs,
            schema: Arc::new(Schema::new(fields)),
        })
    }

    /// The order of sorted groups (`group_order = sorted_by_key`): each key
    /// ascending, missing values last when `nulls_last`, a categorical key in its
    /// categories' order under the semantics ([`Semantics::sort_categories`]).
    pub fn key_order(&self, semantics: &Semantics, nulls_last: bool) -> Vec<SortKey> {
        self.schema.fields()[..self.group_exprs.len()]
            .iter()
            .map(|f| SortKey {
                column: f.name.clone(),
                descending: false,
                nulls_last,
                categories: semantics.sort_categories(f.data_type),
            })
            .collect()
    }
}

impl SortExpr {
    /// A sort key on a column.
    pub fn new(column: impl Into<String>, descending: bool, nulls: NullPlacement) -> Self {
        SortExpr {
            column: column.into(),
            descending,
            nulls,
        }
    }

    /// Resolves the null placement under the semantics.
    pub fn nulls_last(&self, semantics: &Semantics) -> bool {
        match self.nulls {
            NullPlacement::First => false,
            NullPlacement::Last => true,
            NullPlacement::Default => match semantics.default_null_order {
                DefaultNullOrder::AlwaysLast => true,
                DefaultNullOrder::NullsSmallest => self.descending,
            },
        }
    }
}

impl Sort {
    /// A sort by columns of the input.
    pub fn try_new(
        input: Arc<LogicalPlan>,
        exprs: Vec<SortExpr>,
        fetch: Option<usize>,
        semantics: &Semantics,
    ) -> Result<Self> {
        if exprs.is_empty() {
            return Err(Error::plan("sort needs at least one key"));
        }
        let schema = input.schema();
        let exprs = exprs
            .into_iter()
            .map(|mut e| {
                e.column = schema
                    .field(schema.resolve(&e.column, semantics)?)
                    .name
                    .clone();
                Ok(e)
            })
            .collect::<Result<Vec<_>>>()?;
        let keys = exprs
            .iter()
            .map(|e| {
                Ok(SortKey {
                    column: e.column.clone(),
                    descending: e.descending,
                    nulls_last: e.nulls_last(semantics),
                    categories: semantics.sort_categories(
                        schema
                            .field(schema.resolve(&e.column, semantics)?)
                            .data_type,
                    ),
                })
            })
            .collect::<Result<_>>()?;
        Ok(Sort {
            input,
            exprs,
            keys,
            fetch,
        })
    }
}

impl MapPartitions {
    /// User code with the schema it returns.
    pub fn try_new(
        input: Arc<LogicalPlan>,
        func: Arc<dyn PartitionFunction>,
        schema: Schema,
    ) -> Result<Self> {
        check_unique_names(schema.fields())?;
        Ok(MapPartitions {
            input,
            func,
            schema: Arc::new(schema),
        })
    }
}

impl Repartition {
    /// A repartition, in order, into `partitions` near-equal partitions (at least 1).
    pub fn try_new(input: Arc<LogicalPlan>, partitions: usize) -> Result<Self> {
        Self::try_new_by(input, partitions, vec![])
    }

    /// A repartition into `partitions` by the hash of the `by` columns (in order when
    /// `by` is empty).
    pub fn try_new_by(input: Arc<LogicalPlan>, partitions: usize, by: Vec<String>) -> Result<Self> {
        if partitions == 0 {
            return Err(Error::plan("repartition needs at least 1 partition"));
        }
        for k in &by {
            if input.schema().fields().iter().all(|f| &f.name != k) {
                return Err(Error::plan(format!(
                    "repartition key '{k}' is not a column of {}",
                    input.schema()
                )));
            }
        }
        Ok(Repartition {
            input,
            partitions,
            by,
        })
    }
}

impl LogicalPlan {
    /// The output schema.
    pub fn schema(&self) -> &SchemaRef {
        match self {
            LogicalPlan::Empty(e) => &e.schema,
            LogicalPlan::Scan(s) => &s.schema,
            LogicalPlan::Filter(f) => f.input.schema(),
            LogicalPlan::Projection(p) => &p.schema,
            LogicalPlan::Aggregate(a) => &a.schema,
            LogicalPlan::Sort(s) => s.input.schema(),
            LogicalPlan::Limit(l) => l.input.schema(),
            LogicalPlan::Distinct(d) => d.input.schema(),
            LogicalPlan::MapPartitions(m) => &m.schema,
            LogicalPlan::Repartition(r) => r.input.schema(),
            LogicalPlan::TopKPerGroup(t) => t.input.schema(),
            LogicalPlan::Window(w) => &w.schema,
            LogicalPlan::Join(j) => &j.schema,
            LogicalPlan::Union(u) => &u.schema,
        }
    }

    /// The inputs of this node, in order (none for a leaf).
    pub fn inputs(&self) -> Vec<&LogicalPlan> {
        match self {
            LogicalPlan::Empty(_) | LogicalPlan::Scan(_) => vec![],
            LogicalPlan::Filter(Filter { input, .. })
            | LogicalPlan::Projection(Projection { input, .. })
            | LogicalPlan::Aggregate(Aggregate { input, .. })
            | LogicalPlan::Sort(Sort { input, .. })
            | LogicalPlan::Limit(Limit { input, .. })
            | LogicalPlan::Distinct(Distinct { input })
            | LogicalPlan::MapPartitions(MapPartitions { input, .. })
            | LogicalPlan::Repartition(Repartition { input, .. })
            | LogicalPlan::TopKPerGroup(TopKPerGroup { input, .. })
            | LogicalPlan::Window(Window { input, .. }) => vec![input.as_ref()],
            LogicalPlan::Join(j) => vec![j.left.as_ref(), j.right.as_ref()],
            LogicalPlan::Union(u) => u.inputs.iter().map(|i| i.as_ref()).collect(),
        }
    }

    /// The slots that hold this node's inputs, in the order of [`LogicalPlan::inputs`].
    fn inputs_mut(&mut self) -> Vec<&mut Arc<LogicalPlan>> {
        match self {
            LogicalPlan::Empty(_) | LogicalPlan::Scan(_) => vec![],
            LogicalPlan::Filter(Filter { input, .. })
            | LogicalPlan::Projection(Projection { input, .. })
            | LogicalPlan::Aggregate(Aggregate { input, .. })
            | LogicalPlan::Sort(Sort { input, .. })
            | LogicalPlan::Limit(Limit { input, .. })
            | LogicalPlan::Distinct(Distinct { input })
            | LogicalPlan::MapPartitions(MapPartitions { input, .. })
            | LogicalPlan::Repartition(Repartition { input, .. })
            | LogicalPlan::TopKPerGroup(TopKPerGroup { input, .. })
            | LogicalPlan::Window(Window { input, .. }) => vec![input],
            LogicalPlan::Join(j) => vec![&mut j.left, &mut j.right],
            LogicalPlan::Union(u) => u.inputs.iter_mut().collect(),
        }
    }

    /// The same node over new inputs (one per input, in order), validated and with
    /// its schema recomputed under `semantics`. A scan is rebuilt from its source.
    pub fn with_new_inputs(
        mut self,
        new_inputs: Vec<LogicalPlan>,
        semantics: &Semantics,
    ) -> Result<LogicalPlan> {
        self.set_inputs(new_inputs, false)?;
        self.revalidate(semantics)
    }

    /// The same node over new inputs that have the old ones' schemas, kept as it
    /// was planned: nothing is derived again (types, names, the type decisions'
    /// notes). An input of another schema is an error.
    pub fn with_inputs_as_planned(mut self, new_inputs: Vec<LogicalPlan>) -> Result<LogicalPlan> {
        self.set_inputs(new_inputs, true)?;
        Ok(self)
    }

    /// Puts `new_inputs` in the input slots (one per slot, in order); with
    /// `same_schemas`, each must have the schema of the input it replaces.
    fn set_inputs(&mut self, new_inputs: Vec<LogicalPlan>, same_schemas: bool) -> Result<()> {
        let slots = self.inputs_mut();
        if slots.len() != new_inputs.len() {
            return Err(Error::internal(format!(
                "a plan node with {} inputs was given {}",
                slots.len(),
                new_inputs.len()
            )));
        }
        for (slot, new) in slots.into_iter().zip(new_inputs) {
            if same_schemas && slot.schema() != new.schema() {
                return Err(Error::internal(format!(
                    "an input of schema {} in place of one of {}",
                    new.schema(),
                    slot.schema()
                )));
            }
            *slot = Arc::new(new);
        }
        Ok(())
    }

    /// Builds this node anew from its parts (its inputs may have changed): validated,
    /// with its schema recomputed under `semantics`.
    fn revalidate(self, semantics: &Semantics) -> Result<LogicalPlan> {
        Ok(match self {
            LogicalPlan::Empty(e) => LogicalPlan::Empty(e),
            LogicalPlan::Scan(s) => {
                LogicalPlan::Scan(Scan::try_new(s.source, semantics)?.with_pushdown(
                    s.projection,
                    s.filters,
                    semantics,
                )?)
            }
            LogicalPlan::Filter(f) => {
                LogicalPlan::Filter(Filter::try_new(f.input, f.predicate, semantics)?)
            }
            LogicalPlan::Projection(p) => {
                LogicalPlan::Projection(Projection::try_new(p.input, p.exprs, semantics)?)
            }
            LogicalPlan::Aggregate(a) => LogicalPlan::Aggregate(Aggregate::try_new(
                a.input,
                a.group_exprs,
                a.aggr_exprs,
                semantics,
            )?),
            LogicalPlan::Sort(s) => {
                LogicalPlan::Sort(Sort::try_new(s.input, s.exprs, s.fetch, semantics)?)
            }
            l @ LogicalPlan::Limit(_) => l,
            d @ LogicalPlan::Distinct(_) => d,
            LogicalPlan::MapPartitions(m) => LogicalPlan::MapPartitions(MapPartitions::try_new(
                m.input,
                m.func,
                (*m.schema).clone(),
            )?),
            LogicalPlan::Repartition(r) => {
                LogicalPlan::Repartition(Repartition::try_new_by(r.input, r.partitions, r.by)?)
            }
            LogicalPlan::TopKPerGroup(t) => LogicalPlan::TopKPerGroup(TopKPerGroup::try_new(
                t.input, t.keys, t.order, t.fetch, semantics,
            )?),
            LogicalPlan::Window(w) => LogicalPlan::Window(Window::try_new(
                w.input,
                w.exprs.into_iter().map(|r| r.expr).collect(),
                semantics,
            )?),
            LogicalPlan::Union(u) => LogicalPlan::Union(Union::try_new(u.inputs)?),
            LogicalPlan::Join(j) => LogicalPlan::Join(Join::try_new(
                j.left,
                j.right,
                j.join_type,
                j.on,
                j.filter,
                semantics,
            )?),
        })
    }

    /// Rewrites every input with `f` (given the input's position). The node is
    /// rebuilt and validated only when an input changed; an input that no other
    /// plan shares is moved into `f`, not cloned.
    pub fn map_inputs(
        mut self,
        mut f: impl FnMut(usize, LogicalPlan) -> Result<Transformed<LogicalPlan>>,
        semantics: &Semantics,
    ) -> Result<Transformed<LogicalPlan>> {
        let mut changed = false;
        for (i, slot) in self.inputs_mut().into_iter().enumerate() {
            let input = Arc::unwrap_or_clone(std::mem::replace(slot, placeholder()));
            let t = f(i, input)?;
            changed |= t.transformed;
            *slot = Arc::new(t.data);
        }
        Ok(if changed {
            Transformed::yes(self.revalidate(semantics)?)
        } else {
            Transformed::no(self)
        })
    }

    /// Rebuilds the whole plan bottom-up under `semantics` (types, null placement and
    /// the integer-with-nulls rule can differ between semantics).
    pub fn rebuild(self, semantics: &Semantics) -> Result<LogicalPlan> {
        let node = self
            .map_inputs(
                |_, input| input.rebuild(semantics).map(Transformed::no),
                semantics,
            )?
            .data;
        node.revalidate(semantics)
    }

    /// Rewrites the plan bottom-up: `f` sees each node after its inputs were rewritten.
    pub fn transform_up(
        self,
        f: &mut impl FnMut(LogicalPlan) -> Result<Transformed<LogicalPlan>>,
        semantics: &Semantics,
    ) -> Result<Transformed<LogicalPlan>> {
        let t = self.map_inputs(|_, input| input.transform_up(f, semantics), semantics)?;
        let mut out = f(t.data)?;
        out.transformed |= t.transformed;
        Ok(out)
    }

    /// Rewrites the plan top-down: `f` sees each node before its inputs.
    pub fn transform_down(
        self,
        f: &mut impl FnMut(LogicalPlan) -> Result<Transformed<LogicalPlan>>,
        semantics: &Semantics,
    ) -> Result<Transformed<LogicalPlan>> {
        let t = f(self)?;
        let mut out = t
            .data
            .map_inputs(|_, input| input.transform_down(f, semantics), semantics)?;
        out.transformed |= t.transformed;
        Ok(out)
    }

    /// The stable indented plan text used by `explain`, the REPL and snapshot tests.
    pub fn display_indent(&self) -> String {
        let mut out = String::new();
        self.write_indent(&mut out, 0);
        out
    }

    fn write_indent(&self, out: &mut String, depth: usize) {
        out.push_str(&"  ".repeat(depth));
        out.push_str(&self.describe_node());
        out.push('\n');
        for i in self.inputs() {
            i.write_indent(out, depth + 1);
        }
    }

    /// One line describing this node alone.
    pub fn describe_node(&self) -> String {
        let list = |v: &[Expr]| {
            v.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            LogicalPlan::Empty(e) if e.produce_one_row => "EmptyRelation: one row".to_string(),
            LogicalPlan::Empty(_) => "EmptyRelation: no rows".to_string(),
            LogicalPlan::Scan(s) => {
                let mut line = format!("Scan: {}", s.source.describe());
                if s.projection.is_some() {
                    line.push_str(&format!(" projection=[{}]", s.schema.names().join(", ")));
                }
                if !s.filters.is_empty() {
                    line.push_str(&format!(" filters=[{}]", list(&s.filters)));
                }
                line
            }
            LogicalPlan::Filter(f) => format!("Filter: {}", f.predicate),
            LogicalPlan::Projection(p) => format!("Projection: {}", list(&p.exprs)),
            LogicalPlan::Aggregate(a) => {
                format!(
                    "Aggregate: groupBy=[{}], aggr=[{}]",
                    list(&a.group_exprs),
                    list(&a.aggr_exprs)
                )
            }
            LogicalPlan::Sort(s) => {
                let keys: Vec<String> = s.keys.iter().map(|k| k.to_string()).collect();
                match s.fetch {
                    Some(n) => format!("TopK: k={n}, {}", keys.join(", ")),
                    None => format!("Sort: {}", keys.join(", ")),
                }
            }
            LogicalPlan::Limit(l) => match l.fetch {
                Some(n) => format!("Limit: skip={}, fetch={n}", l.skip),
                None => format!("Limit: skip={}, fetch=all", l.skip),
            },
            LogicalPlan::Distinct(_) => "Distinct".to_string(),
            LogicalPlan::MapPartitions(m) => {
                format!("MapPartitions: {} -> {}", m.func.name(), m.schema)
            }
            LogicalPlan::Union(u) => format!("Union: {} inputs", u.inputs.len()),
            LogicalPlan::Join(j) => {
                let keys: Vec<String> =
                    j.on.iter()
                        .map(|k| {
                            let op = if k.null_equal { "<=>" } else { "=" };
                            format!("{} {op} {}", k.left, k.right)
                        })
                        .collect();
                let mut line = format!("Join: {} on=[{}]", j.join_type, keys.join(", "));
                if let Some(f) = &j.filter {
                    line.push_str(&format!(" filter={f}"));
                }
                line
            }
            LogicalPlan::Window(w) => {
                let e: Vec<String> = w.exprs.iter().map(|r| r.expr.to_string()).collect();
                format!("Window: {}", e.join(", "))
            }
            LogicalPlan::TopKPerGroup(t) => {
                let order: Vec<String> = t.sort_keys.iter().map(|k| k.to_string()).collect();
                format!(
                    "TopKPerGroup: k={}, by=[{}], order=[{}]",
                    t.fetch,
                    t.keys.join(", "),
                    order.join(", ")
                )
            }
            LogicalPlan::Repartition(r) if r.by.is_empty() => {
                format!("Repartition: {} partitions", r.partitions)
            }
            LogicalPlan::Repartition(r) => format!(
                "Repartition: {} partitions by hash({})",
                r.partitions,
                r.by.join(", ")
            ),
        }
    }
}

/// A cheap stand-in that holds an input's slot while [`LogicalPlan::map_inputs`]
/// has the input out; it never stays in a plan.
fn placeholder() -> Arc<LogicalPlan> {
    static PLACEHOLDER: LazyLock<Arc<LogicalPlan>> =
        LazyLock::new(|| Arc::new(LogicalPlan::Empty(EmptyRelation::new(false))));
    PLACEHOLDER.clone()
}

impl fmt::Display for LogicalPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_indent())
    }
}
