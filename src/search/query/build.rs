//! From a parsed [`Node`] to a tantivy query against one index: analysed
//! text, whole-name matches on keyword fields, and date periods.

use std::ops::Bound;

use tantivy::DateTime;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query,
    RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term};
use tantivy::tokenizer::TokenizerManager;

use super::{Node, QueryError};
use crate::analyze::EntityType;
use crate::schema::{Fields, SchemaDecl};

/// Turns parsed queries into tantivy queries against one index.
pub struct Builder<'a> {
    pub fields: Fields,
    pub tokenizers: &'a TokenizerManager,
    pub q: &'a str,
    /// Entity names resolved across articles (`person:Reagan` finds
    /// "Ronald Reagan" too).
    pub names: &'a crate::names::Resolver,
}

/// Parses a date bound: a day, a month (`2020-03`) or a year (`2020`).
/// Returns the first second of that period and the first second after it.
pub fn date_period(s: &str) -> Option<(i64, i64)> {
    use chrono::{Datelike, NaiveDate};
    let parts: Vec<&str> = s.split('-').collect();
    let num = |x: &str| x.parse::<u32>().ok();
    let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d);
    let secs = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp());
    match parts.as_slice() {
        [y] if y.len() == 4 => {
            let y = y.parse::<i32>().ok()?;
            Some((secs(day(y, 1, 1)?)?, secs(day(y + 1, 1, 1)?)?))
        }
        [y, m] if y.len() == 4 => {
            let y = y.parse::<i32>().ok()?;
            let m = num(m)?;
            let start = day(y, m, 1)?;
            let next = if m == 12 {
                day(y + 1, 1, 1)?
            } else {
                day(y, m + 1, 1)?
            };
            Some((secs(start)?, secs(next)?))
        }
        [_, _, _] => {
            let secs_start = crate::ingest::date::parse_date(s)?;
            let d = chrono::DateTime::from_timestamp(secs_start, 0)?.date_naive();
            let start = day(d.year(), d.month(), d.day())?;
            Some((secs(start)?, secs(start.succ_opt()?)?))
        }
        _ => None,
    }
}

