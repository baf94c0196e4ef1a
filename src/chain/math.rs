//! Vector and sparse-matrix primitives of the epoch, named exactly as in subtensor's
//! `pallets/subtensor/src/epoch/math.rs` so that any function can be diffed against upstream.
//!
//! Semantics follow spec §9: I32F32 everywhere (floor multiplication, truncating division),
//! saturating where the chain saturates, plain (wrapping, as in the chain's release build)
//! addition where the chain uses `Sum`. Sparse rows keep the order their entries were written in.
//! Where upstream would index out of bounds on malformed input, these functions skip the entry
//! instead (the epoch only ever passes in-range indices).
//!
//! Speed without changing a bit: products go through exact i128 multiplication
//! ([`mul_sat`]), divisions by a shared row or column sum through [`FixedDivisor`], column
//! medians sort packed integer keys ([`weighted_quantile`]), and [`exp_safe_batch`] evaluates
//! exponentials in lock-step lanes. Unit tests below hold each against the upstream-shaped
//! computation.
//!
//! May depend on: `fixed`, `types`, `substrate_fixed::transcendental`.

use super::fixed::{
    FixedDivisor, I32F32, I64F64, ONE, SafeDiv, ZERO, add_sat, add_wrap, mul_checked, mul_sat,
};
use super::types::SparseMatrix;
use substrate_fixed::transcendental::exp;

// ---------------------------------------------------------------------------------------------
// Vectors
// ---------------------------------------------------------------------------------------------

/// `sum`: plain addition, as the chain's `Iterator::sum` over fixed values (wraps like the
/// chain's release build instead of panicking).
pub fn sum(x: &[I32F32]) -> I32F32 {
    x.iter().fold(ZERO, |acc, v| add_wrap(acc, *v))
}

/// `is_zero`: true if the sum of the vector is zero.
pub fn is_zero(x: &[I32F32]) -> bool {
    sum(x) == ZERO
}

/// `inplace_normalize`: divide every entry by the sum, unless the sum is zero.
pub fn inplace_normalize(x: &mut [I32F32]) {
    let x_sum = sum(x);
    inplace_normalize_using_sum(x, x_sum);
}

/// `inplace_normalize_using_sum`: divide every entry by `x_sum`, unless it is zero.
pub fn inplace_normalize_using_sum(x: &mut [I32F32], x_sum: I32F32) {
    if x_sum == ZERO {
        return;
    }
    let divisor = FixedDivisor::new(x_sum);
    for value in x.iter_mut() {
        *value = divisor.safe_div(*value);
    }
}

/// `inplace_normalize_64`: I64F64 normalisation (stake), skipped when the sum is zero. The sum
/// saturates where the chain's would wrap; stakes bounded by the 21·10¹⁵ rao supply never get
/// near either.
pub fn inplace_normalize_64(x: &mut [I64F64]) {
    let zero = I64F64::from_bits(0);
    let x_sum = x.iter().fold(zero, |acc, v| acc.saturating_add(*v));
    if x_sum == zero {
        return;
    }
    for value in x.iter_mut() {
        *value = value.safe_div(x_sum);
    }
}

/// `vec_fixed64_to_fixed32`: truncate each entry to I32F32 (saturating).
pub fn vec_fixed64_to_fixed32(vec: &[I64F64]) -> Vec<I32F32> {
    vec.iter()
        .map(|v| I32F32::saturating_from_num(*v))
        .collect()
}

/// `vec_fixed_proportions_to_u16`: `floor(x × 65535)` for each entry, saturating.
pub fn vec_fixed_proportions_to_u16(vec: &[I32F32]) -> Vec<u16> {
    vec.iter()
        .map(|x| super::fixed::fixed_proportion_to_u16(*x))
        .collect()
}

/// `inplace_mask_vector`: zero the entries whose mask is true. Entries beyond the end of a
/// non-empty mask count as masked; an empty mask masks nothing.
pub fn inplace_mask_vector(mask: &[bool], vector: &mut [I32F32]) {
    if mask.is_empty() {
        return;
    }
    for (i, value) in vector.iter_mut().enumerate() {
        if mask.get(i).copied().unwrap_or(true) {
            *value = ZERO;
        }
    }
}

/// `vec_mul`: element-wise product, 0 where the product overflows.
pub fn vec_mul(a: &[I32F32], b: &[I32F32]) -> Vec<I32F32> {
    a.iter()
        .zip(b)
        .map(|(x, y)| mul_checked(*x, *y).unwrap_or(ZERO))
        .collect()
}

