//! The pool's power function: `(a/b)^(p/q) × scale`, floored, on big integers
//! ([`pow_ratio_scaled`]).
//!
//! Ported from safe-bigmath 0.4.2 (MIT, © sam0x17), `SafeInt::pow_ratio_scaled`, which the
//! chain's swap pallet uses; kept line-for-line equivalent so results are identical. Only that
//! call path is ported: `pow_ratio_scaled_with_max_iters` and its private helpers
//! (`gcd_biguint`, `pow_biguint`, `nth_root_ratio_floor`, `ln1p_fixed`, `exp_fixed`,
//! `ln_biguint`, `round_to_precision`) with the same constants; `SafeInt` is replaced by the
//! `BigInt` it wraps. Two paths:
//! * exact, when the reduced exponent `p/q` has `p, q ≤ 1024`: `⌊(scaleᵠ·aᵖ/bᵖ)^(1/q)⌋` by an
//!   integer root (binary search), e.g. `⌊scale·a/b⌋` for equal pool weights;
//! * otherwise fixed-point `exp(p/q · (ln a − ln b))` by Taylor series with 24 guard bits,
//!   stopping when the rounded digits stop changing.
//!
//! [`pow_ratio_scaled`] (the pool's `u128` entry point) computes the same integers faster:
//! the series path on fixed-width stack integers (module `limbs`, the same operations in the same
//! order) and `q = 1` on the exact path by a division (the largest `r` with `r·d ≤ n` is
//! `⌊n/d⌋`, which is what the integer root's binary search finds for `q = 1`), falling back to
//! the `BigInt` code ([`pow_ratio_scaled_reference`]) whenever an intermediate would not fit.
//! For a base just below 1 (a swap's `reserve / (reserve + amount)`), a shorter series that
//! is not the crate's answers first, but only where an error bound proves its floor equal to
//! the crate's (`limbs::pow_near_one`); elsewhere the crate's series run.
//!
//! May depend on: `num-bigint`, `num-integer`, `num-traits` (pure Rust, used without default
//! features: their `std` features add no arithmetic), `chain::wide`.
//!
//! Licence: the ported code is MIT-licensed, "Copyright (c) sam0x17"; the MIT licence's
//! permission notice is reproduced in full in `src/chain/LICENSE-safe-bigmath`, which must
//! accompany copies or substantial portions of this file.

mod limbs;

use crate::chain::wide::U256;
use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// Default iteration cap for the fixed-point approximation used by `pow_ratio_scaled` when
/// large exponents require the fallback path.
pub const DEFAULT_MAX_ITERS: usize = 4_096;
/// Largest reduced exponent numerator and denominator taking the exact integer-root path.
const MAX_EXACT_EXPONENT: u32 = 1_024;

/// `SafeInt::pow_ratio_scaled(num, den, exp_num, exp_den, precision, scale)` on `u128`
/// operands, the shape the pool uses: `(num/den)^(exp_num/exp_den) × scale`, floored (exactly
/// on the exact path, to the series' accuracy otherwise). `None` when `den` or `exp_den` is 0
/// (as the crate); `Some(0)` when `num` is 0; `Some(scale)` when `exp_num` is 0. A result that
/// does not fit a `u128` (including a negative one, which the series can produce for extreme
/// inputs) saturates to `u128::MAX` — the conversion the pool applied to the crate's `SafeInt`.
///
/// Equal to [`pow_ratio_scaled_reference`] for every input, computed on fixed-width integers
/// where they suffice (see the module documentation).
pub fn pow_ratio_scaled(
    base_numerator: u128,
    base_denominator: u128,
    exponent_numerator: u128,
    exponent_denominator: u128,
    precision: u32,
    scale: u128,
) -> Option<u128> {
    let (a, b) = (base_numerator, base_denominator);
    if b == 0 || exponent_denominator == 0 {
        return None;
    }
    if a == 0 {
        return Some(0);
    }
    if exponent_numerator == 0 {
        return Some(scale);
    }
    let g = gcd_u128(exponent_numerator, exponent_denominator);
    let (p, q) = (exponent_numerator / g, exponent_denominator / g);
    let exact = p <= u128::from(MAX_EXACT_EXPONENT) && q <= u128::from(MAX_EXACT_EXPONENT);
    let fast = if exact {
        match (p, q) {
            // ⌊scale·a / b⌋: the largest r with r·b ≤ scale·a.
            (1, 1) => Some(U256::mul_u128(a, scale).div_rem_u128(b).map_or(
                u128::MAX,
                |(quotient, _)| {
                    if quotient.hi == 0 {
                        quotient.lo
                    } else {
                        u128::MAX
                    }
                },
            )),
            // ⌊scale·aᵖ / bᵖ⌋.
            (p, 1) => {
                let p = p as u32;
                let root =
                    (BigUint::from(a).pow(p) * BigUint::from(scale)) / BigUint::from(b).pow(p);
                Some(root.to_u128().unwrap_or(u128::MAX))
            }
            _ => None,
        }
    } else {
        let scale_bits = u128::BITS - scale.leading_zeros();
        let requested_precision = precision.max(32).max(scale_bits.saturating_add(8));
        limbs::pow_near_one(a, b, p, q, requested_precision, scale)
            .or_else(|| limbs::pow_series(a, b, p, q, requested_precision, scale))
    };
    fast.or_else(|| {
        pow_ratio_scaled_reference(
            base_numerator,
            base_denominator,
            exponent_numerator,
            exponent_denominator,
            precision,
            scale,
        )
    })
}

