//! Two result columns of one name (`SELECT a, a`, `select(["a", "a"])`), as
//! pandas and Spark return them: every way a result leaves the engine shows the
//! name twice, a later reference to it is ambiguous, and a Parquet file (one
//! column per name in pandas and Spark) refuses it with a clear error.

use partita::prelude::*;
use partita::{Reference, RepeatedNames, SqlContext};

fn frame(sem: Semantics, sql: &str) -> Result<Frame> {
    let session = Session::new().with_semantics(sem);
    let mut ctx = SqlContext::new(session.clone());
    let t = session.from_columns(
        vec![
            Column::new("a", [1i64, 2, 3]),
            Column::new("k", ["x", "y", "x"]),
        ],
        2,
    )?;
    ctx.register("t", t);
    ctx.sql(sql)
}

fn temp_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "partita-repeated-names-{}-{test}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_result_shows_a_repeated_name_everywhere() -> Result<()> {
    let f = frame(Semantics::pandas(), "SELECT a, a + 10 AS a, k FROM t")?;
    assert_eq!(f.schema()?.names(), vec!["a", "a", "k"]);
    let table = f.collect()?;
    assert_eq!(table.column_names(), vec!["a", "a", "k"]);
    assert_eq!(table.value_at(1, 2)?, ScalarValue::Int64(Some(13)));
    let mut csv = vec![];
    table.write_csv(&mut csv)?;
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        "a,a,k\n1,11,x\n2,12,y\n3,13,x\n"
    );
    let mut json = vec![];
    table.write_json(&mut json, true)?;
    assert_eq!(
        String::from_utf8(json).unwrap().lines().next(),
        Some(r#"{"a":1,"a":11,"k":"x"}"#)
    );
    assert!(table.to_string().contains("| a   | a   | k   |"), "{table}");
    // Finding the column by the name is ambiguous; by its place it is not.
    let e = table.value("a", 0).unwrap_err();
    assert!(e.to_string().contains("AMBIGUOUS_REFERENCE"), "{e}");
    assert_eq!(table.get::<String>("k", 0)?, Some("x".into()));
    Ok(())
}

#[test]
fn files_written_with_a_repeated_name() -> Result<()> {
    let f = frame(Semantics::spark(), "SELECT a, a, k FROM t")?;
    let dir = temp_dir("csv");
    let files = f.write_csv(&dir)?;
    let text: String = files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(text.starts_with("a,a,k\n"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);

    let dir = temp_dir("parquet");
    let e = f.write_parquet(&dir).unwrap_err();
    assert!(
        e.to_string()
            .contains("a Parquet file cannot hold two columns named 'a'"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[test]
fn a_later_reference_to_a_repeated_name_is_ambiguous() -> Result<()> {
    for sem in [Semantics::pandas(), Semantics::spark()] {
        let e = frame(sem, "SELECT a FROM (SELECT a, a FROM t)").unwrap_err();
        assert_eq!(
            e.class(Reference::Spark).as_deref(),
            Some("AMBIGUOUS_REFERENCE"),
            "{e}"
        );
        // The other columns of such a frame are used as usual.
        let t = frame(
            sem,
            "SELECT k, COUNT(*) FROM (SELECT a, a, k FROM t) GROUP BY k ORDER BY k",
        )?
        .collect()?;
        assert_eq!(t.column::<i64>("count(1)")?, vec![Some(2), Some(1)]);
    }
    Ok(())
}

#[test]
fn the_rust_api_selects_a_name_twice_as_pandas_does() -> Result<()> {
    let session = Session::new();
    let f = session.from_columns(vec![Column::new("a", [2i64, 1])], 1)?;
    // pandas: t[["a", "a"]]
    let both = f.clone().select(["a", "a"]);
    assert_eq!(both.collect()?.column_names(), vec!["a", "a"]);
    // pandas: t[["a", "a"]].sort_values("a") raises ValueError (not unique).
    let e = both
        .sort_values(["a"], SortSpec::ascending())
        .collect()
        .unwrap_err();
    assert_eq!(
        e.class(Reference::Pandas).as_deref(),
        Some("ValueError"),
        "{e}"
    );
    Ok(())
}

#[test]
fn order_by_a_repeated_name_follows_the_switch() -> Result<()> {
    let sql = "SELECT a, a FROM t ORDER BY a DESC";
    let e = frame(Semantics::pandas(), sql).unwrap_err();
    assert_eq!(
        e.class(Reference::Pandas).as_deref(),
        Some("ValueError"),
        "{e}"
    );
    assert!(e.to_string().contains("line 1, column 29"), "{e}");
    let t = frame(Semantics::spark(), sql)?.collect()?;
    assert_eq!(
        (0..3)
            .map(|r| t.value_at(1, r))
            .collect::<Result<Vec<_>>>()?,
        vec![
            ScalarValue::Int64(Some(3)),
            ScalarValue::Int64(Some(2)),
            ScalarValue::Int64(Some(1))
        ]
    );
    let resolved = Semantics::pandas().with_repeated_names(RepeatedNames::Resolve);
    assert_eq!(frame(resolved, sql)?.collect()?.height(), 3);
    Ok(())
}
