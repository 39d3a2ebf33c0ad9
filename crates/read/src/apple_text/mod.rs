//! Apple's legacy text crash report layout (`.crash`, `Report Version` 6..106),
//! including third-party writers of the same layout (KSCrash, PLCrashReporter,
//! Sentry) and Console's "Translated Report" wrapper.
//!
//! [`parse`] walks the lines once: header and exception "Key: value" lines
//! ([`header`], [`exception`]), thread blocks ([`threads`], [`frame`]),
//! register dumps ([`thread_state`]), "Binary Images" ([`images`]; which of
//! them a skimmed read keeps, [`kept_images`]) and the
//! multi-line sections (Application Specific Information, VM Region Info,
//! Kernel Triage, Last Exception Backtrace). Then frames are matched to images.
//! Reports that are not process crashes (kernel panics, stackshots, EXC_RESOURCE
//! CPU/wakeup reports) end in [`ReadError::NotACrashReport`].

mod exception;
mod frame;
mod header;
mod images;
mod kept_images;
mod num;
mod thread_state;
mod threads;

use crashlens_model::{AppSpecific, CrashReport, Frame, ReportFormat, Thread};

use crate::text::Trim as _;
use crate::{ReadError, ReadOptions};
use threads::ThreadLine;

/// What Console's wrapper starts with; a text without it is not searched again.
pub(crate) const TRANSLATED: &str = "Translated Report";

/// [`TRANSLATED`], searched for by its `R` (under 2 in 1,000 bytes of the
/// Apple corpus are an `R`).
pub(crate) static TRANSLATED_NEEDLE: crate::text::RareNeedle =
    crate::text::RareNeedle::new(TRANSLATED, 11);

/// Parses a legacy text report body (no `.ips` header line; a stray one-line
/// JSON header is skipped). Console's "Translated Report" wrapper is accepted.
pub fn parse(text: &str) -> Result<CrashReport, ReadError> {
    parse_with(text, &ReadOptions::full())
}

/// [`parse`], reading as much as `opts` asks: with [`Detail::Crashed`](crate::Detail)
/// the frames of threads other than the crashed one are passed over unread
/// (those threads are left out), and of the Binary Images only those the
/// crashed frames lie in, the main executable and those `opts` asks for are kept.
pub fn parse_with(text: &str, opts: &ReadOptions) -> Result<CrashReport, ReadError> {
    parse_lines(text, crate::text::line_vec(text), opts, true)
}

/// [`parse_with`] for `text` already split into `lines` (as
/// [`crate::text::lines`] splits it). `translated` is false when `text` is
/// known to hold no "Translated Report" (the reader searched the whole file).
pub(crate) fn parse_lines<'a>(
    text: &'a str,
    lines: Vec<&'a str>,
    opts: &ReadOptions,
    translated: bool,
) -> Result<CrashReport, ReadError> {
    let mut p = Parser::new(text, lines, *opts, translated);
    if let Some(first) = p.lines.first() {
        if first.trim_start().starts_with("panic(") {
            return Err(ReadError::NotACrashReport {
                kind: "kernel panic".into(),
                detail: Some(clip(first.trimmed(), 200)),
            });
        }
    }
    p.run();
    if !p.skim_held() {
        // The crashed thread changed after threads or images were passed over
        // (two "Crashed Thread" lines, say): read it all.
        return parse_with(text, &ReadOptions::full());
    }
    p.finish()
}

