//! Window functions and pandas' group-wise transforms over a small flights table:
//! `cargo run --example windows`.

use partita::prelude::*;

fn main() -> partita::Result<()> {
    let s = Session::new().with_semantics(Semantics::spark());
    let flights = s.from_columns(
        vec![
            Column::new("carrier", ["AA", "AA", "UA", "AA", "UA"]),
            Column::new("delay", [5i64, 20, 7, 1, 7]),
        ],
        2,
    )?;
    // SQL: RANK() OVER w, SUM(delay) OVER (w ROWS UNBOUNDED PRECEDING), AVG(delay)
    // OVER (PARTITION BY carrier).
    let worst_first = Window::partition_by("carrier").order_by("delay", SortSpec::descending());
    let ranked = flights
        .clone()
        .with_windows([
            rank().over(worst_first.clone()).alias("rank"),
            col("delay")
                .sum()
                .over(worst_first.rows(FrameBound::UnboundedPreceding, FrameBound::CurrentRow))
                .alias("running"),
            col("delay")
                .mean()
                .over(Window::partition_by("carrier"))
                .alias("carrier_mean"),
        ])
        .sort_values(["carrier", "rank"], SortSpec::ascending());
    println!("{}", ranked.collect()?);

    // pandas: df.groupby('carrier')['delay'].cumsum() / .shift(1) /
    // .rank(method='min', ascending=False) / .transform('mean'), under pandas.
    let pandas = flights.with_semantics(Semantics::pandas());
    for (what, frame) in [
        ("cumsum", pandas.clone().groupby("carrier").cumsum("delay")),
        (
            "shift(1)",
            pandas.clone().groupby("carrier").shift("delay", 1),
        ),
        (
            "rank(method='min', ascending=False)",
            pandas
                .clone()
                .groupby("carrier")
                .rank("delay", RankSpec::new(RankMethod::Min).descending()),
        ),
        (
            "transform('mean')",
            pandas
                .groupby("carrier")
                .transform("delay", col("delay").mean()),
        ),
    ] {
        println!("{what}:\n{}", frame.collect()?);
    }
    Ok(())
}
