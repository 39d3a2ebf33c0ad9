//! Exception and termination lines: "Exception Type/Subtype/Codes/Note(s)/
//! Message", "Termination Reason/Signal/Description", "Terminating Process",
//! and the crashed-thread lines ("Crashed Thread", "Triggered by Thread").

use crashlens_model::{CrashReport, Exception, Termination};

use super::num::{known, name_and_pid, parse_hex, parse_num};
use crate::text::Trim as _;

/// The crashed-thread line's number and the dispatch-queue text after it.
#[derive(Debug, Default)]
pub(crate) struct CrashedLine {
    pub number: Option<u32>,
    pub queue: Option<String>,
}

/// Applies one exception/termination field; false when the key is not one.
pub(crate) fn apply(
    report: &mut CrashReport,
    crashed: &mut CrashedLine,
    key: &str,
    value: &str,
) -> bool {
    let v = value.trimmed();
    match key {
        "Exception Type" => {
            let e = exc(report);
            let (kind, signal) = split_type(v);
            e.kind = kind;
            e.signal = signal;
        }
        "Exception Subtype" => exc(report).subtype = known(v),
        "Exception Codes" => {
            let e = exc(report);
            if let Some(codes) = numeric_codes(v) {
                e.codes = codes;
                e.codes_text = known(v);
            } else if e.subtype.is_none() {
                e.subtype = known(v);
            } else {
                e.codes_text = known(v);
            }
        }
        "Exception Note" | "Exception Notes" => {
            if let Some(n) = known(v) {
                exc(report).notes.push(n);
            }
        }
        "Exception Message" => exc(report).message = known(v),
        "Termination Reason" => {
            let (ns, code, indicator) = parse_reason(v);
            let t = term(report);
            t.namespace = ns;
            t.code = code;
            if indicator.is_some() {
                t.indicator = indicator;
            }
        }
        "Termination Signal" => {
            let t = term(report);
            t.indicator = t.indicator.take().or_else(|| known(v));
            if t.code.is_none() {
                if let Some(n) = v
                    .rsplit_once(": ")
                    .and_then(|(_, n)| n.trimmed().parse().ok())
                {
                    t.code = Some(n);
                    t.namespace.get_or_insert_with(|| "SIGNAL".to_string());
                }
            }
        }
        "Termination Description" => term(report).description = known(v),
        "Terminating Process" => {
            let (name, pid) = name_and_pid(v);
            let t = term(report);
            t.by_process = name;
            t.by_pid = pid;
        }
        "Crashed Thread" | "Triggered by Thread" => {
            let v = v.trim_start();
            let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
            crashed.number = digits.parse().ok();
            let rest = v
                .get(digits.len()..)
                .unwrap_or("")
                .trim_start_matches([',', ' ', '\t']);
            let q = rest
                .strip_prefix("Dispatch queue:")
                .or_else(|| rest.strip_prefix("Dispatch Queue:"))
                .unwrap_or(rest);
            crashed.queue = known(q);
        }
        _ => return false,
    }
    true
}

fn exc(report: &mut CrashReport) -> &mut Exception {
    report.exception.get_or_insert_with(Exception::default)
}

fn term(report: &mut CrashReport) -> &mut Termination {
    report.termination.get_or_insert_with(Termination::default)
}

/// "EXC_BAD_ACCESS (SIGSEGV)" -> (EXC_BAD_ACCESS, SIGSEGV); "SIGBUS" -> (SIGBUS,
/// SIGBUS); "00000020" -> (00000020, none); "0 (0)" -> (0, none).
fn split_type(v: &str) -> (Option<String>, Option<String>) {
    let (head, paren) = match v.strip_suffix(')').and_then(|b| b.rsplit_once(" (")) {
        Some((h, p)) => (h.trimmed(), Some(p.trimmed())),
        None => (v, None),
    };
    let signal = match paren {
        Some(p) if p.starts_with("SIG") => Some(p.to_string()),
        Some(_) => None,
        None if head.starts_with("SIG") => Some(head.to_string()),
        None => None,
    };
    (known(head), signal)
}

