//! The hashes features are made of: per-token string hashes combined with
//! template ids into 64-bit feature keys.

const K: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline]
pub(super) fn mix(a: u64, b: u64) -> u64 {
    let x = (a ^ b.rotate_left(23)).wrapping_mul(K);
    x ^ (x >> 29)
}

/// FNV-1a of some bytes.
#[inline]
pub(crate) fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// Hashes a string (FNV-1a, then mixed).
#[inline]
pub fn hash_str(s: &str) -> u64 {
    mix(fnv1a(s.bytes()), 0x51)
}

#[inline]
pub(super) fn feat(template: u64, a: u64) -> u64 {
    mix(template.wrapping_mul(K) ^ 0xA5, a)
}

#[inline]
pub(super) fn feat2(template: u64, a: u64, b: u64) -> u64 {
    mix(mix(template.wrapping_mul(K) ^ 0x5A, a), b)
}
