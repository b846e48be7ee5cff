//! Partita's runner for the db-benchmark groupby and join questions (see
//! `benches/db/compare.py`, which `make bench` calls): the same command line and the
//! same JSON as `benches/db/engines.py` writes for Polars, DuckDB and pandas.
//!
//! ```text
//! cargo bench --bench db -- --engine partita|partita-sql --data FILE.parquet
//!     --mode memory|scan --questions q1,...,f1 --repeat 2 --out OUT.json
//!     [--semantics spark|pandas]
//! cargo bench --bench db -- --task join --engine partita|partita-sql --data X.parquet
//!     --small S.parquet --medium M.parquet --big B.parquet --mode memory
//!     --questions j1,...,j5 --repeat 2 --out OUT.json
//! ```
//!
//! The join task's check of a question is, for every result column in order (the x
//! table's columns, then the right table's non-key ones), its count of non-missing
//! values and its sum (numbers, missing and NaN skipped) or total UTF-8 length
//! (strings).
//!
//! `partita` writes the questions with the Rust API, `partita-sql` in SQL. Memory
//! mode reads the file into memory first (one partition per row group, timed as
//! `load_seconds`); scan mode reads the file in every run. Every run materializes the
//! whole result; the check of a question (row count and checksums, as `engines.py`
//! defines them) comes from its last run.

use std::collections::BTreeMap;

use std::time::Instant;

// The allocator and its options: the same as the `partita` command's.
#[path = "../crates/partita-cli/src/allocator.rs"]
mod allocator;

use partita::polars::value_at;
use partita::polars::{DataFrame, PlDataType};
use partita::prelude::*;
use partita::{ScalarValue, SqlContext};

const ALL: [&str; 13] = [
    "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "s1", "s2", "f1",
];
const JOINS: [&str; 5] = ["j1", "j2", "j3", "j4", "j5"];

/// A join question: the right table, how, and the key (one name on both sides).
fn join_question(q: &str) -> (&'static str, JoinType, &'static str) {
    match q {
        "j1" => ("small", JoinType::Inner, "id1"),
        "j2" => ("medium", JoinType::Inner, "id2"),
        "j3" => ("medium", JoinType::Left, "id2"),
        "j4" => ("medium", JoinType::Inner, "id5"),
        "j5" => ("big", JoinType::Inner, "id3"),
        _ => unreachable!("parse_args checks the questions"),
    }
}

/// A join question in SQL: `x.*`, then the right table's other columns.
fn join_sql(q: &str, right_columns: &[String]) -> String {
    let (table, how, key) = join_question(q);
    let kind = if how == JoinType::Left {
        "LEFT JOIN"
    } else {
        "JOIN"
    };
    let rest: Vec<String> = right_columns
        .iter()
        .filter(|c| c.as_str() != key)
        .map(|c| format!("{table}.{c} AS {table}_{c}"))
        .collect();
    format!(
        "SELECT x.*, {} FROM x {kind} {table} ON x.{key} = {table}.{key}",
        rest.join(", ")
    )
}

/// A join question through the Rust API (pandas' `merge`).
fn join_api(x: Frame, right: Frame, q: &str) -> Frame {
    let (_, how, key) = join_question(q);
    let spec = match how {
        JoinType::Left => JoinSpec::left(),
        _ => JoinSpec::inner(),
    };
    x.join(right, spec.on(key))
}

/// Per column: non-missing values, then the sum (numbers) or UTF-8 length (text).
fn join_checksum(df: &DataFrame) -> Vec<Option<f64>> {
    let mut out = vec![];
    for c in df.columns() {
        let s = c.as_materialized_series();
        let (mut n, mut sum) = (0u64, 0f64);
        if let Ok(text) = s.str() {
            for v in text.iter().flatten() {
                n += 1;
                sum += v.len() as f64;
            }
        } else {
            let f = s
                .cast(&PlDataType::Float64)
                .unwrap_or_else(|e| panic!("column {} as float64: {e}", s.name()));
            for v in f.f64().expect("float64").iter().flatten() {
                if !v.is_nan() {
                    n += 1;
                    sum += v;
                }
            }
        }
        out.push(Some(n as f64));
        out.push(Some(sum));
    }
    out
}

/// The result columns whose NaN-skipping sums make a question's checksum.
fn checks(q: &str) -> &'static [&'static str] {
    match q {
        "q1" | "q2" => &["v1"],
        "q3" => &["v1", "v3"],
        "q4" | "q5" => &["v1", "v2", "v3"],
        "q6" => &["median_v3", "sd_v3"],
        "q7" => &["range_v1_v2"],
        "q8" => &["largest2_v3"],
        "q9" => &["r2"],
        "q10" => &["v3", "count"],
        "s1" | "s2" => &["v3"],
        "f1" => &["n", "v3"],
        _ => &[],
    }
}

