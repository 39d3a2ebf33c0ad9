//! `crashlens analyze`: reads each crash report, runs the analysis passes, and
//! writes one Markdown or JSON report per input.
//!
//! Output shape: Markdown reports are separated by a horizontal rule; JSON is
//! one object for a single FILE argument and an array of objects (one per
//! report that could be read) for several. A file that fails is named on
//! stderr with the reason and the others still go out; the exit status is 1
//! when any input failed, 2 for usage errors (clap's own, or a bad `-o`/`--rules`).

use crashlens_analyze::Context;
use crashlens_model::{Analysis, CrashReport};
use crashlens_render::{json, markdown};
use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const AFTER_HELP: &str = "\
Examples:
  crashlens analyze examples/seed-agx-race.ips
      Markdown report on standard output, ready to paste into a bug tracker.

  crashlens analyze --format json crash.ips | jq .analysis.verdict
      The same analysis as JSON (every field is described in docs/json-schema.md).

  crashlens analyze ~/Library/Logs/DiagnosticReports/*.ips -o reports/
      One report per input, written to reports/<input name>.md (reports/ must exist).

  crashlens analyze a.ips b.crash -o both.md
      Both reports in one file, separated by a horizontal rule.

  pbpaste | crashlens analyze -
      Read one report from standard input.

  crashlens analyze --rules ./owner-rules crash.ips
      Use your own owner rules (which image or symbol belongs to whom) as well.

Inputs: Apple .ips (JSON, iOS 15 / macOS 12 and later), the legacy text
layout (.crash, Xcode's export, Console's \"Translated Report\"), also when
pasted inside other text. Reports that are not process crashes (kernel
panics, jetsam events, stackshots) are named on stderr and skipped.

Output: Markdown by default. With several inputs, Markdown reports are
separated by a horizontal rule (---); JSON is a single object for one FILE
and an array with one object per readable report for several.

Exit status: 0 when every report was written; 1 when any input could not be
read or analyzed, or the output could not be written (each is named on
stderr; the other reports still go out); 2 for usage errors.";

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Markdown, for people and bug trackers
    #[value(alias = "markdown")]
    Md,
    /// JSON, for tools (see docs/json-schema.md)
    Json,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Json => "json",
        }
    }
}

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Crash reports to analyze (.ips, .crash, .txt); `-` reads standard input
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<String>,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = Format::Md)]
    pub format: Format,

    /// Write to OUT instead of standard output. When OUT is an existing
    /// directory, write one file per input into it, named after the input
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// A directory of extra owner rules (TOML files) to use besides the built-in ones
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

/// One report written out: its input's name and the rendered text or value.
struct Done {
    input: String,
    report: CrashReport,
    analysis: Analysis,
}

pub fn run(args: Args) -> ExitCode {
    if args.files.iter().filter(|f| f.as_str() == "-").count() > 1 {
        eprintln!("crashlens: `-` (standard input) can be given only once");
        return ExitCode::from(2);
    }
    if let Some(dir) = &args.rules {
        if !dir.is_dir() {
            eprintln!("crashlens: --rules {}: not a directory", dir.display());
            return ExitCode::from(2);
        }
        // Check the rule files once, before any input, so a typo in a rule
        // file is one clear error rather than one per input.
        let empty = CrashReport::default();
        if let Err(e) = Context::new(&empty).with_rules_dir(dir) {
            eprintln!("crashlens: --rules {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    }
    let out_dir = args.output.as_deref().filter(|o| o.is_dir());

    let mut failed = false;
    let mut done: Vec<Done> = Vec::new();
    for input in &args.files {
        match read_one(input).and_then(|report| analyze_one(report, args.rules.as_deref())) {
            Ok((report, analysis)) => done.push(Done {
                input: input.clone(),
                report,
                analysis,
            }),
            Err(reason) => {
                eprintln!("crashlens: {}: {reason}", display_name(input));
                failed = true;
            }
        }
    }

    let written = match out_dir {
        Some(dir) => write_per_input(dir, &done, args.format),
        None => {
            let text = render_all(&done, args.format, args.files.len() > 1);
            match &args.output {
                // Nothing to write (every input failed): leave OUT as it was.
                Some(_) if text.is_empty() => true,
                Some(path) => write_file(path, &text),
                None if text.is_empty() => true,
                None => write_stdout(&text),
            }
        }
    };
    if failed || !written {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn display_name(input: &str) -> &str {
    if input == "-" {
        "<stdin>"
    } else {
        input
    }
}

fn read_one(input: &str) -> Result<CrashReport, String> {
    if input == "-" {
        let mut bytes = Vec::new();
        let limit = crashlens_read::MAX_REPORT_BYTES.saturating_add(1);
        std::io::stdin()
            .lock()
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        crashlens_read::read_bytes(&bytes).map_err(|e| e.to_string())
    } else {
        crashlens_read::read_file(Path::new(input)).map_err(|e| e.to_string())
    }
}

/// Runs the passes. A pass that panics is a crashlens bug: it costs this input
/// its report, not the whole run.
fn analyze_one(
    report: CrashReport,
    rules: Option<&Path>,
) -> Result<(CrashReport, Analysis), String> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let cx = Context::new(&report);
        let cx = match rules {
            Some(dir) => cx
                .with_rules_dir(dir)
                .map_err(|e| format!("--rules {}: {e}", dir.display()))?,
            None => cx,
        };
        Ok(crashlens_analyze::analyze_with(&cx))
    }));
    match result {
        Ok(Ok(analysis)) => Ok((report, analysis)),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(
            "internal error while analyzing this report (a crashlens bug; please report it)"
                .to_string(),
        ),
    }
}

fn render_one(d: &Done, format: Format) -> String {
    match format {
        Format::Md => markdown::render(&d.report, &d.analysis),
        Format::Json => json::render_string(&d.report, &d.analysis),
    }
}

/// Everything for one output stream. `several`: more than one FILE was given
/// (JSON then prints an array, even when only one report could be read).
fn render_all(done: &[Done], format: Format, several: bool) -> String {
    match format {
        Format::Md => {
            let parts: Vec<String> = done.iter().map(|d| render_one(d, format)).collect();
            if parts.is_empty() {
                String::new()
            } else {
                let mut s = parts.join(markdown::SEPARATOR);
                if !s.ends_with('\n') {
                    s.push('\n');
                }
                s
            }
        }
        Format::Json if several => json::render_many(done.iter().map(|d| (&d.report, &d.analysis))),
        Format::Json => done
            .first()
            .map(|d| render_one(d, format))
            .unwrap_or_default(),
    }
}

/// One file per input in `dir`, named after the input (`crash.ips` ->
/// `crash.md`), with `-2`, `-3`... when two inputs share a name.
fn write_per_input(dir: &Path, done: &[Done], format: Format) -> bool {
    let mut ok = true;
    let mut used: Vec<PathBuf> = Vec::new();
    for d in done {
        let stem = if d.input == "-" {
            "stdin".to_string()
        } else {
            Path::new(&d.input)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "report".to_string())
        };
        let ext = format.extension();
        let mut path = dir.join(format!("{stem}.{ext}"));
        let mut n = 2;
        while used.contains(&path) {
            path = dir.join(format!("{stem}-{n}.{ext}"));
            n += 1;
        }
        used.push(path.clone());
        ok &= write_file(&path, &render_one(d, format));
    }
    ok
}

fn write_file(path: &Path, text: &str) -> bool {
    match std::fs::write(path, text) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("crashlens: {}: cannot write: {e}", path.display());
            false
        }
    }
}

fn write_stdout(text: &str) -> bool {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => true,
        // A closed pipe (`crashlens analyze … | head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => true,
        Err(e) => {
            eprintln!("crashlens: cannot write to standard output: {e}");
            false
        }
    }
}