/// Codes written as numbers ("0x1, 0x5c8", "0xc00010ff", "0x00000000 at
/// 0x00000000"); `None` when the line holds a subtype instead.
fn numeric_codes(v: &str) -> Option<Vec<u64>> {
    let parts: Vec<&str> = v
        .split([',', ' '])
        .map(str::trim)
        .filter(|t| !t.is_empty() && *t != "at")
        .collect();
    if parts.is_empty() {
        return None;
    }
    parts
        .iter()
        .map(|t| parse_num(t).or_else(|| if t.len() >= 8 { parse_hex(t) } else { None }))
        .collect()
}

/// All the "Termination Reason" forms:
/// "Namespace SIGNAL, Code 0xb", "Namespace SIGNAL, Code 6, Abort trap: 6",
/// "SIGNAL 11 Segmentation fault: 11", "Namespace SPRINGBOARD, Code 0x8badf00d",
/// "Namespace TCC, Code 0x0 ...".
pub(crate) fn parse_reason(v: &str) -> (Option<String>, Option<u64>, Option<String>) {
    let v = v.trimmed();
    if let Some(rest) = v.strip_prefix("Namespace ") {
        let (ns, after) = rest.split_once(',').unwrap_or((rest, ""));
        let after = after.trimmed();
        let (code, indicator) = match after.strip_prefix("Code ") {
            Some(c) => {
                let end = c.find([',', ' ']).unwrap_or(c.len());
                let code = c.get(..end).and_then(parse_num);
                let rest = c.get(end..).unwrap_or("").trim_start_matches([',', ' ']);
                (code, known(rest))
            }
            None => (None, known(after)),
        };
        return (known(ns), code, indicator);
    }
    let mut it = v.splitn(3, ' ');
    let ns = it.next().unwrap_or("");
    let second = it.next().unwrap_or("");
    match parse_num(second) {
        Some(code) => (known(ns), Some(code), it.next().and_then(known)),
        None => (None, None, known(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons() {
        assert_eq!(
            parse_reason("Namespace SIGNAL, Code 0xb"),
            (Some("SIGNAL".into()), Some(11), None)
        );
        assert_eq!(
            parse_reason("Namespace SIGNAL, Code 6, Abort trap: 6"),
            (Some("SIGNAL".into()), Some(6), Some("Abort trap: 6".into()))
        );
        assert_eq!(
            parse_reason("SIGNAL 11 Segmentation fault: 11"),
            (
                Some("SIGNAL".into()),
                Some(11),
                Some("Segmentation fault: 11".into())
            )
        );
        assert_eq!(
            parse_reason("Namespace SPRINGBOARD, Code 0x8badf00d"),
            (Some("SPRINGBOARD".into()), Some(0x8badf00d), None)
        );
    }

    #[test]
    fn types_and_codes() {
        assert_eq!(
            split_type("EXC_BAD_ACCESS (SIGSEGV)"),
            (Some("EXC_BAD_ACCESS".into()), Some("SIGSEGV".into()))
        );
        assert_eq!(
            split_type("SIGBUS"),
            (Some("SIGBUS".into()), Some("SIGBUS".into()))
        );
        assert_eq!(split_type("0 (0)"), (Some("0".into()), None));
        assert_eq!(
            numeric_codes("0x0000000000000001, 0x00000000000005c8"),
            Some(vec![1, 0x5c8])
        );
        assert_eq!(
            numeric_codes("0x00000032, 0x047001b0"),
            Some(vec![0x32, 0x047001b0])
        );
        assert_eq!(numeric_codes("KERN_INVALID_ADDRESS at 0x8"), None);
        assert_eq!(numeric_codes("EXC_I386_GPFLT"), None);
    }
}
