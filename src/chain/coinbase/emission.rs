//! Block emission and halving: how many rao the chain mints per block for a given issuance
//! (spec §3, subtensor `coinbase/block_emission.rs` and `coinbase/tao.rs`).
//!
//! May depend on: `chain::fixed`, `substrate-fixed` (its `transcendental::log2`).
//!
//! The schedule: 1 TAO (10⁹ rao) per block while fewer than 10.5 M TAO are issued, 0.5 TAO until
//! 15.75 M, 0.25 until 18.375 M, 0.125 until 19.6875 M, … — the emission halves each time half
//! of the remaining supply of 21 M TAO has been issued, and is 0 once 21 M are reached. In
//! general the emission is `⌊10⁹ / 2ᵏ⌋` rao with `k = ⌊log2(1 / (1 − I / 21e15))⌋`. The same
//! function of a subnet's alpha issuance gives that subnet's alpha emission per block.
//!
//! Everything is computed in I96F32 as the chain does. Its truncations only lower the ratio
//! `I / 21e15`, and `1 − 2⁻ᵏ` and `2ᵏ` are exact in 32 fractional bits, so the fixed-point
//! schedule switches exactly at `I ≥ 21e15·(1 − 2⁻ᵏ)` (spec §3). An f64 model, which first
//! rounds `I` to a double, switches early: at `I = 10.5e15 − 1` it already says 0.5 TAO where
//! the chain still emits 1 TAO.

use substrate_fixed::transcendental::log2;

use crate::chain::fixed::{I96F32, SafeDiv};

/// `TotalSupply`: the most TAO (rao) that will ever be issued, 21 M TAO. The same cap applies
/// to each subnet's alpha issuance.
pub const TOTAL_SUPPLY: u64 = 21_000_000_000_000_000;

/// `DefaultBlockEmission`: the emission per block before the first halving, in rao (1 TAO).
pub const DEFAULT_BLOCK_EMISSION: u64 = 1_000_000_000;

/// 1.0 in I96F32.
const FIXED_ONE: I96F32 = I96F32::from_bits(1 << 32);
/// 2.0 in I96F32.
const FIXED_TWO: I96F32 = I96F32::from_bits(2 << 32);
/// `2.0 × 10_500_000_000_000_000.0` = 21e15 in I96F32, built from integers (exact either way).
const RATIO_DIVISOR: I96F32 = I96F32::from_bits((2 * 10_500_000_000_000_000_i128) << 32);

/// Why the emission for an issuance could not be computed. Subtensor reports both cases as
/// `"Logarithm calculation failed"`; neither is reachable for an issuance below the supply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmissionError {
    /// The checked division `issuance / 21e15` failed.
    RatioDivision,
    /// `log2(1 / (1 − ratio))` failed (non-positive or overflowing operand).
    Logarithm,
}

impl core::fmt::Display for EmissionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let step = match self {
            EmissionError::RatioDivision => "issuance / total supply",
            EmissionError::Logarithm => "log2(1 / (1 - ratio))",
        };
        write!(f, "logarithm calculation failed at {step}")
    }
}

impl std::error::Error for EmissionError {}

/// `get_block_emission_for_issuance`: the emission per block, in rao, for an issuance in rao
/// (TAO `TotalIssuance`, or a subnet's alpha issuance).
///
/// 0 once `issuance ≥ TOTAL_SUPPLY`; otherwise `⌊(1 / 2ᵏ) × DEFAULT_BLOCK_EMISSION⌋` with
/// `k = ⌊log2(1 / (1 − issuance / 21e15))⌋`, all in I96F32 exactly as the chain computes it.
/// The chain's side effect of storing `BlockEmission` is left to the caller.
pub fn block_emission_for_issuance(issuance: u64) -> Result<u64, EmissionError> {
    let issuance = I96F32::saturating_from_num(issuance);
    if issuance >= I96F32::saturating_from_num(TOTAL_SUPPLY) {
        return Ok(0);
    }
    let halvings = halvings_for_ratio(issued_ratio(issuance)?)?;
    Ok(emission_after_halvings(halvings))
}

