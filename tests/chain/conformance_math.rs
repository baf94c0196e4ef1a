//! Conformance of the chain's math primitives with subtensor's own math tests (commit
//! 14bc6f9f): weighted median, max-upscaling to u16, the max-weight limit, the α-matrix EMAs and
//! the liquid-alpha sigmoid.
//!
//! Inputs are built as upstream builds them: f32 literals through `I32F32::from_num`, dense
//! matrices row-major from a flat vector, sparse ones from the same vector without its zeros.
//! Where upstream compares with an epsilon ε the check is its `|got − want| ≤ I32F32::from_num(ε)`,
//! evaluated in f64 (exact for values of this size); everything else is compared exactly.

use proptest::prelude::*;
use taosim::chain::epoch::EpochParams;
use taosim::chain::epoch::bonds::{LiquidAlpha, compute_bonds_sparse};
use taosim::chain::epoch::dense::{compute_bonds, mat_ema_alpha, weighted_median_col};
use taosim::chain::fixed::{I32F32, ONE, ZERO, fixed_proportion_to_u16, u16_proportion_to_fixed};
use taosim::chain::math::{
    check_vec_max_limited, inplace_normalize, mat_ema_alpha_sparse, sum, vec_max_upscale_to_u16,
    vec_u16_max_upscale_to_u16, weighted_median, weighted_median_col_sparse,
};
use taosim::chain::types::SparseMatrix;

// ---------------------------------------------------------------------------------------------
// Upstream test helpers
// ---------------------------------------------------------------------------------------------

fn fixed(val: f32) -> I32F32 {
    I32F32::from_num(val)
}

fn vec_to_fixed(vector: &[f32]) -> Vec<I32F32> {
    vector.iter().map(|v| fixed(*v)).collect()
}

/// `vec_to_mat_fixed(vector, rows, false)`: a row-major `rows × (len / rows)` matrix.
fn vec_to_mat_fixed(vector: &[f32], rows: usize) -> Vec<Vec<I32F32>> {
    vector
        .chunks(vector.len() / rows)
        .map(vec_to_fixed)
        .collect()
}

/// `vec_to_sparse_mat_fixed(vector, rows, false)`: as [`vec_to_mat_fixed`], zeros omitted.
fn vec_to_sparse_mat_fixed(vector: &[f32], rows: usize) -> SparseMatrix {
    let sparse_row = |row: &[f32]| {
        let entries = row.iter().enumerate().filter(|(_, v)| **v != 0.0);
        entries.map(|(j, v)| (j as u16, fixed(*v))).collect()
    };
    vector.chunks(vector.len() / rows).map(sparse_row).collect()
}

/// `assert_float_compare`: `|got − want| ≤ I32F32::from_num(epsilon)`.
fn assert_close(got: I32F32, want: I32F32, epsilon: f64, at: &str) {
    let diff = (got.to_num::<f64>() - want.to_num::<f64>()).abs();
    let epsilon = I32F32::from_num(epsilon).to_num::<f64>();
    assert!(
        diff <= epsilon,
        "{at}: got {got}, want {want} (|diff| {diff:e} > {epsilon:e})"
    );
}

/// `assert_mat_compare`: same shape, every entry within `epsilon`.
fn assert_mat_close(got: &[Vec<I32F32>], want: &[Vec<I32F32>], epsilon: f64) {
    assert_eq!(got.len(), want.len(), "row count");
    for (i, (got_row, want_row)) in got.iter().zip(want).enumerate() {
        assert_eq!(got_row.len(), want_row.len(), "length of row {i}");
        for (j, (g, w)) in got_row.iter().zip(want_row).enumerate() {
            assert_close(*g, *w, epsilon, &format!("({i}, {j})"));
        }
    }
}

