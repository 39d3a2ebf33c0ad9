//! `crashlens run` end to end (Linux): real crashing programs, compiled here
//! with the system `cc` (and a Python script that segfaults through ctypes),
//! run once untraced and once under `crashlens run`. Checks that the exit
//! status is the same, that a minidump and its report were written, and that
//! the report names the crashing thread, the faulting function, the NULL +
//! offset and the thread groups. Expected values come from the programs
//! below.
#![cfg(target_os = "linux")]

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

use crashlens_model::CrashReport;

const NULL_IN_WORKER: &str = r#"
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
struct job { long id; long pad; int *data; };
static void *idle_worker(void *a) { (void)a; pthread_setname_np(pthread_self(), "idle-worker"); for (;;) pause(); return 0; }
__attribute__((noinline)) static int read_field(struct job *j) { return j->data[4]; }
static void *crashing_worker(void *a) {
  (void)a; pthread_setname_np(pthread_self(), "crash-worker");
  usleep(200000);
  struct job j = {1, 0, 0};
  printf("%d\n", read_field(&j));
  return 0;
}
int main(void) {
  pthread_t t[8];
  for (int i = 0; i < 7; i++) pthread_create(&t[i], 0, idle_worker, 0);
  pthread_create(&t[7], 0, crashing_worker, 0);
  pthread_join(t[7], 0);
  return 0;
}
"#;

const ASSERT_ABORT: &str = r#"
#include <assert.h>
__attribute__((noinline)) static void check_config(int workers) { assert(workers > 0 && "need at least one worker"); }
int main(int argc, char **argv) { (void)argv; check_config(argc - 1); return 0; }
"#;

const STACK_OVERFLOW: &str = r#"
#include <stdio.h>
__attribute__((noinline)) static int recurse(int n) { volatile char buf[256]; buf[0] = (char)n; return recurse(n + 1) + buf[0]; }
int main(void) { printf("%d\n", recurse(0)); return 0; }
"#;

const ILLEGAL_INSTRUCTION: &str = r#"
__attribute__((noinline)) static void bad_opcode(void) { __builtin_trap(); }
int main(void) { bad_opcode(); return 0; }
"#;

const PY_CTYPES: &str = r#"
import ctypes, threading
def worker():
    ctypes.string_at(0x18)
t = threading.Thread(target=worker, name="ctypes-worker")
t.start(); t.join()
"#;

/// Whether this machine lets `crashlens run` trace (ptrace may be forbidden
/// in some containers); tests that trace say so and skip where it does not.
fn ptrace_ok() -> bool {
    let o = Command::new(env!("CARGO_BIN_EXE_crashlens"))
        .args(["run", "-o"])
        .arg(std::env::temp_dir().join("crashlens-ptrace-probe"))
        .args(["--", "true"])
        .output()
        .expect("crashlens run");
    let ok = !String::from_utf8_lossy(&o.stderr).contains("PTRACE_SEIZE");
    if !ok {
        eprintln!("ptrace is not permitted here: skipped");
    }
    ok
}

fn compile(dir: &Path, name: &str, src: &str) -> PathBuf {
    let c = dir.join(format!("{name}.c"));
    std::fs::write(&c, src).unwrap();
    let exe = dir.join(name);
    let st = Command::new("cc")
        .args(["-O0", "-g", "-fno-omit-frame-pointer", "-pthread", "-o"])
        .arg(&exe)
        .arg(&c)
        .status()
        .expect("cc");
    assert!(st.success(), "cc {name}");
    exe
}

struct Traced {
    status: ExitStatus,
    stderr: String,
    dumps: Vec<PathBuf>,
}

fn untraced(cmd: &[&str]) -> ExitStatus {
    Command::new(cmd[0])
        .args(&cmd[1..])
        .output()
        .expect("run untraced")
        .status
}

fn traced(out: &Path, cmd: &[&str]) -> Traced {
    let o = Command::new(env!("CARGO_BIN_EXE_crashlens"))
        .arg("run")
        .arg("-o")
        .arg(out)
        .arg("--")
        .args(cmd)
        .output()
        .expect("crashlens run");
    let mut dumps: Vec<PathBuf> = std::fs::read_dir(out)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("dmp"))
                .collect()
        })
        .unwrap_or_default();
    dumps.sort();
    Traced {
        status: o.status,
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        dumps,
    }
}

