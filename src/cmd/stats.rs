//! `newsdex stats`: an index in, what it holds out (articles, date range,
//! size, segments, versions, top sources and entities).

use std::io::Write;
use std::path::Path;

use crate::answers::stats::IndexStats;
use crate::cli::StatsArgs;
use crate::error::ExitCode;
use crate::index::NewsIndex;

pub fn run(dir: &Path, a: StatsArgs) -> anyhow::Result<ExitCode> {
    super::check_format(&a.format, &["table", "json"])?;
    let news = NewsIndex::open(dir)?;
    let stats = IndexStats::read(&news, dir, a.top)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if a.format == "json" {
        serde_json::to_writer_pretty(&mut out, &stats.to_json())?;
        writeln!(out)?;
    } else {
        stats.write_table(&mut out)?;
    }
    Ok(ExitCode::Success)
}
