//! The journal: `journal.jsonl` in the output folder, one JSON line per
//! record (a header describing the experiment, then one line per finished
//! run), each written whole and flushed, so a kill leaves a valid file. Also
//! reading it back (a torn last line is cut off), resuming, and merging the
//! journals of several shards.

use crate::capture::CaptureInfo;
use crate::config::{Config, Shard};
use crate::error::ReproError;
use crate::outcome::{ExitInfo, Outcome};
use crate::signature::Signature;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const JOURNAL_FILE: &str = "journal.jsonl";
pub const FORMAT_VERSION: u32 = 1;

/// What the experiment is. Written first; written again when a resume changes `runs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format_version: u32,
    pub command: Vec<String>,
    pub configs: Vec<Config>,
    /// Requested runs per configuration.
    pub runs: u64,
    pub seed: u64,
    pub timeout_ms: u64,
    pub jobs: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_crashes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_time_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// PYTHONFAULTHANDLER=1 was set for the runs.
    pub faulthandler: bool,
    /// The runs ran inside the capture wrapper (`--capture`: traced, which can
    /// change timing). Absent in older journals: off.
    #[serde(default)]
    pub capture: bool,
    pub created_unix_ms: u64,
}

impl Header {
    /// Same experiment: same command, configurations and capture setting (seed
    /// and shard may differ).
    pub fn same_experiment(&self, other: &Header) -> bool {
        self.command == other.command
            && self.configs == other.configs
            && self.capture == other.capture
    }
}

/// One finished run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub config: usize,
    pub config_name: String,
    pub rep: u64,
    /// Position in the whole interleaved schedule.
    pub position: u64,
    pub started_unix_ms: u64,
    pub duration_ms: f64,
    /// Set for crashes: the time from start to the crash (with capture: to the
    /// first minidump's file time, as the run's end also includes the analysis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_crash_ms: Option<f64>,
    pub outcome: Outcome,
    #[serde(default)]
    pub exit: ExitInfo,
    pub pid: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
    pub stdout_bytes: u64,
    pub stderr_bytes: u64,
    /// Folder with this run's stdout/stderr tails, relative to the journal's folder
    /// (absolute after a merge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<String>,
    /// With `--capture`: what the wrapper left for this run (none when it left nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<CaptureInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Header(Header),
    Run(Box<RunRecord>),
}

/// A journal read back: the last header and every run.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub header: Header,
    pub runs: Vec<RunRecord>,
    /// Lines that could not be read (skipped), as `line: message`.
    pub skipped: Vec<String>,
}

/// Appends records, one flushed line each.
pub struct JournalWriter {
    path: PathBuf,
    file: std::fs::File,
}

impl JournalWriter {
    /// Start a new journal in `dir` (created if needed); fails if one exists.
    pub fn create(dir: &Path, header: &Header) -> Result<Self, ReproError> {
        std::fs::create_dir_all(dir).map_err(|e| ReproError::io(dir, e))?;
        let path = dir.join(JOURNAL_FILE);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| ReproError::io(&path, e))?;
        let mut w = JournalWriter { path, file };
        w.append(&Record::Header(header.clone()))?;
        Ok(w)
    }

    /// Open an existing journal for appending, after cutting off a torn last line.
    pub fn append_to(dir: &Path) -> Result<Self, ReproError> {
        let path = dir.join(JOURNAL_FILE);
        repair(&path)?;
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| ReproError::io(&path, e))?;
        Ok(JournalWriter { path, file })
    }

    pub fn append(&mut self, record: &Record) -> Result<(), ReproError> {
        let mut line = serde_json::to_vec(record).map_err(|e| ReproError::Journal {
            path: self.path.display().to_string(),
            line: 0,
            message: e.to_string(),
        })?;
        line.push(b'\n');
        // One write per line, so a kill leaves whole lines (or a torn last one, cut on resume).
        self.file
            .write_all(&line)
            .and_then(|_| self.file.flush())
            .map_err(|e| ReproError::io(&self.path, e))
    }
}

/// Cut a journal back to its last complete line.
fn repair(path: &Path) -> Result<(), ReproError> {
    let data = std::fs::read(path).map_err(|e| ReproError::io(path, e))?;
    if data.is_empty() || data.ends_with(b"\n") {
        return Ok(());
    }
    let keep = data.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| ReproError::io(path, e))?;
    f.set_len(keep as u64).map_err(|e| ReproError::io(path, e))
}

