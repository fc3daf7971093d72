//! Hit lists as Excel workbooks: a sheet of rows with the same columns and
//! order as CSV (dates as date cells, URLs as links, entity lists in one
//! cell joined with "; "), its header frozen and filterable and its columns
//! sized to their content, and a second sheet with the provenance. Sheets
//! are written in rust_xlsxwriter's constant-memory mode: a row at a time to
//! a temporary file, so memory does not grow with the number of hits.

use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook, Worksheet, XlsxError};

use super::columns::Column;
use super::rows::{Cell, JOIN, RowSink};
use crate::ingest::date::parse_date;

/// Rows of hits a sheet holds: Excel's 1,048,576 rows less the header.
pub const MAX_ROWS: usize = 1_048_575;
/// The most UTF-16 units Excel keeps in a cell.
const MAX_CELL: usize = 32_767;
/// What ends a cell cut at [`MAX_CELL`].
const CUT_MARK: &str = " [cut]";
/// The most hyperlinks Excel keeps in a sheet; later URLs are plain text.
const MAX_LINKS: usize = 65_530;
/// Column widths, in characters: at least the header's, at most this.
const MAX_WIDTH: usize = 60;
/// Excel's longest sheet name.
const MAX_SHEET_NAME: usize = 31;

/// One sheet of rows being written.
pub struct Sheet {
    sheet: Worksheet,
    columns: Vec<Column>,
    /// The next row (0 is the header).
    row: u32,
    widths: Vec<usize>,
    links: usize,
    /// Cells cut at Excel's limit.
    pub cut: u64,
    date: CellFormat,
    text: String,
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

impl Sheet {
    /// A sheet named `name` with a bold header row of `columns`, frozen.
    pub fn new(
        workbook: &mut Workbook,
        name: &str,
        columns: &[Column],
    ) -> Result<Sheet, XlsxError> {
        let mut sheet = workbook.new_worksheet_with_constant_memory()?;
        sheet.set_name(sheet_name(name))?;
        let bold = CellFormat::new().set_bold();
        for (c, column) in columns.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, column.name(), &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(Sheet {
            sheet,
            widths: columns.iter().map(|c| c.name().len() + 2).collect(),
            columns: columns.to_vec(),
            row: 1,
            links: 0,
            cut: 0,
            date: CellFormat::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            text: String::new(),
        })
    }

    /// Rows written so far, the header aside.
    pub fn rows(&self) -> usize {
        self.row as usize - 1
    }

    /// Sets the autofilter over the rows written and the column widths, and
    /// hands the sheet to `workbook`.
    pub fn finish(mut self, workbook: &mut Workbook) -> Result<(), XlsxError> {
        let last = self.columns.len().saturating_sub(1) as u16;
        self.sheet.autofilter(0, 0, self.row - 1, last)?;
        for (c, w) in self.widths.iter().enumerate() {
            self.sheet
                .set_column_width(c as u16, *w.min(&MAX_WIDTH) as f64)?;
        }
        workbook.push_worksheet(self.sheet);
        Ok(())
    }

    fn string(&mut self, col: u16, text: &str) -> Result<(), XlsxError> {
        let (row, c) = (self.row, col as usize);
        let fits = text.len() <= MAX_CELL || text.encode_utf16().count() <= MAX_CELL;
        let text = if fits {
            text
        } else {
            self.cut += 1;
            let mut units = 0;
            let keep = MAX_CELL - CUT_MARK.len();
            let end = text
                .char_indices()
                .find(|(_, ch)| {
                    units += ch.len_utf16();
                    units > keep
                })
                .map_or(text.len(), |(i, _)| i);
            self.text.clear();
            self.text.push_str(&text[..end]);
            self.text.push_str(CUT_MARK);
            &self.text
        };
        let width = text.chars().take(MAX_WIDTH).count();
        self.widths[c] = self.widths[c].max(width);
        if !text.is_empty() {
            self.sheet.write_string(row, col, text)?;
        }
        Ok(())
    }

    fn cell(&mut self, col: u16, column: Column, cell: &Cell<'_>) -> Result<(), XlsxError> {
        let row = self.row;
        match *cell {
            Cell::Score(s) => {
                self.sheet.write_number(row, col, s as f64)?;
            }
            Cell::Rank(r) => {
                self.sheet.write_number(row, col, r as f64)?;
            }
            Cell::Date(secs) => self.date(col, secs)?,
            Cell::Maybe(Some(date)) if column == Column::Date => match parse_date(date) {
                Some(secs) => self.date(col, secs)?,
                None => self.string(col, date)?,
            },
            Cell::Maybe(Some(url))
                if column == Column::Url
                    && self.links < MAX_LINKS
                    && (url.starts_with("http://") || url.starts_with("https://"))
                    && url.encode_utf16().count() <= 2_079 =>
            {
                self.links += 1;
                self.widths[col as usize] = self.widths[col as usize].max(url.chars().count());
                self.sheet.write_url(row, col, url)?;
            }
            Cell::Text(t) | Cell::Maybe(Some(t)) => self.string(col, t)?,
            Cell::Maybe(None) => {}
            Cell::Names(names) => {
                let joined = names.join(JOIN);
                self.string(col, &joined)?;
            }
            Cell::Spans(spans) => {
                let joined: Vec<&str> = spans.names().collect();
                let joined = joined.join(JOIN);
                self.string(col, &joined)?;
            }
        }
        Ok(())
    }

