//! A Markdown table builder that never prints an empty table and escapes
//! every cell it is given as plain text (use [`Table::row_raw`] for cells that
//! already hold Markdown, such as code spans built with `text::code`).

use crate::text;

pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headings (given as Markdown).
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// A two-column key/value table with an empty heading row, as the example
    /// report's System and What happened sections use.
    pub fn key_value() -> Self {
        Table::new(&["", ""])
    }

    /// Adds a row whose cells are already Markdown-safe.
    pub fn row_raw(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// A key/value row: the key is plain text, the value is Markdown; rows
    /// with an empty value are skipped.
    pub fn kv(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        if !value.trim().is_empty() {
            self.rows.push(vec![text::cell(key), value]);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Writes the table, or nothing when it has no rows.
    pub fn write(&self, out: &mut String) {
        if self.rows.is_empty() {
            return;
        }
        let cols = self.header.len();
        out.push('|');
        for h in &self.header {
            out.push(' ');
            out.push_str(h);
            out.push_str(" |");
        }
        out.push('\n');
        out.push('|');
        for _ in 0..cols {
            out.push_str("---|");
        }
        out.push('\n');
        for row in &self.rows {
            out.push('|');
            for i in 0..cols {
                let c = row.get(i).map(String::as_str).unwrap_or("");
                out.push(' ');
                out.push_str(if c.is_empty() { "–" } else { c });
                out.push_str(" |");
            }
            out.push('\n');
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tables_print_nothing() {
        let mut t = Table::key_value();
        t.kv("Process", "");
        let mut s = String::new();
        t.write(&mut s);
        assert_eq!(s, "");
    }

    #[test]
    fn rows_and_missing_cells() {
        let mut t = Table::new(&["a", "b"]);
        t.row_raw(vec!["1".into()]);
        let mut s = String::new();
        t.write(&mut s);
        assert_eq!(s, "| a | b |\n|---|---|\n| 1 | – |\n\n");
    }
}
