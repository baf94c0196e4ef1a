//! Child keys: a hotkey lends proportions of its stake weight to child hotkeys on one subnet and
//! shares in their dividends (spec §8.2, §10.1, §10.6, §11; subtensor
//! `staking/set_children.rs`, `staking/stake_utils.rs`, `coinbase/run_coinbase.rs`).
//!
//! Storage per subnet ([`ChildKeys`]): `ChildKeys(h, s)` and `ParentKeys(h, s)` as lists of
//! `(proportion of u64::MAX, account)`, `ChildkeyTake(h, s)`, `PendingChildKeys(s, h)` and
//! `MinChildkeyTakePerSubnet(s)`. A hotkey's owner schedules children with
//! [`Chain::set_children`] (`do_schedule_children`); they wait `PendingChildKeyCooldown` blocks
//! and are applied by `try_set_pending_children` (block step 7) in the first block that
//! consumes the subnet's epoch slot after the cooldown — at once on a subnet whose token is not
//! enabled yet. The epoch weighs each hotkey by its inherited stakes
//! ([`Chain::get_inherited_for_hotkey_on_subnet`]), and each dividend is shared with the
//! hotkey's parents by their own stakes (`get_parent_child_dividends_distribution`).
//!
//! Not modelled: the `SetChildren` and childkey-take rate limits (like the delegate take's).
//!
//! May depend on: everything in `chain`.

use super::{AccountId, Chain, OpError, ROOT};
use crate::chain::coinbase::distribution::{ChildKeyInput, ParentStake};
use crate::chain::fixed::{U64F64, U96F32, u64_proportion};
use crate::chain::staking::{ChildkeyTakeBounds, set_childkey_take};
use std::collections::BTreeMap;

/// `PendingChildKeyCooldown` of the runtime: 7_200 blocks (fast runtime 15).
pub const DEFAULT_PENDING_CHILDKEY_COOLDOWN: u64 = 7_200;

/// The most children a hotkey may have on one subnet.
pub const MAX_CHILDREN: usize = 5;

/// A child or parent list: `(proportion as a fraction of u64::MAX, hotkey)`, in stored order.
pub type KeyList = Vec<(u64, AccountId)>;

/// Why the chain rejected a child-key schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildKeyError {
    /// Child keys are not allowed on the root subnet (chain:
    /// `RegistrationNotPermittedOnRootSubnet`).
    RootSubnet,
    /// More than [`MAX_CHILDREN`] children (chain: `TooManyChildren`).
    TooManyChildren,
    /// The hotkey named itself as a child (chain: `InvalidChild`).
    InvalidChild,
    /// The proportions sum beyond `u64::MAX` (chain: `ProportionOverflow`).
    ProportionOverflow,
    /// A child appears twice (chain: `DuplicateChild`).
    DuplicateChild,
    /// The parent's total stake is below `StakeThreshold` and it is not the subnet owner's
    /// hotkey (chain: `NotEnoughStakeToSetChildkeys`).
    NotEnoughStakeToSetChildkeys,
    /// A new child is a parent of the hotkey (chain: `ChildParentInconsistency`).
    ChildParentInconsistency,
}

impl core::fmt::Display for ChildKeyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::RootSubnet => "child keys are not allowed on the root subnet",
            Self::TooManyChildren => "more than five children",
            Self::InvalidChild => "a hotkey cannot be its own child",
            Self::ProportionOverflow => "child proportions sum beyond u64::MAX",
            Self::DuplicateChild => "a child appears twice",
            Self::NotEnoughStakeToSetChildkeys => "parent stake below StakeThreshold",
            Self::ChildParentInconsistency => "a new child is a parent of the hotkey",
        })
    }
}

impl core::error::Error for ChildKeyError {}

/// A scheduled child list, `PendingChildKeys(s, h) = (children, cooldown_block)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PendingChildren {
    /// The children to set, as given.
    pub children: KeyList,
    /// Applied in an epoch-slot block strictly after this one.
    pub cooldown_block: u64,
}