/// `assert_sparse_mat_compare`: same entries (columns, in order), values within `epsilon`.
fn assert_sparse_close(got: &SparseMatrix, want: &SparseMatrix, epsilon: f64) {
    assert_eq!(got.len(), want.len(), "row count");
    for (i, (got_row, want_row)) in got.iter().zip(want).enumerate() {
        let columns = |row: &[(u16, I32F32)]| row.iter().map(|(j, _)| *j).collect::<Vec<_>>();
        assert_eq!(columns(got_row), columns(want_row), "columns of row {i}");
        for ((j, g), (_, w)) in got_row.iter().zip(want_row) {
            assert_close(*g, *w, epsilon, &format!("({i}, {j})"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1.1 weighted_median
// ---------------------------------------------------------------------------------------------

/// `weighted_median` over all entries at majority 0.51 (minority `1 − 0.51`), lo 0, hi Σ stake.
fn median_at_majority_051(stake: &[I32F32], score: &[I32F32]) -> I32F32 {
    let idx: Vec<usize> = (0..stake.len()).collect();
    let minority = fixed(1.0) - fixed(0.51);
    weighted_median(stake, score, &idx, minority, ZERO, sum(stake))
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs, weighted_median fixed cases
/// (majority 0.51).
#[test]
fn weighted_median_matches_upstream_cases() {
    let cases: [(&[f32], &[f32], f32); 11] = [
        (&[0.49, 0.51], &[0.5, 1.0], 1.0),
        (&[0.51, 0.49], &[0.5, 1.0], 0.5),
        (&[0.49, 0.0, 0.51], &[0.5, 0.7, 1.0], 1.0),
        (&[0.49, 0.01, 0.5], &[0.5, 0.7, 1.0], 0.7),
        (&[0.49, 0.51, 0.0], &[0.5, 0.7, 1.0], 0.7),
        (&[0.0, 0.49, 0.51], &[0.5, 0.7, 1.0], 1.0),
        (&[0.0, 0.49, 0.0, 0.51], &[0.5, 0.5, 1.0, 1.0], 1.0),
        (
            &[0.0, 0.49, 0.0, 0.51, 0.0],
            &[0.5, 0.5, 1.0, 1.0, 0.5],
            1.0,
        ),
        (&[0.2; 5], &[0.8, 0.2, 1.0, 0.6, 0.4], 0.6),
        (
            &[0.1; 10],
            &[0.8, 0.8, 0.2, 0.2, 1.0, 1.0, 0.6, 0.6, 0.4, 0.4],
            0.6,
        ),
        (&[], &[], 0.0),
    ];
    for (stake, score, want) in cases {
        let got = median_at_majority_051(&vec_to_fixed(stake), &vec_to_fixed(score));
        assert_eq!(got, fixed(want), "stake {stake:?}, score {score:?}");
    }
    let mut stake = vec_to_fixed(&[0.51]);
    inplace_normalize(&mut stake);
    assert_eq!(median_at_majority_051(&stake, &vec_to_fixed(&[1.0])), ONE);
}

/// The smallest score whose stake at or below it exceeds `minority`; the largest score if none
/// does; 0 without entries.
fn median_by_definition(stake: &[I32F32], score: &[I32F32], minority: I32F32) -> I32F32 {
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by_key(|&i| score[i]);
    let mut cumulative = ZERO;
    for (k, &i) in order.iter().enumerate() {
        cumulative += stake[i];
        let last_of_its_score = order.get(k + 1).is_none_or(|&next| score[next] != score[i]);
        if last_of_its_score && cumulative > minority {
            return score[i];
        }
    }
    order.last().map_or(ZERO, |&i| score[i])
}

/// (stake units, score eighths) per entry, the majority, and a permutation of the entries.
fn median_inputs() -> impl Strategy<Value = (Vec<(u8, u8)>, f32, Vec<usize>)> {
    // The majorities upstream's random part sweeps.
    let majorities = vec![0.0, 0.000_000_1, 0.25, 0.49, 0.5, 0.51, 0.999_999_9, 1.0];
    let entries = prop::collection::vec((0u8..=4, 0u8..=8), 0..=40);
    (entries, prop::sample::select(majorities)).prop_flat_map(|(entries, majority)| {
        let permutation = Just((0..entries.len()).collect::<Vec<_>>()).prop_shuffle();
        (Just(entries), Just(majority), permutation)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Source: subtensor pallets/subtensor/src/tests/math.rs, weighted_median random part
    /// (result is where cumulative stake sorted by score first exceeds the minority, for any
    /// order of the entries).
    #[test]
    fn weighted_median_is_the_stake_quantile_in_any_order(
        (entries, majority, permutation) in median_inputs()
    ) {
        let mut stake: Vec<I32F32> = entries.iter().map(|(s, _)| I32F32::from_num(*s)).collect();
        inplace_normalize(&mut stake);
        let eighth = |k: u8| I32F32::from_num(k) / I32F32::from_num(8);
        let score: Vec<I32F32> = entries.iter().map(|(_, k)| eighth(*k)).collect();
        let total = sum(&stake);
        let minority = total - fixed(majority);
        let idx: Vec<usize> = (0..stake.len()).collect();
        let want = median_by_definition(&stake, &score, minority);
        prop_assert_eq!(weighted_median(&stake, &score, &idx, minority, ZERO, total), want);
        let stake: Vec<I32F32> = permutation.iter().map(|&i| stake[i]).collect();
        let score: Vec<I32F32> = permutation.iter().map(|&i| score[i]).collect();
        prop_assert_eq!(weighted_median(&stake, &score, &idx, minority, ZERO, total), want);
    }
}

// ---------------------------------------------------------------------------------------------
// 1.2 weighted_median_col, weighted_median_col_sparse
// ---------------------------------------------------------------------------------------------

const W_4X3: [f32; 12] = [0.0, 0.1, 0.0, 0.0, 0.2, 0.4, 0.0, 0.3, 0.1, 0.0, 0.4, 0.5];
const W_4X3_LAST_ROW_CUT: [f32; 12] = [0.0, 0.1, 0.0, 0.0, 0.2, 0.4, 0.0, 0.3, 0.1, 0.0, 0.0, 0.5];

/// (stake, W as 4 rows, majority, median per column).
type MedianColCase = (&'static [f32], &'static [f32; 12], f32, &'static [f32]);
const MEDIAN_COL_CASES: [MedianColCase; 4] = [
    (&[0.0, 0.75, 0.25, 0.0], &W_4X3, 0.24, &[0.0, 0.3, 0.4]),
    (&[0.0, 0.75, 0.25, 0.0], &W_4X3, 0.26, &[0.0, 0.2, 0.4]),
    (&[0.0, 0.75, 0.25, 0.0], &W_4X3, 0.76, &[0.0, 0.2, 0.1]),
    (
        &[0.0, 0.3, 0.2, 0.5],
        &W_4X3_LAST_ROW_CUT,
        0.51,
        &[0.0, 0.0, 0.4],
    ),
];

/// Source: subtensor pallets/subtensor/src/tests/math.rs, weighted_median_col cases (dense).
#[test]
fn weighted_median_col_matches_upstream_cases() {
    let empty: Vec<Vec<I32F32>> = vec![vec![]];
    assert_eq!(
        weighted_median_col(&[], &empty, fixed(0.5)),
        Vec::<I32F32>::new()
    );
    let zeros = vec_to_mat_fixed(&[0.0; 4], 2);
    let zero_stake = vec_to_fixed(&[0.0, 0.0]);
    assert_eq!(
        weighted_median_col(&zero_stake, &zeros, fixed(0.5)),
        vec![ZERO; 2]
    );
    for (stake, weights, majority, want) in MEDIAN_COL_CASES {
        let weights = vec_to_mat_fixed(weights, 4);
        let got = weighted_median_col(&vec_to_fixed(stake), &weights, fixed(majority));
        assert_eq!(
            got,
            vec_to_fixed(want),
            "stake {stake:?}, majority {majority}"
        );
    }
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs, weighted_median_col_sparse cases.
#[test]
fn weighted_median_col_sparse_matches_upstream_cases() {
    let empty: SparseMatrix = vec![vec![]];
    assert_eq!(
        weighted_median_col_sparse(&[], &empty, 0, fixed(0.5)),
        Vec::<I32F32>::new()
    );
    let zeros = vec_to_sparse_mat_fixed(&[0.0; 4], 2);
    let zero_stake = vec_to_fixed(&[0.0, 0.0]);
    assert_eq!(
        weighted_median_col_sparse(&zero_stake, &zeros, 2, fixed(0.5)),
        vec![ZERO; 2]
    );
    for (stake, weights, majority, want) in MEDIAN_COL_CASES {
        let weights = vec_to_sparse_mat_fixed(weights, 4);
        let got = weighted_median_col_sparse(&vec_to_fixed(stake), &weights, 3, fixed(majority));
        assert_eq!(
            got,
            vec_to_fixed(want),
            "stake {stake:?}, majority {majority}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 1.3 vec_max_upscale_to_u16, vec_u16_max_upscale_to_u16
// ---------------------------------------------------------------------------------------------

/// Source: subtensor pallets/subtensor/src/tests/math.rs, vec_max_upscale_to_u16 cases.
#[test]
fn vec_max_upscale_to_u16_matches_upstream_cases() {
    let int = |x: i32| I32F32::from_num(x);
    let max = I32F32::max_value();
    let cases: Vec<(Vec<I32F32>, Vec<u16>)> = vec![
        (vec![], vec![]),
        (vec_to_fixed(&[0.0]), vec![0]),
        (vec_to_fixed(&[0.0, 1.0]), vec![0, 65535]),
        (vec_to_fixed(&[0.0, 0.000_000_001]), vec![0, 65535]),
        (vec_to_fixed(&[0.0, 0.000_016, 1.0]), vec![0, 1, 65535]),
        (
            vec_to_fixed(&[0.000_000_001, 0.000_000_001]),
            vec![65535, 65535],
        ),
        (
            vec_to_fixed(&[
                0.000_001, 0.000_006, 0.000_007, 0.0001, 0.001, 0.01, 0.1, 0.2, 0.3, 0.4,
            ]),
            vec![0, 1, 1, 16, 164, 1638, 16384, 32768, 49151, 65535],
        ),
        (vec![int(16384)], vec![65535]),
        (vec![int(32768)], vec![65535]),
        (vec![int(32769)], vec![65535]),
        (vec![int(65535)], vec![65535]),
        (vec![max], vec![65535]),
        (vec_to_fixed(&[0.0, 1.0, 65535.0]), vec![0, 1, 65535]),
        (
            vec_to_fixed(&[0.0, 0.5, 1.0, 1.5, 2.0, 32768.0]),
            vec![0, 1, 2, 3, 4, 65535],
        ),
        (
            vec_to_fixed(&[0.0, 0.5, 1.0, 1.5, 2.0, 32768.0, 32769.0]),
            vec![0, 1, 2, 3, 4, 65533, 65535],
        ),
        (
            vec![int(0), int(1), int(32768), int(32769), max],
            vec![0, 0, 1, 1, 65535],
        ),
    ];
    for (input, want) in cases {
        assert_eq!(vec_max_upscale_to_u16(&input), want, "input {input:?}");
    }
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs, vec_u16_max_upscale_to_u16 cases.
#[test]
fn vec_u16_max_upscale_to_u16_matches_upstream_cases() {
    let cases: [(&[u16], &[u16]); 5] = [
        (&[1], &[65535]),
        (&[0, 1], &[0, 65535]),
        (&[65534], &[65535]),
        (&[0, 1, 65534], &[0, 1, 65535]),
        (
            &[0, 1, 2, 3, 4, 65533, 65535],
            &[0, 1, 2, 3, 4, 65533, 65535],
        ),
    ];
    for (input, want) in cases {
        assert_eq!(vec_u16_max_upscale_to_u16(input), want, "input {input:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 1.4 check_vec_max_limited
// ---------------------------------------------------------------------------------------------

/// Source: subtensor pallets/subtensor/src/tests/math.rs, check_vec_max_limited cases.
#[test]
fn check_vec_max_limited_matches_upstream_cases() {
    let cases: [(&[u16], u16, bool); 11] = [
        (&[], 0, true),
        (&[], 65535, true),
        (&[65535], 65535, true),
        (&[65535], 65534, false),
        (&[65535], 0, false),
        (&[0], 65535, true),
        (&[0, 65535], 65535, true),
        (&[0, 65535, 65535], 32767, false),
        (&[0, 65535, 65535], 32768, true),
        (&[0, 65535, 65535, 65535], 21844, false),
        (&[0, 65535, 65535, 65535], 21845, true),
    ];
    for (weights, limit, allowed) in cases {
        assert_eq!(
            check_vec_max_limited(weights, limit),
            allowed,
            "weights {weights:?}, limit {limit}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 1.5 mat_ema_alpha (dense)
// ---------------------------------------------------------------------------------------------

const OLD_WITH_3: [f32; 12] = [
    0.1, 0.2, 3.0, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12,
];
const OLD_SMALL: [f32; 12] = [
    0.001, 0.002, 0.003, 0.004, 0.05, 0.006, 0.007, 0.008, 0.009, 0.010, 0.011, 0.012,
];
const ONE_TO_TWELVE: [f32; 12] = [
    1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0,
];
/// `OLD_WITH_3` after an EMA with α = 0.1 towards `ONE_TO_TWELVE`, clamped to 1.
const EMA_TOWARDS_ONE_TO_TWELVE: [f32; 12] = [
    0.19, 0.38, 1.0, 0.436, 0.545, 0.6539, 0.763, 0.8719, 0.981, 1.0, 1.0, 1.0,
];
/// `OLD_WITH_3` clamped to 1.
const OLD_WITH_3_CLAMPED: [f32; 12] = [
    0.10, 0.2, 1.0, 0.0399, 0.05, 0.0599, 0.07, 0.07999, 0.09, 0.1, 0.10999, 0.11999,
];

/// A 4×3 matrix of one α.
fn uniform_alpha(alpha: f32) -> Vec<Vec<I32F32>> {
    vec_to_mat_fixed(&[alpha; 12], 4)
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs, dense mat_ema_alpha with α = 0.1
/// (ε 1e-4).
#[test]
fn mat_ema_alpha_clamps_bonds_to_one() {
    let old = vec_to_mat_fixed(&OLD_WITH_3, 4);
    let new = vec_to_mat_fixed(&ONE_TO_TWELVE, 4);
    let result = mat_ema_alpha(&new, &old, &uniform_alpha(0.1));
    assert_mat_close(
        &result,
        &vec_to_mat_fixed(&EMA_TOWARDS_ONE_TO_TWELVE, 4),
        1e-4,
    );
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs, dense mat_ema_alpha with α = 0
/// (ε 1e-4).
#[test]
fn mat_ema_alpha_zero_rate_keeps_old_bonds_clamped_to_one() {
    let old = vec_to_mat_fixed(&OLD_WITH_3, 4);
    let new = vec_to_mat_fixed(&ONE_TO_TWELVE.map(|x| 10.0 * x), 4);
    let result = mat_ema_alpha(&new, &old, &uniform_alpha(0.0));
    assert_mat_close(&result, &vec_to_mat_fixed(&OLD_WITH_3_CLAMPED, 4), 1e-4);
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs, dense mat_ema_alpha with α = 1
/// (ε 1e-4).
#[test]
fn mat_ema_alpha_unit_rate_takes_new_weights_clamped_to_one() {
    let old = vec_to_mat_fixed(&OLD_SMALL, 4);
    let new = vec_to_mat_fixed(&OLD_WITH_3, 4);
    let result = mat_ema_alpha(&new, &old, &uniform_alpha(1.0));
    assert_mat_close(&result, &vec_to_mat_fixed(&OLD_WITH_3_CLAMPED, 4), 1e-4);
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs, dense mat_ema_alpha on 2×3 matrices
/// with α 0.5 everywhere (exact) and with α row [0.2, 0.5, 0.8] (ε 1e-6).
#[test]
fn mat_ema_alpha_per_column_rates() {
    let new = vec_to_mat_fixed(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2);
    let old = vec_to_mat_fixed(&[0.5, 1.5, 2.5, 3.5, 4.5, 5.5], 2);
    let half = vec_to_mat_fixed(&[0.5; 6], 2);
    let want = vec_to_mat_fixed(&[0.75, 1.0, 1.0, 1.0, 1.0, 1.0], 2);
    assert_eq!(mat_ema_alpha(&new, &old, &half), want);
    let per_column = vec_to_mat_fixed(&[0.2, 0.5, 0.8, 0.2, 0.5, 0.8], 2);
    let want = vec_to_mat_fixed(&[0.6, 1.0, 1.0, 1.0, 1.0, 1.0], 2);
    assert_mat_close(&mat_ema_alpha(&new, &old, &per_column), &want, 1e-6);
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs, dense mat_ema_alpha on a single
/// entry (exact).
#[test]
fn mat_ema_alpha_single_entry() {
    let half = vec![vec![fixed(0.5)]];
    let result = mat_ema_alpha(&vec![vec![ONE]], &half, &half);
    assert_eq!(result, vec![vec![fixed(0.75)]]);
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs, dense mat_ema_alpha on empty
/// matrices (returns `vec![vec![]]`), read as matrices of no rows.
#[test]
fn mat_ema_alpha_of_no_rows_is_one_empty_row() {
    let empty: Vec<Vec<I32F32>> = Vec::new();
    let want: Vec<Vec<I32F32>> = vec![vec![]];
    assert_eq!(mat_ema_alpha(&empty, &empty, &empty), want);
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs, dense mat_ema_alpha on empty
/// matrices (returns `vec![vec![]]`), read as matrices of one empty row.
#[test]
fn mat_ema_alpha_of_one_empty_row_is_one_empty_row() {
    let empty: Vec<Vec<I32F32>> = vec![vec![]];
    assert_eq!(mat_ema_alpha(&empty, &empty, &empty), empty);
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs::test_mat_ema_alpha_mismatched_dimensions
/// (new 2×2, old 2×3, α 2×3, both matrices starting with 1.0; the other entries here are
/// ours). It asserts only `result[0][0] == old[0][0]`, which holds for `old` and `new` alike:
/// the next test tells the two apart.
#[test]
fn test_mat_ema_alpha_mismatched_dimensions() {
    let new = vec_to_mat_fixed(&[1.0, 2.0, 3.0, 4.0], 2);
    let old = vec_to_mat_fixed(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2);
    let alpha = vec_to_mat_fixed(&[0.5; 6], 2);
    let result = mat_ema_alpha(&new, &old, &alpha);
    assert_eq!(result[0][0], old[0][0]);
}

/// Source: subtensor pallets/subtensor/src/epoch/math.rs, `mat_ema_alpha` (issue 16, item 7):
/// only a row-count mismatch returns `old`; a row-length mismatch in any row — the first
/// included — returns `new`. The matrices differ in every entry, so each outcome shows.
#[test]
fn mat_ema_alpha_row_length_mismatch_returns_new_row_count_mismatch_old() {
    let new = vec_to_mat_fixed(&[0.1, 0.2, 0.3, 0.4], 2);
    let old = vec_to_mat_fixed(&[0.5, 0.6, 0.7, 0.8, 0.9, 1.0], 2);
    let alpha = vec_to_mat_fixed(&[0.5; 6], 2);
    assert_eq!(mat_ema_alpha(&new, &old, &alpha), new, "first rows differ");
    // Only the second row is ragged.
    let ragged = vec![old[0][..2].to_vec(), old[1].clone()];
    let square_alpha = vec_to_mat_fixed(&[0.5; 4], 2);
    assert_eq!(mat_ema_alpha(&new, &ragged, &square_alpha), new);
    // α's rows may be the ragged ones too.
    let old_square = vec_to_mat_fixed(&[0.5, 0.6, 0.7, 0.8], 2);
    assert_eq!(mat_ema_alpha(&new, &old_square, &alpha), new);
    // Three rows against two: `old`, whatever the row lengths.
    let three_rows = vec_to_mat_fixed(&[0.5, 0.6, 0.7, 0.8, 0.9, 1.0], 3);
    assert_eq!(mat_ema_alpha(&new, &three_rows, &square_alpha), three_rows);
    let alpha_three_rows = vec_to_mat_fixed(&[0.5; 6], 3);
    assert_eq!(
        mat_ema_alpha(&new, &old_square, &alpha_three_rows),
        old_square
    );
}

// ---------------------------------------------------------------------------------------------
// 1.6 mat_ema_alpha_sparse
// ---------------------------------------------------------------------------------------------

/// Source: subtensor pallets/subtensor/src/tests/math.rs, mat_ema_alpha_sparse with α = 0.1
/// towards [1..12] (ε 1e-4).
#[test]
fn mat_ema_alpha_sparse_clamps_bonds_to_one() {
    let old = vec_to_sparse_mat_fixed(&OLD_WITH_3, 4);
    let new = vec_to_sparse_mat_fixed(&ONE_TO_TWELVE, 4);
    let want = [
        0.19, 0.38, 1.0, 0.43599, 0.545, 0.65399, 0.763, 0.87199, 0.981, 1.0, 1.0, 1.0,
    ];
    let result = mat_ema_alpha_sparse(&new, &old, &uniform_alpha(0.1));
    assert_sparse_close(&result, &vec_to_sparse_mat_fixed(&want, 4), 1e-4);
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs, mat_ema_alpha_sparse with α = 0.1
/// from small and from zero bonds. No ε is stated for these targets; they are truncated to four
/// or five digits (0.0227 for 0.0228), so the section's ε 1e-4 is used.
#[test]
fn mat_ema_alpha_sparse_decays_old_and_buys_new() {
    let new = vec_to_sparse_mat_fixed(&OLD_WITH_3, 4);
    let from_small = [
        0.0109, 0.0218, 0.3027, 0.007599, 0.05, 0.01139, 0.0133, 0.01519, 0.017, 0.01899, 0.02089,
        0.0227,
    ];
    let old = vec_to_sparse_mat_fixed(&OLD_SMALL, 4);
    let result = mat_ema_alpha_sparse(&new, &old, &uniform_alpha(0.1));
    assert_sparse_close(&result, &vec_to_sparse_mat_fixed(&from_small, 4), 1e-4);
    let from_zero = [
        0.01, 0.02, 0.3, 0.00399, 0.005, 0.00599, 0.007, 0.00799, 0.009, 0.01, 0.011, 0.01199,
    ];
    let old = vec_to_sparse_mat_fixed(&[0.0; 12], 4);
    let result = mat_ema_alpha_sparse(&new, &old, &uniform_alpha(0.1));
    assert_sparse_close(&result, &vec_to_sparse_mat_fixed(&from_zero, 4), 1e-4);
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs, mat_ema_alpha_sparse where the old
/// bond's column is absent from the new row (the bond is dropped; ε 1e-4 as above).
#[test]
fn mat_ema_alpha_sparse_drops_bonds_absent_from_new_row() {
    let mut old = [0.0; 12];
    old[0] = 1.0;
    let mut new = [0.0; 12];
    new[3] = 2.0;
    let mut want = [0.0; 12];
    want[3] = 0.2;
    let old = vec_to_sparse_mat_fixed(&old, 4);
    let new = vec_to_sparse_mat_fixed(&new, 4);
    let result = mat_ema_alpha_sparse(&new, &old, &uniform_alpha(0.1));
    assert_sparse_close(&result, &vec_to_sparse_mat_fixed(&want, 4), 1e-4);
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs, mat_ema_alpha_sparse cases whose
/// results all clamp to 1 (exact).
#[test]
fn mat_ema_alpha_sparse_clamps_large_values_to_one() {
    let sparse = |rows: &[&[(u16, f32)]]| -> SparseMatrix {
        let row = |r: &[(u16, f32)]| r.iter().map(|(j, v)| (*j, fixed(*v))).collect();
        rows.iter().map(|r| row(r)).collect()
    };
    let new = sparse(&[&[(0, 1.0), (1, 2.0)], &[(0, 3.0), (1, 4.0)]]);
    let old = sparse(&[&[(0, 5.0), (1, 6.0)], &[(0, 7.0), (1, 8.0)]]);
    let all_one = sparse(&[&[(0, 1.0), (1, 1.0)], &[(0, 1.0), (1, 1.0)]]);
    for alpha_row in [[0.1, 0.2], [0.3, 0.7]] {
        let alpha = vec![vec_to_fixed(&alpha_row); 2];
        assert_eq!(mat_ema_alpha_sparse(&new, &old, &alpha), all_one);
    }
    let (new, old) = (sparse(&[&[(0, 1.0)]]), sparse(&[&[(0, 2.0)]]));
    for alpha_row in [&[0.5][..], &[0.1, 0.0], &[1.0, 0.0]] {
        let alpha = vec![vec_to_fixed(alpha_row)];
        assert_eq!(
            mat_ema_alpha_sparse(&new, &old, &alpha),
            sparse(&[&[(0, 1.0)]])
        );
    }
    let new = sparse(&[&[(0, 1.0)], &[(1, 4.0)]]);
    let old = sparse(&[&[(0, 5.0)], &[(1, 8.0)]]);
    let alpha = vec![vec_to_fixed(&[0.5, 0.5]); 2];
    let want = sparse(&[&[(0, 1.0)], &[(1, 1.0)]]);
    assert_eq!(mat_ema_alpha_sparse(&new, &old, &alpha), want);
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs, mat_ema_alpha_sparse with a
/// different α per entry (ε 1e-6).
#[test]
fn mat_ema_alpha_sparse_per_entry_rates() {
    let new = vec_to_sparse_mat_fixed(&[0.1, 0.2, 0.3, 0.4], 2);
    let old = vec_to_sparse_mat_fixed(&[0.5, 0.6, 0.7, 0.8], 2);
    let alpha = vec_to_mat_fixed(&[0.9, 0.8, 0.5, 0.7], 2);
    let want = vec_to_sparse_mat_fixed(&[0.14, 0.28, 0.5, 0.52], 2);
    assert_sparse_close(&mat_ema_alpha_sparse(&new, &old, &alpha), &want, 1e-6);
}

// ---------------------------------------------------------------------------------------------
// 1.7 Liquid-alpha sigmoid
// ---------------------------------------------------------------------------------------------

/// Liquid alpha on with `AlphaValues = (alpha_low, alpha_high)`, steepness 1000, BMA 900_000.
fn liquid_params(alpha_low: u16, alpha_high: u16) -> EpochParams {
    EpochParams {
        liquid_alpha: true,
        alpha_low,
        alpha_high,
        alpha_sigmoid_steepness: 1000,
        bonds_moving_average: 900_000,
        ..EpochParams::default()
    }
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs, liquid-alpha sigmoid at
/// `set_alpha_values_32(0.1, 0.3)` = (6553, 19660), steepness 1000.
/// [derived] derived from the spec formula, cross-checked against the test's assertion. The
/// values are given to six decimals, hence ε 1e-6. The midpoint "0.2" is nominal: the stored
/// endpoints are 6553/65535 and 19660/65535, whose midpoint is 13106.5/65535 ≈ 0.1999924, so
/// d = ½ is checked as that midpoint (ε 1e-6) and as 0.2 to the quantisation offset (ε 1e-5).
#[test]
fn liquid_alpha_sigmoid_rises_from_alpha_low_to_alpha_high() {
    let la = LiquidAlpha::new(&liquid_params(6553, 19660));
    // Buying with no bond: d = clamp(w − c, 0, 1).
    let alpha_at = |d: f32| la.alpha_sigmoid(ZERO, fixed(d), ZERO);
    let alpha_at_consensus = la.alpha_sigmoid(fixed(0.3), fixed(0.3), ZERO);
    assert_eq!(alpha_at(0.0), alpha_at_consensus);
    assert_close(alpha_at(0.0), I32F32::from_num(0.101_331), 1e-6, "d = 0");
    // The "0.2" of the vector is nominal: the exact midpoint of 6553 and 19660 over 65535.
    let midpoint = I32F32::from_num(13106.5 / 65535.0);
    assert_close(alpha_at(0.5), midpoint, 1e-6, "d = 0.5");
    assert_close(alpha_at(1.0), I32F32::from_num(0.298_653), 1e-6, "d = 1");
}

/// Source: subtensor pallets/subtensor/src/tests/math.rs, liquid-alpha first bond: one EMA
/// step from bond 0 with w = 1 at consensus 1 (d = 0) stores ⌊0.101331 × 65535⌋ = 6640.
/// [derived] derived from the spec formula, cross-checked against the test's assertion.
#[test]
fn liquid_alpha_first_bond_at_consensus_stores_6640() {
    let weights: SparseMatrix = vec![vec![(0, ONE)]];
    let bonds: SparseMatrix = vec![vec![]];
    let ema = compute_bonds_sparse(&weights, &bonds, &[ONE], &liquid_params(6553, 19660));
    assert_eq!(ema.len(), 1);
    assert_eq!(ema[0].len(), 1);
    let (column, bond) = ema[0][0];
    assert_eq!(column, 0);
    assert_close(bond, I32F32::from_num(0.101_331), 1e-6, "bond");
    assert_eq!(fixed_proportion_to_u16(bond), 6640);
}

/// Source: subtensor pallets/subtensor/src/tests/epoch.rs::test_liquid_alpha_equal_values_against_itself
/// (dense `compute_bonds`; liquid alpha with α_low = α_high = 6553 equals the fixed rate of
/// BondsMovingAverage 900_000, ε 1e-3).
#[test]
fn liquid_alpha_equal_values_against_itself() {
    let weights = vec_to_mat_fixed(&W_4X3, 4);
    let bonds = [0.1, 0.1, 0.5, 0.0, 0.0, 0.4, 0.5, 0.1, 0.1, 0.0, 0.4, 0.2];
    let bonds = vec_to_mat_fixed(&bonds, 4);
    let consensus = vec_to_fixed(&[0.3, 0.2, 0.1, 0.4]);
    let liquid_on = liquid_params(6553, 6553);
    let liquid_off = EpochParams {
        liquid_alpha: false,
        ..liquid_on.clone()
    };
    assert_eq!(
        u16_proportion_to_fixed(6553),
        LiquidAlpha::new(&liquid_on).alpha_sigmoid(ZERO, ONE, ZERO)
    );
    let on = compute_bonds(&weights, &bonds, &consensus, &liquid_on);
    let off = compute_bonds(&weights, &bonds, &consensus, &liquid_off);
    assert_mat_close(&on, &off, 1e-3);
}
