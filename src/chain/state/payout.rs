//! `distribute_emission` (spec §7.3, §10): a drained subnet runs its epoch on the drained
//! alpha, then pays the owner cut, the miners' incentives and the validators' alpha and root
//! dividends (shared with child-key parents, delegate take first) into the stake pools and the
//! root-claim ledger.

use super::{AccountId, Chain, ROOT};
use crate::chain::coinbase::distribution::{
    RecycleOrBurn, RootDividendTarget, StakeAndDividend, calculate_dividends_and_incentives,
    distribute_incentives, dividend_distribution, pending_validator_alpha, split_alpha_dividend,
    split_root_dividend,
};
use crate::chain::coinbase::scheduler::PendingBuckets;
use crate::chain::epoch::{EpochOutput, MechanismSnapshot, SubnetSnapshot, epoch_mechanism};
use crate::chain::fixed::u64_proportion;
use std::collections::{BTreeMap, BTreeSet};

/// Alpha paid out of one drain, for the ledger.
#[derive(Default)]
struct Paid {
    /// Staked into pools.
    staked: u64,
    /// Credited to root stakers as owed dividends.
    owed: u64,
    /// Taken out of `SubnetAlphaOut`.
    recycled: u64,
}

impl Chain {
    /// Runs the epoch of `netuid` on the drained buckets and pays everything out.
    pub(super) fn distribute_emission(&mut self, netuid: u16, buckets: PendingBuckets) {
        let total = buckets
            .server
            .saturating_add(buckets.validator)
            .saturating_add(buckets.root);
        let output = self.run_epoch(netuid, total);
        let hotkeys = self.subnets[usize::from(netuid)].neurons.hotkeys.clone();
        let emission: Vec<(AccountId, u64, u64)> = hotkeys
            .iter()
            .enumerate()
            .map(|(uid, h)| {
                (
                    *h,
                    output.server_emission[uid],
                    output.validator_emission[uid],
                )
            })
            .collect();
        let incentive_sum = output
            .server_emission
            .iter()
            .fold(0u64, |a, x| a.saturating_add(*x));
        let validator_alpha =
            pending_validator_alpha(buckets.server, buckets.validator, incentive_sum);
        let mut paid = Paid::default();
        self.pay_owner_cut(netuid, buckets.owner_cut, &mut paid);
        let tao_weight = u64_proportion(self.params.tao_weight);
        let child_keys = self.child_key_inputs(netuid, &hotkeys);
        let split = calculate_dividends_and_incentives(
            &emission,
            &child_keys,
            tao_weight,
            u64_proportion(self.params.ck_burn),
        );
        paid.recycled = paid.recycled.saturating_add(split.burned);
        self.pay_incentives(netuid, &split.incentives, &mut paid);
        self.pay_dividends(
            netuid,
            &split.dividends,
            validator_alpha,
            buckets.root,
            &mut paid,
        );
        self.subnets[usize::from(netuid)].last_epoch = Some(output);
        self.settle(netuid, total.saturating_add(buckets.owner_cut), paid);
    }

    /// Builds the epoch input from storage (inherited stakes, spec §8.2), runs the epoch,
    /// stores permits and bonds. The stored weight and bond rows are moved into the input (not
    /// copied) and the weights put back after; the chain state has one mechanism, so no
    /// aggregation is needed.
    fn run_epoch(&mut self, netuid: u16, emission: u64) -> EpochOutput {
        let (alpha_stake, root_stake) = self.epoch_stakes(netuid);
        let block = self.block;
        let mut params = self.subnets[usize::from(netuid)].epoch.clone();
        params.tao_weight = self.params.tao_weight;
        params.stake_threshold = self.params.stake_threshold;
        let s = &mut self.subnets[usize::from(netuid)];
        let n = &s.neurons;
        let subnet = SubnetSnapshot {
            block,
            tempo: s.clock.tempo,
            last_step_block: s.clock.last_mechanism_step_block,
            owner_uid: s.owner_hotkey.and_then(|h| n.uid_of(h)),
            alpha_stake,
            root_stake,
            registered_at: n.registered_at.clone(),
            validator_permit: n.validator_permit.clone(),
        };
        let mechanism = MechanismSnapshot {
            last_update: n.last_update.clone(),
            weights: std::mem::take(&mut s.neurons.weights),
            bonds: std::mem::take(&mut s.neurons.bonds),
            commit_block: Vec::new(),
        };
        let mut output = epoch_mechanism(&subnet, &mechanism, emission, &params);
        s.neurons.weights = mechanism.weights;
        s.neurons.validator_permit = output.validator_permit.clone();
        s.neurons.bonds = std::mem::take(&mut output.bonds);
        output
    }

    /// Stakes `x` alpha for `(hotkey, coldkey)` on `netuid`.
    fn stake_for(&mut self, netuid: u16, hotkey: AccountId, coldkey: AccountId, x: u64) {
        let pool = self.subnets[usize::from(netuid)]
            .stakes
            .entry(hotkey)
            .or_default();
        pool.increase_stake_for_hotkey_and_coldkey_on_subnet(coldkey, x);
    }

