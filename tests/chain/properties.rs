//! Property tests of the Yuma epoch (spec §8) on random subnets:
//!
//! * the sparse (on-chain) epoch agrees bit for bit with upstream's dense epoch wherever
//!   spec §8.12 says the two must agree;
//! * the lazy liquid-alpha EMA the epoch uses equals upstream's reference (a full α matrix fed
//!   to `mat_ema_alpha_sparse`), including on rows out of ascending order and with duplicates;
//! * invariants of any epoch: no panic, output shapes, emission never over-spent, stake weights
//!   sum to at most one, permits only for staked uids (or the owner), no incentive without
//!   incoming clipped weight, determinism;
//! * the trace quantises to the stored outputs.

use crate::common;

use proptest::prelude::*;
use taosim::chain::epoch::bonds::{
    LiquidAlpha, compute_liquid_alpha_values_sparse, liquid_alpha_ema,
};
use taosim::chain::epoch::dense::epoch_dense;
use taosim::chain::epoch::{
    EpochInput, EpochOutput, EpochParams, EpochTrace, MechanismSnapshot, SubnetSnapshot, epoch,
    epoch_traced,
};
use taosim::chain::fixed::I32F32;
use taosim::chain::math::mat_ema_alpha_sparse;
use taosim::chain::types::{SparseMatrix, SparseU16Matrix};

/// The current block of generated subnets; registrations and weight updates fall around it.
const BLOCK: u64 = 10_000;
/// Total alpha supply in rao: no realistic (inherited) stake exceeds it.
const MAX_STAKE: u64 = 21_000_000_000_000_000;

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/// A stake in rao: often zero or dust, mostly in the range of real validators.
fn stake_amount() -> impl Strategy<Value = u64> {
    prop_oneof![
        2 => Just(0u64),
        1 => 1..=1_000u64,
        5 => 1_000_000_000..=10_000_000_000_000u64,
        1 => 0..=MAX_STAKE,
    ]
}

/// A stake threshold that sometimes filters dust and sometimes real stakes.
fn stake_threshold() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => Just(0u64),
        1 => 1..=1_000u64,
        1 => 1_000_000_000..=1_000_000_000_000u64,
    ]
}

/// A stored weight or bond value: explicit zeros and the maximum included.
fn stored_value() -> impl Strategy<Value = u16> {
    prop_oneof![
        1 => Just(0u16),
        1 => Just(u16::MAX),
        4 => 1..=u16::MAX,
    ]
}

/// `Kappa`: mostly at or below the default (a high κ drives most consensus to 0), any value
/// sometimes.
fn kappa() -> impl Strategy<Value = u16> {
    prop_oneof![
        2 => Just(32_767u16),
        3 => 0..=40_000u16,
        1 => any::<u16>(),
    ]
}

/// A u16 hyperparameter with its extremes over-represented.
fn u16_param() -> impl Strategy<Value = u16> {
    prop_oneof![
        1 => Just(0u16),
        1 => Just(u16::MAX),
        1 => Just(32_767u16),
        3 => any::<u16>(),
    ]
}

/// A block recorded for a uid: never (0), long ago, or within a few tempos of [`BLOCK`],
/// with the given odds.
fn block_near_now(never: u32, old: u32, recent: u32) -> impl Strategy<Value = u64> {
    prop_oneof![
        never => Just(0u64),
        old => 0..BLOCK - 400,
        recent => BLOCK - 400..=BLOCK,
    ]
}

/// `BlockAtRegistration`: mostly long ago, sometimes recent enough to trigger the outdated
/// weights and recent-registration bond masks.
fn registered_at() -> impl Strategy<Value = u64> {
    block_near_now(1, 5, 2)
}

/// `LastUpdate`: mostly recent, sometimes older than the activity cutoff or never.
fn last_update() -> impl Strategy<Value = u64> {
    block_near_now(1, 1, 6)
}

