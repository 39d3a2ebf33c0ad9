//! With [`Detail::Crashed`](crate::Detail): which Binary Images lines a
//! skimmed read keeps ([`Wanted`]), and what it remembers between reports of
//! the lines it passes over ([`Identities`]), so that most image lines cost a
//! range parse and a few comparisons, and a line printed exactly as last time
//! (reports of one boot) only a comparison. Parsing the lines themselves is
//! `images`.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use crashlens_knowledge::memo::KeyIsHash;
use crashlens_model::{CrashReport, Image};

use super::images::{image_size, parse_tail, split_range, unprivate, ImageLine};
use crate::{ImageId, ReadOptions};

/// With [`Detail::Crashed`](crate::Detail): the Binary Images lines a
/// signature needs, those the crashed thread's and the Last Exception
/// Backtrace's frames lie in (by name, address or base) and the main executable.
///
/// Every image line is checked against this, so the checks are lookups:
/// addresses and bases sorted for a binary search, names by hash first.
pub(crate) struct Wanted {
    /// Sorted, without repeats.
    addresses: Vec<u64>,
    /// Where in `addresses` the previous image line's base fell: lists are
    /// printed by ascending base, so the next line's is found by stepping on
    /// from there, not by a binary search.
    at: std::cell::Cell<usize>,
    /// Sorted, without repeats.
    bases: Vec<u64>,
    /// Frame image names and their [`hash`].
    names: Vec<(u64, String)>,
    /// The process name and its [`hash`].
    process_name: Option<(u64, String)>,
    /// The process path (without `/private`) and its [`hash`].
    process_path: Option<(u64, String)>,
    /// One bit per hash of `names`, `process_name` and `process_path`
    /// ([`bit`]): most image lines are ruled out by it alone.
    hashes: [u64; 4],
}

/// Which of [`Wanted::hashes`]' 256 bits `h` sets.
fn bit(h: u64) -> (usize, u64) {
    ((h >> 6 & 3) as usize, 1 << (h & 63))
}

impl Wanted {
    /// For the thread numbered `crashed` (as the parser will decide it). With
    /// no crashed thread, or none read, only the Last Exception Backtrace's
    /// frames and the main executable choose: no other thread's frames go
    /// into a signature or summary.
    pub fn of(report: &CrashReport, crashed: Option<u32>) -> Wanted {
        let thread = crashed.and_then(|n| report.threads.iter().find(|t| t.number == n));
        let thread_frames = thread.map(|t| t.frames.as_slice()).unwrap_or_default();
        let frames = thread_frames.iter().chain(&report.last_exception_backtrace);
        let hashed = |s: &str| (hash(s), s.to_string());
        let mut w = Wanted {
            addresses: Vec::new(),
            at: std::cell::Cell::new(0),
            bases: Vec::new(),
            names: Vec::new(),
            process_name: report.process.name.as_deref().map(hashed),
            process_path: report.process.path.as_deref().map(|p| hashed(unprivate(p))),
            hashes: [0; 4],
        };
        for f in frames {
            w.addresses.extend(f.address);
            if let (Some(a), Some(o)) = (f.address, f.image_offset) {
                w.bases.extend(a.checked_sub(o));
            }
            if let Some(n) = f.image.as_deref() {
                if !w.names.iter().any(|(_, x)| x == n) {
                    w.names.push(hashed(n));
                }
            }
        }
        for v in [&mut w.addresses, &mut w.bases] {
            v.sort_unstable();
            v.dedup();
        }
        let named = w.names.iter().chain(&w.process_name).chain(&w.process_path);
        for (h, _) in named {
            let (word, mask) = bit(*h);
            if let Some(x) = w.hashes.get_mut(word) {
                *x |= mask;
            }
        }
        w
    }

    /// The index of the first of `addresses` at or above `base` (their
    /// length when none is).
    fn first_address_from(&self, base: u64) -> usize {
        let a = &self.addresses;
        let mut at = self.at.get();
        // The hint holds when every address before it is below `base`.
        if at > a.len()
            || at
                .checked_sub(1)
                .and_then(|p| a.get(p))
                .is_some_and(|p| *p >= base)
        {
            at = a.partition_point(|x| *x < base);
        } else {
            while a.get(at).is_some_and(|x| *x < base) {
                at += 1;
            }
        }
        self.at.set(at);
        at
    }

