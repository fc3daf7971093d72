//! Rows as a worksheet's XML, a run of rows at a time: export makes runs on
//! every core ([`SheetRows`] from its row number on), and [`super::book`]
//! puts them in order. Cells carry their references and strings are
//! inline (no shared-string table, so memory does not grow with the rows).

use super::{Value, header_widths, link_rows};
use crate::export::columns::Column;
pub use crate::export::numbers::push_int;
use crate::export::rows::{Cell, RowSink};

/// Cell styles, as [`super::book`]'s styles part numbers them.
pub const STYLE_BOLD: u8 = 1;
pub const STYLE_DATE: u8 = 2;
pub const STYLE_LINK: u8 = 3;

/// A run of rows as `<row>` elements.
pub struct SheetRows {
    columns: Vec<Column>,
    /// Column letters, per column.
    letters: Vec<String>,
    pub xml: Vec<u8>,
    /// The first row's number and the next one's (1 is the header).
    first: usize,
    row: usize,
    link_rows: usize,
    /// The widest value, per column.
    pub widths: Vec<usize>,
    /// Cells cut at Excel's limit.
    pub cut: u64,
    /// The links, as (cell reference, URL).
    pub links: Vec<(String, String)>,
    number: String,
}

impl SheetRows {
    /// Rows from row `first` (1-based: the header is row 1), into `xml`.
    pub fn new(columns: &[Column], first: usize, xml: Vec<u8>) -> SheetRows {
        SheetRows {
            letters: (0..columns.len()).map(column_letters).collect(),
            columns: columns.to_vec(),
            xml,
            first,
            row: first,
            link_rows: link_rows(columns),
            widths: header_widths(columns),
            cut: 0,
            links: Vec::new(),
            number: String::new(),
        }
    }

    /// The header row (row 1): the column names, bold.
    pub fn header(columns: &[Column]) -> Vec<u8> {
        let mut rows = SheetRows::new(columns, 1, Vec::new());
        rows.start_row();
        for (c, column) in columns.iter().enumerate() {
            rows.text(c, column.name(), STYLE_BOLD);
        }
        rows.xml.extend_from_slice(b"</row>");
        rows.xml
    }

    /// Rows written.
    pub fn rows(&self) -> usize {
        self.row - self.first
    }

    fn start_row(&mut self) {
        self.xml.extend_from_slice(b"<row r=\"");
        push_int(&mut self.xml, self.row as u64);
        self.xml.extend_from_slice(b"\">");
    }

    fn start_cell(&mut self, c: usize, style: u8, kind: &[u8]) {
        self.xml.extend_from_slice(b"<c r=\"");
        self.xml.extend_from_slice(self.letters[c].as_bytes());
        push_int(&mut self.xml, self.row as u64);
        self.xml.push(b'"');
        if style != 0 {
            self.xml.extend_from_slice(b" s=\"");
            push_int(&mut self.xml, style as u64);
            self.xml.push(b'"');
        }
        self.xml.extend_from_slice(kind);
        self.xml.push(b'>');
    }

    fn number(&mut self, c: usize, n: f64, style: u8) {
        use std::fmt::Write as _;
        self.start_cell(c, style, b"");
        self.xml.extend_from_slice(b"<v>");
        if n.fract() == 0.0 && n.abs() < 1e15 {
            if n < 0.0 {
                self.xml.push(b'-');
            }
            push_int(&mut self.xml, n.abs() as u64);
        } else {
            self.number.clear();
            let _ = write!(self.number, "{n}");
            self.xml.extend_from_slice(self.number.as_bytes());
        }
        self.xml.extend_from_slice(b"</v></c>");
    }

    fn text(&mut self, c: usize, text: &str, style: u8) {
        self.start_cell(c, style, b" t=\"inlineStr\"");
        let spaced = text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace);
        self.xml.extend_from_slice(if spaced {
            b"<is><t xml:space=\"preserve\">".as_slice()
        } else {
            b"<is><t>".as_slice()
        });
        escape_text(&mut self.xml, text);
        self.xml.extend_from_slice(b"</t></is></c>");
    }
}

impl RowSink for SheetRows {
    fn columns(&self) -> &[Column] {
        &self.columns
    }

