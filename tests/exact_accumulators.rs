//! Issue 10: sums, means, variances and correlations do not depend on how the rows
//! are partitioned. Integer SUM decides overflow on the exact total (defect A);
//! float aggregates are the same to the bit for every partitioning (defect B).

use partita::polars::*;
use partita::prelude::*;
use partita::ScalarValue;

fn session(semantics: Semantics, workers: usize, split_out: usize) -> Session {
    Session::new()
        .with_semantics(semantics)
        .with_workers(workers)
        .with_split_every(2)
        .with_split_out(split_out)
}

/// The one row of a global aggregate, or the error's root cause as text.
fn global_row(
    semantics: Semantics,
    columns: Vec<Series>,
    partitions: usize,
    aggs: Vec<Expr>,
) -> std::result::Result<Vec<ScalarValue>, String> {
    let df = session(semantics, 2, 1)
        .from_columns(columns, partitions)
        .unwrap()
        .agg(aggs)
        .collect()
        .map_err(|e| e.root_cause().to_string())?;
    assert_eq!(df.height(), 1);
    let row = df.iter_rows().next().unwrap().unwrap();
    Ok(row)
}

fn int_sum(
    semantics: Semantics,
    values: &[i64],
    partitions: usize,
) -> std::result::Result<i64, String> {
    let column = Series::new("v".into(), values.to_vec());
    match global_row(
        semantics,
        vec![column],
        partitions,
        vec![col("v").sum().alias("s")],
    )?[0]
    {
        ScalarValue::Int64(Some(s)) => Ok(s),
        ref other => panic!("{other:?}"),
    }
}

#[test]
fn issue_10_integer_sum_overflow_is_decided_on_the_exact_total() {
    for partitions in [1, 2, 3] {
        // The running sum wraps after i64::MAX + 1, the total does not overflow.
        assert_eq!(
            int_sum(Semantics::spark(), &[i64::MAX, 1, -1], partitions),
            Ok(i64::MAX),
            "{partitions} partitions"
        );
        assert_eq!(
            int_sum(Semantics::spark(), &[-1, i64::MIN, 1], partitions),
            Ok(i64::MIN),
            "{partitions} partitions"
        );
        // The total does not fit: an error however the rows are split.
        for values in [
            vec![i64::MAX, 1],
            vec![i64::MAX, 1, 1, -1],
            vec![i64::MIN, -1],
        ] {
            let err = int_sum(Semantics::spark(), &values, partitions).unwrap_err();
            assert!(err.contains("ARITHMETIC_OVERFLOW"), "{values:?}: {err}");
        }
        // pandas wraps: the low 64 bits of the total, in any order.
        assert_eq!(
            int_sum(Semantics::pandas(), &[i64::MAX, 1], partitions),
            Ok(i64::MIN)
        );
        assert_eq!(
            int_sum(Semantics::pandas(), &[i64::MAX, 1, -1], partitions),
            Ok(i64::MAX)
        );
        assert_eq!(
            int_sum(
                Semantics::pandas(),
                &[i64::MAX, i64::MAX, i64::MAX],
                partitions
            ),
            Ok(i64::MAX.wrapping_mul(3))
        );
    }
}

#[test]
fn issue_10_integer_sum_and_mean_by_group_are_exact() {
    let k = Series::new("k".into(), ["a", "b", "a", "b", "a", "b"]);
    let v = Series::new("v".into(), [i64::MAX, i64::MIN, 1, -1, -2, 5]);
    for partitions in [1, 2, 3, 6] {
        let df = session(Semantics::spark(), 2, 2)
            .from_columns(vec![k.clone(), v.clone()], partitions)
            .unwrap()
            .groupby("k")
            .agg([col("v").sum().alias("s"), col("v").mean().alias("m")])
            .sort_values(["k"], SortSpec::ascending())
            .collect()
            .unwrap();
        let s = df.column::<i64>("s").unwrap();
        assert_eq!(s[0], Some(i64::MAX - 1), "{partitions}");
        assert_eq!(s[1], Some(i64::MIN + 4), "{partitions}");
        // The mean divides the exact total, not a float running sum.
        let m = df.column::<f64>("m").unwrap();
        assert_eq!(m[0], Some((i64::MAX as i128 - 1) as f64 / 3.0));
        assert_eq!(m[1], Some((i64::MIN as i128 + 4) as f64 / 3.0));
    }
}

/// Global SUM, AVG, VAR, STD and CORR of `x` (and `y`) with `partitions` partitions.
fn float_aggregates(semantics: Semantics, x: &[f64], partitions: usize) -> Vec<ScalarValue> {
    let y: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(i, v)| v * 0.5 + i as f64)
        .collect();
    let columns = vec![
        Series::new("x".into(), x.to_vec()),
        Series::new("y".into(), y),
    ];
    global_row(
        semantics,
        columns,
        partitions,
        vec![
            col("x").sum().alias("s"),
            col("x").mean().alias("m"),
            col("x").var().alias("v"),
            col("x").std().alias("sd"),
            corr(col("x"), col("y")).alias("c"),
        ],
    )
    .unwrap()
}

