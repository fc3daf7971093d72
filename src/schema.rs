//! The index schema: reads the declaration embedded from `schema/newsdex.toml`
//! and turns it into a tantivy [`Schema`], the registered analyzers, and a
//! [`Fields`] table of typed field handles that the rest of the code uses.

use serde::Deserialize;
use std::collections::BTreeMap;
use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, NumericOptions, STORED, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
    TokenizerManager,
};

use crate::error::{Error, Result};

/// The schema declaration, as committed in `schema/newsdex.toml`.
pub const SCHEMA_TOML: &str = include_str!("../schema/newsdex.toml");

/// A parsed schema declaration.
#[derive(Debug, Deserialize)]
pub struct SchemaDecl {
    /// Schema version; an index records the version it was built with.
    pub version: u32,
    /// Named analyzers: a tokenizer and a chain of filters.
    pub analyzers: BTreeMap<String, AnalyzerDecl>,
    /// Every field of the index.
    #[serde(rename = "field")]
    pub fields: Vec<FieldDecl>,
}

/// One analyzer: tokenizer name and filter names.
#[derive(Debug, Deserialize)]
pub struct AnalyzerDecl {
    pub tokenizer: String,
    pub filters: Vec<String>,
}

/// What kind of value a field holds.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    Text,
    Keyword,
    Date,
    U64,
    Facet,
    Stored,
}

/// One field declaration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDecl {
    pub name: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub analyzer: Option<String>,
    #[serde(default)]
    pub stored: bool,
    #[serde(default)]
    pub fast: bool,
    #[serde(default)]
    pub search: bool,
    #[serde(default)]
    pub boost: Option<f32>,
    pub doc: String,
}

impl SchemaDecl {
    /// The oldest schema version this build still opens, searches and adds
    /// to (each index keeps the schema it was built with). Version 2 added
    /// the title column that lets export skip the document store; a
    /// version 1 index is read through the documents instead. Version 3
    /// keeps facet paths in a column only, without a facet field's terms
    /// ([`Fields::facet_indexed`] tells which an index has).
    pub const OLDEST_READABLE: u32 = 1;

