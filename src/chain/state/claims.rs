//! Root dividend claims in the chain (spec §10.4, §1 step 8; subtensor `staking/claim_root.rs`):
//! [`Chain::claim_root`] runs the claim ledger
//! ([`RootClaims::claim`](crate::chain::root_claim::RootClaims::claim)) against the real pools
//! and share pools, [`Chain::set_root_claim_type`] chooses keep or swap, and the block's
//! auto-claim picks a few coldkeys from `StakingColdkeysByIndex` (kept in [`StakingIndex`]).
//!
//! A claim is all or nothing: its keeps and swaps are worked out on copies of the pools and
//! share pools they touch, and only a claim whose every action succeeded is committed.
//!
//! Where the claimed alpha comes from: root dividends credited to `RootClaimable` stay counted
//! in `SubnetAlphaOut` and in the ledger's `owed_root_alpha`. A keep moves alpha from there
//! into a stake; a swap sells it into the pool (`SubnetAlphaOut` shrinks) and stakes the TAO on
//! root. Owed amounts are rates times current root stake, so the root-stake adjustments can
//! leave a claim a fraction of a rao above what was credited; such alpha is booked as created
//! by payouts (`Ledger::created_alpha`), like the payouts' own truncation excess.
//!
//! Not modelled: the protocol outflow a swap claim records (the simulator's TAO-flow EMA
//! counts user stake flows only) and `RootClaimableThreshold` from [`super::ChainParams`] (the
//! ledger keeps its own per-subnet thresholds, default 500_000 rao).

use super::{AccountId, Chain, OpError, ROOT, Subnet};
use crate::chain::root_claim::{ClaimExecutor, ClaimReceipt, RootClaimType, auto_claim_indices};
use crate::chain::staking::SharePool;
use crate::chain::swap::{Pool, SwapParams};
use std::collections::BTreeMap;

/// `StakingHotkeys` and `StakingColdkeysByIndex` / `StakingColdkeys` / `NumStakingColdkeys`:
/// which hotkeys each coldkey staked to and which coldkeys ever staked, each in order of first
/// appearance (entries are never removed, as on chain).
///
/// Operations that stake for a (hotkey, coldkey) — `add_stake`, the destination of a move,
/// transfer or swap, genesis stakes — record both; a new hotkey is recorded in its owner's
/// `StakingHotkeys` (`create_account_if_non_existent`). Emission payouts record nothing.
/// Unverified: the spec names the lists, not every call site that fills them; we record at
/// every operation that stakes for a coldkey.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StakingIndex {
    /// `StakingHotkeys(coldkey)`.
    hotkeys: BTreeMap<AccountId, Vec<AccountId>>,
    /// `StakingColdkeysByIndex`: index → coldkey.
    coldkeys: Vec<AccountId>,
    /// `StakingColdkeys`: coldkey → index.
    indices: BTreeMap<AccountId, u64>,
}

impl StakingIndex {
    /// `StakingHotkeys(coldkey)`, in order of first stake (empty if none).
    pub fn staking_hotkeys(&self, coldkey: AccountId) -> &[AccountId] {
        self.hotkeys.get(&coldkey).map_or(&[], Vec::as_slice)
    }

    /// `StakingColdkeysByIndex` as a list; its length is `NumStakingColdkeys`.
    pub fn staking_coldkeys(&self) -> &[AccountId] {
        &self.coldkeys
    }

    /// `StakingColdkeys(coldkey)`: the coldkey's index, if it ever staked.
    pub fn index_of(&self, coldkey: AccountId) -> Option<u64> {
        self.indices.get(&coldkey).copied()
    }

    /// Appends `hotkey` to `StakingHotkeys(coldkey)` unless it is there.
    pub(super) fn add_staking_hotkey(&mut self, coldkey: AccountId, hotkey: AccountId) {
        let hotkeys = self.hotkeys.entry(coldkey).or_default();
        if !hotkeys.contains(&hotkey) {
            hotkeys.push(hotkey);
        }
    }

    /// `maybe_add_coldkey_index`: gives `coldkey` the next index unless it has one.
    pub(super) fn maybe_add_coldkey_index(&mut self, coldkey: AccountId) {
        if !self.indices.contains_key(&coldkey) {
            self.indices.insert(coldkey, self.coldkeys.len() as u64);
            self.coldkeys.push(coldkey);
        }
    }

    /// Records that `coldkey` staked to `hotkey`.
    pub(super) fn record_stake(&mut self, coldkey: AccountId, hotkey: AccountId) {
        self.add_staking_hotkey(coldkey, hotkey);
        self.maybe_add_coldkey_index(coldkey);
    }
}

