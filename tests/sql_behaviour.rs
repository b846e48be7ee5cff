//! SQL behaviour files (tests/sql/*.slt), run under both semantics presets.
//!
//! The format follows sqllogictest:
//!
//! ```text
//! # a comment
//! query [pandas|spark] [rowsort]
//! SELECT ...
//! ----
//! header<TAB>columns
//! value<TAB>value
//!
//! statement ok [pandas|spark]
//! SET semantics = 'spark'
//!
//! statement error [pandas|spark] <text the error must contain>
//! SELECT FROM t
//! ```
//!
//! A record without a preset runs under both, each in a fresh context with the
//! fixture tables; a file runs its records in order, so `statement ok` changes
//! what follows. Values print as `format_value` does (null as `null`). Set
//! REGENERATE_SLT=1 to rewrite the expected blocks from the current output (then
//! review the diff: a regenerated expectation is a claim about pandas or Spark).
//! An empty string prints as `(empty)`.

use std::path::PathBuf;

use partita::polars::*;
use partita::prelude::*;
use partita::{format_value, SqlContext, SqlOutput};

fn fixtures(semantics: Semantics) -> SqlContext {
    let session = Session::new()
        .with_semantics(semantics)
        .with_workers(2)
        .with_partitions(3)
        .with_split_every(2);
    let mut ctx = SqlContext::new(session.clone());
    let df = session
        .from_columns(
            vec![
                Series::new(
                    "col1".into(),
                    [None, None, Some("A"), Some("A"), Some("B"), Some("B")],
                ),
                Series::new("col2".into(), [1i64, 2, 3, 4, 5, 6]),
            ],
            2,
        )
        .unwrap();
    ctx.register("df", df);
    let t = session
        .from_columns(
            vec![
                Series::new("id".into(), [1i64, 2, 3, 4, 5, 6]),
                Series::new(
                    "x".into(),
                    [
                        Some(0.5),
                        Some(1.0),
                        Some(2.0),
                        Some(f64::NAN),
                        None,
                        Some(3.5),
                    ],
                ),
                Series::new(
                    "k".into(),
                    [Some("a"), Some("b"), Some("a"), None, Some("b"), Some("")],
                ),
                Series::new(
                    "n".into(),
                    [Some(10i64), None, Some(-7), Some(3), Some(0), Some(2)],
                ),
                Series::new(
                    "b".into(),
                    [
                        Some(true),
                        Some(false),
                        None,
                        Some(true),
                        Some(false),
                        Some(true),
                    ],
                ),
                Series::new(
                    "s".into(),
                    [
                        Some("Apple"),
                        Some("banana"),
                        Some("apple"),
                        None,
                        Some("Cherry"),
                        Some(""),
                    ],
                ),
            ],
            3,
        )
        .unwrap();
    ctx.register("t", t);
    ctx
}

#[derive(Debug)]
enum Kind {
    Query {
        rowsort: bool,
        expected: Vec<String>,
    },
    Ok,
    Error(String),
}

#[derive(Debug)]
struct Record {
    line: usize,
    preset: Option<String>,
    sql: String,
    kind: Kind,
    /// Line range of the expected block (for regeneration).
    expected_lines: (usize, usize),
}

fn parse(text: &str) -> Vec<Record> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].trim_end();
        if l.is_empty() || l.starts_with('#') {
            i += 1;
            continue;
        }
        let words: Vec<&str> = l.split_whitespace().collect();
        let start = i + 1;
        let preset = words
            .iter()
            .find(|w| **w == "pandas" || **w == "spark")
            .map(|w| w.to_string());
        let mut sql = vec![];
        i += 1;
        while i < lines.len() && !lines[i].trim().is_empty() && lines[i].trim() != "----" {
            sql.push(lines[i]);
            i += 1;
        }
        let sql = sql.join("\n");
        match words[0] {
            "query" => {
                assert!(
                    i < lines.len() && lines[i].trim() == "----",
                    "line {start}: a query needs ----"
                );
                i += 1;
                let from = i;
                let mut expected = vec![];
                while i < lines.len() && !lines[i].trim().is_empty() {
                    expected.push(lines[i].to_string());
                    i += 1;
                }
                out.push(Record {
                    line: start,
                    preset,
                    sql,
                    kind: Kind::Query {
                        rowsort: words.contains(&"rowsort"),
                        expected,
                    },
                    expected_lines: (from, i),
                });
            }
            "statement" if words.get(1) == Some(&"ok") => out.push(Record {
                line: start,
                preset,
                sql,
                kind: Kind::Ok,
                expected_lines: (i, i),
            }),
            "statement" if words.get(1) == Some(&"error") => {
                let skip = if preset.is_some() { 3 } else { 2 };
                let needle = l
                    .split_whitespace()
                    .skip(skip)
                    .collect::<Vec<_>>()
                    .join(" ");
                out.push(Record {
                    line: start,
                    preset,
                    sql,
                    kind: Kind::Error(needle),
                    expected_lines: (i, i),
                })
            }
            other => panic!("line {start}: unknown record '{other}'"),
        }
    }
    out
}

