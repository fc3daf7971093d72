//! Rows: the cells of a hit list written as CSV (RFC 4180), TSV or JSON
//! lines over any `impl Write`, a row at a time.

use std::io::Write;

use super::columns::Column;
use super::numbers::{push_date, push_score, push_uint};
use crate::error::{Error, Result};
use crate::search::Hit;

/// The UTF-8 byte-order mark `--bom` puts before CSV and TSV.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

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
                "--format: expected csv, tsv, jsonl or xlsx, got {other:?}"
            ))),
        }
    }

    /// The format's name, as provenance records it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Jsonl => "jsonl",
        }
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
    /// A date, UTC seconds: RFC 3339 text.
    Date(i64),
    /// Names (entity columns): joined by [`JOIN`] in CSV and TSV, an array
    /// in JSON.
    Names(&'a [&'a str]),
    /// Names as [`Cell::Names`], as places in a text that holds them.
    Spans(Spans<'a>),
}

/// Names as `newsdex export` reads them from a dictionary: each the
/// `(start, end)` of its bytes in `text`, so that no string is made per
/// name, and CSV and TSV copy plain names without looking at them.
#[derive(Debug, Clone, Copy)]
pub struct Spans<'a> {
    pub text: &'a str,
    pub spans: &'a [(usize, usize)],
    /// Whether every name is [`is_plain`] (known beforehand).
    pub plain: bool,
}

impl<'a> Cell<'a> {
    /// The cell of `hit` in `column`; `names` holds its entity lists, per
    /// type, that the cell borrows. (A hit has no query id: `qid` cells
    /// are the caller's.)
    pub fn of_hit(hit: &'a Hit, column: Column, names: &'a [Vec<&'a str>; 4]) -> Cell<'a> {
        match column {
            Column::Id => Cell::Text(&hit.id),
            Column::Score => Cell::Score(hit.score),
            Column::Rank => Cell::Rank(hit.rank),
            Column::Date => Cell::Maybe(hit.date.as_deref()),
            Column::Source => Cell::Maybe(hit.source.as_deref()),
            Column::Title => Cell::Text(&hit.title),
            Column::Url => Cell::Maybe(hit.url.as_deref()),
            Column::Category => Cell::Maybe(hit.category.as_deref()),
            Column::Snippet => Cell::Text(&hit.snippet),
            Column::Body => Cell::Text(&hit.body),
            Column::Names(t) => Cell::Names(&names[t as usize]),
            Column::Qid => Cell::Text(""),
        }
    }
}

/// A hit's entity names as string slices, per type (for [`Cell::of_hit`]).
pub fn hit_names(hit: &Hit) -> [Vec<&str>; 4] {
    let e = &hit.entities;
    [&e.person, &e.org, &e.location, &e.misc]
        .map(|v| v.iter().map(String::as_str).collect::<Vec<&str>>())
}

impl<'a> Spans<'a> {
    /// The names (a span that is not one is empty).
    pub(super) fn names(self) -> impl Iterator<Item = &'a str> {
        self.spans
            .iter()
            .map(move |&(start, end)| self.text.get(start..end).unwrap_or_default())
    }
}

/// Where rows go, a row of cells at a time: [`RowWriter`] (CSV, TSV, JSON
/// lines) or [`super::xlsx::Sheet`] (a workbook).
pub trait RowSink {
    /// The columns each row has, in order.
    fn columns(&self) -> &[Column];

