//! The historical subnet emission-share rules (spec §15.3) beside HEAD's (§4.2): the "TAO flow"
//! rule `get_shares_flow`, live from Nov 2025 to 2026-06-22 and still dead code at HEAD, and the
//! raw moving-price rule of Feb–Nov 2025; [`EmissionRule`] names the three and
//! [`block_emissions_for`] switches between them.
//!
//! TAO flow: each eligible subnet keeps an exponential moving average `S_s` of its net TAO flow
//! per block (I64F64, rao; [`update_flow_ema`]); the block's shares are the offsets
//! `z_s = max(S_s − L, 0)` above a lower limit `L` ([`get_lower_limit`]), raised to the power
//! `p = FlowNormExponent` and normalised, `z_s^p / Σ z^p` ([`get_shares_flow`]). The power goes
//! through `exp(p·ln z)` in I32F32 on scaled offsets ([`inplace_pow_normalize`]), so even
//! `p = 1` differs from a plain normalisation, by at most ~3 parts per million of a share.
//!
//! Inputs are in the chain's iteration order (ascending netuid); outputs follow it. The power
//! step follows upstream's `inplace_pow_normalize`, `inplace_scale` and `safe_pow`
//! (`coinbase/subnet_emissions.rs`) and `checked_sqrt` (`primitives/safe-math`) as read at the
//! commit the port targets. Details of the EMA and the lower limit the spec leaves open are
//! marked "unverified" where they are decided; they follow the chain's fixed-point conventions
//! (§0.1, §9.5) and the names and steps of upstream's helpers (`get_ema_flow`,
//! `get_lower_limit`).
//!
//! May depend on: `chain::fixed`, `substrate_fixed::transcendental` (`ln`, `exp`),
//! `chain::coinbase::shares`.

use substrate_fixed::transcendental::{exp, ln};

use crate::chain::coinbase::shares::{ShareInput, get_shares, subnet_block_emissions};
use crate::chain::fixed::{I32F32, I64F64, SafeDiv, U64F64, U96F32};

/// Which rule splits a block's TAO emission among the eligible subnets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum EmissionRule {
    /// HEAD, since 2026-06-22 (commit c3841130c): shares ∝ moving price, weighted by
    /// `1 − MinerBurned`, zero for subnets with emission disabled ([`get_shares`], §4.2).
    #[default]
    PriceEma,
    /// Nov 2025 – 2026-06-22: shares ∝ (offset EMA of net TAO flow)^p ([`get_shares_flow`],
    /// §15.3). The exact first block is not in the spec.
    TaoFlow,
    /// Feb 2025 (v2.0.0, the dTAO launch of 2025-02-13) – Nov 2025: `E × m_s / Σ m` on the raw
    /// moving prices ([`tao_in_moving_price_raw`], §15.3).
    MovingPriceRaw,
}

/// `FlowEmaSmoothingFactor` default: the EMA's α is this over `i64::MAX`, ≈ 3.209e-6.
pub const DEFAULT_FLOW_EMA_SMOOTHING_FACTOR: u64 = 29_597_889_189_277;

/// Half-life of the flow EMA at the default smoothing, in blocks (`ln 2 / α` ≈ 216_000 ≈ 30 days).
pub const FLOW_EMA_HALF_LIFE_BLOCKS: u64 = 216_000;

/// `TaoFlowCutoff` default, in rao: 0, so negative flows are floored at 0.
///
/// Unverified: the spec names the parameter but not its default; 0 is our reading.
pub const DEFAULT_TAO_FLOW_CUTOFF: I64F64 = I64F64::from_bits(0);

/// `FlowNormExponent` (p) default: 1.
pub const DEFAULT_FLOW_NORM_EXPONENT: U64F64 = U64F64::from_bits(1 << 64);

const U64F64_ZERO: U64F64 = U64F64::from_bits(0);
const U64F64_ONE: U64F64 = U64F64::from_bits(1 << 64);
const I64F64_ZERO: I64F64 = I64F64::from_bits(0);
const I64F64_ONE: I64F64 = I64F64::from_bits(1 << 64);
const U96F32_ZERO: U96F32 = U96F32::from_bits(0);

