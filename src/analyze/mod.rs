//! Analysis, the second pipeline stage: an article's title and body in,
//! entity mentions with canonical names out ([`EntityTagger::analyze`]).
//! Search tokenisation (stemming, folding) is declared in the schema and
//! built there ([`crate::schema`]); this module holds the entity side: news tokeniser ([`tokenize`]), tagger ([`ner`],
//! [`model`], [`lexicon`]) and canonical names ([`canon`]). Training is
//! offline, in [`crate::train`].

pub mod canon;
pub mod given_names;
pub mod layout;
pub mod lexicon;
pub mod model;
pub mod ner;
pub mod roles;
pub mod tokenize;

use std::sync::Arc;

use serde::Serialize;

use canon::{Aliases, Pending};
use model::Model;
use ner::Doc;

/// The four CoNLL entity types.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum EntityType {
    Person = 0,
    Org = 1,
    Location = 2,
    Misc = 3,
}

impl EntityType {
    /// All types, in label order.
    pub const ALL: [EntityType; 4] = [
        EntityType::Person,
        EntityType::Org,
        EntityType::Location,
        EntityType::Misc,
    ];

    /// Facet and field name: person, org, location, misc.
    pub fn name(self) -> &'static str {
        match self {
            EntityType::Person => "person",
            EntityType::Org => "org",
            EntityType::Location => "location",
            EntityType::Misc => "misc",
        }
    }

    /// CoNLL name: PER, ORG, LOC, MISC.
    pub fn conll(self) -> &'static str {
        match self {
            EntityType::Person => "PER",
            EntityType::Org => "ORG",
            EntityType::Location => "LOC",
            EntityType::Misc => "MISC",
        }
    }

    /// From a CoNLL type name.
    pub fn from_conll(s: &str) -> Option<EntityType> {
        EntityType::ALL.into_iter().find(|t| t.conll() == s)
    }

    /// From a facet name (person, org, location, misc).
    pub fn from_name(s: &str) -> Option<EntityType> {
        EntityType::ALL.into_iter().find(|t| t.name() == s)
    }
}

/// Where in the article a mention is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Title,
    Body,
}

/// One entity mention in an article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mention {
    #[serde(rename = "type")]
    pub kind: EntityType,
    /// The text as written.
    pub text: String,
    /// The name it is grouped under.
    pub canonical: String,
    #[serde(skip)]
    pub part: Part,
    /// Character (Unicode scalar) offsets into the title or body.
    pub start: usize,
    pub end: usize,
}

/// One canonical entity of an article, with its surface forms.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct EntitySummary {
    #[serde(rename = "t")]
    pub kind: String,
    #[serde(rename = "n")]
    pub canonical: String,
    /// Distinct surface forms, in order of first appearance.
    #[serde(rename = "s")]
    pub surfaces: Vec<String>,
    /// Number of mentions.
    #[serde(rename = "c")]
    pub count: u32,
}

/// `summaries` as the JSON array serde_json writes of them (the `mentions`
/// field of the index), written directly: serde's serializer showed in
/// profiles of indexing.
pub fn summaries_json(summaries: &[EntitySummary]) -> String {
    fn string(out: &mut Vec<u8>, s: &str) {
        // A str never fails to serialize.
        let _ = serde_json::to_writer(&mut *out, s);
    }
    let mut out: Vec<u8> = Vec::with_capacity(64 * summaries.len() + 2);
    out.push(b'[');
    for (i, e) in summaries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"t\":");
        string(&mut out, &e.kind);
        out.extend_from_slice(b",\"n\":");
        string(&mut out, &e.canonical);
        out.extend_from_slice(b",\"s\":[");
        for (k, surface) in e.surfaces.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            string(&mut out, surface);
        }
        out.extend_from_slice(b"],\"c\":");
        out.extend_from_slice(e.count.to_string().as_bytes());
        out.push(b'}');
    }
    out.push(b']');
    // Only whole UTF-8 strings and ASCII went in.
    String::from_utf8(out).unwrap_or_default()
}

