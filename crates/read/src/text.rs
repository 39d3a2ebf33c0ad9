//! Line splitting shared by the text readers and sniffers: `str::lines`
//! with a vectorized newline search (reports are read line by line several
//! times, so this is one of the hottest loops of `group`).

/// The lines of `s` exactly as [`str::lines`] gives them: split at `\n`, the
/// `\r` of a `\r\n` removed, no empty line after a final newline.
pub(crate) fn lines(s: &str) -> impl Iterator<Item = &str> + Clone {
    let mut rest = s;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => {
                let line = rest.get(..i).unwrap_or("");
                rest = rest.get(i + 1..).unwrap_or("");
                Some(line.strip_suffix('\r').unwrap_or(line))
            }
            // The last line keeps a lone `\r` (as `str::lines` does).
            None => Some(std::mem::take(&mut rest)),
        }
    })
}

/// The ASCII characters [`char::is_whitespace`] calls white space.
fn ascii_white(c: &u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// [`str::trim_start`], with ASCII blanks passed over a byte at a time (the
/// standard one checks every character for Unicode white space).
pub(crate) fn trim_start(s: &str) -> &str {
    let b = s.as_bytes();
    let n = b.iter().take_while(|c| ascii_white(c)).count();
    // `n` bytes of ASCII: the rest starts on a character boundary.
    let rest = s.get(n..).unwrap_or("");
    match rest.as_bytes().first() {
        Some(c) if !c.is_ascii() => rest.trim_start(),
        _ => rest,
    }
}

/// [`str::trim_end`], ASCII blanks first (as [`trim_start`]).
pub(crate) fn trim_end(s: &str) -> &str {
    let b = s.as_bytes();
    let n = b.iter().rev().take_while(|c| ascii_white(c)).count();
    let rest = s.get(..b.len() - n).unwrap_or("");
    match rest.as_bytes().last() {
        Some(c) if !c.is_ascii() => rest.trim_end(),
        _ => rest,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ascii_white_is_char_white_space() {
        for c in 0..128u8 {
            assert_eq!(super::ascii_white(&c), (c as char).is_whitespace(), "{c}");
        }
    }

    #[test]
    fn trim_end_as_std_does() {
        for s in [
            "",
            "a  ",
            " b\t\r\x0b\x0c",
            "x \u{a0}",
            "y\u{2003} \u{a0} ",
            "é",
            "   ",
            "z\u{85} ",
        ] {
            assert_eq!(super::trim_end(s), s.trim_end(), "{s:?}");
        }
    }

    #[test]
    fn trim_start_as_std_does() {
        for s in [
            "",
            "  a",
            "\t\r\x0b\x0cb ",
            "\u{a0} x",
            " \u{2003}\u{a0}y",
            "é",
            "   ",
            " \u{85}z",
        ] {
            assert_eq!(super::trim_start(s), s.trim_start(), "{s:?}");
        }
    }

    #[test]
    fn same_as_str_lines() {
        for s in [
            "",
            "\n",
            "a",
            "a\n",
            "a\nb",
            "a\r\nb\r\n",
            "\n\na\n\n",
            "x\r",
            "\r\n\r",
            "é\nü\r\n",
        ] {
            let ours: Vec<&str> = super::lines(s).collect();
            let std: Vec<&str> = s.lines().collect();
            assert_eq!(ours, std, "{s:?}");
        }
    }
}
