//! Real programs, built here with `cc`, run through the library: every crash
//! signal, a hang (and its child) killed as a group, a pass, a tail of big
//! output, shell exit codes, a random crasher, the data race with and without
//! its lock, early stopping, sharding + merge, and resume.

mod common;

use crashlens_repro::config::{parse_config, Config, EnvChange, Shard};
use crashlens_repro::experiment::{resume, run_new, Plan, ResumeChanges};
use crashlens_repro::journal::{self, Header};
use crashlens_repro::outcome::{classify, Outcome};
use crashlens_repro::runner::{run_once, RunResult, RunSpec, TAIL_BYTES};
use crashlens_repro::session::ExecOptions;
use crashlens_repro::signature::{parse_output, Signature};
use crashlens_repro::summary::summarize;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

static NEVER: AtomicBool = AtomicBool::new(false);

fn spec(program: &Path, args: &[&str], env: Vec<EnvChange>, timeout: Duration) -> RunSpec {
    RunSpec {
        program: program.display().to_string(),
        args: args.iter().map(|s| s.to_string()).collect(),
        env,
        timeout,
        kill_grace: Duration::from_millis(300),
        tail_bytes: TAIL_BYTES,
    }
}

fn run_classified(s: &RunSpec) -> (RunResult, Outcome, Option<Signature>) {
    let r = run_once(s, &NEVER);
    let sig = parse_output(
        &String::from_utf8_lossy(r.stderr.bytes()),
        &String::from_utf8_lossy(r.stdout.bytes()),
    );
    let o = classify(r.exit, r.timed_out, sig.as_ref());
    (r, o, sig)
}

#[test]
fn each_signal_is_a_crash_with_its_name() {
    let crash = common::build("crash", &[]);
    for (arg, signal, name) in [
        ("segv", libc::SIGSEGV, "SIGSEGV"),
        ("bus", libc::SIGBUS, "SIGBUS"),
        ("ill", libc::SIGILL, "SIGILL"),
        ("fpe", libc::SIGFPE, "SIGFPE"),
        ("abrt", libc::SIGABRT, "SIGABRT"),
        ("trap", libc::SIGTRAP, "SIGTRAP"),
        ("kill", libc::SIGKILL, "SIGKILL"),
    ] {
        let (r, o, _) = run_classified(&spec(&crash, &[arg], vec![], Duration::from_secs(20)));
        assert_eq!(
            o,
            Outcome::Crashed {
                signal,
                signal_name: name.into(),
                via_exit_code: false
            },
            "{arg}"
        );
        assert!(o.is_crash());
        assert_eq!(r.exit.signal, Some(signal));
        assert!(String::from_utf8_lossy(r.stderr.bytes()).contains(&format!("about to {arg}")));
    }
}

#[test]
fn shell_exit_128_plus_n_is_a_crash() {
    let crash = common::build("crash", &[]);
    let script = format!("'{}' segv; exit $?", crash.display());
    let (r, o, _) = run_classified(&spec(
        Path::new("sh"),
        &["-c", &script],
        vec![],
        Duration::from_secs(20),
    ));
    assert_eq!(r.exit.code, Some(128 + libc::SIGSEGV));
    assert_eq!(
        o,
        Outcome::Crashed {
            signal: libc::SIGSEGV,
            signal_name: "SIGSEGV".into(),
            via_exit_code: true
        }
    );
}

fn is_gone(pid: i32) -> bool {
    // Gone, or a zombie nobody reaped yet (dead either way).
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.trim_start().starts_with('Z'))
            .unwrap_or(false),
    }
}

fn child_pid(r: &RunResult) -> i32 {
    let out = String::from_utf8_lossy(r.stdout.bytes()).to_string();
    out.lines()
        .find_map(|l| l.strip_prefix("child "))
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no child pid in {out:?}"))
}

