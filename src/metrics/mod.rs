//! Placeholder until the metrics module lands: the types only.

use crate::record::RunRecord;
use crate::scenario::Scenario;

/// One headline number of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: f64,
}

/// One point of a per-run time series.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesPoint {
    /// The series.
    pub series: String,
    /// The epoch.
    pub step: u64,
    /// The value.
    pub value: f64,
}

/// A run's metrics and series.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunMetrics {
    /// Headline numbers, sorted by name.
    pub metrics: Vec<Metric>,
    /// Time series, sorted by (series, step).
    pub series: Vec<SeriesPoint>,
}

/// Every metric of one run.
pub fn compute(_scenario: &Scenario, _record: &RunRecord) -> RunMetrics {
    RunMetrics::default()
}
