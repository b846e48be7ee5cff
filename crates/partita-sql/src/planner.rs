//! The SQL planner: statements and queries into plan nodes.

use partita_common::{Error, IdentifierCase, Result, Semantics, Span};
use partita_plan::LogicalPlan;
use std::cell::RefCell;

use crate::join::Scope;
use sqlparser::ast::{self, Spanned};
use sqlparser::parser::Parser;

use crate::dialect::{copy_partition_by, PartitaDialect};
use crate::names::object_name;
use crate::position::{parse_error, span_of, sql_err};

/// Where the planner finds tables.
pub trait Catalog {
    /// The plan that scans table `name` (already resolved as the semantics says), or
    /// `None` when there is no such table.
    fn table(&self, name: &str, semantics: &Semantics) -> Option<LogicalPlan>;
    /// The names of every table, for suggestions.
    fn table_names(&self) -> Vec<String>;
    /// A plan that scans a file (`FROM 'path.csv'`).
    fn file(&self, path: &str, semantics: &Semantics) -> Result<LogicalPlan>;
    /// A plan that scans a file with a reader's options, for the table functions
    /// `read_csv('path', header => false, types => {'v': 'string'})` and
    /// `read_parquet('path or glob')`.
    fn read(
        &self,
        reader: FileReader,
        path: &str,
        options: &[(String, OptionValue)],
        semantics: &Semantics,
    ) -> Result<LogicalPlan> {
        let _ = (reader, options, semantics);
        Err(Error::Sql {
            message: format!("cannot read files here: '{path}'"),
            span: None,
        })
    }
}

/// The reader a table function names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileReader {
    /// `read_csv`.
    Csv,
    /// `read_parquet`.
    Parquet,
}

/// The value of a named table-function option.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    /// A text (`delim => ';'`).
    Text(String),
    /// A whole number (`sample_size => 1000`).
    Int(i64),
    /// A boolean (`header => false`).
    Bool(bool),
    /// A list of texts (`nullstr => ['NA', '-']`).
    List(Vec<String>),
    /// Names to texts (`types => {'v': 'string'}`).
    Map(Vec<(String, String)>),
}

/// A catalog with no tables and no files.
pub struct EmptyCatalog;

impl Catalog for EmptyCatalog {
    fn table(&self, _: &str, _: &Semantics) -> Option<LogicalPlan> {
        None
    }
    fn table_names(&self) -> Vec<String> {
        vec![]
    }
    fn file(&self, path: &str, _: &Semantics) -> Result<LogicalPlan> {
        Err(Error::Sql {
            message: format!("cannot read files here: '{path}'"),
            span: None,
        })
    }
}

/// One planned statement.
#[derive(Debug, Clone)]
pub enum SqlStatement {
    /// A query to run.
    Query(LogicalPlan),
    /// `EXPLAIN <query>`.
    Explain(LogicalPlan),
    /// `EXPLAIN ANALYZE <query>`: run it, then describe how it ran.
    ExplainAnalyze(LogicalPlan),
    /// `SET name = value` (`semantics` for a preset, or a switch name).
    Set {
        /// The variable, lower case.
        name: String,
        /// The value as text.
        value: String,
    },
    /// `SHOW TABLES`.
    ShowTables,
    /// `DESCRIBE <table>`.
    Describe(String),
    /// `CREATE TABLE name AS <query>`.
    CreateTableAs {
        /// The new table's name.
        name: String,
        /// The query that fills it.
        plan: LogicalPlan,
    },
    /// `COPY (<query>) TO 'path' (FORMAT parquet | csv, HEADER b, DELIMITER 'c',
    /// PARTITION_BY (col, ...))` (also `COPY table TO ...`).
    Copy(CopyTo),
}

/// What `COPY ... TO` writes.
#[derive(Debug, Clone)]
pub struct CopyTo {
    /// The rows to write.
    pub plan: LogicalPlan,
    /// The file, or the directory under PARTITION_BY.
    pub path: String,
    /// `parquet` or `csv` (from FORMAT, else the path's extension; Parquet by default).
    pub format: CopyFormat,
    /// CSV: write a header line (true by default).
    pub header: bool,
    /// CSV: the field separator (`,` by default).
    pub delimiter: u8,
    /// Hive-style directories `col=value/` per distinct value of these columns.
    pub partition_by: Vec<String>,
}

/// The file format `COPY ... TO` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyFormat {
    /// Apache Parquet.
    Parquet,
    /// CSV text.
    Csv,
}