/// The issued fraction of the supply, `issuance / (2.0 × 10_500_000_000_000_000.0)` (I96F32
/// checked division, truncated).
fn issued_ratio(issuance: I96F32) -> Result<I96F32, EmissionError> {
    issuance
        .checked_div(RATIO_DIVISOR)
        .ok_or(EmissionError::RatioDivision)
}

/// The number of halvings `k = ⌊log2(1 / (1 − ratio))⌋` for an issued fraction `ratio` of the
/// supply (I96F32, expected in `[0, 1)`).
///
/// `log2` is `substrate_fixed::transcendental::log2::<I96F32, I96F32>`: the spec says the
/// residual is computed "in I96F32", the crate accepts that pair (source and result types both
/// signed, the result convertible from the source), and it is the only combination that keeps
/// every intermediate in the type the chain declares for `residual`.
///
/// The crate's `log2` halves with rounding (`(x >> 1) + lowest bit`), so an operand up to
/// `2ᵏ⁻¹ − 1` ulps below `2ᵏ` already yields `k`. That never shows here: the operand is
/// `1 / (1 − ratio)` with `ratio` on a 2⁻³² grid, whose values next below `2ᵏ` lie about `2²ᵏ`
/// ulps lower, so `k` still switches exactly at `ratio = 1 − 2⁻ᵏ`.
fn halvings_for_ratio(ratio: I96F32) -> Result<u64, EmissionError> {
    let inverse_remaining = FIXED_ONE
        .checked_div(FIXED_ONE - ratio)
        .ok_or(EmissionError::Logarithm)?;
    let residual: I96F32 =
        log2::<I96F32, I96F32>(inverse_remaining).map_err(|()| EmissionError::Logarithm)?;
    Ok(residual.floor().saturating_to_num::<u64>())
}

/// `2ᵏ` in I96F32, built as the chain builds it: `k` saturating doublings of 1.0.
fn power_of_two(halvings: u64) -> I96F32 {
    (0..halvings).fold(FIXED_ONE, |multiplier, _| {
        multiplier.saturating_mul(FIXED_TWO)
    })
}

/// The emission in rao after `halvings` halvings: `⌊(1.0 safe_div 2ᵏ) × DEFAULT_BLOCK_EMISSION⌋`,
/// the fraction computed first, then multiplied (saturating), then floored to u64.
fn emission_after_halvings(halvings: u64) -> u64 {
    let fraction = FIXED_ONE.safe_div(power_of_two(halvings));
    fraction
        .saturating_mul(I96F32::saturating_from_num(DEFAULT_BLOCK_EMISSION))
        .saturating_to_num::<u64>()
}

/// `mint_tao`: the TAO actually minted, in rao, when `requested` rao are asked for at a total
/// issuance of `total_issuance` rao — never more than what is left below `TOTAL_SUPPLY`. The
/// caller adds the result to `TotalIssuance`.
pub fn mint_tao(requested: u64, total_issuance: u64) -> u64 {
    requested.min(TOTAL_SUPPLY.saturating_sub(total_issuance))
}

/// A subnet's alpha emission per block, in rao of alpha, for its alpha issuance in rao:
/// [`block_emission_for_issuance`] with an error read as 0, as `get_subnet_terms` does
/// (`unwrap_or(0)`). The chain passes `SubnetAlphaIn + SubnetAlphaOut` (spec §5.1). 0 once the
/// alpha issuance reaches `TOTAL_SUPPLY`. Computed by [`block_emission`].
pub fn alpha_block_emission(alpha_issuance: u64) -> u64 {
    block_emission(alpha_issuance)
}

