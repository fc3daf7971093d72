//! Feature templates and their extraction: the static features of a token
//! (its word, shape, affixes, clusters, casing, gazetteers and those of its
//! neighbours) and the dynamic ones (labels already given in the sentence
//! and earlier in the document).

use super::hash::{feat, feat2, mix};
use super::labels::{Label, O, Pos, split};
use super::stack::capitalised_count;
use super::token::TokenInfo;
use rustc_hash::FxHashMap as HashMap;

/// Template ids. Never renumber: they are part of the model.
pub(super) mod t {
    pub const BIAS: u64 = 1;
    pub const W0: u64 = 2;
    pub const L0: u64 = 3;
    pub const LM1: u64 = 4;
    pub const LP1: u64 = 5;
    pub const LM2: u64 = 6;
    pub const LP2: u64 = 7;
    pub const S0: u64 = 8;
    pub const SM1: u64 = 9;
    pub const SP1: u64 = 10;
    pub const SS0: u64 = 11;
    pub const S0_START: u64 = 12;
    pub const SHAPE3: u64 = 13;
    pub const AFFIX: u64 = 14; // + k
    pub const LM1_L0: u64 = 30;
    pub const L0_LP1: u64 = 31;
    pub const C0: u64 = 32; // + granularity
    pub const CM1: u64 = 36; // + granularity
    pub const CP1: u64 = 40; // + granularity
    pub const CASE0: u64 = 44;
    pub const CAPS_L0: u64 = 45;
    pub const GAZ0: u64 = 46;
    pub const GAZM1: u64 = 47;
    pub const GAZP1: u64 = 48;
    pub const DOCCAP: u64 = 49;
    pub const WM1: u64 = 50;
    pub const WP1: u64 = 51;
    pub const SM1_S0: u64 = 52;
    pub const S0_SP1: u64 = 53;
    pub const C0_SS: u64 = 54;
    pub const CASE_CAPS: u64 = 55;
    // Dynamic templates (they read labels already given).
    pub const P1: u64 = 100;
    pub const P2P1: u64 = 101;
    pub const P1_L0: u64 = 102;
    pub const P1_S0: u64 = 103;
    pub const HIST: u64 = 104;
    pub const HIST_S0: u64 = 105;
    pub const P1_C0: u64 = 106;
    pub const SEEN: u64 = 107;
    pub const IN_ENTITY: u64 = 108;
    pub const IN_ENTITY_S0: u64 = 109;
    // Second-pass templates.
    pub const A_OWN: u64 = 200;
    pub const A_OWN_L0: u64 = 201;
    pub const A_CTX: u64 = 202;
    pub const A_TOKEN: u64 = 203;
    pub const A_TOKEN_S0: u64 = 204;
    pub const A_TOKEN_OWN: u64 = 205;
    pub const A_ENTITY: u64 = 206;
    pub const A_ENTITY_OWN: u64 = 207;
    pub const A_SUPER: u64 = 208;
    pub const A_SUPER_S0: u64 = 209;
    pub const L0_SP1: u64 = 56;
    pub const SM1_L0: u64 = 57;
    pub const CM2: u64 = 58;
    pub const CP2: u64 = 59;
    pub const CM1_C0: u64 = 60;
    pub const C0_CP1: u64 = 61;
    pub const TABLE_L0: u64 = 62;
    pub const TABLE_S0: u64 = 63;
    pub const TABLE_C0: u64 = 64;
}

/// Beyond the sentence: what a missing neighbour's fields read as.
pub(super) const NONE: u64 = 0x0BAD;

/// Appends the label-independent features of token `i` to `out`: those of
/// the word alone ([`lexical_features`]), of its place in the sentence and
/// document ([`situation_features`]), of each neighbour alone
/// ([`neighbour_features`]) and of pairs ([`pair_features`]).
pub fn static_features(infos: &[TokenInfo], a: usize, b: usize, i: usize, out: &mut Vec<u64>) {
    lexical_features(&infos[i], out);
    situation_features(infos, a, b, i, out);
    for k in NEIGHBOURS {
        neighbour_features(k, neighbour(infos, a, b, i, k), out);
    }
    pair_features(infos, a, b, i, out);
}

