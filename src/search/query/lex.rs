//! The lexer: a query string split into tokens with their byte offsets.

use super::{FIELDS, QueryError};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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
pub(super) fn lex(q: &str) -> Result<Vec<(Tok, usize)>, QueryError> {
    let lexer = Lexer {
        q,
        chars: q.char_indices().collect(),
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < lexer.chars.len() {
        let (pos, c) = lexer.chars[i];
        let word_follows = lexer.chars.get(i + 1).is_some_and(|x| !x.1.is_whitespace());
        let (tok, next) = match c {
            _ if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => (Tok::LParen, i + 1),
            ')' => (Tok::RParen, i + 1),
            '[' | '{' => (Tok::LBracket, i + 1),
            ']' | '}' => (Tok::RBracket, i + 1),
            '"' | '\u{201C}' | '\u{201D}' => lexer.phrase(i)?,
            '+' if word_follows => (Tok::Plus, i + 1),
            '-' if word_follows => (Tok::Minus, i + 1),
            _ => lexer.word(i)?,
        };
        out.push((tok, pos));
        i = next;
    }
    Ok(out)
}

/// The query's characters with their byte offsets; each method reads one
/// token starting at character `i` and returns it with the index after it.
struct Lexer<'a> {
    q: &'a str,
    chars: Vec<(usize, char)>,
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}')
}

fn is_special(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"' | '[' | ']')
}

impl Lexer<'_> {
    fn char(&self, i: usize) -> Option<char> {
        self.chars.get(i).map(|x| x.1)
    }

    fn offset(&self, i: usize) -> usize {
        self.chars.get(i).map_or(self.q.len(), |x| x.0)
    }

    fn error(&self, i: usize, message: impl Into<String>) -> QueryError {
        QueryError::new(self.q, self.offset(i), message)
    }

    /// A quoted phrase, with its slop when `~N` follows the closing quote.
    fn phrase(&self, i: usize) -> Result<(Tok, usize), QueryError> {
        let mut j = i + 1;
        let mut text = String::new();
        while let Some(c) = self.char(j).filter(|&c| !is_quote(c)) {
            text.push(c);
            j += 1;
        }
        if j >= self.chars.len() {
            return Err(self.error(i, "unclosed quote: a phrase needs a closing \""));
        }
        let mut slop = 0;
        if self.char(j + 1) == Some('~') {
            let mut k = j + 2;
            let mut digits = String::new();
            while let Some(c) = self.char(k).filter(char::is_ascii_digit) {
                digits.push(c);
                k += 1;
            }
            slop = digits.parse().map_err(|_| {
                self.error(
                    j + 1,
                    "~ after a phrase needs a number of words, as in \"a b\"~2",
                )
            })?;
            j = k - 1;
        }
        Ok((Tok::Phrase(text, slop), j + 1))
    }

    /// A field name with its colon, an operator, or a word.
    fn word(&self, i: usize) -> Result<(Tok, usize), QueryError> {
        let mut j = i;
        let mut text = String::new();
        while let Some(c) = self.char(j).filter(|&c| !is_special(c) && c != ':') {
            text.push(c);
            j += 1;
        }
        if self.char(j) == Some(':')
            && !text.is_empty()
            && text.chars().all(|c| c.is_alphabetic() || c == '_')
        {
            let lower = text.to_lowercase();
            if !FIELDS.contains(&lower.as_str()) {
                return Err(self.error(
                    i,
                    format!("unknown field '{text}'; fields are {}", FIELDS.join(", ")),
                ));
            }
            return Ok((Tok::Field(lower), j + 1));
        }
        // A colon that is not a field (10:30) stays in the word.
        while let Some(c) = self.char(j).filter(|&c| !is_special(c)) {
            text.push(c);
            j += 1;
        }
        let tok = match text.as_str() {
            "AND" | "&&" => Tok::And,
            "OR" | "||" => Tok::Or,
            "NOT" => Tok::Not,
            "TO" => Tok::To,
            _ => Tok::Word(text),
        };
        Ok((tok, j))
    }
}
