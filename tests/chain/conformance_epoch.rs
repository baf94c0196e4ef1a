//! Conformance of the sparse epoch with subtensor's own epoch tests (commit 14bc6f9f).
//!
//! Single-epoch cases come from `tests/epoch_logs.rs`, whose assertions are on the trace-log
//! strings of I32F32 values: they are compared here through the same `Debug` formatting, so
//! the match is exact. Multi-epoch cases from `tests/epoch.rs` drive a small [`Subnet`] harness
//! that stores what the epoch writes (permits, bonds) and applies the storage effects of
//! `set_weights` (max-upscaled u16 rows, `LastUpdate`) and of replacing a neuron. Manual epochs
//! never write `LastMechansimStepBlock`, so the bond mask uses `block − tempo`, as upstream.

use taosim::chain::epoch::dense::epoch_dense;
use taosim::chain::epoch::mechanism::epoch_with_mechanisms;
use taosim::chain::epoch::{
    EpochInput, EpochOutput, EpochParams, EpochTrace, MechanismSnapshot, SubnetSnapshot, epoch,
    epoch_traced,
};
use taosim::chain::math::vec_u16_max_upscale_to_u16;

const M: u16 = u16::MAX;

/// A subnet's storage as the tests manipulate it.
struct Subnet {
    block: u64,
    owner: Option<u16>,
    tempo: u16,
    params: EpochParams,
    stake: Vec<u64>,
    registered_at: Vec<u64>,
    last_update: Vec<u64>,
    permits: Vec<bool>,
    weights: Vec<Vec<(u16, u16)>>,
    bonds: Vec<Vec<(u16, u16)>>,
}

impl Subnet {
    /// `n` neurons registered (and last updated) at `registered_at`, no permits yet.
    fn new(stake: &[u64], registered_at: u64, tempo: u16, params: EpochParams) -> Self {
        let n = stake.len();
        Subnet {
            block: registered_at,
            owner: None,
            tempo,
            params,
            stake: stake.to_vec(),
            registered_at: vec![registered_at; n],
            last_update: vec![registered_at; n],
            permits: vec![false; n],
            weights: vec![Vec::new(); n],
            bonds: vec![Vec::new(); n],
        }
    }

    /// `set_weights`: stores the max-upscaled row and sets `LastUpdate`.
    fn set_weights(&mut self, uid: usize, uids: &[u16], values: &[u16]) {
        let stored = vec_u16_max_upscale_to_u16(values);
        self.weights[uid] = uids.iter().copied().zip(stored).collect();
        self.last_update[uid] = self.block;
    }

    /// `replace_neuron` + `clear_neuron`: a new hotkey (no stake) takes `uid` at this block.
    fn replace(&mut self, uid: usize) {
        self.registered_at[uid] = self.block;
        self.last_update[uid] = self.block;
        self.stake[uid] = 0;
        self.permits[uid] = false;
        self.weights[uid].clear();
        self.bonds[uid].clear();
        for row in &mut self.weights {
            for (j, w) in row.iter_mut() {
                if usize::from(*j) == uid {
                    *w = 0;
                }
            }
        }
    }

    fn input(&self, emission: u64) -> EpochInput {
        EpochInput {
            subnet: SubnetSnapshot {
                block: self.block,
                tempo: self.tempo,
                last_step_block: 0,
                owner_uid: self.owner,
                alpha_stake: self.stake.clone(),
                root_stake: Vec::new(),
                registered_at: self.registered_at.clone(),
                validator_permit: self.permits.clone(),
            },
            mechanism: self.mechanism(),
            emission,
        }
    }

    fn mechanism(&self) -> MechanismSnapshot {
        MechanismSnapshot {
            last_update: self.last_update.clone(),
            weights: self.weights.clone(),
            bonds: self.bonds.clone(),
            commit_block: Vec::new(),
        }
    }

    /// Runs the sparse epoch and writes back what it stores.
    fn epoch(&mut self, emission: u64) -> EpochOutput {
        let out = epoch(&self.input(emission), &self.params);
        self.store(&out);
        out
    }

    /// Runs upstream's dense epoch (test oracle) and writes back what it stores.
    fn epoch_dense(&mut self, emission: u64) -> EpochOutput {
        let out = epoch_dense(&self.input(emission), &self.params);
        self.store(&out);
        out
    }

