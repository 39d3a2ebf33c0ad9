//! The `.ips` half of [`Detail::Crashed`](crate::Detail): the body's
//! top-level object is walked here, and serde_json builds only the values
//! kept (as [`crate::json_value::Value`]s):
//! - a crash body becomes JSON trees except for the threads that did not
//!   crash, which are only checked (they become `null`, which the reader
//!   passes over); of `usedImages`, only the entries a signature needs are
//!   built (the others become `null`);
//! - a non-crash body (a panic, a jetsam event) keeps only the fields its
//!   error message is made of ([`crate::other::JSON_DETAIL_KEYS`]).
//!
//! Values left unbuilt are checked by [`crate::json_scan`], which accepts
//! only what serde_json builds and, when unsure (lone surrogate escapes,
//! numbers near f64's range, deep nesting, or anything malformed), makes
//! the skim give up: the caller then reads the body in full, so a body the
//! full read rejects is rejected with the same words.
//!
//! The text half lives in `apple_text` (it skips lines as it walks them).

use std::borrow::Cow;
use std::collections::HashSet;

use crate::json_value::{Map, Number, Value};

use crate::ips::Obj;
use crate::json_scan::{value_end, walk_array, walk_object, ws};
use crate::{ImageId, ReadError, ReadOptions};

/// [`crate::ips::parse_object`] for a crash body read with [`Detail::Crashed`](crate::Detail).
pub(crate) fn parse_object<'s>(
    s: &'s str,
    what: &'static str,
    opts: &ReadOptions,
) -> Result<(Obj<'s>, usize), ReadError> {
    let Some(body) = crash_body(s) else {
        // The full parse says what is wrong, with the same words and position
        // (or reads a shape the skim leaves to it, such as `threads` that is
        // not an array).
        return crate::ips::parse_object(s, what);
    };
    let CrashBody {
        mut obj,
        built_for,
        images,
        end,
    } = body;

    // The crashed thread: `faultingThread`, else the one marked `triggered`.
    let crashed = crashed_index(faulting_thread(&obj), threads_view(&obj));
    if built_for.is_some() && built_for != crashed {
        // `faultingThread` was repeated after the threads, or points past
        // them: the threads passed over may be needed.
        return crate::ips::parse_object(s, what);
    }
    let mut referenced: HashSet<u64> = HashSet::new();
    if let Some(Value::Array(threads)) = first_mut(&mut obj, "threads") {
        for (i, t) in threads.iter_mut().enumerate() {
            if crashed.is_some() && crashed != Some(i) {
                *t = Value::Null;
            } else {
                image_indexes(t.get("frames"), &mut referenced);
            }
        }
    }
    image_indexes(obj.get("lastExceptionBacktrace"), &mut referenced);

    let proc_path = obj
        .last("procPath")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let proc_name = obj
        .last("procName")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let keep = |i: usize, id: Option<ImageId<'_>>| {
        referenced.contains(&(i as u64))
            || match id {
                Some(id) => {
                    // The main executable, as the analysis finds it.
                    (id.path.is_some() && id.path == proc_path.as_deref())
                        || (proc_name.is_some()
                            && (id.name == proc_name.as_deref()
                                || id.bundle_id == proc_name.as_deref()))
                        || opts.wants(id)
                }
                // An older positional entry, or something odd: keep it.
                None => true,
            }
    };
    // The entries of the first `usedImages` were passed over: build those
    // kept from their text, in the place `crash_body` left for them.
    if let (Some(Value::Array(built)), Some(images)) = (first_mut(&mut obj, "usedImages"), images) {
        let mut out = Vec::with_capacity(images.len());
        for (i, image) in images.iter().enumerate() {
            if keep(i, image.id.as_ref().and_then(TextImageId::id)) {
                match build(image.text, 0, 2) {
                    Some((v, _)) => out.push(v),
                    // Not expected (the entry was checked): the full parse
                    // decides.
                    None => return crate::ips::parse_object(s, what),
                }
            } else {
                out.push(Value::Null);
            }
        }
        *built = out;
    }
    Ok((obj, end))
}

/// [`crate::ips::parse_object`] for a non-crash body (a panic, a jetsam
/// event) read with [`Detail::Crashed`](crate::Detail): only the fields its
/// error message is made of are built.
pub(crate) fn parse_detail<'s>(
    s: &'s str,
    what: &'static str,
) -> Result<(Obj<'s>, usize), ReadError> {
    match detail_body(s) {
        Some(body) => Ok(body),
        None => crate::ips::parse_object(s, what),
    }
}

