//! The consensus-guarantee experiment (catalogue §2): one epoch of the chain's Yuma on a subnet
//! split into an honest side and one unified cabal, after subtensor's `docs/consensus.md`.
//!
//! Layout: uids `0..validators` are validators (the first `honest_validators` honest), the
//! rest servers (the first `honest_servers` honest). Sides are sized `round(S_H × count)`, as
//! in subtensor's `split_graph` test helper (recalled, not checked against upstream). Validator
//! stakes are N(1, stake_sd²) clamped at 0, normalised within each side to `S_H` and `1 − S_H`
//! of 1 000 000 TAO. Each validator draws N(1, weight_sd²) clamped at 0 per server, then scales
//! the honest and cabal servers' draws to W_H and 1 − W_H (honest) or 1 − W_C and W_C (cabal)
//! of its row; rows are max-upscaled to u16 as the chain stores them. Every validator holds a
//! permit from the previous epoch and set its weights in the previous block; there are no
//! bonds yet. The epoch distributes 1 000 alpha (half to servers, half to validators: ξ = 0.5
//! is the chain's split).
//!
//! Outcome: E_H = (honest validators' + honest servers' emission) / total emission, and
//! `retained` = 1 if E_H ≥ S_H, else 0. With `baseline`, the epoch also runs with the cabal
//! mirroring the honest row (W_C = 1 − W_H) on the same draws — the minimal cabal attack of
//! catalogue §3 — and `cabal_gain` = E_H(baseline) − E_H is what deviating earns the cabal
//! (its share is 1 − E_H).
//!
//! May depend on: `chain`, `scenario`, `record`, `strategy` (the normal draw), rand.

use crate::chain::epoch::{EpochInput, MechanismSnapshot, SubnetSnapshot, epoch};
use crate::record::{NeuronRow, RowSink, RunId, RunRecord};
use crate::scenario::Scenario;
use crate::scenario::consensus::ConsensusSpec;
use crate::strategy::{normal, to_weights};
use rand::rngs::ChaCha8Rng;

const TOTAL_STAKE: f64 = 1e6 * 1e9;
const EMISSION: u64 = 1_000_000_000_000;
const BLOCK: u64 = 1_000;

/// Runs the experiment of `scenario` with `seed`; its neuron rows (if recorded) go to `sink`.
pub fn run(
    scenario: &Scenario,
    spec: &ConsensusSpec,
    seed: u64,
    sink: &mut dyn RowSink,
) -> RunRecord {
    let played = input(spec, &mut super::build::agent_rng(seed, 0));
    let out = epoch(&played, &spec.epoch);
    let share = honest_share(spec, &out.emission);
    let mut outcomes = vec![
        ("honest_emission_share".to_string(), share),
        ("honest_stake_share".to_string(), spec.honest_stake),
        (
            "retained".to_string(),
            f64::from(u8::from(share >= spec.honest_stake)),
        ),
    ];
    if spec.baseline {
        // The same draws, the cabal mirroring the honest row.
        let honest_play = ConsensusSpec {
            cabal_weight: 1.0 - spec.honest_weight,
            ..spec.clone()
        };
        let mirrored = input(&honest_play, &mut super::build::agent_rng(seed, 0));
        let baseline = honest_share(spec, &epoch(&mirrored, &spec.epoch).emission);
        outcomes.push(("honest_emission_share_baseline".into(), baseline));
        outcomes.push(("cabal_gain".into(), baseline - share));
    }
    let mut agents = Vec::new();
    if scenario.record_neurons {
        agents = (0..usize::from(spec.neurons))
            .map(|uid| agent_name(spec, uid))
            .collect();
        sink.begin(&agents);
        sink.epoch(None, &rows(spec, &played, &out));
    }
    RunRecord {
        run: RunId {
            scenario: scenario.name.clone(),
            subset: 0,
            replicate: 0,
            seed,
        },
        agents,
        blocks: 0,
        epochs: 1,
        outcomes,
        ..RunRecord::default()
    }
}

