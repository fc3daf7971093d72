//! Indexing, the third pipeline stage: input paths in, a tantivy index on
//! disk out. A reader thread reads raw records into bounded batches; rayon
//! parses, validates and tags each batch in parallel; the main thread adds
//! documents to one `IndexWriter`, upserting by id, and commits with a
//! payload recording what was committed. Also opens and describes indexes
//! (schema and model versions, checked on open).

mod doc;
mod open;
mod pipeline;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde::Serialize;

use crate::analyze::EntityTagger;
use crate::error::Result;
use crate::ingest::{self, FieldMap, FileError, Limits, RawRecord};

pub use doc::{build_doc, content_hash};
pub use open::{IndexMeta, META_FILE, NewsIndex};

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

    /// The summary as `newsdex index` prints it, a few lines.
    pub fn report(&self, dir: &Path) -> String {
        let mut out = format!(
            "newsdex: indexed {} of {} records into {} ({} articles in the index)\n",
            self.indexed(),
            self.read,
            dir.display(),
            self.articles_in_index
        );
        out.push_str(&format!(
            "  read {}, new {}, replaced {}, unchanged {}, rejected {}, warnings {}, ids derived {}\n",
            self.read, self.new, self.replaced, self.unchanged, self.rejected, self.warnings, self.ids_derived
        ));
        if self.entities.values().any(|n| *n > 0) {
            let e: Vec<String> = self
                .entities
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            out.push_str(&format!("  entity mentions: {}\n", e.join(", ")));
        }
        let mut files = format!("  {} files", self.files);
        if self.skipped_files > 0 {
            files.push_str(&format!(" ({} of other types skipped)", self.skipped_files));
        }
        if self.file_errors > 0 {
            files.push_str(&format!(", {} unreadable or cut short", self.file_errors));
        }
        let mb = self.bytes as f64 / 1e6;
        out.push_str(&format!(
            "{files}, {mb:.1} MB in {:.2} s ({:.1} MB/s)\n",
            self.seconds,
            mb / self.seconds.max(1e-9)
        ));
        if let Some(r) = &self.rejects_file {
            out.push_str(&format!("  rejected records written to {}\n", r.display()));
        }
        out
    }
}

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
    let fingerprint = doc::fingerprint(config, &news.meta, &model_version);
    let total_bytes: u64 = inputs.iter().map(|i| i.size).sum();
    let bar = writer::progress_bar(config.progress, total_bytes);
    let mut sink = writer::Sink::new(&news, config, &fingerprint, summary, bar)?;
    let counter = Arc::new(AtomicU64::new(0));
    let (rx, reader) = pipeline::read_batches(inputs, config.limits, counter.clone());
    let pool = pipeline::pool(config)?;
    let mut batches = 0u64;
    let crash_after: Option<u64> = std::env::var("NEWSDEX_CRASH_AFTER_BATCHES")
        .ok()
        .and_then(|v| v.parse().ok());
    let prep = |raw: &RawRecord| doc::prepare(raw, config, &fields, &fingerprint, Some(&base));
    pipeline::prepare_ahead(&pool, rx.iter(), prep, |batch, prepared| {
        for (raw, p) in batch.iter().zip(prepared) {
            sink.take(raw, p)?;
            if sink.failed() {
                return Ok(false);
            }
        }
        sink.batch_done(counter.load(Ordering::Relaxed))?;
        batches += 1;
        if crash_after == Some(batches) {
            // Failpoint for the crash tests: die here as a killed process
            // would, with no clean-up.
            std::process::abort();
        }
        Ok(true)
    })?;
    drop(rx);
    file_errors.extend(reader.join().unwrap_or_default());
    let (mut summary, printed) = sink.finish(&file_errors)?;
    if news.meta.model_version != model_version {
        // Records whose analysis changed were re-tagged (the model is part of
        // each record's hash); the index now reports the model last used.
        let meta = IndexMeta {
            model_version: model_version.clone(),
            ..news.meta.clone()
        };
        open::write_meta(&config.dir, &meta)?;
    }
    summary.bytes = counter.load(Ordering::Relaxed);
    summary.seconds = started.elapsed().as_secs_f64();
    summary.articles_in_index = news.index.reader()?.searcher().num_docs();
    writer::print_hidden(&summary, printed);
    Ok(summary)
}
