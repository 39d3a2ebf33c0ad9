//! Snapshots of the Markdown and JSON output for a spread of real reports:
//! the seed example, an x86_64 .ips, an arm64 .ips, a watchdog kill, a
//! pointer-authentication failure, an assert/abort, and an uncaught
//! NSException with a last exception backtrace. Each snapshot was reviewed
//! against its source report; a wrong fact in one is a bug, not a new baseline.
//!
//! The JSON snapshots are the whole document except that threads other than
//! the crashed one keep only their first three frames, and `report.images`
//! keeps only the images the crashed stack uses (frames' `image_index` then
//! point past it). The readers' own tests check the full lists; here they
//! would only bury the analysis.
//!
//! Update with `INSTA_UPDATE=always cargo test -p crashlens-render --test snapshots`,
//! then read the diff.

use crashlens_render::{json, markdown};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");

/// Reads from bytes, so no machine-specific path lands in the output.
fn render(path: &str) -> (String, serde_json::Value) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let report = crashlens_read::read_bytes(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
    let analysis = crashlens_analyze::analyze(&report);
    let mut js = json::render(&report, &analysis);
    trim(&mut js);
    (markdown::render(&report, &analysis), js)
}

fn is_crashed(t: &serde_json::Value, crashed: Option<u64>) -> bool {
    t["crashed"].as_bool() == Some(true) || t["number"].as_u64() == crashed
}

/// Cuts other threads' frames to three and the images to those the crashed
/// thread's frames name.
fn trim(js: &mut serde_json::Value) {
    let crashed = js["report"]["crashed_thread"].as_u64();
    let mut used: Vec<String> = Vec::new();
    if let Some(threads) = js["report"]["threads"].as_array_mut() {
        for t in threads {
            let keep_all = is_crashed(t, crashed);
            if let Some(frames) = t.get_mut("frames").and_then(|f| f.as_array_mut()) {
                if keep_all {
                    used.extend(
                        frames
                            .iter()
                            .filter_map(|f| f["image"].as_str().map(String::from)),
                    );
                } else {
                    frames.truncate(3);
                }
            }
        }
    }
    if let Some(images) = js["report"]["images"].as_array_mut() {
        images.retain(|i| {
            let name = i["name"].as_str().or(i["bundle_id"].as_str()).unwrap_or("");
            used.iter().any(|u| u == name)
        });
    }
}

macro_rules! snap {
    ($name:ident, $path:expr) => {
        #[test]
        fn $name() {
            let (md, js) = render(&$path);
            insta::assert_snapshot!(concat!(stringify!($name), "_md"), md);
            insta::assert_json_snapshot!(concat!(stringify!($name), "_json"), js);
        }
    };
}

snap!(seed_agx_race, format!("{EXAMPLES}/seed-agx-race.ips"));
snap!(
    x86_64_ips_jump_to_null,
    format!("{CORPUS}/apple/doronz88-pycrashreport/user_mode_crash_report_monterey_non_symbolicated.ips")
);
snap!(
    arm64_ips_swift_trap,
    format!("{CORPUS}/apple/inket-MacSymbolicator/ios-crash-in-ips-format.ips")
);
snap!(
    watchdog_crash,
    format!("{CORPUS}/apple/faisalmemon-ios-crash-dump-analysis-book/kiosk_startup_ios.crash")
);
snap!(
    pac_crash,
    format!("{CORPUS}/apple/faisalmemon-ios-crash-dump-analysis-book/icdab_ptr_ios.crash")
);
snap!(
    assert_abort_crash,
    format!("{CORPUS}/apple/faisalmemon-ios-crash-dump-analysis-book/icdab_planets.crash")
);
snap!(
    nsexception_translated,
    format!("{CORPUS}/apple/JoelBrown1-Keneth_Frequency/debugging_19_4_01.md")
);
