//! Root dividend claims: the `RootClaimable` / `RootClaimed` ledger, the claim of a coldkey's
//! root dividends by swap or keep, the `RootClaimed` adjustments that keep owed amounts fixed
//! when root stake moves, and the per-block auto-claim selection (spec §10.4, §10.3 step 4,
//! §1 step 8; subtensor `staking/claim_root.rs`).
//!
//! May depend on: `chain::fixed`.
//!
//! # The life of a root dividend
//!
//! When a subnet s distributes, the part of hotkey a's root dividend that belongs to its root
//! stakers, z alpha rao, is not paid to anyone: it is **credited as a rate**,
//! `RootClaimable[a][s] += z / R_a` alpha per rao of a's root stake `R_a` ([`RootClaims::credit`]).
//! Coldkey c with root stake `r` on a is then **owed** `rate × r − RootClaimed[(s, a, c)]`
//! ([`RootClaims::owed`]): the rate has grown since c last claimed, and `RootClaimed` remembers
//! what c already took. When c **claims** ([`RootClaims::claim`], manually or picked by the
//! block's auto-claim, [`auto_claim_indices`]) each owed amount of at least the threshold is
//! kept (staked as alpha of s to (a, c)) or swapped (sold fee-free for TAO, which is staked on
//! root to (a, c)) by c's [`RootClaimType`], and `RootClaimed` grows by the claimed amount.
//! Because the rate multiplies c's *current* root stake, stake added after a credit would
//! otherwise claim dividends earned before it: every root-stake change moves `RootClaimed` by
//! `floor(rate × Δ)` so that owed amounts stay (up to flooring) where they were
//! ([`RootClaims::add_stake_adjust_root_claimed`],
//! [`RootClaims::remove_stake_adjust_root_claimed`]).
//!
//! # Division of labour
//!
//! The ledger holds only the claim storage; stakes, pools and balances belong to the caller.
//! * [`crate::chain::coinbase::distribution::split_root_dividend`] decides whether z is credited
//!   at all (`z > R_a` ⇒ staked to the hotkey's owner instead); [`RootClaims::credit`] does not
//!   repeat that test, it only adds `z / R_a` (or [`RootClaims::credit_rate`] adds the
//!   `rate_increase` that function already computed — the same number).
//! * A claim does not swap or stake: it asks the caller's [`ClaimExecutor`], action by action,
//!   and reads each root stake from it. The caller rolls back its own state when a claim fails;
//!   the ledger is left unchanged by a failed claim.
//! * The caller calls the two adjustments whenever root stake of (a, c) changes *outside* a
//!   claim (add/remove/move stake); inside a claim the ledger applies the swap's adjustment.
//!
//! Netuids are `u16` (0 = root); amounts are `u64` rao (alpha of the subnet, or TAO for root
//! stake); `RootClaimed` is `u128`; rates and owed amounts are I96F32 (products floor). Choices
//! the spec leaves open are marked "unverified" where they are made.

use std::collections::{BTreeMap, BTreeSet};

use crate::chain::fixed::I96F32;

/// The root subnet's netuid.
pub const ROOT_NETUID: u16 = 0;
/// `RootClaimableThreshold` default: 500_000 alpha rao (I96F32). An owed amount below a
/// subnet's threshold is not claimed.
pub const DEFAULT_ROOT_CLAIMABLE_THRESHOLD: I96F32 = I96F32::from_bits(500_000 << 32);
/// `NumRootClaim` default: coldkeys auto-claimed per block (at most; duplicates collapse).
pub const DEFAULT_NUM_ROOT_CLAIM: u64 = 5;

/// I96F32 zero.
const ZERO: I96F32 = I96F32::from_bits(0);

// ---------------------------------------------------------------------------------------------
// Claim types and actions
// ---------------------------------------------------------------------------------------------

