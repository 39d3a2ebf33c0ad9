//! The legacy text reader against real reports in shared/corpus/apple. Every
//! expected value below was read off the report file itself (the line it comes
//! from is quoted where it helps).

use std::path::{Path, PathBuf};

use crashlens_model::{Arch, CrashReport, Frame, Image, Thread};
use crashlens_read::apple_text::parse;
use crashlens_read::ReadError;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/apple");

/// The text body of a corpus file: a first line that is a JSON header is
/// dropped, as the dispatcher does.
fn body(text: &str) -> &str {
    if text.starts_with('{') {
        text.split_once('\n').map(|(_, b)| b).unwrap_or("")
    } else {
        text
    }
}

fn read(rel: &str) -> String {
    let path = Path::new(CORPUS).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load(rel: &str) -> CrashReport {
    let text = read(rel);
    parse(body(&text)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn crashed(r: &CrashReport) -> &Thread {
    r.crashed().expect("crashed thread")
}

fn frame0(r: &CrashReport) -> &Frame {
    crashed(r).frames.first().expect("frame 0")
}

fn reg(r: &CrashReport, name: &str) -> u64 {
    crashed(r)
        .state
        .as_ref()
        .and_then(|s| s.value(name))
        .unwrap_or_else(|| panic!("register {name}"))
}

fn image_named<'a>(r: &'a CrashReport, name: &str) -> &'a Image {
    r.images
        .iter()
        .find(|i| i.name.as_deref() == Some(name) || i.bundle_id.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("image {name}"))
}

fn frame_image<'a>(r: &'a CrashReport, f: &Frame) -> &'a Image {
    f.image_index
        .and_then(|i| r.images.get(i))
        .expect("frame resolved to an image")
}

fn s(v: &Option<String>) -> Option<&str> {
    v.as_deref()
}

#[test]
fn ios26_translated_report_kimu_soloquest() {
    let r = load("kimu0223-solo-quest/log.md");
    assert!(r.source.wrapped);
    assert_eq!(r.source.report_version.as_deref(), Some("104"));
    assert_eq!(
        s(&r.system.incident_id),
        Some("3080438B-D8BC-417C-8D89-05BF95D28C18")
    );
    assert_eq!(s(&r.system.hardware_model), Some("iPhone18,2"));
    assert_eq!(s(&r.process.name), Some("SoloQuest"));
    assert_eq!(r.process.pid, Some(2415));
    assert_eq!(s(&r.process.identifier), Some("com.kimu.soloquest"));
    // "Version: 1.0.0 (5)"
    assert_eq!(s(&r.process.version), Some("1.0.0"));
    assert_eq!(s(&r.process.build), Some("5"));
    assert_eq!(s(&r.process.code_type), Some("ARM-64"));
    assert_eq!(r.process.arch, Arch::Arm64);
    assert_eq!(r.process.translated, Some(false));
    assert_eq!(s(&r.process.role), Some("Foreground"));
    let parent = r.process.parent.as_ref().expect("parent");
    assert_eq!(
        (parent.name.as_deref(), parent.pid),
        (Some("launchd"), Some(1))
    );
    // "Coalition: com.kimu.soloquest [1693]"
    assert_eq!(s(&r.process.coalition), Some("com.kimu.soloquest"));
    assert_eq!(r.extra("Coalition ID"), Some("1693"));
    assert_eq!(s(&r.system.os_version), Some("iPhone OS 26.3.1"));
    assert_eq!(s(&r.system.os_build), Some("23D8133"));
    assert_eq!(s(&r.system.release_type), Some("User"));
    assert_eq!(
        s(&r.system.capture_time),
        Some("2026-03-17 22:50:41.6409 -0700")
    );
    assert_eq!(
        s(&r.process.launch_time),
        Some("2026-03-17 22:50:41.4450 -0700")
    );
    assert_eq!(r.extra("AppStoreTools"), Some("17C7003g"));
    assert_eq!(r.extra("Baseband Version"), Some("1.40.03"));

    let e = r.exception.as_ref().expect("exception");
    assert_eq!(s(&e.kind), Some("EXC_BAD_ACCESS"));
    assert_eq!(s(&e.signal), Some("SIGSEGV"));
    assert_eq!(
        s(&e.subtype),
        Some("KERN_INVALID_ADDRESS at 0x0000800000000099")
    );
    assert_eq!(e.codes, vec![1, 0x800000000099]);
    let vm = r.vm_region_info.as_deref().expect("vm region info");
    assert!(vm.starts_with("0x99 is not in any region."));
    assert!(vm.contains("UNUSED SPACE AT START"));
    assert!(!vm.contains("Termination"));
    // "Termination Reason: SIGNAL 11 Segmentation fault: 11"
    let t = r.termination.as_ref().expect("termination");
    assert_eq!(s(&t.namespace), Some("SIGNAL"));
    assert_eq!(t.code, Some(11));
    assert_eq!(s(&t.indicator), Some("Segmentation fault: 11"));
    assert_eq!(
        (t.by_process.as_deref(), t.by_pid),
        (Some("exc handler"), Some(2415))
    );

    // "Triggered by Thread:  10", "Thread 10 name:  com.facebook.react.runtime.JavaScript"
    assert_eq!(r.crashed_thread, Some(10));
    let th = crashed(&r);
    assert_eq!(th.number, 10);
    assert_eq!(s(&th.name), Some("com.facebook.react.runtime.JavaScript"));
    assert_eq!(th.queue, None);
    let f = frame0(&r);
    assert_eq!(s(&f.image), Some("hermes"));
    assert_eq!(f.address, Some(0x104960060));
    assert_eq!(
        s(&f.symbol),
        Some("hermes::vm::DictPropertyMap::findOrAdd(hermes::vm::MutableHandle<hermes::vm::DictPropertyMap>&, hermes::vm::Runtime&, hermes::vm::SymbolID)")
    );
    assert_eq!(f.symbol_offset, Some(52));
    // hermes is loaded at 0x104938000.
    assert_eq!(frame_image(&r, f).base, 0x104938000);
    assert_eq!(f.image_offset, Some(0x104960060 - 0x104938000));
    // "Thread 0 name:   Dispatch queue: com.apple.main-thread"
    let t0 = r.thread(0).expect("thread 0");
    assert_eq!(
        (t0.name.as_deref(), t0.queue.as_deref()),
        (None, Some("com.apple.main-thread"))
    );
    // "Thread 2:" followed by a blank line: an empty thread.
    let t2 = r.thread(2).expect("thread 2");
    assert!(t2.frames.is_empty() && t2.name.is_none() && t2.queue.is_none());
    assert_eq!(
        s(&r.thread(3).expect("thread 3").queue),
        Some("com.meta.react.turbomodulemanager.queue")
    );

    assert_eq!(reg(&r, "far"), 0x0000800000000099);
    assert_eq!(reg(&r, "pc"), 0x0000000104960060);
    assert_eq!(reg(&r, "lr"), 0x0000000104965f1c);
    assert_eq!(reg(&r, "x22"), 0x000080000000008d);
    let st = crashed(&r).state.as_ref().expect("state");
    assert_eq!(st.arch, Arch::Arm64);
    assert_eq!(
        st.get("esr").and_then(|e| e.description.as_deref()),
        Some("(Data Abort) byte read Translation fault")
    );
    assert_eq!(reg(&r, "esr"), 0x92000004);

    assert_eq!(r.images.len(), 17);
    let app = image_named(&r, "SoloQuest");
    assert_eq!(app.base, 0x102914000);
    assert_eq!(app.size, Some(0x102e03fff - 0x102914000 + 1));
    assert_eq!(
        app.uuid.as_deref(),
        Some("11ce3f57-6264-3e8d-8a89-86894d83b974")
    );
    assert_eq!(app.arch.as_deref(), Some("arm64"));
    assert!(app.user_code, "the main executable is user code");
    // The 11th line: "0x0 - 0xffffffffffffffff ??? unknown-arch  <000...> ???"
    let last = &r.images[10];
    assert!(last.placeholder);
    assert_eq!(last.base, 0);
    assert_eq!(last.size, None);
}

