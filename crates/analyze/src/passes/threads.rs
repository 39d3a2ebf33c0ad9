//! Thread groups (`Analysis::thread_groups`): threads whose normalized stacks are
//! identical, with what they are doing.
//!
//! - Normalizing a stack keeps `image!symbol` per frame and drops addresses and
//!   offsets; an unsymbolicated frame keeps `image+offset`.
//! - The crashed thread always gets its own group, state `crashed`.
//! - Other groups get their state from `knowledge/thread_states.toml` (top
//!   frames against data-driven patterns; the highest-priority match wins).
//! - A group's `context` is the frame that gives it meaning: the first frame
//!   owned by the app, a third-party library, an ML framework or a GPU driver;
//!   else the first OS-framework or runtime frame below the state's own frames;
//!   else the outermost frame the state matched on (plumbing listed under
//!   `[context] ignore` is never chosen). For the crashed group: the blamed frame.
//! - Threads in a state marked `merge` (idle workqueue) form one group even when
//!   their stacks differ; the group shows the first stack's top frames.
//! - Groups come crashed first, then by their lowest thread number.
//! - Finding `threads.groups` lists the groups in words.

use crashlens_knowledge::thread_states::FrameRef;
use crashlens_model::{Analysis, Evidence, Finding, Frame, Owner, Thread, ThreadGroup};

use crate::passes::stack::range;
use crate::Context;

/// How many normalized frames a group shows.
const TOP_FRAMES: usize = 5;

pub fn run(cx: &Context, a: &mut Analysis) {
    let r = cx.report;
    if r.threads.is_empty() {
        return;
    }
    let crashed = r.crashed().map(|t| t.number);
    // (key, thread positions); the crashed thread's key is None.
    let mut buckets: Vec<(Option<Vec<String>>, Vec<usize>)> = Vec::new();
    for (pos, t) in r.threads.iter().enumerate() {
        if Some(t.number) == crashed {
            buckets.push((None, vec![pos]));
            continue;
        }
        let named = t.name.as_deref().is_some_and(|n| !n.trim().is_empty());
        let key = match (t.frames.is_empty(), named) {
            // A named thread without frames is not an idle one: keep them apart.
            (true, true) => vec!["(named thread, no frames)".to_string()],
            _ => normalized(cx, &t.frames),
        };
        match buckets.iter_mut().find(|(k, _)| k.as_ref() == Some(&key)) {
            Some((_, members)) => members.push(pos),
            None => buckets.push((Some(key), vec![pos])),
        }
    }

    let mut groups: Vec<ThreadGroup> = Vec::new();
    for (key, members) in &buckets {
        let Some(first) = members
            .first()
            .and_then(|&p| r.threads.get(p).map(|t| (p, t)))
        else {
            continue;
        };
        groups.push(group(cx, a, key.is_none(), first, members));
    }
    let mut groups = merge_groups(cx, groups);
    groups.sort_by_key(|g| {
        (
            !crashed.is_some_and(|c| g.threads.contains(&c)),
            g.threads.first().copied(),
        )
    });

    let lines: Vec<String> = groups.iter().map(group_words).collect();
    let mut f = Finding::new(
        "threads.groups",
        format!("{} threads in {} groups", r.threads.len(), groups.len()),
        lines.join("\n"),
    );
    for g in &groups {
        if let Some(e) = g.evidence.first() {
            f = f.with(e.clone());
        }
    }
    a.findings.push(f);
    a.thread_groups = groups;
}

