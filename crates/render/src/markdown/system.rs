//! The System table: process, parent and responsible process, hardware, OS,
//! GPU driver, and launch -> capture with the seconds between.

use super::heading;
use crate::table::Table;
use crate::text::{self, cell, code};
use crashlens_model::{time, Analysis, CrashReport, Owner, ProcessRef, ReportFormat};

pub fn write(report: &CrashReport, analysis: &Analysis, out: &mut String) {
    let mut t = Table::key_value();
    let p = &report.process;
    t.kv("Process", process_line(report));
    if let Some(id) = &p.identifier {
        if Some(id) != p.name.as_ref() {
            t.kv("Identifier", code(id));
        }
    }
    if let Some(path) = &p.path {
        t.kv("Path", code(path));
    }
    t.kv("Code type", code_type(report));
    if let Some(role) = &p.role {
        t.kv("Role", cell(role));
    }
    let s = &report.system;
    if let Some(hw) = &s.hardware_model {
        t.kv("Hardware", cell(hw));
    }
    t.kv("OS", os_line(report));
    t.kv("GPU driver", gpu_driver(report, analysis));
    t.kv("Launched → captured", launch_capture(report, analysis));
    if let Some(up) = s
        .uptime_seconds
        .or_else(|| analysis.timeline.as_ref().and_then(|t| t.uptime_seconds))
    {
        t.kv("Awake since boot", text::uptime(up));
    }
    t.kv("External modification", super::ext_mods::line(report));
    if let Some(sip) = &s.sip {
        t.kv("SIP", cell(sip));
    }
    if let Some(id) = &s.incident_id {
        t.kv("Incident", code(id));
    }
    t.kv("Report", report_line(report));
    if t.is_empty() {
        return;
    }
    heading(out, "System");
    t.write(out);
}

fn proc_ref(r: &ProcessRef) -> String {
    match (&r.name, r.pid) {
        (Some(n), Some(pid)) => format!("{} [{pid}]", cell(n)),
        (Some(n), None) => cell(n),
        (None, Some(pid)) => format!("pid {pid}"),
        (None, None) => String::new(),
    }
}

fn process_line(report: &CrashReport) -> String {
    let p = &report.process;
    let mut parts: Vec<String> = Vec::new();
    let mut me = String::new();
    if let Some(n) = &p.name {
        me.push_str(&cell(n));
    }
    if let Some(v) = &p.version {
        me.push(' ');
        me.push_str(&cell(v));
        if let Some(b) = p.build.as_ref().filter(|b| *b != v) {
            me.push_str(&format!(" ({})", cell(b)));
        }
    }
    if let Some(pid) = p.pid {
        me.push_str(&format!(" [{pid}]"));
    }
    let me = me.trim().to_string();
    if !me.is_empty() {
        parts.push(me);
    }
    if let Some(parent) = p.parent.as_ref().map(proc_ref).filter(|s| !s.is_empty()) {
        parts.push(format!("parent {parent}"));
    }
    if let Some(resp) = p
        .responsible
        .as_ref()
        .map(proc_ref)
        .filter(|s| !s.is_empty())
    {
        parts.push(format!("responsible {resp}"));
    }
    if let Some(uid) = p.user_id {
        parts.push(format!("user {uid}"));
    }
    parts.join(", ")
}

fn code_type(report: &CrashReport) -> String {
    let p = &report.process;
    let mut s = match (&p.code_type, p.arch) {
        (Some(ct), _) => cell(ct),
        (None, crashlens_model::Arch::Unknown) => String::new(),
        (None, arch) => match serde_json::to_value(arch) {
            Ok(serde_json::Value::String(a)) => a,
            _ => String::new(),
        },
    };
    if p.translated == Some(true) && !s.to_ascii_lowercase().contains("translated") {
        s.push_str(" (translated by Rosetta)");
    }
    s
}

fn os_line(report: &CrashReport) -> String {
    let s = &report.system;
    let mut line = s.os_version.as_deref().map(cell).unwrap_or_default();
    if let Some(b) = &s.os_build {
        if !line.contains(b.as_str()) {
            if line.is_empty() {
                line = format!("build {}", cell(b));
            } else {
                line.push_str(&format!(" ({})", cell(b)));
            }
        }
    }
    // "User" is the normal case; a beta or internal build is worth saying.
    if let Some(rt) = s
        .release_type
        .as_deref()
        .filter(|r| !r.eq_ignore_ascii_case("user"))
    {
        if !line.is_empty() {
            line.push_str(&format!(", release type {}", cell(rt)));
        }
    }
    line
}

/// GPU driver images the analysis lists, with the bundle id the report gives.
fn gpu_driver(report: &CrashReport, analysis: &Analysis) -> String {
    let mut parts: Vec<String> = Vec::new();
    for b in analysis
        .binaries
        .iter()
        .filter(|b| b.owner == Owner::GpuDriver)
    {
        let mut s = cell(&b.name);
        if let Some(v) = &b.version {
            s.push(' ');
            s.push_str(&cell(v));
        }
        let bundle = report
            .images
            .iter()
            .find(|i| i.base == b.base && i.name.as_deref() == Some(b.name.as_str()))
            .and_then(|i| i.bundle_id.as_deref());
        if let Some(id) = bundle.filter(|id| *id != b.name) {
            s.push_str(&format!(" ({})", code(id)));
        }
        parts.push(s);
    }
    parts.join("; ")
}

fn launch_capture(report: &CrashReport, analysis: &Analysis) -> String {
    let tl = analysis.timeline.as_ref();
    let launch = report
        .process
        .launch_time
        .as_deref()
        .or(tl.and_then(|t| t.launch_time.as_deref()));
    let capture = report
        .system
        .capture_time
        .as_deref()
        .or(tl.and_then(|t| t.capture_time.as_deref()));
    let secs = tl
        .and_then(|t| t.seconds_after_launch)
        .or_else(|| match (launch, capture) {
            (Some(l), Some(c)) => time::seconds_between(l, c),
            _ => None,
        });
    match (launch, capture) {
        (Some(l), Some(c)) => {
            let mut s = format!("{} → {}", cell(l), cell(c));
            if let Some(secs) = secs {
                s.push_str(&format!(": **{}** after launch", text::seconds(secs)));
            }
            s
        }
        (Some(l), None) => format!("launched {}", cell(l)),
        (None, Some(c)) => format!("captured {}", cell(c)),
        (None, None) => String::new(),
    }
}

fn report_line(report: &CrashReport) -> String {
    let src = &report.source;
    let mut parts: Vec<String> = Vec::new();
    let fmt = match src.format {
        ReportFormat::IpsJson => "Apple .ips (JSON)",
        ReportFormat::AppleText => "Apple crash report (text)",
        ReportFormat::Minidump => "minidump",
        ReportFormat::Log => "log",
        ReportFormat::Unknown => "",
    };
    if !fmt.is_empty() {
        parts.push(fmt.to_string());
    }
    if let Some(bt) = &src.bug_type {
        parts.push(format!("bug_type {}", cell(bt)));
    }
    if let Some(v) = &src.report_version {
        parts.push(format!("version {}", cell(v)));
    }
    if src.wrapped {
        parts.push("wrapped in other text".to_string());
    }
    parts.join(", ")
}
