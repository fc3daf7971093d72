//! Word knowledge the tagger reads besides its weights: word clusters and
//! casing statistics induced from unlabelled news, and gazetteers (name
//! lists). Built by `newsdex ner lexicon` and `newsdex ner train`, stored in
//! the model file.

use rustc_hash::FxHashMap;

use super::EntityType;
use super::ner::{TokenInfo, hash_str};

/// Word clusters, casing and gazetteers.
#[derive(Default, Clone)]
pub struct Lexicon {
    /// Word (as written, digits as 0) -> cluster ids at three granularities.
    pub clusters: FxHashMap<String, [u16; 3]>,
    /// Lower-cased word -> (casing bucket 1..=5, most common written form).
    pub casing: FxHashMap<String, (u8, String)>,
    /// Hash of a lower-cased token sequence -> bit set of gazetteer
    /// classes: 0..=3 the entity types' own lists, 4..=7 other lists
    /// (see [`GAZETTEER_CLASSES`]).
    pub gazetteer: FxHashMap<u64, u8>,
    /// Longest gazetteer entry, in tokens.
    pub gazetteer_max: usize,
    /// Hash of every lower-cased token of a gazetteer name: a token
    /// outside it begins no name and continues none, so
    /// [`Lexicon::mark_gazetteer`] looks no further. Empty for a model
    /// file written before it was kept (every token is then tried).
    pub gazetteer_words: rustc_hash::FxHashSet<u64>,
    /// A Bloom filter over `gazetteer`'s keys, built at the first use.
    gazetteer_filter: std::sync::OnceLock<KeyFilter>,
    /// `clusters` and `casing` keyed by word hash, built at the first use.
    by_hash: std::sync::OnceLock<Option<ByHash>>,
}

/// [`Lexicon::clusters`] and [`Lexicon::casing`] looked up by a 64-bit hash
/// of the word ([`hash_str`]) with the values inline: a word new to a
/// tagging thread's cache was looked up in up to three string-keyed tables
/// (each a chain of three cache misses: control bytes, entry, key text),
/// a measurable part of tagging. Lexicon words whose hashes collide leave
/// it unbuilt (the string tables answer then); another word sharing a
/// lexicon word's hash (odds ~1e-14 a word) would take its values.
#[derive(Clone)]
struct ByHash {
    clusters: FxHashMap<u64, [u16; 3]>,
    /// Lower-cased word -> its casing bucket and the clusters of its usual
    /// written form, if that form has some.
    casing: FxHashMap<u64, (u8, Option<[u16; 3]>)>,
    /// The lengths of the tables it was built from: tables changed since
    /// (tests add words) are read directly.
    sizes: (usize, usize),
}

/// A Bloom filter over hash keys: 2 bits of 2^20 per key (128 KB, in L2
/// cache; few false positives for the shipped gazetteers). Most token
/// sequences [`Lexicon::mark_gazetteer`] tries (every token, then every
/// sequence of up to 8) are no name, and the filter says so without a
/// lookup in the gazetteer's hash table (up to 8 a token, a hot spot of
/// tagging without the filter).
#[derive(Clone)]
struct KeyFilter {
    bits: Vec<u64>,
    /// The gazetteer's length when the filter was built: a filter built
    /// before keys were added is not used.
    keys: usize,
}

impl KeyFilter {
    /// 16 bits a key, at least 2^20 and at most 2^24 (the probes take 24
    /// bits of the key each).
    fn of(keys: impl ExactSizeIterator<Item = u64>) -> KeyFilter {
        let n_bits = (keys.len() * 16)
            .next_power_of_two()
            .clamp(1 << 20, 1 << 24);
        let mut f = KeyFilter {
            bits: vec![0; n_bits >> 6],
            keys: keys.len(),
        };
        for key in keys {
            for bit in f.probes(key) {
                f.bits[bit >> 6] |= 1 << (bit & 63);
            }
        }
        f
    }

    /// Two bit positions from the key's high bits (keys are products of a
    /// multiplicative hash, whose high bits are the well-mixed ones).
    #[inline]
    fn probes(&self, key: u64) -> [usize; 2] {
        let mask = (self.bits.len() << 6) - 1;
        [(key >> 40) as usize & mask, (key >> 16) as usize & mask]
    }

