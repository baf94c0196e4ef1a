//! The series (log/exp) path of [`super::pow_ratio_scaled`] on fixed-width stack integers:
//! the same integer operations, in the same order and with the same truncations and stopping
//! points as the `BigInt` code of [`super`] (its rounding test, which never decides, left out:
//! see `series_done`), for `u128` operands and internal precisions up to
//! [`MAX_INTERNAL_PRECISION`] bits. Any intermediate that would not fit its width makes the
//! whole computation give up (`None`), and the caller then runs the `BigInt` code instead, so
//! the result is the same for every input.
//!
//! Numbers are sign and magnitude ([`Fx`]), the magnitude `N` little-endian 64-bit limbs; zero
//! is never negative, so equal values are equal structs. The operations the series need:
//! * `⌊a·b / 2ᵏ⌋` (the fixed-point product, `div_floor` by the power-of-two scale);
//! * `⌊a / n⌋` for the series index `n < 2³²`; `exp`'s `⌊t·x / (2ᵏ·n)⌋` is done as
//!   `⌊⌊t·x / 2ᵏ⌋ / n⌋`, equal for every integer `t·x` and positive `2ᵏ`, `n`;
//! * `round_to_precision` by the guard factor 2²⁴: `sign(v) · ⌊(|v| + 2²³) / 2²⁴⌋`, which is
//!   the truncated quotient plus the remainder's sign when `2·|remainder| ≥ 2²⁴`.
//!
//! What makes them fast, each exact: no allocation (values of 6 limbs for internal precisions
//! up to 300 bits, the pool's 256 + 24, and 18 up to 1 080, its 1 024 + 24); products leave out
//! partial products with a zero limb (the series' `x` comes from a `u128` shifted up, so its
//! low limbs are zero) and first the lowest columns altogether, computing them only when the
//! high columns leave the quotient undetermined ([`Fx::mul_shr_floor_assign`]); the division
//! by the series index multiplies by a reciprocal from a compile-time table
//! ([`div_rem_by_reciprocal`]); `ln 2` at the pool's two precisions is a constant (the
//! series' own value, checked in tests).
//!
//! May depend on: `chain::wide` (the 192-by-128-bit steps of a division by a `u128`).
//!
//! Licence: part of the port of safe-bigmath 0.4.2 (MIT, © sam0x17), see [`super`] and
//! `src/chain/LICENSE-safe-bigmath`.

use crate::chain::wide::U256;
use core::cmp::Ordering;

/// Bits of the guard factor (`guard_bits` of the series path).
const GUARD_BITS: u32 = 24;
/// The largest internal precision (requested + guard bits) done on fixed-width integers.
pub(super) const MAX_INTERNAL_PRECISION: u32 = 1_080;
/// Internal precisions up to this use 6 limbs (384 bits), larger ones 18 (1 152 bits).
const SMALL_INTERNAL_PRECISION: u32 = 300;

/// A signed integer of `N` 64-bit limbs in sign-magnitude form; zero is never negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Fx<const N: usize> {
    neg: bool,
    mag: [u64; N],
}

impl<const N: usize> Fx<N> {
    /// The value `±mag`, with a zero magnitude made non-negative.
    #[inline]
    fn new(neg: bool, mag: [u64; N]) -> Self {
        let neg = neg && !is_zero(&mag);
        Fx { neg, mag }
    }

    /// A non-negative value from its magnitude's low limbs (more limbs than `N`: `None` unless
    /// the extra ones are 0).
    pub(super) fn from_limbs(limbs: &[u64]) -> Option<Self> {
        let mut mag = [0; N];
        for (i, &limb) in limbs.iter().enumerate() {
            if i < N {
                mag[i] = limb;
            } else if limb != 0 {
                return None;
            }
        }
        Some(Fx::new(false, mag))
    }

    /// `value`, or `None` if it does not fit.
    fn from_u128(value: u128) -> Option<Self> {
        Fx::from_limbs(&[value as u64, (value >> 64) as u64])
    }

    /// `2ᵏ`, or `None` if it does not fit.
    fn pow2(k: u32) -> Option<Self> {
        let limb = (k / 64) as usize;
        if limb >= N {
            return None;
        }
        let mut mag = [0; N];
        mag[limb] = 1 << (k % 64);
        Some(Fx { neg: false, mag })
    }

    #[inline]
    fn is_zero(&self) -> bool {
        is_zero(&self.mag)
    }

    #[inline]
    fn negated(&self) -> Self {
        Fx::new(!self.neg, self.mag)
    }

    /// `self + other`, or `None` on overflow.
    #[inline]
    fn add(&self, other: &Self) -> Option<Self> {
        let mut sum = *self;
        sum.add_assign(other, false).then_some(sum)
    }

