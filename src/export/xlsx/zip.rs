//! The zip container of a workbook, for entries compressed apart: raw
//! deflate streams that end in a sync flush join into one stream (the last
//! one finished), and their CRCs combine, so a sheet's parts can be
//! compressed on every core and written in order. ZIP64 records are used
//! only where a size or offset needs them (Excel is said to refuse them
//! where they are not needed).

use std::io::{self, Write};

use flate2::{Compress, Compression, FlushCompress, Status};

/// Compression level: the fastest, for a somewhat larger file.
const LEVEL: u32 = 1;
/// 1980-01-01, the earliest date a zip entry has (entries are not dated,
/// so that the same hits make the same file).
const DOS_DATE: u16 = (1 << 5) | 1;

/// A piece of an entry, compressed: raw deflate data, the CRC and length
/// of what it holds.
pub struct Deflated {
    pub data: Vec<u8>,
    pub crc: crc32fast::Hasher,
    pub len: u64,
}

impl Deflated {
    /// `input` compressed, ending in a sync flush (more pieces follow) or,
    /// `last`, the end of the stream.
    pub fn of(input: &[u8], last: bool) -> io::Result<Deflated> {
        Deflated::into(input, last, Vec::new())
    }

    /// [`Deflated::of`] into `data`'s room (cleared). Each thread keeps its
    /// compressor: a new one's tables cost more page faults than a piece's
    /// compressing.
    pub fn into(input: &[u8], last: bool, mut data: Vec<u8>) -> io::Result<Deflated> {
        thread_local! {
            static COMPRESS: std::cell::RefCell<Compress> =
                std::cell::RefCell::new(Compress::new(Compression::new(LEVEL), false));
        }
        data.clear();
        data.reserve(input.len() / 3 + 1024);
        let flush = if last {
            FlushCompress::Finish
        } else {
            FlushCompress::Sync
        };
        COMPRESS.with_borrow_mut(|c| -> io::Result<()> {
            c.reset();
            loop {
                let read = c.total_in() as usize;
                let status = c
                    .compress_vec(&input[read..], &mut data, flush)
                    .map_err(io::Error::other)?;
                let consumed = c.total_in() as usize == input.len();
                let done = if last {
                    status == Status::StreamEnd
                } else {
                    // A flush is complete once it stops short of the room given.
                    consumed && data.len() < data.capacity()
                };
                if done {
                    return Ok(());
                }
                data.reserve(data.capacity().max(4096));
            }
        })?;
        let mut crc = crc32fast::Hasher::new();
        crc.update(input);
        Ok(Deflated {
            data,
            crc,
            len: input.len() as u64,
        })
    }
}

struct Entry {
    name: String,
    crc: u32,
    compressed: u64,
    len: u64,
    offset: u64,
}

/// A zip file being written, entry by entry, then its directory.
pub struct ZipOut<W: Write> {
    out: W,
    offset: u64,
    entries: Vec<Entry>,
    /// Sizes and offsets from which ZIP64 records are written (lowered in
    /// tests).
    zip64_from: u64,
}

impl<W: Write> ZipOut<W> {
    pub fn new(out: W) -> ZipOut<W> {
        ZipOut {
            out,
            offset: 0,
            entries: Vec::new(),
            zip64_from: u32::MAX as u64,
        }
    }

    #[cfg(test)]
    fn always_zip64(mut self) -> Self {
        self.zip64_from = 0;
        self
    }

