//! Build script: `data/ner/model.bin` (the shipped entity model, deflate)
//! in, the same model body re-compressed with LZ4 and the hash that names
//! the model's version out (in `OUT_DIR`), for `src/analyze/model.rs` to
//! embed. Inflating the model took some 60 ms of every run that tags, on
//! one core before any other work could start (2% of indexing the
//! benchmark corpus); LZ4 reads it back in a fraction of that.

use std::io::Read;
use std::path::PathBuf;

/// `analyze::model::MAGIC`: a model file starts with it.
const MAGIC: &[u8; 8] = b"NDXNER\0\x01";

fn main() {
    let src = "data/ner/model.bin";
    println!("cargo:rerun-if-changed={src}");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let file = std::fs::read(src).unwrap_or_else(|e| panic!("reading {src}: {e}"));
    // An empty file (a build before any model was trained) embeds nothing.
    let (packed, hash) = if file.is_empty() {
        (Vec::new(), 0)
    } else {
        let rest = file
            .strip_prefix(MAGIC.as_slice())
            .unwrap_or_else(|| panic!("{src} is not a newsdex model file (bad header)"));
        let mut body = Vec::new();
        flate2::read::ZlibDecoder::new(rest)
            .read_to_end(&mut body)
            .unwrap_or_else(|e| panic!("{src} is not a newsdex model file ({e})"));
        (
            lz4_flex::compress_prepend_size(&body),
            xxhash_rust::xxh3::xxh3_64(&file),
        )
    };
    std::fs::write(out.join("model.lz4"), packed).expect("writing OUT_DIR/model.lz4");
    std::fs::write(out.join("model.hash"), format!("{hash:#018x}u64"))
        .expect("writing OUT_DIR/model.hash");
}
