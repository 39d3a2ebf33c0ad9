//! "Binary Images" lines in every layout, and matching frames to images.
//! (Which lines a skimmed read keeps, and what it remembers of them between
//! reports, is `kept_images`.)
//!
//! - iOS: `0x102230000 - 0x102237fff iOSCrashingTest arm64  <82d13d98...> /path`
//! - macOS <= 10.15: `0x7fff3d6e1000 - 0x7fff3d76bfe2  com.apple.X (1.0 - 1) <B424FE0C-...> /path`
//! - macOS 11+: `0x1009c4000 - 0x1009c7fff +icdab_sema_mac (0) <D0EC10C4-...> /path`, `(*)`, `(???)`
//! - Sentry/PLCrashReporter: `+YetAnotherMac x86_64 (400.9.4 - 1.0.0) <...>`, `name (x86_64)  <...>`
//! - the placeholder `0x0 - 0xffffffffffffffff ??? unknown-arch  <000...> ???`
//! - names with spaces (`App Namespace`), `+ Name` with a space, trailing JSON.

use std::collections::HashMap;

use crashlens_model::{CrashReport, Frame, Image};

use super::num::{normalize_uuid, parse_0x};
use crate::text::Needle;
use crate::text::Trim as _;

const ARCHES: &[&str] = &[
    "arm64",
    "arm64e",
    "arm64_32",
    "armv7",
    "armv7s",
    "armv7k",
    "armv6",
    "arm",
    "x86_64",
    "x86_64h",
    "i386",
    "ppc",
    "ppc64",
    "unknown-arch",
];

fn is_arch(s: &str) -> bool {
    ARCHES.contains(&s)
}

/// Parses one image line; `None` when the line is not one.
#[cfg(test)]
pub(crate) fn parse_image_line(line: &str) -> Option<Image> {
    parse_image_view(line).map(|v| v.to_image())
}

/// One image line, read but not copied: every string borrows the line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ImageLine<'a> {
    pub base: u64,
    pub end: u64,
    pub user_code: bool,
    pub name: Option<&'a str>,
    pub bundle_id: Option<&'a str>,
    pub version: Option<&'a str>,
    pub build: Option<&'a str>,
    /// As printed (no dashes).
    pub uuid: Option<&'a str>,
    pub arch: Option<&'a str>,
    pub path: Option<&'a str>,
    pub placeholder: bool,
}

impl ImageLine<'_> {
    /// The image's size, from its address range.
    pub fn size(&self) -> Option<u64> {
        if self.placeholder {
            None
        } else {
            image_size(self.base, self.end)
        }
    }

    pub fn to_image(self) -> Image {
        let own = |s: Option<&str>| s.map(str::to_string);
        Image {
            base: self.base,
            size: self.size(),
            name: own(self.name),
            bundle_id: own(self.bundle_id),
            version: own(self.version),
            build: own(self.build),
            // KSCrash prints "<(null)>" where it has no UUID.
            uuid: self.uuid.map(normalize_uuid).filter(|u| u.len() == 36),
            arch: own(self.arch.filter(|a| *a != "unknown-arch")),
            path: own(self.path),
            placeholder: self.placeholder,
            user_code: self.user_code,
        }
    }
}

/// Reads one image line without copying any of it; `None` when the line is
/// not one.
pub(crate) fn parse_image_view(line: &str) -> Option<ImageLine<'_>> {
    let (base, end, tail) = split_range(line)?;
    parse_tail(base, end, tail)
}

/// An image line's address range and the rest of the line (its identity:
/// name, version, UUID, path), which does not change from launch to launch.
pub(crate) fn split_range(line: &str) -> Option<(u64, u64, &str)> {
    split_range_ascii(line).or_else(|| split_range_any(line))
}

/// [`split_range`] for the usual shape, `0x1000 - 0x1fff NAME...` with ASCII
/// spaces and tabs, byte by byte; `None` for anything else (including lines
/// that are not image lines), which [`split_range_any`] then reads.
fn split_range_ascii(line: &str) -> Option<(u64, u64, &str)> {
    let s = line.as_bytes();
    let blank = |c: Option<&u8>| matches!(c, Some(b' ' | b'\t'));
    let mut i = 0;
    while blank(s.get(i)) {
        i += 1;
    }
    // `0x` and hex digits from `i` on: the value, and `i` moved past them.
    let hex = |i: &mut usize| -> Option<u64> {
        let digits = s.get(*i..)?.strip_prefix(b"0x")?;
        let (v, n) = super::num::hex_prefix(digits)?;
        *i += 2 + n;
        Some(v)
    };
    let base = hex(&mut i)?;
    if !blank(s.get(i)) {
        return None;
    }
    while blank(s.get(i)) {
        i += 1;
    }
    if *s.get(i)? != b'-' {
        return None;
    }
    i += 1;
    while blank(s.get(i)) {
        i += 1;
    }
    let end = hex(&mut i)?;
    if !blank(s.get(i)) {
        return None;
    }
    // `i` is at an ASCII byte, so the rest starts on a character boundary.
    let tail = crate::text::trim_end(line.get(i + 1..)?);
    (!tail.is_empty()).then_some((base, end, tail))
}

