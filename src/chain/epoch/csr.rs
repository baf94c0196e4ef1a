//! Compressed sparse rows (CSR) for the fast epoch: one matrix in three flat buffers that keep
//! their capacity from epoch to epoch, and the `epoch/math.rs` sparse primitives the epoch
//! needs, rewritten on it with several passes fused into one.
//!
//! Every function here computes exactly what the `SparseMatrix` primitive it names computes:
//! the same fixed-point operations on the same values in the same order (rows in ascending
//! order, entries in storage order), so results are bit-identical; only the layout and the
//! number of passes change. `tests/properties.rs` holds the whole epoch against the staged
//! reference pipeline.
//!
//! May depend on: `chain::fixed`, `chain::math`, `chain::types`.

use crate::chain::fixed::{
    FixedDivisor, I32F32, ONE, ZERO, fixed_proportion_to_u16, mul_sat, u16_to_fixed,
};
use crate::chain::types::{SparseMatrix, SparseU16Matrix};

/// A sparse matrix as compressed rows: row `i` holds the entries `start[i]..start[i + 1]` of
/// `cols` / `vals`, in the order they were written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Csr {
    start: Vec<usize>,
    cols: Vec<u16>,
    vals: Vec<I32F32>,
}

impl Csr {
    /// Empties the matrix, keeping its buffers.
    pub fn clear(&mut self) {
        self.start.clear();
        self.start.push(0);
        self.cols.clear();
        self.vals.clear();
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    /// Row `i` as (columns, values); empty beyond the last row.
    pub fn row(&self, i: usize) -> (&[u16], &[I32F32]) {
        match (self.start.get(i), self.start.get(i + 1)) {
            (Some(&a), Some(&b)) => (&self.cols[a..b], &self.vals[a..b]),
            _ => (&[], &[]),
        }
    }

    /// Appends an entry to the row being written.
    #[inline]
    pub fn push(&mut self, j: u16, value: I32F32) {
        self.cols.push(j);
        self.vals.push(value);
    }

    /// Closes the row being written.
    #[inline]
    pub fn end_row(&mut self) {
        self.start.push(self.cols.len());
    }

    /// Values of the row being written (since the last [`Csr::end_row`]).
    fn open_row_values(&mut self) -> &mut [I32F32] {
        let begin = self.start.last().copied().unwrap_or(0);
        &mut self.vals[begin..]
    }

    /// The matrix in the chain's layout.
    pub fn to_sparse(&self) -> SparseMatrix {
        (0..self.rows())
            .map(|i| {
                let (cols, vals) = self.row(i);
                cols.iter().copied().zip(vals.iter().copied()).collect()
            })
            .collect()
    }

    /// Replaces the contents with `m`.
    pub fn assign_sparse(&mut self, m: &SparseMatrix) {
        self.clear();
        for row in m {
            for (j, v) in row {
                self.push(*j, *v);
            }
            self.end_row();
        }
    }
}

/// `inplace_row_normalize_sparse` of the row being written: the same wrapping row sum and the
/// same divisions.
pub fn row_normalize_open_row(m: &mut Csr) {
    let row = m.open_row_values();
    let row_sum = row.iter().fold(ZERO, |acc, v| acc.wrapping_add(*v));
    if row_sum > ZERO {
        let divisor = FixedDivisor::new(row_sum);
        for value in row.iter_mut() {
            *value = divisor.saturating_div(*value);
        }
    }
}

/// `get_bonds_sparse` + the recent-registration mask (`scalar_vec_mask_sparse_matrix`): the
/// first `n` stored rows, entries with column `< n` whose miner registered before `last_tempo`.
pub fn load_bonds(
    out: &mut Csr,
    stored: &SparseU16Matrix,
    n: usize,
    convert: impl Fn(u16) -> I32F32,
    last_tempo: u64,
    registered_at: &[u64],
) {
    out.clear();
    for i in 0..n {
        for (j, v) in stored.get(i).map(Vec::as_slice).unwrap_or(&[]) {
            let col = usize::from(*j);
            if col < n && last_tempo > registered_at.get(col).copied().unwrap_or(0) {
                out.push(*j, convert(*v));
            }
        }
        out.end_row();
    }
}

/// `col_clip_sparse`, `row_sum_sparse` of its result and `matmul_sparse(clipped, stake)` in one
/// pass: writes W̄ into `clipped`, the row sums into `trust` and R = W̄ᵀ stake into `ranks`.
pub fn clip_trust_ranks(
    w: &Csr,
    consensus: &[I32F32],
    stake: &[I32F32],
    clipped: &mut Csr,
    trust: &mut Vec<I32F32>,
    ranks: &mut Vec<I32F32>,
) {
    clipped.clear();
    trust.clear();
    ranks.clear();
    ranks.resize(consensus.len(), ZERO);
    for i in 0..w.rows() {
        let (cols, vals) = w.row(i);
        let s = stake.get(i).copied();
        let mut row_sum = ZERO;
        for (j, value) in cols.iter().zip(vals) {
            let col = usize::from(*j);
            let Some(threshold) = consensus.get(col).copied() else {
                continue;
            };
            let kept = if threshold < *value {
                if ZERO < threshold {
                    threshold
                } else {
                    continue;
                }
            } else {
                *value
            };
            clipped.push(*j, kept);
            row_sum = row_sum.wrapping_add(kept);
            if let Some(s) = s {
                ranks[col] = ranks[col].saturating_add(mul_sat(s, kept));
            }
        }
        clipped.end_row();
        trust.push(row_sum);
    }
}

/// Dense scratch rows for the union-of-entries primitives.
#[derive(Clone, Debug, Default)]
pub struct DenseRows {
    a: Vec<I32F32>,
    b: Vec<I32F32>,
}

impl DenseRows {
    fn zeroed(&mut self, columns: usize) {
        for row in [&mut self.a, &mut self.b] {
            row.clear();
            row.resize(columns, ZERO);
        }
    }
}

/// `interpolate_sparse(mat1, mat2, columns, ratio)` for a ratio strictly between 0 and 1 and
/// matrices with as many rows: `a + ratio (b − a)` over the union of entries, kept when > 0, in
/// ascending column order.
pub fn interpolate(
    mat1: &Csr,
    mat2: &Csr,
    columns: usize,
    ratio: I32F32,
    dense: &mut DenseRows,
    out: &mut Csr,
) {
    out.clear();
    dense.zeroed(columns);
    for i in 0..mat1.rows().min(mat2.rows()) {
        let (r1, r2) = (mat1.row(i), mat2.row(i));
        if r1.0.is_empty() && r2.0.is_empty() {
            out.end_row();
            continue;
        }
        scatter(&mut dense.a, r1);
        scatter(&mut dense.b, r2);
        for (j, (a, b)) in dense.a.iter_mut().zip(dense.b.iter_mut()).enumerate() {
            let interp = a.saturating_add(mul_sat(ratio, b.saturating_sub(*a)));
            if ZERO < interp {
                out.push(j as u16, interp);
            }
            (*a, *b) = (ZERO, ZERO);
        }
        out.end_row();
    }
}

/// Writes a sparse row into a zeroed dense row (last write wins, as upstream).
fn scatter(dense: &mut [I32F32], (cols, vals): (&[u16], &[I32F32])) {
    for (j, v) in cols.iter().zip(vals) {
        if let Some(slot) = dense.get_mut(usize::from(*j)) {
            *slot = *v;
        }
    }
}

/// `mat_ema_sparse(new, old, alpha)`: `α·new + (1 − α)·old` over the union of entries
/// (saturating, new entries first), kept when > 0 in ascending column order; square
/// (columns = rows of `new`).
pub fn mat_ema(new: &Csr, old: &Csr, alpha: I32F32, dense: &mut DenseRows, out: &mut Csr) {
    let n = new.rows();
    let one_minus_alpha = ONE.saturating_sub(alpha);
    out.clear();
    dense.zeroed(n);
    let row = &mut dense.a;
    for i in 0..n.min(old.rows()) {
        let ((new_cols, new_vals), (old_cols, old_vals)) = (new.row(i), old.row(i));
        if new_cols.is_empty() && old_cols.is_empty() {
            out.end_row();
            continue;
        }
        for (j, value) in new_cols.iter().zip(new_vals) {
            if let Some(slot) = row.get_mut(usize::from(*j)) {
                *slot = slot.saturating_add(mul_sat(alpha, *value));
            }
        }
        for (j, value) in old_cols.iter().zip(old_vals) {
            if let Some(slot) = row.get_mut(usize::from(*j)) {
                *slot = slot.saturating_add(mul_sat(one_minus_alpha, *value));
            }
        }
        for (j, slot) in row.iter_mut().enumerate() {
            if *slot > ZERO {
                out.push(j as u16, *slot);
            }
            *slot = ZERO;
        }
        out.end_row();
    }
}

/// `row_hadamard_sparse`: row i scaled by `vector_i` (saturating); zero products kept.
pub fn row_hadamard(m: &Csr, vector: &[I32F32], out: &mut Csr) {
    out.clear();
    for i in 0..m.rows() {
        let v = vector.get(i).copied().unwrap_or(ZERO);
        let (cols, vals) = m.row(i);
        for (j, x) in cols.iter().zip(vals) {
            out.push(*j, mul_sat(*x, v));
        }
        out.end_row();
    }
}

/// Per-column fold over `columns` columns, rows in order (out-of-range entries ignored).
fn col_fold(m: &Csr, columns: usize, acc: &mut Vec<I32F32>, f: impl Fn(I32F32, I32F32) -> I32F32) {
    acc.clear();
    acc.resize(columns, ZERO);
    for (j, value) in m.cols.iter().zip(&m.vals) {
        if let Some(slot) = acc.get_mut(usize::from(*j)) {
            *slot = f(*slot, *value);
        }
    }
}

/// Divides every entry by its column's divisor, skipping columns whose divisor is zero.
fn divide_columns(m: &mut Csr, col_divisor: &[I32F32], divisors: &mut Vec<FixedDivisor>) {
    divisors.clear();
    divisors.extend(col_divisor.iter().map(|d| FixedDivisor::new(*d)));
    for (j, value) in m.cols.iter().zip(m.vals.iter_mut()) {
        let j = usize::from(*j);
        match (col_divisor.get(j), divisors.get(j)) {
            (Some(d), Some(divisor)) if *d != ZERO => *value = divisor.safe_div(*value),
            _ => {}
        }
    }
}

/// Column sums and prepared divisors, reused by the column-wise primitives.
#[derive(Clone, Debug, Default)]
pub struct ColumnScratch {
    folds: Vec<I32F32>,
    divisors: Vec<FixedDivisor>,
}

/// `inplace_col_normalize_sparse`: each column divided by its (saturating) sum, if non-zero.
pub fn col_normalize(m: &mut Csr, columns: usize, s: &mut ColumnScratch) {
    col_fold(m, columns, &mut s.folds, |acc, v| acc.saturating_add(v));
    divide_columns(m, &s.folds, &mut s.divisors);
}

/// `inplace_col_max_upscale_sparse`: each column divided by its maximum, if non-zero.
pub fn col_max_upscale(m: &mut Csr, columns: usize, s: &mut ColumnScratch) {
    col_fold(
        m,
        columns,
        &mut s.folds,
        |acc, v| if acc < v { v } else { acc },
    );
    divide_columns(m, &s.folds, &mut s.divisors);
}

/// `matmul_transpose_sparse`: `r_i = Σ_j vector_j × m_ij` (saturating).
pub fn matmul_transpose(m: &Csr, vector: &[I32F32], out: &mut Vec<I32F32>) {
    out.clear();
    for i in 0..m.rows() {
        let (cols, vals) = m.row(i);
        let r = cols.iter().zip(vals).fold(ZERO, |acc, (j, value)| {
            let v = vector.get(usize::from(*j)).copied().unwrap_or(ZERO);
            acc.saturating_add(mul_sat(v, *value))
        });
        out.push(r);
    }
}

/// `col_normalized_matmul_transpose_sparse`: [`matmul_transpose`] of the column-normalised
/// matrix without making it.
pub fn col_normalized_matmul_transpose(
    m: &Csr,
    columns: usize,
    vector: &[I32F32],
    s: &mut ColumnScratch,
    out: &mut Vec<I32F32>,
) {
    col_fold(m, columns, &mut s.folds, |acc, v| acc.saturating_add(v));
    s.divisors.clear();
    s.divisors
        .extend(s.folds.iter().map(|d| FixedDivisor::new(*d)));
    out.clear();
    for i in 0..m.rows() {
        let (cols, vals) = m.row(i);
        let r = cols.iter().zip(vals).fold(ZERO, |acc, (j, value)| {
            let j = usize::from(*j);
            let normalized = match (s.folds.get(j), s.divisors.get(j)) {
                (Some(sum), Some(divisor)) if *sum != ZERO => divisor.safe_div(*value),
                _ => *value,
            };
            let v = vector.get(j).copied().unwrap_or(ZERO);
            acc.saturating_add(mul_sat(v, normalized))
        });
        out.push(r);
    }
}

/// Stored bond rows: the row as ⌊b × 65535⌋ for uids with a new permit, empty otherwise.
pub fn bonds_storage(ema: &Csr, new_validator_permits: &[bool], n: usize) -> SparseU16Matrix {
    (0..n)
        .map(|i| match new_validator_permits.get(i) {
            Some(true) if i < ema.rows() => {
                let (cols, vals) = ema.row(i);
                cols.iter()
                    .zip(vals)
                    .map(|(j, v)| (*j, fixed_proportion_to_u16(*v)))
                    .collect()
            }
            _ => Vec::new(),
        })
        .collect()
}

/// Whether a stored weight (i, j) survives the epoch's masks (spec §8.4).
pub struct WeightMasks<'a> {
    /// `!permit` per row (rows beyond it are masked).
    pub validator_forbids: &'a [bool],
    /// The owner's uid, whose self-weight is kept.
    pub owner_uid: Option<u16>,
    /// `LastUpdate` per row.
    pub last_update: &'a [u64],
    /// `BlockAtRegistration` per column.
    pub registered_at: &'a [u64],
    /// Earliest live commit per row, when commit-reveal is on.
    pub commit_block: Option<&'a [u64]>,
}

