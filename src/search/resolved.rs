//! Facet counts with names resolved across articles: the names of one
//! entity ([`Resolver`]) counted as one, under the name it goes by, each
//! article once however many of the entity's names it holds.
//!
//! The tally counts by indexed name; an entity's count is at most the sum
//! of its names' counts, and exactly that when it has one name among the
//! hits. Entities are taken in the order of those sums, and an entity with
//! several names among the hits is counted exactly (the articles holding
//! any of its names, from the keyword field's postings, within the hits)
//! only while its sum could still reach the list: the `k` names come out
//! exact after counting a few entities, not all of them.

use rustc_hash::FxHashMap;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, Searcher, TERMINATED, Term};

use super::query::normal_name;
use super::{Tally, top_facets};
use crate::analyze::EntityType;
use crate::error::{Error, Result};
use crate::index::NewsIndex;
use crate::names::Resolver;

/// The `k` most frequent entities under `root` (most articles first, ties
/// by name), their names resolved by `names`; [`top_facets`] for roots that
/// are not entity types or when nothing is resolved.
pub fn top_resolved(
    news: &NewsIndex,
    searcher: &Searcher,
    counts: &Tally,
    root: &str,
    k: usize,
    names: &Resolver,
) -> Result<Vec<(String, u64)>> {
    let kind = match EntityType::from_name(root) {
        Some(kind) if !names.is_empty() && k > 0 => kind,
        _ => return Ok(top_facets(counts, root, k)),
    };
    // A name in no group is its own entity, counted exactly; a group's
    // names among the hits are gathered: (sum of counts, largest count,
    // its names).
    let mut bounds: Vec<(u64, &str, Option<u32>)> = Vec::new();
    let mut groups: FxHashMap<u32, (u64, u64, Vec<&str>)> = FxHashMap::default();
    for (n, name) in counts.entries(root) {
        match names.group(kind, name) {
            None => bounds.push((n, name, None)),
            Some(g) => {
                let e = groups.entry(g).or_default();
                e.0 += n;
                e.1 = e.1.max(n);
                e.2.push(name);
            }
        }
    }
    // An entity's count is at least its largest name's: the k-th largest
    // of those is a bar no entity below it can reach the list from.
    let mut lower: Vec<u64> = bounds.iter().map(|b| b.0).collect();
    lower.extend(groups.values().map(|g| g.1));
    let bar = if lower.len() > k {
        *lower.select_nth_unstable_by(k - 1, |a, b| b.cmp(a)).1
    } else {
        0
    };
    bounds.retain(|b| b.0 >= bar);
    bounds.extend(
        groups
            .iter()
            .filter(|(_, g)| g.0 >= bar)
            .map(|(&g, e)| (e.0, names.group_lead(g), Some(g))),
    );
    bounds.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let order = |a: &(u64, &str), b: &(u64, &str)| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1));
    let mut best: Vec<(u64, &str)> = Vec::new();
    for (bound, lead, group) in bounds {
        if best.len() >= k && bound < best[k - 1].0 {
            break;
        }
        let n = match group.and_then(|g| groups.get(&g)) {
            Some((_, _, members)) if members.len() > 1 => {
                articles_naming(news, searcher, counts, kind, members)?
            }
            _ => bound,
        };
        best.push((n, lead));
        best.sort_unstable_by(order);
        best.truncate(k);
    }
    Ok(best.into_iter().map(|(n, l)| (l.to_string(), n)).collect())
}

/// The number of hits (the tally's kept hit sets) naming any of `members`.
fn articles_naming(
    news: &NewsIndex,
    searcher: &Searcher,
    counts: &Tally,
    kind: EntityType,
    members: &[&str],
) -> Result<u64> {
    let field = news.fields.entity_field(kind);
    let tok = news.index.tokenizers();
    let terms: Vec<Term> = members
        .iter()
        .map(|m| Term::from_field_text(field, &normal_name(tok, m)))
        .collect();
    let mut total = 0;
    for (segment, hits) in &counts.hits {
        let reader = searcher.segment_reader(*segment);
        let inverted = reader.inverted_index(field)?;
        let mut found: Vec<u32> = Vec::new();
        for term in &terms {
            let postings = inverted.read_postings(term, IndexRecordOption::Basic);
            let Some(mut postings) = postings.map_err(|e| Error::Tantivy(e.into()))? else {
                continue;
            };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if hits[doc as usize / 64] & (1 << (doc % 64)) != 0 {
                    found.push(doc);
                }
                doc = postings.advance();
            }
        }
        found.sort_unstable();
        found.dedup();
        total += found.len() as u64;
    }
    Ok(total)
}
