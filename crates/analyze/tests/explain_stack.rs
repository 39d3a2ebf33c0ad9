//! The stack, binaries and threads passes over hand-built reports modelled on
//! the seed crash (/work/shared/seed/000_6f3848498221d5da.txt and
//! docs/report-example.md) and on an abort, then over real corpus files.

use crashlens_analyze::passes::{binaries, stack, threads};
use crashlens_analyze::Context;
use crashlens_model::{Analysis, CrashReport, Frame, Image, Owner, Process, Thread};

// ---------------------------------------------------------------- building reports

struct B {
    r: CrashReport,
}

impl B {
    fn new(name: &str, path: &str) -> B {
        let r = CrashReport {
            process: Process {
                name: Some(name.into()),
                path: Some(path.into()),
                ..Default::default()
            },
            ..Default::default()
        };
        B { r }
    }
    fn image(mut self, name: &str, path: &str, version: Option<&str>, uuid: &str) -> B {
        let n = self.r.images.len() as u64;
        self.r.images.push(Image {
            base: 0x1_0000_0000 + n * 0x100_0000,
            size: Some(0x100_0000),
            name: Some(name.into()),
            version: version.map(Into::into),
            uuid: Some(uuid.into()),
            path: Some(path.into()),
            ..Default::default()
        });
        self
    }
    fn thread(
        mut self,
        number: u32,
        name: Option<&str>,
        queue: Option<&str>,
        frames: &[(&str, &str, u64)],
    ) -> B {
        let frames = frames
            .iter()
            .enumerate()
            .map(|(i, &(image, symbol, off))| {
                let idx = self
                    .r
                    .images
                    .iter()
                    .position(|im| im.name.as_deref() == Some(image));
                let base = idx
                    .and_then(|i| self.r.images.get(i))
                    .map(|im| im.base)
                    .unwrap_or(0);
                Frame {
                    index: i as u32,
                    image_index: idx,
                    image: Some(image.into()),
                    address: Some(base + 0x1000 + i as u64 * 4),
                    image_offset: Some(0x1000 + i as u64 * 4),
                    symbol: (!symbol.is_empty()).then(|| symbol.to_string()),
                    symbol_offset: (!symbol.is_empty()).then_some(off),
                    ..Default::default()
                }
            })
            .collect();
        self.r.threads.push(Thread {
            number,
            name: name.map(Into::into),
            queue: queue.map(Into::into),
            frames,
            ..Default::default()
        });
        self
    }
    fn crashed(mut self, n: u32) -> B {
        self.r.crashed_thread = Some(n);
        for t in &mut self.r.threads {
            t.crashed = t.number == n;
        }
        self
    }
}

fn analyze(r: &CrashReport) -> Analysis {
    let cx = Context::new(r);
    let mut a = Analysis::default();
    stack::run(&cx, &mut a);
    binaries::run(&cx, &mut a);
    threads::run(&cx, &mut a);
    a
}

const PY_MAIN: &str =
    "/Library/Frameworks/Python.framework/Versions/3.14/Resources/Python.app/Contents/MacOS/Python";
const SITE: &str = "/Users/USER/*/lib/python3.14/site-packages/torch/lib/";

const GIL_WAITER: &[(&str, &str, u64)] = &[
    ("libsystem_kernel.dylib", "__psynch_cvwait", 8),
    ("libsystem_pthread.dylib", "_pthread_cond_wait", 984),
    ("Python", "take_gil", 344),
    ("Python", "PyEval_RestoreThread", 64),
    ("libtorch_python.dylib", "torch::autograd::THPVariable_mul(_object*, _object*, _object*)", 408),
    ("libtorch_python.dylib", "_object* torch::autograd::TypeError_to_NotImplemented_<&torch::autograd::THPVariable_mul(_object*, _object*, _object*)>(_object*, _object*, _object*)", 12),
    ("Python", "method_vectorcall_VARARGS_KEYWORDS", 148),
    ("Python", "thread_run", 160),
    ("libsystem_pthread.dylib", "_pthread_start", 136),
    ("libsystem_pthread.dylib", "thread_start", 8),
];

