//! Signatures: one line that names a crash, built from the exception and the
//! blamed thread's frames after normalization, and the frame-by-frame account
//! of how it was built (`crashlens group --explain`).
//!
//! Walking the crashed thread from frame 0: frames on the skip lists (abort,
//! raise, assert, throw, signal trampolines, crash reporters) do not count;
//! prefix frames (too generic alone: objc_msgSend, malloc internals) are kept
//! and the walk goes on; the signature ends after `frames` kept frames that are
//! not prefix frames. The lists are data: `knowledge/frames.toml` (through
//! `crashlens_knowledge::frames`) and `knowledge/signature.toml`.
//!
//! Only the report is read (no analysis pass), so the same report always gets
//! the same signature however it is processed.
//!
//! Cost (`group` signs every report): [`Engine::signature`] asks the stack pass
//! only for the blamed frame's index, makes no reason strings, and takes each
//! symbol's normalized text and list class from a per-thread memo (built-in
//! rules and lists only; a hit is checked against the whole symbol).

use crashlens_knowledge::codes;
use crashlens_knowledge::frames::{self, FrameClass, FrameLists};
use crashlens_knowledge::memo::KeyIsHash;
use crashlens_knowledge::signature::{self as sigrules, SignatureRules};
use crashlens_model::{CrashReport, Frame, StackAnalysis};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;

/// A report's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// The whole signature: `"<exception> | <frame> | <frame>"`.
    pub text: String,
    /// The exception part ("EXC_BAD_ACCESS / SIGSEGV / NULL+0x5c8").
    pub exception: String,
    /// The frames that make the signature, normalized.
    pub frames: Vec<String>,
    /// The first normalized frames after skipping (for near-duplicate search).
    pub stack: Vec<String>,
}

/// What happened to one frame while the signature was built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Counted toward the signature.
    Counted,
    /// Kept, but too generic alone: the walk went on.
    Prefix { reason: String },
    /// Passed over.
    Skipped { reason: String },
    /// The same as the frame above once normalized (inlined copy or recursion).
    Repeat,
    /// Below the end of the signature.
    After,
}

/// One frame of the explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameStep {
    pub index: u32,
    /// The frame as the report shows it.
    pub raw: String,
    /// The normalized text that a signature would use.
    pub normalized: String,
    #[serde(flatten)]
    pub decision: Decision,
    /// How `normalized` was made, when not from a symbol or an image offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The signature with the reasoning behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub signature: Signature,
    /// Where the exception part came from, one line per element.
    pub exception_parts: Vec<String>,
    /// The thread walked, when the report names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread: Option<u32>,
    pub steps: Vec<FrameStep>,
}

/// The rules a signature is built with.
pub struct Engine<'a> {
    pub rules: &'a SignatureRules,
    pub lists: &'a FrameLists,
}

impl Default for Engine<'static> {
    fn default() -> Self {
        Engine {
            rules: sigrules::builtin(),
            lists: frames::builtin(),
        }
    }
}

/// Distinct symbols whose normalized text is remembered per thread before
/// the memo starts over.
const MEMO_LIMIT: usize = 16_384;

