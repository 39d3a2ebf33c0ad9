//! The registers pass: on the crashed thread's state, lists general-purpose registers holding
//! zero (x18, Apple's reserved platform register, apart), and the registers that could have been
//! the base of the faulting access (fault address - register small and non-negative, below a
//! page), saying when the instruction at pc is needed to choose. Also names registers holding
//! non-canonical (x86_64) or poison-pattern values. Fills `a.registers`.

use crate::passes::fault::{arch_of, crashed_state, is_canonical_x86_64, page_size};
use crate::Context;
use crashlens_knowledge::codes;
use crashlens_model::{hex, Analysis, Arch, BaseCandidate, Evidence, Finding, RegisterAnalysis};

/// Whether a register name is a general-purpose register of the arch (sp, pc, lr, flags and
/// fault registers are not).
pub fn is_gpr(arch: Arch, name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    match arch {
        Arch::Arm64 => {
            n == "fp"
                || n.strip_prefix('x')
                    .and_then(|d| d.parse::<u32>().ok())
                    .is_some_and(|d| d <= 28)
        }
        Arch::X86_64 => matches!(
            n.as_str(),
            "rax"
                | "rbx"
                | "rcx"
                | "rdx"
                | "rdi"
                | "rsi"
                | "rbp"
                | "r8"
                | "r9"
                | "r10"
                | "r11"
                | "r12"
                | "r13"
                | "r14"
                | "r15"
        ),
        Arch::Arm32 => {
            matches!(n.as_str(), "ip" | "fp")
                || n.strip_prefix('r')
                    .and_then(|d| d.parse::<u32>().ok())
                    .is_some_and(|d| d <= 12)
        }
        Arch::X86 => matches!(
            n.as_str(),
            "eax" | "ebx" | "ecx" | "edx" | "edi" | "esi" | "ebp"
        ),
        Arch::Unknown => false,
    }
}

/// Registers that could serve as the base of a load or store: the general-purpose ones plus the
/// stack pointer.
fn is_base_register(arch: Arch, name: &str) -> bool {
    is_gpr(arch, name) || matches!(name.to_ascii_lowercase().as_str(), "sp" | "rsp" | "esp")
}