    fn store(&mut self, out: &EpochOutput) {
        self.permits = out.validator_permit.clone();
        self.bonds = out.bonds.clone();
    }

    /// Stored bond (i, j) as `get_bonds` reads it (0 when absent).
    fn bond(&self, i: usize, j: u16) -> u16 {
        self.bonds[i]
            .iter()
            .find(|(c, _)| *c == j)
            .map_or(0, |(_, v)| *v)
    }

    fn bond_column(&self, rows: std::ops::Range<usize>, j: u16) -> Vec<u16> {
        rows.map(|i| self.bond(i, j)).collect()
    }
}

/// The `epoch_logs.rs` setup: tempo 10, original Yuma, commit-reveal on without commits,
/// TaoWeight 0.
fn logs_params() -> EpochParams {
    EpochParams {
        yuma3: false,
        commit_reveal: true,
        tao_weight: 0,
        ..EpochParams::default()
    }
}

/// Neurons as `(permit, stake, registered_at, last_update)`.
fn logs_subnet(block: u64, neurons: &[(bool, u64, u64, u64)]) -> Subnet {
    let stake: Vec<u64> = neurons.iter().map(|x| x.1).collect();
    let mut net = Subnet::new(&stake, 0, 10, logs_params());
    net.block = block;
    net.permits = neurons.iter().map(|x| x.0).collect();
    net.registered_at = neurons.iter().map(|x| x.2).collect();
    net.last_update = neurons.iter().map(|x| x.3).collect();
    net
}

fn traced(net: &Subnet, emission: u64) -> (EpochOutput, EpochTrace) {
    epoch_traced(&net.input(emission), &net.params)
}

/// Formats a trace value the way subtensor's trace logs print it.
fn log<T: std::fmt::Debug>(value: &T) -> String {
    format!("{value:?}")
}

const V3: (bool, u64, u64, u64) = (true, 1_000_000_000, 0, 1);
const S0: (bool, u64, u64, u64) = (false, 0, 0, 1);

/// Source: subtensor pallets/subtensor/src/tests/epoch_logs.rs::test_simple
#[test]
fn two_staked_validators_without_weights_split_by_stake() {
    let net = logs_subnet(1, &[V3, V3]);
    let (out, t) = traced(&net, 1_000_000_000);
    assert_eq!(log(&t.inactive), "[false, false]");
    assert_eq!(log(&t.filtered_stake), "[1000000000, 1000000000]");
    assert_eq!(log(&t.stake), "[0.5, 0.5]");
    assert_eq!(log(&t.new_validator_permits), "[true, true]");
    assert_eq!(log(&t.active_stake), "[0.5, 0.5]");
    assert_eq!(log(&t.consensus), "[0, 0]");
    assert_eq!(log(&t.normalized_validator_emission), "[0.5, 0.5]");
    assert_eq!(out.emission, vec![500_000_000, 500_000_000]);
}

/// Source: subtensor pallets/subtensor/src/tests/epoch_logs.rs::test_bad_permit_vector
#[test]
fn short_permit_vector_masks_the_missing_uids() {
    let mut net = logs_subnet(1, &[V3, V3]);
    net.permits = vec![true];
    let (out, _) = traced(&net, 1_000_000_000);
    assert_eq!(out.validator_emission, vec![1_000_000_000, 0]);
}

/// Source: subtensor pallets/subtensor/src/tests/epoch_logs.rs::test_inactive_mask_zeroes_active_stake
#[test]
fn inactive_validators_have_zero_active_stake() {
    let stale = (true, 1_000_000_000, 0, 0);
    let net = logs_subnet(1_000_000, &[stale, stale]);
    let (_, t) = traced(&net, 1_000_000_000);
    assert_eq!(log(&t.inactive), "[true, true]");
    assert_eq!(log(&t.active_stake), "[0, 0]");
}

/// Source: subtensor pallets/subtensor/src/tests/epoch_logs.rs::yuma_emergency_mode
#[test]
fn emergency_mode_falls_back_to_stake() {
    let stale = (true, 1_000_000_000, 0, 0);
    let net = logs_subnet(1_000_000, &[stale, stale]);
    let (_, t) = traced(&net, 1_000_000_000);
    assert_eq!(log(&t.normalized_combined_emission), "[0.5, 0.5]");
}

