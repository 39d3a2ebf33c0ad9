//! Apple `.ips` JSON reports (bug_type 309, format version 2): the one-line
//! metadata header ([`Header`]) and the crash body, into [`CrashReport`].
//!
//! Integers stay `u64` (serde_json keeps them exact; nothing goes through f64).
//! A field of the wrong type is skipped and named in the extra
//! [`PROBLEMS_KEY`] (so is an index that points nowhere); it never panics and
//! never hides the rest of the report.
//! Body keys with no model field land in `extras` as compact JSON, in report
//! order.

use std::fmt;

use crashlens_model::{
    AppSpecific, Arch, CrashReport, Exception, Frame, Image, ProcessRef, Register, ReportFormat,
    Termination, Thread, ThreadState,
};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use std::borrow::Cow;

use crate::json_value::{Key, Map, Value};

use crate::ReadError;

/// The extras key listing what the reader skipped (a field of the wrong type)
/// or found inconsistent (an index past the end), "; "-separated.
pub const PROBLEMS_KEY: &str = "crashlens.read_problems";

/// A JSON object with its keys in file order (serde_json's own map sorts
/// them), its values borrowing from the text ([`crate::json_value`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Obj<'a>(pub Vec<(Cow<'a, str>, Value<'a>)>);

impl<'a> Obj<'a> {
    /// The first value for `key`.
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The first value whose key, trimmed, equals `key` (hand-edited headers
    /// carry keys like `"os_version "`).
    pub fn get_trimmed(&self, key: &str) -> Option<&Value<'a>> {
        self.0.iter().find(|(k, _)| k.trim() == key).map(|(_, v)| v)
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The last value for `key`: the one the reader ends up with when a file
    /// repeats a key.
    pub fn last(&self, key: &str) -> Option<&Value<'a>> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl<'de> Deserialize<'de> for Obj<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjVisitor;
        impl<'de> Visitor<'de> for ObjVisitor {
            type Value = Obj<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Obj<'de>, A::Error> {
                let mut out = Vec::new();
                while let Some((Key(k), v)) = map.next_entry::<Key<'de>, Value<'de>>()? {
                    out.push((k, v));
                }
                Ok(Obj(out))
            }
        }
        d.deserialize_map(ObjVisitor)
    }
}

/// Parses the first JSON object at the start of `s` (after whitespace); text
/// after it is allowed. Returns the object and the byte offset just past it.
pub fn parse_object<'s>(s: &'s str, what: &'static str) -> Result<(Obj<'s>, usize), ReadError> {
    let mut de = serde_json::Deserializer::from_str(s).into_iter::<Obj>();
    match de.next() {
        Some(Ok(obj)) => Ok((obj, de.byte_offset())),
        Some(Err(e)) => Err(json_error(what, &e)),
        None => Err(ReadError::malformed(what, "no JSON object found")),
    }
}

/// A serde_json error as a [`ReadError`] that says what went wrong in words.
pub fn json_error(what: &'static str, e: &serde_json::Error) -> ReadError {
    let msg = e.to_string();
    let text = if msg.contains("recursion limit") {
        format!(
            "JSON nested too deeply (over serde_json's limit of 128 levels) at line {} column {}",
            e.line(),
            e.column()
        )
    } else if e.is_eof() {
        format!(
            "the JSON ends early at line {} column {}: the file looks truncated",
            e.line(),
            e.column()
        )
    } else if e.is_syntax() {
        format!("invalid JSON: {msg}")
    } else {
        format!("unexpected JSON shape: {msg}")
    };
    ReadError::malformed(what, text)
}

