//! Signal numbers to names on this platform (from libc's constants, since the
//! numbers differ between Linux and macOS), and which signals count as a crash
//! when a shell reports them as exit status 128+N.

/// `SIGSEGV`-style name of a signal number on this platform.
pub fn signal_name(sig: i32) -> String {
    let name = match sig {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGABRT => "SIGABRT",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSYS => "SIGSYS",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        libc::SIGHUP => "SIGHUP",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        _ => return format!("SIG{sig}"),
    };
    name.to_string()
}

/// Signals that mean the program crashed (or was killed hard), used to read
/// a shell's exit status 128+N as a crash.
pub fn is_crash_signal(sig: i32) -> bool {
    [
        libc::SIGSEGV,
        libc::SIGBUS,
        libc::SIGILL,
        libc::SIGFPE,
        libc::SIGABRT,
        libc::SIGTRAP,
        libc::SIGKILL,
        libc::SIGSYS,
        libc::SIGQUIT,
        libc::SIGXCPU,
        libc::SIGXFSZ,
    ]
    .contains(&sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(signal_name(libc::SIGSEGV), "SIGSEGV");
        assert_eq!(signal_name(libc::SIGABRT), "SIGABRT");
        assert_eq!(signal_name(200), "SIG200");
        assert!(is_crash_signal(libc::SIGBUS));
        assert!(!is_crash_signal(libc::SIGTERM));
    }
}
