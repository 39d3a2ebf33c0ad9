//! Output: the buckets as a terminal table, Markdown, JSON (an object with a
//! `buckets` array, largest first), CSV (one row per bucket) or NDJSON (one
//! line per report with its signature and bucket), and the `--explain` view.

use crate::signature::{Decision, Explanation};
use crate::{Bucket, Event, Outcome};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Md,
    Json,
    Csv,
    Ndjson,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "table" => Format::Table,
            "md" | "markdown" => Format::Md,
            "json" => Format::Json,
            "csv" => Format::Csv,
            "ndjson" => Format::Ndjson,
            _ => return None,
        })
    }
}

/// Writes the whole outcome (NDJSON is written per event: see [`write_event`]).
pub fn write_outcome(w: &mut dyn Write, o: &Outcome, format: Format) -> io::Result<()> {
    match format {
        Format::Table => table(w, o),
        Format::Md => markdown(w, o),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, o).map_err(io::Error::other)?;
            writeln!(w)
        }
        Format::Csv => csv(w, o),
        Format::Ndjson => Ok(()),
    }
}

#[derive(Serialize)]
struct NotGroupedLine<'a> {
    path: &'a str,
    bucket: Option<&'a str>,
    not_grouped: &'a str,
}

/// One NDJSON line for a report (or a file that was not grouped); nothing
/// for progress.
pub fn write_event(w: &mut dyn Write, e: &Event) -> io::Result<()> {
    match e {
        Event::Progress(_) => return Ok(()),
        Event::Report(s) => serde_json::to_writer(&mut *w, s).map_err(io::Error::other)?,
        Event::NotGrouped(n) => serde_json::to_writer(
            &mut *w,
            &NotGroupedLine {
                path: &n.path,
                bucket: None,
                not_grouped: &n.reason,
            },
        )
        .map_err(io::Error::other)?,
    }
    writeln!(w)
}

fn headline(o: &Outcome) -> String {
    let t = &o.totals;
    let mut s = format!(
        "{} report{} in {} bucket{}",
        t.reports,
        plural(t.reports as usize),
        t.buckets,
        plural(t.buckets)
    );
    s.push_str(&format!(" ({} file{}", t.files, plural(t.files)));
    if t.from_db > 0 {
        s.push_str(&format!(
            ", {} read now, {} from the database",
            t.read_now, t.from_db
        ));
    }
    if t.duplicates > 0 {
        s.push_str(&format!(
            ", {} duplicate{}",
            t.duplicates,
            plural(t.duplicates as usize)
        ));
    }
    s.push(')');
    if t.not_grouped > 0 {
        s.push_str(&format!("; {} not grouped", t.not_grouped));
    }
    s
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The lines of a bucket's spreads, as (label, text), skipping empty ones.
fn spreads(b: &Bucket) -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    for (label, s) in [
        ("processes", &b.processes),
        ("OS versions", &b.os_versions),
        ("hardware models", &b.hardware_models),
        ("app versions", &b.app_versions),
        ("GPU drivers", &b.gpu_drivers),
        ("crashed threads", &b.thread_names),
    ] {
        if !s.is_empty() {
            v.push((label, s.describe()));
        }
    }
    v
}

