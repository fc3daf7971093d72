//! The second (stacked) pass: what the first pass said of each word across
//! the document, aggregated into features, and which tokens are read again.

use super::features::t;
use super::hash::{feat, feat2, mix};
use super::labels::{Label, Pos, spans, split};
use super::token::TokenInfo;
use crate::analyze::EntityType;
use rustc_hash::FxHashMap as HashMap;

/// What the first pass said about a token and the document around it, for
/// the second (stacked) pass (Krishnan & Manning 2006).
#[derive(Debug, Clone, Copy, Default)]
pub struct Agg {
    /// First-pass label of this token and its neighbours (99: none).
    pub own: u8,
    pub prev: u8,
    pub next: u8,
    /// Majority first-pass type (2 + type, 1: O) of the other capitalised
    /// occurrences of this word in the document; 0: none.
    pub token_major: u8,
    /// Majority type of the other occurrences of the first-pass entity
    /// containing this token; 0: none or not in an entity.
    pub entity_major: u8,
    /// Type bits of longer first-pass entities elsewhere that contain this
    /// word.
    pub super_entity: u8,
}

impl Agg {
    /// Whether the document features say something of this token that its
    /// own first-pass label does not: the same word or name mostly given
    /// another label elsewhere, or the word part of a longer name of
    /// another type.
    pub fn disagrees(&self) -> bool {
        let own = split(self.own).map_or(1, |(t, _)| 2 + t as u8);
        let differs = |major: u8| major != 0 && major != own;
        let outside = own < 2 || self.super_entity & (1 << (own - 2)) == 0;
        differs(self.token_major)
            || differs(self.entity_major)
            || (self.super_entity != 0 && outside)
    }
}

/// Tokens on each side of a disagreeing token that the second pass reads
/// again with it (CoNLL-2003 dev F1 with 0 to 5: 0.9225, 0.9228, 0.9228,
/// 0.9227, 0.9227; whole sentences 0.9227).
const REREAD_CONTEXT: usize = 2;

/// The tokens the second pass reads again: around each token whose document
/// features [`Agg::disagrees`] with its first-pass label, [`REREAD_CONTEXT`]
/// tokens on each side, widened to whole first-pass names, within the
/// sentence. Elsewhere the stacked features only repeat the first pass, and
/// CoNLL-2003 dev scores as well as with whole sentences or everything
/// read again.
pub fn rereads(sentences: &[usize], agg: &[Agg], first: &[Label]) -> Vec<bool> {
    let mut marked = vec![false; agg.len()];
    // A window edge inside a first-pass name moves out to the name's edge:
    // the label kept before a window closes any name, and the one kept
    // after it begins one or is outside.
    let inside = |l: Label| matches!(split(l), Some((_, Pos::I | Pos::L)));
    for w in sentences.windows(2) {
        let (a, b) = (w[0], w[1]);
        for i in (a..b).filter(|&i| agg[i].disagrees()) {
            let mut start = i.saturating_sub(REREAD_CONTEXT).max(a);
            while start > a && inside(first[start]) {
                start -= 1;
            }
            let mut end = (i + 1 + REREAD_CONTEXT).min(b);
            while end < b && inside(first[end]) {
                end += 1;
            }
            marked[start..end].fill(true);
        }
    }
    marked
}

pub(super) fn majority(counts: &[u32; 5]) -> u8 {
    let (best, n) = (0..5)
        .map(|t| (t, counts[t]))
        .max_by_key(|&(t, n)| (n, 5 - t))
        .unwrap_or((0, 0));
    if n == 0 {
        0
    } else if best == 4 {
        1
    } else {
        2 + best as u8
    }
}

/// How many tokens of `infos` are capitalised: room for the per-word maps
/// of [`DocHistory`] and [`aggregate`].
pub(super) fn capitalised_count(infos: &[TokenInfo]) -> usize {
    infos.iter().filter(|x| x.capitalised).count()
}

