//! A workbook of one sheet of hits and its provenance sheet, from rows
//! made and compressed apart ([`Part`]s, in order). The compressed rows
//! wait in a file without a name until the last, as the sheet's XML starts
//! with what only the last row settles (its size, the column widths); then
//! the workbook is written whole, beside its path and renamed over it
//! ([`file::write_replacing`]).

use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use super::column_width;
use super::sheet::{SheetRows, escape_attr, escape_text, push_int};
use super::zip::{Deflated, ZipOut};
use crate::error::Error;
use crate::export::columns::Column;
use crate::export::file;

/// A run of rows, compressed, with what the sheet needs to know of them.
pub struct Part {
    deflated: Deflated,
    widths: Vec<usize>,
    cut: u64,
    links: Vec<(String, String)>,
    rows: usize,
}

impl Part {
    /// The rows of `rows`, compressed into `room`; its buffer is handed
    /// back cleared, for the next run.
    pub fn of(rows: SheetRows, room: Vec<u8>) -> std::io::Result<(Part, Vec<u8>)> {
        let deflated = Deflated::into(&rows.xml, false, room)?;
        let count = rows.rows();
        let mut xml = rows.xml;
        xml.clear();
        let part = Part {
            deflated,
            rows: count,
            widths: rows.widths,
            cut: rows.cut,
            links: rows.links,
        };
        Ok((part, xml))
    }
}

/// The workbook being written.
pub struct Book {
    /// Where the workbook goes.
    path: PathBuf,
    /// The compressed rows so far, in a file without a name, or with this
    /// one where files open cannot lose their names.
    rows_path: Option<PathBuf>,
    rows_file: Option<BufWriter<File>>,
    crc: crc32fast::Hasher,
    len: u64,
    compressed: u64,
    columns: Vec<Column>,
    widths: Vec<usize>,
    links: Vec<(String, String)>,
    rows: usize,
    /// Cells cut at Excel's limit.
    pub cut: u64,
}

impl Book {
    /// A workbook to be written at `path`, of rows of `columns`.
    pub fn create(path: &Path, columns: &[Column]) -> crate::Result<Book> {
        let rows_path = beside(path, ".rows.partial");
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&rows_path)
            .map_err(|e| Error::io(&rows_path, e))?;
        // Nameless from now on where the system allows (so that nothing is
        // left behind, whatever happens); else removed when done.
        let named = std::fs::remove_file(&rows_path).is_err();
        Ok(Book {
            path: path.to_path_buf(),
            rows_path: named.then_some(rows_path),
            rows_file: Some(BufWriter::with_capacity(1 << 20, file)),
            crc: crc32fast::Hasher::new(),
            len: 0,
            compressed: 0,
            widths: super::header_widths(columns),
            columns: columns.to_vec(),
            links: Vec::new(),
            rows: 0,
            cut: 0,
        })
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Adds the next run of rows, and hands back the room its compressed
    /// data took.
    pub fn add(&mut self, part: Part) -> std::io::Result<Vec<u8>> {
        if let Some(rows) = &mut self.rows_file {
            rows.write_all(&part.deflated.data)?;
        }
        self.crc.combine(&part.deflated.crc);
        self.len += part.deflated.len;
        self.compressed += part.deflated.data.len() as u64;
        for (w, p) in self.widths.iter_mut().zip(&part.widths) {
            *w = (*w).max(*p);
        }
        self.links.extend(part.links);
        self.cut += part.cut;
        self.rows += part.rows;
        Ok(part.deflated.data)
    }

    /// Writes the workbook with its provenance sheet of `meta`, and returns
    /// the cells cut at Excel's limit.
    pub fn finish(mut self, meta: &serde_json::Value) -> anyhow::Result<u64> {
        let mut rows = self.rows_file.take().map(BufWriter::into_inner);
        let result = match &mut rows {
            Some(Ok(rows)) => file::write_replacing(&self.path, |out| self.write(out, meta, rows)),
            Some(Err(e)) => Err(anyhow::anyhow!("{}", e.error())),
            None => Ok(()),
        };
        // Freeing the rows' blocks is the close's work: on a thread of its own.
        if let Some(Ok(rows)) = rows {
            let _ = std::thread::Builder::new().spawn(move || drop(rows));
        }
        result?;
        Ok(self.cut)
    }

