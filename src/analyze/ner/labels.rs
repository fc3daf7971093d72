//! The label set: BILOU positions of the four entity types, which label
//! may follow which, and labelled tokens read back as spans.

use crate::analyze::EntityType;

/// Number of labels: O plus B, I, L, U for each of the four types.
pub const NLABELS: usize = 17;

/// A BILOU label: 0 is O; 1 + 4*type + {0:B, 1:I, 2:L, 3:U}.
pub type Label = u8;

pub const O: Label = 0;

/// The position part of a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pos {
    B,
    I,
    L,
    U,
}

/// Builds a label from a type and position.
pub fn label(t: EntityType, p: Pos) -> Label {
    1 + 4 * t as u8 + p as u8
}

/// The type and position of a non-O label.
pub fn split(l: Label) -> Option<(EntityType, Pos)> {
    if l == O {
        return None;
    }
    let t = EntityType::ALL[((l - 1) / 4) as usize];
    let p = [Pos::B, Pos::I, Pos::L, Pos::U][((l - 1) % 4) as usize];
    Some((t, p))
}

/// A readable name for a label, such as `B-PER`.
pub fn label_name(l: Label) -> String {
    match split(l) {
        None => "O".into(),
        Some((t, p)) => format!("{:?}-{}", p, t.conll()),
    }
}

/// Whether label `cur` may follow `prev` (None: sentence start).
#[inline]
pub fn allowed(prev: Option<Label>, cur: Label) -> bool {
    let open = prev
        .and_then(split)
        .filter(|(_, p)| matches!(p, Pos::B | Pos::I));
    match (open, split(cur)) {
        (Some((t, _)), Some((ct, cp))) => t == ct && matches!(cp, Pos::I | Pos::L),
        (Some(_), None) => false,
        (None, Some((_, cp))) => matches!(cp, Pos::B | Pos::U),
        (None, None) => true,
    }
}

/// Whether a sentence may end after label `l`.
#[inline]
pub fn may_end(l: Label) -> bool {
    !matches!(split(l), Some((_, Pos::B | Pos::I)))
}

/// Whether label `l` (an index) opens a name the next label must go on
/// with (B or I).
pub(super) const fn opens(l: usize) -> bool {
    l != 0 && (l - 1) % 4 < 2
}

/// [`allowed`] and [`may_end`] as a table for decoding, which asks them of
/// every label for every token it scores: `FOLLOWS[last][prev][cur]`, with
/// `prev` 0 at a sentence start and 1 + the label before, `last` when
/// the token ends its run (the label must close any name). A unit test
/// checks it against the two functions.
pub(super) static FOLLOWS: [[[bool; NLABELS]; NLABELS + 1]; 2] = {
    let mut t = [[[false; NLABELS]; NLABELS + 1]; 2];
    let mut last = 0;
    while last < 2 {
        let mut prev = 0;
        while prev <= NLABELS {
            let mut cur = 0;
            while cur < NLABELS {
                let pos = (cur + 3) % 4; // cur's B, I, L, U as 0..4 (O: 3)
                let follows = if prev > 0 && opens(prev - 1) {
                    cur != 0 && (cur - 1) / 4 == (prev - 2) / 4 && (pos == 1 || pos == 2)
                } else {
                    cur == 0 || pos == 0 || pos == 3
                };
                t[last][prev][cur] = follows && (last == 0 || !opens(cur));
                cur += 1;
            }
            prev += 1;
        }
        last += 1;
    }
    t
};

/// A span of tokens `[start, end)` tagged with a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: EntityType,
}

/// Reads entity spans from BILOU labels (lenient with broken sequences).
pub fn spans(labels: &[Label]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut open: Option<(usize, EntityType)> = None;
    for (i, &l) in labels.iter().enumerate() {
        match split(l) {
            None => {
                if let Some((s, t)) = open.take() {
                    out.push(Span {
                        start: s,
                        end: i,
                        kind: t,
                    });
                }
            }
            Some((t, p)) => {
                if let Some((s, ot)) = open
                    && (ot != t || matches!(p, Pos::B | Pos::U))
                {
                    out.push(Span {
                        start: s,
                        end: i,
                        kind: ot,
                    });
                    open = None;
                }
                if open.is_none() {
                    open = Some((i, t));
                }
                if matches!(p, Pos::L | Pos::U)
                    && let Some((s, t)) = open.take()
                {
                    out.push(Span {
                        start: s,
                        end: i + 1,
                        kind: t,
                    });
                }
            }
        }
    }
    if let Some((s, t)) = open {
        out.push(Span {
            start: s,
            end: labels.len(),
            kind: t,
        });
    }
    out
}

/// Spans read sentence by sentence (a span never crosses a sentence).
pub fn sentence_spans(labels: &[Label], sentences: &[usize]) -> Vec<Span> {
    let mut out = Vec::new();
    for s in 0..sentences.len().saturating_sub(1) {
        let (a, b) = (sentences[s], sentences[s + 1]);
        for sp in spans(&labels[a..b]) {
            out.push(Span {
                start: sp.start + a,
                end: sp.end + a,
                kind: sp.kind,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::EntityType;
    use EntityType::*;

    #[test]
    fn labels_round_trip() {
        for l in 0..NLABELS as Label {
            if let Some((t, p)) = split(l) {
                assert_eq!(label(t, p), l);
            }
        }
        assert_eq!(label_name(label(Person, Pos::B)), "B-PER");
        assert_eq!(label_name(label(Misc, Pos::U)), "U-MISC");
    }

    #[test]
    fn transitions_follow_bilou() {
        let b = label(Person, Pos::B);
        assert!(allowed(None, b));
        assert!(!allowed(None, label(Person, Pos::I)));
        assert!(allowed(Some(b), label(Person, Pos::L)));
        assert!(!allowed(Some(b), label(Org, Pos::L)));
        assert!(!allowed(Some(b), O));
        assert!(allowed(Some(label(Person, Pos::L)), O));
        assert!(!may_end(b));
    }

    #[test]
    fn the_decoding_table_is_allowed_and_may_end() {
        for last in [false, true] {
            for prev in std::iter::once(None).chain((0..NLABELS as Label).map(Some)) {
                for cur in 0..NLABELS as Label {
                    assert_eq!(
                        FOLLOWS[last as usize][prev.map_or(0, |p| p as usize + 1)][cur as usize],
                        allowed(prev, cur) && (!last || may_end(cur)),
                        "{prev:?} -> {cur}, last {last}"
                    );
                }
                if let Some(p) = prev {
                    assert_eq!(opens(p as usize), !may_end(p));
                }
            }
        }
    }

    #[test]
    fn spans_from_labels() {
        let l = [
            O,
            label(Person, Pos::B),
            label(Person, Pos::L),
            label(Location, Pos::U),
            O,
            label(Org, Pos::B),
            label(Org, Pos::I),
        ];
        assert_eq!(
            spans(&l),
            [
                Span {
                    start: 1,
                    end: 3,
                    kind: Person
                },
                Span {
                    start: 3,
                    end: 4,
                    kind: Location
                },
                Span {
                    start: 5,
                    end: 7,
                    kind: Org
                },
            ]
        );
    }
}
