//! The judgement passes (concurrency, timeline, known issues, verdict, headline):
//! the seed scenario built by hand as the earlier passes would leave it, the
//! example report end to end, and corpus reports whose leading hypothesis is
//! known from reading them.

use crashlens_analyze::{Context, PASSES};
use crashlens_model::*;
use std::path::{Path, PathBuf};

const MINE: &[&str] = &[
    "concurrency",
    "timeline",
    "known_issues",
    "verdict",
    "headline",
];

fn run_mine(r: &CrashReport, mut a: Analysis) -> Analysis {
    let cx = Context::new(r);
    for (name, pass) in PASSES {
        if MINE.contains(name) {
            pass(&cx, &mut a);
        }
    }
    a
}

fn fr(index: u32, image: &str, symbol: &str) -> Frame {
    Frame {
        index,
        image: Some(image.into()),
        symbol: Some(symbol.into()),
        ..Default::default()
    }
}

fn thread(number: u32, name: Option<&str>, queue: Option<&str>, frames: &[(&str, &str)]) -> Thread {
    Thread {
        number,
        name: name.map(Into::into),
        queue: queue.map(Into::into),
        frames: frames
            .iter()
            .enumerate()
            .map(|(i, (img, sym))| fr(i as u32, img, sym))
            .collect(),
        ..Default::default()
    }
}

const CRASHED: &[(&str, &str)] = &[
    ("AGXMetalG16X", "-[AGXG16XFamilyComputeContext setComputePipelineState:]"),
    ("libtorch_cpu.dylib", "invocation function for block in at::native::mps::MetalShaderLibrary::exec_binary_kernel(at::TensorIteratorBase&, std::__1::basic_string<char> const&, std::__1::optional<c10::Scalar>, std::__1::optional<c10::ScalarType>)"),
    ("libtorch_cpu.dylib", "invocation function for block in at::native::mps::dispatch_sync_with_rethrow(NSObject<OS_dispatch_queue>*, void () block_pointer)"),
    ("libdispatch.dylib", "_dispatch_client_callout"),
    ("libdispatch.dylib", "_dispatch_lane_barrier_sync_invoke_and_complete"),
    ("libtorch_cpu.dylib", "at::native::mps::dispatch_sync_with_rethrow(NSObject<OS_dispatch_queue>*, void () block_pointer)"),
    ("libtorch_cpu.dylib", "at::native::mps::MetalShaderLibrary::exec_binary_kernel(at::TensorIteratorBase&, std::__1::basic_string<char> const&, std::__1::optional<c10::Scalar>, std::__1::optional<c10::ScalarType>)"),
    ("libtorch_cpu.dylib", "at::native::mul_mps_kernel(at::TensorIteratorBase&)"),
    ("libtorch_cpu.dylib", "at::(anonymous namespace)::wrapper_MPS_mul_Tensor(at::Tensor const&, at::Tensor const&)"),
    ("libtorch_cpu.dylib", "c10::impl::wrap_kernel_functor_unboxed_<...>::call(...)"),
    ("libtorch_cpu.dylib", "at::_ops::mul_Tensor::call(at::Tensor const&, at::Tensor const&)"),
    ("libtorch_python.dylib", "torch::autograd::THPVariable_mul(_object*, _object*, _object*)"),
    ("libtorch_python.dylib", "_object* torch::autograd::TypeError_to_NotImplemented_<&torch::autograd::THPVariable_mul(_object*, _object*, _object*)>(_object*, _object*, _object*)"),
    ("Python", "method_vectorcall_VARARGS_KEYWORDS"),
    ("Python", "PyNumber_Multiply"),
    ("libsystem_pthread.dylib", "_pthread_start"),
    ("libsystem_pthread.dylib", "thread_start"),
];

fn owner_of(image: &str) -> (Owner, Option<&'static str>) {
    match image {
        "AGXMetalG16X" => (Owner::GpuDriver, None),
        "libtorch_cpu.dylib" | "libtorch_python.dylib" => (Owner::MlFramework, Some("PyTorch")),
        "Python" => (Owner::LanguageRuntime, Some("CPython")),
        "Metal" | "IOGPU" | "IOKit" => (Owner::OsFramework, None),
        _ => (Owner::OsRuntime, None),
    }
}