fn wait_gone(pid: i32) -> bool {
    for _ in 0..50 {
        if is_gone(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn a_hang_times_out_and_its_whole_group_is_killed() {
    let hang = common::build("hang", &[]);
    for mode in ["polite", "stubborn"] {
        let (r, o, _) = run_classified(&spec(&hang, &[mode], vec![], Duration::from_millis(400)));
        assert_eq!(o, Outcome::Timeout, "{mode}");
        assert!(r.timed_out);
        let expect = if mode == "polite" {
            libc::SIGTERM
        } else {
            libc::SIGKILL
        };
        assert_eq!(r.exit.signal, Some(expect), "{mode}");
        let child = child_pid(&r);
        assert!(
            wait_gone(child),
            "{mode}: child {child} of the hang survived"
        );
    }
}

#[test]
fn a_pass_passes_and_big_output_keeps_the_last_64_kib() {
    let pass = common::build("pass", &[]);
    let (r, o, sig) = run_classified(&spec(&pass, &[], vec![], Duration::from_secs(20)));
    assert_eq!(o, Outcome::Passed);
    assert!(sig.is_none());
    assert_eq!(String::from_utf8_lossy(r.stdout.bytes()), "\nall good\n");
    assert_eq!(
        String::from_utf8_lossy(r.stderr.bytes()),
        "no problems here\n"
    );

    let (r, o, _) = run_classified(&spec(&pass, &["300000"], vec![], Duration::from_secs(20)));
    assert_eq!(o, Outcome::Passed);
    assert_eq!(r.stdout.total(), 300_000 + "\nall good\n".len() as u64);
    assert_eq!(r.stdout.bytes().len(), 64 * 1024);
    assert!(r.stdout.bytes().ends_with(b"xxx\nall good\n"));
    assert!(r.stdout.truncated());
}

#[test]
fn a_missing_program_is_a_harness_error() {
    let r = run_once(
        &spec(
            Path::new("/nonexistent/crashlens-test-program"),
            &[],
            vec![],
            Duration::from_secs(5),
        ),
        &NEVER,
    );
    assert!(r.error.is_some());
}

#[test]
fn environment_changes_reach_the_child() {
    let flaky = common::build("flaky", &[]);
    let always = vec![EnvChange::Set {
        var: "CRASH_P".into(),
        value: "1".into(),
    }];
    let (_, o, _) = run_classified(&spec(&flaky, &[], always, Duration::from_secs(20)));
    assert!(o.is_crash());
    let never = vec![EnvChange::Set {
        var: "CRASH_P".into(),
        value: "0".into(),
    }];
    let (_, o, _) = run_classified(&spec(&flaky, &[], never, Duration::from_secs(20)));
    assert_eq!(o, Outcome::Passed);
}

fn plan(command: Vec<String>, configs: &[&str], runs: u64) -> Plan {
    Plan {
        command,
        configs: configs.iter().map(|c| parse_config(c).unwrap()).collect(),
        runs,
        seed: Some(12345),
        timeout: Duration::from_secs(20),
        jobs: 2,
        until_crashes: None,
        max_time: None,
        shard: None,
        faulthandler: true,
        capture: false,
    }
}

fn opts() -> ExecOptions {
    ExecOptions {
        jobs: 2,
        kill_grace: Duration::from_millis(300),
        ..Default::default()
    }
}

#[test]
fn random_crasher_rates_and_holm_over_three_configs() {
    let flaky = common::build("flaky", &[]);
    let dir = tempfile::tempdir().unwrap();
    let header = plan(
        vec![flaky.display().to_string()],
        &["never:CRASH_P=0", "half:CRASH_P=0.5", "always:CRASH_P=1"],
        24,
    )
    .header()
    .unwrap();
    run_new(dir.path(), &header, &opts(), &NEVER).unwrap();
    let l = journal::load(dir.path()).unwrap();
    assert_eq!(l.runs.len(), 72);
    let s = summarize(&l.header, &l.runs, &l.skipped);
    assert_eq!(s.configs[0].crashes, 0);
    assert_eq!(s.configs[2].crashes, 24);
    // 24 draws at p = 0.5: P(k < 3 or k > 21) is about 2e-5.
    let half = s.configs[1].crashes;
    assert!((3..=21).contains(&half), "{half}");
    assert_eq!(s.comparisons.len(), 3);
    assert!(s.comparisons.iter().all(|c| c.p_holm.is_some()));
    let never_always = s
        .comparisons
        .iter()
        .find(|c| c.a == "never" && c.b == "always")
        .unwrap();
    assert!(never_always.p_holm.unwrap() < 1e-6);
    // Crashing runs wrote their stderr tail.
    let crashed = l.runs.iter().find(|r| r.outcome.is_crash()).unwrap();
    let art = dir.path().join(crashed.artifacts.as_ref().unwrap());
    assert_eq!(
        std::fs::read_to_string(art.join("stderr.txt")).unwrap(),
        "flaky: crashing\n"
    );
    assert!(crashed.time_to_crash_ms.is_some());
}

#[test]
fn the_data_race_crashes_without_the_lock_and_never_with_it() {
    let race = common::build("race", &["-pthread"]);
    let dir = tempfile::tempdir().unwrap();
    let header = plan(
        vec![race.display().to_string()],
        &["lock:USE_LOCK=1", "nolock:USE_LOCK=0"],
        12,
    )
    .header()
    .unwrap();
    run_new(dir.path(), &header, &opts(), &NEVER).unwrap();
    let l = journal::load(dir.path()).unwrap();
    let s = summarize(&l.header, &l.runs, &l.skipped);
    let lock = &s.configs[0];
    let nolock = &s.configs[1];
    assert_eq!(lock.runs, 12);
    assert_eq!(lock.crashes, 0, "{:?}", lock.outcomes);
    assert_eq!(lock.outcomes["passed"], 12);
    assert_eq!(nolock.runs, 12);
    assert!(
        s.comparisons[0].p_value < 0.01,
        "{:?} {:?}",
        nolock.outcomes,
        s.comparisons
    );
    // Its crashes are SIGSEGV (use after free) or SIGABRT (double free / our magic check).
    for sig in &nolock.signatures {
        assert!(
            sig.signature.contains("SIGSEGV") || sig.signature.contains("SIGABRT"),
            "{}",
            sig.signature
        );
    }
}

#[test]
fn until_crashes_stops_early_and_says_so() {
    let flaky = common::build("flaky", &[]);
    let dir = tempfile::tempdir().unwrap();
    let mut p = plan(vec![flaky.display().to_string()], &["always:CRASH_P=1"], 30);
    p.until_crashes = Some(3);
    let header = p.header().unwrap();
    let mut o = opts();
    o.jobs = 1;
    run_new(dir.path(), &header, &o, &NEVER).unwrap();
    let l = journal::load(dir.path()).unwrap();
    assert_eq!(l.runs.len(), 3);
    let s = summarize(&l.header, &l.runs, &l.skipped);
    assert!(
        s.warnings.iter().any(|w| w.starts_with("Early stopping")),
        "{:?}",
        s.warnings
    );
}

#[test]
fn shards_merge_into_the_whole_schedule() {
    let pass = common::build("pass", &[]);
    let root = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    for i in 0..3 {
        let mut p = plan(vec![pass.display().to_string()], &["a", "b:X=1"], 5);
        p.seed = None; // shards agree on a seed derived from the experiment
        p.shard = Some(Shard { index: i, count: 3 });
        let header = p.header().unwrap();
        let dir = root.path().join(format!("shard{i}"));
        run_new(&dir, &header, &opts(), &NEVER).unwrap();
        dirs.push(dir);
    }
    let sizes: Vec<usize> = dirs
        .iter()
        .map(|d| journal::load(d).unwrap().runs.len())
        .collect();
    assert_eq!(sizes.iter().sum::<usize>(), 10);
    assert!(sizes.iter().all(|&n| n >= 3), "{sizes:?}");
    let merged = journal::merge(&dirs, &root.path().join("merged")).unwrap();
    assert_eq!(merged.runs.len(), 10);
    // Artifacts now point into the shard folders, by absolute path.
    for r in &merged.runs {
        let art = Path::new(r.artifacts.as_deref().unwrap());
        assert!(art.is_absolute(), "{art:?}");
        assert!(
            std::fs::read_to_string(art.join("stdout.txt"))
                .unwrap()
                .ends_with("all good\n"),
            "{art:?}"
        );
    }
    let s = summarize(&merged.header, &merged.runs, &merged.skipped);
    assert_eq!((s.configs[0].runs, s.configs[1].runs), (5, 5));
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
}

#[test]
fn resume_continues_to_the_requested_runs() {
    let pass = common::build("pass", &[]);
    let dir = tempfile::tempdir().unwrap();
    let header: Header = plan(vec![pass.display().to_string()], &["a", "b"], 3)
        .header()
        .unwrap();
    run_new(dir.path(), &header, &opts(), &NEVER).unwrap();
    assert_eq!(journal::load(dir.path()).unwrap().runs.len(), 6);
    // Nothing left to do at the same N.
    let (_, rep) = resume(dir.path(), &ResumeChanges::default(), &opts(), &NEVER).unwrap();
    assert_eq!(rep.finished, 0);
    // Raise N: only the new repetitions run.
    let changes = ResumeChanges {
        runs: Some(5),
        ..Default::default()
    };
    let (h, rep) = resume(dir.path(), &changes, &opts(), &NEVER).unwrap();
    assert_eq!((h.runs, rep.finished), (5, 4));
    let l = journal::load(dir.path()).unwrap();
    assert_eq!(l.header.runs, 5);
    let mut keys: Vec<(usize, u64)> = l.runs.iter().map(|r| (r.config, r.rep)).collect();
    keys.sort();
    let want: Vec<(usize, u64)> = (0..2).flat_map(|c| (0..5).map(move |r| (c, r))).collect();
    assert_eq!(keys, want);
    assert!(summarize(&l.header, &l.runs, &l.skipped)
        .warnings
        .is_empty());
}

#[test]
fn baseline_when_no_config_and_bad_plans_rejected() {
    let h = plan(vec!["true".into()], &[], 2).header().unwrap();
    assert_eq!(h.configs, vec![Config::baseline()]);
    assert!(plan(vec![], &[], 2).header().is_err());
    assert!(plan(vec!["true".into()], &[], 0).header().is_err());
    assert!(plan(vec!["true".into()], &["a", "a:X=1"], 2)
        .header()
        .is_err());
}

#[test]
fn python_faulthandler_dump_is_read_when_python_is_here() {
    let Ok(python) = which("python3") else {
        eprintln!("python3 not found: skipped");
        return;
    };
    let code = "import ctypes\ndef crash():\n    ctypes.string_at(0)\ncrash()\n";
    let env = vec![EnvChange::Set {
        var: "PYTHONFAULTHANDLER".into(),
        value: "1".into(),
    }];
    let (_, o, sig) = run_classified(&spec(&python, &["-c", code], env, Duration::from_secs(30)));
    assert_eq!(
        o,
        Outcome::PythonFatal {
            error: "Segmentation fault".into()
        }
    );
    let sig = sig.unwrap();
    let py = sig.python.unwrap();
    let current = py.threads.iter().find(|t| t.current).unwrap();
    // Most recent call first: ctypes' string_at, then our crash(), then <module>.
    let names: Vec<&str> = current.frames.iter().map(|f| f.function.as_str()).collect();
    assert_eq!(names.first(), Some(&"string_at"), "{names:?}");
    assert!(
        names.contains(&"crash") && names.last() == Some(&"<module>"),
        "{names:?}"
    );
}

#[test]
fn asan_report_is_a_sanitizer_outcome_when_asan_is_here() {
    let Some(bin) = common::try_build("asan_uaf", "asan_uaf_asan", &["-fsanitize=address"]) else {
        eprintln!("no AddressSanitizer here: skipped");
        return;
    };
    let env = vec![EnvChange::Set {
        var: "ASAN_OPTIONS".into(),
        value: "detect_leaks=0".into(),
    }];
    let (_, o, sig) = run_classified(&spec(&bin, &[], env, Duration::from_secs(30)));
    assert_eq!(
        o,
        Outcome::Sanitizer {
            tool: "AddressSanitizer".into()
        }
    );
    let s = sig.unwrap().sanitizer.unwrap();
    assert_eq!(s.error.as_deref(), Some("heap-use-after-free"));
    assert!(s.summary.unwrap().starts_with("heap-use-after-free"));
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    let path = std::env::var_os("PATH").ok_or(())?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}

#[test]
fn rust_panics_are_read_unwinding_or_aborting() {
    let Some(unwind) = common::try_build_rust("panic", "panic_unwind", &[]) else {
        eprintln!("no rustc: skipped");
        return;
    };
    let (_, o, sig) = run_classified(&spec(&unwind, &[], vec![], Duration::from_secs(20)));
    assert_eq!(o, Outcome::Failed { exit_code: 101 });
    let p = sig.unwrap().panic.unwrap();
    assert_eq!(p.thread, "main");
    assert!(p.location.contains("panic.rs:6:"), "{}", p.location);
    assert_eq!(
        p.message,
        "index out of bounds: the len is 3 but the index is 7"
    );

    let abort = common::try_build_rust("panic", "panic_abort", &["-C", "panic=abort"]).unwrap();
    let (_, o, sig) = run_classified(&spec(&abort, &[], vec![], Duration::from_secs(20)));
    assert!(
        matches!(o, Outcome::Crashed { signal, .. } if signal == libc::SIGABRT),
        "{o:?}"
    );
    let sig = sig.unwrap();
    assert!(sig.key.starts_with("panic at "), "{}", sig.key);
    assert!(sig
        .key
        .ends_with("index out of bounds: the len is 3 but the index is 7"));
}

#[test]
fn cancel_ends_a_run_and_its_group() {
    static CANCEL: AtomicBool = AtomicBool::new(false);
    let hang = common::build("hang", &[]);
    let s = spec(&hang, &["stubborn"], vec![], Duration::from_secs(60));
    let t = std::thread::spawn(move || run_once(&s, &CANCEL));
    std::thread::sleep(Duration::from_millis(300));
    CANCEL.store(true, std::sync::atomic::Ordering::SeqCst);
    let r = t.join().unwrap();
    assert!(r.cancelled);
    assert!(!r.timed_out);
    assert_eq!(r.exit.signal, Some(libc::SIGKILL));
    let child = child_pid(&r);
    assert!(wait_gone(child), "child {child} survived the cancel");
}

#[test]
fn max_time_stops_early_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = plan(vec!["sleep".into(), "0.1".into()], &["a", "b"], 200);
    p.max_time = Some(Duration::from_millis(300));
    let header = p.header().unwrap();
    let rep = run_new(dir.path(), &header, &opts(), &NEVER).unwrap();
    assert_eq!(
        rep.stopped,
        Some(crashlens_repro::session::StopReason::MaxTime)
    );
    let l = journal::load(dir.path()).unwrap();
    assert!(!l.runs.is_empty() && l.runs.len() < 400, "{}", l.runs.len());
    let s = summarize(&l.header, &l.runs, &l.skipped);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.starts_with("Early stopping was used (--max-time 300ms)")),
        "{:?}",
        s.warnings
    );
}

