//! The legacy text reader against getsentry/apple-crash-report-parser's own
//! snapshots of the same files (shared/corpus/peer-expectations). We agree on
//! threads, frames, addresses, registers and images, with these known,
//! deliberate differences:
//!
//! - Image size: Sentry records `end - base`; we record `end - base + 1`
//!   (the Binary Images line gives the last byte, so the image covers one more).
//! - Image name: Sentry keeps the column as printed ("com.apple.JavaScriptCore");
//!   where that is a bundle id and the path names a different file, we put it in
//!   `bundle_id` and take `name` from the path ("JavaScriptCore"). The printed
//!   text is `bundle_id.or(name)`, compared here.
//! - Image arch: Sentry keeps "(x86_64)" with its parentheses; we drop them.
//! - Image version: Sentry keeps "400.9.4 - 1.0.0"; we split it into version and
//!   build.
//! - Frames in "???" have no image name in either tool; Sentry also drops the
//!   symbol "???", as we do.

use std::collections::BTreeMap;
use std::path::Path;

use crashlens_model::CrashReport;
use crashlens_read::apple_text::parse;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

#[derive(Debug, Default)]
struct PeerFrame {
    module: Option<String>,
    symbol: Option<String>,
    addr: Option<u64>,
}

#[derive(Debug, Default)]
struct PeerThread {
    id: u32,
    crashed: bool,
    frames: Vec<PeerFrame>,
    registers: BTreeMap<String, u64>,
}

#[derive(Debug, Default)]
struct PeerImage {
    fields: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
struct Peer {
    threads: Vec<PeerThread>,
    images: Vec<PeerImage>,
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    match v.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => v.to_string(),
    }
}

fn hex(v: &str) -> u64 {
    let v = unquote(v);
    let d = v.strip_prefix("0x").unwrap_or(&v);
    u64::from_str_radix(d, 16).unwrap_or_else(|e| panic!("{v}: {e}"))
}