fn split_range_any(line: &str) -> Option<(u64, u64, &str)> {
    let s = line.trimmed();
    let (base_tok, rest) = s.split_once(char::is_whitespace)?;
    let base = parse_0x(base_tok)?;
    let rest = rest.trim_start().strip_prefix('-')?.trim_start();
    let (end_tok, rest) = rest.split_once(char::is_whitespace)?;
    let end = parse_0x(end_tok)?;
    Some((base, end, rest))
}

// Searchers built once (`str::find` builds one per call; see `Needle`).
static SPACE_SLASH: Needle = Needle::new(" /");
static SPACE_BRACE: Needle = Needle::new(" {");
static SPACED_DASH: Needle = Needle::new(" - ");

pub(super) fn parse_tail(base: u64, end: u64, tail: &str) -> Option<ImageLine<'_>> {
    let mut rest = tail.trim_start();
    let mut user_code = false;
    if let Some(r) = rest.strip_prefix('+') {
        user_code = true;
        rest = r.trim_start();
    }

    let (mid, uuid, path) = match rest.find('<') {
        Some(lt) => {
            let after = rest.get(lt + 1..)?;
            let gt = after.find('>')?;
            let uuid = after.get(..gt)?.trimmed();
            let path = after.get(gt + 1..)?.trimmed();
            (rest.get(..lt)?.trimmed(), Some(uuid), path)
        }
        None => match SPACE_SLASH.find(rest) {
            Some(p) => (rest.get(..p)?.trimmed(), None, rest.get(p..)?.trimmed()),
            None => (rest.trimmed(), None, ""),
        },
    };
    // Jailbreak tools append a JSON blob after the path.
    let path = match SPACE_BRACE.find(path) {
        Some(p) => path.get(..p).unwrap_or(path).trimmed(),
        None => path,
    };

    let mut mid = mid;
    let mut arch = None;
    let mut version = None;
    let mut build = None;
    if let Some(body) = mid.strip_suffix(')') {
        if let Some(open) = body.rfind('(') {
            let group = body.get(open + 1..).unwrap_or("").trimmed();
            mid = body.get(..open).unwrap_or("").trim_end();
            if is_arch(group) {
                arch = Some(group);
            } else if group != "*" && group != "???" && !group.is_empty() {
                match SPACED_DASH.split_once(group) {
                    Some((v, b)) => {
                        version = Some(v.trimmed());
                        build = Some(b.trimmed());
                    }
                    None => version = Some(group),
                }
            }
        }
    }
    if let Some((head, last)) = mid.rsplit_once(char::is_whitespace) {
        if is_arch(last) {
            if arch.is_none() {
                arch = Some(last);
            }
            mid = head.trim_end();
        }
    }
    // macOS 10.6 layout: "+com.apple.Safari 5.0.5 (6533.21.1)": the version
    // stands before the parentheses, which then hold the build.
    if build.is_none() {
        if let Some((head, last)) = mid.rsplit_once(char::is_whitespace) {
            if looks_like_version(last) && !head.trimmed().is_empty() {
                build = version.take();
                version = Some(last);
                mid = head.trim_end();
            }
        }
    }
    let printed = mid.trimmed();

    let path = match path {
        "" | "???" => None,
        p => Some(p),
    };
    let placeholder = base == 0 && (printed.is_empty() || printed == "???") && path.is_none();

    let basename = path
        .and_then(|p| p.rsplit('/').next())
        .filter(|b| !b.is_empty());
    let (name, bundle_id) = if printed.is_empty() || printed == "???" {
        (None, None)
    } else if looks_like_bundle_id(printed) && basename.is_some_and(|b| b != printed) {
        (basename, Some(printed))
    } else {
        (Some(printed), None)
    };

    Some(ImageLine {
        base,
        end,
        user_code,
        name,
        bundle_id,
        version,
        build,
        uuid,
        arch,
        path,
        placeholder,
    })
}

/// A path without the `/private` that macOS prints before `/var` and `/tmp`
/// in some reports and not in others (the same file either way).
pub(super) fn unprivate(p: &str) -> &str {
    p.strip_prefix("/private").unwrap_or(p)
}

