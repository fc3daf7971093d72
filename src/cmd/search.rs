//! `newsdex search`: a query and filters in, a page of ranked hits with
//! facet counts out; exit 0 with hits, 1 without.

use std::io::Write;
use std::path::Path;

use crate::cli::{PageArgs, SearchArgs};
use crate::error::{Error, ExitCode};
use crate::export::page::{Format, write};
use crate::index::NewsIndex;
use crate::search::{FACET_KINDS, Page, SearchResult, search};

pub fn run(dir: &Path, a: SearchArgs) -> anyhow::Result<ExitCode> {
    let request = super::request(&a.query)?;
    let shown = Shown::new(&a.page)?;
    let news = NewsIndex::open(dir)?;
    let result = search(&news, &request.compile(&news)?, &shown.page)?;
    shown.print(&result)
}

/// A page of hits to show and how to render it (search and similar).
pub struct Shown {
    pub page: Page,
    format: Format,
    color: bool,
}

impl Shown {
    /// Checks the page flags.
    pub fn new(a: &PageArgs) -> Result<Shown, Error> {
        let format = Format::parse(&a.format)?;
        Ok(Shown {
            page: Page {
                limit: a.limit,
                offset: a.offset,
                facets: parse_facets(&a.facets)?,
                facet_size: a.facet_size,
                snippet_chars: 160,
            },
            color: super::color(&a.color)? && format == Format::Table,
            format,
        })
    }

    /// Writes the result to stdout; exit 0 with hits, 1 without.
    pub fn print(&self, result: &SearchResult) -> anyhow::Result<ExitCode> {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        write(
            &mut out,
            result,
            self.format,
            self.page.offset,
            self.color,
            super::width(),
        )?;
        out.flush()?;
        Ok(if result.total == 0 {
            ExitCode::NoHits
        } else {
            ExitCode::Success
        })
    }
}

/// Parses `--facets person,org` (or `none`, or `all`).
pub fn parse_facets(spec: &str) -> Result<Vec<String>, Error> {
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
