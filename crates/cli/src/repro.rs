//! `crashlens repro`: run a command many times per configuration and report
//! crash rates with intervals and p-values; `repro report DIR` re-renders a
//! journal; `repro merge DIR...` combines shards. Thin: parses arguments and
//! calls crashlens-repro.

use crashlens_repro::capture::{Wrapper, CAPTURE_DIR};
use crashlens_repro::config::{parse_config, parse_shard};
use crashlens_repro::duration::parse_duration;
use crashlens_repro::experiment::{resume, run_new, Plan, ResumeChanges};
use crashlens_repro::journal::{self, Header};
use crashlens_repro::progress::ProgressMode;
use crashlens_repro::report::{render, Format};
use crashlens_repro::session::{ExecOptions, ExecReport, StopReason};
use crashlens_repro::summary::summarize;
use crashlens_repro::ReproError;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const AFTER_HELP: &str = "\
Examples:
  crashlens repro --runs 100 -j 4 --config lock:USE_LOCK=1 --config nolock:USE_LOCK=0 -- ./race
      100 runs with and without the lock, interleaved; crash rates, intervals, p-value.

  crashlens repro --capture -n 20 -o exp --config nolock:USE_LOCK=0 -- ./race
      Each run under `crashlens run` (Linux, ptrace): a crashing run leaves
      exp/captures/nolock-NNNNN/crash-<pid>-<ms>.dmp and its analysis (.md), listed in
      the journal and the summary. Recorded in the journal, since tracing can change
      timing: rates with and without --capture are not directly comparable.

  crashlens repro --resume exp -n 50
      Continue exp up to 50 runs per configuration (capture stays as it was).";

/// Run COMMAND many times per configuration and measure its crash rate.
#[derive(clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = AFTER_HELP
)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,

    /// Runs per configuration [default: 20; on --resume: the journal's]
    #[arg(long, short = 'n')]
    runs: Option<u64>,

    /// Runs at a time [default: 1]
    #[arg(long, short = 'j')]
    jobs: Option<usize>,

    /// Per-run timeout; a run still going is a hang and its process group is killed (TERM, then KILL)
    #[arg(long, default_value = "60s")]
    timeout: String,

    /// Output folder (journal, per-run artifacts, summaries); default: a new folder, named on stderr
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,

    /// Summary format on stdout: md, json or csv (all three are also written to the folder)
    #[arg(long, default_value = "md")]
    format: Format,

    /// A configuration: NAME:VAR=VAL[,VAR=VAL] (`!VAR` unsets); repeat for more. None: one baseline
    #[arg(long = "config", value_name = "NAME:VAR=VAL[,VAR=VAL]")]
    configs: Vec<String>,

    /// Stop a configuration once it has K crashes (early stopping: flagged in the summary)
    #[arg(long, value_name = "K")]
    until_crashes: Option<u64>,

    /// Start no new runs after this long (early stopping: flagged in the summary)
    #[arg(long, value_name = "DUR")]
    max_time: Option<String>,

    /// Seed of the shuffled schedule [default: from the clock; for shards, from the experiment]
    #[arg(long)]
    seed: Option<u64>,

    /// Run one slice I/N of the schedule (0 <= I < N), e.g. $SLURM_ARRAY_TASK_ID/$N. Every shard
    /// needs the same command, --config list and --runs (and --seed, if one is given); then
    /// `crashlens repro merge DIR...` combines their folders
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,

    /// Continue the experiment in DIR up to the requested runs
    #[arg(long, value_name = "DIR", conflicts_with_all = ["configs", "seed", "shard", "output", "until_crashes"])]
    resume: Option<PathBuf>,

    /// Do not set PYTHONFAULTHANDLER=1 in the runs
    #[arg(long)]
    no_faulthandler: bool,

    /// Run each run under `crashlens run` (Linux, ptrace): a crashing run leaves a minidump and its
    /// analysis in DIR/captures/<config>-<run>/. Recorded in the journal: tracing can change
    /// timing, so rates with and without capture are not directly comparable. On --resume, capture
    /// follows the journal
    #[arg(long)]
    capture: bool,

    /// Progress display: auto, bar, lines or none
    #[arg(long, default_value = "auto")]
    progress: String,

    /// Time between SIGTERM and SIGKILL for a run that timed out
    #[arg(long, default_value = "2s", value_name = "DUR")]
    kill_grace: String,

    /// The command to run, after --
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<String>,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Re-render the summary of the journal in DIR
    Report {
        dir: PathBuf,
        #[arg(long, default_value = "md")]
        format: Format,
    },
    /// Combine the journals of several shard folders into one
    Merge {
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Folder for the merged journal [default: a new folder, named on stderr]
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
        #[arg(long, default_value = "md")]
        format: Format,
    },
}

