//! macOS: find the `.ips` crash report that ReportCrash wrote for a run's
//! pid in `~/Library/Logs/DiagnosticReports`. The scan is plain file I/O (and
//! tested anywhere); waiting for the report is done only on macOS. Analysis
//! of the .ips is not done here: the path is recorded.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The newest `.ips` in `dir` modified at or after `since` whose body names
/// `"pid" : pid`.
pub fn find_ips_for_pid(dir: &Path, pid: u32, since: SystemTime) -> Option<PathBuf> {
    let mut best: Option<(SystemTime, PathBuf)> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("ips") {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let Ok(modified) = meta.modified() else {
            continue;
        };
        if modified < since {
            continue;
        }
        if !mentions_pid(&path, pid) {
            continue;
        }
        let newer = match &best {
            None => true,
            Some((t, _)) => modified > *t,
        };
        if newer {
            best = Some((modified, path));
        }
    }
    best.map(|(_, p)| p)
}

/// Whether the .ips body has `"pid" : <pid>` (the body's own pid field, with
/// whatever spacing the writer used). Only the first 256 KiB is read.
fn mentions_pid(path: &Path, pid: u32) -> bool {
    use std::io::Read;
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    let mut text = String::new();
    if f.take(256 * 1024).read_to_string(&mut text).is_err() {
        return false;
    }
    let want = pid.to_string();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("\"pid\"") {
        rest = &rest[i + 5..];
        let after = rest.trim_start();
        if let Some(after) = after.strip_prefix(':') {
            let digits: String = after
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            if digits == want {
                return true;
            }
        }
    }
    false
}

/// On macOS, wait up to `wait` for the report of `pid` to appear.
#[cfg(target_os = "macos")]
pub fn wait_for_ips(pid: u32, since: SystemTime, wait: std::time::Duration) -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let dir = Path::new(&home).join("Library/Logs/DiagnosticReports");
    let deadline = std::time::Instant::now() + wait;
    loop {
        if let Some(p) = find_ips_for_pid(&dir, pid, since) {
            return Some(p);
        }
        if std::time::Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Elsewhere there are no DiagnosticReports.
#[cfg(not(target_os = "macos"))]
pub fn wait_for_ips(_pid: u32, _since: SystemTime, _wait: std::time::Duration) -> Option<PathBuf> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_report_for_the_pid() {
        let dir = tempfile::tempdir().unwrap();
        let since = SystemTime::now() - std::time::Duration::from_secs(5);
        let header = "{\"app_name\":\"Python\",\"bug_type\":\"309\"}\n";
        std::fs::write(
            dir.path().join("Python-2025-12-20-173618.ips"),
            format!("{header}{{\n  \"pid\" : 81920,\n  \"procName\" : \"Python\"\n}}"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("Python-2025-12-20-173619.ips"),
            format!("{header}{{\n  \"parentPid\" : 4242,\n  \"pid\" : 819201\n}}"),
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "\"pid\" : 4242").unwrap();
        let found = find_ips_for_pid(dir.path(), 81920, since).unwrap();
        assert!(found.ends_with("Python-2025-12-20-173618.ips"));
        assert!(find_ips_for_pid(dir.path(), 4242, since).is_none());
        assert!(find_ips_for_pid(dir.path(), 819201, since).is_some());
        // Too old: written before the run started.
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        assert!(find_ips_for_pid(dir.path(), 81920, later).is_none());
        assert!(find_ips_for_pid(&dir.path().join("missing"), 1, since).is_none());
    }
}