/// The seed crash as the reader would give it (the parts the judgement reads).
fn seed_report() -> CrashReport {
    let gil: &[(&str, &str)] = &[
        ("libsystem_kernel.dylib", "__psynch_cvwait"),
        ("libsystem_pthread.dylib", "_pthread_cond_wait"),
        ("Python", "take_gil"),
        ("Python", "PyEval_RestoreThread"),
        (
            "libtorch_python.dylib",
            "torch::autograd::THPVariable_mul(_object*, _object*, _object*)",
        ),
        ("Python", "method_vectorcall_VARARGS_KEYWORDS"),
    ];
    let mut threads = vec![
        thread(
            0,
            None,
            Some("com.apple.main-thread"),
            &[
                ("libsystem_kernel.dylib", "__psynch_cvwait"),
                ("libsystem_pthread.dylib", "_pthread_cond_wait"),
                ("Python", "_PySemaphore_PlatformWait"),
                ("Python", "ThreadHandle_join"),
            ],
        ),
        thread(
            1,
            None,
            Some("com.Metal.CommandQueueDispatch"),
            &[
                ("IOKit", "iokit_user_client_trap"),
                ("IOGPU", "IOGPUCommandQueueSubmitCommandBuffers"),
                (
                    "IOGPU",
                    "-[IOGPUMetalCommandQueue _submitCommandBuffers:count:]",
                ),
                (
                    "IOGPU",
                    "-[IOGPUMetalCommandQueue submitCommandBuffers:count:]",
                ),
                (
                    "Metal",
                    "-[_MTLCommandQueue _submitAvailableCommandBuffers]",
                ),
                ("libdispatch.dylib", "_dispatch_client_callout"),
            ],
        ),
        thread(
            2,
            None,
            None,
            &[("libsystem_pthread.dylib", "start_wqthread")],
        ),
        thread(
            3,
            None,
            None,
            &[("libsystem_pthread.dylib", "start_wqthread")],
        ),
    ];
    let mut crashed = thread(
        4,
        Some("Thread-1 (worker)"),
        Some("metal gpu stream 1"),
        CRASHED,
    );
    crashed.crashed = true;
    crashed.state = Some(ThreadState {
        arch: Arch::Arm64,
        registers: [
            ("x0", 0x600003afd8c0u64),
            ("x1", 0x1fb28cd9c),
            ("x2", 0x12050c170),
            ("x6", 0),
            ("x18", 0),
            ("x20", 0),
            ("sp", 0x16eaf0fa0),
            ("pc", 0x10c9d52d0),
            ("far", 0x5c8),
            ("esr", 0x92000006),
        ]
        .iter()
        .map(|(n, v)| Register {
            name: (*n).into(),
            value: *v,
            ..Default::default()
        })
        .collect(),
    });
    threads.push(crashed);
    for n in 5..=10 {
        threads.push(thread(n, Some(&format!("Thread-{}", n - 3)), None, gil));
    }
    threads.push(thread(
        11,
        Some("Thread-8"),
        None,
        &[
            ("libsystem_kernel.dylib", "__psynch_cvwait"),
            ("libsystem_pthread.dylib", "_pthread_cond_wait"),
            ("Metal", "-[_MTLCommandBuffer waitUntilCompleted]"),
            (
                "libtorch_cpu.dylib",
                "at::mps::MPSStreamPool::synchronizeAllStreams()",
            ),
            (
                "libtorch_python.dylib",
                "torch::mps::MPSModule_deviceSynchronize(_object*, _object*)",
            ),
        ],
    ));
    CrashReport {
        process: Process {
            name: Some("Python".into()),
            pid: Some(81920),
            launch_time: Some("2025-12-20 17:36:17.8560 -0800".into()),
            arch: Arch::Arm64,
            ..Default::default()
        },
        system: System {
            capture_time: Some("2025-12-20 17:36:18.2862 -0800".into()),
            ..Default::default()
        },
        exception: Some(Exception {
            kind: Some("EXC_BAD_ACCESS".into()),
            signal: Some("SIGSEGV".into()),
            subtype: Some("KERN_INVALID_ADDRESS at 0x00000000000005c8".into()),
            codes: vec![1, 0x5c8],
            ..Default::default()
        }),
        termination: Some(Termination {
            namespace: Some("SIGNAL".into()),
            code: Some(11),
            indicator: Some("Segmentation fault: 11".into()),
            by_process: Some("exc handler".into()),
            ..Default::default()
        }),
        crashed_thread: Some(4),
        threads,
        ..Default::default()
    }
}

fn group(threads: &[u32], state: &str, label: &str, context: Option<&str>) -> ThreadGroup {
    ThreadGroup {
        threads: threads.to_vec(),
        state: state.into(),
        state_label: label.into(),
        context: context.map(Into::into),
        ..Default::default()
    }
}

