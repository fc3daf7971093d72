//! Work kept between tokens and documents: the word cache (each distinct
//! word's [`TokenInfo`] worked out once), the per-word sums of static
//! weights, and [`Doc`], a document's words with their sentence starts.

use super::features::{NEIGHBOURS, lexical_features, neighbour, neighbour_features};
use super::labels::NLABELS;
use super::token::{TokenInfo, caps_sentence, lexical_info};
use super::weights::Weights;
use crate::analyze::lexicon::Lexicon;
use crate::util::word_table::WordTable;

/// What the tagger knows of words on their own ([`lexical_info`]: hashes,
/// shapes, affixes, clusters, casing) and the weight sums of their features
/// ([`PartSums`]), kept across the documents one thread tags: news repeats
/// its vocabulary, so most words are looked up, not worked out again.
/// Bounded: emptied, between documents, when it would pass its word limit
/// ([`WordCache::MAX_WORDS`] by default).
pub struct WordCache {
    words: WordTable,
    pub(super) lexical: Vec<TokenInfo>,
    /// One per weights table (first and second pass).
    pub parts: [PartSums; 2],
    max_words: usize,
    /// A finished document's token infos ([`WordCache::recycle`]) and a
    /// vector of hashes, their memory reused by the next document.
    spare: Vec<TokenInfo>,
    hashes: Vec<u64>,
}

impl Default for WordCache {
    fn default() -> Self {
        WordCache::with_max_words(WordCache::MAX_WORDS)
    }
}

impl WordCache {
    /// At most this many words are kept by default (with both passes'
    /// sums, some 50 MB per tagging thread).
    pub const MAX_WORDS: usize = 1 << 16;

    /// A cache emptied when it would pass `max_words` words.
    pub fn with_max_words(max_words: usize) -> WordCache {
        WordCache {
            words: WordTable::default(),
            lexical: Vec::new(),
            parts: std::array::from_fn(|_| PartSums {
                room: max_words,
                ..PartSums::default()
            }),
            max_words,
            spare: Vec::new(),
            hashes: Vec::new(),
        }
    }

    /// Takes back a document's token infos ([`Doc::infos_with`]) when it is
    /// done with, so the next document's are written to memory already
    /// mapped (a fresh vector a document has the kernel zero pages for
    /// it). Very long documents' are let go.
    pub fn recycle(&mut self, infos: Vec<TokenInfo>) {
        if infos.capacity() <= Self::SPARE_MAX {
            self.spare = infos;
        }
    }

    /// Largest infos vector kept for reuse (tokens; ~8 MB).
    const SPARE_MAX: usize = 1 << 16;

    /// Forgets every word, keeping the memory: its pages stay mapped, so
    /// filling the cache again faults none in (a new cache's ~55 MB of huge
    /// pages, zeroed by the kernel, each time the cache filled).
    fn clear(&mut self) {
        self.words.clear();
        self.lexical.clear();
        for p in &mut self.parts {
            p.block.clear();
            p.blocks.clear();
        }
    }

    /// The slot of a word (`hash`: [`WordTable::hash`]), working out its
    /// lexical info if it is new.
    #[inline]
    pub(super) fn slot(&mut self, w: &str, hash: u64, lex: &Lexicon) -> usize {
        if let Some(s) = self.words.get(w, hash) {
            return s;
        }
        self.add(w, hash, lex)
    }

    fn add(&mut self, w: &str, hash: u64, lex: &Lexicon) -> usize {
        let s = self.lexical.len();
        if self.lexical.capacity() == 0 {
            // Read by slot for every token: huge pages (see reserve_huge).
            crate::util::huge::reserve_huge(&mut self.lexical, self.max_words);
        }
        let mut info = lexical_info(w, lex);
        info.slot = s as u32 + 1;
        self.lexical.push(info);
        let added = self.words.insert(w, hash);
        debug_assert_eq!(added, s);
        s
    }