/// `RootClaimTypeEnum`: what a coldkey's claim does with the alpha it is owed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RootClaimType {
    /// Sell the alpha fee-free and stake the TAO on root (the default).
    #[default]
    Swap,
    /// Stake the alpha on its subnet.
    Keep,
    /// Keep on the subnets in the set, swap on all others.
    KeepSubnets(BTreeSet<u16>),
}

impl RootClaimType {
    /// Whether a claim on `netuid` keeps the alpha (otherwise it swaps it).
    pub fn keeps(&self, netuid: u16) -> bool {
        match self {
            RootClaimType::Swap => false,
            RootClaimType::Keep => true,
            RootClaimType::KeepSubnets(subnets) => subnets.contains(&netuid),
        }
    }
}

/// The default claim type, returned by reference for coldkeys that never set one.
static DEFAULT_CLAIM_TYPE: RootClaimType = RootClaimType::Swap;

/// How one owed amount is claimed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimAction {
    /// Stake the alpha to (hotkey, coldkey) on the subnet.
    Keep,
    /// Sell the alpha fee-free on the subnet (`swap_alpha_for_tao(s, o, min_price, drop_fees)`,
    /// spec §6.3), add the TAO to `SubnetRootSellTao[s]`, and stake it as root stake of
    /// (hotkey, coldkey) (`SubnetTAO[root]`, `SubnetAlphaOut[root]` and `TotalStake` grow by it).
    Swap,
}

/// One executed claim of one (hotkey, subnet) owed amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimReceipt<H> {
    /// The hotkey the root stake is on.
    pub hotkey: H,
    /// The subnet whose alpha was claimed.
    pub netuid: u16,
    /// `o = floor(owed)`, alpha rao; `RootClaimed[(netuid, hotkey, coldkey)]` grew by it.
    pub alpha: u64,
    /// Keep or swap.
    pub action: ClaimAction,
    /// TAO rao staked on root by a swap (the executor's answer); 0 for a keep.
    pub tao: u64,
}

/// The caller's side of a claim: the root stakes it reads and the stake operations it performs.
///
/// The ledger calls these in the chain's order, one (hotkey, subnet) at a time, and reads the
/// root stake again before each owed amount, so a swap that added root stake is seen by the
/// next subnet's owed amount as on the chain.
pub trait ClaimExecutor<H, C> {
    /// Why the caller could not perform an action (it aborts the whole claim).
    type Error;

    /// `root_stake(a, c)`: the coldkey's root stake on the hotkey now, TAO rao (the share
    /// pool's value, after the actions already executed in this claim).
    fn root_stake(&self, hotkey: H, coldkey: C) -> u64;

    /// Keep: stake `alpha` (alpha rao) to (hotkey, coldkey) on `netuid`.
    fn keep(&mut self, hotkey: H, coldkey: C, netuid: u16, alpha: u64) -> Result<(), Self::Error>;

    /// Swap: sell `alpha` (alpha rao) fee-free on `netuid` and stake the TAO on root to
    /// (hotkey, coldkey) (see [`ClaimAction::Swap`]). Returns the TAO staked, rao: the ledger
    /// applies the add-stake adjustment for it.
    fn swap(&mut self, hotkey: H, coldkey: C, netuid: u16, alpha: u64) -> Result<u64, Self::Error>;
}

// ---------------------------------------------------------------------------------------------
// Owed amounts
// ---------------------------------------------------------------------------------------------

/// `rate × root_stake − claimed` in I96F32 (saturating; negative → 0): what a coldkey with
/// `root_stake` (TAO rao) and `claimed` (alpha rao) is owed at `rate` (alpha per TAO rao).
/// `rate × root_stake` is exact for an integer stake (unless it saturates).
pub fn owed_from(rate: I96F32, root_stake: u64, claimed: u128) -> I96F32 {
    rate.saturating_mul(I96F32::saturating_from_num(root_stake))
        .saturating_sub(I96F32::saturating_from_num(claimed))
        .max(ZERO)
}

