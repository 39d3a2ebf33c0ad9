//! The first analysis passes (exception, termination, fault, registers, esr) on crash reports
//! built by hand from real reports: the seed's AGX crash (its thread 4 state is in the seed
//! document), and cases taken from the corpus files they are named after. Each pass runs on its
//! own, in pipeline order, and the tests assert on its section and findings.

use crashlens_analyze::passes::{esr, exception, fault, registers, termination};
use crashlens_analyze::Context;
use crashlens_model::{
    Analysis, Arch, CrashReport, Exception, Image, Process, Register, Termination, Thread,
    ThreadState,
};

// ----- builders -------------------------------------------------------------------------------

fn reg(name: &str, value: u64) -> Register {
    Register {
        name: name.into(),
        value,
        ..Default::default()
    }
}

fn reg_d(name: &str, value: u64, description: &str) -> Register {
    Register {
        name: name.into(),
        value,
        description: Some(description.into()),
        ..Default::default()
    }
}

fn state(arch: Arch, regs: &[(&str, u64)]) -> ThreadState {
    ThreadState {
        arch,
        registers: regs.iter().map(|&(n, v)| reg(n, v)).collect(),
    }
}

fn crashed_thread(number: u32, state: ThreadState) -> Thread {
    Thread {
        number,
        crashed: true,
        state: Some(state),
        ..Default::default()
    }
}

fn exc(kind: &str, signal: &str, subtype: Option<&str>, codes: &[u64]) -> Exception {
    Exception {
        kind: Some(kind.into()),
        signal: (!signal.is_empty()).then(|| signal.into()),
        subtype: subtype.map(str::to_string),
        codes: codes.to_vec(),
        ..Default::default()
    }
}

fn report(arch: Arch, exception: Option<Exception>, threads: Vec<Thread>) -> CrashReport {
    let crashed = threads.iter().find(|t| t.crashed).map(|t| t.number);
    CrashReport {
        process: Process {
            arch,
            name: Some("Test".into()),
            ..Default::default()
        },
        exception,
        crashed_thread: crashed,
        threads,
        ..Default::default()
    }
}

/// Runs the five passes in pipeline order.
fn analyze(r: &CrashReport) -> Analysis {
    let cx = Context::new(r);
    let mut a = Analysis::default();
    exception::run(&cx, &mut a);
    termination::run(&cx, &mut a);
    fault::run(&cx, &mut a);
    registers::run(&cx, &mut a);
    esr::run(&cx, &mut a);
    a
}

fn ids(a: &Analysis) -> Vec<&str> {
    a.findings.iter().map(|f| f.id.as_str()).collect()
}

fn finding<'a>(a: &'a Analysis, id: &str) -> &'a crashlens_model::Finding {
    a.findings
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no finding {id} in {:?}", ids(a)))
}

// ----- the seed ---------------------------------------------------------------------------------

/// Thread 4's ARM thread state as the seed document prints it.
fn seed_state() -> ThreadState {
    let mut s = state(
        Arch::Arm64,
        &[
            ("x0", 0x0000600003afd8c0),
            ("x1", 0x00000001fb28cd9c),
            ("x2", 0x000000012050c170),
            ("x3", 0x000000016eaf0fd8),
            ("x4", 0x0000000130bfc0a0),
            ("x5", 0x000000000000002c),
            ("x6", 0x0000000000000000),
            ("x7", 0x0000000000000001),
            ("x8", 0x0000000000000078),
            ("x9", 0x00000001fb28cd9c),
            ("x10", 0x00000001d79ed864),
            ("x11", 0x000000000000001f),
            ("x12", 0x000000000000001c),
            ("x13", 0x000000012050c790),
            ("x14", 0x010000010ce6d019),
            ("x15", 0x000000010ce6d018),
            ("x16", 0x000000010ce6d018),
            ("x17", 0x000000010c9d52b0),
            ("x18", 0x0000000000000000),
            ("x19", 0x000000012050c170),
            ("x20", 0x0000000000000000),
            ("x21", 0x0000600003afd8c0),
            ("x22", 0x000000016eaf1290),
            ("x23", 0x00000001036dafc8),
            ("x24", 0x000000016eaf1010),
            ("x25", 0x0000600000f741a0),
            ("x26", 0x0000000000000019),
            ("x27", 0x00000001036dafc8),
            ("x28", 0x00000001208da040),
            ("fp", 0x000000016eaf0fb0),
            ("lr", 0x0000000116b36f9c),
            ("sp", 0x000000016eaf0fa0),
            ("pc", 0x000000010c9d52d0),
            ("cpsr", 0x60000000),
            ("far", 0x00000000000005c8),
        ],
    );
    s.registers.push(reg_d(
        "esr",
        0x92000006,
        "(Data Abort) byte read Translation fault",
    ));
    s
}

fn seed() -> CrashReport {
    let mut threads: Vec<Thread> = (0..4)
        .map(|n| Thread {
            number: n,
            ..Default::default()
        })
        .collect();
    threads.push(crashed_thread(4, seed_state()));
    let mut r = report(
        Arch::Arm64,
        Some(exc(
            "EXC_BAD_ACCESS",
            "SIGSEGV",
            Some("KERN_INVALID_ADDRESS at 0x00000000000005c8"),
            &[0x1, 0x5c8],
        )),
        threads,
    );
    r.process.name = Some("Python".into());
    r.termination = Some(Termination {
        namespace: Some("SIGNAL".into()),
        code: Some(11),
        indicator: Some("Segmentation fault: 11".into()),
        by_process: Some("exc handler".into()),
        by_pid: Some(81920),
        ..Default::default()
    });
    r.vm_region_info = Some(
        "0x5c8 is not in any region.  Bytes before following region: 4333468216\n\
         REGION TYPE          START - END           [ VSIZE] PRT/MAX SHRMOD\n\
         UNUSED SPACE AT START\n\
         --->\n\
         __TEXT               1024b8000-1024bc000   [   16K] r-x/r-x SM=COW"
            .into(),
    );
    r
}

#[test]
fn seed_exception_and_termination() {
    let a = analyze(&seed());
    let e = a.exception.as_ref().unwrap();
    assert_eq!(e.kind.as_deref(), Some("EXC_BAD_ACCESS"));
    assert_eq!(e.kind_meaning.as_deref(), Some("bad memory access"));
    assert!(e
        .signal_meaning
        .as_deref()
        .unwrap()
        .starts_with("SIGSEGV (11): segmentation fault"));
    assert!(e.subtype_meaning.as_deref().unwrap().contains("not mapped"));
    let t = a.termination.as_ref().unwrap();
    assert_eq!(t.category.as_deref(), Some("signal"));
    assert!(t.meaning.as_deref().unwrap().contains("SIGSEGV"));
    assert!(t
        .by_process
        .as_deref()
        .unwrap()
        .contains("kernel's exception handler"));
    assert!(ids(&a).contains(&"termination.signal"));
}