/// The image size from its address range. The range's end is normally the
/// last byte (`0x102237fff`, `0x4655ff7`: size = end - base + 1), but the
/// macOS 12 era text (ReportCrash and Xcode's translation of an .ips) prints
/// one past the end (`0x106644000 - 0x10664c000`, where the .ips of the same
/// crash says size 0x8000). A page-aligned end is read that way.
pub(super) fn image_size(base: u64, end: u64) -> Option<u64> {
    let span = end.checked_sub(base)?;
    if end & 0xfff == 0 && span > 0 {
        Some(span)
    } else {
        span.checked_add(1)
    }
}

/// "5.0.5", "132.1": digits and dots, at least one dot, starting with a digit.
fn looks_like_version(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit())
        && s.contains('.')
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// Reverse-DNS names older macOS reports print instead of the file name.
fn looks_like_bundle_id(s: &str) -> bool {
    if s.contains(char::is_whitespace) || !s.contains('.') {
        return false;
    }
    !(ends_with_ignore_case(s, ".dylib")
        || ends_with_ignore_case(s, ".so")
        || s.as_bytes()
            .windows(4)
            .any(|w| w.eq_ignore_ascii_case(b".so."))
        || ends_with_ignore_case(s, ".bundle"))
}

/// `s.to_ascii_lowercase().ends_with(suffix)` for a lower-case ASCII suffix,
/// without the copy.
fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    let (s, suffix) = (s.as_bytes(), suffix.as_bytes());
    s.len() >= suffix.len()
        && s.get(s.len() - suffix.len()..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
}

/// Marks the main executable as user code (iOS layouts have no "+" marker).
pub(crate) fn mark_main_executable(report: &mut CrashReport) {
    let ppath = report.process.path.clone();
    let ppath = ppath.as_deref().map(unprivate);
    let pname = report.process.name.clone();
    for img in &mut report.images {
        let by_path = match (ppath, img.path.as_deref()) {
            (Some(pp), Some(ip)) => pp == unprivate(ip),
            _ => false,
        };
        let by_name = ppath.is_none() && pname.is_some() && img.name == pname;
        if by_path || by_name {
            img.user_code = true;
        }
    }
}

/// Sets each frame's `image_index` (by name or bundle id, else by address,
/// else by the base a "base + offset" frame names) and fills `image_offset`
/// from the image base where the line did not give it.
pub(crate) fn resolve_frames(report: &mut CrashReport) {
    let images = std::mem::take(&mut report.images);
    let by_name = NameIndex::new(&images);
    let mut named = Vec::new();
    for t in &mut report.threads {
        for f in &mut t.frames {
            resolve_frame(&images, &by_name, &mut named, f);
        }
    }
    for f in &mut report.last_exception_backtrace {
        resolve_frame(&images, &by_name, &mut named, f);
    }
    drop(by_name);
    report.images = images;
}

/// Image positions by name and by bundle id (each list in image order, an
/// image once even when its name and bundle id are the same): a map for a
/// full list, a scan for the few images a skimmed read keeps (building the
/// map cost more than the scans).
enum NameIndex<'a> {
    Scan(&'a [Image]),
    Map(HashMap<&'a str, Vec<usize>>),
}

/// Up to this many images, [`NameIndex`] scans.
const NAME_SCAN_MAX: usize = 32;

impl<'a> NameIndex<'a> {
    fn new(images: &'a [Image]) -> Self {
        if images.len() <= NAME_SCAN_MAX {
            NameIndex::Scan(images)
        } else {
            NameIndex::mapped(images)
        }
    }

    fn mapped(images: &'a [Image]) -> Self {
        let mut m: HashMap<&str, Vec<usize>> = HashMap::new();
        for (k, i) in images.iter().enumerate() {
            if let Some(n) = i.name.as_deref() {
                m.entry(n).or_default().push(k);
            }
            if let Some(b) = i.bundle_id.as_deref() {
                if i.name.as_deref() != Some(b) {
                    m.entry(b).or_default().push(k);
                }
            }
        }
        NameIndex::Map(m)
    }

    /// The positions of the images named `name`, into `out` (cleared first).
    fn named(&self, name: &str, out: &mut Vec<usize>) {
        out.clear();
        match self {
            NameIndex::Map(m) => out.extend(m.get(name).into_iter().flatten()),
            NameIndex::Scan(images) => out.extend(
                images
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| {
                        i.name.as_deref() == Some(name) || i.bundle_id.as_deref() == Some(name)
                    })
                    .map(|(k, _)| k),
            ),
        }
    }
}

