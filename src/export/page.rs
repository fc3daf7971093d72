//! A page of search hits rendered: hits and facet counts in, text out as a
//! table (for people), JSON, JSON lines or CSV (for programs).

use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

use super::columns::parse_export;
use super::numbers::format_score;
use super::rows::{Format as RowFormat, RowSink, RowWriter};
use super::xlsx;
use crate::search::{Hit, SearchResult, day};

/// Output formats of `newsdex search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
    /// An Excel workbook ([`write_workbook`]), to a file.
    Xlsx,
}

impl Format {
    pub fn parse(s: &str) -> crate::error::Result<Format> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            other => Err(crate::error::Error::Usage(format!(
                "--format: expected table, json, jsonl, csv or xlsx, got {other:?}"
            ))),
        }
    }
}

/// The JSON object of one hit.
pub fn hit_json(hit: &Hit) -> Value {
    json!({
        "rank": hit.rank,
        "score": ((hit.score as f64) * 1e4).round() / 1e4,
        "id": hit.id,
        "title": hit.title,
        "date": hit.date,
        "source": hit.source,
        "url": hit.url,
        "category": hit.category,
        "snippet": hit.snippet,
        "entities": hit.entities,
    })
}

/// Facet counts as JSON: `{"person": [{"name": .., "count": ..}], ..}`.
pub fn facets_json(result: &SearchResult) -> Value {
    let mut obj = serde_json::Map::new();
    for (kind, counts) in &result.facets {
        obj.insert(
            kind.clone(),
            Value::Array(
                counts
                    .iter()
                    .map(|(name, n)| json!({"name": name, "count": n}))
                    .collect(),
            ),
        );
    }
    Value::Object(obj)
}

/// Writes a search result in `format`. `color`: highlight matches with ANSI
/// colours (table only). `width`: terminal width for the table.
pub fn write(
    out: &mut dyn Write,
    result: &SearchResult,
    format: Format,
    offset: usize,
    color: bool,
    width: usize,
) -> std::io::Result<()> {
    match format {
        Format::Json => {
            let v = json!({
                "total": result.total,
                "offset": offset,
                "hits": result.hits.iter().map(hit_json).collect::<Vec<_>>(),
                "facets": facets_json(result),
            });
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)
        }
        Format::Jsonl => {
            for h in &result.hits {
                serde_json::to_writer(&mut *out, &hit_json(h))?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Csv => {
            let cols = parse_export(None).map_err(|e| std::io::Error::other(e.to_string()))?;
            let mut w = RowWriter::new(&mut *out, RowFormat::Csv, cols)?;
            for h in &result.hits {
                w.write(h)?;
            }
            w.finish()?;
            Ok(())
        }
        Format::Table => table(out, result, offset, color, width),
        Format::Xlsx => Err(std::io::Error::other(
            "--format xlsx needs -o FILE.xlsx (a workbook is a file, not a stream)",
        )),
    }
}

/// Writes the page's hits as an Excel workbook at `path`, with the CSV's
/// columns and a provenance sheet of `meta`; returns the cells cut at
/// Excel's limit.
pub fn write_workbook(result: &SearchResult, path: &Path, meta: &Value) -> anyhow::Result<u64> {
    let columns = parse_export(None)?;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let mut sheet = xlsx::Sheet::new(&mut workbook, "hits", &columns)?;
    for h in &result.hits {
        sheet.write(h)?;
    }
    let cut = sheet.cut;
    sheet.finish(&mut workbook)?;
    xlsx::provenance_sheet(&mut workbook, meta)?;
    xlsx::save(&mut workbook, path)?;
    super::file::write_sidecar(path, meta)?;
    Ok(cut)
}

fn truncate(s: &str, max: usize) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        return s;
    }
    let cut: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

fn table(
    out: &mut dyn Write,
    result: &SearchResult,
    offset: usize,
    color: bool,
    width: usize,
) -> std::io::Result<()> {
    let (bold, hl, dim, reset) = if color {
        ("\x1b[1m", "\x1b[1;31m", "\x1b[2m", "\x1b[0m")
    } else {
        ("", "", "", "")
    };
    let source_w = result
        .hits
        .iter()
        .map(|h| h.source.as_deref().unwrap_or("-").chars().count().min(16))
        .max()
        .unwrap_or(1)
        .max(6);
    let id_w = result
        .hits
        .iter()
        .map(|h| h.id.chars().count().min(24))
        .max()
        .unwrap_or(2)
        .max(2);
    if !result.hits.is_empty() {
        writeln!(
            out,
            "{bold}{:>4}  {:>8}  {:<10}  {:<source_w$}  {:<id_w$}  title{reset}",
            "#", "score", "date", "source", "id"
        )?;
    }
    for h in &result.hits {
        let date = day(&h.date);
        let fixed = 4 + 2 + 8 + 2 + 10 + 2 + source_w + 2 + id_w + 2;
        let title_w = width.saturating_sub(fixed).max(20);
        let title = if h.title.is_empty() {
            "(untitled)".to_string()
        } else {
            truncate(&h.title, title_w)
        };
        writeln!(
            out,
            "{:>4}  {:>8}  {:<10}  {:<source_w$}  {:<id_w$}  {bold}{}{reset}",
            h.rank,
            format_score(h.score),
            if date.is_empty() { "-" } else { &date },
            truncate(h.source.as_deref().unwrap_or("-"), source_w),
            truncate(&h.id, id_w),
            title
        )?;
        if !h.snippet.is_empty() {
            let s = highlighted(&h.snippet, &h.highlights, hl, reset);
            writeln!(out, "      {dim}…{reset}{s}{dim}…{reset}")?;
        }
    }
    footer(out, result, offset, bold, reset)
}

/// `snippet` with each highlighted range between `on` and `off`.
fn highlighted(
    snippet: &str,
    highlights: &[std::ops::Range<usize>],
    on: &str,
    off: &str,
) -> String {
    let mut s = String::new();
    let mut at = 0;
    for r in highlights {
        if r.start < at || r.end > snippet.len() {
            continue;
        }
        s.push_str(&snippet[at..r.start]);
        s.push_str(on);
        s.push_str(&snippet[r.clone()]);
        s.push_str(off);
        at = r.end;
    }
    s.push_str(&snippet[at..]);
    s
}

/// The table's last lines: the hits shown of the total, and the facets.
fn footer(
    out: &mut dyn Write,
    result: &SearchResult,
    offset: usize,
    bold: &str,
    reset: &str,
) -> std::io::Result<()> {
    let shown = result.hits.len();
    if shown == 0 {
        writeln!(
            out,
            "{} hits (none shown from offset {offset})",
            result.total
        )?;
    } else {
        writeln!(
            out,
            "{bold}{} hit{}{reset} (showing {}-{})",
            result.total,
            if result.total == 1 { "" } else { "s" },
            offset + 1,
            offset + shown
        )?;
    }
    for (kind, counts) in &result.facets {
        if counts.is_empty() {
            continue;
        }
        let list: Vec<String> = counts.iter().map(|(n, c)| format!("{n} ({c})")).collect();
        writeln!(out, "{bold}{kind}:{reset} {}", list.join(", "))?;
    }
    Ok(())
}
