//! Grouping the whole Apple corpus: the twins of one incident share a bucket,
//! different crashes do not, non-crash reports are listed as not grouped, and
//! signatures and explanations match what the report files show.

use crashlens_bucket::{group, Decision, Engine, Event, Options, Outcome};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

fn apple() -> PathBuf {
    Path::new(CORPUS).join("apple")
}

fn file(rel: &str) -> String {
    apple().join(rel).display().to_string()
}

fn run(paths: &[PathBuf], opts: &Options) -> Outcome {
    group(paths, opts, &mut |_: Event| {}).unwrap()
}

/// A report of the Apple corpus, read in full.
fn apple_report(rel: &str) -> crashlens_model::CrashReport {
    crashlens_read::read_file(&apple().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn bucket_of<'a>(o: &'a Outcome, path: &str) -> &'a crashlens_bucket::Bucket {
    // A bucket keeps one example; find the bucket by the signature of the file.
    let report = crashlens_read::read_file(Path::new(path)).unwrap();
    let sig = Engine::default().signature(&report).text;
    o.buckets
        .iter()
        .find(|b| b.signature == sig)
        .unwrap_or_else(|| panic!("no bucket for {path}"))
}

const TWINS: [(&str, &str); 2] = [
    (
        "inket-MacSymbolicator/ios-crash-in-ips-format.ips",
        "inket-MacSymbolicator/ios-crash-with-json-header.crash",
    ),
    (
        "mobile-dev-inc-Symbolicator/MemoryLeakingApp-2022-08-05-132419.ips",
        "mobile-dev-inc-Symbolicator/MemoryLeakingApp-2022-08-05-132419.crash",
    ),
];

/// Files that are not process crashes (SOURCES.md): panics, jetsam events,
/// resource reports, a stackshot.
const NOT_CRASHES: [&str; 9] = [
    "doronz88-pycrashreport/kernel_mode_crash_report_ios16_forceReset-full.ips",
    "faisalmemon-ios-crash-dump-analysis-book/brain_cpu_ios.crash",
    "faisalmemon-ios-crash-dump-analysis-book/imac_bridge_os.crash",
    "faisalmemon-ios-crash-dump-analysis-book/jetsam_highwater.crash",
    "faisalmemon-ios-crash-dump-analysis-book/jetsam_vm-pageshortage.crash",
    "faisalmemon-ios-crash-dump-analysis-book/m1_mac_mini_serror.crash",
    "faisalmemon-ios-crash-dump-analysis-book/power_state_kernel_panic.crash",
    "faisalmemon-ios-crash-dump-analysis-book/snapshot_many_wakes_ios.crash",
    "faisalmemon-ios-crash-dump-analysis-book/stackshot_ios.crash",
];

/// Partial reports (SOURCES.md): threads and images only, or a header only.
const INCOMPLETE: [&str; 2] = [
    "getsentry-apple-crash-report-parser/spaces.txt",
    "getsentry-apple-crash-report-parser/xcode16.txt",
];

#[test]
fn twins_share_a_bucket_and_different_crashes_do_not() {
    let o = run(
        &[apple()],
        &Options {
            no_hypotheses: true,
            ..Default::default()
        },
    );
    assert_eq!(o.totals.files, 53);
    for (a, b) in TWINS {
        let ba = bucket_of(&o, &file(a));
        let bb = bucket_of(&o, &file(b));
        assert_eq!(ba.id, bb.id, "{a} and {b} are one incident");
        assert_eq!(ba.count, 2);
    }
    // Every other report in the corpus is a different crash: one per bucket.
    let multi: Vec<_> = o
        .buckets
        .iter()
        .filter(|b| b.count > 1)
        .map(|b| b.signature.clone())
        .collect();
    assert_eq!(multi.len(), TWINS.len(), "{multi:#?}");
    assert_eq!(
        o.totals.reports,
        53 - (NOT_CRASHES.len() + INCOMPLETE.len()) as u64
    );
    assert_eq!(
        o.totals.buckets as u64,
        o.totals.reports - TWINS.len() as u64
    );
    // Largest first.
    assert!(o.buckets.windows(2).all(|w| w[0].count >= w[1].count));
}

#[test]
fn non_crash_reports_are_listed_not_grouped() {
    let o = run(
        &[apple()],
        &Options {
            no_hypotheses: true,
            ..Default::default()
        },
    );
    let got: BTreeSet<String> = o
        .not_grouped
        .iter()
        .filter(|n| n.not_a_crash)
        .map(|n| n.path.clone())
        .collect();
    let want: BTreeSet<String> = NOT_CRASHES.iter().map(|f| file(f)).collect();
    assert_eq!(got, want);
    let got: BTreeSet<String> = o
        .not_grouped
        .iter()
        .filter(|n| !n.not_a_crash)
        .map(|n| n.path.clone())
        .collect();
    let want: BTreeSet<String> = INCOMPLETE.iter().map(|f| file(f)).collect();
    assert_eq!(got, want);
    assert!(o.not_grouped.iter().all(|n| !n.reason.is_empty()));
}

