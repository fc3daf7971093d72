//! Test helpers: a small seeded random number generator (xorshift), so
//! property tests are the same on every run, and a JSON-lines input.

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
