//! # partita-cli
//!
//! The `partita` command: SQL over Partita's lazy partitioned frames, with pandas
//! or Spark semantics.
//!
//! - No arguments, standard input a terminal: an interactive shell ([`repl`]) with
//!   history, multi-line input ended by `;`, dot commands, and Ctrl-C to cancel a
//!   running query.
//! - Standard input a pipe or a file: the statements and dot commands it holds run
//!   in order ([`shell::Shell::run_script`]).
//! - `partita sql "<query>" [--table NAME=PATH ...] [--format table|csv|json]`: one
//!   shot.
//!
//! Two demo tables are always there: `df` and `flights` ([`demo`]). See
//! `docs/repl.md`.
//!
//! This crate depends on the `partita` facade only (layer 4 of
//! `docs/architecture.md`).
#![deny(missing_docs)]

pub mod cli;
pub mod demo;
pub mod output;
pub mod repl;
pub mod script;
pub mod shell;
