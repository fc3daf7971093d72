//! The indexing pipeline's moving parts: a reader thread that cuts the
//! inputs into bounded batches, and the tagging pool that prepares batches
//! ahead of the thread that adds them to the index, handing them back in
//! input order.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use rayon::prelude::*;

use super::IndexConfig;
use crate::error::{Error, Result};
use crate::ingest::{self, FileError, Input, Limits, RawRecord};

/// Records per batch: the tagging pool works on [`AHEAD`] batches at a
/// time, the main thread adding each batch's documents when it is done.
/// Larger batches keep the pool busier for a little more memory.
const BATCH: usize = 2048;
/// Bytes of records per batch, at most (long articles make short batches).
const BATCH_BYTES: usize = 8 << 20;

/// The batches read from `inputs` on a reader thread, through a bounded
/// channel; the thread returns the errors of files it could not read.
/// `counter` counts the bytes read.
pub(super) fn read_batches(
    inputs: Vec<Arc<Input>>,
    limits: Limits,
    counter: Arc<AtomicU64>,
) -> (
    crossbeam_channel::Receiver<Vec<RawRecord>>,
    std::thread::JoinHandle<Vec<FileError>>,
) {
    let (tx, rx) = crossbeam_channel::bounded::<Vec<RawRecord>>(4);
    let reader = std::thread::spawn(move || {
        let mut errors = Vec::new();
        let mut batch: Vec<RawRecord> = Vec::with_capacity(BATCH);
        let mut batch_bytes = 0usize;
        'files: for input in &inputs {
            let go_on = ingest::read_input(input, limits, &counter, &mut errors, &mut |r| {
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
    (rx, reader)
}

/// The tagging pool: `--threads` threads, which yield to tantivy's indexing
/// threads when they tag.
pub(super) fn pool(config: &IndexConfig) -> Result<rayon::ThreadPool> {
    let tagging = config.tagger.is_some();
    rayon::ThreadPoolBuilder::new()
        .start_handler(move |_| {
            if tagging {
                yield_to_indexing();
            }
        })
        .num_threads(config.threads.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("--threads: {e}")))
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
pub(super) fn prepare_ahead<P>(
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

#[cfg(test)]
mod pipeline_tests {
    use super::*;
    use crate::ingest::Payload;
    use std::time::Duration;

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
