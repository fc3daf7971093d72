//! Decoding: the greedy left-to-right pass that gives each token the best
//! label allowed after the previous one, from static scores summed once
//! and dynamic features added per token.

use super::cache::PartSums;
use super::features::{
    DocHistory, History, NEIGHBOURS, dynamic_features, neighbour, pair_features,
    situation_features, static_features,
};
use super::labels::{FOLLOWS, Label, NLABELS, O, opens};
use super::stack::{Agg, agg_features};
use super::token::TokenInfo;
use super::weights::Weights;

/// A token that is O without asking the model unless an entity is open
/// before it: a plain word (no capital, no digit; punctuation too). Names of
/// every type start with a capital or a digit: in CoNLL-2003 train a plain
/// token almost never begins an entity ("de", "van", "serie"), and
/// CoNLL-2003 dev scores the same with or without asking. Plain
/// words inside a name ("Bank of England") are still scored, because the
/// entity is open. Training sees every token.
///
/// Numbers too (digits, no letter): they seldom begin an entity ("1998
/// World Cup", "1860 Munich"), and go on an open name as plain words do
/// ("Formula 1").
#[inline]
pub fn obviously_outside(infos: &[TokenInfo], i: usize) -> bool {
    infos[i].plain || infos[i].number
}

/// The static scores of a document's tokens ([`static_scores`]): a row for
/// each token scored, none for the others (about four tokens in five are
/// [`obviously_outside`]; a zeroed row for every token was ~300 MB written
/// per pass over the benchmark corpus).
#[derive(Debug, Clone, PartialEq)]
pub struct StaticScores {
    /// Per token: its row in `rows`, or [`StaticScores::NONE`].
    at: Vec<u32>,
    rows: Vec<[f32; NLABELS]>,
}

impl StaticScores {
    const NONE: u32 = u32::MAX;

    /// The scores of token `i` (zero if it was not scored).
    #[inline]
    pub fn get(&self, i: usize) -> [f32; NLABELS] {
        match self.at[i] {
            StaticScores::NONE => [0.0; NLABELS],
            k => self.rows[k as usize],
        }
    }
}

/// The label-independent scores of every token that is not
/// [`obviously_outside`] (static features only), of the tokens `only` marks
/// (all without it; the others' scores are zero). With `parts`, the
/// sums of words in the [`WordCache`] that made `infos` are taken from (and
/// kept in) it; the scores are the same either way.
pub fn static_scores(
    weights: &Weights,
    infos: &[TokenInfo],
    sentences: &[usize],
    mut parts: Option<&mut PartSums>,
    only: Option<&[bool]>,
) -> StaticScores {
    let mut out = StaticScores {
        at: vec![StaticScores::NONE; infos.len()],
        rows: Vec::with_capacity(infos.len() / 4),
    };
    let mut feats: Vec<u64> = Vec::with_capacity(96);
    let mut scratch: Vec<u64> = Vec::with_capacity(96);
    // Sums are kept by slot: only for infos a word cache made.
    let cached = infos.iter().all(|x| x.slot > 0) && parts.is_some();
    for s in 0..sentences.len().saturating_sub(1) {
        let (a, b) = (sentences[s], sentences[s + 1]);
        // The next token scored, whose rows of sums are preloaded while
        // this one is scored.
        let next = |from: usize| {
            (from..b).find(|&j| only.is_none_or(|only| only[j]) && !obviously_outside(infos, j))
        };
        let mut ahead = next(a);
        while let Some(i) = ahead {
            ahead = next(i + 1);
            if let (true, Some(j), Some(parts)) = (cached, ahead, parts.as_deref()) {
                parts.preload(infos, a, b, j);
            }
            feats.clear();
            if !cached {
                static_features(infos, a, b, i, &mut feats);
            } else {
                situation_features(infos, a, b, i, &mut feats);
                pair_features(infos, a, b, i, &mut feats);
            }
            weights.prefetch(&feats);
            let mut acc = [0i32; NLABELS];
            if let (true, Some(parts)) = (cached, parts.as_deref_mut()) {
                let own = parts.of(weights, &infos[i], &mut scratch);
                acc = parts.blocks[own][0];
                for (p, k) in NEIGHBOURS.into_iter().enumerate() {
                    let row = match neighbour(infos, a, b, i, k) {
                        Some(n) => {
                            let block = parts.of(weights, n, &mut scratch);
                            parts.blocks[block][p + 1]
                        }
                        None => parts.edge(weights, &mut scratch)[p + 1],
                    };
                    for (a, r) in acc.iter_mut().zip(row) {
                        *a += r;
                    }
                }
            }
            weights.add_rows(&feats, &mut acc);
            let mut row = [0f32; NLABELS];
            weights.add_scaled(&acc, &mut row);
            out.at[i] = out.rows.len() as u32;
            out.rows.push(row);
        }
    }
    out
}

