//! The shell: an [`SqlContext`] with the demo tables, output settings, dot commands,
//! and statements run on a worker thread that Ctrl-C can cancel.
//!
//! The REPL, piped scripts and one-shot queries all go through [`Shell`]; only how
//! the text arrives differs.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use partita::diff::order_columns;
use partita::polars::Series;
use partita::{
    semantic_diff, Error, Frame, Progress, Result, RunNotes, RunOptions, SemanticDiff, Semantics,
    Session, SqlContext, SqlOutput, Table,
};

use crate::demo;
use crate::output::{self, Mode};
use crate::script;

/// Queries running longer than this get a progress bar (when stderr is a terminal).
pub const PROGRESS_AFTER: Duration = Duration::from_millis(500);

/// After Ctrl-C, how long a query may take to notice before the shell gives up
/// waiting for it and returns to the prompt.
pub const CANCEL_GRACE: Duration = Duration::from_secs(3);

/// The dot commands, with their arguments and what they do (the text of `.help`).
pub const DOT_COMMANDS: &[(&str, &str, &str)] = &[
    (".help", "", "show this list"),
    (".tables", "", "list the tables"),
    (".schema", "[TABLE]", "columns and types of one table, or of every table"),
    (
        ".semantics",
        "[pandas|spark]",
        "switch every semantics switch to a preset; without an argument, show them",
    ),
    (
        ".set",
        "[NAME VALUE]",
        "set a semantics switch or workers/partitions/split_every/split_out; without arguments, show the settings",
    ),
    (
        ".partitions",
        "[N]",
        "partitions of the tables (the demo and .load tables are re-split)",
    ),
    (".workers", "[N]", "threads that run the tasks"),
    (
        ".engine",
        "[local|spark [URL]]",
        "run queries here or on a Spark Connect server (default sc://127.0.0.1:15002); without an argument, show it",
    ),
    (".timer", "on|off", "show the elapsed time after each result"),
    (".explain", "QUERY", "the logical plan, the optimized plan and the task graph"),
    (
        ".compare",
        "QUERY",
        "run QUERY under pandas' and Spark's semantics: the rows that differ and the switches responsible",
    ),
    (
        ".graph",
        "QUERY [FILE.dot]",
        "the task graph in Graphviz DOT, printed or written to FILE.dot",
    ),
    (
        ".load",
        "PATH [AS NAME]",
        "register a CSV or Parquet file (or a glob of them) as a table (NAME defaults to the file name)",
    ),
    (
        ".mode",
        "[table|box|markdown|line|csv|tsv|json|jsonl]",
        "how results are printed; without an argument, show it",
    ),
    (
        ".maxwidth",
        "N|all",
        "characters of one value in table modes (longer ones end in …)",
    ),
    (".output", "[FILE]", "results to FILE until .output alone"),
    (".once", "FILE", "the next result to FILE"),
    (".last", "", "the previous result again, in full"),
    (".read", "FILE", "run the statements and dot commands of FILE"),
    (".show", "", "every setting"),
    (
        ".maxrows",
        "N|all",
        "rows shown by table mode (the middle of longer results is elided)",
    ),
    (".quit", "", "leave (also .exit, exit, quit, Ctrl-D)"),
];

/// Where a table came from, so it can be re-split when the partition count changes.
#[derive(Debug, Clone)]
enum Source {
    Columns(Vec<Series>),
    File(PathBuf),
}

/// One result of a statement.
enum Item {
    /// A result, with what the semantics changed while it ran.
    Rows(Table, Arc<RunNotes>),
    Text(String),
}

/// The shell state: tables, settings, where output goes.
pub struct Shell {
    ctx: SqlContext,
    sources: BTreeMap<String, Source>,
    partitions: usize,
    mode: Mode,
    timer: bool,
    max_rows: usize,
    max_width: usize,
    width: usize,
    /// The previous result, for `.last`.
    last: Option<Table>,
    /// Standard output while `.output` / `.once` send results to a file.
    saved_out: Option<Box<dyn Write>>,
    /// The file results go to, and whether only the next result does.
    output: Option<(PathBuf, bool)>,
    interactive: bool,
    progress_bar: bool,
    interrupt: Option<Arc<AtomicBool>>,
    out: Box<dyn Write>,
    err: Box<dyn Write>,
    quit: bool,
}

impl std::fmt::Debug for Shell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shell")
            .field("session", self.ctx.session())
            .field("tables", &self.ctx.table_names())
            .field("mode", &self.mode)
            .finish()
    }
}

thread_local! {
    /// Where the last panic of this thread happened, for the error that reports it.
    static PANIC_AT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Replaces the default panic hook, which prints a message (and, with
/// `RUST_BACKTRACE`, a backtrace per panicking thread) in the middle of the shell's
/// output. Every panic on the shell's paths is caught and reported as an error
/// instead; the hook only remembers where it happened. With `PARTITA_DEBUG` set,
/// the default hook runs as well.
pub fn install_quiet_panic_hook() {
    let default = std::panic::take_hook();
    let debug = std::env::var_os("PARTITA_DEBUG").is_some();
    std::panic::set_hook(Box::new(move |info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        PANIC_AT.with(|p| *p.borrow_mut() = Some(at));
        if debug {
            default(info);
        }
    }));
}

/// A panic's message.
pub fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    let msg = partita::panic_message(&*p);
    match PANIC_AT.with(|p| p.borrow_mut().take()) {
        Some(at) if !at.is_empty() => format!("{msg} (at {at})"),
        _ => msg,
    }
}

/// Catches a panic of `f` as an internal error, so that nothing typed ends the shell.
fn guarded<T, E: From<Error>>(f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|p| Err(Error::Internal(format!("panic: {}", panic_text(p))).into()))
}

/// Why a dot command failed: its arguments, or the engine.
#[derive(Debug)]
enum Failure {
    Usage(String),
    Engine(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Engine(e)
    }
}

type DotResult<T> = Result<T, Failure>;