/// The stand-in for the parent block's hash that `run_auto_claim_root_divs` reads when block
/// `block` runs: four SplitMix64 outputs (big-endian) from the state `block − 1`, the parent's
/// number.
///
/// The chain reads the parent header's Blake2 hash, which a simulator does not have; what the
/// auto-claim needs is a sequence of words that looks random and is fixed for a block, so any
/// fixed mixing function of the block number serves, and SplitMix64 (Steele, Lea and Flood,
/// 2014) is a standard one in a few lines. Which coldkeys are claimed at a given block therefore
/// differs from mainnet's; how many and how often does not.
pub fn parent_hash_stand_in(block: u64) -> [u8; 32] {
    let mut state = block.saturating_sub(1);
    let mut hash = [0_u8; 32];
    for word in hash.chunks_exact_mut(8) {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        word.copy_from_slice(&(z ^ (z >> 31)).to_be_bytes());
    }
    hash
}

/// What a claim did to one subnet, applied when it commits.
#[derive(Clone, Copy, Debug, Default)]
struct ClaimEffect {
    /// Owed alpha claimed here (kept or swapped), rao.
    claimed: u64,
    /// Alpha swapped, rao.
    swapped: u64,
    /// Alpha the swaps put into the pool (`amount_paid_in`), rao.
    sold: u64,
    /// TAO the swaps took out of the pool and staked on root, rao.
    tao: u64,
}

/// The claim executor: the chain's pools and share pools as copies, changed only here.
struct ClaimTxn<'a> {
    subnets: &'a [Subnet],
    swap: SwapParams,
    pools: BTreeMap<u16, Pool>,
    stakes: BTreeMap<(u16, AccountId), SharePool<AccountId>>,
    effects: BTreeMap<u16, ClaimEffect>,
}

impl<'a> ClaimTxn<'a> {
    fn new(subnets: &'a [Subnet], swap: SwapParams) -> Self {
        ClaimTxn {
            subnets,
            swap,
            pools: BTreeMap::new(),
            stakes: BTreeMap::new(),
            effects: BTreeMap::new(),
        }
    }

    fn pool(&mut self, netuid: u16) -> &mut Pool {
        let subnets = self.subnets;
        self.pools
            .entry(netuid)
            .or_insert_with(|| subnets[usize::from(netuid)].pool)
    }

    fn shares(&mut self, netuid: u16, hotkey: AccountId) -> &mut SharePool<AccountId> {
        let subnets = self.subnets;
        self.stakes.entry((netuid, hotkey)).or_insert_with(|| {
            subnets[usize::from(netuid)]
                .stakes
                .get(&hotkey)
                .cloned()
                .unwrap_or_default()
        })
    }

    /// `swap_alpha_for_tao(netuid, alpha, min_price, drop_fees = true)` on the copy: (TAO out,
    /// alpha in), 1:1 on a stable subnet. Without a price limit, as the simulator's unstaking
    /// (the chain's minimum price, 1_000 rao per alpha, binds only on a pool priced below it).
    fn sell(&mut self, netuid: u16, alpha: u64) -> Result<(u64, u64), OpError> {
        let params = self.swap;
        self.pool(netuid)
            .sell_unlimited(alpha, true, params)
            .map_err(OpError::Swap)
    }
}

impl ClaimExecutor<AccountId, AccountId> for ClaimTxn<'_> {
    type Error = OpError;

    fn root_stake(&self, hotkey: AccountId, coldkey: AccountId) -> u64 {
        match self.stakes.get(&(ROOT, hotkey)) {
            Some(shares) => shares.get_value(coldkey),
            None => self.subnets[usize::from(ROOT)].stake_of(hotkey, coldkey),
        }
    }

    fn keep(
        &mut self,
        hotkey: AccountId,
        coldkey: AccountId,
        netuid: u16,
        alpha: u64,
    ) -> Result<(), OpError> {
        self.shares(netuid, hotkey)
            .increase_stake_for_hotkey_and_coldkey_on_subnet(coldkey, alpha);
        self.effects.entry(netuid).or_default().claimed += alpha;
        Ok(())
    }

    fn swap(
        &mut self,
        hotkey: AccountId,
        coldkey: AccountId,
        netuid: u16,
        alpha: u64,
    ) -> Result<u64, OpError> {
        let (tao, sold) = self.sell(netuid, alpha)?;
        let root = self.pool(ROOT);
        root.tao_reserve = root.tao_reserve.saturating_add(tao);
        self.shares(ROOT, hotkey)
            .increase_stake_for_hotkey_and_coldkey_on_subnet(coldkey, tao);
        let effect = self.effects.entry(netuid).or_default();
        effect.claimed += alpha;
        effect.swapped += alpha;
        effect.sold += sold;
        effect.tao += tao;
        Ok(tao)
    }
}

