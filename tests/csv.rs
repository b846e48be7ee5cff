//! CSV scans: inferred and explicit schemas, dtype overrides, null markers, quoted
//! newlines, projection and predicate pushdown; the same result for every partition
//! count, and the same as the in-memory table.

use std::path::PathBuf;

use partita::polars::*;
use partita::prelude::*;

fn write_csv(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("partita-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn flights_csv(test: &str) -> PathBuf {
    let mut text = String::from("origin,dep_time,dep_delay,distance,note\n");
    for i in 0..200 {
        let origin = ["JFK", "LGA", "EWR", "BOS"][i % 4];
        let delay = if i % 7 == 0 {
            String::new()
        } else {
            format!("{}", (i as i64 % 23) - 5)
        };
        let note = if i % 50 == 0 {
            "\"multi\nline, quoted\"".to_string()
        } else {
            "ok".into()
        };
        text.push_str(&format!(
            "{origin},{:04},{delay},{},{note}\n",
            500 + i,
            100 + i * 3
        ));
    }
    write_csv(&format!("flights-{test}.csv"), &text)
}

fn query(frame: Frame) -> Frame {
    frame
        .filter(col("origin").is_in(["JFK", "LGA", "EWR"]))
        .groupby("origin")
        .agg([
            col("dep_delay").mean().alias("mean_delay"),
            count_star().alias("n"),
            col("dep_time").max().alias("last"),
        ])
        .sort_values(["mean_delay"], SortSpec::descending())
}

#[test]
fn csv_results_do_not_depend_on_partitions() {
    let path = flights_csv("partitions");
    let options = CsvOptions::default().with_dtype("dep_time", DataType::Utf8);
    let mut results = vec![];
    for partitions in [1, 2, 3, 7, 16] {
        let session = Session::new().with_workers(2).with_partitions(partitions);
        let frame = session.read_csv(&path, options.clone()).unwrap();
        let schema = frame.schema().unwrap();
        assert_eq!(schema.field(1).data_type, DataType::Utf8, "dtype override");
        // Under pandas an integer column with a missing value in the sample is float64.
        assert_eq!(schema.field(2).data_type, DataType::Float64);
        let all = frame.clone().collect().unwrap();
        assert_eq!(all.height(), 200, "{partitions} partitions");
        results.push(query(frame).collect().unwrap().to_string_with_rows(20));
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]), "{results:#?}");
    assert!(results[0].contains("JFK") && !results[0].contains("BOS"));
}

#[test]
fn csv_scan_reads_only_needed_columns_and_pushes_filters() {
    let path = flights_csv("pushdown");
    let session = Session::new().with_partitions(4);
    let frame = query(session.read_csv(&path, CsvOptions::default()).unwrap());
    let plan = frame.optimized_plan().unwrap().display_indent();
    assert!(
        plan.contains("projection=[origin, dep_time, dep_delay]"),
        "{plan}"
    );
    assert!(
        plan.contains("filters=[origin IN ('JFK', 'LGA', 'EWR')]"),
        "{plan}"
    );
    let graph = frame.task_graph().unwrap();
    assert_eq!(graph.display_indent().matches(" partition[").count(), 4);
}

#[test]
fn csv_matches_the_same_table_in_memory_under_both_presets() {
    let path = write_csv("small.csv", "k,v,x\na,1,1.5\n,2,\nb,,NaN\na,4,-2\n");
    for semantics in [Semantics::pandas(), Semantics::spark()] {
        let session = Session::new().with_semantics(semantics).with_partitions(2);
        let from_csv = session.read_csv(&path, CsvOptions::default()).unwrap();
        let from_memory = session
            .from_columns(
                vec![
                    Series::new("k".into(), [Some("a"), None, Some("b"), Some("a")]),
                    Series::new("v".into(), [Some(1i64), Some(2), None, Some(4)]),
                    Series::new("x".into(), [Some(1.5), None, Some(f64::NAN), Some(-2.0)]),
                ],
                3,
            )
            .unwrap();
        let q = |f: Frame| {
            f.groupby("k").agg([
                col("v").sum().alias("s"),
                col("x").count().alias("nx"),
                col("x").max().alias("mx"),
            ])
        };
        let a = q(from_csv).collect().unwrap().to_string_with_rows(10);
        let b = q(from_memory).collect().unwrap().to_string_with_rows(10);
        assert_eq!(a, b, "{}", semantics.name());
    }
}

