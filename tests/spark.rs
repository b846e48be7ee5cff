//! The Spark Connect backend against a real server. `make spark-check` (run by
//! `make test`) starts a local server and runs these with `PARTITA_SPARK_URL` and
//! `PARTITA_G1_FILE` set. Without `PARTITA_SPARK_URL` (a plain `cargo test`) each
//! test says it was skipped and returns; with it, nothing is skipped.
#![cfg(feature = "spark")]

mod spark_server {
    use std::time::{Duration, Instant};

    use partita::prelude::*;
    use partita::{Engine, NaOption, RankMethod, RankSpec, ScalarValue, SqlContext, Table};

    /// The server's address, or `None` (and a note) when no server was started.
    fn server() -> Option<String> {
        let url = std::env::var("PARTITA_SPARK_URL").ok();
        if url.is_none() {
            eprintln!(
                "skipped: PARTITA_SPARK_URL is not set (`make spark-check` starts a local \
                 Spark Connect server and runs these tests)"
            );
        }
        url
    }

    /// The db-benchmark questions (q8 as SQL with ROW_NUMBER).
    const QUESTIONS: &[(&str, &str)] = &[
        ("q1", "SELECT id1, SUM(v1) AS v1 FROM x GROUP BY id1"),
        ("q2", "SELECT id1, id2, SUM(v1) AS v1 FROM x GROUP BY id1, id2"),
        ("q3", "SELECT id3, SUM(v1) AS v1, AVG(v3) AS v3 FROM x GROUP BY id3"),
        ("q4", "SELECT id4, AVG(v1) AS v1, AVG(v2) AS v2, AVG(v3) AS v3 FROM x GROUP BY id4"),
        ("q5", "SELECT id6, SUM(v1) AS v1, SUM(v2) AS v2, SUM(v3) AS v3 FROM x GROUP BY id6"),
        (
            "q6",
            "SELECT id4, id5, MEDIAN(v3) AS median_v3, STDDEV(v3) AS sd_v3 FROM x GROUP BY id4, id5",
        ),
        ("q7", "SELECT id3, MAX(v1) - MIN(v2) AS range_v1_v2 FROM x GROUP BY id3"),
        (
            "q8",
            "SELECT id6, v3 AS largest2_v3 FROM (SELECT id6, v3, ROW_NUMBER() OVER \
             (PARTITION BY id6 ORDER BY v3 DESC) AS rn FROM x WHERE v3 IS NOT NULL) sub WHERE rn <= 2",
        ),
        ("q9", "SELECT id2, id4, POWER(CORR(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4"),
        (
            "q10",
            "SELECT id1, id2, id3, id4, id5, id6, SUM(v3) AS v3, COUNT(*) AS count \
             FROM x GROUP BY id1, id2, id3, id4, id5, id6",
        ),
    ];

    fn run(sql: &str, semantics: Semantics, engine: Engine, file: &str) -> partita::Result<Table> {
        let session = Session::new().with_semantics(semantics).with_engine(engine);
        let mut ctx = SqlContext::new(session.clone());
        ctx.register(
            "x",
            session.read_parquet(file, partita::ParquetOptions::default())?,
        );
        ctx.sql(sql)?.collect()
    }

