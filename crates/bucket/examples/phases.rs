//! Where the time of `crashlens group` goes, per phase, over a folder of
//! reports (single thread): read bytes, parse (as `group` does, and the full
//! read for comparison), stack pass, signature, summary.
//!
//! Usage: cargo run --release -p crashlens-bucket --example phases -- DIR

use crashlens_bucket::Engine;
use std::time::{Duration, Instant};

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let (files, _) = crashlens_bucket::walk::walk(&[dir.into()]);
    let engine = Engine::default();
    let opts = crashlens_read::ReadOptions::crashed(Some(crashlens_bucket::summary::keep_image));
    let mut parse_full = Duration::ZERO;
    let (mut io, mut parse, mut stack, mut sig, mut full) = (
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
    );
    let mut n = 0;
    for f in &files {
        let t = Instant::now();
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        let _h = crashlens_bucket::content_hash(&bytes);
        io += t.elapsed();
        let t = Instant::now();
        let Ok(report) = crashlens_read::read_bytes_with(&bytes, &opts) else {
            continue;
        };
        parse += t.elapsed();
        let t = Instant::now();
        let _ = crashlens_read::read_bytes(&bytes);
        parse_full += t.elapsed();
        let t = Instant::now();
        let _blamed = crashlens_analyze::passes::stack::blamed_prefix(
            &crashlens_analyze::Context::new(&report),
        );
        stack += t.elapsed();
        let t = Instant::now();
        let _s = crashlens_bucket::summary::summarize(&engine, &report, "x", "y");
        sig += t.elapsed();
        if n < 20 {
            let t = Instant::now();
            let _a = crashlens_analyze::analyze(&report);
            full += t.elapsed();
        }
        n += 1;
    }
    let per = |d: Duration, k: usize| d.as_secs_f64() * 1e6 / k.max(1) as f64;
    println!("{n} reports: read+hash {:.0} µs, parse (what group reads) {:.0} µs [the full read: {:.0} µs], blamed frame {:.0} µs, signature and summary (incl. the blamed frame) {:.0} µs; full analysis {:.0} µs",
        per(io, n), per(parse, n), per(parse_full, n), per(stack, n), per(sig, n), per(full, n.min(20)));
}
