//! Timelines: hits in, article counts per day, week, month or year out,
//! optionally one series per top entity; undated hits are counted apart.
//! Also draws a timeline as an SVG chart (axes, labels, legend).

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Duration, NaiveDate};
use serde::Serialize;
use tantivy::{DocAddress, Searcher};

use crate::analyze::EntityType;
use crate::cooccur::entity_table;
use crate::error::{Error, Result};

/// Bucket width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    Day,
    Week,
    Month,
    Year,
}

impl Interval {
    pub fn parse(s: &str) -> Result<Interval> {
        match s {
            "day" => Ok(Interval::Day),
            "week" => Ok(Interval::Week),
            "month" => Ok(Interval::Month),
            "year" => Ok(Interval::Year),
            other => Err(Error::Usage(format!(
                "--interval: expected day, week, month or year, got {other:?}"
            ))),
        }
    }

    /// The first day of the bucket holding `d` (weeks start on Monday).
    fn start(self, d: NaiveDate) -> NaiveDate {
        match self {
            Interval::Day => d,
            Interval::Week => d - Duration::days(d.weekday().num_days_from_monday() as i64),
            Interval::Month => d.with_day(1).unwrap_or(d),
            Interval::Year => NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap_or(d),
        }
    }

    /// The first day of the next bucket.
    fn next(self, d: NaiveDate) -> NaiveDate {
        match self {
            Interval::Day => d + Duration::days(1),
            Interval::Week => d + Duration::days(7),
            Interval::Month => {
                let (y, m) = if d.month() == 12 {
                    (d.year() + 1, 1)
                } else {
                    (d.year(), d.month() + 1)
                };
                NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d + Duration::days(31))
            }
            Interval::Year => {
                NaiveDate::from_ymd_opt(d.year() + 1, 1, 1).unwrap_or(d + Duration::days(366))
            }
        }
    }

    /// The label of a bucket: 2020-03-06, 2020-W10, 2020-03, 2020.
    fn label(self, start: NaiveDate) -> String {
        match self {
            Interval::Day => start.format("%Y-%m-%d").to_string(),
            Interval::Week => {
                let w = start.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Interval::Month => start.format("%Y-%m").to_string(),
            Interval::Year => start.format("%Y").to_string(),
        }
    }
}

/// A timeline: buckets from the first to the last dated hit (empty ones
/// included), and one or more series of counts.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub interval: Interval,
    /// Bucket labels, oldest first.
    pub buckets: Vec<String>,
    /// First day of each bucket.
    pub starts: Vec<String>,
    /// "all", then one per entity when asked.
    pub series: Vec<Series>,
    /// Hits in all.
    pub articles: u64,
    /// Hits without a date (not in any bucket).
    pub undated: u64,
}

/// Counts per bucket of one series.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub name: String,
    pub counts: Vec<u64>,
    pub total: u64,
}

/// Counts `hits` per bucket; with `by`, also for the `top` entities of
/// that type most frequent among the hits.
pub fn timeline(
    searcher: &Searcher,
    hits: &[DocAddress],
    interval: Interval,
    by: Option<EntityType>,
    top: usize,
) -> Result<Timeline> {
    // (day, entity names) per dated hit.
    let mut dated: Vec<(NaiveDate, Vec<u32>)> = Vec::new();
    let mut undated = 0u64;
    let mut names: Vec<String> = Vec::new();
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut by_segment: Vec<Vec<u32>> = vec![Vec::new(); searcher.segment_readers().len()];
    for h in hits {
        by_segment[h.segment_ord as usize].push(h.doc_id);
    }
    for (ord, docs) in by_segment.iter().enumerate() {
        if docs.is_empty() {
            continue;
        }
        let seg = searcher.segment_reader(ord as u32);
        let dates = seg.fast_fields().date("date")?;
        let (facets, table) = match by {
            Some(kind) => {
                let reader = crate::search::facet_reader(seg)?;
                let table = entity_table(&reader, &[kind], &mut |e| {
                    *ids.entry(e.name.clone()).or_insert_with(|| {
                        names.push(e.name);
                        (names.len() - 1) as u32
                    })
                })?;
                (Some(reader), table)
            }
            None => (None, Vec::new()),
        };
        for &doc in docs {
            let Some(d) = dates
                .first(doc)
                .and_then(|d| DateTime::from_timestamp(d.into_timestamp_secs(), 0))
                .map(|d| d.date_naive())
            else {
                undated += 1;
                continue;
            };
            let mut ents = Vec::new();
            if let Some(reader) = &facets {
                for f in reader.facet_ords(doc) {
                    match table.get(f as usize) {
                        Some(&id) if id != u32::MAX => ents.push(id),
                        _ => {}
                    }
                }
            }
            dated.push((d, ents));
        }
    }
    let mut buckets = Vec::new();
    let mut starts: Vec<NaiveDate> = Vec::new();
    if let (Some(min), Some(max)) = (
        dated.iter().map(|x| x.0).min(),
        dated.iter().map(|x| x.0).max(),
    ) {
        let mut s = interval.start(min);
        while s <= max {
            starts.push(s);
            buckets.push(interval.label(s));
            s = interval.next(s);
        }
    }
    let index: HashMap<NaiveDate, usize> =
        starts.iter().enumerate().map(|(i, s)| (*s, i)).collect();
    let mut all = vec![0u64; starts.len()];
    let mut per_entity: HashMap<u32, Vec<u64>> = HashMap::new();
    for (d, ents) in &dated {
        let b = index[&interval.start(*d)];
        all[b] += 1;
        for e in ents {
            per_entity
                .entry(*e)
                .or_insert_with(|| vec![0; starts.len()])[b] += 1;
        }
    }
    let mut series = vec![Series {
        name: "all".into(),
        total: all.iter().sum(),
        counts: all,
    }];
    let mut ranked: Vec<(u32, Vec<u64>)> = per_entity.into_iter().collect();
    ranked.sort_by(|a, b| {
        b.1.iter()
            .sum::<u64>()
            .cmp(&a.1.iter().sum::<u64>())
            .then_with(|| names[a.0 as usize].cmp(&names[b.0 as usize]))
    });
    for (id, counts) in ranked.into_iter().take(top) {
        series.push(Series {
            name: names[id as usize].clone(),
            total: counts.iter().sum(),
            counts,
        });
    }
    Ok(Timeline {
        interval,
        buckets,
        starts: starts
            .iter()
            .map(|s| s.format("%Y-%m-%d").to_string())
            .collect(),
        series,
        articles: hits.len() as u64,
        undated,
    })
}