#[test]
fn seed_fault_is_null_plus_0x5c8_agreeing_with_far() {
    let a = analyze(&seed());
    let f = a.fault.as_ref().unwrap();
    assert_eq!(f.address, Some(0x5c8));
    assert_eq!(f.address_field.as_deref(), Some("exception.subtype"));
    assert_eq!(f.null_offset, Some(0x5c8));
    assert_eq!(f.kinds, vec!["null_offset"]);
    assert_eq!(f.access.as_deref(), Some("read"));
    let n = finding(&a, "fault.null_offset");
    assert_eq!(n.title, "NULL + 0x5c8");
    assert!(n.detail.contains("(1480 bytes)"), "{}", n.detail);
    assert!(n.detail.contains("16 KiB"));
    // far agrees, and codes[1] too.
    let agree: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.id == "fault.address_agrees")
        .collect();
    assert_eq!(agree.len(), 1);
    assert_eq!(agree[0].title, "codes[1] and far agree: 0x5c8");
    assert!(agree.iter().any(
        |f| f.evidence.iter().any(|e| e.field == "threads[4].state.far"
            && e.thread == Some(4)
            && e.register.as_deref() == Some("far")
            && e.value.as_deref() == Some("0x5c8"))
    ));
    assert!(!ids(&a).contains(&"fault.address_disagrees"));
    // vm_region_info: not in any region, below the first region.
    let u = finding(&a, "fault.unmapped");
    assert!(u.detail.contains("not in any region"));
    assert!(u.detail.contains("__TEXT"));
    assert!(!f.kinds.contains(&"low_unmapped".to_string()));
}

#[test]
fn seed_registers_zero_and_undecided_base() {
    let a = analyze(&seed());
    let r = a.registers.as_ref().unwrap();
    assert_eq!(r.thread, 4);
    assert_eq!(r.null_registers, vec!["x6", "x18", "x20"]);
    assert_eq!(r.reserved_zero, vec!["x18"]);
    let names: Vec<&str> = r
        .base_candidates
        .iter()
        .map(|c| c.register.as_str())
        .collect();
    assert_eq!(names, vec!["x6", "x20"]);
    assert!(r
        .base_candidates
        .iter()
        .all(|c| c.value == 0 && c.offset == 0x5c8));
    let z = finding(&a, "registers.zero");
    assert!(z.detail.contains("x6, x18 and x20"));
    assert!(z.detail.contains("platform register"));
    let b = finding(&a, "registers.base_candidates");
    assert!(b
        .detail
        .contains("x20 was NULL, the access was at x20 + 0x5c8"));
    assert!(b.detail.contains("cannot be known"));
    assert!(!b.detail.contains("x18"));
}

#[test]
fn seed_esr_is_a_level_2_translation_read_with_no_size() {
    let a = analyze(&seed());
    let e = a.esr.as_ref().unwrap();
    assert_eq!(e.value, 0x92000006);
    assert_eq!(e.ec, 0x24);
    assert!(e
        .ec_meaning
        .contains("data abort from a lower exception level (user mode)"));
    assert!(e.il);
    assert_eq!(e.iss, 6);
    assert_eq!(e.write, Some(false));
    assert_eq!(e.fault_status.as_deref(), Some("translation fault"));
    assert_eq!(e.level, Some(2));
    assert_eq!(e.isv, Some(false));
    assert_eq!(e.access_size, None);
    assert_eq!(
        e.apple_description.as_deref(),
        Some("(Data Abort) byte read Translation fault")
    );
    assert_eq!(e.caveats.len(), 1, "{:?}", e.caveats);
    assert!(e.caveats[0].contains("\"byte\"") && e.caveats[0].contains("ISV = 0"));
    assert_eq!(e.evidence[0].field, "threads[4].state.esr");
    let d = finding(&a, "esr.decoded");
    assert!(
        d.title.contains("read") && d.title.contains("level 2"),
        "{}",
        d.title
    );
    assert!(ids(&a).contains(&"esr.apple_text_disagrees"));
}

// ----- x86_64 -----------------------------------------------------------------------------------

#[test]
fn x86_64_call_through_null_rip_zero() {
    // single-target style: trap 14 "(no mapping for user instruction read)", rip = 0.
    let mut s = state(
        Arch::X86_64,
        &[
            ("rax", 0),
            ("rbx", 0x7ff7bfeff5a8),
            ("rsp", 0x7ff7bfeff4e8),
            ("rip", 0),
            ("cr2", 0),
            ("err", 0x14),
        ],
    );
    s.registers
        .push(reg_d("trap", 14, "(no mapping for user instruction read)"));
    let r = report(
        Arch::X86_64,
        Some(exc(
            "EXC_BAD_ACCESS",
            "SIGSEGV",
            Some("KERN_INVALID_ADDRESS at 0x0000000000000000"),
            &[1, 0],
        )),
        vec![crashed_thread(0, s)],
    );
    let a = analyze(&r);
    let f = a.fault.as_ref().unwrap();
    assert_eq!(f.address, Some(0));
    assert_eq!(f.null_offset, Some(0));
    assert!(f.kinds.contains(&"pc_zero".to_string()));
    assert!(!f.kinds.contains(&"pc_is_fault_address".to_string()));
    assert_eq!(f.access.as_deref(), Some("execute"));
    let p = finding(&a, "fault.pc_zero");
    assert!(p.detail.contains("rsp"));
    assert!(ids(&a).contains(&"fault.address_agrees")); // cr2 on trap 14
    assert!(a.esr.is_none());
    assert_eq!(a.registers.as_ref().unwrap().null_registers, vec!["rax"]);
}

#[test]
fn x86_64_gpflt_has_no_address_and_names_non_canonical_registers() {
    // fud_2018-06-12-083437_Admins-MacBook-Pro-4.crash, thread 1.
    let s = state(
        Arch::X86_64,
        &[
            ("rax", 0xe00007f80bd22039),
            ("rbx", 0x00007f80bd2202e0),
            ("rcx", 0x7fffffffffffffff),
            ("rdx", 0x011d800101d66da1),
            ("rdi", 0x00007f80bd21a250),
            ("rsi", 0x0000000102c01000),
            ("rbp", 0x0000700007e096c0),
            ("rsp", 0x0000700007e09670),
            ("r8", 0x0000000102c00010),
            ("r9", 0x1),
            ("rip", 0x00007fff67fc6cbd),
            ("cr2", 0x00007fff9b2f11b8),
        ],
    );
    let r = report(
        Arch::X86_64,
        Some(exc(
            "EXC_BAD_ACCESS",
            "SIGSEGV",
            Some("EXC_I386_GPFLT"),
            &[],
        )),
        vec![
            Thread {
                number: 0,
                ..Default::default()
            },
            crashed_thread(1, s),
        ],
    );
    let a = analyze(&r);
    let e = a.exception.as_ref().unwrap();
    assert!(e
        .subtype_meaning
        .as_deref()
        .unwrap()
        .contains("general-protection"));
    let f = a.fault.as_ref().unwrap();
    assert_eq!(f.address, None, "cr2 is not the address of a GP fault");
    assert_eq!(f.kinds, vec!["non_canonical"]);
    let n = finding(&a, "fault.no_address");
    assert!(n.detail.contains("rax = 0xe00007f80bd22039"));
    assert!(n.detail.contains("rcx = 0x7fffffffffffffff"));
    assert!(n.detail.contains("rdx = 0x11d800101d66da1"));
    assert!(!n.detail.contains("rbx"));
    let rn = finding(&a, "registers.non_canonical");
    assert!(rn.title.contains("rax") && rn.title.contains("rdx"));
    assert!(a.registers.as_ref().unwrap().base_candidates.is_empty());
}

#[test]
fn x86_64_codes_derive_the_subtype() {
    let r = report(
        Arch::X86_64,
        Some(exc("EXC_BAD_INSTRUCTION", "SIGILL", None, &[1, 0])),
        vec![crashed_thread(
            0,
            state(Arch::X86_64, &[("rip", 0x10b6c1a7f)]),
        )],
    );
    let a = analyze(&r);
    let e = a.exception.as_ref().unwrap();
    assert_eq!(e.subtype.as_deref(), Some("EXC_I386_INVOP"));
    assert!(e.subtype_meaning.as_deref().unwrap().contains("ud2"));
    assert!(a.fault.is_none());
    assert!(!ids(&a).contains(&"exception.instruction_word"));
}

// ----- pointer authentication -------------------------------------------------------------------

