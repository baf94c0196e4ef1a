//! Validator, nominator and root-staker yields, tempo-aware (spec §14; the definitions are in
//! the module doc of [`super`]): `apy_alpha.<group>.*`, `apy_tao.<group>.*`,
//! `apy_alpha.nominator.median`, `apy_tao.nominator.median`, `apy_tao.root.*`,
//! `dividends_per_1000.<group>`, the `apy_alpha.<group>` / `apy_tao.<group>` series, and the
//! per-hotkey APYs the report's histograms draw.
//!
//! Fed one subnet epoch at a time ([`Yields::epoch`]); keeps running means per hotkey, group
//! and step, so its memory does not grow with the run's duration.
//!
//! May depend on: `view`, `stats`, `steps`, `record`.

use super::stats::Mean;
use super::steps::StepMap;
use super::view::{Context, EpochRows, group, is_validator};
use super::{Collector, HotkeyApy, stats};
use crate::record::NeuronRow;
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
    /// The nominators' per-epoch return in alpha, (1 − take) · dividend / stake before.
    pub y: f64,
    /// The same return valued in TAO at pool spot prices, (1 + y) · P_e / P_prev − 1; `None`
    /// without a previous price.
    pub y_tao: Option<f64>,
    /// The per-epoch return of the hotkey's root stakers valued in TAO at the spot price,
    /// (1 − take) · root dividend · P_e / root stake; `None` without root stake.
    pub y_root: Option<f64>,
}

/// Spot prices (TAO per alpha) of an epoch and of the subnet's previous recorded epoch.
#[derive(Clone, Copy, Debug, Default)]
pub struct Prices {
    /// After this epoch.
    pub now: f64,
    /// After the previous recorded epoch of the subnet, if any.
    pub previous: Option<f64>,
}

/// What one validator was paid in an epoch, alpha rao.
struct Paid {
    alpha_dividend: f64,
    root_dividend: f64,
    incentive: f64,
}

/// The epoch's payouts by uid (spec §8.10, §10.2): incentive I_k/σE of the emission, the rest
/// the dividend weight δ_k, split by the root proportion ρ_k into the alpha and root buckets.
fn payouts(ctx: &Context, e: &EpochRows, incentive_sum: f64, dividend_sum: f64) -> Vec<Paid> {
    let Some(subnet) = e.subnet else {
        return Vec::new();
    };
    let tau = ctx.tao_weight();
    let emission_sum: f64 = e.rows.iter().map(|r| r.emission as f64).sum();
    let incentive = |r: &NeuronRow| {
        if incentive_sum > 0.0 {
            emission_sum * f64::from(r.incentive) / (incentive_sum + dividend_sum)
        } else {
            0.0
        }
    };
    // (alpha part, root part) of each uid's dividend weight.
    let parts: Vec<(f64, f64)> = e
        .rows
        .iter()
        .map(|r| {
            if dividend_sum > 0.0 && r.dividends == 0 {
                // Only rounding of the u16 incentive is left here.
                return (0.0, 0.0);
            }
            let (alpha, root) = (r.alpha_stake as f64, r.root_stake as f64 * tau);
            let rho = if alpha + root > 0.0 {
                root / (alpha + root)
            } else {
                0.0
            };
            let delta = (r.emission as f64 - incentive(r)).max(0.0);
            (delta * (1.0 - rho), delta * rho)
        })
        .collect();
    let (alpha_sum, root_sum) = parts
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    // With no miner paid, the chain gives the validators the miners' bucket too.
    let server = subnet.server_emission as f64;
    let bucket = subnet.validator_emission as f64 + if incentive_sum > 0.0 { 0.0 } else { server };
    let share =
        |part: f64, sum: f64, bucket: f64| if sum > 0.0 { bucket * part / sum } else { 0.0 };
    e.rows
        .iter()
        .zip(parts)
        .map(|(r, (a, b))| Paid {
            alpha_dividend: share(a, alpha_sum, bucket),
            root_dividend: share(b, root_sum, subnet.root_emission as f64),
            incentive: incentive(r),
        })
        .collect()
}

