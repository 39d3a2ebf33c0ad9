//! crashlens-read: every crash format into one [`CrashReport`].
//!
//! [`read_bytes`] sniffs the format ([`detect`]) and hands the body to its
//! reader: [`ips`] for Apple's JSON `.ips`, [`apple_text`] for the legacy text
//! layout (`.crash`, or a text body behind an `.ips` header line), [`minidump`]
//! for Breakpad/Crashpad/minidump-writer dumps, and [`other`] for Apple report
//! kinds that are not process crashes. [`read_bytes_with`] can read only what
//! a signature needs ([`options`]), which `group` does. Readers never
//! panic on input: every failure is a [`ReadError`].
//!
//! What each input becomes:
//! - a crash report (`.ips` bug_type 309 JSON; 309/109 header + text; bare
//!   Apple text), also when wrapped in Console's "Translated Report", Markdown
//!   or prose (`source.wrapped`); a minidump;
//! - [`ReadError::NotACrashReport`] for kernel/bridgeOS/coprocessor panics,
//!   jetsam events, stackshots and resource reports, with a detail line;
//! - [`ReadError::Unsupported`] for formats we recognize but do not read yet
//!   (sanitizer/Go/Rust/Java/debugger logs, listed in `knowledge/formats.toml`),
//!   naming the format;
//! - [`ReadError::Malformed`] for a broken `.ips` (truncated, too deeply nested)
//!   or minidump;
//! - [`ReadError::Unrecognized`] otherwise, saying what the bytes look like.
//!
//! An `.ips` field of the wrong type is skipped, not fatal; skipped fields and
//! indexes that point nowhere are listed in the extra [`ips::PROBLEMS_KEY`].
//! serde_json parses `.ips` JSON into [`json_value::Value`], which borrows
//! from the text and reads like serde_json's own `Value`.

pub mod apple_text;
pub mod detect;
pub mod error;
pub mod ips;
mod json_scan;
pub mod json_value;
pub mod minidump;
pub mod options;
pub mod other;
mod skim;
mod text;

use std::path::Path;

pub use crashlens_model::CrashReport;
pub use error::ReadError;
pub use options::{Detail, ImageId, ReadOptions};

/// The largest file read as one report. Real reports are under 1 MiB; this bound
/// keeps a mistaken multi-gigabyte input from exhausting memory.
pub const MAX_REPORT_BYTES: u64 = 64 * 1024 * 1024;

/// Reads one report from a file.
pub fn read_file(path: &Path) -> Result<CrashReport, ReadError> {
    let meta = std::fs::metadata(path)?;
    if meta.len() > MAX_REPORT_BYTES {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit: MAX_REPORT_BYTES,
        });
    }
    let bytes = std::fs::read(path)?;
    let mut report = read_bytes(&bytes)?;
    report.source.path = Some(path.display().to_string());
    Ok(report)
}

/// Reads one report from bytes in any supported format.
pub fn read_bytes(bytes: &[u8]) -> Result<CrashReport, ReadError> {
    read_bytes_with(bytes, &ReadOptions::full())
}

/// Reads one report from bytes, as much of it as `opts` asks ([`options`]).
pub fn read_bytes_with(bytes: &[u8], opts: &ReadOptions) -> Result<CrashReport, ReadError> {
    if bytes.len() as u64 > MAX_REPORT_BYTES {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit: MAX_REPORT_BYTES,
        });
    }
    detect::read_with(bytes, opts)
}

/// The real corpus (`shared/corpus`, beside the repository), for tests that
/// run over whole folders of it.
#[cfg(test)]
pub(crate) mod test_corpus {
    /// The text of every UTF-8 file under `shared/corpus/{sub}`, walked
    /// recursively, in path order.
    pub(crate) fn texts(sub: &str) -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
        let mut files = Vec::new();
        let mut dirs = vec![root.join(sub)];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else {
                    files.push(p);
                }
            }
        }
        files.sort();
        files
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .collect()
    }
}
