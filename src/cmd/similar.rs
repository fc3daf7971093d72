//! `newsdex similar ID`: an article id in, the articles most like it out,
//! ranked, in the output formats of `search`.

use std::path::Path;

use super::page::Shown;
use crate::answers::similar::similar_query;
use crate::cli::SimilarArgs;
use crate::error::{Error, ExitCode};
use crate::index::NewsIndex;
use crate::search::{Compiled, Filters, Request, Sort, search};

pub fn run(dir: &Path, a: SimilarArgs) -> anyhow::Result<ExitCode> {
    let shown = Shown::new(&a.page)?;
    let news = NewsIndex::open(dir)?;
    let Some(query) = similar_query(&news, &a.id)? else {
        return Err(Error::Usage(format!(
            "no article with id {:?} in {}",
            a.id,
            dir.display()
        ))
        .into());
    };
    let compiled = Compiled {
        names: crate::names::resolver(&news.dir)?,
        ..Compiled::by_relevance(query)
    };
    let result = search(&news, &compiled, &shown.page)?;
    // What a workbook's provenance records of the question.
    let request = Request {
        query: Some(format!("similar to {}", a.id)),
        any: false,
        recency: None,
        filters: Filters::default(),
        sort: Sort::Relevance,
        resolve: true,
    };
    shown.print(&news, &request, &result)
}
