//! Estimates pi with `map_partitions` over 16 partitions: each partition throws
//! darts with its own seed, the partial hit counts are summed by a tree
//! aggregation. Runs once with 1 worker and once with 2, and reports the speedup.
//!
//! Run with `cargo run --release --example monte_carlo [darts_per_partition]`.

use std::time::Instant;

use partita::prelude::*;

const PARTITIONS: usize = 16;

fn throw(seed: u64, darts: u64) -> u64 {
    // xorshift64*: deterministic per partition, so every run gives the same estimate.
    let mut s = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    let mut next = || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        (s.wrapping_mul(0x2545F4914F6CDD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..darts)
        .filter(|_| {
            let (x, y) = (next(), next());
            x * x + y * y <= 1.0
        })
        .count() as u64
}

fn estimate(workers: usize, darts: u64) -> Result<(f64, f64)> {
    let session = Session::new().with_workers(workers);
    let seeds: Vec<i64> = (0..PARTITIONS as i64).collect();
    let ddf = session.from_columns([Column::new("seed", seeds)], PARTITIONS)?;
    // Each partition is a Table; the output's columns are found by running the
    // closure once on an empty partition.
    let hits = ddf.map_partitions(move |part: Table| {
        let hits: Vec<i64> = part
            .column::<i64>("seed")?
            .into_iter()
            .map(|seed| throw(seed.unwrap_or(0) as u64, darts) as i64)
            .collect();
        let n = hits.len();
        Table::new([
            Column::new("hits", hits),
            Column::new("darts", vec![darts as i64; n]),
        ])
    });
    let total = hits.agg([
        col("hits").sum().alias("hits"),
        col("darts").sum().alias("darts"),
    ]);
    let start = Instant::now();
    let out = total.collect()?;
    let seconds = start.elapsed().as_secs_f64();
    let h = out.get::<i64>("hits", 0)?.unwrap_or(0) as f64;
    let d = out.get::<i64>("darts", 0)?.unwrap_or(1) as f64;
    Ok((4.0 * h / d, seconds))
}

fn main() -> Result<()> {
    let darts: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4_000_000);
    println!("{PARTITIONS} partitions x {darts} darts");
    let (pi1, t1) = estimate(1, darts)?;
    let (pi2, t2) = estimate(2, darts)?;
    assert_eq!(pi1, pi2, "the estimate must not depend on the worker count");
    println!("| workers | pi estimate | seconds |");
    println!("|---------|-------------|---------|");
    println!("| 1       | {pi1:.6}    | {t1:.3}   |");
    println!("| 2       | {pi2:.6}    | {t2:.3}   |");
    println!(
        "speedup of 2 workers over 1: {:.2}x (machine: {} cores)",
        t1 / t2,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    Ok(())
}
