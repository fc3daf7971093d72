//! `newsdex timeline`: a query and filters in, article counts per period
//! out (terminal bar chart, CSV or JSON), optionally per top entity and as
//! an SVG chart; undated hits are counted and reported.

use std::io::Write;
use std::path::Path;

use crate::answers::timeline::{Interval, svg, timeline};
use crate::cli::TimelineArgs;
use crate::error::{Error, ExitCode};
use crate::index::NewsIndex;

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
        "csv" => t.write_csv(&mut out)?,
        _ => t.write_chart(&mut out, super::width())?,
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
