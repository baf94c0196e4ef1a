//! The scenario file as written: serde structs mirroring the YAML, with defaults filled in and
//! unknown keys rejected. [`super::validate`] turns this into a [`super::Scenario`]; the manifest
//! of a run serialises it back (the resolved scenario, defaults included).
//!
//! Amounts are decimal TAO (or alpha) and converted to rao (×10⁹, rounded); fractions are
//! plain numbers in [0, 1] and converted to the chain's u16 / u64 proportions.
//!
//! May depend on: `raw_sweep` (the `sweep` section), serde, serde-saphyr.

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

/// The whole file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Scenario name (directory name of its runs).
    pub name: String,
    /// What it shows, for the reader.
    #[serde(default)]
    pub description: String,
    /// Master seed (overridable with `--seed`).
    #[serde(default)]
    pub seed: u64,
    /// How long to run (required with `subnets`).
    #[serde(default)]
    pub duration: Duration,
    /// Chain-wide parameters.
    #[serde(default)]
    pub chain: RawChain,
    /// The subnets (netuid 1, 2, … in this order).
    #[serde(default)]
    pub subnets: Vec<Spanned<RawSubnet>>,
    /// A one-epoch consensus experiment instead of subnets (catalogue §2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consensus: Option<RawConsensus>,
    /// Timed events.
    #[serde(default)]
    pub events: Vec<Spanned<RawEvent>>,
    /// What to record.
    #[serde(default)]
    pub record: RawRecord,
    /// The runs to make of this scenario with `taosim sweep`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<super::raw_sweep::RawSweep>,
}

/// Exactly one of the three.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Duration {
    /// Blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocks: Option<u64>,
    /// Epochs of the first subnet (× its tempo, in blocks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epochs: Option<u64>,
    /// Days of 7 200 blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<f64>,
}

/// Chain-wide parameters; every field defaults to subtensor HEAD's runtime value.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawChain {
    /// `TaoWeight` as a fraction (HEAD runtime ≈ 0.0527; mainnet 0.18).
    pub tao_weight: f64,
    /// `SubnetOwnerCut` as a fraction (≈ 0.18).
    pub subnet_owner_cut: f64,
    /// `price_ema` (HEAD), `tao_flow`, or `moving_price_raw`.
    pub emission_rule: String,
    /// `dynamic` (HEAD) or `legacy` (tempo + 1).
    pub scheduler: String,
    /// `MaxEpochsPerBlock`.
    pub max_epochs_per_block: u32,
    /// TAO issued before the run and held outside it (sets the halving stage), TAO.
    pub issued_tao: f64,
    /// `DefaultMinStake`, TAO.
    pub default_min_stake: f64,
    /// `MinDelegateTake` as a fraction.
    pub min_take: f64,
    /// `MaxDelegateTake` as a fraction.
    pub max_take: f64,
}

impl Default for RawChain {
    fn default() -> Self {
        let d = crate::chain::state::ChainParams::default();
        RawChain {
            tao_weight: d.tao_weight as f64 / u64::MAX as f64,
            subnet_owner_cut: f64::from(d.subnet_owner_cut) / 65_535.0,
            emission_rule: "price_ema".into(),
            scheduler: "dynamic".into(),
            max_epochs_per_block: d.max_epochs_per_block,
            issued_tao: 0.0,
            default_min_stake: d.default_min_stake as f64 / 1e9,
            min_take: f64::from(d.take_bounds.min) / 65_535.0,
            max_take: f64::from(d.take_bounds.max) / 65_535.0,
        }
    }
}

