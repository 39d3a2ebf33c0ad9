//! Generates a large folder of crash reports for the `crashlens group`
//! benchmark: the corpus repeated, every copy made unique (incident ids,
//! pids, capture times), and one copy in ten a signature variant (image
//! offsets shifted, so unsymbolicated frames land in new buckets).
//!
//! Image UUIDs are kept, as in a real fleet where reports of one OS and app
//! build name the same binaries. With `GEN_UNIQUE_IMAGES=1` every UUID in a
//! copy is rewritten instead (every copy then names binaries no other copy
//! has: the worst case for the reader's cache of Binary Images lines).
//! With `GEN_SLIDE=1` every 64-bit user-space address (`0x` and 9 to 16 hex
//! digits, from 4 GiB up) in a copy, and every image `base` in an `.ips` copy, is moved by a slide of
//! the copy's own, as if each report came from a device booted separately
//! (no two copies then print an image or frame line alike, while image
//! offsets, and so signatures, stay as they were).
//!
//! Usage: cargo run --release -p crashlens-bucket --example gen_reports -- CORPUS_DIR OUT_DIR COUNT

use regex::{Captures, Regex};
use std::path::{Path, PathBuf};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(corpus), Some(out), Some(count)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: gen_reports CORPUS_DIR OUT_DIR COUNT");
        std::process::exit(2);
    };
    let Ok(count) = count.parse::<usize>() else {
        eprintln!("COUNT must be a number");
        std::process::exit(2);
    };
    let (files, _) = crashlens_bucket::walk::walk(&[PathBuf::from(corpus)]);
    let sources: Vec<(PathBuf, String)> = files
        .iter()
        .filter_map(|p| Some((p.clone(), std::fs::read_to_string(p).ok()?)))
        .collect();
    if sources.is_empty() {
        eprintln!("no reports under {corpus}");
        std::process::exit(1);
    }
    const UUID: &str =
        r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}";
    let uuid = Regex::new(UUID).unwrap();
    let unique_images = std::env::var_os("GEN_UNIQUE_IMAGES").is_some();
    let slide_each = std::env::var_os("GEN_SLIDE").is_some();
    let long_address = Regex::new(r"\b0x([0-9a-fA-F]{9,16})\b").unwrap();
    let ips_base = Regex::new(r#"("base" ?: ?)(\d+)"#).unwrap();
    let pid = Regex::new(r#"("pid" : |Process:\s+\S+ \[)(\d+)"#).unwrap();
    let time = Regex::new(r"(\d{4}-\d\d-\d\d \d\d:)(\d\d):(\d\d)").unwrap();
    let ips_offset = Regex::new(r#""imageOffset":(\d+)"#).unwrap();
    let text_offset = Regex::new(r"(0x[0-9a-fA-F]+ \+ )(\d+)").unwrap();
    let mut bytes = 0usize;
    for i in 0..count {
        let (src, text) = &sources[i % sources.len()];
        let round = i / sources.len();
        // UUIDs of images (text after "Binary Images", `uuid` keys of the
        // .ips) stay as they are unless GEN_UNIQUE_IMAGES is set.
        let images_at = text.find("Binary Images").unwrap_or(usize::MAX);
        let rewrite_uuids = |images: bool| {
            uuid.replace_all(text, |c: &Captures| {
                let at = c.get(0).map_or(0, |m| m.start());
                let key = text.get(at.saturating_sub(12)..at).unwrap_or("");
                let image = at > images_at || key.contains("uuid\"");
                if image && !images {
                    return c[0].to_string();
                }
                // The UUID's last four digits become the copy's own.
                let m = &c[0];
                let keep = m.len().saturating_sub(4);
                format!("{}{:04X}", &m[..keep], ((i * 7 + 1) + round) % 0x10000)
            })
            .into_owned()
        };
        let mut t = rewrite_uuids(unique_images);
        t = pid
            .replace_all(&t, |c: &Captures| format!("{}{}", &c[1], 100 + (i % 90000)))
            .into_owned();
        t = time
            .replace_all(&t, |c: &Captures| {
                format!("{}{:02}:{:02}", &c[1], (round / 60) % 60, round % 60)
            })
            .into_owned();
        if t == *text {
            // Nothing but its images' UUIDs can tell this report's copies apart.
            t = rewrite_uuids(true);
        }
        if i % 10 == 0 {
            let k = (round % 8) as u64 * 4;
            t = ips_offset
                .replace_all(&t, |c: &Captures| {
                    format!("\"imageOffset\":{}", c[1].parse::<u64>().unwrap_or(0) + k)
                })
                .into_owned();
            t = text_offset
                .replace_all(&t, |c: &Captures| {
                    format!("{}{}", &c[1], c[2].parse::<u64>().unwrap_or(0) + k)
                })
                .into_owned();
        }
        if slide_each {
            // A page-aligned slide of the copy's own, the same for every
            // address in it (so frames stay in their images).
            let slide = ((i % 4093) as u64 + 1) << 14;
            t = long_address
                .replace_all(&t, |c: &Captures| {
                    let digits = &c[1];
                    match u64::from_str_radix(digits, 16) {
                        // User-space addresses of 64-bit images only:
                        // NULL + offset and small codes stay as they are.
                        Ok(v) if (1 << 32..1 << 47).contains(&v) => {
                            format!("0x{:0width$x}", v + slide, width = digits.len())
                        }
                        _ => c[0].to_string(),
                    }
                })
                .into_owned();
            t = ips_base
                .replace_all(&t, |c: &Captures| match c[2].parse::<u64>() {
                    Ok(v) if v > 0 => format!("{}{}", &c[1], v + slide),
                    _ => c[0].to_string(),
                })
                .into_owned();
        }
        let name = src
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("report.crash");
        let dir = Path::new(out).join(format!("{:03}", i / 1000));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{i:06}-{name}")), &t).unwrap();
        bytes += t.len();
    }
    eprintln!(
        "wrote {count} reports ({} MB) under {out}",
        bytes / 1_000_000
    );
}
