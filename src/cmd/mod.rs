//! One file per subcommand: command-line arguments in (the clap layer in
//! `cli.rs`), typed configs built and checked once, the library called, an
//! exit code out.

pub mod batch;
pub mod completions;
pub mod cooccur;
pub mod entities;
pub mod export;
pub mod index;
pub mod ner;
pub mod page;
pub mod search;
pub mod similar;
pub mod stats;
pub mod timeline;

mod args;
mod request;

pub use args::{check_format, color, entity_types, parse_facets, width};
pub use request::{names, request};

use crate::cli::{Cli, Command};
use crate::error::ExitCode;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Index(a) => index::run(&cli.index, a),
        Command::Search(a) => search::run(&cli.index, a),
        Command::Export(a) => export::run(&cli.index, a),
        Command::Stats(a) => stats::run(&cli.index, a),
        Command::Entities(a) => entities::run(&cli.index, a),
        Command::Cooccur(a) => cooccur::run(&cli.index, a),
        Command::Timeline(a) => timeline::run(&cli.index, a),
        Command::Batch(a) => batch::run(&cli.index, a),
        Command::Similar(a) => similar::run(&cli.index, a),
        Command::Ner(c) => ner::run(c),
        Command::Completions(a) => completions::run(a.shell),
        Command::Man(a) => completions::man(a.dir.as_deref()),
    }
}
