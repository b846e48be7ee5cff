//! # partita-plan
//!
//! The logical plan of Partita: what a query means, before anything runs.
//!
//! - [`Expr`] is an expression over a row (or, inside an aggregate, a group), built
//!   with [`col`], [`lit`] and methods such as [`Expr::gt`] or [`Expr::mean`].
//! - [`LogicalPlan`] is a tree of validated nodes ([`Scan`], [`Filter`],
//!   [`Projection`], [`Aggregate`], [`Sort`], [`Limit`], [`Distinct`],
//!   [`MapPartitions`], [`Repartition`]). Each node is built by a `try_new` that
//!   resolves names and checks types under a [`Semantics`](partita_common::Semantics),
//!   and carries its output schema.
//! - [`optimizer`] rewrites a plan with one rule per file, to a fixed point, checking
//!   that every rule keeps the schema.
//!
//! The plan never touches data: [`TableSource`] and [`PartitionFunction`] are
//! opaque here, and `partita-exec` knows their concrete kinds.
//!
//! ```
//! use partita_plan::{col, lit, Expr};
//! let e: Expr = col("x").gt(lit(1)).and(col("y").is_not_null());
//! assert_eq!(e.column_refs(), vec!["x".to_string(), "y".to_string()]);
//! ```
#![deny(missing_docs)]

mod builder;
mod expr;
pub mod optimizer;
mod plan;
mod tree;
mod window;

pub use builder::{AggregateSplit, LogicalPlanBuilder};
pub use expr::{
    case, coalesce, col, common_type, corr, count_distinct, count_star, lit, lit_null,
    literal_text, literal_type, numeric_supertype, when, Case, DtAccessor, Expr, Then, When,
};
pub use partita_common::{FrameBound, WindowFrame, WindowFunction, WindowSpec};
pub use plan::{
    Aggregate, Distinct, EmptyRelation, Filter, Join, JoinKey, JoinType, Limit, LogicalPlan,
    MapPartitions, PartitionFunction, Projection, Repartition, Scan, Sort, SortExpr, TableSource,
    TopKPerGroup, Union,
};
pub use tree::{Recursion, Transformed};
pub use window::{ResolvedWindow, Window, WindowCall, WindowExpr};
