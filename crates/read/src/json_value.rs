//! The JSON values the `.ips` reader builds: serde_json's `Value` as the reader
//! sees it, but borrowing strings and keys from the text where they have no
//! escapes, and keeping an object's entries in a vector in file order.
//!
//! serde_json still parses (same syntax, numbers, escapes, nesting limit and
//! error messages); only what is built differs, and it reads the same as
//! serde_json's `Value` would: [`Map::get`] gives the last value of a repeated
//! key, [`Map::iter`] goes in key order with each key once (serde_json's map
//! is a `BTreeMap`), and [`Value`]'s `Display` is serde_json's compact JSON.
//! Building no `String` per key and no tree node per object is about half of
//! what a `serde_json::Value` costs to build and drop.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
pub use serde_json::Number;

/// A JSON value borrowing from the text it was read from.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Value<'a>>),
    Object(Map<'a>),
}

/// A JSON object's entries in file order (repeated keys included).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Map<'a>(pub(crate) Vec<(Cow<'a, str>, Value<'a>)>);

impl<'a> Map<'a> {
    /// The value of `key` (the last one, when the key repeats).
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// Each key once, in key order, with its last value (as serde_json's map
    /// iterates).
    pub fn iter(&self) -> std::vec::IntoIter<(&str, &Value<'a>)> {
        let mut v: Vec<(&str, &Value<'a>)> = self.0.iter().map(|(k, x)| (&**k, x)).collect();
        // Stable: of equal keys, the last stays last, and is the one kept.
        v.sort_by(|a, b| a.0.cmp(b.0));
        v.dedup_by(|later, earlier| {
            if later.0 == earlier.0 {
                *earlier = *later;
                true
            } else {
                false
            }
        });
        v.into_iter()
    }

    /// Distinct keys.
    pub fn len(&self) -> usize {
        self.iter().len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'m, 'a> IntoIterator for &'m Map<'a> {
    type Item = (&'m str, &'m Value<'a>);
    type IntoIter = std::vec::IntoIter<(&'m str, &'m Value<'a>)>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a> Value<'a> {
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(m) => m.get(key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value<'a>>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map<'a>> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The same value as serde_json builds it.
    pub fn to_serde(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(Value::to_serde).collect()),
            Value::Object(m) => serde_json::Value::Object(
                // In file order: a repeated key's last value wins, as in serde_json.
                m.0.iter()
                    .map(|(k, v)| (k.to_string(), v.to_serde()))
                    .collect(),
            ),
        }
    }
}

/// Compact JSON, exactly as serde_json writes its own `Value`.
impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_serde(), f)
    }
}

impl<'de> Deserialize<'de> for Value<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

/// What serde_json's own `Value` visitor does, keeping borrowed strings.
struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value<'de>, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value<'de>, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value<'de>, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Value<'de>, E> {
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Value<'de>, E> {
        Ok(Value::String(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value<'de>, E> {
        Ok(Value::String(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E>(self, s: String) -> Result<Value<'de>, E> {
        Ok(Value::String(Cow::Owned(s)))
    }
    fn visit_none<E>(self) -> Result<Value<'de>, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value<'de>, D::Error> {
        Deserialize::deserialize(d)
    }
    fn visit_unit<E>(self) -> Result<Value<'de>, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value<'de>, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element()? {
            v.push(x);
        }
        Ok(Value::Array(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value<'de>, A::Error> {
        let mut v = Vec::new();
        while let Some(Key(k)) = map.next_key()? {
            v.push((k, map.next_value()?));
        }
        Ok(Value::Object(Map(v)))
    }
}

/// A key, borrowed when it has no escapes.
pub struct Key<'a>(pub Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::Value;

    /// Every corpus JSON body, and odd documents, read the same as
    /// serde_json's `Value` reads them: the same value, the same JSON text,
    /// the same error.
    #[test]
    fn reads_as_serde_json_value_reads() {
        let mut docs: Vec<String> = crate::json_scan::tests::corpus_json_bodies();
        for d in [
            r#"{"b":1,"a":2,"b":3}"#,
            r#"{"k\u00e9y":"v\n","k\u00e9y":[1,-2,3.5,1e400,-0,0.1e-5]}"#,
            r#"{"a":{"z":null,"y":true,"z":false},"":{}}"#,
            r#"[1,2,{"x":"\ud83d\ude00"}]"#,
            r#"{"a":18446744073709551615,"b":-9223372036854775808,"c":18446744073709551616}"#,
            r#"{"a":1,}"#,
            r#"{"a":"\ud800"}"#,
            "{\"a\":\"tab\there\"}",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        ] {
            docs.push(d.to_string());
        }
        for d in &docs {
            let want = serde_json::from_str::<serde_json::Value>(d);
            let got = serde_json::from_str::<Value>(d);
            match (&want, &got) {
                (Ok(w), Ok(g)) => {
                    assert_eq!(*w, g.to_serde(), "{d}");
                    assert_eq!(w.to_string(), g.to_string(), "{d}");
                    if let (serde_json::Value::Object(wm), Value::Object(gm)) = (w, g) {
                        let wk: Vec<(&str, serde_json::Value)> =
                            wm.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                        let gk: Vec<(&str, serde_json::Value)> =
                            gm.iter().map(|(k, v)| (k, v.to_serde())).collect();
                        assert_eq!(wk, gk, "{d}");
                        assert_eq!(wm.len(), gm.len(), "{d}");
                        for (k, v) in wm {
                            assert_eq!(Some(v.clone()), gm.get(k).map(Value::to_serde), "{d}");
                        }
                    }
                }
                (Err(w), Err(g)) => assert_eq!(w.to_string(), g.to_string(), "{d}"),
                _ => panic!("{d}: {want:?} against {got:?}"),
            }
        }
    }
}