#[test]
fn pac_failure_with_stripped_address_in_an_image() {
    // icdab_ptr_ios.crash.
    let mut s = state(
        Arch::Arm64,
        &[
            ("x8", 0x2000000100ae9df8),
            ("pc", 0x100ae9df8),
            ("sp", 0x16f31f9a0),
        ],
    );
    s.registers.push(reg_d(
        "esr",
        0x82000004,
        "(Instruction Abort) Translation fault",
    ));
    let mut r = report(
        Arch::Arm64,
        Some(exc(
            "EXC_BAD_ACCESS",
            "SIGSEGV",
            Some("KERN_INVALID_ADDRESS at 0x2000000100ae9df8 -> 0x0000000100ae9df8 (possible pointer authentication failure)"),
            &[1, 0x2000000100ae9df8],
        )),
        vec![crashed_thread(0, s)],
    );
    r.images = vec![Image {
        base: 0x100ae4000,
        size: Some(0x8000),
        name: Some("icdab_ptr".into()),
        ..Default::default()
    }];
    r.vm_region_info = Some(
        "0x100ae9df8 is in 0x100ae4000-0x100aec000;  bytes after start: 24056  bytes before end: 8711\n\
         REGION TYPE                 START - END      [ VSIZE] PRT/MAX SHRMOD  REGION DETAIL\n\
         UNUSED SPACE AT START\n\
         --->  __TEXT                   100ae4000-100aec000 [   32K] r-x/r-x SM=COW  ...app/icdab_ptr"
            .into(),
    );
    let a = analyze(&r);
    let f = a.fault.as_ref().unwrap();
    assert_eq!(f.address, Some(0x2000000100ae9df8));
    assert_eq!(f.stripped_address, Some(0x100ae9df8));
    assert_eq!(f.in_image.as_deref(), Some("icdab_ptr"));
    assert!(f.kinds.contains(&"pointer_auth".to_string()));
    assert!(f.null_offset.is_none());
    assert_eq!(f.access.as_deref(), Some("execute"));
    let p = finding(&a, "fault.pointer_auth");
    assert!(p.detail.contains("inside icdab_ptr"));
    assert!(!ids(&a).contains(&"fault.vm_region_address_differs"));
    assert_eq!(
        finding(&a, "fault.in_region").title,
        "inside a mapped region: __TEXT"
    );
    // x8 held the signed pointer: the base with offset 0.
    let r = a.registers.as_ref().unwrap();
    assert_eq!(r.base_candidates.len(), 1);
    assert_eq!(r.base_candidates[0].register, "x8");
    let e = a.esr.as_ref().unwrap();
    assert_eq!(e.ec, 0x20);
    assert_eq!(
        (e.fault_status.as_deref(), e.level),
        (Some("translation fault"), Some(0))
    );
    assert_eq!(e.write, None);
}

/// icdab_ptr_ios.crash: "KERN_INVALID_ADDRESS at 0x2000000100ae9df8 -> 0x0000000100ae9df8
/// (possible pointer authentication failure)", and its VM region info puts 0x100ae9df8 in
/// __TEXT of icdab_ptr: the subtype means a failed authentication, not an unmapped address.
#[test]
fn pac_subtype_meaning_is_failed_authentication_not_unmapped() {
    let r = read("apple/faisalmemon-ios-crash-dump-analysis-book/icdab_ptr_ios.crash");
    let a = analyze(&r);
    let e = a.exception.as_ref().unwrap();
    assert_eq!(
        e.subtype.as_deref(),
        Some("KERN_INVALID_ADDRESS at 0x2000000100ae9df8 -> 0x0000000100ae9df8 (possible pointer authentication failure)")
    );
    let m = e.subtype_meaning.as_deref().unwrap();
    assert!(m.contains("failed pointer authentication"), "{m}");
    assert!(!m.contains("not mapped"), "{m}");
    let x = finding(&a, "exception.explained");
    assert!(!x.detail.contains("not mapped"), "{}", x.detail);
    // The fault pass still places the stripped address in mapped __TEXT.
    assert_eq!(
        a.fault.as_ref().unwrap().stripped_address,
        Some(0x100ae9df8)
    );
    assert_eq!(
        finding(&a, "fault.in_region").title,
        "inside a mapped region: __TEXT"
    );
}

#[test]
fn pac_failure_outside_any_image_and_a_syscall_esr_named_address_size_fault() {
    // adventure_crash_ios.crash, thread 27: no far; esr 0x56000080 described as "Address size fault".
    let mut s = state(
        Arch::Arm64,
        &[
            ("x8", 0x41fc821e00000000),
            ("x18", 0),
            ("lr", 0xe970e981d0246578),
            ("sp", 0x171028600),
            ("pc", 0x1d0246644),
        ],
    );
    s.registers
        .push(reg_d("esr", 0x56000080, " Address size fault"));
    let r = report(
        Arch::Arm64,
        Some(exc(
            "EXC_BAD_ACCESS",
            "SIGSEGV",
            Some("KERN_INVALID_ADDRESS at 0x41fc821e000001b0 -> 0xffffff9e000001b0 (possible pointer authentication failure)"),
            &[],
        )),
        vec![crashed_thread(27, s)],
    );
    let a = analyze(&r);
    let f = a.fault.as_ref().unwrap();
    assert_eq!(f.address, Some(0x41fc821e000001b0));
    assert_eq!(f.stripped_address, Some(0xffffff9e000001b0));
    assert_eq!(f.in_image, None);
    assert!(finding(&a, "fault.pointer_auth")
        .detail
        .contains("in no loaded image"));
    assert_eq!(
        f.access, None,
        "a syscall ESR says nothing about the access"
    );
    let rg = a.registers.as_ref().unwrap();
    assert_eq!(rg.base_candidates.len(), 1);
    assert_eq!(
        (
            rg.base_candidates[0].register.as_str(),
            rg.base_candidates[0].offset
        ),
        ("x8", 0x1b0)
    );
    assert_eq!(rg.reserved_zero, vec!["x18"]);
    let e = a.esr.as_ref().unwrap();
    assert_eq!(e.ec, 0x15);
    assert_eq!(e.immediate, Some(0x80));
    assert!(e
        .caveats
        .iter()
        .any(|c| c.contains("Address size fault") && c.contains("no fault status")));
    assert!(e
        .caveats
        .iter()
        .any(|c| c.contains("does not describe this fault")));
}

// ----- tagged high bits (kimu0223-solo-quest/log.md) --------------------------------------------

#[test]
fn high_bits_address_with_vm_region_on_the_low_part() {
    let mut s = state(
        Arch::Arm64,
        &[
            ("x5", 0),
            ("x8", 0xfffb80000000008d),
            ("x10", 0),
            ("x16", 0),
            ("x18", 0),
            ("x22", 0x000080000000008d),
            ("sp", 0x16da5cad0),
            ("pc", 0x104960060),
            ("far", 0x0000800000000099),
        ],
    );
    s.registers.push(reg_d(
        "esr",
        0x92000004,
        "(Data Abort) byte read Translation fault",
    ));
    let mut r = report(
        Arch::Arm64,
        Some(exc(
            "EXC_BAD_ACCESS",
            "SIGSEGV",
            Some("KERN_INVALID_ADDRESS at 0x0000800000000099"),
            &[1, 0x800000000099],
        )),
        vec![crashed_thread(10, s)],
    );
    r.vm_region_info = Some(
        "0x99 is not in any region.  Bytes before following region: 4338040679\n      REGION TYPE                 START - END      [ VSIZE] PRT/MAX SHRMOD  REGION DETAIL\n      UNUSED SPACE AT START\n--->  \n      __TEXT                   102914000-102918000 [   16K] r-x/r-x SM=COW  /var/containers/SoloQuest"
            .into(),
    );
    let a = analyze(&r);
    let f = a.fault.as_ref().unwrap();
    assert_eq!(f.address, Some(0x800000000099));
    assert_eq!(f.null_offset, None);
    let d = finding(&a, "fault.vm_region_address_differs");
    assert!(d.detail.contains("NULL + 0x99"));
    let rg = a.registers.as_ref().unwrap();
    assert_eq!(rg.base_candidates.len(), 1);
    assert_eq!(
        (
            rg.base_candidates[0].register.as_str(),
            rg.base_candidates[0].offset
        ),
        ("x22", 0xc)
    );
    assert!(finding(&a, "registers.base_candidate")
        .title
        .contains("x22 = 0x80000000008d"));
    assert_eq!(a.esr.as_ref().unwrap().level, Some(0));
}

