//! Rows from the index's columns, without the document store: the ids,
//! titles and entity names of an export's hits read from fast fields.
//!
//! Stored documents are compressed in blocks, so reading one hit's costs a
//! block's decompression; the columns cost a lookup. The values are read
//! in two passes: [`Gathered`] reads every hit's dictionary ordinals in
//! index order before the hits are ranked (the order the column is laid
//! out in), and rows are then made in rank order in small batches, in
//! steps, each step for every hit of the batch before the next, with what
//! the next step reads prefetched, so that the loads of a row's values,
//! scattered over the dictionaries, overlap instead of each waiting for
//! the one before.

use std::borrow::Cow;

use rayon::prelude::*;
use tantivy::DocAddress;
use tantivy::tokenizer::MAX_TOKEN_LEN;

use super::columns::Column;
use super::entity_names::EntityNames;
use super::rows::{Cell, RowSink, Spans};
use crate::search::{HitReader, IdReader, RawHit, StrReader};
use crate::util::prefetch;

/// Hits read a step at a time.
const BATCH: usize = 32;

/// What the columns of an export need read.
#[derive(Clone, Copy)]
pub struct Need {
    pub id: bool,
    pub title: bool,
    pub entities: bool,
}

impl Need {
    pub fn of(columns: &[Column]) -> Need {
        let has = |wanted: fn(&Column) -> bool| columns.iter().any(wanted);
        Need {
            id: has(|c| matches!(c, Column::Id)),
            title: has(|c| matches!(c, Column::Title)),
            entities: has(|c| matches!(c, Column::Names(_))),
        }
    }
}

/// The column readers of an export and what was gathered of its hits.
pub struct FastColumns {
    pub ids: IdReader,
    pub titles: StrReader,
    pub gathered: Gathered,
    pub names: EntityNames,
    pub columns: Vec<Column>,
}

/// Buffers [`FastColumns::write`] reuses from batch to batch.
#[derive(Default)]
pub struct Scratch<'s> {
    /// Per entity type, a row's names ([`EntityNames::span`]).
    spans: [Vec<(usize, usize)>; 4],
    /// Per hit of a batch: its facet ordinals ([`Gathered`]).
    lists: Vec<&'s [u32]>,
    /// Per hit of a batch: its id's and title's dictionary ordinals.
    ords: Vec<Option<u64>>,
    /// Per hit of a batch: its id and title.
    values: Vec<Cow<'s, str>>,
    /// The batch's facet ordinals, then name numbers ([`EntityNames`]),
    /// and where each hit's end.
    refs: Vec<u64>,
    ref_ends: Vec<usize>,
    /// Per hit of a batch: whether a name of it was remapped to its
    /// entity's lead (its names are then put in order and kept once).
    resort: Vec<bool>,
}

impl FastColumns {
    /// Writes the rows of `hits`, ranked from `first`. `stored` reads the
    /// titles the title column cut ([`MAX_TOKEN_LEN`]).
    pub fn write<'s, S: RowSink>(
        &'s self,
        stored: &HitReader<'_>,
        w: &mut S,
        scratch: &mut Scratch<'s>,
        first: usize,
        hits: &[RawHit],
    ) -> anyhow::Result<()> {
        for (b, batch) in hits.chunks(BATCH).enumerate() {
            scratch.locate(self, batch);
            scratch.facet_ords(self, batch);
            scratch.prefetch_texts(self, batch);
            scratch.name_numbers(self, batch);
            scratch.read_texts(self, batch);
            scratch.rows(self, stored, w, first + b * BATCH, batch)?;
        }
        Ok(())
    }

    fn reader(&self, k: usize) -> &StrReader {
        if k.is_multiple_of(2) {
            self.ids.strs()
        } else {
            &self.titles
        }
    }
}

impl<'s> Scratch<'s> {
    /// Where each hit's gathered values are; its id and title ordinals and
    /// facet ordinal list, with where their values are prefetched.
    fn locate(&mut self, fast: &'s FastColumns, hits: &[RawHit]) {
        for raw in hits {
            fast.gathered.prefetch(raw.place as usize);
        }
        self.ords.clear();
        self.lists.clear();
        for raw in hits {
            let seg = raw.addr.segment_ord as usize;
            let ([id, title], list) = fast.gathered.values(raw.place as usize);
            for (reader, ord) in [(fast.ids.strs(), id), (&fast.titles, title)] {
                if let Some(ord) = ord {
                    reader.prefetch_bounds(seg, ord);
                }
                self.ords.push(ord);
            }
            if let (Some(first), Some(last)) = (list.first(), list.last()) {
                prefetch(first);
                prefetch(last);
            }
            self.lists.push(list);
        }
    }

