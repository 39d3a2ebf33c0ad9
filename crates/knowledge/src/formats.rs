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
            .filter_map(|l| text.find(&l.signature).map(|at| (at, l.kind.as_str())))
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
