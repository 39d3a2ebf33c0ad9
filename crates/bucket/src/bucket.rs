//! Buckets: reports that share a signature, with what a triager needs to see
//! of them: count, first and last seen (capture time), the spread of OS
//! versions, hardware models, app versions and GPU drivers, crashed-thread
//! names, one example file and the leading hypothesis.

use crate::summary::ReportSummary;
use crashlens_knowledge::memo::TextIsHashed;
use crashlens_model::time::parse_timestamp;
use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, HashMap};

/// Distinct values kept per spread; more are counted as "other" so a bucket's
/// size stays bounded whatever the input.
pub const SPREAD_LIMIT: usize = 256;

/// How often each value was seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spread {
    values: BTreeMap<String, u64>,
    /// Reports whose value did not fit in [`SPREAD_LIMIT`].
    pub other: u64,
}

impl Spread {
    pub fn add(&mut self, value: &str) {
        if let Some(n) = self.values.get_mut(value) {
            *n += 1;
        } else if self.values.len() < SPREAD_LIMIT {
            self.values.insert(value.to_string(), 1);
        } else {
            self.other += 1;
        }
    }

    /// Values, most frequent first (ties by value).
    pub fn top(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.values.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.other == 0
    }

    /// "iPhone OS 16.0 ×3, macOS 12.4" (counts shown when above 1).
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .top()
            .iter()
            .map(|(v, n)| {
                if *n > 1 {
                    format!("{v} ×{n}")
                } else {
                    v.to_string()
                }
            })
            .collect();
        if self.other > 0 {
            parts.push(format!("{} others", self.other));
        }
        parts.join(", ")
    }
}

#[derive(Serialize)]
struct SpreadItem<'a> {
    value: &'a str,
    count: u64,
}

impl Serialize for Spread {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let top = self.top();
        let mut seq = s.serialize_seq(Some(top.len() + usize::from(self.other > 0)))?;
        for (value, count) in top {
            seq.serialize_element(&SpreadItem { value, count })?;
        }
        if self.other > 0 {
            seq.serialize_element(&SpreadItem {
                value: "(other)",
                count: self.other,
            })?;
        }
        seq.end()
    }
}

/// One bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Bucket {
    /// Short hash of the signature.
    pub id: String,
    pub signature: String,
    pub exception: String,
    pub frames: Vec<String>,
    pub count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<String>,
    pub os_versions: Spread,
    pub hardware_models: Spread,
    pub app_versions: Spread,
    pub gpu_drivers: Spread,
    pub thread_names: Spread,
    pub processes: Spread,
    /// One report of the bucket (the first by path).
    pub example: String,
    /// The leading hypothesis of the example report's analysis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hypothesis: Option<String>,
    /// The first frames after skipping, for near-duplicate search.
    #[serde(skip)]
    pub stack: Vec<String>,
    #[serde(skip)]
    pub(crate) first_ts: Option<f64>,
    #[serde(skip)]
    pub(crate) last_ts: Option<f64>,
}

impl Bucket {
    fn new(s: &ReportSummary) -> Bucket {
        Bucket {
            id: s.bucket.clone(),
            signature: s.signature.clone(),
            exception: s.exception.clone(),
            frames: s.frames.clone(),
            stack: s.stack.clone(),
            example: s.path.clone(),
            ..Default::default()
        }
    }

