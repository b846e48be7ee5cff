//! The join task: the rows of a join of its left inputs with its right inputs,
//! with the kernels of `partita_core::join`.

use partita_common::{DataType, Result, SchemaRef, Semantics};
use partita_core::frame::{column, concat, conform};
use partita_core::join::{all_pairs, gather, join_rows, matching_pairs, JoinKind, JoinRows};
use partita_core::polars::{DataFrame, Series};
use partita_core::scalar;
use partita_plan::JoinType;

use crate::eval::{mask, PhysicalExpr};

/// What a join task does. Its first `left_inputs` inputs are pieces of the left
/// side, the others pieces of the right side; each side's pieces are concatenated
/// in input order.
#[derive(Debug, Clone)]
pub struct JoinTask {
    /// How rows combine.
    pub join_type: JoinType,
    /// The left key columns.
    pub left_keys: Vec<String>,
    /// The right key columns.
    pub right_keys: Vec<String>,
    /// The type both sides' key `i` are compared in.
    pub key_types: Vec<DataType>,
    /// Per key: missing keys match each other.
    pub null_equal: Vec<bool>,
    /// The conjuncts of a further condition on a pair of rows, over the joined
    /// columns.
    pub filter: Vec<PhysicalExpr>,
    /// How many inputs are pieces of the left side.
    pub left_inputs: usize,
    /// The left side's schema (for a side with no pieces' rows).
    pub left_schema: SchemaRef,
    /// The right side's schema.
    pub right_schema: SchemaRef,
    /// The output schema (a side that rows may come without takes the types the
    /// semantics gives missing values).
    pub schema: SchemaRef,
    /// How the task is planned: `broadcast` (one side whole in every task) or
    /// `partitioned` (both sides hash-split on the keys), for plan text.
    pub strategy: &'static str,
}

impl JoinTask {
    /// One line for the task graph's text.
    pub fn describe(&self) -> String {
        let keys: Vec<String> = self
            .left_keys
            .iter()
            .zip(&self.right_keys)
            .zip(&self.null_equal)
            .map(|((l, r), eq)| format!("{l} {} {r}", if *eq { "<=>" } else { "=" }))
            .collect();
        format!(
            "{} {} join on [{}]",
            self.strategy,
            self.join_type.to_string().to_lowercase(),
            keys.join(", ")
        )
    }
}

/// The key columns of `df`, each in the type the two sides are compared in.
fn keys(
    df: &DataFrame,
    names: &[String],
    types: &[DataType],
    sem: &Semantics,
) -> Result<Vec<Series>> {
    names
        .iter()
        .zip(types)
        .map(|(n, &t)| scalar::cast(column(df, n)?, t, sem))
        .collect()
}

/// Runs a join task on its inputs.
pub fn execute(task: &JoinTask, mut inputs: Vec<DataFrame>, sem: &Semantics) -> Result<DataFrame> {
    let right_pieces = inputs.split_off(task.left_inputs.min(inputs.len()));
    let left = concat(inputs, &task.left_schema)?;
    let right = concat(right_pieces, &task.right_schema)?;
    let (nl, nr) = (left.height(), right.height());
    let lk = || keys(&left, &task.left_keys, &task.key_types, sem);
    let rk = || keys(&right, &task.right_keys, &task.key_types, sem);
    // A right join probes with the right side, so its rows follow the right order.
    let swapped = task.join_type == JoinType::Right;
    let pairs = match task.join_type {
        JoinType::Cross => all_pairs(nl, nr),
        JoinType::Right => {
            let (r, l) = matching_pairs(&rk()?, &lk()?, &task.null_equal)?;
            (l, r)
        }
        _ => matching_pairs(&lk()?, &rk()?, &task.null_equal)?,
    };
    let keep = if task.filter.is_empty() {
        None
    } else {
        let candidates = JoinRows {
            left: pairs.0.iter().map(|&i| Some(i)).collect(),
            right: pairs.1.iter().map(|&i| Some(i)).collect(),
        };
        let joined = gather(&left, &right, &candidates, true)?;
        let m = mask(&task.filter, &joined, sem)?;
        Some(m.iter().map(|v| v == Some(true)).collect::<Vec<bool>>())
    };
    let kind = match task.join_type {
        JoinType::Inner | JoinType::Cross => JoinKind::Inner,
        JoinType::Left | JoinType::Right => JoinKind::Left,
        JoinType::Full => JoinKind::Full,
        JoinType::LeftSemi => JoinKind::LeftSemi,
        JoinType::LeftAnti => JoinKind::LeftAnti,
    };
    let rows = if swapped {
        let (l, r) = pairs;
        let probe = join_rows((r, l), keep.as_deref(), nr, nl, kind);
        JoinRows {
            left: probe.right,
            right: probe.left,
        }
    } else {
        join_rows(pairs, keep.as_deref(), nl, nr, kind)
    };
    let out = gather(&left, &right, &rows, task.join_type.keeps_right_columns())?;
    conform(out, &task.schema, sem)
}