    /// `self − other`, or `None` on overflow.
    #[inline]
    fn sub(&self, other: &Self) -> Option<Self> {
        let mut difference = *self;
        difference.add_assign(other, true).then_some(difference)
    }

    /// `self += other` (`self −= other` when `subtract`); `false` on overflow.
    #[inline]
    fn add_assign(&mut self, other: &Self, subtract: bool) -> bool {
        let other_neg = other.neg != subtract;
        if self.neg == other_neg {
            let mut carry = false;
            for (a, &b) in self.mag.iter_mut().zip(&other.mag) {
                let (s, c1) = a.overflowing_add(b);
                let (s, c2) = s.overflowing_add(u64::from(carry));
                *a = s;
                carry = c1 || c2;
            }
            return !carry;
        }
        if cmp_mag(&self.mag, &other.mag) == Ordering::Less {
            // |other| − |self|, with the sign of other.
            let mut borrow = false;
            for (a, &b) in self.mag.iter_mut().zip(&other.mag) {
                let (d, b1) = b.overflowing_sub(*a);
                let (d, b2) = d.overflowing_sub(u64::from(borrow));
                *a = d;
                borrow = b1 || b2;
            }
            self.neg = other_neg;
        } else {
            let mut borrow = false;
            for (a, &b) in self.mag.iter_mut().zip(&other.mag) {
                let (d, b1) = a.overflowing_sub(b);
                let (d, b2) = d.overflowing_sub(u64::from(borrow));
                *a = d;
                borrow = b1 || b2;
            }
            self.neg = self.neg && !is_zero(&self.mag);
        }
        true
    }

    /// `self = ⌊self · other / 2ᵏ⌋` for `k < 64·N`; `false` if it does not fit. `W` must be
    /// `2·N` (the product's width).
    ///
    /// The partial products of the lowest columns are first left out (a short product): the
    /// quotient and whether it is inexact then follow from the high columns alone unless those
    /// leave them undetermined, in which case the full product is computed (see
    /// [`short_product_columns`]).
    #[inline]
    fn mul_shr_floor_assign<const W: usize>(&mut self, other: &Self, k: u32) -> bool {
        const { assert!(W == 2 * N) };
        let (len_a, len_b) = (len(&self.mag), len(&other.mag));
        if len_a == 0 || len_b == 0 {
            *self = Fx::new(false, [0; N]);
            return true;
        }
        let neg = self.neg != other.neg;
        let (a, b) = (&self.mag[..len_a], &other.mag[..len_b]);
        // Partial products with a zero limb are zero: none falls below the column of the
        // lowest non-zero limbs (values from u128 operands often have many zero low limbs).
        let lowest = |v: &[u64]| v.iter().position(|&l| l != 0).unwrap_or(0);
        let (low_a, low_b) = (lowest(a), lowest(b));
        let skipped = short_product_columns(k);
        let mut product = [0u64; W];
        product_columns(a, b, skipped, low_b, &mut product);
        let used = len_a + len_b;
        // Whether the quotient is inexact, needed only for a negative product.
        let mut inexact = neg && product_bits_below(&product[..used], k);
        // Nothing left out when every non-zero partial product is in the columns computed.
        if skipped > low_a + low_b {
            // The left-out part L is < 2ᵗ with t = 64·skipped + 69 < k. Write H mod 2ᵏ (H the
            // high part) as h·2ᵗ + l with l < 2ᵗ: unless h is all ones (bits t..k of H),
            // h ≤ 2^(k−t) − 2 and H mod 2ᵏ + L < (h + 2)·2ᵗ ≤ 2ᵏ, so L cannot carry past bit k
            // and ⌊(H + L) / 2ᵏ⌋ = ⌊H / 2ᵏ⌋; the quotient is then inexact if H mod 2ᵏ ≠ 0
            // (needed only for a negative product). Otherwise compute every column.
            // Only the top 16 of the bits t..k are looked at: if they are not all ones,
            // neither are all of them (t ≤ k − 16).
            if bits_all_ones(&product[..used], k - SHORT_PRODUCT_WINDOW_BITS, k)
                || (neg && !inexact)
            {
                product = [0u64; W];
                product_columns(a, b, 0, low_b, &mut product);
                inexact = neg && product_bits_below(&product[..used], k);
            }
        }
        if !shr_product(&product, k, &mut self.mag) {
            return false;
        }
        if inexact && !increment(&mut self.mag) {
            return false;
        }
        self.neg = neg && !is_zero(&self.mag);
        true
    }