    /// By address: a crashed frame lies in it, or names its base.
    fn wants_range(&self, base: u64, size: Option<u64>, placeholder: bool) -> bool {
        if placeholder {
            return false;
        }
        if let Some(size) = size {
            // The first address at or above the base, if below base + size.
            let at = self.first_address_from(base);
            if self.addresses.get(at).is_some_and(|a| a - base < size) {
                return true;
            }
        }
        base != 0 && self.bases.binary_search(&base).is_ok()
    }

    /// By name: a crashed frame names it, or it is the main executable.
    /// Names are compared by hash first; a string compare confirms a match.
    fn wants_id(&self, i: &Identity, tails: &str) -> bool {
        let maybe = |h: u64| {
            let (word, mask) = bit(h);
            self.hashes.get(word).is_some_and(|x| x & mask != 0)
        };
        if !(maybe(i.name_hash) || maybe(i.bundle_hash) || maybe(i.path_hash)) {
            return false;
        }
        let same = |want: &(u64, String), have: Option<&str>, h: u64| {
            want.0 == h && have == Some(want.1.as_str())
        };
        let named =
            |n: Option<&str>, h: u64| n.is_some() && self.names.iter().any(|w| same(w, n, h));
        let ImageId {
            name,
            bundle_id,
            path,
        } = i.id(tails);
        if named(name, i.name_hash) || named(bundle_id, i.bundle_hash) {
            return true;
        }
        // As the analysis finds the main executable: by path, else by name or
        // bundle id equal to the process name.
        let main_by_path = self
            .process_path
            .as_ref()
            .is_some_and(|p| path.is_some() && same(p, path.map(unprivate), i.path_hash));
        main_by_path
            || self
                .process_name
                .as_ref()
                .is_some_and(|p| same(p, name, i.name_hash) || same(p, bundle_id, i.bundle_hash))
    }

    /// The skimmed read of one image line: `None` when it is not an image line
    /// (the list ends), else the image is added to `images` when it is kept,
    /// with the line parsed only then. What a line's identity names is
    /// remembered in `known`.
    pub fn check_line(
        &self,
        line: &str,
        opts: &ReadOptions,
        known: &mut Identities,
        images: &mut Vec<Image>,
    ) -> Option<()> {
        let (at, base, end, tail) = match known.repeated(line) {
            Some(hit) => hit,
            None => {
                let (base, end, tail) = split_range(line)?;
                let at = known.find(base, end, tail)?;
                known.remember_line(at, line, base, end, tail);
                (at, base, end, tail)
            }
        };
        let Identities { all, tails, .. } = known;
        let i = all.get_mut(at)?;
        let placeholder = base == 0 && i.nameless && i.path.is_none();
        let size = if placeholder {
            None
        } else {
            image_size(base, end)
        };
        let keep = self.wants_range(base, size, placeholder) || self.wants_id(i, tails) || {
            // The caller's answer for this identity, asked once per keep function.
            let tag = opts.keep_tag();
            match i.keep {
                Some((t, keep)) if t == tag => keep,
                _ => {
                    let keep = opts.wants(i.id(tails));
                    i.keep = Some((tag, keep));
                    keep
                }
            }
        };
        if !keep {
            return Some(());
        }
        images.extend(known.kept_image(at, base, end, tail));
        Some(())
    }
}

/// What image lines' identity parts name, remembered per thread by their
/// text (reports of one build print the same ones): see [`with_identities`].
///
/// Reports of one build also list their images in the same order, so each
/// identity remembers the one that followed it last time: a line is first
/// compared with that guess, and only hashed and looked up when it differs.
#[derive(Default)]
pub(crate) struct Identities {
    /// Every identity remembered, by the 64-bit hash of its text.
    by_key: HashMap<u64, usize, KeyIsHash>,
    all: Vec<Identity>,
    /// Every identity's text, one after another in the order first read
    /// ([`Identity::tail`] is a range of it): the guesses of one list are
    /// compared with text that lies together, not in one allocation each.
    tails: String,
    /// The identity of the previous line of the list being read.
    prev: Option<usize>,
    /// Per identity (parallel to `all`), the range part of the last line
    /// read with it: see [`Identities::repeated`].
    last_lines: Vec<LastLine>,
    /// The image last kept for an identity (by its place in `all`), with its
    /// range: the images a signature or summary keeps (the main executable,
    /// GPU drivers, the crashed frames' images) are few and come back.
    kept: HashMap<usize, (u64, u64, Image)>,
}