#[test]
fn issue_10_float_aggregates_are_the_same_bits_for_every_partitioning() {
    // Values whose plain running sums differ with the order: tenths, large
    // magnitudes that cancel, subnormals.
    let x: Vec<f64> = (0..97)
        .map(|i| match i % 7 {
            0 => 1e16,
            1 => -1e16,
            2 => 0.1 * i as f64,
            3 => 5e-324,
            4 => 1e-3 / (i as f64),
            _ => (i as f64).sqrt(),
        })
        .collect();
    for semantics in [Semantics::pandas(), Semantics::spark()] {
        let expected = float_aggregates(semantics, &x, 1);
        for partitions in [2, 3, 7, 16, 97] {
            let got = float_aggregates(semantics, &x, partitions);
            for (a, b) in expected.iter().zip(&got) {
                match (a, b) {
                    (ScalarValue::Float64(Some(a)), ScalarValue::Float64(Some(b))) => {
                        assert_eq!(
                            a.to_bits(),
                            b.to_bits(),
                            "{partitions}: {expected:?} {got:?}"
                        )
                    }
                    _ => assert_eq!(a, b),
                }
            }
        }
    }
}

#[test]
fn issue_10_variance_of_offset_data_does_not_cancel() {
    for partitions in [1, 2, 3] {
        let row = float_aggregates(
            Semantics::spark(),
            &[1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0],
            partitions,
        );
        assert_eq!(row[0], ScalarValue::Float64(Some(3e9 + 6.0)));
        assert_eq!(row[1], ScalarValue::Float64(Some(1e9 + 2.0)));
        assert_eq!(row[2], ScalarValue::Float64(Some(1.0)));
        assert_eq!(row[3], ScalarValue::Float64(Some(1.0)));
        // y = x / 2 + i: perfectly correlated with x.
        assert_eq!(row[4], ScalarValue::Float64(Some(1.0)));
    }
}

#[test]
fn issue_10_special_values_keep_their_meaning() {
    let spark = |x: &[f64]| float_aggregates(Semantics::spark(), x, 2);
    let nan = |v: &ScalarValue| matches!(v, ScalarValue::Float64(Some(x)) if x.is_nan());
    assert!(nan(&spark(&[1.0, f64::NAN, 2.0])[0]));
    assert!(nan(&spark(&[f64::INFINITY, 1.0, f64::NEG_INFINITY])[0]));
    assert_eq!(
        spark(&[f64::INFINITY, 1.0, 2.0])[0],
        ScalarValue::Float64(Some(f64::INFINITY))
    );
    let with_inf = spark(&[1.0, 2.0, f64::INFINITY]);
    assert!(
        nan(&with_inf[2]) && nan(&with_inf[3]) && nan(&with_inf[4]),
        "{with_inf:?}"
    );
    // A sum of zeros is +0.0, as a running sum started at +0.0 gives.
    let zeros = spark(&[-0.0, -0.0]);
    assert!(matches!(zeros[0], ScalarValue::Float64(Some(z)) if z.to_bits() == 0));
}

#[test]
fn issue_10_correlation_of_integers_is_exact_for_any_values() {
    // Integer columns keep exact integer sums (Σx², Σxy in 192 bits), so values near
    // i64::MAX correlate as exactly as small ones, for every partitioning.
    let x: Vec<i64> = (0..40).map(|i| i64::MAX - 3 * i).collect();
    let y: Vec<i64> = (0..40).map(|i| i * 7 - 100).collect();
    let z: Vec<i64> = (0..40).map(|i| (i * i) % 11).collect();
    let columns = vec![
        Series::new("x".into(), x),
        Series::new("y".into(), y),
        Series::new("z".into(), z.clone()),
    ];
    let row = |partitions| {
        global_row(
            Semantics::spark(),
            columns.clone(),
            partitions,
            vec![
                corr(col("x"), col("y")).alias("c"),
                corr(col("y"), col("z")).alias("d"),
            ],
        )
        .unwrap()
    };
    let one = row(1);
    // x falls by 3 as y rises by 7: exactly -1.
    assert_eq!(one[0], ScalarValue::Float64(Some(-1.0)));
    // The same as the float computation of small values, to the last bits.
    let zf: Vec<f64> = z.iter().map(|&v| v as f64).collect();
    let yf: Vec<f64> = (0..40).map(|i| (i * 7 - 100) as f64).collect();
    let (my, mz) = (yf.iter().sum::<f64>() / 40.0, zf.iter().sum::<f64>() / 40.0);
    let cov: f64 = yf.iter().zip(&zf).map(|(a, b)| (a - my) * (b - mz)).sum();
    let vy: f64 = yf.iter().map(|a| (a - my) * (a - my)).sum();
    let vz: f64 = zf.iter().map(|b| (b - mz) * (b - mz)).sum();
    let expected = cov / (vy * vz).sqrt();
    match one[1] {
        ScalarValue::Float64(Some(d)) => assert!((d - expected).abs() <= 1e-15, "{d} {expected}"),
        ref other => panic!("{other:?}"),
    }
    for partitions in [2, 3, 7, 40] {
        assert_eq!(row(partitions), one, "{partitions}");
    }
}

#[test]
fn sum_distinct_overflow_is_decided_on_the_exact_total_too() {
    // In ascending order i64::MIN + -1 wraps, but the total (-2) fits.
    for partitions in [1, 2, 3] {
        let s = session(Semantics::spark(), 2, 1);
        let mut ctx = partita::SqlContext::new(s.clone());
        let t = s
            .from_columns(
                vec![Series::new("v".into(), [i64::MIN, -1, i64::MAX, -1])],
                partitions,
            )
            .unwrap();
        ctx.register("t", t);
        let out = ctx
            .sql("SELECT SUM(DISTINCT v) AS s FROM t")
            .and_then(|f| f.collect())
            .unwrap();
        let v = out.value("s", 0).unwrap();
        assert_eq!(v, ScalarValue::Int64(Some(-2)), "{partitions} partitions");
    }
}
