//! Indexing, the third pipeline stage: input paths in, a tantivy index on
//! disk out. A reader thread reads raw records into bounded batches; rayon
//! parses, validates and tags each batch in parallel; the main thread adds
//! documents to one `IndexWriter`, upserting by id, and commits with a
//! payload recording what was committed. Also opens and describes indexes
//! (schema and model versions, checked on open).

use rustc_hash::FxHashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tantivy::schema::{Facet, IndexRecordOption, TantivyDocument, Term};
use tantivy::{DateTime, Index, IndexWriter, Searcher, TantivyError};

use crate::analyze::{EntityTagger, EntityType, Mention, summarise};
use crate::error::{Error, Result};
use crate::ingest::{self, Article, FieldMap, FileError, Input, Limits, RawRecord};
use crate::schema::{Fields, SchemaDecl};

/// The newsdex metadata file inside an index directory.
pub const META_FILE: &str = "newsdex.json";

/// What an index records about how it was built.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IndexMeta {
    pub schema_version: u32,
    /// Version of the entity model used (`none` when built without entities).
    pub model_version: String,
    pub newsdex_version: String,
}

/// An open index with its field handles.
pub struct NewsIndex {
    pub index: Index,
    pub fields: Fields,
    pub meta: IndexMeta,
    pub dir: PathBuf,
}

fn read_meta(dir: &Path) -> Result<IndexMeta> {
    let path = dir.join(META_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::BadMeta {
        path,
        reason: e.to_string(),
    })
}

fn write_meta(dir: &Path, meta: &IndexMeta) -> Result<()> {
    let path = dir.join(META_FILE);
    let tmp = dir.join(format!("{META_FILE}.tmp"));
    let text = serde_json::to_string_pretty(meta).map_err(|e| Error::Schema(e.to_string()))?;
    std::fs::write(&tmp, text + "\n").map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
}

/// Segments with more documents than this are not merged further.
const MERGE_MAX_DOCS: usize = 20_000;

/// Bytes of stored documents compressed together (tantivy's default is
/// 16,384). Reading a hit's document for its snippet decompresses its whole
/// block: with news articles of about 1 KB, blocks of 4 KB made 300 queries
/// with snippets 10% faster on the real corpus for an index 5% larger.
const DOCSTORE_BLOCK: usize = 4096;

impl NewsIndex {
    /// Opens an existing index, checking its schema version.
    pub fn open(dir: &Path) -> Result<NewsIndex> {
        if !dir.join(META_FILE).exists() {
            return Err(Error::NoIndex(dir.to_path_buf()));
        }
        let meta = read_meta(dir)?;
        let decl = SchemaDecl::embedded();
        if !(SchemaDecl::OLDEST_READABLE..=decl.version).contains(&meta.schema_version) {
            return Err(Error::SchemaVersion {
                path: dir.to_path_buf(),
                found: meta.schema_version,
                oldest: SchemaDecl::OLDEST_READABLE,
                newest: decl.version,
            });
        }
        let index = Index::open_in_dir(dir).map_err(|e| match e {
            TantivyError::DataCorruption(_) | TantivyError::IncompatibleIndex(_) => {
                Error::BadMeta {
                    path: dir.join("meta.json"),
                    reason: e.to_string(),
                }
            }
            other => Error::Tantivy(other),
        })?;
        decl.register_analyzers(index.tokenizers())?;
        let fields = Fields::resolve(&index.schema())?;
        Ok(NewsIndex {
            index,
            fields,
            meta,
            dir: dir.to_path_buf(),
        })
    }

