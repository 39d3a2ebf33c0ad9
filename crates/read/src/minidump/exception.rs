//! A minidump's exception stream as the model's [`Exception`]: the crash
//! reason's names come from the `minidump` crate's tables (Linux signals and
//! `si_code`s such as `SEGV_MAPERR`, Windows `EXCEPTION_*` and NTSTATUS codes,
//! macOS Mach exceptions and their `KERN_*` codes).
//!
//! - Linux: `type` and `signal` are the signal ("SIGSEGV"); `subtype` is the
//!   `si_code` name with the fault address ("SEGV_MAPERR at 0x…"), without an
//!   address when the signal was sent by a process (`SI_TKILL`, `SI_USER`),
//!   whose `si_addr` holds no address; codes are [signal, si_code].
//! - macOS: `type` is the Mach exception ("EXC_BAD_ACCESS"), `subtype` the
//!   code with the address ("KERN_INVALID_ADDRESS at 0x…"); codes are
//!   [code, address] as in Apple's own reports.
//! - Windows: `type` is the exception ("EXCEPTION_ACCESS_VIOLATION_WRITE"),
//!   `subtype` repeats it with the address; codes are the exception code and
//!   its parameters.

use ::minidump::{CrashReason, MinidumpException};
use crashlens_model::Exception;

/// The exception for a crash reason, the address the processor derived, and
/// the raw stream.
pub fn exception(
    reason: CrashReason,
    address: u64,
    raw: Option<&MinidumpException<'_>>,
    pointer_bits: u32,
) -> Exception {
    let text = reason.to_string();
    let (head, tail) = match text.split_once(" / ") {
        Some((h, t)) => (h.to_string(), Some(t.to_string())),
        None => (text.clone(), None),
    };
    let addr = if pointer_bits == 32 {
        format!("0x{address:08x}")
    } else {
        format!("0x{address:016x}")
    };
    let rec = raw.map(|r| &r.raw.exception_record);
    let mut ex = Exception::default();
    match reason {
        CrashReason::LinuxGeneral(..)
        | CrashReason::LinuxSigill(_)
        | CrashReason::LinuxSigtrap(_)
        | CrashReason::LinuxSigbus(_)
        | CrashReason::LinuxSigfpe(_)
        | CrashReason::LinuxSigsegv(_)
        | CrashReason::LinuxSigsys(_) => {
            let si_code = rec.map(|r| r.exception_flags as i32).or(match reason {
                CrashReason::LinuxGeneral(_, flags) => Some(flags as i32),
                _ => None,
            });
            // Sent by a process (SI_TKILL, SI_QUEUE, ...): si_addr is no address
            // (si_code 0, SI_USER, is kept: older Breakpad writers left it 0 on real faults.)
            let sent = si_code.is_some_and(|c| c < 0);
            ex.kind = Some(head.clone());
            ex.signal = head.starts_with("SIG").then(|| head.clone());
            ex.subtype = Some(match (&tail, sent) {
                (Some(t), true) => t.clone(),
                (Some(t), false) => format!("{t} at {addr}"),
                (None, true) => head.clone(),
                (None, false) => format!("{head} at {addr}"),
            });
            if let Some(r) = rec {
                ex.codes = vec![u64::from(r.exception_code), u64::from(r.exception_flags)];
                ex.codes_text = Some(format!(
                    "signal {}, si_code {}",
                    r.exception_code, r.exception_flags as i32
                ));
            }
        }
        CrashReason::WindowsGeneral(_)
        | CrashReason::WindowsWinError(_)
        | CrashReason::WindowsWinErrorWithFacility(..)
        | CrashReason::WindowsNtStatus(_)
        | CrashReason::WindowsAccessViolation(_)
        | CrashReason::WindowsInPageError(..)
        | CrashReason::WindowsStackBufferOverrun(_)
        | CrashReason::WindowsUnknown(_) => {
            ex.kind = Some(text.clone());
            ex.subtype = Some(format!("{text} at {addr}"));
            if let Some(r) = rec {
                let n = (r.number_parameters as usize).min(r.exception_information.len());
                ex.codes = std::iter::once(u64::from(r.exception_code))
                    .chain(r.exception_information.iter().take(n).copied())
                    .collect();
                ex.codes_text = Some(
                    ex.codes
                        .iter()
                        .map(|c| format!("0x{c:x}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                );
            }
        }
        _ => {
            // macOS / iOS: "EXC_BAD_ACCESS / KERN_INVALID_ADDRESS".
            ex.kind = Some(head.clone());
            ex.subtype = Some(match &tail {
                Some(t) => format!("{t} at {addr}"),
                None => format!("{head} at {addr}"),
            });
            if let Some(r) = rec {
                ex.codes = vec![u64::from(r.exception_flags), address];
                ex.codes_text = Some(format!("0x{:x}, 0x{address:x}", r.exception_flags));
            }
        }
    }
    ex
}

#[cfg(test)]
mod tests {
    use super::*;
    use minidump_common::errors as err;

    #[test]
    fn linux_fault_has_its_si_code_name_and_address() {
        let r = CrashReason::LinuxSigsegv(err::ExceptionCodeLinuxSigsegvKind::SEGV_MAPERR);
        let e = exception(r, 0x10, None, 64);
        assert_eq!(e.kind.as_deref(), Some("SIGSEGV"));
        assert_eq!(e.signal.as_deref(), Some("SIGSEGV"));
        assert_eq!(
            e.subtype.as_deref(),
            Some("SEGV_MAPERR at 0x0000000000000010")
        );
    }

    #[test]
    fn linux_signal_sent_by_a_process_has_no_address() {
        let r = CrashReason::LinuxGeneral(err::ExceptionCodeLinux::SIGABRT, -6i32 as u32);
        let e = exception(r, 0x1234, None, 64);
        assert_eq!(e.kind.as_deref(), Some("SIGABRT"));
        assert_eq!(e.subtype.as_deref(), Some("SI_TKILL"));
    }

    #[test]
    fn macos_bad_access_reads_like_apple() {
        let r = CrashReason::MacBadAccessKern(
            err::ExceptionCodeMacBadAccessKernType::KERN_INVALID_ADDRESS,
        );
        let e = exception(r, 0x5c8, None, 64);
        assert_eq!(e.kind.as_deref(), Some("EXC_BAD_ACCESS"));
        assert_eq!(e.signal, None);
        assert_eq!(
            e.subtype.as_deref(),
            Some("KERN_INVALID_ADDRESS at 0x00000000000005c8")
        );
    }

    #[test]
    fn windows_access_violation_names_read_or_write() {
        let r = CrashReason::WindowsAccessViolation(err::ExceptionCodeWindowsAccessType::READ);
        let e = exception(r, 0x45, None, 32);
        assert_eq!(e.kind.as_deref(), Some("EXCEPTION_ACCESS_VIOLATION_READ"));
        assert_eq!(
            e.subtype.as_deref(),
            Some("EXCEPTION_ACCESS_VIOLATION_READ at 0x00000045")
        );
    }
}
