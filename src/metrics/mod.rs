//! A run's headline numbers and per-epoch series, computed from its rows and its scenario:
//! validator, nominator and root-staker APY (in alpha and in TAO), dividends against stake, the weight-copier ratio, cabal shares,
//! concentration (Gini, Nakamoto), miner rank correlation, churn and prices.
//!
//! Pure and deterministic: no files, no randomness, no data frames, no `HashMap`. Metrics come
//! sorted by name, series by (series, step). A metric that is undefined for a run (its group is
//! absent, a denominator is zero) is left out, never written as NaN.
//!
//! May depend on: `record`, `scenario`, `strategy`, and the chain's parameter types and
//! constants that a scenario carries (scheduler regime, default delegate take). Never on `sim`,
//! `report`, files, randomness or data frames.
//!
//! # Groups
//!
//! Agents are grouped as `<role>:<strategy>` from the neuron rows, as in `summary.json`
//! (`validator:honest`, `validator:copier`, `validator:cabal`, `miner:serve`, ...). A row
//! belongs to the group of its strategy at that epoch (a strategy switched by an event moves
//! later rows to the new group). Rows of hotkeys no agent owns have no group.
//!
//! # Yields
//!
//! For validator hotkey h on subnet s after epoch e (spec §10.2, §14), with E_h the epoch's
//! emission to h's uid (a validator's emission is its dividends plus any incentive), I its
//! incentive, α its alpha stake (after the payout), R its root stake and τ the chain's
//! `tao_weight`:
//! * i_h = ΣE · I_h / (Σ I + Σ D), the incentive part (spec §8.10), and δ_h = E_h − i_h the
//!   dividend part (the chain's validator emission: dividend-weighted, or stake-weighted while
//!   no dividends exist yet);
//! * ρ_h = τR / (α + τR), the share of h's dividend paid to root stakers;
//! * alpha dividend a_h = V · δ_h(1 − ρ_h) / Σ_k δ_k(1 − ρ_k), V the drained validator bucket
//!   (plus the server bucket when no miner earned incentive, as the chain pays it);
//! * stake before the payout b_h = α − a_h − i_h (both are staked into h's pool);
//! * per-epoch return to a nominator y_h = (1 − take_h) · a_h / b_h (the take is the agent's
//!   `take`, else the chain's default delegate take, 11 796 / 65 535 ≈ 18 %).
//!
//! Epoch 0 of every subnet is a warm-up and skipped.
//!
//! # APY: one definition
//!
//! Every APY in taosim (metrics, series, the report's histograms) is the per-epoch return
//! compounded over a year at its **geometric** mean, **exp(N · mean ln(1 + y)) − 1** =
//! (1 + ȳ_g)^N − 1, a fraction per year (0.05 = 5 %), with y the per-epoch returns in question
//! and N = 2 628 000 / tempo epochs per year (tempo + 1 under the legacy scheduler). The
//! geometric mean is what compounding realises: a price that doubles and then halves returns 0,
//! where the arithmetic mean of the two returns (+100 %, −50 %) would compound into a huge APY.
//! It is still an extrapolation: a run of a few days with a trending price gives a very large
//! or very negative `apy_tao` (the trend, annualised). Its name says its denominator:
//! * `apy_alpha`: y = y_h above, the yield in the subnet's alpha (alpha earned per alpha staked;
//!   prices not applied);
//! * `apy_tao`: the same stake valued in TAO at pool spot prices, price moves included:
//!   y = (1 + y_h) · P_e / P_prev − 1, P_e the subnet's spot price after epoch e and P_prev
//!   after its previous recorded epoch (an epoch without a previous price is left out);
//! * `apy_tao.root`: the return of TAO staked on root to validator hotkey h, from its root
//!   dividends on subnet s valued at the spot price: y = (1 − take_h) · r_h · P_e / R_h, with
//!   r_h = root bucket · δ_hρ_h / Σ_k δ_kρ_k (the drained root-dividend bucket shared as the
//!   chain shares it) and R_h h's root stake (TAO rao). One value per (subnet, hotkey) with
//!   root stake; a hotkey validating on several subnets earns the sum of its subnets' yields.
//!
//! For a metric, the mean of ln(1 + y) is over one hotkey's epochs and the statistic (median,
//! mean) is taken over hotkeys; for a series point, it is over a group's validators on one
//! subnet in that epoch, and the APYs are averaged over subnets.

