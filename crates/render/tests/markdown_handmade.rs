//! The Markdown renderer on hand-built values: section order, the facts each
//! section must carry, escaping, and that absent data prints nothing.

mod common;

use crashlens_model::{Analysis, CrashReport};
use crashlens_render::markdown;

fn pos(md: &str, needle: &str) -> usize {
    md.find(needle)
        .unwrap_or_else(|| panic!("missing {needle:?} in:\n{md}"))
}

#[test]
fn seed_sections_in_order() {
    let md = markdown::render(&common::seed_report(), &common::seed_analysis());
    let order = [
        "## Python [81920]: SIGSEGV reading NULL + 0x5c8",
        "### System",
        "### What happened",
        "### Registers of the crashed thread (4)",
        "### Crashed thread 4 `Thread-1 (worker)`, queue `metal gpu stream 1`",
        "### The other threads",
        "### Concurrency evidence",
        "### Timeline",
        "### Verdict",
        "### Known issues that match",
        "### Binary versions",
    ];
    let mut last = 0;
    for h in order {
        let p = pos(&md, h);
        assert!(p >= last, "{h} out of order");
        last = p;
    }
    assert!(
        !md.contains("### Application Specific Information"),
        "no ASI in this report"
    );
    assert!(!md.contains("### Last exception backtrace"));
}

#[test]
fn seed_facts() {
    let md = markdown::render(&common::seed_report(), &common::seed_analysis());
    // System.
    pos(
        &md,
        "| Process | Python 3.14.0 [81920], parent zsh [81852], responsible iTerm2 [1357] |",
    );
    pos(&md, "| OS | macOS 15.7.3 (24G419) |");
    pos(
        &md,
        "| GPU driver | AGXMetalG16X 329.2 (`com.apple.AGXMetalG16X`) |",
    );
    pos(
        &md,
        "2025-12-20 17:36:17.8560 -0800 → 2025-12-20 17:36:18.2862 -0800: **0.43 s** after launch",
    );
    // What happened.
    pos(
        &md,
        "| Exception | EXC_BAD_ACCESS (SIGSEGV): bad memory access |",
    );
    pos(&md, "**NULL + 0x5c8** (1480 bytes)");
    pos(&md, "| ESR 0x92000006 | data abort from a lower exception level (user mode) (EC 0x24), **read** (WnR 0), **translation fault, level 2**, ISV = 0, so the access size is not recorded");
    pos(&md, "| Termination | namespace SIGNAL, code 11 (Segmentation fault: 11); by exc handler (pid 81920) |");
    pos(&md, "0x5c8 is not in any region.");
    // Registers: the seed's layout, NULLs marked, x18 reserved.
    pos(
        &md,
        "    x0: 0x0000600003afd8c0   x1: 0x00000001fb28cd9c   x2: 0x000000012050c170\n",
    );
    pos(&md, "    x6: 0x0000000000000000   x7: 0x0000000000000001   x8: 0x0000000000000078  <-- x6 NULL\n");
    pos(&md, "   x18: 0x0000000000000000  x19: 0x000000012050c170  x20: 0x0000000000000000  <-- x18 NULL (reserved, not a candidate), x20 NULL\n");
    pos(&md, "  cpsr: 0x60000000\n");
    pos(&md, "   far: 0x00000000000005c8  <-- fault address\n");
    pos(
        &md,
        "   esr: 0x92000006 (Data Abort) byte read Translation fault\n",
    );
    pos(
        &md,
        "Possible base registers of the faulting access: `x6` (0x0) + 0x5c8, `x20` (0x0) + 0x5c8.",
    );
    // Stack: long C++ symbol shortened, pipe escaped, owners.
    pos(&md, "| 0 | `AGXMetalG16X` | `-[AGXG16XFamilyComputeContext setComputePipelineState:]` | + 32 | **GPU driver** ◀ blamed |");
    pos(&md, "`invocation function for block in at::native::mps::MetalShaderLibrary::exec_binary_kernel(…)`");
    pos(&md, "`at::operator\\|(at::Tensor const&)`");
    pos(
        &md,
        "| 1–2 | ML/GPU framework (PyTorch) | `libtorch_cpu.dylib` |",
    );
    // Threads: the crashed thread's own group is not repeated.
    pos(&md, "| 5–10 (6 threads: `Thread-2` … `Thread-7`) | **waiting for the GIL** | returning from THPVariable_mul: `take_gil` → `_pthread_cond_wait` → `__psynch_cvwait` |");
    assert!(!md.contains("| 4 | **crashed**"));
    pos(&md, "- **Synchronize during encode**: Thread 11 was in synchronizeAllStreams while thread 4 encoded on stream 1. *(threads 4, 11)*");
    // Verdict.
    pos(&md, "| Caller-side race | **medium** | thread 11 synchronizing during the encode | – | run with MTL_DEBUG_LAYER=1 |");
    pos(
        &md,
        "**Classification:** race in the caller's use of Metal: likely; driver defect: unproven.",
    );
    pos(&md, "- **PyTorch MPS multi-thread races** (`pytorch-mps-multithread`): https://github.com/pytorch/pytorch/issues/197805");
    pos(&md, "| AGXMetalG16X | 329.2 | `0ce453ff-9f17-321f-bc18-383573a48221` | `/System/Library/Extensions/AGXMetalG16X.bundle/Contents/MacOS/AGXMetalG16X` |");
}

#[test]
fn no_empty_tables_or_sections() {
    let md = markdown::render(&CrashReport::default(), &Analysis::default());
    assert_eq!(md, "## Unknown process\n");
}

#[test]
fn every_table_row_has_the_header_column_count() {
    let md = markdown::render(&common::seed_report(), &common::seed_analysis());
    common::check_tables(&md);
}

#[test]
fn termination_meaning_does_not_repeat_the_code() {
    use crashlens_model::{Termination, TerminationExplained};
    let report = CrashReport {
        termination: Some(Termination {
            namespace: Some("SPRINGBOARD".into()),
            code: Some(0x8badf00d),
            ..Default::default()
        }),
        ..Default::default()
    };
    let analysis = Analysis {
        termination: Some(TerminationExplained {
            namespace: Some("SPRINGBOARD".into()),
            code: Some(0x8badf00d),
            meaning: Some("0x8badf00d: watchdog: the app took too long".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let md = markdown::render(&report, &analysis);
    pos(
        &md,
        "| Termination | namespace SPRINGBOARD, code 0x8badf00d: watchdog: the app took too long |",
    );
}
