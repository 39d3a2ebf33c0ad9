//! Owner rules (`knowledge/owners.toml`): who owns an image or a frame.
//!
//! A rule names an [`Owner`] (GPU driver, OS runtime, ...) and an optional detail
//! label ("PyTorch", "CPython", "AGX (Apple GPU)"), and one or more conditions:
//!
//! | key | matches | weight |
//! |---|---|---|
//! | `image` | globs on the image name (`*`, `?`; case-insensitive) | 80 |
//! | `image_regex` | regexes on the image name (unanchored; add `^`/`$`) | 80 |
//! | `symbol_prefix` | the frame's symbol starts with one of these | 40 |
//! | `symbol` | globs on the whole symbol (case-sensitive) | 40 |
//! | `path_prefix` | the image's path starts with one of these (case-sensitive) | 20 |
//! | `path` | globs on the image's path (case-insensitive) | 20 |
//!
//! Within one key the patterns are alternatives; different keys must all match.
//! "Image name" means any of: the name the frame shows, the image's name, its
//! bundle id, the last component of its path, and the last dot-separated part
//! of a reverse-DNS bundle id (`com.apple.AMDRadeonX4000GLDriver` ->
//! `AMDRadeonX4000GLDriver`).
//!
//! **The most specific match wins**: a rule's score is the sum of the weights of
//! its keys. Besides the rules, three built-in facts take part with fixed
//! scores: the process's main executable is the app (30), an image inside the
//! app's bundle is the app (25), and an image the report marks as not part of
//! the OS is third-party (10). So a name rule (`Python` -> CPython) beats "main
//! executable", "main executable" beats `/System/` (an Apple process is still
//! the app of its own report), and a symbol rule (`swift_` -> Swift runtime)
//! beats "main executable" for runtime code linked into the app. On equal
//! scores the rule seen first wins; rule files added later (see
//! [`OwnerRules::with_file`]) are consulted before earlier ones and before the
//! built-in table, so they take precedence.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use crashlens_model::Owner;
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::de::IntoDeserializer;
use serde::Deserialize;

use crate::memo::KeyIsHash;
use crate::{parse_toml, KnowledgeError};

/// The built-in owner table.
pub const BUILTIN_TOML: &str = include_str!("../../../knowledge/owners.toml");
const BUILTIN_NAME: &str = "knowledge/owners.toml";

const W_IMAGE: u32 = 80;
const W_SYMBOL: u32 = 40;
const W_MAIN: u32 = 30;
const W_APP_BUNDLE: u32 = 25;
const W_PATH: u32 = 20;
const W_USER_CODE: u32 = 10;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnersFile {
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    owner: String,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    image: Vec<String>,
    #[serde(default)]
    image_regex: Vec<String>,
    #[serde(default)]
    symbol_prefix: Vec<String>,
    #[serde(default)]
    symbol: Vec<String>,
    #[serde(default)]
    path_prefix: Vec<String>,
    #[serde(default)]
    path: Vec<String>,
    /// List this image in the binary-versions table whenever a GPU driver is
    /// involved in the crash (Metal, IOGPU, ...).
    #[serde(default)]
    list_with_gpu: bool,
}

/// One compiled rule.
#[derive(Debug, Clone)]
pub struct OwnerRule {
    pub owner: Owner,
    pub detail: Option<String>,
    /// Where the rule came from: "knowledge/owners.toml rule 3".
    pub origin: String,
    pub list_with_gpu: bool,
    image: Vec<Regex>,
    symbol_prefix: Vec<String>,
    symbol: Vec<Regex>,
    path_prefix: Vec<String>,
    path: Vec<Regex>,
}

impl OwnerRule {
    fn score(&self, s: &Subject<'_>) -> Option<u32> {
        let mut score = 0;
        if !self.image.is_empty() {
            let names = s.name_candidates();
            if !self
                .image
                .iter()
                .any(|r| names.iter().any(|n| r.is_match(n)))
            {
                return None;
            }
            score += W_IMAGE;
        }
        if !self.symbol_prefix.is_empty() || !self.symbol.is_empty() {
            let sym = s.symbol?;
            let hit = self
                .symbol_prefix
                .iter()
                .any(|p| sym.starts_with(p.as_str()))
                || self.symbol.iter().any(|r| r.is_match(sym));
            if !hit {
                return None;
            }
            score += W_SYMBOL;
        }
        if !self.path_prefix.is_empty() || !self.path.is_empty() {
            let path = s.path?;
            let hit = self
                .path_prefix
                .iter()
                .any(|p| path.starts_with(p.as_str()))
                || self.path.iter().any(|r| r.is_match(path));
            if !hit {
                return None;
            }
            score += W_PATH;
        }
        Some(score)
    }
}

