//! crashlens: the command line. Thin: parses arguments and hands each
//! subcommand to its module (`analyze`, `group`, `repro`, `run`), which calls
//! the library crates.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod analyze;
mod group;
mod repro;
mod run;

/// mimalloc: a fifth of `group`'s instructions went to glibc's malloc and free
/// (see BENCHMARKS.md, group).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turn native crash reports into answers.
#[derive(Parser)]
#[command(name = "crashlens", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyze crash reports (.ips, .crash) and write a report per file
    Analyze(analyze::Args),
    /// Group many crash reports into buckets by signature
    Group(group::Args),
    /// Run a command many times and measure its crash rate
    Repro(Box<repro::Args>),
    /// Run a command under ptrace; on a fatal signal write a minidump and its analysis (Linux)
    Run(run::Args),
}

/// `mi_option_purge_delay` in mimalloc v3's `mi_option_t` (mimalloc.h; the
/// crate has no constant for it). A test checks it holds that option.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc gives freed memory back to the OS after a delay, and `group`
/// frees and allocates again for every report: each page touched again was a
/// fresh zeroed page, about a tenth of `group`'s time. Never purging keeps
/// what the run has used, which is its peak memory anyway. (mimalloc is built
/// without transparent huge pages, `no_thp` in Cargo.toml: a 2 MiB page was
/// zeroed whole for a few KiB used, and peak memory halved without them.)
/// BENCHMARKS.md, group, has the measurements.
fn tune_allocator() {
    // SAFETY: sets one option's value before any other thread exists
    // (mimalloc's option calls are not thread safe); no memory is touched.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Group(args) => group::run(args),
        Command::Repro(args) => repro::run(*args),
        Command::Run(args) => run::run(args),
    }
}

#[cfg(test)]
mod tests {
    /// The option number is mimalloc's purge delay: its default there is
    /// 1000 ms (options.c), and no other option's default is.
    #[test]
    fn purge_delay_option_number() {
        // SAFETY: reads one option; the tests here do not set options.
        let v = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert!(v == 1000 || v == -1, "{v}");
    }
}
