//! The JSON renderer: one document per report,
//! `{"schema_version", "crashlens_version", "report", "analysis"}`.
//!
//! `report` and `analysis` are the model's own serde output, so addresses are
//! `"0x…"` hex strings and absent fields are left out. `docs/json-schema.md`
//! documents every field; bump [`SCHEMA_VERSION`] when a field changes meaning
//! or disappears (adding fields does not bump it).

use crashlens_model::{Analysis, CrashReport};
use serde_json::{json, Value};

/// The version of the JSON layout described in `docs/json-schema.md`.
pub const SCHEMA_VERSION: u32 = 1;

/// The crashlens version that wrote the document.
pub const CRASHLENS_VERSION: &str = env!("CARGO_PKG_VERSION");

/// One report and its analysis as a JSON value.
pub fn render(report: &CrashReport, analysis: &Analysis) -> Value {
    // The model's types serialize to plain maps with string keys, so these
    // conversions cannot fail; fall back to null rather than panic.
    let report = serde_json::to_value(report).unwrap_or(Value::Null);
    let analysis = serde_json::to_value(analysis).unwrap_or(Value::Null);
    json!({
        "schema_version": SCHEMA_VERSION,
        "crashlens_version": CRASHLENS_VERSION,
        "report": report,
        "analysis": analysis,
    })
}

/// [`render`], pretty-printed, ending in a newline.
pub fn render_string(report: &CrashReport, analysis: &Analysis) -> String {
    to_pretty(&render(report, analysis))
}

/// Several reports as one JSON array (what `crashlens analyze` prints for more
/// than one input), pretty-printed, ending in a newline.
pub fn render_many<'a>(items: impl IntoIterator<Item = (&'a CrashReport, &'a Analysis)>) -> String {
    let docs: Vec<Value> = items.into_iter().map(|(r, a)| render(r, a)).collect();
    to_pretty(&Value::Array(docs))
}

/// Pretty-prints a value with a trailing newline.
pub fn to_pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".to_string());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crashlens_model::{FaultAnalysis, Headline, Process};

    #[test]
    fn envelope_and_hex_addresses() {
        let report = CrashReport {
            process: Process {
                name: Some("Python".into()),
                pid: Some(81920),
                ..Default::default()
            },
            ..Default::default()
        };
        let analysis = Analysis {
            headline: Headline {
                title: "t".into(),
                summary: vec![],
            },
            fault: Some(FaultAnalysis {
                address: Some(0x5c8),
                null_offset: Some(0x5c8),
                ..Default::default()
            }),
            ..Default::default()
        };
        let v = render(&report, &analysis);
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["crashlens_version"], CRASHLENS_VERSION);
        assert_eq!(v["report"]["process"]["pid"], 81920);
        assert_eq!(v["analysis"]["fault"]["address"], "0x00000000000005c8");
        let s = render_string(&report, &analysis);
        assert!(s.ends_with("}\n"));
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
        let many = render_many([(&report, &analysis), (&report, &analysis)]);
        let arr: Value = serde_json::from_str(&many).unwrap();
        assert_eq!(arr.as_array().map(Vec::len), Some(2));
    }
}
