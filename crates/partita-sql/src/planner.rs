//! The SQL planner: statements and queries into plan nodes.

use std::sync::Arc;

use partita_common::{
    AggregateFunction, BinaryOperator as Op, DataType, DatePart, Error, IdentifierCase,
    NullPlacement, Result, ScalarFunction, ScalarValue, Semantics, Span,
};
use partita_plan::{
    col, lit, lit_null, AggregateSplit, Distinct, EmptyRelation, Expr, Filter, Limit, LogicalPlan,
    LogicalPlanBuilder, Projection, Sort, SortExpr,
};
use sqlparser::ast::{self, Spanned};
use sqlparser::dialect::Dialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;

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

fn span_of(s: sqlparser::tokenizer::Span) -> Option<Span> {
    if s.start.line == 0 {
        None
    } else {
        Some(Span {
            line: s.start.line,
            column: s.start.column,
        })
    }
}

fn sql_err(message: impl Into<String>, at: &impl Spanned) -> Error {
    Error::Sql {
        message: message.into(),
        span: span_of(at.span()),
    }
}

/// Attaches a position to an error that has none (plan errors raised while building
/// a node from an expression written at `at`).
fn at<T>(r: Result<T>, at: &impl Spanned) -> Result<T> {
    r.map_err(|e| e.at(span_of(at.span())))
}

/// The line and column of byte offset `at` in `sql` (1-based).
fn position(sql: &str, at: usize) -> Span {
    let before = &sql[..at.min(sql.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0) as u64
        + 1;
    Span { line, column }
}

/// Where the parser stopped, when its message has no position: the end of the text
/// for "found: EOF", else the first place the offending token appears as a word.
fn guess_position(sql: &str, message: &str) -> Option<Span> {
    let found = message
        .rsplit("found: ")
        .next()
        .filter(|_| message.contains("found: "))?
        .trim();
    if found == "EOF" {
        return Some(position(sql, sql.trim_end().len()));
    }
    let bytes = sql.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    sql.match_indices(found)
        .find(|(i, _)| {
            let before = *i == 0 || !word(bytes[i - 1]);
            let end = i + found.len();
            let after = end >= bytes.len() || !word(bytes[end]);
            before && after
        })
        .map(|(i, _)| position(sql, i))
}

/// Turns a sqlparser error ("... at Line: 1, Column: 8") into a positioned error.
fn parse_error(sql: &str, e: sqlparser::parser::ParserError) -> Error {
    let text = e.to_string();
    let text = text
        .strip_prefix("sql parser error: ")
        .unwrap_or(&text)
        .to_string();
    let mut span = None;
    let mut message = text.clone();
    if let Some(i) = text.rfind(" at Line: ") {
        let pos = &text[i + " at Line: ".len()..];
        let mut parts = pos.split(", Column: ");
        let line = parts.next().and_then(|l| l.trim().parse().ok());
        let column = parts.next().and_then(|c| {
            c.trim()
                .trim_end_matches(|ch: char| !ch.is_ascii_digit())
                .parse()
                .ok()
        });
        if let (Some(line), Some(column)) = (line, column) {
            span = Some(Span { line, column });
            message = text[..i].to_string();
        }
    }
    // sqlparser sometimes reports the position after the offending token; trust it
    // only when the text there is that token.
    let found = message
        .rsplit("found: ")
        .next()
        .filter(|_| message.contains("found: "))
        .map(str::trim);
    let points_at_found = |s: &Span| match found {
        Some(tok) if tok != "EOF" => sql
            .lines()
            .nth(s.line as usize - 1)
            .and_then(|l| {
                l.get(
                    l.char_indices()
                        .nth(s.column as usize - 1)
                        .map(|(b, _)| b)?..,
                )
            })
            .is_some_and(|rest| rest.starts_with(tok)),
        _ => true,
    };
    let span = span
        .filter(points_at_found)
        .or_else(|| guess_position(sql, &message));
    Error::Sql {
        message: format!("syntax error: {message}"),
        span,
    }
}

/// The SQL dialect: generic SQL with `"double"` and `` `backtick` `` quoted
/// identifiers, and Spark's / MySQL's `a DIV b` integer division.
#[derive(Debug)]
struct PartitaDialect;

impl Dialect for PartitaDialect {
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        ch == '"' || ch == '`'
    }

    fn is_identifier_start(&self, ch: char) -> bool {
        ch.is_alphabetic() || ch == '_'
    }

    fn is_identifier_part(&self, ch: char) -> bool {
        ch.is_alphanumeric() || ch == '_'
    }

    fn supports_group_by_expr(&self) -> bool {
        true
    }

    /// `{'v': 'string'}` maps, for table-function options.
    fn supports_dictionary_syntax(&self) -> bool {
        true
    }

    fn parse_infix(
        &self,
        parser: &mut Parser,
        expr: &ast::Expr,
        precedence: u8,
    ) -> Option<std::result::Result<ast::Expr, sqlparser::parser::ParserError>> {
        if parser.parse_keyword(Keyword::DIV) {
            let right = match parser.parse_subexpr(precedence) {
                Ok(e) => e,
                Err(e) => return Some(Err(e)),
            };
            Some(Ok(ast::Expr::BinaryOp {
                left: Box::new(expr.clone()),
                op: ast::BinaryOperator::MyIntegerDivide,
                right: Box::new(right),
            }))
        } else {
            None
        }
    }
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
        let mut at_start = true;
        for t in &tokens {
            use sqlparser::tokenizer::Token;
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
        Ok(ParsedSql { statements, starts })
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
        Planner {
            catalog,
            sem: *semantics,
        }
        .statement(&self.statements[i])
    }
}

struct Planner<'a> {
    catalog: &'a dyn Catalog,
    sem: Semantics,
}

/// A select item after planning: its expression over the FROM schema and its name.
#[derive(Clone)]
struct Item {
    expr: Expr,
    name: String,
}

/// The names a select list may qualify columns with (`t.*`, `t.col`): each FROM
/// item's alias, or a table's own name.
fn from_qualifiers(select: &ast::Select) -> Vec<String> {
    select
        .from
        .iter()
        .filter_map(|t| match &t.relation {
            ast::TableFactor::Table { alias: Some(a), .. }
            | ast::TableFactor::Derived { alias: Some(a), .. } => Some(ident_name(&a.name)),
            ast::TableFactor::Table { name, .. } => Some(object_name(name)),
            _ => None,
        })
        .collect()
}

