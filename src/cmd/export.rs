//! `newsdex export`: a query and filters in, every hit out, ranked and
//! streamed as CSV, TSV or JSON lines to a file or stdout; exit 0 with
//! hits, 1 without.

use std::path::Path;

use crate::cli::ExportArgs;
use crate::error::{Error, ExitCode};
use crate::export::{ExportConfig, Format, columns, export};
use crate::index::NewsIndex;

pub fn run(dir: &Path, a: ExportArgs) -> anyhow::Result<ExitCode> {
    let workbook = a.format == "xlsx";
    let format = if workbook {
        Format::Csv
    } else {
        Format::parse(&a.format)?
    };
    if a.bom && (workbook || format == Format::Jsonl) {
        return Err(
            Error::Usage("--bom: only CSV and TSV start with a byte-order mark".into()).into(),
        );
    }
    let config = ExportConfig {
        request: super::request(&a.query)?,
        format,
        columns: columns::parse_export(a.fields.as_deref())?,
        output: a.output.clone(),
        bom: a.bom,
        workbook,
    };
    let mut news = NewsIndex::open(dir)?;
    news.search_segments_in_parallel()?;
    let done = export(&news, &config)?;
    if let Some(path) = &config.output {
        let cut = match done.cut {
            0 => String::new(),
            n => format!(" ({n} cells cut at Excel's 32,767 characters)"),
        };
        eprintln!(
            "newsdex: wrote {} hits to {}{cut}",
            done.hits,
            path.display()
        );
    }
    Ok(if done.hits == 0 {
        ExitCode::NoHits
    } else {
        ExitCode::Success
    })
}
