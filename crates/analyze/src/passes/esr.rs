//! The esr pass: decodes the arm64 exception syndrome register of the crashed thread from the
//! number (class, IL, ISS; for aborts WnR, fault status and level, ISV and access size; for
//! BRK/SVC the immediate), keeps Apple's description but checks it against the number, and
//! notes other threads whose saved ESR is an abort. Fills `a.esr`.

use crate::passes::fault::{arch_of, crashed_state};
use crate::Context;
use crashlens_knowledge::codes::{self, Codes};
use crashlens_model::{hex, Analysis, Arch, EsrDecoded, Evidence, Finding, Register};

/// ISS bits of a data abort.
const ISV: u32 = 1 << 24;
const WNR: u32 = 1 << 6;
const FNV: u32 = 1 << 10;
const CM: u32 = 1 << 8;
const S1PTW: u32 = 1 << 7;

/// What the exception class is, by the table's kind ("data_abort", "svc", ...).
pub fn class_kind(codes: &Codes, ec: u32) -> Option<&str> {
    codes.esr_class(ec).map(|c| c.kind.as_str())
}

/// Decodes an ESR value; `description` is the report's own text for it.
pub fn decode(value: u64, description: Option<&str>) -> EsrDecoded {
    let codes = codes::builtin();
    // ESR_EL1 is 64 bits wide but only the low 32 carry the syndrome we decode.
    let low = (value & 0xffff_ffff) as u32;
    let ec = (low >> 26) & 0x3f;
    let il = low & (1 << 25) != 0;
    let iss = low & 0x01ff_ffff;
    let class = codes.esr_class(ec);
    let kind = class.map(|c| c.kind.as_str()).unwrap_or("other");
    let mut d = EsrDecoded {
        value,
        ec,
        ec_meaning: class
            .map(|c| c.meaning.clone())
            .unwrap_or_else(|| format!("exception class {ec:#04x} (not in the table)")),
        il,
        iss,
        apple_description: description
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        ..Default::default()
    };
    match kind {
        "data_abort" | "instruction_abort" => {
            let fsc = iss & 0x3f;
            if let Some(fs) = codes.fault_status(fsc) {
                d.fault_status = Some(match fs.level {
                    Some(-1) => format!("{} (level -1)", fs.name),
                    _ => fs.name.clone(),
                });
                d.level = fs.level.and_then(|l| u32::try_from(l).ok());
            } else {
                d.fault_status = Some(format!("fault status {fsc:#04x} (not in the table)"));
            }
            if kind == "data_abort" {
                d.write = Some(iss & WNR != 0);
                let isv = iss & ISV != 0;
                d.isv = Some(isv);
                if isv {
                    d.access_size = Some(1u32 << ((iss >> 22) & 0x3));
                }
                if iss & FNV != 0 {
                    d.caveats.push(
                        "FnV = 1: the fault address register (far) is not valid for this abort"
                            .into(),
                    );
                }
                if iss & CM != 0 {
                    d.caveats
                        .push("CM = 1: the fault came from a cache maintenance instruction".into());
                }
                if iss & S1PTW != 0 {
                    d.caveats
                        .push("S1PTW = 1: the fault was on a translation table walk".into());
                }
            }
        }
        "brk" | "svc" => d.immediate = Some(iss & 0xffff),
        _ => {}
    }
    check_description(codes, &mut d, kind);
    d
}

