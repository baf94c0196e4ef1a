//! `taosim check`: regression of the economics against committed baselines.
//!
//! A suite is a directory of scenario files; each is run once with its seed (its `sweep`
//! section, if any, is ignored) and measured: every metric of the run ([`run_metrics`]) plus
//! each agent's total emission over the run (`agent_emission.<agent>`, alpha), which pins the
//! chain core's dividends and incentives agent by agent. A baseline
//! (`baselines/<scenario name>.json`) holds, per metric, the blessed value and a tolerance, and
//! the hash of the scenario file it was blessed from: a changed scenario file invalidates its
//! baseline (the numbers would no longer be comparable) instead of reporting drift.
//!
//! A metric **drifts** when |now − baseline| > max(abs, rel × |baseline|); a metric missing
//! from the run drifts too; a metric new in the run is reported but does not fail (bless to
//! track it). Blessing keeps each metric's tolerance and gives new metrics [`Tolerance::DEFAULT`].
//!
//! May depend on: `scenario`, `sim`, `runner`, `metrics`, `record`, serde. Files are read and
//! written by the CLI (`cli_check`).

use crate::record::RunRecord;
use crate::runner::run_metrics;
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How far a metric may move.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tolerance {
    /// Absolute tolerance.
    #[serde(default)]
    pub abs: f64,
    /// Relative tolerance (of the baseline's magnitude).
    #[serde(default)]
    pub rel: f64,
}

impl Tolerance {
    /// For newly blessed metrics: float noise only (the simulation is deterministic, so any
    /// change of the economics shows).
    pub const DEFAULT: Tolerance = Tolerance {
        abs: 1e-9,
        rel: 1e-6,
    };

    /// Whether `now` is within tolerance of `baseline`.
    pub fn holds(&self, baseline: f64, now: f64) -> bool {
        (now - baseline).abs() <= self.abs.max(self.rel * baseline.abs())
    }
}

/// One blessed metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineMetric {
    /// Its name.
    pub metric: String,
    /// The blessed value.
    pub value: f64,
    /// How far it may move.
    pub tolerance: Tolerance,
}

/// `baselines/<scenario>.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The scenario's name.
    pub scenario: String,
    /// Hash of the scenario file ([`file_hash`]).
    pub scenario_hash: String,
    /// The seed it ran with.
    pub seed: u64,
    /// The metrics, sorted by name.
    pub metrics: Vec<BaselineMetric>,
}

/// What happened to one metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Unchanged.
    Same,
    /// Changed within tolerance.
    Moved,
    /// Beyond tolerance (or gone): fails the check.
    Drift,
    /// Not in the baseline.
    New,
}

impl Status {
    /// As printed.
    pub fn label(self) -> &'static str {
        match self {
            Status::Same => "same",
            Status::Moved => "moved",
            Status::Drift => "DRIFT",
            Status::New => "new",
        }
    }
}

/// One metric of one scenario, compared.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The metric.
    pub metric: String,
    /// The baseline's value.
    pub baseline: Option<f64>,
    /// The run's value.
    pub now: Option<f64>,
    /// The tolerance applied.
    pub tolerance: Tolerance,
    /// The verdict.
    pub status: Status,
}

/// FNV-1a (64-bit) of the file's text with line endings normalised, as 16 hex digits: a
/// change detector, stable across platforms and Rust versions (not a security hash).
pub fn file_hash(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.replace("\r\n", "\n").bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}")
}

