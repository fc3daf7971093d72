//! `newsdex cooccur`: a query and filters in, the entity pairs that appear
//! together in the most of its hits out (all hits counted, exactly).

use std::io::Write;
use std::path::Path;

use crate::cli::CooccurArgs;
use crate::cooccur::{CooccurConfig, cooccur};
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
    let result = cooccur(&searcher, &hits, &config)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match a.format.as_str() {
        "json" => {
            serde_json::to_writer_pretty(&mut out, &result)?;
            writeln!(out)?;
        }
        "csv" => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record([
                "type_a", "a", "type_b", "b", "joint", "count_a", "count_b", "lift", "pmi",
            ])?;
            for p in &result.pairs {
                w.write_record([
                    p.a.kind.name().to_string(),
                    p.a.name.clone(),
                    p.b.kind.name().to_string(),
                    p.b.name.clone(),
                    p.joint.to_string(),
                    p.count_a.to_string(),
                    p.count_b.to_string(),
                    format!("{:.4}", p.lift),
                    format!("{:.4}", p.pmi),
                ])?;
            }
            w.flush()?;
        }
        _ => {
            let label = |e: &crate::cooccur::Entity| format!("{} ({})", e.name, e.kind.name());
            let wa = result
                .pairs
                .iter()
                .map(|p| label(&p.a).chars().count())
                .max()
                .unwrap_or(1)
                .max(8);
            let wb = result
                .pairs
                .iter()
                .map(|p| label(&p.b).chars().count())
                .max()
                .unwrap_or(1)
                .max(8);
            writeln!(
                out,
                "{:<wa$}  {:<wb$}  {:>6}  {:>6}  {:>6}  {:>8}  {:>6}",
                "entity a", "entity b", "joint", "a", "b", "lift", "pmi"
            )?;
            for p in &result.pairs {
                writeln!(
                    out,
                    "{:<wa$}  {:<wb$}  {:>6}  {:>6}  {:>6}  {:>8.2}  {:>6.2}",
                    label(&p.a),
                    label(&p.b),
                    p.joint,
                    p.count_a,
                    p.count_b,
                    p.lift,
                    p.pmi
                )?;
            }
            writeln!(
                out,
                "{} pairs shown, counted over {} articles",
                result.pairs.len(),
                result.articles
            )?;
        }
    }
    out.flush()?;
    Ok(if result.pairs.is_empty() {
        ExitCode::NoHits
    } else {
        ExitCode::Success
    })
}
