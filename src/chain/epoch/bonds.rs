//! Epoch stage 5: bonds and dividends, in both regimes (spec §8.6–§8.9).
//!
//! * Original Yuma (`Yuma3On` false): bonds read as raw u16, column-normalised; ΔB = W^b ∘ A,
//!   column-normalised; EMA with α = 1 − BondsMovingAverage/10⁶; column-normalised again;
//!   D = normalise(B'I); stored column-max-upscaled.
//! * Yuma3: bonds read as proportions; EMA with a fixed α or, with liquid alpha, a per-entry
//!   sigmoid α (only where the new weights row has an entry: sparse-only behaviour); clamped ≤ 1
//!   only with liquid alpha; D = normalise((B̂I) ∘ A); stored as is.
//!
//! Both mask bonds to miners registered since the last epoch, and [`reset_bonds_column`] is the
//! chain's `do_reset_bonds` storage operation.
//!
//! May depend on: `chain::fixed`, `chain::math`, `chain::types`.

use super::consensus::ConsensusStage;
use super::permits::PermitStage;
use super::weights::load_sparse;
use super::{EpochParams, EpochTrace, MechanismSnapshot, SubnetSnapshot, keep};
use crate::chain::fixed::{
    I32F32, I64F64, ONE, SafeDiv, ZERO, fixed_proportion_to_u16, u16_proportion_to_fixed,
    u16_to_fixed,
};
use crate::chain::math::{
    clamp_value, col_normalized_matmul_transpose_sparse, exp_safe, exp_safe_batch,
    inplace_col_max_upscale_sparse, inplace_col_normalize_sparse, inplace_normalize,
    inplace_vec_mask_sparse_matrix, interpolate_sparse, mat_ema_alpha_sparse_with, mat_ema_sparse,
    matmul_transpose_sparse, row_hadamard_sparse, vec_mul,
};
use crate::chain::types::{SparseMatrix, SparseU16Matrix};
use std::borrow::Cow;

/// What the bonds stage hands on.
pub struct BondsStage {
    /// Bonds in the form they are stored (original Yuma: column-max-upscaled).
    pub ema_bonds: SparseMatrix,
    /// Normalised dividends D.
    pub dividends: Vec<I32F32>,
}

/// Bonds penalty interpolation, recent-registration mask, EMA and dividends.
pub fn bonds_stage(
    subnet: &SubnetSnapshot,
    mechanism: &MechanismSnapshot,
    n: usize,
    permits: &PermitStage,
    consensus: &ConsensusStage,
    params: &EpochParams,
    trace: &mut Option<&mut EpochTrace>,
) -> BondsStage {
    let weights_for_bonds = weights_for_bonds(consensus, n, params.bonds_penalty);
    let last_tempo = last_tempo(subnet.block, subnet.tempo, subnet.last_step_block);
    keep!(trace, weights_for_bonds, weights_for_bonds.as_ref());
    keep!(trace, last_tempo, last_tempo);
    let ctx = BondsContext {
        stored: &mechanism.bonds,
        registered_at: &subnet.registered_at,
        last_tempo,
        n,
        weights_for_bonds: weights_for_bonds.as_ref(),
        active_stake: &permits.active_stake,
        consensus: &consensus.consensus,
        incentive: &consensus.incentive,
        params,
    };
    if params.yuma3 {
        yuma3(&ctx, trace)
    } else {
        original_yuma(&ctx, trace)
    }
}

/// W^b = `interpolate_sparse(W, W̄, β)`, borrowed when β is exactly 0 (W) or 1 (W̄) since
/// `interpolate_sparse` returns that input unchanged.
pub fn weights_for_bonds(
    consensus: &ConsensusStage,
    n: usize,
    bonds_penalty: u16,
) -> Cow<'_, SparseMatrix> {
    match bonds_penalty {
        0 => Cow::Borrowed(&consensus.weights),
        u16::MAX => Cow::Borrowed(&consensus.clipped_weights),
        _ => Cow::Owned(interpolate_sparse(
            &consensus.weights,
            &consensus.clipped_weights,
            n as u16,
            u16_proportion_to_fixed(bonds_penalty),
        )),
    }
}

