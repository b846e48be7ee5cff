//! SQL over registered frames: `SqlContext` keeps the session and the tables, and
//! runs statements (queries, EXPLAIN, SET, SHOW TABLES, DESCRIBE, CREATE TABLE AS).

use std::collections::BTreeMap;

use partita_common::{Error, Result, Semantics, SWITCH_NAMES};
use partita_plan::LogicalPlan;
use partita_sql::{plan_sql, Catalog, ParsedSql, SqlStatement};

use crate::frame::Frame;
use crate::session::Session;

/// What one SQL statement produced.
// One value per statement: its size does not matter, and a box would only make
// every `match` on it longer.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum SqlOutput {
    /// A query, ready to collect.
    Query(Frame),
    /// Text to show (EXPLAIN, DESCRIBE, SHOW TABLES, SET).
    Text(String),
}

/// A session plus named tables, for SQL.
///
/// ```
/// use partita::prelude::*;
/// use partita::{SqlContext, SqlOutput};
/// let mut ctx = SqlContext::new(Session::new());
/// let df = Session::new().from_columns(vec![Series::new("x".into(), [1i64, 2, 3])], 2).unwrap();
/// ctx.register("t", df);
/// let frame = ctx.sql("SELECT SUM(x) AS s FROM t WHERE x > 1").unwrap();
/// assert_eq!(frame.collect().unwrap().height(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct SqlContext {
    session: Session,
    tables: BTreeMap<String, Frame>,
}

struct Tables<'a>(&'a SqlContext);

impl Catalog for Tables<'_> {
    fn table(&self, name: &str, semantics: &Semantics) -> Option<LogicalPlan> {
        let f = self.0.tables.get(name)?;
        f.clone()
            .with_semantics(*semantics)
            .logical_plan()
            .ok()
            .cloned()
    }
    fn table_names(&self) -> Vec<String> {
        self.0.tables.keys().cloned().collect()
    }
    fn file(&self, path: &str, semantics: &Semantics) -> Result<LogicalPlan> {
        let frame = self
            .0
            .session
            .clone()
            .with_semantics(*semantics)
            .read_file(path)?;
        frame.logical_plan().cloned()
    }
}

impl SqlContext {
    /// A context over a session, with no tables.
    pub fn new(session: Session) -> Self {
        SqlContext {
            session,
            tables: BTreeMap::new(),
        }
    }

    /// The session (its semantics is what queries run under).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Replaces the session (e.g. other workers), keeping the tables.
    pub fn set_session(&mut self, session: Session) {
        self.session = session;
    }

    /// Registers (or replaces) a table.
    pub fn register(&mut self, name: impl Into<String>, frame: Frame) {
        self.tables.insert(name.into(), frame);
    }

    /// The registered table names, sorted.
    pub fn table_names(&self) -> Vec<String> {
        self.tables.keys().cloned().collect()
    }

    /// A registered table.
    pub fn table(&self, name: &str) -> Option<&Frame> {
        self.tables.get(name)
    }

    /// Plans one query (a single SELECT) as a frame.
    pub fn sql(&self, query: &str) -> Result<Frame> {
        let sem = self.session.config().semantics;
        let mut stmts = plan_sql(query, &Tables(self), &sem)?;
        match (stmts.len(), stmts.pop()) {
            (1, Some(SqlStatement::Query(plan))) => {
                Ok(Frame::new(self.session.clone(), Ok(plan), sem))
            }
            (1, Some(_)) => Err(Error::Sql {
                message: "expected a query (SELECT ...)".into(),
                span: None,
            }),
            (n, _) => Err(Error::Sql {
                message: format!("expected one statement, got {n}"),
                span: None,
            }),
        }
    }

    /// Runs every statement of `sql`, in order. SET and CREATE TABLE change the
    /// context for the statements after them.
    pub fn execute(&mut self, sql: &str) -> Result<Vec<SqlOutput>> {
        let parsed = ParsedSql::parse(sql)?;
        let mut out = vec![];
        for i in 0..parsed.len() {
            let sem = self.session.config().semantics;
            let planned = parsed.plan(i, &Tables(self), &sem)?;
            // Errors of a statement as a whole (a bad SET value) point at its start.
            let result = self.run(planned).map_err(|e| e.at(parsed.position(i)))?;
            out.push(result);
        }
        Ok(out)
    }

    fn run(&mut self, s: SqlStatement) -> Result<SqlOutput> {
        let sem = self.session.config().semantics;
        Ok(match s {
            SqlStatement::Query(plan) => {
                SqlOutput::Query(Frame::new(self.session.clone(), Ok(plan), sem))
            }
            SqlStatement::Explain(plan) => {
                SqlOutput::Text(Frame::new(self.session.clone(), Ok(plan), sem).explain()?)
            }
            SqlStatement::CreateTableAs { name, plan } => {
                let frame = Frame::new(self.session.clone(), Ok(plan), sem);
                // Materialize now, so the table does not change when its sources do.
                let df = frame.collect()?;
                let parts = self.session.config().default_partitions;
                self.tables
                    .insert(name.clone(), self.session.from_polars(df, parts)?);
                SqlOutput::Text(format!("created table {name}"))
            }
            SqlStatement::ShowTables => SqlOutput::Text(self.table_names().join("\n")),
            SqlStatement::Describe(name) => {
                let frame = self.tables.get(&name).ok_or_else(|| Error::Sql {
                    message: format!("table '{name}' not found"),
                    span: None,
                })?;
                let schema = frame.clone().with_semantics(sem).schema()?;
                let lines: Vec<String> = schema
                    .fields()
                    .iter()
                    .map(|f| format!("{}\t{}", f.name, f.data_type))
                    .collect();
                SqlOutput::Text(lines.join("\n"))
            }
            SqlStatement::Set { name, value } => {
                self.set(&name, &value)?;
                SqlOutput::Text(format!("{name} = {value}"))
            }
        })
    }

    /// `SET name = value`: `semantics` (a preset), a semantics switch, or `workers`,
    /// `partitions`, `split_every`, `split_out`.
    pub fn set(&mut self, name: &str, value: &str) -> Result<()> {
        let count = || -> Result<usize> {
            value
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| Error::Sql {
                    message: format!("{name} must be a positive integer, got '{value}'"),
                    span: None,
                })
        };
        let session = self.session.clone();
        self.session = match name {
            "semantics" => session.with_semantics(Semantics::preset(value)?),
            "workers" => session.with_workers(count()?),
            "partitions" => session.with_partitions(count()?),
            "split_every" => session.with_split_every(count()?.max(2)),
            "split_out" => session.with_split_out(count()?),
            other if SWITCH_NAMES.contains(&other) => {
                let mut sem = session.config().semantics;
                sem.set(other, value)?;
                session.with_semantics(sem)
            }
            other => {
                let mut all: Vec<&str> = vec![
                    "semantics",
                    "workers",
                    "partitions",
                    "split_every",
                    "split_out",
                ];
                all.extend(SWITCH_NAMES);
                let hint = partita_common::nearest_name(other, &all)
                    .map(|s| format!("; did you mean '{s}'?"))
                    .unwrap_or_default();
                return Err(Error::Sql {
                    message: format!("unknown setting '{other}'{hint}"),
                    span: None,
                });
            }
        };
        Ok(())
    }
}
