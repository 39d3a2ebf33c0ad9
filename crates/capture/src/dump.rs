//! The capture of one crashing process: stop it, detach, write the minidump,
//! and let it die of its own signal (see the crate docs for the sequence).
//!
//! The crash context (`crash_context::CrashContext`) that `minidump-writer`
//! turns into the exception stream and the crashing thread's registers is
//! built from what ptrace reads at the signal-delivery stop: the siginfo
//! (`PTRACE_GETSIGINFO`) and the registers (`PTRACE_GETREGS`/`GETFPREGS` on
//! x86_64, `PTRACE_GETREGSET` on aarch64), so the dump shows the thread where
//! it faulted, not where the writer found it later.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::tracer::{ptrace, Tracees};
use crate::{signals, writer, Capture, Options};

/// What ptrace read from a thread at a fatal signal.
pub struct Stopped {
    siginfo: libc::siginfo_t,
    context: crash_context::CrashContext,
}

/// Captures process `tgid`, whose thread `tid` is in a signal-delivery stop
/// for the fatal signal `sig`. Always leaves the process untraced and on its
/// way to dying of `sig`.
pub fn capture(
    t: &mut Tracees,
    tgid: i32,
    tid: i32,
    sig: i32,
    at: Instant,
    options: &Options,
) -> Capture {
    let now = read_thread(tgid, tid);
    let si_code = now.as_ref().map_or(0, |s| s.siginfo.si_code);
    // A handler that re-raised the same signal (faulthandler, after its
    // report): the dump shows the original fault, where the signal first hit.
    let first = t.handled.remove(&tid);
    let other = first
        .as_ref()
        .filter(|e| e.siginfo.si_signo != sig)
        .map(|e| {
            (
                e.siginfo.si_signo,
                e.siginfo.si_code,
                e.context.siginfo.ssi_addr,
            )
        });
    let earlier = first.filter(|e| e.siginfo.si_signo == sig);
    let reraised = earlier.is_some();
    let stopped = earlier.or(now);
    let mut cap = Capture {
        pid: tgid,
        tid,
        signal: sig,
        si_code: stopped.as_ref().map_or(si_code, |s| s.siginfo.si_code),
        reraised,
        earlier: other,
        dump: None,
        stack_cut: 0,
        error: None,
        latency: Duration::ZERO,
    };
    t.dumped.insert(tgid);

    // 1. The crashing thread: SIGSTOP instead of its signal stops the whole
    //    process (a group stop).
    ptrace(libc::PTRACE_DETACH, tid, libc::SIGSTOP as usize);
    t.tgid_of.remove(&tid);
    // 2. The other threads reach the group stop (or exit); detach each there,
    //    handing back any other signal that was about to be delivered.
    for other in t.threads_of(tgid) {
        detach_at_stop(other);
        t.tgid_of.remove(&other);
    }
    // 3. The dump.
    match &stopped {
        Some(s) => match write(tgid, tid, s, options) {
            Ok((p, cut)) => {
                cap.dump = Some(p);
                cap.stack_cut = cut;
            }
            Err(e) => cap.error = Some(e),
        },
        None => {
            cap.error = Some(format!(
                "could not read thread {tid}'s signal and registers: {}",
                std::io::Error::last_os_error()
            ));
            // SAFETY: continue the process we stopped.
            unsafe { libc::kill(tgid, libc::SIGCONT) };
        }
    }
    cap.latency = at.elapsed();
    // 4. minidump-writer has continued the process. A fault re-executes and
    //    dies by itself; anything else gets its signal again.
    if reraised || !signals::refaults(sig, si_code) {
        // SAFETY: tgkill with valid ids and signal.
        unsafe {
            libc::syscall(libc::SYS_tgkill, tgid, tid, sig);
        }
    }
    // SAFETY: make sure the process is not left stopped.
    unsafe { libc::kill(tgid, libc::SIGCONT) };
    cap
}

/// Waits (up to a second) for a traced thread to stop, at the group stop or
/// another stop on the way, and detaches it, re-injecting a pending signal if
/// that stop was one. A thread that does not stop in time (stuck in the
/// kernel) stays traced; the dump then lacks its registers.
fn detach_at_stop(tid: i32) {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let mut status = 0;
        // SAFETY: waitpid with a valid status pointer on one of our tracees.
        let r = unsafe { libc::waitpid(tid, &mut status, libc::__WALL | libc::WNOHANG) };
        if r == 0 {
            if Instant::now() > deadline {
                return;
            }
            std::thread::sleep(Duration::from_micros(100));
            continue;
        }
        if r < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return; // gone
        }
        if !libc::WIFSTOPPED(status) {
            return; // exited
        }
        let sig = libc::WSTOPSIG(status);
        let event = status >> 16;
        let inject = if event == 0 && sig != libc::SIGSTOP {
            sig
        } else {
            0
        };
        ptrace(libc::PTRACE_DETACH, tid, inject as usize);
        return;
    }
}

