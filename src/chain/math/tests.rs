//! Tests of `math.rs` (a file of their own, so that the source stays short).

use super::*;
use proptest::prelude::*;

fn fixed_vec(bits: &[i64]) -> Vec<I32F32> {
    bits.iter().map(|b| I32F32::from_bits(*b)).collect()
}

/// The batched exponential on a dense sweep of [−20.5, 20.5] and the special inputs.
#[test]
fn exp_safe_batch_sweep_equals_exp_safe() {
    let step = (1i64 << 32) / 4099;
    let mut inputs: Vec<I32F32> = (-84_000..84_000)
        .map(|k| I32F32::from_bits(k * step))
        .collect();
    inputs.extend([ZERO, ONE, -ONE, I32F32::max_value(), I32F32::min_value()]);
    let mut outputs = vec![ZERO; inputs.len()];
    exp_safe_batch(&inputs, &mut outputs);
    for (x, y) in inputs.iter().zip(&outputs) {
        assert_eq!(*y, exp_safe(*x), "exp({x})");
    }
}

/// Upstream's `vec_max_upscale_to_u16`, with the crate's operations.
fn upstream_max_upscale(vec: &[I32F32]) -> Vec<u16> {
    let u16_max = I32F32::from_num(u16::MAX);
    let Some(max_value) = vec.iter().max().copied() else {
        return Vec::new();
    };
    if max_value == ZERO {
        return vec
            .iter()
            .map(|e| e.saturating_mul(u16_max).saturating_to_num::<u16>())
            .collect();
    }
    if max_value > I32F32::from_num(32768) {
        let ratio = u16_max.safe_div(max_value);
        return vec
            .iter()
            .map(|e| e.saturating_mul(ratio).round().saturating_to_num::<u16>())
            .collect();
    }
    vec.iter()
        .map(|e| {
            let x = e.saturating_mul(u16_max).safe_div(max_value);
            x.round().saturating_to_num::<u16>()
        })
        .collect()
}

proptest! {
    /// The column median's quickselect equals upstream's `weighted_median` call.
    #[test]
    fn weighted_quantile_equals_upstream_quickselect(
        entries in prop::collection::vec((0i64..8, 0i64..6), 0..40),
        minority_bits in -(1i64 << 33)..(3i64 << 32),
    ) {
        // Few distinct scores and stakes (many ties, zero stakes), stakes scaled to ~1.
        let score = fixed_vec(&entries.iter().map(|e| e.0 << 29).collect::<Vec<_>>());
        let stake = fixed_vec(&entries.iter().map(|e| e.1 << 28).collect::<Vec<_>>());
        let idx: Vec<usize> = (0..entries.len()).collect();
        let minority = I32F32::from_bits(minority_bits);
        let hi = sum(&stake);
        let upstream = weighted_median(&stake, &score, &idx, minority, ZERO, hi);
        let mut pairs: Vec<(I32F32, I32F32)> = score.into_iter().zip(stake).collect();
        prop_assert_eq!(weighted_quantile(&mut pairs, minority), upstream);
    }

    /// Rounding on the raw bits equals the crate's rounding (wrapping, as in a release
    /// build) and conversion.
    #[test]
    fn round_to_u16_equals_the_crate(bits in prop_oneof![
        any::<i64>(),
        -(1i64 << 34)..(70_000i64 << 32),
        (i64::MAX - (1i64 << 33))..=i64::MAX,
    ]) {
        let x = I32F32::from_bits(bits);
        prop_assert_eq!(round_to_u16(x), x.wrapping_round().saturating_to_num::<u16>());
    }

    /// The upscale with exact fast multiplication and division equals upstream's.
    #[test]
    fn max_upscale_equals_upstream(bits in prop::collection::vec(
        prop_oneof![any::<i64>(), 0i64..(1i64 << 48), -(1i64 << 40)..(1i64 << 40)],
        0..12,
    )) {
        let v = fixed_vec(&bits);
        prop_assert_eq!(vec_max_upscale_to_u16(&v), upstream_max_upscale(&v));
    }

    /// The u16 upscale equals upstream's on u16 inputs, with the largest entry 65 535 (the
    /// shortcut) or anything.
    #[test]
    fn u16_max_upscale_equals_upstream(
        values in prop::collection::vec(any::<u16>(), 0..12),
        top in any::<bool>(),
    ) {
        let mut values = values;
        if top && !values.is_empty() {
            values[0] = u16::MAX;
        }
        let fixed: Vec<I32F32> = values.iter().map(|v| I32F32::from_num(*v)).collect();
        prop_assert_eq!(vec_u16_max_upscale_to_u16(&values), upstream_max_upscale(&fixed));
    }

    /// The batched exponential equals the crate's, input by input.
    #[test]
    fn exp_safe_batch_equals_exp_safe(bits in prop::collection::vec(
        prop_oneof![any::<i64>(), -(21i64 << 32)..(21i64 << 32), -(6i64 << 32)..(6i64 << 32)],
        0..20,
    )) {
        let inputs = fixed_vec(&bits);
        let mut outputs = vec![ZERO; inputs.len()];
        exp_safe_batch(&inputs, &mut outputs);
        for (x, y) in inputs.iter().zip(&outputs) {
            prop_assert_eq!(*y, exp_safe(*x), "exp({})", x);
        }
    }

    /// The packed-key quantile equals the pair quantile.
    #[test]
    fn packed_quantile_equals_pair_quantile(
        entries in prop::collection::vec((0i64..8, 0i64..6), 1..40),
        minority_bits in -(1i64 << 33)..(3i64 << 32),
    ) {
        let score = fixed_vec(&entries.iter().map(|e| e.0 << 29).collect::<Vec<_>>());
        let stake = fixed_vec(&entries.iter().map(|e| e.1 << 28).collect::<Vec<_>>());
        let minority = I32F32::from_bits(minority_bits);
        let mut keys = Vec::new();
        let zeros = pack_keys(&score, &stake, &mut keys);
        prop_assert!(zeros.is_some());
        let zeros = zeros.unwrap_or((false, ZERO));
        let packed = weighted_quantile_packed(&mut keys, zeros, &stake, minority);
        let mut pairs: Vec<(I32F32, I32F32)> = score.into_iter().zip(stake).collect();
        prop_assert_eq!(packed, weighted_quantile(&mut pairs, minority));
    }

    /// The fused column-normalised product equals normalising a copy first.
    #[test]
    fn fused_col_normalized_product_equals_upstream(
        rows in prop::collection::vec(prop::collection::vec((0u16..8, 0i64..(1i64 << 34)), 0..8), 0..8),
        vector in prop::collection::vec(0i64..(1i64 << 33), 0..8),
    ) {
        let m: SparseMatrix = rows
            .iter()
            .map(|r| r.iter().map(|(j, v)| (*j, I32F32::from_bits(*v))).collect())
            .collect();
        let v = fixed_vec(&vector);
        let mut normalized = m.clone();
        inplace_col_normalize_sparse(&mut normalized, 6);
        let upstream = matmul_transpose_sparse(&normalized, &v);
        prop_assert_eq!(col_normalized_matmul_transpose_sparse(&m, 6, &v), upstream);
    }
}
