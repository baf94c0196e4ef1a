//! The Yuma epoch of one subnet, exactly as subtensor's on-chain (sparse) `epoch_mechanism`
//! computes it (spec §8), as a pipeline of short named stages:
//! [`stake`] → [`permits`] → [`weights`] → [`consensus`] → [`bonds`] → [`dividends`].
//! [`epoch`] returns the stored outputs; [`epoch_traced`] also returns every intermediate
//! vector and matrix ([`EpochTrace`]); [`mechanism`] splits one subnet's emission over several
//! mechanisms (spec §8.11).
//!
//! Inputs mirror chain storage: vectors indexed by uid may be shorter than `n` and are read
//! with the chain's padding rules (see the field docs); weight and bond rows keep the order in
//! which they were written. `n` is the length of [`SubnetSnapshot::alpha_stake`].
//!
//! May depend on: `chain::fixed`, `chain::math`, `chain::types`.

pub mod bonds;
pub mod consensus;
#[doc(hidden)]
pub mod dense;
pub mod dividends;
pub mod mechanism;
pub mod permits;
pub mod stake;
pub mod weights;

use super::fixed::{I32F32, I64F64};
use super::math::vec_fixed_proportions_to_u16;
use super::types::{SparseMatrix, SparseU16Matrix};

/// Most uids a subnet may have for the simulator: inputs beyond it are refused before anything
/// is allocated (`taosim epoch`, scenario `max_allowed_uids`, consensus `neurons`).
///
/// `MaxAllowedUids` is a u16 in storage; mainnet subnets are created with 256 (spec §13) and
/// upstream's own epoch tests go up to this size. It bounds the memory of one epoch: the
/// column-major score buffer of the consensus median holds (uids with positive active stake)
/// × n ≤ 4096² I32F32 values = 128 MiB, and each sparse weight or bond matrix at most n
/// entries per row (the chain refuses longer weight rows) = 4096² × 16 bytes = 256 MiB; an
/// epoch keeps a handful of them alive (a traced epoch, one per intermediate).
///
/// Source: subtensor pallets/subtensor/src/tests/epoch.rs::test_4096_graph
pub const MAX_UIDS_PER_SUBNET: u16 = 4096;

/// Subnet hyperparameters the epoch reads. `Default` is what a subnet created at subtensor HEAD
/// has after `init_new_network` (spec §13).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochParams {
    /// `Kappa`: consensus majority, u16 proportion. Default 32_767 (≈ 0.5).
    pub kappa: u16,
    /// `BondsPenalty` β: how much out-of-consensus weight still buys bonds, u16 proportion.
    /// Default 65_535 (β = 1: bonds follow clipped weights).
    pub bonds_penalty: u16,
    /// `BondsMovingAverage`, parts per million; the EMA rate is `1 − x/10⁶`. Default 900_000.
    pub bonds_moving_average: u64,
    /// `Yuma3On`: Yuma3 bonds (absolute proportions) instead of original Yuma. Default true.
    pub yuma3: bool,
    /// `LiquidAlphaOn`: per-entry sigmoid EMA rate (Yuma3 only). Default false.
    pub liquid_alpha: bool,
    /// `AlphaValues.0`: lowest liquid-alpha rate, u16 proportion. Default 45_875 (≈ 0.7).
    pub alpha_low: u16,
    /// `AlphaValues.1`: highest liquid-alpha rate, u16 proportion. Default 58_982 (≈ 0.9).
    pub alpha_high: u16,
    /// `AlphaSigmoidSteepness`; divided by −100 inside the sigmoid. Default 1_000.
    pub alpha_sigmoid_steepness: i16,
    /// `MaxAllowedValidators`: size of the top-k permit set. Default 64.
    pub max_allowed_validators: u16,
    /// `ActivityCutoffFactorMilli`: activity cutoff = `max(1, ⌊factor × tempo / 1000⌋)` blocks.
    /// Default 13_889 (5 000 blocks at tempo 360).
    pub activity_cutoff_factor_milli: u32,
    /// `StakeThreshold`, rao: stake below it counts as zero (except the owner's). Default 0.
    pub stake_threshold: u64,
    /// `TaoWeight`: weight of root stake, as a fraction of `u64::MAX`. Default: the runtime's
    /// initial value 971_718_665_099_567_868 (≈ 0.0527; mainnet uses ≈ 0.18).
    pub tao_weight: u64,
    /// `CommitRevealWeightsEnabled`: mask weights committed before a miner registered.
    /// Default true.
    pub commit_reveal: bool,
}

impl Default for EpochParams {
    fn default() -> Self {
        EpochParams {
            kappa: 32_767,
            bonds_penalty: 65_535,
            bonds_moving_average: 900_000,
            yuma3: true,
            liquid_alpha: false,
            alpha_low: 45_875,
            alpha_high: 58_982,
            alpha_sigmoid_steepness: 1_000,
            max_allowed_validators: 64,
            activity_cutoff_factor_milli: 13_889,
            stake_threshold: 0,
            tao_weight: 971_718_665_099_567_868,
            commit_reveal: true,
        }
    }
}