/// [`pow_ratio_scaled`] on the `BigInt` code as ported ([`pow_ratio_scaled_with_max_iters`]),
/// kept as the reference the fast paths are checked against.
pub fn pow_ratio_scaled_reference(
    base_numerator: u128,
    base_denominator: u128,
    exponent_numerator: u128,
    exponent_denominator: u128,
    precision: u32,
    scale: u128,
) -> Option<u128> {
    pow_ratio_scaled_with_max_iters(
        &BigInt::from(base_numerator),
        &BigInt::from(base_denominator),
        &BigInt::from(exponent_numerator),
        &BigInt::from(exponent_denominator),
        precision,
        &BigInt::from(scale),
        None,
    )
    .map(|result| result.to_u128().unwrap_or(u128::MAX))
}

/// `SafeInt::pow_ratio_scaled_with_max_iters`, line for line: `(base_numerator /
/// base_denominator)^(exponent_numerator / exponent_denominator) × scale`, with an iteration cap
/// for the series path (`None`: [`DEFAULT_MAX_ITERS`], further capped by the precision).
/// `SafeInt::pow_ratio_scaled` is this function with `max_iters = None`.
pub fn pow_ratio_scaled_with_max_iters(
    base_numerator: &BigInt,
    base_denominator: &BigInt,
    exponent_numerator: &BigInt,
    exponent_denominator: &BigInt,
    precision: u32,
    scale: &BigInt,
    max_iters: Option<usize>,
) -> Option<BigInt> {
    if base_denominator.is_zero() || exponent_denominator.is_zero() {
        return None;
    }
    if base_numerator.is_zero() {
        return Some(BigInt::zero());
    }
    if scale.is_negative() {
        return None;
    }
    // Restrict to positive base
    if base_numerator.is_negative() || base_denominator.is_negative() {
        return None;
    }

    let base_num = base_numerator.to_biguint()?;
    let base_den = base_denominator.to_biguint()?;
    let mut exp_num = exponent_numerator.to_biguint()?;
    let mut exp_den = exponent_denominator.to_biguint()?;

    if exp_num.is_zero() {
        return Some(scale.clone());
    }

    let g = gcd_biguint(exp_num.clone(), exp_den.clone());
    if g > BigUint::one() {
        exp_num /= g.clone();
        exp_den /= g;
    }

    let scale_abs = scale.to_biguint()?;
    let scale_bits = u32::try_from(scale_abs.bits()).unwrap_or(u32::MAX);

    let exp_num_bits = exp_num.bits();
    let exp_den_bits = exp_den.bits();
    if exp_num_bits <= 32 && exp_den_bits <= 32 {
        let exp_num_u32 = exp_num.to_u32()?;
        let exp_den_u32 = exp_den.to_u32()?;
        if exp_den_u32 == 0 {
            return None;
        }

        if exp_num_u32 <= MAX_EXACT_EXPONENT && exp_den_u32 <= MAX_EXACT_EXPONENT {
            let base_num_pow = base_num.pow(exp_num_u32);
            let base_den_pow = base_den.pow(exp_num_u32);
            let scale_pow = scale_abs.pow(exp_den_u32);

            let target_num = base_num_pow * scale_pow;
            let target_den = base_den_pow;

            let root = nth_root_ratio_floor(&target_num, &target_den, exp_den_u32);
            return Some(BigInt::from_biguint(Sign::Plus, root));
        }
    }

    // Fallback path for large exponents: approximate using fixed-point log/exp with guard bits.
    // The minimum precision grows with the magnitude of `scale` so that coarse requested
    // precisions still leave enough fractional bits for an accurate scaled integer.
    let requested_precision = precision.max(32).max(scale_bits.saturating_add(8));
    let guard_bits: u32 = 24;
    let internal_precision = requested_precision.saturating_add(guard_bits);
    let default_max_iters = DEFAULT_MAX_ITERS.min(internal_precision as usize + 128);
    let max_iters = max_iters.unwrap_or(default_max_iters).max(1);

    let target_scale_uint = BigUint::one() << requested_precision;
    let guard_factor_uint = BigUint::one() << guard_bits;
    let internal_scale_uint = &target_scale_uint << guard_bits;

    let target_scale = BigInt::from_biguint(Sign::Plus, target_scale_uint);
    let guard_factor = BigInt::from_biguint(Sign::Plus, guard_factor_uint);
    let internal_scale = BigInt::from_biguint(Sign::Plus, internal_scale_uint.clone());

    let ln_half = ln1p_fixed(
        &(-(&internal_scale >> 1usize)),
        &internal_scale,
        &guard_factor,
        max_iters,
    );
    let ln_two = -ln_half;

    // ln(base_num) − ln(base_den) from mantissas normalized near 1.0, for convergence whatever
    // the size of the ratio.
    let ln_num = ln_biguint(
        &base_num,
        internal_precision,
        &internal_scale_uint,
        &internal_scale,
        &guard_factor,
        &ln_two,
        max_iters,
    );
    let ln_den = ln_biguint(
        &base_den,
        internal_precision,
        &internal_scale_uint,
        &internal_scale,
        &guard_factor,
        &ln_two,
        max_iters,
    );
    let ln_base = ln_num - ln_den;

    let ln_scaled = (ln_base * BigInt::from_biguint(Sign::Plus, exp_num))
        .div_floor(&BigInt::from_biguint(Sign::Plus, exp_den));
    let exp_fp = exp_fixed(&ln_scaled, &internal_scale, &guard_factor, max_iters);
    let exp_requested = round_to_precision(&exp_fp, &guard_factor);
    let result =
        (exp_requested * BigInt::from_biguint(Sign::Plus, scale_abs)).div_floor(&target_scale);

    Some(result)
}

