//! One block of the chain, in subtensor's order (spec §1): registration prices decay, TAO is
//! minted, the coinbase computes every subnet's terms, injects TAO and alpha into the pools
//! (buying alpha with the excess), mints alpha out into the pending buckets, drains the
//! subnets whose epoch is due and pays them out, the moving prices follow the spot prices, and
//! matured child-key schedules are applied, and a few coldkeys claim their root dividends.

use super::{Chain, ROOT, Subnet};
use crate::chain::coinbase::emission::{block_emission, mint_tao};
use crate::chain::coinbase::flow::{EmissionInput, block_emissions_for, update_flow_ema};
use crate::chain::coinbase::scheduler::{DrainOutcome, drain_pending};
use crate::chain::coinbase::shares::{ShareInput, moving_alpha_price, root_sell_flag};
use crate::chain::coinbase::terms::{
    SplitInput, SubnetTerms, TermsInput, split_alpha_emission, subnet_root_proportion, subnet_terms,
};
use crate::chain::fixed::{U64F64, U96F32};
use crate::chain::registration::BurnDecayFactors;
use crate::chain::swap::{Mechanism, Order, blocks_since_start, update_moving_price};

impl Chain {
    /// Runs block `self.block + 1` and returns the netuids whose epoch ran.
    pub fn step_block(&mut self) -> Vec<u16> {
        self.block += 1;
        self.decay_burns();
        let credit = self.mint_block_emission();
        for subnet in &mut self.subnets {
            subnet.root_sell_tao = 0;
        }
        let eligible = self.subnets_to_emit_to();
        let moving: Vec<U64F64> = eligible.iter().map(|s| self.moving_price_of(*s)).collect();
        let root_sells = root_sell_flag(moving.iter().copied());
        let tao = self.tao_emissions(&eligible, &moving, credit);
        let terms: Vec<SubnetTerms> = eligible
            .iter()
            .zip(&tao)
            .map(|(netuid, e)| self.terms_of(*netuid, *e))
            .collect();
        let mut credit = credit;
        for (netuid, t) in eligible.iter().zip(&terms) {
            self.inject(*netuid, t, &mut credit);
        }
        self.recycle_tao(credit);
        for (netuid, t) in eligible.iter().zip(&terms) {
            self.emit_alpha(*netuid, t.alpha_out, root_sells);
        }
        let drained = self.drain_and_distribute();
        self.update_moving_prices(&eligible);
        self.try_set_pending_children();
        self.run_auto_claim_root_divs();
        drained
    }

    /// Every subnet's registration price decays (root included).
    fn decay_burns(&mut self) {
        let block = self.block;
        let mut factors = BurnDecayFactors::default();
        for subnet in &mut self.subnets {
            subnet.burn = factors.decay(&subnet.burn_params, subnet.burn, block);
        }
    }

    /// `get_block_emission` + `mint_tao`: the TAO minted this block (issuance grows by it).
    fn mint_block_emission(&mut self) -> u64 {
        let emission = block_emission(self.total_issuance);
        let minted = mint_tao(emission, self.total_issuance);
        self.total_issuance = self.total_issuance.saturating_add(minted);
        minted
    }

    /// `get_subnets_to_emit_to`: non-root subnets that started, with subtoken and registration
    /// enabled, ascending.
    fn subnets_to_emit_to(&self) -> Vec<u16> {
        (1..self.subnets.len() as u16)
            .filter(|n| {
                let s = &self.subnets[usize::from(*n)];
                s.first_emission_block.is_some() && s.subtoken_enabled && s.registration_allowed
            })
            .collect()
    }

    fn moving_price_of(&self, netuid: u16) -> U64F64 {
        let s = &self.subnets[usize::from(netuid)];
        moving_alpha_price(s.pool.mechanism == Mechanism::Dynamic, s.moving_price)
    }

    /// Each eligible subnet's TAO emission this block (U96F32 rao), by the chain's emission
    /// rule; the TAO-flow EMAs take this block's flows first.
    fn tao_emissions(&mut self, eligible: &[u16], moving: &[U64F64], credit: u64) -> Vec<U96F32> {
        let smoothing = self.params.flow_smoothing;
        let inputs: Vec<EmissionInput> = eligible
            .iter()
            .zip(moving)
            .map(|(n, m)| {
                let s = &mut self.subnets[usize::from(*n)];
                s.flow_ema =
                    update_flow_ema(s.flow_ema, std::mem::take(&mut s.tao_flow), smoothing);
                EmissionInput {
                    share: ShareInput {
                        moving_price: *m,
                        miner_burned: s.miner_burned,
                        emission_enabled: s.emission_enabled,
                    },
                    ema_flow: s.flow_ema,
                }
            })
            .collect();
        block_emissions_for(self.params.emission_rule, credit, &inputs, self.params.flow)
    }

    fn terms_of(&self, netuid: u16, tao_emission: U96F32) -> SubnetTerms {
        let s = &self.subnets[usize::from(netuid)];
        subnet_terms(&TermsInput {
            tao_emission,
            alpha_issuance: s.alpha_issuance(),
            price: s.pool.current_alpha_price(),
            root_tao: self.subnets[usize::from(ROOT)].pool.tao_reserve,
            tao_weight: self.params.tao_weight,
        })
    }

