//! The binary-versions table (`Analysis::binaries`): the few images whose
//! versions matter, not every loaded library.
//!
//! Listed, in this order, each with why:
//! 1. images on the crashed stack, in frame order; OS images (runtime and
//!    frameworks) only when they hold frame 0, the blamed frame or its caller,
//!    so run-loop and dispatch plumbing further down is left out;
//! 2. the main executable;
//! 3. GPU drivers and ML/GPU frameworks that are loaded;
//! 4. when a GPU driver is on any thread's stack, the images whose owner rule
//!    says `list_with_gpu` (Metal, IOGPU, MPS, OpenGL).
//!
//! Finding `binaries.gpu_driver` names each GPU driver that some thread is
//! running in, with its version and the threads.

use crashlens_model::{Analysis, BinaryVersion, CrashReport, Evidence, Finding, Frame, Owner};

use crate::passes::stack::range;
use crate::Context;

pub fn run(cx: &Context, a: &mut Analysis) {
    let r = cx.report;
    if r.images.iter().all(|i| i.placeholder) {
        return;
    }
    // (image position, reasons), insertion order.
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    let mut add = |pos: usize, reason: String| match rows.iter_mut().find(|(p, _)| *p == pos) {
        Some((_, reasons)) => {
            if !reasons.contains(&reason) {
                reasons.push(reason)
            }
        }
        None => rows.push((pos, vec![reason])),
    };

    let owners: Vec<_> = r
        .images
        .iter()
        .map(|i| (!i.placeholder).then(|| cx.image_owner(i)))
        .collect();
    let owner_at = |pos: usize| owners.get(pos).and_then(Option::as_ref).map(|o| o.owner);

    // 1. The crashed stack.
    if let Some(t) = r.crashed() {
        let blamed = a.crashed_stack.as_ref().and_then(|s| s.blamed_frame);
        let mut per_image: Vec<(usize, Vec<u32>, bool)> = Vec::new();
        for (n, f) in t.frames.iter().enumerate() {
            let Some(pos) = image_pos(r, f) else { continue };
            let key =
                n == 0 || blamed.is_some_and(|b| f.index == b || b.checked_add(1) == Some(f.index));
            match per_image.iter_mut().find(|(p, _, _)| *p == pos) {
                Some((_, frames, k)) => {
                    frames.push(f.index);
                    *k |= key;
                }
                None => per_image.push((pos, vec![f.index], key)),
            }
        }
        for (pos, frames, key) in per_image {
            let os = matches!(owner_at(pos), Some(Owner::OsRuntime | Owner::OsFramework));
            if os && !key {
                continue;
            }
            add(
                pos,
                format!("on the crashed stack ({})", frames_words(&frames)),
            );
        }
    }

    // 2. The main executable.
    let main = cx.main_image_index();
    if let Some(pos) = main {
        add(pos, "main executable".to_string());
    }

    // 3. GPU drivers and ML frameworks loaded; 4. the GPU stack when a driver is involved.
    let gpu_on_stack = r.threads.iter().any(|t| {
        t.frames.iter().any(|f| {
            image_pos(r, f)
                .and_then(|p| owners.get(p))
                .and_then(Option::as_ref)
                .is_some_and(|o| o.owner == Owner::GpuDriver)
        })
    });
    for (pos, o) in owners.iter().enumerate() {
        let Some(o) = o else { continue };
        match o.owner {
            Owner::GpuDriver => add(pos, "GPU driver (loaded)".to_string()),
            Owner::MlFramework => add(pos, "ML/GPU framework (loaded)".to_string()),
            _ if o.list_with_gpu && gpu_on_stack => add(
                pos,
                "GPU stack (a GPU driver is on a thread's stack)".to_string(),
            ),
            _ => {}
        }
    }

    let mut out = Vec::with_capacity(rows.len());
    for (pos, reasons) in rows {
        let Some(img) = r.images.get(pos) else {
            continue;
        };
        let owner = owners
            .get(pos)
            .and_then(Option::as_ref)
            .map(|o| o.owner)
            .unwrap_or_default();
        if owner == Owner::GpuDriver {
            let version = match (&img.version, &img.build) {
                (Some(v), Some(b)) if v != b => format!(" {v} ({b})"),
                (Some(v), _) => format!(" {v}"),
                (None, Some(b)) => format!(" ({b})"),
                (None, None) => String::new(),
            };
            // Only a driver that some thread is running in is worth a finding.
            let threads: Vec<u32> = r
                .threads
                .iter()
                .filter(|t| t.frames.iter().any(|f| image_pos(r, f) == Some(pos)))
                .map(|t| t.number)
                .collect();
            let crashed = r.crashed().map(|t| t.number);
            if !threads.is_empty() {
                let words: Vec<String> = threads
                    .iter()
                    .map(|&n| {
                        if Some(n) == crashed {
                            format!("{n} (the crashed thread)")
                        } else {
                            n.to_string()
                        }
                    })
                    .collect();
                let mut f = Finding::new(
                    "binaries.gpu_driver",
                    format!("GPU driver {}{version}", img.display_name()),
                    format!(
                        "The GPU driver {}{version} is on the stack of thread{} {}.{}",
                        img.display_name(),
                        if threads.len() == 1 { "" } else { "s" },
                        words.join(", "),
                        img.uuid
                            .as_deref()
                            .map(|u| format!(" UUID {u}."))
                            .unwrap_or_default()
                    ),
                )
                .with(
                    Evidence::field(format!("images[{pos}]")).value(img.display_name().to_string()),
                )
                .threads(threads.iter().copied());
                if let Some(v) = &img.version {
                    f = f.with(Evidence::field(format!("images[{pos}].version")).value(v.clone()));
                }
                a.findings.push(f);
            }
        }
        // The main executable's version is the process's ("Version: 1.0 (5)")
        // when its image line carries none.
        let is_main = Some(pos) == main;
        let (version, build) = match (&img.version, &img.build) {
            (None, None) if is_main => (r.process.version.clone(), r.process.build.clone()),
            (v, b) => (v.clone(), b.clone()),
        };
        out.push(BinaryVersion {
            name: img.display_name().to_string(),
            version,
            build,
            uuid: img.uuid.clone(),
            path: img.path.clone(),
            base: img.base,
            owner,
            reasons,
        });
    }
    a.binaries = out;
}

/// Position in `report.images` of a frame's image.
fn image_pos(r: &CrashReport, f: &Frame) -> Option<usize> {
    let img = r.image_of(f)?;
    if img.placeholder {
        return None;
    }
    r.images.iter().position(|i| std::ptr::eq(i, img))
}

/// "frame 0", "frames 1-2, 5-10".
fn frames_words(frames: &[u32]) -> String {
    let mut spans: Vec<(u32, u32)> = Vec::new();
    for &f in frames {
        match spans.last_mut() {
            Some((_, last)) if last.checked_add(1) == Some(f) => *last = f,
            _ => spans.push((f, f)),
        }
    }
    let words: Vec<String> = spans
        .iter()
        .map(|&(a, b)| range(Some(a), Some(b)))
        .collect();
    format!(
        "{} {}",
        if frames.len() == 1 { "frame" } else { "frames" },
        words.join(", ")
    )
}
