//! Crash signatures read from a run's output: the Python faulthandler dump
//! (with its per-thread Python stacks), sanitizer reports (ASan, TSan, UBSan,
//! MSan, LSan, HWASan, libFuzzer: the ERROR and SUMMARY lines), and Rust
//! panics (old and new message formats). The `key` is the short text runs are
//! tallied by.

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// What could be read from a run's output.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    /// Short text that identifies the crash, for tallying.
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sanitizer: Option<SanitizerReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<FaulthandlerDump>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panic: Option<RustPanic>,
    /// macOS: the DiagnosticReports .ips written for this run's pid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ips_path: Option<String>,
    /// crashlens's headline for that .ips, when the caller gave an analyzer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ips_headline: Option<String>,
}

/// A sanitizer (or libFuzzer) report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SanitizerReport {
    /// `AddressSanitizer`, `ThreadSanitizer`, `UndefinedBehaviorSanitizer`, `libFuzzer`, ...
    pub tool: String,
    /// The error kind from the first ERROR/WARNING/runtime-error line, e.g. `heap-use-after-free`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The SUMMARY line without `SUMMARY: `.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// A Python faulthandler dump.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaulthandlerDump {
    /// `Segmentation fault`, `Aborted`, ... from `Fatal Python error: ...`; absent for a
    /// dump without a fatal error (e.g. `dump_traceback_later`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fatal_error: Option<String>,
    pub threads: Vec<PyThread>,
}

/// One thread of a faulthandler dump, most recent call first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PyThread {
    /// `0x00007f...`; empty for a single-thread dump (`Stack (most recent call first):`).
    pub id: String,
    /// The thread name that newer Pythons print in brackets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub current: bool,
    pub frames: Vec<PyFrame>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PyFrame {
    pub file: String,
    pub line: u64,
    pub function: String,
}

/// A Rust panic message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RustPanic {
    pub thread: String,
    pub location: String,
    pub message: String,
}

struct Patterns {
    san_error: Regex,
    tsan_warning: Regex,
    summary: Regex,
    ubsan_runtime: Regex,
    fatal_python: Regex,
    py_thread: Regex,
    py_stack: Regex,
    py_frame: Regex,
    panic_old: Regex,
    panic_old_start: Regex,
    panic_old_end: Regex,
    panic_new: Regex,
    hex: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| Regex::new(s).unwrap_or_else(|e| panic!("built-in regex {s}: {e}"));
        Patterns {
            san_error: re(r"==\d+==\s*(?:ERROR|WARNING): ([A-Za-z]+Sanitizer|libFuzzer): (.+)$"),
            tsan_warning: re(r"^WARNING: (ThreadSanitizer): (.+?)(?: \(pid=\d+\).*)?$"),
            summary: re(r"^SUMMARY: ([A-Za-z]+Sanitizer|libFuzzer): (.+?)\s*$"),
            ubsan_runtime: re(r"^(\S+:\d+(?::\d+)?): runtime error: (.+?)\s*$"),
            fatal_python: re(r"^Fatal Python error: (.+?)\s*$"),
            py_thread: re(
                r"^(Current thread|Thread) (0x[0-9a-fA-F]+)(?: \[(.*)\])? \(most recent call first\):",
            ),
            py_stack: re(r"^(?:Stack|Traceback) \(most recent call first\):"),
            py_frame: re(r#"^\s+File (?:"(.*)"|\?\?\?), line (\d+|\?\?\?) in (.+?)\s*$"#),
            panic_old: re(r"^thread '([^']*)'(?: \(\d+\))? panicked at '(.*)', (\S+:\d+:\d+)\s*$"),
            panic_old_start: re(r"^thread '([^']*)'(?: \(\d+\))? panicked at '(.*)$"),
            panic_old_end: re(r"^(.*)', (\S+:\d+:\d+)\s*$"),
            panic_new: re(r"^thread '([^']*)'(?: \(\d+\))? panicked at (\S+:\d+:\d+):\s*$"),
            hex: re(r"0x[0-9a-fA-F]+"),
        }
    })
}

