//! `newsdex batch`: a file of queries in, every hit (or the top N) of each
//! out as CSV, JSON lines or a TREC run, with per-query hit counts on
//! stderr. A query that does not parse is reported with its line and id;
//! the others still run (exit 3 then).

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use rayon::prelude::*;
use serde_json::json;

use crate::analyze::EntityType;
use crate::cli::BatchArgs;
use crate::error::{Error, ExitCode};
use crate::index::NewsIndex;
use crate::provenance;
use crate::search::{
    FacetTally, Filters, IdReader, Request, Sort, StrReader, top_facets, top_hits_tallied,
};
use tantivy::tokenizer::MAX_TOKEN_LEN;

/// One query's rows, and its number of hits or why it failed.
type Answer = (Vec<u8>, Result<usize, String>);

/// One query of the batch file.
struct BatchQuery {
    line: u64,
    id: String,
    text: String,
}

fn read_queries(path: &Path) -> anyhow::Result<Vec<BatchQuery>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let first = text.lines().next().unwrap_or("").trim().to_lowercase();
    let mut out = Vec::new();
    if first == "id,query"
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
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
        for row in reader.records() {
            let row = row.with_context(|| format!("reading {}", path.display()))?;
            let line = row.position().map_or(0, |p| p.line());
            out.push(BatchQuery {
                line,
                id: row.get(id_col).unwrap_or("").trim().to_string(),
                text: row.get(q_col).unwrap_or("").trim().to_string(),
            });
        }
    } else {
        for (i, l) in text.lines().enumerate() {
            let l = l.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            out.push(BatchQuery {
                line: i as u64 + 1,
                id: (i + 1).to_string(),
                text: l.to_string(),
            });
        }
    }
    Ok(out)
}

/// Columns of CSV and JSONL batch output.
const BATCH_FIELDS: &[&str] = &[
    "qid", "rank", "id", "score", "date", "title", "source", "url", "snippet", "person", "org",
    "location", "misc",
];

/// Characters of a snippet, as `search` shows.
const SNIPPET_CHARS: usize = 160;

