//! Every `.ips` JSON report in the corpus, read through `read_file`, checked
//! against facts read by hand from the files (and, where the file has one, its
//! Console/Xcode text translation). Plus the Apple non-crash kinds.

use std::path::PathBuf;

use crashlens_model::{Arch, CrashReport, ReportFormat, Thread};
use crashlens_read::{read_file, ReadError};

fn corpus(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ))
    .join(rel)
}

fn read(rel: &str) -> CrashReport {
    match read_file(&corpus(rel)) {
        Ok(r) => r,
        Err(e) => panic!("{rel}: {e}"),
    }
}

fn thread(r: &CrashReport, n: u32) -> &Thread {
    r.thread(n).unwrap_or_else(|| panic!("no thread {n}"))
}

fn reg(t: &Thread, name: &str) -> u64 {
    t.state
        .as_ref()
        .and_then(|s| s.value(name))
        .unwrap_or_else(|| panic!("thread {} has no {name}", t.number))
}

fn reg_desc<'a>(t: &'a Thread, name: &str) -> Option<&'a str> {
    t.state.as_ref()?.get(name)?.description.as_deref()
}

fn reg_points_to<'a>(t: &'a Thread, name: &str) -> Option<&'a str> {
    t.state.as_ref()?.get(name)?.points_to.as_deref()
}

/// Values above 2^53 change when they pass through f64.
fn loses_precision_as_f64(v: u64) -> bool {
    (v as f64) as u64 != v
}

