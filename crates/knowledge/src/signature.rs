//! Signature rules (`knowledge/signature.toml`): how `crashlens group` turns a
//! crashed stack into a signature, beyond the frame lists of `frames.toml`.
//!
//! The file holds the signature's length (`frames`), the depth and threshold of
//! near-duplicate comparison, the symbol rewrites applied in order after
//! argument lists and template/generic parameters are removed (Rust hashes,
//! `.cold.N`, block_invoke numbers, addresses, ...), and skip rules for frames
//! that only a crash reporter puts on the stack. Every regex is compiled here,
//! so a bad pattern fails `cargo test -p crashlens-knowledge`.

use crate::{parse_toml, KnowledgeError};
use regex::Regex;
use serde::Deserialize;

const FILE: &str = "knowledge/signature.toml";
pub const BUILTIN_TOML: &str = include_str!("../../../knowledge/signature.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    frames: usize,
    similarity_frames: usize,
    similarity_threshold: f64,
    null_below: u64,
    #[serde(default)]
    normalize: Vec<RawRewrite>,
    #[serde(default)]
    skip: Vec<RawSkip>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRewrite {
    id: String,
    what: String,
    pattern: String,
    #[serde(default)]
    replace: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSkip {
    id: String,
    what: String,
    #[serde(default)]
    symbol_prefixes: Vec<String>,
    #[serde(default)]
    images: Vec<String>,
}

/// One symbol rewrite.
#[derive(Debug, Clone)]
pub struct Rewrite {
    pub id: String,
    /// What it removes, in words.
    pub what: String,
    pub regex: Regex,
    pub replace: String,
}

/// Frames to skip: a symbol prefix or an exact image name (case-insensitive) matches.
#[derive(Debug, Clone)]
pub struct SkipRule {
    pub id: String,
    /// The reason shown by `group --explain` ("a crash reporter's own handler").
    pub what: String,
    pub symbol_prefixes: Vec<String>,
    pub images: Vec<String>,
}

impl SkipRule {
    /// Whether a frame with this symbol and image name matches.
    pub fn matches(&self, symbol: Option<&str>, image: Option<&str>) -> bool {
        if let Some(sym) = symbol {
            if self
                .symbol_prefixes
                .iter()
                .any(|p| sym.starts_with(p.as_str()))
            {
                return true;
            }
        }
        match image {
            Some(img) => self.images.iter().any(|i| i.eq_ignore_ascii_case(img)),
            None => false,
        }
    }
}

/// The parsed and validated signature rules.
#[derive(Debug, Clone)]
pub struct SignatureRules {
    /// Kept frames that are not prefix frames, after which a signature ends.
    pub frames: usize,
    /// Normalized frames kept per report for near-duplicate comparison.
    pub similarity_frames: usize,
    /// Similarity (0..1) from which two buckets are "possibly the same".
    pub similarity_threshold: f64,
    /// A bad-access address below this is shown as NULL + offset.
    pub null_below: u64,
    pub normalize: Vec<Rewrite>,
    pub skip: Vec<SkipRule>,
}

impl SignatureRules {
    pub fn parse(file: &str, text: &str) -> Result<SignatureRules, KnowledgeError> {
        let raw: RawFile = parse_toml(file, text)?;
        let invalid = |message: String| KnowledgeError::Invalid {
            file: file.to_string(),
            message,
        };
        if raw.frames == 0 || raw.frames > 32 {
            return Err(invalid(format!(
                "frames = {} (expected 1..=32)",
                raw.frames
            )));
        }
        if raw.similarity_frames < raw.frames || raw.similarity_frames > 64 {
            return Err(invalid(format!(
                "similarity_frames = {} (expected frames..=64)",
                raw.similarity_frames
            )));
        }
        if !(raw.similarity_threshold > 0.0 && raw.similarity_threshold <= 1.0) {
            return Err(invalid(format!(
                "similarity_threshold = {} (expected 0 < t <= 1)",
                raw.similarity_threshold
            )));
        }
        let mut ids: Vec<&str> = Vec::new();
        let mut normalize = Vec::with_capacity(raw.normalize.len());
        for r in &raw.normalize {
            if r.id.trim().is_empty() || r.what.trim().is_empty() || r.pattern.is_empty() {
                return Err(invalid(format!(
                    "normalize {:?}: id, what and pattern must not be empty",
                    r.id
                )));
            }
            if ids.contains(&r.id.as_str()) {
                return Err(invalid(format!("duplicate id {:?}", r.id)));
            }
            ids.push(&r.id);
            let regex = Regex::new(&r.pattern)
                .map_err(|e| invalid(format!("normalize {:?}: bad pattern: {e}", r.id)))?;
            normalize.push(Rewrite {
                id: r.id.clone(),
                what: r.what.clone(),
                regex,
                replace: r.replace.clone(),
            });
        }
        let mut skip = Vec::with_capacity(raw.skip.len());
        for s in &raw.skip {
            if s.id.trim().is_empty() || s.what.trim().is_empty() {
                return Err(invalid(format!(
                    "skip {:?}: id and what must not be empty",
                    s.id
                )));
            }
            if ids.contains(&s.id.as_str()) {
                return Err(invalid(format!("duplicate id {:?}", s.id)));
            }
            ids.push(&s.id);
            if s.symbol_prefixes.is_empty() && s.images.is_empty() {
                return Err(invalid(format!(
                    "skip {:?}: give symbol_prefixes or images",
                    s.id
                )));
            }
            if s.symbol_prefixes
                .iter()
                .chain(&s.images)
                .any(|p| p.trim().is_empty())
            {
                return Err(invalid(format!("skip {:?}: empty pattern", s.id)));
            }
            skip.push(SkipRule {
                id: s.id.clone(),
                what: s.what.clone(),
                symbol_prefixes: s.symbol_prefixes.clone(),
                images: s.images.clone(),
            });
        }
        Ok(SignatureRules {
            frames: raw.frames,
            similarity_frames: raw.similarity_frames,
            similarity_threshold: raw.similarity_threshold,
            null_below: raw.null_below,
            normalize,
            skip,
        })
    }

    /// The built-in table.
    pub fn load_builtin() -> Result<SignatureRules, KnowledgeError> {
        SignatureRules::parse(FILE, BUILTIN_TOML)
    }

    /// The first skip rule that matches a frame.
    pub fn skip_rule(&self, symbol: Option<&str>, image: Option<&str>) -> Option<&SkipRule> {
        self.skip.iter().find(|s| s.matches(symbol, image))
    }

    /// Applies every rewrite in order.
    pub fn rewrite(&self, symbol: &str) -> String {
        let mut s = symbol.to_string();
        for r in &self.normalize {
            if r.regex.is_match(&s) {
                s = r.regex.replace_all(&s, r.replace.as_str()).into_owned();
            }
        }
        s
    }
}

/// The built-in rules, parsed once. The table is tested to be valid; should it
/// ever be broken, the fallback is a plain 3-frame signature with no rewrites.
pub fn builtin() -> &'static SignatureRules {
    static RULES: std::sync::OnceLock<SignatureRules> = std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        SignatureRules::load_builtin().unwrap_or(SignatureRules {
            frames: 3,
            similarity_frames: 8,
            similarity_threshold: 0.6,
            null_below: 4096,
            normalize: Vec::new(),
            skip: Vec::new(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_is_valid() {
        let r = SignatureRules::load_builtin().unwrap();
        assert!(r.frames >= 1);
        assert!(r.normalize.iter().any(|n| n.id == "rust_hash"));
        assert!(r.skip.iter().any(|s| s.id == "crash_reporter_image"));
    }

    #[test]
    fn rewrites_do_what_they_say() {
        let r = SignatureRules::load_builtin().unwrap();
        assert_eq!(
            r.rewrite("core::panicking::panic::h0123456789abcdef"),
            "core::panicking::panic"
        );
        assert_eq!(
            r.rewrite("_dispatch_semaphore_dispose.cold.1"),
            "_dispatch_semaphore_dispose"
        );
        assert_eq!(r.rewrite("foo.isra.0"), "foo");
        assert_eq!(
            r.rewrite("__35-[Foo bar:]_block_invoke_2"),
            "-[Foo bar:]_block_invoke"
        );
        assert_eq!(
            r.rewrite("__64-[UIScene scene:]_block_invoke.215"),
            "-[UIScene scene:]_block_invoke"
        );
        assert_eq!(r.rewrite("_assertionFailure+ 228276"), "_assertionFailure");
        assert_eq!(r.rewrite("thunk at 0x1a2b"), "thunk at 0x?");
    }

    #[test]
    fn crash_reporter_frames_are_skipped() {
        let r = SignatureRules::load_builtin().unwrap();
        assert!(r.skip_rule(None, Some("KSCrash")).is_some());
        assert!(r.skip_rule(None, Some("ksCRASH")).is_some());
        assert!(r
            .skip_rule(Some("-[ViewController crash]"), Some("MyApp"))
            .is_none());
    }

    #[test]
    fn bad_tables_are_rejected() {
        let bad =
            "frames = 0\nsimilarity_frames = 8\nsimilarity_threshold = 0.5\nnull_below = 4096\n";
        assert!(SignatureRules::parse("t", bad).is_err());
        let bad_re =
            "frames = 3\nsimilarity_frames = 8\nsimilarity_threshold = 0.5\nnull_below = 4096\n\
                      [[normalize]]\nid = \"x\"\nwhat = \"x\"\npattern = \"(\"\n";
        assert!(SignatureRules::parse("t", bad_re).is_err());
    }
}
