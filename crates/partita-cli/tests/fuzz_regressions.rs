//! Every input the fuzzers (`make fuzz`) found a crash with, minimized and kept in
//! `fuzz/regressions/<target>/`, replayed through the same check the fuzz target
//! runs (`fuzz/src/lib.rs`): no panic, and the same table for one and three
//! partitions. A new finding is a new file there, no new code.

#[path = "../../../fuzz/src/lib.rs"]
mod fuzz;

use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != ".keep"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).unwrap();
            (p, data)
        })
        .collect()
}

fn replay(target: &str, check: fn(&[u8])) {
    for (path, data) in inputs(target) {
        eprintln!("{}", path.display());
        check(&data);
    }
}

#[test]
fn sql_inputs_that_crashed_now_answer_or_fail_cleanly() {
    replay("sql", fuzz::run_sql);
}

#[test]
fn csv_files_that_crashed_now_read_or_fail_cleanly() {
    replay("csv", fuzz::check_csv);
}

#[test]
fn parquet_files_that_crashed_now_read_or_fail_cleanly() {
    replay("parquet", fuzz::check_parquet);
}
