//! The crashed thread's stack (`Analysis::crashed_stack`): one row per frame with
//! its owner, the frames passed over as crash machinery, the blamed frame, and
//! the runs of consecutive frames with one owner.
//!
//! - The **blamed frame** is the first frame that is not on the skip list of
//!   `knowledge/frames.toml` (abort, raise, assert, throw, signal delivery,
//!   crash reporters): on an abort, the caller of abort. A skip entry marked
//!   `through` (`_sigtramp`) passes over every frame above it too. One more
//!   frame is passed over: right after skipped frames, an OS frame whose
//!   return address is exactly a symbol's start (`err + 0` after `abort`): the
//!   call to the no-return abort was the last instruction of the function
//!   before it, so the symbol names the wrong function.
//! - **Owner runs** group consecutive frames with the same owner and detail.
//!   OS-runtime frames between two runs of the same owner (libdispatch calling a
//!   PyTorch block back) are folded into the surrounding run: the run lists
//!   their image, and each frame row keeps its own owner. So the seed reads
//!   "1-10 PyTorch (libtorch_cpu.dylib, libdispatch.dylib)". The top run is
//!   never folded: who called the faulting frame must stay visible.
//! - The caller named in `stack.owners` is the run right after the blamed frame's.
//! - Findings: `stack.blamed_frame`, `stack.owners`, `stack.no_frames`,
//!   `stack.no_crashed_thread`, and `stack.exception_thrower` for a Last
//!   Exception Backtrace.

use crashlens_knowledge::frames::FrameClass;
use crashlens_model::{
    Analysis, Evidence, Finding, Frame, FrameView, Owner, OwnerRun, StackAnalysis,
};

use crate::Context;

pub fn run(cx: &Context, a: &mut Analysis) {
    let r = cx.report;
    let Some(thread) = r.crashed() else {
        let finding = match r.crashed_thread {
            Some(n) => Finding::new(
                "stack.no_crashed_thread",
                format!("crashed thread {n} is not in the report"),
                format!(
                    "The report names thread {n} as the crashed thread but lists no thread {n}, \
                     so there is no crashed stack to explain."
                ),
            )
            .with(Evidence::field("crashed_thread").value(n.to_string())),
            None if !r.threads.is_empty() => Finding::new(
                "stack.no_crashed_thread",
                "no crashed thread",
                "The report marks no thread as crashed, so there is no crashed stack to explain.",
            )
            .with(Evidence::field("crashed_thread")),
            None => return,
        };
        a.findings.push(finding);
        return;
    };
    let tidx = r
        .threads
        .iter()
        .position(|t| std::ptr::eq(t, thread))
        .unwrap_or_default();
    let field = |i: usize| format!("threads[{tidx}].frames[{i}]");

    let mut views: Vec<FrameView> = Vec::with_capacity(thread.frames.len());
    let blamed = mark_skipped(cx, &thread.frames, &mut views);
    let made = views.len();
    views.extend(thread.frames.iter().skip(made).map(|f| frame_view(cx, f)));
    let owner_runs = owner_runs(&views);

    let mut stack = StackAnalysis {
        thread: thread.number,
        thread_name: thread.name.clone(),
        queue: thread.queue.clone(),
        frames: Vec::new(),
        blamed_frame: blamed.and_then(|i| views.get(i)).map(|v| v.index),
        owner_runs,
    };

    if views.is_empty() {
        a.findings.push(
            Finding::new(
                "stack.no_frames",
                format!("thread {} has no frames", thread.number),
                format!(
                    "The report marks thread {} as crashed but lists no frames for it, so the crash \
                     cannot be placed in any code from the stack.",
                    thread.number
                ),
            )
            .with(Evidence::field(format!("threads[{tidx}].frames")).thread(thread.number))
            .threads([thread.number]),
        );
        a.crashed_stack = Some(stack);
        return;
    }

    match blamed.and_then(|i| views.get(i).map(|v| (i, v))) {
        Some((bi, b)) => {
            let skipped: Vec<&FrameView> = views.iter().take(bi).collect();
            let detail = if skipped.is_empty() {
                format!(
                    "Frame {} `{}` is where thread {} stopped, and it is not abort, raise, assert or \
                     throw machinery, so it is the frame to blame.",
                    b.index, b.symbol, thread.number
                )
            } else {
                let reasons = distinct(skipped.iter().filter_map(|v| v.skipped.as_deref()));
                format!(
                    "{} {} {} crash machinery ({}) and {} passed over; frame {} `{}` in {} is \
                     the first frame that is not, so it is the frame to blame.",
                    if skipped.len() == 1 {
                        "Frame"
                    } else {
                        "Frames"
                    },
                    range(
                        skipped.first().map(|v| v.index),
                        skipped.last().map(|v| v.index)
                    ),
                    if skipped.len() == 1 { "is" } else { "are" },
                    reasons.join("; "),
                    if skipped.len() == 1 { "is" } else { "are" },
                    b.index,
                    b.symbol,
                    b.image
                )
            };
            let mut detail = detail;
            if bi == 0 && thread.frames.first().is_some_and(|f| f.symbol.is_none()) {
                detail.push_str(
                    " The frame is not symbolicated, so abort, raise or assert machinery cannot be \
                     recognised by name; symbolicate the report to be sure.",
                );
            }
            let generic = thread
                .frames
                .get(bi)
                .and_then(|f| f.symbol.as_deref())
                .and_then(|s| cx.frames.classify(s));
            if let (Some(FrameClass::Prefix(e)), Some(next)) = (generic, views.get(bi + 1)) {
                detail.push_str(&format!(
                    " `{}` is generic ({}); its caller, frame {} `{}` in {}, says more.",
                    b.symbol, e.reason, next.index, next.symbol, next.image
                ));
            }
            let mut f = Finding::new(
                "stack.blamed_frame",
                format!("frame {}: {}", b.index, b.symbol),
                detail,
            )
            .threads([thread.number]);
            for (pos, v) in skipped.iter().enumerate() {
                f = f.with(
                    Evidence::field(field(pos))
                        .thread(thread.number)
                        .frame(v.index)
                        .value(v.symbol.clone()),
                );
            }
            f = f.with(
                Evidence::field(field(bi))
                    .thread(thread.number)
                    .frame(b.index)
                    .value(b.symbol.clone()),
            );
            a.findings.push(f);
            a.findings.push(owners_finding(
                thread.number,
                tidx,
                bi,
                &views,
                &stack.owner_runs,
            ));
        }
        None => {
            a.findings.push(
                Finding::new(
                    "stack.blamed_frame",
                    "every frame is crash machinery",
                    format!(
                        "All {} frames of thread {} are abort/raise/assert/throw machinery; no caller \
                         is on the stack to blame.",
                        views.len(),
                        thread.number
                    ),
                )
                .with(Evidence::field(format!("threads[{tidx}].frames")).thread(thread.number))
                .threads([thread.number]),
            );
        }
    }

    exception_backtrace(cx, a);
    stack.frames = views;
    a.crashed_stack = Some(stack);
}

