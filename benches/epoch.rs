//! Benchmarks of one Yuma epoch (criterion).
//!
//! Networks: N = 512, 320 and 256, each with 64 validators weighting every server (448, 256
//! and 192 of them); weights drawn from a seeded generator, stakes uneven. `cargo bench --bench
//! epoch -- n320` selects one network.
//! Each network first runs 20 epochs so that permits and bonds are in their steady state, then
//! one epoch on that state is measured: Yuma3 with and without liquid alpha, original Yuma.
//! Liquid alpha is measured twice: at its steady state (most bonds at or below the weights, so
//! the disagreement is 0 and the sigmoid is shared) and with bonds above every weight (a
//! distinct sigmoid per entry: the worst case for the fixed-point `exp`).
//! The real subnet-15 metagraph (256 uids, mainnet, Feb 2025) is measured as shipped.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use taosim::chain::epoch::{EpochInput, EpochParams, MechanismSnapshot, SubnetSnapshot, epoch};

/// splitmix64: a tiny seeded generator, enough for benchmark inputs.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// `n` uids, the first `validators` of them staked and weighting every server.
fn network(n: usize, validators: usize, seed: u64) -> EpochInput {
    let mut rng = SplitMix(seed);
    let stake = (0..n)
        .map(|uid| {
            if uid < validators {
                1_000_000_000_000 + rng.next() % 100_000_000_000_000
            } else {
                0
            }
        })
        .collect();
    let weights = (0..n)
        .map(|uid| {
            if uid >= validators {
                return Vec::new();
            }
            (validators..n)
                .map(|j| (j as u16, 1 + (rng.next() % 65535) as u16))
                .collect()
        })
        .collect();
    EpochInput {
        subnet: SubnetSnapshot {
            block: 1_000,
            tempo: 360,
            last_step_block: 640,
            owner_uid: None,
            alpha_stake: stake,
            root_stake: Vec::new(),
            registered_at: vec![0; n],
            validator_permit: vec![false; n],
        },
        mechanism: MechanismSnapshot {
            last_update: vec![999; n],
            weights,
            bonds: vec![Vec::new(); n],
            commit_block: Vec::new(),
        },
        emission: 360_000_000_000,
    }
}

/// Runs 20 epochs, feeding permits and bonds back, and returns the resulting input.
fn steady_state(mut input: EpochInput, params: &EpochParams) -> EpochInput {
    for _ in 0..20 {
        let out = epoch(&input, params);
        input.subnet.validator_permit = out.validator_permit;
        input.mechanism.bonds = out.bonds;
    }
    input
}

/// Bonds above every weight: each entry's disagreement differs, so does its sigmoid.
fn bonds_above_weights(mut input: EpochInput) -> EpochInput {
    let mut rng = SplitMix(7);
    input.mechanism.bonds = input
        .mechanism
        .weights
        .iter()
        .map(|row| {
            row.iter()
                .map(|(j, _)| (*j, 60_000 + (rng.next() % 5_000) as u16))
                .collect()
        })
        .collect();
    input
}

fn params(yuma3: bool, liquid_alpha: bool) -> EpochParams {
    EpochParams {
        yuma3,
        liquid_alpha,
        commit_reveal: false,
        ..EpochParams::default()
    }
}

fn bench_epochs(c: &mut Criterion) {
    let cases = [
        ("yuma3", params(true, false)),
        ("yuma3_liquid_alpha", params(true, true)),
        ("original_yuma", params(false, false)),
    ];
    for (n, label) in [(512usize, "n512_v64"), (320, "n320_v64"), (256, "n256_v64")] {
        for (name, params) in &cases {
            let input = steady_state(network(n, 64, 42), params);
            c.bench_function(&format!("epoch/{label}/{name}"), |b| {
                b.iter(|| epoch(black_box(&input), black_box(params)))
            });
        }
        let worst = bonds_above_weights(steady_state(network(n, 64, 42), &cases[1].1));
        c.bench_function(&format!("epoch/{label}/yuma3_liquid_alpha_distinct"), |b| {
            b.iter(|| epoch(black_box(&worst), black_box(&cases[1].1)))
        });
    }
    bench_mainnet(c);
}

/// The shipped subnet-15 input through the JSON contract, then the epoch alone.
fn bench_mainnet(c: &mut Criterion) {
    let text = include_str!("../examples/sn15-block4769998.json");
    let Ok((input, params)) = taosim::epoch_json::parse_input(text) else {
        panic!("the shipped example must parse");
    };
    c.bench_function("epoch/sn15_mainnet/original_yuma", |b| {
        b.iter(|| epoch(black_box(&input), black_box(&params)))
    });
}

criterion_group!(benches, bench_epochs);
criterion_main!(benches);
