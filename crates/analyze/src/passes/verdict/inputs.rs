//! What every verdict rule reads: the report, the earlier sections, the gathered
//! facts and the knowledge, plus small shared helpers.

use super::facts::{Facts, FrameFact};
use super::kb::Kb;
use crate::passes::{concurrency, known_issues};
use crashlens_model::{Analysis, CrashReport, Evidence, Finding, KnownIssueMatch, Owner};

pub struct In<'a> {
    pub r: &'a CrashReport,
    pub a: &'a Analysis,
    pub f: &'a Facts,
    pub kb: &'a Kb,
    /// The crashed thread is in Metal or a GPU driver.
    pub metal: bool,
}

impl<'a> In<'a> {
    pub fn new(r: &'a CrashReport, a: &'a Analysis, f: &'a Facts, kb: &'a Kb) -> In<'a> {
        let metal = f
            .frames
            .iter()
            .any(|x| x.owner == Owner::GpuDriver || kb.family_of(&x.image).contains("Metal"));
        In { r, a, f, kb, metal }
    }

    /// The concurrency finding with this id.
    pub fn concurrency(&self, id: &str) -> Option<&'a Finding> {
        self.a.concurrency.iter().find(|f| f.id == id)
    }

    /// Matched known issues that support a hypothesis.
    pub fn issues_supporting(&self, hypothesis: &str) -> Vec<&'a KnownIssueMatch> {
        self.a
            .known_issues
            .iter()
            .filter(|m| known_issues::supports(&m.id) == Some(hypothesis))
            .collect()
    }

    /// Concurrency findings that count for a race.
    pub fn race_findings(&self) -> Vec<&'a Finding> {
        self.a
            .concurrency
            .iter()
            .filter(|f| concurrency::FOR_RACE.contains(&f.id.as_str()))
            .collect()
    }

    /// Termination category, namespace or code is one of these.
    pub fn term_is(&self, category: &str, namespaces: &[&str], codes: &[u64]) -> bool {
        let f = self.f;
        f.term_category.as_deref() == Some(category)
            || f.term_namespace
                .as_deref()
                .is_some_and(|n| namespaces.iter().any(|x| n.eq_ignore_ascii_case(x)))
            || f.codes.iter().any(|c| codes.contains(c))
    }

    /// The main thread: thread 0, or the one on the main queue.
    pub fn main_thread(&self) -> Option<&'a crashlens_model::Thread> {
        self.r
            .threads
            .iter()
            .find(|t| {
                t.queue
                    .as_deref()
                    .is_some_and(|q| q.contains("main-thread"))
            })
            .or_else(|| self.r.thread(0))
    }

    /// Whether the crashed thread is the main thread.
    pub fn crashed_is_main(&self) -> bool {
        match (self.f.crashed_no, self.main_thread()) {
            (Some(c), Some(m)) => c == m.number,
            (Some(c), None) => c == 0,
            _ => false,
        }
    }

    /// The first crashed frame with a real symbol (not "???" or an address).
    pub fn first_named_frame(&self) -> Option<&'a FrameFact> {
        self.f.frames.iter().find(|x| {
            !x.symbol.is_empty() && !x.symbol.starts_with("???") && !x.symbol.starts_with("0x")
        })
    }

    /// The first frame owned by the app or a third party, within `depth` frames.
    pub fn first_user_frame(&self, depth: usize) -> Option<&'a FrameFact> {
        self.f
            .frames
            .iter()
            .take(depth)
            .find(|x| matches!(x.owner, Owner::App | Owner::ThirdParty))
    }
}

/// Evidence pointing at a crashed-thread frame.
pub fn frame_ev(f: &Facts, x: &FrameFact) -> Evidence {
    let mut e = Evidence::field("crashed_stack.frames")
        .frame(x.index)
        .value(x.symbol.clone());
    if let Some(t) = f.crashed_no {
        e = e.thread(t);
    }
    e
}

/// Evidence pointing at a field, with its value.
pub fn field_ev(field: &str, value: impl Into<String>) -> Evidence {
    Evidence::field(field).value(value)
}
