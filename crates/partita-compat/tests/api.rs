//! Recorded cases through the Rust API: each entry writes a case's query with
//! `Frame` calls (joins, set operations, windows, pandas' transforms) instead of
//! SQL; it must give the recorded pandas and Spark answers under both presets and
//! partitions 1, 2, 3 and 7, as the SQL does in `harness.rs`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use partita::prelude::*;

type Tables = BTreeMap<String, Frame>;
type Query = fn(&Tables) -> Frame;

/// A table of the case by name.
fn t(tables: &Tables, name: &str) -> Frame {
    tables[name].clone()
}

/// (case id, the query with the Rust API).
const CASES: &[(&str, Query)] = &[
    ("join-left-one-key", |x| {
        t(x, "a").join(t(x, "b"), JoinSpec::left().on("k"))
    }),
    ("setop-intersect-all", |x| {
        t(x, "s").intersect_all(t(x, "t"))
    }),
    ("win-rank-ties-nulls", |x| {
        let w = Window::partition_by("k").order_by("v", SortSpec::ascending());
        t(x, "t").with_windows([rank().over(w).alias("r")])
    }),
];

fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/compat/cases")
}

#[test]
fn recorded_cases_pass_through_the_rust_api() {
    let mut failures = vec![];
    for (id, query) in CASES {
        let case = partita_compat::Case::load(&cases_dir().join(format!("{id}.json")))
            .unwrap_or_else(|e| panic!("{e}"));
        for preset in ["pandas", "spark"] {
            for n in [1, 2, 3, 7] {
                if let Err(d) = partita_compat::run_api(&case, preset, n, query) {
                    failures.push(format!("{id} [{preset}, {n}]: {d}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
