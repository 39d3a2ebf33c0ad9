//! No input makes the reader panic: every corpus file under apple/ cut short at
//! many offsets, and hand-made bad input (binary, random bytes, deep nesting,
//! wrong types, huge numbers, invalid UTF-8). Each gives a report or an error
//! whose message says what is wrong.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use crashlens_read::{read_bytes, ReadError};

fn corpus() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ))
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Reads without letting a panic escape; a panic fails with where it happened.
fn read_no_panic(bytes: &[u8], what: &str) -> Result<(), String> {
    match catch_unwind(AssertUnwindSafe(|| read_bytes(bytes))) {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => {
            let msg = e.to_string();
            assert!(!msg.trim().is_empty(), "{what}: empty error message");
            Err(msg)
        }
        Err(_) => panic!("{what}: the reader panicked"),
    }
}

/// Cut points: each of the first 64 bytes, every `step` bytes after, and a few
/// bytes either side of every line end in the first 2 KiB (the header line).
fn cut_points(len: usize) -> Vec<usize> {
    let step = (len / 60).max(1);
    let mut cuts: Vec<usize> = (0..len.min(64)).collect();
    cuts.extend((64..len).step_by(step));
    cuts.push(len.saturating_sub(1));
    cuts
}

#[test]
fn truncated_apple_corpus_never_panics() {
    let mut files = Vec::new();
    files_under(&corpus().join("apple"), &mut files);
    assert!(files.len() >= 40, "walked {} files", files.len());
    let mut reads = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let mut cuts = cut_points(bytes.len());
        // Around the end of the .ips header line, where the body begins.
        if let Some(nl) = bytes.iter().position(|&b| b == b'\n') {
            cuts.extend(nl.saturating_sub(3)..(nl + 4).min(bytes.len()));
        }
        for cut in cuts {
            let what = format!("{} cut at {cut}", path.display());
            let _ = read_no_panic(&bytes[..cut], &what);
            reads += 1;
        }
        // The whole file, and the file with its first bytes dropped.
        let _ = read_no_panic(&bytes, &path.display().to_string());
        let _ = read_no_panic(bytes.get(1..).unwrap_or(&[]), &path.display().to_string());
    }
    assert!(reads > 4000, "{reads}");
}

/// A truncated JSON body says it looks truncated rather than something vague.
#[test]
fn truncated_ips_body_says_truncated() {
    let path = corpus().join("apple/inket-MacSymbolicator/single-target-crash.ips");
    let bytes = std::fs::read(path).unwrap();
    let cut = bytes.len() / 2;
    let e = read_bytes(&bytes[..cut]).unwrap_err();
    assert!(matches!(e, ReadError::Malformed { .. }), "{e}");
    assert!(e.to_string().contains("truncated"), "{e}");
    // Only the header line.
    let nl = bytes.iter().position(|&b| b == b'\n').unwrap();
    let e = read_bytes(&bytes[..=nl]).unwrap_err().to_string();
    assert!(e.contains("only the header line"), "{e}");
}

/// A translated report whose JSON part is cut off falls back to the text part
/// or says what broke; it never panics.
#[test]
fn translated_report_with_cut_json() {
    let path = corpus().join("apple/kimu0223-solo-quest/log.md");
    let bytes = std::fs::read(path).unwrap();
    let full = bytes.windows(11).position(|w| w == b"Full Report").unwrap();
    for cut in [full, full + 20, full + 200, full + 5000] {
        let _ = read_no_panic(&bytes[..cut], &format!("log.md cut at {cut}"));
    }
}

#[test]
fn empty_and_whitespace() {
    assert!(matches!(read_bytes(b""), Err(ReadError::Empty)));
    let e = read_bytes(b"\n\n  \t\n").unwrap_err().to_string();
    assert!(e.contains("whitespace"), "{e}");
}

#[test]
fn binary_input_is_named() {
    let e = read_bytes(b"\x00\x01\x02\x03binary")
        .unwrap_err()
        .to_string();
    assert!(e.contains("binary data"), "{e}");
    let e = read_bytes(b"\x7fELF\x02\x01\x01\0")
        .unwrap_err()
        .to_string();
    assert!(e.contains("ELF"), "{e}");
    let e = read_bytes(&[0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1])
        .unwrap_err()
        .to_string();
    assert!(e.contains("Mach-O"), "{e}");
    let e = read_bytes(b"PK\x03\x04rest").unwrap_err().to_string();
    assert!(e.contains("zip"), "{e}");
    // A minidump header and nothing else: named as a minidump whichever
    // reader gets it (Unsupported today, the minidump reader's Malformed later).
    let e = read_bytes(b"MDMP\x93\xa7\x00\x00").unwrap_err();
    assert!(!matches!(e, ReadError::Unrecognized(_)), "{e}");
    assert!(e.to_string().contains("minidump"), "{e}");
}

