//! The query language: a query string in, a tantivy [`Query`] out, or a
//! [`QueryError`] that says where and why.
//!
//! ```text
//! query  := or
//! or     := and ("OR" and)*
//! and    := unary (["AND"] unary)*       adjacency is the default operator
//! unary  := ("NOT" | "-" | "+") unary | atom
//! atom   := "(" query ")" | FIELD ":" value | value
//! value  := WORD | WORD* | "\"" PHRASE "\"" ["~" N] | "[" A "TO" B "]" | "(" query ")"
//! ```
//! Fields: title, body, entity (full text); person, org, location, misc
//! (canonical entity names, whole-name match, any case); source, category;
//! id; date (a day, month or year, or a range `[2020-01-01 TO 2020-03-31]`,
//! `*` for an open end).

use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query,
    RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term};
use tantivy::tokenizer::TokenizerManager;
use tantivy::{DateTime, Index};

use crate::analyze::EntityType;
use crate::schema::{Fields, SchemaDecl};

/// A query that does not parse: the message and the character column (1-based).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("query error at column {column}: {message}\n  {query}\n  {caret}")]
pub struct QueryError {
    pub column: usize,
    pub message: String,
    pub query: String,
    pub caret: String,
}

impl QueryError {
    fn new(query: &str, at: usize, message: impl Into<String>) -> QueryError {
        let column = query[..at.min(query.len())].chars().count() + 1;
        QueryError {
            column,
            message: message.into(),
            query: query.to_string(),
            caret: format!("{}^", " ".repeat(column - 1)),
        }
    }
}

/// Parsed query, before it meets the index.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A word; `prefix` when it ended with `*`.
    Word {
        field: Option<String>,
        text: String,
        prefix: bool,
    },
    Phrase {
        field: Option<String>,
        text: String,
        slop: u32,
    },
    Range {
        field: String,
        lo: Option<String>,
        hi: Option<String>,
        at: usize,
    },
    /// Clauses with their occurrence.
    Bool(Vec<(Occur, Node)>),
}

/// Names of the fields a query may name.
pub const FIELDS: &[&str] = &[
    "title", "body", "entity", "person", "org", "location", "misc", "source", "category", "id",
    "date",
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Phrase(String, u32),
    Field(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    And,
    Or,
    Not,
    Plus,
    Minus,
    To,
}

/// Splits a query into tokens with their byte offsets.
fn lex(q: &str) -> Result<Vec<(Tok, usize)>, QueryError> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = q.char_indices().collect();
    let n = chars.len();
    let mut i = 0;
    let at = |i: usize| if i < n { chars[i].0 } else { q.len() };
    let special = |c: char| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '[' | ']');
    while i < n {
        let (pos, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => out.push((Tok::LParen, pos)),
            ')' => out.push((Tok::RParen, pos)),
            '[' | '{' => out.push((Tok::LBracket, pos)),
            ']' | '}' => out.push((Tok::RBracket, pos)),
            '"' | '\u{201C}' | '\u{201D}' => {
                let mut j = i + 1;
                let mut text = String::new();
                while j < n && !matches!(chars[j].1, '"' | '\u{201C}' | '\u{201D}') {
                    text.push(chars[j].1);
                    j += 1;
                }
                if j >= n {
                    return Err(QueryError::new(
                        q,
                        pos,
                        "unclosed quote: a phrase needs a closing \"",
                    ));
                }
                let mut slop = 0;
                if j + 1 < n && chars[j + 1].1 == '~' {
                    let mut k = j + 2;
                    let mut digits = String::new();
                    while k < n && chars[k].1.is_ascii_digit() {
                        digits.push(chars[k].1);
                        k += 1;
                    }
                    slop = digits.parse().map_err(|_| {
                        QueryError::new(
                            q,
                            at(j + 1),
                            "~ after a phrase needs a number of words, as in \"a b\"~2",
                        )
                    })?;
                    j = k - 1;
                }
                out.push((Tok::Phrase(text, slop), pos));
                i = j + 1;
                continue;
            }
            '+' if i + 1 < n && !chars[i + 1].1.is_whitespace() => out.push((Tok::Plus, pos)),
            '-' if i + 1 < n && !chars[i + 1].1.is_whitespace() => out.push((Tok::Minus, pos)),
            _ => {
                let mut j = i;
                let mut text = String::new();
                while j < n && !special(chars[j].1) {
                    if chars[j].1 == ':' {
                        break;
                    }
                    text.push(chars[j].1);
                    j += 1;
                }
                if j < n
                    && chars[j].1 == ':'
                    && !text.is_empty()
                    && text.chars().all(|c| c.is_alphabetic() || c == '_')
                {
                    let lower = text.to_lowercase();
                    if !FIELDS.contains(&lower.as_str()) {
                        return Err(QueryError::new(
                            q,
                            pos,
                            format!("unknown field '{text}'; fields are {}", FIELDS.join(", ")),
                        ));
                    }
                    out.push((Tok::Field(lower), pos));
                    i = j + 1;
                    continue;
                }
                // A colon that is not a field (10:30) stays in the word.
                while j < n && !special(chars[j].1) {
                    text.push(chars[j].1);
                    j += 1;
                }
                let tok = match text.as_str() {
                    "AND" | "&&" => Tok::And,
                    "OR" | "||" => Tok::Or,
                    "NOT" => Tok::Not,
                    "TO" => Tok::To,
                    _ => Tok::Word(text),
                };
                out.push((tok, pos));
                i = j;
                continue;
            }
        }
        i += 1;
    }
    Ok(out)
}

