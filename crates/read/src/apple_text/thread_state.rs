//! Register dumps: "Thread N crashed with ARM Thread State (64-bit):" and its
//! x86_64, 32-bit ARM, 32-bit x86 and third-party ("X86-64 Thread State:",
//! "ARM Thread State:") variants, plus the "Logical CPU" / "Error Code" /
//! "Trap Number" lines macOS prints after an x86 state.

use crashlens_model::{Arch, Register, ThreadState};

use super::num::parse_hex;
use crate::text::Needle;
use crate::text::Trim as _;

/// The header "Thread 9 crashed with ARM Thread State (64-bit):" -> (9, flavor
/// text). "Unknown thread crashed with ..." gives no number.
pub(crate) fn parse_state_header(line: &str) -> Option<(Option<u32>, String)> {
    // Every line passes through here: rule most out before searching.
    if !(line.starts_with("Thread ") || line.starts_with("Unknown thread")) {
        return None;
    }
    static CRASHED_WITH: Needle = Needle::new(" crashed with ");
    let (who, flavor) = CRASHED_WITH.split_once(line)?;
    let flavor = flavor.trimmed().trim_end_matches(':').to_string();
    if who == "Unknown thread" {
        return Some((None, flavor));
    }
    let n = who.strip_prefix("Thread ")?.trimmed().parse().ok()?;
    Some((Some(n), flavor))
}

fn is_reg_name(tok: &str) -> bool {
    match tok.strip_suffix(':') {
        Some(name) => !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric()),
        None => false,
    }
}

/// Lower-case register name, with the report's short forms spelled out.
fn normalize(name: &str, flavor_is_arm32: bool) -> String {
    let n = name.to_ascii_lowercase();
    match n.as_str() {
        "rfl" => "rflags".into(),
        "efl" => "eflags".into(),
        "ip" if flavor_is_arm32 => "r12".into(),
        _ => n,
    }
}

/// Reads the registers of one line ("x0: 0x... x1: 0x...", "esr: 0x92000004
/// (Data Abort) byte read Translation fault") into `regs`.
pub(crate) fn parse_register_line(line: &str, regs: &mut Vec<Register>) {
    let toks: Vec<&str> = line.split_whitespace().collect();
    let starts_reg = |i: usize| -> bool {
        match (toks.get(i), toks.get(i + 1)) {
            (Some(a), Some(b)) => is_reg_name(a) && parse_hex(b).is_some(),
            _ => false,
        }
    };
    let mut i = 0usize;
    while i < toks.len() {
        if !starts_reg(i) {
            i += 1;
            continue;
        }
        let (Some(name), Some(value)) = (toks.get(i), toks.get(i + 1).and_then(|v| parse_hex(v)))
        else {
            break;
        };
        i += 2;
        let mut desc = Vec::new();
        while i < toks.len() && !starts_reg(i) {
            if let Some(t) = toks.get(i) {
                desc.push(*t);
            }
            i += 1;
        }
        regs.push(Register {
            name: name.trim_end_matches(':').to_string(),
            value,
            points_to: None,
            description: if desc.is_empty() {
                None
            } else {
                Some(desc.join(" "))
            },
        });
    }
}

/// Builds the state from the raw registers, naming them the model's way and
/// working out the architecture from the flavor text and register names.
pub(crate) fn finish_state(flavor: &str, raw: Vec<Register>) -> ThreadState {
    let has = |n: &str| raw.iter().any(|r| r.name.eq_ignore_ascii_case(n));
    let arch = if has("x0")
        || has("fp") && has("far")
        || flavor.contains("(64-bit)") && flavor.starts_with("ARM")
    {
        Arch::Arm64
    } else if has("rax") || has("rip") {
        Arch::X86_64
    } else if has("eax") || has("eip") {
        Arch::X86
    } else if has("r0") || has("cpsr") || flavor.starts_with("ARM") {
        Arch::Arm32
    } else {
        Arch::Unknown
    };
    let arm32 = arch == Arch::Arm32;
    let registers = raw
        .into_iter()
        .map(|mut r| {
            r.name = normalize(&r.name, arm32);
            r
        })
        .collect();
    ThreadState { arch, registers }
}

/// "Logical CPU: 3", "Error Code: 0x00000004 (no mapping ...)", "Trap Number:
/// 14" -> a register (cpu, err, trap).
pub(crate) fn trailer_register(key: &str, value: &str) -> Option<Register> {
    let value = value.trimmed();
    let (num, desc) = match value.split_once(char::is_whitespace) {
        Some((n, d)) => (n, Some(d.trimmed().to_string()).filter(|d| !d.is_empty())),
        None => (value, None),
    };
    let (name, v) = match key {
        "Logical CPU" => ("cpu", num.parse::<u64>().ok().or_else(|| parse_hex(num))?),
        "Error Code" => ("err", parse_hex(num)?),
        "Trap Number" => ("trap", num.parse::<u64>().ok().or_else(|| parse_hex(num))?),
        _ => return None,
    };
    Some(Register {
        name: name.into(),
        value: v,
        points_to: None,
        description: desc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm64_with_esr_description() {
        let mut regs = Vec::new();
        parse_register_line(
            "    sp: 0x000000016da5cad0   pc: 0x0000000104960060 cpsr: 0x20000000",
            &mut regs,
        );
        parse_register_line(
            "   far: 0x0000800000000099  esr: 0x92000004 (Data Abort) byte read Translation fault",
            &mut regs,
        );
        let st = finish_state("ARM Thread State (64-bit)", regs);
        assert_eq!(st.arch, Arch::Arm64);
        assert_eq!(st.value("pc"), Some(0x104960060));
        assert_eq!(st.value("far"), Some(0x800000000099));
        assert_eq!(
            st.get("esr").and_then(|r| r.description.as_deref()),
            Some("(Data Abort) byte read Translation fault")
        );
    }

    #[test]
    fn x86_rfl_and_arm32_ip() {
        let mut regs = Vec::new();
        parse_register_line(
            "  rip: 0x00007fff67fc6cbd  rfl: 0x0000000000010202  cr2: 0x00007fff9b2f11b8",
            &mut regs,
        );
        let st = finish_state("X86 Thread State (64-bit)", regs);
        assert_eq!(st.arch, Arch::X86_64);
        assert_eq!(st.value("rflags"), Some(0x10202));
        let mut regs = Vec::new();
        parse_register_line(
            "    ip: 0x00000148    sp: 0x0021936c      lr: 0x25954733      pc: 0x258aac5c",
            &mut regs,
        );
        parse_register_line("  cpsr: 0x00000010", &mut regs);
        let st = finish_state("ARM Thread State (32-bit)", regs);
        assert_eq!(st.arch, Arch::Arm32);
        assert_eq!(st.value("r12"), Some(0x148));
    }

    #[test]
    fn trailers() {
        let r = trailer_register("Error Code", "00000004 (no mapping for user data read)").unwrap();
        assert_eq!(r.value, 4);
        assert_eq!(
            r.description.as_deref(),
            Some("(no mapping for user data read)")
        );
        assert_eq!(trailer_register("Trap Number", "133").unwrap().value, 133);
    }

    #[test]
    fn headers() {
        assert_eq!(
            parse_state_header("Thread 27 crashed with ARM Thread State (64-bit):"),
            Some((Some(27), "ARM Thread State (64-bit)".to_string()))
        );
        assert_eq!(
            parse_state_header("Unknown thread crashed with unknown flavor: 5, state_count: 1")
                .map(|h| h.0),
            Some(None)
        );
    }
}