/// The name Spark gives an unaliased select item (its pretty SQL): a column is its
/// name, a function call its lower-case name with its arguments named the same way
/// (`avg(x)`, `count(DISTINCT x)`; `count(*)` is `count(1)`), an operation
/// parenthesized (`(a + 1)`). pandas has no SQL, so both presets use it.
fn spark_name(e: &ast::Expr) -> String {
    use ast::Expr as E;
    match e {
        E::Identifier(i) => ident_name(i),
        E::CompoundIdentifier(p) => ident_name(p.last().expect("parts")),
        E::Nested(inner) => spark_name(inner),
        E::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
            ast::Value::Null => "NULL".into(),
            other => other.to_string(),
        },
        E::BinaryOp { left, op, right } => {
            format!("({} {op} {})", spark_name(left), spark_name(right))
        }
        E::UnaryOp { op, expr } => format!("({op} {})", spark_name(expr)),
        E::Function(f) => {
            let name = object_name(&f.name).to_ascii_lowercase();
            let args = match &f.args {
                ast::FunctionArguments::List(l) => {
                    let distinct = matches!(
                        l.duplicate_treatment,
                        Some(ast::DuplicateTreatment::Distinct)
                    );
                    let parts: Vec<String> = l
                        .args
                        .iter()
                        .map(|a| match a {
                            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => {
                                spark_name(x)
                            }
                            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard)
                                if name == "count" =>
                            {
                                "1".into()
                            }
                            other => other.to_string(),
                        })
                        .collect();
                    format!(
                        "{}{}",
                        if distinct { "DISTINCT " } else { "" },
                        parts.join(", ")
                    )
                }
                _ => String::new(),
            };
            format!("{name}({args})")
        }
        other => other.to_string(),
    }
}

fn ident_name(i: &ast::Ident) -> String {
    i.value.clone()
}

fn object_name(n: &ast::ObjectName) -> String {
    n.0.iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(".")
}

/// COPY's `PARTITION_BY (a, b)` option (DuckDB's spelling), which the SQL parser
/// does not know, rewritten as PostgreSQL's `FORCE_QUOTE (a, b)`, which it parses
/// into a column list and which Partita's COPY has no other use for. Both words
/// have the same length (with a space), so positions in errors stay right.
fn copy_partition_by(sql: &str) -> String {
    let upper = sql.to_ascii_uppercase();
    if !upper.contains("COPY") {
        return sql.to_string();
    }
    let mut out = sql.to_string();
    let mut from = 0;
    while let Some(i) = upper[from..].find("PARTITION_BY") {
        let at = from + i;
        let before_ok = at == 0 || !upper.as_bytes()[at - 1].is_ascii_alphanumeric();
        if before_ok
            && upper[at + "PARTITION_BY".len()..]
                .trim_start()
                .starts_with('(')
        {
            out.replace_range(at..at + "PARTITION_BY".len(), "FORCE_QUOTE ");
        }
        from = at + 1;
    }
    out
}

fn unquote(s: &str) -> String {
    s.trim_matches(|c| c == '\'' || c == '"' || c == '`')
        .to_string()
}

