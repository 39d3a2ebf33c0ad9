//! Walk: the files to read, from files and folders given on the command line.
//! Folders are walked recursively and yield files with a report extension;
//! files named directly are always taken. Order is sorted, so runs agree.

use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Extensions (lower case) that a folder walk picks up.
pub const EXTENSIONS: &[&str] = &["ips", "crash", "txt", "md"];

/// A path that could not be walked, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkError {
    pub path: PathBuf,
    pub reason: String,
}

/// The files under `paths`, sorted and without repeats, and the paths that failed.
pub fn walk(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<WalkError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk_dir(p, &mut files, &mut errors),
            Ok(_) => files.push(p.clone()),
            Err(e) => errors.push(WalkError {
                path: p.clone(),
                reason: e.to_string(),
            }),
        }
    }
    // Folders are walked in name order, so one path gives its files already
    // sorted (as paths sort: component by component) and without repeats;
    // only several paths need the sort.
    if paths.len() > 1 {
        files.sort();
        files.dedup();
    }
    (files, errors)
}

fn walk_dir(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<WalkError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(WalkError {
                path: dir.to_path_buf(),
                reason: e.to_string(),
            });
            return;
        }
    };
    // Each name is taken once (a sort key function would copy it per comparison).
    let mut entries: Vec<(std::ffi::OsString, std::fs::DirEntry)> = entries
        .filter_map(|entry| match entry {
            Ok(e) => Some((e.file_name(), e)),
            Err(e) => {
                errors.push(WalkError {
                    path: dir.to_path_buf(),
                    reason: e.to_string(),
                });
                None
            }
        })
        .collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let items: Vec<Item> = entries.into_iter().map(|(_, e)| Item::of(e)).collect();
    // Sub-folders are walked in parallel (the listing is system calls, and
    // a fleet's reports are often filed a folder per day or device); what
    // they hold is put back in name order.
    let walked: Vec<(Vec<PathBuf>, Vec<WalkError>)> = items
        .par_iter()
        .filter_map(|item| match item {
            Item::Folder(path) => Some(path),
            _ => None,
        })
        .map(|path| {
            let (mut files, mut errors) = (Vec::new(), Vec::new());
            walk_dir(path, &mut files, &mut errors);
            (files, errors)
        })
        .collect();
    // `collect` keeps the order: the folders' walks come in name order.
    let mut walked = walked.into_iter();
    for item in items {
        match item {
            Item::File(path) => files.push(path),
            Item::Folder(_) => {
                if let Some((sub_files, sub_errors)) = walked.next() {
                    files.extend(sub_files);
                    errors.extend(sub_errors);
                }
            }
            Item::Failed(e) => errors.push(e),
            Item::Skipped => {}
        }
    }
}

/// A folder entry as the walk takes it.
enum Item {
    /// A file with a report extension.
    File(PathBuf),
    /// A folder to walk (not a link to one).
    Folder(PathBuf),
    /// Anything else: another file, a linked folder.
    Skipped,
    Failed(WalkError),
}

impl Item {
    fn of(entry: std::fs::DirEntry) -> Item {
        let path = entry.path();
        // The entry's own type comes with the folder listing (no stat); a
        // link is followed to see what it points to. Linked files are read;
        // linked folders are not walked (a link to a parent would loop), only
        // folders named on the command line are.
        let kind = match entry.file_type() {
            Ok(t) if t.is_symlink() => std::fs::metadata(&path).map(|m| (m.is_dir(), true)),
            Ok(t) => Ok((t.is_dir(), false)),
            Err(e) => Err(e),
        };
        match kind {
            Ok((true, true)) => Item::Skipped,
            Ok((true, false)) => Item::Folder(path),
            Ok(_) if has_report_extension(&path) => Item::File(path),
            Ok(_) => Item::Skipped,
            Err(e) => Item::Failed(WalkError {
                path,
                reason: e.to_string(),
            }),
        }
    }
}

/// Whether a file name ends in one of [`EXTENSIONS`] (any case).
pub fn has_report_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_folders_recursively_by_extension() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("a/b")).unwrap();
        for f in [
            "x.ips",
            "a/y.CRASH",
            "a/b/z.txt",
            "a/b/w.md",
            "a/skip.json",
            "a/b/skip",
        ] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        let (files, errors) = walk(&[d.to_path_buf(), d.join("a/skip.json"), d.join("missing")]);
        let names: Vec<String> = files
            .iter()
            .map(|p| p.strip_prefix(d).unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            vec!["a/b/w.md", "a/b/z.txt", "a/skip.json", "a/y.CRASH", "x.ips"]
        );
        assert_eq!(errors.len(), 1);
        assert!(errors[0].path.ends_with("missing"));
    }

    #[test]
    fn one_folder_comes_out_in_path_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("a/b")).unwrap();
        for f in [
            "a.txt",
            "a-b.ips",
            "a/b/c.ips",
            "a/z.ips",
            "a/b.ips",
            "B.ips",
            "a0.md",
        ] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        let (files, _) = walk(&[d.to_path_buf()]);
        let mut sorted = files.clone();
        sorted.sort();
        assert_eq!(files, sorted);
        assert_eq!(files.len(), 7);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_a_parent_folder_does_not_loop() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("x.ips"), "x").unwrap();
        std::os::unix::fs::symlink(d, d.join("loop")).unwrap();
        std::os::unix::fs::symlink(d.join("x.ips"), d.join("y.ips")).unwrap();
        let (files, errors) = walk(&[d.to_path_buf()]);
        assert_eq!(files.len(), 2, "{files:?}");
        assert!(errors.is_empty());
    }
}