struct Parser<'a> {
    opts: ReadOptions,
    lines: Vec<&'a str>,
    pos: usize,
    report: CrashReport,
    pending: header::Pending,
    crashed: exception::CrashedLine,
    /// Name/queue from "Thread N name:" waiting for its "Thread N:" line.
    pending_name: Option<(u32, Option<String>, Option<String>)>,
    /// The thread whose register state was read last ("Logical CPU" etc. join it).
    last_state_thread: Option<u32>,
    /// Index in `extras` of an open multi-line section that takes stray lines.
    open_extra: Option<usize>,
    /// The open section was a multi-line one (it goes on after blank lines).
    open_extra_multiline: bool,
    has_microstackshots: bool,
    /// With [`Detail::Crashed`](crate::Detail): threads whose frames were passed over.
    skipped: Vec<u32>,
    /// With [`Detail::Crashed`](crate::Detail): the crashed thread the images were chosen for.
    images_for: Option<Option<u32>>,
    /// An image line was read, kept or not (a skimmed read may keep none).
    images_seen: bool,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, mut lines: Vec<&'a str>, opts: ReadOptions, translated: bool) -> Self {
        let mut report = CrashReport::default();
        report.source.format = ReportFormat::AppleText;
        // A one-line JSON header left on the text.
        if let Some(first) = lines.first() {
            let t = first.trimmed();
            if t.starts_with('{') && t.ends_with('}') {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(t) {
                    report.source.bug_type = v
                        .get("bug_type")
                        .and_then(|b| b.as_str())
                        .map(str::to_string);
                }
                lines.remove(0);
            }
        }
        // Console's "Translated Report (Full Report Below)" wrapper.
        let (lines, wrapped) = if translated && TRANSLATED_NEEDLE.find(text.as_bytes()).is_some() {
            unwrap_translated(lines)
        } else {
            (lines, false)
        };
        report.source.wrapped = wrapped;
        Parser {
            opts,
            lines,
            pos: 0,
            report,
            pending: header::Pending::default(),
            crashed: exception::CrashedLine::default(),
            pending_name: None,
            last_state_thread: None,
            open_extra: None,
            open_extra_multiline: false,
            has_microstackshots: false,
            skipped: Vec::new(),
            images_for: None,
            images_seen: false,
        }
    }

    fn peek(&self) -> Option<&'a str> {
        self.lines.get(self.pos).copied()
    }

    fn run(&mut self) {
        while let Some(raw) = self.peek() {
            let line = crate::text::trim_end(raw);
            if crate::text::trim_start(line).is_empty() {
                if !self.open_extra_multiline {
                    self.open_extra = None;
                }
                self.pos += 1;
                continue;
            }
            if let Some((n, flavor)) = thread_state::parse_state_header(line) {
                self.open_extra = None;
                self.pos += 1;
                self.read_state(n, &flavor);
                continue;
            }
            if let Some(tl) = threads::parse_thread_line(line) {
                self.pos += 1;
                self.open_extra = None;
                match tl {
                    ThreadLine::Name {
                        number,
                        name,
                        queue,
                    } => self.pending_name = Some((number, name, queue)),
                    ThreadLine::Start {
                        number,
                        crashed,
                        name,
                        queue,
                    } => self.read_thread(number, crashed, name, queue),
                    ThreadLine::Other => self.read_generic(line.trim_end_matches(':'), ""),
                }
                continue;
            }
            if line.starts_with("Binary Images") && line.ends_with(':') {
                self.open_extra = None;
                self.pos += 1;
                self.read_images();
                continue;
            }
            if line == "Last Exception Backtrace:"
                || line.starts_with("Application Specific Backtrace")
            {
                self.open_extra = None;
                self.pos += 1;
                let start = self.pos;
                let frames = self.read_backtrace();
                if line != "Last Exception Backtrace:" {
                    // "Application Specific Backtrace 1:" is Application Specific
                    // Information too; its frames are the exception's backtrace.
                    let mut lines = vec![line.to_string()];
                    let raw = self.lines.get(start..self.pos).unwrap_or(&[]);
                    lines.extend(raw.iter().map(|l| l.trim_end().to_string()));
                    self.report
                        .app_specific
                        .push(AppSpecific { image: None, lines });
                }
                if self.report.last_exception_backtrace.is_empty() {
                    self.report.last_exception_backtrace = frames;
                }
                continue;
            }
            if line.starts_with("Microstackshots:") {
                self.has_microstackshots = true;
            }
            if line == "EOF" {
                self.pos += 1;
                continue;
            }
            match split_key(line) {
                Some((key, value)) => {
                    self.pos += 1;
                    self.open_extra = None;
                    self.key_value(key, value);
                }
                None => {
                    self.pos += 1;
                    self.stray(line);
                }
            }
        }
    }

    fn key_value(&mut self, key: &str, value: &str) {
        match key {
            "Application Specific Information" | "Application Specific Signatures" => {
                let mut lines = Vec::new();
                if !value.trimmed().is_empty() {
                    lines.push(value.trimmed().to_string());
                }
                lines.extend(
                    self.take_block()
                        .into_iter()
                        .map(|l| l.trim_end().to_string()),
                );
                if !lines.is_empty() {
                    self.report
                        .app_specific
                        .push(AppSpecific { image: None, lines });
                }
                return;
            }
            "VM Region Info" => {
                let text = self.block_with_first(value);
                self.report.vm_region_info = Some(text);
                return;
            }
            "Kernel Triage" => {
                let text = self.block_with_first(value);
                self.report.kernel_triage = Some(text);
                return;
            }
            "Logical CPU" | "Error Code" | "Trap Number" => {
                if let Some(reg) = thread_state::trailer_register(key, value) {
                    let n = self.last_state_thread;
                    if let Some(st) = n
                        .and_then(|n| self.thread_mut(n))
                        .and_then(|t| t.state.as_mut())
                    {
                        st.registers.push(reg);
                        return;
                    }
                }
            }
            _ => {}
        }
        if key.starts_with("VM Regions Near") {
            let first = format!("{key}:{value}");
            let text = self.block_with_first(&first);
            self.report.vm_region_info = Some(text);
            return;
        }
        if header::apply(&mut self.report, &mut self.pending, key, value)
            || exception::apply(&mut self.report, &mut self.crashed, key, value)
        {
            return;
        }
        self.read_generic(key, value);
    }

    /// Any other field: one line, or a multi-line section when its value is
    /// empty and lines follow.
    fn read_generic(&mut self, key: &str, value: &str) {
        let multiline = value.trimmed().is_empty();
        let block = if !multiline {
            Vec::new()
        } else if is_free_text_section(key) {
            self.take_block()
        } else {
            // "System Profile:", "Memory Module:": the lines after are fields.
            self.take_lines_until_field()
        };
        if !self.keeps_extra(key) {
            // Its lines are passed over all the same; stray lines after it
            // would have continued it, so they are dropped too.
            self.open_extra = None;
            self.open_extra_multiline = multiline;
            return;
        }
        let mut text = value.trimmed().to_string();
        for l in block {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(l.trim_end());
        }
        self.push_extra(key, &text);
        self.open_extra = Some(self.report.extras.len().saturating_sub(1));
        self.open_extra_multiline = multiline;
    }

    fn push_extra(&mut self, key: &str, value: &str) {
        if self.keeps_extra(key) {
            self.report
                .extras
                .push((key.trimmed().to_string(), value.to_string()));
        }
    }

    /// Whether a field that no part of the model takes is kept in `extras`:
    /// always in a full read; with [`Detail::Crashed`](crate::Detail) only
    /// those [`not_a_crash`] reads (no signature or summary reads the others).
    fn keeps_extra(&self, key: &str) -> bool {
        !self.opts.skim() || NOT_A_CRASH_FIELDS.contains(&key.trimmed())
    }

    /// A line that is neither a field nor a known section: it continues the
    /// last multi-line section, or is kept under "unlabeled".
    fn stray(&mut self, line: &str) {
        if let Some((_, v)) = self.open_extra.and_then(|i| self.report.extras.get_mut(i)) {
            if !v.is_empty() {
                v.push('\n');
            }
            v.push_str(line);
            return;
        }
        if !self.keeps_extra("unlabeled") {
            return;
        }
        self.push_extra("unlabeled", line.trimmed());
        self.open_extra = Some(self.report.extras.len().saturating_sub(1));
        self.open_extra_multiline = false;
    }

    /// Lines up to a blank line, the start of another section, or a known
    /// header field (so an empty field like "Baseband Version:" or a VM Region
    /// Info block with no blank line after it does not swallow the next ones).
    fn take_block(&mut self) -> Vec<&'a str> {
        let mut out = Vec::new();
        while let Some(l) = self.peek() {
            if l.trimmed().is_empty()
                || starts_section(l)
                || split_key(l).is_some_and(|(k, _)| is_known_key(k))
            {
                break;
            }
            out.push(l);
            self.pos += 1;
        }
        out
    }

    /// Lines up to a blank line, a section start or any "Key: value" line.
    fn take_lines_until_field(&mut self) -> Vec<&'a str> {
        let mut out = Vec::new();
        while let Some(l) = self.peek() {
            if l.trimmed().is_empty() || starts_section(l) || split_key(l).is_some() {
                break;
            }
            out.push(l);
            self.pos += 1;
        }
        out
    }

    fn block_with_first(&mut self, first: &str) -> String {
        let mut text = first.trimmed().to_string();
        for l in self.take_block() {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(l.trim_end());
        }
        text
    }

    fn thread_mut(&mut self, n: u32) -> Option<&mut Thread> {
        self.report.threads.iter_mut().find(|t| t.number == n)
    }

    fn read_thread(
        &mut self,
        number: u32,
        crashed: bool,
        name: Option<String>,
        queue: Option<String>,
    ) {
        let (mut tname, mut tqueue) = (name, queue);
        if let Some((n, pn, pq)) = self.pending_name.take() {
            if n == number {
                tname = tname.or(pn);
                tqueue = tqueue.or(pq);
            }
        }
        // A skimmed read keeps the crashed thread's frames only. Before any
        // line names the crashed thread, a thread not marked crashed is passed
        // over too: when a later line names it after all (a register state's
        // header, say), `skim_held` sends the report to a full read.
        let skip = self.opts.skim() && !crashed && self.crashed.number.is_none_or(|n| n != number);
        if skip {
            while self.peek().is_some_and(frame::is_frame_line) {
                self.pos += 1;
            }
            self.skipped.push(number);
            return;
        }
        let mut frames = Vec::new();
        while let Some(l) = self.peek() {
            match frame::parse_frame_line(l) {
                Some(f) => {
                    frames.push(f);
                    self.pos += 1;
                }
                None => break,
            }
        }
        self.report.threads.push(Thread {
            number,
            name: tname,
            queue: tqueue,
            crashed,
            frames,
            ..Thread::default()
        });
    }

    fn read_state(&mut self, number: Option<u32>, flavor: &str) {
        let mut regs = Vec::new();
        // A skimmed read passes over the register values (no signature or
        // summary reads them); the state itself still names the crashed thread.
        let values = !self.opts.skim();
        while let Some(l) = self.peek() {
            if l.trimmed().is_empty() || !l.starts_with([' ', '\t']) {
                break;
            }
            if values {
                thread_state::parse_register_line(l, &mut regs);
            }
            self.pos += 1;
        }
        let Some(n) = number else {
            self.push_extra("Unknown thread crashed with", flavor);
            return;
        };
        let state = thread_state::finish_state(flavor, regs);
        if self.thread_mut(n).is_none() {
            self.report.threads.push(Thread {
                number: n,
                crashed: true,
                ..Thread::default()
            });
        }
        if let Some(t) = self.thread_mut(n) {
            t.state = Some(state);
        }
        if self.crashed.number.is_none() {
            self.crashed.number = Some(n);
        }
        self.last_state_thread = Some(n);
    }

    fn read_images(&mut self) {
        let wanted = if self.opts.skim() {
            self.images_for = Some(self.crashed_number());
            Some(kept_images::Wanted::of(&self.report, self.crashed_number()))
        } else {
            None
        };
        kept_images::with_identities(|known| {
            // The list ends at the first line that is not an image line (a
            // blank one never is).
            while let Some(l) = self.peek() {
                let image_line = match &wanted {
                    Some(w) => w
                        .check_line(l, &self.opts, known, &mut self.report.images)
                        .is_some(),
                    None => match images::parse_image_view(l) {
                        Some(view) => {
                            self.report.images.push(view.to_image());
                            true
                        }
                        None => false,
                    },
                };
                if !image_line {
                    break;
                }
                self.images_seen = true;
                self.pos += 1;
            }
        });
    }

    /// Frame lines, or the "(0x1 0x2 ...)" address-list form.
    fn read_backtrace(&mut self) -> Vec<Frame> {
        let mut frames = Vec::new();
        if self.peek().is_some_and(|l| l.trim_start().starts_with('(')) {
            let mut index = 0u32;
            while let Some(l) = self.peek() {
                self.pos += 1;
                let mut done = false;
                for tok in l.split_whitespace() {
                    let t = tok.trim_start_matches('(');
                    let t = match t.strip_suffix(')') {
                        Some(t) => {
                            done = true;
                            t
                        }
                        None => t,
                    };
                    if let Some(a) = num::parse_hex(t) {
                        frames.push(Frame {
                            index,
                            address: Some(a),
                            ..Frame::default()
                        });
                        index = index.saturating_add(1);
                    }
                }
                if done || l.trimmed().is_empty() {
                    break;
                }
            }
            return frames;
        }
        while let Some(l) = self.peek() {
            match frame::parse_frame_line(l) {
                Some(f) => {
                    frames.push(f);
                    self.pos += 1;
                }
                None => break,
            }
        }
        frames
    }

    /// The crashed thread's number: the "Crashed Thread" line's, else the
    /// first thread marked crashed. [`Parser::finish`] records it; a skimmed
    /// read chooses by it.
    fn crashed_number(&self) -> Option<u32> {
        self.crashed.number.or_else(|| {
            self.report
                .threads
                .iter()
                .find(|t| t.crashed)
                .map(|t| t.number)
        })
    }

    /// Whether a skimmed read kept what the final crashed thread needs: its
    /// frames were not passed over, and the images were chosen for it.
    fn skim_held(&self) -> bool {
        let crashed = self.crashed_number();
        let frames_kept = crashed.is_none_or(|n| !self.skipped.contains(&n));
        let images_right = self.images_for.is_none_or(|n| n == crashed);
        frames_kept && images_right
    }

    fn finish(mut self) -> Result<CrashReport, ReadError> {
        header::finish(&mut self.report, std::mem::take(&mut self.pending));
        let crashed = self.crashed_number();
        // Threads and images passed over by a skimmed read were there all the same.
        let threads_seen = !self.report.threads.is_empty() || !self.skipped.is_empty();
        let images_seen = self.images_seen;
        let r = &mut self.report;

        if crashed.is_some() {
            r.crashed_thread = crashed;
        }
        if let Some(n) = r.crashed_thread {
            if let Some(t) = r.threads.iter_mut().find(|t| t.number == n) {
                t.crashed = true;
                if t.queue.is_none() {
                    t.queue = self.crashed.queue.take();
                }
            }
        }
        images::mark_main_executable(r);
        images::resolve_frames(r);

        if let Some(err) = not_a_crash(r, self.has_microstackshots) {
            return Err(err);
        }
        let recognised = r.exception.is_some()
            || threads_seen
            || images_seen
            || r.process.name.is_some()
            || r.system.incident_id.is_some();
        if !recognised {
            return Err(ReadError::Unrecognized(
                "no Apple crash report fields found (Process, Exception Type, Thread N, Binary Images)".into(),
            ));
        }
        Ok(self.report)
    }
}