#[test]
fn monterey_sleep_x86_64_null_call() {
    let r =
        read("apple/doronz88-pycrashreport/user_mode_crash_report_monterey_non_symbolicated.ips");
    assert_eq!(r.source.format, ReportFormat::IpsJson);
    assert_eq!(r.source.bug_type.as_deref(), Some("309"));
    assert_eq!(r.source.report_version.as_deref(), Some("2"));
    assert!(!r.source.wrapped);

    assert_eq!(r.process.name.as_deref(), Some("sleep"));
    assert_eq!(r.process.pid, Some(10277));
    assert_eq!(r.process.path.as_deref(), Some("/bin/sleep"));
    assert_eq!(r.process.code_type.as_deref(), Some("X86-64"));
    assert_eq!(r.process.arch, Arch::X86_64);
    assert_eq!(r.process.role.as_deref(), Some("Unspecified"));
    assert_eq!(r.process.user_id, Some(501));
    assert_eq!(
        r.process.coalition.as_deref(),
        Some("com.googlecode.iterm2")
    );
    assert_eq!(
        r.process.launch_time.as_deref(),
        Some("2022-01-06 15:08:01.9034 +0200")
    );
    let parent = r.process.parent.as_ref().unwrap();
    assert_eq!(
        (parent.name.as_deref(), parent.pid),
        (Some("zsh"), Some(10192))
    );
    let resp = r.process.responsible.as_ref().unwrap();
    assert_eq!(
        (resp.name.as_deref(), resp.pid),
        (Some("iTerm2"), Some(1383))
    );

    assert_eq!(r.system.os_version.as_deref(), Some("macOS 12.1"));
    assert_eq!(r.system.os_build.as_deref(), Some("21C52"));
    assert_eq!(r.system.release_type.as_deref(), Some("User"));
    assert_eq!(r.system.hardware_model.as_deref(), Some("MacBookPro15,1"));
    assert_eq!(r.system.platform, Some(1));
    assert_eq!(
        r.system.incident_id.as_deref(),
        Some("051760D9-97FF-475F-8B61-B0FDFB04D484")
    );
    assert_eq!(
        r.system.capture_time.as_deref(),
        Some("2022-01-06 15:09:22.6192 +0200")
    );
    assert_eq!(r.system.uptime_seconds, Some(12000));
    assert_eq!(r.system.sip.as_deref(), Some("disabled"));

    let e = r.exception.as_ref().unwrap();
    assert_eq!(e.kind.as_deref(), Some("EXC_BAD_ACCESS"));
    assert_eq!(e.signal.as_deref(), Some("SIGSEGV"));
    assert_eq!(
        e.subtype.as_deref(),
        Some("KERN_INVALID_ADDRESS at 0x0000000000000000")
    );
    assert_eq!(
        e.codes_text.as_deref(),
        Some("0x0000000000000001, 0x0000000000000000")
    );
    assert_eq!(e.codes, vec![1, 0]);
    let t = r.termination.as_ref().unwrap();
    assert_eq!(t.namespace.as_deref(), Some("SIGNAL"));
    assert_eq!(t.code, Some(11));
    assert_eq!(t.indicator.as_deref(), Some("Segmentation fault: 11"));
    assert_eq!(t.by_process.as_deref(), Some("exc handler"));
    assert_eq!(t.by_pid, Some(10277));
    assert_eq!(t.flags, Some(0));

    assert_eq!(r.crashed_thread, Some(0));
    assert_eq!(r.threads.len(), 1);
    let t0 = r.crashed().unwrap();
    assert!(t0.crashed);
    assert_eq!(t0.id, Some(135513));
    assert_eq!(t0.queue.as_deref(), Some("com.apple.main-thread"));
    assert_eq!(t0.frames.len(), 4);
    // Frame 0 is the call through NULL: the "A" placeholder image, pc 0.
    let f0 = &t0.frames[0];
    assert_eq!(f0.image_index, Some(0));
    assert_eq!(f0.image, None);
    assert_eq!(f0.address, Some(0));
    assert!(r.images[0].placeholder);
    assert_eq!(r.images[0].base, 0);
    assert_eq!(r.images[0].size, Some(0));
    let f1 = &t0.frames[1];
    assert_eq!(f1.image.as_deref(), Some("libsystem_c.dylib"));
    assert_eq!(f1.symbol.as_deref(), Some("nanosleep"));
    assert_eq!(f1.symbol_offset, Some(196));
    assert_eq!(f1.image_offset, Some(67753));
    assert_eq!(f1.address, Some(140703336611840 + 67753));
    assert_eq!(t0.frames[2].image.as_deref(), Some("sleep"));
    assert_eq!(t0.frames[2].symbol, None);
    assert_eq!(t0.frames[3].symbol.as_deref(), Some("start"));
    assert_eq!(t0.frames[3].image.as_deref(), Some("dyld"));

    let st = t0.state.as_ref().unwrap();
    assert_eq!(st.arch, Arch::X86_64);
    assert_eq!(st.registers[0].name, "rax");
    assert_eq!(reg(t0, "rip"), 0);
    assert_eq!(reg(t0, "cr2"), 0);
    assert_eq!(reg(t0, "trap"), 14);
    assert_eq!(
        reg_desc(t0, "trap"),
        Some("(no mapping for user instruction read)")
    );
    assert_eq!(reg(t0, "err"), 20);
    assert_eq!(reg(t0, "cpu"), 8);
    assert_eq!(reg(t0, "rflags"), 66119);
    assert_eq!(reg(t0, "rsp"), 140701961192872);
    assert_eq!(reg_points_to(t0, "r12"), Some("_NSConcreteStackBlock"));

    assert_eq!(r.images.len(), 4);
    let sleep = &r.images[2];
    assert_eq!(sleep.name.as_deref(), Some("sleep"));
    assert_eq!(sleep.base, 4387598336);
    assert_eq!(sleep.size, Some(16384));
    assert_eq!(
        sleep.uuid.as_deref(),
        Some("b9252db9-9910-3b36-865a-01e20427c7e0")
    );
    assert_eq!(sleep.arch.as_deref(), Some("x86_64"));
    assert!(sleep.user_code, "the main executable is user code");
    assert!(!r.images[1].user_code);

    let vm = r.vm_region_info.as_deref().unwrap();
    assert!(vm.starts_with("0 is not in any region."), "{vm}");
    // The lower-case duplicate has the same text and is not kept twice.
    assert_eq!(r.extra("vmregioninfo"), None);
    assert!(r
        .extra("extMods")
        .unwrap()
        .contains("\"thread_set_state\":6"));
    assert!(r.extra("bridgeVersion").unwrap().contains("19P647"));
    assert!(r.extra("sharedCache").is_some());
    assert!(r
        .extra("vmSummary")
        .unwrap()
        .starts_with("ReadOnly portion of Libraries"));
    assert_eq!(
        r.extra("header.slice_uuid"),
        Some("b9252db9-9910-3b36-865a-01e20427c7e0")
    );
    assert_eq!(r.extra("crashlens.read_problems"), None);
}

