//! Many queries into one hit list: every hit (or the top N) of each query
//! of a file, as rows (through [`RowWriter`], as export writes them) or a
//! TREC run, in the order of the file. Queries with a small limit run side
//! by side; a query that does not parse is reported and the others run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use rayon::prelude::*;
use serde_json::json;
use tantivy::Searcher;
use tantivy::tokenizer::MAX_TOKEN_LEN;

use super::columns::Column;
use super::rows::{Cell, Format, RowSink, RowWriter, hit_names};
use super::xlsx;
use super::{SNIPPET_CHARS, file, provenance};
use crate::error::Error;
use crate::index::NewsIndex;
use crate::search::{
    Compiled, FacetNames, FacetTally, HitReader, IdReader, Ranked, RawHit, Request, StrReader,
    facet_names, ranked, top_resolved,
};

/// One query of a batch file.
pub struct BatchQuery {
    pub line: u64,
    pub id: String,
    pub text: String,
}

/// How a batch writes its hits.
#[derive(Clone)]
pub enum Output {
    /// Rows of the given columns, CSV (with a header) or JSON lines.
    Rows(Format, Vec<Column>),
    /// A TREC run: `qid Q0 docid rank score tag`.
    Trec(String),
    /// An Excel workbook of rows of the given columns (to a file).
    Workbook(Vec<Column>),
}

/// What `newsdex batch` is asked to do.
pub struct BatchConfig {
    /// The file the queries came from (for provenance).
    pub file: PathBuf,
    pub queries: Vec<BatchQuery>,
    /// Every query is run as this request with its own query string.
    pub template: Request,
    /// Hits per query (None: every hit).
    pub limit: Option<usize>,
    pub output: Output,
    /// Facets counted over every hit of each query (JSON lines only).
    pub facets: Vec<String>,
    pub facet_size: usize,
    pub threads: usize,
    /// None: stdout.
    pub path: Option<PathBuf>,
    /// A byte-order mark before CSV.
    pub bom: bool,
}

/// What a batch did.
pub struct BatchOutcome {
    /// The id and number of hits of each query run, in file order.
    pub counts: Vec<(String, usize)>,
    pub failed: usize,
    /// Time to open the index, and to run and write the queries.
    pub opened: Duration,
    pub ran: Duration,
}

/// One query's rows, and its number of hits or why it failed.
type Answer = (Vec<u8>, Result<usize, String>);

/// Queries with at most this many hits each run side by side.
const PARALLEL_LIMIT: usize = 1000;
/// Queries run side by side per round, written in file order.
const ROUND: usize = 256;

/// Runs every query of `config` and writes their hits; `failed` hears of
/// each query that could not run (it, and why), as it happens.
pub fn batch(
    news: &NewsIndex,
    config: &BatchConfig,
    mut failed: impl FnMut(&BatchQuery, &str),
) -> anyhow::Result<BatchOutcome> {
    let started = Instant::now();
    let searcher = news.searcher()?;
    let run = Run::new(news, &searcher, config)?;
    let meta = provenance::record(
        news,
        &searcher,
        &config.template,
        json!({"command": "batch", "queries_file": config.file.display().to_string(),
               "queries": config.queries.len(), "limit": config.limit, "format": run.format_name()}),
    )?;
    if let Output::Workbook(columns) = &config.output {
        return write_workbook(&run, config, columns, &meta, started, failed);
    }
    let mut out = open_output(config, &meta)?;
    // Reading every facet name once is part of running the queries.
    let opened = started.elapsed();
    let run = run.with_facet_names(&searcher)?;
    let mut outcome = BatchOutcome {
        counts: Vec::new(),
        failed: 0,
        opened,
        ran: Duration::ZERO,
    };
    let mut report = |q: &BatchQuery, hits: Result<usize, String>| match hits {
        Ok(n) => outcome.counts.push((q.id.clone(), n)),
        Err(e) => {
            failed(q, &e);
            outcome.failed += 1;
        }
    };
    if config.threads > 1 && config.limit.is_some_and(|k| k <= PARALLEL_LIMIT) {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(config.threads)
            .build()?;
        for queries in config.queries.chunks(ROUND) {
            let answers: Vec<anyhow::Result<Answer>> = pool.install(|| {
                queries
                    .par_iter()
                    .map(|q| {
                        let mut rows = Vec::new();
                        let hits = run.answer(q, &mut rows)?;
                        Ok((rows, hits))
                    })
                    .collect()
            });
            for (q, found) in queries.iter().zip(answers) {
                let (rows, hits) = found?;
                out.write_all(&rows)?;
                report(q, hits);
            }
        }
    } else {
        // Without a small limit a query may have any number of rows: one
        // query at a time, written as they come.
        for q in &config.queries {
            let hits = run.answer(q, &mut out)?;
            report(q, hits);
        }
    }
    out.flush()?;
    drop(out);
    if let Some(p) = &config.path {
        file::write_sidecar(p, &meta)?;
    }
    outcome.ran = started.elapsed() - opened;
    Ok(outcome)
}