    /// The batch's facet ordinals, in one list, their numbers prefetched.
    fn facet_ords(&mut self, fast: &FastColumns, hits: &[RawHit]) {
        self.refs.clear();
        self.ref_ends.clear();
        for (raw, list) in hits.iter().zip(self.lists.iter()) {
            let seg = raw.addr.segment_ord as usize;
            for &ord in *list {
                fast.names.prefetch_number(seg, ord as u64);
                self.refs.push(ord as u64);
            }
            self.ref_ends.push(self.refs.len());
        }
    }

    /// Ids' and titles' bounds are loaded now: their text prefetched.
    fn prefetch_texts(&self, fast: &FastColumns, hits: &[RawHit]) {
        for (k, ord) in self.ords.iter().enumerate() {
            if let Some(ord) = *ord {
                fast.reader(k)
                    .prefetch_text(hits[k / 2].addr.segment_ord as usize, ord);
            }
        }
    }

    /// Facet ordinals -> name numbers, the names prefetched.
    fn name_numbers(&mut self, fast: &FastColumns, hits: &[RawHit]) {
        let mut from = 0;
        self.resort.clear();
        for (raw, &end) in hits.iter().zip(self.ref_ends.iter()) {
            let seg = raw.addr.segment_ord as usize;
            let mut resort = false;
            for r in &mut self.refs[from..end] {
                resort |= fast.names.remapped(seg, *r);
                *r = fast.names.get(seg, *r);
                fast.names.prefetch_name(seg, *r);
            }
            self.resort.push(resort);
            from = end;
        }
    }

    /// Ids and titles.
    fn read_texts(&mut self, fast: &'s FastColumns, hits: &[RawHit]) {
        self.values.clear();
        for (k, ord) in self.ords.iter().enumerate() {
            let seg = hits[k / 2].addr.segment_ord as usize;
            let value = ord.and_then(|ord| fast.reader(k).by_ord(seg, ord));
            if let Some(v) = &value {
                prefetch(v.as_ptr());
            }
            self.values.push(value.unwrap_or_default());
        }
    }

    /// The rows, from what the steps before read.
    fn rows<S: RowSink>(
        &mut self,
        fast: &FastColumns,
        stored: &HitReader<'_>,
        w: &mut S,
        first: usize,
        hits: &[RawHit],
    ) -> anyhow::Result<()> {
        for (i, raw) in hits.iter().enumerate() {
            let seg = raw.addr.segment_ord as usize;
            for list in self.spans.iter_mut() {
                list.clear();
            }
            let mut plain = [true; 4];
            let from = if i == 0 { 0 } else { self.ref_ends[i - 1] };
            for &r in &self.refs[from..self.ref_ends[i]] {
                if let Some((t, span)) = EntityNames::span(r) {
                    self.spans[t as usize].push(span);
                    plain[t as usize] &= EntityNames::is_plain(r);
                }
            }
            let text = fast.names.text(seg);
            if self.resort[i] {
                for list in self.spans.iter_mut() {
                    list.sort_unstable_by_key(|&(a, b)| &text[a..b]);
                    list.dedup_by_key(|&mut (a, b)| &text[a..b]);
                }
            }
            let id = &self.values[2 * i];
            let long_title;
            let mut title = &*self.values[2 * i + 1];
            if title.len() >= MAX_TOKEN_LEN {
                // Column values are cut there; the stored title is whole.
                long_title = stored.read(first + i, raw)?.title;
                title = &long_title;
            }
            let rank = first + i;
            let spans = &self.spans;
            let cell = |column: &Column| match *column {
                Column::Id => Cell::Text(id),
                Column::Score => Cell::Score(raw.score),
                Column::Rank => Cell::Rank(rank),
                Column::Date => raw.date.map_or(Cell::Maybe(None), Cell::Date),
                Column::Title => Cell::Text(title),
                Column::Names(t) => Cell::Spans(Spans {
                    text,
                    spans: &spans[t as usize],
                    plain: plain[t as usize],
                }),
                _ => Cell::Text(""),
            };
            // On the stack, unless a column is asked for more than once.
            let mut cells = [Cell::Text(""); super::columns::EXPORT.len()];
            if fast.columns.len() > cells.len() {
                let cells: Vec<Cell<'_>> = fast.columns.iter().map(&cell).collect();
                w.write_cells(&cells)?;
                continue;
            }
            for (slot, column) in cells.iter_mut().zip(&fast.columns) {
                *slot = cell(column);
            }
            w.write_cells(&cells[..fast.columns.len()])?;
        }
        Ok(())
    }
}