#[test]
fn ios16_swift_assertion_breakpoint() {
    let r = read("apple/inket-MacSymbolicator/ios-crash-in-ips-format.ips");
    assert_eq!(r.process.name.as_deref(), Some("iOSCrashingTest"));
    assert_eq!(r.process.pid, Some(455));
    assert_eq!(
        r.process.identifier.as_deref(),
        Some("jp.mahdi.iOSCrashingTest")
    );
    assert_eq!(r.process.version.as_deref(), Some("1.0"));
    assert_eq!(r.process.build.as_deref(), Some("1"));
    assert_eq!(r.process.arch, Arch::Arm64);
    assert_eq!(r.process.role.as_deref(), Some("Foreground"));
    assert_eq!(r.system.os_version.as_deref(), Some("iPhone OS 16.0"));
    assert_eq!(r.system.os_build.as_deref(), Some("20A362"));
    assert_eq!(r.system.hardware_model.as_deref(), Some("iPhone14,2"));
    assert_eq!(r.system.platform, Some(2));
    assert_eq!(
        r.system.incident_id.as_deref(),
        Some("356753AC-2172-45DC-977A-11F2328980D0")
    );
    assert_eq!(
        r.system.crash_reporter_key.as_deref(),
        Some("3f2d8930a7fa3eff84ad721f6866b9b4791238c5")
    );

    let e = r.exception.as_ref().unwrap();
    assert_eq!(e.kind.as_deref(), Some("EXC_BREAKPOINT"));
    assert_eq!(e.signal.as_deref(), Some("SIGTRAP"));
    assert_eq!(e.subtype, None);
    assert_eq!(e.codes, vec![1, 0x18a98520c]);
    let t = r.termination.as_ref().unwrap();
    assert_eq!(
        (t.code, t.indicator.as_deref()),
        (Some(5), Some("Trace/BPT trap: 5"))
    );

    assert_eq!(r.crashed_thread, Some(0));
    assert_eq!(r.threads.len(), 8);
    let t0 = r.crashed().unwrap();
    assert_eq!(t0.id, Some(5798));
    assert_eq!(t0.queue.as_deref(), Some("com.apple.main-thread"));
    let f0 = &t0.frames[0];
    assert_eq!(f0.image.as_deref(), Some("libswiftCore.dylib"));
    assert_eq!(
        f0.symbol.as_deref(),
        Some("_assertionFailure(_:_:file:line:flags:)")
    );
    assert_eq!(f0.symbol_offset, Some(312));
    assert_eq!(f0.address, Some(0x18a98520c), "base 6619975680 + 229900");
    // The app's own frames are unsymbolicated.
    let f2 = &t0.frames[2];
    assert_eq!(f2.image.as_deref(), Some("iOSCrashingTest"));
    assert_eq!(f2.symbol, None);
    assert_eq!(f2.address, Some(4330815488 + 25788));
    assert_eq!(
        thread(&r, 1).queue.as_deref(),
        Some("com.apple.UIKit.KeyboardManagement")
    );
    assert_eq!(
        thread(&r, 5).name.as_deref(),
        Some("com.apple.uikit.eventfetch-thread")
    );
    assert!(r.threads.iter().filter(|t| t.crashed).count() == 1);

    let st = t0.state.as_ref().unwrap();
    assert_eq!(st.arch, Arch::Arm64);
    let names: Vec<&str> = st.registers.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names.len(), 36);
    assert_eq!(&names[..2], &["x0", "x1"]);
    assert_eq!(
        &names[28..],
        &["x28", "fp", "lr", "sp", "pc", "cpsr", "far", "esr"]
    );
    assert_eq!(reg(t0, "pc"), 6620205580);
    assert_eq!(reg(t0, "lr"), 6620205580);
    assert_eq!(reg(t0, "esr"), 0xf200_0001);
    assert_eq!(reg_desc(t0, "esr"), Some("(Breakpoint) brk 1"));
    assert_eq!(reg(t0, "far"), 8187073608);
    assert_eq!(reg(t0, "cpsr"), 1610616832);
    assert_eq!(reg_points_to(t0, "x3"), Some("nanov2_free_definite_size"));
    let x24 = reg(t0, "x24");
    assert_eq!(x24, 14987979559889010704);
    assert!(loses_precision_as_f64(x24));
    assert_eq!(reg(t0, "x0"), 9223372041185617968);

    assert_eq!(r.images.len(), 17);
    assert!(r.images.iter().all(|i| !i.placeholder));
    let app = &r.images[1];
    assert_eq!(app.name.as_deref(), Some("iOSCrashingTest"));
    assert_eq!(app.arch.as_deref(), Some("arm64"));
    assert!(app.user_code);
    assert_eq!(r.images[0].arch.as_deref(), Some("arm64e"));

    assert_eq!(
        r.kernel_triage.as_deref(),
        Some("VM - pmap_enter retried due to resource shortage\nVM - pmap_enter retried due to resource shortage\n")
    );
    assert_eq!(
        r.extra("os_fault"),
        Some(r#"{"process":"iOSCrashingTest"}"#)
    );
    assert_eq!(r.extra("basebandVersion"), Some("2.09.01"));
    assert_eq!(r.extra("osVersion.isEmbedded"), Some("true"));
}

