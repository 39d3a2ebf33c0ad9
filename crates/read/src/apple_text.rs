//! Apple's legacy text crash report layout (`.crash`, `Report Version` 6..104).

use crate::{CrashReport, ReadError};

/// Parses a legacy text report body (no `.ips` header line).
pub fn parse(text: &str) -> Result<CrashReport, ReadError> {
    let _ = text;
    Err(ReadError::Unrecognized("text reader not written yet".into()))
}
