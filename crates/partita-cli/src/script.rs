//! Splitting SQL text into statements at `;`, outside quotes and comments.
//!
//! The shell runs one statement at a time, so a failing statement does not hide the
//! results of the ones before it, and the REPL knows when a multi-line input is
//! finished (its last statement ends with `;`).

use std::ops::Range;

/// The statements of a text, and what follows the last `;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Byte ranges of the complete statements (each without its `;`), in order.
    /// Statements holding only whitespace and comments are left out.
    pub statements: Vec<Range<usize>>,
    /// Byte offset where the unfinished rest starts (the text's length when the
    /// text ends right after a `;`).
    pub rest: usize,
    /// True when the rest holds only whitespace and finished comments.
    pub rest_is_blank: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Normal,
    Quote(u8),
    LineComment,
    BlockComment,
}

/// Splits `text` at every `;` that is outside quotes (`'...'`, `"..."`,
/// `` `...` ``, with doubled quotes as escapes) and comments (`-- ...`, `/* ... */`).
///
/// ```
/// use partita_cli::script::split;
/// let s = split("SELECT ';' AS x; -- done;\nSELECT 2");
/// assert_eq!(s.statements.len(), 1);
/// assert!(!s.rest_is_blank);
/// ```
pub fn split(text: &str) -> Split {
    let bytes = text.as_bytes();
    let mut statements = vec![];
    let mut start = 0;
    let mut state = State::Normal;
    // Whether the current statement has anything but whitespace and comments.
    let mut content = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        match state {
            State::Normal => match b {
                b';' => {
                    if content {
                        statements.push(start..i);
                    }
                    start = i + 1;
                    content = false;
                }
                b'\'' | b'"' | b'`' => {
                    state = State::Quote(b);
                    content = true;
                }
                b'-' if next == Some(b'-') => {
                    state = State::LineComment;
                    i += 1;
                }
                b'/' if next == Some(b'*') => {
                    state = State::BlockComment;
                    i += 1;
                }
                b if b.is_ascii_whitespace() => {}
                _ => content = true,
            },
            State::Quote(q) => {
                if b == q {
                    if next == Some(q) {
                        i += 1; // a doubled quote stands for itself
                    } else {
                        state = State::Normal;
                    }
                }
            }
            State::LineComment => {
                if b == b'\n' {
                    state = State::Normal;
                }
            }
            State::BlockComment => {
                if b == b'*' && next == Some(b'/') {
                    state = State::Normal;
                    i += 1;
                }
            }
        }
        i += 1;
    }
    let rest_is_blank = !content && matches!(state, State::Normal | State::LineComment);
    Split {
        statements,
        rest: start,
        rest_is_blank,
    }
}

/// True when `text` holds only whitespace and finished comments.
///
/// ```
/// assert!(partita_cli::script::is_blank("  -- nothing\n /* here */ "));
/// assert!(!partita_cli::script::is_blank("SELECT 1"));
/// ```
pub fn is_blank(text: &str) -> bool {
    let s = split(text);
    s.statements.is_empty() && s.rest_is_blank
}

/// One piece of a script: a dot command or a SQL statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A dot command: a line whose first non-blank character is `.`, between
    /// statements (the range is trimmed).
    Dot(Range<usize>),
    /// A SQL statement ended by `;` (the range excludes the `;`).
    Sql(Range<usize>),
}

/// A script cut into pieces, in order, and the unfinished SQL after them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pieces {
    /// The dot commands and complete statements, in order.
    pub pieces: Vec<Piece>,
    /// The text after the last piece: SQL not ended by `;`, or blank.
    pub rest: Range<usize>,
    /// True when the rest holds only whitespace and finished comments.
    pub rest_is_blank: bool,
}

/// Cuts a script into dot commands (lines starting with `.` where no statement
/// is open) and SQL statements ended by `;`.
///
/// ```
/// use partita_cli::script::{pieces, Piece};
/// let text = ".mode csv\nSELECT 1\n  FROM t;\n.tables\nSELECT";
/// let p = pieces(text);
/// assert_eq!(p.pieces.len(), 3);
/// assert!(matches!(&p.pieces[1], Piece::Sql(r) if &text[r.clone()] == "SELECT 1\n  FROM t"));
/// assert_eq!(&text[p.rest.clone()], "SELECT");
/// ```
pub fn pieces(text: &str) -> Pieces {
    let mut out = vec![];
    let mut pending = 0; // start of the SQL not yet cut
    let mut line_start = 0;
    while line_start < text.len() {
        let line_end = text[line_start..]
            .find('\n')
            .map(|i| line_start + i + 1)
            .unwrap_or(text.len());
        let line = &text[line_start..line_end];
        if line.trim_start().starts_with('.') && is_blank(&text[pending..line_start]) {
            let lead = line.len() - line.trim_start().len();
            out.push(Piece::Dot(
                line_start + lead..line_start + line.trim_end().len(),
            ));
            pending = line_end;
        } else {
            let split = split(&text[pending..line_end]);
            out.extend(
                split
                    .statements
                    .into_iter()
                    .map(|r| Piece::Sql(pending + r.start..pending + r.end)),
            );
            pending += split.rest;
        }
        line_start = line_end;
    }
    let rest_is_blank = is_blank(&text[pending..]);
    Pieces {
        pieces: out,
        rest: pending..text.len(),
        rest_is_blank,
    }
}