/// Groups mentions by (type, canonical name), in order of first mention.
pub fn summarise(mentions: &[Mention]) -> Vec<EntitySummary> {
    let mut out: Vec<EntitySummary> = Vec::new();
    let mut index: rustc_hash::FxHashMap<(EntityType, &str), usize> = Default::default();
    for m in mentions {
        let i = *index
            .entry((m.kind, m.canonical.as_str()))
            .or_insert_with(|| {
                out.push(EntitySummary {
                    kind: m.kind.name().to_string(),
                    canonical: m.canonical.clone(),
                    surfaces: Vec::new(),
                    count: 0,
                });
                out.len() - 1
            });
        let e = &mut out[i];
        e.count += 1;
        if !e.surfaces.contains(&m.text) {
            e.surfaces.push(m.text.clone());
        }
    }
    out
}

/// The entity tagger with its alias table: what indexing and `ner tag` use.
#[derive(Clone)]
pub struct EntityTagger {
    pub model: Arc<Model>,
    pub aliases: Aliases,
}

impl EntityTagger {
    /// Tags an article and resolves canonical names.
    pub fn analyze(&self, title: &str, body: &str) -> Vec<Mention> {
        let title_toks = tokenize::tokenize(title);
        let mut body_toks = tokenize::tokenize(body);
        body_toks.truncate(layout::without_sign_off(body, &body_toks));
        let mut words: Vec<&str> = Vec::with_capacity(title_toks.len() + body_toks.len());
        let mut starts: Vec<bool> = Vec::with_capacity(words.capacity());
        for (i, t) in title_toks.iter().enumerate() {
            words.push(&title[t.start..t.end]);
            starts.push(i == 0 || t.sent_start);
        }
        for (i, t) in body_toks.iter().enumerate() {
            words.push(&body[t.start..t.end]);
            starts.push(i == 0 || t.sent_start);
        }
        let doc = Doc::new(words, starts.into_iter());
        let (labels, infos) = self.model.tag_with_infos(&doc);
        let spans = ner::sentence_spans(&labels, &doc.sentences);
        let mut spans = roles::split_spans(&doc.words, spans, &self.model.lexicon);
        let line_start: Vec<bool> = layout::line_starts(title, &title_toks)
            .chain(layout::line_starts(body, &body_toks))
            .collect();
        layout::drop_row_labels(&doc.words, &line_start, &mut spans);
        layout::drop_inner_sign_offs(&doc.words, &line_start, &mut spans);
        let mut ticker = layout::tickers(title, &title_toks);
        ticker.extend(layout::tickers(body, &body_toks));
        layout::drop_tickers(&ticker, &mut spans);
        layout::ticker_companies(&doc.words, &ticker, &line_start, &mut spans);
        known_as_types(&doc.words, &mut spans);

        // Mixed-case forms of words in this article, for recasing capitals.
        let doc_forms = canon::Forms::with_infos(&doc.words, &infos);
        let nt = title_toks.len();
        let mut raw: Vec<(EntityType, Part, usize, usize)> = Vec::with_capacity(spans.len());
        let mut pending: Vec<Pending> = Vec::with_capacity(spans.len());
        for s in spans {
            // A span never crosses from title into body: they are separate
            // sentences.
            let (part, text, toks, a, b) = if s.start < nt {
                (Part::Title, title, &title_toks, s.start, s.end.min(nt))
            } else {
                (Part::Body, body, &body_toks, s.start - nt, s.end - nt)
            };
            let Some((start, end)) = trim_span(text, toks, a, b) else {
                continue;
            };
            let kind = canon::plausible_type(s.kind, &text[start..end]);
            let mut tokens = canon::clean_tokens(&text[start..end], kind);
            canon::recase(&mut tokens, &doc_forms, &self.model.lexicon);
            if tokens.is_empty()
                || !tokens.iter().any(|t| t.chars().any(char::is_alphanumeric))
                || canon::is_generic(&tokens)
                || canon::is_lower_case_only(&tokens)
            {
                continue;
            }
            raw.push((kind, part, start, end));
            let sex = given_names::of_honorific(&text[start..end]);
            pending.push(Pending { kind, tokens, sex });
        }
        drop(doc_forms);
        self.model.recycle(infos);
        let resolved = canon::resolve(&pending, &self.aliases);
        located(raw, resolved, title, body)
    }
}

