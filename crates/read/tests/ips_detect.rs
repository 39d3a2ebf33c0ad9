//! Format detection over the corpus: `.ips` headers in front of text bodies
//! (facts merged from the header), wrappers (Markdown, Console's Translated
//! Report with a broken JSON part), and other tools' logs, which must be named
//! rather than reported as unreadable.

use std::path::PathBuf;

use crashlens_model::ReportFormat;
use crashlens_read::{read_bytes, read_file, ReadError};

fn corpus(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ))
    .join(rel)
}

fn bytes(rel: &str) -> Vec<u8> {
    std::fs::read(corpus(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Xcode's legacy export: a 309 header line, then a text report. The header's
/// facts fill what the text lacks (platform is only in the header).
#[test]
fn header_309_with_text_body() {
    let r = read_file(&corpus(
        "apple/inket-MacSymbolicator/ios-crash-with-json-header.crash",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.source.format, ReportFormat::AppleText);
    assert_eq!(r.source.bug_type.as_deref(), Some("309"));
    assert_eq!(r.system.platform, Some(2));
    assert_eq!(
        r.system.incident_id.as_deref(),
        Some("356753AC-2172-45DC-977A-11F2328980D0")
    );
    assert_eq!(
        r.extra("header.slice_uuid"),
        Some("82d13d98-219e-3040-b62a-07a297007a7c")
    );
    assert_eq!(r.process.name.as_deref(), Some("iOSCrashingTest"));
}

/// iOS 14: bug_type 109 and a text body.
#[test]
fn header_109_with_text_body() {
    let r = read_file(&corpus(
        "apple/doronz88-pycrashreport/user_mode_crash_report_ios14_symbolicated.ips",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.source.format, ReportFormat::AppleText);
    assert_eq!(r.source.bug_type.as_deref(), Some("109"));
    assert_eq!(r.system.platform, Some(2));
    assert_eq!(
        r.system.incident_id.as_deref(),
        Some("2416C26A-72A8-4687-AFAA-7FCEB9D77458")
    );
    assert_eq!(r.extra("header.adam_id"), Some("0"));
    assert_eq!(r.process.name.as_deref(), Some("kaki"));
}

/// The same incident as `.ips` JSON and as Xcode's text export: the two
/// readers agree on the facts both files state.
#[test]
fn ips_and_text_twins_agree() {
    let j = read_file(&corpus(
        "apple/inket-MacSymbolicator/ios-crash-in-ips-format.ips",
    ))
    .unwrap();
    let t = read_file(&corpus(
        "apple/inket-MacSymbolicator/ios-crash-with-json-header.crash",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(j.system.incident_id, t.system.incident_id);
    assert_eq!(j.crashed_thread, t.crashed_thread);
    let (je, te) = (j.exception.as_ref().unwrap(), t.exception.as_ref().unwrap());
    assert_eq!(je.kind, te.kind);
    assert_eq!(je.signal, te.signal);
    assert_eq!(je.codes, te.codes);
    let (jf, tf) = (
        &j.crashed().unwrap().frames[0],
        &t.crashed().unwrap().frames[0],
    );
    assert_eq!(jf.address, tf.address);
    assert_eq!(jf.symbol, tf.symbol);
    assert_eq!(jf.image, tf.image);
    assert_eq!(j.threads.len(), t.threads.len());
    assert_eq!(j.images.len(), t.images.len());
}

/// The report pasted into a Markdown issue, inside a code fence.
#[test]
fn text_report_inside_markdown_fence() {
    let report = String::from_utf8(bytes(
        "apple/inket-MacSymbolicator/ios-crash-with-json-header.crash",
    ))
    .unwrap();
    let md = format!(
        "## App crashes on launch\n\nSteps: open the app.\n\n```\n{report}\n```\n\nAny idea?\n"
    );
    let r = read_bytes(md.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert!(r.source.wrapped);
    assert_eq!(r.source.bug_type.as_deref(), Some("309"));
    assert_eq!(r.process.name.as_deref(), Some("iOSCrashingTest"));
    assert_eq!(r.crashed_thread, Some(0));

    // The same without the header line: plain Apple text in Markdown.
    let body = report.split_once('\n').unwrap().1;
    let md = format!("Crash log below\n\n```text\n{body}```\nthanks\n");
    let r = read_bytes(md.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert!(r.source.wrapped);
    assert_eq!(r.source.format, ReportFormat::AppleText);
    assert_eq!(
        r.system.incident_id.as_deref(),
        Some("356753AC-2172-45DC-977A-11F2328980D0")
    );
}

/// An `.ips` file pasted into Markdown: the JSON header line is found below
/// the prose.
#[test]
fn ips_json_inside_markdown_fence() {
    let ips =
        String::from_utf8(bytes("apple/inket-MacSymbolicator/single-target-crash.ips")).unwrap();
    let md = format!("# Crash\n\nThis happens every time:\n\n```json\n{ips}\n```\n");
    let r = read_bytes(md.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert!(r.source.wrapped);
    assert_eq!(r.source.format, ReportFormat::IpsJson);
    assert_eq!(r.crashed().unwrap().frames[0].address, Some(0x10e311e45));
}

/// Console's wrapper whose JSON part is cut: the translated text is read.
#[test]
fn translated_report_falls_back_to_text() {
    let all = bytes("apple/kimu0223-solo-quest/log.md");
    let full = all.windows(11).position(|w| w == b"Full Report").unwrap();
    let cut = &all[..full + 2000];
    let r = read_bytes(cut).unwrap_or_else(|e| panic!("{e}"));
    assert!(r.source.wrapped);
    assert_eq!(r.source.format, ReportFormat::AppleText);
    assert_eq!(r.process.name.as_deref(), Some("SoloQuest"));
    assert_eq!(r.crashed_thread, Some(10));
    // The whole file reads its JSON part.
    let r = read_bytes(&all).unwrap();
    assert_eq!(r.source.format, ReportFormat::IpsJson);
}

/// Every file under logs/ is named as what it looks like: an Unsupported
/// format with a name, never "unrecognized", never a crash report.
#[test]
fn every_log_is_named() {
    let dir = corpus("logs/clusterfuzz");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        n += 1;
        match read_file(&path) {
            Err(ReadError::Unsupported { format, .. }) => assert!(!format.is_empty()),
            Err(ReadError::NotACrashReport { .. }) => {}
            Err(e) => panic!("{}: {e}", path.display()),
            Ok(_) => panic!("{}: read as a crash report", path.display()),
        }
    }
    assert!(n >= 60, "{n}");
}

/// The corpus's list of its logs quotes their lines ("Go panic: runtime
/// error: ...", 'Check failed: ...', "thread '<unnamed>' panicked at"): prose
/// about logs is no log, and must not be named as one.
#[test]
fn prose_quoting_log_lines_is_not_a_log() {
    match read_file(&corpus("SOURCES-minidump-logs.md")) {
        Err(ReadError::Unrecognized(_)) => {}
        other => panic!("{other:?}"),
    }
}

fn unsupported_format(rel: &str) -> String {
    match read_file(&corpus(rel)) {
        Err(ReadError::Unsupported { format, .. }) => format,
        Err(e) => panic!("{rel}: {e}"),
        Ok(_) => panic!("{rel}: read as a crash report"),
    }
}

#[test]
fn logs_are_named_for_what_they_are() {
    let cases = [
        ("asan_uaf.txt", "AddressSanitizer report"),
        // Starts with a "[timestamp]" log line, which is not JSON.
        ("asan_assert_failure.txt", "AddressSanitizer report"),
        (
            "asan_null_dereference_win_read.txt",
            "AddressSanitizer report",
        ),
        ("hwasan_tag_mismatch.txt", "HWAddressSanitizer report"),
        ("tsan_data_race.txt", "ThreadSanitizer report"),
        ("msan_uninitialized_value.txt", "MemorySanitizer report"),
        ("lsan_direct_leak.txt", "LeakSanitizer report"),
        ("ubsan_index_oob.txt", "UndefinedBehaviorSanitizer report"),
        (
            "golang_panic_runtime_error_index_out_of_range.txt",
            "Go panic",
        ),
        ("golang_sigsegv_panic.txt", "Go panic"),
        ("golang_fatal_error_stack_overflow.txt", "Go panic"),
        ("rust_assert.txt", "Rust panic"),
        ("rust_panic_fuchsia.txt", "Rust panic"),
        ("python_unhandled_exception.txt", "Python traceback"),
        ("java_IllegalStateException.txt", "Java exception"),
        ("libfuzzer_timeout.txt", "libFuzzer report"),
        ("missing_libfuzzer_stacktrace.txt", "Android tombstone"),
        ("android_kernel_kasan_510.txt", "Linux kernel KASAN report"),
        ("gdb_sigtrap.txt", "gdb session"),
        ("cdb_read_x64.txt", "Windows debugger (cdb/WinDbg) session"),
        ("check_failure_chrome.txt", "Chromium CHECK failure log"),
    ];
    for (file, want) in cases {
        assert_eq!(
            unsupported_format(&format!("logs/clusterfuzz/{file}")),
            want,
            "{file}"
        );
    }
}

#[test]
fn json_that_is_not_ips() {
    let e = read_bytes(br#"{"level":"error","msg":"boom"}"#).unwrap_err();
    assert!(matches!(e, ReadError::Unrecognized(_)), "{e}");
    assert!(e.to_string().contains("without any .ips field"), "{e}");
}

#[test]
fn plain_prose_is_unrecognized_and_quotes_the_first_line() {
    let e = read_bytes(b"Dear team,\nthe app keeps closing.\n").unwrap_err();
    assert!(matches!(e, ReadError::Unrecognized(_)), "{e}");
    assert!(e.to_string().contains("\"Dear team,\""), "{e}");
}

/// Text after the JSON body (a pasted system profile) is allowed and marks the
/// report as wrapped.
#[test]
fn trailing_text_after_json_body() {
    let mut ips = bytes("apple/inket-MacSymbolicator/single-target-crash.ips");
    ips.extend(b"\n\nModel: Macmini7,1, BootROM 478.0.0.0.0, 2 processors\nGraphics: Intel Iris\n");
    let r = read_bytes(&ips).unwrap_or_else(|e| panic!("{e}"));
    assert!(r.source.wrapped);
    assert_eq!(r.crashed().unwrap().frames[0].address, Some(0x10e311e45));
}

/// Every Apple file in the corpus is either read as a crash or named as a
/// non-crash kind: none is "unrecognized" or "malformed".
#[test]
fn every_apple_file_is_read_or_named() {
    let mut n = 0;
    for dir in std::fs::read_dir(corpus("apple")).unwrap() {
        for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let path = f.unwrap().path();
            n += 1;
            match read_file(&path) {
                Ok(_) | Err(ReadError::NotACrashReport { .. }) => {}
                Err(e) => panic!("{}: {e}", path.display()),
            }
        }
    }
    assert!(n >= 50, "{n}");
}
