//! crashlens-read: every crash format into one [`CrashReport`].
//!
//! [`read_bytes`] sniffs the format ([`detect`]) and hands the body to its
//! reader: [`ips`] for Apple's JSON `.ips`, [`apple_text`] for the legacy text
//! layout (`.crash`, or a text body behind an `.ips` header line), and
//! [`other`] for Apple report kinds that are not process crashes. Readers never
//! panic on input: every failure is a [`ReadError`].

pub mod apple_text;
pub mod detect;
pub mod error;
pub mod ips;
pub mod other;

use std::path::Path;

pub use crashlens_model::CrashReport;
pub use error::ReadError;

/// The largest file read as one report. Real reports are under 1 MiB; this bound
/// keeps a mistaken multi-gigabyte input from exhausting memory.
pub const MAX_REPORT_BYTES: u64 = 64 * 1024 * 1024;

/// Reads one report from a file.
pub fn read_file(path: &Path) -> Result<CrashReport, ReadError> {
    let meta = std::fs::metadata(path)?;
    if meta.len() > MAX_REPORT_BYTES {
        return Err(ReadError::TooLarge { size: meta.len(), limit: MAX_REPORT_BYTES });
    }
    let bytes = std::fs::read(path)?;
    let mut report = read_bytes(&bytes)?;
    report.source.path = Some(path.display().to_string());
    Ok(report)
}

/// Reads one report from bytes in any supported format.
pub fn read_bytes(bytes: &[u8]) -> Result<CrashReport, ReadError> {
    if bytes.len() as u64 > MAX_REPORT_BYTES {
        return Err(ReadError::TooLarge { size: bytes.len() as u64, limit: MAX_REPORT_BYTES });
    }
    detect::read(bytes)
}
