//! Where the minidump reader gets unwind info and names: Breakpad `.sym` trees
//! first, then the binaries on this machine that the dump names, but only
//! those whose build id matches the dump's code id (a dump from another
//! machine must not be symbolized with this machine's different libc).
//!
//! - CFI unwinding: `minidump-unwind`'s framehop-based debuginfo provider
//!   (x86_64 and arm64 only), over the matching local modules.
//! - Names: [`ElfSymbols`], from the ELF symbol tables (`.symtab` and
//!   `.dynsym`, or the `/usr/lib/debug/.build-id` file a `-dbg` package
//!   installed), only where an address lies inside a symbol's extent (a
//!   stripped library's internal function stays unnamed rather than getting
//!   the nearest exported name), and DWARF (file, line, inlined frames)
//!   through `addr2line`; C++ and Rust names demangled.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ::minidump::{Minidump, MinidumpModuleList, MinidumpSystemInfo, Module};
use async_trait::async_trait;
use minidump_unwind::debuginfo::DebugInfoSymbolProvider;
use minidump_unwind::{
    simple_symbol_supplier, FileError, FileKind, FillSymbolError, FrameSymbolizer, FrameWalker,
    MultiSymbolProvider, SymbolProvider, Symbolizer,
};
use object::{Object, ObjectSegment, ObjectSymbol};

use super::Options;

/// The symbol provider for one dump.
pub fn provider<'a, T>(dump: &Minidump<'a, T>, options: &Options) -> MultiSymbolProvider
where
    T: std::ops::Deref<Target = [u8]> + 'a,
{
    let mut multi = MultiSymbolProvider::new();
    if !options.symbol_paths.is_empty() {
        let supplier = simple_symbol_supplier(options.symbol_paths.clone());
        multi.add(Box::new(Symbolizer::new(supplier)));
    }
    if options.no_local_binaries {
        return multi;
    }
    let Ok(modules) = dump.get_stream::<MinidumpModuleList>() else {
        return multi;
    };
    let local: Vec<_> = modules
        .iter()
        .filter(|m| local_binary(*m).is_some())
        .cloned()
        .collect();
    if local.is_empty() {
        return multi;
    }
    if let Ok(sys) = dump.get_stream::<MinidumpSystemInfo>() {
        use ::minidump::system_info::Cpu;
        // The debuginfo provider supports only these two (it panics on others).
        if matches!(sys.cpu, Cpu::X86_64 | Cpu::Arm64) {
            let list = MinidumpModuleList::from_modules(local.clone());
            let cfi =
                super::executor::block_on(DebugInfoSymbolProvider::builder().build(&sys, &list));
            multi.add(Box::new(cfi));
        }
    }
    multi.add(Box::new(ElfSymbols::default()));
    multi
}

/// The local file for a module, when it exists and its build id is the dump's
/// code id.
pub fn local_binary(module: &dyn Module) -> Option<PathBuf> {
    let path = PathBuf::from(module.code_file().as_ref());
    if !path.is_absolute() {
        return None;
    }
    let want = module.code_identifier()?.as_str().to_ascii_lowercase();
    let data = map(&path)?;
    let file = object::File::parse(&*data).ok()?;
    let have = file.build_id().ok()??;
    (hex(have) == want).then_some(path)
}