// ----- termination kinds ------------------------------------------------------------------------

#[test]
fn watchdog_8badf00d_springboard() {
    // kiosk_startup_ios.crash.
    let r = CrashReport {
        termination: Some(Termination {
            namespace: Some("SPRINGBOARD".into()),
            code: Some(0x8badf00d),
            description: Some(
                "SPRINGBOARD, scene-update watchdog transgression: com.colddataacquisition.yourstorekiosk exhausted real (wall clock) time allowance of 10.00 seconds |  | ProcessVisibility: Foreground | ProcessState: Running | WatchdogEvent: scene-update | WatchdogVisibility: Foreground".into(),
            ),
            ..Default::default()
        }),
        ..report(
            Arch::Arm64,
            Some(exc("EXC_BAD_ACCESS", "SIGKILL", Some("KERN_INVALID_ADDRESS at 0x0000000000000000"), &[])),
            vec![crashed_thread(0, state(Arch::Arm64, &[("x0", 0), ("pc", 0x1822a8e08)]))],
        )
    };
    let a = analyze(&r);
    let t = a.termination.as_ref().unwrap();
    assert_eq!(t.category.as_deref(), Some("watchdog"));
    assert!(t.meaning.as_deref().unwrap().contains("ate bad food"));
    let w = finding(&a, "termination.watchdog_event");
    assert_eq!(w.title, "watchdog: scene-update");
    assert!(w.detail.contains("10.00 seconds"));
    assert!(ids(&a).contains(&"termination.watchdog"));
    assert!(ids(&a).contains(&"exception.killed"));
    assert!(a.fault.is_none(), "a SIGKILL's address is not a fault");
    assert!(ids(&a).contains(&"fault.not_a_fault"));
    assert!(!ids(&a).contains(&"registers.zero"));
}

#[test]
fn tcc_privacy_violation() {
    // icdab_camera_iOSonMac.crash.
    let r = CrashReport {
        termination: Some(Termination {
            namespace: Some("TCC".into()),
            code: Some(0),
            ..Default::default()
        }),
        ..report(
            Arch::Arm64,
            Some(exc("EXC_CRASH", "SIGABRT", None, &[0, 0])),
            vec![],
        )
    };
    let a = analyze(&r);
    let t = a.termination.as_ref().unwrap();
    assert_eq!(t.category.as_deref(), Some("privacy"));
    assert!(t.meaning.as_deref().unwrap().contains("privacy"));
    assert!(ids(&a).contains(&"termination.privacy"));
    assert!(a
        .exception
        .as_ref()
        .unwrap()
        .kind_meaning
        .as_deref()
        .unwrap()
        .contains("abnormal exit"));
    assert!(a.fault.is_none());
}

#[test]
fn thermal_numeric_type_00000020() {
    // train_thermal.crash: "Exception Type: 00000020", "Exception Codes: 0xc00010ff", no termination.
    let r = report(
        Arch::Arm32,
        Some(exc("00000020", "", None, &[0xc00010ff])),
        vec![],
    );
    let a = analyze(&r);
    let e = a.exception.as_ref().unwrap();
    assert!(e
        .kind_meaning
        .as_deref()
        .unwrap()
        .contains("system terminated"));
    let n = finding(&a, "exception.numeric_type");
    assert!(n.detail.contains("cool off"));
    let t = a.termination.as_ref().unwrap();
    assert_eq!(t.category.as_deref(), Some("thermal"));
    assert_eq!(t.code, Some(0xc00010ff));
    assert!(ids(&a).contains(&"termination.thermal"));
}

#[test]
fn zero_type_and_file_lock() {
    // MainThreadDeadlock.txt: "0 (0)"; one_messenger_sql_ios.crash: 0xdead10cc.
    let r = CrashReport {
        termination: Some(Termination {
            namespace: Some("SPRINGBOARD".into()),
            code: Some(0xdead10cc),
            ..Default::default()
        }),
        ..report(Arch::Arm64, Some(exc("0 (0)", "", None, &[])), vec![])
    };
    let a = analyze(&r);
    assert!(a
        .exception
        .as_ref()
        .unwrap()
        .kind_meaning
        .as_deref()
        .unwrap()
        .contains("no Mach exception"));
    assert_eq!(
        a.termination.as_ref().unwrap().category.as_deref(),
        Some("file_lock")
    );
}

// ----- breakpoints and instructions ------------------------------------------------------------

#[test]
fn breakpoint_brk_1_with_esr_f2000001() {
    // ios-crash-in-ips-format.ips: codes 0x1, 0x18a98520c; esr "(Breakpoint) brk 1".
    let mut s = state(Arch::Arm64, &[("x0", 0), ("pc", 0x18a98520c), ("far", 0)]);
    s.registers
        .push(reg_d("esr", 0xf2000001, "(Breakpoint) brk 1"));
    let r = report(
        Arch::Arm64,
        Some(exc("EXC_BREAKPOINT", "SIGTRAP", None, &[1, 0x18a98520c])),
        vec![crashed_thread(0, s)],
    );
    let a = analyze(&r);
    let e = a.exception.as_ref().unwrap();
    assert_eq!(e.subtype.as_deref(), Some("EXC_ARM_BREAKPOINT"));
    let pc = finding(&a, "exception.trap_pc");
    assert!(pc.detail.contains("0x18a98520c") && pc.detail.contains("matches thread 0's pc"));
    assert!(ids(&a).contains(&"exception.deliberate_trap"));
    assert!(a.fault.is_none());
    let d = a.esr.as_ref().unwrap();
    assert_eq!(d.ec, 0x3c);
    assert_eq!(d.immediate, Some(1));
    assert!(d.caveats.is_empty(), "{:?}", d.caveats);
    assert!(d.write.is_none() && d.isv.is_none());
}

#[test]
fn breakpoint_text_subtype_names_brk() {
    // icdab_sema_osx_arm64.crash: "EXC_ARM_BREAKPOINT at 0x00000001de16e2f8 (brk 1)".
    let r = report(
        Arch::Arm64,
        Some(exc(
            "EXC_BREAKPOINT",
            "SIGTRAP",
            Some("EXC_ARM_BREAKPOINT at 0x00000001de16e2f8 (brk 1)"),
            &[],
        )),
        vec![],
    );
    let a = analyze(&r);
    assert!(finding(&a, "exception.deliberate_trap")
        .detail
        .contains("brk 1"));
    assert!(a
        .exception
        .as_ref()
        .unwrap()
        .subtype_meaning
        .as_deref()
        .unwrap()
        .contains("brk"));
    assert!(
        a.fault.is_none(),
        "the address of a breakpoint is a pc, not a fault"
    );
}