/// What is being classified: an image, or a frame in an image.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    /// The name the frame line shows.
    pub frame_image: Option<&'a str>,
    pub image_name: Option<&'a str>,
    pub bundle_id: Option<&'a str>,
    pub path: Option<&'a str>,
    pub symbol: Option<&'a str>,
    /// The image is the process's main executable.
    pub is_main: bool,
    /// The image lies inside the app's bundle (not the main executable itself).
    pub in_app_bundle: bool,
    /// The report marks the image as not part of the OS.
    pub user_code: bool,
}

impl<'a> Subject<'a> {
    fn name_candidates(&self) -> Vec<&'a str> {
        let mut out: Vec<&'a str> = Vec::new();
        let mut push = |s: &'a str| {
            let s = s.trim();
            if !s.is_empty() && !out.contains(&s) {
                out.push(s);
            }
        };
        for n in [self.frame_image, self.image_name, self.bundle_id]
            .into_iter()
            .flatten()
        {
            push(n);
            if let Some(last) = reverse_dns_tail(n) {
                push(last);
            }
        }
        if let Some(p) = self.path {
            if let Some(base) = p.rsplit(['/', '\\']).next() {
                push(base);
            }
        }
        out
    }
}

/// `com.apple.AMDRadeonX4000GLDriver` -> `AMDRadeonX4000GLDriver`.
fn reverse_dns_tail(name: &str) -> Option<&str> {
    const PREFIXES: [&str; 5] = ["com.", "org.", "net.", "io.", "de."];
    if !PREFIXES.iter().any(|p| name.starts_with(p)) || name.contains(' ') {
        return None;
    }
    name.rsplit('.').next().filter(|t| !t.is_empty())
}

/// The answer: an owner, its detail label, and which rule said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerMatch {
    pub owner: Owner,
    pub detail: Option<String>,
    /// "knowledge/owners.toml rule 3", "main executable", "no rule matched".
    pub origin: String,
    /// The winning rule asks to list the image when a GPU driver is involved.
    pub list_with_gpu: bool,
}

/// A compiled, validated set of owner rules.
#[derive(Debug, Clone)]
pub struct OwnerRules {
    /// In precedence order: later files first, the built-in table last.
    rules: Vec<OwnerRule>,
    /// The rules' patterns, one set per key, so that a name, path or symbol is
    /// scanned once per call rather than once per rule. `None` when a set
    /// could not be built (the per-rule path gives the same answer).
    index: Option<Index>,
    /// Names this rule set (and its clones) in the per-thread memo of which
    /// rules an image name or path matches.
    id: u64,
}

static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Names and paths are few per report (one per image) and repeat across
/// frames and reports; symbols are many and are not remembered.
const MEMO_LIMIT: usize = 4096;

/// A winning rule (its index) or a built-in fact (owner, origin).
type Winner = Result<usize, (Owner, &'static str)>;

/// (rule set id, key) -> the text's xxh3 hash -> the text and the rules
/// whose pattern for that key matches it. A hit is confirmed against the
/// text; a colliding text replaces the entry (so no key chains grow).
type Memo = HashMap<(u64, u8), HashMap<u64, (Box<str>, Vec<usize>), KeyIsHash>>;

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(HashMap::new());
}

/// One key's patterns (each rule's combined regex) as one [`RegexSet`].
#[derive(Debug, Clone)]
struct KeySet {
    set: RegexSet,
    /// Set pattern `i` belongs to rule `rules[i]`.
    rules: Vec<usize>,
}

