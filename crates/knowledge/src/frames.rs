//! Frame lists (`knowledge/frames.toml`): which frames to pass over.
//!
//! Two kinds of entry, each with a category and a reason:
//! - **skip**: crash machinery (abort, raise, assert, throw, signal delivery, crash
//!   reporters). The blamed frame of a stack is the first frame that is not a
//!   skip frame. An entry with `through = true` (such as `_sigtramp`) also
//!   passes over every frame above it: those ran in the signal handler.
//! - **prefix**: frames that are real but too generic to name a crash alone
//!   (memcpy, malloc internals, `objc_msgSend`, retain/release). A signature
//!   keeps them and continues to the next frame.
//!
//! Entries match by exact name (`symbols`), by prefix (`prefixes`) or by
//! regex (`regex`, unanchored), against the symbol normalized by
//! [`normalize_symbol`] (so `pthread_kill$VARIANT$mp` is `pthread_kill` and
//! `std::terminate()` is `std::terminate`). Skip entries are tried before
//! prefix entries; within a kind, file order.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

use crate::{parse_toml, KnowledgeError};

pub const BUILTIN_TOML: &str = include_str!("../../../knowledge/frames.toml");
const BUILTIN_NAME: &str = "knowledge/frames.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FramesFile {
    #[serde(default)]
    skip: Vec<RawEntry>,
    #[serde(default)]
    prefix: Vec<RawEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    category: String,
    reason: String,
    #[serde(default)]
    symbols: Vec<String>,
    #[serde(default)]
    prefixes: Vec<String>,
    #[serde(default)]
    regex: Vec<String>,
    #[serde(default)]
    through: bool,
}

/// One entry of the skip or prefix list.
#[derive(Debug, Clone)]
pub struct FrameEntry {
    /// "abort", "assert", "throw", "signal", "crash_reporter", "memory", "trampoline", ...
    pub category: String,
    /// Why such a frame is passed over, in words.
    pub reason: String,
    /// Also pass over every frame above (before) this one.
    pub through: bool,
    symbols: Vec<String>,
    prefixes: Vec<String>,
    regex: Vec<Regex>,
}

impl FrameEntry {
    /// Matches by prefix or regex (exact names are looked up in [`Exact`]).
    fn matches_pattern(&self, norm: &str) -> bool {
        self.prefixes.iter().any(|p| norm.starts_with(p.as_str()))
            || self.regex.iter().any(|r| r.is_match(norm))
    }
}

/// Exact names -> the first entry (by position) that lists the name.
#[derive(Debug, Clone, Default)]
struct Exact(HashMap<String, usize>);

impl Exact {
    fn build(entries: &[FrameEntry]) -> Exact {
        let mut m = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            for s in &e.symbols {
                m.entry(s.clone()).or_insert(i);
            }
        }
        Exact(m)
    }

    /// The first entry matching `norm` by name, prefix or regex.
    fn first<'a>(&self, entries: &'a [FrameEntry], norm: &str) -> Option<&'a FrameEntry> {
        let exact = self.0.get(norm).copied();
        let before = entries
            .get(..exact.unwrap_or(entries.len()))
            .unwrap_or(entries);
        before
            .iter()
            .find(|e| e.matches_pattern(norm))
            .or_else(|| exact.and_then(|i| entries.get(i)))
    }
}

/// What a frame is, if it is on a list.
#[derive(Debug, Clone, Copy)]
pub enum FrameClass<'a> {
    /// Crash machinery: pass over it when choosing the blamed frame.
    Skip(&'a FrameEntry),
    /// Too generic alone: keep it, but continue to the next frame for a signature.
    Prefix(&'a FrameEntry),
}

impl<'a> FrameClass<'a> {
    pub fn entry(&self) -> &'a FrameEntry {
        match self {
            FrameClass::Skip(e) | FrameClass::Prefix(e) => e,
        }
    }
    pub fn reason(&self) -> &'a str {
        &self.entry().reason
    }
    pub fn category(&self) -> &'a str {
        &self.entry().category
    }
    pub fn is_skip(&self) -> bool {
        matches!(self, FrameClass::Skip(_))
    }
}