/// One row of the stack table.
pub fn frame_view(cx: &Context, f: &Frame) -> FrameView {
    let image = cx.frame_image_name(f);
    let owner = cx.frame_owner(f);
    let (symbol, offset) = match f.symbol.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => (s.to_string(), f.symbol_offset),
        None if no_image(cx, f) => (
            format!("??? at {:#x}", pc_of(cx, f).unwrap_or_default()),
            None,
        ),
        None => (unsymbolicated(&image, f), f.image_offset),
    };
    let location = match (f.file.as_deref(), f.line) {
        (Some(file), Some(line)) => Some(format!("{file}:{line}")),
        (Some(file), None) => Some(file.to_string()),
        _ => None,
    };
    FrameView {
        index: f.index,
        image,
        symbol,
        offset,
        address: f.address,
        location,
        owner: owner.owner,
        owner_detail: owner.detail,
        skipped: None,
    }
}

/// The frame lies in no known image (a `???` frame or the `.ips` placeholder).
fn no_image(cx: &Context, f: &Frame) -> bool {
    let named = f
        .image
        .as_deref()
        .is_some_and(|n| !n.trim().is_empty() && n.trim() != "???");
    !named && cx.report.image_of(f).is_none_or(|i| i.placeholder)
}

/// A frame's absolute address; for a placeholder-image frame the offset is the address.
fn pc_of(cx: &Context, f: &Frame) -> Option<u64> {
    f.address.or_else(|| {
        let base = cx.report.image_of(f).map_or(0, |i| i.base);
        f.image_offset.and_then(|o| base.checked_add(o))
    })
}

/// Below this, a program counter outside any image is a jump through NULL + offset.
const NULL_PAGE: u64 = 0x1000;

