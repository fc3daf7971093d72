//! `newsdex ner train`: CoNLL train (and dev) files, a lexicon and
//! gazetteers in, a model file out; a line per epoch on stdout.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;

use crate::analyze::lexicon::Lexicon;
use crate::analyze::model::Model;
use crate::cli::{NerTrainArgs, NerTrainInputs};
use crate::error::{Error, ExitCode};
use crate::train::{self, ConllDoc, TrainConfig, read_conll};

pub fn run(a: NerTrainArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let train_docs = read_all(&a.train)?;
    let dev_docs = match &a.dev {
        Some(p) => read_conll(p)?,
        None if a.fixed_epochs => Vec::new(),
        None => anyhow::bail!("--dev is needed to pick epochs (or give --fixed-epochs)"),
    };
    let lexicon = lexicon(&a.inputs)?;
    println!(
        "training on {} documents, {} dev documents; lexicon: {} clustered words, {} casing entries",
        train_docs.len(),
        dev_docs.len(),
        lexicon.clusters.len(),
        lexicon.casing.len()
    );
    let config = config(&a.inputs, &a.train, !a.fixed_epochs);
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

/// The documents of every file, in order.
pub(super) fn read_all(files: &[PathBuf]) -> anyhow::Result<Vec<ConllDoc>> {
    let mut docs = Vec::new();
    for f in files {
        docs.extend(read_conll(f)?);
    }
    Ok(docs)
}

/// The training settings, `trained_on` naming the files.
pub(super) fn config(inputs: &NerTrainInputs, files: &[PathBuf], pick_on_dev: bool) -> TrainConfig {
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            f.file_name().map_or_else(
                || f.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        })
        .collect();
    TrainConfig {
        epochs: inputs.epochs,
        seed: inputs.seed,
        dropout: inputs.dropout,
        pick_on_dev,
        trained_on: names.join(" + "),
    }
}

/// The lexicon file's clusters and casing with the gazetteers given (those
/// stored in the lexicon file are dropped); a line on stdout for each list.
pub(super) fn lexicon(inputs: &NerTrainInputs) -> anyhow::Result<Lexicon> {
    let lists = train::parse_named_lists(&inputs.gazetteer)?;
    let mut lexicon = if inputs.lexicon.exists() {
        let bytes = std::fs::read(&inputs.lexicon).map_err(|e| Error::io(&inputs.lexicon, e))?;
        Model::from_bytes(&bytes)
            .with_context(|| format!("reading lexicon {}", inputs.lexicon.display()))?
            .lexicon
    } else {
        eprintln!(
            "newsdex: no lexicon at {}: training without clusters and casing",
            inputs.lexicon.display()
        );
        Lexicon::default()
    };
    lexicon.gazetteer.clear();
    lexicon.gazetteer_words.clear();
    if inputs.gazetteers.exists() {
        let n = train::load_gazetteers(&inputs.gazetteers, &mut lexicon)?;
        println!("gazetteers: {n} names from {}", inputs.gazetteers.display());
    }
    if !lists.is_empty() {
        let n = train::load_named_lists(&lists, &mut lexicon)?;
        println!("gazetteers: {n} names from {} named lists", lists.len());
    }
    Ok(lexicon)
}
