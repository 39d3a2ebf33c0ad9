//! A JSON scanner for the values the skim ([`crate::skim`]) leaves unbuilt:
//! it finds where a value ends and checks it, at a few instructions a byte
//! (serde_json's own skipping, `ignore_value`, costs about 13 and checks
//! less than building does).
//!
//! It is conservative: it accepts only what serde_json accepts when it
//! builds a `Value` (same white space, literals, number syntax, string
//! escapes and control characters), and it also refuses, though serde_json
//! would build them, what it cannot cheaply be sure of: `\u` escapes of
//! surrogates not in a proper pair (serde_json refuses the lone ones,
//! `parse_unicode_escape` in its `read.rs`), numbers whose integer digits
//! plus positive exponent pass [`MAX_NUMBER_SCALE`] (serde_json refuses
//! those over f64's range, `f64_from_parts` in its `de.rs`), and nesting
//! deeper than [`MAX_DEPTH`] (serde_json refuses 128 levels from the root,
//! `remaining_depth`). `None` means "not sure": the caller then reads the
//! body in full, which gives serde_json's exact error, or accepts it.

/// How deep a scanned value may nest. The values scanned sit at most three
/// levels below the body's root, and serde_json refuses 128 levels.
pub(crate) const MAX_DEPTH: u32 = 100;

/// A bound on a number's size as a power of ten: its integer digits plus a
/// positive exponent. A negative exponent only makes a number smaller
/// (serde_json gives 0.0 for one too small), so f64's range (about 1.8e308)
/// is never passed below this.
pub(crate) const MAX_NUMBER_SCALE: u64 = 300;

/// The offset of the first byte at or after `i` that is not JSON white space
/// (serde_json's: space, `\n`, `\t`, `\r`).
#[inline(always)]
pub(crate) fn ws(b: &[u8], mut i: usize) -> usize {
    if let Some(b' ' | b'\n' | b'\t' | b'\r') = b.get(i) {
        i += 1;
        // Indentation: the spaces among the next eight bytes at once (the
        // first byte that is not a space is the first non-zero byte of the
        // word xor spaces).
        while let Some(chunk) = b.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let not_space = u64::from_le_bytes(word) ^ u64::from_le_bytes([b' '; 8]);
            if not_space != 0 {
                i += (not_space.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = b.get(i) {
            i += 1;
        }
    }
    i
}

/// The offset just past the JSON value that starts at `i` (no white space
/// before it), or `None` when it is not one serde_json surely builds.
pub(crate) fn value_end(b: &[u8], mut i: usize) -> Option<usize> {
    // One bit per open container, innermost lowest: 1 for an object.
    let mut stack: u128 = 0;
    let mut depth = 0u32;
    loop {
        // A value starts at `i`.
        match *b.get(i)? {
            b'"' => i = string_end(b, i + 1)?,
            open @ (b'{' | b'[') => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return None;
                }
                let object = open == b'{';
                stack = stack << 1 | u128::from(object);
                i = ws(b, i + 1);
                let close = if object { b'}' } else { b']' };
                if b.get(i) == Some(&close) {
                    i += 1;
                    depth -= 1;
                    stack >>= 1;
                } else {
                    if object {
                        i = key_and_value(b, i)?.1;
                    }
                    continue;
                }
            }
            b't' => i = literal_end(b, i, b"true")?,
            b'f' => i = literal_end(b, i, b"false")?,
            b'n' => i = literal_end(b, i, b"null")?,
            b'-' | b'0'..=b'9' => i = number_end(b, i)?,
            _ => return None,
        }
        // After a value: close containers, or go on to the next value.
        loop {
            if depth == 0 {
                return Some(i);
            }
            i = ws(b, i);
            let object = stack & 1 == 1;
            match *b.get(i)? {
                b',' => {
                    i = ws(b, i + 1);
                    if object {
                        i = key_and_value(b, i)?.1;
                    }
                    break;
                }
                b'}' if object => {}
                b']' if !object => {}
                _ => return None,
            }
            i += 1;
            depth -= 1;
            stack >>= 1;
        }
    }
}

