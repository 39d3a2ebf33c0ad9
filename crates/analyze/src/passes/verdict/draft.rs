//! A hypothesis while the rules build it: evidence for and against, each with a
//! weight; the sum orders the hypotheses and earns the confidence.

use super::kb::Kb;
use crashlens_model::{Confidence, Evidence, Finding, Hypothesis};

/// Score at or above which a hypothesis is held with high confidence.
pub const HIGH: i32 = 8;
/// Score at or above which a hypothesis is held with medium confidence.
pub const MEDIUM: i32 = 4;

#[derive(Debug, Clone)]
pub struct Draft {
    pub id: &'static str,
    pub title: String,
    pub score: i32,
    /// The most confidence the evidence this rule can see may earn.
    pub cap: Confidence,
    pub evidence_for: Vec<Finding>,
    pub evidence_against: Vec<Finding>,
    pub experiments: Vec<String>,
}

impl Draft {
    pub fn new(id: &'static str, kb: &Kb, metal: bool) -> Draft {
        Draft {
            id,
            title: kb.title(id),
            score: 0,
            cap: Confidence::High,
            evidence_for: Vec::new(),
            evidence_against: Vec::new(),
            experiments: kb.experiments(id, metal),
        }
    }

    /// Evidence for, worth `weight`.
    pub fn add_for(
        &mut self,
        weight: i32,
        what: &str,
        title: impl Into<String>,
        detail: impl Into<String>,
        ev: Vec<Evidence>,
    ) {
        self.score = self.score.saturating_add(weight);
        let mut f = Finding::new(format!("verdict.{}.{what}", self.id), title, detail);
        f.evidence = ev;
        self.evidence_for.push(f);
    }

    /// Evidence against, costing `weight`.
    pub fn add_against(
        &mut self,
        weight: i32,
        what: &str,
        title: impl Into<String>,
        detail: impl Into<String>,
        ev: Vec<Evidence>,
    ) {
        self.score = self.score.saturating_sub(weight);
        let mut f = Finding::new(format!("verdict.{}.{what}", self.id), title, detail);
        f.evidence = ev;
        self.evidence_against.push(f);
    }

    /// Adds the threads a concurrency finding names to the last finding added.
    pub fn with_threads(&mut self, threads: &[u32], against: bool) {
        let list = if against {
            &mut self.evidence_against
        } else {
            &mut self.evidence_for
        };
        if let Some(last) = list.last_mut() {
            last.threads.extend_from_slice(threads);
        }
    }

    pub fn confidence(&self) -> Confidence {
        let earned = if self.score >= HIGH {
            Confidence::High
        } else if self.score >= MEDIUM {
            Confidence::Medium
        } else {
            Confidence::Low
        };
        earned.min(self.cap)
    }

    pub fn into_hypothesis(self) -> Hypothesis {
        let confidence = self.confidence();
        Hypothesis {
            id: self.id.to_string(),
            title: self.title,
            confidence,
            evidence_for: self.evidence_for,
            evidence_against: self.evidence_against,
            next_experiments: self.experiments,
            experiment_result: None,
        }
    }
}