/// A short description of a JSON value's type, for messages.
fn type_name(v: &Value<'_>) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_u64() => "an unsigned integer",
        Value::Number(n) if n.is_i64() => "a negative integer",
        Value::Number(_) => "a non-integer number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value as extras text: strings verbatim, everything else compact JSON.
pub fn extra_text(v: &Value<'_>) -> String {
    match v {
        Value::String(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// The `.ips` metadata line (line 1).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Header {
    pub bug_type: Option<String>,
    pub app_name: Option<String>,
    pub name: Option<String>,
    pub app_version: Option<String>,
    pub build_version: Option<String>,
    pub bundle_id: Option<String>,
    /// "iPhone OS 26.3.1 (23D8133)", as written.
    pub os_version: Option<String>,
    pub incident_id: Option<String>,
    pub platform: Option<u32>,
    pub timestamp: Option<String>,
    pub slice_uuid: Option<String>,
    /// Header keys with no field above, as (key, text).
    pub rest: Vec<(String, String)>,
}

/// A string field, or None when absent, empty or not a string.
fn nonempty_str(v: Option<&Value<'_>>) -> Option<String> {
    match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.to_string()),
        _ => None,
    }
}

/// bug_type is a string in real files; accept a number too.
pub fn bug_type_of(v: Option<&Value<'_>>) -> Option<String> {
    match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

impl Header {
    pub fn from_obj(obj: &Obj) -> Header {
        let mut h = Header::default();
        for (key, v) in &obj.0 {
            match key.trim() {
                "bug_type" => h.bug_type = bug_type_of(Some(v)),
                "app_name" => h.app_name = nonempty_str(Some(v)),
                "name" => h.name = nonempty_str(Some(v)),
                "app_version" => h.app_version = nonempty_str(Some(v)),
                "build_version" => h.build_version = nonempty_str(Some(v)),
                "bundleID" => h.bundle_id = nonempty_str(Some(v)),
                "os_version" => h.os_version = nonempty_str(Some(v)),
                "incident_id" => h.incident_id = nonempty_str(Some(v)),
                "platform" => h.platform = v.as_u64().and_then(|p| u32::try_from(p).ok()),
                "timestamp" => h.timestamp = nonempty_str(Some(v)),
                "slice_uuid" => h.slice_uuid = nonempty_str(Some(v)),
                _ => h
                    .rest
                    .push((format!("header.{}", key.trim()), extra_text(v))),
            }
        }
        h
    }

    /// Fills fields the report left empty with the header's facts, and adds the
    /// header's other keys to extras.
    pub fn fill(&self, r: &mut CrashReport) {
        fn set(dst: &mut Option<String>, src: &Option<String>) {
            if dst.is_none() {
                dst.clone_from(src);
            }
        }
        set(&mut r.source.bug_type, &self.bug_type);
        set(
            &mut r.process.name,
            &self.app_name.clone().or_else(|| self.name.clone()),
        );
        set(&mut r.process.version, &self.app_version);
        set(&mut r.process.build, &self.build_version);
        set(&mut r.process.identifier, &self.bundle_id);
        if let Some(os) = &self.os_version {
            let (version, build) = split_os_version(os);
            set(&mut r.system.os_version, &Some(version));
            set(&mut r.system.os_build, &build);
        }
        set(&mut r.system.incident_id, &self.incident_id);
        if r.system.platform.is_none() {
            r.system.platform = self.platform;
        }
        set(&mut r.system.capture_time, &self.timestamp);
        if let Some(uuid) = &self.slice_uuid {
            r.extras.push(("header.slice_uuid".into(), uuid.clone()));
        }
        r.extras.extend(self.rest.iter().cloned());
    }
}

/// "iPhone OS 16.0 (20A362)" -> ("iPhone OS 16.0", Some("20A362")).
pub fn split_os_version(s: &str) -> (String, Option<String>) {
    let t = s.trim();
    if let Some(open) = t.rfind(" (") {
        if let Some(inner) = t.get(open + 2..).and_then(|x| x.strip_suffix(')')) {
            if !inner.is_empty() && !inner.contains(' ') {
                return (t[..open].to_string(), Some(inner.to_string()));
            }
        }
    }
    (t.to_string(), None)
}

/// Maps a `cpuType` / "Code Type" string to an architecture.
pub fn arch_of(cpu: &str) -> Arch {
    let c = cpu.trim().to_ascii_uppercase();
    let c = c.split_whitespace().next().unwrap_or("");
    match c {
        "ARM-64" | "ARM64" | "ARM64E" | "ARM64_32" => Arch::Arm64,
        "X86-64" | "X86_64" => Arch::X86_64,
        "ARM" | "ARMV7" | "ARMV7S" => Arch::Arm32,
        "X86" | "I386" => Arch::X86,
        _ => Arch::Unknown,
    }
}

/// Collects what was skipped while reading the body.
#[derive(Default)]
struct Reader<'a> {
    skipped: Vec<String>,
    /// Per-thread and per-image keys with no model field, as extras.
    extras: Vec<(String, String)>,
    /// `legacyInfo.imageExtraInfo`: names and paths for the early positional
    /// image layout.
    image_extra: Vec<Value<'a>>,
}

/// A field's path in the body ("threads[3].frames[0].symbol"), written out
/// only when a problem with the field is reported.
#[derive(Clone, Copy)]
struct At<'a>(&'a dyn fmt::Display, Step<'a>);

#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

impl<'a> At<'a> {
    fn key(parent: &'a dyn fmt::Display, key: &'a str) -> Self {
        At(parent, Step::Key(key))
    }
    fn index(parent: &'a dyn fmt::Display, i: usize) -> Self {
        At(parent, Step::Index(i))
    }
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Step::Key(k) => write!(f, "{}.{k}", self.0),
            Step::Index(i) => write!(f, "{}[{i}]", self.0),
        }
    }
}

impl<'a> Reader<'a> {
    fn skip(&mut self, path: &dyn fmt::Display, expected: &str, found: &Value<'_>) {
        self.skipped.push(format!(
            "{path}: expected {expected}, found {}",
            type_name(found)
        ));
    }

    fn string(&mut self, path: &dyn fmt::Display, v: &Value<'_>) -> Option<String> {
        match v {
            Value::String(s) => Some(s.to_string()),
            Value::Null => None,
            other => {
                self.skip(path, "a string", other);
                None
            }
        }
    }

    fn u64(&mut self, path: &dyn fmt::Display, v: &Value<'_>) -> Option<u64> {
        match v {
            Value::Null => None,
            other => match other.as_u64() {
                Some(n) => Some(n),
                None => {
                    self.skip(path, "an unsigned integer", other);
                    None
                }
            },
        }
    }

