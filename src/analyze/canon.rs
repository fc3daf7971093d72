//! Canonical entity names: an article's tagged mentions in, each with the
//! name it is grouped under out. Titles, honorifics and possessives are cut,
//! ALL-CAPS text gets its usual casing, short mentions resolve to the
//! fullest mention of the same entity in the article ("Putin" -> "Vladimir
//! Putin", "HTS" -> "Hayat Tahrir al-Sham"), and a user alias table merges
//! what the model cannot know is the same.

use std::collections::HashMap;
use std::path::Path;

use super::EntityType;
use super::given_names::Sex;
use super::lexicon::Lexicon;
use super::ner::{TokenInfo, is_mixed_case, lower_key};
use super::tokenize::LowerSet;
use crate::error::{Error, Result};

/// Words that precede names without being part of them.
const TITLES: &[&str] = &[
    "mr",
    "mr.",
    "mrs",
    "mrs.",
    "ms",
    "ms.",
    "miss",
    "dr",
    "dr.",
    "prof",
    "prof.",
    "sir",
    "dame",
    "lord",
    "lady",
    "president",
    "vice",
    "prime",
    "minister",
    "premier",
    "chancellor",
    "secretary",
    "defence",
    "defense",
    "foreign",
    "interior",
    "finance",
    "general",
    "gen.",
    "gen",
    "army",
    "lt.",
    "lt",
    "col.",
    "col",
    "maj.",
    "capt.",
    "captain",
    "cmdr.",
    "adm.",
    "admiral",
    "sgt.",
    "sen.",
    "senator",
    "rep.",
    "representative",
    "gov.",
    "governor",
    "mayor",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "sheikh",
    "ambassador",
    "judge",
    "justice",
    "chairman",
    "chairwoman",
    "chief",
    "ceo",
    "director",
    "spokesman",
    "spokeswoman",
    "commander",
    "rev.",
    "reverend",
    "father",
    "st.",
    "deputy",
    "former",
    "late",
    "coach",
    "manager",
    "striker",
    "officer",
    "inspector",
    "detective",
    "marshal",
    "field",
    "supreme",
    "leader",
    "emperor",
    "lieutenant",
    "colonel",
    "major",
    "sergeant",
    "private",
    "corporal",
    "brigadier",
];

/// Leading words that are not part of organisation or place names.
const ARTICLES: &[&str] = &["the"];

/// [`TITLES`], for cutting them from person mentions.
static TITLE_SET: std::sync::LazyLock<LowerSet> = std::sync::LazyLock::new(|| LowerSet::of(TITLES));

fn is_possessive(tok: &str) -> bool {
    matches!(tok, "'s" | "’s" | "'" | "’" | "'S")
}

fn is_caps(s: &str) -> bool {
    s.chars().any(char::is_uppercase) && !s.chars().any(char::is_lowercase)
}

/// Splits a surface form on whitespace, dropping titles (for persons),
/// leading articles, trailing possessives and stray punctuation.
pub fn clean_tokens(surface: &str, kind: EntityType) -> Vec<String> {
    // Cut as slices of `surface`; only the tokens kept become strings.
    let mut toks: Vec<&str> = surface
        .split_whitespace()
        .map(|t| {
            t.trim_matches(|c: char| {
                matches!(c, '"' | '“' | '”' | '(' | ')' | '[' | ']' | ',' | ';' | ':')
            })
        })
        .filter(|t| !t.is_empty())
        .collect();
    // Possessives, attached or split off: "Russia's", "Russia 's".
    while let Some(&last) = toks.last() {
        if is_possessive(last) {
            toks.pop();
            continue;
        }
        if let Some(cut) = ["'s", "’s", "'S"].iter().find_map(|p| last.strip_suffix(p))
            && !cut.is_empty()
        {
            let n = toks.len();
            toks[n - 1] = cut;
        }
        break;
    }
    while toks.len() > 1
        && toks
            .last()
            .is_some_and(|t| t.chars().all(|c| !c.is_alphanumeric()))
    {
        toks.pop();
    }
    let leading = |t: &str| {
        if kind == EntityType::Person {
            TITLE_SET.contains(t)
        } else {
            super::tokenize::lowercase_is_one_of(t, ARTICLES)
        }
    };
    let first = toks
        .iter()
        .position(|t| !leading(t))
        .unwrap_or(toks.len())
        .min(toks.len().saturating_sub(1));
    toks[first..].iter().map(|t| t.to_string()).collect()
}

