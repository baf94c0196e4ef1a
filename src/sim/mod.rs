//! One run: a bevy_ecs [`World`] holding the [`Chain`] as a resource and one entity per agent,
//! and a single-threaded [`Schedule`] that plays one block per pass:
//!
//! 1. [`SimSystems::Events`] — scenario events due at this block fire (parameter changes, an
//!    attack starting, a whale's move, a bonds reset);
//! 2. [`SimSystems::Agents`] — miners serve, validators set (or commit) weights right after each
//!    epoch of their subnet, revealed commits reach the chain, nominators and traders act;
//! 3. [`SimSystems::Chain`] — `Chain::step_block`;
//! 4. [`SimSystems::Observe`] — the public metagraph (consensus history, yields) is updated;
//! 5. [`SimSystems::Record`] — rows for every epoch that ran, and account and ledger rows at
//!    every sample block.
//!
//! The chain is the only source of truth for balances, stakes, weights and bonds; agents read
//! the public view and act only through chain operations (a rejected operation is counted,
//! not fatal — the chain would refuse it too). Every agent draws from its own ChaCha8 stream
//! seeded from the run seed and its index, and every system visits agents in index order, so
//! a run is a pure function of (scenario, seed).
//!
//! May depend on: `chain`, `strategy`, `scenario`, `record`, bevy_ecs, rand, rayon (parallel
//! iterators on the caller's pool, never a pool of its own). Never touches files.
//! Its components are in `components.rs`, the resources only the builder and the systems share
//! in `resources.rs` (both leaves).

mod build;
mod components;
pub mod consensus;
mod observe;
mod resources;
mod systems;

pub use components::{Agent, AgentRng, Miner, Nominator, Owner, Trader, Validator};

use crate::chain::state::{AccountId, Chain};
use crate::record::{AccountRow, LedgerRow, NeuronRow, RowSink, RunId, RunRecord, SubnetRow};
use crate::scenario::{EventSpec, Role, Scenario};
use bevy_ecs::prelude::*;
use bevy_ecs::schedule::SingleThreadedExecutor;
use std::collections::{BTreeMap, VecDeque};

/// The chain, as a resource.
#[derive(Resource)]
pub struct ChainState(pub Chain);

/// Where the run is.
#[derive(Resource)]
pub struct Clock {
    /// The last block to simulate.
    pub end_block: u64,
    /// Subnets whose epoch ran in the latest step (all subnets before the first step): the
    /// observers read it right after the step, and their agents act on it in the next block.
    pub epoch_ran: Vec<u16>,
}

/// The public metagraph history of one subnet, as participants and explorers see it.
#[derive(Clone, Debug, Default)]
pub struct SubnetPublic {
    /// Epochs run in this simulation.
    pub epochs: u64,
    /// Consensus after each of the last `history_limit` epochs, oldest first.
    pub consensus_history: Vec<Vec<u16>>,
    /// Epochs of consensus kept (the longest copier lag), so the history does not grow with
    /// the run.
    pub history_limit: usize,
    /// What querying each uid returns now (set by miners each epoch).
    pub performance: Vec<f64>,
    /// Per validator hotkey: its per-epoch yields, newest last (at most [`YIELD_WINDOW`]).
    pub yields: BTreeMap<AccountId, VecDeque<f64>>,
    /// The coinbase totals at the previous epoch (for per-epoch injections).
    pub previous_totals: crate::chain::state::EmissionTotals,
    /// Epochs per year at the subnet's tempo (365 × 7 200 / tempo), to annualise yields.
    pub epochs_per_year: f64,
}

/// Epochs averaged in a published yield.
pub const YIELD_WINDOW: usize = 5;

/// Public data of every subnet (index = netuid; 0 unused).
#[derive(Resource, Default)]
pub struct Public(pub Vec<SubnetPublic>);

