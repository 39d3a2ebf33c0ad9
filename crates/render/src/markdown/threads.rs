//! The other threads (groups of threads with the same stack: which threads,
//! their state, where they are) and the concurrency evidence.

use super::{finding_bullet, heading};
use crate::table::Table;
use crate::text::{self, code, prose_cell};
use crashlens_model::{Analysis, CrashReport, ThreadGroup};

/// Frames of a group's stack shown in its "where" cell.
const WHERE_FRAMES: usize = 3;

pub fn write_groups(report: &CrashReport, analysis: &Analysis, out: &mut String) {
    let crashed = report
        .crashed_thread
        .or_else(|| report.crashed().map(|t| t.number));
    let groups: Vec<&ThreadGroup> = analysis
        .thread_groups
        .iter()
        .filter(|g| !g.threads.is_empty())
        // The crashed thread has its own section.
        .filter(|g| !(g.threads.len() == 1 && Some(g.threads[0]) == crashed))
        .collect();
    if groups.is_empty() {
        return;
    }
    heading(out, "The other threads");
    let mut t = Table::new(&["threads", "state", "where"]);
    for g in groups {
        t.row_raw(vec![threads_cell(g), state_cell(g), where_cell(g)]);
    }
    t.write(out);
}

fn threads_cell(g: &ThreadGroup) -> String {
    let mut s = text::ranges(&g.threads);
    let mut extra: Vec<String> = Vec::new();
    let count = if g.threads.len() > 1 {
        text::plural(g.threads.len(), "thread", "threads")
    } else {
        String::new()
    };
    match g.names.len() {
        0 => {}
        1..=3 => extra.push(
            g.names
                .iter()
                .map(|n| code(n))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        n => {
            let first = g.names.first().map(|f| code(f)).unwrap_or_default();
            let last = g.names.last().map(|l| code(l)).unwrap_or_default();
            if n == g.threads.len() {
                extra.push(format!("{first} … {last}"));
            } else {
                extra.push(format!("{first} … {last}, {n} names"));
            }
        }
    }
    match g.queues.len() {
        0 => {}
        1 => extra.push(format!(
            "queue {}",
            g.queues.iter().map(|q| code(q)).collect::<String>()
        )),
        n => extra.push(format!("{n} queues")),
    }
    match (count.is_empty(), extra.is_empty()) {
        (true, true) => {}
        (false, true) => s.push_str(&format!(" ({count})")),
        (true, false) => s.push_str(&format!(" ({})", extra.join("; "))),
        (false, false) => s.push_str(&format!(" ({count}: {})", extra.join("; "))),
    }
    s
}

fn state_cell(g: &ThreadGroup) -> String {
    let label = if g.state_label.trim().is_empty() {
        g.state.as_str()
    } else {
        g.state_label.as_str()
    };
    if label.trim().is_empty() {
        return String::new();
    }
    format!("**{}**", prose_cell(label))
}

fn where_cell(g: &ThreadGroup) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(c) = g.context.as_deref().filter(|c| !c.trim().is_empty()) {
        parts.push(if text::looks_like_symbol(c) {
            code(c)
        } else {
            prose_cell(c)
        });
    }
    if !g.top_frames.is_empty() {
        // Callers first, so the cell reads as a call path.
        let mut frames: Vec<String> = g
            .top_frames
            .iter()
            .take(WHERE_FRAMES)
            .map(|f| code(&text::short_symbol(f)))
            .collect();
        frames.reverse();
        let more = if g.top_frames.len() > WHERE_FRAMES {
            "… → "
        } else {
            ""
        };
        parts.push(format!("{more}{}", frames.join(" → ")));
    }
    parts.join(": ")
}

pub fn write_concurrency(analysis: &Analysis, out: &mut String) {
    if analysis.concurrency.is_empty() {
        return;
    }
    heading(out, "Concurrency evidence");
    for f in &analysis.concurrency {
        finding_bullet(out, f);
    }
    out.push('\n');
}
