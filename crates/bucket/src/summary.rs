//! The per-report summary: the signature and the few fields a bucket shows.
//! This is all that is kept of a report once it is read (never the report
//! itself), so memory stays flat however many reports a run reads.

use crate::signature::Engine;
use crashlens_knowledge::memo::KeyIsHash;
use crashlens_knowledge::owners::{self, Subject};
use crashlens_model::{CrashReport, Owner};
use crashlens_read::ImageId;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;

/// What is kept of one report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportSummary {
    pub path: String,
    /// XXH3-128 of the file's bytes, hex.
    pub hash: String,
    /// The bucket id: a short hash of the signature.
    pub bucket: String,
    pub signature: String,
    pub exception: String,
    /// The frames that make the signature.
    pub frames: Vec<String>,
    /// The first normalized frames (near-duplicate search).
    pub stack: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    /// Capture time as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hardware_model: Option<String>,
    /// "1.0 (5)": marketing version and build.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    /// GPU driver images loaded, "AGXMetalG16X 329.2".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gpu_drivers: Vec<String>,
    /// The crashed thread's name, else its dispatch queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_name: Option<String>,
}

/// The bucket id of a signature: 12 hex digits of its XXH3-64.
pub fn bucket_id(signature: &str) -> String {
    let h = xxhash_rust::xxh3::xxh3_64(signature.as_bytes()) >> 16;
    // As `format!("{:012x}", h)` writes it (h has 48 bits: 12 digits).
    (0..12)
        .rev()
        .filter_map(|k| char::from_digit(((h >> (4 * k)) & 0xf) as u32, 16))
        .collect()
}

/// `a (b)`, or `(b)` without `a`.
fn with_paren(a: Option<&str>, b: &str) -> String {
    let mut s = String::with_capacity(a.map_or(0, str::len) + b.len() + 3);
    if let Some(a) = a {
        s.push_str(a);
        s.push(' ');
    }
    s.push('(');
    s.push_str(b);
    s.push(')');
    s
}

/// Summarizes a report read from `path` whose bytes hash to `hash`.
pub fn summarize(engine: &Engine, report: &CrashReport, path: &str, hash: &str) -> ReportSummary {
    let sig = engine.signature(report);
    let os_version = match (&report.system.os_version, &report.system.os_build) {
        (Some(v), Some(b)) if !v.contains(b.as_str()) => Some(with_paren(Some(v), b)),
        (Some(v), _) => Some(v.clone()),
        (None, Some(b)) => Some(b.clone()),
        (None, None) => None,
    };
    let app_version = match (&report.process.version, &report.process.build) {
        (Some(v), Some(b)) if v != b => Some(with_paren(Some(v), b)),
        (Some(v), _) => Some(v.clone()),
        (None, Some(b)) => Some(with_paren(None, b)),
        (None, None) => None,
    };
    let thread = report.crashed();
    let thread_name = thread
        .and_then(|t| t.name.clone().or_else(|| t.queue.clone()))
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    ReportSummary {
        path: path.to_string(),
        hash: hash.to_string(),
        bucket: bucket_id(&sig.text),
        signature: sig.text,
        exception: sig.exception,
        frames: sig.frames,
        stack: sig.stack,
        process: report.process.name.clone(),
        capture_time: report.system.capture_time.clone(),
        os_version,
        hardware_model: report.system.hardware_model.clone(),
        app_version,
        gpu_drivers: gpu_drivers(report),
        thread_name,
    }
}

