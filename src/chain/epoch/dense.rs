//! Test oracle: subtensor's dense epoch (`epoch_dense_mechanism`) and its dense math helpers.
//!
//! Not used by the simulator. It exists so tests can check the sparse epoch against an
//! independent formulation of the same rules: they must agree except where upstream's dense
//! path differs by design (spec §8.12): the owner's self-weight is removed, commit-reveal is
//! ignored, the owner gets no stake-threshold exemption and no forced permit, liquid-alpha
//! decay covers every column, and only rows with an old or new permit are rewritten in storage
//! (new-permit rows are stored densely, zeros included). Duplicate entries in a stored row
//! collapse to the last one here.
//!
//! May depend on: `chain::fixed`, `chain::math`, `chain::epoch`.

use super::bonds::{LiquidAlpha, ema_alpha, last_tempo};
use super::stake::{activity_cutoff, filter_stake_threshold, inactive, total_stake};
use super::{EpochInput, EpochOutput, EpochParams, dividends};
use crate::chain::fixed::{
    I32F32, ONE, SafeDiv, ZERO, fixed_proportion_to_u16, u16_proportion_to_fixed, u16_to_fixed,
};
use crate::chain::math::{
    inplace_mask_vector, inplace_normalize, inplace_normalize_64, is_topk_nonzero,
    vec_fixed_proportions_to_u16, vec_fixed64_to_fixed32, vec_mul, weighted_median,
};
use crate::chain::types::SparseU16Matrix;

/// A dense matrix, row-major.
pub type DenseMatrix = Vec<Vec<I32F32>>;

/// Stored sparse rows as a dense n×n matrix (duplicates: last wins).
pub fn to_dense(
    stored: &SparseU16Matrix,
    n: usize,
    convert: impl Fn(u16) -> I32F32,
) -> DenseMatrix {
    let mut m = vec![vec![ZERO; n]; n];
    for (row, stored_row) in m.iter_mut().zip(stored) {
        for (j, v) in stored_row {
            if let Some(slot) = row.get_mut(usize::from(*j)) {
                *slot = convert(*v);
            }
        }
    }
    m
}

/// `weighted_median_col`: dense column medians over rows with positive stake.
pub fn weighted_median_col(stake: &[I32F32], score: &DenseMatrix, majority: I32F32) -> Vec<I32F32> {
    let columns = score.first().map_or(0, Vec::len);
    let mut use_stake: Vec<I32F32> = stake.iter().copied().filter(|s| *s > ZERO).collect();
    inplace_normalize(&mut use_stake);
    let stake_sum = crate::chain::math::sum(&use_stake);
    let stake_idx: Vec<usize> = (0..use_stake.len()).collect();
    let minority = stake_sum.saturating_sub(majority);
    (0..columns)
        .map(|c| {
            let use_score: Vec<I32F32> = stake
                .iter()
                .zip(score)
                .filter(|(s, _)| **s > ZERO)
                .map(|(_, row)| row[c])
                .collect();
            weighted_median(
                &use_stake, &use_score, &stake_idx, minority, ZERO, stake_sum,
            )
        })
        .collect()
}

/// `inplace_row_normalize`.
pub fn inplace_row_normalize(m: &mut DenseMatrix) {
    for row in m.iter_mut() {
        let row_sum = crate::chain::math::sum(row);
        if row_sum > ZERO {
            row.iter_mut().for_each(|x| *x = x.safe_div(row_sum));
        }
    }
}

/// `inplace_col_normalize`.
pub fn inplace_col_normalize(m: &mut DenseMatrix) {
    divide_columns(m, |a, x| a.saturating_add(x));
}

/// `inplace_col_max_upscale`.
pub fn inplace_col_max_upscale(m: &mut DenseMatrix) {
    divide_columns(m, |a, x| a.max(x));
}

/// Divides each column by its fold (sum or maximum) when that is non-zero.
fn divide_columns(m: &mut DenseMatrix, fold: impl Fn(I32F32, I32F32) -> I32F32) {
    let columns = m.first().map_or(0, Vec::len);
    for j in 0..columns {
        let divisor = m.iter().fold(ZERO, |a, row| fold(a, row[j]));
        if divisor != ZERO {
            m.iter_mut()
                .for_each(|row| row[j] = row[j].safe_div(divisor));
        }
    }
}

