//! The cost of reading reports the way `group` does (`Detail::Crashed`), for
//! instruction counts under callgrind, which do not depend on the machine's load:
//!
//! ```sh
//! cargo build --release -p crashlens-bucket --examples
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='read_cost::measured' \
//!     target/release/examples/read_cost DIR
//! ```
//!
//! Every file is read once first (so one-time work such as compiling the owner
//! rules is not counted), then five times inside `measured`. With
//! `READ_COST_FULL=1` the reads are full ones (what `analyze` does), for comparison.

#[inline(never)]
fn measured(b: &[u8], opts: &crashlens_read::ReadOptions) -> usize {
    let mut n = 0;
    for _ in 0..5 {
        n += crashlens_read::read_bytes_with(b, opts).is_ok() as usize;
    }
    n
}

fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let (files, _) = crashlens_bucket::walk::walk(&[dir.into()]);
    let opts = if std::env::var_os("READ_COST_FULL").is_some() {
        crashlens_read::ReadOptions::full()
    } else {
        crashlens_read::ReadOptions::crashed(Some(crashlens_bucket::summary::keep_image))
    };
    let bytes: Vec<Vec<u8>> = files.iter().filter_map(|f| std::fs::read(f).ok()).collect();
    for b in &bytes {
        let _ = crashlens_read::read_bytes_with(b, &opts);
    }
    let mut n = 0;
    for b in &bytes {
        n += measured(b, &opts);
    }
    println!("{n} ok of {}", bytes.len() * 5);
}
