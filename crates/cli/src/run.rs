//! `crashlens run [-o DIR] -- COMMAND ARGS`: runs a command under ptrace
//! (`crashlens-capture`); for each process that gets a fatal signal, writes a
//! minidump and, next to it, crashlens's analysis of that minidump
//! (`<dump>.md`); then ends with the command's own exit status (the same code,
//! or death by the same signal), so callers cannot tell the difference.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crashlens_capture::{signals, Capture, Options};

const AFTER_HELP: &str = "\
Examples:
  crashlens run -- python3 train.py --workers 8
      Run the script; if it dies of SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT,
      SIGTRAP or SIGSYS, write crashlens-dumps/crash-<pid>-<ms>.dmp and .md, then let
      it die with its own signal (its exit status is unchanged).

  crashlens run -o dumps --json -- ./server --port 8080
      Dumps and reports (Markdown and JSON) into dumps/.

  crashlens analyze dumps/*.dmp
      Analyze the minidumps again later, or on another machine.

Needs ptrace permission over the child (the default for your own children;
no root, no core_pattern change). Tracing stops every new thread, fork and exec
for a moment (tens of microseconds each), so it can change timing; the report's
Capture section says so.";

#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Where minidumps and reports go (created when missing)
    #[arg(short = 'o', long = "out", default_value = "crashlens-dumps")]
    out: PathBuf,
    /// Also write the analysis as JSON (`<dump>.json`)
    #[arg(long)]
    json: bool,
    /// The command and its arguments (after `--`)
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

pub fn run(args: Args) -> ExitCode {
    let options = Options {
        out_dir: args.out.clone(),
    };
    let outcome = match crashlens_capture::run(&args.command, &options) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("crashlens run: {e}");
            return ExitCode::from(125);
        }
    };
    for c in &outcome.captures {
        report(c, args.json);
    }
    outcome.status.exit_like()
}

/// Analyzes one capture's dump and says where everything went (on stderr, so
/// the command's own stdout stays clean).
fn report(c: &Capture, json: bool) {
    let mut what = format!(
        "{} (si_code {}) in process {} thread {}",
        signals::name(c.signal),
        c.si_code,
        c.pid,
        c.tid
    );
    if c.reraised {
        what.push_str(", after the program's own handler ran");
    }
    let Some(dump) = &c.dump else {
        eprintln!(
            "crashlens run: {what}: no minidump: {}",
            c.error.as_deref().unwrap_or("unknown error")
        );
        return;
    };
    eprintln!(
        "crashlens run: {what}: minidump {} ({} ms)",
        dump.display(),
        c.latency.as_millis()
    );
    if let Some((sig, code, addr)) = c.earlier {
        eprintln!(
            "crashlens run: before that, thread {} got {} (si_code {code}) at {addr:#x}, which the program's handler took",
            c.tid,
            signals::name(sig)
        );
    }
    match analyze(dump, c, json) {
        Ok((md, headline)) => {
            if let Some(h) = headline {
                eprintln!("crashlens run: {h}");
            }
            eprintln!("crashlens run: report {}", md.display());
        }
        Err(e) => eprintln!("crashlens run: could not analyze {}: {e}", dump.display()),
    }
}

/// read -> analyze -> Markdown (and JSON), written next to the dump, the
/// Markdown with a section on the capture itself; returns the report's path
/// and its headline.
fn analyze(dump: &Path, c: &Capture, json: bool) -> Result<(PathBuf, Option<String>), String> {
    let report = crashlens_read::read_file(dump).map_err(|e| e.to_string())?;
    let analysis = crashlens_analyze::analyze(&report);
    let md_path = dump.with_extension("md");
    let mut md = crashlens_render::markdown::render(&report, &analysis);
    let headline = md
        .lines()
        .next()
        .map(|l| l.trim_start_matches('#').trim().to_string());
    md.push_str(&capture_section(c));
    std::fs::write(&md_path, md).map_err(|e| format!("{}: {e}", md_path.display()))?;
    if json {
        let j = crashlens_render::json::render_string(&report, &analysis);
        let p = dump.with_extension("json");
        std::fs::write(&p, j).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok((md_path, headline))
}

/// How the dump was taken: facts the minidump itself cannot hold.
fn capture_section(c: &Capture) -> String {
    let mut s = String::from("\n### Capture\n\n");
    s.push_str(&format!(
        "- Captured by `crashlens run` under ptrace at the {} (si_code {}) delivered to thread {} of process \
         {}; the minidump was on disk {} ms later, and the process was then left to die of its own signal.\n",
        signals::name(c.signal),
        c.si_code,
        c.tid,
        c.pid,
        c.latency.as_millis()
    ));
    if c.reraised {
        s.push_str(
            "- The program's own handler for this signal ran first, and the signal came again; the registers \
             and stack shown are those of the first delivery.\n",
        );
    }
    if let Some((sig, code, addr)) = c.earlier {
        s.push_str(&format!(
            "- Before it, the last fatal signal this thread received was {} (si_code {code}, address \
             `{addr:#x}`), which the program's own handler took.\n",
            signals::name(sig),
        ));
    }
    if c.stack_cut > 0 {
        s.push_str(&format!(
            "- The dump keeps the {} KiB of the crashed thread's stack nearest the stack pointer (the innermost \
             frames); the {} KiB above them, with the outermost frames (down to the thread's entry point), were \
             left out to keep the capture fast.\n",
            crashlens_capture::STACK_CAP >> 10,
            c.stack_cut.div_ceil(1024)
        ));
    }
    s.push_str(
        "- The run was traced: thread creation, forks and handled signals were slower than untraced, which can \
         change timing.\n",
    );
    s
}
