//! A program over a flights table written the way a Polars user writes it:
//! names as columns in `select`, `groupby` and `sort_values`, keys that are
//! expressions, `when(..).then("late")`, results read with typed getters. Each
//! answer is checked against the same computation done by hand in plain Rust.
//!
//! Run with `cargo run --example flights`.

use std::collections::BTreeMap;

use partita::prelude::*;

const CARRIERS: [&str; 6] = ["AA", "B6", "DL", "EV", "UA", "WN"];
const ORIGINS: [&str; 3] = ["EWR", "JFK", "LGA"];

/// One flight, as generated.
struct Flight {
    carrier: &'static str,
    origin: &'static str,
    month: i64,
    dep_delay: Option<i64>,
    distance: i64,
}

/// 20,000 flights from a fixed-seed xorshift generator; one delay in 23 is
/// missing (a cancelled flight).
fn generate() -> Vec<Flight> {
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    (0..20_000)
        .map(|i| {
            let r = next();
            Flight {
                carrier: CARRIERS[(r % 6) as usize],
                origin: ORIGINS[((r >> 8) % 3) as usize],
                month: 1 + ((r >> 16) % 12) as i64,
                dep_delay: (i % 23 != 0).then(|| ((r >> 24) % 180) as i64 - 20),
                distance: 100 + ((r >> 40) % 2_400) as i64,
            }
        })
        .collect()
}

fn check(what: &str, ok: bool) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::User(format!(
            "{what}: the answer differs from plain Rust"
        )))
    }
}

fn main() -> Result<()> {
    let rows = generate();
    let session = Session::new().with_workers(2);
    let flights = session.from_columns(
        [
            Column::new(
                "carrier",
                rows.iter().map(|f| f.carrier).collect::<Vec<_>>(),
            ),
            Column::new("origin", rows.iter().map(|f| f.origin).collect::<Vec<_>>()),
            Column::new("month", rows.iter().map(|f| f.month).collect::<Vec<_>>()),
            Column::new(
                "dep_delay",
                rows.iter().map(|f| f.dep_delay).collect::<Vec<_>>(),
            ),
            Column::new(
                "distance",
                rows.iter().map(|f| f.distance).collect::<Vec<_>>(),
            ),
        ],
        4,
    )?;

    // df.select(["carrier", "dep_delay"])
    let picked = flights.clone().select(["carrier", "dep_delay"]).collect()?;
    check(
        "select",
        picked.column_names() == ["carrier", "dep_delay"] && picked.height() == rows.len(),
    )?;

    // df.filter((pl.col("origin") == "JFK") & (pl.col("dep_delay") > 60)).height
    let late_jfk = flights
        .clone()
        .filter(col("origin").eq("JFK").and(col("dep_delay").gt(60)))
        .collect()?
        .height();
    let by_hand = rows
        .iter()
        .filter(|f| f.origin == "JFK" && f.dep_delay.is_some_and(|d| d > 60))
        .count();
    check("filter", late_jfk == by_hand)?;
    println!("late departures from JFK: {late_jfk}\n");

    // df.group_by(pl.col("carrier").alias("k")).agg(mean delay, count).sort("k")
    let per_carrier = flights
        .clone()
        .groupby([col("carrier").alias("k")])
        .agg([
            col("dep_delay").mean().alias("mean_delay"),
            count_star().alias("n"),
        ])
        .sort_values("k", SortSpec::ascending())
        .collect()?;
    println!("{per_carrier}\n");
    let mut sums: BTreeMap<&str, (i64, i64, i64)> = BTreeMap::new();
    for f in &rows {
        let e = sums.entry(f.carrier).or_default();
        e.2 += 1;
        if let Some(d) = f.dep_delay {
            e.0 += d;
            e.1 += 1;
        }
    }
    for (i, (carrier, (sum, seen, n))) in sums.iter().enumerate() {
        let mean = per_carrier.get::<f64>("mean_delay", i)?.unwrap_or(f64::NAN);
        let want = *sum as f64 / *seen as f64;
        check(
            "group_by mean",
            per_carrier.get::<String>("k", i)?.as_deref() == Some(*carrier)
                && (mean - want).abs() <= 1e-12 * want.abs().max(1.0)
                && per_carrier.get::<i64>("n", i)? == Some(*n),
        )?;
    }

    // df.with_columns(pl.when(pl.col("dep_delay") > 60).then(pl.lit("late"))
    //     .otherwise(pl.lit("on time")).alias("status")).group_by("status").len()
    let status = flights
        .clone()
        .with_column(
            when(col("dep_delay").gt(60))
                .then("late")
                .otherwise("on time")
                .alias("status"),
        )
        .groupby("status")
        .size()
        .sort_values("status", SortSpec::ascending())
        .collect()?;
    println!("{status}\n");
    let late = rows
        .iter()
        .filter(|f| f.dep_delay.is_some_and(|d| d > 60))
        .count() as i64;
    check(
        "when/then",
        status.column::<i64>("size")? == [Some(late), Some(rows.len() as i64 - late)],
    )?;

    // Grouping by a derived key: flights per quarter of the year.
    let quarters = flights
        .clone()
        .groupby([((col("month") - 1) / 3 + 1)
            .cast(DataType::Int64)
            .alias("quarter")])
        .agg([count_star().alias("n")])
        .sort_values("quarter", SortSpec::ascending())
        .collect()?;
    println!("{quarters}\n");
    let mut per_quarter = [0i64; 4];
    for f in &rows {
        per_quarter[((f.month - 1) / 3) as usize] += 1;
    }
    check(
        "group_by an expression",
        quarters.column::<i64>("n")? == per_quarter.map(Some),
    )?;

    // df.sort(pl.col("distance") % 1000, descending=True).head(3): sorting by an
    // expression, which is not kept.
    let top = flights
        .clone()
        .sort_values([col("distance") % 1000], SortSpec::descending())
        .head(3)
        .select(["carrier", "distance"])
        .collect()?;
    println!("{top}\n");
    let mut by_rest: Vec<(i64, usize)> = rows
        .iter()
        .enumerate()
        .map(|(i, f)| (f.distance % 1000, i))
        .collect();
    // Descending and stable: ties keep the rows' order.
    by_rest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let want: Vec<Option<i64>> = by_rest[..3]
        .iter()
        .map(|&(_, i)| Some(rows[i].distance))
        .collect();
    check(
        "sort by an expression",
        top.column::<i64>("distance")? == want,
    )?;

    // df.with_columns(pl.col("dep_delay").rank("min", descending=True)
    //     .over("origin").alias("r")): the worst delay of each origin ranks 1.
    let worst = flights
        .with_windows([rank()
            .over(Window::partition_by("origin").order_by("dep_delay", SortSpec::descending()))
            .alias("r")])
        .filter(col("r").eq(1))
        .groupby("origin")
        .agg([col("dep_delay").max().alias("worst")])
        .sort_values("origin", SortSpec::ascending())
        .collect()?;
    println!("{worst}");
    for (i, origin) in ORIGINS.iter().enumerate() {
        let want = rows
            .iter()
            .filter(|f| f.origin == *origin)
            .filter_map(|f| f.dep_delay)
            .max();
        let got = worst.get::<f64>("worst", i)?;
        check("rank over", got == want.map(|w| w as f64))?;
    }
    println!("\nevery answer matches plain Rust");
    Ok(())
}
