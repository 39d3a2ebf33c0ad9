//! The minidump file itself. `minidump-writer`'s own `write` copies the
//! crashing thread's stack from the stack pointer to the top of the stack's
//! mapping: after a stack overflow that is the whole stack (8 MiB for a main
//! thread), and copying it, buffering it and writing it was most of the
//! capture latency. It has no option to limit that copy (its size limit
//! spares the crashing thread). So this module runs the writer's own stream
//! writers, in its order, through its public parts, with one difference: the
//! crashing thread's stack is cut to the [`STACK_CAP`] bytes nearest the stack
//! pointer (the innermost frames, which unwind as before; the outermost ones
//! beyond the cut are lost). A stack that uses less than the cap, as nearly
//! all do unless they overflowed, is written whole. The one stream left out is
//! the DSO debug stream (the dynamic linker's list of loaded libraries, also
//! in the module list), whose writer is private to the crate.

use std::io::{Seek, Write};
use std::time::Duration;

use error_graph::{ErrorList, WriteErrorList};
use minidump_writer::dir_section::{DirSection, DumpBuf};
use minidump_writer::mem_writer::{Buffer, MemoryArrayWriter, MemoryWriter};
use minidump_writer::minidump_format::{
    MDLocationDescriptor, MDRawDirectory, MDRawHeader, MDStreamType, MD_HEADER_SIGNATURE,
    MD_HEADER_VERSION,
};
use minidump_writer::minidump_writer::errors::WriterError;
use minidump_writer::minidump_writer::{systeminfo_stream, MinidumpWriter, MinidumpWriterConfig};

use crate::STACK_CAP;

/// What was written besides the dump.
#[derive(Debug, Clone, Copy, Default)]
pub struct Written {
    /// Bytes of the crashing thread's stack left out above the cap (0 when the
    /// whole stack fitted).
    pub stack_cut: u64,
}

/// Writes the minidump of process `pid`, whose thread `tid` crashed with
/// `context`, to `out`. The process must be stopped and untraced; the writer
/// attaches to each thread, and continues the process when done.
pub fn write(
    out: &mut (impl Write + Seek),
    pid: i32,
    tid: i32,
    context: crash_context::CrashContext,
    stop_timeout: Duration,
) -> Result<Written, String> {
    let sp = stack_pointer(&context);
    let mut cfg = MinidumpWriterConfig::new(pid, tid);
    cfg.set_crash_context(minidump_writer::CrashContextExt { inner: context });
    cfg.stop_timeout(stop_timeout);
    let mut soft_errors: ErrorList<WriterError> = ErrorList::default();
    let mut w = cfg
        .build_for_testing(soft_errors.subwriter(WriterError::InitErrors))
        .map_err(|e| format!("minidump-writer: {e}"))?;
    let mut buffer = Buffer::with_capacity(STACK_CAP + (256 << 10));
    write_dump(&mut w, sp, &mut buffer, out, soft_errors)
        .map_err(|e| format!("minidump-writer: {e}"))
    // Dropping `w` detaches from the threads and continues the process.
}

fn stack_pointer(c: &crash_context::CrashContext) -> usize {
    minidump_writer::CrashContextExt { inner: c.clone() }.get_stack_pointer()
}

/// Shrinks the mapping holding the stack at `sp` so that the writer copies at
/// most [`STACK_CAP`] bytes of it; returns the mapping's index and former size,
/// to put back, and the bytes cut.
fn cap_stack(w: &mut MinidumpWriter, sp: usize) -> Option<(usize, usize, u64)> {
    let (from, len) = w.get_stack_info(sp).ok()?;
    if len <= STACK_CAP {
        return None;
    }
    let i = w
        .mappings
        .iter()
        .position(|m| from >= m.start_address && from - m.start_address < m.size)?;
    let m = w.mappings.get_mut(i)?;
    let size = m.size;
    m.size = (from - m.start_address).checked_add(STACK_CAP)?;
    Some((i, size, (len - STACK_CAP) as u64))
}

