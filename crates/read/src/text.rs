//! Text helpers shared by the text readers and sniffers, on the hot path of
//! `group`: `str::lines` with a vectorized newline search, the lines of a part
//! of an already split text, fixed needles (with searchers built once, or
//! found by one rare byte), and ASCII-first trims.

/// The lines of `s` exactly as [`str::lines`] gives them: split at `\n`, the
/// `\r` of a `\r\n` removed, no empty line after a final newline. One
/// newline search runs over the whole text (a search started per line cost
/// more than short lines' own bytes).
pub(crate) fn lines(s: &str) -> Lines<'_> {
    Lines {
        s,
        newlines: newlines(s.as_bytes()),
        start: 0,
    }
}

/// Where `hay`'s newlines are, in order.
fn newlines(hay: &[u8]) -> Newlines<'_> {
    #[cfg(target_arch = "x86_64")]
    {
        use memchr::arch::x86_64::avx2::memchr::One;
        static AVX2: std::sync::OnceLock<Option<One>> = std::sync::OnceLock::new();
        if let Some(one) = AVX2.get_or_init(|| One::new(b'\n')).as_ref() {
            return Newlines::Avx2(one.iter(hay));
        }
    }
    Newlines::Any(memchr::memchr_iter(b'\n', hay))
}

/// The newline search of [`lines`]. Where the CPU has AVX2, memchr's AVX2
/// searcher, built once and called directly: `memchr_iter` chooses its
/// routine on every call (through a function pointer) and sets up the
/// needle again, once per line (0.9% of `group`'s instructions). Anywhere
/// else, `memchr_iter`.
#[derive(Clone)]
enum Newlines<'a> {
    #[cfg(target_arch = "x86_64")]
    Avx2(memchr::arch::x86_64::avx2::memchr::OneIter<'static, 'a>),
    Any(memchr::Memchr<'a>),
}

impl Iterator for Newlines<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        match self {
            #[cfg(target_arch = "x86_64")]
            Newlines::Avx2(it) => it.next(),
            Newlines::Any(it) => it.next(),
        }
    }
}

/// [`lines`] collected, the vector sized from the text's length (report
/// lines run about 60 to 120 bytes).
pub(crate) fn line_vec(s: &str) -> Vec<&str> {
    let mut out = Vec::with_capacity(s.len() / 64 + 1);
    out.extend(lines(s));
    out
}

/// The iterator [`lines`] returns.
#[derive(Clone)]
pub(crate) struct Lines<'a> {
    s: &'a str,
    newlines: Newlines<'a>,
    /// Where the next line starts.
    start: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self.newlines.next() {
            Some(nl) => {
                let line = self.s.get(self.start..nl).unwrap_or("");
                self.start = nl + 1;
                Some(line.strip_suffix('\r').unwrap_or(line))
            }
            // The last line keeps a lone `\r` (as `str::lines` does).
            None if self.start < self.s.len() => {
                let line = self.s.get(self.start..);
                self.start = self.s.len();
                line
            }
            None => None,
        }
    }
}

/// `lines(part)` taken from `all`, the lines of `text`, where `part` is
/// `text[start..start + len]` beginning at a line start and ending at one (just
/// after a newline) or at the end of `text`; `None` when it is not.
pub(crate) fn lines_of_part(
    text: &str,
    all: &[&str],
    start: usize,
    len: usize,
) -> Option<std::ops::Range<usize>> {
    let b = text.as_bytes();
    let end = start.checked_add(len)?;
    let starts_line = start == 0 || b.get(start - 1) == Some(&b'\n');
    let ends_line = end == b.len() || end == start || b.get(end - 1) == Some(&b'\n');
    if !(starts_line && ends_line) {
        return None;
    }
    let first = memchr::memchr_iter(b'\n', b.get(..start)?).count();
    let last = if end == b.len() {
        all.len()
    } else {
        first + memchr::memchr_iter(b'\n', b.get(start..end)?).count()
    };
    (first <= last && last <= all.len()).then_some(first..last)
}

/// Where `part` starts in `text`, when it is a slice of it.
pub(crate) fn offset_in(text: &str, part: &str) -> Option<usize> {
    let at = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    (at.checked_add(part.len())? <= text.len()).then_some(at)
}

/// A fixed needle searched for in many short lines. `memchr::memmem::find`
/// builds its searcher on every call, which costs more than searching a
/// frame line itself; a `Needle` builds it once per process.
pub(crate) struct Needle {
    text: &'static str,
    forward: std::sync::OnceLock<memchr::memmem::Finder<'static>>,
    reverse: std::sync::OnceLock<memchr::memmem::FinderRev<'static>>,
}

impl Needle {
    pub(crate) const fn new(text: &'static str) -> Needle {
        Needle {
            text,
            forward: std::sync::OnceLock::new(),
            reverse: std::sync::OnceLock::new(),
        }
    }

    /// Where the needle first starts in `hay`.
    pub(crate) fn find(&self, hay: &str) -> Option<usize> {
        self.forward
            .get_or_init(|| memchr::memmem::Finder::new(self.text))
            .find(hay.as_bytes())
    }

    /// Where the needle last starts in `hay`.
    pub(crate) fn rfind(&self, hay: &str) -> Option<usize> {
        self.reverse
            .get_or_init(|| memchr::memmem::FinderRev::new(self.text))
            .rfind(hay.as_bytes())
    }

    /// `hay.split_once(needle)`.
    pub(crate) fn split_once<'h>(&self, hay: &'h str) -> Option<(&'h str, &'h str)> {
        let at = self.find(hay)?;
        Some((hay.get(..at)?, hay.get(at + self.text.len()..)?))
    }
}

