//! Record parsing: one [`RawRecord`] in, a validated [`Article`] (plus
//! warnings) out, or the reason it cannot be indexed.

use serde_json::{Map, Value};
use std::fmt::Write as _;

use super::date::{ACCEPTED, indexable, parse_date, unix_seconds};
use super::{Payload, RawRecord};
use crate::error::{Error, Result};

/// A validated article, ready for analysis.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Article {
    pub id: String,
    /// True when the record had no id and one was derived from its content.
    pub id_derived: bool,
    pub title: String,
    pub body: String,
    /// UTC seconds since the epoch.
    pub date: Option<i64>,
    pub source: Option<String>,
    pub url: Option<String>,
    pub category: Option<String>,
}

/// Something odd about a record that was still indexed.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub field: &'static str,
    pub message: String,
}

/// The article fields we read, in the order of [`FieldMap`]'s table.
pub const FIELDS: [&str; 7] = ["id", "title", "body", "date", "source", "url", "category"];

/// Which input keys feed which article field: the first key present wins.
#[derive(Debug, Clone)]
pub struct FieldMap {
    keys: [Vec<String>; 7],
}

impl Default for FieldMap {
    fn default() -> Self {
        let k = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        FieldMap {
            keys: [
                k(&["id"]),
                k(&["title", "headline"]),
                k(&["body", "text", "content"]),
                k(&["date", "published"]),
                k(&["source"]),
                k(&["url"]),
                k(&["category"]),
            ],
        }
    }
}

impl FieldMap {
    /// Parses `--field-map body=text,title=headline`: each named field reads
    /// only the given input key.
    pub fn parse(spec: &str) -> Result<FieldMap> {
        let mut map = FieldMap::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, key) = part.split_once('=').ok_or_else(|| {
                Error::Usage(format!(
                    "--field-map: expected FIELD=KEY, got {part:?} (e.g. body=text,title=headline)"
                ))
            })?;
            let slot = FIELDS
                .iter()
                .position(|f| *f == field.trim())
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "--field-map: unknown field {:?}; fields are {}",
                        field.trim(),
                        FIELDS.join(", ")
                    ))
                })?;
            map.keys[slot] = vec![key.trim().to_string()];
        }
        Ok(map)
    }

    /// A fingerprint of the mapping, so a changed mapping re-indexes.
    pub fn fingerprint(&self) -> String {
        self.keys
            .iter()
            .map(|k| k.join("|"))
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// Field values as found in the input, before type checks.
enum Fields<'a> {
    Json(&'a Map<String, Value>),
    Csv(&'a [String], &'a [Vec<u8>]),
}

impl Fields<'_> {
    /// The first present, non-null value for article field `slot`, with the
    /// input key it came from.
    fn get(&self, map: &FieldMap, slot: usize) -> Option<(String, Found)> {
        for key in &map.keys[slot] {
            match self {
                Fields::Json(m) => match m.get(key) {
                    None | Some(Value::Null) => {}
                    Some(v) => return Some((key.clone(), Found::Json(v.clone()))),
                },
                Fields::Csv(headers, values) => {
                    let lower = key.to_lowercase();
                    if let Some(i) = headers.iter().position(|h| *h == lower)
                        && let Some(v) = values.get(i)
                    {
                        return Some((key.clone(), Found::Text(v.clone())));
                    }
                }
            }
        }
        None
    }
}

