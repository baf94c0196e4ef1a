//! Epoch stage 4: consensus, clipping, validator trust and incentive (spec §8.5).
//!
//! C_j is the κ-weighted median of column j over validators with positive active stake;
//! weights above consensus are clipped to it; validator trust is a row sum of the clipped
//! weights; ranks R = W̄ᵀA and incentive I = normalise(R).
//!
//! May depend on: `chain::fixed`, `chain::math`, `chain::types`.

use super::{EpochParams, EpochTrace, keep};
use crate::chain::fixed::{I32F32, u16_proportion_to_fixed};
use crate::chain::math::{
    col_clip_sparse, inplace_normalize, matmul_sparse, row_sum_sparse, weighted_median_col_sparse,
};
use crate::chain::types::SparseMatrix;

/// What the consensus stage hands on.
pub struct ConsensusStage {
    /// Row-normalised weights W.
    pub weights: SparseMatrix,
    /// Consensus C.
    pub consensus: Vec<I32F32>,
    /// Clipped weights W̄.
    pub clipped_weights: SparseMatrix,
    /// Validator trust (row sums of W̄).
    pub validator_trust: Vec<I32F32>,
    /// Incentive I.
    pub incentive: Vec<I32F32>,
}

/// Consensus, clip, trust, ranks and incentive.
pub fn consensus_stage(
    active_stake: &[I32F32],
    weights: SparseMatrix,
    n: usize,
    params: &EpochParams,
    trace: &mut Option<&mut EpochTrace>,
) -> ConsensusStage {
    let columns = n as u16;
    let kappa = u16_proportion_to_fixed(params.kappa);
    let consensus = weighted_median_col_sparse(active_stake, &weights, columns, kappa);
    let clipped_weights = col_clip_sparse(&weights, &consensus);
    let validator_trust = row_sum_sparse(&clipped_weights);
    let ranks = matmul_sparse(&clipped_weights, active_stake, columns);
    keep!(trace, consensus, consensus);
    keep!(trace, clipped_weights, clipped_weights);
    keep!(trace, validator_trust, validator_trust);
    keep!(trace, ranks, ranks);
    let mut incentive = ranks;
    inplace_normalize(&mut incentive);
    keep!(trace, incentive, incentive);
    ConsensusStage {
        weights,
        consensus,
        clipped_weights,
        validator_trust,
        incentive,
    }
}