pub fn run(dir: &Path, a: BatchArgs) -> anyhow::Result<ExitCode> {
    super::check_format(&a.format, &["csv", "jsonl", "trec"])?;
    let sort = Sort::parse(&a.sort)?;
    let queries = read_queries(&a.queries)?;
    let started = std::time::Instant::now();
    let news = NewsIndex::open(dir)?;
    let searcher = news.searcher()?;
    // Every hit written needs its id.
    let ids = IdReader::expecting(
        &searcher,
        queries.len().saturating_mul(a.limit.unwrap_or(usize::MAX)),
    );
    let template = Request {
        recency: a
            .recency
            .as_deref()
            .map(crate::search::parse_half_life)
            .transpose()?,
        query: None,
        any: a.any,
        filters: Filters::default(),
        sort,
    };
    let meta = provenance::record(
        &news,
        &searcher,
        &template,
        json!({"command": "batch", "queries_file": a.queries.display().to_string(), "queries": queries.len(),
               "limit": a.limit, "format": a.format}),
    )?;
    let sink: Box<dyn Write> = match &a.output {
        None => Box::new(std::io::stdout().lock()),
        Some(p) => Box::new(std::fs::File::create(p).map_err(|e| Error::io(p, e))?),
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, sink);
    let fields: Vec<&str> = a
        .fields
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    if let Some(bad) = fields.iter().find(|f| !BATCH_FIELDS.contains(f)) {
        return Err(Error::Usage(format!(
            "--fields: unknown field {bad:?}; fields are {}",
            BATCH_FIELDS.join(", ")
        ))
        .into());
    }
    // Titles come from their column (schema version 2) when every segment
    // has it: reading a stored document for its title cost 0.07 s of 300
    // top-10 queries on the real corpus, 5 times the queries themselves.
    let titles = StrReader::expecting(
        &searcher,
        "title",
        queries.len().saturating_mul(a.limit.unwrap_or(usize::MAX)),
    );
    let titles = titles.complete().then_some(titles);
    let from_columns = |f: &str| {
        matches!(f, "qid" | "rank" | "id" | "score" | "date") || (f == "title" && titles.is_some())
    };
    let needs_doc = fields.iter().any(|f| !from_columns(f));
    let snippet_chars = if fields.contains(&"snippet") {
        SNIPPET_CHARS
    } else {
        0
    };
    let facets = match &a.facets {
        None => Vec::new(),
        Some(spec) if a.format == "jsonl" => super::search::parse_facets(spec)?,
        Some(_) => {
            return Err(Error::Usage(
                "--facets needs --format jsonl (facet counts are a line per query)".into(),
            )
            .into());
        }
    };
    let csv = a.format == "csv";
    if csv {
        csv_row(&mut out, &fields)?;
    }
    if a.format == "jsonl" && a.output.is_none() {
        serde_json::to_writer(&mut out, &meta)?;
        out.write_all(b"\n")?;
    }
    // Reading every facet name once is part of running the queries.
    let opened = started.elapsed();
    let facet_names = (!facets.is_empty())
        .then(|| crate::search::facet_names(&searcher).map(std::sync::Arc::new))
        .transpose()?;
    // Writes one query's output to `out`, on any thread; its number of
    // hits, or why it failed.
    let answer =
        |q: &BatchQuery, mut out: &mut dyn Write| -> anyhow::Result<Result<usize, String>> {
            let request = Request {
                query: Some(q.text.clone()),
                ..template.clone()
            };
            let tally = (!facets.is_empty()).then(|| FacetTally {
                kinds: facets.clone(),
                names: facet_names.clone(),
            });
            let found = top_hits_tallied(&news, &searcher, &request, a.limit, &ids, tally);
            let crate::search::Tallied {
                query,
                hits,
                total: n,
                tally,
            } = match found {
                Ok(x) => x,
                Err(e) => return Ok(Err(e.to_string())),
            };
            let reader = (a.format != "trec" && needs_doc)
                .then(|| crate::search::HitReader::new(&news, &searcher, &*query, snippet_chars))
                .transpose()?;
            // For titles the column cut (MAX_TOKEN_LEN): the stored one is whole.
            let whole_titles = crate::search::HitReader::new(&news, &searcher, &*query, 0)?;
            for (i, h) in hits.iter().enumerate() {
                let rank = i + 1;
                if a.format == "trec" {
                    writeln!(
                        out,
                        "{} Q0 {} {} {:.4} {}",
                        q.id,
                        ids.id(h.addr),
                        rank,
                        h.score,
                        a.tag
                    )?;
                    continue;
                }
                // Stored fields are read only when a column needs them.
                let hit = reader.as_ref().map(|r| r.read(rank, h)).transpose()?;
                let id = match &hit {
                    Some(hit) => hit.id.clone(),
                    None => ids.id(h.addr),
                };
                let date = h.date.map(crate::ingest::date::format_rfc3339);
                let title = || -> anyhow::Result<Option<String>> {
                    if let Some(hit) = &hit {
                        return Ok(Some(hit.title.clone()));
                    }
                    let Some(t) = titles.as_ref().and_then(|t| t.get(h.addr)) else {
                        return Ok(None);
                    };
                    if t.len() >= MAX_TOKEN_LEN {
                        return Ok(Some(whole_titles.read(rank, h)?.title));
                    }
                    Ok(Some(t.into_owned()))
                };
                let title = if fields.contains(&"title") {
                    title()?
                } else {
                    None
                };
                let text = |v: &Option<String>| v.clone().unwrap_or_default();
                let values: Vec<(&str, serde_json::Value)> = fields
                    .iter()
                    .map(|f| {
                        let v = match *f {
                            "qid" => json!(q.id),
                            "rank" => json!(rank),
                            "id" => json!(id),
                            "score" => json!(((h.score as f64) * 1e4).round() / 1e4),
                            "date" => json!(date),
                            "title" => json!(title),
                            "source" => json!(hit.as_ref().and_then(|x| x.source.clone())),
                            "url" => json!(hit.as_ref().and_then(|x| x.url.clone())),
                            "snippet" => json!(hit.as_ref().map(|x| x.snippet.clone())),
                            kind => {
                                let names = hit
                                    .as_ref()
                                    .zip(EntityType::from_name(kind))
                                    .map_or(&[][..], |(x, t)| x.entities.of(t));
                                if csv {
                                    json!(names.join("; "))
                                } else {
                                    json!(names)
                                }
                            }
                        };
                        (*f, v)
                    })
                    .collect();
                if csv {
                    let row: Vec<String> = values
                        .iter()
                        .map(|(f, v)| match (*f, v) {
                            ("score", _) => crate::export::format_score(h.score),
                            ("date", _) => text(&date),
                            (_, serde_json::Value::String(s)) => s.clone(),
                            (_, serde_json::Value::Null) => String::new(),
                            (_, other) => other.to_string(),
                        })
                        .collect();
                    let refs: Vec<&str> = row.iter().map(String::as_str).collect();
                    csv_row(&mut out, &refs)?;
                } else {
                    // Written as an object field by field (a map built per row
                    // cost a tenth of a batch with facets).
                    out.write_all(b"{")?;
                    for (i, (f, v)) in values.iter().enumerate() {
                        if i > 0 {
                            out.write_all(b",")?;
                        }
                        serde_json::to_writer(&mut out, f)?;
                        out.write_all(b":")?;
                        serde_json::to_writer(&mut out, v)?;
                    }
                    out.write_all(b"}\n")?;
                }
            }
            if let Some(tally) = tally {
                let facets: serde_json::Map<String, serde_json::Value> = facets
                    .iter()
                    .map(|kind| {
                        let top = top_facets(&tally, kind, a.facet_size);
                        let names: Vec<serde_json::Value> = top
                            .into_iter()
                            .map(|(name, n)| json!({"name": name, "count": n}))
                            .collect();
                        (kind.clone(), json!(names))
                    })
                    .collect();
                serde_json::to_writer(
                    &mut out,
                    &json!({"qid": q.id, "total": n, "facets": facets}),
                )?;
                out.write_all(b"\n")?;
            }
            Ok(Ok(hits.len()))
        };
    let (mut failed, mut total) = (0u64, 0u64);
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut report = |q: &BatchQuery, hits: Result<usize, String>| match hits {
        Ok(n) => {
            total += n as u64;
            counts.push((q.id.clone(), n));
        }
        Err(e) => {
            eprintln!(
                "newsdex: query {} (line {}) of {}: {e}",
                q.id,
                q.line,
                a.queries.display()
            );
            failed += 1;
        }
    };
    let threads = a.threads.unwrap_or_else(rayon::current_num_threads).max(1);
    if threads > 1 && a.limit.is_some_and(|k| k <= 1000) {
        // Queries with a small --limit run side by side, in rounds written
        // in file order as each completes.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        for queries in queries.chunks(256) {
            let answers: Vec<anyhow::Result<Answer>> = pool.install(|| {
                queries
                    .par_iter()
                    .map(|q| {
                        let mut rows = Vec::new();
                        let hits = answer(q, &mut rows)?;
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
        // Without a limit a query may have any number of rows: one query at
        // a time, written as they come.
        for q in &queries {
            let hits = answer(q, &mut out)?;
            report(q, hits);
        }
    }
    out.flush()?;
    drop(out);
    if let Some(p) = &a.output {
        let sidecar = super::export::meta_path(p);
        std::fs::write(&sidecar, serde_json::to_string_pretty(&meta)? + "\n")
            .map_err(|e| Error::io(&sidecar, e))?;
    }
    let list: Vec<String> = counts.iter().map(|(id, n)| format!("{id}: {n}")).collect();
    eprintln!(
        "newsdex: batch: {} queries run, {failed} failed, {total} hits ({})",
        counts.len(),
        list.join(", ")
    );
    if a.stats {
        eprintln!(
            "newsdex: batch: index opened in {:.4} s; queries run and written in {:.4} s",
            opened.as_secs_f64(),
            (started.elapsed() - opened).as_secs_f64()
        );
    }
    Ok(if failed > 0 {
        ExitCode::SomeRejected
    } else if total == 0 {
        ExitCode::NoHits
    } else {
        ExitCode::Success
    })
}

/// Writes one RFC 4180 row.
fn csv_row(out: &mut impl Write, fields: &[&str]) -> anyhow::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(128));
    w.write_record(fields)?;
    out.write_all(
        &w.into_inner()
            .map_err(|e| anyhow::anyhow!("{}", e.error()))?,
    )?;
    Ok(())
}