fn bad_arg(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

/// A progress bar line: `[#####-----]  12/40 tasks  1.3 s`.
pub fn progress_line(done: usize, total: usize, rows: usize, elapsed: Duration) -> String {
    const WIDTH: usize = 30;
    let filled = (done * WIDTH).checked_div(total).unwrap_or(0).min(WIDTH);
    // The total is known once the first task has finished.
    let (total, percent) = if total == 0 {
        ("?".to_string(), "  ?%".to_string())
    } else {
        (total.to_string(), format!("{:>3}%", done * 100 / total))
    };
    format!(
        "[{}{}] {percent} {done:>5}/{total} tasks  {}  {} rows",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled),
        output::human_time(elapsed),
        human_count(rows)
    )
}

/// A count as `812`, `12.3K`, `4.5M` or `1.2B`.
fn human_count(n: usize) -> String {
    let x = n as f64;
    if n < 1000 {
        n.to_string()
    } else if x < 1e6 {
        format!("{:.1}K", x / 1e3)
    } else if x < 1e9 {
        format!("{:.1}M", x / 1e6)
    } else {
        format!("{:.1}B", x / 1e9)
    }
}

/// The lines that show where a SQL error is: the line of `text` and a caret under
/// `column` (tabs kept, so the caret lines up).
pub fn caret_lines(text: &str, line: usize, column: usize) -> Option<String> {
    let src = text.split('\n').nth(line.checked_sub(1)?)?;
    let src = src.strip_suffix('\r').unwrap_or(src);
    let pad: String = src
        .chars()
        .take(column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let extra = " ".repeat(column.saturating_sub(1).saturating_sub(src.chars().count()));
    let num = line.to_string();
    let gutter = " ".repeat(num.len());
    Some(format!(
        "{gutter} |\n{num} | {src}\n{gutter} | {pad}{extra}^"
    ))
}

/// A name for a table loaded from `path`: the file stem, with characters other
/// than letters, digits and `_` replaced by `_`.
pub fn table_name_for(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut name: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "t_");
    }
    name
}

/// Removes one pair of matching quotes around `s`.
fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['\'', '"', '`'] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

/// The byte offset of `sub` in `text`, when `sub` is a slice of it.
fn offset_in(text: &str, sub: &str) -> Option<usize> {
    let start = (sub.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    (start + sub.len() <= text.len() && !sub.is_empty()).then_some(start)
}

/// `PATH AS NAME` into the path and the name (`AS` in any case); no `AS`, no name.
fn split_as(s: &str) -> (&str, Option<&str>) {
    let words: Vec<&str> = s.split_whitespace().collect();
    match words.as_slice() {
        [.., kw, name] if words.len() >= 3 && kw.eq_ignore_ascii_case("as") => {
            let before_name = s[..s.len() - name.len()].trim_end();
            let path = before_name[..before_name.len() - kw.len()].trim_end();
            (path, Some(name))
        }
        _ => (s, None),
    }
}

/// The error for an unknown dot command, with the command it most likely meant.
fn unknown_command(other: &str) -> Failure {
    let known: Vec<&str> = DOT_COMMANDS.iter().map(|(c, _, _)| &c[1..]).collect();
    let hint = known
        .iter()
        .find(|k| k.starts_with(&other.to_ascii_lowercase()) || other.starts_with(*k))
        .map(|k| format!("; did you mean '.{k}'?"))
        .unwrap_or_default();
    bad_arg(format!(
        "unknown command '.{other}'{hint} (.help lists the commands)"
    ))
}

fn on_off(v: &str) -> DotResult<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" => Ok(false),
        other => Err(bad_arg(format!("expected on or off, got '{other}'"))),
    }
}

/// A frame over a CSV or Parquet file (see [`Session::read_file`]); a bad file is
/// reported here, not at the first query.
pub fn read_table(session: &Session, path: &Path) -> Result<Frame> {
    let frame = session.read_file(path)?;
    frame.schema()?; // report a bad file now, not at the first query
    Ok(frame)
}

impl Shell {
    /// A shell over `session` with the demo tables `df`, `flights`, `airlines` and
    /// `airports` registered,
    /// printing results to `out` and messages and errors to `err`.
    pub fn new(session: Session, out: Box<dyn Write>, err: Box<dyn Write>) -> Result<Self> {
        let mut shell = Self::empty(session, out, err);
        shell.add_demo(|_| true)?;
        Ok(shell)
    }

    /// A shell for one command (`partita sql`, `partita diff`): only the demo tables
    /// `text` names are built (building all of them takes longer than most
    /// queries over a file); a dot command (`.tables`) and `SHOW TABLES` get them
    /// all.
    pub fn for_command(
        session: Session,
        out: Box<dyn Write>,
        err: Box<dyn Write>,
        text: &str,
    ) -> Result<Self> {
        let mut shell = Self::empty(session, out, err);
        if text.trim_start().starts_with('.') {
            shell.add_demo(|_| true)?;
        } else {
            let words: std::collections::HashSet<String> = text
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map(str::to_ascii_lowercase)
                .collect();
            // SHOW TABLES lists them all.
            let all = words.contains("show") && words.contains("tables");
            shell.add_demo(|name| all || words.contains(name))?;
        }
        Ok(shell)
    }

