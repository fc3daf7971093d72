//! Training and evaluation of the entity tagger, offline: CoNLL-2003 text
//! in, a [`Model`] or conlleval-style scores out; and the [`Lexicon`]'s
//! word clusters and casing statistics from unlabelled news. Nothing here
//! runs at tag time.

pub mod casing;
pub mod clusters;
pub mod conll;
pub mod corpus;
pub mod cv;
pub mod eval;
pub mod gazetteers;
mod perceptron;

pub use conll::{ConllDoc, ConllToken, iob_chunks, iob2_tags, parse_conll, read_conll};
pub use eval::{Counts, Scores, evaluate};
pub use gazetteers::{load_gazetteers, load_named_lists, parse_named_lists};
pub use perceptron::TrainConfig;

use crate::analyze::lexicon::Lexicon;
use crate::analyze::model::Model;
use crate::analyze::ner::{Label, TokenInfo, Weights, aggregate, decode};
use conll::gold_labels;
use perceptron::{Prepared, train_pass};

/// Folds for the first pass's held-out predictions on training data.
const FOLDS: usize = 5;

/// Trains a model; `report` receives a line per epoch. First pass, then a
/// second (stacked) pass trained on first-pass labels of the training data
/// predicted by models that did not see them (5-fold jackknife), so it
/// learns how far to trust them. With `config.pick_on_dev`, each pass keeps
/// its epoch with the best dev F1 and the second pass is kept only if it
/// helps; otherwise every epoch is trained and `dev_docs` (may be empty)
/// is only scored.
pub fn train(
    train_docs: &[ConllDoc],
    dev_docs: &[ConllDoc],
    lexicon: Lexicon,
    config: &TrainConfig,
    report: &mut dyn FnMut(&str),
) -> Model {
    let mut prepared: Vec<Prepared> = train_docs
        .iter()
        .filter(|d| !d.sentences.is_empty())
        .map(|d| {
            let doc = d.doc();
            Prepared {
                infos: doc.infos(&lexicon),
                sentences: doc.sentences.clone(),
                gold: gold_labels(d),
                agg: None,
            }
        })
        .collect();
    let dev = Dev::new(dev_docs, &lexicon);
    let pick = config.pick_on_dev && !dev_docs.is_empty();
    let all: Vec<&Prepared> = prepared.iter().collect();
    let mut score1 = |w: &Weights| dev.score(w, None);
    let (w1, e1) = train_pass(
        &all,
        config,
        config.epochs,
        pick.then_some(&mut score1 as &mut dyn FnMut(&Weights) -> Scores),
        report,
        "pass 1",
    );
    let f1_first = dev.score(&w1, None).total.f1();
    let held_out = held_out_labels(&prepared, config, e1, report);
    for (p, labels) in prepared.iter_mut().zip(&held_out) {
        p.agg = Some(aggregate(&p.infos, &p.sentences, labels));
    }
    let all: Vec<&Prepared> = prepared.iter().collect();
    let mut score2 = |w: &Weights| dev.score(&w1, Some(w));
    let (w2, e2) = train_pass(
        &all,
        config,
        config.epochs,
        pick.then_some(&mut score2 as &mut dyn FnMut(&Weights) -> Scores),
        report,
        "pass 2",
    );
    let f1_both = dev.score(&w1, Some(&w2)).total.f1();
    let keep2 = f1_both > f1_first || !pick;
    let f1 = if keep2 { f1_both } else { f1_first };
    if !dev_docs.is_empty() {
        report(&format!(
            "dev F1 {f1:.4} (first pass alone {f1_first:.4}), epochs {e1} and {e2}"
        ));
    }
    let how = Trained {
        epochs: [e1, e2],
        dev_f1: (!dev_docs.is_empty()).then_some((f1, f1_first)),
        picked: pick,
        features: [w1.len(), if keep2 { w2.len() } else { 0 }],
    };
    let info = model_info(config, &lexicon, &how);
    let weights2 = keep2.then_some(w2);
    let model = Model {
        weights: w1,
        weights2,
        lexicon,
        version: String::new(),
        info,
        cache: Default::default(),
    };
    // The version is the hash of the bytes, as when loaded.
    let bytes = model.to_bytes();
    Model::from_bytes(&bytes).unwrap_or(model)
}