struct Parser<'a> {
    q: &'a str,
    toks: Vec<(Tok, usize)>,
    at: usize,
    any: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|t| &t.0)
    }
    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.q.len(), |t| t.1)
    }
    fn err(&self, at: usize, msg: impl Into<String>) -> QueryError {
        QueryError::new(self.q, at, msg)
    }

    /// or := and ("OR" and)*; adjacency with `--any` acts as OR too.
    fn or(&mut self, field: Option<&str>) -> Result<Node, QueryError> {
        let mut groups: Vec<Vec<(Occur, Node, bool)>> = vec![Vec::new()];
        loop {
            match self.peek() {
                None | Some(Tok::RParen) => break,
                Some(Tok::Or) => {
                    let p = self.pos();
                    self.at += 1;
                    if groups.last().is_none_or(Vec::is_empty) {
                        return Err(self.err(p, "OR needs a term on its left"));
                    }
                    if matches!(
                        self.peek(),
                        None | Some(Tok::RParen) | Some(Tok::Or) | Some(Tok::And)
                    ) {
                        return Err(self.err(p, "OR needs a term on its right"));
                    }
                    groups.push(Vec::new());
                    continue;
                }
                Some(Tok::And) => {
                    let p = self.pos();
                    self.at += 1;
                    if groups.last().is_none_or(Vec::is_empty) {
                        return Err(self.err(p, "AND needs a term on its left"));
                    }
                    if matches!(
                        self.peek(),
                        None | Some(Tok::RParen) | Some(Tok::Or) | Some(Tok::And)
                    ) {
                        return Err(self.err(p, "AND needs a term on its right"));
                    }
                    // Explicit AND: the next clause joins this group.
                    let (occ, node, explicit) = self.unary(field)?;
                    if let Some(g) = groups.last_mut() {
                        g.push((occ, node, explicit));
                    }
                    continue;
                }
                Some(_) => {
                    let (occ, node, explicit) = self.unary(field)?;
                    let group = groups.last_mut().expect("never empty");
                    if self.any && !group.is_empty() {
                        groups.push(vec![(occ, node, explicit)]);
                    } else {
                        group.push((occ, node, explicit));
                    }
                }
            }
        }
        groups.retain(|g| !g.is_empty());
        if groups.len() == 1 {
            let g = groups.pop().unwrap_or_default();
            if g.len() == 1 && g[0].0 != Occur::MustNot {
                return Ok(g
                    .into_iter()
                    .next()
                    .map(|x| x.1)
                    .unwrap_or(Node::Bool(vec![])));
            }
            return Ok(Node::Bool(g.into_iter().map(|(o, n, _)| (o, n)).collect()));
        }
        // Several OR groups: a lone +x or -x group is a requirement of the
        // whole level (as in Lucene); the rest are alternatives.
        let mut clauses = Vec::new();
        for g in groups {
            if g.len() == 1 && g[0].2 {
                let (o, n, _) =
                    g.into_iter()
                        .next()
                        .unwrap_or((Occur::Should, Node::Bool(vec![]), false));
                clauses.push((o, n));
            } else if g.len() == 1 {
                clauses.push((
                    Occur::Should,
                    g.into_iter()
                        .next()
                        .map(|x| x.1)
                        .unwrap_or(Node::Bool(vec![])),
                ));
            } else {
                clauses.push((
                    Occur::Should,
                    Node::Bool(g.into_iter().map(|(o, n, _)| (o, n)).collect()),
                ));
            }
        }
        Ok(Node::Bool(clauses))
    }

    /// Returns the clause, its occurrence, and whether +/-/NOT was explicit.
    fn unary(&mut self, field: Option<&str>) -> Result<(Occur, Node, bool), QueryError> {
        match self.peek() {
            Some(Tok::Not) | Some(Tok::Minus) => {
                let p = self.pos();
                self.at += 1;
                if matches!(
                    self.peek(),
                    None | Some(Tok::RParen) | Some(Tok::And) | Some(Tok::Or)
                ) {
                    return Err(self.err(p, "NOT (or -) needs a term after it"));
                }
                let (_, node, _) = self.unary(field)?;
                Ok((Occur::MustNot, node, true))
            }
            Some(Tok::Plus) => {
                let p = self.pos();
                self.at += 1;
                if matches!(
                    self.peek(),
                    None | Some(Tok::RParen) | Some(Tok::And) | Some(Tok::Or)
                ) {
                    return Err(self.err(p, "+ needs a term after it"));
                }
                let (_, node, _) = self.unary(field)?;
                Ok((Occur::Must, node, true))
            }
            _ => Ok((
                if self.any { Occur::Should } else { Occur::Must },
                self.atom(field)?,
                false,
            )),
        }
    }

    fn atom(&mut self, field: Option<&str>) -> Result<Node, QueryError> {
        let p = self.pos();
        let Some((tok, _)) = self.toks.get(self.at).cloned() else {
            return Err(self.err(p, "expected a term"));
        };
        self.at += 1;
        match tok {
            Tok::LParen => {
                let node = self.or(field)?;
                match self.peek() {
                    Some(Tok::RParen) => {
                        self.at += 1;
                        Ok(node)
                    }
                    _ => Err(self.err(p, "unclosed parenthesis: ( needs a matching )")),
                }
            }
            Tok::RParen => Err(self.err(p, "unexpected ): there is no ( to close")),
            Tok::Field(f) => {
                if field.is_some() {
                    return Err(self.err(
                        p,
                        format!("field {f}: is inside another field's parentheses"),
                    ));
                }
                match self.peek() {
                    None => Err(self.err(p, format!("expected a value after {f}:"))),
                    Some(Tok::LBracket) => {
                        self.at += 1;
                        self.range(&f, p)
                    }
                    Some(Tok::Word(_) | Tok::Phrase(..) | Tok::LParen | Tok::To) => {
                        self.atom(Some(&f))
                    }
                    Some(_) => Err(self.err(self.pos(), format!("expected a value after {f}:"))),
                }
            }
            Tok::Word(w) => {
                let (text, prefix) = match w.strip_suffix('*') {
                    Some(stem) if !stem.is_empty() && !stem.contains('*') => {
                        (stem.to_string(), true)
                    }
                    _ => (w, false),
                };
                Ok(Node::Word {
                    field: field.map(str::to_string),
                    text,
                    prefix,
                })
            }
            Tok::To => Ok(Node::Word {
                field: field.map(str::to_string),
                text: "TO".into(),
                prefix: false,
            }),
            Tok::Phrase(text, slop) => Ok(Node::Phrase {
                field: field.map(str::to_string),
                text,
                slop,
            }),
            Tok::LBracket => Err(self.err(
                p,
                "a range [A TO B] needs a field, as in date:[2020-01-01 TO 2020-03-31]",
            )),
            Tok::RBracket => Err(self.err(p, "unexpected ]")),
            Tok::And | Tok::Or | Tok::Not | Tok::Plus | Tok::Minus => {
                Err(self.err(p, "expected a term"))
            }
        }
    }

    fn range(&mut self, field: &str, start: usize) -> Result<Node, QueryError> {
        let bound = |this: &mut Self| -> Result<Option<String>, QueryError> {
            let p = this.pos();
            match this.toks.get(this.at).cloned() {
                Some((Tok::Word(w), _)) => {
                    this.at += 1;
                    Ok((w != "*").then_some(w))
                }
                _ => Err(this.err(p, "a range is [A TO B], with * for an open end")),
            }
        };
        let lo = bound(self)?;
        if self.peek() != Some(&Tok::To) {
            return Err(self.err(self.pos(), "expected TO in the range [A TO B]"));
        }
        self.at += 1;
        let hi = bound(self)?;
        if self.peek() != Some(&Tok::RBracket) {
            return Err(self.err(self.pos(), "expected ] to close the range"));
        }
        self.at += 1;
        Ok(Node::Range {
            field: field.to_string(),
            lo,
            hi,
            at: start,
        })
    }
}