fn sql(q: &str) -> Option<&'static str> {
    Some(match q {
        "q1" => "SELECT id1, SUM(v1) AS v1 FROM x GROUP BY id1",
        "q2" => "SELECT id1, id2, SUM(v1) AS v1 FROM x GROUP BY id1, id2",
        "q3" => "SELECT id3, SUM(v1) AS v1, AVG(v3) AS v3 FROM x GROUP BY id3",
        "q4" => "SELECT id4, AVG(v1) AS v1, AVG(v2) AS v2, AVG(v3) AS v3 FROM x GROUP BY id4",
        "q5" => "SELECT id6, SUM(v1) AS v1, SUM(v2) AS v2, SUM(v3) AS v3 FROM x GROUP BY id6",
        "q6" => "SELECT id4, id5, MEDIAN(v3) AS median_v3, STDDEV(v3) AS sd_v3 FROM x GROUP BY id4, id5",
        "q7" => "SELECT id3, MAX(v1) - MIN(v2) AS range_v1_v2 FROM x GROUP BY id3",
        "q8" => "SELECT id6, largest2_v3 FROM (SELECT id6, v3 AS largest2_v3, ROW_NUMBER() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS order_v3 FROM x WHERE v3 IS NOT NULL) AS sub_query WHERE order_v3 <= 2",
        "q9" => "SELECT id2, id4, POWER(CORR(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4",
        "q10" => "SELECT id1, id2, id3, id4, id5, id6, SUM(v3) AS v3, COUNT(*) AS count FROM x GROUP BY id1, id2, id3, id4, id5, id6",
        "s1" => "SELECT * FROM x ORDER BY id1 ASC NULLS LAST, v3 DESC NULLS LAST",
        "s2" => "SELECT * FROM x ORDER BY v3 DESC NULLS LAST LIMIT 10",
        "f1" => "SELECT COUNT(*) AS n, AVG(v3) AS v3 FROM x WHERE v1 > 2 AND id4 <= 50",
        _ => return None,
    })
}

/// The question through the Rust API (`None`: not expressible yet).
fn api(x: Frame, q: &str) -> Option<Frame> {
    Some(match q {
        "q1" => x.groupby("id1").agg([col("v1").sum().alias("v1")]),
        "q2" => x.groupby(["id1", "id2"]).agg([col("v1").sum().alias("v1")]),
        "q3" => x
            .groupby("id3")
            .agg([col("v1").sum().alias("v1"), col("v3").mean().alias("v3")]),
        "q4" => x.groupby("id4").agg([
            col("v1").mean().alias("v1"),
            col("v2").mean().alias("v2"),
            col("v3").mean().alias("v3"),
        ]),
        "q5" => x.groupby("id6").agg([
            col("v1").sum().alias("v1"),
            col("v2").sum().alias("v2"),
            col("v3").sum().alias("v3"),
        ]),
        "q6" => x.groupby(["id4", "id5"]).agg([
            col("v3").median().alias("median_v3"),
            col("v3").std().alias("sd_v3"),
        ]),
        "q7" => x
            .groupby("id3")
            .agg([(col("v1").max() - col("v2").min()).alias("range_v1_v2")]),
        "q8" => x
            .groupby("id6")
            .nlargest(2, "v3")
            .select([col("id6"), col("v3").alias("largest2_v3")]),
        "q9" => x
            .groupby(["id2", "id4"])
            .agg([corr(col("v1"), col("v2")).pow(lit(2i64)).alias("r2")]),
        "q10" => x
            .groupby(["id1", "id2", "id3", "id4", "id5", "id6"])
            .agg([col("v3").sum().alias("v3"), count_star().alias("count")]),
        "s1" => x.sort_values(
            ["id1", "v3"],
            SortSpec::ascending()
                .with_ascending([true, false])
                .with_na_position([NullPlacement::Last]),
        ),
        "s2" => x
            .sort_values(
                "v3",
                SortSpec::descending().with_na_position([NullPlacement::Last]),
            )
            .head(10),
        "f1" => x
            .filter(col("v1").gt(lit(2i64)).and(col("id4").lt_eq(lit(50i64))))
            .agg([count_star().alias("n"), col("v3").mean().alias("v3")]),
        _ => return None,
    })
}