#[test]
fn macos_swift_assertion_sigill_x86_64() {
    let r = read("apple/inket-MacSymbolicator/multi-target-crash.ips");
    let e = r.exception.as_ref().unwrap();
    assert_eq!(e.kind.as_deref(), Some("EXC_BAD_INSTRUCTION"));
    assert_eq!(e.signal.as_deref(), Some("SIGILL"));
    assert_eq!(e.subtype, None);
    let t = r.termination.as_ref().unwrap();
    assert_eq!(
        (t.code, t.indicator.as_deref()),
        (Some(4), Some("Illegal instruction: 4"))
    );
    assert_eq!(
        r.process.parent.as_ref().unwrap().name.as_deref(),
        Some("bash")
    );
    assert_eq!(r.system.hardware_model.as_deref(), Some("Macmini7,1"));

    assert_eq!(r.crashed_thread, Some(0));
    let t0 = r.crashed().unwrap();
    assert_eq!(t0.id, Some(16614219));
    assert_eq!(t0.frames.len(), 4);
    let f0 = &t0.frames[0];
    assert_eq!(f0.image.as_deref(), Some("libswiftCore.dylib"));
    assert_eq!(
        f0.symbol.as_deref(),
        Some("_assertionFailure(_:_:file:line:flags:)")
    );
    assert_eq!(f0.symbol_offset, Some(421));
    assert_eq!(f0.address, Some(0x7ff81f34e245));
    assert_eq!(t0.frames[1].image.as_deref(), Some("AnotherTarget"));
    assert_eq!(t0.frames[1].symbol, None);
    assert_eq!(
        t0.frames[2].image.as_deref(),
        Some("CrashingInAnotherTargetTest")
    );
    assert_eq!(reg(t0, "rip"), 0x7ff81f34e245);
    assert_eq!(reg(t0, "cr2"), 0x7ff854206bd8);
    assert_eq!(reg(t0, "trap"), 6);
    assert_eq!(reg_desc(t0, "trap"), None);

    assert_eq!(r.images.len(), 4);
    let fw = &r.images[1];
    assert_eq!(fw.bundle_id.as_deref(), Some("jp.mahdi.AnotherTarget"));
    assert_eq!(fw.version.as_deref(), Some("1.0"));
    assert_eq!(fw.build.as_deref(), Some("1"));
    assert!(!fw.user_code, "only the main executable is marked");
    assert!(r.images[2].user_code);
}

#[test]
fn macos_bad_pointer_write_x86_64() {
    let r = read("apple/inket-MacSymbolicator/single-target-crash.ips");
    let e = r.exception.as_ref().unwrap();
    assert_eq!(e.kind.as_deref(), Some("EXC_BAD_ACCESS"));
    assert_eq!(e.signal.as_deref(), Some("SIGSEGV"));
    assert_eq!(
        e.subtype.as_deref(),
        Some("KERN_INVALID_ADDRESS at 0x0000000000000001")
    );
    assert_eq!(e.codes, vec![1, 1]);
    assert_eq!(
        r.process.parent.as_ref().unwrap().name.as_deref(),
        Some("Exited process")
    );

    let t0 = r.crashed().unwrap();
    assert_eq!(t0.frames.len(), 3);
    let f0 = &t0.frames[0];
    assert_eq!(f0.image.as_deref(), Some("CrashingTest"));
    assert_eq!(f0.symbol, None);
    assert_eq!(f0.address, Some(0x10e311e45));
    assert_eq!(reg(t0, "rip"), 0x10e311e45);
    assert_eq!(reg(t0, "cr2"), 1);
    assert_eq!(reg(t0, "err"), 6);
    assert_eq!(reg(t0, "trap"), 14);
    assert_eq!(
        reg_desc(t0, "trap"),
        Some("(no mapping for user data write)")
    );

    assert_eq!(r.images.len(), 3);
    assert!(r.images[2].placeholder, "the \"A\" image is last here");
    assert!(!r.images[0].placeholder);
    assert!(r
        .vm_region_info
        .as_deref()
        .unwrap()
        .starts_with("0x1 is not in any region."));
}

