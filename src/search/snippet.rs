//! Snippets: a body and the query's weighted terms in, the best fragment of
//! the body (at most N bytes) and the byte ranges of its terms out.
//!
//! The choice is the one tantivy's `SnippetGenerator` makes: the body's
//! tokens are gathered into fragments, a new one starting at the token that
//! would take the current one past N bytes from its start; a fragment
//! scores the sum of the weights of the term occurrences in it; the best
//! score wins, the earliest fragment among equals. tantivy's generator
//! lower-cases a copy of every token of the body to look it up in an
//! ordered map (a malloc and a few string comparisons per token); here the
//! analyzer's tokens, already lower-cased, are compared with the few query
//! terms directly.

use std::collections::BTreeMap;
use std::ops::Range;

use tantivy::tokenizer::{TextAnalyzer, TokenStream};

/// Makes the snippets of one query's hits.
#[derive(Clone)]
pub struct Snippets {
    analyzer: TextAnalyzer,
    /// The query's terms on the body, as indexed, and their weights.
    terms: Vec<(String, f32)>,
    max_bytes: usize,
}

/// A fragment being gathered.
struct Fragment {
    score: f32,
    start: usize,
    stop: usize,
    highlighted: Vec<Range<usize>>,
}

impl Fragment {
    fn at(start: usize) -> Fragment {
        Fragment {
            score: 0.0,
            start,
            stop: start,
            highlighted: Vec::new(),
        }
    }
}

impl Snippets {
    /// Snippets of at most `max_bytes` bytes finding `terms` (term ->
    /// weight) in text cut into tokens by `analyzer`.
    pub fn new(terms: BTreeMap<String, f32>, analyzer: TextAnalyzer, max_bytes: usize) -> Snippets {
        Snippets {
            analyzer,
            terms: terms.into_iter().collect(),
            max_bytes,
        }
    }

    /// The weight of a token, if it is a term.
    fn weight(&self, token: &str) -> Option<f32> {
        if token.is_empty() {
            return None;
        }
        let lowered;
        let key = if token.bytes().any(|b| b.is_ascii_uppercase()) || !token.is_ascii() {
            lowered = token.to_lowercase();
            lowered.as_str()
        } else {
            token
        };
        self.terms
            .iter()
            .find(|(term, _)| term == key)
            .map(|&(_, weight)| weight)
    }

    /// The best fragment of `text` and the ranges of the terms in it
    /// (relative to the fragment); None when no term occurs in `text`.
    pub fn snippet(&self, text: &str) -> Option<(String, Vec<Range<usize>>)> {
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        let mut best: Option<Fragment> = None;
        let keep = |fragment: Fragment, best: &mut Option<Fragment>| {
            if fragment.score > 0.0 && best.as_ref().is_none_or(|b| fragment.score > b.score) {
                *best = Some(fragment);
            }
        };
        let mut current = Fragment::at(0);
        while stream.advance() {
            let token = stream.token();
            if token.offset_to - current.start > self.max_bytes {
                let next = Fragment::at(token.offset_from);
                keep(std::mem::replace(&mut current, next), &mut best);
            }
            current.stop = token.offset_to;
            if let Some(weight) = self.weight(&token.text) {
                current.score += weight;
                current.highlighted.push(token.offset_from..token.offset_to);
            }
        }
        keep(current, &mut best);
        let best = best?;
        let ranges = best
            .highlighted
            .iter()
            .map(|r| r.start - best.start..r.end - best.start)
            .collect();
        Some((text[best.start..best.stop].to_string(), ranges))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SchemaDecl;

    #[test]
    fn snippets_are_tantivys_choice() {
        // Random bodies over a vocabulary with capitals, accents and
        // punctuation, random weighted terms: the same fragment and ranges
        // as tantivy's SnippetGenerator, with the plain analyzer and with
        // the one that empties tokens that cannot match.
        let vocab = [
            "The",
            "minister",
            "Ministers",
            "said",
            "oil",
            "OIL",
            "prices",
            "rose",
            ",",
            "in",
            "Zürich",
            "zurich",
            "café",
            "running",
            "runs",
            "and",
            "Putin's",
            "talks",
            "ÉCOLE",
            "ecole",
            "2024",
            "--",
            "the",
        ];
        let mut rng = crate::testutil::Rng::new(5);
        let decl = SchemaDecl::embedded();
        let manager = tantivy::tokenizer::TokenizerManager::default();
        decl.register_analyzers(&manager).unwrap();
        let full = || manager.get("text_en").unwrap();
        let field = tantivy::schema::Field::from_field_id(0);
        for round in 0..300 {
            let words: Vec<&str> = (0..rng.below(80))
                .map(|_| vocab[rng.below(vocab.len())])
                .collect();
            let text = words.join(if round % 3 == 0 { "  " } else { " " });
            let mut terms = BTreeMap::new();
            for t in ["minist", "oil", "zurich", "run", "ecol", "price", "putin"] {
                if rng.below(3) == 0 {
                    terms.insert(t.to_string(), 1.0 / (1 + rng.below(4)) as f32);
                }
            }
            let max = 10 + rng.below(100);
            let theirs = tantivy::snippet::SnippetGenerator::new(terms.clone(), full(), field, max)
                .snippet(&text);
            let want = (!theirs.fragment().is_empty())
                .then(|| (theirs.fragment().to_string(), theirs.highlighted().to_vec()));
            for gate in [false, true] {
                let analyzer = if gate {
                    decl.snippet_analyzer("body", terms.keys().map(String::as_str))
                        .unwrap()
                } else {
                    full()
                };
                let ours = Snippets::new(terms.clone(), analyzer, max).snippet(&text);
                assert_eq!(ours, want, "{text:?} {terms:?} {max}");
            }
        }
    }
}