#[test]
fn macos26_translated_report_keneth() {
    let r = load("JoelBrown1-Keneth_Frequency/debugging_19_4_01.md");
    assert!(r.source.wrapped);
    assert_eq!(s(&r.system.hardware_model), Some("Mac17,4"));
    // "Crash Reporter Key:  C3B09917-2A25-8D9D-4BD7-0FED69E33CD5"
    assert_eq!(
        s(&r.system.crash_reporter_key),
        Some("C3B09917-2A25-8D9D-4BD7-0FED69E33CD5")
    );
    assert_eq!(s(&r.system.os_version), Some("macOS 26.4.1"));
    assert_eq!(s(&r.system.os_build), Some("25E253"));
    assert_eq!(r.system.uptime_seconds, Some(110000));
    assert_eq!(s(&r.system.sip), Some("enabled"));
    assert_eq!(r.process.user_id, Some(501));
    assert_eq!(r.extra("Time Since Wake"), Some("1120 seconds"));
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(
        (e.kind.as_deref(), e.signal.as_deref()),
        (Some("EXC_CRASH"), Some("SIGABRT"))
    );
    assert_eq!(e.codes, vec![0, 0]);
    // "Termination Reason:  Namespace SIGNAL, Code 6, Abort trap: 6"
    let t = r.termination.as_ref().expect("termination");
    assert_eq!((t.namespace.as_deref(), t.code), (Some("SIGNAL"), Some(6)));
    assert_eq!(s(&t.indicator), Some("Abort trap: 6"));
    assert_eq!(
        (t.by_process.as_deref(), t.by_pid),
        (Some("keneth_frequency"), Some(28377))
    );
    assert_eq!(
        r.app_specific_lines().collect::<Vec<_>>(),
        vec!["abort() called"]
    );

    // "Triggered by Thread: 9, Dispatch Queue: com.apple.root.user-initiated-qos.cooperative"
    assert_eq!(r.crashed_thread, Some(9));
    let th = crashed(&r);
    assert!(th.crashed);
    assert_eq!(
        s(&th.queue),
        Some("com.apple.root.user-initiated-qos.cooperative")
    );
    assert_eq!(
        s(&r.thread(8).expect("thread 8").name),
        Some("dart:io EventHandler")
    );
    assert_eq!(
        s(&r.thread(0).expect("thread 0").queue),
        Some("com.apple.main-thread")
    );

    // Last Exception Backtrace: 0 __exceptionPreprocess ... 8 CoreAudioSession.swift:193
    let leb = &r.last_exception_backtrace;
    assert!(leb.len() > 10);
    assert_eq!(s(&leb[0].symbol), Some("__exceptionPreprocess"));
    assert_eq!(leb[0].address, Some(0x18070abe4));
    assert_eq!(s(&leb[7].symbol), Some("-[AVAudioEngine detachNode:]"));
    assert_eq!(s(&leb[8].image), Some("keneth_frequency"));
    assert_eq!(s(&leb[8].file), Some("CoreAudioSession.swift"));
    assert_eq!(leb[8].line, Some(193));
    assert!(frame_image(&r, &leb[8]).user_code);

    // Thread 0 frames 16..18 share 0x100e09d84; 16 and 17 are "[inlined]".
    let t0 = &r.thread(0).expect("thread 0").frames;
    assert!(t0[16].inlined && t0[17].inlined && !t0[18].inlined);
    assert_eq!(s(&t0[17].symbol), Some("static AppDelegate.$main()"));
    assert_eq!(s(&t0[17].file), Some("/<compiler-generated>"));
    assert_eq!(t0[17].line, Some(4));
    assert_eq!(s(&t0[18].symbol), Some("main"));
    assert_eq!(t0[18].symbol_offset, Some(36));

    assert_eq!(reg(&r, "pc"), 0x00000001805a45e8);
    assert_eq!(
        crashed(&r)
            .state
            .as_ref()
            .and_then(|s| s.get("esr"))
            .and_then(|e| e.description.as_deref()),
        Some("(Syscall)")
    );
    // "0x100e08000 - 0x100e13fff com.example.kenethFrequency (1.0.0) <c33c4478-...> .../keneth_frequency"
    let app = image_named(&r, "com.example.kenethFrequency");
    assert_eq!(s(&app.name), Some("keneth_frequency"));
    assert_eq!(s(&app.version), Some("1.0.0"));
    assert_eq!(s(&app.uuid), Some("c33c4478-8ca2-3888-9615-e3bb059b53f8"));
    assert!(r.images.iter().any(|i| i.placeholder));
}

#[test]
fn xcode_legacy_export_with_json_header() {
    let r = load("inket-MacSymbolicator/ios-crash-with-json-header.crash");
    assert_eq!(
        s(&r.system.incident_id),
        Some("356753AC-2172-45DC-977A-11F2328980D0")
    );
    assert_eq!(s(&r.process.version), Some("1.0"));
    assert_eq!(s(&r.process.build), Some("1"));
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(
        (e.kind.as_deref(), e.signal.as_deref()),
        (Some("EXC_BREAKPOINT"), Some("SIGTRAP"))
    );
    assert_eq!(e.codes, vec![1, 0x18a98520c]);
    // "Termination Reason: SIGNAL 5 Trace/BPT trap: 5"
    let t = r.termination.as_ref().expect("termination");
    assert_eq!((t.namespace.as_deref(), t.code), (Some("SIGNAL"), Some(5)));
    assert_eq!(s(&t.indicator), Some("Trace/BPT trap: 5"));
    assert_eq!(
        r.kernel_triage.as_deref(),
        Some("VM - pmap_enter retried due to resource shortage\nVM - pmap_enter retried due to resource shortage")
    );
    assert_eq!(r.crashed_thread, Some(0));
    let f = frame0(&r);
    assert_eq!(s(&f.image), Some("libswiftCore.dylib"));
    assert_eq!(
        s(&f.symbol),
        Some("_assertionFailure(_:_:file:line:flags:)")
    );
    assert_eq!(f.symbol_offset, Some(312));
    // "2   iOSCrashingTest   0x1022364bc 0x102230000 + 25788"
    let f2 = &crashed(&r).frames[2];
    assert_eq!(f2.image_offset, Some(25788));
    assert_eq!(f2.symbol, None);
    assert_eq!(frame_image(&r, f2).base, 0x102230000);
    assert_eq!(reg(&r, "far"), 0x00000001e7fcd448);
    assert_eq!(
        crashed(&r)
            .state
            .as_ref()
            .and_then(|s| s.get("esr"))
            .and_then(|e| e.description.as_deref()),
        Some("(Breakpoint) brk 1")
    );
    assert_eq!(r.images.len(), 17);
    assert_eq!(
        image_named(&r, "iOSCrashingTest").uuid.as_deref(),
        Some("82d13d98-219e-3040-b62a-07a297007a7c")
    );
}

#[test]
fn pac_failure_adventure() {
    let r = load("faisalmemon-ios-crash-dump-analysis-book/adventure_crash_ios.crash");
    // "Version: 44 (1.4.4)" on iOS 13: build first, marketing version in parentheses.
    assert_eq!(s(&r.process.version), Some("1.4.4"));
    assert_eq!(s(&r.process.build), Some("44"));
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(
        s(&e.subtype),
        Some("KERN_INVALID_ADDRESS at 0x41fc821e000001b0 -> 0xffffff9e000001b0 (possible pointer authentication failure)")
    );
    assert_eq!(r.crashed_thread, Some(27));
    // "Thread 27 name:" is empty.
    assert_eq!(crashed(&r).name, None);
    let f = frame0(&r);
    assert_eq!(s(&f.image), Some("libEmbeddedSystemAUs.dylib"));
    assert_eq!(
        s(&f.symbol),
        Some("InterruptionListener(void*, unsigned int, unsigned int, void const*)")
    );
    assert_eq!(f.symbol_offset, Some(352));
    assert_eq!(
        (f.file.as_deref(), f.line),
        (Some("AURemoteIO.cpp"), Some(257))
    );
    assert_eq!(frame_image(&r, f).base, 0x1d01b7000);
    assert_eq!(reg(&r, "x8"), 0x41fc821e00000000);
    assert_eq!(reg(&r, "lr"), 0xe970e981d0246578);
    assert_eq!(
        crashed(&r)
            .state
            .as_ref()
            .and_then(|s| s.get("esr"))
            .and_then(|e| e.description.as_deref()),
        Some("Address size fault")
    );
    assert_eq!(r.images.len(), 538);
    assert_eq!(r.threads.len(), 39);
}

