//! Format sniffing: which reader gets the bytes.
//!
//! Order: binary checks (empty, minidump and other magic numbers, NUL bytes),
//! then wrappers (Console's "Translated Report (Full Report Below)", Markdown
//! or prose around a report), then the `.ips` JSON header and its `bug_type`,
//! then plain text: Apple crash text, Apple panic text, and logs of other
//! tools we recognize but do not read yet. Whatever the file is, the error
//! says so; a parse error never hides what the file looks like: text that
//! does not read as a report and is mostly control or replacement characters
//! is named binary data (see [`not_text`]).

use std::borrow::Cow;

use crate::ips::{self, Header, Obj};
use crate::{apple_text, other, CrashReport, ReadError, ReadOptions};

pub fn read(bytes: &[u8]) -> Result<CrashReport, ReadError> {
    read_with(bytes, &ReadOptions::full())
}

/// [`read`], reading as much of the report as `opts` asks.
pub fn read_with(bytes: &[u8], opts: &ReadOptions) -> Result<CrashReport, ReadError> {
    if crate::minidump::is_minidump(bytes) {
        return crate::minidump::read(bytes);
    }
    let text = decode(bytes)?;
    read_text(&normalize(&text), opts).map_err(|e| not_text(&text).unwrap_or(e))
}

/// Bytes to text, or a clear error for binary input.
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if let Some(err) = binary_magic(bytes) {
        return Err(err);
    }
    if let Some(t) = decode_utf16(bytes) {
        return Ok(Cow::Owned(t));
    }
    let probe = bytes.get(..8192).unwrap_or(bytes);
    if let Some(at) = memchr::memchr(0, probe) {
        return Err(ReadError::Unrecognized(format!(
            "binary data (a NUL byte at offset {at}), not a text crash report"
        )));
    }
    // Valid UTF-8 borrows (what from_utf8_lossy would give, found faster).
    Ok(match simdutf8::basic::from_utf8(bytes) {
        Ok(t) => Cow::Borrowed(t),
        Err(_) => String::from_utf8_lossy(bytes),
    })
}

/// For decoded text that did not read as a report: the error that names it
/// binary data when more than 1 in 20 of its characters are control
/// characters (other than line ends, tabs, form feed and escape) or U+FFFD
/// (bytes that were not UTF-8). A few stray ones (a Latin-1 path) are fine.
///
/// Asked only after the text failed to read: a report that reads is read
/// whatever else it holds, and the count is one more pass over every byte of
/// every file (with `is_ascii`, about 7% of `group`'s instructions when it
/// came first).
fn not_text(text: &str) -> Option<ReadError> {
    // ASCII text whose control bytes (newlines and tabs included) are under
    // 1 in 20 passes without an exact count.
    if text.is_ascii() && few_controls(text.as_bytes()) {
        return None;
    }
    let (total, odd) = char_stats(text);
    let total = total.max(1);
    (odd * 20 > total).then(|| {
        ReadError::Unrecognized(format!(
            "binary data ({odd} of {total} characters are not text), not a text crash report"
        ))
    })
}

/// How many characters `text` has, and how many of them are U+FFFD or a
/// control character other than \n, \r, \t, form feed and escape; counted
/// on the UTF-8 bytes (a character starts at every non-continuation byte;
/// U+FFFD is EF BF BD; the C1 controls U+0080..U+009F are C2 80..C2 9F).
fn char_stats(text: &str) -> (usize, usize) {
    let b = text.as_bytes();
    if text.is_ascii() {
        return (b.len(), count_odd_ascii(b));
    }
    let (mut total, mut odd) = (0usize, 0usize);
    for (i, &c) in b.iter().enumerate() {
        if c & 0xc0 != 0x80 {
            total += 1;
        }
        let is_odd = match c {
            0x00..=0x7f => odd_ascii(c),
            0xc2 => b.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)),
            0xef => b.get(i + 1..i + 3) == Some(&[0xbf, 0xbd][..]),
            _ => false,
        };
        if is_odd {
            odd += 1;
        }
    }
    (total, odd)
}