    /// `out = ⌊self / n⌋` for `0 < n < 2³²`.
    #[inline]
    fn div_floor_small_into(&self, n: u32, out: &mut Self) {
        let used = len(&self.mag);
        out.mag[used..].fill(0);
        let remainder = if used == 0 {
            0
        } else {
            div_rem_by_reciprocal(&self.mag[..used], n, &mut out.mag[..used])
        };
        if self.neg && remainder != 0 {
            // |q| < |self| (n ≥ 2 when there is a remainder), so this cannot overflow.
            increment(&mut out.mag);
        }
        out.neg = self.neg && !is_zero(&out.mag);
    }

    /// `self · m`, or `None` on overflow.
    fn mul_small(&self, m: u64) -> Option<Self> {
        let mut mag = [0; N];
        let mut carry = 0u64;
        for (out, &limb) in mag.iter_mut().zip(&self.mag) {
            let t = u128::from(limb) * u128::from(m) + u128::from(carry);
            *out = t as u64;
            carry = (t >> 64) as u64;
        }
        (carry == 0).then(|| Fx::new(self.neg, mag))
    }

    /// `out = round_to_precision(self, 2²⁴)`: to nearest, ties away from zero.
    #[inline]
    fn round_into(&self, out: &mut Self) {
        for i in 0..N {
            let next = if i + 1 < N { self.mag[i + 1] } else { 0 };
            out.mag[i] = (self.mag[i] >> GUARD_BITS) | (next << (64 - GUARD_BITS));
        }
        if self.mag[0] & (1 << (GUARD_BITS - 1)) != 0 {
            // The quotient is < 2^(64·N − 24), so adding 1 cannot overflow.
            increment(&mut out.mag);
        }
        out.neg = self.neg && !is_zero(&out.mag);
    }

    /// `round_to_precision(self, 2²⁴)`.
    #[inline]
    fn rounded(&self) -> Self {
        let mut rounded = *self;
        self.round_into(&mut rounded);
        rounded
    }

    /// `|self| < 2²⁴`.
    #[inline]
    fn below_guard(&self) -> bool {
        self.mag[0] < 1 << GUARD_BITS && self.mag[1..].iter().all(|&l| l == 0)
    }
}

/// Bits above its lowest column that a left-out part of a product can reach: 69, as
/// [`short_product_columns`] shows.
const SHORT_PRODUCT_SLACK_BITS: u32 = 69;
/// Fewest bits between the left-out part's bound and the shift: the high part must not have
/// these all ones, which fails for about one product in 2¹⁶.
const SHORT_PRODUCT_WINDOW_BITS: u32 = 16;

/// How many of the lowest columns of a product [`Fx::mul_shr_floor_assign`] first leaves out
/// for a shift by `k` bits: the largest `c` with `64·c + 69 + 16 ≤ k` (none for `k < 149`).
///
/// The left-out columns hold at most `min(len a, len b) ≤ 18 < 2⁵` partial products each, so
/// their sum is `L ≤ 18·(2⁶⁴−1)·(2^(64c)−1) < 2^(64c + 69)`.
#[inline]
fn short_product_columns(k: u32) -> usize {
    const MIN_SHIFT: u32 = 64 + SHORT_PRODUCT_SLACK_BITS + SHORT_PRODUCT_WINDOW_BITS;
    if k >= MIN_SHIFT {
        ((k - SHORT_PRODUCT_SLACK_BITS - SHORT_PRODUCT_WINDOW_BITS) / 64) as usize
    } else {
        0
    }
}

/// `out` = the partial products `a[i]·b[j]` of the product `a·b` in the columns `i + j` from
/// `first` up, summed exactly (`out` zeroed, `a` and `b` non-empty), row by row; `b[..low_b]`
/// are zero limbs and rows of zero limbs of `a` are skipped (their partial products are 0).
#[inline]
fn product_columns(a: &[u64], b: &[u64], first: usize, low_b: usize, out: &mut [u64]) {
    let len_b = b.len();
    for (i, &a_limb) in a.iter().enumerate() {
        let start = first.saturating_sub(i).max(low_b);
        if start >= len_b || a_limb == 0 {
            continue;
        }
        let a_limb = u128::from(a_limb);
        let mut carry = 0u64;
        for (o, &b_limb) in out[i + start..i + len_b].iter_mut().zip(&b[start..]) {
            let t = a_limb * u128::from(b_limb) + u128::from(*o) + u128::from(carry);
            *o = t as u64;
            carry = (t >> 64) as u64;
        }
        out[i + len_b] = carry;
    }
}

/// Reciprocals [`reciprocal`] of the divisors `n < RECIPROCAL_TABLE_LEN` (index `n`; 0 unused),
/// computed at compile time: every series index of the fixed-width path
/// (`n ≤ max_iters ≤ MAX_INTERNAL_PRECISION + 128`).
static RECIPROCALS: [u64; RECIPROCAL_TABLE_LEN] = reciprocal_table();
const RECIPROCAL_TABLE_LEN: usize = MAX_INTERNAL_PRECISION as usize + 129;