/// Runs a crashing command both ways; returns the dump, the report read
/// from it and the Markdown written next to it.
fn capture(dir: &Path, cmd: &[&str], signal: i32) -> (CrashReport, String) {
    let plain = untraced(cmd);
    assert_eq!(plain.signal(), Some(signal), "untraced {cmd:?}: {plain:?}");
    let out = dir.join("dumps");
    let t = traced(&out, cmd);
    assert_eq!(
        t.status.signal(),
        plain.signal(),
        "traced and untraced end alike; stderr: {}",
        t.stderr
    );
    assert_eq!(t.status.code(), plain.code());
    assert_eq!(t.dumps.len(), 1, "one dump; stderr: {}", t.stderr);
    let dump = &t.dumps[0];
    let md_path = dump.with_extension("md");
    let md = std::fs::read_to_string(&md_path)
        .unwrap_or_else(|e| panic!("{}: {e}; stderr: {}", md_path.display(), t.stderr));
    assert!(t.stderr.contains("minidump"), "{}", t.stderr);
    let report = crashlens_read::read_file(dump).expect("the dump reads");
    (report, md)
}

fn frame_symbols(r: &CrashReport) -> Vec<String> {
    r.crashed()
        .map(|t| {
            t.frames
                .iter()
                .map(|f| f.symbol.clone().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn null_dereference_in_a_worker_among_8_threads() {
    if !ptrace_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = compile(dir.path(), "nullworker", NULL_IN_WORKER);
    let (r, md) = capture(dir.path(), &[exe.to_str().unwrap()], libc::SIGSEGV);
    // 1 main thread + 7 idle workers + the crashing one.
    assert_eq!(r.threads.len(), 9);
    let t = r.crashed().expect("crashed thread");
    assert_eq!(t.name.as_deref(), Some("crash-worker"));
    // j->data is at offset 16, data[4] 16 bytes further: NULL + 0x10.
    let e = r.exception.as_ref().unwrap();
    assert_eq!(e.signal.as_deref(), Some("SIGSEGV"));
    assert_eq!(
        e.subtype.as_deref(),
        Some("SEGV_MAPERR at 0x0000000000000010")
    );
    let syms = frame_symbols(&r);
    assert_eq!(
        syms.first().map(String::as_str),
        Some("read_field"),
        "{syms:?}"
    );
    assert_eq!(
        syms.get(1).map(String::as_str),
        Some("crashing_worker"),
        "{syms:?}"
    );
    // The process id is the main thread's (the first), not the crashing worker's.
    assert_eq!(r.process.pid, r.thread(0).and_then(|m| m.id));
    assert_ne!(r.process.pid, t.id);
    assert!(r
        .extra("minidump.command_line")
        .is_some_and(|c| c.ends_with("nullworker")));
    let rip = t.state.as_ref().and_then(|s| s.value("rip"));
    assert_eq!(rip, t.frames.first().and_then(|f| f.address));
    // The report.
    assert!(md.contains("NULL + 0x10"), "{md}");
    assert!(md.contains("`read_field`"), "{md}");
    assert!(
        md.contains(&format!("Crashed thread {} `crash-worker`", t.number)),
        "{md}"
    );
    // The seven idle workers are one group.
    assert!(md.contains("7 threads: `idle-worker`"), "{md}");
    // A stack far below the cap is kept whole.
    assert!(!md.contains("The dump keeps the"), "{md}");
}

#[test]
fn abort_from_an_assert() {
    if !ptrace_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = compile(dir.path(), "assertabort", ASSERT_ABORT);
    let (r, md) = capture(dir.path(), &[exe.to_str().unwrap()], libc::SIGABRT);
    let e = r.exception.as_ref().unwrap();
    assert_eq!(e.signal.as_deref(), Some("SIGABRT"));
    // Raised by abort() with tgkill: SI_TKILL, and no fault address.
    assert_eq!(e.subtype.as_deref(), Some("SI_TKILL"));
    assert!(frame_symbols(&r).iter().any(|s| s == "check_config"));
    assert_eq!(
        r.crashed().and_then(|t| t.name.as_deref()),
        Some("assertabort")
    );
    assert!(md.contains("SIGABRT"), "{md}");
    assert!(md.contains("`check_config`"), "{md}");
    assert!(md.contains("assertion"), "{md}");
}

#[test]
fn stack_overflow() {
    if !ptrace_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = compile(dir.path(), "overflow", STACK_OVERFLOW);
    let (r, md) = capture(dir.path(), &[exe.to_str().unwrap()], libc::SIGSEGV);
    let syms = frame_symbols(&r);
    assert_eq!(syms.first().map(String::as_str), Some("recurse"));
    assert!(syms.iter().take(50).all(|s| s == "recurse"), "{syms:?}");
    assert!(md.contains("stack overflow"), "{md}");
    // With a stack limit above the dump's 1 MiB stack cap (the usual 8 MiB),
    // the dump keeps the 1 MiB nearest the stack pointer: at most one
    // `recurse` frame per 256-byte buffer in it, still far more than the
    // analysis needs, and the report says what was left out.
    if stack_limit().is_none_or(|l| l > 2 * crashlens_capture::STACK_CAP as u64) {
        let frames = syms.iter().filter(|s| *s == "recurse").count();
        assert!(
            (1000..=crashlens_capture::STACK_CAP / 256).contains(&frames),
            "{frames} recurse frames"
        );
        assert!(
            md.contains("The dump keeps the 1024 KiB of the crashed thread's stack nearest the stack pointer"),
            "{md}"
        );
    }
}

/// The soft stack size limit, in bytes (None: unlimited).
fn stack_limit() -> Option<u64> {
    let mut l = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit.
    let r = unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut l) };
    (r == 0 && l.rlim_cur != libc::RLIM_INFINITY).then_some(l.rlim_cur)
}

#[test]
fn illegal_instruction() {
    if !ptrace_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = compile(dir.path(), "illegal", ILLEGAL_INSTRUCTION);
    let (r, md) = capture(dir.path(), &[exe.to_str().unwrap()], libc::SIGILL);
    let e = r.exception.as_ref().unwrap();
    assert_eq!(e.signal.as_deref(), Some("SIGILL"));
    // ud2 is an illegal operand: ILL_ILLOPN, at the instruction itself.
    let pc = r
        .crashed()
        .and_then(|t| t.frames.first())
        .and_then(|f| f.address);
    assert_eq!(
        e.subtype.clone(),
        pc.map(|pc| format!("ILL_ILLOPN at 0x{pc:016x}"))
    );
    assert_eq!(
        frame_symbols(&r).first().map(String::as_str),
        Some("bad_opcode")
    );
    assert!(md.contains("SIGILL"), "{md}");
    assert!(md.contains("`bad_opcode`"), "{md}");
}

#[test]
fn python_segfault_through_ctypes() {
    if !ptrace_ok() {
        return;
    }
    if Command::new("python3").arg("-c").arg("1").output().is_err() {
        eprintln!("python3 missing: skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("segv.py");
    std::fs::write(&script, PY_CTYPES).unwrap();
    let (r, md) = capture(
        dir.path(),
        &["python3", script.to_str().unwrap()],
        libc::SIGSEGV,
    );
    let e = r.exception.as_ref().unwrap();
    assert_eq!(
        e.subtype.as_deref(),
        Some("SEGV_MAPERR at 0x0000000000000018")
    );
    // The worker thread crashed, not the main thread (number 0).
    assert_ne!(r.crashed_thread, Some(0));
    assert!(md.contains("NULL + 0x18"), "{md}");
    assert!(md.contains("libpython") || md.contains("python3"), "{md}");
}

#[test]
fn exit_codes_pass_through_and_no_dump_without_a_crash() {
    if !ptrace_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dumps");
    let t = traced(&out, &["sh", "-c", "exit 3"]);
    assert_eq!(t.status.code(), Some(3));
    assert!(t.dumps.is_empty());
    let t = traced(&out, &["sh", "-c", "kill -TERM $$"]);
    assert_eq!(
        t.status.signal(),
        Some(libc::SIGTERM),
        "not a crash signal: passed on"
    );
    assert!(t.dumps.is_empty());
    let t = traced(&out, &["/nonexistent/program"]);
    assert_eq!(t.status.code(), Some(127));
    assert!(t.stderr.contains("cannot execute"), "{}", t.stderr);
}

#[test]
fn a_crash_in_a_forked_child_is_captured_and_the_parent_goes_on() {
    if !ptrace_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = compile(dir.path(), "illegal", ILLEGAL_INSTRUCTION);
    let out = dir.path().join("dumps");
    let script = format!("{}; echo after; exit 0", exe.display());
    let t = traced(&out, &["sh", "-c", &script]);
    assert_eq!(t.status.code(), Some(0), "{}", t.stderr);
    assert_eq!(t.dumps.len(), 1, "{}", t.stderr);
    let r = crashlens_read::read_file(&t.dumps[0]).unwrap();
    assert_eq!(
        frame_symbols(&r).first().map(String::as_str),
        Some("bad_opcode")
    );
}

#[test]
fn a_termination_signal_to_crashlens_goes_on_to_the_command() {
    if !ptrace_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_crashlens"))
        .arg("run")
        .arg("-o")
        .arg(dir.path().join("dumps"))
        .args(["--", "sleep", "30"])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    // SAFETY: kill our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let st = child.wait().unwrap();
    assert_eq!(st.signal(), Some(libc::SIGTERM), "{st:?}");
}

/// `crashlens analyze` on every minidump in the corpus: a report for each
/// readable dump (headlines per minidump-stackwalk's snapshots and
/// SOURCES-minidump-logs.md), a clear error for the two malformed ones,
/// never a panic.
#[test]
fn analyze_reads_every_corpus_minidump() {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/minidump"
    ));
    let expect = [
        (
            "test.dmp",
            "EXCEPTION_ACCESS_VIOLATION_WRITE at NULL + 0x45",
        ),
        ("linux-mini.dmp", "SIGSEGV at NULL + 0x45"),
        (
            "pipeline-inlines-macos-segv.dmp",
            "EXC_BAD_ACCESS at 0xffffffff80000042",
        ),
        ("invalid-parameter.dmp", "format != nullptr"),
        ("simple-crashpad.dmp", "## crashy"),
    ];
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if !name.ends_with(".dmp") {
            continue;
        }
        n += 1;
        let o = Command::new(env!("CARGO_BIN_EXE_crashlens"))
            .arg("analyze")
            .arg(&p)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&o.stdout);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_ne!(o.status.code(), Some(101), "{name} panicked: {stderr}");
        if name.starts_with("invalid-range") || name.starts_with("invalid-record-count") {
            assert!(!o.status.success(), "{name}");
            assert!(stderr.contains("malformed minidump"), "{name}: {stderr}");
            continue;
        }
        assert!(o.status.success(), "{name}: {stderr}");
        let (_, want) = expect
            .iter()
            .find(|(f, _)| *f == name)
            .unwrap_or_else(|| panic!("no expectation for {name}"));
        assert!(stdout.contains(want), "{name}: {stdout}");
    }
    assert_eq!(n, 7);
}

