//! yuma-simulation's Yuma epoch variants in `f64`: one epoch of [`Variant`] from raw weights and
//! raw stakes, carrying the variant's [`State`] (bonds, previous consensus, previous weights)
//! from one call to the next, as the package's simulation loop does (§1). Sections (§) are
//! those of `docs/yuma-variants.md`.
//!
//! Every uid is a row and a column (the package's full-matrix layout). Steps S1–S7 (§3) are
//! shared; the variants differ in clipping input and bonds (§4). The package works in float32;
//! this model works in float64 throughout, which matches it to about 2e-7 except where the
//! consensus quantisation (§3 S4) truncates a value lying within float32 rounding of an
//! integer (§6: one u16 step of consensus, at most 2.83e-6 on dividend shares).
//!
//! May depend on: std.

/// A dense matrix, row-major: `m[i][j]`, row i = validator i, column j = uid j.
pub type Matrix = Vec<Vec<f64>>;

/// The package's ε (1e-6) in row sums, column normalisations and D̂ (§3, §5 "ε constants").
const EPS: f64 = 1e-6;

/// Yuma 2C's capacity scale `2^64 − 1`, used by the package as a double (§2, §4.4).
const CAPACITY_SCALE: f64 = 18_446_744_073_709_551_615.0;

/// The consensus value of every column when Σc = 0: the package's float→int32 cast of NaN,
/// `INT32_MIN / 65535` (§3 S4, §5).
pub const ZERO_SUM_CONSENSUS: f64 = -2_147_483_648.0 / 65_535.0;

/// A variant of the package (§1 table, §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// "Yuma 1" (`YumaRust`, §4.1): bonds replaced each epoch and column-renormalised.
    Yuma1,
    /// "Yuma 2 (subtensor)" (`Yuma`, §4.2): the package's model of original Yuma.
    Yuma2,
    /// "Yuma 2B (Adrian-Fish)" (`Yuma2b`, §4.3): clipping and bonds from last epoch's weights.
    Yuma2b,
    /// "Yuma 2C (Rhef+reset)" (`Yuma2c`, §4.4): capacity bonds with decay.
    Yuma2c,
    /// "Yuma 3 (Rhef+relative bonds)" (`Yuma3`, §4.5): the package's model of Yuma 3.
    Yuma3,
}

/// Which consensus Yuma 3's liquid alpha compares with (§2 `liquid_alpha_consensus_mode`,
/// §4.5 step 2). Default `Current`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConsensusMode {
    /// This epoch's consensus.
    #[default]
    Current,
    /// Last epoch's consensus.
    Previous,
    /// The elementwise maximum of both.
    Mixed,
}

/// Liquid alpha's sigmoid (§4.6).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LiquidAlpha {
    /// Lowest rate (chain-defaults 45875/65535 ≈ 0.7).
    pub low: f64,
    /// Highest rate (chain-defaults 58982/65535 ≈ 0.9).
    pub high: f64,
    /// Sigmoid steepness k, used as given (chain-defaults 10).
    pub steepness: f64,
    /// Yuma 3 only: which consensus the rate compares with.
    pub mode: ConsensusMode,
}

/// The variant's parameters (§2); [`Knobs::default`] is the package's "chain-defaults" profile.
#[derive(Clone, Debug, PartialEq)]
pub struct Knobs {
    /// κ, consensus majority (default 32767/65535).
    pub kappa: f64,
    /// β, the bonds penalty (default 1; Yuma 1, 2, 2B only).
    pub bond_penalty: f64,
    /// The EMA rate α = 1 − `bond_moving_average` (default 0.1; Yuma 2, 2B, 3).
    pub ema_rate: f64,
    /// Liquid alpha, when on (default off; not Yuma 2C).
    pub liquid_alpha: Option<LiquidAlpha>,
    /// Yuma 2C's bond decay per epoch (default 0.1).
    pub decay_rate: f64,
    /// Yuma 2C's purchase fraction of capacity per epoch (default 0.1).
    pub capacity_alpha: f64,
    /// Incentive to the columns with the highest rank only, shared on ties (default false).
    pub winner_takes_all: bool,
    /// The package's full-matrix layout for liquid alpha: with `Some(v)`, rates are computed
    /// only on rows `< v` and columns `≥ v` and are 0 elsewhere (§4.6). `None` (default): everywhere.
    pub liquid_alpha_validators: Option<usize>,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            kappa: 32_767.0 / 65_535.0,
            bond_penalty: 1.0,
            ema_rate: 0.1,
            liquid_alpha: None,
            decay_rate: 0.1,
            capacity_alpha: 0.1,
            winner_takes_all: false,
            liquid_alpha_validators: None,
        }
    }
}