/// The GPU driver images a report loaded, with versions.
fn gpu_drivers(report: &CrashReport) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for img in report.images.iter().filter(|i| !i.placeholder) {
        let id = ImageId {
            name: img.name.as_deref(),
            bundle_id: img.bundle_id.as_deref(),
            path: img.path.as_deref(),
        };
        if is_gpu_driver(id) {
            let v = img
                .version
                .as_deref()
                .or(img.build.as_deref())
                .unwrap_or("unknown version");
            let name = img.display_name();
            let mut s = String::with_capacity(name.len() + v.len() + 1);
            s.push_str(name);
            s.push(' ');
            s.push_str(v);
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// The images a summary needs besides the crashed frames' own: GPU drivers
/// (the reader's `keep_image` for [`crashlens_read::Detail::Crashed`]).
pub fn keep_image(id: ImageId<'_>) -> bool {
    is_gpu_driver(id)
}

/// An image's identity as the owner rules see it, as remembered.
type Identity = (Option<Box<str>>, Option<Box<str>>, Option<Box<str>>);

/// Distinct images remembered per thread before the memo starts over.
const GPU_MEMO_LIMIT: usize = 50_000;

thread_local! {
    /// [`id_key`] -> the identity and whether it is a GPU driver. A hit is
    /// checked against the whole identity, so two images never share an
    /// answer; a colliding one replaces it.
    static GPU_MEMO: RefCell<HashMap<u64, (Identity, bool), KeyIsHash>> =
        RefCell::new(HashMap::default());
}

/// Whether the owner rules call an image a GPU driver. They run once per
/// distinct image per thread (reports share images).
fn is_gpu_driver(id: ImageId<'_>) -> bool {
    let key = id_key(id.name, id.bundle_id, id.path);
    let same = |(name, bundle_id, path): &Identity| {
        name.as_deref() == id.name
            && bundle_id.as_deref() == id.bundle_id
            && path.as_deref() == id.path
    };
    let known = GPU_MEMO.with_borrow(|memo| match memo.get(&key) {
        Some((identity, gpu)) if same(identity) => Some(*gpu),
        _ => None,
    });
    if let Some(gpu) = known {
        return gpu;
    }
    let subject = Subject {
        image_name: id.name,
        bundle_id: id.bundle_id,
        path: id.path,
        ..Default::default()
    };
    let gpu = owners::builtin().classify(&subject).owner == Owner::GpuDriver;
    GPU_MEMO.with_borrow_mut(|memo| {
        if memo.len() >= GPU_MEMO_LIMIT {
            memo.clear();
        }
        let identity = (
            id.name.map(Into::into),
            id.bundle_id.map(Into::into),
            id.path.map(Into::into),
        );
        memo.insert(key, (identity, gpu));
    });
    gpu
}

/// A memo key for an image's identity as the owner rules see it: a hash of
/// the path (else the name, else the bundle id) seeded with which parts are
/// present and how long they are. Hits are checked against the whole identity,
/// so this need only spread images well.
fn id_key(name: Option<&str>, bundle_id: Option<&str>, path: Option<&str>) -> u64 {
    let len = |p: Option<&str>| p.map_or(0, |p| p.len() as u64 + 1);
    let seed = len(name) | len(bundle_id) << 21 | len(path) << 42;
    let main = path.or(name).or(bundle_id).unwrap_or_default();
    xxhash_rust::xxh3::xxh3_64_with_seed(main.as_bytes(), seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_rules(id: ImageId<'_>) -> bool {
        let subject = Subject {
            image_name: id.name,
            bundle_id: id.bundle_id,
            path: id.path,
            ..Default::default()
        };
        owners::builtin().classify(&subject).owner == Owner::GpuDriver
    }

    /// The per-thread memo answers as the owner rules do, for images that
    /// share a path, a name or the lengths of their parts.
    #[test]
    fn remembered_gpu_answers_are_exact() {
        let names = [
            None,
            Some("AGXMetalG16X"),
            Some("AGXMetalG16Y"),
            Some("libsystem_c.dylib"),
            Some(""),
        ];
        let bundles = [None, Some("com.apple.AGXMetalG16X"), Some("com.apple.Foo")];
        let paths = [
            None,
            Some("/System/Library/Extensions/AGXMetalG16X.bundle/Contents/MacOS/AGXMetalG16X"),
            Some("/System/Library/Extensions/AGXMetalG16Y.bundle/Contents/MacOS/AGXMetalG16Y"),
            Some("/usr/lib/system/libsystem_c.dylib"),
        ];
        let mut gpu = 0;
        for _round in 0..3 {
            for name in names {
                for bundle_id in bundles {
                    for path in paths {
                        let id = ImageId {
                            name,
                            bundle_id,
                            path,
                        };
                        let want = by_rules(id);
                        assert_eq!(is_gpu_driver(id), want, "{name:?} {bundle_id:?} {path:?}");
                        gpu += usize::from(want);
                    }
                }
            }
        }
        assert!(gpu > 0);
    }

    #[test]
    fn ids_and_versions_are_written_as_format_writes_them() {
        for s in ["", "abc", "EXC_BAD_ACCESS / SIGSEGV | f | g"] {
            let h = xxhash_rust::xxh3::xxh3_64(s.as_bytes()) >> 16;
            assert_eq!(bucket_id(s), format!("{h:012x}"));
        }
        assert_eq!(with_paren(Some("1.0"), "5"), "1.0 (5)");
        assert_eq!(with_paren(Some(""), "5"), " (5)");
        assert_eq!(with_paren(None, "5"), "(5)");
    }
}
