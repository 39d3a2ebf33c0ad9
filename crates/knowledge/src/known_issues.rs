//! Known crash patterns (`knowledge/known_issues.toml`): each entry has a title,
//! links, a workaround and the conditions it matches on (frames with their symbol,
//! image, owner, thread and position; exception text; termination; ASI text).
//!
//! This module parses and checks the table (shape and regexes); the matcher is
//! the known-issues pass in `crashlens-analyze`.

use crate::{parse_toml, KnowledgeError};
use crashlens_model::Owner;
use serde::Deserialize;

const FILE: &str = "knowledge/known_issues.toml";
const TEXT: &str = include_str!("../../../knowledge/known_issues.toml");

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownIssues {
    #[serde(rename = "issue")]
    pub issues: Vec<KnownIssue>,
}

/// One known crash pattern.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownIssue {
    /// Stable identifier, kebab-case.
    pub id: String,
    pub title: String,
    pub links: Vec<String>,
    pub workaround: String,
    /// The hypothesis this pattern supports when it matches ("caller_race", ...).
    #[serde(default)]
    pub supports: Option<String>,
    /// Conditions. Every `required` one must hold; optional ones only add to
    /// what is reported as matched.
    pub when: Vec<Condition>,
}

/// One condition. Exactly one of `frame`, `exception`, `termination`, `asi` is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// What the condition means, shown in the report when it matches.
    pub describe: String,
    #[serde(default = "yes")]
    pub required: bool,
    /// Frame rules: the condition holds when any one of them holds.
    #[serde(default)]
    pub frame: Vec<FrameRule>,
    /// Regex over "TYPE (SIGNAL) SUBTYPE" of the exception.
    #[serde(default)]
    pub exception: Option<String>,
    /// Regex over "NAMESPACE 0xCODE" of the termination reason.
    #[serde(default)]
    pub termination: Option<String>,
    /// Regex over each Application Specific Information line, the exception
    /// message and the termination description.
    #[serde(default)]
    pub asi: Option<String>,
}

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

/// Which threads a frame rule looks at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadSel {
    #[default]
    Crashed,
    Other,
    Any,
}

/// A frame that must be present.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameRule {
    /// Regex over the symbol name.
    #[serde(default)]
    pub symbol: Option<String>,
    /// Regex over the image name.
    #[serde(default)]
    pub image: Option<String>,
    /// The frame's owner (known only for the crashed thread's frames).
    #[serde(default)]
    pub owner: Option<Owner>,
    #[serde(default)]
    pub thread: ThreadSel,
    /// Exact frame index.
    #[serde(default)]
    pub position: Option<u32>,
    /// Frame index range (inclusive).
    #[serde(default)]
    pub min_position: Option<u32>,
    #[serde(default)]
    pub max_position: Option<u32>,
    /// How many distinct threads must have such a frame.
    #[serde(default = "one")]
    pub min_threads: u32,
}

impl FrameRule {
    /// Whether frame index `i` is in the rule's range.
    pub fn position_ok(&self, i: u32) -> bool {
        if let Some(p) = self.position {
            return i == p;
        }
        !matches!(self.min_position, Some(m) if i < m)
            && !matches!(self.max_position, Some(m) if i > m)
    }
}

/// The built-in table, parsed and checked.
pub fn builtin() -> Result<KnownIssues, KnowledgeError> {
    parse(FILE, TEXT)
}

/// Parses and checks a known-issues table.
pub fn parse(file: &str, text: &str) -> Result<KnownIssues, KnowledgeError> {
    let t: KnownIssues = parse_toml(file, text)?;
    validate(file, &t)?;
    Ok(t)
}

fn invalid(file: &str, message: String) -> KnowledgeError {
    KnowledgeError::Invalid {
        file: file.to_string(),
        message,
    }
}

/// Checks shape: unique ids, text present, https links, one kind per condition,
/// regexes that compile.
pub fn validate(file: &str, t: &KnownIssues) -> Result<(), KnowledgeError> {
    let mut seen = std::collections::BTreeSet::new();
    for issue in &t.issues {
        let id = &issue.id;
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(invalid(file, format!("issue id {id:?} must be kebab-case")));
        }
        if !seen.insert(id.clone()) {
            return Err(invalid(file, format!("duplicate issue id {id}")));
        }
        if issue.title.trim().is_empty() || issue.workaround.trim().is_empty() {
            return Err(invalid(
                file,
                format!("{id}: title and workaround are required"),
            ));
        }
        if issue.links.is_empty() || issue.links.iter().any(|l| !l.starts_with("https://")) {
            return Err(invalid(
                file,
                format!("{id}: needs at least one https:// link"),
            ));
        }
        if !issue.when.iter().any(|c| c.required) {
            return Err(invalid(
                file,
                format!("{id}: needs at least one required condition"),
            ));
        }
        for c in &issue.when {
            let kinds = usize::from(!c.frame.is_empty())
                + usize::from(c.exception.is_some())
                + usize::from(c.termination.is_some())
                + usize::from(c.asi.is_some());
            if kinds != 1 {
                return Err(invalid(
                    file,
                    format!("{id}: condition {:?} must set exactly one of frame, exception, termination, asi", c.describe),
                ));
            }
            if c.describe.trim().is_empty() {
                return Err(invalid(
                    file,
                    format!("{id}: every condition needs describe"),
                ));
            }
            for f in &c.frame {
                if f.symbol.is_none() && f.image.is_none() && f.owner.is_none() {
                    return Err(invalid(
                        file,
                        format!("{id}: a frame rule needs symbol, image or owner"),
                    ));
                }
                if f.owner.is_some() && f.thread != ThreadSel::Crashed {
                    return Err(invalid(
                        file,
                        format!("{id}: owners are known only on the crashed thread"),
                    ));
                }
                if f.min_threads == 0 {
                    return Err(invalid(
                        file,
                        format!("{id}: min_threads must be at least 1"),
                    ));
                }
                if f.position.is_some() && (f.min_position.is_some() || f.max_position.is_some()) {
                    return Err(invalid(
                        file,
                        format!("{id}: position excludes min/max_position"),
                    ));
                }
            }
        }
    }
    for (where_, p) in patterns(t) {
        regex::Regex::new(p)
            .map_err(|e| invalid(file, format!("{where_}: bad regex {p:?}: {e}")))?;
    }
    Ok(())
}

/// Every regular expression in the table, with where it sits, for callers that
/// compile them.
pub fn patterns(t: &KnownIssues) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for issue in &t.issues {
        for c in &issue.when {
            for f in &c.frame {
                out.extend(
                    f.symbol
                        .as_deref()
                        .map(|p| (format!("{}: frame symbol", issue.id), p)),
                );
                out.extend(
                    f.image
                        .as_deref()
                        .map(|p| (format!("{}: frame image", issue.id), p)),
                );
            }
            for (what, p) in [
                ("exception", &c.exception),
                ("termination", &c.termination),
                ("asi", &c.asi),
            ] {
                out.extend(p.as_deref().map(|p| (format!("{}: {what}", issue.id), p)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_parses() {
        let t = super::builtin().unwrap();
        assert!(t
            .issues
            .iter()
            .any(|i| i.id == "pytorch-mps-multithread-race"));
    }
}
