//! `newsdex stats`: an index in, what it holds out (articles, date range,
//! size, segments, versions, top sources and entities).

use std::io::Write;
use std::path::Path;

use serde_json::json;
use tantivy::query::AllQuery;

use crate::analyze::model::Model;
use crate::cli::StatsArgs;
use crate::error::ExitCode;
use crate::index::NewsIndex;
use crate::ingest::date::format_rfc3339;
use crate::search::{FacetTally, top_facets};

pub fn run(dir: &Path, a: StatsArgs) -> anyhow::Result<ExitCode> {
    super::check_format(&a.format, &["table", "json"])?;
    let news = NewsIndex::open(dir)?;
    let searcher = news.searcher()?;
    let articles = searcher.num_docs();
    let (mut min, mut max, mut dated) = (i64::MAX, i64::MIN, 0u64);
    for seg in searcher.segment_readers() {
        let Ok(col) = seg.fast_fields().date("date") else {
            continue;
        };
        let alive = seg.alive_bitset();
        for doc in 0..seg.max_doc() {
            if alive.is_some_and(|a| !a.is_alive(doc)) {
                continue;
            }
            if let Some(d) = col.first(doc) {
                let s = d.into_timestamp_secs();
                min = min.min(s);
                max = max.max(s);
                dated += 1;
            }
        }
    }
    let kinds = ["source", "category", "person", "org", "location", "misc"];
    let fc = FacetTally {
        kinds: kinds.iter().map(|k| k.to_string()).collect(),
        names: None,
    };
    let counts = searcher.search(&AllQuery, &fc)?;
    let top = |k: &str| top_facets(&counts, k, a.top);
    let distinct = |k: &str| counts.distinct(k);
    let size: u64 = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    let segments = searcher.segment_readers().len();
    let current_model = Model::embedded()
        .map(|m| m.version.clone())
        .unwrap_or_else(|_| "none".into());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if a.format == "json" {
        let mut top_json = serde_json::Map::new();
        for k in kinds {
            top_json.insert(
                k.to_string(),
                json!({
                    "distinct": distinct(k),
                    "top": top(k).into_iter().map(|(n, c)| json!({"name": n, "count": c})).collect::<Vec<_>>(),
                }),
            );
        }
        let v = json!({
            "index": dir.display().to_string(),
            "articles": articles,
            "dated": dated,
            "first_date": (dated > 0).then(|| format_rfc3339(min)),
            "last_date": (dated > 0).then(|| format_rfc3339(max)),
            "bytes": size,
            "segments": segments,
            "schema_version": news.meta.schema_version,
            "model_version": news.meta.model_version,
            "newsdex_model_version": current_model,
            "facets": top_json,
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(ExitCode::Success);
    }
    writeln!(out, "index        {}", dir.display())?;
    writeln!(out, "articles     {articles}")?;
    if dated > 0 {
        writeln!(
            out,
            "dates        {} to {} ({} undated)",
            format_rfc3339(min),
            format_rfc3339(max),
            articles - dated
        )?;
    } else {
        writeln!(out, "dates        none")?;
    }
    writeln!(
        out,
        "size         {:.1} MB in {segments} segments",
        size as f64 / 1e6
    )?;
    writeln!(out, "schema       version {}", news.meta.schema_version)?;
    let note = if news.meta.model_version != current_model && news.meta.model_version != "none" {
        format!(" (this newsdex has {current_model}; --rebuild to re-tag)")
    } else {
        String::new()
    };
    writeln!(out, "model        {}{note}", news.meta.model_version)?;
    for k in kinds {
        let t = top(k);
        if t.is_empty() {
            continue;
        }
        let list: Vec<String> = t.iter().map(|(n, c)| format!("{n} ({c})")).collect();
        writeln!(
            out,
            "{:<12} {} distinct: {}",
            k,
            distinct(k),
            list.join(", ")
        )?;
    }
    Ok(ExitCode::Success)
}