/// A weight commit: revealed once the subnet has run `reveal_at` epochs.
#[derive(Clone, Debug)]
pub struct Commit {
    /// The subnet epoch count at which it is revealed.
    pub reveal_at: u64,
    /// The committing hotkey.
    pub hotkey: AccountId,
    /// Target uids.
    pub uids: Vec<u16>,
    /// Weights.
    pub values: Vec<u16>,
}

/// Weight commits waiting to be revealed, per subnet (index = netuid), in commit order.
#[derive(Resource, Default)]
pub struct Reveals(pub Vec<VecDeque<Commit>>);

/// Scenario events not yet fired.
#[derive(Resource, Default)]
pub struct PendingEvents(pub Vec<EventSpec>);

/// The rows of the current block, handed to the run's sink after the block and cleared (the
/// buffers are reused, so they hold at most one block's rows).
#[derive(Default)]
pub struct BlockRows {
    /// Per subnet epoch: its subnet row and the range of its rows in `neurons`.
    epochs: Vec<(Option<SubnetRow>, std::ops::Range<usize>)>,
    neurons: Vec<NeuronRow>,
    accounts: Vec<AccountRow>,
    ledger: Vec<LedgerRow>,
}

impl BlockRows {
    /// One subnet epoch's rows.
    pub fn epoch(
        &mut self,
        subnet: Option<SubnetRow>,
        neurons: impl IntoIterator<Item = NeuronRow>,
    ) {
        let start = self.neurons.len();
        self.neurons.extend(neurons);
        self.epochs.push((subnet, start..self.neurons.len()));
    }

    /// One account sample.
    pub fn accounts(&mut self, rows: impl IntoIterator<Item = AccountRow>) {
        self.accounts.extend(rows);
    }

    /// One ledger sample.
    pub fn ledger(&mut self, rows: impl IntoIterator<Item = LedgerRow>) {
        self.ledger.extend(rows);
    }

    /// Hands the rows to `sink` (epochs, then accounts, then the ledger, as recorded) and
    /// clears the buffers.
    pub fn drain_into(&mut self, sink: &mut dyn RowSink) {
        for (subnet, range) in &self.epochs {
            sink.epoch(subnet.as_ref(), &self.neurons[range.clone()]);
        }
        if !self.accounts.is_empty() {
            sink.accounts(&self.accounts);
        }
        if !self.ledger.is_empty() {
            sink.ledger(&self.ledger);
        }
        self.epochs.clear();
        self.neurons.clear();
        self.accounts.clear();
        self.ledger.clear();
    }
}

/// What the run writes, and who is who.
#[derive(Resource, Default)]
pub struct Recorder {
    /// The run's totals and genesis facts (its row vectors stay empty: rows go to the sink).
    pub record: RunRecord,
    /// This block's rows.
    pub rows: BlockRows,
    /// Agent index of each hotkey.
    pub agent_of_hotkey: BTreeMap<AccountId, usize>,
    /// Per agent: name, role, current strategy kind, coldkey.
    pub agents: Vec<AgentMeta>,
    /// Account sampling period.
    pub every: u64,
    /// Samples taken.
    pub samples: u64,
    /// Whether to record account rows.
    pub accounts: bool,
    /// Operations the chain rejected, by kind.
    pub rejected: BTreeMap<&'static str, u64>,
}

impl Recorder {
    /// Counts `result` under `kind` if the chain rejected it.
    pub fn tally<T, E>(&mut self, kind: &'static str, result: &Result<T, E>) {
        if result.is_err() {
            *self.rejected.entry(kind).or_insert(0) += 1;
        }
    }
}

/// Who an agent is, for the rows.
#[derive(Clone, Debug)]
pub struct AgentMeta {
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Its current strategy's kind.
    pub strategy: &'static str,
    /// Its coldkey.
    pub coldkey: AccountId,
}

/// The phases of one block.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimSystems {
    /// Scenario events.
    Events,
    /// Agents act.
    Agents,
    /// The chain steps.
    Chain,
    /// The public view updates.
    Observe,
    /// Rows are recorded.
    Record,
}

/// Why a run could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Genesis failed (a scenario that validation let through but the chain refused).
    #[error("genesis: {0}")]
    Genesis(String),
}

