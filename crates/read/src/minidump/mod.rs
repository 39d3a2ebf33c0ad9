//! Breakpad/Crashpad minidumps (`MDMP`) into a [`CrashReport`] (issue 6).
//!
//! The `minidump` crate parses the streams and `minidump-processor` walks
//! every thread's stack: CFI from the binaries named in the module list when
//! they are on this machine ([`symbols::provider`]: framehop via
//! `minidump-unwind`'s `debuginfo-unwind`), Breakpad `.sym` files from
//! [`Options::symbol_paths`] (for [`read`]: the `CRASHLENS_SYMBOLS` path
//! list), and frame pointers / stack scanning otherwise.
//! Function names come from `.sym` files, else from the binaries' ELF symbol
//! tables and DWARF ([`symbols::ElfSymbols`]). Nothing touches the network.
//!
//! What lands where: [`exception`] maps the crash reason (Linux signals with
//! their `si_code` names, Windows exception codes, macOS Mach exceptions);
//! [`convert`] fills threads, frames, registers and images. A dump that the
//! parser rejects is a [`ReadError::Malformed`]; a dump with damaged streams
//! is read as far as it goes.

pub mod convert;
pub mod exception;
mod executor;
pub mod symbols;

use std::path::PathBuf;

use crate::{CrashReport, ReadError};

/// What the minidump reader may use beyond the dump itself.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Breakpad symbol trees (`<debug_file>/<debug_id>/<name>.sym`).
    pub symbol_paths: Vec<PathBuf>,
    /// Do not open the binaries named in the module list (for dumps made on
    /// another machine whose paths could name unrelated local files).
    pub no_local_binaries: bool,
}

/// Whether bytes start like a minidump.
pub fn is_minidump(bytes: &[u8]) -> bool {
    bytes.starts_with(b"MDMP") || bytes.starts_with(b"PMDM")
}

/// The environment variable naming Breakpad symbol trees for [`read`], as a
/// `PATH`-style list (`crashlens analyze crash.dmp` reads it).
pub const SYMBOLS_ENV: &str = "CRASHLENS_SYMBOLS";

impl Options {
    /// The default options, with `.sym` trees from [`SYMBOLS_ENV`].
    pub fn from_env() -> Self {
        let symbol_paths = std::env::var_os(SYMBOLS_ENV)
            .map(|v| std::env::split_paths(&v).collect())
            .unwrap_or_default();
        Options {
            symbol_paths,
            ..Options::default()
        }
    }
}

/// Reads a minidump with the default options: local binaries, and the `.sym`
/// trees named in [`SYMBOLS_ENV`].
pub fn read(bytes: &[u8]) -> Result<CrashReport, ReadError> {
    read_with(bytes, &Options::from_env())
}

/// Reads a minidump.
pub fn read_with(bytes: &[u8], options: &Options) -> Result<CrashReport, ReadError> {
    let dump = ::minidump::Minidump::read(bytes)
        .map_err(|e| ReadError::malformed("minidump", format!("{e}")))?;
    let provider = symbols::provider(&dump, options);
    let state = executor::block_on(minidump_processor::process_minidump(&dump, &provider))
        .map_err(|e| ReadError::malformed("minidump", format!("{e}")))?;
    Ok(convert::report(&dump, &state))
}
