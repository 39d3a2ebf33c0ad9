//! Running the command once: spawn it in its own process group with the
//! configuration's environment, capture the last 64 KiB of stdout and stderr,
//! enforce the timeout (SIGTERM then SIGKILL to the whole group), and report
//! how it ended. One thread per run: it polls the two pipes and (on Linux) a
//! pidfd, so a fast exit is seen at once and no helper threads are needed.

use crate::config::EnvChange;
use crate::outcome::ExitInfo;
use crate::tail::Tail;
use std::io::Read;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// Bytes kept from the end of stdout and of stderr.
pub const TAIL_BYTES: usize = 64 * 1024;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub program: String,
    pub args: Vec<String>,
    pub env: Vec<EnvChange>,
    pub timeout: Duration,
    /// Time between SIGTERM and SIGKILL on a timeout.
    pub kill_grace: Duration,
    pub tail_bytes: usize,
}

/// How one run went, before classification.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub started: SystemTime,
    pub pid: u32,
    /// From spawn to the leader's exit (for a crash: the time to crash).
    pub duration: Duration,
    pub exit: ExitInfo,
    pub timed_out: bool,
    /// Stopped by the cancel flag (Ctrl-C): not a real trial.
    pub cancelled: bool,
    pub stdout: Tail,
    pub stderr: Tail,
    /// Set when the harness could not run the command at all.
    pub error: Option<String>,
}

impl RunResult {
    fn failed_to_start(started: SystemTime, msg: String, cap: usize) -> Self {
        RunResult {
            started,
            pid: 0,
            duration: Duration::ZERO,
            exit: ExitInfo::default(),
            timed_out: false,
            cancelled: false,
            stdout: Tail::new(cap),
            stderr: Tail::new(cap),
            error: Some(msg),
        }
    }
}

fn build_command(spec: &RunSpec) -> Command {
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for change in &spec.env {
        match change {
            EnvChange::Set { var, value } => {
                cmd.env(var, value);
            }
            EnvChange::Unset { var } => {
                cmd.env_remove(var);
            }
        }
    }
    // SAFETY: only async-signal-safe calls (setpgid, prctl) between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setpgid(0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // If the worker thread that started us dies (harness killed), so do we.
            #[cfg(target_os = "linux")]
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    cmd
}

#[cfg(target_os = "linux")]
fn pidfd_open(pid: u32) -> Option<RawFd> {
    // SAFETY: plain syscall; a negative return means unsupported or failed.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd >= 0 {
        Some(fd as RawFd)
    } else {
        None
    }
}

#[cfg(not(target_os = "linux"))]
fn pidfd_open(_pid: u32) -> Option<RawFd> {
    None
}

fn set_nonblocking(fd: RawFd) {
    // SAFETY: fcntl on a file descriptor we own.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
    }
}

fn kill_group(pgid: u32, sig: i32) {
    if pgid > 1 {
        // SAFETY: sends a signal to the process group we created for the child.
        unsafe {
            libc::killpg(pgid as libc::pid_t, sig);
        }
    }
}

/// A pipe being drained into a tail.
struct Pipe<R: Read + AsRawFd> {
    reader: Option<R>,
    tail: Tail,
}

impl<R: Read + AsRawFd> Pipe<R> {
    fn fd(&self) -> Option<RawFd> {
        self.reader.as_ref().map(|r| r.as_raw_fd())
    }

    /// Read what is there; close on EOF or error.
    fn drain(&mut self, buf: &mut [u8]) {
        let Some(r) = self.reader.as_mut() else {
            return;
        };
        loop {
            match r.read(buf) {
                Ok(0) => {
                    self.reader = None;
                    return;
                }
                Ok(n) => self.tail.push(buf.get(..n).unwrap_or(&[])),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.reader = None;
                    return;
                }
            }
        }
    }
}

