//! Fixed-point types and conversions exactly as the chain uses them.
//!
//! The chain computes with `substrate-fixed` 0.6.0 (a port of the `fixed` crate): multiplication
//! floors (exact double-width product, arithmetic shift), division truncates toward zero,
//! narrowing conversions truncate the extra fractional bits. This module re-exports those types
//! and adds the helpers subtensor defines around them (`safe_div`, the u16-proportion
//! conversions of `epoch/math.rs`), plus [`FixedDivisor`], a bit-identical fast path for many
//! divisions by one divisor.
//!
//! May depend on: `substrate-fixed` only.

pub use substrate_fixed::types::{I32F32, I64F64, I96F32, U64F64, U96F32};

/// `safe_div` / `safe_div_or` of subtensor's `safe-math` primitive: checked division that returns
/// a default (0 for `safe_div`) on division by zero **and** on overflow (not saturation).
pub trait SafeDiv: Sized + Copy {
    /// `self / rhs`, or `default` when `rhs == 0` or the quotient overflows.
    fn safe_div_or(self, rhs: Self, default: Self) -> Self;
    /// `self / rhs`, or 0 when `rhs == 0` or the quotient overflows.
    fn safe_div(self, rhs: Self) -> Self;
}

macro_rules! impl_safe_div {
    ($($t:ty),*) => {$(
        impl SafeDiv for $t {
            #[inline]
            fn safe_div_or(self, rhs: Self, default: Self) -> Self {
                self.checked_div(rhs).unwrap_or(default)
            }
            #[inline]
            fn safe_div(self, rhs: Self) -> Self {
                self.safe_div_or(rhs, <$t>::from_bits(0))
            }
        }
    )*};
}
impl_safe_div!(I32F32, I64F64, I96F32, U64F64, U96F32);

/// I32F32 zero.
pub const ZERO: I32F32 = I32F32::from_bits(0);
/// I32F32 one.
pub const ONE: I32F32 = I32F32::from_bits(1 << 32);

/// `u16_to_fixed`: the raw u16 value as an I32F32 (65535 → 65535.0).
#[inline]
pub fn u16_to_fixed(x: u16) -> I32F32 {
    I32F32::from_bits(i64::from(x) << 32)
}

/// `u16_proportion_to_fixed`: `x / 65535` in I32F32 (truncated).
#[inline]
pub fn u16_proportion_to_fixed(x: u16) -> I32F32 {
    // I32F32 division computes ⌊x·2³² / 65535⌋; as 2³² = 65535·65537 + 1 this is
    // 65537·x + ⌊x / 65535⌋, i.e. one more unit only for x = 65535.
    let x = i64::from(x);
    I32F32::from_bits(65_537 * x + i64::from(x == 65_535))
}

/// `fixed_to_fixed_u16_proportion`: `x / 65535` (safe division).
#[inline]
pub fn fixed_to_fixed_u16_proportion(x: I32F32) -> I32F32 {
    x.safe_div(I32F32::from_num(u16::MAX))
}

/// A `u64` fraction of `u64::MAX` as U96F32, `x / u64::MAX` (truncated): `get_tao_weight`
/// (`TaoWeight`), `get_ck_burn` (`CKBurn`) and child-key proportions. `u64::MAX` gives exactly 1.
pub fn u64_proportion(x: u64) -> U96F32 {
    U96F32::saturating_from_num(x).safe_div(U96F32::saturating_from_num(u64::MAX))
}

/// A u16 proportion as U96F32, `x / 65_535` (truncated): the childkey and hotkey takes
/// (`get_hotkey_take_float`). 65_535 gives exactly 1.
pub fn u16_proportion(x: u16) -> U96F32 {
    U96F32::saturating_from_num(x).safe_div(U96F32::saturating_from_num(u16::MAX))
}

/// `fixed_proportion_to_u16`: `floor(x × 65535)`, saturating to `[0, 65535]`.
#[inline]
pub fn fixed_proportion_to_u16(x: I32F32) -> u16 {
    // = x.saturating_mul(65535).saturating_to_num::<u16>(): the product is exact in i128 and
    // the conversion floors.
    ((i128::from(x.to_bits()) * 65_535) >> 32).clamp(0, 65_535) as u16
}

/// `a.saturating_mul(b)` for I32F32, bit for bit, without the crate's 128×128-bit multiply:
/// the exact product floored to 32 fractional bits, clamped to the type's range.
#[inline]
pub fn mul_sat(a: I32F32, b: I32F32) -> I32F32 {
    let product = (i128::from(a.to_bits()) * i128::from(b.to_bits())) >> 32;
    let narrow = product as i64;
    if i128::from(narrow) == product {
        I32F32::from_bits(narrow)
    } else if product < 0 {
        I32F32::from_bits(i64::MIN)
    } else {
        I32F32::from_bits(i64::MAX)
    }
}