    fn write_cells(&mut self, cells: &[Cell<'_>]) -> std::io::Result<()> {
        let links = self.row - 1 <= self.link_rows;
        self.start_row();
        for (c, cell) in cells.iter().enumerate() {
            let value = Value::of(self.columns[c], cell, links, &mut self.cut);
            self.widths[c] = self.widths[c].max(value.width());
            match value {
                Value::Empty => {}
                Value::Number(n) => self.number(c, n, 0),
                Value::Date(serial) => self.number(c, serial, STYLE_DATE),
                Value::Link(url) => {
                    self.links
                        .push((format!("{}{}", self.letters[c], self.row), url.to_string()));
                    self.text(c, url, STYLE_LINK);
                }
                Value::Text(text) => self.text(c, &text, 0),
            }
        }
        self.xml.extend_from_slice(b"</row>");
        self.row += 1;
        Ok(())
    }
}

/// Excel's letters for the column numbered `c` from 0: A..Z, AA...
pub fn column_letters(c: usize) -> String {
    let mut n = c + 1;
    let mut letters = Vec::new();
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Bytes that [`escape_text`] looks at: XML's specials, control bytes, the
/// underscore (of Excel's `_xHHHH_` escapes) and 0xEF (which starts the
/// non-characters U+FFFE and U+FFFF).
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = b != b'\t' as usize && b != b'\n' as usize;
        b += 1;
    }
    t[b'&' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'_' as usize] = true;
    t[0xEF] = true;
    t
};

/// Appends `text` as XML character data the way Excel reads it back:
/// `&`, `<`, `>` as entities; the characters XML cannot hold (control
/// characters but tab and line feed, U+FFFE, U+FFFF) and a carriage return
/// (which XML would drop) as Excel's `_xHHHH_`; and an underscore that
/// starts text of that form as `_x005F_`, so that it stays itself.
pub fn escape_text(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !SPECIAL[b as usize] {
            continue;
        }
        let escaped: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'_' if looks_escaped(&bytes[i..]) => b"_x005F_",
            b'_' => continue,
            0xEF if bytes[i..].starts_with(b"\xEF\xBF\xBE") => b"_xFFFE_",
            0xEF if bytes[i..].starts_with(b"\xEF\xBF\xBF") => b"_xFFFF_",
            0xEF => continue,
            _ => {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(format!("_x{b:04X}_").as_bytes());
                start = i + 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escaped);
        start = if b == 0xEF { i + 3 } else { i + 1 };
    }
    out.extend_from_slice(&bytes[start..]);
}

/// `_x` then four hex digits then `_`.
fn looks_escaped(s: &[u8]) -> bool {
    s.len() >= 7 && s[1] == b'x' && s[2..6].iter().all(u8::is_ascii_hexdigit) && s[6] == b'_'
}

/// Appends `text` as an XML attribute value (in double quotes).
pub fn escape_attr(out: &mut Vec<u8>, text: &str) {
    for ch in text.chars() {
        match ch {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '"' => out.extend_from_slice(b"&quot;"),
            c if (c as u32) < 0x20 => out.extend_from_slice(format!("&#{};", c as u32).as_bytes()),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str) -> String {
        let mut out = Vec::new();
        escape_text(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_is_escaped_as_excel_reads_it() {
        assert_eq!(escaped("AT&T <b> Шойгу"), "AT&amp;T &lt;b&gt; Шойгу");
        assert_eq!(escaped("a\tb\nc\rd\u{1}"), "a\tb\nc_x000D_d_x0001_");
        assert_eq!(escaped("snake_case _x0041_"), "snake_case _x005F_x0041_");
        assert_eq!(escaped("\u{FFFE}x\u{FF01}"), "_xFFFE_x\u{FF01}");
    }

    #[test]
    fn column_letters_run_on_past_z() {
        let letters: Vec<String> = [0, 25, 26, 51, 701, 702].map(column_letters).into();
        assert_eq!(letters, ["A", "Z", "AA", "AZ", "ZZ", "AAA"]);
    }

    #[test]
    fn rows_carry_references_styles_and_links() {
        let columns = [Column::Url, Column::Rank, Column::Title];
        let mut rows = SheetRows::new(&columns, 7, Vec::new());
        rows.write_cells(&[
            Cell::Maybe(Some("https://x.org/?a&b")),
            Cell::Rank(6),
            Cell::Text(" lead"),
        ])
        .unwrap();
        let xml = String::from_utf8(rows.xml.clone()).unwrap();
        assert_eq!(
            xml,
            "<row r=\"7\"><c r=\"A7\" s=\"3\" t=\"inlineStr\"><is><t>https://x.org/?a&amp;b</t></is></c>\
             <c r=\"B7\"><v>6</v></c>\
             <c r=\"C7\" t=\"inlineStr\"><is><t xml:space=\"preserve\"> lead</t></is></c></row>"
        );
        assert_eq!(
            rows.links,
            [("A7".to_string(), "https://x.org/?a&b".to_string())]
        );
        assert_eq!(rows.rows(), 1);
    }
}