/// Source: subtensor pallets/subtensor/src/tests/epoch_logs.rs::epoch_uses_active_stake_when_nonzero_active
#[test]
fn emergency_mode_prefers_active_stake() {
    let net = logs_subnet(
        1000,
        &[(true, 1_000_000_000, 0, 999), (true, 1_000_000_000, 0, 1)],
    );
    let (_, t) = traced(&net, 1_000_000_000);
    assert_eq!(log(&t.inactive), "[false, true]");
    assert_eq!(log(&t.active_stake), "[1, 0]");
    assert_eq!(log(&t.normalized_combined_emission), "[1, 0]");
}

/// Source: subtensor pallets/subtensor/src/tests/epoch_logs.rs::epoch_topk_validator_permits
#[test]
fn permits_go_to_the_top_k_by_stake() {
    let mut net = logs_subnet(1, &[(true, 2_000_000_000, 0, 1), V3]);
    net.params.max_allowed_validators = 1;
    let (_, t) = traced(&net, 1_000_000_000);
    assert!(log(&t.stake).starts_with("[0.666"), "{}", log(&t.stake));
    assert_eq!(log(&t.new_validator_permits), "[true, false]");
}

fn three_validators_two_servers(rows: [&[(u16, u16)]; 3]) -> Subnet {
    let mut net = logs_subnet(1, &[V3, V3, V3, S0, S0]);
    for (uid, row) in rows.iter().enumerate() {
        let uids: Vec<u16> = row.iter().map(|x| x.0).collect();
        let values: Vec<u16> = row.iter().map(|x| x.1).collect();
        net.set_weights(uid, &uids, &values);
    }
    net
}

/// Source: subtensor pallets/subtensor/src/tests/epoch_logs.rs::test_validators_weight_two_distinct_servers
#[test]
fn out_of_consensus_validator_earns_nothing() {
    let net =
        three_validators_two_servers([&[(3, M), (4, 0)], &[(3, 0), (4, M)], &[(3, M), (4, 0)]]);
    let (_, t) = traced(&net, 1_000_000_000);
    assert_eq!(
        log(&t.weights),
        "[[(3, 1), (4, 0)], [(3, 0), (4, 1)], [(3, 1), (4, 0)], [], []]"
    );
    assert_eq!(log(&t.consensus), "[0, 0, 0, 1, 0]");
    assert_eq!(log(&t.validator_trust), "[1, 0, 1, 0, 0]");
    assert_eq!(log(&t.dividends), "[0.5, 0, 0.5, 0, 0]");
    assert_eq!(
        log(&t.normalized_combined_emission),
        "[0.25, 0, 0.25, 0.5, 0]"
    );
}

/// Source: subtensor pallets/subtensor/src/tests/epoch_logs.rs::test_validator_splits_weight_across_two_servers
#[test]
fn split_weights_earn_bonds_on_both_servers() {
    let net =
        three_validators_two_servers([&[(3, M), (4, 0)], &[(3, 0), (4, M)], &[(3, M), (4, M)]]);
    let (_, t) = traced(&net, 1_000_000_000);
    assert_eq!(
        log(&t.weights),
        "[[(3, 1), (4, 0)], [(3, 0), (4, 1)], [(3, 0.5), (4, 0.5)], [], []]"
    );
    assert_eq!(
        log(&t.bonds_delta),
        "[[(3, 0.5), (4, 0)], [(3, 0), (4, 0.5)], [(3, 0.5), (4, 0.5)], [], []]"
    );
    assert_eq!(log(&t.dividends), "[0.25, 0.25, 0.5, 0, 0]");
    assert_eq!(
        log(&t.normalized_combined_emission),
        "[0.125, 0.125, 0.25, 0.25, 0.25]"
    );
}

/// Runs mechanism `m` of a multi-mechanism subnet with its own weight rows (traced).
fn mechanism_trace(net: &Subnet, rows: &[Vec<(u16, u16)>], emission: u64) -> EpochTrace {
    let mut input = net.input(emission);
    input.mechanism.weights = rows.to_vec();
    epoch_traced(&input, &net.params).1
}