/// One subnet's child-key storage. Empty lists are not stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChildKeys {
    /// `ChildKeys(h, s)`: the children of each parent hotkey.
    pub children: BTreeMap<AccountId, KeyList>,
    /// `ParentKeys(h, s)`: the parents of each child hotkey (the mirror of `children`).
    pub parents: BTreeMap<AccountId, KeyList>,
    /// `ChildkeyTake(h, s)`, u16 proportion; absent = 0.
    pub take: BTreeMap<AccountId, u16>,
    /// `PendingChildKeys(s, h)`: schedules waiting for their cooldown.
    pub pending: BTreeMap<AccountId, PendingChildren>,
    /// `MinChildkeyTakePerSubnet(s)`, u16 proportion. Default 0.
    pub min_take: u16,
}

impl ChildKeys {
    /// `get_children(h, s)`.
    pub fn children_of(&self, hotkey: AccountId) -> &[(u64, AccountId)] {
        self.children.get(&hotkey).map_or(&[], Vec::as_slice)
    }

    /// `get_parents(h, s)`.
    pub fn parents_of(&self, hotkey: AccountId) -> &[(u64, AccountId)] {
        self.parents.get(&hotkey).map_or(&[], Vec::as_slice)
    }

    /// `ChildkeyTake(h, s)` as stored (default 0).
    pub fn stored_take(&self, hotkey: AccountId) -> u16 {
        self.take.get(&hotkey).copied().unwrap_or(0)
    }

    /// `ensure_pending_consistency`: no new child may be a parent of `hotkey` (a cycle of
    /// length 2). Longer cycles are allowed, as on chain.
    pub fn ensure_consistent(
        &self,
        hotkey: AccountId,
        children: &[(u64, AccountId)],
    ) -> Result<(), ChildKeyError> {
        let parents = self.parents_of(hotkey);
        if children
            .iter()
            .any(|(_, c)| parents.iter().any(|(_, p)| p == c))
        {
            return Err(ChildKeyError::ChildParentInconsistency);
        }
        Ok(())
    }

    /// `persist_child_parent_relations`: `ChildKeys(hotkey)` becomes `children`; `hotkey`
    /// leaves the `ParentKeys` of dropped children and is upserted (proportion updated in
    /// place, or appended) into those of the new ones.
    pub fn link(&mut self, hotkey: AccountId, children: KeyList) {
        let old = self.children.remove(&hotkey).unwrap_or_default();
        for (_, child) in &old {
            if children.iter().all(|(_, c)| c != child) {
                self.remove_parent(*child, hotkey);
            }
        }
        for (proportion, child) in &children {
            let parents = self.parents.entry(*child).or_default();
            match parents.iter_mut().find(|(_, p)| *p == hotkey) {
                Some(entry) => entry.0 = *proportion,
                None => parents.push((*proportion, hotkey)),
            }
        }
        if !children.is_empty() {
            self.children.insert(hotkey, children);
        }
    }

    fn remove_parent(&mut self, child: AccountId, parent: AccountId) {
        if let Some(parents) = self.parents.get_mut(&child) {
            parents.retain(|(_, p)| *p != parent);
            if parents.is_empty() {
                self.parents.remove(&child);
            }
        }
    }

    /// `do_set_pending_children(s)` at `block`: every schedule with `cooldown_block < block` —
    /// every schedule, whatever its cooldown, when the subnet's `SubtokenEnabled` is false — is
    /// removed and, if still consistent, applied; an inconsistent one is dropped silently.
    ///
    /// DIFFERENCE: the chain visits `PendingChildKeys` in its storage-hash order
    /// (`blake2_128` of the encoded 32-byte parent hotkey); taosim's accounts are small
    /// integers with no such encoding, so hotkeys ascend. The order matters only when two
    /// matured schedules conflict (the first wins).
    ///
    /// Source: subtensor pallets/subtensor/src/staking/set_children.rs,
    /// `do_set_pending_children`.
    pub fn do_set_pending_children(&mut self, block: u64, subtoken_enabled: bool) {
        let matured: Vec<AccountId> = self
            .pending
            .iter()
            .filter(|(_, p)| !subtoken_enabled || p.cooldown_block < block)
            .map(|(h, _)| *h)
            .collect();
        for hotkey in matured {
            let Some(pending) = self.pending.remove(&hotkey) else {
                continue;
            };
            if self.ensure_consistent(hotkey, &pending.children).is_ok() {
                self.link(hotkey, pending.children);
            }
        }
    }
}