/// The text of the JSON string `s[start..end]` (quotes included), which
/// [`crate::json_scan::string_end`] accepted: borrowed when it has no
/// escapes.
fn string_text(s: &str, start: usize, end: usize) -> Option<Cow<'_, str>> {
    let inner = s.get(start + 1..end.checked_sub(1)?)?;
    // Keys and most values are short: a loop of their own beats a call.
    let escaped = if inner.len() <= 32 {
        inner.bytes().any(|c| c == b'\\')
    } else {
        memchr::memchr(b'\\', inner.as_bytes()).is_some()
    };
    if !escaped {
        Some(Cow::Borrowed(inner))
    } else {
        Some(Cow::Owned(
            unescape(inner).or_else(|| serde_json::from_str(s.get(start..end)?).ok())?,
        ))
    }
}

/// The text of a JSON string's inside, escapes undone, as serde_json reads
/// it; `None` for an escape it does not expect (the scanner has checked the
/// string, so none comes: serde_json then decides). Most escaped strings are
/// paths, whose `/` Apple writes as `\/`.
fn unescape(inner: &str) -> Option<String> {
    let mut out = String::with_capacity(inner.len());
    let mut rest = inner;
    while let Some(at) = memchr::memchr(b'\\', rest.as_bytes()) {
        out.push_str(rest.get(..at)?);
        let b = rest.as_bytes();
        let (c, len) = match *b.get(at + 1)? {
            b'"' => ('"', 2),
            b'\\' => ('\\', 2),
            b'/' => ('/', 2),
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'n' => ('\n', 2),
            b'r' => ('\r', 2),
            b't' => ('\t', 2),
            b'u' => {
                let unit = |from: usize| u32::from_str_radix(rest.get(from..from + 4)?, 16).ok();
                let n = unit(at + 2)?;
                match n {
                    0xD800..=0xDBFF => {
                        if rest.get(at + 6..at + 8)? != "\\u" {
                            return None;
                        }
                        let low = unit(at + 8).filter(|l| (0xDC00..=0xDFFF).contains(l))?;
                        let c = char::from_u32(0x10000 + ((n - 0xD800) << 10) + (low - 0xDC00))?;
                        (c, 12)
                    }
                    0xDC00..=0xDFFF => return None,
                    _ => (char::from_u32(n)?, 6),
                }
            }
            _ => return None,
        };
        out.push(c);
        rest = rest.get(at + len..)?;
    }
    out.push_str(rest);
    Some(out)
}

/// The value at `i` in `s`, as serde_json builds it, and the offset just
/// past it; `None` when serde_json refuses it, or might refuse it where it
/// sits: `above` levels of arrays and objects enclose it, and serde_json
/// counts its nesting limit (127 levels) from the body's root.
///
/// Most values are built by [`build_plain`]; serde_json builds the others.
fn build(s: &str, i: usize, above: usize) -> Option<(Value<'_>, usize)> {
    let room = SERDE_LEVELS.checked_sub(u32::try_from(above).ok()?)?;
    build_plain(s, i, room).or_else(|| build_by_serde(s, i, above))
}

/// The levels of arrays and objects serde_json builds from a body's root.
const SERDE_LEVELS: u32 = 127;

/// [`build`] straight from the text, for values whose every part the
/// scanner ([`crate::json_scan`]) checks as serde_json would: strings,
/// literals, integers that fit 64 bits, and arrays and objects of those at
/// most `room` levels deep. `None` for anything else (a fraction or an
/// exponent, a larger integer, `-0`, deeper nesting, anything malformed),
/// which [`build_by_serde`] then builds or refuses. Building through serde
/// was about 4% of `group`'s instructions.
fn build_plain(s: &str, i: usize, room: u32) -> Option<(Value<'_>, usize)> {
    let b = s.as_bytes();
    match *b.get(i)? {
        b'"' => {
            let end = crate::json_scan::string_end(b, i + 1)?;
            Some((Value::String(string_text(s, i, end)?), end))
        }
        b'{' => {
            let room = room.checked_sub(1)?;
            let mut entries = Vec::new();
            let end = walk_object(b, i, |(ka, kz), at| {
                let (v, end) = build_plain(s, at, room)?;
                entries.push((string_text(s, ka, kz)?, v));
                Some(end)
            })?;
            Some((Value::Object(Map(entries)), end))
        }
        b'[' => {
            let room = room.checked_sub(1)?;
            let mut items = Vec::new();
            let end = walk_array(b, i, |at| {
                let (v, end) = build_plain(s, at, room)?;
                items.push(v);
                Some(end)
            })?;
            Some((Value::Array(items), end))
        }
        b't' => Some((
            Value::Bool(true),
            crate::json_scan::literal_end(b, i, b"true")?,
        )),
        b'f' => Some((
            Value::Bool(false),
            crate::json_scan::literal_end(b, i, b"false")?,
        )),
        b'n' => Some((Value::Null, crate::json_scan::literal_end(b, i, b"null")?)),
        b'-' | b'0'..=b'9' => {
            let end = crate::json_scan::number_end(b, i)?;
            let text = s.get(i..end)?;
            // serde_json makes `-0` and integers past 64 bits floats, and a
            // fraction or exponent always does: those fail to parse here.
            let n = if text.starts_with('-') {
                Number::from(text.parse::<i64>().ok().filter(|n| *n < 0)?)
            } else {
                Number::from(text.parse::<u64>().ok()?)
            };
            Some((Value::Number(n), end))
        }
        _ => None,
    }
}

