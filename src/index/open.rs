//! Opening and creating an index: the tantivy index, its field handles, and
//! the newsdex metadata file beside it (schema and model versions, checked
//! on open).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::{Index, Searcher, TantivyError};

use crate::error::{Error, Result};
use crate::schema::{Fields, SchemaDecl};

/// The newsdex metadata file inside an index directory.
pub const META_FILE: &str = "newsdex.json";

/// What an index records about how it was built.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IndexMeta {
    pub schema_version: u32,
    /// Version of the entity model used (`none` when built without entities).
    pub model_version: String,
    pub newsdex_version: String,
}

/// An open index with its field handles.
pub struct NewsIndex {
    pub index: Index,
    pub fields: Fields,
    pub meta: IndexMeta,
    pub dir: PathBuf,
}

fn read_meta(dir: &Path) -> Result<IndexMeta> {
    let path = dir.join(META_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::BadMeta {
        path,
        reason: e.to_string(),
    })
}

pub(super) fn write_meta(dir: &Path, meta: &IndexMeta) -> Result<()> {
    let path = dir.join(META_FILE);
    let tmp = dir.join(format!("{META_FILE}.tmp"));
    let text = serde_json::to_string_pretty(meta).map_err(|e| Error::Schema(e.to_string()))?;
    std::fs::write(&tmp, text + "\n").map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
}

/// Bytes of stored documents compressed together (tantivy's default is
/// 16,384). Reading a hit's document for its snippet decompresses its whole
/// block, and news articles are about a kilobyte each, so smaller blocks
/// make snippets cheaper for a slightly larger index.
const DOCSTORE_BLOCK: usize = 4096;

impl NewsIndex {
    /// Opens an existing index, checking its schema version.
    pub fn open(dir: &Path) -> Result<NewsIndex> {
        if !dir.join(META_FILE).exists() {
            return Err(Error::NoIndex(dir.to_path_buf()));
        }
        let meta = read_meta(dir)?;
        let decl = SchemaDecl::embedded();
        if !(SchemaDecl::OLDEST_READABLE..=decl.version).contains(&meta.schema_version) {
            return Err(Error::SchemaVersion {
                path: dir.to_path_buf(),
                found: meta.schema_version,
                oldest: SchemaDecl::OLDEST_READABLE,
                newest: decl.version,
            });
        }
        let index = Index::open_in_dir(dir).map_err(|e| match e {
            TantivyError::DataCorruption(_) | TantivyError::IncompatibleIndex(_) => {
                Error::BadMeta {
                    path: dir.join("meta.json"),
                    reason: e.to_string(),
                }
            }
            other => Error::Tantivy(other),
        })?;
        decl.register_analyzers(index.tokenizers())?;
        NewsIndex::with(index, meta, dir)
    }

    /// Opens the index at `dir`, creating it if there is none; with
    /// `rebuild`, an existing index is deleted first.
    pub fn create_or_open(dir: &Path, rebuild: bool, model_version: &str) -> Result<NewsIndex> {
        let decl = SchemaDecl::embedded();
        if rebuild && dir.join(META_FILE).exists() {
            // Only remove what an index holds, never an arbitrary folder.
            for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
                let entry = entry.map_err(|e| Error::io(dir, e))?;
                let p = entry.path();
                if p.is_file() {
                    std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
                }
            }
        }
        if dir.join(META_FILE).exists() {
            return NewsIndex::open(dir);
        }
        if dir.exists() {
            let nonempty = std::fs::read_dir(dir)
                .map_err(|e| Error::io(dir, e))?
                .any(|e| e.is_ok_and(|e| e.file_name() != "rejects.jsonl"));
            if nonempty {
                return Err(Error::Usage(format!(
                    "{} exists and is not a newsdex index; give --index a new or empty folder",
                    dir.display()
                )));
            }
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let schema = decl.build()?;
        let settings = tantivy::IndexSettings {
            docstore_blocksize: DOCSTORE_BLOCK,
            ..Default::default()
        };
        let index = Index::builder()
            .schema(schema)
            .settings(settings)
            .create_in_dir(dir)?;
        decl.register_analyzers(index.tokenizers())?;
        let meta = IndexMeta {
            schema_version: decl.version,
            model_version: model_version.to_string(),
            newsdex_version: env!("CARGO_PKG_VERSION").to_string(),
        };
        write_meta(dir, &meta)?;
        NewsIndex::with(index, meta, dir)
    }

    /// The index with its field handles resolved.
    fn with(index: Index, meta: IndexMeta, dir: &Path) -> Result<NewsIndex> {
        let fields = Fields::resolve(&index.schema())?;
        Ok(NewsIndex {
            index,
            fields,
            meta,
            dir: dir.to_path_buf(),
        })
    }

    /// Runs each query over the segments in parallel, a thread per core:
    /// for one query over many hits (export). Batches of small queries run
    /// faster on one thread.
    pub fn search_segments_in_parallel(&mut self) -> Result<()> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        if threads > 1 && self.index.searchable_segment_ids()?.len() > 1 {
            self.index.set_multithread_executor(threads)?;
        }
        Ok(())
    }

    /// A searcher on the last commit.
    pub fn searcher(&self) -> Result<Searcher> {
        let reader = self
            .index
            .reader_builder()
            .reload_policy(tantivy::ReloadPolicy::Manual)
            .try_into()?;
        Ok(reader.searcher())
    }
}