    /// False: the key is surely not in the set.
    #[inline]
    fn may_contain(&self, key: u64) -> bool {
        self.probes(key)
            .iter()
            .all(|&bit| self.bits[bit >> 6] & (1 << (bit & 63)) != 0)
    }
}

/// Unknown cluster.
pub const NO_CLUSTER: u16 = u16::MAX;

/// Gazetteer classes a lexicon can hold: a bit each in the model file's
/// byte per name, four BILOU bits each in [`TokenInfo::gazetteer`].
pub const GAZETTEER_CLASSES: u8 = 8;

impl Lexicon {
    /// Cluster ids of a word, given as written with digits as 0 (`form`)
    /// and that lower-cased (`lower`), each with its [`hash_str`] (the
    /// tagger has them already): tried as written, then in its usual
    /// casing.
    pub fn clusters(&self, form: &str, form_hash: u64, lower: &str, lower_hash: u64) -> [u16; 3] {
        debug_assert_eq!((hash_str(form), hash_str(lower)), (form_hash, lower_hash));
        if self.clusters.is_empty() {
            return [NO_CLUSTER; 3];
        }
        if let Some(by_hash) = self.by_hash() {
            if let Some(c) = by_hash.clusters.get(&form_hash) {
                return *c;
            }
            // Headline capitals: the clusters of the word's usual casing.
            return by_hash
                .casing
                .get(&lower_hash)
                .and_then(|c| c.1)
                .unwrap_or([NO_CLUSTER; 3]);
        }
        if let Some(c) = self.clusters.get(form) {
            return *c;
        }
        // Headline capitals: try the usual casing of the word.
        if let Some((_, usual)) = self.casing.get(lower)
            && let Some(c) = self.clusters.get(usual)
        {
            return *c;
        }
        [NO_CLUSTER; 3]
    }

    /// Casing bucket of a lower-cased word (with its [`hash_str`]): 0
    /// unseen, 1 (always lower) ..= 5 (always capitalised).
    pub fn casing(&self, lower: &str, lower_hash: u64) -> u8 {
        debug_assert_eq!(hash_str(lower), lower_hash);
        if let Some(by_hash) = self.by_hash() {
            return by_hash.casing.get(&lower_hash).map_or(0, |c| c.0);
        }
        self.casing.get(lower).map_or(0, |c| c.0)
    }

    /// The hashed tables, if they are built and still match the string ones.
    fn by_hash(&self) -> Option<&ByHash> {
        let by_hash = self.by_hash.get_or_init(|| {
            let clusters: FxHashMap<u64, [u16; 3]> = self
                .clusters
                .iter()
                .map(|(w, c)| (hash_str(w), *c))
                .collect();
            let casing: FxHashMap<u64, (u8, Option<[u16; 3]>)> = self
                .casing
                .iter()
                .map(|(w, (bucket, form))| {
                    (hash_str(w), (*bucket, self.clusters.get(form).copied()))
                })
                .collect();
            (clusters.len() == self.clusters.len() && casing.len() == self.casing.len()).then_some(
                ByHash {
                    clusters,
                    casing,
                    sizes: (self.clusters.len(), self.casing.len()),
                },
            )
        });
        by_hash
            .as_ref()
            .filter(|b| b.sizes == (self.clusters.len(), self.casing.len()))
    }

    /// The usual written form of a word, if it was seen in news.
    pub fn usual_form(&self, lower: &str) -> Option<&str> {
        self.casing.get(lower).map(|c| c.1.as_str())
    }

    /// Adds a name to the gazetteer list of an entity type.
    pub fn add_name(&mut self, kind: EntityType, lowered_tokens: &[String]) {
        self.add_to_class(kind as u8, lowered_tokens);
    }

    /// Adds a name to gazetteer class `class` (below [`GAZETTEER_CLASSES`]).
    pub fn add_to_class(&mut self, class: u8, lowered_tokens: &[String]) {
        if lowered_tokens.is_empty() || lowered_tokens.len() > 8 || class >= GAZETTEER_CLASSES {
            return;
        }
        let key = seq_hash(lowered_tokens.iter().map(String::as_str));
        *self.gazetteer.entry(key).or_default() |= 1 << class;
        self.gazetteer_words
            .extend(lowered_tokens.iter().map(|t| hash_str(t)));
        self.gazetteer_max = self.gazetteer_max.max(lowered_tokens.len());
    }

