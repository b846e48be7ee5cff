//! The semantic diff: one query under pandas' and Spark's semantics, the rows
//! that differ, and the switches responsible — the smallest set that, flipped
//! from pandas' value to Spark's one at a time, turns pandas' answer into
//! Spark's. What a porting project runs to learn what changes, and why.
//!
//! ```
//! use partita::prelude::*;
//! use partita::{semantic_diff, SqlContext};
//! let run = |sem: Semantics| -> Result<Table> {
//!     let session = Session::new().with_semantics(sem);
//!     let t = session.from_columns([Column::new("k", [None, Some("a"), Some("a")]), Column::new("v", [1i64, 2, 3])], 2)?;
//!     let mut ctx = SqlContext::new(session);
//!     ctx.register("t", t);
//!     ctx.sql("SELECT k, SUM(v) AS s FROM t GROUP BY k")?.collect()
//! };
//! let diff = semantic_diff(None, &run);
//! assert!(diff.differs);
//! assert_eq!(diff.switches, ["null_group_keys"]); // Spark keeps the null group
//! ```

use std::cmp::Ordering;

use partita_common::{temporal, Reference, Result, ScalarValue, Semantics};

use crate::table::Table;

/// A result value as the diff compares it: numbers by value (an integer equals
/// the same float), text, booleans; dates, timestamps and decimals as the
/// engine of the side's semantics prints them.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A missing value (and NaN where the semantics treats it as missing).
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Num(f64),
    /// Text (and dates, timestamps, decimals).
    Str(String),
}

impl Cell {
    /// The cell of `v` under `semantics`.
    pub fn of(v: &ScalarValue, semantics: &Semantics) -> Cell {
        let pandas_zones = semantics.time_zones == Semantics::pandas().time_zones;
        match v {
            v if v.is_null() => Cell::Null,
            ScalarValue::Boolean(Some(b)) => Cell::Bool(*b),
            ScalarValue::Float64(Some(x)) if x.is_nan() && semantics.nan_is_missing() => Cell::Null,
            ScalarValue::Float64(Some(x)) => Cell::Num(*x),
            ScalarValue::Float32(Some(x)) => Cell::Num(*x as f64),
            ScalarValue::Utf8(Some(s)) => Cell::Str(s.clone()),
            ScalarValue::Date(Some(d)) => Cell::Str(temporal::format_date(*d)),
            ScalarValue::Timestamp(Some(t), unit, zone) => Cell::Str(
                temporal::format_timestamp_with(*t, *unit, *zone, pandas_zones),
            ),
            ScalarValue::Decimal(Some(v), _, scale) => {
                Cell::Num(*v as f64 / 10f64.powi(i32::from(*scale)))
            }
            ScalarValue::Duration(Some(d), unit) => Cell::Num(
                temporal::convert_ticks(*d, *unit, partita_common::TimeUnit::Microsecond)
                    .unwrap_or(0) as f64,
            ),
            v => v.as_i128().map_or(Cell::Null, |i| Cell::Num(i as f64)),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Cell::Null => 0,
            Cell::Bool(_) => 1,
            Cell::Num(_) => 2,
            Cell::Str(_) => 3,
        }
    }