/// What the earlier passes (exception … threads) leave for the seed.
fn seed_sections() -> Analysis {
    let frames = CRASHED
        .iter()
        .enumerate()
        .map(|(i, (img, sym))| {
            let (owner, detail) = owner_of(img);
            FrameView {
                index: i as u32,
                image: (*img).into(),
                symbol: (*sym).into(),
                owner,
                owner_detail: detail.map(Into::into),
                ..Default::default()
            }
        })
        .collect();
    Analysis {
        exception: Some(ExceptionExplained {
            kind: Some("EXC_BAD_ACCESS".into()),
            signal: Some("SIGSEGV".into()),
            ..Default::default()
        }),
        termination: Some(TerminationExplained {
            namespace: Some("SIGNAL".into()),
            code: Some(11),
            category: Some("signal".into()),
            ..Default::default()
        }),
        fault: Some(FaultAnalysis {
            address: Some(0x5c8),
            address_field: Some("exception.subtype".into()),
            null_offset: Some(0x5c8),
            access: Some("read".into()),
            kinds: vec!["null_offset".into()],
            ..Default::default()
        }),
        esr: Some(EsrDecoded {
            value: 0x92000006,
            ec: 0x24,
            write: Some(false),
            ..Default::default()
        }),
        crashed_stack: Some(StackAnalysis {
            thread: 4,
            thread_name: Some("Thread-1 (worker)".into()),
            queue: Some("metal gpu stream 1".into()),
            frames,
            blamed_frame: Some(0),
            ..Default::default()
        }),
        binaries: vec![BinaryVersion {
            name: "AGXMetalG16X".into(),
            version: Some("329.2".into()),
            owner: Owner::GpuDriver,
            ..Default::default()
        }],
        thread_groups: vec![
            group(&[4], "crashed", "crashed", None),
            group(
                &[5, 6, 7, 8, 9, 10],
                "waiting_gil",
                "waiting for the GIL",
                Some("inside THPVariable_mul"),
            ),
            group(
                &[11],
                "device_synchronize",
                "synchronizing the device",
                Some("torch.mps.synchronize()"),
            ),
            group(
                &[1],
                "submitting_gpu_work",
                "submitting command buffers",
                None,
            ),
            group(&[0], "waiting_condition", "waiting on a condition", None),
            group(&[2, 3], "idle_workqueue", "idle workqueue thread", None),
        ],
        ..Default::default()
    }
}

fn no_confirm(a: &Analysis) {
    let json = serde_json::to_string(a).unwrap().to_lowercase();
    assert!(
        !json.contains("confirm"),
        "the analysis must never say confirmed: {json}"
    );
}

fn hyp<'a>(a: &'a Analysis, id: &str) -> &'a Hypothesis {
    let v = a.verdict.as_ref().expect("a verdict");
    v.hypotheses
        .iter()
        .find(|h| h.id == id)
        .unwrap_or_else(|| panic!("no {id} in {:#?}", v.hypotheses))
}

fn check_seed_verdict(a: &Analysis) {
    let v = a.verdict.as_ref().expect("a verdict");
    assert_eq!(v.hypotheses[0].id, "caller_race", "{:#?}", v.hypotheses);
    let race = hyp(a, "caller_race");
    let driver = hyp(a, "driver_defect");
    for h in [race, driver] {
        assert!(!h.evidence_for.is_empty(), "{} needs evidence for", h.id);
        assert!(
            !h.evidence_against.is_empty(),
            "{} needs evidence against",
            h.id
        );
        assert!(!h.next_experiments.is_empty());
        assert!(h.experiment_result.is_none());
    }
    assert!(race.confidence > driver.confidence);
    assert_eq!(driver.confidence, Confidence::Low);
    assert!(race
        .next_experiments
        .iter()
        .any(|e| e.contains("MTL_DEBUG_LAYER=1")));
    assert!(race
        .next_experiments
        .iter()
        .any(|e| e.contains("ThreadSanitizer")));
    // Race evidence names the synchronizing and submitting threads.
    assert!(race.evidence_for.iter().any(|f| f.threads.contains(&11)));
    assert!(race.evidence_for.iter().any(|f| f.threads.contains(&1)));
    // The GIL waiters are counted against a wider race, not for it.
    assert!(race
        .evidence_against
        .iter()
        .any(|f| f.threads == vec![5, 6, 7, 8, 9, 10]));
    assert!(!race.evidence_for.iter().any(|f| f.threads.contains(&5)));
    let mem = hyp(a, "memory_corruption");
    assert_eq!(mem.confidence, Confidence::Low);
    assert!(!v.classification.is_empty());
    assert!(
        v.classification.starts_with("Caller-side race"),
        "{}",
        v.classification
    );
    no_confirm(a);
}

#[test]
fn seed_by_hand() {
    let r = seed_report();
    let a = run_mine(&r, seed_sections());

    // Concurrency evidence, each naming its threads.
    let ids: Vec<&str> = a.concurrency.iter().map(|f| f.id.as_str()).collect();
    let find = |id: &str| {
        a.concurrency
            .iter()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("no {id} in {ids:?}"))
    };
    assert_eq!(find("concurrency.device_synchronize").threads, vec![11]);
    assert_eq!(find("concurrency.gpu_submission").threads, vec![1]);
    let api = find("concurrency.same_api_active");
    assert!(
        api.threads.contains(&1) && api.threads.contains(&11),
        "{api:?}"
    );
    assert_eq!(
        find("concurrency.on_stack_not_running").threads,
        vec![5, 6, 7, 8, 9, 10]
    );
    assert!(find("concurrency.crashed_queue")
        .detail
        .contains("metal gpu stream 1"));
    assert!(a.concurrency.iter().all(|f| !f.threads.is_empty()));

    // Timeline.
    let t = a.timeline.as_ref().expect("timeline");
    assert!((t.seconds_after_launch.unwrap() - 0.4302).abs() < 1e-6);
    assert!(t
        .events
        .iter()
        .any(|e| e.threads == vec![5, 6, 7, 8, 9, 10] && e.what.contains("GIL")));
    assert!(t
        .events
        .iter()
        .any(|e| e.threads == vec![4] && e.at == "T+0.430s"));

    // Known issue, with what matched.
    let ki = a
        .known_issues
        .iter()
        .find(|m| m.id == "pytorch-mps-multithread-race")
        .expect("known issue");
    assert_eq!(ki.matched_on.len(), 3, "{:?}", ki.matched_on);
    assert!(ki.matched_on[0].contains("setComputePipelineState"));
    assert!(
        ki.matched_on[2].contains("threads 4–10"),
        "{:?}",
        ki.matched_on
    );
    assert!(ki.links.iter().any(|l| l.ends_with("/issues/197805")));

    check_seed_verdict(&a);

    // Headline.
    assert_eq!(
        a.headline.title,
        "Python [81920]: SIGSEGV reading NULL + 0x5c8 inside the GPU driver (AGXMetalG16X 329.2)"
    );
    let s = a.headline.summary.join(" ");
    assert!(s.contains("thread 4") || s.contains("Thread 4"), "{s}");
    assert!(s.contains("setComputePipelineState"), "{s}");
    assert!(s.contains("Most likely: caller-side race"), "{s}");
    assert!(s.contains("Not supported by this report"), "{s}");
}