impl Planner<'_> {
    fn statement(&self, s: &ast::Statement) -> Result<SqlStatement> {
        match s {
            ast::Statement::Query(q) => Ok(SqlStatement::Query(self.query(q)?)),
            ast::Statement::Explain { statement, .. } => match statement.as_ref() {
                ast::Statement::Query(q) => Ok(SqlStatement::Explain(self.query(q)?)),
                other => Err(sql_err("EXPLAIN works on queries only", other)),
            },
            ast::Statement::Set(ast::Set::SingleAssignment {
                variable, values, ..
            }) => {
                let name = object_name(variable).to_ascii_lowercase();
                let value = match values.as_slice() {
                    [ast::Expr::Value(v)] => match &v.value {
                        ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                            s.clone()
                        }
                        other => other.to_string(),
                    },
                    [ast::Expr::Identifier(i)] => i.value.clone(),
                    [other] => other.to_string(),
                    _ => return Err(sql_err("SET takes one value", s)),
                };
                Ok(SqlStatement::Set { name, value })
            }
            ast::Statement::ShowTables { .. } => Ok(SqlStatement::ShowTables),
            ast::Statement::ExplainTable { table_name, .. } => {
                Ok(SqlStatement::Describe(self.table_name(table_name)?))
            }
            ast::Statement::CreateTable(ct) => match &ct.query {
                Some(q) => Ok(SqlStatement::CreateTableAs {
                    name: object_name(&ct.name),
                    plan: self.query(q)?,
                }),
                None => Err(sql_err(
                    "only CREATE TABLE name AS SELECT ... is supported",
                    s,
                )),
            },
            ast::Statement::Copy {
                source,
                to: true,
                target: ast::CopyTarget::File { filename },
                options,
                legacy_options,
                ..
            } => self.copy_to(s, source, filename, options, legacy_options),
            ast::Statement::Copy { .. } => Err(sql_err(
                "only COPY ... TO 'file' is supported (COPY FROM: use read_csv or read_parquet)",
                s,
            )),
            other => Err(sql_err(
                format!("unsupported statement: {}", first_words(&other.to_string())),
                other,
            )),
        }
    }

    fn copy_to(
        &self,
        s: &ast::Statement,
        source: &ast::CopySource,
        filename: &str,
        options: &[ast::CopyOption],
        legacy: &[ast::CopyLegacyOption],
    ) -> Result<SqlStatement> {
        let plan = match source {
            ast::CopySource::Query(q) => self.query(q)?,
            ast::CopySource::Table {
                table_name,
                columns,
            } => {
                let name = self.table_name(table_name)?;
                let plan = self
                    .resolve_table(&name)
                    .ok_or_else(|| self.no_table(&name, table_name))?;
                if columns.is_empty() {
                    plan
                } else {
                    let exprs = columns.iter().map(|c| col(ident_name(c))).collect();
                    LogicalPlan::Projection(at(
                        Projection::try_new(Arc::new(plan), exprs, &self.sem),
                        s,
                    )?)
                }
            }
        };
        let lower = filename.to_ascii_lowercase();
        let mut copy = CopyTo {
            plan,
            path: filename.to_string(),
            format: if lower.ends_with(".csv") || lower.ends_with(".tsv") {
                CopyFormat::Csv
            } else {
                CopyFormat::Parquet
            },
            header: true,
            delimiter: b',',
            partition_by: vec![],
        };
        for o in options {
            match o {
                ast::CopyOption::Format(f) => {
                    copy.format = match f.value.to_ascii_lowercase().as_str() {
                        "parquet" => CopyFormat::Parquet,
                        "csv" => CopyFormat::Csv,
                        other => {
                            return Err(sql_err(
                                format!("COPY writes FORMAT parquet or csv, not {other}"),
                                s,
                            ))
                        }
                    }
                }
                ast::CopyOption::Header(h) => copy.header = *h,
                ast::CopyOption::Delimiter(c) if c.is_ascii() => copy.delimiter = *c as u8,
                // PARTITION_BY (a, b), which `ParsedSql::parse` turned into this form.
                ast::CopyOption::ForceQuote(cols) => {
                    copy.partition_by = cols.iter().map(ident_name).collect()
                }
                other => return Err(sql_err(format!("unsupported COPY option {other}"), s)),
            }
        }
        if !legacy.is_empty() {
            return Err(sql_err(
                "write COPY options in parentheses: (FORMAT csv, HEADER true)",
                s,
            ));
        }
        Ok(SqlStatement::Copy(copy))
    }

    fn table_name(&self, n: &ast::ObjectName) -> Result<String> {
        let name = object_name(n);
        self.resolve_table(&name)
            .map(|_| name.clone())
            .ok_or_else(|| self.no_table(&name, n))
    }

    fn resolve_table(&self, name: &str) -> Option<LogicalPlan> {
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

    fn no_table(&self, name: &str, at: &impl Spanned) -> Error {
        let names = self.catalog.table_names();
        let hint = match partita_common::nearest_name(name, &names) {
            Some(s) => format!("; did you mean '{s}'?"),
            None if names.is_empty() => String::new(),
            None => format!("; tables: {}", names.join(", ")),
        };
        sql_err(format!("table '{name}' not found{hint}"), at)
    }

    fn query(&self, q: &ast::Query) -> Result<LogicalPlan> {
        if q.with.is_some() {
            return Err(sql_err(
                "WITH (common table expressions) is not supported yet; use a subquery in FROM",
                q,
            ));
        }
        let select = match q.body.as_ref() {
            ast::SetExpr::Select(s) => s,
            ast::SetExpr::Query(inner) => {
                let plan = self.query(inner)?;
                return self.order_limit(plan, q, &[], None);
            }
            ast::SetExpr::SetOperation { op, .. } => {
                return Err(sql_err(
                    format!("{op} (a set operation) is not supported yet"),
                    q.body.as_ref(),
                ))
            }
            other => {
                return Err(sql_err(
                    format!(
                        "unsupported query form: {}",
                        first_words(&other.to_string())
                    ),
                    other,
                ))
            }
        };
        self.select(select, q)
    }

    fn from(&self, select: &ast::Select) -> Result<LogicalPlan> {
        match select.from.as_slice() {
            [] => Ok(LogicalPlan::Empty(EmptyRelation::new(true))),
            [one] if one.joins.is_empty() => match &one.relation {
                ast::TableFactor::Table {
                    name,
                    args: Some(args),
                    ..
                } => self.table_function(name, args),
                ast::TableFactor::Table { name, .. } => {
                    let text = object_name(name);
                    if text.starts_with('\'')
                        || text.contains('/')
                        || text.ends_with(".csv")
                        || text.ends_with(".parquet")
                    {
                        return at(self.catalog.file(&unquote(&text), &self.sem), name);
                    }
                    self.resolve_table(&text)
                        .ok_or_else(|| self.no_table(&text, name))
                }
                ast::TableFactor::Derived { subquery, .. } => self.query(subquery),
                other => Err(sql_err(format!("unsupported FROM item: {other}"), other)),
            },
            [one] => Err(sql_err("JOIN is not supported yet", &one.joins[0])),
            [_, second, ..] => Err(sql_err(
                "several tables in FROM (a cross join) are not supported",
                second,
            )),
        }
    }

    /// `read_csv('path', option => value, ...)` and `read_parquet('path')`.
    fn table_function(
        &self,
        name: &ast::ObjectName,
        args: &ast::TableFunctionArgs,
    ) -> Result<LogicalPlan> {
        let func = object_name(name).to_ascii_lowercase();
        let reader = match func.as_str() {
            "read_csv" | "read_csv_auto" => FileReader::Csv,
            "read_parquet" => FileReader::Parquet,
            other => {
                return Err(sql_err(
                    format!(
                        "unknown table function '{other}'; Partita has read_csv and read_parquet"
                    ),
                    name,
                ))
            }
        };
        let mut path = None;
        let mut options = vec![];
        for a in &args.args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) if path.is_none() => {
                    path = Some(match option_value(e) {
                        Some(OptionValue::Text(t)) => t,
                        _ => {
                            return Err(sql_err(
                                format!("{func} expects the path as a text literal"),
                                e,
                            ))
                        }
                    });
                }
                ast::FunctionArg::Named {
                    name: key,
                    arg: ast::FunctionArgExpr::Expr(e),
                    ..
                }
                | ast::FunctionArg::ExprNamed {
                    name: ast::Expr::Identifier(key),
                    arg: ast::FunctionArgExpr::Expr(e),
                    ..
                } => {
                    let value = option_value(e).ok_or_else(|| {
                        sql_err(
                            format!("the option {} of {func} must be a literal, a list or a {{'name': 'value'}} map", key.value),
                            e,
                        )
                    })?;
                    options.push((key.value.to_ascii_lowercase(), value));
                }
                other => {
                    return Err(sql_err(
                        format!(
                            "{func} takes a path and named options (name => value), not {other}"
                        ),
                        name,
                    ))
                }
            }
        }
        let path = path.ok_or_else(|| sql_err(format!("{func} needs a path"), name))?;
        at(self.catalog.read(reader, &path, &options, &self.sem), name)
    }

    fn select(&self, select: &ast::Select, q: &ast::Query) -> Result<LogicalPlan> {
        let mut plan = self.from(select)?;
        if let Some(w) = &select.selection {
            let pred = self.expr(w)?;
            if pred.contains_aggregate() {
                return Err(sql_err(
                    "aggregate functions are not allowed in WHERE; use HAVING",
                    w,
                ));
            }
            plan = at(
                Filter::try_new(Arc::new(plan), pred, &self.sem).map(LogicalPlan::Filter),
                w,
            )?;
        }
        // The select list, with `*` expanded.
        let mut items: Vec<(Item, Option<&ast::Expr>)> = vec![];
        for item in &select.projection {
            let every_column = |items: &mut Vec<(Item, Option<&ast::Expr>)>| {
                for f in plan.schema().fields() {
                    items.push((
                        Item {
                            expr: col(f.name.clone()),
                            name: f.name.clone(),
                        },
                        None,
                    ));
                }
            };
            match item {
                ast::SelectItem::Wildcard(_) => every_column(&mut items),
                ast::SelectItem::QualifiedWildcard(kind, _) => {
                    let qualifier = match kind {
                        ast::SelectItemQualifiedWildcardKind::ObjectName(n) => object_name(n),
                        other => {
                            return Err(sql_err(
                                format!("unsupported select item: {other}.*"),
                                item,
                            ))
                        }
                    };
                    let known = from_qualifiers(select);
                    let matches = |q: &String| match self.sem.identifier_case {
                        IdentifierCase::Sensitive => *q == qualifier,
                        IdentifierCase::Insensitive => q.eq_ignore_ascii_case(&qualifier),
                    };
                    if !known.iter().any(matches) {
                        return Err(sql_err(
                            format!(
                                "unknown table '{qualifier}' in {qualifier}.*; the query reads {}",
                                known.join(", ")
                            ),
                            item,
                        ));
                    }
                    every_column(&mut items);
                }
                ast::SelectItem::UnnamedExpr(e) => {
                    let expr = self.expr(e)?;
                    let name = spark_name(e);
                    items.push((Item { expr, name }, Some(e)));
                }
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    items.push((
                        Item {
                            expr: self.expr(expr)?,
                            name: ident_name(alias),
                        },
                        Some(expr),
                    ));
                }
                other => return Err(sql_err(format!("unsupported select item: {other}"), other)),
            }
        }
        // Spark and pandas return two columns of one name; a partition cannot hold
        // them, so say so in SQL's words.
        for (j, (item, src)) in items.iter().enumerate() {
            if items[..j].iter().any(|(other, _)| other.name == item.name) {
                let message = format!(
                    "duplicate output column name '{}': Partita cannot return two columns of one name yet; give one of them another name with AS",
                    item.name
                );
                return Err(match src {
                    Some(src) => sql_err(message, *src),
                    None => sql_err(message, select),
                });
            }
        }
        let group_by: Vec<&ast::Expr> = match &select.group_by {
            ast::GroupByExpr::Expressions(v, mods) if mods.is_empty() => v.iter().collect(),
            other => return Err(sql_err(format!("unsupported GROUP BY: {other}"), select)),
        };
        let order_by: Vec<&ast::OrderByExpr> = match &q.order_by {
            None => vec![],
            Some(ast::OrderBy {
                kind: ast::OrderByKind::Expressions(v),
                ..
            }) => v.iter().collect(),
            Some(other) => return Err(sql_err(format!("unsupported ORDER BY: {other}"), q)),
        };
        let having = select
            .having
            .as_ref()
            .map(|h| self.expr(h).map(|e| (e, h)))
            .transpose()?;
        let distinct = match &select.distinct {
            None | Some(ast::Distinct::All) => false,
            Some(ast::Distinct::Distinct) => true,
            Some(other) => return Err(sql_err(format!("unsupported {other}"), select)),
        };
        let aggregating = !group_by.is_empty()
            || items.iter().any(|(i, _)| i.expr.contains_aggregate())
            || having.is_some();
        let mut items_final: Vec<Item> = vec![];
        if aggregating {
            // Type errors of aggregates point at their select item.
            for (item, src) in &items {
                if let (Some(src), true) = (src, item.expr.contains_aggregate()) {
                    let typed = item
                        .expr
                        .clone()
                        .resolve(plan.schema(), &self.sem)
                        .and_then(|e| e.data_type(plan.schema(), &self.sem));
                    if let Err(e @ (Error::Plan(_) | Error::Analysis { .. })) = typed {
                        return at(Err(e), *src);
                    }
                }
            }
            // GROUP BY items: ordinals and select aliases first, then expressions.
            let mut groups: Vec<Expr> = vec![];
            for g in &group_by {
                let e = match self.ordinal(g, items.len())? {
                    Some(k) => items[k].0.expr.clone(),
                    None => match g {
                        ast::Expr::Identifier(i)
                            if plan.schema().resolve(&i.value, &self.sem).is_err()
                                && items
                                    .iter()
                                    .any(|(it, _)| self.same_name(&it.name, &i.value)) =>
                        {
                            items
                                .iter()
                                .find(|(it, _)| self.same_name(&it.name, &i.value))
                                .expect("found")
                                .0
                                .expr
                                .clone()
                        }
                        other => self.expr(other)?,
                    },
                };
                let e = at(e.unalias().clone().resolve(plan.schema(), &self.sem), *g)?;
                if e.contains_aggregate() {
                    return Err(sql_err(
                        "aggregate functions are not allowed in GROUP BY",
                        *g,
                    ));
                }
                groups.push(e);
            }
            let mut split = AggregateSplit::new(groups);
            let schema = plan.schema().clone();
            let sem = self.sem;
            let mut rewrite = |e: &Expr, output: bool, at_node: &dyn Spanned| -> Result<Expr> {
                let resolved = at(e.clone().resolve(&schema, &sem), &Wrap(at_node))?;
                let rewritten = if output {
                    split.rewrite_output(&resolved)
                } else {
                    split.rewrite(&resolved)
                };
                at(rewritten, &Wrap(at_node))
            };
            for (item, src) in &items {
                let named = if item.expr.output_name() == item.name {
                    item.expr.clone()
                } else {
                    item.expr.clone().alias(item.name.clone())
                };
                let e = rewrite(
                    &named,
                    true,
                    src.map_or(select as &dyn Spanned, |s| s as &dyn Spanned),
                )?;
                items_final.push(Item {
                    expr: e,
                    name: item.name.clone(),
                });
            }
            let having_expr = match &having {
                Some((h, src)) => Some((self.resolve_aliases(h, &items, &plan)?, *src)),
                None => None,
            };
            let having_expr = match having_expr {
                Some((h, src)) => Some((rewrite(&h, false, src)?, src)),
                None => None,
            };
            // ORDER BY expressions that are not select items get rewritten too.
            // Aliases are judged on the items as written (an aggregate's output
            // column is not a column kept as is).
            let written: Vec<Item> = items.iter().map(|(i, _)| i.clone()).collect();
            let mut order_exprs = vec![];
            for o in &order_by {
                let e = match self.ordinal(&o.expr, items_final.len())? {
                    Some(k) => col(items_final[k].name.clone()),
                    None => match self.alias_ref(&o.expr, &written) {
                        Some(name) => col(name),
                        None => rewrite(&self.expr(&o.expr)?, false, &o.expr)?,
                    },
                };
                order_exprs.push(e);
            }
            plan = at(
                split
                    .aggregate(LogicalPlanBuilder::new(plan, self.sem))
                    .map(LogicalPlanBuilder::build),
                select,
            )?;
            if let Some((h, src)) = having_expr {
                plan = at(
                    Filter::try_new(Arc::new(plan), h, &self.sem).map(LogicalPlan::Filter),
                    src,
                )?;
            }
            return self.finish(plan, items_final, order_exprs, &order_by, distinct, q);
        }
        for (item, src) in &items {
            if let Some(src) = src {
                at(
                    item.expr
                        .clone()
                        .resolve(plan.schema(), &self.sem)
                        .and_then(|e| e.data_type(plan.schema(), &self.sem)),
                    *src,
                )?;
            }
        }
        let items_final: Vec<Item> = items.into_iter().map(|(i, _)| i).collect();
        let mut order_exprs = vec![];
        for o in &order_by {
            let e = match self.ordinal(&o.expr, items_final.len())? {
                Some(k) => col(items_final[k].name.clone()),
                None => match self.alias_ref(&o.expr, &items_final) {
                    Some(name) => col(name),
                    None => self.expr(&o.expr)?,
                },
            };
            order_exprs.push(e);
        }
        self.finish(plan, items_final, order_exprs, &order_by, distinct, q)
    }

    fn same_name(&self, a: &str, b: &str) -> bool {
        match self.sem.identifier_case {
            IdentifierCase::Sensitive => a == b,
            IdentifierCase::Insensitive => a.eq_ignore_ascii_case(b),
        }
    }

    /// `ORDER BY name` naming a select item's output (an alias, or a column kept as
    /// is). Matched as the semantics says; when nothing matches that way, a unique
    /// select alias equal but for case is taken (`... AS Total ORDER BY total`), since
    /// an alias of the same query is what the user meant.
    fn alias_ref(&self, e: &ast::Expr, items: &[Item]) -> Option<String> {
        let ast::Expr::Identifier(i) = e else {
            return None;
        };
        let hits: Vec<&Item> = items
            .iter()
            .filter(|it| self.same_name(&it.name, &i.value))
            .collect();
        if let [one] = hits.as_slice() {
            return Some(one.name.clone());
        }
        let loose: Vec<&Item> = items
            .iter()
            .filter(|it| it.name.eq_ignore_ascii_case(&i.value))
            .collect();
        match (hits.is_empty(), loose.as_slice()) {
            (true, [one]) if !matches!(&one.expr, Expr::Column(c) if c == &one.name) => {
                Some(one.name.clone())
            }
            _ => None,
        }
    }

    /// Replaces references to select aliases (`HAVING total > 1`) by the aliased
    /// expressions, for names that are not columns of the input.
    fn resolve_aliases(
        &self,
        e: &Expr,
        items: &[(Item, Option<&ast::Expr>)],
        input: &LogicalPlan,
    ) -> Result<Expr> {
        Ok(e.clone()
            .transform_up(&mut |x| match &x {
                Expr::Column(c) if input.schema().resolve(c, &self.sem).is_err() => {
                    match items.iter().find(|(it, _)| self.same_name(&it.name, c)) {
                        Some((it, _)) => Ok(partita_plan::Transformed::yes(it.expr.clone())),
                        None => Ok(partita_plan::Transformed::no(x)),
                    }
                }
                _ => Ok(partita_plan::Transformed::no(x)),
            })?
            .data)
    }

    /// `ORDER BY 2` / `GROUP BY 1`: the 0-based select item, or None when not an ordinal.
    fn ordinal(&self, e: &ast::Expr, n: usize) -> Result<Option<usize>> {
        if let ast::Expr::Value(v) = e {
            if let ast::Value::Number(s, _) = &v.value {
                let k: usize = s
                    .parse()
                    .map_err(|_| sql_err(format!("invalid position {s}"), e))?;
                if k == 0 || k > n {
                    return Err(sql_err(
                        format!("position {k} is not in the select list (1 to {n})"),
                        e,
                    ));
                }
                return Ok(Some(k - 1));
            }
        }
        Ok(None)
    }

    /// Projection of the select items (plus hidden ORDER BY columns), DISTINCT,
    /// ORDER BY, dropping hidden columns, LIMIT/OFFSET.
    fn finish(
        &self,
        plan: LogicalPlan,
        items: Vec<Item>,
        order_exprs: Vec<Expr>,
        order_by: &[&ast::OrderByExpr],
        distinct: bool,
        q: &ast::Query,
    ) -> Result<LogicalPlan> {
        let mut exprs: Vec<Expr> = items
            .iter()
            .map(|it| {
                if it.expr.output_name() == it.name {
                    it.expr.clone()
                } else {
                    it.expr.clone().alias(it.name.clone())
                }
            })
            .collect();
        let visible = exprs.len();
        let mut sort_cols = vec![];
        for (i, e) in order_exprs.iter().enumerate() {
            match e {
                Expr::Column(c) if items.iter().any(|it| &it.name == c) => {
                    sort_cols.push(c.clone())
                }
                other => {
                    if let Some(it) = items.iter().find(|it| it.expr == *other) {
                        sort_cols.push(it.name.clone());
                    } else {
                        if distinct {
                            return Err(sql_err("with SELECT DISTINCT, ORDER BY expressions must appear in the select list", order_by[i]));
                        }
                        let name = format!("__order{i}");
                        exprs.push(other.clone().alias(name.clone()));
                        sort_cols.push(name);
                    }
                }
            }
        }
        let src: &dyn Spanned = q;
        let mut plan = at(
            Projection::try_new(Arc::new(plan), exprs, &self.sem).map(LogicalPlan::Projection),
            &Wrap(src),
        )?;
        if distinct {
            plan = LogicalPlan::Distinct(Distinct {
                input: Arc::new(plan),
            });
        }
        if !sort_cols.is_empty() {
            let keys = sort_cols
                .iter()
                .zip(order_by)
                .map(|(c, o)| {
                    let descending = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
                    let nulls = match o.options.nulls_first {
                        Some(true) => NullPlacement::First,
                        Some(false) => NullPlacement::Last,
                        None => NullPlacement::Default,
                    };
                    SortExpr::new(c.clone(), descending, nulls)
                })
                .collect();
            plan = at(
                Sort::try_new(Arc::new(plan), keys, None, &self.sem).map(LogicalPlan::Sort),
                q,
            )?;
        }
        if plan.schema().len() > visible {
            let keep: Vec<Expr> = plan.schema().fields()[..visible]
                .iter()
                .map(|f| col(f.name.clone()))
                .collect();
            plan = at(
                Projection::try_new(Arc::new(plan), keep, &self.sem).map(LogicalPlan::Projection),
                q,
            )?;
        }
        self.order_limit(plan, q, &[], Some(()))
    }

    /// LIMIT / OFFSET (and, for a parenthesized query body, its ORDER BY).
    fn order_limit(
        &self,
        plan: LogicalPlan,
        q: &ast::Query,
        _: &[Expr],
        ordered: Option<()>,
    ) -> Result<LogicalPlan> {
        if ordered.is_none() && q.order_by.is_some() {
            return Err(sql_err(
                "ORDER BY on a parenthesized query is not supported; use a subquery in FROM",
                q,
            ));
        }
        let (limit, offset) = match &q.limit_clause {
            None => (None, None),
            Some(ast::LimitClause::LimitOffset {
                limit,
                offset,
                limit_by,
            }) => {
                if !limit_by.is_empty() {
                    return Err(sql_err("LIMIT BY is not supported", q));
                }
                (limit.clone(), offset.as_ref().map(|o| o.value.clone()))
            }
            Some(ast::LimitClause::OffsetCommaLimit { offset, limit }) => {
                (Some(limit.clone()), Some(offset.clone()))
            }
        };
        let count = |e: &ast::Expr, what: &str| -> Result<usize> {
            match e {
                ast::Expr::Value(v) => match &v.value {
                    ast::Value::Number(s, _) => s.parse().map_err(|_| {
                        sql_err(format!("{what} must be a non-negative integer, got {s}"), e)
                    }),
                    other => Err(sql_err(
                        format!("{what} must be a non-negative integer, got {other}"),
                        e,
                    )),
                },
                other => Err(sql_err(
                    format!("{what} must be a non-negative integer literal, got {other}"),
                    e,
                )),
            }
        };
        let fetch = match &limit {
            Some(ast::Expr::Value(v)) if matches!(v.value, ast::Value::Null) => None,
            Some(l) => Some(count(l, "LIMIT")?),
            None => None,
        };
        let skip = match &offset {
            Some(o) => count(o, "OFFSET")?,
            None => 0,
        };
        if fetch.is_none() && skip == 0 {
            return Ok(plan);
        }
        Ok(LogicalPlan::Limit(Limit {
            input: Arc::new(plan),
            skip,
            fetch,
        }))
    }

    /// Whether `first`/`last` skip missing values: `IGNORE NULLS` / `RESPECT NULLS`, or
    /// Spark's second argument `first(x, true)`; `None` when the query does not say
    /// (the semantics' `first_last_nulls` decides).
    fn ignore_nulls(
        &self,
        f: &ast::Function,
        args: &[Expr],
        name: &str,
        e: &ast::Expr,
    ) -> Result<Option<bool>> {
        let mut treatment = f.null_treatment;
        if let ast::FunctionArguments::List(l) = &f.args {
            for c in &l.clauses {
                if let ast::FunctionArgumentClause::IgnoreOrRespectNulls(t) = c {
                    treatment = Some(*t);
                }
            }
        }
        let from_clause = treatment.map(|t| matches!(t, ast::NullTreatment::IgnoreNulls));
        let from_arg = match args {
            [_] => None,
            [_, Expr::Literal(ScalarValue::Boolean(Some(b)))] => Some(*b),
            [_, other] => {
                return Err(sql_err(
                    format!(
                        "{name}'s second argument (ignoreNulls) must be true or false, got {other}"
                    ),
                    e,
                ))
            }
            _ => {
                return Err(sql_err(
                    format!("{name} takes 1 or 2 arguments, got {}", args.len()),
                    e,
                ))
            }
        };
        match (from_clause, from_arg) {
            (Some(a), Some(b)) if a != b => Err(sql_err(
                format!("{name}: IGNORE/RESPECT NULLS contradicts its second argument"),
                e,
            )),
            (a, b) => Ok(a.or(b)),
        }
    }

    fn expr(&self, e: &ast::Expr) -> Result<Expr> {
        use ast::Expr as E;
        Ok(match e {
            E::Identifier(i) => col(ident_name(i)),
            E::CompoundIdentifier(parts) => {
                col(ident_name(parts.last().expect("at least one part")))
            }
            E::Value(v) => Expr::Literal(self.value(&v.value, e)?),
            E::Nested(inner) => self.expr(inner)?,
            E::IsNull(x) => self.expr(x)?.is_null(),
            E::IsNotNull(x) => self.expr(x)?.is_not_null(),
            E::IsTrue(x) => self.expr(x)?.eq(lit(true)),
            E::IsFalse(x) => self.expr(x)?.eq(lit(false)),
            E::IsNotDistinctFrom(a, b) => self.expr(a)?.null_safe_eq(self.expr(b)?),
            E::IsDistinctFrom(a, b) => self.expr(a)?.null_safe_eq(self.expr(b)?).not(),
            E::InList {
                expr,
                list,
                negated,
            } => {
                let list = list
                    .iter()
                    .map(|x| self.expr(x))
                    .collect::<Result<Vec<_>>>()?;
                Expr::InList {
                    expr: Box::new(self.expr(expr)?),
                    list,
                    negated: *negated,
                }
            }
            E::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let b = self.expr(expr)?.between(self.expr(low)?, self.expr(high)?);
                if *negated {
                    b.not()
                } else {
                    b
                }
            }
            E::Like {
                negated,
                expr,
                pattern,
                escape_char,
                any,
            } => {
                if *any || escape_char.is_some() {
                    return Err(sql_err("LIKE ANY and LIKE ... ESCAPE are not supported", e));
                }
                let p = match pattern.as_ref() {
                    E::Value(v) => match &v.value {
                        ast::Value::SingleQuotedString(s) => s.clone(),
                        other => {
                            return Err(sql_err(
                                format!("LIKE expects a string pattern, got {other}"),
                                pattern.as_ref(),
                            ))
                        }
                    },
                    other => return Err(sql_err("LIKE expects a string literal pattern", other)),
                };
                Expr::Like {
                    expr: Box::new(self.expr(expr)?),
                    pattern: p,
                    negated: *negated,
                }
            }
            E::UnaryOp { op, expr } => match op {
                ast::UnaryOperator::Not => self.expr(expr)?.not(),
                ast::UnaryOperator::Minus => match self.expr(expr)? {
                    Expr::Literal(ScalarValue::Int64(Some(v))) => lit(-v),
                    Expr::Literal(ScalarValue::Float64(Some(v))) => lit(-v),
                    other => -other,
                },
                ast::UnaryOperator::Plus => self.expr(expr)?,
                other => return Err(sql_err(format!("unsupported operator {other}"), e)),
            },
            E::BinaryOp { left, op, right } => {
                let op = match op {
                    ast::BinaryOperator::Plus => Op::Plus,
                    ast::BinaryOperator::Minus => Op::Minus,
                    ast::BinaryOperator::Multiply => Op::Multiply,
                    ast::BinaryOperator::Divide => Op::Divide,
                    ast::BinaryOperator::Modulo => Op::Modulo,
                    ast::BinaryOperator::MyIntegerDivide
                    | ast::BinaryOperator::DuckIntegerDivide => Op::IntegerDivide,
                    ast::BinaryOperator::Eq => Op::Eq,
                    ast::BinaryOperator::NotEq => Op::NotEq,
                    ast::BinaryOperator::Lt => Op::Lt,
                    ast::BinaryOperator::LtEq => Op::LtEq,
                    ast::BinaryOperator::Gt => Op::Gt,
                    ast::BinaryOperator::GtEq => Op::GtEq,
                    ast::BinaryOperator::Spaceship => Op::NullSafeEq,
                    ast::BinaryOperator::And => Op::And,
                    ast::BinaryOperator::Or => Op::Or,
                    other => return Err(sql_err(format!("unsupported operator {other}"), e)),
                };
                Expr::Binary {
                    left: Box::new(self.expr(left)?),
                    op,
                    right: Box::new(self.expr(right)?),
                }
            }
            E::Cast {
                expr, data_type, ..
            } => {
                let type_name = data_type.to_string();
                let t = DataType::parse(type_name.split('(').next().unwrap_or_default())
                    .map_err(|_| sql_err(format!("unsupported type {data_type} in CAST"), e))?;
                self.expr(expr)?.cast(t)
            }
            E::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                let mut branches = vec![];
                for w in conditions {
                    let c = self.expr(&w.condition)?;
                    let c = match operand {
                        Some(op) => self.expr(op)?.eq(c),
                        None => c,
                    };
                    branches.push((c, self.expr(&w.result)?));
                }
                let otherwise = else_result
                    .as_ref()
                    .map(|x| self.expr(x).map(Box::new))
                    .transpose()?;
                Expr::Case {
                    branches,
                    otherwise,
                }
            }
            E::Function(f) => self.function(f, e)?,
            E::Extract { field, expr, .. } => {
                let name = field.to_string();
                let part = DatePart::parse(&name).ok_or_else(|| {
                    sql_err(format!("EXTRACT of the field {name} is not supported"), e)
                })?;
                Expr::Function {
                    func: ScalarFunction::DatePart(part),
                    args: vec![self.expr(expr)?],
                }
            }
            E::TypedString(ts) => {
                let text = match &ts.value.value {
                    ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                        s.clone()
                    }
                    other => return Err(sql_err(format!("invalid literal {other}"), e)),
                };
                let type_name = ts.data_type.to_string();
                let t = DataType::parse(type_name.split('(').next().unwrap_or_default())
                    .map_err(|_| sql_err(format!("unsupported literal type {type_name}"), e))?;
                Expr::Literal(typed_literal(&text, t).map_err(|m| sql_err(m, e))?)
            }
            E::Interval(iv) => Expr::Literal(self.interval(iv, e)?),
            other => return Err(sql_err(format!("unsupported expression: {other}"), other)),
        })
    }

    fn value(&self, v: &ast::Value, at_node: &ast::Expr) -> Result<ScalarValue> {
        Ok(match v {
            ast::Value::Number(s, _) => match s.parse::<i64>() {
                Ok(i) => ScalarValue::Int64(Some(i)),
                Err(_) => ScalarValue::Float64(Some(
                    s.parse()
                        .map_err(|_| sql_err(format!("invalid number {s}"), at_node))?,
                )),
            },
            ast::Value::SingleQuotedString(s) => ScalarValue::Utf8(Some(s.clone())),
            ast::Value::Boolean(b) => ScalarValue::Boolean(Some(*b)),
            ast::Value::Null => ScalarValue::Null,
            other => return Err(sql_err(format!("unsupported literal {other}"), at_node)),
        })
    }

    /// `INTERVAL '1' DAY`, `INTERVAL 2 HOURS`, `INTERVAL '1 day'`: a duration in
    /// microseconds (Spark's day-time intervals; months and years are not durations).
    fn interval(&self, iv: &ast::Interval, e: &ast::Expr) -> Result<ScalarValue> {
        let text = match iv.value.as_ref() {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) => s.clone(),
                ast::Value::Number(n, _) => n.clone(),
                other => return Err(sql_err(format!("invalid interval value {other}"), e)),
            },
            ast::Expr::UnaryOp {
                op: ast::UnaryOperator::Minus,
                expr,
            } => match expr.as_ref() {
                ast::Expr::Value(v) => format!("-{}", v.value).replace('\'', ""),
                other => return Err(sql_err(format!("invalid interval value {other}"), e)),
            },
            other => return Err(sql_err(format!("invalid interval value {other}"), e)),
        };
        let (amount, unit) = match &iv.leading_field {
            Some(f) => (text.trim().to_string(), f.to_string()),
            None => {
                let mut parts = text.split_whitespace();
                let amount = parts.next().unwrap_or_default().to_string();
                let unit = parts.next().unwrap_or_default().to_string();
                (amount, unit)
            }
        };
        let micros_per: i64 = match unit.to_ascii_lowercase().trim_end_matches('s') {
            "day" => 86_400_000_000,
            "hour" => 3_600_000_000,
            "minute" => 60_000_000,
            "second" => 1_000_000,
            "millisecond" => 1_000,
            "microsecond" => 1,
            "week" => 7 * 86_400_000_000,
            other => {
                return Err(sql_err(
                    format!("INTERVAL in {other} is not supported (days, hours, minutes, seconds and weeks are)"),
                    e,
                ))
            }
        };
        let amount: f64 = amount
            .parse()
            .map_err(|_| sql_err(format!("invalid interval amount '{amount}'"), e))?;
        let micros = amount * micros_per as f64;
        if !micros.is_finite() || micros.abs() >= 9.2e18 {
            return Err(sql_err("the interval is out of range", e));
        }
        Ok(ScalarValue::Duration(
            Some(micros.round() as i64),
            partita_common::TimeUnit::Microsecond,
        ))
    }

    fn function(&self, f: &ast::Function, e: &ast::Expr) -> Result<Expr> {
        let name = object_name(&f.name).to_ascii_lowercase();
        if f.over.is_some() {
            return Err(sql_err(
                format!("window functions ({name} OVER ...) are not supported yet"),
                e,
            ));
        }
        let (args, distinct, star) = match &f.args {
            ast::FunctionArguments::None => (vec![], false, false),
            ast::FunctionArguments::List(l) => {
                let distinct = matches!(
                    l.duplicate_treatment,
                    Some(ast::DuplicateTreatment::Distinct)
                );
                let mut out = vec![];
                let mut star = false;
                for a in &l.args {
                    match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => {
                            out.push(self.expr(x)?)
                        }
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) => star = true,
                        other => return Err(sql_err(format!("unsupported argument {other}"), e)),
                    }
                }
                (out, distinct, star)
            }
            ast::FunctionArguments::Subquery(_) => {
                return Err(sql_err("subquery arguments are not supported", e))
            }
        };
        let agg = |func: AggregateFunction, args: Vec<Expr>| -> Result<Expr> {
            if !func.accepts_arity(args.len()) {
                return Err(sql_err(
                    format!(
                        "{name} takes {} argument(s), got {}",
                        func.arity(),
                        args.len()
                    ),
                    e,
                ));
            }
            Ok(Expr::Aggregate { func, args })
        };
        let one = |args: &Vec<Expr>| -> Result<()> {
            if args.len() == 1 {
                Ok(())
            } else {
                Err(sql_err(
                    format!("{name} takes 1 argument, got {}", args.len()),
                    e,
                ))
            }
        };
        if distinct && !matches!(name.as_str(), "count" | "sum" | "avg" | "mean") {
            return Err(sql_err(
                format!(
                    "{name}(DISTINCT ...) is not supported; only COUNT, SUM and AVG take DISTINCT"
                ),
                e,
            ));
        }
        Ok(match name.as_str() {
            "count" if star => agg(AggregateFunction::CountStar, vec![])?,
            "count" if distinct => agg(AggregateFunction::CountDistinct, args)?,
            "count" => agg(AggregateFunction::Count, args)?,
            "sum" if distinct => agg(AggregateFunction::SumDistinct, args)?,
            "sum" => agg(AggregateFunction::Sum, args)?,
            "avg" | "mean" if distinct => agg(AggregateFunction::MeanDistinct, args)?,
            "avg" | "mean" => agg(AggregateFunction::Mean, args)?,
            "min" => agg(AggregateFunction::Min, args)?,
            "max" => agg(AggregateFunction::Max, args)?,
            "stddev" | "stddev_samp" | "std" => agg(AggregateFunction::Std { ddof: 1 }, args)?,
            "stddev_pop" => agg(AggregateFunction::Std { ddof: 0 }, args)?,
            "variance" | "var_samp" | "var" => agg(AggregateFunction::Var { ddof: 1 }, args)?,
            "var_pop" => agg(AggregateFunction::Var { ddof: 0 }, args)?,
            "median" => agg(AggregateFunction::Median, args)?,
            "corr" => agg(AggregateFunction::Corr, args)?,
            "first" | "first_value" | "last" | "last_value" => {
                let ignore_nulls = self.ignore_nulls(f, &args, &name, e)?;
                let args = args.into_iter().take(1).collect();
                if name.starts_with("first") {
                    agg(AggregateFunction::First { ignore_nulls }, args)?
                } else {
                    agg(AggregateFunction::Last { ignore_nulls }, args)?
                }
            }
            "round" => match args.len() {
                1 => Expr::Function {
                    func: ScalarFunction::Round,
                    args,
                },
                2 => Expr::Function {
                    func: ScalarFunction::Round,
                    args,
                },
                n => return Err(sql_err(format!("round takes 1 or 2 arguments, got {n}"), e)),
            },
            "abs" => {
                one(&args)?;
                Expr::Function {
                    func: ScalarFunction::Abs,
                    args,
                }
            }
            "coalesce" => Expr::Function {
                func: ScalarFunction::Coalesce,
                args,
            },
            // NULLIF(a, b) = CASE WHEN a = b THEN NULL ELSE a END (missing when equal).
            "nullif" => match <[Expr; 2]>::try_from(args) {
                Ok([a, b]) => Expr::Case {
                    branches: vec![(a.clone().eq(b), lit_null(DataType::Null))],
                    otherwise: Some(Box::new(a)),
                },
                Err(args) => {
                    return Err(sql_err(
                        format!("nullif takes 2 arguments, got {}", args.len()),
                        e,
                    ))
                }
            },
            "lower" | "lcase" => {
                one(&args)?;
                Expr::Function {
                    func: ScalarFunction::Lower,
                    args,
                }
            }
            "upper" | "ucase" => {
                one(&args)?;
                Expr::Function {
                    func: ScalarFunction::Upper,
                    args,
                }
            }
            "length" | "char_length" | "character_length" | "len" => {
                one(&args)?;
                Expr::Function {
                    func: ScalarFunction::Length,
                    args,
                }
            }
            "power" | "pow" => Expr::Function {
                func: ScalarFunction::Power,
                args,
            },
            "year" | "quarter" | "month" | "day" | "dayofmonth" | "hour" | "minute" | "second"
            | "dayofweek" | "weekday" | "dayofyear" | "weekofyear" => {
                one(&args)?;
                Expr::Function {
                    func: ScalarFunction::DatePart(
                        DatePart::parse(&name).expect("a date part name"),
                    ),
                    args,
                }
            }
            "date_trunc" => Expr::Function {
                func: ScalarFunction::DateTrunc,
                args,
            },
            "to_date" => Expr::Function {
                func: ScalarFunction::ToDate,
                args,
            },
            "to_timestamp" => Expr::Function {
                func: ScalarFunction::ToTimestamp,
                args,
            },
            "date_format" => Expr::Function {
                func: ScalarFunction::DateFormat,
                args,
            },
            "make_date" => Expr::Function {
                func: ScalarFunction::MakeDate,
                args,
            },
            "date_add" | "dateadd" => Expr::Function {
                func: ScalarFunction::DateAdd,
                args,
            },
            "date_sub" => Expr::Function {
                func: ScalarFunction::DateSub,
                args,
            },
            "add_months" => Expr::Function {
                func: ScalarFunction::AddMonths,
                args,
            },
            "datediff" | "date_diff" => Expr::Function {
                func: ScalarFunction::DateDiff,
                args,
            },
            "current_date" | "curdate" => Expr::Function {
                func: ScalarFunction::CurrentDate,
                args,
            },
            "current_timestamp" | "now" => Expr::Function {
                func: ScalarFunction::CurrentTimestamp,
                args,
            },
            other => return Err(sql_err(format!("unknown function '{other}'"), e)),
        })
    }
}