/// `get_weights_sparse`, the permit, diagonal, outdated and commit-reveal masks and
/// `inplace_row_normalize_sparse`, in one pass over the stored rows.
pub fn load_weights(out: &mut Csr, stored: &SparseU16Matrix, n: usize, masks: &WeightMasks) {
    out.clear();
    for i in 0..n {
        let row = stored.get(i).map(Vec::as_slice).unwrap_or(&[]);
        if !masks.validator_forbids.get(i).copied().unwrap_or(true) {
            push_masked_row(out, row, i, n, masks);
            row_normalize_open_row(out);
        }
        out.end_row();
    }
}

/// The entries of stored row `i` that pass the diagonal, outdated and commit masks.
fn push_masked_row(out: &mut Csr, row: &[(u16, u16)], i: usize, n: usize, masks: &WeightMasks) {
    let keep_diagonal = masks.owner_uid.is_some_and(|o| usize::from(o) == i);
    let updated = masks.last_update.get(i).copied().unwrap_or(0);
    let commit = masks
        .commit_block
        .map(|c| c.get(i).copied().unwrap_or(u64::MAX));
    for (j, v) in row {
        let col = usize::from(*j);
        if col >= n || (col == i && !keep_diagonal) {
            continue;
        }
        let registered = masks.registered_at.get(col).copied().unwrap_or(0);
        if updated <= registered || commit.is_some_and(|c| c < registered) {
            continue;
        }
        out.push(*j, u16_to_fixed(*v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::math::{
        col_clip_sparse, col_normalized_matmul_transpose_sparse, inplace_col_max_upscale_sparse,
        inplace_col_normalize_sparse, interpolate_sparse, mat_ema_sparse, matmul_sparse,
        matmul_transpose_sparse, row_hadamard_sparse, row_sum_sparse,
    };
    use proptest::prelude::*;

    /// `rows` rows over columns `0..n`: any order, duplicates, values around [0, 1] and beyond.
    fn matrix(rows: usize, n: u16) -> impl Strategy<Value = SparseMatrix> {
        let value = prop_oneof![
            1 => Just(0i64),
            4 => 0..=1i64 << 32,
            1 => -(3i64 << 32)..=3i64 << 32,
            1 => any::<i64>(),
        ];
        let entry = (0..n, value).prop_map(|(j, v)| (j, I32F32::from_bits(v)));
        prop::collection::vec(prop::collection::vec(entry, 0..=2 * usize::from(n)), rows)
    }

    fn vector(n: usize) -> impl Strategy<Value = Vec<I32F32>> {
        let value = prop_oneof![3 => 0..=1i64 << 32, 1 => any::<i64>()];
        prop::collection::vec(value.prop_map(I32F32::from_bits), n)
    }

    fn csr(m: &SparseMatrix) -> Csr {
        let mut c = Csr::default();
        c.assign_sparse(m);
        c
    }

    fn case() -> impl Strategy<Value = (SparseMatrix, SparseMatrix, Vec<I32F32>, Vec<I32F32>)> {
        (1..=10u16).prop_flat_map(|n| {
            let rows = usize::from(n);
            (matrix(rows, n), matrix(rows, n), vector(rows), vector(rows))
        })
    }

    proptest! {
        /// The fused clip pass equals `col_clip_sparse`, `row_sum_sparse` and `matmul_sparse`.
        #[test]
        fn fused_clip_equals_its_three_primitives((w, _, c, s) in case()) {
            let (mut clipped, mut trust, mut ranks) = (Csr::default(), Vec::new(), Vec::new());
            clip_trust_ranks(&csr(&w), &c, &s, &mut clipped, &mut trust, &mut ranks);
            let reference = col_clip_sparse(&w, &c);
            prop_assert_eq!(ranks, matmul_sparse(&reference, &s, c.len() as u16));
            prop_assert_eq!(trust, row_sum_sparse(&reference));
            prop_assert_eq!(clipped.to_sparse(), reference);
        }

        /// The union-of-entries primitives equal `interpolate_sparse` and `mat_ema_sparse`.
        #[test]
        fn union_primitives_equal_upstream((a, b, v, _) in case()) {
            let (mut dense, mut out) = (DenseRows::default(), Csr::default());
            let n = a.len();
            for ratio in [v[0], I32F32::from_bits(1 << 31)] {
                if ratio == ZERO || ratio == ONE {
                    continue;
                }
                interpolate(&csr(&a), &csr(&b), n, ratio, &mut dense, &mut out);
                prop_assert_eq!(out.to_sparse(), interpolate_sparse(&a, &b, n as u16, ratio));
                mat_ema(&csr(&a), &csr(&b), ratio, &mut dense, &mut out);
                prop_assert_eq!(out.to_sparse(), mat_ema_sparse(&a, &b, ratio));
            }
        }

        /// The column-wise primitives and products equal their `SparseMatrix` versions.
        #[test]
        fn column_primitives_equal_upstream((m, _, v, _) in case()) {
            let (n, mut s, mut out) = (m.len(), ColumnScratch::default(), Vec::new());
            let (mut fast, mut reference) = (csr(&m), m.clone());
            col_normalized_matmul_transpose(&fast, n, &v, &mut s, &mut out);
            prop_assert_eq!(&out, &col_normalized_matmul_transpose_sparse(&m, n as u16, &v));
            matmul_transpose(&fast, &v, &mut out);
            prop_assert_eq!(&out, &matmul_transpose_sparse(&m, &v));
            let mut product = Csr::default();
            row_hadamard(&fast, &v, &mut product);
            prop_assert_eq!(product.to_sparse(), row_hadamard_sparse(&m, &v));
            col_normalize(&mut fast, n, &mut s);
            inplace_col_normalize_sparse(&mut reference, n as u16);
            prop_assert_eq!(fast.to_sparse(), reference.clone());
            col_max_upscale(&mut fast, n, &mut s);
            inplace_col_max_upscale_sparse(&mut reference, n as u16);
            prop_assert_eq!(fast.to_sparse(), reference);
        }
    }
}
