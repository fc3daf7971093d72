//! `newsdex ner eval`: a model and a CoNLL file in, conlleval-style scores
//! out (table or JSON), and the tagging speed on stderr.

use std::io::Write;
use std::time::Instant;

use crate::analyze::model::Model;
use crate::cli::NerEvalArgs;
use crate::error::ExitCode;
use crate::train::{evaluate, read_conll};

pub fn run(a: NerEvalArgs) -> anyhow::Result<ExitCode> {
    super::super::check_format(&a.format, &["table", "json"])?;
    let model = Model::load(a.model.as_deref())?;
    let docs = read_conll(&a.file)?;
    let started = Instant::now();
    let scores = evaluate(&model, &docs);
    let secs = started.elapsed().as_secs_f64();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if a.format == "json" {
        let v = scores.to_json(&a.file.display().to_string(), &model.version);
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(ExitCode::Success);
    }
    scores.write_table(&mut out)?;
    eprintln!(
        "newsdex: model {}, {:.0} tokens/s",
        model.version,
        scores.tokens as f64 / secs.max(1e-9)
    );
    Ok(ExitCode::Success)
}
