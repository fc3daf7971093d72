//! What the tagger knows of one token: its written form (case, digits,
//! shape), its normalised and lower-case hashes, and what the lexicon says
//! of it (clusters, casing statistics, gazetteer entries).

use super::hash::hash_str;
use crate::analyze::lexicon::Lexicon;

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
    /// Gazetteer matches: bit (4*class + pos) set when a name of that
    /// class covers this token at that BILOU position.
    pub gazetteer: u32,
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
pub(super) fn shapes(word: &str) -> (String, String) {
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
pub(super) fn lexical_info(w: &str, lex: &Lexicon) -> TokenInfo {
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
/// each word new to a tagging thread. The same info (unit test against
/// it).
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
pub(super) fn caps_sentence(facts: impl Iterator<Item = (bool, bool)>, words: usize) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

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
