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

#[cfg(test)]
mod tests {
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