/// The flow EMA's α: `FlowEmaSmoothingFactor / i64::MAX` in I64F64 (`safe_div`).
///
/// I64F64 because the EMA is signed (net outflows are negative), α ≈ 3.2e-6 needs fraction bits
/// (I96F32 would hold it only to 2⁻³², a relative error of ~4e-5, while I64F64 holds it to
/// 2⁻⁶⁴), the factor is defined as a fraction of `i64::MAX` (a 64-bit fraction), and the integer
/// part holds any i64 flow in rao exactly (±9.2e9 TAO, far above the supply).
/// Unverified: the spec gives the ratio, not the type.
pub fn flow_ema_alpha(smoothing: u64) -> I64F64 {
    I64F64::saturating_from_num(smoothing).safe_div(I64F64::saturating_from_num(i64::MAX))
}

/// One step of a subnet's flow EMA (`get_ema_flow`): `(1 − α)·old + α·flow` with
/// α = [`flow_ema_alpha`]`(smoothing)`, each product floored (toward −∞), all saturating.
///
/// `old` and the result are `SubnetEmaTaoFlow` (I64F64, rao per block); `flow` is the net TAO
/// flow accumulated since the last update (`SubnetTaoFlow`: TAO staked in − TAO unstaked, minus
/// the protocol's flow as the chain normalises it — the caller computes it), reset after use;
/// `smoothing` is `FlowEmaSmoothingFactor` (default [`DEFAULT_FLOW_EMA_SMOOTHING_FACTOR`]).
///
/// Unverified: the term order `(1 − α)·old + α·flow` (as the moving price's, §6.4); the timing
/// (once per block per eligible subnet, when the shares are computed, on the flow accumulated
/// since the previous update); and the starting value, which the spec does not give (the
/// caller seeds `old`; 0 is the natural choice for a subnet with no history).
pub fn update_flow_ema(old: I64F64, flow: i64, smoothing: u64) -> I64F64 {
    let alpha = flow_ema_alpha(smoothing);
    I64F64_ONE
        .saturating_sub(alpha)
        .saturating_mul(old)
        .saturating_add(alpha.saturating_mul(I64F64::saturating_from_num(flow)))
}

/// `get_lower_limit`: `L = max(TaoFlowCutoff, min(min_s S_s, 0))` (0 for no subnets).
pub fn get_lower_limit(ema_flows: &[I64F64], cutoff: I64F64) -> I64F64 {
    let min_flow = ema_flows
        .iter()
        .map(|flow| (*flow).min(I64F64_ZERO))
        .min()
        .unwrap_or(I64F64_ZERO);
    cutoff.max(min_flow)
}

/// The offsets `z_s = max(S_s − L, 0)` as U64F64 (`S_s − L` saturating in I64F64).
pub fn offset_flows(ema_flows: &[I64F64], lower_limit: I64F64) -> Vec<U64F64> {
    ema_flows
        .iter()
        .map(|flow| {
            if *flow > lower_limit {
                U64F64::saturating_from_num(flow.saturating_sub(lower_limit))
            } else {
                U64F64_ZERO
            }
        })
        .collect()
}

/// `get_shares_flow` (spec §15.3): each subnet's share of the block's TAO emission from the
/// subnets' flow EMAs `S_s` (rao, [`update_flow_ema`]), `TaoFlowCutoff` (rao, default
/// [`DEFAULT_TAO_FLOW_CUTOFF`]) and `FlowNormExponent` (default [`DEFAULT_FLOW_NORM_EXPONENT`]).
///
/// `z_s^p / Σ z^p` with `z_s = max(S_s − L, 0)`; all 0 when every `z_s` is 0. The shares are
/// in `[0, 1]` and, when some `z_s > 0`, add up to 1 less at most one unit of 2⁻⁶⁴ per subnet.
/// Same type and order as [`get_shares`], for [`subnet_block_emissions`].
///
/// Unverified: no `SubnetEmissionEnabled` filter or miner-burn weighting here; the spec gives
/// both only for HEAD's rule.
pub fn get_shares_flow(ema_flows: &[I64F64], cutoff: I64F64, exponent: U64F64) -> Vec<U64F64> {
    let lower_limit = get_lower_limit(ema_flows, cutoff);
    let mut shares = offset_flows(ema_flows, lower_limit);
    inplace_pow_normalize(&mut shares, exponent);
    shares
}

