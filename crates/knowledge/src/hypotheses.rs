//! What the verdict may conclude (`knowledge/hypotheses.toml`): hypothesis titles
//! and experiments, library/API families, and the symbol, text, code and
//! thread-state lists its rules test against.
//!
//! This module parses the table and checks it (shape, every rule id present,
//! regexes compile); the rules themselves are the verdict pass in `crashlens-analyze`.

use crate::{parse_toml, KnowledgeError};
use serde::Deserialize;

const FILE: &str = "knowledge/hypotheses.toml";
const TEXT: &str = include_str!("../../../knowledge/hypotheses.toml");

/// The ids the verdict rules produce; each must have an entry in the file.
pub const RULE_IDS: &[&str] = &[
    "caller_race",
    "driver_defect",
    "os_defect",
    "memory_corruption",
    "null_dereference",
    "intentional_abort",
    "watchdog",
    "deadlock",
    "resource_kill",
    "privacy_violation",
    "security",
    "guard_violation",
    "stack_overflow",
    "hardware",
    "illegal_instruction",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hypotheses {
    #[serde(rename = "hypothesis")]
    pub hypotheses: Vec<HypothesisText>,
    #[serde(rename = "family")]
    pub families: Vec<Family>,
    pub patterns: Patterns,
    pub text: TextPatterns,
    pub exceptions: ExceptionNames,
    pub codes: Codes,
    pub threads: ThreadStates,
}

/// Exception type and signal names by meaning (case-insensitive substrings).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptionNames {
    pub fault: Vec<String>,
    pub abort: Vec<String>,
    pub trap: Vec<String>,
    pub illegal: Vec<String>,
    pub stack_overflow: Vec<String>,
    pub kill: Vec<String>,
    pub self_raised: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HypothesisText {
    pub id: String,
    pub title: String,
    pub experiments: Vec<String>,
    #[serde(default)]
    pub metal_experiments: Vec<String>,
}

/// Images that make up one library or API family.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Family {
    pub name: String,
    /// Regexes over image names.
    pub images: Vec<String>,
}

/// Symbol regex lists.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patterns {
    pub abort: Vec<String>,
    pub assertion: Vec<String>,
    pub exception: Vec<String>,
    pub lock_wait: Vec<String>,
    pub malloc: Vec<String>,
    pub malloc_error: Vec<String>,
    pub teardown: Vec<String>,
    pub objc_message: Vec<String>,
}

/// Text regexes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextPatterns {
    pub deadlock: String,
    pub watchdog: String,
    pub thermal: String,
    pub jetsam: String,
    pub uncaught: String,
    pub assertion: String,
    pub security: String,
    pub hardware: String,
}

/// Codes by meaning.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Codes {
    pub watchdog: Vec<u64>,
    pub file_lock: Vec<u64>,
    pub thermal: Vec<u64>,
    pub security: Vec<u64>,
}

/// Thread-group states by what they say about activity at the crash.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreadStates {
    pub passive_states: Vec<String>,
    pub sync_states: Vec<String>,
    pub submit_states: Vec<String>,
    pub lock_states: Vec<String>,
    pub concurrent_queue_prefixes: Vec<String>,
}

impl Hypotheses {
    /// The title and experiments of a hypothesis.
    pub fn get(&self, id: &str) -> Option<&HypothesisText> {
        self.hypotheses.iter().find(|h| h.id == id)
    }

    /// Every regex in the table, labelled, for callers that compile them.
    pub fn regexes(&self) -> Vec<(String, &str)> {
        let mut out: Vec<(String, &str)> = Vec::new();
        for f in &self.families {
            out.extend(
                f.images
                    .iter()
                    .map(|p| (format!("family {}", f.name), p.as_str())),
            );
        }
        let p = &self.patterns;
        for (name, list) in [
            ("abort", &p.abort),
            ("assertion", &p.assertion),
            ("exception", &p.exception),
            ("lock_wait", &p.lock_wait),
            ("malloc", &p.malloc),
            ("malloc_error", &p.malloc_error),
            ("teardown", &p.teardown),
            ("objc_message", &p.objc_message),
        ] {
            out.extend(
                list.iter()
                    .map(|x| (format!("patterns.{name}"), x.as_str())),
            );
        }
        let t = &self.text;
        for (name, x) in [
            ("deadlock", &t.deadlock),
            ("watchdog", &t.watchdog),
            ("thermal", &t.thermal),
            ("jetsam", &t.jetsam),
            ("uncaught", &t.uncaught),
            ("assertion", &t.assertion),
            ("security", &t.security),
            ("hardware", &t.hardware),
        ] {
            out.push((format!("text.{name}"), x.as_str()));
        }
        out
    }
}

/// The built-in table, parsed and checked.
pub fn builtin() -> Result<Hypotheses, KnowledgeError> {
    parse(FILE, TEXT)
}

/// Parses and checks a hypotheses table.
pub fn parse(file: &str, text: &str) -> Result<Hypotheses, KnowledgeError> {
    let h: Hypotheses = parse_toml(file, text)?;
    let invalid = |message: String| KnowledgeError::Invalid {
        file: file.to_string(),
        message,
    };
    let mut seen = std::collections::BTreeSet::new();
    for x in &h.hypotheses {
        if !seen.insert(x.id.as_str()) {
            return Err(invalid(format!("duplicate hypothesis {}", x.id)));
        }
        if x.title.trim().is_empty() || x.experiments.is_empty() {
            return Err(invalid(format!(
                "{}: needs a title and at least one experiment",
                x.id
            )));
        }
        if x.title.to_lowercase().contains("confirm") {
            return Err(invalid(format!("{}: a title never says confirmed", x.id)));
        }
    }
    for id in RULE_IDS {
        if !seen.contains(id) {
            return Err(invalid(format!("no [[hypothesis]] for rule id {id}")));
        }
    }
    for f in &h.families {
        if f.name.trim().is_empty() || f.images.is_empty() {
            return Err(invalid(
                "a family needs a name and image patterns".to_string(),
            ));
        }
    }
    for (where_, p) in h.regexes() {
        regex::Regex::new(p).map_err(|e| invalid(format!("{where_}: bad regex {p:?}: {e}")))?;
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_parses() {
        let h = super::builtin().unwrap();
        assert!(h.get("caller_race").is_some());
    }
}