/// The checks of `do_schedule_children` that need no storage, in the chain's order: at most
/// [`MAX_CHILDREN`], no self-child, proportions summing to at most `u64::MAX`, no duplicate.
pub fn validate_children(
    hotkey: AccountId,
    children: &[(u64, AccountId)],
) -> Result<(), ChildKeyError> {
    if children.len() > MAX_CHILDREN {
        return Err(ChildKeyError::TooManyChildren);
    }
    if children.iter().any(|(_, c)| *c == hotkey) {
        return Err(ChildKeyError::InvalidChild);
    }
    children
        .iter()
        .try_fold(0u64, |sum, (p, _)| sum.checked_add(*p))
        .ok_or(ChildKeyError::ProportionOverflow)?;
    let duplicate = children
        .iter()
        .enumerate()
        .any(|(i, (_, c))| children[..i].iter().any(|(_, d)| d == c));
    if duplicate {
        return Err(ChildKeyError::DuplicateChild);
    }
    Ok(())
}

/// `get_inherited_for_hotkey_on_subnet` on any stake source (spec §8.2), in U96F32 floored:
/// `own − Σ_children own·(p/u64::MAX) + Σ_parents own_P·(p/u64::MAX)`, each product floored,
/// the children's sum subtracted (saturating) before the parents' sum is added. Parents
/// contribute their own stake (`stake_of`), not their inherited stake.
pub fn inherited_stake(
    keys: &ChildKeys,
    hotkey: AccountId,
    stake_of: impl Fn(AccountId) -> u64,
) -> u64 {
    let zero = U96F32::from_bits(0);
    let own = U96F32::saturating_from_num(stake_of(hotkey));
    let to_children = keys.children_of(hotkey).iter().fold(zero, |sum, (p, _)| {
        sum.saturating_add(own.saturating_mul(u64_proportion(*p)))
    });
    let from_parents = keys
        .parents_of(hotkey)
        .iter()
        .fold(zero, |sum, (p, parent)| {
            let parent_stake = U96F32::saturating_from_num(stake_of(*parent));
            sum.saturating_add(parent_stake.saturating_mul(u64_proportion(*p)))
        });
    own.saturating_sub(to_children)
        .saturating_add(from_parents)
        .saturating_to_num::<u64>()
}

impl Chain {
    /// `get_total_stake_for_hotkey` (spec §6.5): `floor(Σ_s TotalHotkeyAlpha(h, s) × price_s)`
    /// over every subnet, root included (price 1), in U64F64 with saturating products and sum.
    /// TAO rao.
    pub fn get_total_stake_for_hotkey(&self, hotkey: AccountId) -> u64 {
        self.subnets
            .iter()
            .map(|s| {
                U64F64::saturating_from_num(s.hotkey_stake(hotkey))
                    .saturating_mul(s.pool.current_alpha_price())
            })
            .fold(U64F64::from_bits(0), U64F64::saturating_add)
            .saturating_to_num::<u64>()
    }

    /// `get_inherited_for_hotkey_on_subnet(h, s)`: h's alpha stake on `netuid` (which must
    /// exist) after what it lends to its children and borrows from its parents there (alpha
    /// rao).
    pub fn get_inherited_for_hotkey_on_subnet(&self, hotkey: AccountId, netuid: u16) -> u64 {
        let s = &self.subnets[usize::from(netuid)];
        inherited_stake(&s.child_keys, hotkey, |h| s.hotkey_stake(h))
    }

    /// `get_tao_inherited_for_hotkey_on_subnet(h, s)`: the same rule applied to root stakes,
    /// with the relations of `netuid` (TAO rao).
    pub fn get_tao_inherited_for_hotkey_on_subnet(&self, hotkey: AccountId, netuid: u16) -> u64 {
        let root = &self.subnets[usize::from(ROOT)];
        let keys = &self.subnets[usize::from(netuid)].child_keys;
        inherited_stake(keys, hotkey, |h| root.hotkey_stake(h))
    }

