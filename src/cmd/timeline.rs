//! `newsdex timeline`: a query and filters in, article counts per period
//! out (terminal bar chart, CSV or JSON), optionally per top entity and as
//! an SVG chart; undated hits are counted and reported.

use std::io::Write;
use std::path::Path;

use crate::cli::TimelineArgs;
use crate::error::{Error, ExitCode};
use crate::index::NewsIndex;
use crate::timeline::{Interval, svg, timeline};

pub fn run(dir: &Path, a: TimelineArgs) -> anyhow::Result<ExitCode> {
    let interval = Interval::parse(&a.interval)?;
    super::check_format(&a.format, &["chart", "csv", "json"])?;
    let by = match &a.by {
        Some(t) => Some(super::entity_types(t)?.into_iter().next().ok_or_else(|| {
            Error::Usage("--by: give one entity type: person, org, location or misc".into())
        })?),
        None => None,
    };
    if let Some(p) = &a.plot
        && !p.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg"))
    {
        return Err(Error::Usage(format!(
            "--plot: {} must end in .svg (the chart is drawn as SVG)",
            p.display()
        ))
        .into());
    }
    let news = NewsIndex::open(dir)?;
    let searcher = news.searcher()?;
    let request = super::request(&a.query)?;
    let hits = crate::search::matching(&news, &searcher, &request)?;
    let t = timeline(&searcher, &hits, interval, by, a.top)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match a.format.as_str() {
        "json" => {
            serde_json::to_writer_pretty(&mut out, &t)?;
            writeln!(out)?;
        }
        "csv" => {
            let mut w = csv::Writer::from_writer(&mut out);
            let mut header = vec!["period".to_string(), "start".to_string()];
            header.extend(t.series.iter().map(|s| s.name.clone()));
            w.write_record(&header)?;
            for (i, b) in t.buckets.iter().enumerate() {
                let mut row = vec![b.clone(), t.starts[i].clone()];
                row.extend(t.series.iter().map(|s| s.counts[i].to_string()));
                w.write_record(&row)?;
            }
            let mut row = vec!["undated".to_string(), String::new(), t.undated.to_string()];
            row.extend(t.series.iter().skip(1).map(|_| String::new()));
            w.write_record(&row)?;
            w.flush()?;
        }
        _ => {
            let max = t.series[0].counts.iter().copied().max().unwrap_or(0).max(1);
            let label_w = t.buckets.iter().map(|b| b.len()).max().unwrap_or(4);
            let bar_w = super::width().saturating_sub(label_w + 12).clamp(10, 60);
            for (i, b) in t.buckets.iter().enumerate() {
                let c = t.series[0].counts[i];
                let n = ((c as f64 / max as f64) * bar_w as f64).round() as usize;
                let bar = if c > 0 && n == 0 {
                    "▏".to_string()
                } else {
                    "█".repeat(n)
                };
                writeln!(out, "{b:<label_w$}  {c:>6}  {bar}")?;
            }
            writeln!(
                out,
                "{} articles, {} undated (not charted)",
                t.articles, t.undated
            )?;
            for s in t.series.iter().skip(1) {
                let peak = s
                    .counts
                    .iter()
                    .enumerate()
                    .max_by_key(|(i, c)| (**c, std::cmp::Reverse(*i)));
                let peak = peak
                    .map(|(i, c)| format!(", peak {} in {}", c, t.buckets[i]))
                    .unwrap_or_default();
                writeln!(out, "  {}: {} dated articles{peak}", s.name, s.total)?;
            }
        }
    }
    out.flush()?;
    if let Some(p) = &a.plot {
        let title = match &request.query {
            Some(q) => format!("Articles matching {q:?} per {}", a.interval),
            None => format!("Articles per {}", a.interval),
        };
        std::fs::write(p, svg(&t, &title)).map_err(|e| Error::io(p, e))?;
        eprintln!("newsdex: wrote {}", p.display());
    }
    Ok(if t.articles == 0 {
        ExitCode::NoHits
    } else {
        ExitCode::Success
    })
}
