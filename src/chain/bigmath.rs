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
//! May depend on: `num-bigint`, `num-integer`, `num-traits` (pure Rust, used without default
//! features: their `std` features add no arithmetic).
//!
//! Licence: the ported code is MIT-licensed, "Copyright (c) sam0x17"; the MIT licence's
//! permission notice is reproduced in full in `src/chain/LICENSE-safe-bigmath`, which must
//! accompany copies or substantial portions of this file.

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
pub fn pow_ratio_scaled(
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

    /// Equal weights reduce to the exponent 1/1: the exact quotient.
    #[test]
    fn unit_exponent_is_the_floored_quotient() {
        let scale = 1_000_000_000_000_000_000_u128;
        let (a, b) = (123_456_789_u128, 987_654_321_u128);
        let expected = a * scale / b;
        assert_eq!(pow_ratio_scaled(a, b, 7, 7, 256, scale), Some(expected));
    }
}
