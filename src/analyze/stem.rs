//! English stemming for search analyzers with a per-thread memo: a
//! lower-cased, folded token in, its Snowball English stem out, exactly as
//! tantivy's `Stemmer` gives it (a word not seen before is stemmed by that
//! very filter). News text repeats its words, so most tokens of a body are
//! looked up, not stemmed: stemming was the largest part of building a
//! snippet (it runs over the whole body) and a sizeable part of indexing.

use std::cell::RefCell;
use std::rc::Rc;

use crate::util::word_table::WordTable;
use tantivy::tokenizer::{
    Language, RawTokenizer, Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Words per thread before the memo is emptied and starts again.
const MAX_WORDS: usize = 100_000;
/// Longer words are stemmed each time (rare, and they would bloat the memo).
const MAX_WORD_BYTES: usize = 32;

/// The `stem_en` filter: tantivy's English `Stemmer`, memoised; for a
/// snippet analyzer, stemming only the tokens that could stem to a query
/// term ([`CachedStemmer::for_terms`]).
#[derive(Clone, Copy)]
pub struct CachedStemmer {
    /// None: every token is stemmed. Else only tokens whose first byte is
    /// marked: stemming keeps a word's first byte (so Snowball English is
    /// written; checked on the 306,635 distinct words of the benchmark
    /// corpora), so a token whose first byte begins no query term cannot
    /// match one, stemmed or not, and is left as it is.
    first_bytes: Option<[bool; 256]>,
}

impl CachedStemmer {
    /// Stems every token (indexing, queries).
    pub const EVERY_WORD: CachedStemmer = CachedStemmer { first_bytes: None };

    /// Whether every token is stemmed (not [`CachedStemmer::for_terms`]).
    pub fn stems_every_word(&self) -> bool {
        self.first_bytes.is_none()
    }

    /// Stems the tokens that could match `terms` (stems, as indexed).
    pub fn for_terms<'t>(terms: impl IntoIterator<Item = &'t str>) -> CachedStemmer {
        let mut first_bytes = [false; 256];
        for t in terms {
            if let Some(&b) = t.as_bytes().first() {
                first_bytes[b as usize] = true;
            }
        }
        CachedStemmer {
            first_bytes: Some(first_bytes),
        }
    }
}

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemFilter<T> {
        CachedStemFilter {
            inner: tokenizer,
            first_bytes: self.first_bytes,
        }
    }
}

#[derive(Clone)]
pub struct CachedStemFilter<T> {
    inner: T,
    first_bytes: Option<[bool; 256]>,
}

impl<T: Tokenizer> Tokenizer for CachedStemFilter<T> {
    type TokenStream<'a> = CachedStemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemStream {
            tail: self.inner.token_stream(text),
            first_bytes: self.first_bytes.as_ref(),
        }
    }
}

pub struct CachedStemStream<'a, T> {
    tail: T,
    first_bytes: Option<&'a [bool; 256]>,
}

impl<T: TokenStream> TokenStream for CachedStemStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        stem_candidate(&mut self.tail.token_mut().text, self.first_bytes);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// `lowercase`, `ascii_folding` and `stem_en` ([`CachedStemmer`]) as one
/// filter, giving the very tokens the three give one after another.
/// tantivy chains filters through boxed streams, a dynamic call per token
/// per filter; fused, an ASCII token (nearly every token of English news)
/// is lower-cased in place, needs no folding, and is stemmed through the
/// memo. Other tokens go through tantivy's own `LowerCaser` and
/// `AsciiFoldingFilter`. Indexing without entities: 5% less CPU.
///
/// With a first-byte set (snippets, [`CachedStemmer::for_terms`]), a token
/// whose first byte, lower-cased, begins no query term cannot match one
/// (the three keep an ASCII first byte, as lower-cased), so its text is
/// emptied instead; the token stays, with its offsets, which snippets read
/// to cut fragments.
#[derive(Clone, Copy)]
pub struct LowerFoldStem(pub CachedStemmer);

