//! `newsdex entities`: the index or a query's hits in, the entities they
//! mention out, per type, with article counts and surface forms; or, with
//! `--explain`, what the index's name table says of a name.

use std::io::Write;
use std::path::Path;

use crate::answers::entities::EntityCounts;
use crate::cli::EntitiesArgs;
use crate::error::ExitCode;
use crate::index::NewsIndex;

pub fn run(dir: &Path, a: EntitiesArgs) -> anyhow::Result<ExitCode> {
    if let Some(name) = &a.explain {
        NewsIndex::open(dir)?;
        print!("{}", crate::names::explain(&crate::names::load(dir)?, name));
        return Ok(ExitCode::Success);
    }
    let types = super::entity_types(&a.types)?;
    super::check_format(&a.format, &["table", "json"])?;
    let news = NewsIndex::open(dir)?;
    let searcher = news.searcher()?;
    let request = super::request(&a.query)?;
    let hits = crate::search::matching(&news, &searcher, &request)?;
    let names = super::names(dir, &request)?;
    let counts = EntityCounts::read(&news, &searcher, &hits, &types, &names)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if a.format == "json" {
        serde_json::to_writer_pretty(&mut out, &counts.to_json(a.top))?;
        writeln!(out)?;
    } else {
        counts.write_table(&mut out, a.top)?;
    }
    Ok(if counts.any() {
        ExitCode::Success
    } else {
        ExitCode::NoHits
    })
}