/// The text before an image line's identity (`0x1000 - 0x1fff `, padding
/// included) and the range it gives, as last read for one identity.
///
/// Reports from one boot print most image lines byte for byte alike: the
/// system libraries of the shared cache share one slide for every process
/// until the next boot. Such a line is then recognised with two comparisons,
/// not parsed.
#[derive(Clone, Copy)]
struct LastLine {
    base: u64,
    end: u64,
    /// How many bytes of `prefix` are the line's (0: none remembered;
    /// [`LastLine::VARIES`]: this identity's lines have been seen with two
    /// ranges, so its lines are no longer compared or remembered).
    len: u8,
    prefix: [u8; LAST_PREFIX_MAX],
}

/// The longest range part remembered (what fits a 64-byte [`LastLine`];
/// the usual padded `0x…` columns take about 41 bytes).
const LAST_PREFIX_MAX: usize = 47;

impl LastLine {
    const NONE: LastLine = LastLine {
        base: 0,
        end: 0,
        len: 0,
        prefix: [0; LAST_PREFIX_MAX],
    };

    /// Lines of a fleet of devices booted separately each print their own
    /// range: after the first change, the comparison (and the copy) would
    /// only cost.
    const VARIES: u8 = u8::MAX;

    /// The remembered range part; empty when there is none (or it varies).
    fn prefix(&self) -> &[u8] {
        self.prefix.get(..usize::from(self.len)).unwrap_or_default()
    }
}

impl Identities {
    /// Where the identity `tail` is in [`Identities::all`], adding it when
    /// new; `None` when the line is not an image line after all.
    fn find(&mut self, base: u64, end: u64, tail: &str) -> Option<usize> {
        let guess = self
            .prev
            .and_then(|p| self.all.get(p))
            .and_then(|p| p.next());
        let at = match guess {
            Some(g) if self.all.get(g).is_some_and(|i| self.tail(i) == Some(tail)) => g,
            _ => self.look_up(base, end, tail)?,
        };
        if let Some(p) = self.prev.and_then(|p| self.all.get_mut(p)) {
            p.next = u32::try_from(at).unwrap_or(NO_NEXT);
        }
        self.prev = Some(at);
        Some(at)
    }

