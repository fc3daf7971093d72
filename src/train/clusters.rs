//! Word clusters and casing statistics from unlabelled news: text in, a
//! [`Lexicon`] out. Clusters come from the exchange algorithm (Martin,
//! Liermann & Ney 1998) on a class bigram model, run at three
//! granularities; the tagger uses the three cluster ids of a word as it
//! would use Brown cluster prefixes.

use std::collections::HashMap;

use rayon::prelude::*;

use super::casing::{CasingCounts, casing_table};
use crate::analyze::lexicon::Lexicon;

/// Collects word and bigram counts, and casing, from token streams.
#[derive(Default)]
pub struct Counter {
    ids: HashMap<String, u32>,
    words: Vec<String>,
    freq: Vec<u64>,
    bigrams: HashMap<(u32, u32), u32>,
    casing: HashMap<String, CasingCounts>,
    pub tokens: u64,
}

const BOUNDARY: &str = "<s>";

impl Counter {
    fn id(&mut self, w: &str) -> u32 {
        if let Some(&i) = self.ids.get(w) {
            return i;
        }
        let i = self.words.len() as u32;
        self.ids.insert(w.to_string(), i);
        self.words.push(w.to_string());
        self.freq.push(0);
        i
    }

    /// Adds one sentence of words (as written).
    pub fn add_sentence(&mut self, words: &[&str], caps_sentence: bool) {
        let mut prev = self.id(BOUNDARY);
        for (i, w) in words.iter().enumerate() {
            let norm: String = w
                .chars()
                .map(|c| if c.is_ascii_digit() { '0' } else { c })
                .collect();
            let id = self.id(&norm);
            self.freq[id as usize] += 1;
            *self.bigrams.entry((prev, id)).or_default() += 1;
            prev = id;
            self.tokens += 1;
            // Casing: count mid-sentence, non-headline uses only.
            if i > 0 && !caps_sentence && w.chars().next().is_some_and(char::is_alphabetic) {
                let lower = w.to_lowercase();
                let c = self.casing.entry(lower).or_default();
                if w.chars().next().is_some_and(char::is_uppercase) {
                    c.capitalised += 1;
                    *c.forms.entry(w.to_string()).or_default() += 1;
                } else {
                    c.lower += 1;
                }
            }
        }
        let end = self.id(BOUNDARY);
        *self.bigrams.entry((prev, end)).or_default() += 1;
    }

    /// Clusters words seen at least `min_count` times at each granularity
    /// and returns the lexicon. `report` gets progress lines.
    pub fn into_lexicon(
        self,
        min_count: u64,
        sizes: [usize; 3],
        iterations: usize,
        report: &mut dyn FnMut(&str),
    ) -> Lexicon {
        // Vocabulary: frequent words, most frequent first; the rest share
        // one "rare" word so their bigrams still count.
        let mut order: Vec<u32> = (0..self.words.len() as u32)
            .filter(|&w| self.freq[w as usize] >= min_count || self.words[w as usize] == BOUNDARY)
            .collect();
        order.sort_by(|a, b| {
            self.freq[*b as usize]
                .cmp(&self.freq[*a as usize])
                .then(self.words[*a as usize].cmp(&self.words[*b as usize]))
        });
        let rare = order.len() as u32;
        let mut remap = vec![rare; self.words.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old as usize] = new as u32;
        }
        let v = order.len() + 1;
        let mut bigrams: HashMap<(u32, u32), u64> = HashMap::new();
        for (&(a, b), &n) in &self.bigrams {
            *bigrams
                .entry((remap[a as usize], remap[b as usize]))
                .or_default() += n as u64;
        }
        let mut sorted: Vec<((u32, u32), u64)> = bigrams.into_iter().collect();
        sorted.sort_unstable();
        let graph = Graph::new(v, &sorted);
        report(&format!(
            "vocabulary {} words (count >= {min_count}), {} bigram types, {} tokens",
            v - 1,
            sorted.len(),
            self.tokens
        ));
        let mut lexicon = Lexicon::default();
        let mut ids: Vec<[u16; 3]> = vec![[0; 3]; v];
        for (g, &c) in sizes.iter().enumerate() {
            let classes = exchange(&graph, c, iterations, &mut |s| {
                report(&format!("  {c} clusters: {s}"))
            });
            for (w, cl) in classes.iter().enumerate() {
                ids[w][g] = *cl as u16;
            }
        }
        for (new, &old) in order.iter().enumerate() {
            let w = &self.words[old as usize];
            if w != BOUNDARY {
                lexicon.clusters.insert(w.clone(), ids[new]);
            }
        }
        lexicon.casing = casing_table(self.casing, 3);
        lexicon
    }
}

/// Bigram counts as adjacency lists.
struct Graph {
    /// For each word: (next word, count).
    succ: Vec<Vec<(u32, u64)>>,
    /// For each word: (previous word, count).
    pred: Vec<Vec<(u32, u64)>>,
}

impl Graph {
    fn new(v: usize, bigrams: &[((u32, u32), u64)]) -> Graph {
        let mut succ = vec![Vec::new(); v];
        let mut pred = vec![Vec::new(); v];
        for &((a, b), n) in bigrams {
            succ[a as usize].push((b, n));
            pred[b as usize].push((a, n));
        }
        Graph { succ, pred }
    }
}

