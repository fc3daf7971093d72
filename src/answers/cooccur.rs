//! Entity co-occurrence over every hit of a query: hits in, entity pairs out
//! with their joint article count, each entity's article count, lift and
//! PMI. Reads the entity facets' column (no stored documents), so it is
//! exact over all hits and fast.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use serde::Serialize;
use tantivy::schema::Facet;
use tantivy::{DocAddress, Searcher};

use crate::analyze::EntityType;
use crate::analyze::canon::fold;
use crate::error::Result;
use crate::names::Resolver;

/// One entity: its type and canonical name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Entity {
    #[serde(rename = "type")]
    pub kind: EntityType,
    pub name: String,
}

/// A pair of entities that appear in the same articles.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Pair {
    pub a: Entity,
    pub b: Entity,
    /// Articles among the hits that mention both.
    pub joint: u64,
    /// Articles among the hits that mention `a` (resp. `b`).
    pub count_a: u64,
    pub count_b: u64,
    /// joint * N / (count_a * count_b): how much more often than chance.
    pub lift: f64,
    /// log2 of the lift.
    pub pmi: f64,
}

/// What to count.
#[derive(Debug, Clone)]
pub struct CooccurConfig {
    /// Entity types taking part.
    pub types: Vec<EntityType>,
    /// Only pairs with an entity of this name (any type, any case).
    pub with: Option<String>,
    /// Pairs kept, most frequent first.
    pub top: usize,
    /// Pairs seen in fewer articles are dropped.
    pub min_joint: u64,
}

/// The answer: the number of hits and the top pairs.
#[derive(Debug, Clone, Serialize)]
pub struct Cooccurrence {
    pub articles: u64,
    pub pairs: Vec<Pair>,
}

/// Maps a segment's facet ordinals to entity ids: one sequential pass over
/// its facet terms; `intern` gives the id of an entity of one of `types`;
/// other facets map to `u32::MAX`.
pub fn entity_table(
    reader: &tantivy::fastfield::FacetReader,
    types: &[EntityType],
    intern: &mut dyn FnMut(Entity) -> u32,
) -> Result<Vec<u32>> {
    let mut table = vec![u32::MAX; reader.num_facets()];
    let mut terms = reader
        .facet_dict()
        .stream()
        .map_err(|e| crate::error::Error::Tantivy(e.into()))?;
    while terms.advance() {
        let Ok(facet) = Facet::from_encoded(terms.key().to_vec()) else {
            continue;
        };
        let path = facet.to_path();
        let (Some(kind), Some(name)) = (
            path.first().and_then(|t| EntityType::from_name(t)),
            path.get(1),
        ) else {
            continue;
        };
        if path.len() != 2 || !types.contains(&kind) {
            continue;
        }
        let id = intern(Entity {
            kind,
            name: name.to_string(),
        });
        if let Some(slot) = table.get_mut(terms.term_ord() as usize) {
            *slot = id;
        }
    }
    Ok(table)
}

/// The joint counts of (at least) the `top` most frequent pairs, exactly.
/// `flat[offsets[d]..offsets[d+1]]` are document d's entities (sorted,
/// distinct), `counts` each entity's document count; with `anchored`, only
/// pairs with an anchored entity count.
///
/// A pair is never in more documents than either entity, so pairs of
/// entities seen in at least `threshold` documents are counted; if that
/// finds `top` pairs at or above the threshold, they are the exact top (any
/// other pair is below it); else the threshold is halved and the count
/// repeated, down to `min_joint`.
pub fn top_pairs(
    flat: &[u32],
    offsets: &[usize],
    counts: &[u64],
    anchored: Option<&[bool]>,
    top: usize,
    min_joint: u64,
) -> FxHashMap<u64, u64> {
    let mut by_count: Vec<u64> = counts.to_vec();
    by_count.sort_unstable_by(|a, b| b.cmp(a));
    let min = min_joint.max(1);
    let mut threshold = if anchored.is_some() {
        min
    } else {
        by_count
            .get(
                top.saturating_mul(2)
                    .saturating_add(50)
                    .min(by_count.len())
                    .saturating_sub(1),
            )
            .copied()
            .unwrap_or(min)
            .max(min)
    };
    loop {
        let mut joint: FxHashMap<u64, u64> = FxHashMap::default();
        let frequent = |e: u32| counts[e as usize] >= threshold;
        let wanted = |a: u32, b: u32| anchored.is_none_or(|an| an[a as usize] || an[b as usize]);
        for w in offsets.windows(2) {
            let doc = &flat[w[0]..w[1]];
            for (i, &a) in doc.iter().enumerate() {
                if !frequent(a) {
                    continue;
                }
                for &b in &doc[i + 1..] {
                    if frequent(b) && wanted(a, b) {
                        *joint.entry((a as u64) << 32 | b as u64).or_default() += 1;
                    }
                }
            }
        }
        joint.retain(|_, j| *j >= threshold);
        if joint.len() >= top || threshold <= min {
            return joint;
        }
        threshold = (threshold / 2).max(min);
    }
}

