//! Apple report kinds that are not process crashes: kernel panics (151, 210),
//! jetsam events (298), stackshots (188), resource reports (185), and panic
//! text without a header. Each becomes [`ReadError::NotACrashReport`] with a
//! detail worth reading: the panic's first line, the jetsam reason and largest
//! process, the resource limit that was hit.

use crate::json_value::Value;

use crate::ips::Obj;
use crate::ReadError;

/// What a non-crash `bug_type` is, or None when it is (or may be) a crash.
pub fn kind_for_bug_type(bug_type: &str) -> Option<&'static str> {
    crashlens_knowledge::formats::builtin().kind_for_bug_type(bug_type)
}

/// Longest detail we put in one error message.
const MAX_DETAIL: usize = 300;

fn clip(s: &str) -> String {
    let s = s.trim();
    if s.len() <= MAX_DETAIL {
        return s.to_string();
    }
    let mut end = MAX_DETAIL;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

fn first_line(s: &str) -> &str {
    crate::text::lines(s)
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

fn error(kind: &str, detail: Option<String>) -> ReadError {
    ReadError::NotACrashReport {
        kind: kind.to_string(),
        detail: detail.map(|d| clip(&d)).filter(|d| !d.is_empty()),
    }
}

/// The body fields [`from_json`] makes its message from; a skimmed read
/// ([`crate::Detail::Crashed`]) builds only these.
pub const JSON_DETAIL_KEYS: &[&str] = &[
    "panicString",
    "string",
    "product",
    "largestProcess",
    "processes",
];

/// The fields of a jetsam event's `processes` entry that [`jetsam_detail`]
/// reads.
pub const JETSAM_PROCESS_KEYS: &[&str] = &[JETSAM_KILL_REASON, "name", "pid"];

/// The field that marks a jetsam entry as killed: [`jetsam_detail`] passes
/// over an entry without it, so a skimmed read builds none of such an entry.
pub const JETSAM_KILL_REASON: &str = "reason";

/// A non-crash report with a JSON body. `body` is None when the JSON did not
/// parse (hand-edited files); `raw` is the body text, searched for the key
/// fields then.
pub fn from_json(kind: &str, bug_type: &str, body: Option<&Obj>, raw: &str) -> ReadError {
    let string = |key: &str| -> Option<String> {
        match body {
            Some(b) => b.get(key).and_then(Value::as_str).map(str::to_string),
            None => raw_string_field(raw, key),
        }
    };
    let detail = match bug_type.trim() {
        "151" | "210" => {
            let panic = string("panicString").or_else(|| string("string"));
            let product = string("product");
            match (panic, product) {
                (Some(p), Some(prod)) => Some(format!("{} [{prod}]", first_line(&p))),
                (Some(p), None) => Some(first_line(&p).to_string()),
                (None, prod) => prod.map(|p| format!("on {p}")),
            }
        }
        "298" => body
            .map(jetsam_detail)
            .or_else(|| string("largestProcess").map(|p| format!("largest process: {p}"))),
        _ => None,
    };
    error(kind, detail)
}

/// The largest process and why processes were killed.
fn jetsam_detail(body: &Obj) -> String {
    let largest = body.get("largestProcess").and_then(Value::as_str);
    let procs = body.get("processes").and_then(Value::as_array);
    let mut reasons: Vec<(String, usize)> = Vec::new();
    let mut killed: Vec<String> = Vec::new();
    let mut largest_reason = None;
    for p in procs.into_iter().flatten() {
        let Some(reason) = p.get(JETSAM_KILL_REASON).and_then(Value::as_str) else {
            continue;
        };
        let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
        if Some(name) == largest {
            largest_reason = Some(reason.to_string());
        }
        killed.push(match p.get("pid").and_then(Value::as_u64) {
            Some(pid) => format!("{name} [{pid}]"),
            None => name.to_string(),
        });
        match reasons.iter_mut().find(|(r, _)| r == reason) {
            Some((_, n)) => *n += 1,
            None => reasons.push((reason.to_string(), 1)),
        }
    }
    let mut parts = Vec::new();
    if let Some(l) = largest {
        parts.push(match &largest_reason {
            Some(r) => format!("largest process: {l} (killed: {r})"),
            None => format!("largest process: {l}"),
        });
    }
    if !killed.is_empty() {
        let by_reason: Vec<String> = reasons.iter().map(|(r, n)| format!("{r} ×{n}")).collect();
        if killed.len() <= 3 {
            parts.push(format!(
                "killed {} ({})",
                killed.join(", "),
                by_reason.join(", ")
            ));
        } else {
            parts.push(format!(
                "{} processes killed: {}",
                killed.len(),
                by_reason.join(", ")
            ));
        }
    }
    parts.join("; ")
}

/// Finds `"key" : "value"` in JSON text that did not parse as a whole, and
/// decodes the string value.
fn raw_string_field(raw: &str, key: &str) -> Option<String> {
    let needle = format!("\"{key}\"");
    let at = raw.find(&needle)?;
    let rest = raw.get(at + needle.len()..)?.trim_start();
    let rest = rest.strip_prefix(':')?.trim_start();
    if !rest.starts_with('"') {
        return None;
    }
    let mut it = serde_json::Deserializer::from_str(rest).into_iter::<String>();
    it.next()?.ok()
}

/// The value of a `Key:  value` line in a text report.
fn text_field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    crate::text::lines(text).find_map(|l| field_value(l.trim_start(), key))
}

/// The non-empty value of a `key: value` line (already trimmed at the start).
fn field_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let v = line.strip_prefix(key)?.strip_prefix(':')?.trim();
    (!v.is_empty()).then_some(v)
}