/// Parses and plans every statement of `sql`.
pub fn plan_sql(
    sql: &str,
    catalog: &dyn Catalog,
    semantics: &Semantics,
) -> Result<Vec<SqlStatement>> {
    let parsed = ParsedSql::parse(sql)?;
    (0..parsed.len())
        .map(|i| parsed.plan(i, catalog, semantics))
        .collect()
}

/// Parsed SQL text, planned one statement at a time (so a `SET` can change how the
/// statements after it are planned). Positions refer to the original text.
#[derive(Debug, Clone)]
pub struct ParsedSql {
    statements: Vec<ast::Statement>,
    /// Where each statement starts (the first token after the previous `;`).
    starts: Vec<Span>,
    /// The words of the text (identifiers and keywords) with their positions
    /// and whether they were quoted, in order; `None` marks a `;`.
    words: Vec<Option<(Span, String, bool)>>,
}

impl ParsedSql {
    /// Parses `sql` (one or more statements separated by `;`).
    pub fn parse(sql: &str) -> Result<Self> {
        let rewritten = copy_partition_by(sql);
        let statements =
            Parser::parse_sql(&PartitaDialect, &rewritten).map_err(|e| parse_error(sql, e))?;
        let tokens = sqlparser::tokenizer::Tokenizer::new(&PartitaDialect, sql)
            .tokenize_with_location()
            .map_err(|e| Error::Sql {
                message: e.to_string(),
                span: None,
            })?;
        let mut starts = vec![];
        let mut words = vec![];
        let mut at_start = true;
        for t in &tokens {
            use sqlparser::tokenizer::Token;
            match &t.token {
                Token::Word(w) => words.push(Some((
                    Span {
                        line: t.span.start.line,
                        column: t.span.start.column,
                    },
                    w.value.clone(),
                    w.quote_style.is_some(),
                ))),
                Token::SemiColon => words.push(None),
                _ => {}
            }
            match &t.token {
                Token::Whitespace(_) => {}
                Token::SemiColon => at_start = true,
                _ if at_start => {
                    starts.push(Span {
                        line: t.span.start.line,
                        column: t.span.start.column,
                    });
                    at_start = false;
                }
                _ => {}
            }
        }
        Ok(ParsedSql {
            statements,
            starts,
            words,
        })
    }

    /// The number of statements.
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    /// True when the text held no statement.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// Where statement `i` starts in the text.
    pub fn position(&self, i: usize) -> Option<Span> {
        self.starts
            .get(i)
            .copied()
            .or_else(|| span_of(self.statements[i].span()))
    }

    /// Plans statement `i`.
    pub fn plan(
        &self,
        i: usize,
        catalog: &dyn Catalog,
        semantics: &Semantics,
    ) -> Result<SqlStatement> {
        Planner::new(catalog, semantics, false)
            .statement(&self.statements[i])
            .map_err(|e| self.at_column(e))
    }

    /// `e`, an error of the data a statement of this text raised while running
    /// (division by zero, overflow, a bad cast), at the position of the
    /// expression that raised it: the statements are planned again, noting where
    /// each expression was written, and the first written as the executor names
    /// the failing one is it. `e` as it is when it has a position already or no
    /// written expression matches (an optimizer's rewrite, say).
    pub fn locate(&self, e: Error, catalog: &dyn Catalog, semantics: &Semantics) -> Error {
        let Some(failing) = e.failing_expression().map(normalized) else {
            return e;
        };
        if e.span().is_some() {
            return e;
        }
        for statement in &self.statements {
            let planner = Planner::new(catalog, semantics, true);
            let _ = planner.statement(statement);
            let planned = planner.planned.map(RefCell::into_inner).unwrap_or_default();
            if let Some((_, span)) = planned.iter().find(|(text, _)| normalized(text) == failing) {
                return e.at_expression(*span);
            }
        }
        e
    }

    /// An unknown column's error at the column's own word: the planner knows
    /// the position of the expression (say `UPPER(col3)`), the text knows where
    /// in it the name is.
    fn at_column(&self, e: Error) -> Error {
        let (Some(at), Error::ColumnNotFound { name, .. }) = (e.span(), e.root_cause()) else {
            return e;
        };
        let found = self
            .words
            .iter()
            .skip_while(|w| {
                w.as_ref()
                    .is_some_and(|(s, _, _)| (s.line, s.column) < (at.line, at.column))
            })
            .map_while(|w| w.as_ref())
            .find(|(_, word, quoted)| {
                if *quoted {
                    word == name
                } else {
                    word.eq_ignore_ascii_case(name)
                }
            })
            .map(|(s, _, _)| *s);
        match found {
            Some(span) if span != at => Error::At {
                span,
                source: Box::new(e.root_cause().clone()),
            },
            _ => e,
        }
    }
}