fn table(w: &mut dyn Write, o: &Outcome) -> io::Result<()> {
    writeln!(w, "crashlens group: {}", headline(o))?;
    if !o.buckets.is_empty() {
        writeln!(w)?;
        let tw = o
            .buckets
            .iter()
            .flat_map(|b| [b.first_seen.as_deref(), b.last_seen.as_deref()])
            .map(|t| t.unwrap_or("-").chars().count())
            .max()
            .unwrap_or(1)
            .clamp(10, 32);
        writeln!(
            w,
            "{:>4}  {:>6}  {:<tw$}  {:<tw$}  SIGNATURE",
            "#", "COUNT", "FIRST SEEN", "LAST SEEN"
        )?;
        for (i, b) in o.buckets.iter().enumerate() {
            writeln!(
                w,
                "{:>4}  {:>6}  {:<tw$}  {:<tw$}  {}",
                i + 1,
                b.count,
                short(b.first_seen.as_deref().unwrap_or("-"), tw),
                short(b.last_seen.as_deref().unwrap_or("-"), tw),
                short(&b.signature, 100)
            )?;
        }
        for (i, b) in o.buckets.iter().enumerate() {
            writeln!(w)?;
            writeln!(
                w,
                "#{} [{}] {} report{}",
                i + 1,
                b.id,
                b.count,
                plural(b.count as usize)
            )?;
            writeln!(w, "    signature: {}", b.signature)?;
            for (label, text) in spreads(b) {
                writeln!(w, "    {label}: {text}")?;
            }
            writeln!(w, "    example: {}", b.example)?;
            if let Some(h) = &b.hypothesis {
                writeln!(w, "    leading hypothesis: {h}")?;
            }
        }
    }
    if !o.possibly_the_same.is_empty() {
        writeln!(w)?;
        writeln!(w, "Possibly the same:")?;
        for p in &o.possibly_the_same {
            writeln!(
                w,
                "    #{} and #{} ({:.2}): {}",
                p.rank_a, p.rank_b, p.similarity, p.why
            )?;
        }
    }
    not_grouped_list(w, o, "Not grouped", "    ")
}

