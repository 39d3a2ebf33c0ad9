//! `crashlens group` end to end: every output format over the Apple corpus,
//! `--explain`, `--db` (second run and stored buckets), bad files listed
//! without failing the run, usage errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

fn apple() -> PathBuf {
    Path::new(CORPUS).join("apple")
}

fn group(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crashlens"))
        .arg("group")
        .args(args)
        .output()
        .expect("run crashlens")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(args: &[&str]) -> serde_json::Value {
    let o = group(args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON output")
}

#[test]
fn json_has_buckets_largest_first_with_what_each_bucket_shows() {
    let a = apple();
    let v = json(&[a.to_str().unwrap(), "--format", "json", "--no-hypotheses"]);
    let buckets = v["buckets"].as_array().unwrap();
    assert!(!buckets.is_empty());
    let counts: Vec<u64> = buckets
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    // The largest buckets are the two twin pairs of the corpus.
    assert_eq!(&counts[..3], &[2, 2, 1]);
    let top = &buckets[0];
    for key in [
        "id",
        "signature",
        "exception",
        "frames",
        "first_seen",
        "last_seen",
        "os_versions",
        "hardware_models",
        "app_versions",
        "gpu_drivers",
        "thread_names",
        "example",
    ] {
        assert!(top.get(key).is_some(), "bucket lacks {key}: {top}");
    }
    // The inket twins: iPhone OS 16.0 (20A362) on an iPhone14,2, app 1.0 (1),
    // crashed on the main thread, captured 2022-09-18 15:28:37.3451 +0900.
    let inket = buckets
        .iter()
        .find(|b| {
            b["signature"]
                .as_str()
                .unwrap()
                .contains("iOSCrashingTest+0x64bc")
        })
        .unwrap();
    assert_eq!(inket["count"], 2);
    assert_eq!(inket["os_versions"][0]["value"], "iPhone OS 16.0 (20A362)");
    assert_eq!(inket["os_versions"][0]["count"], 2);
    assert_eq!(inket["hardware_models"][0]["value"], "iPhone14,2");
    assert_eq!(inket["app_versions"][0]["value"], "1.0 (1)");
    assert_eq!(inket["thread_names"][0]["value"], "com.apple.main-thread");
    assert_eq!(inket["first_seen"], "2022-09-18 15:28:37.3451 +0900");
    // Non-crash reports are listed, not bucketed.
    let ng = v["not_grouped"].as_array().unwrap();
    assert!(ng.iter().any(|n| n["path"]
        .as_str()
        .unwrap()
        .ends_with("jetsam_highwater.crash")));
    assert_eq!(
        v["totals"]["not_grouped"].as_u64().unwrap() as usize,
        ng.len()
    );
}

#[test]
fn no_progress_is_written_when_stderr_is_not_a_terminal() {
    // The progress bar is for terminals: in a pipe or a log, stderr stays
    // empty for a run without bad input.
    let a = apple();
    let o = group(&[a.to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
}

#[test]
fn the_leading_hypothesis_comes_from_the_analysis() {
    let a = apple().join("inket-MacSymbolicator");
    let v = json(&[a.to_str().unwrap(), "--format", "json"]);
    let buckets = v["buckets"].as_array().unwrap();
    // Whatever the verdict says, every bucket whose example the analysis
    // reaches a verdict on carries it.
    let example = buckets[0]["example"].as_str().unwrap();
    let report = crashlens_read_file(example);
    if let Some(h) = report {
        assert_eq!(buckets[0]["hypothesis"], h);
    }
}

/// The leading hypothesis of `crashlens analyze --format json FILE`, if any.
fn crashlens_read_file(path: &str) -> Option<String> {
    let o = Command::new(env!("CARGO_BIN_EXE_crashlens"))
        .args(["analyze", "--format", "json", path])
        .output()
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).ok()?;
    let title = v.pointer("/analysis/verdict/hypotheses/0/title")?;
    Some(title.as_str()?.to_string())
}

#[test]
fn table_md_and_csv_name_every_bucket() {
    let a = apple();
    let dir = a.to_str().unwrap();
    let v = json(&[dir, "--format", "json", "--no-hypotheses"]);
    let n = v["buckets"].as_array().unwrap().len();

    let table = stdout(&group(&[dir, "--format", "table", "--no-hypotheses"]));
    assert!(table.starts_with("crashlens group: "), "{table}");
    assert!(table.contains("SIGNATURE"));
    assert!(table.contains(&format!("#{n} [")));
    assert!(table.contains("Not grouped (11):"));

    let md = stdout(&group(&[dir, "--format", "md", "--no-hypotheses"]));
    assert!(md.starts_with("# Crash buckets"));
    assert!(md.contains("| # | Count | First seen | Last seen | Signature |"));
    assert!(md.contains(&format!("\n## {n}. ")));
    assert!(md.contains("## Not grouped (11)"));

    let csv = stdout(&group(&[dir, "--format", "csv", "--no-hypotheses"]));
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("rank,bucket,count,first_seen,last_seen,signature,"));
    assert_eq!(lines.count(), n);
    // A field with a comma is quoted (the inket twins' model, iPhone14,2).
    assert!(csv.contains(",\"iPhone14,2 ×2\","), "{csv}");
}

#[test]
fn ndjson_is_one_line_per_report_with_signature_and_bucket() {
    let a = apple();
    let o = group(&[a.to_str().unwrap(), "--format", "ndjson", "--no-hypotheses"]);
    assert!(o.status.success());
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 53);
    let reports: Vec<_> = lines
        .iter()
        .filter(|l| l["signature"].is_string())
        .collect();
    assert_eq!(reports.len(), 42);
    assert!(reports
        .iter()
        .all(|l| l["bucket"].as_str().is_some_and(|b| b.len() == 12)));
    let twins: Vec<_> = reports
        .iter()
        .filter(|l| {
            l["path"]
                .as_str()
                .unwrap()
                .contains("MemoryLeakingApp-2022-08-05-132419")
        })
        .collect();
    assert_eq!(twins.len(), 2);
    assert_eq!(twins[0]["bucket"], twins[1]["bucket"]);
    assert!(lines
        .iter()
        .any(|l| l["bucket"].is_null() && l["not_grouped"].is_string()));
}

#[test]
fn explain_shows_each_frame_and_why() {
    let f = apple().join("mobile-dev-inc-Symbolicator/MemoryLeakingApp-2022-08-05-132419.crash");
    let o = group(&["--explain", f.to_str().unwrap(), "--format", "table"]);
    assert!(o.status.success());
    let text = stdout(&o);
    // Frames 0-2 are __pthread_kill, pthread_kill and raise: skipped as the
    // frames that send the signal; frames 3 and 4 are the app, unsymbolicated.
    assert!(
        text.contains(
            "signature: EXC_CRASH / SIGSEGV | MemoryLeakingApp+0x42d2 | MemoryLeakingApp+0x5830 | "
        ),
        "{text}"
    );
    let frame_line = |i: u32| {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("{i}  ")))
            .unwrap_or("")
    };
    assert!(
        frame_line(0).contains("SKIPPED") && frame_line(0).contains("__pthread_kill"),
        "{text}"
    );
    assert!(
        frame_line(2).contains("SKIPPED") && frame_line(2).contains("raise"),
        "{text}"
    );
    assert!(frame_line(3).contains("COUNTED"), "{text}");
    assert!(frame_line(6).contains("AFTER"), "{text}");
    assert!(text.contains("(skipped: sends the fatal signal"), "{text}");

    let v = json(&["--explain", f.to_str().unwrap(), "--format", "json"]);
    assert_eq!(v["steps"][0]["decision"], "skipped");
    assert_eq!(v["steps"][3]["decision"], "counted");
    assert_eq!(v["steps"][3]["normalized"], "MemoryLeakingApp+0x42d2");

    let md = stdout(&group(&[
        "--explain",
        f.to_str().unwrap(),
        "--format",
        "md",
    ]));
    assert!(md.contains("| Frame | As written | Normalized | Counted? |"));
}