/// An expression's text without spaces, in lower case: the executor names a column
/// as the table has it, the user may have written it in another case.
fn normalized(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Plans statements against a catalog under one semantics; its methods live in the
/// modules of the clauses they plan.
pub(crate) struct Planner<'a> {
    pub(crate) catalog: &'a dyn Catalog,
    pub(crate) sem: Semantics,
    /// The columns of the joined FROM of the SELECT being planned (`None`: one
    /// relation, whose columns are named as they are).
    pub(crate) scope: RefCell<Option<Scope>>,
    /// The `WITH` tables in force, innermost last.
    pub(crate) ctes: RefCell<Vec<(String, LogicalPlan)>>,
    /// Scalar subqueries planned for the clause being planned, to be joined to its
    /// rows: one row each (no keys), or one row per key of a correlated one
    /// (joined on the keys).
    pub(crate) scalars: RefCell<Vec<(LogicalPlan, Vec<partita_plan::JoinKey>)>>,
    /// Window calls planned for the SELECT being planned, to be computed over its
    /// rows.
    pub(crate) windows: RefCell<Vec<partita_plan::WindowCall>>,
    /// The SELECT's named windows (`WINDOW w AS (...)`).
    pub(crate) named_windows: RefCell<Vec<(String, sqlparser::ast::WindowSpec)>>,
    /// When set, every expression planned, as the executor names it, with its
    /// position ([`ParsedSql::locate`]).
    pub(crate) planned: Option<RefCell<Vec<(String, Span)>>>,
}

impl<'a> Planner<'a> {
    /// A planner with no scope yet; `note_positions` keeps every planned
    /// expression's position.
    fn new(catalog: &'a dyn Catalog, semantics: &Semantics, note_positions: bool) -> Self {
        Planner {
            catalog,
            sem: *semantics,
            scope: RefCell::new(None),
            ctes: RefCell::new(vec![]),
            scalars: RefCell::new(vec![]),
            windows: RefCell::new(vec![]),
            named_windows: RefCell::new(vec![]),
            planned: note_positions.then(|| RefCell::new(vec![])),
        }
    }
}

impl Planner<'_> {
    /// Sets the scope names resolve in; returns the one it replaces.
    pub(crate) fn set_scope(&self, scope: Option<Scope>) -> Option<Scope> {
        self.scope.replace(scope)
    }

    /// `f` with names resolving in `scope`; the scope in force comes back after.
    pub(crate) fn in_scope<T>(&self, scope: Option<Scope>, f: impl FnOnce() -> T) -> T {
        let outer = self.set_scope(scope);
        let out = f();
        self.set_scope(outer);
        out
    }

    pub(crate) fn table_name(&self, n: &ast::ObjectName) -> Result<String> {
        let name = object_name(n);
        self.resolve_table(&name)
            .map(|_| name.clone())
            .ok_or_else(|| self.no_table(&name, n))
    }

    pub(crate) fn resolve_table(&self, name: &str) -> Option<LogicalPlan> {
        let same = |a: &str| match self.sem.identifier_case {
            IdentifierCase::Sensitive => a == name,
            IdentifierCase::Insensitive => a.eq_ignore_ascii_case(name),
        };
        if let Some((_, plan)) = self.ctes.borrow().iter().rev().find(|(n, _)| same(n)) {
            return Some(plan.clone());
        }
        if let Some(p) = self.catalog.table(name, &self.sem) {
            return Some(p);
        }
        if self.sem.identifier_case == IdentifierCase::Insensitive {
            let hit = self
                .catalog
                .table_names()
                .into_iter()
                .find(|t| t.eq_ignore_ascii_case(name))?;
            return self.catalog.table(&hit, &self.sem);
        }
        None
    }

    pub(crate) fn no_table(&self, name: &str, at: &impl Spanned) -> Error {
        let names = self.catalog.table_names();
        let hint = match partita_common::nearest_name(name, &names) {
            Some(s) => format!("; did you mean '{s}'?"),
            None if names.is_empty() => String::new(),
            None => format!("; tables: {}", names.join(", ")),
        };
        sql_err(format!("table '{name}' not found{hint}"), at)
    }
}
