//! The facts of one crash, as a report states them: no interpretation here.
//!
//! Readers fill these types faithfully (keeping the report's own strings where a
//! value could be read two ways); analysis passes interpret them.

use serde::{Deserialize, Serialize};

/// One process crash, from any format.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CrashReport {
    /// Where the report came from and how it was written.
    pub source: Source,
    pub process: Process,
    pub system: System,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<Exception>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub termination: Option<Termination>,
    /// The number of the thread the report says crashed ("Crashed Thread",
    /// "Triggered by Thread", `faultingThread`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crashed_thread: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub threads: Vec<Thread>,
    /// Loaded images ("Binary Images", `usedImages`), in report order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<Image>,
    /// Application Specific Information (`asi`), grouped by the image that wrote it
    /// where the report says so.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub app_specific: Vec<AppSpecific>,
    /// `vmRegionInfo` / "VM Region Info", verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm_region_info: Option<String>,
    /// `ktriageinfo` / "Kernel Triage", verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel_triage: Option<String>,
    /// "Last Exception Backtrace" (`lastExceptionBacktrace`): where an uncaught
    /// language exception was thrown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub last_exception_backtrace: Vec<Frame>,
    /// Everything else the report holds that has no field above, as (key, value)
    /// pairs in report order. Values that were JSON are kept as compact JSON text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<(String, String)>,
}

/// The input format of a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    /// Apple `.ips`, JSON body (bug_type 309, format version 2).
    IpsJson,
    /// Apple legacy text (`.crash`), possibly behind an `.ips` JSON header line.
    AppleText,
    /// Breakpad/Crashpad minidump.
    Minidump,
    /// Sanitizer, panic or debugger log text.
    Log,
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Source {
    pub format: ReportFormat,
    /// The file it was read from, when it was read from a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `bug_type` from an `.ips` header ("309", "109", ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bug_type: Option<String>,
    /// The report's own format version ("Report Version: 104", `"version": 2`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_version: Option<String>,
    /// True when the file wrapped the report in something else (Console's
    /// "Translated Report" preamble, an issue's Markdown, trailing text).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub wrapped: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Process {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Bundle identifier ("Identifier:", `bundleInfo.CFBundleIdentifier`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// Marketing version ("1.0.0" of "Version: 1.0.0 (5)").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Build number ("5" of "Version: 1.0.0 (5)").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    /// The report's code type, verbatim ("ARM-64", "X86-64", "ARM").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_type: Option<String>,
    pub arch: Arch,
    /// Running under Rosetta ("X86-64 (Translated)", `translated: true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub translated: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<ProcessRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responsible: Option<ProcessRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coalition: Option<String>,
    /// Launch time as the report writes it ("2025-12-20 17:36:17.8560 -0800").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch_time: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProcessRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u64>,
}

/// CPU architecture of the crashed process.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arch {
    Arm64,
    X86_64,
    Arm32,
    X86,
    #[default]
    Unknown,
}

impl Arch {
    /// Pointer width in bits, when known.
    pub fn bits(self) -> Option<u32> {
        match self {
            Arch::Arm64 | Arch::X86_64 => Some(64),
            Arch::Arm32 | Arch::X86 => Some(32),
            Arch::Unknown => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct System {
    /// OS name and version as the report writes it ("macOS 15.7.3",
    /// "iPhone OS 26.3.1", "Mac OS X 10.13.4").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    /// OS build ("24G419").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_build: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_type: Option<String>,
    /// Hardware model code ("Mac16,5", "iPhone18,2").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hardware_model: Option<String>,
    /// `.ips` header `platform` (1 macOS, 2 iOS, 7 iOS Simulator, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crash_reporter_key: Option<String>,
    /// When the crash was captured ("Date/Time", `captureTime`), as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_time: Option<String>,
    /// Seconds since boot ("Time Awake Since Boot", `uptime`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uptime_seconds: Option<u64>,
    /// System Integrity Protection ("enabled"/"disabled").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip: Option<String>,
}

/// The exception (Mach exception, or a bare signal in third-party reports).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Exception {
    /// Exception type as written: "EXC_BAD_ACCESS", "EXC_CRASH", "00000020", "0".
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Signal name ("SIGSEGV").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    /// Subtype as written ("KERN_INVALID_ADDRESS at 0x00000000000005c8",
    /// "EXC_I386_GPFLT", "EXC_ARM_BREAKPOINT at 0x1de16e2f8 (brk 1)"). Older text
    /// reports put this in the "Exception Codes" line; readers move it here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    /// The codes line as written ("0x0000000000000001, 0x00000000000005c8").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codes_text: Option<String>,
    /// The codes as numbers (`rawCodes`, or parsed from the codes line).
    #[serde(skip_serializing_if = "Vec::is_empty", with = "crate::hex::vec")]
    pub codes: Vec<u64>,
    /// "Exception Note" lines (EXC_CORPSE_NOTIFY, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// EXC_GUARD and similar: the message the kernel attached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Why and by whom the process was terminated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Termination {
    /// "SIGNAL", "SPRINGBOARD", "TCC", "GUARD", "OBJC", "FRONTBOARD", ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The code as a number (0x8badf00d, 11, ...).
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::hex::option")]
    pub code: Option<u64>,
    /// The code's words as written ("Segmentation fault: 11").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator: Option<String>,
    /// "Termination Description" and similar free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// "exc handler", or the name of the process that sent the signal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_process: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_pid: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<u64>,
}

/// One thread.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thread {
    /// The report's thread number.
    pub number: u32,
    /// Kernel thread id (`id` in `.ips`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Dispatch queue label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// This is the thread the report marks as crashed / triggered.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub crashed: bool,
    /// Frames, innermost (frame 0) first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub frames: Vec<Frame>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<ThreadState>,
}

/// One stack frame.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Frame {
    /// Position in its stack, 0 = innermost.
    pub index: u32,
    /// Index into [`CrashReport::images`], when the frame lies in a known image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_index: Option<usize>,
    /// The image name as the frame line shows it (a file name or a bundle id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Absolute instruction address.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::hex::option")]
    pub address: Option<u64>,
    /// Offset from the image's load address.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::hex::option")]
    pub image_offset: Option<u64>,
    /// Symbol name, whole (C++ and Swift names contain spaces).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// Offset from the symbol's start (the "+ 32").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol_offset: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// An inlined frame: it shares its address with the frame after it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inlined: bool,
}

