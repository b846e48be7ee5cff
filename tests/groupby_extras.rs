//! Per-group top-n (`nlargest` / `nsmallest`), expressions over aggregates, hash
//! repartitioning and `persist`: each equals a naive computation of the same
//! answer, under both presets and for several partition counts.

use std::collections::BTreeMap;

use partita::polars::value_at;
use partita::polars::*;
use partita::prelude::*;
use partita::{DefaultNullOrder, ScalarValue, SqlContext};

/// 200 rows: key `g` (7 groups, some missing), value `v` with ties and missing values.
fn columns() -> (Vec<Option<i64>>, Vec<Option<f64>>) {
    let g = (0..200)
        .map(|i| {
            if i % 23 == 0 {
                None
            } else {
                Some((i * 7 % 13) as i64 % 7)
            }
        })
        .collect();
    let v = (0..200)
        .map(|i| {
            if i % 17 == 0 {
                None
            } else {
                Some(((i * 37) % 50) as f64 / 2.0)
            }
        })
        .collect();
    (g, v)
}

fn frame(session: &Session, partitions: usize) -> Frame {
    let (g, v) = columns();
    session
        .from_columns(
            vec![Series::new("g".into(), g), Series::new("v".into(), v)],
            partitions,
        )
        .unwrap()
}

fn rows(df: &Table) -> Vec<Vec<ScalarValue>> {
    let df = df.as_polars();
    (0..df.height())
        .map(|r| {
            df.columns()
                .iter()
                .map(|c| value_at(c.as_materialized_series(), r).unwrap())
                .collect()
        })
        .collect()
}

/// The expected top-n rows: groups by key (missing key last, kept only when the
/// semantics keeps null keys, as Spark's does; pandas' keys are float64), values
/// largest (or smallest) first.
fn naive_top(n: usize, largest: bool, keep_null_key: bool) -> Vec<Vec<ScalarValue>> {
    let (g, v) = columns();
    let mut groups: BTreeMap<Option<i64>, Vec<f64>> = BTreeMap::new();
    for (k, x) in g.into_iter().zip(v) {
        if let Some(x) = x {
            if k.is_some() || keep_null_key {
                groups.entry(k).or_default().push(x);
            }
        }
    }
    let mut out = vec![];
    let mut entries: Vec<_> = groups.into_iter().collect();
    // None sorts first in a BTreeMap; both presets' sort puts the missing key last
    // here (pandas always, Spark's ascending default is nulls first).
    entries.sort_by_key(|(k, _)| (k.is_none(), *k));
    for (k, mut xs) in entries {
        xs.sort_by(|a, b| {
            if largest {
                b.total_cmp(a)
            } else {
                a.total_cmp(b)
            }
        });
        for x in xs.into_iter().take(n) {
            // pandas reads an integer column with missing values as float64.
            let key = if keep_null_key {
                ScalarValue::Int64(k)
            } else {
                ScalarValue::Float64(k.map(|k| k as f64))
            };
            out.push(vec![key, ScalarValue::Float64(Some(x))]);
        }
    }
    out
}

#[test]
fn per_group_top_n_is_its_own_plan_node_and_task() {
    let session = Session::new().with_semantics(Semantics::pandas());
    let text = frame(&session, 3)
        .groupby("g")
        .nlargest(2, "v")
        .explain()
        .unwrap();
    assert!(
        text.contains("TopKPerGroup: k=2, by=[g], order=[v DESC NULLS LAST]"),
        "{text}"
    );
    assert!(!text.contains("MapPartitions"), "{text}");
    // Under pandas a missing key is dropped before the per-partition top-n.
    assert!(
        text.contains("g IS NOT NULL → top-2 per [g] by v DESC NULLS LAST"),
        "{text}"
    );
    let spark = Session::new().with_semantics(Semantics::spark());
    let text = frame(&spark, 3)
        .groupby("g")
        .nsmallest(1, "v")
        .explain()
        .unwrap();
    assert!(
        text.contains("TopKPerGroup: k=1, by=[g], order=[v ASC NULLS LAST]"),
        "{text}"
    );
    assert!(!text.contains("g IS NOT NULL"), "{text}");
}