/// Counts entity pairs over the documents `hits`, each entity under the
/// name `names` says it goes by.
pub fn cooccur(
    searcher: &Searcher,
    hits: &[DocAddress],
    config: &CooccurConfig,
    names: &Resolver,
) -> Result<Cooccurrence> {
    let read = HitEntities::read(searcher, hits, &config.types, names)?;
    let anchor = config.with.as_deref().map(fold);
    // The anchor is the entity any of whose names it is.
    let is_anchor = |e: &Entity| {
        anchor
            .as_deref()
            .is_none_or(|a| names.names(e.kind, &e.name).iter().any(|n| fold(n) == a))
    };
    let anchored: Vec<bool> = read
        .entities
        .iter()
        .map(|e| anchor.is_some() && is_anchor(e))
        .collect();
    let joint = top_pairs(
        &read.flat,
        &read.offsets,
        &read.counts,
        anchor.is_some().then_some(&anchored[..]),
        config.top,
        config.min_joint,
    );
    let n = hits.len() as u64;
    let (entities, counts) = (&read.entities, &read.counts);
    let mut pairs: Vec<Pair> = joint
        .into_iter()
        .filter_map(|(key, j)| {
            let (a, b) = ((key >> 32) as usize, key as u32 as usize);
            let (ea, eb) = (&entities[a], &entities[b]);
            // The anchor, when given, is always side a.
            let (ea, eb, ca, cb) = if anchor.is_none() {
                // Without an anchor, the pair is written in name order.
                if ea <= eb {
                    (ea, eb, counts[a], counts[b])
                } else {
                    (eb, ea, counts[b], counts[a])
                }
            } else if is_anchor(ea) {
                (ea, eb, counts[a], counts[b])
            } else if is_anchor(eb) {
                (eb, ea, counts[b], counts[a])
            } else {
                return None;
            };
            let lift = j as f64 * n as f64 / (ca as f64 * cb as f64);
            Some(Pair {
                a: ea.clone(),
                b: eb.clone(),
                joint: j,
                count_a: ca,
                count_b: cb,
                lift: (lift * 1e4).round() / 1e4,
                pmi: (lift.log2() * 1e4).round() / 1e4,
            })
        })
        .collect();
    pairs.sort_by(|x, y| {
        y.joint
            .cmp(&x.joint)
            .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
    });
    pairs.truncate(config.top);
    Ok(Cooccurrence { articles: n, pairs })
}

/// The entities of each hit, as ids: `flat[offsets[d]..offsets[d + 1]]`
/// are hit d's (sorted, distinct), `counts` each entity's number of hits.
struct HitEntities {
    entities: Vec<Entity>,
    counts: Vec<u64>,
    flat: Vec<u32>,
    offsets: Vec<usize>,
}

impl HitEntities {
    fn read(
        searcher: &Searcher,
        hits: &[DocAddress],
        types: &[EntityType],
        names: &Resolver,
    ) -> Result<Self> {
        let mut ids: HashMap<Entity, u32> = HashMap::new();
        let mut read = HitEntities {
            entities: Vec::new(),
            counts: Vec::new(),
            flat: Vec::new(),
            offsets: vec![0],
        };
        // Hits grouped by segment, so each segment's column is read once.
        let mut by_segment: Vec<Vec<u32>> = vec![Vec::new(); searcher.segment_readers().len()];
        for h in hits {
            by_segment[h.segment_ord as usize].push(h.doc_id);
        }
        let mut doc_entities: Vec<u32> = Vec::new();
        for (ord, docs) in by_segment.iter().enumerate() {
            if docs.is_empty() {
                continue;
            }
            let reader = crate::search::facet_reader(searcher.segment_reader(ord as u32))?;
            let (entities, counts) = (&mut read.entities, &mut read.counts);
            let table = entity_table(&reader, types, &mut |e| {
                let e = match names.lead(e.kind, &e.name) {
                    lead if lead != e.name => Entity {
                        kind: e.kind,
                        name: lead.to_string(),
                    },
                    _ => e,
                };
                *ids.entry(e.clone()).or_insert_with(|| {
                    entities.push(e);
                    counts.push(0);
                    (entities.len() - 1) as u32
                })
            })?;
            for &doc in docs {
                doc_entities.clear();
                for f in reader.facet_ords(doc) {
                    match table.get(f as usize) {
                        Some(&id) if id != u32::MAX => doc_entities.push(id),
                        _ => {}
                    }
                }
                doc_entities.sort_unstable();
                doc_entities.dedup();
                for &a in &doc_entities {
                    read.counts[a as usize] += 1;
                }
                read.flat.extend_from_slice(&doc_entities);
                read.offsets.push(read.flat.len());
            }
        }
        Ok(read)
    }
}

