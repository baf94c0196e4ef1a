//! What participants can do to the chain (spec §11, §12.1): stake and unstake through the
//! pools, register a neuron by burning, set weights — plus genesis helpers that place neurons
//! and stakes without paying for them. Every operation the chain would reject returns an
//! [`OpError`] and changes nothing. Child-key operations are in `children.rs`.
//!
//! The simulator has no block author: swap fees that would go to one are burned (TAO to the
//! burn account, alpha left counted in `SubnetAlphaOut`), as the chain does when there is none.

use super::{AccountId, Chain, ChildKeyError, ROOT, Subnet};
use crate::chain::math::vec_u16_max_upscale_to_u16;
use crate::chain::registration::{
    NeuronStanding, PruneInput, RegistrationError, RegistrationSlot, registration_slot,
};
use crate::chain::staking::{StakingError, set_take};
use crate::chain::swap::{Mechanism, Order, SwapError, swap_fee};

/// Why the chain rejected an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpError {
    /// No subnet with this netuid.
    SubnetNotFound,
    /// The hotkey does not exist (no owner).
    HotkeyNotFound,
    /// The hotkey belongs to another coldkey.
    NotHotkeyOwner,
    /// The coldkey's free balance is too small.
    NotEnoughBalance,
    /// Below `DefaultMinStake` (+ fee).
    StakeBelowMinimum,
    /// More than 1000 × the pool reserve.
    AmountTooLarge,
    /// `SubtokenEnabled` is false.
    SubtokenDisabled,
    /// The swap failed.
    Swap(SwapError),
    /// The share pool refused.
    Staking(StakingError),
    /// Registration is closed or impossible.
    Registration(RegistrationError),
    /// Registration is not allowed on this subnet (or it is root).
    RegistrationClosed,
    /// The hotkey already has a uid on this subnet.
    AlreadyRegistered,
    /// The hotkey has no uid on this subnet.
    NotRegistered,
    /// Weights: uids and values differ in length, a uid is out of range or repeated.
    InvalidWeights,
    /// A child-key schedule was refused.
    Children(ChildKeyError),
    /// A stake move whose origin and destination are the same stake (chain: `SameNetuid`).
    SameNetuid,
}

impl core::fmt::Display for OpError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            OpError::SubnetNotFound => f.write_str("no such subnet"),
            OpError::HotkeyNotFound => f.write_str("hotkey does not exist"),
            OpError::NotHotkeyOwner => f.write_str("hotkey belongs to another coldkey"),
            OpError::NotEnoughBalance => f.write_str("not enough free balance"),
            OpError::StakeBelowMinimum => f.write_str("amount below the minimum stake"),
            OpError::AmountTooLarge => f.write_str("amount exceeds 1000 times the pool reserve"),
            OpError::SubtokenDisabled => f.write_str("subnet token not enabled"),
            OpError::Swap(e) => write!(f, "swap failed: {e}"),
            OpError::Staking(e) => write!(f, "staking failed: {e}"),
            OpError::Registration(e) => write!(f, "registration failed: {e}"),
            OpError::RegistrationClosed => f.write_str("registration not allowed on this subnet"),
            OpError::AlreadyRegistered => f.write_str("hotkey already registered on this subnet"),
            OpError::NotRegistered => f.write_str("hotkey not registered on this subnet"),
            OpError::InvalidWeights => f.write_str("invalid weights"),
            OpError::Children(e) => write!(f, "child keys refused: {e}"),
            OpError::SameNetuid => f.write_str("origin and destination are the same stake"),
        }
    }
}

impl core::error::Error for OpError {}

impl Chain {
    pub(super) fn subnet(&self, netuid: u16) -> Result<&Subnet, OpError> {
        self.subnets
            .get(usize::from(netuid))
            .ok_or(OpError::SubnetNotFound)
    }

    /// `add_stake(hotkey, netuid, tao)` by `coldkey`: swaps `tao` rao for alpha (1:1 on root)
    /// and stakes it. Returns the alpha staked.
    pub fn add_stake(
        &mut self,
        coldkey: AccountId,
        hotkey: AccountId,
        netuid: u16,
        tao: u64,
    ) -> Result<u64, OpError> {
        let s = self.subnet(netuid)?;
        if !self.hotkeys.contains_key(&hotkey) {
            return Err(OpError::HotkeyNotFound);
        }
        let fee_rate = self.params.swap.fee_rate;
        let min = self.params.default_min_stake;
        if tao < min.saturating_add(swap_fee(min, fee_rate)) {
            return Err(OpError::StakeBelowMinimum);
        }
        if tao > self.balance(coldkey) {
            return Err(OpError::NotEnoughBalance);
        }
        if netuid != ROOT && !s.subtoken_enabled {
            return Err(OpError::SubtokenDisabled);
        }
        let stable = s.pool.mechanism == Mechanism::Stable;
        if !stable && tao > s.pool.tao_reserve.saturating_mul(1000) {
            return Err(OpError::AmountTooLarge);
        }
        // Worked out on copies of the pool and the hotkey's share pool, committed on success.
        // The TAO inflow booked is the swap's `amount_paid_in` (net of the fee), as
        // `stake_into_subnet` records it (pallets/subtensor/src/staking/stake_utils.rs).
        let stake = self.plan_stake(netuid, hotkey, coldkey, tao, false)?;
        let alpha = stake.alpha;
        self.debit(coldkey, tao);
        self.commit_stake(netuid, hotkey, coldkey, stake);
        Ok(alpha)
    }