#[test]
fn pac_failure_icdab_ptr() {
    let r = load("faisalmemon-ios-crash-dump-analysis-book/icdab_ptr_ios.crash");
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(
        s(&e.subtype),
        Some("KERN_INVALID_ADDRESS at 0x2000000100ae9df8 -> 0x0000000100ae9df8 (possible pointer authentication failure)")
    );
    let t = r.termination.as_ref().expect("termination");
    assert_eq!(
        (t.namespace.as_deref(), t.code),
        (Some("SIGNAL"), Some(0xb))
    );
    assert_eq!(s(&t.indicator), Some("Segmentation fault: 11"));
    let f = frame0(&r);
    assert_eq!(s(&f.symbol), Some("nextInterestingJumpToFunc"));
    assert_eq!(f.symbol_offset, Some(24056));
    assert_eq!(
        (f.file.as_deref(), f.line),
        (Some("ViewController.m"), Some(26))
    );
    assert!(r
        .vm_region_info
        .as_deref()
        .is_some_and(|v| v.contains("__DATA_CONST")));
}

#[test]
fn arm32_icdab_planets() {
    let r = load("faisalmemon-ios-crash-dump-analysis-book/icdab_planets.32_bit.crash");
    assert_eq!(s(&r.process.code_type), Some("ARM"));
    assert_eq!(r.process.arch, Arch::Arm32);
    assert_eq!(s(&r.system.os_version), Some("iOS 9.3.5"));
    assert_eq!(s(&r.system.os_build), Some("13G36"));
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(e.notes, vec!["EXC_CORPSE_NOTIFY".to_string()]);
    assert_eq!(r.extra("Filtered syslog"), Some("None found"));
    let f = frame0(&r);
    assert_eq!(
        (f.image.as_deref(), f.address),
        (Some("libsystem_kernel.dylib"), Some(0x258aac5c))
    );
    assert_eq!(frame_image(&r, f).base, 0x25896000);
    // "4   icdab_planets   0x00101348 0xfb000 + 25416"
    let f4 = &crashed(&r).frames[4];
    assert_eq!(
        (f4.address, f4.image_offset),
        (Some(0x00101348), Some(25416))
    );
    let st = crashed(&r).state.as_ref().expect("state");
    assert_eq!(st.arch, Arch::Arm32);
    assert_eq!(reg(&r, "r7"), 0x00219378);
    assert_eq!(reg(&r, "r12"), 0x00000148, "ip is r12");
    assert_eq!(reg(&r, "lr"), 0x25954733);
    assert_eq!(reg(&r, "pc"), 0x258aac5c);
    assert_eq!(reg(&r, "cpsr"), 0x00000010);
    assert_eq!(r.images.len(), 137);
    let app = image_named(&r, "icdab_planets");
    assert_eq!((app.base, app.arch.as_deref()), (0xfb000, Some("armv7")));
    assert_eq!(s(&app.uuid), Some("0c5e3dd0-5292-3348-8ce6-444410e7cdf4"));
}

#[test]
fn x86_32_gpu_abort_kdp_graphics() {
    let r = load("faisalmemon-ios-crash-dump-analysis-book/kdp_graphics.crash");
    assert_eq!(s(&r.process.name), Some("Kindle Create"));
    assert_eq!(s(&r.process.code_type), Some("X86"));
    assert_eq!(r.process.arch, Arch::X86);
    assert_eq!(
        s(&r.process.responsible.as_ref().and_then(|p| p.name.clone())),
        Some("Kindle Create")
    );
    assert_eq!(
        r.process.parent.as_ref().and_then(|p| p.name.clone()),
        None,
        "Parent Process: ??? [1]"
    );
    assert_eq!(r.crashed_thread, Some(16));
    assert_eq!(s(&crashed(&r).queue), Some("com.apple.root.default-qos"));
    assert_eq!(
        s(&r.thread(1).expect("thread 1").name),
        Some("Qt bearer thread")
    );
    let lines: Vec<&str> = r.app_specific_lines().collect();
    assert_eq!(
        lines,
        vec!["abort() called", "Graphics kernel error: 0xfffffffb"]
    );
    let f = frame0(&r);
    assert_eq!(s(&f.symbol), Some("__pthread_kill"));
    assert_eq!(f.address, Some(0xa73e7ed6));
    let st = crashed(&r).state.as_ref().expect("state");
    assert_eq!(st.arch, Arch::X86);
    assert_eq!(reg(&r, "eip"), 0xa73e7ed6);
    assert_eq!(reg(&r, "eflags"), 0x00000206);
    assert_eq!(reg(&r, "cr2"), 0xa9847340);
    assert_eq!(reg(&r, "trap"), 132);
    assert_eq!(reg(&r, "err"), 0x00080148);
    assert_eq!(r.images.len(), 332);
    // "0x4e000 - 0x4655ff7 +com.amazon.kc (1.10 - 1.10) <1F5ACF17-...> /Applications/Kindle Create.app/Contents/MacOS/Kindle Create"
    let app = image_named(&r, "com.amazon.kc");
    assert_eq!(s(&app.name), Some("Kindle Create"));
    assert_eq!(
        (app.version.as_deref(), app.build.as_deref()),
        (Some("1.10"), Some("1.10"))
    );
    assert!(app.user_code);
    assert_eq!(app.size, Some(0x4655ff7 - 0x4e000 + 1));
}

#[test]
fn x86_64_gpflt_fud() {
    let r = load(
        "faisalmemon-ios-crash-dump-analysis-book/fud_2018-06-12-083437_Admins-MacBook-Pro-4.crash",
    );
    assert_eq!(s(&r.process.version), Some("106.50.4"));
    assert_eq!(r.process.build, None);
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(
        s(&e.subtype),
        Some("EXC_I386_GPFLT"),
        "moved from Exception Codes"
    );
    assert!(e.codes.is_empty());
    let t = r.termination.as_ref().expect("termination");
    assert_eq!(
        (t.by_process.as_deref(), t.by_pid),
        (Some("exc handler"), Some(0))
    );
    // "Crashed Thread: 1  Dispatch queue: com.apple.fud.processing.queue"
    assert_eq!(r.crashed_thread, Some(1));
    assert_eq!(
        s(&crashed(&r).queue),
        Some("com.apple.fud.processing.queue")
    );
    let f = frame0(&r);
    assert_eq!(s(&f.symbol), Some("_dispatch_continuation_push"));
    assert_eq!(f.address, Some(0x00007fff67fc6cbd));
    assert_eq!(reg(&r, "rip"), 0x00007fff67fc6cbd);
    assert_eq!(reg(&r, "rflags"), 0x10202);
    assert_eq!(reg(&r, "cr2"), 0x00007fff9b2f11b8);
    assert_eq!(reg(&r, "rcx"), 0x7fffffffffffffff);
    assert_eq!(reg(&r, "cpu"), 3);
    assert_eq!(reg(&r, "err"), 4);
    assert_eq!(reg(&r, "trap"), 14);
    assert_eq!(r.images.len(), 185);
    let fud = image_named(&r, "fud");
    assert_eq!(s(&fud.uuid), Some("12bc5a5b-b759-32f0-8f74-e8a9053920ba"));
    assert!(fud.user_code, "the main executable, by path");
}

