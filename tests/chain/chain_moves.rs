//! Stake moves, transfers and swaps, small-nomination clearing and root claims on the whole
//! [`Chain`] (spec §10.4, §10.6, §11, §1 step 8).
//!
//! Our material has no upstream vectors for these operations: the tests are spec checks whose
//! expected numbers come from the pool's own swap on a copy of the pool (the pool itself is
//! held against upstream vectors in `conformance_swap.rs`) and from the claim ledger's owed
//! amounts (`conformance_root_claim.rs`). Every rejection must leave the chain as it was, and a
//! property test runs random operations and blocks checking that TAO and alpha are conserved to
//! the rao after each of them.

use crate::chain_support;

use crate::chain_support::{COLDKEYS, NEURONS, SUBNETS, TAO, assert_rejected, hotkey};
use proptest::prelude::*;
use taosim::chain::root_claim::{ClaimAction, RootClaimType};
use taosim::chain::staking::StakingError;
use taosim::chain::state::{
    AccountId, Chain, ChainParams, OpError, ROOT, Subnet, parent_hash_stand_in, same_subnet_value,
};
use taosim::chain::swap::{Order, SwapError};

// ---------------------------------------------------------------------------------------------
// Networks
// ---------------------------------------------------------------------------------------------

/// Two subnets of 100 TAO / 100 and 200 alpha; hotkeys 10 (coldkey 1) and 11 (coldkey 2) on
/// subnet 1, 20 (coldkey 1) on subnet 2; coldkey 1 holds 50 alpha on 10 and 100 TAO of root
/// stake on 10; coldkeys 1 and 3 are funded.
fn small_chain() -> Chain {
    let mut chain = Chain::new(1, ChainParams::default());
    chain.fund(1, 1_000 * TAO);
    chain.fund(3, 1_000 * TAO);
    chain.add_subnet(Subnet::new(100 * TAO, 100 * TAO, 360, 1));
    chain.add_subnet(Subnet::new(100 * TAO, 200 * TAO, 360, 1));
    chain.genesis_neuron(1, 10, 1);
    chain.genesis_neuron(1, 11, 2);
    chain.genesis_neuron(2, 20, 1);
    chain.genesis_stake(1, 10, 1, 50 * TAO);
    chain.genesis_stake(ROOT, 10, 1, 100 * TAO);
    chain
}