/// `matmul`: `r_j = Σ_i v_i m_ij`.
pub fn matmul(m: &DenseMatrix, v: &[I32F32]) -> Vec<I32F32> {
    let columns = m.first().map_or(0, Vec::len);
    let mut r = vec![ZERO; columns];
    for (row, vi) in m.iter().zip(v) {
        for (acc, x) in r.iter_mut().zip(row) {
            *acc = acc.saturating_add(vi.saturating_mul(*x));
        }
    }
    r
}

/// `matmul_transpose`: `r_i = Σ_j v_j m_ij`.
pub fn matmul_transpose(m: &DenseMatrix, v: &[I32F32]) -> Vec<I32F32> {
    m.iter()
        .map(|row| {
            row.iter()
                .zip(v)
                .fold(ZERO, |a, (x, vj)| a.saturating_add(vj.saturating_mul(*x)))
        })
        .collect()
}

/// `interpolate`: `a + r (b − a)` element-wise (0 → a, 1 → b).
pub fn interpolate(a: &DenseMatrix, b: &DenseMatrix, ratio: I32F32) -> DenseMatrix {
    if ratio == ZERO {
        return a.clone();
    }
    if ratio == ONE {
        return b.clone();
    }
    a.iter()
        .zip(b)
        .map(|(ra, rb)| {
            ra.iter()
                .zip(rb)
                .map(|(x, y)| x.saturating_add(ratio.saturating_mul(y.saturating_sub(*x))))
                .collect()
        })
        .collect()
}

/// `mat_ema`: `α new + (1 − α) old` element-wise.
pub fn mat_ema(new: &DenseMatrix, old: &DenseMatrix, alpha: I32F32) -> DenseMatrix {
    let one_minus_alpha = ONE.saturating_sub(alpha);
    new.iter()
        .zip(old)
        .map(|(rn, ro)| {
            rn.iter()
                .zip(ro)
                .map(|(x, y)| {
                    alpha
                        .saturating_mul(*x)
                        .saturating_add(one_minus_alpha.saturating_mul(*y))
                })
                .collect()
        })
        .collect()
}

/// `mat_ema_alpha`: `min(1, (1 − α_ij) old_ij + max(0, α_ij new_ij))` for every entry. An
/// empty `new` (or an empty first row) gives one empty row; a row-count mismatch (between
/// `new` and `old` or `alpha`) returns `old` unchanged; a row-length mismatch in any row, the
/// first included, returns `new`.
///
/// Source: subtensor pallets/subtensor/src/epoch/math.rs, `mat_ema_alpha`.
pub fn mat_ema_alpha(new: &DenseMatrix, old: &DenseMatrix, alpha: &DenseMatrix) -> DenseMatrix {
    if new.first().is_none_or(Vec::is_empty) {
        return vec![Vec::new()];
    }
    if new.len() != old.len() || new.len() != alpha.len() {
        return old.clone();
    }
    let mut result = Vec::with_capacity(new.len());
    for ((rn, ro), ra) in new.iter().zip(old).zip(alpha) {
        if rn.len() != ro.len() || rn.len() != ra.len() {
            return new.clone();
        }
        result.push(
            rn.iter()
                .zip(ro)
                .zip(ra)
                .map(|((x, y), a)| {
                    let decayed = ONE.saturating_sub(*a).saturating_mul(*y);
                    decayed
                        .saturating_add(a.saturating_mul(*x).max(ZERO))
                        .min(ONE)
                })
                .collect(),
        );
    }
    result
}

/// `compute_liquid_alpha_values` (dense): α for every entry from the dense values.
pub fn compute_liquid_alpha_values(
    weights: &DenseMatrix,
    bonds: &DenseMatrix,
    consensus: &[I32F32],
    la: &LiquidAlpha,
) -> DenseMatrix {
    weights
        .iter()
        .zip(bonds)
        .map(|(rw, rb)| {
            consensus
                .iter()
                .zip(rw.iter().zip(rb))
                .map(|(c, (w, b))| la.alpha_sigmoid(*c, *w, *b))
                .collect()
        })
        .collect()
}

