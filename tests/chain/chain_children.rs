//! Child keys on the whole chain: the upstream drain vectors with parents and children, the
//! scheduling life cycle (pending, cooldown, epoch slot, subtoken, stake threshold), rejected
//! schedules and takes leaving the chain unchanged, and conservation of TAO and alpha to the
//! rao over random runs with random child relations.

use crate::chain_support;

use crate::chain_support::{
    NEURONS, SUBNETS, TAO, assert_rejected, conserved, hotkey, owner, set_cycled_weights,
};
use proptest::prelude::*;
use taosim::chain::coinbase::scheduler::PendingBuckets;
use taosim::chain::epoch::stake::total_stake;
use taosim::chain::fixed::{I64F64, I96F32};
use taosim::chain::staking::StakingError;
use taosim::chain::state::{AccountId, Chain, ChainParams, ChildKeyError, OpError, ROOT, Subnet};

// ---------------------------------------------------------------------------------------------
// Upstream drain vectors
// ---------------------------------------------------------------------------------------------

/// A chain at block 1 with one subnet (netuid 1) that receives no emission of its own (no
/// start call), so that a drain distributes exactly the buckets a test puts in, as upstream's
/// direct `drain_pending_emission` calls do. `TaoWeight = tao_weight`, no owner cut.
fn drain_chain(tao_weight: u64) -> Chain {
    let params = ChainParams {
        tao_weight,
        subnet_owner_cut: 0,
        ..ChainParams::default()
    };
    let mut chain = Chain::new(1, params);
    let mut subnet = Subnet::new(TAO, TAO, 360, 1);
    subnet.first_emission_block = None;
    chain.add_subnet(subnet);
    chain
}

