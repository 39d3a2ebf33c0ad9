//! Rules for terminations the system imposed: watchdog, deadlock, resource and
//! thermal kills, privacy (TCC), security and guard violations.

use super::draft::Draft;
use super::facts::clip;
use super::inputs::{field_ev, frame_ev, In};
use crashlens_model::{hex, Evidence};

fn term_ev(x: &In) -> Vec<Evidence> {
    let f = x.f;
    let value = match (&f.term_namespace, f.term_code) {
        (Some(ns), Some(c)) => format!("{ns} {}", hex::short(c)),
        (Some(ns), None) => ns.clone(),
        (None, Some(c)) => hex::short(c),
        (None, None) => return vec![],
    };
    vec![field_ev("termination", value)]
}

fn term_words(x: &In) -> String {
    let f = x.f;
    let mut s = match (&f.term_namespace, f.term_code_hex()) {
        (Some(ns), Some(c)) => format!("termination {ns} {c}"),
        (None, Some(c)) => format!("code {c}"),
        (Some(ns), None) => format!("termination namespace {ns}"),
        (None, None) => "the termination".to_string(),
    };
    if let Some(m) = &f.term_meaning {
        s.push_str(&format!(" ({m})"));
    }
    s
}

/// What the main thread was doing, as a "for" note.
fn main_thread_note(x: &In, d: &mut Draft) {
    if !x.crashed_is_main() {
        return;
    }
    if let Some(fr) = x.first_named_frame() {
        d.add_for(
            0,
            "main_thread",
            "main thread's work",
            format!(
                "The main thread ({}) was in {} when it was stopped.",
                x.f.crashed_words(),
                fr.describe()
            ),
            vec![frame_ev(x.f, fr)],
        );
    }
}

/// A kill whose exception fields read like a crash.
fn kill_note(x: &In, d: &mut Draft) {
    let f = x.f;
    if f.is_killed()
        && f.exc_type
            .as_deref()
            .is_some_and(|t| t.contains("EXC_BAD_ACCESS"))
    {
        d.add_for(
            0,
            "killed_not_crashed",
            "SIGKILL, not a fault",
            "The exception type reads EXC_BAD_ACCESS but the signal is SIGKILL: the process was killed; the \
             address in the exception fields does not describe a fault in its code.",
            vec![field_ev("exception.signal", "SIGKILL")],
        );
    }
}

pub fn watchdog(x: &In) -> Option<Draft> {
    let f = x.f;
    let mut d = Draft::new("watchdog", x.kb, x.metal);
    if x.term_is("watchdog", &[], &x.kb.table.codes.watchdog) {
        d.add_for(
            10,
            "code",
            "watchdog termination",
            format!("The report's {}.", term_words(x)),
            term_ev(x),
        );
    }
    if let Some(t) = f.text_matching(&x.kb.text.watchdog) {
        d.add_for(
            4,
            "text",
            "watchdog message",
            format!("The report says: \"{}\".", clip(&t.text, 240)),
            vec![field_ev(&t.field, clip(&t.text, 120))],
        );
    }
    if d.score <= 0 {
        return None;
    }
    main_thread_note(x, &mut d);
    kill_note(x, &mut d);
    Some(d)
}

