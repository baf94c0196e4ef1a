//! The terminal's view of an operation's [`Progress`]: an indicatif bar on stderr (simulated
//! days and days per second for a run, runs for a sweep; hidden with `--quiet` or when stderr is
//! not a terminal), and notes printed on stderr.
//!
//! May depend on: the api's progress, indicatif.

use crate::api::{Progress, Unit};
use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use std::io::IsTerminal;

/// Progress on the terminal.
pub struct Terminal {
    quiet: bool,
    bar: Option<ProgressBar>,
}

impl Terminal {
    /// A bar unless `quiet`.
    pub fn new(quiet: bool) -> Terminal {
        Terminal { quiet, bar: None }
    }
}

impl Progress for Terminal {
    fn start(&mut self, label: &str, total: u64, unit: Unit) {
        let bar = match unit {
            Unit::Blocks => day_bar(total, self.quiet),
            Unit::Runs => progress_bar(
                total,
                "{spinner} {msg} [{bar:30}] {pos}/{len} runs ({per_sec}, eta {eta})",
                self.quiet,
            ),
        };
        bar.set_message(label.to_string());
        self.bar = Some(bar);
    }

    fn set(&mut self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    fn note(&mut self, line: &str) {
        eprintln!("{line}");
    }
}

/// A progress bar on a terminal (hidden when `quiet` or when stderr is not a terminal).
fn progress_bar(len: u64, template: &str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Blocks per simulated day.
const BLOCKS_PER_DAY: f64 = 7_200.0;

/// A run's progress bar: simulated days done, of all, simulated days per second, time left.
fn day_bar(blocks: u64, quiet: bool) -> ProgressBar {
    let bar = progress_bar(
        blocks,
        "{spinner} {msg} [{bar:30}] day {day}/{days} ({days_per_sec} days/s, eta {eta})",
        quiet,
    );
    let style = bar.style();
    let days = move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = write!(w, "{:.1}", blocks as f64 / BLOCKS_PER_DAY);
    };
    let day = |state: &ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = write!(w, "{:.1}", state.pos() as f64 / BLOCKS_PER_DAY);
    };
    let rate = |state: &ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = write!(w, "{:.2}", state.per_sec() / BLOCKS_PER_DAY);
    };
    bar.set_style(
        style
            .with_key("days", days)
            .with_key("day", day)
            .with_key("days_per_sec", rate),
    );
    bar
}
