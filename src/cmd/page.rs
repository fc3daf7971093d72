//! A page of hits shown, for `search` and `similar`: the page flags
//! checked, the result written to stdout or as a workbook.

use std::io::Write;
use std::path::PathBuf;

use serde_json::json;

use crate::cli::PageArgs;
use crate::error::{Error, ExitCode};
use crate::export::page::{Format, write, write_workbook};
use crate::export::provenance;
use crate::index::NewsIndex;
use crate::search::{Page, Request, SearchResult};

/// A page of hits to show and how to render it (search and similar).
pub struct Shown {
    pub page: Page,
    format: Format,
    color: bool,
    /// The workbook to write (xlsx only).
    output: Option<PathBuf>,
}

impl Shown {
    /// Checks the page flags.
    pub fn new(a: &PageArgs) -> Result<Shown, Error> {
        let format = Format::parse(&a.format)?;
        match (format, &a.output) {
            (Format::Xlsx, None) => {
                return Err(Error::Usage(
                    "--format xlsx needs -o FILE.xlsx (a workbook is a file, not a stream)".into(),
                ));
            }
            (Format::Xlsx, Some(_)) | (_, None) => {}
            (_, Some(_)) => {
                return Err(Error::Usage(
                    "-o: only --format xlsx writes a file (the other formats go to stdout)".into(),
                ));
            }
        }
        Ok(Shown {
            page: Page {
                limit: a.limit,
                offset: a.offset,
                facets: super::parse_facets(&a.facets)?,
                facet_size: a.facet_size,
                snippet_chars: 160,
            },
            color: super::color(&a.color)? && format == Format::Table,
            format,
            output: a.output.clone(),
        })
    }

    /// Writes the result to stdout, or as a workbook with the provenance of
    /// `request`; exit 0 with hits, 1 without.
    pub fn print(
        &self,
        news: &NewsIndex,
        request: &Request,
        result: &SearchResult,
    ) -> anyhow::Result<ExitCode> {
        if let Some(path) = &self.output {
            let extra = json!({"command": "search", "format": "xlsx", "limit": self.page.limit,
                "offset": self.page.offset, "total": result.total, "hits": result.hits.len()});
            let meta = provenance::record(news, &news.searcher()?, request, extra)?;
            let cut = match write_workbook(result, path, &meta)? {
                0 => String::new(),
                n => format!(" ({n} cells cut at Excel's 32,767 characters)"),
            };
            let (n, path) = (result.hits.len(), path.display());
            eprintln!("newsdex: wrote {n} hits to {path}{cut}");
            return Ok(exit_code(result));
        }
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
        Ok(exit_code(result))
    }
}

/// 0 with hits, 1 without.
fn exit_code(result: &SearchResult) -> ExitCode {
    if result.total == 0 {
        ExitCode::NoHits
    } else {
        ExitCode::Success
    }
}
