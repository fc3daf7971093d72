//! Writing an export to a file: the kernel asked to write its pages to
//! disk as they come ([`Writeback`]), and the file it replaces held open
//! across the rename, to be closed on a thread of its own ([`Replaced`]);
//! a file is written beside its target and renamed over it when complete
//! ([`write_replacing`]), its provenance beside it ([`write_sidecar`]).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::error::Error;

/// A file that has the kernel start writing its pages to disk every
/// [`Writeback::STEP`] bytes written, so that the `fsync` ending an export
/// waits for the last few MB only, not for all of them, and the writing is
/// no slower.
/// A hint: where it is not supported (not Linux, not a regular file), it
/// does nothing, and the fsync still decides what is durable.
pub struct Writeback {
    file: std::fs::File,
    written: u64,
    started: u64,
}

impl Writeback {
    const STEP: u64 = 4 << 20;

    pub fn new(file: std::fs::File) -> Writeback {
        Writeback {
            file,
            written: 0,
            started: 0,
        }
    }

    /// The file, everything written to it.
    pub fn into_inner(self) -> std::fs::File {
        self.file
    }

    fn start(&self, offset: u64, len: u64) {
        crate::util::sys::start_writeback(&self.file, offset, len);
    }
}

impl Write for Writeback {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= Self::STEP {
            self.start(self.started, self.written - self.started);
            self.started = self.written;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// The file an export replaces, held open across the rename so that the
/// rename does not free it: freeing a file's blocks and pages is the
/// unlink's work when it removes the last name of a closed file (mostly
/// waiting for the disk, where the file system discards freed blocks at
/// once).
/// [`Replaced::release`] closes it on a thread of its own instead, while
/// the export's thread writes the sidecar and frees its memory.
pub struct Replaced(Option<std::fs::File>);

impl Replaced {
    /// Opens the regular file at `path`, if there is one (only to hold it).
    pub fn hold(path: &std::path::Path) -> Replaced {
        Replaced(
            std::fs::File::open(path)
                .ok()
                .filter(|f| f.metadata().is_ok_and(|m| m.is_file())),
        )
    }

    /// Closes it on another thread (here if no thread can be started).
    pub fn release(self) {
        if let Some(file) = self.0 {
            let _ = std::thread::Builder::new().spawn(move || drop(file));
        }
    }
}

/// Writes a file through `write`, beside its target first (`NAME.partial`)
/// and renamed over it when complete and synced to disk, so a failed
/// write never leaves a file that looks whole. `write` is given the file
/// buffered and hands it back with everything written.
pub fn write_replacing(
    path: &Path,
    write: impl FnOnce(BufWriter<Writeback>) -> anyhow::Result<BufWriter<Writeback>>,
) -> anyhow::Result<()> {
    let tmp = path.with_extension(format!(
        "{}.partial",
        path.extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let out = BufWriter::with_capacity(1 << 16, Writeback::new(file));
    let result = write(out)
        .and_then(|f| f.into_inner().map_err(|e| anyhow::anyhow!("{}", e.error())))
        .and_then(|f| f.into_inner().sync_all().map_err(anyhow::Error::from))
        .with_context(|| format!("writing {}", path.display()));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let replaced = Replaced::hold(path);
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
    replaced.release();
    Ok(())
}

/// `hits.csv` -> `hits.csv.meta.json`.
pub fn meta_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".meta.json");
    name.into()
}

/// Writes a hit list's provenance beside it (`FILE.meta.json`).
pub fn write_sidecar(path: &Path, meta: &serde_json::Value) -> anyhow::Result<()> {
    let sidecar = meta_path(path);
    let text = serde_json::to_string_pretty(meta)? + "\n";
    std::fs::write(&sidecar, text).map_err(|e| Error::io(&sidecar, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writeback_writes_every_byte_in_order() {
        let path = std::env::temp_dir().join(format!("newsdex-writeback-{}", std::process::id()));
        let data: Vec<u8> = (0..9_500_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut w = Writeback::new(std::fs::File::create(&path).unwrap());
        for piece in data.chunks(1_234_567) {
            w.write_all(piece).unwrap();
        }
        // Writeback was started after the 4th piece and after the last.
        assert_eq!(w.started, data.len() as u64);
        let file = w.into_inner();
        file.sync_all().unwrap();
        let back = std::fs::read(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(back == data);
    }
}
