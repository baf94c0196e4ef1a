//! After the chain steps: the public view (consensus history, validator yields) and the rows
//! of the run's tables.

use super::{ChainState, Clock, Public, Recorder, YIELD_WINDOW};
use crate::chain::coinbase::terms::subnet_root_proportion;
use crate::chain::state::{AccountId, Asset, Chain, ISSUED, ROOT};
use crate::record::{AccountRow, LedgerRow, NeuronRow, SubnetRow};
use bevy_ecs::prelude::*;
use std::collections::BTreeMap;

/// For every subnet whose epoch ran: consensus history, validator yields, epoch counter.
pub fn observe(chain: Res<ChainState>, clock: Res<Clock>, mut public: ResMut<Public>) {
    for netuid in &clock.epoch_ran {
        let s = &chain.0.subnets[usize::from(*netuid)];
        let p = &mut public.0[usize::from(*netuid)];
        let Some(out) = &s.last_epoch else {
            continue;
        };
        p.consensus_history.push(out.consensus.clone());
        let excess = p.consensus_history.len().saturating_sub(p.history_limit);
        p.consensus_history.drain(..excess);
        for (uid, hotkey) in s.neurons.hotkeys.iter().enumerate() {
            let emission = out.validator_emission.get(uid).copied().unwrap_or(0);
            let stake = s.hotkey_stake(*hotkey);
            if emission == 0 && !p.yields.contains_key(hotkey) {
                continue;
            }
            let take = chain.0.hotkeys.get(hotkey).map_or(0, |h| h.take);
            let kept = emission as f64 * (1.0 - f64::from(take) / 65_535.0);
            let y = if stake > 0 { kept / stake as f64 } else { 0.0 };
            let ys = p.yields.entry(*hotkey).or_default();
            ys.push_back(y);
            if ys.len() > YIELD_WINDOW {
                ys.pop_front();
            }
        }
        p.epochs += 1;
    }
}

/// Neuron and subnet rows for every epoch that ran in this block.
pub fn record_epochs(
    chain: Res<ChainState>,
    clock: Res<Clock>,
    mut public: ResMut<Public>,
    mut recorder: ResMut<Recorder>,
) {
    for netuid in &clock.epoch_ran {
        let p = &mut public.0[usize::from(*netuid)];
        let epoch = p.epochs.saturating_sub(1);
        let rows = neuron_rows(&chain.0, *netuid, epoch, &recorder);
        let row = subnet_row(&chain.0, *netuid, epoch, p);
        recorder.rows.epoch(Some(row), rows);
    }
}

fn neuron_rows(chain: &Chain, netuid: u16, epoch: u64, recorder: &Recorder) -> Vec<NeuronRow> {
    let s = &chain.subnets[usize::from(netuid)];
    let root = &chain.subnets[usize::from(ROOT)];
    let Some(out) = &s.last_epoch else {
        return Vec::new();
    };
    let at = |v: &[u16], uid: usize| v.get(uid).copied().unwrap_or(0);
    s.neurons
        .hotkeys
        .iter()
        .enumerate()
        .map(|(uid, hotkey)| {
            let agent = recorder.agent_of_hotkey.get(hotkey).copied();
            let meta = agent.and_then(|i| recorder.agents.get(i));
            NeuronRow {
                block: chain.block,
                epoch,
                netuid,
                uid: uid as u16,
                hotkey: *hotkey,
                coldkey: chain.hotkeys.get(hotkey).map_or(*hotkey, |h| h.owner),
                agent: agent.map(|i| i as u32),
                role: meta.map_or("", |m| m.role.name()),
                strategy: meta.map_or("", |m| m.strategy),
                alpha_stake: s.hotkey_stake(*hotkey),
                root_stake: root.hotkey_stake(*hotkey),
                stake_weight: at(&out.stake_weight, uid),
                consensus: at(&out.consensus, uid),
                incentive: at(&out.incentive, uid),
                dividends: at(&out.dividends, uid),
                validator_trust: at(&out.validator_trust, uid),
                emission: out.emission.get(uid).copied().unwrap_or(0),
                permit: out.validator_permit.get(uid).copied().unwrap_or(false),
                active: out.active.get(uid).copied().unwrap_or(false),
            }
        })
        .collect()
}