    /// Registers the demo tables whose names `wanted` accepts.
    fn add_demo(&mut self, wanted: impl Fn(&str) -> bool) -> Result<()> {
        /// A demo table's name and the function that builds its columns.
        type Demo = (&'static str, fn() -> Vec<Series>);
        let tables: [Demo; 4] = [
            ("df", demo::df_columns),
            ("flights", || demo::flights_columns(demo::FLIGHT_ROWS)),
            ("airlines", demo::airlines_columns),
            ("airports", demo::airports_columns),
        ];
        for (name, columns) in tables {
            if wanted(name) {
                self.add_columns(name, columns())?;
            }
        }
        Ok(())
    }

    /// A shell over `session` with no tables.
    pub fn empty(session: Session, out: Box<dyn Write>, err: Box<dyn Write>) -> Self {
        let partitions = session.config().default_partitions;
        Shell {
            ctx: SqlContext::new(session),
            sources: BTreeMap::new(),
            partitions,
            mode: Mode::Table,
            timer: false,
            max_rows: usize::MAX,
            max_width: usize::MAX,
            width: usize::MAX,
            last: None,
            saved_out: None,
            output: None,
            interactive: false,
            progress_bar: false,
            interrupt: None,
            out,
            err,
            quit: false,
        }
    }

    /// Interactive use: confirmations of dot commands, the timer on, at most 40 rows
    /// per table and 40 characters per value, a blank line after each result.
    pub fn set_interactive(&mut self, on: bool) {
        self.interactive = on;
        if on {
            self.timer = true;
            self.max_rows = 40;
            self.max_width = 40;
        }
    }

    /// The terminal's width in characters: wider tables leave middle columns out.
    pub fn set_width(&mut self, width: usize) {
        self.width = width.max(20);
    }

    /// How display modes show results now.
    fn view(&self) -> output::View {
        let sem = self.ctx.session().config().semantics;
        output::View {
            max_rows: self.max_rows,
            max_width: self.max_width,
            width: self.width,
            pandas: sem.text_format == Semantics::pandas().text_format,
        }
    }

    /// Draw a progress bar on the error output for queries that run longer than
    /// [`PROGRESS_AFTER`] (only sensible when it is a terminal).
    pub fn set_progress_bar(&mut self, on: bool) {
        self.progress_bar = on;
    }

    /// The flag a Ctrl-C handler sets: while a statement runs, the shell polls it
    /// and cancels the statement.
    pub fn set_interrupt(&mut self, flag: Arc<AtomicBool>) {
        self.interrupt = Some(flag);
    }

    /// The output mode.
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    /// The SQL context (session and tables).
    pub fn context(&self) -> &SqlContext {
        &self.ctx
    }

    /// True once `.quit` ran (or the output was closed).
    pub fn quit_requested(&self) -> bool {
        self.quit
    }

    /// The REPL prompt: `partita(pandas)> `.
    pub fn prompt(&self) -> String {
        format!(
            "partita({})> ",
            self.ctx.session().config().semantics.name()
        )
    }

    fn add_columns(&mut self, name: &str, columns: Vec<Series>) -> Result<()> {
        let frame = self
            .ctx
            .session()
            .from_columns(columns.clone(), self.partitions)?;
        self.ctx.register(name, frame);
        self.sources
            .insert(name.to_string(), Source::Columns(columns));
        Ok(())
    }

    /// Registers a CSV or Parquet file (by its extension; a directory or a glob is
    /// Parquet) as table `name`; a CSV file is re-split when the partition count
    /// changes.
    pub fn load_file(&mut self, name: &str, path: &Path) -> Result<()> {
        let frame = read_table(self.ctx.session(), path)?;
        self.ctx.register(name, frame);
        self.sources
            .insert(name.to_string(), Source::File(path.to_path_buf()));
        Ok(())
    }

    /// Re-splits the tables the shell knows the source of when the session's
    /// partition count changed (by `.partitions` or `SET partitions`).
    fn sync_partitions(&mut self) -> Result<()> {
        let now = self.ctx.session().config().default_partitions;
        if now == self.partitions {
            return Ok(());
        }
        self.partitions = now;
        let session = self.ctx.session().clone();
        for (name, source) in &self.sources {
            let frame = match source {
                Source::Columns(cols) => session.from_columns(cols.clone(), now)?,
                Source::File(path) => read_table(&session, path)?,
            };
            self.ctx.register(name.clone(), frame);
        }
        Ok(())
    }

    fn write_out(&mut self, text: &str) {
        if self.out.write_all(text.as_bytes()).is_err() || self.out.flush().is_err() {
            // The reader went away (say `| head`): stop quietly.
            self.quit = true;
        }
    }

    fn write_err(&mut self, text: &str) {
        let _ = self.err.write_all(text.as_bytes());
        let _ = self.err.flush();
    }

    fn info(&mut self, text: &str) {
        if self.interactive {
            self.write_out(&format!("{text}\n"));
        }
    }

    /// Prints an error; for a SQL error with a position, also the line of `source`
    /// (the text the positions refer to) with a caret under the column.
    pub fn report_error(&mut self, e: &Error, source: Option<&str>) {
        let mut text = format!("error: {e}\n");
        if let (Some(s), Some(src)) = (e.span(), source) {
            if let Some(lines) = caret_lines(src, s.line as usize, s.column as usize) {
                text.push_str(&lines);
                text.push('\n');
            }
        }
        self.write_err(&text);
    }

    /// Runs what the REPL or `partita sql` was given: SQL statements separated by
    /// `;` (the last one may lack it) and dot commands on lines of their own, or a
    /// bare `exit` / `quit`. Errors are printed; returns false when something
    /// failed.
    pub fn run_input(&mut self, text: &str) -> bool {
        if script::is_exit_word(text) {
            self.quit = true;
            return true;
        }
        self.run_script(text)
    }

    /// Runs a script (piped standard input): SQL statements ended by `;` (the last
    /// one may lack it), and dot commands on lines of their own between
    /// statements. Every statement runs even after a failure; `.quit` stops.
    /// Returns false when any failed.
    pub fn run_script(&mut self, text: &str) -> bool {
        let cut = script::pieces(text);
        let mut ok = true;
        for piece in cut.pieces {
            if self.quit {
                return ok;
            }
            ok &= match piece {
                script::Piece::Dot(r) => self.run_dot(text, r),
                script::Piece::Sql(r) => self.run_statement(text, r),
            };
        }
        if !self.quit && !cut.rest_is_blank {
            let end = text.trim_end().len().max(cut.rest.start);
            ok &= self.run_statement(text, cut.rest.start..end);
        }
        ok
    }

    /// Runs one SQL statement, `text[range]`; errors point into `text`.
    fn run_statement(&mut self, text: &str, range: Range<usize>) -> bool {
        let sql = script::positioned(text, range);
        let started = Instant::now();
        let result = self.execute(&sql);
        let elapsed = started.elapsed();
        let result = result.and_then(|items| guarded(|| self.show_items(items, elapsed)));
        match result {
            Ok(()) => true,
            Err(e) => {
                self.report_error(&e, Some(text));
                false
            }
        }
    }

    /// Prints the results of one statement, and keeps the table sources in step.
    fn show_items(&mut self, items: Vec<Item>, elapsed: Duration) -> Result<()> {
        let mut created = vec![];
        for item in items {
            match item {
                Item::Rows(table, notes) => {
                    self.show_rows(&table, elapsed)?;
                    self.footnotes(&notes);
                    self.end_result();
                }
                Item::Text(t) => {
                    if let Some(name) = t.strip_prefix("created table ") {
                        created.push(name.to_string());
                    }
                    if !t.is_empty() {
                        self.write_out(&format!("{t}\n"));
                    }
                }
            }
        }
        for name in created {
            self.sources.remove(&name); // now a materialized table
        }
        self.sync_partitions()
    }

    /// Short notes on what the semantics changed in the last result, where the
    /// run counted it: rows of a missing group key left out, NaN read as
    /// missing. In the table modes they follow the result; for data modes they
    /// go to the error output, keeping the data clean.
    fn footnotes(&mut self, notes: &RunNotes) {
        let mut lines = vec![];
        let keys = notes.null_key_rows.load(Ordering::Relaxed);
        if keys > 0 {
            lines.push(format!(
                "note: {keys} row{} with a missing group key left out (null_group_keys = drop; Spark keeps them as a group)",
                if keys == 1 { "" } else { "s" }
            ));
        }
        let kept = notes.missing_comparisons_kept.load(Ordering::Relaxed);
        if kept > 0 {
            lines.push(format!(
                "note: {kept} row{} kept where a comparison met a missing value (logic = two_valued: pandas takes it as false, != as true; Spark's WHERE drops such rows)",
                if kept == 1 { "" } else { "s" }
            ));
        }
        let nans = notes.nan_as_missing.load(Ordering::Relaxed);
        if nans > 0 {
            lines.push(format!(
                "note: {nans} NaN value{} read as missing (nan = missing; Spark keeps NaN apart from NULL)",
                if nans == 1 { "" } else { "s" }
            ));
        }
        if lines.is_empty() {
            return;
        }
        let text = lines.join("\n") + "\n";
        if self.mode.is_display() {
            self.write_out(&text);
        } else {
            self.write_err(&text);
        }
    }

    fn show_rows(&mut self, table: &Table, elapsed: Duration) -> Result<()> {
        self.last = Some(table.clone());
        let view = self.view();
        let result = output::write_result(table, self.mode, &view, &mut self.out);
        if matches!(self.output, Some((_, true))) {
            self.end_output();
        }
        if let Err(e) = result {
            if matches!(e, Error::Io(_)) {
                // The reader went away (say `| head`): stop quietly.
                self.quit = true;
                return Ok(());
            }
            return Err(e);
        }
        let time = self.timer.then_some(elapsed);
        let count = output::row_count(table.height(), time);
        match self.mode {
            // Markdown and line output stay clean to paste; the count goes with
            // the tables.
            Mode::Table | Mode::Box => self.write_out(&format!("{count}\n")),
            _ if self.timer => self.write_err(&format!("{count}\n")),
            _ => {}
        }
        Ok(())
    }

    /// The blank line that closes a result (and its footnotes) in the shell.
    fn end_result(&mut self) {
        if self.interactive {
            self.write_out("\n");
        }
    }

    /// Plans and runs one statement on a worker thread, with progress and Ctrl-C.
    fn execute(&mut self, sql: &str) -> Result<Vec<Item>> {
        let cancel = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicUsize::new(0));
        let total = Arc::new(AtomicUsize::new(0));
        let rows = Arc::new(AtomicUsize::new(0));
        let progress = {
            let (done, total, rows) = (done.clone(), total.clone(), rows.clone());
            Arc::new(move |p: Progress| {
                done.store(p.done, Ordering::Relaxed);
                total.store(p.total, Ordering::Relaxed);
                rows.store(p.rows, Ordering::Relaxed);
            })
        };
        let options = RunOptions {
            progress: Some(progress),
            cancel: Some(cancel.clone()),
            ..RunOptions::default()
        };
        let mut ctx = self.ctx.clone();
        let sql = sql.to_string();
        let (tx, rx) = mpsc::channel();
        if let Some(flag) = &self.interrupt {
            flag.store(false, Ordering::SeqCst);
        }
        std::thread::Builder::new()
            .name("partita-query".into())
            .spawn(move || {
                let result = guarded(|| {
                    let mut items = vec![];
                    for out in ctx.execute(&sql)? {
                        items.push(match out {
                            SqlOutput::Query(frame) => {
                                let notes = Arc::new(RunNotes::default());
                                let options = RunOptions {
                                    notes: Some(Arc::clone(&notes)),
                                    ..options.clone()
                                };
                                let rows = frame
                                    .collect_with(&options)
                                    .map_err(|e| ctx.locate_error(&sql, e))?;
                                Item::Rows(rows, notes)
                            }
                            SqlOutput::Text(t) => Item::Text(t),
                        });
                    }
                    Ok(items)
                });
                let _ = tx.send((ctx, result));
            })
            .map_err(|e| Error::Internal(format!("cannot start a thread: {e}")))?;

        let started = Instant::now();
        let mut cancelled_at: Option<Instant> = None;
        let mut bar = false;
        loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok((ctx, result)) => {
                    if bar {
                        self.write_err("\r\x1b[2K");
                    }
                    if result.is_ok() {
                        self.ctx = ctx;
                    }
                    return result;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(Error::Internal(
                        "the query thread ended without a result".into(),
                    ))
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            let interrupted = self
                .interrupt
                .as_ref()
                .is_some_and(|f| f.swap(false, Ordering::SeqCst));
            if interrupted && cancelled_at.is_none() {
                cancel.store(true, Ordering::SeqCst);
                cancelled_at = Some(Instant::now());
            }
            if let Some(at) = cancelled_at {
                if at.elapsed() > CANCEL_GRACE {
                    // The statement does not listen (say a CREATE TABLE AS): leave it
                    // to finish in the background; the session stays as it was.
                    if bar {
                        self.write_err("\r\x1b[2K");
                    }
                    return Err(Error::Cancelled);
                }
            }
            if self.progress_bar && started.elapsed() >= PROGRESS_AFTER {
                let line = progress_line(
                    done.load(Ordering::Relaxed),
                    total.load(Ordering::Relaxed),
                    rows.load(Ordering::Relaxed),
                    started.elapsed(),
                );
                let note = if cancelled_at.is_some() {
                    "  cancelling…"
                } else {
                    ""
                };
                self.write_err(&format!("\r\x1b[2K{line}{note}"));
                bar = true;
            }
        }
    }

