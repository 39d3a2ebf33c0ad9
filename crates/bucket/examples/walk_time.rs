//! The time `group` spends finding its files: one walk of a folder, as
//! `group` walks it (sub-folders in parallel, on rayon's threads).
//!
//! ```sh
//! cargo build --release -p crashlens-bucket --examples
//! taskset -c 0,1 target/release/examples/walk_time DIR
//! ```

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let t = std::time::Instant::now();
    let (files, errors) = crashlens_bucket::walk::walk(&[dir.into()]);
    println!(
        "{} files ({} paths not walked) in {:.3} s",
        files.len(),
        errors.len(),
        t.elapsed().as_secs_f64()
    );
}
