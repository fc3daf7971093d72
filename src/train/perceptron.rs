//! The averaged perceptron: weights trained on gold labels through the same
//! decoding loop as tagging, averaged lazily, with seeded feature dropout.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::eval::Scores;
use crate::analyze::ner::{Agg, Label, NLABELS, Scorer, TokenInfo, Weights, decode};

/// The hash map from feature hash to row: keys are already hashes.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys")
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

/// Averaged perceptron weights being trained.
#[derive(Default)]
struct Trainer {
    index: IdMap<u32>,
    w: Vec<[f32; NLABELS]>,
    total: Vec<[f64; NLABELS]>,
    stamp: Vec<[u32; NLABELS]>,
    clock: u32,
}

/// One document's pass: scores with the current weights, and on each
/// mistake moves them towards the gold label.
struct Pass<'a> {
    trainer: &'a mut Trainer,
    gold: &'a [Label],
    mistakes: usize,
    /// Drop each feature with this probability (in 1/65536), seeded.
    dropout: u64,
    seed: u64,
}

impl Scorer for Pass<'_> {
    fn score(&self, features: &[u64], scores: &mut [f32; NLABELS]) {
        for f in features {
            if let Some(&r) = self.trainer.index.get(f) {
                for (s, w) in scores.iter_mut().zip(&self.trainer.w[r as usize]) {
                    *s += *w;
                }
            }
        }
    }

    fn prune(&mut self, i: usize, features: &mut Vec<u64>) {
        if self.dropout == 0 {
            return;
        }
        let salt = self.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        features.retain(|&f| {
            let h = (f ^ salt).wrapping_mul(0xD6E8_FEB8_6659_FD93);
            (h >> 48) >= self.dropout
        });
    }

    fn skips_plain(&self) -> bool {
        false
    }

    fn observe(&mut self, i: usize, features: &[u64], predicted: Label) -> Label {
        let t = &mut *self.trainer;
        t.clock += 1;
        if predicted != self.gold[i] {
            t.update(features, self.gold[i], 1.0);
            t.update(features, predicted, -1.0);
            self.mistakes += 1;
        }
        // Go on with the prediction, as tagging does.
        predicted
    }
}

impl Trainer {
    fn update(&mut self, features: &[u64], l: Label, delta: f32) {
        let clock = self.clock;
        for &f in features {
            let next = self.w.len() as u32;
            let r = *self.index.entry(f).or_insert(next) as usize;
            if r == self.w.len() {
                self.w.push([0.0; NLABELS]);
                self.total.push([0.0; NLABELS]);
                self.stamp.push([0; NLABELS]);
            }
            let l = l as usize;
            self.total[r][l] += (clock - self.stamp[r][l]) as f64 * self.w[r][l] as f64;
            self.stamp[r][l] = clock;
            self.w[r][l] += delta;
        }
    }

    /// The averaged weights, without features whose weights all round to 0.
    fn averaged(&self) -> Weights {
        let c = self.clock.max(1) as f64;
        let mut rows = Vec::with_capacity(self.w.len());
        let mut keys: Vec<(u64, u32)> = self.index.iter().map(|(k, v)| (*k, *v)).collect();
        keys.sort_unstable();
        for (key, r) in keys {
            let r = r as usize;
            let mut row = [0f32; NLABELS];
            let mut keep = false;
            for (l, x) in row.iter_mut().enumerate() {
                let total =
                    self.total[r][l] + (self.clock - self.stamp[r][l]) as f64 * self.w[r][l] as f64;
                *x = (total / c) as f32;
                keep |= x.abs() > 1e-3;
            }
            if keep {
                rows.push((key, row));
            }
        }
        Weights::from_rows(rows)
    }
}

/// Training settings.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    pub epochs: usize,
    pub seed: u64,
    /// Share of features dropped at random for each token in training.
    pub dropout: f64,
    /// Keep each pass's epoch with the best dev F1 (and the second pass
    /// only if it helps on dev); false: train every epoch and keep both
    /// passes, so dev is only reported (cross-validation, and a final model
    /// trained on train and dev together).
    pub pick_on_dev: bool,
    /// What the model was trained on, for its info.
    pub trained_on: String,
}

/// A training document: token information, sentence starts, gold labels,
/// and (for the second pass) the first pass's view.
pub(super) struct Prepared {
    pub(super) infos: Vec<TokenInfo>,
    pub(super) sentences: Vec<usize>,
    pub(super) gold: Vec<Label>,
    pub(super) agg: Option<Vec<Agg>>,
}

/// Trains one pass for `epochs` over `docs`; with `dev`, scores each epoch
/// and keeps the best. Returns the weights and the epoch they are from.
pub(super) fn train_pass(
    docs: &[&Prepared],
    config: &TrainConfig,
    epochs: usize,
    mut dev: Option<&mut dyn FnMut(&Weights) -> Scores>,
    report: &mut dyn FnMut(&str),
    name: &str,
) -> (Weights, usize) {
    let mut trainer = Trainer::default();
    let mut order: Vec<usize> = (0..docs.len()).collect();
    let mut rng = config.seed.max(1);
    let mut best: Option<(f64, usize, Weights)> = None;
    for epoch in 1..=epochs {
        // Fisher-Yates with xorshift: same seed, same order.
        for i in (1..order.len()).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            order.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        let mut mistakes = 0usize;
        let mut tokens = 0usize;
        for &d in &order {
            let doc = docs[d];
            let mut pass = Pass {
                trainer: &mut trainer,
                gold: &doc.gold,
                mistakes: 0,
                dropout: (config.dropout * 65536.0) as u64,
                seed: config.seed ^ ((epoch as u64) << 32) ^ d as u64,
            };
            decode(&mut pass, &doc.infos, &doc.sentences, doc.agg.as_deref());
            mistakes += pass.mistakes;
            tokens += doc.gold.len();
        }
        let Some(dev) = dev.as_mut() else { continue };
        let averaged = trainer.averaged();
        let scores = dev(&averaged);
        let f1 = scores.total.f1();
        report(&format!(
            "{name} epoch {epoch:2}: train errors {:.2}%, features {}, dev F1 {:.4} (P {:.4} R {:.4})",
            100.0 * mistakes as f64 / tokens.max(1) as f64,
            averaged.len(),
            f1,
            scores.total.precision(),
            scores.total.recall()
        ));
        if best.as_ref().is_none_or(|b| f1 > b.0) {
            best = Some((f1, epoch, averaged));
        }
    }
    match best {
        Some((_, epoch, w)) => (w, epoch),
        None => (trainer.averaged(), epochs),
    }
}
