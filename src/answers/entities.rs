//! The entities a set of hits mentions: per type, each canonical name with
//! its article and mention counts and the surface forms it was written as.

use std::collections::{HashMap, HashSet};
use std::io::Write;

use serde_json::json;
use tantivy::schema::TantivyDocument;
use tantivy::{DocAddress, Searcher};

use crate::analyze::{EntitySummary, EntityType};
use crate::error::Result;
use crate::index::NewsIndex;
use crate::names::Resolver;
use crate::search::stored_str;

/// One entity's counts over the hits.
#[derive(Default)]
pub struct Tally {
    pub articles: u64,
    pub mentions: u64,
    surfaces: HashMap<String, u64>,
}

impl Tally {
    /// The surface forms, most articles first (ties by text).
    pub fn variants(&self) -> Vec<String> {
        let mut v: Vec<(&String, &u64)> = self.surfaces.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.into_iter().map(|(s, _)| s.clone()).collect()
    }
}

/// Per type asked for, its entities, most articles first, then most
/// mentions, then by name.
pub struct EntityCounts {
    pub articles: usize,
    pub by_type: Vec<(EntityType, Vec<(String, Tally)>)>,
}

impl EntityCounts {
    /// Counts the entities of `types` over `hits`, from their stored
    /// mention summaries, each under the name `names` says it goes by (an
    /// article naming it twice, as "Reagan" and "Ronald Reagan", counted
    /// once).
    pub fn read(
        news: &NewsIndex,
        searcher: &Searcher,
        hits: &[DocAddress],
        types: &[EntityType],
        names: &Resolver,
    ) -> Result<EntityCounts> {
        let mut tallies: HashMap<(EntityType, String), Tally> = HashMap::new();
        let mut this_article: HashSet<(EntityType, String)> = HashSet::new();
        for addr in hits {
            this_article.clear();
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
                let key = (kind, names.lead(kind, &s.canonical).to_string());
                let first_here = this_article.insert(key.clone());
                let t = tallies.entry(key).or_default();
                t.articles += u64::from(first_here);
                t.mentions += s.count as u64;
                for surface in s.surfaces {
                    *t.surfaces.entry(surface).or_default() += 1;
                }
            }
        }
        let mut by_type = Vec::new();
        for kind in types {
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
        Ok(EntityCounts {
            articles: hits.len(),
            by_type,
        })
    }

    /// Whether any entity was found.
    pub fn any(&self) -> bool {
        self.by_type.iter().any(|(_, l)| !l.is_empty())
    }

    /// The `top` entities of each type as JSON.
    pub fn to_json(&self, top: usize) -> serde_json::Value {
        let mut obj = serde_json::Map::new();
        obj.insert("articles".into(), json!(self.articles));
        for (kind, list) in &self.by_type {
            obj.insert(
                kind.name().into(),
                json!({
                    "distinct": list.len(),
                    "top": list.iter().take(top).map(|(n, t)| json!({
                        "name": n, "articles": t.articles, "mentions": t.mentions, "variants": t.variants(),
                    })).collect::<Vec<_>>(),
                }),
            );
        }
        serde_json::Value::Object(obj)
    }

    /// The `top` entities of each type as a table, with up to six other
    /// surface forms each.
    pub fn write_table(&self, out: &mut impl Write, top: usize) -> anyhow::Result<()> {
        writeln!(out, "{} articles", self.articles)?;
        for (kind, list) in &self.by_type {
            writeln!(out, "\n{} ({} distinct)", kind.name(), list.len())?;
            let w = list
                .iter()
                .take(top)
                .map(|(n, _)| n.chars().count())
                .max()
                .unwrap_or(0);
            for (name, t) in list.iter().take(top) {
                let v: Vec<String> = t
                    .variants()
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
        Ok(())
    }
}
