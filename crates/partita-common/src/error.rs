//! The one error type of Partita, and the helpers that build clear messages.

use std::fmt;

/// A position in SQL text: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// 1-based line number.
    pub line: u64,
    /// 1-based column number.
    pub column: u64,
}

/// Every error Partita returns. The variant says who is at fault.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The SQL text is wrong (syntax, unknown name, misuse), with its position when known.
    Sql {
        /// What is wrong.
        message: String,
        /// Where in the SQL text.
        span: Option<Span>,
    },
    /// An error of the plan or of a name (`source`) caused by the SQL text at `span`:
    /// it keeps its own kind and class, and gains the position.
    At {
        /// Where in the SQL text.
        span: Span,
        /// The error itself.
        source: Box<Error>,
    },
    /// A column name that does not exist; `suggestion` is the nearest existing name.
    ColumnNotFound {
        /// The name as the user wrote it.
        name: String,
        /// The nearest existing column, if one is close.
        suggestion: Option<String>,
        /// Every column that was available.
        available: Vec<String>,
    },
    /// A plan that cannot be built: wrong types, ambiguous names, invalid arguments.
    Plan(String),
    /// A plan that the reference engine rejects with a named error class at analysis
    /// time (Spark's `DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE`, `AMBIGUOUS_REFERENCE`, ...).
    Analysis {
        /// The reference's error class, e.g. `AMBIGUOUS_REFERENCE`.
        class: String,
        /// A readable explanation.
        message: String,
    },
    /// A runtime error of the data, named by its Spark error condition where one applies
    /// (`DIVIDE_BY_ZERO`, `ARITHMETIC_OVERFLOW`, `REMAINDER_BY_ZERO`, ...).
    Arithmetic {
        /// The error condition, e.g. `DIVIDE_BY_ZERO`.
        condition: String,
        /// A readable explanation.
        message: String,
    },
    /// A task of the graph failed; names the task and the partition it worked on.
    Task {
        /// The task's label, e.g. `map_partitions`.
        task: String,
        /// The partition the task worked on, if it worked on one.
        partition: Option<usize>,
        /// The error or panic message.
        source: Box<Error>,
    },
    /// A step of the Rust API (`sort_values`, `groupby`, `join`, ...) could not be
    /// built; names the step, then the error.
    Step {
        /// The builder call, e.g. `sort_values`.
        step: String,
        /// The error itself.
        source: Box<Error>,
    },
    /// Reading or writing a file failed.
    Io(String),
    /// A user closure failed or panicked.
    User(String),
    /// A runtime error of the data that is not arithmetic, named by the class the
    /// reference engine raises (pandas' `ValueError` when a filter mask holds missing
    /// values, `TypeError` for `~` over missing booleans).
    Data {
        /// The reference's error class, e.g. `ValueError`.
        class: String,
        /// A readable explanation.
        message: String,
    },
    /// A feature Partita does not have (yet), named.
    NotImplemented(String),
    /// A bug in Partita: never reachable from user input.
    Internal(String),
    /// The run was cancelled.
    Cancelled,
}

/// A reference engine whose error vocabulary names an error ([`Error::class`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// pandas: Python exception types.
    Pandas,
    /// Spark: error conditions (`CLASS.SUBCLASS`).
    Spark,
}