pub fn deadlock(x: &In) -> Option<Draft> {
    let f = x.f;
    let kb = x.kb;
    let mut d = Draft::new("deadlock", kb, x.metal);
    let text = f.text_matching(&kb.text.deadlock);
    if let Some(t) = text {
        d.add_for(
            8,
            "text",
            "deadlock message",
            format!("The report says: \"{}\".", clip(&t.text, 200)),
            vec![field_ev(&t.field, clip(&t.text, 120))],
        );
    }
    let watchdog = x.term_is("watchdog", &[], &kb.table.codes.watchdog)
        || f.text_matching(&kb.text.watchdog).is_some();
    if text.is_none() && !watchdog {
        return None;
    }
    let main = x.main_thread()?;
    let lock = main.frames.iter().take(6).find(|fr| {
        kb.symbols
            .lock_wait
            .is_match(fr.symbol.as_deref().unwrap_or(""))
    });
    match lock {
        Some(fr) => {
            let sym = fr.symbol.clone().unwrap_or_default();
            d.add_for(
                if watchdog { 5 } else { 3 },
                "main_waits_on_lock",
                "main thread waiting on a lock",
                format!(
                    "The main thread (thread {}) was blocked in `{sym}` (frame {}).",
                    main.number, fr.index
                ),
                vec![Evidence::field("threads.frames")
                    .thread(main.number)
                    .frame(fr.index)
                    .value(sym)],
            );
        }
        None if text.is_none() => return None,
        None => d.add_against(
            1,
            "main_not_on_lock",
            "main thread not on a lock",
            format!(
                "The main thread (thread {}) was not waiting on a lock in its top frames.",
                main.number
            ),
            vec![],
        ),
    }
    let lock_states = &kb.table.threads.lock_states;
    let waiters: Vec<u32> =
        x.a.thread_groups
            .iter()
            .filter(|g| lock_states.contains(&g.state))
            .flat_map(|g| g.threads.iter().copied())
            .filter(|t| *t != main.number)
            .collect();
    if !waiters.is_empty() {
        d.add_for(
            1,
            "other_waiters",
            "other threads on locks",
            format!(
                "{} also waiting on a lock.",
                super::super::concurrency::capitalize(&super::facts::threads_words(&waiters))
            ),
            vec![],
        );
        d.with_threads(&waiters, false);
    }
    Some(d)
}

pub fn resource_kill(x: &In) -> Option<Draft> {
    let f = x.f;
    let kb = x.kb;
    let codes = &kb.table.codes;
    let mut d = Draft::new("resource_kill", kb, x.metal);
    if x.term_is("file_lock", &[], &codes.file_lock) {
        d.title =
            "Killed by the system for holding a file or database lock while suspended (0xdead10cc)"
                .into();
        d.add_for(
            10,
            "file_lock",
            "0xdead10cc",
            format!(
                "The report's {}: the app kept a file lock (often SQLite) as it was suspended.",
                term_words(x)
            ),
            term_ev(x),
        );
        d.experiments.insert(0, "Wrap database and file-lock work in a background task and finish it before suspension; check the stacks for SQLite or file-coordination calls".into());
    }
    if x.term_is("thermal", &[], &codes.thermal) {
        d.title = "Killed by the system because the device was too hot (0xc00010ff)".into();
        let code = f.codes.iter().find(|c| codes.thermal.contains(c)).copied();
        d.add_for(
            10,
            "thermal",
            "thermal kill",
            format!(
                "Code {} is the thermal kill: the system ended the process to cool the device.",
                code.map(hex::short).unwrap_or_else(|| "0xc00010ff".into())
            ),
            vec![field_ev(
                "exception.codes",
                code.map(hex::short).unwrap_or_default(),
            )],
        );
        d.experiments.insert(0, "Measure the app's CPU and GPU load (Instruments Energy Log) in the same conditions; the report shows what the app was doing, not why the device was hot".into());
    } else if let Some(t) = f.text_matching(&kb.text.thermal) {
        d.add_for(
            2,
            "thermal_text",
            "thermal state",
            format!("The report says: \"{}\".", clip(&t.text, 160)),
            vec![field_ev(&t.field, clip(&t.text, 80))],
        );
    }
    if f.exc_type
        .as_deref()
        .is_some_and(|t| t.contains("EXC_RESOURCE"))
        || f.term_category.as_deref() == Some("resource")
    {
        let sub = f.subtype.clone().unwrap_or_default();
        d.title = format!(
            "Resource limit exceeded (EXC_RESOURCE{})",
            if sub.is_empty() {
                String::new()
            } else {
                format!(" {}", clip(&sub, 40))
            }
        );
        d.add_for(
            8,
            "exc_resource",
            "EXC_RESOURCE",
            "The process crossed a resource limit (CPU, wakeups, memory or I/O).",
            vec![field_ev("exception.type", "EXC_RESOURCE")],
        );
    }
    if let Some(t) = f.text_matching(&kb.text.jetsam) {
        d.title = "Killed by the system for memory (jetsam)".into();
        d.add_for(
            8,
            "jetsam",
            "jetsam",
            format!("The report says: \"{}\".", clip(&t.text, 160)),
            vec![field_ev(&t.field, clip(&t.text, 80))],
        );
    }
    if d.score <= 0 {
        return None;
    }
    if f.is_killed() {
        d.add_for(1, "sigkill", "SIGKILL", "The signal is SIGKILL: the process was killed from outside, not stopped by a fault of its own.", vec![field_ev("exception.signal", "SIGKILL")]);
    }
    Some(d)
}

