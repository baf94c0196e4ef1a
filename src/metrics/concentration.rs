//! Concentration and health of the network over the whole run: Gini and Nakamoto of stake and
//! emission, miners' rank correlation with true quality, churn, prices and issuance (formulas
//! in the module doc of [`super`]).

use super::view::{RunView, is_miner, is_validator};
use super::{Collector, stats};
use std::collections::{BTreeMap, BTreeSet};

/// Adds the concentration, quality, churn and price metrics.
pub fn add(run: &RunView, out: &mut Collector) {
    concentration(run, out);
    rank_correlation(run, out);
    churn(run, out);
    prices(run, out);
    out.metric(
        "issuance.final_tao",
        Some(run.record.final_issuance as f64 / 1e9),
    );
}

/// Spot price of a subnet epoch (1 if the subnet row is missing).
fn price(e: &super::view::EpochRows) -> f64 {
    e.subnet.map_or(1.0, |s| s.price)
}

/// `gini.*` and `nakamoto.*` of validator stake (each subnet's last epoch) and of whole-run
/// emission per hotkey, both valued in TAO at spot prices.
fn concentration(run: &RunView, out: &mut Collector) {
    let mut last: BTreeMap<u16, &super::view::EpochRows> = BTreeMap::new();
    for e in &run.epochs {
        last.insert(e.netuid, e);
    }
    let stake: Vec<f64> = last
        .values()
        .flat_map(|e| {
            e.rows
                .iter()
                .filter(|r| is_validator(r))
                .map(|r| r.alpha_stake as f64 * price(e))
        })
        .collect();
    let mut emission: BTreeMap<(u16, u32), f64> = BTreeMap::new();
    for e in &run.epochs {
        for r in &e.rows {
            *emission.entry((e.netuid, r.hotkey)).or_insert(0.0) += r.emission as f64 * price(e);
        }
    }
    let emission: Vec<f64> = emission.into_values().collect();
    out.metric("gini.stake", stats::gini(&stake));
    out.metric("gini.emission", stats::gini(&emission));
    out.metric("nakamoto.stake", stats::nakamoto(&stake).map(|k| k as f64));
    out.metric(
        "nakamoto.emission",
        stats::nakamoto(&emission).map(|k| k as f64),
    );
}

/// `miner.rank_correlation`: per subnet, Spearman of each miner's mean incentive (over the
/// epochs it held a uid) with its true quality; mean over subnets where it is defined.
fn rank_correlation(run: &RunView, out: &mut Collector) {
    let quality = run.qualities();
    let mut per_subnet = Vec::new();
    for netuid in run.netuids() {
        let mut incentive: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
        for e in run.epochs_of(netuid) {
            for r in e.rows.iter().filter(|r| is_miner(r)) {
                incentive
                    .entry(r.hotkey)
                    .or_default()
                    .push(f64::from(r.incentive));
            }
        }
        let (mut q, mut i) = (Vec::new(), Vec::new());
        for (hotkey, xs) in &incentive {
            if let (Some(qh), Some(m)) = (quality.get(hotkey), stats::mean(xs)) {
                q.push(*qh);
                i.push(m);
            }
        }
        if q.len() >= 3
            && let Some(rho) = stats::spearman(&q, &i)
        {
            per_subnet.push(rho);
        }
    }
    out.metric("miner.rank_correlation", stats::mean(&per_subnet));
}

/// `validator.churn` and `miner.churn`: the fraction of each subnet's epoch transitions in which
/// the permit holders changed / some uid changed hotkey, mean over subnets with ≥ 2 epochs.
fn churn(run: &RunView, out: &mut Collector) {
    let (mut permits, mut uids) = (Vec::new(), Vec::new());
    for netuid in run.netuids() {
        let epochs: Vec<_> = run
            .epochs_of(netuid)
            .filter(|e| !e.rows.is_empty())
            .collect();
        if epochs.len() < 2 {
            continue;
        }
        let holders = |i: usize| -> BTreeSet<u32> {
            epochs[i]
                .rows
                .iter()
                .filter(|r| r.permit)
                .map(|r| r.hotkey)
                .collect()
        };
        let replaced = |i: usize| {
            let before: BTreeMap<u16, u32> = epochs[i - 1]
                .rows
                .iter()
                .map(|r| (r.uid, r.hotkey))
                .collect();
            epochs[i]
                .rows
                .iter()
                .any(|r| before.get(&r.uid).is_some_and(|h| *h != r.hotkey))
        };
        let transitions = (epochs.len() - 1) as f64;
        let changed = (1..epochs.len()).filter(|i| holders(*i) != holders(i - 1));
        permits.push(changed.count() as f64 / transitions);
        uids.push((1..epochs.len()).filter(|i| replaced(*i)).count() as f64 / transitions);
    }
    out.metric("validator.churn", stats::mean(&permits));
    out.metric("miner.churn", stats::mean(&uids));
}

/// `price.final.sn<netuid>` and `price.mean.sn<netuid>`.
fn prices(run: &RunView, out: &mut Collector) {
    let mut paths: BTreeMap<u16, Vec<f64>> = BTreeMap::new();
    for s in &run.record.subnets {
        paths.entry(s.netuid).or_default().push(s.price);
    }
    for (netuid, path) in paths {
        out.metric(format!("price.final.sn{netuid}"), path.last().copied());
        out.metric(format!("price.mean.sn{netuid}"), stats::mean(&path));
    }
}
