//! The harness over the whole corpus, and its failure output on a wrong expectation.

use std::path::PathBuf;
use std::process::Command;

fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/compat/cases")
}

#[test]
fn the_corpus_passes_for_every_preset_and_partition_count() {
    let cases = partita_compat::load_dir(&cases_dir()).unwrap();
    assert!(cases.len() >= 144);
    let mut failures = vec![];
    for case in &cases {
        for preset in ["pandas", "spark"] {
            for n in [1, 2, 3, 7] {
                if let Err(d) = partita_compat::run_case(case, preset, n) {
                    failures.push(format!("{} [{preset}, {n}]: {d}", case.id));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_wrong_expectation_fails_with_a_readable_diff() {
    let dir = std::env::temp_dir().join(format!("partita-compat-wrong-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A temporary copy of a case with one expected mean changed: 3.5 -> 9.5.
    let text = std::fs::read_to_string(cases_dir().join("groupby-null-key-mean.json")).unwrap();
    let mut case: serde_json::Value = serde_json::from_str(&text).unwrap();
    case["expected"]["spark"]["rows"][1][1] = serde_json::json!(9.5);
    std::fs::write(
        dir.join("groupby-null-key-mean.json"),
        serde_json::to_string(&case).unwrap(),
    )
    .unwrap();
    std::fs::copy(
        cases_dir().join("sort-asc-nulls-default.json"),
        dir.join("sort-asc-nulls-default.json"),
    )
    .unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_partita-compat"))
        .arg("--cases")
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL groupby-null-key-mean [spark, 1 partition, split_out 1]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("SQL: SELECT col1, AVG(col2) AS col2 FROM t GROUP BY col1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("rows differ (compared as a multiset)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("'A' | 9.5") && stdout.contains("'A' | 3.5"),
        "expected and actual rows are shown:\n{stdout}"
    );
    assert!(
        stdout.contains("| groupby | 0 | 1 |") && stdout.contains("| sort | 1 | 0 |"),
        "{stdout}"
    );
    assert!(
        stdout.trim_end().ends_with("1 passed, 1 failed"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_arguments_are_named() {
    let out = Command::new(env!("CARGO_BIN_EXE_partita-compat"))
        .args(["--cases", "no/such/dir"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/dir"));
    let out = Command::new(env!("CARGO_BIN_EXE_partita-compat"))
        .arg("--cases")
        .arg(cases_dir())
        .args(["--semantics", "polars"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