/// Per thread: XXH3 of a symbol -> the symbol, its normalized text under the
/// built-in rules, and its frame-list class under the built-in lists. A hit
/// is checked against the whole symbol, so two symbols never share an answer;
/// a colliding one replaces it.
type KnownMemo = HashMap<u64, (Box<str>, Box<str>, Option<FrameClass<'static>>), KeyIsHash>;

thread_local! {
    static KNOWN: RefCell<KnownMemo> = RefCell::new(KnownMemo::default());
}

/// A frame on a list: a skip rule of `signature.toml` or a frame-list entry.
enum Listed<'a> {
    Rule(&'a sigrules::SkipRule),
    List(FrameClass<'a>),
}

impl Listed<'_> {
    fn is_skip(&self) -> bool {
        match self {
            Listed::Rule(_) => true,
            Listed::List(c) => c.is_skip(),
        }
    }

    /// A skip entry marked `through`.
    fn through(&self) -> bool {
        match self {
            Listed::Rule(_) => false,
            Listed::List(c) => c.entry().through,
        }
    }

    fn reason(&self) -> String {
        match self {
            Listed::Rule(r) => r.what.clone(),
            Listed::List(c) => format!("{} ({})", c.reason(), c.category()),
        }
    }
}

/// Why a frame is passed over in the walk.
#[derive(Clone, Copy)]
enum Skip {
    /// Above the stack analysis's blamed frame.
    Analysis,
    /// On a skip list.
    Listed,
    /// Above a `through` frame (signal trampoline).
    Trampoline,
}

impl Engine<'_> {
    /// The signature of a report.
    ///
    /// Runs only the part of the `stack` pass a signature needs (the blamed
    /// frame and the frames above it) rather than the whole analysis; [`Engine::signature_with`] takes
    /// the stack section of a full analysis and gives the same signature.
    pub fn signature(&self, report: &CrashReport) -> Signature {
        let blamed_at = crashlens_analyze::passes::stack::blamed_frame(
            &crashlens_analyze::Context::new(report),
        );
        self.walk(report, blamed_at, None, false).signature
    }

    /// The signature from an existing analysis's `crashed_stack`.
    pub fn signature_with(&self, report: &CrashReport, stack: Option<&StackAnalysis>) -> Signature {
        self.walk(report, stack.and_then(|s| s.blamed_frame), stack, false)
            .signature
    }

    /// The signature and how each frame counted toward it (runs the `stack` pass).
    pub fn explain(&self, report: &CrashReport) -> Explanation {
        let stack = stack_pass(report);
        self.explain_with(report, stack.as_ref())
    }

    /// The signature and how each frame counted toward it, given the stack
    /// analysis: frames above its blamed frame are skipped for the reason it
    /// gives; from the blamed frame on, the lists decide.
    pub fn explain_with(
        &self,
        report: &CrashReport,
        blamed: Option<&StackAnalysis>,
    ) -> Explanation {
        self.walk(report, blamed.and_then(|s| s.blamed_frame), blamed, true)
    }

    /// The walk from the blamed frame `blamed_at` (frames above it are skipped,
    /// for the reason `analysis` gives); `full` records every frame (for the
    /// explanation), otherwise it stops once the signature and the similarity
    /// frames are complete, and makes no reasons.
    fn walk(
        &self,
        report: &CrashReport,
        blamed_at: Option<u32>,
        analysis: Option<&StackAnalysis>,
        full: bool,
    ) -> Explanation {
        let analysis_reason = |index: u32| -> Option<String> {
            let s = analysis?;
            let v = s.frames.iter().find(|v| v.index == index)?;
            Some(
                v.skipped
                    .clone()
                    .unwrap_or_else(|| "above the blamed frame".to_string()),
            )
        };
        let (exception, exception_parts) = self.exception_part(report, full);
        let thread = report.crashed();
        let mut steps = Vec::new();
        let mut sig_frames: Vec<String> = Vec::with_capacity(self.rules.frames + 2);
        // Per signature frame: its whole-address text when it is written by
        // its place in its page (see `unplaced`).
        let mut sig_whole: Vec<Option<String>> = Vec::with_capacity(self.rules.frames + 2);
        let mut stack: Vec<String> = Vec::with_capacity(self.rules.similarity_frames);
        if let Some(t) = thread {
            // A skip entry marked `through` (signal trampolines) passes over every
            // frame above it: those ran inside the signal handler.
            // (The blamed frame of the stack analysis already accounts for it.)
            let through = if blamed_at.is_some() {
                0
            } else {
                t.frames
                    .iter()
                    .rposition(|f| {
                        self.listed(report, f)
                            .is_some_and(|l| l.is_skip() && l.through())
                    })
                    .unwrap_or(0)
            };
            let mut counted = 0usize;
            let mut done = false;
            let mut last: Option<String> = None;
            for (i, f) in t.frames.iter().enumerate() {
                if !full && done && stack.len() >= self.rules.similarity_frames {
                    break;
                }
                let before_blamed = blamed_at.is_some_and(|b| f.index < b);
                if before_blamed && !full {
                    continue;
                }
                let (listed, known) = self.facts(report, f);
                // Skipped frames need no normalized text unless explained.
                let skip = if before_blamed {
                    Some(Skip::Analysis)
                } else if listed.as_ref().is_some_and(Listed::is_skip) {
                    Some(Skip::Listed)
                } else if i < through {
                    Some(Skip::Trampoline)
                } else {
                    None
                };
                if skip.is_some() && !full {
                    continue;
                }
                let (normalized, whole) = match known {
                    Some(n) if !n.is_empty() => (n, None),
                    Some(_) => unsymbolicated(report, f),
                    None => self.frame_text(report, f),
                };
                let decision = match (skip, &listed) {
                    (Some(Skip::Analysis), _) => Decision::Skipped {
                        reason: analysis_reason(f.index)
                            .unwrap_or_else(|| "above the blamed frame".into()),
                    },
                    (Some(Skip::Listed), _) => Decision::Skipped {
                        reason: listed.as_ref().map(Listed::reason).unwrap_or_default(),
                    },
                    (Some(Skip::Trampoline), _) => Decision::Skipped {
                        reason: "above a signal trampoline: ran in the signal handler".into(),
                    },
                    _ if last.as_deref() == Some(normalized.as_str()) => Decision::Repeat,
                    _ if done => Decision::After,
                    (None, Some(l)) => Decision::Prefix {
                        reason: if full { l.reason() } else { String::new() },
                    },
                    (None, None) => Decision::Counted,
                };
                let to_sig = matches!(decision, Decision::Counted | Decision::Prefix { .. });
                if matches!(decision, Decision::Counted) {
                    counted += 1;
                    done = counted >= self.rules.frames;
                }
                let to_stack = matches!(
                    decision,
                    Decision::Counted | Decision::Prefix { .. } | Decision::After
                ) && stack.len() < self.rules.similarity_frames;
                if to_sig {
                    sig_whole.push(whole.clone());
                }
                if !full {
                    // Never skipped here (see above): each text is moved
                    // where it goes last rather than copied.
                    remember(&mut last, &normalized);
                    match (to_sig, to_stack) {
                        (true, true) => {
                            sig_frames.push(normalized.clone());
                            stack.push(normalized);
                        }
                        (true, false) => sig_frames.push(normalized),
                        (false, true) => stack.push(normalized),
                        (false, false) => {}
                    }
                    continue;
                }
                if to_sig {
                    sig_frames.push(normalized.clone());
                }
                if to_stack {
                    stack.push(normalized.clone());
                }
                if !matches!(decision, Decision::Skipped { .. }) {
                    remember(&mut last, &normalized);
                }
                steps.push(FrameStep {
                    index: f.index,
                    raw: raw_frame(report, f),
                    note: whole.is_some().then(|| NOTE_PAGE.to_string()),
                    normalized,
                    decision,
                });
            }
        }
        // Frames in no image tell crashes apart by their page offsets only
        // next to a frame that names the crash; alone, they keep their whole
        // addresses (the near-duplicate `stack` keeps the page offsets, so
        // such crashes of separate runs are still offered as possibly the same).
        if !sig_whole.is_empty() && sig_whole.iter().all(Option::is_some) {
            for (text, whole) in sig_frames.iter_mut().zip(sig_whole) {
                let Some(whole) = whole else { continue };
                if let Some(step) = steps.iter_mut().find(|s| {
                    s.normalized == *text
                        && matches!(s.decision, Decision::Counted | Decision::Prefix { .. })
                }) {
                    step.normalized.clone_from(&whole);
                    step.note = Some(NOTE_WHOLE.to_string());
                }
                *text = whole;
            }
        }
        // "<exception> | <frame> | <frame>".
        let mut text = String::with_capacity(
            exception.len() + sig_frames.iter().map(|f| f.len() + 3).sum::<usize>(),
        );
        text.push_str(&exception);
        if sig_frames.is_empty() {
            // Nothing to name the crash by: keep it apart from other programs'
            // frameless crashes rather than merging them all into one bucket.
            let what = if thread.is_none() {
                "no crashed thread"
            } else {
                "no frames"
            };
            let process = report.process.name.as_deref().unwrap_or("unknown process");
            text.push_str(&format!(" | <{what} in {process}>"));
        } else {
            for f in &sig_frames {
                text.push_str(" | ");
                text.push_str(f);
            }
        }
        Explanation {
            signature: Signature {
                text,
                exception,
                frames: sig_frames,
                stack,
            },
            exception_parts,
            thread: thread.map(|t| t.number),
            steps,
        }
    }

    /// Which list a frame is on, if any (the reason is made only when asked).
    fn listed<'s>(&'s self, report: &CrashReport, f: &Frame) -> Option<Listed<'s>> {
        let image = image_name(report, f);
        let symbol = usable_symbol(f);
        if let Some(rule) = self.rules.skip_rule(symbol, image) {
            return Some(Listed::Rule(rule));
        }
        list_class(self.lists, symbol?).map(Listed::List)
    }

    /// The built-in rules and lists: what the per-thread memo knows.
    fn is_builtin(&self) -> bool {
        std::ptr::eq(self.rules, sigrules::builtin()) && std::ptr::eq(self.lists, frames::builtin())
    }

    /// [`Engine::listed`] and, with the built-in rules and lists, the
    /// normalized symbol (`None`: ask [`Engine::normalize_frame`]), from one
    /// look in the memo.
    fn facts<'s>(
        &'s self,
        report: &CrashReport,
        f: &Frame,
    ) -> (Option<Listed<'s>>, Option<String>) {
        if !self.is_builtin() {
            return (self.listed(report, f), None);
        }
        let symbol = usable_symbol(f);
        let known = symbol.map(|s| self.known(s));
        if let Some(rule) = self.rules.skip_rule(symbol, image_name(report, f)) {
            return (Some(Listed::Rule(rule)), known.map(|k| k.0));
        }
        match known {
            Some((norm, class)) => (class.map(Listed::List), Some(norm)),
            None => (None, None),
        }
    }

    /// A symbol's normalized text under the built-in rules and its class
    /// under the built-in lists, remembered per thread (reports repeat symbols).
    fn known(&self, symbol: &str) -> (String, Option<FrameClass<'static>>) {
        let key = xxhash_rust::xxh3::xxh3_64(symbol.as_bytes());
        let hit = KNOWN.with_borrow(|memo| match memo.get(&key) {
            Some((text, norm, class)) if **text == *symbol => Some((String::from(&**norm), *class)),
            _ => None,
        });
        if let Some(hit) = hit {
            return hit;
        }
        let rules = Engine::default();
        let norm = rules.normalize_uncached(symbol);
        let class = list_class(frames::builtin(), symbol);
        KNOWN.with_borrow_mut(|memo| {
            if memo.len() >= MEMO_LIMIT {
                memo.clear();
            }
            memo.insert(key, (symbol.into(), norm.as_str().into(), class));
        });
        (norm, class)
    }

    /// The frame as a signature writes it: the normalized symbol, or
    /// `image+0xoffset` when unsymbolicated.
    pub fn normalize_frame(&self, report: &CrashReport, f: &Frame) -> String {
        self.frame_text(report, f).0
    }

    /// [`Engine::normalize_frame`], with the whole-address text of a frame
    /// written by its place in its page (see [`unsymbolicated`]).
    fn frame_text(&self, report: &CrashReport, f: &Frame) -> (String, Option<String>) {
        if let Some(sym) = usable_symbol(f) {
            let n = self.normalize_symbol(sym);
            if !n.is_empty() {
                return (n, None);
            }
        }
        unsymbolicated(report, f)
    }

    /// Strips arguments, templates and generics, then applies the rewrites of
    /// `signature.toml` (Rust hashes, `.cold.N`, block_invoke numbers, addresses).
    /// Remembered per thread for the built-in rules (reports repeat symbols).
    pub fn normalize_symbol(&self, symbol: &str) -> String {
        if !std::ptr::eq(self.rules, sigrules::builtin()) {
            return self.normalize_uncached(symbol);
        }
        self.known(symbol).0
    }

    /// [`Engine::normalize_symbol`] worked out, not remembered.
    fn normalize_uncached(&self, symbol: &str) -> String {
        let objc = symbol.starts_with("-[") || symbol.starts_with("+[");
        let stripped = if objc {
            symbol.to_string()
        } else {
            strip_parameters(symbol)
        };
        collapse_spaces(&self.rules.rewrite(&collapse_spaces(&stripped)))
    }

    /// The exception part and, when `full`, where each element came from.
    fn exception_part(&self, report: &CrashReport, full: bool) -> (String, Vec<String>) {
        let mut text = String::with_capacity(64);
        let mut why: Vec<String> = Vec::new();
        let mut part = |p: &str| {
            if !text.is_empty() {
                text.push_str(" / ");
            }
            text.push_str(p);
        };
        let exc = report.exception.as_ref();
        let kind = exc
            .and_then(|e| e.kind.as_deref())
            .map(str::trim)
            .filter(|k| !k.is_empty());
        let signal = exc
            .and_then(|e| e.signal.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty());
        match kind {
            Some(k) => {
                part(k);
                if full {
                    why.push(format!("exception type {k}"));
                }
            }
            None => {
                part("no exception");
                if full {
                    why.push("the report names no exception type".into());
                }
            }
        }
        if let Some(s) = signal {
            if Some(s) != kind {
                part(s);
                if full {
                    why.push(format!("signal {s}"));
                }
            }
        }
        if let Some(off) = self.null_offset(report) {
            let mut p = String::from("NULL+0x");
            push_hex(&mut p, off);
            part(&p);
            if full {
                why.push(format!(
                    "the faulting address 0x{off:x} is below 0x{:x}: a NULL pointer plus a field offset",
                    self.rules.null_below
                ));
            }
        } else if let Some(code) = subtype_code(report) {
            if full {
                why.push(format!(
                    "subtype {code} (the address itself varies, so it is left out)"
                ));
            }
            part(code);
        }
        if let Some(t) = &report.termination {
            if let Some(ns) = t
                .namespace
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
            {
                if !ns.eq_ignore_ascii_case("SIGNAL") {
                    let mut p = ns.to_string();
                    if let Some(c) = t.code {
                        p.push_str(" 0x");
                        push_hex(&mut p, c);
                    }
                    if full {
                        why.push(format!("termination namespace {p}"));
                    }
                    part(&p);
                }
            }
        } else if let Some(code) = report
            .exception
            .as_ref()
            .and_then(|e| codes::builtin().numeric_kill_reason(e.kind.as_deref()?, &e.codes))
        {
            // Older reports: "Exception Type: 00000020" and the reason in the
            // codes. Without it, watchdog and thermal kills of one program
            // would share a signature.
            let mut p = String::from("0x");
            push_hex(&mut p, code.code);
            if full {
                why.push(format!(
                    "exception code {p} ('{}'): the reason for the kill, which reports with a numeric exception type give there",
                    code.nickname
                ));
            }
            part(&p);
        }
        (text, why)
    }

    /// The NULL offset of a bad access, from the subtype ("at 0x5c8") or, for a
    /// bad access without one, the second exception code.
    fn null_offset(&self, report: &CrashReport) -> Option<u64> {
        let exc = report.exception.as_ref()?;
        let bad_access = exc
            .kind
            .as_deref()
            .is_some_and(|k| k.contains("BAD_ACCESS") || k == "SIGSEGV" || k == "SIGBUS")
            || matches!(exc.signal.as_deref(), Some("SIGSEGV") | Some("SIGBUS"));
        if !bad_access {
            return None;
        }
        let addr = match exc.subtype.as_deref().and_then(address_after_at) {
            Some(a) => a,
            None if exc
                .kind
                .as_deref()
                .is_some_and(|k| k.contains("BAD_ACCESS"))
                // Without a subtype, the second code is the address of a bad
                // access; trusted only when the signal says memory fault.
                && matches!(exc.signal.as_deref(), Some("SIGSEGV") | Some("SIGBUS")) =>
            {
                *exc.codes.get(1)?
            }
            None => return None,
        };
        (addr < self.rules.null_below).then_some(addr)
    }
}