#[test]
fn csv_errors_name_the_file_or_column() {
    let session = Session::new();
    let err = session
        .read_csv("no/such/file.csv", CsvOptions::default())
        .unwrap_err();
    assert!(err.to_string().contains("no/such/file.csv"), "{err}");
    let path = write_csv("e.csv", "a,b\n1,2\n");
    let err = session
        .read_csv(&path, CsvOptions::default().with_dtype("c", DataType::Utf8))
        .unwrap_err();
    assert!(err.to_string().contains("column 'c' not found"), "{err}");
    let err = session
        .read_csv(
            write_csv("bad.csv", "a\n1\nxyz\n"),
            CsvOptions::default().with_schema(Schema::new(vec![Field::new("a", DataType::Int64)])),
        )
        .unwrap()
        .collect()
        .unwrap_err();
    assert!(err.to_string().contains("bad.csv"), "{err}");
}

/// A line with more fields than the header is an error that names the line (pandas
/// raises too), whatever the partitioning, the last line without a line end
/// included (the reader alone let that one through on one partition only).
#[test]
fn a_line_with_more_fields_than_the_header_is_an_error_for_every_partitioning() {
    for (name, text, line) in [
        ("ragged-mid.csv", "k\nx\nq,\ny\n", 3),
        ("ragged-last.csv", "k\nx\ny\nq,", 4),
        ("ragged-quoted.csv", "k,j\n\"a\nb\",1\nq,1,2\n", 4),
    ] {
        let path = write_csv(name, text);
        for partitions in [1, 2, 3] {
            let session = Session::new().with_partitions(partitions);
            let err = session
                .read_csv(&path, CsvOptions::default())
                .and_then(|f| f.collect())
                .unwrap_err()
                .to_string();
            assert!(err.contains(&format!("line {line} has")), "{name}: {err}");
            let schema = Schema::new(vec![Field::new("k", DataType::Utf8)]);
            let given = CsvOptions::default().with_schema(schema);
            let err = session
                .read_csv(&path, given)
                .and_then(|f| f.collect())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(name) && err.contains("fields"),
                "{name}: {err}"
            );
        }
    }
}

/// Polars takes bytes that start like a compression header (`x^` is zlib's) for a
/// compressed file; a column name or a partition's first value may start so.
#[test]
fn text_that_starts_like_a_compression_header_is_read_as_text() {
    let path = write_csv("magic.csv", "x^2,y\nx^5,1\nx^7,2\nx\u{1}\0\0,3\n");
    for partitions in [1, 2, 3, 4] {
        let table = Session::new()
            .with_partitions(partitions)
            .read_csv(&path, CsvOptions::default())
            .and_then(|f| f.collect())
            .unwrap();
        assert_eq!(table.column_names(), ["x^2", "y"]);
        assert_eq!(
            table.column::<String>("x^2").unwrap(),
            [
                Some("x^5".into()),
                Some("x^7".into()),
                Some("x\u{1}\0\0".into())
            ],
            "{partitions} partitions"
        );
    }
}

#[test]
fn count_star_over_csv_reads_no_column_but_counts_rows() {
    let path = flights_csv("count");
    let frame = Session::new()
        .with_partitions(3)
        .read_csv(&path, CsvOptions::default())
        .unwrap();
    let out = frame.agg([count_star().alias("n")]).collect().unwrap();
    assert_eq!(out.get::<i64>("n", 0).unwrap(), Some(200));
}

#[test]
fn thousands_of_csv_partitions_do_not_overflow_the_stack() {
    let mut text = String::from("k,v\n");
    for i in 0..3000 {
        text.push_str(&format!("{},{i}\n", ["a", "b", "c"][i % 3]));
    }
    let path = write_csv("many.csv", &text);
    let session = Session::new().with_workers(2).with_partitions(2500);
    let out = session
        .read_csv(&path, CsvOptions::default())
        .unwrap()
        .groupby("k")
        .agg([col("v").max().alias("m")])
        .collect()
        .unwrap();
    assert_eq!(out.height(), 3);
}