    fn add(&mut self, s: &ReportSummary) {
        self.count += 1;
        if s.path < self.example {
            self.example = s.path.clone();
        }
        if let Some(t) = s.capture_time.as_deref() {
            match parse_timestamp(t) {
                Some(ts) => {
                    if !matches!(self.first_ts, Some(f) if f <= ts) {
                        self.first_ts = Some(ts);
                        self.first_seen = Some(t.to_string());
                    }
                    if !matches!(self.last_ts, Some(l) if l >= ts) {
                        self.last_ts = Some(ts);
                        self.last_seen = Some(t.to_string());
                    }
                }
                None => {
                    // Unparsed times still show when nothing better is known.
                    if self.first_ts.is_none() {
                        self.first_seen.get_or_insert_with(|| t.to_string());
                        self.last_seen.get_or_insert_with(|| t.to_string());
                    }
                }
            }
        }
        let opt =
            |spread: &mut Spread, v: &Option<String>| spread.add(v.as_deref().unwrap_or("unknown"));
        opt(&mut self.os_versions, &s.os_version);
        opt(&mut self.hardware_models, &s.hardware_model);
        opt(&mut self.app_versions, &s.app_version);
        opt(&mut self.thread_names, &s.thread_name);
        opt(&mut self.processes, &s.process);
        for g in &s.gpu_drivers {
            self.gpu_drivers.add(g);
        }
    }
}

/// Buckets being filled, keyed by signature (hashed with XXH3, not SipHash:
/// every report's signature is looked up, and the order of the map never
/// reaches the output, which [`Buckets::into_sorted`] sorts).
#[derive(Debug, Default)]
pub struct Buckets {
    map: HashMap<String, Bucket, TextIsHashed>,
}

impl Buckets {
    pub fn add(&mut self, s: &ReportSummary) {
        // The signature is copied only for a new bucket.
        match self.map.get_mut(&s.signature) {
            Some(b) => b.add(s),
            None => {
                let mut b = Bucket::new(s);
                b.add(s);
                self.map.insert(s.signature.clone(), b);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Largest first; equal counts by signature.
    pub fn into_sorted(self) -> Vec<Bucket> {
        let mut v: Vec<Bucket> = self.map.into_values().collect();
        v.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.signature.cmp(&b.signature))
        });
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(path: &str, sig: &str, time: &str, os: &str) -> ReportSummary {
        ReportSummary {
            path: path.into(),
            bucket: crate::summary::bucket_id(sig),
            signature: sig.into(),
            capture_time: Some(time.into()),
            os_version: Some(os.into()),
            ..Default::default()
        }
    }

    #[test]
    fn aggregates_counts_spreads_and_times() {
        let mut b = Buckets::default();
        b.add(&summary(
            "b.ips",
            "A | f",
            "2022-09-18 15:28:37.34 +0900",
            "iOS 16",
        ));
        b.add(&summary(
            "a.ips",
            "A | f",
            "2022-09-18 08:00:00 +0000",
            "iOS 16",
        ));
        b.add(&summary(
            "c.ips",
            "A | f",
            "2021-01-01 00:00:00 +0000",
            "iOS 15",
        ));
        b.add(&summary(
            "d.ips",
            "B | g",
            "2021-01-01 00:00:00 +0000",
            "iOS 15",
        ));
        let v = b.into_sorted();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].count, 3);
        assert_eq!(v[0].example, "a.ips");
        assert_eq!(
            v[0].first_seen.as_deref(),
            Some("2021-01-01 00:00:00 +0000")
        );
        // 15:28:37 +0900 is 06:28:37 UTC, before 08:00 UTC.
        assert_eq!(v[0].last_seen.as_deref(), Some("2022-09-18 08:00:00 +0000"));
        assert_eq!(v[0].os_versions.describe(), "iOS 16 ×2, iOS 15");
        assert_eq!(v[1].count, 1);
    }

    #[test]
    fn zones_with_a_colon_order_first_and_last_seen() {
        // Xcode's text exports write "+04:00"; the model's parser reads it.
        assert_eq!(
            parse_timestamp("2022-08-05 13:24:19.116 +04:00"),
            parse_timestamp("2022-08-05 13:24:19.116 +0400")
        );
        assert!(parse_timestamp("2022-08-05 13:24:19.116 +04:00").is_some());
    }

    #[test]
    fn spreads_are_bounded() {
        let mut s = Spread::default();
        for i in 0..SPREAD_LIMIT + 10 {
            s.add(&i.to_string());
        }
        assert_eq!(s.top().len(), SPREAD_LIMIT);
        assert_eq!(s.other, 10);
    }
}