/// The fields [`not_a_crash`] reads from `extras`.
const NOT_A_CRASH_FIELDS: &[&str] = &["Exception Code", "Kernel version", "Reason"];

/// Resource reports and stackshots written in the text layout.
fn not_a_crash(r: &CrashReport, microstackshots: bool) -> Option<ReadError> {
    let exc = r.exception.as_ref();
    if exc.and_then(|e| e.kind.as_deref()) == Some("EXC_RESOURCE") {
        let subtype = exc.and_then(|e| e.subtype.clone());
        let resource_report = microstackshots
            || r.source.report_version.as_deref() == Some("105")
            || matches!(subtype.as_deref(), Some("CPU") | Some("WAKEUPS"));
        if resource_report {
            return Some(ReadError::NotACrashReport {
                kind: match &subtype {
                    Some(s) => format!("EXC_RESOURCE {s} resource report"),
                    None => "EXC_RESOURCE resource report".into(),
                },
                detail: exc.and_then(|e| e.message.clone()),
            });
        }
    }
    if exc.is_none()
        && r.process.name.is_none()
        && (r.extra("Exception Code").is_some() || r.extra("Kernel version").is_some())
    {
        return Some(ReadError::NotACrashReport {
            kind: "stackshot".into(),
            detail: r.extra("Reason").map(str::to_string),
        });
    }
    None
}

