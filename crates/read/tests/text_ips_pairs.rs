//! The same incident as `.ips` JSON (read through the dispatcher by the ips
//! reader) and as a legacy text report (read by the text reader) must give the
//! same threads, frames, registers and images. Two pairs in the corpus:
//! inket-MacSymbolicator's iOS 16 crash (Xcode's legacy export) and
//! mobile-dev-inc-Symbolicator's simulator crash (macOS 12 text); and two
//! Console "Translated Report" files whose text part and JSON part are the
//! same crash (kimu0223-solo-quest, JoelBrown1-Keneth_Frequency).
//!
//! Fields one format has and the other lacks are not compared: the text has no
//! per-image arch in the macOS layout, no `uptime` on iOS, no termination
//! flags; the text's "+" image marker and the .ips `source` are different
//! notions of user code.

use std::path::Path;

use crashlens_model::CrashReport;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/apple");

fn read(rel: &str) -> CrashReport {
    crashlens_read::read_file(&Path::new(CORPUS).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn compare(ips: &str, text: &str) {
    compare_reports(&read(ips), &read(text));
}

/// A Console "Translated Report" file: the text part through the text reader,
/// the whole file through the dispatcher (which reads its JSON part).
fn compare_translated(rel: &str) {
    let a = read(rel);
    assert_eq!(
        a.source.format,
        crashlens_model::ReportFormat::IpsJson,
        "{rel}"
    );
    let text = std::fs::read_to_string(Path::new(CORPUS).join(rel)).expect("read");
    let b = crashlens_read::apple_text::parse(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
    compare_reports(&a, &b);
}

fn compare_reports(a: &CrashReport, b: &CrashReport) {
    assert_eq!(b.source.format, crashlens_model::ReportFormat::AppleText);
    assert_eq!(
        a.exception.as_ref().map(|e| (&e.kind, &e.signal, &e.codes)),
        b.exception.as_ref().map(|e| (&e.kind, &e.signal, &e.codes))
    );
    assert_eq!(
        a.termination.as_ref().map(|t| (
            &t.namespace,
            t.code,
            &t.indicator,
            &t.by_process,
            t.by_pid
        )),
        b.termination.as_ref().map(|t| (
            &t.namespace,
            t.code,
            &t.indicator,
            &t.by_process,
            t.by_pid
        ))
    );
    assert_eq!(
        (&a.process.name, a.process.pid, &a.process.path),
        (&b.process.name, b.process.pid, &b.process.path)
    );
    assert_eq!(
        (&a.process.identifier, &a.process.version, &a.process.build),
        (&b.process.identifier, &b.process.version, &b.process.build)
    );
    assert_eq!(
        (&a.process.code_type, a.process.arch),
        (&b.process.code_type, b.process.arch)
    );
    assert_eq!(
        (&a.system.os_version, &a.system.os_build),
        (&b.system.os_version, &b.system.os_build)
    );
    assert_eq!(a.crashed_thread, b.crashed_thread);
    assert_eq!(
        a.kernel_triage.as_deref().map(str::trim_end),
        b.kernel_triage.as_deref().map(str::trim_end)
    );

    assert_eq!(a.threads.len(), b.threads.len());
    for (ta, tb) in a.threads.iter().zip(&b.threads) {
        let at = format!("thread {}", ta.number);
        assert_eq!(
            (ta.number, &ta.name, &ta.queue, ta.crashed),
            (tb.number, &tb.name, &tb.queue, tb.crashed),
            "{at}"
        );
        assert_eq!(ta.frames.len(), tb.frames.len(), "{at}: frames");
        for (fa, fb) in ta.frames.iter().zip(&tb.frames) {
            let at = format!("{at} frame {}", fa.index);
            assert_eq!(
                (fa.index, fa.address, &fa.symbol, fa.symbol_offset),
                (fb.index, fb.address, &fb.symbol, fb.symbol_offset),
                "{at}"
            );
            assert_eq!(fa.image_offset, fb.image_offset, "{at}");
            assert_eq!(fa.inlined, fb.inlined, "{at}: inlined");
            // The text leaves out some source locations the JSON has (inlined
            // frames without "(file:line)"); where the text shows one, it agrees.
            if fb.file.is_some() {
                assert_eq!((&fa.file, fa.line), (&fb.file, fb.line), "{at}");
            }
            let ia = fa
                .image_index
                .and_then(|i| a.images.get(i))
                .map(|i| (i.base, &i.uuid));
            let ib = fb
                .image_index
                .and_then(|i| b.images.get(i))
                .map(|i| (i.base, &i.uuid));
            assert_eq!(ia, ib, "{at}: image");
        }
        match (&ta.state, &tb.state) {
            (Some(sa), Some(sb)) => {
                for r in &sa.registers {
                    assert_eq!(
                        sb.value(&r.name),
                        Some(r.value),
                        "{at}: register {}",
                        r.name
                    );
                }
                assert_eq!(
                    sa.registers.len(),
                    sb.registers.len(),
                    "{at}: register count"
                );
            }
            // Text reports dump the crashed thread's registers only; the
            // JSON may hold every thread's.
            (_, None) => assert!(!tb.crashed, "{at}: crashed thread without state"),
            (None, Some(_)) => panic!("{at}: state only in the text"),
        }
    }

    assert_eq!(a.images.len(), b.images.len());
    for ia in a.images.iter().filter(|i| !i.placeholder) {
        let ib = b
            .images
            .iter()
            .find(|i| i.base == ia.base)
            .unwrap_or_else(|| panic!("image at {:#x}", ia.base));
        let at = format!("image {:?}", ia.name);
        assert_eq!(
            (ia.size, &ia.uuid, &ia.path),
            (ib.size, &ib.uuid, &ib.path),
            "{at}"
        );
        assert_eq!((&ia.name, &ia.bundle_id), (&ib.name, &ib.bundle_id), "{at}");
        // macOS 26 text prints "(1.0.0)" only: the build is not in the text.
        assert_eq!(ia.version, ib.version, "{at}");
        if ib.build.is_some() {
            assert_eq!(ia.build, ib.build, "{at}");
        }
    }
    let leb = |r: &CrashReport| -> Vec<(Option<u64>, Option<String>, Option<u64>)> {
        r.last_exception_backtrace
            .iter()
            .map(|f| (f.address, f.symbol.clone(), f.image_offset))
            .collect()
    };
    assert_eq!(leb(a), leb(b), "last exception backtrace");
    assert_eq!(
        a.app_specific_lines().collect::<Vec<_>>(),
        b.app_specific_lines().collect::<Vec<_>>()
    );
}

#[test]
fn ios16_ips_and_xcode_legacy_export_agree() {
    compare(
        "inket-MacSymbolicator/ios-crash-in-ips-format.ips",
        "inket-MacSymbolicator/ios-crash-with-json-header.crash",
    );
}

#[test]
fn simulator_ips_and_text_agree() {
    compare(
        "mobile-dev-inc-Symbolicator/MemoryLeakingApp-2022-08-05-132419.ips",
        "mobile-dev-inc-Symbolicator/MemoryLeakingApp-2022-08-05-132419.crash",
    );
}

#[test]
fn translated_ios26_text_and_json_agree() {
    compare_translated("kimu0223-solo-quest/log.md");
}

#[test]
fn translated_macos26_text_and_json_agree() {
    compare_translated("JoelBrown1-Keneth_Frequency/debugging_19_4_01.md");
}
