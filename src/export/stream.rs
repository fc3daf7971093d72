//! Every hit of an export written in rank order, its rows formatted in
//! parallel: chunks of hits formatted a round at a time on every core while
//! the round before is written, so memory stays bounded whatever the
//! number of hits.

use std::io::Write;

use rayon::prelude::*;

use super::columns::Column;
use super::fast::{FastColumns, Scratch};
use super::recorded::Recorded;
use super::rows::{Format, RowSink, RowWriter};
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
    // A thread has each round formatted (in parallel) while this one writes
    // the round before; at most two rounds are held. Buffers written are
    // used again: fresh ones cost page faults.
    let spare = std::sync::Mutex::new(Vec::<Vec<u8>>::new());
    std::thread::scope(|s| -> anyhow::Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<anyhow::Result<Vec<u8>>>>(0);
        let spare = &spare;
        s.spawn(move || {
            for (r, round) in hits.chunks(CHUNK * ROUND).enumerate() {
                let parts: Vec<anyhow::Result<Vec<u8>>> = round
                    .par_chunks(CHUNK)
                    .enumerate()
                    .map(|(c, chunk)| {
                        let first = r * CHUNK * ROUND + c * CHUNK + 1;
                        let buffer = spare.lock().ok().and_then(|mut s| s.pop());
                        let mut w = RowWriter::holding(
                            buffer.unwrap_or_else(|| Vec::with_capacity(chunk.len() * 256)),
                            format,
                            columns.to_vec(),
                        );
                        let mut scratch = Scratch::default();
                        rows.write(&mut w, &mut scratch, first, chunk)?;
                        Ok(w.into_held())
                    })
                    .collect();
                // The writer has stopped (an error): so does formatting.
                if tx.send(parts).is_err() {
                    break;
                }
            }
        });
        for parts in rx {
            for part in parts {
                let mut part = part?;
                out.write_all(&part)?;
                part.clear();
                if let Ok(mut spare) = spare.lock() {
                    spare.push(part);
                }
            }
        }
        Ok(())
    })?;
    out.flush()?;
    Ok(out)
}

/// Writes the rows of every hit, in order, to `sink`, which only this
/// thread writes (a workbook's sheet): rows are made a round at a time on
/// every core, as [`write_all`] makes them, while this thread writes the
/// round before.
pub fn write_each<S: RowSink>(
    sink: &mut S,
    rows: &Rows<'_>,
    hits: &[RawHit],
) -> anyhow::Result<()> {
    let columns = sink.columns().to_vec();
    std::thread::scope(|s| -> anyhow::Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<anyhow::Result<Recorded>>>(0);
        let columns = &columns;
        s.spawn(move || {
            for (r, round) in hits.chunks(CHUNK * ROUND).enumerate() {
                let parts = round
                    .par_chunks(CHUNK)
                    .enumerate()
                    .map(|(c, chunk)| {
                        let first = r * CHUNK * ROUND + c * CHUNK + 1;
                        let mut recorded = Recorded::new(columns);
                        rows.write(&mut recorded, &mut Scratch::default(), first, chunk)?;
                        Ok(recorded)
                    })
                    .collect();
                if tx.send(parts).is_err() {
                    break;
                }
            }
        });
        for parts in rx {
            for part in parts {
                part?.replay(sink)?;
            }
        }
        Ok(())
    })
}
