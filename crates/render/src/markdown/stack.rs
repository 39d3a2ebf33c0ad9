//! The crashed thread's stack (frame, image, symbol, offset, owner), the
//! "who called whom" owner runs, and the last exception backtrace.
//!
//! Long stacks stay readable: runs of one repeated frame (deep recursion)
//! fold into one row, and past [`MAX_ROWS`] rows only the innermost and
//! outermost frames are shown.

use super::heading;
use crate::table::Table;
use crate::text::{self, code, prose_cell};
use crashlens_model::{hex, Analysis, CrashReport, Frame, FrameView, OwnerRun, StackAnalysis};

/// The most rows a stack table prints before it elides the middle.
pub const MAX_ROWS: usize = 60;
/// Rows kept from the outer end when the middle is elided.
const TAIL_ROWS: usize = 8;
/// A frame repeated at least this many times in a row is folded.
const FOLD_MIN: usize = 4;

/// One row of a stack table, whatever it was built from.
struct Row {
    index: u32,
    image: String,
    symbol: String,
    offset: String,
    owner: String,
}

pub fn write_crashed(report: &CrashReport, analysis: &Analysis, out: &mut String) {
    if let Some(sa) = &analysis.crashed_stack {
        if sa.frames.is_empty() && sa.owner_runs.is_empty() {
            return;
        }
        heading(
            out,
            &stack_title(
                report,
                sa.thread,
                sa.thread_name.as_deref(),
                sa.queue.as_deref(),
            ),
        );
        let rows: Vec<Row> = sa.frames.iter().map(|f| view_row(f, sa)).collect();
        write_rows(out, &rows, true);
        if let Some(b) = sa.blamed_frame {
            if b != 0 {
                if let Some(f) = sa.frames.iter().find(|f| f.index == b) {
                    out.push_str(&format!(
                        "The first frame that is not abort, assert or exception machinery is frame **{b}**, {} in {}.\n\n",
                        code(&text::short_symbol(&f.symbol)),
                        code(&f.image)
                    ));
                }
            }
        }
        write_runs(out, sa);
    } else if let Some(t) = report.crashed() {
        if t.frames.is_empty() {
            return;
        }
        heading(
            out,
            &stack_title(report, t.number, t.name.as_deref(), t.queue.as_deref()),
        );
        let rows: Vec<Row> = t.frames.iter().map(|f| frame_row(report, f)).collect();
        write_rows(out, &rows, false);
    }
}

pub fn write_last_exception(report: &CrashReport, out: &mut String) {
    if report.last_exception_backtrace.is_empty() {
        return;
    }
    heading(out, "Last exception backtrace");
    out.push_str("Where the uncaught language exception was thrown, innermost first:\n\n");
    let rows: Vec<Row> = report
        .last_exception_backtrace
        .iter()
        .map(|f| frame_row(report, f))
        .collect();
    write_rows(out, &rows, false);
}

fn stack_title(
    report: &CrashReport,
    number: u32,
    name: Option<&str>,
    queue: Option<&str>,
) -> String {
    let crashed = report
        .crashed_thread
        .or_else(|| report.crashed().map(|t| t.number));
    let mut s = if crashed == Some(number) {
        format!("Crashed thread {number}")
    } else {
        format!("Thread {number}")
    };
    if let Some(n) = name.filter(|n| !n.trim().is_empty()) {
        s.push_str(&format!(" {}", code(n)));
    }
    if let Some(q) = queue.filter(|q| !q.trim().is_empty()) {
        s.push_str(&format!(", queue {}", code(q)));
    }
    s
}

fn view_row(f: &FrameView, sa: &StackAnalysis) -> Row {
    let mut symbol = code(&text::readable_symbol(&f.symbol));
    if let Some(loc) = f.location.as_deref().filter(|l| !l.is_empty()) {
        symbol.push_str(&format!(" ({})", code(loc)));
    }
    let mut owner = text::owner(f.owner.label(), f.owner_detail.as_deref());
    if let Some(why) = f.skipped.as_deref().filter(|w| !w.is_empty()) {
        owner.push_str(&format!("; passed over: {}", prose_cell(why)));
    }
    let index = f.index;
    Row {
        index,
        image: code(&f.image),
        symbol,
        offset: offset_cell(&f.symbol, f.offset),
        owner: if sa.blamed_frame == Some(index) {
            format!("**{owner}** ◀ blamed")
        } else {
            owner
        },
    }
}

/// The offset column: empty when the symbol is already `image + 0xoffset`.
fn offset_cell(symbol: &str, offset: Option<u64>) -> String {
    match offset {
        Some(o) if symbol.ends_with(&format!("+ {o:#x}")) => String::new(),
        Some(o) => format!("+ {o}"),
        None => String::new(),
    }
}

