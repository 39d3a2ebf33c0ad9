//! Starting and resuming an experiment: builds the journal header (choosing
//! and printing nothing itself; the seed is returned for the caller to
//! print), creates or reopens the journal, and runs the rest of the schedule.

use crate::config::{check_configs, Config, Shard};
use crate::error::ReproError;
use crate::journal::{self, Header, JournalWriter, Loaded, Record, FORMAT_VERSION};
use crate::prng::{clock_seed, stable_seed};
use crate::session::{execute, ExecOptions, ExecReport};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, UNIX_EPOCH};

/// A new experiment as asked for on the command line.
#[derive(Debug, Clone)]
pub struct Plan {
    pub command: Vec<String>,
    /// Empty means one baseline configuration.
    pub configs: Vec<Config>,
    pub runs: u64,
    pub seed: Option<u64>,
    pub timeout: Duration,
    pub jobs: usize,
    pub until_crashes: Option<u64>,
    pub max_time: Option<Duration>,
    pub shard: Option<Shard>,
    pub faulthandler: bool,
    /// Every run runs inside the capture wrapper (`--capture`); the
    /// [`ExecOptions::wrap`] must then be given.
    pub capture: bool,
}

impl Plan {
    /// The header for this plan. Without a seed: one from the clock, except
    /// for shards, which derive it from the experiment so all shards agree.
    pub fn header(&self) -> Result<Header, ReproError> {
        if self.command.is_empty() {
            return Err(ReproError::Usage(
                "no command given (put it after --)".into(),
            ));
        }
        if self.runs == 0 {
            return Err(ReproError::Usage("--runs must be at least 1".into()));
        }
        let configs = if self.configs.is_empty() {
            vec![Config::baseline()]
        } else {
            self.configs.clone()
        };
        check_configs(&configs)?;
        let seed = match (self.seed, self.shard) {
            (Some(s), _) => s,
            (None, Some(_)) => {
                stable_seed(&format!("{:?}|{:?}|{}", self.command, configs, self.runs))
            }
            (None, None) => clock_seed(),
        };
        Ok(Header {
            format_version: FORMAT_VERSION,
            command: self.command.clone(),
            configs,
            runs: self.runs,
            seed,
            timeout_ms: self.timeout.as_millis() as u64,
            jobs: self.jobs.max(1),
            until_crashes: self.until_crashes,
            max_time_ms: self.max_time.map(|d| d.as_millis() as u64),
            shard: self.shard,
            faulthandler: self.faulthandler,
            capture: self.capture,
            created_unix_ms: std::time::SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0),
        })
    }
}

/// Create the journal for `header` in `dir` and run the whole schedule.
pub fn run_new(
    dir: &Path,
    header: &Header,
    opts: &ExecOptions,
    cancel: &'static AtomicBool,
) -> Result<ExecReport, ReproError> {
    check_capture(dir, header, opts)?;
    let mut writer = JournalWriter::create(dir, header)?;
    execute(dir, header, &[], &mut writer, opts, cancel)
}

/// The runs of an experiment run all with the capture wrapper or all without:
/// tracing can change timing, so mixed runs would not add up to one rate.
pub fn check_capture(dir: &Path, header: &Header, opts: &ExecOptions) -> Result<(), ReproError> {
    match (header.capture, opts.wrap.is_some()) {
        (true, false) => Err(ReproError::Mismatch(format!(
            "{} was run with --capture and its runs must all be captured; resume it with --capture",
            dir.display()
        ))),
        (false, true) => Err(ReproError::Mismatch(format!(
            "{} was run without --capture: tracing can change timing, so captured runs would not be \
             comparable with its runs. Resume it without --capture, or start a new experiment with \
             --capture and another -o",
            dir.display()
        ))),
        _ => Ok(()),
    }
}

/// What a resume may change.
#[derive(Debug, Clone, Default)]
pub struct ResumeChanges {
    /// Raise (or lower) the requested runs per configuration.
    pub runs: Option<u64>,
    pub jobs: Option<usize>,
    pub max_time: Option<Duration>,
}

/// Reopen the journal in `dir`, apply `changes` (a new header line is
/// written when they change it), and run what is left.
pub fn resume(
    dir: &Path,
    changes: &ResumeChanges,
    opts: &ExecOptions,
    cancel: &'static AtomicBool,
) -> Result<(Header, ExecReport), ReproError> {
    let Loaded {
        mut header, runs, ..
    } = journal::load(dir)?;
    check_capture(dir, &header, opts)?;
    let before = header.clone();
    if let Some(n) = changes.runs {
        if n == 0 {
            return Err(ReproError::Usage("--runs must be at least 1".into()));
        }
        header.runs = n;
    }
    if let Some(j) = changes.jobs {
        header.jobs = j.max(1);
    }
    if let Some(t) = changes.max_time {
        header.max_time_ms = Some(t.as_millis() as u64);
    }
    let mut writer = JournalWriter::append_to(dir)?;
    if header != before {
        writer.append(&Record::Header(header.clone()))?;
    }
    let report = execute(dir, &header, &runs, &mut writer, opts, cancel)?;
    Ok((header, report))
}