/// Whether at most 1 in 20 bytes of ASCII text are below 0x20 or equal to
/// 0x7f (so at most as many are [`odd_ascii`], whatever they are).
fn few_controls(b: &[u8]) -> bool {
    count_controls_ascii(b) * 20 <= b.len()
}

/// How many bytes of ASCII text (every byte below 0x80) are below 0x20 or
/// equal to 0x7f, eight bytes at a time: adding 0x60 to a byte sets its top
/// bit unless it is below 0x20, and `b ^ 0x7f` plus 0x7f sets it unless `b`
/// is 0x7f (an ASCII byte never carries into the next one either way).
fn count_controls_ascii(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    // 1 in each byte of the word that is below 0x20 or 0x7f.
    let marks = |w: &[u8]| -> u64 {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        let w = u64::from_le_bytes(a);
        let below_20 = !w.wrapping_add(ONES * 0x60) & HIGH;
        let is_7f = !(w ^ (ONES * 0x7f)).wrapping_add(ONES * 0x7f) & HIGH;
        (below_20 | is_7f) >> 7
    };
    // Blocks of 255 words: a per-byte counter cannot pass 255 within one.
    let mut blocks = b.chunks_exact(8 * 255);
    let mut total = 0usize;
    for block in &mut blocks {
        total += sum_bytes(block.chunks_exact(8).map(marks).sum());
    }
    let rest = blocks.remainder();
    let mut words = rest.chunks_exact(8);
    total += sum_bytes((&mut words).map(marks).sum());
    total
        + words
            .remainder()
            .iter()
            .filter(|&&c| c < 0x20 || c == 0x7f)
            .count()
}

/// The sum of a u64's eight bytes.
fn sum_bytes(x: u64) -> usize {
    const LOW_OF_16: u64 = 0x00ff_00ff_00ff_00ff;
    let pairs = (x & LOW_OF_16) + ((x >> 8) & LOW_OF_16);
    (pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48) as usize
}

/// How many bytes of ASCII text are [`odd_ascii`].
fn count_odd_ascii(b: &[u8]) -> usize {
    b.iter().filter(|&&c| odd_ascii(c)).count()
}

/// An ASCII control character other than \n, \r, \t, form feed and escape.
fn odd_ascii(c: u8) -> bool {
    (c < 0x20 || c == 0x7f) && !matches!(c, b'\n' | b'\r' | b'\t' | 0x0c | 0x1b)
}

/// Formats recognized by their first bytes.
fn binary_magic(b: &[u8]) -> Option<ReadError> {
    let unrecognized = |what: &str| Some(ReadError::Unrecognized(what.into()));
    match b {
        [0x7f, b'E', b'L', b'F', ..] => {
            unrecognized("an ELF file (a binary or a core dump), not a crash report")
        }
        [0xcf, 0xfa, 0xed, 0xfe, ..]
        | [0xce, 0xfa, 0xed, 0xfe, ..]
        | [0xfe, 0xed, 0xfa, 0xcf, ..]
        | [0xca, 0xfe, 0xba, 0xbe, ..] => {
            unrecognized("a Mach-O file (a binary or a core dump), not a crash report")
        }
        [b'P', b'K', 3, 4, ..] => {
            unrecognized("a zip archive; unpack it and pass the .ips or .crash file inside")
        }
        [0x1f, 0x8b, ..] => unrecognized("gzip-compressed data; decompress it first"),
        [b'b', b'p', b'l', b'i', b's', b't', ..] => {
            unrecognized("a binary property list, not a crash report")
        }
        _ => None,
    }
}

/// UTF-16 text with a byte-order mark (reports saved by some Windows editors).
fn decode_utf16(b: &[u8]) -> Option<String> {
    let le = match b {
        [0xff, 0xfe, ..] => true,
        [0xfe, 0xff, ..] => false,
        _ => return None,
    };
    let units = b.get(2..)?.chunks_exact(2).map(|c| match c {
        [x, y] if le => u16::from_le_bytes([*x, *y]),
        [x, y] => u16::from_be_bytes([*x, *y]),
        _ => 0,
    });
    Some(
        char::decode_utf16(units)
            .map(|c| c.unwrap_or('\u{fffd}'))
            .collect(),
    )
}

