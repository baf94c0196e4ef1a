//! The run's rows indexed by subnet epoch, with what the metrics need from the scenario
//! (tempos, takes, `tao_weight`, cabal members, true qualities).

use crate::chain::coinbase::scheduler::SchedulerRegime;
use crate::chain::staking::DEFAULT_DELEGATE_TAKE;
use crate::record::{NeuronRow, RunRecord, SubnetRow};
use crate::scenario::raw::{Amount, RawDist, RawStrategy};
use crate::scenario::{EventAction, Role, Scenario, StrategySpec};
use std::collections::{BTreeMap, BTreeSet};

/// Blocks per year (365 days of 7 200 blocks), the numerator of epochs per year (spec §14).
pub const BLOCKS_PER_YEAR: f64 = 2_628_000.0;

/// The rows of one subnet epoch.
pub struct EpochRows<'a> {
    /// The subnet.
    pub netuid: u16,
    /// Its epoch counter.
    pub epoch: u64,
    /// The subnet row, if recorded.
    pub subnet: Option<&'a SubnetRow>,
    /// The neuron rows, in uid order.
    pub rows: Vec<&'a NeuronRow>,
}

/// A run, indexed.
pub struct RunView<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The rows.
    pub record: &'a RunRecord,
    /// Every subnet epoch, sorted by (netuid, epoch).
    pub epochs: Vec<EpochRows<'a>>,
}

impl<'a> RunView<'a> {
    /// Indexes `record`.
    pub fn new(scenario: &'a Scenario, record: &'a RunRecord) -> Self {
        let mut index: BTreeMap<(u16, u64), EpochRows<'a>> = BTreeMap::new();
        let slot = |netuid, epoch| EpochRows {
            netuid,
            epoch,
            subnet: None,
            rows: Vec::new(),
        };
        for s in &record.subnets {
            index
                .entry((s.netuid, s.epoch))
                .or_insert_with(|| slot(s.netuid, s.epoch))
                .subnet = Some(s);
        }
        for r in &record.neurons {
            index
                .entry((r.netuid, r.epoch))
                .or_insert_with(|| slot(r.netuid, r.epoch))
                .rows
                .push(r);
        }
        let mut epochs: Vec<EpochRows<'a>> = index.into_values().collect();
        for e in &mut epochs {
            e.rows.sort_by_key(|r| r.uid);
        }
        RunView {
            scenario,
            record,
            epochs,
        }
    }

    /// The subnets with rows, ascending.
    pub fn netuids(&self) -> BTreeSet<u16> {
        self.epochs.iter().map(|e| e.netuid).collect()
    }

    /// The epochs of one subnet, in order.
    pub fn epochs_of(&self, netuid: u16) -> impl Iterator<Item = &EpochRows<'a>> {
        self.epochs.iter().filter(move |e| e.netuid == netuid)
    }

    /// Epochs per year on `netuid`: 2 628 000 / tempo (HEAD), / (tempo + 1) under the legacy
    /// scheduler.
    pub fn epochs_per_year(&self, netuid: u16) -> Option<f64> {
        let s = self.scenario.subnets.iter().find(|s| s.netuid == netuid)?;
        let period = match self.scenario.chain.scheduler {
            SchedulerRegime::Legacy => f64::from(s.tempo) + 1.0,
            SchedulerRegime::DynamicTempo => f64::from(s.tempo),
        };
        Some(BLOCKS_PER_YEAR / period)
    }

    /// The delegate take of `hotkey` as a fraction: the agent's `take`, else the chain's default.
    pub fn take(&self, hotkey: u32) -> f64 {
        let take = self
            .scenario
            .agents
            .iter()
            .find(|a| a.hotkey == hotkey)
            .and_then(|a| a.take)
            .unwrap_or(DEFAULT_DELEGATE_TAKE);
        f64::from(take) / 65_535.0
    }

    /// `TaoWeight` as a fraction (the scenario's genesis value).
    pub fn tao_weight(&self) -> f64 {
        self.scenario.chain.tao_weight as f64 / u64::MAX as f64
    }

    /// Hotkeys of the miners some cabal validator favours (its `members`), from the agents'
    /// strategies and from `set_strategy` events.
    pub fn cabal_miners(&self) -> BTreeSet<u32> {
        let from_agents = self.scenario.agents.iter().map(|a| &a.strategy);
        let from_events = self.scenario.events.iter().filter_map(|e| match &e.action {
            EventAction::SetStrategy { strategy, .. } => Some(strategy),
            _ => None,
        });
        from_agents
            .chain(from_events)
            .filter(|s| matches!(s.raw, RawStrategy::Cabal { .. }))
            .flat_map(|s: &StrategySpec| s.targets.iter().flatten().copied())
            .collect()
    }

    /// Each miner's true quality by hotkey: the genesis draw recorded with the run, else the
    /// `serve` strategy's value when it is not random (a fixed number or a list of values).
    pub fn qualities(&self) -> BTreeMap<u32, f64> {
        let mut q: BTreeMap<u32, f64> = BTreeMap::new();
        for a in self
            .scenario
            .agents
            .iter()
            .filter(|a| a.role == Role::Miner)
        {
            let RawStrategy::Serve { quality, .. } = &a.strategy.raw else {
                continue;
            };
            let fixed = match quality {
                Amount::Fixed(x) => Some(*x),
                Amount::Dist(RawDist::Values(v)) => v.get(a.index as usize).copied(),
                Amount::Dist(_) => None,
            };
            if let Some(x) = fixed {
                q.insert(a.hotkey, x.max(0.0));
            }
        }
        for (hotkey, x) in &self.record.miner_quality {
            q.insert(*hotkey, *x);
        }
        q
    }
}

/// `<role>:<strategy>` of a row, `None` for hotkeys no agent owns.
pub fn group(row: &NeuronRow) -> Option<String> {
    (!row.role.is_empty()).then(|| format!("{}:{}", row.role, row.strategy))
}

/// Whether the row is a validator's.
pub fn is_validator(row: &NeuronRow) -> bool {
    row.role == Role::Validator.name()
}

/// Whether the row is a miner's.
pub fn is_miner(row: &NeuronRow) -> bool {
    row.role == Role::Miner.name()
}