fn rows(rows: &[&[u16]]) -> Vec<Vec<(u16, u16)>> {
    rows.iter()
        .map(|uids| uids.iter().map(|j| (*j, M)).collect())
        .collect()
}

/// Source: subtensor pallets/subtensor/src/tests/epoch_logs.rs::epoch_mechanism_reads_weights_per_mechanism
#[test]
fn each_mechanism_reads_its_own_weights() {
    let net = logs_subnet(1, &[V3, V3, V3, S0, S0]);
    let m0 = rows(&[&[3], &[4], &[3], &[], &[]]);
    let m1 = rows(&[&[4], &[3], &[4], &[], &[]]);
    let t0 = mechanism_trace(&net, &m0, 500);
    assert_eq!(
        log(&t0.active_stake),
        "[0.3333333333, 0.3333333333, 0.3333333333, 0, 0]"
    );
    assert_eq!(log(&t0.weights), "[[(3, 1)], [(4, 1)], [(3, 1)], [], []]");
    assert_eq!(log(&t0.bonds_delta), "[[(3, 0.5)], [], [(3, 0.5)], [], []]");
    assert_eq!(
        log(&t0.normalized_combined_emission),
        "[0.25, 0, 0.25, 0.5, 0]"
    );
    let t1 = mechanism_trace(&net, &m1, 500);
    assert_eq!(log(&t1.bonds_delta), "[[(4, 0.5)], [], [(4, 0.5)], [], []]");
    assert_eq!(
        log(&t1.normalized_combined_emission),
        "[0.25, 0, 0.25, 0, 0.5]"
    );

    // The aggregate of the two mechanisms (emission 1000 split 500/500).
    let mechanisms: Vec<MechanismSnapshot> = [m0, m1]
        .into_iter()
        .map(|w| MechanismSnapshot {
            weights: w,
            ..net.mechanism()
        })
        .collect();
    let agg = epoch_with_mechanisms(&net.input(0).subnet, &mechanisms, 1000, None, &net.params);
    assert_eq!(agg.mechanisms[0].server_emission, vec![0, 0, 0, 250, 0]);
    assert_eq!(agg.mechanisms[1].server_emission, vec![0, 0, 0, 0, 250]);
    assert_eq!(agg.aggregate.server_emission, vec![0, 0, 0, 250, 250]);
    assert_eq!(agg.aggregate.validator_emission, vec![250, 0, 250, 0, 0]);
}

/// Source: subtensor pallets/subtensor/src/tests/epoch_logs.rs::epoch_mechanism_three_mechanisms_separate_state
#[test]
fn three_mechanisms_keep_separate_state() {
    let v = V3;
    let net = logs_subnet(1, &[v, v, S0, S0]);
    let t0 = mechanism_trace(&net, &rows(&[&[2], &[2], &[], &[]]), 1000);
    assert_eq!(log(&t0.bonds_delta), "[[(2, 0.5)], [(2, 0.5)], [], []]");
    assert_eq!(
        log(&t0.normalized_combined_emission),
        "[0.25, 0.25, 0.5, 0]"
    );
    let t1 = mechanism_trace(&net, &rows(&[&[2, 3], &[2, 3], &[], &[]]), 1000);
    assert_eq!(
        log(&t1.weights),
        "[[(2, 0.5), (3, 0.5)], [(2, 0.5), (3, 0.5)], [], []]"
    );
    assert_eq!(
        log(&t1.bonds_delta),
        "[[(2, 0.5), (3, 0.5)], [(2, 0.5), (3, 0.5)], [], []]"
    );
    assert_eq!(
        log(&t1.normalized_combined_emission),
        "[0.25, 0.25, 0.25, 0.25]"
    );
    let t2 = mechanism_trace(&net, &rows(&[&[3], &[3], &[], &[]]), 1000);
    assert_eq!(
        log(&t2.normalized_combined_emission),
        "[0.25, 0.25, 0, 0.5]"
    );
}

/// Original-Yuma parameters of the multi-epoch tests (`add_network_disable_commit_reveal`).
fn original_yuma(max_allowed_validators: u16) -> EpochParams {
    EpochParams {
        yuma3: false,
        commit_reveal: false,
        tao_weight: 0,
        max_allowed_validators,
        ..EpochParams::default()
    }
}

