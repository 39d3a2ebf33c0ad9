//! The code tables of `knowledge/codes.toml`: Mach exception types, signals, subtypes and code
//! names, termination namespaces and codes, arm64 ESR classes and fault status codes, Apple's ESR
//! description words, poison/fill patterns, deliberate-crash sentinels and page sizes.
//!
//! [`builtin`] parses and validates the embedded table once (a `OnceLock`); [`parse`] does the same
//! for any text, so a custom table can be checked the same way.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::{parse_toml, KnowledgeError};

/// The embedded table.
pub const BUILTIN_TOML: &str = include_str!("../../../knowledge/codes.toml");
const FILE: &str = "knowledge/codes.toml";

/// The termination categories a table may use.
pub const CATEGORIES: &[&str] = &[
    "signal",
    "watchdog",
    "resource",
    "thermal",
    "privacy",
    "security",
    "file_lock",
    "guard",
    "exception",
    "other",
];

/// Fault classifications a subtype may establish (see `FaultAnalysis::kinds`).
pub const FAULT_KINDS: &[&str] = &["alignment", "pointer_auth"];

/// The ESR class kinds.
pub const ESR_KINDS: &[&str] = &[
    "data_abort",
    "instruction_abort",
    "svc",
    "brk",
    "breakpoint",
    "alignment",
    "illegal",
    "fp",
    "pac",
    "serror",
    "other",
];

/// The fault status kinds.
pub const FAULT_STATUS_KINDS: &[&str] = &[
    "address_size",
    "translation",
    "access_flag",
    "permission",
    "external",
    "tag_check",
    "parity",
    "alignment",
    "tlb_conflict",
    "atomic",
    "implementation_defined",
];

/// What codes[1] may hold.
pub const SECOND_CODE_ROLES: &[&str] = &["address", "pc", "instruction"];

/// The architectures tables may name (as `Arch` serializes them).
pub const ARCHES: &[&str] = &["arm64", "x86_64", "arm32", "x86"];

