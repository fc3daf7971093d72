//! `newsdex export`: a query and filters in, every hit out, ranked and
//! streamed as CSV, TSV or JSON lines to a file or stdout; exit 0 with
//! hits, 1 without.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::cli::ExportArgs;
use crate::error::{Error, ExitCode};
use crate::export::{Format, RowWriter, parse_columns};
use crate::index::NewsIndex;
use crate::provenance;
use crate::search::{HitReader, all_hits};

pub fn run(dir: &Path, a: ExportArgs) -> anyhow::Result<ExitCode> {
    let request = super::request(&a.query)?;
    let format = Format::parse(&a.format)?;
    let columns = parse_columns(a.fields.as_deref())?;
    let news = NewsIndex::open(dir)?;
    let searcher = news.searcher()?;
    let (query, hits) = all_hits(&news, &searcher, &request)?;
    let snippets = if columns.contains(&"snippet") { 160 } else { 0 };
    let reader = HitReader::new(&news, &searcher, &*query, snippets)?;
    let meta = provenance::record(
        &news,
        &searcher,
        &request,
        serde_json::json!({"command": "export", "format": a.format, "fields": columns, "hits": hits.len()}),
    )?;
    match &a.output {
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            if format == Format::Jsonl {
                // JSON lines on stdout carry their provenance first.
                serde_json::to_writer(&mut out, &meta)?;
                out.write_all(b"\n")?;
            }
            write_all(out, format, columns, &reader, &hits)?;
        }
        Some(path) => {
            // Written beside the target, renamed into place when complete, so
            // a failed export never leaves a file that looks whole.
            let tmp = path.with_extension(format!(
                "{}.partial",
                path.extension()
                    .map(|e| e.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ));
            let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
            let out = std::io::BufWriter::with_capacity(1 << 16, file);
            let result = write_all(out, format, columns, &reader, &hits)
                .and_then(|f| f.into_inner().map_err(|e| anyhow::anyhow!("{}", e.error())))
                .and_then(|f| f.sync_all().map_err(anyhow::Error::from))
                .with_context(|| format!("writing {}", path.display()));
            if let Err(e) = result {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
            let sidecar = meta_path(path);
            let text = serde_json::to_string_pretty(&meta)? + "\n";
            std::fs::write(&sidecar, text).map_err(|e| Error::io(&sidecar, e))?;
            eprintln!("newsdex: wrote {} hits to {}", hits.len(), path.display());
        }
    }
    Ok(if hits.is_empty() {
        ExitCode::NoHits
    } else {
        ExitCode::Success
    })
}

/// `hits.csv` -> `hits.csv.meta.json`.
pub fn meta_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".meta.json");
    name.into()
}

fn write_all<W: Write>(
    out: W,
    format: Format,
    columns: Vec<&'static str>,
    reader: &HitReader<'_>,
    hits: &[crate::search::RawHit],
) -> anyhow::Result<W> {
    let mut w = RowWriter::new(out, format, columns)?;
    for (i, raw) in hits.iter().enumerate() {
        let hit = reader.read(i + 1, raw)?;
        w.write(&hit)?;
    }
    Ok(w.finish()?)
}
