//! Thread-state patterns (`knowledge/thread_states.toml`): what a thread is
//! doing, from its top frames.
//!
//! Each `[[state]]` pattern has a state id and label, a priority, the number of
//! top frames to look at (`top`), and conditions, all of which must hold:
//! - `symbols`: globs (case-sensitive, on the symbol as [`normalize_symbol`]
//!   leaves it); at least one top frame must match one of them;
//! - `all`: globs that must each match some top frame;
//! - `images`: globs (case-insensitive) on the image name; some top frame's image
//!   must match;
//! - `only = true`: every frame of the stack (not just the top) must match
//!   `symbols` (an idle workqueue thread has nothing else);
//! - `empty = true`: an empty stack matches too;
//! - `merge = true`: all threads in this state form one group, even when their
//!   stacks differ (idle workqueue threads).
//!
//! The matching pattern with the highest priority wins (GIL 90 beats condition
//! variable 50); on equal priorities the earlier pattern wins. `[default]` names
//! the state when nothing matches and `[crashed]` the crashed thread's state;
//! `[named_without_frames]` (optional) is for a named thread the report gives no
//! frames (an empty unnamed thread is an idle workqueue thread).
//! `[context] ignore` lists frames never used as a group's context (run-loop and
//! thread-start plumbing).

use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

use crate::frames::normalize_symbol;
use crate::owners::glob;
use crate::{parse_toml, KnowledgeError};

