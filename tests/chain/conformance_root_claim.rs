//! Conformance of root dividend claims with subtensor (commit 14bc6f9f): the `RootClaimable`
//! credit, owed amounts, `do_root_claim` with its claim types and thresholds, the `RootClaimed`
//! adjustments on root-stake changes and the auto-claim selection (spec §10.3 step 4, §10.4,
//! §1 step 8).
//!
//! Our material has no upstream vectors for claims: every test here is a "spec check (§10.4)"
//! (or §1 step 8) — a rule of the spec pinned down with hand-built cases whose numbers come
//! from exact integer arithmetic on the I96F32 bit patterns, or a property.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use taosim::chain::fixed::I96F32;
use taosim::chain::root_claim::{
    ClaimAction, ClaimExecutor, ClaimReceipt, DEFAULT_NUM_ROOT_CLAIM,
    DEFAULT_ROOT_CLAIMABLE_THRESHOLD, ROOT_NETUID, RootClaimType, RootClaims, auto_claim_indices,
    owed_from,
};
use taosim::chain::swap::{Order, Pool, SwapError, SwapParams};

// ---------------------------------------------------------------------------------------------
// A mock of the caller's chain state
// ---------------------------------------------------------------------------------------------

type Hotkey = u8;
type Coldkey = u8;
type Ledger = RootClaims<Hotkey, Coldkey>;

const ONE_TAO: u64 = 1_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MockError {
    /// An error the test asked for.
    Injected,
    /// The pool refused the sale.
    Swap(SwapError),
}

/// Root stakes per (hotkey, coldkey), kept alpha, and a pool per subnet (subnets without a
/// pool sell at a fixed half a TAO per alpha). Can fail the n-th action.
#[derive(Clone, Debug, Default)]
struct Mock {
    root: BTreeMap<(Hotkey, Coldkey), u64>,
    kept: BTreeMap<(Hotkey, Coldkey, u16), u64>,
    pools: BTreeMap<u16, Pool>,
    /// Fail the action with this 0-based number.
    fail_at: Option<usize>,
    actions: usize,
}

impl Mock {
    fn with_root(stakes: &[(Hotkey, Coldkey, u64)]) -> Self {
        let mut mock = Mock::default();
        for &(h, c, r) in stakes {
            mock.root.insert((h, c), r);
        }
        mock
    }

    /// `R_a = TotalHotkeyAlpha(a, root)`: the sum of the coldkeys' root stakes.
    fn hotkey_root(&self, hotkey: Hotkey) -> u64 {
        self.root
            .iter()
            .filter(|((h, _), _)| *h == hotkey)
            .map(|(_, &r)| r)
            .sum()
    }

    fn next_action(&mut self) -> Result<(), MockError> {
        let number = self.actions;
        self.actions += 1;
        if self.fail_at == Some(number) {
            return Err(MockError::Injected);
        }
        Ok(())
    }
}

impl ClaimExecutor<Hotkey, Coldkey> for Mock {
    type Error = MockError;

    fn root_stake(&self, hotkey: Hotkey, coldkey: Coldkey) -> u64 {
        self.root.get(&(hotkey, coldkey)).copied().unwrap_or(0)
    }

    fn keep(&mut self, h: Hotkey, c: Coldkey, netuid: u16, alpha: u64) -> Result<(), MockError> {
        self.next_action()?;
        let kept = self.kept.entry((h, c, netuid)).or_insert(0);
        *kept = kept.saturating_add(alpha);
        Ok(())
    }

    fn swap(&mut self, h: Hotkey, c: Coldkey, netuid: u16, alpha: u64) -> Result<u64, MockError> {
        self.next_action()?;
        let tao = match self.pools.get_mut(&netuid) {
            Some(pool) => {
                let receipt = pool
                    .swap(Order::Sell, alpha, 0, true, SwapParams::default())
                    .map_err(MockError::Swap)?;
                receipt.quote.paid_out
            }
            None => alpha / 2,
        };
        let root = self.root.entry((h, c)).or_insert(0);
        *root = root.saturating_add(tao);
        Ok(tao)
    }
}

/// `floor(raw × x / 2³²)` for a non-negative I96F32 `raw` and an integer x: an exact rate
/// product.
fn floor_mul(rate: I96F32, x: u64) -> u128 {
    ((rate.to_bits() as u128) * u128::from(x)) >> 32
}

/// The I96F32 rate `floor(2³² · z / r) / 2³²`.
fn rate_of(z: u64, r: u64) -> I96F32 {
    I96F32::from_bits(((i128::from(z)) << 32) / i128::from(r))
}