/// The blamed frame and the frames above it, as the `stack` pass chooses
/// them, without the rest of the analysis.
fn stack_pass(report: &CrashReport) -> Option<StackAnalysis> {
    crashlens_analyze::passes::stack::blamed_prefix(&crashlens_analyze::Context::new(report))
}

/// The frame-list class of a symbol. A Swift closure belongs to the function
/// it is in: a closure inside `_assertionFailure` is assertion machinery too.
fn list_class<'l>(lists: &'l FrameLists, symbol: &str) -> Option<FrameClass<'l>> {
    lists.classify(symbol).or_else(|| {
        let rest = symbol.strip_prefix("implicit ").unwrap_or(symbol);
        if rest.starts_with("closure #") {
            lists
                .classify(rest.rsplit(" in ").next()?)
                .filter(|c| c.is_skip())
        } else {
            None
        }
    })
}

/// Makes `last` a copy of `text`, reusing its buffer.
fn remember(last: &mut Option<String>, text: &str) {
    match last {
        Some(l) => {
            l.clear();
            l.push_str(text);
        }
        None => *last = Some(text.to_string()),
    }
}

/// The symbol when it names something (not "???", not an address).
fn usable_symbol(f: &Frame) -> Option<&str> {
    let s = f.symbol.as_deref()?.trim();
    if s.is_empty() || s == "???" || s.starts_with("0x") || s.starts_with("<redacted>") {
        return None;
    }
    Some(s)
}