    /// Marks gazetteer matches (type and BILOU position) on tokens, given
    /// the hash of each token's lower-cased form.
    pub fn mark_gazetteer(&self, hashes: &[u64], sentences: &[usize], infos: &mut [TokenInfo]) {
        if self.gazetteer.is_empty() {
            return;
        }
        let filter = self
            .gazetteer_filter
            .get_or_init(|| KeyFilter::of(self.gazetteer.keys().copied()));
        let filter = (filter.keys == self.gazetteer.len()).then_some(filter);
        for s in 0..sentences.len().saturating_sub(1) {
            let (a, b) = (sentences[s], sentences[s + 1]);
            for i in a..b {
                let mut h = SEQ_SEED;
                for j in i..b.min(i + self.gazetteer_max) {
                    // A word of no name begins none and continues none.
                    if !infos[j].named {
                        break;
                    }
                    h = seq_step_hashed(h, hashes[j]);
                    if filter.is_some_and(|f| !f.may_contain(h)) {
                        continue;
                    }
                    let Some(&types) = self.gazetteer.get(&h) else {
                        continue;
                    };
                    for t in 0..GAZETTEER_CLASSES as u32 {
                        if types & (1 << t) == 0 {
                            continue;
                        }
                        if j == i {
                            infos[i].gazetteer |= 1 << (4 * t + 3);
                        } else {
                            infos[i].gazetteer |= 1 << (4 * t);
                            for info in &mut infos[i + 1..j] {
                                info.gazetteer |= 1 << (4 * t + 1);
                            }
                            infos[j].gazetteer |= 1 << (4 * t + 2);
                        }
                    }
                }
            }
        }
    }
}

const SEQ_SEED: u64 = 0x1234_5678;

fn seq_step(h: u64, token: &str) -> u64 {
    seq_step_hashed(h, hash_str(token))
}

