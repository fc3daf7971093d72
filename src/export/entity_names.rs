//! Entity names for export's rows, read from the facet column's
//! dictionaries: per facet ordinal, the name's type, place in the
//! dictionary text and whether it is plain (nothing to quote or flatten),
//! in one number.

use rustc_hash::FxHashMap;
use tantivy::Searcher;

use crate::analyze::EntityType;
use crate::error::Result;
use crate::names::Resolver;
use crate::search::Terms;

/// The entity names of each segment's facet column, for export: per facet
/// ordinal one number packing the entity type and where the name lies in
/// the segment's dictionary text, so that a row reads one slot and the name
/// itself per entity ([`FacetNames`] goes through a number shared by the
/// segments, a list of names and a string each; export never compares
/// names across segments, so it needs no merge).
///
/// With a name table, an ordinal names the entity's lead instead (its
/// dictionary place when the lead is a name of the segment, else a copy
/// appended to the text) and is marked as remapped, so that a row holding
/// it is put back in name order and a name it holds twice is kept once.
#[derive(Default)]
pub struct EntityNames {
    segments: Vec<(Terms, Vec<u64>, Vec<bool>)>,
}

impl EntityNames {
    /// A facet that is not an entity name (a root alone, a source, a
    /// category).
    const NONE: u64 = u64::MAX;

    /// Reads every segment's facet dictionary, the segments side by side,
    /// each name standing for its lead in `names`.
    pub fn read(searcher: &Searcher, names: &Resolver) -> Result<EntityNames> {
        use rayon::prelude::*;
        let segments = crate::search::facet_names::facet_dictionaries(searcher)?
            .into_par_iter()
            .map(|(_, terms)| Self::segment(terms, names))
            .collect();
        Ok(EntityNames { segments })
    }

    /// One segment's numbers, and which were remapped to a lead.
    fn segment(mut terms: Terms, names: &Resolver) -> (Terms, Vec<u64>, Vec<bool>) {
        let mut refs = Vec::with_capacity(terms.ends.len());
        let mut start = 0;
        for &end in &terms.ends {
            refs.push(Self::pack(&terms.text[start..end], start));
            start = end;
        }
        if names.is_empty() {
            return (terms, refs, Vec::new());
        }
        let mut remapped = vec![false; refs.len()];
        let mut appended: FxHashMap<String, u64> = FxHashMap::default();
        for ord in 0..refs.len() {
            let Some((kind, (from, to))) = Self::span(refs[ord]) else {
                continue;
            };
            let lead = names.lead(kind, &terms.text[from..to]);
            if lead == &terms.text[from..to] {
                continue;
            }
            let key = format!("{}\0{lead}", kind.name());
            refs[ord] = match find(&terms, &key) {
                Some(i) => refs[i],
                None => match appended.get(&key) {
                    Some(&r) => r,
                    None => {
                        let at = terms.text.len();
                        terms.text.push_str(&key);
                        let r = Self::pack(&key, at);
                        appended.insert(key, r);
                        r
                    }
                },
            };
            remapped[ord] = true;
        }
        (terms, refs, remapped)
    }

    /// Whether facet ordinal `ord` of segment `seg` was remapped to its
    /// entity's lead.
    #[inline]
    pub fn remapped(&self, seg: usize, ord: u64) -> bool {
        self.segments
            .get(seg)
            .and_then(|(_, _, m)| m.get(ord as usize))
            .copied()
            .unwrap_or(false)
    }

    /// The number of an encoded facet starting at byte `at` of its
    /// dictionary's text: the name's start (40 bits), length (21 bits),
    /// whether it is not [`super::rows::is_plain`] (1 bit, so that export
    /// need not look for bytes to quote or flatten in each name of each
    /// row) and type (2 bits); or [`EntityNames::NONE`].
    fn pack(key: &str, at: usize) -> u64 {
        let Some((root, name)) = crate::search::facet_names::root_and_name(key) else {
            return Self::NONE;
        };
        let Some(kind) = EntityType::from_name(root) else {
            return Self::NONE;
        };
        let start = (at + root.len() + 1) as u64;
        let len = name.len() as u64;
        // Facet terms are at most 65,530 bytes and a segment's dictionary
        // far below a terabyte.
        if start >= 1 << 40 || len >= 1 << 21 {
            return Self::NONE;
        }
        let special = !super::rows::is_plain(name.as_bytes()) as u64;
        start << 24 | len << 3 | special << 2 | kind as u64
    }

    /// Whether the name of number `r` is [`super::rows::is_plain`].
    #[inline]
    pub fn is_plain(r: u64) -> bool {
        r != Self::NONE && r & 4 == 0
    }

    /// The number of facet ordinal `ord` of segment `seg`.
    #[inline]
    pub fn get(&self, seg: usize, ord: u64) -> u64 {
        self.segments
            .get(seg)
            .and_then(|(_, refs, _)| refs.get(ord as usize))
            .copied()
            .unwrap_or(Self::NONE)
    }

