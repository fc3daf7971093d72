//! Facet counts over a query's hits: a collector ([`FacetTally`]) run with
//! the query in, the most frequent names under each facet root (person,
//! org, location, misc, source, category) out ([`top_facets`]).
//!
//! Each segment counts documents per facet ordinal and remembers which
//! ordinals it saw; names are then read for those only, in one ordered pass
//! over the segment's facet dictionary, or taken from [`FacetNames`] read
//! once for many queries (`batch`). tantivy's `FacetCollector` looks every
//! counted ordinal up on its own, decompressing a dictionary block each
//! time: 1.5 s for a query matching every article of the real corpus.

use std::sync::Arc;

use rustc_hash::FxHashMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::FacetReader;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, Searcher};

use crate::analyze::EntityType;
use crate::error::{Error, Result};

/// Counts facets under the roots in `kinds` over the hits of a query.
pub struct FacetTally {
    pub kinds: Vec<String>,
    /// Every facet name, read beforehand ([`facet_names`]).
    pub names: Option<Arc<FacetNames>>,
}

/// The facet paths of a segment, by document: the column of the `facet`
/// field, a column of encoded paths (schema 3) or a tantivy facet field
/// (schemas 1 and 2); the same ordinals and dictionary either way.
pub fn facet_reader(segment: &tantivy::SegmentReader) -> tantivy::Result<FacetReader> {
    let schema = segment.schema();
    if crate::schema::is_facet_field(schema, schema.get_field("facet")?) {
        return segment.facet_reader("facet");
    }
    match segment.fast_fields().str("facet")? {
        Some(column) => Ok(FacetReader::new(column)),
        None => Err(tantivy::TantivyError::SchemaError(
            "the facet field has no column".into(),
        )),
    }
}

/// Every (root, name) facet of a searcher, numbered, and each segment's
/// facet ordinals -> those numbers (`u32::MAX`: not a root/name facet).
#[derive(Debug, Default)]
pub struct FacetNames {
    roots: Vec<String>,
    /// (index into `roots`, name).
    names: Vec<(usize, String)>,
    segments: Vec<Vec<u32>>,
}

impl FacetNames {
    /// The (root, name) of a facet ordinal of segment `segment`.
    pub fn get(&self, segment: usize, ord: u64) -> Option<(&str, &str)> {
        let id = *self.segments.get(segment)?.get(ord as usize)?;
        let (root, name) = self.names.get(id as usize)?;
        Some((self.roots[*root].as_str(), name.as_str()))
    }
}

/// Reads [`FacetNames`]: each segment's facet dictionary in one pass (the
/// segments side by side), then the sorted dictionaries merged so that a
/// facet in several segments gets one number.
pub fn facet_names(searcher: &Searcher) -> Result<FacetNames> {
    let segments = facet_dictionaries(searcher)?;
    let mut out = FacetNames {
        segments: segments.iter().map(|(n, _)| vec![u32::MAX; *n]).collect(),
        ..Default::default()
    };
    let mut next = vec![0usize; segments.len()];
    loop {
        let mut least: Option<&str> = None;
        for ((_, terms), &i) in segments.iter().zip(&next) {
            if let Some(key) = terms.get(i)
                && least.is_none_or(|l| key < l)
            {
                least = Some(key);
            }
        }
        let Some(key) = least else {
            break;
        };
        let id = out.number(key);
        for (k, (_, terms)) in segments.iter().enumerate() {
            let i = next[k];
            if terms.get(i) == Some(key) {
                if let (Some(id), Some(slot)) = (id, out.segments[k].get_mut(i)) {
                    *slot = id;
                }
                next[k] += 1;
            }
        }
    }
    Ok(out)
}

/// Each segment's facet dictionary read whole, the segments side by side,
/// with its number of facets.
fn facet_dictionaries(searcher: &Searcher) -> Result<Vec<(usize, super::Terms)>> {
    use rayon::prelude::*;
    searcher
        .segment_readers()
        .par_iter()
        .map(|segment| {
            let reader = facet_reader(segment)?;
            let terms =
                super::Terms::read(reader.facet_dict()).map_err(|e| Error::Tantivy(e.into()))?;
            Ok((reader.num_facets(), terms))
        })
        .collect()
}

