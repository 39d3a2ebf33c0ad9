//! Serde helpers: addresses as `0x`-prefixed, zero-padded 16-digit hex strings.
//!
//! Deserialization accepts both hex strings and plain JSON numbers.

use serde::{de, Deserialize, Deserializer, Serializer};

/// Formats an address the way reports print it: `0x` and 16 hex digits.
pub fn fmt(v: u64) -> String {
    format!("0x{v:016x}")
}

/// Formats a value compactly: `0x5c8`.
pub fn short(v: u64) -> String {
    format!("0x{v:x}")
}

/// Parses `0x1f`, `1f` (when `assume_hex`), or decimal.
pub fn parse(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else {
        s.parse().ok()
    }
}

pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&fmt(*v))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum HexOrNum {
    Num(u64),
    Str(String),
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match HexOrNum::deserialize(d)? {
        HexOrNum::Num(n) => Ok(n),
        HexOrNum::Str(s) => {
            parse(&s).ok_or_else(|| de::Error::custom(format!("bad address {s:?}")))
        }
    }
}

/// The same for `Option<u64>`; use with `#[serde(default, with = "crate::hex::option")]`.
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&fmt(*v)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        match Option::<HexOrNum>::deserialize(d)? {
            None => Ok(None),
            Some(HexOrNum::Num(n)) => Ok(Some(n)),
            Some(HexOrNum::Str(s)) => parse(&s)
                .map(Some)
                .ok_or_else(|| de::Error::custom(format!("bad address {s:?}"))),
        }
    }
}

/// The same for `Vec<u64>`.
pub mod vec {
    use super::*;
    use serde::ser::SerializeSeq;

    pub fn serialize<S: Serializer>(v: &[u64], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for x in v {
            seq.serialize_element(&fmt(*x))?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
        Vec::<HexOrNum>::deserialize(d)?
            .into_iter()
            .map(|x| match x {
                HexOrNum::Num(n) => Ok(n),
                HexOrNum::Str(s) => {
                    parse(&s).ok_or_else(|| de::Error::custom(format!("bad address {s:?}")))
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_and_parses() {
        assert_eq!(super::fmt(0x5c8), "0x00000000000005c8");
        assert_eq!(super::short(0x5c8), "0x5c8");
        assert_eq!(super::parse("0x5C8"), Some(0x5c8));
        assert_eq!(super::parse("1480"), Some(1480));
        assert_eq!(super::parse("0xffffffffffffffff"), Some(u64::MAX));
        assert_eq!(super::parse("zz"), None);
    }
}
