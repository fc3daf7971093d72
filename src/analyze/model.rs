//! The entity model file: weights and lexicon in, compressed bytes out, and
//! back. The shipped model is embedded in the binary from
//! `data/ner/model.bin` (re-packed with LZ4 by `build.rs`); its version is a
//! hash of that file's bytes.

use std::io::{Read, Write};
use std::sync::{Arc, OnceLock};

use super::lexicon::Lexicon;
use super::ner::{
    Doc, Label, NLABELS, Weights, WordCache, aggregate, decode_with, redecode, rereads,
    static_scores,
};
use crate::error::{Error, Result};

/// A model file starts with this (then a zlib stream); `build.rs` has a copy.
const MAGIC: &[u8; 8] = b"NDXNER\0\x01";

/// How a model's weights are read into labels: raised whenever the same
/// model comes to tag differently (2: the second pass reads again only the
/// sentences with a token the document disagrees with; 3: only the tokens
/// around it, [`rereads`]; 4: numbers are O unless a name is open,
/// [`super::ner::obviously_outside`]), so that indexing the same records
/// again re-tags them instead of keeping labels made the old way.
pub const TAGGING: u32 = 4;

/// Tags prepared tokens: first pass, then the stacked pass, if there is one,
/// over the tokens it may change ([`rereads`]).
pub fn tag_infos(
    w1: &Weights,
    w2: Option<&Weights>,
    infos: &[super::ner::TokenInfo],
    sentences: &[usize],
    cache: Option<&mut WordCache>,
) -> Vec<Label> {
    let (p1, p2) = match cache {
        Some(c) => {
            let [p1, p2] = &mut c.parts;
            (Some(p1), Some(p2))
        }
        None => (None, None),
    };
    match w2 {
        None => {
            let fixed = static_scores(w1, infos, sentences, p1, None);
            decode_with(&mut &*w1, infos, sentences, None, Some(&fixed))
        }
        Some(w2) => {
            let fixed1 = static_scores(w1, infos, sentences, p1, None);
            let first = decode_with(&mut &*w1, infos, sentences, None, Some(&fixed1));
            let agg = aggregate(infos, sentences, &first);
            // The second pass only where the document disagrees with the
            // first: most tokens are not read again, so tagging is faster
            // than with a full second pass.
            let reread = rereads(sentences, &agg, &first);
            if !reread.contains(&true) {
                return first;
            }
            let fixed2 = static_scores(w2, infos, sentences, p2, Some(&reread));
            redecode(&mut &*w2, infos, sentences, &agg, &fixed2, &reread, &first)
        }
    }
}

/// The model shipped inside the binary: the body of `data/ner/model.bin`,
/// LZ4-compressed by `build.rs` (empty in a build made before any model
/// was trained).
static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/model.lz4"));

/// The hash of `data/ner/model.bin` as written ([`Model::version`]).
const EMBEDDED_HASH: u64 = include!(concat!(env!("OUT_DIR"), "/model.hash"));

/// A trained tagger: weights plus the lexicon its features read.
pub struct Model {
    pub weights: Weights,
    /// Second, stacked pass (reads first-pass labels), if trained.
    pub weights2: Option<Weights>,
    pub lexicon: Lexicon,
    /// `ner-` and 12 hex digits of a hash of the model bytes.
    pub version: String,
    /// How the model was trained (JSON), for `newsdex stats` and humans.
    pub info: String,
    /// Each tagging thread's [`WordCache`] for this model's lexicon.
    pub cache: TagCache,
}

/// One [`WordCache`] per thread that tags with a model.
#[derive(Default)]
pub struct TagCache(thread_local::ThreadLocal<std::cell::RefCell<WordCache>>);