/// Computes the second-pass context from first-pass labels.
pub fn aggregate(infos: &[TokenInfo], sentences: &[usize], labels: &[Label]) -> Vec<Agg> {
    let n = infos.len();
    // Per lower word occurring capitalised: the first-pass types of its
    // capitalised occurrences (slot 4: O), and the type bits of the
    // multi-word entities that contain it (only capitalised tokens read
    // either, so words never capitalised get no entry).
    let room = capitalised_count(infos);
    let mut words: HashMap<u64, ([u32; 5], u8)> =
        HashMap::with_capacity_and_hasher(room, Default::default());
    for (i, x) in infos.iter().enumerate() {
        if x.capitalised {
            let slot = split(labels[i]).map_or(4, |(t, _)| t as usize);
            words.entry(x.lower).or_default().0[slot] += 1;
        }
    }
    // Entities (sentence by sentence): the word sequence hash -> type
    // counts.
    let mut entities: HashMap<u64, [u32; 5]> =
        HashMap::with_capacity_and_hasher(room / 2, Default::default());
    let mut found: Vec<(usize, usize, u64, EntityType)> = Vec::with_capacity(room / 2);
    for s in 0..sentences.len().saturating_sub(1) {
        let (a, b) = (sentences[s], sentences[s + 1]);
        for sp in spans(&labels[a..b]) {
            let (st, en) = (sp.start + a, sp.end + a);
            let key = infos[st..en].iter().fold(0x51u64, |h, x| mix(h, x.lower));
            entities.entry(key).or_default()[sp.kind as usize] += 1;
            if en - st > 1 {
                for x in &infos[st..en] {
                    if let Some(w) = words.get_mut(&x.lower) {
                        w.1 |= 1 << sp.kind as u8;
                    }
                }
            }
            found.push((st, en, key, sp.kind));
        }
    }
    let mut out: Vec<Agg> = Vec::with_capacity(n);
    for (i, x) in infos.iter().enumerate() {
        let mut a = Agg {
            own: labels[i],
            prev: if i > 0 { labels[i - 1] } else { 99 },
            next: if i + 1 < n { labels[i + 1] } else { 99 },
            ..Agg::default()
        };
        if x.capitalised
            && let Some((c, parts)) = words.get(&x.lower)
        {
            let mut c = *c;
            let slot = split(labels[i]).map_or(4, |(t, _)| t as usize);
            c[slot] -= 1;
            a.token_major = majority(&c);
            a.super_entity = *parts;
        }
        out.push(a);
    }
    // Each entity's tokens: the other occurrences' majority type.
    for (st, en, key, kind) in found {
        let mut c = entities[&key];
        c[kind as usize] = c[kind as usize].saturating_sub(1);
        let major = majority(&c);
        for a in &mut out[st..en] {
            a.entity_major = major;
        }
    }
    out
}