impl Cooccurrence {
    /// CSV: a row per pair.
    pub fn write_csv(&self, out: impl std::io::Write) -> anyhow::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record([
            "type_a", "a", "type_b", "b", "joint", "count_a", "count_b", "lift", "pmi",
        ])?;
        for p in &self.pairs {
            w.write_record([
                p.a.kind.name().to_string(),
                p.a.name.clone(),
                p.b.kind.name().to_string(),
                p.b.name.clone(),
                p.joint.to_string(),
                p.count_a.to_string(),
                p.count_b.to_string(),
                format!("{:.4}", p.lift),
                format!("{:.4}", p.pmi),
            ])?;
        }
        w.flush()?;
        Ok(())
    }

    /// A table: a line per pair, then how many were counted.
    pub fn write_table(&self, out: &mut impl std::io::Write) -> anyhow::Result<()> {
        let label = |e: &Entity| format!("{} ({})", e.name, e.kind.name());
        let width = |side: fn(&Pair) -> &Entity| {
            self.pairs
                .iter()
                .map(|p| label(side(p)).chars().count())
                .max()
                .unwrap_or(1)
                .max(8)
        };
        let (wa, wb) = (width(|p| &p.a), width(|p| &p.b));
        writeln!(
            out,
            "{:<wa$}  {:<wb$}  {:>6}  {:>6}  {:>6}  {:>8}  {:>6}",
            "entity a", "entity b", "joint", "a", "b", "lift", "pmi"
        )?;
        for p in &self.pairs {
            writeln!(
                out,
                "{:<wa$}  {:<wb$}  {:>6}  {:>6}  {:>6}  {:>8.2}  {:>6.2}",
                label(&p.a),
                label(&p.b),
                p.joint,
                p.count_a,
                p.count_b,
                p.lift,
                p.pmi
            )?;
        }
        writeln!(
            out,
            "{} pairs shown, counted over {} articles",
            self.pairs.len(),
            self.articles
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_pairs_equal_the_top_of_a_full_count() {
        // Skewed random documents: a few frequent entities, many rare ones.
        let mut rng = crate::testutil::Rng::new(12345u64);
        let mut next = |n: u64| rng.below(n as usize) as u64;
        let entities = 400u32;
        let (mut flat, mut offsets) = (Vec::new(), vec![0usize]);
        let mut counts = vec![0u64; entities as usize];
        for _ in 0..3000 {
            let mut doc: Vec<u32> = (0..1 + next(12))
                .map(|_| (next(entities as u64) * next(entities as u64) / entities as u64) as u32)
                .collect();
            doc.sort_unstable();
            doc.dedup();
            for &e in &doc {
                counts[e as usize] += 1;
            }
            flat.extend_from_slice(&doc);
            offsets.push(flat.len());
        }
        let full = top_pairs(&flat, &offsets, &counts, None, usize::MAX, 1);
        let ranked = |m: &FxHashMap<u64, u64>| {
            let mut v: Vec<(u64, u64)> = m.iter().map(|(k, j)| (*j, *k)).collect();
            v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            v
        };
        for top in [1, 5, 20, 100] {
            let got = top_pairs(&flat, &offsets, &counts, None, top, 1);
            assert!(got.len() >= top);
            assert_eq!(ranked(&got)[..top], ranked(&full)[..top], "top {top}");
            for (k, j) in &got {
                assert_eq!(full[k], *j, "exact counts");
            }
        }
        // Anchored: only pairs with entity 3, all of them.
        let mut anchored = vec![false; entities as usize];
        anchored[3] = true;
        let got = top_pairs(&flat, &offsets, &counts, Some(&anchored), 10, 1);
        let want: FxHashMap<u64, u64> = full
            .iter()
            .filter(|(k, _)| (**k >> 32) as u32 == 3 || **k as u32 == 3)
            .map(|(k, j)| (*k, *j))
            .collect();
        assert_eq!(got, want);
    }
}