//! # Metrics
//!
//! The same rows as [`catalog::METRICS`], which the report reads for units and meanings.
//!
//! | name | meaning | unit |
//! |---|---|---|
//! | `apy_alpha.<group>.median` | median over the group's validator hotkeys of their APY in alpha | fraction per year |
//! | `apy_alpha.<group>.mean` | mean over the group's validator hotkeys of their APY in alpha | fraction per year |
//! | `apy_tao.<group>.median` | median over the group's validator hotkeys of their APY valued in TAO (price moves included) | fraction per year |
//! | `apy_tao.<group>.mean` | mean over the group's validator hotkeys of their APY valued in TAO (price moves included) | fraction per year |
//! | `apy_alpha.nominator.median` | median APY in alpha over genesis nominations: each nominator counts its validator's APY once (weight = number of nominators delegating to it at genesis) | fraction per year |
//! | `apy_tao.nominator.median` | median APY valued in TAO over genesis nominations (weighted as `apy_alpha.nominator.median`) | fraction per year |
//! | `apy_tao.root.median` | median over (subnet, validator hotkey) with root stake of the root stakers' APY in TAO | fraction per year |
//! | `apy_tao.root.mean` | mean over (subnet, validator hotkey) with root stake of the root stakers' APY in TAO | fraction per year |
//! | `relative_dividends.<group>` | group's dividend share − its stake share among validator rows, per subnet epoch, mean over subnet epochs | fraction |
//! | `dividends_per_1000.<group>` | alpha dividends per 1 000 alpha staked (b_h), per subnet epoch, mean over subnet epochs after the warm-up | alpha per epoch |
//! | `copier_g.last` | G = mean over copiers of D/S ÷ median over honest validators of D/S at each subnet's last epoch, mean over subnets (catalogue §4) | ratio |
//! | `copier_g.mean` | G (as `copier_g.last`) averaged over each subnet's last 10 epochs | ratio |
//! | `cabal.emission_share` | emission share of cabal validators plus the miners they favour (their `members`), per subnet epoch on subnets with cabal validators, mean | fraction |
//! | `cabal.stake_share` | share of the epoch's stake weight held by cabal validators, per subnet epoch on subnets with cabal validators, mean | fraction |
//! | `honest.emission_share` | emission share of validators and miners that are neither cabal (validators or favoured miners) nor copiers, on subnets with cabal or copier validators, mean over subnet epochs | fraction |
//! | `gini.stake` | Gini of validator alpha stake valued in TAO (spot price) at each subnet's last epoch, over all subnets' validator hotkeys | 0–1 |
//! | `gini.emission` | Gini of whole-run emission per hotkey (all hotkeys), valued in TAO at each epoch's spot price | 0–1 |
//! | `nakamoto.stake` | fewest validator hotkeys holding > 50 % of the stake `gini.stake` measures | hotkeys |
//! | `nakamoto.emission` | fewest hotkeys receiving > 50 % of the emission `gini.emission` measures | hotkeys |
//! | `miner.rank_correlation` | Spearman correlation of miners' mean incentive over the run with their true quality (the genesis draw of their `serve` strategy), per subnet, mean over subnets | −1–1 |
//! | `validator.churn` | fraction of a subnet's epoch transitions in which the set of permit holders changed, mean over subnets | fraction |
//! | `miner.churn` | fraction of a subnet's epoch transitions in which some uid changed hotkey (a registration replaced a neuron), mean over subnets | fraction |
//! | `price.final.sn<netuid>` | spot price after the subnet's last epoch | TAO per alpha |
//! | `price.mean.sn<netuid>` | mean spot price over the subnet's epochs | TAO per alpha |
//! | `issuance.final_tao` | total TAO issuance at the end | TAO |
//! | `honest_emission_share` | consensus experiment: E_H, the honest validators' and servers' share of the epoch's emission | fraction |
//! | `honest_stake_share` | consensus experiment: S_H, the honest side's share of validator stake | fraction |
//! | `retained` | consensus experiment: 1 if E_H ≥ S_H, else 0 | 0 or 1 |
//! | `honest_emission_share_baseline` | consensus experiment with `baseline`: E_H when the cabal mirrors the honest row | fraction |
//! | `cabal_gain` | consensus experiment with `baseline`: E_H(baseline) − E_H, what deviating earns the cabal | fraction |
//! | `agent_emission.<agent>` | `taosim check` only: the agent's emission over the run, all its subnets | alpha |
//!
//! # Series
//!
//! Step = the subnet epoch counter; values aggregate all subnets' epoch `step`.
//!
//! | series | meaning | unit |
//! |---|---|---|
//! | `emission.<group>` | emission to the group's hotkeys | alpha |
//! | `dividends_share.<group>` | validator groups: Σ dividends of the group ÷ Σ dividends of all validators | fraction |
//! | `stake_share.<group>` | validator groups: Σ stake weight of the group ÷ Σ stake weight of all validators | fraction |
//! | `price.sn<netuid>` | spot price | TAO per alpha |
//! | `apy_alpha.<group>` | APY in alpha of the group's validators' yields in the epoch | fraction per year |
//! | `apy_tao.<group>` | APY valued in TAO of the group's validators' yields in the epoch | fraction per year |