/// Drops Console's "Translated Report (Full Report Below)" banner and stops
/// at its "Full Report" part (the JSON that follows belongs to the .ips reader).
fn unwrap_translated(lines: Vec<&str>) -> (Vec<&str>, bool) {
    let Some(banner) = lines.iter().position(|l| {
        l.trim_start().starts_with("Translated Report")
            && l.trimmed() == "Translated Report (Full Report Below)"
    }) else {
        return (lines, false);
    };
    let mut out = Vec::new();
    let mut i = banner + 1;
    if lines.get(i).is_some_and(|l| is_dashes(l)) {
        i += 1;
    }
    while let Some(l) = lines.get(i) {
        if is_dashes(l)
            && lines
                .get(i + 1)
                .is_some_and(|n| n.trimmed() == "Full Report")
        {
            break;
        }
        out.push(*l);
        i += 1;
    }
    (out, true)
}

fn is_dashes(l: &str) -> bool {
    let t = l.trimmed();
    t.len() >= 3 && t.bytes().all(|b| b == b'-')
}

/// A section start that ends an Application Specific Information (or other)
/// block even without a blank line.
fn starts_section(l: &str) -> bool {
    (l.starts_with("Thread ") && threads::parse_thread_line(l.trim_end()).is_some())
        || l.starts_with("Binary Images")
        || l.starts_with("Last Exception Backtrace:")
        || l.starts_with("Application Specific Signatures:")
        || l.starts_with("Application Specific Backtrace")
}