/// Subnet-level storage the epoch reads, shared by all mechanisms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubnetSnapshot {
    /// Current block number.
    pub block: u64,
    /// `Tempo`, blocks.
    pub tempo: u16,
    /// `LastMechansimStepBlock` (sic): block of the previous epoch; 0 = never recorded, in which
    /// case the bond mask uses `block − tempo`.
    pub last_step_block: u64,
    /// uid of `SubnetOwnerHotkey`, if it is registered: exempt from the stake threshold, always
    /// permitted, and its self-weight is kept.
    pub owner_uid: Option<u16>,
    /// Inherited alpha stake per uid (own stake ± child/parent delegation), rao. Its length is `n`.
    pub alpha_stake: Vec<u64>,
    /// Inherited root (TAO) stake per uid, rao; missing entries read as 0.
    pub root_stake: Vec<u64>,
    /// `BlockAtRegistration` per uid; missing entries read as 0.
    pub registered_at: Vec<u64>,
    /// `ValidatorPermit` from the previous epoch. Entries beyond a non-empty vector count as
    /// not permitted.
    pub validator_permit: Vec<bool>,
}

/// Storage of one mechanism (its own weights, bonds and `LastUpdate`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MechanismSnapshot {
    /// `LastUpdate` per uid (block of the last weight submission); missing entries read as 0.
    pub last_update: Vec<u64>,
    /// Stored weight rows `(uid, u16)` in submission order; rows and entries ≥ n are ignored.
    pub weights: SparseU16Matrix,
    /// Stored bond rows `(uid, u16)`; rows and entries ≥ n are ignored.
    pub bonds: SparseU16Matrix,
    /// Block of each validator's earliest non-expired weight commit (`u64::MAX` = none); read
    /// only with commit-reveal on. Missing entries read as `u64::MAX`.
    pub commit_block: Vec<u64>,
}

/// One epoch of a single-mechanism subnet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EpochInput {
    /// Subnet-level storage.
    pub subnet: SubnetSnapshot,
    /// The mechanism's storage.
    pub mechanism: MechanismSnapshot,
    /// Alpha to distribute this epoch (`rao_emission`), rao.
    pub emission: u64,
}

/// What the epoch writes back, per uid (length n).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EpochOutput {
    /// `Active`: weights set within the activity cutoff.
    pub active: Vec<bool>,
    /// `ValidatorPermit` for the next epoch (top-k by stake, owner always).
    pub validator_permit: Vec<bool>,
    /// `StakeWeight` = ⌊S × 65535⌋.
    pub stake_weight: Vec<u16>,
    /// `Consensus` = ⌊C × 65535⌋.
    pub consensus: Vec<u16>,
    /// `Incentive` = ⌊I × 65535⌋.
    pub incentive: Vec<u16>,
    /// `Dividends` = ⌊D × 65535⌋.
    pub dividends: Vec<u16>,
    /// `ValidatorTrust` = ⌊VT × 65535⌋.
    pub validator_trust: Vec<u16>,
    /// Miner share of the emission, rao.
    pub server_emission: Vec<u64>,
    /// Validator share of the emission, rao.
    pub validator_emission: Vec<u64>,
    /// `Emission`: the combined (normalised incentive + dividends) share, rao.
    pub emission: Vec<u64>,
    /// Stored bond rows after the epoch (empty for uids without a new permit).
    pub bonds: SparseU16Matrix,
}

