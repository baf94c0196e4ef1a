//! Conformance of block emission and halving with subtensor (commit 14bc6f9f): the emission per
//! block as a function of issuance (vectors §6.3), the exact halving thresholds of the I96F32
//! computation (spec §3), the supply cap of `mint_tao`, and the alpha emission at the cap.
//!
//! The reference for the properties is an exact integer model of spec §3: `k` is the largest
//! halving with `I ≥ 21e15·(1 − 2⁻ᵏ)` and the emission is `⌊10⁹ / 2ᵏ⌋`, or 0 at the supply.

use proptest::prelude::*;
use taosim::chain::coinbase::emission::{
    DEFAULT_BLOCK_EMISSION, TOTAL_SUPPLY, alpha_block_emission, block_emission_for_issuance,
    mint_tao,
};

/// The emission, in rao, for an issuance; every issuance is valid, so an error fails the test.
fn emission(issuance: u64) -> u64 {
    block_emission_for_issuance(issuance).expect("emission is defined for every u64 issuance")
}

/// `T_k = ⌈21e15·(1 − 2⁻ᵏ)⌉`: the smallest issuance at which the k-th halving has happened.
fn threshold(halving: u32) -> u64 {
    let numerator = u128::from(TOTAL_SUPPLY) * ((1_u128 << halving) - 1);
    numerator.div_ceil(1_u128 << halving) as u64
}