/// The seed crash: thread 4 in AGXMetalG16X called from PyTorch MPS, threads 5-10
/// waiting for the GIL, thread 11 in torch.mps.synchronize(), thread 1 submitting.
fn seed() -> CrashReport {
    let mut b = B::new("Python", PY_MAIN)
        .image("Python", PY_MAIN, Some("3.14.0"), "f82e67ce-513a-3171-9862-f52eee425d10")
        .image("libtorch_python.dylib", &format!("{SITE}libtorch_python.dylib"), None, "99a90d5b-412b-3dcd-b1a9-750edbe75725")
        .image("libtorch_cpu.dylib", &format!("{SITE}libtorch_cpu.dylib"), None, "d12596d8-571e-32b2-896c-60862ffa01f3")
        .image("AGXMetalG16X", "/System/Library/Extensions/AGXMetalG16X.bundle/Contents/MacOS/AGXMetalG16X", Some("329.2"), "0ce453ff-9f17-321f-bc18-383573a48221")
        .image("Metal", "/System/Library/Frameworks/Metal.framework/Versions/A/Metal", Some("368.52"), "1b375ba3-e776-36ca-888b-6b40daf42c92")
        .image("IOGPU", "/System/Library/PrivateFrameworks/IOGPU.framework/Versions/A/IOGPU", Some("104.6.3"), "ea6c7de2-55da-3056-8b03-439ae1bf175f")
        .image("IOKit", "/System/Library/Frameworks/IOKit.framework/Versions/A/IOKit", Some("2.0.2"), "5eed0000-0000-4000-8000-000000000008")
        .image("libsystem_kernel.dylib", "/usr/lib/system/libsystem_kernel.dylib", None, "5eed0000-0000-4000-8000-000000000009")
        .image("libsystem_pthread.dylib", "/usr/lib/system/libsystem_pthread.dylib", None, "5eed0000-0000-4000-8000-00000000000a")
        .image("libdispatch.dylib", "/usr/lib/system/libdispatch.dylib", None, "5eed0000-0000-4000-8000-00000000000b")
        .image("dyld", "/usr/lib/dyld", None, "5eed0000-0000-4000-8000-00000000000c")
        .image("CoreFoundation", "/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation", Some("6.9"), "5eed0000-0000-4000-8000-00000000000d")
        .thread(0, None, Some("com.apple.main-thread"), &[
            ("libsystem_kernel.dylib", "__psynch_cvwait", 8),
            ("libsystem_pthread.dylib", "_pthread_cond_wait", 984),
            ("Python", "_PySemaphore_PlatformWait", 228),
            ("Python", "_PySemaphore_Wait", 64),
            ("Python", "_PyParkingLot_Park", 324),
            ("Python", "_PyEvent_WaitTimed", 96),
            ("Python", "ThreadHandle_join", 180),
            ("Python", "PyThreadHandleObject_join", 72),
            ("Python", "method_vectorcall_VARARGS_KEYWORDS", 148),
            ("Python", "_PyEval_EvalFrameDefault", 8512),
            ("Python", "Py_BytesMain", 40),
            ("dyld", "start", 6076),
        ])
        .thread(1, None, Some("com.Metal.CommandQueueDispatch"), &[
            ("IOKit", "iokit_user_client_trap", 8),
            ("IOGPU", "IOGPUCommandQueueSubmitCommandBuffers", 164),
            ("IOGPU", "-[IOGPUMetalCommandQueue _submitCommandBuffers:count:]", 356),
            ("IOGPU", "-[IOGPUMetalCommandQueue submitCommandBuffers:count:]", 72),
            ("Metal", "-[_MTLCommandQueue _submitAvailableCommandBuffers]", 512),
            ("libdispatch.dylib", "_dispatch_client_callout", 16),
            ("libdispatch.dylib", "_dispatch_lane_serial_drain", 740),
            ("libdispatch.dylib", "_dispatch_lane_invoke", 440),
            ("libdispatch.dylib", "_dispatch_root_queue_drain_deferred_wlh", 292),
            ("libdispatch.dylib", "_dispatch_workloop_worker_thread", 540),
            ("libsystem_pthread.dylib", "_pthread_wqthread", 288),
            ("libsystem_pthread.dylib", "start_wqthread", 8),
        ])
        .thread(2, None, None, &[("libsystem_pthread.dylib", "start_wqthread", 0)])
        .thread(3, None, None, &[("libsystem_pthread.dylib", "start_wqthread", 0)])
        .thread(4, Some("Thread-1 (worker)"), Some("metal gpu stream 1"), &[
            ("AGXMetalG16X", "-[AGXG16XFamilyComputeContext setComputePipelineState:]", 32),
            ("libtorch_cpu.dylib", "invocation function for block in at::native::mps::MetalShaderLibrary::exec_binary_kernel(at::TensorIteratorBase&, std::__1::basic_string<char, std::__1::char_traits<char>, std::__1::allocator<char>> const&, std::__1::optional<c10::Scalar>, std::__1::optional<c10::ScalarType>)", 444),
            ("libtorch_cpu.dylib", "invocation function for block in at::native::mps::dispatch_sync_with_rethrow(NSObject<OS_dispatch_queue>*, void () block_pointer)", 40),
            ("libdispatch.dylib", "_dispatch_client_callout", 16),
            ("libdispatch.dylib", "_dispatch_lane_barrier_sync_invoke_and_complete", 56),
            ("libtorch_cpu.dylib", "at::native::mps::dispatch_sync_with_rethrow(NSObject<OS_dispatch_queue>*, void () block_pointer)", 124),
            ("libtorch_cpu.dylib", "at::native::mps::MetalShaderLibrary::exec_binary_kernel(at::TensorIteratorBase&, std::__1::basic_string<char, std::__1::char_traits<char>, std::__1::allocator<char>> const&, std::__1::optional<c10::Scalar>, std::__1::optional<c10::ScalarType>)", 2124),
            ("libtorch_cpu.dylib", "at::native::mul_mps_kernel(at::TensorIteratorBase&)", 88),
            ("libtorch_cpu.dylib", "at::(anonymous namespace)::wrapper_MPS_mul_Tensor(at::Tensor const&, at::Tensor const&)", 224),
            ("libtorch_cpu.dylib", "c10::impl::wrap_kernel_functor_unboxed_<...>::call(c10::OperatorKernel*, c10::DispatchKeySet, at::Tensor const&, at::Tensor const&)", 1452),
            ("libtorch_cpu.dylib", "at::_ops::mul_Tensor::call(at::Tensor const&, at::Tensor const&)", 316),
            ("libtorch_python.dylib", "torch::autograd::THPVariable_mul(_object*, _object*, _object*)", 396),
            ("libtorch_python.dylib", "_object* torch::autograd::TypeError_to_NotImplemented_<&torch::autograd::THPVariable_mul(_object*, _object*, _object*)>(_object*, _object*, _object*)", 12),
            ("Python", "method_vectorcall_VARARGS_KEYWORDS", 148),
            ("Python", "vectorcall_maybe", 132),
            ("Python", "slot_nb_multiply", 252),
            ("Python", "binary_op1", 92),
            ("Python", "PyNumber_Multiply", 44),
            ("Python", "_PyEval_EvalFrameDefault", 468),
            ("Python", "thread_run", 160),
            ("libsystem_pthread.dylib", "_pthread_start", 136),
            ("libsystem_pthread.dylib", "thread_start", 8),
        ]);
    for n in 5..=10 {
        let name = format!("Thread-{} (worker)", n - 3);
        b = b.thread(n, Some(&name), None, GIL_WAITER);
    }
    b = b.thread(
        11,
        Some("Thread-8 (worker)"),
        None,
        &[
            ("libsystem_kernel.dylib", "__psynch_cvwait", 8),
            ("libsystem_pthread.dylib", "_pthread_cond_wait", 984),
            ("Metal", "-[_MTLCommandBuffer waitUntilCompleted]", 76),
            (
                "libtorch_cpu.dylib",
                "at::mps::MPSStreamPool::synchronizeAllStreams()",
                272,
            ),
            (
                "libtorch_python.dylib",
                "torch::mps::MPSModule_deviceSynchronize(_object*, _object*)",
                40,
            ),
            ("Python", "cfunction_vectorcall_NOARGS", 76),
            ("Python", "_PyEval_EvalFrameDefault", 2896),
            ("Python", "thread_run", 160),
            ("libsystem_pthread.dylib", "_pthread_start", 136),
            ("libsystem_pthread.dylib", "thread_start", 8),
        ],
    );
    b.crashed(4).r
}

// ---------------------------------------------------------------- the seed