/// Queries a workbook puts on a sheet each; with more, one sheet holds
/// every query's rows, told apart by their qid.
const SHEET_PER_QUERY: usize = 100;

/// Writes a batch as an Excel workbook: a sheet per query (named by its
/// id), or one `hits` sheet when there are more than [`SHEET_PER_QUERY`]
/// queries; then the provenance sheet.
fn write_workbook(
    run: &Run<'_>,
    config: &BatchConfig,
    columns: &[Column],
    meta: &serde_json::Value,
    started: Instant,
    mut failed: impl FnMut(&BatchQuery, &str),
) -> anyhow::Result<BatchOutcome> {
    let Some(path) = &config.path else {
        return Err(Error::Usage(
            "--format xlsx needs -o FILE.xlsx (a workbook is a file, not a stream)".into(),
        )
        .into());
    };
    let mut outcome = BatchOutcome {
        counts: Vec::new(),
        failed: 0,
        opened: started.elapsed(),
        ran: Duration::ZERO,
    };
    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook.set_zip_compression_level(1);
    let one_sheet = config.queries.len() > SHEET_PER_QUERY;
    let mut columns = columns.to_vec();
    if one_sheet && !columns.contains(&Column::Qid) {
        columns.insert(0, Column::Qid);
    }
    let mut names = std::collections::HashSet::new();
    let mut shared = one_sheet
        .then(|| xlsx::Sheet::new(&mut workbook, "hits", &columns))
        .transpose()?;
    for q in &config.queries {
        let mut own = None;
        let sheet = match shared.as_mut() {
            Some(sheet) => sheet,
            None => own.insert(xlsx::Sheet::new(
                &mut workbook,
                &xlsx::unique_sheet_name(&q.id, &mut names),
                &columns,
            )?),
        };
        let room = xlsx::MAX_ROWS - sheet.rows();
        match run.answer_rows(q, &columns, sheet, room)? {
            Ok(n) => outcome.counts.push((q.id.clone(), n)),
            Err(e) => {
                failed(q, &e);
                outcome.failed += 1;
            }
        }
        if let Some(sheet) = own {
            sheet.finish(&mut workbook)?;
        }
    }
    if let Some(sheet) = shared {
        sheet.finish(&mut workbook)?;
    }
    xlsx::provenance_sheet(&mut workbook, meta)?;
    xlsx::save(&mut workbook, path)?;
    file::write_sidecar(path, meta)?;
    outcome.ran = started.elapsed() - outcome.opened;
    Ok(outcome)
}

