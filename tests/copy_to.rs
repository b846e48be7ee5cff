//! `COPY (query) TO 'path' (...)`: one Parquet or CSV file that reads back as the
//! query's result, CSV options, and Hive-style directories under PARTITION_BY.

use partita::polars::*;
use partita::prelude::*;
use partita::{SqlContext, SqlOutput};

fn context(test: &str) -> (SqlContext, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("partita-copy-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let session = Session::new();
    let mut ctx = SqlContext::new(session.clone());
    let t = session
        .from_columns(
            vec![
                Series::new(
                    "k".into(),
                    [Some("a"), Some("b"), None, Some("a"), Some("b")],
                ),
                Series::new("x".into(), [1i64, 2, 3, 4, 5]),
                Series::new("y".into(), [0.5, 1.5, 2.5, 3.5, 4.5]),
            ],
            2,
        )
        .unwrap();
    ctx.register("t", t);
    (ctx, dir)
}

fn text(out: Vec<SqlOutput>) -> String {
    match out.into_iter().next() {
        Some(SqlOutput::Text(t)) => t,
        other => panic!("expected text, got {other:?}"),
    }
}

fn sum_x(ctx: &SqlContext, from: &str) -> i64 {
    let df = ctx
        .sql(&format!("SELECT SUM(x) AS s, COUNT(*) AS n FROM {from}"))
        .and_then(|f| f.collect())
        .unwrap();
    df.get::<i64>("s", 0).unwrap().unwrap()
}

#[test]
fn copy_writes_one_file_that_reads_back() {
    let (mut ctx, dir) = context("file");
    let pq = dir.join("out.parquet");
    let msg = text(
        ctx.execute(&format!(
            "COPY (SELECT k, x FROM t WHERE x > 1) TO '{}' (FORMAT parquet)",
            pq.display()
        ))
        .unwrap(),
    );
    assert_eq!(msg, format!("wrote 4 rows to {}", pq.display()));
    assert_eq!(sum_x(&ctx, &format!("'{}'", pq.display())), 14);
    // CSV by the extension, with options; and a table by name.
    let csv = dir.join("out.csv");
    ctx.execute(&format!(
        "COPY t TO '{}' (HEADER false, DELIMITER ';')",
        csv.display()
    ))
    .unwrap();
    let written = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(written.lines().next(), Some("a;1;0.5"));
    assert_eq!(written.lines().count(), 5);
}

#[test]
fn partition_by_writes_one_directory_per_key() {
    let (mut ctx, dir) = context("partitioned");
    let out = dir.join("by_k");
    let msg = text(
        ctx.execute(&format!(
            "COPY (SELECT k, x FROM t) TO '{}' (FORMAT parquet, PARTITION_BY (k))",
            out.display()
        ))
        .unwrap(),
    );
    assert!(msg.contains("(3 directories by k)"), "{msg}");
    let mut dirs: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    dirs.sort();
    assert_eq!(dirs, ["k=__HIVE_DEFAULT_PARTITION__", "k=a", "k=b"]);
    let a = out.join("k=a").join("part-00000.parquet");
    assert_eq!(sum_x(&ctx, &format!("'{}'", a.display())), 5);
    // The key column is in the directory name, not in the file.
    let cols = ctx
        .sql(&format!("SELECT * FROM '{}'", a.display()))
        .and_then(|f| f.collect())
        .unwrap();
    assert_eq!(cols.column_names(), ["x"]);
}

#[test]
fn bad_copy_statements_are_clear_errors() {
    let (mut ctx, dir) = context("bad");
    let out = dir.join("bad");
    for (sql, want) in [
        (
            format!("COPY t TO '{}' (PARTITION_BY (nope))", out.display()),
            "column 'nope' not found",
        ),
        (
            format!("COPY t TO '{}' (FORMAT json)", out.display()),
            "COPY writes FORMAT parquet or csv, not json",
        ),
        (
            "COPY t FROM '/tmp/x.csv'".to_string(),
            "only COPY ... TO 'file' is supported",
        ),
    ] {
        let err = ctx.execute(&sql).unwrap_err().to_string();
        assert!(err.contains(want), "{sql}: {err}");
    }
}

#[test]
fn a_hive_partitioned_directory_reads_back_with_its_key_columns_and_is_pruned() {
    let (mut ctx, dir) = context("hive");
    let out = dir.join("by_k");
    ctx.execute(&format!(
        "COPY (SELECT k, x, y FROM t) TO '{}' (FORMAT parquet, PARTITION_BY (k))",
        out.display()
    ))
    .unwrap();
    let path = out.to_str().unwrap();
    // The key comes back as a column (after the files' columns), missing for
    // Hive's default partition.
    let df = ctx
        .sql(&format!(
            "SELECT k, SUM(x) AS s FROM '{path}' GROUP BY k ORDER BY k"
        ))
        .and_then(|f| f.collect())
        .unwrap();
    assert_eq!(df.height(), 2, "pandas drops the missing key: {df:?}");
    let s: Vec<i64> = df
        .column::<i64>("s")
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(s, [5, 7]);
    // Only the file of k = 'b' is decoded for a filter on k; a query that reads
    // only the key column still counts rows.
    let source = std::sync::Arc::new(
        partita::ParquetSource::try_new(path, ParquetOptions::default()).unwrap(),
    );
    let n = Session::new()
        .scan(source.clone())
        .filter(col("k").eq(lit("b")))
        .select([col("k")])
        .collect()
        .unwrap()
        .height();
    assert_eq!(n, 2);
    assert_eq!(source.row_groups_read(), 1);
    let names = Session::new()
        .scan(source)
        .schema()
        .unwrap()
        .names()
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>();
    assert_eq!(names, ["x", "y", "k"]);
}
