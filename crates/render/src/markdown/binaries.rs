//! Binary versions: the images the analysis lists (those on the crashed stack,
//! the main binary, the GPU driver...), with version, UUID and path.

use super::heading;
use crate::table::Table;
use crate::text::{cell, code};
use crashlens_model::Analysis;

pub fn write(analysis: &Analysis, out: &mut String) {
    if analysis.binaries.is_empty() {
        return;
    }
    heading(out, "Binary versions");
    let mut t = Table::new(&["image", "version", "UUID", "path"]);
    for b in &analysis.binaries {
        let version = match (&b.version, &b.build) {
            (Some(v), Some(bl)) if v != bl => format!("{} ({})", cell(v), cell(bl)),
            (Some(v), _) => cell(v),
            (None, Some(bl)) => format!("build {}", cell(bl)),
            (None, None) => String::new(),
        };
        t.row_raw(vec![
            cell(&b.name),
            version,
            b.uuid.as_deref().map(code).unwrap_or_default(),
            b.path.as_deref().map(code).unwrap_or_default(),
        ]);
    }
    t.write(out);
}
