//! The `.ips` half of [`Detail::Crashed`](crate::Detail): the JSON body is
//! split into raw top-level values first; `threads` and `usedImages` are then
//! turned into JSON trees only for the crashed thread and the images a
//! signature needs (every other entry becomes `null`, which the reader passes
//! over), so most of a large report is scanned but never built.
//!
//! The text half lives in `apple_text` (it skips lines as it walks them).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::ips::{json_error, Obj};
use crate::{ImageId, ReadError, ReadOptions};

/// A JSON object's entries, values left as raw text.
struct RawObj<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for RawObj<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawObj<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawObj<'de>, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = map.next_key::<Cow<'de, str>>()? {
                    let v: &'de RawValue = map.next_value()?;
                    out.push((k, v));
                }
                Ok(RawObj(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// What the keep decision reads of one `usedImages` entry.
#[derive(serde::Deserialize)]
struct ImageKeys<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    path: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "CFBundleIdentifier")]
    bundle_id: Option<Cow<'a, str>>,
}

/// [`crate::ips::parse_object`] for a body read with [`Detail::Crashed`](crate::Detail).
pub(crate) fn parse_object(
    s: &str,
    what: &'static str,
    opts: &ReadOptions,
) -> Result<(Obj, usize), ReadError> {
    let mut de = serde_json::Deserializer::from_str(s).into_iter::<RawObj>();
    let (raw, end) = match de.next() {
        Some(Ok(obj)) => (obj, de.byte_offset()),
        // The full parse says what is wrong, with the same words and position.
        _ => return crate::ips::parse_object(s, what),
    };
    // The full read fails on nesting past serde_json's limit and on numbers
    // out of f64's range anywhere in the body; scanning raw values does not.
    // Such bodies take the full road, so both reads fail (or succeed) alike.
    if needs_full_parse(s.get(..end).unwrap_or(s)) {
        return crate::ips::parse_object(s, what);
    }
    let tree =
        |v: &RawValue| serde_json::from_str::<Value>(v.get()).map_err(|e| json_error(what, &e));
    let mut out: Vec<(String, Value)> = Vec::with_capacity(raw.0.len());
    let (mut threads_at, mut images_at) = (None, None);
    for (k, v) in &raw.0 {
        match k.as_ref() {
            "threads" if threads_at.is_none() => {
                threads_at = Some(out.len());
                out.push((k.to_string(), Value::Null));
            }
            "usedImages" if images_at.is_none() => {
                images_at = Some(out.len());
                out.push((k.to_string(), Value::Null));
            }
            _ => out.push((k.to_string(), tree(v)?)),
        }
    }
    let mut obj = Obj(out);
    let get_raw = |key: &str| raw.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v);

    // The crashed thread: `faultingThread`, else the one marked `triggered`.
    let mut referenced: HashSet<u64> = HashSet::new();
    if let (Some(at), Some(v)) = (threads_at, get_raw("threads")) {
        let threads = match serde_json::from_str::<Vec<&RawValue>>(v.get()) {
            Ok(list) => {
                let crashed = crashed_index(&obj, &list);
                let mut arr = Vec::with_capacity(list.len());
                for (i, t) in list.iter().enumerate() {
                    if crashed.is_none() || crashed == Some(i) {
                        let t = tree(t)?;
                        image_indexes(t.get("frames"), &mut referenced);
                        arr.push(t);
                    } else {
                        arr.push(Value::Null);
                    }
                }
                Value::Array(arr)
            }
            // Not an array: the reader reports it as it would.
            Err(_) => tree(v)?,
        };
        if let Some(slot) = obj.0.get_mut(at) {
            slot.1 = threads;
        }
    }
    image_indexes(obj.get("lastExceptionBacktrace"), &mut referenced);

    if let (Some(at), Some(v)) = (images_at, get_raw("usedImages")) {
        let proc_path = obj.last("procPath").and_then(Value::as_str);
        let proc_name = obj.last("procName").and_then(Value::as_str);
        let images = match serde_json::from_str::<Vec<&RawValue>>(v.get()) {
            Ok(list) => {
                let mut arr = Vec::with_capacity(list.len());
                for (i, im) in list.iter().enumerate() {
                    let keep = referenced.contains(&(i as u64))
                        || match serde_json::from_str::<ImageKeys>(im.get()) {
                            Ok(keys) => {
                                let id = ImageId {
                                    name: keys.name.as_deref(),
                                    bundle_id: keys.bundle_id.as_deref(),
                                    path: keys.path.as_deref(),
                                };
                                // The main executable, as the analysis finds it.
                                (id.path.is_some() && id.path == proc_path)
                                    || (proc_name.is_some()
                                        && (id.name == proc_name || id.bundle_id == proc_name))
                                    || opts.wants(id)
                            }
                            // An older positional entry, or something odd: keep it.
                            Err(_) => true,
                        };
                    arr.push(if keep { tree(im)? } else { Value::Null });
                }
                Value::Array(arr)
            }
            Err(_) => tree(v)?,
        };
        if let Some(slot) = obj.0.get_mut(at) {
            slot.1 = images;
        }
    }
    Ok((obj, end))
}