pub fn privacy(x: &In) -> Option<Draft> {
    let f = x.f;
    let mut d = Draft::new("privacy_violation", x.kb, x.metal);
    if x.term_is("privacy", &["TCC"], &[]) {
        d.add_for(
            10,
            "tcc",
            "terminated by TCC",
            format!(
                "The report's {}: the privacy subsystem ended the process.",
                term_words(x)
            ),
            term_ev(x),
        );
    }
    if let Some(fr) = f.frames.iter().find(|x| {
        x.symbol
            .contains("__TCC_CRASHING_DUE_TO_PRIVACY_VIOLATION__")
    }) {
        d.add_for(
            6,
            "tcc_frame",
            "TCC's crash frame",
            format!(
                "Frame {} is {}: TCC aborted the process on purpose.",
                fr.index,
                fr.describe()
            ),
            vec![frame_ev(f, fr)],
        );
    }
    if d.score <= 0 {
        return None;
    }
    if let Some(t) = f
        .texts
        .iter()
        .find(|t| t.text.contains("UsageDescription") || t.text.to_lowercase().contains("privacy"))
    {
        d.add_for(
            2,
            "message",
            "privacy message",
            format!("The report says: \"{}\".", clip(&t.text, 240)),
            vec![field_ev(&t.field, clip(&t.text, 120))],
        );
    }
    Some(d)
}

pub fn security(x: &In) -> Option<Draft> {
    let f = x.f;
    let mut d = Draft::new("security", x.kb, x.metal);
    if x.term_is("security", &["CODESIGNING"], &x.kb.table.codes.security) {
        d.add_for(
            10,
            "termination",
            "security termination",
            format!("The report's {}.", term_words(x)),
            term_ev(x),
        );
    }
    let subtype_hit = f
        .subtype
        .as_deref()
        .filter(|s| x.kb.text.security.is_match(s));
    let meaning_hit = f
        .subtype_meaning
        .as_deref()
        .filter(|s| x.kb.text.security.is_match(s));
    if let Some(s) = subtype_hit.or(meaning_hit) {
        let sub = f.subtype.clone().unwrap_or_default();
        d.add_for(
            6,
            "subtype",
            "code-signing fault",
            format!(
                "The exception subtype {} means: {}.",
                clip(&sub, 80),
                clip(s, 200)
            ),
            vec![field_ev("exception.subtype", clip(&sub, 80))],
        );
    } else if let Some(t) = f.core_text_matching(&x.kb.text.security) {
        d.add_for(
            4,
            "text",
            "security message",
            format!("The report says: \"{}\".", clip(&t.text, 200)),
            vec![field_ev(&t.field, clip(&t.text, 80))],
        );
    }
    (d.score > 0).then_some(d)
}

pub fn guard(x: &In) -> Option<Draft> {
    let f = x.f;
    let mut d = Draft::new("guard_violation", x.kb, x.metal);
    let exc_guard = f
        .exc_type
        .as_deref()
        .is_some_and(|t| t.contains("EXC_GUARD"));
    if exc_guard || x.term_is("guard", &["GUARD"], &[]) {
        d.add_for(
            10,
            "guard",
            "EXC_GUARD",
            "The kernel stopped the process for misusing a guarded resource.",
            vec![field_ev(
                "exception.type",
                f.exc_type.clone().unwrap_or_default(),
            )],
        );
        if let Some(t) = f.texts.iter().find(|t| t.field == "exception.message") {
            d.add_for(
                1,
                "message",
                "guard message",
                format!("The kernel's message: \"{}\".", clip(&t.text, 240)),
                vec![field_ev(&t.field, clip(&t.text, 120))],
            );
        }
    }
    (d.score > 0).then_some(d)
}
