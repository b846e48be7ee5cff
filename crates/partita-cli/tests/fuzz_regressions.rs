//! Every input the fuzzers (`make fuzz`) found a crash with, minimized and kept in
//! `fuzz/regressions/<target>/`, replayed through the same check the fuzz target
//! runs (`fuzz/src/lib.rs`): no panic, and the same table for one and three
//! partitions. A new finding is a new file there, no new code.

#[path = "../../../fuzz/src/lib.rs"]
mod fuzz;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

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

/// Panics seen, but for those inside a library call that Partita turns into an
/// error: the scheduler catches a task's panic (an error, not a crash, outside
/// the fuzzer), so the replay counts them as libFuzzer's hook would.
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn replay(target: &str, check: fn(&[u8])) {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !partita::in_library_call() {
                PANICS.fetch_add(1, Ordering::SeqCst);
                default(info);
            }
        }));
    });
    for (path, data) in inputs(target) {
        let before = PANICS.load(Ordering::SeqCst);
        check(&data);
        assert_eq!(
            PANICS.load(Ordering::SeqCst),
            before,
            "{} panicked (caught or not)",
            path.display()
        );
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
