//! The `text_en` analyzer as one tokenizer: Unicode words, long ones
//! dropped, lower-cased, folded to ASCII and stemmed, giving the very tokens
//! tantivy's chain of `simple`, `remove_long`, `lowercase`, `ascii_folding`
//! and `stem_en` gives, without a boxed call per token per filter.

use std::cell::RefCell;
use std::rc::Rc;

use tantivy::tokenizer::{RawTokenizer, TextAnalyzer, Token, TokenStream, Tokenizer};

use super::stem::{MAX_WORD_BYTES, MAX_WORDS, Stems, stem};
use crate::util::word_table::WordTable;

/// The whole `text_en` chain, `simple` words, `remove_long:N`,
/// `lowercase`, `ascii_folding` and `stem_en`, as one
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
/// from the bodies.
pub struct WordStems {
    limit: usize,
    /// None: every word is stemmed. Else (snippets, [`WordStems::for_terms`])
    /// the lower-cased ASCII first bytes of the terms sought.
    first_bytes: Option<Box<[bool; 256]>>,
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
            first_bytes: None,
            token: Token::default(),
            unicode: lower_fold_analyzer(),
        }
    }
}

impl WordStems {
    /// For finding `terms` (stems, as indexed) in a text: a word whose first
    /// byte is ASCII and, lower-cased, begins no term cannot match one
    /// (lower-casing, folding and stemming keep such a byte), so it is not
    /// worked out: its token stays, with its offsets and position, which
    /// snippets read to cut fragments, but with empty text.
    pub fn for_terms<'t>(mut self, terms: impl IntoIterator<Item = &'t str>) -> WordStems {
        let mut first_bytes = Box::new([false; 256]);
        for t in terms {
            if let Some(&b) = t.as_bytes().first() {
                first_bytes[b as usize] = true;
            }
        }
        self.first_bytes = Some(first_bytes);
        self
    }
}

impl Clone for WordStems {
    /// A new tokenizer (the words seen are the thread's).
    fn clone(&self) -> WordStems {
        WordStems {
            first_bytes: self.first_bytes.clone(),
            ..WordStems::new(self.limit)
        }
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
            first_bytes: self.first_bytes.as_deref(),
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
    first_bytes: Option<&'a [bool; 256]>,
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
            if let Some(first) = self.first_bytes
                && word.as_bytes()[0].is_ascii()
                && !first[word.as_bytes()[0].to_ascii_lowercase() as usize]
            {
                return true;
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{Language, LowerCaser, SimpleTokenizer, Stemmer};

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            out.push(stream.token().clone());
        }
        out
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
    fn words_that_cannot_match_a_term_are_left_empty() {
        let text = "Ministers met; the minister's meeting was generously dying \
                    of mysteries and skies, happily";
        let terms = [
            "minist", "meet", "die", "sky", "happili", "generous", "mysteri",
        ];
        let mut full = chain(40);
        let mut some = TextAnalyzer::from(WordStems::new(40).for_terms(terms));
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
        assert_eq!(
            fields(tokens(&mut some, "Was of MEETING")),
            [
                (String::new(), 0, 3, 0, 1),
                (String::new(), 4, 6, 1, 1),
                ("meet".to_string(), 7, 14, 2, 1)
            ]
        );
        let text = "The Ministers' MEETING in Zürich, São Paulo and İstanbul: ΣΟΦΊΑ \
                    naïve café-goers ﬁnancing 2024 ÉCOLES d'Été; straße STRASSE \
                    Ødegaard ŁÓDŹ 東京 emoji🙂ing running RUNS agreed";
        let terms = ["meet", "zurich", "run", "ecol"];
        let (a, b) = (
            tokens(&mut chain(40), text),
            tokens(
                &mut TextAnalyzer::from(WordStems::new(40).for_terms(terms)),
                text,
            ),
        );
        assert_eq!((a.len(), b.len()), (28, 28));
        for (a, b) in a.iter().zip(&b) {
            assert_eq!(
                (a.offset_from, a.offset_to, a.position),
                (b.offset_from, b.offset_to, b.position)
            );
            let cannot_match = !terms
                .iter()
                .any(|t| t.as_bytes()[0] == a.text.as_bytes()[0]);
            assert!(
                a.text == b.text || (b.text.is_empty() && cannot_match),
                "{a:?} {b:?}"
            );
        }
        assert_eq!(b.iter().filter(|t| t.text.is_empty()).count(), 14);
    }
}
