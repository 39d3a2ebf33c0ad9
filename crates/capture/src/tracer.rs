//! The ptrace event loop: seize the child with options that follow clones,
//! forks, vforks and execs; pass every signal through unchanged; on a fatal
//! signal-delivery stop, hand the process to [`crate::dump::capture`], or,
//! when the program has a handler for that signal, let the handler run and
//! capture only if a fatal signal then arrives with no handler left; end
//! when the command's own process ends (tracees still alive then are
//! detached by the kernel when this process exits, and run on untraced).
//! SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to the tracer go on to the command.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use crate::{dump, signals, spawn, CaptureError, ExitStatus, Options, Outcome};

const OPTIONS: libc::c_int = libc::PTRACE_O_TRACECLONE
    | libc::PTRACE_O_TRACEFORK
    | libc::PTRACE_O_TRACEVFORK
    | libc::PTRACE_O_TRACEEXEC;

/// The threads being traced, by thread id, with their process id.
#[derive(Default)]
pub struct Tracees {
    pub tgid_of: HashMap<i32, i32>,
    /// Processes already dumped (no longer traced).
    pub dumped: HashSet<i32>,
    /// The last fatal signal each thread received while a handler was
    /// installed for it, with the thread's state then.
    pub handled: HashMap<i32, dump::Stopped>,
}

impl Tracees {
    /// The thread ids of one process.
    pub fn threads_of(&self, tgid: i32) -> Vec<i32> {
        let mut v: Vec<i32> = self
            .tgid_of
            .iter()
            .filter(|(_, g)| **g == tgid)
            .map(|(t, _)| *t)
            .collect();
        v.sort_unstable();
        v
    }
}