#[test]
fn the_programs_own_handlers_still_run() {
    if !ptrace_ok() {
        return;
    }
    if Command::new("python3").arg("-c").arg("1").output().is_err() {
        eprintln!("python3 missing: skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("segv.py");
    std::fs::write(&script, PY_CTYPES).unwrap();
    let out = dir.path().join("dumps");
    let cmd = ["python3", "-X", "faulthandler", script.to_str().unwrap()];
    let plain = Command::new(cmd[0]).args(&cmd[1..]).output().unwrap();
    let t = traced(&out, &cmd);
    // faulthandler prints its traceback, then re-raises: same death either way.
    assert!(
        String::from_utf8_lossy(&plain.stderr).contains("Fatal Python error: Segmentation fault")
    );
    assert!(
        t.stderr.contains("Fatal Python error: Segmentation fault"),
        "{}",
        t.stderr
    );
    assert!(t.stderr.contains("line 4 in worker"), "{}", t.stderr);
    assert_eq!(t.status.signal(), plain.status.signal());
    assert_eq!(t.status.signal(), Some(libc::SIGSEGV));
    assert_eq!(t.dumps.len(), 1, "one dump per process: {}", t.stderr);
    assert!(
        t.stderr.contains("after the program's own handler ran"),
        "{}",
        t.stderr
    );
    // The dump shows the original fault (not faulthandler's re-raise), in the worker.
    let r = crashlens_read::read_file(&t.dumps[0]).unwrap();
    let e = r.exception.as_ref().unwrap();
    assert_eq!(
        e.subtype.as_deref(),
        Some("SEGV_MAPERR at 0x0000000000000018")
    );
    assert_ne!(r.crashed_thread, Some(0));
}

const RECOVERS: &str = r#"
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
static sigjmp_buf env;
static void on_segv(int sig) { (void)sig; siglongjmp(env, 1); }
int main(void) {
  signal(SIGSEGV, on_segv);
  if (sigsetjmp(env, 1) == 0) { volatile int *p = 0; *p = 1; }
  puts("recovered");
  return 7;
}
"#;

/// A program that handles its own SIGSEGV and goes on: its handler runs, it
/// exits as it would untraced, and nothing is dumped (it did not crash).
#[test]
fn a_handled_fault_is_not_a_crash() {
    if !ptrace_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = compile(dir.path(), "recovers", RECOVERS);
    let plain = untraced(&[exe.to_str().unwrap()]);
    assert_eq!(plain.code(), Some(7));
    let t = traced(&dir.path().join("dumps"), &[exe.to_str().unwrap()]);
    assert_eq!(t.status.code(), Some(7), "{}", t.stderr);
    assert!(t.dumps.is_empty(), "{}", t.stderr);
}

const RUST_NULL: &str = r#"
use std::thread;
#[inline(never)]
fn read_counter(p: *const u64) -> u64 { unsafe { std::ptr::read_volatile(p.wrapping_add(3)) } }
fn main() {
    let h = thread::Builder::new().name("rs-worker".into()).spawn(|| read_counter(std::ptr::null())).unwrap();
    println!("{}", h.join().unwrap());
}
"#;

/// A Rust program (whose runtime installs its own SIGSEGV handler for stack
/// overflows): the handler runs, declines, the access faults again, and the
/// dump shows the fault in the named thread.
#[test]
fn rust_null_dereference_in_a_named_thread() {
    let Some((dir, exe)) = rust_program("rsnull", RUST_NULL) else {
        return;
    };
    let (r, md) = capture(dir.path(), &[exe.to_str().unwrap()], libc::SIGSEGV);
    let t = r.crashed().unwrap();
    assert_eq!(t.name.as_deref(), Some("rs-worker"));
    // 3 u64s past NULL.
    assert!(md.contains("NULL + 0x18"), "{md}");
    let syms = frame_symbols(&r);
    assert!(syms.iter().any(|s| s == "rsnull::read_counter"), "{syms:?}");
}

/// A Rust test program built in a new temporary folder; `None` (the test is
/// skipped) where ptrace is not allowed or there is no `rustc`.
fn rust_program(name: &str, src: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    if !ptrace_ok() {
        return None;
    }
    if Command::new("rustc").arg("--version").output().is_err() {
        eprintln!("rustc missing: skipped");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = rustc(dir.path(), name, src);
    Some((dir, exe))
}

fn rustc(dir: &Path, name: &str, src: &str) -> PathBuf {
    let rs = dir.join(format!("{name}.rs"));
    std::fs::write(&rs, src).unwrap();
    let exe = dir.join(name);
    let st = Command::new("rustc")
        .args(["-g", "-C", "opt-level=1", "-o"])
        .arg(&exe)
        .arg(&rs)
        .status()
        .unwrap();
    assert!(st.success(), "rustc {name}");
    exe
}

const RUST_OVERFLOW: &str = r#"
#[inline(never)]
fn deep(n: u64) -> u64 { let b = [n; 64]; std::hint::black_box(&b); deep(n + 1) + b[3] }
fn main() { println!("{}", deep(0)); }
"#;

/// A Rust stack overflow: the runtime's SIGSEGV handler reports it and
/// aborts. The dump is of the abort; the capture section names the SIGSEGV
/// the handler took first.
#[test]
fn rust_stack_overflow_names_the_handled_fault() {
    let Some((dir, exe)) = rust_program("rsover", RUST_OVERFLOW) else {
        return;
    };
    let (r, md) = capture(dir.path(), &[exe.to_str().unwrap()], libc::SIGABRT);
    assert_eq!(
        r.exception.as_ref().and_then(|e| e.signal.as_deref()),
        Some("SIGABRT")
    );
    // The abort comes from the runtime's signal handler (unwinding on past the
    // signal frame into `deep` depends on the trampoline's CFI: not asserted).
    let syms = frame_symbols(&r);
    assert!(
        syms.iter()
            .any(|s| s == "std::sys::pal::unix::stack_overflow::imp::signal_handler"),
        "{syms:?}"
    );
    assert!(md.contains("### Capture"), "{md}");
    assert!(
        md.contains("the last fatal signal this thread received was SIGSEGV"),
        "{md}"
    );
}

/// `CRASHLENS_SYMBOLS` names Breakpad symbol trees for `crashlens analyze`:
/// test.dmp's frames get the names minidump-stackwalk shows with the corpus
/// symbols (human-symbols.snap: "`anonymous namespace'::CrashFunction", "main").
#[test]
fn analyze_uses_breakpad_symbols_from_the_environment() {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/minidump"
    ));
    let o = Command::new(env!("CARGO_BIN_EXE_crashlens"))
        .arg("analyze")
        .arg(dir.join("test.dmp"))
        .env("CRASHLENS_SYMBOLS", dir.join("symbols"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    assert!(stdout.contains("CrashFunction"), "{stdout}");
    let o = Command::new(env!("CARGO_BIN_EXE_crashlens"))
        .arg("analyze")
        .arg(dir.join("test.dmp"))
        .env_remove("CRASHLENS_SYMBOLS")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&o.stdout).contains("CrashFunction"));
}
