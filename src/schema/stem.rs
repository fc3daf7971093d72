//! English stemming with a per-thread memo: a lower-cased, folded word in,
//! its Snowball English stem out, exactly as tantivy's `Stemmer` gives it (a
//! word not seen before is stemmed by that very filter). News repeats its
//! words, so most are looked up, not stemmed.

use std::cell::RefCell;

use tantivy::tokenizer::{Language, RawTokenizer, Stemmer, TextAnalyzer, TokenStream};

use crate::util::word_table::WordTable;

/// Words a thread's memo holds before it is emptied.
pub(super) const MAX_WORDS: usize = 100_000;
/// Longer words are stemmed each time (rare, and they would bloat the memo).
pub(super) const MAX_WORD_BYTES: usize = 32;

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
pub(super) struct Stems {
    /// (hash, start of the word in `text`, word length, stem length);
    /// word length 0: an empty place.
    places: Vec<(u64, u32, u8, u8)>,
    text: String,
    len: usize,
}

impl Stems {
    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn clear(&mut self) {
        self.places.fill((0, 0, 0, 0));
        self.text.clear();
        self.len = 0;
    }

    /// The stem of `word` (1..=MAX_WORD_BYTES bytes), if it is in.
    #[inline]
    pub(super) fn get(&self, word: &str, hash: u64) -> Option<&str> {
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
    pub(super) fn insert(&mut self, word: &str, hash: u64, stem: &str) {
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
        let mut plain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::English))
            .build();
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let mut want = Vec::new();
        let mut stream = plain.token_stream(text);
        while stream.advance() {
            want.push(stream.token().text.clone());
        }
        assert_eq!(want.len(), words.len());
        // Twice: stemmed the first time, remembered the second.
        for _ in 0..2 {
            let got: Vec<String> = words
                .iter()
                .map(|w| {
                    let mut w = w.clone();
                    stem(&mut w);
                    w
                })
                .collect();
            assert_eq!(got, want);
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
