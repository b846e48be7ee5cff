//! Result types pandas decides by the values (docs/semantics.md, "Types the values
//! decide"): the same query gives int64 where no value came out missing and
//! float64 where one did, for every partitioning and every way a result leaves
//! the engine (collect, persist, files), and Spark's semantics keeps int64.

use std::path::PathBuf;

use partita::polars::*;
use partita::prelude::*;
use partita::SqlContext;

fn temp_dir(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("partita-late-types-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `sql` over `tables` (name, columns, partitions) under `sem`.
fn plan(sem: Semantics, tables: Vec<(&str, Vec<Series>, usize)>, sql: &str) -> Frame {
    let session = Session::new().with_semantics(sem);
    let mut ctx = SqlContext::new(session.clone());
    for (name, columns, partitions) in tables {
        ctx.register(name, session.from_columns(columns, partitions).unwrap());
    }
    ctx.sql(sql).unwrap()
}

/// `t(id, k)` left-joined to `u(k, uid)`: every `t.k` finds a match unless
/// `unmatched`, which adds a row `(9, 'z')`.
fn query(sem: Semantics, partitions: usize, unmatched: bool, sql: &str) -> Frame {
    let (mut ids, mut ks) = (vec![1i64, 2, 3, 4], vec!["a", "b", "a", "c"]);
    if unmatched {
        ids.push(9);
        ks.push("z");
    }
    let t = vec![Series::new("id".into(), ids), Series::new("k".into(), ks)];
    let u = vec![
        Series::new("k".into(), vec!["a", "b", "c"]),
        Series::new("uid".into(), vec![10i64, 20, 9_007_199_254_740_993]),
    ];
    plan(sem, vec![("t", t, partitions), ("u", u, 1)], sql)
}

const JOIN: &str = "SELECT t.id AS id, u.uid AS uid FROM t LEFT JOIN u ON t.k = u.k ORDER BY id";

fn uid_type(table: &Table) -> DataType {
    let schema = table.schema();
    schema
        .field(schema.index_of_exact("uid").unwrap())
        .data_type
}

#[test]
fn an_outer_join_keeps_integers_when_no_row_is_filled() {
    for partitions in [1, 2, 3, 7] {
        let all = query(Semantics::pandas(), partitions, false, JOIN)
            .collect()
            .unwrap();
        assert_eq!(uid_type(&all), DataType::Int64, "partitions={partitions}");
        // Exact: 2^53 + 1 would not survive a float.
        let text = {
            let mut out = vec![];
            all.write_csv(&mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert!(text.contains("9007199254740993"), "{text}");
        let filled = query(Semantics::pandas(), partitions, true, JOIN)
            .collect()
            .unwrap();
        assert_eq!(
            uid_type(&filled),
            DataType::Float64,
            "partitions={partitions}"
        );
        let spark = query(Semantics::spark(), partitions, true, JOIN)
            .collect()
            .unwrap();
        assert_eq!(uid_type(&spark), DataType::Int64, "partitions={partitions}");
    }
}

#[test]
fn the_join_decides_before_a_later_filter_and_over_no_rows() {
    // The filter removes the filled row, but pandas' merge filled it first.
    let sql = "SELECT * FROM (SELECT t.id AS id, u.uid AS uid FROM t LEFT JOIN u ON t.k = u.k) j \
               WHERE id < 9";
    let r = query(Semantics::pandas(), 3, true, sql).collect().unwrap();
    assert_eq!(r.height(), 4);
    assert_eq!(uid_type(&r), DataType::Float64);
    // No row at all after the join: nothing was filled.
    let r = query(Semantics::pandas(), 3, false, &format!("{JOIN} LIMIT 0"))
        .collect()
        .unwrap();
    assert_eq!((r.height(), uid_type(&r)), (0, DataType::Int64));
    let r = query(Semantics::pandas(), 3, true, &format!("{JOIN} LIMIT 0"))
        .collect()
        .unwrap();
    assert_eq!((r.height(), uid_type(&r)), (0, DataType::Float64));
}

#[test]
fn persisted_and_written_results_carry_the_decided_type() {
    for unmatched in [false, true] {
        let want = if unmatched {
            DataType::Float64
        } else {
            DataType::Int64
        };
        let frame = query(Semantics::pandas(), 3, unmatched, JOIN);
        let kept = frame.persist().unwrap();
        let schema = kept.schema().unwrap();
        assert_eq!(
            schema
                .field(schema.index_of_exact("uid").unwrap())
                .data_type,
            want
        );
        assert_eq!(uid_type(&kept.collect().unwrap()), want);

        let dir = temp_dir(&format!("parquet-{unmatched}"));
        let files = frame.write_parquet(&dir).unwrap();
        for f in files {
            let back = Session::new()
                .read_parquet(&f, ParquetOptions::default())
                .unwrap()
                .collect()
                .unwrap();
            assert_eq!(uid_type(&back), want, "{}", f.display());
        }
        let dir = temp_dir(&format!("csv-{unmatched}"));
        let text: String = frame
            .write_csv(&dir)
            .unwrap()
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect();
        assert_eq!(text.contains("10.0"), unmatched, "{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_global_maximum_over_no_rows_is_float64_under_pandas() {
    let sql = |filter: &str| format!("SELECT MAX(uid) AS uid, COUNT(*) AS n FROM u WHERE {filter}");
    let some = query(Semantics::pandas(), 2, false, &sql("uid > 15"))
        .collect()
        .unwrap();
    assert_eq!(uid_type(&some), DataType::Int64);
    let none = query(Semantics::pandas(), 2, false, &sql("uid < 0"))
        .collect()
        .unwrap();
    assert_eq!(uid_type(&none), DataType::Float64);
    let spark = query(Semantics::spark(), 2, false, &sql("uid < 0"))
        .collect()
        .unwrap();
    assert_eq!(uid_type(&spark), DataType::Int64);
}

#[test]
fn a_column_selected_twice_is_decided_alike() {
    let sql = "SELECT t.id AS id, u.uid AS uid, u.uid AS again FROM t LEFT JOIN u ON t.k = u.k";
    for unmatched in [false, true] {
        let r = query(Semantics::pandas(), 2, unmatched, sql)
            .collect()
            .unwrap();
        let schema = r.schema();
        let types: Vec<DataType> = ["uid", "again"]
            .iter()
            .map(|n| schema.field(schema.index_of_exact(n).unwrap()).data_type)
            .collect();
        let want = if unmatched {
            DataType::Float64
        } else {
            DataType::Int64
        };
        assert_eq!(types, [want, want], "unmatched={unmatched}");
    }
}

/// `t(a, b)` with a zero divisor or not, under pandas.
fn division(zero: bool, sql: &str) -> Frame {
    let b = if zero {
        vec![2i64, 0, 1]
    } else {
        vec![2i64, -2, 1]
    };
    let t = vec![
        Series::new("a".into(), vec![7i64, -7, 9_007_199_254_740_993]),
        Series::new("b".into(), b),
    ];
    plan(Semantics::pandas(), vec![("t", t, 2)], sql)
}

#[test]
fn integer_floor_division_is_int64_unless_a_divisor_is_zero() {
    let sql = "SELECT a DIV b AS q FROM t";
    let q_type = |t: &Table| t.schema().field(0).data_type;
    // No zero divisor: pandas' `a // b` is int64, exact beyond 2^53.
    let r = division(false, sql).collect().unwrap();
    assert_eq!(q_type(&r), DataType::Int64);
    assert_eq!(
        r.column::<i64>("q").unwrap(),
        [Some(3), Some(3), Some(9_007_199_254_740_993)]
    );
    // A zero divisor: float64, with -inf there (the query runs again as planned).
    let r = division(true, sql).collect().unwrap();
    assert_eq!(q_type(&r), DataType::Float64);
    let q = r.column::<f64>("q").unwrap();
    assert_eq!(q[1], Some(f64::NEG_INFINITY));
    // The same through files: the result reaches the sink once, decided.
    for zero in [false, true] {
        let dir = temp_dir(&format!("div-{zero}"));
        let text: String = division(zero, sql)
            .write_csv(&dir)
            .unwrap()
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect();
        assert_eq!(text.contains("inf"), zero, "{text}");
        assert_eq!(text.contains("9007199254740993"), !zero, "{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn nullif_is_int64_where_nothing_equals() {
    let sql = |v: i64| format!("SELECT NULLIF(b, {v}) AS n FROM t");
    let n_type = |t: &Table| t.schema().field(0).data_type;
    assert_eq!(
        n_type(&division(false, &sql(5)).collect().unwrap()),
        DataType::Int64
    );
    assert_eq!(
        n_type(&division(false, &sql(2)).collect().unwrap()),
        DataType::Float64
    );
}

/// A table `t(ts)` of naive time stamps in microseconds, from text.
fn stamps(sem: Semantics, texts: &[&str], sql: &str) -> Table {
    let raw = vec![Series::new("s".into(), texts.to_vec())];
    plan(
        sem,
        vec![("raw", raw, 2)],
        &format!("WITH t AS (SELECT CAST(s AS TIMESTAMP) AS ts FROM raw) {sql}"),
    )
    .collect()
    .unwrap()
}

#[test]
fn time_stamps_as_text_take_one_shape_per_column_under_pandas() {
    let text = |sem: Semantics, rows: &[&str]| -> Vec<Option<String>> {
        stamps(sem, rows, "SELECT CAST(ts AS STRING) AS x FROM t")
            .column::<String>("x")
            .unwrap()
    };
    // pandas' astype(str): dates alone when no value has a time of day ...
    assert_eq!(
        text(
            Semantics::pandas(),
            &["2024-01-31 00:00:00", "2024-02-29 00:00:00"]
        ),
        [
            Some("2024-01-31".to_string()),
            Some("2024-02-29".to_string())
        ]
    );
    // ... else the finest fraction any value needs, for every value (the values
    // sit in two partitions).
    assert_eq!(
        text(
            Semantics::pandas(),
            &["2024-01-31 10:00:00", "2024-02-29 00:00:00.5"]
        ),
        [
            Some("2024-01-31 10:00:00.000".to_string()),
            Some("2024-02-29 00:00:00.500".to_string())
        ]
    );
    // Spark writes each value alone, its fraction without trailing zeros.
    assert_eq!(
        text(
            Semantics::spark(),
            &["2024-01-31 00:00:00", "2024-02-29 00:00:00.5"]
        ),
        [
            Some("2024-01-31 00:00:00".to_string()),
            Some("2024-02-29 00:00:00.5".to_string())
        ]
    );
    // The shape comes from the rows the cast saw, not the ones a later filter kept.
    let kept = stamps(
        Semantics::pandas(),
        &["2024-01-31 00:00:00", "2024-02-29 10:30:00"],
        "SELECT * FROM (SELECT CAST(ts AS STRING) AS x FROM t) f WHERE x IS NOT NULL LIMIT 1",
    );
    assert_eq!(
        kept.column::<String>("x").unwrap()[0]
            .as_deref()
            .map(str::len),
        Some("2024-01-31 00:00:00".len())
    );
}