#[test]
fn arm_breakpoint_sema_mac_arm64() {
    let r = load("faisalmemon-ios-crash-dump-analysis-book/icdab_sema_osx_arm64.crash");
    assert_eq!(s(&r.system.os_version), Some("Mac OS X 10.16"));
    assert_eq!(s(&r.system.os_build), Some("20A5343i"));
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(
        s(&e.subtype),
        Some("EXC_ARM_BREAKPOINT at 0x00000001de16e2f8 (brk 1)")
    );
    let f = frame0(&r);
    assert_eq!(s(&f.symbol), Some("_dispatch_semaphore_dispose.cold.1"));
    assert_eq!(f.symbol_offset, Some(40));
    assert_eq!(
        r.app_specific_lines().collect::<Vec<_>>(),
        vec![
            "dyld2 mode",
            "BUG IN CLIENT OF LIBDISPATCH: Semaphore object deallocated while in use"
        ]
    );
    // "0x1009c4000 - 0x1009c7fff +icdab_sema_mac (0) <D0EC10C4-...>"
    let app = image_named(&r, "icdab_sema_mac");
    assert_eq!(s(&app.uuid), Some("d0ec10c4-7d1d-351d-84fd-af2d0809ca55"));
    assert_eq!(s(&app.version), Some("0"));
    assert!(app.user_code);
    assert_eq!(r.images.len(), 144);
}

#[test]
fn rosetta_translated_avx() {
    let r = load("faisalmemon-ios-crash-dump-analysis-book/icdab_avx_osx_arm64.crash");
    assert_eq!(s(&r.process.code_type), Some("X86-64"));
    assert_eq!(r.process.translated, Some(true));
    assert_eq!(r.process.arch, Arch::X86_64);
    // "0   perivalebluebell.com.icdab-avx\t0x00000001047d56cb 0x1047d4000 + 5835"
    let f = frame0(&r);
    assert_eq!(s(&f.image), Some("perivalebluebell.com.icdab-avx"));
    assert_eq!(f.image_offset, Some(5835));
    let img = frame_image(&r, f);
    assert_eq!(img.base, 0x1047d4000);
    assert_eq!(s(&img.name), Some("icdab_avx"));
    assert_eq!(reg(&r, "rip"), 0x00000001047d56cb);
    assert_eq!(
        r.app_specific_lines().collect::<Vec<_>>(),
        vec!["Performing @selector(runVectorOperationsButtonAction:) from sender NSButton 0x7f87d143f8c0"]
    );
    assert!(r
        .extra("Translated Code Information")
        .is_some_and(|v| v.contains("tmp0: 0x00000001047d56cb")));
}

#[test]
fn rosetta_unknown_frame_zero() {
    let r = load(
        "faisalmemon-ios-crash-dump-analysis-book/icdab_rosetta_thread-osx-x86-translated-0.crash",
    );
    let f = frame0(&r);
    // "0   ???   0x00007fff0144ff40 ???"
    assert_eq!((f.image.as_deref(), f.symbol.as_deref()), (None, None));
    assert_eq!(f.address, Some(0x00007fff0144ff40));
    assert_eq!(
        r.app_specific_lines().collect::<Vec<_>>(),
        vec![
            "*** multi-threaded process forked ***",
            "crashed on child side of fork pre-exec"
        ]
    );
    assert_eq!(
        s(&r.thread(1).expect("thread 1").name),
        Some("com.apple.rosetta.exceptionserver")
    );
}

#[test]
fn watchdog_kiosk() {
    let r = load("faisalmemon-ios-crash-dump-analysis-book/kiosk_startup_ios.crash");
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(
        (e.kind.as_deref(), e.signal.as_deref()),
        (Some("EXC_BAD_ACCESS"), Some("SIGKILL"))
    );
    let t = r.termination.as_ref().expect("termination");
    assert_eq!(
        (t.namespace.as_deref(), t.code),
        (Some("SPRINGBOARD"), Some(0x8badf00d))
    );
    let d = t.description.as_deref().expect("description");
    assert!(d.starts_with("SPRINGBOARD, scene-update watchdog transgression:"));
    assert!(d.contains("exhausted real (wall clock) time allowance of 10.00 seconds"));
    // "Thread 0 name:  tid_303  Dispatch queue: com.apple.main-thread"
    let th = crashed(&r);
    assert_eq!(
        (th.name.as_deref(), th.queue.as_deref()),
        (Some("tid_303"), Some("com.apple.main-thread"))
    );
    // "0   ???   000000000000000000 0 + 0"
    let f = frame0(&r);
    assert_eq!(
        (f.image.as_deref(), f.address, f.image_offset),
        (None, Some(0), Some(0))
    );
    // "3   JavaScriptCore  0x000000018c7a0f2c void std::...::wait<...>+ 10133292 (std::__1::unique_lock<bmalloc::Mutex>&) + 96"
    let jsc = r
        .threads
        .iter()
        .flat_map(|t| &t.frames)
        .find(|f| f.address == Some(0x000000018c7a0f2c))
        .expect("JavaScriptCore frame");
    assert_eq!(
        s(&jsc.symbol),
        Some("void std::__1::condition_variable_any::wait<std::__1::unique_lock<bmalloc::Mutex> >(std::__1::unique_lock<bmalloc::Mutex>&)")
    );
    assert_eq!(jsc.symbol_offset, Some(96));
    assert_eq!(r.images.len(), 350);
}

#[test]
fn security_violation_comment_frames() {
    let r = load("faisalmemon-ios-crash-dump-analysis-book/mobile_sms_security_ios.crash");
    let t = r.termination.as_ref().expect("termination");
    assert_eq!(
        (t.namespace.as_deref(), t.code),
        (Some("SPRINGBOARD"), Some(0x2bad45ec))
    );
    assert_eq!(
        s(&t.description),
        Some("SPRINGBOARD, Process detected doing insecure drawing while in secure mode")
    );
    let f = frame0(&r);
    assert_eq!(s(&f.image), Some("CoreUI"));
    assert_eq!(f.address, Some(0x189699354));
    assert_eq!(f.image_offset, Some(0x77354));
    assert!(s(&f.symbol)
        .is_some_and(|sym| sym.starts_with("-[CUICatalog _resolvedRenditionKeyFromThemeRef:")));
    assert_eq!(frame_image(&r, f).base, 0x189622000);
    // "Binary Images (dpkg):", "(App Store):" and "(Other):" together.
    assert_eq!(r.images.len(), 536);
    let tweak = image_named(&r, "TweakInject.dylib");
    assert!(tweak.user_code);
    assert_eq!(s(&tweak.path), Some("/usr/lib/TweakInject.dylib"));
}

#[test]
fn broken_symbolication_wrap() {
    let r = load("faisalmemon-ios-crash-dump-analysis-book/icdab_wrap_ios_14_2.crash");
    let f = frame0(&r);
    assert_eq!(
        s(&f.symbol),
        Some("closure #1 in closure #1 in closure #1 in _assertionFailure(_:_:file:line:flags:)")
    );
    assert_eq!(f.symbol_offset, Some(384));
    assert_eq!(s(&r.system.release_type), Some("Beta"));
    assert_eq!(s(&r.system.os_build), Some("18B5061e"));
    let files: Vec<&str> = r
        .threads
        .iter()
        .flat_map(|t| &t.frames)
        .filter_map(|f| f.file.as_deref())
        .collect();
    assert!(files.contains(&"PlanetViewController.swift"));
    assert!(files.contains(&"<compiler-generated>"));
}

