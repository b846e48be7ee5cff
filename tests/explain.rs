//! Snapshot of `explain()` for filter → groupby → sort over 8 partitions with
//! `split_every = 4`: 8 fused partition tasks, a two-level merge tree, the final
//! aggregate and the sort. Set UPDATE_SNAPSHOTS=1 to rewrite the snapshot file
//! after an intended change (then review the diff).

use std::path::PathBuf;

use partita::polars::*;
use partita::prelude::*;

fn query() -> Frame {
    let n = 64;
    let origin: Vec<&str> = (0..n)
        .map(|i| ["JFK", "LGA", "EWR", "BOS"][i % 4])
        .collect();
    let delay: Vec<Option<f64>> = (0..n)
        .map(|i| if i % 5 == 0 { None } else { Some(i as f64) })
        .collect();
    let distance: Vec<i64> = (0..n).map(|i| 100 + i as i64).collect();
    // One output bucket: the snapshot shows the merge tree of a tree aggregation.
    let session = Session::new()
        .with_workers(2)
        .with_split_every(4)
        .with_split_out(1);
    session
        .from_columns(
            vec![
                Series::new("origin".into(), origin),
                Series::new("dep_delay".into(), delay),
                Series::new("distance".into(), distance),
            ],
            8,
        )
        .unwrap()
        .filter(col("origin").is_in(["JFK", "LGA", "EWR"]))
        .groupby("origin")
        .agg([col("dep_delay").mean().alias("mean_delay")])
        .sort_values(["mean_delay"], SortSpec::descending())
}

#[test]
fn explain_filter_groupby_sort_snapshot() {
    let text = query().explain().unwrap();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots/explain_filter_groupby_sort.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let want =
        std::fs::read_to_string(&path).expect("snapshot file (run with UPDATE_SNAPSHOTS=1 once)");
    assert_eq!(
        text, want,
        "explain() changed; if intended, rerun with UPDATE_SNAPSHOTS=1 and review"
    );
}

#[test]
fn the_graph_has_the_promised_shape() {
    let graph = query().task_graph().unwrap();
    let text = graph.display_indent();
    let count = |needle: &str| text.lines().filter(|l| l.contains(needle)).count();
    assert_eq!(count(" partition["), 8, "{text}");
    assert_eq!(count("merge_agg[L1."), 2, "{text}");
    assert_eq!(count("merge_agg[L2."), 1, "{text}");
    assert_eq!(graph.task_count(), 11, "{text}");
    assert!(
        text.contains("final_agg") && text.contains("sort by mean_delay DESC"),
        "{text}"
    );
    assert!(graph.to_dot().starts_with("digraph partita {"));
    // And it runs: JFK, LGA, EWR by mean delay, descending.
    let out = query().collect().unwrap();
    assert_eq!(out.height(), 3);
}

#[test]
fn explain_analyze_runs_the_query_and_times_every_task() {
    let session = Session::new().with_workers(2);
    let frame = session
        .from_columns(
            [
                Column::new("k", ["a", "b", "a", "c", "b", "a"]),
                Column::new("v", [1i64, 2, 3, 4, 5, 6]),
            ],
            3,
        )
        .unwrap()
        .groupby("k")
        .agg([col("v").sum().alias("s")]);
    let text = frame.explain_analyze().unwrap();
    // Every task ran and says its time and rows.
    let tasks: Vec<&str> = text.lines().filter(|l| l.starts_with('t')).collect();
    assert!(tasks.len() >= 4, "{text}");
    for t in &tasks {
        assert!(
            t.contains(" rows") && (t.contains("µs") || t.contains("ms") || t.contains(" s,")),
            "{t}"
        );
        assert!(!t.contains("not run"), "{t}");
    }
    assert!(tasks[0].contains("2 rows out"), "{text}");
    assert!(text.contains("slowest partition task: t"), "{text}");
    assert!(text.contains("3 result rows in"), "{text}");
    // Through SQL as well.
    let mut ctx = partita::SqlContext::new(session.clone());
    ctx.register(
        "t",
        session
            .from_columns([Column::new("x", [1i64, 2, 3])], 2)
            .unwrap(),
    );
    let out = ctx
        .execute("EXPLAIN ANALYZE SELECT SUM(x) AS s FROM t")
        .unwrap();
    match &out[0] {
        partita::SqlOutput::Text(t) => {
            assert!(t.contains("total:") && t.contains("1 result rows"), "{t}")
        }
        other => panic!("{other:?}"),
    }
}