impl TokenFilter for LowerFoldStem {
    type Tokenizer<T: Tokenizer> = LowerFoldStemFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> LowerFoldStemFilter<T> {
        LowerFoldStemFilter {
            inner: tokenizer,
            first_bytes: self.0.first_bytes,
            unicode: lower_fold_analyzer(),
        }
    }
}

#[derive(Clone)]
pub struct LowerFoldStemFilter<T> {
    inner: T,
    first_bytes: Option<[bool; 256]>,
    /// tantivy's lower-casing and folding, for tokens that are not ASCII.
    unicode: TextAnalyzer,
}

impl<T: Tokenizer> Tokenizer for LowerFoldStemFilter<T> {
    type TokenStream<'a> = LowerFoldStemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        LowerFoldStemStream {
            tail: self.inner.token_stream(text),
            first_bytes: self.first_bytes.as_ref(),
            unicode: &mut self.unicode,
        }
    }
}

pub struct LowerFoldStemStream<'a, T> {
    tail: T,
    first_bytes: Option<&'a [bool; 256]>,
    unicode: &'a mut TextAnalyzer,
}

impl<T: TokenStream> TokenStream for LowerFoldStemStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let text = &mut self.tail.token_mut().text;
        if let (Some(first), Some(&b)) = (self.first_bytes, text.as_bytes().first())
            && b.is_ascii()
            && !first[b.to_ascii_lowercase() as usize]
        {
            text.clear();
            return true;
        }
        lower_fold(text, self.unicode);
        stem_candidate(text, self.first_bytes);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The whole `text_en` chain, `simple` words, `remove_long:N`,
/// `lowercase`, `ascii_folding` and `stem_en` (every word), as one
/// tokenizer giving the very tokens the chain gives (text, offsets,
/// positions; a removed long word still takes its position). Each thread
/// remembers the words its copies of the tokenizer have seen as written
/// ("The", "the", "THE" apart) with their final text ([`SEEN`]), so a word
/// seen before costs one look-up instead of four boxed filter calls,
/// lower-casing, folding and a look-up in the stem memo; words are found
/// byte by byte, with `char` decoding only where a byte is not ASCII.
/// tantivy gives each field of each segment being written its own copy of
/// the tokenizer; all of a thread's copies share what it has seen, so the
/// names in the `entity` field and the words of titles are mostly known
/// from the bodies (indexing 4,000 articles: 0.5% fewer instructions than
/// with a memo per copy).
pub struct WordStems {
    limit: usize,
    token: Token,
    /// tantivy's lower-casing and folding, for words that are not ASCII.
    unicode: TextAnalyzer,
}

thread_local! {
    /// Words as written and their tokens' text, for every [`WordStems`] of
    /// the thread; emptied at [`MAX_WORDS`].
    static SEEN: Rc<RefCell<Stems>> = Rc::default();
}

impl WordStems {
    /// Drops words of `limit` bytes or more (`usize::MAX`: none), as
    /// `remove_long:limit` does.
    pub fn new(limit: usize) -> WordStems {
        WordStems {
            limit,
            token: Token::default(),
            unicode: lower_fold_analyzer(),
        }
    }
}

impl Clone for WordStems {
    /// A new tokenizer (the words seen are the thread's).
    fn clone(&self) -> WordStems {
        WordStems::new(self.limit)
    }
}

impl Tokenizer for WordStems {
    type TokenStream<'a> = WordStemsStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStemsStream<'a> {
        self.token.reset();
        WordStemsStream {
            text,
            at: 0,
            limit: self.limit,
            token: &mut self.token,
            seen: SEEN.with(Rc::clone),
            unicode: &mut self.unicode,
        }
    }
}

/// ASCII letters and digits, by byte.
static ASCII_WORD: [bool; 128] = {
    let mut t = [false; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    t
};

/// The words of one text, from [`WordStems`].
pub struct WordStemsStream<'a> {
    text: &'a str,
    /// Where the search for the next word starts.
    at: usize,
    limit: usize,
    token: &'a mut Token,
    seen: Rc<RefCell<Stems>>,
    unicode: &'a mut TextAnalyzer,
}

