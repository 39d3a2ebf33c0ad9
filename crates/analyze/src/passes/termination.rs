//! The termination pass: the termination namespace and code in words, with a category
//! (signal, watchdog, thermal, privacy, security, file lock, ...), who terminated the process
//! ("exc handler" = the kernel's exception handler), and the watchdog event and time allowance
//! from a watchdog's description. Old reports with a numeric exception type (00000020) carry
//! the code in the exception codes instead; those are read too. Fills `a.termination`.

use crate::Context;
use crashlens_knowledge::codes::{self, Codes, TerminationCode};
use crashlens_model::{hex, Analysis, Evidence, Finding, TerminationExplained};

fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or("")
}

/// A watchdog description's event ("scene-update") and allowance ("10.00 seconds").
fn watchdog_details(desc: &str) -> (Option<String>, Option<String>) {
    let event = desc
        .split_once("WatchdogEvent:")
        .map(|(_, r)| {
            first_word(r.trim_start_matches([' ', ':']))
                .trim_end_matches([',', '|'])
                .to_string()
        })
        .or_else(|| {
            desc.split_once(" watchdog transgression")
                .and_then(|(l, _)| l.rsplit([' ', ',']).next())
                .map(str::to_string)
        })
        .filter(|s| !s.is_empty());
    let allowance = desc.split_once("time allowance of ").map(|(_, r)| {
        let mut w = r.split_whitespace();
        let n = w.next().unwrap_or("");
        let unit = w.next().unwrap_or("").trim_end_matches(['|', ',', '.']);
        format!("{n} {unit}").trim().to_string()
    });
    (event, allowance)
}

fn by_process_words(report: &crashlens_model::CrashReport, by: &str) -> String {
    if by == "exc handler" {
        "the kernel's exception handler (exc handler): the process took an exception it did not handle".into()
    } else if report.process.name.as_deref() == Some(by) {
        format!("{by}, the process itself (it called abort, raise or exit with a reason)")
    } else {
        format!("{by}, another process")
    }
}

/// "0x8badf00d: watchdog: the app took too long … ('ate bad food')": a
/// termination code in the table's words, the same wherever the code was read.
fn code_words(tc: &TerminationCode) -> String {
    format!(
        "{}: {} ('{}')",
        hex::short(tc.code),
        tc.meaning,
        tc.nickname
    )
}

fn signal_meaning(codes: &Codes, code: u64) -> Option<String> {
    codes
        .signal_number(code)
        .map(|s| format!("signal {} {}: {}", s.number, s.name, s.meaning))
}