#[test]
fn ios_simulator_raise_without_termination() {
    let r = read("apple/mobile-dev-inc-Symbolicator/MemoryLeakingApp-2022-08-05-132419.ips");
    assert_eq!(r.system.platform, Some(7));
    assert_eq!(r.system.os_version.as_deref(), Some("macOS 12.4"));
    assert_eq!(r.process.arch, Arch::X86_64);
    assert_eq!(
        r.process.identifier.as_deref(),
        Some("dev.mobile.MemoryLeakingApp")
    );
    let parent = r.process.parent.as_ref().unwrap();
    assert_eq!(
        (parent.name.as_deref(), parent.pid),
        (Some("launchd_sim"), Some(7423))
    );
    let resp = r.process.responsible.as_ref().unwrap();
    assert_eq!(
        (resp.name.as_deref(), resp.pid),
        (Some("SimulatorTrampoline"), Some(606))
    );

    let e = r.exception.as_ref().unwrap();
    assert_eq!(e.kind.as_deref(), Some("EXC_CRASH"));
    assert_eq!(e.signal.as_deref(), Some("SIGSEGV"));
    assert!(
        r.termination.is_none(),
        "this report has no termination object"
    );

    assert_eq!(r.crashed_thread, Some(0));
    assert_eq!(r.threads.len(), 3);
    let t0 = r.crashed().unwrap();
    assert_eq!(t0.queue.as_deref(), Some("com.apple.main-thread"));
    assert_eq!(t0.frames.len(), 33);
    let f0 = &t0.frames[0];
    assert_eq!(f0.image.as_deref(), Some("libsystem_kernel.dylib"));
    assert_eq!(f0.symbol.as_deref(), Some("__pthread_kill"));
    assert_eq!(f0.symbol_offset, Some(10));
    assert_eq!(f0.address, Some(0x7fff7017300e));
    assert_eq!(
        thread(&r, 1).name.as_deref(),
        Some("com.apple.uikit.eventfetch-thread")
    );
    assert_eq!(reg(t0, "rip"), 0x7fff7017300e);
    assert_eq!(reg(t0, "cr2"), 0x7f9d66550000);
    assert_eq!(reg(t0, "err"), 0x0200_0148);
    assert_eq!(reg(t0, "trap"), 133);
    assert_eq!(reg(t0, "rflags"), 0x246);

    assert_eq!(r.images.len(), 11);
    let swiftui = &r.images[4];
    assert_eq!(swiftui.bundle_id.as_deref(), Some("com.apple.SwiftUI"));
    assert_eq!(swiftui.version.as_deref(), Some("3.5.2"));
    assert!(r.images[3].user_code, "the app binary");
}

