//! Fuzzes the .ips JSON path: the input is given a bug_type 309 header line so
//! the bytes reach the JSON body reader.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = br#"{"bug_type":"309","os_version":"macOS 15.7.3 (24G419)"}"#.to_vec();
    input.push(b'\n');
    input.extend_from_slice(data);
    if let Ok(report) = crashlens_read::read_bytes(&input) {
        let _ = crashlens_analyze::analyze(&report);
    }
});
