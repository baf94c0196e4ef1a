//! `taosim check`: regression of the economics against committed baselines.
//!
//! A suite is a directory of scenario files; each is run once with its seed (its `sweep`
//! section, if any, is ignored) and measured: every metric of the run ([`crate::runner::streamed_metrics`]) plus
//! each agent's total emission over the run (`agent_emission.<agent>`, alpha), which pins the
//! chain core's dividends and incentives agent by agent. A baseline
//! (`baselines/<scenario name>.json`) holds, per metric, the blessed value and a tolerance, and
//! the hash of what the scenario meant when blessed ([`scenario_hash`]: the resolved scenario,
//! so comments and formatting do not count). A scenario changed since then fails the check, but
//! is still run and compared, its table marked as such.
//!
//! A metric **drifts** when |now − baseline| > max(abs, rel × |baseline|); a metric missing
//! from the run drifts too; a metric new in the run is reported but does not fail (bless to
//! track it). Blessing keeps each metric's tolerance and gives new metrics [`Tolerance::DEFAULT`].
//!
//! May depend on: `scenario`, `sim`, `runner`, `metrics`, `record`, serde, serde_json. Files are read and
//! written by `api::check`.

use crate::metrics::Metrics;
use crate::record::{AccountRow, LedgerRow, NeuronRow, RowSink, SubnetRow, Tee};
use crate::runner::streamed_metrics;
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
    /// Hash of the resolved scenario it was blessed from ([`scenario_hash`]).
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

