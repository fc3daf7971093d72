//! News tokenisation for the entity tagger: text in, tokens (byte spans)
//! with sentence starts out. Follows the CoNLL-2003 / Penn Treebank
//! conventions the model was trained on: punctuation split off, "'s" and
//! "n't" separate, abbreviations ("U.S.", "Mr.", "Gen.", initials) kept
//! whole, hyphenated names ("al-Sham", "Su-35S") and numbers ("1,000.5")
//! kept whole.

/// One token: a byte span of the text it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tok {
    pub start: usize,
    pub end: usize,
    /// True for the first token of a sentence.
    pub sent_start: bool,
}

/// Abbreviations that keep their final period (lower-cased, without it).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "cmdr", "adm", "sgt",
    "cpl", "pvt", "sen", "rep", "gov", "pres", "supt", "insp", "rev", "fr", "hon", "st", "ave",
    "blvd", "rd", "mt", "ft", "jr", "sr", "inc", "corp", "co", "ltd", "plc", "bros", "dept",
    "univ", "assn", "no", "nos", "vol", "vs", "etc", "approx", "est", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues", "wed", "thu",
    "thur", "thurs", "fri", "sat", "sun", "ala", "ariz", "ark", "calif", "colo", "conn", "del",
    "fla", "ga", "ill", "ind", "kan", "kans", "ky", "la", "md", "mass", "mich", "minn", "miss",
    "mo", "mont", "neb", "nev", "okla", "ore", "pa", "tenn", "tex", "va", "vt", "wash", "wis",
    "wyo", "e.g", "i.e", "a.m", "p.m", "u.s", "u.k", "u.n", "e.u",
];

/// Abbreviations that also often end a sentence ("... in the U.S. The ...").
const SENTENCE_FINAL_ABBREVIATIONS: &[&str] = &[
    "u.s", "u.k", "inc", "co", "corp", "ltd", "plc", "etc", "jr", "sr",
];

/// Whether `word`, lower-cased, is one of `lower` (lower-case words). An
/// ASCII word is compared in place (it can only equal an ASCII one); any
/// other is lower-cased in full once, as Unicode may map it into ASCII (the
/// Kelvin sign to "k").
pub(crate) fn lowercase_is_one_of(word: &str, lower: &[&str]) -> bool {
    if word.is_ascii() {
        lower.iter().any(|l| l.eq_ignore_ascii_case(word))
    } else {
        lower.contains(&word.to_lowercase().as_str())
    }
}

/// A fixed list of lower-case words, for asking what
/// [`lowercase_is_one_of`] would of the list without comparing a word with
/// each entry (comparing showed in profiles of indexing): an ASCII word is
/// lower-cased on the stack and looked up.
pub(crate) struct LowerSet {
    list: &'static [&'static str],
    set: rustc_hash::FxHashSet<&'static str>,
    /// The longest entry, in bytes.
    longest: usize,
}

impl LowerSet {
    /// The set of `list`, whose words are lower-case.
    pub(crate) fn of(list: &'static [&'static str]) -> LowerSet {
        LowerSet {
            list,
            set: list.iter().copied().collect(),
            longest: list.iter().map(|w| w.len()).max().unwrap_or(0),
        }
    }

    /// Whether `word`, lower-cased, is one of the list.
    pub(crate) fn contains(&self, word: &str) -> bool {
        const ROOM: usize = 32;
        if !word.is_ascii() {
            // Unicode may lower-case it into an ASCII entry (the Kelvin
            // sign to "k").
            return lowercase_is_one_of(word, self.list);
        }
        if word.len() > self.longest {
            return false;
        }
        if word.len() > ROOM {
            return self.set.contains(word.to_ascii_lowercase().as_str());
        }
        let mut buf = [0u8; ROOM];
        let lower = &mut buf[..word.len()];
        lower.copy_from_slice(word.as_bytes());
        lower.make_ascii_lowercase();
        std::str::from_utf8(lower).is_ok_and(|l| self.set.contains(l))
    }
}

