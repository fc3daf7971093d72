//! newsdex: a command-line search engine for news corpora.
//!
//! The pipeline, one module per stage: [`ingest`] (files to records) ->
//! [`analyze`] (entity tagging and canonical names) -> [`index`] (tantivy
//! index, schema from [`schema`]) -> [`search`] (query language, ranking,
//! facets) -> [`export`] (every hit as CSV, TSV or JSON lines). [`cmd`]
//! holds one file per subcommand; `main.rs` only parses and maps the
//! outcome to an exit code.

pub mod analyze;
pub mod answers;
pub mod cli;
pub mod cmd;
pub mod error;
pub mod export;
pub mod index;
pub mod ingest;
pub mod names;
pub mod schema;
pub mod search;
pub mod train;
pub mod util;

#[cfg(test)]
mod testutil;

pub use error::{Error, ExitCode, Result};
