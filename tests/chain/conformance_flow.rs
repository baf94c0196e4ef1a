//! The historical share rules of `chain::coinbase::flow` against spec §15.3: the TAO-flow EMA
//! and shares (Nov 2025 – 2026-06-22) and the raw moving-price rule (Feb – Nov 2025).
//!
//! Our material has no upstream vectors for these rules, so most tests here are spec checks
//! (§15.3): they state the property the spec implies and the tolerance the fixed-point
//! arithmetic allows. Tests with a `Source:` line pin a rule read in upstream's code.

use proptest::prelude::*;
use taosim::chain::coinbase::flow::{
    DEFAULT_FLOW_EMA_SMOOTHING_FACTOR, DEFAULT_FLOW_NORM_EXPONENT, DEFAULT_TAO_FLOW_CUTOFF,
    EmissionInput, EmissionRule, FLOW_EMA_HALF_LIFE_BLOCKS, FlowParams, block_emissions_for,
    flow_ema_alpha, get_lower_limit, get_shares_flow, offset_flows, tao_in_moving_price_raw,
    update_flow_ema,
};
use taosim::chain::coinbase::shares::{ShareInput, get_shares, subnet_block_emissions};
use taosim::chain::fixed::{I64F64, U64F64, U96F32};

/// One unit in the last place of a U64F64 share.
const ULP: f64 = 1.0 / 18_446_744_073_709_551_616.0;

fn rao(flows: &[i64]) -> Vec<I64F64> {
    flows.iter().map(|f| I64F64::from_num(*f)).collect()
}

fn shares_p1(flows: &[i64]) -> Vec<U64F64> {
    get_shares_flow(
        &rao(flows),
        DEFAULT_TAO_FLOW_CUTOFF,
        DEFAULT_FLOW_NORM_EXPONENT,
    )
}

fn total(shares: &[U64F64]) -> f64 {
    // Exact: the bits of the sum, then one conversion.
    let bits: u128 = shares.iter().map(|s| s.to_bits()).sum();
    bits as f64 * ULP
}

/// `z_s^p / Σ z^p` in f64, on the offsets the rule computes.
fn float_shares(offsets: &[U64F64], p: f64) -> Vec<f64> {
    let powers: Vec<f64> = offsets
        .iter()
        .map(|z| {
            let z = z.to_num::<f64>();
            if z > 0.0 { z.powf(p) } else { 0.0 }
        })
        .collect();
    let sum: f64 = powers.iter().sum();
    powers.iter().map(|w| w / sum).collect()
}

/// substrate-fixed's `log2 e`, held in I9F23 (23 fraction bits, truncated); its `ln` divides by it.
fn log2_e_i9f23() -> f64 {
    (std::f64::consts::LOG2_E * 8_388_608.0).floor() / 8_388_608.0
}

/// substrate-fixed's `exp` in I32F32 without the floors: the Taylor series to the term x³¹/31!,
/// and 1/exp(|x|) for negative x.
fn exp_taylor(x: f64) -> f64 {
    if x < 0.0 {
        return 1.0 / exp_taylor(-x);
    }
    let (mut sum, mut term) = (1.0, 1.0);
    for i in 1..32 {
        term *= x / f64::from(i);
        sum += term;
    }
    sum
}

/// A float model of the rule's power step: offsets scaled so the largest is `√(2³¹/n)`, then
/// `exp(p·ln z)` with the crate's `log2 e` and truncated series, normalised.
fn model_shares(offsets: &[U64F64], p: f64) -> Vec<f64> {
    let max = offsets
        .iter()
        .map(|z| z.to_num::<f64>())
        .fold(0.0, f64::max);
    let factor = (2_147_483_647.0 / offsets.len() as f64).sqrt() / max;
    let powers: Vec<f64> = offsets
        .iter()
        .map(|z| {
            let z = z.to_num::<f64>() * factor;
            if z > 0.0 {
                exp_taylor(p * z.log2() / log2_e_i9f23())
            } else {
                0.0
            }
        })
        .collect();
    let sum: f64 = powers.iter().sum();
    powers.iter().map(|w| w / sum).collect()
}

