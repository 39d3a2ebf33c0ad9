//! Registers of the crashed thread: the whole register block in the layout
//! Apple's text reports use (three to a row, names right-aligned), zero
//! registers and the fault address marked at the end of their row, then the
//! base candidates, what the report says registers point at, and the notes.

use super::{fenced, finding_bullet, heading};
use crate::text::code;
use crashlens_model::{hex, Analysis, CrashReport, Register, RegisterAnalysis};

/// Registers printed on a line of their own, with the report's description.
const OWN_LINE: &[&str] = &["cpsr", "far", "esr", "cr2", "err", "trap", "cpu"];

/// Registers that are 32 bits wide whatever the architecture.
const NARROW: &[&str] = &["cpsr", "esr"];

/// Registers per row in the block.
const PER_ROW: usize = 3;

pub fn write(report: &CrashReport, analysis: &Analysis, out: &mut String) {
    let ra = analysis.registers.as_ref();
    let number = ra
        .map(|r| r.thread)
        .or(report.crashed_thread)
        .or_else(|| report.crashed().map(|t| t.number));
    let Some(number) = number else { return };
    let state = report
        .thread(number)
        .and_then(|t| t.state.as_ref())
        .filter(|s| !s.registers.is_empty());
    let has_notes = ra.is_some_and(|r| !r.base_candidates.is_empty() || !r.findings.is_empty());
    if state.is_none() && !has_notes {
        return;
    }
    heading(out, &format!("Registers of the crashed thread ({number})"));
    if let Some(state) = state {
        let width = match state.arch.bits() {
            Some(32) => 8,
            _ => 16,
        };
        let fault = analysis.fault.as_ref().and_then(|f| f.address);
        fenced(
            out,
            block(&state.registers, width, ra, fault)
                .iter()
                .map(String::as_str),
        );
        let pointers: Vec<&Register> = state
            .registers
            .iter()
            .filter(|r| r.points_to.is_some())
            .collect();
        if !pointers.is_empty() {
            out.push_str("What the report says registers point at: ");
            let items: Vec<String> = pointers
                .iter()
                .filter_map(|r| {
                    r.points_to
                        .as_deref()
                        .map(|p| format!("{} → {}", r.name, code(p)))
                })
                .collect();
            out.push_str(&items.join(", "));
            out.push_str(".\n\n");
        }
    }
    if let Some(ra) = ra {
        notes(ra, out);
    }
}

/// The register block, one string per line.
fn block(
    regs: &[Register],
    width: usize,
    ra: Option<&RegisterAnalysis>,
    fault: Option<u64>,
) -> Vec<String> {
    let is_own_line = |r: &Register| OWN_LINE.iter().any(|n| r.name.eq_ignore_ascii_case(n));
    let grid: Vec<&Register> = regs.iter().filter(|r| !is_own_line(r)).collect();
    let single: Vec<&Register> = regs.iter().filter(|r| is_own_line(r)).collect();
    let name_w = regs
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let value = |v: u64| format!("0x{v:0width$x}");
    let mut lines = Vec::new();
    for row in grid.chunks(PER_ROW) {
        let mut line = String::from(" ");
        let mut marks: Vec<String> = Vec::new();
        for r in row {
            line.push_str(&format!(" {:>name_w$}: {}", r.name, value(r.value)));
            if let Some(m) = mark(r, ra) {
                marks.push(m);
            }
        }
        if !marks.is_empty() {
            line.push_str("  <-- ");
            line.push_str(&marks.join(", "));
        }
        lines.push(line);
    }
    for r in single {
        let narrow =
            NARROW.iter().any(|n| r.name.eq_ignore_ascii_case(n)) && r.value <= u64::from(u32::MAX);
        let v = if narrow {
            format!("0x{:08x}", r.value)
        } else {
            value(r.value)
        };
        let mut line = format!("  {:>name_w$}: {v}", r.name);
        if let Some(d) = r
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            line.push(' ');
            line.push_str(d);
        }
        let is_fault_reg = r.name.eq_ignore_ascii_case("far") || r.name.eq_ignore_ascii_case("cr2");
        if is_fault_reg && fault == Some(r.value) {
            line.push_str("  <-- fault address");
        }
        lines.push(line);
    }
    lines
}

/// The note at the end of a row for a zero register.
fn mark(r: &Register, ra: Option<&RegisterAnalysis>) -> Option<String> {
    let ra = ra?;
    let named = |list: &[String]| list.iter().any(|n| n.eq_ignore_ascii_case(&r.name));
    if named(&ra.reserved_zero) {
        Some(format!("{} NULL (reserved, not a candidate)", r.name))
    } else if named(&ra.null_registers) {
        Some(format!("{} NULL", r.name))
    } else {
        None
    }
}

fn notes(ra: &RegisterAnalysis, out: &mut String) {
    // The register pass usually states the candidates itself, with reasons.
    let stated = ra
        .findings
        .iter()
        .any(|f| f.id.starts_with("registers.base"));
    if !ra.base_candidates.is_empty() && !stated {
        let items: Vec<String> = ra
            .base_candidates
            .iter()
            .map(|b| {
                format!(
                    "{} ({}) + {}",
                    code(&b.register),
                    hex::short(b.value),
                    hex::short(b.offset)
                )
            })
            .collect();
        out.push_str(&format!(
            "Possible base registers of the faulting access: {}.\n\n",
            items.join(", ")
        ));
    }
    for f in &ra.findings {
        finding_bullet(out, f);
    }
    if !ra.findings.is_empty() {
        out.push('\n');
    }
}
