//! Conservation of TAO and alpha over random multi-subnet runs of [`Chain::step_block`] with
//! random participant operations in between (issue: chain-exact economy, item 7).
//!
//! After every block: the TAO issuance equals what holds it (free balances, pools, subnet
//! accounts, burned); for every subnet, the alpha issuance equals the alpha minted minus the
//! alpha recycled, and `SubnetAlphaOut` (plus what payouts created) equals what holds it
//! (stakes, pending buckets, protocol alpha, owed root dividends, unassigned alpha) — to the
//! rao. Balances never wrap (they are unsigned and the operations saturate; a wrap would break
//! the identities).

use crate::chain_support::{
    COLDKEYS, NEURONS, SUBNETS, TAO, conserved, hotkey, network, set_cycled_weights,
};
use proptest::prelude::*;
use taosim::chain::state::{AssetBuckets, Chain, ChainParams};

/// The network's parameters: the runtime's, with this `TaoWeight`.
fn params(tao_weight: u64) -> ChainParams {
    ChainParams {
        tao_weight,
        ..ChainParams::default()
    }
}

/// Alpha reserve of each subnet's pool: 1 000 alpha / netuid (different prices).
fn alpha_reserve(netuid: u16) -> u64 {
    1_000 * TAO / u64::from(netuid)
}

/// A participant operation.
#[derive(Clone, Debug)]
enum Op {
    AddStake {
        coldkey: u32,
        neuron: u32,
        netuid: u16,
        tao: u64,
    },
    RemoveStake {
        coldkey: u32,
        neuron: u32,
        netuid: u16,
        fraction: u8,
    },
    Register {
        coldkey: u32,
        id: u32,
        netuid: u16,
    },
    SetWeights {
        neuron: u32,
        netuid: u16,
        values: Vec<u16>,
    },
    Step {
        blocks: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let coldkey = 1..=COLDKEYS;
    let neuron = 0..NEURONS;
    let netuid = 0..=SUBNETS;
    prop_oneof![
        (
            coldkey.clone(),
            neuron.clone(),
            netuid.clone(),
            0..500 * TAO
        )
            .prop_map(|(coldkey, neuron, netuid, tao)| Op::AddStake {
                coldkey,
                neuron,
                netuid,
                tao
            }),
        (coldkey.clone(), neuron.clone(), netuid.clone(), 1..=4u8).prop_map(
            |(coldkey, neuron, netuid, fraction)| Op::RemoveStake {
                coldkey,
                neuron,
                netuid,
                fraction
            }
        ),
        (coldkey, 100..110u32, 1..=SUBNETS).prop_map(|(coldkey, id, netuid)| Op::Register {
            coldkey,
            id,
            netuid
        }),
        (
            neuron,
            1..=SUBNETS,
            prop::collection::vec(any::<u16>(), NEURONS as usize)
        )
            .prop_map(|(neuron, netuid, values)| Op::SetWeights {
                neuron,
                netuid,
                values
            }),
        (1..30u8).prop_map(|blocks| Op::Step { blocks }),
    ]
}

/// Applies `op`; the chain may reject it (that is fine: a rejection must change nothing).
fn apply(chain: &mut Chain, op: &Op) -> Result<(), TestCaseError> {
    match op {
        Op::AddStake {
            coldkey,
            neuron,
            netuid,
            tao,
        } => {
            let hotkey = hotkey((*netuid).max(1), *neuron);
            let _ = chain.add_stake(*coldkey, hotkey, *netuid, *tao);
        }
        Op::RemoveStake {
            coldkey,
            neuron,
            netuid,
            fraction,
        } => {
            let hotkey = hotkey((*netuid).max(1), *neuron);
            let held = chain.subnets[usize::from(*netuid)].stake_of(hotkey, *coldkey);
            let _ = chain.remove_stake(*coldkey, hotkey, *netuid, held / u64::from(*fraction));
        }
        Op::Register {
            coldkey,
            id,
            netuid,
        } => {
            let _ = chain.burned_register(*coldkey, 100_000 + 100 * id + coldkey, *netuid);
        }
        Op::SetWeights {
            neuron,
            netuid,
            values,
        } => set_cycled_weights(chain, *netuid, *neuron, values),
        Op::Step { blocks } => {
            for _ in 0..*blocks {
                chain.step_block();
                check(chain)?;
            }
        }
    }
    Ok(())
}

/// The conservation identities, to the rao.
fn check(chain: &Chain) -> Result<(), TestCaseError> {
    conserved(chain).map_err(TestCaseError::fail)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn tao_and_alpha_are_conserved_to_the_rao(
        tempo in prop_oneof![Just(5u16), Just(12), Just(360)],
        tao_weight in prop_oneof![Just(0u64), Just(u64::MAX / 5), Just(u64::MAX)],
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let mut chain = network(params(tao_weight), tempo, alpha_reserve);
        check(&chain)?;
        for op in &ops {
            apply(&mut chain, op)?;
            check(&chain)?;
        }
    }
}

#[test]
fn epochs_run_and_pay_out_with_validators_setting_weights() {
    let mut chain = network(params(u64::MAX / 5), 12, alpha_reserve);
    let stake_before = chain.subnets[1].hotkey_stake(hotkey(1, 3));
    let mut epochs = 0;
    for block in 0..600 {
        if block % 10 == 0 {
            set_validator_weights(&mut chain);
        }
        epochs += chain.step_block().len();
        check(&chain).expect("conserved");
    }
    assert!(
        epochs >= 3 * 45,
        "every subnet runs an epoch every 12 blocks: {epochs}"
    );
    let out = chain.subnets[1].last_epoch.as_ref().expect("an epoch ran");
    assert_eq!(
        out.validator_permit[..3],
        [true; 3],
        "the staked validators hold permits"
    );
    assert!(out.incentive[3] > out.incentive[4] && out.incentive[4] > out.incentive[5]);
    assert!(
        chain.subnets[1].hotkey_stake(hotkey(1, 3)) > stake_before,
        "the top miner earns"
    );
}

/// The three validators of every subnet weight the miners 65535 / 30000 / 10000.
fn set_validator_weights(chain: &mut Chain) {
    for netuid in 1..=SUBNETS {
        for i in 0..3 {
            let values = [0, 0, 0, 65535, 30000, 10000];
            chain
                .set_weights(hotkey(netuid, i), netuid, &[0, 1, 2, 3, 4, 5], &values)
                .expect("valid weights");
        }
    }
}

/// The ledger of `Chain::asset_buckets` balances after a run of blocks, and a rao that appears
/// without being issued (or vanishes) breaks it (issue 12).
#[test]
fn the_ledger_balances_and_catches_a_stray_rao() {
    let mut chain = network(params(u64::MAX / 5), 12, alpha_reserve);
    for _ in 0..100 {
        chain.step_block();
    }
    let assets = chain.asset_buckets();
    assert_eq!(
        assets.len(),
        1 + usize::from(SUBNETS),
        "TAO and every alpha"
    );
    assert!(assets.iter().all(AssetBuckets::balances), "{assets:?}");
    assert!(assets.iter().all(|a| a.issued > 0));
    *chain.balances.get_mut(&1).expect("funded") += 1;
    let tao = &chain.asset_buckets()[0];
    assert_eq!(
        tao.held(),
        u128::from(tao.issued) + 1,
        "one rao too many is seen"
    );
    chain.subnets[2].pool.alpha_reserve -= 1;
    let alpha = &chain.asset_buckets()[2];
    assert_eq!(
        alpha.held() + 1,
        u128::from(alpha.issued),
        "one alpha rao missing is seen"
    );
}
