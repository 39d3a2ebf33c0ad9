//! Recognized formats that are not read as process crashes
//! (`knowledge/formats.toml`): non-crash `.ips` bug_types, and the text
//! signatures of crash logs whose readers are not written yet.

use crate::{parse_toml, KnowledgeError};
use serde::Deserialize;
use std::sync::OnceLock;

const FILE: &str = "knowledge/formats.toml";
const TEXT: &str = include_str!("../../../knowledge/formats.toml");

/// A non-crash `.ips` bug_type.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BugType {
    pub code: String,
    pub kind: String,
}

/// A crash-log signature.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSignature {
    pub signature: String,
    pub kind: String,
    /// The signature counts only when this text also appears.
    #[serde(default)]
    pub requires: Option<String>,
    /// The signature counts only at the start of a line, as the tool prints
    /// it: words such as `panic: ` are too plain to count inside prose about
    /// crashes.
    #[serde(default)]
    pub line_start: bool,
    /// The signature counts only right after a digit (UBSan's
    /// `file:line:column: runtime error: `; Go's `panic: runtime error: ` is
    /// not one).
    #[serde(default)]
    pub after_digit: bool,
}

impl LogSignature {
    /// Where the signature first appears in `text` where
    /// [`LogSignature::line_start`] and [`LogSignature::after_digit`] allow,
    /// and not inside quotes: tools print their lines bare, and prose about
    /// a crash (notes, a corpus's list of sources) quotes them.
    fn find(&self, text: &str) -> Option<usize> {
        let before = |at: usize| at.checked_sub(1).and_then(|b| text.as_bytes().get(b));
        text.match_indices(self.signature.as_str())
            .map(|(at, _)| at)
            .find(|&at| {
                (!self.line_start || at == 0 || before(at) == Some(&b'\n'))
                    && (!self.after_digit || before(at).is_some_and(u8::is_ascii_digit))
                    && !quoted(text, at)
            })
    }
}