/// Whether every share is within `relative` of the expected one, give or take 1e-12: the
/// absolute part covers the smallest offsets, which I32F32 holds only to 2⁻³² of a largest
/// offset of ≈ 46_341/√n.
fn close(shares: &[U64F64], expected: &[f64], relative: f64) -> Result<(), String> {
    for (share, e) in shares.iter().zip(expected) {
        let error = (share.to_num::<f64>() - e).abs();
        if error > relative * e + 1e-12 {
            return Err(format!("share {share} vs {e}: error {error}"));
        }
    }
    Ok(())
}

/// Spec check (§15.3): the shares are a normalisation, so they add up to 1 less the floor of each
/// division: `1 − n·2⁻⁶⁴ ≤ Σ ≤ 1` for n subnets.
#[test]
fn flow_shares_sum_to_one_within_one_ulp_per_subnet() {
    let cases: [&[i64]; 5] = [
        &[1_000_000_000, 2_000_000_000, 3],
        &[7],
        &[5, -5, 0, 123_456_789_012, 1],
        &[i64::MAX, i64::MAX - 1, 1],
        &[-1, 1, -1, 1, -1, 1, 2, 3, 5, 8, 13, 21, 34, 55],
    ];
    for flows in cases {
        let shares = shares_p1(flows);
        let sum = total(&shares);
        let n = flows.len() as f64;
        assert!(sum <= 1.0 && sum >= 1.0 - n * ULP, "{flows:?}: Σ = {sum}");
    }
}

/// Spec check (§15.3): with p = 1, more net inflow means a larger share, and shares keep the
/// order of the flows.
#[test]
fn more_net_inflow_gets_a_larger_share() {
    let shares = shares_p1(&[500_000_000, 2_000_000_000, 1_000_000_000]);
    assert!(shares[1] > shares[2] && shares[2] > shares[0], "{shares:?}");
    let more = shares_p1(&[500_000_000, 2_000_000_000, 1_500_000_000]);
    assert!(
        more[2] > shares[2],
        "raising a subnet's inflow raises its share"
    );
    assert!(more[0] < shares[0], "and lowers the others'");
}

/// Spec check (§15.3): `L = max(TaoFlowCutoff, min(min_s S_s, 0))` and `z_s = max(S_s − L, 0)`.
/// At the default cutoff 0 every subnet with net outflow gets nothing; with a negative cutoff
/// subnets at or below it get nothing, and the most negative flow sets the floor when it lies
/// above the cutoff.
#[test]
fn negative_flows_are_floored_at_the_cutoff() {
    let flows = rao(&[-100, -50, 200, 0]);
    let shares = get_shares_flow(&flows, DEFAULT_TAO_FLOW_CUTOFF, DEFAULT_FLOW_NORM_EXPONENT);
    assert_eq!(shares[0], U64F64::from_num(0));
    assert_eq!(shares[1], U64F64::from_num(0));
    assert_eq!(shares[3], U64F64::from_num(0));
    assert_eq!(
        shares[2],
        U64F64::from_num(1),
        "the only inflow takes it all"
    );

    let cutoff = I64F64::from_num(-60);
    assert_eq!(get_lower_limit(&flows, cutoff), cutoff);
    let offsets = offset_flows(&flows, cutoff);
    assert_eq!(offsets, [0, 10, 260, 60].map(U64F64::from_num).to_vec());
    let shares = get_shares_flow(&flows, cutoff, DEFAULT_FLOW_NORM_EXPONENT);
    assert_eq!(shares[0], U64F64::from_num(0), "below the cutoff: nothing");
    assert!(
        shares[1] > U64F64::from_num(0),
        "above the cutoff: something"
    );

    let low_cutoff = I64F64::from_num(-1_000);
    assert_eq!(get_lower_limit(&flows, low_cutoff), I64F64::from_num(-100));
    let shares = get_shares_flow(&flows, low_cutoff, DEFAULT_FLOW_NORM_EXPONENT);
    assert_eq!(
        shares[0],
        U64F64::from_num(0),
        "the minimum flow is the floor"
    );
    assert_eq!(get_lower_limit(&[], low_cutoff), I64F64::from_num(0));
}