/// Greatest common divisor by Euclid's algorithm.
fn gcd_biguint(mut a: BigUint, mut b: BigUint) -> BigUint {
    while !b.is_zero() {
        let r = &a % &b;
        a = b;
        b = r;
    }
    a
}

/// Greatest common divisor of two non-zero `u128` by Euclid's algorithm (as
/// [`gcd_biguint`]).
fn gcd_u128(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `base^exp`.
fn pow_biguint(base: &BigUint, exp: u32) -> BigUint {
    base.pow(exp)
}

/// The largest `r` with `r^q × target_den ≤ target_num` (0 for `q = 0`), by doubling then
/// binary search.
fn nth_root_ratio_floor(target_num: &BigUint, target_den: &BigUint, q: u32) -> BigUint {
    if q == 0 {
        return BigUint::zero();
    }

    let mut low = BigUint::zero();
    let mut high = BigUint::one();
    while pow_biguint(&high, q) * target_den <= *target_num {
        high <<= 1;
    }

    while low < high {
        let mid = (&low + &high + 1u32) >> 1;
        if pow_biguint(&mid, q) * target_den <= *target_num {
            low = mid;
        } else {
            high = mid - BigUint::one();
        }
    }

    low
}

/// Fixed-point `ln(1 + x)` by its Taylor series, stopping once the value rounded to the target
/// precision stops changing or the term falls below the guard factor.
fn ln1p_fixed(x_fp: &BigInt, scale: &BigInt, guard_factor: &BigInt, max_iters: usize) -> BigInt {
    let mut term = x_fp.clone();
    let mut result = term.clone();
    let mut prev_rounded = round_to_precision(&result, guard_factor);
    for n in 2..=max_iters {
        term = (&term * x_fp).div_floor(scale);
        if term.is_zero() {
            break;
        }

        let next = term.div_floor(&BigInt::from(n as u32));
        if next.is_zero() {
            break;
        }

        if n % 2 == 0 {
            result -= &next;
        } else {
            result += &next;
        }

        let rounded = round_to_precision(&result, guard_factor);
        if next.abs() < guard_factor.abs() || rounded == prev_rounded {
            break;
        }
        prev_rounded = rounded;
    }

    result
}

/// Fixed-point `exp(x)` by its Taylor series, stopping once the value rounded to the target
/// precision stops changing or the term falls below the guard factor.
fn exp_fixed(x_fp: &BigInt, scale: &BigInt, guard_factor: &BigInt, max_iters: usize) -> BigInt {
    let mut term = scale.clone(); // 1.0 in fixed-point space
    let mut result = term.clone();
    let mut prev_rounded = round_to_precision(&result, guard_factor);
    for n in 1..=max_iters {
        term = (&term * x_fp).div_floor(&(scale * BigInt::from(n as u32)));
        if term.is_zero() {
            break;
        }
        result += &term;

        let rounded = round_to_precision(&result, guard_factor);
        if term.abs() < guard_factor.abs() || rounded == prev_rounded {
            break;
        }
        prev_rounded = rounded;
    }

    result
}

/// Fixed-point `ln(value)`: `ln(m) + shift × ln 2` with the mantissa `m = value / 2^shift`
/// kept in [0.5, 1.5) for fast `ln1p` convergence.
fn ln_biguint(
    value: &BigUint,
    internal_precision: u32,
    internal_scale_uint: &BigUint,
    internal_scale: &BigInt,
    guard_factor: &BigInt,
    ln_two: &BigInt,
    max_iters: usize,
) -> BigInt {
    debug_assert!(!value.is_zero());
    if value.is_zero() {
        return BigInt::zero();
    }

    let int_prec = internal_precision as usize;
    let mut shift = value.bits().saturating_sub(1);
    let mut mantissa = value.clone() << int_prec;
    mantissa >>= shift;

    let half_scale = internal_scale_uint >> 1;
    let scale_plus_half = internal_scale_uint + &half_scale;
    if mantissa >= scale_plus_half {
        mantissa >>= 1;
        shift = shift.saturating_add(1);
    }

    let mantissa_int = BigInt::from_biguint(Sign::Plus, mantissa);
    let ln_mantissa = ln1p_fixed(
        &(mantissa_int - internal_scale),
        internal_scale,
        guard_factor,
        max_iters,
    );

    ln_mantissa + ln_two * BigInt::from(shift)
}

/// `value / guard_factor` rounded to nearest, ties away from zero.
fn round_to_precision(value: &BigInt, guard_factor: &BigInt) -> BigInt {
    let (mut truncated, remainder) = value.div_rem(guard_factor);
    if !remainder.is_zero() && (remainder.abs() << 1) >= guard_factor.abs() {
        truncated += remainder.signum();
    }
    truncated
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `ln 2` as the series path computes it at internal precision `k` with the default cap:
    /// `−ln1p_fixed(−2^(k−1), 2ᵏ, 2²⁴, min(4096, k + 128))`, as magnitude limbs.
    fn reference_ln_two(k: u32) -> Vec<u64> {
        let scale = BigInt::one() << k;
        let guard = BigInt::one() << 24u32;
        let max_iters = DEFAULT_MAX_ITERS.min(k as usize + 128);
        let ln_two = -ln1p_fixed(&(-(&scale >> 1usize)), &scale, &guard, max_iters);
        assert!(ln_two.is_positive());
        ln_two.magnitude().to_u64_digits()
    }

    /// The `ln 2` constants of the fixed-width path are the series' own values.
    #[test]
    fn ln_two_constants_are_the_series_values() {
        assert_eq!(reference_ln_two(280), limbs::LN_TWO_280);
        assert_eq!(reference_ln_two(1048), limbs::LN_TWO_1048);
    }

    /// The crate's doc example: ⌊(2/3)^(1/2) × 1000⌋ = 816.
    #[test]
    fn square_root_example() {
        assert_eq!(pow_ratio_scaled(2, 3, 1, 2, 0, 1_000), Some(816));
    }

    /// Source: safe-bigmath 0.4.2 `pow_ratio_scaled` early returns.
    #[test]
    fn degenerate_operands() {
        assert_eq!(pow_ratio_scaled(5, 0, 1, 2, 256, 1_000), None);
        assert_eq!(pow_ratio_scaled(5, 7, 1, 0, 256, 1_000), None);
        assert_eq!(pow_ratio_scaled(0, 7, 1, 3, 256, 1_000), Some(0));
        assert_eq!(pow_ratio_scaled(5, 7, 0, 3, 256, 1_000), Some(1_000));
        let negative = BigInt::from(-1);
        let one = BigInt::one();
        let none =
            pow_ratio_scaled_with_max_iters(&one, &one, &one, &one, 0, &negative, None).is_none();
        assert!(none);
    }

    const ONE: u128 = 1_000_000_000_000_000_000;

    /// Both implementations on one input, compared exactly.
    fn same(a: u128, b: u128, p: u128, q: u128, precision: u32, scale: u128) -> Option<u128> {
        let fast = pow_ratio_scaled(a, b, p, q, precision, scale);
        let reference = pow_ratio_scaled_reference(a, b, p, q, precision, scale);
        assert_eq!(
            fast, reference,
            "({a}/{b})^({p}/{q}) × {scale} at precision {precision}"
        );
        fast
    }

    /// Edge cases: degenerate operands, exponent 1/1 and p/1 (the exact path's division),
    /// ratio 1, tiny and huge ratios, extreme exponents, scales and precisions (including
    /// ones beyond the fixed widths, which fall back to the `BigInt` code).
    #[test]
    fn fast_paths_match_the_reference_on_edge_cases() {
        let max = u128::MAX;
        let bases = [
            (0, 1),
            (1, 0),
            (0, 0),
            (1, 1),
            (7, 7),
            (max, max),
            (1, max),
            (max, 1),
            (max, max - 1),
            (max - 1, max),
            (1, 2),
            (2, 1),
            (3, 2),
            (u128::from(u64::MAX), u128::from(u64::MAX) + 1),
            (1_000_000, 1_000_000_000),
            (1_000_000_000_000, 1_000_001_000_000),
            (123_456_789_012_345, 123_456_790_246_912),
            (1 << 64, 3 << 63),
            (5 << 62, 1 << 64),
            (1, 1001),
        ];
        let exponents = [
            (0, 1),
            (1, 0),
            (1, 1),
            (5, 5),
            (2, 1),
            (9, 1),
            (1_024, 1),
            (1, 2),
            (ONE / 2, ONE / 2),
            (ONE / 10, ONE - ONE / 10),
            (ONE - ONE / 10, ONE / 10),
            (ONE / 100, ONE - ONE / 100),
            (ONE - ONE / 100, ONE / 100),
            (437_123_456_789_012_345, ONE - 437_123_456_789_012_345),
            (ONE - 1, 1),
            (1, ONE - 1),
            (1_025, 1_024),
            (1_024, 1_025),
            (1_025, 1),
            (1, 1_025),
            (333_333_333_333_333_333, ONE),
            (666_666_666_666_666_667, ONE),
            (max, max - 1),
            (max - 1, max),
            (1 << 100, (1 << 100) + 1),
        ];
        let settings = [
            (256, ONE),
            (1024, ONE),
            (0, ONE),
            (0, 1_000),
            (0, 0),
            (256, 0),
            (256, 1),
            (256, max),
            (1024, max),
            (255, ONE),
            (276, ONE),
            (277, ONE),
            (1056, ONE),
            (1057, ONE),
            (2048, ONE),
        ];
        for &(a, b) in &bases {
            for &(p, q) in &exponents {
                // The exact path's integer root for q > 1 is the same code on both sides
                // (and slow for huge bases and exponents).
                let g = gcd_u128(p.max(1), q.max(1));
                let (pr, qr) = (p / g, q / g);
                if qr > 1 && pr <= 1_024 && qr <= 1_024 && (a.max(b) > 1 << 64 || pr > 2) {
                    continue;
                }
                for &(precision, scale) in &settings {
                    same(a, b, p, q, precision, scale);
                }
            }
        }
    }

    /// The pool's shapes take the fixed-width path rather than falling back, and agree.
    #[test]
    fn pool_shapes_take_the_fixed_width_path() {
        let w = 437_123_456_789_012_345;
        let (x, delta) = (123_456_789_012_345_u128, 1_234_567_890_u128);
        let fast = limbs::pow_series(x, x + delta, w, ONE - w, 256, ONE);
        assert!(fast.is_some());
        assert_eq!(
            fast,
            pow_ratio_scaled_reference(x, x + delta, w, ONE - w, 256, ONE)
        );
        let (limit, price) = (3_u128 << 63, 5_u128 << 62);
        let fast = limbs::pow_series(limit, price, w, ONE, 1024, ONE);
        assert!(fast.is_some());
        assert_eq!(
            fast,
            pow_ratio_scaled_reference(limit, price, w, ONE, 1024, ONE)
        );
    }

    /// Equal weights reduce to the exponent 1/1: the exact quotient.
    #[test]
    fn unit_exponent_is_the_floored_quotient() {
        let scale = 1_000_000_000_000_000_000_u128;
        let (a, b) = (123_456_789_u128, 987_654_321_u128);
        let expected = a * scale / b;
        assert_eq!(pow_ratio_scaled(a, b, 7, 7, 256, scale), Some(expected));
    }

    /// A `u64` spread over magnitudes: a random value shifted right by 0–63 bits, at least 1.
    fn spread_u64() -> impl Strategy<Value = u64> {
        (any::<u64>(), 0u32..64).prop_map(|(v, s)| (v >> s).max(1))
    }

    /// A `u128` spread over magnitudes, at least 1.
    fn spread_u128() -> impl Strategy<Value = u128> {
        (any::<u128>(), 0u32..128).prop_map(|(v, s)| (v >> s).max(1))
    }

    /// A pool weight in `Perquintill` parts: mostly in [0.01, 0.99] (the pool's bounds),
    /// sometimes anywhere in (0, 1), sometimes near 0.5.
    fn weight() -> impl Strategy<Value = u128> {
        prop_oneof![
            6 => (ONE / 100)..=(ONE - ONE / 100),
            2 => 1..ONE,
            2 => (0u128..2_000_000_000).prop_map(|d| ONE / 2 - 1_000_000_000 + d),
        ]
    }

    /// `convert_deltas`: `(x / (x + Δ))^(w2/w1)` (or `w1/w2`) with `x` a `u64` reserve and `Δ`
    /// up to 1000·x, precision 256, scale 10¹⁸.
    fn pool_output(x: u64, delta: u64, w: u128, buy: bool) -> Result<(), TestCaseError> {
        let x = u128::from(x);
        let delta = u128::from(delta) % (1_000 * x) + 1;
        let (p, q) = if buy { (ONE - w, w) } else { (w, ONE - w) };
        let fast = pow_ratio_scaled(x, x + delta, p, q, 256, ONE);
        let reference = pow_ratio_scaled_reference(x, x + delta, p, q, 256, ONE);
        prop_assert_eq!(fast, reference, "({}/{})^({}/{})", x, x + delta, p, q);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3_000))]

        /// Swap outputs: reserve ratios of `u64` amounts, Perquintill weight ratios,
        /// precision 256, scale 10¹⁸.
        #[test]
        fn pool_outputs_match_the_reference(
            x in spread_u64(),
            delta in spread_u64(),
            w in weight(),
            buy in any::<bool>(),
        ) {
            pool_output(x, delta, w, buy)?;
        }
    }

    /// A swap's power when the amount is at most a sixteenth of the reserve: the near-one
    /// path, where it answers, and the crate's series (fixed-width) give the same integer.
    fn near_one_matches(x: u64, delta: u64, w: u128, buy: bool) -> Option<bool> {
        let x = u128::from(x).max(16);
        let delta = u128::from(delta) % (x / 15) + 1;
        let (p, q) = if buy { (ONE - w, w) } else { (w, ONE - w) };
        let near = limbs::pow_near_one(x, x + delta, p, q, 256, ONE)?;
        Some(Some(near) == limbs::pow_series(x, x + delta, p, q, 256, ONE))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3_000))]

        /// Small swaps on any reserve and weights: the near-one path never disagrees.
        #[test]
        fn the_near_one_path_gives_the_crates_floor(
            x in spread_u64(),
            delta in spread_u64(),
            w in (ONE / 100)..=(ONE - ONE / 100),
            buy in any::<bool>(),
        ) {
            prop_assert_ne!(near_one_matches(x, delta, w, buy), Some(false));
        }
    }

    /// The near-one path answers for the swaps it is for (it may decline only when its value
    /// falls within 2⁻⁶⁴ of an integer), and declines outside its range.
    #[test]
    fn the_near_one_path_answers_small_swaps() {
        let mut state = 7_u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            state
        };
        for _ in 0..500 {
            let x = (next() >> 8).max(1 << 20);
            let delta = next() % (x >> 8) + 1;
            let w = u128::from(next()) % (ONE - ONE / 50) + ONE / 100;
            assert_eq!(near_one_matches(x, delta, w, next() % 2 == 0), Some(true));
        }
        let w = 437_123_456_789_012_345;
        assert_eq!(
            limbs::pow_near_one(1_000, 1_100, w, ONE - w, 256, ONE),
            None
        );
        assert_eq!(
            limbs::pow_near_one(1_000, 1_001, w, ONE - w, 1024, ONE),
            None
        );
        assert_eq!(limbs::pow_near_one(1_000, 1_001, ONE, 1, 256, ONE), None);
    }

    /// `ln1p_fixed` and `exp_fixed` stopping on the step's size alone, the fixed-width path's
    /// rule (`limbs::series_done`).
    fn series_by_step(x_fp: &BigInt, scale: &BigInt, guard: &BigInt, ln1p: bool) -> BigInt {
        let (mut term, mut result) = match ln1p {
            true => (x_fp.clone(), x_fp.clone()),
            false => (scale.clone(), scale.clone()),
        };
        for n in if ln1p {
            2..=DEFAULT_MAX_ITERS
        } else {
            1..=DEFAULT_MAX_ITERS
        } {
            let step = if ln1p {
                term = (&term * x_fp).div_floor(scale);
                let next = term.div_floor(&BigInt::from(n as u32));
                if term.is_zero() || next.is_zero() {
                    break;
                }
                if n % 2 == 0 { -next } else { next }
            } else {
                term = (&term * x_fp).div_floor(&(scale * BigInt::from(n as u32)));
                if term.is_zero() {
                    break;
                }
                term.clone()
            };
            result += &step;
            if step.abs() < *guard {
                break;
            }
        }
        result
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// The crate's second stopping test (the rounded sum unchanged) never decides: the
        /// series stop at the same step, with the same sum, on the step's size alone.
        #[test]
        fn the_series_stop_on_the_step_size_alone(
            bits in any::<u64>(),
            low in any::<u64>(),
            negative in any::<bool>(),
            shift in 0u32..24,
        ) {
            let k = 280u32;
            let scale = BigInt::one() << k;
            let guard = BigInt::one() << 24u32;
            // |x| < 2ᵏ⁻¹ (the mantissas' range and more), down to a few guard units.
            let magnitude = ((BigInt::from(bits) << 64u32) | BigInt::from(low)) << 150u32 >> (shift * 8);
            let x = if negative { -magnitude } else { magnitude };
            prop_assert_eq!(
                ln1p_fixed(&x, &scale, &guard, DEFAULT_MAX_ITERS),
                series_by_step(&x, &scale, &guard, true)
            );
            let small = &x >> 6u32;
            prop_assert_eq!(
                exp_fixed(&small, &scale, &guard, DEFAULT_MAX_ITERS),
                series_by_step(&small, &scale, &guard, false)
            );
        }
    }

    /// `delta_to_limit`: `(limit / price)^(w/10¹⁸)` and `(price / limit)^(w/10¹⁸)` on U64F64
    /// price bits, precision 1024, scale 10¹⁸; plus the precision-256 shape on the same ratio.
    /// With an even `near` the limit is moved to within 10⁻⁶ relative of the price (as a limit
    /// just past the price gives).
    fn limit_powers(price: u128, limit: u128, w: u128, near: u128) -> Result<(), TestCaseError> {
        let limit = if near.is_multiple_of(2) {
            price.saturating_add(price / 1_000_000 * near / 1_000_000 + near)
        } else {
            limit
        };
        for (num, den) in [(limit, price), (price, limit)] {
            let fast = pow_ratio_scaled(num, den, w, ONE, 1024, ONE);
            let reference = pow_ratio_scaled_reference(num, den, w, ONE, 1024, ONE);
            prop_assert_eq!(fast, reference, "({}/{})^({}/10¹⁸) at 1024", num, den, w);
        }
        let fast = pow_ratio_scaled(price, limit, w, ONE - w, 256, ONE);
        let reference = pow_ratio_scaled_reference(price, limit, w, ONE - w, 256, ONE);
        prop_assert_eq!(fast, reference, "({}/{})^({}/{})", price, limit, w, ONE - w);
        Ok(())
    }

    /// Any operands: `u128` bases (sometimes 0), exponents of any size (sometimes 0), kept off
    /// the exact path's integer root for q > 1 (the `BigInt` code on both sides) and with
    /// `p/q < 2²⁰` so that the reference's series stay affordable, precisions 0–1 099 (the
    /// fixed widths and beyond) and any scale.
    fn any_operands() -> impl Strategy<Value = (u128, u128, u128, u128, u32, u128)> {
        let base = || prop_oneof![1 => Just(0u128), 9 => spread_u128()];
        let exponent = || prop_oneof![1 => Just(0u128), 3 => 1u128..2_000, 6 => spread_u128()];
        let precision = prop_oneof![Just(0u32), Just(256), Just(1024), 0u32..1_100];
        let scale = prop_oneof![Just(ONE), Just(0u128), spread_u128()];
        (base(), base(), exponent(), exponent(), precision, scale).prop_filter(
            "off the integer root, bounded exponent",
            |&(_, _, p, q, _, _)| {
                let g = gcd_u128(p.max(1), q.max(1));
                let root = q / g > 1 && p / g <= 1_024 && q / g <= 1_024 && p > 0;
                !root && p / q.max(1) < 1 << 20
            },
        )
    }

    fn same_on(
        (a, b, p, q, precision, scale): (u128, u128, u128, u128, u32, u128),
    ) -> Result<(), TestCaseError> {
        let fast = pow_ratio_scaled(a, b, p, q, precision, scale);
        let reference = pow_ratio_scaled_reference(a, b, p, q, precision, scale);
        prop_assert_eq!(
            fast,
            reference,
            "({}/{})^({}/{}) × {} at {}",
            a,
            b,
            p,
            q,
            scale,
            precision
        );
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(600))]

        /// Amounts up to a limit price (precision 1024) and the same ratios at 256.
        #[test]
        fn limit_powers_match_the_reference(
            price in spread_u128(),
            limit in spread_u128(),
            w in weight(),
            near in 0u128..1_000_000,
        ) {
            limit_powers(price, limit, w, near)?;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1_500))]

        /// Any operands, precisions and scales.
        #[test]
        fn any_operands_match_the_reference(operands in any_operands()) {
            same_on(operands)?;
        }
    }

    /// A deterministic runner of `cases` cases.
    fn long_runner(cases: u32) -> proptest::test_runner::TestRunner {
        proptest::test_runner::TestRunner::new_with_rng(
            ProptestConfig::with_cases(cases),
            proptest::test_runner::TestRng::deterministic_rng(
                proptest::test_runner::RngAlgorithm::ChaCha,
            ),
        )
    }

    /// The long run (`cargo test --release --lib bigmath -- --ignored`), from a fixed seed:
    /// 200 000 swap outputs at precision 256, 20 000 limit cases (40 000 powers at precision
    /// 1024 and 20 000 at 256) and 20 000 arbitrary operand sets.
    #[test]
    #[ignore = "long: run in release"]
    fn fast_paths_match_the_reference_long() {
        long_runner(200_000)
            .run(
                &(spread_u64(), spread_u64(), weight(), any::<bool>()),
                |(x, delta, w, buy)| pool_output(x, delta, w, buy),
            )
            .unwrap();
        long_runner(20_000)
            .run(
                &(spread_u128(), spread_u128(), weight(), 0u128..1_000_000),
                |(price, limit, w, near)| limit_powers(price, limit, w, near),
            )
            .unwrap();
        long_runner(20_000).run(&any_operands(), same_on).unwrap();
    }
}
