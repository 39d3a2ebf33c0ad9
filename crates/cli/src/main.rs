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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Group(args) => group::run(args),
        Command::Repro(args) => repro::run(*args),
        Command::Run(args) => run::run(args),
    }
}