impl KeySet {
    fn build(
        rules: &[OwnerRule],
        key: fn(&OwnerRule) -> &[Regex],
        case_insensitive: bool,
    ) -> Option<KeySet> {
        let mut patterns = Vec::new();
        let mut owners = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            for re in key(r) {
                patterns.push(re.as_str());
                owners.push(i);
            }
        }
        let set = RegexSetBuilder::new(patterns)
            .case_insensitive(case_insensitive)
            .build()
            .ok()?;
        Some(KeySet { set, rules: owners })
    }

    /// Marks in `hits` the rules with a pattern matching `text`.
    fn mark(&self, text: &str, hits: &mut [bool]) {
        for r in self.matching(text) {
            if let Some(h) = hits.get_mut(r) {
                *h = true;
            }
        }
    }

    /// The rules with a pattern matching `text`.
    fn matching(&self, text: &str) -> Vec<usize> {
        if self.rules.is_empty() {
            return Vec::new();
        }
        self.set
            .matches(text)
            .iter()
            .filter_map(|i| self.rules.get(i).copied())
            .collect()
    }

    /// [`KeySet::mark`], remembered per thread under (rule set `id`, `key`).
    fn mark_memo(&self, id: u64, key: u8, text: &str, hits: &mut [bool]) {
        MEMO.with_borrow_mut(|memo| {
            let known = memo.entry((id, key)).or_default();
            let h = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
            let hit = known.get(&h).is_some_and(|(t, _)| **t == *text);
            if !hit {
                if known.len() >= MEMO_LIMIT {
                    known.clear();
                }
                known.insert(h, (text.into(), self.matching(text)));
            }
            let rules = known.get(&h).map_or(&[][..], |(_, r)| r.as_slice());
            for &r in rules {
                if let Some(h) = hits.get_mut(r) {
                    *h = true;
                }
            }
        });
    }
}

#[derive(Debug, Clone)]
struct Index {
    image: KeySet,
    symbol: KeySet,
    path: KeySet,
}

impl Index {
    fn build(rules: &[OwnerRule]) -> Option<Index> {
        Some(Index {
            image: KeySet::build(rules, |r| &r.image, true)?,
            symbol: KeySet::build(rules, |r| &r.symbol, false)?,
            path: KeySet::build(rules, |r| &r.path, true)?,
        })
    }
}