/// An object's key, which starts at `i` (its quote): the offset just past
/// the key, and the offset of its value (the `:` and white space passed).
#[inline(always)]
fn key_and_value(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let key_end = string_end(b, i + 1)?;
    let colon = ws(b, key_end);
    (b.get(colon) == Some(&b':')).then(|| (key_end, ws(b, colon + 1)))
}

pub(crate) fn literal_end(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    let end = i + word.len();
    (b.get(i..end)? == word).then_some(end)
}

/// The offset just past the string whose text starts at `i` (after its
/// opening quote), or `None` when it is not one serde_json builds: a
/// control character, an unknown escape, a `\u` escape that is not four
/// hex digits or is a surrogate not in a proper pair.
#[inline(always)]
pub(crate) fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = u64::MAX / 255;
    loop {
        // Eight bytes at a time, the first `"`, `\` or control character
        // (as serde_json's `skip_to_escape` finds it); byte by byte at the
        // end of the text.
        let at = match b.get(i..i + 8) {
            Some(chunk) => {
                let mut word = [0u8; 8];
                word.copy_from_slice(chunk);
                let w = u64::from_le_bytes(word);
                let ctrl = w.wrapping_sub(ONES * 0x20) & !w;
                let quote = w ^ (ONES * u64::from(b'"'));
                let quote = quote.wrapping_sub(ONES) & !quote;
                let slash = w ^ (ONES * u64::from(b'\\'));
                let slash = slash.wrapping_sub(ONES) & !slash;
                let hit = (ctrl | quote | slash) & (ONES << 7);
                if hit == 0 {
                    i += 8;
                    continue;
                }
                i + (hit.trailing_zeros() / 8) as usize
            }
            None => {
                let rest = b.get(i..)?;
                i + rest
                    .iter()
                    .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?
            }
        };
        match *b.get(at)? {
            b'"' => return Some(at + 1),
            b'\\' => i = escape_end(b, at)?,
            _ => return None,
        }
    }
}

/// The offset just past the escape whose backslash is at `at`, or `None`
/// when serde_json might refuse it.
fn escape_end(b: &[u8], at: usize) -> Option<usize> {
    match b.get(at + 1..)? {
        [b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't', ..] => Some(at + 2),
        [b'u', h0, h1, h2, h3, tail @ ..] => {
            let n = hex4([*h0, *h1, *h2, *h3])?;
            if (0xD800..=0xDBFF).contains(&n) {
                // A leading surrogate must be followed by a trailing one.
                match tail {
                    [b'\\', b'u', h0, h1, h2, h3, ..]
                        if (0xDC00..=0xDFFF).contains(&hex4([*h0, *h1, *h2, *h3])?) =>
                    {
                        Some(at + 12)
                    }
                    _ => None,
                }
            } else if (0xDC00..=0xDFFF).contains(&n) {
                None
            } else {
                Some(at + 6)
            }
        }
        _ => None,
    }
}

/// The value of four hex digits.
fn hex4(digits: [u8; 4]) -> Option<u16> {
    let mut n = 0u16;
    for d in digits {
        n = n << 4 | char::from(d).to_digit(16)? as u16;
    }
    Some(n)
}

/// The offset just past the number that starts at `i` (its sign or first
/// digit), or `None` when its syntax is not JSON's or it may be out of
/// f64's range (see [`MAX_NUMBER_SCALE`]).
#[inline(always)]
pub(crate) fn number_end(b: &[u8], mut i: usize) -> Option<usize> {
    let digits = |i: usize| {
        b.get(i..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count())
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let int = digits(i);
    // One leading zero at most, and at least one digit.
    if int == 0 || (int > 1 && b.get(i) == Some(&b'0')) {
        return None;
    }
    i += int;
    if b.get(i) == Some(&b'.') {
        let frac = digits(i + 1);
        if frac == 0 {
            return None;
        }
        i += 1 + frac;
    }
    let mut scale = int as u64;
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        let negative = b.get(i) == Some(&b'-');
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        let exp = digits(i);
        if exp == 0 {
            return None;
        }
        if !negative {
            let value = b.get(i..i + exp)?.iter().fold(0u64, |n, d| {
                n.saturating_mul(10)
                    .saturating_add(u64::from(d.wrapping_sub(b'0')))
            });
            scale = scale.saturating_add(value);
        }
        i += exp;
    }
    (scale <= MAX_NUMBER_SCALE).then_some(i)
}