/// Spec check (§15.3): at p = 1 the rule is a plain normalisation `z_s / Σ z`, up to the
/// ln/exp round trip in I32F32. substrate-fixed's `ln` divides `log2` by `log2 e` held to 23
/// fraction bits (relative error ε < 8.3e-8), so `exp(ln z) = z^(1+ε)`; on the scaled offsets
/// (ln z between −22.2 and 10.8) that moves a share by less than ε·33 ≈ 2.7e-6 of itself; exp's
/// truncated Taylor series (x ≤ 10.8: remainder < 1e-7) and the floors add less. Bound: 3e-6
/// relative, plus 1e-12 for the smallest offsets (see [`close`]).
#[test]
fn p_one_is_a_plain_normalisation_up_to_the_ln_exp_round_trip() {
    let cases: [&[i64]; 4] = [
        &[1_000_000_000, 2_000_000_000, 3_000_000_000],
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
        &[123_456_789, 987_654_321, 5_555_555, 42],
        &[i64::MAX, 1 << 40, 1 << 20, -7],
    ];
    for flows in cases {
        let flows = rao(flows);
        let offsets = offset_flows(&flows, get_lower_limit(&flows, DEFAULT_TAO_FLOW_CUTOFF));
        let shares = get_shares_flow(&flows, DEFAULT_TAO_FLOW_CUTOFF, DEFAULT_FLOW_NORM_EXPONENT);
        let plain: Vec<f64> = {
            let sum: f64 = offsets.iter().map(|z| z.to_num::<f64>()).sum();
            offsets.iter().map(|z| z.to_num::<f64>() / sum).collect()
        };
        if let Err(e) = close(&shares, &plain, 3e-6) {
            panic!("{flows:?}: {e}");
        }
    }
    // Two equal flows split exactly in half (the same bits on both sides).
    let shares = shares_p1(&[77_777, 77_777]);
    assert_eq!(shares[0], shares[1]);
}

/// Spec check (§15.3): p ≠ 1 follows `z^p / Σ z^p` as substrate-fixed computes it. At p = 2 the
/// largest powers are near 2³¹/n, i.e. exp of x ≈ 20, where the crate's Taylor series (to
/// x³¹/31!) falls short by up to ~1%: the shares are checked against a float model of that
/// series and of the crate's 23-bit `log2 e` (bound 1e-8 relative: the floors and the model's
/// √ factor), and the distance to the exact power law is shown to be that truncation. p = 0
/// splits equally among the subnets with a positive offset.
#[test]
fn other_exponents_follow_the_power_law() {
    let flows = rao(&[1_000_000_000, 2_000_000_000, 3_000_000_000, -5]);
    let offsets = offset_flows(&flows, get_lower_limit(&flows, DEFAULT_TAO_FLOW_CUTOFF));
    for p in [2.0, 0.5, 1.5] {
        let shares = get_shares_flow(&flows, DEFAULT_TAO_FLOW_CUTOFF, U64F64::from_num(p));
        if let Err(e) = close(&shares, &model_shares(&offsets, p), 1e-8) {
            panic!("p = {p}: {e}");
        }
        assert_eq!(shares[3], U64F64::from_num(0));
        if let Err(e) = close(&shares, &float_shares(&offsets, p), 1e-2) {
            panic!("p = {p}, exact power law: {e}");
        }
    }
    let shares = get_shares_flow(&flows, DEFAULT_TAO_FLOW_CUTOFF, U64F64::from_num(0));
    assert_eq!(shares[0], shares[1]);
    assert_eq!(shares[1], shares[2]);
    assert_eq!(shares[3], U64F64::from_num(0));
}