    /// The epoch's stakes per uid of `netuid`: (inherited alpha, inherited root) (spec §8.2).
    /// Without any relation on the subnet these are the own stakes.
    pub(super) fn epoch_stakes(&self, netuid: u16) -> (Vec<u64>, Vec<u64>) {
        let s = &self.subnets[usize::from(netuid)];
        let root = &self.subnets[usize::from(ROOT)];
        let plain = s.child_keys.children.is_empty();
        s.neurons
            .hotkeys
            .iter()
            .map(|h| {
                if plain {
                    (s.hotkey_stake(*h), root.hotkey_stake(*h))
                } else {
                    (
                        self.get_inherited_for_hotkey_on_subnet(*h, netuid),
                        self.get_tao_inherited_for_hotkey_on_subnet(*h, netuid),
                    )
                }
            })
            .collect()
    }

    /// The childkey take bounds on `netuid`: `[max(MinChildkeyTake,
    /// MinChildkeyTakePerSubnet[s]), MaxChildkeyTake]`.
    pub fn childkey_take_bounds(&self, netuid: u16) -> ChildkeyTakeBounds {
        ChildkeyTakeBounds {
            min: self.params.min_childkey_take,
            min_per_subnet: self
                .subnets
                .get(usize::from(netuid))
                .map_or(0, |s| s.child_keys.min_take),
            max: self.params.max_childkey_take,
        }
    }

    /// What `get_parent_child_dividends_distribution` reads for each of `hotkeys` that has
    /// parents on `netuid`: own stakes, children's proportions, each parent's own stakes and
    /// whether it has h's owner, and the effective childkey take. A hotkey without parents
    /// keeps its whole dividend, so it needs no entry.
    ///
    /// Owners compare as `Owner(h)`: two hotkeys without an owner compare equal, as the chain's
    /// default account does.
    pub(super) fn child_key_inputs(
        &self,
        netuid: u16,
        hotkeys: &[AccountId],
    ) -> BTreeMap<AccountId, ChildKeyInput<AccountId>> {
        let s = &self.subnets[usize::from(netuid)];
        let root = &self.subnets[usize::from(ROOT)];
        let owner = |h: AccountId| self.hotkeys.get(&h).map(|k| k.owner);
        let bounds = self.childkey_take_bounds(netuid);
        hotkeys
            .iter()
            .filter(|h| !s.child_keys.parents_of(**h).is_empty())
            .map(|&h| {
                let parents = s
                    .child_keys
                    .parents_of(h)
                    .iter()
                    .map(|&(proportion, parent)| ParentStake {
                        parent,
                        proportion,
                        alpha_stake: s.hotkey_stake(parent),
                        root_stake: root.hotkey_stake(parent),
                        same_owner: owner(parent) == owner(h),
                    })
                    .collect();
                let input = ChildKeyInput {
                    alpha_stake: s.hotkey_stake(h),
                    root_stake: root.hotkey_stake(h),
                    children: s.child_keys.children_of(h).iter().map(|c| c.0).collect(),
                    parents,
                    childkey_take: bounds.effective_take(s.child_keys.stored_take(h)),
                };
                (h, input)
            })
            .collect()
    }

    /// `do_schedule_children(hotkey, netuid, children)` by `coldkey` (spec §10.6): checks, in
    /// the chain's order, that `netuid` is not root and exists, that `coldkey` owns `hotkey`,
    /// the list itself ([`validate_children`]), `StakeThreshold` on the hotkey's total stake
    /// (unless the list is empty — a revocation — or the hotkey is `SubnetOwnerHotkey`), and
    /// that no new child is a parent of `hotkey`. Then the list is stored in
    /// `PendingChildKeys` with `cooldown_block = block + PendingChildKeyCooldown`, replacing an
    /// earlier schedule.
    ///
    /// On a subnet whose `SubtokenEnabled` is false every pending schedule of the subnet —
    /// this one and any earlier one, whatever its cooldown — is applied at once
    /// ([`ChildKeys::do_set_pending_children`]) and nothing stays pending.
    pub fn set_children(
        &mut self,
        coldkey: AccountId,
        hotkey: AccountId,
        netuid: u16,
        children: &[(u64, AccountId)],
    ) -> Result<(), OpError> {
        if netuid == ROOT {
            return Err(OpError::Children(ChildKeyError::RootSubnet));
        }
        let s = self.subnet(netuid)?;
        self.ensure_hotkey_owner(coldkey, hotkey)?;
        validate_children(hotkey, children).map_err(OpError::Children)?;
        let exempt = children.is_empty() || s.owner_hotkey == Some(hotkey);
        if !exempt && self.get_total_stake_for_hotkey(hotkey) < self.params.stake_threshold {
            return Err(OpError::Children(
                ChildKeyError::NotEnoughStakeToSetChildkeys,
            ));
        }
        s.child_keys
            .ensure_consistent(hotkey, children)
            .map_err(OpError::Children)?;
        let subtoken_enabled = s.subtoken_enabled;
        let cooldown_block = self
            .block
            .saturating_add(self.params.pending_childkey_cooldown);
        let keys = &mut self.subnets[usize::from(netuid)].child_keys;
        let pending = PendingChildren {
            children: children.to_vec(),
            cooldown_block,
        };
        keys.pending.insert(hotkey, pending);
        if !subtoken_enabled {
            keys.do_set_pending_children(self.block, false);
        }
        Ok(())
    }