/// The inputs both bond regimes read.
struct BondsContext<'a> {
    stored: &'a SparseU16Matrix,
    registered_at: &'a [u64],
    last_tempo: u64,
    n: usize,
    weights_for_bonds: &'a SparseMatrix,
    active_stake: &'a [I32F32],
    consensus: &'a [I32F32],
    incentive: &'a [I32F32],
    params: &'a EpochParams,
}

impl BondsContext<'_> {
    /// Loads the stored bonds with `convert` and drops bonds to recently registered miners.
    fn load(
        &self,
        convert: impl Fn(u16) -> I32F32,
        trace: &mut Option<&mut EpochTrace>,
    ) -> SparseMatrix {
        let mut bonds = load_sparse(self.stored, self.n, convert);
        keep!(trace, bonds_loaded, bonds);
        mask_recent_registrations(&mut bonds, self.last_tempo, self.registered_at);
        bonds
    }
}

/// "last tempo" of the bond mask: `LastMechansimStepBlock + 1`, or `block − tempo` when that
/// storage is 0 (never written, e.g. manual epochs in tests).
pub fn last_tempo(block: u64, tempo: u16, last_step_block: u64) -> u64 {
    if last_step_block == 0 {
        block.saturating_sub(u64::from(tempo))
    } else {
        last_step_block.saturating_add(1)
    }
}

/// Drops bond (i, j) when `last_tempo ≤ registered_at_j` (upstream:
/// `scalar_vec_mask_sparse_matrix`): miner j registered since the last epoch, so the old bonds
/// were bought from its predecessor.
pub fn mask_recent_registrations(bonds: &mut SparseMatrix, last_tempo: u64, registered_at: &[u64]) {
    inplace_vec_mask_sparse_matrix(bonds, &[], registered_at, |_, registered| {
        last_tempo <= registered
    });
}

/// `compute_ema_bonds_normal_sparse` / `compute_disabled_liquid_alpha`: the fixed EMA rate
/// `1 − BondsMovingAverage / 10⁶` (I64F64 quotient truncated to I32F32).
pub fn ema_alpha(bonds_moving_average: u64) -> I32F32 {
    let moving_average = I64F64::saturating_from_num(bonds_moving_average)
        .safe_div(I64F64::saturating_from_num(1_000_000));
    ONE.saturating_sub(I32F32::saturating_from_num(moving_average))
}

/// Original Yuma (spec §8.7).
fn original_yuma(ctx: &BondsContext, trace: &mut Option<&mut EpochTrace>) -> BondsStage {
    let columns = ctx.n as u16;
    let mut bonds = ctx.load(u16_to_fixed, trace);
    inplace_col_normalize_sparse(&mut bonds, columns);
    let mut bonds_delta = row_hadamard_sparse(ctx.weights_for_bonds, ctx.active_stake);
    inplace_col_normalize_sparse(&mut bonds_delta, columns);
    let mut ema_bonds = mat_ema_sparse(
        &bonds_delta,
        &bonds,
        ema_alpha(ctx.params.bonds_moving_average),
    );
    keep!(trace, bonds, bonds);
    keep!(trace, bonds_delta, bonds_delta);
    keep!(trace, ema_bonds, ema_bonds);
    inplace_col_normalize_sparse(&mut ema_bonds, columns);
    let mut dividends = matmul_transpose_sparse(&ema_bonds, ctx.incentive);
    inplace_normalize(&mut dividends);
    keep!(trace, ema_bonds_normalized, ema_bonds);
    keep!(trace, dividends, dividends);
    inplace_col_max_upscale_sparse(&mut ema_bonds, columns);
    BondsStage {
        ema_bonds,
        dividends,
    }
}