/// True when the REPL may run `text` as it is: blank input, a bare `exit` or
/// `quit`, or dot commands and SQL statements where the last statement ends with
/// `;` (a dot command is one line and needs none).
///
/// ```
/// use partita_cli::script::is_complete;
/// assert!(is_complete(".tables"));
/// assert!(is_complete("SELECT 1;"));
/// assert!(is_complete("SELECT 1;\n.tables"));
/// assert!(!is_complete("SELECT\n  1"));
/// assert!(!is_complete("SELECT ';"));
/// ```
pub fn is_complete(text: &str) -> bool {
    let t = text.trim();
    if t.is_empty() || is_exit_word(t) {
        return true;
    }
    pieces(text).rest_is_blank
}

/// `exit`, `quit` (any case, an optional `;`): words that end the REPL like `.quit`.
pub fn is_exit_word(text: &str) -> bool {
    let t = text.trim().trim_end_matches(';').trim();
    t.eq_ignore_ascii_case("exit") || t.eq_ignore_ascii_case("quit")
}

/// The 1-based line and column of byte offset `at` in `text` (columns count
/// characters, as SQL error positions do).
pub fn line_column(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

/// `statement` preceded by whitespace that puts it at the line and column where it
/// starts in its text, so the positions of SQL errors refer to the whole text.
pub fn positioned(text: &str, range: Range<usize>) -> String {
    let (line, column) = line_column(text, range.start);
    let mut out = String::with_capacity(line + column + range.len());
    out.extend(std::iter::repeat_n('\n', line - 1));
    out.extend(std::iter::repeat_n(' ', column - 1));
    out.push_str(&text[range]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> Vec<&str> {
        split(text)
            .statements
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn splits_outside_quotes_and_comments() {
        assert_eq!(
            parts("SELECT 'a;b'; SELECT \"x;\" FROM t;"),
            vec!["SELECT 'a;b'", " SELECT \"x;\" FROM t"]
        );
        assert_eq!(parts("SELECT 'it''s;'; x"), vec!["SELECT 'it''s;'"]);
        assert_eq!(parts("-- a; b\nSELECT 1;"), vec!["-- a; b\nSELECT 1"]);
        assert_eq!(parts("/* ; */ SELECT 1; ;;"), vec!["/* ; */ SELECT 1"]);
        assert_eq!(parts("`a;b`;"), vec!["`a;b`"]);
    }

    #[test]
    fn rest_and_blankness() {
        let s = split("SELECT 1; -- trailing");
        assert_eq!(s.statements.len(), 1);
        assert!(s.rest_is_blank);
        assert!(!split("SELECT 1; /* open").rest_is_blank);
        assert!(!split("SELECT 'open;").rest_is_blank);
        assert!(is_blank(""));
        assert!(is_blank(";;"));
        assert!(!is_blank("x"));
        assert!(is_complete("  quit"));
        assert!(is_complete("EXIT;"));
        assert!(!is_complete("SELECT 1; SELECT"));
    }

    #[test]
    fn script_pieces() {
        let text = "-- c\n.mode csv\nSELECT a\n.5;\n  .tables  \n/* open";
        let p = pieces(text);
        assert_eq!(
            p.pieces,
            vec![Piece::Dot(5..14), Piece::Sql(15..26), Piece::Dot(30..37),]
        );
        assert_eq!(&text[15..26], "SELECT a\n.5");
        assert_eq!(&text[30..37], ".tables");
        assert!(!p.rest_is_blank);
        assert!(!is_complete(text));
        assert!(is_complete(".a\n.b\n"));
    }

    #[test]
    fn positions() {
        let text = "SELECT 1;\n  SELECT x FROM t;";
        let s = split(text);
        assert_eq!(line_column(text, s.statements[1].start), (1, 10));
        let p = positioned(text, s.statements[1].clone());
        assert_eq!(p, "         \n  SELECT x FROM t");
        assert_eq!(line_column("é\nab", 4), (2, 2));
        assert_eq!(line_column("é", 1), (1, 1));
    }
}
