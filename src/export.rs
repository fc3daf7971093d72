//! Export, the last pipeline stage: hits in, rows out as CSV (RFC 4180),
//! TSV or JSON lines over any `impl Write`, one hit at a time. Used by
//! `newsdex export` (every hit, streamed) and by `search --format csv|jsonl`.

use std::borrow::Cow;
use std::io::Write;

use serde_json::{Map, Value};

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

fn text_value<'a>(hit: &'a Hit, column: &str) -> Cow<'a, str> {
    let opt = |v: &'a Option<String>| Cow::Borrowed(v.as_deref().unwrap_or(""));
    match column {
        "id" => Cow::Borrowed(&hit.id),
        "score" => Cow::Owned(format_score(hit.score)),
        "rank" => Cow::Owned(hit.rank.to_string()),
        "date" => opt(&hit.date),
        "source" => opt(&hit.source),
        "title" => Cow::Borrowed(&hit.title),
        "url" => opt(&hit.url),
        "category" => opt(&hit.category),
        "snippet" => Cow::Borrowed(&hit.snippet),
        "body" => Cow::Borrowed(&hit.body),
        other => match EntityType::from_name(other) {
            Some(t) => Cow::Owned(hit.entities.of(t).join(JOIN)),
            None => Cow::Borrowed(""),
        },
    }
}

/// Scores with four decimals, as shown everywhere.
pub fn format_score(s: f32) -> String {
    format!("{s:.4}")
}

fn json_value(hit: &Hit, column: &str) -> Value {
    let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Value::String);
    match column {
        "score" => serde_json::Number::from_f64(((hit.score as f64) * 1e4).round() / 1e4)
            .map_or(Value::Null, Value::Number),
        "rank" => Value::from(hit.rank),
        "date" => opt(&hit.date),
        "source" => opt(&hit.source),
        "url" => opt(&hit.url),
        "category" => opt(&hit.category),
        other => match EntityType::from_name(other) {
            Some(t) => Value::from(hit.entities.of(t).to_vec()),
            None => Value::String(text_value(hit, other).into_owned()),
        },
    }
}

/// Writes hits as rows of the chosen columns.
pub struct RowWriter<W: Write> {
    format: Format,
    columns: Vec<&'static str>,
    csv: Option<csv::Writer<W>>,
    plain: Option<W>,
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
            },
            Format::Jsonl => RowWriter {
                format,
                columns,
                csv: None,
                plain: Some(out),
            },
        };
        if let Some(c) = w.csv.as_mut() {
            c.write_record(&w.columns).map_err(csv_io)?;
        }
        Ok(w)
    }

    /// Writes one hit.
    pub fn write(&mut self, hit: &Hit) -> std::io::Result<()> {
        match self.format {
            Format::Csv | Format::Tsv => {
                let tsv = self.format == Format::Tsv;
                let row: Vec<Cow<'_, str>> = self
                    .columns
                    .iter()
                    .map(|c| {
                        let v = text_value(hit, c);
                        // TSV cannot hold tabs or line ends in a field.
                        if tsv && v.contains(['\t', '\n', '\r']) {
                            Cow::Owned(v.replace(['\t', '\n', '\r'], " "))
                        } else {
                            v
                        }
                    })
                    .collect();
                if let Some(c) = self.csv.as_mut() {
                    c.write_record(row.iter().map(|v| v.as_bytes()))
                        .map_err(csv_io)?;
                }
            }
            Format::Jsonl => {
                let mut obj = Map::new();
                for c in &self.columns {
                    obj.insert(c.to_string(), json_value(hit, c));
                }
                if let Some(w) = self.plain.as_mut() {
                    serde_json::to_writer(&mut *w, &Value::Object(obj))?;
                    w.write_all(b"\n")?;
                }
            }
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