/// `vecdiv`: element-wise `x / y`, 0 where `y` is zero (or the quotient overflows).
pub fn vecdiv(x: &[I32F32], y: &[I32F32]) -> Vec<I32F32> {
    x.iter().zip(y).map(|(a, b)| a.safe_div(*b)).collect()
}

/// `is_topk`: true for the k largest entries; if `n < k` all are true. A stable ascending sort
/// decides ties, so among equal values the lower index is dropped first.
pub fn is_topk(vector: &[I32F32], k: usize) -> Vec<bool> {
    let mut result = vec![true; vector.len()];
    drop_smallest(vector, k, &mut result);
    result
}

/// `is_topk_nonzero`: as [`is_topk`], and zero entries are never selected.
pub fn is_topk_nonzero(vector: &[I32F32], k: usize) -> Vec<bool> {
    let mut result: Vec<bool> = vector.iter().map(|v| *v != ZERO).collect();
    drop_smallest(vector, k, &mut result);
    result
}

/// Sets `result` false for the `n - k` smallest entries (stable ascending order).
fn drop_smallest(vector: &[I32F32], k: usize, result: &mut [bool]) {
    let n = vector.len();
    if n < k {
        return;
    }
    let mut idxs: Vec<usize> = (0..n).collect();
    idxs.sort_by_key(|&idx| vector[idx]);
    for &idx in idxs.iter().take(n.saturating_sub(k)) {
        result[idx] = false;
    }
}

/// `vec_max_upscale_to_u16`: scale so the largest entry becomes 65535, rounding to nearest
/// (ties away from zero). Used to store submitted weights.
pub fn vec_max_upscale_to_u16(vec: &[I32F32]) -> Vec<u16> {
    let u16_max = I32F32::from_num(u16::MAX);
    let threshold = I32F32::from_num(32768);
    let Some(max_value) = vec.iter().max().copied() else {
        return Vec::new();
    };
    let to_u16 = round_to_u16;
    if max_value == ZERO {
        let floor = |x: I32F32| x.saturating_to_num::<u16>();
        return vec.iter().map(|e| floor(mul_sat(*e, u16_max))).collect();
    }
    if max_value > threshold {
        let ratio = u16_max.safe_div(max_value);
        return vec.iter().map(|e| to_u16(mul_sat(*e, ratio))).collect();
    }
    let divisor = FixedDivisor::new(max_value);
    vec.iter()
        .map(|e| to_u16(divisor.safe_div(mul_sat(*e, u16_max))))
        .collect()
}

/// `x.round().saturating_to_num::<u16>()` (ties away from zero) on the raw bits: ⌊x + ½⌋
/// clamped for positive x, 0 otherwise; values so large that the rounding overflows take the
/// crate's wrapping path (what `round` returns in the chain's release build).
fn round_to_u16(x: I32F32) -> u16 {
    let bits = x.to_bits();
    if bits <= 0 {
        return 0;
    }
    if bits > i64::MAX - (1 << 31) {
        return x.wrapping_round().saturating_to_num::<u16>();
    }
    ((bits + (1 << 31)) >> 32).min(i64::from(u16::MAX)) as u16
}

/// `vec_u16_max_upscale_to_u16`: [`vec_max_upscale_to_u16`] of u16 inputs.
///
/// Inputs whose largest entry is already 65 535 (what validators submit) come back unchanged
/// without the fixed-point pass: the ratio is then `65535 / 65535`, exactly 1, each product
/// by it is exact, and rounding an integer leaves it as it is.
pub fn vec_u16_max_upscale_to_u16(vec: &[u16]) -> Vec<u16> {
    if vec.iter().max() == Some(&u16::MAX) {
        return vec.to_vec();
    }
    let fixed: Vec<I32F32> = vec.iter().map(|e| I32F32::from_num(*e)).collect();
    vec_max_upscale_to_u16(&fixed)
}

/// `check_vec_max_limited`: true if the normalised maximum is at most `max_limit / 65535`.
pub fn check_vec_max_limited(vec: &[u16], max_limit: u16) -> bool {
    let max_limit_fixed = I32F32::from_num(max_limit).safe_div(I32F32::from_num(u16::MAX));
    let mut vec_fixed: Vec<I32F32> = vec.iter().map(|e| I32F32::from_num(*e)).collect();
    inplace_normalize(&mut vec_fixed);
    vec_fixed.iter().max().is_none_or(|v| *v <= max_limit_fixed)
}

