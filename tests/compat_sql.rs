//! The whole recorded corpus through SQL: every case's query, under pandas and Spark
//! semantics, for 1, 2, 3 and 7 partitions, compared with the recorded results of
//! real pandas and real Spark (tests/compat/FORMAT.md).

mod common;

use partita::prelude::*;
use partita::SqlContext;

fn run_case(
    case: &common::Case,
    preset: &str,
    partitions: usize,
) -> std::result::Result<(), String> {
    let semantics = Semantics::preset(preset).unwrap();
    let session = Session::new()
        .with_semantics(semantics)
        .with_workers(2)
        .with_split_every(2);
    let mut ctx = SqlContext::new(session.clone());
    for (name, t) in case.json["tables"].as_object().unwrap() {
        ctx.register(
            name.clone(),
            session
                .from_columns(common::table_columns(t), partitions)
                .unwrap(),
        );
    }
    let sql = case.json["sql"].as_str().unwrap();
    let result = ctx.sql(sql).and_then(|f| f.collect());
    common::compare(&case.json["expected"][preset], &result, preset == "pandas")
}

#[test]
fn every_recorded_case_passes_through_sql() {
    let mut ids: Vec<String> = std::fs::read_dir(common::cases_dir())
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    ids.sort();
    assert!(ids.len() >= 144, "{} cases", ids.len());
    let mut failures = vec![];
    for id in &ids {
        let case = common::load_case(id);
        'presets: for preset in ["pandas", "spark"] {
            for partitions in [1, 2, 3, 7] {
                if let Err(diff) = run_case(&case, preset, partitions) {
                    failures.push(format!(
                        "{id} [{preset}, {partitions} partitions]: {diff}\n  SQL: {}",
                        case.json["sql"]
                    ));
                    break 'presets;
                }
            }
        }
    }
    println!(
        "{} passed, {} failed",
        ids.len() - failures.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        ids.len(),
        failures.join("\n")
    );
}
