//! Titles, conjunctions and brackets end a name. The tagger sometimes runs
//! one mention over "Federal Reserve Board Chairman Paul Volcker and U.S.
//! Treasury Secretary James Baker"; such a span is cut here into the names
//! it holds: "Federal Reserve Board" (organisation), "Paul Volcker"
//! (person), "U.S. Treasury", "James Baker". The rules:
//!
//! - a bracket or quote inside a person's span ends a name ("(Yasuhiro)
//!   Nakasone"; an organisation's name may hold them), and so does a
//!   semicolon in any span;
//! - a coordinating "and"/"or" ends a name in a person's span, and in any
//!   span with a role title on either side ("Trinidad and Tobago" and
//!   "Procter and Gamble" stay whole);
//! - a role title ("Chairman", "Minister", "Secretary of State") followed
//!   by what looks like a person's name ends the name before it, and the
//!   name after it is a person; portfolio words before a title are not
//!   part of a name ("Saudi Arabian Oil Minister" gives "Saudi Arabian");
//! - "Co Inc" alone after "Merck and" is the end of that company's name.

use super::EntityType;
use super::lexicon::{Lexicon, seq_hash};
use super::ner::Span;
use super::tokenize::LowerSet;

/// Role titles that stand before a person's name.
const ROLES: &[&str] = &[
    "chairman",
    "chairwoman",
    "chief",
    "secretary",
    "minister",
    "president",
    "vice-president",
    "governor",
    "spokesman",
    "spokeswoman",
    "director",
    "ambassador",
    "commissioner",
    "chancellor",
    "premier",
    "senator",
    "sen.",
    "treasurer",
    "mayor",
    "envoy",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "judge",
    "leader",
    "economist",
    "analyst",
];

/// Words that finish a title ("Chief of Staff", "Chancellor of the
/// Exchequer") and, like a title, end the name before them when a person's
/// name follows.
const TITLE_ENDS: &[&str] = &["staff", "exchequer"];

/// Words that may stand between a title and the name after it ("Secretary
/// of State James Baker") without ending a name themselves ("Farmers State
/// Bank").
const TITLE_MIDDLES: &[&str] = &["of", "the", "state", "defence", "defense"];

/// Words of a portfolio or rank before a title, not part of the name before
/// it ("Oil Minister", "Deputy Prime Minister", "Finance Minister").
const PORTFOLIOS: &[&str] = &[
    "oil",
    "finance",
    "trade",
    "foreign",
    "energy",
    "economy",
    "economic",
    "economics",
    "interior",
    "agriculture",
    "defence",
    "defense",
    "industry",
    "commerce",
    "labour",
    "labor",
    "health",
    "justice",
    "transport",
    "petroleum",
    "prime",
    "deputy",
    "vice",
    "acting",
    "former",
    "executive",
    "chief",
    "general",
];

static ROLE_SET: std::sync::LazyLock<LowerSet> = std::sync::LazyLock::new(|| LowerSet::of(ROLES));
static END_SET: std::sync::LazyLock<LowerSet> =
    std::sync::LazyLock::new(|| LowerSet::of(TITLE_ENDS));
static MIDDLE_SET: std::sync::LazyLock<LowerSet> =
    std::sync::LazyLock::new(|| LowerSet::of(TITLE_MIDDLES));
static PORTFOLIO_SET: std::sync::LazyLock<LowerSet> =
    std::sync::LazyLock::new(|| LowerSet::of(PORTFOLIOS));

fn is_bracket(w: &str) -> bool {
    matches!(
        w,
        "(" | ")" | "[" | "]" | "{" | "}" | "<" | ">" | "\"" | "“" | "”" | "«" | "»"
    )
}

/// Punctuation no name of any type holds.
fn is_separator(w: &str) -> bool {
    matches!(w, ";" | "|")
}

fn is_conjunction(w: &str) -> bool {
    matches!(w, "and" | "or")
}