/// `clamp_value`: `max(min(value, max), min)`.
pub fn clamp_value(value: I32F32, min: I32F32, max: I32F32) -> I32F32 {
    let mut clamped = value;
    if clamped < min {
        clamped = min;
    } else if clamped > max {
        clamped = max;
    }
    clamped
}

/// `exp_safe`: `exp` of the input clamped to [−20, 20] (substrate-fixed Taylor series); on an
/// error 0 for non-positive inputs, `I32F32::max_value()` otherwise.
pub fn exp_safe(input: I32F32) -> I32F32 {
    let safe_input = clamp_value(input, I32F32::from_num(-20), I32F32::from_num(20));
    match exp::<I32F32, I32F32>(safe_input) {
        Ok(val) => val,
        Err(()) if safe_input <= ZERO => ZERO,
        Err(()) => I32F32::max_value(),
    }
}

/// [`exp_safe`] of many inputs, bit for bit, several times faster: substrate-fixed's `exp` is a
/// Taylor series whose every term depends on the previous one (multiply, then divide by i),
/// so one evaluation is bound by that chain's latency. Here [`EXP_LANES`] inputs advance in
/// lock-step (independent chains overlap), the divisions are by constants, and a lane stops
/// contributing once its term reaches 0 (every later term is 0 too).
pub fn exp_safe_batch(inputs: &[I32F32], outputs: &mut [I32F32]) {
    for (input, output) in inputs.chunks(EXP_LANES).zip(outputs.chunks_mut(EXP_LANES)) {
        let mut lanes = [ZERO; EXP_LANES];
        lanes[..input.len()].copy_from_slice(input);
        let results = exp_safe_lanes(lanes);
        output.copy_from_slice(&results[..output.len()]);
    }
}

/// How many exponentials [`exp_safe_batch`] evaluates side by side.
pub const EXP_LANES: usize = 8;

/// `exp_safe` of [`EXP_LANES`] values (see [`exp_safe_batch`]).
fn exp_safe_lanes(inputs: [I32F32; EXP_LANES]) -> [I32F32; EXP_LANES] {
    let (min, max) = (-20i64 << 32, 20i64 << 32);
    // exp(|x|) by the crate's series: result = 1 + x + Σ_{i=2..31} term_i,
    // term_i = ⌊⌊term_{i−1}·x / 2³²⌋ / i⌋ (|x| ≤ 20 keeps every step in range).
    let x: [i64; EXP_LANES] = inputs.map(|v| v.to_bits().clamp(min, max).abs());
    let mut term = x;
    let mut result = x.map(|v| v + (1 << 32));
    macro_rules! step {
        ($($i:literal)*) => {$(
            if term.iter().all(|t| *t == 0) {
                return finish_exp(inputs, result);
            }
            for lane in 0..EXP_LANES {
                let product = (i128::from(term[lane]) * i128::from(x[lane])) >> 32;
                term[lane] = product as i64 / $i;
                result[lane] += term[lane];
            }
        )*};
    }
    step!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
    finish_exp(inputs, result)
}

