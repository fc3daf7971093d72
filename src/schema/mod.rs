//! The index schema: reads the declaration embedded from `schema/newsdex.toml`
//! and turns it into a tantivy [`Schema`], the registered analyzers, and a
//! [`Fields`] table of typed field handles that the rest of the code uses.

use serde::Deserialize;
use std::collections::BTreeMap;
use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, NumericOptions, STORED, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{TextAnalyzer, TokenizerManager};

use crate::error::{Error, Result};

mod analyzer;
mod stem;
mod words;

/// The schema declaration, as committed in `schema/newsdex.toml`.
pub const SCHEMA_TOML: &str = include_str!("../../schema/newsdex.toml");

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
                    // and those terms, two per entity with the parent, are a
                    // measurable part of indexing with entities.
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
            manager.register(name, analyzer::build(name, decl, None)?);
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
        analyzer::build(name, decl, Some(&mut terms.into_iter()))
    }

    /// The declaration of field `name`.
    pub fn field(&self, name: &str) -> Option<&FieldDecl> {
        self.fields.iter().find(|f| f.name == name)
    }
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

/// The facet paths of a segment, by document: the column of the `facet`
/// field, a column of encoded paths (schema 3) or a tantivy facet field
/// (schemas 1 and 2); the same ordinals and dictionary either way.
pub fn facet_reader(
    segment: &tantivy::SegmentReader,
) -> tantivy::Result<tantivy::fastfield::FacetReader> {
    let schema = segment.schema();
    if is_facet_field(schema, schema.get_field("facet")?) {
        return segment.facet_reader("facet");
    }
    match segment.fast_fields().str("facet")? {
        Some(column) => Ok(tantivy::fastfield::FacetReader::new(column)),
        None => Err(tantivy::TantivyError::SchemaError(
            "the facet field has no column".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