    /// When `line` is, byte for byte, the line last read with the identity
    /// the list's order guesses for it: that identity's place, the range and
    /// the identity text, exactly what [`split_range`] and [`Identities::find`]
    /// would give for it (both depend on the line alone, and the guess is
    /// what `find` tries first). `None` sends the line the long way.
    fn repeated<'l>(&mut self, line: &'l str) -> Option<(usize, u64, u64, &'l str)> {
        let g = self.prev.and_then(|p| self.all.get(p))?.next()?;
        let last = self.last_lines.get(g)?;
        let prefix = last.prefix();
        if prefix.is_empty() || !line.as_bytes().starts_with(prefix) {
            return None;
        }
        let tail = line.get(prefix.len()..)?;
        if self.all.get(g).and_then(|i| self.tail(i)) != Some(tail) {
            return None;
        }
        let (base, end) = (last.base, last.end);
        self.prev = Some(g);
        Some((g, base, end, tail))
    }

    /// Remembers `line`'s range part for the identity at `at`, when the
    /// identity text `tail` runs to the line's end (no trailing blanks, which
    /// [`split_range`] trims) and the range part is short enough. An
    /// identity seen with another range than the one remembered is marked
    /// [`LastLine::VARIES`] instead.
    fn remember_line(&mut self, at: usize, line: &str, base: u64, end: u64, tail: &str) {
        if self
            .last_lines
            .get(at)
            .is_some_and(|l| l.len == LastLine::VARIES)
        {
            return;
        }
        let Some(start) = crate::text::offset_in(line, tail) else {
            return;
        };
        if start + tail.len() != line.len() || start == 0 || start > LAST_PREFIX_MAX {
            return;
        }
        if self.last_lines.len() < self.all.len() {
            self.last_lines.resize(self.all.len(), LastLine::NONE);
        }
        let (Some(slot), Some(prefix)) =
            (self.last_lines.get_mut(at), line.as_bytes().get(..start))
        else {
            return;
        };
        if slot.len != 0 {
            // Remembered before: the same line again (met out of the list's
            // usual order), or another range.
            if slot.prefix() != prefix {
                slot.len = LastLine::VARIES;
            }
            return;
        }
        slot.base = base;
        slot.end = end;
        slot.len = u8::try_from(start).unwrap_or(0);
        if let Some(dst) = slot.prefix.get_mut(..start) {
            dst.copy_from_slice(prefix);
        }
    }

    /// The image of a kept line whose identity is at `at`: what
    /// [`parse_tail`] makes of it, cloned when the identity was kept before
    /// with the same range (the image depends on nothing else).
    fn kept_image(&mut self, at: usize, base: u64, end: u64, tail: &str) -> Option<Image> {
        if let Some((b, e, image)) = self.kept.get(&at) {
            if (*b, *e) == (base, end) {
                return Some(image.clone());
            }
        }
        let image = parse_tail(base, end, tail)?.to_image();
        self.kept.insert(at, (base, end, image.clone()));
        Some(image)
    }

    fn tail(&self, i: &Identity) -> Option<&str> {
        self.tails.get(i.tail.clone())
    }

    fn look_up(&mut self, base: u64, end: u64, tail: &str) -> Option<usize> {
        if self.all.len() >= IDENTITY_CACHE_MAX || self.tails.len() >= TAILS_MAX {
            *self = Identities::default();
        }
        let key = xxhash_rust::xxh3::xxh3_64(tail.as_bytes());
        match self.by_key.entry(key) {
            Entry::Occupied(e) => {
                let at = *e.get();
                if self.all.get(at).is_some_and(|i| self.tail(i) == Some(tail)) {
                    return Some(at);
                }
                // A hash collision: this text gets its own entry, not
                // reachable by the hash (it is found again as a guess, or
                // added again).
                let identity = Identity::of(&mut self.tails, tail, &parse_tail(base, end, tail)?);
                self.all.push(identity);
            }
            Entry::Vacant(e) => {
                let identity = Identity::of(&mut self.tails, tail, &parse_tail(base, end, tail)?);
                e.insert(self.all.len());
                self.all.push(identity);
            }
        }
        Some(self.all.len() - 1)
    }
}

/// Runs `f` with this thread's [`Identities`], for one image list.
pub(crate) fn with_identities<R>(f: impl FnOnce(&mut Identities) -> R) -> R {
    IDENTITIES.with(|cache| {
        let mut known = cache.borrow_mut();
        known.prev = None;
        f(&mut known)
    })
}

/// What an image line's identity part names (see [`Wanted::check_line`]).
///
/// Every image line of a report reads one of these, so it is kept small and
/// owns no text: its name, bundle id and path are [`Span`]s of its own text
/// in [`Identities::tails`] (88 bytes and no allocation, against 128 bytes
/// and three allocations with strings of their own).
struct Identity {
    /// Where the identity text itself (what the cache key hashes) lies in
    /// [`Identities::tails`], to confirm a hit.
    tail: std::ops::Range<usize>,
    name: Span,
    bundle_id: Span,
    path: Span,
    name_hash: u64,
    bundle_hash: u64,
    /// [`hash`] of the path without a leading `/private`.
    path_hash: u64,
    /// The printed name is empty or `???`.
    nameless: bool,
    /// The caller's keep function (its [`ReadOptions::keep_tag`]) and its answer.
    keep: Option<(usize, bool)>,
    /// The identity on the line after this one, the last time it was read
    /// ([`NO_NEXT`] when none).
    next: u32,
}

/// [`Identity::next`] when there is none.
const NO_NEXT: u32 = u32::MAX;

/// A part of [`Identities::tails`] (start and length), or none.
#[derive(Clone, Copy)]
struct Span(u32, u32);

impl Span {
    const NONE: Span = Span(u32::MAX, 0);