fn capitalised(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

/// The names in each span, cut at brackets, conjunctions and titles as the
/// module says; spans without any of them come back as they were.
pub fn split_spans(words: &[&str], spans: Vec<Span>, lex: &Lexicon) -> Vec<Span> {
    let mut out = Vec::with_capacity(spans.len());
    for s in spans {
        // An organisation or place may hold brackets ("Industrial Equity
        // (Pacific) Ltd"): they are dropped from its name, not cut at.
        let parts = if s.kind == EntityType::Person {
            split_at(s, |i| is_bracket(words[i]) || is_separator(words[i]))
        } else {
            split_at(s, |i| is_separator(words[i]))
        };
        for p in parts {
            let has_role = |a: usize, b: usize| (a..b).any(|i| ROLE_SET.contains(words[i]));
            // "Merrill Lynch and Co Inc" is one company.
            let company = |i: usize| {
                words.get(i + 1).is_some_and(|w| {
                    super::canon::is_designator(w)
                        || super::tokenize::lowercase_is_one_of(w, &["company", "sons", "partners"])
                })
            };
            let cut_and = |i: usize| {
                is_conjunction(words[i])
                    && !company(i)
                    && (p.kind == EntityType::Person
                        || has_role(p.start, i)
                        || has_role(i + 1, p.end))
            };
            for q in split_at(p, cut_and) {
                at_titles(words, q, lex, &mut out);
            }
        }
    }
    join_designators(words, out)
}

/// A span of designators alone after "X and" joins the span before it:
/// "Merck" "and" "Co Inc" is one company, "Merck and Co Inc".
fn join_designators(words: &[&str], spans: Vec<Span>) -> Vec<Span> {
    let designators = |s: &Span| (s.start..s.end).all(|i| super::canon::is_designator(words[i]));
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        if let Some(prev) = out.last_mut()
            && designators(&s)
            && s.start == prev.end + 1
            && matches!(words[prev.end], "and" | "&")
        {
            *prev = Span {
                start: prev.start,
                end: s.end,
                kind: EntityType::Org,
            };
            continue;
        }
        out.push(s);
    }
    out
}

/// `s` cut at the tokens `cut` says end a name (the tokens dropped).
fn split_at(s: Span, cut: impl Fn(usize) -> bool) -> Vec<Span> {
    let mut parts = Vec::new();
    let mut a = s.start;
    for i in s.start..s.end {
        if cut(i) {
            if a < i {
                parts.push(Span {
                    start: a,
                    end: i,
                    kind: s.kind,
                });
            }
            a = i + 1;
        }
    }
    if a < s.end {
        parts.push(Span {
            start: a,
            end: s.end,
            kind: s.kind,
        });
    }
    parts
}

/// Cuts `s` at the last role title (or title end) that a person's name
/// follows to the span's end, or at a role title that ends the span:
/// pushes the name before it (without portfolio words) and the person.
fn at_titles(words: &[&str], s: Span, lex: &Lexicon, out: &mut Vec<Span>) {
    let title = (s.start..s.end).rev().find(|&t| {
        let role = ROLE_SET.contains(words[t]);
        let end = END_SET.contains(words[t]);
        (role || end) && capitalised(words[t]) && {
            let name = person_after(words, t + 1, s.end, lex);
            name.is_some() || (role && t + 1 == s.end && t > s.start)
        }
    });
    let Some(t) = title else {
        out.push(s);
        return;
    };
    // The title's own start: "Chief of Staff", "Chancellor of the Exchequer".
    let mut title_start = t;
    if END_SET.contains(words[t]) {
        while title_start > s.start && !ROLE_SET.contains(words[title_start]) {
            title_start -= 1;
        }
        if !ROLE_SET.contains(words[title_start]) {
            title_start = t;
        }
    }
    let mut before_end = title_start;
    while before_end > s.start && PORTFOLIO_SET.contains(words[before_end - 1]) {
        before_end -= 1;
    }
    if before_end > s.start && (s.start..before_end).any(|i| capitalised(words[i])) {
        let words_before: Vec<String> = words[s.start..before_end]
            .iter()
            .map(|w| w.to_lowercase())
            .collect();
        let demonym = lex
            .gazetteer
            .get(&seq_hash(words_before.iter().map(String::as_str)))
            .is_some_and(|c| c & (1 << EntityType::Misc as u8) != 0);
        let kind = match s.kind {
            _ if demonym => EntityType::Misc,
            EntityType::Person => EntityType::Org,
            k => k,
        };
        out.push(Span {
            start: s.start,
            end: before_end,
            kind,
        });
    }
    if let Some(start) = person_after(words, t + 1, s.end, lex) {
        out.push(Span {
            start,
            end: s.end,
            kind: EntityType::Person,
        });
    }
}

