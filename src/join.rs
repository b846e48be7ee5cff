//! `Frame::join` / `Frame::merge`: pandas' `merge` over the plan's `Join` node.

use std::collections::HashMap;

use partita_common::{DataType, Error, IntWithNulls, JoinNullKeys, NullPlacement, Result};
use partita_plan::{
    coalesce, col, lit, lit_null, when, Expr, JoinKey, JoinType, LogicalPlan, LogicalPlanBuilder,
    SortExpr,
};

use crate::frame::{key_names, Frame, IntoKeys};

/// How [`Frame::join`] combines two frames, in pandas' `merge` terms.
///
/// ```
/// use partita::prelude::*;
/// let spec = JoinSpec::left().on(["k"]).suffixes("_l", "_r");
/// assert_eq!(spec.how(), JoinType::Left);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a JoinSpec does nothing until Frame::join takes it"]
pub struct JoinSpec {
    how: JoinType,
    left_on: Vec<Expr>,
    right_on: Vec<Expr>,
    suffixes: (String, String),
    null_equal: Option<bool>,
    sort: bool,
    indicator: Option<String>,
}

impl JoinSpec {
    fn new(how: JoinType) -> Self {
        JoinSpec {
            how,
            left_on: vec![],
            right_on: vec![],
            suffixes: ("_x".into(), "_y".into()),
            null_equal: None,
            sort: false,
            indicator: None,
        }
    }

    /// Rows whose keys match (`how='inner'`).
    pub fn inner() -> Self {
        Self::new(JoinType::Inner)
    }

    /// Every left row (`how='left'`).
    pub fn left() -> Self {
        Self::new(JoinType::Left)
    }

    /// Every right row (`how='right'`).
    pub fn right() -> Self {
        Self::new(JoinType::Right)
    }

    /// Every row of both frames (`how='outer'`, SQL `FULL OUTER JOIN`).
    pub fn outer() -> Self {
        Self::new(JoinType::Full)
    }

    /// The left rows that have a match, with the left columns only (SQL
    /// `LEFT SEMI JOIN`, pandas `df[df.k.isin(other.k)]`).
    pub fn semi() -> Self {
        Self::new(JoinType::LeftSemi)
    }

    /// The left rows that have no match, with the left columns only (SQL
    /// `LEFT ANTI JOIN`, pandas `df[~df.k.isin(other.k)]`).
    pub fn anti() -> Self {
        Self::new(JoinType::LeftAnti)
    }

    /// Every left row with every right row (`how='cross'`).
    pub fn cross() -> Self {
        Self::new(JoinType::Cross)
    }

    /// Key columns of the same names on both sides (`on=`): the output has each
    /// once.
    pub fn on(mut self, keys: impl IntoKeys) -> Self {
        let keys = keys.into_keys();
        self.left_on = keys.clone();
        self.right_on = keys;
        self
    }

    /// The left frame's key columns (`left_on=`), paired with [`JoinSpec::right_on`].
    pub fn left_on(mut self, keys: impl IntoKeys) -> Self {
        self.left_on = keys.into_keys();
        self
    }

    /// The right frame's key columns (`right_on=`).
    pub fn right_on(mut self, keys: impl IntoKeys) -> Self {
        self.right_on = keys.into_keys();
        self
    }

    /// What overlapping non-key column names get (`suffixes=`, default `_x`, `_y`).
    pub fn suffixes(mut self, left: &str, right: &str) -> Self {
        self.suffixes = (left.into(), right.into());
        self
    }

    /// Whether missing keys match each other, whatever the semantics'
    /// `join_null_keys` says.
    pub fn null_equal(mut self, matches: bool) -> Self {
        self.null_equal = Some(matches);
        self
    }

    /// Sorts the result by the join keys, ascending, missing keys last (`sort=True`);
    /// rows of equal keys keep their order.
    pub fn sort(mut self, sort: bool) -> Self {
        self.sort = sort;
        self
    }

    /// Adds a text column of this name saying where each row comes from:
    /// `left_only`, `right_only` or `both` (`indicator=True` names it `_merge`).
    /// Not for semi and anti joins, whose rows all come from the left.
    pub fn indicator(mut self, name: impl Into<String>) -> Self {
        self.indicator = Some(name.into());
        self
    }

    /// How rows combine.
    pub fn how(&self) -> JoinType {
        self.how
    }
}

/// The hidden name a right column has inside the join.
fn hidden(name: &str) -> String {
    format!("__right.{name}")
}

/// The hidden marker column of the left side (`indicator`): never missing on a
/// left row; the right side's is `hidden(MARKER)`.
const LEFT_MARKER: &str = "__left.__marker";
const MARKER: &str = "__marker";