/// Credits `z` on `netuid` to `hotkey` with the mock's current `R_a`.
fn credit(ledger: &mut Ledger, mock: &Mock, hotkey: Hotkey, netuid: u16, z: u64) {
    ledger.credit(hotkey, netuid, z, mock.hotkey_root(hotkey));
}

// ---------------------------------------------------------------------------------------------
// Credits and owed amounts
// ---------------------------------------------------------------------------------------------

/// spec check (§10.3 step 4, §10.4): a credit raises the rate by `z / R_a` and each coldkey is
/// owed `rate × root_stake`; a claim takes `floor(owed)` and leaves the fraction.
#[test]
fn owed_grows_with_credits_and_shrinks_with_claims() {
    let mut mock = Mock::with_root(&[(1, 10, 3 * ONE_TAO), (1, 11, ONE_TAO)]);
    let mut ledger = Ledger::new();
    credit(&mut ledger, &mock, 1, 5, 4 * ONE_TAO);
    assert_eq!(ledger.root_claimable(1, 5), I96F32::from_num(1));
    assert_eq!(ledger.owed(1, 10, 5, 3 * ONE_TAO), 3 * ONE_TAO);
    assert_eq!(ledger.owed(1, 11, 5, ONE_TAO), ONE_TAO);

    ledger.set_claim_type(10, RootClaimType::Keep);
    let receipts = ledger.claim(10, &[1], &mut mock).unwrap();
    assert_eq!(
        receipts,
        vec![ClaimReceipt {
            hotkey: 1,
            netuid: 5,
            alpha: 3 * ONE_TAO,
            action: ClaimAction::Keep,
            tao: 0,
        }]
    );
    assert_eq!(mock.kept[&(1, 10, 5)], 3 * ONE_TAO);
    assert_eq!(ledger.root_claimed(5, 1, 10), u128::from(3 * ONE_TAO));
    assert_eq!(ledger.owed(1, 10, 5, 3 * ONE_TAO), 0);
    assert_eq!(ledger.owed(1, 11, 5, ONE_TAO), ONE_TAO, "others untouched");

    // A second credit of 2 TAO: rate 1.5; 10 is owed only the new 1.5 × 3 TAO.
    credit(&mut ledger, &mock, 1, 5, 2 * ONE_TAO);
    assert_eq!(ledger.owed(1, 10, 5, 3 * ONE_TAO), 1_500_000_000);
    assert_eq!(ledger.owed(1, 11, 5, ONE_TAO), 1_500_000_000);

    // A rate that is not exact: z/R floors to 32 bits; owed = floor(raw × r / 2³²).
    let mut ledger = Ledger::new();
    ledger.credit(2, 7, ONE_TAO, 3 * ONE_TAO);
    let rate = rate_of(ONE_TAO, 3 * ONE_TAO);
    assert_eq!(ledger.root_claimable(2, 7), rate);
    let owed = ledger.owed_float(2, 12, 7, 2 * ONE_TAO);
    assert_eq!(owed, rate * I96F32::from_num(2 * ONE_TAO));
    assert_eq!(
        u128::from(ledger.owed(2, 12, 7, 2 * ONE_TAO)),
        floor_mul(rate, 2 * ONE_TAO)
    );
    assert_eq!(ledger.owed(2, 12, 7, 2 * ONE_TAO), 666_666_666);
}

/// spec check (§10.3 step 4): with no root stake the increase is 0 (`checked_div` by zero),
/// and nothing is owed.
#[test]
fn credit_with_no_root_stake_adds_nothing() {
    let mut ledger = Ledger::new();
    ledger.credit(1, 3, 0, 0);
    ledger.credit(1, 3, 1_000, 0);
    assert_eq!(ledger.root_claimable(1, 3), I96F32::from_num(0));
    assert_eq!(ledger.owed(1, 10, 3, ONE_TAO), 0);
}

/// spec check (§10.4): `owed = rate × stake − claimed`, negative → 0.
#[test]
fn owed_is_never_negative() {
    assert_eq!(owed_from(I96F32::from_num(1), 10, 11), I96F32::from_num(0));
    assert_eq!(owed_from(I96F32::from_num(1), 10, 10), I96F32::from_num(0));
    assert_eq!(owed_from(I96F32::from_num(2), 10, 11), I96F32::from_num(9));
    assert_eq!(
        owed_from(I96F32::from_num(0), u64::MAX, u128::MAX),
        I96F32::from_num(0)
    );
}

// ---------------------------------------------------------------------------------------------
// Root-stake changes
// ---------------------------------------------------------------------------------------------

