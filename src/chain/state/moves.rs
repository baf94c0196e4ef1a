//! Moving stake without leaving the chain (spec §11; subtensor `staking/move_stake.rs`):
//! `move_stake` (to another hotkey), `transfer_stake` (to another coldkey) and `swap_stake`
//! (to another subnet), all through the chain's `transition_stake_internal`, and the
//! small-nomination clearing that follows a removal (spec §10.6).
//!
//! Within one subnet a transition moves shares' worth of alpha from one share pool to another:
//! no swap, no fee, and the alpha's spot value must be at least `DefaultMinStake`. Across
//! subnets it sells on the origin subnet and buys on the destination, paying one swap fee: on
//! the sell, or on the buy when the origin is root (whose sell is 1:1 and fee-free anyway).
//! Root stake that moves gets the root-claim adjustments of spec §10.4, so it carries no
//! dividends already credited to its old owner. Every rejected transition returns an
//! [`OpError`] and changes nothing: both legs are worked out on copies of the pools and share
//! pools they touch and committed together.
//!
//! Not modelled: the limit-price variants (`move_stake_limit`, ...), `TransferToggle`
//! (transfers are always allowed), conviction locks, staking rate limits, and
//! `maybe_become_delegate` (every hotkey here already has a take).

use super::{AccountId, Chain, OpError, ROOT};
use crate::chain::fixed::U64F64;
use crate::chain::staking::{
    SharePool, StakingError, get_nominator_min_required_stake, should_clear_small_nomination,
};
use crate::chain::swap::Pool;

/// Who moves what where: the arguments of `transition_stake_internal`.
#[derive(Clone, Copy, Debug)]
struct Transition {
    origin_coldkey: AccountId,
    destination_coldkey: AccountId,
    origin_hotkey: AccountId,
    destination_hotkey: AccountId,
    origin_netuid: u16,
    destination_netuid: u16,
}

/// `unstake_from_subnet` worked out on copies: the origin's pool and share pool after the
/// removal and the sale.
pub(super) struct Unstake {
    pool: Pool,
    shares: SharePool<AccountId>,
    /// Alpha taken out of the stake, rao.
    alpha: u64,
    /// Alpha that entered the pool (`amount_paid_in`); the rest is the fee, rao.
    sold: u64,
    /// TAO out of the pool, rao.
    pub(super) tao: u64,
}

/// `stake_into_subnet` worked out on copies: the destination's pool and share pool after the
/// purchase and the stake.
pub(super) struct Stake {
    pool: Pool,
    shares: SharePool<AccountId>,
    /// TAO spent, fee included, rao.
    tao: u64,
    /// TAO booked as inflow (`amount_paid_in`, what entered the pool), rao.
    pub(super) inflow: u64,
    /// The fee, TAO rao (burned: there is no block author).
    fee: u64,
    /// Alpha staked, rao.
    pub(super) alpha: u64,
}

impl Chain {
    /// `move_stake(origin_hotkey, destination_hotkey, origin_netuid, destination_netuid,
    /// alpha)` by `coldkey`: moves up to `alpha` (rao of the origin subnet) of the coldkey's
    /// stake to another hotkey and/or subnet. Returns the TAO value moved, rao (the sale's
    /// output across subnets, the spot value within one).
    pub fn move_stake(
        &mut self,
        coldkey: AccountId,
        origin_hotkey: AccountId,
        destination_hotkey: AccountId,
        origin_netuid: u16,
        destination_netuid: u16,
        alpha: u64,
    ) -> Result<u64, OpError> {
        self.transition_stake(
            Transition {
                origin_coldkey: coldkey,
                destination_coldkey: coldkey,
                origin_hotkey,
                destination_hotkey,
                origin_netuid,
                destination_netuid,
            },
            alpha,
        )
    }

    /// `transfer_stake(destination_coldkey, hotkey, origin_netuid, destination_netuid, alpha)`
    /// by `coldkey`: gives up to `alpha` (rao of the origin subnet) of the coldkey's stake on
    /// `hotkey` to `destination_coldkey`, on the same hotkey, possibly on another subnet.
    /// Returns the TAO value moved, rao.
    pub fn transfer_stake(
        &mut self,
        coldkey: AccountId,
        destination_coldkey: AccountId,
        hotkey: AccountId,
        origin_netuid: u16,
        destination_netuid: u16,
        alpha: u64,
    ) -> Result<u64, OpError> {
        self.transition_stake(
            Transition {
                origin_coldkey: coldkey,
                destination_coldkey,
                origin_hotkey: hotkey,
                destination_hotkey: hotkey,
                origin_netuid,
                destination_netuid,
            },
            alpha,
        )
    }

