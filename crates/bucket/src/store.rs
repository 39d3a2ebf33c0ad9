//! Store: the `--db` SQLite file that remembers every report already read, by
//! content hash, so a later run over a growing folder reads only new files.
//!
//! Tables: `reports` (hash -> the summary's fields, one column each; lists
//! as length-prefixed text, so loading 100,000 summaries parses no JSON),
//! `unreadable` (hash -> why it was not grouped), `files` (path, size, mtime
//! -> hash: an unchanged file is not even read again), `hypotheses`
//! (signature -> leading hypothesis) and `meta` (the rules' fingerprint and
//! the table layout: when the signature rules change, stored signatures are
//! stale and are dropped, so every file is read again; a file written with
//! another layout is rebuilt the same way).

use crate::summary::ReportSummary;
use crate::{hex, parse_hex};
use crashlens_knowledge::memo::{KeyIsHash, TextIsHashed};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("database holds a summary that does not parse: {0}")]
    Json(#[from] serde_json::Error),
    #[error("database holds a list (column {0} of reports) that does not parse; delete the file to start over")]
    List(usize),
    #[error("the database reader thread stopped")]
    ReaderStopped,
}

/// Rowids in one stripe of [`for_each_report_on_threads`]: the rows a reader
/// reads with one query and hands to `f` as one batch.
const STORED_BATCH: usize = 256;

/// Which stored summaries [`Store::for_each_report`] gives, and how whole.
#[derive(Clone, Copy)]
pub struct StoredFilter<'a> {
    /// Only the reports whose content hash this accepts (every one: `None`).
    pub keep: Option<&'a (dyn Fn(u128) -> bool + Sync)>,
    /// Every summary whole. Otherwise `frames` and `stack` are read only in
    /// the first summary of each signature that each reader gives (so always
    /// in the first one given overall: what a new bucket takes from it,
    /// [`crate::Buckets::add`]), and are empty in the others: two lists of a
    /// dozen strings each, about half of a stored summary's bytes.
    pub whole: bool,
}

/// Threads that read and decode stored summaries for
/// [`for_each_report_on_threads`]. Decoding (SQLite's rows into strings)
/// costs more than what `group` does with a summary, so with one reader the
/// calling thread waited for it.
const STORED_READERS: i64 = 2;

/// [`Store::for_each_report`] for the database [`Store::open`] opened at
/// `db`: reader threads, each with a connection of its own, read and decode
/// the summaries while `f` sees them (with their content hash) on the
/// calling thread, in the same order. The rows are cut into stripes of
/// [`STORED_BATCH`] rowids: reader `r` of `n` ([`STORED_READERS`]) reads
/// stripes `r`, `r + n`, `r + 2n`, ..., and the calling thread takes each
/// stripe in turn. Each batch seen goes back to its reader to be freed
/// there, where it was allocated (freeing another thread's memory costs the
/// allocator more).
pub fn for_each_report_on_threads(
    db: &Path,
    filter: StoredFilter,
    mut f: impl FnMut(u128, &mut ReportSummary),
) -> Result<(), StoreError> {
    type Batch = Vec<(u128, ReportSummary)>;
    // Rows another process adds from now on are not read (one query would
    // not see them either).
    let last: i64 = Store::open_reader(db)?.conn.query_row(
        "SELECT coalesce(max(rowid), 0) FROM reports",
        [],
        |r| r.get(0),
    )?;
    let stripes = (last + STORED_BATCH as i64 - 1) / STORED_BATCH as i64;
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..STORED_READERS)
            .map(|r| {
                let (to_f, stored) = std::sync::mpsc::sync_channel::<Batch>(4);
                let (seen, to_free) = std::sync::mpsc::channel::<Batch>();
                let reader = scope.spawn(move || -> Result<(), StoreError> {
                    let store = Store::open_reader(db)?;
                    let mut given = HashSet::default();
                    let size = STORED_BATCH as i64;
                    for stripe in (r..stripes).step_by(STORED_READERS as usize) {
                        let mut batch = Vec::with_capacity(STORED_BATCH);
                        let first = stripe * size + 1;
                        let rowids = Some((first, first + size - 1));
                        store.read_rows(filter, &mut given, rowids, &mut |h, s| {
                            batch.push((h, s))
                        })?;
                        // Every stripe is sent, empty or not: the calling
                        // thread counts them. It stops only on a panic or
                        // another reader's error, which the joins report.
                        if to_f.send(batch).is_err() {
                            break;
                        }
                        to_free.try_iter().for_each(drop);
                    }
                    drop(to_f);
                    // Until the calling thread has seen every batch.
                    to_free.iter().for_each(drop);
                    Ok(())
                });
                (stored, seen, reader)
            })
            .collect();
        // A reader that stopped (an error) ends the loop; its join says why.
        for k in 0..stripes {
            let Some((stored, seen, _)) = readers.get((k % STORED_READERS) as usize) else {
                break;
            };
            let Ok(mut batch) = stored.recv() else {
                break;
            };
            for (hash, summary) in &mut batch {
                f(*hash, summary);
            }
            // The reader may be gone (it failed): then the batch is freed here.
            let _ = seen.send(batch);
        }
        let mut result = Ok(());
        for (stored, seen, reader) in readers {
            drop((stored, seen));
            let joined = reader.join().map_err(|_| StoreError::ReaderStopped)?;
            result = result.and(joined);
        }
        result
    })
}

