//! Parquet files written by pyarrow (through pandas), Polars and DuckDB with a
//! column of every type Partita reads (tests/data/make_typed_parquet.py): each
//! loads, each value reads back as written, and a filter on each column skips the
//! row group its statistics rule out. A type Partita does not read (DuckDB's
//! INTERVAL) stops only the queries that use it.

use std::sync::Arc;

use partita::polars::*;
use partita::prelude::*;
use partita::{format_value, ParquetSource, ScalarValue, SqlContext};

fn file(writer: &str) -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    match writer {
        // Spark writes a directory of part files.
        "spark" => format!("{dir}/tests/data/typed_spark/*.parquet"),
        _ => format!("{dir}/tests/data/typed_{writer}.parquet"),
    }
}

/// The column `name` of a result as display text, row by row.
fn texts(table: &Table, name: &str) -> Vec<String> {
    let values = table.column::<ScalarValue>(name).unwrap();
    values
        .iter()
        .map(|v| format_value(v.as_ref().unwrap()))
        .collect()
}

fn run(writer: &str, semantics: Semantics, sql: &str) -> Table {
    let session = Session::new().with_semantics(semantics);
    let mut ctx = SqlContext::new(session.clone());
    ctx.register(
        "t",
        session
            .read_parquet(file(writer), ParquetOptions::default())
            .unwrap(),
    );
    ctx.sql(sql)
        .and_then(|f| f.collect())
        .unwrap_or_else(|e| panic!("{writer}: {sql}: {e}"))
}

const COLUMNS: &str =
    "id, i8, i16, i32, u8, u32, f32, d, ts_us, ts_ms, ts_ns, ts_utc, ts_ny, cat, b, s";

#[test]
fn every_column_reads_back_as_written() {
    for writer in ["pyarrow", "polars", "duckdb"] {
        let df = run(
            writer,
            Semantics::pandas(),
            &format!("SELECT {COLUMNS} FROM t ORDER BY id"),
        );
        assert_eq!(df.height(), 8, "{writer}");
        assert_eq!(
            texts(&df, "i8"),
            ["-4", "-3", "-2", "-1", "0", "1", "2", "3"]
        );
        assert_eq!(texts(&df, "u32")[7], "4000000007", "{writer}");
        assert_eq!(texts(&df, "u8")[4], "254", "{writer}");
        assert_eq!(texts(&df, "f32")[1], "0.25", "{writer}");
        assert_eq!(
            texts(&df, "d")[..3],
            ["2024-02-26", "2024-02-27", "null"],
            "{writer}"
        );
        for unit in ["ts_us", "ts_ms", "ts_ns"] {
            assert_eq!(
                texts(&df, unit)[1],
                "2024-02-01 06:06:07",
                "{writer} {unit}"
            );
            assert_eq!(texts(&df, unit)[2], "null", "{writer} {unit}");
        }
        assert_eq!(
            texts(&df, "ts_utc")[0],
            "2024-01-31 05:06:07+00:00",
            "{writer}"
        );
        // DuckDB keeps the instant but not the zone.
        let ny = if writer == "duckdb" {
            "2024-01-31 05:06:07+00:00"
        } else {
            "2024-01-31 00:06:07-05:00"
        };
        assert_eq!(texts(&df, "ts_ny")[0], ny, "{writer}");
        assert_eq!(texts(&df, "cat")[..3], ["a", "b", "null"], "{writer}");
        assert_eq!(texts(&df, "b")[4], "true", "{writer}");
        assert_eq!(texts(&df, "s")[7], "s7", "{writer}");
    }
}

#[test]
fn spark_written_files_read_back_as_written() {
    // Spark has no unsigned integers, zones per column or durations; it writes its
    // TIMESTAMP as INT96 (nanoseconds when read) and TIMESTAMP_NTZ as INT64.
    let df = run(
        "spark",
        Semantics::pandas(),
        "SELECT id, i8, i16, i32, f32, d, ts_us, ts_ntz, b, s, dec FROM t ORDER BY id",
    );
    assert_eq!(df.height(), 8);
    assert_eq!(
        texts(&df, "i8"),
        ["-4", "-3", "-2", "-1", "0", "1", "2", "3"]
    );
    assert_eq!(texts(&df, "i16")[7], "7000");
    assert_eq!(texts(&df, "i32")[7], "700000");
    assert_eq!(texts(&df, "f32")[1], "0.25");
    assert_eq!(texts(&df, "d")[..3], ["2024-02-26", "2024-02-27", "null"]);
    for c in ["ts_us", "ts_ntz"] {
        assert_eq!(
            texts(&df, c)[..3],
            ["2024-01-31 05:06:07", "2024-02-01 06:06:07", "null"],
            "{c}"
        );
    }
    assert_eq!(
        texts(&df, "b")[..5],
        ["false", "false", "null", "false", "true"]
    );
    assert_eq!(texts(&df, "s")[7], "s7");
    assert_eq!(texts(&df, "dec")[..3], ["0.00", "0.25", "null"]);
    let schema = df.schema();
    let type_of = |n: &str| {
        schema
            .field(schema.index_of_exact(n).unwrap())
            .data_type
            .to_string()
    };
    assert_eq!(
        ["i8", "ts_us", "ts_ntz", "dec"].map(type_of),
        ["i8", "timestamp[ns]", "timestamp[us]", "decimal(16,2)"]
    );
}