    /// Runs the dot command `text[range]` (one line); errors point into `text`.
    fn run_dot(&mut self, text: &str, range: Range<usize>) -> bool {
        let result = guarded(|| self.dot(text, range.clone()));
        let result = result.and_then(|()| Ok(self.sync_partitions()?));
        match result {
            Ok(()) => true,
            Err(Failure::Engine(e)) => {
                self.report_error(&e, Some(text));
                false
            }
            Err(Failure::Usage(message)) => {
                self.write_err(&format!("error: {message}\n"));
                false
            }
        }
    }

    fn dot(&mut self, text: &str, range: Range<usize>) -> DotResult<()> {
        let line = &text[range.clone()];
        let body = line.trim().trim_start_matches('.');
        let (cmd, args) = body
            .split_once(char::is_whitespace)
            .map(|(c, a)| (c, a.trim()))
            .unwrap_or((body, ""));
        // Where the arguments start in `text`, for SQL error positions.
        let args_at = offset_in(text, args).unwrap_or(range.end);
        let simple = args.trim_end_matches(';').trim();
        match cmd.to_ascii_lowercase().as_str() {
            "help" | "h" => self.dot_help(),
            "tables" => self.dot_tables(),
            "schema" => self.dot_schema(simple)?,
            "semantics" => self.dot_semantics(simple)?,
            "set" => self.dot_set(simple)?,
            "partitions" | "workers" => self.dot_count(cmd, simple)?,
            "engine" => self.dot_engine(simple)?,
            "timer" => self.dot_timer(simple)?,
            "mode" => self.dot_mode(simple)?,
            "maxrows" => self.dot_maxrows(simple)?,
            "maxwidth" => self.dot_maxwidth(simple)?,
            "output" => self.dot_output(simple, false)?,
            "once" => self.dot_output(simple, true)?,
            "last" => self.dot_last()?,
            "read" => self.dot_read(simple)?,
            "show" => self.dot_show(),
            "explain" => {
                let frame = self.plan_query(text, args_at..range.end, None)?;
                let s = frame.explain()?.trim_end().to_string() + "\n";
                self.write_out(&s);
            }
            "graph" => self.dot_graph(text, args_at..range.end, simple)?,
            "compare" => {
                let frame = self.plan_query(text, args_at..range.end, Some(".compare QUERY"))?;
                let order = frame.logical_plan().ok().and_then(order_columns);
                let query = text[args_at..range.end].trim_end();
                let query = query.strip_suffix(';').unwrap_or(query).to_string();
                let diff = self.compare(&query, order)?;
                self.write_out(&diff.report());
            }
            "load" => self.dot_load(simple)?,
            "quit" | "exit" | "q" => self.quit = true,
            "" => return Err(bad_arg("a dot command needs a name; .help lists them")),
            other => return Err(unknown_command(other)),
        }
        Ok(())
    }

