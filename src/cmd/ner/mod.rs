//! `newsdex ner`: tag articles or CoNLL files, evaluate on CoNLL, train a
//! model, cross-validate a configuration, build the lexicon (clusters, casing) from unlabelled news; a file
//! for each.

mod cv;
mod eval;
mod lexicon;
mod tag;
mod train;

use crate::cli::NerCommand;
use crate::error::ExitCode;

pub fn run(c: NerCommand) -> anyhow::Result<ExitCode> {
    match c {
        NerCommand::Tag(a) => tag::run(a),
        NerCommand::Eval(a) => eval::run(a),
        NerCommand::Train(a) => train::run(a),
        NerCommand::Cv(a) => cv::run(a),
        NerCommand::Lexicon(a) => lexicon::run(a),
    }
}
