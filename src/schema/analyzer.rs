//! Analyzers built from their declarations in the schema: the `text_en`
//! chain as the one fused tokenizer [`WordStems`], any other chain from
//! tantivy's own tokenizers and filters.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, TextAnalyzer,
};

use super::AnalyzerDecl;
use super::words::WordStems;
use crate::error::{Error, Result};

/// Builds the analyzer `name` declared as `decl`. With `terms` (snippets),
/// a `text_en` analyzer leaves the words that cannot match one of them
/// empty ([`WordStems::for_terms`]).
pub(super) fn build(
    name: &str,
    decl: &AnalyzerDecl,
    terms: Option<&mut dyn Iterator<Item = &str>>,
) -> Result<TextAnalyzer> {
    let bad = |what: &str| Error::Schema(format!("analyzer {name}: unknown {what}"));
    if let Some(limit) = whole_text_en(decl) {
        let words = WordStems::new(limit);
        return Ok(TextAnalyzer::from(match terms {
            Some(terms) => words.for_terms(terms),
            None => words,
        }));
    }
    let mut builder = match decl.tokenizer.as_str() {
        "simple" => TextAnalyzer::builder(SimpleTokenizer::default()).dynamic(),
        "raw" => TextAnalyzer::builder(RawTokenizer::default()).dynamic(),
        other => return Err(bad(&format!("tokenizer {other}"))),
    };
    for filter in &decl.filters {
        builder = match filter.split_once(':') {
            Some(("remove_long", n)) => {
                let n: usize = n.parse().map_err(|_| bad(&format!("filter {filter}")))?;
                builder.filter_dynamic(RemoveLongFilter::limit(n))
            }
            None if filter == "lowercase" => builder.filter_dynamic(LowerCaser),
            None if filter == "ascii_folding" => builder.filter_dynamic(AsciiFoldingFilter),
            None if filter == "stem_en" => builder.filter_dynamic(Stemmer::new(Language::English)),
            _ => return Err(bad(&format!("filter {filter}"))),
        };
    }
    Ok(builder.build())
}

/// For an analyzer that is `simple` words, optionally `remove_long:N`,
/// then `lowercase`, `ascii_folding` and `stem_en`, the length limit
/// (`usize::MAX` without `remove_long`): what [`WordStems`] does alone.
fn whole_text_en(decl: &AnalyzerDecl) -> Option<usize> {
    if decl.tokenizer != "simple" {
        return None;
    }
    let filters: Vec<&str> = decl.filters.iter().map(String::as_str).collect();
    let (limit, rest) = match filters.split_first() {
        Some((first, rest)) if first.starts_with("remove_long:") => {
            (first["remove_long:".len()..].parse().ok()?, rest)
        }
        _ => (usize::MAX, &filters[..]),
    };
    (rest == ["lowercase", "ascii_folding", "stem_en"]).then_some(limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SchemaDecl;

    #[test]
    fn the_text_en_chain_is_told_from_others() {
        let decl = |tokenizer: &str, filters: &[&str]| AnalyzerDecl {
            tokenizer: tokenizer.into(),
            filters: filters.iter().map(|f| f.to_string()).collect(),
        };
        let chain = ["lowercase", "ascii_folding", "stem_en"];
        let long = ["remove_long:40", "lowercase", "ascii_folding", "stem_en"];
        assert_eq!(whole_text_en(&decl("simple", &long)), Some(40));
        assert_eq!(whole_text_en(&decl("simple", &chain)), Some(usize::MAX));
        assert_eq!(whole_text_en(&decl("raw", &long)), None);
        assert_eq!(whole_text_en(&decl("simple", &chain[..2])), None);
        assert_eq!(
            whole_text_en(&decl(
                "simple",
                &["lowercase", "remove_long:40", "ascii_folding", "stem_en"]
            )),
            None
        );
        let embedded = SchemaDecl::embedded();
        assert_eq!(whole_text_en(&embedded.analyzers["text_en"]), Some(40));
    }

    #[test]
    fn text_analyzer_folds_and_stems() {
        let decl = SchemaDecl::embedded();
        let mut a = build("text_en", &decl.analyzers["text_en"], None).unwrap();
        let mut stream = a.token_stream("Élections RUNNING Putin's");
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push(t.text.clone());
        }
        assert_eq!(out, ["elect", "run", "putin", "s"]);
    }

    #[test]
    fn name_analyzer_keeps_one_token() {
        let decl = SchemaDecl::embedded();
        let mut a = build("name", &decl.analyzers["name"], None).unwrap();
        let mut stream = a.token_stream("Recep Tayyip Erdoğan");
        let t = stream.next().unwrap().text.clone();
        assert_eq!(t, "recep tayyip erdogan");
        assert!(stream.next().is_none());
    }
}
