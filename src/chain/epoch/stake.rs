//! Epoch stage 1: activity and stake (spec §8.1–§8.2).
//!
//! Stake weight = inherited alpha + τ × inherited root stake (I64F64, τ = `TaoWeight / u64::MAX`
//! computed in U96F32), zeroed below `StakeThreshold` except for the owner's uid, normalised
//! in I64F64 and truncated to I32F32.
//!
//! May depend on: `chain::fixed`, `chain::math`.

use super::{EpochParams, EpochTrace, MechanismSnapshot, SubnetSnapshot, keep};
use crate::chain::fixed::{I32F32, I64F64, fixed64_to_u64, u64_proportion};
use crate::chain::math::{inplace_normalize_64, vec_fixed64_to_fixed32};

/// What the stake stage hands on.
pub struct StakeStage {
    /// "Inactive" per uid.
    pub inactive: Vec<bool>,
    /// Normalised stake S.
    pub stake: Vec<I32F32>,
}

/// Activity, stake weights, threshold filter and normalisation.
pub fn stake_stage(
    subnet: &SubnetSnapshot,
    mechanism: &MechanismSnapshot,
    n: usize,
    params: &EpochParams,
    trace: &mut Option<&mut EpochTrace>,
) -> StakeStage {
    let cutoff = activity_cutoff(params.activity_cutoff_factor_milli, subnet.tempo);
    let inactive = inactive(&mechanism.last_update, n, cutoff, subnet.block);
    let total = total_stake(
        &subnet.alpha_stake,
        &subnet.root_stake,
        n,
        params.tao_weight,
    );
    let mut filtered = filter_stake_threshold(&total, params.stake_threshold, subnet.owner_uid);
    keep!(trace, activity_cutoff, cutoff);
    keep!(trace, inactive, inactive);
    keep!(trace, total_stake, total);
    keep!(trace, filtered_stake, filtered);
    inplace_normalize_64(&mut filtered);
    let stake = vec_fixed64_to_fixed32(&filtered);
    keep!(trace, stake, stake);
    StakeStage { inactive, stake }
}

/// Activity cutoff in blocks: `max(1, ⌊factor_milli × tempo / 1000⌋)`.
pub fn activity_cutoff(factor_milli: u32, tempo: u16) -> u64 {
    (u64::from(factor_milli).saturating_mul(u64::from(tempo)) / 1000).max(1)
}

/// `inactive_i = last_update_i + cutoff < block` (missing `last_update` entries read as 0).
pub fn inactive(last_update: &[u64], n: usize, cutoff: u64, block: u64) -> Vec<bool> {
    (0..n)
        .map(|i| {
            last_update
                .get(i)
                .copied()
                .unwrap_or(0)
                .saturating_add(cutoff)
                < block
        })
        .collect()
}

/// `get_stake_weights_for_network`: `alpha_i + root_i × τ` in I64F64 (saturating).
pub fn total_stake(alpha: &[u64], root: &[u64], n: usize, tao_weight: u64) -> Vec<I64F64> {
    let tau = I64F64::saturating_from_num(u64_proportion(tao_weight));
    (0..n)
        .map(|i| {
            let alpha_i = I64F64::saturating_from_num(alpha.get(i).copied().unwrap_or(0));
            let root_i = I64F64::saturating_from_num(root.get(i).copied().unwrap_or(0));
            alpha_i.saturating_add(root_i.saturating_mul(tau))
        })
        .collect()
}

/// Zeroes stakes whose floor is below `threshold`, except the owner's uid.
pub fn filter_stake_threshold(
    total: &[I64F64],
    threshold: u64,
    owner_uid: Option<u16>,
) -> Vec<I64F64> {
    total
        .iter()
        .enumerate()
        .map(|(uid, s)| {
            let is_owner = owner_uid.is_some_and(|o| usize::from(o) == uid);
            if !is_owner && fixed64_to_u64(*s) < threshold {
                I64F64::from_bits(0)
            } else {
                *s
            }
        })
        .collect()
}
