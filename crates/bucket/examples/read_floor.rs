//! The floor under `crashlens group`: find every file the way `group` does,
//! read it and hash it (XXH3-128, as the store does), on `-j` threads, and do
//! nothing else. What `group` spends above this is parsing and grouping.
//!
//! Usage: cargo run --release -p crashlens-bucket --example read_floor -- DIR [JOBS]

use rayon::prelude::*;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| ".".into());
    let jobs: usize = args.next().and_then(|j| j.parse().ok()).unwrap_or(2);
    let t = Instant::now();
    let (files, _) = crashlens_bucket::walk::walk(&[dir.into()]);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .unwrap();
    let (n, bytes) = pool.install(|| {
        files
            .par_iter()
            .filter_map(|f| std::fs::read(f).ok())
            .map(|b| {
                std::hint::black_box(crashlens_bucket::content_hash(&b));
                (1usize, b.len())
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    });
    let s = t.elapsed().as_secs_f64();
    println!(
        "{n} files, {} MB read and hashed on {jobs} threads in {s:.2} s: {:.0} files/s",
        bytes / 1_000_000,
        n as f64 / s
    );
}