/// Runs `scenario` once with its seed and returns its measured metrics, sorted by name.
pub fn measure(scenario: &Scenario) -> Result<Vec<(String, f64)>, String> {
    let record =
        crate::sim::run(scenario, scenario.seed, &mut |_| {}).map_err(|e| e.to_string())?;
    let mut out: Vec<(String, f64)> = run_metrics(scenario, &record)
        .metrics
        .into_iter()
        .map(|m| (m.name, m.value))
        .collect();
    out.extend(agent_emission(&record));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Each agent's total emission over the run, in alpha.
fn agent_emission(record: &RunRecord) -> impl Iterator<Item = (String, f64)> {
    let mut totals: BTreeMap<&str, u128> = BTreeMap::new();
    for row in record.neurons.iter().filter(|r| !r.agent.is_empty()) {
        *totals.entry(row.agent.as_str()).or_default() += u128::from(row.emission);
    }
    totals
        .into_iter()
        .map(|(agent, rao)| (format!("agent_emission.{agent}"), rao as f64 / 1e9))
        .collect::<Vec<_>>()
        .into_iter()
}

/// Compares measured metrics with a baseline.
pub fn compare(baseline: &Baseline, now: &[(String, f64)]) -> Vec<Row> {
    let now: BTreeMap<&str, f64> = now.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let mut rows: Vec<Row> = baseline
        .metrics
        .iter()
        .map(|b| {
            let value = now.get(b.metric.as_str()).copied();
            let status = match value {
                None => Status::Drift,
                Some(v) if v.to_bits() == b.value.to_bits() => Status::Same,
                Some(v) if b.tolerance.holds(b.value, v) => Status::Moved,
                Some(_) => Status::Drift,
            };
            Row {
                metric: b.metric.clone(),
                baseline: Some(b.value),
                now: value,
                tolerance: b.tolerance,
                status,
            }
        })
        .collect();
    let known: BTreeMap<&str, ()> = baseline
        .metrics
        .iter()
        .map(|b| (b.metric.as_str(), ()))
        .collect();
    rows.extend(
        now.iter()
            .filter(|(k, _)| !known.contains_key(*k))
            .map(|(k, v)| Row {
                metric: k.to_string(),
                baseline: None,
                now: Some(*v),
                tolerance: Tolerance::DEFAULT,
                status: Status::New,
            }),
    );
    rows.sort_by(|a, b| a.metric.cmp(&b.metric));
    rows
}

/// A new baseline from measured metrics, keeping the old baseline's tolerances.
pub fn bless(
    scenario: &Scenario,
    hash: String,
    old: Option<&Baseline>,
    now: &[(String, f64)],
) -> Baseline {
    let tolerance = |name: &str| {
        old.and_then(|b| b.metrics.iter().find(|m| m.metric == name))
            .map_or(Tolerance::DEFAULT, |m| m.tolerance)
    };
    Baseline {
        scenario: scenario.name.clone(),
        scenario_hash: hash,
        seed: scenario.seed,
        metrics: now
            .iter()
            .map(|(name, value)| BaselineMetric {
                metric: name.clone(),
                value: *value,
                tolerance: tolerance(name),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline(metrics: &[(&str, f64, Tolerance)]) -> Baseline {
        Baseline {
            scenario: "s".into(),
            scenario_hash: file_hash("x"),
            seed: 1,
            metrics: metrics
                .iter()
                .map(|(m, v, t)| BaselineMetric {
                    metric: m.to_string(),
                    value: *v,
                    tolerance: *t,
                })
                .collect(),
        }
    }

    #[test]
    fn tolerance_is_the_larger_of_absolute_and_relative() {
        let t = Tolerance {
            abs: 0.01,
            rel: 0.1,
        };
        assert!(t.holds(1.0, 1.09));
        assert!(!t.holds(1.0, 1.11));
        assert!(t.holds(0.0, 0.0099));
        assert!(!t.holds(0.0, 0.011));
    }

    #[test]
    fn compare_classifies_every_metric() {
        let tight = Tolerance { abs: 0.0, rel: 0.0 };
        let loose = Tolerance { abs: 0.5, rel: 0.0 };
        let b = baseline(&[
            ("a", 1.0, tight),
            ("b", 1.0, loose),
            ("c", 1.0, loose),
            ("d", 1.0, tight),
        ]);
        let now = vec![
            ("a".to_string(), 1.0),
            ("b".to_string(), 1.2),
            ("c".to_string(), 2.0),
            ("e".to_string(), 3.0),
        ];
        let status: Vec<(String, Status)> = compare(&b, &now)
            .into_iter()
            .map(|r| (r.metric, r.status))
            .collect();
        assert_eq!(
            status,
            vec![
                ("a".into(), Status::Same),
                ("b".into(), Status::Moved),
                ("c".into(), Status::Drift),
                ("d".into(), Status::Drift),
                ("e".into(), Status::New),
            ]
        );
    }

    #[test]
    fn hash_ignores_line_endings_only() {
        assert_eq!(file_hash("a: 1\r\nb: 2\r\n"), file_hash("a: 1\nb: 2\n"));
        assert_ne!(file_hash("a: 1\n"), file_hash("a: 2\n"));
        // FNV-1a 64 of the empty string is its offset basis.
        assert_eq!(file_hash(""), "fnv1a64:cbf29ce484222325");
    }
}
