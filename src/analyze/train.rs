//! Training and evaluation of the entity tagger on CoNLL column files:
//! CoNLL-2003 text in, a [`Model`] or conlleval-style scores out.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::EntityType;
use super::lexicon::Lexicon;
use super::model::{Model, tag_infos};
use super::ner::{
    Agg, Doc, Label, NLABELS, O, Pos, Scorer, Span, TokenInfo, Weights, aggregate, decode, label,
    spans,
};
use crate::error::{Error, Result};

/// One line of a CoNLL file.
#[derive(Debug, Clone)]
pub struct ConllToken {
    /// The whole line as read.
    pub line: String,
    pub word: String,
    /// The last column, when there is more than one.
    pub tag: Option<String>,
}

/// A document: sentences of tokens.
#[derive(Debug, Clone, Default)]
pub struct ConllDoc {
    pub sentences: Vec<Vec<ConllToken>>,
    /// Lines (such as -DOCSTART-) kept to write them back in place.
    pub header: Vec<String>,
}

/// Reads a CoNLL column file (`.gz` too). `-DOCSTART-` lines split
/// documents, blank lines split sentences, the first column is the word and
/// the last the tag.
pub fn read_conll(path: &Path) -> Result<Vec<ConllDoc>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    parse_conll(BufReader::new(reader)).map_err(|e| Error::io(path, e))
}

/// Parses CoNLL text.
pub fn parse_conll(reader: impl BufRead) -> std::io::Result<Vec<ConllDoc>> {
    let mut docs = vec![ConllDoc::default()];
    let mut sentence: Vec<ConllToken> = Vec::new();
    for line in reader.lines() {
        let line = line?;
        let trimmed = line.trim_end_matches(['\r', '\n']).to_string();
        if trimmed.trim().is_empty() {
            if !sentence.is_empty() {
                docs.last_mut()
                    .unwrap_or(&mut ConllDoc::default())
                    .sentences
                    .push(std::mem::take(&mut sentence));
            }
            continue;
        }
        let cols: Vec<&str> = trimmed.split_whitespace().collect();
        if cols[0] == "-DOCSTART-" {
            if !sentence.is_empty()
                && let Some(d) = docs.last_mut()
            {
                d.sentences.push(std::mem::take(&mut sentence));
            }
            if docs
                .last()
                .is_some_and(|d| !d.sentences.is_empty() || !d.header.is_empty())
            {
                docs.push(ConllDoc::default());
            }
            if let Some(d) = docs.last_mut() {
                d.header.push(trimmed.clone());
            }
            continue;
        }
        sentence.push(ConllToken {
            word: cols[0].to_string(),
            tag: (cols.len() > 1).then(|| cols[cols.len() - 1].to_string()),
            line: trimmed.clone(),
        });
    }
    if !sentence.is_empty()
        && let Some(d) = docs.last_mut()
    {
        d.sentences.push(sentence);
    }
    docs.retain(|d| !d.sentences.is_empty() || !d.header.is_empty());
    Ok(docs)
}

impl ConllDoc {
    /// The words and sentence starts as a tagger document.
    pub fn doc(&self) -> Doc<'_> {
        let words: Vec<&str> = self
            .sentences
            .iter()
            .flatten()
            .map(|t| t.word.as_str())
            .collect();
        let starts = self
            .sentences
            .iter()
            .flat_map(|s| (0..s.len()).map(|i| i == 0));
        Doc::new(words, starts)
    }

    /// Gold chunks from the tag column (IOB1 or IOB2, as conlleval reads).
    pub fn gold_chunks(&self) -> Vec<(usize, usize, String)> {
        let mut out = Vec::new();
        let mut offset = 0;
        for s in &self.sentences {
            let tags: Vec<&str> = s.iter().map(|t| t.tag.as_deref().unwrap_or("O")).collect();
            for (a, b, t) in iob_chunks(&tags) {
                out.push((a + offset, b + offset, t));
            }
            offset += s.len();
        }
        out
    }
}