/// What one epoch carries to the next (§1 table). All absent before the first epoch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    /// B: EMA bonds (Yuma 1, 2, 2B), capacity bonds (2C) or raw bonds in [0, 1] (3).
    pub bonds: Option<Matrix>,
    /// C of the previous epoch (quantised, §3 S4).
    pub consensus: Option<Vec<f64>>,
    /// Yuma 2B: the previous epoch's row-normalised weights.
    pub weights_prev: Option<Matrix>,
}

impl State {
    /// Pads with zeros or cuts every carried vector and matrix to `n` uids (registrations and
    /// deregistrations between snapshots).
    pub fn resize(&mut self, n: usize) {
        let square = |m: &mut Matrix| {
            m.resize(n, vec![0.0; n]);
            m.iter_mut().for_each(|row| row.resize(n, 0.0));
        };
        self.bonds.iter_mut().for_each(square);
        self.weights_prev.iter_mut().for_each(square);
        if let Some(c) = &mut self.consensus {
            c.resize(n, 0.0);
        }
    }
}

/// One epoch's results per uid.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Output {
    /// s: normalised stake (§3 S2).
    pub stake: Vec<f64>,
    /// C: quantised consensus (§3 S4); [`ZERO_SUM_CONSENSUS`] everywhere when Σc = 0.
    pub consensus: Vec<f64>,
    /// I: incentive (§3 S7).
    pub incentive: Vec<f64>,
    /// D / ΣD: each uid's share of the epoch's dividends (0 when ΣD is 0 or not finite).
    pub dividends: Vec<f64>,
    /// The package's validator trust Σⱼ W̄ᵢⱼ.
    pub validator_trust: Vec<f64>,
}

/// Runs one epoch of `variant` on raw `weights` (n × n, ≥ 0, any scale) and raw `stakes`
/// (n, ≥ 0, any scale), reading and updating `state` (§1).
pub fn epoch(
    variant: Variant,
    weights: &Matrix,
    stakes: &[f64],
    knobs: &Knobs,
    state: &mut State,
) -> Output {
    let w = row_normalize(weights);
    let s = stake_normalize(stakes);
    let c = quantize_consensus(&consensus(&w, &s, knobs.kappa));
    let clip_from = match (variant, &state.weights_prev) {
        (Variant::Yuma2b, Some(prev)) => prev.clone(),
        _ => w.clone(),
    };
    let clipped = clip(&clip_from, &c);
    let incentive = incentive(&rank(&clipped, &s), knobs.winner_takes_all);
    let ctx = Epoch {
        w: &w,
        s: &s,
        c: &c,
        clip_from: &clip_from,
        clipped: &clipped,
        incentive: &incentive,
    };
    let dividends = match variant {
        Variant::Yuma1 => yuma1(&ctx, knobs, state),
        Variant::Yuma2 | Variant::Yuma2b => yuma2(&ctx, knobs, state),
        Variant::Yuma2c => yuma2c(&ctx, knobs, state),
        Variant::Yuma3 => yuma3(&ctx, knobs, state),
    };
    state.consensus = Some(c.clone());
    if variant == Variant::Yuma2b {
        state.weights_prev = Some(w.clone());
    }
    Output {
        validator_trust: clipped.iter().map(|row| row.iter().sum()).collect(),
        stake: s,
        consensus: c,
        incentive,
        dividends: shares(&dividends),
    }
}

