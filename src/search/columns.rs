//! String columns read by document: article ids (for the tie-break by id)
//! and titles (for export), from the fast-field dictionaries.

use tantivy::{DocAddress, Searcher};

/// Reads the values of a string fast field (ids, titles), one column per
/// segment. The first lookups in a segment go through the column's
/// dictionary one by one (each decompresses a block); after
/// [`StrReader::EAGER_AFTER`] of them, or one per 256 terms in big
/// segments, the segment's whole dictionary is read once, in order, and
/// kept, which costs far less per term. A caller that knows it will look
/// many values up says so first ([`StrReader::expect`]), and the
/// dictionaries are then read whole at their first lookup, or at once, in
/// parallel, by [`StrReader::read_ahead`]. (A page of search results needs
/// 10 lookups; `batch`, export and tie-breaks need many.)
///
/// A value is found in two steps, [`StrReader::ord`] (a document's ordinal
/// in its segment's dictionary) and [`StrReader::by_ord`] (the ordinal's
/// text). Callers that read many values at once can overlap the memory
/// loads of the second step: [`StrReader::prefetch_bounds`] for a batch of
/// ordinals, other work, [`StrReader::prefetch_text`] for the same batch,
/// other work, then [`StrReader::by_ord`]. Both are hints that change no
/// result, whatever the order they are called in; they do something only
/// for dictionaries read whole.
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

    /// Expects about `lookups` more lookups: when all that were announced
    /// cost more than a whole pass over the dictionaries, they are read
    /// whole at their first lookup (or by [`StrReader::read_ahead`]).
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
    pub fn read_ahead(&self) {
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

    /// Starts loading where the text of ordinal `ord` of segment `seg`
    /// begins and ends (the first hint; see [`StrReader`]).
    #[inline]
    pub fn prefetch_bounds(&self, seg: usize, ord: u64) {
        if let Some(Some(all)) = self.all.get(seg).and_then(|a| a.get())
            && let Some(end) = all.ends.get(ord as usize)
        {
            crate::util::prefetch(end);
        }
    }

    /// Starts loading the text of ordinal `ord` of segment `seg` (the
    /// second hint: it reads where the text begins, which
    /// [`StrReader::prefetch_bounds`] loads).
    #[inline]
    pub fn prefetch_text(&self, seg: usize, ord: u64) {
        if let Some(Some(all)) = self.all.get(seg).and_then(|a| a.get()) {
            let start = all.start(ord as usize).min(all.text.len());
            crate::util::prefetch(all.text.as_bytes()[start..].as_ptr());
        }
    }
}

/// Reads article ids from the id fast field ([`StrReader`]).
pub struct IdReader(StrReader);

impl IdReader {
    pub fn new(searcher: &Searcher) -> IdReader {
        IdReader(StrReader::new(searcher, "id"))
    }

    /// The id of a document.
    pub fn id(&self, addr: DocAddress) -> String {
        self.0.get(addr).map(|c| c.into_owned()).unwrap_or_default()
    }

    /// See [`StrReader::expect`].
    pub fn expect(&self, lookups: usize) {
        self.0.expect(lookups);
    }

    /// See [`StrReader::read_ahead`].
    pub fn read_ahead(&self) {
        self.0.read_ahead();
    }

    /// The ids as a [`StrReader`], for reading them in steps.
    pub fn strs(&self) -> &StrReader {
        &self.0
    }
}

/// Every term of a dictionary, by ordinal, in one buffer.
pub struct Terms {
    pub(crate) text: String,
    /// Where each term ends in `text`.
    pub(crate) ends: Vec<usize>,
}

impl Terms {
    pub fn get(&self, ord: usize) -> Option<&str> {
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
    pub(crate) fn push(&mut self, term: &[u8]) {
        match std::str::from_utf8(term) {
            Ok(s) => self.text.push_str(s),
            Err(_) => self.text.push_str(&String::from_utf8_lossy(term)),
        }
        self.ends.push(self.text.len());
    }

    /// Reads a whole dictionary, a term's ordinal its place in the stream.
    /// The text is checked to be UTF-8 once, whole (not term by term); if
    /// it is not, or if a term
    /// would end inside a character, each term is read on its own, lossily.
    pub fn read(dict: &tantivy::columnar::Dictionary) -> std::io::Result<Terms> {
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