/// `compute_bonds` (dense Yuma3 EMA).
pub fn compute_bonds(
    weights: &DenseMatrix,
    bonds: &DenseMatrix,
    consensus: &[I32F32],
    params: &EpochParams,
) -> DenseMatrix {
    if params.liquid_alpha && consensus.iter().any(|c| *c != ZERO) {
        let alphas =
            compute_liquid_alpha_values(weights, bonds, consensus, &LiquidAlpha::new(params));
        mat_ema_alpha(weights, bonds, &alphas)
    } else {
        mat_ema(weights, bonds, ema_alpha(params.bonds_moving_average))
    }
}

fn map_entries(m: &mut DenseMatrix, mut f: impl FnMut(usize, usize, I32F32) -> I32F32) {
    for (i, row) in m.iter_mut().enumerate() {
        for (j, x) in row.iter_mut().enumerate() {
            *x = f(i, j, *x);
        }
    }
}

/// `epoch_dense`: the dense epoch of upstream, on the same input as the sparse one.
pub fn epoch_dense(input: &EpochInput, params: &EpochParams) -> EpochOutput {
    let n = input.subnet.alpha_stake.len().min(usize::from(u16::MAX));
    let st = dense_stake(input, n, params);
    let c = dense_consensus(input, n, &st, params);
    let (ema_bonds, dividends) = if params.yuma3 {
        dense_yuma3(input, n, &st, &c, params)
    } else {
        dense_original_yuma(input, n, &st, &c, params)
    };
    let split =
        dividends::emission_stage(&c.incentive, &dividends, &st.active, &st.stake, &mut None);
    EpochOutput {
        active: st.inactive.iter().map(|b| !b).collect(),
        bonds: dense_storage(input, n, &st.new_permits, &ema_bonds),
        validator_permit: st.new_permits,
        stake_weight: vec_fixed_proportions_to_u16(&st.stake),
        consensus: vec_fixed_proportions_to_u16(&c.consensus),
        incentive: vec_fixed_proportions_to_u16(&c.incentive),
        dividends: vec_fixed_proportions_to_u16(&dividends),
        validator_trust: vec_fixed_proportions_to_u16(&c.validator_trust),
        server_emission: dividends::rao_emission(&split.server, input.emission),
        validator_emission: dividends::rao_emission(&split.validator, input.emission),
        emission: dividends::rao_emission(&split.combined, input.emission),
    }
}

/// Activity, stake (threshold without the owner's exemption), permits, active stake.
struct DenseStake {
    inactive: Vec<bool>,
    stake: Vec<I32F32>,
    forbids: Vec<bool>,
    new_permits: Vec<bool>,
    active: Vec<I32F32>,
}

fn dense_stake(input: &EpochInput, n: usize, params: &EpochParams) -> DenseStake {
    let (subnet, mech) = (&input.subnet, &input.mechanism);
    let cutoff = activity_cutoff(params.activity_cutoff_factor_milli, subnet.tempo);
    let inactive = inactive(&mech.last_update, n, cutoff, subnet.block);
    let total = total_stake(
        &subnet.alpha_stake,
        &subnet.root_stake,
        n,
        params.tao_weight,
    );
    let mut filtered = filter_stake_threshold(&total, params.stake_threshold, None);
    inplace_normalize_64(&mut filtered);
    let stake = vec_fixed64_to_fixed32(&filtered);
    let forbids: Vec<bool> = subnet.validator_permit.iter().map(|p| !p).collect();
    let new_permits = is_topk_nonzero(&stake, usize::from(params.max_allowed_validators));
    let mut active = stake.clone();
    inplace_mask_vector(&inactive, &mut active);
    inplace_mask_vector(&forbids, &mut active);
    inplace_normalize(&mut active);
    DenseStake {
        inactive,
        stake,
        forbids,
        new_permits,
        active,
    }
}

/// Masked, normalised weights and everything computed from them.
struct DenseConsensus {
    consensus: Vec<I32F32>,
    validator_trust: Vec<I32F32>,
    incentive: Vec<I32F32>,
    weights_for_bonds: DenseMatrix,
}

fn read(v: &[u64], i: usize) -> u64 {
    v.get(i).copied().unwrap_or(0)
}