#[test]
fn seed_without_other_threads_favours_no_race() {
    // The same fault with nothing else running: the race loses its support.
    let mut r = seed_report();
    r.threads.retain(|t| t.number == 4 || t.number == 2);
    let mut sections = seed_sections();
    sections
        .thread_groups
        .retain(|g| g.threads.contains(&4) || g.threads.contains(&2));
    let a = run_mine(&r, sections);
    let race = hyp(&a, "caller_race");
    assert_eq!(race.confidence, Confidence::Low);
    assert!(race
        .evidence_against
        .iter()
        .any(|f| f.id == "verdict.caller_race.alone"));
    no_confirm(&a);
}

#[test]
fn little_data_is_handled() {
    let r = CrashReport::default();
    let a = run_mine(&r, Analysis::default());
    assert!(a.verdict.is_none());
    assert!(!a.headline.title.is_empty());
    assert!(!a.headline.summary.is_empty());

    let r = CrashReport {
        process: Process {
            name: Some("x".into()),
            ..Default::default()
        },
        exception: Some(Exception {
            signal: Some("SIGSEGV".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let a = run_mine(&r, Analysis::default());
    assert!(
        a.headline.title.starts_with("x: SIGSEGV"),
        "{}",
        a.headline.title
    );
    no_confirm(&a);
}

// ---- end to end, through the readers and every pass ----

fn corpus(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ))
    .join(rel)
}

fn analyze_file(path: &Path) -> (CrashReport, Analysis) {
    let r = crashlens_read::read_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let a = crashlens_analyze::analyze(&r);
    (r, a)
}

fn leading(path: &str) -> (Hypothesis, Analysis) {
    let (_, a) = analyze_file(&corpus(path));
    no_confirm(&a);
    let v = a
        .verdict
        .clone()
        .unwrap_or_else(|| panic!("{path}: no verdict"));
    let h = v
        .hypotheses
        .first()
        .cloned()
        .unwrap_or_else(|| panic!("{path}: no hypotheses"));
    (h, a)
}

#[test]
fn seed_example_end_to_end() {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/seed-agx-race.ips"
    ));
    let (_, a) = analyze_file(&path);
    check_seed_verdict(&a);
    // The six GIL waiters form one group; the synchronize and submission threads are named.
    assert!(a
        .thread_groups
        .iter()
        .any(|g| g.threads == vec![5, 6, 7, 8, 9, 10] && g.state == "waiting_gil"));
    assert!(a
        .concurrency
        .iter()
        .any(|f| f.id == "concurrency.device_synchronize" && f.threads == vec![11]));
    assert!(a
        .concurrency
        .iter()
        .any(|f| f.id == "concurrency.gpu_submission" && f.threads == vec![1]));
    let stack = a.crashed_stack.as_ref().expect("stack");
    assert_eq!(stack.frames[0].owner, Owner::GpuDriver);
    assert_eq!(stack.frames[1].owner, Owner::MlFramework);
    assert!(a
        .known_issues
        .iter()
        .any(|m| m.id == "pytorch-mps-multithread-race"));
    assert!(
        a.headline
            .title
            .contains("NULL + 0x5c8 inside the GPU driver (AGXMetalG16X 329.2)"),
        "{}",
        a.headline.title
    );
}