/// The root and name of an encoded facet (its path's parts joined by a 0
/// byte), if it has exactly those two parts.
fn root_and_name(key: &str) -> Option<(&str, &str)> {
    let (root, name) = key.split_at(memchr::memchr(0, key.as_bytes())?);
    let name = &name[1..];
    memchr::memchr(0, name.as_bytes())
        .is_none()
        .then_some((root, name))
}

impl FacetNames {
    /// Numbers an encoded facet if it is a (root, name) one.
    fn number(&mut self, key: &str) -> Option<u32> {
        let (root, name) = root_and_name(key)?;
        let r = match self.roots.iter().rposition(|r| r == root) {
            Some(r) => r,
            None => {
                self.roots.push(root.to_string());
                self.roots.len() - 1
            }
        };
        self.names.push((r, name.to_string()));
        Some((self.names.len() - 1) as u32)
    }
}

/// The entity names of each segment's facet column, for export: per facet
/// ordinal one number packing the entity type and where the name lies in
/// the segment's dictionary text, so that a row reads one slot and the name
/// itself per entity ([`FacetNames`] goes through a number shared by the
/// segments, a list of names and a string each; export never compares
/// names across segments, so it needs no merge).
#[derive(Default)]
pub struct EntityNames {
    segments: Vec<(super::Terms, Vec<u64>)>,
}

impl EntityNames {
    /// A facet that is not an entity name (a root alone, a source, a
    /// category).
    const NONE: u64 = u64::MAX;

    /// Reads every segment's facet dictionary, the segments side by side.
    pub fn read(searcher: &Searcher) -> Result<EntityNames> {
        use rayon::prelude::*;
        let segments = facet_dictionaries(searcher)?
            .into_par_iter()
            .map(|(_, terms)| {
                let mut refs = Vec::with_capacity(terms.ends.len());
                let mut start = 0;
                for &end in &terms.ends {
                    refs.push(Self::pack(&terms.text[start..end], start));
                    start = end;
                }
                (terms, refs)
            })
            .collect();
        Ok(EntityNames { segments })
    }

    /// The number of an encoded facet starting at byte `at` of its
    /// dictionary's text: the name's start (40 bits), length (21 bits),
    /// whether it is not [`crate::export::is_plain`] (1 bit, so that export
    /// need not look for bytes to quote or flatten in each name of each
    /// row) and type (2 bits); or [`EntityNames::NONE`].
    fn pack(key: &str, at: usize) -> u64 {
        let Some((root, name)) = root_and_name(key) else {
            return Self::NONE;
        };
        let Some(kind) = EntityType::from_name(root) else {
            return Self::NONE;
        };
        let start = (at + root.len() + 1) as u64;
        let len = name.len() as u64;
        // Facet terms are at most 65,530 bytes and a segment's dictionary
        // far below a terabyte.
        if start >= 1 << 40 || len >= 1 << 21 {
            return Self::NONE;
        }
        let special = !crate::export::is_plain(name.as_bytes()) as u64;
        start << 24 | len << 3 | special << 2 | kind as u64
    }

    /// Whether the name of number `r` is [`crate::export::is_plain`].
    #[inline]
    pub fn is_plain(r: u64) -> bool {
        r != Self::NONE && r & 4 == 0
    }

    /// The number of facet ordinal `ord` of segment `seg`.
    #[inline]
    pub fn get(&self, seg: usize, ord: u64) -> u64 {
        self.segments
            .get(seg)
            .and_then(|(_, refs)| refs.get(ord as usize))
            .copied()
            .unwrap_or(Self::NONE)
    }

    /// Starts loading the number of facet ordinal `ord` of segment `seg`
    /// ([`crate::util::prefetch`]).
    #[inline]
    pub fn preload_ord(&self, seg: usize, ord: u64) {
        if let Some((_, refs)) = self.segments.get(seg) {
            crate::util::prefetch(refs.as_ptr().wrapping_add(ord as usize));
        }
    }

    /// Starts loading the name a number of segment `seg` points at.
    #[inline]
    pub fn preload(&self, seg: usize, r: u64) {
        if let Some((_, (start, _))) = Self::span(r) {
            let text = self.text(seg).as_bytes();
            crate::util::prefetch(text[start.min(text.len())..].as_ptr());
        }
    }

