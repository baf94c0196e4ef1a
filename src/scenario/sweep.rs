//! Sweeps: the runs `taosim sweep` makes of one scenario.
//!
//! ```yaml
//! sweep:
//!   replicates: 4                       # Monte Carlo seeds per sweep point
//!   grid:                               # Cartesian product, first axis slowest
//!     subnets.0.hyperparameters.kappa: [0.4, 0.5, 0.6]
//!     consensus.honest_weight: { from: 0, to: 1, step: 0.02 }
//!   zip:                                # by position; all lists the same length
//!     subnets.0.hyperparameters.alpha_low: [0.5, 0.7]
//!     subnets.0.hyperparameters.alpha_high: [0.8, 0.9]
//!   heatmaps:                           # charts of the sweep report
//!     - { x: consensus.cabal_weight, y: consensus.honest_stake, metric: retained,
//!         minimize: consensus.honest_weight, title: "Retention map" }
//! ```
//!
//! A path names any value of the resolved scenario (defaults filled in): keys separated by
//! dots, list items by their index (`subnets.0.agents.2.stake` or `subnets[0].agents[2].stake`).
//! Missing keys are created, so optional fields can be swept; the scenario is validated again
//! at every point, exactly as if the value had been written in the file.
//!
//! **Run order.** Sweep points (`subset`) enumerate the grid with its first axis slowest, then
//! the zip position fastest; replicates are innermost: `run = subset × replicates + replicate`.
//! **Seeds.** Replicate `r` of every point runs with seed `scenario seed + r`: different
//! points share their seeds (common random numbers, so a knob's effect is not drowned by seed
//! noise), and replicate 0 is exactly `taosim run` with the scenario's seed.

use super::raw::RawScenario;
use super::{Scenario, ScenarioError};
use crate::echo::echo;
use serde_json::Value;

pub use super::raw_sweep::{Axes, AxisValues, Heatmap, RawSweep};

/// One swept path with its values.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The path as written.
    pub path: String,
    /// Its segments.
    segments: Vec<Segment>,
    /// The values.
    pub values: Vec<Value>,
    /// `grid` or `zip`.
    pub mode: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// Where a run sits in a sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunSpec {
    /// Position in the sweep (0-based, over all shards).
    pub run: u32,
    /// The sweep point.
    pub subset: u32,
    /// The replicate.
    pub replicate: u32,
    /// The run's master seed.
    pub seed: u64,
}

/// A validated sweep over a base scenario.
#[derive(Clone, Debug)]
pub struct SweepPlan {
    /// Where the scenario came from (for errors).
    pub origin: String,
    /// The scenario without its sweep.
    pub base: Scenario,
    /// The resolved base scenario as a value tree (what paths index).
    tree: Value,
    /// Grid axes, then zip axes.
    pub axes: Vec<Axis>,
    /// Replicates per point.
    pub replicates: u32,
    /// Heatmaps for the report.
    pub heatmaps: Vec<Heatmap>,
}

/// At most this many runs in one sweep.
pub const MAX_RUNS: u64 = 10_000_000;

