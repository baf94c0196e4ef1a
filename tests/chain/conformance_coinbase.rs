//! Conformance of the coinbase pieces with subtensor's `tests/coinbase.rs` (commit 14bc6f9f):
//! shares, injection terms, the pending split and the epoch scheduler.
//!
//! Most coinbase vectors are grade H (they run the whole chain); the pure parts they exercise
//! are checked here by composing shares, terms and pools by hand, within the tolerance the
//! upstream test states.

use taosim::chain::coinbase::scheduler::{
    DrainOutcome, PendingBuckets, SchedulerRegime, SubnetClock, blocks_until_next_auto_epoch,
    drain_pending, legacy_blocks_until_next_epoch,
};
use taosim::chain::coinbase::shares::{ShareInput, get_shares, subnet_block_emissions};
use taosim::chain::coinbase::terms::{
    SplitInput, TermsInput, split_alpha_emission, subnet_root_proportion, subnet_terms,
};
use taosim::chain::fixed::{U64F64, U96F32};
use taosim::chain::swap::Pool;

/// `set_full_injection_root_stake`: `SubnetTAO[root] = 1e18`, TaoWeight = u64::MAX.
const FULL_ROOT_TAO: u64 = 1_000_000_000_000_000_000;

fn share(price: U64F64) -> ShareInput {
    ShareInput {
        moving_price: price,
        miner_burned: U96F32::from_num(0),
        emission_enabled: true,
    }
}

