//! The headline (`a.headline`): the report's title ("Python [81920]: SIGSEGV
//! reading NULL + 0x5c8 inside the GPU driver (AGXMetalG16X 329.2)") and summary
//! sentences: where it crashed, the report's own message, what other threads were
//! doing, the leading hypothesis with its confidence, and what the report does
//! not support. Reports with little data get a plain statement of what is missing.

use crate::passes::concurrency::{self, capitalize};
use crate::passes::verdict::facts::{clip, Facts, FrameFact};
use crate::Context;
use crashlens_model::{hex, Analysis, Confidence, CrashReport, Headline, Hypothesis, Owner};

/// Hypotheses that describe a kill rather than a fault in the process's code.
const KILLS: &[&str] = &[
    "watchdog",
    "deadlock",
    "resource_kill",
    "privacy_violation",
    "security",
    "guard_violation",
];

pub fn run(cx: &Context, a: &mut Analysis) {
    let f = Facts::gather(cx.report, a);
    let leading = a.verdict.as_ref().and_then(|v| v.hypotheses.first());
    let title = title(cx.report, a, &f, leading);
    let summary = summary(a, &f);
    a.headline = Headline { title, summary };
}

fn process_words(f: &Facts) -> String {
    match (&f.process, f.pid) {
        (Some(n), Some(p)) => format!("{n} [{p}]"),
        (Some(n), None) => n.clone(),
        (None, Some(p)) => format!("process [{p}]"),
        (None, None) => "Unknown process".to_string(),
    }
}

fn version_of(r: &CrashReport, a: &Analysis, image: &str) -> Option<String> {
    a.binaries
        .iter()
        .find(|b| b.name == image)
        .and_then(|b| b.version.clone())
        .or_else(|| {
            r.images
                .iter()
                .find(|i| i.display_name() == image)
                .and_then(|i| i.version.clone())
        })
}

/// "inside the GPU driver (AGXMetalG16X 329.2)".
fn place(r: &CrashReport, a: &Analysis, fr: &FrameFact) -> String {
    let image = match version_of(r, a, &fr.image) {
        Some(v) => format!("{} {v}", fr.image),
        None => fr.image.clone(),
    };
    match fr.owner {
        Owner::GpuDriver => format!("inside the GPU driver ({image})"),
        Owner::OsFramework | Owner::OsRuntime | Owner::LanguageRuntime => {
            format!("inside {image} ({})", fr.owner.label())
        }
        Owner::MlFramework | Owner::ThirdParty => match &fr.owner_detail {
            Some(d) if !d.is_empty() => format!("inside {d} ({image})"),
            _ => format!("inside {image}"),
        },
        Owner::App | Owner::Unknown => format!("in `{}` ({image})", clip(&fr.symbol, 60)),
    }
}

fn title(r: &CrashReport, a: &Analysis, f: &Facts, leading: Option<&Hypothesis>) -> String {
    let who = process_words(f);
    let sig = f.signal.clone().or(f.exc_type.clone());
    if let Some(h) = leading.filter(|h| KILLS.contains(&h.id.as_str()) && !f.is_fault_signal()) {
        let code = f
            .term_code_hex()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        let what = match h.id.as_str() {
            "watchdog" => format!("killed by the watchdog{code}"),
            "deadlock" => "main thread deadlocked".to_string(),
            "privacy_violation" => "killed for a privacy (TCC) violation".to_string(),
            "security" => format!("killed by security enforcement{code}"),
            _ => lower_first(&h.title),
        };
        return format!("{who}: {what}");
    }
    let Some(sig) = sig else {
        return match leading {
            Some(h) => format!("{who}: {}", lower_first(&h.title)),
            None if r.threads.is_empty() => {
                format!("{who}: report with no exception and no threads")
            }
            None => format!("{who}: report with no exception information"),
        };
    };
    let mut what = sig.clone();
    if f.is_fault_signal() {
        let verb = match f.access.as_deref() {
            Some("read") => " reading",
            Some("write") => " writing",
            Some("execute") => " executing",
            _ => " at",
        };
        if f.has_kind("pc_zero") {
            what.push_str(" calling address 0");
            return match f.frames.get(1) {
                Some(fr) => format!("{who}: {what}, returning to {}", fr.describe()),
                None => format!("{who}: {what}"),
            };
        } else if let Some(off) = f.null_offset {
            what.push_str(&format!("{verb} NULL + {}", hex::short(off)));
        } else if let Some(addr) = f.fault_address {
            what.push_str(&format!("{verb} {}", hex::short(addr)));
            if f.has_kind("pointer_auth") {
                what.push_str(" (pointer authentication failure)");
            }
        }
    } else if let Some(h) = leading.filter(|h| h.id == "intentional_abort") {
        let detail = h.title.trim_start_matches("Intentional abort: ");
        if detail.starts_with(what.as_str()) {
            what = clip(detail, 110);
        } else {
            what.push_str(&format!(", {}", clip(detail, 90)));
        }
        return format!("{who}: {what}");
    }
    let frame = if f.is_fault_signal() {
        f.frame0()
    } else {
        f.blamed_frame()
    };
    match frame {
        Some(fr) => format!("{who}: {what} {}", place(r, a, fr)),
        None => format!("{who}: {what}"),
    }
}