#[inline]
fn f(x: i64) -> f64 {
    if x <= 0 {
        0.0
    } else {
        x as f64 * (x as f64).ln()
    }
}

/// Runs the exchange algorithm; returns a class per word. The last word
/// (the rare-word bucket) takes part like any other.
fn exchange(g: &Graph, c: usize, iterations: usize, report: &mut dyn FnMut(&str)) -> Vec<u32> {
    let v = g.succ.len();
    let c = c.min(v).max(1);
    let mut class: Vec<u32> = (0..v).map(|w| (w % c) as u32).collect();
    let mut n = vec![0i64; c * c];
    let mut nl = vec![0i64; c];
    let mut nr = vec![0i64; c];
    for (a, list) in g.succ.iter().enumerate() {
        for &(b, k) in list {
            let (ca, cb) = (class[a] as usize, class[b as usize] as usize);
            n[ca * c + cb] += k as i64;
            nl[ca] += k as i64;
            nr[cb] += k as i64;
        }
    }
    let mut right = vec![0i64; c];
    let mut left = vec![0i64; c];
    for it in 1..=iterations {
        let mut moved = 0usize;
        for w in 0..v {
            // Class counts of w's neighbours (w itself aside).
            let mut rnz: Vec<usize> = Vec::new();
            let mut lnz: Vec<usize> = Vec::new();
            let mut own = 0i64;
            let (mut wl, mut wr) = (0i64, 0i64);
            for &(u, k) in &g.succ[w] {
                wl += k as i64;
                if u as usize == w {
                    own += k as i64;
                    continue;
                }
                let cu = class[u as usize] as usize;
                if right[cu] == 0 {
                    rnz.push(cu);
                }
                right[cu] += k as i64;
            }
            for &(u, k) in &g.pred[w] {
                wr += k as i64;
                if u as usize == w {
                    continue;
                }
                let cu = class[u as usize] as usize;
                if left[cu] == 0 {
                    lnz.push(cu);
                }
                left[cu] += k as i64;
            }
            let a = class[w] as usize;
            // Take w out of its class.
            for &x in &rnz {
                n[a * c + x] -= right[x];
            }
            for &x in &lnz {
                n[x * c + a] -= left[x];
            }
            n[a * c + a] -= own;
            nl[a] -= wl;
            nr[a] -= wr;
            // Gain of putting it into each class.
            let gain = |b: usize| -> f64 {
                let mut d = 0.0;
                for &x in &rnz {
                    if x != b {
                        let cur = n[b * c + x];
                        d += f(cur + right[x]) - f(cur);
                    }
                }
                for &x in &lnz {
                    if x != b {
                        let cur = n[x * c + b];
                        d += f(cur + left[x]) - f(cur);
                    }
                }
                let bb = n[b * c + b];
                d += f(bb + right[b] + left[b] + own) - f(bb);
                d -= f(nl[b] + wl) - f(nl[b]);
                d -= f(nr[b] + wr) - f(nr[b]);
                d
            };
            let gains: Vec<f64> = if rnz.len() + lnz.len() > 64 {
                (0..c).into_par_iter().map(gain).collect()
            } else {
                (0..c).map(gain).collect()
            };
            let mut best = a;
            for (b, &gb) in gains.iter().enumerate() {
                if gb > gains[best] + 1e-9 {
                    best = b;
                }
            }
            if best != a {
                moved += 1;
            }
            for &x in &rnz {
                n[best * c + x] += right[x];
            }
            for &x in &lnz {
                n[x * c + best] += left[x];
            }
            n[best * c + best] += own;
            nl[best] += wl;
            nr[best] += wr;
            class[w] = best as u32;
            for &x in &rnz {
                right[x] = 0;
            }
            for &x in &lnz {
                left[x] = 0;
            }
        }
        let objective: f64 = n.iter().map(|&x| f(x)).sum::<f64>()
            - nl.iter().map(|&x| f(x)).sum::<f64>()
            - nr.iter().map(|&x| f(x)).sum::<f64>();
        report(&format!(
            "iteration {it}: {moved} words moved, objective {objective:.0}"
        ));
        if moved == 0 {
            break;
        }
    }
    class
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_separates_two_obvious_word_classes() {
        // "the X barks" / "a Y meows": dogs and cats share contexts.
        let mut counter = Counter::default();
        for _ in 0..20 {
            for dog in ["rex", "fido", "spot"] {
                counter.add_sentence(&["the", dog, "barks"], false);
            }
            for cat in ["tom", "kitty", "felix"] {
                counter.add_sentence(&["a", cat, "meows"], false);
            }
        }
        let lex = counter.into_lexicon(1, [2, 4, 8], 10, &mut |_| {});
        // With room for them (8 classes), dogs and cats never share a class,
        // and neither shares one with the words around them.
        let cl = |w: &str| lex.clusters[w][2];
        for dog in ["rex", "fido", "spot"] {
            for cat in ["tom", "kitty", "felix"] {
                assert_ne!(cl(dog), cl(cat), "{dog} {cat}");
            }
            for other in ["the", "a", "barks", "meows"] {
                assert_ne!(cl(dog), cl(other), "{dog} {other}");
            }
        }
        assert_eq!(cl("tom"), cl("kitty"));
    }
}