/// Offsets of the neighbours a token's features read, in the order of
/// [`Part`]'s neighbour parts.
pub(super) const NEIGHBOURS: [isize; 4] = [-2, -1, 1, 2];

#[inline]
pub(super) fn neighbour(
    infos: &[TokenInfo],
    a: usize,
    b: usize,
    i: usize,
    k: isize,
) -> Option<&TokenInfo> {
    let j = i as isize + k;
    (j >= a as isize && j < b as isize).then(|| &infos[j as usize])
}

/// Features of the word alone (its [`lexical_info`] fields).
pub(super) fn lexical_features(x: &TokenInfo, out: &mut Vec<u64>) {
    out.push(feat(t::BIAS, 0));
    out.push(feat(t::W0, x.word));
    out.push(feat(t::L0, x.lower));
    out.push(feat(t::S0, x.shape));
    out.push(feat(t::SS0, x.short_shape));
    for (k, &h) in x.affixes.iter().enumerate() {
        if h != 0 {
            out.push(feat(t::AFFIX + k as u64, h));
        }
    }
    for g in 0..3 {
        out.push(feat(t::C0 + g as u64, x.clusters[g] as u64));
    }
    out.push(feat2(t::C0_SS, x.clusters[1] as u64, x.short_shape));
}

/// Features of the token in its sentence and document: sentence start,
/// headline, table, capitalised elsewhere, gazetteer matches (its own and
/// its neighbours').
pub(super) fn situation_features(
    infos: &[TokenInfo],
    a: usize,
    b: usize,
    i: usize,
    out: &mut Vec<u64>,
) {
    let x = &infos[i];
    let flags = (x.sent_start as u64) | (x.caps_sentence as u64) << 1 | (x.table as u64) << 3;
    out.push(feat2(t::S0_START, x.shape, flags));
    if x.table {
        out.push(feat2(t::TABLE_L0, x.lower, 1));
        out.push(feat2(t::TABLE_C0, x.clusters[2] as u64, 1));
    }
    out.push(feat2(
        t::CASE0,
        x.casing as u64,
        flags | (x.capitalised as u64) << 2,
    ));
    if x.caps_sentence {
        out.push(feat(t::CAPS_L0, x.lower));
        out.push(feat2(
            t::CASE_CAPS,
            x.casing as u64,
            x.doc_capitalised as u64,
        ));
    }
    if x.sent_start || x.caps_sentence {
        out.push(feat2(
            t::DOCCAP,
            x.doc_capitalised as u64,
            x.capitalised as u64,
        ));
    }
    for bit in set_bits(x.gazetteer) {
        out.push(feat(t::GAZ0, bit));
        out.push(feat2(t::GAZ0, bit, x.short_shape));
    }
    for (k, template) in [(-1, t::GAZM1), (1, t::GAZP1)] {
        if let Some(n) = neighbour(infos, a, b, i, k) {
            for bit in set_bits(n.gazetteer) {
                out.push(feat(template, bit / 4));
            }
        }
    }
}

/// The set bits of `bits`, lowest first (most tokens have none).
#[inline]
fn set_bits(mut bits: u32) -> impl Iterator<Item = u64> {
    std::iter::from_fn(move || {
        (bits != 0).then(|| {
            let bit = bits.trailing_zeros() as u64;
            bits &= bits - 1;
            bit
        })
    })
}