    /// `part` of `text`, which starts at `at` in the arena. [`parse_tail`]
    /// only slices its text and the arena stays under [`TAILS_MAX`] (plus
    /// one line), so a part always has a span.
    fn of_part(text: &str, at: usize, part: Option<&str>) -> Span {
        let span = |part| {
            let start = u32::try_from(at + crate::text::offset_in(text, part)?).ok()?;
            let len = u32::try_from(part.len()).ok()?;
            (start != u32::MAX).then_some(Span(start, len))
        };
        let out = part.and_then(span);
        debug_assert_eq!(
            out.is_some(),
            part.is_some(),
            "{part:?} is not a part of {text:?}"
        );
        out.unwrap_or(Span::NONE)
    }

    fn is_some(self) -> bool {
        self.0 != u32::MAX
    }

    fn is_none(self) -> bool {
        !self.is_some()
    }

    /// The text it spans in `tails`.
    fn of(self, tails: &str) -> Option<&str> {
        let start = usize::try_from(self.0).ok()?;
        let len = usize::try_from(self.1).ok()?;
        self.is_some()
            .then(|| tails.get(start..start + len))
            .flatten()
    }
}

impl Identity {
    /// `tail` is added to `tails`; `v` is `tail` parsed.
    fn of(tails: &mut String, tail: &str, v: &ImageLine<'_>) -> Identity {
        let start = tails.len();
        tails.push_str(tail);
        Identity {
            tail: start..tails.len(),
            name: Span::of_part(tail, start, v.name),
            bundle_id: Span::of_part(tail, start, v.bundle_id),
            path: Span::of_part(tail, start, v.path),
            name_hash: v.name.map_or(0, hash),
            bundle_hash: v.bundle_id.map_or(0, hash),
            path_hash: v.path.map_or(0, |p| hash(unprivate(p))),
            nameless: v.name.is_none() && v.bundle_id.is_none(),
            keep: None,
            next: NO_NEXT,
        }
    }

    /// What the identity names, its text being in `tails`.
    fn id<'t>(&self, tails: &'t str) -> ImageId<'t> {
        ImageId {
            name: self.name.of(tails),
            bundle_id: self.bundle_id.of(tails),
            path: self.path.of(tails),
        }
    }

    fn next(&self) -> Option<usize> {
        (self.next != NO_NEXT)
            .then(|| usize::try_from(self.next).ok())
            .flatten()
    }
}

/// The identities' text a thread keeps before the cache starts over: also
/// what keeps a [`Span`]'s start and length within 32 bits.
const TAILS_MAX: usize = 64 << 20;

/// Distinct image identities remembered per thread before the cache starts over.
const IDENTITY_CACHE_MAX: usize = 50_000;

fn hash(s: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(s.as_bytes())
}