    /// `.help`: the dot commands and how SQL statements end.
    fn dot_help(&mut self) {
        let width = DOT_COMMANDS
            .iter()
            .map(|(c, a, _)| c.len() + a.len() + 1)
            .max()
            .unwrap_or(0);
        let mut help = String::new();
        for (c, a, what) in DOT_COMMANDS {
            let usage = format!("{c} {a}");
            help.push_str(&format!("{usage:<width$}  {what}\n"));
        }
        help.push_str(
            "\nSQL statements end with ';' and may span lines. Ctrl-C cancels a running \
             query (or clears the line), Ctrl-D quits.\n",
        );
        self.write_out(&help);
    }

    /// `.tables`: one table name a line.
    fn dot_tables(&mut self) {
        let names = self.ctx.table_names();
        let mut s = names.join("\n");
        if !s.is_empty() {
            s.push('\n');
        }
        self.write_out(&s);
    }

    /// `.schema [TABLE]`: the columns of one table, or of every table.
    fn dot_schema(&mut self, simple: &str) -> DotResult<()> {
        let names = match simple {
            "" => self.ctx.table_names(),
            t => vec![self.resolve_table(unquote(t))?],
        };
        let mut s = String::new();
        for name in names {
            s.push_str(&self.schema_text(&name)?);
        }
        self.write_out(&s);
        Ok(())
    }

    /// `.semantics [pandas|spark]`: switch to a preset, or show the switches.
    fn dot_semantics(&mut self, simple: &str) -> DotResult<()> {
        if simple.is_empty() {
            let sem = self.ctx.session().config().semantics;
            let mut s = format!("semantics: {}\n", sem.name());
            for (k, v) in sem.switches() {
                s.push_str(&format!("  {k} = {v}\n"));
            }
            self.write_out(&s);
        } else {
            self.ctx.set("semantics", unquote(simple))?;
            let name = self.ctx.session().config().semantics.name();
            self.info(&format!("semantics: {name}"));
        }
        Ok(())
    }