/// `a.saturating_add(b)` for I32F32, bit for bit: the saturating sum of the raw bits (the
/// crate computes the same through a generic overflow-and-select path).
#[inline]
pub fn add_sat(a: I32F32, b: I32F32) -> I32F32 {
    I32F32::from_bits(a.to_bits().saturating_add(b.to_bits()))
}

/// `a.wrapping_add(b)` for I32F32, bit for bit (the chain's `Sum` in a release build).
#[inline]
pub fn add_wrap(a: I32F32, b: I32F32) -> I32F32 {
    I32F32::from_bits(a.to_bits().wrapping_add(b.to_bits()))
}

/// `a.checked_mul(b)` for I32F32, bit for bit: `None` where the product leaves the range.
#[inline]
pub fn mul_checked(a: I32F32, b: I32F32) -> Option<I32F32> {
    let product = (i128::from(a.to_bits()) * i128::from(b.to_bits())) >> 32;
    i64::try_from(product).ok().map(I32F32::from_bits)
}

/// `fixed64_to_fixed32`: truncate the fraction to 32 bits, saturating the integer part.
#[inline]
pub fn fixed64_to_fixed32(x: I64F64) -> I32F32 {
    I32F32::saturating_from_num(x)
}

/// `fixed64_to_u64`: floor, saturating to `[0, u64::MAX]`.
#[inline]
pub fn fixed64_to_u64(x: I64F64) -> u64 {
    x.saturating_to_num::<u64>()
}

/// A divisor prepared for many exact I32F32 divisions `a / d` (row and column normalisation).
///
/// The quotient is estimated with one f64 multiplication and then corrected with exact integer
/// arithmetic until `0 ≤ a·2³² − q·d < d`, so the result is the truncated quotient the chain's
/// 128-by-64-bit division gives, bit for bit. Inputs outside the fast domain (negative values,
/// quotients beyond 2⁵⁰) take the crate's own division.
#[derive(Clone, Copy, Debug)]
pub struct FixedDivisor {
    d: i64,
    inv: f64,
}

impl FixedDivisor {
    /// Prepares division by `d` (any value; zero is handled by the callers' semantics).
    #[inline]
    pub fn new(d: I32F32) -> Self {
        let d = d.to_bits();
        // 2^32 / d, so that q ≈ a_bits · inv.
        let inv = if d > 0 {
            4_294_967_296.0 / d as f64
        } else {
            0.0
        };
        FixedDivisor { d, inv }
    }

    /// `a.checked_div(d)` computed exactly; `None` on division by zero or overflow.
    #[inline]
    pub fn checked_div(&self, a: I32F32) -> Option<I32F32> {
        let a_bits = a.to_bits();
        if self.d > 0 && a_bits >= 0 {
            let estimate = a_bits as f64 * self.inv;
            if estimate < 1.0e15 {
                return Some(I32F32::from_bits(self.correct(a_bits, estimate as i64)));
            }
        }
        a.checked_div(I32F32::from_bits(self.d))
    }

    /// `a.safe_div(d)`: 0 on division by zero or overflow.
    #[inline]
    pub fn safe_div(&self, a: I32F32) -> I32F32 {
        self.checked_div(a).unwrap_or(ZERO)
    }

    /// `a.saturating_div(d)` (differs from `safe_div` only on overflow). Where the crate would
    /// panic (`d == 0`) this returns 0; the chain never divides by a zero sum here.
    #[inline]
    pub fn saturating_div(&self, a: I32F32) -> I32F32 {
        match self.checked_div(a) {
            Some(q) => q,
            None if self.d == 0 => ZERO,
            None => a.saturating_div(I32F32::from_bits(self.d)),
        }
    }

    /// Corrects the estimate `q` of `floor(a·2³² / d)` (a ≥ 0, d > 0) to the exact value.
    #[inline]
    fn correct(&self, a_bits: i64, mut q: i64) -> i64 {
        let numerator = i128::from(a_bits) << 32;
        let d = i128::from(self.d);
        let mut rem = numerator - i128::from(q) * d;
        while rem < 0 {
            q -= 1;
            rem += d;
        }
        while rem >= d {
            q += 1;
            rem -= d;
        }
        q
    }
}

