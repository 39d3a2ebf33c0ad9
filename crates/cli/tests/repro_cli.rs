//! `crashlens repro` end to end through the built binary: the data race
//! separated by its lock, report re-rendering, resume after a kill (and after
//! Ctrl-C), shards merged, and usage errors.

#[path = "../../repro/tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn crashlens() -> Command {
    Command::new(env!("CARGO_BIN_EXE_crashlens"))
}

fn repro(args: &[&str]) -> Output {
    crashlens()
        .arg("repro")
        .args(args)
        .output()
        .expect("run crashlens")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)))
}

fn run_lines(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("journal.jsonl"))
        .map(|t| {
            t.lines()
                .filter(|l| l.starts_with("{\"type\":\"run\""))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn race_is_separated_by_its_lock() {
    let race = common::build("race", &["-pthread"]);
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = repro(&[
        "--runs",
        "10",
        "--jobs",
        "2",
        "--timeout",
        "20s",
        "--progress",
        "none",
        "--format",
        "json",
        "--seed",
        "7",
        "-o",
        out_dir.to_str().unwrap(),
        "--config",
        "lock:USE_LOCK=1",
        "--config",
        "nolock:USE_LOCK=0",
        "--",
        race.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("seed 7"),
        "{}",
        text(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["configs"][0]["name"], "lock");
    assert_eq!(v["configs"][0]["crashes"], 0);
    assert_eq!(v["configs"][0]["runs"], 10);
    assert_eq!(v["configs"][1]["runs"], 10);
    let p = v["comparisons"][0]["p_value"].as_f64().unwrap();
    assert!(p < 0.01, "{v}");
    for f in ["summary.md", "summary.json", "summary.csv", "journal.jsonl"] {
        assert!(out_dir.join(f).is_file(), "{f}");
    }

    // `repro report` re-renders from the journal alone.
    let md = repro(&["report", out_dir.to_str().unwrap()]);
    assert!(md.status.success());
    let md = text(&md.stdout);
    assert!(md.contains("| lock | USE_LOCK=1 | 0 / 10 | 0.0% |"), "{md}");
    assert!(md.contains("- lock vs nolock: p = "), "{md}");
    let csv = repro(&["report", out_dir.to_str().unwrap(), "--format", "csv"]);
    let csv = text(&csv.stdout);
    assert!(csv.starts_with("configuration,env,runs,requested_runs,crashes,crash_rate,"));
    assert_eq!(csv.lines().count(), 3);
}

fn wait_for_runs(dir: &Path, n: usize, child: &mut std::process::Child) {
    let start = Instant::now();
    while run_lines(dir) < n {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no progress in the journal"
        );
        assert!(child.try_wait().unwrap().is_none(), "finished too early");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn resume_after_a_kill_reaches_the_requested_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let mut child = crashlens()
        .args(["repro", "-n", "8", "--progress", "none", "-o"])
        .arg(&out_dir)
        .args(["--", "sleep", "0.3"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_runs(&out_dir, 2, &mut child);
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    let before = run_lines(&out_dir);
    assert!((2..8).contains(&before), "{before}");
    // A kill in the middle of a write leaves a torn line; resume must cope.
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(out_dir.join("journal.jsonl"))
        .unwrap()
        .write_all(b"{\"type\":\"run\",\"config\":0,\"re")
        .unwrap();
    // The report of the partial journal works and says it is incomplete.
    let partial = repro(&["report", out_dir.to_str().unwrap()]);
    assert!(partial.status.success());
    assert!(text(&partial.stdout).contains("Incomplete"));

    let out = repro(&[
        "--resume",
        out_dir.to_str().unwrap(),
        "--progress",
        "none",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["configs"][0]["runs"], 8);
    assert_eq!(v["total_runs"], 8);
    assert_eq!(v["warnings"].as_array().unwrap().len(), 0, "{v}");
    assert_eq!(run_lines(&out_dir), 8);
    // Every repetition exactly once.
    let journal = std::fs::read_to_string(out_dir.join("journal.jsonl")).unwrap();
    let mut reps: Vec<u64> = journal
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "run")
        .map(|v| v["rep"].as_u64().unwrap())
        .collect();
    reps.sort();
    assert_eq!(reps, (0..8).collect::<Vec<_>>());
}

#[test]
fn ctrl_c_leaves_a_valid_journal_and_exit_130() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let mut child = crashlens()
        .args(["repro", "-n", "50", "--progress", "none", "-o"])
        .arg(&out_dir)
        .args(["--", "sleep", "0.2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_runs(&out_dir, 1, &mut child);
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--resume"));
    // The summary was still printed, and the journal reads back whole.
    assert!(text(&out.stdout).contains("## crashlens repro"));
    let lines = run_lines(&out_dir);
    assert!((1..50).contains(&lines), "{lines}");
    let report = repro(&["report", out_dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(json(&report)["total_runs"], lines as u64);
}

#[test]
fn shards_then_merge() {
    let pass = common::build("pass", &[]);
    let dir = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    for i in 0..2 {
        let d = dir.path().join(format!("s{i}"));
        let out = repro(&[
            "-n",
            "4",
            "--progress",
            "none",
            "--shard",
            &format!("{i}/2"),
            "--config",
            "a",
            "--config",
            "b:X=1",
            "-o",
            d.to_str().unwrap(),
            "--",
            pass.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(run_lines(&d), 4);
        dirs.push(d);
    }
    let merged = dir.path().join("merged");
    let out = repro(&[
        "merge",
        dirs[0].to_str().unwrap(),
        dirs[1].to_str().unwrap(),
        "-o",
        merged.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["total_runs"], 8);
    assert_eq!(v["configs"][0]["runs"], 4);
    assert_eq!(v["configs"][1]["runs"], 4);
    assert_eq!(run_lines(&merged), 8);
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // No command.
    assert_eq!(repro(&["-n", "2"]).status.code(), Some(2));
    // Bad configuration, bad duration, bad shard.
    for bad in [
        &["--config", "nameonly:VAR", "--", "true"][..],
        &["--timeout", "soon", "--", "true"][..],
        &["--shard", "2/2", "--", "true"][..],
    ] {
        let out = repro(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", text(&out.stderr));
    }
    // An existing journal is not overwritten.
    let d = dir.path().join("o");
    let ok = repro(&[
        "-n",
        "1",
        "--progress",
        "none",
        "-o",
        d.to_str().unwrap(),
        "--",
        "true",
    ]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let again = repro(&[
        "-n",
        "1",
        "--progress",
        "none",
        "-o",
        d.to_str().unwrap(),
        "--",
        "true",
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("--resume"));
}