/// What decoding asks of the weights: scores for a feature list, and (for
/// training) a look at each decision.
pub trait Scorer {
    /// Adds the weights of `features` into `scores`.
    fn score(&self, features: &[u64], scores: &mut [f32; NLABELS]);
    /// Sees token `i`'s features and the predicted label; returns the label
    /// to go on with. Training updates its weights here.
    fn observe(&mut self, _i: usize, _features: &[u64], predicted: Label) -> Label {
        predicted
    }
    /// May remove features before scoring (training drops some at random).
    fn prune(&mut self, _i: usize, _features: &mut Vec<u64>) {}
    /// Whether tokens that are [`obviously_outside`] may be labelled O
    /// without scoring (tagging: yes; training sees every token).
    fn skips_plain(&self) -> bool {
        true
    }
}

impl Scorer for &Weights {
    fn score(&self, features: &[u64], scores: &mut [f32; NLABELS]) {
        Weights::score(self, features, scores)
    }
}

/// Tags a document greedily, left to right, sentence by sentence.
pub fn decode<S: Scorer + ?Sized>(
    scorer: &mut S,
    infos: &[TokenInfo],
    sentences: &[usize],
    agg: Option<&[Agg]>,
) -> Vec<Label> {
    decode_with(scorer, infos, sentences, agg, None)
}

/// [`decode`], with the static part of each token's scores computed
/// beforehand ([`static_scores`]) when `fixed` is given.
pub fn decode_with<S: Scorer + ?Sized>(
    scorer: &mut S,
    infos: &[TokenInfo],
    sentences: &[usize],
    agg: Option<&[Agg]>,
    fixed: Option<&StaticScores>,
) -> Vec<Label> {
    decode_some(scorer, infos, sentences, agg, fixed, None)
}

/// The second pass over the tokens [`rereads`] marks, with their static
/// scores in `fixed`; the other tokens keep their `first`-pass labels (which
/// the label history and the next token's label features still see). A run
/// of marked tokens ends on a label that closes any name, as the kept label
/// after it begins one or is outside.
pub fn redecode<S: Scorer + ?Sized>(
    scorer: &mut S,
    infos: &[TokenInfo],
    sentences: &[usize],
    agg: &[Agg],
    fixed: &StaticScores,
    reread: &[bool],
    first: &[Label],
) -> Vec<Label> {
    decode_some(
        scorer,
        infos,
        sentences,
        Some(agg),
        Some(fixed),
        Some((reread, first)),
    )
}