/// A successful claim's copies and effects, ready to commit.
type ClaimParts = (
    BTreeMap<u16, Pool>,
    BTreeMap<(u16, AccountId), SharePool<AccountId>>,
    BTreeMap<u16, ClaimEffect>,
);

impl Chain {
    /// `claim_root` by `coldkey` (`do_root_claim`, spec §10.4): claims every owed amount of at
    /// least the subnet's `RootClaimableThreshold`, hotkey by hotkey in `StakingHotkeys` order
    /// and subnet by subnet ascending, by the coldkey's claim type. Keep: the alpha is staked
    /// to (hotkey, coldkey) on its subnet. Swap: it is sold fee-free, the TAO is staked on
    /// root to (hotkey, coldkey), `SubnetRootSellTao` grows by it.
    ///
    /// Returns the claims made, in order (empty when nothing is owed). Error: a failed sale
    /// ([`OpError::Swap`]) rejects the whole claim and changes nothing.
    pub fn claim_root(
        &mut self,
        coldkey: AccountId,
    ) -> Result<Vec<ClaimReceipt<AccountId>>, OpError> {
        let hotkeys = self.staking_index.staking_hotkeys(coldkey).to_vec();
        let mut txn = ClaimTxn::new(&self.subnets, self.params.swap);
        let receipts = self.root_claims.claim(coldkey, &hotkeys, &mut txn)?;
        let parts = (txn.pools, txn.stakes, txn.effects);
        self.commit_claim(parts);
        Ok(receipts)
    }

    /// `set_root_claim_type` by `coldkey`: how its claims treat owed alpha from now on
    /// (default [`RootClaimType::Swap`]).
    pub fn set_root_claim_type(&mut self, coldkey: AccountId, claim_type: RootClaimType) {
        self.root_claims.set_claim_type(coldkey, claim_type);
    }

    /// Writes a claim's pools and share pools back and books its effects: `SubnetAlphaOut`
    /// shrinks by the alpha sold and the root's grows by the TAO staked there (`TotalStake`
    /// loses and regains that TAO: unchanged); the claimed alpha leaves `owed_root_alpha`.
    fn commit_claim(&mut self, (pools, stakes, effects): ClaimParts) {
        for (netuid, pool) in pools {
            self.subnets[usize::from(netuid)].pool = pool;
        }
        for ((netuid, hotkey), shares) in stakes {
            self.subnets[usize::from(netuid)]
                .stakes
                .insert(hotkey, shares);
        }
        for (netuid, effect) in effects {
            let s = &mut self.subnets[usize::from(netuid)];
            s.alpha_out = s.alpha_out.saturating_sub(effect.sold);
            s.root_sell_tao = s.root_sell_tao.saturating_add(effect.tao);
            let root = &mut self.subnets[usize::from(ROOT)];
            root.alpha_out = root.alpha_out.saturating_add(effect.tao);
            *self.ledger.unassigned_alpha.entry(netuid).or_insert(0) +=
                effect.swapped - effect.sold;
            let owed = self.ledger.owed_root_alpha.entry(netuid).or_insert(0);
            let from_owed = effect.claimed.min(*owed);
            *owed -= from_owed;
            *self.ledger.created_alpha.entry(netuid).or_insert(0) += effect.claimed - from_owed;
        }
    }

    /// `run_auto_claim_root_divs` (spec §1 step 8), when [`super::ChainParams`] enables it:
    /// claims for the coldkeys at [`auto_claim_indices`] of `StakingColdkeysByIndex`, with
    /// `NumRootClaim` picks from [`parent_hash_stand_in`] of this block; a failed claim is
    /// ignored (the chain logs it).
    pub(super) fn run_auto_claim_root_divs(&mut self) {
        if !self.params.auto_claim_root_divs {
            return;
        }
        let coldkeys = self.staking_index.staking_coldkeys();
        let picks = auto_claim_indices(
            parent_hash_stand_in(self.block),
            self.params.num_root_claim,
            coldkeys.len() as u64,
        );
        let chosen: Vec<AccountId> = picks.iter().map(|i| coldkeys[*i as usize]).collect();
        for coldkey in chosen {
            let _ = self.claim_root(coldkey);
        }
    }
}