/// The image's file name: the path's last part where known (the same in every
/// format), else the name the report gives.
fn image_name<'r>(report: &'r CrashReport, f: &'r Frame) -> Option<&'r str> {
    if let Some(img) = report.image_of(f).filter(|i| !i.placeholder) {
        if let Some(base) = img.path.as_deref().map(base_name).filter(|b| !b.is_empty()) {
            return Some(base);
        }
        let n = img.display_name();
        if n != "???" && !n.is_empty() {
            return Some(n);
        }
    }
    f.image
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty() && *n != "???")
}

/// The part of a path after its last `/` (all of it without one): what
/// `path.rsplit('/').next()` gives, scanning from the end (names are short,
/// paths long).
fn base_name(path: &str) -> &str {
    match path.bytes().rposition(|b| b == b'/') {
        Some(i) => path.get(i + 1..).unwrap_or_default(),
        None => path,
    }
}

/// How an unsymbolicated frame is written: `image+0xoffset`; else, for a
/// frame in no listed image, its address within its page ([`unplaced`]),
/// with the whole address beside it (`Some`) for the signature to fall back
/// on; else `???#index`. Two frames at different offsets of one listed image
/// never get the same text; two frames in no listed image do when their
/// addresses agree within a page, which is why a signature of such frames
/// alone keeps the whole addresses.
fn unsymbolicated(report: &CrashReport, f: &Frame) -> (String, Option<String>) {
    let img = report.image_of(f).filter(|i| !i.placeholder);
    let offset = f.image_offset.or_else(|| f.address?.checked_sub(img?.base));
    match (image_name(report, f), offset) {
        (Some(name), Some(off)) => {
            let mut s = String::with_capacity(name.len() + 19);
            s.push_str(name);
            s.push_str("+0x");
            push_hex(&mut s, off);
            (s, None)
        }
        (name, _) => {
            let name = name.unwrap_or("???");
            match f.address {
                Some(a) => unplaced(name, a),
                None => (format!("{name}#{}", f.index), None),
            }
        }
    }
}

