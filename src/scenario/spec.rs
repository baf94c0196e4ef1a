//! The validated scenario ([`Scenario`]) and its pieces: subnets (with their genesis
//! metagraph), agents, their roles and strategies, scheduled events. Plain data; `validate` and
//! `genesis` fill them in.
//!
//! May depend on: `raw` (amounts as written, and the resolved file kept for the manifest),
//! `consensus` (the experiment's spec), `strategy` (the behaviours a strategy resolves to),
//! `chain` types, rand.

use super::raw::{Amount, RawDist, RawScenario};
use crate::chain::coinbase::flow::EmissionRule;
use crate::chain::epoch::EpochParams;
use crate::chain::state::{AccountId, ChainParams};
use crate::strategy::{
    MinerStrategy, NominatorStrategy, TraderStrategy, ValidatorStrategy, normal,
};
use rand::{Rng, RngExt};
use std::path::PathBuf;

/// One subnet.
#[derive(Clone, Debug)]
pub struct SubnetSpec {
    /// Its name.
    pub name: String,
    /// Its netuid.
    pub netuid: u16,
    /// `Tempo`.
    pub tempo: u16,
    /// `SubnetTAO`, rao.
    pub pool_tao: u64,
    /// `SubnetAlphaIn`, rao.
    pub pool_alpha: u64,
    /// Initial moving price (None: the spot price).
    pub moving_price: Option<f64>,
    /// `MaxAllowedUids`.
    pub max_allowed_uids: u16,
    /// `ImmunityPeriod`.
    pub immunity_period: u16,
    /// `MinNonImmuneUids`.
    pub min_non_immune_uids: u16,
    /// Epoch hyperparameters.
    pub epoch: EpochParams,
    /// Commit-reveal delay in epochs (0: weights set directly).
    pub commit_reveal_epochs: u32,
    /// The owner's coldkey.
    pub owner_coldkey: AccountId,
    /// The owner's hotkey (receives the owner cut; holds no uid).
    pub owner_hotkey: AccountId,
    /// The metagraph at block 0, when the subnet starts from a snapshot.
    pub genesis: Option<Genesis>,
}

/// An agent's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Serves; weighted by validators.
    Miner,
    /// Sets weights.
    Validator,
    /// Delegates stake.
    Nominator,
    /// Trades the pool.
    Trader,
    /// Owns a subnet.
    Owner,
}

impl Role {
    /// The role's name in scenarios and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Role::Miner => "miner",
            Role::Validator => "validator",
            Role::Nominator => "nominator",
            Role::Trader => "trader",
            Role::Owner => "owner",
        }
    }
}

/// A per-agent number in its own units (TAO, alpha, a quality): the same for every agent, or
/// drawn for each agent when the run is built.
#[derive(Clone, Debug, PartialEq)]
pub enum Quantity {
    /// The same for every agent.
    Fixed(f64),
    /// Uniform on [low, high].
    Uniform { low: f64, high: f64 },
    /// Log-normal with this median and σ of the log.
    LogNormal { median: f64, sigma: f64 },
    /// One value per agent, by index (0 past the end).
    Values(Vec<f64>),
}

impl Quantity {
    /// Agent `index`'s value: one draw from `rng` for `uniform` and `log_normal`, none else.
    pub fn draw(&self, index: u32, rng: &mut impl Rng) -> f64 {
        match self {
            Quantity::Uniform { low, high } => {
                let u: f64 = rng.random();
                low + u * (high - low)
            }
            Quantity::LogNormal { median, sigma } => median * normal(rng, *sigma).exp(),
            _ => self.known(index).unwrap_or(0.0),
        }
    }

    /// Agent `index`'s value when it is not random (`fixed`, or `values`).
    pub fn known(&self, index: u32) -> Option<f64> {
        match self {
            Quantity::Fixed(x) => Some(*x),
            Quantity::Values(v) => Some(v.get(index as usize).copied().unwrap_or(0.0)),
            Quantity::Uniform { .. } | Quantity::LogNormal { .. } => None,
        }
    }
}

impl From<&Amount> for Quantity {
    fn from(amount: &Amount) -> Self {
        match amount {
            Amount::Fixed(x) => Quantity::Fixed(*x),
            Amount::Dist(d) => Quantity::from(d),
        }
    }
}

impl From<&RawDist> for Quantity {
    fn from(dist: &RawDist) -> Self {
        match dist {
            RawDist::Uniform { low, high } => Quantity::Uniform {
                low: *low,
                high: *high,
            },
            RawDist::LogNormal { median, sigma } => Quantity::LogNormal {
                median: *median,
                sigma: *sigma,
            },
            RawDist::Values(v) => Quantity::Values(v.clone()),
        }
    }
}