/// [`ABBREVIATIONS`], for [`is_abbreviation`].
static ABBREVIATION_SET: std::sync::LazyLock<LowerSet> =
    std::sync::LazyLock::new(|| LowerSet::of(ABBREVIATIONS));

fn is_abbreviation(word_without_period: &str) -> bool {
    if ABBREVIATION_SET.contains(word_without_period) {
        return true;
    }
    let mut chars = word_without_period.chars();
    // Initials: "W." and letter-dot runs like "U.S" or "J.R.R".
    match (chars.next(), chars.next()) {
        (Some(c), None) => c.is_alphabetic(),
        _ => {
            let mut parts = 0;
            let initials = word_without_period.split('.').all(|p| {
                parts += 1;
                let mut cs = p.chars();
                matches!((cs.next(), cs.next()), (Some(c), None) if c.is_alphabetic())
            });
            initials && parts >= 2
        }
    }
}

fn is_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}'
    )
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '`')
}

/// Characters that may sit inside a word between letters or digits.
fn is_joiner(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}' | '\u{2011}' | '&' | '.' | ',' | ':' | '/' | '@' | '_'
    ) || is_apostrophe(c)
}

/// The characters of a text by place, with their byte offsets: read in
/// place for ASCII text (nearly all of English news), from a vector of
/// (offset, char) for any other, which would be a sizeable part of
/// tokenising ASCII to build.
trait Chars {
    /// Number of characters.
    fn len(&self) -> usize;
    /// Character `i` (`i < len`).
    fn at(&self, i: usize) -> char;
    /// Byte offset of character `i`, or the text's length for `len`.
    fn byte_at(&self, i: usize) -> usize;
    /// Character `i`, if there is one.
    fn get(&self, i: usize) -> Option<char> {
        (i < self.len()).then(|| self.at(i))
    }
    /// The first place at or after `i` whose character is not
    /// alphanumeric (or `len`).
    #[inline]
    fn alphanumeric_end(&self, mut i: usize) -> usize {
        while i < self.len() && self.at(i).is_alphanumeric() {
            i += 1;
        }
        i
    }
}

struct Ascii<'a>(&'a [u8]);

impl Chars for Ascii<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline]
    fn at(&self, i: usize) -> char {
        self.0[i] as char
    }
    #[inline]
    fn byte_at(&self, i: usize) -> usize {
        i
    }
    #[inline]
    fn alphanumeric_end(&self, i: usize) -> usize {
        // Most of the text is runs of letters: a byte test each.
        match self.0[i.min(self.0.len())..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
        {
            Some(k) => i + k,
            None => self.0.len(),
        }
    }
}

struct Indexed {
    chars: Vec<(usize, char)>,
    bytes: usize,
}

impl Indexed {
    fn new(text: &str) -> Indexed {
        Indexed {
            chars: text.char_indices().collect(),
            bytes: text.len(),
        }
    }
}

impl Chars for Indexed {
    #[inline]
    fn len(&self) -> usize {
        self.chars.len()
    }
    #[inline]
    fn at(&self, i: usize) -> char {
        self.chars[i].1
    }
    #[inline]
    fn byte_at(&self, i: usize) -> usize {
        self.chars.get(i).map_or(self.bytes, |c| c.0)
    }
}

/// Splits `text` into tokens with sentence starts marked.
pub fn tokenize(text: &str) -> Vec<Tok> {
    if text.is_ascii() {
        tokenize_chars(text, &Ascii(text.as_bytes()))
    } else {
        tokenize_chars(text, &Indexed::new(text))
    }
}

fn tokenize_chars<C: Chars>(text: &str, chars: &C) -> Vec<Tok> {
    let mut t = Tokenizer {
        text,
        chars,
        n: chars.len(),
        toks: Vec::with_capacity(text.len() / 5),
        new_sentence: true,
    };
    let mut i = 0;
    // A newline run with an empty line starts a new sentence too.
    let mut newlines = 0;
    while i < t.n {
        let c = chars.at(i);
        if c.is_whitespace() {
            if c == '\n' {
                newlines += 1;
                if newlines >= 2 {
                    t.new_sentence = true;
                }
            }
            i += 1;
            continue;
        }
        newlines = 0;
        i = if c.is_alphanumeric() {
            t.word(i)
        } else if is_apostrophe(c) && i + 1 < t.n && chars.at(i + 1).is_alphanumeric() {
            t.apostrophe(i)
        } else {
            t.punctuation(i, c)
        };
    }
    t.toks
}