pub fn run(args: Args) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(ReproError::Usage(msg)) => {
            eprintln!("crashlens repro: {msg}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("crashlens repro: {e}");
            ExitCode::from(1)
        }
    }
}

fn new_folder() -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    PathBuf::from(format!("crashlens-repro-{secs}-{}", std::process::id()))
}

fn progress_mode(s: &str) -> Result<ProgressMode, ReproError> {
    match s {
        "auto" => Ok(ProgressMode::Auto),
        "bar" => Ok(ProgressMode::Bar),
        "lines" => Ok(ProgressMode::Lines),
        "none" | "quiet" => Ok(ProgressMode::Quiet),
        _ => Err(ReproError::Usage(format!(
            "unknown --progress {s:?} (auto, bar, lines, none)"
        ))),
    }
}

fn run_inner(args: Args) -> Result<ExitCode, ReproError> {
    match args.action {
        Some(Action::Report { dir, format }) => {
            let loaded = journal::load(&dir)?;
            let summary = summarize(&loaded.header, &loaded.runs, &loaded.skipped);
            print!("{}", render(&summary, format));
            return Ok(ExitCode::SUCCESS);
        }
        Some(Action::Merge {
            dirs,
            output,
            format,
        }) => {
            let out = output.unwrap_or_else(new_folder);
            let merged = journal::merge(&dirs, &out)?;
            eprintln!(
                "repro: merged {} runs from {} folder(s) into {}",
                merged.runs.len(),
                dirs.len(),
                out.display()
            );
            let summary = summarize(&merged.header, &merged.runs, &merged.skipped);
            write_summaries(&out, &summary);
            print!("{}", render(&summary, format));
            return Ok(ExitCode::SUCCESS);
        }
        None => {}
    }
    let mut opts = ExecOptions {
        jobs: args.jobs.unwrap_or(1).max(1),
        progress: progress_mode(&args.progress)?,
        kill_grace: parse_duration(&args.kill_grace)?,
        artifacts: true,
        ips_analyzer: Some(ips_analyzer()),
        wrap: None,
    };
    let max_time = args.max_time.as_deref().map(parse_duration).transpose()?;
    let cancel = crashlens_repro::interrupt::install();

    let (dir, header, report) = if let Some(dir) = args.resume {
        if !args.command.is_empty() {
            return Err(ReproError::Usage(
                "--resume takes the command from the journal; drop the command after --".into(),
            ));
        }
        let changes = ResumeChanges {
            runs: args.runs,
            jobs: args.jobs,
            max_time,
        };
        let mut opts = opts;
        let journaled = journal::load(&dir)?.header;
        if args.jobs.is_none() {
            opts.jobs = journaled.jobs;
        }
        if args.capture && !journaled.capture {
            return Err(ReproError::Mismatch(format!(
                "{} was run without --capture: tracing can change timing, so captured runs would not be \
                 comparable with its runs. Resume it without --capture, or start a new experiment with \
                 --capture and another -o",
                dir.display()
            )));
        }
        if journaled.capture {
            // Capture follows the journal: every run of the experiment is captured.
            opts.wrap = Some(capture_wrapper()?);
        }
        let (header, report) = resume(&dir, &changes, &opts, cancel)?;
        eprintln!(
            "repro: resumed {} (seed {}{}), {} new run(s)",
            dir.display(),
            header.seed,
            if header.capture { ", capture on" } else { "" },
            report.finished
        );
        (dir, header, report)
    } else {
        let configs = args
            .configs
            .iter()
            .map(|c| parse_config(c))
            .collect::<Result<Vec<_>, _>>()?;
        let plan = Plan {
            command: args.command,
            configs,
            runs: args.runs.unwrap_or(20),
            seed: args.seed,
            timeout: parse_duration(&args.timeout)?,
            jobs: opts.jobs,
            until_crashes: args.until_crashes,
            max_time,
            shard: args.shard.as_deref().map(parse_shard).transpose()?,
            faulthandler: !args.no_faulthandler,
            capture: args.capture,
        };
        let header = plan.header()?;
        if args.capture {
            opts.wrap = Some(capture_wrapper()?);
        }
        let dir = match args.output {
            Some(d) => d,
            None => {
                let d = new_folder();
                eprintln!("repro: output folder {}", d.display());
                d
            }
        };
        if dir.join(journal::JOURNAL_FILE).exists() {
            return Err(ReproError::Usage(format!(
                "{} already has a journal: use --resume {} or another -o",
                dir.display(),
                dir.display()
            )));
        }
        announce(&dir, &header);
        let report = run_new(&dir, &header, &opts, cancel)?;
        (dir, header, report)
    };
    finish(&dir, &header, &report, args.format)
}