    /// Starts loading the number of facet ordinal `ord` of segment `seg`
    /// ([`crate::util::prefetch`]).
    #[inline]
    pub fn prefetch_number(&self, seg: usize, ord: u64) {
        if let Some((_, refs, _)) = self.segments.get(seg) {
            crate::util::prefetch(refs.as_ptr().wrapping_add(ord as usize));
        }
    }

    /// Starts loading the name a number of segment `seg` points at.
    #[inline]
    pub fn prefetch_name(&self, seg: usize, r: u64) {
        if let Some((_, (start, _))) = Self::span(r) {
            let text = self.text(seg).as_bytes();
            crate::util::prefetch(text[start.min(text.len())..].as_ptr());
        }
    }

    /// The type and the `(start, end)` in [`EntityNames::text`] of the name
    /// a number stands for (None for a facet that is not an entity name).
    #[inline]
    pub fn span(r: u64) -> Option<(EntityType, (usize, usize))> {
        if r == Self::NONE {
            return None;
        }
        let start = (r >> 24) as usize;
        let len = ((r >> 3) & ((1 << 21) - 1)) as usize;
        Some((EntityType::ALL[(r & 3) as usize], (start, start + len)))
    }

    /// The text of segment `seg`'s dictionary, where its names are.
    #[inline]
    pub fn text(&self, seg: usize) -> &str {
        self.segments
            .get(seg)
            .map_or("", |(terms, _, _)| &terms.text)
    }
}

/// The ordinal of `key` in a dictionary (its terms are in byte order).
fn find(terms: &Terms, key: &str) -> Option<usize> {
    let (mut lo, mut hi) = (0, terms.ends.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match terms.get(mid).unwrap_or_default().cmp(key) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return Some(mid),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_names_pack_type_and_place_and_nothing_else() {
        let mut terms = Terms {
            text: String::new(),
            ends: Vec::new(),
        };
        let keys = [
            "location",
            "location\0Zürich",
            "misc\0Olympic Games",
            "person\0Ann Lee",
            "source\0Reuters",
            "person\0a\0b",
            "org\0Smith, Jones",
            "org\0Say \"x\"",
        ];
        for key in keys {
            terms.push(key.as_bytes());
        }
        let names = EntityNames {
            segments: vec![EntityNames::segment(terms, &Resolver::default())],
        };
        let got: Vec<_> = (0..keys.len() as u64 + 1)
            .map(|ord| {
                EntityNames::span(names.get(0, ord))
                    .map(|(t, (start, end))| (t, &names.text(0)[start..end]))
            })
            .collect();
        assert_eq!(
            got,
            [
                None,
                Some((EntityType::Location, "Zürich")),
                Some((EntityType::Misc, "Olympic Games")),
                Some((EntityType::Person, "Ann Lee")),
                None,
                None,
                Some((EntityType::Org, "Smith, Jones")),
                Some((EntityType::Org, "Say \"x\"")),
                None,
            ]
        );
        let plain: Vec<bool> = (0..keys.len() as u64 + 1)
            .map(|ord| EntityNames::is_plain(names.get(0, ord)))
            .collect();
        assert_eq!(
            plain,
            [false, true, true, true, false, false, false, false, false]
        );
        assert_eq!(names.get(1, 0), EntityNames::NONE);
    }

    #[test]
    fn with_a_name_table_each_name_stands_for_its_lead() {
        use crate::names::build;
        let table = build(
            &[
                (EntityType::Org, "OPEC".to_string(), 9),
                (EntityType::Org, "Opec".to_string(), 2),
                (EntityType::Person, "Ronald Reagan".to_string(), 9),
                (EntityType::Person, "Reagan".to_string(), 5),
            ],
            &[],
        );
        let mut terms = Terms {
            text: String::new(),
            ends: Vec::new(),
        };
        // This segment holds "Opec" and "Reagan" but not "Ronald Reagan".
        let keys = ["org\0OPEC", "org\0Opec", "person\0Reagan", "person\0Zed"];
        for key in keys {
            terms.push(key.as_bytes());
        }
        let names = EntityNames {
            segments: vec![EntityNames::segment(terms, &Resolver::new(&table))],
        };
        let got: Vec<_> = (0..keys.len() as u64)
            .map(|ord| {
                let (_, (start, end)) = EntityNames::span(names.get(0, ord)).unwrap();
                (&names.text(0)[start..end], names.remapped(0, ord))
            })
            .collect();
        assert_eq!(
            got,
            [
                ("OPEC", false),
                ("OPEC", true),
                ("Ronald Reagan", true),
                ("Zed", false)
            ]
        );
        // A lead in the dictionary is pointed at, not copied.
        assert_eq!(names.get(0, 1), names.get(0, 0));
    }
}