pub mod catalog;
mod concentration;
mod shares;
pub mod stats;
mod steps;
mod view;
mod yields;

use crate::record::{AccountRow, LedgerRow, NeuronRow, RowSink, RunRecord, SubnetRow};
use crate::scenario::Scenario;
pub use catalog::series_unit;
use std::collections::BTreeMap;
use view::{Context, EpochRows};

/// One headline number of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    /// Dotted lowercase name, stable across versions (see the table above).
    pub name: String,
    /// The value, in the unit the table gives; always finite.
    pub value: f64,
}

/// One point of a per-run time series (for charts with seed bands).
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesPoint {
    /// The series' name (see the table above).
    pub series: String,
    /// The subnet epoch counter.
    pub step: u64,
    /// The value; always finite.
    pub value: f64,
}

/// One validator hotkey's APYs on one subnet (see "APY: one definition" above), fractions per
/// year.
#[derive(Clone, Debug, PartialEq)]
pub struct HotkeyApy {
    /// The subnet.
    pub netuid: u16,
    /// The hotkey.
    pub hotkey: u32,
    /// Its group (`<role>:<strategy>`).
    pub group: String,
    /// APY in alpha.
    pub alpha: f64,
    /// APY valued in TAO, if a previous price existed.
    pub tao: Option<f64>,
    /// Its root stakers' APY in TAO, if it had root stake.
    pub root_tao: Option<f64>,
}

/// Every metric and series of one run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunMetrics {
    /// Headline numbers, sorted by name.
    pub metrics: Vec<Metric>,
    /// Series points, sorted by (series, step).
    pub series: Vec<SeriesPoint>,
    /// Per validator hotkey and subnet, its APYs, by (group, netuid, hotkey); only finite
    /// values.
    pub apy: Vec<HotkeyApy>,
}

impl RunMetrics {
    /// The value of metric `name`, if the run has it.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.value)
    }
}

/// One subnet epoch's rows, gathered from a held record: its subnet row and its neuron rows.
type HeldEpoch<'a> = (Option<&'a SubnetRow>, Vec<NeuronRow>);

/// Every metric of one run whose rows are all in `record`: its subnet epochs are handed to a
/// [`Metrics`] sink in block order, as a run would. Deterministic: metrics sorted by name,
/// series sorted by (series, step); no HashMap iteration.
pub fn compute(scenario: &Scenario, record: &RunRecord) -> RunMetrics {
    let mut metrics = Metrics::new(scenario);
    let mut epochs: BTreeMap<(u64, u16, u64), HeldEpoch> = BTreeMap::new();
    let mut block_of: BTreeMap<(u16, u64), u64> = BTreeMap::new();
    for s in &record.subnets {
        block_of.insert((s.netuid, s.epoch), s.block);
        epochs.entry((s.block, s.netuid, s.epoch)).or_default().0 = Some(s);
    }
    for r in &record.neurons {
        let block = block_of
            .get(&(r.netuid, r.epoch))
            .copied()
            .unwrap_or(r.block);
        let slot = epochs.entry((block, r.netuid, r.epoch)).or_default();
        slot.1.push(r.clone());
    }
    for (subnet, mut rows) in epochs.into_values() {
        rows.sort_by_key(|r| r.uid);
        metrics.epoch(subnet, &rows);
    }
    metrics.finish(record)
}

