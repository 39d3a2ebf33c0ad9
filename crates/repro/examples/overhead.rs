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
        capture: false,
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

/// CPU time (user + system) this process has used, in microseconds.
fn self_cpu_us() -> f64 {
    // SAFETY: getrusage fills the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe {
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Wall time per run and this process's own CPU time per run, in microseconds.
fn measure(n: u64, f: impl FnOnce() -> Duration) -> (f64, f64) {
    let c0 = self_cpu_us();
    let wall = f();
    let cpu = self_cpu_us() - c0;
    (wall.as_secs_f64() * 1e6 / n as f64, cpu / n as f64)
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
    let mut wall: [Vec<f64>; 3] = Default::default();
    let mut cpu: [Vec<f64>; 3] = Default::default();
    for round in 0..rounds {
        let results = [
            measure(n, || bare(&t, n)),
            measure(n, || runner(&t, n)),
            measure(n, || harness(vec![t.clone()], n, 1)),
        ];
        for (k, (w, c)) in results.iter().enumerate() {
            wall[k].push(*w);
            cpu[k].push(*c);
        }
        eprintln!(
            "round {round}: wall bare {:.0} / runner {:.0} / harness {:.0} us per run; own CPU {:.0} / {:.0} / {:.0} us",
            results[0].0, results[1].0, results[2].0, results[0].1, results[1].1, results[2].1
        );
    }
    let w: Vec<f64> = wall.into_iter().map(median).collect();
    let c: Vec<f64> = cpu.into_iter().map(median).collect();
    println!("true x {n}, {rounds} rounds interleaved, medians per run:");
    println!("| path | wall µs/run | ratio to bare | harness process CPU µs/run |");
    println!("|---|---|---|---|");
    for (k, name) in [
        "bare fork+execv+waitpid",
        "runner::run_once",
        "full harness (`crashlens repro` path), J=1",
    ]
    .iter()
    .enumerate()
    {
        println!(
            "| {name} | {:.0} | {:.2} | {:.0} |",
            w[k],
            w[k] / w[0],
            c[k]
        );
    }

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