/// E_H: the honest uids' share of the epoch's emission.
fn honest_share(spec: &ConsensusSpec, emission: &[u64]) -> f64 {
    let total: u128 = emission.iter().map(|&e| u128::from(e)).sum();
    let honest: u128 = (0..emission.len())
        .filter(|&uid| is_honest(spec, uid))
        .map(|uid| u128::from(emission[uid]))
        .sum();
    if total == 0 {
        0.0
    } else {
        honest as f64 / total as f64
    }
}

fn is_honest(spec: &ConsensusSpec, uid: usize) -> bool {
    let v = usize::from(spec.validators);
    if uid < v {
        uid < usize::from(spec.honest_validators)
    } else {
        uid - v < usize::from(spec.honest_servers)
    }
}

/// The epoch input: stakes, weights, permits, activity.
fn input(spec: &ConsensusSpec, rng: &mut ChaCha8Rng) -> EpochInput {
    let n = usize::from(spec.neurons);
    let v = usize::from(spec.validators);
    let hv = usize::from(spec.honest_validators);
    let draws: Vec<f64> = (0..v)
        .map(|_| (1.0 + normal(rng, spec.stake_sd)).max(0.0))
        .collect();
    let side_sum = |range: std::ops::Range<usize>| draws[range].iter().sum::<f64>();
    let (honest_sum, cabal_sum) = (side_sum(0..hv), side_sum(hv..v));
    let mut alpha_stake = vec![0u64; n];
    for (uid, &x) in draws.iter().enumerate() {
        let (share, sum) = if uid < hv {
            (spec.honest_stake, honest_sum)
        } else {
            (1.0 - spec.honest_stake, cabal_sum)
        };
        if sum > 0.0 {
            alpha_stake[uid] = (TOTAL_STAKE * share * x / sum).round() as u64;
        }
    }
    let weights = (0..n)
        .map(|uid| {
            if uid < v {
                row(spec, uid < hv, rng)
            } else {
                Vec::new()
            }
        })
        .collect();
    let mut permit = vec![false; n];
    permit[..v].fill(true);
    EpochInput {
        subnet: SubnetSnapshot {
            block: BLOCK,
            tempo: 360,
            last_step_block: BLOCK - 360,
            owner_uid: None,
            alpha_stake,
            root_stake: Vec::new(),
            registered_at: vec![0; n],
            validator_permit: permit,
        },
        mechanism: MechanismSnapshot {
            last_update: vec![BLOCK - 1; n],
            weights,
            bonds: vec![Vec::new(); n],
            commit_block: Vec::new(),
        },
        emission: EMISSION,
    }
}

/// One validator's weight row over the servers.
fn row(spec: &ConsensusSpec, honest: bool, rng: &mut ChaCha8Rng) -> Vec<(u16, u16)> {
    let v = spec.validators;
    let hs = spec.honest_servers;
    let draws: Vec<(u16, f64)> = (v..spec.neurons)
        .map(|uid| (uid, (1.0 + normal(rng, spec.weight_sd)).max(0.0)))
        .collect();
    let on_honest = if honest {
        spec.honest_weight
    } else {
        1.0 - spec.cabal_weight
    };
    let split = usize::from(hs);
    let honest_sum: f64 = draws[..split].iter().map(|d| d.1).sum();
    let cabal_sum: f64 = draws[split..].iter().map(|d| d.1).sum();
    let scores: Vec<(u16, f64)> = draws
        .iter()
        .enumerate()
        .map(|(i, &(uid, x))| {
            let (mass, sum) = if i < split {
                (on_honest, honest_sum)
            } else {
                (1.0 - on_honest, cabal_sum)
            };
            (uid, if sum > 0.0 { mass * x / sum } else { 0.0 })
        })
        .collect();
    to_weights(&scores).unwrap_or_default()
}

/// `honest` or `cabal`.
fn side(spec: &ConsensusSpec, uid: usize) -> &'static str {
    if is_honest(spec, uid) {
        "honest"
    } else {
        "cabal"
    }
}

