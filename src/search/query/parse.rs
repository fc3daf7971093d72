//! The recursive-descent parser: tokens in, a [`Node`] tree out.

use tantivy::query::Occur;

use super::lex::{Tok, lex};
use super::{Node, QueryError};

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
        let mut groups: Vec<Vec<Clause>> = vec![Vec::new()];
        loop {
            match self.peek() {
                None | Some(Tok::RParen) => break,
                Some(Tok::Or) => {
                    self.binary("OR", &groups)?;
                    groups.push(Vec::new());
                }
                Some(Tok::And) => {
                    self.binary("AND", &groups)?;
                    // Explicit AND: the next clause joins this group.
                    let clause = self.unary(field)?;
                    groups.last_mut().expect("never empty").push(clause);
                }
                Some(_) => {
                    let clause = self.unary(field)?;
                    let group = groups.last_mut().expect("never empty");
                    if self.any && !group.is_empty() {
                        groups.push(vec![clause]);
                    } else {
                        group.push(clause);
                    }
                }
            }
        }
        Ok(join(groups))
    }

    /// Steps over AND or OR, which need a term on both sides.
    fn binary(&mut self, op: &str, groups: &[Vec<Clause>]) -> Result<(), QueryError> {
        let p = self.pos();
        self.at += 1;
        if groups.last().is_none_or(Vec::is_empty) {
            return Err(self.err(p, format!("{op} needs a term on its left")));
        }
        if matches!(
            self.peek(),
            None | Some(Tok::RParen) | Some(Tok::Or) | Some(Tok::And)
        ) {
            return Err(self.err(p, format!("{op} needs a term on its right")));
        }
        Ok(())
    }

    /// Returns the clause, its occurrence, and whether +/-/NOT was explicit.
    fn unary(&mut self, field: Option<&str>) -> Result<Clause, QueryError> {
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

/// A clause, its occurrence, and whether +, - or NOT made it explicit.
type Clause = (Occur, Node, bool);

/// The node of one level's OR groups (each a list of ANDed clauses).
fn join(mut groups: Vec<Vec<Clause>>) -> Node {
    groups.retain(|g| !g.is_empty());
    if groups.len() == 1 {
        let g = groups.pop().unwrap_or_default();
        if g.len() == 1 && g[0].0 != Occur::MustNot {
            return g
                .into_iter()
                .next()
                .map(|x| x.1)
                .unwrap_or(Node::Bool(vec![]));
        }
        return Node::Bool(g.into_iter().map(|(o, n, _)| (o, n)).collect());
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
    Node::Bool(clauses)
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