/// A stored row over columns `0..n`: a random subset of distinct uids in random order.
fn distinct_row(n: usize) -> impl Strategy<Value = Vec<(u16, u16)>> {
    let cells = prop::collection::vec((prop::bool::weighted(0.7), stored_value()), n);
    let row = cells
        .prop_map(|cells| {
            cells
                .into_iter()
                .enumerate()
                .filter(|(_, (present, _))| *present)
                .map(|(j, (_, v))| (j as u16, v))
                .collect::<Vec<_>>()
        })
        .prop_shuffle();
    prop_oneof![1 => Just(Vec::new()), 5 => row]
}

/// `n` rows of [`distinct_row`].
fn distinct_matrix(n: usize) -> impl Strategy<Value = SparseU16Matrix> {
    prop::collection::vec(distinct_row(n), n)
}

/// A stored row as malformed as storage could hold: any order, duplicate and out-of-range uids.
fn messy_row(n: usize) -> impl Strategy<Value = Vec<(u16, u16)>> {
    prop::collection::vec((0..n as u16 + 2, stored_value()), 0..=n + 2)
}

/// Between zero and `n + 1` rows of [`messy_row`].
fn messy_matrix(n: usize) -> impl Strategy<Value = SparseU16Matrix> {
    prop::collection::vec(messy_row(n), 0..=n + 1)
}

/// Parameters under which spec §8.12 says sparse and dense agree: commit-reveal off (the
/// owner is unset by the input). `BondsMovingAverage` stays ≤ 10⁶: above, the EMA rate is
/// negative and so are some EMA bonds, which dense keeps and sparse drops (as `interpolate`,
/// spec §8.12.4).
fn agreeing_params() -> impl Strategy<Value = EpochParams> {
    let rates = (
        kappa(),
        u16_param(),
        prop_oneof![Just(900_000u64), Just(0), Just(1_000_000), 0..=1_000_000u64],
    );
    let regime = (
        any::<bool>(),
        any::<bool>(),
        u16_param(),
        u16_param(),
        any::<i16>(),
    );
    let subnet = (0..=30u16, 1_000..=8_000u32, stake_threshold(), any::<u64>());
    (rates, regime, subnet).prop_map(|(rates, regime, (v, cutoff, threshold, tao))| {
        params_from(rates, regime, (v, cutoff, threshold, tao, false))
    })
}

/// Any parameters; the validator count and stake threshold mostly stay where they bite.
fn any_params() -> impl Strategy<Value = EpochParams> {
    let rates = (u16_param(), u16_param(), any::<u64>());
    let regime = (
        any::<bool>(),
        any::<bool>(),
        u16_param(),
        u16_param(),
        any::<i16>(),
    );
    let subnet = (
        prop_oneof![3 => 0..=20u16, 1 => any::<u16>()],
        any::<u32>(),
        prop_oneof![3 => stake_threshold(), 1 => any::<u64>()],
        any::<u64>(),
        any::<bool>(),
    );
    (rates, regime, subnet).prop_map(|(rates, regime, subnet)| params_from(rates, regime, subnet))
}

/// Assembles drawn parameter groups into [`EpochParams`].
fn params_from(
    (kappa, bonds_penalty, bonds_moving_average): (u16, u16, u64),
    (yuma3, liquid_alpha, alpha_low, alpha_high, alpha_sigmoid_steepness): (
        bool,
        bool,
        u16,
        u16,
        i16,
    ),
    (
        max_allowed_validators,
        activity_cutoff_factor_milli,
        stake_threshold,
        tao_weight,
        commit_reveal,
    ): (u16, u32, u64, u64, bool),
) -> EpochParams {
    EpochParams {
        kappa,
        bonds_penalty,
        bonds_moving_average,
        yuma3,
        liquid_alpha,
        alpha_low,
        alpha_high,
        alpha_sigmoid_steepness,
        max_allowed_validators,
        activity_cutoff_factor_milli,
        stake_threshold,
        tao_weight,
        commit_reveal,
    }
}