#[test]
fn harness_errors_are_journaled_but_left_out_of_rates() {
    let dir = tempfile::tempdir().unwrap();
    let header = plan(vec!["/nonexistent/crashlens-test-program".into()], &[], 3)
        .header()
        .unwrap();
    run_new(dir.path(), &header, &opts(), &NEVER).unwrap();
    let l = journal::load(dir.path()).unwrap();
    assert_eq!(l.runs.len(), 3);
    assert!(l
        .runs
        .iter()
        .all(|r| matches!(r.outcome, Outcome::HarnessError { .. })));
    let s = summarize(&l.header, &l.runs, &l.skipped);
    assert_eq!(s.configs[0].runs, 0);
    assert_eq!(s.configs[0].crash_rate, None);
    assert_eq!(s.configs[0].outcomes["harness_error"], 3);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.starts_with("3 harness error(s)")),
        "{:?}",
        s.warnings
    );
    // Not "incomplete": all requested runs happened, they just could not start.
    assert!(
        !s.warnings.iter().any(|w| w.starts_with("Incomplete")),
        "{:?}",
        s.warnings
    );
}

/// A stand-in for `crashlens run -o DIR --`: runs the command; when it dies
/// of a signal (the shell's 128+N), writes a dump and an analysis whose
/// heading names the pid; `WRAP_FAIL=1` makes it fail on its own, as the
/// real one does (exit 125, its message last on stderr).
fn fake_capture() -> crashlens_repro::capture::Wrapper {
    let script = r#"d="$1"; shift
mkdir -p "$d"
if [ -n "$WRAP_FAIL" ]; then echo "wrap: cannot trace" >&2; exit 125; fi
"$@"; rc=$?
if [ $rc -gt 128 ]; then
  echo MDMP > "$d/crash-$$.dmp"
  printf '## prog [%s]: SIGSEGV at NULL + 0x18 in `first_item`\n\nbody\n' "$$" > "$d/crash-$$.md"
fi
exit $rc"#;
    crashlens_repro::capture::Wrapper {
        prefix: vec![
            "sh".into(),
            "-c".into(),
            script.into(),
            "wrap".into(),
            crashlens_repro::capture::CAPTURE_DIR.into(),
        ],
        harness_exit_codes: vec![125],
        harness_marker: "wrap: ".into(),
    }
}