    /// `.set [NAME VALUE]` (or `NAME=VALUE`): set one setting, or show them all.
    fn dot_set(&mut self, simple: &str) -> DotResult<()> {
        if simple.is_empty() {
            let s = self.settings_text();
            self.write_out(&s);
            return Ok(());
        }
        let (name, value) = simple
            .split_once('=')
            .or_else(|| simple.split_once(char::is_whitespace))
            .map(|(n, v)| (n.trim(), unquote(v.trim())))
            .ok_or_else(|| bad_arg("usage: .set NAME VALUE (see .set for the names)"))?;
        self.ctx.set(&name.to_ascii_lowercase(), value)?;
        self.info(&format!("{name} = {value}"));
        Ok(())
    }

    /// `.partitions [N]` and `.workers [N]`: set the count, or show it.
    fn dot_count(&mut self, cmd: &str, simple: &str) -> DotResult<()> {
        let cfg = self.ctx.session().config();
        if simple.is_empty() {
            let n = if cmd == "workers" {
                cfg.workers
            } else {
                cfg.default_partitions
            };
            self.write_out(&format!("{cmd}: {n}\n"));
        } else {
            self.ctx.set(&cmd.to_ascii_lowercase(), simple)?;
            self.info(&format!("{cmd}: {simple}"));
        }
        Ok(())
    }

    /// `.engine [local|spark [URL]]`: where queries run, or show it.
    fn dot_engine(&mut self, simple: &str) -> DotResult<()> {
        if simple.is_empty() {
            let s = format!("engine: {}\n", self.ctx.session().engine().describe());
            self.write_out(&s);
        } else {
            let engine = crate::cli::parse_engine(simple)?;
            let described = engine.describe();
            let session = self.ctx.session().clone().with_engine(engine);
            self.ctx.set_session(session);
            self.info(&format!("engine: {described}"));
        }
        Ok(())
    }

    /// `.timer [on|off]`.
    fn dot_timer(&mut self, simple: &str) -> DotResult<()> {
        if simple.is_empty() {
            let s = format!("timer: {}\n", if self.timer { "on" } else { "off" });
            self.write_out(&s);
        } else {
            self.timer = on_off(simple)?;
        }
        Ok(())
    }

    /// `.mode [MODE]`.
    fn dot_mode(&mut self, simple: &str) -> DotResult<()> {
        if simple.is_empty() {
            let s = format!("mode: {}\n", self.mode);
            self.write_out(&s);
        } else {
            self.mode = simple.parse().map_err(bad_arg)?;
        }
        Ok(())
    }

