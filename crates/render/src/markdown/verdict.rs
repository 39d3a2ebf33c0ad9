//! The verdict table (hypothesis, confidence, for, against, next experiment),
//! the classification line, and the known issues that matched.

use super::heading;
use crate::table::Table;
use crate::text::{self, code, prose_cell};
use crashlens_model::{Analysis, Confidence, Finding};

pub fn write(analysis: &Analysis, out: &mut String) {
    let Some(v) = &analysis.verdict else { return };
    let classification = v.classification.trim();
    if v.hypotheses.is_empty() && classification.is_empty() {
        return;
    }
    heading(out, "Verdict");
    let mut t = Table::new(&[
        "hypothesis",
        "confidence",
        "for",
        "against",
        "next experiment",
    ]);
    for h in &v.hypotheses {
        let mut title = prose_cell(if h.title.trim().is_empty() {
            &h.id
        } else {
            &h.title
        });
        if let Some(r) = h
            .experiment_result
            .as_deref()
            .filter(|r| !r.trim().is_empty())
        {
            title.push_str(&format!(" (experiment result: {})", prose_cell(r)));
        }
        t.row_raw(vec![
            title,
            format!("**{}**", confidence(h.confidence)),
            evidence(&h.evidence_for),
            evidence(&h.evidence_against),
            experiments(&h.next_experiments),
        ]);
    }
    t.write(out);
    if !classification.is_empty() {
        out.push_str(&format!(
            "**Classification:** {}\n\n",
            text::prose(&text::sentence(classification))
        ));
    }
}

/// Experiments as one cell, numbered when there are several so each can be
/// told apart in a long cell.
fn experiments(list: &[String]) -> String {
    let items: Vec<String> = list
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
        .map(prose_cell)
        .collect();
    if items.len() < 2 {
        return items.join("");
    }
    items
        .iter()
        .enumerate()
        .map(|(i, e)| format!("({}) {e}", i + 1))
        .collect::<Vec<_>>()
        .join("; ")
}

fn confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::Low => "low",
        Confidence::Medium => "medium",
        Confidence::High => "high",
    }
}

/// A hypothesis's evidence as one cell: each finding's title (or its detail
/// when it has no title), separated by semicolons.
fn evidence(fs: &[Finding]) -> String {
    fs.iter()
        .map(|f| {
            if f.title.trim().is_empty() {
                f.detail.trim()
            } else {
                f.title.trim()
            }
        })
        .filter(|s| !s.is_empty())
        .map(prose_cell)
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn write_known_issues(analysis: &Analysis, out: &mut String) {
    if analysis.known_issues.is_empty() {
        return;
    }
    heading(out, "Known issues that match");
    for k in &analysis.known_issues {
        out.push_str("- **");
        out.push_str(&text::prose(if k.title.trim().is_empty() {
            &k.id
        } else {
            k.title.trim()
        }));
        out.push_str("**");
        if !k.id.is_empty() {
            out.push_str(&format!(" ({})", code(&k.id)));
        }
        if !k.links.is_empty() {
            out.push_str(": ");
            out.push_str(&k.links.join(", "));
        }
        out.push('\n');
        if !k.matched_on.is_empty() {
            let on: Vec<String> = k.matched_on.iter().map(|m| text::prose(m)).collect();
            out.push_str(&format!("  - Matched on: {}\n", on.join("; ")));
        }
        if let Some(w) = k.workaround.as_deref().filter(|w| !w.trim().is_empty()) {
            out.push_str(&format!(
                "  - Workaround while unfixed: {}\n",
                text::prose(&text::sentence(w))
            ));
        }
    }
    out.push('\n');
}
