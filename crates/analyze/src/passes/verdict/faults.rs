//! Rules for bad memory accesses and bad instructions: memory corruption,
//! NULL dereference, stack overflow, hardware, illegal instruction.

use super::draft::Draft;
use super::facts::{clip, threads_words};
use super::inputs::{field_ev, frame_ev, In};
use crate::passes::concurrency;
use crashlens_model::{hex, Confidence, Owner};

/// Bytes below the stack pointer within which a fault counts as hitting the guard.
const STACK_REACH: u64 = 0x10000;
/// Identical consecutive frames that count as runaway recursion.
const RECURSION_RUN: usize = 32;

fn fault_ev(x: &In) -> Vec<crashlens_model::Evidence> {
    let field =
        x.a.fault
            .as_ref()
            .and_then(|f| f.address_field.clone())
            .unwrap_or_else(|| "exception.subtype".into());
    x.f.fault_address
        .map(|v| vec![field_ev(&field, hex::short(v))])
        .unwrap_or_default()
}

/// Evidence of stack exhaustion: (weight, finding detail).
fn stack_signals(x: &In) -> Vec<(i32, &'static str, String)> {
    let f = x.f;
    let mut out = Vec::new();
    if f.has_kind("stack_guard") {
        out.push((
            6,
            "stack_guard",
            "The fault address is in a stack guard region.".to_string(),
        ));
    } else if let (Some(addr), Some(sp)) = (f.fault_address, f.sp) {
        let below = sp.checked_sub(addr).filter(|d| *d <= STACK_REACH);
        let just_above = addr.checked_sub(sp).filter(|d| *d <= 0x100);
        if let Some(d) = below {
            out.push((6, "near_sp", format!("The fault address {} is {d} bytes below the stack pointer ({}): the stack ran into its guard page.", hex::short(addr), hex::short(sp))));
        } else if just_above.is_some() {
            out.push((
                4,
                "near_sp",
                format!(
                    "The fault address {} is at the stack pointer ({}).",
                    hex::short(addr),
                    hex::short(sp)
                ),
            ));
        }
    }
    // Only the region the arrow points at: the VM summary lists stack guards too.
    let arrow_on_guard = f.vm_region_info.as_deref().is_some_and(|v| {
        v.lines().any(|l| {
            l.trim_start().starts_with("--->") && l.to_ascii_uppercase().contains("STACK GUARD")
        })
    });
    if arrow_on_guard {
        out.push((
            4,
            "vm_region",
            "The VM region info places the address in a stack guard.".to_string(),
        ));
    }
    let (run, sym) = longest_run(x);
    if run >= RECURSION_RUN {
        out.push((
            4,
            "recursion",
            format!("The crashed stack repeats `{sym}` {run} times in a row: runaway recursion."),
        ));
    } else if f.frames.len() >= 512 {
        out.push((
            2,
            "deep",
            format!("The crashed stack is {} frames deep.", f.frames.len()),
        ));
    }
    out
}

fn longest_run(x: &In) -> (usize, String) {
    let mut best = (0usize, String::new());
    let mut cur = 0usize;
    let mut prev: Option<&str> = None;
    for fr in &x.f.frames {
        let s = fr.symbol.as_str();
        cur = if prev == Some(s) && !s.is_empty() {
            cur.saturating_add(1)
        } else {
            1
        };
        if cur > best.0 {
            best = (cur, s.to_string());
        }
        prev = Some(s);
    }
    best
}

