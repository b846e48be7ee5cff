//! # partita-core
//!
//! Single-threaded kernels over one partition. A partition is a polars
//! [`DataFrame`](polars_core::prelude::DataFrame) ([`Partition`]); this crate is the
//! only one that calls polars, so a polars upgrade touches nothing else.
//!
//! - [`scalar`]: row-by-row kernels (arithmetic, comparison, logic, IN, LIKE, CAST,
//!   ROUND, ...), each following the [`Semantics`](partita_common::Semantics) switches.
//! - [`aggregate`]: grouped aggregation as [`aggregate::partial`] →
//!   [`aggregate::merge`] → [`aggregate::finalize`], and [`aggregate::aggregate_rows`]
//!   for holistic aggregates.
//! - [`sort`](mod@sort): stable multi-key sort with per-key direction and null placement, top-k,
//!   and the merge of sorted partitions.
//! - [`hash`]: deterministic hash partitioning for shuffles.
//! - [`csv`]: schema inference and reading a byte range of a CSV file.
//! - [`parquet`](mod@parquet): Parquet footers, row-group statistics and reading row ranges; writing Parquet and CSV.
//! - [`frame`] and [`display`]: building, concatenating and printing partitions.
//!
//! ```
//! use partita_common::{BinaryOperator, DataType, Semantics};
//! use partita_core::{frame::scalar_series, scalar::arithmetic};
//! use partita_common::ScalarValue;
//! let a = scalar_series("a", &ScalarValue::Int64(Some(-7)), 1);
//! let b = scalar_series("b", &ScalarValue::Int64(Some(2)), 1);
//! let pandas = arithmetic(&a, BinaryOperator::IntegerDivide, &b, DataType::Int64, &Semantics::pandas()).unwrap();
//! let spark = arithmetic(&a, BinaryOperator::IntegerDivide, &b, DataType::Int64, &Semantics::spark()).unwrap();
//! assert_eq!(pandas.i64().unwrap().get(0), Some(-4));
//! assert_eq!(spark.i64().unwrap().get(0), Some(-3));
//! ```
#![deny(missing_docs)]

pub mod aggregate;
pub mod categorical;
pub mod csv;
pub mod decimal;
pub mod display;
mod exact;
pub mod frame;
pub mod groups;
pub mod hash;
pub mod ipc;
pub mod join;
pub mod parquet;
pub mod scalar;
pub mod sort;
pub mod temporal;
pub mod text;
pub mod window;

pub use frame::Partition;
/// The polars types that appear in Partita's public API.
pub mod polars {
    pub use polars_core::prelude::{
        BooleanChunked, Column, DataFrame, DataType as PlDataType, IntoColumn, IntoSeries,
        NamedFrom, Series, TimeUnit as PlTimeUnit,
    };
}