    fn u32(&mut self, path: &dyn fmt::Display, v: &Value<'_>) -> Option<u32> {
        let n = self.u64(path, v)?;
        match u32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                self.skipped.push(format!("{path}: {n} is out of range"));
                None
            }
        }
    }

    fn bool(&mut self, path: &dyn fmt::Display, v: &Value<'_>) -> Option<bool> {
        match v {
            Value::Bool(b) => Some(*b),
            Value::Number(n) if n.as_u64() == Some(0) => Some(false),
            Value::Number(n) if n.as_u64() == Some(1) => Some(true),
            Value::Null => None,
            other => {
                self.skip(path, "a boolean", other);
                None
            }
        }
    }

    fn object<'v, 'b>(&mut self, path: &dyn fmt::Display, v: &'v Value<'b>) -> Option<&'v Map<'b>> {
        match v {
            Value::Object(m) => Some(m),
            Value::Null => None,
            other => {
                self.skip(path, "an object", other);
                None
            }
        }
    }

    fn array<'v, 'b>(
        &mut self,
        path: &dyn fmt::Display,
        v: &'v Value<'b>,
    ) -> Option<&'v Vec<Value<'b>>> {
        match v {
            Value::Array(a) => Some(a),
            Value::Null => None,
            other => {
                self.skip(path, "an array", other);
                None
            }
        }
    }
}

/// Whether [`parse_body`] reads the top-level body field `key` (it files any
/// other under `extras`, as text). A skimmed read builds only these; a test
/// checks the list against `parse_body`'s own.
pub(crate) fn reads_field(key: &str) -> bool {
    matches!(
        key,
        "version"
            | "bug_type"
            | "incident"
            | "crashReporterKey"
            | "modelCode"
            | "procName"
            | "pid"
            | "procPath"
            | "bundleInfo"
            | "cpuType"
            | "translated"
            | "procRole"
            | "parentProc"
            | "parentPid"
            | "responsibleProc"
            | "responsiblePid"
            | "userID"
            | "coalitionName"
            | "captureTime"
            | "procLaunch"
            | "osVersion"
            | "uptime"
            | "sip"
            | "exception"
            | "termination"
            | "asi"
            | "ktriageinfo"
            | "lastExceptionBacktrace"
            | "faultingThread"
            | "threads"
            | "usedImages"
            | "legacyInfo"
    ) || key.eq_ignore_ascii_case("vmRegionInfo")
}