    /// Opens the index at `dir`, creating it if there is none; with
    /// `rebuild`, an existing index is deleted first.
    pub fn create_or_open(dir: &Path, rebuild: bool, model_version: &str) -> Result<NewsIndex> {
        let decl = SchemaDecl::embedded();
        if rebuild && dir.join(META_FILE).exists() {
            // Only remove what an index holds, never an arbitrary folder.
            for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
                let entry = entry.map_err(|e| Error::io(dir, e))?;
                let p = entry.path();
                if p.is_file() {
                    std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
                }
            }
        }
        if dir.join(META_FILE).exists() {
            return NewsIndex::open(dir);
        }
        if dir.exists() {
            let nonempty = std::fs::read_dir(dir)
                .map_err(|e| Error::io(dir, e))?
                .any(|e| e.is_ok_and(|e| e.file_name() != "rejects.jsonl"));
            if nonempty {
                return Err(Error::Usage(format!(
                    "{} exists and is not a newsdex index; give --index a new or empty folder",
                    dir.display()
                )));
            }
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let schema = decl.build()?;
        let settings = tantivy::IndexSettings {
            docstore_blocksize: DOCSTORE_BLOCK,
            ..Default::default()
        };
        let index = Index::builder()
            .schema(schema)
            .settings(settings)
            .create_in_dir(dir)?;
        decl.register_analyzers(index.tokenizers())?;
        let meta = IndexMeta {
            schema_version: decl.version,
            model_version: model_version.to_string(),
            newsdex_version: env!("CARGO_PKG_VERSION").to_string(),
        };
        write_meta(dir, &meta)?;
        let fields = Fields::resolve(&index.schema())?;
        Ok(NewsIndex {
            index,
            fields,
            meta,
            dir: dir.to_path_buf(),
        })
    }

    /// Runs each query over the segments in parallel, a thread per core:
    /// for one query over many hits (export). Batches of small queries run
    /// faster on one thread (300 top-10 queries on the real corpus took
    /// twice as long in parallel).
    pub fn search_segments_in_parallel(&mut self) -> Result<()> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        if threads > 1 && self.index.searchable_segment_ids()?.len() > 1 {
            self.index.set_multithread_executor(threads)?;
        }
        Ok(())
    }

    /// A searcher on the last commit.
    pub fn searcher(&self) -> Result<Searcher> {
        let reader = self
            .index
            .reader_builder()
            .reload_policy(tantivy::ReloadPolicy::Manual)
            .try_into()?;
        Ok(reader.searcher())
    }
}

/// What `newsdex index` is asked to do.
#[derive(Clone)]
pub struct IndexConfig {
    pub dir: PathBuf,
    pub inputs: Vec<PathBuf>,
    pub field_map: FieldMap,
    pub limits: Limits,
    pub rejects: Option<PathBuf>,
    pub threads: usize,
    /// None: index without entities.
    pub tagger: Option<EntityTagger>,
    pub rebuild: bool,
    /// Commit after this many added or replaced articles.
    pub commit_every: u64,
    /// Show a progress bar (when stderr is a terminal).
    pub progress: bool,
    /// Writer memory budget in bytes.
    pub memory: usize,
}

/// Counts of one indexing run.
#[derive(Debug, Default, Clone, Serialize)]
pub struct IndexSummary {
    pub read: u64,
    pub new: u64,
    pub replaced: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub warnings: u64,
    pub ids_derived: u64,
    pub file_errors: u64,
    pub files: u64,
    pub skipped_files: u64,
    pub bytes: u64,
    pub seconds: f64,
    /// Mentions per entity type.
    pub entities: std::collections::BTreeMap<String, u64>,
    pub rejects_file: Option<PathBuf>,
    pub articles_in_index: u64,
}

impl IndexSummary {
    /// Records indexed (new, replaced or unchanged).
    pub fn indexed(&self) -> u64 {
        self.new + self.replaced + self.unchanged
    }
}

/// The result of preparing one record in parallel.
enum Prepared {
    Doc {
        id: String,
        id_derived: bool,
        doc: Box<TantivyDocument>,
        warnings: Vec<ingest::Warning>,
        mentions: [u64; 4],
        existed: bool,
    },
    Unchanged {
        id: String,
        id_derived: bool,
        warnings: Vec<ingest::Warning>,
    },
    Rejected {
        reason: String,
    },
}

/// How many warnings and rejections are printed before they are only counted.
const PRINT_LIMIT: u64 = 20;

