//! crashlens-model: the format-neutral picture of one crash, and the shape of what
//! analysis says about it.
//!
//! Every reader (`crashlens-read`) lands in [`CrashReport`]; every analysis pass
//! (`crashlens-analyze`) adds to [`Analysis`]; renderers (`crashlens-render`) only
//! read these two. This crate does no I/O.
//!
//! Conventions:
//! - Addresses and register values are `u64` in memory and hex strings
//!   (`"0x00000000000005c8"`) in JSON (see [`hex`]).
//! - Every field that a report may lack is an `Option` or an empty `Vec`, and is
//!   left out of JSON when absent.
//! - Thread numbers are the numbers the report itself uses ("Thread 4").

pub mod analysis;
pub mod hex;
pub mod report;
pub mod time;

pub use analysis::*;
pub use report::*;
