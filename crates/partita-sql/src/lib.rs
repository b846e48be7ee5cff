//! # partita-sql
//!
//! SQL text → Partita [`LogicalPlan`](partita_plan::LogicalPlan). The SQL planner never
//! optimizes: it builds validated plan nodes and leaves rewriting to the optimizer.
//!
//! - [`plan_sql`] parses one or more statements (with `sqlparser`) and plans each into
//!   a [`SqlStatement`]: a query, `EXPLAIN`, `SET`, `SHOW TABLES`, `DESCRIBE`, or
//!   `CREATE TABLE ... AS`.
//! - [`Catalog`] is what the planner asks for tables and files; the facade provides it.
//! - Every error is an [`Error::Sql`](partita_common::Error::Sql) with the line and
//!   column of the offending text where the parser knows it.
//!
//! ```
//! use partita_sql::{plan_sql, SqlStatement, EmptyCatalog};
//! use partita_common::Semantics;
//! let stmts = plan_sql("SET semantics = 'spark'", &EmptyCatalog, &Semantics::pandas()).unwrap();
//! assert!(matches!(&stmts[0], SqlStatement::Set { name, value } if name == "semantics" && value == "spark"));
//! let err = plan_sql("SELECT FROM", &EmptyCatalog, &Semantics::pandas()).unwrap_err();
//! assert!(err.to_string().contains("line 1"), "{err}");
//! ```
#![deny(missing_docs)]

mod dialect;
mod expr;
mod from;
mod functions;
mod join;
mod literal;
mod names;
mod order;
mod planner;
mod position;
mod select;
mod setop;
mod statement;
mod subquery;
mod window;

pub use functions::{FUNCTION_NAMES, KEYWORDS};
pub use planner::{
    plan_sql, Catalog, CopyFormat, CopyTo, EmptyCatalog, FileReader, OptionValue, ParsedSql,
    SqlStatement,
};