/// Corrects a tagged type that cannot be right: a person's name has no
/// digits ("Sukhoi Su-35S" is a thing, not a person), so such a mention is
/// kept as `misc`; a news agency, or a name ending "Inc", is an
/// organisation.
pub fn plausible_type(kind: EntityType, surface: &str) -> EntityType {
    if kind == EntityType::Person && surface.chars().any(|c| c.is_ascii_digit()) {
        EntityType::Misc
    } else if (kind != EntityType::Org && is_agency(surface))
        || (kind == EntityType::Person && ends_in_designator(surface))
    {
        EntityType::Org
    } else {
        kind
    }
}

/// Company designators ("Co", "Ltd"), without their period: they end a
/// company's name and name nothing alone.
const DESIGNATORS: &[&str] = &[
    "co", "corp", "inc", "ltd", "plc", "llc", "ag", "sa", "nv", "gmbh", "bhd", "pty", "cos",
];

static DESIGNATOR_SET: std::sync::LazyLock<LowerSet> =
    std::sync::LazyLock::new(|| LowerSet::of(DESIGNATORS));

/// Whether a word is a company designator ("Inc.", "CO", "Ltd,").
pub fn is_designator(word: &str) -> bool {
    DESIGNATOR_SET.contains(word.trim_end_matches(['.', ',']))
}

/// Words besides designators that name nothing alone: generic heads of
/// names ("Bank", "Group"), number words ("Nine" in "Nine mths").
const GENERIC: &[&str] = &[
    "bank",
    "group",
    "company",
    "corporation",
    "government",
    "ministry",
    "committee",
    "commission",
    "council",
    "fund",
    "board",
    "agency",
    "exchange",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
];

static GENERIC_SET: std::sync::LazyLock<LowerSet> =
    std::sync::LazyLock::new(|| LowerSet::of(GENERIC));

/// A mention whose words hold letters of a cased script and not one
/// capital ("has", "proposed acquisition": a capitals brief's common words,
/// recased, that the tagger took for a name); "iPhone", "al-Sadr" and
/// names in scripts without case are names.
pub fn is_lower_case_only(tokens: &[String]) -> bool {
    let letters = || tokens.iter().flat_map(|t| t.chars());
    letters().any(char::is_lowercase) && !letters().any(char::is_uppercase)
}

/// A mention that names nothing: one designator or generic word.
pub fn is_generic(tokens: &[String]) -> bool {
    matches!(tokens, [one] if is_designator(one) || GENERIC_SET.contains(one))
}

/// A name ending in a company designator ("Bear Stearns and Co Inc").
fn ends_in_designator(surface: &str) -> bool {
    surface.split_whitespace().count() > 1
        && surface.split_whitespace().last().is_some_and(is_designator)
}

/// A news agency's name alone ("REUTER", "Reuters", "AFP"): an
/// organisation, whatever a headline in capitals makes the tagger think.
fn is_agency(surface: &str) -> bool {
    super::tokenize::lowercase_is_one_of(
        surface,
        &[
            "reuter", "reuters", "afp", "ap", "upi", "tass", "xinhua", "kyodo", "ansa", "dpa",
            "efe",
        ],
    )
}

/// The mixed-case forms of an article's words ("Idlib"), for recasing its
/// capitals. Indexed at the first look-up, by the tagger's hash of each
/// mixed-case word's lower case ([`TokenInfo::lower`]): scanning every word
/// for each look-up showed in profiles of tagging (most articles recase an
/// "US" or a "REUTERS", and Reuters' upper-case datelines give several a
/// name).
pub struct Forms<'a> {
    words: &'a [&'a str],
    /// The tagger's infos of the words, if given: whether each is
    /// mixed-case and its key, worked out once per distinct word rather than
    /// once per word of each article.
    infos: Option<&'a [TokenInfo]>,
    /// [`lower_key`] -> index of the first mixed-case word with it.
    index: std::cell::OnceCell<rustc_hash::FxHashMap<u64, u32>>,
}