    /// A total order, to line rows up before comparing them.
    fn order(&self, other: &Cell) -> Ordering {
        match (self, other) {
            (Cell::Bool(a), Cell::Bool(b)) => a.cmp(b),
            (Cell::Num(a), Cell::Num(b)) => a.total_cmp(b),
            (Cell::Str(a), Cell::Str(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }

    /// Equal values: numbers within a relative 1e-9 (sums in another order),
    /// NaN equal to NaN.
    pub fn same(&self, other: &Cell) -> bool {
        match (self, other) {
            (Cell::Num(x), Cell::Num(y)) => {
                if x.is_nan() || y.is_nan() {
                    return x.is_nan() && y.is_nan();
                }
                x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-3)
            }
            (a, b) => a == b,
        }
    }

    /// The cell as text.
    pub fn text(&self) -> String {
        match self {
            Cell::Null => "null".into(),
            Cell::Bool(b) => b.to_string(),
            Cell::Num(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", *x as i64),
            Cell::Num(x) => crate::format_value(&ScalarValue::Float64(Some(*x))),
            Cell::Str(s) => format!("'{s}'"),
        }
    }
}

/// The rows of `table` as cells under `semantics`.
pub fn cells(table: &Table, semantics: &Semantics) -> Result<Vec<Vec<Cell>>> {
    table
        .iter_rows()
        .map(|row| Ok(row?.iter().map(|v| Cell::of(v, semantics)).collect()))
        .collect()
}

fn sorted(rows: &[Vec<Cell>]) -> Vec<Vec<Cell>> {
    let mut rows = rows.to_vec();
    rows.sort_by(|a, b| {
        a.iter()
            .zip(b)
            .map(|(x, y)| x.order(y))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
    rows
}

fn same_row(a: &[Cell], b: &[Cell]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
}

fn same_bag(a: &[Vec<Cell>], b: &[Vec<Cell>]) -> bool {
    a.len() == b.len()
        && sorted(a)
            .iter()
            .zip(&sorted(b))
            .all(|(x, y)| same_row(x, y))
}

/// Whether two results hold the same rows: in the same order of the columns at
/// `order` (rows of equal order values in any order), or in any order without
/// one.
pub fn same_rows(a: &[Vec<Cell>], b: &[Vec<Cell>], order: Option<&[usize]>) -> bool {
    let Some(order) = order.filter(|o| !o.is_empty()) else {
        return same_bag(a, b);
    };
    if a.len() != b.len() {
        return false;
    }
    // Runs of equal order values, compared run by run.
    let key = |r: &Vec<Cell>| -> Vec<Cell> {
        order
            .iter()
            .map(|&i| r.get(i).cloned().unwrap_or(Cell::Null))
            .collect()
    };
    let mut start = 0;
    while start < a.len() {
        let k = key(&a[start]);
        let mut end = start + 1;
        while end < a.len() && same_row(&key(&a[end]), &k) {
            end += 1;
        }
        if !(start..end).all(|i| same_row(&key(&b[i]), &k))
            || !same_bag(&a[start..end], &b[start..end])
        {
            return false;
        }
        start = end;
    }
    true
}

/// Rows of `a` with no equal row in `b` (each row of `b` matched once).
pub fn rows_not_in(a: &[Vec<Cell>], b: &[Vec<Cell>]) -> Vec<Vec<Cell>> {
    let mut unmatched: Vec<&Vec<Cell>> = b.iter().collect();
    a.iter()
        .filter(|r| match unmatched.iter().position(|u| same_row(r, u)) {
            Some(i) => {
                unmatched.swap_remove(i);
                false
            }
            None => true,
        })
        .cloned()
        .collect()
}

/// One query's answers under both presets, what differs, and why.
#[derive(Debug)]
pub struct SemanticDiff {
    /// The answer under pandas' semantics.
    pub pandas: Result<Table>,
    /// The answer under Spark's semantics.
    pub spark: Result<Table>,
    /// Whether the answers differ (columns, rows, or one fails).
    pub differs: bool,
    /// Rows only pandas' answer has.
    pub only_pandas: Vec<Vec<Cell>>,
    /// Rows only Spark's answer has.
    pub only_spark: Vec<Vec<Cell>>,
    /// The switches responsible (empty when the answers agree): flipped from
    /// pandas' value to Spark's, they turn pandas' answer into Spark's, and none
    /// of them can be left out.
    pub switches: Vec<String>,
    /// Why no switches are named although the answers differ, if so.
    pub unexplained: Option<String>,
}

/// The column types of `t`, a timestamp's zone left out (Spark's TIMESTAMP
/// has none: the zone is how pandas shows the instant).
fn types(t: &Table) -> Vec<partita_common::DataType> {
    t.schema()
        .fields()
        .iter()
        .map(|f| match f.data_type {
            partita_common::DataType::Timestamp(unit, _) => {
                partita_common::DataType::Timestamp(unit, None)
            }
            other => other,
        })
        .collect()
}

/// Same answer: both fail (with `strict`, with the same class), or the same
/// column names and rows (with `strict`, the same column types too).
fn same_answer(
    a: &Result<Table>,
    a_sem: &Semantics,
    b: &Result<Table>,
    b_sem: &Semantics,
    order: Option<&[String]>,
    strict: bool,
) -> Result<bool> {
    match (a, b) {
        // Both fail: the same answer for a porting user, and, for the switches
        // (`strict`), the same error.
        (Err(x), Err(y)) => Ok(!strict || x.class(Reference::Spark) == y.class(Reference::Spark)),
        (Ok(x), Ok(y)) => {
            if x.column_names() != y.column_names() {
                return Ok(false);
            }
            if strict && types(x) != types(y) {
                return Ok(false);
            }
            let positions: Option<Vec<usize>> = order.map(|names| {
                names
                    .iter()
                    .filter_map(|n| {
                        let n = partita_common::shown_name(n);
                        x.column_names().iter().position(|c| *c == n)
                    })
                    .collect()
            });
            // Under `strict` the values themselves: both sides read as Spark
            // shows values (NaN apart from null, timestamps by their instant), so
            // a switch that only changes how pandas prints a value is not needed.
            let spark = Semantics::spark();
            let (a_sem, b_sem) = if strict {
                (&spark, &spark)
            } else {
                (a_sem, b_sem)
            };
            Ok(same_rows(
                &cells(x, a_sem)?,
                &cells(y, b_sem)?,
                positions.as_deref(),
            ))
        }
        _ => Ok(false),
    }
}

/// Runs a query (through `run`, which builds its tables and the query under the
/// semantics it is given) under pandas' and Spark's presets and compares the
/// answers: rows in any order, or, with `order` (the output columns a top-level
/// `ORDER BY` sorts by), in that order. When they differ, finds the switches
/// responsible by re-running under pandas' semantics with switches flipped to
/// Spark's values: starting from all of them, each is left out while the answer
/// stays Spark's (column types included), until none can be.
pub fn semantic_diff(
    order: Option<&[String]>,
    run: &dyn Fn(Semantics) -> Result<Table>,
) -> SemanticDiff {
    let (ps, ss) = (Semantics::pandas(), Semantics::spark());
    let pandas = run(ps);
    let spark = run(ss);
    let differs = !same_answer(&pandas, &ps, &spark, &ss, order, false).unwrap_or(false);
    let (mut only_pandas, mut only_spark) = (vec![], vec![]);
    if let (Ok(p), Ok(s)) = (&pandas, &spark) {
        if let (Ok(pc), Ok(sc)) = (cells(p, &ps), cells(s, &ss)) {
            only_pandas = rows_not_in(&pc, &sc);
            only_spark = rows_not_in(&sc, &pc);
        }
    }
    let mut diff = SemanticDiff {
        pandas,
        spark,
        differs,
        only_pandas,
        only_spark,
        switches: vec![],
        unexplained: None,
    };
    if !differs {
        return diff;
    }
    let flippable: Vec<&'static str> = ps
        .switches()
        .into_iter()
        .zip(ss.switches())
        .filter(|((_, a), (_, b))| a != b)
        .map(|((name, _), _)| name)
        .collect();
    let with = |set: &[&'static str]| -> Result<Semantics> {
        let mut sem = ps;
        for s in set {
            sem.set(s, "spark")?;
        }
        Ok(sem)
    };
    let gives_spark = |set: &[&'static str]| -> Result<bool> {
        let sem = with(set)?;
        same_answer(&run(sem), &sem, &diff.spark, &ss, order, true)
    };
    let mut set = flippable.clone();
    match gives_spark(&set) {
        Ok(true) => {}
        Ok(false) => {
            diff.unexplained =
                Some("flipping every switch to Spark's value does not give Spark's answer".into());
            return diff;
        }
        Err(e) => {
            diff.unexplained = Some(e.to_string());
            return diff;
        }
    }
    loop {
        let mut changed = false;
        for s in set.clone() {
            let without: Vec<&'static str> = set.iter().copied().filter(|x| *x != s).collect();
            if matches!(gives_spark(&without), Ok(true)) {
                set = without;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    diff.switches = set.into_iter().map(String::from).collect();
    diff
}

impl SemanticDiff {
    /// The report: both answers' differing rows side by side and the switches
    /// with their two values.
    pub fn report(&self) -> String {
        let mut out = String::new();
        if !self.differs {
            match (&self.pandas, &self.spark) {
                (Err(p), Err(s)) => out.push_str(&format!(
                    "both fail, so they agree.\npandas: {p}\nspark:  {s}\n"
                )),
                _ => out.push_str("pandas and Spark agree.\n"),
            }
            return out;
        }
        let answer = |r: &Result<Table>| match r {
            Ok(t) => format!(
                "{} row{}, columns {}",
                t.height(),
                if t.height() == 1 { "" } else { "s" },
                t.column_names().join(", ")
            ),
            Err(e) => format!("error: {e}"),
        };
        out.push_str(&format!(
            "pandas: {}\nspark:  {}\n",
            answer(&self.pandas),
            answer(&self.spark)
        ));
        if self.pandas.is_ok() && self.spark.is_ok() {
            let line = |r: &Vec<Cell>| r.iter().map(Cell::text).collect::<Vec<_>>().join(", ");
            let left: Vec<String> = self
                .only_pandas
                .iter()
                .map(|r| format!("({})", line(r)))
                .collect();
            let right: Vec<String> = self
                .only_spark
                .iter()
                .map(|r| format!("({})", line(r)))
                .collect();
            let width = left
                .iter()
                .map(|l| l.chars().count())
                .max()
                .unwrap_or(0)
                .max("only under pandas".len());
            if left.is_empty() && right.is_empty() {
                out.push_str("the same rows, in another order or with other column types\n");
            } else {
                out.push_str(&format!(
                    "{:<width$} | only under spark\n",
                    "only under pandas"
                ));
                for i in 0..left.len().max(right.len()) {
                    let l = left.get(i).map(String::as_str).unwrap_or("");
                    let r = right.get(i).map(String::as_str).unwrap_or("");
                    out.push_str(&format!("{l:<width$} | {r}\n"));
                }
            }
        }
        match (&self.unexplained, self.switches.is_empty()) {
            (Some(why), _) => out.push_str(&format!("switches: not found ({why})\n")),
            (None, true) => out.push_str("switches: none (the answers differ only in order)\n"),
            (None, false) => {
                let (p, s) = (
                    Semantics::pandas().switches(),
                    Semantics::spark().switches(),
                );
                out.push_str("because of:\n");
                for name in &self.switches {
                    let value = |v: &Vec<(&str, String)>| {
                        v.iter()
                            .find(|(n, _)| n == name)
                            .map(|(_, x)| x.clone())
                            .unwrap_or_default()
                    };
                    out.push_str(&format!(
                        "  {name}: pandas {}, spark {}\n",
                        value(&p),
                        value(&s)
                    ));
                }
            }
        }
        out
    }
}

/// The output columns a plan's top-level `ORDER BY` sorts by (through
/// projections that keep them and limits), or `None` when its rows have no
/// order.
pub fn order_columns(plan: &partita_plan::LogicalPlan) -> Option<Vec<String>> {
    use partita_plan::LogicalPlan as P;
    match plan {
        P::Sort(s) => Some(s.keys.iter().map(|k| k.column.clone()).collect()),
        P::Limit(l) => order_columns(&l.input),
        P::Projection(p) => {
            let below = order_columns(&p.input)?;
            // A key keeps its place only where a column passes it through.
            Some(
                below
                    .iter()
                    .filter_map(|k| {
                        p.exprs.iter().find_map(|e| match e.unalias() {
                            partita_plan::Expr::Column(c) if c == k => Some(e.output_name()),
                            _ => None,
                        })
                    })
                    .collect(),
            )
        }
        _ => None,
    }
}
