//! Rules for a fault inside vendor code: a caller-side race or API misuse across
//! threads, against a defect inside the GPU driver or the OS library itself.
//! The fault's location alone never settles this: both predict a fault there.

use super::draft::Draft;
use super::facts::threads_words;
use super::inputs::{field_ev, frame_ev, In};
use crate::passes::concurrency as cc;
use crashlens_model::{hex, Confidence, Owner};

/// Weight of each concurrency finding for a race.
fn weight(id: &str) -> i32 {
    match id {
        cc::TEARDOWN => 4,
        cc::DEVICE_SYNCHRONIZE => 3,
        cc::GPU_SUBMISSION | cc::SAME_API_ACTIVE | cc::QUEUE_SHARED => 2,
        _ => 1,
    }
}

fn vendor(owner: Owner) -> bool {
    matches!(
        owner,
        Owner::GpuDriver | Owner::OsFramework | Owner::OsRuntime
    )
}

/// Whether the crash is one a race or a vendor defect could explain.
fn applicable(x: &In) -> bool {
    let f = x.f;
    !f.is_killed() && (f.is_fault_signal() || f.is_illegal() || f.is_trap() || f.is_abort())
}

pub fn caller_race(x: &In) -> Option<Draft> {
    let f = x.f;
    if !applicable(x) {
        return None;
    }
    let race = x.race_findings();
    let issues = x.issues_supporting("caller_race");
    let gpu_crash = f.frame0().is_some_and(|fr| fr.owner == Owner::GpuDriver);
    // After a deliberate stop (abort, trap), other threads merely running the same
    // library are no reason to suspect a race; specific activity still is.
    let specific = race
        .iter()
        .any(|c| !matches!(c.id.as_str(), cc::SAME_API_ACTIVE | cc::SAME_LIBRARY_ACTIVE));
    if !f.is_fault_signal() && !specific && issues.is_empty() && !gpu_crash {
        return None;
    }
    if race.is_empty() && issues.is_empty() && !gpu_crash {
        return None;
    }
    let mut d = Draft::new("caller_race", x.kb, x.metal);
    d.cap = Confidence::Medium;
    for c in &race {
        d.add_for(
            weight(&c.id),
            c.id.trim_start_matches("concurrency."),
            c.title.clone(),
            c.detail.clone(),
            c.evidence.clone(),
        );
        d.with_threads(&c.threads, false);
    }
    for m in &issues {
        let link = m
            .links
            .first()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default();
        d.add_for(
            3,
            "known_issue",
            "known issue with this shape",
            format!(
                "Known issue: {}{link}; matched on {}.",
                m.title,
                m.matched_on.join("; ")
            ),
            vec![field_ev("known_issues", m.id.clone())],
        );
    }
    if let (Some(fr), Some(off), Some(x0)) = (f.frame0(), f.null_offset, f.x0) {
        if (fr.symbol.starts_with("-[") || fr.symbol.starts_with("+[")) && x0 >= 0x1_0000_0000 {
            d.add_for(
                1,
                "live_receiver",
                "live receiver, NULL inside",
                format!(
                    "{} was called on a live object (x0 = {}) yet read NULL + {}: the object's own state was gone, as when another thread ends or releases it while this one still uses it.",
                    fr.describe(),
                    hex::short(x0),
                    hex::short(off)
                ),
                vec![field_ev("threads.state.x0", hex::short(x0)).register("x0"), frame_ev(f, fr)],
            );
        }
    }
    if let Some(c) = x.concurrency(cc::ALONE) {
        d.add_against(
            3,
            "alone",
            "no other thread in the same code",
            c.detail.clone(),
            c.evidence.clone(),
        );
        d.with_threads(&c.threads, true);
    }
    if let Some(c) = x.concurrency(cc::ON_STACK_NOT_RUNNING) {
        d.add_against(
            0,
            "not_running",
            "against a wider race",
            format!(
                "{} Only the threads named above were running in that code.",
                c.detail
            ),
            c.evidence.clone(),
        );
        d.with_threads(&c.threads, true);
    }
    if x.r.threads.len() <= 1 && !x.r.threads.is_empty() {
        d.add_against(
            3,
            "single_thread",
            "one thread",
            "The process had a single thread.",
            vec![],
        );
    }
    // A race is shown by an experiment (serialize and compare crash rates), not by
    // a snapshot of where threads stood: without one, concurrency evidence and a
    // matching known issue earn "medium" at most, as the report example rates it.
    d.cap = Confidence::Medium;
    if let Some(c) = x.concurrency(cc::TEARDOWN) {
        d.experiments.insert(
            1,
            format!(
                "Stop the worker threads and queues before tearing down (before exit() or the object's destruction on {}), or leave with _exit(), and compare crash rates",
                threads_words(&c.threads)
            ),
        );
    }
    if let Some(c) = x.concurrency(cc::DEVICE_SYNCHRONIZE) {
        d.experiments.insert(
            1,
            format!(
                "Rerun the repro without the device synchronize on {} (or with it serialized against the encoding threads) and compare crash rates",
                threads_words(&c.threads)
            ),
        );
    }
    Some(d)
}

