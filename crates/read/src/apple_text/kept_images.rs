//! With [`Detail::Crashed`](crate::Detail): which Binary Images lines a
//! skimmed read keeps ([`Wanted`]), and what it remembers between reports of
//! the lines it passes over ([`Identities`]), so that most image lines cost a
//! range parse and a few comparisons. Parsing the lines themselves is
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

    /// By address: a crashed frame lies in it, or names its base.
    fn wants_range(&self, base: u64, size: Option<u64>, placeholder: bool) -> bool {
        if placeholder {
            return false;
        }
        if let Some(size) = size {
            // The first address at or above the base, if below base + size.
            let at = self.addresses.partition_point(|a| *a < base);
            if self.addresses.get(at).is_some_and(|a| a - base < size) {
                return true;
            }
        }
        base != 0 && self.bases.binary_search(&base).is_ok()
    }

    /// By name: a crashed frame names it, or it is the main executable.
    /// Names are compared by hash first; a string compare confirms a match.
    fn wants_id(&self, i: &Identity) -> bool {
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
        if named(i.name.as_deref(), i.name_hash) || named(i.bundle_id.as_deref(), i.bundle_hash) {
            return true;
        }
        // As the analysis finds the main executable: by path, else by name or
        // bundle id equal to the process name.
        let main_by_path = self
            .process_path
            .as_ref()
            .is_some_and(|p| i.path.is_some() && same(p, i.unprivate_path(), i.path_hash));
        main_by_path
            || self.process_name.as_ref().is_some_and(|p| {
                same(p, i.name.as_deref(), i.name_hash)
                    || same(p, i.bundle_id.as_deref(), i.bundle_hash)
            })
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
        let (base, end, tail) = split_range(line)?;
        let at = known.find(base, end, tail)?;
        let i = known.all.get_mut(at)?;
        let placeholder = base == 0 && i.nameless && i.path.is_none();
        let size = if placeholder {
            None
        } else {
            image_size(base, end)
        };
        let keep = self.wants_range(base, size, placeholder) || self.wants_id(i) || {
            // The caller's answer for this identity, asked once per keep function.
            let tag = opts.keep_tag();
            match i.keep {
                Some((t, keep)) if t == tag => keep,
                _ => {
                    let keep = opts.wants(i.id());
                    i.keep = Some((tag, keep));
                    keep
                }
            }
        };
        if !keep {
            return Some(());
        }
        images.extend(parse_tail(base, end, tail).map(|v| v.to_image()));
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
}

impl Identities {
    /// Where the identity `tail` is in [`Identities::all`], adding it when
    /// new; `None` when the line is not an image line after all.
    fn find(&mut self, base: u64, end: u64, tail: &str) -> Option<usize> {
        let guess = self.prev.and_then(|p| self.all.get(p)).and_then(|p| p.next);
        let at = match guess {
            Some(g) if self.all.get(g).is_some_and(|i| self.tail(i) == Some(tail)) => g,
            _ => self.look_up(base, end, tail)?,
        };
        if let Some(p) = self.prev.and_then(|p| self.all.get_mut(p)) {
            p.next = Some(at);
        }
        self.prev = Some(at);
        Some(at)
    }

    fn tail(&self, i: &Identity) -> Option<&str> {
        self.tails.get(i.tail.clone())
    }

    fn look_up(&mut self, base: u64, end: u64, tail: &str) -> Option<usize> {
        if self.all.len() >= IDENTITY_CACHE_MAX {
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
struct Identity {
    /// Where the identity text itself (what the cache key hashes) lies in
    /// [`Identities::tails`], to confirm a hit.
    tail: std::ops::Range<usize>,
    name: Option<Box<str>>,
    bundle_id: Option<Box<str>>,
    path: Option<Box<str>>,
    name_hash: u64,
    bundle_hash: u64,
    /// [`hash`] of the path without a leading `/private`.
    path_hash: u64,
    /// The printed name is empty or `???`.
    nameless: bool,
    /// The caller's keep function (its [`ReadOptions::keep_tag`]) and its answer.
    keep: Option<(usize, bool)>,
    /// The identity on the line after this one, the last time it was read.
    next: Option<usize>,
}

impl Identity {
    /// `tail` is added to `tails`.
    fn of(tails: &mut String, tail: &str, v: &ImageLine<'_>) -> Identity {
        let own = |s: Option<&str>| s.map(Box::from);
        let start = tails.len();
        tails.push_str(tail);
        Identity {
            tail: start..tails.len(),
            name: own(v.name),
            bundle_id: own(v.bundle_id),
            path: own(v.path),
            name_hash: v.name.map_or(0, hash),
            bundle_hash: v.bundle_id.map_or(0, hash),
            path_hash: v.path.map_or(0, |p| hash(unprivate(p))),
            nameless: v.name.is_none() && v.bundle_id.is_none(),
            keep: None,
            next: None,
        }
    }

    fn unprivate_path(&self) -> Option<&str> {
        self.path.as_deref().map(unprivate)
    }

    fn id(&self) -> ImageId<'_> {
        ImageId {
            name: self.name.as_deref(),
            bundle_id: self.bundle_id.as_deref(),
            path: self.path.as_deref(),
        }
    }
}

/// Distinct image identities remembered per thread before the cache starts over.
const IDENTITY_CACHE_MAX: usize = 50_000;

fn hash(s: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(s.as_bytes())
}

thread_local! {
    static IDENTITIES: std::cell::RefCell<Identities> =
        std::cell::RefCell::new(Identities::default());
}