#[test]
fn arm64_bad_instruction_word() {
    // icdab_as.crash: codes 0x1, 0xc87f7e7f.
    let r = report(
        Arch::Arm64,
        Some(exc("EXC_BAD_INSTRUCTION", "SIGILL", None, &[1, 0xc87f7e7f])),
        vec![],
    );
    let a = analyze(&r);
    assert_eq!(
        a.exception.as_ref().unwrap().subtype.as_deref(),
        Some("EXC_ARM_UNDEFINED")
    );
    assert_eq!(
        finding(&a, "exception.instruction_word").title,
        "instruction word 0xc87f7e7f"
    );
}

// ----- alignment, stack, poison, sentinels --------------------------------------------------------

#[test]
fn bus_adraln_alignment_fault_arm32() {
    // jablotron_sigbus_align.crash: "Exception Type: SIGBUS", "BUS_ADRALN at 0xcd0b1c".
    let r = report(
        Arch::Arm32,
        Some(Exception {
            kind: Some("SIGBUS".into()),
            subtype: Some("BUS_ADRALN at 0xcd0b1c".into()),
            ..Default::default()
        }),
        vec![crashed_thread(
            0,
            state(
                Arch::Arm32,
                &[
                    ("r0", 0xcd0b1c),
                    ("r1", 0),
                    ("sp", 0x2fe0c000),
                    ("pc", 0x3a4b8),
                ],
            ),
        )],
    );
    let a = analyze(&r);
    let e = a.exception.as_ref().unwrap();
    assert_eq!(e.signal.as_deref(), Some("SIGBUS"));
    assert!(e.kind_meaning.as_deref().unwrap().contains("bare signal"));
    assert!(e.subtype_meaning.as_deref().unwrap().contains("misaligned"));
    let f = a.fault.as_ref().unwrap();
    assert_eq!(f.address, Some(0xcd0b1c));
    assert!(f.kinds.contains(&"alignment".to_string()));
    assert!(finding(&a, "fault.alignment").detail.contains("0xcd0b1c"));
    assert_eq!(
        a.registers.as_ref().unwrap().base_candidates[0].register,
        "r0"
    );
}

#[test]
fn arm64_alignment_from_esr_dfsc_0x21() {
    let mut s = state(
        Arch::Arm64,
        &[
            ("x0", 0x1000c0003),
            ("pc", 0x100004000),
            ("far", 0x1000c0003),
        ],
    );
    s.registers.push(reg("esr", 0x92000061));
    let r = report(
        Arch::Arm64,
        Some(exc(
            "EXC_BAD_ACCESS",
            "SIGBUS",
            Some("EXC_ARM_DA_ALIGN at 0x00000001000c0003"),
            &[0x101, 0x1000c0003],
        )),
        vec![crashed_thread(0, s)],
    );
    let a = analyze(&r);
    let f = a.fault.as_ref().unwrap();
    assert!(f.kinds.contains(&"alignment".to_string()));
    assert_eq!(f.access.as_deref(), Some("write"));
    let e = a.esr.as_ref().unwrap();
    assert_eq!(e.fault_status.as_deref(), Some("alignment fault"));
    assert_eq!(e.write, Some(true));
    assert!(finding(&a, "fault.alignment")
        .evidence
        .iter()
        .any(|e| e.register.as_deref() == Some("esr")));
}

#[test]
fn isv_set_gives_the_size_and_checks_apple_words() {
    // ISV=1, SAS=0b11 (8 bytes), WnR=1, DFSC 7: 0x93c00047.
    let d = esr::decode(
        0x93c00047,
        Some("(Data Abort) byte write Translation fault"),
    );
    assert_eq!(d.isv, Some(true));
    assert_eq!(d.access_size, Some(8));
    assert_eq!(d.write, Some(true));
    assert_eq!(d.level, Some(3));
    assert!(d.caveats.iter().any(|c| c.contains("SAS gives 8 bytes")));
    let ok = esr::decode(
        0x92000046,
        Some("(Data Abort) byte write Translation fault"),
    );
    assert_eq!(ok.write, Some(true));
    assert!(ok.caveats.iter().all(|c| !c.contains("WnR")));
    let wrong = esr::decode(
        0x92000006,
        Some("(Data Abort) byte write Translation fault"),
    );
    assert!(wrong.caveats.iter().any(|c| c.contains("WnR = 0")));
}

#[test]
fn stack_overflow_next_to_sp() {
    // StackOverflow.txt (KSCrash): KERN_INVALID_ADDRESS at 0x2fd59ff8, sp 0x2fd5a008.
    let r = report(
        Arch::Arm32,
        Some(exc(
            "EXC_BAD_ACCESS",
            "SIGSEGV",
            Some("KERN_INVALID_ADDRESS at 0x2fd59ff8"),
            &[],
        )),
        vec![crashed_thread(
            0,
            state(
                Arch::Arm32,
                &[
                    ("r7", 0x2fd5a010),
                    ("sp", 0x2fd5a008),
                    ("lr", 0x6189b),
                    ("pc", 0x35097c92),
                ],
            ),
        )],
    );
    let a = analyze(&r);
    let f = a.fault.as_ref().unwrap();
    assert!(f.kinds.contains(&"stack_guard".to_string()));
    assert!(finding(&a, "fault.stack_guard")
        .detail
        .contains("sp = 0x2fd5a008"));
}

#[test]
fn poison_and_sentinel_addresses() {
    let mk = |addr: u64, arch: Arch| {
        report(
            arch,
            Some(exc(
                "EXC_BAD_ACCESS",
                "SIGSEGV",
                Some(&format!("KERN_INVALID_ADDRESS at {addr:#018x}")),
                &[1, addr],
            )),
            vec![crashed_thread(
                0,
                state(
                    arch,
                    &[("x1", addr.wrapping_sub(0x10)), ("pc", 0x100004000)],
                ),
            )],
        )
    };
    let a = analyze(&mk(0xaaaaaaaaaaaaaaba, Arch::Arm64));
    let f = a.fault.as_ref().unwrap();
    assert_eq!(f.kinds, vec!["poison_pattern"]);
    assert!(finding(&a, "fault.poison_pattern")
        .detail
        .contains("MallocScribble"));
    assert!(finding(&a, "fault.poison_pattern")
        .detail
        .contains("0x10 past"));
    let a = analyze(&mk(0x5555555555555555, Arch::Arm64));
    assert!(finding(&a, "fault.poison_pattern").detail.contains("freed"));
    let a = analyze(&mk(0xbbadbeef, Arch::Arm64));
    assert_eq!(a.fault.as_ref().unwrap().kinds, vec!["sentinel"]);
    assert!(finding(&a, "fault.sentinel").detail.contains("WebKit"));
    // A plain heap-like address is wild when vm_region_info says it is unmapped.
    let mut r = mk(0x12bb9b008, Arch::Arm64);
    r.vm_region_info =
        Some("0x12bb9b008 is not in any region.  Bytes after previous region: 272777225".into());
    let a = analyze(&r);
    assert_eq!(a.fault.as_ref().unwrap().kinds, vec!["wild"]);
}

#[test]
fn pc_is_the_fault_address() {
    let mut s = state(
        Arch::Arm64,
        &[
            ("x8", 0x1234560000),
            ("lr", 0x100008000),
            ("pc", 0x1234560000),
            ("far", 0x1234560000),
        ],
    );
    s.registers.push(reg("esr", 0x8200000f)); // instruction abort, permission fault level 3
    let r = report(
        Arch::Arm64,
        Some(exc(
            "EXC_BAD_ACCESS",
            "SIGSEGV",
            Some("KERN_PROTECTION_FAILURE at 0x0000001234560000"),
            &[2, 0x1234560000],
        )),
        vec![crashed_thread(0, s)],
    );
    let a = analyze(&r);
    let f = a.fault.as_ref().unwrap();
    assert!(f.kinds.contains(&"pc_is_fault_address".to_string()));
    assert_eq!(f.access.as_deref(), Some("execute"));
    assert_eq!(
        a.esr.as_ref().unwrap().fault_status.as_deref(),
        Some("permission fault")
    );
    assert!(a
        .exception
        .as_ref()
        .unwrap()
        .subtype_meaning
        .as_deref()
        .unwrap()
        .contains("not allowed"));
}