#[test]
fn bus_adraln_jablotron() {
    let r = load("faisalmemon-ios-crash-dump-analysis-book/jablotron_sigbus_align.crash");
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(
        (e.kind.as_deref(), e.signal.as_deref()),
        (Some("SIGBUS"), Some("SIGBUS"))
    );
    assert_eq!(s(&e.subtype), Some("BUS_ADRALN at 0xcd0b1c"));
    // "Date/Time: 2016-05-24T07:59:56Z", "CrashReporter Key: 181EC21F-..."
    assert_eq!(s(&r.system.capture_time), Some("2016-05-24T07:59:56Z"));
    assert_eq!(
        s(&r.system.crash_reporter_key),
        Some("181EC21F-295A-4D13-B14E-8BE1A7DFB5C7")
    );
    let f = frame0(&r);
    assert_eq!(
        (f.image.as_deref(), f.address, f.image_offset),
        (Some("libswiftCore.dylib"), Some(0x011aed64), Some(2051428))
    );
    assert_eq!(frame_image(&r, f).base, 0xfba000);
    // "pc: 0x011aed64 r7: 0x27d4f340 ... r1: 0x00cd0b1c"
    assert_eq!(reg(&r, "pc"), 0x011aed64);
    assert_eq!(reg(&r, "r1"), 0x00cd0b1c);
    assert_eq!(reg(&r, "cpsr"), 0x20001830);
    assert!(image_named(&r, "MyJablotron_dev").user_code);
}

#[test]
fn kscrash_bad_pointer() {
    let r = load("kstenerud-KSCrash/BadPointer.txt");
    assert_eq!(
        s(&r.system.capture_time),
        Some("1970-01-18 03:46:32.000 +0900")
    );
    assert_eq!(s(&r.system.os_version), Some("iPhone OS 4.3.3"));
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(s(&e.subtype), Some("KERN_INVALID_ADDRESS at 0xffffffff"));
    let th = crashed(&r);
    assert_eq!(s(&th.queue), Some("apple.main-thread"));
    // "0   Crash-Tester   0x0005b720 0x54000 + 30496 (-[Crasher dereferenceBadPointer] + 24)"
    let f = frame0(&r);
    assert_eq!(s(&f.image), Some("Crash-Tester"));
    assert_eq!(f.address, Some(0x0005b720));
    assert_eq!(f.image_offset, Some(30496));
    assert_eq!(s(&f.symbol), Some("-[Crasher dereferenceBadPointer]"));
    assert_eq!(f.symbol_offset, Some(24));
    assert_eq!(reg(&r, "r0"), 0xffffffff);
    assert_eq!(reg(&r, "pc"), 0x0005b720);
    assert_eq!(reg(&r, "r12"), 0x0005b709);
    assert_eq!(reg(&r, "cpsr"), 0x20000030);
    assert_eq!(r.images.len(), 123);
    let app = image_named(&r, "Crash-Tester");
    assert_eq!(app.base, 0x54000);
    assert!(app.user_code);
    assert_eq!(s(&app.uuid), Some("5425b875-d142-3832-be8c-3b7dd8130813"));
    assert_eq!(
        s(&image_named(&r, "MobileSubstrate.dylib").arch),
        Some("armv6")
    );
    assert!(r.extra("CrashDoctor Diagnosis").is_some());
}

#[test]
fn kscrash_deadlock_numeric_type() {
    let r = load("kstenerud-KSCrash/MainThreadDeadlock.txt");
    let e = r.exception.as_ref().expect("exception");
    // "Exception Type:  0 (0)", "Exception Codes: 0x00000000 at 0x00000000"
    assert_eq!((e.kind.as_deref(), e.signal.as_deref()), (Some("0"), None));
    assert_eq!(e.codes, vec![0, 0]);
    assert_eq!(
        r.extra("unlabeled"),
        Some("Application main thread deadlocked")
    );
    assert_eq!(s(&frame0(&r).symbol), Some("semaphore_wait_signal_trap"));
}

#[test]
fn kscrash_nsexception_asi() {
    let r = load("kstenerud-KSCrash/NSException.txt");
    assert_eq!(
        r.app_specific_lines().collect::<Vec<_>>(),
        vec!["*** Terminating app due to uncaught exception 'NSInvalidArgumentException', reason: '-[__NSArrayI objectForKey:]: unrecognized selector sent to instance 0x1e59bc50'"]
    );
    let f = frame0(&r);
    assert_eq!(s(&f.symbol), Some("__exceptionPreprocess"));
    assert_eq!(f.symbol_offset, Some(97));
    assert_eq!(f.image_offset, Some(648765));
}

#[test]
fn sentry_bruno() {
    let r = load("getsentry-apple-crash-report-parser/bruno.txt");
    assert_eq!(s(&r.system.crash_reporter_key), Some("TODO"));
    assert_eq!(s(&r.process.version), Some("4.21.1"));
    assert_eq!(s(&r.process.code_type), Some("X86-64"));
    assert_eq!(r.process.translated, None);
    assert_eq!(r.process.arch, Arch::X86_64);
    assert_eq!(s(&r.system.os_version), Some("Mac OS X 10.14.0"));
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(s(&e.subtype), Some("SEGV_MAPERR at 0x88"));
    assert_eq!(r.crashed_thread, Some(5));
    let f = frame0(&r);
    assert_eq!(
        (f.address, f.image_offset),
        (Some(0x00000001090a0132), Some(10821938))
    );
    assert_eq!(frame_image(&r, f).base, 0x10864e000);
    assert_eq!(reg(&r, "rip"), 0x00000001090a0132);
    assert_eq!(reg(&r, "rflags"), 0x10206);
    assert_eq!(reg(&r, "rax"), 0x20261bb4775b008f);
    let app = image_named(&r, "YetAnotherMac");
    assert_eq!(
        (app.version.as_deref(), app.build.as_deref()),
        (Some("400.9.4"), Some("1.0.0"))
    );
    assert_eq!(s(&app.arch), Some("x86_64"));
    assert!(app.user_code);
    assert_eq!(r.images.len(), 272);
}

#[test]
fn plcrash_style_xcdyoutubekit() {
    let r = load("getsentry-apple-crash-report-parser/XCDYouTubeKit-54.txt");
    assert_eq!(r.system.incident_id, None);
    assert_eq!(s(&r.system.hardware_model), Some("MacBookPro5,3"));
    assert_eq!(s(&r.process.version), Some("512"));
    assert_eq!(s(&r.source.report_version), Some("106"));
    assert_eq!(r.extra("Framework Version"), Some("1.0"));
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(
        (e.kind.as_deref(), e.signal.as_deref()),
        (Some("SIGSEGV"), Some("SIGSEGV"))
    );
    assert_eq!(s(&e.subtype), Some("SEGV_MAPERR at 0x8"));
    let f = frame0(&r);
    assert_eq!(s(&f.image), Some("com.apple.JavaScriptCore"));
    assert_eq!(s(&f.symbol), Some("JSValueIsString"));
    assert_eq!(f.symbol_offset, Some(155));
    assert_eq!(s(&frame_image(&r, f).name), Some("JavaScriptCore"));
    assert_eq!(reg(&r, "rip"), 0x00007fff99d89d4b);
    assert_eq!(reg(&r, "rdx"), 0x000000010d9e7028);
    assert_eq!(r.images.len(), 244);
}

#[test]
fn thermal_numeric_exception() {
    let r = load("faisalmemon-ios-crash-dump-analysis-book/train_thermal.crash");
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(
        (e.kind.as_deref(), e.signal.as_deref()),
        (Some("00000020"), None)
    );
    assert_eq!(e.codes, vec![0xc00010ff]);
    assert_eq!(r.extra("Thermal Level"), Some("16"));
    assert_eq!(r.extra("Highlighted Thread"), Some("0"));
    assert_eq!(
        r.app_specific_lines().collect::<Vec<_>>(),
        vec!["Topmost application"]
    );
    assert_eq!(r.crashed_thread, None);
    assert_eq!(
        s(&r.thread(0).expect("thread 0").queue),
        Some("com.apple.main-thread")
    );
    assert_eq!(r.images.len(), 137);
}

#[test]
fn tcc_camera() {
    let r = load("faisalmemon-ios-crash-dump-analysis-book/icdab_camera_iOSonMac.crash");
    let t = r.termination.as_ref().expect("termination");
    assert_eq!((t.namespace.as_deref(), t.code), (Some("TCC"), Some(0)));
    assert_eq!(r.crashed_thread, Some(3));
    assert_eq!(s(&frame0(&r).symbol), Some("__abort_with_payload"));
    assert_eq!(r.extra("Notes"), Some("Translocated Process"));
}