/// Runs `newsdex index`: reads every input, indexes every good record and
/// rejects the rest. Returns the summary (the caller prints it).
pub fn run(config: &IndexConfig) -> Result<IndexSummary> {
    let started = Instant::now();
    let mut file_errors: Vec<FileError> = Vec::new();
    let mut summary = IndexSummary::default();
    let inputs = ingest::discover(&config.inputs, &mut file_errors, &mut summary.skipped_files)?;
    summary.files = inputs.len() as u64;
    let model_version = config
        .tagger
        .as_ref()
        .map_or("none".to_string(), |t| t.model.version.clone());
    let news = NewsIndex::create_or_open(&config.dir, config.rebuild, &model_version)?;
    let fields = news.fields;
    let base = news.searcher()?;
    let mut writer: IndexWriter = news
        .index
        .writer_with_num_threads(config.threads.clamp(1, 8), config.memory)
        .map_err(|e| match e {
            TantivyError::LockFailure(..) => Error::Locked(config.dir.clone()),
            other => Error::Tantivy(other),
        })?;
    // Segments of a bulk run (a commit's worth per thread, or a memory
    // budget's) are left as they are; smaller ones, as incremental runs
    // make, are merged. Merging a million articles' segments at the end
    // of a run took 20% of its time and 1.1 GB more peak memory. (The
    // limit was 100,000: with entities a thread's budget fills at ~98,000
    // articles of the benchmark corpus, so eight of those were merged into
    // one of 785,000 and a 1M run peaked at 2.0 GB.)
    let mut merge_policy = tantivy::merge_policy::LogMergePolicy::default();
    merge_policy.set_max_docs_before_merge(MERGE_MAX_DOCS);
    writer.set_merge_policy(Box::new(merge_policy));
    // The analysis settings are part of each record's hash: a new model,
    // a new way of tagging with it or a new alias table re-indexes records
    // even if their text is the same.
    let fingerprint = format!(
        "schema={};model={}{};aliases={}",
        news.meta.schema_version,
        model_version,
        config.tagger.as_ref().map_or(String::new(), |_| format!(
            "/tagging={}",
            crate::analyze::model::TAGGING
        )),
        config.tagger.as_ref().map_or(0, |t| t.aliases.fingerprint),
    );
    let rejects_path = config
        .rejects
        .clone()
        .unwrap_or_else(|| config.dir.join("rejects.jsonl"));
    let _ = std::fs::remove_file(&rejects_path);
    let mut rejects: Option<std::io::BufWriter<std::fs::File>> = None;

    let total_bytes: u64 = inputs.iter().map(|i| i.size).sum();
    let bar = progress_bar(config.progress, total_bytes);
    let counter = Arc::new(AtomicU64::new(0));

    // Reader thread -> bounded channel of batches.
    let (tx, rx) = crossbeam_channel::bounded::<Vec<RawRecord>>(4);
    let limits = config.limits;
    let reader_counter = counter.clone();
    let reader_inputs: Vec<Arc<Input>> = inputs.clone();
    let reader = std::thread::spawn(move || {
        let mut errors = Vec::new();
        let mut batch: Vec<RawRecord> = Vec::with_capacity(BATCH);
        let mut batch_bytes = 0usize;
        'files: for input in &reader_inputs {
            let go_on = ingest::read_input(input, limits, &reader_counter, &mut errors, &mut |r| {
                batch_bytes += match &r.payload {
                    ingest::Payload::Line(b) | ingest::Payload::Text(b) => b.len(),
                    _ => 256,
                };
                batch.push(r);
                if batch.len() >= BATCH || batch_bytes >= BATCH_BYTES {
                    batch_bytes = 0;
                    return tx
                        .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                        .is_ok();
                }
                true
            });
            if !go_on {
                break 'files;
            }
        }
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
        errors
    });

    let tagging = config.tagger.is_some();
    let pool = rayon::ThreadPoolBuilder::new()
        .start_handler(move |_| {
            if tagging {
                yield_to_indexing();
            }
        })
        .num_threads(config.threads.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("--threads: {e}")))?;
    let mut seen: FxHashSet<u64> = FxHashSet::default();
    let mut since_commit = 0u64;
    let mut printed = 0u64;
    let mut fatal: Option<Error> = None;
    let mut batches = 0u64;
    let crash_after: Option<u64> = std::env::var("NEWSDEX_CRASH_AFTER_BATCHES")
        .ok()
        .and_then(|v| v.parse().ok());
    let prep = |raw: &RawRecord| prepare(raw, config, &fields, &base, &fingerprint);
    prepare_ahead(&pool, rx.iter(), prep, |batch, prepared| {
        for (raw, p) in batch.iter().zip(prepared) {
            summary.read += 1;
            let location = Location(&raw.input.name, raw.line);
            match p {
                Prepared::Rejected { reason } => {
                    summary.rejected += 1;
                    if printed < PRINT_LIMIT {
                        bar.suspend(|| eprintln!("newsdex: rejected {location}: {reason}"));
                        printed += 1;
                    }
                    if rejects.is_none() {
                        if let Some(parent) = rejects_path.parent() {
                            let _ = std::fs::create_dir_all(parent);
                        }
                        let f = std::fs::File::create(&rejects_path)
                            .map_err(|e| Error::io(&rejects_path, e))?;
                        rejects = Some(std::io::BufWriter::new(f));
                        summary.rejects_file = Some(rejects_path.clone());
                    }
                    if let Some(w) = rejects.as_mut() {
                        let line = serde_json::json!({
                            "file": raw.input.name,
                            "line": raw.line,
                            "reason": reason,
                            "raw": raw.raw_text(),
                        });
                        writeln!(w, "{line}").map_err(|e| Error::io(&rejects_path, e))?;
                    }
                }
                Prepared::Unchanged {
                    id,
                    id_derived,
                    warnings,
                } => {
                    report_warnings(&bar, &location, &warnings, &mut summary, &mut printed);
                    summary.ids_derived += id_derived as u64;
                    let key = xxhash_rust::xxh3::xxh3_64(id.as_bytes());
                    if seen.insert(key) {
                        summary.unchanged += 1;
                    } else {
                        // Replaced earlier in this run by other content:
                        // prepare it again, in full.
                        let again = prepare_article(raw, config, &fields, &fingerprint, None);
                        if let Prepared::Doc {
                            doc, id, mentions, ..
                        } = again
                        {
                            writer.delete_term(Term::from_field_text(fields.id, &id));
                            writer.add_document(*doc)?;
                            add_mentions(&mut summary, mentions);
                            summary.replaced += 1;
                            since_commit += 1;
                        }
                    }
                }
                Prepared::Doc {
                    id,
                    id_derived,
                    doc,
                    warnings,
                    mentions,
                    existed,
                    ..
                } => {
                    report_warnings(&bar, &location, &warnings, &mut summary, &mut printed);
                    summary.ids_derived += id_derived as u64;
                    let key = xxhash_rust::xxh3::xxh3_64(id.as_bytes());
                    let again = !seen.insert(key);
                    if existed || again {
                        writer.delete_term(Term::from_field_text(fields.id, &id));
                        summary.replaced += 1;
                    } else {
                        summary.new += 1;
                    }
                    add_mentions(&mut summary, mentions);
                    if let Err(e) = writer.add_document(*doc) {
                        fatal = Some(e.into());
                        break;
                    }
                    since_commit += 1;
                }
            }
        }
        if fatal.is_some() {
            return Ok(false);
        }
        let done = counter.load(Ordering::Relaxed);
        bar.set_position(done);
        bar.set_message(format!("{} articles", summary.read));
        if since_commit >= config.commit_every {
            commit(&mut writer, &summary)?;
            since_commit = 0;
        }
        batches += 1;
        if crash_after == Some(batches) {
            // Failpoint for the crash tests: die here as a killed process
            // would, with no clean-up.
            std::process::abort();
        }
        Ok(true)
    })?;
    drop(rx);
    let reader_errors = reader.join().unwrap_or_default();
    if let Some(e) = fatal {
        bar.finish_and_clear();
        // Nothing of this run past the last commit becomes visible.
        let _ = writer.rollback();
        return Err(e);
    }
    file_errors.extend(reader_errors);
    for e in &file_errors {
        bar.suspend(|| eprintln!("newsdex: error: {}: {}", e.name, e.message));
    }
    summary.file_errors = file_errors.len() as u64;
    if let Some(mut w) = rejects.take() {
        w.flush().map_err(|e| Error::io(&rejects_path, e))?;
    }
    commit(&mut writer, &summary)?;
    writer.wait_merging_threads()?;
    if news.meta.model_version != model_version {
        // Records whose analysis changed were re-tagged (the model is part of
        // each record's hash); the index now reports the model last used.
        let meta = IndexMeta {
            model_version: model_version.clone(),
            ..news.meta.clone()
        };
        write_meta(&config.dir, &meta)?;
    }
    bar.finish_and_clear();
    summary.bytes = counter.load(Ordering::Relaxed);
    summary.seconds = started.elapsed().as_secs_f64();
    let reader = news.index.reader()?;
    summary.articles_in_index = reader.searcher().num_docs();
    if printed >= PRINT_LIMIT {
        let hidden = summary.rejected + summary.warnings - printed;
        if hidden > 0 {
            eprintln!("newsdex: ... {hidden} more warnings and rejections not shown");
        }
    }
    Ok(summary)
}