/// What a scenario means, hashed: FNV-1a (64-bit) of the resolved, validated scenario (defaults
/// filled in) as JSON, without its `description` and `sweep` sections (which do not change a
/// check run). Comments, formatting, key order and number spelling (`0.5`, `0.50`) do not
/// matter; any value that does, including a default the scenario leaves implicit, does. A
/// change detector, stable across platforms (not a security hash).
pub fn scenario_hash(scenario: &Scenario) -> String {
    let text = scenario.meaning();
    format!("fnv1a64:{:016x}", fnv1a(text.as_bytes()))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Why a baseline cannot be used (the CLI refuses it: exit code 2).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BaselineError {
    /// No metrics.
    #[error("metrics: the list is empty (run `taosim check --bless` to fill it)")]
    Empty,
    /// A metric listed twice.
    #[error("metrics[{index}].metric: `{metric}` is listed twice (first at metrics[{first}])")]
    Duplicate {
        /// Position of the second entry.
        index: usize,
        /// Position of the first.
        first: usize,
        /// The metric.
        metric: String,
    },
    /// A negative (or non-finite) tolerance.
    #[error("metrics[{index}].tolerance.{field}: must be a finite number ≥ 0, got {value}")]
    Tolerance {
        /// Position of the entry.
        index: usize,
        /// `abs` or `rel`.
        field: &'static str,
        /// The value found.
        value: f64,
    },
    /// A baseline of another scenario.
    #[error("scenario: `{found}` does not match the scenario's name `{expected}`")]
    Scenario {
        /// In the baseline.
        found: String,
        /// The scenario's name.
        expected: String,
    },
    /// A baseline of another seed (while the scenario itself did not change).
    #[error("seed: {found} does not match the scenario's seed {expected}")]
    Seed {
        /// In the baseline.
        found: u64,
        /// The scenario's seed.
        expected: u64,
    },
}

impl Baseline {
    /// Checks that this baseline can be compared with `scenario`: a non-empty list of distinct
    /// metrics with tolerances ≥ 0, the scenario's name, and — unless the scenario changed
    /// since blessing (its hash differs, which the check reports) — its seed.
    pub fn validate(&self, scenario: &Scenario, hash: &str) -> Result<(), BaselineError> {
        if self.metrics.is_empty() {
            return Err(BaselineError::Empty);
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (index, m) in self.metrics.iter().enumerate() {
            if let Some(&first) = seen.get(m.metric.as_str()) {
                return Err(BaselineError::Duplicate {
                    index,
                    first,
                    metric: m.metric.clone(),
                });
            }
            seen.insert(&m.metric, index);
            for (field, value) in [("abs", m.tolerance.abs), ("rel", m.tolerance.rel)] {
                if !(value.is_finite() && value >= 0.0) {
                    return Err(BaselineError::Tolerance {
                        index,
                        field,
                        value,
                    });
                }
            }
        }
        if self.scenario != scenario.name {
            return Err(BaselineError::Scenario {
                found: self.scenario.clone(),
                expected: scenario.name.clone(),
            });
        }
        if self.scenario_hash == hash && self.seed != scenario.seed {
            return Err(BaselineError::Seed {
                found: self.seed,
                expected: scenario.seed,
            });
        }
        Ok(())
    }
}

/// Runs `scenario` once with its seed and returns its measured metrics, sorted by name.
pub fn measure(scenario: &Scenario) -> Result<Vec<(String, f64)>, String> {
    let mut emission = AgentEmission::default();
    let mut metrics = scenario.consensus.is_none().then(|| Metrics::new(scenario));
    let record = {
        let mut sinks: Vec<&mut dyn RowSink> = vec![&mut emission];
        if let Some(m) = metrics.as_mut() {
            sinks.push(m);
        }
        crate::sim::run_into(scenario, scenario.seed, &mut |_| {}, &mut Tee(sinks))
            .map_err(|e| e.to_string())?
    };
    let mut out: Vec<(String, f64)> = streamed_metrics(metrics, &record)
        .metrics
        .into_iter()
        .map(|m| (m.name, m.value))
        .collect();
    out.extend(emission.totals.into_iter().map(|(agent, rao)| {
        let name = record.agent_name(agent);
        (format!("agent_emission.{name}"), rao as f64 / 1e9)
    }));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Each agent's total emission over the run, alpha rao, by agent index.
#[derive(Default)]
struct AgentEmission {
    totals: BTreeMap<u32, u128>,
}

impl RowSink for AgentEmission {
    fn epoch(&mut self, _: Option<&SubnetRow>, neurons: &[NeuronRow]) {
        for row in neurons {
            if let Some(agent) = row.agent {
                *self.totals.entry(agent).or_default() += u128::from(row.emission);
            }
        }
    }

    fn accounts(&mut self, _: &[AccountRow]) {}

    fn ledger(&mut self, _: &[LedgerRow]) {}
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
            scenario_hash: "fnv1a64:0".into(),
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

    const SCENARIO: &str = "name: h\nseed: 4\nduration: {epochs: 2}\nsubnets:\n  - name: a\n    tempo: 10\n    pool: {tao: 100, alpha: 1000}\n    agents:\n      - {name: v, role: validator, stake: 10, strategy: {honest: {noise: 0.1}}}\n";

    fn parsed(text: &str) -> Scenario {
        crate::scenario::parse(text, "test").expect("valid")
    }

    #[test]
    fn the_hash_follows_meaning_not_text() {
        let base = scenario_hash(&parsed(SCENARIO));
        let commented = format!(
            "# a comment\n{}",
            SCENARIO.replace("tempo: 10", "tempo:   10 # ten")
        );
        assert_eq!(scenario_hash(&parsed(&commented)), base);
        let described = SCENARIO.replace("seed: 4", "seed: 4\ndescription: words");
        assert_eq!(scenario_hash(&parsed(&described)), base);
        assert_ne!(
            scenario_hash(&parsed(&SCENARIO.replace("noise: 0.1", "noise: 0.2"))),
            base
        );
        assert_ne!(
            scenario_hash(&parsed(&SCENARIO.replace("seed: 4", "seed: 5"))),
            base
        );
        // FNV-1a 64 of the empty string is its offset basis.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    }

    #[test]
    fn unusable_baselines_are_refused() {
        let s = parsed(SCENARIO);
        let hash = scenario_hash(&s);
        let tight = Tolerance { abs: 0.0, rel: 0.0 };
        let mut b = baseline(&[("a", 1.0, tight), ("b", 1.0, tight)]);
        (b.scenario, b.seed, b.scenario_hash) = ("h".into(), 4, hash.clone());
        assert_eq!(b.validate(&s, &hash), Ok(()));
        let refused = |edit: &dyn Fn(&mut Baseline)| {
            let mut bad = b.clone();
            edit(&mut bad);
            bad.validate(&s, &hash).unwrap_err().to_string()
        };
        assert!(refused(&|b| b.metrics.clear()).starts_with("metrics: the list is empty"));
        let duplicate = refused(&|b| b.metrics[1].metric = "a".into());
        assert!(
            duplicate.starts_with("metrics[1].metric: `a` is listed twice"),
            "{duplicate}"
        );
        let negative = refused(&|b| b.metrics[1].tolerance.rel = -0.1);
        assert!(
            negative.starts_with("metrics[1].tolerance.rel: must be"),
            "{negative}"
        );
        assert!(refused(&|b| b.scenario = "x".into()).starts_with("scenario: `x`"));
        assert!(refused(&|b| b.seed = 5).starts_with("seed: 5"));
        // A changed scenario explains another seed: not refused (the check reports the change).
        let mut changed = b.clone();
        (changed.seed, changed.scenario_hash) = (5, "fnv1a64:0".into());
        assert_eq!(changed.validate(&s, &hash), Ok(()));
    }
}