/// [`build`] by serde_json.
fn build_by_serde(s: &str, i: usize, above: usize) -> Option<(Value<'_>, usize)> {
    let rest = s.get(i..)?;
    let mut values = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
    let v = values.next()?.ok()?;
    let len = values.byte_offset();
    // Nesting `n` levels takes `2n` bytes, and no more levels than it has
    // `[` and `{` (strings included).
    let limit = 127usize.checked_sub(above)?;
    let deep = len >= 2 * limit && {
        let text = rest.get(..len)?.as_bytes();
        let openers: usize = text
            .chunks(255)
            .map(|c| usize::from(c.iter().fold(0u8, |n, &b| n + u8::from(b | 0x20 == b'{'))))
            .sum();
        openers > limit
    };
    (!deep).then_some((v, i + len))
}

fn first_mut<'o, 's>(obj: &'o mut Obj<'s>, key: &str) -> Option<&'o mut Value<'s>> {
    obj.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn threads_view<'o, 's>(obj: &'o Obj<'s>) -> &'o [Value<'s>] {
    match obj.get("threads") {
        Some(Value::Array(t)) => t,
        _ => &[],
    }
}

/// The `faultingThread` the reader ends up with (the last one, when repeated).
fn faulting_thread(obj: &Obj) -> Option<Option<u64>> {
    obj.last("faultingThread").map(Value::as_u64)
}

/// The position of the crashed thread in `threads`, when the report says:
/// `faultingThread` when it is a number (and in range), else the thread
/// marked `triggered`.
fn crashed_index(faulting: Option<Option<u64>>, threads: &[Value]) -> Option<usize> {
    if let Some(Some(n)) = faulting {
        let n = usize::try_from(n).ok()?;
        return (n < threads.len()).then_some(n);
    }
    threads.iter().position(|t| {
        t.get("triggered")
            .is_some_and(|v| *v == Value::Bool(true) || v.as_u64() == Some(1))
    })
}

/// What the keep decision reads of one built `usedImages` entry; `None`
/// when it is not an object or one of these fields is neither a string nor
/// null ([`TextImageId`] reads the same from the text, as a test checks).
#[cfg(test)]
fn image_id<'v>(v: &'v Value<'_>) -> Option<ImageId<'v>> {
    let m = v.as_object()?;
    let field = |k: &str| match m.get(k) {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(&**s)),
        Some(_) => None,
    };
    Some(ImageId {
        name: field("name")?,
        bundle_id: field("CFBundleIdentifier")?,
        path: field("path")?,
    })
}

/// Adds the `imageIndex` of every frame in a `frames` array (object frames,
/// or the positional `[imageIndex, imageOffset]` form).
fn image_indexes(frames: Option<&Value>, out: &mut HashSet<u64>) {
    let Some(Value::Array(frames)) = frames else {
        return;
    };
    for f in frames {
        let ix = match f {
            Value::Object(m) => m.get("imageIndex").and_then(Value::as_u64),
            Value::Array(a) => a.first().and_then(Value::as_u64),
            _ => None,
        };
        if let Some(ix) = ix {
            out.insert(ix);
        }
    }
}

/// A crash body: every entry built, except the threads that did not crash
/// and the entries of the first `usedImages`.
struct CrashBody<'s> {
    obj: Obj<'s>,
    /// The position of the one thread built in the first `threads`, from a
    /// `faultingThread` that came before it (as in Apple's files); `None`
    /// when every thread was built. [`parse_object`] checks it against the
    /// crashed thread the whole body gives.
    built_for: Option<usize>,
    /// The entries of the first `usedImages` (an array), as text; its place
    /// in `obj` holds an empty array until [`parse_object`], knowing the
    /// whole body, builds the entries it keeps.
    images: Option<Vec<ImageText<'s>>>,
    /// The offset just past the body.
    end: usize,
}

