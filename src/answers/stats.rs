//! What an index holds: articles, date range, size, segments, schema and
//! model versions, and the top sources, categories and entities.

use std::io::Write;
use std::path::Path;

use serde_json::json;
use tantivy::Searcher;
use tantivy::query::AllQuery;

use crate::analyze::model::Model;
use crate::error::Result;
use crate::index::NewsIndex;
use crate::ingest::date::format_rfc3339;
use crate::search::{FacetTally, Tally, top_resolved};

/// The facet roots `stats` reports, in order.
const KINDS: [&str; 6] = ["source", "category", "person", "org", "location", "misc"];

/// The statistics of one index.
pub struct IndexStats<'a> {
    dir: &'a Path,
    news: &'a NewsIndex,
    articles: u64,
    /// Dated articles, and the first and last date (UTC seconds).
    dated: u64,
    first: i64,
    last: i64,
    bytes: u64,
    segments: usize,
    counts: Tally,
    /// Per kind of [`KINDS`], its most frequent names, resolved.
    tops: Vec<Vec<(String, u64)>>,
    /// The version of the model this newsdex would tag with.
    current_model: String,
}

impl<'a> IndexStats<'a> {
    /// Reads the statistics of `news` (in `dir`), with the `top` values of
    /// each facet.
    pub fn read(news: &'a NewsIndex, dir: &'a Path, top: usize) -> Result<IndexStats<'a>> {
        let searcher = news.searcher()?;
        let (first, last, dated) = date_range(&searcher);
        let tally = FacetTally {
            kinds: KINDS.iter().map(|k| k.to_string()).collect(),
            names: None,
            keep_hits: true,
        };
        let counts = searcher.search(&AllQuery, &tally)?;
        let names = crate::names::resolver(&news.dir)?;
        let tops = KINDS
            .iter()
            .map(|k| top_resolved(news, &searcher, &counts, k, top, &names))
            .collect::<Result<_>>()?;
        let bytes: u64 = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0);
        Ok(IndexStats {
            dir,
            news,
            articles: searcher.num_docs(),
            dated,
            first,
            last,
            bytes,
            segments: searcher.segment_readers().len(),
            counts,
            tops,
            current_model: Model::embedded()
                .map(|m| m.version.clone())
                .unwrap_or_else(|_| "none".into()),
        })
    }

    /// The statistics as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        let mut facets = serde_json::Map::new();
        for (k, top) in KINDS.iter().zip(&self.tops) {
            facets.insert(
                k.to_string(),
                json!({
                    "distinct": self.counts.distinct(k),
                    "top": top.iter().map(|(n, c)| json!({"name": n, "count": c})).collect::<Vec<_>>(),
                }),
            );
        }
        let meta = &self.news.meta;
        json!({
            "index": self.dir.display().to_string(),
            "articles": self.articles,
            "dated": self.dated,
            "first_date": (self.dated > 0).then(|| format_rfc3339(self.first)),
            "last_date": (self.dated > 0).then(|| format_rfc3339(self.last)),
            "bytes": self.bytes,
            "segments": self.segments,
            "schema_version": meta.schema_version,
            "model_version": meta.model_version,
            "newsdex_model_version": self.current_model,
            "facets": facets,
        })
    }

    /// The statistics as a table, a line each.
    pub fn write_table(&self, out: &mut impl Write) -> anyhow::Result<()> {
        writeln!(out, "index        {}", self.dir.display())?;
        writeln!(out, "articles     {}", self.articles)?;
        if self.dated > 0 {
            writeln!(
                out,
                "dates        {} to {} ({} undated)",
                format_rfc3339(self.first),
                format_rfc3339(self.last),
                self.articles - self.dated
            )?;
        } else {
            writeln!(out, "dates        none")?;
        }
        writeln!(
            out,
            "size         {:.1} MB in {} segments",
            self.bytes as f64 / 1e6,
            self.segments
        )?;
        let meta = &self.news.meta;
        writeln!(out, "schema       version {}", meta.schema_version)?;
        let current = &self.current_model;
        let note = if meta.model_version != *current && meta.model_version != "none" {
            format!(" (this newsdex has {current}; --rebuild to re-tag)")
        } else {
            String::new()
        };
        writeln!(out, "model        {}{note}", meta.model_version)?;
        for (k, top) in KINDS.iter().zip(&self.tops) {
            if top.is_empty() {
                continue;
            }
            let list: Vec<String> = top.iter().map(|(n, c)| format!("{n} ({c})")).collect();
            let distinct = self.counts.distinct(k);
            writeln!(out, "{k:<12} {distinct} distinct: {}", list.join(", "))?;
        }
        Ok(())
    }
}

/// The first and last date of the live articles (UTC seconds), and how
/// many are dated.
fn date_range(searcher: &Searcher) -> (i64, i64, u64) {
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
    (min, max, dated)
}
