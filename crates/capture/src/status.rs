//! How a process ended, from its wait status, and how `crashlens run` ends the
//! same way so that a shell or harness sees the same status as for an
//! untraced run.

/// How the command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// `exit(code)`.
    Exited(i32),
    /// Killed by a signal.
    Signaled { signal: i32, core_dumped: bool },
}

impl ExitStatus {
    /// From a raw `waitpid` status; `None` for stops.
    pub fn from_raw(status: i32) -> Option<Self> {
        if libc::WIFEXITED(status) {
            Some(ExitStatus::Exited(libc::WEXITSTATUS(status)))
        } else if libc::WIFSIGNALED(status) {
            Some(ExitStatus::Signaled {
                signal: libc::WTERMSIG(status),
                core_dumped: libc::WCOREDUMP(status),
            })
        } else {
            None
        }
    }

    /// The shell's `$?` for this status (128 + signal for a signal).
    pub fn shell_code(self) -> i32 {
        match self {
            ExitStatus::Exited(c) => c,
            ExitStatus::Signaled { signal, .. } => 128 + signal,
        }
    }

    /// Ends this process with the same status: the same exit code, or death by
    /// the same signal (with core dumps off, so crashlens leaves no core of its
    /// own). Falls back to exit code 128 + signal if the signal does not kill.
    pub fn exit_like(self) -> ! {
        match self {
            ExitStatus::Exited(c) => std::process::exit(c),
            ExitStatus::Signaled { signal, .. } => {
                // SAFETY: plain libc calls with valid arguments; this process
                // is about to end.
                unsafe {
                    let none = libc::rlimit {
                        rlim_cur: 0,
                        rlim_max: 0,
                    };
                    libc::setrlimit(libc::RLIMIT_CORE, &none);
                    libc::signal(signal, libc::SIG_DFL);
                    let mut set: libc::sigset_t = std::mem::zeroed();
                    libc::sigemptyset(&mut set);
                    libc::sigaddset(&mut set, signal);
                    libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
                    libc::raise(signal);
                }
                std::process::exit(128 + signal)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_statuses() {
        assert_eq!(ExitStatus::from_raw(3 << 8), Some(ExitStatus::Exited(3)));
        assert_eq!(
            ExitStatus::from_raw(11),
            Some(ExitStatus::Signaled {
                signal: 11,
                core_dumped: false
            })
        );
        assert_eq!(ExitStatus::from_raw(0x7f | (19 << 8)), None, "a stop");
        assert_eq!(ExitStatus::Exited(3).shell_code(), 3);
        assert_eq!(
            ExitStatus::Signaled {
                signal: 6,
                core_dumped: false
            }
            .shell_code(),
            134
        );
    }
}