impl<'a> Forms<'a> {
    /// The forms of `words`.
    pub fn new(words: &'a [&'a str]) -> Forms<'a> {
        Forms {
            words,
            infos: None,
            index: std::cell::OnceCell::new(),
        }
    }

    /// The forms of `words`, with the infos the tagger made of them (one
    /// per word).
    pub fn with_infos(words: &'a [&'a str], infos: &'a [TokenInfo]) -> Forms<'a> {
        debug_assert_eq!(words.len(), infos.len());
        Forms {
            infos: Some(infos),
            ..Forms::new(words)
        }
    }

    /// The first word, in upper and lower case both, whose lower case is
    /// `lower`.
    pub fn get(&self, lower: &str) -> Option<&'a str> {
        let is_form =
            |w: &str| super::tokenize::lowercase_is_one_of(w, &[lower]) && is_mixed_case(w);
        let index = self.index.get_or_init(|| {
            let mut index = rustc_hash::FxHashMap::default();
            match self.infos {
                // The tagger's infos of each word already tell (once per
                // distinct word) whether it is mixed-case, and its key.
                Some(infos) => {
                    for (i, x) in infos.iter().enumerate() {
                        if x.written.mixed() {
                            index.entry(x.lower).or_insert(i as u32);
                        }
                    }
                }
                None => {
                    for (i, w) in self.words.iter().enumerate() {
                        if is_mixed_case(w) {
                            index.entry(lower_key(w)).or_insert(i as u32);
                        }
                    }
                }
            }
            index
        });
        let &i = index.get(&lower_key(lower))?;
        let w = self.words[i as usize];
        if is_form(w) {
            Some(w)
        } else {
            // Another word with the same hash came first.
            self.words.iter().copied().find(|w| is_form(w))
        }
    }
}

/// Gives ALL-CAPS words their usual casing: as written elsewhere in the
/// article, else as usually written in news, else capitalised. Words that
/// look like acronyms stay: up to 4 letters, or few vowels ("UNHCR").
pub fn recase(tokens: &mut [String], doc_forms: &Forms<'_>, lexicon: &Lexicon) {
    for tok in tokens.iter_mut() {
        if !is_caps(tok) || tok.chars().filter(|c| c.is_alphabetic()).count() < 2 {
            continue;
        }
        let lower = tok.to_lowercase();
        if let Some(f) = doc_forms.get(&lower) {
            *tok = f.to_string();
        } else if let Some(f) = lexicon.usual_form(&lower) {
            *tok = f.to_string();
        } else if !looks_like_acronym(tok) {
            *tok = capitalise(&lower);
        }
    }
}

fn looks_like_acronym(word: &str) -> bool {
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    let vowels = letters.iter().filter(|c| "AEIOUY".contains(**c)).count();
    letters.len() <= 4 || vowels * 4 < letters.len()
}

/// Upper-cases the first letter of each hyphen- or apostrophe-separated part.
fn capitalise(lower: &str) -> String {
    let mut out = String::with_capacity(lower.len());
    let mut up = true;
    for c in lower.chars() {
        if up && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
        if matches!(c, '-' | '\'' | '.') {
            up = true;
        }
    }
    out
}

/// A user alias table: alias (folded) -> canonical name.
#[derive(Debug, Default, Clone)]
pub struct Aliases {
    map: HashMap<String, String>,
    /// Hash of the file, so a changed table re-indexes.
    pub fingerprint: u64,
}

impl Aliases {
    /// Every (alias, canonical) row, folded alias first, in alias order.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> = self
            .map
            .iter()
            .map(|(a, c)| (a.clone(), c.clone()))
            .collect();
        rows.sort();
        rows
    }
}

