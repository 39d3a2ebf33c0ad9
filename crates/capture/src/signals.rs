//! The signals crash capture acts on (the list: SEGV, BUS, ILL, FPE,
//! ABRT, TRAP, SYS), and whether letting the thread run again raises the same
//! signal by itself.

/// The fatal signals that trigger a capture.
pub const FATAL: &[(i32, &str)] = &[
    (libc::SIGSEGV, "SIGSEGV"),
    (libc::SIGBUS, "SIGBUS"),
    (libc::SIGILL, "SIGILL"),
    (libc::SIGFPE, "SIGFPE"),
    (libc::SIGABRT, "SIGABRT"),
    (libc::SIGTRAP, "SIGTRAP"),
    (libc::SIGSYS, "SIGSYS"),
];

/// Whether a signal triggers a capture.
pub fn is_fatal(sig: i32) -> bool {
    FATAL.iter().any(|(s, _)| *s == sig)
}

/// A signal's name ("SIGSEGV"), or its number.
pub fn name(sig: i32) -> String {
    match FATAL.iter().find(|(s, _)| *s == sig) {
        Some((_, n)) => (*n).to_string(),
        None => match sig {
            libc::SIGKILL => "SIGKILL".into(),
            libc::SIGTERM => "SIGTERM".into(),
            libc::SIGINT => "SIGINT".into(),
            libc::SIGQUIT => "SIGQUIT".into(),
            libc::SIGPIPE => "SIGPIPE".into(),
            libc::SIGALRM => "SIGALRM".into(),
            libc::SIGUSR1 => "SIGUSR1".into(),
            libc::SIGUSR2 => "SIGUSR2".into(),
            _ => format!("signal {sig}"),
        },
    }
}

/// Whether running the thread again from where it stopped raises the same
/// signal: a fault the CPU reports at the faulting instruction (si_code > 0,
/// including SI_KERNEL's general protection faults). Signals sent by a
/// process (si_code <= 0), breakpoint traps (the pc is already past `int3`)
/// and seccomp's SIGSYS (the system call simply returns) do not, so they are
/// sent again instead.
pub fn refaults(sig: i32, si_code: i32) -> bool {
    si_code > 0
        && matches!(
            sig,
            libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE
        )
}

/// Whether process `pid` has a handler installed for `sig` (its `SigCgt`
/// mask in /proc), i.e. the signal will run the program's own code rather
/// than kill it.
pub fn caught(pid: i32, sig: i32) -> bool {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok());
    match (mask, u32::try_from(sig - 1)) {
        (Some(m), Ok(bit)) if bit < 64 => m & (1u64 << bit) != 0,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_refaults() {
        assert_eq!(name(libc::SIGSEGV), "SIGSEGV");
        assert_eq!(name(99), "signal 99");
        assert!(is_fatal(libc::SIGABRT));
        assert!(!is_fatal(libc::SIGTERM));
        assert!(refaults(libc::SIGSEGV, 1), "SEGV_MAPERR");
        assert!(refaults(libc::SIGSEGV, 0x80), "SI_KERNEL");
        assert!(!refaults(libc::SIGSEGV, -6), "SI_TKILL: sent by raise");
        assert!(!refaults(libc::SIGABRT, -6));
        assert!(!refaults(libc::SIGTRAP, 0x80), "int3");
        assert!(!refaults(libc::SIGSYS, 1), "seccomp");
    }

    #[test]
    fn this_test_process_catches_nothing_unusual() {
        let me = std::process::id() as i32;
        assert!(!caught(me, libc::SIGILL));
        assert!(!caught(-1, libc::SIGSEGV), "no such process");
    }
}