/// Source: subtensor pallets/subtensor/src/coinbase/subnet_emissions.rs, `safe_pow` and
/// `inplace_pow_normalize` (issue 16, item 3): no shortcut at p = 1 — the shares go through
/// `exp(ln z)` and are not the plain U64F64 normalisation `z / Σ z` to the bit.
#[test]
fn p_one_takes_the_ln_exp_path() {
    let flows = rao(&[1_000_000_000, 2_000_000_000, 3_000_000_000]);
    let offsets = offset_flows(&flows, get_lower_limit(&flows, DEFAULT_TAO_FLOW_CUTOFF));
    let sum = offsets.iter().fold(U64F64::from_num(0), |acc, z| acc + *z);
    let plain: Vec<U64F64> = offsets.iter().map(|z| *z / sum).collect();
    assert_ne!(
        shares_p1(&[1_000_000_000, 2_000_000_000, 3_000_000_000]),
        plain
    );
}

/// Source: subtensor pallets/subtensor/src/coinbase/subnet_emissions.rs, `safe_pow` (issue 16,
/// item 3): when `exp` fails, the power is `i32::MAX` whatever the sign of its argument. At
/// p = 2 a subnet with 10⁻¹² of the largest offset scales to ≈ 3.3·10⁻⁸, whose `2·ln` ≈ −34
/// is beyond `exp`'s range: it gets power 2147483647 against ≈ 1.07·10⁹ for the largest, so
/// about two thirds of the emission (a negative argument gave 0 before).
#[test]
fn a_failed_exp_of_a_tiny_offset_saturates_to_i32_max() {
    let flows = rao(&[1_000_000_000_000_000_000, 1_000_000]);
    let shares = get_shares_flow(&flows, DEFAULT_TAO_FLOW_CUTOFF, U64F64::from_num(2));
    let (large, tiny) = (shares[0].to_num::<f64>(), shares[1].to_num::<f64>());
    assert!(tiny > 0.6 && tiny < 0.7, "tiny offset's share {tiny}");
    assert!((large + tiny - 1.0).abs() < 1e-15);
}

/// Spec check (§15.3): α = FlowEmaSmoothingFactor / i64::MAX ≈ 3.209e-6 at the default.
#[test]
fn the_default_smoothing_is_3_209e_minus_6() {
    let alpha = flow_ema_alpha(DEFAULT_FLOW_EMA_SMOOTHING_FACTOR).to_num::<f64>();
    assert!((alpha - 3.209e-6).abs() < 1e-9, "α = {alpha}");
    assert_eq!(flow_ema_alpha(0), I64F64::from_num(0));
}

/// Spec check (§15.3): from 0, a constant flow F is reached halfway after the half-life of
/// 216_000 blocks. The closed form `1 − (1 − α)^216000` is 0.5 to 3e-12 at the default α; the
/// I64F64 steps floor each product (≤ 2 units of 2⁻⁶⁴ rao per step, < 3e-14 rao over the run)
/// and hold α to 2⁻⁶⁴ (relative 2e-14), so the fixed-point EMA is 0.5·F to 1e-9 relative. The
/// same holds for an outflow (negative F).
#[test]
fn the_flow_ema_reaches_half_a_constant_flow_after_the_half_life() {
    for flow in [1_000_000_000_i64, -3_000_000_000] {
        let mut ema = I64F64::from_num(0);
        for _ in 0..FLOW_EMA_HALF_LIFE_BLOCKS {
            ema = update_flow_ema(ema, flow, DEFAULT_FLOW_EMA_SMOOTHING_FACTOR);
        }
        let ratio = ema.to_num::<f64>() / flow as f64;
        assert!((ratio - 0.5).abs() < 1e-9, "F = {flow}: S/F = {ratio}");
    }
}

