//! A timeline drawn as an SVG line chart: title, axes with a round step and
//! gridlines, at most about twelve period labels, a line per series and a
//! legend, and a note of the undated hits.

use std::fmt::Write as _;

use super::{Interval, Series, Timeline};

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
    let chart = Chart::new(t);
    let mut out = String::new();
    chart.frame(&mut out, title);
    chart.y_axis(&mut out, t.interval);
    chart.x_labels(&mut out, &t.buckets);
    for (k, s) in t.series.iter().enumerate() {
        chart.series(&mut out, k, s);
    }
    if t.undated > 0 {
        let _ = writeln!(
            out,
            r##"<text x="{}" y="{}" fill="#555555">{} undated article{} not shown</text>"##,
            chart.left + chart.pw + 20.0,
            chart.top + chart.ph,
            t.undated,
            if t.undated == 1 { "" } else { "s" }
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The chart's geometry: the plot area inside the margins, the number of
/// periods, and the y axis's top and step.
struct Chart {
    w: f64,
    h: f64,
    left: f64,
    top: f64,
    pw: f64,
    ph: f64,
    n: usize,
    ymax: f64,
    step: f64,
}

impl Chart {
    fn new(t: &Timeline) -> Chart {
        let (w, h) = (900.0, 420.0);
        let (left, right, top, bottom) = (60.0, 200.0, 40.0, 70.0);
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
        Chart {
            w,
            h,
            left,
            top,
            pw: w - left - right,
            ph: h - top - bottom,
            n: t.buckets.len().max(1),
            ymax: (max as f64 / step).ceil() * step,
            step,
        }
    }

    fn x(&self, i: usize) -> f64 {
        self.left
            + if self.n == 1 {
                self.pw / 2.0
            } else {
                self.pw * i as f64 / (self.n - 1) as f64
            }
    }

    fn y(&self, v: f64) -> f64 {
        self.top + self.ph - self.ph * v / self.ymax
    }

    /// The opening tag, the white background and the title.
    fn frame(&self, out: &mut String, title: &str) {
        let (w, h) = (self.w, self.h);
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(out, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
        let _ = writeln!(
            out,
            r#"<text x="{}" y="22" font-size="15" text-anchor="middle">{}</text>"#,
            self.left + self.pw / 2.0,
            escape(title)
        );
    }

    /// The y axis with gridlines and its label, and the x axis line.
    fn y_axis(&self, out: &mut String, interval: Interval) {
        let (left, top, pw, ph) = (self.left, self.top, self.pw, self.ph);
        let mut v = 0.0;
        while v <= self.ymax + 1e-9 {
            let yy = self.y(v);
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
            v += self.step;
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
            match interval {
                Interval::Day => "day",
                Interval::Week => "week",
                Interval::Month => "month",
                Interval::Year => "year",
            }
        );
    }

    /// X tick labels: at most about 12, and the last.
    fn x_labels(&self, out: &mut String, buckets: &[String]) {
        let (top, ph, n) = (self.top, self.ph, self.n);
        let every = n.div_ceil(12).max(1);
        for (i, label) in buckets.iter().enumerate() {
            if i % every != 0 && i + 1 != n {
                continue;
            }
            let xx = self.x(i);
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
    }

    /// Series `k`: its line (with points when there are few periods) and
    /// its legend entry.
    fn series(&self, out: &mut String, k: usize, s: &Series) {
        let colour = COLOURS[k % COLOURS.len()];
        let points: Vec<String> = s
            .counts
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{:.1},{:.1}", self.x(i), self.y(*c as f64)))
            .collect();
        let _ = writeln!(
            out,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="{}" points="{}"/>"#,
            if k == 0 { 2.5 } else { 1.8 },
            points.join(" ")
        );
        if self.n <= 60 {
            for p in &points {
                let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
                let _ = writeln!(
                    out,
                    r#"<circle cx="{px}" cy="{py}" r="2.5" fill="{colour}"/>"#
                );
            }
        }
        let ly = self.top + 10.0 + 20.0 * k as f64;
        let lx = self.left + self.pw + 20.0;
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
}
