//! Application Specific Information, verbatim, with the image that wrote it.

use super::{fenced, heading};
use crate::text::code;
use crashlens_model::CrashReport;

pub fn write(report: &CrashReport, out: &mut String) {
    let groups: Vec<_> = report
        .app_specific
        .iter()
        .filter(|a| a.lines.iter().any(|l| !l.trim().is_empty()))
        .collect();
    if groups.is_empty() {
        return;
    }
    heading(out, "Application Specific Information");
    for g in groups {
        if let Some(img) = g.image.as_deref().filter(|i| !i.is_empty()) {
            out.push_str(&format!("From {}:\n\n", code(img)));
        }
        fenced(out, g.lines.iter().map(String::as_str));
    }
}