fn crash_body(s: &str) -> Option<CrashBody<'_>> {
    let b = s.as_bytes();
    let mut out: Vec<(Cow<'_, str>, Value<'_>)> = Vec::new();
    let mut faulting: Option<u64> = None;
    let (mut threads_seen, mut built_for) = (false, None);
    let mut images: Option<Vec<ImageText<'_>>> = None;
    let end = walk_object(b, ws(b, 0), |(ka, kz), i| {
        let k = string_text(s, ka, kz)?;
        if k == "threads" && !threads_seen {
            threads_seen = true;
            built_for = faulting.and_then(|n| usize::try_from(n).ok());
            let mut threads = Vec::new();
            let end = walk_array(b, i, |i| {
                if built_for.is_none_or(|c| c == threads.len()) {
                    let (v, end) = build_thread(s, i)?;
                    threads.push(v);
                    Some(end)
                } else {
                    threads.push(Value::Null);
                    value_end(b, i)
                }
            })?;
            out.push((k, Value::Array(threads)));
            return Some(end);
        }
        if k == "usedImages" && images.is_none() {
            let mut entries = Vec::new();
            let end = walk_array(b, i, |i| {
                let (id, end) = match text_image_id(s, i) {
                    Some((id, end)) => (Some(id), end),
                    None => (None, value_end(b, i)?),
                };
                entries.push(ImageText {
                    text: s.get(i..end)?,
                    id,
                });
                Some(end)
            })?;
            images = Some(entries);
            out.push((k, Value::Array(Vec::new())));
            return Some(end);
        }
        if !crate::ips::reads_field(&k) {
            // Filed under `extras` by the full read, which no signature or
            // summary reads: checked, not built.
            return value_end(b, i);
        }
        let (v, end) = build(s, i, 1)?;
        if k == "faultingThread" {
            faulting = v.as_u64();
        }
        out.push((k, v));
        Some(end)
    })?;
    Some(CrashBody {
        obj: Obj(out),
        built_for,
        images,
        end,
    })
}

/// A kept thread at `i` (two levels below the body's root), built as
/// [`build`] would with only the fields a signature or summary reads
/// ([`crate::ips::thread_field_for_summary`]). The others (the register
/// state, the instruction bytes around the pc) are checked, not built; the
/// full read files them under the thread's state and `extras`.
fn build_thread(s: &str, i: usize) -> Option<(Value<'_>, usize)> {
    let b = s.as_bytes();
    if b.get(i) != Some(&b'{') {
        return build(s, i, 2);
    }
    let mut entries = Vec::new();
    let end = walk_object(b, i, |(ka, kz), at| {
        let k = string_text(s, ka, kz)?;
        if !crate::ips::thread_field_for_summary(&k) {
            return value_end(b, at);
        }
        let (v, end) = build(s, at, 3)?;
        entries.push((k, v));
        Some(end)
    })?;
    Some((Value::Object(Map(entries)), end))
}

/// A `usedImages` entry passed over: its text, and what the keep decision
/// reads of it (`None` when it is not an object).
struct ImageText<'s> {
    text: &'s str,
    id: Option<TextImageId<'s>>,
}

/// What [`image_id`] reads of a `usedImages` entry, from its text: `None`
/// for a field that is absent or null, `Err(())` for one that is neither a
/// string nor null; the last of a repeated key counts, as in a built map.
struct TextImageId<'s> {
    name: Result<Option<Cow<'s, str>>, ()>,
    bundle_id: Result<Option<Cow<'s, str>>, ()>,
    path: Result<Option<Cow<'s, str>>, ()>,
}

impl TextImageId<'_> {
    fn id(&self) -> Option<ImageId<'_>> {
        fn field<'a>(f: &'a Result<Option<Cow<'_, str>>, ()>) -> Option<Option<&'a str>> {
            f.as_ref().ok().map(|v| v.as_deref())
        }
        Some(ImageId {
            name: field(&self.name)?,
            bundle_id: field(&self.bundle_id)?,
            path: field(&self.path)?,
        })
    }
}

