//! Concurrency evidence (`a.concurrency`): what other threads were doing that
//! bears on a race. Every finding names its threads:
//! - other threads inside the same library or API family as the crashed frame or
//!   its caller, split into those running there and those merely having it on
//!   the stack (waiting for the GIL, idle);
//! - a thread synchronizing the device, an active submission thread;
//! - the crashed thread's dispatch queue and who else was on it;
//! - allocator activity on other threads when the fault looks like a use-after-free.
//!
//! Thread states come from the threads pass (`a.thread_groups`); families from
//! `knowledge/hypotheses.toml`.

use crate::passes::verdict::facts::{
    group_of, image_of, symbol_of, threads_words, Facts, FrameFact,
};
use crate::passes::verdict::kb::{self, Kb};
use crate::Context;
use crashlens_knowledge::hypotheses::ThreadStates;
use crashlens_model::{Analysis, CrashReport, Evidence, Finding, Owner, ThreadGroup};

/// Finding ids, for the verdict to read.
pub const SAME_API_ACTIVE: &str = "concurrency.same_api_active";
pub const SAME_LIBRARY_ACTIVE: &str = "concurrency.same_library_active";
pub const ON_STACK_NOT_RUNNING: &str = "concurrency.on_stack_not_running";
pub const ALONE: &str = "concurrency.alone";
pub const DEVICE_SYNCHRONIZE: &str = "concurrency.device_synchronize";
pub const GPU_SUBMISSION: &str = "concurrency.gpu_submission";
pub const QUEUE_SHARED: &str = "concurrency.crashed_queue_shared";
pub const QUEUE_ALONE: &str = "concurrency.crashed_queue";
pub const MALLOC_ACTIVITY: &str = "concurrency.malloc_activity";
pub const TEARDOWN: &str = "concurrency.teardown";

/// Ids of findings that count for a race.
pub const FOR_RACE: &[&str] = &[
    SAME_API_ACTIVE,
    SAME_LIBRARY_ACTIVE,
    DEVICE_SYNCHRONIZE,
    GPU_SUBMISSION,
    TEARDOWN,
    QUEUE_SHARED,
];

pub fn run(cx: &Context, a: &mut Analysis) {
    let Ok(kb) = kb::load() else { return };
    let facts = Facts::gather(cx.report, a);
    let found = evidence(cx.report, a, &facts, kb);
    a.concurrency.extend(found);
}

/// A thread with a frame in a family.
struct Hit {
    thread: u32,
    frame: u32,
    symbol: String,
    state: Option<String>,
    state_label: Option<String>,
}