#[test]
fn seed_crashed_stack_owners() {
    let r = seed();
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().expect("crashed stack");
    assert_eq!(s.thread, 4);
    assert_eq!(s.thread_name.as_deref(), Some("Thread-1 (worker)"));
    assert_eq!(s.queue.as_deref(), Some("metal gpu stream 1"));
    assert_eq!(s.frames.len(), 22);
    // SIGSEGV in the driver: nothing is skipped, frame 0 is blamed.
    assert_eq!(s.blamed_frame, Some(0));
    assert!(s.frames.iter().all(|f| f.skipped.is_none()));

    let f0 = &s.frames[0];
    assert_eq!(f0.owner, Owner::GpuDriver);
    assert_eq!(f0.owner_detail.as_deref(), Some("AGX (Apple GPU)"));
    assert_eq!(
        f0.symbol,
        "-[AGXG16XFamilyComputeContext setComputePipelineState:]"
    );
    assert_eq!(f0.offset, Some(32));
    // The libdispatch frames keep their own owner in the table...
    assert_eq!(s.frames[3].owner, Owner::OsRuntime);
    assert_eq!(s.frames[3].owner_detail.as_deref(), Some("libdispatch"));
    assert_eq!(
        s.frames[11].owner_detail.as_deref(),
        Some("PyTorch Python bindings")
    );
    assert_eq!(s.frames[13].owner, Owner::LanguageRuntime);

    // ...but the owner runs fold them into the PyTorch run around them.
    let runs: Vec<(u32, u32, Owner, Option<&str>)> = s
        .owner_runs
        .iter()
        .map(|r| (r.first, r.last, r.owner, r.detail.as_deref()))
        .collect();
    assert_eq!(
        runs,
        vec![
            (0, 0, Owner::GpuDriver, Some("AGX (Apple GPU)")),
            (1, 10, Owner::MlFramework, Some("PyTorch")),
            (11, 12, Owner::MlFramework, Some("PyTorch Python bindings")),
            (13, 19, Owner::LanguageRuntime, Some("CPython")),
            (20, 21, Owner::OsRuntime, Some("libSystem")),
        ]
    );
    assert_eq!(
        s.owner_runs[1].images,
        vec!["libtorch_cpu.dylib", "libdispatch.dylib"]
    );

    let blamed = a
        .findings
        .iter()
        .find(|f| f.id == "stack.blamed_frame")
        .expect("blamed finding");
    assert!(blamed.title.contains("setComputePipelineState:"));
    assert_eq!(blamed.evidence[0].field, "threads[4].frames[0]");
    let owners = a
        .findings
        .iter()
        .find(|f| f.id == "stack.owners")
        .expect("owners finding");
    assert_eq!(
        owners.title,
        "frame 0 in GPU driver: AGX (Apple GPU), called from ML/GPU framework (PyTorch)"
    );
    assert!(
        owners
            .detail
            .contains("libtorch_cpu.dylib, libdispatch.dylib, frames 1-10"),
        "{}",
        owners.detail
    );
}

#[test]
fn seed_thread_groups() {
    let r = seed();
    let a = analyze(&r);
    let g = &a.thread_groups;
    let by = |n: u32| g.iter().find(|g| g.threads.contains(&n)).expect("group");

    // The crashed thread is its own group, first.
    assert_eq!(g[0].threads, vec![4]);
    assert_eq!(g[0].state, "crashed");
    assert_eq!(
        g[0].context.as_deref(),
        Some("-[AGXG16XFamilyComputeContext setComputePipelineState:]")
    );

    let gil = by(5);
    assert_eq!(gil.threads, vec![5, 6, 7, 8, 9, 10]);
    assert_eq!(gil.state, "waiting_gil");
    assert_eq!(gil.state_label, "waiting for the GIL");
    assert_eq!(gil.context.as_deref(), Some("THPVariable_mul"));
    assert_eq!(gil.names.len(), 6);
    assert_eq!(gil.names[0], "Thread-2 (worker)");
    assert_eq!(gil.top_frames[2], "Python!take_gil");
    assert!(gil.evidence.iter().any(
        |e| e.field == "threads[5].frames[2]" && e.value.as_deref() == Some("Python!take_gil")
    ));

    let sync = by(11);
    assert_eq!(sync.threads, vec![11]);
    assert_eq!(sync.state, "device_synchronize");
    assert_eq!(
        sync.context.as_deref(),
        Some("MPSStreamPool::synchronizeAllStreams")
    );

    let submit = by(1);
    assert_eq!(submit.state, "submitting_gpu_work");
    assert_eq!(submit.queues, vec!["com.Metal.CommandQueueDispatch"]);
    assert_eq!(
        submit.context.as_deref(),
        Some("-[_MTLCommandQueue _submitAvailableCommandBuffers]")
    );

    let main = by(0);
    assert_eq!(main.state, "waiting_mutex");
    assert_eq!(main.context.as_deref(), Some("PyThreadHandleObject_join"));

    let idle = by(2);
    assert_eq!(idle.threads, vec![2, 3]);
    assert_eq!(idle.state, "idle_workqueue");
    assert_eq!(idle.context, None);

    // Groups: 4 | 0 | 1 | 2,3 | 5-10 | 11.
    assert_eq!(g.len(), 6);
    let f = a
        .findings
        .iter()
        .find(|f| f.id == "threads.groups")
        .expect("groups finding");
    assert!(
        f.detail
            .contains("Threads 5-10 (6): waiting for the GIL in THPVariable_mul"),
        "{}",
        f.detail
    );
    assert!(
        f.detail
            .contains("\"Thread-2 (worker)\" … \"Thread-7 (worker)\""),
        "{}",
        f.detail
    );
}

#[test]
fn seed_binaries() {
    let r = seed();
    let a = analyze(&r);
    let names: Vec<&str> = a.binaries.iter().map(|b| b.name.as_str()).collect();
    // Crashed-stack images in frame order (libdispatch/libsystem_pthread plumbing left
    // out), then the GPU stack; not the idle OS images.
    assert_eq!(
        names,
        vec![
            "AGXMetalG16X",
            "libtorch_cpu.dylib",
            "libtorch_python.dylib",
            "Python",
            "Metal",
            "IOGPU"
        ]
    );
    let agx = &a.binaries[0];
    assert_eq!(agx.version.as_deref(), Some("329.2"));
    assert_eq!(
        agx.uuid.as_deref(),
        Some("0ce453ff-9f17-321f-bc18-383573a48221")
    );
    assert_eq!(agx.owner, Owner::GpuDriver);
    assert!(
        agx.reasons
            .contains(&"on the crashed stack (frame 0)".to_string()),
        "{:?}",
        agx.reasons
    );
    let py = a.binaries.iter().find(|b| b.name == "Python").unwrap();
    assert!(py.reasons.iter().any(|r| r == "main executable"));
    assert_eq!(py.owner, Owner::LanguageRuntime);
    let torch = &a.binaries[1];
    assert_eq!(torch.reasons[0], "on the crashed stack (frames 1-2, 5-10)");
    let metal = a.binaries.iter().find(|b| b.name == "Metal").unwrap();
    assert_eq!(metal.version.as_deref(), Some("368.52"));
    let gpu: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.id == "binaries.gpu_driver")
        .collect();
    assert_eq!(gpu.len(), 1);
    assert_eq!(gpu[0].title, "GPU driver AGXMetalG16X 329.2");
    assert!(
        gpu[0]
            .detail
            .contains("on the stack of thread 4 (the crashed thread)"),
        "{}",
        gpu[0].detail
    );
}

