//! Facet names: the facet paths of a segment (`/person/NAME`, ...) by
//! document, and every (root, name) facet of an index numbered once, for
//! counting by number over many queries (`batch`).

pub use crate::schema::facet_reader;
use tantivy::Searcher;

use super::Terms;
use crate::error::{Error, Result};

/// Every (root, name) facet of a searcher, numbered, and each segment's
/// facet ordinals -> those numbers (`u32::MAX`: not a root/name facet).
#[derive(Debug, Default)]
pub struct FacetNames {
    pub(super) roots: Vec<String>,
    /// (index into `roots`, name).
    pub(super) names: Vec<(usize, String)>,
    pub(super) segments: Vec<Vec<u32>>,
}

impl FacetNames {
    /// The (root, name) of a facet ordinal of segment `segment`.
    pub fn get(&self, segment: usize, ord: u64) -> Option<(&str, &str)> {
        let id = *self.segments.get(segment)?.get(ord as usize)?;
        let (root, name) = self.names.get(id as usize)?;
        Some((self.roots[*root].as_str(), name.as_str()))
    }
}

/// Reads [`FacetNames`]: each segment's facet dictionary in one pass (the
/// segments side by side), then the sorted dictionaries merged so that a
/// facet in several segments gets one number.
pub fn facet_names(searcher: &Searcher) -> Result<FacetNames> {
    let segments = facet_dictionaries(searcher)?;
    let mut out = FacetNames {
        segments: segments.iter().map(|(n, _)| vec![u32::MAX; *n]).collect(),
        ..Default::default()
    };
    let mut next = vec![0usize; segments.len()];
    loop {
        let mut least: Option<&str> = None;
        for ((_, terms), &i) in segments.iter().zip(&next) {
            if let Some(key) = terms.get(i)
                && least.is_none_or(|l| key < l)
            {
                least = Some(key);
            }
        }
        let Some(key) = least else {
            break;
        };
        let id = out.number(key);
        for (k, (_, terms)) in segments.iter().enumerate() {
            let i = next[k];
            if terms.get(i) == Some(key) {
                if let (Some(id), Some(slot)) = (id, out.segments[k].get_mut(i)) {
                    *slot = id;
                }
                next[k] += 1;
            }
        }
    }
    Ok(out)
}

/// Each segment's facet dictionary read whole, the segments side by side,
/// with its number of facets.
pub fn facet_dictionaries(searcher: &Searcher) -> Result<Vec<(usize, Terms)>> {
    use rayon::prelude::*;
    searcher
        .segment_readers()
        .par_iter()
        .map(|segment| {
            let reader = facet_reader(segment)?;
            let terms = Terms::read(reader.facet_dict()).map_err(|e| Error::Tantivy(e.into()))?;
            Ok((reader.num_facets(), terms))
        })
        .collect()
}

/// The root and name of an encoded facet (its path's parts joined by a 0
/// byte), if it has exactly those two parts.
pub fn root_and_name(key: &str) -> Option<(&str, &str)> {
    let (root, name) = key.split_at(memchr::memchr(0, key.as_bytes())?);
    let name = &name[1..];
    memchr::memchr(0, name.as_bytes())
        .is_none()
        .then_some((root, name))
}

impl FacetNames {
    /// Numbers an encoded facet if it is a (root, name) one.
    fn number(&mut self, key: &str) -> Option<u32> {
        let (root, name) = root_and_name(key)?;
        let r = match self.roots.iter().rposition(|r| r == root) {
            Some(r) => r,
            None => {
                self.roots.push(root.to_string());
                self.roots.len() - 1
            }
        };
        self.names.push((r, name.to_string()));
        Some((self.names.len() - 1) as u32)
    }
}