/// The special cases and the reciprocal for negative inputs, as the crate's `exp` has them.
fn finish_exp(inputs: [I32F32; EXP_LANES], series: [i64; EXP_LANES]) -> [I32F32; EXP_LANES] {
    let e = I32F32::from(substrate_fixed::transcendental::E);
    let mut out = [ZERO; EXP_LANES];
    for lane in 0..EXP_LANES {
        let x = clamp_value(inputs[lane], I32F32::from_num(-20), I32F32::from_num(20));
        out[lane] = if x == ZERO {
            ONE
        } else if x == ONE {
            e
        } else if x < ZERO {
            // 1 / exp(|x|): exp(|x|) ≥ 1, so the quotient is in range.
            I32F32::from_bits(((1i128 << 64) / i128::from(series[lane])) as i64)
        } else {
            I32F32::from_bits(series[lane])
        };
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Weighted median (consensus)
// ---------------------------------------------------------------------------------------------

/// `weighted_median`: the stake-weighted quantile of `score` over the entries `partition_idx`,
/// by the chain's deterministic mid-pivot quickselect (spec §9.6). Returns the smallest score
/// whose cumulative stake is strictly greater than `minority`, clamped to the score range.
pub fn weighted_median(
    stake: &[I32F32],
    score: &[I32F32],
    partition_idx: &[usize],
    minority: I32F32,
    mut partition_lo: I32F32,
    mut partition_hi: I32F32,
) -> I32F32 {
    let score_of = |idx: usize| score.get(idx).copied().unwrap_or(ZERO);
    let stake_of = |idx: usize| stake.get(idx).copied().unwrap_or(ZERO);
    let mut current: Vec<usize> = partition_idx.to_vec();
    let iteration_limit = partition_idx.len();
    let mut iteration_counter: usize = 0;
    loop {
        match current.len() {
            0 => return ZERO,
            1 => return score_of(current[0]),
            _ => {}
        }
        let pivot = score_of(current[current.len() / 2]);
        let (lower, upper): (Vec<usize>, Vec<usize>) = (
            current
                .iter()
                .copied()
                .filter(|i| score_of(*i) < pivot)
                .collect(),
            current
                .iter()
                .copied()
                .filter(|i| score_of(*i) > pivot)
                .collect(),
        );
        let sum_of = |idx: &[usize]| idx.iter().fold(ZERO, |a, i| a.saturating_add(stake_of(*i)));
        let (lo_stake, hi_stake) = (sum_of(&lower), sum_of(&upper));
        if minority < partition_lo.saturating_add(lo_stake) && !lower.is_empty() {
            current = lower;
            partition_hi = partition_lo.saturating_add(lo_stake);
        } else if partition_hi.saturating_sub(hi_stake) <= minority && !upper.is_empty() {
            current = upper;
            partition_lo = partition_hi.saturating_sub(hi_stake);
        } else {
            return pivot;
        }
        if iteration_counter > iteration_limit {
            return ZERO;
        }
        iteration_counter += 1;
    }
}

/// `weighted_median_col_sparse`: per column, the stake-weighted median of the column's scores
/// over the rows with positive stake (missing entries score 0), at level `Σ stake − majority`
/// after renormalising the positive stakes.
pub fn weighted_median_col_sparse(
    stake: &[I32F32],
    score: &SparseMatrix,
    columns: u16,
    majority: I32F32,
) -> Vec<I32F32> {
    let mut use_stake: Vec<I32F32> = stake.iter().copied().filter(|s| s.to_bits() > 0).collect();
    inplace_normalize(&mut use_stake);
    let stake_sum = sum(&use_stake);
    let minority = stake_sum.saturating_sub(majority);
    let voters = use_stake.len();
    let columns = usize::from(columns);
    // Column-major scores of the voting rows (k = rank of the row among positive stakes).
    let mut use_score = vec![ZERO; columns * voters];
    let voting_rows = stake.iter().enumerate().filter(|(_, s)| s.to_bits() > 0);
    for (k, (r, _)) in voting_rows.enumerate() {
        for (c, val) in score.get(r).map(Vec::as_slice).unwrap_or(&[]) {
            let c = usize::from(*c);
            if c < columns {
                use_score[c * voters + k] = *val;
            }
        }
    }
    let mut keys: Vec<u64> = Vec::with_capacity(voters);
    let mut pairs: Vec<(I32F32, I32F32)> = Vec::new();
    (0..columns)
        .map(|c| {
            let col_scores = &use_score[c * voters..(c + 1) * voters];
            if col_scores.iter().all(|s| s.to_bits() == 0) {
                return ZERO;
            }
            if let Some(zeros) = pack_keys(col_scores, &use_stake, &mut keys) {
                return weighted_quantile_packed(&mut keys, zeros, &use_stake, minority);
            }
            pairs.clear();
            pairs.extend(col_scores.iter().copied().zip(use_stake.iter().copied()));
            weighted_quantile(&mut pairs, minority)
        })
        .collect()
}

/// The zero scores of a column: whether there are any, and their total stake.
type Zeros = (bool, I32F32);

/// Packs the positive `(score, voter)` pairs into sortable u64 keys `score_bits << 16 | voter`
/// and sums up the zero scores, when every score lies in [0, 2⁴⁸) raw units and there are at
/// most 2¹⁶ voters (always, for normalised weights); `None` otherwise.
fn pack_keys(scores: &[I32F32], stakes: &[I32F32], keys: &mut Vec<u64>) -> Option<Zeros> {
    keys.clear();
    if scores.len() > 1 << 16 {
        return None;
    }
    let (mut any_zero, mut zero_stake) = (false, ZERO);
    for (k, score) in scores.iter().enumerate() {
        let bits = score.to_bits();
        match bits {
            0 => {
                any_zero = true;
                zero_stake = zero_stake.saturating_add(stakes.get(k).copied().unwrap_or(ZERO));
            }
            1..0x1_0000_0000_0000 => keys.push(((bits as u64) << 16) | k as u64),
            _ => return None,
        }
    }
    Some((any_zero, zero_stake))
}

/// [`weighted_quantile`] over packed keys (see [`pack_keys`]): the zero scores, which need no
/// sorting, come first with `zero_stake` between them; sorting plain integers is about twice
/// as fast as sorting pairs.
fn weighted_quantile_packed(
    keys: &mut [u64],
    (any_zero, zero_stake): Zeros,
    stakes: &[I32F32],
    minority: I32F32,
) -> I32F32 {
    if any_zero && minority < zero_stake {
        return ZERO;
    }
    keys.sort_unstable();
    let score = |key: u64| I32F32::from_bits((key >> 16) as i64);
    let mut cumulative = zero_stake;
    for (k, key) in keys.iter().enumerate() {
        let stake = stakes.get((key & 0xFFFF) as usize).copied().unwrap_or(ZERO);
        cumulative = cumulative.saturating_add(stake);
        let last_of_its_score = keys.get(k + 1).is_none_or(|next| next >> 16 != key >> 16);
        if last_of_its_score && minority < cumulative {
            return score(*key);
        }
    }
    keys.last().map_or(ZERO, |key| score(*key))
}

/// What [`weighted_median`] returns for partition bounds 0 and Σ stake (the way
/// [`weighted_median_col_sparse`] calls it): the smallest score whose cumulative stake is
/// strictly greater than `minority`, the largest score if none is, 0 for no entries. Fixed-point
/// sums of these stakes are exact, so the answer is unique and any selection order finds it;
/// this one sorts the `(score, stake)` pairs (small sorts are branch-free in the standard
/// library, where a partition on random scores mispredicts about every other element) and
/// walks the cumulative stake.
pub fn weighted_quantile(pairs: &mut [(I32F32, I32F32)], minority: I32F32) -> I32F32 {
    pairs.sort_unstable_by_key(|pair| pair.0);
    let mut cumulative = ZERO;
    for (k, (score, stake)) in pairs.iter().enumerate() {
        cumulative = cumulative.saturating_add(*stake);
        let last_of_its_score = pairs.get(k + 1).is_none_or(|next| next.0 != *score);
        if last_of_its_score && minority < cumulative {
            return *score;
        }
    }
    pairs.last().map_or(ZERO, |pair| pair.0)
}

// ---------------------------------------------------------------------------------------------
// Sparse matrices
// ---------------------------------------------------------------------------------------------

/// `mask_rows_sparse`: empty the rows whose mask is true; rows beyond the mask are emptied.
pub fn mask_rows_sparse(mask: &[bool], sparse_matrix: &SparseMatrix) -> SparseMatrix {
    let mut result = sparse_matrix.clone();
    inplace_mask_rows_sparse(mask, &mut result);
    result
}

/// In-place [`mask_rows_sparse`].
pub fn inplace_mask_rows_sparse(mask: &[bool], sparse_matrix: &mut SparseMatrix) {
    for (i, row) in sparse_matrix.iter_mut().enumerate() {
        if mask.get(i).copied().unwrap_or(true) {
            row.clear();
        }
    }
}

/// `mask_diag_sparse`: drop the diagonal entries (self-weights).
pub fn mask_diag_sparse(sparse_matrix: &SparseMatrix) -> SparseMatrix {
    let mut result = sparse_matrix.clone();
    inplace_mask_diag_sparse(&mut result, None);
    result
}

/// `mask_diag_sparse_except_index`: drop diagonal entries except row `except_index`'s.
pub fn mask_diag_sparse_except_index(
    sparse_matrix: &SparseMatrix,
    except_index: u16,
) -> SparseMatrix {
    let mut result = sparse_matrix.clone();
    inplace_mask_diag_sparse(&mut result, Some(except_index));
    result
}

/// In-place [`mask_diag_sparse`] (or, with `except`, [`mask_diag_sparse_except_index`]).
pub fn inplace_mask_diag_sparse(sparse_matrix: &mut SparseMatrix, except: Option<u16>) {
    for (i, row) in sparse_matrix.iter_mut().enumerate() {
        if except.is_some_and(|e| usize::from(e) == i) {
            continue;
        }
        row.retain(|(j, _)| usize::from(*j) != i);
    }
}

/// `vec_mask_sparse_matrix`: drop entry (i, j) where `mask_fn(first_vector[i],
/// second_vector[j])` holds; missing vector entries read as 0.
pub fn vec_mask_sparse_matrix(
    sparse_matrix: &SparseMatrix,
    first_vector: &[u64],
    second_vector: &[u64],
    mask_fn: impl Fn(u64, u64) -> bool,
) -> SparseMatrix {
    let mut result = sparse_matrix.clone();
    inplace_vec_mask_sparse_matrix(&mut result, first_vector, second_vector, mask_fn);
    result
}

/// In-place [`vec_mask_sparse_matrix`].
pub fn inplace_vec_mask_sparse_matrix(
    sparse_matrix: &mut SparseMatrix,
    first_vector: &[u64],
    second_vector: &[u64],
    mask_fn: impl Fn(u64, u64) -> bool,
) {
    for (i, row) in sparse_matrix.iter_mut().enumerate() {
        let first = first_vector.get(i).copied().unwrap_or(0);
        row.retain(|(j, _)| {
            let second = second_vector.get(usize::from(*j)).copied().unwrap_or(0);
            !mask_fn(first, second)
        });
    }
}

/// `scalar_vec_mask_sparse_matrix`: drop entry (i, j) where `mask_fn(scalar, vector[j])` holds;
/// missing vector entries read as 0.
pub fn scalar_vec_mask_sparse_matrix(
    sparse_matrix: &SparseMatrix,
    scalar: u64,
    vector: &[u64],
    mask_fn: impl Fn(u64, u64) -> bool,
) -> SparseMatrix {
    let mut result = sparse_matrix.clone();
    inplace_vec_mask_sparse_matrix(&mut result, &[], vector, |_, v| mask_fn(scalar, v));
    result
}

/// `inplace_row_normalize_sparse`: divide each row by its sum, for rows whose sum is positive.
pub fn inplace_row_normalize_sparse(sparse_matrix: &mut SparseMatrix) {
    for row in sparse_matrix.iter_mut() {
        let row_sum = row.iter().fold(ZERO, |acc, (_, v)| add_wrap(acc, *v));
        if row_sum.to_bits() > 0 {
            let divisor = FixedDivisor::new(row_sum);
            for (_, value) in row.iter_mut() {
                *value = divisor.saturating_div(*value);
            }
        }
    }
}

/// `row_sum_sparse`: the sum of each row.
pub fn row_sum_sparse(sparse_matrix: &SparseMatrix) -> Vec<I32F32> {
    sparse_matrix
        .iter()
        .map(|row| row.iter().fold(ZERO, |acc, (_, v)| add_wrap(acc, *v)))
        .collect()
}

/// Per-column fold of a sparse matrix with `columns` columns (out-of-range entries ignored).
fn col_fold(
    sparse_matrix: &SparseMatrix,
    columns: u16,
    f: impl Fn(I32F32, I32F32) -> I32F32,
) -> Vec<I32F32> {
    let mut acc = vec![ZERO; usize::from(columns)];
    for row in sparse_matrix {
        for (j, value) in row {
            if let Some(slot) = acc.get_mut(usize::from(*j)) {
                *slot = f(*slot, *value);
            }
        }
    }
    acc
}

/// Divides every entry by its column's divisor (skipping columns whose divisor is zero).
fn divide_columns(sparse_matrix: &mut SparseMatrix, col_divisor: &[I32F32]) {
    let divisors: Vec<Option<FixedDivisor>> = col_divisor
        .iter()
        .map(|d| (d.to_bits() != 0).then(|| FixedDivisor::new(*d)))
        .collect();
    for row in sparse_matrix.iter_mut() {
        for (j, value) in row.iter_mut() {
            if let Some(Some(divisor)) = divisors.get(usize::from(*j)) {
                *value = divisor.safe_div(*value);
            }
        }
    }
}

/// `inplace_col_normalize_sparse`: divide each column by its (saturating) sum, if non-zero.
pub fn inplace_col_normalize_sparse(sparse_matrix: &mut SparseMatrix, columns: u16) {
    let col_sum = col_fold(sparse_matrix, columns, add_sat);
    divide_columns(sparse_matrix, &col_sum);
}

/// `inplace_col_max_upscale_sparse`: divide each column by its maximum, if non-zero.
pub fn inplace_col_max_upscale_sparse(sparse_matrix: &mut SparseMatrix, columns: u16) {
    let col_max = col_fold(sparse_matrix, columns, |acc, v| {
        if acc.to_bits() < v.to_bits() { v } else { acc }
    });
    divide_columns(sparse_matrix, &col_max);
}

/// `col_clip_sparse`: `min(w_ij, c_j)`; an entry above a non-positive threshold is dropped.
pub fn col_clip_sparse(sparse_matrix: &SparseMatrix, col_threshold: &[I32F32]) -> SparseMatrix {
    sparse_matrix
        .iter()
        .map(|row| {
            let mut out = Vec::with_capacity(row.len());
            for (j, value) in row {
                let Some(threshold) = col_threshold.get(usize::from(*j)).copied() else {
                    continue;
                };
                if threshold.to_bits() < value.to_bits() {
                    if threshold.to_bits() > 0 {
                        out.push((*j, threshold));
                    }
                } else {
                    out.push((*j, *value));
                }
            }
            out
        })
        .collect()
}

/// `matmul_sparse`: `r_j = Σ_i vector_i × m_ij` (saturating), over `columns` columns.
pub fn matmul_sparse(sparse_matrix: &SparseMatrix, vector: &[I32F32], columns: u16) -> Vec<I32F32> {
    let mut result = vec![ZERO; usize::from(columns)];
    for (row, v) in sparse_matrix.iter().zip(vector) {
        for (j, value) in row {
            if let Some(slot) = result.get_mut(usize::from(*j)) {
                *slot = add_sat(*slot, mul_sat(*v, *value));
            }
        }
    }
    result
}

/// `matmul_transpose_sparse`: `r_i = Σ_j vector_j × m_ij` (saturating).
pub fn matmul_transpose_sparse(sparse_matrix: &SparseMatrix, vector: &[I32F32]) -> Vec<I32F32> {
    sparse_matrix
        .iter()
        .map(|row| {
            row.iter().fold(ZERO, |acc, (j, value)| {
                let v = vector.get(usize::from(*j)).copied().unwrap_or(ZERO);
                add_sat(acc, mul_sat(v, *value))
            })
        })
        .collect()
}

/// [`matmul_transpose_sparse`] of the column-normalised matrix — what upstream computes by
/// [`inplace_col_normalize_sparse`] on a copy first — without making the copy: each entry is
/// divided by its column sum (when non-zero) and then multiplied, with the same rounding.
pub fn col_normalized_matmul_transpose_sparse(
    sparse_matrix: &SparseMatrix,
    columns: u16,
    vector: &[I32F32],
) -> Vec<I32F32> {
    let col_sum = col_fold(sparse_matrix, columns, add_sat);
    let divisors: Vec<FixedDivisor> = col_sum.iter().map(|d| FixedDivisor::new(*d)).collect();
    sparse_matrix
        .iter()
        .map(|row| {
            row.iter().fold(ZERO, |acc, (j, value)| {
                let j = usize::from(*j);
                let normalized = match (col_sum.get(j), divisors.get(j)) {
                    (Some(sum), Some(divisor)) if sum.to_bits() != 0 => divisor.safe_div(*value),
                    _ => *value,
                };
                let v = vector.get(j).copied().unwrap_or(ZERO);
                add_sat(acc, mul_sat(v, normalized))
            })
        })
        .collect()
}

/// `row_hadamard_sparse`: scale row i by `vector_i` (saturating); zero products are kept.
pub fn row_hadamard_sparse(sparse_matrix: &SparseMatrix, vector: &[I32F32]) -> SparseMatrix {
    sparse_matrix
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let v = vector.get(i).copied().unwrap_or(ZERO);
            row.iter().map(|(j, x)| (*j, mul_sat(*x, v))).collect()
        })
        .collect()
}

