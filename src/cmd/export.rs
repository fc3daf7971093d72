//! `newsdex export`: a query and filters in, every hit out, ranked and
//! streamed as CSV, TSV or JSON lines to a file or stdout; exit 0 with
//! hits, 1 without.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use tantivy::DocAddress;
use tantivy::tokenizer::MAX_TOKEN_LEN;

use crate::analyze::EntityType;
use crate::cli::ExportArgs;
use crate::error::{Error, ExitCode};
use crate::export::{Cell, Spans};
use crate::export::{Format, Replaced, RowWriter, Writeback, parse_columns};
use crate::index::NewsIndex;
use crate::provenance;
use rayon::prelude::*;

use crate::search::{EntityNames, HitReader, IdReader, RawHit, StrReader, every_hit, order};

pub fn run(dir: &Path, a: ExportArgs) -> anyhow::Result<ExitCode> {
    let request = super::request(&a.query)?;
    let format = Format::parse(&a.format)?;
    let columns = parse_columns(a.fields.as_deref())?;
    let mut news = NewsIndex::open(dir)?;
    news.search_segments_in_parallel()?;
    let searcher = news.searcher()?;
    let ids = IdReader::new(&searcher);
    let titles = StrReader::new(&searcher, "title");
    let fast_columns: Vec<Column> = columns.iter().map(|c| Column::of(c)).collect();
    let fast = !fast_columns.contains(&Column::Other) && titles.complete();
    let need = Need::of(&fast_columns);
    // The entity names of the whole index are read while the query runs:
    // export reads them whatever the number of hits.
    let (found, names) = rayon::join(
        || every_hit(&news, &searcher, &request),
        || -> crate::Result<EntityNames> {
            if fast && need.entities {
                EntityNames::read(&searcher)
            } else {
                Ok(EntityNames::default())
            }
        },
    );
    let (query, mut hits) = found?;
    // Numbered in index order ([`Gathered`] finds a hit's values by it).
    debug_assert!(hits.iter().enumerate().all(|(i, h)| h.place as usize == i));
    let names = names?;
    // Every hit's id and title will be read: the dictionaries are read
    // whole when that costs less than looking each one up, while the hits
    // are ordered.
    ids.expect(hits.len());
    titles.expect(hits.len());
    // The hits are in index order until they are ordered: their fast-field
    // values are read now, in that order (see [`Gathered`]).
    let addrs: Vec<DocAddress> = if fast {
        hits.iter().map(|h| h.addr).collect()
    } else {
        Vec::new()
    };
    let ((), gathered) = rayon::join(
        || {
            ids.prefetch();
            order(&mut hits, request.sort, None, &ids);
        },
        || -> anyhow::Result<Gathered> {
            if !fast {
                return Ok(Gathered::default());
            }
            let gathered = || Gathered::read(&searcher, &ids, &titles, need, &addrs);
            let (gathered, ()) = rayon::join(gathered, || {
                if need.title {
                    titles.prefetch();
                }
            });
            gathered
        },
    );
    let gathered = gathered?;
    let snippets = if columns.contains(&"snippet") { 160 } else { 0 };
    let stored = HitReader::new(&news, &searcher, &*query, snippets)?;
    let reader = if fast {
        Rows {
            stored,
            fast: Some(FastColumns {
                ids,
                titles,
                gathered,
                names,
                columns: fast_columns,
            }),
        }
    } else {
        Rows { stored, fast: None }
    };
    let meta = provenance::record(
        &news,
        &searcher,
        &request,
        serde_json::json!({"command": "export", "format": a.format, "fields": columns, "hits": hits.len()}),
    )?;
    match &a.output {
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            if format == Format::Jsonl {
                // JSON lines on stdout carry their provenance first.
                serde_json::to_writer(&mut out, &meta)?;
                out.write_all(b"\n")?;
            }
            write_all(out, format, columns, &reader, &hits)?;
        }
        Some(path) => {
            // Written beside the target, renamed into place when complete, so
            // a failed export never leaves a file that looks whole.
            let tmp = path.with_extension(format!(
                "{}.partial",
                path.extension()
                    .map(|e| e.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ));
            let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
            let out = std::io::BufWriter::with_capacity(1 << 16, Writeback::new(file));
            let result = write_all(out, format, columns, &reader, &hits)
                .and_then(|f| f.into_inner().map_err(|e| anyhow::anyhow!("{}", e.error())))
                .and_then(|f| f.into_inner().sync_all().map_err(anyhow::Error::from))
                .with_context(|| format!("writing {}", path.display()));
            if let Err(e) = result {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            let replaced = Replaced::hold(path);
            std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
            replaced.release();
            let sidecar = meta_path(path);
            let text = serde_json::to_string_pretty(&meta)? + "\n";
            std::fs::write(&sidecar, text).map_err(|e| Error::io(&sidecar, e))?;
            eprintln!("newsdex: wrote {} hits to {}", hits.len(), path.display());
        }
    }
    Ok(if hits.is_empty() {
        ExitCode::NoHits
    } else {
        ExitCode::Success
    })
}

/// `hits.csv` -> `hits.csv.meta.json`.
pub fn meta_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".meta.json");
    name.into()
}

