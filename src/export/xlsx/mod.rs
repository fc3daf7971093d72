//! Hit lists as Excel workbooks: a sheet of rows with the same columns and
//! order as CSV (dates as date cells, URLs as links, entity lists in one
//! cell joined with "; "), its header frozen and filterable and its columns
//! sized to their content, and a second sheet with the provenance.
//!
//! Two writers make the same workbook from the same rows. [`plain`] writes
//! through rust_xlsxwriter (in its constant-memory mode), a row at a time;
//! `batch` and `search` use it, and tests hold the other to it.
//! [`sheet`] and [`book`] are export's: rows made into sheet XML and
//! compressed in chunks on every core, then packaged ([`zip`]), as
//! rust_xlsxwriter compresses a sheet on one thread, the most of a large
//! workbook's writing (BENCHMARKS.md). What a cell becomes (a number, a date,
//! a link, text cut at Excel's limit) is decided here, once, for both.

pub mod book;
pub mod plain;
pub mod sheet;
mod zip;

pub use plain::{Sheet, provenance_sheet, save};

use std::borrow::Cow;

use super::columns::Column;
use super::rows::{Cell, JOIN};
use crate::ingest::date::parse_date;

/// Rows of hits a sheet holds: Excel's 1,048,576 rows less the header.
pub const MAX_ROWS: usize = 1_048_575;
/// The most UTF-16 units Excel keeps in a cell.
const MAX_CELL: usize = 32_767;
/// What ends a cell cut at [`MAX_CELL`].
const CUT_MARK: &str = " [cut]";
/// The most hyperlinks Excel keeps in a sheet.
const MAX_LINKS: usize = 65_530;
/// Column widths, in characters: at least the header's, at most this.
const MAX_WIDTH: usize = 60;
/// Excel's longest sheet name.
const MAX_SHEET_NAME: usize = 31;
/// The longest URL Excel makes a link of, in UTF-16 units.
const MAX_URL: usize = 2_079;
/// Width of a date cell ("yyyy-mm-dd hh:mm:ss").
const DATE_WIDTH: usize = 19;

/// An error, before anything is written, when `hits` rows are more than a
/// sheet holds.
pub fn fits(hits: usize) -> crate::Result<()> {
    if hits <= MAX_ROWS {
        return Ok(());
    }
    Err(crate::error::Error::Usage(format!(
        "--format xlsx: {hits} hits, more than the {MAX_ROWS} rows an Excel sheet holds; export them as CSV (--format csv)"
    )))
}

/// What a cell is written as.
#[derive(Debug, PartialEq)]
pub enum Value<'a> {
    Empty,
    Number(f64),
    /// An Excel serial date ([`excel_serial`]).
    Date(f64),
    /// A link to this URL, shown as itself.
    Link(&'a str),
    /// Text, already cut to Excel's limit ([`fit`]).
    Text(Cow<'a, str>),
}

impl<'a> Value<'a> {
    /// What `cell` of `column` is written as; `links`: whether this row's
    /// URLs may be links ([`link_rows`]). `cut` counts cells cut.
    pub fn of(column: Column, cell: &Cell<'a>, links: bool, cut: &mut u64) -> Value<'a> {
        let text = |t: Cow<'a, str>, cut: &mut u64| match fit(&t) {
            Some(short) => {
                *cut += 1;
                Value::Text(Cow::Owned(short))
            }
            None if t.is_empty() => Value::Empty,
            None => Value::Text(t),
        };
        match *cell {
            Cell::Score(s) => Value::Number(score(s)),
            Cell::Rank(r) => Value::Number(r as f64),
            Cell::Date(secs) => match excel_serial(secs) {
                Some(serial) => Value::Date(serial),
                // Outside Excel's years (1900-9999): the RFC 3339 text.
                None => Value::Text(crate::ingest::date::format_rfc3339(secs).into()),
            },
            Cell::Maybe(Some(date)) if column == Column::Date => {
                match parse_date(date).and_then(excel_serial) {
                    Some(serial) => Value::Date(serial),
                    None => text(date.into(), cut),
                }
            }
            Cell::Maybe(Some(url)) if column == Column::Url && links && is_link(url) => {
                Value::Link(url)
            }
            Cell::Text(t) | Cell::Maybe(Some(t)) => text(t.into(), cut),
            Cell::Maybe(None) => Value::Empty,
            Cell::Names(names) => text(joined(names.iter().copied()).into(), cut),
            Cell::Spans(spans) => text(joined(spans.names()).into(), cut),
        }
    }

    /// The column width this value asks for, in characters (within the cap).
    pub fn width(&self) -> usize {
        match self {
            Value::Empty | Value::Number(_) => 0,
            Value::Date(_) => DATE_WIDTH,
            Value::Link(t) => chars_within(t, MAX_WIDTH),
            Value::Text(t) => chars_within(t, MAX_WIDTH),
        }
    }
}

/// The characters of `t`, or `cap` if it has more.
fn chars_within(t: &str, cap: usize) -> usize {
    // No character takes more than 4 bytes.
    if t.len() >= cap * 4 {
        return cap;
    }
    let lead_bytes = t.bytes().filter(|b| (b & 0xC0) != 0x80).count();
    lead_bytes.min(cap)
}

/// `names` joined with [`JOIN`].
fn joined<'n>(names: impl Iterator<Item = &'n str>) -> String {
    let mut out = String::new();
    for (i, name) in names.enumerate() {
        if i > 0 {
            out.push_str(JOIN);
        }
        out.push_str(name);
    }
    out
}

