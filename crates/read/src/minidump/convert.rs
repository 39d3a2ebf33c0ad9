//! A processed minidump (`minidump_processor::ProcessState`) into the model:
//! system, process, exception, threads (numbered in dump order, as
//! minidump-stackwalk numbers them), frames with inlined frames expanded,
//! the crashed thread's registers (lower-case names from the CPU context),
//! and modules as images.

use ::minidump::format::MINIDUMP_STREAM_TYPE;
use ::minidump::system_info::Cpu;
use ::minidump::{Minidump, MinidumpAssertion, MinidumpException, MinidumpLinuxProcStatus, Module};
use crashlens_model::{
    AppSpecific, Arch, CrashReport, Frame, Image, Register, ReportFormat, Thread, ThreadState,
};
use minidump_processor::ProcessState;
use minidump_unwind::{CallStack, StackFrame};

/// Fills a report from a processed dump.
pub fn report<'a, T>(dump: &Minidump<'a, T>, state: &ProcessState) -> CrashReport
where
    T: std::ops::Deref<Target = [u8]> + 'a,
{
    let mut r = CrashReport::default();
    r.source.format = ReportFormat::Minidump;
    let sys = &state.system_info;
    let arch = arch_of(sys.cpu);
    r.process.arch = arch;
    r.process.code_type = Some(sys.cpu.to_string());
    r.process.pid = state.process_id.map(u64::from);
    linux_process(dump, &mut r);
    let mut os = sys.os.long_name().to_string();
    if let Some(v) = sys.format_os_version() {
        os = format!("{os} {v}");
    }
    r.system.os_version = Some(os);
    r.system.os_build = sys.os_build.clone();
    if let Ok(d) = state.time.duration_since(std::time::UNIX_EPOCH) {
        r.system.capture_time = Some(utc_stamp(d.as_secs()));
    }
    if let Some(created) = state.process_create_time {
        if let Ok(up) = state.time.duration_since(created) {
            r.extras
                .push(("minidump.process_uptime_s".into(), up.as_secs().to_string()));
        }
    }
    if let Some(lsb) = &state.linux_standard_base {
        r.extras.push((
            "minidump.linux_distribution".into(),
            lsb.description.clone(),
        ));
    }
    if let Some(cpu) = &sys.cpu_info {
        r.extras.push(("minidump.cpu".into(), cpu.clone()));
    }

    // Images first, so frames can point at them.
    let main_base = state.modules.main_module().map(|m| m.base_address());
    for m in state.modules.iter() {
        let path = m.code_file().to_string();
        let name = base_name(&path).to_string();
        let id = m
            .code_identifier()
            .map(|c| c.as_str().to_ascii_lowercase())
            .or_else(|| m.debug_identifier().map(|d| d.breakpad().to_string()));
        r.images.push(Image {
            base: m.base_address(),
            size: Some(m.size()),
            name: Some(name),
            version: m.version().map(|v| v.to_string()),
            uuid: id,
            path: Some(path),
            user_code: Some(m.base_address()) == main_base,
            ..Image::default()
        });
    }
    if let Some(main) = state.modules.main_module() {
        let path = main.code_file().to_string();
        r.process.name = Some(base_name(&path).to_string());
        r.process.path = Some(path);
    }

    let raw_exc = dump.get_stream::<MinidumpException>().ok();
    if let Some(info) = &state.exception_info {
        let bits = arch.bits().unwrap_or(64);
        r.exception = Some(super::exception::exception(
            info.reason,
            info.address.0,
            raw_exc.as_ref(),
            bits,
        ));
    }
    // Breakpad's assertion stream (the processor leaves `state.assertion` unset).
    if let Ok(a) = dump.get_stream::<MinidumpAssertion>() {
        let mut line = format!("Assertion failed: {}", a.expression().unwrap_or_default());
        if let Some(f) = a.function().filter(|f| !f.is_empty()) {
            line.push_str(&format!(" in {f}"));
        }
        if let Some(file) = a.file().filter(|f| !f.is_empty()) {
            line.push_str(&format!(" ({file}:{})", a.raw.line));
        }
        r.app_specific.push(AppSpecific {
            image: None,
            lines: vec![line],
        });
    }

    r.crashed_thread = state.requesting_thread.and_then(|i| u32::try_from(i).ok());
    for (i, stack) in state.threads.iter().enumerate() {
        let Ok(number) = u32::try_from(i) else { break };
        let crashed = r.crashed_thread == Some(number);
        r.threads
            .push(thread(number, stack, crashed, arch, &r.images));
    }
    if !state.unimplemented_streams.is_empty() || !state.unknown_streams.is_empty() {
        let n = state.unimplemented_streams.len() + state.unknown_streams.len();
        r.extras
            .push(("minidump.unread_streams".into(), n.to_string()));
    }
    r
}