/// The version of the table layout; a file written with another is rebuilt.
const LAYOUT: u32 = 2;

/// A list of strings as one text: each item as its byte length, `:`, and
/// the item (so any text, separators included, comes back as it went in).
fn join_list(items: &[String]) -> String {
    let mut out = String::with_capacity(items.iter().map(|i| i.len() + 4).sum());
    for i in items {
        out.push_str(&i.len().to_string());
        out.push(':');
        out.push_str(i);
    }
    out
}

/// The items of a [`join_list`] text; `None` when it is not one.
fn split_list(mut text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    while !text.is_empty() {
        let (len, rest) = text.split_once(':')?;
        let len: usize = len.parse().ok()?;
        out.push(rest.get(..len)?.to_string());
        text = rest.get(len..)?;
    }
    Some(out)
}

/// The content hash in column `i` of `row`, stored as 32 hex digits; `None`
/// when it is not.
fn hash_at(row: &rusqlite::Row, i: usize) -> Result<Option<u128>, StoreError> {
    Ok(row.get_ref(i)?.as_str().ok().and_then(parse_hex))
}

/// The stored stamps by file path (std's SipHash was a tenth of a second
/// `--db` run; the paths are the user's own files, so xxh3 without a seed).
pub type FileStamps = HashMap<String, FileStamp, TextIsHashed>;

/// What the store knows of a file path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStamp {
    pub size: u64,
    pub mtime_ns: i64,
    /// The content hash (stored as 32 hex digits).
    pub hash: u128,
}

/// The content hashes a database holds (grouped or not), read from it the
/// first time one is asked for. With file stamps, only a file whose stamp is
/// new or changed is asked about, and in the usual second run there is none:
/// then the table is never read.
pub(crate) struct KnownHashes<'a> {
    db: Option<&'a Path>,
    set: OnceLock<Result<HashSet<u128, KeyIsHash>, StoreError>>,
}

impl<'a> KnownHashes<'a> {
    /// The hashes stored in `db`; with none, no hash is known.
    pub(crate) fn new(db: Option<&'a Path>) -> Self {
        KnownHashes {
            db,
            set: OnceLock::new(),
        }
    }

    /// Whether the database holds `hash`. A thread that asks while another
    /// reads the table waits for it. When the table cannot be read, no hash
    /// is known, and [`KnownHashes::into_error`] says why.
    pub(crate) fn contains(&self, hash: u128) -> bool {
        let Some(db) = self.db else {
            return false;
        };
        let set = self
            .set
            .get_or_init(|| Store::open_reader(db)?.known_hashes());
        set.as_ref().is_ok_and(|s| s.contains(&hash))
    }

    /// Why the hashes could not be read, when they were needed.
    pub(crate) fn into_error(self) -> Option<StoreError> {
        self.set.into_inner().and_then(Result::err)
    }
}

