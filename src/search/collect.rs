//! Collectors: every hit of a query with its score and date
//! ([`AllHits`]), or the best k and their ties ([`TopHits`]).

use std::cmp::Ordering;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// One hit before its stored fields are read.
#[derive(Debug, Clone, Copy)]
pub struct RawHit {
    pub score: Score,
    /// UTC seconds, when dated.
    pub date: Option<i64>,
    pub addr: DocAddress,
    /// The hit's place among every hit in index order, as [`AllHits`]
    /// collects them (0 from other collectors): a caller can read hits'
    /// values in that order before ranking them and find them after
    /// (`newsdex export`).
    pub place: u32,
}

/// A document's date (UTC seconds) from a segment's date column.
fn date_of(
    dates: &Option<tantivy::columnar::Column<tantivy::DateTime>>,
    doc: DocId,
) -> Option<i64> {
    dates
        .as_ref()
        .and_then(|c| c.first(doc))
        .map(|d| d.into_timestamp_secs())
}

/// Collects every hit with its score and date.
pub struct AllHits {
    pub scoring: bool,
}

pub struct AllHitsSegment {
    ord: SegmentOrdinal,
    dates: Option<tantivy::columnar::Column<tantivy::DateTime>>,
    hits: Vec<RawHit>,
}

impl Collector for AllHits {
    type Fruit = Vec<RawHit>;
    type Child = AllHitsSegment;

    fn for_segment(
        &self,
        ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<AllHitsSegment> {
        Ok(AllHitsSegment {
            ord,
            dates: segment.fast_fields().date("date").ok(),
            // Room for every document: memory not written is never
            // touched, and the list is not copied as it grows.
            hits: Vec::with_capacity(segment.max_doc() as usize),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<Vec<RawHit>>) -> tantivy::Result<Vec<RawHit>> {
        // The first segment's list grows to hold the others' (its memory
        // is moved, not copied, and not touched again: a fresh list for
        // all would fault in its pages once more).
        let total = fruits.iter().map(Vec::len).sum::<usize>();
        let mut fruits = fruits.into_iter();
        let mut hits = fruits.next().unwrap_or_default();
        hits.reserve_exact(total - hits.len());
        for more in fruits {
            hits.extend_from_slice(&more);
        }
        for (place, hit) in hits.iter_mut().enumerate() {
            hit.place = u32::try_from(place).unwrap_or(u32::MAX);
        }
        Ok(hits)
    }
}

impl SegmentCollector for AllHitsSegment {
    type Fruit = Vec<RawHit>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.hits.push(RawHit {
            score,
            date: date_of(&self.dates, doc),
            addr: DocAddress::new(self.ord, doc),
            place: 0,
        });
    }

    fn harvest(self) -> Vec<RawHit> {
        self.hits
    }
}

/// Collects the `k` best-scored hits and every hit tied with the k-th (so
/// that [`order`] can still break ties by id), and counts all hits. For
/// relevance order without recency, where the dates of the rest are not
/// needed: unlike [`AllHits`] it reads no date column for most hits and
/// keeps no list of every hit.
pub struct TopHits {
    pub k: usize,
}

pub struct TopHitsSegment {
    ord: SegmentOrdinal,
    dates: Option<tantivy::columnar::Column<tantivy::DateTime>>,
    k: usize,
    /// Hits scored at least `bar`.
    hits: Vec<(Score, DocId)>,
    bar: Score,
    count: usize,
}

impl TopHitsSegment {
    /// Keeps the best k and the hits tied with the k-th; raises the bar.
    fn prune(&mut self) {
        let k = self.k.max(1);
        if self.hits.len() <= k {
            return;
        }
        let by_score = |a: &(Score, DocId), b: &(Score, DocId)| {
            b.0.partial_cmp(&a.0).unwrap_or(Ordering::Equal)
        };
        self.hits.select_nth_unstable_by(k - 1, by_score);
        let kth = self.hits[k - 1].0;
        self.hits.retain(|h| h.0 >= kth);
        self.bar = kth;
    }
}

impl Collector for TopHits {
    type Fruit = (Vec<RawHit>, usize);
    type Child = TopHitsSegment;

    fn for_segment(
        &self,
        ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<TopHitsSegment> {
        Ok(TopHitsSegment {
            ord,
            dates: segment.fast_fields().date("date").ok(),
            k: self.k,
            hits: Vec::with_capacity(2 * self.k + 16),
            bar: Score::NEG_INFINITY,
            count: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(
        &self,
        fruits: Vec<(Vec<RawHit>, usize)>,
    ) -> tantivy::Result<(Vec<RawHit>, usize)> {
        let count = fruits.iter().map(|f| f.1).sum();
        Ok((fruits.into_iter().flat_map(|f| f.0).collect(), count))
    }
}

impl SegmentCollector for TopHitsSegment {
    type Fruit = (Vec<RawHit>, usize);

    fn collect(&mut self, doc: DocId, score: Score) {
        self.count += 1;
        if score < self.bar {
            return;
        }
        self.hits.push((score, doc));
        if self.hits.len() >= 2 * self.k + 16 {
            self.prune();
        }
    }

    fn harvest(mut self) -> (Vec<RawHit>, usize) {
        self.prune();
        let hits = self
            .hits
            .iter()
            .map(|&(score, doc)| RawHit {
                score,
                date: date_of(&self.dates, doc),
                addr: DocAddress::new(self.ord, doc),
                place: 0,
            })
            .collect();
        (hits, self.count)
    }
}