/// A `test_bonds` step: (weight change after the previous epoch as (uid, target), column
/// asserted, bonds of uids 0..3 in that column).
type Step = (Option<(usize, u16)>, u16, [u16; 4]);

/// Source: subtensor pallets/subtensor/src/tests/epoch.rs::test_bonds
#[test]
fn original_yuma_bonds_follow_the_ema() {
    let mut net = Subnet::new(&[1, 2, 3, 4, 0, 0, 0, 0], 1, 1, original_yuma(8));
    net.epoch(1_000_000_000);
    assert_eq!(
        net.permits,
        [true, true, true, true, false, false, false, false]
    );
    net.block = 2;
    for uid in 0..4 {
        net.set_weights(uid, &[4, 5, 6, 7], &[16383, 32767, 49149, 65535]);
    }
    net.epoch(1_000_000_000);
    assert_eq!(net.bond_column(0..4, 4), [16383, 32767, 49151, 65535]);
    let steps: [Step; 6] = [
        (Some((0, 0)), 4, [14582, 32767, 49151, 65535]),
        (Some((1, 1)), 4, [12603, 28321, 49151, 65535]),
        (Some((2, 2)), 7, [12602, 28320, 49150, 65535]),
        (Some((2, 7)), 7, [10951, 24609, 49150, 65535]),
        (None, 7, [9559, 21482, 49150, 65535]),
        (None, 7, [8376, 18824, 49150, 65535]),
    ];
    for (change, column, expected) in steps {
        if let Some((uid, target)) = change {
            net.set_weights(uid, &[target], &[M]);
        }
        net.block += 1;
        net.epoch(1_000_000_000);
        assert_eq!(
            net.bond_column(0..4, column),
            expected,
            "epoch at block {}",
            net.block
        );
    }
}

/// Source: subtensor pallets/subtensor/src/tests/epoch.rs::test_active_stake
#[test]
fn inactive_validator_bonds_decay() {
    let mut net = Subnet::new(&[1, 1, 1, 1], 0, 1, original_yuma(4));
    net.epoch(1_000_000_000);
    assert_eq!(net.permits, [true; 4]);
    net.block = 1;
    for uid in 0..2 {
        net.set_weights(uid, &[2, 3], &[32767, 32767]);
    }
    let out = net.epoch(1_000_000_000);
    assert_eq!(&out.dividends[..2], &[32767, 32767]);
    assert_eq!(out.emission, vec![250_000_000; 4]);
    for uid in 0..2 {
        assert_eq!([0, 1, 2, 3].map(|j| net.bond(uid, j)), [0, 0, M, M]);
    }
    net.block = 5002;
    net.set_weights(0, &[2, 3], &[32767, 32767]);
    let out = net.epoch(1_000_000_000);
    assert_eq!(out.active, [true, false, false, false]);
    assert_eq!(&out.dividends[..2], &[36044, 29490]);
    assert_eq!(
        out.emission,
        vec![274_999_999, 224_999_999, 250_000_000, 250_000_000]
    );
    assert_eq!(net.bond_column(0..2, 2), [M, 53619]);
    assert_eq!(net.bond_column(0..2, 3), [M, 53619]);
    net.set_weights(1, &[2, 3], &[32767, 32767]);
    net.block = 5003;
    let out = net.epoch(1_000_000_000);
    assert_eq!(&out.dividends[..2], &[35716, 29818]);
    assert_eq!(&out.emission[..2], &[272_501_132, 227_498_866]);
    assert_eq!(net.bond_column(0..2, 2), [M, 54712]);
    assert_eq!(net.bond_column(0..2, 3), [M, 54712]);
}

