//! The verdict (`a.verdict`): a short, ranked list of hypotheses, each with
//! evidence for and against, a confidence earned by that evidence, and the next
//! experiments that would separate it from the others; and a one-line
//! classification derived from them.
//!
//! Rules live in the submodules (`kills`, `aborts`, `faults`, `race`) and read
//! the earlier sections through [`facts::Facts`]; titles, experiments and
//! pattern lists come from `knowledge/hypotheses.toml`. Nothing is ever called
//! settled unless a hypothesis carries an `experiment_result`.

pub mod aborts;
pub mod draft;
pub mod facts;
pub mod faults;
pub mod inputs;
pub mod kb;
pub mod kills;
pub mod race;

use crate::Context;
use crashlens_model::{Analysis, Confidence, Hypothesis, Verdict};
use draft::Draft;
use facts::Facts;
use inputs::In;

/// Most hypotheses the verdict lists.
pub const MAX_HYPOTHESES: usize = 5;

type Rule = fn(&In) -> Option<Draft>;

/// Every rule, in tie-break order (earlier wins a tie).
const RULES: &[Rule] = &[
    kills::privacy,
    kills::watchdog,
    kills::deadlock,
    kills::resource_kill,
    kills::security,
    kills::guard,
    faults::stack_overflow,
    race::caller_race,
    race::vendor_defect,
    aborts::intentional_abort,
    faults::null_dereference,
    faults::memory_corruption,
    faults::illegal_instruction,
    faults::hardware,
];

pub fn run(cx: &Context, a: &mut Analysis) {
    let Ok(kb) = kb::load() else { return };
    let f = Facts::gather(cx.report, a);
    let input = In::new(cx.report, a, &f, kb);
    let mut drafts: Vec<(usize, Draft)> = RULES
        .iter()
        .enumerate()
        .filter_map(|(i, rule)| rule(&input).map(|d| (i, d)))
        .collect();
    if drafts.is_empty() && f.signal.is_none() && f.exc_type.is_none() && f.term_namespace.is_none()
    {
        return;
    }
    drafts.sort_by(|(ia, a), (ib, b)| {
        b.confidence()
            .cmp(&a.confidence())
            .then(b.score.cmp(&a.score))
            .then(ia.cmp(ib))
    });
    let hypotheses: Vec<Hypothesis> = drafts
        .into_iter()
        .take(MAX_HYPOTHESES)
        .map(|(_, d)| d.into_hypothesis())
        .collect();
    let classification = classify(&hypotheses);
    a.verdict = Some(Verdict {
        hypotheses,
        classification,
    });
}

/// A hypothesis's standing in one word.
pub fn standing(h: &Hypothesis) -> &'static str {
    if h.experiment_result.is_some() {
        return "settled by the attached experiment";
    }
    match h.confidence {
        Confidence::High => "likely",
        Confidence::Medium => "possible",
        Confidence::Low => "unproven",
    }
}

/// "Caller-side race … — likely; defect inside the vendor GPU driver — unproven".
pub fn classify(hypotheses: &[Hypothesis]) -> String {
    if hypotheses.is_empty() {
        return "No hypothesis: the report holds too little to judge what happened.".to_string();
    }
    let parts: Vec<String> = hypotheses
        .iter()
        .take(3)
        .enumerate()
        .map(|(i, h)| {
            let t = if i == 0 {
                h.title.clone()
            } else {
                lower_first(&h.title)
            };
            format!("{t} — {}", standing(h))
        })
        .collect();
    parts.join("; ")
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match (c.next(), c.clone().next()) {
        // Keep acronyms ("NULL", "TCC") as they are.
        (Some(first), Some(second)) if !second.is_uppercase() => {
            first.to_lowercase().chain(c).collect()
        }
        _ => s.to_string(),
    }
}