/// spec check (§10.4): stake added after a credit does not claim the credit. With an integer
/// rate `floor(rate × Δ)` is exact and owed is unchanged to the bit.
#[test]
fn added_root_stake_does_not_claim_old_dividends() {
    let mut mock = Mock::with_root(&[(1, 10, ONE_TAO)]);
    let mut ledger = Ledger::new();
    credit(&mut ledger, &mock, 1, 4, 2 * ONE_TAO); // rate 2
    credit(&mut ledger, &mock, 1, 9, ONE_TAO / 4); // rate 0.25
    let before = [4, 9].map(|s| ledger.owed_float(1, 10, s, ONE_TAO));

    let delta = 5 * ONE_TAO;
    *mock.root.get_mut(&(1, 10)).unwrap() += delta;
    ledger.add_stake_adjust_root_claimed(1, 10, delta);
    assert_eq!(ledger.root_claimed(4, 1, 10), u128::from(2 * delta));
    assert_eq!(ledger.root_claimed(9, 1, 10), u128::from(delta / 4));
    let after = [4, 9].map(|s| ledger.owed_float(1, 10, s, ONE_TAO + delta));
    assert_eq!(after, before);

    // The new stake earns from the next credit on: rate +1 on subnet 4 over 6 TAO.
    credit(&mut ledger, &mock, 1, 4, 6 * ONE_TAO);
    assert_eq!(
        ledger.owed(1, 10, 4, 6 * ONE_TAO),
        2 * ONE_TAO + 6 * ONE_TAO
    );
}

/// spec check (§10.4): with a fractional rate the adjustment floors, so owed grows by
/// `frac(rate × Δ)` < 1 rao and its floor by at most 1.
#[test]
fn added_root_stake_moves_owed_by_less_than_one_rao() {
    let mut ledger = Ledger::new();
    ledger.credit(1, 2, ONE_TAO, 3 * ONE_TAO);
    let rate = ledger.root_claimable(1, 2);
    let before = ledger.owed_float(1, 10, 2, 3 * ONE_TAO);
    ledger.add_stake_adjust_root_claimed(1, 10, 7);
    assert_eq!(ledger.root_claimed(2, 1, 10), floor_mul(rate, 7));
    let after = ledger.owed_float(1, 10, 2, 3 * ONE_TAO + 7);
    assert!(after >= before && after - before < I96F32::from_num(1));
    assert_eq!(after - before, (rate * I96F32::from_num(7)).frac());
}

/// spec check (§10.4): removing stake lowers `RootClaimed` by `floor(rate × Δ)`, saturating
/// at 0, so the remaining stake keeps its owed amount (less the flooring).
#[test]
fn removed_root_stake_keeps_the_remaining_owed_amount() {
    let mut mock = Mock::with_root(&[(1, 10, 4 * ONE_TAO)]);
    let mut ledger = Ledger::new();
    ledger.set_claim_type(10, RootClaimType::Keep);
    credit(&mut ledger, &mock, 1, 3, 4 * ONE_TAO); // rate 1
    ledger.claim(10, &[1], &mut mock).unwrap(); // claimed 4 TAO
    credit(&mut ledger, &mock, 1, 3, 2 * ONE_TAO); // rate 1.5, owed 2 TAO
    assert_eq!(ledger.owed(1, 10, 3, 4 * ONE_TAO), 2 * ONE_TAO);

    ledger.remove_stake_adjust_root_claimed(1, 10, ONE_TAO);
    assert_eq!(
        ledger.root_claimed(3, 1, 10),
        u128::from(4 * ONE_TAO - 1_500_000_000)
    );
    assert_eq!(ledger.owed(1, 10, 3, 3 * ONE_TAO), 2 * ONE_TAO);

    // Removing more than was ever claimed saturates at 0 (the entry disappears).
    ledger.remove_stake_adjust_root_claimed(1, 10, 3 * ONE_TAO);
    assert_eq!(ledger.root_claimed(3, 1, 10), 0);
    assert_eq!(ledger.owed(1, 10, 3, 0), 0);
}

/// spec check (§10.4): the adjustments skip the root netuid.
#[test]
fn adjustments_skip_the_root_netuid() {
    let mut ledger = Ledger::new();
    ledger.credit_rate(1, ROOT_NETUID, I96F32::from_num(3));
    ledger.credit_rate(1, 1, I96F32::from_num(3));
    ledger.add_stake_adjust_root_claimed(1, 10, 100);
    assert_eq!(ledger.root_claimed(ROOT_NETUID, 1, 10), 0);
    assert_eq!(ledger.root_claimed(1, 1, 10), 300);
}

// ---------------------------------------------------------------------------------------------
// Claims: thresholds, claim types, swaps, atomicity
// ---------------------------------------------------------------------------------------------