/// The metrics of a run as it goes: a [`RowSink`] that reads each subnet epoch once and keeps
/// running sums (per subnet, hotkey, group and step), never the rows, so a year-long run's
/// metrics take memory that grows only with the number of series points, 16 bytes each
/// (about 8 MB for a year of 64 subnets at tempo 360).
pub struct Metrics {
    ctx: Context,
    yields: yields::Yields,
    shares: shares::Shares,
    concentration: concentration::Concentration,
    out: Collector,
}

impl Metrics {
    /// An empty accumulator for a run of `scenario`.
    pub fn new(scenario: &Scenario) -> Self {
        Metrics {
            ctx: Context::new(scenario),
            yields: yields::Yields::default(),
            shares: shares::Shares::default(),
            concentration: concentration::Concentration::default(),
            out: Collector::default(),
        }
    }

    /// Every metric, series and per-hotkey APY of the run; `record` gives the totals (final
    /// issuance) and the miners' genesis qualities.
    pub fn finish(self, record: &RunRecord) -> RunMetrics {
        let mut out = self.out;
        let apy = self.yields.finish(&self.ctx, &mut out);
        self.shares.finish(&mut out);
        let (drawn, issuance) = (&record.miner_quality, record.final_issuance);
        self.concentration
            .finish(&self.ctx, drawn, issuance, &mut out);
        let mut metrics = out.finish();
        metrics.apy = apy
            .into_iter()
            .filter(|h| h.alpha.is_finite())
            .map(|h| HotkeyApy {
                tao: h.tao.filter(|x| x.is_finite()),
                root_tao: h.root_tao.filter(|x| x.is_finite()),
                ..h
            })
            .collect();
        metrics
    }
}

impl RowSink for Metrics {
    fn epoch(&mut self, subnet: Option<&SubnetRow>, neurons: &[NeuronRow]) {
        let Some(first) = subnet
            .map(|s| (s.netuid, s.epoch))
            .or(neurons.first().map(|r| (r.netuid, r.epoch)))
        else {
            return;
        };
        let e = EpochRows {
            netuid: first.0,
            epoch: first.1,
            subnet,
            rows: neurons,
        };
        self.yields.epoch(&self.ctx, &e);
        self.shares.epoch(&self.ctx, &e, &mut self.out);
        self.concentration.epoch(&e);
    }

    fn accounts(&mut self, _: &[AccountRow]) {}

    fn ledger(&mut self, _: &[LedgerRow]) {}
}

/// Metrics and series as they are computed, keyed for sorted output (series in a compact
/// [`steps::SeriesStore`], so a long run's points take 16 bytes each).
#[derive(Default)]
struct Collector {
    metrics: BTreeMap<String, f64>,
    series: steps::SeriesStore,
}

impl Collector {
    /// Records `value` under `name` if it is defined and finite.
    fn metric(&mut self, name: impl Into<String>, value: Option<f64>) {
        if let Some(v) = value.filter(|v| v.is_finite()) {
            self.metrics.insert(name.into(), v);
        }
    }

    /// Records a series point if it is finite.
    fn point(&mut self, series: impl AsRef<str>, step: u64, value: f64) {
        if value.is_finite() {
            self.series.insert(series.as_ref(), step, value);
        }
    }

    fn finish(self) -> RunMetrics {
        RunMetrics {
            apy: Vec::new(),
            metrics: self
                .metrics
                .into_iter()
                .map(|(name, value)| Metric { name, value })
                .collect(),
            series: self.series.into_points(),
        }
    }
}

#[cfg(test)]
mod tests;