/// The shared intermediates the bond steps read.
struct Epoch<'a> {
    /// Ŵ, this epoch's row-normalised weights.
    w: &'a Matrix,
    /// s.
    s: &'a [f64],
    /// C.
    c: &'a [f64],
    /// The weights clipped (Ŵ, or Ŵ_prev for Yuma 2B).
    clip_from: &'a Matrix,
    /// W̄.
    clipped: &'a Matrix,
    /// I.
    incentive: &'a [f64],
}

/// §3 S1: `Ŵᵢⱼ = Wᵢⱼ / (Σₖ Wᵢₖ + ε)`.
pub fn row_normalize(weights: &Matrix) -> Matrix {
    weights
        .iter()
        .map(|row| {
            let sum: f64 = row.iter().sum::<f64>() + EPS;
            row.iter().map(|x| x / sum).collect()
        })
        .collect()
}

/// §3 S2: `sᵢ = Sᵢ / Σₖ Sₖ` (no ε: all-zero stakes give NaN, as in the package).
pub fn stake_normalize(stakes: &[f64]) -> Vec<f64> {
    let total: f64 = stakes.iter().sum();
    stakes.iter().map(|x| x / total).collect()
}

/// §3 S3: per column, the weight at the first position (rows sorted by weight, descending)
/// where the cumulative stake reaches κ (κ compared as a float32 value); the column maximum
/// when no position does (NaN stakes).
pub fn consensus(w: &Matrix, s: &[f64], kappa: f64) -> Vec<f64> {
    let kappa = f64::from(kappa as f32);
    let n_cols = w.first().map_or(0, Vec::len);
    (0..n_cols)
        .map(|j| {
            let mut column: Vec<(f64, f64)> = w.iter().zip(s).map(|(r, &si)| (r[j], si)).collect();
            column.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut cumulative = 0.0;
            for &(weight, stake) in &column {
                cumulative += stake;
                if cumulative >= kappa {
                    return weight;
                }
            }
            column.first().map_or(0.0, |first| first.0)
        })
        .collect()
}

/// §3 S4: `Cⱼ = trunc(cⱼ / Σc · 65535) / 65535`; when Σc = 0, [`ZERO_SUM_CONSENSUS`] everywhere.
pub fn quantize_consensus(c: &[f64]) -> Vec<f64> {
    let total: f64 = c.iter().sum();
    if total > 0.0 {
        c.iter()
            .map(|x| (x / total * 65_535.0).trunc() / 65_535.0)
            .collect()
    } else {
        vec![ZERO_SUM_CONSENSUS; c.len()]
    }
}

/// §3 S5: `W̄ᵢⱼ = min(Xᵢⱼ, Cⱼ)`.
fn clip(x: &Matrix, c: &[f64]) -> Matrix {
    x.iter()
        .map(|row| row.iter().zip(c).map(|(w, cj)| w.min(*cj)).collect())
        .collect()
}

/// §3 S6: `Rⱼ = Σᵢ sᵢ W̄ᵢⱼ`.
fn rank(clipped: &Matrix, s: &[f64]) -> Vec<f64> {
    let n_cols = clipped.first().map_or(0, Vec::len);
    (0..n_cols)
        .map(|j| clipped.iter().zip(s).map(|(row, si)| si * row[j]).sum())
        .collect()
}

/// §3 S7: `I = R / ΣR` (NaN → 0), or winner takes all: `1/|winners|` to every column whose
/// rank equals the maximum exactly (nobody wins when a rank is NaN).
fn incentive(ranks: &[f64], winner_takes_all: bool) -> Vec<f64> {
    if winner_takes_all {
        if ranks.iter().any(|r| r.is_nan()) {
            return vec![0.0; ranks.len()];
        }
        let best = ranks.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let winners = ranks.iter().filter(|r| **r == best).count() as f64;
        return ranks
            .iter()
            .map(|r| if *r == best { 1.0 / winners } else { 0.0 })
            .collect();
    }
    let total: f64 = ranks.iter().sum();
    ranks.iter().map(|r| finite_or_zero(r / total)).collect()
}