/// A table-function option value from its SQL literal, list or map.
fn option_value(e: &ast::Expr) -> Option<OptionValue> {
    let text = |e: &ast::Expr| match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                Some(s.clone())
            }
            ast::Value::Number(n, _) => Some(n.clone()),
            _ => None,
        },
        ast::Expr::Identifier(i) => Some(i.value.clone()),
        _ => None,
    };
    Some(match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                OptionValue::Text(s.clone())
            }
            ast::Value::Number(n, _) => OptionValue::Int(n.parse().ok()?),
            ast::Value::Boolean(b) => OptionValue::Bool(*b),
            _ => return None,
        },
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => match option_value(expr)? {
            OptionValue::Int(i) => OptionValue::Int(-i),
            _ => return None,
        },
        ast::Expr::Array(a) => OptionValue::List(a.elem.iter().map(text).collect::<Option<_>>()?),
        ast::Expr::Tuple(items) => {
            OptionValue::List(items.iter().map(text).collect::<Option<_>>()?)
        }
        ast::Expr::Dictionary(fields) => OptionValue::Map(
            fields
                .iter()
                .map(|f| Some((f.key.value.clone(), text(&f.value)?)))
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}

/// A `DATE '...'` or `TIMESTAMP '...'` literal (an error message for bad text).
fn typed_literal(text: &str, t: DataType) -> std::result::Result<ScalarValue, String> {
    use partita_common::temporal;
    match t {
        DataType::Date => temporal::parse_date(text)
            .map(|d| ScalarValue::Date(Some(d)))
            .ok_or_else(|| format!("'{text}' is not a valid date")),
        DataType::Timestamp(unit, zone) => {
            let (wall, offset) = temporal::parse_timestamp(text)
                .ok_or_else(|| format!("'{text}' is not a valid timestamp"))?;
            let utc = match offset {
                Some(off) => wall - off,
                None => wall,
            };
            temporal::ticks_of_naive(utc, unit)
                .map(|v| ScalarValue::Timestamp(Some(v), unit, zone))
                .ok_or_else(|| format!("'{text}' is out of the range of timestamps"))
        }
        DataType::Utf8 => Ok(ScalarValue::Utf8(Some(text.to_string()))),
        other => Err(format!(
            "{other} literals written as text are not supported"
        )),
    }
}

/// Adapts a `&dyn Spanned` to the `impl Spanned` the error helpers take.
struct Wrap<'a>(&'a dyn Spanned);

impl Spanned for Wrap<'_> {
    fn span(&self) -> sqlparser::tokenizer::Span {
        self.0.span()
    }
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}