/// Compares Apple's description with the number and records every claim the number does not
/// support.
fn check_description(codes: &Codes, d: &mut EsrDecoded, kind: &str) {
    let Some(desc) = d.apple_description.clone() else {
        return;
    };
    let lower = desc.to_ascii_lowercase();
    let fault_kind = d
        .fault_status
        .as_ref()
        .and_then(|_| codes.fault_status(d.iss & 0x3f))
        .map(|f| f.kind.as_str());
    for term in &codes.esr_terms {
        if !lower.contains(&term.term.to_ascii_lowercase()) {
            continue;
        }
        if !term.classes.is_empty() && !term.classes.contains(&d.ec) {
            d.caveats.push(format!(
                "Apple's text says \"{}\", but the number decodes to EC {:#04x}, {}: trust the number",
                term.term, d.ec, d.ec_meaning
            ));
        }
        if !term.fault_kinds.is_empty() {
            match fault_kind {
                Some(k) if term.fault_kinds.iter().any(|t| t == k) => {}
                Some(_) => d.caveats.push(format!(
                    "Apple's text says \"{}\", but the fault status decodes to {}: trust the number",
                    term.term,
                    d.fault_status.as_deref().unwrap_or("another fault")
                )),
                None => d.caveats.push(format!(
                    "Apple's text says \"{}\", but EC {:#04x} ({}) carries no fault status at all: older reports \
                     mislabel this value; trust the number",
                    term.term, d.ec, d.ec_meaning
                )),
            }
        }
    }
    if kind == "data_abort" {
        let sizes = [
            ("doubleword", 8u32),
            ("halfword", 2),
            ("byte", 1),
            ("word", 4),
        ];
        if let Some((word, n)) = sizes.iter().find(|(w, _)| contains_word(&lower, w)) {
            match d.access_size {
                None => d.caveats.push(format!(
                    "Apple's text says \"{word}\", but ISV = 0: the ESR does not record the access size, so this \
                     should not be read as a {n}-byte access"
                )),
                Some(size) if size != *n => d.caveats.push(format!(
                    "Apple's text says \"{word}\" ({n} bytes), but SAS gives {size} bytes"
                )),
                _ => {}
            }
        }
        if let Some(write) = d.write {
            if write && contains_word(&lower, "read") {
                d.caveats
                    .push("Apple's text says \"read\", but WnR = 1 (a write)".into());
            }
            if !write && contains_word(&lower, "write") {
                d.caveats
                    .push("Apple's text says \"write\", but WnR = 0 (a read)".into());
            }
        }
    }
}

fn contains_word(haystack: &str, word: &str) -> bool {
    haystack
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == word)
}

/// A one-line reading of a decoded ESR: "data abort from a lower exception level (user mode),
/// read, translation fault level 2, ISV = 0 (access size not recorded)".
pub fn summary(d: &EsrDecoded) -> String {
    let mut parts = vec![format!("EC {:#04x}: {}", d.ec, d.ec_meaning)];
    if let Some(w) = d.write {
        parts.push(if w {
            "write (WnR = 1)".into()
        } else {
            "read (WnR = 0)".into()
        });
    }
    if let Some(fs) = &d.fault_status {
        match d.level {
            Some(l) => parts.push(format!("{fs}, level {l}")),
            None => parts.push(fs.clone()),
        }
    }
    match (d.isv, d.access_size) {
        (Some(true), Some(n)) => parts.push(format!("ISV = 1, {n}-byte access")),
        (Some(false), _) => parts.push("ISV = 0, so the access size is not recorded".into()),
        _ => {}
    }
    if let Some(imm) = d.immediate {
        let what = if d.ec == 0x3c || d.ec == 0x38 {
            "brk"
        } else {
            "svc"
        };
        parts.push(format!("{what} #{imm:#x}"));
    }
    parts.join(", ")
}

fn esr_register(regs: &[Register]) -> Option<&Register> {
    regs.iter().find(|r| r.name.eq_ignore_ascii_case("esr"))
}