/// A score as the CSV writes it, to four decimals.
fn score(s: f32) -> f64 {
    let scaled = s as f64 * 1e4;
    if scaled.is_finite() && scaled.abs() < 1e15 {
        scaled.round_ties_even() / 1e4
    } else {
        s as f64
    }
}

/// The first width of each column: its header's, with room for the filter
/// button.
pub fn header_widths(columns: &[Column]) -> Vec<usize> {
    columns.iter().map(|c| c.name().len() + 2).collect()
}

/// The width a column is given, from the widest of its values.
pub fn column_width(widest: usize) -> f64 {
    widest.min(MAX_WIDTH) as f64
}

/// Rows whose URLs are links: Excel keeps [`MAX_LINKS`] in a sheet, so the
/// URLs of later rows are text. (By row, not by link counted, so that rows
/// made apart agree.)
pub fn link_rows(columns: &[Column]) -> usize {
    let urls = columns.iter().filter(|c| **c == Column::Url).count();
    MAX_LINKS / urls.max(1)
}

/// An http(s) URL Excel can link to.
fn is_link(url: &str) -> bool {
    (url.starts_with("http://") || url.starts_with("https://"))
        && (url.len() <= MAX_URL || url.encode_utf16().count() <= MAX_URL)
}

/// `text` cut to Excel's [`MAX_CELL`] UTF-16 units, ending in the
/// [`CUT_MARK`]; None when it fits.
pub fn fit(text: &str) -> Option<String> {
    if text.len() <= MAX_CELL || text.encode_utf16().count() <= MAX_CELL {
        return None;
    }
    let keep = MAX_CELL - CUT_MARK.len();
    let mut units = 0;
    let end = text
        .char_indices()
        .find(|(_, ch)| {
            units += ch.len_utf16();
            units > keep
        })
        .map_or(text.len(), |(i, _)| i);
    Some(format!("{}{CUT_MARK}", &text[..end]))
}

/// Seconds since 1970 as an Excel serial date (days since 1899-12-31, its
/// fraction the time of day, with Excel's 29 February 1900), for the years
/// Excel has: 1900 to 9999.
pub fn excel_serial(secs: i64) -> Option<f64> {
    // 1900-01-01, 1900-03-01 and 10000-01-01 in seconds since 1970.
    const FIRST: i64 = -2_208_988_800;
    const MARCH_1900: i64 = -2_203_891_200;
    const END: i64 = 253_402_300_800;
    if !(FIRST..END).contains(&secs) {
        return None;
    }
    let days = secs as f64 / 86_400.0;
    Some(
        days + if secs >= MARCH_1900 {
            25_569.0
        } else {
            25_568.0
        },
    )
}

/// Only the characters Excel allows in a sheet name, at most 31 of them.
pub fn sheet_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .take(MAX_SHEET_NAME)
        .collect();
    let clean = clean.trim_matches('\'').to_string();
    if clean.is_empty() {
        "query".into()
    } else {
        clean
    }
}

