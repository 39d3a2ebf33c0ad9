//! The verdict's knowledge, compiled once: hypothesis texts, API families and the
//! symbol/text regexes of `knowledge/hypotheses.toml`, and the known-issue table.
//!
//! A table that fails to load or compile yields `None` (the passes then say less);
//! the knowledge crate's and this crate's tests make sure the built-in ones load.

use crashlens_knowledge::hypotheses::{self, Hypotheses};
use crashlens_knowledge::known_issues::{self, KnownIssues};
use regex::{Regex, RegexSet};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Compiled symbol lists.
pub struct SymbolSets {
    pub abort: RegexSet,
    pub assertion: RegexSet,
    pub exception: RegexSet,
    pub lock_wait: RegexSet,
    pub malloc: RegexSet,
    pub malloc_error: RegexSet,
    pub teardown: RegexSet,
    pub objc_message: RegexSet,
}

/// Compiled text patterns.
pub struct TextRegexes {
    pub deadlock: Regex,
    pub watchdog: Regex,
    pub thermal: Regex,
    pub jetsam: Regex,
    pub uncaught: Regex,
    pub assertion: Regex,
    pub security: Regex,
    pub hardware: Regex,
}

pub struct Kb {
    pub table: Hypotheses,
    pub families: Vec<(String, RegexSet)>,
    pub symbols: SymbolSets,
    pub text: TextRegexes,
}

impl Kb {
    /// The family an image belongs to; an image outside every family is its own.
    pub fn family_of(&self, image: &str) -> String {
        self.families
            .iter()
            .find(|(_, set)| set.is_match(image))
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| image.to_string())
    }

    /// Experiments for a hypothesis id (with the Metal ones when `metal`).
    pub fn experiments(&self, id: &str, metal: bool) -> Vec<String> {
        let Some(h) = self.table.get(id) else {
            return Vec::new();
        };
        let mut out = h.experiments.clone();
        if metal {
            out.extend(h.metal_experiments.iter().cloned());
        }
        out
    }

    pub fn title(&self, id: &str) -> String {
        self.table
            .get(id)
            .map(|h| h.title.clone())
            .unwrap_or_else(|| id.to_string())
    }
}

fn set(list: &[String]) -> Result<RegexSet, regex::Error> {
    RegexSet::new(list)
}

fn build() -> Result<Kb, String> {
    let table = hypotheses::builtin().map_err(|e| e.to_string())?;
    let families = table
        .families
        .iter()
        .map(|f| Ok((f.name.clone(), set(&f.images)?)))
        .collect::<Result<Vec<_>, regex::Error>>()
        .map_err(|e| e.to_string())?;
    let p = &table.patterns;
    let symbols = (|| -> Result<SymbolSets, regex::Error> {
        Ok(SymbolSets {
            abort: set(&p.abort)?,
            assertion: set(&p.assertion)?,
            exception: set(&p.exception)?,
            lock_wait: set(&p.lock_wait)?,
            malloc: set(&p.malloc)?,
            malloc_error: set(&p.malloc_error)?,
            teardown: set(&p.teardown)?,
            objc_message: set(&p.objc_message)?,
        })
    })()
    .map_err(|e| e.to_string())?;
    let t = &table.text;
    let text = (|| -> Result<TextRegexes, regex::Error> {
        Ok(TextRegexes {
            deadlock: Regex::new(&t.deadlock)?,
            watchdog: Regex::new(&t.watchdog)?,
            thermal: Regex::new(&t.thermal)?,
            jetsam: Regex::new(&t.jetsam)?,
            uncaught: Regex::new(&t.uncaught)?,
            assertion: Regex::new(&t.assertion)?,
            security: Regex::new(&t.security)?,
            hardware: Regex::new(&t.hardware)?,
        })
    })()
    .map_err(|e| e.to_string())?;
    Ok(Kb {
        table,
        families,
        symbols,
        text,
    })
}

static KB: OnceLock<Result<Kb, String>> = OnceLock::new();

/// The compiled hypotheses table, or the reason it failed to load.
pub fn load() -> Result<&'static Kb, &'static str> {
    KB.get_or_init(build).as_ref().map_err(String::as_str)
}

/// The compiled known-issue table.
pub struct Issues {
    pub table: KnownIssues,
    /// Every regex of the table, by its source text.
    pub regexes: HashMap<String, Regex>,
}

impl Issues {
    pub fn re(&self, pattern: &str) -> Option<&Regex> {
        self.regexes.get(pattern)
    }
}

fn build_issues() -> Result<Issues, String> {
    let table = known_issues::builtin().map_err(|e| e.to_string())?;
    let mut regexes = HashMap::new();
    for (where_, p) in known_issues::patterns(&table) {
        let re = Regex::new(p).map_err(|e| format!("{where_}: {e}"))?;
        regexes.insert(p.to_string(), re);
    }
    Ok(Issues { table, regexes })
}

static ISSUES: OnceLock<Result<Issues, String>> = OnceLock::new();

/// The compiled known-issue table, or the reason it failed to load.
pub fn issues() -> Result<&'static Issues, &'static str> {
    ISSUES
        .get_or_init(build_issues)
        .as_ref()
        .map_err(String::as_str)
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_tables_compile() {
        let kb = super::load().unwrap();
        assert_eq!(kb.family_of("AGXMetalG16X"), "Metal / GPU driver");
        assert_eq!(kb.family_of("Metal"), "Metal / GPU driver");
        assert_eq!(kb.family_of("libtorch_cpu.dylib"), "PyTorch");
        assert_eq!(kb.family_of("UIKitCore"), "UIKitCore");
        assert!(kb.symbols.lock_wait.is_match("-[NSLock lock]"));
        assert!(kb.symbols.abort.is_match("__pthread_kill"));
        super::issues().unwrap();
    }
}