// ----- raw rows, as the file writes them ------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    exception_type: Vec<RawExceptionType>,
    #[serde(default)]
    numeric_type: Vec<RawNumericType>,
    #[serde(default)]
    second_code: Vec<SecondCode>,
    #[serde(default)]
    signal: Vec<RawSignal>,
    #[serde(default)]
    subtype: Vec<RawSubtype>,
    #[serde(default)]
    namespace: Vec<Namespace>,
    #[serde(default)]
    termination_code: Vec<RawTerminationCode>,
    #[serde(default)]
    watchdog_event: Vec<WatchdogEvent>,
    #[serde(default)]
    esr_class: Vec<RawEsrClass>,
    #[serde(default)]
    fault_status: Vec<RawFaultStatus>,
    #[serde(default)]
    esr_term: Vec<RawEsrTerm>,
    #[serde(default)]
    poison: Vec<RawPoison>,
    #[serde(default)]
    sentinel: Vec<RawSentinel>,
    #[serde(default)]
    page_size: Vec<RawPageSize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExceptionType {
    name: String,
    number: String,
    meaning: String,
    detail: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNumericType {
    value: String,
    meaning: String,
    detail: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignal {
    name: String,
    number: String,
    meaning: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubtype {
    name: String,
    #[serde(default)]
    exception: Option<String>,
    #[serde(default)]
    signal: Option<String>,
    #[serde(default)]
    arch: Option<String>,
    #[serde(default)]
    code: Option<String>,
    meaning: String,
    #[serde(default)]
    pac_meaning: Option<String>,
    #[serde(default)]
    kinds: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerminationCode {
    code: String,
    #[serde(default)]
    namespaces: Vec<String>,
    nickname: String,
    meaning: String,
    category: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEsrClass {
    ec: String,
    meaning: String,
    kind: String,
    #[serde(default)]
    lower_el: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFaultStatus {
    code: String,
    name: String,
    #[serde(default)]
    level: Option<i32>,
    kind: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEsrTerm {
    term: String,
    #[serde(default)]
    classes: Vec<String>,
    #[serde(default)]
    fault_kinds: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPoison {
    value: String,
    repeat: bool,
    name: String,
    meaning: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSentinel {
    value: String,
    name: String,
    meaning: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPageSize {
    arch: String,
    bytes: String,
    note: String,
}

// ----- validated rows ---------------------------------------------------------------------------

/// A Mach exception type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionType {
    pub name: String,
    pub number: u64,
    pub meaning: String,
    pub detail: String,
}

/// The value of a numeric exception type as older or third-party reports
/// print it ("00000020", "0 (0)", "0x20"); `None` for a named one.
pub fn numeric_type_value(kind: &str) -> Option<u64> {
    let w = kind.split_whitespace().next()?;
    let digits = w.strip_prefix("0x").unwrap_or(w);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

/// A numeric exception type as older reports print it ("00000020", "0 (0)").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumericType {
    pub value: u64,
    pub meaning: String,
    pub detail: String,
}

/// What the second exception code holds for a type (and arch).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecondCode {
    pub exception: String,
    #[serde(default)]
    pub arch: Option<String>,
    /// "address", "pc" or "instruction".
    pub role: String,
    pub meaning: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    pub name: String,
    pub number: u64,
    pub meaning: String,
}

/// A subtype or code name: KERN_INVALID_ADDRESS, EXC_I386_GPFLT, SEGV_MAPERR, GUARD_TYPE_FD...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subtype {
    pub name: String,
    pub exception: Option<String>,
    pub signal: Option<String>,
    pub arch: Option<String>,
    pub code: Option<u64>,
    pub meaning: String,
    /// The meaning when the subtype gives the pointer-authentication form
    /// "at SIGNED -> STRIPPED (possible pointer authentication failure)": the signed
    /// pointer failed authentication, whether or not the stripped address is mapped.
    pub pac_meaning: Option<String>,
    /// Fault classifications this subtype establishes ("alignment", "pointer_auth").
    pub kinds: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Namespace {
    pub name: String,
    pub meaning: String,
    pub category: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminationCode {
    pub code: u64,
    /// Empty: any namespace but SIGNAL.
    pub namespaces: Vec<String>,
    pub nickname: String,
    pub meaning: String,
    pub category: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchdogEvent {
    pub event: String,
    pub meaning: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsrClass {
    pub ec: u32,
    pub meaning: String,
    pub kind: String,
    /// From a lower exception level: user mode, for a user process.
    pub lower_el: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultStatus {
    pub code: u32,
    pub name: String,
    pub level: Option<i32>,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsrTerm {
    pub term: String,
    pub classes: Vec<u32>,
    pub fault_kinds: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poison {
    pub value: u64,
    pub repeat: bool,
    pub name: String,
    pub meaning: String,
}

impl Poison {
    /// The forms this pattern takes as a pointer: the 32-bit value, and the value twice as 64
    /// bits when it repeats.
    pub fn forms(&self) -> Vec<u64> {
        let mut v = vec![self.value];
        if self.repeat && self.value <= u64::from(u32::MAX) {
            v.push((self.value << 32) | self.value);
        }
        v
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentinel {
    pub value: u64,
    pub name: String,
    pub meaning: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageSize {
    pub arch: String,
    pub bytes: u64,
    pub note: String,
}

/// All code tables, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Codes {
    pub exception_types: Vec<ExceptionType>,
    pub numeric_types: Vec<NumericType>,
    pub second_codes: Vec<SecondCode>,
    pub signals: Vec<Signal>,
    pub subtypes: Vec<Subtype>,
    pub namespaces: Vec<Namespace>,
    pub termination_codes: Vec<TerminationCode>,
    pub watchdog_events: Vec<WatchdogEvent>,
    pub esr_classes: Vec<EsrClass>,
    pub fault_statuses: Vec<FaultStatus>,
    pub esr_terms: Vec<EsrTerm>,
    pub poisons: Vec<Poison>,
    pub sentinels: Vec<Sentinel>,
    pub page_sizes: Vec<PageSize>,
}

fn invalid(message: impl Into<String>) -> KnowledgeError {
    KnowledgeError::Invalid {
        file: FILE.to_string(),
        message: message.into(),
    }
}

fn num(table: &str, key: &str, s: &str) -> Result<u64, KnowledgeError> {
    crashlens_model::hex::parse(s)
        .ok_or_else(|| invalid(format!("[[{table}]] {key}: {s:?} is not a number")))
}

fn num32(table: &str, key: &str, s: &str) -> Result<u32, KnowledgeError> {
    let v = num(table, key, s)?;
    u32::try_from(v).map_err(|_| invalid(format!("[[{table}]] {key}: {s:?} is too large")))
}

fn unique(table: &str, keys: impl IntoIterator<Item = String>) -> Result<(), KnowledgeError> {
    let mut seen = HashSet::new();
    for k in keys {
        if !seen.insert(k.clone()) {
            return Err(invalid(format!("[[{table}]]: duplicate key {k}")));
        }
    }
    Ok(())
}

fn one_of(table: &str, key: &str, v: &str, allowed: &[&str]) -> Result<(), KnowledgeError> {
    if allowed.contains(&v) {
        Ok(())
    } else {
        Err(invalid(format!(
            "[[{table}]] {key}: {v:?} is not one of {allowed:?}"
        )))
    }
}

fn non_empty(table: &str, key: &str, v: &str) -> Result<(), KnowledgeError> {
    if v.trim().is_empty() {
        Err(invalid(format!("[[{table}]] {key} is empty")))
    } else {
        Ok(())
    }
}

/// Parses and validates a codes table.
pub fn parse(text: &str) -> Result<Codes, KnowledgeError> {
    let raw: RawFile = parse_toml(FILE, text)?;
    let mut c = Codes::default();

    for r in raw.exception_type {
        non_empty("exception_type", "meaning", &r.meaning)?;
        c.exception_types.push(ExceptionType {
            number: num("exception_type", "number", &r.number)?,
            name: r.name,
            meaning: r.meaning,
            detail: r.detail,
        });
    }
    unique(
        "exception_type",
        c.exception_types.iter().map(|e| e.name.clone()),
    )?;
    unique(
        "exception_type",
        c.exception_types
            .iter()
            .map(|e| format!("number {}", e.number)),
    )?;

    for r in raw.numeric_type {
        c.numeric_types.push(NumericType {
            value: num("numeric_type", "value", &r.value)?,
            meaning: r.meaning,
            detail: r.detail,
        });
    }
    unique(
        "numeric_type",
        c.numeric_types.iter().map(|e| e.value.to_string()),
    )?;

    for r in &raw.second_code {
        if c.exception_type(&r.exception).is_none() {
            return Err(invalid(format!(
                "[[second_code]]: unknown exception {}",
                r.exception
            )));
        }
        one_of("second_code", "role", &r.role, SECOND_CODE_ROLES)?;
        if let Some(a) = &r.arch {
            one_of("second_code", "arch", a, ARCHES)?;
        }
    }
    c.second_codes = raw.second_code;
    unique(
        "second_code",
        c.second_codes
            .iter()
            .map(|s| format!("{}/{:?}", s.exception, s.arch)),
    )?;

    for r in raw.signal {
        c.signals.push(Signal {
            number: num("signal", "number", &r.number)?,
            name: r.name,
            meaning: r.meaning,
        });
    }
    unique("signal", c.signals.iter().map(|s| s.name.clone()))?;
    unique(
        "signal",
        c.signals.iter().map(|s| format!("number {}", s.number)),
    )?;

    for r in raw.subtype {
        if let Some(e) = &r.exception {
            if c.exception_type(e).is_none() {
                return Err(invalid(format!(
                    "[[subtype]] {}: unknown exception {e}",
                    r.name
                )));
            }
        }
        if let Some(s) = &r.signal {
            if c.signal(s).is_none() {
                return Err(invalid(format!(
                    "[[subtype]] {}: unknown signal {s}",
                    r.name
                )));
            }
        }
        if let Some(a) = &r.arch {
            one_of("subtype", "arch", a, ARCHES)?;
        }
        for k in &r.kinds {
            one_of("subtype", "kinds", k, FAULT_KINDS)?;
        }
        if r.code.is_some() && r.exception.is_none() && r.signal.is_none() {
            return Err(invalid(format!(
                "[[subtype]] {}: a code needs an exception or a signal",
                r.name
            )));
        }
        let code = match &r.code {
            Some(s) => Some(num("subtype", "code", s)?),
            None => None,
        };
        c.subtypes.push(Subtype {
            name: r.name,
            exception: r.exception,
            signal: r.signal,
            arch: r.arch,
            code,
            meaning: r.meaning,
            pac_meaning: r.pac_meaning,
            kinds: r.kinds,
        });
    }
    unique("subtype", c.subtypes.iter().map(|s| s.name.clone()))?;
    unique(
        "subtype",
        c.subtypes.iter().filter_map(|s| {
            s.code
                .map(|code| format!("{:?}/{:?}/{:?}/{code}", s.exception, s.signal, s.arch))
        }),
    )?;

    for n in &raw.namespace {
        one_of("namespace", "category", &n.category, CATEGORIES)?;
    }
    c.namespaces = raw.namespace;
    unique("namespace", c.namespaces.iter().map(|n| n.name.clone()))?;

    for r in raw.termination_code {
        one_of("termination_code", "category", &r.category, CATEGORIES)?;
        for n in &r.namespaces {
            if c.namespace(n).is_none() {
                return Err(invalid(format!(
                    "[[termination_code]] {}: unknown namespace {n}",
                    r.code
                )));
            }
        }
        c.termination_codes.push(TerminationCode {
            code: num("termination_code", "code", &r.code)?,
            namespaces: r.namespaces,
            nickname: r.nickname,
            meaning: r.meaning,
            category: r.category,
        });
    }
    unique(
        "termination_code",
        c.termination_codes.iter().flat_map(|t| {
            if t.namespaces.is_empty() {
                vec![format!("*/{:#x}", t.code)]
            } else {
                t.namespaces
                    .iter()
                    .map(|n| format!("{n}/{:#x}", t.code))
                    .collect()
            }
        }),
    )?;

    c.watchdog_events = raw.watchdog_event;
    unique(
        "watchdog_event",
        c.watchdog_events.iter().map(|w| w.event.clone()),
    )?;

    for r in raw.esr_class {
        let ec = num32("esr_class", "ec", &r.ec)?;
        if ec > 0x3f {
            return Err(invalid(format!("[[esr_class]] ec {ec:#x} is above 0x3f")));
        }
        one_of("esr_class", "kind", &r.kind, ESR_KINDS)?;
        c.esr_classes.push(EsrClass {
            ec,
            meaning: r.meaning,
            kind: r.kind,
            lower_el: r.lower_el,
        });
    }
    unique(
        "esr_class",
        c.esr_classes.iter().map(|e| format!("{:#04x}", e.ec)),
    )?;

    for r in raw.fault_status {
        let code = num32("fault_status", "code", &r.code)?;
        if code > 0x3f {
            return Err(invalid(format!(
                "[[fault_status]] code {code:#x} is above 0x3f"
            )));
        }
        if let Some(l) = r.level {
            if !(-1..=3).contains(&l) {
                return Err(invalid(format!(
                    "[[fault_status]] {code:#x}: level {l} is not -1..=3"
                )));
            }
        }
        one_of("fault_status", "kind", &r.kind, FAULT_STATUS_KINDS)?;
        c.fault_statuses.push(FaultStatus {
            code,
            name: r.name,
            level: r.level,
            kind: r.kind,
        });
    }
    unique(
        "fault_status",
        c.fault_statuses.iter().map(|f| format!("{:#04x}", f.code)),
    )?;

    for r in raw.esr_term {
        let mut classes = Vec::new();
        for s in &r.classes {
            let ec = num32("esr_term", "classes", s)?;
            if c.esr_class(ec).is_none() {
                return Err(invalid(format!(
                    "[[esr_term]] {}: unknown class {s}",
                    r.term
                )));
            }
            classes.push(ec);
        }
        for k in &r.fault_kinds {
            one_of("esr_term", "fault_kinds", k, FAULT_STATUS_KINDS)?;
        }
        if classes.is_empty() && r.fault_kinds.is_empty() {
            return Err(invalid(format!(
                "[[esr_term]] {}: names neither classes nor fault kinds",
                r.term
            )));
        }
        c.esr_terms.push(EsrTerm {
            term: r.term,
            classes,
            fault_kinds: r.fault_kinds,
        });
    }
    unique(
        "esr_term",
        c.esr_terms.iter().map(|t| t.term.to_ascii_lowercase()),
    )?;

    for r in raw.poison {
        c.poisons.push(Poison {
            value: num("poison", "value", &r.value)?,
            repeat: r.repeat,
            name: r.name,
            meaning: r.meaning,
        });
    }
    unique("poison", c.poisons.iter().map(|p| p.value.to_string()))?;

    for r in raw.sentinel {
        c.sentinels.push(Sentinel {
            value: num("sentinel", "value", &r.value)?,
            name: r.name,
            meaning: r.meaning,
        });
    }
    unique("sentinel", c.sentinels.iter().map(|p| p.value.to_string()))?;
    unique(
        "poison/sentinel",
        c.poisons
            .iter()
            .map(|p| p.value.to_string())
            .chain(c.sentinels.iter().map(|s| s.value.to_string())),
    )?;

    for r in raw.page_size {
        one_of("page_size", "arch", &r.arch, ARCHES)?;
        let bytes = num("page_size", "bytes", &r.bytes)?;
        if !bytes.is_power_of_two() {
            return Err(invalid(format!(
                "[[page_size]] {}: {bytes} is not a power of two",
                r.arch
            )));
        }
        c.page_sizes.push(PageSize {
            arch: r.arch,
            bytes,
            note: r.note,
        });
    }
    unique("page_size", c.page_sizes.iter().map(|p| p.arch.clone()))?;

    Ok(c)
}

static BUILTIN: OnceLock<Result<Codes, KnowledgeError>> = OnceLock::new();

/// The built-in table, parsed once; an error if it does not validate (the tests make sure it does).
pub fn try_builtin() -> Result<&'static Codes, &'static KnowledgeError> {
    BUILTIN.get_or_init(|| parse(BUILTIN_TOML)).as_ref()
}

/// The built-in table; empty tables if it failed to validate, so analysis degrades rather than
/// panics.
pub fn builtin() -> &'static Codes {
    static EMPTY: OnceLock<Codes> = OnceLock::new();
    match try_builtin() {
        Ok(c) => c,
        Err(_) => EMPTY.get_or_init(Codes::default),
    }
}

impl Codes {
    /// An exception type by name ("EXC_BAD_ACCESS").
    pub fn exception_type(&self, name: &str) -> Option<&ExceptionType> {
        self.exception_types.iter().find(|e| e.name == name)
    }

    /// An exception type by number.
    pub fn exception_type_number(&self, number: u64) -> Option<&ExceptionType> {
        self.exception_types.iter().find(|e| e.number == number)
    }

    pub fn numeric_type(&self, value: u64) -> Option<&NumericType> {
        self.numeric_types.iter().find(|e| e.value == value)
    }

    /// What codes[1] holds for an exception type on an arch ("arm64", "x86_64").
    pub fn second_code(&self, exception: &str, arch: &str) -> Option<&SecondCode> {
        let matching = |s: &&SecondCode| s.exception == exception;
        self.second_codes
            .iter()
            .filter(matching)
            .find(|s| s.arch.as_deref() == Some(arch))
            .or_else(|| {
                self.second_codes
                    .iter()
                    .filter(matching)
                    .find(|s| s.arch.is_none())
            })
    }

    /// A signal by name ("SIGSEGV").
    pub fn signal(&self, name: &str) -> Option<&Signal> {
        self.signals.iter().find(|s| s.name == name)
    }

    pub fn signal_number(&self, number: u64) -> Option<&Signal> {
        self.signals.iter().find(|s| s.number == number)
    }

    /// A subtype or code name ("KERN_INVALID_ADDRESS", "UNKNOWN_0x32").
    pub fn subtype(&self, name: &str) -> Option<&Subtype> {
        self.subtypes.iter().find(|s| s.name == name)
    }

    /// The name of codes[0] for an exception type on an arch: the arch-specific entry first.
    pub fn subtype_for_code(&self, exception: &str, arch: &str, code: u64) -> Option<&Subtype> {
        let matching =
            |s: &&Subtype| s.exception.as_deref() == Some(exception) && s.code == Some(code);
        self.subtypes
            .iter()
            .filter(matching)
            .find(|s| s.arch.as_deref() == Some(arch))
            .or_else(|| {
                self.subtypes
                    .iter()
                    .filter(matching)
                    .find(|s| s.arch.is_none())
            })
    }

    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces
            .iter()
            .find(|n| n.name.eq_ignore_ascii_case(name))
    }

    /// The kill reason of a report with a numeric exception type (older iOS
    /// reports: `00000020`, the reason in the codes): its first exception
    /// code, when this table names it as a termination code (`0x8badf00d`,
    /// `0xc00010ff`, ...). The analysis explains it and signatures keep it.
    pub fn numeric_kill_reason(&self, kind: &str, codes: &[u64]) -> Option<&TerminationCode> {
        numeric_type_value(kind)?;
        self.termination_code(None, *codes.first()?)
    }

    /// A termination code in a namespace: an entry for that namespace first, then a
    /// namespace-free one (never for SIGNAL, whose codes are signal numbers).
    pub fn termination_code(&self, namespace: Option<&str>, code: u64) -> Option<&TerminationCode> {
        if let Some(ns) = namespace {
            if ns.eq_ignore_ascii_case("SIGNAL") {
                return None;
            }
            if let Some(t) = self
                .termination_codes
                .iter()
                .find(|t| t.code == code && t.namespaces.iter().any(|n| n.eq_ignore_ascii_case(ns)))
            {
                return Some(t);
            }
        }
        self.termination_codes
            .iter()
            .find(|t| t.code == code && t.namespaces.is_empty())
    }

    pub fn watchdog_event(&self, event: &str) -> Option<&WatchdogEvent> {
        self.watchdog_events
            .iter()
            .find(|w| w.event.eq_ignore_ascii_case(event))
    }

    pub fn esr_class(&self, ec: u32) -> Option<&EsrClass> {
        self.esr_classes.iter().find(|e| e.ec == ec)
    }

    pub fn fault_status(&self, code: u32) -> Option<&FaultStatus> {
        self.fault_statuses.iter().find(|f| f.code == code)
    }

    /// The poison pattern an address is (or lies just past, within `slack` bytes).
    pub fn poison_at(&self, addr: u64, slack: u64) -> Option<&Poison> {
        self.poisons.iter().find(|p| {
            p.forms()
                .iter()
                .any(|&f| addr.checked_sub(f).is_some_and(|d| d < slack))
        })
    }

    /// The sentinel an address is (or lies just past, within `slack` bytes).
    pub fn sentinel_at(&self, addr: u64, slack: u64) -> Option<&Sentinel> {
        self.sentinels
            .iter()
            .find(|s| addr.checked_sub(s.value).is_some_and(|d| d < slack))
    }

    /// The page size for an arch ("arm64").
    pub fn page_size(&self, arch: &str) -> Option<u64> {
        self.page_sizes
            .iter()
            .find(|p| p.arch == arch)
            .map(|p| p.bytes)
    }

    /// The smallest page size of any arch (4 KiB when the table names none):
    /// address slides move code by whole pages of its arch, so an address's
    /// offset within a page this size is the same in every run, whatever the
    /// arch. Page sizes are powers of two (checked when the table is read).
    pub fn smallest_page_size(&self) -> u64 {
        self.page_sizes
            .iter()
            .map(|p| p.bytes)
            .min()
            .unwrap_or(0x1000)
    }
}