fn finite_or_zero(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x }
}

/// `Wᵇ = (1 − β) X + β W̄` (§4.1 step 2; X is Ŵ, or Ŵ_prev for Yuma 2B).
fn weights_for_bonds(x: &Matrix, clipped: &Matrix, beta: f64) -> Matrix {
    x.iter()
        .zip(clipped)
        .map(|(xr, cr)| {
            xr.iter()
                .zip(cr)
                .map(|(a, b)| (1.0 - beta) * a + beta * b)
                .collect()
        })
        .collect()
}

/// `ΔBᵢⱼ = sᵢ Wᵇᵢⱼ / (Σₖ sₖ Wᵇₖⱼ + eps)`, NaN → 0 (§4.1 step 3 with ε, §4.2 step 2 without).
fn bonds_delta(wb: &Matrix, s: &[f64], eps: f64) -> Matrix {
    let n_cols = wb.first().map_or(0, Vec::len);
    let sums: Vec<f64> = (0..n_cols)
        .map(|j| wb.iter().zip(s).map(|(row, si)| si * row[j]).sum::<f64>() + eps)
        .collect();
    wb.iter()
        .zip(s)
        .map(|(row, si)| {
            row.iter()
                .zip(&sums)
                .map(|(w, sum)| finite_or_zero(si * w / sum))
                .collect()
        })
        .collect()
}

/// §4.6: liquid alpha's per-entry rate from weight w, bond b and consensus c.
fn liquid_rate(la: &LiquidAlpha, w: f64, b: f64, c: f64) -> f64 {
    let d = if w >= b {
        (w - c).clamp(0.0, 1.0)
    } else {
        (b - w).clamp(0.0, 1.0)
    };
    let sigmoid = 1.0 / (1.0 + (-la.steepness * (d - 0.5)).exp());
    (la.low + sigmoid * (la.high - la.low))
        .max(la.low)
        .min(la.high)
}

/// The EMA rate of every entry: liquid alpha `LA(Ŵ, B_old, c)` when it is on and a previous
/// consensus exists (§1: from the second epoch), else `fixed` everywhere.
fn rates(knobs: &Knobs, w: &Matrix, b_old: &Matrix, c: Option<&[f64]>, fixed: f64) -> Matrix {
    let (Some(la), Some(c)) = (&knobs.liquid_alpha, c) else {
        return w.iter().map(|row| vec![fixed; row.len()]).collect();
    };
    let in_block = |i: usize, j: usize| {
        knobs
            .liquid_alpha_validators
            .is_none_or(|v| i < v && j >= v)
    };
    w.iter()
        .enumerate()
        .map(|(i, row)| {
            (0..row.len())
                .map(|j| match in_block(i, j) {
                    true => liquid_rate(la, row[j], b_old[i][j], c[j]),
                    false => 0.0,
                })
                .collect()
        })
        .collect()
}

/// `α ΔB + (1 − α) B_old`, entry by entry.
fn ema(delta: &Matrix, old: &Matrix, alpha: &Matrix) -> Matrix {
    delta
        .iter()
        .zip(old)
        .zip(alpha)
        .map(|((d, o), a)| {
            d.iter()
                .zip(o)
                .zip(a)
                .map(|((d, o), a)| a * d + (1.0 - a) * o)
                .collect()
        })
        .collect()
}

/// Each column divided by its sum + ε, NaN → 0.
fn col_normalize(m: &Matrix) -> Matrix {
    let n_cols = m.first().map_or(0, Vec::len);
    let sums: Vec<f64> = (0..n_cols)
        .map(|j| m.iter().map(|row| row[j]).sum::<f64>() + EPS)
        .collect();
    m.iter()
        .map(|row| {
            row.iter()
                .zip(&sums)
                .map(|(x, s)| finite_or_zero(x / s))
                .collect()
        })
        .collect()
}