    /// Parses the embedded declaration.
    pub fn embedded() -> &'static SchemaDecl {
        static DECL: std::sync::OnceLock<SchemaDecl> = std::sync::OnceLock::new();
        DECL.get_or_init(|| {
            // The file is part of the binary and checked by a unit test, so a
            // parse failure here is a build defect, not a user error.
            toml::from_str(SCHEMA_TOML).expect("schema/newsdex.toml is valid (unit-tested)")
        })
    }

    /// Builds the tantivy schema declared here.
    pub fn build(&self) -> Result<Schema> {
        let mut builder = Schema::builder();
        for f in &self.fields {
            let analyzer = f.analyzer.as_deref();
            if let Some(a) = analyzer
                && !self.analyzers.contains_key(a)
            {
                return Err(Error::Schema(format!(
                    "field {}: unknown analyzer {a}",
                    f.name
                )));
            }
            match f.kind {
                FieldKind::Text | FieldKind::Keyword => {
                    let a = analyzer.ok_or_else(|| {
                        Error::Schema(format!("field {}: needs an analyzer", f.name))
                    })?;
                    let record = if f.kind == FieldKind::Text {
                        IndexRecordOption::WithFreqsAndPositions
                    } else {
                        IndexRecordOption::Basic
                    };
                    let indexing = TextFieldIndexing::default()
                        .set_tokenizer(a)
                        .set_index_option(record)
                        .set_fieldnorms(f.kind == FieldKind::Text);
                    let mut opts = TextOptions::default().set_indexing_options(indexing);
                    if f.stored {
                        opts = opts.set_stored();
                    }
                    if f.fast {
                        // Fast text columns keep the value as given (raw).
                        opts = opts.set_fast("raw");
                    }
                    builder.add_text_field(&f.name, opts);
                }
                FieldKind::Date => {
                    let mut opts = DateOptions::default()
                        .set_indexed()
                        .set_precision(DateTimePrecision::Seconds);
                    if f.stored {
                        opts = opts.set_stored();
                    }
                    if f.fast {
                        opts = opts.set_fast();
                    }
                    builder.add_date_field(&f.name, opts);
                }
                FieldKind::U64 => {
                    let mut opts = NumericOptions::default().set_indexed();
                    if f.stored {
                        opts = opts.set_stored();
                    }
                    if f.fast {
                        opts = opts.set_fast();
                    }
                    builder.add_u64_field(&f.name, opts);
                }
                FieldKind::Facet => {
                    // Encoded facet paths in a string column (what tantivy's
                    // FacetReader reads) and stored, without the inverted
                    // index a tantivy facet field always has: nothing
                    // searches facet terms (filters use the keyword fields),
                    // and those terms, two per entity with the parent, were
                    // ~4% of indexing with entities (BENCHMARKS.md, session 11).
                    let mut opts = TextOptions::default().set_fast("raw");
                    if f.stored {
                        opts = opts.set_stored();
                    }
                    builder.add_text_field(&f.name, opts);
                }
                FieldKind::Stored => {
                    builder.add_text_field(&f.name, STORED);
                }
            }
        }
        Ok(builder.build())
    }

    /// Registers every declared analyzer with an index's tokenizer manager.
    pub fn register_analyzers(&self, manager: &TokenizerManager) -> Result<()> {
        for (name, decl) in &self.analyzers {
            manager.register(name, build_analyzer(name, decl)?);
        }
        Ok(())
    }

    /// The analyzer of text field `field` for finding `terms` in it
    /// (snippets): the same tokens, stemmed only where a term could match.
    pub fn snippet_analyzer<'t>(
        &self,
        field: &str,
        terms: impl IntoIterator<Item = &'t str>,
    ) -> Result<TextAnalyzer> {
        let name = self
            .field(field)
            .and_then(|f| f.analyzer.as_deref())
            .ok_or_else(|| Error::Schema(format!("field {field} has no analyzer")))?;
        let decl = self
            .analyzers
            .get(name)
            .ok_or_else(|| Error::Schema(format!("analyzer {name} is not declared")))?;
        let stemmer = crate::analyze::stem::CachedStemmer::for_terms(terms);
        build_analyzer_with(name, decl, stemmer)
    }

    /// The declaration of field `name`.
    pub fn field(&self, name: &str) -> Option<&FieldDecl> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Builds a tantivy analyzer from its declaration.
fn build_analyzer(name: &str, decl: &AnalyzerDecl) -> Result<TextAnalyzer> {
    build_analyzer_with(name, decl, crate::analyze::stem::CachedStemmer::EVERY_WORD)
}

/// [`build_analyzer`] with `stemmer` as its `stem_en` filter (for snippets,
/// one that stems only the tokens that could match a query term).
fn build_analyzer_with(
    name: &str,
    decl: &AnalyzerDecl,
    stemmer: crate::analyze::stem::CachedStemmer,
) -> Result<TextAnalyzer> {
    let bad = |what: &str| Error::Schema(format!("analyzer {name}: unknown {what}"));
    if let Some(limit) = whole_text_en(decl)
        && stemmer.stems_every_word()
    {
        // The chain as one tokenizer (the same tokens): indexing with
        // entities ~4% fewer instructions (callgrind), ~6% less time.
        return Ok(TextAnalyzer::from(crate::analyze::stem::WordStems::new(
            limit,
        )));
    }
    let mut builder = match decl.tokenizer.as_str() {
        "simple" => TextAnalyzer::builder(SimpleTokenizer::default()).dynamic(),
        "raw" => TextAnalyzer::builder(RawTokenizer::default()).dynamic(),
        other => return Err(bad(&format!("tokenizer {other}"))),
    };
    let mut filters = decl.filters.iter().map(String::as_str).peekable();
    while let Some(filter) = filters.next() {
        if filter == "lowercase" && filters.next_if_eq(&"ascii_folding").is_some() {
            if filters.next_if_eq(&"stem_en").is_some() {
                // The three as one filter: the same tokens, a third of the
                // dynamic calls.
                builder = builder.filter_dynamic(crate::analyze::stem::LowerFoldStem(stemmer));
            } else {
                builder = builder
                    .filter_dynamic(LowerCaser)
                    .filter_dynamic(AsciiFoldingFilter);
            }
            continue;
        }
        builder = match filter.split_once(':') {
            Some(("remove_long", n)) => {
                let n: usize = n.parse().map_err(|_| bad(&format!("filter {filter}")))?;
                builder.filter_dynamic(RemoveLongFilter::limit(n))
            }
            None if filter == "lowercase" => builder.filter_dynamic(LowerCaser),
            None if filter == "ascii_folding" => builder.filter_dynamic(AsciiFoldingFilter),
            None if filter == "stem_en" => builder.filter_dynamic(stemmer),
            _ => return Err(bad(&format!("filter {filter}"))),
        };
    }
    Ok(builder.build())
}

