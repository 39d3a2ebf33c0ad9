//! Starting the command so that the tracer seizes it before it runs a single
//! instruction of the program: fork, stop the child with `SIGSTOP`, and `exec`
//! once the parent has seized it and sent `SIGCONT`. (`std::process::Command`
//! cannot do this: its `spawn` waits for the `exec` to happen.)

use std::ffi::CString;

use crate::CaptureError;

/// The program and arguments as C strings, made before `fork` (the child may
/// only make async-signal-safe calls).
pub struct Argv {
    strings: Vec<CString>,
    ptrs: Vec<*const libc::c_char>,
}

impl Argv {
    pub fn new(argv: &[String]) -> Result<Self, CaptureError> {
        if argv.is_empty() {
            return Err(CaptureError::NoCommand);
        }
        let strings = argv
            .iter()
            .map(|a| CString::new(a.as_bytes()).map_err(|_| CaptureError::NulInCommand))
            .collect::<Result<Vec<_>, _>>()?;
        let mut ptrs: Vec<*const libc::c_char> = strings.iter().map(|s| s.as_ptr()).collect();
        ptrs.push(std::ptr::null());
        Ok(Argv { strings, ptrs })
    }
}

/// Forks a child that stops itself and then execs `argv` (searching `PATH`).
/// Returns the child's pid once it has stopped. If `exec` fails the child
/// exits with 127, as a shell's would.
pub fn spawn_stopped(argv: &Argv) -> Result<i32, CaptureError> {
    let Some(prog) = argv.strings.first() else {
        return Err(CaptureError::NoCommand);
    };
    // SAFETY: fork; the child calls only async-signal-safe functions (raise,
    // execvp, _exit) on memory prepared before the fork.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(CaptureError::last("fork"));
    }
    if pid == 0 {
        unsafe {
            libc::raise(libc::SIGSTOP);
            libc::execvp(prog.as_ptr(), argv.ptrs.as_ptr());
            let msg = b"crashlens run: cannot execute the command\n";
            libc::write(2, msg.as_ptr().cast(), msg.len());
            libc::_exit(127);
        }
    }
    let mut status = 0;
    loop {
        // SAFETY: waitpid on our own child.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WUNTRACED) };
        if r == pid {
            break;
        }
        if r < 0 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return Err(CaptureError::last("waitpid for the new child"));
        }
    }
    if !libc::WIFSTOPPED(status) {
        return Err(CaptureError::Sys {
            what: "the child did not stop before exec".into(),
            err: std::io::Error::other(format!("wait status {status:#x}")),
        });
    }
    Ok(pid)
}
