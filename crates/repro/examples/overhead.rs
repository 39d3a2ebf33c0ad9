//! Harness overhead benchmark (results go in BENCHMARKS.md, "## repro").
//!
//! `cargo run --release -p crashlens-repro --example overhead -- [N] [ROUNDS]`
//!
//! Per run of `true`, interleaved over ROUNDS rounds (median reported):
//! - bare: libc fork + execv + waitpid, nothing else;
//! - runner: `runner::run_once` (process group, pipes, pidfd/poll, 64 KiB tails);
//! - harness: the whole `crashlens repro` path with J=1 (schedule, run, signature,
//!   classification, journal line + flush, artifacts), per run.
//!
//! Then scaling with J = 1, 2, 4 on `sleep 0.2` (16 runs each).

use crashlens_repro::config::Config;
use crashlens_repro::experiment::{run_new, Plan};
use crashlens_repro::runner::{run_once, RunSpec, TAIL_BYTES};
use crashlens_repro::session::ExecOptions;
use std::ffi::CString;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

static NEVER: AtomicBool = AtomicBool::new(false);

fn find(name: &str) -> String {
    for dir in ["/bin", "/usr/bin"] {
        let p = format!("{dir}/{name}");
        if std::path::Path::new(&p).exists() {
            return p;
        }
    }
    name.to_string()
}

fn bare(path: &str, n: u64) -> Duration {
    let prog = CString::new(path).expect("path");
    let argv = [prog.as_ptr(), std::ptr::null()];
    let t = Instant::now();
    for _ in 0..n {
        // SAFETY: fork then execv/_exit only in the child; the parent waits.
        unsafe {
            let pid = libc::fork();
            if pid == 0 {
                libc::execv(prog.as_ptr(), argv.as_ptr());
                libc::_exit(127);
            }
            let mut status = 0;
            libc::waitpid(pid, &mut status, 0);
        }
    }
    t.elapsed()
}

fn runner(path: &str, n: u64) -> Duration {
    let spec = RunSpec {
        program: path.to_string(),
        args: vec![],
        env: vec![],
        timeout: Duration::from_secs(10),
        kill_grace: Duration::from_secs(1),
        tail_bytes: TAIL_BYTES,
    };
    let t = Instant::now();
    for _ in 0..n {
        let r = run_once(&spec, &NEVER);
        assert_eq!(r.exit.code, Some(0));
    }
    t.elapsed()
}

fn harness(command: Vec<String>, n: u64, jobs: usize) -> Duration {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = Plan {
        command,
        configs: vec![Config::baseline()],
        runs: n,
        seed: Some(1),
        timeout: Duration::from_secs(10),
        jobs,
        until_crashes: None,
        max_time: None,
        shard: None,
        faulthandler: true,
    };
    let header = plan.header().expect("header");
    let opts = ExecOptions {
        jobs,
        ..Default::default()
    };
    let t = Instant::now();
    run_new(&dir.path().join("out"), &header, &opts, &NEVER).expect("run");
    t.elapsed()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let t = find("true");
    let (mut b, mut r, mut h) = (Vec::new(), Vec::new(), Vec::new());
    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    for round in 0..rounds {
        b.push(per(bare(&t, n)));
        r.push(per(runner(&t, n)));
        h.push(per(harness(vec![t.clone()], n, 1)));
        eprintln!(
            "round {round}: bare {:.0} us, runner {:.0} us, harness {:.0} us per run",
            b[round], r[round], h[round]
        );
    }
    let (mb, mr, mh) = (median(b), median(r), median(h));
    println!("true x {n}, {rounds} rounds, median per run:");
    println!("| path | µs per run | ratio to bare |");
    println!("|---|---|---|");
    println!("| bare fork+execv+waitpid | {mb:.0} | 1.00 |");
    println!("| runner::run_once | {mr:.0} | {:.2} |", mr / mb);
    println!("| full harness, J=1 | {mh:.0} | {:.2} |", mh / mb);

    let sleep = vec![find("sleep"), "0.2".to_string()];
    let runs = 16;
    println!("\nscaling: `sleep 0.2` x {runs} runs");
    println!("| J | wall | speedup vs J=1 |");
    println!("|---|---|---|");
    let mut base = 0.0;
    for jobs in [1usize, 2, 4] {
        let secs = harness(sleep.clone(), runs, jobs).as_secs_f64();
        if jobs == 1 {
            base = secs;
        }
        println!("| {jobs} | {secs:.2}s | {:.2}x |", base / secs);
    }
}
