//! The built `partita` binary, run as a user would: piped scripts, dot commands,
//! one-shot queries in each output format, and errors.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use partita::{format_value, CsvOptions, Semantics, Session, SqlContext};

const BIN: &str = env!("CARGO_BIN_EXE_partita");

/// Runs `partita args...` with `stdin` piped in.
fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env("PARTITA_HISTORY", "")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the partita binary starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

const GROUP_QUERY: &str = "SELECT col1, AVG(col2) AS m FROM df GROUP BY col1 ORDER BY col1;";

#[test]
fn piped_pandas_result() {
    let o = run(&[], &format!("{GROUP_QUERY}\n"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        lines(&stdout(&o)),
        vec![
            "+------+-----+",
            "| col1 | m   |",
            "| str  | f64 |",
            "+------+-----+",
            "| A    | 3.5 |",
            "| B    | 5.5 |",
            "+------+-----+",
            "(2 rows)",
            "note: 2 rows with a missing group key left out (null_group_keys = drop; Spark keeps them as a group)",
        ]
    );
    assert_eq!(stderr(&o), "");
}

#[test]
fn piped_spark_result() {
    let o = run(&[], &format!(".semantics spark\n{GROUP_QUERY}\n"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        lines(&stdout(&o)),
        vec![
            "+------+-----+",
            "| col1 | m   |",
            "| str  | f64 |",
            "+------+-----+",
            "| NULL | 1.5 |",
            "| A    | 3.5 |",
            "| B    | 5.5 |",
            "+------+-----+",
            "(3 rows)",
        ]
    );
}

#[test]
fn piped_dot_commands() {
    let script = "\
.tables
.schema df
.mode csv
-- a comment, then a statement over two lines
SELECT col1, col2
  FROM df WHERE col2 > 4;
.mode json
SELECT col2 FROM df ORDER BY col2 DESC LIMIT 2;
.semantics spark
.schema
";
    let o = run(&[], script);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        lines(&stdout(&o)),
        vec![
            "airlines",
            "airports",
            "df",
            "flights",
            "df(col1 str, col2 i64)",
            "col1,col2",
            "B,5",
            "B,6",
            "[",
            "{\"col2\":6},",
            "{\"col2\":5}",
            "]",
            "airlines(carrier str, name str)",
            "airports(faa str, name str, tz i64)",
            "df(col1 str, col2 i64)",
            "flights(origin str, carrier str, sched_dep_time i64, dep_time i64, dep_delay f64, distance i64, time_hour timestamp[us])",
        ]
    );
}

#[test]
fn piped_failure_exits_nonzero_and_goes_on() {
    let o = run(
        &["--format", "csv"],
        "SELECT nope FROM df;\n.nosuch\nSELECT col2 FROM df WHERE col2 = 6;\n",
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "col2\n6\n");
    let err = stderr(&o);
    assert!(err.contains("line 1, column 8"), "{err}");
    assert!(err.contains("unknown command '.nosuch'"), "{err}");
}

#[test]
fn flights_demo_query_has_three_rows() {
    let o = run(
        &["--format", "csv"],
        "SELECT origin, AVG(dep_delay) AS d FROM flights WHERE origin IN ('JFK','LGA','EWR') GROUP BY origin ORDER BY origin;",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let rows = lines(&out);
    assert_eq!(rows.len(), 4, "{out}");
    assert_eq!(rows[0], "origin,d");
    let origins: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r.split(',').next().unwrap())
        .collect();
    assert_eq!(origins, vec!["EWR", "JFK", "LGA"]);
    for r in &rows[1..] {
        let d: f64 = r.split(',').nth(1).unwrap().parse().unwrap();
        assert!(d > 0.0 && d < 60.0, "{r}");
    }
    // The table is 200,000 rows, the same on every run.
    let o = run(
        &[
            "sql",
            "SELECT COUNT(*) AS n FROM flights",
            "--format",
            "csv",
        ],
        "",
    );
    assert_eq!(stdout(&o), "n\n200000\n");
}

fn temp_csv(name: &str, content: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// The result of `query` through the facade, as the CSV the binary should print.
fn facade_csv(semantics: Semantics, path: &PathBuf, query: &str) -> String {
    let session = Session::new().with_semantics(semantics).with_workers(2);
    let mut ctx = SqlContext::new(session.clone());
    ctx.register("t", session.read_csv(path, CsvOptions::default()).unwrap());
    let table = ctx.sql(query).unwrap().collect().unwrap();
    let mut out = String::new();
    out.push_str(&table.column_names().join(","));
    out.push('\n');
    for row in table.iter_rows() {
        let cells: Vec<String> = row
            .unwrap()
            .iter()
            .map(|v| {
                if v.is_null() {
                    String::new()
                } else {
                    format_value(v)
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

#[test]
fn one_shot_csv_matches_the_facade_under_both_presets() {
    let path = temp_csv(
        "partita-cli-oneshot.csv",
        "k,v,x\nA,1,0.5\n,2,1.5\nB,,2.5\nA,4,\n,5,3.0\nB,6,4.5\n",
    );
    let query = "SELECT k, SUM(v) AS s, AVG(x) AS a, COUNT(*) AS n FROM t GROUP BY k ORDER BY k";
    // The same table as a Parquet file (written under Spark semantics, so `v` stays
    // an integer column with a missing value).
    let pq_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("partita-cli-oneshot-pq");
    let _ = std::fs::remove_dir_all(&pq_dir);
    let spark_session = Session::new().with_semantics(Semantics::spark());
    spark_session
        .read_csv(&path, CsvOptions::default())
        .unwrap()
        .write_parquet(&pq_dir)
        .unwrap();
    // A directory of Parquet files (one per partition) is one table.
    let parquet = pq_dir.clone();
    for (preset, table) in [
        ("pandas", format!("t={}", path.display())),
        ("spark", format!("t={}", path.display())),
        ("pandas", format!("t={}", parquet.display())),
        ("spark", format!("t={}", parquet.display())),
    ] {
        let o = run(
            &[
                "sql",
                query,
                "--table",
                &table,
                "--semantics",
                preset,
                "--partitions",
                "3",
                "--workers",
                "2",
                "--format",
                "csv",
            ],
            "",
        );
        assert!(o.status.success(), "{preset}: {}", stderr(&o));
        let expected = facade_csv(Semantics::preset(preset).unwrap(), &path, query);
        assert_eq!(stdout(&o), expected, "{preset}");
        // Nothing but the footnotes on the error output, off the data.
        assert!(
            stderr(&o).lines().all(|l| l.starts_with("note: ")),
            "{}",
            stderr(&o)
        );
    }
    // The two presets differ here: Spark keeps the null key, sorted first.
    let spark = facade_csv(Semantics::spark(), &path, query);
    let pandas = facade_csv(Semantics::pandas(), &path, query);
    assert_eq!(lines(&pandas).len(), 3, "{pandas}");
    assert_eq!(lines(&spark).len(), 4, "{spark}");
    assert!(lines(&spark)[1].starts_with(','), "{spark}");
}

#[test]
fn one_shot_json_and_table() {
    let path = temp_csv(
        "partita-cli-json.csv",
        "name,score\n\"Smith, J\",1.5\nLee,\n",
    );
    let table = format!("p={}", path.display());
    let o = run(
        &[
            "sql",
            "SELECT * FROM p",
            "--table",
            &table,
            "--format",
            "json",
        ],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "[\n{\"name\":\"Smith, J\",\"score\":1.5},\n{\"name\":\"Lee\",\"score\":null}\n]\n"
    );
    let o = run(
        &[
            "sql",
            "SELECT * FROM p",
            "--table",
            &table,
            "--format",
            "csv",
        ],
        "",
    );
    assert_eq!(stdout(&o), "name,score\n\"Smith, J\",1.5\nLee,\n");
    let o = run(
        &["sql", "SELECT * FROM p; SHOW TABLES", "--table", &table],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("| Smith, J | 1.5   |"), "{out}");
    assert!(
        out.contains("(2 rows)\nairlines\nairports\ndf\nflights\np\n"),
        "{out}"
    );
}

#[test]
fn one_shot_sql_error_has_position_and_caret() {
    let o = run(&["sql", "SELECT col1, FROM df"], "");
    assert_ne!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");
    let err = stderr(&o);
    let at = err.find("line 1, column ").expect(&err);
    let column: usize = err[at + "line 1, column ".len()..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines[2], "1 | SELECT col1, FROM df", "{err}");
    // The caret sits under the column.
    let caret = lines[3];
    assert_eq!(caret.find('^'), Some("1 | ".len() + column - 1), "{err}");
}

#[test]
fn one_shot_bad_inputs() {
    let o = run(
        &[
            "sql",
            "SELECT * FROM t",
            "--table",
            "t=/no/such/file.parquet",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/no/such/file.parquet: no such file"),
        "{}",
        stderr(&o)
    );
    let o = run(&["sql", "SELECT * FROM t", "--table", "t=/no/such.csv"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such file"), "{}", stderr(&o));
    let o = run(&["sql", "SELECT 1", "--format", "xml"], "");
    assert_eq!(o.status.code(), Some(2));
    let o = run(
        &[
            "sql",
            "SELECT col2 / 0 AS z FROM df",
            "--semantics",
            "spark",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("DIVIDE_BY_ZERO"), "{}", stderr(&o));
}

#[test]
fn nothing_typed_panics() {
    let inputs = [
        "",
        ";",
        ";;;",
        "'",
        "\"",
        "/*",
        "SELECT",
        ".",
        ". ",
        ".schema nosuch",
        ".set",
        ".set a",
        ".set nan maybe",
        ".partitions 0",
        ".workers -1",
        ".timer maybe",
        ".maxrows 0",
        ".graph",
        ".graph x.dot",
        ".load",
        ".load /nonexistent AS",
        ".explain SELECT",
        "SELECT * FROM df LIMIT -1",
        "SELECT ☃ FROM df",
        "SELECT col2 FROM df WHERE col2 > 'x'",
        "SET semantics = 'polars'",
        "DESCRIBE nosuch",
        "CREATE TABLE x AS SELECT 1",
        "SELECT SUM(col1) FROM df",
        "SELECT 9223372036854775807 + col2 FROM df",
        "EXPLAIN SELECT",
        "SELECT col2 FROM df ORDER BY 7",
    ];
    for input in inputs {
        let o = run(&[], &format!("{input}\n"));
        let err = stderr(&o);
        assert!(!err.contains("panic"), "{input}: {err}");
        assert!(o.status.code().is_some(), "{input}: killed");
        if o.status.code() != Some(0) {
            assert!(err.starts_with("error: "), "{input}: {err}");
        }
    }
}

#[test]
fn quit_stops_the_script() {
    let o = run(
        &["--format", "csv"],
        "SELECT col2 FROM df LIMIT 1;\n.quit\nSELECT nope;\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "col2\n1\n");
}

#[test]
fn set_and_create_table_keep_the_session() {
    let o = run(
        &["--format", "csv"],
        "SET partitions = 5;\nCREATE TABLE big AS SELECT col1, col2 * 10 AS c FROM df WHERE col2 > 2;\n.partitions\nSELECT c FROM big ORDER BY c;\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "partitions = 5\ncreated table big\npartitions: 5\nc\n30\n40\n50\n60\n"
    );
}

#[test]
fn diff_names_the_switches_and_exits_1_when_the_answers_differ() {
    // A null group pandas drops and Spark keeps, and a `<>` that skips the
    // missing value under Spark's three-valued logic.
    let out = run(
        &[
            "diff",
            "SELECT col1, COUNT(*) AS n FROM df WHERE col1 <> 'B' OR col1 IS NULL GROUP BY col1",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("null_group_keys: pandas drop, spark keep"),
        "{text}"
    );
    assert!(text.contains("only under spark"), "{text}");
    let out = run(
        &["diff", "SELECT COUNT(*) AS n FROM df WHERE col1 <> 'A'"],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("logic: pandas two_valued, spark three_valued"));
    // The same answer: exit 0.
    let out = run(&["diff", "SELECT SUM(col2) AS s FROM df"], "");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("agree"));
    // A query both presets reject: the same outcome, with both errors shown.
    let out = run(&["diff", "SELECT nope FROM df"], "");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("both fail"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("column 'nope' not found"),
        "{}",
        stdout(&out)
    );
    // .compare in the shell prints the same report.
    let out = run(
        &[],
        ".compare SELECT col1, AVG(col2) AS m FROM df GROUP BY col1 ORDER BY col1;\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("null_group_keys"), "{}", stdout(&out));
}

#[test]
fn output_files_modes_and_settings() {
    let dir = std::env::temp_dir().join(format!("partita-cli-once-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let once = dir.join("once.csv");
    let all = dir.join("all.md");
    let script = dir.join("s.sql");
    std::fs::write(&script, "SELECT 2 AS two;\n").unwrap();
    let input = format!(
        ".mode csv\n.once {}\nSELECT col1, col2 FROM df ORDER BY col2;\nSELECT 1 AS back;\n\
         .mode markdown\n.output {}\nSELECT col2 FROM df WHERE col2 < 3 ORDER BY col2;\n.output\n\
         .mode box\n.last\n.read {}\n.maxwidth 3\n.mode line\nSELECT 'abcdef' AS s;\n.show\n.mode xml\n",
        once.display(),
        all.display(),
        script.display()
    );
    let o = run(&[], &input);
    let out = stdout(&o);
    // The .once result went to the file, and only that one.
    assert_eq!(
        std::fs::read_to_string(&once).unwrap(),
        "col1,col2\n,1\n,2\nA,3\nA,4\nB,5\nB,6\n"
    );
    assert!(out.starts_with("back\n1\n"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&all).unwrap(),
        "| col2 |\n| ---- |\n| 1    |\n| 2    |\n"
    );
    // .last repeats the previous result (box mode), .read runs the file.
    assert!(out.contains("┌──────┐\n│ col2 │\n│ i64  │"), "{out}");
    assert!(out.contains("│ two │"), "{out}");
    // A long value is cut to .maxwidth.
    assert!(out.contains("s = ab…"), "{out}");
    assert!(
        out.contains("maxwidth: 3") && out.contains("mode: line"),
        "{out}"
    );
    // A bad mode is a usage error, not a plan error.
    let err = stderr(&o);
    assert!(
        err.contains("error: unknown output mode 'xml'; expected one of table, box"),
        "{err}"
    );
    assert!(!err.contains("plan error"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_point_at_the_column_and_name_the_failing_expression() {
    // An unknown column inside a function: the caret under the column.
    let o = run(&["sql", "SELECT UPPER(col3) FROM df"], "");
    let err = stderr(&o);
    assert!(
        err.contains("line 1, column 14: column 'col3' not found"),
        "{err}"
    );
    assert!(err.contains("\n  |              ^"), "{err}");
    // A runtime error names the expression that raised it, keeping its class.
    let o = run(
        &[
            "sql",
            "SELECT col2 + 1 AS a, col2 / 0 AS x FROM df",
            "--semantics",
            "spark",
        ],
        "",
    );
    let err = stderr(&o);
    assert!(
        err.contains("[DIVIDE_BY_ZERO]") && err.contains("(in `col2 / 0`), at line 1, column 23"),
        "{err}"
    );
    assert!(err.contains("\n  |                       ^"), "{err}");
    // ... at its position in the query, in a later statement and line, wherever
    // the executor meets it (a filter, an aggregate's argument), under either
    // preset, keeping its category.
    let script = "SET semantics = spark;\nSELECT col1,\n  SUM(col2 * 9223372036854775807) AS s\nFROM df GROUP BY col1";
    let err = stderr(&run(&["sql", script], ""));
    assert!(
        err.contains("[ARITHMETIC_OVERFLOW]") && err.contains("at line 3, column 7"),
        "{err}"
    );
    assert!(
        !err.contains("SQL error"),
        "a runtime error, not a SQL one: {err}"
    );
    assert!(
        err.contains("3 |   SUM(col2 * 9223372036854775807) AS s\n  |       ^"),
        "{err}"
    );
    let err = stderr(&run(
        &["sql", "SELECT col1 FROM df WHERE CAST(col1 AS BIGINT) > 0"],
        "",
    ));
    assert!(
        err.contains("(in `CAST(col1 AS i64)`), at line 1, column 32"),
        "{err}"
    );
    // A text that is no integer is reported against the type asked for (a column
    // without missing values, so every partition fails the same way).
    let err = stderr(&run(
        &["sql", "SELECT CAST(carrier AS INT) AS c FROM flights"],
        "",
    ));
    assert!(
        err.contains("cannot be cast to i32 (in `CAST(carrier AS i32)`)"),
        "{err}"
    );
}

#[test]
fn footnotes_say_what_the_semantics_changed() {
    let dir = std::env::temp_dir().join(format!("partita-cli-notes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A Parquet file keeps NaN as a float (CSV readers take the text "NaN" as
    // missing already).
    let file = dir.join("t.parquet");
    let t = partita::Table::new([
        partita::Column::new("k", [Some("a"), Some("b"), None, Some("a")]),
        partita::Column::new("x", [1.5, f64::NAN, 2.0, f64::NAN]),
    ])
    .unwrap();
    partita::polars::write_parquet_with(t.as_polars(), &file, None).unwrap();
    let table = format!("t={}", file.display());
    let q = "SELECT k, COUNT(*) AS n, AVG(x) AS m FROM t GROUP BY k ORDER BY k";
    // pandas: the missing key's row left out, two NaN read as missing.
    let out = stdout(&run(&["sql", q, "--table", &table], ""));
    assert!(
        out.contains("note: 1 row with a missing group key left out"),
        "{out}"
    );
    assert!(out.contains("note: 2 NaN values read as missing"), "{out}");
    // pandas' `!=` keeps the row of the missing key (Spark drops it), and `NOT`
    // of a comparison with it; `=` drops it under both, so no note.
    let kept = "row kept where a comparison met a missing value (logic = two_valued";
    for (q, n) in [
        ("SELECT COUNT(*) AS n FROM t WHERE k <> 'a'", Some(1)),
        (
            "SELECT COUNT(*) AS n FROM t WHERE NOT (k = 'b') AND x > 0",
            Some(1),
        ),
        ("SELECT COUNT(*) AS n FROM t WHERE k = 'a'", None),
    ] {
        let out = stdout(&run(&["sql", q, "--table", &table], ""));
        match n {
            Some(n) => assert!(out.contains(&format!("note: {n} {kept}")), "{q}: {out}"),
            None => assert!(!out.contains("comparison met"), "{q}: {out}"),
        }
        let out = stdout(&run(
            &["sql", q, "--table", &table, "--semantics", "spark"],
            "",
        ));
        assert!(!out.contains("note:"), "{q}: {out}");
    }
    // Spark: nothing changed, no notes.
    let out = stdout(&run(
        &["sql", q, "--table", &table, "--semantics", "spark"],
        "",
    ));
    assert!(!out.contains("note:"), "{out}");
    // Data modes keep the notes off the data.
    let o = run(&["sql", q, "--table", &table, "--format", "csv"], "");
    assert!(
        !stdout(&o).contains("note:") && stderr(&o).contains("note: 1 row"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
