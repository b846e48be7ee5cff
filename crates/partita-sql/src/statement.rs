//! Statements: queries, EXPLAIN, SET, SHOW TABLES, DESCRIBE, CREATE TABLE AS and COPY TO.

use partita_common::Result;
use partita_plan::{col, LogicalPlanBuilder};
use sqlparser::ast;

use crate::names::{first_words, ident_name, object_name};
use crate::planner::{CopyFormat, CopyTo, Planner, SqlStatement};
use crate::position::{at, sql_err};

impl Planner<'_> {
    pub(crate) fn statement(&self, s: &ast::Statement) -> Result<SqlStatement> {
        match s {
            ast::Statement::Query(q) => Ok(SqlStatement::Query(self.query(q)?)),
            ast::Statement::Explain {
                statement, analyze, ..
            } => match statement.as_ref() {
                ast::Statement::Query(q) if *analyze => {
                    Ok(SqlStatement::ExplainAnalyze(self.query(q)?))
                }
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
                    let exprs = columns.iter().map(|c| col(ident_name(c)));
                    at(
                        LogicalPlanBuilder::new(plan, self.sem)
                            .project(exprs)
                            .map(LogicalPlanBuilder::build),
                        s,
                    )?
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
}