/// Chunks of an IOB tag sequence, as conlleval finds them: a chunk starts at
/// B-, or at I- after O or after another type.
pub fn iob_chunks(tags: &[&str]) -> Vec<(usize, usize, String)> {
    let parse = |t: &str| -> (char, String) {
        match t.split_once('-') {
            Some((p, ty)) => (p.chars().next().unwrap_or('O'), ty.to_string()),
            None => ('O', String::new()),
        }
    };
    let mut out = Vec::new();
    let mut open: Option<(usize, String)> = None;
    let mut prev: (char, String) = ('O', String::new());
    for (i, t) in tags.iter().enumerate() {
        let cur = parse(t);
        let starts = match cur.0 {
            'B' | 'U' | 'S' => true,
            'I' | 'L' | 'E' => {
                prev.0 == 'O' || prev.1 != cur.1 || matches!(prev.0, 'L' | 'U' | 'E' | 'S')
            }
            _ => false,
        };
        let ends_prev = open.is_some() && (cur.0 == 'O' || starts);
        if ends_prev && let Some((s, ty)) = open.take() {
            out.push((s, i, ty));
        }
        if starts {
            open = Some((i, cur.1.clone()));
        }
        if matches!(cur.0, 'L' | 'U' | 'E' | 'S')
            && let Some((s, ty)) = open.take()
        {
            out.push((s, i + 1, ty));
        }
        prev = cur;
    }
    if let Some((s, ty)) = open {
        out.push((s, tags.len(), ty));
    }
    out
}

/// BILOU labels for a document from its gold chunks.
fn gold_labels(doc: &ConllDoc) -> Vec<Label> {
    let n: usize = doc.sentences.iter().map(Vec::len).sum();
    let mut labels = vec![O; n];
    for (a, b, ty) in doc.gold_chunks() {
        let Some(t) = EntityType::from_conll(&ty) else {
            continue;
        };
        if b - a == 1 {
            labels[a] = label(t, Pos::U);
        } else {
            labels[a] = label(t, Pos::B);
            for l in &mut labels[a + 1..b - 1] {
                *l = label(t, Pos::I);
            }
            labels[b - 1] = label(t, Pos::L);
        }
    }
    labels
}

/// IOB2 tags (`B-PER`, `I-PER`, `O`) from predicted spans.
pub fn iob2_tags(n: usize, spans: &[Span]) -> Vec<String> {
    let mut tags = vec!["O".to_string(); n];
    for s in spans {
        tags[s.start] = format!("B-{}", s.kind.conll());
        for t in &mut tags[s.start + 1..s.end] {
            *t = format!("I-{}", s.kind.conll());
        }
    }
    tags
}

// ------------------------------------------------------------ evaluation

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
pub fn evaluate(model: &Model, docs: &[ConllDoc]) -> Scores {
    evaluate_with(
        &model.weights,
        model.weights2.as_ref(),
        &model.lexicon,
        docs,
    )
}

fn evaluate_with(
    w1: &Weights,
    w2: Option<&Weights>,
    lexicon: &Lexicon,
    docs: &[ConllDoc],
) -> Scores {
    let mut scores = Scores::default();
    for d in docs {
        let doc = d.doc();
        let infos = doc.infos(lexicon);
        let labels = tag_infos(w1, w2, &infos, &doc.sentences, None);
        let predicted: Vec<_> = sentence_spans(&labels, &doc.sentences)
            .into_iter()
            .map(|s| (s.start, s.end, s.kind.conll().to_string()))
            .collect();
        scores.add(&d.gold_chunks(), &predicted);
        scores.tokens += doc.words.len();
    }
    scores
}

/// Spans read sentence by sentence (a span never crosses a sentence).
pub fn sentence_spans(labels: &[Label], sentences: &[usize]) -> Vec<Span> {
    let mut out = Vec::new();
    for s in 0..sentences.len().saturating_sub(1) {
        let (a, b) = (sentences[s], sentences[s + 1]);
        for sp in spans(&labels[a..b]) {
            out.push(Span {
                start: sp.start + a,
                end: sp.end + a,
                kind: sp.kind,
            });
        }
    }
    out
}

// -------------------------------------------------------------- training

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
}

/// A training document: token information, sentence starts, gold labels,
/// and (for the second pass) the first pass's view.
struct Prepared {
    infos: Vec<TokenInfo>,
    sentences: Vec<usize>,
    gold: Vec<Label>,
    agg: Option<Vec<Agg>>,
}