thread_local! {
    static IDENTITIES: std::cell::RefCell<Identities> =
        std::cell::RefCell::new(Identities::default());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every image line of the Apple corpus's text reports.
    fn corpus_image_lines() -> Vec<String> {
        crate::test_corpus::texts("apple")
            .iter()
            .flat_map(|t| t.lines().filter(|l| split_range(l).is_some()))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn an_identity_spans_what_its_line_names() {
        let lines = corpus_image_lines();
        assert!(lines.len() > 5000, "{}", lines.len());
        let mut tails = String::from("text already in the arena");
        let mut named = 0;
        for line in &lines {
            let (base, end, tail) = split_range(line).unwrap();
            let Some(v) = parse_tail(base, end, tail) else {
                continue;
            };
            let i = Identity::of(&mut tails, tail, &v);
            assert_eq!(tails.get(i.tail.clone()), Some(tail));
            assert_eq!(i.name.of(&tails), v.name, "{line}");
            assert_eq!(i.bundle_id.of(&tails), v.bundle_id, "{line}");
            assert_eq!(i.path.of(&tails), v.path, "{line}");
            assert_eq!(i.path.is_none(), v.path.is_none());
            named += usize::from(v.name.is_some());
        }
        assert!(named > 5000, "{named}");
    }

    #[test]
    fn stepping_on_from_the_last_base_finds_what_a_binary_search_finds() {
        let mut w = Wanted::of(&CrashReport::default(), None);
        w.addresses = vec![0x10, 0x20, 0x20_0000, 0x7fff_0000, u64::MAX];
        // Ascending bases (as lists are printed), then out of order ones.
        let mut bases: Vec<u64> = vec![0, 0x10, 0x11, 0x1f, 0x20, 0x21, 0x1000, 0x20_0000];
        bases.extend([
            0x7fff_0001,
            u64::MAX,
            u64::MAX,
            0x15,
            0,
            0x7fff_0000,
            0x30,
            0x20,
        ]);
        for base in bases {
            let want = w.addresses.partition_point(|a| *a < base);
            assert_eq!(w.first_address_from(base), want, "{base:#x}");
        }
        w.addresses.clear();
        assert_eq!(w.first_address_from(5), 0);
    }

    #[test]
    fn a_repeated_line_reads_as_split_range_reads_it() {
        let texts = crate::test_corpus::texts("apple");
        let mut hits = 0;
        for text in &texts {
            let lines: Vec<&str> = text.lines().filter(|l| split_range(l).is_some()).collect();
            let mut known = Identities::default();
            // First the long way, as a first report of a build is read;
            // then again, as a report from the same boot is.
            for round in 0..2 {
                known.prev = None;
                for line in &lines {
                    let want = split_range(line).unwrap();
                    let Some((at, base, end, tail)) = known.repeated(line) else {
                        let Some(at) = known.find(want.0, want.1, want.2) else {
                            continue;
                        };
                        known.remember_line(at, line, want.0, want.1, want.2);
                        continue;
                    };
                    assert_eq!(round, 1, "nothing is remembered before: {line}");
                    assert_eq!((base, end, tail), want, "{line}");
                    assert_eq!(known.all.get(at).and_then(|i| known.tail(i)), Some(tail));
                    hits += 1;
                }
            }
        }
        assert!(hits > 5000, "{hits}");
    }

    #[test]
    fn a_line_that_differs_from_the_last_one_is_read_again() {
        let mut known = Identities::default();
        let first =
            "   0x1000 -     0x1fff  a arm64  <00000000000000000000000000000001> /usr/lib/a";
        let second =
            "   0x2000 -     0x2fff  b arm64  <00000000000000000000000000000002> /usr/lib/b";
        for line in [first, second] {
            let (base, end, tail) = split_range(line).unwrap();
            let at = known.find(base, end, tail).unwrap();
            known.remember_line(at, line, base, end, tail);
        }
        let read = |known: &mut Identities, line: &str| {
            known.prev = None;
            known
                .find(0x1000, 0x1fff, split_range(first).unwrap().2)
                .unwrap();
            known.repeated(line).map(|(_, base, end, _)| (base, end))
        };
        assert_eq!(read(&mut known, second), Some((0x2000, 0x2fff)));
        // Another slide, the same identity: parsed, not taken from memory.
        let slid = second
            .replace("0x2000", "0x3000")
            .replace("0x2fff", "0x3fff");
        assert_eq!(read(&mut known, &slid), None);
        // The same range, another identity.
        assert_eq!(read(&mut known, &second.replace("/b", "/c")), None);
        // Trailing blanks are trimmed by the parse, so such a line is never
        // remembered whole.
        let padded = format!("{second}  ");
        assert_eq!(read(&mut known, &padded), None);
        let (base, end, tail) = split_range(&padded).unwrap();
        let at = known.find(base, end, tail).unwrap();
        known.remember_line(at, &padded, base, end, tail);
        assert_eq!(read(&mut known, second), Some((0x2000, 0x2fff)));
        // Read with another range: no longer compared at all.
        let (base, end, tail) = split_range(&slid).unwrap();
        let at = known.find(base, end, tail).unwrap();
        known.remember_line(at, &slid, base, end, tail);
        assert_eq!(read(&mut known, second), None);
        assert_eq!(read(&mut known, &slid), None);
        known.remember_line(at, second, 0x2000, 0x2fff, tail);
        assert_eq!(read(&mut known, second), None);
    }

    #[test]
    fn a_span_of_nothing_is_none() {
        assert_eq!(Span::NONE.of("anything"), None);
        assert!(Span::of_part("abc", 7, None).is_none());
        let text = "name arm64 /path";
        let s = Span::of_part(text, 3, text.get(11..));
        assert_eq!(s.of("xyzname arm64 /path"), Some("/path"));
    }
}