enum Found {
    Json(Value),
    Text(Vec<u8>),
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses and validates one raw record. `Err` carries the rejection reason,
/// naming the field and what was expected.
pub fn parse_record(
    raw: &RawRecord,
    map: &FieldMap,
) -> std::result::Result<(Article, Vec<Warning>), String> {
    let mut warnings = Vec::new();
    let mut article = Article::default();
    match &raw.payload {
        Payload::Broken { reason, .. } => return Err(reason.clone()),
        Payload::Line(bytes) => fill_json(bytes, map, &mut article, &mut warnings)?,
        Payload::Csv { headers, fields } => {
            if fields.len() != headers.len() {
                return Err(format!(
                    "expected {} fields (as in the header), found {}",
                    headers.len(),
                    fields.len()
                ));
            }
            fill(
                &Fields::Csv(headers, fields),
                map,
                &mut article,
                &mut warnings,
            )?;
        }
        Payload::Text(bytes) => fill_text(bytes, raw, &mut article)?,
    }
    for (name, text) in [("title", &mut article.title), ("body", &mut article.body)] {
        if text.contains('\0') {
            text.retain(|c| c != '\0');
            warnings.push(Warning {
                field: name,
                message: "NUL characters removed".into(),
            });
        }
    }
    if article.title.trim().is_empty() && article.body.trim().is_empty() {
        return Err("no text: title and body are both missing or empty".into());
    }
    if article.id.is_empty() {
        article.id = derive_id(&article);
        article.id_derived = true;
    }
    Ok((article, warnings))
}

/// Fills `article` from a JSON line.
fn fill_json(
    bytes: &[u8],
    map: &FieldMap,
    article: &mut Article,
    warnings: &mut Vec<Warning>,
) -> std::result::Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "invalid UTF-8 at byte {} of the line (expected UTF-8 text)",
            e.valid_up_to() + 1
        )
    })?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let mut msg = format!("invalid JSON at column {}: {}", e.column(), e);
        if let Some(i) = msg.find(" at line ") {
            msg.truncate(i);
        }
        msg
    })?;
    let Value::Object(obj) = value else {
        return Err(format!(
            "expected a JSON object {{\"id\", \"title\", \"body\", ...}}, found {}",
            kind_of(&value)
        ));
    };
    fill(&Fields::Json(&obj), map, article, warnings)
}

/// Fills `article` from a text or Markdown file: the first non-empty line
/// is the title (without Markdown's `#`s), the rest the body, and the id
/// the file's path in its folder.
fn fill_text(
    bytes: &[u8],
    raw: &RawRecord,
    article: &mut Article,
) -> std::result::Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "invalid UTF-8 at byte {} of the file (expected UTF-8 text)",
            e.valid_up_to() + 1
        )
    })?;
    let is_md = raw.input.name.ends_with(".md") || raw.input.name.ends_with(".markdown");
    let text = text.replace("\r\n", "\n");
    let mut lines = text.lines();
    let mut title = String::new();
    for line in lines.by_ref() {
        let t = line.trim();
        if !t.is_empty() {
            title = if is_md {
                t.trim_start_matches('#').trim().to_string()
            } else {
                t.to_string()
            };
            break;
        }
    }
    article.title = title;
    article.body = lines.collect::<Vec<_>>().join("\n").trim().to_string();
    article.id = raw.input.rel_id.clone().unwrap_or_default();
    Ok(())
}

/// The longest id taken: ids are index terms and column values, which
/// tantivy cuts at 65,530 bytes; upserts need them whole.
pub const MAX_ID_BYTES: usize = 1024;

/// Fills `a` from a record's fields (JSON or CSV), through the field map.
fn fill(
    fields: &Fields<'_>,
    map: &FieldMap,
    a: &mut Article,
    warnings: &mut Vec<Warning>,
) -> std::result::Result<(), String> {
    for (slot, name) in FIELDS.iter().enumerate() {
        let Some((key, found)) = fields.get(map, slot) else {
            continue;
        };
        // Made only for a message: most records need none.
        let label = || {
            if key == *name {
                format!("field {name}")
            } else {
                format!("field {name} (from {key})")
            }
        };
        if let Some(text) = field_text(name, found, &label, a, warnings)? {
            set_field(name, text, &label, a, warnings)?;
        }
    }
    Ok(())
}