/// A file that was not grouped, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUnreadable {
    pub hash: String,
    pub path: String,
    pub reason: String,
    pub not_a_crash: bool,
}

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (or creates) the database; `fingerprint` identifies the rules that
    /// made the stored signatures.
    pub fn open(path: &Path, fingerprint: &str) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
        )?;
        let stored: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'rules'", [], |r| {
                r.get(0)
            })
            .optional()?;
        let fingerprint = format!("{fingerprint} layout {LAYOUT}");
        if stored.as_deref() != Some(fingerprint.as_str()) {
            conn.execute_batch(
                "DROP TABLE IF EXISTS reports; DROP TABLE IF EXISTS unreadable;
                 DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS hypotheses;",
            )?;
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('rules', ?1)",
                params![fingerprint],
            )?;
        }
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS reports (hash TEXT PRIMARY KEY, signature TEXT NOT NULL,
                path TEXT NOT NULL, bucket TEXT NOT NULL, exception TEXT NOT NULL, frames TEXT NOT NULL,
                stack TEXT NOT NULL, process TEXT, capture_time TEXT, os_version TEXT,
                hardware_model TEXT, app_version TEXT, gpu_drivers TEXT NOT NULL, thread_name TEXT);
             CREATE TABLE IF NOT EXISTS unreadable (hash TEXT PRIMARY KEY, path TEXT NOT NULL, reason TEXT NOT NULL, not_a_crash INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, hash TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS hypotheses (signature TEXT PRIMARY KEY, hypothesis TEXT);",
        )?;
        Ok(Store { conn })
    }

    /// A second connection, for queries only, to a database [`Store::open`] has
    /// opened, for reading on another thread (WAL mode: it reads the rows
    /// committed when each of its queries starts).
    pub fn open_reader(path: &Path) -> Result<Store, StoreError> {
        // Read-write without create (a WAL reader may need to write the
        // shared-memory index), but queries only.
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.execute_batch("PRAGMA query_only = 1;")?;
        Ok(Store { conn })
    }

    /// Whether any file stamp is stored (a run over files has been made).
    pub fn has_file_stamps(&self) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM files LIMIT 1", [], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Every known file stamp, by path. A stamp whose hash is not 32 hex
    /// digits is left out (its file is read again).
    pub fn file_stamps(&self) -> Result<FileStamps, StoreError> {
        // Sized once (the rowids count the rows, give or take those
        // replaced), not grown through its doublings; a rowid far past the
        // rows (a file edited by hand) sizes it for 16 M at most.
        let rows: i64 =
            self.conn
                .query_row("SELECT coalesce(max(rowid), 0) FROM files", [], |r| {
                    r.get(0)
                })?;
        let mut out = FileStamps::with_capacity_and_hasher(
            usize::try_from(rows).unwrap_or(0).min(1 << 24),
            TextIsHashed::default(),
        );
        let mut stmt = self
            .conn
            .prepare("SELECT path, size, mtime_ns, hash FROM files")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Some(hash) = hash_at(r, 3)? else {
                continue;
            };
            let stamp = FileStamp {
                size: r.get::<_, i64>(1)? as u64,
                mtime_ns: r.get(2)?,
                hash,
            };
            out.insert(r.get(0)?, stamp);
        }
        Ok(out)
    }

    /// Every hash already read (grouped or not).
    pub fn known_hashes(&self) -> Result<HashSet<u128, KeyIsHash>, StoreError> {
        let mut out = HashSet::default();
        for sql in ["SELECT hash FROM reports", "SELECT hash FROM unreadable"] {
            let mut stmt = self.conn.prepare(sql)?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                if let Some(h) = hash_at(row, 0)? {
                    out.insert(h);
                }
            }
        }
        Ok(out)
    }

    /// Writes one batch in a transaction.
    pub fn write_batch(
        &mut self,
        reports: &[ReportSummary],
        unreadable: &[StoredUnreadable],
        files: &[(String, FileStamp)],
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut ins = tx.prepare_cached(
                "INSERT OR IGNORE INTO reports (hash, signature, path, bucket, exception, frames,
                    stack, process, capture_time, os_version, hardware_model, app_version,
                    gpu_drivers, thread_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?;
            for s in reports {
                ins.execute(params![
                    s.hash,
                    s.signature,
                    s.path,
                    s.bucket,
                    s.exception,
                    join_list(&s.frames),
                    join_list(&s.stack),
                    s.process,
                    s.capture_time,
                    s.os_version,
                    s.hardware_model,
                    s.app_version,
                    join_list(&s.gpu_drivers),
                    s.thread_name,
                ])?;
            }
            let mut bad = tx.prepare_cached(
                "INSERT OR IGNORE INTO unreadable (hash, path, reason, not_a_crash) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for u in unreadable {
                bad.execute(params![u.hash, u.path, u.reason, u.not_a_crash])?;
            }
            let mut f = tx.prepare_cached(
                "INSERT OR REPLACE INTO files (path, size, mtime_ns, hash) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (path, st) in files {
                f.execute(params![path, st.size as i64, st.mtime_ns, hex(st.hash)])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Calls `f` with the stored report summaries that `filter` keeps, and
    /// their content hash (streamed, not collected), in the order they were
    /// stored: the table's own order, read straight through (ordering by hash
    /// went through its index, a lookup per row), and the order the run that
    /// read them added them in. A row whose hash is not 32 hex digits is
    /// passed over.
    pub fn for_each_report(
        &self,
        filter: StoredFilter,
        mut f: impl FnMut(u128, ReportSummary),
    ) -> Result<(), StoreError> {
        self.read_rows(filter, &mut HashSet::default(), None, &mut f)
    }

    /// [`Store::for_each_report`] for the rows whose rowid lies in `rowids`
    /// (all: `None`). `given` holds the signatures given so far by this
    /// reader (when not every summary is whole).
    fn read_rows(
        &self,
        filter: StoredFilter,
        given: &mut HashSet<String, TextIsHashed>,
        rowids: Option<(i64, i64)>,
        f: &mut impl FnMut(u128, ReportSummary),
    ) -> Result<(), StoreError> {
        const COLUMNS: &str = "SELECT hash, signature, path, bucket, exception, frames, stack,
            process, capture_time, os_version, hardware_model, app_version, gpu_drivers,
            thread_name FROM reports";
        let (mut stmt, mut rows);
        match rowids {
            Some((first, last)) => {
                stmt = self.conn.prepare_cached(&format!(
                    "{COLUMNS} WHERE rowid BETWEEN ?1 AND ?2 ORDER BY rowid"
                ))?;
                rows = stmt.query(params![first, last])?;
            }
            None => {
                stmt = self
                    .conn
                    .prepare_cached(&format!("{COLUMNS} ORDER BY rowid"))?;
                rows = stmt.query([])?;
            }
        }
        while let Some(row) = rows.next()? {
            let Some(hash) = hash_at(row, 0)? else {
                continue;
            };
            if filter.keep.is_some_and(|keep| !keep(hash)) {
                continue;
            }
            let signature: String = row.get(1)?;
            let whole = filter.whole || {
                let first = !given.contains(&signature);
                if first {
                    given.insert(signature.clone());
                }
                first
            };
            let list = |i: usize| -> Result<Vec<String>, StoreError> {
                let text: String = row.get(i)?;
                split_list(&text).ok_or(StoreError::List(i))
            };
            let list_if_whole = |i: usize| if whole { list(i) } else { Ok(Vec::new()) };
            f(
                hash,
                ReportSummary {
                    hash: row.get(0)?,
                    signature,
                    path: row.get(2)?,
                    bucket: row.get(3)?,
                    exception: row.get(4)?,
                    frames: list_if_whole(5)?,
                    stack: list_if_whole(6)?,
                    process: row.get(7)?,
                    capture_time: row.get(8)?,
                    os_version: row.get(9)?,
                    hardware_model: row.get(10)?,
                    app_version: row.get(11)?,
                    gpu_drivers: list(12)?,
                    thread_name: row.get(13)?,
                },
            );
        }
        Ok(())
    }

    /// Every stored file that was not grouped.
    pub fn unreadable(&self) -> Result<Vec<StoredUnreadable>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT hash, path, reason, not_a_crash FROM unreadable ORDER BY path")?;
        let rows = stmt.query_map([], |r| {
            Ok(StoredUnreadable {
                hash: r.get(0)?,
                path: r.get(1)?,
                reason: r.get(2)?,
                not_a_crash: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn hypothesis(&self, signature: &str) -> Result<Option<Option<String>>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT hypothesis FROM hypotheses WHERE signature = ?1",
                params![signature],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?)
    }

    pub fn set_hypothesis(
        &self,
        signature: &str,
        hypothesis: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO hypotheses (signature, hypothesis) VALUES (?1, ?2)",
            params![signature, hypothesis],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_come_back_as_they_went_in() {
        for items in [
            vec![],
            vec![String::new()],
            vec![
                "a:b".to_string(),
                "12:x".to_string(),
                "é\n".to_string(),
                String::new(),
            ],
        ] {
            assert_eq!(split_list(&join_list(&items)), Some(items));
        }
        assert_eq!(split_list("3:ab"), None);
        assert_eq!(split_list("x:ab"), None);
        assert_eq!(split_list("1:\u{e9}"), None);
    }

    /// Every stored summary, whole.
    const EVERY: StoredFilter = StoredFilter {
        keep: None,
        whole: true,
    };

    #[test]
    fn a_read_for_buckets_gives_frames_to_the_first_kept_report_of_each_signature() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("g.sqlite"), "r").unwrap();
        let report = |hash: &str, signature: &str| ReportSummary {
            path: format!("{hash}.ips"),
            hash: hash.into(),
            signature: signature.into(),
            frames: vec![format!("{signature} frame")],
            stack: vec![format!("{signature} frame"), "main".into()],
            gpu_drivers: vec!["AGXMetalG16X 329.2".into()],
            ..Default::default()
        };
        let stored = [
            report("01", "A"),
            report("02", "B"),
            report("03", "A"),
            report("04", "B"),
            report("05", "A"),
        ];
        store.write_batch(&stored, &[], &[]).unwrap();
        // Report 02 is gone from the folder: 04 is the first B kept.
        let found = |h: u128| h != 2;
        let filter = StoredFilter {
            keep: Some(&found),
            whole: false,
        };
        let mut back = Vec::new();
        store
            .for_each_report(filter, |h, r| back.push((h, r)))
            .unwrap();
        let hashes: Vec<u128> = back.iter().map(|(h, _)| *h).collect();
        assert_eq!(hashes, [1, 3, 4, 5]);
        let with_frames: Vec<&str> = back
            .iter()
            .filter(|(_, r)| !r.frames.is_empty() && !r.stack.is_empty())
            .map(|(_, r)| r.hash.as_str())
            .collect();
        assert_eq!(with_frames, ["01", "04"]);
        // Everything else comes back in every summary.
        for (_, r) in &back {
            let whole = stored.iter().find(|s| s.hash == r.hash).unwrap();
            let mut r = r.clone();
            if r.frames.is_empty() {
                (r.frames, r.stack) = (whole.frames.clone(), whole.stack.clone());
            }
            assert_eq!(&r, whole);
        }
        // Whole, every summary as stored (less 02).
        let mut back = Vec::new();
        let filter = StoredFilter {
            keep: Some(&found),
            whole: true,
        };
        store.for_each_report(filter, |_, r| back.push(r)).unwrap();
        let mut want = stored.to_vec();
        want.remove(1);
        assert_eq!(back, want);
    }

    #[test]
    fn readers_on_threads_give_the_stored_order_across_stripes() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("g.sqlite");
        let mut store = Store::open(&db, "r").unwrap();
        // Five stripes and a bit, in three writes; signatures come back
        // across stripes of both readers.
        let n = 5 * STORED_BATCH + 17;
        let stored: Vec<ReportSummary> = (0..n)
            .map(|i| ReportSummary {
                path: format!("{i}.ips"),
                hash: format!("{:032x}", i + 1),
                signature: format!("S{}", (i * 7) % 300),
                frames: vec![format!("f{}", (i * 7) % 300)],
                stack: vec!["main".into()],
                ..Default::default()
            })
            .collect();
        for part in stored.chunks(600) {
            store.write_batch(part, &[], &[]).unwrap();
        }
        // Every third report is gone.
        let found = |h: u128| !h.is_multiple_of(3);
        let filter = StoredFilter {
            keep: Some(&found),
            whole: false,
        };
        let mut back = Vec::new();
        for_each_report_on_threads(&db, filter, |h, r| back.push((h, r.clone()))).unwrap();
        let want: Vec<&ReportSummary> = stored
            .iter()
            .filter(|s| parse_hex(&s.hash).is_some_and(found))
            .collect();
        assert_eq!(back.len(), want.len());
        let mut firsts = HashSet::new();
        for ((h, got), want) in back.iter().zip(want) {
            assert_eq!(Some(*h), parse_hex(&want.hash));
            assert_eq!(got.path, want.path);
            // The first of a signature always has its frames (a later one
            // may too, when another reader read it first).
            if firsts.insert(got.signature.clone()) {
                assert_eq!(got.frames, want.frames, "{}", got.path);
            }
        }
        // Whole, with no filter: every report as stored, in order.
        let mut back = Vec::new();
        for_each_report_on_threads(&db, EVERY, |_, r| back.push(r.clone())).unwrap();
        assert_eq!(back, stored);
        // A row that does not decode, in the second reader's stripe, is an
        // error, not a shorter list.
        store
            .conn
            .execute("UPDATE reports SET frames = 'x' WHERE rowid = 400", [])
            .unwrap();
        let e = for_each_report_on_threads(&db, EVERY, |_, _| {}).unwrap_err();
        assert!(matches!(e, StoreError::List(5)), "{e}");
    }

    #[test]
    fn stamps_come_back_with_their_hash_and_one_without_a_hash_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("g.sqlite"), "r").unwrap();
        let stamp = FileStamp {
            size: 7,
            mtime_ns: -3,
            hash: 0x00ff_0000_0000_0000_0000_0000_0000_00a1,
        };
        store
            .write_batch(&[], &[], &[("a.ips".into(), stamp.clone())])
            .unwrap();
        store
            .conn
            .execute(
                "INSERT INTO files (path, size, mtime_ns, hash) VALUES ('b.ips', 1, 1, 'not hex')",
                [],
            )
            .unwrap();
        let stored: String = store
            .conn
            .query_row("SELECT hash FROM files WHERE path = 'a.ips'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(stored, "00ff00000000000000000000000000a1");
        let stamps = store.file_stamps().unwrap();
        assert_eq!(stamps.len(), 1);
        assert_eq!(stamps.get("a.ips"), Some(&stamp));
    }

    #[test]
    fn a_summary_round_trips_and_an_older_layout_is_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("g.sqlite");
        // A file in the first layout (summary as JSON), as older builds wrote it.
        {
            let conn = Connection::open(&db).unwrap();
            conn.execute_batch(
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 INSERT INTO meta VALUES ('rules', 'r');
                 CREATE TABLE reports (hash TEXT PRIMARY KEY, signature TEXT NOT NULL, summary TEXT NOT NULL);
                 INSERT INTO reports VALUES ('h', 's', '{}');",
            )
            .unwrap();
        }
        let mut store = Store::open(&db, "r").unwrap();
        let mut n = 0;
        store.for_each_report(EVERY, |_, _| n += 1).unwrap();
        assert_eq!(n, 0, "the old rows are dropped");
        let s = ReportSummary {
            path: "a/b.ips".into(),
            hash: "00ff".into(),
            bucket: "b1".into(),
            signature: "EXC_BAD_ACCESS / f".into(),
            exception: "EXC_BAD_ACCESS".into(),
            frames: vec!["f".into(), "g (x:1)".into()],
            stack: vec!["f".into()],
            process: Some("App".into()),
            capture_time: None,
            os_version: Some("macOS 15.1 (24B83)".into()),
            hardware_model: None,
            app_version: Some("1.0 (5)".into()),
            gpu_drivers: vec!["AGXMetalG16X 329.2".into()],
            thread_name: Some("main".into()),
        };
        store
            .write_batch(std::slice::from_ref(&s), &[], &[])
            .unwrap();
        let mut back = Vec::new();
        store.for_each_report(EVERY, |_, r| back.push(r)).unwrap();
        assert_eq!(back, vec![s]);
        // Reopened with the same rules, the rows stay.
        let store = Store::open(&db, "r").unwrap();
        let mut n = 0;
        store.for_each_report(EVERY, |_, _| n += 1).unwrap();
        assert_eq!(n, 1);
    }
}
