//! The fast epoch: the stages of [`super::epoch_traced`]'s pipeline on compressed sparse rows
//! ([`Csr`]) with fused passes, in an [`EpochWorkspace`] whose buffers are kept across the
//! epochs of a run. Bit-identical to the staged pipeline (`tests/properties.rs` holds them
//! equal on random subnets); stake, permits and the emission split are the staged functions
//! themselves.
//!
//! May depend on: `chain::fixed`, `chain::math`, `chain::types`, `chain::epoch`.

use super::bonds::{LiquidAlpha, ema_alpha, last_tempo, liquid_alpha_ema};
use super::csr::{self, ColumnScratch, Csr, DenseRows, WeightMasks};
use super::permits::{PermitStage, permits_stage};
use super::stake::stake_stage;
use super::{EpochOutput, EpochParams, MechanismSnapshot, SubnetSnapshot, dividends};
use crate::chain::fixed::{I32F32, ZERO, u16_proportion_to_fixed, u16_to_fixed};
use crate::chain::math::{
    MedianScratch, inplace_normalize, vec_fixed_proportions_to_u16, vec_mul,
    weighted_median_col_sparse_into,
};

/// Buffers of the fast epoch, reused from one epoch to the next (any sizes, any order: the
/// contents never carry over, only the capacity). `Default` is an empty workspace.
#[derive(Clone, Debug, Default)]
pub struct EpochWorkspace {
    /// Row-normalised weights W.
    weights: Csr,
    /// Clipped weights W̄.
    clipped: Csr,
    /// W^b when the bonds penalty is strictly between 0 and 1.
    interpolated: Csr,
    /// Bonds as loaded and masked.
    bonds: Csr,
    /// ΔB (original Yuma).
    delta: Csr,
    /// EMA bonds.
    ema: Csr,
    dense: DenseRows,
    columns: ColumnScratch,
    median: MedianScratch,
    consensus: Vec<I32F32>,
    validator_trust: Vec<I32F32>,
    /// Ranks, normalised in place into the incentive.
    incentive: Vec<I32F32>,
    dividends: Vec<I32F32>,
    scratch: Vec<I32F32>,
}

/// `epoch_mechanism` on the workspace's buffers.
pub fn run(
    ws: &mut EpochWorkspace,
    subnet: &SubnetSnapshot,
    mechanism: &MechanismSnapshot,
    emission: u64,
    params: &EpochParams,
) -> EpochOutput {
    let n = subnet.alpha_stake.len().min(usize::from(u16::MAX));
    let stake = stake_stage(subnet, mechanism, n, params, &mut None);
    let permits = permits_stage(subnet, &stake, params, &mut None);
    ws.weights_stage(subnet, mechanism, n, &permits, params);
    ws.consensus_stage(&permits.active_stake, n, params);
    ws.bonds_stage(subnet, mechanism, n, &permits.active_stake, params);
    let split = dividends::emission_stage(
        &ws.incentive,
        &ws.dividends,
        &permits.active_stake,
        &stake.stake,
        &mut None,
    );
    EpochOutput {
        active: stake.inactive.iter().map(|b| !b).collect(),
        bonds: csr::bonds_storage(&ws.ema, &permits.new_validator_permits, n),
        validator_permit: permits.new_validator_permits,
        stake_weight: vec_fixed_proportions_to_u16(&stake.stake),
        consensus: vec_fixed_proportions_to_u16(&ws.consensus),
        incentive: vec_fixed_proportions_to_u16(&ws.incentive),
        dividends: vec_fixed_proportions_to_u16(&ws.dividends),
        validator_trust: vec_fixed_proportions_to_u16(&ws.validator_trust),
        server_emission: dividends::rao_emission(&split.server, emission),
        validator_emission: dividends::rao_emission(&split.validator, emission),
        emission: dividends::rao_emission(&split.combined, emission),
    }
}

impl EpochWorkspace {
    /// `weights_stage`: load, mask and row-normalise W in one pass.
    fn weights_stage(
        &mut self,
        subnet: &SubnetSnapshot,
        mechanism: &MechanismSnapshot,
        n: usize,
        permits: &PermitStage,
        params: &EpochParams,
    ) {
        let masks = WeightMasks {
            validator_forbids: &permits.validator_forbids,
            owner_uid: subnet.owner_uid,
            last_update: &mechanism.last_update,
            registered_at: &subnet.registered_at,
            commit_block: params.commit_reveal.then_some(&mechanism.commit_block[..]),
        };
        csr::load_weights(&mut self.weights, &mechanism.weights, n, &masks);
    }