impl OwnerRules {
    /// Parses and validates one rule file; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<OwnerRules, KnowledgeError> {
        let raw: OwnersFile = parse_toml(file, text)?;
        let mut rules = Vec::with_capacity(raw.rule.len());
        let mut seen: Vec<(String, usize)> = Vec::new();
        for (i, r) in raw.rule.into_iter().enumerate() {
            let n = i + 1;
            let invalid = |message: String| KnowledgeError::Invalid {
                file: file.to_string(),
                message,
            };
            let owner = parse_owner(&r.owner).ok_or_else(|| {
                invalid(format!(
                    "rule {n}: unknown owner {:?} (expected one of: gpu_driver, os_runtime, os_framework, \
                     language_runtime, ml_framework, third_party, app, unknown)",
                    r.owner
                ))
            })?;
            if r.image.is_empty()
                && r.image_regex.is_empty()
                && r.symbol_prefix.is_empty()
                && r.symbol.is_empty()
                && r.path_prefix.is_empty()
                && r.path.is_empty()
            {
                return Err(invalid(format!(
                    "rule {n}: no condition (give image, image_regex, symbol_prefix, symbol, path_prefix or path)"
                )));
            }
            if let Some(d) = &r.detail {
                if d.trim().is_empty() {
                    return Err(invalid(format!("rule {n}: empty detail")));
                }
            }
            let lists: [(&str, &Vec<String>); 6] = [
                ("image", &r.image),
                ("image_regex", &r.image_regex),
                ("symbol_prefix", &r.symbol_prefix),
                ("symbol", &r.symbol),
                ("path_prefix", &r.path_prefix),
                ("path", &r.path),
            ];
            for (key, list) in lists {
                for p in list {
                    if p.trim().is_empty() {
                        return Err(invalid(format!("rule {n}: empty pattern in {key}")));
                    }
                    let sig = format!("{key}={p}");
                    if let Some((_, first)) =
                        seen.iter().find(|(s, _)| s.eq_ignore_ascii_case(&sig))
                    {
                        return Err(invalid(format!(
                            "rule {n}: duplicate {key} pattern {p:?} (already in rule {first})"
                        )));
                    }
                    seen.push((sig, n));
                }
            }
            let mut image = Vec::new();
            for g in &r.image {
                image.push(
                    glob(g, false)
                        .map_err(|e| invalid(format!("rule {n}: bad image glob {g:?}: {e}")))?,
                );
            }
            for re in &r.image_regex {
                image.push(
                    RegexBuilder::new(re)
                        .case_insensitive(true)
                        .build()
                        .map_err(|e| invalid(format!("rule {n}: bad image_regex {re:?}: {e}")))?,
                );
            }
            let mut symbol = Vec::new();
            for g in &r.symbol {
                symbol.push(
                    glob(g, true)
                        .map_err(|e| invalid(format!("rule {n}: bad symbol glob {g:?}: {e}")))?,
                );
            }
            let mut path = Vec::new();
            for g in &r.path {
                path.push(
                    glob(g, false)
                        .map_err(|e| invalid(format!("rule {n}: bad path glob {g:?}: {e}")))?,
                );
            }
            // Each pattern was checked alone (for a precise error); match them as one.
            let image = combine(image, true).map_err(|e| invalid(format!("rule {n}: {e}")))?;
            let symbol = combine(symbol, false).map_err(|e| invalid(format!("rule {n}: {e}")))?;
            let path = combine(path, true).map_err(|e| invalid(format!("rule {n}: {e}")))?;
            rules.push(OwnerRule {
                owner,
                detail: r.detail.map(|d| d.trim().to_string()),
                origin: format!("{file} rule {n}"),
                list_with_gpu: r.list_with_gpu,
                image,
                symbol_prefix: r.symbol_prefix,
                symbol,
                path_prefix: r.path_prefix,
                path,
            });
        }
        Ok(OwnerRules::new(rules))
    }

    fn new(rules: Vec<OwnerRule>) -> OwnerRules {
        let index = Index::build(&rules);
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        OwnerRules { rules, index, id }
    }

    /// The built-in table, parsed.
    pub fn load_builtin() -> Result<OwnerRules, KnowledgeError> {
        OwnerRules::parse(BUILTIN_NAME, BUILTIN_TOML)
    }

    /// Adds a rule file; its rules take precedence over every rule already here.
    pub fn with_file(self, path: &Path) -> Result<OwnerRules, KnowledgeError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| KnowledgeError::Io {
            file: name.clone(),
            source,
        })?;
        Ok(self.with_rules(OwnerRules::parse(&name, &text)?))
    }

    /// Puts `newer`'s rules in front of these.
    pub fn with_rules(self, newer: OwnerRules) -> OwnerRules {
        let mut rules = newer.rules;
        rules.extend(self.rules);
        OwnerRules::new(rules)
    }

    pub fn rules(&self) -> &[OwnerRule] {
        &self.rules
    }

    /// Who owns `s`: the most specific match (see the module docs).
    pub fn classify(&self, s: &Subject<'_>) -> OwnerMatch {
        // The winner so far: its score, and a rule index or a built-in fact.
        let mut best: Option<(u32, Winner)> = None;
        let mut offer = |score: u32, m: Winner| {
            let better = match &best {
                None => true,
                Some((b, _)) => score > *b,
            };
            if better {
                best = Some((score, m));
            }
        };
        match &self.index {
            Some(index) => {
                for (i, score) in self.scores(index, s) {
                    offer(score, Ok(i));
                }
            }
            None => {
                for (i, r) in self.rules.iter().enumerate() {
                    if let Some(score) = r.score(s) {
                        offer(score, Ok(i));
                    }
                }
            }
        }
        if s.is_main {
            offer(W_MAIN, Err((Owner::App, "main executable")));
        }
        if s.in_app_bundle {
            offer(W_APP_BUNDLE, Err((Owner::App, "inside the app bundle")));
        }
        if s.user_code {
            offer(
                W_USER_CODE,
                Err((Owner::ThirdParty, "marked as not part of the OS")),
            );
        }
        let fact = |owner: Owner, origin: &str| OwnerMatch {
            owner,
            detail: None,
            origin: origin.to_string(),
            list_with_gpu: false,
        };
        match best {
            Some((_, Ok(i))) => match self.rules.get(i) {
                Some(r) => OwnerMatch {
                    owner: r.owner,
                    detail: r.detail.clone(),
                    origin: r.origin.clone(),
                    list_with_gpu: r.list_with_gpu,
                },
                None => fact(Owner::Unknown, "no rule matched"),
            },
            Some((_, Err((owner, origin)))) => fact(owner, origin),
            None => fact(Owner::Unknown, "no rule matched"),
        }
    }

    /// The matching rules and their scores, in rule order; the same answers
    /// as [`OwnerRule::score`] rule by rule, with each key's text scanned once.
    fn scores(&self, index: &Index, s: &Subject<'_>) -> Vec<(usize, u32)> {
        let n = self.rules.len();
        let mut image_hit = vec![false; n];
        for name in s.name_candidates() {
            index.image.mark_memo(self.id, 0, name, &mut image_hit);
        }
        let mut symbol_hit = vec![false; n];
        if let Some(sym) = s.symbol {
            index.symbol.mark(sym, &mut symbol_hit);
        }
        let mut path_hit = vec![false; n];
        if let Some(path) = s.path {
            index.path.mark_memo(self.id, 1, path, &mut path_hit);
        }
        let mut out = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            let hit = |v: &[bool]| v.get(i).copied().unwrap_or(false);
            let mut score = 0;
            if !r.image.is_empty() {
                if !hit(&image_hit) {
                    continue;
                }
                score += W_IMAGE;
            }
            if !r.symbol_prefix.is_empty() || !r.symbol.is_empty() {
                let Some(sym) = s.symbol else {
                    continue;
                };
                let ok =
                    r.symbol_prefix.iter().any(|p| sym.starts_with(p.as_str())) || hit(&symbol_hit);
                if !ok {
                    continue;
                }
                score += W_SYMBOL;
            }
            if !r.path_prefix.is_empty() || !r.path.is_empty() {
                let Some(path) = s.path else {
                    continue;
                };
                let ok =
                    r.path_prefix.iter().any(|p| path.starts_with(p.as_str())) || hit(&path_hit);
                if !ok {
                    continue;
                }
                score += W_PATH;
            }
            out.push((i, score));
        }
        out
    }
}

