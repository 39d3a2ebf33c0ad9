//! crashlens-repro: run a command many times per configuration and measure
//! its crash rate honestly (issue 5, `crashlens repro`). It does not depend on
//! the analysis crates.
//!
//! How it fits together: [`experiment::Plan`] becomes a [`journal::Header`]
//! (command, configurations, runs, seed); [`config::schedule`] interleaves the
//! configurations in shuffled blocks from the seed; [`session::execute`] runs
//! the schedule `jobs` at a time with [`runner::run_once`], reads a
//! [`signature`] from the output tails, decides the [`outcome`], and appends
//! one flushed JSONL line per run to `DIR/journal.jsonl` (tails go to
//! `DIR/runs/<config>-<rep>/`); with `--capture` each run runs inside a
//! [`capture::Wrapper`] (the CLI's `crashlens run`), whose dump and analysis
//! are listed in the run's record; [`summary::summarize`] computes the statistics
//! from the journal alone, and [`report`] renders them.
//!
//! A crash, for the rates, is a death by signal (or a shell's exit 128+N for
//! a crash signal), a sanitizer report, or a Python fatal error. Timeouts
//! (hangs) and failures count as runs without a crash; harness errors are
//! left out of the rates. Every outcome is kept in the journal and tabled.
//!
//! | module | what |
//! |---|---|
//! | [`config`] | configurations (env changes), shards, the shuffled interleaved schedule |
//! | [`duration`] | `30s` / `2m` / `500ms` |
//! | [`prng`] | SplitMix64 and seeds |
//! | [`runner`] | one run: process group, timeout (TERM then KILL), 64 KiB output tails |
//! | [`tail`] | the ring buffer behind the tails |
//! | [`signals`] | signal names and crash signals |
//! | [`signature`] | faulthandler dumps, sanitizer reports, Rust panics |
//! | [`capture`] | `--capture`: the wrapper command, per-run capture folders, what they hold |
//! | [`ips`] | macOS: the .ips report written for a run's pid |
//! | [`outcome`] | passed / failed / crashed / sanitizer / Python fatal / timeout / harness error |
//! | [`journal`] | JSONL journal: append + flush, load, resume, merge |
//! | [`session`] | executing the schedule on `jobs` worker threads |
//! | [`experiment`] | starting and resuming an experiment |
//! | [`stats`] | Wilson interval, 3/N rule, runs needed, Fisher exact, Holm, Kaplan-Meier |
//! | [`summary`] | per-configuration statistics, comparisons, warnings |
//! | [`report`] | Markdown, JSON, CSV |
//! | [`progress`] | progress bar or periodic lines |
//! | [`interrupt`] | Ctrl-C / SIGTERM flag |

pub mod capture;
pub mod config;
pub mod duration;
pub mod error;
pub mod experiment;
pub mod interrupt;
pub mod ips;
pub mod journal;
pub mod outcome;
pub mod prng;
pub mod progress;
pub mod report;
pub mod runner;
pub mod session;
pub mod signals;
pub mod signature;
pub mod stats;
pub mod summary;
pub mod tail;

pub use error::ReproError;