/// Yuma3 (spec §8.8).
fn yuma3(ctx: &BondsContext, trace: &mut Option<&mut EpochTrace>) -> BondsStage {
    let bonds = ctx.load(u16_proportion_to_fixed, trace);
    let ema_bonds = compute_bonds_sparse(ctx.weights_for_bonds, &bonds, ctx.consensus, ctx.params);
    keep!(trace, bonds, bonds);
    keep!(trace, ema_bonds, ema_bonds);
    let columns = ctx.n as u16;
    if let Some(t) = trace.as_deref_mut() {
        t.ema_bonds_normalized = ema_bonds.clone();
        inplace_col_normalize_sparse(&mut t.ema_bonds_normalized, columns);
    }
    // B̂ I with B̂ the column-normalised EMA bonds, without materialising B̂.
    let total_bonds_per_validator =
        col_normalized_matmul_transpose_sparse(&ema_bonds, columns, ctx.incentive);
    let mut dividends = vec_mul(&total_bonds_per_validator, ctx.active_stake);
    inplace_normalize(&mut dividends);
    keep!(trace, dividends, dividends);
    BondsStage {
        ema_bonds,
        dividends,
    }
}

/// `compute_bonds_sparse`: the Yuma3 EMA — liquid alpha when it is on and some consensus is
/// non-zero, the fixed rate otherwise.
pub fn compute_bonds_sparse(
    weights: &SparseMatrix,
    bonds: &SparseMatrix,
    consensus: &[I32F32],
    params: &EpochParams,
) -> SparseMatrix {
    if params.liquid_alpha && consensus.iter().any(|c| *c != ZERO) {
        liquid_alpha_ema(weights, bonds, consensus, &LiquidAlpha::new(params))
    } else {
        mat_ema_sparse(weights, bonds, ema_alpha(params.bonds_moving_average))
    }
}

/// Liquid-alpha parameters in fixed point (`get_alpha_values_32`, steepness / −100).
#[derive(Clone, Copy, Debug)]
pub struct LiquidAlpha {
    low: I32F32,
    high: I32F32,
    slope: I32F32,
}

impl LiquidAlpha {
    /// From the subnet's `AlphaValues` and `AlphaSigmoidSteepness`.
    pub fn new(params: &EpochParams) -> Self {
        let steepness = I32F32::from_num(params.alpha_sigmoid_steepness);
        LiquidAlpha {
            low: u16_proportion_to_fixed(params.alpha_low),
            high: u16_proportion_to_fixed(params.alpha_high),
            slope: steepness.saturating_div(I32F32::from_num(-100)),
        }
    }

    /// `alpha_sigmoid(consensus, weight, bond)` with the crate's `exp`.
    pub fn alpha_sigmoid(&self, consensus: I32F32, weight: I32F32, bond: I32F32) -> I32F32 {
        let sigmoid = self.sigmoid(combined_diff(consensus, weight, bond));
        self.alpha_from_sigmoid(sigmoid)
    }

    /// σ(d) = 1 / (1 + exp_safe(slope × (d − ½))).
    fn sigmoid(&self, combined_diff: I32F32) -> I32F32 {
        self.sigmoid_of_exp(exp_safe(self.exponent(combined_diff)))
    }

    /// slope × (d − ½), the sigmoid's exponent.
    fn exponent(&self, combined_diff: I32F32) -> I32F32 {
        self.slope
            .saturating_mul(combined_diff.saturating_sub(HALF))
    }

    /// 1 / (1 + e).
    fn sigmoid_of_exp(&self, e: I32F32) -> I32F32 {
        ONE.saturating_div(ONE.saturating_add(e))
    }

    /// α = clamp(low + σ (high − low), low, high).
    fn alpha_from_sigmoid(&self, sigmoid: I32F32) -> I32F32 {
        let alpha = self
            .low
            .saturating_add(sigmoid.saturating_mul(self.high.saturating_sub(self.low)));
        clamp_value(alpha, self.low, self.high)
    }
}

const HALF: I32F32 = I32F32::from_bits(1 << 31);