/// `U64F64::from_num(n).safe_div(U64F64::from_num(d))`, bit for bit, by one `u128`
/// division: the quotient's bits are `⌊n·2⁶⁴ / d⌋` (the crate truncates, and `n·2⁶⁴ / d < 2¹²⁸`
/// for `d ≥ 1`, so it never overflows), and 0 for `d = 0` as `safe_div` gives. The crate's
/// general division of two U64F64 runs a 256-by-128-bit loop; this is several times cheaper.
#[inline]
pub fn u64_ratio(n: u64, d: u64) -> U64F64 {
    if d == 0 {
        return U64F64::from_bits(0);
    }
    U64F64::from_bits((u128::from(n) << 64) / u128::from(d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn u16_proportions_match_crate_division() {
        for x in 0..=u16::MAX {
            let crate_div = I32F32::from_num(x) / I32F32::from_num(u16::MAX);
            assert_eq!(u16_proportion_to_fixed(x), crate_div, "x = {x}");
        }
    }

    #[test]
    fn proportion_to_u16_floors_and_saturates() {
        assert_eq!(fixed_proportion_to_u16(I32F32::from_num(0.75)), 49151);
        assert_eq!(fixed_proportion_to_u16(ONE), 65535);
        assert_eq!(fixed_proportion_to_u16(I32F32::from_num(2)), 65535);
        assert_eq!(fixed_proportion_to_u16(I32F32::from_num(-1)), 0);
        // Reading a stored u16 as a truncated proportion and storing it again loses one unit,
        // except at 0 and 65535 (spec §16.2): Yuma3 bonds drift down by it when unchanged.
        assert_eq!(
            fixed_proportion_to_u16(u16_proportion_to_fixed(49151)),
            49150
        );
        assert_eq!(
            fixed_proportion_to_u16(u16_proportion_to_fixed(65535)),
            65535
        );
        assert_eq!(fixed_proportion_to_u16(u16_proportion_to_fixed(0)), 0);
    }

    #[test]
    fn fast_multiplication_matches_the_crate_at_the_edges() {
        let edges = [
            i64::MIN,
            i64::MIN + 1,
            -(1 << 32),
            -1,
            0,
            1,
            1 << 31,
            1 << 32,
            i64::MAX,
        ];
        for a in edges.map(I32F32::from_bits) {
            for b in edges.map(I32F32::from_bits) {
                assert_eq!(mul_sat(a, b), a.saturating_mul(b), "{a} × {b}");
                assert_eq!(mul_checked(a, b), a.checked_mul(b), "{a} × {b}");
                assert_eq!(add_sat(a, b), a.saturating_add(b), "{a} + {b}");
                assert_eq!(add_wrap(a, b), a.wrapping_add(b), "{a} + {b}");
            }
        }
    }

    #[test]
    fn safe_div_returns_zero_on_zero_and_overflow() {
        assert_eq!(ONE.safe_div(ZERO), ZERO);
        assert_eq!(I32F32::max_value().safe_div(I32F32::from_num(0.5)), ZERO);
        assert_eq!(ONE.safe_div_or(ZERO, ONE), ONE);
    }

    proptest! {
        #[test]
        fn fast_multiplication_is_bit_identical(a in any::<i64>(), b in any::<i64>()) {
            let (a, b) = (I32F32::from_bits(a), I32F32::from_bits(b));
            prop_assert_eq!(mul_sat(a, b), a.saturating_mul(b));
            prop_assert_eq!(mul_checked(a, b), a.checked_mul(b));
            prop_assert_eq!(add_sat(a, b), a.saturating_add(b));
            prop_assert_eq!(add_wrap(a, b), a.wrapping_add(b));
            let crate_u16 = a.saturating_mul(I32F32::from_num(u16::MAX)).saturating_to_num::<u16>();
            prop_assert_eq!(fixed_proportion_to_u16(a), crate_u16);
        }

        #[test]
        fn fast_multiplication_is_exact_near_one(a in -(1i64 << 34)..(1i64 << 34), b in -(1i64 << 34)..(1i64 << 34)) {
            let (a, b) = (I32F32::from_bits(a), I32F32::from_bits(b));
            prop_assert_eq!(mul_sat(a, b), a.saturating_mul(b));
            let crate_u16 = a.saturating_mul(I32F32::from_num(u16::MAX)).saturating_to_num::<u16>();
            prop_assert_eq!(fixed_proportion_to_u16(a), crate_u16);
        }

        #[test]
        fn fixed_divisor_is_bit_identical(a in any::<i64>(), d in any::<i64>()) {
            let (a, d) = (I32F32::from_bits(a), I32F32::from_bits(d));
            let div = FixedDivisor::new(d);
            prop_assert_eq!(div.checked_div(a), a.checked_div(d));
            if d != ZERO {
                prop_assert_eq!(div.saturating_div(a), a.saturating_div(d));
            }
        }

        #[test]
        fn u64_ratio_is_the_crates_division(
            n in prop_oneof![any::<u64>(), 0u64..1_000, Just(u64::MAX)],
            d in prop_oneof![any::<u64>(), 0u64..1_000, Just(u64::MAX)],
        ) {
            prop_assert_eq!(u64_ratio(n, d), U64F64::from_num(n).safe_div(U64F64::from_num(d)));
        }

        #[test]
        fn fixed_divisor_exact_on_proportions(a in 0i64..(1i64 << 40), d in 1i64..(1i64 << 40)) {
            let (a, d) = (I32F32::from_bits(a), I32F32::from_bits(d));
            prop_assert_eq!(FixedDivisor::new(d).checked_div(a), a.checked_div(d));
        }
    }
}
