//! Who gets what against what they stake: relative dividends, the weight-copier ratio G
//! (catalogue §4), cabal and honest emission shares, and the per-epoch emission, dividend and
//! stake series (formulas in the module doc of [`super`]).

use super::view::{EpochRows, RunView, group, is_miner, is_validator};
use super::{Collector, stats};
use crate::record::NeuronRow;
use std::collections::{BTreeMap, BTreeSet};

/// Epochs averaged in `copier_g.mean`.
const G_WINDOW: usize = 10;

/// Adds the share metrics and series.
pub fn add(run: &RunView, out: &mut Collector) {
    relative_dividends(run, out);
    copier_g(run, out);
    cabal_shares(run, out);
    series(run, out);
}

/// Σ of `f` over validator rows, per group and in total.
fn validator_sums(e: &EpochRows, f: impl Fn(&NeuronRow) -> f64) -> (BTreeMap<String, f64>, f64) {
    let mut per_group = BTreeMap::new();
    let mut total = 0.0;
    for r in e.rows.iter().filter(|r| is_validator(r)) {
        total += f(r);
        if let Some(g) = group(r) {
            *per_group.entry(g).or_insert(0.0) += f(r);
        }
    }
    (per_group, total)
}

/// `relative_dividends.<group>`: dividend share − stake share among validators, per subnet
/// epoch (where both totals are positive), mean over subnet epochs.
fn relative_dividends(run: &RunView, out: &mut Collector) {
    let mut diffs: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for e in &run.epochs {
        let (d, d_total) = validator_sums(e, |r| f64::from(r.dividends));
        let (s, s_total) = validator_sums(e, |r| f64::from(r.stake_weight));
        if d_total <= 0.0 || s_total <= 0.0 {
            continue;
        }
        for (g, s_g) in s {
            let d_g = d.get(&g).copied().unwrap_or(0.0);
            diffs
                .entry(g)
                .or_default()
                .push(d_g / d_total - s_g / s_total);
        }
    }
    for (g, xs) in diffs {
        out.metric(format!("relative_dividends.{g}"), stats::mean(&xs));
    }
}

/// G of one subnet epoch: mean D/S of the copiers ÷ median D/S of the honest validators
/// (validators with no stake weight are left out).
pub fn epoch_g(e: &EpochRows) -> Option<f64> {
    let ratios = |strategy: &str| -> Vec<f64> {
        e.rows
            .iter()
            .filter(|r| is_validator(r) && r.strategy == strategy && r.stake_weight > 0)
            .map(|r| f64::from(r.dividends) / f64::from(r.stake_weight))
            .collect()
    };
    let copier = stats::mean(&ratios("copier"))?;
    let honest = stats::median(&ratios("honest"))?;
    (honest > 0.0).then(|| copier / honest)
}

/// `copier_g.last` and `copier_g.mean`, averaged over subnets that have both kinds.
fn copier_g(run: &RunView, out: &mut Collector) {
    let (mut last, mut window) = (Vec::new(), Vec::new());
    for netuid in run.netuids() {
        let gs: Vec<Option<f64>> = run.epochs_of(netuid).map(epoch_g).collect();
        if let Some(Some(g)) = gs.last() {
            last.push(*g);
        }
        let tail: Vec<f64> = gs.iter().rev().take(G_WINDOW).flatten().copied().collect();
        if let Some(m) = stats::mean(&tail) {
            window.push(m);
        }
    }
    out.metric("copier_g.last", stats::mean(&last));
    out.metric("copier_g.mean", stats::mean(&window));
}

/// Which side of an attack a validator or miner row is on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Cabal,
    Copier,
    Honest,
}

fn side(r: &NeuronRow, cabal_miners: &BTreeSet<u32>) -> Option<Side> {
    if is_validator(r) {
        Some(match r.strategy.as_str() {
            "cabal" => Side::Cabal,
            "copier" => Side::Copier,
            _ => Side::Honest,
        })
    } else if is_miner(r) {
        Some(if cabal_miners.contains(&r.hotkey) {
            Side::Cabal
        } else {
            Side::Honest
        })
    } else {
        None
    }
}

