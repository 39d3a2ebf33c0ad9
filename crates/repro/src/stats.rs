//! Statistics for crash rates: Wilson score interval, the 3/N rule for zero
//! crashes, runs needed to see a crash, Fisher's exact test (two-sided, via
//! log-factorials), Holm's step-down correction, and the Kaplan-Meier median
//! time to crash with non-crashing runs censored. Pure functions, no I/O.

/// The 97.5% quantile of the standard normal distribution (two-sided 95%).
pub const Z95: f64 = 1.959_963_984_540_054;

/// A proportion's confidence interval, as fractions in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// Wilson score interval for `k` successes out of `n` trials at normal quantile `z`.
/// Returns `None` when `n` is 0 or `k > n`.
pub fn wilson(k: u64, n: u64, z: f64) -> Option<Interval> {
    if n == 0 || k > n {
        return None;
    }
    let nf = n as f64;
    let p = k as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let center = (p + z2 / (2.0 * nf)) / denom;
    let half = z / denom * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    // At the edges the exact bound is 0 or 1; avoid rounding noise there.
    let low = if k == 0 {
        0.0
    } else {
        (center - half).max(0.0)
    };
    let high = if k == n {
        1.0
    } else {
        (center + half).min(1.0)
    };
    Some(Interval { low, high })
}

/// The "rule of three": with 0 events in `n` trials the one-sided 95% upper
/// bound on the rate is about 3/n. `None` for `n == 0`.
pub fn rule_of_three(n: u64) -> Option<f64> {
    if n == 0 {
        None
    } else {
        Some((3.0 / n as f64).min(1.0))
    }
}

/// How many runs are needed to see at least one crash with probability
/// `confidence` (e.g. 0.95) when each run crashes with probability `rate`.
/// `None` when `rate` is 0 (no finite number suffices) or not a probability.
pub fn runs_needed(rate: f64, confidence: f64) -> Option<u64> {
    let valid = rate > 0.0 && rate <= 1.0 && confidence > 0.0 && confidence < 1.0;
    if !valid {
        return None;
    }
    if rate >= 1.0 {
        return Some(1);
    }
    let n = ((1.0 - confidence).ln() / (1.0 - rate).ln()).ceil();
    if n.is_finite() && n >= 1.0 {
        Some(n as u64)
    } else {
        Some(1)
    }
}

/// ln(k!) for k = 0..=n, by summation (exact enough for run counts).
fn log_factorials(n: u64) -> Vec<f64> {
    let mut out = Vec::with_capacity(n as usize + 1);
    let mut acc = 0.0f64;
    out.push(0.0);
    for k in 1..=n {
        acc += (k as f64).ln();
        out.push(acc);
    }
    out
}

/// Two-sided Fisher exact test for the 2x2 table
/// `[[a, b], [c, d]]` (rows: configurations; columns: crashed, did not).
/// Sums the hypergeometric probabilities of all tables with the same margins
/// that are no more likely than the observed one (the convention R uses).
pub fn fisher_exact_two_sided(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let row1 = a + b;
    let row2 = c + d;
    let col1 = a + c;
    let n = row1 + row2;
    if n == 0 {
        return 1.0;
    }
    let lf = log_factorials(n);
    let lf_at = |k: u64| lf.get(k as usize).copied().unwrap_or(0.0);
    // log P(X = x) where X is the top-left cell.
    let log_p = |x: u64| -> f64 {
        let b = row1 - x;
        let c = col1 - x;
        let d = row2 - c;
        lf_at(row1) + lf_at(row2) + lf_at(col1) + lf_at(n - col1)
            - lf_at(n)
            - lf_at(x)
            - lf_at(b)
            - lf_at(c)
            - lf_at(d)
    };
    let lo = col1.saturating_sub(row2);
    let hi = row1.min(col1);
    let observed = log_p(a);
    // Relative tolerance for ties, as in R's fisher.test.
    let threshold = observed + (1.0 + 1e-7f64).ln();
    let mut total = 0.0;
    for x in lo..=hi {
        let lp = log_p(x);
        if lp <= threshold {
            total += lp.exp();
        }
    }
    total.min(1.0)
}

/// Holm's step-down adjustment of p-values; output in the input's order.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].partial_cmp(&p[j]).unwrap_or(std::cmp::Ordering::Equal));
    let mut adjusted = vec![0.0; m];
    let mut running = 0.0f64;
    for (rank, &idx) in order.iter().enumerate() {
        let v = ((m - rank) as f64 * p[idx]).min(1.0);
        running = running.max(v);
        adjusted[idx] = running;
    }
    adjusted
}

/// One observation for survival analysis: a time, and whether the event (a
/// crash) happened at that time (`true`) or the run was censored (`false`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub time: f64,
    pub event: bool,
}

