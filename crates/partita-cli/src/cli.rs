//! Command-line arguments and the three ways to run: REPL, piped script, one-shot.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use partita::{Engine, Error, Result, Semantics, Session};

use crate::output::Mode;
use crate::shell::{self, Shell};

/// A semantics preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    /// pandas' conventions.
    Pandas,
    /// Spark SQL's conventions.
    Spark,
}

impl Preset {
    /// The semantics of the preset.
    pub fn semantics(self) -> Semantics {
        match self {
            Preset::Pandas => Semantics::pandas(),
            Preset::Spark => Semantics::spark(),
        }
    }
}

/// `partita`: SQL over Partita's lazy partitioned frames, with pandas or Spark
/// semantics.
///
/// Without a subcommand it starts an interactive shell when standard input is a
/// terminal, and otherwise runs the statements read from standard input.
#[derive(Debug, Parser)]
#[command(name = "partita", version, about, long_about = None)]
pub struct Cli {
    /// What to do (default: the shell).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Semantics preset of the session.
    #[arg(long, global = true, value_enum)]
    pub semantics: Option<Preset>,
    /// Partitions of every table.
    #[arg(long, global = true, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub partitions: Option<u64>,
    /// Worker threads.
    #[arg(long, global = true, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub workers: Option<u64>,
    /// How results are printed.
    #[arg(long, global = true, value_enum)]
    pub format: Option<Mode>,
    /// Registers a CSV or Parquet file (or a directory or glob of Parquet files)
    /// as a table: NAME=PATH, or PATH (named after the file).
    #[arg(long = "table", global = true, value_name = "NAME=PATH")]
    pub tables: Vec<String>,
    /// Writes results to FILE instead of standard output (one-shot and piped
    /// statements; in the shell, `.output FILE`).
    #[arg(short = 'o', long, global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Runs the queries on a Spark cluster through Spark Connect
    /// (`sc://host:15002`, with `;use_ssl=true;token=...` as Spark Connect
    /// defines them); needs a partita built with the `spark` feature.
    #[arg(long, global = true, value_name = "URL")]
    pub spark: Option<String>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs SQL statements (separated by ';') and prints their results.
    Sql {
        /// The statements.
        query: String,
    },
    /// Runs one query under pandas' and Spark's semantics and prints the rows
    /// that differ and the switches responsible; exits 1 when the answers
    /// differ (for a porting project's CI), 0 when they agree.
    Diff {
        /// The query.
        query: String,
    },
}

/// A `--table` value: `NAME=PATH`, or a bare path named after its file.
pub fn parse_table_arg(arg: &str) -> Result<(String, PathBuf)> {
    match arg.split_once('=') {
        Some((name, path)) if !name.trim().is_empty() && !path.trim().is_empty() => {
            Ok((name.trim().to_string(), PathBuf::from(path.trim())))
        }
        Some(_) => Err(Error::plan(format!(
            "--table expects NAME=PATH, got '{arg}'"
        ))),
        None => {
            let path = PathBuf::from(arg.trim());
            Ok((shell::table_name_for(&path), path))
        }
    }
}

/// The Spark Connect address `.engine spark` uses when none is given.
pub const DEFAULT_SPARK_URL: &str = "sc://127.0.0.1:15002";

/// The engine `spec` names: `local`, `spark` (the address in `PARTITA_SPARK_URL`,
/// or [`DEFAULT_SPARK_URL`]) or `spark URL`.
pub fn parse_engine(spec: &str) -> Result<Engine> {
    let mut words = spec.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some(w), None, _) if w.eq_ignore_ascii_case("local") => Ok(Engine::local()),
        (Some(w), url, None) if w.eq_ignore_ascii_case("spark") => {
            let url = url
                .map(str::to_string)
                .or_else(|| std::env::var("PARTITA_SPARK_URL").ok())
                .unwrap_or_else(|| DEFAULT_SPARK_URL.to_string());
            spark_engine(&url)
        }
        _ => Err(Error::User(format!(
            "expected 'local', 'spark' or 'spark URL', got '{spec}'"
        ))),
    }
}

#[cfg(feature = "spark")]
fn spark_engine(url: &str) -> Result<Engine> {
    Ok(Engine::spark(url))
}

#[cfg(not(feature = "spark"))]
fn spark_engine(_url: &str) -> Result<Engine> {
    Err(Error::User(
        "this partita was built without Spark support; build it with \
         `cargo build --release -p partita-cli --features spark`"
            .into(),
    ))
}