/// Whether `at` lies inside quotes opened earlier on its line: an odd number
/// of `"`, of backticks, or of `'` that are not apostrophes (between two
/// letters, as in "can't") come before it.
fn quoted(text: &str, at: usize) -> bool {
    let bytes = text.as_bytes();
    let line_start = bytes
        .get(..at)
        .and_then(|b| b.iter().rposition(|&c| c == b'\n'))
        .map_or(0, |nl| nl + 1);
    let line = bytes.get(line_start..at).unwrap_or_default();
    let odd = |q: u8| line.iter().filter(|&&c| c == q).count() % 2 == 1;
    let letter = |i: Option<usize>| {
        i.and_then(|i| bytes.get(i))
            .is_some_and(u8::is_ascii_alphabetic)
    };
    let single = (line_start..at)
        .filter(|&i| bytes.get(i) == Some(&b'\''))
        .filter(|&i| !(letter(i.checked_sub(1)) && letter(Some(i + 1))))
        .count();
    odd(b'"') || odd(b'`') || single % 2 == 1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Formats {
    #[serde(default)]
    pub bug_type: Vec<BugType>,
    #[serde(default)]
    pub log: Vec<LogSignature>,
}

impl Formats {
    /// Parses and validates a formats table.
    pub fn parse(file: &str, text: &str) -> Result<Formats, KnowledgeError> {
        let f: Formats = parse_toml(file, text)?;
        let invalid = |message: String| KnowledgeError::Invalid {
            file: file.to_string(),
            message,
        };
        let mut codes = std::collections::HashSet::new();
        for b in &f.bug_type {
            if b.code.trim().is_empty() || !b.code.chars().all(|c| c.is_ascii_digit()) {
                return Err(invalid(format!(
                    "bug_type code {:?} is not a number",
                    b.code
                )));
            }
            if !codes.insert(b.code.as_str()) {
                return Err(invalid(format!("bug_type {} listed twice", b.code)));
            }
        }
        let mut sigs = std::collections::HashSet::new();
        for l in &f.log {
            if l.signature.is_empty() || l.kind.trim().is_empty() {
                return Err(invalid(
                    "a log entry with an empty signature or kind".into(),
                ));
            }
            if !sigs.insert(l.signature.as_str()) {
                return Err(invalid(format!(
                    "log signature {:?} listed twice",
                    l.signature
                )));
            }
        }
        Ok(f)
    }

    /// What a non-crash bug_type is, or None when it is (or may be) a crash.
    pub fn kind_for_bug_type(&self, code: &str) -> Option<&str> {
        let code = code.trim();
        self.bug_type
            .iter()
            .find(|b| b.code == code)
            .map(|b| b.kind.as_str())
    }

    /// The kind of log named by the earliest signature found in `text`.
    pub fn sniff_log(&self, text: &str) -> Option<&str> {
        self.log
            .iter()
            .filter(|l| l.requires.as_deref().is_none_or(|r| text.contains(r)))
            .filter_map(|l| l.find(text).map(|at| (at, l.kind.as_str())))
            .min_by_key(|(at, _)| *at)
            .map(|(_, kind)| kind)
    }
}

/// The built-in table, parsed once. It is validated by this crate's tests; were
/// it broken, every format would simply go unrecognized rather than panic.
pub fn builtin() -> &'static Formats {
    static F: OnceLock<Formats> = OnceLock::new();
    F.get_or_init(|| {
        Formats::parse(FILE, TEXT).unwrap_or(Formats {
            bug_type: Vec::new(),
            log: Vec::new(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_is_valid() {
        Formats::parse(FILE, TEXT).unwrap();
        let f = builtin();
        assert_eq!(f.kind_for_bug_type("151"), Some("kernel panic"));
        assert_eq!(
            f.kind_for_bug_type(" 298 "),
            Some("jetsam event (memory pressure)")
        );
        assert_eq!(f.kind_for_bug_type("309"), None);
    }

    #[test]
    fn earliest_signature_wins_and_requires_is_checked() {
        let f = builtin();
        assert_eq!(
            f.sniff_log("x\nERROR: AddressSanitizer: heap-use-after-free"),
            Some("AddressSanitizer report")
        );
        assert_eq!(f.sniff_log("panic: boom"), None);
        assert_eq!(
            f.sniff_log("panic: boom\n\ngoroutine 1 [running]:"),
            Some("Go panic")
        );
        // Go prints both at the start of a line; prose about a Go panic is
        // not one.
        assert_eq!(
            f.sniff_log("x\npanic: boom\n\ngoroutine 1 [running]:"),
            Some("Go panic")
        );
        assert_eq!(
            f.sniff_log("- a Go panic: runtime error, with goroutine stacks"),
            None
        );
        assert_eq!(
            f.sniff_log("panic: boom\nall goroutine stacks follow"),
            None
        );
        // UBSan names the file, line and column first.
        assert_eq!(
            f.sniff_log("a.cc:12:7: runtime error: signed integer overflow"),
            Some("UndefinedBehaviorSanitizer report")
        );
        assert_eq!(
            f.sniff_log("panic: runtime error: index out of range"),
            None
        );
        // Rust's panic line starts with the thread; a quote of it does not.
        assert_eq!(
            f.sniff_log("thread 'main' panicked at src/main.rs:2:5:\nboom"),
            Some("Rust panic")
        );
        assert_eq!(
            f.sniff_log("- a Rust panic \"thread 'x' panicked at 'boom'\""),
            None
        );
        // A quoted line is prose about a log, not the log.
        assert_eq!(
            f.sniff_log("Jazzer: '== Java Exception: java.lang.IllegalStateException'"),
            None
        );
        assert_eq!(
            f.sniff_log("x\n== Java Exception: java.lang.IllegalStateException"),
            Some("Java exception")
        );
        assert_eq!(
            f.sniff_log("Chromium '[FATAL:a.cc(299)] Check failed: !x.' then"),
            None
        );
        // Apostrophes and closed quotes before a signature leave it bare.
        assert_eq!(
            f.sniff_log("[FATAL:can't.cc(1)] 'x' Check failed: y"),
            Some("Chromium CHECK failure log")
        );
        assert_eq!(
            f.sniff_log("WARNING: ThreadSanitizer: data race\nERROR: AddressSanitizer"),
            Some("ThreadSanitizer report")
        );
    }

    #[test]
    fn bad_tables_are_rejected() {
        assert!(Formats::parse("t", "[[bug_type]]\ncode = \"x1\"\nkind = \"k\"").is_err());
        assert!(Formats::parse(
            "t",
            "[[log]]\nsignature = \"a\"\nkind = \"k\"\n[[log]]\nsignature = \"a\"\nkind = \"j\""
        )
        .is_err());
        assert!(
            Formats::parse("t", "[[log]]\nsignature = \"a\"\nkind = \"k\"\nextra = 1").is_err()
        );
    }
}
