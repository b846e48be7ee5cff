//! `partita-compat`: runs recorded pandas / Spark cases against Partita.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use partita_compat::{load_dir, run_case_with, RunConfig};

/// Checks Partita's pandas and Spark presets against recorded results.
#[derive(Parser)]
#[command(name = "partita-compat", version)]
struct Args {
    /// The directory of case files (*.json).
    #[arg(long)]
    cases: PathBuf,
    /// Which presets to check: pandas, spark or both.
    #[arg(long, default_value = "both")]
    semantics: String,
    /// Partition counts to run every case with.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3,7")]
    partitions: Vec<usize>,
    /// Output partitions of a GROUP BY to run every case with (`split_out`).
    #[arg(long, value_delimiter = ',', default_value = "1,8")]
    split_out: Vec<usize>,
    /// Runs every case on this Spark Connect server (`sc://127.0.0.1:15002`)
    /// instead of the local engine (needs the `spark` feature); partition counts
    /// and `split_out` do not apply there.
    #[arg(long)]
    spark: Option<String>,
    /// Only cases whose id contains this text.
    #[arg(long)]
    filter: Option<String>,
    /// Writes a JSON report of every case to this file.
    #[arg(long)]
    report: Option<PathBuf>,
    /// A file of case ids (one per line, `#` starts a comment) that the engine
    /// refuses under these presets (a "not implemented" error naming why). Each
    /// listed case must be refused, not answered and not failed otherwise; the
    /// others must pass. They are counted apart from the passed ones.
    #[arg(long)]
    refused: Option<PathBuf>,
}

/// The case ids a `--refused` file lists.
fn refused_list(path: &std::path::Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

/// Whether a case's failure is the engine refusing it before running it.
fn is_refusal(diff: &str) -> bool {
    diff.contains("got the error: not implemented:")
}

fn main() -> ExitCode {
    let args = Args::parse();
    let presets: Vec<&str> = match args.semantics.as_str() {
        "both" => vec!["pandas", "spark"],
        "pandas" => vec!["pandas"],
        "spark" => vec!["spark"],
        other => {
            eprintln!("error: --semantics must be pandas, spark or both, not '{other}'");
            return ExitCode::from(2);
        }
    };
    if args.partitions.is_empty() || args.partitions.contains(&0) {
        eprintln!("error: --partitions needs counts of at least 1");
        return ExitCode::from(2);
    }
    if args.split_out.is_empty() || args.split_out.contains(&0) {
        eprintln!("error: --split-out needs counts of at least 1");
        return ExitCode::from(2);
    }
    let configs: Vec<RunConfig> = match &args.spark {
        None => args
            .partitions
            .iter()
            .flat_map(|&p| {
                args.split_out.iter().map(move |&s| RunConfig {
                    split_out: s,
                    ..RunConfig::local(p)
                })
            })
            .collect(),
        #[cfg(feature = "spark")]
        Some(url) => vec![RunConfig {
            engine: partita::Engine::spark(url),
            ..RunConfig::local(1)
        }],
        #[cfg(not(feature = "spark"))]
        Some(_) => {
            eprintln!("error: --spark needs partita-compat built with the `spark` feature");
            return ExitCode::from(2);
        }
    };
    let cases = match load_dir(&args.cases) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let cases: Vec<_> = cases
        .into_iter()
        .filter(|c| {
            args.filter
                .as_ref()
                .is_none_or(|f| c.id.contains(f.as_str()))
        })
        .collect();
    let refused = match args.refused.as_deref().map(refused_list).transpose() {
        Ok(r) => r.unwrap_or_default(),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(unknown) = refused
        .iter()
        .find(|id| !cases.iter().any(|c| &&c.id == id))
    {
        eprintln!("error: the refused list names '{unknown}', which is not among the cases run");
        return ExitCode::from(2);
    }
    let mut refusals = 0;
    let mut per_category: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut report = vec![];
    let (mut passed, mut failed) = (0, 0);
    for case in &cases {
        let mut failure: Option<String> = None;
        'runs: for preset in &presets {
            for config in &configs {
                if let Err(diff) = run_case_with(case, preset, config) {
                    let n = config.partitions;
                    let place = match config.engine.describe().as_str() {
                        "local" => format!(
                            "{n} partition{}, split_out {}",
                            if n == 1 { "" } else { "s" },
                            config.split_out
                        ),
                        other => other.to_string(),
                    };
                    failure = Some(format!(
                        "FAIL {} [{preset}, {place}]\n  SQL: {}\n  {}\n",
                        case.id,
                        case.sql,
                        diff.replace('\n', "\n  ")
                    ));
                    break 'runs;
                }
            }
        }
        let listed = refused.contains(&case.id);
        let failure = match failure {
            Some(text) if listed && is_refusal(&text) => {
                refusals += 1;
                report.push(serde_json::json!({"id": case.id, "passed": false, "refused": true, "failure": text}));
                continue;
            }
            Some(text) if listed => Some(format!(
                "{text}  (listed as refused, but it failed otherwise)\n"
            )),
            None if listed => Some(format!(
                "FAIL {}: listed as refused, but it passes: take it off the refused list\n",
                case.id
            )),
            other => other,
        };
        let entry = per_category.entry(case.category().to_string()).or_default();
        match &failure {
            None => {
                passed += 1;
                entry.0 += 1;
            }
            Some(text) => {
                failed += 1;
                entry.1 += 1;
                println!("{text}");
            }
        }
        report.push(
            serde_json::json!({"id": case.id, "passed": failure.is_none(), "failure": failure}),
        );
    }
    println!("| category | passed | failed |");
    println!("|---|---|---|");
    for (cat, (p, f)) in &per_category {
        println!("| {cat} | {p} | {f} |");
    }
    match &args.spark {
        None => println!(
            "presets: {}; partitions: {:?}; split_out: {:?}",
            presets.join(", "),
            args.partitions,
            args.split_out
        ),
        Some(_) => println!(
            "presets: {}; engine: {}",
            presets.join(", "),
            configs[0].engine.describe()
        ),
    }
    if let Some(path) = &args.report {
        let text = serde_json::to_string_pretty(
            &serde_json::json!({"passed": passed, "refused": refusals, "failed": failed, "cases": report}),
        )
        .expect("json");
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if args.refused.is_some() {
        println!("{passed} passed, {refusals} refused as listed, {failed} failed");
    } else {
        println!("{passed} passed, {failed} failed");
    }
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
