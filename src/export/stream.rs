//! Every hit of an export written in rank order, its rows formatted in
//! parallel: chunks of hits formatted a round at a time on every core while
//! the round before is written, so memory stays bounded whatever the
//! number of hits. Text rows go straight out; a workbook's rows are made
//! into sheet XML and compressed in the same chunks ([`write_book`]).

use std::io::Write;

use rayon::prelude::*;

use super::columns::Column;
use super::fast::{FastColumns, Scratch};
use super::rows::{Format, RowSink, RowWriter};
use super::xlsx::book::{Book, Part};
use super::xlsx::sheet::SheetRows;
use crate::search::{HitReader, RawHit};

/// Hits formatted per task, and tasks per round.
const CHUNK: usize = 2048;
const ROUND: usize = 8;

/// How an export reads its rows: from fast fields (id, title, the facet
/// column) when the columns allow and the index has a title column (schema
/// version 2), else from each hit's stored document.
pub struct Rows<'a> {
    /// Stored documents: every row without `fast`; with it, titles the
    /// column may have cut.
    pub stored: HitReader<'a>,
    pub fast: Option<FastColumns>,
}

impl Rows<'_> {
    /// Writes the rows of `hits`, ranked from `first`; `scratch` is reused
    /// from batch to batch (so that threads formatting rows do not contend
    /// for the allocator).
    fn write<'s, S: RowSink>(
        &'s self,
        w: &mut S,
        scratch: &mut Scratch<'s>,
        first: usize,
        hits: &[RawHit],
    ) -> anyhow::Result<()> {
        match &self.fast {
            Some(fast) => fast.write(&self.stored, w, scratch, first, hits),
            None => {
                for (i, raw) in hits.iter().enumerate() {
                    w.write(&self.stored.read(first + i, raw)?)?;
                }
                Ok(())
            }
        }
    }
}

/// Makes something of every chunk of `hits` with `make` (given the
/// chunk's first rank) on every core, a round of chunks at a time, and
/// hands each to `take`, in order, on this thread, while the next round is
/// made: at most two rounds are held, whatever the number of hits.
fn in_rounds<T: Send>(
    hits: &[RawHit],
    make: impl Fn(usize, &[RawHit]) -> anyhow::Result<T> + Sync,
    mut take: impl FnMut(T) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    std::thread::scope(|s| -> anyhow::Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<anyhow::Result<T>>>(0);
        let make = &make;
        s.spawn(move || {
            for (r, round) in hits.chunks(CHUNK * ROUND).enumerate() {
                let parts = round
                    .par_chunks(CHUNK)
                    .enumerate()
                    .map(|(c, chunk)| make(r * CHUNK * ROUND + c * CHUNK + 1, chunk))
                    .collect();
                // The writer has stopped (an error): so does making.
                if tx.send(parts).is_err() {
                    break;
                }
            }
        });
        for parts in rx {
            for part in parts {
                take(part?)?;
            }
        }
        Ok(())
    })
}

/// Buffers written and free for the next chunk: fresh ones cost page
/// faults.
#[derive(Default)]
struct Spare(std::sync::Mutex<Vec<Vec<u8>>>);

impl Spare {
    fn take(&self, capacity: usize) -> Vec<u8> {
        let buffer = self.0.lock().ok().and_then(|mut s| s.pop());
        buffer.unwrap_or_else(|| Vec::with_capacity(capacity))
    }

    fn give(&self, mut buffer: Vec<u8>) {
        buffer.clear();
        if let Ok(mut spare) = self.0.lock() {
            spare.push(buffer);
        }
    }
}

/// Writes the header and the rows of every hit, in order, to `out`, and
/// hands `out` back flushed.
pub fn write_all<W: Write>(
    mut out: W,
    format: Format,
    columns: &[Column],
    rows: &Rows<'_>,
    hits: &[RawHit],
) -> anyhow::Result<W> {
    out.write_all(&RowWriter::new(Vec::new(), format, columns.to_vec())?.finish()?)?;
    let spare = Spare::default();
    in_rounds(
        hits,
        |first, chunk| {
            let buffer = spare.take(chunk.len() * 256);
            let mut w = RowWriter::holding(buffer, format, columns.to_vec());
            rows.write(&mut w, &mut Scratch::default(), first, chunk)?;
            Ok(w.into_held())
        },
        |part| {
            out.write_all(&part)?;
            spare.give(part);
            Ok(())
        },
    )?;
    out.flush()?;
    Ok(out)
}

/// Writes the rows of every hit, in order, to `book`: each chunk's rows are
/// made into sheet XML and compressed on every core.
pub fn write_book(book: &mut Book, rows: &Rows<'_>, hits: &[RawHit]) -> anyhow::Result<()> {
    let columns = book.columns().to_vec();
    let (spare, spare_out) = (Spare::default(), Spare::default());
    in_rounds(
        hits,
        |first, chunk| {
            // Row 1 is the header: the hit ranked `first` is on row first + 1.
            let mut sheet = SheetRows::new(&columns, first + 1, spare.take(chunk.len() * 600));
            rows.write(&mut sheet, &mut Scratch::default(), first, chunk)?;
            let (part, buffer) = Part::of(sheet, spare_out.take(0))?;
            spare.give(buffer);
            Ok(part)
        },
        |part| {
            spare_out.give(book.add(part)?);
            Ok(())
        },
    )
}
