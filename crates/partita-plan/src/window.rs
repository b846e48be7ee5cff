//! Window functions: [`Window`] adds one column per [`WindowExpr`], each computed
//! over the rows of its partition (rows of equal `PARTITION BY` keys) in the order
//! of its `ORDER BY`, within its frame.
//!
//! What a window gives depends on the semantics' `window_results` switch: SQL's
//! windows (Spark) or pandas' group-wise transforms (`rank`, `cumsum`, `shift`,
//! `transform`); see [`WindowResults`].

use std::fmt;
use std::sync::Arc;

use partita_common::{
    AggregateFunction, DataType, Error, Field, FrameBound, Result, Schema, SchemaRef, Semantics,
    SortKey, WindowFrame, WindowFunction, WindowResults, WindowSpec,
};

use crate::expr::{col, common_type, Expr};
use crate::plan::{check_unique_names, LogicalPlan, SortExpr};

/// One window column: a function of an input column over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowExpr {
    /// The function.
    pub func: WindowFunction,
    /// Its input column (none for ranks and `COUNT(*)`).
    pub arg: Option<String>,
    /// The partition keys (columns of the input).
    pub partition_by: Vec<String>,
    /// Missing partition keys form a partition, whatever the semantics'
    /// `null_group_keys` says.
    pub keep_null_keys: bool,
    /// The order within a partition (none: the rows' order, as pandas'
    /// transforms take it; SQL asks for one for ranks and offsets).
    pub order_by: Vec<SortExpr>,
    /// The frame (`None`: the default, [`WindowFrame::default_for`]).
    pub frame: Option<WindowFrame>,
    /// `IGNORE NULLS` (`Some(true)`) or `RESPECT NULLS` for `FIRST_VALUE` and
    /// `LAST_VALUE`; `None`: as the semantics' `first_last_nulls` says.
    pub ignore_nulls: Option<bool>,
    /// The output column's name.
    pub name: String,
}

impl fmt::Display for WindowExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.func, self.arg.as_deref().unwrap_or(""))?;
        let mut over = vec![];
        if !self.partition_by.is_empty() {
            over.push(format!("PARTITION BY {}", self.partition_by.join(", ")));
        }
        if !self.order_by.is_empty() {
            let o: Vec<String> = self
                .order_by
                .iter()
                .map(|s| format!("{}{}", s.column, if s.descending { " DESC" } else { "" }))
                .collect();
            over.push(format!("ORDER BY {}", o.join(", ")));
        }
        if let Some(fr) = &self.frame {
            over.push(fr.to_string());
        }
        write!(f, " OVER ({}) AS {}", over.join(" "), self.name)
    }
}

/// A window call whose argument and keys may be any expressions (the SQL planner's
/// and the Rust API's form): [`LogicalPlanBuilder::window_calls`] computes the
/// expressions that are not plain columns first.
///
/// [`LogicalPlanBuilder::window_calls`]: crate::LogicalPlanBuilder::window_calls
#[derive(Debug, Clone, PartialEq)]
pub struct WindowCall {
    /// The function.
    pub func: WindowFunction,
    /// Its argument.
    pub arg: Option<Expr>,
    /// The partition keys.
    pub partition_by: Vec<Expr>,
    /// The order: (key, descending, where missing values go).
    pub order_by: Vec<(Expr, bool, partita_common::NullPlacement)>,
    /// The frame (`None`: the default).
    pub frame: Option<WindowFrame>,
    /// `IGNORE NULLS` / `RESPECT NULLS` (`None`: as the semantics says).
    pub ignore_nulls: Option<bool>,
    /// The output column's name.
    pub name: String,
}

/// A window expression checked against its input: the expression with exact
/// column names, and what the kernels compute.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedWindow {
    /// The expression, with exact column names.
    pub expr: WindowExpr,
    /// Frame, order and type decided under the semantics.
    pub spec: WindowSpec,
    /// Whether the column may hold missing values: a row number, a rank or a
    /// count is missing only where the semantics leaves rows out (a missing
    /// key or order value under pandas); anything else may be.
    pub nullable: bool,
    /// Under pandas, the integer type the column has when no value comes out
    /// missing (`spec.output` is float64 because one may): pandas decides it by
    /// the values (`shift` of an empty column stays int64).
    pub integer_if_complete: Option<DataType>,
}

