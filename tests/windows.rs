//! Window functions through the Rust API equal the same windows in SQL, and
//! pandas' group-wise shortcuts (`cumsum`, `shift`, `rank`, `transform`) give
//! pandas' answers under the pandas preset.

use partita::polars::value_at;
use partita::polars::*;
use partita::prelude::*;
use partita::{ntile, NaOption, ScalarValue, SqlContext};

fn table(session: &Session, partitions: usize) -> Frame {
    session
        .from_columns(
            vec![
                Series::new(
                    "k".into(),
                    [Some("a"), Some("a"), None, Some("b"), Some("a"), Some("b")],
                ),
                Series::new(
                    "v".into(),
                    [Some(3i64), None, Some(5), Some(2), Some(1), Some(2)],
                ),
                Series::new("id".into(), [1i64, 2, 3, 4, 5, 6]),
            ],
            partitions,
        )
        .unwrap()
}

/// The rows as text, sorted by id (the first column).
fn rows(t: &Table) -> Vec<String> {
    let df = t.as_polars();
    let mut out: Vec<(i64, String)> = (0..df.height())
        .map(|i| {
            let cells: Vec<String> = df
                .columns()
                .iter()
                .map(|c| format!("{:?}", value_at(c.as_materialized_series(), i).unwrap()))
                .collect();
            let id = match t.value("id", i).unwrap() {
                ScalarValue::Int64(Some(x)) => x,
                other => panic!("id {other:?}"),
            };
            (id, cells.join(" | "))
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, r)| r).collect()
}

#[test]
fn api_windows_equal_sql_windows() {
    for sem in [Semantics::pandas(), Semantics::spark()] {
        for parts in [1, 3] {
            let session = Session::new().with_semantics(sem);
            let t = table(&session, parts);
            let w = Window::partition_by("k").order_by(["v", "id"], SortSpec::ascending());
            let api = t
                .clone()
                .with_windows([
                    rank().over(w.clone()).alias("r"),
                    col("v").sum().over(w.clone()).alias("s"),
                    lag(col("v"), 1, Some(ScalarValue::Int64(Some(0))))
                        .over(w.clone())
                        .alias("p"),
                    col("v")
                        .max()
                        .over(w.rows(FrameBound::Preceding(1), FrameBound::CurrentRow))
                        .alias("m"),
                ])
                .select([
                    col("id"),
                    col("k"),
                    col("v"),
                    col("r"),
                    col("s"),
                    col("p"),
                    col("m"),
                ])
                .collect()
                .unwrap();
            let mut ctx = SqlContext::new(session.clone());
            ctx.register("t", t);
            let sql = ctx
                .sql(
                    "SELECT id, k, v, RANK() OVER w AS r, SUM(v) OVER w AS s, LAG(v, 1, 0) OVER w AS p, \
                     MAX(v) OVER (w ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS m \
                     FROM t WINDOW w AS (PARTITION BY k ORDER BY v, id)",
                )
                .unwrap()
                .collect()
                .unwrap();
            assert_eq!(rows(&api), rows(&sql), "{} {parts} partitions", sem.name());
        }
    }
}