/// Source: subtensor pallets/subtensor/src/tests/epoch.rs::test_outdated_weights
#[test]
fn weights_to_a_replaced_uid_are_outdated() {
    let mut net = Subnet::new(&[1, 1, 1, 1], 1, 0, original_yuma(4));
    net.epoch(1_000_000_000);
    net.block = 2;
    for uid in 0..2 {
        net.set_weights(uid, &[2, 3], &[43690, 21845]);
    }
    assert_eq!(net.weights[0], [(2, 65535), (3, 32768)]);
    for uid in 2..4u16 {
        net.set_weights(usize::from(uid), &[uid], &[M]);
    }
    net.epoch(1_000_000_000);
    net.replace(3);
    net.block = 3;
    net.set_weights(0, &[2, 3], &[43690, 21845]);
    let (_, t) = epoch_traced(&net.input(1_000_000_000), &net.params);
    assert_eq!(log(&t.consensus[2..].to_vec()), "[0.6666632756, 0]");
    let out = net.epoch(1_000_000_000);
    assert_eq!(out.incentive, [0, 0, M, 0]);
    assert_eq!(out.dividends[0], 32767);
    assert_eq!(out.emission[0], 250_000_000);
    assert_eq!([net.bond(0, 2), net.bond(0, 3)], [M, M]);
}

/// Source: subtensor pallets/subtensor/src/tests/epoch.rs::test_zero_weights
#[test]
fn zero_and_outdated_weights_fall_back_to_stake() {
    for params in [
        original_yuma(64),
        EpochParams {
            yuma3: true,
            ..original_yuma(64)
        },
    ] {
        let mut net = Subnet::new(&[1, 0], 0, 65534, params);
        assert_eq!(net.epoch(1_000_000_000).emission, [1_000_000_000, 0]);
        net.block = 1;
        net.set_weights(1, &[1], &[M]);
        assert_eq!(net.epoch(1_000_000_000).emission, [1_000_000_000, 0]);
        net.block = 2;
        net.set_weights(0, &[1], &[M]);
        net.replace(1);
        assert_eq!(net.epoch(1_000_000_000).emission, [1_000_000_000, 0]);
        net.block = 3;
        net.set_weights(0, &[1], &[M]);
        assert_eq!(
            net.epoch(1_000_000_000).emission,
            [500_000_000, 500_000_000]
        );
    }
}

/// Source: subtensor pallets/subtensor/src/tests/epoch.rs::test_10_graph
#[test]
fn self_weights_only_pay_by_stake() {
    let mut net = Subnet::new(&[1; 10], 0, 65534, original_yuma(64));
    net.block = 1;
    for uid in 0..10u16 {
        net.set_weights(usize::from(uid), &[uid], &[M]);
    }
    let out = net.epoch(1_000_000_000);
    assert_eq!(out.emission, vec![99_999_999; 10]);
    assert!(
        out.consensus
            .iter()
            .chain(&out.incentive)
            .chain(&out.dividends)
            .all(|x| *x == 0)
    );
}

/// Source: subtensor pallets/subtensor/src/tests/epoch.rs::test_1_graph
#[test]
fn single_neuron_with_self_weight_has_no_consensus() {
    let mut net = Subnet::new(&[1], 0, 65534, original_yuma(64));
    net.block = 1;
    net.set_weights(0, &[0], &[M]);
    let out = net.epoch(1_000_000_000);
    assert_eq!(
        (out.consensus[0], out.incentive[0], out.dividends[0]),
        (0, 0, 0)
    );
}

/// The 512-neuron graph: 64 validators weighting all 448 servers equally, 3 epochs.
fn graph_512(validators: &[usize], server_self: bool, dense: bool) -> (Subnet, EpochOutput) {
    let n = 512;
    let mut stake = vec![0; n];
    for v in validators {
        stake[*v] = 328_125_000_000_000;
    }
    let mut net = Subnet::new(&stake, 0, 65534, original_yuma(64));
    net.block = 1;
    let servers: Vec<u16> = (0..n as u16)
        .filter(|u| !validators.contains(&usize::from(*u)))
        .collect();
    for v in validators {
        net.set_weights(*v, &servers, &vec![M / n as u16; servers.len()]);
    }
    if server_self {
        for s in &servers {
            net.set_weights(usize::from(*s), &[*s], &[M]);
        }
    }
    let mut out = EpochOutput::default();
    for _ in 0..3 {
        out = if dense {
            net.epoch_dense(1_000_000_000)
        } else {
            net.epoch(1_000_000_000)
        };
    }
    (net, out)
}

