//! Why a file could not be read. Every message names what was wrong and, where
//! it helps, what to do next; the CLI adds the file name.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ReadError {
    #[error("cannot read file: {0}")]
    Io(#[from] std::io::Error),

    #[error("file is empty")]
    Empty,

    #[error("file is {size} bytes, over the {limit}-byte limit for one crash report")]
    TooLarge { size: u64, limit: u64 },

    /// A recognized report that is not a process crash (kernel panic, jetsam
    /// event, stackshot, resource report, ...).
    #[error("not a process crash report: {kind}{}", detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    NotACrashReport {
        kind: String,
        detail: Option<String>,
    },

    /// A format we recognize but do not read yet.
    #[error("{format} is not supported yet{}", hint.as_deref().map(|h| format!(": {h}")).unwrap_or_default())]
    Unsupported {
        format: String,
        hint: Option<String>,
    },

    /// Looks like the format but is broken.
    #[error("malformed {format}: {what}")]
    Malformed { format: &'static str, what: String },

    /// Not anything we recognize.
    #[error("not a recognized crash report: {0}")]
    Unrecognized(String),
}

impl ReadError {
    pub fn malformed(format: &'static str, what: impl Into<String>) -> Self {
        ReadError::Malformed {
            format,
            what: what.into(),
        }
    }
}