/// Share of `side` in Σ `f` over validator and miner rows of one epoch.
fn side_share(
    e: &EpochRows,
    cabal_miners: &BTreeSet<u32>,
    which: Side,
    f: impl Fn(&NeuronRow) -> f64,
) -> Option<f64> {
    let (mut part, mut total) = (0.0, 0.0);
    for r in &e.rows {
        let Some(s) = side(r, cabal_miners) else {
            continue;
        };
        total += f(r);
        if s == which {
            part += f(r);
        }
    }
    (total > 0.0).then(|| part / total)
}

/// Subnets where some validator row has one of `strategies`.
fn subnets_with(run: &RunView, strategies: &[&str]) -> BTreeSet<u16> {
    run.epochs
        .iter()
        .filter(|e| {
            e.rows
                .iter()
                .any(|r| is_validator(r) && strategies.contains(&r.strategy.as_str()))
        })
        .map(|e| e.netuid)
        .collect()
}

/// Mean over the epochs of `scope` of `which`'s share of `f`.
fn mean_share(
    run: &RunView,
    scope: &BTreeSet<u16>,
    cabal_miners: &BTreeSet<u32>,
    which: Side,
    f: impl Fn(&NeuronRow) -> f64,
) -> Option<f64> {
    let shares: Vec<f64> = run
        .epochs
        .iter()
        .filter(|e| scope.contains(&e.netuid))
        .filter_map(|e| side_share(e, cabal_miners, which, &f))
        .collect();
    stats::mean(&shares)
}

/// `cabal.emission_share`, `cabal.stake_share`, `honest.emission_share`.
fn cabal_shares(run: &RunView, out: &mut Collector) {
    let members = run.cabal_miners();
    let emission = |r: &NeuronRow| r.emission as f64;
    let stake = |r: &NeuronRow| f64::from(r.stake_weight);
    let cabal = subnets_with(run, &["cabal"]);
    if !cabal.is_empty() {
        let share = mean_share(run, &cabal, &members, Side::Cabal, emission);
        out.metric("cabal.emission_share", share);
        let share = mean_share(run, &cabal, &members, Side::Cabal, stake);
        out.metric("cabal.stake_share", share);
    }
    let attacked = subnets_with(run, &["cabal", "copier"]);
    if !attacked.is_empty() {
        let share = mean_share(run, &attacked, &members, Side::Honest, emission);
        out.metric("honest.emission_share", share);
    }
}

/// `emission.<group>`, `dividends_share.<group>`, `stake_share.<group>`, `price.sn<netuid>`.
fn series(run: &RunView, out: &mut Collector) {
    let mut emission: BTreeMap<(String, u64), f64> = BTreeMap::new();
    // Per (group, step): (group Σ, all validators' Σ), for dividends and stake weight.
    let mut dividends: BTreeMap<u64, (BTreeMap<String, f64>, f64)> = BTreeMap::new();
    let mut stakes: BTreeMap<u64, (BTreeMap<String, f64>, f64)> = BTreeMap::new();
    for e in &run.epochs {
        for r in &e.rows {
            if let Some(g) = group(r) {
                *emission.entry((g, e.epoch)).or_insert(0.0) += r.emission as f64 / 1e9;
            }
        }
        let add = |acc: &mut (BTreeMap<String, f64>, f64),
                   (per, total): (BTreeMap<String, f64>, f64)| {
            acc.1 += total;
            for (g, x) in per {
                *acc.0.entry(g).or_insert(0.0) += x;
            }
        };
        add(
            dividends.entry(e.epoch).or_default(),
            validator_sums(e, |r| f64::from(r.dividends)),
        );
        add(
            stakes.entry(e.epoch).or_default(),
            validator_sums(e, |r| f64::from(r.stake_weight)),
        );
        if let Some(s) = e.subnet {
            out.point(format!("price.sn{}", e.netuid), e.epoch, s.price);
        }
    }
    for ((g, step), x) in emission {
        out.point(format!("emission.{g}"), step, x);
    }
    for (name, sums) in [("dividends_share", dividends), ("stake_share", stakes)] {
        for (step, (per, total)) in sums {
            if total > 0.0 {
                for (g, x) in per {
                    out.point(format!("{name}.{g}"), step, x / total);
                }
            }
        }
    }
}