impl SweepPlan {
    /// The sweep of `scenario` (a scenario without `sweep` is one point).
    pub fn new(scenario: Scenario, origin: &str) -> Result<SweepPlan, ScenarioError> {
        let fail = |path: String, message: String| ScenarioError {
            origin: origin.to_string(),
            line: None,
            path,
            message,
        };
        let raw = scenario.raw.sweep.clone().unwrap_or_default();
        let mut base = scenario;
        base.raw.sweep = None;
        let mut tree = serde_json::to_value(&base.raw)
            .map_err(|e| fail(String::new(), format!("cannot resolve: {e}")))?;
        forget_snapshot_hashes(&mut tree);
        let mut axes = Vec::new();
        for (mode, list) in [("grid", &raw.grid), ("zip", &raw.zip)] {
            for (path, values) in &list.0 {
                let at = format!("sweep.{mode}.{path}");
                let axis = axis(path, values, mode).map_err(|m| fail(at.clone(), m))?;
                if axes.iter().any(|a: &Axis| a.path == axis.path) {
                    return Err(fail(at, "path swept twice".into()));
                }
                axes.push(axis);
            }
        }
        let zip: Vec<&Axis> = axes.iter().filter(|a| a.mode == "zip").collect();
        if let Some(first) = zip.first()
            && let Some(bad) = zip.iter().find(|a| a.values.len() != first.values.len())
        {
            return Err(fail(
                format!("sweep.zip.{}", bad.path),
                format!(
                    "{} values, but {} has {}: zip axes need equal lengths",
                    bad.values.len(),
                    first.path,
                    first.values.len()
                ),
            ));
        }
        if raw.replicates == 0 {
            return Err(fail("sweep.replicates".into(), "must be ≥ 1".into()));
        }
        let plan = SweepPlan {
            origin: origin.to_string(),
            base,
            tree,
            axes,
            replicates: raw.replicates,
            heatmaps: raw.heatmaps,
        };
        let runs = plan.points() * u64::from(plan.replicates);
        if runs > MAX_RUNS {
            return Err(fail(
                "sweep".into(),
                format!("{runs} runs: at most {MAX_RUNS}"),
            ));
        }
        plan.check_heatmaps()?;
        plan.check_values()?;
        Ok(plan)
    }

    /// `replicates` runs of `scenario` alone (its own sweep, if any, is ignored).
    pub fn replicates(
        mut scenario: Scenario,
        origin: &str,
        replicates: u32,
    ) -> Result<SweepPlan, ScenarioError> {
        scenario.raw.sweep = Some(RawSweep {
            replicates,
            ..RawSweep::default()
        });
        SweepPlan::new(scenario, origin)
    }

    /// Number of sweep points.
    pub fn points(&self) -> u64 {
        let grid: u64 = self
            .axes
            .iter()
            .filter(|a| a.mode == "grid")
            .map(|a| a.values.len() as u64)
            .product();
        grid * self.zip_len()
    }

    /// Length of the zip axes (1 without any).
    fn zip_len(&self) -> u64 {
        self.axes
            .iter()
            .find(|a| a.mode == "zip")
            .map_or(1, |a| a.values.len() as u64)
    }

    /// Every run, or shard `k` of `n` (runs `k−1, k−1+n, …`; `k` is 1-based).
    pub fn runs(&self, shard: Option<(u32, u32)>) -> Vec<RunSpec> {
        let total = self.points() * u64::from(self.replicates);
        let (k, n) = shard.map_or((1, 1), |(k, n)| (u64::from(k), u64::from(n)));
        let replicates = u64::from(self.replicates);
        (k - 1..total)
            .step_by(n as usize)
            .map(|run| RunSpec {
                run: run as u32,
                subset: (run / replicates) as u32,
                replicate: (run % replicates) as u32,
                seed: self.base.seed.wrapping_add(run % replicates),
            })
            .collect()
    }

    /// Each axis' value at sweep point `subset`.
    pub fn values(&self, subset: u32) -> Vec<(&Axis, &Value)> {
        let zip_len = self.zip_len();
        let zip_index = (u64::from(subset) % zip_len) as usize;
        // The grid odometer: the last grid axis turns fastest.
        let mut rest = u64::from(subset) / zip_len;
        let mut picked = vec![zip_index; self.axes.len()];
        for (i, axis) in self.axes.iter().enumerate().rev() {
            if axis.mode == "grid" {
                let len = axis.values.len() as u64;
                picked[i] = (rest % len) as usize;
                rest /= len;
            }
        }
        self.axes
            .iter()
            .zip(picked)
            .map(|(a, i)| (a, &a.values[i]))
            .collect()
    }

    /// The scenario of sweep point `subset`, validated.
    pub fn scenario(&self, subset: u32) -> Result<Scenario, ScenarioError> {
        if self.axes.is_empty() {
            return Ok(self.base.clone());
        }
        let mut tree = self.tree.clone();
        for (axis, value) in self.values(subset) {
            set(&mut tree, &axis.segments, value.clone()).map_err(|m| ScenarioError {
                origin: self.origin.clone(),
                line: None,
                path: axis.path.clone(),
                message: m,
            })?;
        }
        super::parse_value(
            tree,
            &format!("{} (sweep point {subset})", self.origin),
            &self.base.base_dir,
        )
    }

