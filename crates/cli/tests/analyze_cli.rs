//! `crashlens analyze` end to end: the shipped example, several inputs with a
//! bad one among them, standard input, JSON output, `-o` to a file and to a
//! directory, and usage errors. Expected facts come from reading
//! examples/seed-agx-race.ips and the corpus files by hand.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_crashlens");

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(p)
}

fn corpus(p: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ))
    .join(p)
}

fn seed() -> PathBuf {
    repo("examples/seed-agx-race.ips")
}

/// A kernel panic (bug_type 151): a real Apple report that is not a process crash.
fn panic_file() -> PathBuf {
    corpus("apple/doronz88-pycrashreport/kernel_mode_crash_report_ios16_forceReset-full.ips")
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(BIN)
        .arg("analyze")
        .args(args)
        .output()
        .expect("run crashlens")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn example_file_markdown() {
    let o = run(&[seed().as_os_str()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    // Facts from examples/seed-agx-race.ips.
    for fact in [
        "Python",
        "81920",
        "### System",
        "Mac16,5",
        "macOS 15.7.3",
        "24G419",
        "EXC_BAD_ACCESS (SIGSEGV)",
        "KERN_INVALID_ADDRESS at 0x00000000000005c8",
        "0x5c8",
        "AGXMetalG16X",
        "setComputePipelineState:",
        "Thread-1 (worker)",
        "metal gpu stream 1",
    ] {
        assert!(out.contains(fact), "missing {fact:?} in:\n{out}");
    }
    assert!(out.starts_with("## "), "{out}");
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

#[test]
fn bad_file_and_good_file() {
    let missing = repo("examples/no-such-file.ips");
    let o = run(&[
        panic_file().as_os_str(),
        missing.as_os_str(),
        seed().as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let err = stderr(&o);
    assert!(
        out.contains("setComputePipelineState:"),
        "good report printed: {out}"
    );
    assert!(!out.contains("\n---\n"), "one report, no separator: {out}");
    assert!(
        err.contains(
            "kernel_mode_crash_report_ios16_forceReset-full.ips: not a process crash report"
        ),
        "{err}"
    );
    assert!(err.contains("kernel panic"), "{err}");
    assert!(err.contains("no-such-file.ips: cannot read file"), "{err}");
}

#[test]
fn several_markdown_reports_are_separated() {
    let other = corpus("apple/inket-MacSymbolicator/single-target-crash.ips");
    let o = run(&[seed().as_os_str(), other.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let parts: Vec<&str> = out.split("\n---\n\n").collect();
    assert_eq!(parts.len(), 2, "{out}");
    assert!(parts[0].contains("Python") && parts[0].contains("81920"));
    assert!(parts[1].starts_with("## "), "{}", parts[1]);
}

#[test]
fn stdin_dash() {
    let bytes = std::fs::read(seed()).unwrap();
    let mut child = Command::new(BIN)
        .args(["analyze", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("setComputePipelineState:"));
}

#[test]
fn stdin_garbage_is_named() {
    let mut child = Command::new(BIN)
        .args(["analyze", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"hello world\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).starts_with("crashlens: <stdin>: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn json_one_file_is_an_object() {
    let o = run(&["--format".as_ref(), "json".as_ref(), seed().as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["report"]["process"]["name"], "Python");
    assert_eq!(v["report"]["process"]["pid"], 81920);
    assert_eq!(v["report"]["crashed_thread"], 4);
    assert_eq!(v["report"]["exception"]["type"], "EXC_BAD_ACCESS");
    assert!(v["analysis"].is_object());
}

#[test]
fn json_several_files_is_an_array_of_the_good_ones() {
    let o = run(&[
        "-f".as_ref(),
        "json".as_ref(),
        seed().as_os_str(),
        panic_file().as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    let arr = v.as_array().expect("an array for several inputs");
    assert_eq!(arr.len(), 1);
    assert_eq!(arr[0]["report"]["process"]["pid"], 81920);
}

#[test]
fn output_file_and_directory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.md");
    let o = run(&["-o".as_ref(), file.as_os_str(), seed().as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("setComputePipelineState:"));

    let other = corpus("apple/inket-MacSymbolicator/single-target-crash.ips");
    let o = run(&[
        "-o".as_ref(),
        dir.path().as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
        seed().as_os_str(),
        other.as_os_str(),
        panic_file().as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1), "the panic file fails");
    let seed_json = std::fs::read_to_string(dir.path().join("seed-agx-race.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&seed_json).unwrap();
    assert_eq!(v["report"]["process"]["pid"], 81920);
    assert!(dir.path().join("single-target-crash.json").exists());
    assert!(!dir
        .path()
        .join("kernel_mode_crash_report_ios16_forceReset-full.json")
        .exists());
}

#[test]
fn usage_errors_exit_2() {
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(2), "no FILE");
    let o = run(&["--format".as_ref(), "yaml".as_ref(), seed().as_os_str()]);
    assert_eq!(o.status.code(), Some(2), "bad format");
    let o = run(&["-".as_ref(), "-".as_ref()]);
    assert_eq!(o.status.code(), Some(2), "stdin twice");
    let o = run(&["--rules".as_ref(), seed().as_os_str(), seed().as_os_str()]);
    assert_eq!(o.status.code(), Some(2), "--rules not a directory");
}

#[test]
fn help_has_examples() {
    let o = run(&["--help".as_ref()]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("Examples:"), "{out}");
    assert!(
        out.contains("crashlens analyze examples/seed-agx-race.ips"),
        "{out}"
    );
    assert!(out.contains("Exit status"), "{out}");
}

#[test]
fn rules_dir_reaches_the_passes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("owners-local.toml"),
        "[[rule]]\nowner = \"third_party\"\ndetail = \"Acme Torch build\"\nimage = [\"libtorch_cpu.dylib\"]\n",
    )
    .unwrap();
    let o = run(&[
        "--rules".as_ref(),
        dir.path().as_os_str(),
        seed().as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("third-party library (Acme Torch build)"),
        "{out}"
    );

    // Without the rules the built-in owner applies.
    let o = run(&[seed().as_os_str()]);
    assert!(!stdout(&o).contains("Acme Torch build"));
}

#[test]
fn broken_rules_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("owners.toml"), "[[rule]\nowner = ").unwrap();
    let o = run(&[
        "--rules".as_ref(),
        dir.path().as_os_str(),
        seed().as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    assert!(err.starts_with("crashlens: --rules "), "{err}");
    assert!(err.contains("owners.toml"), "{err}");
}

#[test]
fn nothing_written_when_every_input_fails() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.md");
    let o = run(&["-o".as_ref(), file.as_os_str(), panic_file().as_os_str()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!file.exists(), "no empty report file left behind");
    assert!(stderr(&o).contains("not a process crash report"));
}

#[test]
fn output_directory_names_do_not_collide() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&[
        "-o".as_ref(),
        dir.path().as_os_str(),
        seed().as_os_str(),
        seed().as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.path().join("seed-agx-race.md").exists());
    assert!(dir.path().join("seed-agx-race-2.md").exists());
}
