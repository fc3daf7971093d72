//! The plain workbook writer: rows through rust_xlsxwriter, a row at a
//! time, in its constant-memory mode (each row to a temporary file, so
//! memory does not grow with the number of hits).

use std::path::Path;

use rust_xlsxwriter::{Format as CellFormat, Workbook, Worksheet, XlsxError};

use super::{Value, column_width, header_widths, link_rows, sheet_name};
use crate::export::columns::Column;
use crate::export::rows::{Cell, RowSink};

/// One sheet of rows being written.
pub struct Sheet {
    sheet: Worksheet,
    columns: Vec<Column>,
    /// The next row (0 is the header).
    row: u32,
    widths: Vec<usize>,
    /// Rows whose URLs are links.
    link_rows: usize,
    /// Cells cut at Excel's limit.
    pub cut: u64,
    date: CellFormat,
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
            widths: header_widths(columns),
            link_rows: link_rows(columns),
            columns: columns.to_vec(),
            row: 1,
            cut: 0,
            date: CellFormat::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
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
            self.sheet.set_column_width(c as u16, column_width(*w))?;
        }
        workbook.push_worksheet(self.sheet);
        Ok(())
    }

    fn cell(&mut self, col: u16, value: &Value<'_>) -> Result<(), XlsxError> {
        let row = self.row;
        let c = col as usize;
        self.widths[c] = self.widths[c].max(value.width());
        match value {
            Value::Empty => {}
            Value::Number(n) => {
                self.sheet.write_number(row, col, *n)?;
            }
            Value::Date(serial) => {
                self.sheet
                    .write_number_with_format(row, col, *serial, &self.date)?;
            }
            Value::Link(url) => {
                self.sheet.write_url(row, col, *url)?;
            }
            Value::Text(text) => {
                self.sheet.write_string(row, col, text.as_ref())?;
            }
        }
        Ok(())
    }
}

impl RowSink for Sheet {
    fn columns(&self) -> &[Column] {
        &self.columns
    }

    fn write_cells(&mut self, cells: &[Cell<'_>]) -> std::io::Result<()> {
        let links = (self.row as usize) <= self.link_rows;
        for (c, (cell, column)) in cells.iter().zip(self.columns.clone()).enumerate() {
            let value = Value::of(column, cell, links, &mut self.cut);
            self.cell(c as u16, &value).map_err(std::io::Error::other)?;
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
        let bytes = workbook.save_to_buffer().unwrap();
        let xml = super::super::tests::sheet_xml(std::io::Cursor::new(bytes));
        assert!(xml.contains("<hyperlinks><hyperlink ref=\"A2\""), "{xml}");
        assert!(!xml.contains("ref=\"A3\" r:id"), "text is not a link");
        assert!(xml.contains("<autoFilter ref=\"A1:C3\"/>"));
        assert!(xml.contains("state=\"frozen\""));
        // 2024-03-05 10:30 UTC as an Excel serial date, and 1969-12-31 23:59:59.
        assert!(xml.contains("<v>45356.4375</v>"), "{xml}");
        assert!(xml.contains("<v>25568.99998842"), "{xml}");
        let cut = format!("{} [cut]", "é".repeat(super::super::MAX_CELL - 6));
        assert!(xml.contains(&cut));
    }
}