impl Frame {
    /// Joins `other` as pandas' `merge` does: the left columns, then the right
    /// ones; a key named the same on both sides (`on`) appears once (for an outer
    /// join, the key of whichever side has the row); other names both frames have
    /// get the suffixes. Missing keys match as the semantics' `join_null_keys` says
    /// (pandas: they match; Spark: never). The other frame runs under this
    /// frame's semantics.
    ///
    /// ```
    /// use partita::prelude::*;
    /// let s = Session::new();
    /// let flights = s.from_columns(vec![
    ///     Column::new("carrier", ["AA", "UA", "AA", "XX"]),
    ///     Column::new("delay", [5i64, 7, 1, 3]),
    /// ], 2).unwrap();
    /// let airlines = s.from_columns(vec![
    ///     Column::new("carrier", ["AA", "UA"]),
    ///     Column::new("name", ["American", "United"]),
    /// ], 1).unwrap();
    /// let out = flights.join(airlines, JoinSpec::left().on("carrier")).collect().unwrap();
    /// assert_eq!(out.column_names(), ["carrier", "delay", "name"]);
    /// assert_eq!(out.height(), 4);
    /// ```
    pub fn join(self, other: Frame, spec: JoinSpec) -> Frame {
        let right = self.plan_of(other);
        self.then("join", move |b| {
            let right = right?;
            if spec.left_on.len() != spec.right_on.len() {
                return Err(Error::plan(format!(
                    "join: {} left key(s) for {} right key(s)",
                    spec.left_on.len(),
                    spec.right_on.len()
                )));
            }
            if spec.how != JoinType::Cross && spec.left_on.is_empty() {
                return Err(Error::plan(
                    "join: name the keys with on(..) or left_on(..) and right_on(..)",
                ));
            }
            let sem = *b.semantics();
            let (ls, rs) = (b.schema().clone(), right.schema().clone());
            let exact = |s: &partita_common::Schema, k: &str| -> Result<String> {
                Ok(s.field(s.resolve(k, &sem)?).name.clone())
            };
            let left_keys = key_names("join", &spec.left_on)?
                .iter()
                .map(|k| exact(&ls, k))
                .collect::<Result<Vec<_>>>()?;
            let right_keys = key_names("join", &spec.right_on)?
                .iter()
                .map(|k| exact(&rs, k))
                .collect::<Result<Vec<_>>>()?;
            if spec.indicator.is_some() && !spec.how.keeps_right_columns() {
                return Err(Error::plan(format!(
                    "join: indicator is for joins that keep both sides' columns, not {}",
                    spec.how
                )));
            }
            let marker = |b: LogicalPlanBuilder, name: &str| -> Result<LogicalPlanBuilder> {
                if spec.indicator.is_none() {
                    return Ok(b);
                }
                let mut exprs: Vec<Expr> = b.schema().names().iter().map(|n| col(*n)).collect();
                exprs.push(lit(true).alias(name));
                b.project(exprs)
            };
            // The right side under hidden names, so no name clashes in the join.
            let right = LogicalPlanBuilder::new(right, sem)
                .project(rs.names().iter().map(|n| col(*n).alias(hidden(n))))?;
            let right = marker(right, &hidden(MARKER))?.build();
            let b = marker(b, LEFT_MARKER)?;
            let null_equal = spec
                .null_equal
                .unwrap_or(sem.join_null_keys == JoinNullKeys::Match);
            let keys = left_keys
                .iter()
                .zip(&right_keys)
                .map(|(l, r)| JoinKey {
                    left: l.clone(),
                    right: hidden(r),
                    null_equal,
                })
                .collect();
            let joined = b.join(right, spec.how, keys, None)?;
            // A key of one name on both sides appears once, at the left's place.
            let shared: Vec<&String> = left_keys
                .iter()
                .zip(&right_keys)
                .filter(|(l, r)| l == r)
                .map(|(l, _)| l)
                .collect();
            let mut out: Vec<Expr> = vec![];
            // Each left key's output name (`sort`).
            let mut key_names: HashMap<String, String> = HashMap::new();
            for n in ls.names() {
                let name = n.to_string();
                let clashes = rs.names().contains(&n);
                out.push(if shared.contains(&&name) {
                    match spec.how {
                        JoinType::Right => col(hidden(&name)).alias(name),
                        JoinType::Full => {
                            coalesce(vec![col(name.clone()), col(hidden(&name))]).alias(name)
                        }
                        _ => col(name),
                    }
                } else if clashes && spec.how.keeps_right_columns() {
                    col(name.clone()).alias(format!("{name}{}", spec.suffixes.0))
                } else {
                    col(name)
                });
                if left_keys.iter().any(|k| k == n) {
                    key_names.insert(
                        n.to_string(),
                        out.last().expect("just pushed").output_name(),
                    );
                }
            }
            if spec.how.keeps_right_columns() {
                for n in rs.names() {
                    let name = n.to_string();
                    if shared.contains(&&name) {
                        continue;
                    }
                    let out_name = if ls.names().contains(&n) {
                        format!("{name}{}", spec.suffixes.1)
                    } else {
                        name.clone()
                    };
                    out.push(col(hidden(&name)).alias(out_name));
                }
            }
            if let Some(name) = &spec.indicator {
                out.push(
                    when(col(LEFT_MARKER).is_null())
                        .then(lit("right_only"))
                        .when(col(hidden(MARKER)).is_null())
                        .then(lit("left_only"))
                        .otherwise(lit("both"))
                        .alias(name.clone()),
                );
            }
            let projected = joined.project(out)?;
            if !spec.sort {
                return Ok(projected);
            }
            let by: Vec<SortExpr> = left_keys
                .iter()
                .map(|k| SortExpr::new(key_names[k].clone(), false, NullPlacement::Last))
                .collect();
            projected.sort(by, None)
        })
    }