const fn reciprocal_table() -> [u64; RECIPROCAL_TABLE_LEN] {
    let mut table = [0; RECIPROCAL_TABLE_LEN];
    let mut n = 1;
    while n < RECIPROCAL_TABLE_LEN {
        table[n] = reciprocal(n as u32, (n as u64).leading_zeros());
        n += 1;
    }
    table
}

/// `quotient = ⌊a / n⌋` for `0 < n < 2³²` and non-empty `a`, by Möller and Granlund's
/// division by an invariant integer ("Improved division by invariant integers", 2011,
/// algorithm 4): the divisor normalised to `d = n·2ˢ` with its top bit set, the dividend
/// shifted by `s` on the fly (the quotient is unchanged, the remainder scaled by `2ˢ`), and
/// each 128-by-64-bit step done with the reciprocal `v = ⌊(2¹²⁸ − 1) / d⌋ − 2⁶⁴`; returns
/// the remainder.
#[inline]
fn div_rem_by_reciprocal(a: &[u64], n: u32, quotient: &mut [u64]) -> u64 {
    let s = u64::from(n).leading_zeros(); // ≥ 32, so the shifts below are in range.
    let d = u64::from(n) << s;
    let v = match RECIPROCALS.get(n as usize) {
        Some(&v) => v,
        None => reciprocal(n, s),
    };
    let top = a.len() - 1;
    // The bits shifted out of the top limb: < 2ˢ ≤ d.
    let mut r = a[top] >> (64 - s);
    for i in (0..=top).rev() {
        let below = if i > 0 { a[i - 1] >> (64 - s) } else { 0 };
        let (q, rem) = div_2by1(r, (a[i] << s) | below, d, v);
        quotient[i] = q;
        r = rem;
    }
    r >> s
}

/// `⌊(2¹²⁸ − 1) / d⌋ − 2⁶⁴` for `d = n·2ˢ` normalised (`0 < n < 2³²`, so `s ≥ 32`).
///
/// `⌊(2¹²⁸ − 1) / (n·2ˢ)⌋ = ⌊⌊(2¹²⁸ − 1) / 2ˢ⌋ / n⌋ = ⌊(2^(128−s) − 1) / n⌋`, a dividend below
/// 2⁹⁶ divided by a 32-bit divisor in two 64-bit steps; the quotient is in [2⁶⁴, 2⁶⁵), so
/// dropping 2⁶⁴ is the truncation to 64 bits.
#[inline]
const fn reciprocal(n: u32, s: u32) -> u64 {
    let n = n as u64;
    let dividend = (1u128 << (128 - s)) - 1;
    let high = (dividend >> 32) as u64;
    let (q_high, r_high) = (high / n, high % n);
    // r_high < n < 2³², so the second partial dividend fits 64 bits.
    let q_low = ((r_high << 32) | (dividend as u64 & 0xffff_ffff)) / n;
    (q_high << 32).wrapping_add(q_low)
}

/// `(⌊(u1·2⁶⁴ + u0) / d⌋, remainder)` for a normalised `d` (top bit set), `u1 < d` and
/// `v = ⌊(2¹²⁸ − 1) / d⌋ − 2⁶⁴` (Möller–Granlund algorithm 4).
#[inline]
fn div_2by1(u1: u64, u0: u64, d: u64, v: u64) -> (u64, u64) {
    let q = (u128::from(v) * u128::from(u1)).wrapping_add((u128::from(u1) << 64) | u128::from(u0));
    let mut q1 = ((q >> 64) as u64).wrapping_add(1);
    let q0 = q as u64;
    let mut r = u0.wrapping_sub(q1.wrapping_mul(d));
    if r > q0 {
        q1 = q1.wrapping_sub(1);
        r = r.wrapping_add(d);
    }
    if r >= d {
        q1 += 1;
        r -= d;
    }
    (q1, r)
}

/// Whether bits `from .. to` of `src` are all ones (`from < to ≤ from + 64`).
#[inline]
fn bits_all_ones(src: &[u64], from: u32, to: u32) -> bool {
    let (limb, bits) = ((from / 64) as usize, from % 64);
    let at = |i: usize| src.get(i).copied().unwrap_or(0);
    let chunk = if bits == 0 {
        at(limb)
    } else {
        (at(limb) >> bits) | (at(limb + 1) << (64 - bits))
    };
    let width = to - from;
    let mask = if width == 64 {
        u64::MAX
    } else {
        (1 << width) - 1
    };
    chunk & mask == mask
}