/// `inplace_scale`: multiply every value by `1 / max` (`safe_div`, so 0 when the max is 0 or its
/// inverse overflows), bringing the largest to (just under) 1.
fn inplace_scale(values: &mut [U64F64]) {
    let max = values.iter().copied().max().unwrap_or(U64F64_ZERO);
    let factor = U64F64_ONE.safe_div(max);
    for value in values.iter_mut() {
        *value = factor.saturating_mul(*value);
    }
}

/// `inplace_pow_normalize`: replaces the offsets `z` by `z^p / Σ z^p`, with the power taken as
/// `exp(p·ln(f·z))` in I32F32 (`safe_pow`) on offsets scaled by a common factor `f`.
///
/// The scaling ("scaled ln/exp in I32F32", spec §15.3): first to a maximum of 1
/// (`inplace_scale`); then by
/// `f = √(i32::MAX / (n · max²))`, so the largest `(f·z)^2` times the number of subnets `n`
/// just fits I32F32 — the estimate is for p = 2 — and the offsets use as many of I32F32's
/// integer bits as they can (the largest becomes ≈ 46_341/√n; an offset below 2⁻³² of that
/// becomes 0). `f` cancels in the quotient up to rounding. The square root is a bisection in
/// U64F64 to within 0.001 (`checked_sqrt`). When `n · max² < i32::MAX / u64::MAX` (only when
/// every value is 0) the values are left as scaled.
///
/// Accuracy (the crate's, kept on purpose): `ln` divides by `log2 e` held to 23 bits, so
/// `exp(ln z) = z^(1+ε)` with ε < 8.3e-8, which moves a share at p = 1 by < 3e-6 of itself. At
/// p = 2 the largest powers need exp of x ≈ 20, where the crate's Taylor series (to x³¹/31!)
/// falls short by up to ~1%, and shares move by as much; for p > 2, exp of the largest offsets
/// fails and they saturate (`safe_pow`). There is no shortcut at p = 1 (the default).
///
/// Source: subtensor pallets/subtensor/src/coinbase/subnet_emissions.rs,
/// `inplace_pow_normalize` and `inplace_scale`.
pub fn inplace_pow_normalize(values: &mut [U64F64], exponent: U64F64) {
    inplace_scale(values);
    let max = values.iter().copied().max().unwrap_or(U64F64_ZERO);
    let max_pow_estimate = max.saturating_mul(max);
    let max_times_count =
        U64F64::saturating_from_num(values.len()).saturating_mul(max_pow_estimate);
    let i32f32_max = U64F64::saturating_from_num(I32F32::saturating_from_num(i32::MAX));
    let precision_min = i32f32_max.safe_div(U64F64::saturating_from_num(u64::MAX));
    if max_times_count < precision_min {
        return;
    }
    let epsilon = U64F64_ONE.safe_div(U64F64::saturating_from_num(1_000));
    let factor = checked_sqrt(i32f32_max.safe_div(max_times_count), epsilon);
    let powers: Vec<U64F64> = values
        .iter()
        .map(|value| safe_pow(factor.saturating_mul(*value), exponent))
        .collect();
    let sum = powers
        .iter()
        .fold(U64F64_ZERO, |acc, power| acc.saturating_add(*power));
    for (value, power) in values.iter_mut().zip(powers) {
        *value = power.safe_div(sum);
    }
}

/// `safe_pow`: `val^p` as `exp(p · ln val)` with substrate-fixed's `ln` and `exp` in I32F32
/// (`val` and `p` truncated to 32 fraction bits, saturated to I32F32's range; the product
/// saturating).
///
/// 0 when `ln` fails (`val` ≤ 2·2⁻³² in I32F32). When `exp` fails (its argument's Taylor
/// terms leave I32F32, for |x| ≳ 21.08 on either side), the result is `i32::MAX` =
/// 2147483647.0 **whatever the sign of the argument** — so a tiny offset whose `p·ln` is far
/// below −21 gets the largest power of all. The argument is not clamped as `exp_safe` does.
///
/// Source: subtensor pallets/subtensor/src/coinbase/subnet_emissions.rs, `safe_pow`.
fn safe_pow(val: U64F64, exponent: U64F64) -> U64F64 {
    let Ok(ln_val) = ln::<I32F32, I32F32>(I32F32::saturating_from_num(val)) else {
        return U64F64_ZERO;
    };
    let x = ln_val.saturating_mul(I32F32::saturating_from_num(exponent));
    let power = exp::<I32F32, I32F32>(x).unwrap_or(I32F32::saturating_from_num(i32::MAX));
    U64F64::saturating_from_num(power)
}