/// The output, stdout or the file, with what comes before the rows: the
/// byte-order mark, the CSV header, and on stdout JSON lines' provenance.
fn open_output(
    config: &BatchConfig,
    meta: &serde_json::Value,
) -> anyhow::Result<std::io::BufWriter<Box<dyn Write>>> {
    let sink: Box<dyn Write> = match &config.path {
        None => Box::new(std::io::stdout().lock()),
        Some(p) => Box::new(std::fs::File::create(p).map_err(|e| Error::io(p, e))?),
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, sink);
    if let Output::Rows(format, columns) = &config.output {
        if config.bom {
            out.write_all(super::rows::BOM)?;
        }
        out.write_all(&RowWriter::new(Vec::new(), *format, columns.clone())?.finish()?)?;
        if *format == Format::Jsonl && config.path.is_none() {
            serde_json::to_writer(&mut out, meta)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(out)
}

/// What every query of a batch shares.
struct Run<'a> {
    news: &'a NewsIndex,
    searcher: &'a Searcher,
    config: &'a BatchConfig,
    ids: IdReader,
    /// The title column, when every segment has it.
    titles: Option<StrReader>,
    /// Whether a row needs the hit's stored document.
    stored: bool,
    names: Option<Arc<FacetNames>>,
}

impl<'a> Run<'a> {
    fn new(
        news: &'a NewsIndex,
        searcher: &'a Searcher,
        config: &'a BatchConfig,
    ) -> anyhow::Result<Run<'a>> {
        // Every hit written needs its id, and its title if asked for.
        let lookups = config
            .queries
            .len()
            .saturating_mul(config.limit.unwrap_or(usize::MAX));
        let ids = IdReader::new(searcher);
        ids.expect(lookups);
        let titles = StrReader::new(searcher, "title");
        titles.expect(lookups);
        let titles = titles.complete().then_some(titles);
        let stored = match &config.output {
            Output::Rows(_, columns) | Output::Workbook(columns) => {
                columns.iter().any(|&c| match c {
                    Column::Qid | Column::Rank | Column::Id | Column::Score | Column::Date => false,
                    Column::Title => titles.is_none(),
                    _ => true,
                })
            }
            Output::Trec(_) => false,
        };
        Ok(Run {
            news,
            searcher,
            config,
            ids,
            titles,
            stored,
            names: None,
        })
    }

    /// Reads every facet name once, when facets are counted.
    fn with_facet_names(mut self, searcher: &Searcher) -> crate::Result<Run<'a>> {
        if !self.config.facets.is_empty() {
            self.names = Some(Arc::new(facet_names(searcher)?));
        }
        Ok(self)
    }

    fn format_name(&self) -> &'static str {
        match &self.config.output {
            Output::Rows(format, _) => format.name(),
            Output::Trec(_) => "trec",
            Output::Workbook(_) => "xlsx",
        }
    }

    /// Runs one query: its request and ranked hits, or why it failed.
    fn search(&self, q: &BatchQuery) -> anyhow::Result<Result<(Compiled, Ranked), String>> {
        let request = Request {
            query: Some(q.text.clone()),
            ..self.config.template.clone()
        };
        let tally = (!self.config.facets.is_empty()).then(|| FacetTally {
            kinds: self.config.facets.clone(),
            names: self.names.clone(),
            keep_hits: self.config.template.resolve,
        });
        let found = request.compile(self.news).and_then(|compiled| {
            let found = ranked(
                self.searcher,
                &compiled,
                self.config.limit,
                tally,
                &self.ids,
            )?;
            Ok((compiled, found))
        });
        Ok(found.map_err(|e| e.to_string()))
    }

    /// Writes one query's hits as rows to `sheet` (a workbook's); at most
    /// `room` rows fit.
    fn answer_rows(
        &self,
        q: &BatchQuery,
        columns: &[Column],
        sheet: &mut impl RowSink,
        room: usize,
    ) -> anyhow::Result<Result<usize, String>> {
        let (compiled, found) = match self.search(q)? {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        if found.hits.len() > room {
            return Err(Error::Usage(format!(
                "--format xlsx: query {} has more hits than the {} rows left in its sheet; give a --limit or use --format csv",
                q.id, room
            ))
            .into());
        }
        self.write_rows(q, &compiled, columns, &found.hits, sheet)?;
        Ok(Ok(found.hits.len()))
    }

    /// Writes one query's output; its number of hits, or why it failed.
    fn answer(&self, q: &BatchQuery, out: &mut dyn Write) -> anyhow::Result<Result<usize, String>> {
        let (compiled, found) = match self.search(q)? {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        match &self.config.output {
            Output::Trec(tag) => {
                for (i, h) in found.hits.iter().enumerate() {
                    let id = self.ids.id(h.addr);
                    writeln!(out, "{} Q0 {id} {} {:.4} {tag}", q.id, i + 1, h.score)?;
                }
            }
            Output::Rows(format, columns) => {
                let mut w = RowWriter::without_header(&mut *out, *format, columns.to_vec());
                self.write_rows(q, &compiled, columns, &found.hits, &mut w)?;
                w.end()?;
            }
            Output::Workbook(_) => unreachable!("workbooks are written by write_workbook"),
        }
        if let Some(tally) = found.tally {
            let facets: serde_json::Map<String, serde_json::Value> = self
                .config
                .facets
                .iter()
                .map(|kind| {
                    let size = self.config.facet_size;
                    let top = top_resolved(
                        self.news,
                        self.searcher,
                        &tally,
                        kind,
                        size,
                        &compiled.names,
                    )?;
                    let names: Vec<serde_json::Value> = top
                        .into_iter()
                        .map(|(name, n)| json!({"name": name, "count": n}))
                        .collect();
                    Ok((kind.clone(), json!(names)))
                })
                .collect::<crate::Result<_>>()?;
            let line = json!({"qid": q.id, "total": found.total, "facets": facets});
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
        }
        Ok(Ok(found.hits.len()))
    }

    /// Writes a query's hits as rows; stored fields are read only when a
    /// column needs them.
    fn write_rows(
        &self,
        q: &BatchQuery,
        compiled: &Compiled,
        columns: &[Column],
        hits: &[RawHit],
        w: &mut impl RowSink,
    ) -> anyhow::Result<()> {
        let snippets = if columns.contains(&Column::Snippet) {
            SNIPPET_CHARS
        } else {
            0
        };
        let query = &*compiled.query;
        let reader = self
            .stored
            .then(|| {
                HitReader::new(self.news, self.searcher, query, snippets)
                    .map(|r| r.resolving(compiled.names.clone()))
            })
            .transpose()?;
        // For titles the column cut (MAX_TOKEN_LEN): the stored one is whole.
        let whole_titles = HitReader::new(self.news, self.searcher, query, 0)?;
        for (i, h) in hits.iter().enumerate() {
            let rank = i + 1;
            let hit = reader.as_ref().map(|r| r.read(rank, h)).transpose()?;
            let id = match &hit {
                Some(hit) => hit.id.clone(),
                None => self.ids.id(h.addr),
            };
            let title = match (&hit, &self.titles) {
                (Some(hit), _) => hit.title.clone(),
                _ if !columns.contains(&Column::Title) => String::new(),
                (None, Some(titles)) => match titles.get(h.addr) {
                    Some(t) if t.len() >= MAX_TOKEN_LEN => whole_titles.read(rank, h)?.title,
                    Some(t) => t.into_owned(),
                    None => String::new(),
                },
                (None, None) => String::new(),
            };
            let names = hit.as_ref().map(hit_names).unwrap_or_default();
            let cells: Vec<Cell<'_>> = columns
                .iter()
                .map(|&c| match (c, &hit) {
                    (Column::Qid, _) => Cell::Text(&q.id),
                    (Column::Rank, _) => Cell::Rank(rank),
                    (Column::Id, _) => Cell::Text(&id),
                    (Column::Score, _) => Cell::Score(h.score),
                    (Column::Date, _) => h.date.map_or(Cell::Maybe(None), Cell::Date),
                    (Column::Title, _) => Cell::Text(&title),
                    (_, Some(hit)) => Cell::of_hit(hit, c, &names),
                    (_, None) => Cell::Maybe(None),
                })
                .collect();
            w.write_cells(&cells)?;
        }
        Ok(())
    }
}

/// Reads a batch file: one query per line (id = line number; blank lines
/// and lines starting with # skipped), or CSV with `id` and `query`
/// columns (a `.csv` file, or a first line `id,query`).
pub fn read_queries(path: &Path) -> anyhow::Result<Vec<BatchQuery>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let first = text.lines().next().unwrap_or("").trim().to_lowercase();
    let is_csv = first == "id,query"
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if !is_csv {
        return Ok(text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim().starts_with('#'))
            .map(|(i, l)| BatchQuery {
                line: i as u64 + 1,
                id: (i + 1).to_string(),
                text: l.trim().to_string(),
            })
            .collect());
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let (Some(id_col), Some(q_col)) = (
        headers.iter().position(|h| h == "id"),
        headers.iter().position(|h| h == "query"),
    ) else {
        return Err(Error::Usage(format!(
            "{}: a CSV batch needs id and query columns",
            path.display()
        ))
        .into());
    };
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.with_context(|| format!("reading {}", path.display()))?;
        out.push(BatchQuery {
            line: row.position().map_or(0, |p| p.line()),
            id: row.get(id_col).unwrap_or("").trim().to_string(),
            text: row.get(q_col).unwrap_or("").trim().to_string(),
        });
    }
    Ok(out)
}