fn evidence(r: &CrashReport, a: &Analysis, f: &Facts, kb: &Kb) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(crashed) = f.crashed_no else {
        return out;
    };
    // A process killed from outside (watchdog, jetsam, policy) did not fault in
    // the code on its stacks: there is no crash for other threads to race with.
    if f.is_killed() {
        return out;
    }
    let others: Vec<_> = r.threads.iter().filter(|t| t.number != crashed).collect();
    let states = &kb.table.threads;
    let is_passive = |s: &Option<String>| {
        s.as_ref()
            .is_some_and(|s| states.passive_states.contains(s))
    };

    // Families of the blamed frame and of its caller; the OS runtime (libsystem,
    // libdispatch) and the app's own binary are on every thread and say nothing.
    let useful = |x: &FrameFact| {
        !matches!(x.owner, Owner::OsRuntime | Owner::App) && !x.image.is_empty() && x.image != "???"
    };
    let mut families: Vec<(String, &'static str)> = Vec::new();
    let pos = f.blamed_pos();
    if let Some(b) = f.frames.get(pos).filter(|x| useful(x)) {
        families.push((kb.family_of(&b.image), "the crashed frame's"));
    }
    if let Some(c) = f.caller_of(pos).filter(|x| useful(x)) {
        let fam = kb.family_of(&c.image);
        if !families.iter().any(|(x, _)| *x == fam) {
            families.push((fam, "its caller's"));
        }
    }

    let mut active_any = false;
    let mut passive: Vec<(Hit, String)> = Vec::new();
    for (i, (fam, whose)) in families.iter().enumerate() {
        let mut hits = Vec::new();
        for t in &others {
            let hit = t
                .frames
                .iter()
                .find(|fr| kb.family_of(image_of(r, fr)) == *fam);
            if let Some(fr) = hit {
                let g = group_of(a, t.number);
                hits.push(Hit {
                    thread: t.number,
                    frame: fr.index,
                    symbol: symbol_of(fr).to_string(),
                    state: g.map(|g| g.state.clone()),
                    state_label: g.map(|g| g.state_label.clone()),
                });
            }
        }
        let (idle, running): (Vec<Hit>, Vec<Hit>) =
            hits.into_iter().partition(|h| is_passive(&h.state));
        for h in idle {
            if !passive.iter().any(|(p, _)| p.thread == h.thread) {
                passive.push((h, fam.clone()));
            }
        }
        if running.is_empty() {
            continue;
        }
        active_any = true;
        let threads: Vec<u32> = running.iter().map(|h| h.thread).collect();
        let places: Vec<String> = running
            .iter()
            .map(|h| {
                let state = match (&h.state_label, &h.state) {
                    (Some(l), _) if !l.is_empty() => format!(", {l}"),
                    (_, None) => ", state not classified".to_string(),
                    _ => String::new(),
                };
                format!("thread {} in `{}`{state}", h.thread, h.symbol)
            })
            .collect();
        let verb = if threads.len() == 1 { "was" } else { "were" };
        // A thread blocked there (waiting for the device, on a lock) is inside the
        // code but not running it: the title says who was doing what.
        let any_waiting = running.iter().any(|h| waiting_role(h, states).is_some());
        let title = if any_waiting {
            let roles: Vec<String> = running
                .iter()
                .map(|h| {
                    let role = waiting_role(h, states).unwrap_or_else(|| {
                        if h.state
                            .as_ref()
                            .is_some_and(|s| states.submit_states.contains(s))
                        {
                            "submitting"
                        } else {
                            "running"
                        }
                    });
                    format!("{} {role}", h.thread)
                })
                .collect();
            format!(
                "{} inside {fam} ({})",
                threads_words(&threads),
                roles.join(", ")
            )
        } else {
            format!("{} active in {fam}", threads_words(&threads))
        };
        let id = if i == 0 {
            SAME_API_ACTIVE
        } else {
            SAME_LIBRARY_ACTIVE
        };
        let mut finding = Finding::new(
            id,
            title,
            format!(
                "{} {verb} inside {fam} ({whose} library or API) when thread {crashed} crashed: {}.",
                capitalize(&threads_words(&threads)),
                places.join("; ")
            ),
        )
        .threads(threads.iter().copied());
        for h in &running {
            finding = finding.with(frame_evidence(h));
        }
        out.push(finding);
    }

    // Threads that merely had the code on their stacks matter as a counterweight
    // to threads that were running it; alone, the "alone" finding says enough.
    if !passive.is_empty() && active_any {
        let threads: Vec<u32> = passive.iter().map(|(h, _)| h.thread).collect();
        let mut labels: Vec<String> = passive
            .iter()
            .filter_map(|(h, _)| h.state_label.clone())
            .collect();
        labels.dedup();
        let mut fams: Vec<String> = passive.iter().map(|(_, fam)| fam.clone()).collect();
        fams.sort();
        fams.dedup();
        let mut symbols: Vec<String> = passive
            .iter()
            .map(|(h, _)| format!("`{}`", h.symbol))
            .collect();
        symbols.sort();
        symbols.dedup();
        symbols.truncate(3);
        let plural = threads.len() > 1;
        let doing = if labels.is_empty() {
            "idle".to_string()
        } else {
            labels.join(" or ")
        };
        let mut finding = Finding::new(
            ON_STACK_NOT_RUNNING,
            format!(
                "{} had {} on the stack but {} {doing}",
                threads_words(&threads),
                fams.join(" and "),
                if plural { "were" } else { "was" },
            ),
            format!(
                "{} had {} on {} ({}) but {} {doing}: not running that code when thread {crashed} crashed. \
                 Count what was running, not what was on the stack.",
                capitalize(&threads_words(&threads)),
                fams.join(" and "),
                if plural { "their stacks" } else { "its stack" },
                symbols.join(", "),
                if plural { "were" } else { "was" },
            ),
        )
        .threads(threads.iter().copied());
        for (h, _) in &passive {
            finding = finding.with(frame_evidence(h));
        }
        out.push(finding);
    }

    if !active_any && !others.is_empty() && !families.is_empty() {
        let fams: Vec<&str> = families.iter().map(|(x, _)| x.as_str()).collect();
        out.push(
            Finding::new(
                ALONE,
                "no other thread in the same code",
                format!(
                    "No other thread was running in {} when thread {crashed} crashed.",
                    fams.join(" or ")
                ),
            )
            .threads([crashed]),
        );
    }

    let crash_place = f
        .frame0()
        .map(|x| format!(" in `{}`", x.symbol))
        .unwrap_or_default();
    for g in groups_in(a, &states.sync_states, crashed) {
        let threads = g
            .threads
            .iter()
            .copied()
            .filter(|t| *t != crashed)
            .collect::<Vec<_>>();
        out.push(
            Finding::new(
                DEVICE_SYNCHRONIZE,
                format!("{} synchronizing the device", threads_words(&threads)),
                format!(
                    "{} {} {}{} while thread {crashed} was running{crash_place}.",
                    capitalize(&threads_words(&threads)),
                    if threads.len() == 1 { "was" } else { "were" },
                    lower_first(&g.state_label),
                    context_words(g),
                ),
            )
            .threads(threads.iter().copied())
            .with(group_evidence(g)),
        );
    }
    for g in groups_in(a, &states.submit_states, crashed) {
        let threads = g
            .threads
            .iter()
            .copied()
            .filter(|t| *t != crashed)
            .collect::<Vec<_>>();
        let queue = g
            .queues
            .first()
            .map(|q| format!(" (queue `{q}`)"))
            .unwrap_or_default();
        out.push(
            Finding::new(
                GPU_SUBMISSION,
                format!("{} submitting GPU work", threads_words(&threads)),
                format!(
                    "{}{queue} {} {}{} at the same moment.",
                    capitalize(&threads_words(&threads)),
                    if threads.len() == 1 { "was" } else { "were" },
                    lower_first(&g.state_label),
                    context_words(g),
                ),
            )
            .threads(threads.iter().copied())
            .with(group_evidence(g)),
        );
    }

    let concurrent_queue = |q: &str| {
        states
            .concurrent_queue_prefixes
            .iter()
            .any(|p| q.starts_with(p.as_str()))
    };
    if let Some(q) = f.crashed_queue.as_ref().filter(|q| !concurrent_queue(q)) {
        let same: Vec<u32> = others
            .iter()
            .filter(|t| t.queue.as_deref() == Some(q.as_str()))
            .map(|t| t.number)
            .collect();
        let ev = Evidence::field("threads.queue")
            .thread(crashed)
            .value(q.clone());
        if same.is_empty() {
            out.push(
                Finding::new(
                    QUEUE_ALONE,
                    format!("thread {crashed} alone on queue {q}"),
                    format!(
                        "Thread {crashed} ran on dispatch queue `{q}`; no other thread was on it, so the queue \
                         serialized thread {crashed} only against work submitted to that same queue."
                    ),
                )
                .threads([crashed])
                .with(ev),
            );
        } else {
            out.push(
                Finding::new(
                    QUEUE_SHARED,
                    format!("queue {q} shared"),
                    format!(
                        "{} {} on the crashed thread's queue `{q}` too.",
                        capitalize(&threads_words(&same)),
                        if same.len() == 1 { "was" } else { "were" }
                    ),
                )
                .threads(std::iter::once(crashed).chain(same.iter().copied()))
                .with(ev),
            );
        }
    }

    // Teardown on other threads: exit() running static destructors, or a device,
    // queue or stream being destroyed, while the crashed thread still works.
    let (down, down_ev) = threads_in(&others, usize::MAX, &kb.symbols.teardown);
    let down_syms: Vec<String> = down_ev
        .iter()
        .filter_map(|e| Some(format!("thread {} in `{}`", e.thread?, e.value.as_deref()?)))
        .collect();
    if !down.is_empty() {
        let mut finding = Finding::new(
            TEARDOWN,
            format!("{} tearing down", threads_words(&down)),
            format!(
                "{} tearing down while thread {crashed} still ran: {}. Objects destroyed there (static objects in exit(), a device, queue or stream) may be the ones thread {crashed} was using.",
                capitalize(&threads_words(&down)) + if down.len() == 1 { " was" } else { " were" },
                down_syms.join("; ")
            ),
        )
        .threads(down.iter().copied());
        finding.evidence = down_ev;
        out.push(finding);
    }

    if looks_like_use_after_free(f, kb) {
        let (busy, ev) = threads_in(&others, 6, &kb.symbols.malloc);
        if !busy.is_empty() {
            let mut finding = Finding::new(
                MALLOC_ACTIVITY,
                format!("allocator busy on {}", threads_words(&busy)),
                format!(
                    "The fault looks like a use of freed or corrupted memory, and {} {} inside the allocator at the crash.",
                    threads_words(&busy),
                    if busy.len() == 1 { "was" } else { "were" }
                ),
            )
            .threads(busy.iter().copied());
            finding.evidence = ev;
            out.push(finding);
        }
    }
    out
}