    /// `.maxwidth [N|all]`: characters of one value in display modes.
    fn dot_maxwidth(&mut self, simple: &str) -> DotResult<()> {
        if simple.is_empty() {
            let s = match self.max_width {
                usize::MAX => "maxwidth: all\n".to_string(),
                n => format!("maxwidth: {n}\n"),
            };
            self.write_out(&s);
        } else if simple.eq_ignore_ascii_case("all") {
            self.max_width = usize::MAX;
        } else {
            self.max_width = simple
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 2)
                .ok_or_else(|| {
                    bad_arg(format!(
                        "expected a number of at least 2 or 'all', got '{simple}'"
                    ))
                })?;
        }
        Ok(())
    }

    /// `.output [FILE]` / `.once FILE`: results to a file (every row, every
    /// character), until `.output` alone, or for the next result only.
    fn dot_output(&mut self, simple: &str, once: bool) -> DotResult<()> {
        let file = unquote(simple);
        if file.is_empty() {
            if once {
                return Err(bad_arg("expected a file: .once FILE"));
            }
            self.end_output();
            return Ok(());
        }
        self.end_output();
        let path = PathBuf::from(file);
        let f = std::fs::File::create(&path)
            .map_err(|e| bad_arg(format!("cannot write {}: {e}", path.display())))?;
        let previous = std::mem::replace(&mut self.out, Box::new(std::io::BufWriter::new(f)));
        self.saved_out = Some(previous);
        self.output = Some((path, once));
        Ok(())
    }

    /// Results back to standard output.
    fn end_output(&mut self) {
        if let Some(out) = self.saved_out.take() {
            let mut file = std::mem::replace(&mut self.out, out);
            let _ = file.flush();
        }
        self.output = None;
    }

    /// `.last`: the previous result again, every row and every character.
    fn dot_last(&mut self) -> DotResult<()> {
        let Some(table) = self.last.clone() else {
            return Err(bad_arg("no result yet"));
        };
        // Every row, every character and every column; nothing ran, so no time.
        let kept = (self.max_rows, self.max_width, self.width, self.timer);
        (self.max_rows, self.max_width, self.width, self.timer) =
            (usize::MAX, usize::MAX, usize::MAX, false);
        let shown = self.show_rows(&table, Duration::ZERO);
        (self.max_rows, self.max_width, self.width, self.timer) = kept;
        shown?;
        self.end_result();
        Ok(())
    }

    /// `.read FILE`: runs the statements and dot commands of a file.
    fn dot_read(&mut self, simple: &str) -> DotResult<()> {
        let path = unquote(simple);
        if path.is_empty() {
            return Err(bad_arg("expected a file: .read FILE"));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad_arg(format!("cannot read {path}: {e}")))?;
        if self.run_script(&text) {
            Ok(())
        } else {
            Err(bad_arg(format!("{path}: a statement failed")))
        }
    }

    /// `.show`: every setting.
    fn dot_show(&mut self) {
        let cfg = self.ctx.session().config().clone();
        let all = |n: usize| {
            if n == usize::MAX {
                "all".to_string()
            } else {
                n.to_string()
            }
        };
        let output = match &self.output {
            None => "stdout".to_string(),
            Some((p, once)) => format!("{}{}", p.display(), if *once { " (once)" } else { "" }),
        };
        let text = format!(
            "semantics: {}\nmode: {}\nmaxrows: {}\nmaxwidth: {}\nwidth: {}\ntimer: {}\noutput: {output}\nworkers: {}\npartitions: {}\nsplit_every: {}\nsplit_out: {}\nengine: {}\n",
            cfg.semantics.name(),
            self.mode,
            all(self.max_rows),
            all(self.max_width),
            all(self.width),
            if self.timer { "on" } else { "off" },
            cfg.workers,
            cfg.default_partitions,
            cfg.split_every,
            cfg.split_out,
            self.ctx.session().engine().describe(),
        );
        self.write_out(&text);
    }

    /// `.maxrows [N|all]`.
    fn dot_maxrows(&mut self, simple: &str) -> DotResult<()> {
        if simple.is_empty() {
            let s = match self.max_rows {
                usize::MAX => "maxrows: all\n".to_string(),
                n => format!("maxrows: {n}\n"),
            };
            self.write_out(&s);
        } else if simple.eq_ignore_ascii_case("all") {
            self.max_rows = usize::MAX;
        } else {
            self.max_rows = simple
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    bad_arg(format!(
                        "expected a positive number or 'all', got '{simple}'"
                    ))
                })?;
        }
        Ok(())
    }

    /// `.graph QUERY [FILE.dot]`: the task graph of the query `text[range]`, printed
    /// or written to the file its last word names.
    fn dot_graph(&mut self, text: &str, range: Range<usize>, simple: &str) -> DotResult<()> {
        let (query_end, file) = match simple.split_whitespace().last() {
            Some(last) if unquote(last).to_ascii_lowercase().ends_with(".dot") => (
                offset_in(text, last).unwrap_or(range.end),
                Some(PathBuf::from(unquote(last))),
            ),
            _ => (range.end, None),
        };
        let frame = self.plan_query(text, range.start..query_end, Some("QUERY [FILE.dot]"))?;
        let graph = frame.task_graph()?;
        let dot = graph.to_dot();
        match file {
            Some(path) => {
                std::fs::write(&path, &dot)
                    .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))?;
                self.info(&format!(
                    "wrote the task graph ({} tasks) to {}",
                    graph.task_count(),
                    path.display()
                ));
            }
            None => self.write_out(&dot),
        }
        Ok(())
    }

    /// `.load PATH [AS NAME]`: register a file as a table.
    fn dot_load(&mut self, simple: &str) -> DotResult<()> {
        if simple.is_empty() {
            return Err(bad_arg("usage: .load PATH [AS NAME]"));
        }
        let (path, name) = split_as(simple);
        let (path, name) = (unquote(path), name.map(|n| unquote(n).to_string()));
        let path = PathBuf::from(path);
        let name = name.unwrap_or_else(|| table_name_for(&path));
        self.load_file(&name, &path)?;
        let schema = self.schema_text(&name)?;
        self.info(&format!("loaded {}", schema.trim_end()));
        Ok(())
    }

    /// Plans the query `text[range]` (a trailing `;` is allowed) as a frame.
    fn plan_query(&self, text: &str, range: Range<usize>, usage: Option<&str>) -> DotResult<Frame> {
        let range = range.start.min(range.end)..range.end;
        let query = text[range.clone()].trim_end();
        let query = query.strip_suffix(';').unwrap_or(query);
        if script::is_blank(query) {
            return Err(bad_arg(format!(
                "expected a query: {}",
                usage.unwrap_or("QUERY")
            )));
        }
        let sql = script::positioned(text, range.start..range.start + query.len());
        Ok(self.ctx.sql(&sql)?)
    }

    /// Runs `sql` under pandas' and Spark's semantics, each time over tables
    /// made anew under that semantics (the demo tables and loaded files; other
    /// tables as they are), and compares the answers ([`semantic_diff`]);
    /// `order` names the output columns of the query's top-level `ORDER BY`.
    pub fn compare(&self, sql: &str, order: Option<Vec<String>>) -> Result<SemanticDiff> {
        let config = self.ctx.session().config().clone();
        let tables: Vec<(String, Option<Source>, Frame)> = self
            .ctx
            .table_names()
            .into_iter()
            .filter_map(|name| {
                let frame = self.ctx.table(&name)?.clone();
                Some((name.clone(), self.sources.get(&name).cloned(), frame))
            })
            .collect();
        let run = |semantics: Semantics| -> Result<Table> {
            let session = Session::with_config(partita::SessionConfig {
                semantics,
                ..config.clone()
            })?;
            let mut ctx = SqlContext::new(session.clone());
            for (name, source, frame) in &tables {
                let frame = match source {
                    Some(Source::Columns(cols)) => {
                        session.from_columns(cols.clone(), config.default_partitions)?
                    }
                    Some(Source::File(path)) => read_table(&session, path)?,
                    None => frame.clone().with_semantics(semantics),
                };
                ctx.register(name.clone(), frame);
            }
            ctx.sql(sql)?.collect()
        };
        Ok(semantic_diff(order.as_deref(), &run))
    }

    /// Plans `sql` under the current semantics and compares it ([`Shell::compare`]):
    /// what `partita diff` runs.
    pub fn diff(&self, sql: &str) -> Result<SemanticDiff> {
        let order = self
            .ctx
            .sql(sql)
            .ok()
            .and_then(|f| f.logical_plan().ok().and_then(order_columns));
        self.compare(sql, order)
    }

    /// The registered name for `name`, also matched without regard to case.
    fn resolve_table(&self, name: &str) -> DotResult<String> {
        let names = self.ctx.table_names();
        if names.iter().any(|n| n == name) {
            return Ok(name.to_string());
        }
        names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(name))
            .cloned()
            .ok_or_else(|| {
                bad_arg(format!(
                    "table '{name}' not found; tables: {}",
                    names.join(", ")
                ))
            })
    }

    fn schema_text(&self, name: &str) -> DotResult<String> {
        let sem = self.ctx.session().config().semantics;
        let frame = self
            .ctx
            .table(name)
            .ok_or_else(|| bad_arg(format!("table '{name}' not found")))?;
        let schema = frame.clone().with_semantics(sem).schema()?;
        let cols: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| format!("{} {}", f.name, f.data_type))
            .collect();
        Ok(format!("{name}({})\n", cols.join(", ")))
    }

    fn settings_text(&self) -> String {
        let cfg = self.ctx.session().config();
        let mut s = format!(
            "semantics = {}\nworkers = {}\npartitions = {}\nsplit_every = {}\nsplit_out = {}\n",
            cfg.semantics.name(),
            cfg.workers,
            cfg.default_partitions,
            cfg.split_every,
            cfg.split_out
        );
        for (k, v) in cfg.semantics.switches() {
            s.push_str(&format!("{k} = {v}\n"));
        }
        s.push_str(&format!(
            "mode = {}\ntimer = {}\n",
            self.mode,
            if self.timer { "on" } else { "off" }
        ));
        s
    }
}

