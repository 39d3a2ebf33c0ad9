//! The per-report summary: the signature and the few fields a bucket shows.
//! This is all that is kept of a report once it is read (never the report
//! itself), so memory stays flat however many reports a run reads.

use crate::signature::Engine;
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
    format!(
        "{:012x}",
        xxhash_rust::xxh3::xxh3_64(signature.as_bytes()) >> 16
    )
}

/// Summarizes a report read from `path` whose bytes hash to `hash`.
pub fn summarize(engine: &Engine, report: &CrashReport, path: &str, hash: &str) -> ReportSummary {
    let sig = engine.signature(report);
    let os_version = match (&report.system.os_version, &report.system.os_build) {
        (Some(v), Some(b)) if !v.contains(b.as_str()) => Some(format!("{v} ({b})")),
        (Some(v), _) => Some(v.clone()),
        (None, Some(b)) => Some(b.clone()),
        (None, None) => None,
    };
    let app_version = match (&report.process.version, &report.process.build) {
        (Some(v), Some(b)) if v != b => Some(format!("{v} ({b})")),
        (Some(v), _) => Some(v.clone()),
        (None, Some(b)) => Some(format!("({b})")),
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
            let s = format!("{} {v}", img.display_name());
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

/// Whether the owner rules call an image a GPU driver. They run once per
/// distinct image per thread (reports share images).
fn is_gpu_driver(id: ImageId<'_>) -> bool {
    thread_local! {
        static CACHE: RefCell<HashMap<u64, bool>> = RefCell::new(HashMap::new());
    }
    let key = id_key(id.name, id.bundle_id, id.path);
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() > 100_000 {
            cache.clear();
        }
        *cache.entry(key).or_insert_with(|| {
            let subject = Subject {
                image_name: id.name,
                bundle_id: id.bundle_id,
                path: id.path,
                ..Default::default()
            };
            owners::builtin().classify(&subject).owner == Owner::GpuDriver
        })
    })
}

/// A cache key for an image's identity as the owner rules see it.
fn id_key(name: Option<&str>, bundle_id: Option<&str>, path: Option<&str>) -> u64 {
    // Each part seeds the next (absent parts hash differently from empty ones).
    let mut h = 0x9e37_79b9_7f4a_7c15u64;
    for part in [name, bundle_id, path] {
        h = match part {
            Some(p) => xxhash_rust::xxh3::xxh3_64_with_seed(p.as_bytes(), h),
            None => h.rotate_left(17) ^ 0xff51_afd7_ed55_8ccd,
        };
    }
    h
}
