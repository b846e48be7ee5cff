//! The partial → merge → final steps agree with one another.

use super::*;
use polars_core::prelude::{IntoColumn, NamedFrom};

fn spec() -> AggSpec {
    AggSpec {
        keys: vec!["k".into()],
        calls: vec![
            AggCall {
                func: AggregateFunction::Sum,
                inputs: vec!["v".into()],
                output: "s".into(),
                input_type: DataType::Int64,
                output_type: DataType::Int64,
            },
            AggCall {
                func: AggregateFunction::Var { ddof: 1 },
                inputs: vec!["v".into()],
                output: "var".into(),
                input_type: DataType::Int64,
                output_type: DataType::Float64,
            },
        ],
        drop_null_keys: false,
    }
}

/// `rows` rows whose key is `row % keys`, value `row % 7`.
fn table(rows: usize, keys: usize) -> DataFrame {
    let k: Vec<i64> = (0..rows).map(|r| (r % keys) as i64).collect();
    let v: Vec<i64> = (0..rows).map(|r| (r % 7) as i64).collect();
    DataFrame::new(
        rows,
        vec![
            Series::new("k".into(), k).into_column(),
            Series::new("v".into(), v).into_column(),
        ],
    )
    .unwrap()
}

fn sorted_by_key(df: DataFrame) -> DataFrame {
    df.sort(["k"], Default::default()).unwrap()
}

#[test]
fn the_estimate_follows_the_sample() {
    // Every sampled row distinct: as many groups as rows.
    assert_eq!(estimated_groups(16_384, 16_384, 1_000_000), 1_000_000.0);
    // 100 keys seen 164 times each: about 100 groups however many rows.
    let few = estimated_groups(100, 16_384, 1_000_000);
    assert!((99.0..=101.0).contains(&few), "{few}");
    // 1e5 keys show about 15,112 distinct in 16,384 rows: about 1e5 groups in 625k rows.
    let many = estimated_groups(15_112, 16_384, 625_000);
    assert!((90_000.0..=110_000.0).contains(&many), "{many}");
}

#[test]
fn partial_or_rows_skips_grouping_only_where_keys_barely_repeat() {
    let sem = Semantics::spark();
    let unique = table(100_000, 100_000);
    let rows = partial_or_rows(&unique, &spec(), &sem).unwrap();
    assert_eq!(rows.height(), 100_000, "one state per row");
    let repeated = table(100_000, 1_000);
    let grouped = partial_or_rows(&repeated, &spec(), &sem).unwrap();
    assert_eq!(grouped.height(), 1_000, "grouped");
}

#[test]
fn states_per_row_merge_to_the_grouped_result() {
    let sem = Semantics::spark();
    // 60,000 keys over 100,000 rows: the probe sees mostly distinct keys.
    let df = table(100_000, 60_000);
    let per_row = partial_or_rows(&df, &spec(), &sem).unwrap();
    assert_eq!(per_row.height(), 100_000);
    let via_rows = finalize(&merge(&per_row, &spec(), &sem).unwrap(), &spec(), &sem).unwrap();
    let direct = finalize(&partial(&df, &spec(), &sem).unwrap(), &spec(), &sem).unwrap();
    assert_eq!(via_rows.height(), 60_000);
    assert!(sorted_by_key(via_rows).equals_missing(&sorted_by_key(direct)));
}

#[test]
fn float_states_per_row_merge_to_the_same_bits_as_grouped_states() {
    use AggregateFunction::*;
    let sem = Semantics::spark();
    let rows = 100_000;
    // Values with nulls whose plain sums depend on the order of additions.
    let v: Vec<Option<f64>> = (0..rows)
        .map(|r| (r % 11 != 0).then_some((r % 97) as f64 * 0.1 + (r % 5) as f64 * 1e9))
        .collect();
    let df = DataFrame::new(
        rows,
        vec![
            Series::new(
                "k".into(),
                (0..rows).map(|r| (r % 60_000) as i64).collect::<Vec<_>>(),
            )
            .into_column(),
            Series::new("v".into(), v).into_column(),
            // Without nulls: the prefetching loop of many groups.
            Series::new(
                "u".into(),
                (0..rows).map(|r| r as f64 * 0.1).collect::<Vec<_>>(),
            )
            .into_column(),
        ],
    )
    .unwrap();
    let call = |func, output: &str| AggCall {
        func,
        inputs: vec![if output == "su" { "u" } else { "v" }.into()],
        output: output.into(),
        input_type: DataType::Float64,
        output_type: DataType::Float64,
    };
    let spec = AggSpec {
        keys: vec!["k".into()],
        calls: vec![
            call(Sum, "s"),
            call(Mean, "m"),
            call(Var { ddof: 1 }, "var"),
            call(Sum, "su"),
        ],
        drop_null_keys: false,
    };
    let per_row = partial_or_rows(&df, &spec, &sem).unwrap();
    assert_eq!(per_row.height(), rows);
    let via_rows = finalize(&merge(&per_row, &spec, &sem).unwrap(), &spec, &sem).unwrap();
    // The same rows, grouped in two halves merged in the other order.
    let (a, b) = (df.slice(0, rows / 2), df.slice((rows / 2) as i64, rows / 2));
    let mut states = partial(&b, &spec, &sem).unwrap();
    states
        .vstack_mut(&partial(&a, &spec, &sem).unwrap())
        .unwrap();
    let halves = finalize(&merge(&states, &spec, &sem).unwrap(), &spec, &sem).unwrap();
    assert!(sorted_by_key(via_rows).equals_missing(&sorted_by_key(halves)));
    // 20k groups (the prefetching loop): the whole table and its halves merged
    // in the other order give the same bits.
    let mut by_fewer = df.clone();
    by_fewer
        .with_column(
            Series::new(
                "k".into(),
                (0..rows).map(|r| (r % 20_000) as i64).collect::<Vec<_>>(),
            )
            .into_column(),
        )
        .unwrap();
    let whole = finalize(&partial(&by_fewer, &spec, &sem).unwrap(), &spec, &sem).unwrap();
    let (a, b) = (
        by_fewer.slice(0, rows / 2),
        by_fewer.slice((rows / 2) as i64, rows / 2),
    );
    let mut states = partial(&b, &spec, &sem).unwrap();
    states
        .vstack_mut(&partial(&a, &spec, &sem).unwrap())
        .unwrap();
    let halves = finalize(&merge(&states, &spec, &sem).unwrap(), &spec, &sem).unwrap();
    assert_eq!(whole.height(), 20_000);
    assert!(sorted_by_key(whole).equals_missing(&sorted_by_key(halves)));
}

#[test]
fn merging_states_of_distinct_keys_passes_them_through() {
    let sem = Semantics::spark();
    let df = table(1_000, 1_000);
    let states = partial(&df, &spec(), &sem).unwrap();
    let merged = merge(&states, &spec(), &sem).unwrap();
    assert!(merged.equals_missing(&states));
}