/// The column types of a SQL query's result, as Partita names them.
fn sql_types(ctx: &partita::SqlContext, sql: &str) -> Vec<String> {
    let df = ctx
        .sql(sql)
        .and_then(|f| f.collect())
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    df.schema()
        .fields()
        .iter()
        .map(|f| f.data_type.to_string())
        .collect()
}

#[test]
fn a_float_after_many_whole_numbers_makes_the_column_float_under_both_presets() {
    let mut text = String::from("id,v\n");
    for i in 1..=3000 {
        if i == 1501 {
            text.push_str("1501,1.5\n");
        } else {
            text.push_str(&format!("{i},{i}\n"));
        }
    }
    let path = write_csv("late_float.csv", &text);
    let path = path.to_str().unwrap();
    for sem in [Semantics::pandas(), Semantics::spark()] {
        let ctx = partita::SqlContext::new(Session::new().with_semantics(sem));
        // Spark's reader infers `int` for whole numbers that fit 32 bits.
        let id = if sem.name() == "spark" { "i32" } else { "i64" };
        let sql = format!("SELECT id, v FROM '{path}'");
        assert_eq!(sql_types(&ctx, &sql), [id, "f64"], "{}", sem.name());
        let sum = ctx
            .sql(&format!("SELECT SUM(v) AS s FROM '{path}'"))
            .and_then(|f| f.collect())
            .unwrap();
        let s = sum.get::<f64>("s", 0).unwrap().unwrap();
        assert_eq!(s, (1..=3000).map(|i| i as f64).sum::<f64>() - 1501.0 + 1.5);
        // read_csv's types option overrides one column.
        let sql = format!("SELECT id, v FROM read_csv('{path}', types => {{'v': 'string'}})");
        assert_eq!(sql_types(&ctx, &sql), [id, "str"]);
    }
}

#[test]
fn read_csv_takes_a_separator_nulls_a_header_switch_and_rejects_unknown_options() {
    let path = write_csv("options.csv", "1;NA;x\n2;-;y\n3;5;z\n");
    let path = path.to_str().unwrap();
    let ctx = partita::SqlContext::new(Session::new());
    let df = ctx
        .sql(&format!(
            "SELECT column_1 AS a, column_2 AS b FROM read_csv('{path}', delim => ';', header => false, nullstr => ['NA', '-']) ORDER BY a"
        ))
        .and_then(|f| f.collect())
        .unwrap();
    assert_eq!(df.height(), 3);
    let b = df.column::<ScalarValue>("b").unwrap();
    assert_eq!(
        b.iter().filter(|v| v.as_ref().unwrap().is_null()).count(),
        2
    );
    let err = ctx
        .sql(&format!(
            "SELECT * FROM read_csv('{path}', delimiter => ';;')"
        ))
        .unwrap_err()
        .to_string();
    assert!(err.contains("'delimiter' expects one character"), "{err}");
    let err = ctx
        .sql(&format!(
            "SELECT * FROM read_csv('{path}', compression => 'gzip')"
        ))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no option 'compression'") && err.contains("column 15"),
        "{err}"
    );
    let err = ctx
        .sql("SELECT * FROM read_json('x.json')")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown table function 'read_json'"), "{err}");
}

#[test]
fn a_gzip_compressed_csv_reads_like_the_plain_file() {
    use std::io::Write;
    let mut text = String::from("k,v\n");
    for i in 0..500 {
        text.push_str(&format!("{},{}\n", ["a", "b", "c"][i % 3], i));
    }
    let plain = write_csv("plain.csv", &text);
    let gz = plain.with_file_name("packed.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();
    for partitions in [1, 3] {
        let session = Session::new().with_partitions(partitions);
        let sums = |path: &std::path::Path| {
            session
                .read_csv(path, CsvOptions::default())
                .unwrap()
                .groupby("k")
                .agg([col("v").sum().alias("s")])
                .collect()
                .unwrap()
        };
        assert_eq!(sums(&gz), sums(&plain), "{partitions} partitions");
    }
    let frame = Session::new().read_csv(&gz, CsvOptions::default()).unwrap();
    assert!(frame.explain().unwrap().contains("csv packed.csv.gz"));
    let bad = plain.with_file_name("bad.csv.gz");
    std::fs::write(&bad, "not gzip").unwrap();
    let err = Session::new()
        .read_csv(&bad, CsvOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a readable gzip file"), "{err}");
}