/// The tokens found so far in `text`, whose characters are `chars`, and
/// whether the next one starts a sentence. Each method reads one token (or
/// two) from character `i` and returns the index after it.
struct Tokenizer<'a, C> {
    text: &'a str,
    chars: &'a C,
    n: usize,
    toks: Vec<Tok>,
    new_sentence: bool,
}

impl<C: Chars> Tokenizer<'_, C> {
    #[inline]
    fn push(&mut self, from: usize, to: usize) {
        let (a, b) = (self.chars.byte_at(from), self.chars.byte_at(to));
        push(&mut self.toks, a, b, &mut self.new_sentence);
    }

    /// A word: alphanumerics with single joiners between them; "n't" split
    /// off, and a final period kept when it ends an abbreviation.
    #[inline]
    fn word(&mut self, start: usize) -> usize {
        let (chars, n) = (self.chars, self.n);
        let j = self.word_end(start);
        // "n't": the n belongs to the suffix token ("does" "n't").
        if j < n
            && j >= start + 2
            && is_apostrophe(chars.at(j))
            && matches!(chars.at(j - 1), 'n' | 'N')
            && chars.get(j + 1).is_some_and(|x| x == 't' || x == 'T')
            && !chars.get(j + 2).is_some_and(char::is_alphanumeric)
        {
            self.push(start, j - 1);
            self.push(j - 1, j + 2);
            return j + 2;
        }
        let word = || &self.text[chars.byte_at(start)..chars.byte_at(j)];
        let abbrev = j < n && chars.at(j) == '.' && is_abbreviation(word());
        let end = if abbrev { j + 1 } else { j };
        // Sentence-final abbreviation: next word capitalised, and the
        // abbreviation is one that often ends sentences.
        let ends_sentence = abbrev
            && SENTENCE_FINAL_ABBREVIATIONS.contains(&word().to_lowercase().as_str())
            && self.capital_follows(end);
        self.push(start, end);
        if ends_sentence {
            self.new_sentence = true;
        }
        end
    }

    /// Whether white space and then a capitalised word that is not a title
    /// ("Mr", "Gen") follow character `k`.
    fn capital_follows(&self, mut k: usize) -> bool {
        let (chars, n) = (self.chars, self.n);
        let mut saw_space = false;
        while k < n && chars.at(k).is_whitespace() {
            saw_space = true;
            k += 1;
        }
        saw_space && k < n && chars.at(k).is_uppercase() && !is_title_word(chars, k)
    }

    /// Where the word starting at `start` ends: alphanumerics, and joiners
    /// [`Tokenizer::joins`] keeps inside.
    #[inline]
    fn word_end(&self, start: usize) -> usize {
        let (chars, n) = (self.chars, self.n);
        let mut j = start + 1;
        while j < n {
            j = chars.alphanumeric_end(j);
            if j == n {
                break;
            }
            let cj = chars.at(j);
            let inside = is_joiner(cj) && j + 1 < n && chars.at(j + 1).is_alphanumeric();
            if !(inside && self.joins(start, j, cj)) {
                break;
            }
            j += 1;
        }
        j
    }

    /// Whether joiner `cj` at `j`, between alphanumerics, stays inside the
    /// word that started at `start`.
    fn joins(&self, start: usize, j: usize, cj: char) -> bool {
        let (chars, n) = (self.chars, self.n);
        let prev = chars.at(j - 1);
        let next = chars.at(j + 1);
        match cj {
            // 1,000 and 3.5 and 10:30 and 1/2: digits on both sides;
            // "U.S" style abbreviations: single letters between dots.
            ',' | ':' => prev.is_ascii_digit() && next.is_ascii_digit(),
            '/' => prev.is_ascii_digit() && next.is_ascii_digit(),
            '.' => {
                (prev.is_ascii_digit() && next.is_ascii_digit())
                    || (next.is_alphabetic()
                        && (j + 2 >= n || !chars.at(j + 2).is_alphanumeric())
                        && (j - start == 1 || chars.at(j - 2) == '.'))
            }
            '\'' | '\u{2019}' | '\u{2018}' | '`' => {
                // Split "'s" and "n't"; keep O'Brien, al-Qa'ida.
                let rest: String = (j + 1..n.min(j + 3)).map(|k| chars.at(k)).collect();
                let after = chars.get(j + 2);
                let is_s =
                    (next == 's' || next == 'S') && !after.is_some_and(char::is_alphanumeric);
                let is_nt = (next == 't' || next == 'T')
                    && (prev == 'n' || prev == 'N')
                    && !after.is_some_and(char::is_alphanumeric);
                let short_suffix = matches!(rest.to_lowercase().as_str(), "ll" | "re" | "ve")
                    && !chars.get(j + 3).is_some_and(char::is_alphanumeric);
                let is_d_m = matches!(next, 'd' | 'm' | 'D' | 'M')
                    && !after.is_some_and(char::is_alphanumeric);
                !(is_s || is_nt || short_suffix || is_d_m)
            }
            _ => true,
        }
    }

    /// An apostrophe before a letter: "'s", "'ll" after a word, or an
    /// opening quote on its own.
    fn apostrophe(&mut self, i: usize) -> usize {
        let (chars, n) = (self.chars, self.n);
        let mut j = i + 1;
        while j < n && chars.at(j).is_alphabetic() && j - i <= 3 {
            j += 1;
        }
        let suffix: String = (i + 1..j)
            .map(|k| chars.at(k).to_ascii_lowercase())
            .collect();
        let attached = i > 0 && !chars.at(i - 1).is_whitespace();
        if attached
            && matches!(suffix.as_str(), "s" | "ll" | "re" | "ve" | "d" | "m")
            && !(j < n && chars.at(j).is_alphanumeric())
        {
            self.push(i, j);
            return j;
        }
        self.push(i, i + 1);
        i + 1
    }

    /// Punctuation: runs of the same dash or dot character stay together;
    /// a sentence ends after `.`, `!` or `?` and the closing quotes and
    /// brackets that follow.
    fn punctuation(&mut self, i: usize, c: char) -> usize {
        let (chars, n) = (self.chars, self.n);
        let mut j = i + 1;
        if matches!(c, '-' | '.' | '=' | '*' | '_') {
            while j < n && chars.at(j) == c {
                j += 1;
            }
        }
        self.push(i, j);
        if !matches!(c, '.' | '!' | '?') {
            return j;
        }
        let mut k = j;
        while k < n && (is_quote(chars.at(k)) || is_apostrophe(chars.at(k)) || chars.at(k) == ')') {
            let (a, b) = (chars.byte_at(k), chars.byte_at(k + 1));
            push(&mut self.toks, a, b, &mut false);
            k += 1;
        }
        self.new_sentence = true;
        k
    }
}