fn dense_consensus(
    input: &EpochInput,
    n: usize,
    st: &DenseStake,
    params: &EpochParams,
) -> DenseConsensus {
    let (subnet, mech) = (&input.subnet, &input.mechanism);
    let mut weights = to_dense(&mech.weights, n, u16_to_fixed);
    map_entries(&mut weights, |i, j, w| {
        let forbidden = st.forbids.get(i).copied().unwrap_or(true);
        let outdated = read(&mech.last_update, i) <= read(&subnet.registered_at, j);
        if forbidden || i == j || outdated {
            ZERO
        } else {
            w
        }
    });
    inplace_row_normalize(&mut weights);
    let kappa = u16_proportion_to_fixed(params.kappa);
    let consensus = weighted_median_col(&st.active, &weights, kappa);
    let mut clipped = weights.clone();
    map_entries(&mut clipped, |_, j, w| w.min(consensus[j]));
    let validator_trust = clipped.iter().map(|r| crate::chain::math::sum(r)).collect();
    let mut incentive = matmul(&clipped, &st.active);
    inplace_normalize(&mut incentive);
    let beta = u16_proportion_to_fixed(params.bonds_penalty);
    let weights_for_bonds = interpolate(&weights, &clipped, beta);
    DenseConsensus {
        consensus,
        validator_trust,
        incentive,
        weights_for_bonds,
    }
}

/// Stored bonds read with `convert`, bonds to miners registered since the last epoch zeroed.
fn dense_bonds(input: &EpochInput, n: usize, convert: impl Fn(u16) -> I32F32) -> DenseMatrix {
    let subnet = &input.subnet;
    let lt = last_tempo(subnet.block, subnet.tempo, subnet.last_step_block);
    let mut bonds = to_dense(&input.mechanism.bonds, n, convert);
    map_entries(&mut bonds, |_, j, b| {
        if lt <= read(&subnet.registered_at, j) {
            ZERO
        } else {
            b
        }
    });
    bonds
}

fn dense_yuma3(
    input: &EpochInput,
    n: usize,
    st: &DenseStake,
    c: &DenseConsensus,
    params: &EpochParams,
) -> (DenseMatrix, Vec<I32F32>) {
    let bonds = dense_bonds(input, n, u16_proportion_to_fixed);
    let ema = compute_bonds(&c.weights_for_bonds, &bonds, &c.consensus, params);
    let mut norm = ema.clone();
    inplace_col_normalize(&mut norm);
    let mut d = vec_mul(&matmul_transpose(&norm, &c.incentive), &st.active);
    inplace_normalize(&mut d);
    (ema, d)
}

fn dense_original_yuma(
    input: &EpochInput,
    n: usize,
    st: &DenseStake,
    c: &DenseConsensus,
    params: &EpochParams,
) -> (DenseMatrix, Vec<I32F32>) {
    let mut bonds = dense_bonds(input, n, u16_to_fixed);
    inplace_col_normalize(&mut bonds);
    let mut delta: DenseMatrix = c
        .weights_for_bonds
        .iter()
        .zip(&st.active)
        .map(|(row, a)| row.iter().map(|w| w.saturating_mul(*a)).collect())
        .collect();
    inplace_col_normalize(&mut delta);
    let mut ema = mat_ema(&delta, &bonds, ema_alpha(params.bonds_moving_average));
    inplace_col_normalize(&mut ema);
    let mut d = matmul_transpose(&ema, &c.incentive);
    inplace_normalize(&mut d);
    inplace_col_max_upscale(&mut ema);
    (ema, d)
}

/// Dense storage: new-permit rows written densely (zeros included), old-permit rows emptied,
/// other rows left as they were.
fn dense_storage(
    input: &EpochInput,
    n: usize,
    new_permits: &[bool],
    ema_bonds: &DenseMatrix,
) -> SparseU16Matrix {
    (0..n)
        .map(|i| {
            if new_permits[i] {
                (0..n)
                    .map(|j| (j as u16, fixed_proportion_to_u16(ema_bonds[i][j])))
                    .collect()
            } else if input
                .subnet
                .validator_permit
                .get(i)
                .copied()
                .unwrap_or(false)
            {
                Vec::new()
            } else {
                input.mechanism.bonds.get(i).cloned().unwrap_or_default()
            }
        })
        .collect()
}