    /// Every heatmap names swept axes.
    fn check_heatmaps(&self) -> Result<(), ScenarioError> {
        for (i, h) in self.heatmaps.iter().enumerate() {
            let axes = [
                ("x", Some(&h.x)),
                ("y", Some(&h.y)),
                ("minimize", h.minimize.as_ref()),
            ];
            for (field, path) in axes {
                if let Some(p) = path
                    && !self.axes.iter().any(|a| &a.path == p)
                {
                    return Err(ScenarioError {
                        origin: self.origin.clone(),
                        line: None,
                        path: format!("sweep.heatmaps[{i}].{field}"),
                        message: format!("'{}' is not a swept path", echo(p)),
                    });
                }
            }
        }
        Ok(())
    }

    /// Every value of every axis, set alone on the base scenario, gives a valid scenario:
    /// a misspelt path or a wrong type fails before any run.
    fn check_values(&self) -> Result<(), ScenarioError> {
        for axis in &self.axes {
            for (i, value) in axis.values.iter().enumerate() {
                let at = format!("sweep.{}.{}[{i}]", axis.mode, axis.path);
                let fail = |message: String| ScenarioError {
                    origin: self.origin.clone(),
                    line: None,
                    path: at.clone(),
                    message,
                };
                let mut tree = self.tree.clone();
                set(&mut tree, &axis.segments, value.clone()).map_err(fail)?;
                super::parse_value(tree, &self.origin, &self.base.base_dir).map_err(|e| {
                    let inner = if e.path.is_empty() {
                        e.message
                    } else {
                        format!("{}: {}", e.path, e.message)
                    };
                    fail(format!("value {value}: {inner}"))
                })?;
            }
        }
        Ok(())
    }
}

/// Parses a path and expands its values.
fn axis(path: &str, values: &AxisValues, mode: &'static str) -> Result<Axis, String> {
    let segments = segments(path)?;
    if matches!(segments.first(), Some(Segment::Key(k)) if k == "sweep" || k == "name") {
        return Err("the sweep and the scenario name cannot be swept".into());
    }
    let values = match values {
        AxisValues::List(v) => v.clone(),
        AxisValues::Range { from, to, step } => range(*from, *to, *step)?,
    };
    if values.is_empty() {
        return Err("no values".into());
    }
    Ok(Axis {
        path: path.to_string(),
        segments,
        values,
        mode,
    })
}

/// `from..=to` by `step`, each value rounded to 12 significant digits (0.1 + 0.2 = 0.3).
fn range(from: f64, to: f64, step: f64) -> Result<Vec<Value>, String> {
    if !(from.is_finite() && to.is_finite() && step.is_finite() && step > 0.0 && to >= from) {
        return Err(format!(
            "range needs finite from ≤ to and step > 0, got from {from}, to {to}, step {step}"
        ));
    }
    let count = ((to - from) / step + 1e-9).floor() as u64 + 1;
    if count > MAX_RUNS {
        return Err(format!("{count} values: too many"));
    }
    Ok((0..count)
        .map(|i| {
            let x = from + i as f64 * step;
            let rounded: f64 = format!("{x:.12e}").parse().unwrap_or(x);
            serde_json::Number::from_f64(rounded).map_or(Value::Null, Value::Number)
        })
        .collect())
}

/// `a.b[0].c` or `a.b.0.c` → segments.
fn segments(path: &str) -> Result<Vec<Segment>, String> {
    let mut out = Vec::new();
    for part in path.replace('[', ".").replace(']', "").split('.') {
        if part.is_empty() {
            return Err(format!("malformed path '{}'", echo(path)));
        }
        out.push(match part.parse::<usize>() {
            Ok(i) => Segment::Index(i),
            Err(_) => Segment::Key(part.to_string()),
        });
    }
    Ok(out)
}