    /// Starts loading what [`WordCache::slot`] will read for a word: its
    /// place in the table (`ahead`), or, for a word whose place was loaded
    /// before (`near`), its text and lexical info.
    #[inline]
    fn preload(&self, ahead: Option<&u64>, near: Option<&u64>) {
        if let Some(&h) = ahead {
            self.words.prefetch(h);
        }
        if let Some(s) = near.and_then(|&h| self.words.guess(h)) {
            self.words.prefetch_word(s);
            if let Some(x) = self.lexical.get(s) {
                crate::util::prefetch(x);
                crate::util::prefetch(&x.slot);
            }
        }
    }
}

/// The parts of a token's static score that read one word alone: its own
/// lexical features, and its features as each neighbour.
const PARTS: usize = 1 + NEIGHBOURS.len();

/// For one weights table, the integer weight sums of [`PARTS`] per cached
/// word: static scores then need only a token's situation and pair
/// features looked up (about 15 instead of 50). Integer sums, so scores are
/// exactly those of looking every feature up.
#[derive(Default)]
pub struct PartSums {
    /// Per word slot: 1 + index into `blocks` (0: not computed yet).
    block: Vec<u32>,
    pub(super) blocks: Vec<[[i32; NLABELS]; PARTS]>,
    /// The neighbour parts beyond the sentence, once computed.
    edge: Option<[[i32; NLABELS]; PARTS]>,
    /// Room `blocks` is given at its first use (the cache's word limit).
    room: usize,
}

impl PartSums {
    /// The sums of a cached word (`x.slot > 0`).
    pub(super) fn of(&mut self, weights: &Weights, x: &TokenInfo, feats: &mut Vec<u64>) -> usize {
        let slot = x.slot as usize - 1;
        if self.block.len() <= slot {
            self.block.resize(slot + 1, 0);
        }
        if self.block[slot] == 0 {
            if self.blocks.capacity() == 0 {
                // Read at random by every token: huge pages (see reserve_huge).
                crate::util::huge::reserve_huge(&mut self.blocks, self.room);
            }
            self.blocks.push(part_block(weights, Some(x), feats));
            self.block[slot] = self.blocks.len() as u32;
        }
        self.block[slot] as usize - 1
    }

    /// Starts loading the rows of sums token `i` of sentence `a..b` will
    /// read, of the words already summed (a hint): its own part and each
    /// neighbour's part as that neighbour, five rows of 68 bytes in blocks
    /// spread over megabytes.
    #[inline]
    pub(super) fn preload(&self, infos: &[TokenInfo], a: usize, b: usize, i: usize) {
        let row = |x: &TokenInfo, part: usize| {
            let slot = x.slot as usize;
            if let Some(&n) = self.block.get(slot.wrapping_sub(1))
                && n > 0
                && let Some(block) = self.blocks.get(n as usize - 1)
            {
                let row = &block[part];
                crate::util::prefetch(row);
                crate::util::prefetch(&row[NLABELS - 1]);
            }
        };
        row(&infos[i], 0);
        for (p, k) in NEIGHBOURS.into_iter().enumerate() {
            if let Some(n) = neighbour(infos, a, b, i, k) {
                row(n, p + 1);
            }
        }
    }

    pub(super) fn edge(
        &mut self,
        weights: &Weights,
        feats: &mut Vec<u64>,
    ) -> &[[i32; NLABELS]; PARTS] {
        self.edge
            .get_or_insert_with(|| part_block(weights, None, feats))
    }
}

/// The [`PARTS`] sums of a word (`None`: beyond the sentence, which has
/// neighbour parts only).
fn part_block(
    weights: &Weights,
    x: Option<&TokenInfo>,
    feats: &mut Vec<u64>,
) -> [[i32; NLABELS]; PARTS] {
    // Every part's features first, then one prefetch of them all: their
    // loads overlap instead of waiting part by part.
    let mut ends = [0usize; PARTS];
    feats.clear();
    if let Some(x) = x {
        lexical_features(x, feats);
    }
    ends[0] = feats.len();
    for (p, k) in NEIGHBOURS.into_iter().enumerate() {
        neighbour_features(k, x, feats);
        ends[p + 1] = feats.len();
    }
    weights.prefetch(feats);
    let mut block = [[0i32; NLABELS]; PARTS];
    let mut start = 0;
    for (part, end) in block.iter_mut().zip(ends) {
        weights.add_rows(&feats[start..end], part);
        start = end;
    }
    block
}