/// "Key: value" at the start of a line. Keys are short words; frame, image and
/// register lines never match.
fn split_key(line: &str) -> Option<(&str, &str)> {
    let b = line.as_bytes();
    if !b.first()?.is_ascii_alphabetic() {
        return None;
    }
    // A key is at most 48 bytes: look for its colon no further.
    let colon = memchr::memchr(b':', b.get(..49).unwrap_or(b))?;
    // Every character a key may hold is ASCII, so its bytes tell.
    let ok = b.get(..colon)?.iter().all(|&c| {
        c.is_ascii_alphanumeric()
            || matches!(c, b' ' | b'/' | b'_' | b'(' | b')' | b'-' | b'.' | b',')
    });
    if !ok || !matches!(b.get(colon + 1), None | Some(b' ' | b'\t')) {
        return None;
    }
    // The colon is ASCII: both sides start and end on character boundaries.
    let key = line.get(..colon)?;
    let value = line.get(colon + 1..)?;
    Some((
        crate::text::trim_end(key),
        crate::text::trim_start(crate::text::trim_end(value)),
    ))
}

/// Sections whose body is free text or a table that may hold "Key: value"
/// looking lines of its own.
fn is_free_text_section(key: &str) -> bool {
    const SECTIONS: &[&str] = &[
        "VM Region Summary",
        "External Modification Summary",
        "External Modification Warnings",
        "Filtered syslog",
        "AppleInternal info",
        "Error Formulating Crash Report",
        "Translated Code Information",
        "Extra Information",
        "Notable Addresses",
    ];
    SECTIONS.contains(&key) || key.ends_with("instruction stream") || key.starts_with("Stack Dump")
}

