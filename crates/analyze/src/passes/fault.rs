//! The fault pass: finds the faulting address (subtype "at 0x...", its pointer-authentication
//! form, codes[1], far by ESR class, cr2 on a page fault), records where it came from, checks the
//! sources agree, and classifies it (NULL + offset, low unmapped memory, pointer-authentication
//! failure, non-canonical, poison pattern, deliberate-crash sentinel, pc == address, pc == 0,
//! alignment, stack guard, wild) with the access (read/write/execute) where the ESR, trap or
//! error code says. Fills `a.fault`. Also holds the small helpers the register passes share.

use crate::passes::esr;
use crate::Context;
use crashlens_knowledge::codes::{self, Codes};
use crashlens_model::{
    hex, Analysis, Arch, CrashReport, Evidence, FaultAnalysis, Finding, ThreadState,
};

/// The architecture of the crashed process: the process's, else the crashed thread state's,
/// else read from the code type text.
pub fn arch_of(report: &CrashReport) -> Arch {
    if report.process.arch != Arch::Unknown {
        return report.process.arch;
    }
    if let Some(s) = report.crashed().and_then(|t| t.state.as_ref()) {
        if s.arch != Arch::Unknown {
            return s.arch;
        }
    }
    let ct = report
        .process
        .code_type
        .as_deref()
        .unwrap_or("")
        .to_ascii_uppercase();
    if ct.contains("ARM-64") || ct.contains("ARM64") {
        Arch::Arm64
    } else if ct.contains("X86-64") || ct.contains("X86_64") {
        Arch::X86_64
    } else if ct.contains("ARM") {
        Arch::Arm32
    } else if ct.contains("X86") {
        Arch::X86
    } else {
        Arch::Unknown
    }
}

/// The table name of an arch ("arm64", "x86_64", ...).
pub fn arch_name(arch: Arch) -> &'static str {
    match arch {
        Arch::Arm64 => "arm64",
        Arch::X86_64 => "x86_64",
        Arch::Arm32 => "arm32",
        Arch::X86 => "x86",
        Arch::Unknown => "unknown",
    }
}

/// The crashed thread's number and register state.
pub fn crashed_state(report: &CrashReport) -> Option<(u32, &ThreadState)> {
    let t = report.crashed()?;
    t.state.as_ref().map(|s| (t.number, s))
}

/// The page size for the process's arch (4 KiB when unknown).
pub fn page_size(codes: &Codes, arch: Arch) -> u64 {
    codes.page_size(arch_name(arch)).unwrap_or(0x1000)
}

/// Whether a 64-bit x86_64 address is canonical (bits 63:47 all equal).
pub fn is_canonical_x86_64(addr: u64) -> bool {
    let top = addr >> 47;
    top == 0 || top == 0x1_ffff
}

/// Parses the first hex number after `at ` in a subtype, and the stripped address of the
/// pointer-authentication form "at A -> B (possible pointer authentication failure)".
pub fn subtype_address(subtype: &str) -> Option<(u64, Option<u64>)> {
    let rest = subtype.split_once(" at ").map(|(_, r)| r)?;
    let mut words = rest.split_whitespace();
    let first = hex::parse(words.next()?)?;
    let stripped = match (words.next(), words.next()) {
        (Some("->"), Some(b)) => hex::parse(b),
        _ => None,
    };
    Some((first, stripped))
}

/// The leading address of `vm_region_info` ("0x5c8 is not in any region.", "0 is not ...").
fn vm_region_address(info: &str) -> Option<u64> {
    let first = info.split_whitespace().next()?;
    if first == "0" {
        return Some(0);
    }
    hex::parse(first).or_else(|| u64::from_str_radix(first, 16).ok())
}

/// What `vm_region_info` says about the address.
struct VmRegion {
    address: Option<u64>,
    not_in_any: bool,
    at_start: bool,
    /// The region the "--->" line points at, as text ("__TEXT 1024b8000-1024bc000 ...").
    arrow: Option<String>,
    /// The region after the arrow, when the arrow line is empty (the next region).
    next: Option<String>,
}

