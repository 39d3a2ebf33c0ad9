//! One stack-frame line of a legacy text report, in every layout seen:
//!
//! - `0   libsystem_kernel.dylib        \t       0x2315decd4 mach_msg2_trap + 8`
//! - `0   com.apple.CoreFoundation      \t0x00007fff42e19f2c __CFRunLoopRun + 1234`
//! - `0   App Namespace     0x0000000102268e70 0x10211c000 + 1363568` (no tab, spaces in the name)
//! - `0   get   0x0000000100b2d07c sym + 196 (ScriptingExportUtility.h:126)`, `... [inlined]`
//! - `0   libswiftCore.dylib  0x... _assertionFailure+ 228276 (_:_:file:line:flags:) + 384` (broken)
//! - `0   CoreUI  \t0x189699354 0x189622000 + 0x77354\t// -[CUICatalog ...] + 0xc4`
//! - KSCrash: `0   Crash-Tester   0x0005b720 0x54000 + 30496 (-[Crasher dereferenceBadPointer] + 24)`
//!
//! Symbols are never split on spaces: the symbol is whatever lies between the
//! address part and the trailing ` + N`, `(file:line)` and `[inlined]`.

use crashlens_model::Frame;

use super::num::{parse_0x, parse_hex, parse_num};
use crate::text::Needle;
use crate::text::Trim as _;
use std::borrow::Cow;

/// Parses a frame line; `None` when the line is not one.
pub(crate) fn parse_frame_line(line: &str) -> Option<Frame> {
    let (index, image, address, tail) = frame_head(line)?;
    let mut frame = Frame {
        index,
        image: known_name(image),
        address: Some(address),
        ..Frame::default()
    };
    parse_tail(tail, &mut frame);
    Some(frame)
}

/// Whether [`parse_frame_line`] would read `line` as a frame (without
/// building the frame: how skimmed threads are passed over).
pub(crate) fn is_frame_line(line: &str) -> bool {
    // Not starting with a digit: never a frame. The usual layouts are read
    // without more ado; anything else gets the full check.
    match line.as_bytes().first() {
        Some(b) if b.is_ascii_digit() => {
            usual_frame_parts(line).is_some() || full_frame_head(line).is_some()
        }
        _ => false,
    }
}

/// A frame line's index, image column, address and the text after the
/// address: the usual layouts byte by byte, anything else in full.
fn frame_head(line: &str) -> Option<(u32, &str, u64, &str)> {
    usual_frame_head(line).or_else(|| full_frame_head(line))
}

/// [`full_frame_head`] for `INDEX<blanks>NAME...<tab><blanks>0xADDRESS...`
/// and the space-aligned `INDEX<blanks>NAME... 0xADDRESS...`, in ASCII where
/// it matters (an index that fits a `u32`, a name starting with a visible
/// character, an address token). `None` means "not sure", never "not a frame".
fn usual_frame_head(line: &str) -> Option<(u32, &str, u64, &str)> {
    let p = usual_frame_parts(line)?;
    let index: u32 = line.get(..p.digits)?.parse().ok()?;
    let image = crate::text::trim_end(line.get(p.name..p.image_end)?);
    let tail = crate::text::trim_start(crate::text::trim_end(line.get(p.tok_end..)?));
    Some((index, image, p.address, tail))
}

/// Where [`usual_frame_head`]'s parts lie (byte offsets), and the address.
struct FrameParts {
    digits: usize,
    name: usize,
    image_end: usize,
    tok_end: usize,
    address: u64,
}

