//! `crashlens repro --capture` end to end (Linux): a program that crashes
//! with SIGSEGV at NULL + 0x18 on every other run
//! (crates/repro/tests/programs/null_alternate.c: `first_item` reads `items`,
//! the fourth 8-byte field, of a NULL `struct node`) is run under capture
//! next to a configuration that exits 0. Each crashing run must have its
//! minidump and analysis, the others nothing; the journal, summary and
//! report say capture was on and what that means for timing; outcomes are
//! classified from the exit status as without capture; the wrapper's own
//! failures are harness errors; resume keeps the setting.
#![cfg(target_os = "linux")]

#[path = "../../repro/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repro(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crashlens"))
        .arg("repro")
        .args(args)
        .output()
        .expect("run crashlens")
}

/// `crashlens repro --capture -n N --progress none --format json -o OUT -- CMD...`
fn captured(n: &str, out: &Path, cmd: &[&str]) -> Output {
    let mut args = vec![
        "--capture",
        "-n",
        n,
        "--progress",
        "none",
        "--format",
        "json",
        "-o",
        s(out),
        "--",
    ];
    args.extend_from_slice(cmd);
    repro(&args)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)))
}

/// The journal's lines: the first header, and the runs.
fn journal(dir: &Path) -> (serde_json::Value, Vec<serde_json::Value>) {
    let t = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = t
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let header = lines
        .iter()
        .find(|l| l["type"] == "header")
        .unwrap()
        .clone();
    let runs = lines.into_iter().filter(|l| l["type"] == "run").collect();
    (header, runs)
}

