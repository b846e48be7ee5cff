//! Parsing setup: Partita's SQL dialect and the rewrite of the text before parsing.

use sqlparser::ast;
use sqlparser::dialect::Dialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;

/// The SQL dialect: generic SQL with `"double"` and `` `backtick` `` quoted
/// identifiers, and Spark's / MySQL's `a DIV b` integer division.
#[derive(Debug)]
pub(crate) struct PartitaDialect;

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

/// COPY's `PARTITION_BY (a, b)` option (DuckDB's spelling), which the SQL parser
/// does not know, rewritten as PostgreSQL's `FORCE_QUOTE (a, b)`, which it parses
/// into a column list and which Partita's COPY has no other use for. Both words
/// have the same length (with a space), so positions in errors stay right.
pub(crate) fn copy_partition_by(sql: &str) -> String {
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