/// Walks the array that starts at `i` (its `[`): `element` gets the offset
/// of each element and returns the offset just past it. Returns the offset
/// just past the array; `None` when it is not an array serde_json surely
/// builds, or `element` gives up.
pub(crate) fn walk_array(
    b: &[u8],
    i: usize,
    element: impl FnMut(usize) -> Option<usize>,
) -> Option<usize> {
    walk_items(b, i, (b'[', b']'), element)
}

/// Walks the object that starts at `i` (its `{`): `entry` gets the span of
/// each key (quotes included) and the offset of its value, and returns the
/// offset just past the value. Returns the offset just past the object;
/// `None` when it is not an object serde_json surely builds, or `entry`
/// gives up.
pub(crate) fn walk_object(
    b: &[u8],
    i: usize,
    mut entry: impl FnMut((usize, usize), usize) -> Option<usize>,
) -> Option<usize> {
    walk_items(b, i, (b'{', b'}'), |i| {
        let (key_end, value) = key_and_value(b, i)?;
        entry((i, key_end), value)
    })
}

/// The comma-separated items between `open` at `i` and its `close`: `item`
/// gets the offset of each and returns the offset just past it.
fn walk_items(
    b: &[u8],
    i: usize,
    (open, close): (u8, u8),
    mut item: impl FnMut(usize) -> Option<usize>,
) -> Option<usize> {
    if b.get(i) != Some(&open) {
        return None;
    }
    let mut i = ws(b, i + 1);
    if b.get(i) == Some(&close) {
        return Some(i + 1);
    }
    loop {
        i = ws(b, item(i)?);
        match *b.get(i)? {
            b',' => i = ws(b, i + 1),
            c if c == close => return Some(i + 1),
            _ => return None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The bytes the mutation tests put into corpus bodies: JSON's own.
    pub(crate) const MUTATIONS: &[u8] = b"\"\\[]{}:,0123456789-+.eEtrufalsn u\t\n/bdD8";

    /// A fixed pseudo-random walk (xorshift) for the mutation tests: the same
    /// every run.
    pub(crate) fn walk_from(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }

    /// The JSON bodies (what follows the first line) of every corpus file
    /// whose second part is a JSON object: the `.ips` reports and the
    /// JSON-bodied `.crash` files.
    pub(crate) fn corpus_json_bodies() -> Vec<String> {
        crate::test_corpus::texts("apple")
            .into_iter()
            .filter_map(|t| {
                let (_, body) = t.split_once('\n')?;
                body.trim_start().starts_with('{').then(|| body.to_owned())
            })
            .collect()
    }
    use serde_json::Value;

    /// Whether the scanner takes all of `s` as one value.
    fn scans(s: &str) -> bool {
        let b = s.as_bytes();
        let i = ws(b, 0);
        value_end(b, i).is_some_and(|end| ws(b, end) == b.len())
    }

    fn builds(s: &str) -> bool {
        serde_json::from_str::<Value>(s).is_ok()
    }

    #[test]
    fn refuses_what_building_refuses() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        for s in [
            "[1e400]",
            "[-1e400]",
            "[1.8e308]",
            "[1e2147483648]",
            &format!("[{}]", "9".repeat(400)),
            &deep(129),
            r#"{"a":"\ud800"}"#,
            r#"{"a":"\udc00"}"#,
            r#"{"a":"\ud800\u0041"}"#,
            r#"{"a":"\ud800\n"}"#,
            r#"{"\udfff":1}"#,
            r#"{"a":"x"#,
            "[1,]",
            r#"{"a":1,}"#,
            "[01]",
            "[-01]",
            "[1.]",
            "[.5]",
            "[+1]",
            "[-]",
            "[1e]",
            "[1e+]",
            "[1x]",
            "[nul]",
            "[nulll]",
            "[True]",
            r#"["\u00zz"]"#,
            r#"["\x"]"#,
            r#"["\'"]"#,
            "[\"a\u{1}\"]",
            "[\"\u{1f}\"]",
            "[\"tab\there\"]",
            r#"{"a" 1}"#,
            r#"{1:1}"#,
            r#"{"a":1 "b":2}"#,
            "[1 2]",
            "[}",
            "{]",
            "",
            "[",
            "\u{b}[]",
        ] {
            assert!(!builds(s), "{s}");
            assert!(!scans(s), "{s}");
        }
    }

    #[test]
    fn accepts_ordinary_values() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        for s in [
            r#"{"a":[1,{"b":[]}],"c":-1.5e3,"d":"\u00e9","e":null,"f":true}"#,
            r#"["\"\\\/\b\f\n\r\t", "\ud83d\ude00", "\uD83D\uDE00x", "\\ud800"]"#,
            "[0.25, -3, 0, -0, 1e-400, 1.5E+30, 2e-7, 18446744073709551616, -0.0e0]",
            "[true, false, null, \"1e999\", {}, [], {\"\":\"\"}]",
            " { \"a\" : [ 1 , 2 ] ,\n\t\"b\" : { } }\r\n",
            "\"a string longer than eight bytes, with é and \u{10FFFF}\"",
            "12345678901234567890",
            &deep(100),
        ] {
            assert!(builds(s), "{s}");
            assert!(scans(s), "{s}");
        }
        // Built by serde_json, but the scanner is not sure: the caller then
        // reads the body in full.
        for s in [deep(101), "[0e999]".to_owned(), "[1e301]".to_owned()] {
            assert!(builds(&s), "{s}");
            assert!(!scans(&s), "{s}");
        }
    }

    #[test]
    fn number_scale_is_integer_digits_plus_a_positive_exponent() {
        let end = |s: &str| number_end(s.as_bytes(), 0);
        assert_eq!(end("12.5e3,"), Some(6));
        assert_eq!(end("1E+2]"), Some(4));
        assert_eq!(end("-7e-999}"), Some(7));
        assert_eq!(end("3"), Some(1));
        assert_eq!(end(&format!("1{}", "0".repeat(299))), Some(300));
        assert_eq!(end(&format!("1{}", "0".repeat(300))), None);
        assert_eq!(end("1e300"), None);
        assert_eq!(end("1e299"), Some(5));
        assert_eq!(end("0.000001e300"), None);
    }

    /// Every value the scanner takes, serde_json builds: mutations of the
    /// JSON bodies in the corpus (a deterministic walk, no randomness kept
    /// between runs).
    #[test]
    fn what_it_accepts_serde_json_builds_under_mutation() {
        let texts = corpus_json_bodies();
        assert!(!texts.is_empty());
        let bytes = MUTATIONS;
        let mut next = walk_from(0x9E37_79B9_7F4A_7C15);
        let mut tried = 0;
        for text in &texts {
            for _ in 0..300 {
                // A window of the body, cut at character boundaries, with a
                // few bytes changed.
                let len = text.len();
                let start = (next() as usize) % len;
                let want = 1 + (next() as usize) % 400;
                let mut a = start;
                while !text.is_char_boundary(a) {
                    a -= 1;
                }
                let mut z = (a + want).min(len);
                while !text.is_char_boundary(z) {
                    z -= 1;
                }
                let mut s: Vec<u8> = text.as_bytes()[a..z].to_vec();
                for _ in 0..(next() % 4) {
                    if s.is_empty() {
                        break;
                    }
                    let at = (next() as usize) % s.len();
                    if s[at].is_ascii() {
                        s[at] = bytes[(next() as usize) % bytes.len()];
                    }
                }
                let Ok(s) = String::from_utf8(s) else {
                    continue;
                };
                let b = s.as_bytes();
                // Every value start in the window.
                for k in 0..b.len() {
                    if let Some(end) = value_end(b, k) {
                        tried += 1;
                        let v = &s[k..end];
                        assert!(builds(v), "scanner took {v:?}");
                    }
                }
            }
        }
        assert!(tried > 1000, "{tried}");
    }
}