fn group(
    cx: &Context,
    a: &Analysis,
    is_crashed: bool,
    first: (usize, &Thread),
    members: &[usize],
) -> ThreadGroup {
    let r = cx.report;
    let (pos, t) = first;
    let threads: Vec<&Thread> = members.iter().filter_map(|&p| r.threads.get(p)).collect();
    let mut names = Vec::new();
    let mut queues = Vec::new();
    for th in &threads {
        for (list, v) in [(&mut names, &th.name), (&mut queues, &th.queue)] {
            if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                if !list.iter().any(|x: &String| x == v) {
                    list.push(v.to_string());
                }
            }
        }
    }
    let refs: Vec<FrameRef<'_>> = t
        .frames
        .iter()
        .map(|f| FrameRef {
            symbol: f.symbol.as_deref(),
            image: f.image.as_deref(),
        })
        .collect();
    let named = t.name.as_deref().is_some_and(|n| !n.trim().is_empty());
    let state = match (is_crashed, t.frames.is_empty() && named) {
        (true, _) => cx.thread_states.crashed(),
        (false, true) => cx
            .thread_states
            .named_without_frames()
            .unwrap_or_else(|| cx.thread_states.classify(&refs)),
        (false, false) => cx.thread_states.classify(&refs),
    };

    let field = |i: usize| format!("threads[{pos}].frames[{i}]");
    let mut evidence = Vec::new();
    let context = if is_crashed {
        let blamed = a.crashed_stack.as_ref().and_then(|s| {
            let b = s.blamed_frame?;
            s.frames
                .iter()
                .position(|v| v.index == b)
                .map(|p| (p, s.frames.get(p)))
        });
        match blamed {
            Some((p, Some(v))) => {
                evidence.push(
                    Evidence::field(field(p))
                        .thread(t.number)
                        .frame(v.index)
                        .value(v.symbol.clone()),
                );
                Some(short_symbol(&v.symbol))
            }
            _ => {
                evidence.push(Evidence::field("crashed_thread").thread(t.number));
                None
            }
        }
    } else {
        for &i in &state.frames {
            if let Some(f) = t.frames.get(i) {
                evidence.push(
                    Evidence::field(field(i))
                        .thread(t.number)
                        .frame(f.index)
                        .value(display(cx, f)),
                );
            }
        }
        if t.frames.is_empty() {
            evidence.push(
                Evidence::field(format!("threads[{pos}].frames"))
                    .thread(t.number)
                    .value("no frames"),
            );
        }
        context_frame(cx, &t.frames, &state.frames).map(|i| {
            let f = t.frames.get(i);
            if let Some(f) = f {
                let ev = Evidence::field(field(i))
                    .thread(t.number)
                    .frame(f.index)
                    .value(display(cx, f));
                if !evidence.contains(&ev) {
                    evidence.push(ev);
                }
            }
            f.map(|f| short_symbol(&display(cx, f))).unwrap_or_default()
        })
    };

    ThreadGroup {
        threads: threads.iter().map(|t| t.number).collect(),
        names,
        queues,
        state: state.id.to_string(),
        state_label: state.label.to_string(),
        context,
        top_frames: normalized(cx, &t.frames)
            .into_iter()
            .take(TOP_FRAMES)
            .collect(),
        evidence,
    }
}

/// Joins the groups of a state marked `merge` (idle workqueue threads whose
/// stacks differ only in which kernel trap they sit in) into its first group.
fn merge_groups(cx: &Context, groups: Vec<ThreadGroup>) -> Vec<ThreadGroup> {
    let mut out: Vec<ThreadGroup> = Vec::with_capacity(groups.len());
    for g in groups {
        let into = cx
            .thread_states
            .merges(&g.state)
            .then(|| out.iter_mut().find(|o| o.state == g.state))
            .flatten();
        match into {
            Some(o) => {
                o.threads.extend(g.threads);
                o.threads.sort_unstable();
                for n in g.names {
                    if !o.names.contains(&n) {
                        o.names.push(n);
                    }
                }
                for q in g.queues {
                    if !o.queues.contains(&q) {
                        o.queues.push(q);
                    }
                }
                o.evidence.extend(g.evidence);
            }
            None => out.push(g),
        }
    }
    out
}

/// The position of the frame that gives a thread its meaning (see module docs).
fn context_frame(cx: &Context, frames: &[Frame], matched: &[usize]) -> Option<usize> {
    let ts = cx.thread_states;
    let usable = |f: &Frame| {
        f.symbol
            .as_deref()
            .is_none_or(|s| !ts.ignored_for_context(s))
    };
    let owners: Vec<Owner> = frames.iter().map(|f| cx.frame_owner(f).owner).collect();
    let interesting = |o: Owner| {
        matches!(
            o,
            Owner::App | Owner::ThirdParty | Owner::MlFramework | Owner::GpuDriver
        )
    };
    if let Some(i) = frames
        .iter()
        .zip(&owners)
        .position(|(f, &o)| interesting(o) && usable(f))
    {
        return Some(i);
    }
    let after = matched.iter().max().map_or(0, |m| m + 1);
    let below = frames
        .iter()
        .zip(&owners)
        .enumerate()
        .skip(after)
        .find(|(_, (f, &o))| o != Owner::OsRuntime && usable(f))
        .map(|(i, _)| i);
    below.or_else(|| {
        matched
            .iter()
            .copied()
            .filter(|&i| frames.get(i).is_some_and(&usable))
            .max()
    })
}

