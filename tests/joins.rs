//! Joins through the Rust API and SQL equal a nested-loop join of the same rows,
//! under both presets, for several partition counts and both strategies
//! (broadcast and partitioned), with missing and repeated keys.

use partita::polars::value_at;
use partita::polars::*;
use partita::prelude::*;
use partita::{IntWithNulls, JoinNullKeys, ScalarValue, SqlContext};

type Row = Vec<ScalarValue>;

/// Left rows: id, k, v.
type LeftRows = Vec<(i64, Option<i64>, i64)>;
/// Right rows: k, w.
type RightRows = Vec<(Option<i64>, i64)>;

/// Left: id, k (missing every 7th), v. Right: k (missing every 5th), w.
fn tables() -> (LeftRows, RightRows) {
    let left = (0..40)
        .map(|i| (i, (i % 7 != 3).then_some(i * 3 % 11), i * 10))
        .collect();
    let right = (0..25)
        .map(|j| ((j % 5 != 1).then_some(j * 7 % 13), 100 + j))
        .collect();
    (left, right)
}

fn frames(session: &Session, partitions: usize) -> (Frame, Frame) {
    let (l, r) = tables();
    let left = session
        .from_columns(
            vec![
                Series::new("id".into(), l.iter().map(|x| x.0).collect::<Vec<_>>()),
                Series::new("k".into(), l.iter().map(|x| x.1).collect::<Vec<_>>()),
                Series::new("v".into(), l.iter().map(|x| x.2).collect::<Vec<_>>()),
            ],
            partitions,
        )
        .unwrap();
    let right = session
        .from_columns(
            vec![
                Series::new("k".into(), r.iter().map(|x| x.0).collect::<Vec<_>>()),
                Series::new("w".into(), r.iter().map(|x| x.1).collect::<Vec<_>>()),
            ],
            partitions.min(3),
        )
        .unwrap();
    (left, right)
}

