//! Number and small-token helpers shared by the legacy text reader: hex and
//! decimal parsing that never panics, UUID normalisation.

use crate::text::Trim as _;

/// Parses hex with or without a `0x` prefix ("0x1a", "000000000000000000").
pub(crate) fn parse_hex(s: &str) -> Option<u64> {
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if digits.is_empty() {
        return None;
    }
    // Every digit is checked; leading zeros may make the text longer than 16.
    let mut value: u64 = 0;
    for b in digits.bytes() {
        let d = hex_digit(b)?;
        if value >> 60 != 0 {
            return None; // more than 64 bits
        }
        value = (value << 4) | u64::from(d);
    }
    Some(value)
}

/// The hex digits at the start of `b`: their value and how many there are;
/// `None` when there are none or the value passes 64 bits.
#[inline]
pub(crate) fn hex_prefix(b: &[u8]) -> Option<(u64, usize)> {
    // Up to 16 digits cannot pass 64 bits: no check per digit.
    let head = b.get(..16).unwrap_or(b);
    let mut v: u64 = 0;
    let mut n = 0;
    for &c in head {
        let Some(d) = hex_digit(c) else {
            break;
        };
        v = (v << 4) | u64::from(d);
        n += 1;
    }
    if n == 16 && b.get(16).copied().and_then(hex_digit).is_some() {
        return long_hex_prefix(b);
    }
    (n > 0).then_some((v, n))
}

/// [`parse_hex`] on bytes: the whole token, with or without `0x`/`0X`.
/// What the frame reader's in-place token reading is held to, in tests.
#[cfg(test)]
pub(crate) fn hex_token(tok: &[u8]) -> Option<u64> {
    let digits = tok
        .strip_prefix(b"0x")
        .or_else(|| tok.strip_prefix(b"0X"))
        .unwrap_or(tok);
    let (v, n) = hex_prefix(digits)?;
    (n == digits.len()).then_some(v)
}

/// [`hex_prefix`] for more than 16 digits (leading zeros may still fit).
fn long_hex_prefix(b: &[u8]) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    let mut n = 0;
    for &c in b {
        let Some(d) = hex_digit(c) else {
            break;
        };
        if v >> 60 != 0 {
            return None;
        }
        v = (v << 4) | u64::from(d);
        n += 1;
    }
    Some((v, n))
}

/// The value of one hex digit.
#[inline]
pub(crate) fn hex_digit(b: u8) -> Option<u8> {
    match HEX_VALUE[usize::from(b)] {
        NOT_HEX => None,
        d => Some(d),
    }
}

const NOT_HEX: u8 = 0xff;