/// `checked_sqrt` of subtensor's `safe-math` (`FixedExt`), for U64F64: bisection on `[0, x]`
/// when `x > 1`, else on `[x, 1]`, until `|x / middle − middle| ≤ epsilon` (divisions
/// `safe_div`), at most 129 halvings. Only the last bits of the shares depend on it.
///
/// Source: subtensor primitives/safe-math/src/lib.rs, `FixedExt::checked_sqrt`.
fn checked_sqrt(x: U64F64, epsilon: U64F64) -> U64F64 {
    let two = U64F64::saturating_from_num(2);
    let (mut low, mut high) = if x > U64F64_ONE {
        (U64F64_ZERO, x)
    } else {
        (x, U64F64_ONE)
    };
    let mut middle = high.saturating_add(low).safe_div(two);
    let mut check = x.safe_div(middle);
    let mut iteration = 0u32;
    while abs_diff(check, middle) > epsilon {
        if check < middle {
            high = middle;
        } else {
            low = middle;
        }
        middle = high.saturating_add(low).safe_div(two);
        check = x.safe_div(middle);
        iteration += 1;
        if iteration > 128 {
            break;
        }
    }
    middle
}

fn abs_diff(a: U64F64, b: U64F64) -> U64F64 {
    if a > b { a - b } else { b - a }
}

/// The raw moving-price rule of Feb–Nov 2025 (spec §15.3): each subnet's TAO emission
/// `tao_in_s = E × m_s / Σ m` in U96F32 (`E × m_s` floored and saturating, then `checked_div`,
/// 0 when `Σ m = 0`), from the block emission `E` (rao) and the moving prices `m_s`
/// (`get_moving_alpha_price`: 1.0 for stable subnets).
///
/// Not [`get_shares`] without the miner-burn weighting: besides that weighting and the
/// `SubnetEmissionEnabled` rule (the spec's formula has neither), it multiplies by `E` before
/// dividing by `Σ m`, in U96F32, where HEAD divides first in U64F64 and then multiplies
/// ([`subnet_block_emissions`]); the two round differently in the last rao. The later changes to
/// the price EMA (the 1.0 cap of 2025-02-13, the warm-up of 2025-03-11) and the v3.2.x subsidy
/// belong to the moving price and the injection terms, not here. Unverified: the type and the
/// order are our reading of the spec's formula.
pub fn tao_in_moving_price_raw(block_emission: u64, moving_prices: &[U96F32]) -> Vec<U96F32> {
    let emission = U96F32::saturating_from_num(block_emission);
    let total = moving_prices
        .iter()
        .fold(U96F32_ZERO, |acc, price| acc.saturating_add(*price));
    moving_prices
        .iter()
        .map(|price| {
            emission
                .saturating_mul(*price)
                .checked_div(total)
                .unwrap_or(U96F32_ZERO)
        })
        .collect()
}

/// What the three rules read of one eligible subnet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmissionInput {
    /// Moving price, miner burn and emission switch ([`EmissionRule::PriceEma`]; the moving
    /// price alone for [`EmissionRule::MovingPriceRaw`]).
    pub share: ShareInput,
    /// `SubnetEmaTaoFlow` after this block's [`update_flow_ema`], rao
    /// ([`EmissionRule::TaoFlow`]).
    pub ema_flow: I64F64,
}

/// The TAO-flow rule's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowParams {
    /// `TaoFlowCutoff`, rao (default [`DEFAULT_TAO_FLOW_CUTOFF`]).
    pub cutoff: I64F64,
    /// `FlowNormExponent` (default [`DEFAULT_FLOW_NORM_EXPONENT`]).
    pub exponent: U64F64,
}