pub const BUILTIN_TOML: &str = include_str!("../../../knowledge/thread_states.toml");
const BUILTIN_NAME: &str = "knowledge/thread_states.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatesFile {
    default: RawLabel,
    crashed: RawLabel,
    #[serde(default)]
    named_without_frames: Option<RawLabel>,
    #[serde(default)]
    context: RawContext,
    #[serde(default)]
    state: Vec<RawState>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLabel {
    id: String,
    label: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContext {
    #[serde(default)]
    ignore: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawState {
    id: String,
    label: String,
    priority: u32,
    #[serde(default = "default_top")]
    top: usize,
    #[serde(default)]
    symbols: Vec<String>,
    #[serde(default)]
    all: Vec<String>,
    #[serde(default)]
    images: Vec<String>,
    #[serde(default)]
    only: bool,
    #[serde(default)]
    empty: bool,
    #[serde(default)]
    merge: bool,
}

fn default_top() -> usize {
    6
}

/// A frame as the patterns see it.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameRef<'a> {
    pub symbol: Option<&'a str>,
    pub image: Option<&'a str>,
}

/// One compiled pattern.
#[derive(Debug, Clone)]
pub struct StatePattern {
    pub id: String,
    pub label: String,
    pub priority: u32,
    pub top: usize,
    pub only: bool,
    pub empty: bool,
    /// Threads in this state form one group even when their stacks differ.
    pub merge: bool,
    symbols: Vec<Regex>,
    all: Vec<Regex>,
    images: Vec<Regex>,
}

impl StatePattern {
    fn sym_match(list: &[Regex], f: &FrameRef<'_>) -> bool {
        match f.symbol {
            Some(s) => {
                let n = normalize_symbol(s);
                list.iter().any(|r| r.is_match(n) || r.is_match(s))
            }
            None => false,
        }
    }

    /// Indices of the frames that made the pattern match, or None.
    fn matches(&self, frames: &[FrameRef<'_>]) -> Option<Vec<usize>> {
        if frames.is_empty() {
            return self.empty.then(Vec::new);
        }
        let top = &frames[..self.top.min(frames.len())];
        let mut hits = Vec::new();
        if self.only {
            if !frames.iter().all(|f| Self::sym_match(&self.symbols, f)) {
                return None;
            }
            hits.extend(0..frames.len());
        } else if !self.symbols.is_empty() {
            let found: Vec<usize> = top
                .iter()
                .enumerate()
                .filter(|(_, f)| Self::sym_match(&self.symbols, f))
                .map(|(i, _)| i)
                .collect();
            if found.is_empty() {
                return None;
            }
            hits.extend(found);
        }
        for r in &self.all {
            let i = top
                .iter()
                .position(|f| Self::sym_match(std::slice::from_ref(r), f))?;
            if !hits.contains(&i) {
                hits.push(i);
            }
        }
        if !self.images.is_empty() {
            let i = top.iter().position(|f| {
                f.image
                    .is_some_and(|im| self.images.iter().any(|r| r.is_match(im)))
            })?;
            if !hits.contains(&i) {
                hits.push(i);
            }
        }
        hits.sort_unstable();
        Some(hits)
    }
}

/// The state a stack is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateMatch<'a> {
    pub id: &'a str,
    pub label: &'a str,
    /// Frame indices the pattern matched on (empty for the default state).
    pub frames: Vec<usize>,
}

/// The compiled patterns.
#[derive(Debug, Clone)]
pub struct ThreadStates {
    patterns: Vec<StatePattern>,
    default: (String, String),
    crashed: (String, String),
    named_without_frames: Option<(String, String)>,
    context_ignore: Vec<Regex>,
}

impl ThreadStates {
    /// Parses and validates a thread-states file; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<ThreadStates, KnowledgeError> {
        let raw: StatesFile = parse_toml(file, text)?;
        let invalid = |message: String| KnowledgeError::Invalid {
            file: file.to_string(),
            message,
        };
        let mut patterns = Vec::with_capacity(raw.state.len());
        for (i, s) in raw.state.into_iter().enumerate() {
            let n = i + 1;
            if !is_id(&s.id) {
                return Err(invalid(format!(
                    "state {n}: id {:?} must be lower_snake_case",
                    s.id
                )));
            }
            if s.label.trim().is_empty() {
                return Err(invalid(format!("state {n} ({}): empty label", s.id)));
            }
            if s.top == 0 {
                return Err(invalid(format!(
                    "state {n} ({}): top must be at least 1",
                    s.id
                )));
            }
            if s.symbols.is_empty() && s.all.is_empty() && s.images.is_empty() && !s.empty {
                return Err(invalid(format!("state {n} ({}): no condition", s.id)));
            }
            if s.only && s.symbols.is_empty() {
                return Err(invalid(format!(
                    "state {n} ({}): only = true needs symbols",
                    s.id
                )));
            }
            let comp =
                |key: &str, list: &[String], cs: bool| -> Result<Vec<Regex>, KnowledgeError> {
                    let mut out = Vec::new();
                    for (j, g) in list.iter().enumerate() {
                        if g.trim().is_empty() {
                            return Err(invalid(format!(
                                "state {n} ({}): empty pattern in {key}",
                                s.id
                            )));
                        }
                        if list[..j].contains(g) {
                            return Err(invalid(format!(
                                "state {n} ({}): duplicate {key} pattern {g:?}",
                                s.id
                            )));
                        }
                        out.push(glob(g, cs).map_err(|e| {
                            invalid(format!("state {n} ({}): bad {key} glob {g:?}: {e}", s.id))
                        })?);
                    }
                    Ok(out)
                };
            let symbols = comp("symbols", &s.symbols, true)?;
            let all = comp("all", &s.all, true)?;
            let images = comp("images", &s.images, false)?;
            patterns.push(StatePattern {
                id: s.id,
                label: s.label.trim().to_string(),
                priority: s.priority,
                top: s.top,
                only: s.only,
                empty: s.empty,
                merge: s.merge,
                symbols,
                all,
                images,
            });
        }
        // Two patterns with the same id, priority and conditions are a copy-paste slip.
        for (i, p) in patterns.iter().enumerate() {
            for q in &patterns[..i] {
                let same = p.id == q.id
                    && p.priority == q.priority
                    && p.symbols
                        .iter()
                        .map(Regex::as_str)
                        .eq(q.symbols.iter().map(Regex::as_str))
                    && p.images
                        .iter()
                        .map(Regex::as_str)
                        .eq(q.images.iter().map(Regex::as_str));
                if same {
                    return Err(invalid(format!(
                        "state {}: duplicates an earlier {:?} pattern",
                        i + 1,
                        p.id
                    )));
                }
            }
        }
        let labels = [
            Some(("default", &raw.default)),
            Some(("crashed", &raw.crashed)),
        ];
        let extra = raw
            .named_without_frames
            .as_ref()
            .map(|l| ("named_without_frames", l));
        for (key, l) in labels.into_iter().chain([extra]).flatten() {
            if !is_id(&l.id) || l.label.trim().is_empty() {
                return Err(invalid(format!(
                    "[{key}]: needs a lower_snake_case id and a label"
                )));
            }
        }
        let mut context_ignore = Vec::new();
        for g in &raw.context.ignore {
            context_ignore.push(
                glob(g, true)
                    .map_err(|e| invalid(format!("[context] bad ignore glob {g:?}: {e}")))?,
            );
        }
        Ok(ThreadStates {
            patterns,
            default: (raw.default.id, raw.default.label),
            crashed: (raw.crashed.id, raw.crashed.label),
            named_without_frames: raw.named_without_frames.map(|l| (l.id, l.label)),
            context_ignore,
        })
    }

    pub fn load_builtin() -> Result<ThreadStates, KnowledgeError> {
        ThreadStates::parse(BUILTIN_NAME, BUILTIN_TOML)
    }

    pub fn patterns(&self) -> &[StatePattern] {
        &self.patterns
    }

    /// The state of a (non-crashed) thread from its frames, innermost first.
    pub fn classify(&self, frames: &[FrameRef<'_>]) -> StateMatch<'_> {
        let mut best: Option<(&StatePattern, Vec<usize>)> = None;
        for p in &self.patterns {
            if best.as_ref().is_some_and(|(b, _)| b.priority >= p.priority) {
                continue;
            }
            if let Some(hits) = p.matches(frames) {
                best = Some((p, hits));
            }
        }
        match best {
            Some((p, frames)) => StateMatch {
                id: &p.id,
                label: &p.label,
                frames,
            },
            None => StateMatch {
                id: &self.default.0,
                label: &self.default.1,
                frames: Vec::new(),
            },
        }
    }

    /// The id and label for the crashed thread.
    pub fn crashed(&self) -> StateMatch<'_> {
        StateMatch {
            id: &self.crashed.0,
            label: &self.crashed.1,
            frames: Vec::new(),
        }
    }

    /// The state of a thread that has a name but no frames in the report (a
    /// crash reporter that leaves out its own threads), if the table names one.
    pub fn named_without_frames(&self) -> Option<StateMatch<'_>> {
        self.named_without_frames
            .as_ref()
            .map(|(id, label)| StateMatch {
                id,
                label,
                frames: Vec::new(),
            })
    }

    /// Whether threads in state `id` are grouped together whatever their stacks.
    pub fn merges(&self, id: &str) -> bool {
        self.patterns.iter().any(|p| p.merge && p.id == id)
    }

    /// Whether a frame's symbol is plumbing never worth naming as context.
    pub fn ignored_for_context(&self, symbol: &str) -> bool {
        let n = normalize_symbol(symbol);
        self.context_ignore
            .iter()
            .any(|r| r.is_match(n) || r.is_match(symbol))
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The built-in patterns (parsed once; tested by tests/thread_states_valid.rs).
/// Should the embedded table ever fail to parse, every thread reads as "unknown".
pub fn builtin() -> &'static ThreadStates {
    static STATES: OnceLock<ThreadStates> = OnceLock::new();
    STATES.get_or_init(|| {
        ThreadStates::load_builtin().unwrap_or_else(|_| ThreadStates {
            patterns: Vec::new(),
            default: ("unknown".into(), "unknown".into()),
            crashed: ("crashed".into(), "crashed".into()),
            named_without_frames: None,
            context_ignore: Vec::new(),
        })
    })
}
