//! Every semantics switch, pandas and Spark side by side, on tiny tables.
//!
//! Run with `cargo run --example semantics_tour`.

use partita::prelude::*;

/// A result in one line: `[(a, 1), (b, 2)]`, or the error.
fn line(frame: Frame) -> String {
    let table = match frame.collect() {
        Err(e) => return format!("error: {}", e.root_cause()),
        Ok(table) => table,
    };
    let rows: Vec<String> = table
        .iter_rows()
        .map(|row| match row {
            Ok(cells) => {
                let cells: Vec<String> = cells.iter().map(partita::format_value).collect();
                format!("({})", cells.join(", "))
            }
            Err(e) => format!("error: {e}"),
        })
        .collect();
    format!("[{}]", rows.join(", "))
}

fn show(switch: &str, what: &str, build: impl Fn(&Session) -> Frame) {
    println!("{switch}: {what}");
    for semantics in [Semantics::pandas(), Semantics::spark()] {
        let session = Session::new().with_semantics(semantics).with_workers(2);
        println!("  {:<6} {}", semantics.name(), line(build(&session)));
    }
    println!();
}

fn table(session: &Session, columns: Vec<Column>) -> Frame {
    session.from_columns(columns, 2).expect("a valid table")
}

fn keys_and_values(s: &Session) -> Frame {
    table(
        s,
        vec![
            Column::new("k", [None, None, Some("A"), Some("A"), Some("B")]),
            Column::new("v", [1i64, 2, 3, 4, 5]),
        ],
    )
}

fn floats(s: &Session) -> Frame {
    table(
        s,
        vec![
            Column::new("id", [1i64, 2, 3, 4, 5, 6]),
            Column::new(
                "x",
                [
                    Some(0.5),
                    Some(1.0),
                    Some(2.0),
                    Some(f64::NAN),
                    None,
                    Some(3.5),
                ],
            ),
        ],
    )
}

fn main() {
    show(
        "null_group_keys + group_order",
        "SELECT k, SUM(v) GROUP BY k",
        |s| {
            keys_and_values(s)
                .groupby("k")
                .agg([col("v").sum().alias("sum")])
        },
    );
    show("nan", "GROUP BY x over 1.5, NaN, null, NaN, 1.5", |s| {
        table(
            s,
            vec![Column::new(
                "x",
                [Some(1.5), Some(f64::NAN), None, Some(f64::NAN), Some(1.5)],
            )],
        )
        .groupby("x")
        .agg([count_star().alias("n")])
    });
    show(
        "default_null_order",
        "ORDER BY x over 3, null, 1, 2, null",
        |s| {
            table(
                s,
                vec![Column::new("x", [Some(3i64), None, Some(1), Some(2), None])],
            )
            .sort_values("x", SortSpec::ascending())
        },
    );
    show("logic", "WHERE NOT (x > 1)", |s| {
        floats(s)
            .filter(col("x").gt(lit(1)).not())
            .select([col("id")])
    });
    show("logic", "WHERE x IS NULL (pandas isna matches NaN)", |s| {
        floats(s).filter(col("x").is_null()).select([col("id")])
    });
    show("empty_sum", "SUM(x) of an all-null group", |s| {
        table(
            s,
            vec![
                Column::new("k", ["a", "a", "b"]),
                Column::new("x", [None, None, Some(1.0)]),
            ],
        )
        .groupby("k")
        .agg([col("x").sum().alias("s")])
    });
    show("integer_overflow", "9223372036854775807 + 1", |s| {
        table(s, vec![Column::new("a", [i64::MAX])]).select([(col("a") + lit(1)).alias("a1")])
    });
    show("division_by_zero", "a / 0 and a % 0", |s| {
        table(s, vec![Column::new("a", [1i64, -1, 0])]).select([
            (col("a") / lit(0)).alias("q"),
            (col("a") % lit(0)).alias("r"),
        ])
    });
    show("integer_division", "-7 DIV 2 and -7 % 3", |s| {
        table(s, vec![Column::new("a", [-7i64])]).select([
            col("a").floor_div(lit(2)).alias("div"),
            (col("a") % lit(3)).alias("mod"),
        ])
    });
    show(
        "rounding",
        "ROUND(x, 0) and ROUND(y, 2) of 2.5 / 0.125",
        |s| {
            table(
                s,
                vec![
                    Column::new("x", [2.5f64, -2.5]),
                    Column::new("y", [0.125f64, 0.25]),
                ],
            )
            .select([col("x").round(0).alias("rx"), col("y").round(2).alias("ry")])
        },
    );
    show("identifier_case", "SELECT ID from a column named id", |s| {
        table(s, vec![Column::new("id", [1i64])]).select([col("ID")])
    });
    show(
        "int_with_nulls",
        "SUM of an integer column holding a null (pandas: float)",
        |s| {
            table(s, vec![Column::new("v", [Some(1i64), None, Some(8)])])
                .agg([col("v").sum().alias("s")])
        },
    );
    show(
        "day_of_week",
        "DAYOFWEEK of Thursday 2024-02-29 (pandas: 0 = Monday; Spark: 1 = Sunday)",
        |s| {
            let days = Column::new("d", [19_782i32])
                .cast(DataType::Date)
                .expect("days are dates");
            table(s, vec![days]).select([col("d").dt().dayofweek().alias("dow")])
        },
    );
    show(
        "time_zones",
        "HOUR of 2024-01-31 05:00 UTC in a New York column (pandas: its zone; Spark: UTC)",
        |s| {
            let zone = partita::TimeZone::new("America/New_York");
            let ts = Column::new("ts", [1_706_677_200_000_000i64])
                .cast(DataType::Timestamp(
                    partita::TimeUnit::Microsecond,
                    Some(zone),
                ))
                .expect("ticks are timestamps");
            table(s, vec![ts]).select([col("ts").dt().hour().alias("h")])
        },
    );
    show(
        "numeric_promotion",
        "an int8 column 127 plus 1 (pandas: int8, wraps; Spark: INT 128)",
        |s| table(s, vec![Column::new("a", [127i8])]).select([(col("a") + lit(1i64)).alias("a1")]),
    );
    show(
        "custom",
        "Spark semantics, but null group keys dropped",
        |s| {
            let custom = s
                .config()
                .semantics
                .with_null_group_keys(partita::NullGroupKeys::Drop);
            keys_and_values(s)
                .with_semantics(custom)
                .groupby("k")
                .agg([col("v").sum().alias("sum")])
        },
    );
}