fn subnet_row(chain: &Chain, netuid: u16, epoch: u64, p: &mut super::SubnetPublic) -> SubnetRow {
    let s = &chain.subnets[usize::from(netuid)];
    let totals = s.totals;
    let before = std::mem::replace(&mut p.previous_totals, totals);
    let root_tao = chain.subnets[usize::from(ROOT)].pool.tao_reserve;
    let rp = subnet_root_proportion(root_tao, chain.params.tao_weight, s.alpha_issuance());
    SubnetRow {
        block: chain.block,
        epoch,
        netuid,
        n: s.neurons.len() as u16,
        tao_reserve: s.pool.tao_reserve,
        alpha_reserve: s.pool.alpha_reserve,
        alpha_out: s.alpha_out,
        price: s.pool.current_alpha_price().to_num::<f64>(),
        moving_price: s.moving_price.to_num::<f64>(),
        tao_in: totals.tao_in.saturating_sub(before.tao_in),
        alpha_in: totals.alpha_in.saturating_sub(before.alpha_in),
        alpha_emitted: totals.alpha_out.saturating_sub(before.alpha_out),
        root_proportion: rp.to_num::<f64>(),
        owner_cut: s.last_drain.owner_cut,
        server_emission: s.last_drain.server,
        validator_emission: s.last_drain.validator,
        root_emission: s.last_drain.root,
        burn: s.burn,
    }
}

/// The genesis samples (block 0) of the ledger and the accounts, so that changes are measured
/// from the start.
pub fn record_genesis(world: &mut World) {
    let chain = &world.resource::<ChainState>().0;
    let ledger = ledger_rows(chain);
    let recorder = world.resource::<Recorder>();
    let rows = if recorder.accounts {
        account_rows(chain, 0, recorder)
    } else {
        Vec::new()
    };
    let mut recorder = world.resource_mut::<Recorder>();
    recorder.rows.ledger(ledger);
    if recorder.accounts {
        recorder.rows.accounts(rows);
        recorder.samples = 1;
    }
}

/// Whether this block is a sample block: every `every` blocks and the last block.
fn is_sample(block: u64, every: u64, clock: &Clock) -> bool {
    block.is_multiple_of(every) || block == clock.end_block
}

/// Ledger rows at every sample block.
pub fn record_ledger(chain: Res<ChainState>, clock: Res<Clock>, mut recorder: ResMut<Recorder>) {
    if is_sample(chain.0.block, recorder.every, &clock) {
        let rows = ledger_rows(&chain.0);
        recorder.rows.ledger(rows);
    }
}

/// The chain's conservation ledger as rows: per asset, `issued` then every holder bucket.
fn ledger_rows(chain: &Chain) -> Vec<LedgerRow> {
    let mut rows = Vec::new();
    for asset in chain.asset_buckets() {
        let netuid = match asset.asset {
            Asset::Tao => None,
            Asset::Alpha(netuid) => Some(netuid),
        };
        let row = |bucket, amount_rao| LedgerRow {
            block: chain.block,
            netuid,
            bucket,
            amount_rao,
        };
        rows.push(row(ISSUED, asset.issued));
        rows.extend(asset.buckets.iter().map(|&(b, x)| row(b, x)));
    }
    rows
}

/// Account rows every `every` blocks and at the last block.
pub fn record_accounts(chain: Res<ChainState>, clock: Res<Clock>, mut recorder: ResMut<Recorder>) {
    if !recorder.accounts || !is_sample(chain.0.block, recorder.every, &clock) {
        return;
    }
    let sample = recorder.samples;
    recorder.samples += 1;
    let rows = account_rows(&chain.0, sample, &recorder);
    recorder.rows.accounts(rows);
}

fn account_rows(chain: &Chain, sample: u64, recorder: &Recorder) -> Vec<AccountRow> {
    // One row set per coldkey, named after its first agent (a sybil population shares one).
    let mut names: BTreeMap<AccountId, (u32, &'static str)> = BTreeMap::new();
    for (i, m) in recorder.agents.iter().enumerate() {
        names.entry(m.coldkey).or_insert((i as u32, m.role.name()));
    }
    let mut stakes: BTreeMap<AccountId, BTreeMap<u16, u64>> = BTreeMap::new();
    for (netuid, s) in chain.subnets.iter().enumerate() {
        for pool in s.stakes.values() {
            for (coldkey, value) in pool.values() {
                if names.contains_key(&coldkey) && value > 0 {
                    *stakes
                        .entry(coldkey)
                        .or_default()
                        .entry(netuid as u16)
                        .or_insert(0) += value;
                }
            }
        }
    }
    let prices: Vec<f64> = chain
        .subnets
        .iter()
        .map(|s| s.pool.current_alpha_price().to_num::<f64>())
        .collect();
    let mut rows = Vec::new();
    for (coldkey, (name, role)) in names {
        let free = chain.balance(coldkey);
        let mut held: BTreeMap<u16, u64> = stakes.remove(&coldkey).unwrap_or_default();
        held.entry(ROOT).or_insert(0);
        let value = |netuid: u16, x: u64| (x as f64 * prices[usize::from(netuid)]) as u64;
        let total = held
            .iter()
            .fold(free, |acc, (n, x)| acc.saturating_add(value(*n, *x)));
        for (netuid, stake) in held {
            rows.push(AccountRow {
                block: chain.block,
                epoch: sample,
                netuid,
                coldkey,
                agent: name,
                role,
                free_balance_rao: free,
                stake_rao: stake,
                stake_value_rao: value(netuid, stake),
                total_value_rao: total,
            });
        }
    }
    rows
}
