//! Epoch stage 2: validator permits and active stake (spec §8.3).
//!
//! Old permits (from storage) decide who votes now; new permits (top-k by stake, zero stake
//! excluded, ties drop the lower uid, owner always) take effect next epoch. Active stake is S
//! with inactive and non-permitted uids zeroed, renormalised.
//!
//! May depend on: `chain::fixed`, `chain::math`.

use super::stake::StakeStage;
use super::{EpochParams, EpochTrace, SubnetSnapshot, keep};
use crate::chain::fixed::I32F32;
use crate::chain::math::{inplace_mask_vector, inplace_normalize, is_topk_nonzero};

/// What the permit stage hands on.
pub struct PermitStage {
    /// `!permit` for every stored permit (a shorter vector leaves the tail masked).
    pub validator_forbids: Vec<bool>,
    /// Permits for the next epoch.
    pub new_validator_permits: Vec<bool>,
    /// Active stake A.
    pub active_stake: Vec<I32F32>,
}

/// Old permits, new permits and active stake.
pub fn permits_stage(
    subnet: &SubnetSnapshot,
    stake: &StakeStage,
    params: &EpochParams,
    trace: &mut Option<&mut EpochTrace>,
) -> PermitStage {
    let validator_permits = stored_permits(&subnet.validator_permit, subnet.owner_uid);
    let validator_forbids: Vec<bool> = validator_permits.iter().map(|p| !p).collect();
    let new_validator_permits = new_validator_permits(
        &stake.stake,
        params.max_allowed_validators,
        subnet.owner_uid,
    );
    let active_stake = active_stake(&stake.stake, &stake.inactive, &validator_forbids);
    keep!(trace, validator_permits, validator_permits);
    keep!(trace, new_validator_permits, new_validator_permits);
    keep!(trace, active_stake, active_stake);
    PermitStage {
        validator_forbids,
        new_validator_permits,
        active_stake,
    }
}

/// The stored permits with the owner's uid forced true (when it lies inside the vector).
pub fn stored_permits(stored: &[bool], owner_uid: Option<u16>) -> Vec<bool> {
    let mut permits = stored.to_vec();
    force_owner(&mut permits, owner_uid);
    permits
}

/// `is_topk_nonzero(S, MaxAllowedValidators)` with the owner's uid forced true.
pub fn new_validator_permits(
    stake: &[I32F32],
    max_allowed_validators: u16,
    owner_uid: Option<u16>,
) -> Vec<bool> {
    let mut permits = is_topk_nonzero(stake, usize::from(max_allowed_validators));
    force_owner(&mut permits, owner_uid);
    permits
}

fn force_owner(permits: &mut [bool], owner_uid: Option<u16>) {
    if let Some(slot) = owner_uid.and_then(|o| permits.get_mut(usize::from(o))) {
        *slot = true;
    }
}

/// A = normalise(S masked by inactivity and by missing old permits).
pub fn active_stake(stake: &[I32F32], inactive: &[bool], forbids: &[bool]) -> Vec<I32F32> {
    let mut active = stake.to_vec();
    inplace_mask_vector(inactive, &mut active);
    inplace_mask_vector(forbids, &mut active);
    inplace_normalize(&mut active);
    active
}
