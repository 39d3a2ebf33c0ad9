//! The exception pass: the exception type, signal, subtype and codes in words (Mach types,
//! numeric types such as "00000020" and "0 (0)", bare signals from third-party reporters,
//! subtypes named or derived from codes[0], what codes[1] holds: the trapping pc of a
//! breakpoint, the instruction word of an arm64 undefined instruction), plus guard and resource
//! details. Fills `a.exception`.

use crate::passes::fault::{arch_name, arch_of, crashed_state, subtype_address};
use crate::Context;
use crashlens_knowledge::codes::{self, Codes};
use crashlens_model::{hex, Analysis, Evidence, ExceptionExplained, Finding};

fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or("")
}

/// "SIGSEGV (11): segmentation fault (...)".
fn signal_words(codes: &Codes, name: &str) -> Option<String> {
    let s = codes.signal(name)?;
    Some(format!("{} ({}): {}", s.name, s.number, s.meaning))
}

/// The subtype's name and meaning: by name, or Apple's UNKNOWN_0x.. form, or derived from
/// codes[0].
/// A subtype written in the pointer-authentication form ("at A -> B (possible pointer
/// authentication failure)") takes the subtype's `pac_meaning` when it has one.
fn subtype_meaning(codes: &Codes, kind: &str, arch: &str, written: &str) -> Option<String> {
    let name = first_word(written);
    if let Some(s) = codes.subtype(name) {
        let pac = matches!(subtype_address(written), Some((_, Some(_))));
        if let Some(m) = s.pac_meaning.as_ref().filter(|_| pac) {
            return Some(m.clone());
        }
        return Some(s.meaning.clone());
    }
    let code = name.strip_prefix("UNKNOWN_").and_then(hex::parse)?;
    let s = codes.subtype_for_code(kind, arch, code)?;
    Some(format!(
        "Apple's name for an unnamed code {}: {}",
        hex::short(code),
        s.meaning
    ))
}

