//! Scoring predicted chunks against gold ones, as conlleval does: exact
//! spans, per type and in total.

use super::conll::ConllDoc;
use crate::analyze::model::{Model, tag_infos};
use crate::analyze::ner::{TokenInfo, Weights, sentence_spans};

/// Precision, recall and F1 counts for one type or all.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    pub gold: usize,
    pub predicted: usize,
    pub correct: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        if self.predicted == 0 {
            0.0
        } else {
            self.correct as f64 / self.predicted as f64
        }
    }
    pub fn recall(&self) -> f64 {
        if self.gold == 0 {
            0.0
        } else {
            self.correct as f64 / self.gold as f64
        }
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// Exact-span scores per type and micro-averaged, as conlleval computes.
#[derive(Debug, Clone, Default)]
pub struct Scores {
    pub per_type: std::collections::BTreeMap<String, Counts>,
    pub total: Counts,
    pub tokens: usize,
}

impl Scores {
    /// Adds one document: gold and predicted chunks.
    pub fn add(&mut self, gold: &[(usize, usize, String)], predicted: &[(usize, usize, String)]) {
        let gold_set: std::collections::HashSet<_> = gold.iter().collect();
        for g in gold {
            self.per_type.entry(g.2.clone()).or_default().gold += 1;
            self.total.gold += 1;
        }
        for p in predicted {
            let c = self.per_type.entry(p.2.clone()).or_default();
            c.predicted += 1;
            self.total.predicted += 1;
            if gold_set.contains(p) {
                c.correct += 1;
                self.total.correct += 1;
            }
        }
    }
}

/// Tags every document and scores the predictions against the gold tags.
/// Tags every document and scores the predictions against the gold tags.
pub fn evaluate(model: &Model, docs: &[ConllDoc]) -> Scores {
    let mut scores = Scores::default();
    for d in docs {
        let doc = d.doc();
        let infos = doc.infos(&model.lexicon);
        let w2 = model.weights2.as_ref();
        scores.add_doc(&model.weights, w2, &infos, &doc.sentences, d);
    }
    scores
}

impl Scores {
    /// Tags one document, whose token infos are given, and adds its scores.
    pub(super) fn add_doc(
        &mut self,
        w1: &Weights,
        w2: Option<&Weights>,
        infos: &[TokenInfo],
        sentences: &[usize],
        gold: &ConllDoc,
    ) {
        let labels = tag_infos(w1, w2, infos, sentences, None);
        let predicted: Vec<_> = sentence_spans(&labels, sentences)
            .into_iter()
            .map(|s| (s.start, s.end, s.kind.conll().to_string()))
            .collect();
        self.add(&gold.gold_chunks(), &predicted);
        self.tokens += infos.len();
    }
}

impl Scores {
    /// The scores as JSON: the file, the model, micro and per-type counts.
    pub fn to_json(&self, file: &str, model: &str) -> serde_json::Value {
        let r4 = |x: f64| (x * 1e4).round() / 1e4;
        let counts = |c: &Counts| serde_json::json!({"precision": r4(c.precision()), "recall": r4(c.recall()), "f1": r4(c.f1()), "gold": c.gold, "predicted": c.predicted, "correct": c.correct});
        let types: serde_json::Map<String, serde_json::Value> = self
            .per_type
            .iter()
            .map(|(t, c)| (t.clone(), counts(c)))
            .collect();
        serde_json::json!({
            "file": file,
            "model": model,
            "tokens": self.tokens,
            "micro": counts(&self.total),
            "types": types,
        })
    }

    /// The scores as conlleval prints them: a summary line, then a line per
    /// type and the micro average.
    pub fn write_table(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let c = self.total;
        writeln!(
            out,
            "processed {} tokens with {} phrases; found: {} phrases; correct: {}.",
            self.tokens, c.gold, c.predicted, c.correct
        )?;
        writeln!(
            out,
            "{:<6} {:>9} {:>7} {:>7} {:>6} {:>9} {:>7}",
            "type", "precision", "recall", "F1", "gold", "predicted", "correct"
        )?;
        let per_type = self.per_type.iter().map(|(t, c)| (t.as_str(), c));
        for (t, c) in per_type.chain([("micro", &c)]) {
            writeln!(
                out,
                "{:<6} {:>9.4} {:>7.4} {:>7.4} {:>6} {:>9} {:>7}",
                t,
                c.precision(),
                c.recall(),
                c.f1(),
                c.gold,
                c.predicted,
                c.correct
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_count_exact_spans() {
        let mut s = Scores::default();
        s.add(
            &[(0, 2, "PER".into()), (3, 4, "LOC".into())],
            &[
                (0, 2, "PER".into()),
                (3, 5, "LOC".into()),
                (6, 7, "ORG".into()),
            ],
        );
        assert_eq!(
            s.total,
            Counts {
                gold: 2,
                predicted: 3,
                correct: 1
            }
        );
        assert!((s.total.f1() - 0.4).abs() < 1e-9);
        assert_eq!(s.per_type["LOC"].correct, 0);
    }
}
