//! Partita's runner for the db-benchmark groupby questions (see
//! `benches/db/compare.py`, which `make bench` calls): the same command line and the
//! same JSON as `benches/db/engines.py` writes for Polars, DuckDB and pandas.
//!
//! ```text
//! cargo bench --bench db -- --engine partita|partita-sql --data FILE.parquet
//!     --mode memory|scan --questions q1,...,f1 --repeat 2 --out OUT.json
//!     [--semantics spark|pandas]
//! ```
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

use partita::prelude::*;
use partita::{value_at, ScalarValue, SqlContext};

const ALL: [&str; 13] = [
    "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "s1", "s2", "f1",
];

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
    data: String,
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
    let mode = get("mode")?;
    if mode != "memory" && mode != "scan" {
        return Err(format!("unknown mode '{mode}'"));
    }
    let questions: Vec<String> = match map.get("questions") {
        Some(q) => q.split(',').map(str::to_string).collect(),
        None => ALL.iter().map(|s| s.to_string()).collect(),
    };
    if let Some(bad) = questions.iter().find(|q| !ALL.contains(&q.as_str())) {
        return Err(format!("unknown question '{bad}'"));
    }
    let semantics = Semantics::preset(map.get("semantics").map_or("spark", String::as_str))
        .map_err(|e| e.to_string())?;
    Ok(Args {
        engine,
        data: get("data")?,
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

fn main() {
    allocator::configure();
    // `cargo test --all-targets` runs every bench target with no arguments: there
    // is nothing to measure then.
    if std::env::args().skip(1).all(|a| a == "--bench") {
        eprintln!("usage: cargo bench --bench db -- --engine partita|partita-sql --data FILE.parquet --mode memory|scan --out OUT.json [--questions q1,..] [--repeat N] [--semantics spark|pandas]");
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
        let mut seconds = vec![];
        let mut last = None;
        for _ in 0..args.repeat.max(1) {
            drop(last.take()); // the previous run's result is freed first, as engines.py does
            let t = Instant::now();
            let frame = query(source()).expect("supported");
            let df = frame.collect().unwrap_or_else(|e| panic!("{q}: {e}"));
            seconds.push(t.elapsed().as_secs_f64());
            last = Some(df);
        }
        let df = last.expect("one run");
        eprintln!("{} {q}: {:?} s, {} rows", args.engine, seconds, df.height());
        questions.insert(
            q.clone(),
            serde_json::json!({
                "seconds": seconds,
                "rows": df.height(),
                "checksum": checksum(q, &df),
            }),
        );
    }
    let out = serde_json::json!({
        "engine": args.engine,
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