/// Trains one pass for `epochs` over `docs`; with `dev`, scores each epoch
/// and keeps the best. Returns the weights and the epoch they are from.
fn train_pass(
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

/// Folds for the first pass's held-out predictions on training data.
const FOLDS: usize = 5;

/// Trains a model; `report` receives a line per epoch. First pass: the epoch
/// with the best dev F1 is kept. Second (stacked) pass: trained on first-pass
/// labels of the training data predicted by models that did not see them
/// (5-fold jackknife), so it learns how far to trust them.
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
    let dev_prepared: Vec<(Vec<TokenInfo>, Vec<usize>, &ConllDoc)> = dev_docs
        .iter()
        .map(|d| {
            let doc = d.doc();
            (doc.infos(&lexicon), doc.sentences.clone(), d)
        })
        .collect();
    let score_dev = |w1: &Weights, w2: Option<&Weights>| -> Scores {
        let mut scores = Scores::default();
        for (infos, sentences, d) in &dev_prepared {
            let labels = tag_infos(w1, w2, infos, sentences, None);
            let predicted: Vec<_> = sentence_spans(&labels, sentences)
                .into_iter()
                .map(|s| (s.start, s.end, s.kind.conll().to_string()))
                .collect();
            scores.add(&d.gold_chunks(), &predicted);
            scores.tokens += infos.len();
        }
        scores
    };
    let all: Vec<&Prepared> = prepared.iter().collect();
    let (w1, e1) = train_pass(
        &all,
        config,
        config.epochs,
        Some(&mut |w: &Weights| score_dev(w, None)),
        report,
        "pass 1",
    );
    let f1_first = score_dev(&w1, None).total.f1();
    // Held-out first-pass labels for every training document.
    let mut held_out: Vec<Vec<Label>> = vec![Vec::new(); prepared.len()];
    for k in 0..FOLDS {
        let rest: Vec<&Prepared> = prepared
            .iter()
            .enumerate()
            .filter(|(i, _)| i % FOLDS != k)
            .map(|(_, p)| p)
            .collect();
        let (wk, _) = train_pass(&rest, config, e1, None, &mut |_| {}, "fold");
        for (i, p) in prepared.iter().enumerate().filter(|(i, _)| i % FOLDS == k) {
            held_out[i] = decode(&mut &wk, &p.infos, &p.sentences, None);
        }
        report(&format!(
            "pass 1 fold {}/{FOLDS} trained for held-out labels",
            k + 1
        ));
    }
    for (p, labels) in prepared.iter_mut().zip(&held_out) {
        p.agg = Some(aggregate(&p.infos, &p.sentences, labels));
    }
    let all: Vec<&Prepared> = prepared.iter().collect();
    let (w2, e2) = train_pass(
        &all,
        config,
        config.epochs,
        Some(&mut |w: &Weights| score_dev(&w1, Some(w))),
        report,
        "pass 2",
    );
    let f1 = score_dev(&w1, Some(&w2)).total.f1();
    // Keep the second pass only if it helps on dev.
    let (weights2, f1) = if f1 > f1_first {
        (Some(w2), f1)
    } else {
        (None, f1_first)
    };
    let info = serde_json::json!({
        "trained_on": "CoNLL-2003 English train",
        "dev_f1": (f1 * 10000.0).round() / 10000.0,
        "dev_f1_first_pass": (f1_first * 10000.0).round() / 10000.0,
        "best_epochs": [e1, e2],
        "epochs": config.epochs,
        "seed": config.seed,
        "dropout": config.dropout,
        "features": [w1.len(), weights2.as_ref().map_or(0, Weights::len)],
        "clusters": lexicon.clusters.len(),
        "casing_words": lexicon.casing.len(),
        "gazetteer_names": lexicon.gazetteer.len(),
    })
    .to_string();
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

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\nGerman JJ I-NP I-MISC\ncall NN I-NP O\n\nPeter NNP I-NP I-PER\nBlackburn NNP I-NP I-PER\n\n-DOCSTART- -X- O O\n\nBRUSSELS NNP I-NP I-LOC\n";

    #[test]
    fn reads_documents_and_sentences() {
        let docs = parse_conll(SAMPLE.as_bytes()).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].sentences.len(), 2);
        assert_eq!(
            docs[0].gold_chunks(),
            [
                (0, 1, "ORG".into()),
                (2, 3, "MISC".into()),
                (4, 6, "PER".into())
            ]
        );
        assert_eq!(docs[1].gold_chunks(), [(0, 1, "LOC".into())]);
    }

    #[test]
    fn iob1_and_iob2_chunks_as_conlleval() {
        assert_eq!(
            iob_chunks(&["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG"]),
            [
                (0, 2, "PER".into()),
                (2, 3, "PER".into()),
                (4, 5, "LOC".into()),
                (5, 6, "ORG".into())
            ]
        );
        assert_eq!(iob_chunks(&["B-PER", "I-PER", "O"]), [(0, 2, "PER".into())]);
    }

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

    #[test]
    fn training_learns_a_toy_corpus_reproducibly() {
        let docs = parse_conll(SAMPLE.as_bytes()).unwrap();
        let config = TrainConfig {
            epochs: 5,
            seed: 3,
            dropout: 0.0,
        };
        let m1 = train(&docs, &docs, Lexicon::default(), &config, &mut |_| {});
        let m2 = train(&docs, &docs, Lexicon::default(), &config, &mut |_| {});
        assert_eq!(m1.to_bytes(), m2.to_bytes());
        let scores = evaluate(&m1, &docs);
        assert_eq!(scores.total.f1(), 1.0);
    }
}
