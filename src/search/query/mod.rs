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

mod build;
mod lex;
mod parse;

use tantivy::Index;
use tantivy::query::{Occur, Query};

#[cfg(test)]
use crate::schema::SchemaDecl;

use crate::schema::Fields;

pub use build::{Builder, date_period, date_range, entity_query, name_query, normal_name};
pub use parse::parse;

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

/// Parses and builds a query for an index.
pub fn compile(
    index: &Index,
    fields: Fields,
    q: &str,
    any: bool,
    names: &crate::names::Resolver,
) -> Result<Box<dyn Query>, QueryError> {
    let node = parse(q, any)?;
    let builder = Builder {
        fields,
        tokenizers: index.tokenizers(),
        q,
        names,
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
                        names: &Default::default(),
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
