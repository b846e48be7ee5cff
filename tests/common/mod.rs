//! Test support: loads recorded compatibility cases (tests/compat/cases), builds
//! their tables as partitioned frames, and compares results by the rules of
//! tests/compat/FORMAT.md.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

use partita::prelude::*;
use partita::{value_at, ScalarValue};
use serde_json::Value;

/// A recorded case.
pub struct Case {
    pub id: String,
    pub json: Value,
}

pub fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/compat/cases")
}

pub fn load_case(id: &str) -> Case {
    let path = cases_dir().join(format!("{id}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Case {
        id: id.to_string(),
        json: serde_json::from_str(&text).expect("case JSON"),
    }
}

fn float_of(v: &Value) -> Option<f64> {
    match v {
        Value::Null => None,
        Value::String(s) if s == "NaN" => Some(f64::NAN),
        Value::String(s) if s == "inf" => Some(f64::INFINITY),
        Value::String(s) if s == "-inf" => Some(f64::NEG_INFINITY),
        Value::Number(n) => n.as_f64(),
        other => panic!("not a float: {other}"),
    }
}

/// The columns of one case table as series.
pub fn table_columns(table: &Value) -> Vec<Series> {
    let columns = table["columns"].as_array().expect("columns");
    let rows = table["rows"].as_array().expect("rows");
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let name = c["name"].as_str().unwrap();
            let cells = rows.iter().map(|r| &r[i]);
            match c["type"].as_str().unwrap() {
                "i64" => Series::new(name.into(), cells.map(|v| v.as_i64()).collect::<Vec<_>>()),
                "f64" => Series::new(name.into(), cells.map(float_of).collect::<Vec<_>>()),
                "str" => Series::new(
                    name.into(),
                    cells
                        .map(|v| v.as_str().map(String::from))
                        .collect::<Vec<_>>(),
                ),
                "bool" => Series::new(name.into(), cells.map(|v| v.as_bool()).collect::<Vec<_>>()),
                t => panic!("unknown column type {t}"),
            }
        })
        .collect()
}

/// The case's tables as frames of `partitions` partitions under `semantics`.
pub fn tables(
    case: &Case,
    semantics: Semantics,
    partitions: usize,
    workers: usize,
) -> HashMap<String, Frame> {
    let session = Session::new()
        .with_semantics(semantics)
        .with_workers(workers)
        .with_split_every(2);
    case.json["tables"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, t)| {
            (
                name.clone(),
                session
                    .from_columns(table_columns(t), partitions)
                    .expect("table"),
            )
        })
        .collect()
}

/// A result cell as a comparable value.
#[derive(Debug, Clone)]
pub enum Cell {
    Null,
    Num(f64),
    Str(String),
    Bool(bool),
}

fn cell_of_json(v: &Value) -> Cell {
    match v {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) => Cell::Num(n.as_f64().unwrap()),
        Value::String(s) if s == "NaN" => Cell::Num(f64::NAN),
        Value::String(s) if s == "inf" => Cell::Num(f64::INFINITY),
        Value::String(s) if s == "-inf" => Cell::Num(f64::NEG_INFINITY),
        Value::String(s) => Cell::Str(s.clone()),
        other => panic!("unexpected cell {other}"),
    }
}

pub fn cell_of_value(v: &ScalarValue) -> Cell {
    match v {
        v if v.is_null() => Cell::Null,
        ScalarValue::Boolean(Some(b)) => Cell::Bool(*b),
        ScalarValue::Int64(Some(i)) => Cell::Num(*i as f64),
        ScalarValue::Float64(Some(x)) => Cell::Num(*x),
        ScalarValue::Utf8(Some(s)) => Cell::Str(s.clone()),
        _ => unreachable!(),
    }
}

fn cells_equal(a: &Cell, b: &Cell, pandas: bool) -> bool {
    let missing =
        |c: &Cell| matches!(c, Cell::Null) || (pandas && matches!(c, Cell::Num(x) if x.is_nan()));
    match (a, b) {
        _ if missing(a) || missing(b) => missing(a) && missing(b),
        (Cell::Num(x), Cell::Num(y)) => {
            if x.is_nan() || y.is_nan() {
                return x.is_nan() && y.is_nan();
            }
            if x == y {
                return true;
            }
            let diff = (x - y).abs();
            diff <= 1e-12 || diff <= 1e-9 * x.abs().max(y.abs())
        }
        (Cell::Str(x), Cell::Str(y)) => x == y,
        (Cell::Bool(x), Cell::Bool(y)) => x == y,
        _ => false,
    }
}

fn rows_of(df: &DataFrame) -> Vec<Vec<Cell>> {
    let cols: Vec<Series> = df
        .columns()
        .iter()
        .map(|c| c.as_materialized_series().clone())
        .collect();
    (0..df.height())
        .map(|i| {
            cols.iter()
                .map(|s| cell_of_value(&value_at(s, i).unwrap()))
                .collect()
        })
        .collect()
}

