//! Signature parsing on the real sanitizer, panic and crash logs of the
//! shared corpus (logs/clusterfuzz). Expected values were read from the files.

use crashlens_repro::signature::{parse_output, parse_panic, parse_sanitizer};
use std::path::PathBuf;

fn corpus() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/logs/clusterfuzz"
    ))
}

fn read(name: &str) -> String {
    let bytes = std::fs::read(corpus().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn asan_heap_overflow_read() {
    let s = parse_sanitizer(&read("asan_heap_overflow_read.txt")).unwrap();
    assert_eq!(s.tool, "AddressSanitizer");
    assert_eq!(s.error.as_deref(), Some("heap-buffer-overflow"));
    assert!(s.summary.unwrap().starts_with("heap-buffer-overflow ("));
}

#[test]
fn asan_double_free_and_bad_free() {
    let s = parse_sanitizer(&read("asan_double_free.txt")).unwrap();
    assert_eq!(s.error.as_deref(), Some("attempting double-free"));
    assert!(s.summary.unwrap().starts_with("double-free ("));
    let s = parse_sanitizer(&read("asan_invalid_free.txt")).unwrap();
    assert!(s.summary.unwrap().starts_with("bad-free "));
}

#[test]
fn asan_signals_keep_their_kind() {
    for (file, kind) in [
        ("asan_null_dereference_read.txt", "SEGV"),
        ("asan_bus.txt", "BUS"),
        ("asan_fpe.txt", "FPE"),
        ("asan_ill.txt", "ILL"),
        ("asan_stack_overflow.txt", "stack-overflow"),
        ("asan_container_overflow_read.txt", "container-overflow"),
        ("asan_uaf.txt", "heap-use-after-free"),
    ] {
        let s = parse_sanitizer(&read(file)).unwrap();
        assert_eq!(s.tool, "AddressSanitizer", "{file}");
        assert_eq!(s.error.as_deref(), Some(kind), "{file}");
    }
}

#[test]
fn tsan_data_race() {
    let s = parse_sanitizer(&read("tsan_data_race.txt")).unwrap();
    assert_eq!(s.tool, "ThreadSanitizer");
    assert_eq!(s.error.as_deref(), Some("data race"));
    assert_eq!(s.summary.as_deref(), Some("data race ??:0 ??"));
    let sig = parse_output(&read("tsan_data_race.txt"), "").unwrap();
    assert_eq!(sig.key, "ThreadSanitizer: data race ??:0 ??");
}

#[test]
fn ubsan_runtime_error_without_and_with_summary() {
    let s = parse_sanitizer(&read("ubsan_integer_overflow_addition.txt")).unwrap();
    assert_eq!(s.tool, "UndefinedBehaviorSanitizer");
    assert_eq!(
        s.error.as_deref(),
        Some("signed integer overflow: -2147483648 + -132 cannot be represented in type int at ../../ui/gfx/geometry/point.h:64:8")
    );
    assert!(s.summary.is_none());
    let s = parse_sanitizer(&read("ubsan_index_oob.txt")).unwrap();
    assert_eq!(
        s.summary.as_deref(),
        Some("undefined-behavior ../../third_party/pdfium/core/fpdfapi/fpdf_page/fpdf_page_parser_old.cpp:298:3 in")
    );
}

#[test]
fn leak_msan_hwasan_libfuzzer() {
    let s = parse_sanitizer(&read("lsan_direct_leak.txt")).unwrap();
    assert_eq!(s.tool, "LeakSanitizer");
    assert_eq!(s.error.as_deref(), Some("detected memory leaks"));
    assert_eq!(
        s.summary.as_deref(),
        Some("3079 byte(s) leaked in 252 allocation(s).")
    );
    let s = parse_sanitizer(&read("msan_uninitialized_value.txt")).unwrap();
    assert_eq!(s.tool, "MemorySanitizer");
    assert_eq!(s.error.as_deref(), Some("use-of-uninitialized-value"));
    let s = parse_sanitizer(&read("hwasan_tag_mismatch.txt")).unwrap();
    assert_eq!(s.tool, "HWAddressSanitizer");
    assert_eq!(s.error.as_deref(), Some("tag-mismatch"));
    let s = parse_sanitizer(&read("libfuzzer_deadly_signal.txt")).unwrap();
    assert_eq!(s.tool, "libFuzzer");
    assert_eq!(s.error.as_deref(), Some("deadly signal"));
    let s = parse_sanitizer(&read("libfuzzer_timeout.txt")).unwrap();
    assert_eq!(s.summary.as_deref(), Some("timeout"));
}

#[test]
fn rust_panics_old_format() {
    let p = parse_panic(&read("rust_assert.txt")).unwrap();
    assert_eq!(p.thread, "<unnamed>");
    assert_eq!(p.location, "config/src/utils.rs:27:5");
    assert_eq!(p.message, "Error: could not find an available port");
    // The ASan ABRT after the panic says less than the panic: the key is the panic.
    let sig = parse_output(&read("rust_assert.txt"), "").unwrap();
    assert_eq!(
        sig.key,
        "panic at config/src/utils.rs:27:5: Error: could not find an available port"
    );
    assert_eq!(
        sig.sanitizer
            .unwrap()
            .summary
            .as_deref()
            .map(|s| s.starts_with("ABRT")),
        Some(true)
    );

    let p = parse_panic(&read("rust_panic_fuchsia.txt")).unwrap();
    assert_eq!(p.location, "../../examples/fuzzers/rust/src/lib.rs:22:17");
    assert_eq!(p.message, "it works!");

    // A message over three lines.
    let p = parse_panic(&read("rust_ignores.txt")).unwrap();
    assert_eq!(p.location, "wasmtime/crates/fuzzing/src/oracles.rs:427:10");
    assert!(p.message.starts_with("called `Result::unwrap()` on an `Err` value: failed directive on wasmtime/crates/fuzzing/../../tests/spec_testsuite/table.wast:11:1\nCaused by:\n"));
    assert!(p.message.ends_with("expected module to fail to build"));
}

/// Every file: no panic; where the file has a sanitizer/libFuzzer SUMMARY
/// line, the parsed summary is that line; where it has none of the markers
/// we read, no signature.
#[test]
fn whole_folder() {
    let mut n = 0;
    for entry in std::fs::read_dir(corpus()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let sig = parse_output(&text, "");
        let summary_line = text.lines().find_map(|l| {
            let rest = l.trim_end().strip_prefix("SUMMARY: ")?;
            let (tool, what) = rest.split_once(": ")?;
            (tool.ends_with("Sanitizer") || tool == "libFuzzer")
                .then(|| what.trim_end().to_string())
        });
        if let Some(want) = summary_line {
            let got = sig
                .as_ref()
                .and_then(|s| s.sanitizer.as_ref())
                .and_then(|s| s.summary.clone());
            assert_eq!(got.as_deref(), Some(want.as_str()), "{name}");
        }
        // The tool is the one named by the first ERROR/WARNING line (or UBSan's runtime error).
        let first_tool = text.lines().find_map(|l| {
            let l = l.trim_end();
            if l.contains(": runtime error: ") && !l.trim_start().starts_with("panic: ") {
                return Some("UndefinedBehaviorSanitizer".to_string());
            }
            let rest = l
                .split_once("ERROR: ")
                .or_else(|| l.split_once("WARNING: "))
                .filter(|(before, _)| before.starts_with("==") || before.is_empty())?
                .1;
            let (tool, _) = rest.split_once(": ")?;
            (tool.ends_with("Sanitizer") || tool == "libFuzzer").then(|| tool.to_string())
        });
        if let Some(want) = first_tool {
            let got = sig
                .as_ref()
                .and_then(|s| s.sanitizer.as_ref())
                .map(|s| s.tool.clone());
            assert_eq!(got.as_deref(), Some(want.as_str()), "{name}");
        }
        let markers = [
            "Sanitizer: ",
            "ERROR: libFuzzer",
            "SUMMARY: libFuzzer",
            "panicked at",
            "Fatal Python error",
            "runtime error:",
            "(most recent call first)",
        ];
        // Go's "panic: runtime error: ..." is not a UBSan report.
        let has_marker = markers.iter().any(|m| {
            text.lines()
                .any(|l| l.contains(m) && !l.trim_start().starts_with("panic: "))
        });
        if !has_marker {
            assert!(sig.is_none(), "{name}: {sig:?}");
        } else {
            assert!(sig.is_some(), "{name}");
        }
        n += 1;
    }
    assert_eq!(n, 66);
}