impl Model {
    /// The model embedded in the binary, loaded once.
    pub fn embedded() -> Result<Arc<Model>> {
        static MODEL: OnceLock<std::result::Result<Arc<Model>, String>> = OnceLock::new();
        MODEL
            .get_or_init(|| {
                if EMBEDDED.is_empty() {
                    return Err(
                        "this build has no embedded model (data/ner/model.bin is empty); \
                                train one with `newsdex ner train` or pass --model FILE"
                            .into(),
                    );
                }
                let body = lz4_flex::decompress_size_prepended(EMBEDDED)
                    .map_err(|e| format!("the embedded model is damaged ({e})"))?;
                Model::from_body(&body, EMBEDDED_HASH)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(Error::Model)
    }

    /// Loads a model file, or the embedded model when `path` is None.
    pub fn load(path: Option<&std::path::Path>) -> Result<Arc<Model>> {
        match path {
            None => Model::embedded(),
            Some(p) => {
                let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
                Model::from_bytes(&bytes)
                    .map(Arc::new)
                    .map_err(|e| Error::Model(format!("{}: {e}", p.display())))
            }
        }
    }

    /// Tags one document of words with sentence starts.
    pub fn tag(&self, doc: &Doc<'_>) -> Vec<Label> {
        self.tag_with_infos(doc).0
    }

    /// [`Model::tag`], also giving what the tagger knew of each token.
    pub fn tag_with_infos(&self, doc: &Doc<'_>) -> (Vec<Label>, Vec<super::ner::TokenInfo>) {
        let mut cache = self.cache.0.get_or_default().borrow_mut();
        let infos = doc.infos_with(&self.lexicon, &mut cache);
        let labels = tag_infos(
            &self.weights,
            self.weights2.as_ref(),
            &infos,
            &doc.sentences,
            Some(&mut cache),
        );
        (labels, infos)
    }

    /// Gives back the infos [`Model::tag_with_infos`] returned, once done
    /// with, for the next document tagged on this thread to reuse.
    pub fn recycle(&self, infos: Vec<super::ner::TokenInfo>) {
        if let Some(cache) = self.cache.0.get() {
            cache.borrow_mut().recycle(infos);
        }
    }

    /// Serialises the model (deflate-compressed, weights as 16-bit integers).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = Vec::new();
        put_str(&mut body, &self.info);
        put_weights(&mut body, &self.weights);
        // Lexicon, in sorted order so the same model gives the same bytes.
        let lex = &self.lexicon;
        let mut clusters: Vec<_> = lex.clusters.iter().collect();
        clusters.sort();
        put_u32(&mut body, clusters.len() as u32);
        for (word, ids) in clusters {
            put_str(&mut body, word);
            for id in ids {
                body.extend_from_slice(&id.to_le_bytes());
            }
        }
        let mut casing: Vec<_> = lex.casing.iter().collect();
        casing.sort();
        put_u32(&mut body, casing.len() as u32);
        for (lower, (bucket, form)) in casing {
            put_str(&mut body, lower);
            body.push(*bucket);
            put_str(&mut body, if form == lower { "" } else { form });
        }
        let mut gaz: Vec<_> = lex.gazetteer.iter().collect();
        gaz.sort();
        put_u32(&mut body, gaz.len() as u32);
        put_u32(&mut body, lex.gazetteer_max as u32);
        for (key, types) in gaz {
            body.extend_from_slice(&key.to_le_bytes());
            body.push(*types);
        }
        body.push(self.weights2.is_some() as u8);
        if let Some(w2) = &self.weights2 {
            put_weights(&mut body, w2);
        }
        // Last, so that a binary from before it was written ignores it.
        if !lex.gazetteer_words.is_empty() {
            let mut words: Vec<u64> = lex.gazetteer_words.iter().copied().collect();
            words.sort_unstable();
            put_u32(&mut body, words.len() as u32);
            for w in words {
                body.extend_from_slice(&w.to_le_bytes());
            }
        }
        let mut out = Vec::with_capacity(body.len() / 2);
        out.extend_from_slice(MAGIC);
        let mut enc = flate2::write::ZlibEncoder::new(out, flate2::Compression::new(6));
        // Writing into a Vec cannot fail.
        let _ = enc.write_all(&body);
        enc.finish().unwrap_or_default()
    }

    /// Reads a model from bytes written by [`Model::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Model> {
        let bad = |what: &str| Error::Model(format!("not a newsdex model file ({what})"));
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| bad("bad header"))?;
        let mut body = Vec::with_capacity(rest.len() * 3);
        flate2::read::ZlibDecoder::new(rest)
            .read_to_end(&mut body)
            .map_err(|e| bad(&e.to_string()))?;
        Model::from_body(&body, xxhash_rust::xxh3::xxh3_64(bytes))
    }

    /// Reads a model from the body of a model file (inflated) and the hash
    /// of the file's bytes, which names the model's version.
    fn from_body(body: &[u8], hash: u64) -> Result<Model> {
        let bad = |what: &str| Error::Model(format!("not a newsdex model file ({what})"));
        let mut r = Reader { b: body, at: 0 };
        let info = r.str().ok_or_else(|| bad("truncated"))?;
        let w1 = WeightBytes::read(&mut r).ok_or_else(|| bad("truncated weights"))?;
        // Each weights table is built on a thread of its own while the
        // lexicon is read: filling a table of 32 MB, mostly the kernel
        // zeroing its pages, takes about as long as reading the lexicon.
        let mut gazetteer_words = Ok(Default::default());
        let (weights, lexicon, weights2) = std::thread::scope(|s| {
            let first = s.spawn(|| w1.build());
            let lexicon = read_lexicon(&mut r);
            let second = match lexicon.as_ref().ok().and(r.take(1)) {
                Some([1]) => Some(
                    WeightBytes::read(&mut r)
                        .map(|w2| s.spawn(move || w2.build()))
                        .ok_or("truncated second-pass weights"),
                ),
                _ => None,
            };
            if lexicon.is_ok() {
                gazetteer_words = read_gazetteer_words(&mut r);
            }
            let join = |h: std::thread::ScopedJoinHandle<'_, Weights>| {
                h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
            };
            (join(first), lexicon, second.map(|w2| w2.map(join)))
        });
        let mut lexicon = lexicon.map_err(bad)?;
        let weights2 = weights2.transpose().map_err(bad)?;
        lexicon.gazetteer_words = gazetteer_words.map_err(bad)?;
        Ok(Model {
            weights,
            weights2,
            lexicon,
            version: format!("ner-{:012x}", hash >> 16),
            info,
            cache: Default::default(),
        })
    }
}

