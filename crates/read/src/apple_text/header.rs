//! Header "Key: value" lines: process, system and report fields. Keys this
//! module does not know are left to the caller (they go to `extras`).

use crashlens_model::{Arch, CrashReport, ProcessRef};

use super::num::{known, name_and_pid};
use crate::text::Trim as _;

/// Applies one header field; false when the key is not a header field.
pub(crate) fn apply(
    report: &mut CrashReport,
    pending: &mut Pending,
    key: &str,
    value: &str,
) -> bool {
    let v = value.trimmed();
    let p = &mut report.process;
    let s = &mut report.system;
    match key {
        "Incident Identifier" => s.incident_id = known(v),
        "CrashReporter Key" | "Crash Reporter Key" => s.crash_reporter_key = known(v),
        "Hardware Model" => s.hardware_model = known(v),
        // The macOS system-profile trailer: "Model: MacBookPro14,3, BootROM ...".
        "Model" => {
            if s.hardware_model.is_none() {
                s.hardware_model = v.split(", ").next().and_then(known);
            }
            return false;
        }
        "Process" => {
            let (name, pid) = name_and_pid(v);
            p.name = name;
            p.pid = pid;
        }
        "Path" => p.path = known(v),
        "Identifier" => p.identifier = known(v),
        "Version" => pending.version = Some(v.to_string()),
        "Code Type" => {
            let (ct, translated) = match v.split_once(" (") {
                Some((ct, rest)) => match rest.trim_end_matches(')') {
                    "Native" => (ct, Some(false)),
                    "Translated" => (ct, Some(true)),
                    _ => (v, None),
                },
                None => (v, None),
            };
            p.code_type = known(ct);
            p.translated = translated;
            p.arch = arch_of(ct);
        }
        "Role" => p.role = known(v),
        "Parent Process" => p.parent = Some(process_ref(v)),
        "Responsible" | "Responsible Process" => p.responsible = Some(process_ref(v)),
        "User ID" => p.user_id = v.parse().ok(),
        // "com.kimu.soloquest [1693]": the name, as the .ips reader keeps it;
        // the id goes to extras.
        "Coalition" => {
            let (name, id) = name_and_pid(v);
            p.coalition = name;
            if let Some(id) = id {
                report.extras.push(("Coalition ID".into(), id.to_string()));
            }
        }
        "Date/Time" => s.capture_time = known(v),
        "Launch Time" => p.launch_time = known(v),
        "OS Version" => {
            let (ver, build) = split_paren(v);
            s.os_version = known(ver);
            s.os_build = build.and_then(known);
        }
        "Release Type" => s.release_type = known(v),
        "Report Version" => report.source.report_version = known(v),
        "Time Awake Since Boot" => {
            s.uptime_seconds = v.split_whitespace().next().and_then(|n| n.parse().ok())
        }
        "System Integrity Protection" => s.sip = known(v),
        _ => return false,
    }
    true
}

/// Fields that can only be settled once the whole header is read.
#[derive(Default)]
pub(crate) struct Pending {
    pub version: Option<String>,
}

/// Sets version and build from "Version: A (B)". macOS and iOS 15+ write
/// "CFBundleShortVersionString (CFBundleVersion)"; iOS reports before 15 wrote
/// "CFBundleVersion (CFBundleShortVersionString)" ("44 (1.4.4)").
pub(crate) fn finish(report: &mut CrashReport, pending: Pending) {
    let Some(v) = pending.version else { return };
    let (first, second) = split_paren(&v);
    let (first, second) = (known(first), second.and_then(known));
    let old_ios = report
        .system
        .os_version
        .as_deref()
        .and_then(|os| {
            os.strip_prefix("iPhone OS ")
                .or_else(|| os.strip_prefix("iOS "))
        })
        .and_then(|ver| ver.split('.').next())
        .and_then(|major| major.trimmed().parse::<u32>().ok())
        .is_some_and(|major| major < 15);
    let (version, build) = if old_ios && second.is_some() {
        (second, first)
    } else {
        (first, second)
    };
    report.process.version = version;
    report.process.build = build;
}

/// "iPhone OS 26.3.1 (23D8133)" -> ("iPhone OS 26.3.1", Some("23D8133")).
pub(crate) fn split_paren(v: &str) -> (&str, Option<&str>) {
    let v = v.trimmed();
    if let Some(body) = v.strip_suffix(')') {
        if let Some((head, inner)) = body.rsplit_once(" (") {
            return (head.trimmed(), Some(inner.trimmed()));
        }
    }
    (v, None)
}

fn process_ref(v: &str) -> ProcessRef {
    let (name, pid) = name_and_pid(v);
    ProcessRef { name, pid }
}

/// "ARM-64" -> Arm64, "X86-64" -> X86_64, "ARM" -> Arm32, "X86" -> X86.
pub(crate) fn arch_of(code_type: &str) -> Arch {
    match code_type.trimmed().to_ascii_uppercase().as_str() {
        "ARM-64" | "ARM64" | "ARM64E" | "ARM-64E" => Arch::Arm64,
        "X86-64" | "X86_64" => Arch::X86_64,
        "ARM" | "ARMV7" | "ARMV7S" => Arch::Arm32,
        "X86" | "I386" => Arch::X86,
        _ => Arch::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_order() {
        let mut r = CrashReport::default();
        r.system.os_version = Some("iPhone OS 13.3".into());
        finish(
            &mut r,
            Pending {
                version: Some("44 (1.4.4)".into()),
            },
        );
        assert_eq!(r.process.version.as_deref(), Some("1.4.4"));
        assert_eq!(r.process.build.as_deref(), Some("44"));
        r.system.os_version = Some("iPhone OS 26.3.1".into());
        finish(
            &mut r,
            Pending {
                version: Some("1.0.0 (5)".into()),
            },
        );
        assert_eq!(r.process.version.as_deref(), Some("1.0.0"));
        assert_eq!(r.process.build.as_deref(), Some("5"));
        finish(
            &mut r,
            Pending {
                version: Some("??? (???)".into()),
            },
        );
        assert_eq!(r.process.version, None);
    }

    #[test]
    fn code_types() {
        let mut r = CrashReport::default();
        let mut p = Pending::default();
        apply(&mut r, &mut p, "Code Type", "X86-64 (Translated)");
        assert_eq!(r.process.code_type.as_deref(), Some("X86-64"));
        assert_eq!(r.process.translated, Some(true));
        assert_eq!(r.process.arch, Arch::X86_64);
        apply(&mut r, &mut p, "Code Type", "ARM");
        assert_eq!(r.process.arch, Arch::Arm32);
        assert_eq!(r.process.translated, None);
    }
}
