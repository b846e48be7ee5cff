//! The join task: the rows of a join of its left inputs with its right inputs,
//! with the kernels of `partita_core::join`.
//!
//! A broadcast join task gets whole rows: its part of the probe side and the whole
//! build side. A partitioned join shuffles only keys: every input part's key
//! columns, with each row's address ([`address`]), are hash-split into the buckets,
//! and the task of a bucket matches its keys, then gathers the rows of its matches
//! from the input parts themselves. The rows are copied once, into the result, and
//! a bucket holds only its keys, however wide the rows are.

use partita_common::{DataType, Error, Field, Result, Schema, SchemaRef, Semantics};
use partita_core::frame::{column, conform, frame_with_height, stack};
use partita_core::join::{
    all_pairs, gather, has_match, join_rows, matching_pairs, JoinKind, JoinRows,
};
use partita_core::polars::{DataFrame, IntoColumn, NamedFrom, Series};
use partita_core::scalar;
use partita_plan::JoinType;

/// The column of row addresses in the key pieces a partitioned join shuffles:
/// `part << 32 | row`.
pub const ROW_ADDRESS: &str = "__row_address";

/// Where the key pieces' rows come from, in a partitioned join task: its inputs
/// are the left key pieces (`left_inputs` of them), the right key pieces, then
/// every part of the left side (`left_parts`) and of the right side
/// (`right_parts`), which the rows are gathered from.
#[derive(Debug, Clone)]
pub struct KeyShuffle {
    /// Parts of the left side.
    pub left_parts: usize,
    /// Parts of the right side.
    pub right_parts: usize,
    /// The left key pieces' schema (keys, then [`ROW_ADDRESS`]).
    pub left_key_schema: SchemaRef,
    /// The right key pieces' schema.
    pub right_key_schema: SchemaRef,
}

impl KeyShuffle {
    /// The schema of a side's key pieces: its keys in the types they compare in,
    /// then the row address.
    pub fn key_schema(names: &[String], types: &[DataType]) -> SchemaRef {
        let mut fields: Vec<Field> = names
            .iter()
            .zip(types)
            .map(|(n, t)| Field::new(n.clone(), *t).with_nullable(true))
            .collect();
        fields.push(Field::new(ROW_ADDRESS, DataType::Int64));
        SchemaRef::new(Schema::new(fields))
    }
}

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
    /// `partitioned` (both sides' keys hash-split), for plan text.
    pub strategy: &'static str,
    /// For a partitioned join: the layout of its inputs.
    pub shuffle: Option<KeyShuffle>,
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

/// The key columns of a partitioned join's input part, in the types they compare
/// in, with each row's address (`part << 32 | row`) in [`ROW_ADDRESS`].
pub fn address(
    df: &DataFrame,
    names: &[String],
    types: &[DataType],
    part: usize,
    sem: &Semantics,
) -> Result<DataFrame> {
    let mut cols = keys(df, names, types, sem)?;
    cols.push(addresses(part, df.height())?);
    frame_with_height(df.height(), cols)
}

/// The addresses of the `rows` rows of part `part` (at most 2^32 rows).
fn addresses(part: usize, rows: usize) -> Result<Series> {
    let rows = i64::try_from(rows)
        .ok()
        .filter(|&h| h <= u32::MAX as i64)
        .ok_or_else(|| {
            Error::NotImplemented(format!(
                "row addresses for a part of {rows} rows (at most 2^32)"
            ))
        })?;
    let base = (part as i64) << 32;
    Ok(Series::new(
        ROW_ADDRESS.into(),
        (0..rows).map(|r| base | r).collect::<Vec<i64>>(),
    ))
}

/// `df` with each row's address (`part << 32 | row`) as the column [`ROW_ADDRESS`].
pub fn with_row_address(mut df: DataFrame, part: usize) -> Result<DataFrame> {
    let address = addresses(part, df.height())?;
    df.with_column(address.into_column())
        .map_err(|e| Error::internal(e.to_string()))?;
    Ok(df)
}

/// One side of a join task: the rows gathered from, their keys, and, when the
/// keys came through a shuffle, the row of `rows` each key row stands for.
struct Side {
    rows: DataFrame,
    keys: Vec<Series>,
    map: Option<Vec<u32>>,
}

impl Side {
    /// Key rows (the local row numbers of the pairs).
    fn len(&self) -> usize {
        self.map.as_ref().map_or(self.rows.height(), Vec::len)
    }

    /// Local row numbers as rows of `rows`.
    fn global(&self, local: Vec<Option<u32>>) -> Vec<Option<u32>> {
        match &self.map {
            None => local,
            Some(m) => local
                .into_iter()
                .map(|i| i.map(|i| m[i as usize]))
                .collect(),
        }
    }
}