/// The network of `chain_conservation.rs`: three subnets of six neurons, three staked
/// validators each with root stake, funded coldkeys.
fn network(tempo: u16, tao_weight: u64, auto_claim: bool) -> Chain {
    let params = ChainParams {
        tao_weight,
        auto_claim_root_divs: auto_claim,
        ..ChainParams::default()
    };
    chain_support::network(params, tempo, |netuid| 1_000 * TAO / u64::from(netuid))
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

/// A network whose epochs have credited root dividends (auto-claim off).
fn network_with_root_dividends() -> Chain {
    let mut chain = network(5, u64::MAX / 5, false);
    set_validator_weights(&mut chain);
    for _ in 0..12 {
        chain.step_block();
    }
    assert!(
        chain.ledger.owed_root_alpha.values().all(|owed| *owed > 0),
        "every subnet credited root dividends"
    );
    chain
}

// ---------------------------------------------------------------------------------------------
// Conservation and rejection
// ---------------------------------------------------------------------------------------------

/// The conservation identities, to the rao: TAO issuance is held; on every subnet alpha
/// issuance is minted − recycled and `SubnetAlphaOut` is held; root's pool holds exactly its
/// stakes.
fn conserved(chain: &Chain) -> Result<(), String> {
    chain_support::conserved(chain)?;
    let root = &chain.subnets[usize::from(ROOT)];
    let staked: u64 = root.stakes.values().map(|p| p.shared_value()).sum();
    if root.pool.tao_reserve != staked || root.alpha_out != staked {
        return Err(format!(
            "root: pool {}, out {}, staked {staked}",
            root.pool.tao_reserve, root.alpha_out
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Moves within one subnet
// ---------------------------------------------------------------------------------------------

/// Spec check (§11): a move within one subnet changes only the two stakes — no swap, no fee —
/// and returns the alpha's spot value.
#[test]
fn a_move_within_a_subnet_moves_alpha_without_a_swap() {
    let mut chain = small_chain();
    let before = chain.clone();
    let value = chain.move_stake(1, 10, 11, 1, 1, 20 * TAO).expect("a move");
    assert_eq!(value, 20 * TAO, "price 1: the spot value is the alpha");
    let s = &chain.subnets[1];
    assert_eq!(s.stake_of(10, 1), 30 * TAO);
    assert_eq!(s.stake_of(11, 1), 20 * TAO);
    assert_eq!(s.pool, before.subnets[1].pool, "no swap");
    assert_eq!(s.alpha_out, before.subnets[1].alpha_out);
    assert_eq!(chain.balances, before.balances, "no fee");
    assert_eq!(chain.ledger, before.ledger);
    assert_eq!(chain.staking_index.staking_hotkeys(1), [10, 20, 11]);
    conserved(&chain).expect("conserved");
}

/// Spec check (§11): a transfer within one subnet hands the stake to another coldkey on the
/// same hotkey; the amount is capped at the stake held.
#[test]
fn a_transfer_within_a_subnet_changes_only_the_coldkey() {
    let mut chain = small_chain();
    let value = chain
        .transfer_stake(1, 3, 10, 1, 1, 80 * TAO)
        .expect("a transfer");
    assert_eq!(value, 50 * TAO, "capped at the 50 alpha held");
    let s = &chain.subnets[1];
    assert_eq!((s.stake_of(10, 1), s.stake_of(10, 3)), (0, 50 * TAO));
    assert_eq!(s.hotkey_stake(10), 50 * TAO);
    assert_eq!(chain.staking_index.index_of(3), Some(1), "3 staked second");
    conserved(&chain).expect("conserved");
}

/// Spec check (§10.4, §11): root stake that changes hands carries no root dividends credited
/// before: the recipient is owed less than a rao.
#[test]
fn transferred_root_stake_carries_no_owed_dividends() {
    let mut chain = network_with_root_dividends();
    let (a, c) = (hotkey(1, 2), 3);
    let root_stake = chain.subnets[0].stake_of(a, c);
    assert!(chain.root_claims.owed(a, c, 1, root_stake) > 1_000_000);
    chain
        .transfer_stake(c, 4, a, ROOT, ROOT, root_stake / 2)
        .expect("a transfer");
    let received = chain.subnets[0].stake_of(a, 4);
    assert_eq!(received, root_stake / 2);
    assert_eq!(chain.root_claims.owed(a, 4, 1, received), 0);
    conserved(&chain).expect("conserved");
}

// ---------------------------------------------------------------------------------------------
// Moves across subnets
// ---------------------------------------------------------------------------------------------

/// Spec check (§11): a move across subnets sells on the origin with the swap fee (its alpha
/// stays counted in `SubnetAlphaOut`, burned) and buys on the destination without one; the
/// TAO flows record both legs.
#[test]
fn a_move_across_subnets_pays_one_fee_on_the_sell() {
    let mut chain = small_chain();
    let swap = chain.params.swap;
    let (mut origin, mut destination) = (chain.subnets[1].pool, chain.subnets[2].pool);
    let sale = origin
        .swap(Order::Sell, 20 * TAO, 0, false, swap)
        .expect("sale");
    let tao = sale.quote.paid_out;
    let buy = destination
        .swap(Order::Buy, tao, u64::MAX, true, swap)
        .expect("purchase");
    let before = chain.clone();
    assert_eq!(chain.move_stake(1, 10, 20, 1, 2, 20 * TAO), Ok(tao));
    assert!(sale.quote.fee > 0 && buy.quote.fee == 0);
    assert_eq!(chain.subnets[1].pool, origin);
    assert_eq!(chain.subnets[2].pool, destination);
    assert_eq!(chain.subnets[1].stake_of(10, 1), 30 * TAO);
    assert_eq!(chain.subnets[2].stake_of(20, 1), buy.quote.paid_out);
    assert_eq!(chain.ledger.unassigned_alpha.get(&1), Some(&sale.quote.fee));
    assert_eq!(chain.ledger.burned_tao, 0);
    assert_eq!(chain.balances, before.balances);
    assert_eq!(chain.subnets[1].tao_flow, -(tao as i64));
    assert_eq!(chain.subnets[2].tao_flow, tao as i64);
    conserved(&chain).expect("conserved");
}

/// Spec check (§11): off root the sale is 1:1 and fee-free, and the purchase pays the fee
/// (burned TAO: there is no block author); root claims are adjusted for the removed stake.
#[test]
fn a_move_off_root_pays_the_fee_on_the_buy() {
    let mut chain = small_chain();
    let mut destination = chain.subnets[1].pool;
    let buy = destination
        .swap(Order::Buy, 10 * TAO, u64::MAX, false, chain.params.swap)
        .expect("purchase");
    assert_eq!(chain.swap_stake(1, 10, ROOT, 1, 10 * TAO), Ok(10 * TAO));
    assert_eq!(chain.subnets[0].stake_of(10, 1), 90 * TAO);
    assert_eq!(chain.subnets[0].pool.tao_reserve, 90 * TAO);
    assert_eq!(chain.subnets[1].pool, destination);
    assert_eq!(
        chain.subnets[1].stake_of(10, 1),
        50 * TAO + buy.quote.paid_out
    );
    assert_eq!(chain.ledger.burned_tao, buy.quote.fee);
    assert!(buy.quote.fee > 0);
    conserved(&chain).expect("conserved");
}

/// Spec check (§10.4, §11): onto root the purchase is 1:1 and the new root stake gets the
/// add-stake adjustment, so it claims nothing credited before.
#[test]
fn a_move_onto_root_stakes_the_sale_one_to_one() {
    let mut chain = network_with_root_dividends();
    let (a, c) = (hotkey(2, 1), 2);
    let root_before = chain.subnets[0].stake_of(a, c);
    let owed_before = chain.root_claims.owed(a, c, 2, root_before);
    let mut origin = chain.subnets[2].pool;
    let sale = origin
        .swap(Order::Sell, 10 * TAO, 0, false, chain.params.swap)
        .expect("sale");
    let tao = chain.swap_stake(c, a, 2, ROOT, 10 * TAO).expect("a swap");
    assert_eq!(tao, sale.quote.paid_out);
    let root_after = chain.subnets[0].stake_of(a, c);
    assert_eq!(root_after, root_before + tao);
    let owed_after = chain.root_claims.owed(a, c, 2, root_after);
    assert!(
        owed_after.abs_diff(owed_before) <= 1,
        "owed {owed_before} → {owed_after}"
    );
    conserved(&chain).expect("conserved");
}

// ---------------------------------------------------------------------------------------------
// Rejections
// ---------------------------------------------------------------------------------------------

#[test]
fn a_move_to_the_same_stake_is_rejected() {
    let expected = OpError::SameNetuid;
    assert_rejected(
        small_chain(),
        |c| c.move_stake(1, 10, 10, 1, 1, TAO),
        expected,
    );
    assert_rejected(small_chain(), |c| c.swap_stake(1, 10, 1, 1, TAO), expected);
    assert_rejected(
        small_chain(),
        |c| c.transfer_stake(1, 1, 10, 1, 1, TAO),
        expected,
    );
}

#[test]
fn a_move_to_or_from_an_unknown_subnet_or_hotkey_is_rejected() {
    let not_found = OpError::SubnetNotFound;
    assert_rejected(small_chain(), |c| c.swap_stake(1, 10, 1, 9, TAO), not_found);
    assert_rejected(small_chain(), |c| c.swap_stake(1, 10, 9, 1, TAO), not_found);
    let unknown = OpError::HotkeyNotFound;
    assert_rejected(
        small_chain(),
        |c| c.move_stake(1, 10, 99, 1, 1, TAO),
        unknown,
    );
    assert_rejected(
        small_chain(),
        |c| c.move_stake(1, 99, 10, 1, 2, TAO),
        unknown,
    );
}

#[test]
fn moving_stake_one_does_not_have_is_rejected() {
    let expected = OpError::Staking(StakingError::NotEnoughStake);
    assert_rejected(
        small_chain(),
        |c| c.move_stake(2, 10, 11, 1, 1, TAO),
        expected,
    );
    assert_rejected(small_chain(), |c| c.swap_stake(1, 10, 2, 1, TAO), expected);
}

#[test]
fn a_move_on_a_subnet_without_its_token_is_rejected() {
    let mut chain = small_chain();
    chain.subnets[2].subtoken_enabled = false;
    let expected = OpError::SubtokenDisabled;
    assert_rejected(chain, |c| c.swap_stake(1, 10, 1, 2, TAO), expected);
}

/// Spec check (§11): the moved alpha must be worth `DefaultMinStake` (2_000_000 rao): by spot
/// value within a subnet, by the sale's output across subnets (more than the minimum).
#[test]
fn a_move_below_the_minimum_stake_is_rejected() {
    let expected = OpError::StakeBelowMinimum;
    assert_rejected(
        small_chain(),
        |c| c.move_stake(1, 10, 11, 1, 1, 1_999_999),
        expected,
    );
    let mut chain = small_chain();
    chain
        .move_stake(1, 10, 11, 1, 1, 2_000_000)
        .expect("at the minimum");
    assert_rejected(
        small_chain(),
        |c| c.swap_stake(1, 10, 1, 2, 2_000_000),
        expected,
    );
    assert_rejected(
        small_chain(),
        |c| c.swap_stake(1, 10, ROOT, 2, 2_000_000),
        expected,
    );
    let mut chain = small_chain();
    chain
        .swap_stake(1, 10, ROOT, 2, 2_000_001)
        .expect("above the minimum");
}

/// Source: subtensor pallets/subtensor/src/staking/stake_utils.rs,
/// `validate_stake_transition` (issue 16, item 6): a same-subnet move's value `⌊price ×
/// alpha⌋` is computed in U64F64. At the price 1/1000 (TAO 1 / alpha 1000, floored to 64
/// fraction bits) 2_000_000_001 alpha rao are worth 2_000_000 rao, the minimum; with the price
/// cut to 32 fraction bits (U96F32) they would be worth 1_999_999 and the move rejected.
#[test]
fn a_same_subnet_move_values_the_alpha_in_u64f64() {
    let mut chain = Chain::new(1, ChainParams::default());
    chain.add_subnet(Subnet::new(TAO, 1_000 * TAO, 360, 1));
    chain.genesis_neuron(1, 10, 1);
    chain.genesis_neuron(1, 11, 2);
    chain.genesis_stake(1, 10, 1, 3 * TAO);
    let price = chain.subnets[1].pool.current_alpha_price();
    assert_eq!(same_subnet_value(price, 2_000_000_001), 2_000_000);
    assert_eq!(
        chain.move_stake(1, 10, 11, 1, 1, 2_000_000_001),
        Ok(2_000_000)
    );
    assert_rejected(
        chain,
        |c| c.move_stake(1, 11, 10, 1, 1, 2_000_000_000),
        OpError::StakeBelowMinimum,
    );
}

/// A purchase that fails undoes the sale: the whole move is rejected.
#[test]
fn a_move_whose_purchase_fails_is_rejected_whole() {
    let mut chain = small_chain();
    chain.subnets[2].pool.alpha_reserve = 10;
    let expected = OpError::Swap(SwapError::ReserveBelowMinimum);
    assert_rejected(chain, |c| c.swap_stake(1, 10, 1, 2, 10 * TAO), expected);
    let mut chain = small_chain();
    chain.subnets[1].pool.tao_reserve = 10;
    assert_rejected(chain, |c| c.swap_stake(1, 10, 1, 2, 10 * TAO), expected);
}

// ---------------------------------------------------------------------------------------------
// Small nominations
// ---------------------------------------------------------------------------------------------

/// Spec check (§10.6): after a removal by a nominator, a remainder worth less than the
/// nominator minimum (mainnet: 2_000_000 × 10_000_000 / 10⁶ = 0.02 TAO) is sold too, with the
/// fee, into the nominator's balance.
#[test]
fn a_small_remaining_nomination_is_cleared() {
    let mut chain = small_chain();
    let alpha = chain.add_stake(3, 10, 1, 10 * TAO).expect("a nomination");
    let balance = chain.balance(3);
    let mut pool = chain.subnets[1].pool;
    let swap = chain.params.swap;
    let first = pool.swap(Order::Sell, alpha - 15_000_000, 0, false, swap);
    let rest = pool.swap(Order::Sell, 15_000_000, 0, false, swap);
    let tao = chain
        .remove_stake(3, 10, 1, alpha - 15_000_000)
        .expect("removal");
    let (first, rest) = (first.expect("sale"), rest.expect("sale"));
    assert_eq!(tao, first.quote.paid_out);
    assert_eq!(chain.subnets[1].stake_of(10, 3), 0, "remainder cleared");
    assert_eq!(
        chain.balance(3),
        balance + first.quote.paid_out + rest.quote.paid_out
    );
    assert_eq!(chain.subnets[1].pool, pool);
    conserved(&chain).expect("conserved");
}

/// Spec check (§10.6): the owner's stake is never cleared, a remainder worth the minimum is
/// kept (on root, at price 1, the minimum is 20_000_000 rao), and a factor of 0 (the storage
/// default) clears nothing.
#[test]
fn owners_and_large_enough_nominations_are_not_cleared() {
    let mut chain = small_chain();
    chain.remove_stake(1, 10, 1, 50 * TAO - 1).expect("removal");
    assert_eq!(chain.subnets[1].stake_of(10, 1), 1, "the owner keeps 1 rao");
    for (factor, keep, cleared) in [
        (10_000_000, 20_000_000, false),
        (10_000_000, 19_999_999, true),
        (0, 1, false),
    ] {
        let mut chain = small_chain();
        chain.params.nominator_min_required_stake = factor;
        chain
            .add_stake(3, 10, ROOT, 10 * TAO)
            .expect("a nomination");
        let balance = chain.balance(3);
        chain
            .remove_stake(3, 10, ROOT, 10 * TAO - keep)
            .expect("removal");
        let left = chain.subnets[0].stake_of(10, 3);
        assert_eq!(left == 0, cleared, "factor {factor}, keep {keep}: {left}");
        let expected = if cleared { 10 * TAO } else { 10 * TAO - keep };
        assert_eq!(chain.balance(3) - balance, expected, "root sells 1:1");
        conserved(&chain).expect("conserved");
    }
}

// ---------------------------------------------------------------------------------------------
// Root claims
// ---------------------------------------------------------------------------------------------

/// `RootClaimableThreshold` default, alpha rao.
const THRESHOLD: u64 = 500_000;

/// Every (hotkey, subnet, owed) of `coldkey`'s root stakes that a claim would take (owed at
/// least the threshold), in claim order.
fn owed_of(chain: &Chain, coldkey: AccountId) -> Vec<(AccountId, u16, u64)> {
    let mut owed = Vec::new();
    for &a in chain.staking_index.staking_hotkeys(coldkey) {
        let root_stake = chain.subnets[0].stake_of(a, coldkey);
        for (netuid, _) in chain.root_claims.root_claimable_rates(a) {
            let o = chain.root_claims.owed(a, coldkey, netuid, root_stake);
            if o >= THRESHOLD {
                owed.push((a, netuid, o));
            }
        }
    }
    owed
}

/// Spec check (§10.4): a keep claim after epochs stakes on each subnet exactly what `owed`
/// said, to the rao, and the ledger's owed alpha shrinks by the same.
#[test]
fn a_keep_claim_stakes_exactly_what_was_owed() {
    let mut chain = network_with_root_dividends();
    let c = 1;
    chain.set_root_claim_type(c, RootClaimType::Keep);
    let owed = owed_of(&chain, c);
    assert_eq!(owed.len(), 3, "one validator of coldkey 1 on each subnet");
    let before = chain.clone();
    let receipts = chain.claim_root(c).expect("a claim");
    assert_eq!(receipts.len(), owed.len());
    for ((a, netuid, o), r) in owed.iter().zip(&receipts) {
        assert_eq!(
            (r.hotkey, r.netuid, r.alpha, r.action),
            (*a, *netuid, *o, ClaimAction::Keep)
        );
        let s = usize::from(*netuid);
        let gained = chain.subnets[s].stake_of(*a, c) - before.subnets[s].stake_of(*a, c);
        assert_eq!(gained, *o, "hotkey {a} on subnet {netuid}");
        let owed_alpha = |ch: &Chain| ch.ledger.owed_root_alpha[netuid];
        assert_eq!(owed_alpha(&before) - owed_alpha(&chain), *o);
        assert_eq!(chain.subnets[s].pool, before.subnets[s].pool, "no swap");
    }
    assert_eq!(owed_of(&chain, c), []);
    conserved(&chain).expect("conserved");
}

/// Spec check (§10.4): a swap claim (the default) sells each owed amount fee-free and stakes
/// the TAO on root to the same hotkey; `SubnetRootSellTao` records it.
#[test]
fn a_swap_claim_sells_without_fee_and_stakes_the_tao_on_root() {
    let mut chain = network_with_root_dividends();
    let c = 2;
    let owed = owed_of(&chain, c);
    assert_eq!(owed.len(), 3, "one validator of coldkey 2 on each subnet");
    let before = chain.clone();
    let receipts = chain.claim_root(c).expect("a claim");
    assert_eq!(receipts.len(), owed.len());
    for ((a, netuid, o), r) in owed.iter().zip(&receipts) {
        assert_eq!((r.hotkey, r.netuid), (*a, *netuid));
        let s = usize::from(*netuid);
        let mut pool = before.subnets[s].pool;
        let sale = pool
            .swap(Order::Sell, *o, 0, true, chain.params.swap)
            .expect("sale");
        assert_eq!(
            (r.alpha, r.tao, r.action),
            (*o, sale.quote.paid_out, ClaimAction::Swap)
        );
        assert_eq!(chain.subnets[s].pool, pool);
        assert_eq!(chain.subnets[s].root_sell_tao, r.tao);
        let root_gain = chain.subnets[0].stake_of(*a, c) - before.subnets[0].stake_of(*a, c);
        assert_eq!(root_gain, r.tao);
    }
    conserved(&chain).expect("conserved");
}

/// A claim whose sale fails is rejected whole, even after earlier sales succeeded.
#[test]
fn a_claim_whose_sale_fails_changes_nothing() {
    let mut chain = network_with_root_dividends();
    let c = 1;
    assert!(owed_of(&chain, c).iter().any(|(_, netuid, _)| *netuid == 1));
    chain.subnets[3].pool.tao_reserve = 10;
    let before = chain.clone();
    assert_eq!(
        chain.claim_root(c),
        Err(OpError::Swap(SwapError::ReserveBelowMinimum))
    );
    assert!(chain == before, "a rejected claim changed the chain");
}

/// Spec check (§1 step 8): with the auto-claim on, coldkeys picked each block claim their
/// dividends without asking; switched off, nothing is claimed.
#[test]
fn the_auto_claim_claims_root_dividends_each_block() {
    let run = |auto: bool| {
        let mut chain = network(5, u64::MAX / 5, auto);
        set_validator_weights(&mut chain);
        for _ in 0..40 {
            chain.step_block();
            conserved(&chain).expect("conserved");
        }
        chain
    };
    let (on, off) = (run(true), run(false));
    let owed = |chain: &Chain| -> u64 { chain.ledger.owed_root_alpha.values().sum() };
    assert!(
        owed(&on) < owed(&off) / 4,
        "{} vs {}",
        owed(&on),
        owed(&off)
    );
    let genesis_root = network(5, 0, false).subnets[0].pool.tao_reserve;
    assert_eq!(
        off.subnets[0].pool.tao_reserve, genesis_root,
        "no claim staked TAO on root"
    );
    assert!(
        on.subnets[0].pool.tao_reserve > genesis_root,
        "claims swapped to root"
    );
    assert_eq!(
        on.staking_index.staking_coldkeys(),
        [1, 2, 3],
        "coldkeys in order of first (genesis) stake"
    );
}

/// The parent-hash stand-in is a fixed function of the block number.
#[test]
fn the_parent_hash_stand_in_is_fixed_per_block() {
    assert_eq!(parent_hash_stand_in(7), parent_hash_stand_in(7));
    assert_ne!(parent_hash_stand_in(7), parent_hash_stand_in(8));
    // SplitMix64's first output from state 0 is 0xE220A8397B1DCDAF.
    assert_eq!(
        parent_hash_stand_in(1)[..8],
        0xE220_A839_7B1D_CDAF_u64.to_be_bytes()
    );
}

// ---------------------------------------------------------------------------------------------
// Random runs
// ---------------------------------------------------------------------------------------------

/// A participant operation. Hotkeys are named by (subnet of registration, neuron); most stake
/// operations act on the `pick`-th existing stake (see [`stake_at`]) so that they mostly
/// succeed, and `Stray` moves name any stake at all.
#[derive(Clone, Debug)]
enum Op {
    AddStake {
        coldkey: u32,
        hotkey: (u16, u32),
        netuid: u16,
        tao: u64,
    },
    RemoveStake {
        pick: usize,
        keep: u64,
    },
    Move {
        pick: usize,
        to: (u16, u32),
        netuid: u16,
        fraction: u8,
    },
    Transfer {
        pick: usize,
        to: u32,
        netuid: u16,
        fraction: u8,
    },
    Swap {
        pick: usize,
        netuid: u16,
        fraction: u8,
    },
    Stray {
        coldkey: u32,
        from: (u16, u32),
        to: (u16, u32),
        netuids: (u16, u16),
        alpha: u64,
    },
    Claim {
        coldkey: u32,
    },
    ClaimType {
        coldkey: u32,
        kind: u8,
    },
    SetWeights,
    Step {
        blocks: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let coldkey = 1..=COLDKEYS + 1;
    let hk = (1..=SUBNETS, 0..NEURONS);
    let netuid = 0..=SUBNETS;
    let pick = any::<usize>();
    let fraction = 1..=4u8;
    let keep = prop_oneof![
        Just(0u64),
        Just(1),
        Just(15_000_000),
        Just(25_000_000),
        0..TAO
    ];
    prop_oneof![
        (coldkey.clone(), hk.clone(), netuid.clone(), 0..300 * TAO).prop_map(
            |(coldkey, hotkey, netuid, tao)| Op::AddStake {
                coldkey,
                hotkey,
                netuid,
                tao
            }
        ),
        (pick, keep).prop_map(|(pick, keep)| Op::RemoveStake { pick, keep }),
        (pick, hk.clone(), netuid.clone(), fraction.clone()).prop_map(
            |(pick, to, netuid, fraction)| Op::Move {
                pick,
                to,
                netuid,
                fraction
            }
        ),
        (pick, coldkey.clone(), netuid.clone(), fraction.clone()).prop_map(
            |(pick, to, netuid, fraction)| Op::Transfer {
                pick,
                to,
                netuid,
                fraction
            }
        ),
        (pick, netuid.clone(), fraction).prop_map(|(pick, netuid, fraction)| Op::Swap {
            pick,
            netuid,
            fraction
        }),
        (
            coldkey.clone(),
            hk.clone(),
            hk,
            (netuid.clone(), netuid),
            0..10 * TAO
        )
            .prop_map(|(coldkey, from, to, netuids, alpha)| Op::Stray {
                coldkey,
                from,
                to,
                netuids,
                alpha
            }),
        coldkey.clone().prop_map(|coldkey| Op::Claim { coldkey }),
        (coldkey, 0..3u8).prop_map(|(coldkey, kind)| Op::ClaimType { coldkey, kind }),
        Just(Op::SetWeights),
        (1..20u8).prop_map(|blocks| Op::Step { blocks }),
    ]
}

fn hk((netuid, i): (u16, u32)) -> AccountId {
    hotkey(netuid, i)
}

/// The `pick`-th (modulo their number) of all stakes `(netuid, hotkey, coldkey, alpha)` with
/// `alpha > 0`, in (netuid, hotkey, coldkey) order.
fn stake_at(chain: &Chain, pick: usize) -> Option<(u16, AccountId, AccountId, u64)> {
    let stakes: Vec<_> = chain
        .subnets
        .iter()
        .enumerate()
        .flat_map(|(netuid, s)| {
            s.stakes.iter().flat_map(move |(hotkey, pool)| {
                pool.values()
                    .filter(|(_, alpha)| *alpha > 0)
                    .map(move |(coldkey, alpha)| (netuid as u16, *hotkey, coldkey, alpha))
            })
        })
        .collect();
    (!stakes.is_empty()).then(|| stakes[pick % stakes.len()])
}

/// Runs one stake operation on the picked stake (nothing if there is none).
fn on_stake(
    chain: &mut Chain,
    pick: usize,
    op: impl FnOnce(&mut Chain, (u16, AccountId, AccountId, u64)) -> Result<u64, OpError>,
) -> Result<u64, OpError> {
    match stake_at(chain, pick) {
        Some(stake) => op(chain, stake),
        None => Ok(0),
    }
}

fn claim_type(kind: u8) -> RootClaimType {
    match kind {
        0 => RootClaimType::Swap,
        1 => RootClaimType::Keep,
        _ => RootClaimType::KeepSubnets([2].into()),
    }
}

/// Applies `op`; a rejected operation must leave the chain unchanged.
fn apply(chain: &mut Chain, op: &Op) -> Result<(), TestCaseError> {
    let before = chain.clone();
    let result = match *op {
        Op::AddStake {
            coldkey,
            hotkey,
            netuid,
            tao,
        } => chain.add_stake(coldkey, hk(hotkey), netuid, tao),
        Op::RemoveStake { pick, keep } => on_stake(chain, pick, |c, (n, h, ck, alpha)| {
            c.remove_stake(ck, h, n, alpha.saturating_sub(keep))
        }),
        Op::Move {
            pick,
            to,
            netuid,
            fraction,
        } => on_stake(chain, pick, |c, (n, h, ck, alpha)| {
            c.move_stake(ck, h, hk(to), n, netuid, alpha / u64::from(fraction))
        }),
        Op::Transfer {
            pick,
            to,
            netuid,
            fraction,
        } => on_stake(chain, pick, |c, (n, h, ck, alpha)| {
            c.transfer_stake(ck, to, h, n, netuid, alpha / u64::from(fraction))
        }),
        Op::Swap {
            pick,
            netuid,
            fraction,
        } => on_stake(chain, pick, |c, (n, h, ck, alpha)| {
            c.swap_stake(ck, h, n, netuid, alpha / u64::from(fraction))
        }),
        Op::Stray {
            coldkey,
            from,
            to,
            netuids: (o, d),
            alpha,
        } => chain.move_stake(coldkey, hk(from), hk(to), o, d, alpha),
        Op::Claim { coldkey } => chain.claim_root(coldkey).map(|r| r.len() as u64),
        Op::ClaimType { coldkey, kind } => {
            chain.set_root_claim_type(coldkey, claim_type(kind));
            Ok(0)
        }
        Op::SetWeights => {
            set_validator_weights(chain);
            Ok(0)
        }
        Op::Step { blocks } => {
            for _ in 0..blocks {
                chain.step_block();
                conserved(chain).map_err(TestCaseError::fail)?;
            }
            Ok(0)
        }
    };
    if result.is_err() {
        prop_assert!(
            *chain == before,
            "{:?} was rejected ({:?}) but changed the chain",
            op,
            result
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn tao_and_alpha_are_conserved_through_moves_and_claims(
        tempo in prop_oneof![Just(5u16), Just(12)],
        tao_weight in prop_oneof![Just(0u64), Just(u64::MAX / 5), Just(u64::MAX)],
        auto_claim in any::<bool>(),
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let mut chain = network(tempo, tao_weight, auto_claim);
        set_validator_weights(&mut chain);
        conserved(&chain).map_err(TestCaseError::fail)?;
        for op in &ops {
            apply(&mut chain, op)?;
            conserved(&chain).map_err(|e| TestCaseError::fail(format!("after {op:?}: {e}")))?;
        }
    }
}
