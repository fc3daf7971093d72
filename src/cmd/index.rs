//! `newsdex index`: paths in, articles indexed, a summary on stderr (or
//! JSON on stdout); exit 0, or 3 when records were rejected.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context;

use crate::analyze::EntityTagger;
use crate::analyze::canon::Aliases;
use crate::analyze::model::Model;
use crate::cli::IndexArgs;
use crate::error::{Error, ExitCode};
use crate::index::{IndexConfig, IndexSummary, run as run_index};
use crate::ingest::{FieldMap, Limits};

pub fn run(dir: &Path, a: IndexArgs) -> anyhow::Result<ExitCode> {
    let field_map = match &a.field_map {
        Some(spec) => FieldMap::parse(spec)?,
        None => FieldMap::default(),
    };
    if a.threads == Some(0) {
        return Err(Error::Usage("--threads: must be at least 1".into()).into());
    }
    if a.no_entities && (a.aliases.is_some() || a.model.is_some()) {
        return Err(Error::Usage(
            "--no-entities cannot be combined with --aliases or --model".into(),
        )
        .into());
    }
    let tagger = if a.no_entities {
        None
    } else {
        let model = Model::load(a.model.as_deref())?;
        let aliases = match &a.aliases {
            Some(p) => Aliases::load(p)?,
            None => Aliases::default(),
        };
        Some(EntityTagger { model, aliases })
    };
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let config = IndexConfig {
        dir: dir.to_path_buf(),
        inputs: a.paths.clone(),
        field_map,
        limits: Limits {
            max_record_bytes: a.max_record_bytes,
        },
        rejects: a.rejects.clone(),
        threads,
        tagger,
        rebuild: a.rebuild,
        commit_every: a.commit_every.max(1),
        progress: !a.quiet && std::io::stderr().is_terminal(),
        memory: a.memory_mb.max(16) << 20,
    };
    let summary = run_index(&config).with_context(|| format!("indexing into {}", dir.display()))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(dir, &summary);
    }
    Ok(if summary.rejected > 0 || summary.file_errors > 0 {
        ExitCode::SomeRejected
    } else {
        ExitCode::Success
    })
}

fn print_summary(dir: &Path, s: &IndexSummary) {
    let mb = s.bytes as f64 / 1e6;
    eprintln!(
        "newsdex: indexed {} of {} records into {} ({} articles in the index)",
        s.indexed(),
        s.read,
        dir.display(),
        s.articles_in_index
    );
    eprintln!(
        "  read {}, new {}, replaced {}, unchanged {}, rejected {}, warnings {}, ids derived {}",
        s.read, s.new, s.replaced, s.unchanged, s.rejected, s.warnings, s.ids_derived
    );
    if s.entities.values().any(|n| *n > 0) {
        let e: Vec<String> = s.entities.iter().map(|(k, v)| format!("{k} {v}")).collect();
        eprintln!("  entity mentions: {}", e.join(", "));
    }
    let mut files = format!("  {} files", s.files);
    if s.skipped_files > 0 {
        files.push_str(&format!(" ({} of other types skipped)", s.skipped_files));
    }
    if s.file_errors > 0 {
        files.push_str(&format!(", {} unreadable or cut short", s.file_errors));
    }
    eprintln!(
        "{files}, {mb:.1} MB in {:.2} s ({:.1} MB/s)",
        s.seconds,
        mb / s.seconds.max(1e-9)
    );
    if let Some(r) = &s.rejects_file {
        eprintln!("  rejected records written to {}", r.display());
    }
}