/// Whether this machine lets `crashlens run` trace (ptrace may be forbidden
/// in some containers); the tests that trace skip where it does not.
fn ptrace_ok() -> bool {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_crashlens"))
        .args(["run", "-o"])
        .arg(dir.path().join("probe"))
        .args(["--", "true"])
        .output()
        .expect("crashlens run");
    let ok = !text(&o.stderr).contains("PTRACE_SEIZE");
    if !ok {
        eprintln!("ptrace is not permitted here: skipped");
    }
    ok
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The sub-folders of `out/captures` (none when it is gone).
fn capture_folders(out: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(out.join("captures"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Checks one journaled run against what the program does.
fn check_run(out: &Path, r: &serde_json::Value) -> bool {
    let folder = out.join("captures").join(format!(
        "{}-{:05}",
        r["config_name"].as_str().unwrap(),
        r["rep"].as_u64().unwrap()
    ));
    if r["outcome"]["kind"] != "crashed" {
        assert_eq!(r["outcome"]["kind"], "passed", "{r}");
        assert!(r.get("capture").is_none(), "{r}");
        assert!(!folder.exists(), "{}", folder.display());
        return false;
    }
    // Classified from the exit status, as without capture: death by SIGSEGV.
    assert_eq!(r["outcome"]["signal_name"], "SIGSEGV", "{r}");
    assert_eq!(r["outcome"]["via_exit_code"], false, "{r}");
    assert_eq!(r["exit"]["signal"], libc::SIGSEGV, "{r}");
    let cap = &r["capture"];
    let dumps = cap["dumps"].as_array().unwrap();
    let reports = cap["reports"].as_array().unwrap();
    assert_eq!((dumps.len(), reports.len()), (1, 1), "{r}");
    let dump = out.join(dumps[0].as_str().unwrap());
    let md = out.join(reports[0].as_str().unwrap());
    assert!(dump.is_file() && md.is_file(), "{r}");
    assert!(dump.starts_with(&folder) && md.starts_with(&folder), "{r}");
    assert!(std::fs::read(&dump).unwrap().starts_with(b"MDMP"));
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(
        md.contains("NULL + 0x18") && md.contains("first_item"),
        "{md}"
    );
    let headline = cap["headline"].as_str().unwrap();
    assert!(md.lines().next().unwrap().ends_with(headline), "{headline}");
    // Time to crash runs to the dump, within the run (which also wrote the analysis).
    let ttc = r["time_to_crash_ms"].as_f64().unwrap();
    assert!(
        ttc > 0.0 && ttc <= r["duration_ms"].as_f64().unwrap(),
        "{r}"
    );
    // The signature is the analysis's headline without the run's pid.
    let key = r["signature"]["key"].as_str().unwrap();
    assert!(key.contains("SIGSEGV") && key.contains("NULL + 0x18") && key.contains("first_item"));
    assert!(!key.contains('['), "{key}");
    true
}

fn build_program() -> PathBuf {
    common::build("null_alternate", &[])
}

#[test]
fn each_crashing_run_leaves_its_dump_and_analysis_and_the_report_says_capture() {
    if !ptrace_ok() {
        return;
    }
    let prog = build_program();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let counter = dir.path().join("counter");
    let alt = format!("alt:ALT_COUNTER={}", s(&counter));
    let o = repro(&[
        "--capture",
        "-n",
        "4",
        "-j",
        "2",
        "--seed",
        "3",
        "--progress",
        "none",
        "--format",
        "json",
        "-o",
        s(&out),
        "--config",
        &alt,
        "--config",
        "clean",
        "--",
        s(&prog),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v = json(&o);
    assert_eq!(v["capture"], true);
    assert!(
        v["capture_note"]
            .as_str()
            .unwrap()
            .contains("not directly comparable"),
        "{v}"
    );
    // Two at a time, but the counter is locked: two of the four `alt` runs crash.
    assert_eq!(v["configs"][0]["runs"], 4);
    assert_eq!(v["configs"][0]["crashes"], 2);
    assert_eq!(v["configs"][0]["outcomes"]["crashed"], 2);
    assert_eq!(v["configs"][0]["outcomes"]["passed"], 2);
    assert_eq!(v["configs"][0]["outcomes"]["harness_error"], 0);
    assert_eq!(v["configs"][0]["distinct_crash_signatures"], 1, "{v}");
    assert_eq!(v["configs"][0]["captures"].as_array().unwrap().len(), 2);
    assert_eq!(v["configs"][1]["crashes"], 0);
    assert!(v["configs"][1].get("captures").is_none(), "{v}");
    assert_eq!(v["warnings"].as_array().unwrap().len(), 0, "{v}");

    let (header, runs) = journal(&out);
    assert_eq!(header["capture"], true);
    assert_eq!(runs.len(), 8);
    let crashed: Vec<&serde_json::Value> = runs.iter().filter(|r| check_run(&out, r)).collect();
    assert_eq!(crashed.len(), 2);
    assert!(crashed.iter().all(|r| r["config_name"] == "alt"));
    let mut want: Vec<String> = crashed
        .iter()
        .map(|r| format!("alt-{:05}", r["rep"].as_u64().unwrap()))
        .collect();
    want.sort();
    assert_eq!(capture_folders(&out), want);

    // The Markdown summary, written and re-rendered from the journal alone.
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    let again = text(&repro(&["report", s(&out)]).stdout);
    for md in [md, again] {
        assert!(md.contains("**Capture: on.**"), "{md}");
        assert!(md.contains("Tracing can change timing"), "{md}");
        assert!(md.contains("not directly comparable"), "{md}");
        assert!(md.contains("### Captures"), "{md}");
        assert!(
            md.contains("**alt**: 2 of 2 crashing runs captured"),
            "{md}"
        );
        assert!(md.contains("| alt | ALT_COUNTER="), "{md}");
        assert!(!md.contains("**clean**:"), "{md}");
    }

    // Resumed without --capture, the experiment stays captured: the 6th `alt` run crashes.
    let o = repro(&[
        "--resume",
        s(&out),
        "-n",
        "6",
        "--progress",
        "none",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v = json(&o);
    assert_eq!(v["capture"], true);
    assert_eq!(
        (
            v["configs"][0]["runs"].as_u64(),
            v["configs"][0]["crashes"].as_u64()
        ),
        (Some(6), Some(3))
    );
    let (header, runs) = journal(&out);
    assert_eq!(header["capture"], true);
    assert_eq!(runs.iter().filter(|r| check_run(&out, r)).count(), 3);
    assert_eq!(capture_folders(&out).len(), 3);
}

#[test]
fn a_run_without_crashes_leaves_no_captures_and_resume_cannot_add_capture() {
    if !ptrace_ok() {
        return;
    }
    let prog = build_program();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // No ALT_COUNTER: the program exits 0 every time.
    let o = captured("3", &out, &[s(&prog)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v = json(&o);
    assert_eq!(v["capture"], true);
    assert_eq!(v["configs"][0]["outcomes"]["passed"], 3);
    assert!(!out.join("captures").exists());
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("No crashing run left a capture."), "{md}");

    // An experiment run without capture is not resumed with it.
    let plain = dir.path().join("plain");
    let o = repro(&[
        "-n",
        "1",
        "--progress",
        "none",
        "-o",
        s(&plain),
        "--",
        s(&prog),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(journal(&plain).0["capture"], false);
    let o = repro(&[
        "--resume",
        s(&plain),
        "-n",
        "2",
        "--capture",
        "--progress",
        "none",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("without --capture") && err.contains("another -o"),
        "{err}"
    );
    assert_eq!(journal(&plain).1.len(), 1);
}

#[test]
fn failures_of_the_capture_itself_are_harness_errors_not_crashes() {
    if !ptrace_ok() {
        return;
    }
    let prog = build_program();
    let dir = tempfile::tempdir().unwrap();
    // `captures` is a file, so `crashlens run` cannot make its output folder (exit 125).
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("captures"), "in the way").unwrap();
    let o = captured("2", &out, &[s(&prog)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v = json(&o);
    assert_eq!(v["configs"][0]["runs"], 0);
    assert_eq!(v["configs"][0]["crashes"], 0);
    assert_eq!(v["configs"][0]["outcomes"]["harness_error"], 2);
    let (_, runs) = journal(&out);
    for r in &runs {
        assert_eq!(r["outcome"]["kind"], "harness_error", "{r}");
        let msg = r["outcome"]["message"].as_str().unwrap();
        assert!(
            msg.starts_with("crashlens run: ") && msg.ends_with("(exit 125)"),
            "{msg}"
        );
    }

    // A command that cannot be executed: `crashlens run` says so and exits 127.
    let out = dir.path().join("missing");
    let o = captured("1", &out, &[s(&dir.path().join("no-such-program"))]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (_, runs) = journal(&out);
    assert_eq!(runs[0]["outcome"]["kind"], "harness_error", "{}", runs[0]);
    assert_eq!(
        runs[0]["outcome"]["message"],
        "crashlens run: cannot execute the command (exit 127)"
    );
    assert!(!out.join("captures").exists());
}

#[test]
fn help_documents_capture_with_an_example() {
    let o = repro(&["--help"]);
    assert!(o.status.success());
    let help = text(&o.stdout);
    assert!(help.contains("--capture"), "{help}");
    assert!(help.contains("crashlens repro --capture -n 20"), "{help}");
    assert!(help.contains("not directly comparable"), "{help}");
}

#[test]
fn a_python_faulthandler_signature_stays_the_key_and_the_capture_is_attached() {
    if !ptrace_ok() {
        return;
    }
    let Some(python) = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("python3"))
            .find(|p| p.is_file())
    }) else {
        eprintln!("python3 not found: skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // Reads address 0x18 through ctypes, in a function named crash_here.
    let code = "import ctypes\ndef crash_here():\n    ctypes.string_at(0x18)\ncrash_here()\n";
    let o = captured("1", &out, &[s(&python), "-c", code]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (_, runs) = journal(&out);
    let r = &runs[0];
    // faulthandler reported first (PYTHONFAULTHANDLER=1 is set by repro), then the signal killed it.
    assert_eq!(r["outcome"]["kind"], "python_fatal", "{r}");
    assert_eq!(r["exit"]["signal"], libc::SIGSEGV, "{r}");
    // The key is faulthandler's (innermost Python frame: ctypes' string_at), not the capture's.
    let key = r["signature"]["key"].as_str().unwrap();
    assert!(
        key.starts_with("Fatal Python error: Segmentation fault in string_at"),
        "{key}"
    );
    let frames = r["signature"]["python"]["threads"][0]["frames"].to_string();
    assert!(frames.contains("crash_here"), "{frames}");
    let dumps = r["capture"]["dumps"].as_array().unwrap();
    assert_eq!(dumps.len(), 1, "{r}");
    assert!(out.join(dumps[0].as_str().unwrap()).is_file());
    assert!(
        r["capture"]["headline"]
            .as_str()
            .unwrap()
            .contains("SIGSEGV"),
        "{r}"
    );
}
