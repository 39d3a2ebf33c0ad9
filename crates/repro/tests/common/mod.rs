//! Shared by the integration tests: compile the C test programs under
//! tests/programs with the system `cc` into Cargo's per-target temp folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The C sources (this module is also used by crates/cli/tests, hence the `../repro`).
pub fn programs_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../repro/tests/programs")
}

/// A name part no other build, in this process or another, is using.
fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Build `tests/programs/<name>.c` (once per source change) and return the binary.
/// `extra` are extra compiler flags (e.g. `-pthread`). `None` if `cc` fails
/// (only allowed for optional programs such as the ASan build).
pub fn try_build(name: &str, out_name: &str, extra: &[&str]) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("repro-programs");
    std::fs::create_dir_all(&dir).ok()?;
    let src = programs_src().join(format!("{name}.c"));
    let out = dir.join(out_name);
    let fresh = match (std::fs::metadata(&src), std::fs::metadata(&out)) {
        (Ok(s), Ok(o)) => o.modified().ok()? >= s.modified().ok()?,
        _ => false,
    };
    if fresh {
        return Some(out);
    }
    // Build to a unique name, then rename: test binaries, and tests in one
    // binary, may race to build.
    let tmp = dir.join(format!("{out_name}.{}.tmp", unique()));
    let status = Command::new("cc")
        .args(["-O1", "-g"])
        .args(extra)
        .arg("-o")
        .arg(&tmp)
        .arg(&src)
        .status()
        .ok()?;
    if !status.success() {
        return None;
    }
    std::fs::rename(&tmp, &out).ok()?;
    Some(out)
}

pub fn build(name: &str, extra: &[&str]) -> PathBuf {
    try_build(name, name, extra).unwrap_or_else(|| panic!("cc failed to build {name}.c"))
}

/// Build `tests/programs/<name>.rs` with `rustc` (from $RUSTC or PATH). `None` if that fails.
pub fn try_build_rust(name: &str, out_name: &str, extra: &[&str]) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("repro-programs");
    std::fs::create_dir_all(&dir).ok()?;
    let src = programs_src().join(format!("{name}.rs"));
    let out = dir.join(out_name);
    let tmp = dir.join(format!("{out_name}.{}.tmp", unique()));
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let status = Command::new(rustc)
        .args(["--edition", "2021", "-O"])
        .args(extra)
        .arg("-o")
        .arg(&tmp)
        .arg(&src)
        .status()
        .ok()?;
    if !status.success() {
        return None;
    }
    std::fs::rename(&tmp, &out).ok()?;
    Some(out)
}