/// `floor(rate × delta)` as u128 (saturating; 0 for a negative product): the `RootClaimed`
/// adjustment for a root-stake change of `delta` TAO rao. The conversion to u128 rather than
/// u64 is unverified (the two differ only above 1.8·10¹⁹ alpha rao).
fn adjustment(rate: I96F32, delta: u64) -> u128 {
    rate.saturating_mul(I96F32::saturating_from_num(delta))
        .saturating_to_num::<u128>()
}

// ---------------------------------------------------------------------------------------------
// The ledger
// ---------------------------------------------------------------------------------------------

/// The root-claim storage: `RootClaimable`, `RootClaimed`, `RootClaimType` and
/// `RootClaimableThreshold`. `H` is the caller's hotkey id and `C` its coldkey id; every map is
/// a `BTreeMap`, iterated in ascending order.
///
/// Missing entries read as the chain's `ValueQuery` defaults (rate 0, claimed 0, type
/// [`RootClaimType::Swap`], threshold [`DEFAULT_ROOT_CLAIMABLE_THRESHOLD`]); a `RootClaimed`
/// entry that returns to 0 is removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootClaims<H: Ord + Copy, C: Ord + Copy> {
    /// `RootClaimable[hotkey][netuid]`: alpha per TAO rao of the hotkey's root stake.
    claimable: BTreeMap<H, BTreeMap<u16, I96F32>>,
    /// `RootClaimed[(netuid, hotkey, coldkey)]`: alpha rao already claimed or written off.
    claimed: BTreeMap<(u16, H, C), u128>,
    /// `RootClaimType[coldkey]`.
    claim_types: BTreeMap<C, RootClaimType>,
    /// `RootClaimableThreshold[netuid]`.
    thresholds: BTreeMap<u16, I96F32>,
}

impl<H: Ord + Copy, C: Ord + Copy> Default for RootClaims<H, C> {
    fn default() -> Self {
        RootClaims {
            claimable: BTreeMap::new(),
            claimed: BTreeMap::new(),
            claim_types: BTreeMap::new(),
            thresholds: BTreeMap::new(),
        }
    }
}

/// `RootClaimed` writes of one coldkey not yet committed, keyed by (netuid, hotkey).
type Pending<H> = BTreeMap<(u16, H), u128>;

impl<H: Ord + Copy, C: Ord + Copy> RootClaims<H, C> {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    // --- reads ----------------------------------------------------------------------------

    /// `RootClaimable[hotkey][netuid]`, alpha per TAO rao (0 if absent).
    pub fn root_claimable(&self, hotkey: H, netuid: u16) -> I96F32 {
        self.claimable
            .get(&hotkey)
            .and_then(|rates| rates.get(&netuid))
            .copied()
            .unwrap_or(ZERO)
    }

