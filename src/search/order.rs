//! Ordering hits: by score or date, ties broken by article id, so that the
//! same index always gives the same order.

use std::cmp::Ordering;

use super::columns::IdReader;
use super::{RawHit, Sort};

/// Compares two hits by the sort order (before the id tie-break).
fn compare(sort: Sort, a: &RawHit, b: &RawHit) -> Ordering {
    match sort {
        Sort::Relevance => b.score.partial_cmp(&a.score).unwrap_or(Ordering::Equal),
        Sort::Date => match (a.date, b.date) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
        .then_with(|| b.score.partial_cmp(&a.score).unwrap_or(Ordering::Equal)),
        Sort::DateDesc => match (a.date, b.date) {
            (Some(x), Some(y)) => y.cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
        .then_with(|| b.score.partial_cmp(&a.score).unwrap_or(Ordering::Equal)),
    }
}

/// Sorts hits by `sort`, ties broken by article id so the order is stable.
/// Only the first `keep` are fully ordered (all when None).
pub fn order(hits: &mut Vec<RawHit>, sort: Sort, keep: Option<usize>, ids: &IdReader) {
    let cmp = |a: &RawHit, b: &RawHit| compare(sort, a, b);
    if let Some(k) = keep
        && k < hits.len()
    {
        // Keep the best k plus every hit tied with the k-th, then sort those.
        hits.select_nth_unstable_by(k, cmp);
        let pivot = hits[k];
        let mut rest: Vec<RawHit> = hits[k..]
            .iter()
            .copied()
            .filter(|h| cmp(h, &pivot) == Ordering::Equal)
            .collect();
        hits.truncate(k);
        hits.append(&mut rest);
    }
    // Stable, though runs of equal keys are put in id order next: their
    // hits stay in index order, which is near id order, and so cheap to
    // sort by it (an unstable sort here made the ordering slower, with the
    // hits' places as the last key too; so did a parallel sort and
    // tie-breaking, in an export, where the other core reads what the rows
    // need meanwhile).
    hits.sort_by(cmp);
    // Break ties by id within each run of equal keys; the ids of every tied
    // hit are looked up, so the reader is told how many first.
    let equal = |a: &RawHit, b: &RawHit| cmp(a, b) == Ordering::Equal;
    let tied: usize = hits
        .chunk_by(equal)
        .map(|run| if run.len() > 1 { run.len() } else { 0 })
        .sum();
    ids.expect(tied);
    let mut keyed = Vec::new();
    for run in hits.chunk_by_mut(equal) {
        if run.len() > 1 {
            by_id(run, ids, &mut keyed);
        }
    }
    if let Some(k) = keep {
        hits.truncate(k);
    }
}

/// Orders `run` by article id. Ids are compared as numbers first: the 8
/// bytes that follow the prefix all of the run's ids share, big-endian (a
/// byte past an id's end counts as 0, so a smaller number is a smaller id),
/// and as strings only where those are equal, so most comparisons are one
/// integer comparison, not a `memcmp` over a shared prefix ("syn-0" of
/// "syn-00191879"). An export of a broad query ties nearly all its hits
/// (no scores), so this is most of its ordering. (A hit without an id sorts
/// first, as the empty id would.) `keyed` is scratch space.
fn by_id<'i>(
    run: &mut [RawHit],
    ids: &'i IdReader,
    keyed: &mut Vec<(u64, std::borrow::Cow<'i, str>, RawHit)>,
) {
    // The ids are read 64 hits at a time, in steps: ordinals (their places
    // in the dictionary prefetched), then places (the ids prefetched), then
    // ids, so that the reads of ids scattered over the dictionary overlap
    // (read one by one, they are most of the time of this function).
    let strs = ids.strs();
    keyed.clear();
    let mut ords = [None; 64];
    for block in run.chunks(64) {
        for (h, ord) in block.iter().zip(ords.iter_mut()) {
            *ord = strs.ord(h.addr);
            if let Some(o) = *ord {
                strs.prefetch_bounds(h.addr.segment_ord as usize, o);
            }
        }
        for (h, ord) in block.iter().zip(ords.iter()) {
            if let Some(o) = *ord {
                strs.prefetch_text(h.addr.segment_ord as usize, o);
            }
        }
        keyed.extend(block.iter().zip(ords.iter()).map(|(h, ord)| {
            let id = ord.and_then(|o| strs.by_ord(h.addr.segment_ord as usize, o));
            (0, id.unwrap_or_default(), *h)
        }));
    }
    let Some(((_, first, _), rest)) = keyed.split_first() else {
        return;
    };
    let shared = rest.iter().fold(first.len(), |n, (_, id, _)| {
        first.as_bytes()[..n]
            .iter()
            .zip(id.as_bytes())
            .take_while(|(a, b)| a == b)
            .count()
    });
    for (key, id, _) in keyed.iter_mut() {
        let mut bytes = [0u8; 8];
        let next = &id.as_bytes()[shared..];
        let n = next.len().min(8);
        bytes[..n].copy_from_slice(&next[..n]);
        *key = u64::from_be_bytes(bytes);
    }
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    for (slot, (_, _, h)) in run.iter_mut().zip(keyed.drain(..)) {
        *slot = h;
    }
}
