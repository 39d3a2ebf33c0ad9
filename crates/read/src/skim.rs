//! The `.ips` half of [`Detail::Crashed`](crate::Detail), in one pass of
//! serde_json over the body:
//! - a crash body becomes JSON trees except for the threads that did not
//!   crash, which are only checked (they become `null`, which the reader
//!   passes over); of `usedImages`, only the entries a signature needs stay;
//! - a non-crash body (a panic, a jetsam event) keeps only the fields its
//!   error message is made of ([`crate::other::JSON_DETAIL_KEYS`]).
//!
//! "Checked" means what serde_json does when it builds a tree (the same
//! nesting limit, number parsing and string escapes) without building one,
//! so a body the full read rejects is rejected here too, at the same byte
//! and with the same words.
//!
//! The text half lives in `apple_text` (it skips lines as it walks them).

use std::collections::HashSet;
use std::fmt;

use serde::de::{Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::ips::Obj;
use crate::{ImageId, ReadError, ReadOptions};

/// Visitor methods that take any JSON scalar as `null`.
macro_rules! scalars_to_null {
    () => {
        fn visit_bool<E>(self, _: bool) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_str<E>(self, _: &str) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
    };
}

/// [`crate::ips::parse_object`] for a crash body read with [`Detail::Crashed`](crate::Detail).
pub(crate) fn parse_object(
    s: &str,
    what: &'static str,
    opts: &ReadOptions,
) -> Result<(Obj, usize), ReadError> {
    let Some((body, end)) = first_object::<CrashBody>(s) else {
        // The full parse says what is wrong, with the same words and position
        // (or reads a shape the skim leaves to it, such as `threads` that is
        // not an array).
        return crate::ips::parse_object(s, what);
    };
    let CrashBody { mut obj, built_for } = body;

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
    if let Some(Value::Array(images)) = first_mut(&mut obj, "usedImages") {
        for (i, im) in images.iter_mut().enumerate() {
            let keep = referenced.contains(&(i as u64))
                || match image_id(im) {
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
                };
            if !keep {
                *im = Value::Null;
            }
        }
    }
    Ok((obj, end))
}

/// [`crate::ips::parse_object`] for a non-crash body (a panic, a jetsam
/// event) read with [`Detail::Crashed`](crate::Detail): only the fields its
/// error message is made of are built.
pub(crate) fn parse_detail(s: &str, what: &'static str) -> Result<(Obj, usize), ReadError> {
    match first_object::<DetailBody>(s) {
        Some((body, end)) => Ok((body.0, end)),
        None => crate::ips::parse_object(s, what),
    }
}

/// The first JSON value at the start of `s` and the offset just past it.
fn first_object<'de, T: Deserialize<'de>>(s: &'de str) -> Option<(T, usize)> {
    let mut de = serde_json::Deserializer::from_str(s).into_iter::<T>();
    match de.next() {
        Some(Ok(v)) => Some((v, de.byte_offset())),
        _ => None,
    }
}

fn first_mut<'o>(obj: &'o mut Obj, key: &str) -> Option<&'o mut Value> {
    obj.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn threads_view(obj: &Obj) -> &[Value] {
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

/// What the keep decision reads of one `usedImages` entry; `None` when it is
/// not an object or one of these fields is neither a string nor null.
fn image_id(v: &Value) -> Option<ImageId<'_>> {
    let m = v.as_object()?;
    let field = |k: &str| match m.get(k) {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.as_str())),
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

/// A crash body: every entry built, except the threads that did not crash.
struct CrashBody {
    obj: Obj,
    /// The position of the one thread built in the first `threads`, from a
    /// `faultingThread` that came before it (as in Apple's files); `None`
    /// when every thread was built. [`parse_object`] checks it against the
    /// crashed thread the whole body gives.
    built_for: Option<usize>,
}

impl<'de> Deserialize<'de> for CrashBody {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CrashBody;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CrashBody, A::Error> {
                let mut out: Vec<(String, Value)> = Vec::new();
                let mut faulting: Option<u64> = None;
                let (mut threads_seen, mut built_for) = (false, None);
                while let Some(k) = map.next_key::<String>()? {
                    if k == "threads" && !threads_seen {
                        threads_seen = true;
                        built_for = faulting.and_then(|n| usize::try_from(n).ok());
                        let threads = map.next_value_seed(Threads { only: built_for })?;
                        out.push((k, threads));
                        continue;
                    }
                    let v: Value = map.next_value()?;
                    if k == "faultingThread" {
                        faulting = v.as_u64();
                    }
                    out.push((k, v));
                }
                Ok(CrashBody {
                    obj: Obj(out),
                    built_for,
                })
            }
        }
        d.deserialize_map(V)
    }
}