fn usual_frame_parts(line: &str) -> Option<FrameParts> {
    let s = line.as_bytes();
    let blank = |c: u8| c == b' ' || c == b'\t';
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if !(1..=9).contains(&digits) || !s.get(digits).copied().is_some_and(blank) {
        return None;
    }
    // The name's first character.
    let name = digits + s.get(digits..)?.iter().position(|&c| !blank(c))?;
    if !s.get(name).is_some_and(u8::is_ascii_graphic) {
        return None;
    }
    let (image_end, tok_end, address) = match memchr::memchr(b'\t', s.get(name..)?) {
        Some(t) => {
            let tab = name + t;
            let start = tab + 1 + s.get(tab + 1..)?.iter().position(|&c| !blank(c))?;
            let (address, end) = hex_token_at(s, start)?;
            (tab, end, address)
        }
        // Its tokens are checked to be visible ASCII as they are found.
        None => {
            let (start, end, address) = untabbed_address(s.get(name..)?)?;
            (name + start, name + end, address)
        }
    };
    Some(FrameParts {
        digits,
        name,
        image_end,
        tok_end,
        address,
    })
}

/// The token at `start` of `s` (up to a blank or the end) read as
/// `num::hex_token` reads it, when it is an ASCII token as well: its value and
/// where it ends. The digits are read in place: a token is a hex number
/// exactly when a blank or the end follows its digits.
fn hex_token_at(s: &[u8], start: usize) -> Option<(u64, usize)> {
    let rest = s.get(start..)?;
    let digits = match rest {
        [b'0', b'x' | b'X', ..] => start + 2,
        _ => start,
    };
    let (value, n) = super::num::hex_prefix(s.get(digits..)?)?;
    let end = digits + n;
    match s.get(end) {
        None | Some(b' ' | b'\t') => Some((value, end)),
        Some(_) => None,
    }
}

/// In the layout without a tab (`s`, from the name on, holds none: single
/// ASCII spaces or runs of them): where the address token starts and ends,
/// as [`split_image`]'s token rule finds it (the first `0x` token after the
/// first token), and the address. `None` means "not sure" (another kind of
/// blank, a non-ASCII byte before it).
fn untabbed_address(s: &[u8]) -> Option<(usize, usize, u64)> {
    let mut i = 0;
    let mut first = true;
    while i < s.len() {
        // The token from `i` to the next space, all visible ASCII.
        let start = i;
        if !first && matches!(s.get(i..i + 2), Some(b"0x" | b"0X")) {
            // Read in place (there is no tab in `s`): a hex token is
            // visible ASCII, so no need to look at it twice.
            if let Some((address, end)) = hex_token_at(s, i) {
                return Some((start, end, address));
            }
        }
        let mut visible = true;
        while let Some(&c) = s.get(i) {
            if c == b' ' {
                break;
            }
            visible &= c.is_ascii_graphic();
            i += 1;
        }
        if !visible {
            return None;
        }
        first = false;
        while s.get(i) == Some(&b' ') {
            i += 1;
        }
    }
    None
}

/// A frame line's index, image column, address and the text after the
/// address, in every layout seen.
fn full_frame_head(line: &str) -> Option<(u32, &str, u64, &str)> {
    let line = crate::text::trim_end(line);
    let digits_end = line.find(|c: char| !c.is_ascii_digit())?;
    if digits_end == 0 {
        return None;
    }
    let index: u32 = line.get(..digits_end)?.parse().ok()?;
    let rest = line.get(digits_end..)?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = crate::text::trim_start(rest);
    let (image, after) = split_image(rest)?;
    let addr_tok = after.split_whitespace().next()?;
    let address = parse_hex(addr_tok)?;
    let tail = after.get(addr_tok.len()..).unwrap_or("").trimmed();
    Some((index, image, address, tail))
}

/// Splits "IMAGE<sep>ADDRESS ..." into the image name and the text from the
/// address on. A tab ends the image column where there is one; otherwise the
/// first `0x` token after at least one name token starts the address.
fn split_image(rest: &str) -> Option<(&str, &str)> {
    if let Some(tab) = rest.find('\t') {
        let image = rest.get(..tab)?.trimmed();
        let after = rest.get(tab + 1..)?.trim_start();
        if !image.is_empty()
            && after
                .split_whitespace()
                .next()
                .and_then(parse_hex)
                .is_some()
        {
            return Some((image, after));
        }
    }
    let mut seen_name = false;
    for tok in rest.split_whitespace() {
        // `tok` is a slice of `rest`: its offset is where it starts.
        let start = (tok.as_ptr() as usize).checked_sub(rest.as_ptr() as usize)?;
        if seen_name && parse_0x(tok).is_some() {
            return Some((rest.get(..start)?.trimmed(), rest.get(start..)?));
        }
        seen_name = true;
    }
    None
}

