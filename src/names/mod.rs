//! Entity names across articles: which canonical names of an index are one
//! entity ([`table`]: variants, aliases, surnames), kept beside the index
//! as `names.json` and rewritten at each indexing run from the names the
//! index holds and their article counts, so adding articles updates it
//! without tagging or indexing old ones again. `newsdex entities --explain`
//! reads it.

pub mod resolve;
pub mod table;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

pub use resolve::Resolver;
pub use table::{AliasRows, Group, Member, NameTable, Unresolved, Why, build, fold};

use crate::error::{Error, Result};

/// The country aliases shipped with the binary.
const COUNTRIES: &str = include_str!("../../data/ner/aliases/countries.csv");

/// The shipped country aliases as alias rows.
pub fn country_aliases() -> AliasRows {
    AliasRows {
        source: "data/ner/aliases/countries.csv".into(),
        kind: Some(crate::analyze::EntityType::Location),
        rows: COUNTRIES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(','))
            .map(|(canonical, alias)| (alias.to_string(), canonical.to_string()))
            .collect(),
    }
}

/// Where an index keeps its name table.
pub fn path(index_dir: &Path) -> PathBuf {
    index_dir.join("names.json")
}

/// Where an index keeps the table's groups alone, a line each (`type`, then
/// the names, the lead first, tab-separated): what searching reads, with
/// none of the evidence `--explain` reads from `names.json`, so that a
/// search reads a fraction of the bytes and parses no JSON.
pub fn groups_path(index_dir: &Path) -> PathBuf {
    index_dir.join("names.tsv")
}

/// Writes the table beside the index, `names.json` and `names.tsv` (each a
/// temporary file renamed over the old one, so a reader sees the old table
/// or the new).
pub fn save(index_dir: &Path, table: &NameTable) -> Result<()> {
    let target = path(index_dir);
    let json = serde_json::to_vec(table).map_err(|e| Error::BadMeta {
        path: target.clone(),
        reason: e.to_string(),
    })?;
    replace(index_dir, &target, &json)?;
    replace(
        index_dir,
        &groups_path(index_dir),
        groups_text(table).as_bytes(),
    )
}

/// `names.tsv`'s text. Names never hold tabs or line breaks (they are
/// tokens joined by spaces); a group with one that did would be left out.
pub(crate) fn groups_text(table: &NameTable) -> String {
    let mut out = String::new();
    for g in &table.groups {
        if g.members
            .iter()
            .any(|m| m.name.contains(['\t', '\n', '\r']))
        {
            continue;
        }
        out.push_str(g.kind.name());
        for m in &g.members {
            out.push('\t');
            out.push_str(&m.name);
        }
        out.push('\n');
    }
    out
}

fn replace(index_dir: &Path, target: &Path, bytes: &[u8]) -> Result<()> {
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("names");
    let tmp = index_dir.join(format!("{name}.tmp"));
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, target).map_err(|e| Error::io(target, e))
}

/// The index's table; empty for an index written before tables were kept.
pub fn load(index_dir: &Path) -> Result<NameTable> {
    let p = path(index_dir);
    match std::fs::read(&p) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::BadMeta {
            path: p.clone(),
            reason: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(NameTable::default()),
        Err(e) => Err(Error::io(&p, e)),
    }
}

/// The index's table as a [`Resolver`] (from `names.tsv`, or from
/// `names.json` for an index written before it was kept), read once per
/// process and again when the file changes (a server outlives indexing
/// runs).
pub fn resolver(index_dir: &Path) -> Result<Arc<Resolver>> {
    type Cache = Mutex<Vec<(PathBuf, Option<SystemTime>, Arc<Resolver>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let tsv = groups_path(index_dir);
    let p = if tsv.exists() { tsv } else { path(index_dir) };
    let stamp = std::fs::metadata(&p).and_then(|m| m.modified()).ok();
    let cache = CACHE.get_or_init(Default::default);
    if let Ok(c) = cache.lock()
        && let Some((_, _, r)) = c.iter().find(|(d, s, _)| d == &p && *s == stamp)
    {
        return Ok(r.clone());
    }
    let r = if p.extension().is_some_and(|e| e == "tsv") {
        let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
        Resolver::from_lines(&text)
    } else {
        Resolver::new(&load(index_dir)?)
    };
    let r = Arc::new(r.with_aliases(&[country_aliases()]));
    if let Ok(mut c) = cache.lock() {
        c.retain(|(d, _, _)| d != &p);
        c.push((p, stamp, r.clone()));
    }
    Ok(r)
}

/// What the table says of `name` (any type, folded): the group it is in
/// and why each member is there, or why it was left alone.
pub fn explain(table: &NameTable, name: &str) -> String {
    let key = fold(name);
    let mut out = String::new();
    for g in &table.groups {
        if !g.members.iter().any(|m| fold(&m.name) == key) {
            continue;
        }
        out.push_str(&format!(
            "{} \"{}\": {} names\n",
            g.kind.name(),
            g.name(),
            g.members.len()
        ));
        for m in &g.members {
            out.push_str(&format!(
                "  {:<32} {:>10}  {}\n",
                m.name,
                articles(m.articles),
                why(&m.why, g.name())
            ));
        }
    }
    for u in table.unresolved.iter().filter(|u| fold(&u.name) == key) {
        let cands: Vec<String> = u
            .candidates
            .iter()
            .map(|(n, c)| format!("{n} ({})", articles(*c)))
            .collect();
        out.push_str(&format!(
            "{} \"{}\" ({}): left alone, it ends the names of several persons and none is named in {}x the articles of the others together: {}\n",
            u.kind.name(),
            u.name,
            articles(u.articles),
            table::DOMINANCE,
            cands.join(", ")
        ));
    }
    if out.is_empty() {
        out = format!("\"{name}\" is not merged with any other name\n");
    }
    out
}

fn articles(n: u64) -> String {
    format!("{n} article{}", if n == 1 { "" } else { "s" })
}

fn why(w: &Why, lead: &str) -> String {
    match w {
        Why::Lead => "the name the entity goes by".into(),
        Why::Variant => format!("the same as \"{lead}\" but for case, periods or apostrophes"),
        Why::Alias { source } => format!("an alias of \"{lead}\" in {source}"),
        Why::Surname { others } if others.is_empty() => {
            format!("a surname: \"{lead}\" is the only person of the index it ends")
        }
        Why::Surname { others } => {
            let o: Vec<String> = others.iter().map(|(n, c)| format!("{n} ({c})")).collect();
            format!(
                "a surname: \"{lead}\" is named in {}x the articles of the others it ends together: {}",
                table::DOMINANCE,
                o.join(", ")
            )
        }
    }
}
