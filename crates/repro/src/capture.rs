//! `--capture`: running each run inside a wrapper command that captures its
//! crash (the CLI passes `crashlens run -o {capture_dir} --`), and collecting
//! what the wrapper left for the run. The harness knows nothing of minidumps
//! or analysis: it puts an argv prefix before the command, gives each run its
//! own folder (`captures/<config>-<rep>`), tells the wrapper's own failures
//! from the program's, and afterwards lists the `.dmp` and `.md` files in the
//! folder (the first heading of the first `.md` is the capture's headline).
//! A folder the run left empty is removed.

use crate::outcome::ExitInfo;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// In a wrapper argument, replaced by the run's capture folder (absolute).
pub const CAPTURE_DIR: &str = "{capture_dir}";

/// The folder, under the experiment's, that holds the runs' capture folders.
pub const CAPTURES_FOLDER: &str = "captures";

/// A command put before the program of every run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wrapper {
    /// The argv prefix; [`CAPTURE_DIR`] in an argument becomes the run's folder.
    pub prefix: Vec<String>,
    /// Exit codes with which the wrapper may report a failure of its own ...
    pub harness_exit_codes: Vec<i32>,
    /// ... which it is when the last non-empty stderr line starts with this.
    pub harness_marker: String,
}

impl Wrapper {
    /// The program and arguments of a run: the prefix (with the folder put in)
    /// followed by the command. An empty prefix leaves the command as it is.
    pub fn argv(
        &self,
        capture_dir: &Path,
        program: &str,
        args: &[String],
    ) -> (String, Vec<String>) {
        let folder = capture_dir.display().to_string();
        let mut all: Vec<String> = self
            .prefix
            .iter()
            .map(|a| a.replace(CAPTURE_DIR, &folder))
            .collect();
        all.push(program.to_string());
        all.extend(args.iter().cloned());
        let mut it = all.into_iter();
        let first = it.next().unwrap_or_default();
        (first, it.collect())
    }

    /// The wrapper's own error message, when the run ended by the wrapper
    /// failing (one of its exit codes, its marker on the last stderr line)
    /// rather than by the program.
    pub fn harness_failure(&self, exit: ExitInfo, stderr: &str) -> Option<String> {
        let code = exit.code?;
        if exit.signal.is_some() || !self.harness_exit_codes.contains(&code) {
            return None;
        }
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty())?.trim();
        (!self.harness_marker.is_empty() && last.starts_with(&self.harness_marker))
            .then(|| format!("{last} (exit {code})"))
    }
}

/// What the wrapper left for one run. Paths are relative to the experiment's
/// folder (absolute after a merge).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaptureInfo {
    /// The run's capture folder.
    pub dir: String,
    /// Minidumps (`*.dmp`), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dumps: Vec<String>,
    /// Analyses (`*.md`), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<String>,
    /// The first heading of the first analysis, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
}

impl CaptureInfo {
    /// Make the paths absolute against `base` (for a merge).
    pub fn rebase(&mut self, base: &Path) {
        for p in std::iter::once(&mut self.dir)
            .chain(self.dumps.iter_mut())
            .chain(self.reports.iter_mut())
        {
            if Path::new(p.as_str()).is_relative() {
                *p = base.join(p.as_str()).display().to_string();
            }
        }
    }
}

/// `captures/<config>-<rep>` (the same naming as the run's `runs/` folder).
pub fn run_folder(config: &str, rep: u64) -> PathBuf {
    PathBuf::from(CAPTURES_FOLDER).join(format!("{config}-{rep:05}"))
}

/// The capture folder of a run as the wrapper is told it: absolute, so a
/// wrapper or program that changes directory still writes in the right place.
pub fn absolute_folder(exp_dir: &Path, rel: &Path) -> PathBuf {
    let dir = exp_dir.join(rel);
    if dir.is_absolute() {
        return dir;
    }
    std::env::current_dir()
        .map(|cwd| cwd.join(&dir))
        .unwrap_or(dir)
}