/// Drops a UTF-8 byte-order mark and turns CRLF / CR line ends into LF.
fn normalize(text: &str) -> Cow<'_, str> {
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    if memchr::memchr(b'\r', t.as_bytes()).is_some() {
        Cow::Owned(t.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(t)
    }
}

fn read_text(text: &str, opts: &ReadOptions) -> Result<CrashReport, ReadError> {
    if text.trim().is_empty() {
        return Err(ReadError::Unrecognized(
            "the file holds only whitespace".into(),
        ));
    }
    // One search of the whole text says whether any part of it can hold
    // Console's wrapper (the parser would search again).
    let translated = apple_text::TRANSLATED_NEEDLE
        .find(text.as_bytes())
        .is_some();
    if let Some(tr) = translated.then(|| split_translated(text)).flatten() {
        return read_translated(&tr, opts);
    }
    if let Some(at) = find_json_start(text) {
        let wrapped = !text[..at].trim().is_empty();
        if !wrapped {
            return read_json(&text[at..], opts);
        }
        // In Markdown: stop at the closing fence.
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let region = unwrap_markdown(text, line_start);
        let mut r = read_json(region.trim_start(), opts)?;
        r.source.wrapped = true;
        return Ok(r);
    }
    read_plain_text(text, opts, translated)
}

/// Console's export: a translated text report, then the full `.ips` JSON.
struct Translated<'a> {
    /// The text report between the banner and the "Full Report" line.
    text: &'a str,
    /// What follows the "Full Report" banner (header line + JSON body), if any.
    full: Option<&'a str>,
}

const TRANSLATED_BANNER: &str = "Translated Report (Full Report Below)";

static FULL_REPORT: crate::text::Needle = crate::text::Needle::new("Full Report");

fn split_translated(text: &str) -> Option<Translated<'_>> {
    let banner = memchr::memmem::find(text.as_bytes(), TRANSLATED_BANNER.as_bytes())?;
    let after_banner = skip_dash_line(&text[banner + TRANSLATED_BANNER.len()..]);
    // The "Full Report" line stands alone between dash lines: the first line
    // that is those words, found by searching for them (not line by line).
    let mut full = None;
    let mut text_end = after_banner.len();
    let mut from = 0;
    while let Some(at) = after_banner
        .get(from..)
        .and_then(|rest| FULL_REPORT.find(rest))
        .map(|i| i + from)
    {
        let (Some(before), Some(after)) = (after_banner.get(..at), after_banner.get(at..)) else {
            break;
        };
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        let end = after.find('\n').map_or(after_banner.len(), |i| at + i + 1);
        if after_banner
            .get(start..end)
            .is_some_and(|line| line.trim() == "Full Report")
        {
            text_end = trim_trailing_dash_line(after_banner.get(..start).unwrap_or(""));
            full = Some(skip_dash_line(after_banner.get(end..).unwrap_or("")));
            break;
        }
        from = end;
    }
    Some(Translated {
        text: &after_banner[..text_end],
        full,
    })
}

/// Skips the rest of the current line and one following line of dashes.
fn skip_dash_line(s: &str) -> &str {
    let s = match s.find('\n') {
        Some(i) if s[..i].trim().chars().all(|c| c == '-') => &s[i + 1..],
        _ => s,
    };
    let first = s.split_inclusive('\n').next().unwrap_or("");
    let t = first.trim();
    if !t.is_empty() && t.chars().all(|c| c == '-') {
        &s[first.len()..]
    } else {
        s
    }
}

/// The length of `s` without a final line of dashes.
fn trim_trailing_dash_line(s: &str) -> usize {
    let body = s.trim_end_matches('\n');
    match body.rfind('\n') {
        Some(i)
            if {
                let t = body[i + 1..].trim();
                !t.is_empty() && t.chars().all(|c| c == '-')
            } =>
        {
            i + 1
        }
        _ => s.len(),
    }
}

