//! The weight table: feature hash -> one weight per label, as 16-bit
//! integers in an open-addressing table of cache-line slots.

use super::labels::NLABELS;

/// One slot of the weight table: a feature hash and its weights as 16-bit
/// integers (times [`Weights::scale`]), together in one 64-byte cache line
/// so that a lookup touches one line of memory (in 48 bytes, half the slots
/// would straddle two lines, one of them not prefetched).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub struct Entry {
    /// Feature hash (0: empty slot).
    pub key: u64,
    pub w: [i16; NLABELS],
}

/// Feature weights: an open-addressing hash table from feature hash to a
/// row of [`NLABELS`] weights.
#[derive(Clone)]
pub struct Weights {
    table: Vec<Entry>,
    len: usize,
    /// Value of one unit of the stored integer weights.
    scale: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights::from_rows(Vec::new())
    }
}

const EMPTY: Entry = Entry {
    key: 0,
    w: [0; NLABELS],
};

impl Weights {
    /// Builds the table from (feature, weights) pairs.
    pub fn from_rows(rows: Vec<(u64, [f32; NLABELS])>) -> Weights {
        let max = rows
            .iter()
            .flat_map(|(_, w)| w.iter())
            .fold(0f32, |m, w| m.max(w.abs()))
            .max(1e-9);
        Weights::from_quantized(
            max / 32767.0,
            rows.into_iter()
                .map(|(k, w)| (k, w.map(|x| (x / (max / 32767.0)).round() as i16))),
        )
    }

    /// Builds the table from integer weights and their scale.
    pub fn from_quantized(
        scale: f32,
        rows: impl ExactSizeIterator<Item = (u64, [i16; NLABELS])>,
    ) -> Weights {
        // Load factor at most 1/2: a lookup, found or not, seldom walks
        // past its first slot (fuller tables made tagging slower).
        let cap = (rows.len() * 2 + 1).next_power_of_two().max(16);
        let mut table = Vec::new();
        crate::util::huge::reserve_huge(&mut table, cap);
        table.resize(cap, EMPTY);
        let len = rows.len();
        for (key, w) in rows {
            let key = if key == 0 { 1 } else { key };
            let mut s = (key as usize) & (cap - 1);
            while table[s].key != 0 {
                s = (s + 1) & (cap - 1);
            }
            table[s] = Entry { key, w };
        }
        Weights { table, len, scale }
    }

    /// The value of one unit of the stored weights.
    pub fn scale(&self) -> f32 {
        self.scale
    }

    /// Every (feature, integer weights) pair, in table order.
    pub fn rows(&self) -> impl Iterator<Item = (u64, &[i16; NLABELS])> {
        self.table
            .iter()
            .filter(|e| e.key != 0)
            .map(|e| (e.key, &e.w))
    }

    /// The integer weight row of a feature, if the model has it.
    #[inline]
    pub fn row(&self, key: u64) -> Option<&[i16; NLABELS]> {
        let key = if key == 0 { 1 } else { key };
        let mask = self.table.len() - 1;
        let mut s = (key as usize) & mask;
        loop {
            let e = &self.table[s];
            if e.key == key {
                return Some(&e.w);
            }
            if e.key == 0 {
                return None;
            }
            s = (s + 1) & mask;
        }
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if the model has no features.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds the rows of `features` into `scores`, prefetching every row
    /// first so the memory loads overlap.
    #[inline]
    pub fn score(&self, features: &[u64], scores: &mut [f32; NLABELS]) {
        let mut acc = [0i32; NLABELS];
        self.add(features, &mut acc);
        self.add_scaled(&acc, scores);
    }

    /// Adds the integer rows of `features` into `acc`.
    #[inline]
    pub fn add(&self, features: &[u64], acc: &mut [i32; NLABELS]) {
        self.prefetch(features);
        self.add_rows(features, acc);
    }

    /// Starts loading the table slots of `features`.
    #[inline]
    pub fn prefetch(&self, features: &[u64]) {
        let mask = self.table.len() - 1;
        for &f in features {
            let key = if f == 0 { 1 } else { f };
            crate::util::prefetch(&self.table[(key as usize) & mask]);
        }
    }

    /// [`Weights::add`] without the prefetching.
    #[inline]
    pub fn add_rows(&self, features: &[u64], acc: &mut [i32; NLABELS]) {
        for &f in features {
            if let Some(row) = self.row(f) {
                for (a, w) in acc.iter_mut().zip(row) {
                    *a += *w as i32;
                }
            }
        }
    }

    /// Adds integer sums, scaled, into `scores`.
    #[inline]
    pub(super) fn add_scaled(&self, acc: &[i32; NLABELS], scores: &mut [f32; NLABELS]) {
        for (s, a) in scores.iter_mut().zip(acc) {
            *s += *a as f32 * self.scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::ner::*;

    #[test]
    fn weights_table_finds_every_row() {
        let rows: Vec<(u64, [f32; NLABELS])> = (1..1000u64)
            .map(|k| (hash_str(&k.to_string()), [k as f32; NLABELS]))
            .collect();
        let w = Weights::from_rows(rows);
        for k in 1..1000u64 {
            let got = w.row(hash_str(&k.to_string())).unwrap()[3] as f32 * w.scale();
            assert!((got - k as f32).abs() < 0.02, "{k}: {got}");
        }
        assert!(w.row(hash_str("absent")).is_none());
    }
}
