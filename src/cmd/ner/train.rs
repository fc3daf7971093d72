//! `newsdex ner train`: CoNLL train and dev files, a lexicon and
//! gazetteers in, a model file out; a line per epoch on stdout.

use std::io::Write;
use std::time::Instant;

use anyhow::Context;

use crate::analyze::lexicon::Lexicon;
use crate::analyze::model::Model;
use crate::cli::NerTrainArgs;
use crate::error::{Error, ExitCode};
use crate::train::{self, TrainConfig, read_conll};

pub fn run(a: NerTrainArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let train_docs = read_conll(&a.train)?;
    let dev_docs = read_conll(&a.dev)?;
    let mut lexicon = if a.lexicon.exists() {
        let bytes = std::fs::read(&a.lexicon).map_err(|e| Error::io(&a.lexicon, e))?;
        Model::from_bytes(&bytes)
            .with_context(|| format!("reading lexicon {}", a.lexicon.display()))?
            .lexicon
    } else {
        eprintln!(
            "newsdex: no lexicon at {}: training without clusters and casing",
            a.lexicon.display()
        );
        Lexicon::default()
    };
    lexicon.gazetteer.clear();
    lexicon.gazetteer_words.clear();
    if a.gazetteers.exists() {
        let n = train::load_gazetteers(&a.gazetteers, &mut lexicon)?;
        println!("gazetteers: {n} names from {}", a.gazetteers.display());
    }
    println!(
        "training on {} documents, {} dev documents; lexicon: {} clustered words, {} casing entries",
        train_docs.len(),
        dev_docs.len(),
        lexicon.clusters.len(),
        lexicon.casing.len()
    );
    let config = TrainConfig {
        epochs: a.epochs,
        seed: a.seed,
        dropout: a.dropout,
    };
    let model = train::train(&train_docs, &dev_docs, lexicon, &config, &mut |line| {
        println!("{line}");
        let _ = std::io::stdout().flush();
    });
    let bytes = model.to_bytes();
    std::fs::write(&a.output, &bytes).map_err(|e| Error::io(&a.output, e))?;
    println!(
        "wrote {} ({:.1} MB, {} features, version {}) in {:.0} s; {}",
        a.output.display(),
        bytes.len() as f64 / 1e6,
        model.weights.len(),
        model.version,
        started.elapsed().as_secs_f64(),
        model.info
    );
    Ok(ExitCode::Success)
}