fn read_translated(tr: &Translated<'_>, opts: &ReadOptions) -> Result<CrashReport, ReadError> {
    let json_err = match tr.full.and_then(find_json_start_in_full) {
        Some(json) => match read_json(json, opts) {
            Ok(mut r) => {
                r.source.wrapped = true;
                return Ok(r);
            }
            // A non-crash kind is the answer, not a reason to fall back.
            Err(e @ (ReadError::NotACrashReport { .. } | ReadError::Unsupported { .. })) => {
                return Err(e)
            }
            Err(e) => Some(e),
        },
        None => None,
    };
    // The JSON part is missing or broken: read the translated text instead.
    match read_plain_text(tr.text, opts, true) {
        Ok(mut r) => {
            r.source.wrapped = true;
            Ok(r)
        }
        Err(text_err) => Err(json_err.unwrap_or(text_err)),
    }
}

fn find_json_start_in_full(s: &str) -> Option<&str> {
    let at = s.find('{')?;
    s[..at].trim().is_empty().then(|| &s[at..])
}

/// Where the `.ips` JSON starts: at the top of the file, or at a header line
/// (`{"…","bug_type":…}`) further down, as in a Markdown issue.
fn find_json_start(text: &str) -> Option<usize> {
    let lead = text.len() - text.trim_start().len();
    if text[lead..].starts_with('{') || text[lead..].starts_with('[') {
        return Some(lead);
    }
    // The first line whose first non-blank character is `{` and that holds
    // "bug_type": only lines with a `{` are looked at.
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(at) = memchr::memchr(b'{', b.get(from..)?).map(|i| i + from) {
        let line_start = memchr::memrchr(b'\n', b.get(..at)?).map_or(0, |i| i + 1);
        let line_end = memchr::memchr(b'\n', b.get(at..)?).map_or(b.len(), |i| i + at);
        let before = text.get(line_start..at)?;
        if before.trim_start().is_empty() {
            let t = text.get(at..line_end)?;
            if memchr::memmem::find(t.as_bytes(), b"\"bug_type\"").is_some() {
                return Some(at);
            }
        }
        from = line_end;
    }
    None
}

/// Keys only a crash body has; a first object with bug_type and none of these
/// is the metadata header.
const BODY_KEYS: &[&str] = &[
    "threads",
    "usedImages",
    "procName",
    "exception",
    "processes",
];

