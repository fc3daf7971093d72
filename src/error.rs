//! Typed errors of the newsdex library and the process exit codes they map to.

use std::path::PathBuf;

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the library. Command code adds context
/// (anyhow) and prints the chain once as `newsdex: {err:#}`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An error from the tantivy index.
    #[error(transparent)]
    Tantivy(#[from] tantivy::TantivyError),
    /// The schema declaration or an index's schema is not what the code needs.
    #[error("schema: {0}")]
    Schema(String),
    /// There is no index at the given directory.
    #[error(
        "no newsdex index at {0}: build one with `newsdex index --index {0} PATH...` \
         (or set NEWSDEX_INDEX)"
    )]
    NoIndex(PathBuf),
    /// The index was built by another schema version.
    #[error(
        "the index at {path} has schema version {found}, this newsdex reads versions {oldest} to {newest}; \
         rebuild it: `newsdex index --index {path} --rebuild PATH...` with the original inputs"
    )]
    SchemaVersion {
        path: PathBuf,
        found: u32,
        oldest: u32,
        newest: u32,
    },
    /// The index metadata file is unreadable.
    #[error("{path}: damaged index metadata ({reason}); rebuild the index with --rebuild")]
    BadMeta { path: PathBuf, reason: String },
    /// Another process holds the index writer lock.
    #[error("the index at {0} is locked by another newsdex process that is writing to it")]
    Locked(PathBuf),
    /// A query that does not parse.
    #[error(transparent)]
    Query(#[from] crate::search::query::QueryError),
    /// A bad option value or combination.
    #[error("{0}")]
    Usage(String),
    /// The entity model could not be read or used.
    #[error("entity model: {0}")]
    Model(String),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Process exit codes, the same for every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// The command did its work (and a search found hits).
    Success = 0,
    /// A search or export found no hits.
    NoHits = 1,
    /// An error: nothing or only part was done; the message says what.
    Error = 2,
    /// Indexing finished but some records were rejected (see the rejects file).
    SomeRejected = 3,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_documented_numbers() {
        assert_eq!(ExitCode::Success as u8, 0);
        assert_eq!(ExitCode::NoHits as u8, 1);
        assert_eq!(ExitCode::Error as u8, 2);
        assert_eq!(ExitCode::SomeRejected as u8, 3);
    }
}
