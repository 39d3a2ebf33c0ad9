//! `Detail::Crashed` (what `group` reads) against the full read: for every
//! corpus report and the fixtures under `tests/fixtures/skim` (inputs the
//! `read_skim` fuzz target found), both succeed or both fail, and they agree
//! on the crashed thread, its frames and the images those frames lie in.

use crashlens_read::{CrashReport, ReadOptions};
use std::path::{Path, PathBuf};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/apple");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/skim");

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if !p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("SOURCES"))
        {
            out.push(p);
        }
    }
}

/// The crashed thread's number and frames, each with the whole image it lies in.
fn crashed_view(r: &CrashReport) -> (Option<u32>, Vec<(String, Option<String>)>) {
    let frames = r
        .crashed()
        .map(|t| {
            t.frames
                .iter()
                .map(|f| {
                    let image = r.image_of(f).map(|i| format!("{i:?}"));
                    // Text reports keep fewer images, so positions differ.
                    let f = crashlens_model::Frame {
                        image_index: None,
                        ..f.clone()
                    };
                    (format!("{f:?}"), image)
                })
                .collect()
        })
        .unwrap_or_default();
    (r.crashed_thread, frames)
}

#[test]
fn the_crashed_thread_reads_the_same_either_way() {
    let mut all = Vec::new();
    files(Path::new(FIXTURES), &mut all);
    let fixtures = all.len();
    assert!(fixtures >= 1);
    files(Path::new(CORPUS), &mut all);
    let opts = ReadOptions::crashed(None);
    for f in &all {
        let bytes = std::fs::read(f).unwrap();
        let full = crashlens_read::read_bytes(&bytes);
        let skim = crashlens_read::read_bytes_with(&bytes, &opts);
        match (&full, &skim) {
            (Ok(a), Ok(b)) => {
                assert_eq!(crashed_view(a), crashed_view(b), "{}", f.display());
                assert_eq!(a.exception, b.exception, "{}", f.display());
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{}", f.display()),
            _ => panic!(
                "{}: full {:?}, skim {:?}",
                f.display(),
                full.err(),
                skim.err()
            ),
        }
    }
}

#[test]
fn a_report_read_again_reads_the_same() {
    // The second read of each report finds its image lines, and the images
    // it keeps, remembered from the first (the reader's per-thread memory).
    let mut all = Vec::new();
    files(Path::new(CORPUS), &mut all);
    let opts = ReadOptions::crashed(Some(|id| id.name.is_some_and(|n| n.contains("AGX"))));
    for f in &all {
        let bytes = std::fs::read(f).unwrap();
        let first = crashlens_read::read_bytes_with(&bytes, &opts);
        let again = crashlens_read::read_bytes_with(&bytes, &opts);
        match (&first, &again) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.images, b.images, "{}", f.display());
                assert_eq!(crashed_view(a), crashed_view(b), "{}", f.display());
                // And what memory gave is what the full read gives.
                let full = crashlens_read::read_bytes(&bytes).unwrap();
                assert_eq!(crashed_view(&full), crashed_view(b), "{}", f.display());
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{}", f.display()),
            _ => panic!("{}: the second read differs", f.display()),
        }
    }
}

#[test]
fn two_crashed_thread_lines_fall_back_to_the_full_read() {
    // A report spliced from two: "Crashed Thread: 1" heads it, a second header
    // further down says 0, after thread 0's frames were passed over as not
    // the crashed thread. The skimmed read notices and reads it all.
    let bytes = std::fs::read(Path::new(FIXTURES).join("two-crashed-thread-lines.crash")).unwrap();
    let skim = crashlens_read::read_bytes_with(&bytes, &ReadOptions::crashed(None)).unwrap();
    assert_eq!(skim.crashed_thread, Some(0));
    assert_eq!(skim.crashed().map(|t| t.frames.len()), Some(8));
}

#[test]
fn a_register_state_naming_the_crashed_thread_late_falls_back_to_the_full_read() {
    // No "Crashed Thread" line and no thread marked "Crashed": the skimmed
    // read passes over both threads, then "Thread 1 crashed with X86 Thread
    // State" names one of them. It reads it all instead.
    let name = "state-names-the-crashed-thread.crash";
    let bytes = std::fs::read(Path::new(FIXTURES).join(name)).unwrap();
    let skim = crashlens_read::read_bytes_with(&bytes, &ReadOptions::crashed(None)).unwrap();
    assert_eq!(skim.crashed_thread, Some(1));
    let frames = &skim.crashed().unwrap().frames;
    assert_eq!(frames.len(), 3);
    assert_eq!(frames[0].symbol.as_deref(), Some("objc_msgSend"));
    assert!(skim
        .images
        .iter()
        .any(|i| i.name.as_deref() == Some("libobjc.A.dylib")));
}

#[test]
fn with_no_crashed_thread_no_thread_is_built() {
    // A thermal report: "Highlighted Thread: 0", no thread crashed. A signature
    // or summary reads no thread's frames then, so the skimmed read passes over
    // them all, and keeps only the images it would keep for no frames.
    let path =
        Path::new(CORPUS).join("faisalmemon-ios-crash-dump-analysis-book/train_thermal.crash");
    let bytes = std::fs::read(path).unwrap();
    let full = crashlens_read::read_bytes(&bytes).unwrap();
    let skim = crashlens_read::read_bytes_with(&bytes, &ReadOptions::crashed(None)).unwrap();
    assert!(full.crashed().is_none() && skim.crashed().is_none());
    assert_eq!(full.threads.len(), 7);
    assert!(skim.threads.is_empty());
    assert!(full.images.len() > 50);
    assert!(skim.images.len() < 5, "{:?}", skim.images);
}