#[test]
fn the_ips_twin_signature_is_what_the_report_shows() {
    // Thread 0: _assertionFailure twice (Swift assertion, skipped), then two
    // unsymbolicated app frames at 0x102230000 + 25788 and + 25036, then
    // -[UIViewController _sendViewDidLoadWithAppearanceProxyObjectTaggingEnabled].
    let report = apple_report(TWINS[0].1);
    let x = Engine::default().explain(&report);
    assert_eq!(
        x.signature.text,
        "EXC_BREAKPOINT / SIGTRAP | iOSCrashingTest+0x64bc | iOSCrashingTest+0x61cc | \
         -[UIViewController _sendViewDidLoadWithAppearanceProxyObjectTaggingEnabled]"
    );
    assert!(
        matches!(&x.steps[0].decision, Decision::Skipped { reason } if reason.contains("Swift"))
    );
    assert!(matches!(&x.steps[1].decision, Decision::Skipped { .. }));
    assert_eq!(x.steps[2].decision, Decision::Counted);
    assert_eq!(x.steps[5].decision, Decision::After);
}

#[test]
fn raise_frames_are_skipped_in_the_simulator_twin() {
    // Frames 0-2: __pthread_kill, pthread_kill, raise; 3 and 4 in the app at
    // 0x106644000 + 17106 and + 22576; 5 a SwiftUI closure.
    let report = apple_report(TWINS[1].1);
    let x = Engine::default().explain(&report);
    for s in &x.steps[..3] {
        assert!(matches!(s.decision, Decision::Skipped { .. }), "{s:?}");
    }
    assert_eq!(x.signature.frames[0], "MemoryLeakingApp+0x42d2");
    assert_eq!(x.signature.frames[1], "MemoryLeakingApp+0x5830");
    assert_eq!(
        x.signature.frames[2],
        "partial apply for implicit closure #2 in implicit closure #1 in DefaultListButtonStyle.ListButton.body.getter"
    );
    assert_eq!(x.signature.exception, "EXC_CRASH / SIGSEGV");
}

#[test]
fn a_frame_in_no_image_is_written_by_its_page_offset() {
    // The Rosetta-translated report: thread 0's frame 0 is `???` at
    // 0x00007fff0144ff40, which no Binary Images line covers (Rosetta's
    // runtime); then __pthread_kill and abort, then the app's start_threads
    // and a thunk. Another launch slides that address by whole pages.
    let report = apple_report(
        "faisalmemon-ios-crash-dump-analysis-book/icdab_rosetta_thread-osx-x86-translated-0.crash",
    );
    let x = Engine::default().explain(&report);
    assert_eq!(
        x.signature.text,
        "EXC_CRASH / SIGABRT | ???@page+0xf40 | start_threads | \
         thunk for @escaping @callee_guaranteed ->"
    );
    assert_eq!(x.steps[0].raw, "??? @ 0x7fff0144ff40");
    assert!(x.steps[0]
        .note
        .as_deref()
        .is_some_and(|n| n.contains("page")));
}

#[test]
fn a_numeric_exception_type_keeps_the_kill_reason_of_its_codes() {
    // train_thermal.crash: "Exception Type: 00000020", "Exception Codes:
    // 0xc00010ff" (thermal), "Highlighted Thread: 0" and no crashed thread.
    let r = apple_report("faisalmemon-ios-crash-dump-analysis-book/train_thermal.crash");
    assert_eq!(
        Engine::default().signature(&r).text,
        "00000020 / 0xc00010ff | <no crashed thread in unknown process>"
    );
}

#[test]
fn null_dereference_offsets_enter_the_signature() {
    // XCDYouTubeKit-54.txt: SIGSEGV, SEGV_MAPERR at 0x8.
    let r = apple_report("getsentry-apple-crash-report-parser/XCDYouTubeKit-54.txt");
    assert_eq!(
        Engine::default().signature(&r).exception,
        "SIGSEGV / NULL+0x8"
    );
    // single-target-crash.ips: KERN_INVALID_ADDRESS at 0x1.
    let r = apple_report("inket-MacSymbolicator/single-target-crash.ips");
    assert_eq!(
        Engine::default().signature(&r).exception,
        "EXC_BAD_ACCESS / SIGSEGV / NULL+0x1"
    );
}

#[test]
fn the_same_semaphore_bug_on_two_architectures_is_possibly_the_same() {
    // icdab_sema_osx (x86_64, SIGILL) and icdab_sema_osx_arm64 (SIGTRAP): both
    // _dispatch_semaphore_dispose <- _dispatch_dispose <- use_sema.
    let o = run(
        &[apple()],
        &Options {
            no_hypotheses: true,
            ..Default::default()
        },
    );
    let a = bucket_of(
        &o,
        &file("faisalmemon-ios-crash-dump-analysis-book/icdab_sema_osx.crash"),
    );
    let b = bucket_of(
        &o,
        &file("faisalmemon-ios-crash-dump-analysis-book/icdab_sema_osx_arm64.crash"),
    );
    assert_ne!(a.id, b.id);
    assert_eq!(
        a.frames,
        vec![
            "_dispatch_semaphore_dispose",
            "_dispatch_dispose",
            "use_sema"
        ]
    );
    assert_eq!(a.frames, b.frames);
    assert!(o
        .possibly_the_same
        .iter()
        .any(|p| (p.a == a.id && p.b == b.id) || (p.a == b.id && p.b == a.id)));
}

