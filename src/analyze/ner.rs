//! The statistical entity tagger: tokens in, BILOU labels out.
//!
//! A greedy left-to-right averaged perceptron (Ratinov & Roth 2009 style)
//! over hashed features: word forms, shapes, affixes, +-2 context, word
//! clusters and casing statistics induced from unlabelled news
//! ([`Lexicon`]), gazetteer matches, the labels already given in the
//! sentence, and the labels given earlier in the document to the same word.
//! Features are 64-bit hashes combined from per-token hashes computed once,
//! so tagging allocates nothing per feature.

use rustc_hash::FxHashMap as HashMap;

use super::EntityType;
use super::lexicon::Lexicon;
use crate::util::word_table::WordTable;

/// Number of labels: O plus B, I, L, U for each of the four types.
pub const NLABELS: usize = 17;

/// A BILOU label: 0 is O; 1 + 4*type + {0:B, 1:I, 2:L, 3:U}.
pub type Label = u8;

pub const O: Label = 0;

/// The position part of a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pos {
    B,
    I,
    L,
    U,
}

/// Builds a label from a type and position.
pub fn label(t: EntityType, p: Pos) -> Label {
    1 + 4 * t as u8 + p as u8
}

/// The type and position of a non-O label.
pub fn split(l: Label) -> Option<(EntityType, Pos)> {
    if l == O {
        return None;
    }
    let t = EntityType::ALL[((l - 1) / 4) as usize];
    let p = [Pos::B, Pos::I, Pos::L, Pos::U][((l - 1) % 4) as usize];
    Some((t, p))
}

/// A readable name for a label, such as `B-PER`.
pub fn label_name(l: Label) -> String {
    match split(l) {
        None => "O".into(),
        Some((t, p)) => format!("{:?}-{}", p, t.conll()),
    }
}

/// Whether label `cur` may follow `prev` (None: sentence start).
#[inline]
pub fn allowed(prev: Option<Label>, cur: Label) -> bool {
    let open = prev
        .and_then(split)
        .filter(|(_, p)| matches!(p, Pos::B | Pos::I));
    match (open, split(cur)) {
        (Some((t, _)), Some((ct, cp))) => t == ct && matches!(cp, Pos::I | Pos::L),
        (Some(_), None) => false,
        (None, Some((_, cp))) => matches!(cp, Pos::B | Pos::U),
        (None, None) => true,
    }
}

/// Whether a sentence may end after label `l`.
#[inline]
pub fn may_end(l: Label) -> bool {
    !matches!(split(l), Some((_, Pos::B | Pos::I)))
}

/// Whether label `l` (an index) opens a name the next label must go on
/// with (B or I).
const fn opens(l: usize) -> bool {
    l != 0 && (l - 1) % 4 < 2
}

/// [`allowed`] and [`may_end`] as a table for decoding, which asks them of
/// every label for every token it scores: `FOLLOWS[last][prev][cur]`, with
/// `prev` 0 at a sentence start and 1 + the label before, `last` when
/// the token ends its run (the label must close any name). A unit test
/// checks it against the two functions.
static FOLLOWS: [[[bool; NLABELS]; NLABELS + 1]; 2] = {
    let mut t = [[[false; NLABELS]; NLABELS + 1]; 2];
    let mut last = 0;
    while last < 2 {
        let mut prev = 0;
        while prev <= NLABELS {
            let mut cur = 0;
            while cur < NLABELS {
                let pos = (cur + 3) % 4; // cur's B, I, L, U as 0..4 (O: 3)
                let follows = if prev > 0 && opens(prev - 1) {
                    cur != 0 && (cur - 1) / 4 == (prev - 2) / 4 && (pos == 1 || pos == 2)
                } else {
                    cur == 0 || pos == 0 || pos == 3
                };
                t[last][prev][cur] = follows && (last == 0 || !opens(cur));
                cur += 1;
            }
            prev += 1;
        }
        last += 1;
    }
    t
};

// ---------------------------------------------------------------- hashing

const K: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline]
fn mix(a: u64, b: u64) -> u64 {
    let x = (a ^ b.rotate_left(23)).wrapping_mul(K);
    x ^ (x >> 29)
}

/// FNV-1a of some bytes.
#[inline]
pub(crate) fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// Hashes a string (FNV-1a, then mixed).
#[inline]
pub fn hash_str(s: &str) -> u64 {
    mix(fnv1a(s.bytes()), 0x51)
}

#[inline]
fn feat(template: u64, a: u64) -> u64 {
    mix(template.wrapping_mul(K) ^ 0xA5, a)
}

#[inline]
fn feat2(template: u64, a: u64, b: u64) -> u64 {
    mix(mix(template.wrapping_mul(K) ^ 0x5A, a), b)
}

// -------------------------------------------------------------- tokens

/// What the tagger knows about one token before tagging.
#[derive(Debug, Clone, Default)]
pub struct TokenInfo {
    /// Hash of the form with digits mapped to 0.
    pub word: u64,
    /// Hash of the lower-cased form with digits mapped to 0.
    pub lower: u64,
    pub shape: u64,
    pub short_shape: u64,
    /// Hashes of the 1..=4 character prefixes and suffixes (lower-cased).
    pub affixes: [u64; 8],
    /// Cluster ids at three granularities (u16::MAX: unknown).
    pub clusters: [u16; 3],
    /// How often the word is capitalised mid-sentence in news (0..=5).
    pub casing: u8,
    /// Gazetteer matches: bit (4*type + pos) set when a name of that type
    /// covers this token at that BILOU position.
    pub gazetteer: u16,
    pub sent_start: bool,
    /// The sentence is written in capitals (a headline).
    pub caps_sentence: bool,
    /// The sentence looks like a table row (results, prices): numbers and
    /// names, hardly any lower-case words.
    pub table: bool,
    /// First letter upper-case.
    pub capitalised: bool,
    /// No capital letter and no digit anywhere in the word.
    pub plain: bool,
    /// A number: digits, no letter ("1987", "3.5", "10,000").
    pub number: bool,
    /// The lower-cased word is a word of some gazetteer name (or the
    /// lexicon does not know its names' words).
    pub named: bool,
    /// The lower-cased word occurs capitalised mid-sentence elsewhere in the
    /// same document.
    pub doc_capitalised: bool,
    /// 1 + the word's place in the [`WordCache`] that made this info (0:
    /// made without one).
    pub slot: u32,
    /// What sentence and document checks read of the word as written
    /// ([`Written`]), worked out once per distinct word.
    pub written: Written,
}

/// Facts of a word as written (not normalised), as bits: what the per-
/// sentence checks (headline, table row) and the recasing of capitals
/// count for every token, kept with the word's cached info instead of
/// scanning its characters at each occurrence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written(u8);

impl Written {
    const LETTERED: u8 = 1;
    const CAPS: u8 = 2;
    const DIGIT: u8 = 4;
    const LOWER_START: u8 = 8;
    const MIXED: u8 = 16;

    /// The facts of `w`.
    pub fn of(w: &str) -> Written {
        let mut bits = 0;
        if w.chars().any(char::is_alphabetic) {
            bits |= Written::LETTERED;
        }
        if is_caps_word(w) {
            bits |= Written::CAPS;
        }
        if w.bytes().any(|c| c.is_ascii_digit()) {
            bits |= Written::DIGIT;
        }
        if w.chars().next().is_some_and(char::is_lowercase) {
            bits |= Written::LOWER_START;
        }
        if is_mixed_case(w) {
            bits |= Written::MIXED;
        }
        Written(bits)
    }

    /// Has a letter.
    pub fn lettered(self) -> bool {
        self.0 & Written::LETTERED != 0
    }
    /// In capitals ([`is_caps_word`]).
    pub fn caps(self) -> bool {
        self.0 & Written::CAPS != 0
    }
    /// Has an ASCII digit.
    pub fn digit(self) -> bool {
        self.0 & Written::DIGIT != 0
    }
    /// Begins with a lower-case letter.
    pub fn lower_start(self) -> bool {
        self.0 & Written::LOWER_START != 0
    }
    /// Has upper- and lower-case letters both.
    pub fn mixed(self) -> bool {
        self.0 & Written::MIXED != 0
    }
}

/// Shape of a word: Xxxx, XX, dd-dd, with runs longer than 3 cut.
fn shapes(word: &str) -> (String, String) {
    let mut long = String::with_capacity(word.len());
    let mut short = String::with_capacity(8);
    shape_chars(word.chars(), |s| long.push(s), |s| short.push(s));
    (long, short)
}

/// The shape characters of a word's characters `chars`, as [`shapes`]
/// writes them: each to `long` unless it is the fourth or later of a run,
/// the first of each run to `short`.
#[inline]
fn shape_chars(
    chars: impl Iterator<Item = char>,
    mut long: impl FnMut(char),
    mut short: impl FnMut(char),
) {
    let mut last = '\0';
    let mut run = 0;
    for c in chars {
        let s = if c.is_uppercase() {
            'X'
        } else if c.is_lowercase() {
            'x'
        } else if c.is_numeric() {
            'd'
        } else {
            c
        };
        if s == last {
            run += 1;
        } else {
            run = 1;
            last = s;
            short(s);
        }
        if run <= 3 {
            long(s);
        }
    }
}