fn read_vm_region(info: &str) -> VmRegion {
    let lines: Vec<&str> = info.lines().collect();
    let arrow_at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("--->"));
    let arrow = arrow_at
        .and_then(|i| lines.get(i))
        .map(|l| l.trim_start().trim_start_matches("--->").trim().to_string())
        .filter(|s| !s.is_empty());
    let next = arrow_at
        .and_then(|i| lines.get(i + 1))
        .map(|l| l.trim().to_string())
        .filter(|s| !s.is_empty());
    let before = arrow_at
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| lines.get(i));
    VmRegion {
        address: vm_region_address(info),
        not_in_any: info.contains("is not in any region"),
        at_start: arrow.is_none() && before.is_some_and(|l| l.trim() == "UNUSED SPACE AT START"),
        arrow,
        next,
    }
}

fn push(fa: &mut FaultAnalysis, f: Finding) {
    fa.findings.push(f);
}

fn add_kind(fa: &mut FaultAnalysis, k: &str) {
    if !fa.kinds.iter().any(|x| x == k) {
        fa.kinds.push(k.to_string());
    }
}

fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or("")
}

/// Collapses runs of spaces in a vm_region line.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn run(cx: &Context, a: &mut Analysis) {
    let report = cx.report;
    let codes = codes::builtin();
    let arch = arch_of(report);
    let page = page_size(codes, arch);
    let exc = report.exception.as_ref();
    let kind = exc
        .and_then(|e| e.kind.as_deref())
        .map(|k| first_word(k).to_string());
    let signal = exc
        .and_then(|e| e.signal.as_deref())
        .unwrap_or("")
        .to_string();
    let subtype = exc
        .and_then(|e| e.subtype.as_deref())
        .unwrap_or("")
        .to_string();
    let crashed = crashed_state(report);
    let reg = |name: &str| crashed.and_then(|(_, s)| s.value(name));
    let tfield = |name: &str| match crashed {
        Some((n, _)) => format!("threads[{n}].state.{name}"),
        None => format!("state.{name}"),
    };
    let tn = crashed.map(|(n, _)| n);
    let ev_reg = |name: &str, v: u64| {
        let mut e = Evidence::field(tfield(name))
            .register(name)
            .value(hex::short(v));
        if let Some(n) = tn {
            e = e.thread(n);
        }
        e
    };

    // Is this a memory fault at all?
    let kind_s = kind.as_deref().unwrap_or("");
    let bare_signal_fault = matches!(kind_s, "SIGSEGV" | "SIGBUS")
        || (kind.is_none() && matches!(signal.as_str(), "SIGSEGV" | "SIGBUS"));
    let memory_kind = kind_s == "EXC_BAD_ACCESS" || bare_signal_fault;
    let esr_decoded = reg("esr").filter(|&v| v != 0).map(|v| esr::decode(v, None));
    let esr_kind = esr_decoded
        .as_ref()
        .and_then(|d| esr::class_kind(codes, d.ec))
        .unwrap_or("");
    let esr_abort = matches!(esr_kind, "data_abort" | "instruction_abort");
    let trap = reg("trap");
    if !(memory_kind || (exc.is_none() && esr_abort)) {
        return;
    }
    if signal == "SIGKILL" {
        let f = Finding::new(
            "fault.not_a_fault",
            "killed, not a memory fault",
            format!(
                "The exception type reads {} but the signal is SIGKILL: the process was killed (see the termination \
                 reason), so the address in the exception is not a fault to analyze.",
                kind_s
            ),
        )
        .with(Evidence::field("exception.signal").value("SIGKILL"));
        a.findings.push(f);
        return;
    }

    let mut fa = FaultAnalysis::default();
    let gpflt = subtype.contains("EXC_I386_GPFLT")
        || (arch == Arch::X86_64
            && kind_s == "EXC_BAD_ACCESS"
            && exc.and_then(|e| e.codes.first()) == Some(&13));

    // --- the address and where it came from --------------------------------------------------
    let from_subtype = subtype_address(&subtype);
    let codes1 = if kind_s == "EXC_BAD_ACCESS" && !gpflt {
        exc.filter(|e| e.codes.len() >= 2)
            .and_then(|e| e.codes.get(1).copied())
    } else {
        None
    };
    // FnV (ISS bit 10) set: far does not hold the fault address.
    let far_valid = esr_decoded.as_ref().is_some_and(|d| d.iss & (1 << 10) == 0);
    let far = if arch == Arch::Arm64 && esr_abort && far_valid {
        reg("far")
    } else {
        None
    };
    let cr2 = if arch == Arch::X86_64 && trap == Some(14) && !gpflt {
        reg("cr2")
    } else {
        None
    };
    if let Some((addr, stripped)) = from_subtype {
        fa.address = Some(addr);
        fa.address_field = Some("exception.subtype".into());
        fa.stripped_address = stripped;
    } else if let Some(c) = codes1 {
        fa.address = Some(c);
        fa.address_field = Some("exception.codes[1]".into());
    } else if let Some(f) = far {
        fa.address = Some(f);
        fa.address_field = Some(tfield("far"));
    } else if let Some(c) = cr2 {
        fa.address = Some(c);
        fa.address_field = Some(tfield("cr2"));
    }

    // --- cross-checks -------------------------------------------------------------------------
    if let Some(addr) = fa.address {
        let src = fa.address_field.clone().unwrap_or_default();
        let mut others: Vec<(String, u64, Evidence)> = Vec::new();
        if src != "exception.codes[1]" {
            if let Some(c) = codes1 {
                others.push((
                    "codes[1]".into(),
                    c,
                    Evidence::field("exception.codes[1]").value(hex::short(c)),
                ));
            }
        }
        if !src.ends_with(".far") {
            if let Some(f) = far {
                others.push(("far".into(), f, ev_reg("far", f)));
            }
        }
        if !src.ends_with(".cr2") {
            if let Some(c) = cr2 {
                others.push(("cr2".into(), c, ev_reg("cr2", c)));
            }
        }
        let src_ev = Evidence::field(src.clone()).value(hex::short(addr));
        let (agree, differ): (Vec<_>, Vec<_>) =
            others.into_iter().partition(|(_, v, _)| *v == addr);
        if !agree.is_empty() {
            let names: Vec<String> = agree.iter().map(|(n, _, _)| n.clone()).collect();
            let names = names.join(" and ");
            let verb = if agree.len() > 1 { "agree" } else { "agrees" };
            let mut f = Finding::new(
                "fault.address_agrees",
                format!("{names} {verb}: {}", hex::short(addr)),
                format!(
                    "The fault address {} from {src} is also what {names} hold.",
                    hex::short(addr)
                ),
            )
            .with(src_ev.clone());
            for (_, _, ev) in agree {
                f = f.with(ev);
            }
            push(&mut fa, f);
        }
        for (name, v, ev) in differ {
            if fa.stripped_address == Some(v) {
                continue;
            }
            push(
                &mut fa,
                Finding::new(
                    "fault.address_disagrees",
                    format!("{name} = {} differs from {}", hex::short(v), hex::short(addr)),
                    format!(
                        "The fault address {} from {src} is not what {name} holds ({}). The address is taken from \
                         {src}, the first of subtype, codes[1], far and cr2 that the report has; the other value may \
                         be stale or describe another access.",
                        hex::short(addr),
                        hex::short(v)
                    ),
                )
                .with(src_ev.clone())
                .with(ev),
            );
        }
    }

    // --- access ------------------------------------------------------------------------------
    if let Some(d) = &esr_decoded {
        match esr_kind {
            "data_abort" => {
                fa.access = d
                    .write
                    .map(|w| if w { "write" } else { "read" }.to_string())
            }
            "instruction_abort" => fa.access = Some("execute".into()),
            _ => {}
        }
    }
    if arch == Arch::X86_64 && trap == Some(14) && !gpflt {
        let desc = crashed
            .and_then(|(_, s)| s.get("trap"))
            .and_then(|r| r.description.as_deref())
            .unwrap_or("")
            .to_ascii_lowercase();
        fa.access = if desc.contains("instruction") {
            Some("execute".into())
        } else if desc.contains("write") {
            Some("write".into())
        } else if desc.contains("read") {
            Some("read".into())
        } else {
            // Page-fault error code: bit 4 instruction fetch, bit 1 write.
            reg("err").map(|err| {
                if err & 0x10 != 0 {
                    "execute".to_string()
                } else if err & 0x2 != 0 {
                    "write".to_string()
                } else {
                    "read".to_string()
                }
            })
        };
    }

    let pc = reg("pc").or_else(|| reg("rip"));
    let sp = reg("sp").or_else(|| reg("rsp"));

    // --- GPFLT: no address --------------------------------------------------------------------
    if gpflt && fa.address.is_none() {
        let mut f = Finding::new(
            "fault.no_address",
            "general-protection fault: no address recorded",
            "EXC_I386_GPFLT is a general-protection fault: the CPU does not report a fault address for it (cr2 holds \
             only the last page fault's address, so it is not this fault's). In user code it almost always means a \
             non-canonical pointer (bits 63:47 not all equal): a corrupt, freed or uninitialized pointer.",
        )
        .with(Evidence::field("exception.subtype").value(subtype.clone()));
        if let Some(c) = reg("cr2").filter(|&c| c != 0) {
            f.detail.push_str(&format!(
                " The thread state shows cr2 = {}{}; it is not taken as this fault's address.",
                hex::short(c),
                if trap == Some(14) {
                    " with trap 14 (a page fault)"
                } else {
                    ""
                }
            ));
            f = f.with(ev_reg("cr2", c));
        }
        let mut bad = Vec::new();
        if let Some((_, s)) = crashed {
            for r in s
                .registers
                .iter()
                .filter(|r| crate::passes::registers::is_gpr(arch, &r.name))
            {
                if !is_canonical_x86_64(r.value) {
                    bad.push(format!("{} = {}", r.name, hex::short(r.value)));
                    f = f.with(ev_reg(&r.name, r.value));
                }
            }
        }
        if !bad.is_empty() {
            f.detail.push_str(&format!(
                " Registers holding non-canonical values, candidates for the bad pointer: {}.",
                bad.join(", ")
            ));
            add_kind(&mut fa, "non_canonical");
        }
        push(&mut fa, f);
    }

    // --- classification -----------------------------------------------------------------------
    if let Some(addr) = fa.address {
        let src = fa.address_field.clone().unwrap_or_default();
        let src_ev = || Evidence::field(src.clone()).value(hex::short(addr));
        let vm = report.vm_region_info.as_deref().map(read_vm_region);
        let vm_ev = || {
            Evidence::field("vm_region_info").value(
                report
                    .vm_region_info
                    .as_deref()
                    .map(|s| s.lines().next().unwrap_or("").trim().to_string())
                    .unwrap_or_default(),
            )
        };

        if addr < page {
            fa.null_offset = Some(addr);
            add_kind(&mut fa, "null_offset");
            let (title, detail) = if addr == 0 {
                (
                    "NULL (0x0)".to_string(),
                    "The fault address is 0: a NULL pointer was dereferenced (or called)."
                        .to_string(),
                )
            } else {
                (
                    format!("NULL + {}", hex::short(addr)),
                    format!(
                        "{a} = NULL + {a} ({addr} bytes): the address lies in the unmapped first page ({} on {}), so a \
                         pointer that was NULL was used with an offset of {addr} bytes (a field of a struct or object \
                         reached through a NULL pointer).",
                        size_words(page),
                        arch_name(arch),
                        a = hex::short(addr)
                    ),
                )
            };
            push(
                &mut fa,
                Finding::new("fault.null_offset", title, detail).with(src_ev()),
            );
        }

        if let Some(vm) = &vm {
            if let Some(va) = vm
                .address
                .filter(|&va| va != addr && Some(va) != fa.stripped_address)
            {
                let mut detail = format!(
                    "vm_region_info looked up {} while the fault address is {}: the report's region lookup used the \
                     address with its high bits removed.",
                    hex::short(va),
                    hex::short(addr)
                );
                if va < page {
                    detail.push_str(&format!(
                        " Without those bits the address is NULL + {} ({va} bytes): a NULL-based access through a \
                         pointer that carried high bits (a tag or corrupted upper bits).",
                        hex::short(va)
                    ));
                }
                push(
                    &mut fa,
                    Finding::new(
                        "fault.vm_region_address_differs",
                        format!("vm_region_info names {}", hex::short(va)),
                        detail,
                    )
                    .with(vm_ev())
                    .with(src_ev()),
                );
            }
            if vm.not_in_any {
                let mut detail = format!(
                    "vm_region_info: {} is not in any region",
                    hex::short(vm.address.unwrap_or(addr))
                );
                if vm.at_start {
                    detail.push_str(", below the first mapped region");
                    if let Some(n) = &vm.next {
                        detail.push_str(&format!(" (the next region is {})", squash(n)));
                    }
                }
                detail.push('.');
                if vm.at_start && addr >= page && !matches!(vm.address, Some(va) if va != addr) {
                    add_kind(&mut fa, "low_unmapped");
                    push(
                        &mut fa,
                        Finding::new(
                            "fault.low_unmapped",
                            format!("{} is low unmapped memory", hex::short(addr)),
                            format!(
                                "{detail} The address is above the first page but below every mapping (on 64-bit \
                                 Apple platforms the first 4 GiB are __PAGEZERO): a small integer or a NULL-based \
                                 pointer with a large offset was used as an address."
                            ),
                        )
                        .with(vm_ev())
                        .with(src_ev()),
                    );
                } else {
                    push(
                        &mut fa,
                        Finding::new(
                            "fault.unmapped",
                            "not in any region",
                            format!("{detail} The address was not mapped."),
                        )
                        .with(vm_ev()),
                    );
                }
            } else if let Some(region) = &vm.arrow {
                let text = squash(region);
                if text.to_ascii_lowercase().starts_with("stack guard") {
                    add_kind(&mut fa, "stack_guard");
                }
                push(
                    &mut fa,
                    Finding::new(
                        "fault.in_region",
                        format!("inside a mapped region: {}", region_type(&text)),
                        format!(
                            "vm_region_info: the address is inside a mapped region ({text}); the access was refused by \
                             the region's protection or could not be served (not an unmapped address)."
                        ),
                    )
                    .with(vm_ev()),
                );
            }
        }

        // Pointer authentication.
        let pac_hint = subtype.contains("pointer authentication");
        let pac_subtype = codes
            .subtype(first_word(&subtype))
            .is_some_and(|s| s.kinds.iter().any(|k| k == "pointer_auth"));
        let pac_esr = esr_kind == "pac";
        if pac_hint || pac_subtype || pac_esr {
            add_kind(&mut fa, "pointer_auth");
            let target = fa.stripped_address.unwrap_or(addr);
            fa.in_image = report
                .image_at(target)
                .map(|i| i.display_name().to_string());
            let mut detail = match fa.stripped_address {
                Some(s) => format!(
                    "The subtype gives the signed pointer {} and the address with its signature stripped, {}; the \
                     kernel suspects a pointer-authentication failure: a signed pointer (return address, function or \
                     vtable pointer) did not authenticate, because it was corrupted, forged or signed with another \
                     context.",
                    hex::short(addr),
                    hex::short(s)
                ),
                None => format!("The fault at {} is a pointer-authentication failure.", hex::short(addr)),
            };
            match &fa.in_image {
                Some(img) => detail.push_str(&format!(
                    " The stripped address {} lies inside {img}: a real code or data pointer whose signature bits were \
                     wrong, which points at a corrupted or mis-signed pointer rather than a wild value.",
                    hex::short(target)
                )),
                None => detail.push_str(&format!(
                    " The stripped address {} is in no loaded image, so the pointer was not a valid code pointer \
                     either: more likely a wild or corrupted value than a correct pointer with a bad signature.",
                    hex::short(target)
                )),
            }
            push(
                &mut fa,
                Finding::new(
                    "fault.pointer_auth",
                    "possible pointer-authentication failure",
                    detail,
                )
                .with(src_ev()),
            );
        } else if let Some(img) = report.image_at(addr) {
            fa.in_image = Some(img.display_name().to_string());
            push(
                &mut fa,
                Finding::new(
                    "fault.in_image",
                    format!("inside {}", img.display_name()),
                    format!(
                        "{} lies inside {} (offset {}): the pointer pointed into that image's code or data, so the \
                         address was mapped and the access itself was refused (a write to read-only memory, a \
                         misaligned access) rather than the address being wild.",
                        hex::short(addr),
                        img.display_name(),
                        hex::short(addr.saturating_sub(img.base))
                    ),
                )
                .with(src_ev()),
            );
        }

        // Non-canonical x86_64.
        if arch == Arch::X86_64 && !is_canonical_x86_64(addr) {
            add_kind(&mut fa, "non_canonical");
            push(
                &mut fa,
                Finding::new(
                    "fault.non_canonical",
                    format!("{} is non-canonical", hex::short(addr)),
                    "Bits 63:47 of the address are not all equal, so no x86_64 pointer can hold it: a corrupt value \
                     was used as a pointer.",
                )
                .with(src_ev()),
            );
        }

        // Poison patterns and sentinels.
        for cand in [Some(addr), fa.stripped_address].into_iter().flatten() {
            if let Some(s) = codes.sentinels.iter().find(|s| s.value == cand) {
                add_kind(&mut fa, "sentinel");
                push(
                    &mut fa,
                    Finding::new(
                        "fault.sentinel",
                        format!("{}: {}", hex::short(cand), s.name),
                        format!("{}.", s.meaning),
                    )
                    .with(src_ev()),
                );
                break;
            }
            if let Some(p) = codes.poison_at(cand, page) {
                add_kind(&mut fa, "poison_pattern");
                let off = p
                    .forms()
                    .iter()
                    .filter_map(|f| cand.checked_sub(*f))
                    .min()
                    .unwrap_or(0);
                let at = if off == 0 {
                    "is".to_string()
                } else {
                    format!("is {} past", hex::short(off))
                };
                push(
                    &mut fa,
                    Finding::new(
                        "fault.poison_pattern",
                        format!("{} looks like {}", hex::short(cand), p.name),
                        format!(
                            "The address {at} the fill pattern {}: {}.",
                            p.name, p.meaning
                        ),
                    )
                    .with(src_ev()),
                );
                break;
            }
        }

        // Executing the bad address.
        if let Some(pc) = pc {
            if pc == addr && addr != 0 {
                add_kind(&mut fa, "pc_is_fault_address");
                fa.access = Some("execute".into());
                push(
                    &mut fa,
                    Finding::new(
                        "fault.pc_is_fault_address",
                        "executing the bad address",
                        format!(
                            "pc = {} is the fault address: the CPU jumped to or called a bad address (a corrupt \
                             function pointer, vtable or return address), and fetching the instruction faulted.",
                            hex::short(pc)
                        ),
                    )
                    .with(ev_reg(if reg("pc").is_some() { "pc" } else { "rip" }, pc))
                    .with(src_ev()),
                );
            }
        }

        // Near the stack pointer: a stack overflow into the guard page.
        if let Some(sp) = sp {
            if addr >= page
                && addr.abs_diff(sp) < page
                && !fa.kinds.iter().any(|k| k == "stack_guard")
            {
                add_kind(&mut fa, "stack_guard");
                push(
                    &mut fa,
                    Finding::new(
                        "fault.stack_guard",
                        "fault next to the stack pointer",
                        format!(
                            "The fault address {} is within a page of sp = {}: the stack most likely ran into its \
                             guard page (a stack overflow, e.g. deep or unbounded recursion).",
                            hex::short(addr),
                            hex::short(sp)
                        ),
                    )
                    .with(src_ev())
                    .with(ev_reg(if reg("sp").is_some() { "sp" } else { "rsp" }, sp)),
                );
            }
        }
    }

    // A call through NULL: pc == 0, whatever the address source.
    if pc == Some(0) {
        add_kind(&mut fa, "pc_zero");
        fa.access = Some("execute".into());
        let pc_name = if reg("pc").is_some() { "pc" } else { "rip" };
        let mut f = Finding::new(
            "fault.pc_zero",
            "call through a NULL function pointer",
            String::new(),
        )
        .with(ev_reg(pc_name, 0));
        match (arch, reg("lr")) {
            (Arch::Arm64 | Arch::Arm32, Some(lr)) => {
                let where_ = report
                    .image_at(lr & 0x0000_000f_ffff_ffff)
                    .or_else(|| report.image_at(lr))
                    .map(|i| format!(" in {}", i.display_name()))
                    .unwrap_or_default();
                f.detail = format!(
                    "pc = 0: the program called or jumped through a NULL function pointer (or a NULL method or block \
                     pointer). The call was made just before lr = {}{where_}: that is the caller.",
                    hex::short(lr)
                );
                f = f.with(ev_reg("lr", lr));
            }
            _ => {
                f.detail = "pc = 0: the program called through a NULL function pointer. On x86_64 the return address (the \
                            caller) is the word at rsp; the next frame of the crashed stack shows it."
                    .into();
                if let Some(sp) = sp {
                    f = f.with(ev_reg("rsp", sp));
                }
            }
        }
        push(&mut fa, f);
    }

    // Alignment.
    let align_subtype = codes
        .subtype(first_word(&subtype))
        .is_some_and(|s| s.kinds.iter().any(|k| k == "alignment"));
    let align_code = arch == Arch::Arm64
        && kind_s == "EXC_BAD_ACCESS"
        && exc
            .and_then(|e| e.codes.first())
            .is_some_and(|&c| c == 0x101 || c == 0x103);
    let align_esr = esr_kind == "alignment"
        || (esr_kind == "data_abort" && esr_decoded.as_ref().is_some_and(|d| d.iss & 0x3f == 0x21));
    if align_subtype || align_code || align_esr {
        add_kind(&mut fa, "alignment");
        let mut f = Finding::new(
            "fault.alignment",
            "misaligned access",
            format!(
                "The access{} was not aligned as the instruction requires (an atomic, exclusive or SIMD access, or a \
                 pointer into the middle of an object: often a corrupted or mis-computed pointer).",
                fa.address.map(|a| format!(" at {}", hex::short(a))).unwrap_or_default()
            ),
        );
        if align_subtype {
            f = f.with(Evidence::field("exception.subtype").value(subtype.clone()));
        }
        if align_esr {
            if let Some(v) = reg("esr") {
                f = f.with(ev_reg("esr", v));
            }
        }
        push(&mut fa, f);
    }

    // Wild: an address none of the above explains.
    if let Some(addr) = fa.address {
        let explained = fa.kinds.iter().any(|k| k != "alignment")
            || fa
                .findings
                .iter()
                .any(|f| f.id == "fault.vm_region_address_differs");
        if !explained && fa.in_image.is_none() && report.image_at(addr).is_none() {
            let vm_unmapped = report
                .vm_region_info
                .as_deref()
                .is_some_and(|v| v.contains("is not in any region"));
            if vm_unmapped {
                add_kind(&mut fa, "wild");
                let ev = Evidence::field(fa.address_field.clone().unwrap_or_default())
                    .value(hex::short(addr));
                push(
                    &mut fa,
                    Finding::new(
                        "fault.wild",
                        format!("{}: a wild address", hex::short(addr)),
                        "The address is not near NULL, not in any image and not mapped: a dangling or corrupted \
                         pointer (use after free, a stale pointer, memory corruption).",
                    )
                    .with(ev),
                );
            }
        }
    }

    for f in &fa.findings {
        a.findings.push(f.clone());
    }
    a.fault = Some(fa);
}

/// The region type of a vm_region line: the words before the address range.
fn region_type(s: &str) -> String {
    s.split_whitespace()
        .take_while(|w| {
            !(w.contains('-') && w.chars().next().is_some_and(|c| c.is_ascii_hexdigit()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn size_words(bytes: u64) -> String {
    if bytes >= 1024 && bytes & 1023 == 0 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}