/// `interpolate_sparse`: `mat1 + ratio (mat2 − mat1)` over the union of entries, keeping
/// results > 0 in ascending column order; `ratio` 0 returns `mat1`, 1 returns `mat2`, and
/// mismatched row counts return `mat2`.
pub fn interpolate_sparse(
    mat1: &SparseMatrix,
    mat2: &SparseMatrix,
    columns: u16,
    ratio: I32F32,
) -> SparseMatrix {
    if ratio == ZERO {
        return mat1.clone();
    }
    if ratio == ONE || mat1.len() != mat2.len() {
        return mat2.clone();
    }
    let mut row1 = vec![ZERO; usize::from(columns)];
    let mut row2 = vec![ZERO; usize::from(columns)];
    mat1.iter()
        .zip(mat2)
        .map(|(r1, r2)| {
            if r1.is_empty() && r2.is_empty() {
                return Vec::new();
            }
            scatter(&mut row1, r1);
            scatter(&mut row2, r2);
            let out = row1
                .iter()
                .zip(&row2)
                .enumerate()
                .filter_map(|(j, (a, b))| {
                    let interp = a.saturating_add(mul_sat(ratio, b.saturating_sub(*a)));
                    (ZERO < interp).then_some((j as u16, interp))
                })
                .collect();
            unscatter(&mut row1, r1);
            unscatter(&mut row2, r2);
            out
        })
        .collect()
}

