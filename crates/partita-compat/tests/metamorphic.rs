//! Metamorphic checks over the random corpus's tables, where no reference engine
//! is needed: random predicates `p`, `q` over each table `t` of
//! `tests/compat/random`, checked under both presets for
//!
//! - ternary logic partitioning (SQLancer's TLP): the rows where `p`, `NOT p` and
//!   `p IS NULL` hold add up to the table (under pandas' two-valued logic a
//!   comparison is never missing, so `p` and `NOT p` alone do);
//! - a split filter: `WHERE p AND q` keeps the rows `WHERE p` then `WHERE q`
//!   keeps, and the same as `WHERE q` then `WHERE p`;
//! - the same table from memory and from a Parquet file Partita wrote;
//! - 1 and 3 partitions agree.
//!
//! 600 predicates over the first tables with rows (more than the 500).

use std::path::Path;

use partita::prelude::*;
use partita::{ParquetOptions, SqlContext};
use partita_compat::{frames, load_dir, Case};

/// A small seeded generator (xorshift64*), so every run checks the same queries.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// A comparison of a column with a literal of its type, or a NULL test.
fn atom(rng: &mut Rng, case: &Case) -> String {
    let t = &case.tables["t"];
    let cols: Vec<&partita_compat::ColumnSpec> = t
        .columns
        .iter()
        .filter(|c| matches!(c.dtype.as_str(), "i64" | "f64" | "str" | "bool"))
        .collect();
    let c = *rng.pick(&cols);
    let name = format!("\"{}\"", c.name);
    let op = *rng.pick(&["=", "<>", "<", "<=", ">", ">="]);
    // A literal taken from the column's own values when there is one.
    let idx = t.columns.iter().position(|x| x.name == c.name).unwrap_or(0);
    let values: Vec<&serde_json::Value> = t
        .rows
        .iter()
        .map(|r| &r[idx])
        .filter(|v| !v.is_null())
        .collect();
    let lit = match c.dtype.as_str() {
        "i64" => match values.get(rng.below(values.len().max(1))) {
            Some(serde_json::Value::Number(n)) if n.as_i64().is_some() => n.to_string(),
            _ => format!("{}", rng.below(20) as i64 - 5),
        },
        "f64" => match values.get(rng.below(values.len().max(1))) {
            Some(serde_json::Value::Number(n)) => format!("{}E0", n.as_f64().unwrap_or(0.0)),
            _ => format!("{}.25E0", rng.below(10) as i64 - 3),
        },
        "str" => match values.get(rng.below(values.len().max(1))) {
            Some(serde_json::Value::String(s)) => format!("'{}'", s.replace('\'', "''")),
            _ => "'a'".to_string(),
        },
        _ => {
            return match rng.below(3) {
                0 => format!("{name} IS NULL"),
                1 => format!("{name} = true"),
                _ => format!("{name} = false"),
            }
        }
    };
    if rng.below(6) == 0 {
        return format!("{name} IS NOT NULL");
    }
    format!("{name} {op} {lit}")
}

fn predicate(rng: &mut Rng, case: &Case, depth: usize) -> String {
    if depth == 0 || rng.below(3) == 0 {
        return atom(rng, case);
    }
    match rng.below(3) {
        0 => format!(
            "({} AND {})",
            predicate(rng, case, depth - 1),
            predicate(rng, case, depth - 1)
        ),
        1 => format!(
            "({} OR {})",
            predicate(rng, case, depth - 1),
            predicate(rng, case, depth - 1)
        ),
        _ => format!("(NOT {})", predicate(rng, case, depth - 1)),
    }
}

fn count(ctx: &SqlContext, sql: &str) -> Result<i64, String> {
    let t = ctx
        .sql(sql)
        .and_then(|f| f.collect())
        .map_err(|e| format!("{sql}: {e}"))?;
    t.get::<i64>("n", 0)
        .map_err(|e| format!("{sql}: {e}"))?
        .ok_or_else(|| format!("{sql}: a missing count"))
}

