//! One file per subcommand: command-line arguments in (the clap layer in
//! `cli.rs`), typed configs built and checked once, the library called, an
//! exit code out.

pub mod batch;
pub mod cooccur;
pub mod entities;
pub mod export;
pub mod index;
pub mod ner;
pub mod search;
pub mod similar;
pub mod stats;
pub mod timeline;

use std::io::IsTerminal;

use crate::cli::{Cli, Command, QueryArgs};
use crate::error::{Error, ExitCode, Result};
use crate::search::query::date_period;
use crate::search::{Filters, Request, Sort};

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
    }
}

/// Builds a search request from the query flags.
pub fn request(a: &QueryArgs) -> Result<Request> {
    let period = |flag: &str, s: &str| {
        date_period(s.trim()).ok_or_else(|| {
            Error::Usage(format!(
                "{flag}: {s:?} is not a day, month or year (2020-03-06, 2020-03, 2020)"
            ))
        })
    };
    let since = a
        .since
        .as_deref()
        .map(|s| period("--since", s))
        .transpose()?
        .map(|p| p.0);
    let until = a
        .until
        .as_deref()
        .map(|s| period("--until", s))
        .transpose()?
        .map(|p| p.1);
    let query = a.query.clone().filter(|q| !q.trim().is_empty());
    let sort = match &a.sort {
        Some(s) => Sort::parse(s)?,
        None if query.is_none() => Sort::DateDesc,
        None => Sort::Relevance,
    };
    let recency = a
        .recency
        .as_deref()
        .map(crate::search::parse_half_life)
        .transpose()?;
    Ok(Request {
        recency,
        query,
        any: a.any,
        filters: Filters {
            person: a.person.clone(),
            org: a.org.clone(),
            location: a.location.clone(),
            misc: a.misc.clone(),
            source: a.source.clone(),
            since,
            until,
        },
        sort,
    })
}

/// Checks `--format` against the values a command accepts.
pub fn check_format(format: &str, allowed: &[&str]) -> Result<()> {
    if allowed.contains(&format) {
        return Ok(());
    }
    let (last, rest) = allowed.split_last().unwrap_or((&"", &[]));
    let list = if rest.is_empty() {
        last.to_string()
    } else {
        format!("{} or {last}", rest.join(", "))
    };
    Err(Error::Usage(format!(
        "--format: expected {list}, got {format:?}"
    )))
}

/// Parses `--type person,org`.
pub fn entity_types(spec: &str) -> Result<Vec<crate::analyze::EntityType>> {
    spec.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            crate::analyze::EntityType::from_name(s).ok_or_else(|| {
                Error::Usage(format!(
                    "--type: unknown type {s:?}; types are person, org, location, misc"
                ))
            })
        })
        .collect()
}

/// Whether to colour output: `always`, `never`, or `auto` (a terminal, and
/// NO_COLOR unset).
pub fn color(choice: &str) -> Result<bool> {
    match choice {
        "always" => Ok(true),
        "never" => Ok(false),
        "auto" => Ok(std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()),
        other => Err(Error::Usage(format!(
            "--color: expected auto, always or never, got {other:?}"
        ))),
    }
}

/// Terminal width for tables (COLUMNS, else 100).
pub fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}