#[test]
fn translated_ios26_hermes_fault() {
    let r = read("apple/kimu0223-solo-quest/log.md");
    assert_eq!(r.source.format, ReportFormat::IpsJson);
    assert!(r.source.wrapped, "Console's Translated Report wrapper");
    assert_eq!(r.process.name.as_deref(), Some("SoloQuest"));
    assert_eq!(r.process.pid, Some(2415));
    assert_eq!(r.process.identifier.as_deref(), Some("com.kimu.soloquest"));
    assert_eq!(r.process.version.as_deref(), Some("1.0.0"));
    assert_eq!(r.process.build.as_deref(), Some("5"));
    assert_eq!(r.process.translated, Some(false));
    assert_eq!(r.extra("bundleInfo.DTAppStoreToolsBuild"), Some("17C7003g"));
    assert_eq!(r.system.os_version.as_deref(), Some("iPhone OS 26.3.1"));
    assert_eq!(r.system.os_build.as_deref(), Some("23D8133"));
    assert_eq!(r.system.hardware_model.as_deref(), Some("iPhone18,2"));

    let e = r.exception.as_ref().unwrap();
    assert_eq!(e.kind.as_deref(), Some("EXC_BAD_ACCESS"));
    assert_eq!(e.signal.as_deref(), Some("SIGSEGV"));
    assert_eq!(
        e.subtype.as_deref(),
        Some("KERN_INVALID_ADDRESS at 0x0000800000000099")
    );
    assert_eq!(e.codes, vec![1, 0x0000800000000099]);
    let t = r.termination.as_ref().unwrap();
    assert_eq!(
        (t.by_process.as_deref(), t.by_pid),
        (Some("exc handler"), Some(2415))
    );

    assert_eq!(r.crashed_thread, Some(10));
    assert_eq!(r.threads.len(), 13);
    let t10 = r.crashed().unwrap();
    assert_eq!(t10.number, 10);
    assert!(t10.crashed);
    assert_eq!(
        t10.name.as_deref(),
        Some("com.facebook.react.runtime.JavaScript")
    );
    assert_eq!(t10.frames.len(), 39);
    let f0 = &t10.frames[0];
    assert_eq!(f0.image.as_deref(), Some("hermes"));
    assert_eq!(
        f0.symbol.as_deref(),
        Some("hermes::vm::DictPropertyMap::findOrAdd(hermes::vm::MutableHandle<hermes::vm::DictPropertyMap>&, hermes::vm::Runtime&, hermes::vm::SymbolID)")
    );
    assert_eq!(f0.symbol_offset, Some(52));
    assert_eq!(f0.address, Some(0x104960060));
    // The translated text's register block: pc, far, esr, lr, cpsr.
    assert_eq!(reg(t10, "pc"), 0x104960060);
    assert_eq!(reg(t10, "far"), 0x0000800000000099);
    assert_eq!(reg(t10, "esr"), 0x92000004);
    assert_eq!(
        reg_desc(t10, "esr"),
        Some("(Data Abort) byte read Translation fault")
    );
    assert_eq!(reg(t10, "lr"), 0x104965f1c);
    assert_eq!(reg(t10, "cpsr"), 0x20000000);
    let x6 = reg(t10, "x6");
    assert_eq!(x6, 0xffffffffbfc007ff);
    assert!(loses_precision_as_f64(x6));
    assert_eq!(reg(t10, "x8"), 0xfffb80000000008d);

    // Thread 0 frame 0: the doc's worked example, base 0x2315de000 + 3284.
    let t0 = thread(&r, 0);
    assert_eq!(t0.queue.as_deref(), Some("com.apple.main-thread"));
    assert_eq!(t0.frames[0].address, Some(0x2315decd4));
    assert_eq!(t0.frames[0].symbol.as_deref(), Some("mach_msg2_trap"));
    // A thread that did not fault still has a Data Abort in its saved state.
    let t3 = thread(&r, 3);
    assert!(!t3.crashed);
    assert_eq!(
        t3.queue.as_deref(),
        Some("com.meta.react.turbomodulemanager.queue")
    );
    assert_eq!(reg(t3, "esr"), 0x92000007);
    assert_eq!(reg(t3, "far"), 0x10452592c);
    assert_eq!(
        reg_points_to(t3, "x16"),
        Some("invocation function for block in mach_o::Header::forEachSection(void (mach_o::Header::SectionInfo const&, bool&) block_pointer) const")
    );
    assert!(
        thread(&r, 1).frames.is_empty(),
        "idle threads have no frames"
    );
    assert_eq!(thread(&r, 11).name.as_deref(), Some("hades"));
    assert_eq!(
        thread(&r, 12).name.as_deref(),
        Some("AudioSession - RootQueue")
    );

    assert_eq!(r.images.len(), 17);
    assert!(r.images[10].placeholder);
    assert!(
        r.images[0].user_code,
        "matched by slice_uuid: its path lacks /private"
    );
    assert_eq!(r.images[0].name.as_deref(), Some("SoloQuest"));
    assert_eq!(r.extra("header.adam_id"), Some("6759914132"));
    assert!(r
        .extra("instructionByteStream")
        .unwrap()
        .contains("beforePC"));
}

