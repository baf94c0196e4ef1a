//! Concentration and health of the network over the whole run: Gini and Nakamoto of stake and
//! emission, miners' rank correlation with true quality, churn, prices and issuance (formulas
//! in the module doc of [`super`]). Fed one subnet epoch at a time ([`Concentration::epoch`]);
//! keeps per subnet its last epoch's validator stakes and permit holders, and per hotkey its
//! running emission and incentive.
//!
//! May depend on: `view`, `stats`, `record`.

use super::stats::Mean;
use super::view::{Context, EpochRows, is_miner, is_validator};
use super::{Collector, stats};
use std::collections::{BTreeMap, BTreeSet};

/// What one subnet contributes.
#[derive(Default)]
struct SubnetHealth {
    /// Its last epoch's validator alpha stakes valued in TAO.
    last_stake: Vec<f64>,
    /// Per miner hotkey: its mean incentive over the epochs it held a uid.
    incentive: BTreeMap<u32, Mean>,
    /// Epochs with rows, and of their transitions those where the permit holders changed /
    /// some uid changed hotkey.
    epochs: u64,
    permits_changed: u64,
    uids_replaced: u64,
    /// The previous epoch's permit holders and hotkey per uid.
    holders: BTreeSet<u32>,
    hotkeys: BTreeMap<u16, u32>,
    /// Spot prices after its epochs.
    price: Mean,
    last_price: Option<f64>,
}

/// The concentration, quality, churn and price metrics, accumulated one subnet epoch at a time.
#[derive(Default)]
pub struct Concentration {
    subnets: BTreeMap<u16, SubnetHealth>,
    /// Whole-run emission per (netuid, hotkey), valued in TAO at each epoch's spot price.
    emission: BTreeMap<(u16, u32), f64>,
}

impl Concentration {
    /// Adds one subnet epoch.
    pub fn epoch(&mut self, e: &EpochRows) {
        let price = e.subnet.map_or(1.0, |s| s.price);
        for r in e.rows {
            *self.emission.entry((e.netuid, r.hotkey)).or_insert(0.0) += r.emission as f64 * price;
        }
        let s = self.subnets.entry(e.netuid).or_default();
        s.last_stake.clear();
        let validators = e.rows.iter().filter(|r| is_validator(r));
        s.last_stake
            .extend(validators.map(|r| r.alpha_stake as f64 * price));
        for r in e.rows.iter().filter(|r| is_miner(r)) {
            s.incentive
                .entry(r.hotkey)
                .or_default()
                .add(f64::from(r.incentive));
        }
        if let Some(row) = e.subnet {
            s.price.add(row.price);
            s.last_price = Some(row.price);
        }
        churn(s, e);
    }

    /// Adds the metrics; `drawn` are the miners' genesis qualities, `final_issuance` in rao.
    pub fn finish(
        self,
        ctx: &Context,
        drawn: &[(u32, f64)],
        final_issuance: u64,
        out: &mut Collector,
    ) {
        self.concentration(out);
        self.rank_correlation(&ctx.qualities(drawn), out);
        let (mut permits, mut uids) = (Mean::default(), Mean::default());
        for s in self.subnets.values().filter(|s| s.epochs >= 2) {
            let transitions = (s.epochs - 1) as f64;
            permits.add(s.permits_changed as f64 / transitions);
            uids.add(s.uids_replaced as f64 / transitions);
        }
        out.metric("validator.churn", permits.get());
        out.metric("miner.churn", uids.get());
        for (netuid, s) in &self.subnets {
            out.metric(format!("price.final.sn{netuid}"), s.last_price);
            out.metric(format!("price.mean.sn{netuid}"), s.price.get());
        }
        out.metric("issuance.final_tao", Some(final_issuance as f64 / 1e9));
    }

    /// `gini.*` and `nakamoto.*` of validator stake (each subnet's last epoch) and of
    /// whole-run emission per hotkey, both valued in TAO at spot prices.
    fn concentration(&self, out: &mut Collector) {
        let stake: Vec<f64> = (self.subnets.values())
            .flat_map(|s| s.last_stake.iter().copied())
            .collect();
        let emission: Vec<f64> = self.emission.values().copied().collect();
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
    fn rank_correlation(&self, quality: &BTreeMap<u32, f64>, out: &mut Collector) {
        let mut per_subnet = Mean::default();
        for s in self.subnets.values() {
            let (mut q, mut i) = (Vec::new(), Vec::new());
            for (hotkey, mean) in &s.incentive {
                if let (Some(qh), Some(m)) = (quality.get(hotkey), mean.get()) {
                    q.push(*qh);
                    i.push(m);
                }
            }
            if q.len() >= 3 {
                per_subnet.extend(stats::spearman(&q, &i));
            }
        }
        out.metric("miner.rank_correlation", per_subnet.get());
    }
}

/// `validator.churn` and `miner.churn` counts: whether the permit holders changed and whether
/// some uid changed hotkey since the subnet's previous epoch with rows.
fn churn(s: &mut SubnetHealth, e: &EpochRows) {
    if e.rows.is_empty() {
        return;
    }
    let holders: BTreeSet<u32> = e
        .rows
        .iter()
        .filter(|r| r.permit)
        .map(|r| r.hotkey)
        .collect();
    if s.epochs > 0 {
        s.permits_changed += u64::from(holders != s.holders);
        let replaced =
            (e.rows.iter()).any(|r| s.hotkeys.get(&r.uid).is_some_and(|h| *h != r.hotkey));
        s.uids_replaced += u64::from(replaced);
    }
    s.epochs += 1;
    s.holders = holders;
    s.hotkeys = e.rows.iter().map(|r| (r.uid, r.hotkey)).collect();
}