/// In the seed report thread 1 is in `IOGPUCommandQueueSubmitCommandBuffers`
/// (submitting) and thread 11 is blocked in `-[_MTLCommandBuffer waitUntilCompleted]`
/// under `synchronizeAllStreams`: both inside Metal, but only thread 1 active there.
#[test]
fn seed_waiting_thread_is_not_called_active() {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/seed-agx-race.ips"
    ));
    let (_, a) = analyze_file(&path);
    let api = a
        .concurrency
        .iter()
        .find(|f| f.id == "concurrency.same_api_active")
        .expect("same-API finding");
    assert_eq!(api.threads, vec![1, 11]);
    assert_eq!(
        api.title,
        "threads 1, 11 inside Metal / GPU driver (1 submitting, 11 waiting for completion)"
    );
    for f in &a.concurrency {
        if f.threads == vec![11] && f.id.starts_with("concurrency.same_") {
            assert!(!f.title.contains("active"), "{}", f.title);
        }
    }
    // The separate synchronize finding stays.
    assert!(a
        .concurrency
        .iter()
        .any(|f| f.id == "concurrency.device_synchronize"
            && f.title == "thread 11 synchronizing the device"));
}

const BOOK: &str = "apple/faisalmemon-ios-crash-dump-analysis-book";
const KSCRASH: &str = "apple/kstenerud-KSCrash";

#[test]
fn watchdog_8badf00d() {
    let (h, a) = leading(&format!("{BOOK}/kiosk_startup_ios.crash"));
    assert_eq!(h.id, "watchdog", "{:#?}", a.verdict);
    assert_eq!(h.confidence, Confidence::High);
    assert!(
        a.headline.title.contains("watchdog"),
        "{}",
        a.headline.title
    );
    // Killed, not crashed: the EXC_BAD_ACCESS fields do not make a memory hypothesis.
    let v = a.verdict.unwrap();
    assert!(!v
        .hypotheses
        .iter()
        .any(|h| h.id == "memory_corruption" || h.id == "null_dereference"));
    // The main thread was busy, not blocked on a lock: no deadlock is claimed.
    assert!(!v.hypotheses.iter().any(|h| h.id == "deadlock"));
    assert!(
        a.concurrency.is_empty(),
        "a killed process has nothing to race with"
    );
}

#[test]
fn tcc_privacy() {
    let (h, a) = leading(&format!("{BOOK}/icdab_camera_iOSonMac.crash"));
    assert_eq!(h.id, "privacy_violation", "{:#?}", a.verdict);
    assert_eq!(h.confidence, Confidence::High);
    assert!(a
        .known_issues
        .iter()
        .any(|m| m.id == "tcc-privacy-violation"));
}

#[test]
fn pointer_authentication_is_memory_corruption() {
    for file in ["icdab_ptr_ios.crash", "adventure_crash_ios.crash"] {
        let (h, a) = leading(&format!("{BOOK}/{file}"));
        assert_eq!(h.id, "memory_corruption", "{file}: {:#?}", a.verdict);
        assert!(h.confidence >= Confidence::Medium, "{file}");
        assert!(
            h.evidence_for
                .iter()
                .any(|f| f.id == "verdict.memory_corruption.pointer_auth"),
            "{file}"
        );
    }
}

#[test]
fn assertion_is_intentional_abort() {
    let (h, a) = leading(&format!("{BOOK}/icdab_planets.crash"));
    assert_eq!(h.id, "intentional_abort", "{:#?}", a.verdict);
    assert!(h.confidence >= Confidence::Medium);
}

#[test]
fn main_thread_deadlock() {
    let (h, a) = leading(&format!("{KSCRASH}/MainThreadDeadlock.txt"));
    assert!(h.id == "deadlock" || h.id == "watchdog", "{:#?}", a.verdict);
    assert!(h
        .evidence_for
        .iter()
        .any(|f| f.title.contains("lock") || f.detail.contains("deadlock")));
}

#[test]
fn dead10cc_is_resource_kill() {
    let (h, a) = leading(&format!("{BOOK}/one_messenger_sql_ios.crash"));
    assert_eq!(h.id, "resource_kill", "{:#?}", a.verdict);
    assert!(h.title.contains("0xdead10cc"));
    assert!(a.known_issues.iter().any(|m| m.id == "file-lock-dead10cc"));
}

#[test]
fn thermal_is_resource_kill() {
    let (h, a) = leading(&format!("{BOOK}/train_thermal.crash"));
    assert_eq!(h.id, "resource_kill", "{:#?}", a.verdict);
    assert!(h.title.contains("0xc00010ff"), "{}", h.title);
}

#[test]
fn uncaught_exception() {
    let (h, a) = leading(&format!("{KSCRASH}/NSException.txt"));
    assert_eq!(h.id, "intentional_abort", "{:#?}", a.verdict);
    assert!(
        h.title
            .contains("uncaught exception NSInvalidArgumentException"),
        "{}",
        h.title
    );
    assert!(a
        .known_issues
        .iter()
        .any(|m| m.id == "objc-unrecognized-selector"));
}

#[test]
fn stack_overflow() {
    let (h, a) = leading(&format!("{KSCRASH}/StackOverflow.txt"));
    assert_eq!(h.id, "stack_overflow", "{:#?}", a.verdict);
    assert_eq!(h.confidence, Confidence::High);
}

#[test]
fn libdispatch_semaphore_client_bug() {
    for file in ["icdab_sema_osx.crash", "icdab_sema_osx_arm64.crash"] {
        let (h, a) = leading(&format!("{BOOK}/{file}"));
        assert_eq!(h.id, "intentional_abort", "{file}: {:#?}", a.verdict);
        assert!(
            a.known_issues
                .iter()
                .any(|m| m.id == "libdispatch-semaphore-disposed-in-use"),
            "{file}"
        );
    }
}

