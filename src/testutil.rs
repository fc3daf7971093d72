//! Test helpers: a small seeded random number generator (xorshift), so
//! property tests are the same on every run, a JSON-lines input, and the
//! near misses of a word list.

use std::sync::Arc;

use crate::ingest::{Format, Input};

/// An input file `t.jsonl` (JSON lines, not compressed), for raw records.
pub fn jsonl_input() -> Arc<Input> {
    Arc::new(Input {
        path: "t.jsonl".into(),
        name: "t.jsonl".into(),
        format: Format::Jsonl,
        gzip: false,
        rel_id: None,
        size: 0,
    })
}

/// Each word of a lower-case ASCII list as listed, in capitals, one
/// letter longer and one letter shorter: what a look-up of the list must
/// find and must not.
pub fn near_misses(list: &[&str]) -> Vec<String> {
    let mut words = Vec::with_capacity(4 * list.len());
    for w in list {
        words.push(w.to_string());
        words.push(w.to_uppercase());
        words.push(format!("{w}x"));
        words.push(w[1..].to_string());
    }
    words
}

/// Xorshift64: deterministic, good enough to vary test inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}