/// `image + 0x1234` for a frame without a symbol (or the address alone).
pub fn unsymbolicated(image: &str, f: &Frame) -> String {
    match (f.image_offset, f.address) {
        (Some(off), _) => format!("{image} + {off:#x}"),
        (None, Some(addr)) => format!("{image} {addr:#x}"),
        (None, None) => image.to_string(),
    }
}

/// The crashed thread's blamed frame and the rows down to it (crash machinery
/// marked with why it was passed over), without the rest of the pass: the
/// owners of the other frames and the findings are not worked out. What
/// `group --explain` needs per report; the full pass gives the same blamed frame.
pub fn blamed_prefix(cx: &Context) -> Option<StackAnalysis> {
    let thread = cx.report.crashed()?;
    let mut views = Vec::new();
    let blamed = mark_skipped(cx, &thread.frames, &mut views);
    Some(StackAnalysis {
        thread: thread.number,
        thread_name: thread.name.clone(),
        queue: thread.queue.clone(),
        blamed_frame: blamed.and_then(|i| views.get(i)).map(|v| v.index),
        frames: views,
        owner_runs: Vec::new(),
    })
}

/// The index of the crashed thread's blamed frame, as [`blamed_prefix`] gives
/// it (`None` without a crashed thread, or when every frame is crash
/// machinery), without making the rows: what a signature needs per report.
pub fn blamed_frame(cx: &Context) -> Option<u32> {
    let frames = &cx.report.crashed()?.frames;
    let i = blamed_position(cx, frames, |_, _| {})?;
    frames.get(i).map(|f| f.index)
}

/// Views of `frames` up to position `i`, made as they are needed.
fn view_at<'v>(
    cx: &Context,
    frames: &[Frame],
    views: &'v mut Vec<FrameView>,
    i: usize,
) -> Option<&'v mut FrameView> {
    while views.len() <= i {
        views.push(frame_view(cx, frames.get(views.len())?));
    }
    views.get_mut(i)
}

