//! Search, the fourth pipeline stage: a query string and filters in, ranked
//! hits (with snippets and entities), the total count and facet counts over
//! all hits out. [`query`] parses the query language, [`request`] adds the
//! filters, [`collect`] gathers the hits, [`order`] ranks them, [`hits`]
//! reads what is shown of them, [`tally`] counts facets.

pub mod collect;
pub mod columns;
pub mod facet_names;
pub mod hits;
pub mod order;
pub mod query;
pub mod request;
pub mod resolved;
pub mod snippet;
pub mod tally;

pub use collect::{AllHits, RawHit, TopHits};
pub use columns::{IdReader, StrReader, Terms};
pub use facet_names::{FacetNames, facet_names, facet_reader};
pub use hits::{Hit, HitEntities, HitReader, day, stored_str};
pub use order::order;
pub use request::{Compiled, Filters, Request, Sort, apply_recency, parse_half_life};
pub use resolved::top_resolved;
pub use tally::{FacetTally, Tally, top_facets};

use tantivy::Searcher;

use crate::error::Result;
use crate::index::NewsIndex;

/// Facet counts per kind: (name, article count), most frequent first.
pub type FacetCounts = Vec<(String, Vec<(String, u64)>)>;

/// The facets a user may ask for.
pub const FACET_KINDS: &[&str] = &["person", "org", "location", "misc", "source", "category"];

/// A search's answer.
pub struct SearchResult {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: FacetCounts,
}

/// What to show of a search.
#[derive(Debug, Clone)]
pub struct Page {
    pub limit: usize,
    pub offset: usize,
    pub facets: Vec<String>,
    pub facet_size: usize,
    pub snippet_chars: usize,
}

/// Runs a search: ranks all hits, counts facets over all of them, reads
/// the requested page.
pub fn search(news: &NewsIndex, compiled: &Compiled, page: &Page) -> Result<SearchResult> {
    let searcher = news.searcher()?;
    let tally = FacetTally {
        kinds: page.facets.clone(),
        names: None,
        keep_hits: !compiled.names.is_empty(),
    };
    let ids = IdReader::new(&searcher);
    let found = ranked(
        &searcher,
        compiled,
        Some(page.offset + page.limit),
        Some(tally),
        &ids,
    )?;
    let counts = found.tally.unwrap_or_default();
    let reader = HitReader::new(news, &searcher, &*compiled.query, page.snippet_chars)?
        .resolving(compiled.names.clone());
    let mut hits = Vec::new();
    for (i, raw) in found.hits.iter().enumerate().skip(page.offset) {
        hits.push(reader.read(i + 1, raw)?);
    }
    let facets = page
        .facets
        .iter()
        .map(|kind| {
            let top = top_resolved(
                news,
                &searcher,
                &counts,
                kind,
                page.facet_size,
                &compiled.names,
            )?;
            Ok((kind.clone(), top))
        })
        .collect::<Result<_>>()?;
    Ok(SearchResult {
        total: found.total,
        hits,
        facets,
    })
}

/// What [`ranked`] finds.
pub struct Ranked {
    /// The first hits asked for, ordered.
    pub hits: Vec<RawHit>,
    /// The number of all hits.
    pub total: usize,
    /// Facet counts over all hits, when asked for.
    pub tally: Option<Tally>,
}

/// The first `keep` hits of a query (all when None), ordered, with the
/// number of hits and, when `tally` is given, facet counts over all of
/// them, from one pass over the index. Relevance order without recency
/// needs only the best: [`TopHits`]; otherwise every hit with its date:
/// [`AllHits`].
pub fn ranked(
    searcher: &Searcher,
    compiled: &Compiled,
    keep: Option<usize>,
    tally: Option<FacetTally>,
    ids: &IdReader,
) -> Result<Ranked> {
    let Compiled {
        query,
        scored,
        sort,
        recency,
        names: _,
    } = compiled;
    let query = &**query;
    let scoring = *scored;
    let top = keep.filter(|_| scoring && *sort == Sort::Relevance && recency.is_none());
    let (mut hits, total, tally) = match (top, tally) {
        (Some(k), None) => {
            let (hits, n) = searcher.search(query, &TopHits { k })?;
            (hits, n, None)
        }
        (Some(k), Some(t)) => {
            let ((hits, n), counts) = searcher.search(query, &(TopHits { k }, t))?;
            (hits, n, Some(counts))
        }
        (None, None) => {
            let hits = searcher.search(query, &AllHits { scoring })?;
            let n = hits.len();
            (hits, n, None)
        }
        (None, Some(t)) => {
            let (hits, counts) = searcher.search(query, &(AllHits { scoring }, t))?;
            let n = hits.len();
            (hits, n, Some(counts))
        }
    };
    if let Some(h) = recency {
        apply_recency(&mut hits, *h);
    }
    order(&mut hits, *sort, keep, ids);
    Ok(Ranked { hits, total, tally })
}

/// Every hit of a query in index order, not yet ordered ([`order`]), for
/// callers with other work to do beside the ordering (export reads the
/// hits' columns meanwhile).
pub fn unordered(searcher: &Searcher, compiled: &Compiled) -> Result<Vec<RawHit>> {
    let scoring = compiled.scored;
    let mut hits = searcher.search(&*compiled.query, &AllHits { scoring })?;
    if let Some(h) = compiled.recency {
        apply_recency(&mut hits, h);
    }
    Ok(hits)
}

/// The addresses of every hit of a request, in index order, or of every
/// article when the request has no query and no filter (the answers that
/// count over hits: entities, cooccur, timeline).
pub fn matching(
    news: &NewsIndex,
    searcher: &Searcher,
    request: &Request,
) -> Result<Vec<tantivy::DocAddress>> {
    if request.query.is_none() && request.filters.is_empty() {
        let mut all = Vec::new();
        for (ord, seg) in searcher.segment_readers().iter().enumerate() {
            let alive = seg.alive_bitset();
            for doc in 0..seg.max_doc() {
                if alive.is_none_or(|al| al.is_alive(doc)) {
                    all.push(tantivy::DocAddress::new(ord as u32, doc));
                }
            }
        }
        return Ok(all);
    }
    let compiled = request.compile(news)?;
    Ok(searcher
        .search(&*compiled.query, &AllHits { scoring: false })?
        .into_iter()
        .map(|h| h.addr)
        .collect())
}
