//! Laziness, progress events, repartition, split_out and the optimizer's effect
//! on results.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use partita::polars::*;
use partita::prelude::*;

fn table(session: &Session, partitions: usize) -> Frame {
    let k: Vec<Option<&str>> = (0..100)
        .map(|i| {
            if i % 9 == 0 {
                None
            } else {
                Some(["x", "y", "z"][i % 3])
            }
        })
        .collect();
    let v: Vec<i64> = (0..100).collect();
    session
        .from_columns(
            vec![Series::new("k".into(), k), Series::new("v".into(), v)],
            partitions,
        )
        .unwrap()
}

#[test]
fn nothing_runs_before_collect() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let session = Session::new();
    let schema = Schema::new(vec![
        Field::new("k", DataType::Utf8),
        Field::new("v", DataType::Int64),
    ]);
    let frame = table(&session, 4).map_partitions_with_schema(
        move |df| {
            seen.fetch_add(1, Ordering::SeqCst);
            Ok(df)
        },
        schema,
    );
    let frame = frame
        .filter(col("v").gt(lit(10)))
        .groupby("k")
        .agg([col("v").sum()]);
    frame.explain().unwrap();
    frame.task_graph().unwrap().to_dot();
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "building and explaining must not run user code"
    );
    frame.collect().unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 4, "one call per partition");
}

#[test]
fn progress_reports_every_task() {
    let session = Session::new().with_workers(2).with_split_every(2);
    let frame = table(&session, 5).groupby("k").agg([col("v").mean()]);
    let total = frame.task_graph().unwrap().task_count();
    let events = Arc::new(Mutex::new(vec![]));
    let sink = events.clone();
    let options = RunOptions {
        progress: Some(Arc::new(move |p: partita::Progress| {
            sink.lock().unwrap().push(p)
        })),
        ..RunOptions::default()
    };
    frame.collect_with(&options).unwrap();
    let events = events.lock().unwrap();
    assert_eq!(events.len(), total);
    assert!(events.iter().all(|p| p.total == total));
    assert_eq!(events.iter().map(|p| p.done).max(), Some(total));
    // Rows made by the partition tasks, counted as they finish.
    assert!(events.iter().map(|p| p.rows).max().unwrap_or(0) > 0);
}

#[test]
fn cancelling_stops_the_run() {
    let session = Session::new();
    let cancel = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let options = RunOptions {
        cancel: Some(cancel),
        ..RunOptions::default()
    };
    let err = table(&session, 4).collect_with(&options).unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err}");
}

#[test]
fn repartition_keeps_rows_and_order() {
    let session = Session::new();
    let base = table(&session, 3);
    let again = base.clone().repartition(7);
    assert_eq!(
        base.collect().unwrap().to_string_with_rows(200),
        again.clone().collect().unwrap().to_string_with_rows(200)
    );
    let graph = again.filter(col("v").gt(lit(50))).task_graph().unwrap();
    assert!(graph.outputs.len() == 7, "{}", graph.display_indent());
}

#[test]
fn split_out_gives_the_same_groups() {
    for semantics in [Semantics::pandas(), Semantics::spark()] {
        let one = Session::new().with_semantics(semantics).with_split_out(1);
        let four = Session::new().with_semantics(semantics).with_split_out(4);
        let q = |s: &Session| {
            table(s, 6)
                .groupby("k")
                .agg([
                    col("v").sum().alias("s"),
                    col("v").median().alias("m"),
                    col("v").nunique().alias("u"),
                ])
                .sort_values("k", SortSpec::ascending())
                .collect()
                .unwrap()
        };
        assert_eq!(
            q(&one).to_string_with_rows(20),
            q(&four).to_string_with_rows(20),
            "{}",
            semantics.name()
        );
    }
}

#[test]
fn pandas_groups_come_out_sorted_even_with_split_out() {
    let session = Session::new().with_split_out(3);
    let out = table(&session, 4)
        .groupby("k")
        .agg([count_star().alias("n")])
        .collect()
        .unwrap();
    let keys: Vec<String> = out
        .column::<String>("k")
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect();
    assert_eq!(keys, vec!["x", "y", "z"]);
}

#[test]
fn optimized_and_unoptimized_plans_agree() {
    // Filters over projections, sorts and group keys, a top-k, constant folding.
    let session = Session::new().with_split_every(3);
    let frame = table(&session, 5)
        .with_column((col("v") * lit(2) + (lit(1) + lit(1))).alias("w"))
        .filter(col("w").gt(lit(20)))
        .groupby("k")
        .agg([col("w").sum().alias("sw"), col("v").max().alias("mv")])
        .filter(col("k").not_eq(lit("y")).and(lit(true)))
        .sort_values(["sw"], SortSpec::descending())
        .head(2);
    let optimized = frame.optimized_plan().unwrap().display_indent();
    assert!(optimized.contains("TopK: k=2"), "{optimized}");
    assert!(
        optimized.contains("v * 2 + 2"),
        "constant folded: {optimized}"
    );
    assert!(!optimized.contains("AND true"), "{optimized}");
    let out = frame.collect().unwrap();
    assert_eq!(out.height(), 2);
    // The same query with every step materialized (no plan across steps to optimize).
    let step1 = table(&session, 5)
        .with_column((col("v") * lit(2) + lit(2)).alias("w"))
        .filter(col("w").gt(lit(20)))
        .groupby("k")
        .agg([col("w").sum().alias("sw"), col("v").max().alias("mv")])
        .collect()
        .unwrap();
    let step2 = session
        .from_table(step1, 1)
        .unwrap()
        .filter(col("k").not_eq(lit("y")))
        .sort_values(["sw"], SortSpec::descending())
        .head(2)
        .collect()
        .unwrap();
    assert_eq!(out.to_string_with_rows(10), step2.to_string_with_rows(10));
}