/// `Dᵢ = Σⱼ Bᵢⱼ Iⱼ`.
fn bond_dividends(bonds: &Matrix, incentive: &[f64]) -> Vec<f64> {
    bonds
        .iter()
        .map(|row| row.iter().zip(incentive).map(|(b, i)| b * i).sum())
        .collect()
}

/// D / ΣD, 0 everywhere when the sum is 0 or not finite (the export's convention, §7).
fn shares(d: &[f64]) -> Vec<f64> {
    let total: f64 = d.iter().sum();
    if total > 0.0 && total.is_finite() {
        d.iter().map(|x| x / total).collect()
    } else {
        vec![0.0; d.len()]
    }
}

/// §4.1 Yuma 1: ΔB with ε, rate 1 (or liquid alpha), columns renormalised; `D = B I`.
fn yuma1(e: &Epoch, knobs: &Knobs, state: &mut State) -> Vec<f64> {
    let wb = weights_for_bonds(e.clip_from, e.clipped, knobs.bond_penalty);
    let delta = bonds_delta(&wb, e.s, EPS);
    let ema_bonds = match &state.bonds {
        Some(old) => ema(
            &delta,
            old,
            &rates(
                knobs,
                e.w,
                old,
                Some(e.c).filter(|_| state.consensus.is_some()),
                1.0,
            ),
        ),
        None => delta,
    };
    let bonds = col_normalize(&ema_bonds);
    let d = bond_dividends(&bonds, e.incentive);
    state.bonds = Some(bonds);
    d
}

/// §4.2 Yuma 2 (and §4.3 Yuma 2B, whose clipped input is Ŵ_prev): ΔB without ε, EMA at
/// 1 − bma (or liquid alpha on the current consensus), no renormalisation; `D = B I`.
fn yuma2(e: &Epoch, knobs: &Knobs, state: &mut State) -> Vec<f64> {
    let wb = weights_for_bonds(e.clip_from, e.clipped, knobs.bond_penalty);
    let delta = bonds_delta(&wb, e.s, 0.0);
    let bonds = match &state.bonds {
        Some(old) => {
            let previous = Some(e.c).filter(|_| state.consensus.is_some());
            ema(
                &delta,
                old,
                &rates(knobs, e.w, old, previous, knobs.ema_rate),
            )
        }
        None => delta,
    };
    let d = bond_dividends(&bonds, e.incentive);
    state.bonds = Some(bonds);
    d
}

/// §4.4 Yuma 2C: capacity bonds `min((1 − decay) B_old + min(α_cap cap, cap − B_old) Ŵ, cap)`
/// with `cap = s · (2^64 − 1)`; `D = col_normalize(B) I` (no stake factor).
fn yuma2c(e: &Epoch, knobs: &Knobs, state: &mut State) -> Vec<f64> {
    let n = e.w.len();
    let old = state.bonds.take().unwrap_or_else(|| vec![vec![0.0; n]; n]);
    let bonds: Matrix = (0..n)
        .map(|i| {
            let cap = e.s[i] * CAPACITY_SCALE;
            (0..e.w[i].len())
                .map(|j| {
                    let remaining = (cap - old[i][j]).max(0.0);
                    let buy = (knobs.capacity_alpha * cap).min(remaining);
                    ((1.0 - knobs.decay_rate) * old[i][j] + buy * e.w[i][j]).min(cap)
                })
                .collect()
        })
        .collect();
    let d = bond_dividends(&col_normalize(&bonds), e.incentive);
    state.bonds = Some(bonds);
    d
}