/// Source: subtensor pallets/subtensor/src/tests/epoch.rs::test_512_graph
#[test]
fn graph_512_reaches_the_closed_form() {
    let layouts: [Vec<usize>; 3] = [
        (0..64).collect(),
        (448..512).collect(),
        (0..512).filter(|u| u % 8 == 0).collect(),
    ];
    for validators in &layouts {
        for (server_self, dense) in [(false, false), (true, false), (false, true), (true, true)] {
            let (net, out) = graph_512(validators, server_self, dense);
            for uid in 0..512usize {
                let is_validator = validators.contains(&uid);
                let terms = (
                    out.consensus[uid],
                    out.incentive[uid],
                    out.dividends[uid],
                    out.emission[uid],
                );
                let expected = if is_validator {
                    (0, 0, 1023, 7_812_500)
                } else {
                    (146, 146, 0, 1_116_071)
                };
                assert_eq!(
                    terms, expected,
                    "uid {uid}, dense {dense}, self {server_self}"
                );
                let (v, s) = (validators[0], *validators.iter().max().unwrap_or(&0));
                let server = (0..512u16)
                    .find(|j| !validators.contains(&usize::from(*j)))
                    .unwrap_or(0);
                if is_validator {
                    assert_eq!(net.bond(uid, server), M);
                    assert_eq!(net.bond(uid, v as u16), 0);
                    assert_eq!(net.bond(uid, s as u16), 0);
                } else {
                    assert!(net.bonds[uid].iter().all(|(_, b)| *b == 0));
                }
            }
        }
    }
}

/// Source: subtensor pallets/subtensor/src/tests/epoch.rs::test_epoch_outputs_single_staker_registered_no_weights
#[test]
fn single_staker_without_weights_receives_the_emission() {
    let mut net = Subnet::new(&[1_000_000_000, 0, 0], 0, 360, original_yuma(64));
    net.block = 1;
    let out = net.epoch(1_000_000_000);
    let paid: u64 = out
        .server_emission
        .iter()
        .chain(&out.validator_emission)
        .sum();
    assert!(1_000_000_000 - paid <= 1000, "paid {paid}");
}

/// Source: subtensor pallets/subtensor/src/tests/epoch.rs::test_validator_permits
#[test]
fn permits_follow_stake_at_the_next_epoch() {
    let mut net = Subnet::new(&[40, 30, 10, 20], 0, 360, original_yuma(2));
    net.block = 1;
    assert_eq!(net.epoch(0).validator_permit, [true, true, false, false]);
    net.stake = vec![40, 30, 50, 60];
    let (out, t) = epoch_traced(&net.input(0), &net.params);
    assert_eq!(
        t.validator_permits,
        [true, true, false, false],
        "old permits vote now"
    );
    assert_eq!(
        out.validator_permit,
        [false, false, true, true],
        "new permits from stake"
    );
    net.params.stake_threshold = 55;
    assert_eq!(net.epoch(0).validator_permit, [false, false, false, true]);
}

/// Source: subtensor pallets/subtensor/src/tests/epoch.rs::test_can_set_self_weight_as_subnet_owner
#[test]
fn subnet_owner_self_weight_is_kept() {
    let mut net = Subnet::new(&[1_000_000_000, 0], 0, 360, original_yuma(64));
    net.owner = Some(0);
    net.block = 1;
    net.permits = vec![true, false];
    net.set_weights(0, &[0, 1], &[32767, 32767]);
    let out = net.epoch(1_000_000_000);
    assert!(out.incentive[0] > 0);
    assert_eq!(out.incentive[0], out.incentive[1]);
    assert_eq!(out.server_emission[0], out.server_emission[1]);
    // Upstream's dense epoch drops the owner's self-weight (spec §8.12): all goes to uid 1.
    net.permits = vec![true, false];
    assert_eq!(net.epoch_dense(1_000_000_000).incentive, [0, M]);
}