fn sort_key(row: &[Cell]) -> String {
    row.iter()
        .map(|c| match c {
            Cell::Null => "0".to_string(),
            Cell::Num(x) if x.is_nan() => "1NaN".to_string(),
            Cell::Num(x) => format!("2{:+030.12e}", x),
            Cell::Str(s) => format!("3{s}"),
            Cell::Bool(b) => format!("4{b}"),
        })
        .collect::<Vec<_>>()
        .join("\u{1}")
}

fn multiset_equal(a: &[Vec<Cell>], b: &[Vec<Cell>], pandas: bool) -> bool {
    if a.len() != b.len() {
        return false;
    }
    // Greedy matching: fine for the small recorded results.
    let mut used = vec![false; b.len()];
    'outer: for ra in a {
        for (j, rb) in b.iter().enumerate() {
            if !used[j]
                && ra.len() == rb.len()
                && ra.iter().zip(rb).all(|(x, y)| cells_equal(x, y, pandas))
            {
                used[j] = true;
                continue 'outer;
            }
        }
        return false;
    }
    true
}

/// Compares a result with an expectation; `Err` describes the difference.
pub fn compare(
    expected: &Value,
    actual: &Result<DataFrame>,
    pandas: bool,
) -> std::result::Result<(), String> {
    if let Some(err) = expected.get("error") {
        return match actual {
            Err(_) => Ok(()),
            Ok(df) => Err(format!(
                "expected error {err}, got {} rows:\n{}",
                df.height(),
                format_table(df, 40)
            )),
        };
    }
    let df = match actual {
        Ok(df) => df,
        Err(e) => return Err(format!("unexpected error: {e}")),
    };
    let want_cols: Vec<String> = expected["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    let got_cols: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    if want_cols != got_cols {
        return Err(format!(
            "columns differ: expected {want_cols:?}, got {got_cols:?}"
        ));
    }
    let want: Vec<Vec<Cell>> = expected["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(cell_of_json).collect())
        .collect();
    let got = rows_of(df);
    let show = || format!("expected rows {want:?}\n     got rows {got:?}");
    if want.len() != got.len() {
        return Err(format!(
            "row counts differ: expected {}, got {}\n{}",
            want.len(),
            got.len(),
            show()
        ));
    }
    let order_by: Vec<usize> = expected["order_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            want_cols
                .iter()
                .position(|w| w == c.as_str().unwrap())
                .expect("order_by column")
        })
        .collect();
    if order_by.is_empty() {
        let mut w = want.clone();
        let mut g = got.clone();
        w.sort_by_key(|r| sort_key(r));
        g.sort_by_key(|r| sort_key(r));
        return if multiset_equal(&w, &g, pandas) {
            Ok(())
        } else {
            Err(format!("rows differ (as multisets)\n{}", show()))
        };
    }
    // Runs of equal order_by tuples compare as multisets, position by position.
    let key = |r: &Vec<Cell>| order_by.iter().map(|&i| r[i].clone()).collect::<Vec<_>>();
    let mut i = 0;
    while i < want.len() {
        let k = key(&want[i]);
        let mut j = i;
        while j < want.len()
            && key(&want[j])
                .iter()
                .zip(&k)
                .all(|(a, b)| cells_equal(a, b, pandas))
        {
            j += 1;
        }
        let same_keys = got[i..j].iter().all(|r| {
            key(r)
                .iter()
                .zip(&k)
                .all(|(a, b)| cells_equal(a, b, pandas))
        });
        if !same_keys || !multiset_equal(&want[i..j], &got[i..j], pandas) {
            return Err(format!(
                "rows {i}..{j} differ (ordered by {order_by:?})\n{}",
                show()
            ));
        }
        i = j;
    }
    Ok(())
}

/// Runs `query` on the case's tables under `preset` for 1, 2, 3 and 7 partitions and
/// checks each result against the recorded expectation.
pub fn check_preset(case: &Case, preset: &str, query: &dyn Fn(&HashMap<String, Frame>) -> Frame) {
    let semantics = Semantics::preset(preset).unwrap();
    let expected = &case.json["expected"][preset];
    for partitions in [1, 2, 3, 7] {
        let t = tables(case, semantics, partitions, 2);
        let result = query(&t).collect();
        if let Err(diff) = compare(expected, &result, preset == "pandas") {
            panic!(
                "case {} under {preset} with {partitions} partitions:\n{diff}\nSQL: {}",
                case.id, case.json["sql"]
            );
        }
    }
}

/// Checks a case under both presets.
pub fn check_case(id: &str, query: impl Fn(&HashMap<String, Frame>) -> Frame) {
    let case = load_case(id);
    check_preset(&case, "pandas", &query);
    check_preset(&case, "spark", &query);
}

/// The frame named `t` (most cases have one table of that name).
pub fn t(tables: &HashMap<String, Frame>) -> Frame {
    tables["t"].clone()
}
