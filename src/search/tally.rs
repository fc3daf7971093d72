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
use tantivy::{DocId, Score};

use super::facet_names::{FacetNames, facet_reader};

/// Counts facets under the roots in `kinds` over the hits of a query.
pub struct FacetTally {
    pub kinds: Vec<String>,
    /// Every facet name, read beforehand ([`facet_names`]).
    pub names: Option<Arc<FacetNames>>,
    /// Keep the set of hits of each segment, for counting a resolved
    /// entity's articles exactly ([`super::resolved`]).
    pub keep_hits: bool,
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
    /// Each segment's hits as a bit set (segment ordinal, words), when
    /// [`FacetTally::keep_hits`].
    pub(super) hits: Vec<(u32, Vec<u64>)>,
}

impl Tally {
    /// (count, name) of every name under `root`.
    pub(super) fn entries(&self, root: &str) -> Vec<(u64, &str)> {
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
    /// This segment's ordinal and hits, when kept.
    hits: Option<(u32, Vec<u64>)>,
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
            hits: self
                .keep_hits
                .then(|| (ord, vec![0; (segment.max_doc() as usize).div_ceil(64)])),
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
            all.hits.extend(fruit.hits);
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
    /// number per facet ordinal) costs page faults and zeroing, which show
    /// in profiles of batches with facets.
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
        if let Some((_, bits)) = &mut self.hits {
            bits[doc as usize / 64] |= 1 << (doc % 64);
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
        let mut tally = Tally {
            hits: self.hits.take().into_iter().collect(),
            ..Tally::default()
        };
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
            keep_hits: false,
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
