//! The cost of `group`'s leading hypothesis per bucket: the full read and
//! analysis of each file, under callgrind, after one warm-up pass (which
//! builds the knowledge tables once):
//!
//! ```sh
//! cargo build --release -p crashlens-bucket --examples
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='analyze_cost::measured' \
//!     target/release/examples/analyze_cost DIR
//! ```

#[inline(never)]
fn measured(b: &[u8]) -> usize {
    crashlens_read::read_bytes(b)
        .map(|r| crashlens_analyze::analyze(&r).verdict.is_some() as usize)
        .unwrap_or(0)
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let (files, _) = crashlens_bucket::walk::walk(&[dir.into()]);
    let bytes: Vec<Vec<u8>> = files.iter().filter_map(|f| std::fs::read(f).ok()).collect();
    for b in &bytes {
        let _ = crashlens_read::read_bytes(b).map(|r| crashlens_analyze::analyze(&r));
    }
    let t = std::time::Instant::now();
    let n: usize = bytes.iter().map(|b| measured(b)).sum();
    println!(
        "{n} verdicts of {} files, {:.0} µs a file",
        bytes.len(),
        t.elapsed().as_secs_f64() * 1e6 / bytes.len().max(1) as f64
    );
}