/// Lowers the calling thread's priority below the process's other threads
/// (tagging threads call it): when a tagging thread and one of tantivy's
/// indexing threads both want a core, tantivy's runs first, and the
/// tagging thread then runs in longer stretches, so the two kinds of work
/// evict each other's tables from the core's caches less often.
fn yield_to_indexing() {
    crate::util::sys::lower_thread_priority(TAGGING_NICE);
}

/// How much tagging threads raise their nice value.
const TAGGING_NICE: i32 = 10;

/// Prepares `batches` with `prep` on `pool` and hands each batch, with what
/// was prepared of its records in their order, to `each` on the calling
/// thread, batches in input order, until `each` says to stop (`Ok(false)`)
/// or fails. [`AHEAD`] batches are prepared at once, so that a pool thread
/// done with its share of one batch goes on to the next instead of idling
/// while the other finishes the batch's last records. A panic while
/// preparing is raised again on the calling thread.
fn prepare_ahead<P>(
    pool: &rayon::ThreadPool,
    batches: impl Iterator<Item = Vec<RawRecord>>,
    prep: impl Fn(&RawRecord) -> P + Sync,
    mut each: impl FnMut(Vec<RawRecord>, Vec<P>) -> Result<bool>,
) -> Result<()>
where
    P: Send,
{
    type Done<P> = (u64, Vec<RawRecord>, std::thread::Result<Vec<P>>);
    let (done_tx, done_rx) = crossbeam_channel::unbounded::<Done<P>>();
    let prep = &prep;
    pool.in_place_scope(|scope| {
        let mut batches = batches.fuse();
        // Batches handed to the pool, and to `each`.
        let (mut started, mut finished) = (0u64, 0u64);
        let mut early: std::collections::BTreeMap<u64, (Vec<RawRecord>, Vec<P>)> =
            Default::default();
        loop {
            while started < finished + AHEAD {
                let Some(batch) = batches.next() else { break };
                let done = done_tx.clone();
                let seq = started;
                scope.spawn(move |_| {
                    let prepared = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        batch.par_iter().map(prep).collect()
                    }));
                    // The receiver outlives the scope.
                    let _ = done.send((seq, batch, prepared));
                });
                started += 1;
            }
            if started == finished {
                return Ok(());
            }
            let (batch, prepared) = loop {
                if let Some(ready) = early.remove(&finished) {
                    break ready;
                }
                // A spawned job always sends, even when preparing panicked.
                let Ok((seq, batch, prepared)) = done_rx.recv() else {
                    unreachable!("the sender is held here");
                };
                let prepared = prepared.unwrap_or_else(|e| std::panic::resume_unwind(e));
                early.insert(seq, (batch, prepared));
            };
            finished += 1;
            if !each(batch, prepared)? {
                return Ok(());
            }
        }
    })
}

