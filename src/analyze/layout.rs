//! Parts of a wire article's layout that hold no names, found before and
//! after tagging: the sign-off line ("REUTER" alone on the last line),
//! ticker symbols ("<BHAM.L>"), and the row labels of figure lines ("Oper
//! shr loss two cts vs profit seven cts", "Revs 291.8 mln vs 151.1 mln"),
//! which the tagger reads as names at a sentence start.

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