/// Tokens `a..b` of `text` without the quotes and brackets at their edges,
/// which are not part of a name, as byte offsets; None if nothing is left.
fn trim_span(text: &str, toks: &[tokenize::Tok], a: usize, b: usize) -> Option<(usize, usize)> {
    let word = |k: usize| {
        text[toks[k].start..toks[k].end]
            .chars()
            .any(char::is_alphanumeric)
    };
    let (mut a, mut b) = (a, b);
    while a < b && !word(a) {
        a += 1;
    }
    while b > a && !word(b - 1) {
        b -= 1;
    }
    (a < b).then(|| (toks[a].start, toks[b - 1].end))
}

/// The mentions at byte offsets `raw` with their resolved types and
/// canonical names: surface forms with white space runs as one space,
/// offsets in characters.
fn located(
    raw: Vec<(EntityType, Part, usize, usize)>,
    resolved: Vec<(EntityType, String)>,
    title: &str,
    body: &str,
) -> Vec<Mention> {
    let mut title_chars = CharCounter::new(title);
    let mut body_chars = CharCounter::new(body);
    raw.into_iter()
        .zip(resolved)
        .map(|((_, part, start, end), (kind, canonical))| {
            let (text, counter) = match part {
                Part::Title => (title, &mut title_chars),
                Part::Body => (body, &mut body_chars),
            };
            let mut surface = String::with_capacity(end - start);
            for w in text[start..end].split_whitespace() {
                if !surface.is_empty() {
                    surface.push(' ');
                }
                surface.push_str(w);
            }
            Mention {
                kind,
                text: surface,
                canonical,
                part,
                start: counter.chars_at(start),
                end: counter.chars_at(end),
            }
        })
        .collect()
}

/// "X (formerly known as Y)", "X, also known as Y", "X a.k.a. Y": Y names
/// the same thing as X, so it gets X's type.
fn known_as_types(words: &[&str], spans: &mut [ner::Span]) {
    for j in 1..spans.len() {
        let y = spans[j];
        let before = &words[y.start.saturating_sub(2)..y.start];
        let is = |w: &str, cues: &[&str]| tokenize::lowercase_is_one_of(w, cues);
        let known_as = matches!(before, [.., k, a] if is(k, &["known"]) && is(a, &["as"]));
        let cue = known_as || before.last().is_some_and(|w| is(w, &["a.k.a.", "aka"]));
        if !cue {
            continue;
        }
        let x = spans[j - 1];
        // X ends shortly before the cue ("X terrorist organisation (formerly").
        let cue_start = y.start - if known_as { 2 } else { 1 };
        if cue_start >= x.end && cue_start - x.end <= 5 {
            spans[j].kind = x.kind;
        }
    }
}