/// Weights: one scale for all, sorted keys, each weight as i16.
fn put_weights(body: &mut Vec<u8>, weights: &Weights) {
    body.extend_from_slice(&weights.scale().to_le_bytes());
    let mut rows: Vec<(u64, &[i16; NLABELS])> = weights.rows().collect();
    rows.sort_unstable_by_key(|r| r.0);
    put_u32(body, rows.len() as u32);
    for (key, _) in &rows {
        body.extend_from_slice(&key.to_le_bytes());
    }
    for (_, row) in &rows {
        for w in row.iter() {
            body.extend_from_slice(&w.to_le_bytes());
        }
    }
}

/// A weights section as [`put_weights`] wrote it, not yet made a table.
struct WeightBytes<'a> {
    scale: f32,
    /// 8 bytes per row.
    keys: &'a [u8],
    /// [`NLABELS`] little-endian i16 per row.
    rows: &'a [u8],
}

impl<'a> WeightBytes<'a> {
    fn read(r: &mut Reader<'a>) -> Option<WeightBytes<'a>> {
        let scale = f32::from_le_bytes(r.take(4)?.try_into().ok()?);
        let n = r.u32()? as usize;
        let keys = r.take(n.checked_mul(8)?)?;
        let rows = r.take(n.checked_mul(NLABELS * 2)?)?;
        Some(WeightBytes { scale, keys, rows })
    }

    fn build(&self) -> Weights {
        let rows = self
            .keys
            .chunks_exact(8)
            .zip(self.rows.chunks_exact(NLABELS * 2))
            .map(|(k, w)| {
                let key = u64::from_le_bytes(k.try_into().unwrap_or_default());
                let row = std::array::from_fn(|l| i16::from_le_bytes([w[2 * l], w[2 * l + 1]]));
                (key, row)
            });
        Weights::from_quantized(self.scale, rows)
    }
}

/// The words of the gazetteer's names, if the file goes on (files written
/// before this section was added end after the second pass).
fn read_gazetteer_words(
    r: &mut Reader<'_>,
) -> std::result::Result<rustc_hash::FxHashSet<u64>, &'static str> {
    if r.at == r.b.len() {
        return Ok(Default::default());
    }
    let n = r.u32().ok_or("truncated gazetteer words")? as usize;
    let bytes = r
        .take(n.checked_mul(8).ok_or("truncated gazetteer words")?)
        .ok_or("truncated gazetteer words")?;
    Ok(bytes
        .chunks_exact(8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
        .collect())
}

/// The lexicon section: clusters, casing, gazetteer.
fn read_lexicon(r: &mut Reader<'_>) -> std::result::Result<Lexicon, &'static str> {
    let mut lexicon = Lexicon::default();
    let n = r.u32().ok_or("truncated clusters")?;
    for _ in 0..n {
        let word = r.str().ok_or("truncated clusters")?;
        let ids = r.take(6).ok_or("truncated clusters")?;
        let id = |k: usize| u16::from_le_bytes([ids[2 * k], ids[2 * k + 1]]);
        lexicon.clusters.insert(word, [id(0), id(1), id(2)]);
    }
    let n = r.u32().ok_or("truncated casing")?;
    for _ in 0..n {
        let lower = r.str().ok_or("truncated casing")?;
        let bucket = r.take(1).ok_or("truncated casing")?[0];
        let form = r.str().ok_or("truncated casing")?;
        let form = if form.is_empty() { lower.clone() } else { form };
        lexicon.casing.insert(lower, (bucket, form));
    }
    let n = r.u32().ok_or("truncated gazetteer")?;
    lexicon.gazetteer_max = r.u32().ok_or("truncated gazetteer")? as usize;
    for _ in 0..n {
        let e = r.take(9).ok_or("truncated gazetteer")?;
        let key = u64::from_le_bytes(e[..8].try_into().unwrap_or_default());
        lexicon.gazetteer.insert(key, e[8]);
    }
    Ok(lexicon)
}

fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn str(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::EntityType;
    use crate::analyze::ner::hash_str;

    fn small_model() -> Model {
        let rows: Vec<(u64, [f32; NLABELS])> = (1..200u64)
            .map(|k| {
                let mut r = [0f32; NLABELS];
                r[(k % 17) as usize] = k as f32 / 10.0;
                (hash_str(&k.to_string()), r)
            })
            .collect();
        let mut lexicon = Lexicon::default();
        lexicon.clusters.insert("Moscow".into(), [1, 2, 3]);
        lexicon.casing.insert("moscow".into(), (5, "Moscow".into()));
        lexicon.casing.insert("said".into(), (1, "said".into()));
        lexicon.add_name(EntityType::Location, &["new".into(), "york".into()]);
        Model {
            weights: Weights::from_rows(rows.clone()),
            weights2: Some(Weights::from_rows(rows[..10].to_vec())),
            lexicon,
            version: String::new(),
            info: "{\"test\":true}".into(),
            cache: Default::default(),
        }
    }

    #[test]
    fn save_load_round_trip() {
        let model = small_model();
        let bytes = model.to_bytes();
        assert_eq!(bytes, model.to_bytes(), "same model, same bytes");
        let back = Model::from_bytes(&bytes).unwrap();
        assert_eq!(back.info, model.info);
        assert_eq!(back.weights.len(), 199);
        assert_eq!(back.weights2.as_ref().map(Weights::len), Some(10));
        for k in 1..200u64 {
            let row = back.weights.row(hash_str(&k.to_string())).unwrap();
            let got = row[(k % 17) as usize] as f32 * back.weights.scale();
            assert!((got - k as f32 / 10.0).abs() < 0.01);
        }
        for (w, back) in [
            (&model.weights, &back.weights),
            (
                model.weights2.as_ref().unwrap(),
                back.weights2.as_ref().unwrap(),
            ),
        ] {
            let mut rows: Vec<_> = w.rows().collect();
            let mut got: Vec<_> = back.rows().collect();
            rows.sort();
            got.sort();
            assert_eq!(got, rows);
            assert_eq!(back.scale(), w.scale());
        }
        assert_eq!(back.lexicon.clusters["Moscow"], [1, 2, 3]);
        assert_eq!(back.lexicon.casing["moscow"], (5, "Moscow".into()));
        assert_eq!(back.lexicon.casing["said"], (1, "said".into()));
        assert_eq!(back.lexicon.gazetteer, model.lexicon.gazetteer);
        assert_eq!(back.lexicon.gazetteer_words, model.lexicon.gazetteer_words);
        assert_eq!(back.lexicon.gazetteer_words.len(), 2);
        assert!(back.version.starts_with("ner-"));
        assert!(Model::from_bytes(b"garbage").is_err());
        assert!(Model::from_bytes(&bytes[..bytes.len() / 2]).is_err());
    }

    /// The embedded model (LZ4, from `build.rs`) is `data/ner/model.bin`
    /// read the usual way: same version, info and tables.
    #[test]
    fn the_embedded_model_is_the_model_file() {
        let file =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/ner/model.bin")).unwrap();
        if file.is_empty() {
            return;
        }
        let (embedded, read) = (
            Model::embedded().unwrap(),
            Model::from_bytes(&file).unwrap(),
        );
        assert_eq!(embedded.version, read.version);
        assert_eq!(embedded.info, read.info);
        let rows = |w: &Weights| w.rows().map(|(k, r)| (k, *r)).collect::<Vec<_>>();
        assert_eq!(rows(&embedded.weights), rows(&read.weights));
        let second = |m: &Model| m.weights2.as_ref().map(rows);
        assert_eq!(second(&embedded), second(&read));
        assert_eq!(embedded.lexicon.clusters, read.lexicon.clusters);
        assert_eq!(embedded.lexicon.casing, read.lexicon.casing);
        assert_eq!(embedded.lexicon.gazetteer, read.lexicon.gazetteer);
        assert_eq!(
            embedded.lexicon.gazetteer_words,
            read.lexicon.gazetteer_words
        );
    }

    /// A model file whose contents stop anywhere is an error, never a
    /// panic, except where a model without a second pass ends, and where
    /// one written before the gazetteer's words were kept ends.
    #[test]
    fn truncated_models_are_errors() {
        let model = small_model();
        let mut body = Vec::new();
        flate2::read::ZlibDecoder::new(&model.to_bytes()[MAGIC.len()..])
            .read_to_end(&mut body)
            .unwrap();
        // The gazetteer's words: count and two hashes.
        let words_at = body.len() - (4 + 2 * 8);
        assert_eq!(body[words_at..words_at + 4], 2u32.to_le_bytes());
        // The second pass: its flag byte, scale, row count, 10 rows.
        let flag_at = words_at - (1 + 4 + 4 + 10 * (8 + NLABELS * 2));
        assert_eq!(body[flag_at], 1);
        for cut in 0..=body.len() {
            let mut file = MAGIC.to_vec();
            let mut enc = flate2::write::ZlibEncoder::new(&mut file, flate2::Compression::fast());
            enc.write_all(&body[..cut]).unwrap();
            enc.finish().unwrap();
            match Model::from_bytes(&file) {
                Ok(m) if cut == flag_at => assert!(m.weights2.is_none()),
                Ok(m) if cut == words_at => {
                    assert_eq!(m.weights2.map(|w| w.len()), Some(10));
                    assert!(m.lexicon.gazetteer_words.is_empty());
                }
                Ok(m) if cut == body.len() => {
                    assert_eq!(m.weights2.map(|w| w.len()), Some(10));
                    assert_eq!(m.lexicon.gazetteer_words, model.lexicon.gazetteer_words);
                }
                Ok(_) => panic!("a model cut at {cut} of {} bytes loaded", body.len()),
                Err(e) => assert!(e.to_string().contains("not a newsdex model file"), "{e}"),
            }
        }
    }
}
