//! Tests of `limbs.rs` (a file of their own, so that the source stays short).

use super::*;
use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use proptest::prelude::*;

/// A limb with the patterns that stress carries: 0, all ones, a power of two, anything.
fn limb() -> impl Strategy<Value = u64> {
    prop_oneof![
        1 => Just(0u64),
        2 => Just(u64::MAX),
        1 => (0u32..64).prop_map(|s| 1 << s),
        4 => any::<u64>(),
    ]
}

/// A value of up to `N` limbs (random length), random sign.
fn value<const N: usize>() -> impl Strategy<Value = Fx<N>> {
    (proptest::collection::vec(limb(), 0..=N), any::<bool>()).prop_map(|(limbs, neg)| {
        let mut mag = [0; N];
        mag[..limbs.len()].copy_from_slice(&limbs);
        Fx::new(neg, mag)
    })
}

fn big<const N: usize>(v: &Fx<N>) -> BigInt {
    let sign = if v.neg { Sign::Minus } else { Sign::Plus };
    BigInt::from_biguint(sign, BigUint::from_slice(&u32_digits(&v.mag)))
}

fn u32_digits(mag: &[u64]) -> Vec<u32> {
    mag.iter()
        .flat_map(|&l| [l as u32, (l >> 32) as u32])
        .collect()
}

/// `value` as an `Fx<N>`, or `None` if it does not fit.
fn from_big<const N: usize>(value: &BigInt) -> Option<Fx<N>> {
    let fx = Fx::<N>::from_limbs(&value.magnitude().to_u64_digits())?;
    Some(if value.is_negative() {
        fx.negated()
    } else {
        fx
    })
}

use num_traits::Signed;

fn check_mul<const N: usize, const W: usize>(a: Fx<N>, b: Fx<N>, k: u32) {
    let expected = (big(&a) * big(&b)).div_floor(&(BigInt::from(1) << k));
    let mut got = a;
    let fits = got.mul_shr_floor_assign::<W>(&b, k);
    match from_big::<N>(&expected) {
        Some(e) => assert!(fits && got == e, "{a:?} × {b:?} >> {k}"),
        None => assert!(!fits, "{a:?} × {b:?} >> {k} should overflow"),
    }
}

fn check_div<const N: usize>(a: Fx<N>, n: u32) {
    let expected = big(&a).div_floor(&BigInt::from(n));
    let mut got = Fx::new(false, [7; N]);
    a.div_floor_small_into(n, &mut got);
    assert_eq!(Some(got), from_big::<N>(&expected), "{a:?} / {n}");
    let used = len(&a.mag);
    if used > 0 {
        let mut q = [0u64; N];
        let r = div_rem_by_reciprocal(&a.mag[..used], n, &mut q[..used]);
        let (expected_q, expected_r) = a.div_rem_abs(n);
        assert_eq!((q, r), (expected_q, expected_r), "{a:?} / {n}");
    }
}

impl<const N: usize> Fx<N> {
    /// `(⌊|self| / n⌋, |self| mod n)` through `BigUint`.
    fn div_rem_abs(&self, n: u32) -> ([u64; N], u64) {
        let (q, r) = BigUint::from_slice(&u32_digits(&self.mag)).div_rem(&BigUint::from(n));
        let r = r.to_u64_digits().first().copied().unwrap_or(0);
        (Fx::<N>::from_limbs(&q.to_u64_digits()).unwrap().mag, r)
    }
}

/// Every entry of the compile-time reciprocal table.
#[test]
fn reciprocal_table_is_exact() {
    for (n, &v) in RECIPROCALS.iter().enumerate().skip(1) {
        let d = (n as u64) << (n as u64).leading_zeros();
        assert_eq!(v, (u128::MAX / u128::from(d)) as u64, "n = {n}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_000))]

    /// The fixed-point product at the two widths and their internal precisions (short
    /// products there), and at shifts without short products.
    #[test]
    fn products_match_bigint(
        (a, b) in (value::<6>(), value::<6>()),
        (c, d) in (value::<18>(), value::<18>()),
        k6 in prop_oneof![Just(280u32), Just(149), Just(148), Just(212), Just(213), 64u32..384],
        k18 in prop_oneof![Just(1048u32), Just(1080), 64u32..1152],
    ) {
        check_mul::<6, 12>(a, b, k6);
        check_mul::<18, 36>(c, d, k18);
    }

    /// Short products whose high part leaves the quotient undetermined: bits k−64..k all
    /// ones, or the high part a multiple of 2ᵏ with a negative sign.
    #[test]
    fn undetermined_short_products_match_bigint(
        a in value::<18>(),
        b in value::<18>(),
        c in value::<6>(),
        ones in 1usize..=17,
        power in 0u32..1100,
    ) {
        // a·(2^(64m) − 1) = a·2^(64m) − a: long runs of ones in the product.
        let all_ones = Fx::<18>::from_limbs(&vec![u64::MAX; ones]).unwrap();
        check_mul::<18, 36>(a, all_ones, 1048);
        check_mul::<18, 36>(b.negated(), all_ones, 1048);
        let all_ones = Fx::<6>::from_limbs(&vec![u64::MAX; ones.min(5)]).unwrap();
        check_mul::<6, 12>(c, all_ones, 280);
        // −a·2ʲ: a high part that is a multiple of 2ᵏ when a is small or has low zeros.
        let power18 = Fx::<18>::pow2(power).unwrap().negated();
        check_mul::<18, 36>(a, power18, 1048);
        let power6 = Fx::<6>::pow2(power % 380).unwrap().negated();
        check_mul::<6, 12>(c, power6, 280);
    }

    /// Division by the series index (both methods), sums, rounding to the guard factor.
    #[test]
    fn division_sums_and_rounding_match_bigint(
        a in value::<6>(),
        b in value::<6>(),
        c in value::<18>(),
        n in prop_oneof![1u32..5_000, any::<u32>().prop_map(|n| n.max(1))],
    ) {
        check_div(a, n);
        check_div(c, n);
        let shift = u64::from(n).leading_zeros();
        let d = u64::from(n) << shift;
        prop_assert_eq!(reciprocal(n, shift), (u128::MAX / u128::from(d)) as u64);
        if let Some(&table) = RECIPROCALS.get(n as usize) {
            prop_assert_eq!(table, reciprocal(n, shift));
        }
        let sum = from_big::<6>(&(big(&a) + big(&b)));
        prop_assert_eq!(a.add(&b), sum);
        let difference = from_big::<6>(&(big(&a) - big(&b)));
        prop_assert_eq!(a.sub(&b), difference);
        let guard = BigInt::from(1) << GUARD_BITS;
        let rounded = super::super::round_to_precision(&big(&c), &guard);
        prop_assert_eq!(Some(c.rounded()), from_big::<18>(&rounded));
        prop_assert_eq!(c.below_guard(), big(&c).abs() < guard);
    }
}
