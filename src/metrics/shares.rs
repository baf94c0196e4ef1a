//! Who gets what against what they stake: relative dividends, the weight-copier ratio G
//! (catalogue §4), cabal and honest emission shares, and the per-epoch emission, dividend and
//! stake series (formulas in the module doc of [`super`]). Fed one subnet epoch at a time
//! ([`Shares::epoch`]); per subnet it keeps running means and the last [`G_WINDOW`] values of G.
//!
//! May depend on: `view`, `stats`, `steps`, `record`.

use super::stats::Mean;
use super::steps::StepMap;
use super::view::{Context, EpochRows, GroupKey, group_key, group_name, is_miner, is_validator};
use super::{Collector, stats};
use crate::record::NeuronRow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Epochs averaged in `copier_g.mean`.
const G_WINDOW: usize = 10;

/// What one subnet contributes to the share metrics.
#[derive(Default)]
struct SubnetShares {
    /// G of its last epoch.
    last_g: Option<f64>,
    /// G of its last [`G_WINDOW`] epochs (undefined ones included, as `None`).
    window: VecDeque<Option<f64>>,
    /// Whether some validator row was a cabal's / a copier's.
    has_cabal: bool,
    has_copier: bool,
    /// Per epoch: the cabal side's share of emission and of stake weight, the honest side's
    /// share of emission.
    cabal_emission: Mean,
    cabal_stake: Mean,
    honest_emission: Mean,
}

/// Per step, a group's Σ and all validators' Σ.
#[derive(Default)]
struct StepSums {
    /// Per group, per step: the group's Σ.
    groups: BTreeMap<GroupKey, StepMap<f64>>,
    /// Per step: all validators' Σ.
    total: StepMap<f64>,
}

impl StepSums {
    /// Adds one epoch's sums at `step`.
    fn add(&mut self, step: u64, (per, total): (BTreeMap<GroupKey, f64>, f64)) {
        *self.total.entry(step) += total;
        for (g, x) in per {
            *self.groups.entry(g).or_default().entry(step) += x;
        }
    }

    /// The points `<name>.<group>`: each group's Σ ÷ all validators' Σ, at steps whose total
    /// is positive.
    fn finish(self, name: &str, out: &mut Collector) {
        for (g, steps) in self.groups {
            let series = format!("{name}.{}", group_name(g));
            for (step, x) in steps {
                match self.total.get(step) {
                    Some(total) if *total > 0.0 => out.point(&series, step, x / total),
                    _ => {}
                }
            }
        }
    }
}

/// The share metrics and series, accumulated one subnet epoch at a time.
#[derive(Default)]
pub struct Shares {
    subnets: BTreeMap<u16, SubnetShares>,
    /// Per group: dividend share − stake share among validators, per subnet epoch.
    relative_dividends: BTreeMap<GroupKey, Mean>,
    /// Per group, per step: Σ emission, alpha.
    emission: BTreeMap<GroupKey, StepMap<f64>>,
    dividends: StepSums,
    stakes: StepSums,
}

impl Shares {
    /// Adds one subnet epoch (its price point goes straight to `out`).
    pub fn epoch(&mut self, ctx: &Context, e: &EpochRows, out: &mut Collector) {
        self.relative_dividends(e);
        let s = self.subnets.entry(e.netuid).or_default();
        let g = epoch_g(e);
        s.last_g = g;
        s.window.push_back(g);
        if s.window.len() > G_WINDOW {
            s.window.pop_front();
        }
        let attack =
            |strategy: &str| (e.rows.iter()).any(|r| is_validator(r) && r.strategy == strategy);
        s.has_cabal |= attack("cabal");
        s.has_copier |= attack("copier");
        let emission = |r: &NeuronRow| r.emission as f64;
        let stake = |r: &NeuronRow| f64::from(r.stake_weight);
        let members = &ctx.cabal_miners;
        s.cabal_emission
            .extend(side_share(e, members, Side::Cabal, emission));
        s.cabal_stake
            .extend(side_share(e, members, Side::Cabal, stake));
        s.honest_emission
            .extend(side_share(e, members, Side::Honest, emission));
        self.series(e, out);
    }