/// Reserved registers that are zero by convention and so cannot be a faulting base.
fn is_reserved(arch: Arch, name: &str) -> bool {
    arch == Arch::Arm64 && name.eq_ignore_ascii_case("x18")
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

pub fn run(cx: &Context, a: &mut Analysis) {
    let report = cx.report;
    let Some((tn, state)) = crashed_state(report) else {
        return;
    };
    let arch = arch_of(report);
    let arch = if arch == Arch::Unknown {
        state.arch
    } else {
        arch
    };
    let codes = codes::builtin();
    let page = page_size(codes, arch);
    let ev = |name: &str, v: u64| {
        Evidence::field(format!("threads[{tn}].state.{name}"))
            .thread(tn)
            .register(name)
            .value(hex::short(v))
    };
    let mut ra = RegisterAnalysis {
        thread: tn,
        ..Default::default()
    };

    for r in &state.registers {
        if !is_gpr(arch, &r.name) || r.value != 0 {
            continue;
        }
        if is_reserved(arch, &r.name) {
            ra.reserved_zero.push(r.name.clone());
        }
        ra.null_registers.push(r.name.clone());
    }

    let fault = a.fault.as_ref();
    let fault_addr = fault.and_then(|f| f.address);
    // Small non-zero values (counts, flags, sizes) are not pointers: a base is NULL or a pointer.
    let mut small_skipped = 0usize;
    let fetch = fault.is_some_and(|f| {
        f.kinds
            .iter()
            .any(|k| k == "pc_zero" || k == "pc_is_fault_address")
    });
    if let Some(far) = fault_addr.filter(|_| !fetch) {
        for r in &state.registers {
            if !is_base_register(arch, &r.name) || is_reserved(arch, &r.name) {
                continue;
            }
            if let Some(off) = far.checked_sub(r.value).filter(|&o| o < page) {
                if r.value != 0 && r.value < page {
                    small_skipped += 1;
                    continue;
                }
                ra.base_candidates.push(BaseCandidate {
                    register: r.name.clone(),
                    value: r.value,
                    offset: off,
                });
            }
        }
    }

    // Findings. Zero registers matter when there is a fault address to explain.
    if fault_addr.is_some() && !ra.null_registers.is_empty() {
        let mut detail = format!("Registers holding zero: {}.", join_and(&ra.null_registers));
        if !ra.reserved_zero.is_empty() {
            detail.push_str(&format!(
                " {} is the platform register, reserved and always 0 in user code on Apple platforms, so it is not a \
                 candidate for the NULL pointer.",
                join_and(&ra.reserved_zero)
            ));
        }
        let mut f = Finding::new(
            "registers.zero",
            format!("zero: {}", join_and(&ra.null_registers)),
            detail,
        )
        .threads([tn]);
        for n in &ra.null_registers {
            f = f.with(ev(n, 0));
        }
        ra.findings.push(f);
    }
    if let Some(far) = fault_addr {
        let describe = |c: &BaseCandidate| {
            if c.value == 0 {
                format!(
                    "{} was NULL, the access was at {} + {}",
                    c.register,
                    c.register,
                    hex::short(c.offset)
                )
            } else {
                format!(
                    "{} = {}, the access was at {} + {}",
                    c.register,
                    hex::short(c.value),
                    c.register,
                    hex::short(c.offset)
                )
            }
        };
        match ra.base_candidates.as_slice() {
            [] => {}
            [one] => {
                let f = Finding::new(
                    "registers.base_candidate",
                    describe(one),
                    format!(
                        "{}: it is the only register holding NULL or a pointer from which the fault address {} is a small non-negative offset \
                         (below a page). Without the instruction at pc this is the likely base, not a certainty.",
                        describe(one),
                        hex::short(far)
                    ),
                )
                .with(ev(&one.register, one.value))
                .threads([tn]);
                ra.findings.push(f);
            }
            many => {
                let names: Vec<String> = many.iter().map(|c| c.register.clone()).collect();
                let mut detail = format!(
                    "Several registers could be the base of the access at {}: {}. Without the instruction at pc the \
                     base register cannot be known",
                    hex::short(far),
                    many.iter().map(describe).collect::<Vec<_>>().join("; ")
                );
                if small_skipped > 0 {
                    detail.push_str(&format!(
                        " ({small_skipped} other registers hold small non-zero integers that would also fit; \
                         they are counts or flags rather than pointers and are left out)"
                    ));
                }
                if report.extra("instructionByteStream").is_some() {
                    detail.push_str(" (the report carries the instruction bytes, instructionByteStream: disassemble them to decide)");
                }
                detail.push('.');
                let mut f = Finding::new(
                    "registers.base_candidates",
                    format!("base register undecided: {}", join_and(&names)),
                    detail,
                )
                .threads([tn]);
                for c in many {
                    f = f.with(ev(&c.register, c.value));
                }
                ra.findings.push(f);
            }
        }
    }

    // Suspicious values: non-canonical pointers on x86_64, fill patterns anywhere.
    let mut non_canonical = Vec::new();
    let mut poison = Vec::new();
    for r in state.registers.iter().filter(|r| is_gpr(arch, &r.name)) {
        if arch == Arch::X86_64 && !is_canonical_x86_64(r.value) {
            non_canonical.push(r);
        }
        if r.value >= page {
            if let Some(p) = codes.poison_at(r.value, 0x100) {
                poison.push((r, p));
            }
        }
    }
    let gp_fault = report
        .exception
        .as_ref()
        .and_then(|e| e.subtype.as_deref())
        .is_some_and(|s| s.contains("GPFLT"));
    let non_canonical_fault = fault.is_some_and(|f| f.kinds.iter().any(|k| k == "non_canonical"));
    if !non_canonical.is_empty() && (gp_fault || non_canonical_fault) {
        let list: Vec<String> = non_canonical
            .iter()
            .map(|r| format!("{} = {}", r.name, hex::short(r.value)))
            .collect();
        let mut f = Finding::new(
            "registers.non_canonical",
            format!("non-canonical values: {}", join_and(&non_canonical.iter().map(|r| r.name.clone()).collect::<Vec<_>>())),
            format!(
                "{} cannot be x86_64 pointers (bits 63:47 not all equal); if one was used as an address it explains a \
                 general-protection fault. Which one was used needs the instruction at rip.",
                join_and(&list)
            ),
        )
        .threads([tn]);
        for r in &non_canonical {
            f = f.with(ev(&r.name, r.value));
        }
        ra.findings.push(f);
    }
    for (r, p) in poison {
        let f = Finding::new(
            "registers.poison_pattern",
            format!("{} holds {}", r.name, p.name),
            format!(
                "{} = {} looks like the fill pattern {}: {}.",
                r.name,
                hex::short(r.value),
                p.name,
                p.meaning
            ),
        )
        .with(ev(&r.name, r.value))
        .threads([tn]);
        ra.findings.push(f);
    }

    for f in &ra.findings {
        a.findings.push(f.clone());
    }
    a.registers = Some(ra);
}
