//! The interactive REPL: rustyline editing, history, multi-line input ended by `;`,
//! Tab completion of dot commands, tables and columns, and Ctrl-C / Ctrl-D.

use std::io::Write;
use std::path::PathBuf;

use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Config, Context, Editor, Helper};

use crate::script;
use crate::shell::{Shell, DOT_COMMANDS};

/// The rustyline helper: says when the input is complete and completes words.
#[derive(Debug, Default)]
pub struct SqlHelper {
    /// Table and column names offered by Tab.
    pub words: Vec<String>,
}

impl Completer for SqlHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let pos = pos.min(line.len());
        let before = line.get(..pos).unwrap_or("");
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
        let word = &before[start..];
        if word.is_empty() {
            return Ok((pos, vec![]));
        }
        let candidates: Vec<String> = if word.starts_with('.') && before[..start].trim().is_empty()
        {
            DOT_COMMANDS
                .iter()
                .map(|(c, _, _)| c.to_string())
                .filter(|c| c.starts_with(word))
                .collect()
        } else {
            // Tables and columns first, then keywords (in the case typed) and
            // functions.
            let lower = word.to_lowercase();
            let upper_case = word.chars().next().is_some_and(char::is_uppercase);
            let mut c: Vec<String> = self
                .words
                .iter()
                .filter(|w| w.to_lowercase().starts_with(&lower))
                .cloned()
                .collect();
            c.sort();
            c.dedup();
            let mut more: Vec<String> = partita::SQL_KEYWORDS
                .iter()
                .map(|k| {
                    if upper_case {
                        k.to_string()
                    } else {
                        k.to_lowercase()
                    }
                })
                .chain(partita::SQL_FUNCTIONS.iter().map(|f| {
                    if upper_case {
                        f.to_uppercase()
                    } else {
                        f.to_string()
                    }
                }))
                .filter(|k| k.to_lowercase().starts_with(&lower) && !c.contains(k))
                .collect();
            more.sort();
            more.dedup();
            c.extend(more);
            c
        };
        Ok((start, candidates))
    }
}

impl Hinter for SqlHelper {
    type Hint = String;
}

impl Highlighter for SqlHelper {}

// Every line is taken as typed: the loop in `run` joins the lines of an
// unfinished statement under a continuation prompt, as the sqlite3 and DuckDB
// shells do.
impl Validator for SqlHelper {
    fn validate(&self, _ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        Ok(ValidationResult::Valid(None))
    }
}

/// The prompt of the next line of an unfinished statement: `...>` right-aligned
/// under the prompt `first`.
pub fn continuation_prompt(first: &str) -> String {
    let width = first.chars().count();
    format!("{:>width$}", "...> ")
}

impl Helper for SqlHelper {}

/// `~/.partita_history`, or the file named by `PARTITA_HISTORY` (empty: no history
/// file).
pub fn history_path() -> Option<PathBuf> {
    match std::env::var_os("PARTITA_HISTORY") {
        Some(p) if p.is_empty() => None,
        Some(p) => Some(PathBuf::from(p)),
        None => std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".partita_history")),
    }
}

/// Table and column names of the shell's tables, for completion.
fn words(shell: &Shell) -> Vec<String> {
    let ctx = shell.context();
    let mut words = ctx.table_names();
    for t in ctx.table_names() {
        if let Some(schema) = ctx.table(&t).and_then(|f| f.schema().ok()) {
            words.extend(schema.fields().iter().map(|f| f.name.to_string()));
        }
    }
    words
}

/// Runs the REPL until `.quit` or Ctrl-D. Returns the process exit code (0; errors
/// of statements do not end the REPL).
pub fn run(shell: &mut Shell) -> i32 {
    let config = Config::builder()
        .auto_add_history(false)
        .history_ignore_space(true)
        .max_history_size(1000)
        .and_then(|b| b.history_ignore_dups(true))
        .map(|b| b.build())
        .unwrap_or_default();
    let mut rl: Editor<SqlHelper, DefaultHistory> = match Editor::with_config(config) {
        Ok(rl) => rl,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: cannot start the line editor: {e}"
            );
            return 1;
        }
    };
    rl.set_helper(Some(SqlHelper::default()));
    let history = history_path();
    if let Some(path) = &history {
        let _ = rl.load_history(path); // none yet is fine
    }
    let session = shell.context().session().config().clone();
    let engine = match shell.context().session().engine().describe() {
        local if local == "local" => String::new(),
        other => format!(", queries run on {other}"),
    };
    let _ = writeln!(
        std::io::stdout(),
        "Partita {} - SQL over partitioned frames ({} semantics, {} workers, {} partitions{engine}).\n\
         Tables: {}. Type .help for commands; end SQL with ';'. \
         Ctrl-C cancels a query, Ctrl-D quits.",
        env!("CARGO_PKG_VERSION"),
        session.semantics.name(),
        session.workers,
        session.default_partitions,
        shell.context().table_names().join(", "),
    );
    // The lines of the statement being typed.
    let mut pending = String::new();
    loop {
        if let Some(h) = rl.helper_mut() {
            h.words = words(shell);
        }
        if let Some((cols, _)) = rl.dimensions() {
            shell.set_width(cols as usize);
        }
        let prompt = if pending.is_empty() {
            shell.prompt()
        } else {
            continuation_prompt(&shell.prompt())
        };
        match rl.readline(&prompt) {
            Ok(line) => {
                if pending.is_empty()
                    && script::is_blank(&line)
                    && !line.trim_start().starts_with('.')
                {
                    continue;
                }
                pending.push_str(&line);
                pending.push('\n');
                if !script::is_complete(&pending) {
                    continue;
                }
                let input = std::mem::take(&mut pending);
                let _ = rl.add_history_entry(input.trim_end());
                if let Some(path) = &history {
                    let _ = rl.append_history(path);
                }
                shell.run_input(&input);
                if shell.quit_requested() {
                    break;
                }
            }
            // Ctrl-C while typing: the statement is dropped, a fresh prompt follows.
            Err(ReadlineError::Interrupted) => {
                pending.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "error: {e}");
                break;
            }
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustyline::history::DefaultHistory;

    #[test]
    fn completes_dot_commands_and_words() {
        let h = SqlHelper {
            words: vec!["flights".into(), "dep_delay".into(), "df".into()],
        };
        let hist = DefaultHistory::new();
        let ctx = Context::new(&hist);
        let (start, c) = h.complete(".sc", 3, &ctx).unwrap();
        assert_eq!((start, c), (0, vec![".schema".to_string()]));
        let (start, c) = h.complete("SELECT * FROM f", 15, &ctx).unwrap();
        assert_eq!((start, c[0].as_str()), (14, "flights"));
        let (_, c) = h.complete("SELECT d", 8, &ctx).unwrap();
        assert_eq!(&c[..2], ["dep_delay".to_string(), "df".to_string()]);
        assert!(
            c.contains(&"date_trunc".to_string()) && c.contains(&"desc".to_string()),
            "{c:?}"
        );
        let (_, c) = h.complete("SEL", 3, &ctx).unwrap();
        assert_eq!(c, vec!["SELECT".to_string()]);
        let (_, c) = h.complete("SELECT COA", 10, &ctx).unwrap();
        assert_eq!(c, vec!["COALESCE".to_string()]);
        let (_, c) = h.complete("SELECT ", 7, &ctx).unwrap();
        assert!(c.is_empty());
        assert_eq!(
            continuation_prompt("partita(pandas)> "),
            "            ...> "
        );
    }
}
