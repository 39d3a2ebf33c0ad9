//! Store: the `--db` SQLite file that remembers every report already read, by
//! content hash, so a later run over a growing folder reads only new files.
//!
//! Tables: `reports` (hash -> summary JSON), `unreadable` (hash -> why it was
//! not grouped), `files` (path, size, mtime -> hash: an unchanged file is not
//! even read again), `hypotheses` (signature -> leading hypothesis) and `meta`
//! (the rules' fingerprint: when the signature rules change, stored
//! signatures are stale and are dropped, so every file is read again).

use crate::summary::ReportSummary;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("database holds a summary that does not parse: {0}")]
    Json(#[from] serde_json::Error),
}

/// What the store knows of a file path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStamp {
    pub size: u64,
    pub mtime_ns: i64,
    pub hash: String,
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
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS reports (hash TEXT PRIMARY KEY, signature TEXT NOT NULL, summary TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS unreadable (hash TEXT PRIMARY KEY, path TEXT NOT NULL, reason TEXT NOT NULL, not_a_crash INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, hash TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS hypotheses (signature TEXT PRIMARY KEY, hypothesis TEXT);",
        )?;
        let stored: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'rules'", [], |r| {
                r.get(0)
            })
            .optional()?;
        if stored.as_deref() != Some(fingerprint) {
            conn.execute_batch("DELETE FROM reports; DELETE FROM unreadable; DELETE FROM files; DELETE FROM hypotheses;")?;
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('rules', ?1)",
                params![fingerprint],
            )?;
        }
        Ok(Store { conn })
    }

    /// Every known file stamp, by path.
    pub fn file_stamps(&self) -> Result<HashMap<String, FileStamp>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT path, size, mtime_ns, hash FROM files")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                FileStamp {
                    size: r.get::<_, i64>(1)? as u64,
                    mtime_ns: r.get(2)?,
                    hash: r.get(3)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every hash already read (grouped or not).
    pub fn known_hashes(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut out = std::collections::HashSet::new();
        for sql in ["SELECT hash FROM reports", "SELECT hash FROM unreadable"] {
            let mut stmt = self.conn.prepare(sql)?;
            for h in stmt.query_map([], |r| r.get::<_, String>(0))? {
                out.insert(h?);
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
                "INSERT OR IGNORE INTO reports (hash, signature, summary) VALUES (?1, ?2, ?3)",
            )?;
            for s in reports {
                ins.execute(params![s.hash, s.signature, serde_json::to_string(s)?])?;
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
                f.execute(params![path, st.size as i64, st.mtime_ns, st.hash])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Calls `f` with every stored report summary (streamed, not collected).
    pub fn for_each_report(&self, mut f: impl FnMut(ReportSummary)) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT summary FROM reports ORDER BY hash")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let text: String = row.get(0)?;
            f(serde_json::from_str(&text)?);
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
