//! Truecasing of articles written wholly in capitals: a brief whose whole
//! text is a headline ("WHITE HOUSE'S HOWARD BAKER SAYS REAGAN TO ADDRESS
//! NATION") is read as news usually writes its words mid-sentence ("says",
//! "White", "Baker"; the casing statistics' bucket says how often a word is
//! capitalised, their usual form how), and then as ordinary text, not as a
//! headline. Capitals hide what the tagger leans on most (which words are
//! capitalised), so without this such briefs get no entities. A headline
//! above ordinary text is left as it is: the tagger reads it with the rest
//! of the article (cross-validation on CoNLL-2003 scored truecasing those
//! lower).

use super::cache::WordCache;
use super::token::TokenInfo;
use crate::analyze::lexicon::Lexicon;
use crate::util::word_table::WordTable;

/// If every sentence of the document is a headline, replaces the infos of
/// its words in capitals by those of their usual form, and reads the
/// sentences as ordinary ones.
pub(super) fn truecase_headlines(
    words: &[&str],
    infos: &mut [TokenInfo],
    lex: &Lexicon,
    cache: &mut WordCache,
) {
    let lettered = |x: &TokenInfo| x.written.lettered();
    if !infos.iter().any(lettered) || infos.iter().any(|x| lettered(x) && !x.caps_sentence) {
        return;
    }
    for i in 0..infos.len() {
        let x = &infos[i];
        if x.written.caps()
            && let Some(form) = usual_case(words[i], lex)
            && form != words[i]
        {
            let slot = cache.slot(&form, WordTable::hash(&form), lex);
            infos[i] = TokenInfo {
                sent_start: x.sent_start,
                table: x.table,
                ..cache.lexical[slot].clone()
            };
        }
        infos[i].caps_sentence = false;
    }
}

/// A word in capitals as news writes it mid-sentence: lower-case if it
/// mostly is; else its usual capitalised form; None if news writes it in
/// capitals too. A word news never wrote is taken for a name
/// ("MIYAZAWA" -> "Miyazawa") if it has four letters or more, else for an
/// acronym and kept.
fn usual_case(w: &str, lex: &Lexicon) -> Option<String> {
    let lower = w.to_lowercase();
    let bucket = lex.casing(&lower, super::hash_str(&lower));
    let capitalised = || {
        let mut c = lower.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    };
    let Some(usual) = lex.usual_form(&lower) else {
        return (w.chars().filter(|c| c.is_alphabetic()).count() >= 4).then(capitalised);
    };
    match bucket {
        0 => None,
        1 | 2 => Some(lower),
        _ if usual.chars().any(char::is_lowercase) && usual != lower => Some(usual.to_string()),
        _ => {
            // Usually capitalised, but the usual form is in capitals or in
            // lower case: capitalise the first letter only if it is not an
            // acronym news writes in capitals.
            (usual == lower).then(capitalised)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::model::Model;
    use crate::analyze::ner::Doc;

    #[test]
    fn articles_in_capitals_read_as_news_writes_them() {
        let model = Model::embedded().unwrap();
        let lex = &model.lexicon;
        for (caps, usual) in [
            ("SAYS", Some("says")),
            ("IN", Some("in")),
            ("PARIS", Some("Paris")),
            ("OPEC", None),
            ("ZORBLAXIAN", Some("Zorblaxian")),
            ("ZQX", None),
        ] {
            assert_eq!(super::usual_case(caps, lex).as_deref(), usual, "{caps}");
        }
        let single = |w: &str| Doc::new(vec![w], std::iter::once(true)).infos(lex)[0].clone();
        let words = vec!["TREASURY", "CHIEF", "MEETS", "ZORBLAXIAN", "IN", "PARIS"];
        let doc = Doc::new(words.clone(), (0..6).map(|i| i == 0));
        let infos = doc.infos(lex);
        for (i, form) in [(2, "meets"), (3, "Zorblaxian"), (4, "in"), (5, "Paris")] {
            assert_eq!(infos[i].word, single(form).word, "{}", words[i]);
            assert!(!infos[i].caps_sentence);
        }
        // A headline above ordinary text stays a headline.
        let words = vec!["CHIEF", "MEETS", "PARIS", "The", "chief", "met", "Paris"];
        let doc = Doc::new(words.clone(), (0..7).map(|i| i == 0 || i == 3));
        let infos = doc.infos(lex);
        assert_eq!(infos[1].word, single("MEETS").word);
        assert!(infos[1].caps_sentence);
    }
}
