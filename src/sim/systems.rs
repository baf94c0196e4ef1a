//! The systems of one block: events, agents, the chain step. Agents are visited in index
//! order and act only through chain operations. The validators' weight decisions (their
//! measurement draws, the costliest agent work) run in parallel on the caller's rayon pool
//! (never a pool of its own) and are committed in agent order, so a run's outputs do not
//! depend on the number of threads.

use super::resources::{Joins, RevealDelays, Roster};
use super::{
    Agent, AgentRng, ChainState, Clock, Miner, Nominator, PendingEvents, Public, Recorder, Reveals,
    Trader, Validator,
};
use crate::chain::epoch::bonds::reset_bonds_column;
use crate::chain::state::{AccountId, Chain};
use crate::scenario::{EventAction, EventSpec, When};
use crate::strategy::{NominatorView, SubnetView, TradeAction, ValidatorYield};
use bevy_ecs::prelude::*;
use rayon::prelude::*;

/// Fires the events due now (block events at their block, epoch events once the first subnet
/// has run that many epochs). Exclusive: a strategy switch replaces components.
pub fn fire_events(world: &mut World) {
    let next_block = world.resource::<ChainState>().0.block + 1;
    let epochs = world.resource::<Public>().0.get(1).map_or(0, |p| p.epochs);
    let due: Vec<EventSpec> = world
        .resource_mut::<PendingEvents>()
        .0
        .extract_if(.., |e| match e.when {
            When::Block(b) => b <= next_block,
            When::Epoch(k) => k <= epochs,
        })
        .collect();
    for event in due {
        apply_event(world, &event.action);
    }
}

fn apply_event(world: &mut World, action: &EventAction) {
    match action {
        EventAction::SetHyperparameters { netuid, values } => {
            let chain = &mut world.resource_mut::<ChainState>().0;
            let params = &mut chain.subnets[usize::from(*netuid)].epoch;
            // Refused (and counted) if earlier changes make it break alpha_low ≤ alpha_high.
            let applied = values.apply(params);
            (world.resource_mut::<Recorder>()).tally("set_hyperparameters", &applied);
        }
        EventAction::SetChain {
            tao_weight,
            subnet_owner_cut,
            emission_rule,
        } => {
            let params = &mut world.resource_mut::<ChainState>().0.params;
            if let Some(x) = tao_weight {
                params.tao_weight = *x;
            }
            if let Some(x) = subnet_owner_cut {
                params.subnet_owner_cut = *x;
            }
            if let Some(x) = emission_rule {
                params.emission_rule = *x;
            }
        }
        EventAction::SetStrategy { agents, strategy } => switch_strategy(world, agents, strategy),
        EventAction::MoveStake {
            netuid,
            coldkey,
            from_hotkey,
            to_hotkey,
            fraction,
        } => {
            let chain = &mut world.resource_mut::<ChainState>().0;
            let held = chain.subnets[usize::from(*netuid)].stake_of(*from_hotkey, *coldkey);
            let alpha = (held as f64 * fraction) as u64;
            let result =
                chain.move_stake(*coldkey, *from_hotkey, *to_hotkey, *netuid, *netuid, alpha);
            world
                .resource_mut::<Recorder>()
                .tally("move_stake", &result);
        }
        EventAction::ResetBonds { netuid, hotkey } => {
            let chain = &mut world.resource_mut::<ChainState>().0;
            let neurons = &mut chain.subnets[usize::from(*netuid)].neurons;
            if let Some(uid) = neurons.uid_of(*hotkey) {
                reset_bonds_column(&mut neurons.bonds, uid);
            }
        }
    }
}

/// Replaces the strategies of `agents` (scenario indices).
fn switch_strategy(world: &mut World, agents: &[usize], spec: &crate::scenario::StrategySpec) {
    let mut targets: Vec<(usize, Entity)> = world
        .query::<(Entity, &Agent)>()
        .iter(world)
        .filter(|(_, a)| agents.contains(&a.index))
        .map(|(e, a)| (a.index, e))
        .collect();
    targets.sort_unstable();
    for (position, (index, entity)) in targets.into_iter().enumerate() {
        let Some(mut rng) = world.entity_mut(entity).take::<AgentRng>() else {
            continue;
        };
        let kind = super::build::insert_strategy(world, entity, spec, position as u32, &mut rng.0);
        world.entity_mut(entity).insert(rng);
        world.resource_mut::<Recorder>().agents[index].strategy = kind;
    }
}