// ---------------------------------------------------------------- an abort

fn abort_report() -> CrashReport {
    B::new("icdab_planets", "/private/var/containers/Bundle/Application/X/icdab_planets.app/icdab_planets")
        .image("icdab_planets", "/private/var/containers/Bundle/Application/X/icdab_planets.app/icdab_planets", Some("1.0"), "u1")
        .image("libsystem_kernel.dylib", "/usr/lib/system/libsystem_kernel.dylib", None, "u2")
        .image("libsystem_pthread.dylib", "/usr/lib/system/libsystem_pthread.dylib", None, "u3")
        .image("libsystem_c.dylib", "/usr/lib/system/libsystem_c.dylib", None, "u4")
        .image("UIKitCore", "/System/Library/PrivateFrameworks/UIKitCore.framework/UIKitCore", None, "u5")
        .image("Helper.framework", "/private/var/containers/Bundle/Application/X/icdab_planets.app/Frameworks/Helper.framework/Helper", None, "u6")
        .thread(0, None, Some("com.apple.main-thread"), &[
            ("libsystem_kernel.dylib", "__pthread_kill", 8),
            ("libsystem_pthread.dylib", "pthread_kill$VARIANT$mp", 136),
            ("libsystem_c.dylib", "abort", 100),
            ("libsystem_c.dylib", "err", 0),
            ("icdab_planets", "", 0),
            ("UIKitCore", "-[UIViewController loadViewIfRequired]", 936),
            ("Helper.framework", "helper_main", 12),
        ])
        .thread(1, None, None, &[])
        .crashed(0)
        .r
}

#[test]
fn abort_blames_the_caller_of_abort() {
    let r = abort_report();
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert_eq!(s.blamed_frame, Some(4));
    let reasons: Vec<Option<&str>> = s.frames.iter().map(|f| f.skipped.as_deref()).collect();
    assert_eq!(reasons[0], Some("sends the fatal signal"));
    assert_eq!(reasons[1], Some("sends the fatal signal"));
    assert_eq!(reasons[2], Some("abort machinery: the process ends itself"));
    // `err + 0` right after abort: the symbol is the function after the real caller.
    assert!(
        reasons[3].is_some_and(|r| r.contains("misattributed")),
        "{:?}",
        reasons[3]
    );
    assert_eq!(reasons[4..], [None, None, None]);

    let b = &s.frames[4];
    assert_eq!(b.owner, Owner::App);
    assert_eq!(b.symbol, "icdab_planets + 0x1010");
    assert_eq!(b.offset, Some(0x1010));
    // An image inside the app bundle is the app's too.
    assert_eq!(s.frames[6].owner, Owner::App);

    let f = a
        .findings
        .iter()
        .find(|f| f.id == "stack.blamed_frame")
        .unwrap();
    assert!(
        f.detail.starts_with("Frames 0-3 are crash machinery"),
        "{}",
        f.detail
    );
    assert_eq!(f.evidence.len(), 5);
    assert_eq!(f.evidence[4].field, "threads[0].frames[4]");
    let o = a.findings.iter().find(|f| f.id == "stack.owners").unwrap();
    assert!(o.title.starts_with("frame 4 in the app"), "{}", o.title);
    assert!(
        o.detail
            .contains("Thread 0 stopped in frame 0 `__pthread_kill`"),
        "{}",
        o.detail
    );
    assert!(
        o.title.contains("called from OS framework (UIKit/AppKit)"),
        "{}",
        o.title
    );

    // The empty thread is an idle one.
    let idle = a
        .thread_groups
        .iter()
        .find(|g| g.threads == vec![1])
        .unwrap();
    assert_eq!(idle.state, "idle_workqueue");
}

#[test]
fn sigtramp_passes_over_the_signal_handler() {
    let r = B::new("App", "/Applications/App.app/Contents/MacOS/App")
        .image("App", "/Applications/App.app/Contents/MacOS/App", None, "a")
        .image(
            "libsystem_platform.dylib",
            "/usr/lib/system/libsystem_platform.dylib",
            None,
            "b",
        )
        .thread(
            0,
            None,
            None,
            &[
                ("App", "my_signal_handler", 20),
                ("libsystem_platform.dylib", "_sigtramp", 56),
                ("App", "-[Crasher crash]", 16),
                ("App", "main", 40),
            ],
        )
        .crashed(0)
        .r;
    let a = analyze(&r);
    let s = a.crashed_stack.unwrap();
    assert_eq!(s.blamed_frame, Some(2));
    assert!(s.frames[0]
        .skipped
        .as_deref()
        .is_some_and(|r| r.contains("signal handler")));
    assert!(s.frames[1]
        .skipped
        .as_deref()
        .is_some_and(|r| r.contains("trampoline")));
}

#[test]
fn crashed_thread_without_frames() {
    let r = B::new("App", "/x/App")
        .thread(0, None, None, &[])
        .thread(1, None, None, &[("App", "main", 1)])
        .crashed(0)
        .r;
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert!(s.frames.is_empty() && s.blamed_frame.is_none());
    let f = a
        .findings
        .iter()
        .find(|f| f.id == "stack.no_frames")
        .unwrap();
    assert!(f.detail.contains("lists no frames"));
    assert_eq!(a.thread_groups[0].threads, vec![0]);
    assert_eq!(a.thread_groups[0].state, "crashed");
}

#[test]
fn no_crashed_thread_and_no_threads() {
    let r = B::new("App", "/x/App")
        .thread(0, None, None, &[("App", "main", 1)])
        .r;
    let a = analyze(&r);
    assert!(a.crashed_stack.is_none());
    assert!(a.findings.iter().any(|f| f.id == "stack.no_crashed_thread"));
    let a = analyze(&CrashReport::default());
    assert!(
        a.crashed_stack.is_none()
            && a.thread_groups.is_empty()
            && a.binaries.is_empty()
            && a.findings.is_empty()
    );
}