#[test]
fn a_capture_wrapper_leaves_one_capture_per_crashing_run() {
    let crash = common::build("crash", &[]);
    let pass = common::build("pass", &[]);
    let dir = tempfile::tempdir().unwrap();
    // One configuration crashes every run, one never does, one has the wrapper fail.
    let script = format!(
        "if [ -n \"$CRASH\" ]; then exec {} segv; else exec {}; fi",
        crash.display(),
        pass.display()
    );
    let mut p = plan(
        vec!["sh".into(), "-c".into(), script],
        &["crashy:CRASH=1", "clean", "broken:WRAP_FAIL=1"],
        2,
    );
    p.capture = true;
    let header = p.header().unwrap();
    assert!(header.capture);
    let mut o = opts();
    // The header says capture and no wrapper is given: refused before any run.
    assert!(run_new(&dir.path().join("x"), &header, &o, &NEVER).is_err());
    assert!(!dir.path().join("x").join("journal.jsonl").exists());
    o.wrap = Some(fake_capture());
    run_new(dir.path(), &header, &o, &NEVER).unwrap();

    // The header line of the journal says so.
    let first = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    assert_eq!(first["type"], "header");
    assert_eq!(first["capture"], true);

    let l = journal::load(dir.path()).unwrap();
    assert_eq!(l.runs.len(), 6);
    for r in &l.runs {
        match r.config_name.as_str() {
            "crashy" => {
                // Classified from the exit status, as without capture.
                assert!(r.outcome.is_crash(), "{r:?}");
                let c = r.capture.as_ref().unwrap();
                assert_eq!(c.dir, format!("captures/crashy-{:05}", r.rep));
                assert_eq!(c.dumps.len(), 1);
                assert_eq!(c.reports.len(), 1);
                assert!(dir.path().join(&c.dumps[0]).is_file());
                assert!(dir.path().join(&c.reports[0]).is_file());
                assert!(c.headline.as_deref().unwrap().starts_with("prog ["));
                // The key drops the pid, so every crash here tallies as one.
                assert_eq!(
                    r.signature.as_ref().unwrap().key,
                    "prog: SIGSEGV at NULL + 0x18 in `first_item`"
                );
            }
            "clean" => {
                assert_eq!(r.outcome, Outcome::Passed);
                assert!(r.capture.is_none());
                assert!(!dir
                    .path()
                    .join(format!("captures/clean-{:05}", r.rep))
                    .exists());
            }
            _ => {
                assert_eq!(
                    r.outcome,
                    Outcome::HarnessError {
                        message: "wrap: cannot trace (exit 125)".into()
                    }
                );
                assert!(r.capture.is_none());
            }
        }
    }
    let s = summarize(&l.header, &l.runs, &l.skipped);
    assert!(s.capture);
    assert!(s.capture_note.as_deref().unwrap().contains(
        "not \
directly comparable"
    ));
    assert_eq!((s.configs[0].crashes, s.configs[0].runs), (2, 2));
    assert_eq!(s.configs[0].distinct_crash_signatures, 1);
    assert_eq!(s.configs[0].captures.len(), 2);
    assert!(s.configs[1].captures.is_empty());
    // Harness errors are not trials.
    assert_eq!(s.configs[2].runs, 0);
    assert!(
        s.warnings.iter().any(|w| w.contains("harness error")),
        "{:?}",
        s.warnings
    );

    // Resuming without the wrapper is refused; with it, nothing is left to do.
    let bare = opts();
    let err = resume(dir.path(), &ResumeChanges::default(), &bare, &NEVER).unwrap_err();
    assert!(err.to_string().contains("--capture"), "{err}");
    let (_, rep) = resume(dir.path(), &ResumeChanges::default(), &o, &NEVER).unwrap();
    assert_eq!(rep.finished, 0);

    // An experiment without capture cannot be resumed with it.
    let other = tempfile::tempdir().unwrap();
    let h = plan(vec![pass.display().to_string()], &[], 1)
        .header()
        .unwrap();
    run_new(other.path(), &h, &opts(), &NEVER).unwrap();
    let err = resume(other.path(), &ResumeChanges::default(), &o, &NEVER).unwrap_err();
    assert!(err.to_string().contains("without --capture"), "{err}");
    // Nor merged with a captured one.
    let merged = journal::merge(
        &[dir.path().to_path_buf(), other.path().to_path_buf()],
        &other.path().join("m"),
    );
    assert!(merged.is_err());
}
