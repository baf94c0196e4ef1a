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

/// `⌊I96F32(share) × I96F32(emission)⌋` per uid (saturating). Both widen exactly, the
/// product's raw bits are `share_bits × emission` (|·| < 2¹²⁷, so no saturation in I96F32), and
/// the conversion floors and clamps to u64: computed so in i128, without the crate's wide
/// multiplication.
pub fn rao_emission(shares: &[I32F32], emission: u64) -> Vec<u64> {
    let emission = i128::from(emission);
    shares
        .iter()
        .map(|s| ((i128::from(s.to_bits()) * emission) >> 32).clamp(0, i128::from(u64::MAX)) as u64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::fixed::I96F32;
    use proptest::prelude::*;

    /// `rao_emission` as the chain writes it (the reference of the fast one above).
    fn rao_emission_i96(shares: &[I32F32], emission: u64) -> Vec<u64> {
        let emission = I96F32::saturating_from_num(emission);
        shares
            .iter()
            .map(|s| {
                I96F32::saturating_from_num(*s)
                    .saturating_mul(emission)
                    .saturating_to_num::<u64>()
            })
            .collect()
    }

    proptest! {
        /// The i128 product equals the chain's I96F32 arithmetic, at the extremes too.
        #[test]
        fn rao_emission_equals_i96_arithmetic(
            bits in prop::collection::vec(prop_oneof![0i64..=1i64 << 32, any::<i64>()], 0..16),
            emission in prop_oneof![any::<u64>(), Just(u64::MAX), 0..1_000_000_000_000u64],
        ) {
            let shares: Vec<I32F32> = bits.into_iter().map(I32F32::from_bits).collect();
            prop_assert_eq!(rao_emission(&shares, emission), rao_emission_i96(&shares, emission));
        }
    }
}