/// Writes a sparse row into a zeroed dense row (last write wins, as upstream).
fn scatter(dense: &mut [I32F32], row: &[(u16, I32F32)]) {
    for (j, v) in row {
        if let Some(slot) = dense.get_mut(usize::from(*j)) {
            *slot = *v;
        }
    }
}

/// Zeroes the slots [`scatter`] wrote.
fn unscatter(dense: &mut [I32F32], row: &[(u16, I32F32)]) {
    for (j, _) in row {
        if let Some(slot) = dense.get_mut(usize::from(*j)) {
            *slot = ZERO;
        }
    }
}

/// `mat_ema_sparse`: `α·new + (1 − α)·old` over the union of entries (saturating, new entries
/// first), keeping results > 0 in ascending column order. Square: columns = rows.
pub fn mat_ema_sparse(new: &SparseMatrix, old: &SparseMatrix, alpha: I32F32) -> SparseMatrix {
    let n = new.len();
    let one_minus_alpha = ONE.saturating_sub(alpha);
    let mut row = vec![ZERO; n];
    new.iter()
        .zip(old)
        .map(|(new_row, old_row)| {
            if new_row.is_empty() && old_row.is_empty() {
                return Vec::new();
            }
            for (j, value) in new_row {
                if let Some(slot) = row.get_mut(usize::from(*j)) {
                    *slot = add_sat(*slot, mul_sat(alpha, *value));
                }
            }
            for (j, value) in old_row {
                if let Some(slot) = row.get_mut(usize::from(*j)) {
                    *slot = add_sat(*slot, mul_sat(one_minus_alpha, *value));
                }
            }
            let mut out = Vec::with_capacity(new_row.len().max(old_row.len()));
            for (j, slot) in row.iter_mut().enumerate() {
                if slot.to_bits() > 0 {
                    out.push((j as u16, *slot));
                }
                *slot = ZERO;
            }
            out
        })
        .collect()
}