#[test]
fn groupby_transforms_follow_pandas() {
    let t = table(&Session::new(), 2);
    let value = |df: &Table, c: &str| -> Vec<Option<f64>> {
        let df = df.as_polars();
        let s = df.column(c).unwrap().as_materialized_series();
        (0..df.height())
            .map(|i| match value_at(s, i).unwrap() {
                ScalarValue::Float64(x) => x,
                ScalarValue::Int64(x) => x.map(|x| x as f64),
                other => panic!("{other:?}"),
            })
            .collect()
    };
    // df.groupby('k')['v'].cumsum(): a's 3, NaN, 1 -> 3, NaN, 4; the missing key
    // gets NaN; b's 2, 2 -> 2, 4. Rows keep their order.
    let out = t.clone().groupby("k").cumsum("v").collect().unwrap();
    assert_eq!(out.column_names(), ["k", "v", "id"]);
    assert_eq!(
        value(&out, "v"),
        [Some(3.0), None, None, Some(2.0), Some(4.0), Some(4.0)]
    );
    // shift(1): the previous value in the group, NaN first.
    let out = t.clone().groupby("k").shift("v", 1).collect().unwrap();
    assert_eq!(
        value(&out, "v"),
        [None, Some(3.0), None, None, None, Some(2.0)]
    );
    // rank(method='min'): a: 3 -> 2, NaN -> NaN, 1 -> 1; b: ties share 1.
    let out = t
        .clone()
        .groupby("k")
        .rank("v", RankSpec::new(RankMethod::Min))
        .collect()
        .unwrap();
    assert_eq!(
        value(&out, "v"),
        [Some(2.0), None, None, Some(1.0), Some(1.0), Some(1.0)]
    );
    // rank() (method='average'), method='max', pct=True; diff(); cumcount(), as
    // real pandas gives them.
    let v = |f: Frame, c: &str| value(&f.collect().unwrap(), c);
    assert_eq!(
        v(t.clone().groupby("k").rank("v", RankSpec::default()), "v"),
        [Some(2.0), None, None, Some(1.5), Some(1.0), Some(1.5)]
    );
    assert_eq!(
        v(
            t.clone()
                .groupby("k")
                .rank("v", RankSpec::new(RankMethod::Max)),
            "v"
        ),
        [Some(2.0), None, None, Some(2.0), Some(1.0), Some(2.0)]
    );
    assert_eq!(
        v(
            t.clone().groupby("k").rank("v", RankSpec::default().pct()),
            "v"
        ),
        [Some(1.0), None, None, Some(0.75), Some(0.5), Some(0.75)]
    );
    // cumprod(): the missing value stays missing at its row; integers stay int64
    // where nothing is missing.
    assert_eq!(
        v(t.clone().groupby("k").cumprod("v"), "v"),
        [Some(3.0), None, None, Some(2.0), Some(3.0), Some(4.0)]
    );
    let ints = Session::new()
        .from_columns(
            vec![
                Series::new("k".into(), ["a", "a", "b", "a", "b"]),
                Series::new("v".into(), [3i64, 4, 2, -1, 5]),
            ],
            2,
        )
        .unwrap()
        .groupby("k")
        .cumprod("v")
        .collect()
        .unwrap();
    assert_eq!(ints.schema().field(1).data_type, DataType::Int64);
    assert_eq!(
        value(&ints, "v"),
        [Some(3.0), Some(12.0), Some(2.0), Some(-12.0), Some(10.0)]
    );
    // na_option='top'; method='dense', ascending=False, na_option='bottom', pct=True.
    assert_eq!(
        v(
            t.clone()
                .groupby("k")
                .rank("v", RankSpec::default().na_option(NaOption::Top)),
            "v"
        ),
        [Some(3.0), Some(1.0), None, Some(1.5), Some(2.0), Some(1.5)]
    );
    let spec = RankSpec::new(RankMethod::Dense)
        .descending()
        .na_option(NaOption::Bottom)
        .pct();
    assert_eq!(
        v(t.clone().groupby("k").rank("v", spec), "v"),
        [
            Some(1.0 / 3.0),
            Some(1.0),
            None,
            Some(1.0),
            Some(2.0 / 3.0),
            Some(1.0)
        ]
    );
    assert_eq!(
        v(t.clone().groupby("k").diff("v", 1), "v"),
        [None, None, None, None, None, Some(0.0)]
    );
    assert_eq!(
        v(t.clone().groupby("k").cumcount("n"), "n"),
        [Some(0.0), Some(1.0), None, Some(0.0), Some(2.0), Some(1.0)]
    );
    // pct_change(); rolling(2).sum(), rolling(2, min_periods=1).sum(),
    // rolling(3, min_periods=2).mean(): real pandas' values on a seventh row.
    let t7 = Session::new()
        .from_columns(
            vec![
                Series::new(
                    "k".into(),
                    [
                        Some("a"),
                        Some("a"),
                        None,
                        Some("b"),
                        Some("a"),
                        Some("b"),
                        Some("a"),
                    ],
                ),
                Series::new(
                    "v".into(),
                    [
                        Some(3i64),
                        None,
                        Some(5),
                        Some(2),
                        Some(1),
                        Some(2),
                        Some(4),
                    ],
                ),
            ],
            3,
        )
        .unwrap();
    // Under pandas the rows keep their order through the shuffle by the keys: each
    // carries its address and the buckets merge back in address order.
    let plan = t7.clone().groupby("k").cumsum("v").explain().unwrap();
    assert!(plan.contains("window.order"), "{plan}");
    assert_eq!(
        v(t7.clone().groupby("k").pct_change("v", 1), "v"),
        [None, None, None, None, None, Some(0.0), Some(3.0)]
    );
    // pandas drops the missing key's row (row 2); Partita keeps it, missing.
    assert_eq!(
        v(
            t7.clone().groupby("k").rolling("v", 2, 2, col("v").sum()),
            "v"
        ),
        [None, None, None, None, None, Some(4.0), Some(5.0)]
    );
    assert_eq!(
        v(
            t7.clone().groupby("k").rolling("v", 2, 1, col("v").sum()),
            "v"
        ),
        [
            Some(3.0),
            Some(3.0),
            None,
            Some(2.0),
            Some(1.0),
            Some(4.0),
            Some(5.0)
        ]
    );
    assert_eq!(
        v(t7.groupby("k").rolling("v", 3, 2, col("v").mean()), "v"),
        [None, None, None, None, Some(2.0), Some(2.0), Some(2.5)]
    );
    // transform('mean'): each group's mean on its rows.
    let out = t
        .groupby("k")
        .transform("v", col("v").mean())
        .collect()
        .unwrap();
    assert_eq!(
        value(&out, "v"),
        [Some(2.0), Some(2.0), None, Some(2.0), Some(2.0), Some(2.0)]
    );
}

