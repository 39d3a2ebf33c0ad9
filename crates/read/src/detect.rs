//! Format sniffing: which reader gets the bytes.
//! (Owned by the ips-reader work; stub.)

use crate::{CrashReport, ReadError};

pub fn read(bytes: &[u8]) -> Result<CrashReport, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    Err(ReadError::Unrecognized("reader not written yet".into()))
}