/// Reads a crash body (and its header, when there was one) into the model.
pub fn parse_body(header: Option<&Header>, body: &Obj) -> Result<CrashReport, ReadError> {
    if !["threads", "exception", "procName", "usedImages"]
        .iter()
        .any(|k| body.has(k))
    {
        return Err(ReadError::malformed(
            "ips",
            "the JSON body has none of the crash fields (threads, exception, procName, usedImages)",
        ));
    }
    let mut rd = Reader::default();
    let mut r = CrashReport::default();
    r.source.format = ReportFormat::IpsJson;

    rd.image_extra = body
        .get("legacyInfo")
        .and_then(|l| l.get("imageExtraInfo"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // Images first: frames everywhere refer to them by index.
    let images: Vec<Option<Image>> = match body.get("usedImages") {
        Some(v) => match rd.array(&"usedImages", v) {
            Some(arr) => arr
                .iter()
                .enumerate()
                .map(|(i, im)| image(&mut rd, i, im))
                .collect(),
            None => Vec::new(),
        },
        None => Vec::new(),
    };

    let mut legacy = None;
    for (key, v) in &body.0 {
        match &**key {
            "version" => r.source.report_version = Some(extra_text(v)),
            "bug_type" => r.source.bug_type = bug_type_of(Some(v)),
            "incident" => r.system.incident_id = rd.string(key, v),
            "crashReporterKey" => r.system.crash_reporter_key = rd.string(key, v),
            "modelCode" => r.system.hardware_model = rd.string(key, v),
            "procName" => r.process.name = rd.string(key, v),
            "pid" => r.process.pid = rd.u64(key, v),
            "procPath" => r.process.path = rd.string(key, v),
            "bundleInfo" => bundle_info(&mut rd, &mut r, v),
            "cpuType" => {
                r.process.code_type = rd.string(key, v);
                if let Some(c) = &r.process.code_type {
                    r.process.arch = arch_of(c);
                }
            }
            "translated" => r.process.translated = rd.bool(key, v),
            "procRole" => r.process.role = rd.string(key, v),
            "parentProc" => proc_ref(&mut r.process.parent).name = rd.string(key, v),
            "parentPid" => proc_ref(&mut r.process.parent).pid = rd.u64(key, v),
            "responsibleProc" => proc_ref(&mut r.process.responsible).name = rd.string(key, v),
            "responsiblePid" => proc_ref(&mut r.process.responsible).pid = rd.u64(key, v),
            "userID" => r.process.user_id = rd.u64(key, v),
            "coalitionName" => r.process.coalition = rd.string(key, v),
            "captureTime" => r.system.capture_time = rd.string(key, v),
            "procLaunch" => r.process.launch_time = rd.string(key, v),
            "osVersion" => os_version(&mut rd, &mut r, v),
            "uptime" => r.system.uptime_seconds = rd.u64(key, v),
            "sip" => r.system.sip = rd.string(key, v),
            k if k.eq_ignore_ascii_case("vmRegionInfo") => {
                let s = rd.string(key, v);
                if r.vm_region_info.is_none() {
                    r.vm_region_info = s;
                } else if s.is_some() && s != r.vm_region_info {
                    r.extras.push((key.to_string(), extra_text(v)));
                }
            }
            "exception" => r.exception = exception(&mut rd, &mut r.extras, v),
            "termination" => r.termination = termination(&mut rd, &mut r.extras, v),
            "asi" => r.app_specific = asi(&mut rd, v),
            "ktriageinfo" => r.kernel_triage = rd.string(key, v),
            "lastExceptionBacktrace" => {
                if let Some(arr) = rd.array(key, v) {
                    r.last_exception_backtrace = frames(&mut rd, key, arr, &images);
                }
            }
            "faultingThread" => r.crashed_thread = rd.u32(key, v),
            "threads" => {
                if let Some(arr) = rd.array(key, v) {
                    r.threads = arr
                        .iter()
                        .enumerate()
                        .filter_map(|(i, t)| thread(&mut rd, i, t, &images))
                        .collect();
                }
            }
            "usedImages" => {}
            "legacyInfo" => legacy = Some(v),
            _ => {
                debug_assert!(!reads_field(key), "{key} is read but falls to extras");
                r.extras.push((key.to_string(), extra_text(v)))
            }
        }
    }

    match r.crashed_thread {
        // `triggered` says it too, when faultingThread is missing.
        None => r.crashed_thread = r.threads.iter().find(|t| t.crashed).map(|t| t.number),
        Some(n) if !r.threads.is_empty() && r.thread(n).is_none() => rd.skipped.push(format!(
            "faultingThread: {n} is past the {} threads",
            r.threads.len()
        )),
        Some(_) => {}
    }
    // The legacy "Triggered by Thread" name/queue, where the thread lacks them.
    if let Some(v) = legacy {
        legacy_info(&mut rd, &mut r, v);
    }
    r.images = images.into_iter().map(Option::unwrap_or_default).collect();
    mark_main_image(&mut r, header);
    if let Some(h) = header {
        h.fill(&mut r);
    }
    r.extras.append(&mut rd.extras);
    if !rd.skipped.is_empty() {
        r.extras.push((PROBLEMS_KEY.into(), rd.skipped.join("; ")));
    }
    Ok(r)
}

fn proc_ref(slot: &mut Option<ProcessRef>) -> &mut ProcessRef {
    slot.get_or_insert_with(ProcessRef::default)
}

/// Marks the main executable (its path is `procPath`, or its uuid is the
/// header's `slice_uuid`) as user code.
fn mark_main_image(r: &mut CrashReport, header: Option<&Header>) {
    let path = r.process.path.clone();
    let uuid = header
        .and_then(|h| h.slice_uuid.as_deref())
        .map(str::to_ascii_lowercase);
    for im in &mut r.images {
        let by_path = path.is_some() && im.path == path;
        let by_uuid = uuid.is_some() && im.uuid.as_deref() == uuid.as_deref();
        if by_path || by_uuid {
            im.user_code = true;
        }
    }
}

fn bundle_info(rd: &mut Reader<'_>, r: &mut CrashReport, v: &Value<'_>) {
    let Some(m) = rd.object(&"bundleInfo", v) else {
        return;
    };
    for (k, val) in m {
        let path = format!("bundleInfo.{k}");
        match k {
            "CFBundleShortVersionString" => r.process.version = rd.string(&path, val),
            "CFBundleVersion" => r.process.build = rd.string(&path, val),
            "CFBundleIdentifier" => r.process.identifier = rd.string(&path, val),
            _ => r.extras.push((path, extra_text(val))),
        }
    }
}

fn os_version(rd: &mut Reader<'_>, r: &mut CrashReport, v: &Value<'_>) {
    let Some(m) = rd.object(&"osVersion", v) else {
        return;
    };
    for (k, val) in m {
        let path = format!("osVersion.{k}");
        match k {
            "train" => r.system.os_version = rd.string(&path, val),
            "build" => r.system.os_build = rd.string(&path, val),
            "releaseType" => r.system.release_type = rd.string(&path, val),
            _ => r.extras.push((path, extra_text(val))),
        }
    }
}

fn exception(
    rd: &mut Reader<'_>,
    extras: &mut Vec<(String, String)>,
    v: &Value<'_>,
) -> Option<Exception> {
    let m = rd.object(&"exception", v)?;
    let mut e = Exception::default();
    for (k, val) in m {
        let path = format!("exception.{k}");
        match k {
            "type" => e.kind = rd.string(&path, val),
            "signal" => e.signal = rd.string(&path, val),
            "subtype" => e.subtype = rd.string(&path, val),
            "codes" => e.codes_text = rd.string(&path, val),
            "message" => e.message = rd.string(&path, val),
            "rawCodes" => {
                if let Some(arr) = rd.array(&path, val) {
                    for (i, c) in arr.iter().enumerate() {
                        // Codes are 64-bit words; a negative number is the same
                        // bits written signed.
                        match (c.as_u64(), c.as_i64()) {
                            (Some(n), _) => e.codes.push(n),
                            (None, Some(n)) => e.codes.push(n as u64),
                            _ => rd.skip(&At::index(&path, i), "an integer", c),
                        }
                    }
                }
            }
            _ => extras.push((path, extra_text(val))),
        }
    }
    if e.codes.is_empty() {
        if let Some(text) = &e.codes_text {
            let parsed: Option<Vec<u64>> = text
                .split(',')
                .map(|c| crashlens_model::hex::parse(c.trim()))
                .collect();
            e.codes = parsed.unwrap_or_default();
        }
    }
    Some(e)
}

fn termination(
    rd: &mut Reader<'_>,
    extras: &mut Vec<(String, String)>,
    v: &Value<'_>,
) -> Option<Termination> {
    let m = rd.object(&"termination", v)?;
    let mut t = Termination::default();
    for (k, val) in m {
        let path = format!("termination.{k}");
        match k {
            "namespace" => t.namespace = rd.string(&path, val),
            "code" => t.code = rd.u64(&path, val),
            "indicator" => t.indicator = rd.string(&path, val),
            "byProc" => t.by_process = rd.string(&path, val),
            "byPid" => t.by_pid = rd.u64(&path, val),
            "flags" => t.flags = rd.u64(&path, val),
            "reasons" | "details" => {
                let lines: Vec<String> = match val {
                    Value::Array(a) => a.iter().map(extra_text).collect(),
                    Value::String(s) => vec![s.to_string()],
                    other => {
                        rd.skip(&path, "an array of strings", other);
                        Vec::new()
                    }
                };
                if !lines.is_empty() {
                    let joined = lines.join("\n");
                    t.description = Some(match t.description.take() {
                        Some(prev) => format!("{prev}\n{joined}"),
                        None => joined,
                    });
                }
            }
            _ => extras.push((path, extra_text(val))),
        }
    }
    Some(t)
}

fn asi(rd: &mut Reader<'_>, v: &Value<'_>) -> Vec<AppSpecific> {
    let Some(m) = rd.object(&"asi", v) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (image, val) in m {
        let lines = match val {
            Value::Array(a) => a.iter().map(extra_text).collect(),
            Value::String(s) => vec![s.to_string()],
            other => {
                rd.skip(&format!("asi.{image}"), "an array of strings", other);
                continue;
            }
        };
        out.push(AppSpecific {
            image: Some(image.to_string()),
            lines,
        });
    }
    out
}

fn legacy_info(rd: &mut Reader<'_>, r: &mut CrashReport, v: &Value<'_>) {
    let Some(m) = rd.object(&"legacyInfo", v) else {
        return;
    };
    for (k, val) in m {
        if k != "threadTriggered" {
            r.extras.push((format!("legacyInfo.{k}"), extra_text(val)));
            continue;
        }
        let Some(tt) = rd.object(&"legacyInfo.threadTriggered", val) else {
            continue;
        };
        let name = tt.get("name").and_then(Value::as_str).map(str::to_string);
        let queue = tt.get("queue").and_then(Value::as_str).map(str::to_string);
        let target = match r.crashed_thread {
            Some(n) => r.threads.iter_mut().find(|t| t.number == n),
            None => r.threads.iter_mut().find(|t| t.crashed),
        };
        if let Some(t) = target {
            if t.name.is_none() {
                t.name = name;
            }
            if t.queue.is_none() {
                t.queue = queue;
            }
        } else {
            r.extras
                .push(("legacyInfo.threadTriggered".into(), extra_text(val)));
        }
    }
}

fn image(rd: &mut Reader<'_>, i: usize, v: &Value<'_>) -> Option<Image> {
    let path = At::index(&"usedImages", i);
    if let Value::Array(a) = v {
        return positional_image(rd, &path, i, a);
    }
    let m = rd.object(&path, v)?;
    let mut im = Image::default();
    let mut have_base = false;
    for (k, val) in m {
        let p = At::key(&path, k);
        match k {
            "base" => {
                if let Some(b) = rd.u64(&p, val) {
                    im.base = b;
                    have_base = true;
                }
            }
            "size" => im.size = rd.u64(&p, val),
            "name" => im.name = rd.string(&p, val),
            "path" => im.path = rd.string(&p, val),
            "uuid" => im.uuid = rd.string(&p, val).map(|u| u.to_ascii_lowercase()),
            "arch" => im.arch = rd.string(&p, val),
            "source" => im.placeholder = val.as_str() == Some("A"),
            "CFBundleIdentifier" => im.bundle_id = rd.string(&p, val),
            "CFBundleShortVersionString" => im.version = rd.string(&p, val),
            "CFBundleVersion" => im.build = rd.string(&p, val),
            _ => rd.extras.push((p.to_string(), extra_text(val))),
        }
    }
    if !have_base {
        rd.skipped.push(format!("{path}: no base address"));
        return None;
    }
    Some(im)
}

/// The early macOS 12 layout: `[uuid, base, source]`, with the name and path
/// in `legacyInfo.imageExtraInfo[i]`.
fn positional_image(
    rd: &mut Reader<'_>,
    path: &dyn fmt::Display,
    i: usize,
    a: &[Value<'_>],
) -> Option<Image> {
    let Some(base) = a.get(1).and_then(Value::as_u64) else {
        rd.skipped.push(format!(
            "{path}: a positional image without a base address at [1]"
        ));
        return None;
    };
    let mut im = Image {
        base,
        uuid: a
            .first()
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase),
        placeholder: a.get(2).and_then(Value::as_str) == Some("A"),
        ..Image::default()
    };
    if let Some(extra) = rd.image_extra.get(i) {
        im.name = extra
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string);
        im.path = extra
            .get("path")
            .and_then(Value::as_str)
            .map(str::to_string);
        im.size = extra.get("size").and_then(Value::as_u64);
        im.arch = extra
            .get("arch")
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    Some(im)
}

/// The early layout's frame: `[imageIndex, imageOffset]`.
fn positional_frame(a: &[Value<'_>]) -> Option<(Option<u64>, Option<u64>)> {
    match a {
        [ix, off, ..] => Some((ix.as_u64(), off.as_u64())),
        _ => None,
    }
}

fn frames(
    rd: &mut Reader<'_>,
    path: &dyn fmt::Display,
    arr: &[Value<'_>],
    images: &[Option<Image>],
) -> Vec<Frame> {
    let mut out = Vec::new();
    for (i, v) in arr.iter().enumerate() {
        let p = At::index(path, i);
        let mut f = Frame {
            index: u32::try_from(out.len()).unwrap_or(u32::MAX),
            ..Frame::default()
        };
        let mut image_index = None;
        let empty = Map::default();
        let m = match v {
            Value::Array(a) => match positional_frame(a) {
                Some((ix, off)) => {
                    image_index = ix;
                    f.image_offset = off;
                    &empty
                }
                None => {
                    rd.skip(&p, "an object or [imageIndex, imageOffset]", v);
                    continue;
                }
            },
            other => match rd.object(&p, other) {
                Some(m) => m,
                None => continue,
            },
        };
        for (k, val) in m {
            let kp = At::key(&p, k);
            match k {
                "imageIndex" => image_index = rd.u64(&kp, val),
                "imageOffset" => f.image_offset = rd.u64(&kp, val),
                "symbol" => f.symbol = rd.string(&kp, val),
                "symbolLocation" => f.symbol_offset = rd.u64(&kp, val),
                "sourceFile" => f.file = rd.string(&kp, val),
                "sourceLine" => f.line = rd.u32(&kp, val),
                "inline" => f.inlined = rd.bool(&kp, val).unwrap_or(false),
                _ => {}
            }
        }
        if let Some(ix) = image_index {
            match usize::try_from(ix)
                .ok()
                .and_then(|u| images.get(u).map(|im| (u, im)))
            {
                Some((u, Some(im))) => {
                    f.image_index = Some(u);
                    f.image = im.name.clone();
                    if let Some(off) = f.image_offset {
                        f.address = im.base.checked_add(off);
                    }
                }
                Some((u, None)) => f.image_index = Some(u),
                None => rd.skipped.push(format!(
                    "{p}.imageIndex: {ix} is past the {} images",
                    images.len()
                )),
            }
        }
        out.push(f);
    }
    out
}

/// The fields of a thread that [`thread`] reads for a signature or summary:
/// all it reads but the register state (`threadState`). The skimmed read
/// builds only these (see `skim.rs`); the others are checked, not built.
pub(crate) fn thread_field_for_summary(key: &str) -> bool {
    matches!(key, "id" | "name" | "queue" | "triggered" | "frames")
}

fn thread(
    rd: &mut Reader<'_>,
    i: usize,
    v: &Value<'_>,
    images: &[Option<Image>],
) -> Option<Thread> {
    let path = At::index(&"threads", i);
    let m = rd.object(&path, v)?;
    let mut t = Thread {
        number: u32::try_from(i).ok()?,
        ..Thread::default()
    };
    for (k, val) in m {
        let p = At::key(&path, k);
        match k {
            "id" => t.id = rd.u64(&p, val),
            "name" => t.name = rd.string(&p, val),
            "queue" => t.queue = rd.string(&p, val),
            "triggered" => t.crashed = rd.bool(&p, val).unwrap_or(false),
            "frames" => {
                if let Some(arr) = rd.array(&p, val) {
                    t.frames = frames(rd, &p, arr, images);
                }
            }
            "threadState" => t.state = thread_state(rd, &p, val),
            _ => rd.extras.push((p.to_string(), extra_text(val))),
        }
    }
    Some(t)
}

/// Register order per flavor; anything else the state holds follows.
const ARM64_NAMED: &[&str] = &["fp", "lr", "sp", "pc", "cpsr", "far", "esr"];
const ARM32_NAMED: &[&str] = &["sp", "lr", "pc", "cpsr", "far", "esr"];
const X86_64_NAMED: &[&str] = &[
    "rax", "rbx", "rcx", "rdx", "rdi", "rsi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13",
    "r14", "r15", "rip", "rflags", "cr2", "err", "trap", "cpu",
];

fn thread_state(
    rd: &mut Reader<'_>,
    path: &dyn fmt::Display,
    v: &Value<'_>,
) -> Option<ThreadState> {
    let m = rd.object(path, v)?;
    let flavor = m.get("flavor").and_then(Value::as_str).unwrap_or("");
    let (arch, array_key, array_prefix, named): (Arch, &str, &str, &[&str]) = match flavor {
        "ARM_THREAD_STATE64" => (Arch::Arm64, "x", "x", ARM64_NAMED),
        "ARM_THREAD_STATE" | "ARM_THREAD_STATE32" => (Arch::Arm32, "r", "r", ARM32_NAMED),
        "x86_THREAD_STATE" | "x86_THREAD_STATE64" => (Arch::X86_64, "", "", X86_64_NAMED),
        _ if m.contains_key("x") => (Arch::Arm64, "x", "x", ARM64_NAMED),
        _ if m.contains_key("rip") => (Arch::X86_64, "", "", X86_64_NAMED),
        _ => (Arch::Unknown, "x", "x", &[]),
    };
    let mut regs = Vec::new();
    if !array_key.is_empty() {
        if let Some(val) = m.get(array_key) {
            if let Some(arr) = rd.array(&At::key(path, array_key), val) {
                for (i, rv) in arr.iter().enumerate() {
                    let name = format!("{array_prefix}{i}");
                    let at = At::key(path, array_key);
                    if let Some(reg) = register(rd, &At::index(&at, i), name, rv) {
                        regs.push(reg);
                    }
                }
            }
        }
    }
    for name in named {
        if let Some(rv) = m.get(name) {
            if let Some(reg) = register(rd, &At::key(path, name), name.to_string(), rv) {
                regs.push(reg);
            }
        }
    }
    // Registers this flavor's list does not name, in file (key) order.
    for (k, rv) in m {
        if k == "flavor" || k == array_key || named.contains(&k) {
            continue;
        }
        if let Some(reg) = register(rd, &At::key(path, k), k.to_ascii_lowercase(), rv) {
            regs.push(reg);
        }
    }
    Some(ThreadState {
        arch,
        registers: regs,
    })
}

fn register(
    rd: &mut Reader<'_>,
    path: &dyn fmt::Display,
    name: String,
    v: &Value<'_>,
) -> Option<Register> {
    let m = rd.object(path, v)?;
    let value = match m.get("value") {
        Some(val) => rd.u64(&At::key(path, "value"), val)?,
        None => {
            rd.skipped.push(format!("{path}: no value"));
            return None;
        }
    };
    let mut reg = Register {
        name,
        value,
        points_to: None,
        description: None,
    };
    if let Some(sym) = m.get("symbol").and_then(Value::as_str) {
        reg.points_to = Some(match m.get("symbolLocation").and_then(Value::as_u64) {
            Some(loc) if loc > 0 => format!("{sym} + {loc}"),
            _ => sym.to_string(),
        });
    } else if let Some(sel) = m.get("objc-selector").and_then(Value::as_str) {
        reg.points_to = Some(format!("@selector({sel})"));
    }
    if let Some(d) = m.get("description").and_then(Value::as_str) {
        let d = d.trim();
        if !d.is_empty() {
            reg.description = Some(d.to_string());
        }
    }
    Some(reg)
}

#[cfg(test)]
mod tests {
    /// The keys a function of this file matches by name (`"key" =>` arms),
    /// read from its own source: from `header` to the first line that is a
    /// lone `}`.
    fn matched_keys(header: &str) -> Vec<&'static str> {
        let src: &'static str = include_str!("ips.rs");
        let start = src.find(header).unwrap();
        let body = &src[start..];
        let body = &body[..body.find("\n}\n").unwrap()];
        body.lines()
            .filter_map(|line| {
                let (key, tail) = line.trim_start().strip_prefix('"')?.split_once('"')?;
                tail.trim_start().starts_with("=>").then_some(key)
            })
            .collect()
    }

    /// Every field `thread` matches by name, except its register state, is
    /// one `thread_field_for_summary` names (the skim builds only those).
    #[test]
    fn thread_field_for_summary_names_every_field_thread_reads_but_registers() {
        let keys = matched_keys("\nfn thread(");
        for key in &keys {
            assert_eq!(
                super::thread_field_for_summary(key),
                *key != "threadState",
                "{key}"
            );
        }
        assert_eq!(keys.len(), 6, "fields found in thread(): {keys:?}");
        assert!(!super::thread_field_for_summary("instructionState"));
    }

    /// Every field `parse_body` matches by name is one `reads_field` names
    /// (the skim builds only those).
    #[test]
    fn reads_field_names_every_field_parse_body_reads() {
        let keys = matched_keys("pub fn parse_body(");
        for key in &keys {
            assert!(super::reads_field(key), "{key}");
        }
        assert!(keys.len() >= 30, "{} fields found", keys.len());
        for k in [
            "vmSummary",
            "trialInfo",
            "sharedCache",
            "memoryStatus",
            "extMods",
        ] {
            assert!(!super::reads_field(k), "{k}");
        }
        assert!(super::reads_field("VMRegionInfo"));
    }

    use super::*;

    fn body(s: &str) -> Obj<'_> {
        parse_object(s, "ips").unwrap().0
    }

    #[test]
    fn keeps_u64_exact() {
        let b = body(
            r#"{"procName":"a","threads":[{"threadState":{"flavor":"ARM_THREAD_STATE64","x":[{"value":18446744073709551615}],"pc":{"value":11555814439783484892}}}]}"#,
        );
        let r = parse_body(None, &b).unwrap();
        let st = r.threads[0].state.as_ref().unwrap();
        assert_eq!(st.value("x0"), Some(u64::MAX));
        assert_eq!(st.value("pc"), Some(11555814439783484892));
    }

    #[test]
    fn wrong_types_are_skipped_and_named() {
        let b = body(r#"{"procName":"a","pid":"12","threads":{"a":1},"faultingThread":-1}"#);
        let r = parse_body(None, &b).unwrap();
        assert_eq!(r.process.pid, None);
        assert!(r.threads.is_empty());
        let s = r.extra(PROBLEMS_KEY).unwrap();
        assert!(
            s.contains("pid: expected an unsigned integer, found a string"),
            "{s}"
        );
        assert!(
            s.contains("threads: expected an array, found an object"),
            "{s}"
        );
        assert!(s.contains("faultingThread"), "{s}");
    }

    #[test]
    fn frame_address_overflow_is_none() {
        let b = body(
            r#"{"procName":"a","usedImages":[{"base":18446744073709551615,"name":"x"}],"threads":[{"frames":[{"imageIndex":0,"imageOffset":2},{"imageIndex":7,"imageOffset":1}]}]}"#,
        );
        let r = parse_body(None, &b).unwrap();
        let f = &r.threads[0].frames;
        assert_eq!(f[0].address, None);
        assert_eq!(f[0].image.as_deref(), Some("x"));
        assert_eq!(f[1].image_index, None);
        assert!(r
            .extra(PROBLEMS_KEY)
            .unwrap()
            .contains("imageIndex: 7 is past the 1 images"));
    }

    /// The EXC_GUARD fragment quoted in docs/ips-format.md §3.1.
    #[test]
    fn guard_exception_keeps_message_and_big_code() {
        let b = body(
            r#"{"procName":"a","exception":{"port":78611,"signal":"SIGKILL","guardId":0,"codes":"0x0000000000013313, 0x0","violations":["INVALID_NAME"],"message":" INVALID_NAME on mach port 78611 (guarded with 0x0000000000000000)","subtype":"GUARD_TYPE_MACH_PORT","type":"EXC_GUARD","rawCodes":[78611,0]},"termination":{"namespace":"GUARD","flags":2,"code":2305845208237028115}}"#,
        );
        let r = parse_body(None, &b).unwrap();
        let e = r.exception.as_ref().unwrap();
        assert_eq!(e.kind.as_deref(), Some("EXC_GUARD"));
        assert_eq!(e.subtype.as_deref(), Some("GUARD_TYPE_MACH_PORT"));
        assert_eq!(
            e.message.as_deref(),
            Some(" INVALID_NAME on mach port 78611 (guarded with 0x0000000000000000)")
        );
        assert_eq!(e.codes, vec![78611, 0]);
        assert_eq!(r.extra("exception.port"), Some("78611"));
        assert_eq!(r.extra("exception.violations"), Some(r#"["INVALID_NAME"]"#));
        let t = r.termination.as_ref().unwrap();
        assert_eq!(t.code, Some(2305845208237028115));
        assert_eq!(t.namespace.as_deref(), Some("GUARD"));
        assert_eq!(t.flags, Some(2));
    }

    /// Codes only as text: parsed from the codes string.
    #[test]
    fn codes_from_text_when_raw_codes_are_missing() {
        let b = body(
            r#"{"procName":"a","exception":{"type":"EXC_BAD_ACCESS","codes":"0x0000000000000001, 0x00000000000005c8"}}"#,
        );
        let r = parse_body(None, &b).unwrap();
        assert_eq!(r.exception.unwrap().codes, vec![1, 0x5c8]);
    }

    /// The early macOS 12 layout (lldb review D98219): positional images and
    /// frames, names in legacyInfo.imageExtraInfo.
    #[test]
    fn positional_images_and_frames() {
        let b = body(
            r#"{"procName":"a","usedImages":[["UUID-A",4096,"P"],["00000000-0000-0000-0000-000000000000",0,"A"]],"legacyInfo":{"imageExtraInfo":[{"name":"libfoo.dylib","path":"/usr/lib/libfoo.dylib","size":8192}]},"threads":[{"frames":[[0,16],[1,0],["x"]]}]}"#,
        );
        let r = parse_body(None, &b).unwrap();
        assert_eq!(r.images.len(), 2);
        assert_eq!(r.images[0].name.as_deref(), Some("libfoo.dylib"));
        assert_eq!(r.images[0].uuid.as_deref(), Some("uuid-a"));
        assert!(r.images[1].placeholder);
        let f = &r.threads[0].frames;
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].address, Some(4096 + 16));
        assert_eq!(f[0].image.as_deref(), Some("libfoo.dylib"));
        assert_eq!(f[1].address, Some(0));
        assert!(r
            .extra(PROBLEMS_KEY)
            .unwrap()
            .contains("threads[0].frames[2]"));
    }

    #[test]
    fn per_thread_and_image_keys_become_extras() {
        let b = body(
            r#"{"procName":"a","usedImages":[{"base":1,"source":"P","extra":7}],"threads":[{"instructionState":{"offset":96}}]}"#,
        );
        let r = parse_body(None, &b).unwrap();
        assert_eq!(
            r.extra("threads[0].instructionState"),
            Some(r#"{"offset":96}"#)
        );
        assert_eq!(r.extra("usedImages[0].extra"), Some("7"));
    }

    #[test]
    fn crashed_thread_from_triggered_or_checked() {
        let b = body(r#"{"procName":"a","threads":[{},{"triggered":true}]}"#);
        assert_eq!(parse_body(None, &b).unwrap().crashed_thread, Some(1));
        let b = body(r#"{"procName":"a","faultingThread":5,"threads":[{}]}"#);
        let r = parse_body(None, &b).unwrap();
        assert_eq!(r.crashed_thread, Some(5), "kept as the report says");
        assert!(r
            .extra(PROBLEMS_KEY)
            .unwrap()
            .contains("faultingThread: 5 is past the 1 threads"));
    }

    #[test]
    fn splits_os_version() {
        assert_eq!(
            split_os_version("macOS 12.1 (21C52)"),
            ("macOS 12.1".to_string(), Some("21C52".to_string()))
        );
        assert_eq!(
            split_os_version("Bridge OS"),
            ("Bridge OS".to_string(), None)
        );
    }

    #[test]
    fn deep_nesting_is_a_clear_error() {
        let s = format!("{{\"a\":{}", "[".repeat(100_000));
        let e = parse_object(&s, "ips").unwrap_err().to_string();
        assert!(e.contains("nested too deeply"), "{e}");
    }
}