/// The disagreement d: buying above consensus when the weight is at least the bond, selling
/// below the bond otherwise; both clamped to [0, 1].
fn combined_diff(consensus: I32F32, weight: I32F32, bond: I32F32) -> I32F32 {
    let diff_buy = clamp_value(weight.saturating_sub(consensus), ZERO, ONE);
    let diff_sell = clamp_value(bond.saturating_sub(weight), ZERO, ONE);
    if weight >= bond { diff_buy } else { diff_sell }
}

/// `compute_liquid_alpha_values_sparse` as upstream writes it: a dense α for every row and
/// every consensus column, matching row entries by an ascending two-pointer scan (entries out
/// of ascending order can be missed and then read as 0). The epoch uses the equivalent lazy
/// [`liquid_alpha_ema`]; this is the reference it is tested against.
pub fn compute_liquid_alpha_values_sparse(
    weights: &SparseMatrix,
    bonds: &SparseMatrix,
    consensus: &[I32F32],
    la: &LiquidAlpha,
) -> Vec<Vec<I32F32>> {
    weights
        .iter()
        .zip(bonds)
        .map(|(w_row, b_row)| {
            let (mut w_iter, mut b_iter) = (0, 0);
            consensus
                .iter()
                .enumerate()
                .map(|(j, c)| {
                    let weight = scan_column(w_row, &mut w_iter, j);
                    let bond = scan_column(b_row, &mut b_iter, j);
                    la.alpha_sigmoid(*c, weight, bond)
                })
                .collect()
        })
        .collect()
}

/// One step of upstream's scan: skip entries with column < j, take the entry at column j.
fn scan_column(row: &[(u16, I32F32)], pos: &mut usize, j: usize) -> I32F32 {
    while let Some((col, val)) = row.get(*pos) {
        let col = usize::from(*col);
        if col == j {
            *pos += 1;
            return *val;
        }
        if col > j {
            break;
        }
        *pos += 1;
    }
    ZERO
}

/// Liquid-alpha EMA (`mat_ema_alpha_sparse` with the α of [`compute_liquid_alpha_values_sparse`])
/// computing α only where it is read — the columns of each new row — with the exponentials
/// batched ([`exp_safe_batch`]) and the common disagreement d = 0 evaluated once.
/// Bit-identical to the dense reference.
pub fn liquid_alpha_ema(
    weights: &SparseMatrix,
    bonds: &SparseMatrix,
    consensus: &[I32F32],
    la: &LiquidAlpha,
) -> SparseMatrix {
    let alphas = liquid_alphas(weights, bonds, consensus, la);
    let columns = consensus.len();
    let mut row_alpha = vec![ZERO; columns];
    let mut current_row = usize::MAX;
    mat_ema_alpha_sparse_with(weights, bonds, |i, j| {
        let j = usize::from(j);
        if j >= columns {
            return None;
        }
        if i != current_row {
            let entries = weights[i].iter().filter(|(c, _)| usize::from(*c) < columns);
            for ((col, _), alpha) in entries.zip(&alphas[i]) {
                row_alpha[usize::from(*col)] = *alpha;
            }
            current_row = i;
        }
        // Columns absent from the new row are only read for decayed values that are never used.
        Some(row_alpha[j])
    })
}

/// α for every in-range entry of every weights row, in row order.
fn liquid_alphas(
    weights: &SparseMatrix,
    bonds: &SparseMatrix,
    consensus: &[I32F32],
    la: &LiquidAlpha,
) -> Vec<Vec<I32F32>> {
    let diffs = disagreements(weights, bonds, consensus);
    let zero_sigmoid = la.sigmoid(ZERO);
    let pending: Vec<I32F32> = diffs
        .iter()
        .flatten()
        .filter(|d| **d != ZERO)
        .map(|d| la.exponent(*d))
        .collect();
    let mut exps = vec![ZERO; pending.len()];
    exp_safe_batch(&pending, &mut exps);
    let mut exps = exps.into_iter();
    diffs
        .iter()
        .map(|row| {
            row.iter()
                .map(|d| {
                    let sigmoid = if *d == ZERO {
                        zero_sigmoid
                    } else {
                        exps.next().map_or(zero_sigmoid, |e| la.sigmoid_of_exp(e))
                    };
                    la.alpha_from_sigmoid(sigmoid)
                })
                .collect()
        })
        .collect()
}

