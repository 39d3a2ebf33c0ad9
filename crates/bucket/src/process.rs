//! One file of a `group` run: its stamp checked against the database, its
//! bytes read (into a buffer each worker keeps) and hashed, and the report
//! skimmed and summarized, or the reason it is not grouped.

use std::collections::HashSet;
use std::path::Path;

use crashlens_knowledge::memo::KeyIsHash;
use crashlens_read::{ReadError, MAX_REPORT_BYTES};

use crate::store::{FileStamp, FileStamps};
use crate::{hex, parse_hex, summary, Engine, NotGrouped, ReportSummary};

/// What became of one file.
pub(crate) enum Processed {
    /// Already in the database.
    Known {
        hash: u128,
        path: String,
        stamp: Option<FileStamp>,
    },
    Report {
        hash: u128,
        summary: Box<ReportSummary>,
        stamp: Option<FileStamp>,
    },
    Bad {
        hash: Option<u128>,
        ng: NotGrouped,
        stamp: Option<FileStamp>,
    },
}

impl Processed {
    fn bad(
        path: String,
        reason: String,
        hash: Option<u128>,
        not_a_crash: bool,
        stamp: Option<FileStamp>,
    ) -> Processed {
        Processed::Bad {
            hash,
            ng: NotGrouped {
                path,
                reason,
                not_a_crash,
            },
            stamp,
        }
    }
}

/// Reads, hashes and summarizes one file.
pub(crate) fn process(
    path: &Path,
    stamps: Option<&FileStamps>,
    known: Option<&HashSet<u128, KeyIsHash>>,
    engine: &Engine,
) -> Processed {
    let path_s = path.display().to_string();
    let bad = |reason: String, hash: Option<u128>, not_a_crash: bool, stamp: Option<FileStamp>| {
        Processed::bad(path_s.clone(), reason, hash, not_a_crash, stamp)
    };
    // With stamps, most files are known by their stamp alone: one stat, no
    // open. Without, the size and time come from the file opened to read it.
    let (meta, opened) = if stamps.is_some() {
        (std::fs::metadata(path), None)
    } else {
        match std::fs::File::open(path) {
            Ok(f) => (f.metadata(), Some(f)),
            Err(e) => return bad(format!("cannot read file: {e}"), None, false, None),
        }
    };
    let meta = match meta {
        Ok(m) => m,
        Err(e) => return bad(format!("cannot read file: {e}"), None, false, None),
    };
    let size = meta.len();
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    if let Some(st) = stamps.and_then(|s| s.get(&path_s)) {
        if st.size == size && st.mtime_ns == mtime_ns {
            if let Some(h) = parse_hex(&st.hash) {
                return Processed::Known {
                    hash: h,
                    path: path_s,
                    stamp: None,
                };
            }
        }
    }
    if size > MAX_REPORT_BYTES {
        return bad(
            ReadError::TooLarge {
                size,
                limit: MAX_REPORT_BYTES,
            }
            .to_string(),
            None,
            false,
            None,
        );
    }
    let mut file = match opened.map_or_else(|| std::fs::File::open(path), Ok) {
        Ok(f) => f,
        Err(e) => return bad(format!("cannot read file: {e}"), None, false, None),
    };
    READ_BUFFER.with_borrow_mut(|bytes| {
        bytes.clear();
        let read = std::io::Read::read_to_end(&mut file, bytes);
        drop(file);
        let done = match read {
            Ok(_) => summarize_bytes(bytes, path_s, size, mtime_ns, stamps, known, engine),
            Err(e) => Processed::bad(path_s, format!("cannot read file: {e}"), None, false, None),
        };
        if bytes.capacity() > READ_BUFFER_KEPT {
            *bytes = Vec::new();
        }
        done
    })
}

/// A worker's read buffer grown past this is let go after its file.
const READ_BUFFER_KEPT: usize = 8 << 20;

thread_local! {
    /// Each worker reads its files into one buffer, grown to the largest
    /// file it has read, instead of a new allocation per file.
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// [`process`] once the file's bytes are read.
fn summarize_bytes(
    bytes: &[u8],
    path_s: String,
    size: u64,
    mtime_ns: i64,
    stamps: Option<&FileStamps>,
    known: Option<&HashSet<u128, KeyIsHash>>,
    engine: &Engine,
) -> Processed {
    let bad = |reason: String, hash: Option<u128>, not_a_crash: bool, stamp: Option<FileStamp>| {
        Processed::bad(path_s.clone(), reason, hash, not_a_crash, stamp)
    };
    let hash = xxhash_rust::xxh3::xxh3_128(bytes);
    let stamp = stamps.map(|_| FileStamp {
        size,
        mtime_ns,
        hash: hex(hash),
    });
    if known.is_some_and(|k| k.contains(&hash)) {
        return Processed::Known {
            hash,
            path: path_s,
            stamp,
        };
    }
    // Only what the signature and summary need (see `crashlens_read::options`).
    let opts = crashlens_read::ReadOptions::crashed(Some(summary::keep_image));
    match crashlens_read::read_bytes_with(bytes, &opts) {
        Ok(report) if report.exception.is_none() && report.crashed().is_none() => bad(
            "incomplete report: no exception and no crashed thread, nothing to group by".into(),
            Some(hash),
            false,
            stamp,
        ),
        Ok(mut report) => {
            report.source.path = Some(path_s.clone());
            let summary = Box::new(summary::summarize(engine, &report, &path_s, &hex(hash)));
            Processed::Report {
                hash,
                summary,
                stamp,
            }
        }
        Err(e) => {
            let not_a_crash = matches!(
                e,
                ReadError::NotACrashReport { .. } | ReadError::Unsupported { .. }
            );
            bad(e.to_string(), Some(hash), not_a_crash, stamp)
        }
    }
}
