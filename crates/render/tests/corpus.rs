//! The renderers over every corpus report (Apple, minidump, logs) that reads
//! as a crash:
//! Markdown tables stay well formed and no section is printed empty, the JSON
//! round-trips through the model, and every JSON key is documented in
//! docs/json-schema.md.

mod common;

use crashlens_model::{Analysis, CrashReport};
use crashlens_render::{json, markdown};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");
const SCHEMA_DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/json-schema.md");
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

type Item = (PathBuf, CrashReport, Analysis);

/// Every file of corpus/apple, corpus/minidump and corpus/logs, and every
/// example, that reads as a crash report,
/// read and analyzed once for all tests here.
fn reports() -> &'static [Item] {
    static ALL: OnceLock<Vec<Item>> = OnceLock::new();
    ALL.get_or_init(load)
}

fn load() -> Vec<Item> {
    let mut paths = Vec::new();
    for dir in ["apple", "minidump", "logs"] {
        files(&Path::new(CORPUS).join(dir), &mut paths);
    }
    files(Path::new(EXAMPLES), &mut paths);
    paths
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            let report = crashlens_read::read_bytes(&bytes).ok()?;
            let analysis = crashlens_analyze::analyze(&report);
            Some((p, report, analysis))
        })
        .collect()
}

#[test]
fn corpus_markdown_is_well_formed() {
    let all = reports();
    assert!(all.len() >= 30, "only {} corpus reports read", all.len());
    for (path, report, analysis) in all {
        let md = markdown::render(report, analysis);
        let name = path.display();
        assert!(md.starts_with("## "), "{name}: {md}");
        assert!(
            md.ends_with('\n') && !md.ends_with("\n\n"),
            "{name}: trailing blank lines"
        );
        common::check_tables(&md);
        // A heading directly followed by another heading is an empty section.
        let lines: Vec<&str> = md.lines().filter(|l| !l.trim().is_empty()).collect();
        for w in lines.windows(2) {
            assert!(
                !(w[0].starts_with('#') && w[1].starts_with('#')),
                "{name}: empty section {:?}",
                w[0]
            );
        }
        assert!(
            !lines.last().is_some_and(|l| l.starts_with('#')),
            "{name}: empty last section"
        );
        // Code fences are balanced.
        let fences = md.lines().filter(|l| l.starts_with("```")).count();
        assert_eq!(fences % 2, 0, "{name}: unbalanced code fences");
    }
}

#[test]
fn corpus_json_round_trips() {
    for (path, report, analysis) in reports() {
        let v = json::render(report, analysis);
        let back: CrashReport = serde_json::from_value(v["report"].clone())
            .unwrap_or_else(|e| panic!("{}: report does not round-trip: {e}", path.display()));
        assert_eq!(&back, report, "{}", path.display());
        let back: Analysis = serde_json::from_value(v["analysis"].clone())
            .unwrap_or_else(|e| panic!("{}: analysis does not round-trip: {e}", path.display()));
        assert_eq!(&back, analysis, "{}", path.display());
    }
}

fn keys(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                out.insert(k.clone());
                keys(v, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

#[test]
fn every_json_key_is_documented() {
    let doc = std::fs::read_to_string(SCHEMA_DOC).expect("docs/json-schema.md");
    let mut all = BTreeSet::new();
    for (_, report, analysis) in reports() {
        keys(&json::render(report, analysis), &mut all);
    }
    // The hand-built seed values fill sections real reports may not reach yet.
    keys(
        &json::render(&common::seed_report(), &common::seed_analysis()),
        &mut all,
    );
    let missing: Vec<&String> = all
        .iter()
        .filter(|k| !doc.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "keys not documented in docs/json-schema.md: {missing:?}"
    );
}

#[test]
fn schema_doc_example_is_valid_json_in_the_model() {
    let doc = std::fs::read_to_string(SCHEMA_DOC).expect("docs/json-schema.md");
    let start = doc.find("```json\n").expect("an example block") + "```json\n".len();
    let len = doc[start..].find("```").expect("closed example block");
    let v: serde_json::Value =
        serde_json::from_str(&doc[start..start + len]).expect("example parses");
    assert_eq!(v["schema_version"], json::SCHEMA_VERSION);
    let _: CrashReport =
        serde_json::from_value(v["report"].clone()).expect("example report fits the model");
    let _: Analysis =
        serde_json::from_value(v["analysis"].clone()).expect("example analysis fits the model");
}

/// What a report holds must reach the Markdown: the renderer drops nothing
/// the model and analysis carry for the sections it prints.
#[test]
fn corpus_markdown_keeps_the_facts() {
    for (path, report, analysis) in reports() {
        let md = markdown::render(report, analysis);
        let name = path.display();
        let has = |needle: &str, what: &str| {
            assert!(md.contains(needle), "{name}: {what} {needle:?} missing")
        };
        if let Some(pid) = report.process.pid {
            has(&format!("[{pid}]"), "pid");
        }
        if let Some(kind) = report.exception.as_ref().and_then(|e| e.kind.as_deref()) {
            has(kind.trim(), "exception type");
        }
        if let Some(hw) = &report.system.hardware_model {
            has(hw, "hardware model");
        }
        if let Some(stack) = &analysis.crashed_stack {
            if !stack.frames.is_empty() {
                has(&format!("thread {}", stack.thread), "crashed stack heading");
            }
        }
        for line in report.app_specific_lines().filter(|l| !l.trim().is_empty()) {
            has(line.trim_end(), "ASI line");
        }
        if let Some(vm) = &report.vm_region_info {
            if let Some(first) = vm.lines().map(str::trim).find(|l| !l.is_empty()) {
                has(first, "VM region info");
            }
        }
        for b in &analysis.binaries {
            if let Some(uuid) = &b.uuid {
                has(uuid, "binary UUID");
            }
        }
        for k in &analysis.known_issues {
            has(&format!("`{}`", k.id), "known issue id");
        }
        if let Some(v) = &analysis.verdict {
            if !v.hypotheses.is_empty() {
                has("### Verdict", "verdict");
            }
        }
        if let Some(e) = &analysis.esr {
            has(&format!("ESR {:#x}", e.value), "ESR row");
        }
        if let Some(addr) = analysis.fault.as_ref().and_then(|f| f.address) {
            has(&format!("`{addr:#x}`"), "fault address");
        }
    }
}
