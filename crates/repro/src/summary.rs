//! The summary of an experiment, computed from its journal alone: per
//! configuration the crash rate with its Wilson interval (and the 3/N rule at
//! zero crashes), runs needed to see a crash, the Kaplan-Meier median time to
//! crash, outcome counts and crash signatures; between configurations the
//! Fisher exact p-values (Holm-corrected beyond two); and warnings (early
//! stopping, incomplete runs, hangs, harness errors).

use crate::duration::format_ms;
use crate::journal::{Header, RunRecord};
use crate::outcome::CATEGORIES;
use crate::stats::{
    fisher_exact_two_sided, holm, kaplan_meier_median, rule_of_three, runs_needed, wilson,
    Interval, Observation, Z95,
};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct SignatureCount {
    pub signature: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigSummary {
    pub name: String,
    pub env: String,
    /// Runs that count as trials (harness errors left out).
    pub runs: u64,
    pub requested_runs: u64,
    pub crashes: u64,
    pub crash_rate: Option<f64>,
    pub wilson95: Option<Interval>,
    /// With zero crashes: the 3/N upper bound on the rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_of_three_upper: Option<f64>,
    /// Runs needed for a 95% chance to see a crash at the observed rate.
    pub runs_needed_95: Option<u64>,
    /// Kaplan-Meier median time to crash, non-crashing runs censored.
    pub median_time_to_crash_ms: Option<f64>,
    pub median_duration_ms: Option<f64>,
    /// Outcome category -> count (all categories present).
    pub outcomes: BTreeMap<String, u64>,
    /// How many different signatures the crashes have.
    pub distinct_crash_signatures: usize,
    /// Signatures of the crashing runs (and of other runs that left a report,
    /// prefixed with their outcome), most frequent first.
    pub signatures: Vec<SignatureCount>,
    /// With `--capture`: what the capture left for each crashing run, in run order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub captures: Vec<CaptureRef>,
}

/// The capture of one crashing run.
#[derive(Debug, Clone, Serialize)]
pub struct CaptureRef {
    pub rep: u64,
    pub outcome: String,
    pub dumps: Vec<String>,
    pub reports: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub a: String,
    pub b: String,
    pub p_value: f64,
    /// Holm-adjusted p when there are more than two configurations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_holm: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub command: Vec<String>,
    pub seed: u64,
    pub timeout_ms: u64,
    pub jobs: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    pub total_runs: u64,
    /// The runs ran inside the capture wrapper (`--capture`).
    pub capture: bool,
    /// With capture: what that means for the numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_note: Option<String>,
    pub configs: Vec<ConfigSummary>,
    pub comparisons: Vec<Comparison>,
    pub warnings: Vec<String>,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n = v.len();
    let mid = n / 2;
    if n % 2 == 1 {
        v.get(mid).copied()
    } else {
        Some((v.get(mid - 1).copied()? + v.get(mid).copied()?) / 2.0)
    }
}

/// What capture means for the numbers (in the summary of a captured experiment).
pub const CAPTURE_NOTE: &str = "Every run ran under a capturing tracer (ptrace), which wrote a minidump and its \
analysis for each crashing run. Tracing can change timing, so crash rates with and without capture are not \
directly comparable. Times to crash run to the dump; run durations also include writing the analysis.";

/// Summarise `runs` of the experiment `header`.
pub fn summarize(header: &Header, runs: &[RunRecord], skipped_lines: &[String]) -> Summary {
    let mut configs = Vec::with_capacity(header.configs.len());
    for (i, c) in header.configs.iter().enumerate() {
        let mine: Vec<&RunRecord> = runs.iter().filter(|r| r.config == i).collect();
        let trials: Vec<&&RunRecord> = mine.iter().filter(|r| r.outcome.is_valid_trial()).collect();
        let n = trials.len() as u64;
        let k = trials.iter().filter(|r| r.outcome.is_crash()).count() as u64;
        let mut outcomes: BTreeMap<String, u64> =
            CATEGORIES.iter().map(|c| (c.to_string(), 0)).collect();
        for r in &mine {
            *outcomes
                .entry(r.outcome.category().to_string())
                .or_insert(0) += 1;
        }
        let rate = (n > 0).then(|| k as f64 / n as f64);
        let obs: Vec<Observation> = trials
            .iter()
            .map(|r| Observation {
                time: r.time_to_crash_ms.unwrap_or(r.duration_ms),
                event: r.outcome.is_crash(),
            })
            .collect();
        let mut tally: BTreeMap<String, u64> = BTreeMap::new();
        let mut crash_keys = std::collections::BTreeSet::new();
        for r in trials.iter() {
            let key = r
                .signature
                .as_ref()
                .map(|s| s.key.clone())
                .filter(|k| !k.is_empty());
            let key = match (r.outcome.is_crash(), key) {
                (true, Some(k)) => k,
                (true, None) => r.outcome.describe(),
                // Not a crash, but it left a report (e.g. an unwinding Rust panic, exit 101).
                (false, Some(k)) => format!("{}: {k}", r.outcome.describe()),
                (false, None) => continue,
            };
            if r.outcome.is_crash() {
                crash_keys.insert(key.clone());
            }
            *tally.entry(key).or_insert(0) += 1;
        }
        let mut signatures: Vec<SignatureCount> = tally
            .into_iter()
            .map(|(signature, count)| SignatureCount { signature, count })
            .collect();
        signatures.sort_by(|a, b| b.count.cmp(&a.count).then(a.signature.cmp(&b.signature)));
        let mut captures: Vec<CaptureRef> = trials
            .iter()
            .filter(|r| r.outcome.is_crash())
            .filter_map(|r| {
                let c = r.capture.as_ref()?;
                Some(CaptureRef {
                    rep: r.rep,
                    outcome: r.outcome.describe(),
                    dumps: c.dumps.clone(),
                    reports: c.reports.clone(),
                    headline: c.headline.clone(),
                })
            })
            .collect();
        captures.sort_by_key(|c| c.rep);
        configs.push(ConfigSummary {
            name: c.name.clone(),
            env: c.describe_env(),
            runs: n,
            requested_runs: header.runs,
            crashes: k,
            crash_rate: rate,
            wilson95: wilson(k, n, Z95),
            rule_of_three_upper: if k == 0 { rule_of_three(n) } else { None },
            runs_needed_95: rate.and_then(|p| runs_needed(p, 0.95)),
            median_time_to_crash_ms: if k > 0 {
                kaplan_meier_median(&obs)
            } else {
                None
            },
            median_duration_ms: median(trials.iter().map(|r| r.duration_ms).collect()),
            outcomes,
            distinct_crash_signatures: crash_keys.len(),
            signatures,
            captures,
        });
    }

    let mut comparisons = Vec::new();
    for i in 0..configs.len() {
        for j in i + 1..configs.len() {
            let (a, b) = (&configs[i], &configs[j]);
            if a.runs == 0 || b.runs == 0 {
                continue;
            }
            let p = fisher_exact_two_sided(
                a.crashes,
                a.runs - a.crashes,
                b.crashes,
                b.runs - b.crashes,
            );
            comparisons.push(Comparison {
                a: a.name.clone(),
                b: b.name.clone(),
                p_value: p,
                p_holm: None,
            });
        }
    }
    if configs.len() > 2 {
        let adjusted = holm(&comparisons.iter().map(|c| c.p_value).collect::<Vec<_>>());
        for (c, p) in comparisons.iter_mut().zip(adjusted) {
            c.p_holm = Some(p);
        }
    }

    let warnings = warnings(header, &configs, runs, skipped_lines);
    Summary {
        command: header.command.clone(),
        seed: header.seed,
        timeout_ms: header.timeout_ms,
        jobs: header.jobs,
        shard: header.shard.map(|s| s.to_string()),
        total_runs: runs.len() as u64,
        capture: header.capture,
        capture_note: header.capture.then(|| CAPTURE_NOTE.to_string()),
        configs,
        comparisons,
        warnings,
    }
}

fn warnings(
    header: &Header,
    configs: &[ConfigSummary],
    runs: &[RunRecord],
    skipped_lines: &[String],
) -> Vec<String> {
    let mut w = Vec::new();
    let short: Vec<String> = configs
        .iter()
        .filter(|c| c.runs + c.outcomes.get("harness_error").copied().unwrap_or(0) < header.runs)
        .map(|c| format!("{} ({} of {})", c.name, c.runs, header.runs))
        .collect();
    let early = header.until_crashes.is_some() || header.max_time_ms.is_some();
    if early && !short.is_empty() {
        let mut how = Vec::new();
        if let Some(k) = header.until_crashes {
            how.push(format!("--until-crashes {k}"));
        }
        if let Some(ms) = header.max_time_ms {
            how.push(format!("--max-time {}", format_ms(ms as f64)));
        }
        w.push(format!(
            "Early stopping was used ({}); stopped early: {}. A rate from runs stopped at a crash count is \
             biased upward and the p-values assume a fixed number of runs: confirm with a fixed --runs.",
            how.join(", "),
            short.join(", ")
        ));
    } else if !short.is_empty() && header.shard.is_none() {
        w.push(format!(
            "Incomplete: {}. Resume with `crashlens repro --resume DIR`.",
            short.join(", ")
        ));
    }
    let timeouts: u64 = configs
        .iter()
        .map(|c| c.outcomes.get("timeout").copied().unwrap_or(0))
        .sum();
    if timeouts > 0 {
        w.push(format!(
            "{timeouts} run(s) timed out after {} (hangs); they count as runs without a crash.",
            format_ms(header.timeout_ms as f64)
        ));
    }
    let errors: Vec<&RunRecord> = runs
        .iter()
        .filter(|r| !r.outcome.is_valid_trial())
        .collect();
    if let Some(first) = errors.first() {
        w.push(format!(
            "{} harness error(s), left out of the rates; first: {}",
            errors.len(),
            first.outcome.describe()
        ));
    }
    for c in configs {
        let crash_signatures = c.distinct_crash_signatures;
        if crash_signatures > 1 {
            w.push(format!(
                "{}: crashes have {} different signatures; they may be different bugs.",
                c.name, crash_signatures
            ));
        }
    }
    if header.capture {
        let missed: Vec<&RunRecord> = runs
            .iter()
            .filter(|r| r.outcome.is_crash())
            .filter(|r| match &r.capture {
                Some(c) => c.dumps.is_empty(),
                None => true,
            })
            .collect();
        if let Some(first) = missed.first() {
            w.push(format!(
                "{} crashing run(s) left no minidump under capture (first: {} run {}); see its stderr.",
                missed.len(),
                first.config_name,
                first.rep
            ));
        }
        let extra: Vec<&RunRecord> = runs
            .iter()
            .filter(|r| !r.outcome.is_crash())
            .filter(|r| r.capture.as_ref().is_some_and(|c| !c.dumps.is_empty()))
            .collect();
        if let Some(first) = extra.first() {
            w.push(format!(
                "{} run(s) that did not count as a crash left a minidump (a crashed child process?), \
                 not counted (first: {} run {}, {}).",
                extra.len(),
                first.config_name,
                first.rep,
                first.outcome.describe()
            ));
        }
    }
    if !skipped_lines.is_empty() {
        w.push(format!(
            "{} unreadable journal line(s) skipped (line {}).",
            skipped_lines.len(),
            skipped_lines.join("; line ")
        ));
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::journal::FORMAT_VERSION;
    use crate::outcome::{ExitInfo, Outcome};

    fn header(configs: &[&str], runs: u64) -> Header {
        Header {
            format_version: FORMAT_VERSION,
            command: vec!["prog".into()],
            configs: configs
                .iter()
                .map(|n| Config {
                    name: n.to_string(),
                    env: vec![],
                })
                .collect(),
            runs,
            seed: 1,
            timeout_ms: 1000,
            jobs: 1,
            until_crashes: None,
            max_time_ms: None,
            shard: None,
            faulthandler: true,
            capture: false,
            created_unix_ms: 0,
        }
    }

    fn rec(config: usize, rep: u64, crash: bool, ms: f64) -> RunRecord {
        let outcome = if crash {
            Outcome::Crashed {
                signal: libc::SIGSEGV,
                signal_name: "SIGSEGV".into(),
                via_exit_code: false,
            }
        } else {
            Outcome::Passed
        };
        RunRecord {
            config,
            config_name: "a".into(),
            rep,
            position: rep,
            started_unix_ms: 0,
            duration_ms: ms,
            time_to_crash_ms: crash.then_some(ms),
            outcome,
            exit: ExitInfo::default(),
            pid: 1,
            signature: None,
            stdout_bytes: 0,
            stderr_bytes: 0,
            artifacts: None,
            capture: None,
            shard: None,
        }
    }

    #[test]
    fn seed_numbers_0_vs_55_of_100() {
        let h = header(&["with_mutex", "without_mutex"], 100);
        let mut runs = Vec::new();
        for rep in 0..100 {
            runs.push(rec(0, rep, false, 10.0));
            runs.push(rec(1, rep, rep < 55, 5.0));
        }
        let s = summarize(&h, &runs, &[]);
        assert_eq!(s.configs[0].crashes, 0);
        assert_eq!(s.configs[0].rule_of_three_upper, Some(0.03));
        assert_eq!(s.configs[0].runs_needed_95, None);
        assert_eq!(s.configs[1].crashes, 55);
        let w = s.configs[1].wilson95.unwrap();
        assert!((w.low - 0.4524).abs() < 1e-4 && (w.high - 0.6438).abs() < 1e-4);
        assert_eq!(s.configs[1].runs_needed_95, Some(4));
        assert_eq!(s.configs[1].median_time_to_crash_ms, Some(5.0));
        assert_eq!(s.comparisons.len(), 1);
        assert!(s.comparisons[0].p_value < 1.7e-21 && s.comparisons[0].p_value > 1.5e-21);
        assert!(s.comparisons[0].p_holm.is_none());
        assert_eq!(s.configs[1].signatures[0].signature, "crashed (SIGSEGV)");
        assert_eq!(s.configs[1].signatures[0].count, 55);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn three_configs_get_holm_and_early_stop_warns() {
        let mut h = header(&["a", "b", "c"], 10);
        h.until_crashes = Some(2);
        let mut runs = Vec::new();
        for rep in 0..10 {
            runs.push(rec(0, rep, false, 1.0));
        }
        for rep in 0..3 {
            runs.push(rec(1, rep, rep > 0, 1.0));
            runs.push(rec(2, rep, rep > 0, 1.0));
        }
        let s = summarize(&h, &runs, &[]);
        assert_eq!(s.comparisons.len(), 3);
        assert!(s.comparisons.iter().all(|c| c.p_holm.is_some()));
        assert!(
            s.warnings.iter().any(|w| w.starts_with("Early stopping")),
            "{:?}",
            s.warnings
        );
    }

    fn captured(mut r: RunRecord, dumps: usize) -> RunRecord {
        let dir = format!("captures/a-{:05}", r.rep);
        r.capture = Some(crate::capture::CaptureInfo {
            dumps: (0..dumps).map(|i| format!("{dir}/crash-{i}.dmp")).collect(),
            reports: (0..dumps).map(|i| format!("{dir}/crash-{i}.md")).collect(),
            headline: (dumps > 0).then(|| "prog [7]: SIGSEGV at NULL + 0x18".to_string()),
            dir,
        });
        r
    }

    #[test]
    fn capture_is_said_listed_per_crash_and_gaps_are_warned() {
        let mut h = header(&["a"], 4);
        let runs = vec![
            captured(rec(0, 0, true, 1.0), 1),
            // Crashed, but the capture wrote nothing.
            rec(0, 1, true, 1.0),
            // A child process crashed; the run itself passed.
            captured(rec(0, 2, false, 1.0), 1),
            rec(0, 3, false, 1.0),
        ];
        let s = summarize(&h, &runs, &[]);
        assert!(!s.capture && s.capture_note.is_none());
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        h.capture = true;
        let s = summarize(&h, &runs, &[]);
        assert!(s.capture);
        assert!(s
            .capture_note
            .as_deref()
            .unwrap()
            .contains("Tracing can change timing"));
        let caps = &s.configs[0].captures;
        assert_eq!(caps.len(), 1);
        assert_eq!(caps[0].rep, 0);
        assert_eq!(caps[0].outcome, "crashed (SIGSEGV)");
        assert_eq!(caps[0].dumps, ["captures/a-00000/crash-0.dmp"]);
        assert!(
            s.warnings
                .iter()
                .any(|w| w.starts_with("1 crashing run(s) left no minidump")
                    && w.contains("a run 1")),
            "{:?}",
            s.warnings
        );
        assert!(
            s.warnings
                .iter()
                .any(|w| w.starts_with("1 run(s) that did not count as a crash left a minidump")),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn incomplete_warns() {
        let h = header(&["a"], 10);
        let runs = vec![rec(0, 0, false, 1.0)];
        let s = summarize(&h, &runs, &[]);
        assert!(s.warnings.iter().any(|w| w.starts_with("Incomplete")));
    }
}
