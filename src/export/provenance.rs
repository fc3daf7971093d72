//! Provenance of a hit list: the request, the index commit it ran on and
//! the versions that made it, as JSON. Written beside exported files
//! (`FILE.meta.json`) and as the first line of JSON lines on stdout, so a
//! hit list can always be traced back and reproduced.

use serde_json::{Value, json};
use tantivy::Searcher;

use crate::error::Result;
use crate::index::NewsIndex;
use crate::search::Request;

/// Identifies the commit a searcher reads: the commit's opstamp and a hash
/// of its segments (ids and deletions).
pub fn commit_id(news: &NewsIndex, searcher: &Searcher) -> Result<String> {
    let opstamp = news.index.load_metas()?.opstamp;
    let mut segments: Vec<String> = searcher
        .segment_readers()
        .iter()
        .map(|s| format!("{}:{}", s.segment_id().uuid_string(), s.num_deleted_docs()))
        .collect();
    segments.sort();
    let hash = xxhash_rust::xxh3::xxh3_64(segments.join(",").as_bytes());
    Ok(format!("{opstamp}-{hash:016x}"))
}

/// The provenance record of a request run on `searcher`; `extra` fields
/// (format, columns, hit count...) are merged in.
pub fn record(
    news: &NewsIndex,
    searcher: &Searcher,
    request: &Request,
    extra: Value,
) -> Result<Value> {
    let mut v = json!({
        "type": "meta",
        "query": request.query,
        "any": request.any,
        "filters": request.filters,
        "sort": request.sort,
        // Whether entity names were merged by the index's name table
        // (`--no-resolve`: as tagged).
        "resolve_names": request.resolve,
        "index": news.dir.display().to_string(),
        "commit": commit_id(news, searcher)?,
        "articles": searcher.num_docs(),
        "schema_version": news.meta.schema_version,
        "model_version": news.meta.model_version,
        "newsdex_version": env!("CARGO_PKG_VERSION"),
        "created": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    });
    if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), extra) {
        obj.extend(more);
    }
    Ok(v)
}
