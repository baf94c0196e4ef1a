//! `summary.json`: the run's headline numbers, computed from its rows only.
//!
//! Per role and per strategy: agents, total emission received (alpha rao summed over epochs
//! and subnets), and the change in total account value (TAO, spot prices) from the first to
//! the last account sample. Per subnet: final pool, prices and epochs. Under `metrics`: every
//! headline metric of the run (`crate::metrics`), by name; under `validator_apy`: each validator
//! hotkey's APYs (the one definition of `crate::metrics`). Deterministic: maps are ordered,
//! floats printed by serde_json.

use crate::metrics::RunMetrics;
use crate::record::RunRecord;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The summary of one run, with its computed metrics.
pub fn summary(record: &RunRecord, metrics: &RunMetrics) -> Value {
    json!({
        "scenario": record.run.scenario,
        "seed": record.run.seed,
        "blocks": record.blocks,
        "epochs": record.epochs,
        "final_issuance_tao": record.final_issuance as f64 / 1e9,
        "rejected_operations": record.rejected_ops.iter().cloned().collect::<BTreeMap<String, u64>>(),
        "emission_by_role": emission_by(record, |r| r.role.to_string()),
        "emission_by_strategy": emission_by(record, |r| format!("{}:{}", r.role, r.strategy)),
        "value_by_role": value_by_role(record),
        "subnets": subnets(record),
        "validator_apy": validator_apy(metrics),
        "metrics": metrics
            .metrics
            .iter()
            .map(|m| (m.name.clone(), json!(m.value)))
            .collect::<serde_json::Map<String, Value>>(),
    })
}

/// Σ emission (alpha rao) and distinct agents per key.
fn emission_by(record: &RunRecord, key: impl Fn(&crate::record::NeuronRow) -> String) -> Value {
    let mut sums: BTreeMap<String, (u128, BTreeSet<&str>)> = BTreeMap::new();
    for row in record.neurons.iter().filter(|r| !r.role.is_empty()) {
        let entry = sums.entry(key(row)).or_default();
        entry.0 += u128::from(row.emission);
        entry.1.insert(&row.agent);
    }
    sums.into_iter()
        .map(|(k, (emission, agents))| {
            let v = json!({"agents": agents.len(), "emission_alpha": emission as f64 / 1e9});
            (k, v)
        })
        .collect::<serde_json::Map<String, Value>>()
        .into()
}

/// Per role: total account value (TAO) at the first and last sample and the change.
fn value_by_role(record: &RunRecord) -> Value {
    let (Some(first), Some(last)) = (
        record.accounts.iter().map(|r| r.epoch).min(),
        record.accounts.iter().map(|r| r.epoch).max(),
    ) else {
        return json!({});
    };
    // total_value_rao repeats on every row of a coldkey: take it once per (sample, coldkey).
    let mut totals: BTreeMap<&str, [u128; 2]> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for r in &record.accounts {
        let slot = if r.epoch == first {
            0
        } else if r.epoch == last {
            1
        } else {
            continue;
        };
        if seen.insert((r.epoch, r.coldkey)) {
            totals.entry(r.role).or_default()[slot] += u128::from(r.total_value_rao);
        }
    }
    totals
        .into_iter()
        .map(|(role, [start, end])| {
            let (s, e) = (start as f64 / 1e9, end as f64 / 1e9);
            let change = if s > 0.0 { e / s - 1.0 } else { 0.0 };
            (
                role.to_string(),
                json!({"start_tao": s, "end_tao": e, "change": change}),
            )
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
fn subnets(record: &RunRecord) -> Value {
    let mut last: BTreeMap<u16, &crate::record::SubnetRow> = BTreeMap::new();
    for r in &record.subnets {
        last.insert(r.netuid, r);
    }
    last.values()
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
