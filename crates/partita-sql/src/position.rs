//! Positions and errors: SQL errors with the line and column of the text they are about.

use partita_common::{Error, Result, Span};
use sqlparser::ast::Spanned;

pub(crate) fn span_of(s: sqlparser::tokenizer::Span) -> Option<Span> {
    if s.start.line == 0 {
        None
    } else {
        Some(Span {
            line: s.start.line,
            column: s.start.column,
        })
    }
}

pub(crate) fn sql_err(message: impl Into<String>, at: &impl Spanned) -> Error {
    Error::Sql {
        message: message.into(),
        span: span_of(at.span()),
    }
}

/// Attaches a position to an error that has none (plan errors raised while building
/// a node from an expression written at `at`).
pub(crate) fn at<T>(r: Result<T>, at: &impl Spanned) -> Result<T> {
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
pub(crate) fn parse_error(sql: &str, e: sqlparser::parser::ParserError) -> Error {
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

/// Adapts a `&dyn Spanned` to the `impl Spanned` the error helpers take.
pub(crate) struct Wrap<'a>(pub(crate) &'a dyn Spanned);

impl Spanned for Wrap<'_> {
    fn span(&self) -> sqlparser::tokenizer::Span {
        self.0.span()
    }
}