/// A column as float64 values, missing as NaN.
fn floats(df: &DataFrame, name: &str) -> Vec<f64> {
    let s = df
        .column(name)
        .unwrap_or_else(|_| panic!("result has no column {name}"))
        .as_materialized_series();
    (0..s.len())
        .map(|i| match value_at(s, i).expect("value") {
            ScalarValue::Int64(Some(v)) => v as f64,
            ScalarValue::Float64(Some(v)) => v,
            ScalarValue::Boolean(Some(b)) => b as i64 as f64,
            _ => f64::NAN,
        })
        .collect()
}

fn checksum(q: &str, df: &DataFrame) -> Vec<Option<f64>> {
    let nansum = |v: &[f64]| v.iter().filter(|x| !x.is_nan()).sum::<f64>();
    let mut out: Vec<f64> = checks(q).iter().map(|c| nansum(&floats(df, c))).collect();
    if q == "s1" {
        let v3 = floats(df, "v3");
        let weighted: Vec<f64> = v3
            .iter()
            .enumerate()
            .map(|(i, v)| v * ((i % 1000) + 1) as f64)
            .collect();
        out.push(nansum(&weighted));
    }
    out.into_iter()
        .map(|v| if v.is_nan() { None } else { Some(v) })
        .collect()
}

fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

struct Args {
    engine: String,
    /// `groupby` or `join`.
    task: String,
    data: String,
    /// The join task's right tables: small, medium, big.
    right: BTreeMap<&'static str, String>,
    mode: String,
    questions: Vec<String>,
    repeat: usize,
    out: String,
    semantics: Semantics,
}

fn parse_args() -> std::result::Result<Args, String> {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        if a == "--bench" {
            continue; // cargo bench adds it
        }
        let key = a
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected argument '{a}'"))?;
        let value = it.next().ok_or_else(|| format!("--{key} needs a value"))?;
        map.insert(key.to_string(), value);
    }
    let get = |k: &str| map.get(k).cloned().ok_or_else(|| format!("missing --{k}"));
    let engine = get("engine")?;
    if engine != "partita" && engine != "partita-sql" {
        return Err(format!("unknown engine '{engine}'"));
    }
    let task = map.get("task").cloned().unwrap_or_else(|| "groupby".into());
    let known: &[&str] = match task.as_str() {
        "groupby" => &ALL,
        "join" => &JOINS,
        other => return Err(format!("unknown task '{other}'")),
    };
    let mode = get("mode")?;
    if mode != "memory" && mode != "scan" {
        return Err(format!("unknown mode '{mode}'"));
    }
    if task == "join" && mode != "memory" {
        return Err("the join task runs in memory mode only".into());
    }
    let mut right = BTreeMap::new();
    if task == "join" {
        for side in ["small", "medium", "big"] {
            right.insert(side, get(side)?);
        }
    }
    let questions: Vec<String> = match map.get("questions") {
        Some(q) => q.split(',').map(str::to_string).collect(),
        None => known.iter().map(|s| s.to_string()).collect(),
    };
    if let Some(bad) = questions.iter().find(|q| !known.contains(&q.as_str())) {
        return Err(format!("unknown {task} question '{bad}'"));
    }
    let semantics = Semantics::preset(map.get("semantics").map_or("spark", String::as_str))
        .map_err(|e| e.to_string())?;
    Ok(Args {
        engine,
        task,
        data: get("data")?,
        right,
        mode,
        questions,
        repeat: get("repeat")
            .unwrap_or_else(|_| "2".into())
            .parse()
            .map_err(|e| format!("--repeat: {e}"))?,
        out: get("out")?,
        semantics,
    })
}

/// Runs `query` `repeat` times (at least once), each run materializing the whole
/// result after the previous run's result is freed (as engines.py does); returns the
/// times and the last result.
fn timed(q: &str, engine: &str, repeat: usize, query: impl Fn() -> Frame) -> (Vec<f64>, DataFrame) {
    let mut seconds = vec![];
    let mut last = None;
    for _ in 0..repeat.max(1) {
        drop(last.take());
        let t = Instant::now();
        let df = query()
            .collect()
            .unwrap_or_else(|e| panic!("{q}: {e}"))
            .into_polars();
        seconds.push(t.elapsed().as_secs_f64());
        last = Some(df);
    }
    let df = last.expect("one run");
    eprintln!(
        "{engine} {q}: {seconds:?} s, {} rows, peak RSS so far {} MiB",
        df.height(),
        peak_rss_bytes().unwrap_or(0) >> 20
    );
    (seconds, df)
}

