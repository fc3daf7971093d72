//! `newsdex ner tag`: a CoNLL file, a plain text or JSON lines of articles
//! in, the entities the tagger finds out; exit 3 when records were rejected.

use std::io::{Read, Write};
use std::sync::Arc;

use crate::analyze::EntityTagger;
use crate::analyze::canon::Aliases;
use crate::analyze::model::Model;
use crate::answers::tagged::{tag_articles, tag_conll, tag_text};
use crate::cli::NerTagArgs;
use crate::error::{Error, ExitCode};
use crate::ingest::{Format, Input};
use crate::train::read_conll;

pub fn run(a: NerTagArgs) -> anyhow::Result<ExitCode> {
    let model = Model::load(a.model.as_deref())?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if let Some(path) = &a.conll {
        tag_conll(&model, &read_conll(path)?, &mut out)?;
        out.flush()?;
        return Ok(ExitCode::Success);
    }
    let aliases = match &a.aliases {
        Some(p) => Aliases::load(p)?,
        None => Aliases::default(),
    };
    let tagger = EntityTagger { model, aliases };
    let stdin = a.input.as_os_str() == "-";
    if a.text {
        let mut text = String::new();
        if stdin {
            std::io::stdin().read_to_string(&mut text)?;
        } else {
            text = std::fs::read_to_string(&a.input).map_err(|e| Error::io(&a.input, e))?;
        }
        let id = if stdin {
            "-".to_string()
        } else {
            a.input.display().to_string()
        };
        writeln!(out, "{}", tag_text(&tagger, &id, &text))?;
        out.flush()?;
        return Ok(ExitCode::Success);
    }
    let input = Arc::new(Input {
        path: a.input.clone(),
        name: if stdin {
            "<stdin>".into()
        } else {
            a.input.display().to_string()
        },
        format: Format::Jsonl,
        gzip: a.input.extension().is_some_and(|e| e == "gz"),
        rel_id: None,
        size: 0,
    });
    let unread = tag_articles(&tagger, &input, &mut out)?;
    out.flush()?;
    for e in &unread.errors {
        eprintln!("newsdex: error: {}: {}", e.name, e.message);
    }
    Ok(if unread.rejected > 0 || !unread.errors.is_empty() {
        ExitCode::SomeRejected
    } else {
        ExitCode::Success
    })
}