/// [`decode_with`]; with `keep`, the tokens it does not mark take their
/// labels from it instead.
fn decode_some<S: Scorer + ?Sized>(
    scorer: &mut S,
    infos: &[TokenInfo],
    sentences: &[usize],
    agg: Option<&[Agg]>,
    fixed: Option<&StaticScores>,
    keep: Option<(&[bool], &[Label])>,
) -> Vec<Label> {
    let mut labels = vec![O; infos.len()];
    let mut history = DocHistory::for_tokens(infos);
    let mut feats: Vec<u64> = Vec::with_capacity(96);
    let skips = scorer.skips_plain();
    for s in 0..sentences.len().saturating_sub(1) {
        let (a, b) = (sentences[s], sentences[s + 1]);
        let mut p1: Option<Label> = None;
        let mut p2: Option<Label> = None;
        for i in a..b {
            if let Some((marked, kept)) = keep
                && !marked[i]
            {
                labels[i] = kept[i];
                history.record(infos, i, kept[i]);
                p2 = p1;
                p1 = Some(kept[i]);
                continue;
            }
            let outside = skips && obviously_outside(infos, i);
            let open = p1.is_some_and(|p| opens(p as usize));
            if outside && !open {
                labels[i] = O;
                history.record(infos, i, O);
                p2 = p1;
                p1 = Some(O);
                continue;
            }
            feats.clear();
            if fixed.is_none() || outside {
                // (`fixed` has no static scores for tokens that are
                // usually skipped.)
                static_features(infos, a, b, i, &mut feats);
            }
            let (hist, seen) = history.code_and_seen(&infos[i]);
            let h = History {
                p1,
                p2,
                hist,
                seen,
                in_entity: history.in_entity(&infos[i]),
            };
            dynamic_features(&infos[i], h, &mut feats);
            if let Some(agg) = agg {
                agg_features(&agg[i], &infos[i], &mut feats);
            }
            scorer.prune(i, &mut feats);
            let mut scores = fixed.map_or([0f32; NLABELS], |f| f.get(i));
            scorer.score(&feats, &mut scores);
            let last = i + 1 == b || keep.is_some_and(|(marked, _)| !marked[i + 1]);
            let mut best = O;
            let mut best_score = f32::NEG_INFINITY;
            let follows = &FOLLOWS[last as usize][p1.map_or(0, |p| p as usize + 1)];
            for (l, (&ok, &score)) in follows.iter().zip(&scores).enumerate() {
                if ok && score > best_score {
                    best = l as Label;
                    best_score = score;
                }
            }
            best = scorer.observe(i, &feats, best);
            labels[i] = best;
            history.record(infos, i, best);
            p2 = p1;
            p1 = Some(best);
        }
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::lexicon::Lexicon;
    use crate::analyze::ner::hash::mix;
    use crate::analyze::ner::*;

    #[test]
    fn plain_words_and_numbers_are_obviously_outside() {
        let words = [
            "the", ",", "1987", "3.5", "10,000", "747s", "Boeing", "F1", "x²", "٣",
        ];
        let doc = Doc::new(words.to_vec(), (0..words.len()).map(|i| i == 0));
        let infos = doc.infos(&Lexicon::default());
        let outside: Vec<bool> = (0..words.len())
            .map(|i| obviously_outside(&infos, i))
            .collect();
        assert_eq!(
            outside,
            [
                true, true, true, true, true, false, false, false, false, true
            ]
        );
    }

    #[test]
    fn decoding_always_yields_valid_sequences() {
        // Random weights: whatever the scores, the labels are well formed.
        let mut rows = Vec::new();
        let mut seed = 7u64;
        let mut next = || {
            seed = mix(seed, 1);
            (seed % 1000) as f32 / 100.0 - 5.0
        };
        let words = ["A", "b", "C", "d", "E", "F", "g"];
        let doc = Doc::new(
            words.to_vec(),
            [true, false, false, true, false, false, false].into_iter(),
        );
        let lex = Lexicon::default();
        let infos = doc.infos(&lex);
        let mut fs = Vec::new();
        for i in 0..words.len() {
            static_features(&infos, 0, words.len(), i, &mut fs);
        }
        for f in fs {
            let mut r = [0f32; NLABELS];
            for x in r.iter_mut() {
                *x = next();
            }
            rows.push((f, r));
        }
        let w = Weights::from_rows(rows);
        let labels = decode(&mut &w, &infos, &doc.sentences, None);
        for s in 0..doc.sentences.len() - 1 {
            let (a, b) = (doc.sentences[s], doc.sentences[s + 1]);
            let mut prev = None;
            for &l in &labels[a..b] {
                assert!(allowed(prev, l));
                prev = Some(l);
            }
            assert!(may_end(labels[b - 1]));
        }
    }
}