#[test]
fn window_misuse_is_a_clear_error() {
    let t = table(&Session::new(), 1);
    let err = t
        .clone()
        .with_windows([(col("v") + lit(1i64)).over(Window::new())])
        .collect()
        .unwrap_err();
    assert!(err.to_string().contains("is not an aggregate"), "{err}");
    let err = t
        .with_windows([ntile(0).over(Window::new().order_by("v", SortSpec::ascending()))])
        .collect()
        .unwrap_err();
    assert!(err.to_string().contains("must be positive"), "{err}");
}

#[test]
fn running_totals_without_keys_run_slice_by_slice() {
    // 997 rows: floats whose running sum rounds differently in any other order,
    // integers, missing values.
    let n = 997usize;
    let x: Vec<Option<f64>> = (0..n)
        .map(|i| (i % 13 != 5).then(|| (i as f64 * 0.37).sin() * 10f64.powi((i % 7) as i32)))
        .collect();
    let y: Vec<Option<i64>> = (0..n)
        .map(|i| (i % 11 != 3).then_some(i as i64 * 7 - 3000))
        .collect();
    let t: Vec<i64> = (0..n).map(|i| ((i * 7919) % n) as i64).collect();
    for sem in [Semantics::pandas(), Semantics::spark()] {
        let run = |parts: usize| -> (Table, String) {
            let f = Session::new()
                .with_semantics(sem)
                .from_columns(
                    vec![
                        Series::new("t".into(), t.clone()),
                        Series::new("x".into(), x.clone()),
                        Series::new("y".into(), y.clone()),
                    ],
                    parts,
                )
                .unwrap();
            // Spark: in the order of t; pandas keeps the rows' order (cumsum).
            let w = if sem.name() == "spark" {
                Window::new().order_by("t", SortSpec::ascending())
            } else {
                Window::new()
            }
            .rows(FrameBound::UnboundedPreceding, FrameBound::CurrentRow);
            let q = f.with_windows([
                col("x").sum().over(w.clone()).alias("sx"),
                col("y").sum().over(w.clone()).alias("sy"),
                col("x").mean().over(w.clone()).alias("mx"),
                col("y").max().over(w.clone()).alias("my"),
                count_star().over(w).alias("n"),
            ]);
            let graph = q.explain().unwrap();
            (q.collect().unwrap(), graph)
        };
        let (one, _) = run(1);
        for parts in [2, 3, 7] {
            let (many, graph) = run(parts);
            assert!(graph.contains("window.scan"), "{graph}");
            // Bit for bit: sorted by t, every column.
            let key = |t: &Table| {
                let mut r = rows_of(t);
                r.sort();
                r
            };
            assert_eq!(key(&one), key(&many), "{} {parts} partitions", sem.name());
        }
    }
}

/// Every row as text (floats by their bits).
fn rows_of(df: &Table) -> Vec<String> {
    let df = df.as_polars();
    (0..df.height())
        .map(|i| {
            df.columns()
                .iter()
                .map(|c| match value_at(c.as_materialized_series(), i).unwrap() {
                    ScalarValue::Float64(Some(f)) => format!("{:x}", f.to_bits()),
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}