/// The compiled lists.
#[derive(Debug, Clone, Default)]
pub struct FrameLists {
    skip: Vec<FrameEntry>,
    prefix: Vec<FrameEntry>,
    skip_exact: Exact,
    prefix_exact: Exact,
}

impl FrameLists {
    /// Parses and validates a frames file; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<FrameLists, KnowledgeError> {
        let raw: FramesFile = parse_toml(file, text)?;
        let mut seen: Vec<(String, String)> = Vec::new();
        let skip = compile(file, "skip", raw.skip, &mut seen)?;
        let prefix = compile(file, "prefix", raw.prefix, &mut seen)?;
        Ok(FrameLists::new(skip, prefix))
    }

    pub fn load_builtin() -> Result<FrameLists, KnowledgeError> {
        FrameLists::parse(BUILTIN_NAME, BUILTIN_TOML)
    }

    fn new(skip: Vec<FrameEntry>, prefix: Vec<FrameEntry>) -> FrameLists {
        FrameLists {
            skip_exact: Exact::build(&skip),
            prefix_exact: Exact::build(&prefix),
            skip,
            prefix,
        }
    }

    /// Puts `newer`'s entries in front of these.
    pub fn with_lists(self, newer: FrameLists) -> FrameLists {
        let mut skip = newer.skip;
        skip.extend(self.skip);
        let mut prefix = newer.prefix;
        prefix.extend(self.prefix);
        FrameLists::new(skip, prefix)
    }

    /// Classifies a symbol (as the report writes it).
    pub fn classify(&self, symbol: &str) -> Option<FrameClass<'_>> {
        let norm = normalize_symbol(symbol);
        if norm.is_empty() {
            return None;
        }
        if let Some(e) = self.skip_exact.first(&self.skip, norm) {
            return Some(FrameClass::Skip(e));
        }
        self.prefix_exact
            .first(&self.prefix, norm)
            .map(FrameClass::Prefix)
    }

    pub fn skip_entries(&self) -> &[FrameEntry] {
        &self.skip
    }
    pub fn prefix_entries(&self) -> &[FrameEntry] {
        &self.prefix
    }
}

fn compile(
    file: &str,
    kind: &str,
    raw: Vec<RawEntry>,
    seen: &mut Vec<(String, String)>,
) -> Result<Vec<FrameEntry>, KnowledgeError> {
    let mut out = Vec::with_capacity(raw.len());
    for (i, e) in raw.into_iter().enumerate() {
        let n = i + 1;
        let invalid = |message: String| KnowledgeError::Invalid {
            file: file.to_string(),
            message,
        };
        if e.category.trim().is_empty() || e.reason.trim().is_empty() {
            return Err(invalid(format!(
                "{kind} entry {n}: category and reason must not be empty"
            )));
        }
        if e.symbols.is_empty() && e.prefixes.is_empty() && e.regex.is_empty() {
            return Err(invalid(format!(
                "{kind} entry {n} ({}): no symbols, prefixes or regex",
                e.category
            )));
        }
        for (key, list) in [
            ("symbols", &e.symbols),
            ("prefixes", &e.prefixes),
            ("regex", &e.regex),
        ] {
            for s in list {
                if s.trim().is_empty() {
                    return Err(invalid(format!(
                        "{kind} entry {n} ({}): empty pattern in {key}",
                        e.category
                    )));
                }
                let sig = format!("{key}={s}");
                if let Some((_, where_)) = seen.iter().find(|(x, _)| *x == sig) {
                    return Err(invalid(format!(
                        "{kind} entry {n} ({}): duplicate {key} {s:?} (already in {where_})",
                        e.category
                    )));
                }
                seen.push((sig, format!("{kind} entry {n}")));
            }
        }
        let mut regex = Vec::new();
        for r in &e.regex {
            regex.push(
                Regex::new(r)
                    .map_err(|err| invalid(format!("{kind} entry {n}: bad regex {r:?}: {err}")))?,
            );
        }
        // Entries are compared against normalized symbols; keep them normalized too.
        let symbols = e
            .symbols
            .iter()
            .map(|s| normalize_symbol(s).to_string())
            .collect();
        out.push(FrameEntry {
            category: e.category.trim().to_string(),
            reason: e.reason.trim().to_string(),
            through: e.through,
            symbols,
            prefixes: e.prefixes,
            regex,
        });
    }
    Ok(out)
}