/// How export reads its rows: from fast fields (id, title, the facet
/// column) when the columns allow and the index has a title column (schema
/// version 2), else from each hit's stored document. Stored documents are
/// compressed in blocks, so reading one costs a block's decompression: 2 s
/// for 163,591 hits of the 200k benchmark corpus, against 0.5 s from fast
/// fields.
struct Rows<'a> {
    /// Stored documents: every row without `fast`; with it, titles the
    /// column may have cut ([`MAX_TOKEN_LEN`]).
    stored: HitReader<'a>,
    fast: Option<FastColumns>,
}

struct FastColumns {
    ids: IdReader,
    titles: StrReader,
    gathered: Gathered,
    names: EntityNames,
    columns: Vec<Column>,
}

#[derive(Clone, Copy)]
struct Need {
    id: bool,
    title: bool,
    entities: bool,
}

impl Need {
    fn of(columns: &[Column]) -> Need {
        let has = |wanted: fn(&Column) -> bool| columns.iter().any(wanted);
        Need {
            id: has(|c| matches!(c, Column::Id)),
            title: has(|c| matches!(c, Column::Title)),
            entities: has(|c| matches!(c, Column::Names(_))),
        }
    }
}

impl Rows<'_> {
    /// Writes the rows of `hits`, ranked from `first`; `scratch` is reused
    /// from batch to batch (so that threads formatting rows do not contend
    /// for the allocator).
    fn write<'s, W: Write>(
        &'s self,
        w: &mut RowWriter<W>,
        scratch: &mut Scratch<'s>,
        first: usize,
        hits: &[RawHit],
    ) -> anyhow::Result<()> {
        let Some(fast) = &self.fast else {
            for (i, raw) in hits.iter().enumerate() {
                w.write(&self.stored.read(first + i, raw)?)?;
            }
            return Ok(());
        };
        for (b, batch) in hits.chunks(BATCH).enumerate() {
            self.write_batch(fast, w, scratch, first + b * BATCH, batch)?;
        }
        Ok(())
    }

    /// [`Rows::write`] from fast fields, for one [`BATCH`] of hits, in
    /// steps: where their [`Gathered`] values are, then dictionary
    /// ordinals, then name numbers, then ids and titles, then rows, each
    /// step for every hit before the next and what the next one reads
    /// prefetched. So the loads of a row's ~12 entity
    /// names, scattered over the facet dictionaries, overlap instead of
    /// each waiting for the one before (export 10-15% faster; batches of 32
    /// rows measured the same as of one).
    fn write_batch<'s, W: Write>(
        &'s self,
        fast: &'s FastColumns,
        w: &mut RowWriter<W>,
        scratch: &mut Scratch<'s>,
        first: usize,
        hits: &[RawHit],
    ) -> anyhow::Result<()> {
        let FastColumns {
            ids,
            titles,
            gathered,
            names,
            columns,
        } = fast;
        let ids = ids.strs();
        let Scratch {
            spans,
            lists,
            ords,
            values,
            refs,
            ref_ends,
        } = scratch;
        // Where each hit's values are.
        for raw in hits {
            gathered.preload(raw.place as usize);
        }
        // Their id and title ordinals, and where their facet ordinals are.
        ords.clear();
        lists.clear();
        for raw in hits {
            let seg = raw.addr.segment_ord as usize;
            let ([id, title], list) = gathered.values(raw.place as usize);
            for (reader, ord) in [(ids, id), (titles, title)] {
                if let Some(ord) = ord {
                    reader.preload(seg, ord);
                }
                ords.push(ord);
            }
            if let (Some(first), Some(last)) = (list.first(), list.last()) {
                crate::util::prefetch(first);
                crate::util::prefetch(last);
            }
            lists.push(list);
        }
        // Facet ordinals.
        refs.clear();
        ref_ends.clear();
        for (raw, list) in hits.iter().zip(lists.iter()) {
            let seg = raw.addr.segment_ord as usize;
            for &ord in *list {
                names.preload_ord(seg, ord as u64);
                refs.push(ord as u64);
            }
            ref_ends.push(refs.len());
        }
        // Where ids and titles are known now (loaded): their text.
        for (k, ord) in ords.iter().enumerate() {
            let reader = if k % 2 == 0 { ids } else { titles };
            if let Some(ord) = *ord {
                reader.preload_value(hits[k / 2].addr.segment_ord as usize, ord);
            }
        }
        // Facet ordinals -> name numbers.
        let mut from = 0;
        for (raw, &end) in hits.iter().zip(ref_ends.iter()) {
            let seg = raw.addr.segment_ord as usize;
            for r in &mut refs[from..end] {
                *r = names.get(seg, *r);
                names.preload(seg, *r);
            }
            from = end;
        }
        // Ids and titles.
        values.clear();
        for (k, ord) in ords.iter().enumerate() {
            let raw = &hits[k / 2];
            let reader = if k % 2 == 0 { ids } else { titles };
            let value = ord.and_then(|ord| reader.by_ord(raw.addr.segment_ord as usize, ord));
            if let Some(v) = &value {
                crate::util::prefetch(v.as_ptr());
            }
            values.push(value.unwrap_or_default());
        }
        // Rows.
        for (i, raw) in hits.iter().enumerate() {
            let seg = raw.addr.segment_ord as usize;
            for list in spans.iter_mut() {
                list.clear();
            }
            let mut plain = [true; 4];
            let from = if i == 0 { 0 } else { ref_ends[i - 1] };
            for &r in &refs[from..ref_ends[i]] {
                if let Some((t, span)) = EntityNames::span(r) {
                    spans[t as usize].push(span);
                    plain[t as usize] &= EntityNames::is_plain(r);
                }
            }
            let text = names.text(seg);
            let id = &values[2 * i];
            let long_title;
            let mut title = &*values[2 * i + 1];
            if title.len() >= MAX_TOKEN_LEN {
                // Column values are cut there; the stored title is whole.
                long_title = self.stored.read(first + i, raw)?.title;
                title = &long_title;
            }
            let rank = first + i;
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
                Column::Other => Cell::Text(""),
            };
            // On the stack, unless a column is asked for more than once.
            let mut cells = [Cell::Text(""); crate::export::COLUMNS.len()];
            if columns.len() > cells.len() {
                let cells: Vec<Cell<'_>> = columns.iter().map(&cell).collect();
                w.write_cells(&cells)?;
                continue;
            }
            for (slot, column) in cells.iter_mut().zip(columns) {
                *slot = cell(column);
            }
            w.write_cells(&cells[..columns.len()])?;
        }
        Ok(())
    }
}

