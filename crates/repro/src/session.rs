//! Executing an experiment: builds the interleaved schedule (minus the runs a
//! journal already has, and outside this shard), runs it `jobs` at a time on
//! worker threads, turns each result into a journal record (signature,
//! outcome, artifacts), appends it, and stops early on request (`--until-crashes`,
//! `--max-time`, Ctrl-C).

use crate::capture::{self, Wrapper};
use crate::config::{schedule, shard_tasks, EnvChange, Task};
use crate::error::ReproError;
use crate::journal::{Header, JournalWriter, Record, RunRecord};
use crate::outcome::{classify, Outcome};
use crate::progress::{Count, Progress, ProgressMode};
use crate::runner::{run_once, RunResult, RunSpec, TAIL_BYTES};
use crate::signature::parse_output;
use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant, UNIX_EPOCH};

/// How to execute (not part of the experiment's identity).
#[derive(Debug, Clone)]
pub struct ExecOptions {
    pub jobs: usize,
    pub progress: ProgressMode,
    pub kill_grace: Duration,
    /// Write stdout/stderr tails of every run under `runs/` (empty ones are skipped).
    pub artifacts: bool,
    /// Turns the macOS .ips found for a crashed run into its crash signature (the
    /// CLI passes crashlens's own analysis; the harness does not depend on it).
    pub ips_analyzer: Option<IpsAnalyzer>,
    /// `--capture`: the command every run runs inside (the CLI passes
    /// `crashlens run -o {capture_dir} --`). Must match the header's `capture`.
    pub wrap: Option<Wrapper>,
}

/// The analyzer's function: an .ips path to a one-line crash signature.
pub type IpsAnalyzerFn = dyn Fn(&Path) -> Option<String> + Send + Sync;

/// A function from an .ips path to a one-line crash signature.
#[derive(Clone)]
pub struct IpsAnalyzer(pub Arc<IpsAnalyzerFn>);

impl std::fmt::Debug for IpsAnalyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IpsAnalyzer(..)")
    }
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            jobs: 1,
            progress: ProgressMode::Quiet,
            kill_grace: Duration::from_secs(2),
            artifacts: true,
            ips_analyzer: None,
            wrap: None,
        }
    }
}

/// Why execution ended before the schedule was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    Interrupted,
    MaxTime,
}

#[derive(Debug, Clone)]
pub struct ExecReport {
    /// Runs finished and journaled in this call.
    pub finished: u64,
    pub stopped: Option<StopReason>,
}

/// The tasks still to run for `header`, given the runs already journaled.
pub fn remaining_tasks(header: &Header, done: &[RunRecord]) -> Vec<Task> {
    let have: HashSet<(usize, u64)> = done.iter().map(|r| (r.config, r.rep)).collect();
    shard_tasks(
        schedule(header.configs.len(), header.runs, header.seed),
        header.shard,
    )
    .into_iter()
    .filter(|t| !have.contains(&(t.config, t.rep)))
    .collect()
}

struct Shared {
    queue: Mutex<VecDeque<Task>>,
    /// Configurations that reached `--until-crashes`.
    finished_configs: Mutex<HashSet<usize>>,
    /// Crashes per configuration so far (for `--until-crashes`).
    crashes: Mutex<Vec<u64>>,
    until_crashes: Option<u64>,
    stop: AtomicBool,
}

impl Shared {
    /// Count a finished run; a configuration that reached `--until-crashes` gets no more.
    /// Done by the worker itself, before it takes its next task, so none is started late.
    fn count(&self, config: usize, crashed: bool) {
        let (Some(k), true) = (self.until_crashes, crashed) else {
            return;
        };
        let reached = match self.crashes.lock() {
            Ok(mut c) => match c.get_mut(config) {
                Some(n) => {
                    *n += 1;
                    *n >= k
                }
                None => false,
            },
            Err(_) => false,
        };
        if reached {
            if let Ok(mut f) = self.finished_configs.lock() {
                f.insert(config);
            }
        }
    }

    fn next(&self) -> Option<Task> {
        if self.stop.load(Ordering::Relaxed) {
            return None;
        }
        let finished = self
            .finished_configs
            .lock()
            .map(|g| g.clone())
            .unwrap_or_default();
        let mut q = self.queue.lock().ok()?;
        while let Some(t) = q.pop_front() {
            if !finished.contains(&t.config) {
                return Some(t);
            }
        }
        None
    }
}

