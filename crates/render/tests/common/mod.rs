//! Hand-built values for the renderer tests: a report and analysis shaped like
//! the seed crash (Python [81920], thread 4 in AGXMetalG16X at NULL + 0x5c8),
//! with the facts taken from the seed write-up, not from program output.

#![allow(dead_code)]

use crashlens_model::*;

pub fn reg(name: &str, value: u64) -> Register {
    Register {
        name: name.into(),
        value,
        ..Default::default()
    }
}

pub fn seed_report() -> CrashReport {
    let x: [u64; 29] = [
        0x0000600003afd8c0,
        0x00000001fb28cd9c,
        0x000000012050c170,
        0x000000016eaf0fd8,
        0x0000000130bfc0a0,
        0x000000000000002c,
        0,
        1,
        0x78,
        0x00000001fb28cd9c,
        0x00000001d79ed864,
        0x1f,
        0x1c,
        0x000000012050c790,
        0x010000010ce6d019,
        0x000000010ce6d018,
        0x000000010ce6d018,
        0x000000010c9d52b0,
        0,
        0x000000012050c170,
        0,
        0x0000600003afd8c0,
        0x000000016eaf1290,
        0x00000001036dafc8,
        0x000000016eaf1010,
        0x0000600000f741a0,
        0x19,
        0x00000001036dafc8,
        0x00000001208da040,
    ];
    let mut regs: Vec<Register> = x
        .iter()
        .enumerate()
        .map(|(i, v)| reg(&format!("x{i}"), *v))
        .collect();
    regs.push(reg("fp", 0x000000016eaf0fb0));
    regs.push(reg("lr", 0x0000000116b36f9c));
    regs.push(reg("sp", 0x000000016eaf0fa0));
    regs.push(reg("pc", 0x000000010c9d52d0));
    regs.push(reg("cpsr", 0x60000000));
    regs.push(reg("far", 0x5c8));
    regs.push(Register {
        name: "esr".into(),
        value: 0x92000006,
        description: Some("(Data Abort) byte read Translation fault".into()),
        ..Default::default()
    });
    let frame = |i: u32, image: &str, sym: &str, off: u64| Frame {
        index: i,
        image: Some(image.into()),
        symbol: Some(sym.into()),
        symbol_offset: Some(off),
        ..Default::default()
    };
    CrashReport {
        source: Source { format: ReportFormat::IpsJson, bug_type: Some("309".into()), ..Default::default() },
        process: Process {
            name: Some("Python".into()),
            pid: Some(81920),
            version: Some("3.14.0".into()),
            code_type: Some("ARM-64".into()),
            arch: Arch::Arm64,
            parent: Some(ProcessRef { name: Some("zsh".into()), pid: Some(81852) }),
            responsible: Some(ProcessRef { name: Some("iTerm2".into()), pid: Some(1357) }),
            launch_time: Some("2025-12-20 17:36:17.8560 -0800".into()),
            ..Default::default()
        },
        system: System {
            os_version: Some("macOS 15.7.3".into()),
            os_build: Some("24G419".into()),
            hardware_model: Some("Mac16,5".into()),
            incident_id: Some("79BC4A1F-C45B-45D9-BB21-94FE1DDC55A9".into()),
            capture_time: Some("2025-12-20 17:36:18.2862 -0800".into()),
            ..Default::default()
        },
        exception: Some(Exception {
            kind: Some("EXC_BAD_ACCESS".into()),
            signal: Some("SIGSEGV".into()),
            subtype: Some("KERN_INVALID_ADDRESS at 0x00000000000005c8".into()),
            codes_text: Some("0x0000000000000001, 0x00000000000005c8".into()),
            codes: vec![1, 0x5c8],
            ..Default::default()
        }),
        termination: Some(Termination {
            namespace: Some("SIGNAL".into()),
            code: Some(11),
            indicator: Some("Segmentation fault: 11".into()),
            by_process: Some("exc handler".into()),
            by_pid: Some(81920),
            ..Default::default()
        }),
        crashed_thread: Some(4),
        threads: vec![Thread {
            number: 4,
            name: Some("Thread-1 (worker)".into()),
            queue: Some("metal gpu stream 1".into()),
            crashed: true,
            frames: vec![
                frame(0, "AGXMetalG16X", "-[AGXG16XFamilyComputeContext setComputePipelineState:]", 32),
                frame(1, "libtorch_cpu.dylib", "invocation function for block in at::native::mps::MetalShaderLibrary::exec_binary_kernel(at::TensorIteratorBase&, std::__1::basic_string<char, std::__1::char_traits<char>, std::__1::allocator<char>> const&, std::__1::optional<c10::Scalar>, std::__1::optional<c10::ScalarType>)", 444),
            ],
            state: Some(ThreadState { arch: Arch::Arm64, registers: regs }),
            ..Default::default()
        }],
        images: vec![Image {
            base: 0x10c9d0000,
            name: Some("AGXMetalG16X".into()),
            bundle_id: Some("com.apple.AGXMetalG16X".into()),
            version: Some("329.2".into()),
            uuid: Some("0ce453ff-9f17-321f-bc18-383573a48221".into()),
            path: Some("/System/Library/Extensions/AGXMetalG16X.bundle/Contents/MacOS/AGXMetalG16X".into()),
            ..Default::default()
        }],
        vm_region_info: Some("0x5c8 is not in any region.  Bytes before following region: 4333468216\n      REGION TYPE                    START - END         [ VSIZE] PRT/MAX SHRMOD  REGION DETAIL\n      UNUSED SPACE AT START\n--->  \n      __TEXT                      1024b8000-1024bc000    [   16K] r-x/r-x SM=COW  /Library/Frameworks/Python.framework/Versions/3.14/Resources/Python.app/Contents/MacOS/Python".into()),
        ..Default::default()
    }
}