/// How many batches [`prepare_ahead`] prepares at once.
const AHEAD: u64 = 2;

/// Records per batch: the tagging pool works on [`AHEAD`] batches at a
/// time, the main thread adding each batch's documents when it is done.
/// 2,048 rather than 512: indexing with entities 3-4% faster (real corpus
/// 3.27 -> 3.15 s, medians of 5 interleaved; 100k 12.4-12.9 -> 11.6-12.4
/// s), peak RSS +15-25 MB; 128 was 10% slower.
const BATCH: usize = 2048;
const BATCH_BYTES: usize = 8 << 20;

fn add_mentions(summary: &mut IndexSummary, mentions: [u64; 4]) {
    for (t, n) in EntityType::ALL.iter().zip(mentions) {
        // A new String only the first time (this runs for every article).
        match summary.entities.get_mut(t.name()) {
            Some(count) => *count += n,
            None => {
                summary.entities.insert(t.name().to_string(), n);
            }
        }
    }
}

/// A record's file and line, as messages print it ("file:line"), written
/// out only when a message is.
struct Location<'a>(&'a str, u64);

impl std::fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.0, self.1)
    }
}

fn report_warnings(
    bar: &indicatif::ProgressBar,
    location: &Location<'_>,
    warnings: &[ingest::Warning],
    summary: &mut IndexSummary,
    printed: &mut u64,
) {
    for w in warnings {
        summary.warnings += 1;
        if *printed < PRINT_LIMIT {
            bar.suspend(|| {
                eprintln!(
                    "newsdex: warning: {location}: field {}: {}",
                    w.field, w.message
                )
            });
            *printed += 1;
        }
    }
}