#[test]
fn rules_dir_overrides_builtin_owners() {
    let dir = std::env::temp_dir().join(format!("crashlens-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("owners-local.toml"), "[[rule]]\nowner = \"third_party\"\ndetail = \"our fork of torch\"\nimage = [\"libtorch_cpu*\"]\n").unwrap();
    std::fs::write(dir.join("frames-local.toml"), "[[skip]]\ncategory = \"ours\"\nreason = \"our wrapper\"\nsymbols = [\"-[AGXG16XFamilyComputeContext setComputePipelineState:]\"]\n").unwrap();
    let r = seed();
    let cx = Context::new(&r).with_rules_dir(&dir).unwrap();
    let mut a = Analysis::default();
    stack::run(&cx, &mut a);
    let s = a.crashed_stack.unwrap();
    assert_eq!(s.frames[1].owner, Owner::ThirdParty);
    assert_eq!(
        s.frames[1].owner_detail.as_deref(),
        Some("our fork of torch")
    );
    assert_eq!(s.blamed_frame, Some(1));
    assert_eq!(s.frames[0].skipped.as_deref(), Some("our wrapper"));

    std::fs::write(dir.join("unrelated.toml"), "x = 1\n").unwrap();
    let err = Context::new(&r)
        .with_rules_dir(&dir)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("unrelated.toml") && err.contains("unknown field"),
        "{err}"
    );
    std::fs::remove_file(dir.join("unrelated.toml")).unwrap();

    std::fs::write(
        dir.join("owners-zbad.toml"),
        "[[rule]]\nowner = \"nobody\"\nimage = [\"x\"]\n",
    )
    .unwrap();
    let err = Context::new(&r)
        .with_rules_dir(&dir)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("owners-zbad.toml") && err.contains("unknown owner"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn short_symbols() {
    use crashlens_analyze::passes::threads::short_symbol;
    assert_eq!(
        short_symbol("torch::autograd::THPVariable_mul(_object*, _object*, _object*)"),
        "THPVariable_mul"
    );
    assert_eq!(
        short_symbol("at::mps::MPSStreamPool::synchronizeAllStreams()"),
        "MPSStreamPool::synchronizeAllStreams"
    );
    assert_eq!(
        short_symbol("-[_MTLCommandBuffer waitUntilCompleted]"),
        "-[_MTLCommandBuffer waitUntilCompleted]"
    );
    assert_eq!(short_symbol("take_gil"), "take_gil");
    assert_eq!(short_symbol("_object* torch::autograd::TypeError_to_NotImplemented_<&torch::autograd::THPVariable_mul(_object*, _object*, _object*)>(_object*, _object*, _object*)"), "TypeError_to_NotImplemented_<&torch::autograd::THPVariable_mul(_object*, _object*, _object*)>");
    assert_eq!(short_symbol("at::(anonymous namespace)::wrapper_MPS_mul_Tensor(at::Tensor const&, at::Tensor const&)"), "wrapper_MPS_mul_Tensor");
    assert_eq!(short_symbol("invocation function for block in at::native::mps::MetalShaderLibrary::exec_binary_kernel(at::TensorIteratorBase&)"), "MetalShaderLibrary::exec_binary_kernel");
    assert_eq!(short_symbol("main"), "main");
    assert_eq!(short_symbol(""), "");
    // Odd input never panics.
    for odd in [
        "::",
        "a::",
        "::b",
        "<<<",
        "((((",
        ")))",
        "a::b(",
        "x::operator->()",
        "é::ü(ñ)",
        "-[",
        "+[X(",
        "a!b!c",
        " (anonymous namespace)::f()",
    ] {
        let _ = short_symbol(odd);
    }
}

// ---------------------------------------------------------------- real reports

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

fn read(rel: &str) -> CrashReport {
    let p = std::path::Path::new(CORPUS).join(rel);
    crashlens_read::read_file(&p).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn corpus_icdab_planets_assert_abort() {
    // Thread 0: __pthread_kill, pthread_kill$VARIANT$mp, abort, err + 0, then
    // "icdab_planets 0x104544000 + 20720", called from UIKitCore.
    let r = read("apple/faisalmemon-ios-crash-dump-analysis-book/icdab_planets.crash");
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert_eq!(s.thread, 0);
    assert_eq!(s.queue.as_deref(), Some("com.apple.main-thread"));
    assert_eq!(s.blamed_frame, Some(4));
    for i in 0..4 {
        assert!(s.frames[i].skipped.is_some(), "frame {i} should be skipped");
    }
    assert!(s.frames[3].skipped.as_deref().unwrap().contains("`err`"));
    let b = &s.frames[4];
    assert_eq!(b.owner, Owner::App);
    assert_eq!(b.image, "icdab_planets");
    assert_eq!(b.symbol, format!("icdab_planets + {:#x}", 20720));
    assert_eq!(s.frames[5].owner, Owner::OsFramework);
    assert_eq!(s.frames[5].owner_detail.as_deref(), Some("UIKit/AppKit"));
    // "Version: 1 (1.0)" in the header (which of the two is the build is the reader's
    // call); the Binary Images line has no version, so the process's is shown.
    let app = a
        .binaries
        .iter()
        .find(|b| b.name == "icdab_planets")
        .unwrap();
    let mut pair = [app.version.as_deref(), app.build.as_deref()];
    pair.sort();
    assert_eq!(pair, [Some("1"), Some("1.0")]);
    assert!(app.reasons.contains(&"main executable".to_string()));
    // Six idle workqueue threads (1-4, 6, 7) and the UIKit event fetcher (5).
    let idle = a
        .thread_groups
        .iter()
        .find(|g| g.state == "idle_workqueue")
        .unwrap();
    assert_eq!(idle.threads, vec![1, 2, 3, 4, 6, 7]);
    let fetch = a
        .thread_groups
        .iter()
        .find(|g| g.threads == vec![5])
        .unwrap();
    assert_eq!(fetch.state, "run_loop");
    assert_eq!(fetch.names, vec!["com.apple.uikit.eventfetch-thread"]);
    assert_eq!(
        fetch.context.as_deref(),
        Some("-[UIEventFetcher threadMain]")
    );
}

#[test]
fn corpus_kdp_graphics_amd_driver() {
    // Thread 16: __pthread_kill, pthread_kill, abort, gpusGenerateCrashLog
    // (libGPUSupportMercury), gpusKillClientExt (com.apple.AMDRadeonX4000GLDriver), ...
    let r = read("apple/faisalmemon-ios-crash-dump-analysis-book/kdp_graphics.crash");
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert_eq!(s.thread, 16);
    assert_eq!(s.blamed_frame, Some(4));
    assert_eq!(s.frames[3].owner, Owner::GpuDriver);
    assert!(s.frames[3]
        .skipped
        .as_deref()
        .unwrap()
        .contains("crash log"));
    let b = &s.frames[4];
    assert_eq!(b.symbol, "gpusKillClientExt");
    assert_eq!(
        (b.owner, b.owner_detail.as_deref()),
        (Owner::GpuDriver, Some("AMD GPU"))
    );
    assert_eq!(s.frames[6].owner, Owner::GpuDriver);
    assert_eq!(s.frames[10].owner, Owner::OsFramework); // com.apple.QuartzCore
    let o = a.findings.iter().find(|f| f.id == "stack.owners").unwrap();
    assert!(
        o.title.starts_with("frame 4 in GPU driver (AMD GPU)"),
        "{}",
        o.title
    );
    // The AMD driver's version comes from the Binary Images line "(1.68.20 - 1.6.8)".
    let amd = a
        .binaries
        .iter()
        .find(|b| b.name.contains("AMDRadeonX4000GLDriver"))
        .unwrap();
    assert_eq!(amd.owner, Owner::GpuDriver);
    assert!(amd
        .reasons
        .iter()
        .any(|r| r.starts_with("on the crashed stack")));
    assert!(a
        .findings
        .iter()
        .any(|f| f.id == "binaries.gpu_driver" && f.title.contains("AMDRadeonX4000GLDriver")));
    // A GPU driver is on the stack, so the OpenGL/Metal frameworks are listed too.
    assert!(a
        .binaries
        .iter()
        .any(|b| b.name == "GLEngine" || b.name.ends_with("GLEngine")));
}

#[test]
fn corpus_swift_assertion_ips() {
    // Frame 0 _assertionFailure(_:_:file:line:flags:) in libswiftCore; frame 1 is the
    // unsymbolicated AnotherTarget framework (imageOffset 15239).
    let r = read("apple/inket-MacSymbolicator/multi-target-crash.ips");
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert_eq!(s.blamed_frame, Some(1));
    assert_eq!(
        s.frames[0].skipped.as_deref(),
        Some("Swift runtime fatal error")
    );
    assert_eq!(s.frames[0].owner, Owner::LanguageRuntime);
    assert_eq!(s.frames[1].symbol, format!("AnotherTarget + {:#x}", 15239));

    // iOS: two _assertionFailure frames (one inlined), then the app.
    let r = read("apple/inket-MacSymbolicator/ios-crash-in-ips-format.ips");
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert_eq!(s.blamed_frame, Some(2));
    assert_eq!(s.frames[2].owner, Owner::App);
    assert_eq!(s.frames[2].image, "iOSCrashingTest");
}

#[test]
fn corpus_uncaught_exception_ips() {
    // Thread 9: __pthread_kill ... __cxa_throw, objc_exception_throw,
    // +[NSException raise:format:], then _AVAE_CheckAndReturnErr in AVFAudio.
    let r = read("apple/JoelBrown1-Keneth_Frequency/debugging_19_4_01.md");
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert_eq!(s.thread, 9);
    assert_eq!(s.blamed_frame, Some(11));
    assert!(s.frames[..11].iter().all(|f| f.skipped.is_some()));
    assert!(s.frames[11].symbol.starts_with("_AVAE_CheckAndReturnErr"));
    assert_eq!(s.frames[11].owner, Owner::OsFramework);
    // The app's Flutter engine threads are io.flutter.*; the crashed thread is on the
    // cooperative Swift-concurrency queue.
    assert_eq!(
        s.queue.as_deref(),
        Some("com.apple.root.user-initiated-qos.cooperative")
    );
    // Last Exception Backtrace: __exceptionPreprocess, objc_exception_throw,
    // "+[NSException exceptionWithName:reason:userInfo:] + 0" (a no-return call's
    // return address at a symbol start), then _AVAE_CheckAndReturnErr.
    let thrower = a
        .findings
        .iter()
        .find(|f| f.id == "stack.exception_thrower")
        .unwrap();
    assert!(
        thrower.title.contains("_AVAE_CheckAndReturnErr"),
        "{}",
        thrower.title
    );
    assert_eq!(thrower.evidence[0].field, "last_exception_backtrace[3]");
    // The AGXMetalG17G driver is loaded (versions table) though not on the stack.
    let agx = a
        .binaries
        .iter()
        .find(|b| b.name == "AGXMetalG17G")
        .unwrap();
    assert_eq!(agx.owner, Owner::GpuDriver);
    assert_eq!(agx.reasons, vec!["GPU driver (loaded)"]);
    // Loaded but on no thread's stack: no finding about it.
    assert!(!a.findings.iter().any(|f| f.id == "binaries.gpu_driver"));
}

#[test]
fn corpus_hermes_and_call_through_null() {
    // Thread 10 (com.facebook.react.runtime.JavaScript) faulted in hermes.
    let r = read("apple/kimu0223-solo-quest/log.md");
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert_eq!(s.thread, 10);
    assert_eq!(
        s.thread_name.as_deref(),
        Some("com.facebook.react.runtime.JavaScript")
    );
    assert_eq!(
        (s.frames[0].owner, s.frames[0].owner_detail.as_deref()),
        (Owner::LanguageRuntime, Some("Hermes"))
    );
    assert_eq!(s.blamed_frame, Some(0));

    // macOS 12 `sleep`: frame 0 is imageOffset 0 in the "A" placeholder image (pc 0),
    // frame 1 nanosleep: the bad call came from below frame 0.
    let r =
        read("apple/doronz88-pycrashreport/user_mode_crash_report_monterey_non_symbolicated.ips");
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert_eq!(s.frames[0].symbol, "??? at 0x0");
    assert!(s.frames[0].skipped.as_deref().unwrap().contains("NULL"));
    assert_eq!(s.blamed_frame, Some(1));
    assert_eq!(s.frames[1].symbol, "nanosleep");
}

#[test]
fn corpus_seed_example_ips() {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/seed-agx-race.ips"
    );
    let r = crashlens_read::read_file(std::path::Path::new(p)).unwrap();
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert_eq!(s.thread, 4);
    let runs: Vec<(u32, u32, Owner)> = s
        .owner_runs
        .iter()
        .map(|r| (r.first, r.last, r.owner))
        .collect();
    assert_eq!(
        runs[..4],
        [
            (0, 0, Owner::GpuDriver),
            (1, 10, Owner::MlFramework),
            (11, 12, Owner::MlFramework),
            (13, 27, Owner::LanguageRuntime)
        ]
    );
    let g = |n: u32| {
        a.thread_groups
            .iter()
            .find(|g| g.threads.contains(&n))
            .unwrap()
    };
    assert_eq!(g(5).threads, vec![5, 6, 7, 8, 9, 10]);
    assert_eq!(g(5).state, "waiting_gil");
    assert_eq!(g(5).context.as_deref(), Some("THPVariable_mul"));
    assert_eq!(g(11).state, "device_synchronize");
    assert_eq!(g(1).state, "submitting_gpu_work");
    assert_eq!(g(2).threads, vec![2, 3]);
    assert_eq!(g(0).state, "waiting_mutex");
    let names: Vec<&str> = a.binaries.iter().map(|b| b.name.as_str()).collect();
    for n in [
        "AGXMetalG16X",
        "libtorch_cpu.dylib",
        "libtorch_python.dylib",
        "Python",
        "Metal",
        "IOGPU",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    assert!(!names.contains(&"libsystem_kernel.dylib"));
}

/// Every corpus file that reads (Apple reports, minidumps, and logs once their
/// reader lands): the passes run without panicking and their output is
/// consistent with the report.
#[test]
fn corpus_every_file() {
    let mut files = Vec::new();
    let mut dirs = ["apple", "minidump", "logs"]
        .map(|d| std::path::Path::new(CORPUS).join(d))
        .to_vec();
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut analyzed = 0;
    for p in &files {
        let Ok(r) = crashlens_read::read_file(p) else {
            continue;
        };
        let a = analyze(&r);
        analyzed += 1;
        let name = p.display();
        if let Some(s) = &a.crashed_stack {
            let t = r.crashed().unwrap();
            assert_eq!(s.frames.len(), t.frames.len(), "{name}");
            if let Some(b) = s.blamed_frame {
                let pos = s.frames.iter().position(|f| f.index == b).unwrap();
                assert!(
                    s.frames[..pos].iter().all(|f| f.skipped.is_some()),
                    "{name}"
                );
                assert!(s.frames[pos].skipped.is_none(), "{name}");
            }
            // Owner runs cover every frame once, in order.
            let covered: usize = s
                .owner_runs
                .iter()
                .map(|run| {
                    s.frames
                        .iter()
                        .filter(|f| run.first <= f.index && f.index <= run.last)
                        .count()
                })
                .sum();
            assert_eq!(covered, s.frames.len(), "{name}");
            assert!(
                s.owner_runs.windows(2).all(|w| w[0].last < w[1].first),
                "{name}"
            );
            assert!(s.owner_runs.iter().all(|r| r.first <= r.last), "{name}");
            assert!(
                a.findings.iter().any(|f| f.id.starts_with("stack.")),
                "{name}"
            );
        }
        // Every thread is in exactly one group; the crashed thread's group is first.
        let mut seen: Vec<u32> = a
            .thread_groups
            .iter()
            .flat_map(|g| g.threads.clone())
            .collect();
        seen.sort_unstable();
        let mut all: Vec<u32> = r.threads.iter().map(|t| t.number).collect();
        all.sort_unstable();
        assert_eq!(seen, all, "{name}");
        if let (Some(c), Some(g)) = (r.crashed(), a.thread_groups.first()) {
            assert_eq!(g.threads, vec![c.number], "{name}");
            assert_eq!(g.state, "crashed", "{name}");
        }
        for g in &a.thread_groups {
            assert!(!g.state.is_empty() && !g.state_label.is_empty(), "{name}");
        }
        // Binaries are real images of the report, listed once, each with a reason.
        for b in &a.binaries {
            assert!(!b.reasons.is_empty(), "{name}: {}", b.name);
            assert_eq!(
                a.binaries
                    .iter()
                    .filter(|x| x.name == b.name && x.base == b.base)
                    .count(),
                1,
                "{name}"
            );
        }
        assert!(
            a.binaries.len() <= 40,
            "{name}: {} binaries listed",
            a.binaries.len()
        );
    }
    assert!(analyzed >= 40, "only {analyzed} corpus files read");
}

#[test]
fn corpus_kscrash_reports() {
    // NSException.txt thread 0: __exceptionPreprocess, objc_exception_throw,
    // -[NSObject(NSObject) doesNotRecognizeSelector:], ___forwarding___,
    // _CF_forwarding_prep_0, then -[Crasher throwException] in Crash-Tester.
    let r = read("apple/kstenerud-KSCrash/NSException.txt");
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert_eq!(s.blamed_frame, Some(5));
    assert_eq!(s.frames[5].symbol, "-[Crasher throwException]");
    assert_eq!(s.frames[5].owner, Owner::App);
    assert!(s.frames[..5]
        .iter()
        .all(|f| f.skipped.as_deref().is_some_and(|r| r.contains("throw"))));

    // BadPointer.txt: thread 3 is empty and unnamed (idle); thread 7 is empty but
    // named "KSCrash Exception Handler (Primary)": the report just left it out.
    let r = read("apple/kstenerud-KSCrash/BadPointer.txt");
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert_eq!(
        (s.blamed_frame, s.frames[0].symbol.as_str()),
        (Some(0), "-[Crasher dereferenceBadPointer]")
    );
    let g = |n: u32| {
        a.thread_groups
            .iter()
            .find(|g| g.threads.contains(&n))
            .unwrap()
    };
    assert_eq!(g(3).state, "idle_workqueue");
    assert_eq!(g(7).threads, vec![7]);
    assert_eq!(g(7).state, "unknown");
    assert_eq!(g(7).names, vec!["KSCrash Exception Handler (Primary)"]);
    assert_eq!(g(6).state, "mach_message");
    assert_eq!(g(4).state, "run_loop");
    assert_eq!(g(4).names, vec!["WebThread"]);
}

#[test]
fn corpus_minidumps() {
    // linux-mini.dmp, as minidump-stackwalk shows it (expected-stackwalk/
    // test_minidump_stackwalk__linux_human.snap): 0 crash + 0x1d72, 1 libc-2.23.so +
    // 0xf302d, 2 libc-2.23.so + 0x877ff, 3 ld-2.23.so + 0xfac5, 4 crash + 0x1ebf.
    let r = read("minidump/linux-mini.dmp");
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert_eq!(s.frames[0].symbol, "crash + 0x1d72");
    assert_eq!(s.frames[0].owner, Owner::App);
    assert_eq!(s.frames[1].symbol, "libc-2.23.so + 0xf302d");
    assert_eq!(s.frames[3].image, "ld-2.23.so");
    let runs: Vec<(u32, u32, Owner)> = s
        .owner_runs
        .iter()
        .map(|r| (r.first, r.last, r.owner))
        .collect();
    // The top run is never folded: libc called the faulting frame.
    assert_eq!(
        runs[..3],
        [
            (0, 0, Owner::App),
            (1, 3, Owner::OsRuntime),
            (4, runs[2].1, Owner::App)
        ]
    );
    let o = a.findings.iter().find(|f| f.id == "stack.owners").unwrap();
    assert!(
        o.title.ends_with("called from OS runtime (C library)"),
        "{}",
        o.title
    );
    let b = a
        .findings
        .iter()
        .find(|f| f.id == "stack.blamed_frame")
        .unwrap();
    assert!(b.detail.contains("not symbolicated"), "{}", b.detail);

    // test.dmp (test_minidump_stackwalk__human.snap): Windows, frames 0-2 in
    // test_app.exe, then kernel32.dll.
    let r = read("minidump/test.dmp");
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert_eq!(s.frames[0].symbol, "test_app.exe + 0x429e");
    assert_eq!(s.frames[0].owner, Owner::App);
    assert_eq!(
        (s.frames[3].owner, s.frames[3].owner_detail.as_deref()),
        (Owner::OsRuntime, Some("Windows"))
    );
}

#[test]
fn idle_workqueue_threads_form_one_group() {
    let r = B::new("App", "/x/App")
        .image("App", "/x/App", None, "a")
        .image(
            "libsystem_kernel.dylib",
            "/usr/lib/system/libsystem_kernel.dylib",
            None,
            "k",
        )
        .image(
            "libsystem_pthread.dylib",
            "/usr/lib/system/libsystem_pthread.dylib",
            None,
            "p",
        )
        .thread(0, None, None, &[("App", "main", 4)])
        .thread(
            1,
            None,
            None,
            &[("libsystem_pthread.dylib", "start_wqthread", 0)],
        )
        .thread(
            2,
            None,
            None,
            &[
                ("libsystem_kernel.dylib", "__workq_kernreturn", 8),
                ("libsystem_pthread.dylib", "_pthread_wqthread", 1228),
                ("libsystem_pthread.dylib", "start_wqthread", 8),
            ],
        )
        .thread(3, None, None, &[])
        .thread(
            4,
            None,
            None,
            &[
                ("libsystem_kernel.dylib", "__psynch_cvwait", 8),
                ("App", "worker", 12),
            ],
        )
        .crashed(0)
        .r;
    let a = analyze(&r);
    let states: Vec<(&str, Vec<u32>)> = a
        .thread_groups
        .iter()
        .map(|g| (g.state.as_str(), g.threads.clone()))
        .collect();
    assert_eq!(
        states,
        vec![
            ("crashed", vec![0]),
            ("idle_workqueue", vec![1, 2, 3]),
            ("waiting_condition", vec![4])
        ]
    );
    assert_eq!(a.thread_groups[2].context.as_deref(), Some("worker"));
}

#[test]
fn corpus_swift_closure_in_assertion_failure() {
    // icdab_wrap_ios_14_2.crash: frames 0-1 "closure #1 in closure #1 in closure #1 in
    // _assertionFailure+ 228276 (...)", frame 2 "_assertionFailure+ 225424 (...)" (broken
    // symbolication), frame 3 PlanetViewController.imageDownloaded(_:) in icdab_wrap.
    let r = read("apple/faisalmemon-ios-crash-dump-analysis-book/icdab_wrap_ios_14_2.crash");
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert_eq!(s.blamed_frame, Some(3));
    assert!(s.frames[..3]
        .iter()
        .all(|f| f.skipped.as_deref() == Some("Swift runtime fatal error")));
    assert!(
        s.frames[3]
            .symbol
            .starts_with("PlanetViewController.imageDownloaded"),
        "{}",
        s.frames[3].symbol
    );
    assert_eq!(s.frames[3].owner, Owner::App);
}

#[test]
fn crashed_thread_number_not_in_report() {
    let mut r = B::new("App", "/x/App")
        .thread(0, None, None, &[("App", "main", 1)])
        .r;
    r.crashed_thread = Some(7);
    let a = analyze(&r);
    assert!(a.crashed_stack.is_none());
    let f = a
        .findings
        .iter()
        .find(|f| f.id == "stack.no_crashed_thread")
        .unwrap();
    assert!(f.detail.contains("names thread 7"), "{}", f.detail);
    assert_eq!(a.thread_groups.len(), 1);
}

/// Every image under /System/ or /usr/lib/ in the Apple corpus belongs to the OS
/// (or is a GPU driver or a language runtime Apple ships); only jailbreak tweaks
/// installed into /usr/lib are not Apple's, and an Apple process's own main
/// executable is the app of its report.
#[test]
fn corpus_system_images_are_never_third_party() {
    let dir = std::path::Path::new(CORPUS).join("apple");
    let mut checked = 0;
    for sub in std::fs::read_dir(&dir).unwrap() {
        for f in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            let p = f.unwrap().path();
            let Ok(r) = crashlens_read::read_file(&p) else {
                continue;
            };
            let cx = Context::new(&r);
            for im in &r.images {
                let Some(path) = im.path.as_deref() else {
                    continue;
                };
                if !(path.starts_with("/System/") || path.starts_with("/usr/lib/")) {
                    continue;
                }
                let o = cx.image_owner(im);
                // An Apple process is the app of its own report.
                if o.detail.as_deref() == Some("jailbreak tweak injection")
                    || o.origin == "main executable"
                {
                    continue;
                }
                checked += 1;
                assert!(
                    matches!(
                        o.owner,
                        Owner::OsRuntime
                            | Owner::OsFramework
                            | Owner::GpuDriver
                            | Owner::LanguageRuntime
                    ),
                    "{}: {path} is {:?} ({})",
                    p.display(),
                    o.owner,
                    o.origin
                );
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn corpus_generic_top_frames_name_their_caller() {
    // SiriNCService: frame 0 objc_msgSend + 29 (libobjc), frame 1
    // __CFNOTIFICATIONCENTER_IS_CALLING_OUT_TO_AN_OBSERVER__ (com.apple.CoreFoundation).
    let r = read("apple/faisalmemon-ios-crash-dump-analysis-book/SiriNCService_2018-06-24-095209_panic.crash");
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert_eq!(s.blamed_frame, Some(0));
    assert_eq!(
        (s.frames[0].owner, s.frames[0].owner_detail.as_deref()),
        (Owner::LanguageRuntime, Some("Objective-C runtime"))
    );
    let b = a
        .findings
        .iter()
        .find(|f| f.id == "stack.blamed_frame")
        .unwrap();
    assert!(
        b.detail.contains("`objc_msgSend` is generic"),
        "{}",
        b.detail
    );
    assert!(
        b.detail
            .contains("frame 1 `__CFNOTIFICATIONCENTER_IS_CALLING_OUT_TO_AN_OBSERVER__`"),
        "{}",
        b.detail
    );

    // xmbc_sigbus.crash thread 4: frame 0 strcmp + 0 in dyld, frame 1
    // ImageLoaderMachO::parseLoadCmds() + 30.
    let r = read("apple/faisalmemon-ios-crash-dump-analysis-book/xmbc_sigbus.crash");
    let a = analyze(&r);
    let s = a.crashed_stack.as_ref().unwrap();
    assert_eq!(s.thread, 4);
    assert_eq!(s.frames[0].owner, Owner::OsRuntime);
    let b = a
        .findings
        .iter()
        .find(|f| f.id == "stack.blamed_frame")
        .unwrap();
    assert!(b.detail.contains("`strcmp` is generic"), "{}", b.detail);
    assert!(
        b.detail.contains("ImageLoaderMachO::parseLoadCmds()"),
        "{}",
        b.detail
    );
}
