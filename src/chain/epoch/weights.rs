//! Epoch stage 3: weights — load, mask, normalise (spec §8.4).
//!
//! Rows of validators without an (old) permit are dropped, then self-weights (the owner's
//! own is kept), then weights set at or before the target's registration block (outdated), then
//! — with commit-reveal — weights whose earliest live commit predates the target's
//! registration. Remaining rows are normalised to sum 1.
//!
//! May depend on: `chain::fixed`, `chain::math`, `chain::types`.

use super::permits::PermitStage;
use super::{EpochParams, EpochTrace, MechanismSnapshot, SubnetSnapshot, keep};
use crate::chain::fixed::{I32F32, u16_to_fixed};
use crate::chain::math::{
    inplace_mask_diag_sparse, inplace_mask_rows_sparse, inplace_row_normalize_sparse,
    inplace_vec_mask_sparse_matrix,
};
use crate::chain::types::{SparseMatrix, SparseU16Matrix};

/// Loads, masks and row-normalises the weights; returns W.
pub fn weights_stage(
    subnet: &SubnetSnapshot,
    mechanism: &MechanismSnapshot,
    n: usize,
    permits: &PermitStage,
    params: &EpochParams,
    trace: &mut Option<&mut EpochTrace>,
) -> SparseMatrix {
    let mut weights = load_sparse(&mechanism.weights, n, u16_to_fixed);
    keep!(trace, weights_loaded, weights);
    inplace_mask_rows_sparse(&permits.validator_forbids, &mut weights);
    keep!(trace, weights_permit_masked, weights);
    inplace_mask_diag_sparse(&mut weights, subnet.owner_uid);
    keep!(trace, weights_diag_masked, weights);
    mask_outdated(&mut weights, &mechanism.last_update, &subnet.registered_at);
    keep!(trace, weights_outdated_masked, weights);
    if params.commit_reveal {
        mask_commit_reveal(&mut weights, &mechanism.commit_block, &subnet.registered_at);
    }
    keep!(trace, weights_commit_masked, weights);
    inplace_row_normalize_sparse(&mut weights);
    keep!(trace, weights, weights);
    weights
}

/// `get_weights_sparse` / `get_bonds_sparse`: the first `n` stored rows, entries with column
/// `< n`, converted with `convert`.
pub fn load_sparse(
    stored: &SparseU16Matrix,
    n: usize,
    convert: impl Fn(u16) -> I32F32,
) -> SparseMatrix {
    let mut matrix: SparseMatrix = vec![Vec::new(); n];
    for (row, stored_row) in matrix.iter_mut().zip(stored) {
        row.reserve_exact(stored_row.len());
        row.extend(
            stored_row
                .iter()
                .filter(|(j, _)| usize::from(*j) < n)
                .map(|(j, v)| (*j, convert(*v))),
        );
    }
    matrix
}

/// Drops (i, j) when `last_update_i ≤ registered_at_j`: the weight was set for the previous
/// occupant of uid j.
pub fn mask_outdated(weights: &mut SparseMatrix, last_update: &[u64], registered_at: &[u64]) {
    inplace_vec_mask_sparse_matrix(
        weights,
        last_update,
        registered_at,
        |updated, registered| updated <= registered,
    );
}

/// Drops (i, j) when validator i's earliest live commit is older than uid j's registration
/// (a missing commit block reads as `u64::MAX`: no live commit).
pub fn mask_commit_reveal(weights: &mut SparseMatrix, commit_block: &[u64], registered_at: &[u64]) {
    for (i, row) in weights.iter_mut().enumerate() {
        let commit = commit_block.get(i).copied().unwrap_or(u64::MAX);
        row.retain(|(j, _)| commit >= registered_at.get(usize::from(*j)).copied().unwrap_or(0));
    }
}