/// Run the rest of the experiment in `dir`, appending to `writer`.
/// `done` are the runs already in the journal. `cancel` is the Ctrl-C flag.
pub fn execute(
    dir: &Path,
    header: &Header,
    done: &[RunRecord],
    writer: &mut JournalWriter,
    opts: &ExecOptions,
    cancel: &'static AtomicBool,
) -> Result<ExecReport, ReproError> {
    let program = header
        .command
        .first()
        .cloned()
        .ok_or_else(|| ReproError::Usage("no command to run".into()))?;
    let args: Vec<String> = header.command.iter().skip(1).cloned().collect();
    let mut counts: Vec<Count> = header
        .configs
        .iter()
        .map(|c| Count {
            name: c.name.clone(),
            ..Default::default()
        })
        .collect();
    for r in done {
        if let Some(c) = counts.get_mut(r.config) {
            if r.outcome.is_valid_trial() {
                c.runs += 1;
            }
            if r.outcome.is_crash() {
                c.crashes += 1;
            }
        }
    }
    let tasks = remaining_tasks(header, done);
    let finished_configs: HashSet<usize> = match header.until_crashes {
        Some(k) => counts
            .iter()
            .enumerate()
            .filter(|(_, c)| c.crashes >= k)
            .map(|(i, _)| i)
            .collect(),
        None => HashSet::new(),
    };
    let shared = Arc::new(Shared {
        queue: Mutex::new(tasks.iter().copied().collect()),
        finished_configs: Mutex::new(finished_configs),
        crashes: Mutex::new(counts.iter().map(|c| c.crashes).collect()),
        until_crashes: header.until_crashes,
        stop: AtomicBool::new(false),
    });

    let total_planned = done.len() as u64 + tasks.len() as u64;
    let mut progress = Progress::new(opts.progress, total_planned, done.len() as u64);
    let (tx, rx) = mpsc::channel::<RunRecord>();
    let started = Instant::now();
    let jobs = opts.jobs.max(1).min(tasks.len().max(1));
    let mut handles = Vec::with_capacity(jobs);
    for _ in 0..jobs {
        let shared = Arc::clone(&shared);
        let tx = tx.clone();
        let header = header.clone();
        let program = program.clone();
        let args = args.clone();
        let opts = opts.clone();
        let dir = dir.to_path_buf();
        handles.push(std::thread::spawn(move || {
            while let Some(task) = shared.next() {
                if opts.wrap.is_some() {
                    // A run cut off before it was journaled (a kill) may have left files: start clean.
                    let _ = std::fs::remove_dir_all(dir.join(capture_folder(&header, task)));
                }
                let spec = spec_for(&header, &program, &args, task, &opts, &dir);
                let result = run_once(&spec, cancel);
                if result.cancelled {
                    if opts.wrap.is_some() {
                        // Not journaled: nothing of it is kept.
                        let folder = dir.join(capture_folder(&header, task));
                        let _ = std::fs::remove_dir_all(folder);
                    }
                    break;
                }
                let record = to_record(&header, task, &result, &dir, &opts);
                shared.count(task.config, record.outcome.is_crash());
                if tx.send(record).is_err() {
                    break;
                }
            }
        }));
    }
    drop(tx);

    let mut finished = 0u64;
    let mut stopped = None;
    let mut write_error = None;
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(record) => {
                if let Some(c) = counts.get_mut(record.config) {
                    if record.outcome.is_valid_trial() {
                        c.runs += 1;
                    }
                    if record.outcome.is_crash() {
                        c.crashes += 1;
                    }
                }
                if write_error.is_none() {
                    if let Err(e) = writer.append(&Record::Run(Box::new(record))) {
                        // Cannot journal: stop, report the error after the workers end.
                        write_error = Some(e);
                        shared.stop.store(true, Ordering::Relaxed);
                    }
                }
                finished += 1;
                progress.update(done.len() as u64 + finished, &counts, false);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                progress.update(done.len() as u64 + finished, &counts, false);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if cancel.load(Ordering::Relaxed) && stopped.is_none() {
            stopped = Some(StopReason::Interrupted);
            shared.stop.store(true, Ordering::Relaxed);
        }
        if let Some(max) = header.max_time_ms {
            if stopped.is_none() && started.elapsed() >= Duration::from_millis(max) {
                stopped = Some(StopReason::MaxTime);
                shared.stop.store(true, Ordering::Relaxed);
            }
        }
    }
    for h in handles {
        let _ = h.join();
    }
    if opts.wrap.is_some() {
        // Gone when no run left a capture.
        let _ = std::fs::remove_dir(dir.join(capture::CAPTURES_FOLDER));
    }
    if stopped.is_none() && cancel.load(Ordering::Relaxed) {
        // The workers saw the flag first and the channel closed before the loop did.
        stopped = Some(StopReason::Interrupted);
    }
    progress.finish(done.len() as u64 + finished, &counts);
    if let Some(e) = write_error {
        return Err(e);
    }
    Ok(ExecReport { finished, stopped })
}