fn known_name(s: &str) -> Option<String> {
    let s = s.trimmed();
    if s.is_empty() || s == "???" {
        None
    } else {
        Some(s.to_string())
    }
}

static SLASHES: Needle = Needle::new("// ");
static PLUS: Needle = Needle::new(" + ");
static PLUS_SPACE: Needle = Needle::new("+ ");

/// Everything after the address: base + offset forms, the symbol, its offset,
/// the source location and the inlined marker.
pub(crate) fn parse_tail(tail: &str, frame: &mut Frame) {
    let mut tail = tail.trimmed();
    if let Some(t) = tail.strip_suffix("[inlined]") {
        frame.inlined = true;
        tail = t.trim_end();
    }
    if tail.is_empty() {
        return;
    }
    // `0xbase + 0xoffset\t// symbol + 0xN` (symbolicated by a third-party tool).
    if let Some(pos) = SLASHES.find(tail) {
        let left = tail.get(..pos).unwrap_or("").trimmed();
        let right = tail.get(pos + 3..).unwrap_or("").trimmed();
        if let Some((_base, off, rem)) = base_plus_offset(left) {
            if rem.is_empty() {
                frame.image_offset = Some(off);
                parse_symbol(right, frame);
                return;
            }
        }
    }
    if let Some((_base, off, rem)) = base_plus_offset(tail) {
        frame.image_offset = Some(off);
        if rem.is_empty() {
            return;
        }
        // KSCrash: `0x54000 + 30496 (-[Crasher dereferenceBadPointer] + 24)`.
        let inner = rem
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'))
            .unwrap_or(rem);
        parse_symbol(inner, frame);
        return;
    }
    parse_symbol(tail, frame);
}

/// `BASE + OFFSET rest`: BASE is `0x` hex or decimal digits (`0 + 0`), OFFSET is
/// decimal or `0x` hex. Returns (base, offset, rest).
fn base_plus_offset(s: &str) -> Option<(u64, u64, &str)> {
    // BASE starts with a digit either way: most tails (a symbol) stop here.
    if !crate::text::trim_start(s)
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_digit)
    {
        return None;
    }
    let mut it = s.splitn(4, char::is_whitespace).filter(|t| !t.is_empty());
    let base_tok = it.next()?;
    if !(base_tok.starts_with("0x") || base_tok.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let base = parse_num(base_tok).or_else(|| parse_hex(base_tok))?;
    let plus_pos = PLUS.find(s)?;
    if s.get(..plus_pos)?.trimmed() != base_tok {
        return None;
    }
    let after = s.get(plus_pos + 3..)?.trim_start();
    let off_tok = after.split_whitespace().next()?;
    let off = parse_num(off_tok)?;
    let rem = after.get(off_tok.len()..)?.trimmed();
    Some((base, off, rem))
}

/// "symbol + 12 (file.m:34)": fills symbol, symbol_offset, file and line.
pub(crate) fn parse_symbol(s: &str, frame: &mut Frame) {
    let mut s = s.trimmed();
    if let Some((rest, file, line)) = split_location(s) {
        frame.file = Some(file.to_string());
        frame.line = Some(line);
        s = rest;
    }
    let last_plus = PLUS.rfind(s);
    if let Some((sym, off)) = last_plus.and_then(|p| Some((s.get(..p)?, s.get(p + 3..)?))) {
        if let Some(off) = parse_num(off.trimmed()) {
            frame.symbol_offset = Some(off);
            s = sym.trim_end();
        }
    }
    let sym = repair_broken(s);
    frame.symbol = known_name(&sym);
}