/// `distribute_emission(1, server, validator, root = 0, owner = 0)` at the next block: the
/// buckets are minted into `SubnetAlphaOut` and the epoch is triggered for that block.
fn drain(chain: &mut Chain, server: u64, validator: u64) {
    let next = chain.block + 1;
    let s = &mut chain.subnets[1];
    s.clock.pending = PendingBuckets {
        server,
        validator,
        root: 0,
        owner_cut: 0,
    };
    s.clock.pending_epoch_at = next;
    s.alpha_out += server + validator;
    *chain.ledger.minted_alpha.entry(1).or_insert(0) += server + validator;
    assert_eq!(chain.step_block(), vec![1], "the epoch of subnet 1 ran");
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_get_root_children_drain
/// (τ = 1, CKBurn 0, takes 0; Alice and Bob each 1e9 root + 1e9 alpha, Bob Alice's 100% child).
#[test]
fn root_children_drain_shares_dividends_with_the_parent() {
    let (cold_alice, cold_bob, alice, bob) = (10, 11, 2, 3);
    let mut chain = drain_chain(u64::MAX);
    chain.genesis_neuron(1, alice, cold_alice);
    chain.genesis_neuron(1, bob, cold_bob);
    for (hotkey, coldkey) in [(alice, cold_alice), (bob, cold_bob)] {
        chain.genesis_stake(ROOT, hotkey, coldkey, TAO);
        chain.genesis_stake(1, hotkey, coldkey, TAO);
        chain
            .set_take(coldkey, hotkey, 0)
            .expect("take 0 is within bounds");
    }
    chain
        .genesis_children(1, alice, &[(u64::MAX, bob)])
        .expect("valid children");

    assert_eq!(chain.get_inherited_for_hotkey_on_subnet(alice, 1), 0);
    assert_eq!(chain.get_inherited_for_hotkey_on_subnet(bob, 1), 2 * TAO);
    assert_eq!(chain.get_inherited_for_hotkey_on_subnet(alice, ROOT), TAO);
    let (alpha, root): (Vec<u64>, Vec<u64>) = [alice, bob]
        .iter()
        .map(|h| {
            (
                chain.get_inherited_for_hotkey_on_subnet(*h, 1),
                chain.get_tao_inherited_for_hotkey_on_subnet(*h, 1),
            )
        })
        .unzip();
    let weights = total_stake(&alpha, &root, 2, u64::MAX);
    assert_eq!(
        weights,
        vec![I64F64::from_num(0), I64F64::from_num(4 * TAO)]
    );

    drain(&mut chain, TAO / 2, TAO / 2);
    assert_eq!(chain.subnets[1].hotkey_stake(alice), TAO + TAO / 2);
    assert_eq!(chain.subnets[1].hotkey_stake(bob), TAO + TAO / 2);
    let out = chain.subnets[1].last_epoch.as_ref().expect("epoch ran");
    assert_eq!(
        out.stake_weight,
        vec![0, 65_535],
        "Alice lends all her weight"
    );

    // Bob is greedy: ChildkeyTake(bob) = u16::MAX, written to storage as upstream does.
    chain.subnets[1].child_keys.take.insert(bob, u16::MAX);
    let (alice_before, bob_before) = (
        chain.subnets[1].hotkey_stake(alice),
        chain.subnets[1].hotkey_stake(bob),
    );
    drain(&mut chain, TAO / 2, TAO / 2);
    // AlphaDividendsPerSubnet: Alice 0, Bob 1e9 (±1 upstream; exact here). With hotkey take 0
    // it is the growth of each hotkey's stake.
    assert_eq!(chain.subnets[1].hotkey_stake(alice) - alice_before, 0);
    assert_eq!(chain.subnets[1].hotkey_stake(bob) - bob_before, TAO);
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_drain_alpha_childkey_parentkey
/// (the child/parent drain case of the vectors: parent 1e9 alpha and unregistered, its 100%
/// child registered without stake, childkey take u16::MAX / 10, CKBurn 0, τ = 0).
#[test]
fn childkey_take_goes_to_the_child_and_the_rest_to_the_parent() {
    let (parent, child, coldkey) = (1, 2, 3);
    let mut chain = drain_chain(0);
    chain.genesis_neuron(1, child, coldkey);
    chain.genesis_stake(1, parent, coldkey, TAO);
    chain
        .genesis_children(1, parent, &[(u64::MAX, child)])
        .expect("valid children");
    chain
        .set_childkey_take(coldkey, child, 1, u16::MAX / 10)
        .expect("6553 is below MaxChildkeyTake");

    drain(&mut chain, TAO / 2, TAO / 2);
    let parent_after = chain.subnets[1].hotkey_stake(parent);
    let child_after = chain.subnets[1].hotkey_stake(child);
    let expected_parent = (I96F32::from_num(TAO)
        + I96F32::from_num(TAO) * I96F32::from_num(9.0 / 10.0))
    .to_num::<u64>();
    let expected_child = (I96F32::from_num(TAO) / I96F32::from_num(10)).to_num::<u64>();
    assert!(
        parent_after.abs_diff(expected_parent) <= 10_000,
        "{parent_after}"
    );
    assert!(
        child_after.abs_diff(expected_child) <= 10_000,
        "{child_after}"
    );
    // [derived, U96F32 by hand] The child's dividend is the whole 1e9 (it is the only
    // neuron). Its childkey take, 1e9 × ⌊6553/65535⌋₃₂, floors to 99_992_370; the parent gets
    // ⌊1e9 − take⌋ = 900_007_629. Both are re-normalised to the 1e9 bucket (unchanged up to
    // fractions) and the child's payout is split by its delegate take (default 11_796), the
    // two parts floored separately: one rao less.
    assert_eq!(child_after, 99_992_369);
    assert_eq!(parent_after, TAO + 900_007_629);
}

// ---------------------------------------------------------------------------------------------
// Scheduling
// ---------------------------------------------------------------------------------------------

/// Subnet 1 (tempo 10, token enabled) with hotkeys 10, 11, 12 of coldkeys 1, 2, 1; 10 and 11
/// registered and staked 50 TAO each; subnet owner 1 with owner hotkey 12. Cooldown 20.
fn chain() -> Chain {
    let params = ChainParams {
        pending_childkey_cooldown: 20,
        ..ChainParams::default()
    };
    let mut chain = Chain::new(1, params);
    chain.fund(1, 1_000 * TAO);
    let mut subnet = Subnet::new(100 * TAO, 100 * TAO, 10, 1);
    subnet.owner = Some(1);
    subnet.owner_hotkey = Some(12);
    let netuid = chain.add_subnet(subnet);
    chain.genesis_neuron(netuid, 10, 1);
    chain.genesis_neuron(netuid, 11, 2);
    chain.genesis_stake(netuid, 10, 1, 50 * TAO);
    chain.genesis_stake(netuid, 11, 2, 50 * TAO);
    chain.create_hotkey(12, 1);
    chain
}

fn children_error(e: ChildKeyError) -> OpError {
    OpError::Children(e)
}

#[test]
fn set_children_rejections_change_nothing() {
    let half = u64::MAX / 2;
    assert_rejected(
        chain(),
        |c| c.set_children(1, 10, ROOT, &[(half, 11)]),
        children_error(ChildKeyError::RootSubnet),
    );
    assert_rejected(
        chain(),
        |c| c.set_children(1, 10, 7, &[(half, 11)]),
        OpError::SubnetNotFound,
    );
    assert_rejected(
        chain(),
        |c| c.set_children(1, 99, 1, &[(half, 11)]),
        OpError::HotkeyNotFound,
    );
    assert_rejected(
        chain(),
        |c| c.set_children(2, 10, 1, &[(half, 11)]),
        OpError::NotHotkeyOwner,
    );
    let six: Vec<(u64, AccountId)> = (20..26).map(|h| (1, h)).collect();
    assert_rejected(
        chain(),
        |c| c.set_children(1, 10, 1, &six),
        children_error(ChildKeyError::TooManyChildren),
    );
    assert_rejected(
        chain(),
        |c| c.set_children(1, 10, 1, &[(half, 10)]),
        children_error(ChildKeyError::InvalidChild),
    );
    assert_rejected(
        chain(),
        |c| c.set_children(1, 10, 1, &[(u64::MAX, 11), (1, 20)]),
        children_error(ChildKeyError::ProportionOverflow),
    );
    assert_rejected(
        chain(),
        |c| c.set_children(1, 10, 1, &[(1, 11), (1, 11)]),
        children_error(ChildKeyError::DuplicateChild),
    );
}

#[test]
fn set_children_below_the_stake_threshold_or_against_a_parent_is_rejected() {
    let mut poor = chain();
    poor.params.stake_threshold = 50 * TAO + 1;
    assert_rejected(
        poor,
        |c| c.set_children(1, 10, 1, &[(1, 11)]),
        children_error(ChildKeyError::NotEnoughStakeToSetChildkeys),
    );
    let mut linked = chain();
    linked
        .genesis_children(1, 11, &[(1, 10)])
        .expect("11 is 10's parent");
    assert_rejected(
        linked,
        |c| c.set_children(1, 10, 1, &[(1, 11)]),
        children_error(ChildKeyError::ChildParentInconsistency),
    );
}

#[test]
fn set_childkey_take_rejections_change_nothing() {
    let invalid = OpError::Staking(StakingError::InvalidChildkeyTake);
    assert_rejected(chain(), |c| c.set_childkey_take(1, 10, 1, 11_797), invalid);
    let mut floor = chain();
    floor.subnets[1].child_keys.min_take = 100;
    assert_rejected(floor, |c| c.set_childkey_take(1, 10, 1, 99), invalid);
    assert_rejected(
        chain(),
        |c| c.set_childkey_take(2, 10, 1, 100),
        OpError::NotHotkeyOwner,
    );
    assert_rejected(
        chain(),
        |c| c.set_childkey_take(1, 99, 1, 100),
        OpError::HotkeyNotFound,
    );
    assert_rejected(
        chain(),
        |c| c.set_childkey_take(1, 10, 9, 100),
        OpError::SubnetNotFound,
    );
    let mut c = chain();
    c.set_childkey_take(1, 10, 1, 11_796).expect("the maximum");
    assert_eq!(c.subnets[1].child_keys.stored_take(10), 11_796);
}

/// Steps until `chain.block == block`.
fn step_to(chain: &mut Chain, block: u64) {
    while chain.block < block {
        chain.step_block();
    }
}

#[test]
fn children_wait_for_the_cooldown_and_then_for_an_epoch_slot() {
    let mut c = chain();
    c.set_children(1, 10, 1, &[(u64::MAX / 2, 11)])
        .expect("scheduled");
    let pending = &c.subnets[1].child_keys.pending[&10];
    assert_eq!(pending.cooldown_block, 21, "block 1 + cooldown 20");
    // Epoch slots of subnet 1 (tempo 10, LastEpochBlock 0): blocks 10, 20, 30.
    step_to(&mut c, 29);
    assert!(c.subnets[1].child_keys.children.is_empty(), "not yet");
    assert_eq!(c.subnets[1].clock.last_epoch_block, 20);
    step_to(&mut c, 30);
    assert_eq!(
        c.subnets[1].child_keys.children_of(10),
        &[(u64::MAX / 2, 11)]
    );
    assert_eq!(
        c.subnets[1].child_keys.parents_of(11),
        &[(u64::MAX / 2, 10)]
    );
    assert!(c.subnets[1].child_keys.pending.is_empty());
}

#[test]
fn a_deferred_epoch_does_not_consume_the_slot() {
    let mut c = chain();
    c.params.pending_childkey_cooldown = 0;
    c.params.max_epochs_per_block = 0;
    c.set_children(1, 10, 1, &[(1, 11)]).expect("scheduled");
    step_to(&mut c, 25);
    assert!(c.subnets[1].child_keys.children.is_empty());
    c.params.max_epochs_per_block = 2;
    c.step_block();
    assert_eq!(
        c.subnets[1].clock.last_epoch_block, 26,
        "the deferred epoch"
    );
    assert_eq!(c.subnets[1].child_keys.children_of(10), &[(1, 11)]);
}

#[test]
fn children_apply_at_once_before_the_subnet_token_is_enabled() {
    let mut c = chain();
    c.subnets[1].subtoken_enabled = false;
    c.set_children(1, 10, 1, &[(7, 11)]).expect("set");
    assert_eq!(c.subnets[1].child_keys.children_of(10), &[(7, 11)]);
    assert!(c.subnets[1].child_keys.pending.is_empty());
}

/// Source: subtensor pallets/subtensor/src/staking/set_children.rs, `do_schedule_children` and
/// `do_set_pending_children` (issue 16, item 5): on a subnet whose token is not enabled, a
/// schedule applies the subnet's other pending schedules too, whatever their cooldown.
#[test]
fn without_the_subnet_token_a_schedule_applies_every_pending_one() {
    let mut c = chain();
    c.set_children(1, 10, 1, &[(7, 11)]).expect("scheduled");
    assert_eq!(c.subnets[1].child_keys.pending[&10].cooldown_block, 21);
    c.subnets[1].subtoken_enabled = false;
    c.set_children(1, 12, 1, &[(5, 13)]).expect("set");
    assert_eq!(c.subnets[1].child_keys.children_of(10), &[(7, 11)]);
    assert_eq!(c.subnets[1].child_keys.children_of(12), &[(5, 13)]);
    assert!(c.subnets[1].child_keys.pending.is_empty());
}

#[test]
fn the_owner_hotkey_and_revocations_skip_the_stake_threshold() {
    let mut c = chain();
    c.params.stake_threshold = u64::MAX;
    c.set_children(1, 12, 1, &[(1, 10)])
        .expect("the owner hotkey is exempt");
    c.set_children(1, 10, 1, &[])
        .expect("a revocation is exempt");
    assert_eq!(c.subnets[1].child_keys.pending.len(), 2);
}

#[test]
fn removing_stake_below_the_threshold_drops_pending_children() {
    let mut c = chain();
    c.params.stake_threshold = 10 * TAO;
    c.set_children(1, 10, 1, &[(1, 11)]).expect("scheduled");
    c.remove_stake(1, 10, 1, 30 * TAO).expect("unstake");
    assert!(c.get_total_stake_for_hotkey(10) >= 10 * TAO);
    assert_eq!(
        c.subnets[1].child_keys.pending.len(),
        1,
        "still above the threshold"
    );
    c.remove_stake(1, 10, 1, 15 * TAO).expect("unstake");
    assert!(c.get_total_stake_for_hotkey(10) < 10 * TAO);
    assert!(c.subnets[1].child_keys.pending.is_empty());
}

#[test]
fn a_schedule_that_became_inconsistent_is_dropped() {
    let mut c = chain();
    c.set_children(1, 10, 1, &[(1, 11)]).expect("scheduled");
    c.genesis_children(1, 11, &[(1, 10)])
        .expect("11 takes 10 as its child meanwhile");
    step_to(&mut c, 30);
    assert!(c.subnets[1].child_keys.pending.is_empty());
    assert_eq!(c.subnets[1].child_keys.children_of(10), &[]);
    assert_eq!(c.subnets[1].child_keys.children_of(11), &[(1, 10)]);
}

#[test]
fn total_stake_values_alpha_at_the_spot_price_and_root_at_one() {
    let mut c = chain();
    c.genesis_stake(ROOT, 10, 1, 3 * TAO);
    c.subnets[1].pool.tao_reserve = 200 * TAO; // price 2 with equal pool weights
    assert_eq!(c.get_total_stake_for_hotkey(10), 3 * TAO + 100 * TAO);
}

// ---------------------------------------------------------------------------------------------
// Conservation with random child relations
// ---------------------------------------------------------------------------------------------

/// Chain-wide settings of a random run.
#[derive(Clone, Debug)]
struct Settings {
    tempo: u16,
    tao_weight: u64,
    ck_burn: u64,
    stake_threshold: u64,
    cooldown: u64,
}

/// Three subnets of six neurons, the first three staked on the subnet and on root.
fn network(settings: &Settings) -> Chain {
    let params = ChainParams {
        tao_weight: settings.tao_weight,
        ck_burn: settings.ck_burn,
        stake_threshold: settings.stake_threshold,
        pending_childkey_cooldown: settings.cooldown,
        ..ChainParams::default()
    };
    chain_support::network(params, settings.tempo, |_| 1_000 * TAO)
}

/// A child of a random relation: a proportion and a neuron of the parent's subnet (`None`) or
/// of any subnet (so children need not be registered where the relation is).
type Child = (u64, Option<u16>, u32);

#[derive(Clone, Debug)]
enum Op {
    SetChildren {
        coldkey_is_owner: bool,
        neuron: u32,
        netuid: u16,
        children: Vec<Child>,
    },
    GenesisChildren {
        neuron: u32,
        netuid: u16,
        children: Vec<Child>,
    },
    SetChildkeyTake {
        neuron: u32,
        netuid: u16,
        take: u16,
    },
    /// Any stored take, even above `MaxChildkeyTake` (as a lowered maximum would leave it).
    StoreChildkeyTake {
        neuron: u32,
        netuid: u16,
        take: u16,
    },
    AddStake {
        neuron: u32,
        netuid: u16,
        tao: u64,
    },
    RemoveStake {
        neuron: u32,
        netuid: u16,
        fraction: u8,
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

fn proportion() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(u64::MAX),
        Just(u64::MAX / 2),
        Just(u64::MAX / 3),
        Just(0),
        0..u64::MAX / 4,
    ]
}

fn children() -> impl Strategy<Value = Vec<Child>> {
    let subnet = prop_oneof![3 => Just(None), 1 => (1..=SUBNETS).prop_map(Some)];
    prop::collection::vec((proportion(), subnet, 0..NEURONS), 0..=3)
}

fn op() -> impl Strategy<Value = Op> {
    let neuron = 0..NEURONS;
    let netuid = 1..=SUBNETS;
    prop_oneof![
        3 => (any::<bool>(), neuron.clone(), netuid.clone(), children()).prop_map(
            |(coldkey_is_owner, neuron, netuid, children)| Op::SetChildren {
                coldkey_is_owner,
                neuron,
                netuid,
                children
            }
        ),
        2 => (neuron.clone(), netuid.clone(), children()).prop_map(|(neuron, netuid, children)| {
            Op::GenesisChildren {
                neuron,
                netuid,
                children,
            }
        }),
        1 => (neuron.clone(), netuid.clone(), any::<u16>())
            .prop_map(|(neuron, netuid, take)| Op::SetChildkeyTake { neuron, netuid, take }),
        1 => (neuron.clone(), netuid.clone(), any::<u16>())
            .prop_map(|(neuron, netuid, take)| Op::StoreChildkeyTake { neuron, netuid, take }),
        1 => (neuron.clone(), 0..=SUBNETS, 0..500 * TAO)
            .prop_map(|(neuron, netuid, tao)| Op::AddStake { neuron, netuid, tao }),
        1 => (neuron.clone(), 0..=SUBNETS, 1..=4u8).prop_map(|(neuron, netuid, fraction)| {
            Op::RemoveStake {
                neuron,
                netuid,
                fraction,
            }
        }),
        2 => (neuron, netuid, prop::collection::vec(any::<u16>(), NEURONS as usize))
            .prop_map(|(neuron, netuid, values)| Op::SetWeights { neuron, netuid, values }),
        4 => (1..30u8).prop_map(|blocks| Op::Step { blocks }),
    ]
}

fn child_list(netuid: u16, children: &[Child]) -> Vec<(u64, AccountId)> {
    children
        .iter()
        .map(|(p, subnet, i)| (*p, hotkey(subnet.unwrap_or(netuid), *i)))
        .collect()
}

/// Applies an operation that may be rejected; a rejection must change nothing.
fn try_op(
    chain: &mut Chain,
    op: impl FnOnce(&mut Chain) -> Result<(), OpError>,
) -> Result<(), TestCaseError> {
    let before = chain.clone();
    if let Err(e) = op(chain) {
        prop_assert!(*chain == before, "rejected ({}) but changed the chain", e);
    }
    Ok(())
}

fn apply(chain: &mut Chain, op: &Op) -> Result<(), TestCaseError> {
    match op {
        Op::SetChildren {
            coldkey_is_owner,
            neuron,
            netuid,
            children,
        } => {
            let coldkey = if *coldkey_is_owner {
                owner(*neuron)
            } else {
                owner(*neuron + 1)
            };
            let parent = hotkey(*netuid, *neuron);
            let list = child_list(*netuid, children);
            try_op(chain, |c| c.set_children(coldkey, parent, *netuid, &list))?;
        }
        Op::GenesisChildren {
            neuron,
            netuid,
            children,
        } => {
            let list = child_list(*netuid, children);
            let parent = hotkey(*netuid, *neuron);
            try_op(chain, |c| c.genesis_children(*netuid, parent, &list))?;
        }
        Op::SetChildkeyTake {
            neuron,
            netuid,
            take,
        } => {
            let h = hotkey(*netuid, *neuron);
            try_op(chain, |c| {
                c.set_childkey_take(owner(*neuron), h, *netuid, *take)
            })?;
        }
        Op::StoreChildkeyTake {
            neuron,
            netuid,
            take,
        } => {
            let h = hotkey(*netuid, *neuron);
            chain.subnets[usize::from(*netuid)]
                .child_keys
                .take
                .insert(h, *take);
        }
        Op::AddStake {
            neuron,
            netuid,
            tao,
        } => {
            let h = hotkey((*netuid).max(1), *neuron);
            try_op(chain, |c| {
                c.add_stake(owner(*neuron), h, *netuid, *tao).map(drop)
            })?;
        }
        Op::RemoveStake {
            neuron,
            netuid,
            fraction,
        } => {
            let h = hotkey((*netuid).max(1), *neuron);
            let held = chain.subnets[usize::from(*netuid)].stake_of(h, owner(*neuron));
            let amount = held / u64::from(*fraction);
            try_op(chain, |c| {
                c.remove_stake(owner(*neuron), h, *netuid, amount).map(drop)
            })?;
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

/// The conservation identities of `tests/chain_conservation.rs`, to the rao, plus the
/// child/parent mirror.
fn check(chain: &Chain) -> Result<(), TestCaseError> {
    conserved(chain).map_err(TestCaseError::fail)?;
    for netuid in 1..chain.subnets.len() as u16 {
        let keys = &chain.subnets[usize::from(netuid)].child_keys;
        for (parent, children) in &keys.children {
            for (p, child) in children {
                prop_assert!(keys.parents_of(*child).contains(&(*p, *parent)));
            }
        }
        let links: usize = keys.parents.values().map(Vec::len).sum();
        let mirrored: usize = keys.children.values().map(Vec::len).sum();
        prop_assert_eq!(links, mirrored);
    }
    Ok(())
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        prop_oneof![Just(5u16), Just(12)],
        prop_oneof![Just(0u64), Just(u64::MAX / 5), Just(u64::MAX)],
        prop_oneof![Just(0u64), Just(u64::MAX / 10), Just(u64::MAX)],
        prop_oneof![Just(0u64), Just(150 * TAO)],
        0..30u64,
    )
        .prop_map(
            |(tempo, tao_weight, ck_burn, stake_threshold, cooldown)| Settings {
                tempo,
                tao_weight,
                ck_burn,
                stake_threshold,
                cooldown,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn tao_and_alpha_are_conserved_with_child_keys(
        settings in settings(),
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let mut chain = network(&settings);
        check(&chain)?;
        for op in &ops {
            apply(&mut chain, op)?;
            check(&chain)?;
        }
    }
}

/// Runs 60 blocks of the random-run network with an unregistered parent lending all its
/// weight on subnet 1 to validator neuron 1 (another owner); returns the parent's stake gain
/// and the alpha recycled on subnet 1.
fn lend_to_a_validator(ck_burn: u64) -> (u64, u64) {
    let settings = Settings {
        tempo: 12,
        tao_weight: u64::MAX / 5,
        ck_burn,
        stake_threshold: 0,
        cooldown: 0,
    };
    let mut chain = network(&settings);
    let parent = hotkey(2, 0);
    chain.genesis_stake(1, parent, owner(0), 300 * TAO);
    chain
        .genesis_children(1, parent, &[(u64::MAX, hotkey(1, 1))])
        .expect("valid");
    let before = chain.subnets[1].hotkey_stake(parent);
    for block in 0..60 {
        if block % 10 == 0 {
            for i in 0..3 {
                let values = [0, 0, 0, 65535, 30000, 10000];
                let uids = [0, 1, 2, 3, 4, 5];
                let _ = chain.set_weights(hotkey(1, i), 1, &uids, &values);
            }
        }
        chain.step_block();
        check(&chain).expect("conserved");
    }
    let gain = chain.subnets[1].hotkey_stake(parent) - before;
    (
        gain,
        chain.ledger.recycled_alpha.get(&1).copied().unwrap_or(0),
    )
}

#[test]
fn parents_earn_through_their_children_and_ck_burn_is_recycled() {
    let (gain, recycled) = lend_to_a_validator(0);
    let (burned_gain, burned_recycled) = lend_to_a_validator(u64::MAX / 10);
    assert!(gain > 0, "the parent earns dividends without a uid");
    assert!(burned_gain < gain, "CKBurn comes out of the parent's share");
    assert!(burned_recycled > recycled, "and is recycled");
}