pub fn stack_overflow(x: &In) -> Option<Draft> {
    if x.f.is_killed() {
        return None;
    }
    let mut d = Draft::new("stack_overflow", x.kb, x.metal);
    if x.f.named(&x.f.names.stack_overflow) {
        let name =
            x.f.exc_type
                .clone()
                .or(x.f.signal.clone())
                .unwrap_or_default();
        d.add_for(
            8,
            "exception",
            "stack-overflow exception",
            format!("The exception is {name}: the thread ran out of stack."),
            vec![field_ev("exception.type", name.clone())],
        );
    }
    for (w, what, detail) in stack_signals(x) {
        let title = match what {
            "stack_guard" => "fault in a stack guard",
            "near_sp" => "fault at the stack pointer",
            "vm_region" => "VM region is a stack guard",
            "recursion" => "runaway recursion",
            _ => "very deep stack",
        };
        d.add_for(w, what, title, detail, fault_ev(x));
    }
    (d.score >= 4).then_some(d)
}

pub fn memory_corruption(x: &In) -> Option<Draft> {
    let f = x.f;
    let kb = x.kb;
    if f.is_killed() {
        return None;
    }
    let malloc_err = f
        .frames
        .iter()
        .take(12)
        .find(|fr| kb.symbols.malloc_error.is_match(&fr.symbol));
    let issues = x.issues_supporting("memory_corruption");
    if !f.is_fault_signal() && malloc_err.is_none() && issues.is_empty() {
        return None;
    }
    let mut d = Draft::new("memory_corruption", kb, x.metal);
    let sub = f.subtype.clone().unwrap_or_default();
    if f.has_kind("pointer_auth") {
        d.add_for(7, "pointer_auth", "pointer authentication failure", format!("The address failed pointer authentication (\"{}\"): a signed pointer was overwritten or forged, the mark of corrupted memory or a use-after-free.", clip(&sub, 140)), fault_ev(x));
    }
    if f.has_kind("poison_pattern") {
        d.add_for(6, "poison", "poison pattern", "The fault address is an allocator or debugger fill pattern: memory that was freed or never initialized was used as a pointer.", fault_ev(x));
    }
    if f.has_kind("non_canonical") || f.has_kind("wild") {
        d.add_for(
            4,
            "wild",
            "wild pointer",
            "The fault address is not one a valid pointer could hold: a pointer was overwritten.",
            fault_ev(x),
        );
    }
    if f.has_kind("pc_is_fault_address") && f.null_offset.is_none() {
        d.add_for(3, "bad_jump", "execution jumped to a bad address", "The program counter is the fault address: a corrupted function pointer, vtable or return address.", fault_ev(x));
    }
    if f.has_kind("sentinel") {
        d.add_for(3, "sentinel", "sentinel value as pointer", "The fault address is a sentinel value (such as all ones): an error value or uninitialized memory was used as a pointer.", fault_ev(x));
    }
    if f.has_kind("alignment") {
        d.add_for(
            2,
            "alignment",
            "misaligned access",
            "The access was misaligned: often a pointer into the middle of an object.",
            fault_ev(x),
        );
    }
    if let Some(fr) = f
        .frame0()
        .filter(|fr| kb.symbols.objc_message.is_match(&fr.symbol))
    {
        d.add_for(
            4,
            "message_send",
            "fault in a message send or release",
            format!(
                "Frame 0 is {}: a fault there usually means the object was already freed.",
                fr.describe()
            ),
            vec![frame_ev(f, fr)],
        );
    }
    if let Some(fr) = malloc_err {
        d.add_for(
            7,
            "malloc_error",
            "the allocator detected corruption",
            format!(
                "Frame {} is {}: the allocator found its own data damaged.",
                fr.index,
                fr.describe()
            ),
            vec![frame_ev(f, fr)],
        );
    }
    for m in issues {
        d.add_for(
            3,
            "known_issue",
            "known issue",
            format!("Known issue: {}.", m.title),
            vec![field_ev("known_issues", m.id.clone())],
        );
    }
    if let Some(c) = x.concurrency(concurrency::MALLOC_ACTIVITY) {
        d.add_for(
            1,
            "malloc_activity",
            "allocator busy elsewhere",
            c.detail.clone(),
            c.evidence.clone(),
        );
        d.with_threads(&c.threads, false);
    }

    let explained =
        !d.evidence_for.is_empty() || f.null_offset.is_some() || f.has_kind("stack_guard");
    if let (false, Some(addr)) = (explained, f.fault_address) {
        let in_image =
            x.a.fault
                .as_ref()
                .and_then(|fa| fa.in_image.clone())
                .or_else(|| x.r.image_at(addr).map(|i| i.display_name().to_string()));
        if in_image.is_none() && addr >= 0x1_0000 {
            d.add_for(2, "bad_pointer", "unexplained address", format!("The fault address {} is neither NULL + a small offset nor inside a loaded image: a pointer held a bad value.", hex::short(addr)), fault_ev(x));
        }
    }
    let in_message_send = f
        .frame0()
        .is_some_and(|fr| kb.symbols.objc_message.is_match(&fr.symbol));
    if let (Some(off), true) = (f.null_offset, in_message_send) {
        d.add_for(
            2,
            "null_inside_object",
            "NULL read inside the object",
            format!("The message send read NULL + {}: the receiver was not nil (nil receivers never fault) but its class pointer was gone, as in a freed and cleared object.", hex::short(off)),
            fault_ev(x),
        );
    } else if let Some(off) = f.null_offset {
        d.add_against(3, "clean_null", "clean NULL + offset", format!("The fault address is NULL + {}: the signature of a missing object (a pointer never set, or cleared), not of overwritten memory.", hex::short(off)), fault_ev(x));
    }
    if let Some(x0) = f.x0.filter(|v| *v >= 0x1_0000_0000) {
        if f.frame0()
            .is_some_and(|fr| fr.symbol.starts_with("-[") || fr.symbol.starts_with("+["))
            && f.null_offset.is_some()
        {
            d.add_against(
                1,
                "valid_self",
                "receiver looks valid",
                format!(
                    "The receiver (x0 = {}) looks like a live heap pointer.",
                    hex::short(x0)
                ),
                vec![field_ev("threads.state.x0", hex::short(x0)).register("x0")],
            );
        }
    }
    if stack_signals(x).iter().map(|s| s.0).sum::<i32>() >= 6 {
        d.add_against(
            6,
            "stack",
            "stack exhaustion instead",
            "The fault sits at the end of the stack: stack exhaustion, not heap corruption.",
            fault_ev(x),
        );
    }
    Some(d)
}