/// [`TextImageId`] of the entry at `i` in `s`, and the offset just past it;
/// `None` when it is not an object (or the scanner is not sure of it).
fn text_image_id(s: &str, i: usize) -> Option<(TextImageId<'_>, usize)> {
    let b = s.as_bytes();
    let mut out = TextImageId {
        name: Ok(None),
        bundle_id: Ok(None),
        path: Ok(None),
    };
    let end = walk_object(b, i, |(ka, kz), i| {
        let slot = match b.get(ka + 1..kz.saturating_sub(1))? {
            b"name" => &mut out.name,
            b"CFBundleIdentifier" => &mut out.bundle_id,
            b"path" => &mut out.path,
            // Other keys, and keys with escapes (which the full parse reads
            // as written here only by chance): the full text decides below.
            key if memchr::memchr(b'\\', key).is_none() => return value_end(b, i),
            _ => return None,
        };
        let end = value_end(b, i)?;
        *slot = match b.get(i)? {
            b'"' => Ok(Some(string_text(s, i, end)?)),
            b'n' => Ok(None),
            _ => Err(()),
        };
        Some(end)
    })?;
    Some((out, end))
}

/// A non-crash body with only [`crate::other::JSON_DETAIL_KEYS`] built, and
/// of `processes` (a jetsam event's list) only [`crate::other::JETSAM_PROCESS_KEYS`];
/// and the offset just past it.
fn detail_body(s: &str) -> Option<(Obj<'_>, usize)> {
    let b = s.as_bytes();
    let mut out: Vec<(Cow<'_, str>, Value<'_>)> = Vec::new();
    let end = walk_object(b, ws(b, 0), |(ka, kz), i| {
        let k = string_text(s, ka, kz)?;
        if k == "processes" {
            let (v, end) = each_pick(
                s,
                i,
                crate::other::JETSAM_PROCESS_KEYS,
                crate::other::JETSAM_KILL_REASON,
            )?;
            out.push((k, v));
            Some(end)
        } else if is_one_of(&k, crate::other::JSON_DETAIL_KEYS) {
            let (v, end) = build(s, i, 1)?;
            out.push((k, v));
            Some(end)
        } else {
            value_end(b, i)
        }
    })?;
    Some((Obj(out), end))
}

/// Whether `k` is one of `keys`, lengths compared first: most keys a
/// jetsam event's hundred process entries hold are none of the few wanted,
/// and differ in length.
fn is_one_of(k: &str, keys: &[&str]) -> bool {
    keys.iter().any(|x| x.len() == k.len() && *x == k)
}