fn commit(writer: &mut IndexWriter, summary: &IndexSummary) -> Result<()> {
    let payload = serde_json::json!({
        "newsdex_version": env!("CARGO_PKG_VERSION"),
        "read": summary.read,
        "new": summary.new,
        "replaced": summary.replaced,
    });
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&payload.to_string());
    prepared.commit()?;
    Ok(())
}

fn progress_bar(enabled: bool, total: u64) -> indicatif::ProgressBar {
    if !enabled {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        (total > 0).then_some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} {bytes}/{total_bytes} {bytes_per_sec} {msg} [{elapsed_precise}, ETA {eta}]",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Looks up the content hash of the article with `id` in the last commit.
fn existing_hash(searcher: &Searcher, fields: &Fields, id: &str) -> Option<u64> {
    let term = Term::from_field_text(fields.id, id);
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(fields.id).ok()?;
        let Ok(Some(mut postings)) = inverted.read_postings(&term, IndexRecordOption::Basic) else {
            continue;
        };
        let alive = segment.alive_bitset();
        let column = segment.fast_fields().u64("hash").ok()?;
        let mut doc = tantivy::DocSet::doc(&postings);
        while doc != tantivy::TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                return Some(column.first(doc).unwrap_or(0));
            }
            doc = tantivy::DocSet::advance(&mut postings);
        }
    }
    None
}

fn prepare(
    raw: &RawRecord,
    config: &IndexConfig,
    fields: &Fields,
    base: &Searcher,
    fingerprint: &str,
) -> Prepared {
    prepare_article(raw, config, fields, fingerprint, Some(base))
}

fn prepare_article(
    raw: &RawRecord,
    config: &IndexConfig,
    fields: &Fields,
    fingerprint: &str,
    base: Option<&Searcher>,
) -> Prepared {
    let (article, warnings) = match ingest::parse_record(raw, &config.field_map) {
        Ok(x) => x,
        Err(reason) => return Prepared::Rejected { reason },
    };
    let hash = content_hash(&article, fingerprint);
    let existing = base.and_then(|s| existing_hash(s, fields, &article.id));
    if existing == Some(hash) {
        return Prepared::Unchanged {
            id: article.id,
            id_derived: article.id_derived,
            warnings,
        };
    }
    let mentions = match &config.tagger {
        Some(t) => t.analyze(&article.title, &article.body),
        None => Vec::new(),
    };
    let mut counts = [0u64; 4];
    for m in &mentions {
        counts[m.kind as usize] += 1;
    }
    let doc = build_doc(fields, &article, &mentions, hash);
    Prepared::Doc {
        id: article.id,
        id_derived: article.id_derived,
        doc: Box::new(doc),
        warnings,
        mentions: counts,
        existed: existing.is_some(),
    }
}

/// Hash of an article's content and the analysis settings.
pub fn content_hash(a: &Article, fingerprint: &str) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for part in [
        fingerprint,
        &a.id,
        &a.title,
        &a.body,
        a.source.as_deref().unwrap_or(""),
        a.url.as_deref().unwrap_or(""),
        a.category.as_deref().unwrap_or(""),
    ] {
        h.update(part.as_bytes());
        h.update(b"\x1f");
    }
    h.update(&a.date.unwrap_or(i64::MIN).to_le_bytes());
    h.digest()
}

