//! Export, the last pipeline stage: hits in, hit lists out. [`rows`]
//! writes rows as CSV (RFC 4180), TSV or JSON lines over any `impl Write`;
//! [`export`] writes every hit of a request, ranked and streamed, to a file
//! or stdout, with its [`provenance`]; [`batch`] runs many queries into one
//! hit list; [`page`] renders a page of search hits for people and
//! programs.
//!
//! An export reads its rows from the index's columns when the columns asked
//! for allow it ([`fast`]), else from each hit's stored document; either way
//! the rows are the same, formatted in parallel and written in rank order
//! ([`stream`]).

pub mod batch;
pub mod columns;
pub mod entity_names;
pub mod fast;
pub mod file;
pub mod numbers;
pub mod page;
pub mod provenance;
pub mod rows;
pub mod stream;
pub mod xlsx;

pub use columns::Column;
pub use numbers::format_score;
pub use rows::{Cell, Format, RowSink, RowWriter};

use std::io::Write;
use std::path::PathBuf;

use tantivy::{DocAddress, Searcher};

use crate::error::Error;
use crate::index::NewsIndex;
use crate::search::{HitReader, IdReader, RawHit, Request, StrReader, order, unordered};
use entity_names::EntityNames;
use fast::{FastColumns, Gathered, Need};
use stream::{Rows, write_all};

/// Characters of a snippet, as `search` shows.
pub const SNIPPET_CHARS: usize = 160;

/// What `newsdex export` is asked to write.
pub struct ExportConfig {
    pub request: Request,
    pub format: Format,
    pub columns: Vec<Column>,
    /// None: stdout (JSON lines then start with the provenance).
    pub output: Option<PathBuf>,
    /// A byte-order mark before CSV or TSV.
    pub bom: bool,
    /// An Excel workbook (to `output`) instead of `format`'s text.
    pub workbook: bool,
}

/// What an export wrote.
pub struct Exported {
    pub hits: usize,
    /// Cells cut at Excel's limit (workbooks only).
    pub cut: u64,
}

/// Writes every hit of the request, ranked.
pub fn export(news: &NewsIndex, config: &ExportConfig) -> anyhow::Result<Exported> {
    if config.workbook && config.output.is_none() {
        return Err(Error::Usage(
            "--format xlsx needs -o FILE.xlsx (a workbook is a file, not a stream)".into(),
        )
        .into());
    }
    let searcher = news.searcher()?;
    let (hits, rows) = ranked_rows(news, &searcher, config)?;
    if config.workbook {
        xlsx::fits(hits.len())?;
    }
    let columns = &config.columns;
    let names: Vec<&str> = columns.iter().map(|c| c.name()).collect();
    let format = if config.workbook {
        "xlsx"
    } else {
        config.format.name()
    };
    let meta = provenance::record(
        news,
        &searcher,
        &config.request,
        serde_json::json!({"command": "export", "format": format, "fields": names, "hits": hits.len()}),
    )?;
    let mut cut = 0;
    match &config.output {
        Some(path) if config.workbook => {
            let mut book = xlsx::book::Book::create(path, columns)?;
            stream::write_book(&mut book, &rows, &hits)?;
            cut = book.finish(&meta)?;
            file::write_sidecar(path, &meta)?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            if config.bom {
                out.write_all(rows::BOM)?;
            }
            if config.format == Format::Jsonl {
                // JSON lines on stdout carry their provenance first.
                serde_json::to_writer(&mut out, &meta)?;
                out.write_all(b"\n")?;
            }
            write_all(out, config.format, columns, &rows, &hits)?;
        }
        Some(path) => {
            file::write_replacing(path, |mut out| {
                if config.bom {
                    out.write_all(rows::BOM)?;
                }
                write_all(out, config.format, columns, &rows, &hits)
            })?;
            file::write_sidecar(path, &meta)?;
        }
    }
    Ok(Exported {
        hits: hits.len(),
        cut,
    })
}

/// Every hit of the request, ranked, with what writes their rows: the fast
/// columns gathered in index order while the hits are ordered, when every
/// column asked for is one.
fn ranked_rows<'a>(
    news: &'a NewsIndex,
    searcher: &'a Searcher,
    config: &ExportConfig,
) -> anyhow::Result<(Vec<RawHit>, Rows<'a>)> {
    let ids = IdReader::new(searcher);
    let titles = StrReader::new(searcher, "title");
    let columns = &config.columns;
    let fast = columns.iter().all(|c| c.in_fast_fields()) && titles.complete();
    let need = Need::of(columns);
    // The entity names of the whole index are read while the query runs:
    // export reads them whatever the number of hits.
    let compiled = config.request.compile(news)?;
    let (found, names) = rayon::join(
        || unordered(searcher, &compiled),
        || -> crate::Result<EntityNames> {
            if fast && need.entities {
                EntityNames::read(searcher, &compiled.names)
            } else {
                Ok(EntityNames::default())
            }
        },
    );
    let mut hits = found?;
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
            ids.read_ahead();
            order(&mut hits, config.request.sort, None, &ids);
        },
        || -> anyhow::Result<Gathered> {
            if !fast {
                return Ok(Gathered::default());
            }
            let gathered = || Gathered::read(searcher, &ids, &titles, need, &addrs);
            let (gathered, ()) = rayon::join(gathered, || {
                if need.title {
                    titles.read_ahead();
                }
            });
            gathered
        },
    );
    let gathered = gathered?;
    let snippets = if columns.contains(&Column::Snippet) {
        SNIPPET_CHARS
    } else {
        0
    };
    let rows = Rows {
        stored: HitReader::new(news, searcher, &*compiled.query, snippets)?
            .resolving(compiled.names.clone()),
        fast: fast.then(|| FastColumns {
            ids,
            titles,
            gathered,
            names,
            columns: columns.clone(),
        }),
    };
    Ok((hits, rows))
}