#[test]
fn types_follow_the_file_and_zones_follow_the_preset() {
    let types = |sem: Semantics| {
        let df = run("pyarrow", sem, &format!("SELECT {COLUMNS}, dur FROM t"));
        df.schema()
            .fields()
            .iter()
            .map(|f| f.data_type.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    assert_eq!(
        types(Semantics::pandas()),
        "i64, i8, i16, i32, u8, u32, f32, date, timestamp[us], timestamp[ms], timestamp[ns], \
         timestamp[us, UTC], timestamp[us, America/New_York], category, bool, str, duration[us]"
    );
    // Spark reads unsigned types one size wider and sees instants as wall times in
    // its session zone (UTC).
    assert_eq!(
        types(Semantics::spark()),
        "i64, i8, i16, i32, i16, i64, f32, date, timestamp[us], timestamp[ms], timestamp[ns], \
         timestamp[us], timestamp[us], str, bool, str, duration[us]"
    );
    let hours = run(
        "pyarrow",
        Semantics::spark(),
        "SELECT HOUR(ts_ny) AS h FROM t WHERE id = 0",
    );
    assert_eq!(texts(&hours, "h"), ["5"]);
    let hours = run(
        "pyarrow",
        Semantics::pandas(),
        "SELECT HOUR(ts_ny) AS h FROM t WHERE id = 0",
    );
    assert_eq!(
        texts(&hours, "h"),
        ["0"],
        "pandas: an integer; the column has NaT, but not in the row the filter kept \
         (`t[t.id == 0].ts_ny.dt.hour` is int32)"
    );
    let hours = run(
        "pyarrow",
        Semantics::pandas(),
        "SELECT HOUR(ts_ny) AS h FROM t",
    );
    assert!(
        texts(&hours, "h")
            .iter()
            .all(|h| h.ends_with(".0") || h == "NaN" || h == "null"),
        "pandas: float64 over the rows with NaT: {:?}",
        texts(&hours, "h")
    );
}

#[test]
fn a_pandas_categorical_keeps_its_categories_under_pandas_only() {
    // pandas wrote `cat` with the categories d, c, b, a (in that order).
    let sorted = |sem: Semantics| {
        let df = run("pyarrow", sem, "SELECT cat FROM t ORDER BY cat");
        texts_or_null(&df, "cat")
    };
    assert_eq!(
        sorted(Semantics::pandas()),
        ["d", "d", "c", "c", "b", "a", "a", "null"]
    );
    assert_eq!(
        sorted(Semantics::spark()),
        ["null", "a", "a", "b", "c", "c", "d", "d"]
    );
    let groups = run(
        "pyarrow",
        Semantics::pandas(),
        "SELECT cat, COUNT(*) AS n FROM t GROUP BY cat",
    );
    assert_eq!(texts_or_null(&groups, "cat"), ["d", "c", "b", "a"]);
    assert_eq!(
        groups.data_type("cat").unwrap().to_string(),
        "category",
        "the key keeps its type, as pandas' groupby keeps the category dtype"
    );
    // Polars and DuckDB wrote the column as plain text.
    for writer in ["polars", "duckdb"] {
        let df = run(
            writer,
            Semantics::pandas(),
            "SELECT cat FROM t ORDER BY cat",
        );
        assert_eq!(df.data_type("cat").unwrap().to_string(), "str", "{writer}");
    }
}

/// The column `name` of a result as display text, `null` for a missing value.
fn texts_or_null(table: &Table, name: &str) -> Vec<String> {
    table
        .column::<ScalarValue>(name)
        .unwrap()
        .iter()
        .map(|v| v.as_ref().map_or("null".to_string(), format_value))
        .collect()
}

#[test]
fn a_filter_on_each_column_skips_row_groups_by_statistics() {
    let filters = [
        col("i8").gt_eq(lit(0i64)),
        col("i16").gt_eq(lit(4000i64)),
        col("i32").gt_eq(lit(400_000i64)),
        col("u8").gt_eq(lit(250i64)),
        col("u32").gt_eq(lit(4_000_000_000i64)),
        col("f32").gt_eq(lit(1.0)),
        // A date literal: under pandas a date is never compared with text
        // (`date_text = object`).
        col("d").gt_eq(lit(ScalarValue::Date(Some(19_783)))), // 2024-03-01
        col("ts_us").gt_eq(lit("2024-02-04")),
        col("ts_ms").gt_eq(lit("2024-02-04")),
        col("ts_ns").gt_eq(lit("2024-02-04")),
        col("ts_utc").gt_eq(lit("2024-02-04")),
        col("s").gt_eq(lit("s4")),
        col("b").eq(lit(true)),
        col("dec").gt_eq(lit(1.0)),
        col("dec").gt(lit(0.8)),
        col("dec").gt_eq(lit(1i64)),
        col("ts_ntz").gt_eq(lit("2024-02-04")),
    ];
    // (writer, rows of ids 4-7): DuckDB cuts row groups at 2,048 rows, so its file
    // holds each row 512 times; Spark's is two files of one row group each.
    for (writer, rows) in [
        ("pyarrow", 4),
        ("polars", 4),
        ("duckdb_groups", 4 * 512),
        ("spark", 4),
    ] {
        let names = Session::new()
            .read_parquet(file(writer), ParquetOptions::default())
            .unwrap()
            .schema()
            .unwrap()
            .names()
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>();
        for sem in [Semantics::pandas(), Semantics::spark()] {
            for f in &filters {
                let column = &f.column_refs()[0];
                // Spark writes its TIMESTAMP as INT96 without bounds (parquet-mr
                // keeps none for a type without a defined order).
                if !names.contains(column) || (writer == "spark" && column == "ts_us") {
                    continue;
                }
                // Parquet's float bounds leave NaN out; where NaN is a value (Spark)
                // that is larger than every number, float bounds prove nothing.
                if sem.nan == partita::NanSemantics::Value && f.to_string().starts_with("f32") {
                    continue;
                }
                let source = Arc::new(
                    ParquetSource::try_new(&file(writer), ParquetOptions::default()).unwrap(),
                );
                let out = Session::new()
                    .with_semantics(sem)
                    .scan(source.clone())
                    .filter(f.clone())
                    .select([col("id")])
                    .collect()
                    .unwrap_or_else(|e| panic!("{writer} {f}: {e}"));
                assert_eq!(out.height(), rows, "{writer} {f}");
                assert_eq!(
                    source.row_groups_read(),
                    1,
                    "{writer} {f}: statistics skip the first row group"
                );
            }
        }
    }
}

#[test]
fn an_unreadable_column_stops_only_queries_that_use_it() {
    // DuckDB writes a duration as Parquet's INTERVAL, a 12-byte value.
    let df = run(
        "duckdb",
        Semantics::pandas(),
        "SELECT id, s FROM t WHERE id < 2",
    );
    assert_eq!(df.height(), 2);
    let session = Session::new();
    let mut ctx = SqlContext::new(session.clone());
    ctx.register(
        "t",
        session
            .read_parquet(file("duckdb"), ParquetOptions::default())
            .unwrap(),
    );
    let err = ctx
        .sql("SELECT id, dur FROM t")
        .and_then(|f| f.collect())
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("'dur'") && text.contains("does not support"),
        "{text}"
    );
}

#[test]
fn a_large_row_group_is_cut_into_row_ranges() {
    let dir = std::env::temp_dir().join(format!("partita-one-rg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("one.parquet");
    let n = 100usize;
    let df = DataFrame::new(
        n,
        vec![
            Series::new("k".into(), (0..n as i64).map(|i| i % 7).collect::<Vec<_>>()).into_column(),
            Series::new("x".into(), (0..n as i64).collect::<Vec<_>>()).into_column(),
        ],
    )
    .unwrap();
    partita::polars::write_parquet_with(&df, &path, Some(n)).unwrap();
    let source = Arc::new(
        ParquetSource::try_new(
            path.to_str().unwrap(),
            ParquetOptions::default().with_max_rows_per_partition(16),
        )
        .unwrap(),
    );
    assert_eq!(source.row_group_count(), 1);
    let frame = Session::new().with_workers(2).scan(source.clone());
    assert_eq!(
        frame.partitions().unwrap(),
        7,
        "100 rows in ranges of at most 16"
    );
    let all = frame.clone().collect().unwrap();
    let xs: Vec<i64> = all
        .column::<i64>("x")
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(
        xs,
        (0..n as i64).collect::<Vec<_>>(),
        "every row once, in order"
    );
    let sums = frame
        .filter(col("x").gt_eq(lit(50i64)))
        .groupby("k")
        .agg([col("x").sum().alias("s")])
        .sort_values("k", SortSpec::ascending())
        .collect()
        .unwrap();
    let total: i64 = sums.column::<i64>("s").unwrap().into_iter().flatten().sum();
    assert_eq!(total, (50..n as i64).sum::<i64>());
    assert_eq!(
        source.row_groups_read(),
        2,
        "the row group counts once per read"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_dt_accessor_follows_the_semantics() {
    let frame = |sem: Semantics| {
        Session::new()
            .with_semantics(sem)
            .read_parquet(file("pyarrow"), ParquetOptions::default())
            .unwrap()
            .filter(col("id").eq(lit(1i64)))
            .select([
                col("ts_ny").dt().hour().alias("h"),
                col("ts_us").dt().dayofweek().alias("dow"),
                col("ts_us").dt().weekday().alias("wd"),
                col("ts_us").dt().truncate("month").alias("m"),
                col("d").dt().format("yyyy/MM/dd").alias("text"),
                col("ts_ny").dt().date().alias("day"),
            ])
            .collect()
            .unwrap()
    };
    // Row 1: 2024-02-01 06:06:07 UTC, a Thursday; 01:06 in New York.
    let pandas = frame(Semantics::pandas());
    // pandas types the fields of the row the filter kept, which is no NaT:
    // integers (`t[t.id == 1].ts_ny.dt.hour` is int32).
    assert_eq!(texts(&pandas, "h"), ["1"]);
    assert_eq!(texts(&pandas, "dow"), ["3"]);
    assert_eq!(texts(&pandas, "wd"), ["3"]);
    assert_eq!(texts(&pandas, "m"), ["2024-02-01 00:00:00"]);
    assert_eq!(texts(&pandas, "text"), ["2024/02/27"]);
    assert_eq!(texts(&pandas, "day"), ["2024-02-01"]);
    let spark = frame(Semantics::spark());
    assert_eq!(texts(&spark, "h"), ["6"]);
    assert_eq!(texts(&spark, "dow"), ["5"], "Spark: 1 = Sunday");
    assert_eq!(texts(&spark, "wd"), ["3"]);
}

#[test]
fn decimals_read_compare_sort_and_aggregate_exactly() {
    for writer in ["pyarrow", "polars", "duckdb"] {
        let df = run(
            writer,
            Semantics::spark(),
            "SELECT dec, dec_wide FROM t ORDER BY id",
        );
        assert_eq!(
            texts(&df, "dec")[..4],
            ["0.00", "0.25", "null", "0.75"],
            "{writer}"
        );
        assert_eq!(
            texts(&df, "dec_wide")[7],
            "100000000000000000007",
            "{writer}"
        );
        let agg = run(
            writer,
            Semantics::pandas(),
            "SELECT MIN(dec) AS lo, MAX(dec) AS hi, MAX(dec_wide) AS wide, COUNT(DISTINCT dec_wide) AS n FROM t WHERE dec >= 0.5",
        );
        assert_eq!(texts(&agg, "lo"), ["0.75"], "{writer}");
        assert_eq!(texts(&agg, "hi"), ["1.75"], "{writer}");
        assert_eq!(texts(&agg, "wide"), ["100000000000000000007"], "{writer}");
        assert_eq!(texts(&agg, "n"), ["5"], "{writer}");
    }
    // Arithmetic and sums of decimals are exact, in Spark's types.
    let session = Session::new();
    let mut ctx = SqlContext::new(session.clone());
    ctx.register(
        "t",
        session
            .read_parquet(file("pyarrow"), ParquetOptions::default())
            .unwrap(),
    );
    let sums = ctx
        .sql("SELECT SUM(dec) AS s, SUM(dec_wide) AS w, MIN(dec + 1) AS m FROM t")
        .and_then(|f| f.collect())
        .unwrap();
    assert_eq!(
        sums.schema().to_string(),
        "[s: decimal(26,2), w: decimal(35,0), m: decimal(17,2)]"
    );
    assert_eq!(texts(&sums, "s"), ["6.50"]);
    assert_eq!(texts(&sums, "w"), ["800000000000000000028"]);
    assert_eq!(texts(&sums, "m"), ["1.00"]);
}
