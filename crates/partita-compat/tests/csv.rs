//! CSV files read as real pandas (`pd.read_csv(path)`) and real Spark
//! (`spark.read.csv(path, header=True, inferSchema=True)`) read them: types from
//! every row, each preset's missing-value texts, quoting. The cases are recorded by
//! `compat/record_csv.py` into `tests/compat/csv/`.

use std::path::PathBuf;

use partita::prelude::*;
use partita_compat::{compare, reference_of, Expectation};
use serde_json::Value;

/// Case and preset whose recorded result Partita does not reproduce yet, with why;
/// the test checks that they still differ, so fixing one means moving it out.
const PENDING: &[(&str, &str, &str)] = &[(
    "csv-quoted-doubled-quote",
    "spark",
    "Spark's reader escapes with a backslash and keeps a doubled quote as written",
)];

fn text_of(case: &Value) -> String {
    if let Some(t) = case["csv"].as_str() {
        return t.to_string();
    }
    let g = &case["generate"];
    let (header, rows, row) = (
        g["header"].as_str().unwrap(),
        g["rows"].as_u64().unwrap(),
        g["row"].as_str().unwrap(),
    );
    let mut out = format!("{header}\n");
    for i in 1..=rows {
        match g["override"].get(i.to_string()).and_then(Value::as_str) {
            Some(line) => out.push_str(line),
            None => out.push_str(&row.replace("{i}", &i.to_string())),
        }
        out.push('\n');
    }
    out
}

#[test]
fn csv_files_read_as_each_reference_reads_them() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/compat/csv");
    let tmp = std::env::temp_dir().join(format!("partita-csv-compat-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 12,
        "{} cases in {}",
        paths.len(),
        dir.display()
    );
    let mut failures = vec![];
    for path in &paths {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let id = case["id"].as_str().unwrap();
        let file = tmp.join(format!("{id}.csv"));
        std::fs::write(&file, text_of(&case)).unwrap();
        for preset in ["pandas", "spark"] {
            let mut e = case["expected"][preset].clone();
            e["order_by"] = Value::Array(vec![]);
            let expected: Expectation = serde_json::from_value(e).unwrap();
            for partitions in [1, 2, 3, 7] {
                let session = Session::new()
                    .with_semantics(Semantics::preset(preset).unwrap())
                    .with_partitions(partitions);
                let result = session
                    .read_csv(&file, CsvOptions::default())
                    .and_then(|f| f.collect());
                let outcome = compare(&expected, &result, reference_of(preset).unwrap());
                let pending = PENDING.iter().any(|(c, p, _)| *c == id && *p == preset);
                match (outcome, pending) {
                    (Ok(()), true) => failures.push(format!(
                        "{id} [{preset}] now passes: take it out of PENDING"
                    )),
                    (Err(diff), false) => {
                        failures.push(format!("{id} [{preset}, {partitions}]: {diff}"))
                    }
                    _ => {}
                }
            }
        }
    }
    std::fs::remove_dir_all(&tmp).ok();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