/// §4.5 Yuma 3: `B = min((1 − α) B_old + min(α Ŵ, 1 − B^d), 1)` bought with unclipped Ŵ;
/// `Dᵢ = sᵢ Σⱼ col_normalize(B)ᵢⱼ Iⱼ`.
fn yuma3(e: &Epoch, knobs: &Knobs, state: &mut State) -> Vec<f64> {
    let n = e.w.len();
    let old = state.bonds.take().unwrap_or_else(|| vec![vec![0.0; n]; n]);
    let la_consensus = la_consensus(knobs, e.c, state.consensus.as_deref());
    let alpha = rates(knobs, e.w, &old, la_consensus.as_deref(), knobs.ema_rate);
    let bonds: Matrix = (0..n)
        .map(|i| {
            (0..e.w[i].len())
                .map(|j| {
                    let decayed = (1.0 - alpha[i][j]) * old[i][j];
                    let buy = (alpha[i][j] * e.w[i][j]).min((1.0 - decayed).max(0.0));
                    (decayed + buy).min(1.0)
                })
                .collect()
        })
        .collect();
    let earned = bond_dividends(&col_normalize(&bonds), e.incentive);
    state.bonds = Some(bonds);
    earned.iter().zip(e.s).map(|(d, s)| d * s).collect()
}

/// Yuma 3's consensus for liquid alpha by mode (§4.5 step 2); `None` in the first epoch.
fn la_consensus(knobs: &Knobs, current: &[f64], previous: Option<&[f64]>) -> Option<Vec<f64>> {
    let previous = previous?;
    let mode = knobs.liquid_alpha.map(|la| la.mode).unwrap_or_default();
    Some(match mode {
        ConsensusMode::Current => current.to_vec(),
        ConsensusMode::Previous => previous.to_vec(),
        ConsensusMode::Mixed => current
            .iter()
            .zip(previous)
            .map(|(a, b)| a.max(*b))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §3 S1: a one-hot row becomes 1/(1 + ε), an all-zero row stays zero.
    #[test]
    fn row_normalisation_keeps_the_packages_epsilon() {
        let w = row_normalize(&vec![vec![0.0, 2.0], vec![0.0, 0.0]]);
        assert_eq!(w[0][1], 2.0 / (2.0 + EPS));
        assert_eq!(w[1], vec![0.0, 0.0]);
    }

    /// §5: three validators on three different servers with stakes 0.34/0.33/0.33 leave every
    /// column below κ: Σc = 0, consensus is INT32_MIN/65535 and incentive uniform.
    #[test]
    fn zero_consensus_sum_takes_the_packages_nan_cast_path() {
        let mut w = vec![vec![0.0; 6]; 6];
        (0..3).for_each(|i| w[i][3 + i] = 1.0);
        let stakes = [0.34, 0.33, 0.33, 0.0, 0.0, 0.0];
        let out = epoch(
            Variant::Yuma1,
            &w,
            &stakes,
            &Knobs::default(),
            &mut State::default(),
        );
        assert!(out.consensus.iter().all(|c| *c == ZERO_SUM_CONSENSUS));
        assert!(out.incentive.iter().all(|i| (i - 1.0 / 6.0).abs() < 1e-15));
        // Yuma 1 then gives D̂ = s (§5).
        assert!((out.dividends[0] - 0.34).abs() < 1e-12);
    }

    /// §3 S7: winner takes all shares exact ties equally.
    #[test]
    fn winner_takes_all_shares_ties() {
        assert_eq!(incentive(&[0.2, 0.4, 0.4], true), vec![0.0, 0.5, 0.5]);
        assert_eq!(incentive(&[0.0, f64::NAN], true), vec![0.0, 0.0]);
    }

    /// §4.6: swapped bounds (low > high) give `high` everywhere.
    #[test]
    fn liquid_alpha_with_swapped_bounds_is_high() {
        let la = LiquidAlpha {
            low: 0.3,
            high: 0.1,
            steepness: 10.0,
            mode: ConsensusMode::Current,
        };
        assert_eq!(liquid_rate(&la, 0.9, 0.0, 0.1), 0.1);
    }
}
