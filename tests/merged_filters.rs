//! A merged or simplified filter sees exactly the rows, and raises exactly the errors,
//! of the filters it came from, under two-valued (pandas) and three-valued (Spark)
//! logic.

use partita::polars::*;
use partita::prelude::*;
use partita::{lit, Reference};

fn table(semantics: Semantics, partitions: usize) -> Frame {
    Session::new()
        .with_semantics(semantics)
        .with_workers(2)
        .from_columns(
            vec![
                Series::new("id".into(), [1i64, 2, 3, 4, 5]),
                Series::new(
                    "b".into(),
                    [Some(true), None, Some(false), Some(true), None],
                ),
                Series::new("x".into(), [1i64, 2, 3, 4, 5]),
            ],
            partitions,
        )
        .unwrap()
}

fn ids(df: &Table) -> Vec<i64> {
    let df = df.as_polars();
    let mut v: Vec<i64> = df
        .column("id")
        .unwrap()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    v.sort();
    v
}

#[test]
fn a_filter_on_non_null_rows_then_on_the_boolean_merges_safely() {
    for sem in [Semantics::pandas(), Semantics::spark()] {
        for partitions in [1, 2, 3] {
            let out = table(sem, partitions)
                .filter(col("b").is_not_null())
                .filter(col("b"))
                .collect()
                .unwrap_or_else(|e| panic!("{}: {e}", sem.name()));
            assert_eq!(ids(&out), [1, 4], "{}", sem.name());
        }
    }
}

#[test]
fn a_boolean_with_missing_values_as_the_whole_filter_raises_under_pandas() {
    // pandas: df[df.b] with a missing value raises ValueError, also after an earlier
    // filter that keeps such rows.
    for partitions in [1, 2, 3] {
        let err = table(Semantics::pandas(), partitions)
            .filter(col("x").gt(1))
            .filter(col("b"))
            .collect()
            .unwrap_err();
        assert_eq!(
            err.class(Reference::Pandas).as_deref(),
            Some("ValueError"),
            "{err}"
        );
    }
    let out = table(Semantics::spark(), 2)
        .filter(col("x").gt(1))
        .filter(col("b"))
        .collect()
        .unwrap();
    assert_eq!(ids(&out), [4]);
}

#[test]
fn inside_a_conjunction_a_missing_boolean_counts_as_false_under_pandas() {
    // pandas: df[(df.x > 1) & df.b] takes a missing b as false (recorded:
    // filter-and-nullable-bool).
    for partitions in [1, 2, 3] {
        let out = table(Semantics::pandas(), partitions)
            .filter(col("x").gt(1).and(col("b")))
            .collect()
            .unwrap();
        assert_eq!(ids(&out), [4]);
    }
}

#[test]
fn true_and_a_boolean_keeps_its_meaning_when_folded() {
    // `true AND b` under two-valued logic is b with missing values as false: it must
    // not become `b` alone, which raises as a whole filter.
    let out = table(Semantics::pandas(), 2)
        .filter(lit(true).and(col("b")))
        .collect()
        .unwrap();
    assert_eq!(ids(&out), [1, 4]);
    let out = table(Semantics::pandas(), 2)
        .filter(lit(false).or(col("b")))
        .collect()
        .unwrap();
    assert_eq!(ids(&out), [1, 4]);
    let projected = table(Semantics::pandas(), 2)
        .select([col("id"), lit(true).and(col("b")).alias("t")])
        .collect()
        .unwrap();
    assert!(projected
        .column::<bool>("t")
        .unwrap()
        .iter()
        .all(Option::is_some));
}
