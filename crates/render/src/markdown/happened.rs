//! What happened: the exception and its codes, the fault address, the ESR
//! decoded with its caveats, the termination in words, then the findings
//! those passes made and the VM region the report shows.

use super::{fenced, finding_bullet, heading};
use crate::table::Table;
use crate::text::{cell, code, prose_cell};
use crashlens_model::{hex, Analysis, CrashReport, EsrDecoded, FaultAnalysis, Finding};

pub fn write(report: &CrashReport, analysis: &Analysis, out: &mut String) {
    let mut t = Table::key_value();
    exception_rows(report, analysis, &mut t);
    if let Some(f) = &analysis.fault {
        t.kv("Fault address", fault_line(f));
    }
    if let Some(e) = &analysis.esr {
        t.kv(&format!("ESR {}", hex::short(e.value)), esr_line(e));
    }
    termination_rows(report, analysis, &mut t);
    if let Some(kt) = &report.kernel_triage {
        let lines: Vec<&str> = kt
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        t.kv("Kernel triage", cell(&lines.join("; ")));
    }

    let findings = findings(analysis);
    let vm = report
        .vm_region_info
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty());
    if t.is_empty() && findings.is_empty() && vm.is_none() {
        return;
    }
    heading(out, "What happened");
    t.write(out);
    for f in &findings {
        finding_bullet(out, f);
    }
    if !findings.is_empty() {
        out.push('\n');
    }
    if let Some(vm) = vm {
        out.push_str("VM region info, as the report gives it:\n\n");
        fenced(out, vm.lines());
    }
}

fn exception_rows(report: &CrashReport, analysis: &Analysis, t: &mut Table) {
    let raw = report.exception.as_ref();
    let ex = analysis.exception.as_ref();
    let kind = ex
        .and_then(|e| e.kind.as_deref())
        .or(raw.and_then(|e| e.kind.as_deref()));
    let signal = ex
        .and_then(|e| e.signal.as_deref())
        .or(raw.and_then(|e| e.signal.as_deref()));
    let mut line = match (kind, signal) {
        (Some(k), Some(s)) if k != s => format!("{} ({})", cell(k), cell(s)),
        (Some(k), _) => cell(k),
        (None, Some(s)) => cell(s),
        (None, None) => String::new(),
    };
    let meanings: Vec<String> = [
        ex.and_then(|e| e.kind_meaning.as_deref()),
        ex.and_then(|e| e.signal_meaning.as_deref()),
    ]
    .into_iter()
    .flatten()
    .filter(|m| !m.trim().is_empty())
    .map(prose_cell)
    .collect();
    if !line.is_empty() && !meanings.is_empty() {
        line.push_str(": ");
        line.push_str(&meanings.join("; "));
    }
    t.kv("Exception", line);

    let subtype = ex
        .and_then(|e| e.subtype.as_deref())
        .or(raw.and_then(|e| e.subtype.as_deref()));
    if let Some(st) = subtype {
        let mut s = code(st);
        if let Some(m) = ex
            .and_then(|e| e.subtype_meaning.as_deref())
            .filter(|m| !m.trim().is_empty())
        {
            s.push_str(": ");
            s.push_str(&prose_cell(m));
        }
        t.kv("Subtype", s);
    }
    if let Some(raw) = raw {
        if let Some(ct) = &raw.codes_text {
            if Some(ct.as_str()) != subtype {
                t.kv("Codes", code(ct));
            }
        } else if !raw.codes.is_empty() {
            let codes: Vec<String> = raw.codes.iter().map(|c| hex::short(*c)).collect();
            t.kv("Codes", code(&codes.join(", ")));
        }
        for n in &raw.notes {
            t.kv("Exception note", cell(n));
        }
        if let Some(m) = &raw.message {
            t.kv("Exception message", cell(m.trim()));
        }
    }
}

fn fault_line(f: &FaultAnalysis) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(addr) = f.address {
        let mut s = format!("`{}`", hex::short(addr));
        if let Some(off) = f.null_offset {
            s.push_str(&format!(" = **NULL + {}** ({off} bytes)", hex::short(off)));
        }
        parts.push(s);
    }
    if let Some(stripped) = f.stripped_address {
        parts.push(format!(
            "with its pointer signature stripped: `{}`",
            hex::short(stripped)
        ));
    }
    if let Some(img) = &f.in_image {
        parts.push(format!("inside {}", code(img)));
    }
    if let Some(a) = &f.access {
        parts.push(format!("access: **{}**", cell(a)));
    }
    if !f.kinds.is_empty() {
        let kinds: Vec<String> = f.kinds.iter().map(|k| code(k)).collect();
        parts.push(format!("classified as {}", kinds.join(", ")));
    }
    if let Some(field) = &f.address_field {
        parts.push(format!("from {}", code(field)));
    }
    parts.join("; ")
}

