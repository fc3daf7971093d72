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
    let mut classes = Classes::new(g, c.min(v).max(1));
    let mut near = Neighbours::new(classes.c);
    for it in 1..=iterations {
        let mut moved = 0usize;
        for w in 0..v {
            near.count(g, &classes.class, w);
            let a = classes.class[w] as usize;
            classes.shift(a, &near, -1);
            let gain = |b: usize| classes.gain(b, &near);
            let gains: Vec<f64> = if near.rnz.len() + near.lnz.len() > 64 {
                (0..classes.c).into_par_iter().map(gain).collect()
            } else {
                (0..classes.c).map(gain).collect()
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
            classes.shift(best, &near, 1);
            classes.class[w] = best as u32;
            near.clear();
        }
        report(&format!(
            "iteration {it}: {moved} words moved, objective {:.0}",
            classes.objective()
        ));
        if moved == 0 {
            break;
        }
    }
    classes.class
}

/// A class per word and the class bigram counts: `n[a * c + b]` bigrams
/// from class a to class b, `nl[a]` bigrams leaving a, `nr[b]` entering b.
struct Classes {
    c: usize,
    class: Vec<u32>,
    n: Vec<i64>,
    nl: Vec<i64>,
    nr: Vec<i64>,
}

impl Classes {
    /// Words dealt round-robin into `c` classes.
    fn new(g: &Graph, c: usize) -> Classes {
        let v = g.succ.len();
        let class: Vec<u32> = (0..v).map(|w| (w % c) as u32).collect();
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
        Classes {
            c,
            class,
            n,
            nl,
            nr,
        }
    }

    /// Adds (`sign` 1) or takes out (-1) a word with neighbours `near` to or
    /// from class `a`.
    fn shift(&mut self, a: usize, near: &Neighbours, sign: i64) {
        let c = self.c;
        for &x in &near.rnz {
            self.n[a * c + x] += sign * near.right[x];
        }
        for &x in &near.lnz {
            self.n[x * c + a] += sign * near.left[x];
        }
        self.n[a * c + a] += sign * near.own;
        self.nl[a] += sign * near.wl;
        self.nr[a] += sign * near.wr;
    }

    /// The gain in the objective of putting a word with neighbours `near`
    /// (taken out of its class) into class `b`.
    fn gain(&self, b: usize, near: &Neighbours) -> f64 {
        let (c, n) = (self.c, &self.n);
        let mut d = 0.0;
        for &x in &near.rnz {
            if x != b {
                let cur = n[b * c + x];
                d += f(cur + near.right[x]) - f(cur);
            }
        }
        for &x in &near.lnz {
            if x != b {
                let cur = n[x * c + b];
                d += f(cur + near.left[x]) - f(cur);
            }
        }
        let bb = n[b * c + b];
        d += f(bb + near.right[b] + near.left[b] + near.own) - f(bb);
        d -= f(self.nl[b] + near.wl) - f(self.nl[b]);
        d -= f(self.nr[b] + near.wr) - f(self.nr[b]);
        d
    }

    /// The class bigram model's log-likelihood, up to a constant.
    fn objective(&self) -> f64 {
        self.n.iter().map(|&x| f(x)).sum::<f64>()
            - self.nl.iter().map(|&x| f(x)).sum::<f64>()
            - self.nr.iter().map(|&x| f(x)).sum::<f64>()
    }
}

/// The class counts of one word's neighbours (the word itself aside):
/// `right[x]` bigrams from the word into class x, `left[x]` from class x
/// into it, the classes with counts in `rnz` and `lnz`; `own` its bigrams
/// with itself, `wl` and `wr` all it starts and ends.
struct Neighbours {
    right: Vec<i64>,
    left: Vec<i64>,
    rnz: Vec<usize>,
    lnz: Vec<usize>,
    own: i64,
    wl: i64,
    wr: i64,
}

impl Neighbours {
    fn new(c: usize) -> Neighbours {
        Neighbours {
            right: vec![0; c],
            left: vec![0; c],
            rnz: Vec::new(),
            lnz: Vec::new(),
            own: 0,
            wl: 0,
            wr: 0,
        }
    }

    /// Counts word `w`'s neighbours by class (after [`Neighbours::clear`]).
    fn count(&mut self, g: &Graph, class: &[u32], w: usize) {
        (self.own, self.wl, self.wr) = (0, 0, 0);
        for &(u, k) in &g.succ[w] {
            self.wl += k as i64;
            if u as usize == w {
                self.own += k as i64;
                continue;
            }
            let cu = class[u as usize] as usize;
            if self.right[cu] == 0 {
                self.rnz.push(cu);
            }
            self.right[cu] += k as i64;
        }
        for &(u, k) in &g.pred[w] {
            self.wr += k as i64;
            if u as usize == w {
                continue;
            }
            let cu = class[u as usize] as usize;
            if self.left[cu] == 0 {
                self.lnz.push(cu);
            }
            self.left[cu] += k as i64;
        }
    }

    fn clear(&mut self) {
        for &x in &self.rnz {
            self.right[x] = 0;
        }
        for &x in &self.lnz {
            self.left[x] = 0;
        }
        self.rnz.clear();
        self.lnz.clear();
    }
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
