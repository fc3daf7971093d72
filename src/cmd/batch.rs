//! `newsdex batch`: a file of queries in, every hit (or the top N) of each
//! out as CSV, JSON lines or a TREC run, with per-query hit counts on
//! stderr. A query that does not parse is reported with its line and id;
//! the others still run (exit 3 then).

use std::path::Path;

use crate::cli::BatchArgs;
use crate::error::{Error, ExitCode};
use crate::export::batch::{BatchConfig, Output, batch, read_queries};
use crate::export::{Format, columns};
use crate::index::NewsIndex;
use crate::search::{Filters, Request, Sort, parse_half_life};

pub fn run(dir: &Path, a: BatchArgs) -> anyhow::Result<ExitCode> {
    super::check_format(&a.format, &["csv", "jsonl", "trec", "xlsx"])?;
    if a.bom && a.format != "csv" {
        return Err(Error::Usage("--bom: only CSV starts with a byte-order mark".into()).into());
    }
    let sort = Sort::parse(&a.sort)?;
    let queries = read_queries(&a.queries)?;
    let template = Request {
        recency: a.recency.as_deref().map(parse_half_life).transpose()?,
        query: None,
        any: a.any,
        filters: Filters::default(),
        sort,
        resolve: true,
    };
    let news = NewsIndex::open(dir)?;
    let columns = columns::parse(Some(&a.fields), columns::BATCH, columns::BATCH)?;
    let output = match a.format.as_str() {
        "trec" => Output::Trec(a.tag.clone()),
        "jsonl" => Output::Rows(Format::Jsonl, columns),
        "xlsx" => Output::Workbook(columns),
        _ => Output::Rows(Format::Csv, columns),
    };
    let facets = match &a.facets {
        None => Vec::new(),
        Some(spec) if a.format == "jsonl" => super::parse_facets(spec)?,
        Some(_) => {
            return Err(Error::Usage(
                "--facets needs --format jsonl (facet counts are a line per query)".into(),
            )
            .into());
        }
    };
    let config = BatchConfig {
        file: a.queries.clone(),
        queries,
        template,
        limit: a.limit,
        output,
        facets,
        facet_size: a.facet_size,
        threads: a.threads.unwrap_or_else(rayon::current_num_threads).max(1),
        path: a.output.clone(),
        bom: a.bom,
    };
    let file = a.queries.display();
    let done = batch(&news, &config, |q, e| {
        eprintln!("newsdex: query {} (line {}) of {file}: {e}", q.id, q.line);
    })?;
    let list: Vec<String> = done
        .counts
        .iter()
        .map(|(id, n)| format!("{id}: {n}"))
        .collect();
    let total: usize = done.counts.iter().map(|(_, n)| n).sum();
    eprintln!(
        "newsdex: batch: {} queries run, {} failed, {total} hits ({})",
        done.counts.len(),
        done.failed,
        list.join(", ")
    );
    if a.stats {
        eprintln!(
            "newsdex: batch: index opened in {:.4} s; queries run and written in {:.4} s",
            done.opened.as_secs_f64(),
            done.ran.as_secs_f64()
        );
    }
    Ok(if done.failed > 0 {
        ExitCode::SomeRejected
    } else if total == 0 {
        ExitCode::NoHits
    } else {
        ExitCode::Success
    })
}
