//! The capture crate on its own (Linux): this test binary runs itself as the
//! crashing program (`CAPTURE_HELPER=deep`): a thread with an 8 MiB stack
//! recurses until about 3 MiB of it are in use, then reads through NULL. The
//! capture must keep only the [`STACK_CAP`] of that stack nearest the stack
//! pointer, say how much it left out, and still write a minidump that
//! rust-minidump reads. One test only: `run` waits with `waitpid(-1)`, which
//! must not see the children of other tests.
#![cfg(target_os = "linux")]

use std::os::unix::process::ExitStatusExt;

use crashlens_capture::{ExitStatus, Options, STACK_CAP};
use minidump::{Minidump, MinidumpException, MinidumpThreadList};

/// Frame size of `deep`: a 4 KiB buffer each.
const FRAME: usize = 4096;
/// How deep the helper goes: about 3 MiB of stack.
const DEPTH: usize = 3 * 1024 * 1024 / FRAME;

#[inline(never)]
fn deep(n: usize) -> u8 {
    let buf = [n as u8; FRAME];
    std::hint::black_box(&buf);
    if n == 0 {
        // SAFETY: none; this is the crash the helper exists for.
        unsafe { std::ptr::read_volatile(std::ptr::null::<u8>().wrapping_add(0x20)) }
    } else {
        deep(n - 1).wrapping_add(buf[7])
    }
}

fn helper() {
    let t = std::thread::Builder::new()
        .name("deep".into())
        .stack_size(8 << 20)
        .spawn(|| deep(DEPTH))
        .unwrap();
    let _ = t.join();
}

#[test]
fn a_deep_stack_is_capped_and_the_dump_reads() {
    if std::env::var("CAPTURE_HELPER").as_deref() == Ok("deep") {
        helper();
        return;
    }
    // The program, untraced: it dies of SIGSEGV.
    let exe = std::env::current_exe().unwrap();
    let args = [
        "a_deep_stack_is_capped_and_the_dump_reads",
        "--exact",
        "--nocapture",
    ];
    let plain = std::process::Command::new(&exe)
        .args(args)
        .env("CAPTURE_HELPER", "deep")
        .output()
        .unwrap();
    assert_eq!(plain.status.signal(), Some(libc::SIGSEGV), "{plain:?}");

    let dir = tempfile::tempdir().unwrap();
    let mut argv = vec![
        "env".to_string(),
        "CAPTURE_HELPER=deep".to_string(),
        exe.to_string_lossy().into_owned(),
    ];
    argv.extend(args.iter().map(|a| a.to_string()));
    let outcome = crashlens_capture::run(
        &argv,
        &Options {
            out_dir: dir.path().to_path_buf(),
        },
    );
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) if e.to_string().contains("PTRACE_SEIZE") => {
            eprintln!("ptrace is not permitted here: skipped ({e})");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    assert!(
        matches!(
            outcome.status,
            ExitStatus::Signaled {
                signal: libc::SIGSEGV,
                ..
            }
        ),
        "{:?}",
        outcome.status
    );
    assert_eq!(outcome.captures.len(), 1, "{:?}", outcome.captures);
    let c = &outcome.captures[0];
    eprintln!("{c:?}");
    assert_eq!(c.signal, libc::SIGSEGV);
    assert_eq!(c.error, None);
    // About 3 MiB in use, 1 MiB kept: roughly 2 MiB left out.
    let cut = usize::try_from(c.stack_cut).unwrap();
    assert!(
        (1 << 20..3 << 20).contains(&cut),
        "{cut} bytes of stack left out"
    );

    let path = c.dump.as_ref().expect("a dump");
    let dump = Minidump::read_path(path).expect("rust-minidump reads the dump");
    let exception: MinidumpException = dump.get_stream().expect("exception stream");
    assert_eq!(exception.thread_id, c.tid as u32);
    let threads: MinidumpThreadList = dump.get_stream().expect("thread list");
    let crashed = threads
        .threads
        .iter()
        .find(|t| t.raw.thread_id == exception.thread_id)
        .expect("the crashed thread is in the thread list");
    let kept = crashed.raw.stack.memory.data_size as usize;
    assert!(
        kept <= STACK_CAP && kept > STACK_CAP / 2,
        "{kept} bytes of stack kept"
    );
    // The other threads' stacks are whole: the main thread's is small.
    assert!(threads.threads.len() >= 2);
}