/// spec check (§10.4): owed below `RootClaimableThreshold[s]` (default 500_000) is skipped,
/// owed at the threshold is claimed; with threshold 0 an owed amount under 1 rao is skipped
/// because `floor(owed) = 0`.
#[test]
fn claims_below_the_threshold_are_skipped() {
    assert_eq!(DEFAULT_ROOT_CLAIMABLE_THRESHOLD, I96F32::from_num(500_000));
    let mut mock = Mock::with_root(&[(1, 10, 1_000_000)]);
    let mut ledger = Ledger::new();
    ledger.set_claim_type(10, RootClaimType::Keep);
    ledger.credit(1, 1, 499_999, 1_000_000);
    ledger.credit(1, 2, 500_000, 1_000_000);
    let receipts = ledger.claim(10, &[1], &mut mock).unwrap();
    assert_eq!(receipts.len(), 1);
    assert_eq!((receipts[0].netuid, receipts[0].alpha), (2, 500_000));
    assert_eq!(ledger.root_claimed(1, 1, 10), 0);
    assert_eq!(ledger.root_claimed(2, 1, 10), 500_000);

    // Subnet 1's rate 499_999/10⁶ is not a binary fraction: it floors, and 10⁶ rao of stake
    // are owed 499_998.99…, under the threshold. Lower the threshold to 0 and it goes.
    let rate1 = ledger.root_claimable(1, 1);
    assert_eq!(floor_mul(rate1, 1_000_000), 499_998);
    ledger.set_threshold(1, I96F32::from_num(0));
    assert_eq!(ledger.threshold(1), I96F32::from_num(0));
    assert_eq!(ledger.threshold(2), DEFAULT_ROOT_CLAIMABLE_THRESHOLD);
    let receipts = ledger.claim(10, &[1], &mut mock).unwrap();
    assert_eq!(receipts.len(), 1);
    assert_eq!((receipts[0].netuid, receipts[0].alpha), (1, 499_998));

    // Exactly one rao under the threshold (an exact rate): skipped.
    let mut ledger = Ledger::new();
    ledger.credit_rate(1, 4, I96F32::from_num(499_999));
    let mut single = Mock::with_root(&[(1, 10, 1)]);
    assert_eq!(ledger.claim(10, &[1], &mut single).unwrap(), vec![]);

    // Half a rao owed, threshold 0: floor(owed) = 0, nothing claimed, nothing recorded.
    let mut ledger = Ledger::new();
    ledger.set_threshold(3, I96F32::from_num(0));
    ledger.credit_rate(1, 3, I96F32::from_num(0.5));
    let mut mock = Mock::with_root(&[(1, 10, 1)]);
    assert_eq!(ledger.claim(10, &[1], &mut mock).unwrap(), vec![]);
    assert_eq!(ledger.root_claimed(3, 1, 10), 0);
}

/// spec check (§10.4): `Swap` (the default) swaps everywhere, `Keep` keeps everywhere,
/// `KeepSubnets{set}` keeps on the set and swaps elsewhere; hotkeys in the given order,
/// subnets ascending.
#[test]
fn claim_types_route_each_subnet() {
    let stakes = [(1, 10, ONE_TAO), (2, 10, ONE_TAO)];
    let setup = || {
        let mock = Mock::with_root(&stakes);
        let mut ledger = Ledger::new();
        for hotkey in [1, 2] {
            for netuid in [3, 1, 2] {
                ledger.credit(hotkey, netuid, ONE_TAO, ONE_TAO);
            }
        }
        (mock, ledger)
    };
    let routes = |claim_type: Option<RootClaimType>| {
        let (mut mock, mut ledger) = setup();
        assert_eq!(ledger.claim_type(10), &RootClaimType::Swap);
        if let Some(t) = claim_type {
            ledger.set_claim_type(10, t);
        }
        let receipts = ledger.claim(10, &[2, 1], &mut mock).unwrap();
        receipts
            .iter()
            .map(|r| (r.hotkey, r.netuid, r.action))
            .collect::<Vec<_>>()
    };
    use ClaimAction::{Keep, Swap};
    let order = [(2, 1), (2, 2), (2, 3), (1, 1), (1, 2), (1, 3)];
    let with = |f: &dyn Fn(u16) -> ClaimAction| {
        order.iter().map(|&(h, s)| (h, s, f(s))).collect::<Vec<_>>()
    };
    assert_eq!(routes(None), with(&|_| Swap));
    assert_eq!(routes(Some(RootClaimType::Keep)), with(&|_| Keep));
    let keep_two = RootClaimType::KeepSubnets(BTreeSet::from([2]));
    assert_eq!(
        routes(Some(keep_two)),
        with(&|s| if s == 2 { Keep } else { Swap })
    );
}