/// A writer into a shared buffer, for tests and embedding.
#[derive(Debug, Clone, Default)]
pub struct SharedBuffer(pub Arc<std::sync::Mutex<Vec<u8>>>);

impl SharedBuffer {
    /// What was written so far, as text.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).to_string()
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("poisoned buffer"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell() -> (Shell, SharedBuffer, SharedBuffer) {
        let out = SharedBuffer::default();
        let err = SharedBuffer::default();
        let session = Session::new().with_workers(2).with_partitions(2);
        let mut sh = Shell::empty(session, Box::new(out.clone()), Box::new(err.clone()));
        sh.add_columns("df", demo::df_columns()).unwrap();
        (sh, out, err)
    }

    #[test]
    fn a_command_builds_only_the_demo_tables_it_names() {
        let names = |text: &str| {
            let out = SharedBuffer::default();
            Shell::for_command(Session::new(), Box::new(out.clone()), Box::new(out), text)
                .unwrap()
                .context()
                .table_names()
        };
        assert_eq!(names("SELECT 1"), Vec::<String>::new());
        assert_eq!(
            names("SELECT * FROM Flights f JOIN airlines USING (carrier)"),
            ["airlines", "flights"]
        );
        let all = ["airlines", "airports", "df", "flights"];
        assert_eq!(names(".tables"), all);
        assert_eq!(names("show tables"), all);
    }

    #[test]
    fn runs_statements_and_dots() {
        let (mut sh, out, err) = shell();
        assert!(sh.run_script(
            ".mode csv\nSELECT col1, AVG(col2) AS m\n  FROM df GROUP BY col1\n  ORDER BY col1;\n.semantics spark\nSELECT col1, AVG(col2) AS m FROM df GROUP BY col1 ORDER BY col1"
        ));
        assert_eq!(
            out.text(),
            "col1,m\nA,3.5\nB,5.5\ncol1,m\n,1.5\nA,3.5\nB,5.5\n"
        );
        // The pandas run's footnote goes to the error output in CSV mode.
        assert_eq!(
            err.text(),
            "note: 2 rows with a missing group key left out (null_group_keys = drop; Spark keeps them as a group)\n"
        );
    }

    #[test]
    fn errors_point_into_the_script() {
        let (mut sh, _out, err) = shell();
        assert!(
            !sh.run_script("SELECT col2 FROM df;\n\nSELECT col1 FROM dff;\n  SELECT col2 FROM df;")
        );
        let e = err.text();
        assert_eq!(
            e,
            "error: SQL error at line 3, column 18: table 'dff' not found; did you mean 'df'?\n  |\n3 | SELECT col1 FROM dff;\n  |                  ^\n"
        );
    }

    #[test]
    fn dot_errors_and_partitions() {
        let (mut sh, out, err) = shell();
        assert!(!sh.run_input(".frobnicate"));
        assert!(!sh.run_input(".partitions zero"));
        assert!(!sh.run_input(".explain"));
        assert!(!sh.run_input(".explain SELECT nope FROM df"));
        assert!(!sh.run_input(".load /no/such.parquet"));
        assert!(!sh.run_input(".mode xml"));
        assert!(
            err.text().contains("/no/such.parquet: no such file"),
            "{}",
            err.text()
        );
        assert!(sh.run_input(".partitions 3"));
        assert!(sh.run_input(".graph SELECT SUM(col2) FROM df"));
        assert!(out.text().contains("digraph"), "{}", out.text());
        assert!(sh.run_input("quit"));
        assert!(sh.quit_requested());
    }

    #[test]
    fn helpers() {
        assert_eq!(
            caret_lines("a\n\tSELECT x", 2, 3).unwrap(),
            "  |\n2 | \tSELECT x\n  | \t ^"
        );
        assert_eq!(caret_lines("ab", 1, 4).unwrap(), "  |\n1 | ab\n  |    ^");
        assert!(caret_lines("ab", 3, 1).is_none());
        assert!(caret_lines("ab", 0, 1).is_none());
        assert_eq!(table_name_for(Path::new("/x/my-data.csv")), "my_data");
        assert_eq!(table_name_for(Path::new("2024.csv")), "t_2024");
        assert_eq!(unquote("'a b'"), "a b");
        assert_eq!(split_as("my file.csv as t"), ("my file.csv", Some("t")));
        assert_eq!(split_as("f.csv AS t"), ("f.csv", Some("t")));
        assert_eq!(split_as("as.csv"), ("as.csv", None));
        let text = "abc def";
        assert_eq!(offset_in(text, &text[4..]), Some(4));
        assert_eq!(offset_in(text, "zz"), None);
        let line = progress_line(5, 10, 1_234_567, Duration::from_secs(1));
        assert!(line.starts_with("[###############---"), "{line}");
        assert!(
            line.contains(" 50%     5/10 tasks  1.00 s  1.2M rows"),
            "{line}"
        );
        assert!(progress_line(0, 0, 0, Duration::ZERO).contains("  ?%     0/? tasks"));
    }
}