    fn write<W: Write>(
        &self,
        out: W,
        meta: &serde_json::Value,
        rows: &mut File,
    ) -> anyhow::Result<W> {
        let mut zip = ZipOut::new(out);
        let links = !self.links.is_empty();
        zip.add("[Content_Types].xml", content_types().as_bytes())?;
        zip.add("_rels/.rels", ROOT_RELS.as_bytes())?;
        zip.add("xl/workbook.xml", &workbook(self.rows, self.columns.len()))?;
        zip.add("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes())?;
        zip.add("xl/styles.xml", STYLES.as_bytes())?;
        zip.add("xl/worksheets/sheet2.xml", &provenance(meta))?;
        if links {
            zip.add(
                "xl/worksheets/_rels/sheet1.xml.rels",
                &link_rels(&self.links),
            )?;
        }
        let head = Deflated::of(&self.head(), false)?;
        let tail = Deflated::of(&self.tail(), true)?;
        let mut crc = head.crc.clone();
        crc.combine(&self.crc);
        crc.combine(&tail.crc);
        let compressed = head.data.len() as u64 + self.compressed + tail.data.len() as u64;
        let len = head.len + self.len + tail.len;
        zip.start("xl/worksheets/sheet1.xml", crc.finalize(), compressed, len)?;
        zip.write(&head.data)?;
        rows.rewind()?;
        zip.copy(rows)?;
        zip.write(&tail.data)?;
        Ok(zip.finish()?)
    }

    /// The sheet's XML up to its first row of hits.
    fn head(&self) -> Vec<u8> {
        let mut x = Vec::with_capacity(4096);
        x.extend_from_slice(XML_DECL.as_bytes());
        x.extend_from_slice(WORKSHEET_OPEN.as_bytes());
        x.extend_from_slice(b"<dimension ref=\"");
        x.extend_from_slice(range(self.rows, self.columns.len()).as_bytes());
        x.extend_from_slice(b"\"/><sheetViews><sheetView tabSelected=\"1\" workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/><selection pane=\"bottomLeft\"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/><cols>");
        for (c, w) in self.widths.iter().enumerate() {
            x.extend_from_slice(b"<col min=\"");
            push_int(&mut x, c as u64 + 1);
            x.extend_from_slice(b"\" max=\"");
            push_int(&mut x, c as u64 + 1);
            // Excel's width of n characters of Calibri 11 with its padding.
            let width = format!("{}", column_width(*w) + 0.7109375);
            x.extend_from_slice(b"\" width=\"");
            x.extend_from_slice(width.as_bytes());
            x.extend_from_slice(b"\" customWidth=\"1\"/>");
        }
        x.extend_from_slice(b"</cols><sheetData>");
        x.extend_from_slice(&SheetRows::header(&self.columns));
        x
    }

    /// The sheet's XML after its last row: the filter, the links.
    fn tail(&self) -> Vec<u8> {
        let mut x = Vec::with_capacity(64 + self.links.len() * 40);
        x.extend_from_slice(b"</sheetData><autoFilter ref=\"");
        x.extend_from_slice(range(self.rows, self.columns.len()).as_bytes());
        x.extend_from_slice(b"\"/>");
        if !self.links.is_empty() {
            x.extend_from_slice(b"<hyperlinks>");
            for (i, (cell, _)) in self.links.iter().enumerate() {
                x.extend_from_slice(b"<hyperlink ref=\"");
                x.extend_from_slice(cell.as_bytes());
                x.extend_from_slice(b"\" r:id=\"rId");
                push_int(&mut x, i as u64 + 1);
                x.extend_from_slice(b"\"/>");
            }
            x.extend_from_slice(b"</hyperlinks>");
        }
        x.extend_from_slice(PAGE_MARGINS.as_bytes());
        x.extend_from_slice(b"</worksheet>");
        x
    }
}

impl Drop for Book {
    fn drop(&mut self) {
        if let Some(path) = &self.rows_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// `path` with `suffix` added to its name.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The cells of the header and `rows` rows of `columns` columns: "A1:I201".
fn range(rows: usize, columns: usize) -> String {
    let last = super::sheet::column_letters(columns.saturating_sub(1));
    format!("A1:{last}{}", rows + 1)
}

const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const WORKSHEET_OPEN: &str = "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">";
const PAGE_MARGINS: &str = "<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/>";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const ROOT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>";
const WORKBOOK_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet2.xml\"/><Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>";
/// Styles as [`super::sheet`] numbers them: 0 plain, 1 bold (the header),
/// 2 a date, 3 a link (blue, underlined).
const STYLES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd hh:mm:ss\"/></numFmts><fonts count=\"3\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font><font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font><font><u/><sz val=\"11\"/><color rgb=\"FF0563C1\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts><fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills><borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs><cellXfs count=\"4\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/><xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/><xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/><xf numFmtId=\"0\" fontId=\"2\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs><cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles><dxfs count=\"0\"/><tableStyles count=\"0\"/></styleSheet>";

/// The parts' types (a sheet's relationships are covered by the `rels`
/// default).
fn content_types() -> String {
    let sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml";
    format!(
        "{XML_DECL}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"{sheet}\"/><Override PartName=\"/xl/worksheets/sheet2.xml\" ContentType=\"{sheet}\"/></Types>"
    )
}

/// The workbook part: the sheets "hits" and "provenance", and the hidden
/// name Excel keeps the filter's range in.
fn workbook(rows: usize, columns: usize) -> Vec<u8> {
    let last = super::sheet::column_letters(columns.saturating_sub(1));
    format!(
        "{XML_DECL}<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"{REL}\"><bookViews><workbookView/></bookViews><sheets><sheet name=\"hits\" sheetId=\"1\" r:id=\"rId1\"/><sheet name=\"provenance\" sheetId=\"2\" r:id=\"rId2\"/></sheets><definedNames><definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"0\" hidden=\"1\">hits!$A$1:${last}${}</definedName></definedNames></workbook>",
        rows + 1
    )
    .into_bytes()
}

/// The link targets of the sheet, numbered as its `<hyperlink>`s.
fn link_rels(links: &[(String, String)]) -> Vec<u8> {
    let mut x = Vec::with_capacity(200 + links.len() * 160);
    x.extend_from_slice(XML_DECL.as_bytes());
    x.extend_from_slice(
        b"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    );
    for (i, (_, url)) in links.iter().enumerate() {
        x.extend_from_slice(b"<Relationship Id=\"rId");
        push_int(&mut x, i as u64 + 1);
        x.extend_from_slice(b"\" Type=\"");
        x.extend_from_slice(REL.as_bytes());
        x.extend_from_slice(b"/hyperlink\" Target=\"");
        escape_attr(&mut x, url);
        x.extend_from_slice(b"\" TargetMode=\"External\"/>");
    }
    x.extend_from_slice(b"</Relationships>");
    x
}

/// The provenance sheet: a row per key of `meta` (the JSON a hit list's
/// `.meta.json` holds), numbers as numbers, nested values as JSON text.
fn provenance(meta: &serde_json::Value) -> Vec<u8> {
    let mut x = Vec::with_capacity(4096);
    x.extend_from_slice(XML_DECL.as_bytes());
    x.extend_from_slice(WORKSHEET_OPEN.as_bytes());
    x.extend_from_slice(b"<cols><col min=\"1\" max=\"1\" width=\"18.7109375\" customWidth=\"1\"/><col min=\"2\" max=\"2\" width=\"80.7109375\" customWidth=\"1\"/></cols><sheetData>");
    let cell = |x: &mut Vec<u8>, r: &str, text: &str, style: &str| {
        x.extend_from_slice(format!("<c r=\"{r}\"{style} t=\"inlineStr\"><is><t>").as_bytes());
        escape_text(x, text);
        x.extend_from_slice(b"</t></is></c>");
    };
    x.extend_from_slice(b"<row r=\"1\">");
    cell(&mut x, "A1", "key", " s=\"1\"");
    cell(&mut x, "B1", "value", " s=\"1\"");
    x.extend_from_slice(b"</row>");
    let empty = serde_json::Map::new();
    for (i, (k, v)) in meta.as_object().unwrap_or(&empty).iter().enumerate() {
        let r = i + 2;
        x.extend_from_slice(format!("<row r=\"{r}\">").as_bytes());
        cell(&mut x, &format!("A{r}"), k, "");
        match v {
            serde_json::Value::Null => {}
            serde_json::Value::String(s) => cell(&mut x, &format!("B{r}"), s, ""),
            serde_json::Value::Number(n) => x.extend_from_slice(
                format!("<c r=\"B{r}\"><v>{}</v></c>", n.as_f64().unwrap_or(0.0)).as_bytes(),
            ),
            other => cell(&mut x, &format!("B{r}"), &other.to_string(), ""),
        }
        x.extend_from_slice(b"</row>");
    }
    x.extend_from_slice(b"</sheetData>");
    x.extend_from_slice(PAGE_MARGINS.as_bytes());
    x.extend_from_slice(b"</worksheet>");
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::rows::{Cell, RowSink};
    use calamine::{Data, Reader, Xlsx, open_workbook};

    const COLUMNS: [Column; 5] = [
        Column::Url,
        Column::Rank,
        Column::Score,
        Column::Date,
        Column::Title,
    ];

    /// Rows that test what a cell becomes: links and text that is not
    /// one, dates in and out of Excel's years, text Excel would read
    /// otherwise (escapes, control characters, edge spaces), empty cells,
    /// and a cell cut at Excel's limit.
    fn rows(long: &str) -> Vec<[Cell<'_>; 5]> {
        vec![
            [
                Cell::Maybe(Some("https://example.org/a?b=1&c=\"2\"")),
                Cell::Rank(1),
                Cell::Score(12.345_67),
                Cell::Date(1_709_634_600),
                Cell::Text("Erdoğan meets Шойгу <b>&</b>"),
            ],
            [
                Cell::Maybe(Some("not a link")),
                Cell::Rank(2),
                Cell::Score(0.0),
                Cell::Date(-2_208_988_801),
                Cell::Text(" _x0041_ a\tb\r\nc\u{1} "),
            ],
            [
                Cell::Maybe(None),
                Cell::Rank(3),
                Cell::Score(-1.5),
                Cell::Maybe(Some("2024-03-06")),
                Cell::Text(long),
            ],
            [
                Cell::Maybe(Some("http://x.org/")),
                Cell::Rank(4),
                Cell::Score(1.0),
                Cell::Maybe(Some("no date")),
                Cell::Text(""),
            ],
        ]
    }

    fn cells(path: &Path) -> Vec<Vec<Data>> {
        let mut book: Xlsx<_> = open_workbook(path).unwrap();
        let range = book.worksheet_range("hits").unwrap();
        range.rows().map(|r| r.to_vec()).collect()
    }

    #[test]
    fn the_same_cells_as_the_plain_writer() {
        let dir = std::env::temp_dir().join(format!("newsdex-book-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let long = "é".repeat(40_000);
        let rows = rows(&long);
        let meta = serde_json::json!({"query": "q", "hits": 4, "filters": {"a": 1}, "none": null});

        let plain_path = dir.join("plain.xlsx");
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let mut sheet = super::super::Sheet::new(&mut workbook, "hits", &COLUMNS).unwrap();
        for row in &rows {
            sheet.write_cells(row).unwrap();
        }
        let plain_cut = sheet.cut;
        sheet.finish(&mut workbook).unwrap();
        super::super::provenance_sheet(&mut workbook, &meta).unwrap();
        super::super::save(&mut workbook, &plain_path).unwrap();

        // Rows made in two runs, as export's chunks are.
        let path = dir.join("fast.xlsx");
        let mut book = Book::create(&path, &COLUMNS).unwrap();
        for (first, run) in [(2, &rows[..1]), (3, &rows[1..])] {
            let mut sheet = SheetRows::new(&COLUMNS, first, Vec::new());
            for row in run {
                sheet.write_cells(row).unwrap();
            }
            book.add(Part::of(sheet, Vec::new()).unwrap().0).unwrap();
        }
        assert_eq!(book.finish(&meta).unwrap(), 1);
        assert_eq!(plain_cut, 1);

        let (want, got) = (cells(&plain_path), cells(&path));
        assert_eq!(got.len(), 5);
        assert_eq!(got, want);
        assert_eq!(got[2][4], Data::String(" _x0041_ a\tb\r\nc\u{1} ".into()));
        assert!(matches!(got[1][3], Data::DateTime(_)));
        assert_eq!(got[2][3], Data::String("1899-12-31T23:59:59Z".into()));

        let mut book: Xlsx<_> = open_workbook(&path).unwrap();
        let provenance = book.worksheet_range("provenance").unwrap();
        let pairs: Vec<String> = provenance
            .rows()
            .map(|r| format!("{}={}", r[0], r[1]))
            .collect();
        assert_eq!(
            pairs,
            [
                "key=value",
                "query=q",
                "hits=4",
                "filters={\"a\":1}",
                "none="
            ]
        );

        let xml = super::super::tests::sheet_xml(File::open(&path).unwrap());
        for part in [
            "<autoFilter ref=\"A1:E5\"/>",
            "state=\"frozen\"",
            "<hyperlink ref=\"A2\" r:id=\"rId1\"/><hyperlink ref=\"A5\" r:id=\"rId2\"/>",
            // The widest title is cut at 60 characters; the url column
            // fits its longest link.
            "<col min=\"5\" max=\"5\" width=\"60.7109375\"",
            "<col min=\"1\" max=\"1\" width=\"31.7109375\"",
        ] {
            assert!(xml.contains(part), "{part}: {}", &xml[..1500]);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