/// The exact integer model of spec §3: `⌊10⁹ / 2ᵏ⌋` for the largest `k` with `I ≥ T_k`.
fn emission_model(issuance: u64) -> u64 {
    if issuance >= TOTAL_SUPPLY {
        return 0;
    }
    let halvings = (1..=64).take_while(|&k| issuance >= threshold(k)).count();
    DEFAULT_BLOCK_EMISSION
        .checked_shr(halvings as u32)
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Vectors §6.3
// ---------------------------------------------------------------------------------------------

/// Source: subtensor pallets/subtensor/src/coinbase/block_emission.rs,
/// get_block_emission_for_issuance (vectors §6.3, derived from the spec formula)
#[test]
fn emission_halves_at_each_half_of_the_remaining_supply() {
    let vectors = [
        (0, 1_000_000_000),
        (10_500_000_000_000_000, 500_000_000),
        (15_750_000_000_000_000, 250_000_000),
        (18_375_000_000_000_000, 125_000_000),
        (19_687_500_000_000_000, 62_500_000),
    ];
    for (issuance, expected) in vectors {
        assert_eq!(emission(issuance), expected, "issuance {issuance}");
    }
}

/// Source: subtensor pallets/subtensor/src/coinbase/block_emission.rs,
/// get_block_emission_for_issuance (vectors §6.3, derived from the spec formula)
#[test]
fn emission_is_zero_at_and_beyond_the_total_supply() {
    for issuance in [TOTAL_SUPPLY, TOTAL_SUPPLY + 1, 2 * TOTAL_SUPPLY, u64::MAX] {
        assert_eq!(emission(issuance), 0, "issuance {issuance}");
    }
}

/// Source: subtensor pallets/subtensor/src/coinbase/block_emission.rs,
/// get_block_emission_for_issuance (vectors §6.3, derived from the spec formula)
///
/// One rao below the first threshold the truncated I96F32 ratio keeps the residual below 1.
#[test]
fn one_rao_below_the_first_threshold_still_emits_one_tao() {
    assert_eq!(emission(10_500_000_000_000_000 - 1), 1_000_000_000);
}

/// Source: spec §3, note on precision (vectors §6.3)
///
/// DIFFERENCE: documents why the simulator does not use floats here. An f64 model rounds
/// `10.5e15 − 1` to `10.5e15` and halves one rao early; the chain (and taosim) does not.
#[test]
fn an_f64_model_halves_one_rao_early_where_the_chain_does_not() {
    let issuance = 10_500_000_000_000_000_u64 - 1;
    let ratio = issuance as f64 / 21e15;
    let halvings = (1.0 / (1.0 - ratio)).log2().floor() as i32;
    let f64_emission = (1e9 / 2_f64.powi(halvings)).floor() as u64;
    assert_eq!(f64_emission, 500_000_000);
    assert_eq!(emission(issuance), 1_000_000_000);
}

// ---------------------------------------------------------------------------------------------
// Halving thresholds
// ---------------------------------------------------------------------------------------------

/// Source: spec §3 ("the fixed-point schedule switches exactly at I ≥ 21e15·(1 − 2⁻ᵏ)")
///
/// Checked for every halving with a visible effect: from k = 30 on, `⌊10⁹ / 2ᵏ⌋` is 0, so
/// later halvings do not change the emission (the unit tests check them inside the module).
#[test]
fn emission_switches_exactly_at_the_halving_thresholds() {
    for k in 1..=30_u32 {
        let at = threshold(k);
        assert_eq!(
            emission(at - 1),
            DEFAULT_BLOCK_EMISSION >> (k - 1),
            "k = {k}, T_k − 1"
        );
        assert_eq!(emission(at), DEFAULT_BLOCK_EMISSION >> k, "k = {k}, T_k");
    }
}

/// Source: spec §3 (vectors §6.3 for k = 1..4)
#[test]
fn the_first_thresholds_are_the_spec_round_numbers() {
    assert_eq!(threshold(1), 10_500_000_000_000_000);
    assert_eq!(threshold(2), 15_750_000_000_000_000);
    assert_eq!(threshold(3), 18_375_000_000_000_000);
    assert_eq!(threshold(4), 19_687_500_000_000_000);
    // k ≥ 16: 21e15·(1 − 2⁻ᵏ) is no longer an integer and the switch is at its ceiling.
    assert_eq!(threshold(16), 20_999_679_565_429_688);
}

/// An issuance anywhere up to a little beyond the supply.
fn any_issuance() -> impl Strategy<Value = u64> {
    prop_oneof![
        0..=TOTAL_SUPPLY + 1_000,
        (1..=32_u32, -1_000_i64..=1_000)
            .prop_map(|(k, offset)| { threshold(k).saturating_add_signed(offset) }),
        any::<u64>(),
    ]
}

proptest! {
    /// Source: subtensor pallets/subtensor/src/coinbase/block_emission.rs,
    /// get_block_emission_for_issuance (spec §3 formula, exact integer model)
    #[test]
    fn emission_equals_the_exact_integer_model(issuance in any_issuance()) {
        prop_assert_eq!(emission(issuance), emission_model(issuance));
    }

    /// Source: spec §3 ("emission = 1e9 / 2^k rao")
    #[test]
    fn emission_is_the_default_halved_some_number_of_times(issuance in any_issuance()) {
        let got = emission(issuance);
        let halvings_of_default: Vec<u64> =
            (0..30).map(|k| DEFAULT_BLOCK_EMISSION >> k).collect();
        prop_assert!(got == 0 || halvings_of_default.contains(&got), "got {}", got);
    }

    /// Source: spec §3 (the schedule only halves)
    #[test]
    fn emission_never_increases_with_issuance(a in any_issuance(), b in any_issuance()) {
        let (low, high) = (a.min(b), a.max(b));
        prop_assert!(emission(low) >= emission(high), "e({}) < e({})", low, high);
    }
}

// ---------------------------------------------------------------------------------------------
// Minting and alpha at the cap
// ---------------------------------------------------------------------------------------------

/// Source: subtensor pallets/subtensor/src/coinbase/tao.rs, mint_tao (spec §3)
#[test]
fn mint_tao_never_mints_beyond_the_total_supply() {
    assert_eq!(mint_tao(1_000_000_000, 0), 1_000_000_000);
    assert_eq!(
        mint_tao(1_000_000_000, TOTAL_SUPPLY - 1_000_000_000),
        1_000_000_000
    );
    assert_eq!(mint_tao(1_000_000_000, TOTAL_SUPPLY - 300), 300);
    assert_eq!(mint_tao(1_000_000_000, TOTAL_SUPPLY), 0);
    assert_eq!(mint_tao(1_000_000_000, u64::MAX), 0);
    assert_eq!(mint_tao(u64::MAX, 0), TOTAL_SUPPLY);
}

proptest! {
    /// Source: subtensor pallets/subtensor/src/coinbase/tao.rs, mint_tao (spec §3)
    #[test]
    fn minting_keeps_the_issuance_within_the_supply(
        requested in any::<u64>(),
        issuance in 0..=TOTAL_SUPPLY,
    ) {
        let minted = mint_tao(requested, issuance);
        prop_assert!(minted <= requested);
        prop_assert!(issuance + minted <= TOTAL_SUPPLY);
        prop_assert!(minted == requested || issuance + minted == TOTAL_SUPPLY);
    }
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_coinbase_alpha_issuance_with_cap_trigger
/// (vectors §6.3: small alpha issuance ⇒ `SubnetAlphaOutEmission` = 1_000_000_000 per block)
#[test]
fn alpha_emission_is_one_alpha_per_block_at_small_issuance() {
    assert_eq!(alpha_block_emission(0), 1_000_000_000);
    assert_eq!(alpha_block_emission(1_000_000_000_000), 1_000_000_000);
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_coinbase_alpha_issuance_with_cap_trigger_and_block_emission
/// (vectors §6.3: SubnetAlphaOut preset to 21e15 ⇒ no new alpha is emitted)
#[test]
fn alpha_emission_stops_at_and_beyond_the_cap() {
    assert_eq!(alpha_block_emission(TOTAL_SUPPLY), 0);
    assert_eq!(alpha_block_emission(TOTAL_SUPPLY + 1_000_000_000), 0);
    assert_eq!(alpha_block_emission(u64::MAX), 0);
}

/// Source: spec §3 (alpha uses the same schedule as TAO)
#[test]
fn alpha_emission_follows_the_tao_schedule() {
    for k in 1..=30_u32 {
        for issuance in [threshold(k) - 1, threshold(k)] {
            assert_eq!(alpha_block_emission(issuance), emission(issuance));
        }
    }
}