/// `image!symbol` per frame, or `image+0xoffset` when unsymbolicated.
fn normalized(cx: &Context, frames: &[Frame]) -> Vec<String> {
    frames.iter().map(|f| display(cx, f)).collect()
}

fn display(cx: &Context, f: &Frame) -> String {
    let image = cx.frame_image_name(f);
    match f.symbol.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => format!("{image}!{s}"),
        None => match f.image_offset {
            Some(off) => format!("{image}+{off:#x}"),
            None => image,
        },
    }
}

/// The readable core of a symbol: no image prefix, return type, parameter list
/// or plain namespaces; a class name before a method is kept.
/// `libtorch_python.dylib!torch::autograd::THPVariable_mul(_object*, ...)` -> `THPVariable_mul`;
/// `at::mps::MPSStreamPool::synchronizeAllStreams()` -> `MPSStreamPool::synchronizeAllStreams`.
pub fn short_symbol(sym: &str) -> String {
    let s = match sym.split_once('!') {
        Some((img, rest)) if !img.contains(' ') && !img.contains('(') => rest,
        _ => sym,
    };
    let s = s.trim();
    if s.starts_with("-[") || s.starts_with("+[") || !s.contains("::") {
        // Objective-C and C names are short already; cut a C parameter list.
        let bracket = s.find('[');
        return match s.find('(') {
            Some(i) if i > 0 && bracket.is_none_or(|b| b > i) => {
                s.get(..i).unwrap_or(s).to_string()
            }
            _ => s.to_string(),
        };
    }
    let s = s
        .strip_prefix("invocation function for block in ")
        .unwrap_or(s);
    // Walk at template/paren depth 0: drop a leading return type and the parameter list.
    let mut depth = 0i32;
    let mut start = 0;
    let mut end = s.len();
    for (i, c) in s.char_indices() {
        match c {
            '<' | '[' => depth += 1,
            '>' | ']' => depth -= 1,
            '(' if depth == 0 => {
                let anon = s
                    .get(i..)
                    .is_some_and(|p| p.starts_with("(anonymous namespace)"));
                if anon || s.get(start..i).is_some_and(str::is_empty) {
                    depth += 1;
                    continue;
                }
                end = i;
                break;
            }
            '(' => depth += 1,
            ')' => depth -= 1,
            ' ' if depth == 0 => start = i + 1,
            _ => {}
        }
    }
    let core = s.get(start..end).unwrap_or(s);
    let parts: Vec<&str> = split_top(core);
    match parts.as_slice() {
        [.., class, method] if class.chars().next().is_some_and(|c| c.is_ascii_uppercase()) => {
            format!("{class}::{method}")
        }
        [.., last] => last.to_string(),
        [] => core.to_string(),
    }
}

/// Splits on `::` outside template brackets.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut last = 0;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes.get(i) {
            Some(b'<') | Some(b'(') => depth += 1,
            Some(b'>') | Some(b')') => depth -= 1,
            Some(b':') if depth == 0 && bytes.get(i + 1) == Some(&b':') => {
                if let Some(p) = s.get(last..i) {
                    out.push(p);
                }
                last = i + 2;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    if let Some(p) = s.get(last..) {
        out.push(p);
    }
    out.retain(|p| !p.is_empty());
    out
}

/// "Threads 5-10 (6, Thread-2 … Thread-7): waiting for the GIL inside THPVariable_mul".
fn group_words(g: &ThreadGroup) -> String {
    let n = g.threads.len();
    let who = if n == 1 {
        format!("Thread {}", g.threads.first().copied().unwrap_or_default())
    } else if is_contiguous(&g.threads) {
        format!(
            "Threads {} ({n})",
            range(g.threads.first().copied(), g.threads.last().copied())
        )
    } else {
        format!(
            "Threads {} ({n})",
            g.threads
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let mut s = format!("{who}: {}", g.state_label);
    if let Some(c) = &g.context {
        s.push_str(&format!(" in {c}"));
    }
    let mut tags = Vec::new();
    match g.names.as_slice() {
        [] => {}
        [one] => tags.push(format!("\"{one}\"")),
        [a, .., b] => tags.push(format!("\"{a}\" … \"{b}\"")),
    }
    for q in &g.queues {
        tags.push(format!("queue {q}"));
    }
    if !tags.is_empty() {
        s.push_str(&format!(" [{}]", tags.join(", ")));
    }
    s
}

fn is_contiguous(v: &[u32]) -> bool {
    v.windows(2)
        .all(|w| matches!(w, [a, b] if a.checked_add(1) == Some(*b)))
}
