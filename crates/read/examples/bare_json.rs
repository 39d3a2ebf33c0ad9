//! Benchmark baseline for `bench/analyze.sh`: the least work any .ips tool
//! must do. For each file named on the command line it reads the bytes, skips
//! the one-line JSON header, and parses the body with a bare
//! `serde_json::from_str::<serde_json::Value>`; nothing else (no model, no
//! analysis, no rendering). It prints one line with the number of files and
//! the total number of top-level body keys, so the parse cannot be optimized
//! away. A file that cannot be read or parsed is named on stderr and the exit
//! status is 1.
//!
//! Run: `cargo run --release -p crashlens-read --example bare_json -- FILES...`

use std::process::ExitCode;

fn parse_body(path: &str) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let body = match text.split_once('\n') {
        Some((_header, body)) => body,
        None => return Err("no body after the header line".to_string()),
    };
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| format!("body is not JSON: {e}"))?;
    Ok(value.as_object().map_or(0, |o| o.len()))
}

fn main() -> ExitCode {
    let mut files = 0usize;
    let mut keys = 0usize;
    let mut failed = false;
    for path in std::env::args().skip(1) {
        match parse_body(&path) {
            Ok(n) => {
                files = files.saturating_add(1);
                keys = keys.saturating_add(n);
            }
            Err(e) => {
                eprintln!("bare_json: {path}: {e}");
                failed = true;
            }
        }
    }
    println!("{files} files parsed, {keys} top-level body keys");
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