/// The yields of every validator in one subnet epoch (none for the warm-up epoch 0, for an
/// epoch without its subnet row, or for a pool that was empty before the payout).
pub fn epoch_yields(ctx: &Context, e: &EpochRows, prices: Prices) -> Vec<Yield> {
    if e.subnet.is_none() || e.epoch == 0 {
        return Vec::new();
    }
    let sum = |f: fn(&NeuronRow) -> u16| -> f64 { e.rows.iter().map(|r| f64::from(f(r))).sum() };
    let paid = payouts(ctx, e, sum(|r| r.incentive), sum(|r| r.dividends));
    e.rows
        .iter()
        .zip(paid)
        .filter(|(r, _)| is_validator(r))
        .filter_map(|(r, p)| {
            let before = r.alpha_stake as f64 - p.alpha_dividend - p.incentive;
            let keep = 1.0 - ctx.take(r.hotkey);
            let y = keep * p.alpha_dividend / before;
            let y_tao = prices
                .previous
                .filter(|prev| *prev > 0.0)
                .map(|prev| (1.0 + y) * prices.now / prev - 1.0);
            let root = r.root_stake as f64;
            let y_root = (root > 0.0).then(|| keep * p.root_dividend * prices.now / root);
            (before > 0.0).then(|| Yield {
                netuid: e.netuid,
                epoch: e.epoch,
                hotkey: r.hotkey,
                group: group(r).unwrap_or_default(),
                alpha_dividend: p.alpha_dividend,
                stake_before: before,
                y,
                y_tao,
                y_root,
            })
        })
        .collect()
}

/// The APY of per-epoch returns whose mean log return (mean of ln(1 + y)) is `mean_log`:
/// exp(N · mean_log) − 1, i.e. (1 + ȳ_g)^N − 1 with ȳ_g their geometric mean.
pub fn annualise(mean_log: f64, epochs_per_year: f64) -> f64 {
    (epochs_per_year * mean_log).exp_m1()
}

/// A hotkey's running mean log returns: in alpha, valued in TAO, of its root stakers.
type HotkeyMeans = [Mean; 3];

/// The yield metrics and series, accumulated one subnet epoch at a time.
#[derive(Default)]
pub struct Yields {
    /// Spot price after each subnet's previous recorded epoch.
    previous: BTreeMap<u16, f64>,
    /// Per (group, netuid, hotkey): its mean log returns ln(1 + y) (a hotkey whose strategy
    /// changed counts once in each group).
    per_hotkey: BTreeMap<(String, u16, u32), HotkeyMeans>,
    /// Per (netuid, hotkey), whatever its group: mean log returns in alpha and in TAO.
    per_nominee: BTreeMap<(u16, u32), [Mean; 2]>,
    /// Per group: 1 000 · Σ dividends / Σ stake before, per subnet epoch.
    dividends_per_1000: BTreeMap<String, Mean>,
    /// Per (family, group), per step: the subnets' APYs of the group's returns at that epoch.
    series: BTreeMap<(&'static str, String), StepMap<Mean>>,
}

impl Yields {
    /// Adds one subnet epoch.
    pub fn epoch(&mut self, ctx: &Context, e: &EpochRows) {
        let prices = match e.subnet {
            Some(subnet) => Prices {
                now: subnet.price,
                previous: self.previous.insert(e.netuid, subnet.price),
            },
            None => Prices::default(),
        };
        let yields = epoch_yields(ctx, e, prices);
        for y in &yields {
            let key = (y.group.clone(), y.netuid, y.hotkey);
            let [alpha, tao, root] = self.per_hotkey.entry(key).or_default();
            alpha.add(y.y.ln_1p());
            tao.extend(y.y_tao.map(f64::ln_1p));
            root.extend(y.y_root.map(f64::ln_1p));
            let [alpha, tao] = self.per_nominee.entry((y.netuid, y.hotkey)).or_default();
            alpha.add(y.y.ln_1p());
            tao.extend(y.y_tao.map(f64::ln_1p));
        }
        self.dividends_per_1000(&yields);
        self.apy_series(ctx, e, &yields);
    }

    /// `dividends_per_1000.<group>`: this epoch's 1 000 · Σ dividends / Σ stake before.
    fn dividends_per_1000(&mut self, yields: &[Yield]) {
        let mut sums: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        for y in yields {
            let s = sums.entry(&y.group).or_default();
            s.0 += y.alpha_dividend;
            s.1 += y.stake_before;
        }
        for (g, (dividend, stake)) in sums {
            let mean = self.dividends_per_1000.entry(g.to_string()).or_default();
            mean.add(1_000.0 * dividend / stake);
        }
    }