/// List what the wrapper wrote in `exp_dir/rel`. An empty folder is removed
/// and gives `None`, as does a missing one.
pub fn collect(exp_dir: &Path, rel: &Path) -> Option<CaptureInfo> {
    let folder = exp_dir.join(rel);
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    if names.is_empty() {
        let _ = std::fs::remove_dir(&folder);
        return None;
    }
    names.sort();
    let with_ext = |ext: &str| -> Vec<String> {
        names
            .iter()
            .filter(|n| Path::new(n).extension().and_then(|e| e.to_str()) == Some(ext))
            .map(|n| rel.join(n).display().to_string())
            .collect()
    };
    let dumps = with_ext("dmp");
    let reports = with_ext("md");
    let headline = reports
        .first()
        .and_then(|r| first_heading(&exp_dir.join(r)));
    Some(CaptureInfo {
        dir: rel.display().to_string(),
        dumps,
        reports,
        headline,
    })
}

/// When the first minidump was written (its file's modification time): the
/// moment of the crash, give or take the few milliseconds of writing it, where
/// the run's end also includes the analysis.
pub fn first_dump_time(exp_dir: &Path, info: &CaptureInfo) -> Option<SystemTime> {
    info.dumps
        .iter()
        .filter_map(|d| std::fs::metadata(exp_dir.join(d)).ok()?.modified().ok())
        .min()
}

/// The time to crash of a captured run: from its start to its first dump,
/// when that lies within the run; otherwise `None`.
pub fn time_to_dump_ms(
    exp_dir: &Path,
    info: &CaptureInfo,
    started: SystemTime,
    duration_ms: f64,
) -> Option<f64> {
    let ms = first_dump_time(exp_dir, info)?
        .duration_since(started)
        .ok()?
        .as_secs_f64()
        * 1000.0;
    (ms <= duration_ms).then_some(ms)
}

/// The first Markdown heading of the file (only its first 64 KiB are read).
fn first_heading(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut text = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(64 * 1024)
        .read_to_end(&mut text)
        .ok()?;
    String::from_utf8_lossy(&text)
        .lines()
        .find(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim().to_string())
        .filter(|l| !l.is_empty())
}

