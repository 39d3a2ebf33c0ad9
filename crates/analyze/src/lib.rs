//! crashlens-analyze: the analysis passes.
//!
//! [`analyze`] runs each pass in [`PASSES`] order over one [`CrashReport`]; each
//! pass reads the report (and what earlier passes wrote) and fills its own
//! section of the [`Analysis`], adding [`Finding`]s with evidence. A pass owns
//! one file in `passes/`, and its knowledge comes from `crashlens-knowledge`.

pub mod context;
pub mod passes;

pub use context::Context;
pub use crashlens_model::{Analysis, CrashReport, Finding};

/// A pass: reads the context, adds to the analysis.
pub type Pass = fn(&Context, &mut Analysis);

/// The passes, in the order they run. Later passes may read earlier sections.
pub const PASSES: &[(&str, Pass)] = &[
    ("exception", passes::exception::run),
    ("termination", passes::termination::run),
    ("fault", passes::fault::run),
    ("registers", passes::registers::run),
    ("esr", passes::esr::run),
    ("stack", passes::stack::run),
    ("binaries", passes::binaries::run),
    ("threads", passes::threads::run),
    ("concurrency", passes::concurrency::run),
    ("timeline", passes::timeline::run),
    ("known_issues", passes::known_issues::run),
    ("verdict", passes::verdict::run),
    ("headline", passes::headline::run),
];

/// Analyzes a report with the built-in knowledge.
pub fn analyze(report: &CrashReport) -> Analysis {
    analyze_with(&Context::new(report))
}

/// Analyzes with a prepared context (custom rules).
pub fn analyze_with(cx: &Context) -> Analysis {
    let mut a = Analysis::default();
    for (_, pass) in PASSES {
        pass(cx, &mut a);
    }
    a
}
