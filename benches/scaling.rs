//! How the engine scales with partitions and workers on a db-benchmark-like table
//! (id1: 100 strings, id4: 100 integers, v1: 1..5, v3: float), generated in memory
//! with a fixed seed. Prints one table: best of 3 runs per configuration.
//!
//! `make bench` (N rows, default 1e6) or `cargo bench --bench scaling -- 1000000`.
//! The comparison with Polars, DuckDB and pandas is `make bench` of issue 5.

use std::time::Instant;

use partita::polars::*;
use partita::prelude::*;

fn table(n: usize) -> Vec<Series> {
    let mut s: u64 = 0x2545F4914F6CDD1D;
    let mut next = move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        s.wrapping_mul(0x2545F4914F6CDD1D)
    };
    let mut id1 = Vec::with_capacity(n);
    let mut id4 = Vec::with_capacity(n);
    let mut v1 = Vec::with_capacity(n);
    let mut v3 = Vec::with_capacity(n);
    for _ in 0..n {
        id1.push(format!("id{:03}", 1 + next() % 100));
        id4.push((1 + next() % 100) as i64);
        v1.push((1 + next() % 5) as i64);
        v3.push((next() % 100_000_000) as f64 / 1e6);
    }
    vec![
        Series::new("id1".into(), id1),
        Series::new("id4".into(), id4),
        Series::new("v1".into(), v1),
        Series::new("v3".into(), v3),
    ]
}

fn best_of(runs: usize, f: impl Fn() -> Result<Table>) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            let out = f().expect("query runs");
            assert!(out.height() > 0);
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` passes nothing and
    // gets a quick smoke run on a small table.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let default = if args.is_empty() { 10_000 } else { 1_000_000 };
    let n: usize = args
        .iter()
        .find_map(|a| a.parse::<f64>().ok())
        .map(|x| x as usize)
        .unwrap_or(default);
    let columns = table(n);
    println!("rows: {n}; best of 3, seconds");
    println!("| workers | partitions | q1 sum v1 by id1 | q4 mean v1, v3 by id4 | sort by id4 desc, v3 |");
    println!("|---|---|---|---|---|");
    for workers in [1, 2] {
        for partitions in [1, 2, 8] {
            let session = Session::new().with_workers(workers);
            let ddf = session
                .from_columns(columns.clone(), partitions)
                .expect("table");
            let q1 = best_of(3, || {
                ddf.clone()
                    .groupby("id1")
                    .agg([col("v1").sum().alias("v1")])
                    .collect()
            });
            let q4 = best_of(3, || {
                ddf.clone()
                    .groupby("id4")
                    .agg([col("v1").mean().alias("v1"), col("v3").mean().alias("v3")])
                    .collect()
            });
            let s = best_of(3, || {
                ddf.clone()
                    .sort_values(
                        ["id4", "v3"],
                        SortSpec::ascending().with_ascending([false, true]),
                    )
                    .collect()
            });
            println!("| {workers} | {partitions} | {q1:.3} | {q4:.3} | {s:.3} |");
        }
    }
    one_row_group(&columns);
    running_sum(&columns);
}

/// A running sum of v3 and a row number over every row, no partition keys, in the
/// order of v3 (Spark semantics, where the order of rows is not kept): sorted in
/// parallel, then cut into slices whose totals carry over, one task per slice.
fn running_sum(columns: &[Series]) {
    let n = columns[0].len();
    println!();
    println!("A running SUM(v3) and ROW_NUMBER() over {n} rows, no partition keys, ORDER BY v3; best of 3, seconds");
    println!("| workers | partitions | running sum |");
    println!("|---|---|---|");
    let mut times = vec![];
    for workers in [1, 2] {
        let session = Session::new()
            .with_workers(workers)
            .with_semantics(Semantics::spark());
        let ddf = session.from_columns(columns.to_vec(), 8).expect("table");
        let by_v3 = Window::new().order_by("v3", SortSpec::ascending());
        let q = ddf.with_windows([
            col("v3")
                .sum()
                .over(
                    by_v3
                        .clone()
                        .rows(FrameBound::UnboundedPreceding, FrameBound::CurrentRow),
                )
                .alias("running"),
            row_number().over(by_v3).alias("rn"),
        ]);
        if workers == 2 {
            println!("\n```text\n{}```\n", q.explain().expect("explain"));
        }
        let t = best_of(3, || q.collect());
        times.push(t);
        println!("| {workers} | 8 | {t:.3} |");
    }
    println!("2 workers / 1 worker: {:.2}x faster", times[0] / times[1]);
}

/// q1 over a Parquet file written as one row group of every row: the reader cuts
/// it into row ranges, so two workers share it.
fn one_row_group(columns: &[Series]) {
    let n = columns[0].len();
    let dir = std::env::temp_dir().join(format!("partita-scaling-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("one_row_group.parquet");
    let df = DataFrame::new(
        n,
        columns.iter().cloned().map(|s| s.into_column()).collect(),
    )
    .expect("frame");
    partita::polars::write_parquet_with(&df, &path, Some(n)).expect("write");
    println!();
    println!(
        "One Parquet row group of {n} rows, q1 (sum v1 by id1) from the file; best of 5, seconds"
    );
    println!("| workers | partitions | q1 |");
    println!("|---|---|---|");
    let mut times = vec![];
    for workers in [1, 2] {
        let session = Session::new().with_workers(workers);
        let ddf = session
            .read_parquet(path.to_string_lossy().as_ref(), ParquetOptions::default())
            .expect("read");
        let parts = ddf.partitions().expect("partitions");
        let q1 = best_of(5, || {
            ddf.clone()
                .groupby("id1")
                .agg([col("v1").sum().alias("v1")])
                .collect()
        });
        times.push(q1);
        println!("| {workers} | {parts} | {q1:.3} |");
    }
    println!("2 workers / 1 worker: {:.2}x faster", times[0] / times[1]);
    std::fs::remove_dir_all(&dir).ok();
}
