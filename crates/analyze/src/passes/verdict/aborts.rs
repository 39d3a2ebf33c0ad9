//! The rule for intentional aborts: assertions, preconditions, uncaught
//! exceptions, runtime traps and explicit abort() calls, with the message when
//! the report has one.

use super::draft::Draft;
use super::facts::clip;
use super::inputs::{field_ev, frame_ev, In};
use regex::Regex;
use std::sync::OnceLock;

/// "'NSInvalidArgumentException', reason: '…'" out of an uncaught-exception line.
fn exception_name(text: &str) -> Option<(String, Option<String>)> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let re = RE
        .get_or_init(|| Regex::new(r"exception '([^']+)'(?:, reason: '(.*)')?").ok())
        .as_ref()?;
    let c = re.captures(text)?;
    let name = c.get(1)?.as_str().to_string();
    let reason = c
        .get(2)
        .map(|m| m.as_str().trim_end_matches('\'').to_string());
    Some((name, reason))
}

pub fn intentional_abort(x: &In) -> Option<Draft> {
    let f = x.f;
    let kb = x.kb;
    if f.is_killed() {
        return None;
    }
    let sym = &kb.symbols;
    let top = || f.frames.iter().take(16);
    let abort_frames: Vec<_> = top().filter(|fr| sym.abort.is_match(&fr.symbol)).collect();
    let assert_frame = top().find(|fr| sym.assertion.is_match(&fr.symbol));
    let throw_frame = top().find(|fr| sym.exception.is_match(&fr.symbol));
    let uncaught = f.text_matching(&kb.text.uncaught);
    let assert_text = f
        .text_matching(&kb.text.assertion)
        .or_else(|| f.texts.iter().find(|t| t.text.contains("BUG IN CLIENT OF")));
    let abort_called = f.texts.iter().find(|t| t.text.contains("abort() called"));
    let sigabrt = f.is_abort();
    let trap = f.is_trap();
    let ill = f.is_illegal();
    let checked = assert_frame.is_some()
        || assert_text.is_some()
        || throw_frame.is_some()
        || uncaught.is_some();
    let raised = f.is_self_raised() && !sigabrt;
    let cxx_runtime = top().take(8).find(|fr| fr.image.starts_with("libc++abi"));
    if !(sigabrt || trap || raised || (ill && checked) || !abort_frames.is_empty()) {
        return None;
    }

    let mut d = Draft::new("intentional_abort", kb, x.metal);
    if sigabrt {
        let name = f.signal.clone().or(f.exc_type.clone()).unwrap_or_default();
        d.add_for(
            3,
            "sigabrt",
            "the process aborted",
            format!("{name}: the process asked to be stopped (abort, a failed check, or an uncaught exception)."),
            vec![field_ev("exception", name.clone())],
        );
    }
    if raised {
        d.add_for(
            3,
            "raised",
            "signal raised by the process",
            format!(
                "EXC_CRASH ({}): the process sent the signal to itself (raise, pthread_kill); it did not come from a fault.",
                f.signal.clone().unwrap_or_default()
            ),
            vec![field_ev("exception.type", f.exc_type.clone().unwrap_or_default())],
        );
    }
    if let Some(fr) = cxx_runtime.filter(|_| throw_frame.is_none()) {
        d.add_for(2, "cxx_runtime", "C++ runtime on the stack", format!("Frame {} is in {}: the C++ runtime ended the process, typically for an uncaught C++ exception.", fr.index, fr.image), vec![frame_ev(f, fr)]);
    }
    if trap {
        d.add_for(3, "trap", "trap instruction", "EXC_BREAKPOINT (SIGTRAP): a trap instruction ran; Swift runtime checks and libdispatch/libmalloc client checks stop this way.", vec![field_ev("exception.type", f.exc_type.clone().unwrap_or_default())]);
    }
    if ill && checked {
        d.add_for(2, "ud2", "trap as SIGILL", "On x86 a deliberate trap (ud2) is reported as an illegal instruction; here it sits under a check.", vec![field_ev("exception.type", f.exc_type.clone().unwrap_or_default())]);
    }
    if !abort_frames.is_empty() {
        let names: Vec<String> = abort_frames
            .iter()
            .map(|fr| format!("`{}`", fr.symbol))
            .collect();
        d.add_for(
            2,
            "abort_frames",
            "abort machinery on the stack",
            format!(
                "The crashed thread is in the abort machinery: {}.",
                names.join(" ← ")
            ),
            abort_frames.iter().map(|fr| frame_ev(f, fr)).collect(),
        );
    }
    if let Some(fr) = assert_frame {
        d.add_for(
            3,
            "assertion_frame",
            "assertion frame",
            format!(
                "Frame {} is {}: a check failed on purpose.",
                fr.index,
                fr.describe()
            ),
            vec![frame_ev(f, fr)],
        );
    }
    if let Some(fr) = throw_frame {
        d.add_for(
            3,
            "throw_frame",
            "exception thrown",
            format!(
                "Frame {} is {}: a language exception was thrown and not caught.",
                fr.index,
                fr.describe()
            ),
            vec![frame_ev(f, fr)],
        );
    } else if f.has_last_exception_backtrace {
        d.add_for(
            3,
            "last_exception",
            "Last Exception Backtrace",
            "The report has a Last Exception Backtrace: an exception was thrown and not caught.",
            vec![field_ev("last_exception_backtrace", "present")],
        );
    }
    let message = uncaught.or(assert_text).or(abort_called);
    if let Some(t) = message {
        let w = if abort_called.is_some() && uncaught.is_none() && assert_text.is_none() {
            1
        } else {
            3
        };
        d.add_for(
            w,
            "message",
            "the report's message",
            format!("The report says: \"{}\".", clip(&t.text, 300)),
            vec![field_ev(&t.field, clip(&t.text, 160))],
        );
    }
    for m in x.issues_supporting("intentional_abort") {
        d.add_for(
            2,
            "known_issue",
            "known issue",
            format!("Known issue: {}.", m.title),
            vec![field_ev("known_issues", m.id.clone())],
        );
    }
    if let Some(fr) = x.first_user_frame(12) {
        if !abort_frames.is_empty() || assert_frame.is_some() || throw_frame.is_some() {
            d.add_for(
                1,
                "user_frame",
                "called from the app",
                format!(
                    "The first app or third-party frame on the way there is frame {}, {}.",
                    fr.index,
                    fr.describe()
                ),
                vec![frame_ev(f, fr)],
            );
        }
    }

    // The OS enforcing a policy is not the app's own check.
    let enforced = [
        ("privacy", "TCC"),
        ("watchdog", ""),
        ("resource", ""),
        ("thermal", ""),
        ("security", "CODESIGNING"),
        ("file_lock", ""),
    ]
    .iter()
    .find(|(cat, ns)| {
        f.term_category.as_deref() == Some(*cat)
            || (!ns.is_empty() && f.term_namespace.as_deref() == Some(*ns))
    });
    if let Some((cat, _)) = enforced {
        d.add_against(
            8,
            "os_enforced",
            "the OS enforced a policy",
            format!("The abort was the system enforcing a {cat} policy ({}), not a check in the app's own code.", f.term_namespace.clone().unwrap_or_default()),
            vec![field_ev("termination.namespace", f.term_namespace.clone().unwrap_or_default())],
        );
    }

    d.title = title(
        x,
        uncaught.map(|t| t.text.as_str()),
        assert_frame.is_some() || assert_text.is_some(),
        throw_frame.is_some() || f.has_last_exception_backtrace,
        trap,
        raised,
    );
    Some(d)
}