/// The groupby task: returns the load time (memory mode) and the answers.
fn groupby(
    args: &Args,
    session: &Session,
) -> (Option<f64>, serde_json::Map<String, serde_json::Value>) {
    let scan = || {
        session
            .read_parquet(&args.data, ParquetOptions::default())
            .expect("the data file opens")
    };
    let (table, load_seconds) = if args.mode == "memory" {
        let t = Instant::now();
        let table = scan().persist().expect("the table loads");
        (Some(table), Some(t.elapsed().as_secs_f64()))
    } else {
        (None, None)
    };
    let source = || table.clone().unwrap_or_else(scan);
    let mut questions = serde_json::Map::new();
    for q in &args.questions {
        let query = |x: Frame| -> Option<Frame> {
            if args.engine == "partita" {
                api(x, q)
            } else {
                let mut ctx = SqlContext::new(session.clone());
                ctx.register("x", x);
                sql(q).map(|text| ctx.sql(text).expect("the SQL plans"))
            }
        };
        if query(source()).is_none() {
            eprintln!("{}: {q} is not supported yet", args.engine);
            continue;
        }
        let (seconds, df) = timed(q, &args.engine, args.repeat, || {
            query(source()).expect("supported")
        });
        questions.insert(
            q.clone(),
            serde_json::json!({
                "seconds": seconds,
                "rows": df.height(),
                "checksum": checksum(q, &df),
            }),
        );
    }
    (load_seconds, questions)
}

/// The join task (memory mode): the four tables are loaded first, timed together.
fn join(
    args: &Args,
    session: &Session,
) -> (Option<f64>, serde_json::Map<String, serde_json::Value>) {
    let load = |path: &str| {
        session
            .read_parquet(path, ParquetOptions::default())
            .and_then(|f| f.persist())
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let t = Instant::now();
    let x = load(&args.data);
    let right: BTreeMap<&str, Frame> = args.right.iter().map(|(k, p)| (*k, load(p))).collect();
    let load_seconds = t.elapsed().as_secs_f64();
    eprintln!(
        "{}: tables loaded in {load_seconds:.3} s, peak RSS so far {} MiB",
        args.engine,
        peak_rss_bytes().unwrap_or(0) >> 20
    );
    let mut questions = serde_json::Map::new();
    for q in &args.questions {
        let (table, _, _) = join_question(q);
        let other = &right[table];
        let query = || {
            if args.engine == "partita" {
                join_api(x.clone(), other.clone(), q)
            } else {
                let mut ctx = SqlContext::new(session.clone());
                ctx.register("x", x.clone());
                ctx.register(table, other.clone());
                let schema = other.schema().expect("the table has a schema");
                let names: Vec<String> = schema.names().iter().map(|c| c.to_string()).collect();
                ctx.sql(&join_sql(q, &names)).expect("the SQL plans")
            }
        };
        let (seconds, df) = timed(q, &args.engine, args.repeat, query);
        questions.insert(
            q.clone(),
            serde_json::json!({
                "seconds": seconds,
                "rows": df.height(),
                "checksum": join_checksum(&df),
            }),
        );
    }
    (Some(load_seconds), questions)
}

fn main() {
    allocator::configure();
    // `cargo test --all-targets` runs every bench target with no arguments: there
    // is nothing to measure then.
    if std::env::args().skip(1).all(|a| a == "--bench") {
        eprintln!("usage: cargo bench --bench db -- [--task groupby|join] --engine partita|partita-sql --data FILE.parquet [--small S --medium M --big B] --mode memory|scan --out OUT.json [--questions q1,..] [--repeat N] [--semantics spark|pandas]");
        return;
    }
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("db runner: {e}");
            std::process::exit(2);
        }
    };
    let session = Session::new().with_semantics(args.semantics);
    let (load_seconds, questions) = if args.task == "join" {
        join(&args, &session)
    } else {
        groupby(&args, &session)
    };
    let out = serde_json::json!({
        "engine": args.engine,
        "task": args.task,
        "version": env!("CARGO_PKG_VERSION"),
        "mode": args.mode,
        "data": std::path::Path::new(&args.data).file_name().map(|n| n.to_string_lossy().to_string()),
        "semantics": args.semantics.to_string(),
        "load_seconds": load_seconds,
        "peak_rss_bytes": peak_rss_bytes(),
        "questions": questions,
    });
    std::fs::write(&args.out, serde_json::to_string_pretty(&out).expect("json"))
        .expect("the output file is written");
}