pub fn run(cx: &Context, a: &mut Analysis) {
    let report = cx.report;
    let codes = codes::builtin();
    let mut te = TerminationExplained::default();
    let mut extra = Vec::new();

    if let Some(t) = &report.termination {
        te.namespace = t.namespace.clone();
        te.code = t.code;
        if let Some(ns) = &t.namespace {
            te.evidence
                .push(Evidence::field("termination.namespace").value(ns.clone()));
        }
        if let Some(c) = t.code {
            te.evidence
                .push(Evidence::field("termination.code").value(hex::short(c)));
        }
        let ns = t.namespace.as_deref();
        let is_signal = ns.is_some_and(|n| n.eq_ignore_ascii_case("SIGNAL"));
        if is_signal {
            te.category = Some("signal".into());
            te.meaning = t
                .code
                .and_then(|c| signal_meaning(codes, c))
                .or_else(|| t.indicator.clone());
        } else if let Some(tc) = t.code.and_then(|c| codes.termination_code(ns, c)) {
            te.category = Some(tc.category.clone());
            let ns_words = ns
                .and_then(|n| codes.namespace(n))
                .map(|n| format!(" ({})", n.meaning))
                .unwrap_or_default();
            te.meaning = Some(format!("{}{ns_words}", code_words(tc)));
        } else if let Some(n) = ns.and_then(|n| codes.namespace(n)) {
            te.category = Some(n.category.clone());
            te.meaning = Some(match t.code {
                Some(c) => format!("{}, code {}", n.meaning, hex::short(c)),
                None => n.meaning.clone(),
            });
        } else if let Some(ns) = ns {
            te.category = Some("other".into());
            te.meaning = Some(format!("namespace {ns} (not in the table)"));
        } else if let Some(c) = t.code {
            if let Some(tc) = codes.termination_code(None, c) {
                te.category = Some(tc.category.clone());
                te.meaning = Some(code_words(tc));
            }
        }
        if let Some(by) = t
            .by_process
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            te.by_process = Some(by_process_words(report, by));
            te.evidence
                .push(Evidence::field("termination.by_process").value(by));
        }
        if let Some(desc) = t.description.as_deref().filter(|d| !d.trim().is_empty()) {
            te.evidence
                .push(Evidence::field("termination.description").value(desc.trim()));
            if te.category.as_deref() == Some("watchdog") || desc.contains("watchdog") {
                let (event, allowance) = watchdog_details(desc);
                if event.is_some() || allowance.is_some() {
                    let mut d = String::from("The watchdog description");
                    if let Some(e) = &event {
                        d.push_str(&format!(" names the event {e}"));
                        if let Some(w) = codes.watchdog_event(e) {
                            d.push_str(&format!(" ({})", w.meaning));
                        }
                    }
                    if let Some(al) = &allowance {
                        d.push_str(&format!(
                            "{} the allowance was {al} of wall-clock time",
                            if event.is_some() { ";" } else { " says" }
                        ));
                    }
                    d.push_str(
                        ". The main thread's stack at the kill shows what it was doing instead.",
                    );
                    extra.push(
                        Finding::new(
                            "termination.watchdog_event",
                            format!(
                                "watchdog: {}",
                                event
                                    .clone()
                                    .unwrap_or_else(|| "time allowance exhausted".into())
                            ),
                            d,
                        )
                        .with(Evidence::field("termination.description").value(desc.trim())),
                    );
                }
            }
        }
    } else if let Some(exc) = &report.exception {
        // Old reports: "Exception Type: 00000020" with the reason in the codes.
        let kind = exc.kind.as_deref().map(first_word).unwrap_or("");
        if let Some(tc) = codes.numeric_kill_reason(kind, &exc.codes) {
            te.code = Some(tc.code);
            te.category = Some(tc.category.clone());
            te.meaning = Some(code_words(tc));
            te.evidence
                .push(Evidence::field("exception.type").value(kind));
            te.evidence
                .push(Evidence::field("exception.codes[0]").value(hex::short(tc.code)));
        }
    }

    if te.meaning.is_none() && te.by_process.is_none() && te.category.is_none() {
        return;
    }
    let cat = te.category.clone().unwrap_or_else(|| "other".into());
    let mut title = match (&te.namespace, te.code) {
        (Some(ns), Some(c)) if ns.eq_ignore_ascii_case("SIGNAL") => format!("{ns} {c}"),
        (Some(ns), Some(c)) => format!("{ns} {}", hex::short(c)),
        (Some(ns), None) => ns.clone(),
        (None, Some(c)) => hex::short(c),
        (None, None) => "terminated".into(),
    };
    title.push_str(&format!(" ({cat})"));
    let mut detail = te.meaning.clone().unwrap_or_default();
    if let Some(by) = &te.by_process {
        if !detail.is_empty() {
            detail.push_str("; ");
        }
        detail.push_str(&format!("terminated by {by}"));
    }
    detail.push('.');
    if cat != "signal" {
        if let Some(desc) = report
            .termination
            .as_ref()
            .and_then(|t| t.description.as_deref())
        {
            let desc = desc.trim();
            if !desc.is_empty() {
                detail.push_str(&format!(" The report's description: \"{desc}\"."));
            }
        }
    }
    let mut f = Finding::new(format!("termination.{cat}"), title, detail);
    f.evidence = te.evidence.clone();
    a.findings.push(f);
    a.findings.extend(extra);
    a.termination = Some(te);
}
