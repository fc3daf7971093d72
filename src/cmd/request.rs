//! The query flags every searching command shares, checked and turned into
//! a search [`Request`].

use std::path::Path;
use std::sync::Arc;

use crate::cli::QueryArgs;
use crate::error::{Error, Result};
use crate::names::Resolver;
use crate::search::query::date_period;
use crate::search::{Filters, Request, Sort};

/// The index's name table for a request: empty with `--no-resolve`.
pub fn names(dir: &Path, request: &Request) -> Result<Arc<Resolver>> {
    if request.resolve {
        crate::names::resolver(dir)
    } else {
        Ok(Arc::default())
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
        resolve: !a.no_resolve,
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
