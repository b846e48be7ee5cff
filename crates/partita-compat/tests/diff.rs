//! The semantic diff over the recorded corpus: it says "differs" exactly where
//! the recorded pandas and Spark answers differ, and the switches it names are
//! sufficient (pandas' semantics with them flipped gives Spark's recorded
//! answer, types included) and minimal (leaving any one out does not).

use std::path::Path;

use partita::diff::{order_columns, same_rows, semantic_diff, Cell};
use partita::{Reference, Semantics, Session, SqlContext, Table};
use partita_compat::{compare, frames, load_dir, Case, Expectation};
use serde_json::Value;

fn session(semantics: Semantics) -> Session {
    Session::new()
        .with_semantics(semantics)
        .with_workers(2)
        .with_split_every(2)
}

fn run(case: &Case, semantics: Semantics) -> partita::Result<Table> {
    let s = session(semantics);
    let mut ctx = SqlContext::new(s.clone());
    for (name, frame) in frames(case, &s, 2).map_err(partita::Error::User)? {
        ctx.register(name, frame);
    }
    ctx.sql(&case.sql)?.collect()
}

/// A recorded cell as the diff compares it: "NaN" and infinities in a float
/// column are floats (missing under pandas), decimals are numbers.
fn cell(v: &Value, dtype: &str, pandas: bool) -> Cell {
    let float = ["float64", "float32", "double", "float"].contains(&dtype);
    match v {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) => Cell::Num(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) if float && matches!(s.as_str(), "NaN" | "inf" | "-inf") => {
            let x: f64 = s.parse().unwrap_or(f64::NAN);
            if pandas && x.is_nan() {
                Cell::Null
            } else {
                Cell::Num(x)
            }
        }
        Value::String(s) if dtype.starts_with("decimal") => {
            s.parse().map(Cell::Num).unwrap_or(Cell::Str(s.clone()))
        }
        Value::String(s) => Cell::Str(s.clone()),
        other => Cell::Str(other.to_string()),
    }
}

/// Whether the recorded answers agree, rows compared in the query's order.
fn recorded_agree(case: &Case, order: Option<&[String]>) -> bool {
    // pandas holds decimals as Decimal objects (an object column): read its texts
    // as numbers where Spark's column is a decimal.
    let spark_dtypes = match &case.expected["spark"] {
        Expectation::Rows {
            dtypes: Some(d), ..
        } => d.clone(),
        _ => vec![],
    };
    let rows = |preset: &str| match &case.expected[preset] {
        Expectation::Error { .. } => None,
        Expectation::Rows {
            columns,
            rows,
            dtypes,
            ..
        } => {
            let mut dtypes = dtypes.clone().unwrap_or_default();
            for (i, t) in dtypes.iter_mut().enumerate() {
                if t == "object"
                    && spark_dtypes
                        .get(i)
                        .is_some_and(|s| s.starts_with("decimal"))
                {
                    *t = spark_dtypes[i].clone();
                }
            }
            let cells: Vec<Vec<Cell>> = rows
                .iter()
                .map(|r| {
                    r.iter()
                        .enumerate()
                        .map(|(i, v)| {
                            let t = dtypes.get(i).map(String::as_str).unwrap_or("");
                            cell(v, t, preset == "pandas")
                        })
                        .collect()
                })
                .collect();
            Some((columns.clone(), cells))
        }
    };
    match (rows("pandas"), rows("spark")) {
        (None, None) => true,
        (Some((pc, pr)), Some((sc, sr))) => {
            let positions: Option<Vec<usize>> = order.map(|names| {
                names
                    .iter()
                    .filter_map(|n| pc.iter().position(|c| c == n))
                    .collect()
            });
            pc == sc && same_rows(&pr, &sr, positions.as_deref())
        }
        _ => false,
    }
}

#[test]
fn the_diff_agrees_with_the_recordings_and_names_sufficient_minimal_switches() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/compat/cases");
    let cases = load_dir(&dir).expect("the corpus loads");
    let mut failures = vec![];
    let (mut same, mut differ) = (0, 0);
    for case in &cases {
        // The ORDER BY of the pandas plan, or of the Spark plan where only Spark
        // plans the query (`repeated_names`).
        let order_under = |sem: Semantics| {
            let s = session(sem);
            let mut ctx = SqlContext::new(s.clone());
            for (name, frame) in frames(case, &s, 1).expect("tables") {
                ctx.register(name, frame);
            }
            ctx.sql(&case.sql)
                .ok()
                .and_then(|f| f.logical_plan().ok().and_then(order_columns))
        };
        let order = order_under(Semantics::pandas()).or_else(|| order_under(Semantics::spark()));
        let diff = semantic_diff(order.as_deref(), &|sem| run(case, sem));
        let recorded = recorded_agree(case, order.as_deref());
        if diff.differs == recorded {
            failures.push(format!(
                "{}: the diff says {}, the recordings {}\n{}",
                case.id,
                if diff.differs { "differs" } else { "agrees" },
                if recorded { "agree" } else { "differ" },
                diff.report()
            ));
            continue;
        }
        if !diff.differs {
            same += 1;
            continue;
        }
        differ += 1;
        if let Some(why) = &diff.unexplained {
            failures.push(format!("{}: no switches: {why}", case.id));
            continue;
        }
        let spark = &case.expected["spark"];
        let flipped = |names: &[&String]| {
            let mut sem = Semantics::pandas();
            for n in names {
                sem.set(n, "spark").expect("a switch name");
            }
            compare(spark, &run(case, sem), Reference::Spark)
        };
        let named: Vec<&String> = diff.switches.iter().collect();
        if let Err(e) = flipped(&named) {
            failures.push(format!(
                "{}: {:?} flipped does not give Spark's answer: {e}",
                case.id, diff.switches
            ));
        }
        // A recording without column types cannot tell an int64 from a float64
        // column: there a switch is needed when it changes the types of Partita's
        // answer, whose Spark types every recording with types confirms.
        let typed = matches!(
            spark,
            Expectation::Rows {
                dtypes: Some(_),
                ..
            }
        );
        let spark_types = run(case, Semantics::spark()).map(|t| t.schema().clone());
        for s in &named {
            let rest: Vec<&String> = named.iter().copied().filter(|x| x != s).collect();
            let types_differ = || {
                let mut sem = Semantics::pandas();
                for n in &rest {
                    sem.set(n, "spark").expect("a switch name");
                }
                match (run(case, sem), &spark_types) {
                    (Ok(t), Ok(st)) => t
                        .schema()
                        .fields()
                        .iter()
                        .map(|f| f.data_type)
                        .ne(st.fields().iter().map(|f| f.data_type)),
                    _ => false,
                }
            };
            if flipped(&rest).is_ok() && (typed || !types_differ()) {
                failures.push(format!(
                    "{}: {:?} is not minimal: {s} can be left out",
                    case.id, diff.switches
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases ({same} agree, {differ} differ):\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(same > 10 && differ > 100, "{same} agree, {differ} differ");
}