fn rows(df: &Table) -> Vec<Row> {
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

/// A value as a float (the pandas rule makes a filled integer column float64).
fn num(v: &ScalarValue) -> Option<f64> {
    match v {
        ScalarValue::Int64(x) => x.map(|x| x as f64),
        ScalarValue::Float64(x) => *x,
        other => panic!("unexpected value {other:?}"),
    }
}

/// The nested-loop join: (id, w) of every output row, in pandas' order (left rows
/// in order, each one's matches in right order; unmatched right rows last).
fn naive(how: JoinType, nulls_match: bool) -> Vec<(Option<i64>, Option<i64>)> {
    let (l, r) = tables();
    let eq = |a: Option<i64>, b: Option<i64>| match (a, b) {
        (Some(a), Some(b)) => a == b,
        (None, None) => nulls_match,
        _ => false,
    };
    let mut out = vec![];
    let mut right_used = vec![false; r.len()];
    for &(id, k, _) in &l {
        let hits: Vec<usize> = (0..r.len()).filter(|&j| eq(k, r[j].0)).collect();
        match how {
            JoinType::LeftSemi if !hits.is_empty() => out.push((Some(id), None)),
            JoinType::LeftAnti if hits.is_empty() => out.push((Some(id), None)),
            JoinType::LeftSemi | JoinType::LeftAnti => {}
            _ => {
                for &j in &hits {
                    right_used[j] = true;
                    out.push((Some(id), Some(r[j].1)));
                }
                if hits.is_empty() && matches!(how, JoinType::Left | JoinType::Full) {
                    out.push((Some(id), None));
                }
            }
        }
    }
    if matches!(how, JoinType::Right | JoinType::Full) {
        for (j, used) in right_used.iter().enumerate() {
            if !used {
                out.push((None, Some(r[j].1)));
            }
        }
    }
    if how == JoinType::Right {
        // pandas' right merge follows the right order.
        let (l, r) = tables();
        out.clear();
        for &(k, w) in &r {
            let hits: Vec<i64> = l.iter().filter(|x| eq(x.1, k)).map(|x| x.0).collect();
            if hits.is_empty() {
                out.push((None, Some(w)));
            }
            for id in hits {
                out.push((Some(id), Some(w)));
            }
        }
    }
    out
}

fn pairs(df: &Table) -> Vec<(Option<i64>, Option<i64>)> {
    let names: Vec<String> = df.column_names().iter().map(|s| s.to_string()).collect();
    let id = names.iter().position(|n| n == "id").unwrap();
    let w = names.iter().position(|n| n == "w");
    rows(df)
        .into_iter()
        .map(|r| {
            (
                num(&r[id]).map(|x| x as i64),
                w.and_then(|w| num(&r[w]).map(|x| x as i64)),
            )
        })
        .collect()
}

#[test]
fn api_and_sql_joins_equal_a_nested_loop_join() {
    let kinds = [
        (JoinType::Inner, JoinSpec::inner(), "JOIN"),
        (JoinType::Left, JoinSpec::left(), "LEFT JOIN"),
        (JoinType::Right, JoinSpec::right(), "RIGHT JOIN"),
        (JoinType::Full, JoinSpec::outer(), "FULL OUTER JOIN"),
        (JoinType::LeftSemi, JoinSpec::semi(), "LEFT SEMI JOIN"),
        (JoinType::LeftAnti, JoinSpec::anti(), "LEFT ANTI JOIN"),
    ];
    for sem in [Semantics::pandas(), Semantics::spark()] {
        let nulls_match = sem.join_null_keys == JoinNullKeys::Match;
        for broadcast_rows in [0, 1 << 20] {
            for partitions in [1, 2, 3, 7] {
                let session = Session::new()
                    .with_semantics(sem)
                    .with_broadcast_rows(broadcast_rows)
                    .with_split_out(4);
                for (how, spec, sql_join) in &kinds {
                    let want = naive(*how, nulls_match);
                    let (l, r) = frames(&session, partitions);
                    let api = l
                        .clone()
                        .join(r.clone(), spec.clone().on("k"))
                        .collect()
                        .unwrap();
                    let mut ctx = SqlContext::new(session.clone());
                    ctx.register("l", l);
                    ctx.register("r", r);
                    let cols = if how.keeps_right_columns() {
                        "l.id AS id, r.w AS w"
                    } else {
                        "l.id AS id"
                    };
                    let sql = ctx
                        .sql(&format!("SELECT {cols} FROM l {sql_join} r ON l.k = r.k"))
                        .unwrap()
                        .collect()
                        .unwrap();
                    let what = format!(
                        "{sem} {how} partitions={partitions} broadcast_rows={broadcast_rows}"
                    );
                    for (got, front) in [(pairs(&api), "api"), (pairs(&sql), "sql")] {
                        // pandas promises the order of every join but the outer one.
                        let ordered = nulls_match && *how != JoinType::Full && broadcast_rows > 0;
                        if ordered {
                            assert_eq!(got, want, "{what} {front}: order");
                        } else {
                            let (mut g, mut w) = (got.clone(), want.clone());
                            g.sort();
                            w.sort();
                            assert_eq!(g, w, "{what} {front}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn merge_names_keys_once_and_suffixes_the_rest() {
    let session = Session::new();
    let (l, r) = frames(&session, 2);
    let r = r.with_column(col("w").alias("v"));
    let out = l
        .join(r, JoinSpec::outer().on("k").suffixes("_l", "_r"))
        .collect()
        .unwrap();
    assert_eq!(out.column_names(), ["id", "k", "v_l", "w", "v_r"]);
    // An outer join's key comes from whichever side has the row: it is missing
    // only where both keys are (pandas matches the 6 left and 5 right missing
    // keys with each other: 30 rows).
    let (l, r) = tables();
    let missing =
        l.iter().filter(|x| x.1.is_none()).count() * r.iter().filter(|x| x.0.is_none()).count();
    assert_eq!(out.null_count("k").unwrap(), missing);
    let err = frames(&session, 1)
        .0
        .join(frames(&session, 1).1, JoinSpec::inner().on("nope"))
        .collect()
        .unwrap_err();
    assert!(err.to_string().contains("column 'nope' not found"), "{err}");
}

/// Sorted (id, k) pairs of a result whose columns start with id, k.
fn id_k(df: &Table) -> Vec<(Option<i64>, Option<i64>)> {
    let mut out: Vec<_> = rows(df)
        .iter()
        .map(|r| (num(&r[0]).map(|x| x as i64), num(&r[1]).map(|x| x as i64)))
        .collect();
    out.sort();
    out
}

#[test]
fn merge_sort_and_indicator_follow_pandas() {
    for session in [
        Session::new(),
        Session::new().with_semantics(Semantics::spark()),
    ] {
        let (l, r) = frames(&session, 3);
        let out = l
            .join(r, JoinSpec::outer().on("k").sort(true).indicator("_merge"))
            .collect()
            .unwrap();
        assert_eq!(out.column_names(), ["id", "k", "v", "w", "_merge"]);
        // Keys ascending, missing keys last.
        let keys: Vec<Option<f64>> = rows(&out).iter().map(|r| num(&r[1])).collect();
        let present: Vec<f64> = keys.iter().flatten().copied().collect();
        assert!(present.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
        assert!(keys.iter().skip_while(|k| k.is_some()).all(Option::is_none));
        // Where each row comes from, against the nested-loop join's pairs.
        let nulls_match = frames(&session, 1).0.semantics().join_null_keys == JoinNullKeys::Match;
        let expected = naive(JoinType::Full, nulls_match);
        let count =
            |f: fn(&(Option<i64>, Option<i64>)) -> bool| expected.iter().filter(|p| f(p)).count();
        let merge: Vec<String> = rows(&out)
            .iter()
            .map(|r| match &r[4] {
                ScalarValue::Utf8(Some(s)) => s.clone(),
                other => panic!("indicator {other:?}"),
            })
            .collect();
        let n = |s: &str| merge.iter().filter(|m| *m == s).count();
        assert_eq!(n("both"), count(|p| p.0.is_some() && p.1.is_some()));
        assert_eq!(n("left_only"), count(|p| p.1.is_none()));
        assert_eq!(n("right_only"), count(|p| p.0.is_none()));
        let (l, r) = frames(&session, 1);
        let err = l
            .join(r, JoinSpec::semi().on("k").indicator("_merge"))
            .collect()
            .unwrap_err();
        assert!(err.to_string().contains("indicator"), "{err}");
    }
}

#[test]
fn intersect_except_and_concat_match_sql() {
    for session in [
        Session::new(),
        Session::new().with_semantics(Semantics::spark()),
    ] {
        for parts in [1, 2, 7] {
            let (l, r) = frames(&session, parts);
            // (k, v % 3) on the left, (k, w % 3) on the right: rows that repeat,
            // with missing keys on both sides.
            let a = l
                .clone()
                .select([col("k"), (col("v") % lit(3i64)).alias("m")]);
            let b = r
                .clone()
                .select([col("k"), (col("w") % lit(3i64)).alias("m")]);
            let mut ctx = SqlContext::new(session.clone());
            ctx.register("a", a.clone());
            ctx.register("b", b.clone());
            for (api, sql) in [
                (
                    a.clone().intersect(b.clone()),
                    "SELECT * FROM a INTERSECT SELECT * FROM b",
                ),
                (
                    a.clone().except(b.clone()),
                    "SELECT * FROM a EXCEPT SELECT * FROM b",
                ),
            ] {
                let got = id_k(&api.collect().unwrap());
                let want = id_k(&ctx.sql(sql).unwrap().collect().unwrap());
                assert_eq!(got, want, "{sql}, {parts} partitions");
                let mut distinct = got.clone();
                distinct.dedup();
                assert_eq!(got, distinct, "{sql}: rows repeat");
            }
            // Columns by name: b's k meets a's k; a has id, v; b has w.
            let pandas = l.semantics().int_with_nulls == IntWithNulls::Float64;
            let out = l.concat([r]).collect().unwrap();
            assert_eq!(out.column_names(), ["id", "k", "v", "w"]);
            let (lt, rt) = tables();
            assert_eq!(out.height(), lt.len() + rt.len());
            assert_eq!(out.null_count("w").unwrap(), lt.len());
            assert_eq!(out.null_count("id").unwrap(), rt.len());
            let id_type = out.data_type("id").unwrap();
            assert_eq!(id_type == DataType::Float64, pandas, "{id_type}");
        }
    }
}

#[test]
fn keys_of_two_types_match_in_both_strategies() {
    for broadcast_rows in [0, 1 << 20] {
        let session = Session::new()
            .with_semantics(Semantics::spark())
            .with_broadcast_rows(broadcast_rows);
        let left = session
            .from_columns(
                vec![Series::new("k".into(), (0..60i64).collect::<Vec<_>>())],
                4,
            )
            .unwrap();
        let right = session
            .from_columns(
                vec![
                    Series::new(
                        "r".into(),
                        (0..30).map(|i| i as f64 * 2.0).collect::<Vec<_>>(),
                    ),
                    Series::new("w".into(), (0..30i64).collect::<Vec<_>>()),
                ],
                3,
            )
            .unwrap();
        let out = left
            .join(right, JoinSpec::inner().left_on("k").right_on("r"))
            .collect()
            .unwrap();
        // The even k of 0..60 meet r = 0.0, 2.0, ..., 58.0.
        assert_eq!(out.height(), 30, "broadcast_rows={broadcast_rows}");
    }
}
