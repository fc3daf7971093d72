//! `newsdex entities`: the index or a query's hits in, the entities they
//! mention out, per type, with article counts and surface forms.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde_json::json;
use tantivy::schema::TantivyDocument;

use crate::analyze::{EntitySummary, EntityType};
use crate::cli::EntitiesArgs;
use crate::error::ExitCode;
use crate::index::NewsIndex;
use crate::search::stored_str;

#[derive(Default)]
struct Tally {
    articles: u64,
    mentions: u64,
    surfaces: HashMap<String, u64>,
}

pub fn run(dir: &Path, a: EntitiesArgs) -> anyhow::Result<ExitCode> {
    let types: Vec<EntityType> = super::entity_types(&a.types)?;
    super::check_format(&a.format, &["table", "json"])?;
    let news = NewsIndex::open(dir)?;
    let searcher = news.searcher()?;
    let request = super::request(&a.query)?;
    let hits = crate::search::matching(&news, &searcher, &request)?;
    let mut tallies: HashMap<(EntityType, String), Tally> = HashMap::new();
    for addr in &hits {
        let doc: TantivyDocument = searcher.doc(*addr)?;
        let Some(json) = stored_str(&doc, news.fields.mentions) else {
            continue;
        };
        let summaries: Vec<EntitySummary> = serde_json::from_str(&json).unwrap_or_default();
        for s in summaries {
            let Some(kind) = EntityType::from_name(&s.kind) else {
                continue;
            };
            if !types.contains(&kind) {
                continue;
            }
            let t = tallies.entry((kind, s.canonical)).or_default();
            t.articles += 1;
            t.mentions += s.count as u64;
            for surface in s.surfaces {
                *t.surfaces.entry(surface).or_default() += 1;
            }
        }
    }
    let mut by_type: Vec<(EntityType, Vec<(String, Tally)>)> = Vec::new();
    for kind in &types {
        let mut list: Vec<(String, Tally)> = Vec::new();
        for ((k, name), t) in tallies.iter_mut() {
            if k == kind {
                list.push((name.clone(), std::mem::take(t)));
            }
        }
        list.sort_by(|x, y| {
            y.1.articles
                .cmp(&x.1.articles)
                .then(y.1.mentions.cmp(&x.1.mentions))
                .then(x.0.cmp(&y.0))
        });
        by_type.push((*kind, list));
    }
    let variants = |t: &Tally| -> Vec<String> {
        let mut v: Vec<(&String, &u64)> = t.surfaces.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.into_iter().map(|(s, _)| s.clone()).collect()
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let any = by_type.iter().any(|(_, l)| !l.is_empty());
    if a.format == "json" {
        let mut obj = serde_json::Map::new();
        obj.insert("articles".into(), json!(hits.len()));
        for (kind, list) in &by_type {
            obj.insert(
                kind.name().into(),
                json!({
                    "distinct": list.len(),
                    "top": list.iter().take(a.top).map(|(n, t)| json!({
                        "name": n, "articles": t.articles, "mentions": t.mentions, "variants": variants(t),
                    })).collect::<Vec<_>>(),
                }),
            );
        }
        serde_json::to_writer_pretty(&mut out, &serde_json::Value::Object(obj))?;
        writeln!(out)?;
    } else {
        writeln!(out, "{} articles", hits.len())?;
        for (kind, list) in &by_type {
            writeln!(out, "\n{} ({} distinct)", kind.name(), list.len())?;
            let w = list
                .iter()
                .take(a.top)
                .map(|(n, _)| n.chars().count())
                .max()
                .unwrap_or(0);
            for (name, t) in list.iter().take(a.top) {
                let v: Vec<String> = variants(t)
                    .into_iter()
                    .filter(|s| s != name)
                    .take(6)
                    .collect();
                let v = if v.is_empty() {
                    String::new()
                } else {
                    format!("  also: {}", v.join(", "))
                };
                writeln!(
                    out,
                    "  {name:<w$}  {:>6} articles {:>7} mentions{v}",
                    t.articles, t.mentions
                )?;
            }
        }
    }
    Ok(if any {
        ExitCode::Success
    } else {
        ExitCode::NoHits
    })
}
