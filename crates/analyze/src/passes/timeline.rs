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
        Some(s) => format!("T+{s:.3}s"),
        None => "at the crash".to_string(),
    };
    if let Some(n) = f.crashed_no {
        let place = f
            .frame0()
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
                "{} stopped with {how}{place}",
                crate::passes::concurrency::capitalize(&f.crashed_words())
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