/// One subnet.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubnet {
    /// Name (agents refer to subnets by name). In a template, the stem of the copies' names.
    pub name: String,
    /// Makes the entry a template of this many subnets (see [`super::template`]): copies
    /// named `<name><k>` (k = 1…count, zero-padded), each with its own draws of the pool and of
    /// population sizes. Absent in a resolved scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// `Tempo`, blocks.
    #[serde(default = "default_tempo")]
    pub tempo: u16,
    /// Initial pool reserves.
    pub pool: RawPool,
    /// Initial `SubnetMovingPrice` (default: the pool's spot price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moving_price: Option<f64>,
    /// `MaxAllowedUids`.
    #[serde(default = "default_max_uids")]
    pub max_allowed_uids: u16,
    /// `ImmunityPeriod`, blocks.
    #[serde(default = "default_immunity")]
    pub immunity_period: u16,
    /// `MinNonImmuneUids`: a full subnet prunes a non-immune neuron only while more than this
    /// many are non-immune (otherwise the weakest immune one).
    #[serde(default = "default_min_non_immune")]
    pub min_non_immune_uids: u16,
    /// The epoch's hyperparameters.
    #[serde(default)]
    pub hyperparameters: RawHyper,
    /// Weight commits are revealed this many epochs after they are made (0 = weights are set
    /// directly). Models commit-reveal's delay: copiers see only revealed weights.
    #[serde(default)]
    pub commit_reveal_epochs: u32,
    /// Starts the subnet from a metagraph snapshot instead of an empty metagraph (see
    /// [`RawGenesis`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genesis: Option<RawGenesis>,
    /// The participants.
    #[serde(default)]
    pub agents: Vec<Spanned<RawAgent>>,
}

/// A subnet's genesis from a metagraph snapshot (`schemas/snapshot.schema.json`, the format of
/// `taosim replay`): its neurons become the subnet's uids 0..n at block 0, with their stakes
/// (as alpha stake on their own hotkeys), stored weights, bonds and validator permits.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawGenesis {
    /// The snapshot file (one snapshot), relative to the scenario file's directory (to the
    /// current directory for scenario text without a file).
    pub snapshot: String,
    /// The FNV-1a hash of the file's bytes (`fnv1a64:…`). Filled in by validation (so the
    /// resolved scenario, its hash and the run's manifest pin the snapshot's content); when
    /// written, the file must match it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_hash: Option<String>,
}

fn default_tempo() -> u16 {
    360
}

fn default_max_uids() -> u16 {
    256
}

fn default_min_non_immune() -> u16 {
    10
}

fn default_immunity() -> u16 {
    5000
}

/// Pool reserves in TAO and alpha: numbers, or (in a subnet template) distributions drawn once
/// per copy.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPool {
    /// `SubnetTAO`, TAO.
    pub tao: Amount,
    /// `SubnetAlphaIn`, alpha.
    pub alpha: Amount,
}

/// Epoch hyperparameters (chain names, fractions as numbers). Missing fields keep HEAD's
/// defaults for a new subnet.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RawHyper {
    /// `Kappa` as a fraction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kappa: Option<f64>,
    /// `BondsPenalty` β as a fraction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bonds_penalty: Option<f64>,
    /// `BondsMovingAverage` as a fraction (0.9 = 900 000 ppm).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bonds_moving_average: Option<f64>,
    /// `Yuma3On`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yuma3: Option<bool>,
    /// `LiquidAlphaOn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liquid_alpha: Option<bool>,
    /// `AlphaValues.0` as a fraction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpha_low: Option<f64>,
    /// `AlphaValues.1` as a fraction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpha_high: Option<f64>,
    /// `AlphaSigmoidSteepness`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpha_sigmoid_steepness: Option<i16>,
    /// `MaxAllowedValidators`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_allowed_validators: Option<u16>,
    /// `ActivityCutoffFactorMilli`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_cutoff_factor_milli: Option<u32>,
    /// `StakeThreshold`, alpha.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stake_threshold: Option<f64>,
}

/// A population of agents of one role.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgent {
    /// Population name; agents are `<name>` if `count` is 1, else `<name>-<i>`.
    pub name: String,
    /// `validator`, `miner`, `nominator` or `trader`.
    pub role: String,
    /// How many: a number, or (in a subnet template) a distribution drawn once per copy and
    /// rounded to the nearest integer.
    #[serde(default)]
    pub count: Count,
    /// Free TAO each starts with.
    #[serde(default)]
    pub balance: f64,
    /// Alpha each stakes on its own hotkey at genesis (validators, miners), or delegates
    /// (nominators, see `delegate_to`).
    #[serde(default)]
    pub stake: Amount,
    /// Root TAO each stakes on its own hotkey at genesis.
    #[serde(default)]
    pub root_stake: f64,
    /// Delegate take (validators), fraction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub take: Option<f64>,
    /// Nominators: the validator population they delegate `stake` to (round robin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate_to: Option<String>,
    /// All agents of the population share one coldkey (a sybil).
    #[serde(default)]
    pub shared_coldkey: bool,
    /// Registered from the start (validators, miners). Default true, unless `join` is given.
    #[serde(default = "yes")]
    pub registered: bool,
    /// Miners and validators that register later by burning (`burned_register`), pruning the
    /// lowest-emission non-immune uid once the subnet is full: agent i joins at block
    /// `block + i × every_blocks`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<RawJoin>,
    /// Takes over this uid of the subnet's genesis snapshot (a population of one miner or
    /// validator on a subnet with `genesis`): its keys replace the snapshot neuron's, the
    /// snapshot's stake stays (owned by its coldkey) and `stake` is added to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u16>,
    /// The behaviour.
    pub strategy: RawStrategy,
}

