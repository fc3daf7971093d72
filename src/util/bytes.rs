//! Byte scans: whether a run of bytes holds any byte of a small set, 16
//! bytes at a time (CSV quoting and TSV flattening ask it of every field).

/// Whether one of `bytes` is one of `set` (which holds no 0 byte), 16 bytes
/// at a time: on x86-64 with SSE2 (part of every x86-64), a comparison of
/// the 16 with each byte of the set, elsewhere with a table
/// ([`any_of_table`], the plain version, which the tests compare it with).
pub fn any_of<const N: usize>(bytes: &[u8], set: [u8; N]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        let (blocks, rest) = bytes.as_chunks::<16>();
        if blocks.iter().any(|block| sse2::any_of(block, set)) {
            return true;
        }
        // The rest zero-padded: 0 is in no set.
        let mut last = [0u8; 16];
        last[..rest.len()].copy_from_slice(rest);
        sse2::any_of(&last, set)
    }
    #[cfg(not(target_arch = "x86_64"))]
    any_of_table(bytes, set)
}

/// [`any_of`] with a table: used where SSE2 is missing, and on x86-64 as
/// the tests' oracle.
#[cfg_attr(target_arch = "x86_64", cfg(test))]
pub fn any_of_table<const N: usize>(bytes: &[u8], set: [u8; N]) -> bool {
    let mut table = [false; 256];
    for b in set {
        table[b as usize] = true;
    }
    let mut blocks = bytes.chunks_exact(16);
    for block in &mut blocks {
        if block.iter().fold(false, |any, &b| any | table[b as usize]) {
            return true;
        }
    }
    blocks.remainder().iter().any(|&b| table[b as usize])
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_movemask_epi8, _mm_or_si128, _mm_set_epi64x, _mm_set1_epi8,
        _mm_setzero_si128,
    };

    /// Whether one of the 16 `bytes` is one of `set`.
    #[inline]
    pub fn any_of<const N: usize>(bytes: &[u8; 16], set: [u8; N]) -> bool {
        let (lo, hi) = bytes.split_at(8);
        let word = |half: &[u8]| i64::from_le_bytes(half.try_into().unwrap_or_default());
        let (lo, hi) = (word(lo), word(hi));
        // SAFETY: SSE2 is part of every x86-64 processor (the baseline of
        // the x86_64 targets).
        unsafe { in_set(lo, hi, set) }
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn in_set<const N: usize>(lo: i64, hi: i64, set: [u8; N]) -> bool {
        let v = _mm_set_epi64x(hi, lo);
        let mut any = _mm_setzero_si128();
        for b in set {
            any = _mm_or_si128(any, _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8)));
        }
        _mm_movemask_epi8(any) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_of_finds_each_byte_of_the_set_anywhere() {
        let set = *b",\"\r\n";
        let naive = |b: &[u8]| b.iter().any(|c| set.contains(c));
        for len in 0..40 {
            let base: Vec<u8> = (0..len).map(|i| b"Ab z\t-\x00\xc3\xa9+"[i % 10]).collect();
            assert_eq!(any_of(&base, set), naive(&base), "{base:?}");
            for at in 0..len {
                for special in [b',', b'"', b'\r', b'\n', b'.', 0x2b, 0xac] {
                    let mut b = base.clone();
                    b[at] = special;
                    assert_eq!(any_of(&b, set), naive(&b), "{b:?}");
                    assert_eq!(any_of_table(&b, set), naive(&b), "{b:?}");
                }
            }
        }
    }
}