/// Why a leading frame was passed over (the row's text is made from it).
enum Passed<'a> {
    /// The `through` entry itself (`_sigtramp`), with the entry's reason.
    Through(&'a str),
    /// Above the `through` frame at this position: ran in the signal handler.
    InHandler(usize),
    /// On the skip list, with the entry's reason.
    Listed(&'a str),
    /// The top frame's program counter is in the NULL page, outside every image.
    NullPc(u64),
    /// An OS frame at `symbol + 0` right after skipped frames.
    Spill,
}

/// Marks the leading crash-machinery frames; returns the position of the
/// blamed frame. `views` gets the rows down to the blamed frame (more if the
/// caller made them already).
fn mark_skipped(cx: &Context, frames: &[Frame], views: &mut Vec<FrameView>) -> Option<usize> {
    let mut passed: Vec<(usize, Passed<'_>)> = Vec::new();
    let blamed = blamed_position(cx, frames, |i, why| passed.push((i, why)));
    // The rows down to the blamed frame, else every row.
    if let Some(last) = blamed.or_else(|| frames.len().checked_sub(1)) {
        view_at(cx, frames, views, last);
    }
    for (i, why) in passed {
        let Some(v) = views.get_mut(i) else {
            continue;
        };
        v.skipped = Some(match why {
            Passed::Through(reason) | Passed::Listed(reason) => reason.to_string(),
            Passed::InHandler(t) => format!("ran in the signal handler (above frame {t})"),
            Passed::NullPc(pc) => format!(
                "the program counter is {pc:#x}, inside no image: the code jumped or called through a \
                 NULL (or NULL + small offset) pointer, so the frame below made the bad call"
            ),
            Passed::Spill => format!(
                "return address is the very start of `{}`: the call to the no-return function above \
                 was the last instruction of the function before it, so this symbol is misattributed \
                 (it is most likely the end of an abort, assert or raise helper)",
                v.symbol
            ),
        });
    }
    blamed
}

/// The position of the blamed frame; `pass` hears of each frame passed over,
/// and why. Owners are worked out only for the few frames whose owner decides
/// (an OS frame at `symbol + 0` right after skipped frames).
fn blamed_position<'c>(
    cx: &'c Context,
    frames: &'c [Frame],
    mut pass: impl FnMut(usize, Passed<'c>),
) -> Option<usize> {
    // Every frame's class (each frame is looked at for a `through` entry).
    let classes: Vec<Option<FrameClass<'c>>> = frames
        .iter()
        .map(|f| f.symbol.as_deref().and_then(|s| cx.frames.classify(s)))
        .collect();
    // A `through` entry (_sigtramp): everything above it ran in a signal handler.
    let through = classes.iter().enumerate().rev().find_map(|(i, c)| {
        c.filter(|c| c.is_skip() && c.entry().through)
            .map(|c| (i, c.reason()))
    });
    let mut start = 0;
    if let Some((t, reason)) = through {
        for i in 0..t {
            pass(i, Passed::InHandler(t));
        }
        pass(t, Passed::Through(reason));
        start = t + 1;
    }
    for (i, f) in frames.iter().enumerate().skip(start) {
        if let Some(Some(FrameClass::Skip(e))) = classes.get(i) {
            pass(i, Passed::Listed(&e.reason));
        } else if i == start && is_null_pc(cx, f) {
            pass(i, Passed::NullPc(pc_of(cx, f).unwrap_or_default()));
        } else if i > start && is_noreturn_spill(cx, f) {
            pass(i, Passed::Spill);
        } else {
            return Some(i);
        }
    }
    None
}

/// The top frame is at a NULL-page address outside every image.
fn is_null_pc(cx: &Context, f: &Frame) -> bool {
    f.symbol.is_none() && no_image(cx, f) && pc_of(cx, f).is_some_and(|pc| pc < NULL_PAGE)
}

/// After a skipped frame: an OS frame at `symbol + 0` (`err + 0` after abort,
/// `+[NSException exceptionWithName:reason:userInfo:] + 0` after a throw). The
/// owner (the same as the frame's row shows) is asked last: it costs the most.
fn is_noreturn_spill(cx: &Context, f: &Frame) -> bool {
    f.symbol.is_some()
        && f.symbol_offset == Some(0)
        && !f.inlined
        && matches!(
            cx.frame_owner(f).owner,
            Owner::OsRuntime | Owner::OsFramework
        )
}

/// Consecutive frames with one owner and detail; OS-runtime runs between two
/// runs of the same owner fold into them.
pub fn owner_runs(views: &[FrameView]) -> Vec<OwnerRun> {
    let mut raw: Vec<OwnerRun> = Vec::new();
    for v in views {
        match raw.last_mut() {
            Some(r) if r.owner == v.owner && r.detail == v.owner_detail => {
                r.last = v.index;
                push_unique(&mut r.images, &v.image);
            }
            _ => raw.push(OwnerRun {
                first: v.index,
                last: v.index,
                owner: v.owner,
                detail: v.owner_detail.clone(),
                images: vec![v.image.clone()],
            }),
        }
    }
    let mut out: Vec<OwnerRun> = Vec::new();
    let mut i = 0;
    while let Some(r) = raw.get(i) {
        let top = raw.first().map(|t| t.first);
        let sandwich = match (out.last(), raw.get(i + 1)) {
            (Some(prev), Some(next)) => {
                r.owner == Owner::OsRuntime
                    && Some(prev.first) != top
                    && prev.owner != Owner::OsRuntime
                    && prev.owner == next.owner
                    && prev.detail == next.detail
            }
            _ => false,
        };
        if sandwich {
            if let (Some(prev), Some(next)) = (out.last_mut(), raw.get(i + 1)) {
                prev.last = next.last;
                for im in r.images.iter().chain(next.images.iter()) {
                    push_unique(&mut prev.images, im);
                }
            }
            i += 2;
        } else {
            out.push(r.clone());
            i += 1;
        }
    }
    out
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// "ML/GPU framework (PyTorch)", "GPU driver: AGX (Apple GPU)", "the app".
pub fn owner_words(owner: Owner, detail: Option<&str>) -> String {
    match detail {
        Some(d) if d.contains('(') => format!("{}: {d}", owner.label()),
        Some(d) => format!("{} ({d})", owner.label()),
        None => owner.label().to_string(),
    }
}

fn run_words(r: &OwnerRun) -> String {
    format!(
        "{} {}: {} [{}]",
        if r.first == r.last { "frame" } else { "frames" },
        range(Some(r.first), Some(r.last)),
        owner_words(r.owner, r.detail.as_deref()),
        r.images.join(", ")
    )
}

fn owners_finding(
    thread: u32,
    tidx: usize,
    bi: usize,
    views: &[FrameView],
    runs: &[OwnerRun],
) -> Finding {
    let field = |i: usize| format!("threads[{tidx}].frames[{i}]");
    let Some(b) = views.get(bi) else {
        return Finding::new("stack.owners", "owners", "");
    };
    let run_of = |idx: u32| runs.iter().position(|r| r.first <= idx && idx <= r.last);
    let caller = run_of(b.index).and_then(|ri| runs.get(ri + 1));
    let top = views.first();
    let mut detail = String::new();
    if let Some(t) = top.filter(|t| t.index != b.index) {
        detail.push_str(&format!(
            "Thread {thread} stopped in frame {} `{}` ({}, {}). ",
            t.index,
            t.symbol,
            owner_words(t.owner, t.owner_detail.as_deref()),
            t.image
        ));
    }
    detail.push_str(&format!(
        "The blamed frame {} `{}` belongs to {} ({}).",
        b.index,
        b.symbol,
        owner_words(b.owner, b.owner_detail.as_deref()),
        b.image
    ));
    let mut title = format!(
        "frame {} in {}",
        b.index,
        owner_words(b.owner, b.owner_detail.as_deref())
    );
    if let Some(c) = caller {
        detail.push_str(&format!(
            " It was called from {} ({}, frames {}).",
            owner_words(c.owner, c.detail.as_deref()),
            c.images.join(", "),
            range(Some(c.first), Some(c.last))
        ));
        title.push_str(&format!(
            ", called from {}",
            owner_words(c.owner, c.detail.as_deref())
        ));
    }
    detail.push_str(" Owners from the top: ");
    detail.push_str(&runs.iter().map(run_words).collect::<Vec<_>>().join("; "));
    detail.push('.');
    let mut f = Finding::new("stack.owners", title, detail)
        .threads([thread])
        .with(
            Evidence::field(field(bi))
                .thread(thread)
                .frame(b.index)
                .value(format!("{} ({})", b.symbol, b.image)),
        );
    if let Some(c) = caller {
        if let Some((pos, v)) = views.iter().enumerate().find(|(_, v)| v.index == c.first) {
            f = f.with(
                Evidence::field(field(pos))
                    .thread(thread)
                    .frame(v.index)
                    .value(format!("{} ({})", v.symbol, v.image)),
            );
        }
    }
    f
}

/// Where an uncaught language exception was thrown, from the Last Exception Backtrace.
fn exception_backtrace(cx: &Context, a: &mut Analysis) {
    let frames = &cx.report.last_exception_backtrace;
    if frames.is_empty() {
        return;
    }
    let mut views: Vec<FrameView> = frames.iter().map(|f| frame_view(cx, f)).collect();
    let Some(bi) = mark_skipped(cx, frames, &mut views) else {
        return;
    };
    let Some(b) = views.get(bi) else {
        return;
    };
    a.findings.push(
        Finding::new(
            "stack.exception_thrower",
            format!("exception thrown from {}", b.symbol),
            format!(
                "The Last Exception Backtrace shows where the uncaught exception was thrown: frame {} \
                 `{}` in {} ({}), past {} frame(s) of throw machinery.",
                b.index,
                b.symbol,
                b.image,
                owner_words(b.owner, b.owner_detail.as_deref()),
                bi
            ),
        )
        .with(Evidence::field(format!("last_exception_backtrace[{bi}]")).frame(b.index).value(b.symbol.clone())),
    );
}

/// "3" or "0-3".
pub fn range(first: Option<u32>, last: Option<u32>) -> String {
    match (first, last) {
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) => format!("{a}-{b}"),
        (Some(a), None) | (None, Some(a)) => a.to_string(),
        (None, None) => String::new(),
    }
}

fn distinct<'s>(it: impl Iterator<Item = &'s str>) -> Vec<&'s str> {
    let mut out: Vec<&str> = Vec::new();
    for s in it {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crashlens_model::{CrashReport, Image, Thread};

    const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

    /// The blamed frame as the rows give it, and as the full pass gives it.
    fn blamed_three_ways(r: &CrashReport) -> (Option<u32>, Option<u32>, Option<u32>) {
        let cx = Context::new(r);
        let rows = blamed_prefix(&cx).and_then(|s| s.blamed_frame);
        let mut a = Analysis::default();
        run(&cx, &mut a);
        let full = a.crashed_stack.and_then(|s| s.blamed_frame);
        (blamed_frame(&cx), rows, full)
    }

    /// `blamed_frame` (no rows, owners only where they decide) agrees with the
    /// rows of `blamed_prefix` and with the whole pass, on every Apple report,
    /// read fully and read as `group` reads them.
    #[test]
    fn blamed_frame_agrees_with_the_rows_on_the_corpus() {
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for p in entries.filter_map(|e| e.ok().map(|e| e.path())) {
                if p.is_dir() {
                    files(&p, out);
                } else {
                    out.push(p);
                }
            }
        }
        let mut paths = Vec::new();
        files(&std::path::Path::new(CORPUS).join("apple"), &mut paths);
        paths.sort();
        let mut compared = 0;
        for p in &paths {
            let Ok(bytes) = std::fs::read(p) else {
                continue;
            };
            for opts in [
                crashlens_read::ReadOptions::full(),
                crashlens_read::ReadOptions::crashed(None),
            ] {
                let Ok(r) = crashlens_read::read_bytes_with(&bytes, &opts) else {
                    continue;
                };
                let (fast, rows, full) = blamed_three_ways(&r);
                assert_eq!(fast, rows, "{}", p.display());
                assert_eq!(fast, full, "{}", p.display());
                compared += 1;
            }
        }
        assert!(compared > 40, "{compared}");
    }

    fn frame(i: u32, image: &str, symbol: Option<&str>, offset: Option<u64>) -> Frame {
        Frame {
            index: i,
            image: Some(image.into()),
            symbol: symbol.map(str::to_string),
            symbol_offset: offset,
            image_offset: Some(0x100 * u64::from(i + 1)),
            ..Default::default()
        }
    }

    fn report(frames: Vec<Frame>) -> CrashReport {
        CrashReport {
            crashed_thread: Some(0),
            threads: vec![Thread {
                number: 0,
                crashed: true,
                frames,
                ..Default::default()
            }],
            images: vec![Image {
                base: 0x1000,
                size: Some(0x1000),
                name: Some("libsystem_c.dylib".into()),
                path: Some("/usr/lib/system/libsystem_c.dylib".into()),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    /// The cases each rule of the walk decides: a signal trampoline, skip
    /// entries, an OS frame at `symbol + 0` after them (and an app frame at
    /// `+ 0`, which is not passed over), a NULL program counter, nothing left.
    #[test]
    fn blamed_frame_agrees_with_the_rows_case_by_case() {
        let cases: Vec<(Vec<Frame>, Option<u32>)> = vec![
            (
                vec![
                    frame(0, "App", Some("handler"), Some(4)),
                    frame(1, "libsystem_platform.dylib", Some("_sigtramp"), Some(8)),
                    frame(2, "App", Some("crash"), Some(12)),
                ],
                Some(2),
            ),
            (
                vec![
                    frame(0, "libsystem_kernel.dylib", Some("__pthread_kill"), Some(8)),
                    frame(1, "libsystem_c.dylib", Some("abort"), Some(120)),
                    frame(2, "libsystem_c.dylib", Some("err"), Some(0)),
                    frame(3, "App", Some("main"), Some(40)),
                ],
                Some(3),
            ),
            (
                vec![
                    frame(0, "libsystem_c.dylib", Some("abort"), Some(120)),
                    frame(1, "App", Some("start_of_app_fn"), Some(0)),
                ],
                Some(1),
            ),
            (
                vec![
                    Frame {
                        index: 0,
                        address: Some(0x10),
                        ..Default::default()
                    },
                    frame(1, "App", Some("caller"), Some(20)),
                ],
                Some(1),
            ),
            (
                vec![
                    frame(0, "libsystem_c.dylib", Some("abort"), Some(120)),
                    frame(1, "libsystem_platform.dylib", Some("_sigtramp"), Some(8)),
                ],
                None,
            ),
            (vec![], None),
        ];
        for (frames, want) in cases {
            let mut r = report(frames);
            // The frames name their images; only libsystem_c has an entry.
            for f in &mut r.threads[0].frames {
                if f.image.as_deref() == Some("libsystem_c.dylib") {
                    f.image_index = Some(0);
                }
            }
            let (fast, rows, full) = blamed_three_ways(&r);
            assert_eq!(fast, want, "{:?}", r.threads[0].frames);
            assert_eq!(rows, want);
            assert_eq!(full, want);
        }
        // No crashed thread: nothing to blame.
        let mut r = report(vec![frame(0, "App", Some("main"), Some(4))]);
        r.crashed_thread = Some(7);
        r.threads[0].crashed = false;
        assert_eq!(blamed_frame(&Context::new(&r)), None);
    }
}