    /// `remove_stake(hotkey, netuid, alpha)` by `coldkey`: unstakes up to `alpha` and sells it
    /// (1:1 on root) into the coldkey's free balance, then clears what remains if it is a small
    /// nomination (`clear_small_nomination_if_required`). Returns the TAO received for
    /// `alpha` (a cleared remainder's TAO reaches the balance too but is not included).
    pub fn remove_stake(
        &mut self,
        coldkey: AccountId,
        hotkey: AccountId,
        netuid: u16,
        alpha: u64,
    ) -> Result<u64, OpError> {
        let s = self.subnet(netuid)?;
        let held = s.stake_of(hotkey, coldkey);
        let alpha = alpha.min(held);
        if alpha == 0 {
            return Err(OpError::Staking(StakingError::NotEnoughStake));
        }
        if netuid != ROOT && !s.subtoken_enabled {
            return Err(OpError::SubtokenDisabled);
        }
        let stable = s.pool.mechanism == Mechanism::Stable;
        if !stable && alpha > s.pool.alpha_reserve.saturating_mul(1000) {
            return Err(OpError::AmountTooLarge);
        }
        let sale = self.plan_unstake(netuid, hotkey, coldkey, alpha, false)?;
        let tao = sale.tao;
        if alpha < held && tao < self.params.default_min_stake {
            return Err(OpError::StakeBelowMinimum);
        }
        self.commit_unstake(netuid, hotkey, coldkey, sale);
        self.credit(coldkey, tao);
        self.clear_small_nomination_if_required(hotkey, coldkey, netuid);
        self.clear_pending_children_below_threshold(hotkey);
        Ok(tao)
    }

    fn debit(&mut self, coldkey: AccountId, amount: u64) {
        let balance = self.balances.entry(coldkey).or_insert(0);
        *balance = balance.saturating_sub(amount);
    }

    /// `burned_register(netuid, hotkey)` by `coldkey`: pays the burn (swapped to alpha, which
    /// is then burned), takes a new uid or the one `get_neuron_to_prune` names. Returns the uid.
    pub fn burned_register(
        &mut self,
        coldkey: AccountId,
        hotkey: AccountId,
        netuid: u16,
    ) -> Result<u16, OpError> {
        let s = self.subnet(netuid)?;
        if netuid == ROOT || !s.registration_allowed {
            return Err(OpError::RegistrationClosed);
        }
        if s.neurons.uid_of(hotkey).is_some() {
            return Err(OpError::AlreadyRegistered);
        }
        if self
            .hotkeys
            .get(&hotkey)
            .is_some_and(|h| h.owner != coldkey)
        {
            return Err(OpError::NotHotkeyOwner);
        }
        let cost = s.burn;
        if cost > self.balance(coldkey) {
            return Err(OpError::NotEnoughBalance);
        }
        let slot = self
            .registration_slot(netuid)
            .map_err(OpError::Registration)?;
        let mut pool = s.pool;
        let receipt = pool
            .swap(Order::Buy, cost, u64::MAX, false, self.params.swap)
            .map_err(OpError::Swap)?;
        let burned_alpha = receipt.quote.paid_out;
        let subnet = &mut self.subnets[usize::from(netuid)];
        subnet.pool = pool;
        subnet.burn = subnet.burn_params.bump(subnet.burn);
        self.debit(coldkey, cost);
        self.ledger.subnet_account_tao += receipt.quote.fee;
        *self.ledger.recycled_alpha.entry(netuid).or_insert(0) += burned_alpha;
        self.total_stake = self.total_stake.saturating_add(cost);
        self.create_hotkey(hotkey, coldkey);
        Ok(self.place_neuron(netuid, hotkey, slot))
    }

    /// Where the next registration on `netuid` goes.
    fn registration_slot(&self, netuid: u16) -> Result<RegistrationSlot, RegistrationError> {
        let s = &self.subnets[usize::from(netuid)];
        let standings: Vec<NeuronStanding> = (0..s.neurons.len())
            .map(|uid| NeuronStanding {
                emission: s
                    .last_epoch
                    .as_ref()
                    .and_then(|o| o.emission.get(uid).copied())
                    .unwrap_or(0),
                registered_at: s.neurons.registered_at[uid],
            })
            .collect();
        let owner_uids: Vec<u16> = match s.owner {
            Some(owner) => (0..s.neurons.len() as u16)
                .filter(|uid| {
                    self.hotkeys
                        .get(&s.neurons.hotkeys[usize::from(*uid)])
                        .map(|h| h.owner)
                        == Some(owner)
                })
                .collect(),
            None => Vec::new(),
        };
        let input = PruneInput {
            neurons: &standings,
            current_block: self.block,
            immunity_period: s.immunity_period,
            min_non_immune_uids: s.min_non_immune_uids,
            immune_owner_uids_limit: s.immune_owner_uids_limit,
            owner_coldkey_uids: &owner_uids,
            owner_hotkey_uid: s.owner_hotkey.and_then(|h| s.neurons.uid_of(h)),
        };
        registration_slot(s.max_allowed_uids, &input)
    }