#[test]
fn simulator_memory_leaking_app() {
    let r = load("mobile-dev-inc-Symbolicator/MemoryLeakingApp-2022-08-05-132419.crash");
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(
        (e.kind.as_deref(), e.signal.as_deref()),
        (Some("EXC_CRASH"), Some("SIGSEGV"))
    );
    assert_eq!(r.termination, None);
    let resp = r.process.responsible.as_ref().expect("responsible");
    assert_eq!(
        (resp.name.as_deref(), resp.pid),
        (Some("SimulatorTrampoline"), Some(606))
    );
    assert_eq!(
        s(&r.process.parent.as_ref().and_then(|p| p.name.clone())),
        Some("launchd_sim")
    );
    assert_eq!(s(&frame0(&r).symbol), Some("__pthread_kill"));
    assert_eq!(reg(&r, "err"), 0x02000148);
    assert_eq!(reg(&r, "trap"), 133);
    assert_eq!(r.images.len(), 11);
    let app = image_named(&r, "dev.mobile.MemoryLeakingApp");
    assert_eq!(s(&app.name), Some("MemoryLeakingApp"));
    assert!(app.user_code);
    assert_eq!(
        s(&r.thread(1).expect("thread 1").name),
        Some("com.apple.uikit.eventfetch-thread")
    );
}

#[test]
fn report_crash_itself_crashed() {
    let r = load("mobile-dev-inc-Symbolicator/non_symbolicated_crash.crash");
    assert_eq!(s(&r.process.version), None, "Version: ???");
    assert_eq!(s(&r.system.os_version), Some("macOS 12.3"));
    assert_eq!(r.system.uptime_seconds, Some(140000));
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(
        s(&e.subtype),
        Some("KERN_INVALID_ADDRESS at 0x000000012bb9b008")
    );
    assert!(r
        .vm_region_info
        .as_deref()
        .is_some_and(|v| v.starts_with("0x12bb9b008 is not in any region.")));
    assert_eq!(
        r.app_specific_lines().collect::<Vec<_>>(),
        vec![
            "Pid 33594 'CovidCertificate' CORPSE: Extracting",
            "Completed 1, Recent: Pid 30872 'ReportCrash' CORPSE"
        ]
    );
    assert_eq!(r.crashed_thread, Some(1));
    assert_eq!(
        s(&r.thread(2).expect("thread 2").name),
        Some("ExceptionSafeThread")
    );
    // "Error Code: 00000004 (no mapping for user data read)"
    let st = crashed(&r).state.as_ref().expect("state");
    assert_eq!(
        st.get("err").and_then(|e| e.description.as_deref()),
        Some("(no mapping for user data read)")
    );
    assert_eq!(st.value("cpu"), Some(6));
    assert!(r.extra("Thread 1 instruction stream").is_some());
    assert_eq!(r.images.len(), 9);
    // "0x10b8b8000 - 0x10b8e4000 ReportCrash (???) <7F5481D8-...>": this era
    // prints one past the end.
    let rc = image_named(&r, "ReportCrash");
    assert_eq!(
        (rc.base, rc.size, rc.version.as_deref()),
        (0x10b8b8000, Some(0x2c000), None)
    );
}

#[test]
fn old_ios_sigbus_xbmc() {
    let r = load("faisalmemon-ios-crash-dump-analysis-book/xmbc_sigbus.crash");
    // "Version: ??? (???)"
    assert_eq!(
        (r.process.version.as_deref(), r.process.build.as_deref()),
        (None, None)
    );
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(e.codes, vec![0x32, 0x047001b0]);
    assert_eq!(s(&e.codes_text), Some("0x00000032, 0x047001b0"));
    assert_eq!(r.crashed_thread, Some(4));
    let f = frame0(&r);
    assert_eq!(
        (f.image.as_deref(), f.symbol.as_deref(), f.symbol_offset),
        (Some("dyld"), Some("strcmp"), Some(0))
    );
    assert_eq!(reg(&r, "r0"), 0x047001b0);
    assert_eq!(
        s(&image_named(&r, "XBMC").uuid),
        Some("d446ccba-efe9-6d23-7cfa-331a4d8216b9")
    );
}

#[test]
fn siri_vm_regions_near() {
    let r = load(
        "faisalmemon-ios-crash-dump-analysis-book/SiriNCService_2018-06-24-095209_panic.crash",
    );
    assert!(r
        .vm_region_info
        .as_deref()
        .is_some_and(|v| v.starts_with("VM Regions Near 0x18:")));
    assert_eq!(
        r.app_specific_lines().collect::<Vec<_>>(),
        vec!["objc_msgSend() selector name: didUnlockScreen:"]
    );
    assert_eq!(
        r.extra("Build Info"),
        Some("AssistantUIX-146004005001000~1")
    );
    let f = frame0(&r);
    assert_eq!(
        (f.symbol.as_deref(), f.symbol_offset),
        (Some("objc_msgSend"), Some(29))
    );
    let f1 = &crashed(&r).frames[1];
    assert_eq!(s(&f1.image), Some("com.apple.CoreFoundation"));
    assert_eq!(s(&frame_image(&r, f1).name), Some("CoreFoundation"));
}

#[test]
fn source_locations_sema_x86() {
    let r = load("faisalmemon-ios-crash-dump-analysis-book/icdab_sema_osx.crash");
    let main = r
        .threads
        .iter()
        .flat_map(|t| &t.frames)
        .find(|f| f.file.as_deref() == Some("main.m"));
    assert_eq!(main.and_then(|f| f.line), Some(16));
    assert_eq!(reg(&r, "trap"), 6);
}

#[test]
fn ios14_ips_text_bodies() {
    let r = load("doronz88-pycrashreport/user_mode_crash_report_ios14_symbolicated.ips");
    assert_eq!(
        r.app_specific_lines().collect::<Vec<_>>(),
        vec!["dyld3 mode", "stack buffer overflow"]
    );
    assert_eq!(r.extra("Device Model"), Some("D111AP"));
    assert_eq!(s(&r.system.release_type), Some("Internal"));
    let r = load("doronz88-pycrashreport/user_mode_crash_report_ios14_non_symbolicated_abort.ips");
    assert_eq!(r.crashed_thread, Some(7));
    assert_eq!(s(&r.system.crash_reporter_key), Some("CRASHREPORTER_KEY"));
}

#[test]
fn lock_held_while_suspended() {
    let r = load("faisalmemon-ios-crash-dump-analysis-book/one_messenger_sql_ios.crash");
    let t = r.termination.as_ref().expect("termination");
    assert_eq!(
        (t.namespace.as_deref(), t.code),
        (Some("SPRINGBOARD"), Some(0xdead10cc))
    );
    // "Role: Non UI"; "Version: 158 (1.0.4)" on iOS 10.
    assert_eq!(s(&r.process.role), Some("Non UI"));
    assert_eq!(
        (r.process.version.as_deref(), r.process.build.as_deref()),
        (Some("1.0.4"), Some("158"))
    );
    // This file ends after the register dump: it has no Binary Images.
    assert!(r.images.is_empty());
    assert_eq!(reg(&r, "pc"), 0x000000018a337224);
}

#[test]
fn resource_reports_are_not_crashes() {
    for (rel, kind) in [
        (
            "faisalmemon-ios-crash-dump-analysis-book/brain_cpu_ios.crash",
            "CPU",
        ),
        (
            "faisalmemon-ios-crash-dump-analysis-book/snapshot_many_wakes_ios.crash",
            "WAKEUPS",
        ),
    ] {
        let text = read(rel);
        match parse(body(&text)) {
            Err(ReadError::NotACrashReport { kind: k, detail }) => {
                assert!(k.contains("EXC_RESOURCE") && k.contains(kind), "{rel}: {k}");
                assert!(detail.is_some_and(|d| d.contains("Observed")), "{rel}");
            }
            other => panic!("{rel}: {other:?}"),
        }
    }
    let text = read("faisalmemon-ios-crash-dump-analysis-book/stackshot_ios.crash");
    assert!(
        matches!(parse(body(&text)), Err(ReadError::NotACrashReport { kind, .. }) if kind == "stackshot")
    );
    let text = read("faisalmemon-ios-crash-dump-analysis-book/power_state_kernel_panic.crash");
    assert!(
        matches!(parse(&text), Err(ReadError::NotACrashReport { kind, .. }) if kind == "kernel panic")
    );
}