/// A document prepared for tagging: tokens split into sentences.
pub struct Doc<'a> {
    pub words: Vec<&'a str>,
    /// Index of the first token of each sentence, plus the token count.
    pub sentences: Vec<usize>,
}

impl<'a> Doc<'a> {
    /// Builds a document from words and sentence-start flags.
    pub fn new(words: Vec<&'a str>, sent_start: impl Iterator<Item = bool>) -> Doc<'a> {
        let mut sentences: Vec<usize> = sent_start
            .enumerate()
            .filter(|(i, s)| *s || *i == 0)
            .map(|(i, _)| i)
            .collect();
        if sentences.is_empty() && !words.is_empty() {
            sentences.push(0);
        }
        sentences.push(words.len());
        Doc { words, sentences }
    }

    /// Computes the per-token information the features read.
    pub fn infos(&self, lex: &Lexicon) -> Vec<TokenInfo> {
        // A cache for this document only, with room for its words alone.
        // (Twice: truecased headline words may add a form each.)
        let mut cache = WordCache::with_max_words(2 * self.words.len());
        let mut infos = self.infos_with(lex, &mut cache);
        for x in &mut infos {
            x.slot = 0;
        }
        infos
    }

    /// [`Doc::infos`], reusing (and filling) `cache`, which must only ever
    /// be used with this same lexicon.
    pub fn infos_with(&self, lex: &Lexicon, cache: &mut WordCache) -> Vec<TokenInfo> {
        // Emptied between documents only: the slots a document's tokens get
        // must stay valid while it is tagged.
        if cache.lexical.len() + 2 * self.words.len() > cache.max_words {
            cache.clear();
        }
        // What depends on the word alone, computed once per distinct word.
        // Each word's place in the table is loaded eight words ahead, its
        // text and info four ahead (three dependent loads, which otherwise
        // each wait for the one before). Each info is written whole
        // (filling a vector of defaults first and then each field wrote
        // ~110 bytes a token twice); only a headline's or table row's
        // tokens are touched again, for their sentence's flags.
        let mut hashes = std::mem::take(&mut cache.hashes);
        hashes.clear();
        hashes.extend(self.words.iter().map(|w| WordTable::hash(w)));
        let mut infos = std::mem::take(&mut cache.spare);
        infos.clear();
        infos.reserve(self.words.len());
        for pair in self.sentences.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            for (i, w) in self.words[a..b].iter().enumerate().map(|(k, w)| (a + k, w)) {
                cache.preload(hashes.get(i + 8), hashes.get(i + 4));
                let slot = cache.slot(w, hashes[i], lex);
                infos.push(TokenInfo {
                    sent_start: i == a,
                    gazetteer: 0,
                    doc_capitalised: false,
                    ..cache.lexical[slot].clone()
                });
            }
            // The sentence's flags, from its words' cached facts: a
            // headline, a table row (numbers and names, hardly any
            // lower-case words).
            let sentence = &mut infos[a..b];
            let caps_sentence = caps_sentence(
                sentence
                    .iter()
                    .map(|x| (x.written.lettered(), x.written.caps())),
                b - a,
            );
            let numbers = sentence.iter().filter(|x| x.written.digit()).count();
            let lower = sentence.iter().filter(|x| x.written.lower_start()).count();
            let table = numbers >= 1 && lower * 5 <= (b - a) && b - a >= 2;
            if caps_sentence || table {
                for x in sentence {
                    x.caps_sentence = caps_sentence;
                    x.table = table;
                }
            }
        }
        super::truecase::truecase_headlines(&self.words, &mut infos, lex, cache);
        // Words capitalised mid-sentence (not in headlines) in this document.
        let doc_caps: rustc_hash::FxHashSet<u64> = infos
            .iter()
            .filter(|x| x.capitalised && !x.sent_start && !x.caps_sentence)
            .map(|x| x.lower)
            .collect();
        for info in infos.iter_mut() {
            info.doc_capitalised = doc_caps.contains(&info.lower);
        }
        let mut lowers = hashes;
        lowers.clear();
        lowers.extend(infos.iter().map(|x| x.lower));
        lex.mark_gazetteer(&lowers, &self.sentences, &mut infos);
        cache.hashes = lowers;
        infos
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::EntityType;
    use crate::analyze::ner::*;

    #[test]
    fn cached_word_sums_give_the_same_static_scores() {
        // Random documents over a small vocabulary (so words repeat across
        // documents and sit at sentence edges), random weights for every
        // feature they have: scores from the word cache's sums equal
        // looking each feature up, bit for bit, on first and later use.
        let mut rng = crate::testutil::Rng::new(11);
        let vocab = [
            "Putin", "said", "the", "Bank", "of", "England", "1999", "U.S.", ",", "IBM", "de",
            "Gaulle", "MOSCOW", "x-ray", "Ünal", "(", "ltd",
        ];
        let docs: Vec<Vec<&str>> = (0..30)
            .map(|_| {
                (0..1 + rng.below(40))
                    .map(|_| vocab[rng.below(vocab.len())])
                    .collect()
            })
            .collect();
        let mut lex = Lexicon::default();
        lex.clusters.insert("Putin".into(), [1, 2, 3]);
        lex.add_name(EntityType::Location, &["bank".into(), "of".into()]);
        let mut rows = std::collections::BTreeMap::new();
        let mut feats = Vec::new();
        for words in &docs {
            let starts = words.iter().map(|w| *w == "the");
            let doc = Doc::new(words.clone(), starts);
            let infos = doc.infos(&lex);
            for i in 0..infos.len() {
                static_features(&infos, 0, infos.len(), i, &mut feats);
            }
        }
        let mut rows2 = std::collections::BTreeMap::new();
        for f in feats {
            rows.insert(f, std::array::from_fn(|_| rng.below(2001) as f32 - 1000.0));
            if rng.below(2) == 0 {
                rows2.insert(f, std::array::from_fn(|_| rng.below(2001) as f32 - 1000.0));
            }
        }
        let weights = Weights::from_rows(rows.into_iter().collect());
        let weights2 = Weights::from_rows(rows2.into_iter().collect());
        // A roomy cache, and one emptied every few documents (never within
        // one: slots must stay valid while a document is tagged).
        for mut cache in [WordCache::default(), WordCache::with_max_words(10)] {
            for _ in 0..2 {
                for words in &docs {
                    let starts = words.iter().map(|w| *w == "the");
                    let doc = Doc::new(words.clone(), starts);
                    let plain =
                        static_scores(&weights, &doc.infos(&lex), &doc.sentences, None, None);
                    let plain2 =
                        static_scores(&weights2, &doc.infos(&lex), &doc.sentences, None, None);
                    let infos = doc.infos_with(&lex, &mut cache);
                    let [p1, p2] = &mut cache.parts;
                    let cached = static_scores(&weights, &infos, &doc.sentences, Some(p1), None);
                    assert_eq!(plain, cached, "{words:?}");
                    // Some tokens only, as the second pass asks: theirs
                    // the same, the others' zero.
                    let only: Vec<bool> = (0..infos.len()).map(|_| rng.below(3) > 0).collect();
                    let some =
                        static_scores(&weights2, &infos, &doc.sentences, Some(p2), Some(&only));
                    for (i, &marked) in only.iter().enumerate() {
                        let want = if marked {
                            plain2.get(i)
                        } else {
                            [0.0; NLABELS]
                        };
                        assert_eq!(some.get(i), want, "{words:?}");
                    }
                }
            }
        }
    }
}