/// Read the journal in `dir`. A torn last line (from a kill) is ignored;
/// other unreadable lines are skipped and listed.
pub fn load(dir: &Path) -> Result<Loaded, ReproError> {
    let path = dir.join(JOURNAL_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| ReproError::io(&path, e))?;
    let complete = match text.rfind('\n') {
        Some(i) => text.get(..=i).unwrap_or(""),
        None => "",
    };
    let mut header: Option<Header> = None;
    let mut runs = Vec::new();
    let mut skipped = Vec::new();
    for (i, line) in complete.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(Record::Header(h)) => header = Some(h),
            Ok(Record::Run(r)) => runs.push(*r),
            Err(e) => skipped.push(format!("{}: {e}", i + 1)),
        }
    }
    let header = header.ok_or_else(|| ReproError::Journal {
        path: path.display().to_string(),
        line: 1,
        message: "no header record".into(),
    })?;
    if header.format_version > FORMAT_VERSION {
        return Err(ReproError::Journal {
            path: path.display().to_string(),
            line: 1,
            message: format!(
                "journal format {} is newer than this crashlens ({FORMAT_VERSION})",
                header.format_version
            ),
        });
    }
    // A run may appear twice only if it was resumed twice over; keep the first.
    let mut seen = std::collections::HashSet::new();
    runs.retain(|r| seen.insert((r.config, r.rep)));
    Ok(Loaded {
        header,
        runs,
        skipped,
    })
}

