//! Benchmark of the block loop (criterion): one simulated day — 7 200 blocks — of 64 subnets
//! × 256 uids, 64 staked validators each weighting the 192 miners with fixed seeded weights,
//! tempo 360 (so 1 280 epochs a day), 80 000 TAO of root stake per validator of subnet 1 (so
//! the root proportion keeps the injection price-neutral, as on mainnet, rather than buying
//! alpha every block). Validators re-set their weights every 1 000 blocks to stay active.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use taosim::chain::bigmath::{pow_ratio_scaled, pow_ratio_scaled_reference};
use taosim::chain::fixed::I96F32;
use taosim::chain::state::{Chain, ChainParams, ROOT, Subnet};
use taosim::chain::swap::{Order, Pool, SwapParams};

const TAO: u64 = 1_000_000_000;
const SUBNETS: u16 = 64;

fn hotkey(netuid: u16, i: u32) -> u32 {
    100_000 * u32::from(netuid) + i
}

/// The network, one block in.
fn network() -> (Chain, Vec<Vec<u16>>) {
    let mut chain = Chain::new(1, ChainParams::default());
    let mut seed = 42u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for n in 1..=SUBNETS {
        let mut subnet = Subnet::new(10_000 * TAO, 20_000 * TAO, 360, 1);
        subnet.moving_price = I96F32::from_num(1) / I96F32::from_num(2);
        let netuid = chain.add_subnet(subnet);
        for i in 0..256u32 {
            let h = hotkey(netuid, i);
            chain.genesis_neuron(netuid, h, h);
            if i < 64 {
                chain.genesis_stake(netuid, h, h, 1_000 * TAO + next() % (10_000 * TAO));
                if n == 1 {
                    chain.genesis_stake(ROOT, h, h, 80_000 * TAO);
                }
            }
        }
    }
    chain.step_block();
    let weights = (0..64)
        .map(|_| (0..192).map(|_| (next() % 65_535) as u16 + 1).collect())
        .collect();
    (chain, weights)
}

/// 7 200 blocks, weights re-set every 1 000.
fn one_day(chain: &mut Chain, weights: &[Vec<u16>]) -> usize {
    let uids: Vec<u16> = (64..256).collect();
    let mut epochs = 0;
    for block in 0..7_200 {
        if block % 1_000 == 0 {
            for n in 1..=SUBNETS {
                for (i, row) in weights.iter().enumerate() {
                    let _ = chain.set_weights(hotkey(n, i as u32), n, &uids, row);
                }
            }
        }
        epochs += chain.step_block().len();
    }
    epochs
}

fn bench_day(c: &mut Criterion) {
    let (chain, weights) = network();
    let mut group = c.benchmark_group("chain");
    group.sample_size(10);
    group.bench_function("day_64_subnets_256_uids", |b| {
        b.iter_batched(
            || chain.clone(),
            |mut chain| black_box(one_day(&mut chain, &weights)),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// The pool's power function on the fallback (log/exp) path, as the pool calls it: a swap
/// output (`(x/(x+Δ))^(w2/w1)`, precision 256) and an amount up to a limit price (U64F64
/// price bits, exponent `w/10¹⁸`, precision 1024); and one swap against a pool whose weights
/// emission has moved off 0.5, without and with a limit price that it crosses.
fn bench_pool_power(c: &mut Criterion) {
    const ONE: u128 = 1_000_000_000_000_000_000;
    let (w1, w2) = (ONE - 437_123_456_789_012_345, 437_123_456_789_012_345);
    let mut group = c.benchmark_group("pool_power");
    type Power = fn(u128, u128, u128, u128, u32, u128) -> Option<u128>;
    let functions: [(&str, Power); 2] = [
        ("pow_ratio_scaled", pow_ratio_scaled),
        ("pow_ratio_scaled_reference", pow_ratio_scaled_reference),
    ];
    for (name, power) in functions {
        group.bench_function(format!("{name}_256"), |b| {
            let (x, delta) = (123_456_789_012_345_u128, 1_234_567_890_u128);
            b.iter(|| {
                power(
                    black_box(x),
                    black_box(x + delta),
                    black_box(w2),
                    black_box(w1),
                    256,
                    ONE,
                )
            })
        });
        group.bench_function(format!("{name}_1024"), |b| {
            // Prices 1.3 and 1.2345 (U64F64 bits), not powers of two.
            let (limit, price) = (13 << 64, 12_345 << 64);
            b.iter(|| {
                power(
                    black_box(limit) / 10,
                    black_box(price) / 10_000,
                    black_box(w1),
                    ONE,
                    1024,
                    ONE,
                )
            })
        });
    }
    let pool = Pool {
        quote_weight: w2 as u64,
        initialized: true,
        ..Pool::new(40_000 * TAO, 90_000 * TAO)
    };
    group.bench_function("swap_unequal_weights", |b| {
        b.iter(|| {
            let mut pool = black_box(pool);
            pool.swap(
                Order::Buy,
                black_box(3 * TAO),
                u64::MAX,
                false,
                SwapParams::default(),
            )
        })
    });
    group.bench_function("swap_unequal_weights_limit", |b| {
        let limit = pool.current_alpha_price().to_num::<f64>() * 1.0001 * TAO as f64;
        b.iter(|| {
            let mut pool = black_box(pool);
            pool.swap(
                Order::Buy,
                black_box(300 * TAO),
                limit as u64,
                false,
                SwapParams::default(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench_day, bench_pool_power);
criterion_main!(benches);
