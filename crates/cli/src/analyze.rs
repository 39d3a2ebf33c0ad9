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
use rayon::prelude::*;
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
    let several = args.files.len() > 1;
    let mut sink = match out_dir {
        Some(dir) => Sink::Dir {
            dir: dir.to_path_buf(),
            used: Vec::new(),
        },
        None => Sink::Stream(Stream::new(args.output.clone(), args.format, several)),
    };

    // Inputs are read, analyzed and rendered in parallel, a chunk at a time, and
    // written in input order as each chunk finishes: memory stays bounded by
    // the chunk, not the number of inputs.
    let mut failed = false;
    let rules = args.rules.as_deref();
    for chunk in args.files.chunks(CHUNK) {
        let results: Vec<Result<String, String>> = chunk
            .par_iter()
            .map(|input| {
                let (report, analysis) = read_one(input).and_then(|r| analyze_one(r, rules))?;
                Ok(render_one(&report, &analysis, args.format))
            })
            .collect();
        for (input, result) in chunk.iter().zip(results) {
            match result {
                Ok(text) => sink.push(input, &text, args.format),
                Err(reason) => {
                    eprintln!("crashlens: {}: {reason}", display_name(input));
                    failed = true;
                }
            }
        }
    }
    let written = sink.finish();
    if failed || !written {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Inputs handled in parallel before their reports are written out.
const CHUNK: usize = 64;

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

fn render_one(report: &CrashReport, analysis: &Analysis, format: Format) -> String {
    match format {
        Format::Md => markdown::render(report, analysis),
        Format::Json => json::render_string(report, analysis),
    }
}

/// Where reports go.
enum Sink {
    /// One file per input in a directory.
    Dir { dir: PathBuf, used: Vec<PathBuf> },
    /// One stream (a file or standard output) for all reports.
    Stream(Stream),
}

impl Sink {
    fn push(&mut self, input: &str, text: &str, format: Format) {
        match self {
            Sink::Dir { dir, used } => {
                let path = per_input_path(dir, used, input, format);
                if !write_file(&path, text) {
                    // Remembered as a failed write for the exit status.
                    used.push(PathBuf::new());
                }
            }
            Sink::Stream(s) => s.push(text),
        }
    }

    fn finish(self) -> bool {
        match self {
            Sink::Dir { used, .. } => !used.iter().any(|p| p.as_os_str().is_empty()),
            Sink::Stream(s) => s.finish(),
        }
    }
}

/// The path for one input's report in `dir` (`crash.ips` -> `crash.md`), with
/// `-2`, `-3`... when two inputs share a name.
fn per_input_path(dir: &Path, used: &mut Vec<PathBuf>, input: &str, format: Format) -> PathBuf {
    let stem = if input == "-" {
        "stdin".to_string()
    } else {
        Path::new(input)
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
    path
}

/// All reports into one stream. Markdown reports are separated by a rule; JSON
/// is one object for one FILE, and an array (as serde_json pretty-prints it)
/// for several. The output is opened at the first report, so OUT is left as it
/// was when every input fails.
struct Stream {
    target: Option<PathBuf>,
    out: Option<Box<dyn Write>>,
    format: Format,
    several: bool,
    count: usize,
    ok: bool,
    broken_pipe: bool,
    last_newline: bool,
}

impl Stream {
    fn new(target: Option<PathBuf>, format: Format, several: bool) -> Self {
        Stream {
            target,
            out: None,
            format,
            several,
            count: 0,
            ok: true,
            broken_pipe: false,
            last_newline: true,
        }
    }

    fn write(&mut self, text: &str) {
        if !self.ok || text.is_empty() {
            return;
        }
        if self.out.is_none() {
            let opened: std::io::Result<Box<dyn Write>> = match &self.target {
                Some(path) => std::fs::File::create(path)
                    .map(|f| Box::new(std::io::BufWriter::new(f)) as Box<dyn Write>),
                None => Ok(Box::new(std::io::BufWriter::new(std::io::stdout()))),
            };
            match opened {
                Ok(w) => self.out = Some(w),
                Err(e) => return self.fail(&e),
            }
        }
        if let Some(out) = self.out.as_mut() {
            if let Err(e) = out.write_all(text.as_bytes()) {
                return self.fail(&e);
            }
        }
        self.last_newline = text.ends_with('\n');
    }

    fn fail(&mut self, e: &std::io::Error) {
        self.ok = false;
        // A closed pipe (`crashlens analyze … | head`) is not an error worth a message.
        if e.kind() == std::io::ErrorKind::BrokenPipe && self.target.is_none() {
            self.broken_pipe = true;
            return;
        }
        match &self.target {
            Some(path) => eprintln!("crashlens: {}: cannot write: {e}", path.display()),
            None => eprintln!("crashlens: cannot write to standard output: {e}"),
        }
    }

    fn push(&mut self, text: &str) {
        match self.format {
            Format::Md => {
                if self.count > 0 {
                    self.write(markdown::SEPARATOR);
                }
                self.write(text);
            }
            Format::Json if self.several => {
                self.write(if self.count == 0 { "[\n" } else { ",\n" });
                // An element of a pretty-printed array is indented two spaces.
                let body = text.strip_suffix('\n').unwrap_or(text);
                let mut indented = String::with_capacity(body.len() + body.len() / 16);
                for (i, line) in body.split('\n').enumerate() {
                    if i > 0 {
                        indented.push('\n');
                    }
                    indented.push_str("  ");
                    indented.push_str(line);
                }
                self.write(&indented);
            }
            Format::Json => {
                if self.count == 0 {
                    self.write(text);
                }
            }
        }
        self.count += 1;
    }

    fn finish(mut self) -> bool {
        match self.format {
            Format::Md if self.count > 0 && !self.last_newline => self.write("\n"),
            Format::Json if self.several => {
                self.write(if self.count == 0 { "[]\n" } else { "\n]\n" })
            }
            _ => {}
        }
        if let Some(mut out) = self.out.take() {
            if let Err(e) = out.flush() {
                self.fail(&e);
            }
        }
        // A closed pipe on standard output still counts as written.
        self.ok || self.broken_pipe
    }
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