/// A trailing "(file:line)" source location.
fn split_location(s: &str) -> Option<(&str, &str, u32)> {
    let body = s.strip_suffix(')')?;
    let open = body.rfind('(')?;
    let inner = body.get(open + 1..)?;
    if inner.contains(['(', ')']) {
        return None;
    }
    let (file, line) = inner.rsplit_once(':')?;
    if file.is_empty() || line.is_empty() || !line.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let line: u32 = line.parse().ok()?;
    let rest = body.get(..open)?.trim_end();
    Some((rest, file, line))
}

/// Undoes a symbolication glitch where an offset lands inside the symbol name:
/// `_assertionFailure+ 228276 (_:_:file:line:flags:)` is
/// `_assertionFailure(_:_:file:line:flags:)`.
fn repair_broken(s: &str) -> Cow<'_, str> {
    if !s.ends_with(')') {
        return Cow::Borrowed(s);
    }
    let mut search = 0usize;
    while let Some(rel) = s.get(search..).and_then(|r| PLUS_SPACE.find(r)) {
        let p = search + rel;
        search = p + 2;
        if p == 0 || s.get(p - 1..p) == Some(" ") {
            continue;
        }
        let after = match s.get(p + 2..) {
            Some(a) => a,
            None => break,
        };
        let ndigits = after.bytes().take_while(u8::is_ascii_digit).count();
        if ndigits == 0 {
            continue;
        }
        if let (Some(head), Some(tail)) = (s.get(..p), after.get(ndigits..)) {
            if let Some(args) = tail.strip_prefix(' ') {
                if args.starts_with('(') {
                    return Cow::Owned(format!("{head}{args}"));
                }
            }
        }
    }
    Cow::Borrowed(s)
}

#[cfg(test)]
mod tests {
    use super::super::num::hex_token;
    use super::*;

    #[test]
    fn a_token_read_in_place_reads_as_the_token_cut_out() {
        let mut lines: Vec<String> = crate::test_corpus::texts("apple")
            .iter()
            .flat_map(|t| t.lines().map(str::to_string).collect::<Vec<_>>())
            .filter(|l| l.contains("0x"))
            .collect();
        lines.extend(
            [
                "0x",
                "0X1f",
                "0x1g ",
                "0x12\t",
                "0x12\r",
                "0x0x12",
                "12ab",
                "0x00000000000000001 x",
                "0x10000000000000000",
                "0xffffffffffffffff",
                "0x1\u{e9}",
                "",
                " 0x1",
            ]
            .map(String::from),
        );
        let blank = |c: &u8| *c == b' ' || *c == b'\t';
        let mut checked = 0;
        for line in &lines {
            let s = line.as_bytes();
            for start in 0..=s.len() {
                let end = start + s[start..].iter().position(blank).unwrap_or(s.len() - start);
                let tok = &s[start..end];
                let want = (tok.iter().all(u8::is_ascii_graphic))
                    .then(|| hex_token(tok))
                    .flatten()
                    .map(|v| (v, end));
                assert_eq!(hex_token_at(s, start), want, "{line:?} at {start}");
                checked += 1;
            }
        }
        assert!(checked > 100_000, "{checked}");
    }

