//! One file of a `group` run: its stamp checked against the database, its
//! bytes read (into a buffer each worker keeps) and hashed, and the report
//! skimmed and summarized, or the reason it is not grouped.

use std::path::Path;

use crashlens_read::{ReadError, MAX_REPORT_BYTES};

use crate::store::{FileStamp, FileStamps, KnownHashes};
use crate::{hex, summary, Engine, NotGrouped, ReportSummary};

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
    known: &KnownHashes,
    engine: &Engine,
) -> Processed {
    // As `display()` writes it, without its character-by-character check
    // when the path is UTF-8 (nearly always).
    let path_s = path
        .to_str()
        .map_or_else(|| path.display().to_string(), str::to_owned);
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
            return Processed::Known {
                hash: st.hash,
                path: path_s,
                stamp: None,
            };
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
    // Only an ordinary file's stat gives its length (a pipe named on the
    // command line, `<(cat x.ips)`, says 0).
    let known_size = meta.is_file().then_some(size);
    READ_BUFFER.with_borrow_mut(|buffer| {
        let read = read_file(&mut file, known_size, buffer);
        drop(file);
        let done = match read {
            Ok(bytes) => summarize_bytes(bytes, path_s, size, mtime_ns, stamps, known, engine),
            Err(e) => Processed::bad(path_s, format!("cannot read file: {e}"), None, false, None),
        };
        if buffer.len() > READ_BUFFER_KEPT {
            *buffer = Vec::new();
        }
        done
    })
}

/// Reads the file into `buffer` and returns its bytes. With `size`, an
/// ordinary file's length from its stat: that many bytes, in one `read` call
/// (`read_to_end` would stat the file again, ask where it is, and make one
/// more `read` to see the end: seven system calls a file instead of four),
/// into a buffer grown, and zeroed, only past the largest file read before.
/// A file that grew after the stat is read as it was then, as its stamp
/// says; one that shrank, as it is. Without (a pipe, a device), to its end.
fn read_file<'b>(
    file: &mut std::fs::File,
    size: Option<u64>,
    buffer: &'b mut Vec<u8>,
) -> std::io::Result<&'b [u8]> {
    let Some(size) = size else {
        // What is read stays initialized, as the buffer's length says.
        buffer.clear();
        std::io::Read::read_to_end(file, buffer)?;
        return Ok(buffer);
    };
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    if buffer.len() < size {
        buffer.resize(size, 0);
    }
    let mut filled = 0;
    while let Some(rest) = buffer.get_mut(filled..size).filter(|r| !r.is_empty()) {
        match std::io::Read::read(file, rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(buffer.get(..filled).unwrap_or_default())
}

/// A worker's read buffer grown past this is let go after its file.
const READ_BUFFER_KEPT: usize = 8 << 20;

thread_local! {
    /// Each worker reads its files into one buffer, as long as the largest
    /// file it has read (all of it initialized), instead of a new
    /// allocation per file.
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A file's content hash: XXH3-128, the value the database keys reports by.
/// twox-hash picks AVX2 at run time where the processor has it, and SSE2
/// otherwise (about half the instructions of xxhash-rust's SSE2 build for
/// the same value; a test holds the two together).
pub fn content_hash(bytes: &[u8]) -> u128 {
    twox_hash::XxHash3_128::oneshot(bytes)
}

/// [`process`] once the file's bytes are read.
fn summarize_bytes(
    bytes: &[u8],
    path_s: String,
    size: u64,
    mtime_ns: i64,
    stamps: Option<&FileStamps>,
    known: &KnownHashes,
    engine: &Engine,
) -> Processed {
    let bad = |reason: String, hash: Option<u128>, not_a_crash: bool, stamp: Option<FileStamp>| {
        Processed::bad(path_s.clone(), reason, hash, not_a_crash, stamp)
    };
    let hash = content_hash(bytes);
    let stamp = stamps.map(|_| FileStamp {
        size,
        mtime_ns,
        hash,
    });
    if known.contains(hash) {
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

#[cfg(test)]
mod tests {
    use super::read_file;
    use std::io::Write;

    #[test]
    fn the_content_hash_is_xxh3_128() {
        // The database holds hashes made by xxhash-rust: they must not change.
        let mut bytes: Vec<u8> = (0..5000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for len in [
            0, 1, 3, 4, 8, 9, 16, 17, 128, 129, 240, 241, 1024, 1025, 4999,
        ] {
            let b = &bytes[..len];
            assert_eq!(
                super::content_hash(b),
                xxhash_rust::xxh3::xxh3_128(b),
                "{len}"
            );
        }
        bytes.reverse();
        assert_eq!(
            super::content_hash(&bytes),
            xxhash_rust::xxh3::xxh3_128(&bytes)
        );
    }

    #[test]
    fn reads_the_stat_size_into_a_reused_buffer() {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(b"0123456789").unwrap();
        let mut buffer = Vec::new();
        let at_start = |f: &mut std::fs::File| {
            std::io::Seek::rewind(f).unwrap();
        };
        at_start(&mut f);
        assert_eq!(
            read_file(&mut f, Some(10), &mut buffer).unwrap(),
            b"0123456789"
        );
        // The file shrank after its stat: what is there.
        at_start(&mut f);
        assert_eq!(
            read_file(&mut f, Some(16), &mut buffer).unwrap(),
            b"0123456789"
        );
        // It grew: what the stat said, as the stamp records.
        at_start(&mut f);
        assert_eq!(read_file(&mut f, Some(4), &mut buffer).unwrap(), b"0123");
        assert_eq!(buffer.len(), 16, "kept at its largest, not shrunk");
        at_start(&mut f);
        assert_eq!(read_file(&mut f, Some(0), &mut buffer).unwrap(), b"");
        // No size (a pipe's stat says 0): read to the end, whatever the
        // buffer held before.
        at_start(&mut f);
        assert_eq!(read_file(&mut f, None, &mut buffer).unwrap(), b"0123456789");
        assert_eq!(buffer.len(), 10, "initialized up to its length");
    }
}