#[test]
fn non_reports_are_unrecognized() {
    for text in [
        "",
        "hello world\nthis is not a crash report\n",
        "{\"a\":1}\n",
        "Key: value\n",
    ] {
        assert!(
            matches!(parse(text), Err(ReadError::Unrecognized(_))),
            "{text:?}"
        );
    }
}

#[test]
fn partial_reports() {
    // Header only (Apple's documentation sample).
    let r = load("getsentry-apple-crash-report-parser/xcode16.txt");
    assert_eq!(s(&r.process.name), Some("TouchCanvas"));
    assert_eq!(s(&r.system.os_version), Some("iPhone OS 13.3.1"));
    // "Version: 1 (3.0)" on iOS 13.
    assert_eq!(
        (r.process.version.as_deref(), r.process.build.as_deref()),
        (Some("3.0"), Some("1"))
    );
    assert!(r.threads.is_empty());
    // Threads and images only, with spaces in image names.
    let r = load("getsentry-apple-crash-report-parser/spaces.txt");
    assert_eq!(r.threads.len(), 1);
    let f = &r.threads[0].frames[0];
    assert_eq!(s(&f.image), Some("App Namespace"));
    assert_eq!(
        (f.address, f.image_offset),
        (Some(0x102268e70), Some(1363568))
    );
    assert_eq!(frame_image(&r, f).base, 0x10211c000);
    assert_eq!(
        s(&image_named(&r, "App Namespace").path),
        Some("/private/var/containers/Bundle/Application/012CABCB-BD5B-1234-AE44-3215BF57D1CD/App Namespace Some.app/App Namespace")
    );
}

// ---------------------------------------------------------------------------
// The whole folder.

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for e in entries {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The non-crash kinds in the folder that come as text.
fn expected_not_a_crash(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("panic(")
        || text.contains("\nMicrostackshots:")
        || (text.contains("\nReason:")
            && text.contains("\nKernel version:")
            && !text.contains("\nProcess:"))
}

#[test]
fn every_text_report_in_the_corpus_parses() {
    let mut files = Vec::new();
    walk(Path::new(CORPUS), &mut files);
    files.sort();
    let mut parsed = 0;
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let b = body(&text);
        let name = path.display().to_string();
        if b.trim_start().starts_with('{') || b.trim().is_empty() {
            continue; // JSON bodies belong to the .ips reader.
        }
        let result = parse(b);
        if expected_not_a_crash(b) {
            assert!(
                matches!(result, Err(ReadError::NotACrashReport { .. })),
                "{name}: {result:?}"
            );
            continue;
        }
        let r = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        parsed += 1;
        let lines: Vec<&str> = b.lines().collect();
        let has_threads = lines.iter().any(|l| is_thread_start(l));
        let says_crashed = lines.iter().any(|l| {
            l.starts_with("Crashed Thread:")
                || l.starts_with("Triggered by Thread:")
                || (l.starts_with("Thread ") && l.contains(" Crashed:"))
        });
        let has_images = lines.iter().any(|l| l.starts_with("Binary Images"));
        if has_threads {
            assert!(!r.threads.is_empty(), "{name}: no threads");
            assert!(
                r.threads.iter().any(|t| !t.frames.is_empty()),
                "{name}: no frames"
            );
        }
        if says_crashed {
            let c = r
                .crashed()
                .unwrap_or_else(|| panic!("{name}: no crashed thread"));
            assert!(c.crashed, "{name}");
            assert!(!c.frames.is_empty(), "{name}: crashed thread has no frames");
        }
        if has_images {
            assert!(!r.images.is_empty(), "{name}: no images");
            for img in &r.images {
                assert!(img.placeholder || img.size.is_some(), "{name}: image size");
                if let Some(u) = &img.uuid {
                    assert!(
                        u.len() == 36 && u == &u.to_ascii_lowercase(),
                        "{name}: uuid {u}"
                    );
                }
            }
        }
        // Every numbered line inside a thread or backtrace block is a frame.
        let numbered = count_frame_lines(&lines);
        let frames: usize = r.threads.iter().map(|t| t.frames.len()).sum::<usize>()
            + r.last_exception_backtrace.len();
        assert_eq!(frames, numbered, "{name}: frame count");
        for f in r.threads.iter().flat_map(|t| &t.frames) {
            assert!(f.address.is_some(), "{name}: frame without address");
        }
        // A frame whose image the report lists resolves to it.
        for f in r.threads.iter().flat_map(|t| &t.frames) {
            let Some(img) = f.image.as_deref() else {
                continue;
            };
            let listed = r
                .images
                .iter()
                .any(|i| i.name.as_deref() == Some(img) || i.bundle_id.as_deref() == Some(img));
            if listed {
                assert!(
                    f.image_index.is_some(),
                    "{name}: frame in {img} not resolved"
                );
            }
        }
    }
    assert!(parsed >= 35, "parsed only {parsed} text reports");
}

/// "Thread 3:", "Thread 3 Crashed:", "Thread 1:: name", "Thread 9 Crashed:: ...".
fn is_thread_start(t: &str) -> bool {
    let Some(rest) = t.strip_prefix("Thread ") else {
        return false;
    };
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    rest.starts_with(':') || rest.starts_with(" Crashed:")
}

/// Lines that start with a frame number and sit in a thread / backtrace block
/// (the line before the block is a "Thread N...:" or "...Backtrace...:" header).
fn count_frame_lines(lines: &[&str]) -> usize {
    let mut in_block = false;
    let mut n = 0;
    for l in lines {
        let t = l.trim_end();
        if t.is_empty() {
            in_block = false;
            continue;
        }
        let starts_with_number = t
            .split_whitespace()
            .next()
            .is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit()))
            && t.starts_with(|c: char| c.is_ascii_digit());
        if in_block && starts_with_number {
            n += 1;
            continue;
        }
        in_block = is_thread_start(t)
            || t == "Last Exception Backtrace:"
            || t.starts_with("Application Specific Backtrace");
    }
    n
}

// ---------------------------------------------------------------------------
// Damaged input never panics.

#[test]
fn truncated_and_mangled_reports_never_panic() {
    let mut files = Vec::new();
    walk(Path::new(CORPUS), &mut files);
    files.sort();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let b = body(&text);
        // Cut at ~40 points, on char boundaries.
        let step = (b.len() / 40).max(1);
        let mut cut = 0;
        while cut < b.len() {
            if b.is_char_boundary(cut) {
                let _ = parse(&b[..cut]);
            }
            cut += step;
        }
        // Every line cut in half; tabs removed; digits turned into 'f'; huge numbers.
        let halves: String = b
            .lines()
            .map(|l| {
                let mut n = l.len() / 2;
                while !l.is_char_boundary(n) {
                    n -= 1;
                }
                format!("{}\n", &l[..n])
            })
            .collect();
        let _ = parse(&halves);
        let _ = parse(&b.replace('\t', ""));
        let _ = parse(&b.replace(|c: char| c.is_ascii_digit(), "f"));
        let _ = parse(&b.replace("0x", "0xffffffffffffffffffff"));
        let _ = parse(&b.replace(" + ", " + 99999999999999999999999 "));
    }
}