fn render(table: &Table, rowsort: bool) -> Vec<String> {
    let header = table.column_names().join("\t");
    let mut rows: Vec<String> = table
        .iter_rows()
        .map(|row| {
            row.unwrap()
                .iter()
                .map(|v| match format_value(v) {
                    // An empty string would end the expected block.
                    v if v.is_empty() => "(empty)".to_string(),
                    v => v,
                })
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    if rowsort {
        rows.sort();
    }
    std::iter::once(header).chain(rows).collect()
}

fn run(ctx: &mut SqlContext, sql: &str) -> Result<Option<Table>> {
    let mut last = None;
    for out in ctx.execute(sql)? {
        last = match out {
            SqlOutput::Query(f) => Some(f.collect()?),
            SqlOutput::Text(_) => None,
        };
    }
    Ok(last)
}

#[test]
fn sql_behaviour_files() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sql");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let regenerate = std::env::var_os("REGENERATE_SLT").is_some();
    let mut failures = vec![];
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let records = parse(&text);
        let mut replacements: Vec<((usize, usize), Vec<String>)> = vec![];
        for preset in ["pandas", "spark"] {
            let mut ctx = fixtures(Semantics::preset(preset).unwrap());
            for r in &records {
                if r.preset.as_deref().is_some_and(|p| p != preset) {
                    continue;
                }
                checked += 1;
                let name = format!(
                    "{}:{} [{preset}]",
                    file.file_name().unwrap().to_string_lossy(),
                    r.line
                );
                let result = run(&mut ctx, &r.sql);
                match (&r.kind, result) {
                    (Kind::Ok, Ok(_)) => {}
                    (Kind::Ok, Err(e)) => failures.push(format!("{name}: expected ok, got: {e}")),
                    (Kind::Error(needle), Err(e)) => {
                        if !e.to_string().contains(needle.as_str()) {
                            failures.push(format!(
                                "{name}: error\n  {e}\ndoes not contain\n  {needle}"
                            ));
                        }
                    }
                    (Kind::Error(needle), Ok(_)) => failures.push(format!(
                        "{name}: expected an error containing '{needle}', got a result"
                    )),
                    (Kind::Query { rowsort, expected }, Ok(Some(df))) => {
                        let got = render(&df, *rowsort);
                        if regenerate {
                            replacements.push((r.expected_lines, got));
                        } else if &got != expected {
                            failures.push(format!(
                                "{name}:\n{}\n--- expected\n{}\n--- got\n{}",
                                r.sql,
                                expected.join("\n"),
                                got.join("\n")
                            ));
                        }
                    }
                    (Kind::Query { .. }, Ok(None)) => {
                        failures.push(format!("{name}: the statement returned no rows"))
                    }
                    (Kind::Query { .. }, Err(e)) => failures.push(format!("{name}: {e}")),
                }
            }
        }
        if regenerate && !replacements.is_empty() {
            let mut lines: Vec<String> = text.lines().map(String::from).collect();
            replacements.sort_by_key(|(r, _)| std::cmp::Reverse(r.0));
            replacements.dedup_by_key(|(r, _)| r.0);
            for ((from, to), got) in replacements {
                lines.splice(from..to, got);
            }
            std::fs::write(file, lines.join("\n") + "\n").unwrap();
        }
    }
    assert!(checked > 50, "only {checked} records ran");
    assert!(
        failures.is_empty(),
        "{} of {checked} records failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