/// Run `spec` once. `cancel` stops it early (the run is then marked cancelled).
pub fn run_once(spec: &RunSpec, cancel: &AtomicBool) -> RunResult {
    let started = SystemTime::now();
    let t0 = Instant::now();
    let mut child: Child = match build_command(spec).spawn() {
        Ok(c) => c,
        Err(e) => {
            return RunResult::failed_to_start(
                started,
                format!("cannot run {:?}: {e}", spec.program),
                spec.tail_bytes,
            )
        }
    };
    let pid = child.id();
    let mut out = Pipe {
        reader: child.stdout.take(),
        tail: Tail::new(spec.tail_bytes),
    };
    let mut err = Pipe {
        reader: child.stderr.take(),
        tail: Tail::new(spec.tail_bytes),
    };
    for fd in [out.fd(), err.fd()].into_iter().flatten() {
        set_nonblocking(fd);
    }
    let pidfd = pidfd_open(pid);
    let deadline = t0 + spec.timeout;
    let mut buf = vec![0u8; 16 * 1024];
    let mut status: Option<std::process::ExitStatus> = None;
    let mut exit_at: Option<Instant> = None;
    let mut timed_out = false;
    let mut cancelled = false;
    let mut term_sent_at: Option<Instant> = None;
    let mut kill_sent = false;
    let mut drain_until: Option<Instant> = None;

    loop {
        // Has the leader exited?
        if status.is_none() {
            if let Ok(Some(s)) = child.try_wait() {
                exit_at = Some(Instant::now());
                status = Some(s);
            }
        }
        let now = Instant::now();
        if status.is_some() {
            if out.reader.is_none() && err.reader.is_none() {
                break;
            }
            // Leftover members of the group still hold the pipes: give them a moment, then end them.
            let until = *drain_until.get_or_insert(now + Duration::from_millis(200));
            if now >= until {
                kill_group(pid, libc::SIGKILL);
                if now >= until + Duration::from_secs(2) {
                    break;
                }
            }
        } else {
            if cancel.load(Ordering::Relaxed) && !cancelled {
                cancelled = true;
                kill_group(pid, libc::SIGKILL);
                kill_sent = true;
            }
            if now >= deadline && term_sent_at.is_none() && !cancelled {
                timed_out = true;
                kill_group(pid, libc::SIGTERM);
                term_sent_at = Some(now);
            }
            if let Some(t) = term_sent_at {
                if !kill_sent && now >= t + spec.kill_grace {
                    kill_group(pid, libc::SIGKILL);
                    kill_sent = true;
                }
            }
        }

        // Wait for output, the exit, or the next deadline (at most 100 ms, to see `cancel`).
        let mut fds: Vec<libc::pollfd> = Vec::with_capacity(3);
        for fd in [out.fd(), err.fd()].into_iter().flatten() {
            fds.push(libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let watch_pid = status.is_none();
        if let (Some(fd), true) = (pidfd, watch_pid) {
            fds.push(libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let mut wait = Duration::from_millis(100);
        if status.is_none() {
            if pidfd.is_none() {
                wait = Duration::from_millis(5);
            }
            match term_sent_at {
                None if !cancelled => {
                    wait = wait.min(deadline.saturating_duration_since(now));
                }
                Some(t) if !kill_sent => {
                    wait = wait.min((t + spec.kill_grace).saturating_duration_since(now));
                }
                // SIGKILL is sent: wait for the exit (the pidfd wakes us), no busy loop.
                _ => {}
            }
        } else {
            wait = Duration::from_millis(20);
        }
        let ms = wait.as_millis().min(i32::MAX as u128) as i32;
        if fds.is_empty() {
            std::thread::sleep(wait);
        } else {
            // SAFETY: fds is a valid array of pollfd of the given length.
            unsafe {
                libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms);
            }
        }
        out.drain(&mut buf);
        err.drain(&mut buf);
    }
    if status.is_none() {
        // Not reached in practice; make sure the child is reaped.
        kill_group(pid, libc::SIGKILL);
        status = child.wait().ok();
        exit_at = Some(Instant::now());
    }
    if let Some(fd) = pidfd {
        // SAFETY: we opened this descriptor and close it once.
        unsafe {
            libc::close(fd);
        }
    }
    let exit = match status {
        Some(s) => ExitInfo {
            code: s.code(),
            signal: s.signal(),
            core_dumped: s.core_dumped(),
        },
        None => ExitInfo::default(),
    };
    RunResult {
        started,
        pid,
        duration: exit_at.unwrap_or_else(Instant::now).duration_since(t0),
        exit,
        timed_out,
        cancelled,
        stdout: out.tail,
        stderr: err.tail,
        error: status
            .is_none()
            .then(|| "could not wait for the child".to_string()),
    }
}