/// A validated strategy: names resolved to hotkeys, amounts in rao; only a serving miner's
/// quality is still to be drawn per agent when the run is built.
#[derive(Clone, Debug, PartialEq)]
pub enum StrategySpec {
    /// A serving miner; `quality` is drawn per agent (then clamped at 0).
    Serve {
        quality: Quantity,
        noise: f64,
        drift: f64,
        idle_from_epoch: Option<u64>,
    },
    /// Any other miner strategy.
    Miner(MinerStrategy),
    /// A validator strategy.
    Validator(ValidatorStrategy),
    /// A nominator strategy.
    Nominator(NominatorStrategy),
    /// A trader strategy.
    Trader(TraderStrategy),
}

impl StrategySpec {
    /// The hotkeys a cabal validator favours (empty for any other strategy).
    pub fn cabal_members(&self) -> &[AccountId] {
        match self {
            StrategySpec::Validator(ValidatorStrategy::Cabal { members, .. }) => members,
            _ => &[],
        }
    }

    /// A copier's lag in epochs.
    pub fn copier_lag(&self) -> Option<u32> {
        match self {
            StrategySpec::Validator(ValidatorStrategy::Copier { lag_epochs }) => Some(*lag_epochs),
            _ => None,
        }
    }
}

/// One agent.
#[derive(Clone, Debug)]
pub struct AgentSpec {
    /// `<population>` or `<population>-<i>`.
    pub name: String,
    /// The population's name.
    pub population: String,
    /// Index within the population.
    pub index: u32,
    /// Its subnet.
    pub netuid: u16,
    /// Its role.
    pub role: Role,
    /// Its coldkey.
    pub coldkey: AccountId,
    /// Its hotkey.
    pub hotkey: AccountId,
    /// Free TAO at genesis, rao.
    pub balance: u64,
    /// Stake at genesis, alpha (or TAO on root), drawn per agent.
    pub stake: Quantity,
    /// Root stake at genesis, rao.
    pub root_stake: u64,
    /// Delegate take, u16 proportion (None: the chain's default).
    pub take: Option<u16>,
    /// Nominators: the validator hotkey they delegate to.
    pub delegate_to: Option<AccountId>,
    /// Registered at genesis.
    pub registered: bool,
    /// Registers by burning at this block (instead of at genesis).
    pub join_block: Option<u64>,
    /// The genesis snapshot uid it holds from block 0 (placed with the snapshot, not
    /// registered by the agent).
    pub uid: Option<u16>,
    /// Behaviour.
    pub strategy: StrategySpec,
}

/// A subnet's genesis metagraph, uid by uid.
#[derive(Clone, Debug, PartialEq)]
pub struct Genesis {
    /// The snapshot file, as resolved.
    pub file: String,
    /// FNV-1a of the file's bytes (`fnv1a64:…`).
    pub snapshot_hash: String,
    /// The neurons by uid.
    pub neurons: Vec<GenesisNeuron>,
}

/// One uid at block 0.
#[derive(Clone, Debug, PartialEq)]
pub struct GenesisNeuron {
    /// Its hotkey: the attached agent's, else the snapshot agent's.
    pub hotkey: AccountId,
    /// Its coldkey (owns the hotkey and the stake).
    pub coldkey: AccountId,
    /// Alpha stake on its hotkey, rao.
    pub stake_rao: u64,
    /// The stored weight row (u16, max-upscaled, as the chain stores it).
    pub weights: Vec<(u16, u16)>,
    /// The stored bond row (empty when the snapshot records none).
    pub bonds: Vec<(u16, u16)>,
    /// The validator permit, when the snapshot records it.
    pub validator_permit: Option<bool>,
    /// The snapshot's hotkey string, when it records one (the simulation's accounts are
    /// numbers; a run's manifest maps uids to these).
    pub snapshot_hotkey: Option<String>,
}

impl GenesisNeuron {
    /// A validator: a recorded permit or a weight row.
    pub(super) fn is_validator(&self) -> bool {
        self.validator_permit == Some(true) || !self.weights.is_empty()
    }
}

/// Blocks per day.
pub const BLOCKS_PER_DAY: u64 = 7_200;

/// A validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The file as resolved (defaults filled), for the run's manifest ([`Scenario::resolved`]).
    pub(super) raw: RawScenario,
    /// Its name.
    pub name: String,
    /// The master seed.
    pub seed: u64,
    /// A one-epoch consensus experiment instead of subnets (then `blocks` is 0).
    pub consensus: Option<super::consensus::ConsensusSpec>,
    /// Blocks to simulate.
    pub blocks: u64,
    /// Chain parameters.
    pub chain: ChainParams,
    /// TAO issued before the run, held by an outside account, rao.
    pub issued_tao: u64,
    /// Subnets, netuid = index + 1.
    pub subnets: Vec<SubnetSpec>,
    /// Every agent, in file order (subnet by subnet, population by population).
    pub agents: Vec<AgentSpec>,
    /// Events in file order.
    pub events: Vec<EventSpec>,
    /// Account sampling period, blocks.
    pub record_every: u64,
    /// Write `neurons.parquet`.
    pub record_neurons: bool,
    /// Write the neuron rows of every k-th epoch of each subnet.
    pub record_neurons_every: u64,
    /// Write `accounts.parquet`.
    pub record_accounts: bool,
    /// The directory relative paths in the scenario (a genesis snapshot) resolve against: the
    /// scenario file's, or the current directory for text without a file.
    pub base_dir: PathBuf,
}

