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
//!
//! Answers are remembered per thread by symbol (see [`FrameLists::classify`]):
//! a report's stack is classified more than once, and reports repeat symbols.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

use crate::memo::KeyIsHash;
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

    /// The position of the first entry matching `norm` by name, prefix or regex.
    fn first(&self, entries: &[FrameEntry], norm: &str) -> Option<usize> {
        let exact = self.0.get(norm).copied();
        let before = entries
            .get(..exact.unwrap_or(entries.len()))
            .unwrap_or(entries);
        before
            .iter()
            .position(|e| e.matches_pattern(norm))
            .or(exact)
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
    /// Names these lists (and their clones, which cannot differ: the fields are
    /// private and never changed after [`FrameLists::new`]) in the per-thread
    /// memo. 0 is the empty default lists.
    id: u64,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A list answer without the borrow: (is a skip entry, position in its list).
type Answer = Option<(bool, usize)>;

/// Distinct symbols remembered per thread before the memo starts over.
const MEMO_LIMIT: usize = 16_384;

/// Per thread: key (a hash of the lists' id and the symbol) -> the lists' id,
/// the symbol, and the answer. A hit is checked against the id and the whole
/// symbol, so two symbols never share an answer; a colliding one replaces it.
type Memo = HashMap<u64, (u64, Box<str>, Answer), KeyIsHash>;

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

/// A fast 64-bit hash of a text for per-thread memo keys (not for anything
/// that must never collide: memo hits are checked against the text itself).
pub(crate) fn text_hash(text: &str, seed: u64) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes = text.as_bytes();
    let mut h = seed ^ (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        for (d, s) in w.iter_mut().zip(rest) {
            *d = *s;
        }
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    // Final mix (murmur3's fmix64): every input bit reaches the top bits the
    // hash map uses.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
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
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
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

    /// Classifies a symbol (as the report writes it). The answer is
    /// remembered per thread: a stack is classified more than once, and
    /// reports repeat symbols.
    pub fn classify(&self, symbol: &str) -> Option<FrameClass<'_>> {
        let key = text_hash(symbol, self.id);
        let known = MEMO.with_borrow(|memo| match memo.get(&key) {
            Some((id, text, answer)) if *id == self.id && **text == *symbol => Some(*answer),
            _ => None,
        });
        let answer = match known {
            Some(answer) => answer,
            None => {
                let answer = self.answer(symbol);
                MEMO.with_borrow_mut(|memo| {
                    if memo.len() >= MEMO_LIMIT {
                        memo.clear();
                    }
                    memo.insert(key, (self.id, symbol.into(), answer));
                });
                answer
            }
        };
        self.class_of(answer)
    }

    /// [`FrameLists::classify`] worked out, not remembered.
    fn answer(&self, symbol: &str) -> Answer {
        let norm = normalize_symbol(symbol);
        if norm.is_empty() {
            return None;
        }
        if let Some(i) = self.skip_exact.first(&self.skip, norm) {
            return Some((true, i));
        }
        self.prefix_exact
            .first(&self.prefix, norm)
            .map(|i| (false, i))
    }

    fn class_of(&self, answer: Answer) -> Option<FrameClass<'_>> {
        match answer? {
            (true, i) => self.skip.get(i).map(FrameClass::Skip),
            (false, i) => self.prefix.get(i).map(FrameClass::Prefix),
        }
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
    // A one-byte search first: `str::find` builds a searcher for a string
    // pattern on every call, which costs more than most symbols.
    if s.contains('$') {
        if let Some(i) = s.find("$VARIANT$") {
            s = &s[..i];
        }
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
        if let Some(i) = plus_space(s) {
            if i > 0 {
                s = &s[..i];
            }
        }
    }
    s.trim()
}

/// `s.find("+ ")`, by a one-byte search for `+` (see [`normalize_symbol`]).
fn plus_space(s: &str) -> Option<usize> {
    s.match_indices('+')
        .map(|(i, _)| i)
        .find(|&i| s.as_bytes().get(i + 1) == Some(&b' '))
}

#[cfg(test)]
mod index_tests {
    use super::*;

    #[test]
    fn plus_space_is_find() {
        for s in [
            "", "+", "+ ", "a + 1", "a+b + c", "++ ", "a+", "é+ x", "x ++  +",
        ] {
            assert_eq!(plus_space(s), s.find("+ "), "{s:?}");
        }
    }

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

    /// The per-thread memo gives each set of lists its own answers, and
    /// symbols that differ (even by a space or a variant suffix) their own.
    #[test]
    fn memo_keeps_lists_and_symbols_apart() {
        let builtin = FrameLists::load_builtin().unwrap();
        let extra = FrameLists::parse(
            "extra.toml",
            "[[skip]]\ncategory = \"test\"\nreason = \"test skip\"\nsymbols = [\"main\"]\n",
        )
        .unwrap();
        let combined = extra.clone().with_lists(builtin.clone());
        let empty = FrameLists::default();
        let mut probes: Vec<String> = vec![
            "main".into(),
            "main ".into(),
            " main".into(),
            "main2".into(),
            "abort".into(),
            "abort$VARIANT$mp".into(),
            "objc_msgSend".into(),
            "closure #1 in _assertionFailure".into(),
            String::new(),
        ];
        for e in builtin.skip.iter().chain(&builtin.prefix) {
            probes.extend(e.symbols.iter().cloned());
            probes.extend(e.prefixes.iter().map(|p| format!("{p}x")));
        }
        let want = |l: &FrameLists, p: &str| {
            l.class_of(l.answer(p)).map(|c| {
                (
                    c.is_skip(),
                    c.category().to_string(),
                    c.reason().to_string(),
                )
            })
        };
        for _round in 0..3 {
            for p in &probes {
                for l in [&builtin, &extra, &combined, &empty] {
                    let got = l.classify(p).map(|c| {
                        (
                            c.is_skip(),
                            c.category().to_string(),
                            c.reason().to_string(),
                        )
                    });
                    assert_eq!(got, want(l, p), "{p:?}");
                }
            }
        }
        assert!(extra.classify("main").is_some_and(|c| c.is_skip()));
        assert!(builtin.classify("main").is_none());
        assert!(combined.classify("main").is_some_and(|c| c.is_skip()));
        assert!(extra.classify("main2").is_none());
    }
}