/// Every intermediate of one epoch, named as in upstream's trace logs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EpochTrace {
    /// Number of uids.
    pub n: u16,
    /// Activity cutoff in blocks.
    pub activity_cutoff: u64,
    /// "Inactive": `last_update + cutoff < block`.
    pub inactive: Vec<bool>,
    /// Inherited alpha + τ·root stake (I64F64), before the threshold.
    pub total_stake: Vec<I64F64>,
    /// "Filtered stake": after the stake threshold.
    pub filtered_stake: Vec<I64F64>,
    /// "Normalised Stake" S (I32F32).
    pub stake: Vec<I32F32>,
    /// Permits read from storage (previous epoch), with the owner forced.
    pub validator_permits: Vec<bool>,
    /// "new_validator_permits".
    pub new_validator_permits: Vec<bool>,
    /// "Active Stake" A.
    pub active_stake: Vec<I32F32>,
    /// Weights as loaded (raw u16 values as I32F32).
    pub weights_loaded: SparseMatrix,
    /// After dropping rows of validators without a permit.
    pub weights_permit_masked: SparseMatrix,
    /// After removing self-weights (owner's kept).
    pub weights_diag_masked: SparseMatrix,
    /// After the outdated mask (`last_update ≤ registered_at`).
    pub weights_outdated_masked: SparseMatrix,
    /// After the commit-reveal mask (same as outdated when commit-reveal is off).
    pub weights_commit_masked: SparseMatrix,
    /// "Weights (mask+norm)": row-normalised W.
    pub weights: SparseMatrix,
    /// "Consensus" C.
    pub consensus: Vec<I32F32>,
    /// "Clipped Weights" W̄.
    pub clipped_weights: SparseMatrix,
    /// "Validator Trust".
    pub validator_trust: Vec<I32F32>,
    /// "Ranks" R = W̄ᵀA.
    pub ranks: Vec<I32F32>,
    /// "Incentive" I = normalise(R).
    pub incentive: Vec<I32F32>,
    /// Bonds penalty interpolation W^b.
    pub weights_for_bonds: SparseMatrix,
    /// Block used by the recent-registration bond mask.
    pub last_tempo: u64,
    /// Bonds as loaded (original Yuma: raw u16 values; Yuma3: proportions).
    pub bonds_loaded: SparseMatrix,
    /// Bonds after the recent-registration mask (original Yuma: column-normalised).
    pub bonds: SparseMatrix,
    /// "ΔB (norm)": column-normalised W^b ∘ A (original Yuma only).
    pub bonds_delta: SparseMatrix,
    /// EMA bonds B' (before normalisation / upscaling).
    pub ema_bonds: SparseMatrix,
    /// Column-normalised EMA bonds (the matrix dividends are computed from).
    pub ema_bonds_normalized: SparseMatrix,
    /// "Dividends" D (normalised).
    pub dividends: Vec<I32F32>,
    /// I + D.
    pub combined_emission: Vec<I32F32>,
    /// "Normalized Server Emission" I/ΣE.
    pub normalized_server_emission: Vec<I32F32>,
    /// "Normalized Validator Emission" D/ΣE (or the stake fallback).
    pub normalized_validator_emission: Vec<I32F32>,
    /// "Normalized Combined Emission".
    pub normalized_combined_emission: Vec<I32F32>,
}

/// Runs one epoch of a single-mechanism subnet.
pub fn epoch(input: &EpochInput, params: &EpochParams) -> EpochOutput {
    epoch_mechanism(&input.subnet, &input.mechanism, input.emission, params)
}

/// Runs one epoch and returns every intermediate vector with the output.
pub fn epoch_traced(input: &EpochInput, params: &EpochParams) -> (EpochOutput, EpochTrace) {
    let mut trace = EpochTrace::default();
    let output = run(
        &input.subnet,
        &input.mechanism,
        input.emission,
        params,
        Some(&mut trace),
    );
    (output, trace)
}

/// `epoch_mechanism`: one mechanism's epoch, distributing `emission` rao.
pub fn epoch_mechanism(
    subnet: &SubnetSnapshot,
    mechanism: &MechanismSnapshot,
    emission: u64,
    params: &EpochParams,
) -> EpochOutput {
    run(subnet, mechanism, emission, params, None)
}

/// Stores `value` into the trace field when tracing (the clone is paid only then).
macro_rules! keep {
    ($trace:expr, $field:ident, $value:expr) => {
        if let Some(t) = $trace.as_deref_mut() {
            t.$field = $value.clone();
        }
    };
}
pub(crate) use keep;

/// The pipeline; `trace` receives the intermediates when present.
fn run(
    subnet: &SubnetSnapshot,
    mechanism: &MechanismSnapshot,
    emission: u64,
    params: &EpochParams,
    mut trace: Option<&mut EpochTrace>,
) -> EpochOutput {
    let n = subnet.alpha_stake.len().min(usize::from(u16::MAX));
    keep!(trace, n, (n as u16));
    let stake = stake::stake_stage(subnet, mechanism, n, params, &mut trace);
    let permits = permits::permits_stage(subnet, &stake, params, &mut trace);
    let weights = weights::weights_stage(subnet, mechanism, n, &permits, params, &mut trace);
    let consensus =
        consensus::consensus_stage(&permits.active_stake, weights, n, params, &mut trace);
    let bonds = bonds::bonds_stage(
        subnet, mechanism, n, &permits, &consensus, params, &mut trace,
    );
    let split = dividends::emission_stage(
        &consensus.incentive,
        &bonds.dividends,
        &permits.active_stake,
        &stake.stake,
        &mut trace,
    );
    let store = bonds::bonds_storage(&bonds.ema_bonds, &permits.new_validator_permits, n);
    EpochOutput {
        active: stake.inactive.iter().map(|b| !b).collect(),
        validator_permit: permits.new_validator_permits,
        stake_weight: vec_fixed_proportions_to_u16(&stake.stake),
        consensus: vec_fixed_proportions_to_u16(&consensus.consensus),
        incentive: vec_fixed_proportions_to_u16(&consensus.incentive),
        dividends: vec_fixed_proportions_to_u16(&bonds.dividends),
        validator_trust: vec_fixed_proportions_to_u16(&consensus.validator_trust),
        server_emission: dividends::rao_emission(&split.server, emission),
        validator_emission: dividends::rao_emission(&split.validator, emission),
        emission: dividends::rao_emission(&split.combined, emission),
        bonds: store,
    }
}