/// A fixed needle searched for in whole texts, by one of its bytes that
/// crash reports seldom hold: `memchr` finds that byte at a fraction of the
/// cost of a general substring search (which tests two of the needle's bytes
/// at every position of the text), and each place is checked in full. Same
/// answers as `memmem`, whichever byte is chosen.
pub(crate) struct RareNeedle {
    text: &'static str,
    /// The byte of `text` searched for, and where it is in `text`.
    rare: u8,
    at: usize,
}

impl RareNeedle {
    /// `text`, searched for by its byte at `at` (which must be in it).
    pub(crate) const fn new(text: &'static str, at: usize) -> RareNeedle {
        RareNeedle {
            text,
            rare: text.as_bytes()[at],
            at,
        }
    }

    /// Where the needle first starts in `hay`.
    pub(crate) fn find(&self, hay: &[u8]) -> Option<usize> {
        let needle = self.text.as_bytes();
        memchr::memchr_iter(self.rare, hay).find_map(|p| {
            let start = p.checked_sub(self.at)?;
            (hay.get(start..start + needle.len())? == needle).then_some(start)
        })
    }
}

/// The ASCII characters [`char::is_whitespace`] calls white space.
pub(crate) fn ascii_white(c: &u8) -> bool {
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

/// [`str::trim`] as [`trim_start`] and [`trim_end`] do it: the text
/// reader trims almost every line and field, and `str::trim` checks every
/// character for Unicode white space.
pub(crate) trait Trim {
    fn trimmed(&self) -> &str;
}

impl Trim for str {
    fn trimmed(&self) -> &str {
        trim_start(trim_end(self))
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
    fn a_rare_byte_search_finds_what_memmem_finds() {
        let mut texts = crate::test_corpus::texts("apple");
        texts.extend(crate::test_corpus::texts("logs"));
        for t in [
            "",
            "R",
            "Translated Report",
            "xTranslated Repor",
            "Translated RReport Translated Report",
            "RRRRRRRRRRRR Translated Report",
            "Debugger called: <panic>",
            "Debugger called: <panic",
        ] {
            texts.push(t.to_string());
        }
        let needles = ["Translated Report", "Debugger called: <panic>"];
        for (text, at) in needles
            .iter()
            .flat_map(|n| (0..n.len()).map(move |at| (*n, at)))
        {
            let needle = super::RareNeedle::new(text, at);
            for t in &texts {
                let want = memchr::memmem::find(t.as_bytes(), text.as_bytes());
                assert_eq!(
                    needle.find(t.as_bytes()),
                    want,
                    "{text} in {:?}",
                    t.get(..80)
                );
            }
        }
    }

    #[test]
    fn lines_of_a_part_are_the_part_split_again() {
        let text = "a\n\nb c\nd\n\ne\nf";
        let all: Vec<&str> = super::lines(text).collect();
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        for &s in &starts {
            for &e in starts.iter().chain([&text.len()]) {
                if e < s {
                    continue;
                }
                let want: Vec<&str> = super::lines(&text[s..e]).collect();
                let got = super::lines_of_part(text, &all, s, e - s).map(|r| all[r].to_vec());
                assert_eq!(got, Some(want), "{s}..{e}");
            }
        }
        // Not at line starts: not taken.
        assert_eq!(super::lines_of_part(text, &all, 1, 3), None);
        assert_eq!(super::lines_of_part(text, &all, 0, 4), None);
    }

    #[test]
    fn line_vec_is_str_lines() {
        for text in [
            "",
            "\n",
            "\n\n",
            "a",
            "a\n",
            "a\r\n",
            "a\r",
            "\r",
            "\r\n\r",
            "a\nb\r\nc\r",
            "a\r\r\nb",
            "\u{e9}\n\u{fc}\r\n",
            "x\n\ny\n",
        ] {
            let want: Vec<&str> = text.lines().collect();
            assert_eq!(super::line_vec(text), want, "{text:?}");
            assert_eq!(super::lines(text).collect::<Vec<_>>(), want, "{text:?}");
        }
        // Lines of every length to past two 32-byte blocks (the vector
        // search's own and its shorter paths), some ending in \r\n.
        let mut text = String::new();
        for n in 0..80 {
            text.push_str(&"x".repeat(n));
            text.push_str(if n % 3 == 0 { "\r\n" } else { "\n" });
        }
        text.push_str(&"y".repeat(40));
        let want: Vec<&str> = text.lines().collect();
        assert_eq!(super::line_vec(&text), want);
    }

    #[test]
    fn offsets_only_of_slices() {
        let text = "abc\ndef";
        assert_eq!(super::offset_in(text, &text[4..]), Some(4));
        assert_eq!(super::offset_in(text, &text[7..]), Some(7));
        assert_eq!(super::offset_in(text, &String::from("def")), None);
    }

    #[test]
    fn needles_find_as_str_does() {
        let n = super::Needle::new(" + ");
        for hay in ["", " + ", "a + b + c", "a +b", "+ + +", "é + ü"] {
            assert_eq!(n.find(hay), hay.find(" + "), "{hay:?}");
            assert_eq!(n.rfind(hay), hay.rfind(" + "), "{hay:?}");
            assert_eq!(n.split_once(hay), hay.split_once(" + "), "{hay:?}");
        }
    }

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
    fn trimmed_as_std_trims() {
        use super::Trim;
        for s in [
            "",
            " a ",
            "\t\u{a0}b\u{2003} ",
            "é",
            "  ",
            "\u{85}z\u{85}",
            "x",
        ] {
            assert_eq!(s.trimmed(), s.trim(), "{s:?}");
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
