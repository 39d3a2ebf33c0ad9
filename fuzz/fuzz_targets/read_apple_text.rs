//! Fuzzes the legacy text reader directly.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(report) = crashlens_read::apple_text::parse(text) {
            let _ = crashlens_analyze::analyze(&report);
        }
    }
});