/// Folds a name for alias lookup: lower case, single spaces.
pub fn fold(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Aliases {
    /// Reads a CSV file of `canonical,alias` rows (a header row
    /// `canonical,alias` is optional).
    pub fn load(path: &Path) -> Result<Aliases> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes.as_slice());
        let mut aliases = Aliases {
            map: HashMap::new(),
            fingerprint: xxhash_rust::xxh3::xxh3_64(&bytes),
        };
        for (i, row) in reader.records().enumerate() {
            let row =
                row.map_err(|e| Error::Usage(format!("{}: line {}: {e}", path.display(), i + 1)))?;
            let fields: Vec<&str> = row.iter().map(str::trim).collect();
            if i == 0
                && fields
                    .first()
                    .is_some_and(|f| f.eq_ignore_ascii_case("canonical"))
            {
                continue;
            }
            if fields.iter().all(|f| f.is_empty()) || fields[0].starts_with('#') {
                continue;
            }
            if fields.len() != 2 || fields[0].is_empty() || fields[1].is_empty() {
                return Err(Error::Usage(format!(
                    "{}: line {}: expected two fields canonical,alias, found {:?}",
                    path.display(),
                    i + 1,
                    row.iter().collect::<Vec<_>>()
                )));
            }
            aliases.map.insert(fold(fields[1]), fields[0].to_string());
            aliases.map.insert(fold(fields[0]), fields[0].to_string());
        }
        Ok(aliases)
    }

    /// Builds an alias table from pairs (for tests).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Aliases {
        let mut a = Aliases::default();
        for (canonical, alias) in pairs {
            a.map.insert(fold(alias), canonical.to_string());
            a.map.insert(fold(canonical), canonical.to_string());
        }
        a
    }

    /// The canonical name for `name`, if the table has one.
    pub fn get(&self, name: &str) -> Option<&str> {
        if self.map.is_empty() {
            return None;
        }
        self.map.get(&fold(name)).map(String::as_str)
    }
}

/// One mention to resolve: its type and cleaned name tokens.
#[derive(Debug, Clone)]
pub struct Pending {
    pub kind: EntityType,
    pub tokens: Vec<String>,
    /// What the mention's honorific says ("Mrs Howard").
    pub sex: Sex,
}

impl Pending {
    /// The sex its honorific, or else its given name, implies.
    fn sex(&self) -> Sex {
        match (self.sex, self.tokens.as_slice()) {
            (Sex::Unknown, [first, _, ..]) => super::given_names::of_given_name(first),
            (sex, _) => sex,
        }
    }
}

/// Resolves the mentions of one article: returns for each its (possibly
/// corrected) type and canonical name.
pub fn resolve(mentions: &[Pending], aliases: &Aliases) -> Vec<(EntityType, String)> {
    let names: Vec<String> = mentions.iter().map(|m| m.tokens.join(" ")).collect();
    let mut out: Vec<(EntityType, String)> = Vec::with_capacity(mentions.len());
    for (i, m) in mentions.iter().enumerate() {
        // The fullest mention containing this one as whole tokens: persons
        // by the words that end the name (surname: "Charles" is not
        // "Charles Kennedy"), of the same sex as far as honorifics and given
        // names say ("Mrs Howard" is not "Michael Howard"); others only as
        // an acronym of the longer name.
        let mut best: Option<usize> = None;
        for (j, other) in mentions.iter().enumerate() {
            if other.tokens.len() <= m.tokens.len() {
                continue;
            }
            let same_entity = match (m.kind, other.kind) {
                (EntityType::Person, EntityType::Person) => {
                    ends_with(&other.tokens, &m.tokens) && m.sex().agrees(other.sex())
                }
                // A single word tagged as something else that ends a
                // person's full name: the model mixed up the type.
                (EntityType::Org | EntityType::Misc, EntityType::Person) => {
                    m.tokens.len() == 1 && ends_with(&other.tokens, &m.tokens)
                }
                (a, b) if a == b => {
                    m.tokens.len() == 1 && is_acronym_of(&m.tokens[0], &other.tokens)
                }
                _ => false,
            };
            if !same_entity {
                continue;
            }
            let better = match best {
                None => true,
                Some(b) => {
                    let (lb, lo) = (mentions[b].tokens.len(), other.tokens.len());
                    // Longest; then the nearest one before this mention.
                    lo > lb || (lo == lb && (j < i) && (b > i || j > b))
                }
            };
            if better {
                best = Some(j);
            }
        }
        let (kind, name) = match best {
            Some(j) => (mentions[j].kind, &names[j]),
            None => (m.kind, &names[i]),
        };
        let canonical = aliases
            .get(name)
            .or_else(|| aliases.get(&names[i]))
            .unwrap_or(name);
        out.push((kind, canonical.to_string()));
    }
    out
}

