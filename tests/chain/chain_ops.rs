//! Operations the chain rejects return a typed error naming the reason and change nothing
//! (issue: chain-exact economy, "Bad input"). Each case compares the whole chain before and after.

use crate::chain_support::{TAO, assert_rejected};
use taosim::chain::registration::RegistrationError;
use taosim::chain::staking::StakingError;
use taosim::chain::state::{Chain, ChainParams, OpError, ROOT, Subnet};
use taosim::chain::swap::{SwapError, swap_fee};

/// One subnet with two neurons (hotkeys 10 and 11 of coldkeys 1 and 2), coldkey 1 funded.
fn chain() -> Chain {
    let mut chain = Chain::new(1, ChainParams::default());
    chain.fund(1, 1_000 * TAO);
    let netuid = chain.add_subnet(Subnet::new(100 * TAO, 100 * TAO, 360, 1));
    chain.genesis_neuron(netuid, 10, 1);
    chain.genesis_neuron(netuid, 11, 2);
    chain.genesis_stake(netuid, 10, 1, 50 * TAO);
    chain
}

#[test]
fn stake_below_the_minimum_is_rejected() {
    assert_rejected(
        chain(),
        |c| c.add_stake(1, 10, 1, 1_000_000).map(drop),
        OpError::StakeBelowMinimum,
    );
}

#[test]
fn stake_beyond_the_balance_is_rejected() {
    assert_rejected(
        chain(),
        |c| c.add_stake(1, 10, 1, 2_000 * TAO).map(drop),
        OpError::NotEnoughBalance,
    );
}

#[test]
fn stake_to_an_unknown_hotkey_is_rejected() {
    assert_rejected(
        chain(),
        |c| c.add_stake(1, 99, 1, 10 * TAO).map(drop),
        OpError::HotkeyNotFound,
    );
}

#[test]
fn removing_stake_one_does_not_have_is_rejected() {
    let expected = OpError::Staking(StakingError::NotEnoughStake);
    assert_rejected(
        chain(),
        |c| c.remove_stake(2, 10, 1, TAO).map(drop),
        expected,
    );
}

#[test]
fn a_swap_beyond_the_reserves_is_rejected() {
    let mut c = chain();
    c.fund(1, 1_000_000 * TAO);
    // 1000 × the 100-TAO pool is the most one swap may put in.
    assert_rejected(
        c,
        |c| c.add_stake(1, 10, 1, 100_001 * TAO).map(drop),
        OpError::AmountTooLarge,
    );
    let mut shallow = chain();
    shallow.subnets[1].pool.alpha_reserve = 10;
    let expected = OpError::Swap(SwapError::ReserveBelowMinimum);
    assert_rejected(
        shallow,
        |c| c.add_stake(1, 10, 1, 10 * TAO).map(drop),
        expected,
    );
}

#[test]
fn registering_into_a_full_subnet_of_immune_neurons_is_rejected() {
    let mut c = chain();
    c.subnets[1].max_allowed_uids = 2;
    c.subnets[1].min_non_immune_uids = 0;
    let expected = OpError::Registration(RegistrationError::NoNeuronToPrune);
    // Both neurons are the owner's and protected (limit 2): nothing can be pruned.
    c.subnets[1].owner = Some(1);
    c.subnets[1].owner_hotkey = Some(10);
    c.subnets[1].immune_owner_uids_limit = 2;
    c.hotkeys.get_mut(&11).expect("hotkey").owner = 1;
    assert_rejected(c, |c| c.burned_register(1, 20, 1).map(drop), expected);
}

#[test]
fn registering_twice_or_on_root_is_rejected() {
    assert_rejected(
        chain(),
        |c| c.burned_register(1, 10, 1).map(drop),
        OpError::AlreadyRegistered,
    );
    assert_rejected(
        chain(),
        |c| c.burned_register(1, 20, ROOT).map(drop),
        OpError::RegistrationClosed,
    );
}

#[test]
fn a_take_above_the_maximum_is_rejected() {
    let expected = OpError::Staking(StakingError::TakeTooHigh);
    assert_rejected(chain(), |c| c.set_take(1, 10, 20_000), expected);
    assert_rejected(chain(), |c| c.set_take(2, 10, 100), OpError::NotHotkeyOwner);
}

#[test]
fn invalid_weights_are_rejected() {
    assert_rejected(
        chain(),
        |c| c.set_weights(10, 1, &[0, 0], &[1, 2]),
        OpError::InvalidWeights,
    );
    assert_rejected(
        chain(),
        |c| c.set_weights(10, 1, &[5], &[1]),
        OpError::InvalidWeights,
    );
    assert_rejected(
        chain(),
        |c| c.set_weights(99, 1, &[0], &[1]),
        OpError::NotRegistered,
    );
}

/// Source: subtensor pallets/subtensor/src/staking/stake_utils.rs, `stake_into_subnet`
/// (`record_tao_inflow(netuid, swap_result.amount_paid_in)`; issue 16, item 6): `add_stake`
/// books as TAO inflow what entered the pool, the amount net of the swap fee.
#[test]
fn add_stake_books_the_amount_net_of_the_fee_as_inflow() {
    let mut c = chain();
    let reserve = c.subnets[1].pool.tao_reserve;
    let fee = swap_fee(10 * TAO, c.params.swap.fee_rate);
    assert!(fee > 0);
    c.add_stake(1, 11, 1, 10 * TAO).expect("stake");
    assert_eq!(c.subnets[1].tao_flow, (10 * TAO - fee) as i64);
    assert_eq!(c.subnets[1].pool.tao_reserve - reserve, 10 * TAO - fee);
}

#[test]
fn accepted_operations_move_the_money() {
    let mut c = chain();
    let alpha = c.add_stake(1, 11, 1, 10 * TAO).expect("stake");
    assert_eq!(c.subnets[1].stake_of(11, 1), alpha);
    assert_eq!(c.balance(1), 990 * TAO);
    let tao = c.remove_stake(1, 11, 1, alpha).expect("unstake");
    assert!(tao < 10 * TAO && tao > 9 * TAO, "fees and slippage: {tao}");
    let uid = c.burned_register(1, 20, 1).expect("register");
    assert_eq!(uid, 2);
    assert_eq!(
        c.subnets[1].burn, 1_260_000_000,
        "the burn rises by 1.26 after a registration"
    );
}
