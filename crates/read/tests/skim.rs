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
fn two_crashed_thread_lines_fall_back_to_the_full_read() {
    // A report spliced from two: "Crashed Thread: 1" heads it, a second header
    // further down says 0, after thread 0's frames were passed over as not
    // the crashed thread. The skimmed read notices and reads it all.
    let bytes = std::fs::read(Path::new(FIXTURES).join("two-crashed-thread-lines.crash")).unwrap();
    let skim = crashlens_read::read_bytes_with(&bytes, &ReadOptions::crashed(None)).unwrap();
    assert_eq!(skim.crashed_thread, Some(0));
    assert_eq!(skim.crashed().map(|t| t.frames.len()), Some(8));
}