pub fn run(cx: &Context, a: &mut Analysis) {
    let report = cx.report;
    let Some(exc) = &report.exception else { return };
    let codes = codes::builtin();
    let arch = arch_name(arch_of(report));
    let mut ex = ExceptionExplained::default();
    let mut findings = Vec::new();

    let raw_kind = exc.kind.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let mut kind = raw_kind.map(|k| first_word(k).to_string());
    let mut signal = exc
        .signal
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);

    // A bare signal written as the type ("Exception Type: SIGSEGV").
    if let Some(k) = kind.clone() {
        if codes.signal(&k).is_some() {
            if signal.is_none() {
                signal = Some(k.clone());
            }
            ex.kind = Some(k.clone());
            // Apple reports name a Mach exception; one that gives only a signal was
            // written by a third-party reporter. On Linux and in minidumps the
            // signal is the native exception.
            let apple = !matches!(
                cx.report.source.format,
                crashlens_model::ReportFormat::Minidump | crashlens_model::ReportFormat::Log
            );
            ex.kind_meaning = Some(if apple {
                "a bare signal: the report writer (a third-party crash reporter) recorded the signal, not a \
                 Mach exception"
                    .into()
            } else {
                "a POSIX signal delivered to the process".into()
            });
            ex.evidence
                .push(Evidence::field("exception.type").value(k.clone()));
            kind = None;
        }
    }

    if let Some(k) = &kind {
        ex.kind = Some(raw_kind.unwrap_or(k).to_string());
        ex.evidence
            .push(Evidence::field("exception.type").value(raw_kind.unwrap_or(k).to_string()));
        if let Some(t) = codes.exception_type(k) {
            ex.kind_meaning = Some(t.meaning.clone());
        } else if let Some(n) = codes::numeric_type_value(k) {
            match codes.numeric_type(n) {
                Some(nt) => {
                    ex.kind_meaning = Some(nt.meaning.clone());
                    let mut detail = nt.detail.clone();
                    let code0 = exc.codes.first().copied();
                    if let Some(tc) = code0.and_then(|c| codes.termination_code(None, c)) {
                        detail.push_str(&format!(
                            " The code {} is '{}': {}.",
                            hex::short(tc.code),
                            tc.nickname,
                            tc.meaning
                        ));
                    }
                    let mut f = Finding::new(
                        "exception.numeric_type",
                        format!("exception type {k}: {}", nt.meaning),
                        detail,
                    )
                    .with(Evidence::field("exception.type").value(k.clone()));
                    if let Some(c) = code0 {
                        f = f.with(Evidence::field("exception.codes[0]").value(hex::short(c)));
                    }
                    findings.push(f);
                }
                None => {
                    if let Some(t) = codes.exception_type_number(n) {
                        ex.kind_meaning = Some(format!("{} ({}): {}", t.name, n, t.meaning));
                    }
                }
            }
        }
    }

    if let Some(s) = &signal {
        ex.signal = Some(s.clone());
        ex.signal_meaning = signal_words(codes, s);
        ex.evidence
            .push(Evidence::field("exception.signal").value(s.clone()));
    }

    // Subtype: as written, else derived from codes[0].
    let kind_name = kind.as_deref().unwrap_or("");
    if let Some(sub) = exc
        .subtype
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        ex.subtype = Some(sub.to_string());
        ex.subtype_meaning = subtype_meaning(codes, kind_name, arch, sub);
        ex.evidence
            .push(Evidence::field("exception.subtype").value(sub.to_string()));
    } else if let Some(&c0) = exc.codes.first() {
        if let Some(s) = codes.subtype_for_code(kind_name, arch, c0) {
            ex.subtype = Some(s.name.clone());
            ex.subtype_meaning = Some(s.meaning.clone());
            ex.evidence
                .push(Evidence::field("exception.codes[0]").value(hex::short(c0)));
        }
    }

    // What codes[1] holds.
    if let (Some(sc), Some(&c1)) = (codes.second_code(kind_name, arch), exc.codes.get(1)) {
        let ev = Evidence::field("exception.codes[1]").value(hex::short(c1));
        match sc.role.as_str() {
            "pc" => {
                let mut detail = format!("The second code, {}, is {}.", hex::short(c1), sc.meaning);
                if let Some((tn, state)) = crashed_state(report) {
                    if let Some(pc) = state.value("pc") {
                        if pc == c1 {
                            detail.push_str(&format!(" It matches thread {tn}'s pc."));
                        } else {
                            detail.push_str(&format!(" Thread {tn}'s pc is {}.", hex::short(pc)));
                        }
                    }
                }
                if let Some(img) = report.image_at(c1) {
                    detail.push_str(&format!(" It lies in {} (+{}).", img.display_name(), hex::short(c1.saturating_sub(img.base))));
                }
                findings.push(Finding::new("exception.trap_pc", format!("trap at {}", hex::short(c1)), detail).with(ev));
            }
            "instruction" => findings.push(
                Finding::new(
                    "exception.instruction_word",
                    format!("instruction word {:#010x}", c1),
                    format!(
                        "The second code, {:#010x}, is {}: the CPU could not execute this encoding.",
                        c1, sc.meaning
                    ),
                )
                .with(ev),
            ),
            _ => {}
        }
    }

    // Type-specific statements.
    match kind_name {
        "EXC_BREAKPOINT" => {
            let brk = exc
                .subtype
                .as_deref()
                .and_then(|s| s.split_once("(brk "))
                .map(|(_, r)| r.trim_end_matches(')').trim().to_string());
            let mut detail = "EXC_BREAKPOINT is a trap instruction the code ran on purpose (a Swift runtime check such \
                              as a force-unwrap of nil, an array index out of range or an arithmetic overflow; \
                              __builtin_trap; a libdispatch or libobjc misuse check), not a bad memory access."
                .to_string();
            if let Some(b) = &brk {
                detail.push_str(&format!(" The instruction was brk {b}."));
            }
            findings.push(
                Finding::new("exception.deliberate_trap", "deliberate trap", detail)
                    .with(Evidence::field("exception.type").value("EXC_BREAKPOINT")),
            );
        }
        "EXC_CRASH" => {
            if let Some(s) = signal
                .as_deref()
                .filter(|s| matches!(*s, "SIGSEGV" | "SIGBUS" | "SIGILL" | "SIGFPE"))
            {
                findings.push(
                    Finding::new(
                        "exception.signal_raised",
                        format!("{s} without a fault"),
                        format!(
                            "EXC_CRASH with {s}: the signal was raised by software (raise, kill or pthread_kill) \
                             rather than by a hardware fault, so there is no faulting address."
                        ),
                    )
                    .with(Evidence::field("exception.type").value("EXC_CRASH"))
                    .with(Evidence::field("exception.signal").value(s)),
                );
            }
        }
        "EXC_GUARD" | "EXC_RESOURCE" => {
            let mut detail = ex.kind_meaning.clone().unwrap_or_default();
            if let Some(m) = &ex.subtype_meaning {
                detail.push_str(&format!(": {m}"));
            }
            detail.push('.');
            if let Some(msg) = exc
                .message
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty())
            {
                detail.push_str(&format!(" The kernel's message: \"{msg}\"."));
            }
            let id = if kind_name == "EXC_GUARD" {
                "exception.guard"
            } else {
                "exception.resource"
            };
            let mut f = Finding::new(
                id,
                format!(
                    "{kind_name}{}",
                    ex.subtype
                        .as_deref()
                        .map(|s| format!(" {s}"))
                        .unwrap_or_default()
                ),
                detail,
            )
            .with(Evidence::field("exception.type").value(kind_name));
            if let Some(s) = &exc.subtype {
                f = f.with(Evidence::field("exception.subtype").value(s.clone()));
            }
            if let Some(m) = &exc.message {
                f = f.with(Evidence::field("exception.message").value(m.clone()));
            }
            findings.push(f);
        }
        _ => {}
    }

    // A kill dressed as a memory fault.
    if signal.as_deref() == Some("SIGKILL") && kind_name != "EXC_CRASH" && !kind_name.is_empty() {
        findings.push(
            Finding::new(
                "exception.killed",
                format!("{kind_name} with SIGKILL: killed"),
                format!(
                    "The exception type reads {kind_name}, but the signal is SIGKILL: the process was killed from \
                     outside (watchdog, system policy); the termination reason, not the exception type, says why."
                ),
            )
            .with(Evidence::field("exception.type").value(kind_name))
            .with(Evidence::field("exception.signal").value("SIGKILL")),
        );
    }

    // The headline finding.
    let mut title = match ex.kind.clone() {
        Some(k)
            if codes::numeric_type_value(&k).is_some()
                && codes.exception_type(first_word(&k)).is_none() =>
        {
            format!("exception type {k}")
        }
        Some(k) => k,
        None => String::new(),
    };
    if let Some(s) = &ex.signal {
        if title.is_empty() {
            title = s.clone();
        } else if Some(s) != ex.kind.as_ref() {
            title.push_str(&format!(" ({s})"));
        }
    }
    if !title.is_empty() {
        let mut detail = Vec::new();
        if let Some(m) = &ex.kind_meaning {
            detail.push(m.clone());
        }
        if let Some(m) = &ex.signal_meaning {
            detail.push(format!("signal {m}"));
        }
        if let Some(m) = &ex.subtype_meaning {
            detail.push(m.clone());
        }
        let mut f = Finding::new(
            "exception.explained",
            title,
            format!("{}.", detail.join("; ")),
        );
        f.evidence = ex.evidence.clone();
        findings.insert(0, f);
    }

    a.findings.extend(findings);
    a.exception = Some(ex);
}
