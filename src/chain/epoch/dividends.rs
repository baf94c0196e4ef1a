//! Epoch stage 6: the emission split (spec §8.10).
//!
//! Server share I/ΣE, validator share D/ΣE (ΣE = Σ(I + D), about 2 when both are non-zero, so
//! miners get everything when no dividends exist), combined share normalise(I + D); when ΣE is
//! zero (no valid weights anywhere) validators get the active stake — or the stake if no one is
//! active — as the emergency fallback. Shares become rao as ⌊I96F32(share) × emission⌋.
//!
//! May depend on: `chain::fixed`, `chain::math`.

use super::{EpochTrace, keep};
use crate::chain::fixed::{I32F32, ZERO};
use crate::chain::math::{inplace_normalize, inplace_normalize_using_sum, is_zero, sum};

/// Normalised emission shares per uid.
pub struct EmissionSplit {
    /// Server (miner) share.
    pub server: Vec<I32F32>,
    /// Validator share.
    pub validator: Vec<I32F32>,
    /// Combined share.
    pub combined: Vec<I32F32>,
}

/// Splits the epoch's emission between incentive and dividends.
pub fn emission_stage(
    incentive: &[I32F32],
    dividends: &[I32F32],
    active_stake: &[I32F32],
    stake: &[I32F32],
    trace: &mut Option<&mut EpochTrace>,
) -> EmissionSplit {
    let combined_emission: Vec<I32F32> = incentive
        .iter()
        .zip(dividends)
        .map(|(i, d)| i.saturating_add(*d))
        .collect();
    let emission_sum = sum(&combined_emission);
    let mut server = incentive.to_vec();
    let mut validator = dividends.to_vec();
    let mut combined = combined_emission.clone();
    inplace_normalize_using_sum(&mut server, emission_sum);
    inplace_normalize_using_sum(&mut validator, emission_sum);
    inplace_normalize(&mut combined);
    if emission_sum == ZERO {
        let fallback = if is_zero(active_stake) {
            stake
        } else {
            active_stake
        };
        validator = fallback.to_vec();
        combined = fallback.to_vec();
    }
    keep!(trace, combined_emission, combined_emission);
    keep!(trace, normalized_server_emission, server);
    keep!(trace, normalized_validator_emission, validator);
    keep!(trace, normalized_combined_emission, combined);
    EmissionSplit {
        server,
        validator,
        combined,
    }
}

/// `⌊I96F32(share) × I96F32(emission)⌋` per uid (saturating).
pub fn rao_emission(shares: &[I32F32], emission: u64) -> Vec<u64> {
    shares
        .iter()
        .map(|s| share_of_emission(*s, emission))
        .collect()
}

/// One share of [`rao_emission`] without the 128-bit fixed-point multiply: both operands have 32
/// fractional bits in I96F32, so the floored product's bits are `share_bits × emission`,
/// which always fits an i128 (|share_bits| ≤ 2⁶³, emission < 2⁶⁴); its floor as u64 is that
/// shifted right by 32 and clamped to the u64 range, as `saturating_to_num` does.
fn share_of_emission(share: I32F32, emission: u64) -> u64 {
    let product = i128::from(share.to_bits()) * i128::from(emission);
    (product >> 32).clamp(0, i128::from(u64::MAX)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::fixed::I96F32;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn share_of_emission_equals_the_fixed_point_product(bits in any::<i64>(), emission in any::<u64>()) {
            let share = I32F32::from_bits(bits);
            let crate_value = I96F32::saturating_from_num(share)
                .saturating_mul(I96F32::saturating_from_num(emission))
                .saturating_to_num::<u64>();
            prop_assert_eq!(share_of_emission(share, emission), crate_value);
        }
    }
}