#[test]
fn the_fast_path_gives_the_signature_of_the_full_analysis() {
    // `group` runs only the stack pass per report; the signature must be the
    // one the whole analysis gives, and start at its blamed frame.
    let (files, _) = crashlens_bucket::walk::walk(&[apple()]);
    let mut compared = 0;
    for f in files {
        let Ok(report) = crashlens_read::read_file(&f) else {
            continue;
        };
        let engine = Engine::default();
        let analysis = crashlens_analyze::analyze(&report);
        let full = engine.explain_with(&report, analysis.crashed_stack.as_ref());
        let fast = engine.explain(&report);
        assert_eq!(fast, full, "{}", f.display());
        if let Some(blamed) = analysis.crashed_stack.as_ref().and_then(|s| s.blamed_frame) {
            let first = full
                .steps
                .iter()
                .find(|s| !matches!(s.decision, Decision::Skipped { .. }));
            // The blamed frame is the first kept one, unless a signature rule
            // (a closure inside an assertion function) passes over it too.
            if let Some(first) = first {
                assert!(first.index >= blamed, "{}", f.display());
            }
            compared += 1;
        }
    }
    assert!(compared > 30, "{compared}");
}

#[test]
fn reading_only_the_crashed_thread_gives_the_summary_of_the_full_read() {
    // `group` reads reports with `Detail::Crashed` (the crashed thread and the
    // images it needs); every file must give the same summary and explanation
    // as the full read, or the same error.
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let (files, _) = crashlens_bucket::walk::walk(&[apple(), examples]);
    let engine = Engine::default();
    let opts = crashlens_read::ReadOptions::crashed(Some(crashlens_bucket::summary::keep_image));
    let mut compared = 0;
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let full = crashlens_read::read_bytes(&bytes);
        let skim = crashlens_read::read_bytes_with(&bytes, &opts);
        // A second read finds every image line in the reader's cache.
        let again = crashlens_read::read_bytes_with(&bytes, &opts);
        assert_eq!(
            skim.as_ref().map_err(ToString::to_string),
            again.as_ref().map_err(ToString::to_string),
            "{}",
            f.display()
        );
        match (full, skim) {
            (Ok(full), Ok(skim)) => {
                let a = crashlens_bucket::summary::summarize(&engine, &full, "p", "h");
                let b = crashlens_bucket::summary::summarize(&engine, &skim, "p", "h");
                assert_eq!(a, b, "{}", f.display());
                assert_eq!(
                    engine.explain(&full),
                    engine.explain(&skim),
                    "{}",
                    f.display()
                );
                assert!(skim.threads.len() <= full.threads.len());
                compared += 1;
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{}", f.display()),
            (a, b) => panic!("{}: full {:?} but skim {:?}", f.display(), a.err(), b.err()),
        }
    }
    assert!(compared > 35, "{compared}");
}

#[test]
fn a_database_run_reads_only_new_files() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let (files, _) = crashlens_bucket::walk::walk(&[apple()]);
    for f in &files {
        let name = f
            .strip_prefix(apple())
            .unwrap()
            .display()
            .to_string()
            .replace('/', "__");
        std::fs::copy(f, reports.join(name)).unwrap();
    }
    let db = dir.path().join("crashes.sqlite");
    let opts = Options {
        db: Some(db.clone()),
        no_hypotheses: true,
        ..Default::default()
    };
    let first = run(std::slice::from_ref(&reports), &opts);
    assert_eq!(first.totals.read_now, 53);
    assert_eq!(
        first.not_grouped.len(),
        NOT_CRASHES.len() + INCOMPLETE.len()
    );
    assert_eq!(first.totals.from_db, 0);

    let second = run(std::slice::from_ref(&reports), &opts);
    assert_eq!(second.totals.read_now, 0);
    assert_eq!(second.totals.from_db, first.totals.reports);
    let sigs = |o: &Outcome| {
        o.buckets
            .iter()
            .map(|b| (b.signature.clone(), b.count))
            .collect::<Vec<_>>()
    };
    assert_eq!(sigs(&first), sigs(&second));
    assert_eq!(first.not_grouped.len(), second.not_grouped.len());

    // A new file is the only one read; a copy of a known file is not read.
    std::fs::copy(apple().join(TWINS[0].0), reports.join("again.ips")).unwrap();
    std::fs::write(
        reports.join("new.crash"),
        "Incident Identifier: x\nnot a crash report at all\n",
    )
    .unwrap();
    let third = run(std::slice::from_ref(&reports), &opts);
    assert_eq!(third.totals.read_now, 1, "{:?}", third.totals);
    assert_eq!(third.totals.duplicates, 1);
    assert_eq!(third.not_grouped.len(), first.not_grouped.len() + 1);

    // No paths: every stored report.
    let stored = run(&[], &opts);
    assert_eq!(sigs(&stored), sigs(&first));
}
