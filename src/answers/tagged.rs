//! Entities tagged in articles given on the command line (`newsdex ner
//! tag`), not in an index: CoNLL files tagged in place, a plain text, or
//! JSON lines of articles, each written back with its mentions as JSON.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use serde_json::{Value, json};

use crate::analyze::model::Model;
use crate::analyze::ner::sentence_spans;
use crate::analyze::{EntityTagger, Mention, Part};
use crate::ingest::{self, FieldMap, FileError, Input, Limits};
use crate::train::{ConllDoc, iob2_tags};

/// Writes each CoNLL document with a predicted IOB2 tag added to each line.
pub fn tag_conll(model: &Model, docs: &[ConllDoc], out: &mut impl Write) -> std::io::Result<()> {
    for d in docs {
        for h in &d.header {
            writeln!(out, "{h} O\n")?;
        }
        let doc = d.doc();
        let labels = model.tag(&doc);
        let tags = iob2_tags(doc.words.len(), &sentence_spans(&labels, &doc.sentences));
        let mut k = 0;
        for s in &d.sentences {
            for t in s {
                writeln!(out, "{} {}", t.line, tags[k])?;
                k += 1;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

/// One mention as JSON: type, text, canonical name, byte offsets.
pub fn mention_json(m: &Mention) -> Value {
    json!({"type": m.kind.name(), "text": m.text, "canonical": m.canonical, "start": m.start, "end": m.end})
}

/// A plain text's mentions, as one JSON object with its `id`.
pub fn tag_text(tagger: &EntityTagger, id: &str, text: &str) -> Value {
    let mentions = tagger.analyze("", text);
    json!({"id": id, "entities": mentions.iter().map(mention_json).collect::<Vec<_>>()})
}

/// What [`tag_articles`] could not read.
#[derive(Default)]
pub struct Unread {
    /// Records rejected (each reported on stderr).
    pub rejected: u64,
    /// Files that could not be read, or were cut short.
    pub errors: Vec<FileError>,
}

/// Tags each article of a JSON lines input and writes a line per article:
/// its id, the body's mentions, and the title's when it has any.
pub fn tag_articles(
    tagger: &EntityTagger,
    input: &Arc<Input>,
    out: &mut impl Write,
) -> std::io::Result<Unread> {
    let map = FieldMap::default();
    let mut unread = Unread::default();
    let mut io_error: Option<std::io::Error> = None;
    ingest::read_input(
        input,
        Limits::default(),
        &Arc::new(AtomicU64::new(0)),
        &mut unread.errors,
        &mut |raw| {
            match ingest::parse_record(&raw, &map) {
                Err(reason) => {
                    eprintln!(
                        "newsdex: rejected {}:{}: {reason}",
                        raw.input.name, raw.line
                    );
                    unread.rejected += 1;
                }
                Ok((article, _)) => {
                    let mentions = tagger.analyze(&article.title, &article.body);
                    let part = |p: Part| -> Vec<Value> {
                        let of_part = mentions.iter().filter(|m| m.part == p);
                        of_part.map(mention_json).collect()
                    };
                    let title = part(Part::Title);
                    let mut v = json!({"id": article.id, "entities": part(Part::Body)});
                    if !title.is_empty() {
                        v["title_entities"] = json!(title);
                    }
                    if let Err(e) = writeln!(out, "{v}") {
                        io_error = Some(e);
                        return false;
                    }
                }
            }
            true
        },
    );
    match io_error {
        Some(e) => Err(e),
        None => Ok(unread),
    }
}