impl WordStemsStream<'_> {
    /// Where, at or after `from`, the first letter or digit is (`WORD`) or
    /// the first other character (`char::is_alphanumeric`, as the `simple`
    /// tokenizer reads); the text's length if there is none.
    #[inline]
    fn find<const WORD: bool>(&self, mut from: usize) -> usize {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(from) {
            if b.is_ascii() {
                if ASCII_WORD[b as usize] == WORD {
                    return from;
                }
                from += 1;
            } else {
                let c = self.text[from..].chars().next().unwrap_or_default();
                if c.is_alphanumeric() == WORD {
                    return from;
                }
                from += c.len_utf8();
            }
        }
        bytes.len()
    }
}

/// Appends the token text of `word` to `text`: lower-cased, folded,
/// stemmed.
fn lower_fold_stem(text: &mut String, word: &str, unicode: &mut TextAnalyzer) {
    text.push_str(word);
    lower_fold(text, unicode);
    stem(text);
}

impl TokenStream for WordStemsStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        loop {
            let start = self.find::<true>(self.at);
            self.token.position = self.token.position.wrapping_add(1);
            if start == self.text.len() {
                self.at = start;
                return false;
            }
            let end = self.find::<false>(start);
            self.at = end;
            if end - start >= self.limit {
                continue;
            }
            self.token.offset_from = start;
            self.token.offset_to = end;
            let word = &self.text[start..end];
            if word.len() > MAX_WORD_BYTES {
                lower_fold_stem(&mut self.token.text, word, self.unicode);
                return true;
            }
            let hash = WordTable::hash(word);
            let mut seen = self.seen.borrow_mut();
            if let Some(text) = seen.get(word, hash) {
                self.token.text.push_str(text);
                return true;
            }
            lower_fold_stem(&mut self.token.text, word, self.unicode);
            if seen.len() >= MAX_WORDS {
                seen.clear();
            }
            seen.insert(word, hash, &self.token.text);
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// tantivy's `lowercase` then `ascii_folding` over a whole token, for
/// [`lower_fold`].
fn lower_fold_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(tantivy::tokenizer::LowerCaser)
        .filter(tantivy::tokenizer::AsciiFoldingFilter)
        .build()
}

/// Lower-cases and folds `text` as tantivy's `lowercase` and
/// `ascii_folding` do: in place for ASCII (nearly every word of English
/// news), else through `unicode` ([`lower_fold_analyzer`]).
fn lower_fold(text: &mut String, unicode: &mut TextAnalyzer) {
    if text.is_ascii() {
        text.make_ascii_lowercase();
        return;
    }
    let mut stream = unicode.token_stream(text);
    if stream.advance() {
        let folded = std::mem::take(&mut stream.token_mut().text);
        drop(stream);
        *text = folded;
    }
}

struct Memo {
    stems: Stems,
    /// A whole token in, its stem out: tantivy's own filter.
    stemmer: TextAnalyzer,
}

impl Memo {
    fn new() -> Memo {
        Memo {
            stems: Stems::default(),
            stemmer: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
        }
    }

    /// Replaces `word` by its stem, stemming it.
    fn stem_now(&mut self, word: &mut String) {
        let mut stream = self.stemmer.token_stream(word);
        if stream.advance() {
            let stem = std::mem::take(&mut stream.token_mut().text);
            drop(stream);
            *word = stem;
        }
    }
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::new());
}

/// Stems `word` if it could stem to a query term: always without a
/// first-byte set, else if its first byte is marked.
fn stem_candidate(word: &mut String, first_bytes: Option<&[bool; 256]>) {
    let candidate = match first_bytes {
        None => true,
        Some(first) => word.as_bytes().first().is_some_and(|&b| first[b as usize]),
    };
    if candidate {
        stem(word);
    }
}

/// Replaces `word` by its English stem.
pub fn stem(word: &mut String) {
    MEMO.with_borrow_mut(|memo| {
        if word.len() > MAX_WORD_BYTES {
            memo.stem_now(word);
            return;
        }
        let hash = WordTable::hash(word);
        if let Some(stem) = memo.stems.get(word, hash) {
            word.clear();
            word.push_str(stem);
            return;
        }
        let key = word.clone();
        memo.stem_now(word);
        if memo.stems.len() >= MAX_WORDS {
            memo.stems.clear();
        }
        memo.stems.insert(&key, hash, word);
    });
}