/// When a population registers.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawJoin {
    /// The first agent's registration block (≥ 1).
    pub block: u64,
    /// Blocks between two agents' registrations.
    #[serde(default)]
    pub every_blocks: u64,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// A population size: a number, or a distribution (subnet templates only).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Count {
    /// This many.
    Fixed(u32),
    /// Drawn per copy of a subnet template.
    Dist(RawDist),
}

impl Count {
    /// The size of a resolved population (a distribution, which validation refuses outside a
    /// template, counts as 0).
    pub fn fixed(&self) -> u32 {
        match self {
            Count::Fixed(n) => *n,
            Count::Dist(_) => 0,
        }
    }
}

impl Default for Count {
    fn default() -> Self {
        Count::Fixed(1)
    }
}

/// An amount: a number, or a distribution drawn per agent from the run's seed.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Amount {
    /// The same for every agent.
    Fixed(f64),
    /// A distribution.
    Dist(RawDist),
}

impl Default for Amount {
    fn default() -> Self {
        Amount::Fixed(0.0)
    }
}

/// A distribution of a per-agent value.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum RawDist {
    /// Uniform on [low, high].
    Uniform { low: f64, high: f64 },
    /// Log-normal with this median and σ of the log.
    LogNormal { median: f64, sigma: f64 },
    /// One value per agent, in order (length = count).
    Values(Vec<f64>),
}

/// Strategies, one map key naming the kind.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum RawStrategy {
    /// Miner: serves a quality with noise and drift.
    Serve {
        quality: Amount,
        #[serde(default)]
        noise: f64,
        #[serde(default)]
        drift: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        idle_from_epoch: Option<u64>,
    },
    /// Miner: serves nothing.
    Idle,
    /// Validator: noisy measurement of miners.
    Honest {
        #[serde(default)]
        noise: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        top_k: Option<usize>,
    },
    /// Validator: copies the consensus `lag_epochs` back.
    Copier {
        #[serde(default = "one")]
        lag_epochs: u32,
    },
    /// Validator: gives `share` of its weight to the `members` miner population(s).
    Cabal {
        members: Vec<String>,
        share: f64,
        #[serde(default)]
        noise: f64,
    },
    /// Validator: refreshes rarely, maybe stops.
    Lazy {
        #[serde(default)]
        noise: f64,
        #[serde(default = "one")]
        refresh_epochs: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stop_after_epoch: Option<u64>,
    },
    /// Validator: weights per epoch, by target agent name.
    Scripted { schedule: Vec<RawScriptStep> },
    /// Nominator: never moves.
    Loyal,
    /// Nominator: chases the best validator yield.
    ApyChasing {
        #[serde(default)]
        threshold: f64,
        #[serde(default = "one")]
        every_epochs: u32,
    },
    /// Nominator: moves at random.
    RandomNominator { every_epochs: u32, probability: f64 },
    /// Nominator (whale): timed moves.
    Scheduled { moves: Vec<RawMove> },
    /// Trader: buys on a schedule, sells at the stop.
    Dca {
        every_blocks: u64,
        buy: f64,
        #[serde(default)]
        start_block: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stop_block: Option<u64>,
    },
    /// Trader: random buys and sells.
    RandomTrader { every_blocks: u64, max_tao: f64 },
}