/// Whether any bit of `src` below bit `k` is set.
#[inline]
fn product_bits_below(src: &[u64], k: u32) -> bool {
    let (limbs, bits) = ((k / 64) as usize, k % 64);
    src[..limbs.min(src.len())].iter().any(|&l| l != 0)
        || (bits != 0 && src.get(limbs).is_some_and(|&l| l & ((1 << bits) - 1) != 0))
}

#[inline]
fn is_zero(mag: &[u64]) -> bool {
    mag.iter().all(|&l| l == 0)
}

/// Limbs up to the highest non-zero one.
#[inline]
fn len(mag: &[u64]) -> usize {
    mag.iter().rposition(|&l| l != 0).map_or(0, |i| i + 1)
}

#[inline]
fn cmp_mag<const N: usize>(a: &[u64; N], b: &[u64; N]) -> Ordering {
    for i in (0..N).rev() {
        match a[i].cmp(&b[i]) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    Ordering::Equal
}

/// `mag + 1`; `false` on overflow.
#[inline]
fn increment(mag: &mut [u64]) -> bool {
    for limb in mag.iter_mut() {
        let (s, carry) = limb.overflowing_add(1);
        *limb = s;
        if !carry {
            return true;
        }
    }
    false
}

/// `dst = ⌊src / 2ᵏ⌋` (magnitudes); whether the quotient fit `dst`.
#[inline]
fn shr_into(src: &[u64], k: u32, dst: &mut [u64]) -> bool {
    let (limbs, bits) = ((k / 64) as usize, k % 64);
    let high = src.get(limbs..).unwrap_or(&[]);
    let used = high.len().min(dst.len());
    for i in 0..used {
        let next = high.get(i + 1).copied().unwrap_or(0);
        dst[i] = if bits == 0 {
            high[i]
        } else {
            (high[i] >> bits) | (next << (64 - bits))
        };
    }
    dst[used..].fill(0);
    // The quotient fits iff src < 2^(k + 64·len(dst)).
    let top = dst.len();
    high.get(top).is_none_or(|&l| l >> bits == 0) && high.iter().skip(top + 1).all(|&l| l == 0)
}

/// `dst = ⌊product / 2ᵏ⌋` for `k < 64·N` (`W = 2·N` limbs, so every limb read exists);
/// whether the quotient fit `dst`. The same as [`shr_into`], over fixed lengths.
#[inline]
fn shr_product<const N: usize, const W: usize>(
    product: &[u64; W],
    k: u32,
    dst: &mut [u64; N],
) -> bool {
    let (limbs, bits) = ((k / 64) as usize, k % 64);
    for (i, out) in dst.iter_mut().enumerate() {
        // (x << 1) << (63 − bits) is x << (64 − bits), and 0 for bits = 0.
        *out = (product[i + limbs] >> bits) | ((product[i + limbs + 1] << 1) << (63 - bits));
    }
    // The quotient fits iff product < 2^(k + 64·N).
    product[limbs + N] >> bits == 0 && product[limbs + N + 1..].iter().all(|&l| l == 0)
}

/// The floor of a quotient of sign `neg` whose magnitude truncated to `mag`: one more in
/// magnitude when negative and inexact.
#[inline]
fn floor_result<const N: usize>(neg: bool, mut mag: [u64; N], inexact: bool) -> Option<Fx<N>> {
    if neg && inexact && !increment(&mut mag) {
        return None;
    }
    Some(Fx::new(neg, mag))
}

/// The series' stopping rule. The crate stops once the step falls below the guard factor 2²⁴
/// *or* the sum rounded to the target precision (`round_to_precision`) stops changing. The
/// second test never decides: it is reached only for a step of at least 2²⁴, which the sum
/// takes exactly, and two values with the same rounding lie within less than 2²⁴ of each other
/// (each rounding's preimage is an interval of width 2²⁴ with at least one open end: half-up
/// away from zero on each side, `(−2²³, 2²³)` for 0). So the step's size alone is the rule;
/// the property tests against the `BigInt` code, which keeps both tests, hold it to that.
#[inline]
fn series_done<const N: usize>(step: &Fx<N>) -> bool {
    step.below_guard()
}

/// `ln1p_fixed(x, 2ᵏ, 2²⁴, max_iters)`: `ln(1 + x)` by its Taylor series.
fn ln1p<const N: usize, const W: usize>(x: &Fx<N>, k: u32, max_iters: usize) -> Option<Fx<N>> {
    let mut term = *x;
    let mut result = *x;
    let mut next = *x;
    for n in 2..=max_iters {
        if !term.mul_shr_floor_assign::<W>(x, k) {
            return None;
        }
        if term.is_zero() {
            break;
        }
        term.div_floor_small_into(n as u32, &mut next);
        if next.is_zero() {
            break;
        }
        if !result.add_assign(&next, n % 2 == 0) {
            return None;
        }
        if series_done(&next) {
            break;
        }
    }
    Some(result)
}

/// `exp_fixed(x, 2ᵏ, 2²⁴, max_iters)`: `exp(x)` by its Taylor series.
fn exp<const N: usize, const W: usize>(x: &Fx<N>, k: u32, max_iters: usize) -> Option<Fx<N>> {
    let mut term = Fx::pow2(k)?;
    let mut result = term;
    for n in 1..=max_iters {
        let mut product = term;
        if !product.mul_shr_floor_assign::<W>(x, k) {
            return None;
        }
        product.div_floor_small_into(n as u32, &mut term);
        if term.is_zero() {
            break;
        }
        if !result.add_assign(&term, false) {
            return None;
        }
        if series_done(&term) {
            break;
        }
    }
    Some(result)
}

/// `ln_biguint(value, k, …)`: `ln(m) + shift·ln 2` with the mantissa `m = value·2ᵏ / 2^shift`
/// in [0.75, 1.5)·2ᵏ.
fn ln<const N: usize, const W: usize>(
    value: u128,
    k: u32,
    ln_two: &Fx<N>,
    max_iters: usize,
) -> Option<Fx<N>> {
    debug_assert!(value != 0);
    let mut shift = 127 - value.leading_zeros();
    // (value << k) >> shift, exactly as the two shifts on the unbounded integer.
    let mantissa_bits = if k >= shift {
        let mut limbs = [0u64; W];
        let wide = [value as u64, (value >> 64) as u64];
        shl_into(&wide, k - shift, &mut limbs);
        Fx::<N>::from_limbs(&limbs)?
    } else {
        Fx::from_u128(value >> (shift - k))?
    };
    let mut mantissa = mantissa_bits;
    let scale = Fx::<N>::pow2(k)?;
    let scale_plus_half = scale.add(&Fx::pow2(k - 1)?)?;
    if cmp_mag(&mantissa.mag, &scale_plus_half.mag) != Ordering::Less {
        let mut halved = [0; N];
        shr_into(&mantissa.mag, 1, &mut halved);
        mantissa = Fx::new(false, halved);
        shift += 1;
    }
    let ln_mantissa = ln1p::<N, W>(&mantissa.sub(&scale)?, k, max_iters)?;
    ln_mantissa.add(&ln_two.mul_small(u64::from(shift))?)
}

/// `dst = src · 2ˢ` (`dst` wide enough for the caller).
fn shl_into(src: &[u64], s: u32, dst: &mut [u64]) {
    let (limbs, bits) = ((s / 64) as usize, s % 64);
    for (i, &limb) in src.iter().enumerate() {
        if let Some(out) = dst.get_mut(i + limbs) {
            *out |= limb << bits;
        }
        if bits != 0
            && let Some(out) = dst.get_mut(i + limbs + 1)
        {
            *out |= limb >> (64 - bits);
        }
    }
}

/// `|value| · m` into `W` limbs.
fn mul_u128_wide<const N: usize, const W: usize>(value: &Fx<N>, m: u128) -> [u64; W] {
    const { assert!(W >= N + 2) };
    let mut out = [0u64; W];
    for (j, part) in [m as u64, (m >> 64) as u64].into_iter().enumerate() {
        let mut carry = 0u64;
        for i in 0..N {
            let t = u128::from(value.mag[i]) * u128::from(part)
                + u128::from(out[i + j])
                + u128::from(carry);
            out[i + j] = t as u64;
            carry = (t >> 64) as u64;
        }
        out[N + j] = carry;
    }
    out
}

/// `limbs = ⌊limbs / d⌋` for `d > 0`; returns the remainder.
fn div_rem_u128(limbs: &mut [u64], d: u128) -> u128 {
    let mut r = 0u128;
    if let Ok(d) = u64::try_from(d) {
        for limb in limbs.iter_mut().rev() {
            let n = (r << 64) | u128::from(*limb);
            *limb = (n / u128::from(d)) as u64;
            r = n % u128::from(d);
        }
        return r;
    }
    for limb in limbs.iter_mut().rev() {
        // r < d, so the quotient digit is below 2⁶⁴.
        let n = U256 {
            hi: r >> 64,
            lo: (r << 64) | u128::from(*limb),
        };
        let (q, rem) = n.div_rem_u128(d).unwrap_or((U256::ZERO, 0));
        *limb = q.lo as u64;
        r = rem;
    }
    r
}

/// Fraction bits of the near-one path's working precision (6 limbs, as the pool's series).
const NEAR_ONE_K: u32 = 280;
/// The near-one path answers only when the top this many bits of its result's fraction are
/// neither all 0 nor all 1, i.e. its value is at least `2⁻⁶⁴` from an integer.
const NEAR_ONE_MARGIN_BITS: u32 = 64;

/// `⌊scale·(a/b)^(p/q)⌋` for a base just below 1 — `b/16 ≥ b − a > 0`, `p/q ≤ 2¹⁰`, scale
/// at least 128 bits below the requested precision (at most 276 bits) — computed a shorter
/// way than the crate and returned only where that provably gives the crate's result;
/// `None` otherwise, and the caller runs the series as the crate does.
///
/// The crate takes `ln a` and `ln b` separately (two Taylor series on mantissas up to 1.5,
/// ~250 terms each at 280 bits) and subtracts them; a swap's `a` and `b` differ by the small
/// amount swapped, so here `ln(a/b) = ln1p(−(b−a)/b)` is one series on an argument below
/// 1/16 (~20 terms for a typical swap), then `exp` as the crate does. Both compute the same
/// real `X = scale·(a/b)^(p/q)` and then floor it:
/// * the crate, at `k = precision + 24` bits: each series is within 2²⁵ units of 2⁻ᵏ of its
///   true value (truncation ≤ 3 units a term over ≤ `k + 128` terms, the tail after the last
///   step below 2²⁴ at most that step because the mantissas' |x| ≤ ½), `ln 2` enters only as
///   `(shift_a − shift_b)·ln 2` with `|shift_a − shift_b| ≤ 1`, so `ln(a/b)` is within 2²⁷
///   units, the scaled exponent within 2³⁷ (`p/q ≤ 2¹⁰`), `exp` (slope ≤ 1 for a negative
///   argument) adds 2²⁵, and the rounding to `precision` bits half a unit of 2^−precision:
///   its value before the floor is within `scale·2^(13 − precision) ≤ 2⁻¹¹⁵` of `X`;
/// * this path, at 280 bits: `(b−a)/b` within 1 unit, its `ln1p` within 2²⁶, the scaled
///   exponent within 2³⁷, `exp` within 2³⁸: within `scale·2⁻²⁴² ≤ 2⁻¹¹⁴` of `X`.
///
/// So when this path's value lies at least 2⁻⁶⁴ from every integer, both floors are equal.
/// The exponent is checked to be at most ½ in size (the bounds above assume it).
pub(super) fn pow_near_one(
    a: u128,
    b: u128,
    p: u128,
    q: u128,
    requested_precision: u32,
    scale: u128,
) -> Option<u128> {
    const N: usize = 6;
    const W: usize = 12;
    let k = NEAR_ONE_K;
    let scale_bits = u128::BITS - scale.leading_zeros();
    let near_one = a > 0 && a < b && (b - a) <= b / 16;
    let exponent_small = q > 0 && p <= q.checked_mul(1 << 10)?;
    let precise = requested_precision >= scale_bits + 128
        && requested_precision + GUARD_BITS <= SMALL_INTERNAL_PRECISION;
    if !(near_one && exponent_small && precise) {
        return None;
    }
    let max_iters = k as usize + 128;
    // u = ⌊(b − a)·2ᵏ / b⌋ < 2ᵏ/16.
    let d = b - a;
    let mut wide = [0u64; W];
    shl_into(&[d as u64, (d >> 64) as u64], k, &mut wide);
    div_rem_u128(&mut wide, b);
    let u = Fx::<N>::from_limbs(&wide)?;
    let ln_base = ln1p::<N, W>(&u.negated(), k, max_iters)?;
    // ⌊ln_base · p / q⌋, at most ½ in size.
    let mut wide = mul_u128_wide::<N, W>(&ln_base, p);
    let rem = div_rem_u128(&mut wide, q);
    let exponent = floor_result(ln_base.neg, Fx::<N>::from_limbs(&wide)?.mag, rem != 0)?;
    if cmp_mag(&exponent.mag, &Fx::<N>::pow2(k - 1)?.mag) == Ordering::Greater {
        return None;
    }
    let power = exp::<N, W>(&exponent, k, max_iters)?;
    if power.neg {
        return None;
    }
    // X·2ᵏ = power·scale: its integer part, if the fraction is clear of 0 and 1.
    let product = mul_u128_wide::<N, W>(&power, scale);
    let from = k - NEAR_ONE_MARGIN_BITS;
    let window = |bits: &[u64]| bits_all_ones(bits, from, k);
    let complement: [u64; W] = product.map(|l| !l);
    if window(&product) || window(&complement) {
        return None;
    }
    let mut result = [0u64; 2];
    if !shr_into(&product, k, &mut result) {
        return None;
    }
    Some(u128::from(result[0]) | (u128::from(result[1]) << 64))
}

/// `ln 2` at internal precision 280 (requested 256) with the default iteration cap, as
/// `−ln1p_fixed(−2²⁷⁹, 2²⁸⁰, 2²⁴, 408)` gives it; checked against the `BigInt` code in tests.
pub(super) const LN_TWO_280: [u64; 5] = [
    0x5b8b_aafa_2b65_2aba,
    0x2672_98b6_2d8a_0d17,
    0x9803_f2f6_af40_f343,
    0xf7d1_cf79_abc9_e3b3,
    0xb1_7217,
];
/// `ln 2` at internal precision 1 048 (requested 1 024), likewise (cap 1 176).
pub(super) const LN_TWO_1048: [u64; 17] = [
    0xc50f_3fd5_c587_135d,
    0x872f_20e3_a2da_2d97,
    0xbd38_3032_4865_5fa1,
    0xb19d_6548_caf5_dfa6,
    0xec76_57f7_4b72_ce87,
    0xc3b1_3660_3b25_6fa0,
    0x1131_7c38_7eb9_ea9b,
    0x1622_4ae8_c51a_cbda,
    0x2911_69b8_253e_96ca,
    0x35c1_3821_4427_573b,
    0xfb4a_fa1b_10ed_2eae,
    0x206d_ebac_9855_9552,
    0x5b8b_aafa_2be7_b876,
    0x2672_98b6_2d8a_0d17,
    0x9803_f2f6_af40_f343,
    0xf7d1_cf79_abc9_e3b3,
    0xb1_7217,
];

/// `ln 2` as the series path computes it at internal precision `k` with the default cap.
fn ln_two<const N: usize, const W: usize>(k: u32, max_iters: usize) -> Option<Fx<N>> {
    match k {
        280 => Fx::from_limbs(&LN_TWO_280),
        1048 => Fx::from_limbs(&LN_TWO_1048),
        _ => Some(ln1p::<N, W>(&Fx::pow2(k - 1)?.negated(), k, max_iters)?.negated()),
    }
}

/// The series path for `u128` operands: `(a/b)^(p/q) × scale` with `p/q` reduced, at
/// `requested_precision` bits (`precision.max(32).max(scale_bits + 8)`), the result saturated
/// to `u128` as [`super::pow_ratio_scaled`] does; `None` when an intermediate does not fit the
/// fixed widths (the caller then runs the `BigInt` code).
pub(super) fn pow_series(
    a: u128,
    b: u128,
    p: u128,
    q: u128,
    requested_precision: u32,
    scale: u128,
) -> Option<u128> {
    let internal_precision = requested_precision.checked_add(GUARD_BITS)?;
    if internal_precision <= SMALL_INTERNAL_PRECISION {
        pow_series_n::<6, 12>(a, b, p, q, requested_precision, scale)
    } else if internal_precision <= MAX_INTERNAL_PRECISION {
        pow_series_n::<18, 36>(a, b, p, q, requested_precision, scale)
    } else {
        None
    }
}

fn pow_series_n<const N: usize, const W: usize>(
    a: u128,
    b: u128,
    p: u128,
    q: u128,
    requested_precision: u32,
    scale: u128,
) -> Option<u128> {
    let k = requested_precision + GUARD_BITS;
    let max_iters = super::DEFAULT_MAX_ITERS.min(k as usize + 128).max(1);
    let ln_two = ln_two::<N, W>(k, max_iters)?;
    let ln_a = ln::<N, W>(a, k, &ln_two, max_iters)?;
    let ln_b = ln::<N, W>(b, k, &ln_two, max_iters)?;
    let ln_base = ln_a.sub(&ln_b)?;

    // ⌊ln_base · p / q⌋.
    let mut wide = mul_u128_wide::<N, W>(&ln_base, p);
    let rem = div_rem_u128(&mut wide, q);
    let ln_scaled = floor_result(ln_base.neg, Fx::<N>::from_limbs(&wide)?.mag, rem != 0)?;

    let exp_fp = exp::<N, W>(&ln_scaled, k, max_iters)?;
    let exp_requested = exp_fp.rounded();
    // ⌊exp_requested · scale / 2^requested_precision⌋, saturated to u128.
    let wide = mul_u128_wide::<N, W>(&exp_requested, scale);
    let mut result = [0u64; 2];
    let fits = shr_into(&wide, requested_precision, &mut result);
    if exp_requested.neg {
        // Any non-zero negative quotient floors to ≤ −1, which saturates.
        return Some(if is_zero(&wide) { 0 } else { u128::MAX });
    }
    if !fits {
        return Some(u128::MAX);
    }
    Some(u128::from(result[0]) | (u128::from(result[1]) << 64))
}

#[cfg(test)]
mod tests;