    /// `register_neuron`: appends or replaces, clearing the uid's weights, bonds and permit and
    /// zeroing other rows' weights to it.
    fn place_neuron(&mut self, netuid: u16, hotkey: AccountId, slot: RegistrationSlot) -> u16 {
        let block = self.block;
        let n = &mut self.subnets[usize::from(netuid)].neurons;
        match slot {
            RegistrationSlot::Append(_) => {
                n.hotkeys.push(hotkey);
                n.registered_at.push(block);
                n.last_update.push(block);
                n.weights.push(Vec::new());
                n.bonds.push(Vec::new());
                n.validator_permit.push(false);
                (n.len() - 1) as u16
            }
            RegistrationSlot::Replace(uid) => {
                let i = usize::from(uid);
                n.hotkeys[i] = hotkey;
                n.registered_at[i] = block;
                n.last_update[i] = block;
                n.weights[i].clear();
                n.bonds[i].clear();
                n.validator_permit[i] = false;
                for row in &mut n.weights {
                    row.iter_mut()
                        .filter(|(j, _)| *j == uid)
                        .for_each(|(_, w)| *w = 0);
                }
                uid
            }
        }
    }

    /// Genesis: registers `hotkey` (owned by `coldkey`) on `netuid` without a burn.
    pub fn genesis_neuron(&mut self, netuid: u16, hotkey: AccountId, coldkey: AccountId) -> u16 {
        self.create_hotkey(hotkey, coldkey);
        let uid = self.subnets[usize::from(netuid)].neurons.len() as u16;
        self.place_neuron(netuid, hotkey, RegistrationSlot::Append(uid))
    }

    /// Genesis: mints `amount` of stake for `(hotkey, coldkey)` on `netuid` (TAO on root: the
    /// issuance grows; alpha elsewhere: the subnet's alpha issuance grows).
    pub fn genesis_stake(
        &mut self,
        netuid: u16,
        hotkey: AccountId,
        coldkey: AccountId,
        amount: u64,
    ) {
        let s = &mut self.subnets[usize::from(netuid)];
        s.stakes
            .entry(hotkey)
            .or_default()
            .increase_stake_for_hotkey_and_coldkey_on_subnet(coldkey, amount);
        s.alpha_out = s.alpha_out.saturating_add(amount);
        self.staking_index.record_stake(coldkey, hotkey);
        if netuid == ROOT {
            s.pool.tao_reserve = s.pool.tao_reserve.saturating_add(amount);
            self.total_issuance = self.total_issuance.saturating_add(amount);
            self.total_stake = self.total_stake.saturating_add(amount);
        } else {
            *self.ledger.minted_alpha.entry(netuid).or_insert(0) += amount;
        }
    }

    /// `decrease_take` / `increase_take` by `coldkey` for its `hotkey`: the delegate take,
    /// within the chain's bounds (the increase rate limit is not modelled).
    pub fn set_take(
        &mut self,
        coldkey: AccountId,
        hotkey: AccountId,
        take: u16,
    ) -> Result<(), OpError> {
        let bounds = self.params.take_bounds;
        let info = self
            .hotkeys
            .get_mut(&hotkey)
            .ok_or(OpError::HotkeyNotFound)?;
        if info.owner != coldkey {
            return Err(OpError::NotHotkeyOwner);
        }
        set_take(&mut info.take, take, &bounds).map_err(OpError::Staking)
    }

    /// `set_weights(netuid, uids, values)` by `hotkey`: stores the max-upscaled row and sets
    /// `LastUpdate`.
    pub fn set_weights(
        &mut self,
        hotkey: AccountId,
        netuid: u16,
        uids: &[u16],
        values: &[u16],
    ) -> Result<(), OpError> {
        let s = self.subnet(netuid)?;
        let uid = s.neurons.uid_of(hotkey).ok_or(OpError::NotRegistered)?;
        let n = s.neurons.len();
        let mut seen = vec![false; n];
        let valid = uids.len() == values.len()
            && uids.iter().all(|u| match seen.get_mut(usize::from(*u)) {
                Some(slot) if !*slot => {
                    *slot = true;
                    true
                }
                _ => false,
            });
        if !valid {
            return Err(OpError::InvalidWeights);
        }
        let stored = vec_u16_max_upscale_to_u16(values);
        let block = self.block;
        let neurons = &mut self.subnets[usize::from(netuid)].neurons;
        let row = &mut neurons.weights[usize::from(uid)];
        row.clear();
        row.extend(uids.iter().copied().zip(stored));
        neurons.last_update[usize::from(uid)] = block;
        Ok(())
    }
}