pub fn vendor_defect(x: &In) -> Option<Draft> {
    let f = x.f;
    if !applicable(x) {
        return None;
    }
    let fr = f.frame0()?;
    if !vendor(fr.owner) {
        return None;
    }
    let gpu = fr.owner == Owner::GpuDriver;
    // A check that fired on purpose inside the OS is the abort rule's business.
    if !gpu && !f.is_fault_signal() {
        return None;
    }
    let mut d = Draft::new(
        if gpu { "driver_defect" } else { "os_defect" },
        x.kb,
        x.metal,
    );
    d.cap = Confidence::Medium;
    let version =
        x.a.binaries
            .iter()
            .find(|b| b.name == fr.image)
            .and_then(|b| b.version.clone())
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
    d.add_for(
        2,
        "location",
        "the fault is in vendor code",
        format!(
            "Frame 0 is `{}` in {}{version} ({}).",
            super::facts::clip(&fr.symbol, 100),
            fr.image,
            fr.owner.label()
        ),
        vec![frame_ev(f, fr)],
    );
    let race = x.race_findings();
    if gpu {
        if !race.is_empty() {
            d.add_against(
                2,
                "api_contract",
                "misuse by the caller faults here too",
                "Metal command encoders and command buffers are not thread-safe: the API leaves synchronization to the caller, so a caller that ends, commits or releases one on one thread while another still encodes gets a fault inside the driver as well.",
                vec![],
            );
            let threads: Vec<u32> = race
                .iter()
                .flat_map(|c| c.threads.iter().copied())
                .collect();
            d.with_threads(&threads, true);
            d.add_against(
                0,
                "lock_cannot_tell",
                "a global lock cannot tell them apart",
                "A lower crash rate with one lock around all GPU work does not implicate the driver: the lock serializes the caller's threads too, so it removes a caller-side race and a driver race alike.",
                vec![],
            );
        }
    } else {
        d.add_against(
            2,
            "widely_used",
            "OS code is widely used",
            "OS libraries run in every app; a fault inside one is far more often caused by what the caller passed (a freed, corrupted or unsynchronized object) than by a defect of its own.",
            vec![],
        );
    }
    for m in x.issues_supporting("caller_race") {
        let link = if m.links.is_empty() {
            String::new()
        } else {
            format!(" ({})", m.links.join(", "))
        };
        d.add_against(
            2,
            "caller_fix",
            "a caller-side fix exists",
            format!(
                "A caller-side fix exists for this crash shape: {}{link}.",
                m.title
            ),
            vec![field_ev("known_issues", m.id.clone())],
        );
    }
    d.add_against(
        1,
        "no_reproducer",
        "no correct-use reproducer",
        "No reproducer that uses the vendor API correctly is attached; where the fault happened does not separate a vendor defect from misuse by the caller.",
        vec![],
    );
    if x.concurrency(cc::ALONE).is_some() && gpu {
        d.add_for(2, "alone", "no other thread in the API", "No other thread was running in the same API at the crash, which makes a cross-thread race in the caller less likely.", vec![]);
    }
    Some(d)
}
