//! Support for Rust-API tests over the recorded cases: the tables of a case as
//! partitioned frames, and the harness's comparison rules.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

use partita::prelude::*;
use partita_compat::{compare, reference_of, table_columns, Case};

pub fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/compat/cases")
}

pub fn load_case(id: &str) -> Case {
    Case::load(&cases_dir().join(format!("{id}.json"))).unwrap()
}

/// The case's tables as frames of `partitions` partitions under `semantics`.
pub fn tables(case: &Case, semantics: Semantics, partitions: usize) -> HashMap<String, Frame> {
    let session = Session::new()
        .with_semantics(semantics)
        .with_workers(2)
        .with_split_every(2);
    case.tables
        .iter()
        .map(|(name, t)| {
            (
                name.clone(),
                session
                    .from_columns(table_columns(t).unwrap(), partitions)
                    .unwrap(),
            )
        })
        .collect()
}

/// Runs `query` on the case's tables under `preset` for 1, 2, 3 and 7 partitions and
/// checks each result against the recorded expectation.
pub fn check_preset(case: &Case, preset: &str, query: &dyn Fn(&HashMap<String, Frame>) -> Frame) {
    let semantics = Semantics::preset(preset).unwrap();
    for partitions in [1, 2, 3, 7] {
        let result = query(&tables(case, semantics, partitions)).collect();
        if let Err(diff) = compare(
            &case.expected[preset],
            &result,
            reference_of(preset).unwrap(),
        ) {
            panic!(
                "case {} under {preset} with {partitions} partitions:\n{diff}\nSQL: {}",
                case.id, case.sql
            );
        }
    }
}

/// Checks a case under both presets.
pub fn check_case(id: &str, query: impl Fn(&HashMap<String, Frame>) -> Frame) {
    let case = load_case(id);
    check_preset(&case, "pandas", &query);
    check_preset(&case, "spark", &query);
}

/// The frame named `t`.
pub fn t(tables: &HashMap<String, Frame>) -> Frame {
    tables["t"].clone()
}