pub fn null_dereference(x: &In) -> Option<Draft> {
    let f = x.f;
    if f.is_killed() || !f.is_fault_signal() {
        return None;
    }
    let pc_zero = f.has_kind("pc_zero");
    let off = f.null_offset;
    if off.is_none() && !pc_zero {
        return None;
    }
    let mut d = Draft::new("null_dereference", x.kb, x.metal);
    if pc_zero {
        // Execution jumped to 0: frame 0 is no code at all; frame 1 is where the call returns.
        let from = f.frames.get(1);
        d.title = match from {
            Some(fr) => format!(
                "Call through a NULL function pointer (pc = 0), returning to {}",
                fr.describe()
            ),
            None => "Call through a NULL function pointer (pc = 0)".into(),
        };
        let mut ev = fault_ev(x);
        ev.extend(from.map(|fr| frame_ev(f, fr)));
        d.add_for(6, "pc_zero", "call through NULL", "The program counter is 0: the code called through a NULL function pointer, block or vtable entry; frame 1 is where that call returns to.", ev);
        return Some(d);
    }
    let blamed = f.blamed_frame()?;
    let what = off
        .map(|o| format!("NULL + {}", hex::short(o)))
        .unwrap_or_else(|| "address 0".into());
    match blamed.owner {
        Owner::GpuDriver => return None,
        Owner::OsFramework | Owner::OsRuntime => {
            let caller = f.caller().filter(|c| {
                matches!(c.owner, Owner::App | Owner::ThirdParty | Owner::MlFramework)
            })?;
            d.title = format!(
                "NULL pointer passed from {} into OS code",
                caller.describe()
            );
            d.add_for(4, "passed_null", "NULL passed to the OS", format!("The fault is {what} inside {} ({}), called from {}: the caller likely passed a NULL (or NULL-based) pointer.", blamed.describe(), blamed.owner.label(), caller.describe()), vec![frame_ev(f, blamed), frame_ev(f, caller)]);
        }
        _ => {
            d.add_for(6, "null_in_code", "NULL dereference", format!("The fault is {what} in {} ({}): code there read or wrote through a NULL pointer.", blamed.describe(), blamed.owner_words()), vec![frame_ev(f, blamed)]);
        }
    }
    if let Some(fr) = f
        .frame0()
        .filter(|fr| x.kb.symbols.objc_message.is_match(&fr.symbol))
    {
        d.add_against(
            4,
            "message_send",
            "fault inside a message send",
            format!("Frame 0 is {}: message sends and reference counting accept nil, so a fault there means the object itself was invalid (freed or overwritten), not a NULL pointer in the caller.", fr.describe()),
            vec![frame_ev(f, fr)],
        );
    }
    let racing: Vec<u32> = [
        concurrency::SAME_API_ACTIVE,
        concurrency::SAME_LIBRARY_ACTIVE,
    ]
    .iter()
    .filter_map(|id| x.concurrency(id))
    .flat_map(|c| c.threads.iter().copied())
    .collect();
    if !racing.is_empty() {
        d.add_against(2, "other_threads", "other threads in the same code", format!("{} running in the same code: the pointer may have been cleared by another thread (see the caller-side race).", super::super::concurrency::capitalize(&threads_words(&racing)) + if racing.len() == 1 { " was" } else { " were" }), vec![]);
        d.with_threads(&racing, true);
    }
    Some(d)
}

