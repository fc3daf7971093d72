//! `newsdex similar ID`: an article id in, the articles most like it out,
//! ranked, in the output formats of `search`.

use std::io::Write;
use std::path::Path;

use crate::cli::SimilarArgs;
use crate::error::{Error, ExitCode};
use crate::index::NewsIndex;
use crate::search::output::{Format, write};
use crate::search::{Page, Sort, search_query, similar_query};

pub fn run(dir: &Path, a: SimilarArgs) -> anyhow::Result<ExitCode> {
    let format = Format::parse(&a.format)?;
    let facets = super::search::parse_facets(&a.facets)?;
    let color = super::color(&a.color)? && format == Format::Table;
    let news = NewsIndex::open(dir)?;
    let Some(query) = similar_query(&news, &a.id)? else {
        return Err(Error::Usage(format!(
            "no article with id {:?} in {}",
            a.id,
            dir.display()
        ))
        .into());
    };
    let page = Page {
        limit: a.limit,
        offset: a.offset,
        facets,
        facet_size: a.facet_size,
        snippet_chars: 160,
    };
    let result = search_query(&news, &*query, true, Sort::Relevance, None, &page)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    write(&mut out, &result, format, a.offset, color, super::width())?;
    out.flush()?;
    Ok(if result.total == 0 {
        ExitCode::NoHits
    } else {
        ExitCode::Success
    })
}
