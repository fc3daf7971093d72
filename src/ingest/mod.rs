//! Ingest, the first pipeline stage: paths in (JSON lines, CSV, folders of
//! text files, gzip, stdin), raw records out, each with its file and line;
//! then [`record::parse_record`] turns a raw record into a typed [`Article`]
//! or a rejection reason.
//!
//! Reading is sequential and cheap (split lines, CSV rows, whole files);
//! parsing and validation run later in parallel. Damage that stops a file
//! (a truncated gzip, an unreadable file, a symlink loop) is a [`FileError`];
//! damage in one record becomes a rejected record, and reading goes on.

pub mod date;
pub mod record;

pub use record::{Article, FieldMap, Warning, parse_record};

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// How an input file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line (`.jsonl`, `.ndjson`, stdin).
    Jsonl,
    /// A CSV file with a header row.
    Csv,
    /// A text or Markdown file holding one article.
    Text,
}

/// One input file found from the paths given on the command line.
#[derive(Debug)]
pub struct Input {
    /// Where to read it; `-` is stdin.
    pub path: PathBuf,
    /// The name used in messages and the rejects file.
    pub name: String,
    pub format: Format,
    /// Whether the file is gzip-compressed.
    pub gzip: bool,
    /// For text files: the id, the path relative to the folder given.
    pub rel_id: Option<String>,
    /// Size on disk in bytes (0 for stdin).
    pub size: u64,
}

/// The content of one raw record, not yet parsed.
#[derive(Debug)]
pub enum Payload {
    /// One line of a JSON lines file (maybe not valid UTF-8 or JSON).
    Line(Vec<u8>),
    /// One CSV row with the file's header.
    Csv {
        headers: Arc<[String]>,
        fields: Vec<Vec<u8>>,
    },
    /// A whole text file.
    Text(Vec<u8>),
    /// A record that could not even be read whole (over the size limit).
    Broken { reason: String, raw: String },
}

/// One record as read, with where it came from.
#[derive(Debug)]
pub struct RawRecord {
    pub input: Arc<Input>,
    /// 1-based line where the record starts (1 for text files).
    pub line: u64,
    pub payload: Payload,
}

impl RawRecord {
    /// The record as text, for the rejects file.
    pub fn raw_text(&self) -> String {
        match &self.payload {
            Payload::Line(b) | Payload::Text(b) => String::from_utf8_lossy(b).into_owned(),
            Payload::Csv { fields, .. } => {
                let mut w = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::Any(b'\n'))
                    .from_writer(Vec::new());
                // Writing to a Vec cannot fail.
                let _ = w.write_record(fields);
                let bytes = w.into_inner().unwrap_or_default();
                String::from_utf8_lossy(&bytes).trim_end().to_string()
            }
            Payload::Broken { raw, .. } => raw.clone(),
        }
    }
}

/// A problem that stopped reading (part of) a file.
#[derive(Debug, Clone)]
pub struct FileError {
    pub name: String,
    pub message: String,
}

/// Limits on what is read.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Records (lines, rows, files) longer than this are rejected.
    pub max_record_bytes: usize,
}

/// Default record size limit: 8 MiB.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 8 << 20;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        }
    }
}

/// Expands the command-line paths into input files. A path that does not
/// exist is an error (checked before anything is written). Problems inside
/// folders (unreadable entries, symlink loops) go to `errors`; files of other
/// types inside folders are counted in `skipped`.
pub fn discover(
    paths: &[PathBuf],
    errors: &mut Vec<FileError>,
    skipped: &mut u64,
) -> Result<Vec<Arc<Input>>> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Arc::new(Input {
                path: path.clone(),
                name: "<stdin>".into(),
                format: Format::Jsonl,
                gzip: false,
                rel_id: None,
                size: 0,
            }));
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            walk_dir(path, &mut out, errors, skipped);
        } else {
            let name = path.display().to_string();
            let (format, gzip) = classify(path).ok_or_else(|| {
                Error::Usage(format!(
                    "{name}: unsupported file type (expected .jsonl, .ndjson, .csv, .txt or .md, \
                     optionally .gz, or a folder)"
                ))
            })?;
            let rel_id = (format == Format::Text).then(|| {
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| name.clone())
            });
            out.push(Arc::new(Input {
                path: path.clone(),
                name,
                format,
                gzip,
                rel_id,
                size: meta.len(),
            }));
        }
    }
    Ok(out)
}