/// The built-in lists (parsed once; tested to be valid by tests/frames_valid.rs).
pub fn builtin() -> &'static FrameLists {
    static LISTS: OnceLock<FrameLists> = OnceLock::new();
    LISTS.get_or_init(|| FrameLists::load_builtin().unwrap_or_default())
}

/// The part of a symbol the lists compare: without Swift's `closure #N in`,
/// `partial apply for`, `specialized` wrappers, without a `$VARIANT$...` suffix,
/// without a C++/Swift parameter list, without a broken-symbolication
/// `+ N` tail, trimmed. Objective-C method names (`-[...]`, `+[...]`) keep
/// their parentheses (categories: `-[NSObject(NSObject) doesNotRecognizeSelector:]`).
pub fn normalize_symbol(symbol: &str) -> &str {
    let mut s = symbol.trim();
    // Swift wrappers name the function they belong to: "closure #1 in
    // closure #2 in f", "partial apply for f", "specialized f".
    loop {
        let before = s;
        for p in ["specialized ", "merged ", "partial apply for ", "implicit "] {
            s = s.strip_prefix(p).unwrap_or(s);
        }
        if s.starts_with("closure #") {
            if let Some(i) = s.find(" in ") {
                s = s.get(i + 4..).unwrap_or(s);
            }
        }
        if s == before {
            break;
        }
    }
    if let Some(i) = s.find("$VARIANT$") {
        s = &s[..i];
    }
    let objc = s.starts_with("-[") || s.starts_with("+[");
    if !objc {
        if let Some(i) = s.find('(') {
            // Keep "(anonymous namespace)" and "operator()" intact: only cut a
            // parameter list that does not start the name.
            if i > 0 && !s[i..].starts_with("(anonymous") && !s[..i].ends_with("operator") {
                s = &s[..i];
            }
        }
        if let Some(i) = s.find("+ ") {
            if i > 0 {
                s = &s[..i];
            }
        }
    }
    s.trim()
}

#[cfg(test)]
mod index_tests {
    use super::*;

    /// The first entry that lists the name, has the prefix or matches the regex.
    fn naive<'a>(entries: &'a [FrameEntry], norm: &str) -> Option<&'a FrameEntry> {
        entries
            .iter()
            .find(|e| e.symbols.iter().any(|s| s == norm) || e.matches_pattern(norm))
    }

    #[test]
    fn exact_index_keeps_first_match_order() {
        let lists = FrameLists::load_builtin().unwrap();
        let mut probes: Vec<String> = vec!["main".into(), "$s4main17_assertionFailure".into()];
        for e in lists.skip.iter().chain(&lists.prefix) {
            probes.extend(e.symbols.iter().cloned());
            probes.extend(e.prefixes.iter().map(|p| format!("{p}x")));
        }
        for p in &probes {
            let norm = normalize_symbol(p);
            let want = naive(&lists.skip, norm)
                .map(|e| (true, e.category.clone()))
                .or_else(|| naive(&lists.prefix, norm).map(|e| (false, e.category.clone())));
            let got = lists
                .classify(p)
                .map(|c| (c.is_skip(), c.category().to_string()));
            if norm.is_empty() {
                assert!(got.is_none());
            } else {
                assert_eq!(got, want, "{p:?}");
            }
        }
    }
}