/// Nesting deeper than this sends a body to the full parse (serde_json's
/// own limit is 128; real reports nest about 8 deep).
const SKIM_MAX_DEPTH: usize = 100;

/// A run of digits longer than this may not fit an f64 (serde_json fails on
/// it when building a value, not when scanning).
const SKIM_MAX_DIGITS: usize = 300;

/// Whether a body must be parsed whole for the skimmed read to fail where the
/// full one fails: it nests deeper than [`SKIM_MAX_DEPTH`], or has a number
/// with an exponent or more than [`SKIM_MAX_DIGITS`] digits (which may be out
/// of f64's range). Real reports have neither.
fn needs_full_parse(json: &str) -> bool {
    nesting_exceeds(json, SKIM_MAX_DEPTH)
}

/// Whether JSON text nests arrays and objects deeper than `limit`, or has a
/// number that may not fit an f64 (strings, with their escapes, are passed over).
fn nesting_exceeds(json: &str, limit: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let (mut digits, mut prev) = (0usize, 0u8);
    for &b in json.as_bytes() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'0'..=b'9' => {
                digits += 1;
                if digits > SKIM_MAX_DIGITS {
                    return true;
                }
            }
            b'e' | b'E' if prev.is_ascii_digit() => return true,
            _ => {}
        }
        if !b.is_ascii_digit() {
            digits = 0;
        }
        prev = b;
    }
    false
}

/// The position of the crashed thread in `threads`, when the report says.
fn crashed_index(body: &Obj, threads: &[&RawValue]) -> Option<usize> {
    if let Some(n) = body.last("faultingThread").and_then(Value::as_u64) {
        let n = usize::try_from(n).ok()?;
        return (n < threads.len()).then_some(n);
    }
    threads.iter().position(|t| {
        t.get().contains("\"triggered\"")
            && serde_json::from_str::<Value>(t.get())
                .ok()
                .and_then(|v| v.get("triggered").cloned())
                .is_some_and(|v| v == Value::Bool(true) || v.as_u64() == Some(1))
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

#[cfg(test)]
mod tests {
    use super::nesting_exceeds;

    #[test]
    fn nesting_depth_skips_strings() {
        assert!(!nesting_exceeds(r#"{"a":[1,{"b":[]}]}"#, 4));
        assert!(nesting_exceeds(r#"{"a":[1,{"b":[]}]}"#, 3));
        assert!(nesting_exceeds(r#"{"a":[1,{"b":[[]]}]}"#, 4));
        assert!(!nesting_exceeds(r#"{"a":"[[[[[[","b":"\"[[[["}"#, 1));
        let deep = format!("{}{}", "[".repeat(101), "]".repeat(101));
        assert!(nesting_exceeds(&deep, 100));
    }

    #[test]
    fn numbers_that_may_not_fit_an_f64_need_the_full_parse() {
        use super::needs_full_parse;
        assert!(needs_full_parse("[1e400]"));
        assert!(needs_full_parse("[1.5E3]"));
        assert!(needs_full_parse(&format!("[{}]", "9".repeat(301))));
        assert!(!needs_full_parse(&format!("[{}]", "9".repeat(300))));
        assert!(!needs_full_parse(
            r#"{"a":true,"b":false,"c":"1e400","d":12345}"#
        ));
    }
}