fn ends_with(name: &[String], end: &[String]) -> bool {
    name.len() >= end.len()
        && name[name.len() - end.len()..]
            .iter()
            .zip(end)
            .all(|(a, b)| a.eq_ignore_ascii_case(b))
}

/// "HTS" for "Hayat Tahrir al-Sham", "UN" for "United Nations" (function
/// words skipped, hyphenated parts after a lower-case prefix count).
fn is_acronym_of(short: &str, long: &[String]) -> bool {
    if !is_caps(short) || short.chars().count() < 2 {
        return false;
    }
    // The initials, upper-cased, must be the letters of `short` without
    // its periods, in order.
    let mut want = short.chars().filter(|&c| c != '.');
    for w in long {
        let part = match w.split_once('-') {
            Some((pre, rest)) if pre.chars().all(char::is_lowercase) => rest,
            _ => w.as_str(),
        };
        if super::tokenize::lowercase_is_one_of(
            part,
            &["of", "the", "and", "for", "de", "la", "du"],
        ) {
            continue;
        }
        if let Some(c) = part.chars().next() {
            for u in c.to_uppercase() {
                if want.next() != Some(u) {
                    return false;
                }
            }
        }
    }
    want.next().is_none()
}

#[cfg(test)]
mod tests {

    #[test]
    fn names_hold_a_capital_unless_their_script_has_none() {
        let of = |words: &[&str]| -> Vec<String> { words.iter().map(|w| w.to_string()).collect() };
        assert!(is_lower_case_only(&of(&["has"])));
        assert!(is_lower_case_only(&of(&["proposed", "acquisition"])));
        for name in [
            &["iPhone"][..],
            &["Muqtada", "al-Sadr"],
            &["日本"],
            &["Москва"],
            &["3M"],
        ] {
            assert!(!is_lower_case_only(&of(name)), "{name:?}");
        }
    }

    use super::*;
    use EntityType::*;

    fn p(kind: EntityType, s: &str) -> Pending {
        Pending {
            kind,
            tokens: clean_tokens(s, kind),
            sex: super::super::given_names::of_honorific(s),
        }
    }

    #[test]
    fn titles_possessives_and_articles_are_cut() {
        assert_eq!(
            clean_tokens("President Bashar Assad", Person),
            ["Bashar", "Assad"]
        );
        assert_eq!(
            clean_tokens("Defence Minister Army Gen. Sergei Shoigu", Person),
            ["Sergei", "Shoigu"]
        );
        assert_eq!(clean_tokens("Mr. Smith", Person), ["Smith"]);
        assert_eq!(clean_tokens("Shoigu's", Person), ["Shoigu"]);
        assert_eq!(clean_tokens("Russia 's", Location), ["Russia"]);
        assert_eq!(clean_tokens("Russia's 's", Location), ["Russia"]);
        assert_eq!(clean_tokens("(Russia) ' 's", Location), ["Russia"]);
        assert_eq!(clean_tokens("Mr. Dr. Smith", Person), ["Smith"]);
        assert_eq!(clean_tokens("MR SMITH", Person), ["SMITH"]);
        assert_eq!(clean_tokens("The The", Org), ["The"]);
        assert_eq!(clean_tokens("'s", Org), Vec::<String>::new());
        assert_eq!(
            clean_tokens("the European Union", Org),
            ["European", "Union"]
        );
        assert_eq!(clean_tokens("President", Person), ["President"]);
    }

    #[test]
    fn persons_have_no_digits() {
        assert_eq!(plausible_type(Person, "Sukhoi Su-35S"), Misc);
        assert_eq!(plausible_type(Person, "Vladimir Putin"), Person);
        assert_eq!(plausible_type(Org, "3M"), Org);
    }