    /// The rows of this frame, then those of `other` (SQL `UNION ALL`): columns match
    /// by position and take this frame's names; each column's type is the common
    /// type of the two (integers and floats meet as floats).
    pub fn union_all(self, other: Frame) -> Frame {
        let other = self.plan_of(other);
        self.then("union_all", move |b| b.union(vec![other?]))
    }

    /// Rows of this frame or `other`, each once (SQL `UNION`).
    pub fn union(self, other: Frame) -> Frame {
        self.union_all(other).distinct()
    }

    /// The distinct rows of this frame that are also rows of `other` (SQL
    /// `INTERSECT`): columns match by position, missing values equal each other.
    pub fn intersect(self, other: Frame) -> Frame {
        let other = self.plan_of(other);
        self.then("intersect", move |b| b.intersect(other?))
    }

    /// The distinct rows of this frame that are not rows of `other` (SQL `EXCEPT`):
    /// columns match by position, missing values equal each other.
    pub fn except(self, other: Frame) -> Frame {
        let other = self.plan_of(other);
        self.then("except", move |b| b.except(other?))
    }

    /// The rows of this frame that are also rows of `other`, each as often as both
    /// have it (SQL `INTERSECT ALL`).
    pub fn intersect_all(self, other: Frame) -> Frame {
        let other = self.plan_of(other);
        self.then("intersect_all", move |b| b.intersect_all(other?))
    }

    /// The rows of this frame less those of `other`, each as often as this frame
    /// has it beyond `other`'s count (SQL `EXCEPT ALL`).
    pub fn except_all(self, other: Frame) -> Frame {
        let other = self.plan_of(other);
        self.then("except_all", move |b| b.except_all(other?))
    }

    /// The rows of this frame, then those of each of `others`, with columns matched
    /// by name as pandas' `concat` does: the result has every name any frame has
    /// (in order of first appearance), missing where a frame lacks the column, and
    /// each column's type is the common type of the frames'.
    ///
    /// ```
    /// use partita::prelude::*;
    /// let s = Session::new();
    /// let a = s.from_columns(vec![Column::new("k", ["x"]), Column::new("v", [1i64])], 1).unwrap();
    /// let b = s.from_columns(vec![Column::new("w", [2.5f64]), Column::new("k", ["y"])], 1).unwrap();
    /// let out = a.concat([b]).collect().unwrap();
    /// assert_eq!(out.column_names(), ["k", "v", "w"]);
    /// assert_eq!(out.height(), 2);
    /// ```
    pub fn concat(self, others: impl IntoIterator<Item = Frame>) -> Frame {
        let sem = *self.semantics();
        let others: Result<Vec<LogicalPlan>> =
            others.into_iter().map(|f| self.plan_of(f)).collect();
        self.then("concat", move |b| {
            let others = others?;
            let pandas_ints = sem.int_with_nulls == IntWithNulls::Float64;
            // Every name, in order of first appearance, with the type it first has.
            let mut fields: Vec<(String, DataType)> = vec![];
            for s in std::iter::once(b.schema()).chain(others.iter().map(|p| p.schema())) {
                for f in s.fields() {
                    if !fields.iter().any(|(n, _)| *n == f.name) {
                        fields.push((f.name.clone(), f.data_type));
                    }
                }
            }
            let align = |b: LogicalPlanBuilder| -> Result<LogicalPlanBuilder> {
                let have = b.schema().clone();
                if have.names() == fields.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>() {
                    return Ok(b);
                }
                b.project(fields.iter().map(|(n, t)| {
                    if have.names().contains(&n.as_str()) {
                        col(n.clone())
                    } else if pandas_ints && t.is_integer() {
                        // pandas' concat fills an integer column with NaN: float64.
                        lit_null(DataType::Float64).alias(n.clone())
                    } else {
                        lit_null(*t).alias(n.clone())
                    }
                }))
            };
            let others = others
                .into_iter()
                .map(|p| align(LogicalPlanBuilder::new(p, sem)).map(LogicalPlanBuilder::build))
                .collect::<Result<Vec<_>>>()?;
            let first = align(b)?;
            if others.is_empty() {
                return Ok(first);
            }
            first.union(others)
        })
    }

    /// `other`'s plan under this frame's semantics (the other input of a join or a
    /// set operation runs under the semantics of the frame it joins).
    fn plan_of(&self, other: Frame) -> Result<LogicalPlan> {
        other
            .with_semantics(*self.semantics())
            .logical_plan()
            .cloned()
    }

    /// pandas' name for [`Frame::join`].
    pub fn merge(self, other: Frame, spec: JoinSpec) -> Frame {
        self.join(other, spec)
    }
}