#[test]
fn nlargest_and_nsmallest_match_a_naive_computation() {
    for sem in [Semantics::pandas(), Semantics::spark()] {
        let keep_null = sem.null_group_keys == NullGroupKeys::Keep;
        for partitions in [1, 3, 8] {
            for workers in [1, 3] {
                let session = Session::new().with_semantics(sem).with_workers(workers);
                for (n, largest) in [(2, true), (3, false), (1, true)] {
                    let grouped = frame(&session, partitions).groupby("g");
                    let top = if largest {
                        grouped.nlargest(n, "v")
                    } else {
                        grouped.nsmallest(n, "v")
                    };
                    let got = rows(&top.collect().unwrap());
                    let mut want = naive_top(n, largest, keep_null);
                    if keep_null && sem.default_null_order == DefaultNullOrder::NullsSmallest {
                        // Spark sorts a missing key first in ascending order.
                        let nulls = want.iter().filter(|r| r[0].is_null()).count();
                        want.rotate_right(nulls);
                    }
                    if got != want {
                        // Show where they part, not the whole tables.
                        let at = (0..got.len().max(want.len()))
                            .find(|&i| got.get(i) != want.get(i))
                            .expect("unequal tables differ somewhere");
                        let window = |t: &[Vec<ScalarValue>]| -> Vec<Vec<ScalarValue>> {
                            t.iter()
                                .skip(at.saturating_sub(2))
                                .take(6)
                                .cloned()
                                .collect()
                        };
                        panic!(
                            "{sem} partitions={partitions} n={n} largest={largest}: {} rows, expected {}; first difference at row {at}:\n got  {:?}\n want {:?}",
                            got.len(),
                            want.len(),
                            window(&got),
                            window(&want)
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn expressions_over_aggregates() {
    for sem in [Semantics::pandas(), Semantics::spark()] {
        let session = Session::new().with_semantics(sem);
        let out = frame(&session, 4)
            .groupby("g")
            .agg([
                (col("v").max() - col("v").min()).alias("range"),
                col("v").count().alias("n"),
                (col("v").sum() / col("v").count()).alias("avg"),
            ])
            .sort_values("g", SortSpec::ascending())
            .collect()
            .unwrap();
        assert_eq!(out.column_names(), ["g", "range", "n", "avg"]);
        let plain = frame(&session, 1)
            .groupby("g")
            .agg([
                col("v").max().alias("hi"),
                col("v").min().alias("lo"),
                col("v").mean().alias("m"),
            ])
            .sort_values("g", SortSpec::ascending())
            .collect()
            .unwrap();
        for r in 0..out.height() {
            let f = |t: &Table, c: &str| t.get::<f64>(c, r).unwrap().unwrap();
            assert_eq!(f(&out, "range"), f(&plain, "hi") - f(&plain, "lo"));
            assert!((f(&out, "avg") - f(&plain, "m")).abs() < 1e-12);
        }
        // A global aggregate takes expressions too.
        let global = frame(&session, 3)
            .agg([(col("v").max() - col("v").min()).alias("span")])
            .collect()
            .unwrap();
        assert_eq!(
            global.value("span", 0).unwrap(),
            ScalarValue::Float64(Some(24.5))
        );
        // An expression with no aggregate is still an error that says so.
        let err = frame(&session, 1)
            .groupby("g")
            .agg([col("v") + lit(1.0)])
            .collect()
            .unwrap_err();
        assert!(
            err.to_string().contains("is not an aggregate function"),
            "{err}"
        );
    }
}

#[test]
fn repartition_by_puts_each_key_in_one_partition() {
    let session = Session::new().with_semantics(Semantics::spark());
    let parts = frame(&session, 5)
        .repartition_by("g", 4)
        .collect_partitions_with(&RunOptions::default())
        .unwrap();
    assert_eq!(parts.len(), 4);
    assert_eq!(parts.iter().map(|p| p.height()).sum::<usize>(), 200);
    let mut home: BTreeMap<String, usize> = BTreeMap::new();
    for (i, p) in parts.iter().enumerate() {
        for r in 0..p.height() {
            let k = format!("{:?}", p.value("g", r).unwrap());
            assert_eq!(
                *home.entry(k.clone()).or_insert(i),
                i,
                "key {k} in two partitions"
            );
        }
    }
    let err = frame(&session, 2)
        .repartition_by("nope", 2)
        .collect()
        .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}

#[test]
fn persist_runs_the_query_once() {
    let session = Session::new();
    let base = frame(&session, 4).filter(col("v").gt(lit(3.0)));
    let kept = base.persist().unwrap();
    assert!(kept.explain().unwrap().contains("memory [4 partitions]"));
    let a = kept
        .clone()
        .groupby("g")
        .agg([col("v").sum()])
        .collect()
        .unwrap();
    let b = base.groupby("g").agg([col("v").sum()]).collect().unwrap();
    assert_eq!(a.to_string_with_rows(50), b.to_string_with_rows(50));
}

#[test]
fn groupby_shortcuts_defer_errors_to_collect_like_every_builder_call() {
    let session = Session::new();
    // An unknown key: the shortcut returns a Frame, and collect says what is wrong.
    let err = frame(&session, 2)
        .groupby("nope")
        .mean()
        .collect()
        .unwrap_err();
    assert!(err.to_string().contains("column 'nope' not found"), "{err}");
    // Nothing left to aggregate is an error too, not a panic or an empty result.
    let only_key = frame(&session, 2).select([col("g")]);
    let err = only_key.groupby("g").sum().schema().unwrap_err();
    assert!(
        err.to_string()
            .contains("no numeric columns left to aggregate"),
        "{err}"
    );
    // The happy path chains straight into collect.
    let out = frame(&session, 2).groupby("g").size().collect().unwrap();
    assert_eq!(out.column_names(), ["g", "size"]);
}

#[test]
fn mode_through_the_rust_api_equals_sql() {
    for sem in [Semantics::pandas(), Semantics::spark()] {
        let session = Session::new().with_semantics(sem);
        for partitions in [1, 3, 8] {
            let api = frame(&session, partitions)
                .groupby("g")
                .agg([col("v").mode().alias("m")])
                .sort_values("g", SortSpec::ascending())
                .collect()
                .unwrap();
            let mut ctx = SqlContext::new(session.clone());
            ctx.register("t", frame(&session, partitions));
            let sql = ctx
                .sql("SELECT g, MODE(v, true) AS m FROM t GROUP BY g ORDER BY g")
                .unwrap()
                .collect()
                .unwrap();
            assert_eq!(rows(&api), rows(&sql), "{sem} partitions={partitions}");
            // Every group's mode is one of its most frequent values, the smallest.
            let (g, v) = columns();
            for row in rows(&api) {
                let key = row[0].clone();
                let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
                for (k, x) in g.iter().zip(&v) {
                    let same = match &key {
                        ScalarValue::Int64(k2) => k == k2,
                        ScalarValue::Float64(k2) => k.map(|k| k as f64) == *k2,
                        _ => false,
                    };
                    if let (true, Some(x)) = (same, x) {
                        *counts.entry((x * 2.0) as i64).or_default() += 1;
                    }
                }
                let best = counts.values().max().copied().unwrap_or(0);
                let want = counts
                    .iter()
                    .find(|(_, &c)| c == best)
                    .map(|(x, _)| *x as f64 / 2.0);
                assert_eq!(row[1], ScalarValue::Float64(want), "{sem} group {key:?}");
            }
        }
    }
}
