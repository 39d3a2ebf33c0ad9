//! Rendering a [`Summary`] as Markdown (a "Workaround Status"-style table with
//! intervals and p-values, outcomes, signatures, warnings), JSON, or CSV (one
//! row per configuration).

use crate::duration::format_ms;
use crate::outcome::CATEGORIES;
use crate::summary::{ConfigSummary, Summary};
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Json,
    Csv,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "md" | "markdown" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            _ => Err(format!("unknown format {s:?} (md, json, csv)")),
        }
    }
}

pub fn render(summary: &Summary, format: Format) -> String {
    match format {
        Format::Markdown => markdown(summary),
        Format::Json => json(summary),
        Format::Csv => csv(summary),
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// p-values: 3 significant digits, scientific below 0.001.
pub fn format_p(p: f64) -> String {
    if p >= 0.001 {
        format!("{p:.3}")
    } else {
        format!("{p:.1e}")
    }
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn shell_join(cmd: &[String]) -> String {
    cmd.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn interval_cell(c: &ConfigSummary) -> String {
    let mut s = match c.wilson95 {
        Some(i) => format!("{} – {}", pct(i.low), pct(i.high)),
        None => "-".into(),
    };
    if let Some(r3) = c.rule_of_three_upper {
        let _ = write!(s, " (3/N rule: ≤ {})", pct(r3));
    }
    s
}

pub fn markdown(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## crashlens repro\n");
    let _ = writeln!(out, "Command: `{}`  ", shell_join(&s.command));
    let _ = writeln!(
        out,
        "{} runs; {} configuration(s) interleaved in shuffled blocks, seed {}; timeout {}; {} at a time{}.\n",
        s.total_runs,
        s.configs.len(),
        s.seed,
        format_ms(s.timeout_ms as f64),
        s.jobs,
        s.shard
            .as_ref()
            .map(|x| format!("; shard {x}"))
            .unwrap_or_default()
    );
    if s.capture {
        let _ = writeln!(
            out,
            "**Capture: on.** {}\n",
            s.capture_note.as_deref().unwrap_or("")
        );
    }
    let _ = writeln!(
        out,
        "| Configuration | Environment | Crashes / runs | Crash rate | 95% CI (Wilson) | Runs for a 95% chance of a crash | Median time to crash (KM) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for c in &s.configs {
        let _ = writeln!(
            out,
            "| {} | {} | {} / {} | {} | {} | {} | {} |",
            md_escape(&c.name),
            md_escape(&c.env),
            c.crashes,
            c.runs,
            c.crash_rate.map(pct).unwrap_or_else(|| "-".into()),
            interval_cell(c),
            c.runs_needed_95
                .map(|n| n.to_string())
                .unwrap_or_else(|| "-".into()),
            match (c.crashes, c.median_time_to_crash_ms) {
                (0, _) => "-".to_string(),
                (_, Some(ms)) => format_ms(ms),
                (_, None) => "not reached".to_string(),
            }
        );
    }
    if !s.comparisons.is_empty() {
        let _ = writeln!(out);
        let holm = s.comparisons.iter().any(|c| c.p_holm.is_some());
        let _ = writeln!(
            out,
            "Fisher exact test, two-sided{}:\n",
            if holm { ", Holm-corrected" } else { "" }
        );
        for c in &s.comparisons {
            let _ = write!(
                out,
                "- {} vs {}: p = {}",
                md_escape(&c.a),
                md_escape(&c.b),
                format_p(c.p_value)
            );
            if let Some(h) = c.p_holm {
                let _ = write!(out, " (Holm {})", format_p(h));
            }
            let _ = writeln!(out);
        }
    }
    let _ = writeln!(out, "\n### Outcomes\n");
    let _ = writeln!(
        out,
        "| Configuration | {} | median duration |",
        CATEGORIES.join(" | ")
    );
    let _ = writeln!(out, "|---|{}---|", "---|".repeat(CATEGORIES.len()));
    for c in &s.configs {
        let cells: Vec<String> = CATEGORIES
            .iter()
            .map(|k| c.outcomes.get(*k).copied().unwrap_or(0).to_string())
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            md_escape(&c.name),
            cells.join(" | "),
            c.median_duration_ms
                .map(format_ms)
                .unwrap_or_else(|| "-".into())
        );
    }
    if s.configs.iter().any(|c| !c.signatures.is_empty()) {
        let _ = writeln!(
            out,
            "\n### Crash signatures (and reports from runs that did not crash)\n"
        );
        for c in s.configs.iter().filter(|c| !c.signatures.is_empty()) {
            let _ = writeln!(
                out,
                "**{}** ({} crashes of {} runs)\n",
                md_escape(&c.name),
                c.crashes,
                c.runs
            );
            let _ = writeln!(out, "| Count | Signature |\n|---|---|");
            for sig in &c.signatures {
                let _ = writeln!(
                    out,
                    "| {} | `{}` |",
                    sig.count,
                    md_escape(&sig.signature).replace('`', "'")
                );
            }
            let _ = writeln!(out);
        }
    }
    captures_section(&mut out, s);
    if !s.warnings.is_empty() {
        let _ = writeln!(out, "\n### Warnings\n");
        for w in &s.warnings {
            let _ = writeln!(out, "- {w}");
        }
    }
    out
}

/// Crashing runs shown per configuration in the Markdown (all are in the JSON).
const CAPTURES_SHOWN: usize = 5;

/// With capture: where each crashing run's analysis is, a few per configuration.
fn captures_section(out: &mut String, s: &Summary) {
    if !s.capture {
        return;
    }
    let _ = writeln!(
        out,
        "\n### Captures\n\nA minidump and its analysis per crashing run; paths are relative to the experiment's folder.\n"
    );
    let captured: u64 = s.configs.iter().map(|c| c.captures.len() as u64).sum();
    if captured == 0 {
        let _ = writeln!(out, "No crashing run left a capture.");
        return;
    }
    for c in s.configs.iter().filter(|c| !c.captures.is_empty()) {
        let _ = writeln!(
            out,
            "**{}**: {} of {} crashing runs captured\n",
            md_escape(&c.name),
            c.captures.len(),
            c.crashes
        );
        for cap in c.captures.iter().take(CAPTURES_SHOWN) {
            let what = cap
                .reports
                .first()
                .or(cap.dumps.first())
                .map(|p| format!("`{}`", md_escape(p).replace('`', "'")))
                .unwrap_or_else(|| "no files".into());
            let _ = write!(out, "- run {} ({}): {what}", cap.rep, cap.outcome);
            if let Some(h) = &cap.headline {
                let _ = write!(out, " — {}", md_escape(h));
            }
            let _ = writeln!(out);
        }
        if c.captures.len() > CAPTURES_SHOWN {
            let _ = writeln!(
                out,
                "- and {} more (all in summary.json and journal.jsonl)",
                c.captures.len() - CAPTURES_SHOWN
            );
        }
        let _ = writeln!(out);
    }
}

pub fn json(s: &Summary) -> String {
    serde_json::to_string_pretty(s).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// One row per configuration; `p_vs_first` is the Fisher p against the first
/// configuration (Holm-adjusted over all pairs when there are more than two).
pub fn csv(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "configuration,env,runs,requested_runs,crashes,crash_rate,wilson95_low,wilson95_high,rule_of_three_upper,runs_needed_95,km_median_time_to_crash_ms,median_duration_ms,{},p_vs_first,p_vs_first_holm,top_signature",
        CATEGORIES.join(",")
    );
    let first = s
        .configs
        .first()
        .map(|c| c.name.clone())
        .unwrap_or_default();
    for c in &s.configs {
        let cmp = s.comparisons.iter().find(|x| x.a == first && x.b == c.name);
        let cats: Vec<String> = CATEGORIES
            .iter()
            .map(|k| c.outcomes.get(*k).copied().unwrap_or(0).to_string())
            .collect();
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(&c.name),
            csv_field(&c.env),
            c.runs,
            c.requested_runs,
            c.crashes,
            opt(c.crash_rate),
            opt(c.wilson95.map(|i| i.low)),
            opt(c.wilson95.map(|i| i.high)),
            opt(c.rule_of_three_upper),
            opt(c.runs_needed_95),
            opt(c.median_time_to_crash_ms),
            opt(c.median_duration_ms),
            cats.join(","),
            cmp.map(|x| format!("{:e}", x.p_value)).unwrap_or_default(),
            cmp.and_then(|x| x.p_holm)
                .map(|p| format!("{p:e}"))
                .unwrap_or_default(),
            csv_field(
                c.signatures
                    .first()
                    .map(|x| x.signature.as_str())
                    .unwrap_or("")
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::config::{parse_config, Config};
    use crate::journal::{Header, RunRecord, FORMAT_VERSION};
    use crate::outcome::{ExitInfo, Outcome};
    use crate::summary::summarize;

    /// The seed's experiment with its numbers: 0/100 with the mutex, 55/100 without.
    fn seed_summary() -> Summary {
        let configs: Vec<Config> = ["with_mutex", "without_mutex:MPS_DISABLE_ENCODING_MUTEX=1"]
            .iter()
            .map(|c| parse_config(c).unwrap())
            .collect();
        let header = Header {
            format_version: FORMAT_VERSION,
            command: vec!["python3".into(), "bench.py".into()],
            configs,
            runs: 100,
            seed: 42,
            timeout_ms: 30_000,
            jobs: 1,
            until_crashes: None,
            max_time_ms: None,
            shard: None,
            faulthandler: true,
            capture: false,
            created_unix_ms: 0,
        };
        let mut runs = Vec::new();
        for rep in 0..100u64 {
            for config in 0..2usize {
                let crash = config == 1 && rep < 55;
                runs.push(RunRecord {
                    config,
                    config_name: String::new(),
                    rep,
                    position: rep * 2 + config as u64,
                    started_unix_ms: 0,
                    duration_ms: if crash { 430.0 } else { 2000.0 },
                    time_to_crash_ms: crash.then_some(430.0),
                    outcome: if crash {
                        Outcome::Crashed {
                            signal: libc::SIGSEGV,
                            signal_name: "SIGSEGV".into(),
                            via_exit_code: false,
                        }
                    } else {
                        Outcome::Passed
                    },
                    exit: ExitInfo::default(),
                    pid: 1,
                    signature: None,
                    stdout_bytes: 0,
                    stderr_bytes: 0,
                    artifacts: None,
                    capture: None,
                    shard: None,
                });
            }
        }
        summarize(&header, &runs, &[])
    }

    #[test]
    fn markdown_has_the_workaround_table_with_intervals_and_p() {
        let md = markdown(&seed_summary());
        assert!(md.contains("Command: `python3 bench.py`"), "{md}");
        assert!(md.contains("seed 42"));
        assert!(
            md.contains("| with_mutex | (no changes) | 0 / 100 | 0.0% | 0.0% – 3.7% (3/N rule: ≤ 3.0%) | - | - |"),
            "{md}"
        );
        assert!(
            md.contains("| without_mutex | MPS_DISABLE_ENCODING_MUTEX=1 | 55 / 100 | 55.0% | 45.2% – 64.4% | 4 | 430ms |"),
            "{md}"
        );
        assert!(
            md.contains("- with_mutex vs without_mutex: p = 1.6e-21"),
            "{md}"
        );
        assert!(md.contains("| 55 | `crashed (SIGSEGV)` |"), "{md}");
        assert!(!md.contains("### Warnings"), "{md}");
    }

    #[test]
    fn csv_and_json_carry_the_same_numbers() {
        let s = seed_summary();
        let csv = csv(&s);
        let rows: Vec<&str> = csv.lines().collect();
        assert_eq!(rows.len(), 3);
        assert!(
            rows[2].starts_with("without_mutex,MPS_DISABLE_ENCODING_MUTEX=1,100,100,55,0.55,"),
            "{}",
            rows[2]
        );
        let v: serde_json::Value = serde_json::from_str(&json(&s)).unwrap();
        assert_eq!(v["configs"][1]["crashes"], 55);
        assert_eq!(v["configs"][0]["rule_of_three_upper"], 0.03);
        let p = v["comparisons"][0]["p_value"].as_f64().unwrap();
        assert!(p > 1.5e-21 && p < 1.7e-21);
    }

    #[test]
    fn markdown_says_capture_and_lists_a_few_captures_per_configuration() {
        let mut s = seed_summary();
        assert!(!markdown(&s).contains("Capture"));
        s.capture = true;
        s.capture_note = Some(crate::summary::CAPTURE_NOTE.to_string());
        let md = markdown(&s);
        assert!(md.contains("**Capture: on.** Every run ran under"), "{md}");
        assert!(md.contains("not directly comparable"), "{md}");
        assert!(
            md.contains("folder.\n\nNo crashing run left a capture."),
            "{md}"
        );
        s.configs[1].captures = (0..7)
            .map(|rep| crate::summary::CaptureRef {
                rep,
                outcome: "crashed (SIGSEGV)".into(),
                dumps: vec![format!("captures/without_mutex-{rep:05}/crash-1-2.dmp")],
                reports: vec![format!("captures/without_mutex-{rep:05}/crash-1-2.md")],
                headline: Some("bench [1]: SIGSEGV at NULL + 0x5c8".into()),
            })
            .collect();
        let md = markdown(&s);
        assert!(
            md.contains("**without_mutex**: 7 of 55 crashing runs captured"),
            "{md}"
        );
        assert!(
            md.contains("- run 0 (crashed (SIGSEGV)): `captures/without_mutex-00000/crash-1-2.md` — bench [1]: SIGSEGV at NULL + 0x5c8"),
            "{md}"
        );
        assert!(md.contains("- run 4 ("), "{md}");
        assert!(!md.contains("- run 5 ("), "{md}");
        assert!(
            md.contains("- and 2 more (all in summary.json and journal.jsonl)"),
            "{md}"
        );
        let v: serde_json::Value = serde_json::from_str(&json(&s)).unwrap();
        assert_eq!(v["capture"], true);
        assert_eq!(v["configs"][1]["captures"].as_array().unwrap().len(), 7);
        assert!(v["configs"][0].get("captures").is_none());
    }

    #[test]
    fn p_formatting() {
        assert_eq!(format_p(0.4857), "0.486");
        assert_eq!(format_p(1.59e-21), "1.6e-21");
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(
            shell_join(&["python3".into(), "-c".into(), "print('x')".into()]),
            "python3 -c 'print('\\''x'\\'')'"
        );
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("x\"y"), "\"x\"\"y\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