/// Source: subtensor pallets/subtensor/src/tests/epoch.rs::test_deregistered_miner_bonds
#[test]
fn replacing_a_miner_resets_bonds_to_its_uid() {
    for yuma3 in [false, true] {
        let params = EpochParams {
            yuma3,
            ..original_yuma(64)
        };
        // Only validator 0 weights miner 3 before the replacement, both do after it.
        let mut net = Subnet::new(&[1, 1, 0, 0], 0, 2, params);
        for block in 1..=6 {
            net.block = block;
            net.set_weights(0, &[2, 3], &[M, M]);
            net.set_weights(1, &[2], &[M]);
            net.epoch(1_000_000_000);
        }
        let before = [net.bond(0, 2), net.bond(0, 3), net.bond(1, 2)];
        assert!(before[1] > 0 && net.bond(1, 3) == 0);
        net.replace(3);
        net.block += 1;
        for uid in 0..2 {
            net.set_weights(uid, &[2, 3], &[M, M]);
        }
        net.epoch(1_000_000_000);
        if yuma3 {
            assert!(
                net.bond(0, 3) < before[1],
                "the old bond to uid 3 is dropped"
            );
        } else {
            assert_eq!(
                net.bond(1, 3),
                net.bond(0, 3),
                "no history left in column 3"
            );
        }
        assert!(net.bond(0, 2) >= before[0] && net.bond(1, 2) >= before[2]);
    }
}

/// Spec §8.4 step 4 and §16.6 (not an upstream vector): a weight set in the very block its
/// target registered refers to the previous occupant (`last_update ≤ registered_at`) and is
/// masked; one block later it counts.
#[test]
fn weights_set_in_the_registration_block_are_outdated() {
    let mut net = Subnet::new(&[1, 1, 0, 0], 0, 360, original_yuma(64));
    net.block = 1;
    net.epoch(0);
    net.block = 10;
    net.replace(3);
    net.set_weights(0, &[3], &[M]);
    net.set_weights(1, &[3], &[M]);
    let (_, t) = epoch_traced(&net.input(0), &net.params);
    assert_eq!(log(&t.weights), "[[], [], [], []]");
    net.block = 11;
    net.set_weights(0, &[3], &[M]);
    let (_, t) = epoch_traced(&net.input(0), &net.params);
    assert_eq!(log(&t.weights), "[[(3, 1)], [], [], []]");
}

/// Spec §8.4 step 5 (not an upstream vector): with commit-reveal on, weights whose earliest
/// live commit predates the target's registration are masked; without a commit they stay.
#[test]
fn commit_reveal_masks_commits_older_than_the_target() {
    let mut net = Subnet::new(&[1, 1, 0, 0], 0, 360, original_yuma(64));
    net.params.commit_reveal = true;
    net.block = 1;
    net.epoch(0);
    net.block = 20;
    net.registered_at[3] = 15;
    net.set_weights(0, &[2, 3], &[M, M]);
    net.set_weights(1, &[2, 3], &[M, M]);
    let mut input = net.input(0);
    input.mechanism.commit_block = vec![14, 15];
    let (_, t) = epoch_traced(&input, &net.params);
    assert_eq!(
        log(&t.weights_commit_masked),
        "[[(2, 65535)], [(2, 65535), (3, 65535)], [], []]"
    );
    net.params.commit_reveal = false;
    let (_, t) = epoch_traced(&input, &net.params);
    assert_eq!(t.weights_commit_masked, t.weights_outdated_masked);
}

/// Spec §8.2 (not an upstream vector): stake = alpha + τ·root with τ = TaoWeight / u64::MAX,
/// the threshold zeroes small stakes but not the owner's.
#[test]
fn stake_weight_counts_root_and_exempts_the_owner_from_the_threshold() {
    let mut net = Subnet::new(&[100, 0, 10], 0, 360, original_yuma(64));
    net.block = 1;
    net.params.tao_weight = u64::MAX / 2;
    net.params.stake_threshold = 50;
    let mut input = net.input(0);
    input.subnet.root_stake = vec![0, 200, 0];
    let (_, t) = epoch_traced(&input, &net.params);
    // τ is truncated to 32 fractional bits (U96F32): 0.5 − 2⁻³², times 200.
    assert_eq!(log(&t.total_stake), "[100, 99.9999999534338712692, 10]");
    assert_eq!(log(&t.filtered_stake), "[100, 99.9999999534338712692, 0]");
    input.subnet.owner_uid = Some(2);
    let (out, t) = epoch_traced(&input, &net.params);
    assert_eq!(log(&t.filtered_stake), "[100, 99.9999999534338712692, 10]");
    assert_eq!(out.validator_permit, [true, true, true]);
}
