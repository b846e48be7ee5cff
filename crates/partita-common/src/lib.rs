//! # partita-common
//!
//! The leaf crate of Partita. It owns what every other crate speaks:
//!
//! - [`Error`] and [`Result`]: one error type whose variant says who is at fault (the
//!   SQL text, the plan, the data, a task, Partita itself), with SQL positions.
//! - [`Semantics`]: the switches where pandas and Spark answer differently, with the
//!   presets [`Semantics::pandas`] and [`Semantics::spark`]. Plain runtime data.
//! - [`SessionConfig`]: workers, partitions, merge fan-in (`split_every`) and
//!   GROUP BY output partitions (`split_out`).
//! - The shared vocabulary of the plan and the kernels: [`DataType`], [`ScalarValue`],
//!   [`Schema`], [`BinaryOperator`], [`ScalarFunction`], [`AggregateFunction`], [`SortKey`].
//!
//! ```
//! use partita_common::{Semantics, NullGroupKeys, Schema, Field, DataType};
//! let spark = Semantics::spark();
//! assert_eq!(spark.null_group_keys, NullGroupKeys::Keep);
//! let schema = Schema::new(vec![Field::new("ID", DataType::Int64)]);
//! assert_eq!(schema.resolve("id", &spark).unwrap(), 0);
//! assert!(schema.resolve("id", &Semantics::pandas()).is_err());
//! ```
#![deny(missing_docs)]

mod config;
mod error;
pub mod float;
mod functions;
mod semantics;
pub mod temporal;
mod types;
mod window;

pub use config::SessionConfig;
pub use error::{
    catch_library_panic, in_library_call, nearest_name, panic_message, Error, Reference, Result,
    Span, IN_EXPRESSION,
};
pub use functions::{
    AggregateFunction, BinaryOperator, DatePart, NullPlacement, ScalarFunction, SortKey,
};
pub use semantics::{
    CaseMapping, Categoricals, CsvNulls, CsvTypes, DateDiff, DateText, DayOfWeek, DefaultNullOrder,
    DivisionByZero, EmptySum, FirstLastNulls, GroupOrder, IdentifierCase, IntWithNulls,
    IntegerDivision, IntegerOverflow, JoinNullKeys, Logic, NanSemantics, NullGroupKeys,
    NumericPromotion, RepeatedNames, Rounding, Semantics, TextFormat, TimeZones, UsingColumns,
    WindowResults, SWITCH_NAMES,
};
pub use types::{
    decimal_digits_text, decimal_parts, decimal_text, intern, parse_decimal, shown_name,
    tag_repeats, Categories, DataType, Field, ScalarValue, Schema, SchemaRef, TimeUnit, TimeZone,
    REPEAT_TAG,
};
pub use window::{FrameBound, PandasRankMethod, WindowFrame, WindowFunction, WindowSpec};
