//! The thread that adds prepared records to the one `IndexWriter`:
//! upserts by id, counts, reports warnings and rejections (the first few
//! on stderr, every rejection in the rejects file), and commits with a
//! payload recording what was committed.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use rustc_hash::FxHashSet;
use tantivy::schema::Term;
use tantivy::{IndexWriter, TantivyError};

use super::doc::{Prepared, prepare};
use super::{IndexConfig, IndexSummary, NewsIndex};
use crate::analyze::EntityType;
use crate::error::{Error, Result};
use crate::ingest::{self, FileError, RawRecord};
use crate::schema::Fields;

/// How many warnings and rejections are printed before they are only counted.
const PRINT_LIMIT: u64 = 20;

/// Segments with more documents than this are not merged further: the
/// segments of a bulk run (a commit's worth per thread, or a memory
/// budget's) are left as they are, and only the small ones incremental runs
/// make are merged, as merging large segments at the end of a run costs
/// time and peak memory for little gain in search speed.
const MERGE_MAX_DOCS: usize = 20_000;

/// Adds prepared records to the index and keeps the run's counts.
pub(super) struct Sink<'a> {
    writer: IndexWriter,
    fields: Fields,
    config: &'a IndexConfig,
    fingerprint: &'a str,
    pub(super) summary: IndexSummary,
    pub(super) bar: indicatif::ProgressBar,
    /// Hashes of the ids seen in this run.
    seen: FxHashSet<u64>,
    since_commit: u64,
    printed: u64,
    rejects: Rejects,
    /// An error adding a document: the run stops and rolls back.
    fatal: Option<Error>,
}

/// The rejects file, created at the first rejection.
struct Rejects {
    path: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl<'a> Sink<'a> {
    pub(super) fn new(
        news: &NewsIndex,
        config: &'a IndexConfig,
        fingerprint: &'a str,
        summary: IndexSummary,
        bar: indicatif::ProgressBar,
    ) -> Result<Sink<'a>> {
        let writer: IndexWriter = news
            .index
            .writer_with_num_threads(config.threads.clamp(1, 8), config.memory)
            .map_err(|e| match e {
                TantivyError::LockFailure(..) => Error::Locked(config.dir.clone()),
                other => Error::Tantivy(other),
            })?;
        let mut merge_policy = tantivy::merge_policy::LogMergePolicy::default();
        merge_policy.set_max_docs_before_merge(MERGE_MAX_DOCS);
        writer.set_merge_policy(Box::new(merge_policy));
        let path = config
            .rejects
            .clone()
            .unwrap_or_else(|| config.dir.join("rejects.jsonl"));
        let _ = std::fs::remove_file(&path);
        Ok(Sink {
            writer,
            fields: news.fields,
            config,
            fingerprint,
            summary,
            bar,
            seen: FxHashSet::default(),
            since_commit: 0,
            printed: 0,
            rejects: Rejects { path, file: None },
            fatal: None,
        })
    }

    /// Whether adding a document failed; the run then stops.
    pub(super) fn failed(&self) -> bool {
        self.fatal.is_some()
    }

    /// Takes one prepared record.
    pub(super) fn take(&mut self, raw: &RawRecord, prepared: Prepared) -> Result<()> {
        self.summary.read += 1;
        match prepared {
            Prepared::Rejected { reason } => self.reject(raw, &reason),
            Prepared::Unchanged {
                id,
                id_derived,
                warnings,
            } => {
                self.warn(raw, &warnings);
                self.summary.ids_derived += id_derived as u64;
                if self.seen.insert(id_key(&id)) {
                    self.summary.unchanged += 1;
                    return Ok(());
                }
                // Replaced earlier in this run by other content: prepare it
                // again, in full.
                let again = prepare(raw, self.config, &self.fields, self.fingerprint, None);
                if let Prepared::Doc {
                    doc, id, mentions, ..
                } = again
                {
                    self.writer
                        .delete_term(Term::from_field_text(self.fields.id, &id));
                    self.writer.add_document(*doc)?;
                    self.add_mentions(mentions);
                    self.summary.replaced += 1;
                    self.since_commit += 1;
                }
                Ok(())
            }
            Prepared::Doc {
                id,
                id_derived,
                doc,
                warnings,
                mentions,
                existed,
            } => {
                self.warn(raw, &warnings);
                self.summary.ids_derived += id_derived as u64;
                let again = !self.seen.insert(id_key(&id));
                if existed || again {
                    self.writer
                        .delete_term(Term::from_field_text(self.fields.id, &id));
                    self.summary.replaced += 1;
                } else {
                    self.summary.new += 1;
                }
                self.add_mentions(mentions);
                if let Err(e) = self.writer.add_document(*doc) {
                    self.fatal = Some(e.into());
                    return Ok(());
                }
                self.since_commit += 1;
                Ok(())
            }
        }
    }