/// `.ips` JSON: a header line and a body (JSON or text), or a body alone.
fn read_json(s: &str, opts: &ReadOptions) -> Result<CrashReport, ReadError> {
    if s.trim_start().starts_with('[') {
        // Log lines often start with "[timestamp]": only real JSON is JSON.
        // The recursion limit stops serde_json early on deep nesting.
        return match serde_json::from_str::<serde_json::Value>(s) {
            Ok(_) => Err(ReadError::Unrecognized(
                "a JSON array, not an Apple .ips report (which is a JSON object)".into(),
            )),
            Err(e) if e.to_string().contains("recursion limit") => Err(ips::json_error("JSON", &e)),
            Err(_) => read_plain_text(s, opts, true),
        };
    }
    let (first, end) = ips::parse_object(s, "ips")?;
    let body_keys = BODY_KEYS.iter().any(|k| first.has(k));
    // A header without bug_type still heads an Apple text report (the text
    // is searched for markers only when there is no bug_type to go by).
    let is_header = !body_keys
        && (first.has("bug_type") || apple_text_start(&s[end..]).is_some_and(|(_, n)| n >= 2));
    if !is_header {
        // A body without its header line, or some other JSON.
        let bug = ips::bug_type_of(first.get("bug_type"));
        let ips_like = bug.is_some() || BODY_KEYS.iter().any(|k| first.has(k));
        if !ips_like {
            return Err(ReadError::Unrecognized(
                "a JSON object without any .ips field (bug_type, threads, usedImages, procName, exception); not an Apple crash report".into(),
            ));
        }
        return dispatch_json_body(None, bug.as_deref(), Ok(&first), s);
    }
    let header = Header::from_obj(&first);
    let rest = &s[end..];
    let body_text = rest.trim_start();
    let bug = header.bug_type.clone();
    if body_text.is_empty() {
        return Err(match bug.as_deref().and_then(other::kind_for_bug_type) {
            Some(kind) => other::from_json(kind, bug.as_deref().unwrap_or(""), None, ""),
            None => ReadError::malformed(
                "ips",
                format!(
                    "only the header line is present (bug_type {}); the report body is missing",
                    bug.as_deref().unwrap_or("?")
                ),
            ),
        });
    }
    if body_text.starts_with('{') || body_text.starts_with('[') {
        // Non-crash kinds (panics, jetsam) are read whole: they have no crashed thread.
        let crash_kind = bug.as_deref().and_then(other::kind_for_bug_type).is_none();
        let parsed = match (opts.skim(), crash_kind) {
            (true, true) => crate::skim::parse_object(body_text, "ips", opts),
            (true, false) => crate::skim::parse_detail(body_text, "ips"),
            (false, _) => ips::parse_object(body_text, "ips"),
        };
        let trailing = parsed
            .as_ref()
            .is_ok_and(|(_, end)| body_text.get(*end..).is_some_and(|t| !t.trim().is_empty()));
        let body = parsed.as_ref().map(|(o, _)| o);
        let mut r = dispatch_json_body(Some(&header), bug.as_deref(), body, body_text)?;
        // Text after the JSON body (a pasted system profile, say).
        r.source.wrapped |= trailing;
        return Ok(r);
    }
    dispatch_text_body(&header, body_text, opts)
}

fn dispatch_json_body(
    header: Option<&Header>,
    bug: Option<&str>,
    body: Result<&Obj, &ReadError>,
    raw: &str,
) -> Result<CrashReport, ReadError> {
    if let Some(kind) = bug.and_then(other::kind_for_bug_type) {
        return Err(other::from_json(kind, bug.unwrap_or(""), body.ok(), raw));
    }
    let body = body.map_err(clone_error)?;
    let crash_like = BODY_KEYS.iter().take(4).any(|k| body.has(k));
    match bug {
        Some("309") | Some("109") | None => ips::parse_body(header, body),
        Some(_) if crash_like => ips::parse_body(header, body),
        Some(other) => Err(ReadError::Unsupported {
            format: format!("Apple report with bug_type {other}"),
            hint: Some(
                "only crash reports (bug_type 309, or 109 with a text body) are read".into(),
            ),
        }),
    }
}

fn clone_error(e: &ReadError) -> ReadError {
    match e {
        ReadError::Malformed { format, what } => ReadError::Malformed {
            format,
            what: what.clone(),
        },
        other => ReadError::Unrecognized(other.to_string()),
    }
}

/// A header line followed by a text report (Xcode's legacy export; iOS 14's
/// bug_type 109; 185/188 reports).
fn dispatch_text_body(
    header: &Header,
    body: &str,
    opts: &ReadOptions,
) -> Result<CrashReport, ReadError> {
    let bug = header.bug_type.as_deref().unwrap_or("");
    if let Some(kind) = other::kind_for_bug_type(bug) {
        return Err(other::from_text(kind, body));
    }
    let lines = crate::text::line_vec(body);
    if let Some(err) = other::classify_lines(body, &lines) {
        return Err(err);
    }
    let mut r = apple_text::parse_lines(body, lines, opts, true)?;
    header.fill(&mut r);
    Ok(r)
}

/// Line starts that mark Apple's text crash layout.
const APPLE_TEXT_MARKERS: &[&str] = &[
    "Incident Identifier:",
    "Exception Type:",
    "Crashed Thread:",
    "Triggered by Thread:",
    "Binary Images:",
    "Termination Reason:",
    "Hardware Model:",
];