/// A row from a report frame, for stacks the analysis did not cover.
fn frame_row(report: &CrashReport, f: &Frame) -> Row {
    let image = f
        .image
        .clone()
        .or_else(|| report.image_of(f).map(|i| i.display_name().to_string()))
        .unwrap_or_else(|| "???".to_string());
    let symbol = match (&f.symbol, f.image_offset, f.address) {
        (Some(s), _, _) => text::readable_symbol(s),
        (None, Some(off), _) => format!("{image} + {}", hex::short(off)),
        (None, None, Some(a)) => hex::short(a),
        (None, None, None) => "???".to_string(),
    };
    let mut symbol = code(&symbol);
    if let Some(file) = &f.file {
        let loc = match f.line {
            Some(l) => format!("{file}:{l}"),
            None => file.clone(),
        };
        symbol.push_str(&format!(" ({})", code(&loc)));
    }
    if f.inlined {
        symbol.push_str(" [inlined]");
    }
    Row {
        index: f.index,
        image: code(&image),
        symbol,
        offset: f
            .symbol_offset
            .map(|o| format!("+ {o}"))
            .unwrap_or_default(),
        owner: String::new(),
    }
}

/// Folds repeated frames, elides the middle of very long stacks, and writes the table.
fn write_rows(out: &mut String, rows: &[Row], with_owner: bool) {
    let header: &[&str] = if with_owner {
        &["frame", "image", "symbol", "offset", "owner"]
    } else {
        &["frame", "image", "symbol", "offset"]
    };
    // Fold runs of the same image and symbol.
    let mut folded: Vec<Vec<String>> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let mut j = i + 1;
        while j < rows.len() && rows[j].image == rows[i].image && rows[j].symbol == rows[i].symbol {
            j += 1;
        }
        let r = &rows[i];
        let run = j - i;
        if run >= FOLD_MIN {
            let last = &rows[j - 1];
            let mut cells = vec![
                format!("{}–{}", r.index, last.index),
                r.image.clone(),
                format!("{} (the same frame {run} times)", r.symbol),
                // One offset when every repeat has the same one (plain recursion).
                if rows[i..j].iter().all(|x| x.offset == r.offset) {
                    r.offset.clone()
                } else {
                    String::new()
                },
            ];
            if with_owner {
                cells.push(r.owner.clone());
            }
            folded.push(cells);
            i = j;
        } else {
            let mut cells = vec![
                r.index.to_string(),
                r.image.clone(),
                r.symbol.clone(),
                r.offset.clone(),
            ];
            if with_owner {
                cells.push(r.owner.clone());
            }
            folded.push(cells);
            i += 1;
        }
    }
    let mut t = Table::new(header);
    if folded.len() > MAX_ROWS {
        let head = MAX_ROWS - TAIL_ROWS;
        let hidden = folded.len() - head - TAIL_ROWS;
        let mut rest = folded.split_off(head);
        let tail = rest.split_off(hidden);
        for r in folded {
            t.row_raw(r);
        }
        t.row_raw(vec![
            "…".into(),
            String::new(),
            format!("*{hidden} rows not shown*"),
        ]);
        for r in tail {
            t.row_raw(r);
        }
    } else {
        for r in folded {
            t.row_raw(r);
        }
    }
    t.write(out);
}

/// The "who called whom" table: runs of consecutive frames with one owner.
fn write_runs(out: &mut String, sa: &StackAnalysis) {
    if sa.owner_runs.len() < 2 {
        return;
    }
    out.push_str("Who called whom (innermost first):\n\n");
    let mut t = Table::new(&["frames", "owner", "images", "from → to"]);
    for run in &sa.owner_runs {
        t.row_raw(run_row(run, sa));
    }
    t.write(out);
}

fn run_row(run: &OwnerRun, sa: &StackAnalysis) -> Vec<String> {
    let frames = if run.first == run.last {
        run.first.to_string()
    } else {
        format!("{}–{}", run.first, run.last)
    };
    let owner = text::owner(run.owner.label(), run.detail.as_deref());
    let images: Vec<String> = run.images.iter().map(|i| code(i)).collect();
    let sym = |idx: u32| {
        sa.frames
            .iter()
            .find(|f| f.index == idx)
            .map(|f| code(&text::short_symbol(&f.symbol)))
    };
    // Callers first: the outermost frame of the run, then the innermost.
    let path = match (sym(run.last), sym(run.first)) {
        (Some(outer), Some(inner)) if run.first != run.last && outer != inner => {
            if run.last.saturating_sub(run.first) == 1 {
                format!("{outer} → {inner}")
            } else {
                format!("{outer} → … → {inner}")
            }
        }
        (_, Some(inner)) => inner,
        (Some(outer), None) => outer,
        (None, None) => String::new(),
    };
    vec![frames, owner, images.join(", "), path]
}