pub fn run(cx: &Context, a: &mut Analysis) {
    let report = cx.report;
    if arch_of(report) != Arch::Arm64 {
        return;
    }
    let codes = codes::builtin();
    if let Some((tn, state)) = crashed_state(report) {
        if let Some(reg) = esr_register(&state.registers).filter(|r| r.value != 0) {
            let field = format!("threads[{tn}].state.esr");
            let mut d = decode(reg.value, reg.description.as_deref());
            let kind = class_kind(codes, d.ec).unwrap_or("other").to_string();
            let memory_fault = report
                .exception
                .as_ref()
                .and_then(|e| e.kind.as_deref())
                .is_some_and(|k| k == "EXC_BAD_ACCESS");
            if memory_fault
                && !matches!(
                    kind.as_str(),
                    "data_abort" | "instruction_abort" | "alignment" | "pac"
                )
            {
                d.caveats.push(format!(
                    "the exception is EXC_BAD_ACCESS but this ESR is {} (EC {:#04x}), not an abort: it does not \
                     describe this fault",
                    d.ec_meaning, d.ec
                ));
            }
            let ev = Evidence::field(field).thread(tn).register("esr").value(
                match &d.apple_description {
                    Some(t) => format!("{} {t}", hex::short(reg.value)),
                    None => hex::short(reg.value),
                },
            );
            d.evidence.push(ev.clone());
            let mut detail = summary(&d);
            detail.push('.');
            match kind.as_str() {
                "svc" => detail.push_str(
                    " The thread was inside a system call when its state was saved: the usual value for a thread \
                     stopped in the kernel (abort() ends in __pthread_kill, waits end in a trap), not a fault.",
                ),
                "brk" => detail.push_str(" A brk instruction: a deliberate trap, not a memory fault."),
                _ => {}
            }
            for c in &d.caveats {
                detail.push_str(&format!(" Caveat: {c}."));
            }
            let f = Finding::new(
                "esr.decoded",
                format!("ESR {}: {}", hex::short(reg.value), short_title(&d)),
                detail,
            )
            .with(ev.clone())
            .threads([tn]);
            a.findings.push(f);
            for c in &d.caveats {
                if c.starts_with("Apple's text") {
                    let f = Finding::new(
                        "esr.apple_text_disagrees",
                        "Apple's ESR text claims more than the number",
                        c.clone(),
                    )
                    .with(ev.clone())
                    .threads([tn]);
                    a.findings.push(f);
                }
            }
            a.esr = Some(d);
        }
    }
    // Other threads whose saved state holds an abort: not the crash, but worth saying.
    for t in &report.threads {
        if t.crashed || Some(t.number) == report.crashed_thread {
            continue;
        }
        let Some(state) = &t.state else { continue };
        let Some(reg) = esr_register(&state.registers).filter(|r| r.value != 0) else {
            continue;
        };
        let d = decode(reg.value, reg.description.as_deref());
        if !matches!(
            class_kind(codes, d.ec),
            Some("data_abort" | "instruction_abort")
        ) {
            continue;
        }
        let far = state.value("far");
        let mut detail = format!(
            "Thread {}'s saved state holds ESR {} ({})",
            t.number,
            hex::short(reg.value),
            summary(&d)
        );
        if let Some(far) = far {
            detail.push_str(&format!(" with far {}", hex::short(far)));
        }
        detail.push_str(
            ". It is not the crashed thread, so this is not the crash, but that thread had taken a fault of its own \
             (a handled fault, or a second faulting thread).",
        );
        let mut f = Finding::new(
            "esr.other_thread_abort",
            format!("thread {} also holds an abort ESR", t.number),
            detail,
        )
        .with(
            Evidence::field(format!("threads[{}].state.esr", t.number))
                .thread(t.number)
                .register("esr")
                .value(hex::short(reg.value)),
        )
        .threads([t.number]);
        if let Some(far) = far {
            f = f.with(
                Evidence::field(format!("threads[{}].state.far", t.number))
                    .thread(t.number)
                    .register("far")
                    .value(hex::short(far)),
            );
        }
        a.findings.push(f);
    }
}

fn short_title(d: &EsrDecoded) -> String {
    let mut s = d.ec_meaning.clone();
    if let Some(w) = d.write {
        s.push_str(if w { ", write" } else { ", read" });
    }
    if let Some(fs) = &d.fault_status {
        s.push_str(", ");
        s.push_str(fs);
        if let Some(l) = d.level {
            s.push_str(&format!(" level {l}"));
        }
    }
    if let Some(imm) = d.immediate {
        s.push_str(&format!(" #{imm}"));
    }
    s
}