    /// The type and the `(start, end)` in [`EntityNames::text`] of the name
    /// a number stands for (None for a facet that is not an entity name).
    #[inline]
    pub fn span(r: u64) -> Option<(EntityType, (usize, usize))> {
        if r == Self::NONE {
            return None;
        }
        let start = (r >> 24) as usize;
        let len = ((r >> 3) & ((1 << 21) - 1)) as usize;
        Some((EntityType::ALL[(r & 3) as usize], (start, start + len)))
    }

    /// The text of segment `seg`'s dictionary, where its names are.
    #[inline]
    pub fn text(&self, seg: usize) -> &str {
        self.segments.get(seg).map_or("", |(terms, _)| &terms.text)
    }
}

/// What [`FacetTally`] counts: hits per (root, name).
#[derive(Debug, Default)]
pub struct Tally {
    /// Counted with names read from the segments' dictionaries: per root
    /// (as in [`FacetTally::kinds`]), per name.
    by_name: FxHashMap<String, FxHashMap<String, u64>>,
    /// Counted by [`FacetNames`] number: (number, count), each number once.
    by_id: Vec<(u32, u64)>,
    names: Option<Arc<FacetNames>>,
}

impl Tally {
    /// (count, name) of every name under `root`.
    fn entries(&self, root: &str) -> Vec<(u64, &str)> {
        let mut all: Vec<(u64, &str)> = self
            .by_name
            .get(root)
            .map(|names| names.iter().map(|(n, &c)| (c, n.as_str())).collect())
            .unwrap_or_default();
        if let Some(names) = &self.names
            && let Some(r) = names.roots.iter().position(|x| x == root)
        {
            all.extend(self.by_id.iter().filter_map(|&(id, c)| {
                let (nr, name) = &names.names[id as usize];
                (*nr == r).then_some((c, name.as_str()))
            }));
        }
        all
    }

    /// The number of distinct names under `root`.
    pub fn distinct(&self, root: &str) -> usize {
        self.entries(root).len()
    }
}

/// The `k` most frequent names under facet root `root` (most frequent
/// first, ties by name, so the list is the same on every run).
pub fn top_facets(counts: &Tally, root: &str, k: usize) -> Vec<(String, u64)> {
    let mut all = counts.entries(root);
    let order = |a: &(u64, &str), b: &(u64, &str)| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1));
    if k == 0 {
        return Vec::new();
    }
    if all.len() > k {
        // The k-th highest count first (integers only), so names are
        // compared among the names at that count, not all of them.
        let mut counts: Vec<u64> = all.iter().map(|e| e.0).collect();
        let (_, &mut bar, _) = counts.select_nth_unstable_by(k - 1, |a, b| b.cmp(a));
        all.retain(|e| e.0 >= bar);
    }
    if all.len() > k {
        all.select_nth_unstable_by(k - 1, order);
        all.truncate(k);
    }
    all.sort_unstable_by(order);
    all.into_iter().map(|(c, n)| (n.to_string(), c)).collect()
}

pub struct FacetTallySegment {
    reader: FacetReader,
    counts: Vec<u32>,
    /// Ordinals counted at least once, in the order first seen.
    seen: Vec<u64>,
    kinds: Vec<String>,
    /// The read-beforehand names, this segment's number, and which of the
    /// names' roots are asked for.
    names: Option<(Arc<FacetNames>, usize, Vec<bool>)>,
}

impl Collector for FacetTally {
    type Fruit = Tally;
    type Child = FacetTallySegment;