/// spec check (§10.4): a swap stakes its TAO on root and applies the add-stake adjustment for
/// it before the next subnet's owed amount is read. With r = 10⁹, t = r/2 and rate₂ =
/// ⌊2³² · 333_333_333 / 10⁹⌋ / 2³² the later owed amount is `floor(rate₂ × (r + t)) −
/// floor(rate₂ × t)` = 333_333_333, one rao more than the `floor(rate₂ × r)` = 333_333_332 a
/// claim precomputed from the stakes before it would take.
#[test]
fn a_swap_adds_root_stake_before_the_next_subnet_is_claimed() {
    let r = ONE_TAO;
    let mut mock = Mock::with_root(&[(1, 10, r)]);
    let mut ledger = Ledger::new();
    credit(&mut ledger, &mock, 1, 1, ONE_TAO); // rate 1
    credit(&mut ledger, &mock, 1, 2, 333_333_333);
    let rate2 = ledger.root_claimable(1, 2);
    assert_eq!(rate2.to_bits(), 1_431_655_763);
    ledger.set_claim_type(10, RootClaimType::KeepSubnets(BTreeSet::from([2])));

    let receipts = ledger.claim(10, &[1], &mut mock).unwrap();
    let t = ONE_TAO / 2; // the mock sells at half a TAO per alpha
    assert_eq!(
        receipts,
        vec![
            ClaimReceipt {
                hotkey: 1,
                netuid: 1,
                alpha: ONE_TAO,
                action: ClaimAction::Swap,
                tao: t,
            },
            ClaimReceipt {
                hotkey: 1,
                netuid: 2,
                alpha: 333_333_333,
                action: ClaimAction::Keep,
                tao: 0,
            },
        ]
    );
    assert_eq!(floor_mul(rate2, r), 333_333_332);
    assert_eq!(mock.root[&(1, 10)], r + t);
    // Subnet 1: the adjustment for t (rate 1 × t) plus the claim.
    assert_eq!(ledger.root_claimed(1, 1, 10), u128::from(t + ONE_TAO));
    // Subnet 2: the adjustment floor(rate₂ × t) plus the claim.
    assert_eq!(
        ledger.root_claimed(2, 1, 10),
        floor_mul(rate2, t) + 333_333_333
    );
    // Nothing is owed afterwards beyond the fraction.
    assert_eq!(ledger.owed(1, 10, 1, r + t), 0);
    assert_eq!(ledger.owed(1, 10, 2, r + t), 0);
}

/// spec check (§10.4, §6.3): a swap claim sells through the subnet's pool fee-free.
#[test]
fn swap_claims_sell_through_the_pool_without_fee() {
    let mut mock = Mock::with_root(&[(1, 10, ONE_TAO)]);
    let pool = Pool {
        initialized: true,
        ..Pool::new(100 * ONE_TAO, 400 * ONE_TAO)
    };
    mock.pools.insert(5, pool);
    let mut ledger = Ledger::new();
    credit(&mut ledger, &mock, 1, 5, 4 * ONE_TAO);
    let receipts = ledger.claim(10, &[1], &mut mock).unwrap();
    // Constant product, no fee: Δy = floor(y × (1 − x/(x+d))) with x = 400, y = 100, d = 4 TAO.
    let expected = mock_sale(100 * ONE_TAO, 400 * ONE_TAO, 4 * ONE_TAO);
    assert_eq!(receipts[0].tao, expected);
    assert_eq!(mock.root[&(1, 10)], ONE_TAO + expected);
    assert_eq!(mock.pools[&5].alpha_reserve, 404 * ONE_TAO);
}

/// The fee-free sale of `d` alpha into an equal-weight pool (y TAO, x alpha), computed with
/// the same 10¹⁸-scaled ratio and U64F64 product as the chain.
fn mock_sale(y: u64, x: u64, d: u64) -> u64 {
    let ratio = u128::from(x) * 1_000_000_000_000_000_000 / u128::from(x + d);
    let ratio = taosim::chain::fixed::U64F64::from_num(ratio)
        / taosim::chain::fixed::U64F64::from_num(1_000_000_000_000_000_000_u64);
    let one = taosim::chain::fixed::U64F64::from_num(1);
    (taosim::chain::fixed::U64F64::from_num(y) * (one - ratio.min(one))).to_num::<u64>()
}