    #[test]
    fn acronyms_are_the_initials_of_the_long_name() {
        let long = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        let yes = [
            ("HTS", "Hayat Tahrir al-Sham"),
            ("UN", "United Nations"),
            ("U.N.", "United Nations"),
            ("BE", "Bank of England"),
            ("IOC", "International Olympic Committee"),
            ("ÖV", "Österreichische Volkspartei"),
        ];
        for (short, name) in yes {
            assert!(is_acronym_of(short, &long(name)), "{short} {name}");
        }
        let no = [
            ("US", "United States of America"),
            ("USAF", "United States Army"),
            ("U", "Union"),
            ("UNS", "United Nations"),
            ("NU", "United Nations"),
            ("Un", "United Nations"),
            ("BoE", "Bank of England"),
            ("FSB", "Federal Security Service of the Russian Federation"),
        ];
        for (short, name) in no {
            assert!(!is_acronym_of(short, &long(name)), "{short} {name}");
        }
    }

    #[test]
    fn forms_are_found_as_by_scanning() {
        // The first mixed-case word whose lower case is the one asked for,
        // as scanning every word finds it; Unicode lower-casing included
        // (the Kelvin sign, a final sigma).
        let pool = [
            "Idlib",
            "IDLIB",
            "idlib",
            "IdLib",
            "Us",
            "US",
            "us",
            "uS",
            "\u{212A}iev",
            "Kiev",
            "ΟΔΥΣΣΕΑΣ",
            "Οδυσσέας",
            "Σας",
            "ΣΑς",
            "Éire",
            "ÉIRE",
            "McCain",
            "MCCAIN",
            // Keys map digits to 0 and normalise quotes: words that share
            // a key without sharing a lower case.
            "Dell2",
            "Dell3",
            "DELL3",
            "O\u{2019}Neill",
            "O'Neill",
            "O'NEILL",
            "-",
            "",
        ];
        let scan = |words: &[&'static str], lower: &str| {
            words.iter().copied().find(|w| {
                w.to_lowercase() == lower
                    && w.chars().any(char::is_uppercase)
                    && w.chars().any(char::is_lowercase)
            })
        };
        let mut rng = crate::testutil::Rng::new(11);
        for _ in 0..2000 {
            let n = rng.below(12);
            let words: Vec<&str> = (0..n).map(|_| pool[rng.below(pool.len())]).collect();
            // With and without the tagger's infos (which let the index
            // skip words it found plain).
            let doc = super::super::ner::Doc::new(words.clone(), (0..n).map(|i| i == 0));
            let infos = doc.infos(&Lexicon::default());
            for forms in [Forms::new(&words), Forms::with_infos(&words, &infos)] {
                for w in pool {
                    let lower = w.to_lowercase();
                    assert_eq!(forms.get(&lower), scan(&words, &lower), "{words:?} {lower}");
                }
            }
        }
    }

    #[test]
    fn caps_are_recased() {
        let mut lex = Lexicon::default();
        lex.casing.insert("moscow".into(), (5, "Moscow".into()));
        lex.casing.insert("nato".into(), (5, "NATO".into()));
        let words = ["In", "IDLIB", "Idlib", "IdLib", "NATO", "said", "Éire"];
        let doc = Forms::new(&words);
        let mut t: Vec<String> = [
            "MOSCOW", "NATO", "IDLIB", "UNHCR", "KHARTOUM", "al-NUSRA", "ÉIRE",
        ]
        .map(String::from)
        .to_vec();
        recase(&mut t, &doc, &lex);
        assert_eq!(
            t,
            [
                "Moscow", "NATO", "Idlib", "UNHCR", "Khartoum", "al-NUSRA", "Éire"
            ]
        );
    }

    #[test]
    fn titles_are_found_as_by_comparing_with_each() {
        let mut words = crate::testutil::near_misses(TITLES);
        for w in [
            "Putin",
            "",
            "representatives",
            "REPRESENTATIVE",
            "Ｍr",
            "M\u{212A}",
            "ﬁeld",
            "Presidentxxxxxxxxx",
        ] {
            words.push(w.to_string());
        }
        for w in &words {
            assert_eq!(
                TITLE_SET.contains(w),
                super::super::tokenize::lowercase_is_one_of(w, TITLES),
                "{w}"
            );
        }
        assert!(TITLES.iter().all(|t| *t == t.to_lowercase()));
    }

