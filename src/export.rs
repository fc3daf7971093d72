//! Export, the last pipeline stage: hits in, rows out as CSV (RFC 4180),
//! TSV or JSON lines over any `impl Write`, one hit at a time. Used by
//! `newsdex export` (every hit, streamed) and by `search --format csv|jsonl`.

use std::io::Write;

use crate::analyze::EntityType;
use crate::error::{Error, Result};
use crate::search::Hit;

/// Columns an export can have.
pub const COLUMNS: &[&str] = &[
    "id", "score", "rank", "date", "source", "title", "url", "category", "person", "org",
    "location", "misc", "snippet", "body",
];

/// Row formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Tsv,
    Jsonl,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format> {
        match s {
            "csv" => Ok(Format::Csv),
            "tsv" => Ok(Format::Tsv),
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            other => Err(Error::Usage(format!(
                "--format: expected csv, tsv or jsonl, got {other:?}"
            ))),
        }
    }
}

/// Parses `--fields id,title,person`; None gives every column but body.
pub fn parse_columns(spec: Option<&str>) -> Result<Vec<&'static str>> {
    match spec {
        None => Ok(COLUMNS.iter().copied().filter(|c| *c != "body").collect()),
        Some(spec) => spec
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|name| {
                COLUMNS.iter().copied().find(|c| *c == name).ok_or_else(|| {
                    Error::Usage(format!(
                        "--fields: unknown field {name:?}; fields are {}",
                        COLUMNS.join(", ")
                    ))
                })
            })
            .collect(),
    }
}

/// Separator of multi-valued fields in CSV and TSV.
pub const JOIN: &str = "; ";

/// One value of a row, borrowed from wherever the row was read (a [`Hit`],
/// or fast fields in `newsdex export`).
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// Text that is always there (id, title, snippet, body).
    Text(&'a str),
    /// Text that may be missing (date, source, url, category): empty in
    /// CSV and TSV, null in JSON.
    Maybe(Option<&'a str>),
    Score(f32),
    Rank(usize),
    /// Names (entity columns): joined by [`JOIN`] in CSV and TSV, an array
    /// in JSON.
    Names(&'a [&'a str]),
}

/// The cells of a hit, for `columns`; `names` holds the entity lists the
/// cells borrow.
pub fn hit_cells<'a>(
    hit: &'a Hit,
    columns: &[&str],
    names: &'a [Vec<&'a str>; 4],
) -> Vec<Cell<'a>> {
    columns
        .iter()
        .map(|c| match *c {
            "id" => Cell::Text(&hit.id),
            "score" => Cell::Score(hit.score),
            "rank" => Cell::Rank(hit.rank),
            "date" => Cell::Maybe(hit.date.as_deref()),
            "source" => Cell::Maybe(hit.source.as_deref()),
            "title" => Cell::Text(&hit.title),
            "url" => Cell::Maybe(hit.url.as_deref()),
            "category" => Cell::Maybe(hit.category.as_deref()),
            "snippet" => Cell::Text(&hit.snippet),
            "body" => Cell::Text(&hit.body),
            other => match EntityType::from_name(other) {
                Some(t) => Cell::Names(&names[t as usize]),
                None => Cell::Text(""),
            },
        })
        .collect()
}

/// Scores with four decimals, as shown everywhere.
pub fn format_score(s: f32) -> String {
    format!("{s:.4}")
}

/// Writes hits as rows of the chosen columns.
pub struct RowWriter<W: Write> {
    format: Format,
    columns: Vec<&'static str>,
    csv: Option<csv::Writer<W>>,
    plain: Option<W>,
    /// Reused for cells that are formatted (scores, ranks, name lists).
    buf: String,
}

impl<W: Write> RowWriter<W> {
    /// Starts the output (CSV and TSV get their header row now).
    pub fn new(
        out: W,
        format: Format,
        columns: Vec<&'static str>,
    ) -> std::io::Result<RowWriter<W>> {
        let mut w = match format {
            Format::Csv | Format::Tsv => RowWriter {
                format,
                columns,
                csv: Some(
                    csv::WriterBuilder::new()
                        .delimiter(if format == Format::Tsv { b'\t' } else { b',' })
                        .quote_style(if format == Format::Tsv {
                            csv::QuoteStyle::Never
                        } else {
                            csv::QuoteStyle::Necessary
                        })
                        .terminator(if format == Format::Csv {
                            csv::Terminator::CRLF
                        } else {
                            csv::Terminator::Any(b'\n')
                        })
                        .from_writer(out),
                ),
                plain: None,
                buf: String::new(),
            },
            Format::Jsonl => RowWriter {
                format,
                columns,
                csv: None,
                plain: Some(out),
                buf: String::new(),
            },
        };
        if let Some(c) = w.csv.as_mut() {
            c.write_record(&w.columns).map_err(csv_io)?;
        }
        Ok(w)
    }