#[test]
fn arm64_pc_zero_names_the_caller_at_lr() {
    let mut s = state(
        Arch::Arm64,
        &[("x8", 0), ("lr", 0x100008abc), ("pc", 0), ("far", 0)],
    );
    s.registers.push(reg("esr", 0x82000006));
    let mut r = report(
        Arch::Arm64,
        Some(exc(
            "EXC_BAD_ACCESS",
            "SIGSEGV",
            Some("KERN_INVALID_ADDRESS at 0x0000000000000000"),
            &[1, 0],
        )),
        vec![crashed_thread(0, s)],
    );
    r.images = vec![Image {
        base: 0x100000000,
        size: Some(0x10000),
        name: Some("MyApp".into()),
        ..Default::default()
    }];
    let a = analyze(&r);
    let p = finding(&a, "fault.pc_zero");
    assert!(
        p.detail.contains("lr = 0x100008abc in MyApp"),
        "{}",
        p.detail
    );
    assert_eq!(a.fault.as_ref().unwrap().access.as_deref(), Some("execute"));
}

#[test]
fn another_thread_with_a_data_abort_esr_is_reported_not_blamed() {
    let mut r = seed();
    let mut other = state(Arch::Arm64, &[("far", 0x800000000099)]);
    other.registers.push(reg_d(
        "esr",
        0x92000004,
        "(Data Abort) byte read Translation fault",
    ));
    let mut idle = state(Arch::Arm64, &[("far", 0)]);
    idle.registers.push(reg_d("esr", 0x56000080, "(Syscall)"));
    r.threads[3].state = Some(other);
    r.threads[2].state = Some(idle);
    let a = analyze(&r);
    let o: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.id == "esr.other_thread_abort")
        .collect();
    assert_eq!(o.len(), 1);
    assert_eq!(o[0].threads, vec![3]);
    assert!(o[0].detail.contains("not the crash"));
    assert_eq!(a.esr.as_ref().unwrap().value, 0x92000006);
}

#[test]
fn exc_crash_with_sigsegv_is_a_raised_signal() {
    // MemoryLeakingApp-2022-08-05-132419.ips: EXC_CRASH (SIGSEGV), no termination.
    let r = report(
        Arch::X86_64,
        Some(exc("EXC_CRASH", "SIGSEGV", None, &[0, 0])),
        vec![],
    );
    let a = analyze(&r);
    assert!(ids(&a).contains(&"exception.signal_raised"));
    assert!(a.fault.is_none());
    assert!(a.termination.is_none());
}

#[test]
fn guard_exception_keeps_the_kernel_message() {
    let mut e = exc(
        "EXC_GUARD",
        "SIGKILL",
        Some("GUARD_TYPE_MACH_PORT"),
        &[0x13313, 0],
    );
    e.message = Some(" INVALID_NAME on mach port 78611 (guarded with 0x0000000000000000)".into());
    let r = CrashReport {
        termination: Some(Termination {
            namespace: Some("GUARD".into()),
            code: Some(2305845208237028115),
            ..Default::default()
        }),
        ..report(Arch::Arm64, Some(e), vec![])
    };
    let a = analyze(&r);
    let g = finding(&a, "exception.guard");
    assert!(g.detail.contains("Mach port") && g.detail.contains("INVALID_NAME on mach port 78611"));
    assert_eq!(
        a.termination.as_ref().unwrap().category.as_deref(),
        Some("guard")
    );
}

#[test]
fn nothing_to_say_on_an_empty_report() {
    let a = analyze(&CrashReport::default());
    assert!(a.exception.is_none() && a.termination.is_none() && a.fault.is_none());
    assert!(a.registers.is_none() && a.esr.is_none());
    assert!(a.findings.is_empty());
}

// ----- real reports (crates/read) -----------------------------------------------------------------
//
// Expected values below were read from the report files themselves.

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");
const SEED_IPS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/seed-agx-race.ips"
);