/// A well-formed subnet of `n` uids without an owner: full-length vectors (the stored permits
/// sometimes shorter), rows of distinct uids in random order.
fn well_formed_input(n: usize) -> impl Strategy<Value = EpochInput> {
    let subnet = (
        10..=100u16,
        prop_oneof![Just(0u64), BLOCK - 150..BLOCK],
        prop::collection::vec(stake_amount(), n),
        prop::collection::vec(stake_amount(), n),
        prop::collection::vec(registered_at(), n),
        prop::collection::vec(prop::bool::weighted(0.7), n),
        prop_oneof![4 => Just(n), 1 => 0..=n],
    );
    let mechanism = (
        prop::collection::vec(last_update(), n),
        distinct_matrix(n),
        distinct_matrix(n),
        any::<u64>(),
    );
    (subnet, mechanism).prop_map(
        |(
            (tempo, last_step_block, alpha_stake, root_stake, registered_at, permits, permit_len),
            (last_update, weights, bonds, emission),
        )| {
            let mut validator_permit = permits;
            validator_permit.truncate(permit_len);
            EpochInput {
                subnet: SubnetSnapshot {
                    block: BLOCK,
                    tempo,
                    last_step_block,
                    owner_uid: None,
                    alpha_stake,
                    root_stake,
                    registered_at,
                    validator_permit,
                },
                mechanism: MechanismSnapshot {
                    last_update,
                    weights,
                    bonds,
                    commit_block: Vec::new(),
                },
                emission,
            }
        },
    )
}

/// Any subnet of `n` uids: owner or not, vectors of any length, malformed rows, commit blocks.
fn any_input(n: usize) -> impl Strategy<Value = EpochInput> {
    let subnet = (
        prop_oneof![3 => Just(BLOCK), 1 => any::<u64>()],
        any::<u16>(),
        prop_oneof![Just(0u64), BLOCK - 150..BLOCK],
        prop::option::of(0..n.max(1) as u16),
        prop::collection::vec(0..=MAX_STAKE, 0..=n + 1),
        prop::collection::vec(registered_at(), 0..=n + 1),
        prop::collection::vec(any::<bool>(), 0..=n + 1),
    );
    let mechanism = (
        prop::collection::vec(last_update(), 0..=n + 1),
        messy_matrix(n),
        messy_matrix(n),
        prop::collection::vec(prop_oneof![Just(u64::MAX), registered_at()], 0..=n + 1),
        any::<u64>(),
    );
    let stakes = prop::collection::vec(stake_amount(), n);
    (subnet, mechanism, stakes).prop_map(
        move |(
            (block, tempo, last_step_block, owner_uid, root_stake, registered_at, validator_permit),
            (last_update, weights, bonds, commit_block, emission),
            alpha_stake,
        )| EpochInput {
            subnet: SubnetSnapshot {
                block,
                tempo,
                last_step_block,
                owner_uid: owner_uid.filter(|_| n > 0),
                alpha_stake,
                root_stake,
                registered_at,
                validator_permit,
            },
            mechanism: MechanismSnapshot {
                last_update,
                weights,
                bonds,
                commit_block,
            },
            emission,
        },
    )
}

/// A case where sparse and dense must agree: n in 2..=24.
fn agreeing_case() -> impl Strategy<Value = (EpochInput, EpochParams)> {
    (2..=24usize).prop_flat_map(|n| (well_formed_input(n), agreeing_params()))
}

/// Any case: n in 0..=16.
fn any_case() -> impl Strategy<Value = (EpochInput, EpochParams)> {
    (0..=16usize).prop_flat_map(|n| (any_input(n), any_params()))
}

/// An I32F32 around [0, 1] (the range of weights and bonds), sometimes outside it.
fn fixed_value() -> impl Strategy<Value = I32F32> {
    prop_oneof![
        1 => Just(I32F32::from_num(0)),
        1 => Just(I32F32::from_num(1)),
        4 => (0..=1i64 << 32).prop_map(I32F32::from_bits),
        1 => (-(2i64 << 32)..=2i64 << 32).prop_map(I32F32::from_bits),
    ]
}