fn walk_dir(
    root: &Path,
    out: &mut Vec<Arc<Input>>,
    errors: &mut Vec<FileError>,
    skipped: &mut u64,
) {
    // As ripgrep walks: hidden files and what `.ignore` / `.gitignore`
    // files list are skipped; symbolic links are followed, loops reported.
    let walker = ignore::WalkBuilder::new(root)
        .follow_links(true)
        .hidden(true)
        .parents(false)
        .require_git(true)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let (name, message) = describe_walk_error(root, &e);
                errors.push(FileError { name, message });
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let Some((format, gzip)) = classify(path) else {
            *skipped += 1;
            continue;
        };
        let rel = path.strip_prefix(root).unwrap_or(path);
        let rel_id = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        out.push(Arc::new(Input {
            path: path.to_path_buf(),
            name: path.display().to_string(),
            format,
            gzip,
            rel_id: (format == Format::Text).then_some(rel_id),
            size: entry.metadata().map(|m| m.len()).unwrap_or(0),
        }));
    }
}

/// The path and a plain message for a directory-walk error.
fn describe_walk_error(root: &Path, e: &ignore::Error) -> (String, String) {
    match e {
        ignore::Error::WithPath { path, err } => {
            let (_, msg) = describe_walk_error(root, err);
            (path.display().to_string(), msg)
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            describe_walk_error(root, err)
        }
        ignore::Error::Loop { child, .. } => (
            child.display().to_string(),
            "symbolic link loop, not followed".to_string(),
        ),
        ignore::Error::Io(io) => (root.display().to_string(), io.to_string()),
        other => (root.display().to_string(), other.to_string()),
    }
}

/// The format of a file from its name, or None if we do not read it.
pub fn classify(path: &Path) -> Option<(Format, bool)> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let (stem, gzip) = match name.strip_suffix(".gz") {
        Some(stem) => (stem.to_string(), true),
        None => (name, false),
    };
    let ext = stem.rsplit_once('.').map(|(_, e)| e)?;
    let format = match ext {
        "jsonl" | "ndjson" => Format::Jsonl,
        "csv" => Format::Csv,
        "txt" | "md" | "markdown" => Format::Text,
        _ => return None,
    };
    Some((format, gzip))
}

/// Counts bytes as they are read from the underlying file, for progress.
struct Counting<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn open(input: &Input, counter: &Arc<AtomicU64>) -> io::Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = if input.path.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(&input.path)?)
    };
    let counted = Counting {
        inner: raw,
        counter: counter.clone(),
    };
    Ok(if input.gzip {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, counted)),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, counted))
    })
}

/// Reads every record of `input` and hands it to `sink`; returns false if
/// the sink asked to stop. Problems that stop the file go to `errors`.
pub fn read_input(
    input: &Arc<Input>,
    limits: Limits,
    counter: &Arc<AtomicU64>,
    errors: &mut Vec<FileError>,
    sink: &mut dyn FnMut(RawRecord) -> bool,
) -> bool {
    let fail = |errors: &mut Vec<FileError>, message: String| {
        errors.push(FileError {
            name: input.name.clone(),
            message,
        })
    };
    let reader = match open(input, counter) {
        Ok(r) => r,
        Err(e) => {
            fail(errors, format!("cannot open: {e}"));
            return true;
        }
    };
    match read_from(input, reader, limits, sink) {
        Ok(go_on) => go_on,
        Err((line, e)) => {
            let what = if input.gzip && e.kind() != io::ErrorKind::PermissionDenied {
                "truncated or corrupt gzip stream"
            } else {
                "read error"
            };
            fail(errors, format!("{what} after line {line}: {e}"));
            true
        }
    }
}