/// The text of field `name` as found: bytes as UTF-8, a JSON string, an
/// integer id as its digits. A numeric date is a unix time, set on `a`
/// here (None is then returned).
fn field_text(
    name: &str,
    found: Found,
    label: &dyn Fn() -> String,
    a: &mut Article,
    warnings: &mut Vec<Warning>,
) -> std::result::Result<Option<String>, String> {
    Ok(match found {
        Found::Text(bytes) => Some(String::from_utf8(bytes).map_err(|e| {
            format!(
                "{}: invalid UTF-8 at byte {} (expected UTF-8 text)",
                label(),
                e.utf8_error().valid_up_to() + 1
            )
        })?),
        Found::Json(Value::String(s)) => Some(s),
        Found::Json(Value::Number(n)) if name == "id" => match n.as_i64() {
            Some(i) => {
                warnings.push(Warning {
                    field: "id",
                    message: format!("expected a string, found the number {i}; used \"{i}\""),
                });
                Some(i.to_string())
            }
            None => {
                return Err(format!(
                    "{}: expected a string, found the number {n}",
                    label()
                ));
            }
        },
        Found::Json(Value::Number(n)) if name == "date" => {
            match n.as_i64().and_then(unix_seconds) {
                Some(secs) if indexable(secs) => a.date = Some(secs),
                Some(_) => warnings.push(out_of_range(&n.to_string())),
                None => warnings.push(Warning {
                    field: "date",
                    message: format!(
                        "{n} is not a plausible unix time in seconds; article kept undated"
                    ),
                }),
            }
            None
        }
        Found::Json(v) => {
            return Err(format!(
                "{}: expected a string, found {}",
                label(),
                kind_of(&v)
            ));
        }
    })
}

/// The warning for a date an index cannot hold.
fn out_of_range(date: &str) -> Warning {
    Warning {
        field: "date",
        message: format!(
            "{date:?} is outside the years 1678 to 2261 an index can hold; article kept undated"
        ),
    }
}

/// Sets field `name` of `a` to `text`, checking ids and parsing dates.
fn set_field(
    name: &str,
    text: String,
    label: &dyn Fn() -> String,
    a: &mut Article,
    warnings: &mut Vec<Warning>,
) -> std::result::Result<(), String> {
    match name {
        "id" => {
            a.id = trimmed(text);
            if a.id.len() > MAX_ID_BYTES {
                return Err(format!(
                    "{}: expected an id of at most {MAX_ID_BYTES} bytes, found {} bytes",
                    label(),
                    a.id.len()
                ));
            }
        }
        "title" => a.title = text,
        "body" => a.body = text,
        "date" => {
            if text.trim().is_empty() {
                return Ok(());
            }
            match parse_date(&text) {
                Some(secs) if indexable(secs) => a.date = Some(secs),
                Some(_) => warnings.push(out_of_range(&truncate(&text, 60))),
                None => warnings.push(Warning {
                    field: "date",
                    message: format!(
                        "{:?} is not a date ({ACCEPTED}); article kept undated",
                        truncate(&text, 60)
                    ),
                }),
            }
        }
        "source" => a.source = non_empty(text),
        "url" => a.url = non_empty(text),
        "category" => a.category = non_empty(text),
        _ => {}
    }
    Ok(())
}

fn non_empty(s: String) -> Option<String> {
    let t = trimmed(s);
    (!t.is_empty()).then_some(t)
}