#[test]
fn translated_macos26_nsexception_with_trailing_profile() {
    let r = read("apple/JoelBrown1-Keneth_Frequency/debugging_19_4_01.md");
    assert!(r.source.wrapped);
    assert_eq!(r.process.name.as_deref(), Some("keneth_frequency"));
    assert_eq!(r.process.pid, Some(28377));
    assert_eq!(r.system.os_version.as_deref(), Some("macOS 26.4.1"));
    assert_eq!(r.system.os_build.as_deref(), Some("25E253"));
    assert_eq!(r.system.hardware_model.as_deref(), Some("Mac17,4"));
    assert_eq!(
        r.system.crash_reporter_key.as_deref(),
        Some("C3B09917-2A25-8D9D-4BD7-0FED69E33CD5")
    );

    let e = r.exception.as_ref().unwrap();
    assert_eq!(e.kind.as_deref(), Some("EXC_CRASH"));
    assert_eq!(e.signal.as_deref(), Some("SIGABRT"));
    let t = r.termination.as_ref().unwrap();
    assert_eq!(t.code, Some(6));
    assert_eq!(t.indicator.as_deref(), Some("Abort trap: 6"));
    assert_eq!(t.by_process.as_deref(), Some("keneth_frequency"));
    assert_eq!(r.app_specific.len(), 1);
    assert_eq!(
        r.app_specific[0].image.as_deref(),
        Some("libsystem_c.dylib")
    );
    assert_eq!(r.app_specific[0].lines, vec!["abort() called".to_string()]);

    assert_eq!(r.crashed_thread, Some(9));
    assert_eq!(r.threads.len(), 18);
    let t9 = r.crashed().unwrap();
    assert_eq!(
        t9.queue.as_deref(),
        Some("com.apple.root.user-initiated-qos.cooperative")
    );
    let f0 = &t9.frames[0];
    assert_eq!(f0.image.as_deref(), Some("libsystem_kernel.dylib"));
    assert_eq!(f0.symbol.as_deref(), Some("__pthread_kill"));
    assert_eq!(f0.address, Some(0x1805a45e8));
    assert_eq!(reg(t9, "pc"), 0x1805a45e8);
    assert_eq!(reg(t9, "far"), 0);
    assert_eq!(reg(t9, "esr"), 0x56000080);
    assert_eq!(reg_desc(t9, "esr"), Some("(Syscall)"));
    let f16 = &t9.frames[16];
    assert_eq!(f16.file.as_deref(), Some("CoreAudioSession.swift"));
    assert_eq!(f16.line, Some(191));
    assert_eq!(f16.address, Some(0x100e0e21c));

    // Inlined frames share one address; sourceLine may be absent.
    let t0 = thread(&r, 0);
    let (a, b, c) = (&t0.frames[16], &t0.frames[17], &t0.frames[18]);
    assert!(a.inlined && b.inlined && !c.inlined);
    assert_eq!(a.address, Some(0x100e09d84));
    assert_eq!(b.address, a.address);
    assert_eq!(c.address, a.address);
    assert_eq!(a.file.as_deref(), Some("AppDelegate.swift"));
    assert_eq!(a.line, None);
    assert_eq!(b.file.as_deref(), Some("/<compiler-generated>"));
    assert_eq!(b.line, Some(4));
    assert_eq!(thread(&r, 2).name.as_deref(), Some("io.flutter.raster"));
    assert_eq!(
        thread(&r, 17).name.as_deref(),
        Some("HIE: __ 3b7cb4d234b66b58 2026-04-19 18:23:19.247")
    );
    assert_eq!(
        reg_points_to(thread(&r, 15), "x23"),
        Some("sVarispeedRateTable + 2224")
    );

    // Matches the translated text's "Last Exception Backtrace".
    let leb = &r.last_exception_backtrace;
    assert_eq!(leb.len(), 14);
    assert_eq!(leb[0].image.as_deref(), Some("CoreFoundation"));
    assert_eq!(leb[0].symbol.as_deref(), Some("__exceptionPreprocess"));
    assert_eq!(leb[0].symbol_offset, Some(164));
    assert_eq!(leb[0].address, Some(0x18070abe4));
    assert_eq!(leb[3].image.as_deref(), Some("AVFAudio"));
    assert_eq!(leb[3].address, Some(0x225c72fe8));
    assert_eq!(leb[8].address, Some(0x100e0e21c));
    assert_eq!(leb[8].line, Some(193));

    assert_eq!(r.images.len(), 27);
    assert!(r.images[16].placeholder);
    let agx = &r.images[8];
    assert_eq!(agx.name.as_deref(), Some("AGXMetalG17G"));
    assert_eq!(agx.bundle_id.as_deref(), Some("com.apple.AGXMetalG17G"));
    assert_eq!(agx.version.as_deref(), Some("350.38"));
    assert_eq!(agx.build.as_deref(), Some("350.38"));
    assert!(r.images[0].user_code);
}

fn not_a_crash(rel: &str) -> (String, Option<String>) {
    match read_file(&corpus(rel)) {
        Err(ReadError::NotACrashReport { kind, detail }) => (kind, detail),
        Err(e) => panic!("{rel}: expected NotACrashReport, got error {e}"),
        Ok(_) => panic!("{rel}: expected NotACrashReport, got a crash report"),
    }
}