/// The disagreement d of every in-range entry of every weights row, with weight and bond as
/// upstream's ascending scan finds them.
fn disagreements(
    weights: &SparseMatrix,
    bonds: &SparseMatrix,
    consensus: &[I32F32],
) -> Vec<Vec<I32F32>> {
    let columns = consensus.len();
    let mut seen_weight = vec![ZERO; columns];
    let mut seen_bond = vec![ZERO; columns];
    let empty = Vec::new();
    weights
        .iter()
        .enumerate()
        .map(|(i, w_row)| {
            let b_row = bonds.get(i).unwrap_or(&empty);
            scan_found(w_row, &mut seen_weight);
            scan_found(b_row, &mut seen_bond);
            let row = w_row
                .iter()
                .map(|(col, _)| usize::from(*col))
                .filter(|col| *col < columns)
                .map(|col| combined_diff(consensus[col], seen_weight[col], seen_bond[col]))
                .collect();
            clear_found(w_row, &mut seen_weight);
            clear_found(b_row, &mut seen_bond);
            row
        })
        .collect()
}

/// Records, for each column, the value upstream's ascending scan finds in `row`.
fn scan_found(row: &[(u16, I32F32)], seen: &mut [I32F32]) {
    let mut next_column = 0usize;
    for (col, val) in row {
        let col = usize::from(*col);
        if next_column <= col && col < seen.len() {
            seen[col] = *val;
            next_column = col + 1;
        }
    }
}

/// Resets the slots [`scan_found`] may have written.
fn clear_found(row: &[(u16, I32F32)], seen: &mut [I32F32]) {
    for (col, _) in row {
        if let Some(slot) = seen.get_mut(usize::from(*col)) {
            *slot = ZERO;
        }
    }
}

/// Stored bond rows: the EMA row (as ⌊b × 65535⌋) for uids with a new permit, empty otherwise.
pub fn bonds_storage(
    ema_bonds: &SparseMatrix,
    new_validator_permits: &[bool],
    n: usize,
) -> SparseU16Matrix {
    (0..n)
        .map(|i| match (new_validator_permits.get(i), ema_bonds.get(i)) {
            (Some(true), Some(row)) => row
                .iter()
                .map(|(j, v)| (*j, fixed_proportion_to_u16(*v)))
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// `do_reset_bonds`: removes column `uid` from every stored bond row (`BondsResetOn` subnets,
/// when the miner at `uid` publishes a new commitment).
pub fn reset_bonds_column(bonds: &mut SparseU16Matrix, uid: u16) {
    for row in bonds.iter_mut() {
        row.retain(|(j, _)| *j != uid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_bonds_column_removes_only_that_column() {
        let mut bonds: SparseU16Matrix = vec![vec![(1, 10), (2, 20)], vec![], vec![(2, 5), (3, 7)]];
        reset_bonds_column(&mut bonds, 2);
        assert_eq!(bonds, vec![vec![(1, 10)], vec![], vec![(3, 7)]]);
    }

    #[test]
    fn last_tempo_falls_back_to_block_minus_tempo() {
        assert_eq!(last_tempo(100, 10, 0), 90);
        assert_eq!(last_tempo(5, 10, 0), 0);
        assert_eq!(last_tempo(100, 10, 95), 96);
    }

    #[test]
    fn ema_rate_is_one_minus_the_moving_average() {
        // 900_000 / 10⁶ truncated to 32 fractional bits, then 1 − that: 0.1 rounded up.
        assert_eq!(ema_alpha(900_000), ONE - I32F32::from_bits(3_865_470_566));
        assert_eq!(ema_alpha(0), ONE);
        assert_eq!(ema_alpha(1_000_000), ZERO);
    }
}
