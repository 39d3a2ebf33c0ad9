//! Report timestamps ("2025-12-20 17:36:18.2862 -0800") to seconds, without a
//! calendar crate: only differences between two stamps are ever needed.

/// Seconds since 1970-01-01 UTC for a report timestamp: `YYYY-MM-DD HH:MM:SS[.frac] [±HHMM]`.
/// Returns `None` for anything else.
pub fn parse_timestamp(s: &str) -> Option<f64> {
    let s = s.trim();
    let mut parts = s.split_whitespace();
    let date = parts.next()?;
    let time = parts.next()?;
    let zone = parts.next();
    let mut d = date.split('-');
    let y: i64 = d.next()?.parse().ok()?;
    let m: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let mut t = time.split(':');
    let hh: i64 = t.next()?.parse().ok()?;
    let mm: i64 = t.next()?.parse().ok()?;
    let ss: f64 = t.next()?.parse().ok()?;
    if hh > 23 || mm > 59 || !(0.0..61.0).contains(&ss) {
        return None;
    }
    // "+0400", or "+04:00" as Xcode's text exports write it.
    let offset_min = match zone {
        Some(z) if (z.len() == 5 || z.len() == 6) && (z.starts_with('+') || z.starts_with('-')) => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let h: i64 = z.get(1..3)?.parse().ok()?;
            let rest = z.get(3..)?;
            let rest = if z.len() == 6 {
                rest.strip_prefix(':')?
            } else {
                rest
            };
            let mi: i64 = rest.parse().ok()?;
            sign * (h * 60 + mi)
        }
        _ => 0,
    };
    let days = days_from_civil(y, m, day);
    Some((days * 86400 + hh * 3600 + mm * 60 - offset_min * 60) as f64 + ss)
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// Seconds from `earlier` to `later`, when both parse.
pub fn seconds_between(earlier: &str, later: &str) -> Option<f64> {
    Some(parse_timestamp(later)? - parse_timestamp(earlier)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_launch_to_crash() {
        let d = seconds_between(
            "2025-12-20 17:36:17.8560 -0800",
            "2025-12-20 17:36:18.2862 -0800",
        )
        .unwrap();
        assert!((d - 0.4302).abs() < 1e-6, "{d}");
    }

    #[test]
    fn epoch_and_zones() {
        assert_eq!(parse_timestamp("1970-01-01 00:00:00 +0000"), Some(0.0));
        assert_eq!(parse_timestamp("1970-01-01 01:00:00 +0100"), Some(0.0));
        assert_eq!(parse_timestamp("1970-01-01 01:00:00 +01:00"), Some(0.0));
        assert_eq!(parse_timestamp("1970-01-01 00:00:00 -01:30"), Some(5400.0));
        assert_eq!(parse_timestamp("1970-01-01 00:00:00 +01-30"), None);
        assert_eq!(parse_timestamp("2000-03-01 00:00:00"), Some(951868800.0));
        assert_eq!(parse_timestamp("garbage"), None);
        assert_eq!(parse_timestamp("2020-13-01 00:00:00"), None);
    }
}
