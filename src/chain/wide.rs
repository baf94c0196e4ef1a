//! Exact 256-bit unsigned integers for the chain's wide products: a `u128 × u128` product and
//! its division by a `u128` (the share pools' `mul_div` in U256, the pools' `Perquintill ×
//! u128` with a 256-bit intermediate).
//!
//! May depend on: nothing.

/// An unsigned 256-bit integer as two `u128` limbs (`hi · 2¹²⁸ + lo`): just enough for the
/// exact product of two `u128` and its division by a `u128`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct U256 {
    /// The high 128 bits.
    pub hi: u128,
    /// The low 128 bits.
    pub lo: u128,
}

/// 2⁶⁴, the digit base of the schoolbook division.
const HALF_BASE: u128 = 1 << 64;
/// The low 64 bits of a `u128`.
const HALF_MASK: u128 = HALF_BASE - 1;

impl U256 {
    /// Zero.
    pub const ZERO: U256 = U256 { hi: 0, lo: 0 };

    /// `x` widened.
    #[inline]
    pub const fn from_u128(x: u128) -> U256 {
        U256 { hi: 0, lo: x }
    }

    /// The exact product `a · b` (schoolbook over 64-bit halves).
    pub const fn mul_u128(a: u128, b: u128) -> U256 {
        let (a1, a0) = (a >> 64, a & HALF_MASK);
        let (b1, b0) = (b >> 64, b & HALF_MASK);
        let p00 = a0 * b0;
        let p01 = a0 * b1;
        let p10 = a1 * b0;
        let p11 = a1 * b1;
        // Each term < 2⁶⁴, so the middle column < 3 · 2⁶⁴ fits.
        let mid = (p00 >> 64) + (p01 & HALF_MASK) + (p10 & HALF_MASK);
        U256 {
            hi: p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64),
            lo: (p00 & HALF_MASK) | ((mid & HALF_MASK) << 64),
        }
    }

    /// `(⌊self / d⌋, self mod d)`, or `None` when `d = 0`. Exact for every `self` and `d`.
    pub const fn div_rem_u128(self, d: u128) -> Option<(U256, u128)> {
        if d == 0 {
            return None;
        }
        let q_hi = self.hi / d;
        let (q_lo, rem) = div_256_by_128(self.hi % d, self.lo, d);
        Some((U256 { hi: q_hi, lo: q_lo }, rem))
    }

    /// `self + rhs`, or `None` on overflow.
    pub const fn checked_add(self, rhs: U256) -> Option<U256> {
        let (lo, carry) = self.lo.overflowing_add(rhs.lo);
        match self.hi.checked_add(rhs.hi) {
            Some(hi) => match hi.checked_add(carry as u128) {
                Some(hi) => Some(U256 { hi, lo }),
                None => None,
            },
            None => None,
        }
    }

    /// `self − rhs`, or `None` when `rhs > self`.
    pub const fn checked_sub(self, rhs: U256) -> Option<U256> {
        let (lo, borrow) = self.lo.overflowing_sub(rhs.lo);
        match self.hi.checked_sub(rhs.hi) {
            Some(hi) => match hi.checked_sub(borrow as u128) {
                Some(hi) => Some(U256 { hi, lo }),
                None => None,
            },
            None => None,
        }
    }
}

/// `(⌊(u1 · 2¹²⁸ + u0) / v⌋, remainder)` for `u1 < v` (so the quotient fits in 128 bits).
///
/// Knuth's algorithm D with 64-bit digits and a two-digit divisor (Hacker's Delight `divlu`):
/// normalise `v` so its top bit is set, then produce the two quotient digits one at a time. With
/// a two-digit divisor the estimate test against the lower divisor digit is exact, so no
/// add-back step is needed.
const fn div_256_by_128(u1: u128, u0: u128, v: u128) -> (u128, u128) {
    let s = v.leading_zeros();
    let v = v << s;
    let (vn1, vn0) = (v >> 64, v & HALF_MASK);
    let un32 = if s == 0 {
        u1
    } else {
        (u1 << s) | (u0 >> (128 - s))
    };
    let un10 = u0 << s;
    let (q1, un21) = div_digit(un32, un10 >> 64, v, vn1, vn0);
    let (q0, rem) = div_digit(un21, un10 & HALF_MASK, v, vn1, vn0);
    ((q1 << 64) | q0, rem >> s)
}

/// One quotient digit of [`div_256_by_128`]: `(hi · 2⁶⁴ + digit) / v` for `hi < v` (`v`
/// normalised, split into 64-bit halves `vn1`, `vn0`); returns the digit (< 2⁶⁴) and the
/// remainder (< `v`).
const fn div_digit(hi: u128, digit: u128, v: u128, vn1: u128, vn0: u128) -> (u128, u128) {
    let mut q = hi / vn1;
    let mut rhat = hi - q * vn1;
    // `q < 2⁶⁴` is tested first, so `q · vn0` cannot overflow; `rhat < 2⁶⁴` keeps the shift exact.
    while q >= HALF_BASE || q * vn0 > ((rhat << 64) | digit) {
        q -= 1;
        rhat += vn1;
        if rhat >= HALF_BASE {
            break;
        }
    }
    // The true remainder is < v < 2¹²⁸, so arithmetic modulo 2¹²⁸ gives it exactly.
    let rem = ((hi << 64) | digit).wrapping_sub(q.wrapping_mul(v));
    (q, rem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn products_and_quotients_carry_across_the_limbs() {
        let max = U256::mul_u128(u128::MAX, u128::MAX);
        assert_eq!(
            max,
            U256 {
                hi: u128::MAX - 1,
                lo: 1
            }
        );
        assert_eq!(
            max.div_rem_u128(u128::MAX),
            Some((U256::from_u128(u128::MAX), 0))
        );
        let two_pow_128 = U256 { hi: 1, lo: 0 };
        assert_eq!(
            two_pow_128.div_rem_u128(2),
            Some((U256::from_u128(1 << 127), 0))
        );
        assert_eq!(U256::from_u128(7).div_rem_u128(0), None);
    }

    proptest! {
        #[test]
        fn wide_arithmetic_matches_u128_where_it_fits(a in any::<u64>(), b in any::<u64>(), d in 1..u128::MAX) {
            let product = u128::from(a) * u128::from(b);
            prop_assert_eq!(U256::mul_u128(u128::from(a), u128::from(b)), U256::from_u128(product));
            let quotient = U256::from_u128(product).div_rem_u128(d);
            prop_assert_eq!(quotient, Some((U256::from_u128(product / d), product % d)));
        }

        #[test]
        fn wide_product_divides_back(a in any::<u128>(), b in 1..u128::MAX) {
            prop_assert_eq!(U256::mul_u128(a, b).div_rem_u128(b), Some((U256::from_u128(a), 0)));
        }
    }
}