    /// Genesis: sets `hotkey`'s children on `netuid` at once, as the chain's test helper
    /// `mock_set_children_no_epochs` does: the list checks and the child↔parent consistency
    /// apply; ownership, `StakeThreshold` and the cooldown do not.
    pub fn genesis_children(
        &mut self,
        netuid: u16,
        hotkey: AccountId,
        children: &[(u64, AccountId)],
    ) -> Result<(), OpError> {
        if netuid == ROOT {
            return Err(OpError::Children(ChildKeyError::RootSubnet));
        }
        let s = self.subnet(netuid)?;
        validate_children(hotkey, children).map_err(OpError::Children)?;
        s.child_keys
            .ensure_consistent(hotkey, children)
            .map_err(OpError::Children)?;
        let keys = &mut self.subnets[usize::from(netuid)].child_keys;
        keys.pending.remove(&hotkey);
        keys.link(hotkey, children.to_vec());
        Ok(())
    }

    /// `set_childkey_take(hotkey, netuid, take)` by `coldkey`: `ChildkeyTake(hotkey, netuid)`
    /// within [`Chain::childkey_take_bounds`] (the rate limit is not modelled).
    pub fn set_childkey_take(
        &mut self,
        coldkey: AccountId,
        hotkey: AccountId,
        netuid: u16,
        take: u16,
    ) -> Result<(), OpError> {
        self.subnet(netuid)?;
        self.ensure_hotkey_owner(coldkey, hotkey)?;
        let bounds = self.childkey_take_bounds(netuid);
        let keys = &mut self.subnets[usize::from(netuid)].child_keys;
        let mut stored = keys.stored_take(hotkey);
        set_childkey_take(&mut stored, take, &bounds).map_err(OpError::Staking)?;
        keys.take.insert(hotkey, stored);
        Ok(())
    }

    fn ensure_hotkey_owner(&self, coldkey: AccountId, hotkey: AccountId) -> Result<(), OpError> {
        match self.hotkeys.get(&hotkey) {
            None => Err(OpError::HotkeyNotFound),
            Some(h) if h.owner != coldkey => Err(OpError::NotHotkeyOwner),
            Some(_) => Ok(()),
        }
    }

    /// `try_set_pending_children` (block step 7): on every subnet whose epoch slot was
    /// consumed this block (`LastEpochBlock == block`: the epoch ran or was skipped as
    /// inconsistent, not deferred), the matured schedules are applied.
    pub(super) fn try_set_pending_children(&mut self) {
        let block = self.block;
        for s in &mut self.subnets {
            if s.clock.last_epoch_block == block && !s.child_keys.pending.is_empty() {
                s.child_keys
                    .do_set_pending_children(block, s.subtoken_enabled);
            }
        }
    }

