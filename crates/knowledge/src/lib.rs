//! crashlens-knowledge: what crashlens knows, as data.
//!
//! Every table lives as a TOML file under the repository's `knowledge/` folder
//! and is embedded at build time; each module here parses and validates one of
//! them. Tests (`cargo test -p crashlens-knowledge`) load every built-in table,
//! so a broken data file fails CI rather than a user's run.
//!
//! | module | file | what |
//! |---|---|---|
//! | [`codes`] | `knowledge/codes.toml` | exception types, signals, termination namespaces and codes, ESR classes |
//! | [`owners`] | `knowledge/owners.toml` | which image or symbol belongs to whom (GPU driver, OS, runtime, ...) |
//! | [`formats`] | `knowledge/formats.toml` | non-crash `.ips` bug_types, crash-log signatures |
//! | [`frames`] | `knowledge/frames.toml` | frame skip and prefix lists (abort/raise/assert, trampolines) |
//! | [`thread_states`] | `knowledge/thread_states.toml` | what a thread is doing, from its top frames |
//! | [`known_issues`] | `knowledge/known_issues.toml` | known crash patterns with links and workarounds |
//!
//! [`memo`] is not a table: it is the hash-keyed map the per-thread memos of
//! the reader, the frame lists and the signature share (here because every
//! crate that memoizes already depends on this one).

pub mod codes;
pub mod formats;
pub mod frames;
pub mod hypotheses;
pub mod known_issues;
pub mod memo;
pub mod owners;
pub mod signature;
pub mod thread_states;

use thiserror::Error;

/// Builders of the built-in tables that reading a crash and making its
/// signature use (each is otherwise built on first use), in two parts of
/// about equal cost so that each can run on a thread of its own: the owner
/// rules (their regexes are most of the cost), then all the others.
pub const BUILD_AHEAD: [fn(); 2] = [
    || {
        owners::builtin();
    },
    || {
        thread_states::builtin();
        frames::builtin();
        codes::builtin();
        signature::builtin();
        formats::builtin();
    },
];

#[derive(Debug, Error)]
pub enum KnowledgeError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
}

/// Parses one TOML table file.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
) -> Result<T, KnowledgeError> {
    toml::from_str(text).map_err(|e| KnowledgeError::Parse {
        file: file.to_string(),
        message: e.to_string(),
    })
}