/// Agents whose `join` block has come register by burning (the chain picks their uid, pruning
/// the lowest-emission non-immune neuron of a full subnet).
pub fn register_joiners(
    mut chain: ResMut<ChainState>,
    mut joins: ResMut<Joins>,
    mut recorder: ResMut<Recorder>,
) {
    let block = chain.0.block + 1;
    while joins.0.front().is_some_and(|j| j.0 <= block) {
        if let Some((_, netuid, coldkey, hotkey)) = joins.0.pop_front() {
            let result = chain.0.burned_register(coldkey, hotkey, netuid);
            recorder.tally("burned_register", &result);
        }
    }
}

/// Miners of subnets with a fresh epoch decide what they serve this epoch.
pub fn miners_serve(
    mut miners: Query<(&Agent, &mut Miner, &mut AgentRng)>,
    chain: Res<ChainState>,
    clock: Res<Clock>,
    mut public: ResMut<Public>,
) {
    if clock.epoch_ran.is_empty() {
        return;
    }
    for netuid in &clock.epoch_ran {
        let n = chain.0.subnets[usize::from(*netuid)].neurons.len();
        public.0[usize::from(*netuid)].performance = vec![0.0; n];
    }
    let ran = subnet_mask(&clock.epoch_ran);
    let mut list: Vec<_> = miners
        .iter_mut()
        .filter(|(a, _, _)| ran.get(usize::from(a.netuid)) == Some(&true))
        .collect();
    list.sort_unstable_by_key(|(a, _, _)| a.index);
    for (agent, mut miner, mut rng) in list {
        let subnet = &mut public.0[usize::from(agent.netuid)];
        let served = miner.0.serve(subnet.epochs, &mut rng.0);
        let uid = chain.0.subnets[usize::from(agent.netuid)]
            .neurons
            .uid_of(agent.hotkey);
        if let Some(slot) = uid.and_then(|u| subnet.performance.get_mut(usize::from(u))) {
            *slot = served;
        }
    }
}

/// Whether each netuid (index) is in `netuids` (netuids past the end are not): a lookup per
/// agent instead of a scan.
fn subnet_mask(netuids: &[u16]) -> Vec<bool> {
    let len = netuids.iter().max().map_or(0, |n| usize::from(*n) + 1);
    let mut mask = vec![false; len];
    for n in netuids {
        mask[usize::from(*n)] = true;
    }
    mask
}

/// Validators of subnets whose epoch just ran commit their weights; [`reveal_commits`] puts
/// them on chain once the subnet's commit-reveal delay has passed.
pub fn validators_act(
    mut validators: Query<(&Agent, &Validator, &mut AgentRng)>,
    chain: Res<ChainState>,
    clock: Res<Clock>,
    public: Res<Public>,
    mut reveals: ResMut<Reveals>,
    delays: Res<RevealDelays>,
) {
    if clock.epoch_ran.is_empty() {
        return;
    }
    let ran = subnet_mask(&clock.epoch_ran);
    let mut list: Vec<_> = validators
        .iter_mut()
        .filter(|(a, _, _)| ran.get(usize::from(a.netuid)) == Some(&true))
        .collect();
    list.sort_unstable_by_key(|(a, _, _)| a.index);
    let block = chain.0.block + 1;
    let (chain, public) = (&chain.0, &public.0);
    // Each validator draws from its own stream and reads only the shared view, so the
    // decisions run on the caller's rayon pool; they are committed in agent order below.
    let decided: Vec<Decision> = list
        .par_iter_mut()
        .map(|(agent, validator, rng)| {
            let netuid = usize::from(agent.netuid);
            let p = &public[netuid];
            let view = SubnetView {
                netuid: agent.netuid,
                block,
                epoch: p.epochs,
                hotkeys: &chain.subnets[netuid].neurons.hotkeys,
                consensus_history: &p.consensus_history,
            };
            let weights = validator
                .0
                .weights(agent.hotkey, &view, &p.performance, &mut rng.0);
            (agent.hotkey, agent.netuid, weights)
        })
        .collect();
    for (hotkey, netuid, weights) in decided {
        let Some(weights) = weights else {
            continue;
        };
        let netuid = usize::from(netuid);
        let (uids, values): (Vec<u16>, Vec<u16>) = weights.into_iter().unzip();
        // Without commit-reveal (delay 0) the commit is revealed by `reveal_commits` later in
        // this same block, before anyone else acts.
        let delay = delays.0.get(netuid).copied().unwrap_or(0);
        let epochs = public[netuid].epochs;
        reveals.0[netuid].push_back(super::Commit {
            reveal_at: epochs + u64::from(delay),
            hotkey,
            uids,
            values,
        });
    }
}

/// A validator's decision: (hotkey, netuid, the (uid, weight) pairs it sets, if any).
type Decision = (AccountId, u16, Option<Vec<(u16, u16)>>);