fn resolve_frame(images: &[Image], by_name: &NameIndex<'_>, named: &mut Vec<usize>, f: &mut Frame) {
    let hint_base = match (f.address, f.image_offset) {
        (Some(a), Some(o)) => a.checked_sub(o),
        _ => None,
    };
    let contains = |i: &Image| f.address.is_some_and(|a| !i.placeholder && i.contains(a));
    let mut found = None;
    if let Some(name) = f.image.as_deref() {
        by_name.named(name, named);
        found = match named.as_slice() {
            [one] => Some(*one),
            [] => None,
            many => many
                .iter()
                .copied()
                .find(|k| images.get(*k).is_some_and(contains))
                .or_else(|| {
                    many.iter()
                        .copied()
                        .find(|k| images.get(*k).map(|i| i.base) == hint_base)
                })
                .or_else(|| many.first().copied()),
        };
    }
    if found.is_none() {
        found = images.iter().position(contains);
    }
    if found.is_none() {
        if let Some(b) = hint_base.filter(|b| *b != 0) {
            found = images.iter().position(|i| !i.placeholder && i.base == b);
        }
    }
    f.image_index = found;
    if f.image_offset.is_none() {
        if let (Some(img), Some(a)) = (found.and_then(|k| images.get(k)), f.address) {
            if !img.placeholder {
                f.image_offset = a.checked_sub(img.base);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// A scan finds the images a map finds, in the same order.
    #[test]
    fn name_scan_is_name_map() {
        use crashlens_model::Image;
        let pick = ["a", "b", "c"];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let images: Vec<Image> = (0..(seed % 9) as usize)
                .map(|k| {
                    let r = seed.rotate_left(k as u32 * 7);
                    let name = (r % 4 != 3).then(|| pick[(r % 3) as usize].to_string());
                    let bundle = (r % 5 < 3).then(|| pick[((r >> 8) % 3) as usize].to_string());
                    Image {
                        name,
                        bundle_id: bundle,
                        ..Image::default()
                    }
                })
                .collect();
            let (scan, map) = (
                super::NameIndex::Scan(&images),
                super::NameIndex::mapped(&images),
            );
            for key in pick {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                scan.named(key, &mut a);
                map.named(key, &mut b);
                assert_eq!(a, b, "{key} in {images:?}");
            }
        }
    }

    /// The image list ends at a blank line without a check of its own.
    #[test]
    fn blank_lines_are_not_image_lines() {
        for l in ["", " ", "\t", "   \t  ", "\u{a0}", " \u{2003} "] {
            assert!(parse_image_line(l).is_none(), "{l:?}");
        }
    }

    use super::*;

    #[test]
    fn the_byte_reader_of_address_ranges_agrees_with_the_general_one() {
        for line in [
            "0x102230000 - 0x102237fff iOSCrashingTest arm64  <82d13d98219e3040b62a07a297007a7c> /p",
            "       0x100000000 -        0x100600fff +com.apple.Safari 5.0.5 (6533.21.1) <A5F4> /S  ",
            "\t0x0 - 0xffffffffffffffff ??? unknown-arch  <00000000000000000000000000000000> ???",
            "0x1000 -0x2000\tname",
            "0x1000-0x2000 name",
            "0x1000 - 0x2000",
            "0x1000 - 0x2000 ",
            "0x1g00 - 0x2000 name",
            "0x10000000000000000 - 0x2 name",
            "0x - 0x2 name",
            "1000 - 0x2000 name",
            "0x1000 \u{2003}- 0x2000 name",
            "0x1000 - 0x2000\u{2003}name",
            "0x1000 - 0x2000 näme /p",
            "",
            "Binary Images:",
        ] {
            let fast = split_range_ascii(line);
            if fast.is_some() {
                assert_eq!(fast, split_range_any(line), "{line:?}");
            }
            assert_eq!(split_range(line), split_range_any(line), "{line:?}");
        }
    }

    #[test]
    fn ios_line() {
        let i = parse_image_line("0x102230000 - 0x102237fff iOSCrashingTest arm64  <82d13d98219e3040b62a07a297007a7c> /private/var/x/iOSCrashingTest").unwrap();
        assert_eq!(i.base, 0x102230000);
        assert_eq!(i.size, Some(0x8000));
        assert_eq!(i.name.as_deref(), Some("iOSCrashingTest"));
        assert_eq!(i.arch.as_deref(), Some("arm64"));
        assert_eq!(
            i.uuid.as_deref(),
            Some("82d13d98-219e-3040-b62a-07a297007a7c")
        );
        assert!(!i.user_code);
    }

    #[test]
    fn macos_10_6_version_before_parens() {
        let i = parse_image_line("       0x100000000 -        0x100600fff +com.apple.Safari 5.0.5 (6533.21.1) <A5F4ABC9-1234-5678-9ABC-DEF012345678> /Applications/Safari.app/Contents/MacOS/Safari").unwrap();
        assert_eq!(i.bundle_id.as_deref(), Some("com.apple.Safari"));
        assert_eq!(i.name.as_deref(), Some("Safari"));
        assert_eq!(
            (i.version.as_deref(), i.build.as_deref()),
            (Some("5.0.5"), Some("6533.21.1"))
        );
        // A name that merely ends in a number is left alone.
        let i = parse_image_line("0x1000 - 0x1fff libfoo.1.dylib arm64  <82d13d98219e3040b62a07a297007a7c> /usr/lib/libfoo.1.dylib").unwrap();
        assert_eq!(i.name.as_deref(), Some("libfoo.1.dylib"));
        assert_eq!(i.version, None);
    }

    #[test]
    fn exclusive_page_aligned_end() {
        let i = parse_image_line("       0x106644000 -        0x10664c000 +dev.mobile.MemoryLeakingApp (1.0 - 1) <938A8C4A-3BE6-3A6B-865D-1E39ADBFA134> /Users/USER/MemoryLeakingApp.app/MemoryLeakingApp").unwrap();
        assert_eq!(i.size, Some(0x8000));
        assert_eq!(image_size(0x1000, 0x1fff), Some(0x1000));
        assert_eq!(image_size(0x1000, 0x1000), Some(1));
        assert_eq!(image_size(0x2000, 0x1000), None);
    }

    #[test]
    fn macos_bundle_id_line() {
        let i = parse_image_line("    0x7fff2bcb9000 -     0x7fff2be3afff  com.apple.CoreMedia (1.0 - 2747.2.4.1) <AD1273B5-566D-31D1-AFB0-2F4BF1FAD552> /System/Library/Frameworks/CoreMedia.framework/Versions/A/CoreMedia").unwrap();
        assert_eq!(i.name.as_deref(), Some("CoreMedia"));
        assert_eq!(i.bundle_id.as_deref(), Some("com.apple.CoreMedia"));
        assert_eq!(i.version.as_deref(), Some("1.0"));
        assert_eq!(i.build.as_deref(), Some("2747.2.4.1"));
        assert_eq!(
            i.uuid.as_deref(),
            Some("ad1273b5-566d-31d1-afb0-2f4bf1fad552")
        );
    }

    #[test]
    fn user_and_arch_in_parens() {
        let i = parse_image_line("       0x1017ff000 -        0x101885fff +com.AlphaSoft.iTubeDownloader (x86_64)  <7B639009-221F-3815-A7A3-657098146F8A> /Users/r/iTubeDownloader.app/Contents/MacOS/iTubeDownloader").unwrap();
        assert!(i.user_code);
        assert_eq!(i.arch.as_deref(), Some("x86_64"));
        assert_eq!(
            i.bundle_id.as_deref(),
            Some("com.AlphaSoft.iTubeDownloader")
        );
        assert_eq!(i.name.as_deref(), Some("iTubeDownloader"));
    }

    #[test]
    fn placeholder_and_spaces() {
        let i = parse_image_line("               0x0 - 0xffffffffffffffff ??? unknown-arch  <00000000000000000000000000000000> ???").unwrap();
        assert!(i.placeholder);
        assert_eq!(i.size, None);
        assert_eq!(i.name, None);
        let i = parse_image_line("       0x10211c000 -        0x1024b3fff App Namespace arm64  <debeff4e26534f38e59bc9de7b8daade> /private/var/App Namespace Some.app/App Namespace").unwrap();
        assert_eq!(i.name.as_deref(), Some("App Namespace"));
        assert_eq!(
            i.path.as_deref(),
            Some("/private/var/App Namespace Some.app/App Namespace")
        );
    }

    #[test]
    fn plus_with_space_and_json() {
        let i = parse_image_line("0x10196c000 - 0x10196ffff + MobileSubstrate.dylib arm64  <7eb90e1343ef35bea36be82d96c00008> /Library/MobileSubstrate/MobileSubstrate.dylib {\"name\":\"Cydia Substrate\"}").unwrap();
        assert!(i.user_code);
        assert_eq!(i.name.as_deref(), Some("MobileSubstrate.dylib"));
        assert_eq!(
            i.path.as_deref(),
            Some("/Library/MobileSubstrate/MobileSubstrate.dylib")
        );
    }
}