/// Colours of series in charts (colour-blind safe, Okabe-Ito).
const COLOURS: &[&str] = &[
    "#000000", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#0072B2", "#CC79A7", "#F0E442",
];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Draws the timeline as an SVG line chart with axes, tick labels, a title
/// and a legend.
pub fn svg(t: &Timeline, title: &str) -> String {
    let (w, h) = (900.0, 420.0);
    let (left, right, top, bottom) = (60.0, 200.0, 40.0, 70.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let max = t
        .series
        .iter()
        .flat_map(|s| s.counts.iter())
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    // A round step for the y axis.
    let raw = max as f64 / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(mag * 10.0)
        .max(1.0);
    let ymax = (max as f64 / step).ceil() * step;
    let n = t.buckets.len().max(1);
    let x = |i: usize| {
        left + if n == 1 {
            pw / 2.0
        } else {
            pw * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| top + ph - ph * v / ymax;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        out,
        r#"<text x="{}" y="22" font-size="15" text-anchor="middle">{}</text>"#,
        left + pw / 2.0,
        escape(title)
    );
    // Y axis with gridlines.
    let mut v = 0.0;
    while v <= ymax + 1e-9 {
        let yy = y(v);
        let _ = writeln!(
            out,
            r##"<line x1="{left}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#dddddd"/>"##,
            left + pw
        );
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 6.0,
            yy + 4.0,
            v as u64
        );
        v += step;
    }
    let _ = writeln!(
        out,
        r#"<line x1="{left}" y1="{top}" x2="{left}" y2="{:.1}" stroke="black"/>"#,
        top + ph
    );
    let _ = writeln!(
        out,
        r#"<line x1="{left}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="black"/>"#,
        top + ph,
        left + pw,
        top + ph
    );
    let _ = writeln!(
        out,
        r#"<text transform="translate(16,{:.1}) rotate(-90)" text-anchor="middle">articles per {}</text>"#,
        top + ph / 2.0,
        match t.interval {
            Interval::Day => "day",
            Interval::Week => "week",
            Interval::Month => "month",
            Interval::Year => "year",
        }
    );
    // X tick labels: at most about 12.
    let every = n.div_ceil(12).max(1);
    for (i, label) in t.buckets.iter().enumerate() {
        if i % every != 0 && i + 1 != n {
            continue;
        }
        let xx = x(i);
        let _ = writeln!(
            out,
            r#"<line x1="{xx:.1}" y1="{:.1}" x2="{xx:.1}" y2="{:.1}" stroke="black"/>"#,
            top + ph,
            top + ph + 4.0
        );
        let _ = writeln!(
            out,
            r#"<text x="{xx:.1}" y="{:.1}" text-anchor="end" transform="rotate(-40 {xx:.1} {:.1})">{}</text>"#,
            top + ph + 16.0,
            top + ph + 16.0,
            escape(label)
        );
    }
    // Series and legend.
    for (k, s) in t.series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let points: Vec<String> = s
            .counts
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{:.1},{:.1}", x(i), y(*c as f64)))
            .collect();
        let _ = writeln!(
            out,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="{}" points="{}"/>"#,
            if k == 0 { 2.5 } else { 1.8 },
            points.join(" ")
        );
        if n <= 60 {
            for p in &points {
                let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
                let _ = writeln!(
                    out,
                    r#"<circle cx="{px}" cy="{py}" r="2.5" fill="{colour}"/>"#
                );
            }
        }
        let ly = top + 10.0 + 20.0 * k as f64;
        let lx = left + pw + 20.0;
        let _ = writeln!(
            out,
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="2.5"/>"#,
            lx + 20.0
        );
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{}">{} ({})</text>"#,
            lx + 26.0,
            ly + 4.0,
            escape(&s.name),
            s.total
        );
    }
    if t.undated > 0 {
        let _ = writeln!(
            out,
            r##"<text x="{}" y="{}" fill="#555555">{} undated article{} not shown</text>"##,
            left + pw + 20.0,
            top + ph,
            t.undated,
            if t.undated == 1 { "" } else { "s" }
        );
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn buckets_start_and_label() {
        assert_eq!(Interval::Week.start(d("2020-03-08")), d("2020-03-02"));
        assert_eq!(Interval::Week.label(d("2020-03-02")), "2020-W10");
        assert_eq!(Interval::Month.next(d("2020-12-01")), d("2021-01-01"));
        assert_eq!(Interval::Year.label(d("2020-01-01")), "2020");
        assert!(Interval::parse("hour").is_err());
    }
}