/// spec check (§10.4: "any error rolls back the whole claim of c"): an error from the
/// caller's executor at any action leaves the ledger exactly as it was.
#[test]
fn a_failed_action_leaves_the_ledger_unchanged() {
    let mut mock = Mock::with_root(&[(1, 10, ONE_TAO), (2, 10, 3 * ONE_TAO)]);
    let mut ledger = Ledger::new();
    for (hotkey, netuid) in [(1, 1), (1, 2), (2, 1), (2, 4)] {
        credit(&mut ledger, &mock, hotkey, netuid, ONE_TAO / 3);
    }
    ledger.set_claim_type(10, RootClaimType::KeepSubnets(BTreeSet::from([2])));
    for fail_at in 0..4 {
        let before = ledger.clone();
        let mut scratch = mock.clone();
        scratch.fail_at = Some(fail_at);
        let result = ledger.claim(10, &[1, 2], &mut scratch);
        assert_eq!(result, Err(MockError::Injected), "fail at {fail_at}");
        assert_eq!(ledger, before, "fail at {fail_at}");
    }
    // Without a failure all four go through.
    let receipts = ledger.claim(10, &[1, 2], &mut mock).unwrap();
    assert_eq!(receipts.len(), 4);
    assert!(ledger.root_claimed(4, 2, 10) > 0);
}

/// spec check (§10.4): a pool error (here the output floors to 0 on a drained pool) is an
/// error like any other and rolls the claim back.
#[test]
fn a_swap_error_rolls_the_claim_back() {
    let mut mock = Mock::with_root(&[(1, 10, ONE_TAO)]);
    mock.pools.insert(1, Pool::new(0, ONE_TAO));
    let mut ledger = Ledger::new();
    credit(&mut ledger, &mock, 1, 1, ONE_TAO);
    let before = ledger.clone();
    assert!(matches!(
        ledger.claim(10, &[1], &mut mock),
        Err(MockError::Swap(_))
    ));
    assert_eq!(ledger, before);
}

// ---------------------------------------------------------------------------------------------
// Auto-claim selection (§1 step 8)
// ---------------------------------------------------------------------------------------------

/// A hash whose four big-endian words are the given ones.
fn hash_of(words: [u64; 4]) -> [u8; 32] {
    let mut hash = [0_u8; 32];
    for (i, w) in words.iter().enumerate() {
        hash[8 * i..8 * i + 8].copy_from_slice(&w.to_be_bytes());
    }
    hash
}

/// The selection as the spec states it, without the early stop.
fn naive_indices(hash: [u8; 32], k: u64, n: u64) -> Vec<u64> {
    if n == 0 {
        return vec![];
    }
    let word = |i: u64| {
        let s = (8 * i % 32) as usize;
        u64::from_be_bytes(hash[s..s + 8].try_into().unwrap())
    };
    let mut prev = word(0);
    let mut set = BTreeSet::new();
    for i in 0..k {
        let idx = prev.saturating_add(word(i)) % n;
        set.insert(idx);
        prev = idx;
    }
    set.into_iter().collect()
}

