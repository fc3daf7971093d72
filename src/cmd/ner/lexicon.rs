//! `newsdex ner lexicon`: unlabelled news and CoNLL files in, a lexicon
//! (word clusters and casing statistics) out, as a model file without
//! weights.

use std::time::Instant;

use serde_json::json;

use crate::cli::NerLexiconArgs;
use crate::error::{Error, ExitCode};
use crate::train::clusters::Counter;
use crate::train::corpus::{count_articles, count_conll, lexicon_model};

pub fn run(a: NerLexiconArgs) -> anyhow::Result<ExitCode> {
    let mut counter = Counter::default();
    for path in &a.corpus {
        count_articles(&mut counter, path);
        eprintln!("{}: {} tokens so far", path.display(), counter.tokens);
    }
    for path in &a.conll {
        count_conll(&mut counter, path)?;
        eprintln!("{}: {} tokens so far", path.display(), counter.tokens);
    }
    let started = Instant::now();
    let lexicon = counter.into_lexicon(a.min_count, [64, 256, 1000], a.iterations, &mut |s| {
        eprintln!("{s} ({:.0} s)", started.elapsed().as_secs_f64());
    });
    let files: Vec<_> = a
        .corpus
        .iter()
        .map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let info = json!({"lexicon_from": files, "min_count": a.min_count}).to_string();
    let model = lexicon_model(lexicon, info);
    let bytes = model.to_bytes();
    std::fs::write(&a.output, &bytes).map_err(|e| Error::io(&a.output, e))?;
    eprintln!(
        "wrote {} ({:.1} MB): {} clustered words, {} casing entries",
        a.output.display(),
        bytes.len() as f64 / 1e6,
        model.lexicon.clusters.len(),
        model.lexicon.casing.len()
    );
    Ok(ExitCode::Success)
}