fn esr_line(e: &EsrDecoded) -> String {
    let mut parts: Vec<String> = Vec::new();
    let class = if e.ec_meaning.trim().is_empty() {
        format!("EC {:#x}", e.ec)
    } else {
        format!("{} (EC {:#x})", prose_cell(&e.ec_meaning), e.ec)
    };
    parts.push(class);
    if let Some(w) = e.write {
        parts.push(if w {
            "**write** (WnR 1)".to_string()
        } else {
            "**read** (WnR 0)".to_string()
        });
    }
    match (&e.fault_status, e.level) {
        (Some(fs), Some(l)) => parts.push(format!("**{}, level {l}**", prose_cell(fs))),
        (Some(fs), None) => parts.push(format!("**{}**", prose_cell(fs))),
        (None, _) => {}
    }
    match (e.isv, e.access_size) {
        (Some(true), Some(sz)) => parts.push(format!("ISV = 1: a {sz}-byte access")),
        (Some(true), None) => parts.push("ISV = 1".to_string()),
        (Some(false), _) => parts.push("ISV = 0, so the access size is not recorded".to_string()),
        (None, _) => {}
    }
    if let Some(imm) = e.immediate {
        parts.push(format!("immediate {imm:#x}"));
    }
    let mut s = parts.join(", ");
    if let Some(desc) = e
        .apple_description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        s.push_str(&format!("; the report's own text: {}", code(desc)));
    }
    for c in &e.caveats {
        s.push_str(" — ");
        s.push_str(&prose_cell(c));
    }
    s
}

fn termination_rows(report: &CrashReport, analysis: &Analysis, t: &mut Table) {
    let raw = report.termination.as_ref();
    let te = analysis.termination.as_ref();
    let ns = te
        .and_then(|x| x.namespace.as_deref())
        .or(raw.and_then(|x| x.namespace.as_deref()));
    let code_v = te.and_then(|x| x.code).or(raw.and_then(|x| x.code));
    let mut head: Vec<String> = Vec::new();
    if let Some(ns) = ns {
        head.push(format!("namespace {}", cell(ns)));
    }
    if let Some(c) = code_v {
        let mut s = if c < 0x1000 {
            format!("code {c}")
        } else {
            format!("code {}", hex::short(c))
        };
        if let Some(ind) = raw.and_then(|x| x.indicator.as_deref()) {
            s.push_str(&format!(" ({})", cell(ind)));
        }
        head.push(s);
    }
    let mut line = head.join(", ");
    if let Some(m) = te
        .and_then(|x| x.meaning.as_deref())
        .filter(|m| !m.trim().is_empty())
    {
        // The meaning may repeat the code the line already shows ("0x8badf00d: watchdog…").
        let m = match code_v {
            Some(c) if !line.is_empty() => {
                m.strip_prefix(&format!("{}: ", hex::short(c))).unwrap_or(m)
            }
            _ => m,
        };
        if line.is_empty() {
            line = prose_cell(m);
        } else {
            line.push_str(&format!(": {}", prose_cell(m)));
        }
    }
    // Who: the analysis's words where it has them, else the report's name.
    let by = match te
        .and_then(|x| x.by_process.as_deref())
        .filter(|b| !b.trim().is_empty())
    {
        Some(b) => Some(prose_cell(b)),
        None => raw.and_then(|x| x.by_process.as_deref()).map(cell),
    };
    if let Some(by) = by {
        let pid = raw
            .and_then(|x| x.by_pid)
            .map(|p| format!(" (pid {p})"))
            .unwrap_or_default();
        if line.is_empty() {
            line = format!("by {by}{pid}");
        } else {
            line.push_str(&format!("; by {by}{pid}"));
        }
    }
    t.kv("Termination", line);
    if let Some(d) = raw.and_then(|x| x.description.as_deref()) {
        t.kv("Termination description", cell(d.trim()));
    }
}

/// The fault pass's findings, then the exception, termination and ESR
/// passes' findings from the full list, each once; findings that only repeat
/// a row of the table above are left out.
fn findings(analysis: &Analysis) -> Vec<&Finding> {
    let repeats_row = |f: &Finding| {
        (f.id == "exception.explained" && analysis.exception.is_some())
            || (f.id.starts_with("termination.") && analysis.termination.is_some())
            || analysis.esr.as_ref().is_some_and(|e| {
                f.id == "esr.decoded"
                    || (f.id.starts_with("esr.")
                        && e.caveats.iter().any(|c| f.detail.contains(c.as_str())))
            })
    };
    let mut out: Vec<&Finding> = Vec::new();
    let from_fault = analysis.fault.iter().flat_map(|f| f.findings.iter());
    let from_list = analysis.findings.iter().filter(|f| {
        ["exception.", "termination.", "fault.", "esr."]
            .iter()
            .any(|p| f.id.starts_with(p))
    });
    for f in from_fault.chain(from_list) {
        if repeats_row(f) {
            continue;
        }
        if !out
            .iter()
            .any(|o| o.id == f.id && o.title == f.title && o.detail == f.detail)
        {
            out.push(f);
        }
    }
    out
}
