//! Words to numbers, for the tagger's word cache: a word and its hash in,
//! the slot it was given when first added out (0, 1, 2, ... in order).
//! Words are kept end to end in one buffer, and a lookup can be started
//! (prefetched) a few words ahead of the one being read.

use std::hash::BuildHasher;

/// Words numbered in the order they were added.
#[derive(Default)]
pub struct WordTable {
    /// Open addressing on the word's hash, at most half full: (hash,
    /// 1 + slot); slot 0 marks an empty place.
    places: Vec<(u64, u32)>,
    /// Every word's bytes, end to end, and where each one ends.
    text: String,
    ends: Vec<usize>,
}

impl WordTable {
    /// The hash [`WordTable::get`] and [`WordTable::insert`] take.
    #[inline]
    pub fn hash(word: &str) -> u64 {
        rustc_hash::FxBuildHasher.hash_one(word)
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True if no word was added.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The word of a slot.
    fn word(&self, slot: usize) -> &str {
        let start = match slot {
            0 => 0,
            s => self.ends[s - 1],
        };
        &self.text[start..self.ends[slot]]
    }

    #[inline]
    fn home(&self, hash: u64) -> usize {
        hash as usize & (self.places.len() - 1)
    }

    /// Starts loading the place where a word of this hash would be.
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        if !self.places.is_empty() {
            crate::util::prefetch(&self.places[self.home(hash)]);
        }
    }

    /// The slot at the home place of `hash`, if a word of that hash is
    /// there; the word is not compared, so this is a guess, for hints.
    #[inline]
    pub fn guess(&self, hash: u64) -> Option<usize> {
        if self.places.is_empty() {
            return None;
        }
        let (h, s) = self.places[self.home(hash)];
        (s != 0 && h == hash).then(|| s as usize - 1)
    }

    /// Starts loading a slot's word (a hint).
    #[inline]
    pub fn prefetch_word(&self, slot: usize) {
        if let Some(&end) = self.ends.get(slot) {
            crate::util::prefetch(
                self.text
                    .as_bytes()
                    .as_ptr()
                    .wrapping_add(end.saturating_sub(1)),
            );
        }
    }

    /// The slot of `word`, whose hash is `hash`, if it was added.
    #[inline]
    pub fn get(&self, word: &str, hash: u64) -> Option<usize> {
        if self.places.is_empty() {
            return None;
        }
        let mask = self.places.len() - 1;
        let mut at = self.home(hash);
        loop {
            let (h, s) = self.places[at];
            if s == 0 {
                return None;
            }
            if h == hash && self.word(s as usize - 1) == word {
                return Some(s as usize - 1);
            }
            at = (at + 1) & mask;
        }
    }

    /// Removes every word, keeping the memory.
    pub fn clear(&mut self) {
        self.places.fill((0, 0));
        self.text.clear();
        self.ends.clear();
    }

    /// Adds `word` (hash `hash`, not in the table yet) with the next slot.
    pub fn insert(&mut self, word: &str, hash: u64) -> usize {
        if (self.len() + 1) * 2 > self.places.len() {
            self.grow();
        }
        let slot = self.len();
        self.text.push_str(word);
        self.ends.push(self.text.len());
        self.place(hash, slot);
        slot
    }

    fn place(&mut self, hash: u64, slot: usize) {
        let mask = self.places.len() - 1;
        let mut at = self.home(hash);
        while self.places[at].1 != 0 {
            at = (at + 1) & mask;
        }
        self.places[at] = (hash, slot as u32 + 1);
    }

    fn grow(&mut self) {
        let size = (self.places.len() * 2).max(64);
        let old = std::mem::replace(&mut self.places, vec![(0, 0); size]);
        for (hash, s) in old {
            if s != 0 {
                self.place(hash, s as usize - 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_get_slots_in_the_order_added_and_are_found_again() {
        let mut t = WordTable::default();
        let words: Vec<String> = (0..5000).map(|i| format!("w{i}")).collect();
        for (i, w) in words.iter().enumerate() {
            let h = WordTable::hash(w);
            assert_eq!(t.get(w, h), None);
            assert_eq!(t.insert(w, h), i);
        }
        assert_eq!(t.len(), 5000);
        for (i, w) in words.iter().enumerate() {
            assert_eq!(t.get(w, WordTable::hash(w)), Some(i));
            assert_eq!(t.word(i), w);
        }
        assert_eq!(t.get("w5000", WordTable::hash("w5000")), None);
        assert_eq!(t.get("", WordTable::hash("")), None);
    }

    #[test]
    fn words_of_the_same_hash_are_told_apart_by_their_text() {
        // Every word given one hash: only the text can tell them apart.
        let mut t = WordTable::default();
        for (i, w) in ["", "a", "ab", "b", "ba"].iter().enumerate() {
            assert_eq!(t.get(w, 7), None);
            assert_eq!(t.insert(w, 7), i);
        }
        for (i, w) in ["", "a", "ab", "b", "ba"].iter().enumerate() {
            assert_eq!(t.get(w, 7), Some(i));
        }
        assert_eq!(t.get("abc", 7), None);
        let mut cleared = WordTable::default();
        cleared.insert("x", 7);
        cleared.clear();
        assert_eq!((cleared.len(), cleared.get("x", 7)), (0, None));
        assert_eq!((cleared.insert("y", 7), cleared.get("y", 7)), (0, Some(0)));
        assert_eq!(t.guess(7), Some(0));
        assert_eq!(t.guess(8), None);
        // Hints never fail: an empty word, a slot past the end.
        t.prefetch_word(0);
        t.prefetch_word(99);
        t.prefetch(7);
    }
}