/// A non-crash report with a text body (188 stackshot, 185 resource report).
pub fn from_text(kind: &str, text: &str) -> ReadError {
    let detail = if kind.starts_with("stackshot") {
        let reason = text_field(text, "Reason");
        let code = text_field(text, "Exception Code");
        match (reason, code) {
            (Some(r), Some(c)) => Some(format!("{r} (code {c})")),
            (Some(r), None) => Some(r.to_string()),
            (None, c) => c.map(|c| format!("code {c}")),
        }
    } else {
        resource_detail(text)
    };
    error(kind, detail)
}

fn resource_detail(text: &str) -> Option<String> {
    let process = text_field(text, "Process");
    let ty = text_field(text, "Exception Type");
    let sub = text_field(text, "Exception Subtype");
    let msg = text_field(text, "Exception Message");
    let what = [ty, sub]
        .iter()
        .flatten()
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let mut s = String::new();
    if let Some(p) = process {
        s.push_str(p);
        s.push_str(": ");
    }
    s.push_str(&what);
    if let Some(m) = msg {
        s.push_str(", ");
        s.push_str(m);
    }
    (!s.trim().is_empty()).then_some(s)
}

/// The line a kernel panic's text carries (after its `panic(cpu …)` line,
/// which may not start a line: quoted, or after a prefix).
const DEBUGGER_PANIC: &str = "Debugger called: <panic>";

/// [`DEBUGGER_PANIC`]. Every byte of it is common in reports (its rarest,
/// `D`, `<` and `>`, are 4 to 5 in 1,000 bytes of the Apple corpus), so
/// `memmem`, which tests two of its bytes at once, beats a search for one:
/// 0.5% fewer instructions for `group` than a [`crate::text::RareNeedle`] on
/// its `D`.
static DEBUGGER_PANIC_NEEDLE: crate::text::Needle = crate::text::Needle::new(DEBUGGER_PANIC);

/// Recognizes non-crash Apple text with no header: kernel and coprocessor
/// panics, stackshots, and non-fatal resource reports.
pub fn classify_text(text: &str) -> Option<ReadError> {
    let lines = crate::text::line_vec(text);
    classify_lines(text, &lines)
}