    /// The owner cut goes to (owner hotkey, owner coldkey) when both exist.
    fn pay_owner_cut(&mut self, netuid: u16, owner_cut: u64, paid: &mut Paid) {
        let s = &self.subnets[usize::from(netuid)];
        if let (Some(owner), Some(hotkey)) = (s.owner, s.owner_hotkey) {
            self.stake_for(netuid, hotkey, owner, owner_cut);
            paid.staked = paid.staked.saturating_add(owner_cut);
        }
    }

    /// Miner incentives: staked to each hotkey's owner, withheld (burned) for the subnet
    /// owner's hotkeys, with `MinerBurned` updated.
    fn pay_incentives(
        &mut self,
        netuid: u16,
        incentives: &BTreeMap<AccountId, u64>,
        paid: &mut Paid,
    ) {
        let owner_hotkeys = self.owner_hotkeys(netuid);
        let result = distribute_incentives(incentives, &owner_hotkeys, RecycleOrBurn::Burn);
        for (hotkey, amount) in &result.staked {
            let owner = self.hotkeys.get(hotkey).map_or(*hotkey, |h| h.owner);
            self.stake_for(netuid, *hotkey, owner, *amount);
            paid.staked = paid.staked.saturating_add(*amount);
        }
        paid.recycled = paid.recycled.saturating_add(result.recycled);
        self.subnets[usize::from(netuid)].miner_burned = result.miner_burned;
    }

    /// The subnet owner's hotkeys with a uid here, plus `SubnetOwnerHotkey`.
    fn owner_hotkeys(&self, netuid: u16) -> BTreeSet<AccountId> {
        let s = &self.subnets[usize::from(netuid)];
        let mut set: BTreeSet<AccountId> = s
            .neurons
            .hotkeys
            .iter()
            .filter(|h| s.owner.is_some() && self.hotkeys.get(h).map(|k| k.owner) == s.owner)
            .copied()
            .collect();
        set.extend(s.owner_hotkey);
        set
    }

    /// Alpha and root dividends, delegate take first (spec §10.2–§10.3).
    fn pay_dividends(
        &mut self,
        netuid: u16,
        dividends: &BTreeMap<AccountId, crate::chain::fixed::U96F32>,
        validator_alpha: u64,
        root_bucket: u64,
        paid: &mut Paid,
    ) {
        let accounts: BTreeMap<AccountId, StakeAndDividend> = dividends
            .iter()
            .map(|(h, d)| {
                let stakes = StakeAndDividend {
                    alpha_stake: self.subnets[usize::from(netuid)].hotkey_stake(*h),
                    root_stake: self.subnets[usize::from(ROOT)].hotkey_stake(*h),
                    dividend: *d,
                };
                (*h, stakes)
            })
            .collect();
        let tao_weight = u64_proportion(self.params.tao_weight);
        let payouts = dividend_distribution(validator_alpha, root_bucket, tao_weight, &accounts);
        for (hotkey, payout) in payouts {
            let info = self.hotkeys.get(&hotkey).copied();
            let (owner, take) = info.map_or((hotkey, 0), |h| (h.owner, h.take));
            let alpha = split_alpha_dividend(payout.alpha, take);
            self.stake_for(netuid, hotkey, owner, alpha.owner_take);
            let pool = self.subnets[usize::from(netuid)]
                .stakes
                .entry(hotkey)
                .or_default();
            pool.increase_stake_for_hotkey_on_subnet(alpha.hotkey_pool);
            paid.staked = paid
                .staked
                .saturating_add(alpha.owner_take)
                .saturating_add(alpha.hotkey_pool);
            let root_stake = accounts.get(&hotkey).map_or(0, |a| a.root_stake);
            let root = split_root_dividend(payout.root, take, root_stake);
            self.stake_for(netuid, hotkey, owner, root.owner_take);
            paid.staked = paid.staked.saturating_add(root.owner_take);
            match root.target {
                RootDividendTarget::Claimable { .. } => {
                    self.root_claims
                        .credit(hotkey, netuid, root.stakers, root_stake);
                    paid.owed = paid.owed.saturating_add(root.stakers);
                }
                RootDividendTarget::StakedToOwner => {
                    self.stake_for(netuid, hotkey, owner, root.stakers);
                    paid.staked = paid.staked.saturating_add(root.stakers);
                }
            }
        }
    }

    /// Books what the drain did not pay out (kept in `SubnetAlphaOut`), what it recycled, and
    /// what it paid beyond the drained amount (epoch shares can exceed ½ by truncation).
    fn settle(&mut self, netuid: u16, drained: u64, paid: Paid) {
        *self.ledger.owed_root_alpha.entry(netuid).or_insert(0) += paid.owed;
        let out = paid
            .staked
            .saturating_add(paid.owed)
            .saturating_add(paid.recycled);
        let s = &mut self.subnets[usize::from(netuid)];
        s.alpha_out = s.alpha_out.saturating_sub(paid.recycled);
        *self.ledger.recycled_alpha.entry(netuid).or_insert(0) += paid.recycled;
        if out <= drained {
            *self.ledger.unassigned_alpha.entry(netuid).or_insert(0) += drained - out;
        } else {
            *self.ledger.created_alpha.entry(netuid).or_insert(0) += out - drained;
        }
    }
}