impl Default for FlowParams {
    fn default() -> Self {
        FlowParams {
            cutoff: DEFAULT_TAO_FLOW_CUTOFF,
            exponent: DEFAULT_FLOW_NORM_EXPONENT,
        }
    }
}

/// Each eligible subnet's TAO emission for the block (U96F32, rao) under `rule`, from the block
/// emission (rao). The dispatch is at the emission level, not the share level, because the raw
/// moving-price rule has no share step (see [`tao_in_moving_price_raw`]).
pub fn block_emissions_for(
    rule: EmissionRule,
    block_emission: u64,
    subnets: &[EmissionInput],
    flow: FlowParams,
) -> Vec<U96F32> {
    match rule {
        EmissionRule::PriceEma => {
            let inputs: Vec<ShareInput> = subnets.iter().map(|s| s.share).collect();
            subnet_block_emissions(block_emission, &get_shares(&inputs))
        }
        EmissionRule::TaoFlow => {
            let ema_flows: Vec<I64F64> = subnets.iter().map(|s| s.ema_flow).collect();
            let shares = get_shares_flow(&ema_flows, flow.cutoff, flow.exponent);
            subnet_block_emissions(block_emission, &shares)
        }
        EmissionRule::MovingPriceRaw => {
            let prices: Vec<U96F32> = subnets
                .iter()
                .map(|s| U96F32::saturating_from_num(s.share.moving_price))
                .collect();
            tao_in_moving_price_raw(block_emission, &prices)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_sqrt_is_within_its_epsilon() {
        let epsilon = U64F64_ONE.safe_div(U64F64::saturating_from_num(1_000));
        for x in [0u64, 1, 2, 1_000, 2_147_483_647, 1 << 40] {
            let x = U64F64::saturating_from_num(x);
            let root = checked_sqrt(x, epsilon);
            if x > U64F64_ZERO {
                assert!(abs_diff(x.safe_div(root), root) <= epsilon, "√{x} = {root}");
            } else {
                assert!(root <= epsilon);
            }
        }
    }

    /// Source: subtensor primitives/safe-math/src/lib.rs, `checked_sqrt` (issue 16, item 3):
    /// for x ≤ 1 the bisection starts on [x, 1], so √1 is found at once, exactly (starting on
    /// [0, 1] it would stop within ε of 1, below it).
    #[test]
    fn checked_sqrt_of_one_is_exact() {
        let epsilon = U64F64_ONE.safe_div(U64F64::saturating_from_num(1_000));
        assert_eq!(checked_sqrt(U64F64_ONE, epsilon), U64F64_ONE);
        let quarter = U64F64_ONE.safe_div(U64F64::saturating_from_num(4));
        let root = checked_sqrt(quarter, epsilon);
        assert!(root >= quarter && root <= U64F64_ONE, "in [x, 1]: {root}");
    }

    /// Source: subtensor pallets/subtensor/src/coinbase/subnet_emissions.rs, `safe_pow`
    /// (issue 16, item 3): `ln` failure → 0; `exp` failure → `i32::MAX` for either sign.
    #[test]
    fn safe_pow_saturates_to_i32_max_on_exp_failure_of_either_sign() {
        let two = U64F64::saturating_from_num(2);
        let i32_max = U64F64::saturating_from_num(i32::MAX);
        assert_eq!(safe_pow(U64F64_ZERO, two), U64F64_ZERO);
        // ln(2·2⁻³²) fails → 0.
        assert_eq!(safe_pow(U64F64::from_bits(2 << 32), two), U64F64_ZERO);
        // ln(3·2⁻³²) · 2 ≈ −42: exp fails on the negative side → i32::MAX, not 0.
        assert_eq!(safe_pow(U64F64::from_bits(3 << 32), two), i32_max);
        // ln(2³⁰) · 2 ≈ 41.6: exp fails on the positive side → i32::MAX (no fraction bits).
        let big = safe_pow(U64F64::saturating_from_num(1u64 << 30), two);
        assert_eq!(big, i32_max);
        let nine = safe_pow(U64F64::saturating_from_num(3), two);
        let tolerance = U64F64_ONE.safe_div(U64F64::saturating_from_num(100_000));
        assert!(abs_diff(nine, U64F64::saturating_from_num(9)) < tolerance);
    }
}