/// Keys the header and exception readers handle.
fn is_known_key(key: &str) -> bool {
    const KEYS: &[&str] = &[
        "Incident Identifier",
        "CrashReporter Key",
        "Crash Reporter Key",
        "Hardware Model",
        "Process",
        "Path",
        "Identifier",
        "Version",
        "Code Type",
        "Role",
        "Parent Process",
        "Responsible",
        "User ID",
        "Coalition",
        "Date/Time",
        "Launch Time",
        "OS Version",
        "Release Type",
        "Report Version",
        "Time Awake Since Boot",
        "System Integrity Protection",
        "Exception Type",
        "Exception Subtype",
        "Exception Codes",
        "Exception Note",
        "Exception Message",
        "Termination Reason",
        "Termination Signal",
        "Termination Description",
        "Terminating Process",
        "Crashed Thread",
        "Triggered by Thread",
        "Application Specific Information",
        "VM Region Info",
        "Kernel Triage",
        "Highlighted Thread",
        "Baseband Version",
        "Anonymous UUID",
    ];
    KEYS.contains(&key)
}

fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", s.get(..i).unwrap_or(s)),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_list_backtrace() {
        let text = "Process: a [1]\nException Type: EXC_CRASH (SIGABRT)\nLast Exception Backtrace:\n(0x1a2b 0x3c4d\n 0x5e6f)\n\nThread 0 Crashed:\n0   a   0x1000 main + 4\n";
        let r = parse(text).expect("parse");
        let addrs: Vec<_> = r
            .last_exception_backtrace
            .iter()
            .map(|f| f.address)
            .collect();
        assert_eq!(addrs, vec![Some(0x1a2b), Some(0x3c4d), Some(0x5e6f)]);
        assert_eq!(r.last_exception_backtrace[2].index, 2);
        assert_eq!(r.crashed_thread, Some(0));
    }

    #[test]
    fn application_specific_backtrace() {
        let text = "Process: a [1]\nApplication Specific Information:\n*** Terminating app\n\nApplication Specific Backtrace 1:\n0   CoreFoundation   0x00007fff8a1 __exceptionPreprocess + 171\n1   libobjc.A.dylib  0x00007fff8b2 objc_exception_throw + 48\n\nThread 0 Crashed:\n0   a   0x1000 main + 4\n";
        let r = parse(text).expect("parse");
        assert_eq!(r.last_exception_backtrace.len(), 2);
        assert_eq!(
            r.last_exception_backtrace[1].symbol.as_deref(),
            Some("objc_exception_throw")
        );
        let lines: Vec<&str> = r.app_specific_lines().collect();
        assert_eq!(lines[0], "*** Terminating app");
        assert_eq!(lines[1], "Application Specific Backtrace 1:");
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn a_skimmed_read_keeps_only_the_extras_a_stackshot_is_told_by() {
        let crash = "Process: a [1]\nException Type: EXC_BAD_ACCESS (SIGSEGV)\nUSB Device: Hub\nSystem Profile:\nModel: Mac\nstray line\n\nThread 0 Crashed:\n0   a   0x1000 main + 4\n";
        let full = parse(crash).expect("parse");
        assert!(full.extras.len() >= 2, "{:?}", full.extras);
        let skim = parse_with(crash, &ReadOptions::crashed(None)).expect("parse");
        assert!(skim.extras.is_empty(), "{:?}", skim.extras);
        assert_eq!(skim.threads, full.threads);
        // A stackshot is named from its extras: the same error either way.
        let stackshot = "Date/Time: 2020-01-01\nReason: stackshot taken\nKernel version: Darwin 19\nHardware Model: iPhone\nExtra Field: x\n";
        let full = parse(stackshot).unwrap_err().to_string();
        let skim = parse_with(stackshot, &ReadOptions::crashed(None));
        assert_eq!(skim.unwrap_err().to_string(), full);
        assert!(
            full.contains("stackshot") && full.contains("stackshot taken"),
            "{full}"
        );
    }

    /// The fields a skimmed read keeps in `extras` are exactly those
    /// `not_a_crash` reads (`r.extra("…")`), read from its own source.
    #[test]
    fn not_a_crash_fields_are_the_extras_not_a_crash_reads() {
        let src = include_str!("mod.rs");
        let start = src.find("\nfn not_a_crash(").unwrap();
        let body = &src[start..];
        let body = &body[..body.find("\n}\n").unwrap()];
        let read: std::collections::BTreeSet<&str> = body
            .split("r.extra(\"")
            .skip(1)
            .map(|rest| &rest[..rest.find('"').unwrap()])
            .collect();
        let kept: std::collections::BTreeSet<&str> = NOT_A_CRASH_FIELDS.iter().copied().collect();
        assert_eq!(read, kept);
    }

    #[test]
    fn json_header_and_translated_wrapper() {
        let text = "{\"bug_type\":\"309\"}\n-------------------------------------\nTranslated Report (Full Report Below)\n-------------------------------------\n\nProcess: a [1]\nException Type: EXC_BAD_ACCESS (SIGSEGV)\n\n-----------\nFull Report\n-----------\n\n{\"app_name\":\"a\"}\n{\n  \"x\" : 1\n}\n";
        let r = parse(text).expect("parse");
        assert_eq!(r.source.bug_type.as_deref(), Some("309"));
        assert!(r.source.wrapped);
        assert_eq!(r.process.name.as_deref(), Some("a"));
        assert!(r.extras.is_empty(), "{:?}", r.extras);
    }

    #[test]
    fn termination_signal_alone_and_tcc_text() {
        let text = "Process: a [1]\nTermination Signal: Abort trap: 6\n";
        let t = parse(text)
            .expect("parse")
            .termination
            .expect("termination");
        assert_eq!(
            (t.namespace.as_deref(), t.code, t.indicator.as_deref()),
            (Some("SIGNAL"), Some(6), Some("Abort trap: 6"))
        );
        let text = "Process: a [1]\nTermination Reason: Namespace TCC, Code 0x0 This app has crashed because it attempted to access privacy-sensitive data\n";
        let t = parse(text)
            .expect("parse")
            .termination
            .expect("termination");
        assert_eq!((t.namespace.as_deref(), t.code), (Some("TCC"), Some(0)));
        assert!(t
            .indicator
            .is_some_and(|i| i.starts_with("This app has crashed")));
    }

    #[test]
    fn crlf_lines() {
        let text = "Process: a [1]\r\nException Type: EXC_BAD_ACCESS (SIGSEGV)\r\n\r\nThread 0 Crashed:\r\n0   a   \t0x1000 main + 4\r\n";
        let r = parse(text).expect("parse");
        assert_eq!(r.threads[0].frames[0].symbol.as_deref(), Some("main"));
    }
}
