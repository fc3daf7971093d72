//! More like this: an article's most telling title and body terms as a
//! query for the articles most like it. As tantivy's `MoreLikeThis` (and
//! Lucene's) weighs terms, by frequency in the article times inverse
//! document frequency, but with ties broken by field and term, so the same
//! index always gives the same query (tantivy's keeps whichever tied terms
//! its hash map yields first, which changes from one process to the next).

use std::collections::BTreeMap;

use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, TantivyDocument, Term, Value};
use tantivy::{Score, Searcher};

use crate::error::Result;
use crate::index::NewsIndex;
use crate::search::AllHits;

/// Terms in the query.
const MAX_TERMS: usize = 30;
/// Shorter terms (in bytes) are left out.
const MIN_TERM_BYTES: usize = 3;

/// Articles most like the article `id` (its most telling terms), the
/// article itself left out. None if there is no such id.
pub fn similar_query(news: &NewsIndex, id: &str) -> Result<Option<Box<dyn Query>>> {
    let searcher = news.searcher()?;
    let f = news.fields;
    let term = Term::from_field_text(f.id, id);
    let found = searcher.search(
        &TermQuery::new(term.clone(), IndexRecordOption::Basic),
        &AllHits { scoring: false },
    )?;
    let Some(hit) = found.first() else {
        return Ok(None);
    };
    let doc: TantivyDocument = searcher.doc(hit.addr)?;
    let texts = |field: Field| -> Vec<String> {
        doc.get_all(field)
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let fields = [(f.title, texts(f.title)), (f.body, texts(f.body))];
    let max_docs = (searcher.num_docs() / 2).max(2);
    let terms = telling_terms(&searcher, &fields, max_docs)?;
    let best = terms.first().map_or(1.0, |t| t.1);
    let like: Vec<(Occur, Box<dyn Query>)> = terms
        .into_iter()
        .map(|(term, score)| {
            let q = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
            (
                Occur::Should,
                Box::new(BoostQuery::new(q, score / best)) as Box<dyn Query>,
            )
        })
        .collect();
    Ok(Some(Box::new(BooleanQuery::new(vec![
        (
            Occur::Must,
            Box::new(BooleanQuery::new(like)) as Box<dyn Query>,
        ),
        (
            Occur::MustNot,
            Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
        ),
    ]))))
}

/// The [`MAX_TERMS`] best terms of `fields`' texts, as the index analyses
/// them, with their weights (frequency times idf), best first, ties by
/// term; terms in more than `max_docs` articles are left out.
fn telling_terms(
    searcher: &Searcher,
    fields: &[(Field, Vec<String>)],
    max_docs: u64,
) -> Result<Vec<(Term, Score)>> {
    let mut counts: BTreeMap<Term, usize> = BTreeMap::new();
    for (field, texts) in fields {
        let mut analyzer = searcher.index().tokenizer_for_field(*field)?;
        for text in texts {
            let mut stream = analyzer.token_stream(text);
            while stream.advance() {
                let word = &stream.token().text;
                if word.len() >= MIN_TERM_BYTES {
                    *counts
                        .entry(Term::from_field_text(*field, word))
                        .or_default() += 1;
                }
            }
        }
    }
    let docs = searcher.num_docs();
    let mut weighted = Vec::new();
    for (term, n) in counts {
        let df = searcher.doc_freq(&term)?;
        if df == 0 || df > max_docs {
            continue;
        }
        weighted.push((term, n as Score * idf(df, docs)));
    }
    weighted.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    weighted.truncate(MAX_TERMS);
    Ok(weighted)
}

/// BM25's inverse document frequency, as tantivy computes it.
fn idf(doc_freq: u64, docs: u64) -> Score {
    let x = (docs.saturating_sub(doc_freq) as Score + 0.5) / (doc_freq as Score + 0.5);
    (1.0 + x).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Terms that tie are taken in term order, whatever order they came in:
    /// the same article gives the same query every time.
    #[test]
    fn tied_terms_are_taken_in_term_order() {
        let dir = tempfile::tempdir().unwrap();
        let news = NewsIndex::create_or_open(dir.path(), false, "none").unwrap();
        // 40 words each once in the article and in one other article: all
        // tie, and only 30 are taken.
        let words: Vec<String> = (0..40).map(|i| format!("w{i:02}xyz")).collect();
        let mut writer: tantivy::IndexWriter = news.index.writer(15_000_000).unwrap();
        let f = news.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, "a");
        doc.add_text(f.body, words.join(" "));
        writer.add_document(doc).unwrap();
        for (i, w) in words.iter().enumerate() {
            let mut doc = TantivyDocument::default();
            doc.add_text(f.id, format!("b{i}"));
            doc.add_text(f.body, format!("{w} filler"));
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = news.searcher().unwrap();
        let mut shuffled = words.clone();
        shuffled.reverse();
        for texts in [words.clone(), shuffled] {
            let got = telling_terms(&searcher, &[(f.body, vec![texts.join(" ")])], 100).unwrap();
            let got: Vec<String> = got
                .iter()
                .map(|(t, _)| t.value().as_str().unwrap().to_string())
                .collect();
            let want: Vec<String> = words[..MAX_TERMS].iter().map(|w| w.to_string()).collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn idf_is_tantivys() {
        assert!((idf(1, 10) - (1.0f32 + 9.5 / 1.5).ln()).abs() < 1e-6);
        assert!(idf(10, 10) > 0.0);
    }
}
