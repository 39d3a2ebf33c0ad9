//! Ctrl-C and SIGTERM: set a flag that stops new runs and ends the ones in
//! flight, so the journal stays whole and the summary is still printed. A
//! second Ctrl-C exits at once (the journal is still valid: whole lines only).

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the handler; pass it to [`crate::session::execute`] as `cancel`.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(sig: libc::c_int) {
    if INTERRUPTED.swap(true, Ordering::SeqCst) {
        // Second signal: restore the default action and re-raise.
        // SAFETY: signal and raise are async-signal-safe.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
}

/// Install the handler for SIGINT and SIGTERM.
pub fn install() -> &'static AtomicBool {
    // SAFETY: the handler only touches an atomic and async-signal-safe calls.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
        libc::signal(
            libc::SIGTERM,
            on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
    &INTERRUPTED
}