    #[test]
    fn short_mentions_resolve_to_the_fullest() {
        let m = vec![
            p(Person, "Sergei Shoigu"),
            p(Person, "Shoigu"),
            p(Person, "Bashar Assad"),
            p(Person, "Assad"),
            p(Person, "Putin"),
            p(Person, "Vladimir Putin"),
            p(Org, "Hayat Tahrir al-Sham"),
            p(Org, "HTS"),
            p(Location, "Idlib"),
            p(Misc, "Putin"),
        ];
        let r = resolve(&m, &Aliases::default());
        let names: Vec<&str> = r.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(
            names,
            [
                "Sergei Shoigu",
                "Sergei Shoigu",
                "Bashar Assad",
                "Bashar Assad",
                "Vladimir Putin",
                "Vladimir Putin",
                "Hayat Tahrir al-Sham",
                "Hayat Tahrir al-Sham",
                "Idlib",
                "Vladimir Putin"
            ]
        );
        assert_eq!(r[9].0, Person, "type corrected by the full name");
    }

    #[test]
    fn generic_words_alone_are_no_names() {
        let t = |s: &str| clean_tokens(s, Org);
        assert!(is_generic(&t("Ltd")) && is_generic(&t("the Bank")) && is_generic(&t("NINE")));
        assert!(!is_generic(&t("World Bank")) && !is_generic(&t("Fed")));
    }

    #[test]
    fn news_agencies_are_organisations() {
        assert_eq!(plausible_type(Person, "REUTER"), Org);
        assert_eq!(plausible_type(Misc, "Reuters"), Org);
        assert_eq!(plausible_type(Person, "Reuterson"), Person);
        assert_eq!(plausible_type(Person, "Su-35S"), Misc);
        assert_eq!(plausible_type(Person, "Bear Stearns and Co Inc."), Org);
        assert_eq!(plausible_type(Person, "Inc"), Person);
    }

    #[test]
    fn first_names_and_other_sexes_do_not_merge() {
        let m = vec![
            p(Person, "Charles Dunmore"),
            p(Person, "Prince Charles"),
            p(Person, "Michael Trask"),
            p(Person, "Mrs Trask"),
            p(Person, "Margaret Fenwick"),
            p(Person, "Mrs Fenwick"),
            p(Person, "Mr Trask"),
            p(Person, "Dunmore"),
        ];
        let r = resolve(&m, &Aliases::default());
        let names: Vec<&str> = r.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(
            names,
            [
                "Charles Dunmore",
                "Charles",
                "Michael Trask",
                "Trask",
                "Margaret Fenwick",
                "Margaret Fenwick",
                "Michael Trask",
                "Charles Dunmore"
            ]
        );
    }

    #[test]
    fn aliases_merge_across_names() {
        let aliases = Aliases::from_pairs(&[
            ("Hayat Tahrir al-Sham", "HTS"),
            ("Hayat Tahrir al-Sham", "Jabhat al-Nusra"),
        ]);
        let r = resolve(&[p(Org, "Jabhat al-Nusra"), p(Org, "hts")], &aliases);
        assert_eq!(r[0].1, "Hayat Tahrir al-Sham");
        assert_eq!(r[1].1, "Hayat Tahrir al-Sham");
    }

    #[test]
    fn alias_file_is_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("a.csv");
        std::fs::write(&good, "canonical,alias\nHayat Tahrir al-Sham,HTS\n\n").unwrap();
        let a = Aliases::load(&good).unwrap();
        assert_eq!(a.get("hts"), Some("Hayat Tahrir al-Sham"));
        let bad = dir.path().join("b.csv");
        std::fs::write(&bad, "canonical,alias\nonly-one\n").unwrap();
        let err = Aliases::load(&bad).unwrap_err().to_string();
        assert!(err.contains("line 2: expected two fields"), "{err}");
    }
}
