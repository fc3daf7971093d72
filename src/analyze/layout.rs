//! Parts of a wire article's layout that hold no names, found before and
//! after tagging: the sign-off line ("REUTER" alone on the last line),
//! ticker symbols ("<BHAM.L>"), and the row labels of figure lines ("Oper
//! shr loss two cts vs profit seven cts", "Revs 291.8 mln vs 151.1 mln"),
//! which the tagger reads as names at a sentence start.

use super::EntityType;
use super::ner::Span;
use super::tokenize::Tok;

/// How many of the body's tokens to tag: all but a sign-off: "REUTER" or
/// "Reuter" as the last word (or before a stray letter, "REUTER E"), or a
/// last line holding one word in capitals ("AFP") or "Reuters";
/// punctuation after it ("REUTER...") goes with it.
pub fn without_sign_off(body: &str, toks: &[Tok]) -> usize {
    let n = toks.len();
    // Where the text ends, without carriage returns written out as "^M".
    let mut end = body.trim_end();
    while let Some(e) = end.strip_suffix("^M") {
        end = e.trim_end();
    }
    let text = |t: &Tok| body[t.start..t.end].trim_end_matches('.');
    let is_word = |t: &Tok| t.end <= end.len() && text(t).chars().any(char::is_alphanumeric);
    // The last word, with only punctuation after it.
    let Some(mut k) = toks.iter().rposition(is_word) else {
        return n;
    };
    let reuter = |k: usize| matches!(text(&toks[k]), "REUTER" | "Reuter");
    if k > 0 && text(&toks[k]).chars().count() == 1 && reuter(k - 1) {
        k -= 1;
    }
    if k > 0 && reuter(k) {
        return k;
    }
    let word = text(&toks[k]);
    let before = &body[if k == 0 { 0 } else { toks[k - 1].end }..toks[k].start];
    // Alone on its line, or set apart by a run of spaces after a table.
    let own_line = k > 0 && (before.contains('\n') || before.contains("   "));
    let letters = word.chars().count() >= 2 && word.chars().all(char::is_alphabetic);
    let caps = !word.chars().any(char::is_lowercase);
    if own_line && letters && (caps || word == "Reuters") {
        k
    } else {
        n
    }
}

/// Drops the sign-off of a story that another follows inside the body
/// (digests, joined files), which [`without_sign_off`] does not see as the
/// last word: "REUTER" alone as a mention, or "Reuter" ending its line.
/// "Reuters", the agency named in a sentence, is kept, and so is "Reuter"
/// mid-sentence (a person may bear the name).
pub fn drop_inner_sign_offs(words: &[&str], line_start: &[bool], spans: &mut Vec<Span>) {
    let ends_line = |i: usize| line_start.get(i + 1).is_none_or(|&s| s);
    spans.retain(|s| {
        let w = words[s.start];
        !(s.end == s.start + 1 && (w == "REUTER" || (w == "Reuter" && ends_line(s.start))))
    });
}

/// For each token, whether it begins a line of `text` (the first token
/// does).
pub fn line_starts<'a>(text: &'a str, toks: &'a [Tok]) -> impl Iterator<Item = bool> + 'a {
    toks.iter()
        .enumerate()
        .map(|(i, t)| i == 0 || text[toks[i - 1].end..t.start].contains('\n'))
}

/// Drops spans of one or two words that begin a figure line (a line with
/// "vs" or a dotted leader, and a figure), whose first words label the row
/// ("Oper shr", "Year Oper shr" after a "Year" line).
pub fn drop_row_labels(words: &[&str], line_start: &[bool], spans: &mut Vec<Span>) {
    let figure_line = |a: usize, b: usize| {
        let line = &words[a..b];
        let versus =
            |w: &&str| matches!(*w, "vs" | "vs.") || (w.len() >= 3 && w.bytes().all(|c| c == b'.'));
        line.iter().any(versus) && line.iter().any(|w| w.bytes().any(|c| c.is_ascii_digit()))
    };
    let mut starts: Vec<usize> = Vec::new();
    // Each line's first token, and the end.
    let ends = (1..words.len())
        .filter(|&i| line_start[i])
        .chain(std::iter::once(words.len()));
    let mut a = 0;
    for i in ends {
        if figure_line(a, i) {
            starts.push(a);
        }
        a = i;
    }
    if starts.is_empty() {
        return;
    }
    let labels = |s: &Span| (s.start..s.end).any(|i| starts.binary_search(&i).is_ok());
    spans.retain(|s| !(s.end <= s.start + 2 && labels(s)));
}