/// The fast-field values export reads of every hit (dictionary ordinals
/// of its id, title and facets), read in index order before the hits are
/// ranked. Read in rank order instead, each hit's values would cost a wait
/// on memory that nothing can prefetch (the column's layout is tantivy's);
/// read in index order they are read in passing, and in rank order each
/// hit's are one place whose address is known beforehand.
#[derive(Default)]
pub struct Gathered {
    /// Positions' values (a hit's position is its [`RawHit::place`]),
    /// [`Gathered::PART`] positions per part: per position its id and title
    /// ordinals ([`Gathered::NONE`] if it has none or they were not asked
    /// for) and where its facet ordinals are in the part's list.
    parts: Vec<(Vec<[u32; 4]>, Vec<u32>)>,
}

impl Gathered {
    const NONE: u32 = u32::MAX;
    const PART: usize = 8192;

    /// Reads the values `need` asks for of the documents at `addrs`, the
    /// hits in index order, the parts side by side.
    pub fn read(
        searcher: &tantivy::Searcher,
        ids: &IdReader,
        titles: &StrReader,
        need: Need,
        addrs: &[DocAddress],
    ) -> anyhow::Result<Gathered> {
        let facets = if need.entities {
            searcher
                .segment_readers()
                .iter()
                .map(|s| crate::search::facet_reader(s).map(Some))
                .collect::<tantivy::Result<Vec<_>>>()?
        } else {
            searcher.segment_readers().iter().map(|_| None).collect()
        };
        if addrs.len() >= u32::MAX as usize {
            anyhow::bail!("over 4 billion hits: export them in parts (--since, --until)");
        }
        let small = |ord: u64| {
            u32::try_from(ord)
                .ok()
                .filter(|&o| o != Self::NONE)
                .ok_or_else(|| {
                    anyhow::anyhow!("a dictionary of the index has over 4 billion terms")
                })
        };
        let ord = |reader: &StrReader, wanted: bool, addr: DocAddress| match reader.ord(addr) {
            Some(ord) if wanted => small(ord),
            _ => Ok(Self::NONE),
        };
        let parts = addrs
            .par_chunks(Self::PART)
            .map(|chunk| -> anyhow::Result<(Vec<[u32; 4]>, Vec<u32>)> {
                let mut slots = Vec::with_capacity(chunk.len());
                let mut ords = Vec::with_capacity(chunk.len() * 16);
                for &addr in chunk {
                    let start = ords.len() as u32;
                    if let Some(Some(reader)) = facets.get(addr.segment_ord as usize) {
                        for ord in reader.facet_ords(addr.doc_id) {
                            ords.push(small(ord)?);
                        }
                    }
                    slots.push([
                        ord(ids.strs(), need.id, addr)?,
                        ord(titles, need.title, addr)?,
                        start,
                        ords.len() as u32,
                    ]);
                }
                Ok((slots, ords))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Gathered { parts })
    }

    /// Starts loading a position's values.
    #[inline]
    fn prefetch(&self, p: usize) {
        if let Some((slots, _)) = self.parts.get(p / Self::PART) {
            prefetch(slots.as_ptr().wrapping_add(p % Self::PART));
        }
    }

    /// The id and title ordinals of a position, and its facet ordinals.
    #[inline]
    fn values(&self, p: usize) -> ([Option<u64>; 2], &[u32]) {
        let Some((slots, ords)) = self.parts.get(p / Self::PART) else {
            return ([None, None], &[]);
        };
        let Some(&[id, title, start, end]) = slots.get(p % Self::PART) else {
            return ([None, None], &[]);
        };
        let some = |o: u32| (o != Self::NONE).then_some(o as u64);
        (
            [some(id), some(title)],
            ords.get(start as usize..end as usize).unwrap_or_default(),
        )
    }
}