/// What stopped a read: the last line read and the error.
pub type ReadResult = std::result::Result<bool, (u64, io::Error)>;

/// Splits what `reader` yields into raw records of `input`'s format (the
/// reading half of [`read_input`], also what the fuzz targets drive).
pub fn read_from(
    input: &Arc<Input>,
    reader: Box<dyn BufRead + Send>,
    limits: Limits,
    sink: &mut dyn FnMut(RawRecord) -> bool,
) -> ReadResult {
    match input.format {
        Format::Jsonl => read_lines(input, reader, limits, sink),
        Format::Csv => read_csv(input, reader, limits, sink),
        Format::Text => read_text(input, reader, limits, sink),
    }
}

fn read_lines(
    input: &Arc<Input>,
    mut reader: Box<dyn BufRead + Send>,
    limits: Limits,
    sink: &mut dyn FnMut(RawRecord) -> bool,
) -> ReadResult {
    let mut line_no = 0u64;
    loop {
        let mut buf = Vec::new();
        let (total, eof) = read_line_capped(&mut reader, &mut buf, limits.max_record_bytes)
            .map_err(|e| (line_no, e))?;
        if total == 0 && eof {
            return Ok(true);
        }
        line_no += 1;
        if line_no == 1 && buf.starts_with(b"\xEF\xBB\xBF") {
            buf.drain(..3);
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        if total > limits.max_record_bytes {
            let record = RawRecord {
                input: input.clone(),
                line: line_no,
                payload: oversize(total, limits, &buf),
            };
            if !sink(record) {
                return Ok(false);
            }
        } else if !buf.iter().all(u8::is_ascii_whitespace) {
            let record = RawRecord {
                input: input.clone(),
                line: line_no,
                payload: Payload::Line(buf),
            };
            if !sink(record) {
                return Ok(false);
            }
        }
        if eof {
            return Ok(true);
        }
    }
}

/// How much of an oversize record is kept for the rejects file.
const OVERSIZE_KEEP: usize = 4096;

fn oversize(total: usize, limits: Limits, kept: &[u8]) -> Payload {
    let head = &kept[..kept.len().min(OVERSIZE_KEEP)];
    Payload::Broken {
        reason: format!(
            "record is {total} bytes, over the limit of {} bytes (--max-record-bytes); \
             only its first {} bytes are kept here",
            limits.max_record_bytes,
            head.len()
        ),
        raw: String::from_utf8_lossy(head).into_owned(),
    }
}

/// Reads one line (with its `\n`) into `buf`, storing at most `cap + 1`
/// bytes; returns the full length of the line and whether input ended.
fn read_line_capped(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<(usize, bool)> {
    let mut total = 0usize;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((total, true));
        }
        let (chunk, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let room = (cap + 1).saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let n = chunk.len();
        total += n;
        reader.consume(n);
        if done {
            return Ok((total, false));
        }
    }
}

fn read_csv(
    input: &Arc<Input>,
    reader: Box<dyn BufRead + Send>,
    limits: Limits,
    sink: &mut dyn FnMut(RawRecord) -> bool,
) -> ReadResult {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(reader);
    let to_io = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::new(io::ErrorKind::InvalidData, format!("{other:?}")),
    };
    let headers: Arc<[String]> = csv
        .byte_headers()
        .map_err(|e| (0, to_io(e)))?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 {
                h.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(h)
            } else {
                h
            };
            String::from_utf8_lossy(h).trim().to_lowercase()
        })
        .collect();
    let mut record = csv::ByteRecord::new();
    let mut last_line = 1;
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => return Ok(true),
            Ok(true) => {}
            Err(e) => return Err((last_line, to_io(e))),
        }
        let line = record.position().map_or(last_line + 1, |p| p.line());
        last_line = line;
        let fields: Vec<Vec<u8>> = record.iter().map(<[u8]>::to_vec).collect();
        let size: usize = fields.iter().map(Vec::len).sum();
        let payload = if size > limits.max_record_bytes {
            let joined = fields.join(&b","[..]);
            oversize(size, limits, &joined)
        } else {
            Payload::Csv {
                headers: headers.clone(),
                fields,
            }
        };
        if !sink(RawRecord {
            input: input.clone(),
            line,
            payload,
        }) {
            return Ok(false);
        }
    }
}