#[inline]
fn seq_step_hashed(h: u64, token_hash: u64) -> u64 {
    (h.rotate_left(17) ^ token_hash).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Hash of a sequence of lower-cased tokens.
pub fn seq_hash<'a>(tokens: impl Iterator<Item = &'a str>) -> u64 {
    tokens.fold(SEQ_SEED, seq_step)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::ner::Doc;

    #[test]
    fn hashed_lookups_answer_as_the_string_tables() {
        let model = crate::analyze::model::Model::embedded().unwrap();
        let lex = &model.lexicon;
        // A word's keys as the tagger gives them: digits as 0, lower-cased.
        let keys = |word: &str| {
            let form: String = word
                .chars()
                .map(|c| if c.is_ascii_digit() { '0' } else { c })
                .collect();
            let lower = form.to_lowercase();
            (form, lower)
        };
        // What the string tables say (the code before the hashed ones).
        let clusters = |form: &str| {
            lex.clusters
                .get(form)
                .or_else(|| {
                    let (_, usual) = lex.casing.get(&form.to_lowercase())?;
                    lex.clusters.get(usual)
                })
                .copied()
                .unwrap_or([NO_CLUSTER; 3])
        };
        let casing = |lower: &str| lex.casing.get(lower).map_or(0, |c| c.0);
        assert!(lex.by_hash().is_some());
        let mut words: Vec<String> = lex.clusters.keys().cloned().collect();
        words.extend(lex.casing.keys().cloned());
        words.extend(lex.casing.values().map(|(_, form)| form.clone()));
        let mut checked = 0;
        for w in &words {
            for v in [
                w.clone(),
                w.to_uppercase(),
                format!("{w}7"),
                format!("x{w}q"),
            ] {
                let (form, lower) = keys(&v);
                assert_eq!(
                    lex.clusters(&form, hash_str(&form), &lower, hash_str(&lower)),
                    clusters(&form),
                    "{v}"
                );
                assert_eq!(
                    lex.casing(&lower, hash_str(&lower)),
                    casing(&lower),
                    "{lower}"
                );
                checked += 1;
            }
        }
        assert!(checked > 200_000, "{checked}");
        // Tables changed after the first look-up are read directly.
        let mut lex = lex.clone();
        lex.clusters.insert("Zzyzx".into(), [7, 8, 9]);
        lex.casing.insert("zzyzx".into(), (5, "Zzyzx".into()));
        let h = hash_str;
        assert_eq!(
            lex.clusters("ZZYZX", h("ZZYZX"), "zzyzx", h("zzyzx")),
            [7, 8, 9]
        );
        assert_eq!(lex.casing("zzyzx", h("zzyzx")), 5);
    }

    #[test]
    fn gazetteer_marks_bilou_positions() {
        let mut lex = Lexicon::default();
        lex.add_name(
            EntityType::Location,
            &["new".into(), "york".into(), "city".into()],
        );
        lex.add_name(EntityType::Location, &["york".into()]);
        let words = vec!["in", "New", "York", "City", "today"];
        let n = words.len();
        let doc = Doc::new(words, (0..n).map(|i| i == 0));
        let infos = doc.infos(&lex);
        let loc = 4 * EntityType::Location as u32;
        assert_eq!(infos[0].gazetteer, 0);
        assert_eq!(infos[1].gazetteer, 1 << loc);
        assert_eq!(infos[2].gazetteer, (1 << (loc + 1)) | (1 << (loc + 3)));
        assert_eq!(infos[3].gazetteer, 1 << (loc + 2));
    }

    #[test]
    fn gazetteer_filter_misses_no_name_even_one_added_after_it_was_built() {
        let mut lex = Lexicon::default();
        // Letters only: the tagger reads digits as 0.
        let word = |mut i: usize| {
            let mut w = String::from("w");
            while i > 0 {
                w.push((b'a' + (i % 26) as u8) as char);
                i /= 26;
            }
            w
        };
        let names: Vec<Vec<String>> = (0..5000).map(|i| vec![word(i), word(i % 7)]).collect();
        for name in &names {
            lex.add_name(EntityType::Org, name);
        }
        let org_b = 1 << (4 * EntityType::Org as u32);
        let marked = |lex: &Lexicon, a: &str, b: &str| {
            let doc = Doc::new(vec![a, b], [true, false].into_iter());
            doc.infos(lex)[0].gazetteer & org_b != 0
        };
        for name in names.iter().step_by(97) {
            assert!(marked(&lex, &name[0], &name[1]), "{name:?}");
        }
        assert!(!marked(&lex, "wb", "wc"));
        // The filter is built now; a name added later is still found.
        lex.add_name(EntityType::Org, &["late".into(), "name".into()]);
        assert!(marked(&lex, "late", "name"));
    }

    /// Looking no further than a word outside every name gives the marks
    /// of trying every sequence (a lexicon read from a model file written
    /// before the names' words were kept).
    #[test]
    fn gazetteer_words_only_cut_short_what_cannot_match() {
        let mut lex = Lexicon::default();
        let names: [&[&str]; 6] = [
            &["new", "york"],
            &["new", "york", "city"],
            &["bank", "of", "england"],
            &["york"],
            &["of", "mice"],
            &["city", "of", "london", "corporation"],
        ];
        for (k, name) in names.iter().enumerate() {
            let toks: Vec<String> = name.iter().map(|t| t.to_string()).collect();
            lex.add_name(EntityType::ALL[k % 4], &toks);
        }
        let mut legacy = lex.clone();
        legacy.gazetteer_words.clear();
        let vocab = [
            "New",
            "York",
            "City",
            "of",
            "Bank",
            "England",
            "London",
            "said",
            "the",
            "mice",
            "Corporation",
            ".",
            "in",
        ];
        let mut seed = 7u64;
        let mut tried = 0;
        for _ in 0..3000 {
            let n = 1 + (seed >> 60) as usize;
            let words: Vec<&str> = (0..n)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    vocab[(seed >> 33) as usize % vocab.len()]
                })
                .collect();
            let doc = Doc::new(words.clone(), (0..n).map(|i| i == 0 || words[i - 1] == "."));
            let with: Vec<u32> = doc.infos(&lex).iter().map(|x| x.gazetteer).collect();
            let without: Vec<u32> = doc.infos(&legacy).iter().map(|x| x.gazetteer).collect();
            assert_eq!(with, without, "{words:?}");
            tried += with.iter().any(|&g| g != 0) as usize;
        }
        assert!(tried > 500, "too few sequences with a name: {tried}");
    }
}
