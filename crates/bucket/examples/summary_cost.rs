//! The cost of summarizing reports the way `group` does (after reading), for
//! instruction counts under callgrind, which do not depend on the machine's load:
//!
//! ```sh
//! cargo build --release -p crashlens-bucket --examples && \
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='summary_cost::measured' \
//!     target/release/examples/summary_cost DIR
//! ```
//!
//! Every file is read once (not measured) with the options `group` uses and
//! summarized once (so per-thread caches and rule compilation are warm), then
//! every report is summarized five times inside `measured`. Divide the
//! instructions by the number of calls printed.
//!
//! Measured (instructions per summarize call; same reader both times): about
//! 257,000 before the per-thread memos and the blamed-frame-only stack pass,
//! about 23,800 after, on corpus/apple (44 reports read) and on 2,000 reports
//! from `gen_reports` (1,658 read) alike.
//!
//! With `SUMMARY_COST_DUMP=FILE`, the summaries are also written to FILE, one
//! JSON line per report in path order (to compare two builds' answers).

use crashlens_bucket::signature::Engine;
use crashlens_bucket::summary::summarize;
use crashlens_model::CrashReport;

#[inline(never)]
fn measured(engine: &Engine, reports: &[(String, CrashReport)]) -> usize {
    let mut n = 0;
    for _ in 0..5 {
        for (path, r) in reports {
            n += summarize(engine, r, path, "0123456789abcdef")
                .signature
                .len();
        }
    }
    n
}

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: summary_cost DIR");
        std::process::exit(2);
    };
    let (files, _) = crashlens_bucket::walk::walk(&[dir.into()]);
    let opts = crashlens_read::ReadOptions::crashed(Some(crashlens_bucket::summary::keep_image));
    let mut reports: Vec<(String, CrashReport)> = files
        .iter()
        .filter_map(|f| {
            let bytes = std::fs::read(f).ok()?;
            let r = crashlens_read::read_bytes_with(&bytes, &opts).ok()?;
            Some((f.display().to_string(), r))
        })
        .collect();
    reports.sort_by(|a, b| a.0.cmp(&b.0));
    let engine = Engine::default();
    let mut warm = 0;
    for (path, r) in &reports {
        warm += summarize(&engine, r, path, "0123456789abcdef")
            .signature
            .len();
    }
    if let Some(out) = std::env::var_os("SUMMARY_COST_DUMP") {
        let mut lines = String::new();
        for (path, r) in &reports {
            let s = summarize(&engine, r, path, "0123456789abcdef");
            lines.push_str(&serde_json::to_string(&s).unwrap_or_default());
            lines.push('\n');
        }
        std::fs::write(out, lines).unwrap();
    }
    let n = measured(&engine, &reports);
    println!(
        "{} reports, {} summarize calls measured ({warm}/{n} signature bytes)",
        reports.len(),
        reports.len() * 5
    );
}
