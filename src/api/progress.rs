//! How an operation tells its caller how far it is, what it noticed, and learns whether to
//! stop: the CLI draws a terminal progress bar, the Python module a notebook one and checks for
//! Ctrl-C. A leaf file.
//!
//! May depend on: std.

/// What a phase counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Simulated blocks of one run (7 200 a day).
    Blocks,
    /// Runs of a sweep.
    Runs,
}

/// Progress, notes and interruption of an operation. Every call comes from the thread that
/// called the operation.
pub trait Progress {
    /// A phase begins: `total` units of `unit`, for `label` (a scenario's name).
    fn start(&mut self, _label: &str, _total: u64, _unit: Unit) {}
    /// `done` units of the phase are done.
    fn set(&mut self, _done: u64) {}
    /// The phase is over.
    fn finish(&mut self) {}
    /// Something the user should know that is not an error (a leftover removed, a warning of
    /// the report); one line.
    fn note(&mut self, _line: &str) {}
    /// Whether the caller asked to stop (checked after each [`Progress::set`]).
    fn cancelled(&mut self) -> bool {
        false
    }
}

/// No progress shown, notes dropped, never cancelled.
pub struct Silent;

impl Progress for Silent {}