    /// Adds the share metrics and series.
    pub fn finish(self, out: &mut Collector) {
        for (g, mean) in &self.relative_dividends {
            out.metric(format!("relative_dividends.{}", group_name(*g)), mean.get());
        }
        self.copier_g(out);
        self.cabal_shares(out);
        for (g, steps) in self.emission {
            let series = format!("emission.{}", group_name(g));
            for (step, x) in steps {
                out.point(&series, step, x);
            }
        }
        self.dividends.finish("dividends_share", out);
        self.stakes.finish("stake_share", out);
    }

    /// This epoch's dividend share − stake share of each validator group (where both totals
    /// are positive).
    fn relative_dividends(&mut self, e: &EpochRows) {
        let (d, d_total) = validator_sums(e, |r| f64::from(r.dividends));
        let (s, s_total) = validator_sums(e, |r| f64::from(r.stake_weight));
        if d_total <= 0.0 || s_total <= 0.0 {
            return;
        }
        for (g, s_g) in s {
            let d_g = d.get(&g).copied().unwrap_or(0.0);
            let mean = self.relative_dividends.entry(g).or_default();
            mean.add(d_g / d_total - s_g / s_total);
        }
    }

    /// `copier_g.last` and `copier_g.mean`, averaged over subnets that have both kinds.
    fn copier_g(&self, out: &mut Collector) {
        let (mut last, mut window) = (Mean::default(), Mean::default());
        for s in self.subnets.values() {
            last.extend(s.last_g);
            let mut tail = Mean::default();
            // Newest first, as the window is read back.
            tail.extend(s.window.iter().rev().flatten().copied());
            window.extend(tail.get());
        }
        out.metric("copier_g.last", last.get());
        out.metric("copier_g.mean", window.get());
    }

    /// `cabal.emission_share`, `cabal.stake_share` (over subnets with cabal validators) and
    /// `honest.emission_share` (over subnets with cabal or copier validators).
    fn cabal_shares(&self, out: &mut Collector) {
        let (mut emission, mut stake, mut honest) =
            (Mean::default(), Mean::default(), Mean::default());
        let (mut cabal, mut attacked) = (false, false);
        for s in self.subnets.values() {
            if s.has_cabal {
                cabal = true;
                emission.merge(s.cabal_emission);
                stake.merge(s.cabal_stake);
            }
            if s.has_cabal || s.has_copier {
                attacked = true;
                honest.merge(s.honest_emission);
            }
        }
        if cabal {
            out.metric("cabal.emission_share", emission.get());
            out.metric("cabal.stake_share", stake.get());
        }
        if attacked {
            out.metric("honest.emission_share", honest.get());
        }
    }

    /// This epoch's `emission.<group>`, `dividends_share.<group>`, `stake_share.<group>` sums
    /// and its `price.sn<netuid>` point.
    fn series(&mut self, e: &EpochRows, out: &mut Collector) {
        for r in e.rows {
            if let Some(g) = group_key(r) {
                let steps = self.emission.entry(g).or_default();
                *steps.entry(e.epoch) += r.emission as f64 / 1e9;
            }
        }
        (self.dividends).add(e.epoch, validator_sums(e, |r| f64::from(r.dividends)));
        (self.stakes).add(e.epoch, validator_sums(e, |r| f64::from(r.stake_weight)));
        if let Some(s) = e.subnet {
            out.point(format!("price.sn{}", e.netuid), e.epoch, s.price);
        }
    }
}

/// Σ of `f` over validator rows, per group and in total.
fn validator_sums(e: &EpochRows, f: impl Fn(&NeuronRow) -> f64) -> (BTreeMap<GroupKey, f64>, f64) {
    let mut per_group = BTreeMap::new();
    let mut total = 0.0;
    for r in e.rows.iter().filter(|r| is_validator(r)) {
        total += f(r);
        if let Some(g) = group_key(r) {
            *per_group.entry(g).or_insert(0.0) += f(r);
        }
    }
    (per_group, total)
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

/// Which side of an attack a validator or miner row is on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Cabal,
    Copier,
    Honest,
}

fn side(r: &NeuronRow, cabal_miners: &BTreeSet<u32>) -> Option<Side> {
    if is_validator(r) {
        Some(match r.strategy {
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

/// Share of `which` in Σ `f` over validator and miner rows of one epoch.
fn side_share(
    e: &EpochRows,
    cabal_miners: &BTreeSet<u32>,
    which: Side,
    f: impl Fn(&NeuronRow) -> f64,
) -> Option<f64> {
    let (mut part, mut total) = (0.0, 0.0);
    for r in e.rows {
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