/// The threads with a frame among their top `depth` whose symbol matches
/// `symbols`, and for each the first such frame as evidence.
fn threads_in(
    threads: &[&crashlens_model::Thread],
    depth: usize,
    symbols: &regex::RegexSet,
) -> (Vec<u32>, Vec<Evidence>) {
    threads
        .iter()
        .filter_map(|t| {
            let fr = t
                .frames
                .iter()
                .take(depth)
                .find(|fr| symbols.is_match(symbol_of(fr)))?;
            Some((
                t.number,
                Evidence::field("threads.frames")
                    .thread(t.number)
                    .frame(fr.index)
                    .value(symbol_of(fr).to_string()),
            ))
        })
        .unzip()
}

/// How a thread blocked inside the code was waiting, or None when it was not.
fn waiting_role(h: &Hit, states: &ThreadStates) -> Option<&'static str> {
    let s = h.state.as_ref()?;
    if states.sync_states.contains(s) {
        Some("waiting for completion")
    } else if states.lock_states.contains(s) {
        Some("waiting")
    } else {
        None
    }
}

/// Whether the fault has the marks of freed or overwritten memory.
pub fn looks_like_use_after_free(f: &Facts, kb: &Kb) -> bool {
    const KINDS: &[&str] = &[
        "pointer_auth",
        "wild",
        "poison_pattern",
        "non_canonical",
        "pc_is_fault_address",
    ];
    if f.fault_kinds.iter().any(|k| KINDS.contains(&k.as_str())) {
        return true;
    }
    let top_msg = f
        .frame0()
        .is_some_and(|x| kb.symbols.objc_message.is_match(&x.symbol));
    let malloc_err = f
        .frames
        .iter()
        .take(10)
        .any(|x| kb.symbols.malloc_error.is_match(&x.symbol));
    (top_msg && f.is_fault_signal()) || malloc_err
}

fn groups_in<'a>(
    a: &'a Analysis,
    states: &'a [String],
    crashed: u32,
) -> impl Iterator<Item = &'a ThreadGroup> {
    a.thread_groups
        .iter()
        .filter(move |g| states.contains(&g.state) && g.threads.iter().any(|t| *t != crashed))
}

fn context_words(g: &ThreadGroup) -> String {
    if let Some(c) = g.context.as_deref().filter(|c| !c.is_empty()) {
        return format!(", in `{c}`,");
    }
    if g.top_frames.is_empty() {
        return String::new();
    }
    let frames: Vec<String> = g
        .top_frames
        .iter()
        .take(3)
        .map(|x| format!("`{x}`"))
        .collect();
    format!(", in {},", frames.join(" ← "))
}

fn group_evidence(g: &ThreadGroup) -> Evidence {
    let mut e = Evidence::field("thread_groups.state").value(g.state.clone());
    if let Some(t) = g.threads.first() {
        e = e.thread(*t);
    }
    e
}

fn frame_evidence(h: &Hit) -> Evidence {
    Evidence::field("threads.frames")
        .thread(h.thread)
        .frame(h.frame)
        .value(h.symbol.clone())
}

pub(crate) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}