/// `mat_ema_alpha_sparse`: per entry `min(1, (1 − α_ij)·old_ij + max(0, α_ij·new_ij))`, kept
/// when positive. Entries are produced only for the columns of each **new** row, in its order: an old
/// bond whose column is absent from the new row is dropped (spec §8.8).
pub fn mat_ema_alpha_sparse(
    new: &SparseMatrix,
    old: &SparseMatrix,
    alpha: &[Vec<I32F32>],
) -> SparseMatrix {
    mat_ema_alpha_sparse_with(new, old, |i, j| {
        alpha
            .get(i)
            .and_then(|row| row.get(usize::from(j)))
            .copied()
    })
}

/// [`mat_ema_alpha_sparse`] with α supplied per entry by `alpha_at(i, j)` (`None` = no α for
/// that entry, which upstream treats as "skip"). Lets the epoch compute only the α it reads.
pub fn mat_ema_alpha_sparse_with(
    new: &SparseMatrix,
    old: &SparseMatrix,
    mut alpha_at: impl FnMut(usize, u16) -> Option<I32F32>,
) -> SparseMatrix {
    let n = new.len();
    let mut decayed = vec![ZERO; n];
    new.iter()
        .zip(old)
        .enumerate()
        .map(|(i, (new_row, old_row))| {
            if new_row.is_empty() {
                return Vec::new();
            }
            for (j, old_val) in old_row {
                if let (Some(a), Some(slot)) = (alpha_at(i, *j), decayed.get_mut(usize::from(*j))) {
                    *slot = mul_sat(ONE.saturating_sub(a), *old_val);
                }
            }
            let mut out = Vec::with_capacity(new_row.len());
            for (j, new_val) in new_row {
                if let (Some(a), Some(d)) = (alpha_at(i, *j), decayed.get(usize::from(*j))) {
                    let purchase = mul_sat(a, *new_val).max(ZERO);
                    let value = d.saturating_add(purchase).min(ONE);
                    if value > ZERO {
                        out.push((*j, value));
                    }
                }
            }
            for (j, _) in old_row {
                if let Some(slot) = decayed.get_mut(usize::from(*j)) {
                    *slot = ZERO;
                }
            }
            out
        })
        .collect()
}

#[cfg(test)]
mod tests;
