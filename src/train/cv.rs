//! Document-level cross-validation: the documents split into k folds (the
//! i-th document in fold i mod k), a model trained on the others scored on
//! each fold. What a configuration scores on text it was not tuned to, as
//! dev alone (one split, used to pick epochs) cannot say.

use rayon::prelude::*;

use super::{ConllDoc, Scores, TrainConfig, evaluate, train};
use crate::analyze::lexicon::Lexicon;

/// Each fold's scores, in fold order. Folds train in parallel; `report`
/// gets a line as each one is done.
pub fn cross_validate(
    docs: &[ConllDoc],
    lexicon: &Lexicon,
    config: &TrainConfig,
    folds: usize,
    report: &(dyn Fn(&str) + Sync),
) -> Vec<Scores> {
    let folds = folds.max(2);
    (0..folds)
        .into_par_iter()
        .map(|k| {
            let (held, rest): (Vec<_>, Vec<_>) =
                docs.iter().enumerate().partition(|(i, _)| i % folds == k);
            let held: Vec<ConllDoc> = held.into_iter().map(|(_, d)| d.clone()).collect();
            let rest: Vec<ConllDoc> = rest.into_iter().map(|(_, d)| d.clone()).collect();
            let model = train(&rest, &[], lexicon.clone(), config, &mut |_| {});
            let scores = evaluate(&model, &held);
            report(&format!(
                "fold {}/{folds}: {} documents, F1 {:.4} (P {:.4} R {:.4})",
                k + 1,
                held.len(),
                scores.total.f1(),
                scores.total.precision(),
                scores.total.recall()
            ));
            scores
        })
        .collect()
}

/// The folds' counts added up (micro F1 over every held-out document).
pub fn pooled(folds: &[Scores]) -> Scores {
    let mut all = Scores::default();
    for s in folds {
        all.tokens += s.tokens;
        for (t, c) in &s.per_type {
            let e = all.per_type.entry(t.clone()).or_default();
            e.gold += c.gold;
            e.predicted += c.predicted;
            e.correct += c.correct;
        }
        all.total.gold += s.total.gold;
        all.total.predicted += s.total.predicted;
        all.total.correct += s.total.correct;
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::conll::tests::SAMPLE;
    use crate::train::parse_conll;

    #[test]
    fn every_document_is_held_out_once() {
        let mut docs = parse_conll(SAMPLE.as_bytes()).unwrap();
        docs.retain(|d| !d.sentences.is_empty());
        let config = TrainConfig {
            epochs: 2,
            seed: 3,
            dropout: 0.0,
            pick_on_dev: false,
            trained_on: "sample".into(),
        };
        let folds = cross_validate(&docs, &Lexicon::default(), &config, 2, &|_| {});
        assert_eq!(folds.len(), 2);
        let all = pooled(&folds);
        let gold: usize = docs.iter().map(|d| d.gold_chunks().len()).sum();
        assert_eq!(all.total.gold, gold);
        let tokens: usize = docs.iter().map(|d| d.doc().words.len()).sum();
        assert_eq!(all.tokens, tokens);
    }
}
