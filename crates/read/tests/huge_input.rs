//! A 1 GiB file is refused up front with a clear error, without reading it.

use crashlens_read::{read_file, ReadError, MAX_REPORT_BYTES};

#[test]
fn a_one_gib_file_is_refused_before_reading() {
    let dir = std::env::temp_dir().join(format!("crashlens-huge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("huge.ips");
    // A sparse file: 1 GiB long, no disk blocks used.
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(1 << 30).unwrap();
    drop(f);
    let err = read_file(&path).unwrap_err();
    std::fs::remove_dir_all(&dir).ok();
    match &err {
        ReadError::TooLarge { size, limit } => {
            assert_eq!(*size, 1 << 30);
            assert_eq!(*limit, MAX_REPORT_BYTES);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("1073741824") && msg.contains("limit"), "{msg}");
}

#[test]
fn oversized_bytes_are_refused_too() {
    let bytes = vec![b' '; (MAX_REPORT_BYTES + 1) as usize];
    assert!(matches!(
        crashlens_read::read_bytes(&bytes),
        Err(ReadError::TooLarge { .. })
    ));
}