impl Builder<'_> {
    /// Builds the tantivy query of a parsed query.
    pub fn build(&self, node: &Node) -> Result<Box<dyn Query>, QueryError> {
        match node {
            Node::Bool(clauses) => {
                let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (occ, n) in clauses {
                    out.push((*occ, self.build(n)?));
                }
                if out.is_empty() {
                    return Ok(Box::new(EmptyQuery));
                }
                if out.iter().all(|(o, _)| *o == Occur::MustNot) {
                    out.push((Occur::Must, Box::new(AllQuery)));
                }
                Ok(Box::new(BooleanQuery::new(out)))
            }
            Node::Word {
                field,
                text,
                prefix,
            } => self.text_query(field.as_deref(), text, None, *prefix),
            Node::Phrase { field, text, slop } => {
                self.text_query(field.as_deref(), text, Some(*slop), false)
            }
            Node::Range { field, lo, hi, at } => {
                self.range(field, lo.as_deref(), hi.as_deref(), *at)
            }
        }
    }

    fn err(&self, msg: impl Into<String>) -> QueryError {
        QueryError::new(self.q, 0, msg)
    }

    fn text_query(
        &self,
        field: Option<&str>,
        text: &str,
        slop: Option<u32>,
        prefix: bool,
    ) -> Result<Box<dyn Query>, QueryError> {
        let f = &self.fields;
        match field {
            None => {
                // Default fields: title (boosted) and body.
                let decl = SchemaDecl::embedded();
                let mut alts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (name, fld) in [("title", f.title), ("body", f.body)] {
                    let boost = decl.field(name).and_then(|d| d.boost).unwrap_or(1.0);
                    if let Some(q) = self.analysed(fld, text, slop, prefix) {
                        let q: Box<dyn Query> = if (boost - 1.0).abs() > f32::EPSILON {
                            Box::new(BoostQuery::new(q, boost))
                        } else {
                            q
                        };
                        alts.push((Occur::Should, q));
                    }
                }
                if alts.is_empty() {
                    return Ok(Box::new(EmptyQuery));
                }
                Ok(Box::new(BooleanQuery::new(alts)))
            }
            Some("title") => Ok(self
                .analysed(f.title, text, slop, prefix)
                .unwrap_or_else(|| Box::new(EmptyQuery))),
            Some("body") => Ok(self
                .analysed(f.body, text, slop, prefix)
                .unwrap_or_else(|| Box::new(EmptyQuery))),
            Some("entity") => Ok(self
                .analysed(f.entity, text, slop, prefix)
                .unwrap_or_else(|| Box::new(EmptyQuery))),
            Some("id") => Ok(Box::new(TermQuery::new(
                Term::from_field_text(f.id, text),
                IndexRecordOption::Basic,
            ))),
            Some("date") => {
                let (lo, hi) = date_period(text).ok_or_else(|| {
                    self.err(format!(
                        "date: {text:?} is not a day, month or year (2020-03-06, 2020-03, 2020)"
                    ))
                })?;
                Ok(scored_date(date_range(f.date, Some(lo), Some(hi))))
            }
            Some(name) => {
                let fld = match name {
                    "source" => f.source,
                    "category" => f.category,
                    other => match EntityType::from_name(other) {
                        Some(t) if !prefix => {
                            let names = self.names.names(t, text);
                            return Ok(entity_query(self.tokenizers, f.entity_field(t), &names));
                        }
                        Some(t) => f.entity_field(t),
                        None => return Err(self.err(format!("unknown field {other}"))),
                    },
                };
                Ok(name_query(self.tokenizers, fld, text, prefix))
            }
        }
    }

    /// A word or phrase through the field's analyzer: one term, a phrase of
    /// several, or None when the text has no searchable token.
    fn analysed(
        &self,
        field: Field,
        text: &str,
        slop: Option<u32>,
        prefix: bool,
    ) -> Option<Box<dyn Query>> {
        if prefix {
            // Prefix of the folded (unstemmed) word against indexed terms.
            let folded = fold_ascii(&text.to_lowercase());
            let escaped: String = folded
                .chars()
                .flat_map(|c| {
                    if c.is_alphanumeric() {
                        vec![c]
                    } else {
                        vec!['\\', c]
                    }
                })
                .collect();
            return RegexQuery::from_pattern(&format!("{escaped}.*"), field)
                .ok()
                .map(|q| Box::new(ConstScoreQuery::new(Box::new(q), 1.0)) as Box<dyn Query>);
        }
        let mut analyzer = self.tokenizers.get("text_en")?;
        let mut stream = analyzer.token_stream(text);
        let mut terms: Vec<(usize, Term)> = Vec::new();
        while let Some(t) = stream.next() {
            terms.push((t.position, Term::from_field_text(field, &t.text)));
        }
        match terms.len() {
            0 => None,
            1 => {
                let (_, term) = terms.pop()?;
                Some(Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)))
            }
            _ => {
                let mut q = PhraseQuery::new_with_offset(terms);
                q.set_slop(slop.unwrap_or(0));
                Some(Box::new(q))
            }
        }
    }

    fn range(
        &self,
        field: &str,
        lo: Option<&str>,
        hi: Option<&str>,
        at: usize,
    ) -> Result<Box<dyn Query>, QueryError> {
        if field != "date" {
            return Err(QueryError::new(
                self.q,
                at,
                format!("ranges work on date only, not {field}"),
            ));
        }
        let bound = |s: Option<&str>, end: bool| -> Result<Option<i64>, QueryError> {
            match s {
                None => Ok(None),
                Some(s) => date_period(s)
                    .map(|(a, b)| Some(if end { b } else { a }))
                    .ok_or_else(|| QueryError::new(self.q, at, format!("date range: {s:?} is not a day, month or year (2020-03-06, 2020-03, 2020)"))),
            }
        };
        Ok(scored_date(date_range(
            self.fields.date,
            bound(lo, false)?,
            bound(hi, true)?,
        )))
    }
}