pub fn seed_analysis() -> Analysis {
    let fv =
        |i: u32, image: &str, sym: &str, off: u64, owner: Owner, detail: Option<&str>| FrameView {
            index: i,
            image: image.into(),
            symbol: sym.into(),
            offset: Some(off),
            owner,
            owner_detail: detail.map(Into::into),
            ..Default::default()
        };
    Analysis {
        headline: Headline {
            title: "Python [81920]: SIGSEGV reading NULL + 0x5c8 inside the GPU driver (AGXMetalG16X 329.2)".into(),
            summary: vec![
                "Thread 4 faulted in `-[AGXG16XFamilyComputeContext setComputePipelineState:] + 32`".into(),
                "Most likely: a race in how the caller uses Metal across threads.".into(),
            ],
        },
        exception: Some(ExceptionExplained {
            kind: Some("EXC_BAD_ACCESS".into()),
            kind_meaning: Some("bad memory access".into()),
            signal: Some("SIGSEGV".into()),
            subtype: Some("KERN_INVALID_ADDRESS at 0x00000000000005c8".into()),
            subtype_meaning: Some("the address is not mapped".into()),
            ..Default::default()
        }),
        fault: Some(FaultAnalysis {
            address: Some(0x5c8),
            address_field: Some("exception.subtype".into()),
            null_offset: Some(0x5c8),
            access: Some("read".into()),
            kinds: vec!["null_offset".into()],
            findings: vec![Finding::new(
                "fault.null_offset",
                "NULL + 0x5c8",
                "The address is 1480 bytes past NULL, inside the unmapped first page.",
            )],
            ..Default::default()
        }),
        esr: Some(EsrDecoded {
            value: 0x92000006,
            ec: 0x24,
            ec_meaning: "data abort from a lower exception level (user mode)".into(),
            il: true,
            iss: 6,
            write: Some(false),
            fault_status: Some("translation fault".into()),
            level: Some(2),
            isv: Some(false),
            apple_description: Some("(Data Abort) byte read Translation fault".into()),
            caveats: vec!["Apple's \"byte read\" is not an access size: ISV is 0.".into()],
            ..Default::default()
        }),
        registers: Some(RegisterAnalysis {
            thread: 4,
            null_registers: vec!["x6".into(), "x18".into(), "x20".into()],
            reserved_zero: vec!["x18".into()],
            base_candidates: vec![
                BaseCandidate { register: "x6".into(), value: 0, offset: 0x5c8 },
                BaseCandidate { register: "x20".into(), value: 0, offset: 0x5c8 },
            ],
            findings: vec![Finding::new(
                "registers.instruction_needed",
                "Base register unknown",
                "Which of x6/x20 was the base needs the instruction at pc, which the report does not hold",
            )],
        }),
        crashed_stack: Some(StackAnalysis {
            thread: 4,
            thread_name: Some("Thread-1 (worker)".into()),
            queue: Some("metal gpu stream 1".into()),
            frames: vec![
                fv(0, "AGXMetalG16X", "-[AGXG16XFamilyComputeContext setComputePipelineState:]", 32, Owner::GpuDriver, None),
                fv(1, "libtorch_cpu.dylib", "invocation function for block in at::native::mps::MetalShaderLibrary::exec_binary_kernel(at::TensorIteratorBase&, std::__1::basic_string<char, std::__1::char_traits<char>, std::__1::allocator<char>> const&, std::__1::optional<c10::Scalar>, std::__1::optional<c10::ScalarType>)", 444, Owner::MlFramework, Some("PyTorch")),
                fv(2, "libtorch_cpu.dylib", "at::operator|(at::Tensor const&)", 40, Owner::MlFramework, Some("PyTorch")),
            ],
            blamed_frame: Some(0),
            owner_runs: vec![
                OwnerRun { first: 0, last: 0, owner: Owner::GpuDriver, detail: None, images: vec!["AGXMetalG16X".into()] },
                OwnerRun { first: 1, last: 2, owner: Owner::MlFramework, detail: Some("PyTorch".into()), images: vec!["libtorch_cpu.dylib".into()] },
            ],
        }),
        binaries: vec![BinaryVersion {
            name: "AGXMetalG16X".into(),
            version: Some("329.2".into()),
            uuid: Some("0ce453ff-9f17-321f-bc18-383573a48221".into()),
            path: Some("/System/Library/Extensions/AGXMetalG16X.bundle/Contents/MacOS/AGXMetalG16X".into()),
            base: 0x10c9d0000,
            owner: Owner::GpuDriver,
            reasons: vec!["on the crashed stack".into()],
            ..Default::default()
        }],
        thread_groups: vec![
            ThreadGroup {
                threads: vec![4],
                state: "crashed".into(),
                state_label: "crashed".into(),
                ..Default::default()
            },
            ThreadGroup {
                threads: vec![5, 6, 7, 8, 9, 10],
                names: (2..=7).map(|i| format!("Thread-{i}")).collect(),
                state: "waiting_gil".into(),
                state_label: "waiting for the GIL".into(),
                context: Some("returning from THPVariable_mul".into()),
                top_frames: vec!["__psynch_cvwait".into(), "_pthread_cond_wait".into(), "take_gil".into()],
                ..Default::default()
            },
        ],
        concurrency: vec![Finding::new(
            "concurrency.sync_during_encode",
            "Synchronize during encode",
            "Thread 11 was in synchronizeAllStreams while thread 4 encoded on stream 1",
        )
        .threads([4, 11])],
        timeline: Some(Timeline {
            seconds_after_launch: Some(0.4302),
            events: vec![
                TimelineEvent { at: "T+0.000s".into(), what: "launch".into(), threads: vec![] },
                TimelineEvent { at: "T+0.430s".into(), what: "thread 4 faults".into(), threads: vec![4] },
            ],
            ..Default::default()
        }),
        verdict: Some(Verdict {
            hypotheses: vec![
                Hypothesis {
                    id: "caller_race".into(),
                    title: "Caller-side race".into(),
                    confidence: Confidence::Medium,
                    evidence_for: vec![Finding::new("x", "thread 11 synchronizing during the encode", "")],
                    next_experiments: vec!["run with MTL_DEBUG_LAYER=1".into()],
                    ..Default::default()
                },
                Hypothesis {
                    id: "driver_defect".into(),
                    title: "Defect inside the AGX driver".into(),
                    confidence: Confidence::Low,
                    evidence_for: vec![Finding::new("y", "the fault is in driver code", "")],
                    evidence_against: vec![Finding::new("z", "encoders are single-thread objects", "")],
                    ..Default::default()
                },
            ],
            classification: "race in the caller's use of Metal: likely; driver defect: unproven".into(),
        }),
        known_issues: vec![KnownIssueMatch {
            id: "pytorch-mps-multithread".into(),
            title: "PyTorch MPS multi-thread races".into(),
            links: vec!["https://github.com/pytorch/pytorch/issues/197805".into()],
            workaround: Some("serialize MPS work from Python threads".into()),
            matched_on: vec!["frame 0 in AGX*Context set*PipelineState:".into()],
        }],
        ..Default::default()
    }
}

/// Every table's rows have as many unescaped `|` as its header row.
pub fn check_tables(md: &str) {
    let count = |l: &str| {
        let mut n = 0;
        let mut prev = ' ';
        for c in l.chars() {
            if c == '|' && prev != '\\' {
                n += 1;
            }
            prev = c;
        }
        n
    };
    let mut header: Option<usize> = None;
    let mut in_code = false;
    for line in md.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        if line.starts_with('|') {
            let n = count(line);
            match header {
                None => header = Some(n),
                Some(h) => assert_eq!(n, h, "row with a different column count: {line}"),
            }
        } else {
            header = None;
        }
    }
}