#[test]
fn system_profile_trailer_fields() {
    // SiriNCService has no "Hardware Model" line; the trailer says
    // "Model: iMac15,1, BootROM IM151.0217.B00, 4 processors, ...".
    let r = load(
        "faisalmemon-ios-crash-dump-analysis-book/SiriNCService_2018-06-24-095209_panic.crash",
    );
    assert_eq!(s(&r.system.hardware_model), Some("iMac15,1"));
    assert_eq!(r.extra("Boot Volume File System Type"), Some("apfs"));
    assert_eq!(
        r.extra("Serial ATA Device"),
        Some("APPLE SSD SM0512F, 500.28 GB")
    );
    // "Memory Module: " is empty; the next line is its own field.
    let r = load("faisalmemon-ios-crash-dump-analysis-book/icdab_camera_iOSonMac.crash");
    assert_eq!(s(&r.system.hardware_model), Some("ADP3,2"));
    assert_eq!(r.extra("Memory Module"), Some(""));
    assert!(r
        .extra("AirPort")
        .is_some_and(|v| v.starts_with("spairport_wireless_card_type_airport_extreme")));
}

#[test]
fn more_ios_reports() {
    // icdab_planets: C assert -> abort; the app frame is "0x104544000 + 20720".
    let r = load("faisalmemon-ios-crash-dump-analysis-book/icdab_planets.crash");
    assert_eq!(s(&r.system.hardware_model), Some("iPod9,1"));
    assert_eq!(r.extra("Baseband Version"), Some("n/a"));
    let fr = &crashed(&r).frames;
    assert_eq!(
        (fr[1].symbol.as_deref(), fr[1].symbol_offset),
        (Some("pthread_kill$VARIANT$mp"), Some(136))
    );
    assert_eq!(
        (fr[3].symbol.as_deref(), fr[3].symbol_offset),
        (Some("err"), Some(0))
    );
    assert_eq!(
        (fr[4].address, fr[4].image_offset, fr[4].symbol.as_deref()),
        (Some(0x1045490f0), Some(20720), None)
    );
    assert_eq!(frame_image(&r, &fr[4]).base, 0x104544000);
    assert!(frame_image(&r, &fr[4]).user_code);
    assert_eq!(reg(&r, "x9"), 0x1f45971da7174a41);

    // icdab_as: SIGILL, the second code is the instruction word.
    let r = load("faisalmemon-ios-crash-dump-analysis-book/icdab_as.crash");
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(e.codes, vec![1, 0xc87f7e7f]);
    assert_eq!(
        r.termination.as_ref().and_then(|t| t.indicator.as_deref()),
        Some("Illegal instruction: 4")
    );
    let fr = &crashed(&r).frames;
    assert_eq!(
        (fr[0].symbol.as_deref(), fr[0].symbol_offset),
        (Some("bad_instruction_egg"), Some(28))
    );
    assert_eq!(
        s(&fr[1].symbol),
        Some("ViewController.switchToAssemblyCodePath()")
    );
    assert_eq!(
        (fr[1].file.as_deref(), fr[1].line),
        (Some("ViewController.swift"), Some(27))
    );
    assert_eq!(
        (fr[3].file.as_deref(), fr[3].line),
        (Some("ViewController.swift"), Some(0))
    );
    assert_eq!(reg(&r, "x11"), 0xbaddc0dedeadbead);

    // leakagent: thread 4, NULL, unsymbolicated libswiftDemangle.
    let r = load("faisalmemon-ios-crash-dump-analysis-book/leakagent.crash");
    assert_eq!(s(&r.process.role), Some("Unspecified"));
    let parent = r.process.parent.as_ref().expect("parent");
    assert_eq!(
        (parent.name.as_deref(), parent.pid),
        (Some("DTServiceHub"), Some(1592))
    );
    assert_eq!(r.crashed_thread, Some(4));
    let f = frame0(&r);
    assert_eq!(
        (f.address, f.image_offset),
        (Some(0x104f871dc), Some(94684))
    );
    assert_eq!(frame_image(&r, f).base, 0x104f70000);
    assert!(r
        .vm_region_info
        .as_deref()
        .is_some_and(|v| v.starts_with("0 is not in any region.")));

    // reportCrash_ios: SIGBUS with an unusual subtype.
    let r = load("faisalmemon-ios-crash-dump-analysis-book/reportCrash_ios.crash");
    let e = r.exception.as_ref().expect("exception");
    assert_eq!(s(&e.subtype), Some("UNKNOWN_0x32 at 0x000000017e012290"));
    let t = r.termination.as_ref().expect("termination");
    assert_eq!(
        (t.code, t.indicator.as_deref()),
        (Some(0xa), Some("Bus error: 10"))
    );
    assert_eq!(r.crashed_thread, Some(1));
    assert_eq!(frame0(&r).image_offset, Some(401720));
    assert_eq!(reg(&r, "x23"), 0x000000017e012290);
}

#[test]
fn more_macos_reports() {
    // iOS app on an Apple-silicon Mac, macOS layout.
    let r = load("faisalmemon-ios-crash-dump-analysis-book/icdab_planets.iOSonMac.crash");
    assert_eq!(
        r.extra("External Modification Warnings"),
        Some("Debugger attached to process.")
    );
    assert_eq!(r.app_specific_lines().count(), 2);
    assert!(r
        .app_specific_lines()
        .any(|l| l.starts_with("Assertion failed: (pluto_volume != 0.0)")));
    // "5   www.perivalebluebell.icdab-planets\t0x0000000102ec50f0 -[PlanetViewController viewDidLoad] + 396 (PlanetViewController.mm:33)"
    let f5 = &crashed(&r).frames[5];
    assert_eq!(s(&f5.image), Some("www.perivalebluebell.icdab-planets"));
    assert_eq!(s(&f5.symbol), Some("-[PlanetViewController viewDidLoad]"));
    assert_eq!(
        (f5.file.as_deref(), f5.line),
        (Some("PlanetViewController.mm"), Some(33))
    );
    let img = frame_image(&r, f5);
    assert_eq!(
        (img.base, img.name.as_deref()),
        (0x102ec0000, Some("icdab_planets"))
    );
    assert_eq!(
        s(&r.thread(5).expect("thread 5").name),
        Some("com.apple.uikit.eventfetch-thread")
    );

    // icdab_thread: Parent zsh, Responsible Terminal, frames with (file:line).
    let r = load("faisalmemon-ios-crash-dump-analysis-book/icdab_thread_osx_arm64.crash");
    let parent = r.process.parent.as_ref().expect("parent");
    assert_eq!(
        (parent.name.as_deref(), parent.pid),
        (Some("zsh"), Some(6162))
    );
    let resp = r.process.responsible.as_ref().expect("responsible");
    assert_eq!(
        (resp.name.as_deref(), resp.pid),
        (Some("Terminal"), Some(3061))
    );
    assert_eq!(s(&r.process.version), Some("0"));
    let fr = &crashed(&r).frames;
    assert_eq!(
        (fr[3].symbol.as_deref(), fr[3].file.as_deref(), fr[3].line),
        (Some("start_threads"), Some("pthread_helper.c"), Some(177))
    );
    assert_eq!(
        (fr[4].symbol.as_deref(), fr[4].file.as_deref(), fr[4].line),
        (Some("main"), Some("main.m"), Some(14))
    );
    assert_eq!(reg(&r, "x9"), 0xcc77e4c5957aeef3);
    assert_eq!(
        r.app_specific_lines().collect::<Vec<_>>(),
        vec!["dyld2 mode", "abort() called"]
    );

    // KSCrash stack overflow: the report keeps 50 frames (0..49), the first 34
    // of them the recursive -[Crasher causeStackOverflow] + 36.
    let r = load("kstenerud-KSCrash/StackOverflow.txt");
    let fr = &crashed(&r).frames;
    assert_eq!(fr.len(), 50);
    assert!(fr.iter().take(34).all(|f| f.symbol.as_deref()
        == Some("-[Crasher causeStackOverflow]")
        && f.symbol_offset == Some(36)));
    assert_eq!(
        (fr[49].symbol.as_deref(), fr[49].image_offset),
        (Some("main"), Some(6072))
    );
    assert_eq!(
        s(&r.exception.as_ref().expect("exception").subtype),
        Some("KERN_INVALID_ADDRESS at 0x2fd59ff8")
    );
}
