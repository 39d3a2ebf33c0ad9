//! `crashlens group`: reads many crash reports in parallel and prints buckets
//! (one bug, one row), largest first; `--explain FILE` shows how one report's
//! signature was built, frame by frame. The work is in `crashlens-bucket`.
//!
//! Exit status: 0 when the buckets were written (files that could not be
//! grouped are listed at the end and do not fail the run); 1 when the database
//! or the output failed, or `--explain`'s file could not be read; 2 for usage
//! errors.

use crashlens_bucket::output::{self, Format as OutFormat};
use crashlens_bucket::{Event, Options, Progress};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const AFTER_HELP: &str = "\
Examples:
  crashlens group ~/Library/Logs/DiagnosticReports
      Every .ips, .crash, .txt and .md report under the folder, as buckets.

  crashlens group --format json reports/ | jq '.buckets[0]'
      The largest bucket as JSON.

  crashlens group --db crashes.sqlite reports/
      Remember what was read: the next run over the growing folder reads only
      new files. `crashlens group --db crashes.sqlite` alone prints the stored buckets.

  crashlens group --format ndjson reports/ > reports.ndjson
      One line per report with its signature and bucket, for DuckDB or ClickHouse.

  crashlens group --explain crash.ips
      Which frames counted toward the signature, and why the others did not.

Signature: the exception (with NULL+offset for a NULL dereference) and the
crashed thread's first frames once arguments, templates, hashes and block
numbers are stripped; abort/raise/assert/throw frames, trampolines and crash
reporters are skipped, and generic frames (malloc internals, objc_msgSend) are
kept but do not end it. Unsymbolicated frames are written image+offset, or,
in no listed image (JIT code, say), by their offset within their page, which
address slides keep. Rules: knowledge/frames.toml and knowledge/signature.toml;
every output field: docs/group-output.md. On a terminal, a progress bar on
stderr shows the files taken in; it is cleared before the output is written.";

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A terminal table with details per bucket (the default on a terminal)
    Table,
    /// Markdown (the default when the output is not a terminal)
    #[value(alias = "markdown")]
    Md,
    /// JSON: an object with a `buckets` array, largest first
    Json,
    /// CSV: one row per bucket
    Csv,
    /// One JSON line per report with its signature and bucket
    Ndjson,
}

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Report files or folders (walked recursively for .ips, .crash, .txt, .md)
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// Output format [default: table on a terminal, md otherwise]
    #[arg(long, short = 'f', value_enum)]
    format: Option<Format>,

    /// SQLite database that remembers reports already read (by content hash)
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,

    /// Show how FILE's signature is built, frame by frame
    #[arg(long, value_name = "FILE", conflicts_with_all = ["paths", "db"])]
    explain: Option<PathBuf>,

    /// Worker threads [default: one per core]
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,

    /// Do not analyze each bucket's example for its leading hypothesis
    #[arg(long)]
    no_hypotheses: bool,
}

pub fn run(args: Args) -> ExitCode {
    let stdout = std::io::stdout();
    let format = match args.format {
        Some(f) => f,
        None if stdout.is_terminal() => Format::Table,
        None => Format::Md,
    };
    let out_format = match format {
        Format::Table => OutFormat::Table,
        Format::Md => OutFormat::Md,
        Format::Json => OutFormat::Json,
        Format::Csv => OutFormat::Csv,
        Format::Ndjson => OutFormat::Ndjson,
    };
    let mut out = std::io::BufWriter::new(stdout.lock());

    if let Some(file) = &args.explain {
        return match crashlens_bucket::explain_file(file) {
            Ok(x) => finish(
                output::write_explanation(&mut out, &file.display().to_string(), &x, out_format),
                out,
            ),
            Err(e) => {
                eprintln!("crashlens group: {}: {e}", file.display());
                ExitCode::from(1)
            }
        };
    }
    if args.paths.is_empty() && args.db.is_none() {
        eprintln!(
            "crashlens group: give report files or folders, or --db FILE to print stored buckets"
        );
        return ExitCode::from(2);
    }

    let opts = Options {
        db: args.db.clone(),
        jobs: args.jobs,
        no_hypotheses: args.no_hypotheses,
        whole_reports: out_format == OutFormat::Ndjson,
    };
    let mut write_error: Option<std::io::Error> = None;
    let bar = Bar::new();
    let result = {
        let mut on_event = |e: Event| {
            if let Event::Progress(p) = e {
                bar.show(p);
                return;
            }
            if out_format == OutFormat::Ndjson && write_error.is_none() {
                if let Err(err) = output::write_event(&mut out, &e) {
                    write_error = Some(err);
                }
            }
        };
        crashlens_bucket::group(&args.paths, &opts, &mut on_event)
    };
    bar.clear();
    let outcome = match result {
        Ok(o) => o,
        Err(e) => {
            eprintln!("crashlens group: {e}");
            return ExitCode::from(1);
        }
    };
    if let Some(e) = write_error {
        return finish(Err(e), out);
    }
    if out_format == OutFormat::Ndjson {
        // The summary goes to stderr so stdout stays one report per line.
        eprintln!(
            "crashlens group: {} reports in {} buckets; {} not grouped",
            outcome.totals.reports, outcome.totals.buckets, outcome.totals.not_grouped
        );
    }
    finish(output::write_outcome(&mut out, &outcome, out_format), out)
}

/// Progress on stderr while the files are taken in and the bucket examples
/// analyzed, when stderr is a terminal (never in a pipe or a log); cleared
/// before the output is written.
struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    fn new() -> Bar {
        Bar(std::io::stderr()
            .is_terminal()
            .then(indicatif::ProgressBar::no_length))
    }

    fn show(&self, p: Progress) {
        let Some(bar) = &self.0 else {
            return;
        };
        match p {
            Progress::Walked { files } => {
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {pos}/{len} files, {eta} left",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar.set_length(files as u64);
            }
            Progress::Read { done } => bar.set_position(done as u64),
            Progress::Hypotheses { buckets } => {
                if let Ok(style) =
                    indicatif::ProgressStyle::with_template("{elapsed_precise} {spinner} {msg}")
                {
                    bar.set_style(style);
                }
                bar.set_message(format!("analyzing {buckets} bucket examples"));
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
            }
        }
    }

    fn clear(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

fn finish(result: std::io::Result<()>, mut out: impl Write) -> ExitCode {
    match result.and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crashlens group: cannot write output: {e}");
            ExitCode::from(1)
        }
    }
}
