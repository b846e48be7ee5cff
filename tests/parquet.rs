//! Parquet scans and partitioned writes: a round trip through files equals the
//! table in memory under both presets and for every partition count; projection
//! and row-group statistics cut what is decoded; glob and directory inputs; CSV
//! writes; clear errors for bad files.

use std::path::PathBuf;
use std::sync::Arc;

use partita::polars::*;
use partita::prelude::*;
use partita::{ParquetSource, ScalarValue, SqlContext};

fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("partita-parquet-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// 40 rows: a string key with missing values, an integer with missing values, a
/// float with a NaN, an ever-growing integer `x` (so row groups have disjoint ranges).
fn table(session: &Session, partitions: usize) -> Frame {
    let n = 40usize;
    let k: Vec<Option<&str>> = (0..n)
        .map(|i| {
            if i % 9 == 0 {
                None
            } else {
                Some(["a", "b", "c"][i % 3])
            }
        })
        .collect();
    let v: Vec<Option<i64>> = (0..n)
        .map(|i| if i % 7 == 3 { None } else { Some(i as i64 % 5) })
        .collect();
    let f: Vec<Option<f64>> = (0..n)
        .map(|i| {
            if i == 17 {
                Some(f64::NAN)
            } else {
                Some(i as f64 / 4.0)
            }
        })
        .collect();
    let x: Vec<i64> = (0..n as i64).collect();
    session
        .from_columns(
            vec![
                Series::new("k".into(), k),
                Series::new("v".into(), v),
                Series::new("f".into(), f),
                Series::new("x".into(), x),
            ],
            partitions,
        )
        .unwrap()
}

fn query(frame: Frame) -> Frame {
    frame
        .filter(col("x").gt_eq(lit(3i64)))
        .groupby("k")
        .agg([col("v").sum(), col("f").mean(), count_star()])
        .sort_values("k", SortSpec::ascending())
}

fn same(a: &Table, b: &Table) {
    assert_eq!(a.to_string_with_rows(100), b.to_string_with_rows(100));
}

#[test]
fn round_trip_equals_memory_under_both_presets() {
    let dir = temp_dir("round-trip");
    for sem in [Semantics::pandas(), Semantics::spark()] {
        let session = Session::new().with_semantics(sem);
        let files = table(&session, 4)
            .write_parquet(dir.join(sem.to_string()))
            .unwrap();
        assert_eq!(files.len(), 4);
        let back = session
            .read_parquet(dir.join(sem.to_string()), ParquetOptions::default())
            .unwrap();
        same(
            &back.clone().collect().unwrap(),
            &table(&session, 1).collect().unwrap(),
        );
        for partitions in [1, 3] {
            same(
                &query(back.clone()).collect().unwrap(),
                &query(table(&session, partitions)).collect().unwrap(),
            );
        }
        // Loading the file into memory keeps the scan's schema, columns that hold
        // no missing value included (`make bench` loads its table this way).
        let kept = back.persist().unwrap();
        assert_eq!(kept.schema().unwrap(), back.schema().unwrap());
        same(
            &query(kept).collect().unwrap(),
            &query(table(&session, 1)).collect().unwrap(),
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pandas_reads_an_integer_column_with_missing_values_as_float() {
    let dir = temp_dir("int-nulls");
    // Written under Spark semantics, the column stays int64 with nulls in the file.
    table(&Session::new().with_semantics(Semantics::spark()), 2)
        .write_parquet(&dir)
        .unwrap();
    let session = Session::new();
    let pandas = session
        .read_parquet(&dir, ParquetOptions::default())
        .unwrap();
    assert_eq!(
        pandas.schema().unwrap().field(1).data_type,
        DataType::Float64
    );
    let spark = Session::new()
        .with_semantics(Semantics::spark())
        .read_parquet(&dir, ParquetOptions::default())
        .unwrap()
        .schema()
        .unwrap();
    assert_eq!(spark.field(1).data_type, DataType::Int64);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn statistics_skip_row_groups_that_cannot_match() {
    let dir = temp_dir("skip");
    let session = Session::new();
    // Four files of one row group each: x in 0..10, 10..20, 20..30, 30..40.
    table(&session, 4).write_parquet(&dir).unwrap();
    let cases: [(Expr, usize, usize); 6] = [
        (col("x").gt_eq(lit(30i64)), 1, 10),
        (col("x").lt(lit(10i64)), 1, 10),
        (col("x").eq(lit(25i64)), 1, 1),
        (col("x").gt(lit(5i64)).and(col("x").lt_eq(lit(12i64))), 2, 7),
        (lit(35i64).lt(col("x")), 1, 4),
        (col("x").gt(lit(100i64)), 0, 0),
    ];
    for (pred, groups, rows) in cases {
        let source = Arc::new(
            ParquetSource::try_new(dir.to_str().unwrap(), ParquetOptions::default()).unwrap(),
        );
        assert_eq!(source.row_group_count(), 4);
        let out = session
            .scan(source.clone())
            .filter(pred.clone())
            .collect()
            .unwrap();
        assert_eq!(out.height(), rows, "{pred}");
        assert_eq!(source.row_groups_read(), groups, "{pred}");
    }
    // A predicate the statistics cannot decide reads everything.
    let source =
        Arc::new(ParquetSource::try_new(dir.to_str().unwrap(), ParquetOptions::default()).unwrap());
    let out = session
        .scan(source.clone())
        .filter((col("x") % lit(2i64)).eq(lit(0i64)))
        .collect()
        .unwrap();
    assert_eq!(out.height(), 20);
    assert_eq!(source.row_groups_read(), 4);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn nan_is_not_skipped_where_it_is_a_value() {
    let dir = temp_dir("nan");
    let session = Session::new().with_semantics(Semantics::spark());
    table(&session, 4).write_parquet(&dir).unwrap();
    // f = x / 4 except a NaN at x = 17 (file 1, where f's statistics say at most
    // 4.75); Spark's NaN is greater than any number, so the row matches f > 9.
    let spark = session
        .read_parquet(&dir, ParquetOptions::default())
        .unwrap()
        .filter(col("f").gt(lit(9.0)))
        .select([col("x")])
        .collect()
        .unwrap();
    let xs: Vec<i64> = spark
        .column::<i64>("x")
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(xs, vec![17, 37, 38, 39]);
    let pandas = Session::new()
        .read_parquet(&dir, ParquetOptions::default())
        .unwrap()
        .filter(col("f").gt(lit(9.0)))
        .collect()
        .unwrap();
    assert_eq!(pandas.height(), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn projection_reads_only_the_used_columns() {
    let dir = temp_dir("projection");
    let session = Session::new();
    table(&session, 2).write_parquet(&dir).unwrap();
    let frame = session
        .read_parquet(&dir, ParquetOptions::default())
        .unwrap()
        .groupby("k")
        .agg([col("x").max()]);
    let graph = frame.task_graph().unwrap().display_indent();
    assert!(graph.contains("scan parquet #0 [k, x]"), "{graph}");
    assert_eq!(frame.collect().unwrap().height(), 3);
    // COUNT(*) reads no column at all and still counts every row.
    let n = session
        .read_parquet(&dir, ParquetOptions::default())
        .unwrap()
        .agg([count_star().alias("count")])
        .collect()
        .unwrap();
    assert_eq!(n.value("count", 0).unwrap(), ScalarValue::Int64(Some(40)));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn globs_directories_and_sql_find_the_files() {
    let dir = temp_dir("glob");
    let session = Session::new();
    table(&session, 4).write_parquet(&dir).unwrap();
    let pattern = format!("{}/part-0000[01].parquet", dir.display());
    let two = session.read_file(&pattern).unwrap().collect().unwrap();
    assert_eq!(two.height(), 20);
    let ctx = SqlContext::new(session.clone());
    let sql = format!(
        "SELECT COUNT(*) AS n, SUM(x) AS s FROM '{}' WHERE x >= 30",
        dir.join("part-00003.parquet").display()
    );
    let out = ctx.sql(&sql).unwrap().collect().unwrap();
    assert_eq!(out.value("n", 0).unwrap(), ScalarValue::Int64(Some(10)));
    assert_eq!(out.value("s", 0).unwrap(), ScalarValue::Int64(Some(345)));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn csv_writes_read_back() {
    let dir = temp_dir("csv");
    let session = Session::new();
    let files = table(&session, 3).write_csv(&dir).unwrap();
    assert_eq!(files.len(), 3);
    let mut parts = vec![];
    for f in &files {
        parts.push(
            session
                .read_csv(f, CsvOptions::default())
                .unwrap()
                .collect()
                .unwrap(),
        );
    }
    let rows: usize = parts.iter().map(|p| p.height()).sum();
    assert_eq!(rows, 40);
    assert_eq!(parts[0].column_names().len(), 4);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_inputs_get_clear_errors() {
    let dir = temp_dir("errors");
    let session = Session::new();
    let err = session
        .read_parquet(dir.join("missing.parquet"), ParquetOptions::default())
        .unwrap_err();
    assert!(
        err.to_string().contains("missing.parquet: no such file"),
        "{err}"
    );
    std::fs::create_dir_all(&dir).unwrap();
    let fake = dir.join("fake.parquet");
    std::fs::write(&fake, "a,b\n1,2\n").unwrap();
    let err = session
        .read_parquet(&fake, ParquetOptions::default())
        .unwrap_err();
    assert!(
        err.to_string().contains("not a readable Parquet file"),
        "{err}"
    );
    // Files of different schemas in one directory.
    std::fs::remove_file(&fake).unwrap();
    table(&session, 2).write_parquet(dir.join("a")).unwrap();
    table(&session, 1)
        .select([col("k"), col("x")])
        .write_parquet(dir.join("b"))
        .unwrap();
    std::fs::rename(
        dir.join("b/part-00000.parquet"),
        dir.join("a/part-00009.parquet"),
    )
    .unwrap();
    let err = session
        .read_parquet(dir.join("a"), ParquetOptions::default())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("part-00009.parquet has the columns"),
        "{err}"
    );
    // Writing into a directory that already holds parts.
    let err = table(&session, 1).write_parquet(dir.join("a")).unwrap_err();
    assert!(err.to_string().contains("already holds part-"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// tests/data/unsigned_pyarrow.parquet (tests/data/make_unsigned_parquet.py): pandas'
/// pyarrow stores uint32 as INT32 with an unsigned logical type, in row groups of 4.
fn unsigned_file() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/unsigned_pyarrow.parquet"
    )
    .to_string()
}

fn ids(df: &Table) -> Vec<i64> {
    let df = df.as_polars();
    df.column("id")
        .unwrap()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .collect()
}

#[test]
fn unsigned_statistics_are_read_as_unsigned() {
    let session = Session::new();
    for (pred, want) in [
        (col("u32").gt(lit(10i64)), vec![5, 6]),
        (col("u32").gt_eq(lit(4_294_967_295i64)), vec![6]),
        (col("u64").gt(lit(8i64)), vec![8]),
    ] {
        let source =
            Arc::new(ParquetSource::try_new(&unsigned_file(), ParquetOptions::default()).unwrap());
        let out = session
            .scan(source.clone())
            .filter(pred.clone())
            .select([col("id"), col("u32"), col("u64")])
            .collect()
            .unwrap();
        assert_eq!(ids(&out), want, "{pred}");
        // Only the second row group can hold these values.
        assert_eq!(source.row_groups_read(), 1, "{pred}");
    }
    let all = session
        .read_parquet(unsigned_file(), ParquetOptions::default())
        .unwrap()
        .select([col("u32"), col("u64")])
        .collect()
        .unwrap();
    let u32s: Vec<u32> = all
        .column::<u32>("u32")
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(u32s, [1, 2, 3, 4, 3_000_000_000, 4_294_967_295, 5, 6]);
    let u64s = all.column::<u64>("u64").unwrap();
    assert_eq!(u64s[7], Some(9_000_000_000_000_000_000));
}

#[test]
fn an_unsigned_value_beyond_i64_reads_exactly_as_uint64() {
    let out = Session::new()
        .read_parquet(unsigned_file(), ParquetOptions::default())
        .unwrap()
        .select([col("big")])
        .collect()
        .unwrap();
    let big = out.column::<u64>("big").unwrap();
    assert!(big.contains(&Some(u64::MAX)), "{out:?}");
}

/// A directory of two files: 1,000 rows in row groups of 100, then 250 rows in
/// one row group; `x` counts up from 0 across both.
fn two_files(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).unwrap();
    let part = |from: i64, to: i64| {
        Table::new([Column::new("x", (from..to).collect::<Vec<i64>>())]).unwrap()
    };
    partita::polars::write_parquet_with(
        part(0, 1000).as_polars(),
        &dir.join("a.parquet"),
        Some(100),
    )
    .unwrap();
    partita::polars::write_parquet_with(part(1000, 1250).as_polars(), &dir.join("b.parquet"), None)
        .unwrap();
}

#[test]
fn with_partitions_splits_and_merges_row_groups() {
    let dir = std::env::temp_dir().join(format!("partita-parquet-parts-{}", std::process::id()));
    two_files(&dir);
    let by_groups = Session::new()
        .read_parquet(&dir, ParquetOptions::default())
        .unwrap();
    assert_eq!(by_groups.partitions().unwrap(), 11, "one per row group");
    for n in [1, 2, 3, 4, 7, 25] {
        let session = Session::new().with_partitions(n);
        let frame = session
            .read_parquet(&dir, ParquetOptions::default())
            .unwrap();
        // At least one partition per file.
        assert_eq!(frame.partitions().unwrap(), n.max(2), "{n}");
        // Every row once, in file order.
        let xs = frame.collect().unwrap().column::<i64>("x").unwrap();
        assert_eq!(xs, (0..1250).map(Some).collect::<Vec<_>>(), "{n}");
        // Statistics still skip row groups inside a merged or split partition.
        let out = frame
            .filter(col("x").gt_eq(lit(950i64)).and(col("x").lt(lit(1010i64))))
            .agg([col("x").sum().alias("s"), count_star().alias("n")])
            .collect()
            .unwrap();
        assert_eq!(
            out.get::<i64>("s", 0).unwrap(),
            Some((950..1010).sum()),
            "{n}"
        );
        assert_eq!(out.get::<i64>("n", 0).unwrap(), Some(60), "{n}");
    }
    // The option on the reader does the same, and wins over the session's.
    let frame = Session::new()
        .with_partitions(3)
        .read_parquet(&dir, ParquetOptions::default().with_partitions(6))
        .unwrap();
    assert_eq!(frame.partitions().unwrap(), 6);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A query over a frame, run once over the file and once over memory.
type Query = Box<dyn Fn(Frame) -> Frame>;

#[test]
fn a_top_k_over_parquet_reads_its_other_columns_late_with_the_same_answer() {
    let dir = std::env::temp_dir().join(format!("partita-parquet-late-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // 3,000 rows over two files, several row groups each; the key has ties and
    // missing values.
    let n = 3000i64;
    let key: Vec<Option<i64>> = (0..n)
        .map(|i| (i % 17 != 0).then_some((i * 7919) % 101))
        .collect();
    let second: Vec<f64> = (0..n).map(|i| ((i * 31) % 13) as f64 / 4.0).collect();
    let id: Vec<i64> = (0..n).collect();
    let text: Vec<String> = (0..n).map(|i| format!("row {i}")).collect();
    let table = Table::new([
        Column::new("id", id),
        Column::new("k", key),
        Column::new("f", second),
        Column::new("s", text),
    ])
    .unwrap();
    let half = (n / 2) as usize;
    partita::polars::write_parquet_with(
        table.slice(0, half).as_polars(),
        &dir.join("a.parquet"),
        Some(400),
    )
    .unwrap();
    partita::polars::write_parquet_with(
        table.slice(half, half).as_polars(),
        &dir.join("b.parquet"),
        Some(700),
    )
    .unwrap();
    for sem in [Semantics::pandas(), Semantics::spark()] {
        for parts in [1, 3, 8] {
            let session = Session::new().with_semantics(sem).with_partitions(parts);
            let file = session
                .read_parquet(&dir, ParquetOptions::default())
                .unwrap();
            let memory = session.from_table(table.clone(), parts).unwrap();
            let queries: Vec<(&str, Query)> = vec![
                (
                    "k desc",
                    Box::new(|f| f.sort_values("k", SortSpec::descending()).head(25)),
                ),
                (
                    "k asc nulls first, f desc",
                    Box::new(|f| {
                        f.sort_values(
                            ["k", "f"],
                            SortSpec::ascending()
                                .with_ascending([true, false])
                                .with_na_position([NullPlacement::First]),
                        )
                        .head(40)
                    }),
                ),
                (
                    "offset",
                    Box::new(|f| f.sort_values("f", SortSpec::ascending()).limit(10, Some(7))),
                ),
                (
                    "some columns",
                    Box::new(|f| {
                        f.select(["s", "k"])
                            .sort_values("k", SortSpec::ascending())
                            .head(5)
                    }),
                ),
                (
                    "more than the rows",
                    Box::new(|f| f.sort_values("k", SortSpec::ascending()).head(900)),
                ),
            ];
            for (what, q) in &queries {
                let late = q(file.clone());
                let plan = late.explain().unwrap();
                assert!(plan.contains("late read"), "{what}: {plan}");
                assert_eq!(
                    late.collect().unwrap(),
                    q(memory.clone()).collect().unwrap(),
                    "{what}, {} partitions, {}",
                    parts,
                    sem.name()
                );
            }
            // A filter pushed into the scan keeps the plain top-k.
            let filtered = file
                .clone()
                .filter(col("id").gt(10))
                .sort_values("k", SortSpec::descending())
                .head(5);
            assert!(!filtered.explain().unwrap().contains("late read"));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_limit_without_order_reads_only_its_rows() {
    let dir = std::env::temp_dir().join(format!("partita-parquet-limit-{}", std::process::id()));
    two_files(&dir);
    for parts in [1, 4] {
        let frame = Session::new()
            .with_partitions(parts)
            .read_parquet(&dir, ParquetOptions::default())
            .unwrap();
        let q = frame.clone().limit(3, Some(4));
        assert!(
            q.explain().unwrap().contains("first 7 rows"),
            "{}",
            q.explain().unwrap()
        );
        assert_eq!(
            q.collect().unwrap().column::<i64>("x").unwrap(),
            [3, 4, 5, 6].map(Some)
        );
        // Past the end of a partition, the next ones fill in.
        let q = frame.clone().head(1100);
        let xs = q.collect().unwrap().column::<i64>("x").unwrap();
        assert_eq!(xs, (0..1100).map(Some).collect::<Vec<_>>());
        // A filter before the limit reads everything it needs.
        let q = frame.filter(col("x").gt(lit(1200i64))).head(10);
        assert!(!q.explain().unwrap().contains("first"));
        assert_eq!(
            q.collect().unwrap().column::<i64>("x").unwrap(),
            (1201..1211).map(Some).collect::<Vec<_>>()
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_top_k_over_a_sorted_file_reads_one_row_group_of_its_key() {
    let dir = std::env::temp_dir().join(format!("partita-parquet-sorted-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // 2,000 rows in row groups of 200: `v` sorted ascending (a copy of a table
    // sorted by v), `w` the same values shuffled, two other columns to read late.
    let n = 2000i64;
    let v: Vec<f64> = (0..n).map(|i| i as f64 / 4.0).collect();
    let w: Vec<f64> = (0..n).map(|i| ((i * 7919) % n) as f64 / 4.0).collect();
    let table = Table::new([
        Column::new("id", (0..n).collect::<Vec<i64>>()),
        Column::new("v", v),
        Column::new("w", w),
        Column::new("s", (0..n).map(|i| format!("row {i}")).collect::<Vec<_>>()),
    ])
    .unwrap();
    let path = dir.join("sorted.parquet");
    partita::polars::write_parquet_with(table.as_polars(), &path, Some(200)).unwrap();
    let run = |key: &str, spec: SortSpec, k: usize| {
        let source = Arc::new(
            ParquetSource::try_new(path.to_str().unwrap(), ParquetOptions::default()).unwrap(),
        );
        let out = Session::new()
            .scan(source.clone())
            .sort_values(key, spec.clone())
            .head(k)
            .collect()
            .unwrap();
        let memory = Session::new()
            .from_table(table.clone(), 3)
            .unwrap()
            .sort_values(key, spec)
            .head(k)
            .collect()
            .unwrap();
        assert_eq!(out, memory, "{key} top {k}");
        source.row_groups_read()
    };
    // Sorted: the top 10 (either way) lie in one row group.
    assert_eq!(run("v", SortSpec::descending(), 10), 1);
    assert_eq!(run("v", SortSpec::ascending(), 10), 1);
    // 250 rows need two row groups of 200.
    assert_eq!(run("v", SortSpec::descending(), 250), 2);
    // Shuffled: every row group may hold a top value.
    assert_eq!(run("w", SortSpec::descending(), 10), 10);
    std::fs::remove_dir_all(&dir).unwrap();
}
