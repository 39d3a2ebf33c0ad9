//! What crashlens concludes about one crash: the output of the analysis passes.
//!
//! Each pass in `crashlens-analyze` fills one section here and may add
//! [`Finding`]s; every finding carries [`Evidence`] naming the report field,
//! thread, frame or register it rests on. Renderers read this and the
//! [`CrashReport`](crate::CrashReport) side by side.

use serde::{Deserialize, Serialize};

/// The whole analysis of one report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Analysis {
    pub headline: Headline,
    /// Every finding of every pass, in the order the passes ran.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<ExceptionExplained>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub termination: Option<TerminationExplained>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<FaultAnalysis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registers: Option<RegisterAnalysis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub esr: Option<EsrDecoded>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crashed_stack: Option<StackAnalysis>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub binaries: Vec<BinaryVersion>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub thread_groups: Vec<ThreadGroup>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub concurrency: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Timeline>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub known_issues: Vec<KnownIssueMatch>,
}

/// The report's title and its one-paragraph summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Headline {
    /// e.g. "Python [81920]: SIGSEGV reading NULL + 0x5c8 inside the GPU driver (AGXMetalG16X 329.2)"
    pub title: String,
    /// Short sentences: where it crashed, the ASI message, the leading hypothesis.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub summary: Vec<String>,
}

/// Where a finding's support comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Evidence {
    /// Path of the report field, in model terms: "exception.subtype",
    /// "threads[4].state.far", "threads[4].frames[0]", "vm_region_info".
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub register: Option<String>,
    /// The value seen there, as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl Evidence {
    pub fn field(field: impl Into<String>) -> Self {
        Evidence {
            field: field.into(),
            ..Default::default()
        }
    }
    pub fn value(mut self, v: impl Into<String>) -> Self {
        self.value = Some(v.into());
        self
    }
    pub fn thread(mut self, t: u32) -> Self {
        self.thread = Some(t);
        self
    }
    pub fn frame(mut self, f: u32) -> Self {
        self.frame = Some(f);
        self
    }
    pub fn register(mut self, r: impl Into<String>) -> Self {
        self.register = Some(r.into());
        self
    }
}

/// One statement a pass makes, with its support.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Finding {
    /// Stable identifier, "<pass>.<what>": "fault.null_offset", "esr.decoded".
    pub id: String,
    /// Short label: "NULL + 0x5c8".
    pub title: String,
    /// The statement in a sentence or two.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// Threads the finding is about (concurrency evidence names its threads).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub threads: Vec<u32>,
}

impl Finding {
    pub fn new(id: impl Into<String>, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Finding {
            id: id.into(),
            title: title.into(),
            detail: detail.into(),
            ..Default::default()
        }
    }
    pub fn with(mut self, e: Evidence) -> Self {
        self.evidence.push(e);
        self
    }
    pub fn threads(mut self, t: impl IntoIterator<Item = u32>) -> Self {
        self.threads.extend(t);
        self
    }
}

/// The exception type, signal and codes in words.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExceptionExplained {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// "bad memory access", "abnormal exit (abort or kill)"...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind_meaning: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal_meaning: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    /// "the address is not mapped (KERN_INVALID_ADDRESS)".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype_meaning: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// Termination namespace and code in words.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TerminationExplained {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::hex::option")]
    pub code: Option<u64>,
    /// "watchdog: the app took too long (0x8badf00d, 'ate bad food')".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meaning: Option<String>,
    /// One of: "signal", "watchdog", "resource", "thermal", "privacy",
    /// "security", "file_lock", "guard", "exception", "other".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_process: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// What the faulting address says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultAnalysis {
    /// The address that faulted (from the subtype, codes, far or cr2).
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::hex::option")]
    pub address: Option<u64>,
    /// Which field the address came from ("exception.subtype", "threads[4].state.far").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_field: Option<String>,
    /// Set when the address is NULL + this offset (below the page size).
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::hex::option")]
    pub null_offset: Option<u64>,
    /// For a pointer-authentication failure: the address with its signature stripped.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::hex::option")]
    pub stripped_address: Option<u64>,
    /// The image the (stripped) address falls in, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_image: Option<String>,
    /// "read", "write" or "execute", where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<String>,
    /// The classifications that apply: "null_offset", "low_unmapped",
    /// "pointer_auth", "non_canonical", "poison_pattern", "sentinel",
    /// "pc_is_fault_address", "pc_zero", "stack_guard", "alignment", "wild".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

/// What the crashed thread's registers say.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegisterAnalysis {
    pub thread: u32,
    /// Registers holding zero (general-purpose ones).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub null_registers: Vec<String>,
    /// Zero registers that cannot be the base (x18 on Apple platforms).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reserved_zero: Vec<String>,
    /// Registers that could have been the base of the faulting load.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub base_candidates: Vec<BaseCandidate>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

/// "x20 was NULL; the load was at x20 + 0x5c8".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BaseCandidate {
    pub register: String,
    #[serde(with = "crate::hex")]
    pub value: u64,
    #[serde(with = "crate::hex")]
    pub offset: u64,
}