/// `s` without white space at either end, copied only if it had some.
fn trimmed(s: String) -> String {
    if s.trim().len() == s.len() {
        s
    } else {
        s.trim().to_string()
    }
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// A stable id from an article's content: `h` and 16 hex digits of a hash of
/// title and body. The same text always gets the same id.
pub fn derive_id(a: &Article) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(a.title.as_bytes());
    h.update(b"\x1f");
    h.update(a.body.as_bytes());
    let mut id = String::with_capacity(17);
    let _ = write!(id, "h{:016x}", h.digest());
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A raw JSON line of a file t.jsonl.
    fn line(bytes: &[u8]) -> RawRecord {
        RawRecord {
            input: crate::testutil::jsonl_input(),
            line: 1,
            payload: Payload::Line(bytes.to_vec()),
        }
    }

    fn json(text: &str) -> std::result::Result<(Article, Vec<Warning>), String> {
        parse_record(&line(text.as_bytes()), &FieldMap::default())
    }

    #[test]
    fn reads_fields_and_ignores_unknown_ones() {
        let (a, w) = json(
            r#"{"id":"a1","title":"T","body":"B","date":"2020-03-06","source":"S","url":"u","category":"c","extra":[1]}"#,
        )
        .unwrap();
        assert_eq!(a.id, "a1");
        assert_eq!((a.title.as_str(), a.body.as_str()), ("T", "B"));
        assert_eq!(a.date, Some(1583452800));
        assert_eq!(a.source.as_deref(), Some("S"));
        assert!(w.is_empty());
    }

    #[test]
    fn body_aliases_and_field_map() {
        let (a, _) = json(r#"{"id":"x","text":"hello"}"#).unwrap();
        assert_eq!(a.body, "hello");
        let raw = r#"{"id":"x","story":"hello","headline":"H"}"#;
        let map = FieldMap::parse("body=story").unwrap();
        let (a, _) = parse_record(&line(raw.as_bytes()), &map).unwrap();
        assert_eq!((a.body.as_str(), a.title.as_str()), ("hello", "H"));
        assert!(FieldMap::parse("bogus=x").is_err());
        assert!(FieldMap::parse("body").is_err());
    }

    #[test]
    fn wrong_types_are_rejected_with_the_field_named() {
        assert_eq!(
            json(r#"{"id":"x","body":["a","b"]}"#).unwrap_err(),
            "field body: expected a string, found an array"
        );
        assert_eq!(
            json(r#"[1,2]"#).unwrap_err(),
            "expected a JSON object {\"id\", \"title\", \"body\", ...}, found an array"
        );
        assert_eq!(
            json(r#"{"id":"x","title":"","body":"  "}"#).unwrap_err(),
            "no text: title and body are both missing or empty"
        );
        let long = format!(r#"{{"id":"{}","body":"b"}}"#, "i".repeat(1025));
        assert_eq!(
            json(&long).unwrap_err(),
            "field id: expected an id of at most 1024 bytes, found 1025 bytes"
        );
        let ok = format!(r#"{{"id":"{}","body":"b"}}"#, "i".repeat(1024));
        assert_eq!(json(&ok).unwrap().0.id.len(), 1024);
        assert!(
            json(r#"{"id":"x","body":"abc"#)
                .unwrap_err()
                .starts_with("invalid JSON at column")
        );
    }

    #[test]
    fn dates_an_index_cannot_hold_are_warnings() {
        for date in [r#""1500-06-01""#, r#""2300-01-01""#, "-30610224000"] {
            let (a, w) = json(&format!(r#"{{"id":"x","body":"b","date":{date}}}"#)).unwrap();
            assert_eq!(a.date, None, "{date}");
            assert_eq!(w[0].field, "date");
            assert!(
                w[0].message.contains("outside the years 1678 to 2261"),
                "{}",
                w[0].message
            );
        }
        let (a, w) = json(r#"{"id":"x","body":"b","date":"1678-01-01"}"#).unwrap();
        assert_eq!(a.date, Some(-9_214_560_000));
        assert!(w.is_empty());
    }

    #[test]
    fn numeric_id_and_bad_date_are_warnings() {
        let (a, w) = json(r#"{"id":42,"body":"b","date":"someday"}"#).unwrap();
        assert_eq!(a.id, "42");
        assert_eq!(a.date, None);
        assert_eq!(w.len(), 2);
        assert_eq!(w[1].field, "date");
    }

    #[test]
    fn missing_id_is_derived_stably() {
        let (a, _) = json(r#"{"title":"T","body":"B"}"#).unwrap();
        let (b, _) = json(r#"{"body":"B","title":"T"}"#).unwrap();
        assert!(a.id_derived);
        assert_eq!(a.id, b.id);
        assert_eq!(a.id.len(), 17);
    }

    #[test]
    fn mangled_lines_are_rejected_or_parsed_never_panic() {
        let good = br#"{"id":"x","title":"T","body":"B \u00e9","date":"2020-03-06","source":"S"}"#;
        let mut rng = crate::testutil::Rng::new(11u64);
        let mut next = |n: usize| rng.below(n);
        for _ in 0..20_000 {
            let mut bytes = good.to_vec();
            for _ in 0..1 + next(4) {
                let i = next(bytes.len());
                match next(3) {
                    0 => bytes[i] = next(256) as u8,
                    1 => {
                        bytes.remove(i);
                    }
                    _ => bytes.insert(i, b"\"{}[]:,\\\x00\xff"[next(10)]),
                }
            }
            if let Ok((a, _)) = parse_record(&line(&bytes), &FieldMap::default()) {
                assert!(!a.id.is_empty());
                assert!(!(a.title.trim().is_empty() && a.body.trim().is_empty()));
            }
        }
    }
}