/// Sets the value at `segments`, creating missing map keys.
fn set(tree: &mut Value, segments: &[Segment], value: Value) -> Result<(), String> {
    let mut node = tree;
    for (depth, segment) in segments.iter().enumerate() {
        let here = || {
            segments[..depth]
                .iter()
                .map(|s| match s {
                    Segment::Key(k) => k.clone(),
                    Segment::Index(i) => i.to_string(),
                })
                .collect::<Vec<_>>()
                .join(".")
        };
        node = match (segment, node) {
            (Segment::Key(k), Value::Object(map)) => map.entry(k.clone()).or_insert(Value::Null),
            (Segment::Key(k), n @ Value::Null) => {
                *n = Value::Object(Default::default());
                match n {
                    Value::Object(map) => map.entry(k.clone()).or_insert(Value::Null),
                    _ => unreachable!(),
                }
            }
            (Segment::Index(i), Value::Array(list)) => {
                let len = list.len();
                list.get_mut(*i).ok_or_else(|| {
                    format!(
                        "index {i} out of range at '{}' ({len} items)",
                        echo(&here())
                    )
                })?
            }
            (_, _) => return Err(format!("'{}' is not a map or list", echo(&here()))),
        };
    }
    *node = value;
    Ok(())
}

/// The resolved scenario as JSON, for parsing a sweep point.
/// Leaves the genesis snapshots' hashes the base scenario recorded out of the tree: every point
/// re-reads its snapshot and records its own hash, so a sweep may vary `genesis.snapshot`.
fn forget_snapshot_hashes(tree: &mut Value) {
    let Some(subnets) = tree.get_mut("subnets").and_then(Value::as_array_mut) else {
        return;
    };
    for s in subnets {
        if let Some(g) = s.get_mut("genesis").and_then(Value::as_object_mut) {
            g.remove("snapshot_hash");
        }
    }
}

pub(super) fn raw_from_value(tree: Value) -> Result<RawScenario, (String, String)> {
    serde_path_to_error::deserialize::<_, RawScenario>(tree)
        .map_err(|e| (e.path().to_string(), e.inner().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_inclusive_and_rounded() {
        let v = range(0.0, 1.0, 0.02).unwrap();
        assert_eq!(v.len(), 51);
        assert_eq!(v[15], serde_json::json!(0.3));
        assert_eq!(v[50], serde_json::json!(1.0));
        assert!(range(1.0, 0.0, 0.1).is_err());
        assert!(range(0.0, 1.0, 0.0).is_err());
    }

    #[test]
    fn sweep_points_rehash_their_snapshots() {
        let mut tree = serde_json::json!({"subnets": [
            {"genesis": {"snapshot": "a.json", "snapshot_hash": "fnv1a64:1"}},
            {"name": "plain"}
        ]});
        forget_snapshot_hashes(&mut tree);
        let expected = serde_json::json!({"subnets": [
            {"genesis": {"snapshot": "a.json"}},
            {"name": "plain"}
        ]});
        assert_eq!(tree, expected);
    }

    #[test]
    fn paths_accept_both_index_forms() {
        assert_eq!(segments("a.b[2].c").unwrap(), segments("a.b.2.c").unwrap());
        assert!(segments("a..b").is_err());
    }

    #[test]
    fn set_creates_keys_and_rejects_bad_indices() {
        let mut tree = serde_json::json!({"a": [{"b": 1}]});
        set(&mut tree, &segments("a.0.c.d").unwrap(), Value::from(5)).unwrap();
        assert_eq!(tree, serde_json::json!({"a": [{"b": 1, "c": {"d": 5}}]}));
        let err = set(&mut tree, &segments("a.3.b").unwrap(), Value::from(5)).unwrap_err();
        assert!(err.contains("index 3"), "{err}");
        let err = set(&mut tree, &segments("a.0.b.x").unwrap(), Value::from(5)).unwrap_err();
        assert!(err.contains("not a map"), "{err}");
    }
}