    fn for_segment(
        &self,
        ord: u32,
        segment: &tantivy::SegmentReader,
    ) -> tantivy::Result<FacetTallySegment> {
        let reader = facet_reader(segment)?;
        Ok(FacetTallySegment {
            counts: if self.kinds.is_empty() {
                Vec::new()
            } else {
                spare_counts(reader.num_facets())
            },
            seen: Vec::new(),
            reader,
            kinds: self.kinds.clone(),
            names: self.names.clone().map(|n| {
                let wanted = n.roots.iter().map(|r| self.kinds.contains(r)).collect();
                (n, ord as usize, wanted)
            }),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Tally>) -> tantivy::Result<Tally> {
        let mut all = Tally::default();
        let mut by_id: Vec<Vec<(u32, u64)>> = Vec::new();
        for fruit in fruits {
            for (root, names) in fruit.by_name {
                let into = all.by_name.entry(root).or_default();
                // Merge the smaller map into the larger.
                let (mut big, small) = if names.len() > into.len() {
                    (names, std::mem::take(into))
                } else {
                    (std::mem::take(into), names)
                };
                for (name, n) in small {
                    *big.entry(name).or_default() += n;
                }
                *into = big;
            }
            by_id.push(fruit.by_id);
            all.names = all.names.or(fruit.names);
        }
        by_id.retain(|v| !v.is_empty());
        all.by_id = match by_id.len() {
            0 => Vec::new(),
            1 => by_id.pop().unwrap_or_default(),
            _ => {
                // The same name in several segments: add up, by number.
                let mut flat = by_id.concat();
                flat.sort_unstable_by_key(|e| e.0);
                let mut merged: Vec<(u32, u64)> = Vec::with_capacity(flat.len());
                for (id, n) in flat {
                    match merged.last_mut() {
                        Some(last) if last.0 == id => last.1 += n,
                        _ => merged.push((id, n)),
                    }
                }
                merged
            }
        };
        Ok(all)
    }
}

thread_local! {
    /// Count arrays of finished segment collectors, all zero again, for the
    /// next query on this thread. A fresh array per segment and query (a
    /// number per facet ordinal, 800 KB on a 200k-article segment) cost page
    /// faults and zeroing: `clear_page` was 4% of a batch with facets.
    static SPARE: std::cell::RefCell<Vec<Vec<u32>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A count array of `n` zeros, reused when this thread has one.
fn spare_counts(n: usize) -> Vec<u32> {
    let mut counts = SPARE
        .with(|spare| spare.borrow_mut().pop())
        .unwrap_or_default();
    counts.resize(n, 0);
    counts
}

impl Drop for FacetTallySegment {
    fn drop(&mut self) {
        // Only the ordinals seen were counted: zeroing them makes the whole
        // array zero again.
        let mut counts = std::mem::take(&mut self.counts);
        if counts.is_empty() {
            return;
        }
        for &ord in &self.seen {
            if let Some(c) = counts.get_mut(ord as usize) {
                *c = 0;
            }
        }
        SPARE.with(|spare| {
            let mut spare = spare.borrow_mut();
            if spare.len() < 4 {
                spare.push(counts);
            }
        });
    }
}

impl SegmentCollector for FacetTallySegment {
    type Fruit = Tally;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if self.kinds.is_empty() {
            return;
        }
        for ord in self.reader.facet_ords(doc) {
            if let Some(c) = self.counts.get_mut(ord as usize) {
                if *c == 0 {
                    self.seen.push(ord);
                }
                *c += 1;
            }
        }
    }

    fn harvest(mut self) -> Tally {
        let mut tally = Tally::default();
        if let Some((names, segment, wanted)) = &self.names {
            let table = &names.segments[*segment];
            for &ord in &self.seen {
                let id = table[ord as usize];
                if id != u32::MAX && wanted[names.names[id as usize].0] {
                    // Each number once per segment: a segment's ordinals
                    // name distinct facets.
                    tally.by_id.push((id, self.counts[ord as usize] as u64));
                }
            }
            tally.names = Some(names.clone());
            return tally;
        }
        self.seen.sort_unstable();
        let mut next = self.seen.iter();
        // Names come back in the order of `seen`. (A dictionary that cannot
        // be read leaves the names it could not give uncounted, as tantivy's
        // FacetCollector does.)
        let _ = self
            .reader
            .facet_dict()
            .sorted_ords_to_term_cb(&self.seen, |bytes| {
                let Some(&ord) = next.next() else {
                    return;
                };
                let Ok(facet) = Facet::from_encoded(bytes.to_vec()) else {
                    return;
                };
                if let [root, name] = facet.to_path()[..]
                    && self.kinds.iter().any(|k| k == root)
                {
                    let names = match tally.by_name.get_mut(root) {
                        Some(names) => names,
                        None => tally.by_name.entry(root.to_string()).or_default(),
                    };
                    *names.entry(name.to_string()).or_default() += self.counts[ord as usize] as u64;
                }
            });
        tally
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_names_pack_type_and_place_and_nothing_else() {
        let mut terms = crate::search::Terms {
            text: String::new(),
            ends: Vec::new(),
        };
        let keys = [
            "location",
            "location\0Zürich",
            "misc\0Olympic Games",
            "person\0Ann Lee",
            "source\0Reuters",
            "person\0a\0b",
            "org\0Smith, Jones",
            "org\0Say \"x\"",
        ];
        for key in keys {
            terms.push(key.as_bytes());
        }
        let mut refs = Vec::new();
        let mut start = 0;
        for &end in &terms.ends {
            refs.push(EntityNames::pack(&terms.text[start..end], start));
            start = end;
        }
        let names = EntityNames {
            segments: vec![(terms, refs)],
        };
        let got: Vec<_> = (0..keys.len() as u64 + 1)
            .map(|ord| {
                EntityNames::span(names.get(0, ord))
                    .map(|(t, (start, end))| (t, &names.text(0)[start..end]))
            })
            .collect();
        assert_eq!(
            got,
            [
                None,
                Some((EntityType::Location, "Zürich")),
                Some((EntityType::Misc, "Olympic Games")),
                Some((EntityType::Person, "Ann Lee")),
                None,
                None,
                Some((EntityType::Org, "Smith, Jones")),
                Some((EntityType::Org, "Say \"x\"")),
                None,
            ]
        );
        let plain: Vec<bool> = (0..keys.len() as u64 + 1)
            .map(|ord| EntityNames::is_plain(names.get(0, ord)))
            .collect();
        assert_eq!(
            plain,
            [false, true, true, true, false, false, false, false, false]
        );
        assert_eq!(names.get(1, 0), EntityNames::NONE);
    }

    #[test]
    fn top_facets_orders_by_count_then_name_and_keeps_k() {
        let mut t = Tally::default();
        for (root, name, n) in [
            ("person", "b", 3),
            ("person", "a", 3),
            ("person", "c", 5),
            ("person", "d", 1),
            ("org", "x", 9),
        ] {
            t.by_name
                .entry(root.into())
                .or_default()
                .insert(name.into(), n);
        }
        let names = FacetNames {
            roots: vec!["org".into(), "person".into()],
            names: vec![(1, "aa".into()), (1, "e".into()), (0, "y".into())],
            segments: Vec::new(),
        };
        t.by_id = vec![(0, 3), (1, 7), (2, 4)];
        t.names = Some(Arc::new(names));
        let top = |k| top_facets(&t, "person", k);
        let want = [("e", 7), ("c", 5), ("a", 3), ("aa", 3), ("b", 3), ("d", 1)];
        for k in 0..=7 {
            let got = top(k);
            let expected: Vec<(String, u64)> = want
                .iter()
                .take(k)
                .map(|(n, c)| (n.to_string(), *c))
                .collect();
            assert_eq!(got, expected, "k = {k}");
        }
        assert_eq!(t.distinct("person"), 6);
        assert_eq!(t.distinct("org"), 2);
        assert_eq!(t.distinct("misc"), 0);
    }

    #[test]
    fn counts_from_several_segments_add_up() {
        let names = Arc::new(FacetNames {
            roots: vec!["person".into()],
            names: vec![(0, "a".into()), (0, "b".into()), (0, "c".into())],
            segments: Vec::new(),
        });
        let fruit = |by_id: Vec<(u32, u64)>, by_name: &[(&str, u64)]| {
            let mut t = Tally {
                by_id,
                names: Some(names.clone()),
                ..Tally::default()
            };
            for (n, c) in by_name {
                t.by_name
                    .entry("person".into())
                    .or_default()
                    .insert(n.to_string(), *c);
            }
            t
        };
        let tally = FacetTally {
            kinds: vec!["person".into()],
            names: Some(names.clone()),
        };
        let merged = tally
            .merge_fruits(vec![
                fruit(vec![(2, 1), (0, 4)], &[("x", 1)]),
                fruit(vec![], &[("x", 2), ("y", 1)]),
                fruit(vec![(0, 1), (1, 6)], &[]),
            ])
            .unwrap();
        assert_eq!(
            top_facets(&merged, "person", 10),
            [("b", 6), ("a", 5), ("x", 3), ("c", 1), ("y", 1)]
                .map(|(n, c)| (n.to_string(), c))
                .to_vec()
        );
    }
}
