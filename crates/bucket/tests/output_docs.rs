//! Every key that `group`'s JSON, NDJSON and `--explain` JSON write for the
//! whole Apple corpus is named in docs/group-output.md, and every CSV column
//! the header names.

use crashlens_bucket::output::{write_event, write_explanation, write_outcome, Format};
use crashlens_bucket::{group, Engine, Event, Options};
use std::collections::BTreeSet;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/apple");
const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/group-output.md");

fn keys(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                out.insert(k.clone());
                keys(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

#[test]
fn every_key_written_is_documented() {
    let doc = std::fs::read_to_string(DOC).expect("docs/group-output.md");
    let mut found = BTreeSet::new();

    // JSON and NDJSON of the whole corpus (hypotheses included).
    let mut ndjson = Vec::new();
    let outcome = group(&[CORPUS.into()], &Options::default(), &mut |e: Event| {
        write_event(&mut ndjson, &e).unwrap();
    })
    .unwrap();
    let mut json = Vec::new();
    write_outcome(&mut json, &outcome, Format::Json).unwrap();
    keys(&serde_json::from_slice(&json).unwrap(), &mut found);
    let ndjson = String::from_utf8(ndjson).unwrap();
    assert!(ndjson.lines().count() > 50);
    for line in ndjson.lines() {
        keys(&serde_json::from_str(line).unwrap(), &mut found);
    }

    // The explanation of every report.
    let (files, _) = crashlens_bucket::walk::walk(&[CORPUS.into()]);
    for f in &files {
        let Ok(report) = crashlens_read::read_file(f) else {
            continue;
        };
        let x = Engine::default().explain(&report);
        let mut out = Vec::new();
        write_explanation(&mut out, &f.display().to_string(), &x, Format::Json).unwrap();
        keys(&serde_json::from_slice(&out).unwrap(), &mut found);
    }
    // Keys every part must have shown, so the walk above really covered them.
    for k in [
        "hypothesis",
        "note",
        "reason",
        "not_grouped",
        "gpu_drivers",
        "why",
    ] {
        assert!(found.contains(k), "{k} never written");
    }
    let missing: Vec<&String> = found
        .iter()
        .filter(|k| !doc.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "not in docs/group-output.md: {missing:?}"
    );

    // The CSV header, column by column.
    let mut csv = Vec::new();
    write_outcome(&mut csv, &outcome, Format::Csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        doc.contains(header),
        "the CSV header is not in the doc: {header}"
    );
}