/// Maps digits to 0 so numbers share features.
fn digits_to_zero(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_digit()) {
        std::borrow::Cow::Owned(
            s.chars()
                .map(|c| if c.is_ascii_digit() { '0' } else { c })
                .collect(),
        )
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Normalises typographic quotes and dashes to what the training data has.
fn normalise(word: &str) -> std::borrow::Cow<'_, str> {
    if word.is_ascii() {
        return std::borrow::Cow::Borrowed(word);
    }
    std::borrow::Cow::Owned(
        word.chars()
            .map(|c| match c {
                '\u{2018}' | '\u{2019}' | '`' => '\'',
                '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}' => '"',
                '\u{2013}' | '\u{2014}' | '\u{2010}' | '\u{2011}' => '-',
                c => c,
            })
            .collect(),
    )
}

/// [`TokenInfo::lower`] of `word`: the hash of its lower case, with its
/// quotes and dashes normalised and digits mapped to 0.
pub fn lower_key(word: &str) -> u64 {
    hash_str(&digits_to_zero(&normalise(word)).to_lowercase())
}

/// Whether `w` has upper- and lower-case letters both.
pub(crate) fn is_mixed_case(w: &str) -> bool {
    let (mut upper, mut lower) = (false, false);
    if w.is_ascii() {
        for b in w.bytes() {
            upper |= b.is_ascii_uppercase();
            lower |= b.is_ascii_lowercase();
        }
    } else {
        for c in w.chars() {
            upper |= c.is_uppercase();
            lower |= c.is_lowercase();
        }
    }
    upper && lower
}

fn is_caps_word(w: &str) -> bool {
    let mut letters = 0;
    for c in w.chars() {
        if c.is_lowercase() {
            return false;
        }
        if c.is_uppercase() {
            letters += 1;
        }
    }
    letters > 0
}

/// The part of a token's information that depends on the word alone.
fn lexical_info(w: &str, lex: &Lexicon) -> TokenInfo {
    if w.is_ascii() && w.len() <= ASCII_WORD_MAX {
        return lexical_info_ascii(w, lex);
    }
    lexical_info_chars(w, lex)
}

/// Longest word [`lexical_info_ascii`] takes (bytes).
const ASCII_WORD_MAX: usize = 48;

/// [`lexical_info`] of an ASCII word of at most [`ASCII_WORD_MAX`] bytes
/// (nearly every word of English news), its forms written on the stack:
/// [`lexical_info_chars`] makes three or four strings and a vector for
/// each of a run's ~215,000 words new to a tagging thread (token infos of
/// a whole run 2.39 -> 2.24 G instructions). The same info (unit test
/// against it).
fn lexical_info_ascii(w: &str, lex: &Lexicon) -> TokenInfo {
    let bytes = w.as_bytes();
    let n = bytes.len();
    // The word with digits as 0, that lower-cased, and its shapes (one
    // byte a character: the shape of an ASCII character is ASCII).
    let mut w0 = [0u8; ASCII_WORD_MAX];
    let mut lower = [0u8; ASCII_WORD_MAX];
    let (mut upper, mut digit, mut alpha) = (false, false, false);
    for (i, &c) in bytes.iter().enumerate() {
        let z = if c.is_ascii_digit() { b'0' } else { c };
        w0[i] = z;
        lower[i] = z.to_ascii_lowercase();
        upper |= c.is_ascii_uppercase();
        digit |= c.is_ascii_digit();
        alpha |= c.is_ascii_alphabetic();
    }
    let mut long = [0u8; ASCII_WORD_MAX];
    let mut short = [0u8; ASCII_WORD_MAX];
    let (mut nlong, mut nshort) = (0, 0);
    shape_chars(
        bytes.iter().map(|&b| b as char),
        |s| {
            long[nlong] = s as u8;
            nlong += 1;
        },
        |s| {
            short[nshort] = s as u8;
            nshort += 1;
        },
    );
    fn text(b: &[u8]) -> &str {
        std::str::from_utf8(b).expect("ASCII bytes")
    }
    let (w0, lower) = (text(&w0[..n]), text(&lower[..n]));
    let (word_hash, lower_hash) = (hash_str(w0), hash_str(lower));
    let mut info = TokenInfo {
        word: word_hash,
        lower: lower_hash,
        named: lex.gazetteer_words.is_empty() || lex.gazetteer_words.contains(&lower_hash),
        shape: hash_str(text(&long[..nlong])),
        short_shape: hash_str(text(&short[..nshort])),
        capitalised: bytes.first().is_some_and(u8::is_ascii_uppercase),
        plain: !upper && !digit,
        number: digit && !alpha,
        clusters: lex.clusters(w0, word_hash, lower, lower_hash),
        casing: lex.casing(lower, lower_hash),
        written: Written::of(w),
        ..TokenInfo::default()
    };
    for k in 1..=4 {
        if n > k {
            info.affixes[k - 1] = hash_str(&lower[..k]);
            info.affixes[3 + k] = hash_str(&lower[n - k..]);
        }
    }
    info
}

/// [`lexical_info`] of any word, character by character.
fn lexical_info_chars(w: &str, lex: &Lexicon) -> TokenInfo {
    let norm = normalise(w);
    let w0 = digits_to_zero(&norm);
    let lower = w0.to_lowercase();
    let (long, short) = shapes(&norm);
    let (word_hash, lower_hash) = (hash_str(&w0), hash_str(&lower));
    let mut info = TokenInfo {
        word: word_hash,
        lower: lower_hash,
        named: lex.gazetteer_words.is_empty() || lex.gazetteer_words.contains(&lower_hash),
        shape: hash_str(&long),
        short_shape: hash_str(&short),
        capitalised: norm.chars().next().is_some_and(char::is_uppercase),
        plain: !norm.chars().any(|c| c.is_uppercase() || c.is_numeric()),
        number: norm.chars().any(char::is_numeric) && !norm.chars().any(char::is_alphabetic),
        clusters: lex.clusters(&w0, word_hash, &lower, lower_hash),
        casing: lex.casing(&lower, lower_hash),
        written: Written::of(w),
        ..TokenInfo::default()
    };
    let chars: Vec<(usize, char)> = lower.char_indices().collect();
    for k in 1..=4 {
        if chars.len() > k {
            let pre = &lower[..chars[k].0];
            let suf = &lower[chars[chars.len() - k].0..];
            info.affixes[k - 1] = hash_str(pre);
            info.affixes[3 + k] = hash_str(suf);
        }
    }
    info
}

/// A headline: at least 80% of the (two or more) words with letters are in
/// capitals.
pub fn is_caps_sentence(words: &[&str]) -> bool {
    let facts = words
        .iter()
        .map(|w| (w.chars().any(char::is_alphabetic), is_caps_word(w)));
    caps_sentence(facts, words.len())
}

/// [`is_caps_sentence`] of `words` words, given whether each has a letter
/// and whether it is in capitals.
fn caps_sentence(facts: impl Iterator<Item = (bool, bool)>, words: usize) -> bool {
    let (mut caps, mut lettered) = (0, 0);
    for (has_letter, in_caps) in facts {
        if has_letter {
            lettered += 1;
            if in_caps {
                caps += 1;
            } else if (lettered - caps) * 5 > words {
                // More than a fifth of all words are lettered and not in
                // capitals: 80% of the lettered ones cannot be.
                return false;
            }
        }
    }
    lettered >= 2 && caps * 10 >= lettered * 8
}