    /// `swap_stake(hotkey, origin_netuid, destination_netuid, alpha)` by `coldkey`: moves up to
    /// `alpha` (rao of the origin subnet) of the coldkey's stake on `hotkey` to another subnet.
    /// Returns the TAO value moved, rao.
    pub fn swap_stake(
        &mut self,
        coldkey: AccountId,
        hotkey: AccountId,
        origin_netuid: u16,
        destination_netuid: u16,
        alpha: u64,
    ) -> Result<u64, OpError> {
        self.move_stake(
            coldkey,
            hotkey,
            hotkey,
            origin_netuid,
            destination_netuid,
            alpha,
        )
    }

    /// `transition_stake_internal` (without a limit price): caps `alpha` at the origin stake,
    /// validates (`validate_stake_transition`), then moves within the subnet or sells and buys.
    ///
    /// Errors, in this order: [`OpError::SameNetuid`] when nothing would move (same coldkey,
    /// hotkey and subnet); [`OpError::SubnetNotFound`]; [`OpError::SubtokenDisabled`] on either
    /// side (root exempt, as for `add_stake`); [`OpError::HotkeyNotFound`] for either hotkey;
    /// `Staking(NotEnoughStake)` when the capped amount is 0; then those of the two paths.
    fn transition_stake(&mut self, t: Transition, alpha: u64) -> Result<u64, OpError> {
        if t.origin_coldkey == t.destination_coldkey
            && t.origin_hotkey == t.destination_hotkey
            && t.origin_netuid == t.destination_netuid
        {
            return Err(OpError::SameNetuid);
        }
        for netuid in [t.origin_netuid, t.destination_netuid] {
            let s = self.subnet(netuid)?;
            if netuid != ROOT && !s.subtoken_enabled {
                return Err(OpError::SubtokenDisabled);
            }
        }
        for hotkey in [t.origin_hotkey, t.destination_hotkey] {
            if !self.hotkeys.contains_key(&hotkey) {
                return Err(OpError::HotkeyNotFound);
            }
        }
        let held =
            self.subnets[usize::from(t.origin_netuid)].stake_of(t.origin_hotkey, t.origin_coldkey);
        let alpha = alpha.min(held);
        if alpha == 0 {
            return Err(OpError::Staking(StakingError::NotEnoughStake));
        }
        if t.origin_netuid == t.destination_netuid {
            self.transfer_stake_within_subnet(t, alpha)
        } else {
            self.transition_across_subnets(t, alpha)
        }
    }

    /// `transfer_stake_within_subnet`: the alpha leaves the origin (hotkey, coldkey) and joins
    /// the destination's on the same subnet; no swap, no fee. Its spot value
    /// `⌊price × alpha⌋` must be at least `DefaultMinStake` (else
    /// [`OpError::StakeBelowMinimum`], the chain's `AmountTooLow`). Returns that value.
    ///
    /// The value is computed in U64F64 ([`same_subnet_value`]).
    fn transfer_stake_within_subnet(&mut self, t: Transition, alpha: u64) -> Result<u64, OpError> {
        let netuid = t.origin_netuid;
        let s = &self.subnets[usize::from(netuid)];
        let value = same_subnet_value(s.pool.current_alpha_price(), alpha);
        if value < self.params.default_min_stake {
            return Err(OpError::StakeBelowMinimum);
        }
        let mut origin = s.stakes.get(&t.origin_hotkey).cloned().unwrap_or_default();
        origin
            .decrease_stake_for_hotkey_and_coldkey_on_subnet(t.origin_coldkey, alpha)
            .map_err(OpError::Staking)?;
        let mut destination = (t.destination_hotkey != t.origin_hotkey).then(|| {
            s.stakes
                .get(&t.destination_hotkey)
                .cloned()
                .unwrap_or_default()
        });
        destination
            .as_mut()
            .unwrap_or(&mut origin)
            .increase_stake_for_hotkey_and_coldkey_on_subnet(t.destination_coldkey, alpha);
        let stakes = &mut self.subnets[usize::from(netuid)].stakes;
        stakes.insert(t.origin_hotkey, origin);
        if let Some(destination) = destination {
            stakes.insert(t.destination_hotkey, destination);
        }
        if netuid == ROOT {
            self.root_claims.remove_stake_adjust_root_claimed(
                t.origin_hotkey,
                t.origin_coldkey,
                alpha,
            );
            self.root_claims.add_stake_adjust_root_claimed(
                t.destination_hotkey,
                t.destination_coldkey,
                alpha,
            );
        }
        self.staking_index
            .record_stake(t.destination_coldkey, t.destination_hotkey);
        Ok(value)
    }