/// Features of the neighbour at offset `k` (one of [`NEIGHBOURS`]) alone,
/// from its [`lexical_info`] fields; `None` beyond the sentence.
pub(super) fn neighbour_features(k: isize, n: Option<&TokenInfo>, out: &mut Vec<u64>) {
    let lower = n.map_or(NONE.wrapping_add(k as u64), |t| t.lower);
    let cluster = |g: usize| n.map_or(NONE, |t| t.clusters[g] as u64);
    match k {
        -2 | 2 => {
            out.push(feat(if k < 0 { t::LM2 } else { t::LP2 }, lower));
            out.push(feat(if k < 0 { t::CM2 } else { t::CP2 }, cluster(1)));
        }
        _ => {
            let (l, w, s, c) = if k < 0 {
                (t::LM1, t::WM1, t::SM1, t::CM1)
            } else {
                (t::LP1, t::WP1, t::SP1, t::CP1)
            };
            out.push(feat(l, lower));
            out.push(feat(w, n.map_or(NONE, |t| t.word)));
            out.push(feat(
                s,
                n.map_or(NONE.wrapping_add(k as u64), |t| t.short_shape),
            ));
            for g in 0..3 {
                out.push(feat(c + g as u64, cluster(g)));
            }
        }
    }
}

/// Features of the token together with a neighbour.
pub(super) fn pair_features(infos: &[TokenInfo], a: usize, b: usize, i: usize, out: &mut Vec<u64>) {
    let x = &infos[i];
    let get = |k: isize| neighbour(infos, a, b, i, k);
    let lower = |k: isize| get(k).map_or(NONE.wrapping_add(k as u64), |t| t.lower);
    let shape = |k: isize| get(k).map_or(NONE.wrapping_add(k as u64), |t| t.short_shape);
    let cluster0 = |k: isize| get(k).map_or(NONE, |t| t.clusters[0] as u64);
    out.push(feat2(t::SM1_S0, shape(-1), x.short_shape));
    out.push(feat2(t::S0_SP1, x.short_shape, shape(1)));
    out.push(feat2(t::SHAPE3, mix(shape(-1), x.short_shape), shape(1)));
    out.push(feat2(t::LM1_L0, lower(-1), x.lower));
    out.push(feat2(t::L0_LP1, x.lower, lower(1)));
    if x.table {
        out.push(feat2(t::TABLE_S0, x.short_shape, shape(1)));
    }
    out.push(feat2(t::L0_SP1, x.lower, shape(1)));
    out.push(feat2(t::SM1_L0, shape(-1), x.lower));
    out.push(feat2(t::CM1_C0, cluster0(-1), x.clusters[0] as u64));
    out.push(feat2(t::C0_CP1, x.clusters[0] as u64, cluster0(1)));
}

/// Label-dependent context: the two previous labels and the majority type
/// the same word was given earlier in the document.
#[derive(Debug, Clone, Copy)]
pub struct History {
    pub p1: Option<Label>,
    pub p2: Option<Label>,
    /// 0: never seen before; 1: seen, always O; 2 + type: mostly this type.
    pub hist: u8,
    /// Bit t set: the word was given type t earlier in the document.
    pub seen: u8,
    /// Bit t set: the word was part of a longer entity of type t earlier.
    pub in_entity: u8,
}

/// Appends the label-dependent features of token `i`.
pub fn dynamic_features(x: &TokenInfo, h: History, out: &mut Vec<u64>) {
    let p1 = h.p1.map_or(99, u64::from);
    let p2 = h.p2.map_or(99, u64::from);
    out.push(feat(t::P1, p1));
    out.push(feat2(t::P2P1, p2, p1));
    out.push(feat2(t::P1_L0, p1, x.lower));
    out.push(feat2(t::P1_S0, p1, x.short_shape));
    out.push(feat2(t::P1_C0, p1, x.clusters[1] as u64));
    out.push(feat(t::HIST, h.hist as u64));
    out.push(feat2(t::HIST_S0, h.hist as u64, x.short_shape));
    for b in 0..4u64 {
        if h.seen & (1 << b) != 0 {
            out.push(feat(t::SEEN, b));
        }
        if h.in_entity & (1 << b) != 0 {
            out.push(feat(t::IN_ENTITY, b));
            out.push(feat2(t::IN_ENTITY_S0, b, x.short_shape));
        }
    }
}