/// An arm64 ESR (exception syndrome register), decoded from the number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EsrDecoded {
    #[serde(with = "crate::hex")]
    pub value: u64,
    /// Exception class (bits 31:26).
    pub ec: u32,
    /// "data abort from a lower exception level (user mode)".
    pub ec_meaning: String,
    /// Instruction length bit: 32-bit instruction.
    pub il: bool,
    /// Instruction-specific syndrome (bits 24:0).
    pub iss: u32,
    /// Data aborts: true = write, false = read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write: Option<bool>,
    /// Data/instruction aborts: the fault status code name ("translation fault").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault_status: Option<String>,
    /// Translation table level of the fault, where the status carries one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<u32>,
    /// ISS valid: only then is the access size recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isv: Option<bool>,
    /// Access size in bytes, only when ISV is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_size: Option<u32>,
    /// BRK/SVC immediate, for breakpoint and syscall classes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub immediate: Option<u32>,
    /// The report's own text for the ESR, kept but not trusted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apple_description: Option<String>,
    /// Where Apple's text claims more than the number shows.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub caveats: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// Who owns a frame or image.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    GpuDriver,
    OsRuntime,
    OsFramework,
    LanguageRuntime,
    MlFramework,
    ThirdParty,
    App,
    #[default]
    Unknown,
}

impl Owner {
    pub fn label(self) -> &'static str {
        match self {
            Owner::GpuDriver => "GPU driver",
            Owner::OsRuntime => "OS runtime",
            Owner::OsFramework => "OS framework",
            Owner::LanguageRuntime => "language runtime",
            Owner::MlFramework => "ML/GPU framework",
            Owner::ThirdParty => "third-party library",
            Owner::App => "the app",
            Owner::Unknown => "unknown",
        }
    }
}

/// The crashed thread's stack, with owners and the blamed frame.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StackAnalysis {
    pub thread: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    pub frames: Vec<FrameView>,
    /// The first frame that is not abort/raise/assert/throw machinery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blamed_frame: Option<u32>,
    /// Consecutive frames with one owner: "frame 0 GPU driver, 1-10 PyTorch".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub owner_runs: Vec<OwnerRun>,
}

/// One row of the stack table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FrameView {
    pub index: u32,
    pub image: String,
    /// Symbol, or `image + offset` when unsymbolicated.
    pub symbol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::hex::option")]
    pub address: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub owner: Owner,
    /// The owner's finer label where a rule names one ("PyTorch", "CPython").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_detail: Option<String>,
    /// Why this frame was passed over when choosing the blamed frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OwnerRun {
    pub first: u32,
    pub last: u32,
    pub owner: Owner,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub images: Vec<String>,
}

/// One row of the binary-versions table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BinaryVersion {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(with = "crate::hex")]
    pub base: u64,
    pub owner: Owner,
    /// Why it is listed: it is on the crashed stack, it is the main binary, ...
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// Threads whose normalized stacks are the same.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThreadGroup {
    pub threads: Vec<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<String>,
    /// State id from the thread-state patterns: "waiting_gil", "waiting_mutex",
    /// "waiting_condition", "waiting_gpu", "device_synchronize",
    /// "submitting_gpu_work", "mach_message", "run_loop", "idle_workqueue",
    /// "sleeping", "running", "crashed", "unknown".
    pub state: String,
    /// The state in words: "waiting for the GIL".
    pub state_label: String,
    /// The frame that gives the group its meaning ("inside THPVariable_mul").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// The top normalized frames shared by the group.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub top_frames: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// When things happened.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Timeline {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_time: Option<String>,
    /// Seconds from launch to capture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_after_launch: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uptime_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<TimelineEvent>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TimelineEvent {
    /// "T+0.000s", "launch", "at the crash".
    pub at: String,
    pub what: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub threads: Vec<u32>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    #[default]
    Low,
    Medium,
    High,
}

/// The verdict: hypotheses, each with evidence for and against.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Verdict {
    /// Most likely first.
    pub hypotheses: Vec<Hypothesis>,
    /// One line derived from the hypotheses, never "confirmed" without an
    /// attached experiment result.
    pub classification: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Hypothesis {
    /// "caller_race", "driver_defect", "memory_corruption", "intentional_abort",
    /// "resource_kill", "watchdog", "privacy_violation", "deadlock", "hardware", ...
    pub id: String,
    pub title: String,
    pub confidence: Confidence,
    #[serde(rename = "for", skip_serializing_if = "Vec::is_empty")]
    pub evidence_for: Vec<Finding>,
    #[serde(rename = "against", skip_serializing_if = "Vec::is_empty")]
    pub evidence_against: Vec<Finding>,
    /// The experiments that would separate this hypothesis from the others.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub next_experiments: Vec<String>,
    /// An experiment result that settles it, if one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment_result: Option<String>,
}

/// A known crash pattern that matched.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KnownIssueMatch {
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workaround: Option<String>,
    /// What matched, one line per condition.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matched_on: Vec<String>,
}