    /// After each batch: the progress bar, and a commit when one is due.
    pub(super) fn batch_done(&mut self, bytes_read: u64) -> Result<()> {
        self.bar.set_position(bytes_read);
        self.bar
            .set_message(format!("{} articles", self.summary.read));
        if self.since_commit >= self.config.commit_every {
            commit(&mut self.writer, &self.summary)?;
            self.since_commit = 0;
        }
        Ok(())
    }

    /// Ends the run: rolls back on a failed add, or reports the input files
    /// that could not be read, flushes the rejects and makes the last
    /// commit.
    pub(super) fn finish(mut self, file_errors: &[FileError]) -> Result<(IndexSummary, u64)> {
        if let Some(e) = self.fatal {
            self.bar.finish_and_clear();
            // Nothing of this run past the last commit becomes visible.
            let _ = self.writer.rollback();
            return Err(e);
        }
        for e in file_errors {
            self.bar
                .suspend(|| eprintln!("newsdex: error: {}: {}", e.name, e.message));
        }
        self.summary.file_errors = file_errors.len() as u64;
        if let Some(mut w) = self.rejects.file.take() {
            w.flush().map_err(|e| Error::io(&self.rejects.path, e))?;
        }
        commit(&mut self.writer, &self.summary)?;
        self.writer.wait_merging_threads()?;
        self.bar.finish_and_clear();
        Ok((self.summary, self.printed))
    }

    fn reject(&mut self, raw: &RawRecord, reason: &str) -> Result<()> {
        self.summary.rejected += 1;
        let location = Location(&raw.input.name, raw.line);
        if self.printed < PRINT_LIMIT {
            self.bar
                .suspend(|| eprintln!("newsdex: rejected {location}: {reason}"));
            self.printed += 1;
        }
        let path = &self.rejects.path;
        if self.rejects.file.is_none() {
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
            self.rejects.file = Some(std::io::BufWriter::new(f));
            self.summary.rejects_file = Some(path.clone());
        }
        if let Some(w) = self.rejects.file.as_mut() {
            let line = serde_json::json!({
                "file": raw.input.name,
                "line": raw.line,
                "reason": reason,
                "raw": raw.raw_text(),
            });
            writeln!(w, "{line}").map_err(|e| Error::io(path, e))?;
        }
        Ok(())
    }

    fn warn(&mut self, raw: &RawRecord, warnings: &[ingest::Warning]) {
        let location = Location(&raw.input.name, raw.line);
        for w in warnings {
            self.summary.warnings += 1;
            if self.printed < PRINT_LIMIT {
                self.bar.suspend(|| {
                    eprintln!(
                        "newsdex: warning: {location}: field {}: {}",
                        w.field, w.message
                    )
                });
                self.printed += 1;
            }
        }
    }

    fn add_mentions(&mut self, mentions: [u64; 4]) {
        for (t, n) in EntityType::ALL.iter().zip(mentions) {
            // A new String only the first time (this runs for every article).
            match self.summary.entities.get_mut(t.name()) {
                Some(count) => *count += n,
                None => {
                    self.summary.entities.insert(t.name().to_string(), n);
                }
            }
        }
    }
}

/// The key of an id in [`Sink::seen`].
fn id_key(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

/// Messages past the first [`PRINT_LIMIT`] that were only counted.
pub(super) fn print_hidden(summary: &IndexSummary, printed: u64) {
    if printed >= PRINT_LIMIT {
        let hidden = summary.rejected + summary.warnings - printed;
        if hidden > 0 {
            eprintln!("newsdex: ... {hidden} more warnings and rejections not shown");
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

/// The progress bar on stderr, or a hidden one.
pub(super) fn progress_bar(enabled: bool, total: u64) -> indicatif::ProgressBar {
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
