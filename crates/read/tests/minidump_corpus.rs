//! The minidump reader on the rust-minidump test dumps in the corpus. Expected
//! values come from minidump-stackwalk's own output for these dumps
//! (shared/corpus/minidump/expected-stackwalk/*.snap) and from
//! shared/corpus/SOURCES-minidump-logs.md.

use std::path::{Path, PathBuf};

use crashlens_model::{Arch, CrashReport, ReportFormat};
use crashlens_read::minidump::{read_with, Options};
use crashlens_read::{read_file, ReadError};

fn dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/minidump"
    ))
}

fn read(name: &str) -> CrashReport {
    read_file(&dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn read_symbolized(name: &str) -> CrashReport {
    let bytes = std::fs::read(dir().join(name)).unwrap();
    let opts = Options {
        symbol_paths: vec![dir().join("symbols")],
        no_local_binaries: true,
    };
    read_with(&bytes, &opts).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn frame0(r: &CrashReport) -> &crashlens_model::Frame {
    let t = r.crashed().expect("a crashed thread");
    t.frames.first().expect("frame 0")
}

#[test]
fn windows_xp_test_dmp() {
    // human.snap: "Crash reason: EXCEPTION_ACCESS_VIOLATION_WRITE", "Crash address:
    // 0x00000045", "Thread 0 (crashed) - tid: 3060", frame 0 "test_app.exe + 0x429e",
    // 13 loaded modules, CPU x86, Windows NT 5.1.2600 Service Pack 2.
    let r = read("test.dmp");
    assert_eq!(r.source.format, ReportFormat::Minidump);
    assert_eq!(r.process.arch, Arch::X86);
    assert!(r
        .system
        .os_version
        .as_deref()
        .unwrap()
        .starts_with("Windows NT 5.1.2600"));
    let e = r.exception.as_ref().unwrap();
    assert_eq!(e.kind.as_deref(), Some("EXCEPTION_ACCESS_VIOLATION_WRITE"));
    assert_eq!(
        e.subtype.as_deref(),
        Some("EXCEPTION_ACCESS_VIOLATION_WRITE at 0x00000045")
    );
    assert_eq!(e.codes.first(), Some(&0xc000_0005));
    assert_eq!(r.crashed_thread, Some(0));
    let t = r.crashed().unwrap();
    assert_eq!(t.id, Some(3060));
    assert!(t.crashed);
    let f = frame0(&r);
    assert_eq!(f.image.as_deref(), Some("test_app.exe"));
    assert_eq!(f.image_offset, Some(0x429e));
    assert_eq!(r.images.len(), 13);
    assert_eq!(r.process.name.as_deref(), Some("test_app.exe"));
    let kernel32 = r
        .images
        .iter()
        .find(|i| i.name.as_deref() == Some("kernel32.dll"))
        .unwrap();
    assert_eq!(kernel32.base, 0x7c80_0000);
    assert_eq!(kernel32.version.as_deref(), Some("5.1.2600.2945"));
    // Registers of the crashed thread, lower case (human.snap: eip, esp, eax = 0x45).
    let s = t.state.as_ref().unwrap();
    assert_eq!(s.value("eip"), Some(0x0040_429e));
    assert_eq!(s.value("eax"), Some(0x45));
    // dump.snap: the header's time_date_stamp = 0x45d35f73 2007-02-14T19:13:55Z.
    assert_eq!(
        r.system.capture_time.as_deref(),
        Some("2007-02-14 19:13:55 +0000")
    );
    // json-pretty.snap: "thread_count": 2.
    assert_eq!(r.threads.len(), 2);
}

#[test]
fn windows_xp_test_dmp_with_breakpad_symbols() {
    // human-symbols.snap: frame 0 "test_app.exe!`anonymous namespace'::CrashFunction
    // [test_app.cc : 58 + 0x3]", frame 1 "main [test_app.cc : 65 + 0x4]",
    // frame 2 "__tmainCRTStartup".
    let r = read_symbolized("test.dmp");
    let t = r.crashed().unwrap();
    let names: Vec<&str> = t
        .frames
        .iter()
        .map(|f| f.symbol.as_deref().unwrap_or("?"))
        .collect();
    assert_eq!(
        names.first().copied(),
        Some("`anonymous namespace'::CrashFunction")
    );
    assert_eq!(names.get(1).copied(), Some("main"));
    assert_eq!(names.get(2).copied(), Some("__tmainCRTStartup"));
    let f0 = frame0(&r);
    assert_eq!(f0.file.as_deref(), Some("c:\\test_app.cc"));
    assert_eq!(f0.line, Some(58));
}

#[test]
fn linux_mini_dmp() {
    // linux_human.snap: Linux 4.9.60-linuxkit-aufs, amd64, "Crash reason: SIGSEGV",
    // "Crash address: 0x0000000000000045", Thread 0 (crashed) tid 1304, frame 0
    // "crash + 0x1d72" with rip = 0x401d72, 8 loaded modules, Ubuntu 16.04.3 LTS.
    let r = read("linux-mini.dmp");
    assert_eq!(r.process.arch, Arch::X86_64);
    assert!(r
        .system
        .os_version
        .as_deref()
        .unwrap()
        .starts_with("Linux 4.9.60-linuxkit-aufs"));
    let e = r.exception.as_ref().unwrap();
    assert_eq!(e.kind.as_deref(), Some("SIGSEGV"));
    assert_eq!(e.signal.as_deref(), Some("SIGSEGV"));
    assert_eq!(e.subtype.as_deref(), Some("SIGSEGV at 0x0000000000000045"));
    let t = r.crashed().unwrap();
    assert_eq!(t.number, 0);
    assert_eq!(t.id, Some(1304));
    let f = frame0(&r);
    assert_eq!(f.image.as_deref(), Some("crash"));
    assert_eq!(f.image_offset, Some(0x1d72));
    let s = t.state.as_ref().unwrap();
    assert_eq!(s.value("rip"), Some(0x401d72));
    assert_eq!(s.value("rsp"), Some(0x7fff_5ae4_aa20));
    assert_eq!(r.images.len(), 8);
    assert_eq!(r.threads.len(), 1);
    assert!(r
        .extras
        .iter()
        .any(|(k, v)| k == "minidump.linux_distribution" && v.contains("Ubuntu 16.04")));
}

#[test]
fn macos_crashpad_pipeline_dmp() {
    // macos_inlines_human.snap: Mac OS X 11.6.7 20G630, amd64, "EXC_BAD_ACCESS /
    // KERN_INVALID_ADDRESS", "Crash address: 0xffffffff80000042", "Thread 0 main
    // (crashed) - tid: 4611", rip = 0x102a68cd4 in crash-client (module_offset 0x14cd4;
    // its .sym is not in the corpus, so no names), "Thread 1 - tid: 5379";
    // json: "thread_count": 11.
    let r = read("pipeline-inlines-macos-segv.dmp");
    assert_eq!(r.process.arch, Arch::X86_64);
    assert_eq!(
        r.system.os_version.as_deref(),
        Some("Mac OS X 11.6.7 20G630")
    );
    let e = r.exception.as_ref().unwrap();
    assert_eq!(e.kind.as_deref(), Some("EXC_BAD_ACCESS"));
    assert_eq!(
        e.subtype.as_deref(),
        Some("KERN_INVALID_ADDRESS at 0xffffffff80000042")
    );
    assert_eq!(e.codes.get(1), Some(&0xffff_ffff_8000_0042));
    let t = r.crashed().unwrap();
    assert_eq!(t.name.as_deref(), Some("main"));
    assert_eq!(t.id, Some(4611));
    let f = frame0(&r);
    assert_eq!(f.image.as_deref(), Some("crash-client"));
    assert_eq!(f.image_offset, Some(0x14cd4));
    assert_eq!(r.threads.len(), 11);
    assert_eq!(r.thread(1).and_then(|t| t.id), Some(5379));
}

#[test]
fn simple_crashpad_dmp() {
    // SOURCES: macOS 10.15.7 amd64, written by Crashpad, exception code 0.
    let r = read("simple-crashpad.dmp");
    assert_eq!(r.process.arch, Arch::X86_64);
    assert!(r
        .system
        .os_version
        .as_deref()
        .unwrap()
        .starts_with("Mac OS X 10.15.7"));
    assert!(!r.threads.is_empty());
    assert!(!r.images.is_empty());
}

#[test]
fn invalid_parameter_dmp_has_its_assertion() {
    // SOURCES: Windows 10 amd64 with a Breakpad assertion stream, `format != nullptr`.
    let r = read("invalid-parameter.dmp");
    assert_eq!(r.process.arch, Arch::X86_64);
    let asi: Vec<&str> = r.app_specific_lines().collect();
    assert!(
        asi.iter().any(|l| l.contains("format != nullptr")),
        "{asi:?}"
    );
}

#[test]
fn malformed_dumps_error_or_read_partially() {
    for name in ["invalid-range.dmp", "invalid-record-count.dmp"] {
        match read_file(&dir().join(name)) {
            Ok(r) => assert_eq!(r.source.format, ReportFormat::Minidump, "{name}"),
            Err(e) => assert!(
                matches!(
                    e,
                    ReadError::Malformed {
                        format: "minidump",
                        ..
                    }
                ),
                "{name}: {e}"
            ),
        }
    }
}

#[test]
fn every_corpus_dump_reads_or_errors_and_survives_truncation() {
    let mut n = 0;
    for entry in std::fs::read_dir(dir()).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().and_then(|e| e.to_str()) != Some("dmp") {
            continue;
        }
        n += 1;
        let bytes = std::fs::read(&p).unwrap();
        let _ = crashlens_read::read_bytes(&bytes);
        // Cut points through the whole file: never a panic.
        let step = (bytes.len() / 40).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let _ = crashlens_read::read_bytes(bytes.get(..cut).unwrap_or(&bytes));
        }
        check_name(&p);
    }
    assert_eq!(n, 7, "the corpus holds 7 dumps");
}

fn check_name(p: &Path) {
    assert!(p.file_name().is_some());
}
