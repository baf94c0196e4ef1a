//! Validator and nominator yields, tempo-aware (spec §14; the formulas are in the module doc of
//! [`super`]): `apy.<group>.*`, `apy.nominator.median`, `dividends_per_1000.<group>` and the
//! `apy.<group>` series.

use super::view::{EpochRows, RunView, group, is_validator};
use super::{Collector, stats};
use crate::record::NeuronRow;
use crate::scenario::Role;
use std::collections::BTreeMap;

/// One validator hotkey's return in one epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct Yield {
    /// The subnet.
    pub netuid: u16,
    /// The subnet epoch.
    pub epoch: u64,
    /// The validator's hotkey.
    pub hotkey: u32,
    /// Its group at the epoch.
    pub group: String,
    /// Alpha dividends paid into its pool, alpha rao.
    pub alpha_dividend: f64,
    /// Its pool's alpha before the payout, alpha rao.
    pub stake_before: f64,
    /// The nominators' per-epoch return, (1 − take) · dividend / stake before.
    pub y: f64,
}

/// The yields of every validator in one subnet epoch (none for the warm-up epoch 0, for an
/// epoch without its subnet row, or for a pool that was empty before the payout).
pub fn epoch_yields(run: &RunView, e: &EpochRows) -> Vec<Yield> {
    let Some(subnet) = e.subnet else {
        return Vec::new();
    };
    if e.epoch == 0 {
        return Vec::new();
    }
    let tau = run.tao_weight();
    let sum = |f: fn(&NeuronRow) -> u16| -> f64 { e.rows.iter().map(|r| f64::from(f(r))).sum() };
    let (incentive_sum, dividend_sum) = (sum(|r| r.incentive), sum(|r| r.dividends));
    let emission_sum: f64 = e.rows.iter().map(|r| r.emission as f64).sum();
    // The epoch pays uid k the incentive I_k / σE of its emission (σE = Σ I + Σ D, spec §8.10);
    // the rest of a uid's emission is its dividend weight.
    let incentive = |r: &NeuronRow| {
        if incentive_sum > 0.0 {
            emission_sum * f64::from(r.incentive) / (incentive_sum + dividend_sum)
        } else {
            0.0
        }
    };
    let alpha_part = |r: &NeuronRow| {
        if dividend_sum > 0.0 && r.dividends == 0 {
            // Only rounding of the u16 incentive is left here.
            return 0.0;
        }
        let (alpha, root) = (r.alpha_stake as f64, r.root_stake as f64 * tau);
        let rho = if alpha + root > 0.0 {
            root / (alpha + root)
        } else {
            0.0
        };
        (r.emission as f64 - incentive(r)).max(0.0) * (1.0 - rho)
    };
    let weight_sum: f64 = e.rows.iter().map(|r| alpha_part(r)).sum();
    // With no miner paid, the chain gives the validators the miners' bucket too.
    let server = subnet.server_emission as f64;
    let bucket = subnet.validator_emission as f64 + if incentive_sum > 0.0 { 0.0 } else { server };
    e.rows
        .iter()
        .filter(|r| is_validator(r))
        .filter_map(|r| {
            let dividend = if weight_sum > 0.0 {
                bucket * alpha_part(r) / weight_sum
            } else {
                0.0
            };
            let before = r.alpha_stake as f64 - dividend - incentive(r);
            (before > 0.0).then(|| Yield {
                netuid: e.netuid,
                epoch: e.epoch,
                hotkey: r.hotkey,
                group: group(r).unwrap_or_default(),
                alpha_dividend: dividend,
                stake_before: before,
                y: (1.0 - run.take(r.hotkey)) * dividend / before,
            })
        })
        .collect()
}

/// (1 + y)^N − 1.
pub fn annualise(y: f64, epochs_per_year: f64) -> f64 {
    (1.0 + y).powf(epochs_per_year) - 1.0
}

/// Adds the yield metrics and series.
pub fn add(run: &RunView, out: &mut Collector) {
    let yields: Vec<Yield> = run
        .epochs
        .iter()
        .flat_map(|e| epoch_yields(run, e))
        .collect();
    group_apy(run, &yields, out);
    nominator_apy(run, &yields, out);
    dividends_per_1000(&yields, out);
    apy_series(run, &yields, out);
}

/// APY of each hotkey from the mean of its yields.
fn apy_of(run: &RunView, netuid: u16, ys: &[f64]) -> Option<f64> {
    Some(annualise(stats::mean(ys)?, run.epochs_per_year(netuid)?))
}

/// `apy.<group>.median` and `.mean` over the group's hotkeys.
fn group_apy(run: &RunView, yields: &[Yield], out: &mut Collector) {
    let mut per_hotkey: BTreeMap<(&str, u16, u32), Vec<f64>> = BTreeMap::new();
    for y in yields {
        per_hotkey
            .entry((&y.group, y.netuid, y.hotkey))
            .or_default()
            .push(y.y);
    }
    let mut per_group: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for ((g, netuid, _), ys) in &per_hotkey {
        if let Some(apy) = apy_of(run, *netuid, ys) {
            per_group.entry(g).or_default().push(apy);
        }
    }
    for (g, apys) in per_group {
        out.metric(format!("apy.{g}.median"), stats::median(&apys));
        out.metric(format!("apy.{g}.mean"), stats::mean(&apys));
    }
}

/// `apy.nominator.median`: one entry per nominator with a genesis delegation, the APY of the
/// validator it delegates to (whatever that validator's group).
fn nominator_apy(run: &RunView, yields: &[Yield], out: &mut Collector) {
    let mut per_hotkey: BTreeMap<(u16, u32), Vec<f64>> = BTreeMap::new();
    for y in yields {
        per_hotkey
            .entry((y.netuid, y.hotkey))
            .or_default()
            .push(y.y);
    }
    let apys: Vec<f64> = run
        .scenario
        .agents
        .iter()
        .filter(|a| a.role == Role::Nominator)
        .filter_map(|a| {
            let ys = per_hotkey.get(&(a.netuid, a.delegate_to?))?;
            apy_of(run, a.netuid, ys)
        })
        .collect();
    out.metric("apy.nominator.median", stats::median(&apys));
}

/// `dividends_per_1000.<group>`: 1 000 · Σ dividends / Σ stake before, per subnet epoch, mean.
fn dividends_per_1000(yields: &[Yield], out: &mut Collector) {
    let mut sums: BTreeMap<(&str, u16, u64), (f64, f64)> = BTreeMap::new();
    for y in yields {
        let s = sums.entry((&y.group, y.netuid, y.epoch)).or_default();
        s.0 += y.alpha_dividend;
        s.1 += y.stake_before;
    }
    let mut per_group: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for ((g, _, _), (dividend, stake)) in sums {
        per_group
            .entry(g)
            .or_default()
            .push(1_000.0 * dividend / stake);
    }
    for (g, xs) in per_group {
        out.metric(format!("dividends_per_1000.{g}"), stats::mean(&xs));
    }
}

/// `apy.<group>` per epoch: mean annualised yield of the group's validators.
fn apy_series(run: &RunView, yields: &[Yield], out: &mut Collector) {
    let mut points: BTreeMap<(&str, u64), Vec<f64>> = BTreeMap::new();
    for y in yields {
        if let Some(n) = run.epochs_per_year(y.netuid) {
            points
                .entry((&y.group, y.epoch))
                .or_default()
                .push(annualise(y.y, n));
        }
    }
    for ((g, step), xs) in points {
        if let Some(v) = stats::mean(&xs) {
            out.point(format!("apy.{g}"), step, v);
        }
    }
}