fn not_grouped_list(w: &mut dyn Write, o: &Outcome, title: &str, indent: &str) -> io::Result<()> {
    if o.not_grouped.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "{title} ({}):", o.not_grouped.len())?;
    for n in &o.not_grouped {
        writeln!(w, "{indent}{}: {}", n.path, n.reason)?;
    }
    Ok(())
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn markdown(w: &mut dyn Write, o: &Outcome) -> io::Result<()> {
    writeln!(w, "# Crash buckets")?;
    writeln!(w)?;
    writeln!(w, "{}.", headline(o))?;
    if !o.buckets.is_empty() {
        writeln!(w)?;
        writeln!(w, "| # | Count | First seen | Last seen | Signature |")?;
        writeln!(w, "|---:|---:|---|---|---|")?;
        for (i, b) in o.buckets.iter().enumerate() {
            writeln!(
                w,
                "| {} | {} | {} | {} | `{}` |",
                i + 1,
                b.count,
                md_cell(b.first_seen.as_deref().unwrap_or("")),
                md_cell(b.last_seen.as_deref().unwrap_or("")),
                md_cell(&b.signature).replace('`', "'")
            )?;
        }
        for (i, b) in o.buckets.iter().enumerate() {
            writeln!(w)?;
            writeln!(
                w,
                "## {}. {} ({} report{})",
                i + 1,
                b.exception,
                b.count,
                plural(b.count as usize)
            )?;
            writeln!(w)?;
            writeln!(w, "- Signature: `{}`", b.signature.replace('`', "'"))?;
            writeln!(w, "- Bucket: `{}`", b.id)?;
            if let (Some(f), Some(l)) = (&b.first_seen, &b.last_seen) {
                writeln!(w, "- Seen: {f} to {l}")?;
            }
            for (label, text) in spreads(b) {
                let mut label = label.to_string();
                if let Some(first) = label.get(..1) {
                    label = first.to_uppercase() + label.get(1..).unwrap_or("");
                }
                writeln!(w, "- {label}: {text}")?;
            }
            writeln!(w, "- Example: `{}`", b.example)?;
            if let Some(h) = &b.hypothesis {
                writeln!(w, "- Leading hypothesis: {h}")?;
            }
        }
    }
    if !o.possibly_the_same.is_empty() {
        writeln!(w)?;
        writeln!(w, "## Possibly the same")?;
        writeln!(w)?;
        for p in &o.possibly_the_same {
            writeln!(
                w,
                "- #{} and #{} (similarity {:.2}): {}",
                p.rank_a, p.rank_b, p.similarity, p.why
            )?;
        }
    }
    if !o.not_grouped.is_empty() {
        writeln!(w)?;
        writeln!(w, "## Not grouped ({})", o.not_grouped.len())?;
        writeln!(w)?;
        for n in &o.not_grouped {
            writeln!(w, "- `{}`: {}", n.path, n.reason)?;
        }
    }
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv(w: &mut dyn Write, o: &Outcome) -> io::Result<()> {
    writeln!(
        w,
        "rank,bucket,count,first_seen,last_seen,signature,exception,processes,os_versions,hardware_models,app_versions,gpu_drivers,thread_names,example,hypothesis"
    )?;
    for (i, b) in o.buckets.iter().enumerate() {
        let fields = [
            (i + 1).to_string(),
            b.id.clone(),
            b.count.to_string(),
            b.first_seen.clone().unwrap_or_default(),
            b.last_seen.clone().unwrap_or_default(),
            b.signature.clone(),
            b.exception.clone(),
            b.processes.describe(),
            b.os_versions.describe(),
            b.hardware_models.describe(),
            b.app_versions.describe(),
            b.gpu_drivers.describe(),
            b.thread_names.describe(),
            b.example.clone(),
            b.hypothesis.clone().unwrap_or_default(),
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(w, "{}", row.join(","))?;
    }
    Ok(())
}

/// The `--explain` view: every frame, whether it counted and why.
pub fn write_explanation(
    w: &mut dyn Write,
    path: &str,
    x: &Explanation,
    format: Format,
) -> io::Result<()> {
    if format == Format::Json || format == Format::Ndjson {
        serde_json::to_writer_pretty(&mut *w, x).map_err(io::Error::other)?;
        return writeln!(w);
    }
    let md = format == Format::Md;
    if md {
        writeln!(w, "# Signature of `{path}`")?;
        writeln!(w)?;
        writeln!(w, "`{}`", x.signature.text.replace('`', "'"))?;
        writeln!(w)?;
        writeln!(w, "Exception part `{}`:", x.signature.exception)?;
    } else {
        writeln!(w, "{path}")?;
        writeln!(w, "signature: {}", x.signature.text)?;
        writeln!(w)?;
        writeln!(w, "exception part: {}", x.signature.exception)?;
    }
    for p in &x.exception_parts {
        writeln!(w, "  - {p}")?;
    }
    writeln!(w)?;
    match x.thread {
        Some(t) => writeln!(w, "frames of the crashed thread {t}:")?,
        None => writeln!(w, "the report names no crashed thread, so no frame counts")?,
    }
    if md {
        writeln!(w)?;
        writeln!(w, "| Frame | As written | Normalized | Counted? |")?;
        writeln!(w, "|---:|---|---|---|")?;
    }
    for s in &x.steps {
        let verdict = match &s.decision {
            Decision::Counted => "counted".to_string(),
            Decision::Prefix { reason } => {
                format!("counted as a prefix, the walk goes on: {reason}")
            }
            Decision::Skipped { reason } => format!("skipped: {reason}"),
            Decision::Repeat => "not counted: the same as the frame above".to_string(),
            Decision::After => "not counted: after the end of the signature".to_string(),
        };
        let verdict = match &s.note {
            Some(note) => format!("{verdict}; {note}"),
            None => verdict,
        };
        if md {
            writeln!(
                w,
                "| {} | `{}` | `{}` | {} |",
                s.index,
                md_cell(&s.raw),
                md_cell(&s.normalized),
                md_cell(&verdict)
            )?;
        } else {
            writeln!(w, "  {:>3}  {:<9} {}", s.index, tag(&s.decision), s.raw)?;
            writeln!(w, "       {:<9} -> {}  ({verdict})", "", s.normalized)?;
        }
    }
    Ok(())
}

fn tag(d: &Decision) -> &'static str {
    match d {
        Decision::Counted => "COUNTED",
        Decision::Prefix { .. } => "PREFIX",
        Decision::Skipped { .. } => "SKIPPED",
        Decision::Repeat => "REPEAT",
        Decision::After => "AFTER",
    }
}
