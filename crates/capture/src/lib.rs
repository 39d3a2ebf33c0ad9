//! crashlens-capture: run a command under ptrace and, when one of its threads
//! gets a fatal signal, write a minidump of the whole process, then let it die
//! as it would have (issue 6, `crashlens run`). Linux only; no root and no
//! change to the program.
//!
//! | module | what |
//! |---|---|
//! | [`signals`] | which signals are fatal, their names, whether a re-run re-faults |
//! | [`spawn`] | fork, stop before `exec`, so the tracer can seize the child first |
//! | [`tracer`] | `PTRACE_SEIZE` following threads, forks and execs; the event loop |
//! | [`dump`] | the stop / detach / dump / resume sequence and the crash context |
//! | [`writer`] | the minidump file, with the crashing thread's stack capped |
//! | [`status`] | wait statuses, and exiting with the child's own status |
//!
//! The sequence, per crashing process: at the fatal signal-delivery stop, read
//! the thread's siginfo and registers; detach that thread with `SIGSTOP`
//! instead of its signal, so the whole process stops; detach the process's
//! other threads as they reach that group stop; write the minidump with
//! `minidump-writer`'s stream writers ([`writer`]: the writer attaches to
//! every thread itself and continues the process when done; the crashing
//! thread's stack is capped at [`STACK_CAP`]); the crashing thread then
//! re-executes the faulting
//! instruction and dies of the same signal, running the program's own
//! handlers first. A signal that a re-run would not raise again (sent by
//! `kill`/`raise`, a breakpoint trap, a seccomp `SIGSYS`) is sent again to the
//! same thread instead. One dump per process; the process is not traced after.
//!
//! A fatal signal that the program has a handler for is let through first:
//! the handler may recover (a JVM's or Go's own use of SIGSEGV), and then
//! nothing is dumped. If a fatal signal then arrives with no handler left (as
//! after Python's faulthandler, which reports and re-raises), the process is
//! dumped, with the registers and siginfo of the first delivery when it is
//! the same signal in the same thread. A handler that ends the process by
//! `_exit` leaves no dump.
//!
//! The tracer waits with `waitpid(-1)`: run one capture per process, in a
//! process that has no other children to wait for (the CLI does).

pub mod signals;
pub mod status;

#[cfg(target_os = "linux")]
pub mod dump;
#[cfg(target_os = "linux")]
pub mod spawn;
#[cfg(target_os = "linux")]
pub mod tracer;
#[cfg(target_os = "linux")]
pub mod writer;

use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

pub use status::ExitStatus;

#[derive(Debug, Error)]
pub enum CaptureError {
    #[error("no command to run")]
    NoCommand,
    #[error("the command contains a NUL byte")]
    NulInCommand,
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{what}: {err}")]
    Sys { what: String, err: std::io::Error },
    #[error("crash capture needs Linux (ptrace); this is {0}")]
    Unsupported(&'static str),
}

impl CaptureError {
    /// The last OS error, with what was being done.
    pub fn last(what: impl Into<String>) -> Self {
        CaptureError::Sys {
            what: what.into(),
            err: std::io::Error::last_os_error(),
        }
    }
}

/// How much of the crashing thread's stack a dump keeps, from the stack
/// pointer's page up: 1 MiB, about 4000 frames of 256 bytes, far more than an
/// analysis needs to see a recursion, and a few milliseconds to copy (the
/// whole 8 MiB of an overflowed main thread took tens). See [`writer`].
pub const STACK_CAP: usize = 1 << 20;

/// What `run` is told.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where dumps go (created when missing).
    pub out_dir: PathBuf,
}

/// One crash captured.
#[derive(Debug, Clone)]
pub struct Capture {
    pub pid: i32,
    pub tid: i32,
    pub signal: i32,
    /// The signal's `si_code` (of the first delivery, when re-raised).
    pub si_code: i32,
    /// The program's own handler ran first and raised the signal again; the
    /// dump shows the thread where the signal first hit.
    pub reraised: bool,
    /// A different fatal signal that the same thread received first and that
    /// the program's handler took (a Rust stack overflow: SIGSEGV, then the
    /// runtime's abort): (signal, si_code, si_addr).
    pub earlier: Option<(i32, i32, u64)>,
    /// The dump, when it was written.
    pub dump: Option<PathBuf>,
    /// Bytes of the crashing thread's stack left out of the dump, beyond the
    /// [`STACK_CAP`] nearest the stack pointer (0: the whole stack).
    pub stack_cut: u64,
    /// Why there is no dump, or what went wrong while writing it.
    pub error: Option<String>,
    /// From the fatal signal's stop to the dump being on disk.
    pub latency: Duration,
}

/// The result of one traced run.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// How the command itself (the first process) ended.
    pub status: ExitStatus,
    pub captures: Vec<Capture>,
}

/// Runs `argv` under ptrace, capturing crashes into `options.out_dir`.
#[cfg(target_os = "linux")]
pub fn run(argv: &[String], options: &Options) -> Result<Outcome, CaptureError> {
    tracer::run(argv, options)
}

/// Runs `argv` under ptrace (Linux only).
#[cfg(not(target_os = "linux"))]
pub fn run(_argv: &[String], _options: &Options) -> Result<Outcome, CaptureError> {
    Err(CaptureError::Unsupported(std::env::consts::OS))
}