fn read_text(
    input: &Arc<Input>,
    reader: Box<dyn BufRead + Send>,
    limits: Limits,
    sink: &mut dyn FnMut(RawRecord) -> bool,
) -> ReadResult {
    let mut buf = Vec::new();
    let cap = limits.max_record_bytes as u64 + 1;
    let mut limited = reader.take(cap);
    limited.read_to_end(&mut buf).map_err(|e| (0, e))?;
    let payload = if buf.len() as u64 == cap {
        // Count the rest without keeping it.
        let rest = io::copy(&mut limited.into_inner(), &mut io::sink()).map_err(|e| (0, e))?;
        oversize(buf.len() + rest as usize, limits, &buf)
    } else {
        if buf.starts_with(b"\xEF\xBB\xBF") {
            buf.drain(..3);
        }
        Payload::Text(buf)
    };
    Ok(sink(RawRecord {
        input: input.clone(),
        line: 1,
        payload,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, format: Format) -> Arc<Input> {
        Arc::new(Input {
            path: name.into(),
            name: name.into(),
            format,
            gzip: false,
            rel_id: None,
            size: 0,
        })
    }

    fn lines(text: &[u8], max: usize) -> Vec<(u64, String)> {
        let inp = input("t.jsonl", Format::Jsonl);
        let mut out = Vec::new();
        let reader: Box<dyn BufRead + Send> = Box::new(io::Cursor::new(text.to_vec()));
        read_lines(
            &inp,
            reader,
            Limits {
                max_record_bytes: max,
            },
            &mut |r| {
                let s = match r.payload {
                    Payload::Line(b) => String::from_utf8_lossy(&b).into_owned(),
                    Payload::Broken { reason, .. } => format!("BROKEN {reason}"),
                    _ => unreachable!(),
                };
                out.push((r.line, s));
                true
            },
        )
        .unwrap();
        out
    }

    #[test]
    fn lines_strip_bom_crlf_and_skip_blank() {
        let got = lines(b"\xEF\xBB\xBF{\"a\":1}\r\n\r\n  \n{\"b\":2}", 100);
        assert_eq!(got, [(1, "{\"a\":1}".into()), (4, "{\"b\":2}".into())]);
    }

    #[test]
    fn overlong_line_is_broken_and_reading_goes_on() {
        let got = lines(b"0123456789abcdef\n{}\n", 8);
        assert_eq!(got.len(), 2);
        assert!(
            got[0].1.starts_with("BROKEN record is 17 bytes"),
            "{}",
            got[0].1
        );
        assert_eq!(got[1], (2, "{}".into()));
    }

    #[test]
    fn classify_by_extension() {
        assert_eq!(
            classify(Path::new("a.jsonl.gz")),
            Some((Format::Jsonl, true))
        );
        assert_eq!(classify(Path::new("A.CSV")), Some((Format::Csv, false)));
        assert_eq!(
            classify(Path::new("x/readme.md")),
            Some((Format::Text, false))
        );
        assert_eq!(classify(Path::new("x.pdf")), None);
        assert_eq!(classify(Path::new("Makefile")), None);
    }
}
