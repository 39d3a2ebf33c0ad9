//! Fuzzes the whole pipeline from raw bytes: detection, every reader, the
//! analysis passes and both renderers.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = crashlens_read::read_bytes(data) {
        let analysis = crashlens_analyze::analyze(&report);
        let _ = crashlens_render::markdown::render(&report, &analysis);
    }
});