/// Plays `scenario` with master seed `seed`, calling `progress(block)` every 1 000 blocks, and
/// keeps every row in memory (tests and small runs; see [`run_into`] for long runs).
pub fn run(
    scenario: &Scenario,
    seed: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<RunRecord, SimError> {
    let mut rows = RunRecord::default();
    let mut record = run_into(scenario, seed, progress, &mut rows)?;
    record.neurons = rows.neurons;
    record.subnets = rows.subnets;
    record.accounts = rows.accounts;
    record.ledger = rows.ledger;
    Ok(record)
}

/// Plays `scenario` with master seed `seed`, handing every block's rows to `sink` as the run
/// goes (so memory does not grow with the duration) and calling `progress(block)` every
/// 1 000 blocks. Returns the run's totals, with empty row vectors. Stops early if the sink
/// fails ([`RowSink::stopped`]); the caller reports the sink's error.
pub fn run_into(
    scenario: &Scenario,
    seed: u64,
    progress: &mut dyn FnMut(u64),
    sink: &mut dyn RowSink,
) -> Result<RunRecord, SimError> {
    if let Some(spec) = &scenario.consensus {
        return Ok(consensus::run(scenario, spec, seed, sink));
    }
    let mut world = build::world(scenario, seed)?;
    let names: Vec<String> = (world.resource::<Recorder>().agents.iter())
        .map(|m| m.name.clone())
        .collect();
    sink.begin(&names);
    observe::record_genesis(&mut world);
    world.resource_mut::<Recorder>().rows.drain_into(sink);
    let mut schedule = schedule();
    let end = scenario.blocks;
    for _ in 0..end {
        schedule.run(&mut world);
        world.resource_mut::<Recorder>().rows.drain_into(sink);
        let block = world.resource::<ChainState>().0.block;
        if block % 1_000 == 0 {
            progress(block);
        }
        if sink.stopped() {
            break;
        }
    }
    progress(end);
    Ok(finish(world, scenario, seed))
}

/// The per-block schedule.
pub fn schedule() -> Schedule {
    let mut schedule = Schedule::default();
    schedule.set_executor(SingleThreadedExecutor::new());
    schedule.configure_sets(
        (
            SimSystems::Events,
            SimSystems::Agents,
            SimSystems::Chain,
            SimSystems::Observe,
            SimSystems::Record,
        )
            .chain(),
    );
    schedule.add_systems(systems::fire_events.in_set(SimSystems::Events));
    schedule.add_systems(
        (
            systems::register_joiners,
            systems::miners_serve,
            systems::validators_act,
            systems::reveal_commits,
            systems::nominators_act,
            systems::traders_act,
        )
            .chain()
            .in_set(SimSystems::Agents),
    );
    schedule.add_systems(systems::step_chain.in_set(SimSystems::Chain));
    schedule.add_systems(observe::observe.in_set(SimSystems::Observe));
    schedule.add_systems(
        (
            observe::record_epochs,
            observe::record_accounts,
            observe::record_ledger,
        )
            .chain()
            .in_set(SimSystems::Record),
    );
    schedule
}

/// Closes the record.
fn finish(mut world: World, scenario: &Scenario, seed: u64) -> RunRecord {
    let chain = &world.resource::<ChainState>().0;
    let (blocks, issuance) = (chain.block, chain.total_issuance);
    let epochs = world.resource::<Public>().0.iter().map(|p| p.epochs).sum();
    let mut recorder = world.remove_resource::<Recorder>().unwrap_or_default();
    let mut record = std::mem::take(&mut recorder.record);
    record.run = RunId {
        scenario: scenario.name.clone(),
        subset: 0,
        replicate: 0,
        seed,
    };
    record.blocks = blocks;
    record.epochs = epochs;
    record.final_issuance = issuance;
    record.agents = recorder.agents.iter().map(|m| m.name.clone()).collect();
    record.rejected_ops = recorder
        .rejected
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    record
}
