//! `newsdex index`: paths in, articles indexed, a summary on stderr (or
//! JSON on stdout); exit 0, or 3 when records were rejected.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context;

use crate::analyze::EntityTagger;
use crate::analyze::EntityType;
use crate::analyze::canon::Aliases;
use crate::analyze::model::Model;
use crate::cli::IndexArgs;
use crate::error::{Error, ExitCode};
use crate::index::{IndexConfig, run as run_index};
use crate::ingest::{FieldMap, Limits};
use crate::names;

/// Rewrites the index's name table ([`crate::names`]) from the names it
/// holds now: the user's aliases, then the shipped country aliases.
fn rebuild_names(
    dir: &Path,
    alias_file: Option<&Path>,
    user: Vec<(String, String)>,
) -> anyhow::Result<()> {
    let index = crate::index::NewsIndex::open(dir)?;
    let searcher = index.searcher()?;
    let kinds: Vec<String> = EntityType::ALL
        .iter()
        .map(|t| t.name().to_string())
        .collect();
    let tally = searcher.search(
        &tantivy::query::AllQuery,
        &crate::search::FacetTally {
            kinds: kinds.clone(),
            names: None,
            keep_hits: false,
        },
    )?;
    let mut names = Vec::new();
    for kind in EntityType::ALL {
        for (name, n) in crate::search::top_facets(&tally, kind.name(), usize::MAX) {
            names.push((kind, name, n));
        }
    }
    let mut tables = Vec::new();
    if let Some(f) = alias_file {
        tables.push(names::AliasRows {
            source: f.display().to_string(),
            kind: None,
            rows: user,
        });
    }
    tables.push(names::country_aliases());
    names::save(dir, &names::build(&names, &tables))?;
    Ok(())
}

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
    let user_aliases = config.tagger.as_ref().map(|t| t.aliases.pairs());
    let summary = run_index(&config).with_context(|| format!("indexing into {}", dir.display()))?;
    if let Some(user) = user_aliases {
        rebuild_names(dir, a.aliases.as_deref(), user)?;
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        eprint!("{}", summary.report(dir));
    }
    Ok(if summary.rejected > 0 || summary.file_errors > 0 {
        ExitCode::SomeRejected
    } else {
        ExitCode::Success
    })
}