pub fn hardware(x: &In) -> Option<Draft> {
    let f = x.f;
    let mut d = Draft::new("hardware", x.kb, x.metal);
    d.cap = Confidence::Medium;
    if f.esr_ec == Some(0x2f) {
        d.add_for(6, "serror", "SError", "The ESR's exception class is an SError interrupt: an asynchronous error reported by the hardware.", vec![field_ev("esr.ec", "0x2f")]);
    }
    if let Some(t) = f.core_text_matching(&x.kb.text.hardware) {
        d.add_for(
            6,
            "text",
            "hardware error message",
            format!("The report says: \"{}\".", clip(&t.text, 200)),
            vec![field_ev(&t.field, clip(&t.text, 80))],
        );
    }
    if d.score <= 0 {
        return None;
    }
    d.add_against(0, "one_report", "one report", "One report cannot separate a hardware fault from software; the same crash on other machines would argue against it.", vec![]);
    Some(d)
}

pub fn illegal_instruction(x: &In) -> Option<Draft> {
    let f = x.f;
    let kb = x.kb;
    let ill = f.is_illegal();
    if !ill || f.is_killed() {
        return None;
    }
    let checked = f.frames.iter().take(16).any(|fr| {
        kb.symbols.assertion.is_match(&fr.symbol) || kb.symbols.abort.is_match(&fr.symbol)
    }) || f.text_matching(&kb.text.assertion).is_some()
        || f.texts.iter().any(|t| t.text.contains("BUG IN CLIENT OF"));
    if checked {
        return None;
    }
    let mut d = Draft::new("illegal_instruction", kb, x.metal);
    d.cap = Confidence::Medium;
    d.add_for(
        4,
        "sigill",
        "illegal instruction",
        format!(
            "{}: the CPU refused the instruction at pc.",
            f.exc_type.clone().or(f.signal.clone()).unwrap_or_default()
        ),
        vec![field_ev(
            "exception.type",
            f.exc_type.clone().unwrap_or_default(),
        )],
    );
    if f.translated {
        d.add_for(2, "rosetta", "running under Rosetta", "The process ran translated (Rosetta): x86 instructions such as AVX are not supported there.", vec![field_ev("process.translated", "true")]);
    }
    Some(d)
}