    /// `inject_and_maybe_swap` for one subnet (spec §5.2); spends from `credit`.
    fn inject(&mut self, netuid: u16, terms: &SubnetTerms, credit: &mut u64) {
        let floor = |x: U96F32| x.saturating_to_num::<u64>();
        let (tao_in, alpha_in, excess) = (
            floor(terms.tao_in),
            floor(terms.alpha_in),
            floor(terms.excess_tao),
        );
        let swap = self.params.swap;
        let s = &mut self.subnets[usize::from(netuid)];
        let (tao_inj, alpha_inj) = s.pool.adjust_protocol_liquidity(tao_in, alpha_in);
        if excess > 0 {
            let spent = excess.min(*credit);
            *credit -= spent;
            match s.pool.swap(Order::Buy, spent, u64::MAX, true, swap) {
                Ok(receipt) => {
                    let bought = receipt.quote.paid_out;
                    s.alpha_out = s.alpha_out.saturating_add(bought);
                    s.protocol_alpha = s.protocol_alpha.saturating_add(bought);
                    self.total_stake = self.total_stake.saturating_add(spent);
                    self.ledger.subnet_account_tao += spent - receipt.quote.paid_in;
                }
                Err(_) => self.ledger.subnet_account_tao += spent,
            }
        }
        s.pool.alpha_reserve = s.pool.alpha_reserve.saturating_add(alpha_inj);
        s.totals.alpha_in = s.totals.alpha_in.saturating_add(alpha_inj);
        *self.ledger.minted_alpha.entry(netuid).or_insert(0) += alpha_inj;
        if tao_inj > 0 {
            let spent = tao_inj.min(*credit);
            *credit -= spent;
            s.pool.tao_reserve = s.pool.tao_reserve.saturating_add(spent);
            s.totals.tao_in = s.totals.tao_in.saturating_add(spent);
            self.total_stake = self.total_stake.saturating_add(spent);
        }
    }

    /// Unspent minted TAO is recycled: `TotalIssuance` shrinks by it.
    fn recycle_tao(&mut self, amount: u64) {
        self.total_issuance = self.total_issuance.saturating_sub(amount);
        self.ledger.recycled_tao = self.ledger.recycled_tao.saturating_add(amount);
    }

    /// `emit_to_subnets` for one subnet (spec §5.3): mint alpha out, fill the pending buckets.
    fn emit_alpha(&mut self, netuid: u16, alpha_emission: u64, root_sells: bool) {
        let root_tao = self.subnets[usize::from(ROOT)].pool.tao_reserve;
        let (tao_weight, owner_cut) = (self.params.tao_weight, self.params.subnet_owner_cut);
        let s = &mut self.subnets[usize::from(netuid)];
        s.alpha_out = s.alpha_out.saturating_add(alpha_emission);
        s.totals.alpha_out = s.totals.alpha_out.saturating_add(alpha_emission);
        *self.ledger.minted_alpha.entry(netuid).or_insert(0) += alpha_emission;
        let split = split_alpha_emission(&SplitInput {
            alpha_emission,
            owner_cut,
            owner_cut_enabled: s.owner_cut_enabled,
            root_proportion: subnet_root_proportion(root_tao, tao_weight, s.alpha_issuance()),
            root_sell_flag: root_sells,
        });
        let pending = &mut s.clock.pending;
        pending.owner_cut = pending.owner_cut.saturating_add(split.owner_cut);
        pending.server = pending.server.saturating_add(split.server);
        pending.validator = pending.validator.saturating_add(split.validator);
        pending.root = pending.root.saturating_add(split.root);
        s.alpha_out = s.alpha_out.saturating_sub(split.recycled_root);
        *self.ledger.recycled_alpha.entry(netuid).or_insert(0) += split.recycled_root;
        let placed =
            split.owner_cut + split.server + split.validator + split.root + split.recycled_root;
        *self.ledger.unassigned_alpha.entry(netuid).or_insert(0) += alpha_emission - placed;
    }

    /// `drain_pending` over all non-root subnets, then `distribute_emission` for each drained
    /// one (its epoch and payouts), then `LastMechansimStepBlock`.
    fn drain_and_distribute(&mut self) -> Vec<u16> {
        let block = self.block;
        let mut clocks: Vec<_> = self.subnets[1..].iter().map(|s| s.clock).collect();
        let subnets = &self.subnets[1..];
        let outcomes = drain_pending(
            &mut clocks,
            block,
            self.params.max_epochs_per_block,
            self.params.scheduler,
            |i| has_unique_hotkeys(&subnets[i]),
        );
        for (subnet, clock) in self.subnets[1..].iter_mut().zip(clocks) {
            subnet.clock = clock;
        }
        let mut drained = Vec::new();
        for (i, outcome) in outcomes.into_iter().enumerate() {
            if let DrainOutcome::Drained(buckets) = outcome {
                let netuid = (i + 1) as u16;
                self.subnets[i + 1].last_drain = buckets;
                self.distribute_emission(netuid, buckets);
                self.subnets[i + 1].clock.last_mechanism_step_block = block;
                drained.push(netuid);
            }
        }
        drained
    }

    /// `update_moving_prices` for the eligible subnets.
    fn update_moving_prices(&mut self, eligible: &[u16]) {
        let (block, alpha, halving) = (
            self.block,
            self.params.moving_alpha,
            self.params.ema_price_halving_blocks,
        );
        for netuid in eligible {
            let s = &mut self.subnets[usize::from(*netuid)];
            let Some(first) = s.first_emission_block else {
                continue;
            };
            let old = s.moving_price;
            s.moving_price = update_moving_price(
                old,
                s.pool.current_alpha_price(),
                blocks_since_start(block, first),
                alpha,
                halving,
            );
        }
    }
}

/// `is_epoch_input_state_consistent`: no hotkey appears at two uids.
fn has_unique_hotkeys(subnet: &Subnet) -> bool {
    let mut hotkeys = subnet.neurons.hotkeys.clone();
    hotkeys.sort_unstable();
    hotkeys.windows(2).all(|pair| pair[0] != pair[1])
}