    fn date(&mut self, col: u16, secs: i64) -> Result<(), XlsxError> {
        let c = col as usize;
        self.widths[c] = self.widths[c].max(19);
        match ExcelDateTime::from_timestamp(secs) {
            Ok(d) => {
                self.sheet
                    .write_datetime_with_format(self.row, col, d, &self.date)?;
                Ok(())
            }
            // Outside Excel's years (1900-9999): the RFC 3339 text.
            Err(_) => self.string(col, &crate::ingest::date::format_rfc3339(secs)),
        }
    }
}

impl RowSink for Sheet {
    fn columns(&self) -> &[Column] {
        &self.columns
    }

    fn write_cells(&mut self, cells: &[Cell<'_>]) -> std::io::Result<()> {
        for (c, (cell, column)) in cells.iter().zip(self.columns.clone()).enumerate() {
            self.cell(c as u16, column, cell)
                .map_err(std::io::Error::other)?;
        }
        self.row += 1;
        Ok(())
    }
}

/// A sheet named "provenance": a row per key of `meta` (the JSON a hit
/// list's `.meta.json` holds), nested values as JSON text.
pub fn provenance_sheet(
    workbook: &mut Workbook,
    meta: &serde_json::Value,
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name("provenance")?;
    let bold = CellFormat::new().set_bold();
    sheet.write_string_with_format(0, 0, "key", &bold)?;
    sheet.write_string_with_format(0, 1, "value", &bold)?;
    let mut row = 1;
    if let Some(map) = meta.as_object() {
        for (k, v) in map {
            sheet.write_string(row, 0, k)?;
            match v {
                serde_json::Value::String(s) => sheet.write_string(row, 1, s)?,
                serde_json::Value::Number(n) => {
                    sheet.write_number(row, 1, n.as_f64().unwrap_or(0.0))?
                }
                serde_json::Value::Null => sheet,
                other => sheet.write_string(row, 1, other.to_string())?,
            };
            row += 1;
        }
    }
    sheet.set_column_width(0, 18)?;
    sheet.set_column_width(1, 80)?;
    Ok(())
}

/// Saves `workbook` beside `path` and renames it over `path` once complete.
pub fn save(workbook: &mut Workbook, path: &Path) -> anyhow::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = std::path::PathBuf::from(tmp);
    workbook
        .save(&tmp)
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| crate::error::Error::io(path, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// The sheet's XML, from a workbook saved to memory.
    fn sheet_xml(workbook: &mut Workbook) -> String {
        let bytes = workbook.save_to_buffer().unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
            &mut xml,
        )
        .unwrap();
        xml
    }

    #[test]
    fn links_dates_and_long_cells() {
        let mut workbook = Workbook::new();
        let columns = [Column::Url, Column::Date, Column::Title];
        let mut sheet = Sheet::new(&mut workbook, "hits", &columns).unwrap();
        let long = "é".repeat(40_000);
        sheet
            .write_cells(&[
                Cell::Maybe(Some("https://example.org/a?b=1&c=2")),
                Cell::Date(1_709_634_600),
                Cell::Text(&long),
            ])
            .unwrap();
        sheet
            .write_cells(&[
                Cell::Maybe(Some("not a link")),
                Cell::Date(-1),
                Cell::Text("x"),
            ])
            .unwrap();
        assert_eq!((sheet.rows(), sheet.cut), (2, 1));
        sheet.finish(&mut workbook).unwrap();
        let xml = sheet_xml(&mut workbook);
        assert!(xml.contains("<hyperlinks><hyperlink ref=\"A2\""), "{xml}");
        assert!(!xml.contains("ref=\"A3\" r:id"), "text is not a link");
        assert!(xml.contains("<autoFilter ref=\"A1:C3\"/>"));
        assert!(xml.contains("state=\"frozen\""));
        // 2024-03-05 10:30 UTC as an Excel serial date, and 1969-12-31 23:59:59.
        assert!(xml.contains("<v>45356.4375</v>"), "{xml}");
        assert!(xml.contains("<v>25568.99998842"), "{xml}");
        let cut = format!("{} [cut]", "é".repeat(MAX_CELL - CUT_MARK.len()));
        assert!(xml.contains(&cut));
    }
}
