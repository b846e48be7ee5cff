//! The crate layers of docs/architecture.md: dependencies only point down, siblings
//! never import each other, only partita-core calls polars (partita-common only
//! names its error type) and only partita-exec uses rayon. Read from `cargo metadata`.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

fn layer(name: &str) -> Option<u8> {
    Some(match name {
        "partita-common" => 0,
        "partita-core" | "partita-plan" => 1,
        "partita-sql" | "partita-exec" => 2,
        // The Spark Connect backend reads the exec layer's sources to lower scans.
        "partita-spark" => 3,
        "partita" => 4,
        "partita-cli" | "partita-compat" => 5,
        _ => return None,
    })
}

#[test]
fn dependencies_point_down() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for pkg in meta["packages"].as_array().unwrap() {
        let name = pkg["name"].as_str().unwrap().to_string();
        let deps = pkg["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].is_null()) // normal dependencies only
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect();
        edges.insert(name, deps);
    }
    assert!(edges.len() >= 5, "workspace packages: {:?}", edges.keys());
    for (pkg, deps) in &edges {
        let own =
            layer(pkg).unwrap_or_else(|| panic!("package {pkg} has no layer in this test; add it"));
        for d in deps {
            if let Some(l) = layer(d) {
                assert!(
                    l < own,
                    "{pkg} (layer {own}) depends on {d} (layer {l}): arrows must point down"
                );
            }
            // partita-common names polars' error type (no call) for `?` on polars
            // results in user closures: `From<PolarsError> for Error` can live only
            // there.
            if d.starts_with("polars") && !(pkg == "partita-common" && d == "polars-error") {
                assert_eq!(
                    pkg, "partita-core",
                    "{pkg} depends on {d}: only partita-core calls polars"
                );
            }
            if d == "rayon" {
                assert_eq!(
                    pkg, "partita-exec",
                    "{pkg} depends on rayon: only partita-exec runs threads"
                );
            }
        }
    }
}