    /// The cross-subnet path of `transition_stake_internal`: `unstake_from_subnet` on the
    /// origin (fee-free when the origin is root), then, if the TAO is at least
    /// `DefaultMinStake`, `stake_into_subnet` on the destination (fee-free unless the origin is
    /// root) for the destination coldkey; a smaller amount is left in the origin coldkey's free
    /// balance. Returns the TAO of the sale.
    ///
    /// Validation (`validate_stake_transition`): the sale, simulated exactly as it will execute,
    /// must yield strictly more than `DefaultMinStake` ([`OpError::StakeBelowMinimum`], the
    /// chain's `AmountTooLow`). Without a limit price the executed sale is the simulated
    /// one, so the "left as free balance" branch is reached only by the limit variants, which
    /// are not modelled; it is kept so that the two legs read as the chain's.
    ///
    /// A failed swap ([`OpError::Swap`]) or a purchase that would buy no shares
    /// ([`OpError::Staking`]) rejects the whole transition.
    fn transition_across_subnets(&mut self, t: Transition, alpha: u64) -> Result<u64, OpError> {
        let origin_is_root = t.origin_netuid == ROOT;
        let min = self.params.default_min_stake;
        let sale = self.plan_unstake(
            t.origin_netuid,
            t.origin_hotkey,
            t.origin_coldkey,
            alpha,
            origin_is_root,
        )?;
        if sale.tao <= min {
            return Err(OpError::StakeBelowMinimum);
        }
        let tao = sale.tao;
        let purchase = if tao >= min {
            Some(self.plan_stake(
                t.destination_netuid,
                t.destination_hotkey,
                t.destination_coldkey,
                tao,
                !origin_is_root,
            )?)
        } else {
            None
        };
        self.commit_unstake(t.origin_netuid, t.origin_hotkey, t.origin_coldkey, sale);
        match purchase {
            Some(stake) => self.commit_stake(
                t.destination_netuid,
                t.destination_hotkey,
                t.destination_coldkey,
                stake,
            ),
            None => self.credit(t.origin_coldkey, tao),
        }
        Ok(tao)
    }

    /// `unstake_from_subnet` on copies: removes `alpha` (rao) from (hotkey, coldkey) on
    /// `netuid` and sells it (1:1 on root and stable subnets), paying the swap fee unless
    /// `drop_fees`. Without a price limit, like `remove_stake` here: the chain's limit, the
    /// minimum price of 1_000 rao per alpha, would bind only on a pool priced below it.
    pub(super) fn plan_unstake(
        &self,
        netuid: u16,
        hotkey: AccountId,
        coldkey: AccountId,
        alpha: u64,
        drop_fees: bool,
    ) -> Result<Unstake, OpError> {
        let s = &self.subnets[usize::from(netuid)];
        let mut pool = s.pool;
        let (tao, sold) = pool
            .sell_unlimited(alpha, drop_fees, self.params.swap)
            .map_err(OpError::Swap)?;
        let mut shares = s.stakes.get(&hotkey).cloned().unwrap_or_default();
        shares
            .decrease_stake_for_hotkey_and_coldkey_on_subnet(coldkey, alpha)
            .map_err(OpError::Staking)?;
        Ok(Unstake {
            pool,
            shares,
            alpha,
            sold,
            tao,
        })
    }

    /// Commits an [`Unstake`]: the pool and share pool, `SubnetAlphaOut −= sold`, `TotalStake
    /// −= tao`, the TAO outflow, the root-claim adjustment on root. The fee's alpha stays
    /// counted in `SubnetAlphaOut`, held by no one (no block author). The TAO is the caller's
    /// to place.
    pub(super) fn commit_unstake(
        &mut self,
        netuid: u16,
        hotkey: AccountId,
        coldkey: AccountId,
        u: Unstake,
    ) {
        let s = &mut self.subnets[usize::from(netuid)];
        s.pool = u.pool;
        s.stakes.insert(hotkey, u.shares);
        s.alpha_out = s.alpha_out.saturating_sub(u.sold);
        s.tao_flow = s
            .tao_flow
            .saturating_sub(i64::try_from(u.tao).unwrap_or(i64::MAX));
        *self.ledger.unassigned_alpha.entry(netuid).or_insert(0) += u.alpha - u.sold;
        self.total_stake = self.total_stake.saturating_sub(u.tao);
        if netuid == ROOT {
            self.root_claims
                .remove_stake_adjust_root_claimed(hotkey, coldkey, u.alpha);
        }
    }