/// [`sheet_name`] of `name`, made unique among `taken` (Excel compares
/// sheet names without case) and kept off the names Excel reserves and
/// the provenance sheet's.
pub fn unique_sheet_name(name: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let base = sheet_name(name);
    let mut candidate = base.clone();
    let mut n = 1;
    loop {
        let key = candidate.to_lowercase();
        if !matches!(key.as_str(), "history" | "provenance") && taken.insert(key) {
            return candidate;
        }
        n += 1;
        let suffix = format!(" ({n})");
        let keep: String = base.chars().take(MAX_SHEET_NAME - suffix.len()).collect();
        candidate = format!("{keep}{suffix}");
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The first sheet's XML, from a workbook.
    pub fn sheet_xml(workbook: impl std::io::Read + std::io::Seek) -> String {
        let mut zip = ::zip::ZipArchive::new(workbook).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
            &mut xml,
        )
        .unwrap();
        xml
    }

    #[test]
    fn sheet_names_are_excel_safe_and_unique() {
        let mut taken = std::collections::HashSet::new();
        let long = "x".repeat(40);
        let names: Vec<String> = [
            "q1",
            "Q1",
            "a/b:c?",
            "History",
            "provenance",
            "",
            &long,
            &long,
        ]
        .iter()
        .map(|n| unique_sheet_name(n, &mut taken))
        .collect();
        assert_eq!(
            names[..6],
            [
                "q1",
                "Q1 (2)",
                "a_b_c_",
                "History (2)",
                "provenance (2)",
                "query"
            ]
        );
        assert_eq!(names[6], "x".repeat(31));
        assert_eq!(names[7], format!("{} (2)", "x".repeat(27)));
    }

    #[test]
    fn widths_count_characters_up_to_the_cap() {
        assert_eq!(chars_within("Шойгу", 60), 5);
        assert_eq!(chars_within(&"é".repeat(59), 60), 59);
        assert_eq!(chars_within(&"é".repeat(61), 60), 60);
        assert_eq!(chars_within(&"x".repeat(500), 60), 60);
        assert_eq!(joined(["a", "b"].into_iter()), "a; b");
    }

    #[test]
    fn more_hits_than_a_sheet_holds_are_refused() {
        assert!(fits(MAX_ROWS).is_ok());
        assert_eq!(
            fits(MAX_ROWS + 1).unwrap_err().to_string(),
            "--format xlsx: 1048576 hits, more than the 1048575 rows an Excel sheet holds; export them as CSV (--format csv)"
        );
    }

    #[test]
    fn serial_dates_keep_excels_1900_leap_day() {
        // 2024-03-05 10:30 UTC, 1969-12-31 23:59:59, 1900-03-01, 1900-01-01.
        assert_eq!(excel_serial(1_709_634_600), Some(45_356.437_5));
        assert_eq!(excel_serial(-1), Some(25_569.0 - 1.0 / 86_400.0));
        assert_eq!(excel_serial(-2_203_891_200), Some(61.0));
        assert_eq!(excel_serial(-2_208_988_800), Some(1.0));
        assert_eq!(excel_serial(-2_208_988_801), None);
        assert_eq!(excel_serial(253_402_300_800), None);
    }

    #[test]
    fn cells_become_values() {
        let mut cut = 0;
        let url = "https://example.org/a?b=1&c=2";
        assert_eq!(
            Value::of(Column::Url, &Cell::Maybe(Some(url)), true, &mut cut),
            Value::Link(url)
        );
        assert!(matches!(
            Value::of(Column::Url, &Cell::Maybe(Some(url)), false, &mut cut),
            Value::Text(_)
        ));
        assert!(matches!(
            Value::of(Column::Url, &Cell::Maybe(Some("ftp://x")), true, &mut cut),
            Value::Text(_)
        ));
        assert_eq!(
            Value::of(
                Column::Date,
                &Cell::Maybe(Some("2024-03-05")),
                true,
                &mut cut
            ),
            Value::Date(45_356.0)
        );
        assert_eq!(
            Value::of(Column::Title, &Cell::Text(""), true, &mut cut),
            Value::Empty
        );
        assert_eq!(
            Value::of(Column::Score, &Cell::Score(12.345_67), true, &mut cut),
            Value::Number(12.3457)
        );
        assert_eq!(cut, 0);
        let long = "é".repeat(40_000);
        let Value::Text(short) = Value::of(Column::Title, &Cell::Text(&long), true, &mut cut)
        else {
            panic!("text");
        };
        assert_eq!(cut, 1);
        assert_eq!(short.encode_utf16().count(), MAX_CELL);
        assert!(short.ends_with(" [cut]"));
    }
}
