//! Search, the fourth pipeline stage: a query string and filters in, ranked
//! hits (with snippets and entities), the total count and facet counts over
//! all hits out. [`query`] parses the query language; [`output`] renders
//! hits as a table, JSON, JSON lines or CSV.

pub mod facets;
pub mod output;
pub mod query;
pub mod similar;
pub mod snippet;

pub use facets::{EntityNames, FacetNames, FacetTally, Tally, facet_names, top_facets};
pub use similar::similar_query;

use std::cmp::Ordering;

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query};
use tantivy::schema::{Facet, TantivyDocument, Value};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use crate::analyze::EntityType;
use crate::error::{Error, Result};
use crate::index::NewsIndex;
use crate::ingest::date::{format_day, format_rfc3339};

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

impl Request {
    /// Builds the tantivy query: the parsed query (scored) and the filters
    /// (not scored).
    pub fn build(&self, news: &NewsIndex) -> Result<Box<dyn Query>> {
        let f = news.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(q) = &self.query {
            clauses.push((Occur::Must, query::compile(&news.index, f, q, self.any)?));
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
        for (kind, names) in [
            (EntityType::Person, &self.filters.person),
            (EntityType::Org, &self.filters.org),
            (EntityType::Location, &self.filters.location),
            (EntityType::Misc, &self.filters.misc),
        ] {
            for name in names {
                clauses.push(filter(query::name_query(
                    tok,
                    f.entity_field(kind),
                    name,
                    false,
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
        // all was 10% of an export's page faults).
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

/// Compares two hits by the sort order (before the id tie-break).
fn compare(sort: Sort, a: &RawHit, b: &RawHit) -> Ordering {
    match sort {
        Sort::Relevance => b.score.partial_cmp(&a.score).unwrap_or(Ordering::Equal),
        Sort::Date => match (a.date, b.date) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
        .then_with(|| b.score.partial_cmp(&a.score).unwrap_or(Ordering::Equal)),
        Sort::DateDesc => match (a.date, b.date) {
            (Some(x), Some(y)) => y.cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
        .then_with(|| b.score.partial_cmp(&a.score).unwrap_or(Ordering::Equal)),
    }
}

/// Reads the values of a string fast field (ids, titles), one column per
/// segment. The first lookups in a segment go through the column's
/// dictionary one by one (each costs a block decompression and a new zstd
/// context, ~15 us); after [`StrReader::EAGER_AFTER`] of them, or one per
/// 256 terms in big segments (reading a term in a whole pass costs ~60 ns),
/// the segment's whole dictionary is read once, in order, and kept. (A page
/// of search results needs 10 lookups; `batch`, export and tie-breaks need
/// many.)
pub struct StrReader {
    columns: Vec<Option<tantivy::columnar::StrColumn>>,
    lookups: Vec<std::sync::atomic::AtomicUsize>,
    all: Vec<std::sync::OnceLock<Option<Terms>>>,
    /// Read every dictionary whole at its first lookup.
    eager: std::sync::atomic::AtomicBool,
    /// Lookups announced by [`StrReader::expect`].
    expected: std::sync::atomic::AtomicUsize,
}

impl StrReader {
    /// Lookups in one segment before its dictionary is read whole (at
    /// least; big segments wait for one per 256 terms).
    pub const EAGER_AFTER: usize = 32;

    /// A reader of `field`; segments without that column read as None.
    pub fn new(searcher: &Searcher, field: &str) -> StrReader {
        let columns: Vec<_> = searcher
            .segment_readers()
            .iter()
            .map(|s| s.fast_fields().str(field).ok().flatten())
            .collect();
        StrReader {
            lookups: columns.iter().map(|_| Default::default()).collect(),
            all: columns.iter().map(|_| Default::default()).collect(),
            columns,
            eager: Default::default(),
            expected: Default::default(),
        }
    }

    /// A reader for about `lookups` lookups in all: when that is more than
    /// a whole pass over the dictionaries costs, they are read at once.
    pub fn expecting(searcher: &Searcher, field: &str, lookups: usize) -> StrReader {
        let r = StrReader::new(searcher, field);
        r.expect(lookups);
        r
    }

    /// Expects about `lookups` more lookups (see [`StrReader::expecting`]).
    pub fn expect(&self, lookups: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        let terms: usize = self
            .columns
            .iter()
            .flatten()
            .map(|c| c.dictionary().num_terms())
            .sum();
        // Saturating: `batch` without a limit expects usize::MAX.
        let before = self
            .expected
            .fetch_update(Relaxed, Relaxed, |e| Some(e.saturating_add(lookups)))
            .unwrap_or(usize::MAX);
        let expected = before.saturating_add(lookups);
        if expected >= terms / 256 {
            self.eager.store(true, Relaxed);
        }
    }

    /// Reads every segment's dictionary whole now, in parallel, if
    /// [`StrReader::expect`] has been told of enough lookups.
    pub fn prefetch(&self) {
        use rayon::prelude::*;
        if !self.eager.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        self.columns
            .par_iter()
            .zip(&self.all)
            .for_each(|(col, all)| {
                if let Some(col) = col {
                    all.get_or_init(|| Terms::read(col.dictionary()).ok());
                }
            });
    }

    /// Whether every segment has the column.
    pub fn complete(&self) -> bool {
        self.columns.iter().all(Option::is_some)
    }

    /// The value of a document, if it has one.
    pub fn get(&self, addr: DocAddress) -> Option<std::borrow::Cow<'_, str>> {
        self.by_ord(addr.segment_ord as usize, self.ord(addr)?)
    }

    /// The ordinal of a document's value in its segment's dictionary
    /// (the first half of [`StrReader::get`]).
    pub fn ord(&self, addr: DocAddress) -> Option<u64> {
        let col = self.columns.get(addr.segment_ord as usize)?.as_ref()?;
        col.term_ords(addr.doc_id).next()
    }

    /// The value of ordinal `ord` of segment `seg` (the second half).
    pub fn by_ord(&self, seg: usize, ord: u64) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        let col = self.columns.get(seg)?.as_ref()?;
        let all = match self.all[seg].get() {
            Some(all) => all,
            None => {
                let n = self.lookups[seg].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if self.eager.load(std::sync::atomic::Ordering::Relaxed)
                    || n >= Self::EAGER_AFTER.max(col.dictionary().num_terms() / 256)
                {
                    self.all[seg].get_or_init(|| Terms::read(col.dictionary()).ok())
                } else {
                    &None
                }
            }
        };
        if let Some(all) = all {
            return all.get(ord as usize).map(Cow::Borrowed);
        }
        let mut out = String::new();
        col.ord_to_str(ord, &mut out).ok()?;
        Some(Cow::Owned(out))
    }

    /// Starts loading the value of `ord` of segment `seg` (after
    /// [`StrReader::preload`] of it, which loads where it is), if the
    /// segment's dictionary has been read whole.
    #[inline]
    pub fn preload_value(&self, seg: usize, ord: u64) {
        if let Some(Some(all)) = self.all.get(seg).and_then(|a| a.get()) {
            let start = all.start(ord as usize).min(all.text.len());
            crate::util::prefetch(all.text.as_bytes()[start..].as_ptr());
        }
    }

    /// Starts loading where [`StrReader::by_ord`] will find the value of
    /// `ord`, if the segment's dictionary has been read whole (a hint:
    /// [`crate::util::prefetch`]).
    #[inline]
    pub fn preload(&self, seg: usize, ord: u64) {
        if let Some(Some(all)) = self.all.get(seg).and_then(|a| a.get())
            && let Some(end) = all.ends.get(ord as usize)
        {
            crate::util::prefetch(end);
        }
    }
}

/// Reads article ids from the id fast field ([`StrReader`]).
pub struct IdReader(StrReader);

impl IdReader {
    pub fn new(searcher: &Searcher) -> IdReader {
        IdReader(StrReader::new(searcher, "id"))
    }

    /// See [`StrReader::expecting`].
    pub fn expecting(searcher: &Searcher, lookups: usize) -> IdReader {
        IdReader(StrReader::expecting(searcher, "id", lookups))
    }

    /// The id of a document.
    pub fn id(&self, addr: DocAddress) -> String {
        self.0.get(addr).map(|c| c.into_owned()).unwrap_or_default()
    }

    /// See [`StrReader::expect`].
    pub fn expect(&self, lookups: usize) {
        self.0.expect(lookups);
    }

    /// See [`StrReader::prefetch`].
    pub fn prefetch(&self) {
        self.0.prefetch();
    }

    /// The ids as a [`StrReader`], for reading them in steps.
    pub fn strs(&self) -> &StrReader {
        &self.0
    }
}

/// Every term of a dictionary, by ordinal, in one buffer.
struct Terms {
    text: String,
    /// Where each term ends in `text`.
    ends: Vec<usize>,
}

impl Terms {
    fn get(&self, ord: usize) -> Option<&str> {
        let end = *self.ends.get(ord)?;
        self.text.get(self.start(ord)..end)
    }

    /// Where term `ord` begins in `text` (0 past the last term).
    fn start(&self, ord: usize) -> usize {
        match ord {
            0 => 0,
            _ => self.ends.get(ord - 1).copied().unwrap_or(0),
        }
    }

    /// Adds the next term (read lossily if it is not UTF-8).
    fn push(&mut self, term: &[u8]) {
        match std::str::from_utf8(term) {
            Ok(s) => self.text.push_str(s),
            Err(_) => self.text.push_str(&String::from_utf8_lossy(term)),
        }
        self.ends.push(self.text.len());
    }

    /// Reads a whole dictionary, a term's ordinal its place in the stream.
    /// The text is checked to be UTF-8 once, whole (a check per term cost
    /// as much as the rest of the reading); if it is not, or if a term
    /// would end inside a character, each term is read on its own, lossily.
    fn read(dict: &tantivy::columnar::Dictionary) -> std::io::Result<Terms> {
        let mut stream = dict.stream()?;
        let mut bytes = Vec::new();
        let mut ends = Vec::with_capacity(dict.num_terms());
        while stream.advance() {
            bytes.extend_from_slice(stream.key());
            ends.push(bytes.len());
        }
        let bytes = match String::from_utf8(bytes) {
            Ok(text) if ends.iter().all(|&end| text.is_char_boundary(end)) => {
                return Ok(Terms { text, ends });
            }
            Ok(text) => text.into_bytes(),
            Err(e) => e.into_bytes(),
        };
        let mut all = Terms {
            text: String::new(),
            ends: Vec::with_capacity(ends.len()),
        };
        let mut start = 0;
        for end in ends {
            all.push(&bytes[start..end]);
            start = end;
        }
        Ok(all)
    }
}

/// Sorts hits by `sort`, ties broken by article id so the order is stable.
/// Only the first `keep` are fully ordered (all when None).
pub fn order(hits: &mut Vec<RawHit>, sort: Sort, keep: Option<usize>, ids: &IdReader) {
    let cmp = |a: &RawHit, b: &RawHit| compare(sort, a, b);
    if let Some(k) = keep
        && k < hits.len()
    {
        // Keep the best k plus every hit tied with the k-th, then sort those.
        hits.select_nth_unstable_by(k, cmp);
        let pivot = hits[k];
        let mut rest: Vec<RawHit> = hits[k..]
            .iter()
            .copied()
            .filter(|h| cmp(h, &pivot) == Ordering::Equal)
            .collect();
        hits.truncate(k);
        hits.append(&mut rest);
    }
    // Stable, though runs of equal keys are put in id order next: their
    // hits stay in index order, which is near id order, and so cheap to
    // sort by it (an unstable sort here made the ordering slower, with the
    // hits' places as the last key too; so did a parallel sort and
    // tie-breaking, in an export, where the other core reads what the rows
    // need meanwhile).
    hits.sort_by(cmp);
    // Break ties by id within each run of equal keys; the ids of every tied
    // hit are looked up, so the reader is told how many first.
    let equal = |a: &RawHit, b: &RawHit| cmp(a, b) == Ordering::Equal;
    let tied: usize = hits
        .chunk_by(equal)
        .map(|run| if run.len() > 1 { run.len() } else { 0 })
        .sum();
    ids.expect(tied);
    let mut keyed = Vec::new();
    for run in hits.chunk_by_mut(equal) {
        if run.len() > 1 {
            by_id(run, ids, &mut keyed);
        }
    }
    if let Some(k) = keep {
        hits.truncate(k);
    }
}

/// Orders `run` by article id. Ids are compared as numbers first: the 8
/// bytes that follow the prefix all of the run's ids share, big-endian (a
/// byte past an id's end counts as 0, so a smaller number is a smaller id),
/// and as strings only where those are equal, so most comparisons are one
/// integer comparison, not a `memcmp` over a shared prefix ("syn-0" of
/// "syn-00191879"). An export ties 99.7% of its 163,591 hits on a broad
/// query, so this is most of its ordering. (A hit without an id sorts
/// first, as the empty id would.) `keyed` is scratch space.
fn by_id<'i>(
    run: &mut [RawHit],
    ids: &'i IdReader,
    keyed: &mut Vec<(u64, std::borrow::Cow<'i, str>, RawHit)>,
) {
    // The ids are read 64 hits at a time, in steps: ordinals (their places
    // in the dictionary prefetched), then places (the ids prefetched), then
    // ids, so that the reads of ids scattered over the dictionary overlap
    // (read one by one, they were ~70% of the time of this function; 11 ->
    // ~6 ms of CPU for the export above).
    let strs = ids.strs();
    keyed.clear();
    let mut ords = [None; 64];
    for block in run.chunks(64) {
        for (h, ord) in block.iter().zip(ords.iter_mut()) {
            *ord = strs.ord(h.addr);
            if let Some(o) = *ord {
                strs.preload(h.addr.segment_ord as usize, o);
            }
        }
        for (h, ord) in block.iter().zip(ords.iter()) {
            if let Some(o) = *ord {
                strs.preload_value(h.addr.segment_ord as usize, o);
            }
        }
        keyed.extend(block.iter().zip(ords.iter()).map(|(h, ord)| {
            let id = ord.and_then(|o| strs.by_ord(h.addr.segment_ord as usize, o));
            (0, id.unwrap_or_default(), *h)
        }));
    }
    let Some(((_, first, _), rest)) = keyed.split_first() else {
        return;
    };
    let shared = rest.iter().fold(first.len(), |n, (_, id, _)| {
        first.as_bytes()[..n]
            .iter()
            .zip(id.as_bytes())
            .take_while(|(a, b)| a == b)
            .count()
    });
    for (key, id, _) in keyed.iter_mut() {
        let mut bytes = [0u8; 8];
        let next = &id.as_bytes()[shared..];
        let n = next.len().min(8);
        bytes[..n].copy_from_slice(&next[..n]);
        *key = u64::from_be_bytes(bytes);
    }
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    for (slot, (_, _, h)) in run.iter_mut().zip(keyed.drain(..)) {
        *slot = h;
    }
}

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
        })
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
            let name = parts[1].to_string();
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
pub fn search(news: &NewsIndex, request: &Request, page: &Page) -> Result<SearchResult> {
    let query = request.build(news)?;
    search_query(
        news,
        &*query,
        request.query.is_some(),
        request.sort,
        request.recency,
        page,
    )
}

/// Runs a built query (scored when `scoring`): orders all hits, counts
/// facets over all of them, reads the requested page.
pub fn search_query(
    news: &NewsIndex,
    query: &dyn Query,
    scoring: bool,
    sort: Sort,
    recency: Option<i64>,
    page: &Page,
) -> Result<SearchResult> {
    let searcher = news.searcher()?;
    let facet_collector = FacetTally {
        kinds: page.facets.clone(),
        names: None,
    };
    let ids = IdReader::new(&searcher);
    let (hits, total, facet_counts) = ranked(
        &searcher,
        query,
        scoring,
        sort,
        recency,
        Some(page.offset + page.limit),
        Some(facet_collector),
        &ids,
    )?;
    let facet_counts = facet_counts.unwrap_or_default();
    let reader = HitReader::new(news, &searcher, query, page.snippet_chars)?;
    let mut out = Vec::new();
    for (i, raw) in hits.iter().enumerate().skip(page.offset) {
        out.push(reader.read(i + 1, raw)?);
    }
    let facets = page
        .facets
        .iter()
        .map(|kind| {
            (
                kind.clone(),
                top_facets(&facet_counts, kind, page.facet_size),
            )
        })
        .collect();
    Ok(SearchResult {
        total,
        hits: out,
        facets,
    })
}

/// Every hit of a request, ordered, before reading stored fields.
pub fn all_hits(
    news: &NewsIndex,
    searcher: &Searcher,
    request: &Request,
) -> Result<(Box<dyn Query>, Vec<RawHit>)> {
    top_hits(news, searcher, request, None, &IdReader::new(searcher))
}

/// The first `limit` hits of a request (all when None), ordered.
pub fn top_hits(
    news: &NewsIndex,
    searcher: &Searcher,
    request: &Request,
    limit: Option<usize>,
    ids: &IdReader,
) -> Result<(Box<dyn Query>, Vec<RawHit>)> {
    let t = top_hits_tallied(news, searcher, request, limit, ids, None)?;
    Ok((t.query, t.hits))
}

/// Every hit of a built query (scored when `scoring`), ordered, the first
/// `keep` of them (all when None), with the number of hits and, when
/// `tally` is given, facet counts over all of them from the same pass.
/// Relevance order without recency needs only the best: [`TopHits`];
/// otherwise every hit with its date: [`AllHits`].
#[allow(clippy::too_many_arguments)]
fn ranked(
    searcher: &Searcher,
    query: &dyn Query,
    scoring: bool,
    sort: Sort,
    recency: Option<i64>,
    keep: Option<usize>,
    tally: Option<FacetTally>,
    ids: &IdReader,
) -> Result<(Vec<RawHit>, usize, Option<Tally>)> {
    let top = keep.filter(|_| scoring && sort == Sort::Relevance && recency.is_none());
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
        apply_recency(&mut hits, h);
    }
    order(&mut hits, sort, keep, ids);
    Ok((hits, total, tally))
}

/// What [`top_hits_tallied`] finds.
pub struct Tallied {
    pub query: Box<dyn Query>,
    /// The top hits, ordered.
    pub hits: Vec<RawHit>,
    /// The number of all hits.
    pub total: usize,
    pub tally: Option<Tally>,
}

/// [`top_hits`], with the number of hits and, when `tally` is given, facet
/// counts over all of them, from the same pass over the index.
pub fn top_hits_tallied(
    news: &NewsIndex,
    searcher: &Searcher,
    request: &Request,
    limit: Option<usize>,
    ids: &IdReader,
    tally: Option<FacetTally>,
) -> Result<Tallied> {
    let query = request.build(news)?;
    let (hits, total, tally) = ranked(
        searcher,
        &*query,
        request.query.is_some(),
        request.sort,
        request.recency,
        limit,
        tally,
        ids,
    )?;
    Ok(Tallied {
        query,
        hits,
        total,
        tally,
    })
}

/// Every hit of a request, not yet ordered ([`order`]), and the query
/// built for it: what [`top_hits`] collects without a limit, for callers
/// with other work to do beside the ordering.
pub fn every_hit(
    news: &NewsIndex,
    searcher: &Searcher,
    request: &Request,
) -> Result<(Box<dyn Query>, Vec<RawHit>)> {
    let query = request.build(news)?;
    let scoring = request.query.is_some();
    let mut hits = searcher.search(&*query, &AllHits { scoring })?;
    if let Some(h) = request.recency {
        apply_recency(&mut hits, h);
    }
    Ok((query, hits))
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