/// The session the arguments ask for.
pub fn session_for(cli: &Cli) -> Session {
    let mut session = Session::new();
    if let Some(p) = cli.semantics {
        session = session.with_semantics(p.semantics());
    }
    if let Some(w) = cli.workers {
        session = session.with_workers(w as usize);
    }
    if let Some(p) = cli.partitions {
        session = session.with_partitions(p as usize);
    }
    session
}

fn stderr_line(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Parses `std::env::args` and runs; returns the process exit code: 0 on success,
/// 1 when a statement failed, 2 for bad arguments.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    run(cli)
}

/// Runs parsed arguments; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let mut session = session_for(&cli);
    if let Some(url) = &cli.spark {
        match spark_engine(url) {
            Ok(engine) => session = session.with_engine(engine),
            Err(e) => {
                stderr_line(&format!("error: {e}"));
                return 2;
            }
        }
    }
    let interactive = cli.command.is_none() && std::io::stdin().is_terminal();
    let out: Box<dyn Write> = match &cli.output {
        Some(path) if !interactive => match std::fs::File::create(path) {
            Ok(f) => Box::new(std::io::BufWriter::with_capacity(1 << 20, f)),
            Err(e) => {
                stderr_line(&format!("error: cannot write {}: {e}", path.display()));
                return 2;
            }
        },
        _ => Box::new(std::io::stdout()),
    };
    let built = match &cli.command {
        Some(Command::Sql { query }) | Some(Command::Diff { query }) => {
            Shell::for_command(session, out, Box::new(std::io::stderr()), query)
        }
        None => Shell::new(session, out, Box::new(std::io::stderr())),
    };
    let mut shell = match built {
        Ok(s) => s,
        Err(e) => {
            stderr_line(&format!("error: cannot build the demo tables: {e}"));
            return 1;
        }
    };
    for arg in &cli.tables {
        let loaded = parse_table_arg(arg).and_then(|(name, path)| shell.load_file(&name, &path));
        if let Err(e) = loaded {
            stderr_line(&format!("error: {e}"));
            return 2;
        }
    }
    if let Some(mode) = cli.format {
        shell.set_mode(mode);
    }
    shell.set_progress_bar(std::io::stderr().is_terminal());
    match cli.command {
        Some(Command::Sql { query }) => {
            if shell.run_input(&query) {
                0
            } else {
                1
            }
        }
        Some(Command::Diff { query }) => match shell.diff(query.trim().trim_end_matches(';')) {
            Ok(diff) => {
                print!("{}", diff.report());
                i32::from(diff.differs)
            }
            Err(e) => {
                stderr_line(&format!("error: {e}"));
                2
            }
        },
        None if std::io::stdin().is_terminal() => {
            shell.set_interactive(true);
            if let Some(mode) = cli.format {
                shell.set_mode(mode);
            }
            let interrupt = Arc::new(AtomicBool::new(false));
            let flag = interrupt.clone();
            // While a query runs the terminal is in cooked mode, so Ctrl-C is a
            // signal: it only sets the flag, and the shell cancels the query.
            if ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)).is_ok() {
                shell.set_interrupt(interrupt);
            }
            crate::repl::run(&mut shell)
        }
        None => {
            let mut bytes = vec![];
            if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
                stderr_line(&format!("error: cannot read standard input: {e}"));
                return 1;
            }
            let text = String::from_utf8_lossy(&bytes);
            if shell.run_script(&text) {
                0
            } else {
                1
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_args() {
        assert_eq!(
            parse_table_arg("t=/a/b.csv").unwrap(),
            ("t".to_string(), PathBuf::from("/a/b.csv"))
        );
        assert_eq!(parse_table_arg("/a/b-c.csv").unwrap().0, "b_c");
        assert!(parse_table_arg("=x.csv").is_err());
        assert!(parse_table_arg("t=").is_err());
    }

    #[test]
    fn arguments() {
        let cli = Cli::try_parse_from([
            "partita",
            "sql",
            "SELECT 1",
            "--semantics",
            "spark",
            "--partitions",
            "3",
            "--format",
            "csv",
            "--table",
            "a=x.csv",
        ])
        .unwrap();
        assert!(matches!(cli.command, Some(Command::Sql { ref query }) if query == "SELECT 1"));
        assert_eq!(cli.semantics, Some(Preset::Spark));
        assert_eq!(cli.format, Some(Mode::Csv));
        assert_eq!(session_for(&cli).config().default_partitions, 3);
        assert!(Cli::try_parse_from(["partita", "--partitions", "0"]).is_err());
        assert!(Cli::try_parse_from(["partita", "--semantics", "polars"]).is_err());
    }
}
