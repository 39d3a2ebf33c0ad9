//! How much of a report a reader fills in: everything ([`Detail::Full`], what
//! `analyze` needs), or only what a crash's signature and summary need
//! ([`Detail::Crashed`], what `group` reads thousands of reports with).
//!
//! With [`Detail::Crashed`] a reader still checks the whole file's format and
//! fills the header, process, system, exception, termination, Application
//! Specific Information and Last Exception Backtrace as usual, but:
//! - of the threads, only the crashed one is kept, with its number, name,
//!   queue and frames (its register state, and in `.ips` reports its
//!   instruction bytes and any other field, are left out: no signature or
//!   summary reads them); the others are left out. When the report
//!   names no crashed thread, an `.ips` report keeps every thread, and a
//!   text report none (no signature or summary reads another thread's
//!   frames; a thread passed over still counts as seen);
//! - of the images, only those that the crashed thread's and the Last
//!   Exception Backtrace's frames lie in, the main executable, and those the
//!   caller's [`ReadOptions::keep_image`] accepts are read. In `.ips` reports
//!   the others stay in `images` as empty entries (base 0, no size, no name)
//!   so that frames' image indexes keep pointing at the right image; text
//!   reports leave them out;
//! - fields that no part of the model takes (`extras`) are left out, in
//!   `.ips` reports checked but not built; text reports keep only those that
//!   tell a stackshot (`Exception Code`, `Kernel version`, `Reason`).
//!
//! A report read this way must give the same signature and summary as the
//! full read, and fail where the full read fails, with the same words. When a
//! text report turns out to name a different crashed thread after threads or
//! images were passed over (two "Crashed Thread" lines, or a register state
//! naming a thread after the threads), or an `.ips` body
//! repeats `faultingThread` after its threads with another value, the reader
//! starts over in full. `.ips` values left unbuilt are still checked, by a
//! scanner that accepts only what serde_json would build (`json_scan.rs`);
//! where it is not sure, the reader starts over in full too (see `skim.rs`).
//! `tests/skim.rs` and `crates/bucket/tests/corpus.rs` check the agreement over
//! the whole corpus, and the `read_skim` fuzz target on mutated input.

use std::fmt;

/// How much of a report to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Detail {
    /// Everything the report holds.
    #[default]
    Full,
    /// The header, the exception and the crashed thread (see the module docs).
    Crashed,
}

/// An image as a caller sees it before deciding to keep it: the report's own
/// strings, borrowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImageId<'a> {
    /// The name the report prints (a file name, or a bundle id in older text).
    pub name: Option<&'a str>,
    pub bundle_id: Option<&'a str>,
    pub path: Option<&'a str>,
}

/// Which images to keep besides those the crashed frames lie in. A plain
/// function of the image's identity, never a closure with state: the reader
/// remembers its answer per distinct image (per thread, for as long as the
/// thread reads reports), so it must give the same answer for the same image.
pub type KeepImage = fn(ImageId<'_>) -> bool;

/// Options for [`crate::read_bytes_with`].
#[derive(Default, Clone, Copy)]
pub struct ReadOptions {
    pub detail: Detail,
    /// With [`Detail::Crashed`]: images to read besides those the crashed
    /// frames lie in (a GPU driver whose version a summary shows, say).
    pub keep_image: Option<KeepImage>,
}

impl fmt::Debug for ReadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadOptions")
            .field("detail", &self.detail)
            .field("keep_image", &self.keep_image.is_some())
            .finish()
    }
}

impl ReadOptions {
    /// Read everything.
    pub fn full() -> Self {
        ReadOptions::default()
    }

    /// Read what a signature needs, keeping also the images `keep` accepts.
    pub fn crashed(keep: Option<KeepImage>) -> Self {
        ReadOptions {
            detail: Detail::Crashed,
            keep_image: keep,
        }
    }

    pub(crate) fn skim(&self) -> bool {
        self.detail == Detail::Crashed
    }

    /// Whether the caller wants this image kept.
    pub(crate) fn wants(&self, id: ImageId<'_>) -> bool {
        self.keep_image.is_some_and(|k| k(id))
    }

    /// A tag for the keep function, for remembering its answers: the same
    /// function gives the same tag (two functions merged into one by the
    /// compiler give one tag, and the same answers). 0 is no function.
    pub(crate) fn keep_tag(&self) -> usize {
        self.keep_image.map_or(0, |k| k as usize)
    }
}