/// For each token, whether it is part of a ticker symbol, brackets
/// included: angle brackets around one word with no space inside
/// ("<BHAM.L>", "<TCB>"; Reuters also puts company names in brackets,
/// "<Goldome FSB>", and those are kept).
pub fn tickers(text: &str, toks: &[Tok]) -> Vec<bool> {
    let mut out = vec![false; toks.len()];
    let word = |k: usize| &text[toks[k].start..toks[k].end];
    for (i, t) in toks.iter().enumerate() {
        if word(i) != "<" {
            continue;
        }
        let mut j = i + 1;
        while j < toks.len() && j <= i + 4 && word(j) != ">" && toks[j].start == toks[j - 1].end {
            j += 1;
        }
        let closed = j < toks.len() && word(j) == ">" && toks[j].start == toks[j - 1].end;
        if closed && j > i + 1 && toks[i + 1].start == t.end {
            out[i..=j].iter_mut().for_each(|x| *x = true);
        }
    }
    out
}

/// Drops spans made only of ticker tokens ([`tickers`]).
pub fn drop_tickers(ticker: &[bool], spans: &mut Vec<Span>) {
    spans.retain(|s| !ticker[s.start..s.end].iter().all(|&t| t));
}

/// Words that end a company name read backwards from its ticker: in a
/// capitals headline ("WINGS WEST AIRLINES <WING> 3RD QTR NET", "ACME TO
/// BUY WIDGET CORP <WDG>") the verbs and function words around names.
const NOT_IN_COMPANY: &[&str] = &[
    "a",
    "about",
    "acquire",
    "acquires",
    "after",
    "against",
    "agree",
    "agrees",
    "an",
    "as",
    "at",
    "be",
    "bid",
    "buy",
    "buys",
    "by",
    "completes",
    "cuts",
    "ends",
    "expects",
    "extends",
    "files",
    "for",
    "from",
    "gets",
    "has",
    "have",
    "holds",
    "in",
    "into",
    "is",
    "it",
    "its",
    "lifts",
    "makes",
    "may",
    "merge",
    "merger",
    "names",
    "not",
    "offer",
    "on",
    "over",
    "plans",
    "posts",
    "raises",
    "rejects",
    "reports",
    "said",
    "says",
    "seeks",
    "sees",
    "sell",
    "sells",
    "sets",
    "stake",
    "takes",
    "than",
    "the",
    "to",
    "unit",
    "will",
    "wins",
    "with",
];

/// Words a company name holds in lower case, or that cannot begin one.
const COMPANY_JOINERS: &[&str] = &["&", "'n", "and", "de", "of"];

/// Wire copy names a company before its ticker ("Wings West Airlines
/// <WING>") or between angle brackets ("<Page Petroleum Ltd>"), and a
/// capitals headline names one by its designator ("FIRST NEW HAMPSHIRE
/// BANKS INC DIV"); when the tagger found no name reaching outside those
/// words (capitals headlines and briefs, which it reads worst), they are an
/// organisation. `ticker` is [`tickers`]; `line_start` is [`line_starts`]
/// (a name never runs back across a line or from the body into the title).
pub fn ticker_companies(
    words: &[&str],
    ticker: &[bool],
    line_start: &[bool],
    spans: &mut Vec<Span>,
) {
    let is_word = |w: &str| w.chars().any(char::is_alphabetic);
    let one_of = |w: &str, list: &[&str]| crate::analyze::tokenize::lowercase_is_one_of(w, list);
    let lower = |w: &str| w.chars().next().is_some_and(char::is_lowercase);
    let caps = |w: &str| is_word(w) && !w.chars().any(char::is_lowercase);
    // The start of the name ending before `end` (its words back to a stop
    // word, a non-word or a line start; `first` is the last word it may
    // take), if it has one to eight words.
    let run_back = |end: usize, first: usize, only_caps: bool| -> Option<usize> {
        let mut a = first;
        while a > 0 && !line_start[a] {
            let w = words[a - 1];
            if !is_word(w)
                || ticker[a - 1]
                || one_of(w, NOT_IN_COMPANY)
                || (lower(w) && !one_of(w, COMPANY_JOINERS))
                || (only_caps && !caps(w))
            {
                break;
            }
            a -= 1;
        }
        while a < end && one_of(words[a], COMPANY_JOINERS) {
            a += 1;
        }
        (a < end && end - a <= 8).then_some(a)
    };
    let mut found: Vec<(usize, usize)> = Vec::new();
    for i in 0..words.len() {
        if ticker[i] {
            if words[i] == "<"
                && !line_start[i]
                && let Some(a) = run_back(i, i, false)
            {
                found.push((a, i));
            }
        } else if words[i] == "<" {
            found.extend(bracketed(words, i, line_start));
        } else if caps(words[i])
            && crate::analyze::canon::is_designator(words[i])
            && !line_start[i]
            && let Some(a) = run_back(i + 1, i, true)
            && a < i
        {
            found.push((a, i + 1));
        }
    }
    put_organisations(&found, spans);
}