    /// The rows of a table as text keys with their floats, sorted: equal answers
    /// compare equal whatever order the engines returned them in.
    fn rows(t: &Table) -> Vec<(String, Vec<f64>)> {
        let mut out: Vec<(String, Vec<f64>)> = t
            .iter_rows()
            .map(|row| {
                let mut key = vec![];
                let mut nums = vec![];
                for v in row.expect("a row") {
                    match v {
                        ScalarValue::Float64(Some(f)) => nums.push(f),
                        ScalarValue::Float32(Some(f)) => nums.push(f as f64),
                        other => key.push(other.to_string()),
                    }
                }
                (key.join("|"), nums)
            })
            .collect();
        out.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal))
        });
        out
    }

    fn same(a: &Table, b: &Table) -> Result<(), String> {
        if a.schema() != b.schema() {
            return Err(format!("schemas differ: {} vs {}", a.schema(), b.schema()));
        }
        let (ra, rb) = (rows(a), rows(b));
        if ra.len() != rb.len() {
            return Err(format!("{} rows vs {}", ra.len(), rb.len()));
        }
        for (x, y) in ra.iter().zip(&rb) {
            let close = x.1.len() == y.1.len()
                && x.1.iter().zip(&y.1).all(|(p, q)| {
                    // Spark's float sums are not exact (Partita's are): the last bits
                    // may differ, and an exact 0 may come back as 1e-33.
                    p == q
                        || (p - q).abs() <= 1e-9 * p.abs().max(q.abs()).max(1e-9)
                        || (p.is_nan() && q.is_nan())
                });
            if x.0 != y.0 || !close {
                return Err(format!("row {x:?} vs {y:?}"));
            }
        }
        Ok(())
    }

    #[test]
    fn db_benchmark_questions_agree_with_the_local_engine() {
        let Some(url) = server() else { return };
        let file = std::env::var("PARTITA_G1_FILE")
            .expect("PARTITA_G1_FILE is not set: run through `make spark-check`");
        let mut failures = vec![];
        for (name, semantics) in [
            ("spark", Semantics::spark()),
            ("pandas", Semantics::pandas()),
        ] {
            for (q, sql) in QUESTIONS {
                let local = run(sql, semantics, Engine::local(), &file);
                let spark = run(sql, semantics, Engine::spark(&url), &file);
                match (local, spark) {
                    (Ok(l), Ok(s)) => {
                        assert!(l.height() > 0, "{q}: no rows");
                        if let Err(why) = same(&l, &s) {
                            failures.push(format!("{q} [{name}]: {why}"));
                        }
                    }
                    (l, s) => failures.push(format!(
                        "{q} [{name}]: local {:?}, spark {:?}",
                        l.err().map(|e| e.to_string()),
                        s.err().map(|e| e.to_string())
                    )),
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn no_server_is_an_error_naming_the_address_at_once() {
        // A port nothing listens on (bound, then released).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let frame = numbers(&spark_session(&format!("sc://127.0.0.1:{port}")));
        let started = Instant::now();
        let err = frame.collect().unwrap_err().to_string();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
        assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
        assert!(err.contains("cannot reach"), "{err}");
    }

    #[test]
    fn a_token_is_never_shown() {
        let engine = Engine::spark("sc://127.0.0.1:15002/;token=s3cr3t;user_id=me");
        let shown = format!("{} {:?}", engine.describe(), engine);
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }

    /// A session with Spark's semantics on the server at `url`.
    fn spark_session(url: &str) -> Session {
        Session::new()
            .with_semantics(Semantics::spark())
            .with_engine(Engine::spark(url))
    }

    /// `a` = 1, 2, 3 on that server.
    fn numbers(session: &Session) -> partita::Frame {
        session
            .from_columns(vec![partita::Column::new("a", [1i64, 2, 3])], 1)
            .unwrap()
    }

    #[test]
    fn a_closure_is_refused_before_anything_is_sent() {
        let Some(url) = server() else { return };
        let session = spark_session(&url);
        let frame = numbers(&session).map_partitions(Ok);
        let err = frame.collect().unwrap_err().to_string();
        assert!(err.contains("map_partitions"), "{err}");
    }

    #[test]
    fn spark_errors_keep_their_class() {
        let Some(url) = server() else { return };
        let session = spark_session(&url);
        let mut ctx = SqlContext::new(session.clone());
        ctx.register(
            "t",
            session
                .from_columns(
                    vec![
                        partita::Column::new("a", [1i64, 2, 3]),
                        partita::Column::new("b", [1i64, 0, 1]),
                    ],
                    1,
                )
                .unwrap(),
        );
        let err = ctx
            .sql("SELECT a / b AS q FROM t")
            .unwrap()
            .collect()
            .unwrap_err();
        assert_eq!(
            err.class(partita::Reference::Spark).as_deref(),
            Some("DIVIDE_BY_ZERO"),
            "{err}"
        );
    }

    /// A frame for pandas' group-wise transforms: a missing key, ties, missing
    /// values and infinities.
    fn transform_input(session: &Session) -> partita::Frame {
        let inf = f64::INFINITY;
        session
            .from_columns(
                vec![
                    partita::Column::new("id", [1i64, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
                    partita::Column::new(
                        "k",
                        [
                            Some("a"),
                            Some("a"),
                            Some("a"),
                            Some("a"),
                            Some("b"),
                            Some("b"),
                            None,
                            Some("b"),
                            Some("c"),
                            Some("a"),
                        ],
                    ),
                    partita::Column::new(
                        "v",
                        [
                            Some(2.0),
                            None,
                            Some(2.0),
                            Some(-1.0),
                            Some(inf),
                            Some(1.0),
                            Some(3.0),
                            Some(-inf),
                            None,
                            Some(5.0),
                        ],
                    ),
                ],
                1,
            )
            .unwrap()
    }

    #[test]
    fn pandas_transforms_agree_with_the_local_engine() {
        let Some(url) = server() else { return };
        let on = |engine: Engine| {
            Session::new()
                .with_semantics(Semantics::pandas())
                .with_engine(engine)
        };
        let (local, spark) = (on(Engine::local()), on(Engine::spark(&url)));
        let mut failures = vec![];
        let methods = [
            RankMethod::Average,
            RankMethod::Min,
            RankMethod::Max,
            RankMethod::First,
            RankMethod::Dense,
        ];
        for method in methods {
            for na in [NaOption::Keep, NaOption::Top, NaOption::Bottom] {
                for (pct, descending) in
                    [(false, false), (true, false), (false, true), (true, true)]
                {
                    let mut spec = RankSpec::new(method).na_option(na);
                    if pct {
                        spec = spec.pct();
                    }
                    if descending {
                        spec = spec.descending();
                    }
                    let run =
                        |s: &Session| transform_input(s).groupby("k").rank("v", spec).collect();
                    let what =
                        format!("rank({method:?}, {na:?}, pct={pct}, descending={descending})");
                    match (run(&local), run(&spark)) {
                        (Ok(l), Ok(s)) => {
                            if let Err(why) = same(&l, &s) {
                                failures.push(format!("{what}: {why}"));
                            }
                        }
                        (l, s) => failures.push(format!(
                            "{what}: local {:?}, spark {:?}",
                            l.err(),
                            s.err()
                        )),
                    }
                }
            }
        }
        // Running and rolling sums with infinities (Kahan's NaN, rolling's missing
        // infinities), a RANGE frame around a missing order value.
        for sql in [
            "SELECT id, SUM(v) OVER (PARTITION BY k ORDER BY id) AS s FROM t",
            "SELECT id, SUM(v) OVER (PARTITION BY k ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM t",
            "SELECT id, AVG(v) OVER (PARTITION BY k ORDER BY id) AS s, MAX(v) OVER (ORDER BY id) AS m FROM t",
            "SELECT id, COUNT(*) OVER (PARTITION BY k ORDER BY v RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS c, SUM(id) OVER (PARTITION BY k ORDER BY v RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM t",
            "SELECT id, PERCENT_RANK() OVER (PARTITION BY k ORDER BY v) AS p, CUME_DIST() OVER (ORDER BY v DESC) AS c FROM t",
        ] {
            let run = |s: &Session| {
                let mut ctx = SqlContext::new(s.clone());
                ctx.register("t", transform_input(s));
                ctx.sql(sql)?.collect()
            };
            match (run(&local), run(&spark)) {
                (Ok(l), Ok(s)) => {
                    if let Err(why) = same(&l, &s) {
                        failures.push(format!("{sql}: {why}"));
                    }
                }
                (l, s) => failures.push(format!("{sql}: local {:?}, spark {:?}", l.err(), s.err())),
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // A transform in row order (no ORDER BY) is refused: Spark keeps no row order.
        let err = transform_input(&spark)
            .groupby("k")
            .cumsum("v")
            .collect()
            .unwrap_err()
            .to_string();
        assert!(err.contains("row order"), "{err}");
    }

    #[test]
    fn a_final_projection_spark_cannot_express_is_finished_here() {
        let Some(url) = server() else { return };
        // Python's text of a float (`repr`), which Java's is not: Spark computes the
        // rest, Partita the final projection over Spark's rows.
        let sql = "SELECT a, CAST(a / 3.0 AS STRING) AS s, CAST(a * 1e-7 AS STRING) AS t FROM t WHERE a > 1";
        let on = |engine: Engine| {
            let session = Session::new()
                .with_semantics(Semantics::pandas())
                .with_engine(engine);
            let mut ctx = SqlContext::new(session.clone());
            ctx.register("t", numbers(&session));
            ctx.sql(sql).unwrap()
        };
        let local = on(Engine::local()).collect().unwrap();
        let spark = on(Engine::spark(&url));
        let answer = spark.collect().unwrap();
        assert_eq!(local.to_string(), answer.to_string());
        assert!(answer.to_string().contains("2e-07"), "{answer}");
        let text = spark.explain().unwrap();
        assert!(
            text.contains("== Finished by Partita over Spark's rows =="),
            "{text}"
        );
        assert!(text.contains("== Physical Plan =="), "{text}");
    }

    #[test]
    fn explain_shows_the_relation_and_sparks_plan() {
        let Some(url) = server() else { return };
        let session = spark_session(&url);
        let frame = numbers(&session).filter(col("a").gt(1));
        let text = frame.explain().unwrap();
        assert!(text.contains("== Spark Connect relation"), "{text}");
        assert!(text.contains("LocalRelation"), "{text}");
        assert!(text.contains("== Physical Plan =="), "{text}");
    }
}
