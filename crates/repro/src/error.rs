//! The error type of the repro crate.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ReproError {
    #[error("bad argument: {0}")]
    Usage(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Journal {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    Mismatch(String),
}

impl ReproError {
    pub fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        ReproError::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}