/// Partita's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A plan error with a message.
    pub fn plan(message: impl Into<String>) -> Self {
        Error::Plan(message.into())
    }

    /// An internal error (a bug).
    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal(message.into())
    }

    /// An arithmetic error with its condition name.
    pub fn arithmetic(condition: &str, message: impl Into<String>) -> Self {
        Error::Arithmetic {
            condition: condition.to_string(),
            message: message.into(),
        }
    }

    /// An analysis error with the reference engine's class name.
    pub fn analysis(class: &str, message: impl Into<String>) -> Self {
        Error::Analysis {
            class: class.to_string(),
            message: message.into(),
        }
    }

    /// A data error (not arithmetic) with the reference engine's class name.
    pub fn data(class: &str, message: impl Into<String>) -> Self {
        Error::Data {
            class: class.to_string(),
            message: message.into(),
        }
    }

    /// The class the reference engine gives this error: Spark's error condition
    /// (`DIVIDE_BY_ZERO`, `DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE`) under
    /// [`Reference::Spark`], the Python exception type (`KeyError`, `ValueError`)
    /// under [`Reference::Pandas`]. `None` for errors no reference raises the same way
    /// (I/O, user closures, internal errors, cancellation): an expected error class
    /// never matches those.
    ///
    /// Errors raised only under one preset's switches (a division by zero is an error
    /// only where `division_by_zero = error`) carry their class from where they were
    /// raised; errors both engines raise (an unknown column) are named per reference.
    pub fn class(&self, reference: Reference) -> Option<String> {
        match self {
            // pandas raises ValueError for text or parts that are not a valid value.
            Error::Arithmetic {
                condition: class, ..
            }
            | Error::Data { class, .. }
                if reference == Reference::Pandas
                    && [
                        "CAST_INVALID_INPUT",
                        "CANNOT_PARSE_TIMESTAMP",
                        "DATETIME_FIELD_OUT_OF_BOUNDS",
                    ]
                    .iter()
                    .any(|c| class.starts_with(c)) =>
            {
                Some("ValueError".into())
            }
            Error::Arithmetic { condition, .. } => Some(condition.clone()),
            // pandas raises ValueError for a label two columns carry
            // (`sort_values`: "The column label 'a' is not unique").
            Error::Analysis { class, .. }
                if reference == Reference::Pandas && class == "AMBIGUOUS_REFERENCE" =>
            {
                Some("ValueError".into())
            }
            // pandas raises TypeError for an operation on values of the wrong type.
            Error::Analysis { class, .. }
                if reference == Reference::Pandas && class.starts_with("DATATYPE_MISMATCH") =>
            {
                Some("TypeError".into())
            }
            Error::Analysis { class, .. } | Error::Data { class, .. } => Some(class.clone()),
            Error::ColumnNotFound { .. } => Some(
                match reference {
                    Reference::Pandas => "KeyError",
                    Reference::Spark => "UNRESOLVED_COLUMN.WITH_SUGGESTION",
                }
                .to_string(),
            ),
            Error::Task { source, .. } | Error::At { source, .. } | Error::Step { source, .. } => {
                source.class(reference)
            }
            Error::Sql { .. }
            | Error::Plan(_)
            | Error::Io(_)
            | Error::User(_)
            | Error::NotImplemented(_)
            | Error::Internal(_)
            | Error::Cancelled => None,
        }
    }

    /// A column-not-found error, with the nearest of `available` as a suggestion.
    pub fn column_not_found<S: AsRef<str>>(name: &str, available: &[S]) -> Self {
        Error::ColumnNotFound {
            name: name.to_string(),
            suggestion: nearest_name(name, available),
            available: available.iter().map(|s| s.as_ref().to_string()).collect(),
        }
    }

    /// The innermost error (through `Task` and `At` wrappers).
    pub fn root_cause(&self) -> &Error {
        match self {
            Error::Task { source, .. } | Error::At { source, .. } | Error::Step { source, .. } => {
                source.root_cause()
            }
            other => other,
        }
    }

    /// The expression that raised an error of the data (division by zero,
    /// overflow, a bad cast), as the executor names it (`a / b`), if any.
    pub fn failing_expression(&self) -> Option<&str> {
        let message = match self.root_cause() {
            Error::Arithmetic { message, .. } | Error::Data { message, .. } => message,
            _ => return None,
        };
        let start = message.rfind(IN_EXPRESSION)? + IN_EXPRESSION.len();
        message[start..].strip_suffix("`)")
    }

    /// An error of the data at the position of the expression that raised it.
    pub fn at_expression(self, span: Span) -> Error {
        if self.span().is_some() {
            return self;
        }
        Error::At {
            span,
            source: Box::new(self),
        }
    }

    /// The position in the SQL text the error points at, if any.
    pub fn span(&self) -> Option<Span> {
        match self {
            Error::Sql { span, .. } => *span,
            Error::At { span, .. } => Some(*span),
            Error::Task { source, .. } | Error::Step { source, .. } => source.span(),
            _ => None,
        }
    }

    /// This error at `span` in the SQL text, unless it already has a position or is
    /// not about the text (a failed task, I/O): SQL errors gain the span, plan and
    /// name errors are wrapped in [`Error::At`].
    pub fn at(self, span: Option<Span>) -> Error {
        let Some(span) = span else { return self };
        match self {
            Error::Sql {
                message,
                span: None,
            } => Error::Sql {
                message,
                span: Some(span),
            },
            e @ (Error::Plan(_) | Error::Analysis { .. } | Error::ColumnNotFound { .. }) => {
                Error::At {
                    span,
                    source: Box::new(e),
                }
            }
            other => other,
        }
    }

    /// The message without the kind's prefix (`plan error: `), as shown after a
    /// position.
    fn detail(&self) -> String {
        match self {
            Error::Plan(m) => m.clone(),
            Error::Analysis { class, message } => format!("[{class}] {message}"),
            Error::Sql { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

/// The message of a caught panic (`std::panic::catch_unwind`'s payload).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

thread_local! {
    /// How many `catch_library_panic` calls this thread is inside.
    static LIBRARY_CALLS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Runs `f`, a call into a library that panics on some bad input where it
/// should fail (the Parquet reader on a damaged file), with its panic caught and
/// returned as the panic's message, for the caller to turn into an error.
pub fn catch_library_panic<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    LIBRARY_CALLS.with(|n| n.set(n.get() + 1));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    LIBRARY_CALLS.with(|n| n.set(n.get() - 1));
    result.map_err(|p| panic_message(&*p))
}

/// Whether this thread runs inside [`catch_library_panic`]: a panic hook can
/// tell a library's panic that becomes an error from a defect of Partita's.
pub fn in_library_call() -> bool {
    LIBRARY_CALLS.with(|n| n.get() > 0)
}

/// The name among `candidates` nearest to `name` (case-insensitive match first,
/// then the smallest edit distance within a third of the name's length).
pub fn nearest_name<S: AsRef<str>>(name: &str, candidates: &[S]) -> Option<String> {
    if let Some(c) = candidates
        .iter()
        .find(|c| c.as_ref().eq_ignore_ascii_case(name))
    {
        return Some(c.as_ref().to_string());
    }
    let lower = name.to_lowercase();
    candidates
        .iter()
        .map(|c| {
            (
                strsim::levenshtein(&lower, &c.as_ref().to_lowercase()),
                c.as_ref(),
            )
        })
        .filter(|(d, c)| *d <= (name.chars().count().max(c.chars().count()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

/// How an error of the data names the expression that raised it, at the end of its
/// message: `... (in `a / b`)`.
pub const IN_EXPRESSION: &str = " (in `";

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Sql {
                message,
                span: Some(s),
            } => {
                write!(
                    f,
                    "SQL error at line {}, column {}: {message}",
                    s.line, s.column
                )
            }
            Error::Sql {
                message,
                span: None,
            } => write!(f, "SQL error: {message}"),
            Error::ColumnNotFound {
                name,
                suggestion,
                available,
            } => {
                write!(f, "column '{name}' not found")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean '{s}'?"),
                    None => write!(f, "; available columns: {}", available.join(", ")),
                }
            }
            // An error of the data (a failed task) keeps its kind; the position
            // says which expression of the query raised it.
            Error::At { span, source } if source.failing_expression().is_some() => {
                write!(f, "{source}, at line {}, column {}", span.line, span.column)
            }
            Error::At { span, source } => write!(
                f,
                "SQL error at line {}, column {}: {}",
                span.line,
                span.column,
                source.detail()
            ),
            Error::Plan(m) => write!(f, "plan error: {m}"),
            Error::Arithmetic { condition, message } => write!(f, "[{condition}] {message}"),
            Error::Analysis { class, message } => write!(f, "plan error: [{class}] {message}"),
            Error::Data { class, message } => write!(f, "data error: [{class}] {message}"),
            Error::Task {
                task,
                partition: Some(p),
                source,
            } => {
                write!(f, "task '{task}' failed on partition {p}: {source}")
            }
            Error::Task {
                task,
                partition: None,
                source,
            } => {
                write!(f, "task '{task}' failed: {source}")
            }
            Error::Step { step, source } => write!(f, "{step}: {source}"),
            Error::Io(m) => write!(f, "I/O error: {m}"),
            Error::User(m) => write!(f, "user function error: {m}"),
            Error::NotImplemented(m) => write!(f, "not implemented: {m}"),
            Error::Internal(m) => write!(f, "internal error (a bug in Partita): {m}"),
            Error::Cancelled => write!(f, "query cancelled"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Task { source, .. } | Error::At { source, .. } | Error::Step { source, .. } => {
                Some(source.as_ref())
            }
            _ => None,
        }
    }
}

/// A polars error, as raised by polars calls in a user's closure (`map_partitions`
/// over [`polars`](https://docs.rs/polars-core) types): `?` works on them.
impl From<polars_error::PolarsError> for Error {
    fn from(e: polars_error::PolarsError) -> Self {
        Error::User(format!("polars: {e}"))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_nearest_column() {
        let e = Error::column_not_found("dep_dely", &["origin", "dep_delay", "distance"]);
        assert_eq!(
            e.to_string(),
            "column 'dep_dely' not found; did you mean 'dep_delay'?"
        );
        let e = Error::column_not_found("zzz", &["origin", "dep_delay"]);
        assert_eq!(
            e.to_string(),
            "column 'zzz' not found; available columns: origin, dep_delay"
        );
        assert_eq!(nearest_name("COL1", &["col1", "col2"]), Some("col1".into()));
    }

    #[test]
    fn the_cause_of_a_task_or_positioned_error_is_its_source() {
        use std::error::Error as _;
        let cause = Error::arithmetic("DIVIDE_BY_ZERO", "division by zero");
        let task = Error::Task {
            task: "partition".into(),
            partition: Some(3),
            source: Box::new(cause.clone()),
        };
        let source = task.source().expect("a task error has a source");
        assert_eq!(source.to_string(), cause.to_string());
        // A plan error carries its SQL position without losing its kind.
        let at = Error::plan("bad round digits").at(Some(Span { line: 1, column: 8 }));
        assert_eq!(at.span(), Some(Span { line: 1, column: 8 }));
        assert_eq!(at.root_cause(), &Error::plan("bad round digits"));
        assert!(at.source().is_some());
        assert!(cause.source().is_none());
    }
}
