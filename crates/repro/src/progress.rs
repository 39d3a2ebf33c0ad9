//! Progress while runs go: an indicatif bar with live crash counts per
//! configuration on a terminal, a plain line every few seconds otherwise.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A bar if stderr is a terminal, else lines.
    Auto,
    Bar,
    Lines,
    Quiet,
}

/// Runs and crashes so far for one configuration.
#[derive(Debug, Clone, Default)]
pub struct Count {
    pub name: String,
    pub runs: u64,
    pub crashes: u64,
}

pub struct Progress {
    bar: Option<ProgressBar>,
    lines_every: Option<Duration>,
    last_line: Instant,
    total: u64,
}

/// `nolock 3/10 crashed · lock 0/10 crashed`
pub fn describe(counts: &[Count]) -> String {
    counts
        .iter()
        .map(|c| format!("{} {}/{} crashed", c.name, c.crashes, c.runs))
        .collect::<Vec<_>>()
        .join(" · ")
}

impl Progress {
    pub fn new(mode: ProgressMode, total: u64, done: u64) -> Self {
        let mode = match mode {
            ProgressMode::Auto if std::io::stderr().is_terminal() => ProgressMode::Bar,
            ProgressMode::Auto => ProgressMode::Lines,
            m => m,
        };
        let bar = (mode == ProgressMode::Bar).then(|| {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
            {
                b.set_style(style.progress_chars("=> "));
            }
            b.set_position(done);
            b
        });
        Progress {
            bar,
            lines_every: (mode == ProgressMode::Lines).then_some(Duration::from_secs(5)),
            last_line: Instant::now(),
            total,
        }
    }

    /// Show the state after a run finished (or on a tick, with `force` false).
    pub fn update(&mut self, done: u64, counts: &[Count], force: bool) {
        if let Some(b) = &self.bar {
            b.set_message(describe(counts));
            b.set_position(done);
        }
        if let Some(every) = self.lines_every {
            if force || self.last_line.elapsed() >= every {
                eprintln!("repro: {done}/{} runs: {}", self.total, describe(counts));
                self.last_line = Instant::now();
            }
        }
    }

    pub fn finish(&mut self, done: u64, counts: &[Count]) {
        if let Some(b) = self.bar.take() {
            b.set_position(done);
            b.finish_with_message(describe(counts));
        }
        if self.lines_every.is_some() {
            eprintln!("repro: {done}/{} runs: {}", self.total, describe(counts));
        }
    }
}