/// A thread's process id, from /proc.
pub fn tgid(tid: i32) -> i32 {
    let Ok(s) = std::fs::read_to_string(format!("/proc/{tid}/status")) else {
        return tid;
    };
    s.lines()
        .find_map(|l| l.strip_prefix("Tgid:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(tid)
}

/// `ptrace(req, tid, 0, data)`.
pub fn ptrace(req: libc::c_uint, tid: i32, data: usize) -> libc::c_long {
    // SAFETY: requests used here take no pointer argument in `addr` and an
    // integer (signal or options) in `data`.
    unsafe { libc::ptrace(req, tid, 0usize, data) }
}

pub fn run(argv: &[String], options: &Options) -> Result<Outcome, CaptureError> {
    std::fs::create_dir_all(&options.out_dir)?;
    let argv = spawn::Argv::new(argv)?;
    let child = spawn::spawn_stopped(&argv)?;
    // SAFETY: seizing our own stopped child.
    let r = unsafe { libc::ptrace(libc::PTRACE_SEIZE, child, 0usize, OPTIONS as usize) };
    if r != 0 {
        let err = CaptureError::last("PTRACE_SEIZE (is ptrace allowed here?)");
        // SAFETY: our own child.
        unsafe {
            libc::kill(child, libc::SIGKILL);
            libc::waitpid(child, std::ptr::null_mut(), 0);
        }
        return Err(err);
    }
    let mut t = Tracees::default();
    t.tgid_of.insert(child, child);
    // SAFETY: our own child.
    unsafe { libc::kill(child, libc::SIGCONT) };

    let mut captures = Vec::new();
    forward::install();
    loop {
        let mut status = 0;
        // SAFETY: waitpid with a valid status pointer.
        let tid = unsafe { libc::waitpid(-1, &mut status, libc::__WALL) };
        if tid < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                forward::to(child);
                continue;
            }
            return Err(CaptureError::Sys {
                what: "waitpid: the command's process was lost".into(),
                err: e,
            });
        }
        if let Some(end) = ExitStatus::from_raw(status) {
            t.tgid_of.remove(&tid);
            if tid == child {
                return Ok(Outcome {
                    status: end,
                    captures,
                });
            }
            continue;
        }
        if !libc::WIFSTOPPED(status) {
            continue;
        }
        let sig = libc::WSTOPSIG(status);
        let event = status >> 16;
        // The thread's process, looked up only for the stops that need it:
        // a thread's first stop often comes before its creator's clone event
        // says whose it is, and reading /proc for it then would be wasted.
        let tgid_of = |t: &mut Tracees| *t.tgid_of.entry(tid).or_insert_with(|| tgid(tid));
        match event {
            0 if signals::is_fatal(sig) => {
                let at = Instant::now();
                let tgid = tgid_of(&mut t);
                if t.dumped.contains(&tgid) {
                    ptrace(libc::PTRACE_CONT, tid, sig as usize);
                } else if signals::caught(tgid, sig) {
                    // The program's handler runs first: it may recover (a JVM,
                    // Go), or report and re-raise (faulthandler). Remember
                    // where the signal hit; dump only if a fatal signal
                    // arrives with no handler left.
                    if let Some(s) = dump::read_thread(tgid, tid) {
                        t.handled.insert(tid, s);
                    }
                    ptrace(libc::PTRACE_CONT, tid, sig as usize);
                } else {
                    captures.push(dump::capture(&mut t, tgid, tid, sig, at, options));
                }
            }
            0 => {
                ptrace(libc::PTRACE_CONT, tid, sig as usize);
            }
            libc::PTRACE_EVENT_STOP => {
                if matches!(
                    sig,
                    libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU
                ) {
                    // A group-stop: stay stopped until SIGCONT, without
                    // resuming the thread.
                    ptrace(libc::PTRACE_LISTEN, tid, 0);
                } else {
                    ptrace(libc::PTRACE_CONT, tid, 0);
                }
            }
            libc::PTRACE_EVENT_CLONE | libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK => {
                let mut new: libc::c_ulong = 0;
                // SAFETY: GETEVENTMSG writes one c_ulong.
                unsafe {
                    libc::ptrace(
                        libc::PTRACE_GETEVENTMSG,
                        tid,
                        0usize,
                        &mut new as *mut libc::c_ulong,
                    );
                }
                if let Ok(new) = i32::try_from(new) {
                    let g = if event == libc::PTRACE_EVENT_CLONE {
                        tgid_of(&mut t)
                    } else {
                        new
                    };
                    t.tgid_of.entry(new).or_insert(g);
                }
                ptrace(libc::PTRACE_CONT, tid, 0);
            }
            libc::PTRACE_EVENT_EXEC => {
                // After exec the process has one thread, whose id became the
                // process id (the stop is reported under it); the others,
                // including the one that called exec if it was not the
                // leader, are gone.
                let tgid = tgid_of(&mut t);
                let others: Vec<i32> = t
                    .threads_of(tgid)
                    .into_iter()
                    .filter(|x| *x != tgid)
                    .collect();
                for o in others {
                    t.tgid_of.remove(&o);
                }
                t.tgid_of.insert(tgid, tgid);
                ptrace(libc::PTRACE_CONT, tid, 0);
            }
            _ => {
                ptrace(libc::PTRACE_CONT, tid, 0);
            }
        }
    }
}

/// Termination signals sent to the tracer (Ctrl-C, a harness's timeout) are
/// passed on to the command instead of killing the tracer, so the command
/// ends as it would untraced and the tracer reports how.
mod forward {
    use std::sync::atomic::{AtomicI32, Ordering};

    static PENDING: AtomicI32 = AtomicI32::new(0);
    const SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

    extern "C" fn on_signal(sig: libc::c_int) {
        PENDING.store(sig, Ordering::SeqCst);
    }

    /// Handlers without SA_RESTART, so `waitpid` returns EINTR.
    pub fn install() {
        for sig in SIGNALS {
            // SAFETY: a handler that only stores to an atomic.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
                libc::sigemptyset(&mut sa.sa_mask);
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
    }

    /// Sends a pending signal on to the command.
    pub fn to(child: i32) {
        let sig = PENDING.swap(0, Ordering::SeqCst);
        if sig != 0 {
            // SAFETY: kill with a valid signal.
            unsafe { libc::kill(child, sig) };
        }
    }
}
