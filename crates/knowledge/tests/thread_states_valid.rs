//! The built-in thread-state patterns parse and classify the seed crash's threads.

use crashlens_knowledge::thread_states::{self, FrameRef, ThreadStates};

fn states() -> ThreadStates {
    thread_states::builtin().clone()
}

fn f<'a>(image: &'a str, symbol: &'a str) -> FrameRef<'a> {
    FrameRef {
        image: Some(image),
        symbol: Some(symbol),
    }
}

fn state(frames: &[FrameRef<'_>]) -> String {
    states().classify(frames).id.to_string()
}

#[test]
fn builtin_parses() {
    let s = ThreadStates::load_builtin().expect("built-in thread_states.toml must be valid");
    assert!(s.patterns().len() > 10);
    assert_eq!(thread_states::builtin().crashed().id, "crashed");
}

#[test]
fn gil_beats_condition_variable() {
    // Seed threads 5-10.
    let frames = [
        f("libsystem_kernel.dylib", "__psynch_cvwait"),
        f("libsystem_pthread.dylib", "_pthread_cond_wait"),
        f("Python", "take_gil"),
        f("Python", "PyEval_RestoreThread"),
        f(
            "libtorch_python.dylib",
            "torch::autograd::THPVariable_mul(_object*, _object*, _object*)",
        ),
    ];
    let s = states();
    let m = s.classify(&frames);
    assert_eq!(m.id, "waiting_gil");
    assert_eq!(m.label, "waiting for the GIL");
    assert_eq!(m.frames, vec![2, 3]);
    // Without the GIL frames it is a plain condition variable.
    assert_eq!(state(&frames[..2]), "waiting_condition");
}

#[test]
fn seed_threads() {
    // Thread 11: device synchronize beats waiting for a command buffer.
    assert_eq!(
        state(&[
            f("libsystem_kernel.dylib", "__psynch_cvwait"),
            f("libsystem_pthread.dylib", "_pthread_cond_wait"),
            f("Metal", "-[_MTLCommandBuffer waitUntilCompleted]"),
            f(
                "libtorch_cpu.dylib",
                "at::mps::MPSStreamPool::synchronizeAllStreams()"
            ),
            f(
                "libtorch_python.dylib",
                "torch::mps::MPSModule_deviceSynchronize(_object*, _object*)"
            ),
        ]),
        "device_synchronize"
    );
    // Without a synchronize caller, it is waiting for the GPU.
    assert_eq!(
        state(&[
            f("libsystem_kernel.dylib", "__psynch_cvwait"),
            f("libsystem_pthread.dylib", "_pthread_cond_wait"),
            f("Metal", "-[_MTLCommandBuffer waitUntilCompleted]"),
            f("MyApp", "render"),
        ]),
        "waiting_gpu"
    );
    // Thread 1: submitting command buffers.
    assert_eq!(
        state(&[
            f("IOKit", "iokit_user_client_trap"),
            f("IOGPU", "IOGPUCommandQueueSubmitCommandBuffers"),
            f(
                "IOGPU",
                "-[IOGPUMetalCommandQueue _submitCommandBuffers:count:]"
            ),
        ]),
        "submitting_gpu_work"
    );
    // iokit_user_client_trap alone under IOGPU is enough; under something else it is not.
    assert_eq!(
        state(&[
            f("IOKit", "iokit_user_client_trap"),
            f("IOGPU", "something")
        ]),
        "submitting_gpu_work"
    );
    assert_eq!(
        state(&[
            f("IOKit", "iokit_user_client_trap"),
            f("IOHIDFamily", "something")
        ]),
        "running"
    );
    // Thread 0: joining the workers (CPython 3.14 parking lot).
    assert_eq!(
        state(&[
            f("libsystem_kernel.dylib", "__psynch_cvwait"),
            f("libsystem_pthread.dylib", "_pthread_cond_wait"),
            f("Python", "_PySemaphore_PlatformWait"),
            f("Python", "_PySemaphore_Wait"),
            f("Python", "_PyParkingLot_Park"),
            f("Python", "_PyEvent_WaitTimed"),
            f("Python", "ThreadHandle_join"),
        ]),
        "waiting_mutex"
    );
}

#[test]
fn idle_sleep_mach_runloop_mutex() {
    assert_eq!(state(&[]), "idle_workqueue");
    assert_eq!(
        state(&[f("libsystem_pthread.dylib", "start_wqthread")]),
        "idle_workqueue"
    );
    assert_eq!(
        state(&[
            f("libsystem_kernel.dylib", "__workq_kernreturn"),
            f("libsystem_pthread.dylib", "_pthread_wqthread"),
            f("libsystem_pthread.dylib", "start_wqthread")
        ]),
        "idle_workqueue"
    );
    // A workqueue thread doing anything else is not idle.
    assert_eq!(
        state(&[
            f("MyApp", "work"),
            f("libsystem_pthread.dylib", "start_wqthread")
        ]),
        "running"
    );
    assert_eq!(
        state(&[
            f("libsystem_kernel.dylib", "__semwait_signal"),
            f("libsystem_c.dylib", "nanosleep"),
            f("libsystem_c.dylib", "usleep")
        ]),
        "sleeping"
    );
    assert_eq!(
        state(&[
            f("libsystem_kernel.dylib", "mach_msg_trap"),
            f("libsystem_kernel.dylib", "mach_msg"),
            f("CoreFoundation", "__CFRunLoopServiceMachPort")
        ]),
        "run_loop"
    );
    assert_eq!(
        state(&[
            f("libsystem_kernel.dylib", "mach_msg2_trap"),
            f("libsystem_kernel.dylib", "mach_msg2_internal"),
            f("x", "y")
        ]),
        "mach_message"
    );
    assert_eq!(
        state(&[
            f("libsystem_kernel.dylib", "__psynch_mutexwait"),
            f(
                "libsystem_pthread.dylib",
                "_pthread_mutex_firstfit_lock_wait"
            )
        ]),
        "waiting_mutex"
    );
    assert_eq!(state(&[f("MyApp", "compute")]), "running");
}

#[test]
fn context_ignore() {
    let s = states();
    assert!(s.ignored_for_context("_dispatch_client_callout"));
    assert!(s.ignored_for_context("__CFRunLoopRun"));
    assert!(!s.ignored_for_context("THPVariable_mul"));
}

#[test]
fn bad_files_give_clear_errors() {
    let head = "[default]\nid = \"running\"\nlabel = \"running\"\n[crashed]\nid = \"crashed\"\nlabel = \"crashed\"\n";
    let e = ThreadStates::parse(
        "t.toml",
        &format!(
            "{head}[[state]]\nid = \"Bad Id\"\nlabel = \"x\"\npriority = 1\nsymbols = [\"a\"]\n"
        ),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("t.toml:") && e.contains("lower_snake_case"),
        "{e}"
    );
    let e = ThreadStates::parse(
        "t.toml",
        &format!("{head}[[state]]\nid = \"x\"\nlabel = \"x\"\npriority = 1\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("no condition"), "{e}");
    let e = ThreadStates::parse(
        "t.toml",
        &format!(
            "{head}[[state]]\nid = \"x\"\nlabel = \"x\"\npriority = 1\nsymbols = [\"a\", \"a\"]\n"
        ),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("duplicate"), "{e}");
    let e = ThreadStates::parse("t.toml", "[[state]]\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("t.toml:"), "{e}");
}

#[test]
fn named_thread_without_frames() {
    let s = states();
    let m = s
        .named_without_frames()
        .expect("thread_states.toml names this state");
    assert_eq!(m.id, "unknown");
    assert!(m.label.contains("no frames"));
}

/// debugging_19_4_01.md (JoelBrown1-Keneth_Frequency), thread 15
/// `com.apple.audio.IOThread.client`: blocked in `semaphore_wait_signal_trap` under caulk's
/// semaphore wait, not running.
#[test]
fn semaphore_traps_are_waiting() {
    assert_eq!(
        state(&[
            f("libsystem_kernel.dylib", "semaphore_wait_signal_trap"),
            f(
                "caulk",
                "caulk::mach::semaphore::wait_signal_or_error(caulk::mach::semaphore&)"
            ),
            f("CoreAudio", "HALC_ProxyIOContext::IOWorkLoop()"),
            f("CoreAudio", "invocation function for block in HALC_ProxyIOContext::HALC_ProxyIOContext(unsigned int, unsigned int)"),
            f("CoreAudio", "HALC_IOThread::Entry(void*)"),
            f("libsystem_pthread.dylib", "_pthread_start"),
            f("libsystem_pthread.dylib", "thread_start"),
        ]),
        "waiting_semaphore"
    );
    for trap in [
        "semaphore_wait_trap",
        "semaphore_timedwait_trap",
        "semaphore_timedwait_signal_trap",
    ] {
        assert_eq!(
            state(&[f("libsystem_kernel.dylib", trap), f("MyApp", "work")]),
            "waiting_semaphore",
            "{trap}"
        );
    }
}