/// Reads a thread's siginfo and registers at a signal-delivery stop.
pub fn read_thread(tgid: i32, tid: i32) -> Option<Stopped> {
    // SAFETY: all-zero bytes are a valid value of these plain C structs.
    let mut siginfo: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: GETSIGINFO writes one siginfo_t.
    let r = unsafe {
        libc::ptrace(
            libc::PTRACE_GETSIGINFO,
            tid,
            0usize,
            &mut siginfo as *mut libc::siginfo_t,
        )
    };
    if r != 0 {
        return None;
    }
    // SAFETY: as above.
    let mut context: crash_context::CrashContext = unsafe { std::mem::zeroed() };
    context.pid = tgid;
    context.tid = tid;
    context.siginfo.ssi_signo = siginfo.si_signo as u32;
    context.siginfo.ssi_errno = siginfo.si_errno;
    context.siginfo.ssi_code = siginfo.si_code;
    // SAFETY: reading the union fields of a siginfo the kernel filled.
    unsafe {
        context.siginfo.ssi_addr = siginfo.si_addr() as u64;
        if siginfo.si_code <= 0 {
            context.siginfo.ssi_pid = siginfo.si_pid() as u32;
            context.siginfo.ssi_uid = siginfo.si_uid();
        }
    }
    regs::fill(tid, &mut context)?;
    Some(Stopped { siginfo, context })
}

fn write(tgid: i32, tid: i32, s: &Stopped, options: &Options) -> Result<(PathBuf, u64), String> {
    let name = format!(
        "crash-{tgid}-{}.dmp",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
    );
    let path = options.out_dir.join(name);
    let mut file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let written = writer::write(
        &mut file,
        tgid,
        tid,
        s.context.clone(),
        Duration::from_millis(500),
    )?;
    Ok((path, written.stack_cut))
}

#[cfg(target_arch = "x86_64")]
mod regs {
    /// The crashing thread's registers into the ucontext the writer reads.
    pub fn fill(tid: i32, c: &mut crash_context::CrashContext) -> Option<()> {
        // SAFETY: all-zero is valid for these C structs; GETREGS/GETFPREGS
        // write exactly one of each.
        let mut r: libc::user_regs_struct = unsafe { std::mem::zeroed() };
        let ok = unsafe {
            libc::ptrace(
                libc::PTRACE_GETREGS,
                tid,
                0usize,
                &mut r as *mut libc::user_regs_struct,
            )
        };
        if ok != 0 {
            return None;
        }
        let g = &mut c.context.uc_mcontext.gregs;
        let set = |g: &mut [i64; 23], i: libc::c_int, v: u64| {
            if let Some(slot) = usize::try_from(i).ok().and_then(|i| g.get_mut(i)) {
                *slot = v as i64;
            }
        };
        set(g, libc::REG_R8, r.r8);
        set(g, libc::REG_R9, r.r9);
        set(g, libc::REG_R10, r.r10);
        set(g, libc::REG_R11, r.r11);
        set(g, libc::REG_R12, r.r12);
        set(g, libc::REG_R13, r.r13);
        set(g, libc::REG_R14, r.r14);
        set(g, libc::REG_R15, r.r15);
        set(g, libc::REG_RDI, r.rdi);
        set(g, libc::REG_RSI, r.rsi);
        set(g, libc::REG_RBP, r.rbp);
        set(g, libc::REG_RBX, r.rbx);
        set(g, libc::REG_RDX, r.rdx);
        set(g, libc::REG_RAX, r.rax);
        set(g, libc::REG_RCX, r.rcx);
        set(g, libc::REG_RSP, r.rsp);
        set(g, libc::REG_RIP, r.rip);
        set(g, libc::REG_EFL, r.eflags);
        set(
            g,
            libc::REG_CSGSFS,
            (r.cs & 0xffff) | ((r.gs & 0xffff) << 16) | ((r.fs & 0xffff) << 32),
        );
        set(g, libc::REG_CR2, c.siginfo.ssi_addr);
        let mut fp: libc::user_fpregs_struct = unsafe { std::mem::zeroed() };
        let ok = unsafe {
            libc::ptrace(
                libc::PTRACE_GETFPREGS,
                tid,
                0usize,
                &mut fp as *mut libc::user_fpregs_struct,
            )
        };
        if ok == 0 {
            let n = std::mem::size_of_val(&fp).min(std::mem::size_of_val(&c.float_state));
            // SAFETY: both are plain 512-byte FXSAVE layouts; copy the common size.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    (&fp as *const libc::user_fpregs_struct).cast::<u8>(),
                    (&mut c.float_state as *mut crash_context::fpregset_t).cast::<u8>(),
                    n,
                );
            }
        }
        Some(())
    }
}

#[cfg(target_arch = "aarch64")]
mod regs {
    /// The crashing thread's registers into the ucontext the writer reads.
    pub fn fill(tid: i32, c: &mut crash_context::CrashContext) -> Option<()> {
        // SAFETY: all-zero is valid; GETREGSET NT_PRSTATUS fills one user_regs_struct.
        let mut r: libc::user_regs_struct = unsafe { std::mem::zeroed() };
        let mut iov = libc::iovec {
            iov_base: (&mut r as *mut libc::user_regs_struct).cast(),
            iov_len: std::mem::size_of::<libc::user_regs_struct>(),
        };
        let ok = unsafe {
            libc::ptrace(
                libc::PTRACE_GETREGSET,
                tid,
                libc::NT_PRSTATUS as usize,
                &mut iov as *mut libc::iovec,
            )
        };
        if ok != 0 {
            return None;
        }
        let m = &mut c.context.uc_mcontext;
        m.regs = r.regs;
        m.sp = r.sp;
        m.pc = r.pc;
        m.pstate = r.pstate;
        m.fault_address = c.siginfo.ssi_addr;
        Some(())
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
mod regs {
    pub fn fill(_tid: i32, _c: &mut crash_context::CrashContext) -> Option<()> {
        None
    }
}