/// Prints the judgement sections for the file in CRASHLENS_DUMP (a debugging aid).
#[test]
#[ignore]
fn dump() {
    let Ok(p) = std::env::var("CRASHLENS_DUMP") else {
        return;
    };
    let (_, a) = analyze_file(&PathBuf::from(p));
    if std::env::var("CRASHLENS_BRIEF").is_ok() {
        println!("{}", a.headline.title);
        for s in &a.headline.summary {
            println!("  | {s}");
        }
        if let Some(v) = &a.verdict {
            println!("  = {}", v.classification);
            for h in &v.hypotheses {
                let f: Vec<&str> = h.evidence_for.iter().map(|x| x.title.as_str()).collect();
                let ag: Vec<&str> = h
                    .evidence_against
                    .iter()
                    .map(|x| x.title.as_str())
                    .collect();
                println!(
                    "  - {} {:?}: for {:?} against {:?}",
                    h.id, h.confidence, f, ag
                );
            }
        }
        for k in &a.known_issues {
            println!("  * {} {:?}", k.id, k.matched_on);
        }
        return;
    }
    let out = serde_json::json!({
        "headline": a.headline, "concurrency": a.concurrency, "timeline": a.timeline,
        "verdict": a.verdict, "known_issues": a.known_issues,
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Every corpus file that reads as a process crash gets a judgement that keeps
/// the rules: never "confirmed", hypotheses ordered by confidence, each with
/// experiments, support for anything above low, concurrency evidence that names
/// its threads, known-issue matches that say what matched.
#[test]
fn whole_corpus_keeps_the_rules() {
    let mut files = Vec::new();
    walk(&corpus(""), &mut files);
    files.sort();
    let mut judged = 0;
    for path in &files {
        let Ok(r) = crashlens_read::read_file(path) else {
            continue;
        };
        let a = crashlens_analyze::analyze(&r);
        let name = path.display();
        no_confirm(&a);
        assert!(!a.headline.title.is_empty(), "{name}");
        assert!(!a.headline.summary.is_empty(), "{name}");
        for c in &a.concurrency {
            assert!(!c.threads.is_empty(), "{name}: {} names no thread", c.id);
        }
        for m in &a.known_issues {
            assert!(
                !m.matched_on.is_empty() && !m.links.is_empty(),
                "{name}: {}",
                m.id
            );
        }
        if let Some(t) = &a.timeline {
            if let Some(s) = t.seconds_after_launch {
                assert!(s >= 0.0, "{name}");
            }
        }
        let Some(v) = &a.verdict else { continue };
        judged += 1;
        assert!(!v.classification.is_empty(), "{name}");
        assert!(v.hypotheses.len() <= 5, "{name}");
        for w in v.hypotheses.windows(2) {
            assert!(
                w[0].confidence >= w[1].confidence,
                "{name}: not ordered by confidence"
            );
        }
        for h in &v.hypotheses {
            assert!(
                !h.next_experiments.is_empty(),
                "{name}: {} has no experiment",
                h.id
            );
            assert!(h.experiment_result.is_none(), "{name}");
            // No corpus process report carries an SError or machine check.
            assert_ne!(
                h.id, "hardware",
                "{name}: hardware offered without hardware evidence"
            );
            if h.confidence > Confidence::Low {
                assert!(
                    !h.evidence_for.is_empty(),
                    "{name}: {} earned confidence without evidence",
                    h.id
                );
            }
            let mut ids: Vec<&str> = v.hypotheses.iter().map(|h| h.id.as_str()).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(
                ids.len(),
                v.hypotheses.len(),
                "{name}: a hypothesis is listed twice"
            );
        }
    }
    assert!(judged >= 40, "only {judged} corpus reports got a verdict");
}

#[test]
fn message_send_on_a_freed_object() {
    // objc_msgSend read NULL + 0x18 in a notification callout: the receiver was
    // not nil, its class pointer was gone.
    let (h, a) = leading(&format!(
        "{BOOK}/SiriNCService_2018-06-24-095209_panic.crash"
    ));
    assert_eq!(h.id, "memory_corruption", "{:#?}", a.verdict);
    let v = a.verdict.unwrap();
    if let Some(n) = v.hypotheses.iter().find(|h| h.id == "null_dereference") {
        assert!(n
            .evidence_against
            .iter()
            .any(|f| f.id == "verdict.null_dereference.message_send"));
    }
}

#[test]
fn null_dereference_in_app_code() {
    // CrashingTest writes through a pointer at 0x1 in its own code.
    let (h, a) = leading("apple/inket-MacSymbolicator/single-target-crash.ips");
    assert_eq!(h.id, "null_dereference", "{:#?}", a.verdict);
    // leakagent: NULL in libswiftDemangle called from CoreSymbolication.
    let (h, a) = leading(&format!("{BOOK}/leakagent.crash"));
    assert_eq!(h.id, "null_dereference", "{:#?}", a.verdict);
}

#[test]
fn swift_runtime_trap() {
    let (h, a) = leading(&format!("{BOOK}/icdab_wrap_ios_14_2.crash"));
    assert_eq!(h.id, "intentional_abort", "{:#?}", a.verdict);
    assert!(a.known_issues.iter().any(|m| m.id == "swift-runtime-trap"));
}

#[test]
fn security_violation_0x2bad45ec() {
    let (h, a) = leading(&format!("{BOOK}/mobile_sms_security_ios.crash"));
    assert_eq!(h.id, "security", "{:#?}", a.verdict);
}

#[test]
fn raise_from_the_app_is_not_a_fault() {
    // EXC_CRASH (SIGSEGV): the app called raise(), nothing faulted.
    let (h, a) =
        leading("apple/mobile-dev-inc-Symbolicator/MemoryLeakingApp-2022-08-05-132419.ips");
    assert_eq!(h.id, "intentional_abort", "{:#?}", a.verdict);
    let v = a.verdict.unwrap();
    assert!(!v
        .hypotheses
        .iter()
        .any(|h| h.id == "memory_corruption" || h.id == "null_dereference"));
}

#[test]
fn avx_under_rosetta() {
    let (h, a) = leading(&format!("{BOOK}/icdab_avx_osx_arm64.crash"));
    assert_eq!(h.id, "illegal_instruction", "{:#?}", a.verdict);
    assert!(h
        .evidence_for
        .iter()
        .any(|f| f.id == "verdict.illegal_instruction.rosetta"));
}

#[test]
fn windows_minidumps() {
    // An access violation writing near NULL in the app's own code.
    let (h, a) = leading("minidump/test.dmp");
    assert_eq!(h.id, "null_dereference", "{:#?}", a.verdict);
    // The CRT's invalid-parameter handler after a failed assertion.
    let (h, a) = leading("minidump/invalid-parameter.dmp");
    assert_eq!(h.id, "intentional_abort", "{:#?}", a.verdict);
}

#[test]
fn allocator_activity_when_the_fault_looks_like_use_after_free() {
    let mut r = seed_report();
    if let Some(t) = r.threads.iter_mut().find(|t| t.number == 2) {
        t.frames = vec![
            fr(0, "libsystem_malloc.dylib", "_free"),
            fr(
                1,
                "libtorch_cpu.dylib",
                "c10::impl::cow::materialize_cow_storage",
            ),
        ];
    }
    let mut sections = seed_sections();
    sections.fault = Some(FaultAnalysis {
        address: Some(0x2000000100ae9df8),
        stripped_address: Some(0x100ae9df8),
        kinds: vec!["pointer_auth".into()],
        ..Default::default()
    });
    let a = run_mine(&r, sections);
    let m = a
        .concurrency
        .iter()
        .find(|c| c.id == "concurrency.malloc_activity")
        .expect("malloc activity");
    assert_eq!(m.threads, vec![2]);
    let mem = hyp(&a, "memory_corruption");
    assert!(mem
        .evidence_for
        .iter()
        .any(|f| f.id == "verdict.memory_corruption.malloc_activity" && f.threads == vec![2]));
    assert!(mem
        .evidence_for
        .iter()
        .any(|f| f.id == "verdict.memory_corruption.pointer_auth"));
    no_confirm(&a);
}

#[test]
fn metal_validation_message_is_a_known_issue() {
    let mut r = seed_report();
    r.exception = Some(Exception {
        kind: Some("EXC_CRASH".into()),
        signal: Some("SIGABRT".into()),
        ..Default::default()
    });
    r.app_specific = vec![AppSpecific {
        image: Some("Metal".into()),
        lines: vec![
            "-[AGXG16XFamilyCommandBuffer tryCoalescingPreviousComputeCommandEncoderWithConfig:nextEncoderClass:]:1090: failed assertion `A command encoder is already encoding to this command buffer'".into(),
        ],
    }];
    let mut sections = seed_sections();
    sections.fault = None;
    sections.exception = None;
    let a = run_mine(&r, sections);
    let m = a
        .known_issues
        .iter()
        .find(|m| m.id == "metal-encoder-already-encoding")
        .expect("match");
    assert!(
        m.matched_on.iter().any(|l| l.contains("app_specific[0]")),
        "{:?}",
        m.matched_on
    );
    // The abort is intentional (Metal's validation), and the known issue counts for a caller-side race.
    let race = hyp(&a, "caller_race");
    assert!(race
        .evidence_for
        .iter()
        .any(|f| f.id == "verdict.caller_race.known_issue"));
    hyp(&a, "intentional_abort");
    no_confirm(&a);
}

#[test]
fn classification_follows_the_hypotheses() {
    use crashlens_analyze::passes::verdict::classify;
    let h = |id: &str, title: &str, c: Confidence| Hypothesis {
        id: id.into(),
        title: title.into(),
        confidence: c,
        ..Default::default()
    };
    let line = classify(&[
        h("a", "Caller-side race", Confidence::High),
        h("b", "Defect inside the driver", Confidence::Low),
    ]);
    assert_eq!(
        line,
        "Caller-side race — likely; defect inside the driver — unproven"
    );
    // Only an attached experiment result settles a hypothesis.
    let mut settled = h("a", "Caller-side race", Confidence::High);
    settled.experiment_result = Some("0/200 crashes serialized vs 110/200 not".into());
    let line = classify(&[settled]);
    assert!(
        line.contains("settled by the attached experiment"),
        "{line}"
    );
    assert!(!line.to_lowercase().contains("confirm"));
    assert!(classify(&[]).starts_with("No hypothesis"));
}

#[test]
fn teardown_on_another_thread_counts_for_a_race() {
    let mut r = seed_report();
    if let Some(t) = r.threads.iter_mut().find(|t| t.number == 0) {
        t.frames = vec![
            fr(0, "libsystem_c.dylib", "__cxa_finalize_ranges"),
            fr(1, "libsystem_c.dylib", "exit"),
            fr(2, "dyld", "start"),
        ];
    }
    let a = run_mine(&r, seed_sections());
    let t = a
        .concurrency
        .iter()
        .find(|c| c.id == "concurrency.teardown")
        .expect("teardown");
    assert_eq!(t.threads, vec![0]);
    let race = hyp(&a, "caller_race");
    assert!(race
        .evidence_for
        .iter()
        .any(|f| f.id == "verdict.caller_race.teardown" && f.threads == vec![0]));
}

#[test]
fn gpu_driver_killed_its_client() {
    let (h, a) = leading(&format!("{BOOK}/kdp_graphics.crash"));
    assert_eq!(h.id, "intentional_abort", "{:#?}", a.verdict);
    let m = a
        .known_issues
        .iter()
        .find(|m| m.id == "gpu-driver-killed-client")
        .expect("known issue");
    assert_eq!(m.matched_on.len(), 2, "{:?}", m.matched_on);
}

#[test]
fn known_issue_matches_on_frame_owner() {
    // A GPU driver frame 0 the image regex does not know still matches by owner.
    let mut r = seed_report();
    let mut sections = seed_sections();
    if let Some(t) = r.threads.iter_mut().find(|t| t.number == 4) {
        if let Some(f0) = t.frames.first_mut() {
            f0.image = Some("SomeFutureGPUDriver".into());
            f0.symbol = Some("-[SomeEncoder bind]".into());
        }
    }
    if let Some(f0) = sections
        .crashed_stack
        .as_mut()
        .and_then(|s| s.frames.first_mut())
    {
        f0.image = "SomeFutureGPUDriver".into();
        f0.symbol = "-[SomeEncoder bind]".into();
    }
    let a = run_mine(&r, sections);
    let m = a
        .known_issues
        .iter()
        .find(|m| m.id == "pytorch-mps-multithread-race")
        .expect("match by owner");
    assert!(
        m.matched_on[0].contains("SomeFutureGPUDriver"),
        "{:?}",
        m.matched_on
    );
}

#[test]
fn exit_on_another_thread_is_a_race() {
    // fud: thread 3 is in exit() → __cxa_finalize_ranges → ~Mutex while thread 1
    // faults in libdispatch handling an XPC event.
    let (h, a) = leading(&format!(
        "{BOOK}/fud_2018-06-12-083437_Admins-MacBook-Pro-4.crash"
    ));
    assert_eq!(h.id, "caller_race", "{:#?}", a.verdict);
    assert!(h
        .evidence_for
        .iter()
        .any(|f| f.id == "verdict.caller_race.teardown" && f.threads == vec![3]));
    assert!(h.next_experiments.iter().any(|e| e.contains("exit()")));
}

#[test]
fn hardware_needs_hardware_evidence() {
    let r = seed_report();
    let mut sections = seed_sections();
    let a = run_mine(&r, sections.clone());
    assert!(a
        .verdict
        .unwrap()
        .hypotheses
        .iter()
        .all(|h| h.id != "hardware"));
    // An SError exception class is the kind of evidence that earns a mention, capped at medium.
    sections.esr = Some(EsrDecoded {
        value: 0xbe000000,
        ec: 0x2f,
        ..Default::default()
    });
    let a = run_mine(&r, sections);
    let hw = hyp(&a, "hardware");
    assert_eq!(hw.confidence, Confidence::Medium);
    assert!(!hw.evidence_against.is_empty());
}

/// debugging_19_4_01.md: thread 15 (`com.apple.audio.IOThread.client`) has
/// `semaphore_wait_signal_trap` on top: waiting on a semaphore, not running.
#[test]
fn semaphore_wait_signal_trap_thread_is_waiting() {
    let (_, a) = analyze_file(&corpus(
        "apple/JoelBrown1-Keneth_Frequency/debugging_19_4_01.md",
    ));
    let g = a
        .thread_groups
        .iter()
        .find(|g| g.threads.contains(&15))
        .expect("thread 15 grouped");
    assert_eq!(g.state, "waiting_semaphore");
}