fn summary(a: &Analysis, f: &Facts) -> Vec<String> {
    let mut out = Vec::new();
    let leading = a.verdict.as_ref().and_then(|v| v.hypotheses.first());
    let killed = leading.is_some_and(|h| KILLS.contains(&h.id.as_str())) || f.is_killed();
    match (f.crashed_no, f.frame0()) {
        (Some(_), Some(fr)) if killed => {
            let named = f.frames.iter().find(|x| !x.symbol.starts_with("???") && !x.symbol.starts_with("0x"));
            let at = named.unwrap_or(fr);
            out.push(format!("{} was in {} when the process was stopped.", capitalize(&f.crashed_words()), at.describe()));
        }
        (Some(_), Some(fr)) => {
            let pos = f.blamed_pos();
            let mut s = format!("{} crashed in {}", capitalize(&f.crashed_words()), fr.describe_owned());
            if let Some(b) = f.frames.get(pos).filter(|_| pos > 0) {
                s.push_str(&format!(
                    "; the first frame past the abort and exception machinery is frame {}, {}",
                    b.index,
                    b.describe_owned()
                ));
            }
            if let Some(c) = f.caller_of(pos) {
                s.push_str(&format!(", called from {}", c.describe_owned()));
            }
            s.push('.');
            out.push(s);
        }
        (Some(n), None) => out.push(format!("The report marks thread {n} as crashed but holds no frames for it.")),
        (None, _) if f.signal.is_some() || f.exc_type.is_some() => {
            out.push("The report does not say which thread crashed.".to_string())
        }
        (None, _) => out.push("The report holds no exception information and no crashed thread; little can be concluded.".to_string()),
    }
    let asi: Vec<&String> = f
        .asi
        .iter()
        .filter(|l| !is_boilerplate(l))
        .take(2)
        .collect();
    for line in asi {
        out.push(format!("The report's message: \"{}\".", clip(line, 240)));
    }
    // The most specific activity first (synchronize, submit, shared queue); threads
    // merely "active in the same code" only when nothing more specific names them.
    let race: Vec<_> = a
        .concurrency
        .iter()
        .filter(|c| concurrency::FOR_RACE.contains(&c.id.as_str()))
        .collect();
    let specific: Vec<_> = race
        .iter()
        .filter(|c| {
            !matches!(
                c.id.as_str(),
                concurrency::SAME_API_ACTIVE | concurrency::SAME_LIBRARY_ACTIVE
            )
        })
        .collect();
    let named: Vec<u32> = specific
        .iter()
        .flat_map(|c| c.threads.iter().copied())
        .collect();
    let mut busy: Vec<String> = specific.iter().map(|c| c.title.clone()).collect();
    busy.extend(
        race.iter()
            .filter(|c| !specific.iter().any(|s| s.id == c.id))
            .filter(|c| c.threads.iter().any(|t| !named.contains(t)))
            .map(|c| c.title.clone()),
    );
    if !busy.is_empty() {
        out.push(format!("At the same time: {}.", busy.join("; ")));
    }
    if let Some(c) = a
        .concurrency
        .iter()
        .find(|c| c.id == concurrency::ON_STACK_NOT_RUNNING)
        .filter(|_| !busy.is_empty())
    {
        out.push(format!("Not counted as concurrent: {}.", c.title));
    }
    if let Some(v) = &a.verdict {
        if let Some(h) = v.hypotheses.first() {
            out.push(match h.confidence {
                Confidence::Low => format!(
                    "Leading hypothesis, with low confidence: {}.",
                    lower_first(&h.title)
                ),
                c => format!(
                    "Most likely: {} ({} confidence).",
                    lower_first(&h.title),
                    conf_word(c)
                ),
            });
        }
        let weak: Vec<String> = v
            .hypotheses
            .iter()
            .skip(1)
            .filter(|h| h.confidence == Confidence::Low && h.experiment_result.is_none())
            .map(|h| lower_first(&h.title))
            .collect();
        if !weak.is_empty() {
            out.push(format!(
                "Not supported by this report: {} (offered, low confidence).",
                weak.join("; ")
            ));
        }
        if !v.hypotheses.is_empty() && v.hypotheses.iter().all(|h| h.experiment_result.is_none()) {
            out.push(
                "No experiment result is attached, so no hypothesis here is settled.".to_string(),
            );
        }
    }
    for m in &a.known_issues {
        out.push(format!("Matches a known issue: {}.", m.title));
    }
    out
}

fn is_boilerplate(line: &str) -> bool {
    let l = line.trim();
    l.is_empty()
        || l == "dyld3 mode"
        || l == "dyld2 mode"
        || l == "dyld4 mode"
        || l == "Topmost application"
}

fn conf_word(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match (c.next(), c.clone().next()) {
        (Some(first), Some(second)) if !second.is_uppercase() => {
            first.to_lowercase().chain(c).collect()
        }
        _ => s.to_string(),
    }
}