#[test]
fn non_crash_kinds() {
    let (kind, detail) = not_a_crash(
        "apple/doronz88-pycrashreport/kernel_mode_crash_report_ios16_forceReset-full.ips",
    );
    assert_eq!(kind, "kernel panic");
    let d = detail.unwrap();
    assert!(
        d.contains("panic(cpu 1 caller 0xfffffff02e156784): btn_rst"),
        "{d}"
    );
    assert!(d.contains("iPhone11,8"), "{d}");

    // Hand-edited, invalid JSON body: the panic string is still found.
    let (kind, detail) =
        not_a_crash("apple/faisalmemon-ios-crash-dump-analysis-book/imac_bridge_os.crash");
    assert_eq!(kind, "bridgeOS (T2) panic");
    assert!(detail.unwrap().contains("x86 CPU CATERR detected"));

    let (kind, detail) =
        not_a_crash("apple/faisalmemon-ios-crash-dump-analysis-book/jetsam_highwater.crash");
    assert!(kind.starts_with("jetsam"), "{kind}");
    let d = detail.unwrap();
    assert!(d.contains("largest process: SpringBoard"), "{d}");
    assert!(d.contains("highwater"), "{d}");

    let (kind, detail) =
        not_a_crash("apple/faisalmemon-ios-crash-dump-analysis-book/jetsam_vm-pageshortage.crash");
    assert!(kind.starts_with("jetsam"), "{kind}");
    let d = detail.unwrap();
    assert!(d.contains("largest process: backboardd"), "{d}");
    assert!(d.contains("vm-pageshortage"), "{d}");
    assert!(d.contains("per-process-limit"), "{d}");

    let (kind, detail) =
        not_a_crash("apple/faisalmemon-ios-crash-dump-analysis-book/stackshot_ios.crash");
    assert_eq!(kind, "stackshot");
    assert!(detail
        .unwrap()
        .contains("Manually triggered stackshot via backboardd"));

    let (kind, detail) =
        not_a_crash("apple/faisalmemon-ios-crash-dump-analysis-book/snapshot_many_wakes_ios.crash");
    assert!(kind.starts_with("resource report"), "{kind}");
    let d = detail.unwrap();
    assert!(
        d.contains("WAKEUPS") && d.contains("(Limit 150/sec) Observed 195/sec over 300 secs"),
        "{d}"
    );

    let (kind, detail) =
        not_a_crash("apple/faisalmemon-ios-crash-dump-analysis-book/brain_cpu_ios.crash");
    assert!(kind.starts_with("resource report"), "{kind}");
    assert!(detail.unwrap().contains("CPU"));

    let (kind, detail) = not_a_crash(
        "apple/faisalmemon-ios-crash-dump-analysis-book/power_state_kernel_panic.crash",
    );
    assert_eq!(kind, "kernel panic");
    assert!(detail.unwrap().contains("AMDFramebufferSI::setPowerState"));

    let (kind, detail) =
        not_a_crash("apple/faisalmemon-ios-crash-dump-analysis-book/m1_mac_mini_serror.crash");
    assert!(kind.contains("panic") && kind.contains("RTKit"), "{kind}");
    assert!(detail.unwrap().contains("DCP SERROR"));
}

/// Every file in the corpus that holds `.ips` JSON with bug_type 309 reads.
#[test]
fn every_ips_json_file_reads() {
    let mut n = 0;
    for dir in std::fs::read_dir(corpus("apple")).unwrap() {
        for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let path = f.unwrap().path();
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            let has_json_body = text
                .lines()
                .any(|l| l.starts_with('{') && l.contains("\"bug_type\":\"309\""))
                && text.contains("\"usedImages\" : [");
            if !has_json_body {
                continue;
            }
            n += 1;
            let r = read_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(r.source.format, ReportFormat::IpsJson, "{}", path.display());
            assert!(r.crashed().is_some(), "{}", path.display());
            assert_eq!(
                r.extra("crashlens.read_problems"),
                None,
                "{}",
                path.display()
            );
            check_invariants(&r, &path.display().to_string());
        }
    }
    assert_eq!(n, 7, "the corpus holds 7 .ips JSON crash reports");
}

/// What holds in every real report: each frame's address lies inside the
/// image its imageIndex names, and the crashed thread's pc is frame 0.
fn check_invariants(r: &CrashReport, what: &str) {
    let mut frames = 0;
    for t in &r.threads {
        for f in t.frames.iter().chain(r.last_exception_backtrace.iter()) {
            let Some(ix) = f.image_index else { continue };
            let img = &r.images[ix];
            let addr = f
                .address
                .unwrap_or_else(|| panic!("{what}: frame without address"));
            if img.placeholder {
                continue;
            }
            assert!(
                img.contains(addr),
                "{what}: thread {} {addr:#x} outside {:?}",
                t.number,
                img.name
            );
            assert_eq!(f.image.as_deref(), img.name.as_deref(), "{what}");
            frames += 1;
        }
    }
    assert!(frames > 0, "{what}");
    let crashed = r.crashed().unwrap();
    let pc = crashed
        .state
        .as_ref()
        .and_then(|s| s.value("pc").or_else(|| s.value("rip")))
        .unwrap_or_else(|| panic!("{what}: no pc"));
    assert_eq!(Some(pc), crashed.frames[0].address, "{what}: pc is frame 0");
}
