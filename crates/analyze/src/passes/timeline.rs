//! The timeline (`a.timeline`): launch time, capture time, seconds between them,
//! uptime at the crash, and what each thread group was doing at the crash.

use crate::passes::verdict::facts::{threads_words, Facts};
use crate::Context;
use crashlens_model::{time, Analysis, Timeline, TimelineEvent};

pub fn run(cx: &Context, a: &mut Analysis) {
    let r = cx.report;
    let f = Facts::gather(r, a);
    let mut t = Timeline {
        launch_time: r.process.launch_time.clone(),
        capture_time: r.system.capture_time.clone(),
        uptime_seconds: r.system.uptime_seconds,
        ..Default::default()
    };
    if let (Some(l), Some(c)) = (&t.launch_time, &t.capture_time) {
        // A negative span means clocks or zones the stamps do not show: leave it out.
        t.seconds_after_launch = time::seconds_between(l, c).filter(|s| s.is_finite() && *s >= 0.0);
    }

    if let Some(l) = &t.launch_time {
        t.events.push(TimelineEvent {
            at: "T+0.000s".into(),
            what: format!("process launched ({l})"),
            threads: vec![],
        });
    }
    let at = match t.seconds_after_launch {
        Some(s) if s >= 60.0 => format!("T+{s:.3}s ({} after launch)", span_words(s)),
        Some(s) => format!("T+{s:.3}s"),
        None => "at the crash".to_string(),
    };
    if let Some(n) = f.crashed_no {
        // A killed process was stopped wherever it was: name a real frame.
        let frame = if f.is_killed() {
            f.frames
                .iter()
                .find(|x| !x.symbol.starts_with("???") && !x.symbol.starts_with("0x"))
                .or(f.frame0())
        } else {
            f.frame0()
        };
        let place = frame
            .map(|x| format!(" in {}", x.describe()))
            .unwrap_or_default();
        let how = match (&f.signal, &f.exc_type) {
            (Some(s), _) => s.clone(),
            (None, Some(e)) => e.clone(),
            (None, None) => "crashed".to_string(),
        };
        t.events.push(TimelineEvent {
            at: at.clone(),
            what: format!(
                "{} {} {how}{place}",
                crate::passes::concurrency::capitalize(&f.crashed_words()),
                if f.is_killed() {
                    "was killed by"
                } else {
                    "stopped with"
                },
            ),
            threads: vec![n],
        });
    } else if t.capture_time.is_some() {
        t.events.push(TimelineEvent {
            at: at.clone(),
            what: "report captured".into(),
            threads: vec![],
        });
    }
    for g in &a.thread_groups {
        let others: Vec<u32> = g
            .threads
            .iter()
            .copied()
            .filter(|x| Some(*x) != f.crashed_no)
            .collect();
        if others.is_empty() {
            continue;
        }
        let context = g
            .context
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|c| format!(", in `{c}`"))
            .unwrap_or_default();
        let label = if g.state_label.is_empty() {
            g.state.as_str()
        } else {
            g.state_label.as_str()
        };
        t.events.push(TimelineEvent {
            at: at.clone(),
            what: format!(
                "{}: {label}{context}",
                crate::passes::concurrency::capitalize(&threads_words(&others))
            ),
            threads: others,
        });
    }
    if t.launch_time.is_none()
        && t.capture_time.is_none()
        && t.uptime_seconds.is_none()
        && t.events.is_empty()
    {
        return;
    }
    a.timeline = Some(t);
}

/// "3 h 57 min", "12 min 5 s", "45 s".
fn span_words(seconds: f64) -> String {
    // Whole seconds; reports' spans are far below u64 range, and `as` saturates.
    let total = seconds.max(0.0).round() as u64;
    let (d, h, m, s) = (
        total / 86_400,
        total / 3600 % 24,
        total / 60 % 60,
        total % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, _) => format!("{m} min {s} s"),
        (0, _, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn spans() {
        assert_eq!(super::span_words(14239.658), "3 h 57 min");
        assert_eq!(super::span_words(725.0), "12 min 5 s");
        assert_eq!(super::span_words(45.2), "45 s");
        assert_eq!(super::span_words(200_000.0), "2 d 7 h");
    }
}