/// Appends the second-pass features of a token.
pub fn agg_features(a: &Agg, x: &TokenInfo, out: &mut Vec<u64>) {
    out.push(feat(t::A_OWN, a.own as u64));
    out.push(feat2(t::A_OWN_L0, a.own as u64, x.lower));
    out.push(feat2(
        t::A_CTX,
        mix(a.prev as u64, a.own as u64),
        a.next as u64,
    ));
    out.push(feat(t::A_TOKEN, a.token_major as u64));
    out.push(feat2(t::A_TOKEN_S0, a.token_major as u64, x.short_shape));
    out.push(feat2(t::A_TOKEN_OWN, a.token_major as u64, a.own as u64));
    out.push(feat(t::A_ENTITY, a.entity_major as u64));
    out.push(feat2(t::A_ENTITY_OWN, a.entity_major as u64, a.own as u64));
    out.push(feat(t::A_SUPER, a.super_entity as u64));
    out.push(feat2(t::A_SUPER_S0, a.super_entity as u64, x.short_shape));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::EntityType;
    use crate::analyze::lexicon::Lexicon;
    use crate::analyze::ner::*;

    /// The first way [`aggregate`] was written (a map per question and a
    /// span per token), to check the faster one against.
    fn aggregate_reference(infos: &[TokenInfo], sentences: &[usize], labels: &[Label]) -> Vec<Agg> {
        let n = infos.len();
        let mut out = vec![Agg::default(); n];
        // Token counts: lower word -> type counts (slot 4: O).
        let room = capitalised_count(infos);
        let mut tokens: HashMap<u64, [u32; 5]> =
            HashMap::with_capacity_and_hasher(room, Default::default());
        for (i, x) in infos.iter().enumerate() {
            if x.capitalised {
                let slot = split(labels[i]).map_or(4, |(t, _)| t as usize);
                tokens.entry(x.lower).or_default()[slot] += 1;
            }
        }
        // Entities (sentence by sentence): the word sequence hash -> type counts,
        // and the words inside multi-word entities.
        let mut entities: HashMap<u64, [u32; 5]> =
            HashMap::with_capacity_and_hasher(room / 2, Default::default());
        let mut parts: HashMap<u64, u8> =
            HashMap::with_capacity_and_hasher(room / 2, Default::default());
        let mut spans_of: Vec<Option<(usize, usize, u64)>> = vec![None; n];
        for s in 0..sentences.len().saturating_sub(1) {
            let (a, b) = (sentences[s], sentences[s + 1]);
            for sp in spans(&labels[a..b]) {
                let (st, en) = (sp.start + a, sp.end + a);
                let key = infos[st..en].iter().fold(0x51u64, |h, x| mix(h, x.lower));
                entities.entry(key).or_default()[sp.kind as usize] += 1;
                if en - st > 1 {
                    for x in &infos[st..en] {
                        *parts.entry(x.lower).or_default() |= 1 << sp.kind as u8;
                    }
                }
                for slot in spans_of.iter_mut().take(en).skip(st) {
                    *slot = Some((st, en, key));
                }
            }
        }
        for i in 0..n {
            let x = &infos[i];
            let a = &mut out[i];
            a.own = labels[i];
            a.prev = if i > 0 { labels[i - 1] } else { 99 };
            a.next = if i + 1 < n { labels[i + 1] } else { 99 };
            if x.capitalised
                && let Some(c) = tokens.get(&x.lower)
            {
                let mut c = *c;
                let slot = split(labels[i]).map_or(4, |(t, _)| t as usize);
                c[slot] -= 1;
                a.token_major = majority(&c);
            }
            if let Some((st, en, key)) = spans_of[i] {
                if let Some(c) = entities.get(&key) {
                    let mut c = *c;
                    if let Some((t, _)) = split(labels[st]) {
                        c[t as usize] = c[t as usize].saturating_sub(1);
                    }
                    a.entity_major = majority(&c);
                }
                let _ = en;
            }
            if x.capitalised {
                a.super_entity = parts.get(&x.lower).copied().unwrap_or(0);
            }
        }
        out
    }

    #[test]
    fn aggregate_is_as_first_written() {
        let lex = Lexicon::default();
        let vocab = [
            "Bank", "bank", "BANK", "of", "Of", "England", "england", "said", "Putin", ".", "1987",
        ];
        let mut rng = crate::testutil::Rng::new(17);
        for _ in 0..3000 {
            let n = rng.below(16);
            let words: Vec<&str> = (0..n).map(|_| vocab[rng.below(vocab.len())]).collect();
            let doc = Doc::new(words, (0..n).map(|i| i == 0 || rng.below(5) == 0));
            let infos = doc.infos(&lex);
            let labels: Vec<Label> = (0..n).map(|_| rng.below(NLABELS) as Label).collect();
            let got = aggregate(&infos, &doc.sentences, &labels);
            let want = aggregate_reference(&infos, &doc.sentences, &labels);
            assert_eq!(
                format!("{got:?}"),
                format!("{want:?}"),
                "{:?} {labels:?}",
                doc.words
            );
        }
    }

    #[test]
    fn second_pass_rereads_tokens_the_document_disagrees_with() {
        use EntityType::*;
        let per = label(Person, Pos::U);
        let code = |t: EntityType| 2 + t as u8;
        // (own label, word majority, name majority, longer names' types)
        let agg = |own, token_major, entity_major, super_entity| Agg {
            own,
            token_major,
            entity_major,
            super_entity,
            ..Agg::default()
        };
        // Agreement, or nothing said: no reason to read again.
        let quiet = [
            agg(O, 0, 0, 0),
            agg(per, code(Person), 0, 0),
            agg(O, 1, 0, 0),
            agg(per, 0, code(Person), 1 << Person as u8),
        ];
        for a in quiet {
            assert!(!a.disagrees(), "{a:?}");
        }
        let loud = [
            agg(per, code(Org), 0, 0),
            agg(O, code(Location), 0, 0),
            agg(per, 1, 0, 0),
            agg(per, 0, code(Misc), 0),
            agg(O, 0, 0, 1 << Org as u8),
            agg(per, 0, 0, 1 << Org as u8),
        ];
        for a in loud {
            assert!(a.disagrees(), "{a:?}");
        }
        // Windows: two tokens each side, within the sentence, widened to
        // whole first-pass names.
        let marks =
            |from: usize, to: usize| (0..12).map(|i| (from..to).contains(&i)).collect::<Vec<_>>();
        let mut agg = vec![Agg::default(); 12];
        assert_eq!(rereads(&[0, 12], &agg, &[O; 12]), marks(0, 0));
        agg[6] = loud[0];
        assert_eq!(rereads(&[0, 12], &agg, &[O; 12]), marks(4, 9));
        assert_eq!(rereads(&[0, 5, 12], &agg, &[O; 12]), marks(5, 9));
        let mut named = [O; 12];
        named[2..5].copy_from_slice(&[label(Org, Pos::B), label(Org, Pos::I), label(Org, Pos::L)]);
        named[8..10].copy_from_slice(&[label(Person, Pos::B), label(Person, Pos::L)]);
        assert_eq!(rereads(&[0, 12], &agg, &named), marks(2, 10));

        // Rereading: marked tokens decoded as in a full second pass (here
        // every token from the second sentence on is marked, and the first
        // sentence keeps what a full pass gave it, so all labels match);
        // unmarked ones keep the labels given.
        let words = [
            "Bank", "of", "England", "said", "Smith", "met", "Ünal", "in", "Paris",
        ];
        let doc = Doc::new(
            words.to_vec(),
            [true, false, false, false, true, false, false, false, true].into_iter(),
        );
        let infos = doc.infos(&Lexicon::default());
        let mut rows = Vec::new();
        let mut feats = Vec::new();
        for i in 0..words.len() {
            static_features(&infos, 0, words.len(), i, &mut feats);
        }
        for (k, f) in feats.into_iter().enumerate() {
            rows.push((
                f,
                std::array::from_fn(|l| ((k * 7 + l * 3) % 11) as f32 - 5.0),
            ));
        }
        let w = Weights::from_rows(rows);
        let agg = vec![Agg::default(); words.len()];
        let fixed = static_scores(&w, &infos, &doc.sentences, None, None);
        let full = decode_with(&mut &w, &infos, &doc.sentences, Some(&agg), Some(&fixed));
        let marked: Vec<bool> = (0..words.len()).map(|i| i >= 4).collect();
        let some = static_scores(&w, &infos, &doc.sentences, None, Some(&marked));
        let again = redecode(&mut &w, &infos, &doc.sentences, &agg, &some, &marked, &full);
        assert_eq!(again, full);
        let first = vec![
            label(Org, Pos::B),
            label(Org, Pos::I),
            label(Org, Pos::L),
            O,
            O,
            O,
            O,
            O,
            O,
        ];
        assert_ne!(full, first);
        let kept = redecode(
            &mut &w,
            &infos,
            &doc.sentences,
            &agg,
            &fixed,
            &[false; 9],
            &first,
        );
        assert_eq!(kept, first);
        // Whatever run of tokens is read again between kept labels that
        // begin no name, the labels stay well formed: a run ends closed.
        for from in 0..words.len() {
            for to in from + 1..=words.len() {
                let marked: Vec<bool> = (0..words.len()).map(|i| (from..to).contains(&i)).collect();
                let labels = redecode(
                    &mut &w,
                    &infos,
                    &doc.sentences,
                    &agg,
                    &fixed,
                    &marked,
                    &[O; 9],
                );
                for s in doc.sentences.windows(2) {
                    let mut prev = None;
                    for &l in &labels[s[0]..s[1]] {
                        assert!(allowed(prev, l), "{from}..{to}: {labels:?}");
                        prev = Some(l);
                    }
                    assert!(may_end(labels[s[1] - 1]), "{from}..{to}: {labels:?}");
                }
            }
        }
    }
}