/// Parses a query string. `any`: adjacent terms are ORed instead of ANDed.
pub fn parse(q: &str, any: bool) -> Result<Node, QueryError> {
    let toks = lex(q)?;
    let mut p = Parser {
        q,
        toks,
        at: 0,
        any,
    };
    if p.toks.is_empty() {
        return Err(QueryError::new(q, 0, "empty query"));
    }
    let node = p.or(None)?;
    if let Some(Tok::RParen) = p.peek() {
        return Err(p.err(p.pos(), "unexpected ): there is no ( to close"));
    }
    Ok(node)
}

/// Turns parsed queries into tantivy queries against one index.
pub struct Builder<'a> {
    pub fields: Fields,
    pub tokenizers: &'a TokenizerManager,
    pub q: &'a str,
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
                Ok(date_range(f.date, Some(lo), Some(hi)))
            }
            Some(name) => {
                let fld = match name {
                    "source" => f.source,
                    "category" => f.category,
                    other => match EntityType::from_name(other) {
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
        Ok(date_range(
            self.fields.date,
            bound(lo, false)?,
            bound(hi, true)?,
        ))
    }
}

/// Articles dated in `[lo, hi)` (UTC seconds); None is open.
pub fn date_range(field: Field, lo: Option<i64>, hi: Option<i64>) -> Box<dyn Query> {
    let term = |s: i64| Term::from_field_date(field, DateTime::from_timestamp_secs(s));
    let lo = lo.map_or(Bound::Unbounded, |s| Bound::Included(term(s)));
    let hi = hi.map_or(Bound::Unbounded, |s| Bound::Excluded(term(s)));
    if matches!((&lo, &hi), (Bound::Unbounded, Bound::Unbounded)) {
        // Every dated article.
        return Box::new(tantivy::query::ExistsQuery::new("date".to_string(), false));
    }
    Box::new(RangeQuery::new(lo, hi))
}

/// Whole-name match on a keyword field (case and accents folded).
pub fn name_query(
    tokenizers: &TokenizerManager,
    field: Field,
    name: &str,
    prefix: bool,
) -> Box<dyn Query> {
    let normal = match tokenizers.get("name") {
        Some(mut a) => {
            let mut s = a.token_stream(name.trim());
            s.next().map(|t| t.text.clone()).unwrap_or_default()
        }
        None => name.trim().to_lowercase(),
    };
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

/// Parses and builds a query for an index.
pub fn compile(
    index: &Index,
    fields: Fields,
    q: &str,
    any: bool,
) -> Result<Box<dyn Query>, QueryError> {
    let node = parse(q, any)?;
    let builder = Builder {
        fields,
        tokenizers: index.tokenizers(),
        q,
    };
    builder.build(&node)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(t: &str) -> Node {
        Node::Word {
            field: None,
            text: t.into(),
            prefix: false,
        }
    }

    #[test]
    fn default_and_with_or_groups() {
        assert_eq!(parse("a", false).unwrap(), w("a"));
        assert_eq!(
            parse("a b", false).unwrap(),
            Node::Bool(vec![(Occur::Must, w("a")), (Occur::Must, w("b"))])
        );
        assert_eq!(
            parse("a OR b c", false).unwrap(),
            Node::Bool(vec![
                (Occur::Should, w("a")),
                (
                    Occur::Should,
                    Node::Bool(vec![(Occur::Must, w("b")), (Occur::Must, w("c"))])
                ),
            ])
        );
        assert_eq!(
            parse("a b", true).unwrap(),
            Node::Bool(vec![(Occur::Should, w("a")), (Occur::Should, w("b"))])
        );
    }

    #[test]
    fn not_plus_minus_and_fields() {
        assert_eq!(
            parse("a -b", false).unwrap(),
            Node::Bool(vec![(Occur::Must, w("a")), (Occur::MustNot, w("b"))])
        );
        assert_eq!(
            parse("a AND NOT b", false).unwrap(),
            Node::Bool(vec![(Occur::Must, w("a")), (Occur::MustNot, w("b"))])
        );
        assert_eq!(
            parse("+a b", true).unwrap(),
            Node::Bool(vec![(Occur::Must, w("a")), (Occur::Should, w("b"))])
        );
        assert_eq!(
            parse("person:\"Vladimir Putin\"", false).unwrap(),
            Node::Phrase {
                field: Some("person".into()),
                text: "Vladimir Putin".into(),
                slop: 0
            }
        );
        assert_eq!(
            parse("\"de-escalation zone\"~2", false).unwrap(),
            Node::Phrase {
                field: None,
                text: "de-escalation zone".into(),
                slop: 2
            }
        );
        assert_eq!(
            parse("date:[2020-01-01 TO *]", false).unwrap(),
            Node::Range {
                field: "date".into(),
                lo: Some("2020-01-01".into()),
                hi: None,
                at: 0
            }
        );
        assert_eq!(parse("10:30", false).unwrap(), w("10:30"));
    }

    fn err(q: &str) -> (usize, String) {
        let e = parse(q, false).unwrap_err();
        (e.column, e.message)
    }

    #[test]
    fn errors_say_where_and_why() {
        assert_eq!(
            err("\"unclosed"),
            (1, "unclosed quote: a phrase needs a closing \"".into())
        );
        assert_eq!(
            err("a (b c"),
            (3, "unclosed parenthesis: ( needs a matching )".into())
        );
        assert_eq!(
            err("a b)"),
            (4, "unexpected ): there is no ( to close".into())
        );
        assert_eq!(err("a AND"), (3, "AND needs a term on its right".into()));
        assert_eq!(err("OR a"), (1, "OR needs a term on its left".into()));
        assert_eq!(err("foo:bar").0, 1);
        assert!(err("foo:bar").1.starts_with("unknown field 'foo'"));
        assert_eq!(err("title:"), (1, "expected a value after title:".into()));
        assert_eq!(
            err("date:[2020 2021]"),
            (12, "expected TO in the range [A TO B]".into())
        );
        assert_eq!(err(""), (1, "empty query".into()));
        assert_eq!(
            err("\"a b\"~x"),
            (
                6,
                "~ after a phrase needs a number of words, as in \"a b\"~2".into()
            )
        );
    }

    #[test]
    fn error_caret_points_at_the_column() {
        let e = parse("putin AND", false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "query error at column 7: AND needs a term on its right\n  putin AND\n        ^"
        );
    }

    #[test]
    fn date_periods() {
        let (a, b) = date_period("2020").unwrap();
        assert_eq!(crate::ingest::date::format_day(a), "2020-01-01");
        assert_eq!(crate::ingest::date::format_day(b), "2021-01-01");
        let (a, b) = date_period("2020-02").unwrap();
        assert_eq!(
            (
                crate::ingest::date::format_day(a),
                crate::ingest::date::format_day(b)
            ),
            ("2020-02-01".into(), "2020-03-01".into())
        );
        let (a, b) = date_period("2020-12-31").unwrap();
        assert_eq!(b - a, 86400);
        assert!(date_period("2020-13").is_none());
        assert!(date_period("yesterday").is_none());
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;

    /// Random and mutated queries never panic the parser or the query
    /// builder, and every error points inside the query.
    #[test]
    fn random_queries_never_panic() {
        let decl = SchemaDecl::embedded();
        let index = Index::create_in_ram(decl.build().unwrap());
        decl.register_analyzers(index.tokenizers()).unwrap();
        let fields = Fields::resolve(&index.schema()).unwrap();
        let pieces = [
            "putin",
            "Erdoğan",
            "\"",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            " ",
            "  ",
            "AND",
            "OR",
            "NOT",
            "TO",
            "+",
            "-",
            "*",
            "~",
            "~2",
            ":",
            "title:",
            "person:",
            "date:",
            "date:[",
            "2020-01-01",
            "2020",
            "*",
            "&&",
            "||",
            "\\",
            "é",
            "日本",
            "\u{201C}",
            "\u{201D}",
            "10:30",
            "al-Sham",
            "'",
            "x:",
            "source:",
            "id:",
            "\t",
            "\n",
            "🙂",
        ];
        let mut rng = crate::testutil::Rng::new(0x9E37_79B9_7F4A_7C15u64);
        let mut next = |n: usize| rng.below(n);
        for case in 0..100_000 {
            let mut q = String::new();
            for _ in 0..next(8) {
                if case % 3 == 0 {
                    // Raw random characters, any Unicode scalar.
                    if let Some(c) = char::from_u32(next(0x3000) as u32) {
                        q.push(c);
                    }
                } else {
                    q.push_str(pieces[next(pieces.len())]);
                }
            }
            match parse(&q, case % 2 == 0) {
                Ok(node) => {
                    let builder = Builder {
                        fields,
                        tokenizers: index.tokenizers(),
                        q: &q,
                    };
                    if let Err(e) = builder.build(&node) {
                        assert!(e.column <= q.chars().count() + 1, "{q:?}: {e}");
                    }
                }
                Err(e) => assert!(e.column <= q.chars().count() + 1, "{q:?}: {e}"),
            }
        }
    }
}