/// Spec check (§15.3): after ten half-lives the EMA is within 2⁻¹⁰ of the flow, from below,
/// and it never overshoots.
#[test]
fn the_flow_ema_converges_to_a_constant_flow() {
    let flow = 2_500_000_000_i64;
    let mut ema = I64F64::from_num(0);
    for _ in 0..10 * FLOW_EMA_HALF_LIFE_BLOCKS {
        ema = update_flow_ema(ema, flow, DEFAULT_FLOW_EMA_SMOOTHING_FACTOR);
        assert!(ema <= I64F64::from_num(flow));
    }
    let gap = 1.0 - ema.to_num::<f64>() / flow as f64;
    assert!(gap > 0.0 && gap < 1.0 / 1024.0 + 1e-9, "gap {gap}");
}

/// Spec check (§15.3): with no positive offset there is nothing to share; no panic, all zero.
#[test]
fn all_zero_flows_give_all_zero_shares() {
    let zero = U64F64::from_num(0);
    for p in [0, 1, 2, 7] {
        let p = U64F64::from_num(p);
        let shares = get_shares_flow(&rao(&[0, 0, 0]), DEFAULT_TAO_FLOW_CUTOFF, p);
        assert_eq!(shares, vec![zero; 3]);
        let shares = get_shares_flow(&rao(&[-4, -9]), DEFAULT_TAO_FLOW_CUTOFF, p);
        assert_eq!(shares, vec![zero; 2]);
        assert!(get_shares_flow(&[], DEFAULT_TAO_FLOW_CUTOFF, p).is_empty());
    }
    let emissions = block_emissions_for(
        EmissionRule::TaoFlow,
        1_000_000_000,
        &[input(0.5, 0), input(0.5, 0)],
        FlowParams::default(),
    );
    assert_eq!(emissions, vec![U96F32::from_num(0); 2]);
}

fn input(price: f64, ema_flow: i64) -> EmissionInput {
    EmissionInput {
        share: ShareInput {
            moving_price: U64F64::from_num(price),
            miner_burned: U96F32::from_num(0),
            emission_enabled: true,
        },
        ema_flow: I64F64::from_num(ema_flow),
    }
}

/// Spec check (§15.3): the Feb–Nov 2025 rule is `E × m_s / Σ m`. It is not HEAD's rule without
/// the miner burn: it multiplies before dividing, in U96F32, so the amounts differ from HEAD's
/// `E × (m_s / Σ m)` in the last bits, and it ignores miner burn and the emission switch.
#[test]
fn the_raw_moving_price_rule_multiplies_before_dividing() {
    let prices = [U96F32::from_num(0.1), U96F32::from_num(0.3)];
    let emission = 1_000_000_000_u64;
    let raw = tao_in_moving_price_raw(emission, &prices);
    let e = U96F32::from_num(emission);
    assert_eq!(raw[0], e * prices[0] / (prices[0] + prices[1]));
    assert!((raw[0].to_num::<f64>() - 2.5e8).abs() < 1.0);
    assert!((raw[1].to_num::<f64>() - 7.5e8).abs() < 1.0);
    assert!(raw[0] + raw[1] <= e);
    assert_eq!(
        tao_in_moving_price_raw(emission, &[U96F32::from_num(0); 2]),
        vec![U96F32::from_num(0); 2]
    );

    let mut burned = input(0.1, 0);
    burned.share.miner_burned = U96F32::from_num(1);
    burned.share.emission_enabled = false;
    let subnets = [burned, input(0.3, 0)];
    let raw = block_emissions_for(
        EmissionRule::MovingPriceRaw,
        emission,
        &subnets,
        FlowParams::default(),
    );
    assert!(
        (raw[0].to_num::<f64>() - 2.5e8).abs() < 1.0,
        "no burn, no switch"
    );
    let head = block_emissions_for(
        EmissionRule::PriceEma,
        emission,
        &subnets,
        FlowParams::default(),
    );
    assert_eq!(head[0], U96F32::from_num(0));
}

