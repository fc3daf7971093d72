//! English stemming for search analyzers with a per-thread memo: a
//! lower-cased, folded token in, its Snowball English stem out, exactly as
//! tantivy's `Stemmer` gives it (a word not seen before is stemmed by that
//! very filter). News text repeats its words, so most tokens of a body are
//! looked up, not stemmed: stemming was the largest part of building a
//! snippet (it runs over the whole body) and a sizeable part of indexing.

use std::cell::RefCell;

use super::words::WordTable;
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
            unicode: TextAnalyzer::builder(RawTokenizer::default())
                .filter(tantivy::tokenizer::LowerCaser)
                .filter(tantivy::tokenizer::AsciiFoldingFilter)
                .build(),
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
        if text.is_ascii() {
            text.make_ascii_lowercase();
        } else {
            let mut stream = self.unicode.token_stream(text);
            if stream.advance() {
                let folded = std::mem::take(&mut stream.token_mut().text);
                drop(stream);
                *text = folded;
            }
        }
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