/// Words and their stems: open addressing on the word's hash, at most half
/// full, each place pointing at the word followed by its stem in one
/// buffer, so a lookup reads two places in memory (a map of boxed strings
/// read four: control bytes, entry, key, value).
#[derive(Default)]
struct Stems {
    /// (hash, start of the word in `text`, word length, stem length);
    /// word length 0: an empty place.
    places: Vec<(u64, u32, u8, u8)>,
    text: String,
    len: usize,
}

impl Stems {
    fn len(&self) -> usize {
        self.len
    }

    fn clear(&mut self) {
        self.places.fill((0, 0, 0, 0));
        self.text.clear();
        self.len = 0;
    }

    /// The stem of `word` (1..=MAX_WORD_BYTES bytes), if it is in.
    #[inline]
    fn get(&self, word: &str, hash: u64) -> Option<&str> {
        if self.places.is_empty() {
            return None;
        }
        let mask = self.places.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            let (h, start, wlen, slen) = self.places[at];
            if wlen == 0 {
                return None;
            }
            let start = start as usize;
            let end = start + wlen as usize;
            if h == hash && &self.text[start..end] == word {
                return Some(&self.text[end..end + slen as usize]);
            }
            at = (at + 1) & mask;
        }
    }

    /// Adds `word` (not in yet, 1..=MAX_WORD_BYTES bytes) and its stem;
    /// a stem of more than 255 bytes (none is: Snowball never lengthens a
    /// word by much) is not kept.
    fn insert(&mut self, word: &str, hash: u64, stem: &str) {
        let (Ok(wlen), Ok(slen)) = (u8::try_from(word.len()), u8::try_from(stem.len())) else {
            return;
        };
        if wlen == 0 {
            return;
        }
        if (self.len + 1) * 2 > self.places.len() {
            self.grow();
        }
        self.put((hash, self.text.len() as u32, wlen, slen));
        self.text.push_str(word);
        self.text.push_str(stem);
        self.len += 1;
    }

    /// Puts an entry at the first empty place from its hash's home.
    fn put(&mut self, entry: (u64, u32, u8, u8)) {
        let mask = self.places.len() - 1;
        let mut at = entry.0 as usize & mask;
        while self.places[at].2 != 0 {
            at = (at + 1) & mask;
        }
        self.places[at] = entry;
    }

    fn grow(&mut self) {
        let size = (self.places.len() * 2).max(1024);
        let old = std::mem::replace(&mut self.places, vec![(0, 0, 0, 0); size]);
        for entry in old {
            if entry.2 != 0 {
                self.put(entry);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{LowerCaser, SimpleTokenizer};

    /// Words, lower-cased, then `stem`.
    fn lowercased<F: TokenFilter>(stem: F) -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(stem)
            .build()
    }

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            out.push(stream.token().clone());
        }
        out
    }

    #[test]
    fn candidate_stemming_matches_the_same_terms() {
        let text = "Ministers met; the minister's meeting was generously dying \
                    of mysteries and skies, happily";
        let terms = [
            "minist", "meet", "die", "sky", "happili", "generous", "mysteri",
        ];
        let mut full = lowercased(Stemmer::new(Language::English));
        let mut some = lowercased(CachedStemmer::for_terms(terms.iter().copied()));
        let hits = |tokens: Vec<Token>| -> Vec<(usize, String)> {
            tokens
                .into_iter()
                .filter(|t| terms.contains(&t.text.as_str()))
                .map(|t| (t.position, t.text))
                .collect()
        };
        let want = hits(tokens(&mut full, text));
        assert_eq!(want.len(), 8, "{want:?}");
        assert_eq!(hits(tokens(&mut some, text)), want);
        // Words that cannot match are left unstemmed.
        assert_eq!(tokens(&mut some, "was of")[0].text, "was");
    }

    #[test]
    fn fused_filter_gives_the_chains_tokens() {
        use tantivy::tokenizer::AsciiFoldingFilter;
        let text = "The Ministers' MEETING in Zürich, São Paulo and İstanbul: ΣΟΦΊΑ \
                    naïve café-goers ﬁnancing 2024 ÉCOLES d'Été; straße STRASSE \
                    Ødegaard ŁÓDŹ 東京 emoji🙂ing running RUNS agreed";
        let chain = |stem: CachedStemmer| {
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .filter(stem)
                .build()
        };
        let fused = |stem: CachedStemmer| {
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(LowerFoldStem(stem))
                .build()
        };
        let terms = ["meet", "zurich", "run", "ecol"];
        for stem in [CachedStemmer::EVERY_WORD, CachedStemmer::for_terms(terms)] {
            let (a, b) = (
                tokens(&mut chain(stem), text),
                tokens(&mut fused(stem), text),
            );
            assert_eq!((a.len(), b.len()), (28, 28));
            for (a, b) in a.iter().zip(&b) {
                assert_eq!(
                    (a.offset_from, a.offset_to, a.position),
                    (b.offset_from, b.offset_to, b.position)
                );
                // With terms, a token that cannot match one is emptied.
                let gated = stem.first_bytes.is_some()
                    && b.text.is_empty()
                    && !terms
                        .iter()
                        .any(|t| t.as_bytes()[0] == a.text.as_bytes()[0]);
                assert!(a.text == b.text || gated, "{a:?} {b:?}");
            }
            let emptied = b.iter().filter(|t| t.text.is_empty()).count();
            assert_eq!(emptied, if stem.first_bytes.is_some() { 14 } else { 0 });
        }
    }

    /// tantivy's own `text_en` chain, filter by filter.
    fn chain(limit: usize) -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(tantivy::tokenizer::RemoveLongFilter::limit(limit))
            .filter(LowerCaser)
            .filter(tantivy::tokenizer::AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build()
    }

    fn fields(tokens: Vec<Token>) -> Vec<(String, usize, usize, usize, usize)> {
        tokens
            .into_iter()
            .map(|t| {
                (
                    t.text,
                    t.offset_from,
                    t.offset_to,
                    t.position,
                    t.position_length,
                )
            })
            .collect()
    }

    #[test]
    fn word_stems_give_the_chains_tokens() {
        let long = |n: usize| "x".repeat(n);
        let fixed = [
            "The Ministers' MEETING in Zürich, São Paulo and İstanbul: ΣΟΦΊΑ \
             naïve café-goers ﬁnancing 2024 ÉCOLES d'Été; straße STRASSE \
             Ødegaard ŁÓDŹ 東京 emoji🙂ing running RUNS agreed \u{212A}elvin \
             e\u{301}te ٣٤ x²",
            &format!("{} {} {} a {}é b", long(39), long(40), long(41), long(38)),
            &format!("{}é{}", long(20), long(20)),
            "",
            "  ,;  ",
            "Running snake_case e-mail@x.org",
            "naïve",
        ];
        // Pseudo-random text over letters, digits, separators and
        // multi-byte letters, marks, digits and symbols.
        let alphabet: Vec<char> = "aAeEiIoOsSnNgGtT 0 9 ,.'-_@/\n\té İß東🙂\u{212A}\u{301}٣ﬁÆ²—"
            .chars()
            .collect();
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut random = Vec::new();
        for _ in 0..300 {
            let len = (seed >> 59) as usize * 4;
            let mut text = String::new();
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            random.push(text);
        }
        for limit in [40, 5, usize::MAX] {
            let mut want = chain(limit);
            let mut got = TextAnalyzer::from(WordStems::new(limit));
            // Each text twice: the second time through the words seen.
            for text in fixed
                .iter()
                .copied()
                .chain(random.iter().map(String::as_str))
            {
                for _ in 0..2 {
                    assert_eq!(
                        fields(tokens(&mut got, text)),
                        fields(tokens(&mut want, text)),
                        "{text:?}, limit {limit}"
                    );
                }
            }
        }
        let first = tokens(&mut TextAnalyzer::from(WordStems::new(40)), fixed[1]);
        assert_eq!(
            first.iter().map(|t| t.position).collect::<Vec<_>>(),
            [0, 3, 5],
            "removed words keep their positions (38 x and an é make 40 bytes)"
        );
    }

    #[test]
    fn word_stems_start_again_when_full() {
        let text: String = (0..MAX_WORDS + 10).map(|i| format!("Ran{i} ")).collect();
        let mut got = TextAnalyzer::from(WordStems::new(40));
        let words = tokens(&mut got, &text);
        assert_eq!(words.len(), MAX_WORDS + 10);
        assert_eq!(words[MAX_WORDS + 9].text, format!("ran{}", MAX_WORDS + 9));
        assert_eq!(
            fields(tokens(&mut got, "Ran7 Runs")),
            fields(tokens(&mut chain(40), "Ran7 Runs"))
        );
    }

    #[test]
    fn memoised_stems_equal_tantivys() {
        let text = "The ministers said running runs ran; generously generalisations \
                    agreed agreement happily happiness Putin's Kremlin's news newsdex \
                    caresses ponies ties caress cats feed agreed plastered bled motoring \
                    sing conflated troubled sized hopping tanned falling hissing fizzed \
                    failing filing happy sky relational conditional rational valency \
                    hesitancy digitizer conformably radically differently vilely \
                    analogously vietnamization predication operator feudalism \
                    decisiveness hopefulness callousness formality sensitivity \
                    sensibility triplicate formative formalize electricity electrical \
                    hopeful goodness revival allowance inference airliner gyroscopic \
                    adjustable defensible irritant replacement adjustment dependent \
                    adoption homologou communism activate angulariti homologous \
                    effective bowdlerize probate rate cease controll roll \
                    antidisestablishmentarianism-like-words-that-are-really-long";
        let mut plain = lowercased(Stemmer::new(Language::English));
        let mut memo = lowercased(CachedStemmer::EVERY_WORD);
        // Twice: stemmed the first time, remembered the second.
        for _ in 0..2 {
            let (a, b) = (tokens(&mut plain, text), tokens(&mut memo, text));
            assert_eq!(a.len(), b.len());
            for (a, b) in a.iter().zip(&b) {
                assert_eq!(
                    (&a.text, a.offset_from, a.offset_to, a.position),
                    (&b.text, b.offset_from, b.offset_to, b.position)
                );
            }
        }
        // Emptying a full memo loses nothing.
        let mut w = String::from("jumping");
        MEMO.with_borrow_mut(|m| {
            for i in 0..MAX_WORDS {
                let w = format!("w{i}");
                m.stems.insert(&w, WordTable::hash(&w), "x");
            }
        });
        stem(&mut w);
        assert_eq!(w, "jump");
        assert!(MEMO.with_borrow(|m| m.stems.len()) == 1);
    }

    #[test]
    fn stems_table_finds_each_word_once_and_tells_same_hashes_apart() {
        let mut t = Stems::default();
        // One hash for every word: only the text tells them apart.
        for (w, s) in [
            ("running", "run"),
            ("runs", "run"),
            ("ran", "ran"),
            ("r", "r"),
        ] {
            assert_eq!(t.get(w, 5), None);
            t.insert(w, 5, s);
        }
        assert_eq!(t.len(), 4);
        assert_eq!(t.get("running", 5), Some("run"));
        assert_eq!(t.get("runs", 5), Some("run"));
        assert_eq!(t.get("ran", 5), Some("ran"));
        assert_eq!(t.get("r", 5), Some("r"));
        assert_eq!(t.get("run", 5), None);
        // Not kept: an empty word, a stem too long to record.
        t.insert("", 9, "");
        t.insert("x", 10, &"y".repeat(300));
        assert_eq!((t.len(), t.get("", 9), t.get("x", 10)), (4, None, None));
        // Growing keeps every word.
        for i in 0..5000u64 {
            let w = format!("w{i}");
            t.insert(&w, i.wrapping_mul(0x9E37_79B9_7F4A_7C15), &w[1..]);
        }
        for i in 0..5000u64 {
            let w = format!("w{i}");
            assert_eq!(
                t.get(&w, i.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
                Some(&w[1..])
            );
        }
        t.clear();
        assert_eq!((t.len(), t.get("running", 5)), (0, None));
    }
}