/// A frame with an address but no image base to measure it from (JIT code,
/// Rosetta's runtime, a trampoline the report lists no image for): its
/// address changes with every slide, its offset within its page does not.
/// `name@page+0xf40`, and the whole `name@0x7fff0144ff40` for when nothing
/// else in the signature tells crashes apart (see [`Engine::walk`]).
/// The page is the smallest any arch has (`knowledge/codes.toml`, 4 KiB).
fn unplaced(name: &str, address: u64) -> (String, Option<String>) {
    let page_mask = codes::builtin().smallest_page_size() - 1;
    (
        format!("{name}@page+0x{:x}", address & page_mask),
        Some(format!("{name}@0x{address:x}")),
    )
}

/// [`FrameStep::note`] for a frame written by its place in its page.
const NOTE_PAGE: &str =
    "in no listed image: written by its offset within its page, which address slides keep";

/// [`FrameStep::note`] when only such frames count and the whole address is kept.
const NOTE_WHOLE: &str = "in no listed image, and no other counted frame names the crash: \
     the whole address is kept, so that unrelated crashes never share a bucket";

/// Appends `v` in lowercase hex without leading zeros (as `{:x}` writes it).
pub(crate) fn push_hex(out: &mut String, v: u64) {
    let digits = (64 - v.leading_zeros()).div_ceil(4).max(1);
    for k in (0..digits).rev() {
        let nibble = ((v >> (4 * k)) & 0xf) as u32;
        out.extend(char::from_digit(nibble, 16));
    }
}

/// The frame as the report shows it, for the explanation.
fn raw_frame(report: &CrashReport, f: &Frame) -> String {
    let image = image_name(report, f).unwrap_or("???");
    match f.symbol.as_deref() {
        Some(s) => match f.symbol_offset {
            Some(o) => format!("{image}: {s} + {o}"),
            None => format!("{image}: {s}"),
        },
        None => match (f.image_offset, f.address) {
            (Some(o), _) => format!("{image} + 0x{o:x}"),
            (None, Some(a)) => format!("{image} @ 0x{a:x}"),
            (None, None) => image.to_string(),
        },
    }
}

/// "KERN_INVALID_ADDRESS" of "KERN_INVALID_ADDRESS at 0x...": the subtype's
/// leading code name, when it is one.
fn subtype_code(report: &CrashReport) -> Option<&str> {
    let sub = report.exception.as_ref()?.subtype.as_deref()?.trim();
    let word = sub.split([' ', ',', '(']).next()?;
    let is_code = word.len() > 2
        && !word.starts_with("0x")
        && word.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    is_code.then_some(word)
}

/// The address in "... at 0x5c8 ..." or "... at 0x5c8 -> 0x..." (the first).
fn address_after_at(subtype: &str) -> Option<u64> {
    let rest = &subtype[subtype.find(" at ")? + 4..];
    let tok = rest.split_whitespace().next()?;
    let hex = tok.strip_prefix("0x").or_else(|| tok.strip_prefix("0X"))?;
    u64::from_str_radix(hex.trim_end_matches([',', ')']), 16).ok()
}

