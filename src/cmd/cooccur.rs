//! `newsdex cooccur`: a query and filters in, the entity pairs that appear
//! together in the most of its hits out (all hits counted, exactly).

use std::io::Write;
use std::path::Path;

use crate::answers::cooccur::{CooccurConfig, cooccur};
use crate::cli::CooccurArgs;
use crate::error::ExitCode;
use crate::index::NewsIndex;

pub fn run(dir: &Path, a: CooccurArgs) -> anyhow::Result<ExitCode> {
    super::check_format(&a.format, &["table", "csv", "json"])?;
    let config = CooccurConfig {
        types: super::entity_types(&a.types)?,
        with: a.with.clone(),
        top: a.top,
        min_joint: a.min_joint.max(1),
    };
    let news = NewsIndex::open(dir)?;
    let searcher = news.searcher()?;
    let request = super::request(&a.query)?;
    let hits = crate::search::matching(&news, &searcher, &request)?;
    let result = cooccur(&searcher, &hits, &config, &*super::names(dir, &request)?)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match a.format.as_str() {
        "json" => {
            serde_json::to_writer_pretty(&mut out, &result)?;
            writeln!(out)?;
        }
        "csv" => result.write_csv(&mut out)?,
        _ => result.write_table(&mut out)?,
    }
    out.flush()?;
    Ok(if result.pairs.is_empty() {
        ExitCode::NoHits
    } else {
        ExitCode::Success
    })
}
