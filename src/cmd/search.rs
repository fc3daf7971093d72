//! `newsdex search`: a query and filters in, a page of ranked hits with
//! facet counts out; exit 0 with hits, 1 without.

use std::path::Path;

use super::page::Shown;
use crate::cli::SearchArgs;
use crate::error::ExitCode;
use crate::index::NewsIndex;
use crate::search::search;

pub fn run(dir: &Path, a: SearchArgs) -> anyhow::Result<ExitCode> {
    let request = super::request(&a.query)?;
    let shown = Shown::new(&a.page)?;
    let news = NewsIndex::open(dir)?;
    let result = search(&news, &request.compile(&news)?, &shown.page)?;
    shown.print(&news, &request, &result)
}