    /// `apy_alpha.<group>` and `apy_tao.<group>` at this epoch: the APY of the group's
    /// validators' returns on this subnet, exp(N · mean ln(1 + y)) − 1.
    fn apy_series(&mut self, ctx: &Context, e: &EpochRows, yields: &[Yield]) {
        let mut per_group: BTreeMap<(&'static str, &str), Mean> = BTreeMap::new();
        for y in yields {
            let alpha = per_group.entry(("apy_alpha", &y.group)).or_default();
            alpha.add(y.y.ln_1p());
            if let Some(t) = y.y_tao {
                per_group
                    .entry(("apy_tao", &y.group))
                    .or_default()
                    .add(t.ln_1p());
            }
        }
        for ((family, g), ys) in per_group {
            if let Some(apy) = apy_of(ctx, e.netuid, ys) {
                let steps = self.series.entry((family, g.to_string())).or_default();
                steps.entry(e.epoch).add(apy);
            }
        }
    }

    /// Adds the yield metrics and series; returns the per-hotkey APYs.
    pub fn finish(self, ctx: &Context, out: &mut Collector) -> Vec<HotkeyApy> {
        let hotkeys: Vec<HotkeyApy> = (self.per_hotkey.into_iter())
            .filter_map(|((group, netuid, hotkey), [alpha, tao, root])| {
                Some(HotkeyApy {
                    netuid,
                    hotkey,
                    group,
                    alpha: apy_of(ctx, netuid, alpha)?,
                    tao: apy_of(ctx, netuid, tao),
                    root_tao: apy_of(ctx, netuid, root),
                })
            })
            .collect();
        group_apy(&hotkeys, out);
        nominator_apy(ctx, &self.per_nominee, out);
        for (g, mean) in self.dividends_per_1000 {
            out.metric(format!("dividends_per_1000.{g}"), mean.get());
        }
        for ((family, g), steps) in self.series {
            let series = format!("{family}.{g}");
            for (step, mean) in steps {
                if let Some(v) = mean.get() {
                    out.point(&series, step, v);
                }
            }
        }
        hotkeys
    }
}

/// APY on `netuid` of per-epoch returns whose log returns ln(1 + y) have mean `logs`.
fn apy_of(ctx: &Context, netuid: u16, logs: Mean) -> Option<f64> {
    Some(annualise(logs.get()?, ctx.epochs_per_year(netuid)?))
}

/// `apy_alpha.<group>.*`, `apy_tao.<group>.*` (median and mean over the group's hotkeys) and
/// `apy_tao.root.*` (over validator hotkeys with root stake).
fn group_apy(hotkeys: &[HotkeyApy], out: &mut Collector) {
    let mut per_group: BTreeMap<(&str, &str), Vec<f64>> = BTreeMap::new();
    for h in hotkeys {
        let g = h.group.as_str();
        per_group.entry(("apy_alpha", g)).or_default().push(h.alpha);
        if let Some(tao) = h.tao {
            per_group.entry(("apy_tao", g)).or_default().push(tao);
        }
        if let Some(root) = h.root_tao {
            per_group.entry(("apy_tao", "root")).or_default().push(root);
        }
    }
    for ((family, g), apys) in per_group {
        out.metric(format!("{family}.{g}.median"), stats::median(&apys));
        out.metric(format!("{family}.{g}.mean"), stats::mean(&apys));
    }
}

/// `apy_alpha.nominator.median` and `apy_tao.nominator.median`: one entry per nominator with
/// a genesis delegation, the APY of the validator it delegates to (all its yields, whatever
/// its group).
fn nominator_apy(
    ctx: &Context,
    per_nominee: &BTreeMap<(u16, u32), [Mean; 2]>,
    out: &mut Collector,
) {
    let delegated: Vec<(u16, &[Mean; 2])> = (ctx.delegations.iter())
        .filter_map(|key| Some((key.0, per_nominee.get(key)?)))
        .collect();
    let alpha: Vec<f64> = (delegated.iter())
        .filter_map(|(netuid, ys)| apy_of(ctx, *netuid, ys[0]))
        .collect();
    let tao: Vec<f64> = (delegated.iter())
        .filter_map(|(netuid, ys)| apy_of(ctx, *netuid, ys[1]))
        .collect();
    out.metric("apy_alpha.nominator.median", stats::median(&alpha));
    out.metric("apy_tao.nominator.median", stats::median(&tao));
}