/// Reads the small YAML subset insta wrote: `threads:` (id, crashed, frames of
/// module/symbol/instruction_addr, registers) and `binary_images:`.
fn read_snap(name: &str) -> Peer {
    let path = Path::new(CORPUS)
        .join("peer-expectations/sentry-apple-crash-report-parser")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut peer = Peer::default();
    #[derive(PartialEq)]
    enum Sec {
        None,
        Threads,
        Images,
    }
    let mut sec = Sec::None;
    let mut in_regs = false;
    for line in text.lines() {
        if !line.starts_with(' ') {
            sec = match line.trim_end() {
                "threads:" => Sec::Threads,
                "binary_images:" => Sec::Images,
                _ => Sec::None,
            };
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let t = line.trim_start();
        let (dash, t) = match t.strip_prefix("- ") {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let Some((k, v)) = t.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match sec {
            Sec::Threads => {
                if indent == 2 && dash {
                    peer.threads.push(PeerThread {
                        id: v.parse().expect("id"),
                        ..Default::default()
                    });
                    in_regs = false;
                    continue;
                }
                let th = peer.threads.last_mut().expect("thread");
                if indent == 4 {
                    in_regs = k == "registers";
                    if k == "crashed" {
                        th.crashed = v == "true";
                    }
                    continue;
                }
                if in_regs && indent == 6 {
                    th.registers.insert(k.to_string(), hex(v));
                    continue;
                }
                if indent == 6 && dash {
                    th.frames.push(PeerFrame::default());
                }
                let f = th.frames.last_mut().expect("frame");
                match k {
                    "module" => f.module = Some(unquote(v)),
                    "symbol" => f.symbol = Some(unquote(v)),
                    "instruction_addr" => f.addr = Some(hex(v)),
                    other => panic!("unexpected frame key {other}"),
                }
            }
            Sec::Images => {
                if dash {
                    peer.images.push(PeerImage::default());
                }
                let img = peer.images.last_mut().expect("image");
                img.fields.insert(k.to_string(), unquote(v));
            }
            Sec::None => {}
        }
    }
    peer
}

fn load(rel: &str) -> CrashReport {
    let path = Path::new(CORPUS)
        .join("apple/getsentry-apple-crash-report-parser")
        .join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn compare(txt: &str, snap: &str) {
    let r = load(txt);
    let peer = read_snap(snap);

    // Threads: same numbers, same crashed flag, same frames.
    assert_eq!(r.threads.len(), peer.threads.len(), "{txt}: thread count");
    for (ours, theirs) in r.threads.iter().zip(&peer.threads) {
        assert_eq!(ours.number, theirs.id, "{txt}: thread number");
        assert_eq!(
            ours.crashed, theirs.crashed,
            "{txt}: thread {} crashed",
            ours.number
        );
        assert_eq!(
            ours.frames.len(),
            theirs.frames.len(),
            "{txt}: thread {} frames",
            ours.number
        );
        for (i, (f, p)) in ours.frames.iter().zip(&theirs.frames).enumerate() {
            let at = format!("{txt}: thread {} frame {i}", ours.number);
            assert_eq!(f.address, p.addr, "{at}: address");
            assert_eq!(f.image, p.module, "{at}: image");
            assert_eq!(f.symbol, p.symbol, "{at}: symbol");
        }
        if !theirs.registers.is_empty() {
            let st = ours
                .state
                .as_ref()
                .unwrap_or_else(|| panic!("{txt}: thread {} state", ours.number));
            for (name, value) in &theirs.registers {
                assert_eq!(st.value(name), Some(*value), "{txt}: register {name}");
            }
            assert_eq!(
                st.registers.len(),
                theirs.registers.len(),
                "{txt}: register count"
            );
        }
    }

    // Images, in report order.
    assert_eq!(r.images.len(), peer.images.len(), "{txt}: image count");
    for (img, p) in r.images.iter().zip(&peer.images) {
        let f = |k: &str| p.fields.get(k).map(String::as_str);
        let at = format!("{txt}: image {:?}", f("name"));
        assert_eq!(Some(img.base), f("addr").map(hex), "{at}: base");
        let peer_size: u64 = f("size").expect("size").parse().expect("size number");
        assert_eq!(
            img.size,
            Some(peer_size + 1),
            "{at}: size (ours counts the last byte)"
        );
        assert_eq!(img.uuid.as_deref(), f("uuid"), "{at}: uuid");
        assert_eq!(img.path.as_deref(), f("path"), "{at}: path");
        let printed = img.bundle_id.as_deref().or(img.name.as_deref());
        assert_eq!(printed, f("name"), "{at}: printed name");
        let peer_arch = f("arch").map(|a| a.trim_start_matches('(').trim_end_matches(')'));
        assert_eq!(img.arch.as_deref(), peer_arch, "{at}: arch");
        let ours_version = match (&img.version, &img.build) {
            (Some(v), Some(b)) => Some(format!("{v} - {b}")),
            (Some(v), None) => Some(v.clone()),
            _ => None,
        };
        assert_eq!(ours_version.as_deref(), f("version"), "{at}: version");
    }
    // Sanity: the comparison saw real data.
    assert!(r.threads.iter().map(|t| t.frames.len()).sum::<usize>() > 10);
}

#[test]
fn agrees_with_sentry_on_xcdyoutubekit() {
    compare("XCDYouTubeKit-54.txt", "XCDYouTubeKit-54.snap");
}

#[test]
fn agrees_with_sentry_on_bruno() {
    compare("bruno.txt", "bruno.snap");
}

#[test]
fn agrees_with_sentry_on_spaces() {
    compare("spaces.txt", "spaces.snap");
}

#[test]
fn snapshot_reader_reads_something() {
    let p = read_snap("bruno.snap");
    assert_eq!(p.threads.len(), 55);
    assert!(p.threads.iter().any(|t| t.crashed && t.id == 5));
    assert_eq!(p.images.len(), 272);
}