/// How a training run went, for the model's info.
struct Trained {
    /// Each pass's kept epoch.
    epochs: [usize; 2],
    /// Dev F1 of the model and of its first pass alone, if dev was scored.
    dev_f1: Option<(f64, f64)>,
    /// Epochs were picked on dev.
    picked: bool,
    /// Features of each pass (0: no second pass).
    features: [usize; 2],
}

/// The model's info: what it was trained on and how, its dev scores, sizes.
fn model_info(config: &TrainConfig, lexicon: &Lexicon, how: &Trained) -> String {
    let r4 = |x: f64| (x * 10000.0).round() / 10000.0;
    serde_json::json!({
        "trained_on": config.trained_on,
        "dev_f1": how.dev_f1.map(|f| r4(f.0)),
        "dev_f1_first_pass": how.dev_f1.map(|f| r4(f.1)),
        "best_epochs": how.epochs,
        "epochs": config.epochs,
        "picked_on_dev": how.picked,
        "seed": config.seed,
        "dropout": config.dropout,
        "features": how.features,
        "clusters": lexicon.clusters.len(),
        "casing_words": lexicon.casing.len(),
        "gazetteer_names": lexicon.gazetteer.len(),
    })
    .to_string()
}

/// The dev documents with their token infos worked out once, for scoring
/// every epoch.
struct Dev<'a> {
    docs: Vec<(Vec<TokenInfo>, Vec<usize>, &'a ConllDoc)>,
}

impl<'a> Dev<'a> {
    fn new(docs: &'a [ConllDoc], lexicon: &Lexicon) -> Dev<'a> {
        let docs = docs
            .iter()
            .map(|d| {
                let doc = d.doc();
                (doc.infos(lexicon), doc.sentences.clone(), d)
            })
            .collect();
        Dev { docs }
    }

    fn score(&self, w1: &Weights, w2: Option<&Weights>) -> Scores {
        let mut scores = Scores::default();
        for (infos, sentences, d) in &self.docs {
            scores.add_doc(w1, w2, infos, sentences, d);
        }
        scores
    }
}

/// First-pass labels of every training document, each from a model trained
/// for `epochs` on the other folds.
fn held_out_labels(
    prepared: &[Prepared],
    config: &TrainConfig,
    epochs: usize,
    report: &mut dyn FnMut(&str),
) -> Vec<Vec<Label>> {
    let mut held_out: Vec<Vec<Label>> = vec![Vec::new(); prepared.len()];
    for k in 0..FOLDS {
        let rest: Vec<&Prepared> = prepared
            .iter()
            .enumerate()
            .filter(|(i, _)| i % FOLDS != k)
            .map(|(_, p)| p)
            .collect();
        let (wk, _) = train_pass(&rest, config, epochs, None, &mut |_| {}, "fold");
        for (i, p) in prepared.iter().enumerate().filter(|(i, _)| i % FOLDS == k) {
            held_out[i] = decode(&mut &wk, &p.infos, &p.sentences, None);
        }
        report(&format!(
            "pass 1 fold {}/{FOLDS} trained for held-out labels",
            k + 1
        ));
    }
    held_out
}

#[cfg(test)]
mod tests {
    use super::*;
    use conll::tests::SAMPLE;

    #[test]
    fn training_learns_a_toy_corpus_reproducibly() {
        let docs = parse_conll(SAMPLE.as_bytes()).unwrap();
        let config = TrainConfig {
            epochs: 5,
            seed: 3,
            dropout: 0.0,
            pick_on_dev: true,
            trained_on: "sample".into(),
        };
        let m1 = train(&docs, &docs, Lexicon::default(), &config, &mut |_| {});
        let m2 = train(&docs, &docs, Lexicon::default(), &config, &mut |_| {});
        assert_eq!(m1.to_bytes(), m2.to_bytes());
        let scores = evaluate(&m1, &docs);
        assert_eq!(scores.total.f1(), 1.0);
    }
}
