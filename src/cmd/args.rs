//! Checks of flags several commands share: `--format`, `--type`,
//! `--color`, and the terminal width.

use std::io::IsTerminal;

use crate::error::{Error, Result};
use crate::search::FACET_KINDS;

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

/// Parses `--facets person,org` (or `none`, or `all`).
pub fn parse_facets(spec: &str) -> Result<Vec<String>> {
    match spec.trim() {
        "none" => return Ok(Vec::new()),
        "all" => return Ok(FACET_KINDS.iter().map(|k| k.to_string()).collect()),
        _ => {}
    }
    spec.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            if FACET_KINDS.contains(&s) {
                Ok(s.to_string())
            } else {
                Err(Error::Usage(format!(
                    "--facets: unknown facet {s:?}; facets are {} (or all, or none)",
                    FACET_KINDS.join(", ")
                )))
            }
        })
        .collect()
}
