//! CoNLL column files: reading documents and gold chunks (IOB1 or IOB2),
//! gold BILOU labels for training, and IOB2 tags written back.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::analyze::EntityType;
use crate::analyze::ner::{Doc, Label, O, Pos, Span, label};
use crate::error::{Error, Result};

/// One line of a CoNLL file.
#[derive(Debug, Clone)]
pub struct ConllToken {
    /// The whole line as read.
    pub line: String,
    pub word: String,
    /// The last column, when there is more than one.
    pub tag: Option<String>,
}

/// A document: sentences of tokens.
#[derive(Debug, Clone, Default)]
pub struct ConllDoc {
    pub sentences: Vec<Vec<ConllToken>>,
    /// Lines (such as -DOCSTART-) kept to write them back in place.
    pub header: Vec<String>,
}

/// Reads a CoNLL column file (`.gz` too). `-DOCSTART-` lines split
/// documents, blank lines split sentences, the first column is the word and
/// the last the tag.
pub fn read_conll(path: &Path) -> Result<Vec<ConllDoc>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    parse_conll(BufReader::new(reader)).map_err(|e| Error::io(path, e))
}

/// Parses CoNLL text.
pub fn parse_conll(reader: impl BufRead) -> std::io::Result<Vec<ConllDoc>> {
    let mut docs = vec![ConllDoc::default()];
    let mut sentence: Vec<ConllToken> = Vec::new();
    for line in reader.lines() {
        let line = line?;
        let trimmed = line.trim_end_matches(['\r', '\n']).to_string();
        if trimmed.trim().is_empty() {
            if !sentence.is_empty() {
                docs.last_mut()
                    .unwrap_or(&mut ConllDoc::default())
                    .sentences
                    .push(std::mem::take(&mut sentence));
            }
            continue;
        }
        let cols: Vec<&str> = trimmed.split_whitespace().collect();
        if cols[0] == "-DOCSTART-" {
            if !sentence.is_empty()
                && let Some(d) = docs.last_mut()
            {
                d.sentences.push(std::mem::take(&mut sentence));
            }
            if docs
                .last()
                .is_some_and(|d| !d.sentences.is_empty() || !d.header.is_empty())
            {
                docs.push(ConllDoc::default());
            }
            if let Some(d) = docs.last_mut() {
                d.header.push(trimmed.clone());
            }
            continue;
        }
        sentence.push(ConllToken {
            word: cols[0].to_string(),
            tag: (cols.len() > 1).then(|| cols[cols.len() - 1].to_string()),
            line: trimmed.clone(),
        });
    }
    if !sentence.is_empty()
        && let Some(d) = docs.last_mut()
    {
        d.sentences.push(sentence);
    }
    docs.retain(|d| !d.sentences.is_empty() || !d.header.is_empty());
    Ok(docs)
}

impl ConllDoc {
    /// The words and sentence starts as a tagger document.
    pub fn doc(&self) -> Doc<'_> {
        let words: Vec<&str> = self
            .sentences
            .iter()
            .flatten()
            .map(|t| t.word.as_str())
            .collect();
        let starts = self
            .sentences
            .iter()
            .flat_map(|s| (0..s.len()).map(|i| i == 0));
        Doc::new(words, starts)
    }

    /// Gold chunks from the tag column (IOB1 or IOB2, as conlleval reads).
    pub fn gold_chunks(&self) -> Vec<(usize, usize, String)> {
        let mut out = Vec::new();
        let mut offset = 0;
        for s in &self.sentences {
            let tags: Vec<&str> = s.iter().map(|t| t.tag.as_deref().unwrap_or("O")).collect();
            for (a, b, t) in iob_chunks(&tags) {
                out.push((a + offset, b + offset, t));
            }
            offset += s.len();
        }
        out
    }
}

/// Chunks of an IOB tag sequence, as conlleval finds them: a chunk starts at
/// B-, or at I- after O or after another type.
pub fn iob_chunks(tags: &[&str]) -> Vec<(usize, usize, String)> {
    let parse = |t: &str| -> (char, String) {
        match t.split_once('-') {
            Some((p, ty)) => (p.chars().next().unwrap_or('O'), ty.to_string()),
            None => ('O', String::new()),
        }
    };
    let mut out = Vec::new();
    let mut open: Option<(usize, String)> = None;
    let mut prev: (char, String) = ('O', String::new());
    for (i, t) in tags.iter().enumerate() {
        let cur = parse(t);
        let starts = match cur.0 {
            'B' | 'U' | 'S' => true,
            'I' | 'L' | 'E' => {
                prev.0 == 'O' || prev.1 != cur.1 || matches!(prev.0, 'L' | 'U' | 'E' | 'S')
            }
            _ => false,
        };
        let ends_prev = open.is_some() && (cur.0 == 'O' || starts);
        if ends_prev && let Some((s, ty)) = open.take() {
            out.push((s, i, ty));
        }
        if starts {
            open = Some((i, cur.1.clone()));
        }
        if matches!(cur.0, 'L' | 'U' | 'E' | 'S')
            && let Some((s, ty)) = open.take()
        {
            out.push((s, i + 1, ty));
        }
        prev = cur;
    }
    if let Some((s, ty)) = open {
        out.push((s, tags.len(), ty));
    }
    out
}

/// BILOU labels for a document from its gold chunks.
pub(super) fn gold_labels(doc: &ConllDoc) -> Vec<Label> {
    let n: usize = doc.sentences.iter().map(Vec::len).sum();
    let mut labels = vec![O; n];
    for (a, b, ty) in doc.gold_chunks() {
        let Some(t) = EntityType::from_conll(&ty) else {
            continue;
        };
        if b - a == 1 {
            labels[a] = label(t, Pos::U);
        } else {
            labels[a] = label(t, Pos::B);
            for l in &mut labels[a + 1..b - 1] {
                *l = label(t, Pos::I);
            }
            labels[b - 1] = label(t, Pos::L);
        }
    }
    labels
}

/// IOB2 tags (`B-PER`, `I-PER`, `O`) from predicted spans.
pub fn iob2_tags(n: usize, spans: &[Span]) -> Vec<String> {
    let mut tags = vec!["O".to_string(); n];
    for s in spans {
        tags[s.start] = format!("B-{}", s.kind.conll());
        for t in &mut tags[s.start + 1..s.end] {
            *t = format!("I-{}", s.kind.conll());
        }
    }
    tags
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(crate) const SAMPLE: &str = "-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\nGerman JJ I-NP I-MISC\ncall NN I-NP O\n\nPeter NNP I-NP I-PER\nBlackburn NNP I-NP I-PER\n\n-DOCSTART- -X- O O\n\nBRUSSELS NNP I-NP I-LOC\n";

    #[test]
    fn reads_documents_and_sentences() {
        let docs = parse_conll(SAMPLE.as_bytes()).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].sentences.len(), 2);
        assert_eq!(
            docs[0].gold_chunks(),
            [
                (0, 1, "ORG".into()),
                (2, 3, "MISC".into()),
                (4, 6, "PER".into())
            ]
        );
        assert_eq!(docs[1].gold_chunks(), [(0, 1, "LOC".into())]);
    }

    #[test]
    fn iob1_and_iob2_chunks_as_conlleval() {
        assert_eq!(
            iob_chunks(&["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG"]),
            [
                (0, 2, "PER".into()),
                (2, 3, "PER".into()),
                (4, 5, "LOC".into()),
                (5, 6, "ORG".into())
            ]
        );
        assert_eq!(iob_chunks(&["B-PER", "I-PER", "O"]), [(0, 2, "PER".into())]);
    }
}
