//! Parts of a wire article's layout that hold no names, found before and
//! after tagging: the sign-off line ("REUTER" alone on the last line), and
//! the row labels of figure lines ("Oper shr loss two cts vs profit seven
//! cts", "Revs 291.8 mln vs 151.1 mln"), which the tagger reads as names
//! at a sentence start.

use super::ner::Span;
use super::tokenize::Tok;

/// How many of the body's tokens to tag: all but a sign-off, a last token
/// alone on its line that is one word in capitals ("REUTER", "AFP") or
/// "Reuter".
pub fn without_sign_off(body: &str, toks: &[Tok]) -> usize {
    let n = toks.len();
    let Some(last) = toks.last() else { return 0 };
    let word = &body[last.start..last.end];
    let before = &body[toks.get(n.wrapping_sub(2)).map_or(0, |t| t.end)..last.start];
    let own_line = n == 1 || before.contains('\n');
    let letters = word.chars().count() >= 2 && word.chars().all(char::is_alphabetic);
    let caps = !word.chars().any(char::is_lowercase);
    let reuter = word.eq_ignore_ascii_case("reuter") || word.eq_ignore_ascii_case("reuters");
    if own_line && n > 1 && letters && (caps || reuter) && body[last.end..].trim().is_empty() {
        n - 1
    } else {
        n
    }
}

/// Drops one-word spans that begin a figure line: a sentence with "vs"
/// between figures, whose first word labels the row.
pub fn drop_row_labels(words: &[&str], sentences: &[usize], spans: &mut Vec<Span>) {
    let figure_line = |a: usize, b: usize| {
        let line = &words[a..b];
        line.iter().any(|w| matches!(*w, "vs" | "vs."))
            && line.iter().any(|w| w.bytes().any(|c| c.is_ascii_digit()))
    };
    let starts: Vec<usize> = sentences
        .windows(2)
        .filter(|p| figure_line(p[0], p[1]))
        .map(|p| p[0])
        .collect();
    if starts.is_empty() {
        return;
    }
    spans.retain(|s| !(s.end == s.start + 1 && starts.binary_search(&s.start).is_ok()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::EntityType;
    use crate::analyze::tokenize::tokenize;

    #[test]
    fn a_sign_off_alone_on_the_last_line_is_not_tagged() {
        for (body, signed) in [
            ("Grain prices rose.\n    REUTER", true),
            ("Grain prices rose.\n  Reuter\n", true),
            ("Grain prices rose.\nAFP", true),
            ("Grain prices rose, said WESTPAC", false),
            ("Grain prices rose.\nJohn SMITH", false),
            ("Grain prices rose.\nUS1", false),
            ("Grain prices rose.\nReuters reported", false),
            ("REUTER", false),
        ] {
            let toks = tokenize(body);
            let kept = toks.len() - signed as usize;
            assert_eq!(without_sign_off(body, &toks), kept, "{body:?}");
        }
    }

    #[test]
    fn row_labels_of_figure_lines_are_not_names() {
        let words = [
            "Oper", "shr", "loss", "two", "cts", "vs", "profit", "7", "cts", "Acme", "said",
            "Oper", "rose",
        ];
        let span = |start| Span {
            start,
            end: start + 1,
            kind: EntityType::Person,
        };
        let mut spans = vec![span(0), span(9), span(11)];
        drop_row_labels(&words, &[0, 9, 11, 13], &mut spans);
        assert_eq!(spans, [span(9), span(11)]);
    }
}