/// Every minidump in the corpus is sent to a minidump reader (or named as a
/// minidump), never reported as garbage; cut short, none panics.
#[test]
fn corpus_minidumps_are_named() {
    let mut files = Vec::new();
    files_under(&corpus().join("minidump"), &mut files);
    let dumps: Vec<_> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "dmp"))
        .collect();
    assert!(dumps.len() >= 7);
    for p in dumps {
        let bytes = std::fs::read(p).unwrap();
        match read_bytes(&bytes) {
            Ok(_) => {}
            Err(ReadError::Unrecognized(m)) => panic!("{}: {m}", p.display()),
            Err(e) => assert!(e.to_string().contains("minidump"), "{}: {e}", p.display()),
        }
        for cut in cut_points(bytes.len()).into_iter().step_by(4) {
            let _ = read_no_panic(&bytes[..cut], &format!("{} cut at {cut}", p.display()));
        }
    }
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut s = seed.max(1);
    (0..len)
        .map(|_| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            (s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

#[test]
fn random_bytes_never_panic() {
    for seed in 1..200u64 {
        let len = (seed as usize * 37) % 5000;
        let bytes = random_bytes(seed, len);
        let _ = read_no_panic(&bytes, &format!("random seed {seed}"));
        // Random printable text too, which passes the binary check.
        let text: Vec<u8> = bytes.iter().map(|b| b' ' + b % 95).collect();
        let _ = read_no_panic(&text, &format!("random text seed {seed}"));
        // And random bytes after a real header line.
        let mut hdr = br#"{"bug_type":"309","app_name":"x"}
"#
        .to_vec();
        hdr.extend(&text);
        let _ = read_no_panic(&hdr, &format!("header + random text seed {seed}"));
    }
}

const HEADER: &str =
    r#"{"app_name":"X","bug_type":"309","os_version":"macOS 12.1 (21C52)","incident_id":"I"}"#;

fn ips(body: &str) -> Vec<u8> {
    format!("{HEADER}\n{body}").into_bytes()
}

#[test]
fn deep_nesting_is_a_clear_error() {
    let deep = "[".repeat(100_000);
    let e = read_bytes(deep.as_bytes()).unwrap_err();
    assert!(matches!(e, ReadError::Malformed { .. }), "{e}");
    assert!(e.to_string().contains("nested too deeply"), "{e}");

    let body = format!(r#"{{"procName":"X","threads":{deep}"#);
    let e = read_bytes(&ips(&body)).unwrap_err().to_string();
    assert!(e.contains("nested too deeply"), "{e}");

    let objects = r#"{"a":"#.repeat(100_000);
    let e = read_bytes(&ips(&objects)).unwrap_err().to_string();
    assert!(e.contains("nested too deeply"), "{e}");

    // As the header line itself.
    let e = read_bytes(format!("{{\"bug_type\":{deep}").as_bytes())
        .unwrap_err()
        .to_string();
    assert!(e.contains("nested too deeply"), "{e}");
}

#[test]
fn wrong_types_skip_the_field_and_say_so() {
    let body = r#"{
  "procName" : "X",
  "pid" : "2415",
  "cpuType" : 64,
  "faultingThread" : -1,
  "exception" : ["EXC_BAD_ACCESS"],
  "termination" : {"code":"eleven","namespace":"SIGNAL"},
  "usedImages" : {"base":1},
  "threads" : [{"frames":"none","threadState":{"flavor":"ARM_THREAD_STATE64","x":[{"value":"0x1"},{"value":2}],"pc":7}}, 5, {"id":3}]
}"#;
    let r = read_bytes(&ips(body)).unwrap();
    assert_eq!(r.process.name.as_deref(), Some("X"));
    assert_eq!(r.process.pid, None);
    assert_eq!(r.crashed_thread, None);
    assert!(r.exception.is_none());
    let term = r.termination.as_ref().unwrap();
    assert_eq!(
        (term.code, term.namespace.as_deref()),
        (None, Some("SIGNAL"))
    );
    assert!(r.images.is_empty());
    // The array element that is not an object is dropped; the rest keep their
    // report numbers.
    assert_eq!(r.threads.len(), 2);
    assert_eq!(r.threads[1].number, 2);
    assert_eq!(r.threads[1].id, Some(3));
    let st = r.threads[0].state.as_ref().unwrap();
    assert_eq!(st.value("x0"), None);
    assert_eq!(st.value("x1"), Some(2));
    let skipped = r.extra("crashlens.read_problems").unwrap();
    for needle in [
        "pid: expected an unsigned integer, found a string",
        "cpuType: expected a string, found an unsigned integer",
        "faultingThread: expected an unsigned integer, found a negative integer",
        "exception: expected an object, found an array",
        "termination.code: expected an unsigned integer, found a string",
        "usedImages: expected an array, found an object",
        "threads[0].frames: expected an array, found a string",
        "threads[0].threadState.x[0].value: expected an unsigned integer, found a string",
        "threads[0].threadState.pc: expected an object, found an unsigned integer",
        "threads[1]: expected an object, found an unsigned integer",
    ] {
        assert!(skipped.contains(needle), "missing {needle:?} in {skipped}");
    }
    // Header facts still fill what the body lacked.
    assert_eq!(r.system.os_version.as_deref(), Some("macOS 12.1"));
    assert_eq!(r.system.os_build.as_deref(), Some("21C52"));
}

#[test]
fn body_of_the_wrong_shape() {
    let e = read_bytes(&ips("[1,2,3]")).unwrap_err().to_string();
    assert!(e.contains("expected a JSON object"), "{e}");
    let e = read_bytes(&ips(r#"{"hello":"world"}"#))
        .unwrap_err()
        .to_string();
    assert!(e.contains("none of the crash fields"), "{e}");
    let e = read_bytes(b"[1, 2, 3]").unwrap_err().to_string();
    assert!(e.contains("JSON array"), "{e}");
    // An unknown bug_type with a JSON body that is not a crash.
    let e = read_bytes(b"{\"bug_type\":\"999\"}\n{\"a\":1}").unwrap_err();
    assert!(
        matches!(&e, ReadError::Unsupported { format, .. } if format.contains("999")),
        "{e}"
    );
}

#[test]
fn huge_numbers() {
    // Beyond u64: serde_json reads it as a float; the field is skipped.
    let r = read_bytes(&ips(
        r#"{"procName":"X","pid":123456789012345678901234567890}"#,
    ))
    .unwrap();
    assert_eq!(r.process.pid, None);
    assert!(r
        .extra("crashlens.read_problems")
        .unwrap()
        .contains("pid: expected an unsigned integer"));
    // Beyond f64: a JSON error that names the number.
    let e = read_bytes(&ips(r#"{"procName":"X","pid":1e400}"#))
        .unwrap_err()
        .to_string();
    assert!(e.contains("number out of range"), "{e}");
    // u64::MAX itself is kept exactly.
    let r = read_bytes(&ips(
        r#"{"procName":"X","usedImages":[{"base":18446744073709551615,"size":1}],"threads":[{"frames":[{"imageIndex":0,"imageOffset":1}]}]}"#,
    ))
    .unwrap();
    assert_eq!(r.images[0].base, u64::MAX);
    assert_eq!(
        r.threads[0].frames[0].address, None,
        "base + offset overflows: no address"
    );
    assert_eq!(r.threads[0].frames[0].image_offset, Some(1));
}

#[test]
fn invalid_utf8() {
    // A stray byte inside a string value: read with a replacement character.
    let mut bytes = ips(r#"{"procName":"X"#);
    bytes.push(0xff);
    bytes.extend(br#"Y","threads":[]}"#);
    let r = read_bytes(&bytes).unwrap();
    assert_eq!(r.process.name.as_deref(), Some("X\u{fffd}Y"));
    // Mostly invalid UTF-8 is binary data.
    let junk: Vec<u8> = (0..400).map(|i| 0x80 | (i % 64) as u8).collect();
    let e = read_bytes(&junk).unwrap_err().to_string();
    assert!(e.contains("binary data"), "{e}");
}

#[test]
fn encodings_and_line_ends() {
    let body = r#"{"procName":"X","threads":[{"triggered":true}],"faultingThread":0}"#;
    // CRLF.
    let crlf = String::from_utf8(ips(body)).unwrap().replace('\n', "\r\n");
    assert_eq!(read_bytes(crlf.as_bytes()).unwrap().crashed_thread, Some(0));
    // UTF-8 BOM.
    let mut bom = vec![0xef, 0xbb, 0xbf];
    bom.extend(ips(body));
    assert_eq!(read_bytes(&bom).unwrap().process.name.as_deref(), Some("X"));
    // UTF-16 LE with BOM.
    let text = String::from_utf8(ips(body)).unwrap();
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    assert_eq!(
        read_bytes(&utf16).unwrap().process.name.as_deref(),
        Some("X")
    );
    // A body without its header line.
    assert_eq!(
        read_bytes(body.as_bytes()).unwrap().process.name.as_deref(),
        Some("X")
    );
}