    /// An entry of `bytes`, compressed.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let d = Deflated::of(bytes, true)?;
        let crc = d.crc.finalize();
        self.start(name, crc, d.data.len() as u64, d.len)?;
        self.write(&d.data)
    }

    /// Starts an entry whose compressed data (`compressed` bytes, holding
    /// `len` bytes of CRC `crc`) the caller then passes to [`ZipOut::write`].
    pub fn start(&mut self, name: &str, crc: u32, compressed: u64, len: u64) -> io::Result<()> {
        let big = compressed >= self.zip64_from || len >= self.zip64_from;
        let mut h = Vec::with_capacity(64);
        h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        h.extend_from_slice(&(if big { 45u16 } else { 20 }).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes()); // flags
        h.extend_from_slice(&8u16.to_le_bytes()); // deflate
        h.extend_from_slice(&0u16.to_le_bytes()); // time
        h.extend_from_slice(&DOS_DATE.to_le_bytes());
        h.extend_from_slice(&crc.to_le_bytes());
        let (c32, l32) = if big {
            (u32::MAX, u32::MAX)
        } else {
            (compressed as u32, len as u32)
        };
        h.extend_from_slice(&c32.to_le_bytes());
        h.extend_from_slice(&l32.to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&(if big { 20u16 } else { 0 }).to_le_bytes());
        h.extend_from_slice(name.as_bytes());
        if big {
            h.extend_from_slice(&1u16.to_le_bytes());
            h.extend_from_slice(&16u16.to_le_bytes());
            h.extend_from_slice(&len.to_le_bytes());
            h.extend_from_slice(&compressed.to_le_bytes());
        }
        self.entries.push(Entry {
            name: name.to_string(),
            crc,
            compressed,
            len,
            offset: self.offset,
        });
        self.write(&h)
    }

    /// Writes an entry's compressed data.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// Copies an entry's compressed data from `from`.
    pub fn copy(&mut self, from: &mut impl io::Read) -> io::Result<()> {
        self.offset += io::copy(from, &mut self.out)?;
        Ok(())
    }

    /// Writes the central directory and hands the output back, flushed.
    pub fn finish(mut self) -> io::Result<W> {
        let start = self.offset;
        let mut cd = Vec::new();
        for e in &self.entries {
            let sizes_big = e.compressed >= self.zip64_from || e.len >= self.zip64_from;
            let offset_big = e.offset >= self.zip64_from;
            let mut extra = Vec::new();
            if sizes_big {
                extra.extend_from_slice(&e.len.to_le_bytes());
                extra.extend_from_slice(&e.compressed.to_le_bytes());
            }
            if offset_big {
                extra.extend_from_slice(&e.offset.to_le_bytes());
            }
            let big = sizes_big || offset_big;
            cd.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            let version: u16 = if big { 45 } else { 20 };
            cd.extend_from_slice(&version.to_le_bytes()); // made by
            cd.extend_from_slice(&version.to_le_bytes()); // needed
            cd.extend_from_slice(&0u16.to_le_bytes());
            cd.extend_from_slice(&8u16.to_le_bytes());
            cd.extend_from_slice(&0u16.to_le_bytes());
            cd.extend_from_slice(&DOS_DATE.to_le_bytes());
            cd.extend_from_slice(&e.crc.to_le_bytes());
            let size = |n: u64| if sizes_big { u32::MAX } else { n as u32 };
            cd.extend_from_slice(&size(e.compressed).to_le_bytes());
            cd.extend_from_slice(&size(e.len).to_le_bytes());
            cd.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            let extra_len = if big { extra.len() as u16 + 4 } else { 0 };
            cd.extend_from_slice(&extra_len.to_le_bytes());
            cd.extend_from_slice(&[0; 6]); // comment, disk, internal attributes
            cd.extend_from_slice(&0u32.to_le_bytes()); // external attributes
            let offset = if offset_big {
                u32::MAX
            } else {
                e.offset as u32
            };
            cd.extend_from_slice(&offset.to_le_bytes());
            cd.extend_from_slice(e.name.as_bytes());
            if big {
                cd.extend_from_slice(&1u16.to_le_bytes());
                cd.extend_from_slice(&(extra.len() as u16).to_le_bytes());
                cd.extend_from_slice(&extra);
            }
        }
        let n = self.entries.len() as u64;
        let size = cd.len() as u64;
        let big = start >= self.zip64_from || size >= self.zip64_from;
        if big {
            let record = self.offset + size;
            cd.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            cd.extend_from_slice(&44u64.to_le_bytes());
            cd.extend_from_slice(&45u16.to_le_bytes());
            cd.extend_from_slice(&45u16.to_le_bytes());
            cd.extend_from_slice(&[0; 8]); // this disk, the directory's
            cd.extend_from_slice(&n.to_le_bytes());
            cd.extend_from_slice(&n.to_le_bytes());
            cd.extend_from_slice(&size.to_le_bytes());
            cd.extend_from_slice(&start.to_le_bytes());
            cd.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            cd.extend_from_slice(&0u32.to_le_bytes());
            cd.extend_from_slice(&record.to_le_bytes());
            cd.extend_from_slice(&1u32.to_le_bytes());
        }
        cd.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        cd.extend_from_slice(&[0; 4]);
        cd.extend_from_slice(&(n as u16).to_le_bytes());
        cd.extend_from_slice(&(n as u16).to_le_bytes());
        let (size32, start32) = if big {
            (u32::MAX, u32::MAX)
        } else {
            (size as u32, start as u32)
        };
        cd.extend_from_slice(&size32.to_le_bytes());
        cd.extend_from_slice(&start32.to_le_bytes());
        cd.extend_from_slice(&0u16.to_le_bytes());
        self.write(&cd)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An entry made of pieces compressed apart, and a small one, read
    /// back by the zip crate, with and without ZIP64 records.
    #[test]
    fn pieces_join_into_one_entry() {
        let text: Vec<u8> = (0..50_000u32)
            .flat_map(|i| format!("<row r=\"{i}\">{}</row>", i * 7).into_bytes())
            .collect();
        for zip64 in [false, true] {
            let mut z = ZipOut::new(Vec::new());
            if zip64 {
                z = z.always_zip64();
            }
            z.add("small.xml", b"<a/>").unwrap();
            let mut pieces: Vec<Deflated> = text
                .chunks(100_000)
                .map(|c| Deflated::of(c, false).unwrap())
                .collect();
            pieces.push(Deflated::of(b"", true).unwrap());
            let mut crc = crc32fast::Hasher::new();
            for p in &pieces {
                crc.combine(&p.crc);
            }
            let compressed: usize = pieces.iter().map(|p| p.data.len()).sum();
            let len: u64 = pieces.iter().map(|p| p.len).sum();
            z.start("big.xml", crc.finalize(), compressed as u64, len)
                .unwrap();
            for p in &pieces {
                z.write(&p.data).unwrap();
            }
            let bytes = z.finish().unwrap();
            let mut archive = ::zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
            let mut read = Vec::new();
            io::Read::read_to_end(&mut archive.by_name("big.xml").unwrap(), &mut read).unwrap();
            assert!(read == text, "zip64 {zip64}");
            let mut small = String::new();
            io::Read::read_to_string(&mut archive.by_name("small.xml").unwrap(), &mut small)
                .unwrap();
            assert_eq!(small, "<a/>");
        }
    }
}