/// Converts increasing byte offsets to character offsets in one pass.
struct CharCounter<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharCounter<'a> {
    fn new(text: &'a str) -> Self {
        CharCounter {
            text,
            byte: 0,
            chars: 0,
        }
    }

    fn chars_at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        self.chars += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_json_is_what_serde_json_writes() {
        let mut rng = crate::testutil::Rng::new(3);
        let pool = [
            "Putin",
            "Vladimir \"Vova\" Putin",
            "a\\b",
            "Zürich",
            "tab\there",
            "nl\n",
            "\u{1}",
            "\u{7f}",
            "Ünal",
            "",
            "/",
            "\u{2028}",
            "日本",
        ];
        for _ in 0..500 {
            let summaries: Vec<EntitySummary> = (0..rng.below(5))
                .map(|_| EntitySummary {
                    kind: pool[rng.below(pool.len())].to_string(),
                    canonical: pool[rng.below(pool.len())].to_string(),
                    surfaces: (0..rng.below(4))
                        .map(|_| pool[rng.below(pool.len())].to_string())
                        .collect(),
                    count: rng.below(100_000) as u32,
                })
                .collect();
            assert_eq!(
                summaries_json(&summaries),
                serde_json::to_string(&summaries).unwrap()
            );
        }
    }

    #[test]
    fn summaries_group_by_canonical_name() {
        let m = |kind, text: &str, canonical: &str| Mention {
            kind,
            text: text.into(),
            canonical: canonical.into(),
            part: Part::Body,
            start: 0,
            end: 0,
        };
        let s = summarise(&[
            m(EntityType::Person, "Putin", "Vladimir Putin"),
            m(EntityType::Person, "Vladimir Putin", "Vladimir Putin"),
            m(EntityType::Person, "Putin", "Vladimir Putin"),
            m(EntityType::Location, "Syria", "Syria"),
        ]);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].count, 3);
        assert_eq!(s[0].surfaces, ["Putin", "Vladimir Putin"]);
    }

    #[test]
    fn known_as_gives_the_same_type() {
        let words = [
            "HTS", "group", "(", "formerly", "known", "as", "Jabhat", "al-Nusra", ")",
        ];
        let mut spans = vec![
            ner::Span {
                start: 0,
                end: 1,
                kind: EntityType::Org,
            },
            ner::Span {
                start: 6,
                end: 8,
                kind: EntityType::Person,
            },
        ];
        known_as_types(&words, &mut spans);
        assert_eq!(spans[1].kind, EntityType::Org);
        let far = [
            "HTS", "said", "on", "Monday", "that", "a", "man", "known", "as", "Abu", "Omar",
        ];
        let mut spans = vec![
            ner::Span {
                start: 0,
                end: 1,
                kind: EntityType::Org,
            },
            ner::Span {
                start: 9,
                end: 11,
                kind: EntityType::Person,
            },
        ];
        known_as_types(&far, &mut spans);
        assert_eq!(spans[1].kind, EntityType::Person);
    }

    #[test]
    fn char_offsets_from_byte_offsets() {
        let text = "Ердоган и Putin";
        let mut c = CharCounter::new(text);
        assert_eq!(c.chars_at(0), 0);
        assert_eq!(c.chars_at(text.find("Putin").unwrap()), 10);
    }

    #[test]
    fn tagging_random_text_never_panics_and_offsets_hold() {
        let tagger = EntityTagger {
            model: Model::embedded().unwrap(),
            aliases: Aliases::default(),
        };
        let pieces = [
            "Vladimir Putin",
            "PUTIN",
            "Mr.",
            "U.S.",
            "'s",
            "\"",
            "(",
            ")",
            " ",
            ". ",
            "\n\n",
            "Erdoğan",
            "al-Sham",
            "HTS",
            "Sukhoi Su-35S",
            "known as",
            "the",
            "1,000",
            "Москва",
            "日本",
            "🙂",
            "President",
            "-",
            "Bank of England",
            "é",
        ];
        let mut rng = crate::testutil::Rng::new(5u64);
        let mut next = |n: usize| rng.below(n);
        for _ in 0..3000 {
            let mut body = String::new();
            for _ in 0..next(25) {
                body.push_str(pieces[next(pieces.len())]);
                body.push(' ');
            }
            let chars: Vec<char> = body.chars().collect();
            for m in tagger.analyze("", &body) {
                assert!(m.start < m.end && m.end <= chars.len(), "{body:?}: {m:?}");
                let text: String = chars[m.start..m.end].iter().collect();
                assert_eq!(
                    text.split_whitespace().collect::<Vec<_>>().join(" "),
                    m.text
                );
                assert!(!m.canonical.is_empty());
            }
        }
    }
}