/// True if the capitalised word at char `k` is one that commonly follows an
/// abbreviation inside a sentence (a name after "U.S." is not a new sentence).
fn is_title_word(chars: &impl Chars, k: usize) -> bool {
    let word: String = (k..chars.len())
        .map(|i| chars.at(i))
        .take_while(|c| c.is_alphabetic())
        .collect();
    matches!(
        word.as_str(),
        "President"
            | "Senate"
            | "Congress"
            | "Treasury"
            | "Army"
            | "Navy"
            | "Air"
            | "State"
            | "Federal"
            | "Supreme"
            | "Secretary"
            | "Department"
            | "District"
    )
}

fn push(toks: &mut Vec<Tok>, start: usize, end: usize, new_sentence: &mut bool) {
    if end > start {
        toks.push(Tok {
            start,
            end,
            sent_start: *new_sentence,
        });
        *new_sentence = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_text_is_read_in_place_as_through_the_char_vector() {
        // Pieces that reach every rule: abbreviations, initials, title
        // words after them, possessives and contractions, joiners between
        // digits and letters, runs of punctuation, quotes, blank lines.
        let pieces = [
            "U.S.",
            "Mr.",
            "Inc.",
            "J.R.R.",
            "W.",
            "President",
            "Senate",
            "It",
            "don't",
            "can't",
            "O'Brien",
            "Smith's",
            "we'll",
            "I'd",
            "'s",
            "1,000.5",
            "10:30",
            "1/2",
            "al-Sham",
            "Su-35S",
            "AT&T",
            "a.k.a.",
            "--",
            "...",
            "!",
            "?",
            "\"",
            "'",
            ")",
            "(",
            "==",
            "**",
            "__",
            "x@y.z",
            " ",
            " ",
            " ",
            "\n",
            "\n\n",
            "word",
            "Word",
            "WORD",
            "3.5",
            ",",
            ".",
            ":",
            "/",
            "-",
            "&",
            "`",
            "n't",
            "e.g.",
            "ll",
            "re",
        ];
        let mut rng = crate::testutil::Rng::new(5);
        for _ in 0..3000 {
            let text: String = (0..rng.below(30))
                .map(|_| pieces[rng.below(pieces.len())])
                .collect();
            assert!(text.is_ascii());
            assert_eq!(
                tokenize_chars(&text, &Ascii(text.as_bytes())),
                tokenize_chars(&text, &Indexed::new(&text)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn lower_sets_answer_as_comparing_with_each() {
        const LIST: &[&str] = &[
            "k",
            "mr",
            "e.g",
            "an-entry-longer-than-the-stack-room-of-32-bytes",
        ];
        let set = LowerSet::of(LIST);
        let mut words = crate::testutil::near_misses(LIST);
        words.extend(["", "K", "\u{212A}", "M\u{212A}", "Ünal", "E.G"].map(String::from));
        for w in &words {
            assert_eq!(set.contains(w), lowercase_is_one_of(w, LIST), "{w}");
        }
    }

    #[test]
    fn lowercase_matches_ascii_in_place_and_other_words_in_full() {
        assert!(lowercase_is_one_of("Known", &["known"]));
        // The abbreviation set gives what comparing with each gives.
        let listed = |w: &str| lowercase_is_one_of(w, ABBREVIATIONS);
        let mut words = crate::testutil::near_misses(ABBREVIATIONS);
        words.extend(
            [
                "Mr",
                "GoV",
                "U.S",
                "approxi",
                "longerword",
                "\u{212A}y",
                "Ünal",
                "a",
            ]
            .map(String::from),
        );
        for w in &words {
            assert_eq!(ABBREVIATION_SET.contains(w), listed(w), "{w}");
            assert!(is_abbreviation(w) || !listed(w), "{w}");
        }
        assert!(lowercase_is_one_of("AKA", &["a.k.a.", "aka"]));
        assert!(!lowercase_is_one_of("knowns", &["known"]));
        // The Kelvin sign lower-cases to an ASCII "k".
        assert!(lowercase_is_one_of("\u{212A}nown", &["known"]));
        assert!(!lowercase_is_one_of("Ünal", &["unal"]));
        assert!(!lowercase_is_one_of("as", &[]));
        assert!(lowercase_is_one_of("Éire", &["éire"]));
        assert!(!lowercase_is_one_of("Eire", &["éire"]));
    }

    fn words(text: &str) -> Vec<&str> {
        tokenize(text)
            .iter()
            .map(|t| &text[t.start..t.end])
            .collect()
    }

    fn sentences(text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in tokenize(text) {
            if t.sent_start || out.is_empty() {
                out.push(String::new());
            } else {
                out.last_mut().unwrap().push(' ');
            }
            out.last_mut().unwrap().push_str(&text[t.start..t.end]);
        }
        out
    }

    #[test]
    fn abbreviations_and_initials_keep_their_period() {
        assert_eq!(
            words("Mr. Smith met U.S. Gen. John W. Nicholson in Washington D.C."),
            [
                "Mr.",
                "Smith",
                "met",
                "U.S.",
                "Gen.",
                "John",
                "W.",
                "Nicholson",
                "in",
                "Washington",
                "D.C."
            ]
        );
        // The longest listed ones, and words that only lower-case to one.
        for w in [
            "approx",
            "APPROX",
            "Thurs",
            "\u{212A}an",
            "\u{212A}\u{212A}\u{212A}",
        ] {
            assert_eq!(is_abbreviation(w), w != "\u{212A}\u{212A}\u{212A}", "{w}");
        }
        assert!(!is_abbreviation("approxi"));
    }

    #[test]
    fn possessives_and_contractions_split() {
        assert_eq!(
            words("Russia's army doesn't"),
            ["Russia", "'s", "army", "does", "n't"]
        );
        assert_eq!(words("Shoigu’s plane"), ["Shoigu", "’s", "plane"]);
        assert_eq!(
            words("O'Brien and the Jones' house"),
            ["O'Brien", "and", "the", "Jones", "'", "house"]
        );
    }

    #[test]
    fn hyphens_numbers_and_quotes() {
        assert_eq!(
            words("\"Hayat Tahrir al-Sham\" got $1,000.50 (3.5%) on 10:30, Su-35S."),
            [
                "\"", "Hayat", "Tahrir", "al-Sham", "\"", "got", "$", "1,000.50", "(", "3.5", "%",
                ")", "on", "10:30", ",", "Su-35S", "."
            ]
        );
    }

    #[test]
    fn datelines() {
        assert_eq!(
            words("MOSCOW (Sputnik) - Russian"),
            ["MOSCOW", "(", "Sputnik", ")", "-", "Russian"]
        );
    }

    #[test]
    fn sentence_splitting() {
        assert_eq!(
            sentences(
                "He left. She stayed! \"Why?\" he asked. Mr. Smith went to the U.S. President Bush agreed."
            ),
            [
                "He left .",
                "She stayed !",
                "\" Why ? \"",
                "he asked .",
                "Mr. Smith went to the U.S. President Bush agreed ."
            ]
        );
        assert_eq!(
            sentences("It grew in the U.S. The firm said"),
            ["It grew in the U.S.", "The firm said"]
        );
        assert_eq!(
            sentences("TITLE LINE\n\nBody text"),
            ["TITLE LINE", "Body text"]
        );
    }

    #[test]
    fn offsets_are_byte_spans_of_the_text() {
        let text = "Ердоган и Путин.";
        for t in tokenize(text) {
            assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
        }
        assert_eq!(words(text), ["Ердоган", "и", "Путин", "."]);
    }

    #[test]
    fn random_text_gives_ordered_spans_on_char_boundaries() {
        let pieces = [
            "U.S.", "Mr.", "'s", "n't", "\"", "'", "-", "--", ".", "...", "!", "?", " ", "\n\n",
            "A", "b", "1,000", "3.5", "al-", "é", "日本", "’", "“", "(", ")", ",", "O'", "W.",
            "🙂", "\t", "x", "Z", "0",
        ];
        let mut rng = crate::testutil::Rng::new(7u64);
        let mut next = |n: usize| rng.below(n);
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..next(20) {
                text.push_str(pieces[next(pieces.len())]);
            }
            let toks = tokenize(&text);
            let mut last = 0;
            for t in &toks {
                assert!(t.start >= last && t.end > t.start, "{text:?}: {toks:?}");
                assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
                assert!(
                    !text[t.start..t.end].chars().any(char::is_whitespace),
                    "{text:?}"
                );
                last = t.end;
            }
            // Every non-space character is in some token.
            let covered: usize = toks
                .iter()
                .map(|t| text[t.start..t.end].chars().count())
                .sum();
            assert_eq!(
                covered,
                text.chars().filter(|c| !c.is_whitespace()).count(),
                "{text:?}"
            );
        }
    }
}
