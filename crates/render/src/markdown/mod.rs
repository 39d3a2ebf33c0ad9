//! The Markdown renderer: one report, fit to paste into a bug tracker.
//!
//! Sections, in order (each left out when its data is absent): title and
//! summary; System; What happened; Registers of the crashed thread; the
//! crashed thread's stack and who called whom; last exception backtrace; the
//! other threads; concurrency evidence; timeline; verdict and
//! classification; known issues; binary versions; Application Specific
//! Information. Each section lives in its own module and appends to the output.

mod asi;
mod binaries;
mod ext_mods;
mod happened;
mod header;
mod registers;
mod stack;
mod system;
mod threads;
mod timeline;
mod verdict;

use crashlens_model::{Analysis, CrashReport};

/// Renders one report and its analysis as Markdown, ending in a newline.
pub fn render(report: &CrashReport, analysis: &Analysis) -> String {
    let mut out = String::new();
    header::write(report, analysis, &mut out);
    system::write(report, analysis, &mut out);
    happened::write(report, analysis, &mut out);
    registers::write(report, analysis, &mut out);
    stack::write_crashed(report, analysis, &mut out);
    stack::write_last_exception(report, &mut out);
    threads::write_groups(report, analysis, &mut out);
    threads::write_concurrency(analysis, &mut out);
    timeline::write(analysis, &mut out);
    verdict::write(analysis, &mut out);
    verdict::write_known_issues(analysis, &mut out);
    binaries::write(analysis, &mut out);
    asi::write(report, &mut out);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The separator `crashlens analyze` puts between reports.
pub const SEPARATOR: &str = "\n---\n\n";

/// Starts a section.
fn heading(out: &mut String, title: &str) {
    out.push_str("### ");
    out.push_str(title);
    out.push_str("\n\n");
}

/// A fenced code block holding `lines` verbatim; the fence is longer than any
/// run of backticks or tildes inside.
fn fenced<'a>(out: &mut String, lines: impl IntoIterator<Item = &'a str>) {
    let lines: Vec<&str> = lines.into_iter().collect();
    let longest = lines
        .iter()
        .flat_map(|l| l.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    out.push_str(&fence);
    out.push('\n');
    for l in lines {
        out.push_str(l.trim_end_matches(['\r', '\n']));
        out.push('\n');
    }
    out.push_str(&fence);
    out.push_str("\n\n");
}

/// A bullet for a finding: "- **title**: detail".
fn finding_bullet(out: &mut String, f: &crashlens_model::Finding) {
    out.push_str("- ");
    match (f.title.trim().is_empty(), f.detail.trim().is_empty()) {
        (false, false) => {
            out.push_str("**");
            out.push_str(&crate::text::prose(f.title.trim()));
            out.push_str("**: ");
            out.push_str(&crate::text::prose(&crate::text::sentence(&f.detail)));
        }
        (false, true) => out.push_str(&crate::text::prose(&crate::text::sentence(&f.title))),
        (true, _) => out.push_str(&crate::text::prose(&crate::text::sentence(&f.detail))),
    }
    if !f.threads.is_empty() {
        let label = if f.threads.len() == 1 {
            "thread"
        } else {
            "threads"
        };
        out.push_str(&format!(" *({label} {})*", crate::text::ranges(&f.threads)));
    }
    out.push('\n');
}