/// For an analyzer that is `simple` words, optionally `remove_long:N`,
/// then `lowercase`, `ascii_folding` and `stem_en`, the length limit
/// (`usize::MAX` without `remove_long`): what [`WordStems`] does alone.
///
/// [`WordStems`]: crate::analyze::stem::WordStems
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

/// Whether `field` is a tantivy facet field, as schema versions 1 and 2 keep
/// facet paths, rather than a column of encoded paths ([`FieldKind::Facet`]).
pub fn is_facet_field(schema: &Schema, field: Field) -> bool {
    schema.get_field_entry(field).field_type().value_type() == tantivy::schema::Type::Facet
}

/// Handles of the fields the code reads and writes, resolved once by name.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub title: Field,
    pub body: Field,
    pub entity: Field,
    pub date: Field,
    pub source: Field,
    pub category: Field,
    pub url: Field,
    pub person: Field,
    pub org: Field,
    pub location: Field,
    pub misc: Field,
    pub facet: Field,
    /// [`is_facet_field`] of the index's `facet` field.
    pub facet_indexed: bool,
    pub mentions: Field,
    pub hash: Field,
}

impl Fields {
    /// Resolves every field the code needs in `schema`.
    pub fn resolve(schema: &Schema) -> Result<Fields> {
        let get = |name: &str| {
            schema
                .get_field(name)
                .map_err(|_| Error::Schema(format!("the index has no field {name}")))
        };
        Ok(Fields {
            id: get("id")?,
            title: get("title")?,
            body: get("body")?,
            entity: get("entity")?,
            date: get("date")?,
            source: get("source")?,
            category: get("category")?,
            url: get("url")?,
            person: get("person")?,
            org: get("org")?,
            location: get("location")?,
            misc: get("misc")?,
            facet: get("facet")?,
            facet_indexed: is_facet_field(schema, get("facet")?),
            mentions: get("mentions")?,
            hash: get("hash")?,
        })
    }

    /// The keyword field holding canonical names of entity type `kind`.
    pub fn entity_field(&self, kind: crate::analyze::EntityType) -> Field {
        use crate::analyze::EntityType::*;
        match kind {
            Person => self.person,
            Org => self.org,
            Location => self.location,
            Misc => self.misc,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn embedded_schema_parses_and_builds() {
        let decl: SchemaDecl = toml::from_str(SCHEMA_TOML).unwrap();
        assert!(decl.version >= 1);
        let schema = decl.build().unwrap();
        Fields::resolve(&schema).unwrap();
        let manager = TokenizerManager::default();
        decl.register_analyzers(&manager).unwrap();
        for f in &decl.fields {
            assert!(!f.doc.is_empty(), "field {} has no doc", f.name);
        }
    }

    #[test]
    fn text_analyzer_folds_and_stems() {
        let decl = SchemaDecl::embedded();
        let mut a = build_analyzer("text_en", &decl.analyzers["text_en"]).unwrap();
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
        let mut a = build_analyzer("name", &decl.analyzers["name"]).unwrap();
        let mut stream = a.token_stream("Recep Tayyip Erdoğan");
        let t = stream.next().unwrap().text.clone();
        assert_eq!(t, "recep tayyip erdogan");
        assert!(stream.next().is_none());
    }
}