fn context(case: &Case, semantics: Semantics, partitions: usize) -> Result<SqlContext, String> {
    let session = Session::new().with_semantics(semantics).with_workers(2);
    let mut ctx = SqlContext::new(session.clone());
    for (name, frame) in frames(case, &session, partitions)? {
        ctx.register(name, frame);
    }
    Ok(ctx)
}

#[test]
fn random_predicates_keep_the_metamorphic_relations() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/compat/random");
    let cases: Vec<Case> = load_dir(&dir)
        .expect("the random corpus")
        .into_iter()
        .filter(|c| c.tables.get("t").is_some_and(|t| t.rows.len() >= 3))
        .collect();
    assert!(cases.len() >= 100, "only {} random tables", cases.len());
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let scratch = std::env::temp_dir().join(format!("partita-metamorphic-{}", std::process::id()));
    let mut failures = vec![];
    let mut checked = 0;
    for (i, case) in cases.iter().cycle().take(600).enumerate() {
        let p = predicate(&mut rng, case, 2);
        let q = predicate(&mut rng, case, 1);
        for (preset, semantics) in [
            ("spark", Semantics::spark()),
            ("pandas", Semantics::pandas()),
        ] {
            let mut check = || -> Result<(), String> {
                let ctx = context(case, semantics, 1)?;
                let all = count(&ctx, "SELECT COUNT(*) AS n FROM t")?;
                // A predicate pandas rejects (NOT of a missing boolean, a filter on
                // one) must be rejected the same way everywhere; skip it here.
                let Ok(yes) = count(&ctx, &format!("SELECT COUNT(*) AS n FROM t WHERE {p}")) else {
                    return Ok(());
                };
                let no = count(
                    &ctx,
                    &format!("SELECT COUNT(*) AS n FROM t WHERE NOT ({p})"),
                )?;
                let null = count(
                    &ctx,
                    &format!("SELECT COUNT(*) AS n FROM t WHERE ({p}) IS NULL"),
                )?;
                if yes + no + null != all {
                    return Err(format!("TLP: {yes} + {no} + {null} != {all} for {p}"));
                }
                if preset == "pandas" && null != 0 {
                    return Err(format!("a comparison is missing under pandas: {p}"));
                }
                let Ok(both) = count(
                    &ctx,
                    &format!("SELECT COUNT(*) AS n FROM t WHERE {p} AND {q}"),
                ) else {
                    return Ok(());
                };
                for (a, b) in [(&p, &q), (&q, &p)] {
                    let split = count(
                        &ctx,
                        &format!(
                            "SELECT COUNT(*) AS n FROM (SELECT * FROM t WHERE {a}) s WHERE {b}"
                        ),
                    )?;
                    if split != both {
                        return Err(format!("split filter: {split} != {both} for {a} / {b}"));
                    }
                }
                // Three partitions, and the table from a Parquet file.
                let three = context(case, semantics, 3)?;
                let yes3 = count(&three, &format!("SELECT COUNT(*) AS n FROM t WHERE {p}"))?;
                if yes3 != yes {
                    return Err(format!("3 partitions: {yes3} != {yes} for {p}"));
                }
                let out = scratch.join(format!("{i}-{preset}"));
                let session = Session::new().with_semantics(semantics);
                let frames = frames(case, &session, 2)?;
                frames["t"].write_parquet(&out).map_err(|e| e.to_string())?;
                let mut files = SqlContext::new(session.clone());
                files.register(
                    "t",
                    session
                        .read_parquet(&out, ParquetOptions::default())
                        .map_err(|e| e.to_string())?,
                );
                let from_file = count(&files, &format!("SELECT COUNT(*) AS n FROM t WHERE {p}"))?;
                if from_file != yes {
                    return Err(format!("Parquet: {from_file} != {yes} for {p}"));
                }
                checked += 1;
                Ok(())
            };
            if let Err(e) = check() {
                failures.push(format!("{} [{preset}]: {e}", case.id));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 500, "only {checked} predicates were checked");
}