/// `MinidumpWriter::write_dump` (minidump-writer 0.13), less the DSO debug
/// stream, with the crashing thread's stack capped. (The writer's error type
/// is large; minidump-writer allows the same lint.)
#[allow(clippy::result_large_err)]
fn write_dump(
    w: &mut MinidumpWriter,
    sp: usize,
    buffer: &mut DumpBuf,
    destination: &mut (impl Write + Seek),
    mut soft_errors: ErrorList<WriterError>,
) -> Result<Written, WriterError> {
    const STREAMS: u32 = 17;
    let mut header_section = MemoryWriter::<MDRawHeader>::alloc(buffer)?;
    let mut dir = DirSection::new(buffer, STREAMS, destination)?;
    let header = MDRawHeader {
        signature: MD_HEADER_SIGNATURE,
        version: MD_HEADER_VERSION,
        stream_count: STREAMS,
        stream_directory_rva: dir.position(),
        checksum: 0,
        time_date_stamp: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs() as u32,
        flags: 0,
    };
    header_section.set_value(buffer, header)?;
    dir.write_to_file(buffer, None)?;

    let capped = cap_stack(w, sp);
    let threads = w.write_thread_list_stream(buffer);
    if let Some((i, size, _)) = capped {
        if let Some(m) = w.mappings.get_mut(i) {
            m.size = size;
        }
    }
    dir.write_to_file(buffer, Some(threads?))?;

    let dirent = w.write_mappings(buffer)?;
    dir.write_to_file(buffer, Some(dirent))?;
    w.write_app_memory(buffer)
        .map_err(WriterError::SectionAppMemoryError)?;
    dir.write_to_file(buffer, None)?;
    let dirent = w.write_memory_list_stream(buffer)?;
    dir.write_to_file(buffer, Some(dirent))?;
    let dirent = w.write_exception_stream(buffer)?;
    dir.write_to_file(buffer, Some(dirent))?;
    let dirent = systeminfo_stream::write(
        &w.process_inspector,
        buffer,
        soft_errors.subwriter(WriterError::WriteSystemInfoErrors),
    )?;
    dir.write_to_file(buffer, Some(dirent))?;
    let dirent = w.write_memory_info_list_stream(buffer)?;
    dir.write_to_file(buffer, Some(dirent))?;

    let proc = format!("/proc/{}/", w.blamed_thread);
    let os_release =
        || std::fs::read("/etc/lsb-release").or_else(|_| std::fs::read("/etc/os-release"));
    let files: [(MDStreamType, std::io::Result<Vec<u8>>); 8] = [
        (MDStreamType::LinuxCpuInfo, std::fs::read("/proc/cpuinfo")),
        (
            MDStreamType::LinuxProcStatus,
            std::fs::read(format!("{proc}status")),
        ),
        (MDStreamType::LinuxLsbRelease, os_release()),
        (
            MDStreamType::LinuxCmdLine,
            std::fs::read(format!("{proc}cmdline")),
        ),
        (
            MDStreamType::LinuxEnviron,
            std::fs::read(format!("{proc}environ")),
        ),
        (
            MDStreamType::LinuxAuxv,
            std::fs::read(format!("{proc}auxv")),
        ),
        (
            MDStreamType::LinuxMaps,
            std::fs::read(format!("{proc}maps")),
        ),
        (
            MDStreamType::MozLinuxLimits,
            std::fs::read(format!("{proc}limits")),
        ),
    ];
    for (kind, bytes) in files {
        let dirent = file_stream(buffer, kind, bytes);
        dir.write_to_file(buffer, Some(dirent))?;
    }

    let dirent = w.write_thread_names_stream(buffer)?;
    dir.write_to_file(buffer, Some(dirent))?;
    let dirent = match w.write_handle_data_stream(buffer) {
        Ok(d) => d,
        Err(e) => {
            soft_errors.push(WriterError::WriteHandleDataStreamFailed(e));
            MDRawDirectory::default()
        }
    };
    dir.write_to_file(buffer, Some(dirent))?;
    // The writer's own record of what went wrong along the way, as it writes it.
    let dirent = serde_json::to_string_pretty(&soft_errors)
        .map(|json| MDRawDirectory {
            stream_type: MDStreamType::MozSoftErrors as u32,
            location: MemoryArrayWriter::write_bytes(buffer, json.as_bytes()).location(),
        })
        .unwrap_or_default();
    dir.write_to_file(buffer, Some(dirent))?;
    Ok(Written {
        stack_cut: capped.map_or(0, |(_, _, cut)| cut),
    })
}

/// A stream holding a file's bytes, or an empty entry when it could not be read.
fn file_stream(
    buffer: &mut DumpBuf,
    kind: MDStreamType,
    bytes: std::io::Result<Vec<u8>>,
) -> MDRawDirectory {
    match bytes {
        Ok(b) => MDRawDirectory {
            stream_type: kind as u32,
            location: MemoryArrayWriter::write_bytes(buffer, &b).location(),
        },
        Err(_) => MDRawDirectory {
            stream_type: 0,
            location: MDLocationDescriptor::default(),
        },
    }
}
