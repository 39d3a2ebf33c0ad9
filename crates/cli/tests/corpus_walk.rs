//! Every file in ../shared/corpus goes through the whole pipeline (read ->
//! analyze -> Markdown and JSON) without a panic, and each Apple report is
//! either read or named as a report kind that is not a process crash.

use std::path::{Path, PathBuf};

use crashlens_read::ReadError;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

/// Apple files that are not process crash reports, and what they are.
const NOT_PROCESS_CRASHES: &[&str] = &[
    "doronz88-pycrashreport/kernel_mode_crash_report_ios16_forceReset-full.ips", // kernel panic, bug_type 151
    "faisalmemon-ios-crash-dump-analysis-book/imac_bridge_os.crash", // bridgeOS panic, bug_type 210
    "faisalmemon-ios-crash-dump-analysis-book/jetsam_highwater.crash", // jetsam event, 298
    "faisalmemon-ios-crash-dump-analysis-book/jetsam_vm-pageshortage.crash", // jetsam event, 298
    "faisalmemon-ios-crash-dump-analysis-book/stackshot_ios.crash",  // stackshot, 188
    "faisalmemon-ios-crash-dump-analysis-book/brain_cpu_ios.crash",  // EXC_RESOURCE CPU report
    "faisalmemon-ios-crash-dump-analysis-book/snapshot_many_wakes_ios.crash", // EXC_RESOURCE WAKEUPS report
    "faisalmemon-ios-crash-dump-analysis-book/power_state_kernel_panic.crash", // macOS kernel panic text
    "faisalmemon-ios-crash-dump-analysis-book/m1_mac_mini_serror.crash", // DCP coprocessor panic
];

fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(CORPUS);
    if p.is_dir() {
        Some(p)
    } else if std::env::var_os("CI").is_some() {
        panic!("the corpus is missing at {CORPUS}; CI must have ../shared beside the clone");
    } else {
        eprintln!("skipping: no corpus at {CORPUS}");
        None
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read corpus dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn every_corpus_file_goes_through_the_pipeline_without_panic() {
    let Some(root) = corpus() else { return };
    let mut files = Vec::new();
    walk(&root, &mut files);
    assert!(
        files.len() > 100,
        "expected the whole corpus, found {} files",
        files.len()
    );
    let mut read = 0;
    for f in &files {
        match crashlens_read::read_file(f) {
            Ok(report) => {
                read += 1;
                let analysis = crashlens_analyze::analyze(&report);
                let md = crashlens_render::markdown::render(&report, &analysis);
                assert!(!md.trim().is_empty(), "{}: empty Markdown", f.display());
                let json = crashlens_render::json::render(&report, &analysis);
                assert!(json.is_object(), "{}: JSON is not an object", f.display());
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.len() > 10, "{}: unhelpful error {msg:?}", f.display());
            }
        }
    }
    assert!(
        read >= 40,
        "only {read} corpus files were read as crash reports"
    );
}

#[test]
fn every_apple_report_is_read_or_named() {
    let Some(root) = corpus() else { return };
    let apple = root.join("apple");
    let mut files = Vec::new();
    walk(&apple, &mut files);
    let mut problems = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(&apple)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let expect_not_crash = NOT_PROCESS_CRASHES.contains(&rel.as_str());
        match (crashlens_read::read_file(f), expect_not_crash) {
            (Ok(r), false) => {
                if r.threads.is_empty() && rel != "getsentry-apple-crash-report-parser/xcode16.txt"
                {
                    problems.push(format!("{rel}: read, but no threads"));
                }
            }
            (Err(ReadError::NotACrashReport { .. }), true) => {}
            (Ok(_), true) => problems.push(format!("{rel}: read as a crash, but it is not one")),
            (Err(e), _) => problems.push(format!("{rel}: {e}")),
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