/// Adds a column per window expression to the rows of its input, which keep their
/// columns. SQL: `f(..) OVER (..)`; pandas: `groupby(..).rank()`, `cumsum()`,
/// `shift()`, `transform()`.
#[derive(Debug, Clone)]
pub struct Window {
    /// The input.
    pub input: Arc<LogicalPlan>,
    /// The window columns, resolved.
    pub exprs: Vec<ResolvedWindow>,
    /// The output schema: the input's columns, then one per window expression.
    pub schema: SchemaRef,
}

impl Window {
    /// Window columns over `input`'s columns.
    pub fn try_new(
        input: Arc<LogicalPlan>,
        exprs: Vec<WindowExpr>,
        semantics: &Semantics,
    ) -> Result<Self> {
        if exprs.is_empty() {
            return Err(Error::plan(
                "a window node needs at least one window expression",
            ));
        }
        let schema = input.schema().clone();
        let exact = |n: &str| -> Result<String> {
            Ok(schema.field(schema.resolve(n, semantics)?).name.clone())
        };
        let mut resolved = vec![];
        for mut e in exprs {
            e.partition_by = e
                .partition_by
                .iter()
                .map(|n| exact(n))
                .collect::<Result<_>>()?;
            for o in &mut e.order_by {
                o.column = exact(&o.column)?;
            }
            e.arg = e.arg.as_deref().map(exact).transpose()?;
            resolved.push(resolve(e, &schema, semantics)?);
        }
        let mut fields = schema.fields().to_vec();
        fields.extend(
            resolved
                .iter()
                .map(|r| Field::new(r.expr.name.clone(), r.spec.output).with_nullable(r.nullable)),
        );
        check_unique_names(&fields)?;
        Ok(Window {
            input,
            exprs: resolved,
            schema: Arc::new(Schema::new(fields)),
        })
    }
}

impl Window {
    /// The window with its columns among `names` that pandas' rule made float64
    /// because a value may come out missing ([`ResolvedWindow::integer_if_complete`])
    /// kept as integers; returns it and the columns that changed. Their values
    /// then decide their type.
    pub fn keeping_integers(mut self, names: &[String]) -> (Window, Vec<String>) {
        let mut types = vec![];
        for r in &mut self.exprs {
            if let Some(t) = r
                .integer_if_complete
                .filter(|_| names.contains(&r.expr.name))
            {
                r.spec.output = t;
                r.integer_if_complete = None;
                types.push((r.expr.name.clone(), t));
            }
        }
        self.schema = crate::plan::retyped(&self.schema, &types);
        (self, types.into_iter().map(|(n, _)| n).collect())
    }
}