/// Read a signature from a run's stderr and stdout (either may hold it).
/// `None` when neither has anything recognisable.
pub fn parse_output(stderr: &str, stdout: &str) -> Option<Signature> {
    let mut sig = Signature::default();
    for text in [stderr, stdout] {
        if sig.sanitizer.is_none() {
            sig.sanitizer = parse_sanitizer(text);
        }
        if sig.python.is_none() {
            sig.python = parse_faulthandler(text);
        }
        if sig.panic.is_none() {
            sig.panic = parse_panic(text);
        }
    }
    sig.key = choose_key(&sig)?;
    Some(sig)
}

fn choose_key(sig: &Signature) -> Option<String> {
    // A sanitizer that only reports the abort a panic caused says less than the panic.
    let san_is_abort = sig.sanitizer.as_ref().is_some_and(|s| {
        let text = s.summary.as_deref().or(s.error.as_deref()).unwrap_or("");
        text.starts_with("ABRT") || text.starts_with("deadly signal")
    });
    if let Some(p) = &sig.panic {
        if sig.sanitizer.is_none() || san_is_abort {
            return Some(format!(
                "panic at {}: {}",
                p.location,
                first_line(&p.message)
            ));
        }
    }
    if let Some(s) = &sig.sanitizer {
        let what = s
            .summary
            .as_deref()
            .or(s.error.as_deref())
            .unwrap_or("report");
        return Some(format!("{}: {}", s.tool, strip_hex(what)));
    }
    if let Some(py) = &sig.python {
        let head = py
            .fatal_error
            .as_deref()
            .map(|e| format!("Fatal Python error: {e}"))
            .unwrap_or_else(|| "Python traceback dump".to_string());
        let top = py
            .threads
            .iter()
            .find(|t| t.current)
            .or(py.threads.first())
            .and_then(|t| t.frames.first());
        return Some(match top {
            Some(f) => format!("{head} in {} ({}:{})", f.function, f.file, f.line),
            None => head,
        });
    }
    None
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn strip_hex(s: &str) -> String {
    patterns().hex.replace_all(s, "0x…").into_owned()
}

/// The first sanitizer report in `text`.
pub fn parse_sanitizer(text: &str) -> Option<SanitizerReport> {
    let p = patterns();
    let mut tool: Option<String> = None;
    let mut error: Option<String> = None;
    let mut summary: Option<String> = None;
    for line in text.lines() {
        let line = line.trim_end();
        if error.is_none() {
            if let Some(c) = p.san_error.captures(line) {
                tool.get_or_insert_with(|| c[1].to_string());
                error = Some(error_kind(&c[2]));
                continue;
            }
            if let Some(c) = p.tsan_warning.captures(line) {
                tool.get_or_insert_with(|| c[1].to_string());
                error = Some(error_kind(&c[2]));
                continue;
            }
            if let Some(c) = p.ubsan_runtime.captures(line) {
                tool.get_or_insert_with(|| "UndefinedBehaviorSanitizer".to_string());
                error = Some(format!("{} at {}", strip_hex(&c[2]), &c[1]));
                continue;
            }
        }
        if summary.is_none() {
            if let Some(c) = p.summary.captures(line) {
                // The SUMMARY names the tool that reported (LSan reports as AddressSanitizer).
                if tool.is_none() {
                    tool = Some(c[1].to_string());
                }
                summary = Some(c[2].to_string());
            }
        }
    }
    let tool = tool?;
    Some(SanitizerReport {
        tool,
        error,
        summary,
    })
}

/// `heap-use-after-free on address 0x... at pc ...` -> `heap-use-after-free`;
/// other texts are kept, with hex numbers blanked.
fn error_kind(text: &str) -> String {
    let t = text.trim();
    for cut in [
        " on address ",
        " on unknown address ",
        " on 0x",
        " in thread ",
    ] {
        if let Some(i) = t.find(cut) {
            return t[..i].to_string();
        }
    }
    strip_hex(t)
}

/// The Python faulthandler dump in `text`, if any.
pub fn parse_faulthandler(text: &str) -> Option<FaulthandlerDump> {
    let p = patterns();
    let mut fatal_error = None;
    let mut threads: Vec<PyThread> = Vec::new();
    let mut in_thread = false;
    for line in text.lines() {
        let line = line.trim_end();
        if fatal_error.is_none() {
            if let Some(c) = p.fatal_python.captures(line) {
                fatal_error = Some(c[1].to_string());
                continue;
            }
        }
        if let Some(c) = p.py_thread.captures(line) {
            threads.push(PyThread {
                id: c[2].to_string(),
                name: c.get(3).map(|m| m.as_str().to_string()),
                current: &c[1] == "Current thread",
                frames: Vec::new(),
            });
            in_thread = true;
            continue;
        }
        if p.py_stack.is_match(line) {
            threads.push(PyThread {
                id: String::new(),
                name: None,
                current: true,
                frames: Vec::new(),
            });
            in_thread = true;
            continue;
        }
        if in_thread {
            if let Some(c) = p.py_frame.captures(line) {
                if let Some(t) = threads.last_mut() {
                    t.frames.push(PyFrame {
                        file: c.get(1).map_or("???", |m| m.as_str()).to_string(),
                        line: c[2].parse().unwrap_or(0),
                        function: c[3].to_string(),
                    });
                }
                continue;
            }
            let trimmed = line.trim();
            let note = (trimmed.starts_with('<') && trimmed.ends_with('>'))
                || trimmed == "..."
                || trimmed == "Garbage-collecting"
                || (trimmed.starts_with("plus ") && trimmed.ends_with(" frames"));
            if note {
                continue;
            }
            in_thread = false;
        }
    }
    if fatal_error.is_none() && threads.is_empty() {
        return None;
    }
    Some(FaulthandlerDump {
        fatal_error,
        threads,
    })
}

/// The first Rust panic in `text`, in the format of Rust 1.73+ (`panicked at
/// file:line:col:` then the message) or older (`panicked at 'msg', file:line:col`).
pub fn parse_panic(text: &str) -> Option<RustPanic> {
    let p = patterns();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = line.trim_end();
        if let Some(c) = p.panic_new.captures(line) {
            let message = lines.next().unwrap_or("").trim_end().to_string();
            return Some(RustPanic {
                thread: c[1].to_string(),
                location: c[2].to_string(),
                message,
            });
        }
        if let Some(c) = p.panic_old.captures(line) {
            return Some(RustPanic {
                thread: c[1].to_string(),
                location: c[3].to_string(),
                message: c[2].to_string(),
            });
        }
        // Old format with a message over several lines: read on to `', file:line:col`.
        if let Some(c) = p.panic_old_start.captures(line) {
            let thread = c[1].to_string();
            let mut message = c[2].to_string();
            for next in lines.by_ref().take(64) {
                if let Some(e) = p.panic_old_end.captures(next.trim_end()) {
                    message.push('\n');
                    message.push_str(&e[1]);
                    return Some(RustPanic {
                        thread,
                        location: e[2].to_string(),
                        message,
                    });
                }
                message.push('\n');
                message.push_str(next.trim_end());
            }
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAULTHANDLER: &str = "\
Fatal Python error: Segmentation fault

Thread 0x00007f0b2a7fc6c0 (most recent call first):
  File \"/tmp/race.py\", line 12 in worker
  File \"/usr/lib/python3.11/threading.py\", line 975 in run
  File \"/usr/lib/python3.11/threading.py\", line 1038 in _bootstrap_inner

Current thread 0x00007f0b31f3b740 (most recent call first):
  File \"/usr/lib/python3.11/ctypes/__init__.py\", line 519 in string_at
  File \"/tmp/race.py\", line 20 in <module>

Extension modules: numpy.core._multiarray_umath (total: 1)
";

    #[test]
    fn faulthandler_threads() {
        let d = parse_faulthandler(FAULTHANDLER).unwrap();
        assert_eq!(d.fatal_error.as_deref(), Some("Segmentation fault"));
        assert_eq!(d.threads.len(), 2);
        assert!(!d.threads[0].current);
        assert_eq!(d.threads[0].frames.len(), 3);
        assert_eq!(d.threads[0].frames[0].function, "worker");
        assert!(d.threads[1].current);
        assert_eq!(d.threads[1].id, "0x00007f0b31f3b740");
        assert_eq!(
            d.threads[1].frames[0],
            PyFrame {
                file: "/usr/lib/python3.11/ctypes/__init__.py".into(),
                line: 519,
                function: "string_at".into()
            }
        );
        let sig = parse_output(FAULTHANDLER, "").unwrap();
        assert_eq!(
            sig.key,
            "Fatal Python error: Segmentation fault in string_at (/usr/lib/python3.11/ctypes/__init__.py:519)"
        );
    }

    /// The format of CPython 3.14's faulthandler (traceback.c): thread names in
    /// brackets, a C stack after the Python stacks, `plus N frames`.
    #[test]
    fn faulthandler_newer_format() {
        let text = "\
Fatal Python error: Segmentation fault

Thread 0x00007f3e0c9fe6c0 [worker-1] (most recent call first):
  File \"/app/bench.py\", line 41 in encode
  File \"/usr/lib/python3.14/threading.py\", line 1024 in run
plus 3 frames

Current thread 0x00007f3e1b2c1740 [python3] (most recent call first):
  Garbage-collecting
  File \"/app/bench.py\", line 12 in mul
  File \"???\", line ??? in <module>

Current thread's C stack trace (most recent call first):
  Binary file \"/usr/bin/python3.14\", at _Py_DumpStack+0x31 [0x55d0c]
  <truncated rest of calls>

Extension modules: torch._C (total: 1)
";
        let d = parse_faulthandler(text).unwrap();
        assert_eq!(d.threads.len(), 2);
        assert_eq!(d.threads[0].name.as_deref(), Some("worker-1"));
        assert_eq!(d.threads[0].frames.len(), 2);
        let cur = &d.threads[1];
        assert!(cur.current);
        assert_eq!(cur.name.as_deref(), Some("python3"));
        assert_eq!(cur.frames.len(), 2);
        assert_eq!(cur.frames[0].function, "mul");
        assert_eq!(cur.frames[1].line, 0);
        assert_eq!(
            parse_output(text, "").unwrap().key,
            "Fatal Python error: Segmentation fault in mul (/app/bench.py:12)"
        );
        // Single-thread mode: "Stack (most recent call first):".
        let single = "Fatal Python error: Aborted\n\nStack (most recent call first):\n  File \"a.py\", line 3 in f\n";
        let d = parse_faulthandler(single).unwrap();
        assert!(d.threads[0].current);
        assert_eq!(d.threads[0].frames[0].function, "f");
    }

    #[test]
    fn panic_new_format() {
        let text = "thread 'main' panicked at src/main.rs:4:5:\nindex out of bounds: the len is 3 but the index is 7\nnote: run with `RUST_BACKTRACE=1`\n";
        let p = parse_panic(text).unwrap();
        assert_eq!(p.thread, "main");
        assert_eq!(p.location, "src/main.rs:4:5");
        assert_eq!(
            p.message,
            "index out of bounds: the len is 3 but the index is 7"
        );
        assert_eq!(
            parse_output(text, "").unwrap().key,
            "panic at src/main.rs:4:5: index out of bounds: the len is 3 but the index is 7"
        );
        // Rust 1.80+ may print the thread id.
        let p = parse_panic("thread 'w' (1234) panicked at a.rs:1:2:\nboom\n").unwrap();
        assert_eq!((p.thread.as_str(), p.message.as_str()), ("w", "boom"));
    }

    #[test]
    fn nothing_in_plain_output() {
        assert!(parse_output("hello\nworld\n", "").is_none());
        assert!(parse_output("", "").is_none());
    }
}
