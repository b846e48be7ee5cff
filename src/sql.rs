//! SQL over registered frames: `SqlContext` keeps the session and the tables, and
//! runs statements (queries, EXPLAIN, SET, SHOW TABLES, DESCRIBE, CREATE TABLE AS).

use std::collections::BTreeMap;
use std::path::Path;

use partita_common::{DataType, Error, Result, Semantics, SWITCH_NAMES};
use partita_core::polars::DataFrame;
use partita_exec::{CsvOptions, ParquetOptions};
use partita_plan::LogicalPlan;
use partita_sql::{
    plan_sql, Catalog, CopyFormat, CopyTo, FileReader, OptionValue, ParsedSql, SqlStatement,
};

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
/// let df = Session::new().from_columns(vec![Column::new("x", [1i64, 2, 3])], 2).unwrap();
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
    fn read(
        &self,
        reader: FileReader,
        path: &str,
        options: &[(String, OptionValue)],
        semantics: &Semantics,
    ) -> Result<LogicalPlan> {
        let session = self.0.session.clone().with_semantics(*semantics);
        let frame = match reader {
            FileReader::Csv => session.read_csv(path, csv_options(options)?)?,
            FileReader::Parquet => session.read_parquet(path, parquet_options(options)?)?,
        };
        frame.logical_plan().cloned()
    }
}

/// Runs `COPY ... TO`: one file, or under PARTITION_BY one directory per distinct
/// key (`col=value/`, Hive's layout, `__HIVE_DEFAULT_PARTITION__` for a missing
/// value) holding `part-00000.<ext>` without the key columns. Says what it wrote.
fn copy_to(frame: &Frame, copy: &CopyTo) -> Result<String> {
    use partita_core::frame::{column, take_rows};
    let df = frame.collect()?.into_polars();
    let ext = match copy.format {
        CopyFormat::Parquet => "parquet",
        CopyFormat::Csv => "csv",
    };
    let write = |df: &DataFrame, path: &Path| -> Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?;
        }
        match copy.format {
            CopyFormat::Parquet => partita_core::parquet::write_parquet(df, path),
            CopyFormat::Csv => {
                partita_core::parquet::write_csv_with(df, path, copy.header, copy.delimiter)
            }
        }
    };
    let root = Path::new(&copy.path);
    if copy.partition_by.is_empty() {
        write(&df, root)?;
        return Ok(format!("wrote {} rows to {}", df.height(), copy.path));
    }
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    for key in &copy.partition_by {
        if !names.contains(key) {
            return Err(Error::column_not_found(key, &names));
        }
    }
    if copy.partition_by.len() == names.len() {
        return Err(Error::plan(
            "PARTITION_BY names every column: no column is left to write",
        ));
    }
    let keys = copy
        .partition_by
        .iter()
        .map(|k| column(&df, k).cloned())
        .collect::<Result<Vec<_>>>()?;
    let groups = partita_core::groups::group_rows(&keys, df.height())?;
    let mut rows: Vec<Vec<u32>> = vec![vec![]; groups.first.len()];
    for (i, g) in groups.ids.iter().enumerate() {
        rows[*g as usize].push(i as u32);
    }
    let values = df.drop_many(copy.partition_by.iter().map(String::as_str));
    for (g, first) in groups.first.iter().enumerate() {
        let mut dir = root.to_path_buf();
        for (k, s) in copy.partition_by.iter().zip(&keys) {
            let v = partita_core::frame::scalar_at(s, *first as usize)?;
            let text = if v.is_null() {
                "__HIVE_DEFAULT_PARTITION__".to_string()
            } else {
                crate::format_value(&v).replace(['/', '\\'], "%2F")
            };
            dir.push(format!("{k}={text}"));
        }
        write(
            &take_rows(&values, &rows[g])?,
            &dir.join(format!("part-00000.{ext}")),
        )?;
    }
    Ok(format!(
        "wrote {} rows to {} ({} directories by {})",
        df.height(),
        copy.path,
        groups.first.len(),
        copy.partition_by.join(", ")
    ))
}

fn option_error(reader: &str, name: &str, expected: &str) -> Error {
    Error::plan(format!("{reader}: the option '{name}' expects {expected}"))
}

fn one_byte(reader: &str, name: &str, value: &OptionValue) -> Result<u8> {
    match value {
        OptionValue::Text(t) if t.len() == 1 => Ok(t.as_bytes()[0]),
        OptionValue::Text(t) if t == "\\t" => Ok(b'\t'),
        _ => Err(option_error(reader, name, "one character")),
    }
}