/// One block of injection for subnets with the given pools and moving prices: returns the pools
/// after `adjust_protocol_liquidity` added the floored terms (no excess buys in these cases).
fn inject(pools: &mut [Pool], moving: &[U64F64], block_emission: u64) {
    let shares = get_shares(&moving.iter().map(|m| share(*m)).collect::<Vec<_>>());
    let emissions = subnet_block_emissions(block_emission, &shares);
    for (pool, emission) in pools.iter_mut().zip(emissions) {
        let terms = subnet_terms(&TermsInput {
            tao_emission: emission,
            alpha_issuance: pool.alpha_reserve,
            price: pool.current_alpha_price(),
            root_tao: FULL_ROOT_TAO,
            tao_weight: u64::MAX,
        });
        assert_eq!(
            terms.excess_tao.to_bits() >> 32,
            0,
            "no excess TAO expected"
        );
        let tao = terms.tao_in.saturating_to_num::<u64>();
        let alpha = terms.alpha_in.saturating_to_num::<u64>();
        let (tao_inj, alpha_inj) = pool.adjust_protocol_liquidity(tao, alpha);
        pool.tao_reserve += tao_inj;
        pool.alpha_reserve += alpha_inj;
    }
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_coinbase_alpha_issuance_base
#[test]
fn equal_prices_split_the_alpha_injection_equally() {
    let mut pools = [
        Pool::new(1_000_000, 1_000_000),
        Pool::new(1_000_000, 1_000_000),
    ];
    inject(&mut pools, &[U64F64::from_num(1); 2], 1_000_000);
    assert_eq!(
        [pools[0].alpha_reserve, pools[1].alpha_reserve],
        [1_500_000; 2]
    );
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_coinbase_alpha_issuance_different
#[test]
fn alpha_injection_is_price_neutral_across_prices() {
    let mut pools = [
        Pool::new(1_000_000, 1_000_000),
        Pool::new(2_000_000, 1_000_000),
    ];
    inject(
        &mut pools,
        &[U64F64::from_num(1), U64F64::from_num(2)],
        1_000_000,
    );
    assert_eq!(
        [pools[0].alpha_reserve, pools[1].alpha_reserve],
        [1_333_333; 2]
    );
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_coinbase_tao_issuance_different_prices
#[test]
fn tao_injection_follows_moving_prices() {
    let mut pools = [Pool::new(100_000, 1_000_000), Pool::new(100_000, 500_000)];
    let moving = [
        U64F64::from_num(1) / U64F64::from_num(10),
        U64F64::from_num(1) / U64F64::from_num(5),
    ];
    inject(&mut pools, &moving, 100_000_000);
    let expected = [100_000 + 33_333_333u64, 100_000 + 66_666_666];
    for (pool, want) in pools.iter().zip(expected) {
        assert!(
            pool.tao_reserve.abs_diff(want) <= 10,
            "{} vs {want}",
            pool.tao_reserve
        );
    }
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_pending_emission
#[test]
fn pending_split_gives_root_its_proportion_of_the_validator_half() {
    let rp = subnet_root_proportion(1_000_000_000, u64::MAX, 3_000_000_000);
    assert_eq!(rp, U96F32::from_num(1) / U96F32::from_num(4));
    let split = split_alpha_emission(&SplitInput {
        alpha_emission: 1_000_000_000,
        owner_cut: 0,
        owner_cut_enabled: true,
        root_proportion: rp,
        root_sell_flag: true,
    });
    assert!(split.server.abs_diff(500_000_000) <= 1);
    assert!(split.validator.abs_diff(375_000_000) <= 1);
    assert!(split.root.abs_diff(125_000_000) <= 1);
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_owner_cut_base
#[test]
fn owner_cut_takes_its_share_first() {
    let split = |owner_cut| {
        split_alpha_emission(&SplitInput {
            alpha_emission: 1_000_000_000,
            owner_cut,
            owner_cut_enabled: true,
            root_proportion: U96F32::from_num(0),
            root_sell_flag: true,
        })
    };
    assert_eq!(split(0).owner_cut, 0);
    assert_eq!(split(u16::MAX).owner_cut, 1_000_000_000);
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs, `blocks_until_next_auto_epoch`
/// cases (HEAD) and the legacy formula's code-comment examples (vectors §6.1).
#[test]
fn blocks_until_the_next_epoch() {
    for (tempo, block, want) in [
        (10, 5, 5),
        (20, 15, 5),
        (30, 25, 5),
        (10, 9, 1),
        (20, 21, 0),
        (65535, u64::MAX, 0),
        (65535, 0, 65535),
    ] {
        assert_eq!(
            blocks_until_next_auto_epoch(tempo, 0, block),
            want,
            "tempo {tempo}, block {block}"
        );
    }
    assert_eq!(blocks_until_next_auto_epoch(0, 0, 5), u64::MAX);
    for (tempo, netuid, want) in [
        (1, 0, 0),
        (1, 1, 1),
        (2, 0, 1),
        (2, 1, 0),
        (100, 0, 99),
        (100, 1, 98),
    ] {
        assert_eq!(
            legacy_blocks_until_next_epoch(netuid, tempo, 0),
            want,
            "tempo {tempo}, netuid {netuid}"
        );
    }
}

/// Steps `clock` from its block to `to` (exclusive of the start, inclusive of `to`).
fn run_blocks(clock: &mut SubnetClock, from: u64, to: u64) {
    for block in from + 1..=to {
        drain_pending(
            std::slice::from_mut(clock),
            block,
            2,
            SchedulerRegime::DynamicTempo,
            |_| true,
        );
    }
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_blocks_since_last_step
#[test]
fn blocks_since_last_step_counts_from_each_epoch() {
    let mut clock = SubnetClock {
        tempo: 7200,
        ..SubnetClock::default()
    };
    run_blocks(&mut clock, 0, 5);
    assert_eq!(clock.blocks_since_last_step, 5);
    run_blocks(&mut clock, 5, 7200 + 10);
    assert_eq!(clock.blocks_since_last_step, 10);
    run_blocks(&mut clock, 7210, 2 * 7200 + 20);
    assert_eq!(clock.blocks_since_last_step, 20);
    run_blocks(&mut clock, 2 * 7200 + 20, 2 * 7200 + 27);
    assert_eq!(clock.blocks_since_last_step, 27);
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_coinbase_drain_pending_gets_counters_and_resets_them
#[test]
fn drain_takes_the_pending_buckets_and_zeroes_them() {
    let pending = PendingBuckets {
        server: 123_434_534,
        validator: 111_111,
        root: 12_222_222,
        owner_cut: 12_345_678,
    };
    let mut clock = SubnetClock {
        netuid: 1,
        tempo: 100,
        pending,
        ..SubnetClock::default()
    };
    let outcomes = drain_pending(
        std::slice::from_mut(&mut clock),
        102,
        32,
        SchedulerRegime::DynamicTempo,
        |_| true,
    );
    assert_eq!(outcomes, vec![DrainOutcome::Drained(pending)]);
    assert_eq!(clock.pending, PendingBuckets::default());
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_coinbase_drain_pending_resets_blockssincelaststep
#[test]
fn drain_resets_blocks_since_last_step_but_not_the_step_block() {
    let mut clock = SubnetClock {
        netuid: 1,
        tempo: 100,
        blocks_since_last_step: 12_345_678,
        last_mechanism_step_block: 7,
        ..SubnetClock::default()
    };
    drain_pending(
        std::slice::from_mut(&mut clock),
        102,
        32,
        SchedulerRegime::DynamicTempo,
        |_| true,
    );
    assert_eq!(clock.blocks_since_last_step, 0);
    assert_eq!(
        clock.last_mechanism_step_block, 7,
        "written later, by the distribution"
    );
}

/// Source: subtensor pallets/subtensor/src/coinbase/run_coinbase.rs, `should_run_epoch` =
/// `blocks_until_next_epoch(netuid, tempo, block) == 0` before commit d30a76f38 (issue 16,
/// item 2): the legacy scheduler fires every `tempo + 1` blocks, staggered by netuid, when
/// `(block + netuid + 1) mod (tempo + 1) = tempo` — netuid 1, tempo 360 at blocks ≡ 358
/// (mod 361), one block before `(block + netuid + 1) mod (tempo + 1) = 0`.
#[test]
fn legacy_epochs_come_every_tempo_plus_one_blocks() {
    let mut clocks = vec![
        SubnetClock {
            netuid: 1,
            tempo: 360,
            ..SubnetClock::default()
        },
        SubnetClock {
            netuid: 2,
            tempo: 360,
            ..SubnetClock::default()
        },
    ];
    let mut fired: Vec<Vec<u64>> = vec![Vec::new(); 2];
    for block in 1..=2_000u64 {
        let outcomes = drain_pending(&mut clocks, block, 32, SchedulerRegime::Legacy, |_| true);
        for (i, outcome) in outcomes.iter().enumerate() {
            if matches!(outcome, DrainOutcome::Drained(_)) {
                fired[i].push(block);
            }
        }
    }
    assert_eq!(fired[0], vec![358, 719, 1080, 1441, 1802]);
    assert_eq!(fired[1], vec![357, 718, 1079, 1440, 1801]);
    for (clock, blocks) in clocks.iter().zip(&fired) {
        for &block in blocks {
            assert_eq!(
                legacy_blocks_until_next_epoch(clock.netuid, clock.tempo, block),
                0
            );
        }
    }
}