/// "<Page Petroleum Ltd>": the words between the angle bracket at `i` and
/// its closing one, if they are words only, on one line.
fn bracketed(words: &[&str], i: usize, line_start: &[bool]) -> Option<(usize, usize)> {
    let len = words[i + 1..]
        .iter()
        .take(9)
        .position(|w| *w == ">" || *w == "<")?;
    let (a, b) = (i + 1, i + 1 + len);
    let is_word = |w: &&str| w.chars().any(char::is_alphabetic) || *w == "&";
    (words.get(b) == Some(&">")
        && a < b
        && words[a..b].iter().all(is_word)
        && !line_start[a..b].iter().any(|&s| s))
    .then_some((a, b))
}

/// Adds an organisation at each of `found`, replacing what the tagger
/// found inside it ("INC" alone, a misreading of capitals); where a name
/// the tagger found reaches outside it, the tagger's name is kept.
fn put_organisations(found: &[(usize, usize)], spans: &mut Vec<Span>) {
    let mut added = false;
    for &(start, end) in found {
        let overlaps = |s: &Span| s.start < end && start < s.end;
        if spans
            .iter()
            .any(|s| overlaps(s) && (s.start < start || s.end > end))
        {
            continue;
        }
        spans.retain(|s| !overlaps(s));
        spans.push(Span {
            start,
            end,
            kind: EntityType::Org,
        });
        added = true;
    }
    if added {
        spans.sort_by_key(|s| s.start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::EntityType;
    use crate::analyze::tokenize::tokenize;

    #[test]
    fn a_sign_off_alone_on_the_last_line_is_not_tagged() {
        // The text whose tokens are tagged.
        let tagged = |body: &str| {
            let toks = tokenize(body);
            match without_sign_off(body, &toks) {
                0 => String::new(),
                k => body[..toks[k - 1].end].to_string(),
            }
        };
        for body in [
            "Grain prices rose.\n    REUTER",
            "Grain prices rose.\n  Reuter\n",
            "Grain prices rose.\nAFP",
            "Grain prices rose.\n REUTER...",
            "Grain prices rose.\nREUTER...^M",
            "Grain prices rose.        REUTER",
            "Grain prices rose. REUTER",
            "Grain prices rose.\n REUTER E",
            "Grain prices rose.\n Reuters",
        ] {
            assert_eq!(tagged(body), "Grain prices rose.", "{body:?}");
        }
        for body in [
            "Grain prices rose, said WESTPAC",
            "Grain prices rose.\nJohn SMITH",
            "Grain prices rose.\nUS1",
            "Grain prices rose.\nReuters reported",
            "Grain prices rose, Reuters",
            "REUTER",
        ] {
            assert_eq!(tagged(body), body.trim_end(), "{body:?}");
        }
    }

    /// The words and line starts of `text`, and a one-word span at each
    /// word of `at`.
    fn words_of(text: &str) -> (Vec<&str>, Vec<bool>) {
        let toks = tokenize(text);
        let words = toks.iter().map(|t| &text[t.start..t.end]).collect();
        (words, line_starts(text, &toks).collect())
    }

    fn one_word_spans(words: &[&str], at: &[&str]) -> Vec<Span> {
        (0..words.len())
            .filter(|&i| at.contains(&words[i]))
            .map(|start| Span {
                start,
                end: start + 1,
                kind: EntityType::Person,
            })
            .collect()
    }

    #[test]
    fn row_labels_of_figure_lines_are_not_names() {
        let text = "Oper shr loss two cts vs profit 7 cts\n    Oper net 1,200 vs 900\n                     Rates....5.95 vs 6.1\n Reserve......1,239\n Acme said\n Oper rose\n Year\n Oper shr 3.20 dlrs vs 2.57 dlrs";
        let (words, starts) = words_of(text);
        let mut spans = one_word_spans(&words, &["Oper", "Rates", "Reserve", "Acme"]);
        let year = words.iter().position(|w| *w == "Year").unwrap();
        spans.push(Span {
            start: year,
            end: year + 2,
            kind: EntityType::Person,
        });
        drop_row_labels(&words, &starts, &mut spans);
        let kept: Vec<&str> = spans.iter().map(|s| words[s.start]).collect();
        assert_eq!(kept, ["Acme", "Oper"]);
    }

    #[test]
    fn a_company_before_its_ticker_or_in_brackets_is_an_organisation() {
        let names = |text: &str, tagged: &[&str]| -> Vec<String> {
            let toks = tokenize(text);
            let words: Vec<&str> = toks.iter().map(|t| &text[t.start..t.end]).collect();
            let ticker = tickers(text, &toks);
            let starts: Vec<bool> = line_starts(text, &toks).collect();
            let mut spans = one_word_spans(&words, tagged);
            ticker_companies(&words, &ticker, &starts, &mut spans);
            spans
                .iter()
                .filter(|s| s.kind == EntityType::Org)
                .map(|s| words[s.start..s.end].join(" "))
                .collect()
        };
        assert_eq!(
            names("ZEPHYR GLASS AND TILE CO <ZGT> 2ND QTR NET", &[]),
            ["ZEPHYR GLASS AND TILE CO"]
        );
        assert_eq!(
            names("ORCHARD FOODS SAYS IT TO BUY PELLING MILLS INC <PMI>", &[]),
            ["PELLING MILLS INC"]
        );
        assert_eq!(
            names("<HARBOUR TIMBER LTD> YEAR LOSS\nShr loss", &[]),
            ["HARBOUR TIMBER LTD"]
        );
        // In mixed case a lower-case word ends the name; a piece of it the
        // tagger found becomes the whole.
        assert_eq!(
            names("shares of the grocer Pellings of Leeds <PLL.L> rose", &[]),
            ["Pellings of Leeds"]
        );
        assert_eq!(
            names("TALBOT MILLS INC <TLB> 4TH QTR NET\nShr 11 cts", &["INC"]),
            ["TALBOT MILLS INC"]
        );
        // A ticker alone on its line, or after a stop word, names nothing.
        assert!(names("Net profit\n<TLB> said", &[]).is_empty());
        assert!(names("SHARES RISE AT <TLB>", &[]).is_empty());
        // A capitals headline's company by its designator; in mixed case
        // that is the tagger's to find.
        assert_eq!(
            names("FIRST MEADOW BANKS INC DIV\nQtly div 15 cts", &[]),
            ["FIRST MEADOW BANKS INC"]
        );
        assert!(names("the Meadow Banks Inc unit", &[]).is_empty());
    }

    #[test]
    fn a_sign_off_inside_the_body_is_not_a_name() {
        let text =
            "Profits rose. REUTER Shares fell\nShr 45 cts\nReuter said Reuters\nThey told Reuter";
        let (words, starts) = words_of(text);
        let mut spans = one_word_spans(&words, &["REUTER", "Reuters", "Reuter"]);
        drop_inner_sign_offs(&words, &starts, &mut spans);
        let kept: Vec<&str> = spans.iter().map(|s| words[s.start]).collect();
        // "Reuter said": a name beginning a sentence; "Reuters" the agency.
        assert_eq!(kept, ["Reuter", "Reuters"]);
    }

    #[test]
    fn ticker_symbols_are_not_names() {
        let text = "Beecham Group Plc <BHAM.L> said, and <Cinram Ltd> and Acme <ACM> rose";
        let toks = tokenize(text);
        let words: Vec<&str> = toks.iter().map(|t| &text[t.start..t.end]).collect();
        let ticker = tickers(text, &toks);
        let names = [
            "Beecham", "BHAM.L", "BHAM", "L", ".L", "Cinram", "Ltd", "ACM", "Acme",
        ];
        let mut spans = one_word_spans(&words, &names);
        drop_tickers(&ticker, &mut spans);
        let kept: Vec<&str> = spans.iter().map(|s| words[s.start]).collect();
        assert_eq!(kept, ["Beecham", "Cinram", "Ltd", "Acme"]);
    }
}