/// Maps a binary read-only: parsing it touches only the pages it needs (the
/// ELF headers and notes for a build id; the symbol tables), not all of a
/// gigabyte-sized libtorch.
fn map(path: &Path) -> Option<memmap2::Mmap> {
    let file = std::fs::File::open(path).ok()?;
    // SAFETY: a read-only private mapping of a binary on disk. If the file is
    // truncated while mapped, reads past its end fault; binaries of a dumped
    // process are not expected to change under us, as for any debugger.
    unsafe { memmap2::Mmap::map(&file) }.ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One binary's symbols: its load bias, its function symbols and, when it or
/// its separate debug file has DWARF, an addr2line loader.
struct Loaded {
    /// The lowest segment address, page-aligned: what the module's base maps to.
    first_vaddr: u64,
    /// (start, size, name), sorted by start.
    syms: Vec<(u64, u64, String)>,
    dwarf: Option<addr2line::Loader>,
}

impl Loaded {
    /// The function containing `svma`: a symbol whose [start, start+size)
    /// holds it (a size-0 symbol only when it is the nearest start). Never the
    /// nearest exported name of a stripped library's internal function.
    fn function(&self, svma: u64) -> Option<(u64, &str)> {
        let i = self.syms.partition_point(|s| s.0 <= svma);
        let (start, size, name) = self.syms.get(i.checked_sub(1)?)?;
        let inside = match *size {
            0 => false,
            n => svma - start < n,
        };
        inside.then_some((*start, name.as_str()))
    }
}

/// Function names, file and line from local ELF binaries.
#[derive(Default)]
pub struct ElfSymbols {
    cache: Mutex<HashMap<String, Option<Arc<LoadedCell>>>>,
}

/// `addr2line::Loader` is not `Sync`; a mutex makes it shareable.
struct LoadedCell(Mutex<Loaded>);

impl ElfSymbols {
    fn load(&self, module: &(dyn Module + Sync)) -> Option<Arc<LoadedCell>> {
        let key = module.code_file().to_string();
        let mut cache = self.cache.lock().ok()?;
        if let Some(hit) = cache.get(&key) {
            return hit.clone();
        }
        let loaded = local_binary(module)
            .and_then(|p| load(&p))
            .map(|l| Arc::new(LoadedCell(Mutex::new(l))));
        cache.insert(key, loaded.clone());
        loaded
    }
}

/// The separate debug file for a build id, where a `-dbg`/`-dbgsym` package
/// installed one.
fn debug_file(build_id: &[u8]) -> Option<PathBuf> {
    let (first, rest) = build_id.split_first()?;
    let p = PathBuf::from(format!(
        "/usr/lib/debug/.build-id/{first:02x}/{}.debug",
        hex(rest)
    ));
    p.is_file().then_some(p)
}

fn function_symbols(file: &object::File<'_>) -> Vec<(u64, u64, String)> {
    let mut syms: Vec<(u64, u64, String)> = Vec::new();
    let mut add = |it: object::SymbolIterator<'_, '_>| {
        for s in it {
            if s.kind() != object::SymbolKind::Text || s.address() == 0 {
                continue;
            }
            if let Ok(name) = s.name() {
                if !name.is_empty() {
                    let name = addr2line::demangle_auto(name.into(), None).into_owned();
                    syms.push((s.address(), s.size(), name));
                }
            }
        }
    };
    add(file.symbols());
    add(file.dynamic_symbols());
    syms.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    syms.dedup_by_key(|s| s.0);
    syms
}

fn has_dwarf(file: &object::File<'_>) -> bool {
    file.section_by_name(".debug_info").is_some()
}

fn load(path: &Path) -> Option<Loaded> {
    let data = map(path)?;
    let file = object::File::parse(&*data).ok()?;
    let first = file.segments().map(|s| s.address()).min().unwrap_or(0);
    let mut syms = function_symbols(&file);
    let mut dwarf_path = has_dwarf(&file).then(|| path.to_path_buf());
    if let Some(dbg) = file.build_id().ok().flatten().and_then(debug_file) {
        if let Some(dbg_data) = map(&dbg) {
            if let Ok(dbg_file) = object::File::parse(&*dbg_data) {
                let more = function_symbols(&dbg_file);
                if more.len() > syms.len() {
                    syms = more;
                }
                if dwarf_path.is_none() && has_dwarf(&dbg_file) {
                    dwarf_path = Some(dbg);
                }
            }
        }
    }
    let dwarf = dwarf_path.and_then(|p| addr2line::Loader::new(p).ok());
    Some(Loaded {
        first_vaddr: first & !0xfff,
        syms,
        dwarf,
    })
}

#[async_trait]
impl SymbolProvider for ElfSymbols {
    async fn fill_symbol(
        &self,
        module: &(dyn Module + Sync),
        frame: &mut (dyn FrameSymbolizer + Send),
    ) -> Result<(), FillSymbolError> {
        let cell = self.load(module).ok_or(FillSymbolError {})?;
        let loaded = cell.0.lock().map_err(|_| FillSymbolError {})?;
        let addr = frame.get_instruction();
        let rel = addr
            .checked_sub(module.base_address())
            .ok_or(FillSymbolError {})?;
        let probe = rel
            .checked_add(loaded.first_vaddr)
            .ok_or(FillSymbolError {})?;
        let back = |svma: u64| {
            svma.checked_sub(loaded.first_vaddr)
                .and_then(|r| r.checked_add(module.base_address()))
        };
        let Some((start, name)) = loaded.function(probe) else {
            return Err(FillSymbolError {});
        };
        frame.set_function(name, back(start).unwrap_or(addr), 0);
        // DWARF: the innermost location and inlined callers, where present.
        if let Some(Ok(mut frames)) = loaded.dwarf.as_ref().map(|d| d.find_frames(probe)) {
            let mut all = Vec::new();
            while let Ok(Some(f)) = frames.next() {
                let fname = f
                    .function
                    .as_ref()
                    .and_then(|n| n.demangle().ok().map(|c| c.into_owned()));
                let file = f.location.as_ref().and_then(|l| l.file.map(str::to_string));
                let line = f.location.as_ref().and_then(|l| l.line);
                all.push((fname, file, line));
            }
            // The last one is the real (outermost) function; the others were inlined into it.
            if let Some((_, file, line)) = all.last() {
                if let (Some(file), Some(line)) = (file, line) {
                    frame.set_source_file(file, *line, addr);
                }
            }
            if all.len() > 1 {
                for (fname, file, line) in all.iter().take(all.len() - 1) {
                    if let Some(n) = fname {
                        frame.add_inline_frame(n, file.as_deref(), *line);
                    }
                }
            }
        }
        Ok(())
    }

    async fn walk_frame(
        &self,
        _module: &(dyn Module + Sync),
        _walker: &mut (dyn FrameWalker + Send),
    ) -> Option<()> {
        None
    }

    async fn get_file_path(
        &self,
        _module: &(dyn Module + Sync),
        _file_kind: FileKind,
    ) -> Result<PathBuf, FileError> {
        Err(FileError::NotFound)
    }
}