/// [`block_emission_for_issuance`] (errors read as 0) without the logarithm: the fixed-point
/// schedule halves exactly at `T_k = ⌈21e15·(1 − 2⁻ᵏ)⌉ = 21e15 − ⌊21e15 / 2ᵏ⌋`, so the
/// emission is `⌊10⁹ / 2ᵏ⌋` for the number k of thresholds at or below the issuance. The unit
/// tests hold it against the I96F32 computation at every threshold and on random issuances.
/// The block loop calls it for TAO and for every subnet's alpha, every block.
pub fn block_emission(issuance: u64) -> u64 {
    if issuance >= TOTAL_SUPPLY {
        return 0;
    }
    let halvings = (1..=32u32)
        .take_while(|k| issuance >= TOTAL_SUPPLY - (TOTAL_SUPPLY >> k))
        .count() as u64;
    emission_after_halvings(halvings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_schedule_equals_the_fixed_point_schedule_at_every_switch() {
        for k in 1..=32u32 {
            let at = TOTAL_SUPPLY - (TOTAL_SUPPLY >> k);
            for issuance in [at - 1, at, at + 1] {
                let reference = block_emission_for_issuance(issuance).unwrap_or(0);
                assert_eq!(
                    block_emission(issuance),
                    reference,
                    "k = {k}, issuance {issuance}"
                );
            }
        }
        for issuance in [0, 1, TOTAL_SUPPLY - 1, TOTAL_SUPPLY, u64::MAX] {
            assert_eq!(
                block_emission(issuance),
                block_emission_for_issuance(issuance).unwrap_or(0)
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn threshold_schedule_equals_the_fixed_point_schedule(issuance in 0..=TOTAL_SUPPLY + 10) {
            proptest::prop_assert_eq!(
                block_emission(issuance),
                block_emission_for_issuance(issuance).unwrap_or(0)
            );
        }
    }

    #[test]
    fn power_of_two_is_exact_up_to_the_largest_reachable_halving() {
        for k in 0..=32_u64 {
            assert_eq!(
                power_of_two(k),
                I96F32::from_bits(1_i128 << (32 + k)),
                "k = {k}"
            );
        }
    }

    #[test]
    fn halvings_count_the_integer_part_of_the_log() {
        let half = I96F32::from_bits(1 << 31);
        let three_quarters = I96F32::from_bits(3 << 30);
        assert_eq!(halvings_for_ratio(I96F32::from_bits(0)), Ok(0));
        assert_eq!(halvings_for_ratio(half - I96F32::from_bits(1)), Ok(0));
        assert_eq!(halvings_for_ratio(half), Ok(1));
        assert_eq!(
            halvings_for_ratio(three_quarters - I96F32::from_bits(1)),
            Ok(1)
        );
        assert_eq!(halvings_for_ratio(three_quarters), Ok(2));
        // The largest ratio below 1 in 32 fractional bits: 1 − 2⁻³².
        let largest = FIXED_ONE - I96F32::from_bits(1);
        assert_eq!(halvings_for_ratio(largest), Ok(32));
    }

    #[test]
    fn a_ratio_of_one_or_more_is_an_error_not_a_panic() {
        assert_eq!(halvings_for_ratio(FIXED_ONE), Err(EmissionError::Logarithm));
        assert_eq!(halvings_for_ratio(FIXED_TWO), Err(EmissionError::Logarithm));
    }

    #[test]
    fn emission_halves_per_halving_and_floors() {
        assert_eq!(emission_after_halvings(0), 1_000_000_000);
        assert_eq!(emission_after_halvings(1), 500_000_000);
        assert_eq!(emission_after_halvings(10), 976_562); // 976_562.5 floored
        assert_eq!(emission_after_halvings(29), 1);
        assert_eq!(emission_after_halvings(30), 0);
    }

    /// Every halving, including k = 31 and 32 where the emission is already 0 and the switch is
    /// invisible from outside, happens exactly at `I = ⌈21e15·(1 − 2⁻ᵏ)⌉`.
    #[test]
    fn halvings_switch_exactly_at_the_thresholds() {
        let halvings_at = |issuance: u64| {
            halvings_for_ratio(issued_ratio(I96F32::from_num(issuance)).unwrap()).unwrap()
        };
        for k in 1..=32_u32 {
            let threshold = u128::from(TOTAL_SUPPLY) * ((1 << k) - 1);
            let threshold = threshold.div_ceil(1 << k) as u64;
            assert_eq!(halvings_at(threshold - 1), u64::from(k) - 1, "k = {k}");
            assert_eq!(halvings_at(threshold), u64::from(k), "k = {k}");
        }
        assert_eq!(halvings_at(TOTAL_SUPPLY - 1), 32);
    }

    #[test]
    fn ratio_divisor_is_the_total_supply() {
        assert_eq!(RATIO_DIVISOR, I96F32::from_num(TOTAL_SUPPLY));
    }
}