impl Scenario {
    /// Replaces the master seed, in the resolved file too.
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
        self.raw.seed = seed;
    }

    /// The scenario as resolved (defaults filled in, templates expanded), as the manifest's
    /// `resolved_scenario`.
    pub fn resolved(&self) -> serde_json::Value {
        serde_json::to_value(&self.raw).unwrap_or(serde_json::Value::Null)
    }

    /// [`Scenario::resolved`] without `description` and `sweep` (which do not change a run), as
    /// compact JSON text: what `taosim check` hashes.
    pub fn meaning(&self) -> String {
        let mut raw = self.raw.clone();
        raw.description.clear();
        raw.sweep = None;
        serde_json::to_string(&raw).unwrap_or_default()
    }
}

/// When an event fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// At this block, before agents act.
    Block(u64),
    /// When the first subnet has run this many epochs.
    Epoch(u64),
}

/// An event's effect.
#[derive(Clone, Debug)]
pub enum EventAction {
    /// New hyperparameters for a subnet (fields not given keep their value).
    SetHyperparameters { netuid: u16, values: HyperPatch },
    /// New chain parameters.
    SetChain {
        tao_weight: Option<u64>,
        subnet_owner_cut: Option<u16>,
        emission_rule: Option<EmissionRule>,
    },
    /// New strategy for these agents (indices into [`Scenario::agents`]).
    SetStrategy {
        agents: Vec<usize>,
        strategy: StrategySpec,
    },
    /// `from_coldkey` moves `fraction` of its stake on `from_hotkey` to `to_hotkey`.
    MoveStake {
        netuid: u16,
        coldkey: AccountId,
        from_hotkey: AccountId,
        to_hotkey: AccountId,
        fraction: f64,
    },
    /// Reset the bonds column of this hotkey's uid.
    ResetBonds { netuid: u16, hotkey: AccountId },
}

/// A validated event.
#[derive(Clone, Debug)]
pub struct EventSpec {
    /// When.
    pub when: When,
    /// What.
    pub action: EventAction,
}

/// A validated hyperparameter patch (a subnet's or the consensus experiment's
/// `hyperparameters`, a `set_hyperparameters` event): every value given, already in the
/// chain's units (u16 and 10⁶ proportions, rao).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HyperPatch {
    /// Kappa (u16 proportion).
    pub kappa: Option<u16>,
    /// Bonds penalty (u16 proportion).
    pub bonds_penalty: Option<u16>,
    /// Bonds moving average (parts per million).
    pub bonds_moving_average: Option<u64>,
    /// Yuma3 on or off.
    pub yuma3: Option<bool>,
    /// Liquid alpha on or off.
    pub liquid_alpha: Option<bool>,
    /// Liquid alpha's low (u16 proportion).
    pub alpha_low: Option<u16>,
    /// Liquid alpha's high (u16 proportion).
    pub alpha_high: Option<u16>,
    /// Liquid alpha's sigmoid steepness.
    pub alpha_sigmoid_steepness: Option<i16>,
    /// Validator permits.
    pub max_allowed_validators: Option<u16>,
    /// Activity cutoff, in thousandths of a tempo.
    pub activity_cutoff_factor_milli: Option<u32>,
    /// Stake threshold for a validator permit (rao).
    pub stake_threshold: Option<u64>,
}

/// Why a patch was refused: the chain refuses alpha values whose low exceeds their high.
pub const ALPHA_ORDER: &str = "alpha_low must not exceed alpha_high";

impl HyperPatch {
    /// Applies the patch to `p`, whole or not at all: refused ([`ALPHA_ORDER`], `p` unchanged)
    /// if alpha_low would exceed alpha_high, as the chain refuses such alpha values.
    pub fn apply(&self, p: &mut EpochParams) -> Result<(), &'static str> {
        let mut next = p.clone();
        set(&mut next.kappa, self.kappa);
        set(&mut next.bonds_penalty, self.bonds_penalty);
        set(&mut next.bonds_moving_average, self.bonds_moving_average);
        set(&mut next.yuma3, self.yuma3);
        set(&mut next.liquid_alpha, self.liquid_alpha);
        set(&mut next.alpha_low, self.alpha_low);
        set(&mut next.alpha_high, self.alpha_high);
        set(
            &mut next.alpha_sigmoid_steepness,
            self.alpha_sigmoid_steepness,
        );
        set(
            &mut next.max_allowed_validators,
            self.max_allowed_validators,
        );
        set(
            &mut next.activity_cutoff_factor_milli,
            self.activity_cutoff_factor_milli,
        );
        set(&mut next.stake_threshold, self.stake_threshold);
        if next.alpha_low > next.alpha_high {
            return Err(ALPHA_ORDER);
        }
        *p = next;
        Ok(())
    }
}

/// `slot` takes `value` when one is given.
fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}