/// spec check (§1 step 8): worked examples. Words (7, 3, 5, 11): prev starts at 7 and the
/// first step adds word 0 to it (our reading of "prev" for i = 0).
#[test]
fn auto_claim_indices_worked_examples() {
    assert_eq!(DEFAULT_NUM_ROOT_CLAIM, 5);
    let hash = hash_of([7, 3, 5, 11]);
    // n = 100: 14, 17, 22, 33, 40 (the fifth step wraps to word 0 again).
    assert_eq!(auto_claim_indices(hash, 5, 100), vec![14, 17, 22, 33, 40]);
    // n = 10: 4, 7, 2, 3, 0 → ascending.
    assert_eq!(auto_claim_indices(hash, 5, 10), vec![0, 2, 3, 4, 7]);
    // Duplicates collapse: n = 1 always gives index 0.
    assert_eq!(auto_claim_indices(hash, 5, 1), vec![0]);
    // k = 0 or n = 0: nothing.
    assert_eq!(auto_claim_indices(hash, 0, 10), Vec::<u64>::new());
    assert_eq!(auto_claim_indices(hash, 5, 0), Vec::<u64>::new());
    // The addition saturates: all-ones words give u64::MAX mod n every time (2⁶⁴ − 1 ≡ 1 mod 7).
    assert_eq!(auto_claim_indices([0xff; 32], 5, 7), vec![1]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// spec check (§1 step 8): deterministic, ascending, distinct, in range, at most k
    /// indices, and equal to the plain k-step loop (the early stop changes nothing).
    #[test]
    fn auto_claim_indices_are_sorted_distinct_and_in_range(
        hash in any::<[u8; 32]>(),
        k in 0_u64..300,
        n in prop_oneof![0_u64..20, any::<u64>()],
    ) {
        let indices = auto_claim_indices(hash, k, n);
        prop_assert_eq!(&indices, &auto_claim_indices(hash, k, n));
        prop_assert!(indices.windows(2).all(|w| w[0] < w[1]));
        prop_assert!(indices.iter().all(|&i| i < n));
        prop_assert!(indices.len() as u64 <= k.min(n));
        prop_assert_eq!(indices, naive_indices(hash, k, n));
    }

    /// No panic and a quick answer for huge k (the early stop bounds the work by 4n + 1 steps).
    #[test]
    fn auto_claim_indices_handle_any_k(hash in any::<[u8; 32]>(), n in 0_u64..64) {
        let indices = auto_claim_indices(hash, u64::MAX, n);
        prop_assert_eq!(indices, naive_indices(hash, 4 * n + 8, n));
    }
}

// ---------------------------------------------------------------------------------------------
// Properties of the ledger
// ---------------------------------------------------------------------------------------------

/// One step of a random history of one hotkey (1) with three coldkeys (10, 11, 12) on two
/// subnets (1, 2).
#[derive(Clone, Debug)]
enum Op {
    /// A root dividend of `z_permille / 1000 × R_a` on the subnet (up to 2 R_a; above R_a the
    /// caller stakes it to the owner instead and nothing is credited).
    Credit { netuid: u16, z_permille: u64 },
    /// Add root stake to the coldkey.
    Add { coldkey: Coldkey, delta: u64 },
    /// Remove up to this part (permille) of the coldkey's root stake.
    Remove { coldkey: Coldkey, permille: u64 },
    /// The coldkey claims with this type (0 swap, 1 keep, 2 keep subnet 2).
    Claim { coldkey: Coldkey, kind: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    let coldkey = 10_u8..13;
    prop_oneof![
        (1_u16..3, 0_u64..2_000).prop_map(|(netuid, z_permille)| Op::Credit { netuid, z_permille }),
        (coldkey.clone(), 0_u64..5_000_000_000)
            .prop_map(|(coldkey, delta)| Op::Add { coldkey, delta }),
        (coldkey.clone(), 0_u64..1_001)
            .prop_map(|(coldkey, permille)| Op::Remove { coldkey, permille }),
        (coldkey, 0_u8..3).prop_map(|(coldkey, kind)| Op::Claim { coldkey, kind }),
    ]
}

/// Replays a history; returns, per subnet, (total credited z, total claimed alpha) and the
/// number of root-stake additions (explicit adds and swaps).
fn replay(stakes: [u64; 3], threshold: u64, ops: &[Op]) -> (BTreeMap<u16, (u128, u128)>, u128) {
    let mut mock = Mock::with_root(&[(1, 10, stakes[0]), (1, 11, stakes[1]), (1, 12, stakes[2])]);
    let mut ledger = Ledger::new();
    for netuid in [1, 2] {
        ledger.set_threshold(netuid, I96F32::from_num(threshold));
    }
    let mut totals: BTreeMap<u16, (u128, u128)> = BTreeMap::new();
    let mut additions = 0_u128;
    for op in ops {
        match *op {
            Op::Credit { netuid, z_permille } => {
                let root = mock.hotkey_root(1);
                let z = (u128::from(root) * u128::from(z_permille) / 1_000) as u64;
                if z <= root {
                    ledger.credit(1, netuid, z, root);
                    totals.entry(netuid).or_default().0 += u128::from(z);
                }
            }
            Op::Add { coldkey, delta } => {
                *mock.root.entry((1, coldkey)).or_insert(0) += delta;
                ledger.add_stake_adjust_root_claimed(1, coldkey, delta);
                additions += 1;
            }
            Op::Remove { coldkey, permille } => {
                let stake = mock.root.entry((1, coldkey)).or_insert(0);
                let delta = (u128::from(*stake) * u128::from(permille) / 1_000) as u64;
                *stake -= delta;
                ledger.remove_stake_adjust_root_claimed(1, coldkey, delta);
            }
            Op::Claim { coldkey, kind } => {
                let claim_type = match kind {
                    0 => RootClaimType::Swap,
                    1 => RootClaimType::Keep,
                    _ => RootClaimType::KeepSubnets(BTreeSet::from([2])),
                };
                ledger.set_claim_type(coldkey, claim_type);
                for receipt in ledger.claim(coldkey, &[1], &mut mock).unwrap() {
                    totals.entry(receipt.netuid).or_default().1 += u128::from(receipt.alpha);
                    if receipt.action == ClaimAction::Swap {
                        additions += 1;
                    }
                }
            }
        }
    }
    (totals, additions)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// spec check (§10.4): what the coldkeys of a hotkey claim on a subnet never exceeds what
    /// was credited there, to within flooring: Σ claimed ≤ Σ z + (number of root-stake
    /// additions). A credit gives each coldkey `⌊z/R·2³²⌋/2³² × r_c` (exact products, summing
    /// to at most z), a claim takes the floor of what is owed, a removal never raises an owed
    /// amount, and only an addition raises one, by `frac(rate × Δ)` < 1 rao per subnet.
    #[test]
    fn claims_never_exceed_credits(
        stakes in [0_u64..10_000_000_000, 0_u64..10_000_000_000, 0_u64..10_000_000_000],
        threshold in prop_oneof![Just(0_u64), Just(1), Just(500_000)],
        ops in prop::collection::vec(op(), 1..40),
    ) {
        let (totals, additions) = replay(stakes, threshold, &ops);
        for (netuid, (credited, claimed)) in totals {
            prop_assert!(
                claimed <= credited + additions,
                "subnet {}: claimed {} > credited {} + {} additions", netuid, claimed, credited,
                additions
            );
        }
    }

    /// spec check (§10.4): without root-stake additions (no adds, keep-only claims) the bound
    /// is exact: Σ claimed ≤ Σ z.
    #[test]
    fn without_additions_claims_never_exceed_credits_exactly(
        stakes in [0_u64..10_000_000_000, 0_u64..10_000_000_000, 0_u64..10_000_000_000],
        ops in prop::collection::vec(op(), 1..40),
    ) {
        let ops: Vec<Op> = ops
            .into_iter()
            .filter_map(|op| match op {
                Op::Add { .. } => None,
                Op::Claim { coldkey, .. } => Some(Op::Claim { coldkey, kind: 1 }),
                other => Some(other),
            })
            .collect();
        let (totals, additions) = replay(stakes, 0, &ops);
        prop_assert_eq!(additions, 0);
        for (_, (credited, claimed)) in totals {
            prop_assert!(claimed <= credited);
        }
    }

    /// spec check (§10.4): an addition raises owed by less than 1 rao, a removal never raises
    /// it (and, unless `RootClaimed` saturates at 0, lowers it by less than 1 rao).
    #[test]
    fn stake_changes_keep_owed_amounts(
        extra_rate_bits in 0_i128..(1_i128 << 40),
        claimed in 0_u64..1_000_000_000_000,
        stake in 0_u64..1_000_000_000_000,
        delta in 0_u64..1_000_000_000_000,
    ) {
        let one = I96F32::from_num(1);
        // RootClaimed = `claimed` via an addition at rate 1, then the rate rises by the extra.
        let mut base = Ledger::new();
        base.credit_rate(1, 1, one);
        base.add_stake_adjust_root_claimed(1, 10, claimed);
        base.credit_rate(1, 1, I96F32::from_bits(extra_rate_bits));
        prop_assert_eq!(base.root_claimed(1, 1, 10), u128::from(claimed));
        let rate = base.root_claimable(1, 1);

        let mut ledger = base.clone();
        let before = ledger.owed_float(1, 10, 1, stake);
        ledger.add_stake_adjust_root_claimed(1, 10, delta);
        let after = ledger.owed_float(1, 10, 1, stake + delta);
        prop_assert!(after >= before && after - before < one);

        let mut ledger = base;
        let removed = delta.min(stake);
        let before = ledger.owed_float(1, 10, 1, stake);
        ledger.remove_stake_adjust_root_claimed(1, 10, removed);
        let after = ledger.owed_float(1, 10, 1, stake - removed);
        prop_assert!(after <= before);
        if u128::from(claimed) >= floor_mul(rate, removed) {
            prop_assert!(before - after < one);
        }
    }

    /// No panic on any input: arbitrary (even negative) rates, stakes, amounts and thresholds.
    #[test]
    fn the_ledger_never_panics(
        rate_bits in any::<i128>(),
        z in any::<u64>(),
        root in any::<u64>(),
        stake in any::<u64>(),
        delta in any::<u64>(),
        threshold_bits in any::<i128>(),
        kind in 0_u8..3,
    ) {
        let mut ledger = Ledger::new();
        ledger.credit(1, 1, z, root);
        ledger.credit_rate(1, 2, I96F32::from_bits(rate_bits));
        ledger.credit_rate(1, 2, I96F32::from_bits(rate_bits));
        ledger.set_threshold(2, I96F32::from_bits(threshold_bits));
        ledger.add_stake_adjust_root_claimed(1, 10, delta);
        ledger.add_stake_adjust_root_claimed(1, 10, u64::MAX);
        let _ = ledger.owed(1, 10, 2, stake);
        let _ = ledger.owed_float(1, 10, 1, stake);
        ledger.remove_stake_adjust_root_claimed(1, 10, delta);
        let claim_type = match kind {
            0 => RootClaimType::Swap,
            1 => RootClaimType::Keep,
            _ => RootClaimType::KeepSubnets(BTreeSet::from([2])),
        };
        ledger.set_claim_type(10, claim_type);
        let mut mock = Mock::with_root(&[(1, 10, stake)]);
        let _ = ledger.claim(10, &[1, 1], &mut mock);
        prop_assert!(ledger.owed_float(1, 10, 1, stake) >= I96F32::from_num(0));
    }
}