/// Checks one window expression and decides its frame, order and type.
fn resolve(e: WindowExpr, schema: &Schema, sem: &Semantics) -> Result<ResolvedWindow> {
    let what = || format!("{}", e.func);
    let arg_type = match &e.arg {
        Some(a) => Some(schema.field(schema.resolve(a, sem)?).data_type),
        None => None,
    };
    let needs_arg = !e.func.is_ranking()
        && !matches!(
            e.func,
            WindowFunction::Aggregate(AggregateFunction::CountStar)
        );
    if needs_arg && arg_type.is_none() {
        return Err(Error::plan(format!("{} needs an argument", what())));
    }
    if (e.func.is_ranking() || e.func.is_offset()) && e.frame.is_some() {
        return Err(Error::analysis(
            "_LEGACY_ERROR_TEMP_1036",
            format!("window function {} takes no frame (ROWS or RANGE)", what()),
        ));
    }
    match &e.func {
        WindowFunction::Ntile(n) | WindowFunction::NthValue(n) if *n <= 0 => {
            return Err(Error::plan(format!(
                "{}: the count must be positive",
                what()
            )))
        }
        WindowFunction::Lag { offset, .. } | WindowFunction::Lead { offset, .. } if *offset < 0 => {
            return Err(Error::plan(format!(
                "{}: the offset must not be negative",
                what()
            )))
        }
        _ => {}
    }
    let pandas = sem.window_results == WindowResults::Pandas;
    let value_fn = matches!(
        e.func,
        WindowFunction::FirstValue | WindowFunction::LastValue | WindowFunction::NthValue(_)
    );
    // pandas' `transform('first')`, `nth`: the whole partition, whatever the order.
    let frame = match e.frame {
        _ if pandas && value_fn => WindowFrame::WHOLE,
        Some(f) => f,
        None => WindowFrame::default_for(!e.order_by.is_empty(), sem),
    };
    if !frame.rows {
        let offset =
            |b: FrameBound| matches!(b, FrameBound::Preceding(_) | FrameBound::Following(_));
        if (offset(frame.start) || offset(frame.end)) && e.order_by.len() != 1 {
            return Err(Error::plan(
                "a RANGE frame with an offset needs exactly one ORDER BY key",
            ));
        }
    }
    // pandas ranks (ROW_NUMBER, RANK, ... are its `rank`) an ordered categorical in
    // its categories' order; an unordered one by its text over the whole frame,
    // and not at all within groups (TypeError: Cannot perform rank with
    // non-ordered Categorical). NTILE and running aggregates follow the sort.
    let pandas_rank = e.func.leaves_missing_unranked();
    let order: Vec<SortKey> = e
        .order_by
        .iter()
        .map(|o| {
            let mut categories =
                sem.sort_categories(schema.field(schema.resolve(&o.column, sem)?).data_type);
            if let Some(c) = categories.filter(|c| pandas_rank && !c.ordered()) {
                if !e.partition_by.is_empty() {
                    return Err(Error::analysis(
                        "DATATYPE_MISMATCH.INVALID_ORDERING_TYPE",
                        format!(
                            "{} ranks the unordered categorical '{}' {c:?} within groups, which pandas does not allow (TypeError: Cannot perform rank with non-ordered Categorical); CAST it AS string to rank it as text",
                            what(),
                            o.column
                        ),
                    ));
                }
                categories = None;
            }
            Ok(SortKey {
                column: o.column.clone(),
                descending: o.descending,
                nulls_last: o.nulls_last(sem),
                categories,
            })
        })
        .collect::<Result<_>>()?;
    let output = match &e.func {
        // pandas' `rank` is float64; NTILE comes from `cumcount`, an integer.
        WindowFunction::RowNumber | WindowFunction::Rank | WindowFunction::DenseRank => {
            if pandas {
                DataType::Float64
            } else {
                DataType::Int32
            }
        }
        WindowFunction::Ntile(_) => {
            if pandas {
                DataType::Int64
            } else {
                DataType::Int32
            }
        }
        WindowFunction::PercentRank
        | WindowFunction::CumeDist
        | WindowFunction::PandasRank { .. } => DataType::Float64,
        WindowFunction::Lag { default, .. } | WindowFunction::Lead { default, .. } => {
            let t = arg_type.expect("checked above");
            let d = default.data_type();
            let t = if d == DataType::Null {
                t
            } else {
                common_type(t, d).map_err(|why| {
                    Error::plan(format!(
                        "{}: the default does not fit the column: {why}",
                        what()
                    ))
                })?
            };
            t
        }
        WindowFunction::FirstValue | WindowFunction::LastValue | WindowFunction::NthValue(_) => {
            arg_type.expect("checked above")
        }
        // pandas' cumprod keeps integers; Spark's product is a DOUBLE.
        WindowFunction::Product => match arg_type.expect("checked above") {
            t if pandas && t.is_integer() => DataType::Int64,
            t if t.is_numeric() => DataType::Float64,
            t => {
                return Err(Error::plan(format!(
                    "product over a window needs numbers, not {t}"
                )))
            }
        },
        WindowFunction::Aggregate(func) => {
            let whole = frame.start == FrameBound::UnboundedPreceding
                && frame.end == FrameBound::UnboundedFollowing;
            let running = matches!(
                func,
                AggregateFunction::CountStar
                    | AggregateFunction::Count
                    | AggregateFunction::Sum
                    | AggregateFunction::Mean
                    | AggregateFunction::Min
                    | AggregateFunction::Max
            );
            if matches!(func, AggregateFunction::Min | AggregateFunction::Max) {
                if let Some(DataType::Categorical(c)) =
                    arg_type.filter(|t| matches!(t, DataType::Categorical(c) if c.ordered()))
                {
                    return Err(Error::NotImplemented(format!(
                        "{} of the ordered categorical {c:?} over a window (by the categories' order in pandas) is not supported yet; CAST it AS string to take it by text",
                        what()
                    )));
                }
            }
            if func.arity() > 1 || (!whole && !running) {
                return Err(Error::plan(format!(
                    "{} over a window {} is not supported yet (COUNT, SUM, AVG, MIN and MAX are; other aggregates over the whole partition)",
                    what(),
                    frame
                )));
            }
            let args = e.arg.iter().map(|a| col(a.clone())).collect();
            Expr::Aggregate { func: *func, args }.data_type(schema, sem)?
        }
    };
    // Where pandas leaves a missing value (a missing partition key, a missing value
    // kept at its row, a shift without a fill), an integer result is float64.
    let nullable = |c: &str| {
        schema
            .fields()
            .iter()
            .find(|f| f.name == c)
            .is_none_or(|f| f.nullable)
    };
    let unranked_missing = match e.func {
        WindowFunction::PandasRank { keep_missing, .. } => keep_missing,
        _ => {
            pandas
                && e.order_by
                    .iter()
                    .all(|o| o.nulls == partita_common::NullPlacement::Default)
        }
    };
    let keys_missing = !e.keep_null_keys
        && sem.null_group_keys == partita_common::NullGroupKeys::Drop
        && e.partition_by.iter().any(|k| nullable(k));
    let arg_missing = e.arg.as_deref().is_some_and(nullable);
    // A frame of rows that is neither a running nor a whole-partition one: what
    // pandas computes with `rolling`.
    let rolling = frame.rows
        && !(frame.start == FrameBound::UnboundedPreceding
            && matches!(
                frame.end,
                FrameBound::CurrentRow | FrameBound::UnboundedFollowing
            ));
    let may_miss = match &e.func {
        WindowFunction::Lag { default, .. } | WindowFunction::Lead { default, .. } => {
            default.is_null()
        }
        WindowFunction::RowNumber | WindowFunction::Rank | WindowFunction::DenseRank => {
            keys_missing || (unranked_missing && e.order_by.iter().any(|o| nullable(&o.column)))
        }
        WindowFunction::Aggregate(AggregateFunction::Count | AggregateFunction::CountStar) => {
            keys_missing
        }
        // pandas' rolling aggregates are float64 whatever they count.
        WindowFunction::Aggregate(_) if rolling => true,
        _ => keys_missing || arg_missing,
    };
    let nullable = match &e.func {
        WindowFunction::RowNumber
        | WindowFunction::Rank
        | WindowFunction::DenseRank
        | WindowFunction::Aggregate(AggregateFunction::Count | AggregateFunction::CountStar) => {
            may_miss
        }
        _ => true,
    };
    let (output, integer_if_complete) = if pandas && output.is_integer() && may_miss {
        // A rolling aggregate is float64 whatever its values, and so is a
        // `shift` by some rows of a whole column (a grouped one keeps int64 when
        // nothing comes out missing).
        let always = match &e.func {
            WindowFunction::Aggregate(_) => rolling,
            WindowFunction::Lag { offset, .. } | WindowFunction::Lead { offset, .. } => {
                e.partition_by.is_empty() && *offset != 0
            }
            _ => false,
        };
        (DataType::Float64, (!always).then_some(output))
    } else {
        (output, None)
    };
    let ignore_nulls = e
        .ignore_nulls
        .unwrap_or(sem.first_last_nulls == partita_common::FirstLastNulls::Skip);
    Ok(ResolvedWindow {
        spec: WindowSpec {
            unranked_missing,
            ignore_nulls,
            func: e.func.clone(),
            arg: e.arg.clone(),
            partition_by: e.partition_by.clone(),
            keep_null_keys: e.keep_null_keys,
            order,
            frame,
            output,
        },
        expr: e,
        nullable,
        integer_if_complete,
    })
}