/// `read_csv` options: `header`, `delim` (`sep`, `delimiter`), `quote`, `nullstr`
/// (`null_values`, a text or a list), `types` (`dtypes`, `columns`: a map of column
/// names to type names), `sample_size` (rows to infer types from; -1 for all).
fn csv_options(options: &[(String, OptionValue)]) -> Result<CsvOptions> {
    let mut out = CsvOptions::default();
    for (name, value) in options {
        match (name.as_str(), value) {
            ("header", OptionValue::Bool(b)) => out = out.with_header(*b),
            ("header", _) => return Err(option_error("read_csv", name, "true or false")),
            ("delim" | "sep" | "delimiter" | "separator", v) => {
                out = out.with_separator(one_byte("read_csv", name, v)?)
            }
            ("quote", v) => out.format.quote = one_byte("read_csv", name, v)?,
            ("nullstr" | "null_values" | "nulls" | "na_values", OptionValue::Text(t)) => {
                out = out.with_null_values(vec![t.clone()])
            }
            ("nullstr" | "null_values" | "nulls" | "na_values", OptionValue::List(l)) => {
                out = out.with_null_values(l.clone())
            }
            ("nullstr" | "null_values" | "nulls" | "na_values", _) => {
                return Err(option_error("read_csv", name, "a text or a list of texts"))
            }
            ("types" | "dtypes" | "columns" | "column_types", OptionValue::Map(m)) => {
                for (column, type_name) in m {
                    out = out.with_dtype(column.clone(), DataType::parse(type_name)?);
                }
            }
            ("types" | "dtypes" | "columns" | "column_types", _) => {
                return Err(option_error(
                    "read_csv",
                    name,
                    "a map of column names to types, like {'v': 'string'}",
                ))
            }
            ("sample_size" | "infer_rows", OptionValue::Int(n)) => {
                out.infer_rows = usize::try_from(*n).ok();
            }
            ("sample_size" | "infer_rows", _) => {
                return Err(option_error("read_csv", name, "a number of rows (-1: all)"))
            }
            (other, _) => {
                return Err(Error::plan(format!(
                    "read_csv has no option '{other}'; its options: header, delim, quote, nullstr, types, sample_size"
                )))
            }
        }
    }
    Ok(out)
}

/// `read_parquet` options: `max_rows_per_partition`, `row_groups_per_partition`.
fn parquet_options(options: &[(String, OptionValue)]) -> Result<ParquetOptions> {
    let mut out = ParquetOptions::default();
    for (name, value) in options {
        match (name.as_str(), value) {
            ("max_rows_per_partition", OptionValue::Int(n)) if *n > 0 => {
                out = out.with_max_rows_per_partition(*n as usize)
            }
            ("row_groups_per_partition", OptionValue::Int(n)) if *n > 0 => {
                out = out.with_row_groups_per_partition(*n as usize)
            }
            ("max_rows_per_partition" | "row_groups_per_partition", _) => {
                return Err(option_error("read_parquet", name, "a positive number"))
            }
            (other, _) => {
                return Err(Error::plan(format!(
                    "read_parquet has no option '{other}'; its options: max_rows_per_partition, row_groups_per_partition"
                )))
            }
        }
    }
    Ok(out)
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

    /// `e`, an error a query of `sql` raised while running (division by zero,
    /// overflow, a bad cast), at the position in `sql` of the expression that
    /// raised it; `e` as it is when that is not found.
    ///
    /// ```
    /// use partita::polars::*;
    /// use partita::prelude::*;
    /// use partita::SqlContext;
    ///
    /// let session = Session::new().with_semantics(Semantics::spark());
    /// let mut ctx = SqlContext::new(session.clone());
    /// ctx.register("t", session.from_columns(vec![Series::new("a".into(), [1i64, 0])], 1)?);
    /// let sql = "SELECT a,\n       10 / a AS q\nFROM t";
    /// let e = ctx.sql(sql)?.collect().unwrap_err();
    /// let e = ctx.locate_error(sql, e);
    /// assert_eq!(e.span().map(|s| (s.line, s.column)), Some((2, 8)));
    /// # Ok::<(), partita::Error>(())
    /// ```
    pub fn locate_error(&self, sql: &str, e: Error) -> Error {
        let sem = self.session.config().semantics;
        match ParsedSql::parse(sql) {
            Ok(parsed) => parsed.locate(e, &Tables(self), &sem),
            Err(_) => e,
        }
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
            let planned = self.plan_statement(&parsed, i)?;
            // Errors of a statement as a whole (a bad SET value) point at its start.
            let result = self
                .run_statement(planned)
                .map_err(|e| e.at(parsed.position(i)))?;
            out.push(result);
        }
        Ok(out)
    }

    /// Plans statement `i` of `parsed` against this context's tables and
    /// semantics, without running it (what [`SqlContext::execute`] does for each
    /// statement before [`SqlContext::run_statement`]).
    pub fn plan_statement(&self, parsed: &ParsedSql, i: usize) -> Result<SqlStatement> {
        let sem = self.session.config().semantics;
        parsed.plan(i, &Tables(self), &sem)
    }

    /// Runs one planned statement: a query becomes a lazy frame, the others
    /// (`EXPLAIN`, `SET`, `CREATE TABLE AS`, `COPY`, ...) run now and say what
    /// they did.
    pub fn run_statement(&mut self, s: SqlStatement) -> Result<SqlOutput> {
        let sem = self.session.config().semantics;
        Ok(match s {
            SqlStatement::Query(plan) => {
                SqlOutput::Query(Frame::new(self.session.clone(), Ok(plan), sem))
            }
            SqlStatement::Explain(plan) => {
                SqlOutput::Text(Frame::new(self.session.clone(), Ok(plan), sem).explain()?)
            }
            SqlStatement::ExplainAnalyze(plan) => {
                SqlOutput::Text(Frame::new(self.session.clone(), Ok(plan), sem).explain_analyze()?)
            }
            SqlStatement::CreateTableAs { name, plan } => {
                let frame = Frame::new(self.session.clone(), Ok(plan), sem);
                // Materialize now, so the table does not change when its sources
                // do: the query's partitions, made in parallel, become the table's.
                self.tables.insert(name.clone(), frame.persist()?);
                SqlOutput::Text(format!("created table {name}"))
            }
            SqlStatement::Copy(copy) => {
                let frame = Frame::new(self.session.clone(), Ok(copy.plan.clone()), sem);
                SqlOutput::Text(copy_to(&frame, &copy)?)
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