/// Each byte's value as a hex digit, or [`NOT_HEX`] (one load instead of
/// three range tests: addresses are most of a report's digits).
static HEX_VALUE: [u8; 256] = {
    let mut t = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Parses hex only when written with `0x`.
pub(crate) fn parse_0x(s: &str) -> Option<u64> {
    if s.starts_with("0x") || s.starts_with("0X") {
        parse_hex(s)
    } else {
        None
    }
}

/// Parses `0x`-prefixed hex, else decimal.
pub(crate) fn parse_num(s: &str) -> Option<u64> {
    if s.starts_with("0x") || s.starts_with("0X") {
        parse_hex(s)
    } else if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// A UUID as lower case with dashes (8-4-4-4-12), from either the undashed
/// iOS form or the upper-case dashed macOS form. Anything that is not 32 hex
/// digits is kept, lower-cased.
pub(crate) fn normalize_uuid(raw: &str) -> String {
    // 8-4-4-4-12: the dashes stand at these output positions.
    let mut out = *b"00000000-0000-0000-0000-000000000000";
    let mut n = 0usize;
    for b in raw.bytes().filter(|&b| b != b'-') {
        let at = n
            + usize::from(n >= 8)
            + usize::from(n >= 12)
            + usize::from(n >= 16)
            + usize::from(n >= 20);
        match out.get_mut(at) {
            Some(slot) if b.is_ascii_hexdigit() => *slot = b.to_ascii_lowercase(),
            _ => return raw.to_ascii_lowercase(),
        }
        n += 1;
    }
    if n != 32 {
        return raw.to_ascii_lowercase();
    }
    std::str::from_utf8(&out)
        .map(str::to_string)
        .unwrap_or_else(|_| raw.to_ascii_lowercase())
}

/// "name [pid]" -> (name, pid). "???" as a name means unknown.
pub(crate) fn name_and_pid(v: &str) -> (Option<String>, Option<u64>) {
    let v = v.trimmed();
    if let Some((name, rest)) = v.rsplit_once('[') {
        if let Some(pid) = rest.strip_suffix(']') {
            if let Ok(pid) = pid.trimmed().parse::<u64>() {
                return (known(name.trimmed()), Some(pid));
            }
        }
    }
    (known(v), None)
}

/// `None` for empty and "???" values.
pub(crate) fn known(s: &str) -> Option<String> {
    let s = s.trimmed();
    if s.is_empty() || s == "???" {
        None
    } else {
        Some(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`hex_prefix`] one digit at a time, as it was: [`long_hex_prefix`]
    /// (which checks for overflow at every digit) for any length.
    fn hex_prefix_slow(b: &[u8]) -> Option<(u64, usize)> {
        long_hex_prefix(b).filter(|&(_, n)| n > 0)
    }

    #[test]
    fn hex_prefix_matches_one_digit_at_a_time() {
        // Every byte value in every position of short and long runs, and
        // pseudo-random mixes of digits, letters and others.
        let alphabet: Vec<u8> = (0..=255u8).collect();
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for len in 0..20usize {
            for &c in &alphabet {
                for pos in [0, len / 2, len.saturating_sub(1)] {
                    let mut v = vec![b'f'; len];
                    v.extend_from_slice(b"        ");
                    if let Some(x) = v.get_mut(pos) {
                        *x = c;
                    }
                    cases.push(v);
                }
            }
        }
        let pool = b"0123456789abcdefABCDEFgGxX @/:-`\x7f\xff\x10\x19";
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 26) as usize;
            let v: Vec<u8> = (0..len)
                .map(|k| {
                    let r = seed.rotate_left(k as u32 * 5) % 100;
                    if r < 80 {
                        pool[(r % 22) as usize]
                    } else {
                        pool[(r as usize) % pool.len()]
                    }
                })
                .collect();
            cases.push(v);
        }
        for c in &cases {
            assert_eq!(hex_prefix(c), hex_prefix_slow(c), "{c:?}");
        }
    }

    #[test]
    fn hex_tokens_read_as_parse_hex_reads_them() {
        for t in [
            "",
            "0x",
            "0X",
            "0x0",
            "0X1f",
            "1f",
            "0x0x1",
            "0xg",
            "0x00000000000000000001",
            "0xffffffffffffffff",
            "0x1ffffffffffffffff",
            "00000001800b0a5c",
            "0x1800b0a5c+",
        ] {
            assert_eq!(hex_token(t.as_bytes()), parse_hex(t), "{t:?}");
        }
    }

    #[test]
    fn hex_forms() {
        assert_eq!(parse_hex("0x10"), Some(16));
        assert_eq!(parse_hex("000000000000000000"), Some(0));
        assert_eq!(parse_hex("ffffffffffffffff"), Some(u64::MAX));
        assert_eq!(parse_hex("0x1ffffffffffffffff"), None);
        assert_eq!(parse_hex("0x"), None);
        assert_eq!(parse_num("20720"), Some(20720));
        assert_eq!(parse_num("0x77354"), Some(0x77354));
        assert_eq!(parse_num("12a"), None);
    }

    #[test]
    fn hex_digits_from_the_table_match_char_to_digit() {
        for b in 0..=255u8 {
            let want = (b as char).to_digit(16).map(|d| d as u8);
            assert_eq!(hex_digit(b), want, "{b}");
        }
        assert_eq!(hex_prefix(b"1aF0 rest"), Some((0x1af0, 4)));
        assert_eq!(hex_prefix(b"xyz"), None);
        assert_eq!(hex_prefix(b"1ffffffffffffffff"), None);
        assert_eq!(hex_prefix(b"ffffffffffffffff "), Some((u64::MAX, 16)));
        assert_eq!(hex_prefix(b"0000000000000000012x"), Some((0x12, 19)));
        assert_eq!(hex_prefix(b"0000000000000000012"), Some((0x12, 19)));
    }

    #[test]
    fn uuids() {
        assert_eq!(
            normalize_uuid("82d13d98219e3040b62a07a297007a7c"),
            "82d13d98-219e-3040-b62a-07a297007a7c"
        );
        assert_eq!(
            normalize_uuid("D0EC10C4-1234-5678-9ABC-DEF012345678"),
            "d0ec10c4-1234-5678-9abc-def012345678"
        );
    }

    #[test]
    fn pids() {
        assert_eq!(
            name_and_pid("launchd [1]"),
            (Some("launchd".into()), Some(1))
        );
        assert_eq!(name_and_pid("??? [1]"), (None, Some(1)));
        assert_eq!(
            name_and_pid("exc handler [2415]"),
            (Some("exc handler".into()), Some(2415))
        );
    }
}