/// A sparse matrix of up to `n + 1` rows with columns in `0..n`, optionally sorted by column;
/// unsorted rows have entries in any order, duplicates included.
fn fixed_matrix(n: usize) -> impl Strategy<Value = SparseMatrix> {
    let rows = prop::collection::vec(
        prop::collection::vec((0..n as u16, fixed_value()), 0..=n + 2),
        0..=n + 1,
    );
    (rows, any::<bool>()).prop_map(|(mut rows, sorted)| {
        if sorted {
            rows.iter_mut().for_each(|row| row.sort_by_key(|(j, _)| *j));
        }
        rows
    })
}

/// A consensus vector of `n` entries in [0, 1], zeros and ones over-represented.
fn consensus(n: usize) -> impl Strategy<Value = Vec<I32F32>> {
    let value = prop_oneof![
        2 => Just(I32F32::from_num(0)),
        1 => Just(I32F32::from_num(1)),
        4 => (0..=1i64 << 32).prop_map(I32F32::from_bits),
    ];
    prop::collection::vec(value, n)
}

/// Liquid-alpha parameters: any α bounds, any steepness.
fn liquid_alpha() -> impl Strategy<Value = LiquidAlpha> {
    (u16_param(), u16_param(), any::<i16>()).prop_map(|(alpha_low, alpha_high, steepness)| {
        LiquidAlpha::new(&EpochParams {
            alpha_low,
            alpha_high,
            alpha_sigmoid_steepness: steepness,
            ..EpochParams::default()
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A stored u16 row as a dense row of `n` values (a missing entry is 0).
fn dense_row(row: &[(u16, u16)], n: usize) -> Vec<u16> {
    let mut dense = vec![0; n];
    for &(j, v) in row {
        if let Some(slot) = dense.get_mut(usize::from(j)) {
            *slot = v;
        }
    }
    dense
}

/// Sorts every stored row by uid (what upstream's liquid-alpha scan assumes, spec §8.9).
fn sort_rows(matrix: &mut SparseU16Matrix) {
    matrix
        .iter_mut()
        .for_each(|row| row.sort_by_key(|(j, _)| *j));
}

/// Spec §8.12.3: with liquid alpha, the sparse EMA keeps a bond only where the validator's row
/// of W^b (weights after the permit, self-weight and outdated masks, clipping and the
/// bonds-penalty interpolation) has an entry, while dense decays every bond. The two agree when
/// every bond lies in a W^b column, so other bonds are dropped from the input (lying in the
/// stored weight row is not enough: the masks and the interpolation can remove the column).
/// W^b does not depend on the bonds, so the trace of the unrestricted input tells the columns.
fn keep_bonds_in_bond_weight_columns(input: &mut EpochInput, params: &EpochParams) {
    let (_, trace) = epoch_traced(input, params);
    for (i, row) in input.mechanism.bonds.iter_mut().enumerate() {
        let columns: Vec<u16> = trace
            .weights_for_bonds
            .get(i)
            .map(|r| r.iter().map(|(j, _)| *j).collect())
            .unwrap_or_default();
        row.retain(|(j, _)| columns.contains(j));
    }
}

/// Restricts a well-formed input to the cases spec §8.12 says agree: with Yuma3 liquid alpha,
/// ascending rows and bonds only in W^b columns.
fn restrict_to_agreement(input: &mut EpochInput, params: &EpochParams) {
    if params.yuma3 && params.liquid_alpha {
        sort_rows(&mut input.mechanism.weights);
        sort_rows(&mut input.mechanism.bonds);
        keep_bonds_in_bond_weight_columns(input, params);
    }
}

/// `floor(x × 65535)` saturated to u16, computed on the raw bits.
fn quantise(x: I32F32) -> u16 {
    let scaled = (i128::from(x.to_bits()) * 65_535) >> 32;
    scaled.clamp(0, i128::from(u16::MAX)) as u16
}

/// `floor(share × emission)` saturated to u64, computed on the raw bits.
fn rao_share(share: I32F32, emission: u64) -> u64 {
    let scaled = (i128::from(share.to_bits()) * i128::from(emission)) >> 32;
    scaled.clamp(0, i128::from(u64::MAX)) as u64
}

/// Σ values without overflow.
fn total(values: &[u64]) -> u128 {
    values.iter().map(|v| u128::from(*v)).sum()
}

/// Whether any clipped weight with a positive value points at `uid`.
fn has_incoming_clipped_weight(trace: &EpochTrace, uid: usize) -> bool {
    trace
        .clipped_weights
        .iter()
        .flatten()
        .any(|(j, w)| usize::from(*j) == uid && *w > I32F32::from_num(0))
}

/// Asserts every per-uid output vector of `sparse` equals `dense`, and the stored bond rows of
/// uids with a new permit (as dense rows).
fn assert_outputs_agree(
    sparse: &EpochOutput,
    dense: &EpochOutput,
    n: usize,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(&sparse.active, &dense.active, "active");
    prop_assert_eq!(
        &sparse.validator_permit,
        &dense.validator_permit,
        "validator_permit"
    );
    prop_assert_eq!(&sparse.stake_weight, &dense.stake_weight, "stake_weight");
    prop_assert_eq!(&sparse.consensus, &dense.consensus, "consensus");
    prop_assert_eq!(&sparse.incentive, &dense.incentive, "incentive");
    prop_assert_eq!(&sparse.dividends, &dense.dividends, "dividends");
    prop_assert_eq!(
        &sparse.validator_trust,
        &dense.validator_trust,
        "validator_trust"
    );
    prop_assert_eq!(
        &sparse.server_emission,
        &dense.server_emission,
        "server_emission"
    );
    prop_assert_eq!(
        &sparse.validator_emission,
        &dense.validator_emission,
        "validator_emission"
    );
    prop_assert_eq!(&sparse.emission, &dense.emission, "emission");
    for (i, permitted) in sparse.validator_permit.iter().enumerate() {
        if *permitted {
            prop_assert_eq!(
                dense_row(&sparse.bonds[i], n),
                dense_row(&dense.bonds[i], n),
                "bonds row {}",
                i
            );
        }
    }
    Ok(())
}

/// Every per-uid output has one entry per uid.
fn assert_output_lengths(out: &EpochOutput, n: usize) -> Result<(), TestCaseError> {
    for (name, len) in common::output_lengths(out) {
        prop_assert_eq!(len, n, "{} length", name);
    }
    Ok(())
}

/// No emission vector spends more than the epoch's emission, and stake weights sum to at
/// most 65535.
fn assert_within_budget(out: &EpochOutput, emission: u64) -> Result<(), TestCaseError> {
    let emission = u128::from(emission);
    prop_assert!(
        total(&out.server_emission) <= emission,
        "server emission over-spent"
    );
    prop_assert!(
        total(&out.validator_emission) <= emission,
        "validator emission over-spent"
    );
    prop_assert!(
        total(&out.emission) <= emission,
        "combined emission over-spent"
    );
    let stake_weight: u32 = out.stake_weight.iter().map(|s| u32::from(*s)).sum();
    prop_assert!(
        stake_weight <= u32::from(u16::MAX),
        "stake weights sum to {}",
        stake_weight
    );
    Ok(())
}

/// Per uid: a new permit needs a non-zero stake S unless the uid is the owner's (S, not the
/// stored stake weight: a stake below 1/65535 stores weight 0 yet wins a permit, as on chain);
/// no incoming clipped weight means no incentive and no server emission; no new permit means an
/// empty stored bond row.
fn assert_per_uid_invariants(
    out: &EpochOutput,
    trace: &EpochTrace,
    owner_uid: Option<u16>,
) -> Result<(), TestCaseError> {
    let zero = I32F32::from_num(0);
    for (uid, permitted) in out.validator_permit.iter().enumerate() {
        let is_owner = owner_uid == Some(uid as u16);
        if *permitted && !is_owner {
            prop_assert!(trace.stake[uid] > zero, "permit without stake: uid {}", uid);
        }
        if !has_incoming_clipped_weight(trace, uid) {
            prop_assert_eq!(
                out.incentive[uid],
                0,
                "incentive without weight: uid {}",
                uid
            );
            prop_assert_eq!(out.server_emission[uid], 0, "server emission: uid {}", uid);
        }
        if !permitted {
            prop_assert!(
                out.bonds[uid].is_empty(),
                "bonds without permit: uid {}",
                uid
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Protects bit-exactness with the chain: the sparse epoch equals upstream's dense epoch on
    /// every case spec §8.12 does not exempt (no owner, no commit-reveal, and for Yuma3 liquid
    /// alpha ascending rows with bonds only in W^b columns).
    #[test]
    fn sparse_epoch_matches_dense_oracle((mut input, params) in agreeing_case()) {
        restrict_to_agreement(&mut input, &params);
        let n = input.subnet.alpha_stake.len();
        let sparse = epoch(&input, &params);
        let dense = epoch_dense(&input, &params);
        assert_outputs_agree(&sparse, &dense, n)?;
    }

    /// Protects the fast liquid-alpha path: it must equal upstream's α matrix fed to
    /// `mat_ema_alpha_sparse`, bit for bit, including rows out of ascending order (entries
    /// upstream's scan misses) and duplicated columns.
    #[test]
    fn liquid_alpha_ema_matches_reference_alpha_matrix(
        (weights, bonds, consensus, la) in (1..=12usize).prop_flat_map(|n| {
            (fixed_matrix(n), fixed_matrix(n), consensus(n), liquid_alpha())
        })
    ) {
        let alpha = compute_liquid_alpha_values_sparse(&weights, &bonds, &consensus, &la);
        let reference = mat_ema_alpha_sparse(&weights, &bonds, &alpha);
        prop_assert_eq!(liquid_alpha_ema(&weights, &bonds, &consensus, &la), reference);
    }

    /// Protects against over-spending and malformed outputs on any input: shapes, emission
    /// bounds, stake weights summing to at most one, permits only for staked uids or the owner,
    /// no incentive without incoming clipped weight, empty bond rows without a new permit.
    #[test]
    fn epoch_invariants_hold_on_any_input((input, params) in any_case()) {
        let n = input.subnet.alpha_stake.len();
        let (out, trace) = epoch_traced(&input, &params);
        assert_output_lengths(&out, n)?;
        assert_within_budget(&out, input.emission)?;
        assert_per_uid_invariants(&out, &trace, input.subnet.owner_uid)?;
    }

    /// Protects reproducibility: the same input gives the same output, traced or not.
    #[test]
    fn epoch_is_deterministic((input, params) in any_case()) {
        let first = epoch(&input, &params);
        prop_assert_eq!(&first, &epoch(&input, &params));
        prop_assert_eq!(&first, &epoch_traced(&input, &params).0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Protects the trace as a debugging aid: its vectors quantise (floor(x × 65535), rao
    /// shares floored) to exactly what the epoch stores.
    #[test]
    fn trace_quantises_to_the_stored_outputs((input, params) in any_case()) {
        let (out, trace) = epoch_traced(&input, &params);
        let q = |v: &[I32F32]| v.iter().map(|x| quantise(*x)).collect::<Vec<u16>>();
        let e = input.emission;
        let rao = |v: &[I32F32]| v.iter().map(|s| rao_share(*s, e)).collect::<Vec<u64>>();
        prop_assert_eq!(q(&trace.incentive), out.incentive);
        prop_assert_eq!(q(&trace.stake), out.stake_weight);
        prop_assert_eq!(q(&trace.consensus), out.consensus);
        prop_assert_eq!(q(&trace.dividends), out.dividends);
        prop_assert_eq!(q(&trace.validator_trust), out.validator_trust);
        prop_assert_eq!(trace.inactive.iter().map(|b| !b).collect::<Vec<_>>(), out.active);
        prop_assert_eq!(trace.new_validator_permits, out.validator_permit);
        prop_assert_eq!(rao(&trace.normalized_server_emission), out.server_emission);
        prop_assert_eq!(rao(&trace.normalized_validator_emission), out.validator_emission);
        prop_assert_eq!(rao(&trace.normalized_combined_emission), out.emission);
    }
}