/// The built-in owner rules (parsed once; the table is tested to be valid).
pub fn builtin() -> &'static OwnerRules {
    static RULES: std::sync::OnceLock<OwnerRules> = std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        // The embedded table is checked by tests/owners_valid.rs; an empty set
        // (everything Unknown) is the safe fallback should it ever be broken.
        OwnerRules::load_builtin().unwrap_or_else(|_| OwnerRules::new(Vec::new()))
    })
}

/// Parses an owner name as written in the model's JSON ("gpu_driver").
pub fn parse_owner(name: &str) -> Option<Owner> {
    let de: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
        name.into_deserializer();
    Owner::deserialize(de).ok()
}

/// Joins validated regexes into one alternation (empty in, empty out).
fn combine(list: Vec<Regex>, case_insensitive: bool) -> Result<Vec<Regex>, regex::Error> {
    if list.len() < 2 {
        return Ok(list);
    }
    let joined: Vec<String> = list.iter().map(|r| format!("(?:{})", r.as_str())).collect();
    let re = RegexBuilder::new(&joined.join("|"))
        .case_insensitive(case_insensitive)
        .build()?;
    Ok(vec![re])
}

/// Compiles a glob (`*` any run, `?` one character) into an anchored regex.
pub fn glob(pattern: &str, case_sensitive: bool) -> Result<Regex, regex::Error> {
    let mut re = String::with_capacity(pattern.len() + 8);
    re.push('^');
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(c.encode_utf8(&mut [0u8; 4]))),
        }
    }
    re.push('$');
    RegexBuilder::new(&re)
        .case_insensitive(!case_sensitive)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The indexed, remembered matching gives the rule-by-rule answer.
    #[test]
    fn index_agrees_with_rule_by_rule() {
        let indexed = OwnerRules::load_builtin().unwrap();
        let plain = OwnerRules {
            index: None,
            ..indexed.clone()
        };
        let names = [
            None,
            Some("AGXMetalG13X"),
            Some("libsystem_kernel.dylib"),
            Some("Metal"),
            Some("com.apple.AMDRadeonX4000GLDriver"),
            Some("MyApp"),
            Some("libswiftCore.dylib"),
            Some("Python"),
            Some("libcuda.so.1"),
            Some("???"),
        ];
        let symbols = [
            None,
            Some("swift_retain"),
            Some("objc_msgSend"),
            Some("main"),
            Some("_PyEval_EvalFrameDefault"),
            Some("at::native::add"),
        ];
        let paths = [
            None,
            Some("/System/Library/Frameworks/Metal.framework/Versions/A/Metal"),
            Some("/usr/lib/system/libsystem_kernel.dylib"),
            Some("/Applications/MyApp.app/Contents/MacOS/MyApp"),
            Some("/opt/homebrew/lib/python3.12/libpython3.12.dylib"),
        ];
        for _round in 0..2 {
            for n in names {
                for b in [
                    None,
                    Some("com.apple.driver.AppleIntelKBLGraphicsMTLDriver"),
                ] {
                    for sym in symbols {
                        for p in paths {
                            for flags in 0..8u8 {
                                let s = Subject {
                                    frame_image: n,
                                    image_name: n.map(|n| n.trim_end_matches(".dylib")),
                                    bundle_id: b,
                                    path: p,
                                    symbol: sym,
                                    is_main: flags & 1 != 0,
                                    in_app_bundle: flags & 2 != 0,
                                    user_code: flags & 4 != 0,
                                };
                                assert_eq!(indexed.classify(&s), plain.classify(&s), "{s:?}");
                            }
                        }
                    }
                }
            }
        }
    }
}