/// Removes balanced `(...)` and `<...>` groups: argument lists, templates,
/// generics. Keeps `operator<`, `operator()` and friends, and
/// `(anonymous namespace)`; an unbalanced tail is dropped.
pub fn strip_parameters(symbol: &str) -> String {
    const ANON: &str = "(anonymous namespace)";
    let mut out = String::with_capacity(symbol.len());
    let mut depth = 0usize;
    let mut rest = symbol;
    while let Some(c) = rest.chars().next() {
        if depth == 0 && rest.starts_with(ANON) {
            out.push_str("`anonymous namespace'");
            rest = &rest[ANON.len()..];
            continue;
        }
        if depth == 0 && out.ends_with("operator") {
            let mut take = 0;
            for pair in ["()", "[]"] {
                if rest[take..].starts_with(pair) {
                    take += 2;
                }
            }
            take += rest[take..]
                .chars()
                .take_while(|c| "<>=!+-*/%^&|~,".contains(*c))
                .map(char::len_utf8)
                .sum::<usize>();
            if take > 0 {
                out.push_str(&rest[..take]);
                rest = &rest[take..];
                continue;
            }
        }
        let arrow = c == '>' && out.ends_with('-');
        match c {
            '(' | '<' => depth += 1,
            ')' | '>' if depth > 0 && !arrow => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crashlens_model::{Exception, Image, Thread};

    fn frame(i: u32, image: &str, symbol: Option<&str>, offset: u64) -> Frame {
        Frame {
            index: i,
            image: Some(image.into()),
            image_offset: Some(offset),
            symbol: symbol.map(str::to_string),
            ..Default::default()
        }
    }

    fn report(kind: &str, signal: &str, subtype: Option<&str>, frames: Vec<Frame>) -> CrashReport {
        CrashReport {
            exception: Some(Exception {
                kind: Some(kind.into()),
                signal: Some(signal.into()),
                subtype: subtype.map(str::to_string),
                ..Default::default()
            }),
            crashed_thread: Some(0),
            threads: vec![Thread {
                number: 0,
                crashed: true,
                frames,
                ..Default::default()
            }],
            process: crashlens_model::Process {
                name: Some("App".into()),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn strips_arguments_templates_and_generics() {
        assert_eq!(
            strip_parameters("std::vector<int>::push_back(int const&)"),
            "std::vector::push_back"
        );
        assert_eq!(
            strip_parameters("foo::operator<<(std::ostream&)"),
            "foo::operator<<"
        );
        assert_eq!(strip_parameters("Foo::operator()(int)"), "Foo::operator()");
        assert_eq!(
            strip_parameters("(anonymous namespace)::run(int)"),
            "`anonymous namespace'::run"
        );
        assert_eq!(
            collapse_spaces(&strip_parameters("closure #1 () -> () in Foo.bar(x:)")),
            "closure #1 -> in Foo.bar"
        );
        assert_eq!(
            strip_parameters("Array<Int>.subscript.getter"),
            "Array.subscript.getter"
        );
        assert_eq!(strip_parameters("broken(int"), "broken");
    }

    #[test]
    fn normalizes_hashes_cold_blocks_and_addresses() {
        let e = Engine::default();
        assert_eq!(
            e.normalize_symbol("core::ptr::drop_in_place<alloc::vec::Vec<u8>>::h0123456789abcdef"),
            "core::ptr::drop_in_place"
        );
        assert_eq!(
            e.normalize_symbol("_dispatch_semaphore_dispose.cold.1"),
            "_dispatch_semaphore_dispose"
        );
        assert_eq!(
            e.normalize_symbol("__64-[UIScene scene:didUpdateWithDiff:transitionContext:completion:]_block_invoke.215"),
            "-[UIScene scene:didUpdateWithDiff:transitionContext:completion:]_block_invoke"
        );
        assert_eq!(
            e.normalize_symbol("_assertionFailure+ 228276 (_:_:file:line:flags:)"),
            "_assertionFailure"
        );
        assert_eq!(
            e.normalize_symbol("-[NSObject(NSObject) doesNotRecognizeSelector:]"),
            "-[NSObject(NSObject) doesNotRecognizeSelector:]"
        );
    }

    #[test]
    fn abort_frames_are_skipped_and_the_exception_counts() {
        let r = report(
            "EXC_CRASH",
            "SIGABRT",
            None,
            vec![
                frame(0, "libsystem_kernel.dylib", Some("__pthread_kill"), 8),
                frame(1, "libsystem_pthread.dylib", Some("pthread_kill"), 0x100),
                frame(2, "libsystem_c.dylib", Some("abort"), 0x80),
                frame(3, "App", Some("-[Crasher crash]"), 0x10),
                frame(4, "App", Some("main"), 0x20),
                frame(5, "dyld", Some("start"), 0x30),
                frame(6, "dyld", Some("never"), 0x40),
            ],
        );
        let x = Engine::default().explain(&r);
        assert_eq!(
            x.signature.text,
            "EXC_CRASH / SIGABRT | -[Crasher crash] | main | start"
        );
        assert!(matches!(x.steps[0].decision, Decision::Skipped { .. }));
        assert!(matches!(x.steps[2].decision, Decision::Skipped { .. }));
        assert_eq!(x.steps[3].decision, Decision::Counted);
        assert_eq!(x.steps[6].decision, Decision::After);
    }

    #[test]
    fn null_offset_is_part_of_the_signature_but_wild_addresses_are_not() {
        let f = || vec![frame(0, "App", Some("foo(int)"), 4)];
        let a = report(
            "EXC_BAD_ACCESS",
            "SIGSEGV",
            Some("KERN_INVALID_ADDRESS at 0x00000000000005c8"),
            f(),
        );
        assert_eq!(
            Engine::default().signature(&a).text,
            "EXC_BAD_ACCESS / SIGSEGV / NULL+0x5c8 | foo"
        );
        let b = report(
            "EXC_BAD_ACCESS",
            "SIGSEGV",
            Some("KERN_INVALID_ADDRESS at 0x0000000123456789"),
            f(),
        );
        assert_eq!(
            Engine::default().signature(&b).text,
            "EXC_BAD_ACCESS / SIGSEGV / KERN_INVALID_ADDRESS | foo"
        );
    }

    #[test]
    fn prefix_frames_are_kept_and_the_walk_goes_on() {
        let r = report(
            "EXC_BAD_ACCESS",
            "SIGSEGV",
            None,
            vec![
                frame(0, "libobjc.A.dylib", Some("objc_msgSend"), 0x10),
                frame(1, "App", Some("a"), 0x1),
                frame(2, "App", Some("b"), 0x2),
                frame(3, "App", Some("c"), 0x3),
            ],
        );
        let x = Engine::default().explain(&r);
        assert!(
            matches!(x.steps[0].decision, Decision::Prefix { .. }),
            "{:?}",
            x.steps[0]
        );
        assert_eq!(x.signature.frames, vec!["objc_msgSend", "a", "b", "c"]);
    }

    #[test]
    fn unsymbolicated_frames_use_image_and_offset_and_never_collide() {
        let mut r = report(
            "EXC_BAD_ACCESS",
            "SIGSEGV",
            None,
            vec![frame(0, "App", None, 0x64bc)],
        );
        r.images.push(Image {
            base: 0x1000,
            size: Some(0x10000),
            name: Some("App".into()),
            ..Default::default()
        });
        let a = Engine::default().signature(&r);
        assert_eq!(a.frames, vec!["App+0x64bc"]);
        r.threads[0].frames[0].image_offset = Some(0x64c0);
        assert_ne!(Engine::default().signature(&r).text, a.text);
        // No image, no offset: the address keeps frames apart.
        let mut bare = report(
            "EXC_BAD_ACCESS",
            "SIGSEGV",
            None,
            vec![Frame {
                address: Some(0x42),
                ..Default::default()
            }],
        );
        assert_eq!(Engine::default().signature(&bare).frames, vec!["???@0x42"]);
        bare.threads[0].frames[0].address = Some(0x43);
        assert_eq!(Engine::default().signature(&bare).frames, vec!["???@0x43"]);
    }

    /// A frame in no listed image at `address` (as Rosetta's runtime or JIT
    /// code shows), above a symbolicated frame of the app.
    fn unplaced_then_named(address: u64) -> CrashReport {
        report(
            "EXC_CRASH",
            "SIGABRT",
            None,
            vec![
                Frame {
                    index: 0,
                    address: Some(address),
                    ..Default::default()
                },
                frame(1, "App", Some("start_threads"), 0x1ab),
            ],
        )
    }

    #[test]
    fn a_numeric_exception_type_keeps_its_kill_reason() {
        // Older iOS reports: type 00000020, the reason in the codes. A
        // watchdog kill and a thermal kill are different crashes.
        let kill = |code: u64| {
            let mut r = report("00000020", "", None, vec![]);
            if let Some(e) = r.exception.as_mut() {
                e.signal = None;
                e.codes = vec![code];
            }
            r
        };
        let engine = Engine::default();
        assert_eq!(
            engine.signature(&kill(0x8bad_f00d)).exception,
            "00000020 / 0x8badf00d"
        );
        assert_eq!(
            engine.signature(&kill(0xc000_10ff)).exception,
            "00000020 / 0xc00010ff"
        );
        // A code the table does not name stays out (it may be an address).
        assert_eq!(engine.signature(&kill(0x1234)).exception, "00000020");
        // A named type's codes stay out too.
        let mut named = report("EXC_CRASH", "SIGKILL", None, vec![]);
        if let Some(e) = named.exception.as_mut() {
            e.codes = vec![0x8bad_f00d];
        }
        assert_eq!(engine.signature(&named).exception, "EXC_CRASH / SIGKILL");
    }

    #[test]
    fn frames_in_no_image_are_told_apart_by_their_page_offset() {
        let engine = Engine::default();
        let a = engine.signature(&unplaced_then_named(0x7fff_0144_ff40));
        assert_eq!(a.frames, vec!["???@page+0xf40", "start_threads"]);
        // Another run of the same program: the code slid by whole pages.
        let slid = engine.signature(&unplaced_then_named(0x7fff_0144_ff40 + 0x3_4000));
        assert_eq!(slid.text, a.text);
        // Another instruction.
        let other = engine.signature(&unplaced_then_named(0x7fff_0144_ff48));
        assert_ne!(other.text, a.text);
        // The explanation says how the frame was written.
        let x = engine.explain(&unplaced_then_named(0x7fff_0144_ff40));
        assert_eq!(x.signature, a);
        assert_eq!(x.steps[0].normalized, "???@page+0xf40");
        assert_eq!(x.steps[0].note.as_deref(), Some(NOTE_PAGE));
        assert_eq!(x.steps[1].note, None);
    }

    #[test]
    fn frames_in_no_image_keep_whole_addresses_when_nothing_else_counts() {
        // Two JIT frames and nothing else: page offsets alone could put
        // unrelated crashes together, so the whole addresses stay.
        let engine = Engine::default();
        let jit = |a: u64, b: u64| {
            let at = |index, address| Frame {
                index,
                address: Some(address),
                ..Default::default()
            };
            report("EXC_BAD_ACCESS", "SIGSEGV", None, vec![at(0, a), at(1, b)])
        };
        let sig = engine.signature(&jit(0x1_2345_6f40, 0x1_2345_7010));
        assert_eq!(sig.frames, vec!["???@0x123456f40", "???@0x123457010"]);
        assert_ne!(
            engine.signature(&jit(0x2_2345_6f40, 0x2_2345_7010)).text,
            sig.text
        );
        // The near-duplicate frames keep the page offsets: such crashes of
        // two runs are offered as possibly the same, not merged.
        assert_eq!(sig.stack, vec!["???@page+0xf40", "???@page+0x10"]);
        let x = engine.explain(&jit(0x1_2345_6f40, 0x1_2345_7010));
        assert_eq!(x.signature, sig);
        let normalized: Vec<&str> = x.steps.iter().map(|s| s.normalized.as_str()).collect();
        assert_eq!(normalized, ["???@0x123456f40", "???@0x123457010"]);
        assert!(x
            .steps
            .iter()
            .all(|s| s.note.as_deref() == Some(NOTE_WHOLE)));
    }

    #[test]
    fn frameless_crashes_of_different_programs_stay_apart() {
        let mut a = report("EXC_CRASH", "SIGKILL", None, vec![]);
        let mut b = a.clone();
        b.process.name = Some("Other".into());
        assert_ne!(
            Engine::default().signature(&a).text,
            Engine::default().signature(&b).text
        );
        a.threads.clear();
        assert!(Engine::default()
            .signature(&a)
            .text
            .contains("no crashed thread"));
    }

    #[test]
    fn termination_namespace_other_than_signal_counts() {
        let mut r = report(
            "EXC_CRASH",
            "SIGKILL",
            None,
            vec![frame(0, "App", Some("main"), 1)],
        );
        r.termination = Some(crashlens_model::Termination {
            namespace: Some("SPRINGBOARD".into()),
            code: Some(0x8badf00d),
            ..Default::default()
        });
        assert_eq!(
            Engine::default().signature(&r).exception,
            "EXC_CRASH / SIGKILL / SPRINGBOARD 0x8badf00d"
        );
    }

    #[test]
    fn crash_reporter_images_and_signal_handler_frames_are_skipped() {
        // Without a stack analysis, the lists decide: an unsymbolicated frame in
        // KSCrash is the reporter's handler, and everything above `_sigtramp`
        // ran in the signal handler.
        let mut r = report(
            "EXC_BAD_ACCESS",
            "SIGSEGV",
            None,
            vec![
                frame(0, "KSCrash", None, 0x100),
                frame(1, "App", Some("handler_helper"), 0x10),
                frame(2, "libsystem_platform.dylib", Some("_sigtramp"), 0x20),
                frame(3, "App", Some("-[Model load]"), 0x30),
            ],
        );
        r.images.push(Image {
            base: 0x1000,
            size: Some(0x1000),
            name: Some("KSCrash".into()),
            ..Default::default()
        });
        let x = Engine::default().explain_with(&r, None);
        assert!(
            matches!(&x.steps[0].decision, Decision::Skipped { reason } if reason.contains("crash reporter")),
            "{:?}",
            x.steps[0]
        );
        assert!(
            matches!(&x.steps[1].decision, Decision::Skipped { reason } if reason.contains("signal handler")),
            "{:?}",
            x.steps[1]
        );
        assert!(matches!(x.steps[2].decision, Decision::Skipped { .. }));
        assert_eq!(x.signature.frames, vec!["-[Model load]"]);
    }

    #[test]
    fn frames_above_the_blamed_frame_are_skipped_for_the_analysis_reason() {
        let r = report(
            "EXC_CRASH",
            "SIGABRT",
            None,
            vec![
                frame(0, "libsystem_c.dylib", Some("err"), 0),
                frame(1, "App", Some("main"), 8),
            ],
        );
        let stack = StackAnalysis {
            blamed_frame: Some(1),
            frames: vec![crashlens_model::FrameView {
                index: 0,
                skipped: Some("return address is the very start of `err`".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let x = Engine::default().explain_with(&r, Some(&stack));
        assert!(
            matches!(&x.steps[0].decision, Decision::Skipped { reason } if reason.contains("very start"))
        );
        assert_eq!(x.signature.frames, vec!["main"]);
    }

    #[test]
    fn inlined_repeats_count_once() {
        let r = report(
            "EXC_BREAKPOINT",
            "SIGTRAP",
            None,
            vec![
                frame(0, "App", Some("f"), 1),
                frame(1, "App", Some("f"), 1),
                frame(2, "App", Some("g"), 2),
            ],
        );
        let x = Engine::default().explain(&r);
        assert_eq!(x.steps[1].decision, Decision::Repeat);
        assert_eq!(x.signature.frames, vec!["f", "g"]);
    }

    /// The signature `group` makes (no rows, no reasons, remembered answers)
    /// is the one the explanation and the full analysis give, on every Apple
    /// report read as `group` reads it, twice over (the second time from the
    /// per-thread memos).
    #[test]
    fn the_summary_path_gives_the_explained_signature_on_the_corpus() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/apple");
        let (files, _) = crate::walk::walk(&[dir.into()]);
        let opts = crashlens_read::ReadOptions::crashed(Some(crate::summary::keep_image));
        let mut compared = 0;
        for _round in 0..2 {
            for f in &files {
                let Ok(bytes) = std::fs::read(f) else {
                    continue;
                };
                let Ok(r) = crashlens_read::read_bytes_with(&bytes, &opts) else {
                    continue;
                };
                let e = Engine::default();
                let fast = e.signature(&r);
                assert_eq!(fast, e.explain(&r).signature, "{}", f.display());
                let analysis = crashlens_analyze::analyze(&r);
                assert_eq!(
                    fast,
                    e.signature_with(&r, analysis.crashed_stack.as_ref()),
                    "{}",
                    f.display()
                );
                compared += 1;
            }
        }
        assert!(compared > 80, "{compared}");
    }

    /// The per-thread memo of normalized symbols gives what the rules give,
    /// for symbols that differ by a character, and only for the built-in rules.
    #[test]
    fn remembered_normalization_is_exact() {
        let e = Engine::default();
        let symbols = [
            "foo(int)",
            "foo(long)",
            "foo",
            "foo ",
            "_dispatch_semaphore_dispose.cold.1",
            "_dispatch_semaphore_dispose.cold.2",
            "core::ptr::drop_in_place<u8>::h0123456789abcdef",
            "core::ptr::drop_in_place<u8>::h0123456789abcdeg",
            "__64-[UIScene scene:]_block_invoke.215",
            "-[NSObject(NSObject) doesNotRecognizeSelector:]",
            "",
            "abort",
            "abort ",
            "objc_msgSend",
            "closure #1 in _assertionFailure(_:_:file:line:flags:)",
            "implicit closure #2 in closure #1 in f",
            "_sigtramp",
        ];
        let class = |c: Option<FrameClass<'_>>| {
            c.map(|c| {
                (
                    c.is_skip(),
                    c.category().to_string(),
                    c.reason().to_string(),
                )
            })
        };
        for _round in 0..3 {
            for s in symbols {
                assert_eq!(e.normalize_symbol(s), e.normalize_uncached(s), "{s:?}");
                let (norm, known) = e.known(s);
                assert_eq!(norm, e.normalize_uncached(s), "{s:?}");
                assert_eq!(
                    class(known),
                    class(list_class(frames::builtin(), s)),
                    "{s:?}"
                );
            }
        }
        assert!(e.known("abort").1.is_some_and(|c| c.is_skip()));
        assert!(e.known("objc_msgSend").1.is_some_and(|c| !c.is_skip()));
        assert!(e.known("abort2").1.is_none());
        // Other rules are never answered from the built-in rules' memo.
        let mut rules = sigrules::builtin().clone();
        rules.normalize.clear();
        let other = Engine {
            rules: &rules,
            lists: frames::builtin(),
        };
        assert_eq!(e.normalize_symbol("f.cold.1"), "f");
        assert_eq!(other.normalize_symbol("f.cold.1"), "f.cold.1");
    }

    #[test]
    fn hex_is_written_as_format_writes_it() {
        for v in [0, 1, 0xf, 0x10, 0x5c8, 0xdead_beef, u64::MAX, 1 << 63] {
            let mut s = String::new();
            push_hex(&mut s, v);
            assert_eq!(s, format!("{v:x}"));
        }
        for p in ["/a/b/c", "c", "/", "a/", "", "/usr/lib/libc.dylib"] {
            assert_eq!(base_name(p), p.rsplit('/').next().unwrap_or_default());
        }
    }
}