/// The `threads` array with only the thread at `only` built (every one when
/// `only` is `None`); the others are checked and left `null`. Anything but
/// an array is an error here, and the full parse reads it.
struct Threads {
    only: Option<usize>,
}

impl<'de> DeserializeSeed<'de> for Threads {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Threads {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of threads")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            let build = self.only.is_none_or(|c| c == out.len());
            let next = if build {
                seq.next_element::<Value>()?
            } else {
                seq.next_element::<Checked>()?.map(|_| Value::Null)
            };
            match next {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }
}

/// A non-crash body with only [`crate::other::JSON_DETAIL_KEYS`] built, and
/// of `processes` (a jetsam event's list) only [`crate::other::JETSAM_PROCESS_KEYS`].
struct DetailBody(Obj);

impl<'de> Deserialize<'de> for DetailBody {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DetailBody;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DetailBody, A::Error> {
                let mut out: Vec<(String, Value)> = Vec::new();
                while let Some(Key(k)) = map.next_key::<Key>()? {
                    if k == "processes" {
                        let v =
                            map.next_value_seed(Each(Pick(crate::other::JETSAM_PROCESS_KEYS)))?;
                        out.push((k.into_owned(), v));
                    } else if crate::other::JSON_DETAIL_KEYS.contains(&k.as_ref()) {
                        let v: Value = map.next_value()?;
                        out.push((k.into_owned(), v));
                    } else {
                        map.next_value::<Checked>()?;
                    }
                }
                Ok(DetailBody(Obj(out)))
            }
        }
        d.deserialize_map(V)
    }
}

/// An array whose elements are read with the seed `T`; anything else is
/// checked and becomes `null`.
struct Each<T>(T);

impl<'de, T: DeserializeSeed<'de, Value = Value> + Copy> DeserializeSeed<'de> for Each<T> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: DeserializeSeed<'de, Value = Value> + Copy> Visitor<'de> for Each<T> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(self.0)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        CheckedVisitor.visit_map(map).map(|_| Value::Null)
    }
    scalars_to_null!();
}

/// An object with only the listed keys built; anything else is checked and
/// becomes `null`.
#[derive(Clone, Copy)]
struct Pick(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for Pick {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Pick {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(Key(k)) = map.next_key::<Key>()? {
            if self.0.contains(&k.as_ref()) {
                let v: Value = map.next_value()?;
                out.insert(k.into_owned(), v);
            } else {
                map.next_value::<Checked>()?;
            }
        }
        Ok(Value::Object(out))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        CheckedVisitor.visit_seq(seq).map(|_| Value::Null)
    }
    scalars_to_null!();
}

/// An object key, borrowed from the text unless it has escapes (most keys
/// of a large body are only compared, never kept).
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(s.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// A JSON value checked as serde_json checks one it builds, and dropped.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        while map.next_entry::<Checked, Checked>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(s: &str) -> bool {
        serde_json::from_str::<Checked>(s).is_ok()
    }

    #[test]
    fn checked_accepts_and_rejects_what_a_built_value_does() {
        for s in [
            "[1e400]",
            &format!("{}{}", "[".repeat(129), "]".repeat(129)),
            r#"{"a":"\ud800"}"#,
            r#"{"a":"x"#,
            "[1,]",
            r#"{"a":[1,{"b":[]}],"c":-1.5e3,"d":"\u00e9","e":null,"f":true}"#,
            &format!("{}{}", "[".repeat(127), "]".repeat(127)),
        ] {
            let value = serde_json::from_str::<Value>(s).map_err(|e| e.to_string());
            let check = serde_json::from_str::<Checked>(s).map_err(|e| e.to_string());
            assert_eq!(value.err(), check.err(), "{s}");
        }
        assert!(checked("{}"));
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
        let body = r#"{"bug_type":"298","largestProcess":"App","processes":[{"name":"App","reason":"highwater","pid":7,"uuid":"x"},3],"other":[1,2]}"#;
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
    }
}
