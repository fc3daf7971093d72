//! `newsdex ner cv`: cross-validates a training configuration over the
//! documents of CoNLL files: a line per fold, then the pooled scores
//! (conlleval's table, or JSON) and the folds' mean and spread.

use std::io::Write;

use crate::cli::NerCvArgs;
use crate::error::ExitCode;
use crate::train::cv::{cross_validate, pooled};

pub fn run(a: NerCvArgs) -> anyhow::Result<ExitCode> {
    if a.format != "table" && a.format != "json" {
        anyhow::bail!("--format {}: expected table or json", a.format);
    }
    let docs = super::train::read_all(&a.files)?;
    let lexicon = super::train::lexicon(&a.inputs)?;
    let config = super::train::config(&a.inputs, &a.files, false);
    let started = std::time::Instant::now();
    let folds = cross_validate(&docs, &lexicon, &config, a.folds, &|line| {
        println!("{line}");
        let _ = std::io::stdout().flush();
    });
    let f1s: Vec<f64> = folds.iter().map(|s| s.total.f1()).collect();
    let mean = f1s.iter().sum::<f64>() / f1s.len() as f64;
    let sd = (f1s.iter().map(|f| (f - mean).powi(2)).sum::<f64>() / f1s.len() as f64).sqrt();
    let all = pooled(&folds);
    let mut out = std::io::stdout().lock();
    if a.format == "json" {
        let mut v = all.to_json(&config.trained_on, "cross-validated");
        v["folds"] = serde_json::json!(f1s);
        v["mean_f1"] = serde_json::json!((mean * 1e4).round() / 1e4);
        v["sd_f1"] = serde_json::json!((sd * 1e4).round() / 1e4);
        v["config"] = serde_json::json!({"epochs": config.epochs, "seed": config.seed, "dropout": config.dropout, "gazetteer": a.inputs.gazetteer});
        writeln!(out, "{v}")?;
    } else {
        all.write_table(&mut out)?;
        writeln!(
            out,
            "{} folds over {} documents: mean F1 {mean:.4}, sd {sd:.4}, in {:.0} s",
            folds.len(),
            docs.len(),
            started.elapsed().as_secs_f64()
        )?;
    }
    Ok(ExitCode::Success)
}
