//! One record made ready to index, on the tagging pool: parsed, hashed,
//! compared with the last commit, tagged, and turned into a tantivy
//! document.

use rustc_hash::FxHashSet;
use tantivy::schema::{Facet, IndexRecordOption, TantivyDocument, Term};
use tantivy::{DateTime, Searcher};

use super::{IndexConfig, IndexMeta};
use crate::analyze::{EntityType, Mention, summarise};
use crate::ingest::{self, Article, RawRecord};
use crate::schema::Fields;

/// The result of preparing one record in parallel.
pub(super) enum Prepared {
    Doc {
        id: String,
        id_derived: bool,
        doc: Box<TantivyDocument>,
        warnings: Vec<ingest::Warning>,
        mentions: [u64; 4],
        existed: bool,
    },
    Unchanged {
        id: String,
        id_derived: bool,
        warnings: Vec<ingest::Warning>,
    },
    Rejected {
        reason: String,
    },
}

/// What goes into every record's hash beside its content: the analysis
/// settings. A new model, a new way of tagging with it or a new alias table
/// re-indexes records even if their text is the same.
pub(super) fn fingerprint(config: &IndexConfig, meta: &IndexMeta, model_version: &str) -> String {
    format!(
        "schema={};model={}{};aliases={}",
        meta.schema_version,
        model_version,
        config.tagger.as_ref().map_or(String::new(), |_| format!(
            "/tagging={}",
            crate::analyze::model::TAGGING
        )),
        config.tagger.as_ref().map_or(0, |t| t.aliases.fingerprint),
    )
}

/// Looks up the content hash of the article with `id` in the last commit.
fn existing_hash(searcher: &Searcher, fields: &Fields, id: &str) -> Option<u64> {
    let term = Term::from_field_text(fields.id, id);
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(fields.id).ok()?;
        let Ok(Some(mut postings)) = inverted.read_postings(&term, IndexRecordOption::Basic) else {
            continue;
        };
        let alive = segment.alive_bitset();
        let column = segment.fast_fields().u64("hash").ok()?;
        let mut doc = tantivy::DocSet::doc(&postings);
        while doc != tantivy::TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                return Some(column.first(doc).unwrap_or(0));
            }
            doc = tantivy::DocSet::advance(&mut postings);
        }
    }
    None
}

/// Prepares one record. With `base`, a record whose hash matches the last
/// commit's comes back [`Prepared::Unchanged`], untagged.
pub(super) fn prepare(
    raw: &RawRecord,
    config: &IndexConfig,
    fields: &Fields,
    fingerprint: &str,
    base: Option<&Searcher>,
) -> Prepared {
    let (article, warnings) = match ingest::parse_record(raw, &config.field_map) {
        Ok(x) => x,
        Err(reason) => return Prepared::Rejected { reason },
    };
    let hash = content_hash(&article, fingerprint);
    let existing = base.and_then(|s| existing_hash(s, fields, &article.id));
    if existing == Some(hash) {
        return Prepared::Unchanged {
            id: article.id,
            id_derived: article.id_derived,
            warnings,
        };
    }
    let mentions = match &config.tagger {
        Some(t) => t.analyze(&article.title, &article.body),
        None => Vec::new(),
    };
    let mut counts = [0u64; 4];
    for m in &mentions {
        counts[m.kind as usize] += 1;
    }
    let doc = build_doc(fields, &article, &mentions, hash);
    Prepared::Doc {
        id: article.id,
        id_derived: article.id_derived,
        doc: Box::new(doc),
        warnings,
        mentions: counts,
        existed: existing.is_some(),
    }
}

/// Hash of an article's content and the analysis settings.
pub fn content_hash(a: &Article, fingerprint: &str) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for part in [
        fingerprint,
        &a.id,
        &a.title,
        &a.body,
        a.source.as_deref().unwrap_or(""),
        a.url.as_deref().unwrap_or(""),
        a.category.as_deref().unwrap_or(""),
    ] {
        h.update(part.as_bytes());
        h.update(b"\x1f");
    }
    h.update(&a.date.unwrap_or(i64::MIN).to_le_bytes());
    h.digest()
}

/// Builds the tantivy document of an article and its entities.
pub fn build_doc(f: &Fields, a: &Article, mentions: &[Mention], hash: u64) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, &a.id);
    doc.add_text(f.title, &a.title);
    doc.add_text(f.body, &a.body);
    if let Some(d) = a.date {
        doc.add_date(f.date, DateTime::from_timestamp_secs(d));
    }
    let mut facets: Vec<Facet> = Vec::new();
    if let Some(s) = &a.source {
        doc.add_text(f.source, s);
        facets.push(Facet::from_path(["source", s.as_str()]));
    }
    if let Some(c) = &a.category {
        doc.add_text(f.category, c);
        facets.push(Facet::from_path(["category", c.as_str()]));
    }
    if let Some(u) = &a.url {
        doc.add_text(f.url, u);
    }
    let summaries = summarise(mentions);
    let mut surfaces: FxHashSet<&str> = FxHashSet::default();
    for m in mentions {
        if surfaces.insert(m.text.as_str()) {
            doc.add_text(f.entity, &m.text);
        }
    }
    for s in &summaries {
        let Some(kind) = EntityType::from_name(&s.kind) else {
            continue;
        };
        doc.add_text(f.entity_field(kind), &s.canonical);
        facets.push(Facet::from_path([kind.name(), s.canonical.as_str()]));
    }
    if f.facet_indexed {
        for facet in facets {
            doc.add_facet(f.facet, facet);
        }
    } else {
        // In the order of the column's dictionary (as tantivy orders a facet
        // field's values within a document): a document's facet ordinals
        // come back ascending, names in order within each root.
        facets.sort_unstable_by(|a, b| a.encoded_str().cmp(b.encoded_str()));
        for facet in &facets {
            doc.add_text(f.facet, facet.encoded_str());
        }
    }
    if !summaries.is_empty() {
        doc.add_text(f.mentions, crate::analyze::summaries_json(&summaries));
    }
    doc.add_u64(f.hash, hash);
    doc
}
