//! The timeline: the events the timeline pass put in order.

use super::heading;
use crate::table::Table;
use crate::text::{self, prose_cell};
use crashlens_model::Analysis;

pub fn write(analysis: &Analysis, out: &mut String) {
    let Some(tl) = &analysis.timeline else { return };
    if tl.events.is_empty() {
        return;
    }
    heading(out, "Timeline");
    let any_threads = tl.events.iter().any(|e| !e.threads.is_empty());
    let mut t = if any_threads {
        Table::new(&["when", "what", "threads"])
    } else {
        Table::new(&["when", "what"])
    };
    for e in &tl.events {
        let mut row = vec![prose_cell(&e.at), prose_cell(&e.what)];
        if any_threads {
            row.push(text::ranges(&e.threads));
        }
        t.row_raw(row);
    }
    t.write(out);
}