/// Where a person's name begins if tokens `a..b` end in one: one to three
/// capitalised words ending at `b`, each between a title and the name being
/// a title's word ("of State"); the name words news mostly writes
/// capitalised (not "Hotel Group", "Bank"), and one of them known as a
/// person's in the gazetteer, or two of them at least.
fn person_after(words: &[&str], a: usize, b: usize, lex: &Lexicon) -> Option<usize> {
    if a >= b {
        return None;
    }
    let person_word = |w: &str| {
        lex.gazetteer
            .get(&seq_hash(std::iter::once(w.to_lowercase().as_str())))
            .is_some_and(|c| c & (1 << EntityType::Person as u8) != 0)
    };
    let name_word = |w: &str| capitalised(w) && !ROLE_SET.contains(w) && !END_SET.contains(w);
    // The longest run of name words at the end, at most three.
    let mut start = b;
    while start > a && b - start < 3 && name_word(words[start - 1]) {
        start -= 1;
    }
    // Title words left between the title and the name: "of Staff".
    // Trim leading words of a three-word run that are not known as a
    // person's while two are left ("of Trading James Melton").
    while b - start > 2 && !person_word(words[start]) {
        start += 1;
    }
    // Title words between the title and the name ("of State"), or the
    // capitalised words of what follows an "of" ("Director of Trading").
    let after_of = |i: usize| (a..i).any(|k| words[k] == "of") && capitalised(words[i]);
    let between_ok = (a..start).all(|i| {
        MIDDLE_SET.contains(words[i])
            || END_SET.contains(words[i])
            || ROLE_SET.contains(words[i])
            || after_of(i)
    });
    if start == b || !between_ok {
        return None;
    }
    let known = (start..b).any(|i| person_word(words[i]));
    let proper = |w: &str| {
        let lower = w.to_lowercase();
        let bucket = lex.casing(&lower, super::ner::hash_str(&lower));
        bucket == 0 || bucket >= 4
    };
    ((known || b - start >= 2) && (start..b).all(|i| proper(words[i]))).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        let mut lex = Lexicon::default();
        for name in ["paul", "james", "baker", "howard", "charles"] {
            lex.add_name(EntityType::Person, &[name.to_string()]);
        }
        lex.add_name(EntityType::Person, &["bank".to_string()]);
        for w in ["hotel", "group", "bank"] {
            lex.casing.insert(w.to_string(), (2, w.to_string()));
        }
        for d in [&["japanese"][..], &["saudi", "arabian"]] {
            let toks: Vec<String> = d.iter().map(|w| w.to_string()).collect();
            lex.add_name(EntityType::Misc, &toks);
        }
        lex
    }

    /// The names `split_spans` finds in `text` tagged whole as `kind`.
    fn names(text: &str, kind: EntityType) -> Vec<(String, EntityType)> {
        let words: Vec<&str> = text.split(' ').collect();
        let span = Span {
            start: 0,
            end: words.len(),
            kind,
        };
        split_spans(&words, vec![span], &lexicon())
            .into_iter()
            .map(|s| (words[s.start..s.end].join(" "), s.kind))
            .collect()
    }

    use EntityType::*;

    #[test]
    fn titles_and_and_end_names() {
        assert_eq!(
            names(
                "Central Bank Governor Paul Smithers and Treasury Secretary James Whitby",
                Org
            ),
            [
                ("Central Bank".into(), Org),
                ("Paul Smithers".into(), Person),
                ("Treasury".into(), Org),
                ("James Whitby".into(), Person)
            ]
        );
        assert_eq!(
            names("Ruritanian Trade Minister Anton Kovacs", Location),
            [
                ("Ruritanian".into(), Location),
                ("Anton Kovacs".into(), Person)
            ]
        );
        assert_eq!(
            names("Saudi Arabian Oil Minister Ali Haddad", Location),
            [
                ("Saudi Arabian".into(), Misc),
                ("Ali Haddad".into(), Person)
            ]
        );
        assert_eq!(
            names("Japanese Finance Minister", Org),
            [("Japanese".into(), Misc)]
        );
        assert_eq!(
            names("City Hall Chief of Staff Howard Greene", Misc),
            [("City Hall".into(), Misc), ("Howard Greene".into(), Person)]
        );
        assert_eq!(
            names("Jefferies and Co Director of Trading James Melton", Org),
            [
                ("Jefferies and Co".into(), Org),
                ("James Melton".into(), Person)
            ]
        );
        assert_eq!(
            names("Exchequer Nigel Fawley", Org),
            [("Nigel Fawley".into(), Person)]
        );
    }

    #[test]
    fn names_with_and_or_titles_inside_stay_whole() {
        for (text, kind) in [
            ("Trinidad and Tobago", Location),
            ("Procter and Gamble", Org),
            ("Merrill Lynch and Co Inc", Org),
            ("General Motors", Org),
            ("Bank of England", Org),
            ("Minister of Finance", Org),
            ("Joint Chiefs of Staff", Org),
            ("President Hotel Group", Org),
            ("Farmers State Bank", Org),
            ("Secretary of State", Org),
        ] {
            assert_eq!(names(text, kind), [(text.to_string(), kind)], "{text}");
        }
    }

    #[test]
    fn designators_after_and_join_the_company() {
        let words: Vec<&str> = "by Merck and Co Inc , and Lilly".split(' ').collect();
        let span = |start, end, kind| Span { start, end, kind };
        let spans = vec![span(1, 2, Person), span(3, 5, Org), span(7, 8, Org)];
        assert_eq!(
            split_spans(&words, spans, &lexicon()),
            [span(1, 5, Org), span(7, 8, Org)]
        );
    }

    #[test]
    fn brackets_and_and_end_person_names() {
        assert_eq!(
            names("( Taro ) Nakamura", Person),
            [("Taro".into(), Person), ("Nakamura".into(), Person)]
        );
        assert_eq!(
            names("Charles and Diana", Person),
            [("Charles".into(), Person), ("Diana".into(), Person)]
        );
        let org = "Industrial Equity ( Pacific ) Ltd";
        assert_eq!(names(org, Org), [(org.to_string(), Org)]);
    }
}