/// [`classify_text`] with the text's lines already split (the reader shares
/// them with the parser).
pub(crate) fn classify_lines(text: &str, lines: &[&str]) -> Option<ReadError> {
    // One pass over the lines gathers what each test below looks at: a
    // kernel panic's "panic(cpu 1 caller 0x…): …" among the first 400 lines
    // (any case), and the first Reason, Exception Code and Exception Type
    // fields (as `text_field` would find them) and any non-fatal note. Those
    // lines start with 'p', 'R' or 'E'; the others are passed over at once.
    let head = || lines.iter().copied().take(400);
    let mut panic_line = None;
    let (mut reason, mut code, mut exc_type, mut non_fatal) = (None, None, None, false);
    for (i, &l) in lines.iter().enumerate() {
        // Only a line starting with white space (or a non-ASCII character,
        // which may be some) is trimmed: most start with a digit or a letter.
        let t = match l.as_bytes().first() {
            Some(c) if crate::text::ascii_white(c) || !c.is_ascii() => crate::text::trim_start(l),
            _ => l,
        };
        match t.as_bytes().first() {
            Some(b'p' | b'P')
                if i < 400
                    && t.get(..9)
                        .is_some_and(|p| p.eq_ignore_ascii_case("panic(cpu")) =>
            {
                // The panic decides; nothing after it is looked at.
                panic_line = Some(l);
                break;
            }
            Some(b'R' | b'E') => {
                if reason.is_none() {
                    reason = field_value(t, "Reason");
                }
                if code.is_none() {
                    code = field_value(t, "Exception Code");
                }
                if exc_type.is_none() {
                    exc_type = field_value(t, "Exception Type");
                }
                // Apple marks resource reports the system only recorded this way.
                non_fatal = non_fatal
                    || (t.starts_with("Exception Note:") && l.contains("NON-FATAL CONDITION"));
            }
            _ => {}
        }
    }
    if let Some(line) = panic_line {
        let rtkit = head().any(|l| l.starts_with("RTKit:") || l.contains("RTKit Task List"));
        let kind = if rtkit {
            "coprocessor panic (RTKit firmware, e.g. DCP display coprocessor)"
        } else {
            "kernel panic"
        };
        return Some(error(kind, Some(line.trim().to_string())));
    }
    // A panic's text has no Exception Type field: a crash report (which has
    // one) that quotes the line, in its Application Specific Information
    // say, is still a crash report, and is not searched. Otherwise one search
    // of the first 400 lines' text first: most texts have no such line.
    let debugger = if exc_type.is_some() {
        None
    } else {
        let head_end = lines
            .get(400)
            .and_then(|l| crate::text::offset_in(text, l))
            .unwrap_or(text.len());
        let head_text = text.get(..head_end).unwrap_or(text);
        DEBUGGER_PANIC_NEEDLE
            .find(head_text)
            .is_some()
            .then(|| head().find(|l| l.contains(DEBUGGER_PANIC)))
            .flatten()
    };
    if let Some(line) = debugger {
        return Some(error("kernel panic", Some(line.trim().to_string())));
    }
    let stackshot = reason.is_some_and(|r| r.contains("stackshot"))
        || code.is_some_and(|c| c.eq_ignore_ascii_case("0xbaaaaaad"));
    if stackshot && exc_type.is_none() {
        return Some(from_text("stackshot", text));
    }
    if non_fatal {
        return Some(error(
            "non-fatal report (the process was not killed)",
            resource_detail(text),
        ));
    }
    let resource = exc_type.is_some_and(|t| t.starts_with("EXC_RESOURCE"));
    if resource && !has_crashed_thread(text) {
        return Some(error(
            "resource report (EXC_RESOURCE)",
            resource_detail(text),
        ));
    }
    None
}

/// "Thread 3 Crashed:" or "Crashed Thread:" — the report names a crash.
fn has_crashed_thread(text: &str) -> bool {
    crate::text::lines(text).any(|l| {
        let l = l.trim_start();
        l.starts_with("Crashed Thread:") || (l.starts_with("Thread ") && l.contains(" Crashed:"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_field_from_broken_json() {
        let raw = "{\n \"panicString\" : \"panic(cpu 0): x\\nmore\",\n \"a\" : {,";
        assert_eq!(
            raw_string_field(raw, "panicString").as_deref(),
            Some("panic(cpu 0): x\nmore")
        );
        let e = from_json("bridgeOS (T2) panic", "210", None, raw).to_string();
        assert!(e.contains("bridgeOS (T2) panic (panic(cpu 0): x)"), "{e}");
    }

    #[test]
    fn clips_on_char_boundary() {
        let s = "é".repeat(400);
        let c = clip(&s);
        assert!(c.ends_with('…'));
    }

    #[test]
    fn non_fatal_condition() {
        let t = "Process: a [1]\nException Type: EXC_RESOURCE\nException Subtype: MEMORY\nException Note: NON-FATAL CONDITION (this is NOT a crash)\nThread 0 Crashed:\n";
        let e = classify_text(t).unwrap().to_string();
        assert!(e.contains("non-fatal report"), "{e}");
        assert!(e.contains("a [1]: EXC_RESOURCE MEMORY"), "{e}");
    }

    #[test]
    fn panic_text() {
        let e = classify_text("panic(cpu 2 caller 0x1): boom\nRTKit: x\n")
            .unwrap()
            .to_string();
        assert!(e.contains("coprocessor panic"), "{e}");
        assert!(classify_text("Process: a\nException Type: EXC_BAD_ACCESS\n").is_none());
    }

    #[test]
    fn debugger_panic_line() {
        // A panic log whose panic line is not at a line's start.
        let panic = "*** Panic Report ***\n> panic(cpu 0 caller 0x1): boom\nDebugger called: <panic>\nBacktrace (CPU 0)\n";
        let e = classify_text(panic).unwrap().to_string();
        assert!(e.contains("kernel panic"), "{e}");
        assert!(e.contains("Debugger called: <panic>"), "{e}");
        // A crash report that quotes the line is not a panic.
        let crash = "Process: a [1]\nException Type: EXC_CRASH (SIGABRT)\n\nApplication Specific Information:\nDebugger called: <panic>\n\nThread 0 Crashed:\n";
        assert!(classify_text(crash).is_none());
    }
}