/// Commits whose reveal epoch has come are set on chain, in commit order.
pub fn reveal_commits(
    mut chain: ResMut<ChainState>,
    clock: Res<Clock>,
    public: Res<Public>,
    mut reveals: ResMut<Reveals>,
    mut recorder: ResMut<Recorder>,
) {
    for netuid in &clock.epoch_ran {
        let queue = &mut reveals.0[usize::from(*netuid)];
        let epochs = public.0[usize::from(*netuid)].epochs;
        while queue.front().is_some_and(|c| c.reveal_at <= epochs) {
            if let Some(c) = queue.pop_front() {
                let result = chain.0.set_weights(c.hotkey, *netuid, &c.uids, &c.values);
                recorder.tally("set_weights", &result);
            }
        }
    }
}

/// Nominators act (strategies decide when), moving stake between their subnet's validators.
pub fn nominators_act(
    mut nominators: Query<(&Agent, &Nominator, &mut AgentRng)>,
    mut chain: ResMut<ChainState>,
    clock: Res<Clock>,
    public: Res<Public>,
    roster: Res<Roster>,
    mut recorder: ResMut<Recorder>,
) {
    let mut list: Vec<_> = nominators.iter_mut().collect();
    list.sort_unstable_by_key(|(a, _, _)| a.index);
    let block = chain.0.block + 1;
    for (agent, nominator, mut rng) in list {
        if !nominator
            .0
            .may_act(block, clock.epoch_ran.contains(&agent.netuid))
        {
            continue;
        }
        let netuid = usize::from(agent.netuid);
        let validators = &roster.0[netuid];
        let positions = positions(&chain.0, agent, validators);
        let yields = published_yields(&public.0[netuid], validators);
        let view = NominatorView {
            block,
            epoch_ran: clock.epoch_ran.contains(&agent.netuid),
            epoch: public.0[netuid].epochs,
            positions: &positions,
            validators: &yields,
        };
        for m in nominator.0.act(&view, &mut rng.0) {
            let result = chain.0.move_stake(
                agent.coldkey,
                m.from,
                m.to,
                agent.netuid,
                agent.netuid,
                m.alpha,
            );
            recorder.tally("move_stake", &result);
        }
    }
}

/// The nominator's stake on each validator of its subnet.
fn positions(chain: &Chain, agent: &Agent, validators: &[AccountId]) -> Vec<(AccountId, u64)> {
    let s = &chain.subnets[usize::from(agent.netuid)];
    validators
        .iter()
        .map(|h| (*h, s.stake_of(*h, agent.coldkey)))
        .filter(|(_, x)| *x > 0)
        .collect()
}

/// Annualised mean yield of the last epochs, per validator (0 without history).
fn published_yields(p: &super::SubnetPublic, validators: &[AccountId]) -> Vec<ValidatorYield> {
    validators
        .iter()
        .map(|h| {
            let apy = match p.yields.get(h) {
                Some(ys) if !ys.is_empty() => {
                    let mean = ys.iter().sum::<f64>() / ys.len() as f64;
                    (1.0 + mean).powf(p.epochs_per_year) - 1.0
                }
                _ => 0.0,
            };
            ValidatorYield { hotkey: *h, apy }
        })
        .collect()
}

/// Traders buy (stake) and sell (unstake) on their own hotkey.
pub fn traders_act(
    mut traders: Query<(&Agent, &Trader, &mut AgentRng)>,
    mut chain: ResMut<ChainState>,
    mut recorder: ResMut<Recorder>,
) {
    let mut list: Vec<_> = traders.iter_mut().collect();
    list.sort_unstable_by_key(|(a, _, _)| a.index);
    let block = chain.0.block + 1;
    for (agent, trader, mut rng) in list {
        let c = &mut chain.0;
        let balance = c.balance(agent.coldkey);
        let alpha = c.subnets[usize::from(agent.netuid)].stake_of(agent.hotkey, agent.coldkey);
        let (kind, result) = match trader.0.act(block, balance, alpha, &mut rng.0) {
            Some(TradeAction::Buy { tao }) => (
                "add_stake",
                c.add_stake(agent.coldkey, agent.hotkey, agent.netuid, tao)
                    .map(|_| ()),
            ),
            Some(TradeAction::Sell { alpha }) => (
                "remove_stake",
                c.remove_stake(agent.coldkey, agent.hotkey, agent.netuid, alpha)
                    .map(|_| ()),
            ),
            None => continue,
        };
        recorder.tally(kind, &result);
    }
}

/// One block of the chain.
pub fn step_chain(mut chain: ResMut<ChainState>, mut clock: ResMut<Clock>) {
    clock.epoch_ran = chain.0.step_block();
}