/// A side from whole-row pieces (a broadcast join).
fn whole(
    pieces: Vec<DataFrame>,
    schema: &Schema,
    names: &[String],
    task: &JoinTask,
    sem: &Semantics,
) -> Result<Side> {
    // The pieces become chunks of the side, not copied into one: the rows are
    // gathered from them right away.
    let rows = stack(pieces, schema)?;
    let keys = keys(&rows, names, &task.key_types, sem)?;
    Ok(Side {
        rows,
        keys,
        map: None,
    })
}

/// A side from shuffled key pieces and the parts their addresses point into.
fn shuffled(
    pieces: Vec<DataFrame>,
    key_schema: &Schema,
    parts: Vec<DataFrame>,
    schema: &Schema,
    names: &[String],
    task: &JoinTask,
    sem: &Semantics,
) -> Result<Side> {
    let mut offsets = Vec::with_capacity(parts.len());
    let mut total = 0u64;
    for p in &parts {
        offsets.push(total);
        total += p.height() as u64;
    }
    if total > u32::MAX as u64 {
        return Err(Error::NotImplemented(format!(
            "a partitioned join of a side of {total} rows (at most 2^32)"
        )));
    }
    let k = stack(pieces, key_schema)?;
    let map = column(&k, ROW_ADDRESS)?
        .i64()
        .map_err(|e| Error::internal(e.to_string()))?
        .iter()
        .map(|a| {
            let a = a.ok_or_else(|| Error::internal("a missing row address"))? as u64;
            let part = offsets
                .get((a >> 32) as usize)
                .ok_or_else(|| Error::internal("a row address past the parts"))?;
            Ok((part + (a & u32::MAX as u64)) as u32)
        })
        .collect::<Result<Vec<u32>>>()?;
    Ok(Side {
        keys: keys(&k, names, &task.key_types, sem)?,
        rows: stack(parts, schema)?,
        map: Some(map),
    })
}

/// Runs a join task on its inputs.
pub fn execute(task: &JoinTask, mut inputs: Vec<DataFrame>, sem: &Semantics) -> Result<DataFrame> {
    let (left, right) = match &task.shuffle {
        None => {
            let right_pieces = inputs.split_off(task.left_inputs.min(inputs.len()));
            (
                whole(inputs, &task.left_schema, &task.left_keys, task, sem)?,
                whole(
                    right_pieces,
                    &task.right_schema,
                    &task.right_keys,
                    task,
                    sem,
                )?,
            )
        }
        Some(s) => {
            let n = inputs.len();
            if n < task.left_inputs + s.left_parts + s.right_parts {
                return Err(Error::internal("a partitioned join task short of inputs"));
            }
            let right_parts = inputs.split_off(n - s.right_parts);
            let left_parts = inputs.split_off(n - s.right_parts - s.left_parts);
            let right_pieces = inputs.split_off(task.left_inputs);
            let l = shuffled(
                inputs,
                &s.left_key_schema,
                left_parts,
                &task.left_schema,
                &task.left_keys,
                task,
                sem,
            )?;
            let r = shuffled(
                right_pieces,
                &s.right_key_schema,
                right_parts,
                &task.right_schema,
                &task.right_keys,
                task,
                sem,
            )?;
            (l, r)
        }
    };
    let (nl, nr) = (left.len(), right.len());
    // A semi or anti join without a further condition only asks whether a row
    // has a match.
    if matches!(task.join_type, JoinType::LeftSemi | JoinType::LeftAnti) && task.filter.is_empty() {
        let want = task.join_type == JoinType::LeftSemi;
        let matched = has_match(&left.keys, &right.keys, &task.null_equal)?;
        let rows = JoinRows {
            left: left.global(
                (0..nl as u32)
                    .filter(|&l| matched[l as usize] == want)
                    .map(Some)
                    .collect(),
            ),
            right: vec![],
        };
        let out = gather(&left.rows, &right.rows, &rows, false)?;
        return conform(out, &task.schema, sem);
    }
    // A right join probes with the right side, so its rows follow the right order.
    let swapped = task.join_type == JoinType::Right;
    let pairs = match task.join_type {
        JoinType::Cross => all_pairs(nl, nr),
        JoinType::Right => {
            let (r, l) = matching_pairs(&right.keys, &left.keys, &task.null_equal)?;
            (l, r)
        }
        _ => matching_pairs(&left.keys, &right.keys, &task.null_equal)?,
    };
    let keep = if task.filter.is_empty() {
        None
    } else {
        let candidates = JoinRows {
            left: left.global(pairs.0.iter().map(|&i| Some(i)).collect()),
            right: right.global(pairs.1.iter().map(|&i| Some(i)).collect()),
        };
        let joined = gather(&left.rows, &right.rows, &candidates, true)?;
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
    let rows = JoinRows {
        left: left.global(rows.left),
        right: right.global(rows.right),
    };
    let out = gather(
        &left.rows,
        &right.rows,
        &rows,
        task.join_type.keeps_right_columns(),
    )?;
    conform(out, &task.schema, sem)
}
