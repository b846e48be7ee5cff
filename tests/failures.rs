//! Failures come back as errors that name the problem: a panic in user code names
//! its partition and never aborts or hangs; an unknown column names the nearest one.

use std::sync::mpsc;
use std::time::Duration;

use partita::polars::*;
use partita::prelude::*;
use partita::Error;

fn eight_partitions() -> Frame {
    // 8 partitions of 4 rows; column `p` holds the partition number.
    let p: Vec<i64> = (0..32).map(|i| i / 4).collect();
    let v: Vec<f64> = (0..32).map(|i| i as f64).collect();
    Session::new()
        .with_workers(4)
        .from_columns(
            vec![Series::new("p".into(), p), Series::new("v".into(), v)],
            8,
        )
        .unwrap()
}

#[test]
fn panic_in_map_partitions_names_the_partition() {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let schema = Schema::new(vec![
            Field::new("p", DataType::Int64),
            Field::new("v", DataType::Float64),
        ]);
        let frame = eight_partitions().map_partitions_with_schema(
            |part: Table| {
                if part.get::<i64>("p", 0)? == Some(3) {
                    panic!("boom in user code");
                }
                Ok(part)
            },
            schema,
        );
        tx.send(frame.collect()).unwrap();
    });
    let result = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the run must end, not hang");
    let err = result.expect_err("a panicking closure must fail the query");
    match &err {
        Error::Task {
            partition, task, ..
        } => {
            assert_eq!(*partition, Some(3), "{err}");
            assert_eq!(task, "partition[3]");
        }
        other => panic!("expected a task error, got {other}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("partition 3") && text.contains("boom in user code"),
        "{text}"
    );
}

#[test]
fn error_in_map_partitions_names_the_partition() {
    let schema = Schema::new(vec![
        Field::new("p", DataType::Int64),
        Field::new("v", DataType::Float64),
    ]);
    let err = eight_partitions()
        .map_partitions_with_schema(
            |part: Table| {
                if part.get::<i64>("p", 0)? == Some(5) {
                    return Err(Error::User("bad partition".into()));
                }
                Ok(part)
            },
            schema,
        )
        .collect()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Task {
                partition: Some(5),
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn map_partitions_with_a_wrong_schema_is_an_error() {
    let schema = Schema::new(vec![Field::new("q", DataType::Int64)]);
    let err = eight_partitions()
        .map_partitions_with_schema(Ok, schema)
        .collect()
        .unwrap_err();
    assert!(err.to_string().contains("declared"), "{err}");
}

#[test]
fn unknown_column_suggests_the_nearest_name() {
    let frame = Session::new()
        .from_columns(
            vec![
                Series::new("dep_delay".into(), [1.0f64]),
                Series::new("origin".into(), ["JFK"]),
            ],
            1,
        )
        .unwrap();
    let err = frame
        .clone()
        .filter(col("dep_dely").gt(lit(0)))
        .collect()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "filter: column 'dep_dely' not found; did you mean 'dep_delay'?"
    );
    let err = frame
        .clone()
        .groupby("orgin")
        .agg([col("dep_delay").mean()])
        .explain()
        .unwrap_err();
    assert!(err.to_string().contains("did you mean 'origin'"), "{err}");
    let err = frame
        .clone()
        .sort_values("Origin", SortSpec::ascending())
        .collect()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "sort_values: column 'Origin' not found; did you mean 'origin'?"
    );
    // A step made of other steps is named as the user called it.
    let err = frame
        .groupby("origin")
        .cumsum("dep_dealy")
        .collect()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "groupby.cumsum: column 'dep_dealy' not found; did you mean 'dep_delay'?"
    );
}

#[test]
fn spark_identifiers_are_case_insensitive_and_ambiguity_is_an_error() {
    let session = Session::new().with_semantics(Semantics::spark());
    let frame = session
        .from_columns(vec![Series::new("ID".into(), [1i64, 2])], 1)
        .unwrap();
    let out = frame.select([col("id")]).collect().unwrap();
    assert_eq!(
        out.column_names()[0],
        "id",
        "the output keeps the spelling of the query"
    );
    let both = session
        .from_columns(
            vec![
                Series::new("a".into(), [1i64]),
                Series::new("A".into(), [2i64]),
            ],
            1,
        )
        .unwrap();
    let err = both.select([col("a")]).collect().unwrap_err();
    assert!(err.to_string().contains("AMBIGUOUS_REFERENCE"), "{err}");
}

#[test]
fn type_errors_name_the_expression() {
    let frame = Session::new()
        .with_semantics(Semantics::spark())
        .from_columns(
            vec![
                Series::new("s".into(), ["a"]),
                Series::new("b".into(), [true]),
            ],
            1,
        )
        .unwrap();
    let err = frame.clone().agg([col("b").sum()]).collect().unwrap_err();
    assert!(err.to_string().contains("sum expects a number"), "{err}");
    // Spark sums strings as doubles: text that is no number names the value.
    let err = frame.clone().agg([col("s").sum()]).collect().unwrap_err();
    assert_eq!(
        err.class(partita::Reference::Spark).as_deref(),
        Some("CAST_INVALID_INPUT"),
        "{err}"
    );
    assert!(err.to_string().contains("'a'"), "{err}");
    let err = frame.filter(col("s") + lit(1)).collect().unwrap_err();
    assert!(err.to_string().contains("expects numbers"), "{err}");
}

#[test]
fn sort_spec_lists_must_match_the_keys() {
    let frame = eight_partitions();
    let err = frame
        .clone()
        .sort_values(
            ["p", "v"],
            SortSpec::ascending().with_ascending([true, false, true]),
        )
        .collect()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "sort_values: plan error: ascending has 3 values for 2 sort key(s); give one value or one per key"
    );
    let err = frame
        .clone()
        .sort_values(
            ["p", "v"],
            SortSpec::ascending().with_na_position([NullPlacement::First; 3]),
        )
        .collect()
        .unwrap_err();
    assert!(
        err.to_string().contains("na_position has 3 values"),
        "{err}"
    );
    // One value for every key, or one per key, is fine.
    let one = frame
        .clone()
        .sort_values(["p", "v"], SortSpec::descending())
        .collect()
        .unwrap();
    assert_eq!(one.height(), 32);
    let each = frame
        .sort_values(
            ["p", "v"],
            SortSpec::ascending().with_ascending([false, true]),
        )
        .collect()
        .unwrap();
    assert_eq!(each.height(), 32);
}