/// Spec check (§15.3, §4.2): the dispatcher gives each rule's own amounts.
#[test]
fn the_dispatcher_switches_rules() {
    let subnets = [
        input(0.2, 3_000_000),
        input(0.6, -1_000),
        input(0.1, 1_000_000),
    ];
    let emission = 1_000_000_000_u64;
    let params = FlowParams::default();
    let inputs: Vec<ShareInput> = subnets.iter().map(|s| s.share).collect();
    assert_eq!(
        block_emissions_for(EmissionRule::PriceEma, emission, &subnets, params),
        subnet_block_emissions(emission, &get_shares(&inputs))
    );
    let flows: Vec<I64F64> = subnets.iter().map(|s| s.ema_flow).collect();
    let flow_shares = get_shares_flow(&flows, params.cutoff, params.exponent);
    let by_flow = block_emissions_for(EmissionRule::TaoFlow, emission, &subnets, params);
    assert_eq!(by_flow, subnet_block_emissions(emission, &flow_shares));
    assert_eq!(
        by_flow[1],
        U96F32::from_num(0),
        "outflow: nothing under TAO flow"
    );
    assert!(by_flow[0] > by_flow[2]);
    assert_eq!(EmissionRule::default(), EmissionRule::PriceEma);
}

/// An I64F64 EMA value from any 128-bit pattern a proptest draws.
fn any_ema() -> impl Strategy<Value = I64F64> {
    any::<i128>().prop_map(I64F64::from_bits)
}

/// `FlowNormExponent` between 0 and 8 with any fraction.
fn any_exponent() -> impl Strategy<Value = U64F64> {
    (0u128..(8u128 << 64)).prop_map(U64F64::from_bits)
}

proptest! {
    /// Spec check (§15.3): no panic and every share in [0, 1], whatever the EMA values, the
    /// cutoff and the exponent; the shares never add up to more than 1.
    #[test]
    fn flow_shares_are_fractions_for_any_ema(
        emas in prop::collection::vec(any_ema(), 0..40),
        cutoff in any_ema(),
        exponent in any_exponent(),
    ) {
        let shares = get_shares_flow(&emas, cutoff, exponent);
        prop_assert_eq!(shares.len(), emas.len());
        for share in &shares {
            prop_assert!(*share <= U64F64::from_num(1));
        }
        prop_assert!(total(&shares) <= 1.0);
    }

    /// Spec check (§15.3): for integer flows (whole rao) with some flow above the cutoff, the
    /// shares add up to 1 within one unit of 2⁻⁶⁴ per subnet, and a subnet at or below the
    /// lower limit gets nothing.
    #[test]
    fn flow_shares_of_i64_flows_sum_to_one(
        flows in prop::collection::vec(any::<i64>(), 1..40),
        cutoff in any::<i64>(),
        exponent in any_exponent(),
    ) {
        let emas = rao(&flows);
        let cutoff = I64F64::from_num(cutoff);
        let lower = get_lower_limit(&emas, cutoff);
        let shares = get_shares_flow(&emas, cutoff, exponent);
        for (ema, share) in emas.iter().zip(&shares) {
            prop_assert!(*share <= U64F64::from_num(1));
            if *ema <= lower {
                prop_assert_eq!(*share, U64F64::from_num(0));
            }
        }
        let sum = total(&shares);
        if emas.iter().any(|e| *e > lower) {
            prop_assert!(sum >= 1.0 - flows.len() as f64 * ULP && sum <= 1.0, "Σ = {}", sum);
        } else {
            prop_assert_eq!(sum, 0.0);
        }
    }

    /// Spec check (§15.3): one EMA step never panics and lands between the old value and the
    /// flow (a convex combination; the two floors may take it 2 units of 2⁻⁶⁴ below).
    #[test]
    fn the_flow_ema_step_is_a_convex_combination(
        old in any::<i64>(),
        old_fraction in any::<u64>(),
        flow in any::<i64>(),
        smoothing in 0..=i64::MAX as u64,
    ) {
        let old = I64F64::from_bits((i128::from(old) << 64) | i128::from(old_fraction));
        let new = update_flow_ema(old, flow, smoothing);
        let flow = I64F64::from_num(flow);
        let two_ulp = I64F64::from_bits(2);
        prop_assert!(new >= old.min(flow).saturating_sub(two_ulp));
        prop_assert!(new <= old.max(flow));
    }
}
