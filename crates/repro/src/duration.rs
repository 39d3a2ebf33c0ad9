//! Parsing and printing durations written like `30s`, `2m`, `500ms`, `1h`,
//! `1.5s` (a bare number means seconds).

use crate::error::ReproError;
use std::time::Duration;

/// Parse a duration such as `30s`, `2m`, `500ms`, `1h`, `250us` or `1.5s`.
pub fn parse_duration(text: &str) -> Result<Duration, ReproError> {
    let t = text.trim();
    let bad = || ReproError::Usage(format!("bad duration {text:?} (write e.g. 30s, 2m, 500ms)"));
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if num.is_empty() {
        return Err(bad());
    }
    let value: f64 = num.parse().map_err(|_| bad())?;
    let scale = match unit.trim() {
        "" | "s" | "sec" | "secs" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        "m" | "min" | "mins" => 60.0,
        "h" | "hr" | "hrs" => 3600.0,
        _ => return Err(bad()),
    };
    let secs = value * scale;
    if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Print a duration compactly: `850ms`, `12.3s`, `4m05s`.
pub fn format_duration(d: Duration) -> String {
    format_ms(d.as_secs_f64() * 1000.0)
}

/// Print milliseconds compactly (see [`format_duration`]).
pub fn format_ms(ms: f64) -> String {
    if !ms.is_finite() {
        return "-".to_string();
    }
    if ms < 1000.0 {
        format!("{ms:.0}ms")
    } else if ms < 60_000.0 {
        format!("{:.1}s", ms / 1000.0)
    } else {
        let total = (ms / 1000.0).round() as u64;
        format!("{}m{:02}s", total / 60, total % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("7").unwrap(), Duration::from_secs(7));
    }

    #[test]
    fn rejects_junk() {
        for bad in ["", "s", "10x", "-1s", "1..2s", "abc"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(format_ms(850.0), "850ms");
        assert_eq!(format_ms(12_345.0), "12.3s");
        assert_eq!(format_ms(245_000.0), "4m05s");
    }
}