fn announce(dir: &Path, h: &Header) {
    eprintln!(
        "repro: {} configuration(s) x {} runs, {} at a time, seed {} (same schedule: --seed {}){}{}; journal {}",
        h.configs.len(),
        h.runs,
        h.jobs,
        h.seed,
        h.seed,
        h.shard.map(|s| format!(", shard {s}")).unwrap_or_default(),
        if h.capture {
            ", each run under `crashlens run` (traced: timing can differ)"
        } else {
            ""
        },
        dir.join(journal::JOURNAL_FILE).display()
    );
}

/// `--capture`: every run becomes `crashlens run -o <its capture folder> -- COMMAND`,
/// this same binary. `crashlens run` fails on its own with exit 125 and, when it
/// cannot exec the command, 127; either way its message is the last stderr line.
fn capture_wrapper() -> Result<Wrapper, ReproError> {
    if !cfg!(target_os = "linux") {
        return Err(ReproError::Usage(
            "--capture needs Linux ptrace; on macOS the .ips reports are read instead".into(),
        ));
    }
    let exe = std::env::current_exe().map_err(|e| {
        ReproError::Usage(format!("--capture: cannot find this crashlens binary: {e}"))
    })?;
    Ok(Wrapper {
        prefix: vec![
            exe.display().to_string(),
            "run".into(),
            "-o".into(),
            CAPTURE_DIR.into(),
            "--".into(),
        ],
        harness_exit_codes: vec![125, 127],
        harness_marker: "crashlens run: ".into(),
    })
}

fn write_summaries(dir: &Path, summary: &crashlens_repro::summary::Summary) {
    for (name, format) in [
        ("summary.md", Format::Markdown),
        ("summary.json", Format::Json),
        ("summary.csv", Format::Csv),
    ] {
        if let Err(e) = std::fs::write(dir.join(name), render(summary, format)) {
            eprintln!("repro: cannot write {}: {e}", dir.join(name).display());
        }
    }
}

fn finish(
    dir: &Path,
    header: &Header,
    report: &ExecReport,
    format: Format,
) -> Result<ExitCode, ReproError> {
    let loaded = journal::load(dir)?;
    let summary = summarize(&loaded.header, &loaded.runs, &loaded.skipped);
    write_summaries(dir, &summary);
    print!("{}", render(&summary, format));
    match report.stopped {
        Some(StopReason::Interrupted) => {
            eprintln!(
                "repro: interrupted; the journal is whole. Continue with: crashlens repro --resume {}",
                dir.display()
            );
            Ok(ExitCode::from(130))
        }
        Some(StopReason::MaxTime) => {
            eprintln!(
                "repro: --max-time reached after {} run(s) this session (seed {})",
                report.finished, header.seed
            );
            Ok(ExitCode::SUCCESS)
        }
        None => Ok(ExitCode::SUCCESS),
    }
}

/// On macOS, each crashed run's .ips is read and analyzed; its headline becomes
/// the run's crash signature, so the tally separates different crashes.
fn ips_analyzer() -> crashlens_repro::session::IpsAnalyzer {
    crashlens_repro::session::IpsAnalyzer(std::sync::Arc::new(|path: &std::path::Path| {
        let report = crashlens_read::read_file(path).ok()?;
        let analysis = crashlens_analyze::analyze(&report);
        Some(analysis.headline.title).filter(|t| !t.is_empty())
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_ips_analyzer_gives_the_headline_of_a_report() {
        let path = std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/seed-agx-race.ips"
        ));
        let headline = (super::ips_analyzer().0)(path).unwrap();
        assert!(headline.contains("NULL + 0x5c8"), "{headline}");
        assert!((super::ips_analyzer().0)(std::path::Path::new("/nonexistent.ips")).is_none());
    }
}