/// Counting stops here: callers only ask whether a text has at least two.
const MARKERS_ENOUGH: usize = 2;

/// How many Apple markers a text has (up to [`MARKERS_ENOUGH`]), and where
/// the first one starts.
fn apple_text_start(text: &str) -> Option<(usize, usize)> {
    let mut first = None;
    let mut count = 0;
    let mut offset = 0;
    let b = text.as_bytes();
    while offset < b.len() {
        // The line with its newline, as `split_inclusive('\n')` gives it.
        let end = b
            .get(offset..)
            .and_then(|r| memchr::memchr(b'\n', r))
            .map_or(b.len(), |i| offset + i + 1);
        let line = text.get(offset..end).unwrap_or("");
        let t = crate::text::trim_start(line);
        // A line is compared with the markers only when its first letter
        // starts one of them.
        let candidate = t.as_bytes().first().is_some_and(|&c| marker_letter(c));
        let marker = candidate
            && (APPLE_TEXT_MARKERS.iter().any(|m| t.starts_with(m))
                || (t.starts_with("Process:") && t.contains('['))
                || is_apple_thread_header(t));
        if marker {
            count += 1;
            if first.is_none() {
                first = Some(offset + (line.len() - t.len()));
            }
            if count >= MARKERS_ENOUGH {
                break;
            }
        }
        offset = end;
    }
    first.map(|f| (f, count))
}

/// Whether `c` is the first letter of an Apple marker: one of
/// [`APPLE_TEXT_MARKERS`], "Process:" or "Thread ".
fn marker_letter(c: u8) -> bool {
    c == b'P'
        || c == b'T'
        || APPLE_TEXT_MARKERS
            .iter()
            .any(|m| m.as_bytes().first() == Some(&c))
}

/// "Thread 4:", "Thread 4 Crashed:", "Thread 4 Crashed::  …", "Thread 4 name:  …"
/// (and not gdb's "Thread 4 (Thread 0x… (LWP 12)):").
fn is_apple_thread_header(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("Thread ") else {
        return false;
    };
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return false;
    }
    let after = rest[digits..].trim_end();
    after == ":" || after.starts_with(" Crashed:") || after.starts_with(" name:")
}

/// `translated`: whether `text` may hold "Translated Report" (false when a
/// search of it found none).
fn read_plain_text(
    text: &str,
    opts: &ReadOptions,
    translated: bool,
) -> Result<CrashReport, ReadError> {
    // Split once: the sniffers and the parser share the lines.
    let mut lines = crate::text::line_vec(text);
    if let Some(err) = other::classify_lines(text, &lines) {
        return Err(err);
    }
    if let Some((start, count)) = apple_text_start(text) {
        // A log that merely mentions one Apple-like line stays a log (the
        // log signatures are searched only when that question arises).
        if count >= 2 || sniff_log(text).is_none() {
            let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
            let wrapped = !text[..line_start].trim().is_empty();
            let body = unwrap_markdown(text, line_start);
            let mut r = match &body {
                Cow::Borrowed(part) => {
                    match crate::text::lines_of_part(text, &lines, line_start, part.len()) {
                        Some(range) => {
                            lines.truncate(range.end);
                            lines.drain(..range.start);
                            apple_text::parse_lines(part, lines, opts, translated)?
                        }
                        None => apple_text::parse_with(part, opts)?,
                    }
                }
                Cow::Owned(dedented) => apple_text::parse_with(dedented, opts)?,
            };
            r.source.wrapped |= wrapped;
            return Ok(r);
        }
    }
    if let Some((format, hint)) = sniff_log(text) {
        return Err(ReadError::Unsupported {
            format: format.into(),
            hint: Some(hint.into()),
        });
    }
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let first: String = first.chars().take(80).collect();
    Err(ReadError::Unrecognized(format!(
        "no Apple crash report fields (Incident Identifier, Process, Exception Type, Binary Images), no .ips JSON header, and no known log format; the first line is {first:?}"
    )))
}