    /// After `remove_stake` (spec §11): if `hotkey`'s total stake is now below
    /// `StakeThreshold`, its `PendingChildKeys` are dropped on every subnet.
    pub(super) fn clear_pending_children_below_threshold(&mut self, hotkey: AccountId) {
        // Valuing the hotkey's stake prices every subnet: only when something could be dropped.
        let pending = self
            .subnets
            .iter()
            .any(|s| s.child_keys.pending.contains_key(&hotkey));
        if pending && self.get_total_stake_for_hotkey(hotkey) < self.params.stake_threshold {
            for s in &mut self.subnets {
                s.child_keys.pending.remove(&hotkey);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_with(parent: AccountId, children: KeyList) -> ChildKeys {
        let mut keys = ChildKeys::default();
        keys.link(parent, children);
        keys
    }

    #[test]
    fn link_mirrors_children_into_parents_and_unlinks_dropped_ones() {
        let mut keys = keys_with(1, vec![(10, 2), (20, 3)]);
        assert_eq!(keys.parents_of(2), &[(10, 1)]);
        keys.link(1, vec![(30, 3)]);
        assert_eq!(keys.parents_of(2), &[]);
        assert_eq!(keys.parents_of(3), &[(30, 1)]);
        keys.link(1, Vec::new());
        assert_eq!(keys, ChildKeys::default(), "revoking leaves no empty lists");
    }

    #[test]
    fn a_parent_cannot_become_a_child() {
        let keys = keys_with(1, vec![(10, 2)]);
        assert_eq!(
            keys.ensure_consistent(2, &[(5, 1)]),
            Err(ChildKeyError::ChildParentInconsistency)
        );
        assert_eq!(keys.ensure_consistent(2, &[(5, 3)]), Ok(()));
    }

    #[test]
    fn list_checks_follow_the_chain_order() {
        let six: KeyList = (2..8).map(|c| (1, c)).collect();
        assert_eq!(
            validate_children(1, &six),
            Err(ChildKeyError::TooManyChildren)
        );
        assert_eq!(
            validate_children(1, &[(1, 1)]),
            Err(ChildKeyError::InvalidChild)
        );
        assert_eq!(
            validate_children(1, &[(u64::MAX, 2), (1, 3)]),
            Err(ChildKeyError::ProportionOverflow)
        );
        assert_eq!(
            validate_children(1, &[(1, 2), (1, 2)]),
            Err(ChildKeyError::DuplicateChild)
        );
        assert_eq!(validate_children(1, &[(u64::MAX, 2)]), Ok(()));
    }

    #[test]
    fn inherited_stake_moves_proportions_of_own_stake() {
        // 1 gives a quarter of its stake to 2: 1_000 → 750 (+0 from parents), 2: 40 + 250.
        let keys = keys_with(1, vec![(u64::MAX / 4, 2)]);
        let stake = |h: AccountId| if h == 1 { 1_000 } else { 40 };
        // u64::MAX / 4 / u64::MAX is just under ¼: 1000 × it floors to 249.99…
        assert_eq!(inherited_stake(&keys, 1, stake), 750);
        assert_eq!(inherited_stake(&keys, 2, stake), 289);
    }

    #[test]
    fn pending_children_wait_for_the_cooldown() {
        let mut keys = ChildKeys::default();
        let pending = PendingChildren {
            children: vec![(1, 2)],
            cooldown_block: 10,
        };
        keys.pending.insert(1, pending);
        keys.do_set_pending_children(10, true);
        assert!(keys.children.is_empty(), "cooldown_block < block is strict");
        keys.do_set_pending_children(11, true);
        assert_eq!(keys.children_of(1), &[(1, 2)]);
        assert!(keys.pending.is_empty());
    }

    /// Source: subtensor pallets/subtensor/src/staking/set_children.rs,
    /// `do_set_pending_children` (issue 16, item 5): with `SubtokenEnabled` false every
    /// pending schedule applies, its cooldown notwithstanding.
    #[test]
    fn without_the_subnet_token_pending_children_skip_the_cooldown() {
        let mut keys = ChildKeys::default();
        for (hotkey, child) in [(1, 2), (3, 4)] {
            let pending = PendingChildren {
                children: vec![(1, child)],
                cooldown_block: 100,
            };
            keys.pending.insert(hotkey, pending);
        }
        keys.do_set_pending_children(5, false);
        assert_eq!(keys.children_of(1), &[(1, 2)]);
        assert_eq!(keys.children_of(3), &[(1, 4)]);
        assert!(keys.pending.is_empty());
    }
}
