//! A search request: the query string, the flag filters and the order, as
//! the commands give them, and the tantivy query built from them (the
//! query scored, the filters not).

use std::sync::Arc;

use serde::Serialize;
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query};

use super::RawHit;
use super::query;
use crate::analyze::EntityType;
use crate::error::{Error, Result};
use crate::index::NewsIndex;
use crate::names::Resolver;

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Best score first; ties by id.
    Relevance,
    /// Oldest first; undated last.
    Date,
    /// Newest first; undated last.
    #[serde(rename = "-date")]
    DateDesc,
}

impl Sort {
    /// Parses `relevance`, `date` or `-date`.
    pub fn parse(s: &str) -> Result<Sort> {
        match s {
            "relevance" | "score" => Ok(Sort::Relevance),
            "date" | "+date" => Ok(Sort::Date),
            "-date" => Ok(Sort::DateDesc),
            other => Err(Error::Usage(format!(
                "--sort: expected relevance, date or -date, got {other:?}"
            ))),
        }
    }
}

/// Filters given as flags; each list is ANDed for entities (articles that
/// mention all the names) and ORed for sources (an article has one source).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Filters {
    pub person: Vec<String>,
    pub org: Vec<String>,
    pub location: Vec<String>,
    pub misc: Vec<String>,
    pub source: Vec<String>,
    /// UTC seconds, inclusive.
    pub since: Option<i64>,
    /// UTC seconds, exclusive.
    pub until: Option<i64>,
}

impl Filters {
    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.person.is_empty()
            && self.org.is_empty()
            && self.location.is_empty()
            && self.misc.is_empty()
            && self.source.is_empty()
            && self.since.is_none()
            && self.until.is_none()
    }
}

/// A query with its filters and order: what search, export and batch run.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub query: Option<String>,
    /// Adjacent terms ORed (`--any`).
    pub any: bool,
    pub filters: Filters,
    pub sort: Sort,
    /// Half-life in seconds: scores decay with article age (`--recency`).
    pub recency: Option<i64>,
    /// Names resolved across articles by the index's name table: facets
    /// count an entity once under the name it goes by, and a filter on any
    /// of its names finds all of them (`--no-resolve` turns it off).
    pub resolve: bool,
}

/// Parses a half-life such as `30d`, `12h`, `2w` or `1y` into seconds.
pub fn parse_half_life(s: &str) -> Result<i64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
        Error::Usage(format!(
            "--recency: expected a half-life such as 30d, 12h, 2w or 1y, got {s:?}"
        ))
    })?;
    let unit = match unit {
        "h" => 3600,
        "d" | "" => 86_400,
        "w" => 7 * 86_400,
        "m" => 30 * 86_400,
        "y" => 365 * 86_400,
        other => {
            return Err(Error::Usage(format!(
                "--recency: unknown unit {other:?} in {s:?}; use h, d, w, m or y"
            )));
        }
    };
    Ok(n * unit)
}

/// Decays scores with age: a hit one half-life older than the newest dated
/// hit keeps half its score. The origin is the newest hit, not today, so
/// the same index gives the same order tomorrow; undated hits keep their
/// score.
pub fn apply_recency(hits: &mut [RawHit], half_life: i64) {
    let Some(origin) = hits.iter().filter_map(|h| h.date).max() else {
        return;
    };
    for h in hits.iter_mut() {
        if let Some(d) = h.date {
            let age = (origin - d).max(0) as f64;
            h.score *= 0.5f64.powf(age / half_life as f64) as f32;
        }
    }
}

/// A request's tantivy query, with how its hits are ranked.
pub struct Compiled {
    pub query: Box<dyn Query>,
    /// Whether hits are scored: a query string is; filters alone are not.
    pub scored: bool,
    pub sort: Sort,
    /// Half-life in seconds of [`apply_recency`].
    pub recency: Option<i64>,
    /// The index's name table (empty: raw names).
    pub names: Arc<Resolver>,
}

impl Compiled {
    /// A query of the caller's own (more like this), ranked by relevance.
    pub fn by_relevance(query: Box<dyn Query>) -> Compiled {
        Compiled {
            query,
            scored: true,
            sort: Sort::Relevance,
            recency: None,
            names: Arc::default(),
        }
    }
}

impl Request {
    /// Builds the request's query and ranking.
    pub fn compile(&self, news: &NewsIndex) -> Result<Compiled> {
        let names = if self.resolve {
            crate::names::resolver(&news.dir)?
        } else {
            Arc::default()
        };
        Ok(Compiled {
            query: self.build(news, &names)?,
            scored: self.query.is_some(),
            sort: self.sort,
            recency: self.recency,
            names,
        })
    }

    /// Builds the tantivy query: the parsed query (scored) and the filters
    /// (not scored).
    fn build(&self, news: &NewsIndex, names: &Resolver) -> Result<Box<dyn Query>> {
        let f = news.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(q) = &self.query {
            clauses.push((
                Occur::Must,
                query::compile(&news.index, f, q, self.any, names)?,
            ));
        } else if self.filters.is_empty() {
            return Err(Error::Usage(
                "give a QUERY or a filter (--person, --org, --location, --misc, --source, --since, --until)"
                    .into(),
            ));
        }
        let filter = |q: Box<dyn Query>| -> (Occur, Box<dyn Query>) {
            (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
        };
        let tok = news.index.tokenizers();
        for (kind, list) in [
            (EntityType::Person, &self.filters.person),
            (EntityType::Org, &self.filters.org),
            (EntityType::Location, &self.filters.location),
            (EntityType::Misc, &self.filters.misc),
        ] {
            for name in list {
                clauses.push(filter(query::entity_query(
                    tok,
                    f.entity_field(kind),
                    &names.names(kind, name),
                )));
            }
        }
        if !self.filters.source.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> = self
                .filters
                .source
                .iter()
                .map(|s| (Occur::Should, query::name_query(tok, f.source, s, false)))
                .collect();
            clauses.push(filter(Box::new(BooleanQuery::new(any))));
        }
        if self.filters.since.is_some() || self.filters.until.is_some() {
            clauses.push(filter(query::date_range(
                f.date,
                self.filters.since,
                self.filters.until,
            )));
        }
        if self.query.is_none() {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::DocAddress;

    #[test]
    fn recency_halves_per_half_life() {
        assert_eq!(parse_half_life("30d").unwrap(), 30 * 86_400);
        assert_eq!(parse_half_life("12h").unwrap(), 12 * 3600);
        assert!(parse_half_life("soon").is_err());
        assert!(parse_half_life("3x").is_err());
        let hit = |score, date| RawHit {
            score,
            date,
            addr: DocAddress::new(0, 0),
            place: 0,
        };
        let mut hits = vec![
            hit(1.0, Some(100 * 86_400)),
            hit(1.0, Some(70 * 86_400)),
            hit(1.0, None),
        ];
        apply_recency(&mut hits, 30 * 86_400);
        assert_eq!(hits[0].score, 1.0);
        assert!((hits[1].score - 0.5).abs() < 1e-6);
        assert_eq!(hits[2].score, 1.0);
    }

    #[test]
    fn sort_parses() {
        assert_eq!(Sort::parse("-date").unwrap(), Sort::DateDesc);
        assert!(Sort::parse("size").is_err());
    }
}