fn title(
    x: &In,
    uncaught: Option<&str>,
    assertion: bool,
    thrown: bool,
    trap: bool,
    raised: bool,
) -> String {
    if let Some((name, reason)) = uncaught.and_then(exception_name) {
        return match reason {
            Some(r) => format!(
                "Intentional abort: uncaught exception {name} ({})",
                clip(&r, 120)
            ),
            None => format!("Intentional abort: uncaught exception {name}"),
        };
    }
    if uncaught.is_some() || thrown {
        return "Intentional abort: uncaught exception".into();
    }
    if assertion {
        return "Intentional abort: an assertion or precondition failed".into();
    }
    if trap {
        return "Intentional abort: a runtime check trapped".into();
    }
    let named = |fr: &&super::facts::FrameFact| {
        !fr.symbol.starts_with(&fr.image) && !fr.symbol.starts_with("???")
    };
    let from = x.first_user_frame(12).or(x.f.blamed_frame().filter(named));
    if raised {
        let sig = x.f.signal.clone().unwrap_or_default();
        return match from {
            Some(fr) => format!(
                "Intentional abort: {sig} raised by the process itself, from {}",
                fr.describe()
            ),
            None => format!("Intentional abort: {sig} raised by the process itself"),
        };
    }
    match from {
        Some(fr) => format!("Intentional abort: abort() called from {}", fr.describe()),
        None => "Intentional abort: abort() called".into(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_exception_names() {
        let (n, r) = super::exception_name(
            "*** Terminating app due to uncaught exception 'NSInvalidArgumentException', reason: '-[__NSArrayI objectForKey:]: unrecognized selector sent to instance 0x1e59bc50'",
        )
        .unwrap();
        assert_eq!(n, "NSInvalidArgumentException");
        assert!(r.unwrap().starts_with("-[__NSArrayI objectForKey:]"));
    }
}