/// Linux streams: the process id from `/proc/PID/status` (its `Tgid`: the
/// processor takes `Pid`, which is the blamed thread's id when the writer read
/// that thread's status), and the command line.
fn linux_process<'a, T>(dump: &'a Minidump<'a, T>, r: &mut CrashReport)
where
    T: std::ops::Deref<Target = [u8]> + 'a,
{
    if let Ok(status) = dump.get_stream::<MinidumpLinuxProcStatus>() {
        let tgid = status
            .iter()
            .find(|(k, _)| k.as_bytes() == b"Tgid")
            .and_then(|(_, v)| v.to_str().ok()?.trim().parse::<u64>().ok());
        if let Some(pid) = tgid {
            r.process.pid = Some(pid);
        }
    }
    if let Ok(raw) = dump.get_raw_stream(MINIDUMP_STREAM_TYPE::LinuxCmdLine as u32) {
        let args: Vec<String> = raw
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if !args.is_empty() {
            r.extras
                .push(("minidump.command_line".into(), args.join(" ")));
        }
    }
}

/// Seconds since 1970 as a report timestamp, "YYYY-MM-DD HH:MM:SS +0000"
/// (the form the model's time helpers read), without a calendar crate.
pub fn utc_stamp(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days, for days >= 0.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} +0000",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn arch_of(cpu: Cpu) -> Arch {
    match cpu {
        Cpu::X86_64 => Arch::X86_64,
        Cpu::Arm64 => Arch::Arm64,
        Cpu::X86 => Arch::X86,
        Cpu::Arm => Arch::Arm32,
        _ => Arch::Unknown,
    }
}

fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn thread(number: u32, stack: &CallStack, crashed: bool, arch: Arch, images: &[Image]) -> Thread {
    let mut t = Thread {
        number,
        id: Some(u64::from(stack.thread_id)),
        name: stack.thread_name.clone(),
        crashed,
        ..Thread::default()
    };
    for f in &stack.frames {
        push_frames(&mut t.frames, f, images);
    }
    if crashed {
        if let Some(f0) = stack.frames.first() {
            let registers = f0
                .context
                .valid_registers()
                .map(|(name, value)| Register {
                    name: name.to_ascii_lowercase(),
                    value,
                    ..Register::default()
                })
                .collect();
            t.state = Some(ThreadState { arch, registers });
        }
    }
    t
}

/// One walked frame: its inlined frames (innermost first), then itself.
fn push_frames(out: &mut Vec<Frame>, f: &StackFrame, images: &[Image]) {
    let module = f.module.as_ref();
    let image_index = module.and_then(|m| images.iter().position(|i| i.base == m.base_address()));
    let image = module.map(|m| base_name(&m.code_file()).to_string());
    let image_offset = module.and_then(|m| f.instruction.checked_sub(m.base_address()));
    let base = Frame {
        image_index,
        image: image.clone(),
        address: Some(f.instruction),
        image_offset,
        ..Frame::default()
    };
    for inl in &f.inlines {
        let Ok(index) = u32::try_from(out.len()) else {
            return;
        };
        out.push(Frame {
            index,
            symbol: Some(inl.function_name.clone()),
            file: inl.source_file_name.clone(),
            line: inl.source_line,
            inlined: true,
            ..base.clone()
        });
    }
    let Ok(index) = u32::try_from(out.len()) else {
        return;
    };
    out.push(Frame {
        index,
        symbol: f.function_name.clone(),
        symbol_offset: f.function_base.and_then(|b| f.instruction.checked_sub(b)),
        file: f.source_file_name.clone(),
        line: f.source_line,
        ..base
    });
}

#[cfg(test)]
mod tests {
    use super::utc_stamp;

    #[test]
    fn stamps_round_trip_through_the_model() {
        assert_eq!(utc_stamp(0), "1970-01-01 00:00:00 +0000");
        // 2000-02-29 12:34:56 UTC (a leap day).
        assert_eq!(utc_stamp(951_827_696), "2000-02-29 12:34:56 +0000");
        for secs in [1_190_000_000u64, 1_700_000_000, 4_102_444_800] {
            let back = crashlens_model::time::parse_timestamp(&utc_stamp(secs));
            assert_eq!(back, Some(secs as f64));
        }
    }
}