/// The label history of a document: per lower-cased word, how often each
/// type (and O) was given to it when capitalised.
#[derive(Default)]
pub struct DocHistory {
    counts: HashMap<u64, [u16; 5]>,
    /// Words seen inside multi-token entities: type bits.
    parts: HashMap<u64, u8>,
    /// Start of the entity being read, if any.
    open: Option<usize>,
}

impl DocHistory {
    /// An empty history with room for the words of `infos` it may record
    /// (each capitalised one), so the maps do not grow as words come.
    pub fn for_tokens(infos: &[TokenInfo]) -> DocHistory {
        let capitalised = capitalised_count(infos);
        DocHistory {
            counts: HashMap::with_capacity_and_hasher(capitalised, Default::default()),
            parts: HashMap::with_capacity_and_hasher(capitalised / 2, Default::default()),
            open: None,
        }
    }

    /// The history code for a token (see [`History::hist`]) and the type
    /// bits the word was given before ([`History::seen`]), from one look-up.
    pub fn code_and_seen(&self, x: &TokenInfo) -> (u8, u8) {
        if !x.capitalised {
            return (0, 0);
        }
        match self.counts.get(&x.lower) {
            None => (0, 0),
            Some(c) => {
                let (best, n) = (0..4)
                    .map(|t| (t, c[t]))
                    .max_by_key(|&(_, n)| n)
                    .unwrap_or((0, 0));
                let code = if n == 0 { 1 } else { 2 + best as u8 };
                let seen = (0..4).filter(|&t| c[t] > 0).fold(0u8, |m, t| m | 1 << t);
                (code, seen)
            }
        }
    }

    /// Type bits of longer entities the word was part of.
    pub fn in_entity(&self, x: &TokenInfo) -> u8 {
        if !x.capitalised {
            return 0;
        }
        self.parts.get(&x.lower).copied().unwrap_or(0)
    }

    /// Records the label given to token `i` of `infos`. Inline for the
    /// most common case, an O given to a word without a capital (decoding
    /// records every token), which only closes the open name.
    #[inline]
    pub fn record(&mut self, infos: &[TokenInfo], i: usize, l: Label) {
        if l == O && !infos[i].capitalised {
            self.open = None;
            return;
        }
        self.record_other(infos, i, l);
    }

    /// [`DocHistory::record`] of the other cases.
    fn record_other(&mut self, infos: &[TokenInfo], i: usize, l: Label) {
        let x = &infos[i];
        match split(l) {
            Some((_, Pos::B)) => self.open = Some(i),
            Some((t, Pos::L)) => {
                if let Some(s) = self.open.take() {
                    for y in &infos[s..=i] {
                        if y.capitalised {
                            *self.parts.entry(y.lower).or_default() |= 1 << t as u8;
                        }
                    }
                }
            }
            Some((_, Pos::I)) => {}
            _ => self.open = None,
        }
        if !x.capitalised {
            return;
        }
        let c = self.counts.entry(x.lower).or_default();
        let slot = split(l).map_or(4, |(t, _)| t as usize);
        c[slot] = c[slot].saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_bits_are_those_a_scan_finds() {
        let mut rng = crate::testutil::Rng::new(9);
        let chosen = [0, 1, u32::MAX, 1 << 31, 0x8000_0001];
        let random = (0..70_000).map(|k| (rng.below(1 << 16) as u32) << (k % 17));
        for bits in chosen.into_iter().chain(random) {
            let scan: Vec<u64> = (0..32).filter(|b| bits & (1 << b) != 0).collect();
            assert_eq!(set_bits(bits).collect::<Vec<_>>(), scan);
        }
    }
}
