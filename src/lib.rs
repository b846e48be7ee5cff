//! # Partita
//!
//! A lazy dataframe engine with partitioned execution, whose results follow a
//! chosen semantics: pandas' or Spark's, switch by switch.
//!
//! A [`Session`] holds the configuration (semantics, workers, partitions, merge
//! fan-in) and the thread pool. A [`Frame`] is a lazy query: `filter`, `select`,
//! `groupby(..).agg(..)`, `sort_values`, `head`, `map_partitions`, ... build a
//! logical plan; `collect` optimizes it, lowers it into a task graph (one fused task
//! per partition, then merge trees) and runs it on the pool.
//!
//! ```
//! use partita::prelude::*;
//!
//! let session = Session::new().with_workers(2);
//! let ddf = session.from_columns(vec![
//!     Column::new("col1", [None, None, Some("A"), Some("A"), Some("B"), Some("B")]),
//!     Column::new("col2", [1i64, 2, 3, 4, 5, 6]),
//! ], 2).unwrap();
//! let pandas = ddf.clone().groupby("col1").mean().collect().unwrap();
//! assert_eq!(pandas.height(), 2); // pandas drops the null group
//! let spark = ddf.with_semantics(Semantics::spark()).groupby("col1").mean().collect().unwrap();
//! assert_eq!(spark.height(), 3); // Spark keeps it
//! ```
//!
//! The crates underneath: `partita-common` (errors, semantics), `partita-core`
//! (kernels over one partition), `partita-plan` (plan, optimizer), `partita-exec`
//! (task graph, scheduler). See `docs/architecture.md`.
#![deny(missing_docs)]

pub mod diff;
mod engine;
mod frame;
mod join;
mod session;
mod sql;
mod table;
mod window;

pub use diff::{semantic_diff, SemanticDiff};
pub use engine::Engine;
pub use frame::{null_of, Frame, GroupBy, IntoColumnExpr, IntoKeys, SortSpec};
pub use join::JoinSpec;
pub use partita_sql::{
    CopyTo, ParsedSql, SqlStatement, FUNCTION_NAMES as SQL_FUNCTIONS, KEYWORDS as SQL_KEYWORDS,
};
pub use session::Session;
pub use sql::{SqlContext, SqlOutput};
pub use table::{Column, FromValue, IntoValues, Table};
pub use window::{
    cume_dist, dense_rank, first_value, lag, last_value, lead, nth_value, ntile, percent_rank,
    rank, row_number, NaOption, Over, RankMethod, RankSpec, Window, WindowColumn, WindowFn,
};

pub use partita_common::{
    decimal_text, in_library_call, panic_message, parse_decimal, temporal, AggregateFunction,
    CaseMapping, Categoricals, Categories, CsvNulls, CsvTypes, DataType, DateDiff, DatePart,
    DateText, DayOfWeek, DefaultNullOrder, DivisionByZero, EmptySum, Error, Field, FirstLastNulls,
    GroupOrder, IdentifierCase, IntWithNulls, IntegerDivision, IntegerOverflow, JoinNullKeys,
    Logic, NanSemantics, NullGroupKeys, NullPlacement, NumericPromotion, Reference, RepeatedNames,
    Result, Rounding, ScalarValue, Schema, Semantics, SessionConfig, TextFormat, TimeUnit,
    TimeZone, TimeZones, UsingColumns, WindowResults,
};
pub use partita_core::display::format_value;
pub use partita_exec::{
    CsvOptions, ParquetOptions, ParquetSource, Progress, RunNotes, RunOptions, Sink, TaskGraph,
};
pub use partita_plan::{
    case, coalesce, col, corr, count_distinct, count_star, lit, lit_null, when, Case, Expr,
    FrameBound, JoinType, LogicalPlan, Then, When, WindowFunction,
};

// The guides' snippets are doc tests: `cargo test --doc` compiles and runs
// every Rust block of them.
#[cfg(doctest)]
#[doc = include_str!("../docs/api.md")]
mod api_md {}

#[cfg(doctest)]
#[doc = include_str!("../docs/from_polars.md")]
mod from_polars_md {}

#[cfg(doctest)]
#[doc = include_str!("../docs/from_pandas.md")]
mod from_pandas_md {}

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme_md {}

/// The names most programs need, listed one by one.
pub mod prelude {
    pub use crate::{
        case, coalesce, col, corr, count_distinct, count_star, lit, lit_null, when, Column,
        CsvOptions, DataType, Error, Expr, Field, Frame, JoinSpec, JoinType, NullGroupKeys,
        NullPlacement, ParquetOptions, Result, RunOptions, ScalarValue, Schema, Semantics, Session,
        SortSpec, Table,
    };
    pub use crate::{
        dense_rank, lag, lead, rank, row_number, FrameBound, Over, RankMethod, RankSpec, Window,
    };
}

/// The polars types under Partita, for programs that exchange data with polars
/// ([`Session::from_polars`], [`Table::into_polars`]); the rest of the API does
/// not need them.
pub mod polars {
    pub use partita_core::decimal::decimal_series;
    pub use partita_core::display::format_table;
    pub use partita_core::frame::{from_polars_type, scalar_at as value_at, to_polars_type};
    pub use partita_core::parquet::write_parquet_with;
    pub use partita_core::polars::{
        DataFrame, IntoColumn, NamedFrom, PlDataType, PlTimeUnit, Series,
    };
}

/// The calendar types [`Table::get`] reads dates, timestamps and durations as.
pub use chrono;
