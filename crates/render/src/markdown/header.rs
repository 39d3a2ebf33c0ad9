//! The title line and the summary paragraph.

use crashlens_model::{Analysis, CrashReport};

pub fn write(report: &CrashReport, analysis: &Analysis, out: &mut String) {
    let title = analysis.headline.title.trim();
    out.push_str("## ");
    if title.is_empty() {
        out.push_str(&fallback_title(report));
    } else {
        out.push_str(&crate::text::prose(title));
    }
    out.push_str("\n\n");
    let summary: Vec<&str> = analysis
        .headline
        .summary
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if !summary.is_empty() {
        let sentences: Vec<String> = summary
            .iter()
            .map(|s| crate::text::prose(&crate::text::sentence(s)))
            .collect();
        out.push_str(&sentences.join(" "));
        out.push_str("\n\n");
    }
}

/// A title from the report's own facts, used when the analysis has none:
/// "Python [81920]: EXC_BAD_ACCESS (SIGSEGV)".
fn fallback_title(report: &CrashReport) -> String {
    let p = &report.process;
    let mut t = p
        .name
        .clone()
        .unwrap_or_else(|| "Unknown process".to_string());
    if let Some(pid) = p.pid {
        t.push_str(&format!(" [{pid}]"));
    }
    if let Some(e) = &report.exception {
        match (&e.kind, &e.signal) {
            (Some(k), Some(s)) if k != s => t.push_str(&format!(": {k} ({s})")),
            (Some(k), _) => t.push_str(&format!(": {k}")),
            (None, Some(s)) => t.push_str(&format!(": {s}")),
            (None, None) => {}
        }
    }
    t
}