/// Saved register state of a thread.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThreadState {
    pub arch: Arch,
    /// Registers in the report's order, with lower-case names: x0..x28, fp, lr, sp,
    /// pc, cpsr, far, esr on arm64; rax..r15, rip, rflags, cr2, err, trap, cpu on
    /// x86_64; r0..r12, sp, lr, pc, cpsr on 32-bit ARM.
    pub registers: Vec<Register>,
}

impl ThreadState {
    /// Looks a register up by name (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&Register> {
        self.registers
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }

    /// The value of a register, by name.
    pub fn value(&self, name: &str) -> Option<u64> {
        self.get(name).map(|r| r.value)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Register {
    pub name: String,
    #[serde(with = "crate::hex")]
    pub value: u64,
    /// What the report says the value points at (`symbol` + `symbolLocation`,
    /// `objc-selector`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points_to: Option<String>,
    /// The report's own description of the value (esr's "(Data Abort) byte read
    /// Translation fault", trap's "(no mapping for user data write)").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One loaded binary image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Image {
    #[serde(with = "crate::hex")]
    pub base: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The image's short name (file name, or the bundle id older reports print).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<String>,
    /// Marketing version (`CFBundleShortVersionString`, "329.2").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Build version (`CFBundleVersion`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    /// UUID, lower case with dashes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The `.ips` "A" pseudo-image for addresses outside any image.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub placeholder: bool,
    /// The report marks this image as not part of the OS ("+" prefix, or it is
    /// the main executable).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub user_code: bool,
}

impl Image {
    /// Whether `addr` falls inside this image.
    pub fn contains(&self, addr: u64) -> bool {
        match self.size {
            Some(size) if size > 0 => addr >= self.base && addr - self.base < size,
            _ => false,
        }
    }

    /// The name to show for this image.
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .or(self.bundle_id.as_deref())
            .unwrap_or("???")
    }
}

/// Application Specific Information lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppSpecific {
    /// The image that wrote them, where the report says ("libsystem_c.dylib").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    pub lines: Vec<String>,
}

impl CrashReport {
    /// The thread the report marks as crashed.
    pub fn crashed(&self) -> Option<&Thread> {
        match self.crashed_thread {
            Some(n) => self.threads.iter().find(|t| t.number == n),
            None => self.threads.iter().find(|t| t.crashed),
        }
    }

    /// A thread by its report number.
    pub fn thread(&self, number: u32) -> Option<&Thread> {
        self.threads.iter().find(|t| t.number == number)
    }

    /// The image a frame belongs to: by index, else by address, else by name.
    pub fn image_of(&self, frame: &Frame) -> Option<&Image> {
        if let Some(img) = frame.image_index.and_then(|i| self.images.get(i)) {
            return Some(img);
        }
        if let Some(addr) = frame.address {
            if let Some(img) = self.image_at(addr) {
                return Some(img);
            }
        }
        let name = frame.image.as_deref()?;
        self.images
            .iter()
            .find(|i| i.name.as_deref() == Some(name) || i.bundle_id.as_deref() == Some(name))
    }

    /// The image containing an address, if any.
    pub fn image_at(&self, addr: u64) -> Option<&Image> {
        self.images
            .iter()
            .find(|i| !i.placeholder && i.contains(addr))
    }

    /// All ASI lines, flattened.
    pub fn app_specific_lines(&self) -> impl Iterator<Item = &str> {
        self.app_specific
            .iter()
            .flat_map(|a| a.lines.iter().map(String::as_str))
    }

    /// An extra field by key.
    pub fn extra(&self, key: &str) -> Option<&str> {
        self.extras
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}