    /// `consensus_stage`: C, then W̄, validator trust and ranks in one pass, I = normalise(R).
    fn consensus_stage(&mut self, active_stake: &[I32F32], n: usize, params: &EpochParams) {
        let kappa = u16_proportion_to_fixed(params.kappa);
        let weights = &self.weights;
        weighted_median_col_sparse_into(
            active_stake,
            |i| weights.row(i),
            n,
            kappa,
            &mut self.median,
            &mut self.consensus,
        );
        csr::clip_trust_ranks(
            &self.weights,
            &self.consensus,
            active_stake,
            &mut self.clipped,
            &mut self.validator_trust,
            &mut self.incentive,
        );
        inplace_normalize(&mut self.incentive);
    }

    /// `bonds_stage` in either regime; leaves the stored-form bonds in `ema`.
    fn bonds_stage(
        &mut self,
        subnet: &SubnetSnapshot,
        mechanism: &MechanismSnapshot,
        n: usize,
        active_stake: &[I32F32],
        params: &EpochParams,
    ) {
        let last_tempo = last_tempo(subnet.block, subnet.tempo, subnet.last_step_block);
        let convert: fn(u16) -> I32F32 = if params.yuma3 {
            u16_proportion_to_fixed
        } else {
            u16_to_fixed
        };
        let (stored, registered_at) = (&mechanism.bonds, &subnet.registered_at[..]);
        csr::load_bonds(
            &mut self.bonds,
            stored,
            n,
            convert,
            last_tempo,
            registered_at,
        );
        if params.bonds_penalty != 0 && params.bonds_penalty != u16::MAX {
            let beta = u16_proportion_to_fixed(params.bonds_penalty);
            let (w, clipped) = (&self.weights, &self.clipped);
            csr::interpolate(w, clipped, n, beta, &mut self.dense, &mut self.interpolated);
        }
        if params.yuma3 {
            self.yuma3(n, active_stake, params);
        } else {
            self.original_yuma(n, active_stake, params);
        }
    }

    /// Yuma3: EMA (fixed or liquid α), D = normalise((B̂ I) ∘ A).
    fn yuma3(&mut self, n: usize, active_stake: &[I32F32], params: &EpochParams) {
        let wb = weights_for_bonds(&self.weights, &self.clipped, &self.interpolated, params);
        if params.liquid_alpha && self.consensus.iter().any(|c| *c != ZERO) {
            // Liquid alpha keeps the chain-layout path (its α needs upstream's row scan).
            let la = LiquidAlpha::new(params);
            let (w, b) = (wb.to_sparse(), self.bonds.to_sparse());
            self.ema
                .assign_sparse(&liquid_alpha_ema(&w, &b, &self.consensus, &la));
        } else {
            let alpha = ema_alpha(params.bonds_moving_average);
            csr::mat_ema(wb, &self.bonds, alpha, &mut self.dense, &mut self.ema);
        }
        let (ema, incentive) = (&self.ema, &self.incentive);
        let total = &mut self.scratch;
        csr::col_normalized_matmul_transpose(ema, n, incentive, &mut self.columns, total);
        self.dividends = vec_mul(&self.scratch, active_stake);
        inplace_normalize(&mut self.dividends);
    }

    /// Original Yuma: column-normalised bonds and ΔB, EMA, D = normalise(B'I), max-upscale.
    fn original_yuma(&mut self, n: usize, active_stake: &[I32F32], params: &EpochParams) {
        csr::col_normalize(&mut self.bonds, n, &mut self.columns);
        let wb = weights_for_bonds(&self.weights, &self.clipped, &self.interpolated, params);
        csr::row_hadamard(wb, active_stake, &mut self.delta);
        csr::col_normalize(&mut self.delta, n, &mut self.columns);
        let alpha = ema_alpha(params.bonds_moving_average);
        csr::mat_ema(
            &self.delta,
            &self.bonds,
            alpha,
            &mut self.dense,
            &mut self.ema,
        );
        csr::col_normalize(&mut self.ema, n, &mut self.columns);
        csr::matmul_transpose(&self.ema, &self.incentive, &mut self.dividends);
        inplace_normalize(&mut self.dividends);
        csr::col_max_upscale(&mut self.ema, n, &mut self.columns);
    }
}

/// W^b: W (β = 0), W̄ (β = 1) or their interpolation (`weights_for_bonds`).
fn weights_for_bonds<'a>(
    weights: &'a Csr,
    clipped: &'a Csr,
    interpolated: &'a Csr,
    params: &EpochParams,
) -> &'a Csr {
    match params.bonds_penalty {
        0 => weights,
        u16::MAX => clipped,
        _ => interpolated,
    }
}
