//! Near-duplicate buckets: "possibly the same". Two buckets are near when
//! their signatures differ in one frame, or when they share their top frames
//! at a different depth (an extra frame above, a different inlining). The
//! similarity is the longest common run of normalized frames, in order, over
//! the longer stack (0..1).

use crate::bucket::Bucket;
use serde::Serialize;
use std::collections::HashMap;

/// Frames two stacks must share in a row (when not "one frame differs"):
/// fewer, such as `main | start`, say nothing about the crash.
const MIN_RUN: usize = 3;

/// A frame shared by more buckets than this is too common to suggest a pair.
const COMMON_FRAME: usize = 200;

/// Two buckets that are possibly the same crash.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimilarPair {
    /// Bucket ids, the larger bucket first.
    pub a: String,
    pub b: String,
    /// Ranks (1-based positions in the bucket list).
    pub rank_a: usize,
    pub rank_b: usize,
    pub similarity: f64,
    /// "one frame differs", "same frames at a different depth", "similar stacks".
    pub why: String,
}

/// Near-duplicate pairs among `buckets` (sorted largest first), most similar first.
pub fn near_duplicates(buckets: &[Bucket], threshold: f64) -> Vec<SimilarPair> {
    // Candidates share at least one frame that is not everywhere.
    let mut by_frame: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, b) in buckets.iter().enumerate() {
        let mut seen: Vec<&str> = Vec::new();
        for f in &b.stack {
            if !seen.contains(&f.as_str()) {
                seen.push(f);
                by_frame.entry(f).or_default().push(i);
            }
        }
    }
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for list in by_frame
        .values()
        .filter(|l| l.len() > 1 && l.len() <= COMMON_FRAME)
    {
        for (k, &i) in list.iter().enumerate() {
            for &j in &list[k + 1..] {
                pairs.push((i.min(j), i.max(j)));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    let mut out = Vec::new();
    for (i, j) in pairs {
        let (a, b) = (&buckets[i], &buckets[j]);
        if let Some((similarity, why)) = compare(a, b) {
            if similarity >= threshold {
                out.push(SimilarPair {
                    a: a.id.clone(),
                    b: b.id.clone(),
                    rank_a: i + 1,
                    rank_b: j + 1,
                    similarity: (similarity * 100.0).round() / 100.0,
                    why,
                });
            }
        }
    }
    out.sort_by(|x, y| {
        y.similarity
            .total_cmp(&x.similarity)
            .then(x.rank_a.cmp(&y.rank_a))
            .then(x.rank_b.cmp(&y.rank_b))
    });
    out
}

/// Similarity and the reason, for two different buckets.
pub fn compare(a: &Bucket, b: &Bucket) -> Option<(f64, String)> {
    let (sa, sb) = (&a.stack, &b.stack);
    let longest = sa.len().max(sb.len());
    if longest == 0 {
        return None;
    }
    let (run, at_a, at_b) = longest_common_run(sa, sb);
    let differing: Vec<usize> = (0..a.frames.len())
        .filter(|&i| a.frames.get(i) != b.frames.get(i))
        .collect();
    let (similarity, why) = if a.frames.len() == b.frames.len() && differing.len() == 1 {
        // One frame differs: the frames that agree, weighted toward the top
        // (frame i weighs 1/(i+1)), so a different top frame scores low.
        let w = |i: usize| 1.0 / (i as f64 + 1.0);
        let total: f64 = (0..a.frames.len()).map(w).sum();
        let same: f64 = (0..a.frames.len())
            .filter(|i| !differing.contains(i))
            .map(w)
            .sum();
        (same / total, "one frame differs".to_string())
    } else if run < MIN_RUN || (at_a != 0 && at_b != 0) {
        // Sharing only frames deep in the stack (run loops, UIKit launch) is
        // not the same crash: the shared run must start at one's top.
        return None;
    } else if at_a != at_b {
        let s = if run == 1 { "" } else { "s" };
        (
            run as f64 / longest as f64,
            format!("same frames at a different depth ({run} frame{s} shared)"),
        )
    } else {
        (run as f64 / longest as f64, "same top frames".to_string())
    };
    if a.exception != b.exception {
        return Some((similarity * 0.9, format!("{why}; exception differs")));
    }
    Some((similarity, why))
}

/// The longest run of equal consecutive frames: (length, start in a, start in b).
fn longest_common_run(a: &[String], b: &[String]) -> (usize, usize, usize) {
    let mut best = (0, 0, 0);
    let mut prev = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        let mut cur = vec![0usize; b.len() + 1];
        for j in 1..=b.len() {
            if a[i - 1] == b[j - 1] {
                cur[j] = prev[j - 1] + 1;
                if cur[j] > best.0 {
                    best = (cur[j], i - cur[j], j - cur[j]);
                }
            }
        }
        prev = cur;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(id: &str, exc: &str, frames: &[&str], stack: &[&str]) -> Bucket {
        Bucket {
            id: id.into(),
            exception: exc.into(),
            frames: frames.iter().map(|s| s.to_string()).collect(),
            stack: stack.iter().map(|s| s.to_string()).collect(),
            count: 1,
            ..Default::default()
        }
    }

    #[test]
    fn one_frame_differs() {
        let a = bucket(
            "a",
            "E",
            &["f", "g", "h"],
            &["f", "g", "h", "main", "start"],
        );
        let b = bucket(
            "b",
            "E",
            &["f", "x", "h"],
            &["f", "x", "h", "main", "start"],
        );
        let (s, why) = compare(&a, &b).unwrap();
        assert_eq!(why, "one frame differs");
        // Frames 0 and 2 agree: (1 + 1/3) / (1 + 1/2 + 1/3).
        assert!((s - (4.0 / 3.0) / (11.0 / 6.0)).abs() < 1e-9, "{s}");
        // A different top frame is not the same crash.
        let c = bucket(
            "c",
            "E",
            &["x", "g", "h"],
            &["x", "g", "h", "main", "start"],
        );
        assert!(compare(&a, &c).unwrap().0 < 0.6);
    }

    #[test]
    fn same_top_frames_at_a_different_depth() {
        let a = bucket("a", "E", &["f", "g", "h"], &["f", "g", "h", "i"]);
        let b = bucket("b", "E", &["x", "f", "g"], &["x", "f", "g", "h"]);
        let (s, why) = compare(&a, &b).unwrap();
        assert!(why.starts_with("same frames at a different depth"), "{why}");
        assert!((s - 0.75).abs() < 1e-9);
    }

    #[test]
    fn sharing_only_main_and_start_is_not_enough() {
        let a = bucket("a", "E", &["main", "start"], &["main", "start"]);
        let b = bucket(
            "b",
            "E",
            &["start_threads", "main", "start"],
            &["start_threads", "main", "start"],
        );
        assert!(compare(&a, &b).is_none());
    }

    #[test]
    fn unrelated_buckets_are_not_paired() {
        let a = bucket("a", "E", &["f"], &["f", "g"]);
        let b = bucket("b", "E", &["x"], &["x", "y"]);
        let c = bucket("c", "E", &["f", "q", "r"], &["f", "q", "r", "s"]);
        let pairs = near_duplicates(&[a, b, c], 0.6);
        assert!(pairs.is_empty(), "{pairs:?}");
    }

    #[test]
    fn pairs_are_found_through_the_index() {
        let a = bucket("a", "E", &["f", "g", "h"], &["f", "g", "h"]);
        let b = bucket("b", "E", &["f", "g", "z"], &["f", "g", "z"]);
        let pairs = near_duplicates(&[a, b], 0.6);
        assert_eq!(pairs.len(), 1);
        assert_eq!((pairs[0].rank_a, pairs[0].rank_b), (1, 2));
    }
}
