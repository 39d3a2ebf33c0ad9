//! The outcome of one run (passed, failed, crashed, sanitizer report, Python
//! fatal error, timeout, harness error) and how it is decided from the exit
//! status, the timeout and the signature read from the output.

use crate::signals::{is_crash_signal, signal_name};
use crate::signature::Signature;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed {
        exit_code: i32,
    },
    Crashed {
        signal: i32,
        signal_name: String,
        /// True when a shell reported the signal as exit status 128+N.
        #[serde(default)]
        via_exit_code: bool,
    },
    Sanitizer {
        tool: String,
    },
    PythonFatal {
        error: String,
    },
    Timeout,
    HarnessError {
        message: String,
    },
}

/// Short category names, in report column order.
pub const CATEGORIES: [&str; 7] = [
    "passed",
    "failed",
    "crashed",
    "sanitizer",
    "python_fatal",
    "timeout",
    "harness_error",
];

impl Outcome {
    /// Counts toward the crash rate: a signal, a sanitizer report or a Python fatal error.
    pub fn is_crash(&self) -> bool {
        matches!(
            self,
            Outcome::Crashed { .. } | Outcome::Sanitizer { .. } | Outcome::PythonFatal { .. }
        )
    }

    /// Harness errors say nothing about the program and are left out of rates.
    pub fn is_valid_trial(&self) -> bool {
        !matches!(self, Outcome::HarnessError { .. })
    }

    pub fn category(&self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed { .. } => "failed",
            Outcome::Crashed { .. } => "crashed",
            Outcome::Sanitizer { .. } => "sanitizer",
            Outcome::PythonFatal { .. } => "python_fatal",
            Outcome::Timeout => "timeout",
            Outcome::HarnessError { .. } => "harness_error",
        }
    }

    /// One-line description: `crashed (SIGSEGV)`, `failed (exit 3)`.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Passed => "passed".into(),
            Outcome::Failed { exit_code } => format!("failed (exit {exit_code})"),
            Outcome::Crashed {
                signal_name,
                via_exit_code,
                signal,
                ..
            } => {
                if *via_exit_code {
                    format!("crashed ({signal_name}, exit {})", 128 + signal)
                } else {
                    format!("crashed ({signal_name})")
                }
            }
            Outcome::Sanitizer { tool } => format!("sanitizer report ({tool})"),
            Outcome::PythonFatal { error } => format!("Python fatal error ({error})"),
            Outcome::Timeout => "timeout".into(),
            Outcome::HarnessError { message } => format!("harness error ({message})"),
        }
    }
}

/// How the process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExitInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub core_dumped: bool,
}

/// Decide the outcome. A timeout wins (we killed it), then a sanitizer
/// report, then a Python fatal error, then the exit status.
pub fn classify(exit: ExitInfo, timed_out: bool, signature: Option<&Signature>) -> Outcome {
    if timed_out {
        return Outcome::Timeout;
    }
    let ended_badly = exit.code != Some(0);
    if let Some(sig) = signature {
        if let Some(s) = &sig.sanitizer {
            // UBSan and TSan may report and still exit 0: a report is the outcome anyway.
            return Outcome::Sanitizer {
                tool: s.tool.clone(),
            };
        }
        if let Some(py) = &sig.python {
            if let (Some(err), true) = (&py.fatal_error, ended_badly) {
                return Outcome::PythonFatal { error: err.clone() };
            }
        }
    }
    if let Some(signal) = exit.signal {
        return Outcome::Crashed {
            signal,
            signal_name: signal_name(signal),
            via_exit_code: false,
        };
    }
    match exit.code {
        Some(0) => Outcome::Passed,
        Some(code) if code > 128 && is_crash_signal(code - 128) => Outcome::Crashed {
            signal: code - 128,
            signal_name: signal_name(code - 128),
            via_exit_code: true,
        },
        Some(code) => Outcome::Failed { exit_code: code },
        None => Outcome::HarnessError {
            message: "no exit status".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::parse_output;

    fn code(c: i32) -> ExitInfo {
        ExitInfo {
            code: Some(c),
            ..Default::default()
        }
    }

    #[test]
    fn exit_statuses() {
        assert_eq!(classify(code(0), false, None), Outcome::Passed);
        assert_eq!(
            classify(code(3), false, None),
            Outcome::Failed { exit_code: 3 }
        );
        let segv = ExitInfo {
            signal: Some(libc::SIGSEGV),
            ..Default::default()
        };
        assert!(
            matches!(classify(segv, false, None), Outcome::Crashed { signal_name, via_exit_code: false, .. } if signal_name == "SIGSEGV")
        );
        let shell = classify(code(128 + libc::SIGABRT), false, None);
        assert!(matches!(
            shell,
            Outcome::Crashed {
                via_exit_code: true,
                ..
            }
        ));
        assert!(shell.is_crash());
        // 128 + SIGTERM from a shell is not read as a crash.
        assert_eq!(
            classify(code(128 + libc::SIGTERM), false, None),
            Outcome::Failed {
                exit_code: 128 + libc::SIGTERM
            }
        );
        assert_eq!(classify(segv, true, None), Outcome::Timeout);
    }

    #[test]
    fn reports_win_over_status() {
        let asan = parse_output(
            "==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\nSUMMARY: AddressSanitizer: heap-use-after-free a.c:3 in f\n",
            "",
        );
        assert_eq!(
            classify(code(1), false, asan.as_ref()),
            Outcome::Sanitizer {
                tool: "AddressSanitizer".into()
            }
        );
        let py = parse_output("Fatal Python error: Aborted\n\nCurrent thread 0x1 (most recent call first):\n  File \"a.py\", line 1 in <module>\n", "");
        let out = classify(
            ExitInfo {
                signal: Some(libc::SIGABRT),
                ..Default::default()
            },
            false,
            py.as_ref(),
        );
        assert_eq!(
            out,
            Outcome::PythonFatal {
                error: "Aborted".into()
            }
        );
        assert!(out.is_crash());
    }
}