/// A headline as a tally key: a process id in brackets (`alt [8699]: ...`)
/// differs from run to run and is dropped, so one crash gets one key.
pub fn stable_key(headline: &str) -> String {
    let mut out = String::with_capacity(headline.len());
    let mut rest = headline;
    while let Some(i) = rest.find(" [") {
        let (before, from) = rest.split_at(i);
        out.push_str(before);
        let inner = from.get(2..).unwrap_or("");
        match inner.find(']') {
            Some(j)
                if j > 0
                    && inner
                        .get(..j)
                        .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit())) =>
            {
                rest = inner.get(j + 1..).unwrap_or("");
            }
            _ => {
                out.push_str(" [");
                rest = inner;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crashlens_run() -> Wrapper {
        Wrapper {
            prefix: vec![
                "/bin/crashlens".into(),
                "run".into(),
                "-o".into(),
                CAPTURE_DIR.into(),
                "--".into(),
            ],
            harness_exit_codes: vec![125, 127],
            harness_marker: "crashlens run: ".into(),
        }
    }

    #[test]
    fn the_prefix_goes_first_with_the_folder_put_in() {
        let (program, args) = crashlens_run().argv(
            Path::new("/exp/captures/nolock-00003"),
            "./race",
            &["--threads".into(), "{capture_dir}x".into()],
        );
        assert_eq!(program, "/bin/crashlens");
        assert_eq!(
            args,
            [
                "run",
                "-o",
                "/exp/captures/nolock-00003",
                "--",
                "./race",
                "--threads",
                // The command's own arguments are not touched.
                "{capture_dir}x",
            ]
        );
        let none = Wrapper {
            prefix: vec![],
            harness_exit_codes: vec![],
            harness_marker: String::new(),
        };
        assert_eq!(
            none.argv(Path::new("/x"), "true", &[]),
            ("true".to_string(), vec![])
        );
        // Placeholders inside a longer argument are replaced too.
        let w = Wrapper {
            prefix: vec!["tool".into(), "--out={capture_dir}/d".into()],
            ..none
        };
        assert_eq!(w.argv(Path::new("/c"), "p", &[]).1, ["--out=/c/d", "p"]);
    }

    #[test]
    fn run_folders_are_named_like_the_runs() {
        assert_eq!(
            run_folder("nolock", 3),
            PathBuf::from("captures/nolock-00003")
        );
        assert_eq!(
            absolute_folder(Path::new("/exp"), Path::new("captures/a-00000")),
            PathBuf::from("/exp/captures/a-00000")
        );
        assert!(absolute_folder(Path::new("rel"), Path::new("captures/a-00000")).is_absolute());
    }

    #[test]
    fn the_wrappers_own_failure_is_told_from_the_programs() {
        let w = crashlens_run();
        let code = |c| ExitInfo {
            code: Some(c),
            ..Default::default()
        };
        let msg = w
            .harness_failure(
                code(125),
                "prog output\ncrashlens run: PTRACE_SEIZE: Operation not permitted\n\n",
            )
            .unwrap();
        assert_eq!(
            msg,
            "crashlens run: PTRACE_SEIZE: Operation not permitted (exit 125)"
        );
        assert!(w
            .harness_failure(code(127), "crashlens run: cannot execute the command\n")
            .is_some());
        // The program's own exit 125, or a marker that is not last, is the program's.
        assert!(w.harness_failure(code(125), "prog: bad input\n").is_none());
        assert!(w
            .harness_failure(code(125), "crashlens run: report x.md\nprog: exit\n")
            .is_none());
        // Other codes, and deaths by signal, are never the wrapper's.
        assert!(w
            .harness_failure(code(1), "crashlens run: something\n")
            .is_none());
        let killed = ExitInfo {
            signal: Some(11),
            ..Default::default()
        };
        assert!(w.harness_failure(killed, "crashlens run: x\n").is_none());
    }

    #[test]
    fn collect_lists_dumps_and_reports_and_removes_empty_folders() {
        let exp = tempfile::tempdir().unwrap();
        let rel = run_folder("crash", 1);
        let folder = exp.path().join(&rel);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("crash-12-99.dmp"), b"MDMP").unwrap();
        std::fs::write(
            folder.join("crash-12-99.md"),
            "## alt [12]: SIGSEGV at NULL + 0x18 in `first_item` (alt)\n\nbody\n### Capture\n",
        )
        .unwrap();
        let info = collect(exp.path(), &rel).unwrap();
        assert_eq!(info.dir, "captures/crash-00001");
        assert_eq!(info.dumps, ["captures/crash-00001/crash-12-99.dmp"]);
        assert_eq!(info.reports, ["captures/crash-00001/crash-12-99.md"]);
        assert_eq!(
            info.headline.as_deref(),
            Some("alt [12]: SIGSEGV at NULL + 0x18 in `first_item` (alt)")
        );
        // The dump was written just now: within a run that started a minute ago
        // and lasted two, not within one that lasted a second.
        let started = SystemTime::now() - std::time::Duration::from_secs(60);
        let ms = time_to_dump_ms(exp.path(), &info, started, 120_000.0).unwrap();
        assert!((59_000.0..=61_000.0).contains(&ms), "{ms}");
        assert!(time_to_dump_ms(exp.path(), &info, started, 1_000.0).is_none());
        assert!(time_to_dump_ms(
            exp.path(),
            &info,
            SystemTime::now() + std::time::Duration::from_secs(9),
            1e9
        )
        .is_none());
        let mut moved = info.clone();
        moved.rebase(Path::new("/shard"));
        assert_eq!(moved.dumps, ["/shard/captures/crash-00001/crash-12-99.dmp"]);
        assert_eq!(moved.dir, "/shard/captures/crash-00001");

        let empty = run_folder("clean", 0);
        std::fs::create_dir_all(exp.path().join(&empty)).unwrap();
        assert!(collect(exp.path(), &empty).is_none());
        assert!(!exp.path().join(&empty).exists());
        assert!(collect(exp.path(), &run_folder("never", 0)).is_none());
    }

    #[test]
    fn stable_keys_drop_the_pid() {
        assert_eq!(
            stable_key("alt [8699]: SIGSEGV at NULL + 0x18 in `first_item` (alt)"),
            "alt: SIGSEGV at NULL + 0x18 in `first_item` (alt)"
        );
        assert_eq!(stable_key("a [x]: b [] c [12"), "a [x]: b [] c [12");
        assert_eq!(stable_key("no pid"), "no pid");
    }
}