    /// The quick reading gives what the full one gives, wherever it reads a
    /// line at all (every line of every corpus file, and some made-up ones).
    #[test]
    fn quick_frame_checks_agree_with_the_full_one() {
        let mut lines: Vec<String> = [
            "0   a 0x1",
            "0   a\t0x1",
            "0 0x1 0x2",
            "0   a b 0X1f x",
            "0   a b 0x1\u{a0}",
            "0   a\u{a0}b 0x1",
            "0   a \x0b 0x1",
            "12345678901 a 0x1",
            "1\ta\t\t0x10 + 3",
            "1 a\t0xzz 0x10",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let texts = crate::test_corpus::texts("");
        assert!(texts.len() > 50);
        for text in &texts {
            lines.extend(text.lines().map(str::to_string));
        }
        let mut usual = 0;
        for l in &lines {
            if let Some(quick) = usual_frame_head(l) {
                assert_eq!(Some(quick), full_frame_head(l), "{l:?}");
                usual += 1;
            }
            assert_eq!(is_frame_line(l), full_frame_head(l).is_some(), "{l:?}");
        }
        // Most frame lines take the quick road.
        assert!(usual > 1000, "{usual}");
    }

    fn f(line: &str) -> Frame {
        parse_frame_line(line).expect("frame")
    }

    #[test]
    fn modern_tab() {
        let fr = f("0   libsystem_kernel.dylib        \t       0x2315decd4 mach_msg2_trap + 8");
        assert_eq!(fr.image.as_deref(), Some("libsystem_kernel.dylib"));
        assert_eq!(fr.address, Some(0x2315decd4));
        assert_eq!(fr.symbol.as_deref(), Some("mach_msg2_trap"));
        assert_eq!(fr.symbol_offset, Some(8));
    }

    #[test]
    fn spaces_in_image() {
        let fr =
            f("0   App Namespace                       0x0000000102268e70 0x10211c000 + 1363568");
        assert_eq!(fr.image.as_deref(), Some("App Namespace"));
        assert_eq!(fr.address, Some(0x102268e70));
        assert_eq!(fr.image_offset, Some(1363568));
        assert_eq!(fr.symbol, None);
    }

    #[test]
    fn kscrash() {
        let fr = f("0   Crash-Tester                    0x0005b720 0x54000 + 30496 (-[Crasher dereferenceBadPointer] + 24)");
        assert_eq!(fr.image_offset, Some(30496));
        assert_eq!(
            fr.symbol.as_deref(),
            Some("-[Crasher dereferenceBadPointer]")
        );
        assert_eq!(fr.symbol_offset, Some(24));
    }

    #[test]
    fn comment_style() {
        let fr = f("0       CoreUI                        \t0x189699354 0x189622000 + 0x77354\t// -[CUICatalog foo:] + 0xc4");
        assert_eq!(fr.image_offset, Some(0x77354));
        assert_eq!(fr.symbol.as_deref(), Some("-[CUICatalog foo:]"));
        assert_eq!(fr.symbol_offset, Some(0xc4));
    }

    #[test]
    fn broken_symbolication() {
        let fr = f("0   libswiftCore.dylib            \t0x00000001ae3bbbb4 closure #1 in _assertionFailure+ 228276 (_:_:file:line:flags:) + 384");
        assert_eq!(
            fr.symbol.as_deref(),
            Some("closure #1 in _assertionFailure(_:_:file:line:flags:)")
        );
        assert_eq!(fr.symbol_offset, Some(384));
    }

    #[test]
    fn location_and_inlined() {
        let fr = f("17  keneth_frequency              \t       0x100e09d84 static AppDelegate.$main() + 24 (/<compiler-generated>:4) [inlined]");
        assert!(fr.inlined);
        assert_eq!(fr.file.as_deref(), Some("/<compiler-generated>"));
        assert_eq!(fr.line, Some(4));
        assert_eq!(fr.symbol.as_deref(), Some("static AppDelegate.$main()"));
        assert_eq!(fr.symbol_offset, Some(24));
    }

    #[test]
    fn cpp_symbol_with_spaces_and_commas() {
        let fr = f("2   get                           \t0x0000000100b6f8bc Component_CUSTOM(Il2CppObject*, Il2CppObject*) + 112 (Component.bindings.h:71)");
        assert_eq!(
            fr.symbol.as_deref(),
            Some("Component_CUSTOM(Il2CppObject*, Il2CppObject*)")
        );
        assert_eq!(fr.line, Some(71));
    }

    #[test]
    fn unknown_frames() {
        let fr = f("0   ???                           \t000000000000000000 0 + 0");
        assert_eq!(fr.image, None);
        assert_eq!(fr.address, Some(0));
        assert_eq!(fr.image_offset, Some(0));
        let fr = f("0   ???                           \t0x00007fff0144ff40 ???");
        assert_eq!(fr.symbol, None);
        assert_eq!(fr.image, None);
    }

    #[test]
    fn not_frames() {
        assert!(parse_frame_line("Thread 0:").is_none());
        assert!(parse_frame_line("12345").is_none());
        assert!(parse_frame_line("2022-01-21 18:14:22.9403 +0200    info").is_none());
    }
}