#[test]
fn db_second_run_reads_nothing_and_db_alone_prints_stored_buckets() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    let a = apple();
    let (d, b) = (a.to_str().unwrap(), db.to_str().unwrap());
    let first = json(&[d, "--db", b, "--format", "json", "--no-hypotheses"]);
    let second = json(&[d, "--db", b, "--format", "json", "--no-hypotheses"]);
    assert_eq!(first["totals"]["read_now"], 53);
    assert_eq!(second["totals"]["read_now"], 0);
    assert_eq!(second["totals"]["from_db"], first["totals"]["reports"]);
    let sigs = |v: &serde_json::Value| -> Vec<(String, u64)> {
        v["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["signature"].as_str().unwrap().to_string(),
                    b["count"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(sigs(&first), sigs(&second));
    let stored = json(&["--db", b, "--format", "json", "--no-hypotheses"]);
    assert_eq!(sigs(&stored), sigs(&first));
    // NDJSON gives each stored report whole, as read the first time (a
    // bucket needs the frames of its first report only, and a run for
    // buckets reads only those).
    let reports = |args: &[&str]| -> Vec<serde_json::Value> {
        let o = group(args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let mut v: Vec<serde_json::Value> = stdout(&o)
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .filter(|l: &serde_json::Value| l["signature"].is_string())
            .collect();
        v.sort_by_key(|l| l["path"].as_str().map(str::to_owned));
        v
    };
    let dir2 = tempfile::tempdir().unwrap();
    let db2 = dir2.path().join("n.sqlite");
    let b2 = db2.to_str().unwrap();
    let read = reports(&[d, "--db", b2, "--format", "ndjson", "--no-hypotheses"]);
    let again = reports(&[d, "--db", b2, "--format", "ndjson", "--no-hypotheses"]);
    let alone = reports(&["--db", b2, "--format", "ndjson", "--no-hypotheses"]);
    assert_eq!(read.len(), 42);
    // Some bucket holds two reports with frames, so the check below would
    // see frames missing from the second.
    let with_frames: Vec<&serde_json::Value> = read
        .iter()
        .filter(|l| l["frames"].as_array().is_some_and(|f| !f.is_empty()))
        .map(|l| &l["bucket"])
        .collect();
    assert!(with_frames
        .iter()
        .any(|b| with_frames.iter().filter(|c| c == &b).count() > 1));
    assert_eq!(again, read);
    assert_eq!(alone, read);
}

#[test]
fn db_knows_a_moved_report_by_its_content() {
    // The file has no stamp at its new path, so it is read and hashed; its
    // hash is in the database, so it is not read as a report again.
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    std::fs::copy(
        apple().join("inket-MacSymbolicator/single-target-crash.ips"),
        reports.join("a.ips"),
    )
    .unwrap();
    std::fs::write(reports.join("empty.ips"), "").unwrap();
    let db = dir.path().join("c.sqlite");
    let (d, b) = (reports.to_str().unwrap(), db.to_str().unwrap());
    let first = json(&[d, "--db", b, "--format", "json", "--no-hypotheses"]);
    assert_eq!(first["totals"]["read_now"], 2, "{first}");
    std::fs::rename(reports.join("a.ips"), reports.join("b.ips")).unwrap();
    std::fs::rename(reports.join("empty.ips"), reports.join("none.ips")).unwrap();
    let second = json(&[d, "--db", b, "--format", "json", "--no-hypotheses"]);
    assert_eq!(second["totals"]["read_now"], 0, "{second}");
    assert_eq!(second["totals"]["from_db"], 1, "{second}");
    let path = |v: &serde_json::Value| v.as_str().map(PathBuf::from);
    assert_eq!(
        path(&second["buckets"][0]["example"]),
        Some(reports.join("b.ips"))
    );
    assert_eq!(
        path(&second["not_grouped"][0]["path"]),
        Some(reports.join("none.ips"))
    );
}

#[test]
fn bad_files_are_listed_and_do_not_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.ips"), "").unwrap();
    std::fs::write(dir.path().join("garbage.crash"), [0xffu8, 0xfe, 0x00, 0x12]).unwrap();
    std::fs::copy(
        apple().join("inket-MacSymbolicator/single-target-crash.ips"),
        dir.path().join("ok.ips"),
    )
    .unwrap();
    let missing = dir.path().join("missing.ips");
    let o = group(&[
        dir.path().to_str().unwrap(),
        missing.to_str().unwrap(),
        "--format",
        "table",
        "--no-hypotheses",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = stdout(&o);
    assert!(text.contains("1 report in 1 bucket"), "{text}");
    assert!(text.contains("Not grouped (3):"), "{text}");
    for name in ["empty.ips", "garbage.crash", "missing.ips"] {
        assert!(text.contains(name), "{name} not listed: {text}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let o = group(&[]);
    assert_eq!(o.status.code(), Some(2));
    let o = group(&["x", "--format", "yaml"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_report_on_a_pipe_is_read_to_its_end() {
    // `crashlens group <(cat x.ips)` names a pipe, whose stat says 0 bytes.
    use std::io::Write;
    let seed = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/seed-agx-race.ips"),
    )
    .expect("the example report");
    let mut child = Command::new(env!("CARGO_BIN_EXE_crashlens"))
        .args(["group", "/dev/stdin", "--format", "json", "--no-hypotheses"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run crashlens");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&seed));
    let out = child.wait_with_output().expect("output");
    writer.join().expect("writer").expect("write the report");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(v["totals"]["reports"], 1, "{v}");
    assert_eq!(v["totals"]["not_grouped"], 0, "{v}");
}
