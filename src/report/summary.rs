//! `summary.json`: the run's headline numbers, computed from its rows only.
//!
//! Per role and per strategy: agents, total emission received (alpha rao summed over epochs
//! and subnets), and the change in total account value (TAO, spot prices) from the first to
//! the last account sample. Per subnet: final pool, prices and epochs. Under `metrics`: every
//! headline metric of the run (`crate::metrics`), by name; under `validator_apy`: each validator
//! hotkey's APYs (the one definition of `crate::metrics`). Deterministic: maps are ordered,
//! floats printed by serde_json.

use crate::metrics::RunMetrics;
use crate::record::{AccountRow, NeuronRow, RunRecord, SubnetRow};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// What `summary.json` needs from a run's rows, gathered as they stream by: per key the
/// emission and the distinct agents, the first and last account samples' totals per role, and
/// each subnet's last row. Its size does not grow with the run's duration.
#[derive(Default)]
pub struct SummaryRows {
    by_role: BTreeMap<&'static str, (u128, BTreeSet<u32>)>,
    /// Keyed by (role, strategy), written as `role:strategy`.
    by_strategy: BTreeMap<(&'static str, &'static str), (u128, BTreeSet<u32>)>,
    /// Total account value per role at the first and at the latest sample, rao.
    first: Option<BTreeMap<&'static str, u128>>,
    last: Option<BTreeMap<&'static str, u128>>,
    subnets: BTreeMap<u16, SubnetRow>,
}

impl SummaryRows {
    /// Adds neuron rows.
    pub fn neurons(&mut self, rows: &[NeuronRow]) {
        for row in rows.iter().filter(|r| !r.role.is_empty()) {
            let role = self.by_role.entry(row.role).or_default();
            role.0 += u128::from(row.emission);
            role.1.extend(row.agent);
            let strategy = self
                .by_strategy
                .entry((row.role, row.strategy))
                .or_default();
            strategy.0 += u128::from(row.emission);
            strategy.1.extend(row.agent);
        }
    }

    /// Adds a subnet row.
    pub fn subnet(&mut self, row: &SubnetRow) {
        self.subnets.insert(row.netuid, row.clone());
    }

    /// Adds one account sample (`total_value_rao` repeats on every row of a coldkey: it is
    /// taken once per coldkey).
    pub fn accounts(&mut self, rows: &[AccountRow]) {
        let mut totals: BTreeMap<&'static str, u128> = BTreeMap::new();
        let mut seen = BTreeSet::new();
        for r in rows {
            if seen.insert(r.coldkey) {
                *totals.entry(r.role).or_default() += u128::from(r.total_value_rao);
            }
        }
        if self.first.is_none() {
            self.first = Some(totals.clone());
        }
        self.last = Some(totals);
    }
}

/// The summary of a run whose rows are all in `record`.
pub fn summary(record: &RunRecord, metrics: &RunMetrics) -> Value {
    let mut rows = SummaryRows::default();
    rows.neurons(&record.neurons);
    for s in &record.subnets {
        rows.subnet(s);
    }
    let mut samples: BTreeMap<u64, Vec<AccountRow>> = BTreeMap::new();
    for r in &record.accounts {
        samples.entry(r.epoch).or_default().push(r.clone());
    }
    for sample in samples.values() {
        rows.accounts(sample);
    }
    streamed_summary(record, &rows, metrics)
}

/// The summary of a run from its totals, the rows' [`SummaryRows`] and its metrics.
pub fn streamed_summary(record: &RunRecord, rows: &SummaryRows, metrics: &RunMetrics) -> Value {
    json!({
        "scenario": record.run.scenario,
        "seed": record.run.seed,
        "blocks": record.blocks,
        "epochs": record.epochs,
        "final_issuance_tao": record.final_issuance as f64 / 1e9,
        "rejected_operations": record.rejected_ops.iter().cloned().collect::<BTreeMap<String, u64>>(),
        "emission_by_role": emission_by(rows.by_role.iter().map(|(k, v)| (k.to_string(), v))),
        "emission_by_strategy": emission_by(
            (rows.by_strategy.iter()).map(|((role, strategy), v)| (format!("{role}:{strategy}"), v))
        ),
        "value_by_role": value_by_role(rows),
        "subnets": subnets(rows),
        "validator_apy": validator_apy(metrics),
        "metrics": metrics
            .metrics
            .iter()
            .map(|m| (m.name.clone(), json!(m.value)))
            .collect::<serde_json::Map<String, Value>>(),
    })
}

/// Σ emission (alpha) and distinct agents per key.
fn emission_by<'a>(sums: impl Iterator<Item = (String, &'a (u128, BTreeSet<u32>))>) -> Value {
    sums.map(|(k, (emission, agents))| {
        let v = json!({"agents": agents.len(), "emission_alpha": *emission as f64 / 1e9});
        (k, v)
    })
    .collect::<serde_json::Map<String, Value>>()
    .into()
}

/// Per role: total account value (TAO) at the first and last sample, the change in TAO and
/// as a fraction of the start (null where the role started with nothing, e.g. subnet owners
/// whose value is all earned during the run).
fn value_by_role(rows: &SummaryRows) -> Value {
    let (Some(first), Some(last)) = (&rows.first, &rows.last) else {
        return json!({});
    };
    let roles: BTreeSet<&str> = first.keys().chain(last.keys()).copied().collect();
    roles
        .into_iter()
        .map(|role| {
            let at = |m: &BTreeMap<&str, u128>| m.get(role).copied().unwrap_or(0) as f64 / 1e9;
            let (s, e) = (at(first), at(last));
            let fraction = (s > 0.0).then(|| e / s - 1.0);
            let change = json!({
                "start_tao": s,
                "end_tao": e,
                "change_tao": e - s,
                "change_fraction": fraction,
            });
            (role.to_string(), change)
        })
        .collect::<serde_json::Map<String, Value>>()
        .into()
}

/// Per validator hotkey and subnet: its APYs from `metrics` (fractions per year; null where
/// undefined), the values the report's APY histograms draw.
fn validator_apy(metrics: &RunMetrics) -> Value {
    metrics
        .apy
        .iter()
        .map(|h| {
            json!({
                "netuid": h.netuid,
                "hotkey": h.hotkey,
                "group": h.group,
                "apy_alpha": h.alpha,
                "apy_tao": h.tao,
                "apy_tao_root": h.root_tao,
            })
        })
        .collect::<Vec<Value>>()
        .into()
}

/// Final state per subnet.
fn subnets(rows: &SummaryRows) -> Value {
    rows.subnets
        .values()
        .map(|r| {
            json!({
                "netuid": r.netuid,
                "epochs": r.epoch + 1,
                "price": r.price,
                "moving_price": r.moving_price,
                "tao_reserve_tao": r.tao_reserve as f64 / 1e9,
                "alpha_reserve": r.alpha_reserve as f64 / 1e9,
                "alpha_out": r.alpha_out as f64 / 1e9,
                "root_proportion": r.root_proportion,
            })
        })
        .collect::<Vec<Value>>()
        .into()
}