/// A date clause of the query language, scoring 1 in every matching
/// article, as a range query does in Lucene. Bare, its score would depend on
/// the segment: where every article of a segment is in the range, tantivy
/// gives the range an all-documents scorer, which a boolean query then
/// drops from its required clauses, so the clause scored 0 there and 1
/// elsewhere, and the same index ranked differently as merges changed.
fn scored_date(q: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(q, 1.0))
}

/// Articles dated in `[lo, hi)` (UTC seconds); None is open.
pub fn date_range(field: Field, lo: Option<i64>, hi: Option<i64>) -> Box<dyn Query> {
    use crate::ingest::date::{INDEX_MAX_SECS, INDEX_MIN_SECS};
    // Bounds past the years an index holds bound nothing (and would
    // overflow tantivy's nanoseconds); bounds beyond the other end are
    // kept inside them.
    let lo = lo
        .filter(|&s| s > INDEX_MIN_SECS)
        .map(|s| s.min(INDEX_MAX_SECS + 1));
    let hi = hi
        .filter(|&s| s <= INDEX_MAX_SECS)
        .map(|s| s.max(INDEX_MIN_SECS));
    let term = |s: i64| Term::from_field_date(field, DateTime::from_timestamp_secs(s));
    let lo = lo.map_or(Bound::Unbounded, |s| Bound::Included(term(s)));
    let hi = hi.map_or(Bound::Unbounded, |s| Bound::Excluded(term(s)));
    if matches!((&lo, &hi), (Bound::Unbounded, Bound::Unbounded)) {
        // Every dated article.
        return Box::new(tantivy::query::ExistsQuery::new("date".to_string(), false));
    }
    Box::new(RangeQuery::new(lo, hi))
}

/// Articles naming an entity under any of its `names` (from
/// [`crate::names::Resolver::names`]): one name's [`name_query`], or any
/// of several.
pub fn entity_query(tokenizers: &TokenizerManager, field: Field, names: &[&str]) -> Box<dyn Query> {
    match names {
        [one] => name_query(tokenizers, field, one, false),
        _ => Box::new(BooleanQuery::new(
            names
                .iter()
                .map(|n| (Occur::Should, name_query(tokenizers, field, n, false)))
                .collect(),
        )),
    }
}

/// A name as a keyword field holds it (the `name` analyzer: one token,
/// case and accents folded).
pub fn normal_name(tokenizers: &TokenizerManager, name: &str) -> String {
    match tokenizers.get("name") {
        Some(mut a) => {
            let mut s = a.token_stream(name.trim());
            s.next().map(|t| t.text.clone()).unwrap_or_default()
        }
        None => name.trim().to_lowercase(),
    }
}

/// Whole-name match on a keyword field (case and accents folded).
pub fn name_query(
    tokenizers: &TokenizerManager,
    field: Field,
    name: &str,
    prefix: bool,
) -> Box<dyn Query> {
    let normal = normal_name(tokenizers, name);
    if prefix {
        let escaped: String = normal
            .chars()
            .flat_map(|c| {
                if c.is_alphanumeric() || c == ' ' {
                    vec![c]
                } else {
                    vec!['\\', c]
                }
            })
            .collect();
        if let Ok(q) = RegexQuery::from_pattern(&format!("{escaped}.*"), field) {
            return Box::new(ConstScoreQuery::new(Box::new(q), 1.0));
        }
    }
    Box::new(TermQuery::new(
        Term::from_field_text(field, &normal),
        IndexRecordOption::Basic,
    ))
}

fn fold_ascii(s: &str) -> String {
    let mut a =
        tantivy::tokenizer::TextAnalyzer::builder(tantivy::tokenizer::RawTokenizer::default())
            .filter(tantivy::tokenizer::AsciiFoldingFilter)
            .build();
    let mut stream = a.token_stream(s);
    stream.next().map(|t| t.text.clone()).unwrap_or_default()
}