/// What the tagger knows of words on their own ([`lexical_info`]: hashes,
/// shapes, affixes, clusters, casing) and the weight sums of their features
/// ([`PartSums`]), kept across the documents one thread tags: news repeats
/// its vocabulary, so most words are looked up, not worked out again.
/// Bounded: emptied, between documents, when it would pass its word limit
/// ([`WordCache::MAX_WORDS`] by default).
pub struct WordCache {
    words: WordTable,
    lexical: Vec<TokenInfo>,
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
    /// mapped (a fresh vector a document: ~1.4% of an indexing run's time
    /// in the kernel zeroing pages for it). Very long documents' are let go.
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
    fn slot(&mut self, w: &str, hash: u64, lex: &Lexicon) -> usize {
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
    blocks: Vec<[[i32; NLABELS]; PARTS]>,
    /// The neighbour parts beyond the sentence, once computed.
    edge: Option<[[i32; NLABELS]; PARTS]>,
    /// Room `blocks` is given at its first use (the cache's word limit).
    room: usize,
}

impl PartSums {
    /// The sums of a cached word (`x.slot > 0`).
    fn of(&mut self, weights: &Weights, x: &TokenInfo, feats: &mut Vec<u64>) -> usize {
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
    fn preload(&self, infos: &[TokenInfo], a: usize, b: usize, i: usize) {
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

    fn edge(&mut self, weights: &Weights, feats: &mut Vec<u64>) -> &[[i32; NLABELS]; PARTS] {
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
        let mut cache = WordCache::with_max_words(self.words.len());
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
        if cache.lexical.len() + self.words.len() > cache.max_words {
            cache.clear();
        }
        // What depends on the word alone, computed once per distinct word.
        // Each word's place in the table is loaded eight words ahead, its
        // text and info four ahead (three dependent loads, ~13% of tagging
        // when each waited for the one before). Each info is written whole
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

// ------------------------------------------------------------- features

/// Template ids. Never renumber: they are part of the model.
mod t {
    pub const BIAS: u64 = 1;
    pub const W0: u64 = 2;
    pub const L0: u64 = 3;
    pub const LM1: u64 = 4;
    pub const LP1: u64 = 5;
    pub const LM2: u64 = 6;
    pub const LP2: u64 = 7;
    pub const S0: u64 = 8;
    pub const SM1: u64 = 9;
    pub const SP1: u64 = 10;
    pub const SS0: u64 = 11;
    pub const S0_START: u64 = 12;
    pub const SHAPE3: u64 = 13;
    pub const AFFIX: u64 = 14; // + k
    pub const LM1_L0: u64 = 30;
    pub const L0_LP1: u64 = 31;
    pub const C0: u64 = 32; // + granularity
    pub const CM1: u64 = 36; // + granularity
    pub const CP1: u64 = 40; // + granularity
    pub const CASE0: u64 = 44;
    pub const CAPS_L0: u64 = 45;
    pub const GAZ0: u64 = 46;
    pub const GAZM1: u64 = 47;
    pub const GAZP1: u64 = 48;
    pub const DOCCAP: u64 = 49;
    pub const WM1: u64 = 50;
    pub const WP1: u64 = 51;
    pub const SM1_S0: u64 = 52;
    pub const S0_SP1: u64 = 53;
    pub const C0_SS: u64 = 54;
    pub const CASE_CAPS: u64 = 55;
    // Dynamic templates (they read labels already given).
    pub const P1: u64 = 100;
    pub const P2P1: u64 = 101;
    pub const P1_L0: u64 = 102;
    pub const P1_S0: u64 = 103;
    pub const HIST: u64 = 104;
    pub const HIST_S0: u64 = 105;
    pub const P1_C0: u64 = 106;
    pub const SEEN: u64 = 107;
    pub const IN_ENTITY: u64 = 108;
    pub const IN_ENTITY_S0: u64 = 109;
    // Second-pass templates.
    pub const A_OWN: u64 = 200;
    pub const A_OWN_L0: u64 = 201;
    pub const A_CTX: u64 = 202;
    pub const A_TOKEN: u64 = 203;
    pub const A_TOKEN_S0: u64 = 204;
    pub const A_TOKEN_OWN: u64 = 205;
    pub const A_ENTITY: u64 = 206;
    pub const A_ENTITY_OWN: u64 = 207;
    pub const A_SUPER: u64 = 208;
    pub const A_SUPER_S0: u64 = 209;
    pub const L0_SP1: u64 = 56;
    pub const SM1_L0: u64 = 57;
    pub const CM2: u64 = 58;
    pub const CP2: u64 = 59;
    pub const CM1_C0: u64 = 60;
    pub const C0_CP1: u64 = 61;
    pub const TABLE_L0: u64 = 62;
    pub const TABLE_S0: u64 = 63;
    pub const TABLE_C0: u64 = 64;
}

/// Beyond the sentence: what a missing neighbour's fields read as.
const NONE: u64 = 0x0BAD;

/// Appends the label-independent features of token `i` to `out`: those of
/// the word alone ([`lexical_features`]), of its place in the sentence and
/// document ([`situation_features`]), of each neighbour alone
/// ([`neighbour_features`]) and of pairs ([`pair_features`]).
pub fn static_features(infos: &[TokenInfo], a: usize, b: usize, i: usize, out: &mut Vec<u64>) {
    lexical_features(&infos[i], out);
    situation_features(infos, a, b, i, out);
    for k in NEIGHBOURS {
        neighbour_features(k, neighbour(infos, a, b, i, k), out);
    }
    pair_features(infos, a, b, i, out);
}

/// Offsets of the neighbours a token's features read, in the order of
/// [`Part`]'s neighbour parts.
const NEIGHBOURS: [isize; 4] = [-2, -1, 1, 2];

#[inline]
fn neighbour(infos: &[TokenInfo], a: usize, b: usize, i: usize, k: isize) -> Option<&TokenInfo> {
    let j = i as isize + k;
    (j >= a as isize && j < b as isize).then(|| &infos[j as usize])
}

/// Features of the word alone (its [`lexical_info`] fields).
fn lexical_features(x: &TokenInfo, out: &mut Vec<u64>) {
    out.push(feat(t::BIAS, 0));
    out.push(feat(t::W0, x.word));
    out.push(feat(t::L0, x.lower));
    out.push(feat(t::S0, x.shape));
    out.push(feat(t::SS0, x.short_shape));
    for (k, &h) in x.affixes.iter().enumerate() {
        if h != 0 {
            out.push(feat(t::AFFIX + k as u64, h));
        }
    }
    for g in 0..3 {
        out.push(feat(t::C0 + g as u64, x.clusters[g] as u64));
    }
    out.push(feat2(t::C0_SS, x.clusters[1] as u64, x.short_shape));
}

/// Features of the token in its sentence and document: sentence start,
/// headline, table, capitalised elsewhere, gazetteer matches (its own and
/// its neighbours').
fn situation_features(infos: &[TokenInfo], a: usize, b: usize, i: usize, out: &mut Vec<u64>) {
    let x = &infos[i];
    let flags = (x.sent_start as u64) | (x.caps_sentence as u64) << 1 | (x.table as u64) << 3;
    out.push(feat2(t::S0_START, x.shape, flags));
    if x.table {
        out.push(feat2(t::TABLE_L0, x.lower, 1));
        out.push(feat2(t::TABLE_C0, x.clusters[2] as u64, 1));
    }
    out.push(feat2(
        t::CASE0,
        x.casing as u64,
        flags | (x.capitalised as u64) << 2,
    ));
    if x.caps_sentence {
        out.push(feat(t::CAPS_L0, x.lower));
        out.push(feat2(
            t::CASE_CAPS,
            x.casing as u64,
            x.doc_capitalised as u64,
        ));
    }
    if x.sent_start || x.caps_sentence {
        out.push(feat2(
            t::DOCCAP,
            x.doc_capitalised as u64,
            x.capitalised as u64,
        ));
    }
    for bit in set_bits(x.gazetteer) {
        out.push(feat(t::GAZ0, bit));
        out.push(feat2(t::GAZ0, bit, x.short_shape));
    }
    for (k, template) in [(-1, t::GAZM1), (1, t::GAZP1)] {
        if let Some(n) = neighbour(infos, a, b, i, k) {
            for bit in set_bits(n.gazetteer) {
                out.push(feat(template, bit / 4));
            }
        }
    }
}

/// The set bits of `bits`, lowest first (most tokens have none).
#[inline]
fn set_bits(mut bits: u16) -> impl Iterator<Item = u64> {
    std::iter::from_fn(move || {
        (bits != 0).then(|| {
            let bit = bits.trailing_zeros() as u64;
            bits &= bits - 1;
            bit
        })
    })
}

/// Features of the neighbour at offset `k` (one of [`NEIGHBOURS`]) alone,
/// from its [`lexical_info`] fields; `None` beyond the sentence.
fn neighbour_features(k: isize, n: Option<&TokenInfo>, out: &mut Vec<u64>) {
    let lower = n.map_or(NONE.wrapping_add(k as u64), |t| t.lower);
    let cluster = |g: usize| n.map_or(NONE, |t| t.clusters[g] as u64);
    match k {
        -2 | 2 => {
            out.push(feat(if k < 0 { t::LM2 } else { t::LP2 }, lower));
            out.push(feat(if k < 0 { t::CM2 } else { t::CP2 }, cluster(1)));
        }
        _ => {
            let (l, w, s, c) = if k < 0 {
                (t::LM1, t::WM1, t::SM1, t::CM1)
            } else {
                (t::LP1, t::WP1, t::SP1, t::CP1)
            };
            out.push(feat(l, lower));
            out.push(feat(w, n.map_or(NONE, |t| t.word)));
            out.push(feat(
                s,
                n.map_or(NONE.wrapping_add(k as u64), |t| t.short_shape),
            ));
            for g in 0..3 {
                out.push(feat(c + g as u64, cluster(g)));
            }
        }
    }
}

/// Features of the token together with a neighbour.
fn pair_features(infos: &[TokenInfo], a: usize, b: usize, i: usize, out: &mut Vec<u64>) {
    let x = &infos[i];
    let get = |k: isize| neighbour(infos, a, b, i, k);
    let lower = |k: isize| get(k).map_or(NONE.wrapping_add(k as u64), |t| t.lower);
    let shape = |k: isize| get(k).map_or(NONE.wrapping_add(k as u64), |t| t.short_shape);
    let cluster0 = |k: isize| get(k).map_or(NONE, |t| t.clusters[0] as u64);
    out.push(feat2(t::SM1_S0, shape(-1), x.short_shape));
    out.push(feat2(t::S0_SP1, x.short_shape, shape(1)));
    out.push(feat2(t::SHAPE3, mix(shape(-1), x.short_shape), shape(1)));
    out.push(feat2(t::LM1_L0, lower(-1), x.lower));
    out.push(feat2(t::L0_LP1, x.lower, lower(1)));
    if x.table {
        out.push(feat2(t::TABLE_S0, x.short_shape, shape(1)));
    }
    out.push(feat2(t::L0_SP1, x.lower, shape(1)));
    out.push(feat2(t::SM1_L0, shape(-1), x.lower));
    out.push(feat2(t::CM1_C0, cluster0(-1), x.clusters[0] as u64));
    out.push(feat2(t::C0_CP1, x.clusters[0] as u64, cluster0(1)));
}

/// Label-dependent context: the two previous labels and the majority type
/// the same word was given earlier in the document.
#[derive(Debug, Clone, Copy)]
pub struct History {
    pub p1: Option<Label>,
    pub p2: Option<Label>,
    /// 0: never seen before; 1: seen, always O; 2 + type: mostly this type.
    pub hist: u8,
    /// Bit t set: the word was given type t earlier in the document.
    pub seen: u8,
    /// Bit t set: the word was part of a longer entity of type t earlier.
    pub in_entity: u8,
}

/// Appends the label-dependent features of token `i`.
pub fn dynamic_features(x: &TokenInfo, h: History, out: &mut Vec<u64>) {
    let p1 = h.p1.map_or(99, u64::from);
    let p2 = h.p2.map_or(99, u64::from);
    out.push(feat(t::P1, p1));
    out.push(feat2(t::P2P1, p2, p1));
    out.push(feat2(t::P1_L0, p1, x.lower));
    out.push(feat2(t::P1_S0, p1, x.short_shape));
    out.push(feat2(t::P1_C0, p1, x.clusters[1] as u64));
    out.push(feat(t::HIST, h.hist as u64));
    out.push(feat2(t::HIST_S0, h.hist as u64, x.short_shape));
    for b in 0..4u64 {
        if h.seen & (1 << b) != 0 {
            out.push(feat(t::SEEN, b));
        }
        if h.in_entity & (1 << b) != 0 {
            out.push(feat(t::IN_ENTITY, b));
            out.push(feat2(t::IN_ENTITY_S0, b, x.short_shape));
        }
    }
}

/// The label history of a document: per lower-cased word, how often each
/// type (and O) was given to it when capitalised.
#[derive(Default)]
pub struct DocHistory {
    counts: HashMap<u64, [u16; 5]>,
    /// Words seen inside multi-token entities: type bits.
    parts: HashMap<u64, u8>,
    /// Start of the entity being read, if any.
    open: Option<usize>,
}

impl DocHistory {
    /// An empty history with room for the words of `infos` it may record
    /// (each capitalised one; growing the maps as words came cost 0.6% of
    /// the instructions of indexing with entities).
    pub fn for_tokens(infos: &[TokenInfo]) -> DocHistory {
        let capitalised = capitalised_count(infos);
        DocHistory {
            counts: HashMap::with_capacity_and_hasher(capitalised, Default::default()),
            parts: HashMap::with_capacity_and_hasher(capitalised / 2, Default::default()),
            open: None,
        }
    }

    /// The history code for a token (see [`History::hist`]) and the type
    /// bits the word was given before ([`History::seen`]), from one look-up.
    pub fn code_and_seen(&self, x: &TokenInfo) -> (u8, u8) {
        if !x.capitalised {
            return (0, 0);
        }
        match self.counts.get(&x.lower) {
            None => (0, 0),
            Some(c) => {
                let (best, n) = (0..4)
                    .map(|t| (t, c[t]))
                    .max_by_key(|&(_, n)| n)
                    .unwrap_or((0, 0));
                let code = if n == 0 { 1 } else { 2 + best as u8 };
                let seen = (0..4).filter(|&t| c[t] > 0).fold(0u8, |m, t| m | 1 << t);
                (code, seen)
            }
        }
    }

    /// Type bits of longer entities the word was part of.
    pub fn in_entity(&self, x: &TokenInfo) -> u8 {
        if !x.capitalised {
            return 0;
        }
        self.parts.get(&x.lower).copied().unwrap_or(0)
    }

    /// Records the label given to token `i` of `infos`. Inline for the
    /// most common case, an O given to a word without a capital (decoding
    /// records every token), which only closes the open name.
    #[inline]
    pub fn record(&mut self, infos: &[TokenInfo], i: usize, l: Label) {
        if l == O && !infos[i].capitalised {
            self.open = None;
            return;
        }
        self.record_other(infos, i, l);
    }

    /// [`DocHistory::record`] of the other cases.
    fn record_other(&mut self, infos: &[TokenInfo], i: usize, l: Label) {
        let x = &infos[i];
        match split(l) {
            Some((_, Pos::B)) => self.open = Some(i),
            Some((t, Pos::L)) => {
                if let Some(s) = self.open.take() {
                    for y in &infos[s..=i] {
                        if y.capitalised {
                            *self.parts.entry(y.lower).or_default() |= 1 << t as u8;
                        }
                    }
                }
            }
            Some((_, Pos::I)) => {}
            _ => self.open = None,
        }
        if !x.capitalised {
            return;
        }
        let c = self.counts.entry(x.lower).or_default();
        let slot = split(l).map_or(4, |(t, _)| t as usize);
        c[slot] = c[slot].saturating_add(1);
    }
}

// ---------------------------------------------------------------- model

/// One slot of the weight table: a feature hash and its weights as 16-bit
/// integers (times [`Weights::scale`]), together in one 64-byte cache line
/// so that a lookup touches one line of memory. (In 48 bytes, half the
/// slots straddled two lines, one of them not prefetched: tagging 5-10%
/// slower, tag_speed medians of 8 interleaved runs 2.60 -> 2.38 s, for
/// 16 MB more table.)
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub struct Entry {
    /// Feature hash (0: empty slot).
    pub key: u64,
    pub w: [i16; NLABELS],
}

/// Feature weights: an open-addressing hash table from feature hash to a
/// row of [`NLABELS`] weights.
#[derive(Clone)]
pub struct Weights {
    table: Vec<Entry>,
    len: usize,
    /// Value of one unit of the stored integer weights.
    scale: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights::from_rows(Vec::new())
    }
}

const EMPTY: Entry = Entry {
    key: 0,
    w: [0; NLABELS],
};

impl Weights {
    /// Builds the table from (feature, weights) pairs.
    pub fn from_rows(rows: Vec<(u64, [f32; NLABELS])>) -> Weights {
        let max = rows
            .iter()
            .flat_map(|(_, w)| w.iter())
            .fold(0f32, |m, w| m.max(w.abs()))
            .max(1e-9);
        Weights::from_quantized(
            max / 32767.0,
            rows.into_iter()
                .map(|(k, w)| (k, w.map(|x| (x / (max / 32767.0)).round() as i16))),
        )
    }

    /// Builds the table from integer weights and their scale.
    pub fn from_quantized(
        scale: f32,
        rows: impl ExactSizeIterator<Item = (u64, [i16; NLABELS])>,
    ) -> Weights {
        // Load factor at most 1/2 (~0.29 for the shipped model's 150,576
        // features in 2^19 slots): a lookup, found or not, seldom walks
        // past its first slot. At most 2/3 (2^18 slots, 0.57) tagging took
        // 10% longer (tag_speed 3.18 -> 2.86 s on one core).
        let cap = (rows.len() * 2 + 1).next_power_of_two().max(16);
        let mut table = Vec::new();
        crate::util::huge::reserve_huge(&mut table, cap);
        table.resize(cap, EMPTY);
        let len = rows.len();
        for (key, w) in rows {
            let key = if key == 0 { 1 } else { key };
            let mut s = (key as usize) & (cap - 1);
            while table[s].key != 0 {
                s = (s + 1) & (cap - 1);
            }
            table[s] = Entry { key, w };
        }
        Weights { table, len, scale }
    }

    /// The value of one unit of the stored weights.
    pub fn scale(&self) -> f32 {
        self.scale
    }

    /// Every (feature, integer weights) pair, in table order.
    pub fn rows(&self) -> impl Iterator<Item = (u64, &[i16; NLABELS])> {
        self.table
            .iter()
            .filter(|e| e.key != 0)
            .map(|e| (e.key, &e.w))
    }

    /// The integer weight row of a feature, if the model has it.
    #[inline]
    pub fn row(&self, key: u64) -> Option<&[i16; NLABELS]> {
        let key = if key == 0 { 1 } else { key };
        let mask = self.table.len() - 1;
        let mut s = (key as usize) & mask;
        loop {
            let e = &self.table[s];
            if e.key == key {
                return Some(&e.w);
            }
            if e.key == 0 {
                return None;
            }
            s = (s + 1) & mask;
        }
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if the model has no features.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds the rows of `features` into `scores`, prefetching every row
    /// first so the memory loads overlap.
    #[inline]
    pub fn score(&self, features: &[u64], scores: &mut [f32; NLABELS]) {
        let mut acc = [0i32; NLABELS];
        self.add(features, &mut acc);
        self.add_scaled(&acc, scores);
    }

    /// Adds the integer rows of `features` into `acc`.
    #[inline]
    pub fn add(&self, features: &[u64], acc: &mut [i32; NLABELS]) {
        self.prefetch(features);
        self.add_rows(features, acc);
    }

    /// Starts loading the table slots of `features`.
    #[inline]
    pub fn prefetch(&self, features: &[u64]) {
        let mask = self.table.len() - 1;
        for &f in features {
            let key = if f == 0 { 1 } else { f };
            crate::util::prefetch(&self.table[(key as usize) & mask]);
        }
    }

    /// [`Weights::add`] without the prefetching.
    #[inline]
    pub fn add_rows(&self, features: &[u64], acc: &mut [i32; NLABELS]) {
        for &f in features {
            if let Some(row) = self.row(f) {
                for (a, w) in acc.iter_mut().zip(row) {
                    *a += *w as i32;
                }
            }
        }
    }

    /// Adds integer sums, scaled, into `scores`.
    #[inline]
    fn add_scaled(&self, acc: &[i32; NLABELS], scores: &mut [f32; NLABELS]) {
        for (s, a) in scores.iter_mut().zip(acc) {
            *s += *a as f32 * self.scale;
        }
    }
}

/// A token that is O without asking the model unless an entity is open
/// before it: a plain word (no capital, no digit; punctuation too). Names of
/// every type start with a capital or a digit: of the 139,579 plain tokens
/// of CoNLL-2003 train, 20 begin an entity ("de", "van", "serie"), and
/// CoNLL-2003 dev scores the same with or without asking (F1 0.9218). Plain
/// words inside a name ("Bank of England") are still scored, because the
/// entity is open. Training sees every token.
///
/// Numbers too (digits, no letter): of the 18,287 in CoNLL-2003 train, 25
/// begin an entity ("1998 World Cup", "1860 Munich"), of dev's 4,038, 8;
/// numbers go on an open name as plain words do ("Formula 1").
#[inline]
pub fn obviously_outside(infos: &[TokenInfo], i: usize) -> bool {
    infos[i].plain || infos[i].number
}

/// The static scores of a document's tokens ([`static_scores`]): a row for
/// each token scored, none for the others (about four tokens in five are
/// [`obviously_outside`]; a zeroed row for every token was ~300 MB written
/// per pass over the benchmark corpus).
#[derive(Debug, Clone, PartialEq)]
pub struct StaticScores {
    /// Per token: its row in `rows`, or [`StaticScores::NONE`].
    at: Vec<u32>,
    rows: Vec<[f32; NLABELS]>,
}

impl StaticScores {
    const NONE: u32 = u32::MAX;

    /// The scores of token `i` (zero if it was not scored).
    #[inline]
    pub fn get(&self, i: usize) -> [f32; NLABELS] {
        match self.at[i] {
            StaticScores::NONE => [0.0; NLABELS],
            k => self.rows[k as usize],
        }
    }
}

/// The label-independent scores of every token that is not
/// [`obviously_outside`] (static features only), of the tokens `only` marks
/// (all without it; the others' scores are zero). With `parts`, the
/// sums of words in the [`WordCache`] that made `infos` are taken from (and
/// kept in) it; the scores are the same either way.
pub fn static_scores(
    weights: &Weights,
    infos: &[TokenInfo],
    sentences: &[usize],
    mut parts: Option<&mut PartSums>,
    only: Option<&[bool]>,
) -> StaticScores {
    let mut out = StaticScores {
        at: vec![StaticScores::NONE; infos.len()],
        rows: Vec::with_capacity(infos.len() / 4),
    };
    let mut feats: Vec<u64> = Vec::with_capacity(96);
    let mut scratch: Vec<u64> = Vec::with_capacity(96);
    // Sums are kept by slot: only for infos a word cache made.
    let cached = infos.iter().all(|x| x.slot > 0) && parts.is_some();
    for s in 0..sentences.len().saturating_sub(1) {
        let (a, b) = (sentences[s], sentences[s + 1]);
        // The next token scored, whose rows of sums are preloaded while
        // this one is scored.
        let next = |from: usize| {
            (from..b).find(|&j| only.is_none_or(|only| only[j]) && !obviously_outside(infos, j))
        };
        let mut ahead = next(a);
        while let Some(i) = ahead {
            ahead = next(i + 1);
            if let (true, Some(j), Some(parts)) = (cached, ahead, parts.as_deref()) {
                parts.preload(infos, a, b, j);
            }
            feats.clear();
            if !cached {
                static_features(infos, a, b, i, &mut feats);
            } else {
                situation_features(infos, a, b, i, &mut feats);
                pair_features(infos, a, b, i, &mut feats);
            }
            weights.prefetch(&feats);
            let mut acc = [0i32; NLABELS];
            if let (true, Some(parts)) = (cached, parts.as_deref_mut()) {
                let own = parts.of(weights, &infos[i], &mut scratch);
                acc = parts.blocks[own][0];
                for (p, k) in NEIGHBOURS.into_iter().enumerate() {
                    let row = match neighbour(infos, a, b, i, k) {
                        Some(n) => {
                            let block = parts.of(weights, n, &mut scratch);
                            parts.blocks[block][p + 1]
                        }
                        None => parts.edge(weights, &mut scratch)[p + 1],
                    };
                    for (a, r) in acc.iter_mut().zip(row) {
                        *a += r;
                    }
                }
            }
            weights.add_rows(&feats, &mut acc);
            let mut row = [0f32; NLABELS];
            weights.add_scaled(&acc, &mut row);
            out.at[i] = out.rows.len() as u32;
            out.rows.push(row);
        }
    }
    out
}

/// What decoding asks of the weights: scores for a feature list, and (for
/// training) a look at each decision.
pub trait Scorer {
    /// Adds the weights of `features` into `scores`.
    fn score(&self, features: &[u64], scores: &mut [f32; NLABELS]);
    /// Sees token `i`'s features and the predicted label; returns the label
    /// to go on with. Training updates its weights here.
    fn observe(&mut self, _i: usize, _features: &[u64], predicted: Label) -> Label {
        predicted
    }
    /// May remove features before scoring (training drops some at random).
    fn prune(&mut self, _i: usize, _features: &mut Vec<u64>) {}
    /// Whether tokens that are [`obviously_outside`] may be labelled O
    /// without scoring (tagging: yes; training sees every token).
    fn skips_plain(&self) -> bool {
        true
    }
}

impl Scorer for &Weights {
    fn score(&self, features: &[u64], scores: &mut [f32; NLABELS]) {
        Weights::score(self, features, scores)
    }
}

/// Tags a document greedily, left to right, sentence by sentence.
pub fn decode<S: Scorer + ?Sized>(
    scorer: &mut S,
    infos: &[TokenInfo],
    sentences: &[usize],
    agg: Option<&[Agg]>,
) -> Vec<Label> {
    decode_with(scorer, infos, sentences, agg, None)
}

/// [`decode`], with the static part of each token's scores computed
/// beforehand ([`static_scores`]) when `fixed` is given.
pub fn decode_with<S: Scorer + ?Sized>(
    scorer: &mut S,
    infos: &[TokenInfo],
    sentences: &[usize],
    agg: Option<&[Agg]>,
    fixed: Option<&StaticScores>,
) -> Vec<Label> {
    decode_some(scorer, infos, sentences, agg, fixed, None)
}

/// The second pass over the tokens [`rereads`] marks, with their static
/// scores in `fixed`; the other tokens keep their `first`-pass labels (which
/// the label history and the next token's label features still see). A run
/// of marked tokens ends on a label that closes any name, as the kept label
/// after it begins one or is outside.
pub fn redecode<S: Scorer + ?Sized>(
    scorer: &mut S,
    infos: &[TokenInfo],
    sentences: &[usize],
    agg: &[Agg],
    fixed: &StaticScores,
    reread: &[bool],
    first: &[Label],
) -> Vec<Label> {
    decode_some(
        scorer,
        infos,
        sentences,
        Some(agg),
        Some(fixed),
        Some((reread, first)),
    )
}

/// [`decode_with`]; with `keep`, the tokens it does not mark take their
/// labels from it instead.
fn decode_some<S: Scorer + ?Sized>(
    scorer: &mut S,
    infos: &[TokenInfo],
    sentences: &[usize],
    agg: Option<&[Agg]>,
    fixed: Option<&StaticScores>,
    keep: Option<(&[bool], &[Label])>,
) -> Vec<Label> {
    let mut labels = vec![O; infos.len()];
    let mut history = DocHistory::for_tokens(infos);
    let mut feats: Vec<u64> = Vec::with_capacity(96);
    let skips = scorer.skips_plain();
    for s in 0..sentences.len().saturating_sub(1) {
        let (a, b) = (sentences[s], sentences[s + 1]);
        let mut p1: Option<Label> = None;
        let mut p2: Option<Label> = None;
        for i in a..b {
            if let Some((marked, kept)) = keep
                && !marked[i]
            {
                labels[i] = kept[i];
                history.record(infos, i, kept[i]);
                p2 = p1;
                p1 = Some(kept[i]);
                continue;
            }
            let outside = skips && obviously_outside(infos, i);
            let open = p1.is_some_and(|p| opens(p as usize));
            if outside && !open {
                labels[i] = O;
                history.record(infos, i, O);
                p2 = p1;
                p1 = Some(O);
                continue;
            }
            feats.clear();
            if fixed.is_none() || outside {
                // (`fixed` has no static scores for tokens that are
                // usually skipped.)
                static_features(infos, a, b, i, &mut feats);
            }
            let (hist, seen) = history.code_and_seen(&infos[i]);
            let h = History {
                p1,
                p2,
                hist,
                seen,
                in_entity: history.in_entity(&infos[i]),
            };
            dynamic_features(&infos[i], h, &mut feats);
            if let Some(agg) = agg {
                agg_features(&agg[i], &infos[i], &mut feats);
            }
            scorer.prune(i, &mut feats);
            let mut scores = fixed.map_or([0f32; NLABELS], |f| f.get(i));
            scorer.score(&feats, &mut scores);
            let last = i + 1 == b || keep.is_some_and(|(marked, _)| !marked[i + 1]);
            let mut best = O;
            let mut best_score = f32::NEG_INFINITY;
            let follows = &FOLLOWS[last as usize][p1.map_or(0, |p| p as usize + 1)];
            for (l, (&ok, &score)) in follows.iter().zip(&scores).enumerate() {
                if ok && score > best_score {
                    best = l as Label;
                    best_score = score;
                }
            }
            best = scorer.observe(i, &feats, best);
            labels[i] = best;
            history.record(infos, i, best);
            p2 = p1;
            p1 = Some(best);
        }
    }
    labels
}

/// What the first pass said about a token and the document around it, for
/// the second (stacked) pass (Krishnan & Manning 2006).
#[derive(Debug, Clone, Copy, Default)]
pub struct Agg {
    /// First-pass label of this token and its neighbours (99: none).
    pub own: u8,
    pub prev: u8,
    pub next: u8,
    /// Majority first-pass type (2 + type, 1: O) of the other capitalised
    /// occurrences of this word in the document; 0: none.
    pub token_major: u8,
    /// Majority type of the other occurrences of the first-pass entity
    /// containing this token; 0: none or not in an entity.
    pub entity_major: u8,
    /// Type bits of longer first-pass entities elsewhere that contain this
    /// word.
    pub super_entity: u8,
}

impl Agg {
    /// Whether the document features say something of this token that its
    /// own first-pass label does not: the same word or name mostly given
    /// another label elsewhere, or the word part of a longer name of
    /// another type.
    pub fn disagrees(&self) -> bool {
        let own = split(self.own).map_or(1, |(t, _)| 2 + t as u8);
        let differs = |major: u8| major != 0 && major != own;
        let outside = own < 2 || self.super_entity & (1 << (own - 2)) == 0;
        differs(self.token_major)
            || differs(self.entity_major)
            || (self.super_entity != 0 && outside)
    }
}

/// Tokens on each side of a disagreeing token that the second pass reads
/// again with it (CoNLL-2003 dev F1 with 0 to 5: 0.9225, 0.9228, 0.9228,
/// 0.9227, 0.9227; whole sentences 0.9227).
const REREAD_CONTEXT: usize = 2;

/// The tokens the second pass reads again: around each token whose document
/// features [`Agg::disagrees`] with its first-pass label, [`REREAD_CONTEXT`]
/// tokens on each side, widened to whole first-pass names, within the
/// sentence. Elsewhere the stacked features only repeat the first pass. On
/// CoNLL-2003 dev F1 0.9228 (0.9227 rereading whole sentences with such a
/// token, 0.9218 rereading everything); on the real benchmark corpus 19% of
/// the sentences have such a token.
pub fn rereads(sentences: &[usize], agg: &[Agg], first: &[Label]) -> Vec<bool> {
    let mut marked = vec![false; agg.len()];
    // A window edge inside a first-pass name moves out to the name's edge:
    // the label kept before a window closes any name, and the one kept
    // after it begins one or is outside.
    let inside = |l: Label| matches!(split(l), Some((_, Pos::I | Pos::L)));
    for w in sentences.windows(2) {
        let (a, b) = (w[0], w[1]);
        for i in (a..b).filter(|&i| agg[i].disagrees()) {
            let mut start = i.saturating_sub(REREAD_CONTEXT).max(a);
            while start > a && inside(first[start]) {
                start -= 1;
            }
            let mut end = (i + 1 + REREAD_CONTEXT).min(b);
            while end < b && inside(first[end]) {
                end += 1;
            }
            marked[start..end].fill(true);
        }
    }
    marked
}

fn majority(counts: &[u32; 5]) -> u8 {
    let (best, n) = (0..5)
        .map(|t| (t, counts[t]))
        .max_by_key(|&(t, n)| (n, 5 - t))
        .unwrap_or((0, 0));
    if n == 0 {
        0
    } else if best == 4 {
        1
    } else {
        2 + best as u8
    }
}

/// How many tokens of `infos` are capitalised: room for the per-word maps
/// of [`DocHistory`] and [`aggregate`].
fn capitalised_count(infos: &[TokenInfo]) -> usize {
    infos.iter().filter(|x| x.capitalised).count()
}

/// Computes the second-pass context from first-pass labels.
pub fn aggregate(infos: &[TokenInfo], sentences: &[usize], labels: &[Label]) -> Vec<Agg> {
    let n = infos.len();
    // Per lower word occurring capitalised: the first-pass types of its
    // capitalised occurrences (slot 4: O), and the type bits of the
    // multi-word entities that contain it (only capitalised tokens read
    // either, so words never capitalised get no entry).
    let room = capitalised_count(infos);
    let mut words: HashMap<u64, ([u32; 5], u8)> =
        HashMap::with_capacity_and_hasher(room, Default::default());
    for (i, x) in infos.iter().enumerate() {
        if x.capitalised {
            let slot = split(labels[i]).map_or(4, |(t, _)| t as usize);
            words.entry(x.lower).or_default().0[slot] += 1;
        }
    }
    // Entities (sentence by sentence): the word sequence hash -> type
    // counts.
    let mut entities: HashMap<u64, [u32; 5]> =
        HashMap::with_capacity_and_hasher(room / 2, Default::default());
    let mut found: Vec<(usize, usize, u64, EntityType)> = Vec::with_capacity(room / 2);
    for s in 0..sentences.len().saturating_sub(1) {
        let (a, b) = (sentences[s], sentences[s + 1]);
        for sp in spans(&labels[a..b]) {
            let (st, en) = (sp.start + a, sp.end + a);
            let key = infos[st..en].iter().fold(0x51u64, |h, x| mix(h, x.lower));
            entities.entry(key).or_default()[sp.kind as usize] += 1;
            if en - st > 1 {
                for x in &infos[st..en] {
                    if let Some(w) = words.get_mut(&x.lower) {
                        w.1 |= 1 << sp.kind as u8;
                    }
                }
            }
            found.push((st, en, key, sp.kind));
        }
    }
    let mut out: Vec<Agg> = Vec::with_capacity(n);
    for (i, x) in infos.iter().enumerate() {
        let mut a = Agg {
            own: labels[i],
            prev: if i > 0 { labels[i - 1] } else { 99 },
            next: if i + 1 < n { labels[i + 1] } else { 99 },
            ..Agg::default()
        };
        if x.capitalised
            && let Some((c, parts)) = words.get(&x.lower)
        {
            let mut c = *c;
            let slot = split(labels[i]).map_or(4, |(t, _)| t as usize);
            c[slot] -= 1;
            a.token_major = majority(&c);
            a.super_entity = *parts;
        }
        out.push(a);
    }
    // Each entity's tokens: the other occurrences' majority type.
    for (st, en, key, kind) in found {
        let mut c = entities[&key];
        c[kind as usize] = c[kind as usize].saturating_sub(1);
        let major = majority(&c);
        for a in &mut out[st..en] {
            a.entity_major = major;
        }
    }
    out
}

/// Appends the second-pass features of a token.
pub fn agg_features(a: &Agg, x: &TokenInfo, out: &mut Vec<u64>) {
    out.push(feat(t::A_OWN, a.own as u64));
    out.push(feat2(t::A_OWN_L0, a.own as u64, x.lower));
    out.push(feat2(
        t::A_CTX,
        mix(a.prev as u64, a.own as u64),
        a.next as u64,
    ));
    out.push(feat(t::A_TOKEN, a.token_major as u64));
    out.push(feat2(t::A_TOKEN_S0, a.token_major as u64, x.short_shape));
    out.push(feat2(t::A_TOKEN_OWN, a.token_major as u64, a.own as u64));
    out.push(feat(t::A_ENTITY, a.entity_major as u64));
    out.push(feat2(t::A_ENTITY_OWN, a.entity_major as u64, a.own as u64));
    out.push(feat(t::A_SUPER, a.super_entity as u64));
    out.push(feat2(t::A_SUPER_S0, a.super_entity as u64, x.short_shape));
}

/// A span of tokens `[start, end)` tagged with a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: EntityType,
}

/// Reads entity spans from BILOU labels (lenient with broken sequences).
pub fn spans(labels: &[Label]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut open: Option<(usize, EntityType)> = None;
    for (i, &l) in labels.iter().enumerate() {
        match split(l) {
            None => {
                if let Some((s, t)) = open.take() {
                    out.push(Span {
                        start: s,
                        end: i,
                        kind: t,
                    });
                }
            }
            Some((t, p)) => {
                if let Some((s, ot)) = open
                    && (ot != t || matches!(p, Pos::B | Pos::U))
                {
                    out.push(Span {
                        start: s,
                        end: i,
                        kind: ot,
                    });
                    open = None;
                }
                if open.is_none() {
                    open = Some((i, t));
                }
                if matches!(p, Pos::L | Pos::U)
                    && let Some((s, t)) = open.take()
                {
                    out.push(Span {
                        start: s,
                        end: i + 1,
                        kind: t,
                    });
                }
            }
        }
    }
    if let Some((s, t)) = open {
        out.push(Span {
            start: s,
            end: labels.len(),
            kind: t,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityType::*;

    #[test]
    fn labels_round_trip() {
        for l in 0..NLABELS as Label {
            if let Some((t, p)) = split(l) {
                assert_eq!(label(t, p), l);
            }
        }
        assert_eq!(label_name(label(Person, Pos::B)), "B-PER");
        assert_eq!(label_name(label(Misc, Pos::U)), "U-MISC");
    }

    #[test]
    fn transitions_follow_bilou() {
        let b = label(Person, Pos::B);
        assert!(allowed(None, b));
        assert!(!allowed(None, label(Person, Pos::I)));
        assert!(allowed(Some(b), label(Person, Pos::L)));
        assert!(!allowed(Some(b), label(Org, Pos::L)));
        assert!(!allowed(Some(b), O));
        assert!(allowed(Some(label(Person, Pos::L)), O));
        assert!(!may_end(b));
    }

    #[test]
    fn plain_words_and_numbers_are_obviously_outside() {
        let words = [
            "the", ",", "1987", "3.5", "10,000", "747s", "Boeing", "F1", "x²", "٣",
        ];
        let doc = Doc::new(words.to_vec(), (0..words.len()).map(|i| i == 0));
        let infos = doc.infos(&Lexicon::default());
        let outside: Vec<bool> = (0..words.len())
            .map(|i| obviously_outside(&infos, i))
            .collect();
        assert_eq!(
            outside,
            [
                true, true, true, true, true, false, false, false, false, true
            ]
        );
    }

    #[test]
    fn the_decoding_table_is_allowed_and_may_end() {
        for last in [false, true] {
            for prev in std::iter::once(None).chain((0..NLABELS as Label).map(Some)) {
                for cur in 0..NLABELS as Label {
                    assert_eq!(
                        FOLLOWS[last as usize][prev.map_or(0, |p| p as usize + 1)][cur as usize],
                        allowed(prev, cur) && (!last || may_end(cur)),
                        "{prev:?} -> {cur}, last {last}"
                    );
                }
                if let Some(p) = prev {
                    assert_eq!(opens(p as usize), !may_end(p));
                }
            }
        }
    }

    #[test]
    fn spans_from_labels() {
        let l = [
            O,
            label(Person, Pos::B),
            label(Person, Pos::L),
            label(Location, Pos::U),
            O,
            label(Org, Pos::B),
            label(Org, Pos::I),
        ];
        assert_eq!(
            spans(&l),
            [
                Span {
                    start: 1,
                    end: 3,
                    kind: Person
                },
                Span {
                    start: 3,
                    end: 4,
                    kind: Location
                },
                Span {
                    start: 5,
                    end: 7,
                    kind: Org
                },
            ]
        );
    }

    #[test]
    fn weights_table_finds_every_row() {
        let rows: Vec<(u64, [f32; NLABELS])> = (1..1000u64)
            .map(|k| (hash_str(&k.to_string()), [k as f32; NLABELS]))
            .collect();
        let w = Weights::from_rows(rows);
        for k in 1..1000u64 {
            let got = w.row(hash_str(&k.to_string())).unwrap()[3] as f32 * w.scale();
            assert!((got - k as f32).abs() < 0.02, "{k}: {got}");
        }
        assert!(w.row(hash_str("absent")).is_none());
    }

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

    #[test]
    fn decoding_always_yields_valid_sequences() {
        // Random weights: whatever the scores, the labels are well formed.
        let mut rows = Vec::new();
        let mut seed = 7u64;
        let mut next = || {
            seed = mix(seed, 1);
            (seed % 1000) as f32 / 100.0 - 5.0
        };
        let words = ["A", "b", "C", "d", "E", "F", "g"];
        let doc = Doc::new(
            words.to_vec(),
            [true, false, false, true, false, false, false].into_iter(),
        );
        let lex = Lexicon::default();
        let infos = doc.infos(&lex);
        let mut fs = Vec::new();
        for i in 0..words.len() {
            static_features(&infos, 0, words.len(), i, &mut fs);
        }
        for f in fs {
            let mut r = [0f32; NLABELS];
            for x in r.iter_mut() {
                *x = next();
            }
            rows.push((f, r));
        }
        let w = Weights::from_rows(rows);
        let labels = decode(&mut &w, &infos, &doc.sentences, None);
        for s in 0..doc.sentences.len() - 1 {
            let (a, b) = (doc.sentences[s], doc.sentences[s + 1]);
            let mut prev = None;
            for &l in &labels[a..b] {
                assert!(allowed(prev, l));
                prev = Some(l);
            }
            assert!(may_end(labels[b - 1]));
        }
    }

    /// The first way [`aggregate`] was written (a map per question and a
    /// span per token), to check the faster one against.
    fn aggregate_reference(infos: &[TokenInfo], sentences: &[usize], labels: &[Label]) -> Vec<Agg> {
        let n = infos.len();
        let mut out = vec![Agg::default(); n];
        // Token counts: lower word -> type counts (slot 4: O).
        let room = capitalised_count(infos);
        let mut tokens: HashMap<u64, [u32; 5]> =
            HashMap::with_capacity_and_hasher(room, Default::default());
        for (i, x) in infos.iter().enumerate() {
            if x.capitalised {
                let slot = split(labels[i]).map_or(4, |(t, _)| t as usize);
                tokens.entry(x.lower).or_default()[slot] += 1;
            }
        }
        // Entities (sentence by sentence): the word sequence hash -> type counts,
        // and the words inside multi-word entities.
        let mut entities: HashMap<u64, [u32; 5]> =
            HashMap::with_capacity_and_hasher(room / 2, Default::default());
        let mut parts: HashMap<u64, u8> =
            HashMap::with_capacity_and_hasher(room / 2, Default::default());
        let mut spans_of: Vec<Option<(usize, usize, u64)>> = vec![None; n];
        for s in 0..sentences.len().saturating_sub(1) {
            let (a, b) = (sentences[s], sentences[s + 1]);
            for sp in spans(&labels[a..b]) {
                let (st, en) = (sp.start + a, sp.end + a);
                let key = infos[st..en].iter().fold(0x51u64, |h, x| mix(h, x.lower));
                entities.entry(key).or_default()[sp.kind as usize] += 1;
                if en - st > 1 {
                    for x in &infos[st..en] {
                        *parts.entry(x.lower).or_default() |= 1 << sp.kind as u8;
                    }
                }
                for slot in spans_of.iter_mut().take(en).skip(st) {
                    *slot = Some((st, en, key));
                }
            }
        }
        for i in 0..n {
            let x = &infos[i];
            let a = &mut out[i];
            a.own = labels[i];
            a.prev = if i > 0 { labels[i - 1] } else { 99 };
            a.next = if i + 1 < n { labels[i + 1] } else { 99 };
            if x.capitalised
                && let Some(c) = tokens.get(&x.lower)
            {
                let mut c = *c;
                let slot = split(labels[i]).map_or(4, |(t, _)| t as usize);
                c[slot] -= 1;
                a.token_major = majority(&c);
            }
            if let Some((st, en, key)) = spans_of[i] {
                if let Some(c) = entities.get(&key) {
                    let mut c = *c;
                    if let Some((t, _)) = split(labels[st]) {
                        c[t as usize] = c[t as usize].saturating_sub(1);
                    }
                    a.entity_major = majority(&c);
                }
                let _ = en;
            }
            if x.capitalised {
                a.super_entity = parts.get(&x.lower).copied().unwrap_or(0);
            }
        }
        out
    }

    #[test]
    fn aggregate_is_as_first_written() {
        let lex = Lexicon::default();
        let vocab = [
            "Bank", "bank", "BANK", "of", "Of", "England", "england", "said", "Putin", ".", "1987",
        ];
        let mut rng = crate::testutil::Rng::new(17);
        for _ in 0..3000 {
            let n = rng.below(16);
            let words: Vec<&str> = (0..n).map(|_| vocab[rng.below(vocab.len())]).collect();
            let doc = Doc::new(words, (0..n).map(|i| i == 0 || rng.below(5) == 0));
            let infos = doc.infos(&lex);
            let labels: Vec<Label> = (0..n).map(|_| rng.below(NLABELS) as Label).collect();
            let got = aggregate(&infos, &doc.sentences, &labels);
            let want = aggregate_reference(&infos, &doc.sentences, &labels);
            assert_eq!(
                format!("{got:?}"),
                format!("{want:?}"),
                "{:?} {labels:?}",
                doc.words
            );
        }
    }

    #[test]
    fn second_pass_rereads_tokens_the_document_disagrees_with() {
        use EntityType::*;
        let per = label(Person, Pos::U);
        let code = |t: EntityType| 2 + t as u8;
        // (own label, word majority, name majority, longer names' types)
        let agg = |own, token_major, entity_major, super_entity| Agg {
            own,
            token_major,
            entity_major,
            super_entity,
            ..Agg::default()
        };
        // Agreement, or nothing said: no reason to read again.
        let quiet = [
            agg(O, 0, 0, 0),
            agg(per, code(Person), 0, 0),
            agg(O, 1, 0, 0),
            agg(per, 0, code(Person), 1 << Person as u8),
        ];
        for a in quiet {
            assert!(!a.disagrees(), "{a:?}");
        }
        let loud = [
            agg(per, code(Org), 0, 0),
            agg(O, code(Location), 0, 0),
            agg(per, 1, 0, 0),
            agg(per, 0, code(Misc), 0),
            agg(O, 0, 0, 1 << Org as u8),
            agg(per, 0, 0, 1 << Org as u8),
        ];
        for a in loud {
            assert!(a.disagrees(), "{a:?}");
        }
        // Windows: two tokens each side, within the sentence, widened to
        // whole first-pass names.
        let marks =
            |from: usize, to: usize| (0..12).map(|i| (from..to).contains(&i)).collect::<Vec<_>>();
        let mut agg = vec![Agg::default(); 12];
        assert_eq!(rereads(&[0, 12], &agg, &[O; 12]), marks(0, 0));
        agg[6] = loud[0];
        assert_eq!(rereads(&[0, 12], &agg, &[O; 12]), marks(4, 9));
        assert_eq!(rereads(&[0, 5, 12], &agg, &[O; 12]), marks(5, 9));
        let mut named = [O; 12];
        named[2..5].copy_from_slice(&[label(Org, Pos::B), label(Org, Pos::I), label(Org, Pos::L)]);
        named[8..10].copy_from_slice(&[label(Person, Pos::B), label(Person, Pos::L)]);
        assert_eq!(rereads(&[0, 12], &agg, &named), marks(2, 10));

        // Rereading: marked tokens decoded as in a full second pass (here
        // every token from the second sentence on is marked, and the first
        // sentence keeps what a full pass gave it, so all labels match);
        // unmarked ones keep the labels given.
        let words = [
            "Bank", "of", "England", "said", "Smith", "met", "Ünal", "in", "Paris",
        ];
        let doc = Doc::new(
            words.to_vec(),
            [true, false, false, false, true, false, false, false, true].into_iter(),
        );
        let infos = doc.infos(&Lexicon::default());
        let mut rows = Vec::new();
        let mut feats = Vec::new();
        for i in 0..words.len() {
            static_features(&infos, 0, words.len(), i, &mut feats);
        }
        for (k, f) in feats.into_iter().enumerate() {
            rows.push((
                f,
                std::array::from_fn(|l| ((k * 7 + l * 3) % 11) as f32 - 5.0),
            ));
        }
        let w = Weights::from_rows(rows);
        let agg = vec![Agg::default(); words.len()];
        let fixed = static_scores(&w, &infos, &doc.sentences, None, None);
        let full = decode_with(&mut &w, &infos, &doc.sentences, Some(&agg), Some(&fixed));
        let marked: Vec<bool> = (0..words.len()).map(|i| i >= 4).collect();
        let some = static_scores(&w, &infos, &doc.sentences, None, Some(&marked));
        let again = redecode(&mut &w, &infos, &doc.sentences, &agg, &some, &marked, &full);
        assert_eq!(again, full);
        let first = vec![
            label(Org, Pos::B),
            label(Org, Pos::I),
            label(Org, Pos::L),
            O,
            O,
            O,
            O,
            O,
            O,
        ];
        assert_ne!(full, first);
        let kept = redecode(
            &mut &w,
            &infos,
            &doc.sentences,
            &agg,
            &fixed,
            &[false; 9],
            &first,
        );
        assert_eq!(kept, first);
        // Whatever run of tokens is read again between kept labels that
        // begin no name, the labels stay well formed: a run ends closed.
        for from in 0..words.len() {
            for to in from + 1..=words.len() {
                let marked: Vec<bool> = (0..words.len()).map(|i| (from..to).contains(&i)).collect();
                let labels = redecode(
                    &mut &w,
                    &infos,
                    &doc.sentences,
                    &agg,
                    &fixed,
                    &marked,
                    &[O; 9],
                );
                for s in doc.sentences.windows(2) {
                    let mut prev = None;
                    for &l in &labels[s[0]..s[1]] {
                        assert!(allowed(prev, l), "{from}..{to}: {labels:?}");
                        prev = Some(l);
                    }
                    assert!(may_end(labels[s[1] - 1]), "{from}..{to}: {labels:?}");
                }
            }
        }
    }

    #[test]
    fn set_bits_are_those_a_scan_finds() {
        for bits in 0..=u16::MAX {
            let scan: Vec<u64> = (0..16).filter(|b| bits & (1 << b) != 0).collect();
            assert_eq!(set_bits(bits).collect::<Vec<_>>(), scan);
        }
    }

    #[test]
    fn ascii_words_get_the_info_of_the_general_way() {
        // A lexicon that knows some of the words, so clusters, casing and
        // gazetteer words are looked up too.
        let mut lex = Lexicon::default();
        lex.clusters.insert("Idlib".into(), [1, 2, 3]);
        lex.clusters.insert("said".into(), [4, 5, 6]);
        lex.casing.insert("said".into(), (1, "said".into()));
        lex.casing.insert("idlib".into(), (5, "Idlib".into()));
        lex.gazetteer_words.insert(hash_str("idlib"));
        let mut words: Vec<String> = [
            "Idlib",
            "IDLIB",
            "idlib",
            "said",
            "SAID",
            "U.S.",
            "1987",
            "B52s",
            ",",
            "",
            "x",
            "3.5",
            "McDonald's",
            "AAAAbbbb1111----",
            "e-mail",
            "10,000",
            "mid-1990s",
            "O'Neill",
            "#tag",
            "a\"b",
            "G7",
            "iPhone",
        ]
        .iter()
        .map(|w| w.to_string())
        .collect();
        words.push("w".repeat(ASCII_WORD_MAX));
        let mut rng = crate::testutil::Rng::new(5);
        let alphabet = b"aZz09 .-'_$Aq";
        for _ in 0..2000 {
            let len = rng.below(12);
            let w: String = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())] as char)
                .collect();
            words.push(w);
        }
        for w in &words {
            let fast = lexical_info_ascii(w, &lex);
            let chars = lexical_info_chars(w, &lex);
            assert_eq!(format!("{fast:?}"), format!("{chars:?}"), "{w:?}");
        }
        // Longer or non-ASCII words go the general way.
        let long = "w".repeat(ASCII_WORD_MAX + 1);
        for w in [long.as_str(), "Ünal", "O\u{2019}Neill"] {
            assert_eq!(
                format!("{:?}", lexical_info(w, &lex)),
                format!("{:?}", lexical_info_chars(w, &lex))
            );
        }
    }

    #[test]
    fn written_facts_and_lower_keys_are_those_of_the_word() {
        let lex = Lexicon::default();
        for w in [
            "Idlib",
            "IDLIB",
            "idlib",
            "U.S.",
            "1987",
            "B52s",
            ",",
            "Ünal",
            "ÜNAL",
            "O\u{2019}Neill",
            "\u{212A}iev",
            "ΟΔΥΣΣΕΑΣ",
            "Σας",
            "",
            "x",
            "3.5",
        ] {
            let x = lexical_info(w, &lex);
            assert_eq!(lower_key(w), x.lower, "{w}");
            let f = x.written;
            assert_eq!(f.lettered(), w.chars().any(char::is_alphabetic), "{w}");
            assert_eq!(f.caps(), is_caps_word(w), "{w}");
            assert_eq!(f.digit(), w.bytes().any(|c| c.is_ascii_digit()), "{w}");
            assert_eq!(
                f.lower_start(),
                w.chars().next().is_some_and(char::is_lowercase),
                "{w}"
            );
            let (up, low) = (
                w.chars().any(char::is_uppercase),
                w.chars().any(char::is_lowercase),
            );
            assert_eq!(f.mixed(), up && low, "{w}");
        }
    }

    #[test]
    fn caps_sentences_are_told_as_by_counting_every_word() {
        assert!(is_caps_sentence(&[
            "RUSSIA", "SAYS", "TALKS", "WITH", "U.S.", "WENT", "WELL"
        ]));
        assert!(!is_caps_sentence(&[
            "Russia", "says", "talks", "went", "well"
        ]));
        // 80% of the words with letters, numbers and punctuation aside.
        assert!(is_caps_sentence(&[
            "OIL", "PRICES", "RISE", "1.5", "pct", "IN", ","
        ]));
        assert!(!is_caps_sentence(&[
            "OIL", "PRICES", "RISE", "1.5", "pct", ","
        ]));
        assert!(!is_caps_sentence(&["OIL", "1987"]));
        // The early answer agrees with counting to the end.
        let counted = |words: &[&str]| {
            let lettered: Vec<&&str> = words
                .iter()
                .filter(|w| w.chars().any(char::is_alphabetic))
                .collect();
            let caps = lettered.iter().filter(|w| is_caps_word(w)).count();
            lettered.len() >= 2 && caps * 10 >= lettered.len() * 8
        };
        let vocab = [
            "THE", "the", "U.S.", "1987", ",", "Oil", "OIL", "x", "X", "ÜNAL", "Ünal", "-",
        ];
        let mut rng = crate::testutil::Rng::new(5);
        for _ in 0..2000 {
            let words: Vec<&str> = (0..rng.below(12))
                .map(|_| vocab[rng.below(vocab.len())])
                .collect();
            assert_eq!(is_caps_sentence(&words), counted(&words), "{words:?}");
        }
    }
}
