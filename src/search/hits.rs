//! Hits as shown: a hit's stored fields read, its entities listed, its
//! snippet made.

use std::sync::Arc;

use serde::Serialize;
use tantivy::Searcher;
use tantivy::query::Query;
use tantivy::schema::{Facet, TantivyDocument, Value};

use super::{RawHit, snippet};
use crate::analyze::EntityType;
use crate::error::Result;
use crate::index::NewsIndex;
use crate::ingest::date::{format_day, format_rfc3339};
use crate::names::Resolver;

/// Entities of a hit, per type, each list in name (byte) order.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct HitEntities {
    pub person: Vec<String>,
    pub org: Vec<String>,
    pub location: Vec<String>,
    pub misc: Vec<String>,
}

impl HitEntities {
    pub fn of(&self, t: EntityType) -> &[String] {
        match t {
            EntityType::Person => &self.person,
            EntityType::Org => &self.org,
            EntityType::Location => &self.location,
            EntityType::Misc => &self.misc,
        }
    }
}

/// One search hit, as shown and exported.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    pub rank: usize,
    pub score: f32,
    pub id: String,
    pub title: String,
    pub date: Option<String>,
    pub source: Option<String>,
    pub url: Option<String>,
    pub category: Option<String>,
    pub snippet: String,
    pub entities: HitEntities,
    /// Byte ranges of matched terms in `snippet`.
    #[serde(skip)]
    pub highlights: Vec<std::ops::Range<usize>>,
    #[serde(skip)]
    pub body: String,
}

/// Reads stored fields and makes snippets for hits.
pub struct HitReader<'a> {
    news: &'a NewsIndex,
    searcher: &'a Searcher,
    snippets: Option<snippet::Snippets>,
    snippet_chars: usize,
    /// What each entity name goes by (empty: the names as indexed).
    names: Arc<Resolver>,
}

impl<'a> HitReader<'a> {
    /// `snippet_chars` 0: no snippets.
    pub fn new(
        news: &'a NewsIndex,
        searcher: &'a Searcher,
        query: &dyn Query,
        snippet_chars: usize,
    ) -> Result<Self> {
        let snippets = if snippet_chars > 0 {
            // Terms weighted as tantivy's `SnippetGenerator::create` weighs
            // them, with an analyzer that stems only the body words that
            // could match a term.
            let body = news.fields.body;
            let mut terms: std::collections::BTreeSet<tantivy::Term> = Default::default();
            query.query_terms(&mut |term, _| {
                if term.field() == body {
                    terms.insert(term.clone());
                }
            });
            let mut weighted: std::collections::BTreeMap<String, f32> = Default::default();
            for term in terms {
                let value = term.value();
                let Some(text) = value.as_str() else {
                    continue;
                };
                let docs = searcher.doc_freq(&term)?;
                if docs > 0 {
                    weighted.insert(text.to_string(), 1.0 / (1.0 + docs as f32));
                }
            }
            let analyzer = crate::schema::SchemaDecl::embedded()
                .snippet_analyzer("body", weighted.keys().map(String::as_str))?;
            Some(snippet::Snippets::new(weighted, analyzer, snippet_chars))
        } else {
            None
        };
        Ok(HitReader {
            news,
            searcher,
            snippets,
            snippet_chars,
            names: Arc::default(),
        })
    }

    /// Hits list each entity under the name it goes by in `names`, once.
    pub fn resolving(mut self, names: Arc<Resolver>) -> Self {
        self.names = names;
        self
    }

    /// Reads one hit.
    pub fn read(&self, rank: usize, raw: &RawHit) -> Result<Hit> {
        let f = &self.news.fields;
        let doc: TantivyDocument = self.searcher.doc(raw.addr)?;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let body = text(f.body).unwrap_or_default();
        let mut entities = HitEntities::default();
        for v in doc.get_all(f.facet) {
            // A facet field's value (schemas 1, 2) or an encoded path.
            let Some(encoded) = v.as_facet().or_else(|| v.as_str()) else {
                continue;
            };
            let Ok(facet) = Facet::from_encoded(encoded.as_bytes().to_vec()) else {
                continue;
            };
            let parts: Vec<&str> = facet.to_path();
            if parts.len() != 2 {
                continue;
            }
            let Some(kind) = EntityType::from_name(parts[0]) else {
                continue;
            };
            let name = self.names.lead(kind, parts[1]).to_string();
            match parts[0] {
                "person" => entities.person.push(name),
                "org" => entities.org.push(name),
                "location" => entities.location.push(name),
                "misc" => entities.misc.push(name),
                _ => {}
            }
        }
        // In name order, as the facet column gives them (export reads them
        // from there).
        for names in [
            &mut entities.person,
            &mut entities.org,
            &mut entities.location,
            &mut entities.misc,
        ] {
            names.sort_unstable();
            names.dedup();
        }
        let (snippet, highlights) = match &self.snippets {
            Some(g) => match g.snippet(&body) {
                Some(found) => found,
                None => (lead(&body, self.snippet_chars), Vec::new()),
            },
            None => (String::new(), Vec::new()),
        };
        let (snippet, highlights) = flatten_whitespace(&snippet, &highlights);
        Ok(Hit {
            rank,
            score: raw.score,
            id: text(f.id).unwrap_or_default(),
            title: text(f.title).unwrap_or_default(),
            date: raw.date.map(format_rfc3339),
            source: text(f.source),
            url: text(f.url),
            category: text(f.category),
            snippet,
            entities,
            highlights,
            body,
        })
    }
}

/// The first `max` characters of a text, cut at a word boundary.
fn lead(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => {
            let head = &text[..cut];
            let end = head.rfind(char::is_whitespace).unwrap_or(cut);
            head[..end].trim_end().to_string()
        }
    }
}

/// Replaces runs of whitespace by one space, moving highlight ranges along.
fn flatten_whitespace(
    s: &str,
    ranges: &[std::ops::Range<usize>],
) -> (String, Vec<std::ops::Range<usize>>) {
    let mut out = String::with_capacity(s.len());
    let mut map = vec![0usize; s.len() + 1];
    let mut in_space = false;
    for (i, c) in s.char_indices() {
        map[i] = out.len();
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    map[s.len()] = out.len();
    let trimmed_start = out.len() - out.trim_start().len();
    let new_ranges = ranges
        .iter()
        .map(|r| {
            map[r.start].saturating_sub(trimmed_start)..map[r.end].saturating_sub(trimmed_start)
        })
        .collect();
    (out.trim().to_string(), new_ranges)
}

/// The value of a stored text field, for callers outside this module.
pub fn stored_str(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// Day of a hit's date, for compact displays.
pub fn day(date: &Option<String>) -> String {
    date.as_deref()
        .and_then(crate::ingest::date::parse_date)
        .map(format_day)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_cuts_at_a_word() {
        assert_eq!(lead("one two three", 9), "one two");
        assert_eq!(lead("short", 100), "short");
    }

    #[test]
    fn whitespace_is_flattened_and_highlights_follow() {
        let (s, r) = flatten_whitespace("a\n\n  bc d", &[std::ops::Range { start: 5, end: 7 }]);
        assert_eq!(s, "a bc d");
        assert_eq!(&s[r[0].clone()], "bc");
    }
}