/// The value at `i` read as a list of objects of which only `keys` are
/// built, and only for objects that have the key `needed` (a jetsam entry
/// without a `reason` is passed over by the message): an array becomes one
/// entry per element (an object with those of its keys, else `null`);
/// anything else becomes `null`.
fn each_pick<'s>(s: &'s str, i: usize, keys: &[&str], needed: &str) -> Option<(Value<'s>, usize)> {
    let b = s.as_bytes();
    if b.get(i) != Some(&b'[') {
        return Some((Value::Null, value_end(b, i)?));
    }
    let mut out = Vec::new();
    // Where each listed key's value starts in the current element.
    let mut found: Vec<(Cow<'_, str>, usize)> = Vec::new();
    let end = walk_array(b, i, |i| {
        if b.get(i) != Some(&b'{') {
            out.push(Value::Null);
            return value_end(b, i);
        }
        found.clear();
        let end = walk_object(b, i, |(ka, kz), i| {
            let k = string_text(s, ka, kz)?;
            if is_one_of(&k, keys) {
                found.push((k, i));
            }
            value_end(b, i)
        })?;
        if !found.iter().any(|(k, _)| k == needed) {
            out.push(Value::Null);
            return Some(end);
        }
        let mut m = Vec::with_capacity(found.len());
        for (k, at) in found.drain(..) {
            let (v, _) = build(s, at, 3)?;
            m.push((k, v));
        }
        out.push(Value::Object(Map(m)));
        Some(end)
    })?;
    Some((Value::Array(out), end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_undone_as_serde_json_undoes_them() {
        let mut strings: Vec<String> = Vec::new();
        for text in crate::test_corpus::texts("apple") {
            let b = text.as_bytes();
            let mut i = 0;
            while let Some(q) = memchr::memchr(b'"', b.get(i..).unwrap_or_default()) {
                let start = i + q;
                match crate::json_scan::string_end(b, start + 1) {
                    Some(end) => {
                        strings.push(text[start..end].to_string());
                        i = end;
                    }
                    None => i = start + 1,
                }
            }
        }
        for edge in [
            r#""\/a\/b""#,
            r#""\"\\\/\b\f\n\r\t""#,
            r#""\u0000\u001f\u00e9\u20ac\uFFFF\ud7ff\ue000""#,
            r#""x\ud83d\ude00y\uD83D\uDE00""#,
            r#""é\n€""#,
            r#""\\""#,
        ] {
            strings.push(edge.to_string());
        }
        let escaped = strings.iter().filter(|s| s.contains('\\')).count();
        assert!(escaped > 100, "{escaped}");
        for s in &strings {
            let want: String = serde_json::from_str(s).unwrap();
            let inner = &s[1..s.len() - 1];
            assert_eq!(unescape(inner).as_deref(), Some(want.as_str()), "{s}");
        }
        // What the scanner refuses, this does not guess at.
        for bad in [r"\ud800", r"\udc00", r"\ud800\u0041", r"\x", r"\u12", "\\"] {
            assert_eq!(unescape(bad), None, "{bad}");
        }
    }

    /// A crash body with `"x": value` in thread 1, which did not crash, and
    /// in an image entry no frame points at.
    fn body_with(value: &str) -> String {
        format!(
            r#"{{"faultingThread":0,"threads":[{{"id":0,"frames":[{{"imageIndex":0}}]}},{{"id":1,"x":{value}}}],"usedImages":[{{"name":"a"}},{{"name":"b","x":{value}}}]}}"#
        )
    }

    /// [`build_plain`] gives what serde_json builds, or leaves it to it.
    /// (Not [`build_by_serde`], which refuses, to be safe, values with many
    /// arrays and objects in all, however shallow.)
    fn plain_is_serde(s: &str, i: usize) -> bool {
        let serde = || {
            let mut values = serde_json::Deserializer::from_str(&s[i..]).into_iter::<Value>();
            let v = values.next()?.ok()?;
            Some((v, i + values.byte_offset()))
        };
        match build_plain(s, i, SERDE_LEVELS) {
            Some(plain) => serde() == Some(plain),
            None => true,
        }
    }

    #[test]
    fn values_built_from_the_text_are_what_serde_builds() {
        let mut plain = 0;
        for body in crate::json_scan::tests::corpus_json_bodies() {
            let b = body.as_bytes();
            // Every value of every object in the body, at every depth.
            // `"key": value` and the pretty-printed `"key" : value`.
            let colons = body.match_indices("\":").map(|(i, _)| i + 2);
            for at in colons.chain(body.match_indices("\" :").map(|(i, _)| i + 3)) {
                let at = ws(b, at);
                assert!(
                    plain_is_serde(&body, at),
                    "{}",
                    &body[at..(at + 80).min(body.len())]
                );
                plain += usize::from(build_plain(&body, at, SERDE_LEVELS).is_some());
            }
        }
        assert!(plain > 3_000, "{plain}");
        for v in [
            "0",
            "7",
            "-1",
            "-0",
            "-9223372036854775808",
            "-9223372036854775809",
            "18446744073709551615",
            "18446744073709551616",
            "1.5",
            "1e3",
            "-2E-2",
            r#""a\u00e9\n""#,
            r#""\ud83d\ude00""#,
            r#"{"k":1,"k":2}"#,
            "[]",
            "{}",
            "[true,false,null]",
            r#"{"a\u0062":[1,{"c":"d"}]}"#,
            "[1,]",
            "nul",
            "01",
        ] {
            assert!(plain_is_serde(v, 0), "{v}");
        }
        // serde_json makes these floats (or refuses them): left to it.
        for v in [
            "-0",
            "1.5",
            "18446744073709551616",
            "-9223372036854775809",
            "1e3",
        ] {
            assert_eq!(build_plain(v, 0, SERDE_LEVELS), None, "{v}");
        }
        // Nesting: `room` levels are built, one more is left to serde_json.
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(build_plain(&deep(3), 0, 3).is_some());
        assert_eq!(build_plain(&deep(4), 0, 3), None);
    }

    #[test]
    fn ordinary_unbuilt_values_are_passed_over() {
        for value in [
            r#"["\"", "\/", "\n", "\u00e9", "\ud83d\ude00", "\\ud800"]"#,
            "0.25",
            "-3",
            "[1.5e3, -0, 2E-7, 18446744073709551616, {}]",
        ] {
            let body = body_with(value);
            let (obj, _) = parse_object(&body, "ips", &ReadOptions::crashed(None))
                .unwrap_or_else(|e| panic!("{value}: {e}"));
            let threads = obj.get("threads").and_then(Value::as_array).unwrap();
            // Not built: the skim did not fall back to the full parse.
            assert!(threads[1].is_null(), "{value}");
            let images = obj.get("usedImages").and_then(Value::as_array).unwrap();
            assert_eq!(images[0].get("name").and_then(Value::as_str), Some("a"));
            assert!(images[1].is_null(), "{value}");
        }
    }

    #[test]
    fn unsure_unbuilt_values_make_the_full_parse_decide() {
        let deep = format!("{}{}", "[".repeat(101), "]".repeat(101));
        // serde_json builds these, but the scanner is not sure: the full
        // parse reads the body (every thread built).
        for value in [deep.as_str(), "1e301", "0e999"] {
            let body = body_with(value);
            let (obj, _) = parse_object(&body, "ips", &ReadOptions::crashed(None))
                .unwrap_or_else(|e| panic!("{value}: {e}"));
            let threads = obj.get("threads").and_then(Value::as_array).unwrap();
            assert!(threads[1].get("x").is_some(), "{value}");
        }
        // serde_json refuses these: the same error as the full parse.
        let deep = format!("{}{}", "[".repeat(130), "]".repeat(130));
        let long = "7".repeat(400);
        for value in [deep.as_str(), "1e999", r#""\ud800""#, r#""a\udc00""#, &long] {
            let body = body_with(value);
            let skim = parse_object(&body, "ips", &ReadOptions::crashed(None)).unwrap_err();
            let full = crate::ips::parse_object(&body, "ips").unwrap_err();
            assert_eq!(skim.to_string(), full.to_string(), "{value}");
        }
    }

    #[test]
    fn image_ids_read_from_text_match_built_ones() {
        for entry in [
            r#"{"name":"a","path":"/x/a","CFBundleIdentifier":"com.a"}"#,
            r#"{"name":"a","name":"b","path":null}"#,
            r#"{"name":"a\/b\u00e9","path":7}"#,
            r#"{"name":["a"]}"#,
            r#"["uuid",4096,"P"]"#,
            r#"{}"#,
            r#"7"#,
        ] {
            let built: Value = serde_json::from_str(entry).unwrap();
            let text = text_image_id(entry, 0).map(|(id, _)| id);
            assert_eq!(
                text.as_ref().and_then(TextImageId::id),
                image_id(&built),
                "{entry}"
            );
        }
    }

    #[test]
    fn only_the_crashed_thread_is_built() {
        let body = r#"{"faultingThread":1,"threads":[{"id":0},{"id":1,"frames":[]},{"id":2}]}"#;
        let (obj, _) = parse_object(body, "ips", &ReadOptions::crashed(None)).unwrap();
        let threads = obj.get("threads").and_then(Value::as_array).unwrap();
        assert_eq!(threads.len(), 3);
        assert!(threads[0].is_null() && threads[2].is_null());
        assert_eq!(threads[1].get("id").and_then(Value::as_u64), Some(1));
    }

    #[test]
    fn a_kept_thread_leaves_its_registers_and_instruction_bytes_unbuilt() {
        let body = r#"{"faultingThread":0,"threads":[{"id":7,"triggered":true,"queue":"q",
            "threadState":{"x":[{"value":1}],"pc":{"value":2}},"instructionState":{"instructionStream":{"bytes":[1,2,3],"offset":1}},
            "frames":[{"imageIndex":0,"imageOffset":4}]}]}"#;
        let (obj, _) = parse_object(body, "ips", &ReadOptions::crashed(None)).unwrap();
        let threads = obj.get("threads").and_then(Value::as_array).unwrap();
        let t = &threads[0];
        assert_eq!(t.get("id").and_then(Value::as_u64), Some(7));
        assert_eq!(t.get("queue").and_then(Value::as_str), Some("q"));
        assert!(t.get("frames").and_then(Value::as_array).is_some());
        assert!(t.get("threadState").is_none() && t.get("instructionState").is_none());
        // Still checked: a broken register state fails as the full parse does.
        let broken = body.replace(r#""pc":{"value":2}"#, r#""pc":{"value":2,}"#);
        let full = crate::ips::parse_object(&broken, "ips")
            .unwrap_err()
            .to_string();
        let skim = parse_object(&broken, "ips", &ReadOptions::crashed(None));
        assert_eq!(skim.unwrap_err().to_string(), full);
    }

    #[test]
    fn a_faulting_thread_after_the_threads_is_read_too() {
        // faultingThread after the threads: every thread is built first.
        let body = r#"{"threads":[{"id":0},{"id":1}],"faultingThread":1}"#;
        let (obj, _) = parse_object(body, "ips", &ReadOptions::crashed(None)).unwrap();
        let threads = obj.get("threads").and_then(Value::as_array).unwrap();
        assert!(threads[0].is_null());
        assert_eq!(threads[1].get("id").and_then(Value::as_u64), Some(1));
        // Repeated with another value after the threads: the full parse.
        let body = r#"{"faultingThread":0,"threads":[{"id":0},{"id":1}],"faultingThread":1}"#;
        let (obj, _) = parse_object(body, "ips", &ReadOptions::crashed(None)).unwrap();
        let threads = obj.get("threads").and_then(Value::as_array).unwrap();
        assert_eq!(threads[1].get("id").and_then(Value::as_u64), Some(1));
        assert_eq!(threads[0].get("id").and_then(Value::as_u64), Some(0));
    }

    #[test]
    fn a_detail_body_keeps_only_the_message_fields() {
        let body = r#"{"bug_type":"298","largestProcess":"App","processes":[{"name":"App","reason":"highwater","pid":7,"uuid":"x"},3,{"name":"B","pid":8}],"other":[1,2]}"#;
        let (obj, _) = parse_detail(body, "ips").unwrap();
        assert_eq!(
            obj.get("largestProcess").and_then(Value::as_str),
            Some("App")
        );
        assert!(obj.get("other").is_none());
        let procs = obj.get("processes").and_then(Value::as_array).unwrap();
        assert_eq!(
            procs[0].get("reason").and_then(Value::as_str),
            Some("highwater")
        );
        assert!(procs[0].get("uuid").is_none());
        assert!(procs[1].is_null());
        // Not killed (no reason): not built.
        assert!(procs[2].is_null());
    }

    /// The skim against the full parse on mutated corpus bodies (a fixed
    /// walk of changes, the same every run): both fail with the same words,
    /// or both succeed with the same end and the same keys (of those the full
    /// read does not file under `extras`), with the same values except
    /// those the skim leaves `null`.
    #[test]
    fn mutated_bodies_read_as_the_full_parse_does() {
        let bodies = crate::json_scan::tests::corpus_json_bodies();
        let changes = crate::json_scan::tests::MUTATIONS;
        let mut next = crate::json_scan::tests::walk_from(0x2545_F491_4F6C_DD1D);
        let opts = ReadOptions::crashed(None);
        let mut compared = 0;
        for body in &bodies {
            for _ in 0..40 {
                let mut b = body.as_bytes().to_vec();
                for _ in 0..(1 + next() % 3) {
                    let at = (next() as usize) % b.len();
                    if b[at].is_ascii() {
                        b[at] = changes[(next() as usize) % changes.len()];
                    }
                }
                let Ok(s) = String::from_utf8(b) else {
                    continue;
                };
                let full = crate::ips::parse_object(&s, "ips");
                let skim = parse_object(&s, "ips", &opts);
                let detail = parse_detail(&s, "ips");
                compared += 1;
                match (&full, &detail) {
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                    (Ok((_, fe)), Ok((_, ke))) => assert_eq!(fe, ke),
                    _ => panic!("full {:?}, detail {:?}", full.err(), detail.err()),
                }
                match (&full, &skim) {
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                    (Ok((f, fe)), Ok((k, ke))) => {
                        assert_eq!(fe, ke);
                        // The fields the full read files under `extras` are
                        // checked, not built.
                        let read: Vec<_> =
                            f.0.iter()
                                .filter(|(k, _)| crate::ips::reads_field(k))
                                .collect();
                        assert_eq!(read.len(), k.0.len());
                        for ((key, a), (key2, b)) in read.into_iter().zip(&k.0) {
                            assert_eq!(key, key2);
                            match (a, b) {
                                (Value::Array(a), Value::Array(b))
                                    if key == "threads" || key == "usedImages" =>
                                {
                                    assert_eq!(a.len(), b.len(), "{key}");
                                    for (x, y) in a.iter().zip(b) {
                                        // A kept thread has the fields it builds.
                                        let x = match x {
                                            Value::Object(Map(m)) if key == "threads" => {
                                                Value::Object(Map(m
                                                    .iter()
                                                    .filter(|(k, _)| {
                                                        crate::ips::thread_field_for_summary(k)
                                                    })
                                                    .cloned()
                                                    .collect()))
                                            }
                                            x => x.clone(),
                                        };
                                        assert!(y.is_null() || x == *y, "{key}");
                                    }
                                }
                                _ => assert_eq!(a, b, "{key}"),
                            }
                        }
                    }
                    _ => panic!("full {:?}, skim {:?}", full.err(), skim.err()),
                }
            }
        }
        assert!(compared > 200, "{compared}");
    }
}
