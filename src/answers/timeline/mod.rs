//! Timelines: hits in, article counts per day, week, month or year out,
//! optionally one series per top entity; undated hits are counted apart.
//! Written as a terminal bar chart, CSV or JSON, or drawn as SVG ([`svg`]).

mod svg;

pub use svg::svg;

use std::collections::HashMap;
use std::io::Write;

use chrono::{DateTime, Datelike, Duration, NaiveDate};
use serde::Serialize;
use tantivy::{DocAddress, Searcher};

use crate::analyze::EntityType;
use crate::answers::cooccur::entity_table;
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
    let read = read_dates(searcher, hits, by)?;
    let mut buckets = Vec::new();
    let mut starts: Vec<NaiveDate> = Vec::new();
    if let (Some(min), Some(max)) = (
        read.dated.iter().map(|x| x.0).min(),
        read.dated.iter().map(|x| x.0).max(),
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
    for (d, ents) in &read.dated {
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
    series.extend(top_series(per_entity, &read.names, top));
    Ok(Timeline {
        interval,
        buckets,
        starts: starts
            .iter()
            .map(|s| s.format("%Y-%m-%d").to_string())
            .collect(),
        series,
        articles: hits.len() as u64,
        undated: read.undated,
    })
}

/// The day of each dated hit, with the ids of its entities of the type
/// asked for.
struct Dates {
    dated: Vec<(NaiveDate, Vec<u32>)>,
    undated: u64,
    /// Entity names by id.
    names: Vec<String>,
}

fn read_dates(searcher: &Searcher, hits: &[DocAddress], by: Option<EntityType>) -> Result<Dates> {
    let mut read = Dates {
        dated: Vec::new(),
        undated: 0,
        names: Vec::new(),
    };
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
                let names = &mut read.names;
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
                read.undated += 1;
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
            read.dated.push((d, ents));
        }
    }
    Ok(read)
}

/// The series of the `top` entities with the most dated hits (ties by name).
fn top_series(per_entity: HashMap<u32, Vec<u64>>, names: &[String], top: usize) -> Vec<Series> {
    let mut ranked: Vec<(u32, Vec<u64>)> = per_entity.into_iter().collect();
    ranked.sort_by(|a, b| {
        b.1.iter()
            .sum::<u64>()
            .cmp(&a.1.iter().sum::<u64>())
            .then_with(|| names[a.0 as usize].cmp(&names[b.0 as usize]))
    });
    ranked
        .into_iter()
        .take(top)
        .map(|(id, counts)| Series {
            name: names[id as usize].clone(),
            total: counts.iter().sum(),
            counts,
        })
        .collect()
}

impl Timeline {
    /// CSV: a row per bucket (period, start, a count per series), then the
    /// undated count.
    pub fn write_csv(&self, out: impl Write) -> anyhow::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        let mut header = vec!["period".to_string(), "start".to_string()];
        header.extend(self.series.iter().map(|s| s.name.clone()));
        w.write_record(&header)?;
        for (i, b) in self.buckets.iter().enumerate() {
            let mut row = vec![b.clone(), self.starts[i].clone()];
            row.extend(self.series.iter().map(|s| s.counts[i].to_string()));
            w.write_record(&row)?;
        }
        let mut row = vec![
            "undated".to_string(),
            String::new(),
            self.undated.to_string(),
        ];
        row.extend(self.series.iter().skip(1).map(|_| String::new()));
        w.write_record(&row)?;
        w.flush()?;
        Ok(())
    }

    /// A terminal bar chart of all hits, `width` columns wide, then each
    /// entity's total and peak.
    pub fn write_chart(&self, out: &mut impl Write, width: usize) -> anyhow::Result<()> {
        let max = self.series[0]
            .counts
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .max(1);
        let label_w = self.buckets.iter().map(|b| b.len()).max().unwrap_or(4);
        let bar_w = width.saturating_sub(label_w + 12).clamp(10, 60);
        for (i, b) in self.buckets.iter().enumerate() {
            let c = self.series[0].counts[i];
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
            self.articles, self.undated
        )?;
        for s in self.series.iter().skip(1) {
            let peak = s
                .counts
                .iter()
                .enumerate()
                .max_by_key(|(i, c)| (**c, std::cmp::Reverse(*i)));
            let peak = peak
                .map(|(i, c)| format!(", peak {} in {}", c, self.buckets[i]))
                .unwrap_or_default();
            writeln!(out, "  {}: {} dated articles{peak}", s.name, s.total)?;
        }
        Ok(())
    }
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