/// The report from `start` on; when it sits in a Markdown code fence, up to
/// the closing fence; when indented as a Markdown code block, dedented.
fn unwrap_markdown(text: &str, start: usize) -> Cow<'_, str> {
    let before = &text[..start];
    let fenced = before
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_start().starts_with("```") || l.trim_start().starts_with("~~~"));
    let rest = &text[start..];
    let rest = if fenced {
        let mut end = rest.len();
        let mut offset = 0;
        for line in rest.split_inclusive('\n') {
            let t = line.trim_start();
            if t.starts_with("```") || t.starts_with("~~~") {
                end = offset;
                break;
            }
            offset += line.len();
        }
        &rest[..end]
    } else {
        rest
    };
    let indent = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    if indent >= 4 && rest.starts_with("    ") {
        let dedented: Vec<&str> = rest
            .lines()
            .map(|l| l.strip_prefix("    ").unwrap_or(l))
            .collect();
        return Cow::Owned(dedented.join("\n"));
    }
    Cow::Borrowed(rest)
}

/// Signatures of other tools' crash output: (text, what it is). The earliest
/// signature in the file names it.
/// The kind of log, and a hint, when the text matches a known signature
/// (`knowledge/formats.toml`).
fn sniff_log(text: &str) -> Option<(&'static str, &'static str)> {
    let name = crashlens_knowledge::formats::builtin().sniff_log(text)?;
    Some((
        name,
        "this reader handles Apple crash reports (.ips and .crash) only so far",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_bytes_are_counted_eight_at_a_time_as_one_at_a_time() {
        let mut text: Vec<u8> = Vec::new();
        for i in 0..5000u32 {
            text.push((i * 37 % 128) as u8);
        }
        for len in [0, 1, 7, 8, 9, 100, 2039, 2040, 2041, 5000] {
            let b = &text[..len];
            let slow = b.iter().filter(|&&c| c < 0x20 || c == 0x7f).count();
            assert_eq!(super::count_controls_ascii(b), slow, "{len}");
        }
        let all = vec![0x7fu8; 4000];
        assert_eq!(super::count_controls_ascii(&all), 4000);
        assert!(!super::few_controls(&all));
        assert!(super::few_controls(
            b"a line of plain text, twenty or more bytes\n"
        ));
    }

    #[test]
    fn char_stats_counts_as_chars_would() {
        for t in [
            "",
            "plain ascii\n\twith tabs\x0c\x1b",
            "ctl \x01\x7f nul \0",
            "caf\u{e9} \u{fffd}\u{fffd} \u{85}\u{9f}\u{a0} \u{ff00}\u{effd} \u{1f600}",
            "\u{c2}\u{80}\u{ef}\u{bf}\u{bd}",
        ] {
            let total = t.chars().count();
            let odd = t
                .chars()
                .filter(|&c| {
                    c == '\u{fffd}'
                        || (c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c' | '\x1b'))
                })
                .count();
            assert_eq!(char_stats(t), (total, odd), "{t:?}");
        }
    }

    #[test]
    fn empty_and_binary() {
        assert!(matches!(read(b""), Err(ReadError::Empty)));
        let e = read(b"MDMP\x93\xa7\0\0").unwrap_err();
        assert!(!matches!(e, ReadError::Unrecognized(_)), "{e}");
        assert!(e.to_string().contains("minidump"), "{e}");
        let e = read(b"abc\0def").unwrap_err().to_string();
        assert!(e.contains("binary data"), "{e}");
        let e = read(b"   \n\t ").unwrap_err().to_string();
        assert!(e.contains("whitespace"), "{e}");
    }

    #[test]
    fn control_characters_make_binary_data_only_of_text_that_does_not_read() {
        let report = "Process: a [1]\nException Type: EXC_CRASH (SIGABRT)\nCrashed Thread: 0\n\nThread 0 Crashed:\n0   a   0x1000 main + 0\n";
        let noise = "\u{1}".repeat(400);
        let r = read(format!("{report}Note: {noise}\n").as_bytes()).unwrap();
        assert_eq!(r.crashed_thread, Some(0));
        let e = read(format!("some words {noise}\n").as_bytes()).unwrap_err();
        assert!(e.to_string().contains("binary data"), "{e}");
        // The same count as before: 400 of 412 characters.
        assert!(e.to_string().contains("400 of 412"), "{e}");
    }

    #[test]
    fn translated_split() {
        let t = "----\nTranslated Report (Full Report Below)\n----\n\nProcess: a [1]\n\n-----------\nFull Report\n-----------\n\n{\"bug_type\":\"309\"}\n{}\n";
        let tr = split_translated(t).unwrap();
        assert_eq!(tr.text, "\nProcess: a [1]\n\n");
        assert_eq!(tr.full, Some("\n{\"bug_type\":\"309\"}\n{}\n"));
        // Only a line that is the words alone (blanks aside) starts the JSON
        // part; without one, all of it is the text.
        let t = "Translated Report (Full Report Below)\nProcess: a [1]\nNote: Full Report below\n  Full Report \r\n{}";
        let tr = split_translated(t).unwrap();
        assert_eq!(tr.text, "Process: a [1]\nNote: Full Report below\n");
        assert_eq!(tr.full, Some("{}"));
        let t = "Translated Report (Full Report Below)\nA: Full Report\nFull Report.\n";
        let tr = split_translated(t).unwrap();
        assert_eq!(tr.text, "A: Full Report\nFull Report.\n");
        assert_eq!(tr.full, None);
    }

    #[test]
    fn json_header_in_markdown() {
        let t = "Here is my crash:\n\n```\n{\"bug_type\":\"309\",\"app_name\":\"X\"}\n{\"procName\":\"X\",\"threads\":[]}\n```\n";
        let r = read(t.as_bytes()).unwrap();
        assert!(r.source.wrapped);
        assert_eq!(r.process.name.as_deref(), Some("X"));
    }

    #[test]
    fn header_without_bug_type_before_text() {
        let t = "{\"app_name\":\"X\",\"os_version\":\"iPhone OS 8.1 (12B411)\"}\nIncident Identifier: A\nProcess: X [1]\nException Type: EXC_CRASH (SIGABRT)\n";
        let r = read(t.as_bytes()).unwrap();
        assert_eq!(r.process.name.as_deref(), Some("X"));
        assert_eq!(
            r.system.os_build.as_deref(),
            Some("12B411"),
            "from the header"
        );
    }

    #[test]
    fn apple_thread_headers() {
        assert!(is_apple_thread_header("Thread 0:"));
        assert!(is_apple_thread_header("Thread 12 Crashed:"));
        assert!(is_apple_thread_header(
            "Thread 0 Crashed::  Dispatch queue: com.apple.main-thread"
        ));
        assert!(is_apple_thread_header("Thread 3 name:  Dispatch queue: x"));
        assert!(!is_apple_thread_header(
            "Thread 2 (Thread 0x7ffff7fc1740 (LWP 12345)):"
        ));
        assert!(!is_apple_thread_header("Thread state:"));
    }

    #[test]
    fn gdb_thread_dump_stays_a_log() {
        let t = "Program received signal SIGSEGV, Segmentation fault.\n\nThread 2 (Thread 0x7f (LWP 12)):\n#0  0x1 in f ()\n\nThread 1 (Thread 0x7e (LWP 11)):\n#0  0x2 in g ()\n";
        let e = read(t.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("gdb session"), "{e}");
    }

    #[test]
    fn logs_are_named() {
        let e = read(b"==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n")
            .unwrap_err();
        assert!(e.to_string().contains("AddressSanitizer report"), "{e}");
        let e = read(b"panic: runtime error: index out of range\n\ngoroutine 1 [running]:\n")
            .unwrap_err();
        assert!(e.to_string().contains("Go panic"), "{e}");
        let e = read(b"hello world\n").unwrap_err();
        assert!(matches!(e, ReadError::Unrecognized(_)), "{e}");
    }
}
