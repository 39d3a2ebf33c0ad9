//! Fuzzes the reading `group` does (`Detail::Crashed`: the crashed thread and
//! the images it needs) and checks it against the full read: both succeed or
//! both fail, and they agree on the crashed thread and its frames.
#![no_main]
use crashlens_read::{ImageId, ReadOptions};
use libfuzzer_sys::fuzz_target;

fn keep(id: ImageId<'_>) -> bool {
    id.name.is_some_and(|n| n.starts_with("AGX"))
}

fuzz_target!(|data: &[u8]| {
    let skim = crashlens_read::read_bytes_with(data, &ReadOptions::crashed(Some(keep)));
    let full = crashlens_read::read_bytes(data);
    match (&skim, &full) {
        (Ok(s), Ok(f)) => {
            assert_eq!(s.crashed_thread, f.crashed_thread);
            let frames = |r: &crashlens_read::CrashReport| r.crashed().map(|t| t.frames.len());
            assert_eq!(frames(s), frames(f));
        }
        (Err(_), Err(_)) => {}
        _ => panic!(
            "skim {:?} but full {:?}",
            skim.as_ref().err().map(ToString::to_string),
            full.as_ref().err().map(ToString::to_string)
        ),
    }
});