fn config_name(header: &Header, config: usize) -> String {
    header
        .configs
        .get(config)
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

/// `captures/<config>-<rep>`, relative to the experiment's folder.
fn capture_folder(header: &Header, task: Task) -> PathBuf {
    capture::run_folder(&config_name(header, task.config), task.rep)
}

fn spec_for(
    header: &Header,
    program: &str,
    args: &[String],
    task: Task,
    opts: &ExecOptions,
    dir: &Path,
) -> RunSpec {
    let config = task.config;
    let mut env = Vec::new();
    if header.faulthandler {
        env.push(EnvChange::Set {
            var: "PYTHONFAULTHANDLER".into(),
            value: "1".into(),
        });
    }
    if let Some(c) = header.configs.get(config) {
        env.extend(c.env.iter().cloned());
    }
    let (program, args) = match &opts.wrap {
        Some(w) => {
            let folder = capture::absolute_folder(dir, &capture_folder(header, task));
            w.argv(&folder, program, args)
        }
        None => (program.to_string(), args.to_vec()),
    };
    RunSpec {
        program,
        args,
        env,
        timeout: Duration::from_millis(header.timeout_ms),
        kill_grace: opts.kill_grace,
        tail_bytes: TAIL_BYTES,
    }
}

/// Turn a finished run into its journal record, writing its artifacts.
fn to_record(
    header: &Header,
    task: Task,
    result: &RunResult,
    dir: &Path,
    opts: &ExecOptions,
) -> RunRecord {
    let config_name = config_name(header, task.config);
    let stdout = String::from_utf8_lossy(result.stdout.bytes());
    let stderr = String::from_utf8_lossy(result.stderr.bytes());
    let mut signature = parse_output(&stderr, &stdout);
    let wrapper_failed = opts
        .wrap
        .as_ref()
        .filter(|_| !result.timed_out)
        .and_then(|w| w.harness_failure(result.exit, &stderr));
    let outcome = match (&result.error, wrapper_failed) {
        (Some(message), _) => Outcome::HarnessError {
            message: message.clone(),
        },
        (None, Some(message)) => Outcome::HarnessError { message },
        (None, None) => classify(result.exit, result.timed_out, signature.as_ref()),
    };
    let capture = opts
        .wrap
        .as_ref()
        .and_then(|_| capture::collect(dir, &capture_folder(header, task)));
    if outcome.is_crash() && signature.is_none() {
        // No report of the program's own (faulthandler, sanitizer, panic): the
        // capture's analysis names the crash, without the run's pid.
        if let Some(headline) = capture.as_ref().and_then(|c| c.headline.as_deref()) {
            signature = Some(crate::signature::Signature {
                key: capture::stable_key(headline),
                ..Default::default()
            });
        }
    }
    if outcome.is_crash() {
        if let Some(ips) =
            crate::ips::wait_for_ips(result.pid, result.started, Duration::from_secs(3))
        {
            let sig = signature.get_or_insert_with(|| crate::signature::Signature {
                key: outcome.describe(),
                ..Default::default()
            });
            sig.ips_path = Some(ips.display().to_string());
            if let Some(headline) = opts.ips_analyzer.as_ref().and_then(|an| (an.0)(&ips)) {
                sig.key = capture::stable_key(&headline);
                sig.ips_headline = Some(headline);
            }
        }
    }
    let duration_ms = result.duration.as_secs_f64() * 1000.0;
    let artifacts = if opts.artifacts {
        write_artifacts(dir, &config_name, task, result)
    } else {
        None
    };
    RunRecord {
        config: task.config,
        config_name,
        rep: task.rep,
        position: task.position,
        started_unix_ms: result
            .started
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0),
        duration_ms,
        time_to_crash_ms: outcome.is_crash().then(|| {
            // Captured: up to the dump, not through the analysis written after it.
            capture
                .as_ref()
                .and_then(|c| capture::time_to_dump_ms(dir, c, result.started, duration_ms))
                .unwrap_or(duration_ms)
        }),
        outcome,
        exit: result.exit,
        pid: result.pid,
        signature,
        stdout_bytes: result.stdout.total(),
        stderr_bytes: result.stderr.total(),
        artifacts,
        capture,
        shard: header.shard,
    }
}

/// `runs/<config>-<rep>/stdout.txt` and `stderr.txt`, only when non-empty.
fn write_artifacts(dir: &Path, config: &str, task: Task, result: &RunResult) -> Option<String> {
    if result.stdout.total() == 0 && result.stderr.total() == 0 {
        return None;
    }
    let rel = PathBuf::from("runs").join(format!("{config}-{:05}", task.rep));
    let folder = dir.join(&rel);
    std::fs::create_dir_all(&folder).ok()?;
    for (name, tail) in [
        ("stdout.txt", &result.stdout),
        ("stderr.txt", &result.stderr),
    ] {
        if tail.total() > 0 {
            std::fs::write(folder.join(name), tail.bytes()).ok()?;
        }
    }
    Some(rel.display().to_string())
}
