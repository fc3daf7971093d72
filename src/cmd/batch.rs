//! `newsdex batch`: a file of queries in, every hit (or the top N) of each
//! out as CSV, JSON lines or a TREC run, with per-query hit counts on
//! stderr. A query that does not parse is reported with its line and id;
//! the others still run (exit 3 then).

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use serde_json::json;

use crate::cli::BatchArgs;
use crate::error::{Error, ExitCode};
use crate::index::NewsIndex;
use crate::provenance;
use crate::search::{Filters, IdReader, Request, Sort, top_hits};

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

pub fn run(dir: &Path, a: BatchArgs) -> anyhow::Result<ExitCode> {
    if !["csv", "jsonl", "trec"].contains(&a.format.as_str()) {
        return Err(Error::Usage(format!(
            "--format: expected csv, jsonl or trec, got {:?}",
            a.format
        ))
        .into());
    }
    let sort = Sort::parse(&a.sort)?;
    let queries = read_queries(&a.queries)?;
    let news = NewsIndex::open(dir)?;
    let searcher = news.searcher()?;
    let ids = IdReader::new(&searcher);
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
    let csv = a.format == "csv";
    if csv {
        csv_row(&mut out, &["qid", "rank", "id", "score", "date", "title"])?;
    }
    if a.format == "jsonl" && a.output.is_none() {
        serde_json::to_writer(&mut out, &meta)?;
        out.write_all(b"\n")?;
    }
    let (mut failed, mut total) = (0u64, 0u64);
    let mut counts: Vec<(String, usize)> = Vec::new();
    for q in &queries {
        let request = Request {
            query: Some(q.text.clone()),
            ..template.clone()
        };
        let (query, hits) = match top_hits(&news, &searcher, &request, a.limit, &ids) {
            Ok(x) => x,
            Err(e) => {
                eprintln!(
                    "newsdex: query {} (line {}) of {}: {e}",
                    q.id,
                    q.line,
                    a.queries.display()
                );
                failed += 1;
                continue;
            }
        };
        let reader = (a.format != "trec")
            .then(|| crate::search::HitReader::new(&news, &searcher, &*query, 0))
            .transpose()?;
        for (i, h) in hits.iter().enumerate() {
            let rank = i + 1;
            match a.format.as_str() {
                "trec" => writeln!(
                    out,
                    "{} Q0 {} {} {:.4} {}",
                    q.id,
                    ids.id(h.addr),
                    rank,
                    h.score,
                    a.tag
                )?,
                _ => {
                    let hit = reader.as_ref().map(|r| r.read(rank, h)).transpose()?;
                    let Some(hit) = hit else { continue };
                    if csv {
                        csv_row(
                            &mut out,
                            &[
                                q.id.as_str(),
                                &rank.to_string(),
                                &hit.id,
                                &crate::export::format_score(hit.score),
                                hit.date.as_deref().unwrap_or(""),
                                &hit.title,
                            ],
                        )?;
                    } else {
                        let v = json!({"qid": q.id, "rank": rank, "id": hit.id, "score": ((hit.score as f64) * 1e4).round() / 1e4, "date": hit.date, "title": hit.title});
                        serde_json::to_writer(&mut out, &v)?;
                        out.write_all(b"\n")?;
                    }
                }
            }
        }
        total += hits.len() as u64;
        counts.push((q.id.clone(), hits.len()));
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