/// Builds the tantivy document of an article and its entities.
pub fn build_doc(f: &Fields, a: &Article, mentions: &[Mention], hash: u64) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, &a.id);
    doc.add_text(f.title, &a.title);
    doc.add_text(f.body, &a.body);
    if let Some(d) = a.date {
        doc.add_date(f.date, DateTime::from_timestamp_secs(d));
    }
    let mut facets: Vec<Facet> = Vec::new();
    if let Some(s) = &a.source {
        doc.add_text(f.source, s);
        facets.push(Facet::from_path(["source", s.as_str()]));
    }
    if let Some(c) = &a.category {
        doc.add_text(f.category, c);
        facets.push(Facet::from_path(["category", c.as_str()]));
    }
    if let Some(u) = &a.url {
        doc.add_text(f.url, u);
    }
    let summaries = summarise(mentions);
    let mut surfaces: FxHashSet<&str> = FxHashSet::default();
    for m in mentions {
        if surfaces.insert(m.text.as_str()) {
            doc.add_text(f.entity, &m.text);
        }
    }
    for s in &summaries {
        let Some(kind) = EntityType::from_name(&s.kind) else {
            continue;
        };
        doc.add_text(f.entity_field(kind), &s.canonical);
        facets.push(Facet::from_path([kind.name(), s.canonical.as_str()]));
    }
    if f.facet_indexed {
        for facet in facets {
            doc.add_facet(f.facet, facet);
        }
    } else {
        // In the order of the column's dictionary (as tantivy orders a facet
        // field's values within a document): a document's facet ordinals
        // come back ascending, names in order within each root.
        facets.sort_unstable_by(|a, b| a.encoded_str().cmp(b.encoded_str()));
        for facet in &facets {
            doc.add_text(f.facet, facet.encoded_str());
        }
    }
    if !summaries.is_empty() {
        doc.add_text(f.mentions, crate::analyze::summaries_json(&summaries));
    }
    doc.add_u64(f.hash, hash);
    doc
}

#[cfg(test)]
mod pipeline_tests {
    use super::*;
    use crate::ingest::Payload;

    /// `n` batches of up to 7 records; record `k` (counted over all
    /// batches) has line `k`.
    fn batches(n: u64) -> Vec<Vec<RawRecord>> {
        let input = crate::testutil::jsonl_input();
        let mut line = 0;
        (0..n)
            .map(|b| {
                (0..1 + b % 7)
                    .map(|_| {
                        line += 1;
                        RawRecord {
                            input: input.clone(),
                            line,
                            payload: Payload::Line(Vec::new()),
                        }
                    })
                    .collect()
            })
            .collect()
    }

    fn pool() -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
    }

    /// Work that takes longer for some records, so that batches finish out
    /// of order.
    fn slow(raw: &RawRecord) -> u64 {
        std::thread::sleep(Duration::from_micros(50 * ((raw.line * 7919) % 13)));
        raw.line
    }

    #[test]
    fn batches_come_back_whole_and_in_order() {
        let mut seen = Vec::new();
        prepare_ahead(&pool(), batches(40).into_iter(), slow, |batch, prepared| {
            let lines: Vec<u64> = batch.iter().map(|r| r.line).collect();
            assert_eq!(lines, prepared, "each record with what was prepared of it");
            seen.extend(prepared);
            Ok(true)
        })
        .unwrap();
        assert_eq!(seen, (1..=seen.len() as u64).collect::<Vec<_>>());
        assert_eq!(seen.len(), batches(40).iter().map(Vec::len).sum::<usize>());
    }

    #[test]
    fn stopping_or_failing_ends_the_run() {
        let mut handed = 0;
        prepare_ahead(&pool(), batches(40).into_iter(), slow, |_, _| {
            handed += 1;
            Ok(handed < 3)
        })
        .unwrap();
        assert_eq!(handed, 3);
        let failed = prepare_ahead(&pool(), batches(40).into_iter(), slow, |batch, _| {
            if batch[0].line > 10 {
                return Err(Error::Usage("stop".into()));
            }
            Ok(true)
        });
        assert!(matches!(failed, Err(Error::Usage(m)) if m == "stop"));
    }

    #[test]
    fn a_panic_while_preparing_reaches_the_caller() {
        let run = std::panic::catch_unwind(|| {
            prepare_ahead(
                &pool(),
                batches(10).into_iter(),
                |raw| {
                    assert!(raw.line != 12, "record 12 is bad");
                    raw.line
                },
                |_, _| Ok(true),
            )
        });
        let payload = run.expect_err("the panic comes through");
        let text = (payload.downcast_ref::<String>().map(String::as_str))
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        assert!(text.contains("record 12 is bad"), "{text}");
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    fn nice() -> libc::c_int {
        // SAFETY: reads the calling thread's nice value; touches no memory.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }
    }

    #[test]
    fn a_tagging_thread_yields_and_the_others_keep_their_priority() {
        let main = nice();
        let (before, after) = std::thread::spawn(|| {
            let before = nice();
            super::yield_to_indexing();
            (before, nice())
        })
        .join()
        .unwrap();
        assert_eq!(before, main);
        assert_eq!(after, (before + super::TAGGING_NICE).min(19));
        assert_eq!(nice(), main, "the calling thread only");
    }
}
