//! Time per file of the skimmed read, for finding which reports cost most:
//! `per_file DIR [ROUNDS]` prints µs per read, KB and ns per byte, slowest first.
fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| ".".into());
    let rounds: u32 = args.next().and_then(|r| r.parse().ok()).unwrap_or(200);
    let (files, _) = crashlens_bucket::walk::walk(&[dir.into()]);
    let opts = crashlens_read::ReadOptions::crashed(Some(crashlens_bucket::summary::keep_image));
    let mut rows = Vec::new();
    for f in &files {
        let Ok(b) = std::fs::read(f) else { continue };
        let _ = crashlens_read::read_bytes_with(&b, &opts);
        let t = std::time::Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(crashlens_read::read_bytes_with(&b, &opts).is_ok());
        }
        let us = t.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
        rows.push((us, b.len(), f.display().to_string()));
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let total: f64 = rows.iter().map(|r| r.0).sum();
    for (us, len, f) in &rows {
        println!(
            "{us:8.1} µs {:6.1} KB {:5.2} ns/B  {f}",
            *len as f64 / 1e3,
            us * 1e3 / *len as f64
        );
    }
    println!("total {total:.0} µs over {} files", rows.len());
}