/// The fast-field values export reads of every hit (dictionary ordinals
/// of its id, title and facets), read in index order before the hits are
/// ranked. Read in rank order instead, each hit's values cost a wait on
/// memory that nothing can prefetch (the column's layout is tantivy's):
/// 15% of the time of an export of most of an index. Read in index order
/// they are read in passing, and in rank order each hit's are one place
/// whose address is known beforehand.
#[derive(Default)]
struct Gathered {
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
    fn read(
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
                .map(|s| crate::search::facets::facet_reader(s).map(Some))
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
    fn preload(&self, p: usize) {
        if let Some((slots, _)) = self.parts.get(p / Self::PART) {
            crate::util::prefetch(slots.as_ptr().wrapping_add(p % Self::PART));
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

/// A column as read from fast fields, without the document store (each
/// named once rather than matched by name in every row).
#[derive(Clone, Copy, PartialEq)]
enum Column {
    Id,
    Score,
    Rank,
    Date,
    Title,
    Names(EntityType),
    /// Not read from fast fields (source, url, category, snippet, body):
    /// rows with one are read from stored documents.
    Other,
}

impl Column {
    fn of(name: &str) -> Column {
        match name {
            "id" => Column::Id,
            "score" => Column::Score,
            "rank" => Column::Rank,
            "date" => Column::Date,
            "title" => Column::Title,
            other => EntityType::from_name(other).map_or(Column::Other, Column::Names),
        }
    }
}

/// Buffers [`Rows::write`] reuses.
#[derive(Default)]
struct Scratch<'s> {
    /// Per entity type, a row's names ([`EntityNames::span`]).
    spans: [Vec<(usize, usize)>; 4],
    /// Per hit of a batch: its facet ordinals ([`Gathered`]).
    lists: Vec<&'s [u32]>,
    /// Per hit of a batch: its id's and title's dictionary ordinals.
    ords: Vec<Option<u64>>,
    /// Per hit of a batch: its id and title.
    values: Vec<std::borrow::Cow<'s, str>>,
    /// The batch's facet ordinals, then name numbers ([`EntityNames`]),
    /// and where each hit's end.
    refs: Vec<u64>,
    ref_ends: Vec<usize>,
}

/// Hits formatted per task, and tasks per round: rows are formatted in
/// parallel a round at a time and written in rank order, so memory stays
/// bounded whatever the number of hits.
const CHUNK: usize = 2048;
const ROUND: usize = 8;

/// Hits read a step at a time ([`Rows::write_batch`]).
const BATCH: usize = 32;

fn write_all<W: Write>(
    mut out: W,
    format: Format,
    columns: Vec<&'static str>,
    reader: &Rows<'_>,
    hits: &[RawHit],
) -> anyhow::Result<W> {
    out.write_all(&RowWriter::new(Vec::new(), format, columns.clone())?.finish()?)?;
    // A thread has each round formatted (in parallel) while this one writes
    // the round before; at most two rounds are held.
    // Buffers written are used again: fresh ones cost page faults (~5% of
    // an export's time).
    let spare = std::sync::Mutex::new(Vec::<Vec<u8>>::new());
    std::thread::scope(|s| -> anyhow::Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<anyhow::Result<Vec<u8>>>>(0);
        let columns = &columns;
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
                            columns.clone(),
                        );
                        let mut scratch = Scratch::default();
                        reader.write(&mut w, &mut scratch, first, chunk)?;
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