/// Merge the journals of several folders (shards of one experiment) into
/// `out`. Headers must describe the same experiment; runs are united by
/// (configuration, repetition). Artifacts paths become absolute.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Loaded, ReproError> {
    let mut merged: Option<Loaded> = None;
    for dir in dirs {
        let mut l = load(dir)?;
        let base = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
        for r in &mut l.runs {
            if let Some(a) = &r.artifacts {
                if Path::new(a).is_relative() {
                    r.artifacts = Some(base.join(a).display().to_string());
                }
            }
            if let Some(c) = &mut r.capture {
                c.rebase(&base);
            }
        }
        match &mut merged {
            None => merged = Some(l),
            Some(m) => {
                if m.header.capture != l.header.capture {
                    return Err(ReproError::Mismatch(format!(
                        "{} was run {} --capture and the first journal {}: tracing can change timing, \
                         so their runs do not add up; merge the shards of each setting separately",
                        dir.display(),
                        if l.header.capture { "with" } else { "without" },
                        if m.header.capture { "with it" } else { "without it" },
                    )));
                }
                if !m.header.same_experiment(&l.header) {
                    return Err(ReproError::Mismatch(format!(
                        "{} is a different experiment (command or configurations differ)",
                        dir.display()
                    )));
                }
                if m.header.seed != l.header.seed {
                    return Err(ReproError::Mismatch(format!(
                        "{} used seed {} but the first journal used {}: shards must share a seed",
                        dir.display(),
                        l.header.seed,
                        m.header.seed
                    )));
                }
                m.header.runs = m.header.runs.max(l.header.runs);
                m.header.created_unix_ms = m.header.created_unix_ms.min(l.header.created_unix_ms);
                m.header.until_crashes = m.header.until_crashes.or(l.header.until_crashes);
                m.header.max_time_ms = m.header.max_time_ms.or(l.header.max_time_ms);
                m.runs.extend(l.runs);
                m.skipped.extend(l.skipped);
            }
        }
    }
    let mut m =
        merged.ok_or_else(|| ReproError::Usage("merge needs at least one folder".into()))?;
    m.header.shard = None;
    let mut seen = std::collections::HashSet::new();
    m.runs.retain(|r| seen.insert((r.config, r.rep)));
    m.runs.sort_by_key(|r| r.position);
    let mut w = JournalWriter::create(out, &m.header)?;
    for r in &m.runs {
        w.append(&Record::Run(Box::new(r.clone())))?;
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn header() -> Header {
        Header {
            format_version: FORMAT_VERSION,
            command: vec!["true".into()],
            configs: vec![Config::baseline()],
            runs: 3,
            seed: 9,
            timeout_ms: 1000,
            jobs: 1,
            until_crashes: None,
            max_time_ms: None,
            shard: None,
            faulthandler: true,
            capture: false,
            created_unix_ms: 0,
        }
    }

    fn run(rep: u64) -> RunRecord {
        RunRecord {
            config: 0,
            config_name: "baseline".into(),
            rep,
            position: rep,
            started_unix_ms: 0,
            duration_ms: 1.0,
            time_to_crash_ms: None,
            outcome: Outcome::Passed,
            exit: ExitInfo {
                code: Some(0),
                ..Default::default()
            },
            pid: 1,
            signature: None,
            stdout_bytes: 0,
            stderr_bytes: 0,
            artifacts: None,
            capture: None,
            shard: None,
        }
    }

    #[test]
    fn torn_last_line_is_ignored_and_repaired() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = JournalWriter::create(dir.path(), &header()).unwrap();
        w.append(&Record::Run(Box::new(run(0)))).unwrap();
        drop(w);
        // Simulate a kill in the middle of a write.
        let path = dir.path().join(JOURNAL_FILE);
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"{\"type\":\"run\",\"config\":0,\"con")
            .unwrap();
        drop(f);
        let l = load(dir.path()).unwrap();
        assert_eq!(l.runs.len(), 1);
        assert!(l.skipped.is_empty());
        let mut w = JournalWriter::append_to(dir.path()).unwrap();
        w.append(&Record::Run(Box::new(run(1)))).unwrap();
        let l = load(dir.path()).unwrap();
        assert_eq!(l.runs.iter().map(|r| r.rep).collect::<Vec<_>>(), vec![0, 1]);
    }

    #[test]
    fn the_header_records_capture_and_older_journals_read_as_without() {
        let mut h = header();
        h.capture = true;
        let dir = tempfile::tempdir().unwrap();
        JournalWriter::create(dir.path(), &h).unwrap();
        let text = std::fs::read_to_string(dir.path().join(JOURNAL_FILE)).unwrap();
        assert!(text.starts_with("{\"type\":\"header\""), "{text}");
        assert!(text.contains("\"capture\":true"), "{text}");
        assert!(load(dir.path()).unwrap().header.capture);
        // Without capture the field is written too: the journal says which it was.
        let line = serde_json::to_string(&Record::Header(header())).unwrap();
        assert!(line.contains("\"capture\":false"), "{line}");
        // A header from before --capture existed has no field: read as off.
        let old = line.replace(",\"capture\":false", "");
        assert!(!old.contains("capture"));
        match serde_json::from_str::<Record>(&old).unwrap() {
            Record::Header(h) => assert!(!h.capture),
            Record::Run(_) => panic!("not a header"),
        }
        // Captured and uncaptured runs are not one experiment.
        assert!(!h.same_experiment(&header()));
        assert!(header().same_experiment(&header()));
    }

    #[test]
    fn merged_captures_get_absolute_paths() {
        let mut h = header();
        h.capture = true;
        let a = tempfile::tempdir().unwrap();
        let mut r = run(0);
        r.capture = Some(CaptureInfo {
            dir: "captures/baseline-00000".into(),
            dumps: vec!["captures/baseline-00000/crash-1-2.dmp".into()],
            reports: vec!["captures/baseline-00000/crash-1-2.md".into()],
            headline: None,
        });
        let mut w = JournalWriter::create(a.path(), &h).unwrap();
        w.append(&Record::Run(Box::new(r))).unwrap();
        let out = tempfile::tempdir().unwrap();
        let m = merge(&[a.path().to_path_buf()], &out.path().join("m")).unwrap();
        assert!(m.header.capture);
        let c = m.runs[0].capture.as_ref().unwrap();
        let base = std::fs::canonicalize(a.path()).unwrap();
        assert_eq!(
            c.dumps,
            [base
                .join("captures/baseline-00000/crash-1-2.dmp")
                .display()
                .to_string()]
        );
        assert_eq!(
            c.dir,
            base.join("captures/baseline-00000").display().to_string()
        );
    }

    #[test]
    fn creating_twice_fails_and_missing_header_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        JournalWriter::create(dir.path(), &header()).unwrap();
        assert!(JournalWriter::create(dir.path(), &header()).is_err());
        let other = tempfile::tempdir().unwrap();
        std::fs::write(other.path().join(JOURNAL_FILE), "").unwrap();
        assert!(load(other.path()).is_err());
    }

    #[test]
    fn merge_unites_shards_and_rejects_other_experiments() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let mut wa = JournalWriter::create(a.path(), &header()).unwrap();
        wa.append(&Record::Run(Box::new(run(0)))).unwrap();
        wa.append(&Record::Run(Box::new(run(2)))).unwrap();
        let mut wb = JournalWriter::create(b.path(), &header()).unwrap();
        wb.append(&Record::Run(Box::new(run(1)))).unwrap();
        wb.append(&Record::Run(Box::new(run(2)))).unwrap();
        let out = tempfile::tempdir().unwrap();
        let m = merge(
            &[a.path().to_path_buf(), b.path().to_path_buf()],
            &out.path().join("m"),
        )
        .unwrap();
        assert_eq!(
            m.runs.iter().map(|r| r.rep).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        assert_eq!(load(&out.path().join("m")).unwrap().runs.len(), 3);

        let c = tempfile::tempdir().unwrap();
        let mut h = header();
        h.command = vec!["false".into()];
        JournalWriter::create(c.path(), &h).unwrap();
        assert!(merge(
            &[a.path().to_path_buf(), c.path().to_path_buf()],
            &out.path().join("n")
        )
        .is_err());
    }
}
