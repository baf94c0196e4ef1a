//! What the metrics read: one subnet epoch's rows ([`EpochRows`]) as the run hands them over,
//! and the facts they need from the scenario ([`Context`]: tempos, takes, `tao_weight`, cabal
//! members, true qualities, genesis delegations), looked up once per run.

use crate::chain::coinbase::scheduler::SchedulerRegime;
use crate::chain::staking::DEFAULT_DELEGATE_TAKE;
use crate::record::{NeuronRow, SubnetRow};
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
    pub rows: &'a [NeuronRow],
}

/// The scenario's facts the metrics need, looked up once.
pub struct Context {
    /// Epochs per year by netuid.
    epochs_per_year: BTreeMap<u16, f64>,
    /// Delegate take (fraction) by hotkey, for agents that set one.
    takes: BTreeMap<u32, f64>,
    /// `TaoWeight` as a fraction.
    tao_weight: f64,
    /// Hotkeys of the miners some cabal validator favours.
    pub cabal_miners: BTreeSet<u32>,
    /// Miners' true qualities known from the scenario (fixed or listed values).
    fixed_qualities: BTreeMap<u32, f64>,
    /// Genesis delegations: (netuid, validator hotkey) of every nominator.
    pub delegations: Vec<(u16, u32)>,
}

impl Context {
    /// The facts of `scenario`.
    pub fn new(scenario: &Scenario) -> Self {
        let period = |tempo: u16| match scenario.chain.scheduler {
            SchedulerRegime::Legacy => f64::from(tempo) + 1.0,
            SchedulerRegime::DynamicTempo => f64::from(tempo),
        };
        let mut takes = BTreeMap::new();
        for a in &scenario.agents {
            // The first agent of a hotkey decides, as a lookup by hotkey would.
            takes
                .entry(a.hotkey)
                .or_insert(f64::from(a.take.unwrap_or(DEFAULT_DELEGATE_TAKE)) / 65_535.0);
        }
        Context {
            epochs_per_year: (scenario.subnets.iter())
                .map(|s| (s.netuid, BLOCKS_PER_YEAR / period(s.tempo)))
                .collect(),
            takes,
            tao_weight: scenario.chain.tao_weight as f64 / u64::MAX as f64,
            cabal_miners: cabal_miners(scenario),
            fixed_qualities: fixed_qualities(scenario),
            delegations: (scenario.agents.iter())
                .filter(|a| a.role == Role::Nominator)
                .filter_map(|a| Some((a.netuid, a.delegate_to?)))
                .collect(),
        }
    }

    /// Epochs per year on `netuid`: 2 628 000 / tempo (HEAD), / (tempo + 1) under the legacy
    /// scheduler.
    pub fn epochs_per_year(&self, netuid: u16) -> Option<f64> {
        self.epochs_per_year.get(&netuid).copied()
    }

    /// The delegate take of `hotkey` as a fraction: the agent's `take`, else the chain's default.
    pub fn take(&self, hotkey: u32) -> f64 {
        (self.takes.get(&hotkey).copied()).unwrap_or(f64::from(DEFAULT_DELEGATE_TAKE) / 65_535.0)
    }

    /// `TaoWeight` as a fraction (the scenario's genesis value).
    pub fn tao_weight(&self) -> f64 {
        self.tao_weight
    }

    /// Each miner's true quality by hotkey: the genesis draws recorded with the run, else the
    /// `serve` strategy's value when it is not random (a fixed number or a list of values).
    pub fn qualities(&self, drawn: &[(u32, f64)]) -> BTreeMap<u32, f64> {
        let mut q = self.fixed_qualities.clone();
        for (hotkey, x) in drawn {
            q.insert(*hotkey, *x);
        }
        q
    }
}

/// Hotkeys of the miners some cabal validator favours (its `members`), from the agents'
/// strategies and from `set_strategy` events.
fn cabal_miners(scenario: &Scenario) -> BTreeSet<u32> {
    let from_agents = scenario.agents.iter().map(|a| &a.strategy);
    let from_events = scenario.events.iter().filter_map(|e| match &e.action {
        EventAction::SetStrategy { strategy, .. } => Some(strategy),
        _ => None,
    });
    from_agents
        .chain(from_events)
        .flat_map(|s: &StrategySpec| s.cabal_members().iter().copied())
        .collect()
}

/// The `serve` qualities that are not random, by hotkey.
fn fixed_qualities(scenario: &Scenario) -> BTreeMap<u32, f64> {
    let mut q = BTreeMap::new();
    for a in scenario.agents.iter().filter(|a| a.role == Role::Miner) {
        let StrategySpec::Serve { quality, .. } = &a.strategy else {
            continue;
        };
        if let Some(x) = quality.known(a.index) {
            q.insert(a.hotkey, x.max(0.0));
        }
    }
    q
}

/// `<role>:<strategy>` of a row, `None` for hotkeys no agent owns.
pub fn group(row: &NeuronRow) -> Option<String> {
    group_key(row).map(group_name)
}

/// A row's group as (role, strategy), without building its name; `None` for hotkeys no agent
/// owns. Role and strategy names hold no `:`, so distinct keys have distinct names.
pub fn group_key(row: &NeuronRow) -> Option<GroupKey> {
    (!row.role.is_empty()).then_some((row.role, row.strategy))
}

/// A group as (role, strategy).
pub type GroupKey = (&'static str, &'static str);

/// The name `<role>:<strategy>` of a group.
pub fn group_name((role, strategy): GroupKey) -> String {
    format!("{role}:{strategy}")
}

/// Whether the row is a validator's.
pub fn is_validator(row: &NeuronRow) -> bool {
    row.role == Role::Validator.name()
}

/// Whether the row is a miner's.
pub fn is_miner(row: &NeuronRow) -> bool {
    row.role == Role::Miner.name()
}