    /// All of `RootClaimable[hotkey]`, ascending netuid (empty if the hotkey has none).
    pub fn root_claimable_rates(&self, hotkey: H) -> impl Iterator<Item = (u16, I96F32)> + '_ {
        self.claimable
            .get(&hotkey)
            .into_iter()
            .flat_map(|rates| rates.iter().map(|(&s, &r)| (s, r)))
    }

    /// `RootClaimed[(netuid, hotkey, coldkey)]`, alpha rao (0 if absent).
    pub fn root_claimed(&self, netuid: u16, hotkey: H, coldkey: C) -> u128 {
        self.claimed
            .get(&(netuid, hotkey, coldkey))
            .copied()
            .unwrap_or(0)
    }

    /// The coldkey's claim type (default [`RootClaimType::Swap`]).
    pub fn claim_type(&self, coldkey: C) -> &RootClaimType {
        self.claim_types
            .get(&coldkey)
            .unwrap_or(&DEFAULT_CLAIM_TYPE)
    }

    /// `RootClaimableThreshold[netuid]`, alpha rao (default
    /// [`DEFAULT_ROOT_CLAIMABLE_THRESHOLD`]).
    pub fn threshold(&self, netuid: u16) -> I96F32 {
        self.thresholds
            .get(&netuid)
            .copied()
            .unwrap_or(DEFAULT_ROOT_CLAIMABLE_THRESHOLD)
    }

    /// What `coldkey` with root stake `root_stake` (TAO rao) on `hotkey` is owed on `netuid`:
    /// `RootClaimable[a][s] × root_stake − RootClaimed[(s, a, c)]`, I96F32, negative → 0.
    pub fn owed_float(&self, hotkey: H, coldkey: C, netuid: u16, root_stake: u64) -> I96F32 {
        owed_from(
            self.root_claimable(hotkey, netuid),
            root_stake,
            self.root_claimed(netuid, hotkey, coldkey),
        )
    }

    /// [`RootClaims::owed_float`] floored to alpha rao (saturating at `u64::MAX`): what a claim
    /// would take if the amount clears the threshold.
    pub fn owed(&self, hotkey: H, coldkey: C, netuid: u16, root_stake: u64) -> u64 {
        self.owed_float(hotkey, coldkey, netuid, root_stake)
            .saturating_to_num::<u64>()
    }

    // --- settings -------------------------------------------------------------------------

    /// Sets the coldkey's claim type (`set_root_claim_type`).
    pub fn set_claim_type(&mut self, coldkey: C, claim_type: RootClaimType) {
        self.claim_types.insert(coldkey, claim_type);
    }

    /// Sets `RootClaimableThreshold[netuid]`, alpha rao.
    pub fn set_threshold(&mut self, netuid: u16, threshold: I96F32) {
        self.thresholds.insert(netuid, threshold);
    }

    // --- credits --------------------------------------------------------------------------

    /// Credits the stakers' part `z` (alpha rao) of hotkey a's root dividend on `netuid`
    /// (spec §10.3 step 4): `RootClaimable[a][s] += z / R_a` with `R_a` = `root_stake` (the
    /// hotkey's total root stake, TAO rao), I96F32 `checked_div`, 0 if `R_a = 0`.
    ///
    /// The caller has already sent `z > R_a` to the owner's stake instead
    /// ([`split_root_dividend`](crate::chain::coinbase::distribution::split_root_dividend));
    /// this does not test it. The entry is created even for a zero increase (unobservable:
    /// a zero rate owes nothing and adjusts nothing; unverified).
    pub fn credit(&mut self, hotkey: H, netuid: u16, z: u64, root_stake: u64) {
        let rate_increase = I96F32::saturating_from_num(z)
            .checked_div(I96F32::saturating_from_num(root_stake))
            .unwrap_or(ZERO);
        self.credit_rate(hotkey, netuid, rate_increase);
    }

    /// `RootClaimable[a][s] += rate_increase` (saturating), alpha per TAO rao: the
    /// `RootDividendTarget::Claimable { rate_increase }` of `split_root_dividend`.
    pub fn credit_rate(&mut self, hotkey: H, netuid: u16, rate_increase: I96F32) {
        let rate = self
            .claimable
            .entry(hotkey)
            .or_default()
            .entry(netuid)
            .or_insert(ZERO);
        *rate = rate.saturating_add(rate_increase);
    }

    // --- root-stake changes ---------------------------------------------------------------

    /// `add_stake_adjust_root_claimed_for_hotkey_and_coldkey`: root stake of (a, c) grew by
    /// `delta` TAO rao, so `RootClaimed[(s', a, c)] += floor(RootClaimable[a][s'] × delta)`
    /// for every s' in `RootClaimable[a]` (root netuid skipped). The new stake then claims
    /// nothing already credited: owed amounts grow by the flooring only (< 1 rao each).
    pub fn add_stake_adjust_root_claimed(&mut self, hotkey: H, coldkey: C, delta: u64) {
        let mut pending = Pending::new();
        self.adjust(&mut pending, hotkey, coldkey, delta, true);
        self.commit(coldkey, pending);
    }

    /// `remove_stake_adjust_root_claimed_for_hotkey_and_coldkey`: root stake of (a, c) shrank by
    /// `delta` TAO rao, so `RootClaimed[(s', a, c)] −= floor(RootClaimable[a][s'] × delta)`,
    /// saturating at 0 (root netuid skipped). Owed amounts shrink by the flooring only while
    /// `RootClaimed ≥ ⌊rate·delta⌋`; when it is smaller (a staker who claimed less than the
    /// removed stake's share) the subtraction saturates and the difference is forfeited: owed
    /// afterwards is `rate·(stake − delta) − max(0, claimed − ⌊rate·delta⌋)`.
    ///
    /// Source: subtensor pallets/subtensor/src/staking/claim_root.rs,
    /// `remove_stake_adjust_root_claimed_for_hotkey_and_coldkey`.
    pub fn remove_stake_adjust_root_claimed(&mut self, hotkey: H, coldkey: C, delta: u64) {
        let mut pending = Pending::new();
        self.adjust(&mut pending, hotkey, coldkey, delta, false);
        self.commit(coldkey, pending);
    }

    /// The adjustment for a root-stake change of ±`delta`, written into `pending`. Skipping
    /// the root netuid on additions too is unverified (the spec names it after the removal;
    /// `RootClaimable[a][root]` is never credited, so it does not show).
    fn adjust(&self, pending: &mut Pending<H>, hotkey: H, coldkey: C, delta: u64, add: bool) {
        for (netuid, rate) in self.root_claimable_rates(hotkey) {
            if netuid == ROOT_NETUID {
                continue;
            }
            let claimed = self.claimed_with(pending, netuid, hotkey, coldkey);
            let change = adjustment(rate, delta);
            let updated = if add {
                claimed.saturating_add(change)
            } else {
                claimed.saturating_sub(change)
            };
            pending.insert((netuid, hotkey), updated);
        }
    }

    /// `RootClaimed[(s, a, c)]` as `pending` has it, else as stored.
    fn claimed_with(&self, pending: &Pending<H>, netuid: u16, hotkey: H, coldkey: C) -> u128 {
        pending
            .get(&(netuid, hotkey))
            .copied()
            .unwrap_or_else(|| self.root_claimed(netuid, hotkey, coldkey))
    }

    /// Writes `pending` into `RootClaimed` (zero entries removed).
    fn commit(&mut self, coldkey: C, pending: Pending<H>) {
        for ((netuid, hotkey), value) in pending {
            if value == 0 {
                self.claimed.remove(&(netuid, hotkey, coldkey));
            } else {
                self.claimed.insert((netuid, hotkey, coldkey), value);
            }
        }
    }

    // --- claims ---------------------------------------------------------------------------

    /// `do_root_claim(c)` (spec §10.4): claims what `coldkey` is owed, hotkey by hotkey in
    /// `staking_hotkeys` order (`StakingHotkeys(c)`, the chain's storage order) and, per hotkey,
    /// subnet by subnet in ascending netuid over `RootClaimable[a]`.
    ///
    /// Per (a, s), with `root_stake(a, c)` read from `executor` at that moment: the amount is
    /// skipped if owed < `RootClaimableThreshold[s]` or `o = floor(owed) = 0`; otherwise it is
    /// kept or swapped by c's claim type through `executor` — a swap's TAO t then gets the
    /// add-stake adjustment (`RootClaimed[(s', a, c)] += floor(rate_{s'} × t)` for every s',
    /// s included) — and `RootClaimed[(s, a, c)] += o`.
    ///
    /// All or nothing, like the chain's transactional claim: the ledger is changed only if
    /// every action succeeds; on the first error the claim stops, the ledger is left as it was
    /// and the error is returned (the caller undoes the actions its executor already
    /// performed). Returns the executed claims in order.
    ///
    /// Why an executor rather than a precomputed list: a swap adds root stake t (with its
    /// adjustment) before the next subnet's owed amount is read, which moves that amount by
    /// `frac(rate × t)` (< 1 rao) and can change its floor or its threshold test; only the
    /// caller's share pool knows the root stake after the swap.
    pub fn claim<X: ClaimExecutor<H, C>>(
        &mut self,
        coldkey: C,
        staking_hotkeys: &[H],
        executor: &mut X,
    ) -> Result<Vec<ClaimReceipt<H>>, X::Error> {
        let claim_type = self.claim_type(coldkey);
        let mut pending = Pending::new();
        let mut receipts = Vec::new();
        for &hotkey in staking_hotkeys {
            for (netuid, rate) in self.root_claimable_rates(hotkey) {
                let claimed = self.claimed_with(&pending, netuid, hotkey, coldkey);
                let owed = owed_from(rate, executor.root_stake(hotkey, coldkey), claimed);
                let alpha = owed.saturating_to_num::<u64>();
                if owed < self.threshold(netuid) || alpha == 0 {
                    continue;
                }
                let receipt = if claim_type.keeps(netuid) {
                    executor.keep(hotkey, coldkey, netuid, alpha)?;
                    (ClaimAction::Keep, 0)
                } else {
                    let tao = executor.swap(hotkey, coldkey, netuid, alpha)?;
                    self.adjust(&mut pending, hotkey, coldkey, tao, true);
                    (ClaimAction::Swap, tao)
                };
                let claimed = self.claimed_with(&pending, netuid, hotkey, coldkey);
                pending.insert((netuid, hotkey), claimed.saturating_add(u128::from(alpha)));
                receipts.push(ClaimReceipt {
                    hotkey,
                    netuid,
                    alpha,
                    action: receipt.0,
                    tao: receipt.1,
                });
            }
        }
        self.commit(coldkey, pending);
        Ok(receipts)
    }
}