/// The name of uid `uid`'s agent: `<side>-<role>-<uid>`.
fn agent_name(spec: &ConsensusSpec, uid: usize) -> String {
    let role = if uid < usize::from(spec.validators) {
        "validator"
    } else {
        "miner"
    };
    format!("{}-{role}-{uid}", side(spec, uid))
}

/// The epoch's neuron rows.
fn rows(
    spec: &ConsensusSpec,
    input: &EpochInput,
    out: &crate::chain::epoch::EpochOutput,
) -> Vec<NeuronRow> {
    (0..usize::from(spec.neurons))
        .map(|uid| {
            let validator = uid < usize::from(spec.validators);
            let side = side(spec, uid);
            let role = if validator { "validator" } else { "miner" };
            NeuronRow {
                block: BLOCK,
                epoch: 0,
                netuid: 1,
                uid: uid as u16,
                hotkey: uid as u32,
                coldkey: uid as u32,
                agent: Some(uid as u32),
                role,
                strategy: side,
                alpha_stake: input.subnet.alpha_stake[uid],
                root_stake: 0,
                stake_weight: out.stake_weight[uid],
                consensus: out.consensus[uid],
                incentive: out.incentive[uid],
                dividends: out.dividends[uid],
                validator_trust: out.validator_trust[uid],
                emission: out.emission[uid],
                permit: out.validator_permit[uid],
                active: out.active[uid],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(honest_stake: f64, honest_weight: f64, cabal_weight: f64) -> Scenario {
        let text = format!(
            "name: t\nconsensus: {{neurons: 64, validators: 8, honest_stake: {honest_stake}, \
             honest_weight: {honest_weight}, cabal_weight: {cabal_weight}}}\n"
        );
        crate::scenario::parse(&text, "t").unwrap()
    }

    fn outcome(s: &Scenario, name: &str) -> f64 {
        let spec = s.consensus.as_ref().unwrap();
        let record = run(s, spec, 7, &mut crate::record::Discard);
        record.outcomes.iter().find(|o| o.0 == name).unwrap().1
    }

    #[test]
    fn honest_side_that_only_weights_itself_keeps_at_least_its_stake() {
        // The cabal also weights only its own servers: consensus (κ = 0.5) sides with the
        // 75 % majority, so the honest side earns more than its stake share.
        let s = scenario(0.75, 1.0, 1.0);
        assert!(outcome(&s, "honest_emission_share") > 0.75);
        assert_eq!(outcome(&s, "retained"), 1.0);
    }

    #[test]
    fn honest_side_weighting_the_cabal_loses_emission() {
        let s = scenario(0.75, 0.0, 1.0);
        assert!(outcome(&s, "honest_emission_share") < 0.75);
        assert_eq!(outcome(&s, "retained"), 0.0);
    }

    #[test]
    fn mirroring_the_honest_row_gains_nothing() {
        let mut s = scenario(0.7, 0.6, 0.4);
        s.consensus.as_mut().unwrap().baseline = true;
        assert_eq!(outcome(&s, "cabal_gain"), 0.0);
        s.consensus.as_mut().unwrap().cabal_weight = 1.0;
        let gain = outcome(&s, "cabal_gain");
        let (now, before) = (
            outcome(&s, "honest_emission_share"),
            outcome(&s, "honest_emission_share_baseline"),
        );
        assert_eq!(gain, before - now);
        assert_ne!(gain, 0.0);
    }

    #[test]
    fn same_seed_same_outcome() {
        let mut s = scenario(0.6, 0.7, 0.5);
        s.consensus.as_mut().unwrap().weight_sd = 0.4;
        let spec = s.consensus.clone().unwrap();
        let played = |seed| {
            let mut rows = RunRecord::default();
            let record = run(&s, &spec, seed, &mut rows);
            (record, rows.neurons)
        };
        assert_eq!(played(3), played(3));
        assert_ne!(played(3).1, played(4).1);
    }
}