/// A real report with `"x": value` put into thread 1, a thread that did not
/// crash (the skimmed read passes over it unbuilt).
fn with_value_in_thread_1(value: &str) -> Vec<u8> {
    let path = Path::new(CORPUS).join("inket-MacSymbolicator/ios-crash-in-ips-format.ips");
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(text.matches(r#""id":6262,"#).count(), 1);
    text.replace(r#""id":6262,"#, &format!(r#""id":6262,"x":{value},"#))
        .into_bytes()
}

#[test]
fn unbuilt_values_the_full_read_rejects_fail_with_its_words() {
    let deep = format!("{}{}", "[".repeat(130), "]".repeat(130));
    let long = "7".repeat(400);
    for value in [r#""\ud800""#, r#""a\udc00b""#, "1e999", &long, &deep] {
        let bytes = with_value_in_thread_1(value);
        let full = crashlens_read::read_bytes(&bytes).map(|_| ()).unwrap_err();
        let skim = crashlens_read::read_bytes_with(&bytes, &ReadOptions::crashed(None))
            .map(|_| ())
            .unwrap_err();
        assert_eq!(full.to_string(), skim.to_string(), "{value}");
    }
}

#[test]
fn ordinary_unbuilt_values_read_the_same_either_way() {
    let strings = r#"["\"", "\/", "\n", "\u00e9", "\ud83d\ude00", "\\ud800"]"#;
    for value in [
        strings,
        "0.25",
        "-3",
        "[1.5e3, -0, 2E-7, 18446744073709551616]",
    ] {
        let bytes = with_value_in_thread_1(value);
        let full = crashlens_read::read_bytes(&bytes).unwrap();
        let skim = crashlens_read::read_bytes_with(&bytes, &ReadOptions::crashed(None)).unwrap();
        assert_eq!(crashed_view(&full), crashed_view(&skim), "{value}");
        assert_eq!(full.exception, skim.exception, "{value}");
        assert_eq!(full.threads.len(), 8, "{value}");
    }
}

#[test]
fn a_report_whose_image_list_differs_from_one_read_before_reads_as_if_new() {
    // The reader remembers, per thread, each image line's identity, the
    // identity that followed it and the line last read with it (see
    // `kept_images::Identities`). A list that differs from one read before
    // in places (a line moved, left out, added or renamed, the list cut
    // short) must read what a thread that never saw the first one reads.
    let mut all = Vec::new();
    files(Path::new(CORPUS), &mut all);
    // Every image kept, so that each line's reading shows.
    let opts = ReadOptions::crashed(Some(|_| true));
    let read_fresh = |bytes: Vec<u8>| {
        std::thread::spawn(move || {
            crashlens_read::read_bytes_with(&bytes, &opts)
                .map(|r| (r.images.clone(), crashed_view(&r)))
        })
        .join()
        .unwrap()
    };
    let mut varied = 0;
    for f in &all {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let Some(start) = lines.iter().position(|l| l.starts_with("Binary Images:")) else {
            continue;
        };
        let list = start + 1..lines.len();
        if list.len() < 12 {
            continue;
        }
        let edit = |f: &dyn Fn(usize, &str) -> Vec<String>| -> String {
            lines
                .iter()
                .enumerate()
                .flat_map(|(i, l)| {
                    if list.contains(&i) {
                        f(i - list.start, l)
                    } else {
                        vec![l.to_string()]
                    }
                })
                .collect()
        };
        let variants = [
            // The first line moved (an app's image slides with each launch).
            edit(&|i, l| {
                vec![if i == 0 {
                    l.replacen("0x", "0x1", 2)
                } else {
                    l.to_string()
                }]
            }),
            // One line left out, one added, one renamed.
            edit(&|i, l| if i == 3 { vec![] } else { vec![l.to_string()] }),
            edit(&|i, l| {
                if i == 5 {
                    vec![l.to_string(), l.to_string()]
                } else {
                    vec![l.to_string()]
                }
            }),
            edit(&|i, l| {
                vec![if i == 7 {
                    l.replacen('/', "/x", 1)
                } else {
                    l.to_string()
                }]
            }),
            // The list cut after its eleventh line (and all that follows it).
            edit(&|i, l| if i > 10 { vec![] } else { vec![l.to_string()] }),
        ];
        let _ = crashlens_read::read_bytes_with(text.as_bytes(), &opts);
        for v in variants {
            let here = crashlens_read::read_bytes_with(v.as_bytes(), &opts)
                .map(|r| (r.images.clone(), crashed_view(&r)));
            let fresh = read_fresh(v.into_bytes());
            match (here, fresh) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", f.display()),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{}", f.display()),
                (a, b) => panic!("{}: {:?} against {:?}", f.display(), a.err(), b.err()),
            }
            varied += 1;
        }
    }
    assert!(varied >= 100, "{varied}");
}