/// A scripted step.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawScriptStep {
    /// From this subnet epoch on.
    pub from_epoch: u64,
    /// Target agent name → relative weight.
    pub weights: std::collections::BTreeMap<String, f64>,
}

/// A timed stake move of a whale.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMove {
    /// The block.
    pub block: u64,
    /// Destination validator agent.
    pub to: String,
    /// Share of each position moved.
    pub fraction: f64,
}

/// A timed event: `at` and exactly one action.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    /// When.
    pub at: RawWhen,
    /// Change a subnet's hyperparameters (a governance proposal passing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_hyperparameters: Option<RawSetHyper>,
    /// Change chain-wide parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_chain: Option<RawSetChain>,
    /// Switch a population (or one agent) to another strategy (an attack starting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_strategy: Option<RawSetStrategy>,
    /// Move a share of an agent's own stake to another validator on the same subnet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub move_stake: Option<RawMoveStake>,
    /// Reset the bonds to an agent's uid (the chain's bonds reset on a commitment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_bonds: Option<RawResetBonds>,
}

/// When an event fires (exactly one field).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawWhen {
    /// At this block (before agents act).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<u64>,
    /// When the first subnet has run this many epochs (so it applies from that epoch on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u64>,
    /// At the first block of this day (day 0 = block 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<f64>,
}

/// `set_hyperparameters`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSetHyper {
    /// The subnet's name.
    pub subnet: String,
    /// The new values (others unchanged).
    pub values: RawHyper,
}

/// `set_chain`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSetChain {
    /// New `TaoWeight`, fraction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tao_weight: Option<f64>,
    /// New `SubnetOwnerCut`, fraction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_owner_cut: Option<f64>,
    /// New emission rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emission_rule: Option<String>,
}

/// `set_strategy`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSetStrategy {
    /// A population name (all its agents) or one agent's name.
    pub agents: String,
    /// The new strategy.
    pub strategy: RawStrategy,
}

/// `move_stake`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMoveStake {
    /// The agent whose own stake moves (its coldkey acts).
    pub from: String,
    /// The validator agent receiving it.
    pub to: String,
    /// Share of the stake moved, (0, 1].
    pub fraction: f64,
}

/// `reset_bonds`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawResetBonds {
    /// The agent whose column of bonds is reset.
    pub agent: String,
}

/// What to record.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawRecord {
    /// Account sampling period, blocks.
    pub every_blocks: u64,
    /// Write `neurons.parquet`.
    pub neurons: bool,
    /// Write the neuron rows of every k-th epoch of each subnet (epoch counter a multiple of
    /// k; the metrics still read every epoch). Left out of the resolved scenario at its
    /// default, 1, so files written before it existed keep their hash.
    #[serde(skip_serializing_if = "is_one")]
    pub neurons_every_epochs: u64,
    /// Write `accounts.parquet`.
    pub accounts: bool,
}

fn is_one(x: &u64) -> bool {
    *x == 1
}

impl Default for RawRecord {
    fn default() -> Self {
        RawRecord {
            every_blocks: 360,
            neurons: true,
            neurons_every_epochs: 1,
            accounts: true,
        }
    }
}

/// The `consensus` section as written.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawConsensus {
    /// Number of uids.
    #[serde(default = "default_neurons")]
    pub neurons: u16,
    /// Number of validators (the first uids); the rest are servers.
    #[serde(default = "default_validators")]
    pub validators: u16,
    /// S_H.
    pub honest_stake: f64,
    /// W_H.
    pub honest_weight: f64,
    /// W_C.
    pub cabal_weight: f64,
    /// Relative standard deviation of validator stakes.
    #[serde(default = "default_stake_sd")]
    pub stake_sd: f64,
    /// Relative standard deviation of weights.
    #[serde(default)]
    pub weight_sd: f64,
    /// The epoch's hyperparameters (chain defaults otherwise).
    #[serde(default)]
    pub hyperparameters: RawHyper,
    /// Also run the epoch with the cabal playing honestly (weight `1 − W_H` on its own
    /// servers, the honest row mirrored) on the same draws, and report the cabal's gain.
    #[serde(default)]
    pub baseline: bool,
}

fn default_neurons() -> u16 {
    512
}

fn default_validators() -> u16 {
    64
}

fn default_stake_sd() -> f64 {
    0.3
}