/// Kaplan-Meier median time to event: the smallest event time at which the
/// survival estimate drops to 0.5 or below. `None` if it never does
/// (median not reached). Events sort before censorings at equal times.
pub fn kaplan_meier_median(obs: &[Observation]) -> Option<f64> {
    let mut sorted: Vec<Observation> = obs.iter().copied().filter(|o| o.time.is_finite()).collect();
    sorted.sort_by(|x, y| {
        x.time
            .partial_cmp(&y.time)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(y.event.cmp(&x.event))
    });
    let mut at_risk = sorted.len() as f64;
    let mut survival = 1.0f64;
    let mut i = 0;
    while i < sorted.len() {
        let t = sorted[i].time;
        let mut events = 0.0;
        let mut leaving = 0.0;
        while i < sorted.len() && sorted[i].time == t {
            if sorted[i].event {
                events += 1.0;
            }
            leaving += 1.0;
            i += 1;
        }
        if events > 0.0 && at_risk > 0.0 {
            survival *= 1.0 - events / at_risk;
            if survival <= 0.5 + 1e-12 {
                return Some(t);
            }
        }
        at_risk -= leaving;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn wilson_55_of_100_matches_published() {
        // Wilson 95% for 55/100: (0.4524, 0.6438), e.g. R binom::binom.wilson / statsmodels.
        let i = wilson(55, 100, Z95).unwrap();
        assert!(close(i.low, 0.4524, 1e-4), "{i:?}");
        assert!(close(i.high, 0.6438, 1e-4), "{i:?}");
    }

    #[test]
    fn wilson_zero_and_all() {
        // 0/10: upper = z^2/(n+z^2) = 3.8415/13.8415 = 0.2775.
        let i = wilson(0, 10, Z95).unwrap();
        assert_eq!(i.low, 0.0);
        assert!(close(i.high, 0.2775, 1e-4), "{i:?}");
        let j = wilson(10, 10, Z95).unwrap();
        assert!(close(j.low, 1.0 - 0.2775, 1e-4), "{j:?}");
        assert_eq!(j.high, 1.0);
        assert!(wilson(0, 0, Z95).is_none());
        assert!(wilson(3, 2, Z95).is_none());
    }

    #[test]
    fn rule_of_three_values() {
        assert_eq!(rule_of_three(100), Some(0.03));
        assert_eq!(rule_of_three(2), Some(1.0));
        assert_eq!(rule_of_three(0), None);
    }

    #[test]
    fn runs_needed_values() {
        // 1 - 0.45^n >= 0.95  =>  n >= ln 0.05 / ln 0.45 = 3.75  => 4
        assert_eq!(runs_needed(0.55, 0.95), Some(4));
        // p = 0.01: ln 0.05 / ln 0.99 = 298.07 => 299
        assert_eq!(runs_needed(0.01, 0.95), Some(299));
        assert_eq!(runs_needed(1.0, 0.95), Some(1));
        assert_eq!(runs_needed(0.0, 0.95), None);
    }

    #[test]
    fn fisher_lady_tasting_tea() {
        // Fisher's tea-tasting table [[3,1],[1,3]]: two-sided p = 0.4857 (R fisher.test).
        let p = fisher_exact_two_sided(3, 1, 1, 3);
        assert!(close(p, 0.4857, 1e-4), "{p}");
    }

    #[test]
    fn fisher_0_of_100_vs_55_of_100() {
        // [[0,100],[55,45]]: two-sided p about 1.6e-21 (R: fisher.test(matrix(c(0,55,100,45),2))).
        let p = fisher_exact_two_sided(0, 100, 55, 45);
        assert!(p > 1.5e-21 && p < 1.7e-21, "{p:e}");
        // Symmetric in row order.
        let q = fisher_exact_two_sided(55, 45, 0, 100);
        assert!(close(p.ln(), q.ln(), 1e-9));
    }

    #[test]
    fn fisher_identical_rows_is_one() {
        let p = fisher_exact_two_sided(5, 5, 5, 5);
        assert!(close(p, 1.0, 1e-12), "{p}");
        assert_eq!(fisher_exact_two_sided(0, 0, 0, 0), 1.0);
    }

    #[test]
    fn holm_known_vector() {
        // R: p.adjust(c(0.01,0.02,0.03,0.04,0.05), "holm") = 0.05 0.08 0.09 0.09 0.09
        let adj = holm(&[0.01, 0.02, 0.03, 0.04, 0.05]);
        let want = [0.05, 0.08, 0.09, 0.09, 0.09];
        for (a, w) in adj.iter().zip(want) {
            assert!(close(*a, w, 1e-12), "{adj:?}");
        }
        // Input order is kept, values capped at 1.
        let adj = holm(&[0.5, 0.01]);
        assert!(
            close(adj[0], 0.5, 1e-12) && close(adj[1], 0.02, 1e-12),
            "{adj:?}"
        );
        assert_eq!(holm(&[0.9, 0.8, 0.7]), vec![1.0, 1.0, 1.0]);
    }

    #[test]
    fn kaplan_meier_hand_worked() {
        // Times 1(crash) 2(censored) 3(crash) 4(crash) 5(censored):
        // S(1)=4/5=0.8, S(3)=0.8*2/3=0.533, S(4)=0.533*1/2=0.267 -> median 4.
        let obs = [
            Observation {
                time: 1.0,
                event: true,
            },
            Observation {
                time: 2.0,
                event: false,
            },
            Observation {
                time: 3.0,
                event: true,
            },
            Observation {
                time: 4.0,
                event: true,
            },
            Observation {
                time: 5.0,
                event: false,
            },
        ];
        assert_eq!(kaplan_meier_median(&obs), Some(4.0));
    }

    #[test]
    fn kaplan_meier_not_reached_and_exact_half() {
        let obs = [
            Observation {
                time: 1.0,
                event: true,
            },
            Observation {
                time: 2.0,
                event: false,
            },
            Observation {
                time: 3.0,
                event: false,
            },
        ];
        assert_eq!(kaplan_meier_median(&obs), None);
        // Two runs, one crash at t=2: S(2)=0.5 exactly -> median 2.
        let obs = [
            Observation {
                time: 2.0,
                event: true,
            },
            Observation {
                time: 9.0,
                event: false,
            },
        ];
        assert_eq!(kaplan_meier_median(&obs), Some(2.0));
        assert_eq!(kaplan_meier_median(&[]), None);
    }
}