    /// Writes one row, one cell per column.
    fn write_cells(&mut self, cells: &[Cell<'_>]) -> std::io::Result<()>;

    /// Writes one hit.
    fn write(&mut self, hit: &Hit) -> std::io::Result<()> {
        let names = hit_names(hit);
        let cells: Vec<Cell<'_>> = self
            .columns()
            .iter()
            .map(|&c| Cell::of_hit(hit, c, &names))
            .collect();
        self.write_cells(&cells)
    }
}

impl<W: Write> RowSink for RowWriter<W> {
    fn columns(&self) -> &[Column] {
        &self.columns
    }

    fn write_cells(&mut self, cells: &[Cell<'_>]) -> std::io::Result<()> {
        RowWriter::write_cells(self, cells)
    }
}

/// Writes hits as rows of the chosen columns. CSV is RFC 4180: a field is
/// quoted when it holds a comma, a quote or a line end, quotes doubled, rows
/// end in CRLF, and a row of one empty field is written `""` (as the csv
/// crate does, in TSV too). TSV has no quoting: tabs and line ends in a
/// field become spaces, rows end in LF. Rows reach the output a block at a
/// time: [`RowWriter::finish`] writes the last ones.
pub struct RowWriter<W: Write> {
    format: Format,
    columns: Vec<Column>,
    out: W,
    /// Rows written and not yet passed to `out` (in blocks of
    /// [`RowWriter::BLOCK`]: a write per row cost a copy call per row),
    /// or every row, [`RowWriter::holding`].
    line: Vec<u8>,
    /// When `line` is passed on: [`RowWriter::BLOCK`], or never.
    block: usize,
    /// Reused for cells that are formatted (scores, ranks).
    buf: String,
}

impl<W: Write> RowWriter<W> {
    /// Starts the output (CSV and TSV get their header row now).
    pub fn new(out: W, format: Format, columns: Vec<Column>) -> std::io::Result<RowWriter<W>> {
        let mut w = RowWriter::without_header(out, format, columns);
        if format != Format::Jsonl {
            let cells: Vec<Cell<'_>> = w.columns.iter().map(|c| Cell::Text(c.name())).collect();
            w.write_cells(&cells)?;
        }
        Ok(w)
    }

    /// Rows of an output whose header was written before.
    pub fn without_header(out: W, format: Format, columns: Vec<Column>) -> RowWriter<W> {
        RowWriter {
            format,
            columns,
            out,
            line: Vec::with_capacity(Self::BLOCK + 4096),
            block: Self::BLOCK,
            buf: String::new(),
        }
    }

    const BLOCK: usize = 1 << 16;

    /// Writes one row, one cell per column (to the output once a block of
    /// rows is full, or at [`RowWriter::finish`]).
    pub fn write_cells(&mut self, cells: &[Cell<'_>]) -> std::io::Result<()> {
        let start = self.line.len();
        if self.format == Format::Jsonl {
            self.json_row(cells)?;
        } else {
            let tsv = self.format == Format::Tsv;
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    self.line.push(if tsv { b'\t' } else { b',' });
                }
                let parts: &[&str] = match cell {
                    Cell::Text(s) | Cell::Maybe(Some(s)) => std::slice::from_ref(s),
                    Cell::Maybe(None) => &[],
                    Cell::Score(x) => {
                        self.buf.clear();
                        push_score(&mut self.buf, *x);
                        self.line.extend_from_slice(self.buf.as_bytes());
                        continue;
                    }
                    Cell::Rank(r) => {
                        self.buf.clear();
                        push_uint(&mut self.buf, *r as u64);
                        self.line.extend_from_slice(self.buf.as_bytes());
                        continue;
                    }
                    // Digits, '-', ':', 'T', 'Z' (and '+' out of range):
                    // nothing to quote or flatten.
                    Cell::Date(secs) => {
                        push_date(&mut self.line, *secs);
                        continue;
                    }
                    Cell::Names(names) => names,
                    Cell::Spans(spans) if spans.plain => {
                        push_spans(&mut self.line, spans.text.as_bytes(), spans.spans);
                        continue;
                    }
                    Cell::Spans(spans) => {
                        let names: Vec<&str> = spans.names().collect();
                        if tsv {
                            tsv_field(&mut self.line, &names);
                        } else {
                            csv_field(&mut self.line, &names);
                        }
                        continue;
                    }
                };
                if tsv {
                    tsv_field(&mut self.line, parts);
                } else {
                    csv_field(&mut self.line, parts);
                }
            }
            if self.line.len() == start {
                // Else the row would be a blank line, which readers skip.
                self.line.extend_from_slice(b"\"\"");
            }
            self.line
                .extend_from_slice(if tsv { b"\n" } else { b"\r\n" });
        }
        if self.line.len() >= self.block {
            self.out.write_all(&self.line)?;
            self.line.clear();
        }
        Ok(())
    }

    fn json_row(&mut self, cells: &[Cell<'_>]) -> std::io::Result<()> {
        let w = &mut self.line;
        w.push(b'{');
        for (i, (column, cell)) in self.columns.iter().zip(cells).enumerate() {
            if i > 0 {
                w.push(b',');
            }
            serde_json::to_writer(&mut *w, column.name())?;
            w.push(b':');
            match *cell {
                Cell::Text(s) | Cell::Maybe(Some(s)) => serde_json::to_writer(&mut *w, s)?,
                Cell::Maybe(None) => w.extend_from_slice(b"null"),
                Cell::Score(x) => {
                    match serde_json::Number::from_f64(((x as f64) * 1e4).round() / 1e4) {
                        Some(n) => serde_json::to_writer(&mut *w, &n)?,
                        None => w.extend_from_slice(b"null"),
                    }
                }
                Cell::Rank(r) => serde_json::to_writer(&mut *w, &r)?,
                Cell::Date(secs) => {
                    w.push(b'"');
                    push_date(w, secs);
                    w.push(b'"');
                }
                Cell::Names(names) => serde_json::to_writer(&mut *w, names)?,
                Cell::Spans(spans) => {
                    // As serde_json writes a list of strings.
                    w.push(b'[');
                    for (i, name) in spans.names().enumerate() {
                        if i > 0 {
                            w.push(b',');
                        }
                        serde_json::to_writer(&mut *w, name)?;
                    }
                    w.push(b']');
                }
            }
        }
        w.extend_from_slice(b"}\n");
        Ok(())
    }

    /// Writes the rows held, flushes and returns the underlying writer.
    pub fn finish(self) -> std::io::Result<W> {
        let mut out = self.end()?;
        out.flush()?;
        Ok(out)
    }

    /// Writes the rows held and returns the underlying writer, unflushed
    /// (a part of a longer output).
    pub fn end(mut self) -> std::io::Result<W> {
        self.out.write_all(&self.line)?;
        Ok(self.out)
    }
}

impl RowWriter<std::io::Sink> {
    /// Rows without a header, held in `rows` (emptied first) rather than
    /// written on: a part of an output started by [`RowWriter::new`], given
    /// back by [`RowWriter::into_held`]. Export formats its parts so, into
    /// buffers it reuses, the rows written once (not into a block and then
    /// into the part).
    pub fn holding(
        mut rows: Vec<u8>,
        format: Format,
        columns: Vec<Column>,
    ) -> RowWriter<std::io::Sink> {
        rows.clear();
        RowWriter {
            format,
            columns,
            out: std::io::sink(),
            line: rows,
            block: usize::MAX,
            buf: String::new(),
        }
    }

    /// The rows held.
    pub fn into_held(self) -> Vec<u8> {
        self.line
    }
}

/// Whether a CSV field holding `bytes` must be quoted: a comma, a quote or a
/// line end in it.
fn needs_quotes(bytes: &[u8]) -> bool {
    crate::util::bytes::any_of(bytes, *b",\"\r\n")
}

/// Whether `bytes` are written as they are in both a CSV field (nothing to
/// quote) and a TSV field (no tab or line end to replace).
pub fn is_plain(bytes: &[u8]) -> bool {
    !crate::util::bytes::any_of(bytes, *b",\"\r\n\t")
}

/// Appends the names at `spans` of `text` joined by [`JOIN`], as they are:
/// a name of up to [`SPAN_BLOCK`] bytes is copied as a block of that many
/// bytes of the text and the rest cut off, where the text has them (a copy
/// call per name, 2M names in the benchmark's export, cost more).
fn push_spans(line: &mut Vec<u8>, text: &[u8], spans: &[(usize, usize)]) {
    for (i, &(start, end)) in spans.iter().enumerate() {
        if i > 0 {
            line.extend_from_slice(JOIN.as_bytes());
        }
        let len = end.saturating_sub(start);
        match text
            .get(start..)
            .and_then(<[u8]>::first_chunk::<SPAN_BLOCK>)
        {
            Some(block) if len <= SPAN_BLOCK => {
                line.extend_from_slice(block);
                line.truncate(line.len() - (SPAN_BLOCK - len));
            }
            _ => line.extend_from_slice(text.get(start..end).unwrap_or_default()),
        }
    }
}

const SPAN_BLOCK: usize = 32;

/// A CSV field made of `parts` joined by [`JOIN`], quoted if it must be.
fn csv_field(line: &mut Vec<u8>, parts: &[&str]) {
    let quote = parts.iter().any(|p| needs_quotes(p.as_bytes()));
    if quote {
        line.push(b'"');
    }
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            line.extend_from_slice(JOIN.as_bytes());
        }
        if quote && part.contains('"') {
            for piece in part.split_inclusive('"') {
                line.extend_from_slice(piece.as_bytes());
                if piece.ends_with('"') {
                    line.push(b'"');
                }
            }
        } else {
            line.extend_from_slice(part.as_bytes());
        }
    }
    if quote {
        line.push(b'"');
    }
}

/// A TSV field made of `parts` joined by [`JOIN`], tabs and line ends made
/// spaces.
fn tsv_field(line: &mut Vec<u8>, parts: &[&str]) {
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            line.extend_from_slice(JOIN.as_bytes());
        }
        let start = line.len();
        line.extend_from_slice(part.as_bytes());
        for b in &mut line[start..] {
            if matches!(*b, b'\t' | b'\n' | b'\r') {
                *b = b' ';
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::analyze::EntityType;
    use crate::search::HitEntities;

    #[test]
    fn needs_quotes_finds_each_special_byte_anywhere() {
        let naive = |b: &[u8]| b.iter().any(|c| matches!(c, b',' | b'"' | b'\r' | b'\n'));
        for len in 0..40 {
            let base: Vec<u8> = (0..len).map(|i| b"Ab z\t-\x00\xc3\xa9+"[i % 10]).collect();
            assert_eq!(needs_quotes(&base), naive(&base), "{base:?}");
            for at in 0..len {
                for special in [b',', b'"', b'\r', b'\n', b'.', 0x2b, 0xac] {
                    let mut b = base.clone();
                    b[at] = special;
                    assert_eq!(needs_quotes(&b), naive(&b), "{b:?}");
                }
            }
        }
    }

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
        let mut w = RowWriter::new(
            Vec::new(),
            format,
            crate::export::columns::parse_export(Some(cols)).unwrap(),
        )
        .unwrap();
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

    /// The csv crate's writer with the settings export had before it wrote
    /// rows by hand.
    fn csv_crate(rows: &[Vec<&str>], tsv: bool) -> String {
        let mut w = csv::WriterBuilder::new()
            .delimiter(if tsv { b'\t' } else { b',' })
            .quote_style(if tsv {
                csv::QuoteStyle::Never
            } else {
                csv::QuoteStyle::Necessary
            })
            .terminator(if tsv {
                csv::Terminator::Any(b'\n')
            } else {
                csv::Terminator::CRLF
            })
            .from_writer(Vec::new());
        for row in rows {
            for field in row {
                if tsv {
                    w.write_field(field.replace(['\t', '\n', '\r'], " "))
                        .unwrap();
                } else {
                    w.write_field(field).unwrap();
                }
            }
            w.write_record(None::<&[u8]>).unwrap();
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn rows_match_the_csv_crate() {
        let pieces = [
            "", "a", ",", "\"", "\r", "\n", "\t", " b ", "\"\"", "é,", "x\"y",
        ];
        for format in [Format::Csv, Format::Tsv] {
            for width in 1..=3 {
                let mut rows: Vec<Vec<&str>> = Vec::new();
                for i in 0..pieces.len().pow(width as u32) {
                    let mut k = i;
                    rows.push(
                        (0..width)
                            .map(|_| {
                                let p = pieces[k % pieces.len()];
                                k /= pieces.len();
                                p
                            })
                            .collect(),
                    );
                }
                let cols = vec![Column::Id; width];
                let mut w = RowWriter::holding(Vec::new(), format, cols);
                for row in &rows {
                    let cells: Vec<Cell<'_>> = row.iter().map(|s| Cell::Text(s)).collect();
                    w.write_cells(&cells).unwrap();
                }
                let ours = String::from_utf8(w.into_held()).unwrap();
                assert_eq!(
                    ours,
                    csv_crate(&rows, format == Format::Tsv),
                    "{format:?} {width}"
                );
            }
        }
    }

    #[test]
    fn name_lists_are_quoted_as_one_field() {
        let mut w = RowWriter::holding(
            Vec::new(),
            Format::Csv,
            vec![
                Column::Names(EntityType::Person),
                Column::Names(EntityType::Org),
            ],
        );
        w.write_cells(&[Cell::Names(&["Smith, J.", "Say \"x\""]), Cell::Names(&[])])
            .unwrap();
        w.write_cells(&[Cell::Names(&[]), Cell::Maybe(None)])
            .unwrap();
        assert_eq!(
            String::from_utf8(w.into_held()).unwrap(),
            "\"Smith, J.; Say \"\"x\"\"\",\r\n,\r\n"
        );
    }

    /// Name lists as spans of a text write what the same names as strings
    /// write, in each format: plain names copied in blocks (near the end of
    /// the text too, and longer than a block), names to quote or flatten
    /// through the fields' own code.
    #[test]
    fn spans_write_as_names_do() {
        let text = "Ann LeeSmith, JonesTab\there\"q\"Zürich Olympic Games of the Modern Era in Paris 2024BobX";
        let find = |name: &str| {
            let start = text.find(name).unwrap();
            (start, start + name.len())
        };
        let lists: [&[&str]; 6] = [
            &[],
            &["Ann Lee"],
            &["Zürich", "Ann Lee", "X"],
            &["Olympic Games of the Modern Era in Paris 2024", "Bob"],
            &["Smith, Jones", "Ann Lee"],
            &["Tab\there", "\"q\""],
        ];
        for format in [Format::Csv, Format::Tsv, Format::Jsonl] {
            for names in lists {
                let spans: Vec<(usize, usize)> = names.iter().map(|n| find(n)).collect();
                let plain = names.iter().all(|n| is_plain(n.as_bytes()));
                let cell = Cell::Spans(Spans {
                    text,
                    spans: &spans,
                    plain,
                });
                let mut a = RowWriter::holding(
                    Vec::new(),
                    format,
                    vec![Column::Names(EntityType::Person), Column::Id],
                );
                a.write_cells(&[cell, Cell::Text("1")]).unwrap();
                let mut b = RowWriter::holding(
                    Vec::new(),
                    format,
                    vec![Column::Names(EntityType::Person), Column::Id],
                );
                b.write_cells(&[Cell::Names(names), Cell::Text("1")])
                    .unwrap();
                assert_eq!(
                    String::from_utf8(a.into_held()).unwrap(),
                    String::from_utf8(b.into_held()).unwrap(),
                    "{format:?} {names:?}"
                );
            }
        }
        // Every place and length in a text, joined.
        let text = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for start in 0..text.len() {
            for end in start..=text.len() {
                let mut line = b"x".to_vec();
                push_spans(&mut line, text.as_bytes(), &[(0, 1), (start, end)]);
                assert_eq!(line, format!("xa; {}", &text[start..end]).into_bytes());
            }
        }
    }

    /// Dates write their RFC 3339 text, in years 1-9999 and out of them.
    #[test]
    fn dates_write_as_their_text_does() {
        for secs in [
            0,
            1_583_452_800,
            1_583_452_801,
            -62_135_596_800,
            253_402_300_800,
        ] {
            let text = crate::ingest::date::format_rfc3339(secs);
            for format in [Format::Csv, Format::Tsv, Format::Jsonl] {
                let mut a = RowWriter::holding(Vec::new(), format, vec![Column::Date, Column::Id]);
                a.write_cells(&[Cell::Date(secs), Cell::Text("1")]).unwrap();
                let mut b = RowWriter::holding(Vec::new(), format, vec![Column::Date, Column::Id]);
                b.write_cells(&[Cell::Text(&text), Cell::Text("1")])
                    .unwrap();
                assert_eq!(a.into_held(), b.into_held(), "{secs} {format:?}");
            }
        }
        assert_eq!(
            crate::ingest::date::format_rfc3339(253_402_300_800),
            "+10000-01-01T00:00:00Z"
        );
    }

    #[test]
    fn plain_bytes_have_nothing_to_quote_or_flatten() {
        for b in 0..=255u8 {
            let bytes = [b'a', b, b'z'];
            assert_eq!(
                is_plain(&bytes),
                !matches!(b, b',' | b'"' | b'\r' | b'\n' | b'\t'),
                "{b}"
            );
        }
    }
}