    /// Writes one hit.
    pub fn write(&mut self, hit: &Hit) -> std::io::Result<()> {
        let e = &hit.entities;
        let names = [&e.person, &e.org, &e.location, &e.misc]
            .map(|v| v.iter().map(String::as_str).collect::<Vec<&str>>());
        let cells = hit_cells(hit, &self.columns, &names);
        self.write_cells(&cells)
    }

    /// Writes one row, one cell per column.
    pub fn write_cells(&mut self, cells: &[Cell<'_>]) -> std::io::Result<()> {
        use std::fmt::Write as _;
        let buf = &mut self.buf;
        if let Some(c) = self.csv.as_mut() {
            let tsv = self.format == Format::Tsv;
            for cell in cells {
                buf.clear();
                let text: &str = match *cell {
                    Cell::Text(s) => s,
                    Cell::Maybe(s) => s.unwrap_or(""),
                    Cell::Score(x) => {
                        let _ = write!(buf, "{x:.4}");
                        buf
                    }
                    Cell::Rank(r) => {
                        let _ = write!(buf, "{r}");
                        buf
                    }
                    Cell::Names(names) => {
                        for (i, n) in names.iter().enumerate() {
                            if i > 0 {
                                buf.push_str(JOIN);
                            }
                            buf.push_str(n);
                        }
                        buf
                    }
                };
                // TSV cannot hold tabs or line ends in a field.
                if tsv && text.contains(['\t', '\n', '\r']) {
                    c.write_field(text.replace(['\t', '\n', '\r'], " "))
                        .map_err(csv_io)?;
                } else {
                    c.write_field(text).map_err(csv_io)?;
                }
            }
            c.write_record(None::<&[u8]>).map_err(csv_io)?;
        } else if let Some(w) = self.plain.as_mut() {
            w.write_all(b"{")?;
            for (i, (column, cell)) in self.columns.iter().zip(cells).enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                serde_json::to_writer(&mut *w, column)?;
                w.write_all(b":")?;
                match *cell {
                    Cell::Text(s) | Cell::Maybe(Some(s)) => serde_json::to_writer(&mut *w, s)?,
                    Cell::Maybe(None) => w.write_all(b"null")?,
                    Cell::Score(x) => {
                        match serde_json::Number::from_f64(((x as f64) * 1e4).round() / 1e4) {
                            Some(n) => serde_json::to_writer(&mut *w, &n)?,
                            None => w.write_all(b"null")?,
                        }
                    }
                    Cell::Rank(r) => serde_json::to_writer(&mut *w, &r)?,
                    Cell::Names(names) => serde_json::to_writer(&mut *w, names)?,
                }
            }
            w.write_all(b"}\n")?;
        }
        Ok(())
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(self) -> std::io::Result<W> {
        match (self.csv, self.plain) {
            (Some(c), _) => c
                .into_inner()
                .map_err(|e| std::io::Error::other(e.to_string())),
            (None, Some(mut w)) => {
                w.flush()?;
                Ok(w)
            }
            (None, None) => Err(std::io::Error::other("no writer")),
        }
    }
}

fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::HitEntities;

    fn hit() -> Hit {
        Hit {
            rank: 1,
            score: 1.23456,
            id: "a,1".into(),
            title: "Say \"hi\"\nthere".into(),
            date: Some("2020-03-06T00:00:00Z".into()),
            source: None,
            url: None,
            category: None,
            snippet: "s\tt".into(),
            entities: HitEntities {
                person: vec!["Vladimir Putin".into(), "Bashar Assad".into()],
                ..Default::default()
            },
            highlights: vec![],
            body: String::new(),
        }
    }

    fn render(format: Format, cols: &str) -> String {
        let mut w = RowWriter::new(Vec::new(), format, parse_columns(Some(cols)).unwrap()).unwrap();
        w.write(&hit()).unwrap();
        String::from_utf8(w.finish().unwrap()).unwrap()
    }

    #[test]
    fn csv_quotes_per_rfc4180_and_joins_lists() {
        assert_eq!(
            render(Format::Csv, "id,score,title,person,source"),
            "id,score,title,person,source\r\n\"a,1\",1.2346,\"Say \"\"hi\"\"\nthere\",Vladimir Putin; Bashar Assad,\r\n"
        );
    }

    #[test]
    fn tsv_flattens_tabs_and_newlines() {
        assert_eq!(
            render(Format::Tsv, "id,title,snippet"),
            "id\ttitle\tsnippet\na,1\tSay \"hi\" there\ts t\n"
        );
    }

    #[test]
    fn jsonl_has_typed_values() {
        assert_eq!(
            render(Format::Jsonl, "id,score,rank,person,source"),
            "{\"id\":\"a,1\",\"score\":1.2346,\"rank\":1,\"person\":[\"Vladimir Putin\",\"Bashar Assad\"],\"source\":null}\n"
        );
    }

    #[test]
    fn unknown_columns_are_named() {
        let e = parse_columns(Some("id,wordcount")).unwrap_err().to_string();
        assert!(
            e.starts_with("--fields: unknown field \"wordcount\""),
            "{e}"
        );
        assert!(!parse_columns(None).unwrap().contains(&"body"));
    }
}