// ---------------------------------------------------------------------------------------------
// Auto-claim selection
// ---------------------------------------------------------------------------------------------

/// The big-endian u64 at bytes `[8i mod 32, 8i mod 32 + 8)` of the hash.
fn hash_word(hash: &[u8; 32], i: u64) -> u64 {
    let start = (i % 4) as usize * 8;
    let mut word = [0_u8; 8];
    word.copy_from_slice(&hash[start..start + 8]);
    u64::from_be_bytes(word)
}

/// `run_auto_claim_root_divs`' choice of coldkeys (spec §1 step 8): the indices into
/// `StakingColdkeysByIndex` (`n` = `NumStakingColdkeys`) whose coldkeys claim this block, from
/// the parent block's hash and `k` = `NumRootClaim` (default [`DEFAULT_NUM_ROOT_CLAIM`]);
/// ascending, without duplicates, each `< n`.
///
/// `start` = big-endian u64 of bytes 0..8; for i = 0..k−1: `idx_i = (prev + w_i) mod n`
/// (saturating add) with `w_i` the big-endian u64 at bytes `[8i mod 32, +8)`.
///
/// Reading of "prev" (unverified): the previous index *after* the reduction mod n, and
/// `start` for i = 0 — so the first index is `(w_0 +sat w_0) mod n`, the hash's first word
/// counted twice. `n = 0` (no staking coldkeys) selects nothing (unverified; there is no
/// coldkey to claim for anyway).
///
/// The sequence is a function of (prev, i mod 4), so it stops early once that state repeats:
/// the result is the chain's for any `k`, in at most `min(k, 4n + 1)` steps.
pub fn auto_claim_indices(parent_hash: [u8; 32], k: u64, n: u64) -> Vec<u64> {
    let mut indices = BTreeSet::new();
    if n == 0 {
        return Vec::new();
    }
    let mut seen = BTreeSet::new();
    let mut prev = hash_word(&parent_hash, 0);
    for i in 0..k {
        if !seen.insert((prev, i % 4)) {
            break;
        }
        let idx = prev.saturating_add(hash_word(&parent_hash, i)) % n;
        indices.insert(idx);
        prev = idx;
    }
    indices.into_iter().collect()
}