fn read(rel: &str) -> CrashReport {
    let path = std::path::Path::new(CORPUS).join(rel);
    crashlens_read::read_file(&path).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn corpus_every_readable_report_keeps_the_invariants() {
    let mut files = Vec::new();
    walk(std::path::Path::new(CORPUS), &mut files);
    assert!(files.len() >= 40, "corpus not found at {CORPUS}");
    let (mut analyzed, mut faults, mut esrs) = (0, 0, 0);
    for path in &files {
        let Ok(r) = crashlens_read::read_file(path) else {
            continue;
        };
        let name = path.display().to_string();
        let a = analyze(&r);
        analyzed += 1;
        for f in &a.findings {
            let pass = f.id.split('.').next().unwrap();
            assert!(
                ["exception", "termination", "fault", "registers", "esr"].contains(&pass),
                "{name}: {}",
                f.id
            );
            assert!(
                !f.title.is_empty() && !f.detail.is_empty(),
                "{name}: {}",
                f.id
            );
            assert!(!f.evidence.is_empty(), "{name}: {} has no evidence", f.id);
            assert!(
                f.evidence.iter().all(|e| !e.field.is_empty()),
                "{name}: {}",
                f.id
            );
        }
        if let Some(fa) = &a.fault {
            faults += 1;
            assert_eq!(fa.address.is_some(), fa.address_field.is_some(), "{name}");
            if let Some(off) = fa.null_offset {
                assert_eq!(Some(off), fa.address, "{name}");
                assert!(off < 0x4000, "{name}");
            }
            let mut kinds = fa.kinds.clone();
            kinds.sort();
            kinds.dedup();
            assert_eq!(kinds.len(), fa.kinds.len(), "{name}: repeated kinds");
        }
        if let Some(rg) = &a.registers {
            assert!(
                rg.base_candidates.iter().all(|c| c.register != "x18"),
                "{name}"
            );
            assert!(
                rg.reserved_zero
                    .iter()
                    .all(|z| rg.null_registers.contains(z)),
                "{name}"
            );
            let far = a.fault.as_ref().and_then(|f| f.address);
            for c in &rg.base_candidates {
                assert_eq!(Some(c.value + c.offset), far, "{name}: {}", c.register);
            }
        }
        if let Some(e) = &a.esr {
            esrs += 1;
            assert_eq!(u64::from(e.ec), (e.value >> 26) & 0x3f, "{name}");
            assert_eq!(u64::from(e.iss), e.value & 0x01ff_ffff, "{name}");
            assert!(e.access_size.is_none() || e.isv == Some(true), "{name}");
        }
    }
    assert!(analyzed >= 40, "only {analyzed} reports read");
    assert!(faults >= 10 && esrs >= 10, "faults {faults}, esrs {esrs}");
}

#[test]
fn corpus_seed_ips_end_to_end() {
    let r = crashlens_read::read_file(std::path::Path::new(SEED_IPS)).unwrap();
    let a = analyze(&r);
    let f = a.fault.as_ref().unwrap();
    assert_eq!((f.address, f.null_offset), (Some(0x5c8), Some(0x5c8)));
    assert_eq!(f.address_field.as_deref(), Some("exception.subtype"));
    assert!(a
        .findings
        .iter()
        .any(|x| x.id == "fault.address_agrees" && x.title.contains("far")));
    assert!(finding(&a, "fault.unmapped")
        .detail
        .contains("not in any region"));
    let rg = a.registers.as_ref().unwrap();
    assert_eq!(rg.thread, 4);
    assert_eq!(rg.null_registers, vec!["x6", "x18", "x20"]);
    assert_eq!(rg.reserved_zero, vec!["x18"]);
    let b: Vec<&str> = rg
        .base_candidates
        .iter()
        .map(|c| c.register.as_str())
        .collect();
    assert_eq!(b, vec!["x6", "x20"]);
    let e = a.esr.as_ref().unwrap();
    assert_eq!(
        (e.value, e.ec, e.write, e.level, e.isv),
        (0x92000006, 0x24, Some(false), Some(2), Some(false))
    );
    assert!(e.caveats.iter().any(|c| c.contains("ISV = 0")));
    assert_eq!(
        a.termination.as_ref().unwrap().category.as_deref(),
        Some("signal")
    );
}

#[test]
fn corpus_solo_quest_high_bit_address() {
    // kimu0223-solo-quest/log.md: subtype at 0x0000800000000099, far the same, vmRegionInfo on
    // 0x99, x22 = 0x000080000000008d, esr 0x92000004; thread 3 holds esr 0x92000007.
    let a = analyze(&read("apple/kimu0223-solo-quest/log.md"));
    let f = a.fault.as_ref().unwrap();
    assert_eq!(f.address, Some(0x800000000099));
    assert!(a
        .findings
        .iter()
        .any(|x| x.id == "fault.address_agrees" && x.title.contains("far")));
    assert!(finding(&a, "fault.vm_region_address_differs")
        .detail
        .contains("NULL + 0x99"));
    let rg = a.registers.as_ref().unwrap();
    assert_eq!(rg.thread, 10);
    assert_eq!(rg.base_candidates.len(), 1);
    assert_eq!(
        (
            rg.base_candidates[0].register.as_str(),
            rg.base_candidates[0].offset
        ),
        ("x22", 0xc)
    );
    let e = a.esr.as_ref().unwrap();
    assert_eq!(
        (e.value, e.level, e.write),
        (0x92000004, Some(0), Some(false))
    );
    let o = finding(&a, "esr.other_thread_abort");
    assert_eq!(o.threads, vec![3]);
    assert!(o.detail.contains("0x92000007"));
}

#[test]
fn corpus_pointer_auth_reports() {
    // icdab_ptr_ios.crash: 0x2000000100ae9df8 -> 0x0000000100ae9df8, in icdab_ptr's __TEXT.
    let a = analyze(&read(
        "apple/faisalmemon-ios-crash-dump-analysis-book/icdab_ptr_ios.crash",
    ));
    let f = a.fault.as_ref().unwrap();
    assert_eq!(f.stripped_address, Some(0x100ae9df8));
    assert_eq!(f.in_image.as_deref(), Some("icdab_ptr"));
    assert!(f.kinds.contains(&"pointer_auth".to_string()));
    // adventure_crash_ios.crash: 0x41fc821e000001b0 -> 0xffffff9e000001b0, x8 = 0x41fc821e00000000,
    // esr 0x56000080 "Address size fault".
    let a = analyze(&read(
        "apple/faisalmemon-ios-crash-dump-analysis-book/adventure_crash_ios.crash",
    ));
    let f = a.fault.as_ref().unwrap();
    assert_eq!(
        (f.address, f.stripped_address),
        (Some(0x41fc821e000001b0), Some(0xffffff9e000001b0))
    );
    assert_eq!(f.in_image, None);
    let rg = a.registers.as_ref().unwrap();
    assert_eq!(rg.thread, 27);
    assert_eq!(rg.base_candidates[0].register, "x8");
    let e = a.esr.as_ref().unwrap();
    assert_eq!(e.ec, 0x15);
    assert!(e.caveats.iter().any(|c| c.contains("Address size fault")));
}

#[test]
fn corpus_x86_64_reports() {
    // fud_...crash: EXC_I386_GPFLT, rax 0xe00007f80bd22039, rcx 0x7fffffffffffffff,
    // rdx 0x011d800101d66da1, cr2 0x7fff9b2f11b8 with trap 14.
    let a = analyze(&read("apple/faisalmemon-ios-crash-dump-analysis-book/fud_2018-06-12-083437_Admins-MacBook-Pro-4.crash"));
    let f = a.fault.as_ref().unwrap();
    assert_eq!(f.address, None);
    assert_eq!(f.kinds, vec!["non_canonical"]);
    let n = finding(&a, "fault.no_address");
    assert!(
        n.detail.contains("rax = 0xe00007f80bd22039") && n.detail.contains("cr2 = 0x7fff9b2f11b8")
    );
    // monterey .ips: KERN_INVALID_ADDRESS at 0, rip 0, trap 14 "(no mapping for user instruction read)".
    let a = analyze(&read(
        "apple/doronz88-pycrashreport/user_mode_crash_report_monterey_non_symbolicated.ips",
    ));
    let f = a.fault.as_ref().unwrap();
    assert!(f.kinds.contains(&"pc_zero".to_string()));
    assert_eq!(f.access.as_deref(), Some("execute"));
    assert!(a.registers.as_ref().unwrap().base_candidates.is_empty());
    // SiriNCService: KERN_INVALID_ADDRESS at 0x18, cr2 0x18, error code 4 (a user read).
    let a = analyze(&read("apple/faisalmemon-ios-crash-dump-analysis-book/SiriNCService_2018-06-24-095209_panic.crash"));
    let f = a.fault.as_ref().unwrap();
    assert_eq!(
        (f.address, f.null_offset, f.access.as_deref()),
        (Some(0x18), Some(0x18), Some("read"))
    );
    assert!(a
        .findings
        .iter()
        .any(|x| x.id == "fault.address_agrees" && x.title.contains("cr2")));
    // single-target-crash.ips: KERN_INVALID_ADDRESS at 0x1.
    let a = analyze(&read("apple/inket-MacSymbolicator/single-target-crash.ips"));
    assert_eq!(finding(&a, "fault.null_offset").title, "NULL + 0x1");
    // multi-target-crash.ips: EXC_BAD_INSTRUCTION (SIGILL), codes 1, 0.
    let a = analyze(&read("apple/inket-MacSymbolicator/multi-target-crash.ips"));
    assert_eq!(
        a.exception.as_ref().unwrap().subtype.as_deref(),
        Some("EXC_I386_INVOP")
    );
    // non_symbolicated_crash.crash: 0x12bb9b008 is not in any region (a gap).
    let a = analyze(&read(
        "apple/mobile-dev-inc-Symbolicator/non_symbolicated_crash.crash",
    ));
    assert_eq!(a.fault.as_ref().unwrap().kinds, vec!["wild"]);
}

#[test]
fn corpus_terminations() {
    let book = "apple/faisalmemon-ios-crash-dump-analysis-book/";
    let cat = |file: &str| {
        let a = analyze(&read(&format!("{book}{file}")));
        a.termination.and_then(|t| t.category).unwrap_or_default()
    };
    assert_eq!(cat("kiosk_startup_ios.crash"), "watchdog");
    assert_eq!(cat("one_messenger_sql_ios.crash"), "file_lock");
    assert_eq!(cat("mobile_sms_security_ios.crash"), "security");
    assert_eq!(cat("icdab_camera_iOSonMac.crash"), "privacy");
    assert_eq!(cat("train_thermal.crash"), "thermal");
    assert_eq!(cat("leakagent.crash"), "signal");
    let a = analyze(&read(&format!("{book}kiosk_startup_ios.crash")));
    let w = finding(&a, "termination.watchdog_event");
    assert!(w.title.contains("scene-update") && w.detail.contains("10.00 seconds"));
    assert!(a.fault.is_none());
}

#[test]
fn corpus_traps_and_odd_codes() {
    let book = "apple/faisalmemon-ios-crash-dump-analysis-book/";
    // ios-crash-in-ips-format.ips: EXC_BREAKPOINT codes 0x1, 0x18a98520c; esr 0xf2000001 "(Breakpoint) brk 1".
    let a = analyze(&read(
        "apple/inket-MacSymbolicator/ios-crash-in-ips-format.ips",
    ));
    assert!(finding(&a, "exception.trap_pc")
        .detail
        .contains("0x18a98520c"));
    let e = a.esr.as_ref().unwrap();
    assert_eq!((e.ec, e.immediate), (0x3c, Some(1)));
    assert!(e.caveats.is_empty());
    // icdab_as.crash: EXC_BAD_INSTRUCTION codes 0x1, 0xc87f7e7f.
    let a = analyze(&read(&format!("{book}icdab_as.crash")));
    assert_eq!(
        finding(&a, "exception.instruction_word").title,
        "instruction word 0xc87f7e7f"
    );
    // jablotron_sigbus_align.crash: SIGBUS, BUS_ADRALN at 0xcd0b1c.
    let a = analyze(&read(&format!("{book}jablotron_sigbus_align.crash")));
    let f = a.fault.as_ref().unwrap();
    assert_eq!(f.address, Some(0xcd0b1c));
    assert!(f.kinds.contains(&"alignment".to_string()));
    // reportCrash_ios.crash: UNKNOWN_0x32 at 0x17e012290, inside a mapped file.
    let a = analyze(&read(&format!("{book}reportCrash_ios.crash")));
    assert!(a
        .exception
        .as_ref()
        .unwrap()
        .subtype_meaning
        .as_deref()
        .unwrap()
        .contains("KERN_CODESIGN_ERROR"));
    assert_eq!(
        finding(&a, "fault.in_region").title,
        "inside a mapped region: mapped file"
    );
    // xmbc_sigbus.crash: codes 0x00000032, 0x047001b0.
    let a = analyze(&read(&format!("{book}xmbc_sigbus.crash")));
    assert_eq!(
        a.exception.as_ref().unwrap().subtype.as_deref(),
        Some("KERN_CODESIGN_ERROR")
    );
    assert_eq!(
        a.fault.as_ref().unwrap().address_field.as_deref(),
        Some("exception.codes[1]")
    );
    // icdab_wrap_ios_14_2.crash: esr 0xf2000001 described as "Address size fault".
    let a = analyze(&read(&format!("{book}icdab_wrap_ios_14_2.crash")));
    assert!(a
        .esr
        .as_ref()
        .unwrap()
        .caveats
        .iter()
        .any(|c| c.contains("Address size fault")));
    // KSCrash StackOverflow.txt: KERN_INVALID_ADDRESS at 0x2fd59ff8, sp 0x2fd5a008.
    let a = analyze(&read("apple/kstenerud-KSCrash/StackOverflow.txt"));
    assert!(a
        .fault
        .as_ref()
        .unwrap()
        .kinds
        .contains(&"stack_guard".to_string()));
    // KSCrash MainThreadDeadlock.txt: "Exception Type: 0 (0)".
    let a = analyze(&read("apple/kstenerud-KSCrash/MainThreadDeadlock.txt"));
    assert!(ids(&a).contains(&"exception.numeric_type"));
    // getsentry bruno.txt: "Exception Type: SIGSEGV", "SEGV_MAPERR at 0x88".
    let a = analyze(&read("apple/getsentry-apple-crash-report-parser/bruno.txt"));
    assert_eq!(a.fault.as_ref().unwrap().null_offset, Some(0x88));
    assert!(a
        .exception
        .as_ref()
        .unwrap()
        .subtype_meaning
        .as_deref()
        .unwrap()
        .contains("SEGV_MAPERR"));
}

#[test]
fn fnv_set_means_far_is_not_the_address() {
    // Data abort, read, translation fault level 2, FnV (ISS bit 10) set.
    let mut s = state(
        Arch::Arm64,
        &[("x0", 0), ("pc", 0x100004000), ("far", 0x5c8)],
    );
    s.registers.push(reg("esr", 0x92000406));
    let r = report(
        Arch::Arm64,
        Some(exc("EXC_BAD_ACCESS", "SIGSEGV", None, &[])),
        vec![crashed_thread(0, s)],
    );
    let a = analyze(&r);
    assert_eq!(a.fault.as_ref().unwrap().address, None);
    assert!(a
        .esr
        .as_ref()
        .unwrap()
        .caveats
        .iter()
        .any(|c| c.contains("FnV = 1")));
}

#[test]
fn titles_and_descriptions_in_words() {
    let a = analyze(&seed());
    assert_eq!(
        finding(&a, "termination.signal").title,
        "SIGNAL 11 (signal)"
    );
    // mobile_sms_security_ios.crash: "Termination Description: SPRINGBOARD, Process detected doing
    // insecure drawing while in secure mode".
    let a = analyze(&read(
        "apple/faisalmemon-ios-crash-dump-analysis-book/mobile_sms_security_ios.crash",
    ));
    let t = finding(&a, "termination.security");
    assert_eq!(t.title, "SPRINGBOARD 0x2bad45ec (security)");
    assert!(t.detail.contains("insecure drawing while in secure mode"));
    // A thread stopped in a syscall: the ESR says so in words.
    let a = analyze(&read(
        "apple/faisalmemon-ios-crash-dump-analysis-book/icdab_thread_osx_arm64.crash",
    ));
    assert!(finding(&a, "esr.decoded")
        .detail
        .contains("inside a system call"));
}

#[test]
fn bare_signal_and_numeric_titles() {
    // bruno.txt: "Exception Type: SIGSEGV", "Exception Codes: SEGV_MAPERR at 0x88".
    let a = analyze(&read("apple/getsentry-apple-crash-report-parser/bruno.txt"));
    let e = finding(&a, "exception.explained");
    assert_eq!(e.title, "SIGSEGV");
    assert_eq!(e.detail.matches("SIGSEGV (11)").count(), 1, "{}", e.detail);
    // MainThreadDeadlock.txt: "Exception Type: 0 (0)".
    let a = analyze(&read("apple/kstenerud-KSCrash/MainThreadDeadlock.txt"));
    assert_eq!(finding(&a, "exception.explained").title, "exception type 0");
    // train_thermal.crash: "Exception Type: 00000020".
    let a = analyze(&read(
        "apple/faisalmemon-ios-crash-dump-analysis-book/train_thermal.crash",
    ));
    assert_eq!(
        finding(&a, "exception.explained").title,
        "exception type 00000020"
    );
}

#[test]
fn esr_decode_is_total_over_every_class_and_status() {
    for ec in 0..=0x3fu64 {
        for low in [
            0u64, 0x6, 0x21, 0x3f, 0x40, 0x400, 0x100_0000, 0x1c0_0047, 0x1ff_ffff,
        ] {
            let v = (ec << 26) | (1 << 25) | low;
            let d = esr::decode(v, Some("(Data Abort) byte read Translation fault"));
            assert_eq!(u64::from(d.ec), ec);
            assert_eq!(u64::from(d.iss), low);
            assert!(!d.ec_meaning.is_empty());
            assert!(d.access_size.is_none() || d.isv == Some(true));
            assert!(matches!(d.level, None | Some(0..=3)));
            if d.write.is_some() {
                assert!(ec == 0x24 || ec == 0x25, "{v:#x}");
            }
        }
    }
    // The upper 32 bits of a 64-bit ESR_EL1 (ISS2) do not disturb the decode.
    let d = esr::decode(0x0000_0001_9200_0006, None);
    assert_eq!((d.ec, d.level), (0x24, Some(2)));
}