    /// `stake_into_subnet` on copies: buys alpha with `tao` (rao) on `netuid` with no price
    /// limit (1:1 on root and stable subnets), paying the swap fee unless `drop_fees`, and
    /// stakes it to (hotkey, coldkey). Rejects a stake that would buy no shares, as `add_stake`
    /// does (unverified for moves: the spec states the check for `add_stake` only).
    pub(super) fn plan_stake(
        &self,
        netuid: u16,
        hotkey: AccountId,
        coldkey: AccountId,
        tao: u64,
        drop_fees: bool,
    ) -> Result<Stake, OpError> {
        let s = &self.subnets[usize::from(netuid)];
        let mut pool = s.pool;
        let (alpha, paid_in, fee) = pool
            .buy_unlimited(tao, drop_fees, self.params.swap)
            .map_err(OpError::Swap)?;
        let mut shares = s.stakes.get(&hotkey).cloned().unwrap_or_default();
        shares
            .try_increase_stake_for_hotkey_and_coldkey_on_subnet(coldkey, alpha)
            .map_err(OpError::Staking)?;
        Ok(Stake {
            pool,
            shares,
            tao,
            inflow: paid_in,
            fee,
            alpha,
        })
    }

    /// Commits a [`Stake`]: the pool and share pool, `SubnetAlphaOut += alpha`, `TotalStake +=
    /// tao`, the TAO inflow (`amount_paid_in`), the fee burned, the root-claim adjustment on
    /// root, and the staking index.
    pub(super) fn commit_stake(
        &mut self,
        netuid: u16,
        hotkey: AccountId,
        coldkey: AccountId,
        st: Stake,
    ) {
        let s = &mut self.subnets[usize::from(netuid)];
        s.pool = st.pool;
        s.stakes.insert(hotkey, st.shares);
        s.alpha_out = s.alpha_out.saturating_add(st.alpha);
        s.tao_flow = s
            .tao_flow
            .saturating_add(i64::try_from(st.inflow).unwrap_or(i64::MAX));
        self.ledger.burned_tao = self.ledger.burned_tao.saturating_add(st.fee);
        self.total_stake = self.total_stake.saturating_add(st.tao);
        if netuid == ROOT {
            self.root_claims
                .add_stake_adjust_root_claimed(hotkey, coldkey, st.tao);
        }
        self.staking_index.record_stake(coldkey, hotkey);
    }

    pub(super) fn credit(&mut self, coldkey: AccountId, amount: u64) {
        let balance = self.balances.entry(coldkey).or_insert(0);
        *balance = balance.saturating_add(amount);
    }

    /// `clear_small_nomination_if_required(hotkey, coldkey, netuid)` (spec §10.6), run after a
    /// removal: if `coldkey` does not own `hotkey` and its remaining stake is positive but
    /// below `⌊NominatorMinRequiredStake-minimum / spot price⌋` alpha, all of it is unstaked
    /// (sold with the fee) into the coldkey's free balance. Should the sale fail, the stake is
    /// removed anyway and its alpha stays counted in `SubnetAlphaOut`, held by no one, as the
    /// chain's fallback does ("just clear small alpha"; unverified).
    pub(super) fn clear_small_nomination_if_required(
        &mut self,
        hotkey: AccountId,
        coldkey: AccountId,
        netuid: u16,
    ) {
        let owns = self
            .hotkeys
            .get(&hotkey)
            .is_some_and(|h| h.owner == coldkey);
        let s = &self.subnets[usize::from(netuid)];
        let alpha = s.stake_of(hotkey, coldkey);
        let min = get_nominator_min_required_stake(
            self.params.default_min_stake,
            self.params.nominator_min_required_stake,
        );
        if !should_clear_small_nomination(owns, alpha, min, s.pool.current_alpha_price()) {
            return;
        }
        match self.plan_unstake(netuid, hotkey, coldkey, alpha, false) {
            Ok(sale) => {
                let tao = sale.tao;
                self.commit_unstake(netuid, hotkey, coldkey, sale);
                self.credit(coldkey, tao);
            }
            Err(_) => {
                let s = &mut self.subnets[usize::from(netuid)];
                if let Some(shares) = s.stakes.get_mut(&hotkey) {
                    let _ = shares.decrease_stake_for_hotkey_and_coldkey_on_subnet(coldkey, alpha);
                }
                *self.ledger.unassigned_alpha.entry(netuid).or_insert(0) += alpha;
            }
        }
    }
}

/// The spot value of a same-subnet transfer, `⌊price × alpha⌋` rao: the pool's U64F64 price
/// times the alpha in U64F64, floored and saturating. Computing it in U96F32 (the price cut to
/// 32 fraction bits) can flip the minimum-stake check near the threshold on low-price subnets.
///
/// Source: subtensor pallets/subtensor/src/staking/stake_utils.rs,
/// `validate_stake_transition` (same-subnet branch).
pub fn same_subnet_value(price: U64F64, alpha: u64) -> u64 {
    price
        .saturating_mul(U64F64::saturating_from_num(alpha))
        .saturating_to_num::<u64>()
}
