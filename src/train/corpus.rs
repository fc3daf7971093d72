//! Unlabelled text counted for the lexicon: articles (any input format
//! newsdex reads) and CoNLL files cut into sentences for
//! [`Counter`], and the lexicon written as a model file without weights.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use super::clusters::Counter;
use super::conll::read_conll;
use crate::analyze::lexicon::Lexicon;
use crate::analyze::model::Model;
use crate::analyze::ner::{Weights, is_caps_sentence};
use crate::analyze::tokenize;
use crate::error::Result;
use crate::ingest::{self, FieldMap, Format, Input, Limits};

/// Counts the titles and bodies of the articles in `path`; files that
/// cannot be read are reported on stderr.
pub fn count_articles(counter: &mut Counter, path: &Path) {
    let map = FieldMap::default();
    let (format, gzip) = ingest::classify(path).unwrap_or((Format::Jsonl, false));
    let input = Arc::new(Input {
        path: path.to_path_buf(),
        name: path.display().to_string(),
        format,
        gzip,
        rel_id: None,
        size: 0,
    });
    let mut errors = Vec::new();
    ingest::read_input(
        &input,
        Limits::default(),
        &Arc::new(AtomicU64::new(0)),
        &mut errors,
        &mut |raw| {
            if let Ok((article, _)) = ingest::parse_record(&raw, &map) {
                for text in [&article.title, &article.body] {
                    count_text(counter, text);
                }
            }
            true
        },
    );
    for e in errors {
        eprintln!("newsdex: error: {}: {}", e.name, e.message);
    }
}

/// Counts the sentences of a CoNLL file.
pub fn count_conll(counter: &mut Counter, path: &Path) -> Result<()> {
    for d in read_conll(path)? {
        for s in &d.sentences {
            let words: Vec<&str> = s.iter().map(|t| t.word.as_str()).collect();
            let caps = is_caps_sentence(&words);
            counter.add_sentence(&words, caps);
        }
    }
    Ok(())
}

/// Counts one text, sentence by sentence as the tokenizer cuts it.
fn count_text(counter: &mut Counter, text: &str) {
    let toks = tokenize::tokenize(text);
    let mut start = 0;
    for i in 1..=toks.len() {
        if i == toks.len() || toks[i].sent_start {
            let words: Vec<&str> = toks[start..i]
                .iter()
                .map(|t| &text[t.start..t.end])
                .collect();
            let caps = is_caps_sentence(&words);
            counter.add_sentence(&words, caps);
            start = i;
        }
    }
}

/// A model holding only `lexicon` (no weights), with `info` as its info:
/// what `newsdex ner lexicon` writes and `ner train` reads.
pub fn lexicon_model(lexicon: Lexicon, info: String) -> Model {
    Model {
        weights: Weights::from_rows(Vec::new()),
        weights2: None,
        lexicon,
        version: String::new(),
        info,
        cache: Default::default(),
    }
}
