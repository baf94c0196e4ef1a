//! Genesis: the scenario's network placed on a fresh chain, and the World around it.
//!
//! Everything is minted at block 0 (pools, balances, stakes, root stakes, pre-issued TAO) so
//! that the run starts from exactly the described state; from block 1 on, only chain
//! operations and the chain's own rules change it.

use super::systems::{Joins, RevealDelays, Roster};
use super::{
    Agent, AgentMeta, AgentRng, ChainState, Clock, Miner, Nominator, Owner, PendingEvents, Public,
    Recorder, Reveals, SimError, SubnetPublic, Trader, Validator,
};
use crate::chain::fixed::I96F32;
use crate::chain::state::{Chain, ROOT, Subnet};
use crate::scenario::raw::{Amount, RawStrategy};
use crate::scenario::template::draw;
use crate::scenario::{
    AgentSpec, EventAction, Role, Scenario, StrategySpec, SubnetSpec, When, to_rao,
};
use crate::strategy::nominator::ScheduledMove;
use crate::strategy::{
    MinerStrategy, NominatorStrategy, ScriptStep, ServeParams, TraderStrategy, ValidatorStrategy,
};
use bevy_ecs::prelude::*;
use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};

/// The stream of agent `index` under master seed `seed` (SplitMix64 finaliser of both).
pub fn agent_rng(seed: u64, index: u64) -> ChaCha8Rng {
    let mut z = seed ^ index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ChaCha8Rng::seed_from_u64(z ^ (z >> 31))
}

/// The World of one run at block 0.
pub fn world(scenario: &Scenario, seed: u64) -> Result<World, SimError> {
    let mut chain = Chain::new(0, scenario.chain.clone());
    chain.fund(crate::scenario::OUTSIDE, scenario.issued_tao);
    for s in &scenario.subnets {
        add_subnet(&mut chain, s, scenario.subnets.len());
    }
    let mut world = World::new();
    let mut recorder = Recorder {
        every: scenario.record_every,
        accounts: scenario.record_accounts,
        ..Recorder::default()
    };
    for (i, a) in scenario.agents.iter().enumerate() {
        let mut rng = agent_rng(seed, i as u64);
        genesis_agent(&mut chain, a, &mut rng)?;
        let entity = world
            .spawn(Agent {
                index: i,
                netuid: a.netuid,
                coldkey: a.coldkey,
                hotkey: a.hotkey,
            })
            .id();
        let kind = insert_strategy(&mut world, entity, &a.strategy, a.index, &mut rng);
        if let Some(Miner(m @ MinerStrategy::Serve(_))) = world.get::<Miner>(entity) {
            recorder.record.miner_quality.push((a.hotkey, m.quality()));
        }
        world.entity_mut(entity).insert(AgentRng(rng));
        recorder.agent_of_hotkey.insert(a.hotkey, i);
        recorder.agents.push(AgentMeta {
            name: a.name.clone(),
            role: a.role,
            strategy: kind,
            coldkey: a.coldkey,
        });
    }
    spawn_owners(&mut world, scenario, &mut recorder);
    for netuid in 1..chain.subnets.len() {
        genesis_permits(&mut chain.subnets[netuid]);
    }
    let n = chain.subnets.len();
    world.insert_resource(ChainState(chain));
    world.insert_resource(Clock {
        end_block: scenario.blocks,
        epoch_ran: (1..n as u16).collect(),
    });
    let public_default = SubnetPublic {
        history_limit: history_limit(scenario),
        ..SubnetPublic::default()
    };
    let mut public = vec![public_default; n];
    let mut delays = vec![0; n];
    let mut roster = vec![Vec::new(); n];
    for s in &scenario.subnets {
        let i = usize::from(s.netuid);
        public[i].epochs_per_year = 365.0 * 7_200.0 / f64::from(s.tempo);
        delays[i] = s.commit_reveal_epochs;
    }
    for a in scenario.agents.iter().filter(|a| a.role == Role::Validator) {
        roster[usize::from(a.netuid)].push(a.hotkey);
    }
    let mut joins: Vec<(
        u64,
        u16,
        crate::chain::state::AccountId,
        crate::chain::state::AccountId,
    )> = scenario
        .agents
        .iter()
        .filter_map(|a| a.join_block.map(|b| (b, a.netuid, a.coldkey, a.hotkey)))
        .collect();
    // Stable: agents joining in the same block register in agent order.
    joins.sort_by_key(|j| j.0);
    world.insert_resource(Joins(joins.into()));
    world.insert_resource(Public(public));
    world.insert_resource(RevealDelays(delays));
    world.insert_resource(Roster(roster));
    world.insert_resource(Reveals(vec![Default::default(); n]));
    let mut events = scenario.events.clone();
    // Stable: events at the same moment fire in file order.
    events.sort_by_key(|e| match e.when {
        When::Block(b) => (0, b),
        When::Epoch(k) => (1, k),
    });
    world.insert_resource(PendingEvents(events));
    world.insert_resource(recorder);
    Ok(world)
}

/// A subnet as the scenario describes it, its epochs staggered across the tempo.
fn add_subnet(chain: &mut Chain, s: &SubnetSpec, count: usize) {
    let mut subnet = Subnet::new(s.pool_tao, s.pool_alpha, s.tempo, 1);
    subnet.moving_price = match s.moving_price {
        Some(p) => I96F32::saturating_from_num(p),
        None => I96F32::saturating_from_num(subnet.pool.current_alpha_price()),
    };
    subnet.epoch = s.epoch.clone();
    subnet.max_allowed_uids = s.max_allowed_uids;
    subnet.immunity_period = s.immunity_period;
    subnet.min_non_immune_uids = s.min_non_immune_uids;
    subnet.owner = Some(s.owner_coldkey);
    subnet.owner_hotkey = Some(s.owner_hotkey);
    let index = u64::from(s.netuid - 1);
    subnet.clock.last_epoch_block = index * u64::from(s.tempo) / count as u64;
    chain.create_hotkey(s.owner_hotkey, s.owner_coldkey);
    chain.add_subnet(subnet);
}

/// Validator permits as an earlier epoch would have left them: the `max_allowed_validators`
/// uids with the most alpha stake (ties: lower uid), among those with stake. Without this the
/// first epoch of a new network drops every weight (no validator holds a permit yet).
fn genesis_permits(subnet: &mut Subnet) {
    let n = subnet.neurons.len();
    let mut by_stake: Vec<(u64, usize)> = (0..n)
        .map(|uid| (subnet.hotkey_stake(subnet.neurons.hotkeys[uid]), uid))
        .filter(|(stake, _)| *stake > 0)
        .collect();
    by_stake.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let k = usize::from(subnet.epoch.max_allowed_validators);
    for (_, uid) in by_stake.into_iter().take(k) {
        subnet.neurons.validator_permit[uid] = true;
    }
}

/// Balance, hotkey, take, uid, stake and root stake of one agent.
fn genesis_agent(chain: &mut Chain, a: &AgentSpec, rng: &mut ChaCha8Rng) -> Result<(), SimError> {
    chain.fund(a.coldkey, a.balance);
    chain.create_hotkey(a.hotkey, a.coldkey);
    if let Some(take) = a.take
        && let Some(h) = chain.hotkeys.get_mut(&a.hotkey)
    {
        h.take = take;
    }
    if a.registered {
        let s = &chain.subnets[usize::from(a.netuid)];
        if s.neurons.len() >= usize::from(s.max_allowed_uids) {
            return Err(SimError::Genesis(format!("{}: subnet full", a.name)));
        }
        chain.genesis_neuron(a.netuid, a.hotkey, a.coldkey);
    }
    let stake = draw_rao(&a.stake, a.index, rng);
    if stake > 0 {
        let target = a.delegate_to.unwrap_or(a.hotkey);
        chain.genesis_stake(a.netuid, target, a.coldkey, stake);
    }
    if a.root_stake > 0 {
        chain.genesis_stake(ROOT, a.hotkey, a.coldkey, a.root_stake);
    }
    Ok(())
}

/// One draw of an amount (decimal units) in rao.
fn draw_rao(amount: &Amount, index: u32, rng: &mut impl Rng) -> u64 {
    to_rao(draw(amount, index, rng))
}

/// Inserts the strategy component; returns its kind.
pub fn insert_strategy(
    world: &mut World,
    entity: Entity,
    spec: &StrategySpec,
    index: u32,
    rng: &mut ChaCha8Rng,
) -> &'static str {
    let mut e = world.entity_mut(entity);
    e.remove::<(Miner, Validator, Nominator, Trader)>();
    match strategy(spec, index, rng) {
        Behaviour::Miner(s) => {
            let kind = s.kind();
            e.insert(Miner(s));
            kind
        }
        Behaviour::Validator(s) => {
            let kind = s.kind();
            e.insert(Validator(s));
            kind
        }
        Behaviour::Nominator(s) => {
            let kind = s.kind();
            e.insert(Nominator(s));
            kind
        }
        Behaviour::Trader(s) => {
            let kind = s.kind();
            e.insert(Trader(s));
            kind
        }
    }
}

/// A concrete strategy.
enum Behaviour {
    Miner(MinerStrategy),
    Validator(ValidatorStrategy),
    Nominator(NominatorStrategy),
    Trader(TraderStrategy),
}

/// The strategy of agent `index` of its population, with its per-agent draws.
fn strategy(spec: &StrategySpec, index: u32, rng: &mut ChaCha8Rng) -> Behaviour {
    match &spec.raw {
        RawStrategy::Serve {
            quality,
            noise,
            drift,
            idle_from_epoch,
        } => Behaviour::Miner(MinerStrategy::Serve(ServeParams {
            quality: draw(quality, index, rng).max(0.0),
            noise: *noise,
            drift: *drift,
            idle_from_epoch: *idle_from_epoch,
        })),
        RawStrategy::Idle => Behaviour::Miner(MinerStrategy::Idle),
        RawStrategy::Honest { noise, top_k } => Behaviour::Validator(ValidatorStrategy::Honest {
            noise: *noise,
            top_k: *top_k,
        }),
        RawStrategy::Copier { lag_epochs } => Behaviour::Validator(ValidatorStrategy::Copier {
            lag_epochs: *lag_epochs,
        }),
        RawStrategy::Cabal { share, noise, .. } => Behaviour::Validator(ValidatorStrategy::Cabal {
            members: spec.targets.first().cloned().unwrap_or_default(),
            share: *share,
            noise: *noise,
        }),
        RawStrategy::Lazy {
            noise,
            refresh_epochs,
            stop_after_epoch,
        } => Behaviour::Validator(ValidatorStrategy::Lazy {
            noise: *noise,
            refresh_epochs: *refresh_epochs,
            stop_after_epoch: *stop_after_epoch,
        }),
        RawStrategy::Scripted { schedule } => {
            let steps = schedule
                .iter()
                .zip(&spec.targets)
                .map(|(step, hotkeys)| ScriptStep {
                    from_epoch: step.from_epoch,
                    weights: hotkeys
                        .iter()
                        .copied()
                        .zip(step.weights.values().copied())
                        .collect(),
                })
                .collect();
            Behaviour::Validator(ValidatorStrategy::Scripted { schedule: steps })
        }
        RawStrategy::Loyal => Behaviour::Nominator(NominatorStrategy::Loyal),
        RawStrategy::ApyChasing {
            threshold,
            every_epochs,
        } => Behaviour::Nominator(NominatorStrategy::ApyChasing {
            threshold: *threshold,
            every_epochs: *every_epochs,
        }),
        RawStrategy::RandomNominator {
            every_epochs,
            probability,
        } => Behaviour::Nominator(NominatorStrategy::Random {
            every_epochs: *every_epochs,
            probability: *probability,
        }),
        RawStrategy::Scheduled { moves } => {
            let moves = moves
                .iter()
                .zip(&spec.targets)
                .map(|(m, to)| ScheduledMove {
                    block: m.block,
                    to: to[0],
                    fraction: m.fraction,
                })
                .collect();
            Behaviour::Nominator(NominatorStrategy::Scheduled { moves })
        }
        RawStrategy::Dca {
            every_blocks,
            buy,
            start_block,
            stop_block,
        } => Behaviour::Trader(TraderStrategy::Schedule {
            every_blocks: *every_blocks,
            buy_tao: to_rao(*buy),
            start_block: *start_block,
            stop_block: *stop_block,
        }),
        RawStrategy::RandomTrader {
            every_blocks,
            max_tao,
        } => Behaviour::Trader(TraderStrategy::Random {
            every_blocks: *every_blocks,
            max_tao: to_rao(*max_tao),
        }),
    }
}

/// Subnet owners as agents (after the scenario's, so their indices follow).
fn spawn_owners(world: &mut World, scenario: &Scenario, recorder: &mut Recorder) {
    let base = scenario.agents.len();
    for (k, s) in scenario.subnets.iter().enumerate() {
        let index = base + k;
        world.spawn((
            Agent {
                index,
                netuid: s.netuid,
                coldkey: s.owner_coldkey,
                hotkey: s.owner_hotkey,
            },
            Owner,
        ));
        recorder.agent_of_hotkey.insert(s.owner_hotkey, index);
        recorder.agents.push(AgentMeta {
            name: format!("{}-owner", s.name),
            role: Role::Owner,
            strategy: "hold",
            coldkey: s.owner_coldkey,
        });
    }
}

/// How many epochs of consensus agents look back at most: the longest copier lag among the
/// agents' strategies and `set_strategy` events (1 without copiers).
fn history_limit(scenario: &Scenario) -> usize {
    let from_events = scenario.events.iter().filter_map(|e| match &e.action {
        EventAction::SetStrategy { strategy, .. } => Some(strategy),
        _ => None,
    });
    let lag = |s: &StrategySpec| match s.raw {
        RawStrategy::Copier { lag_epochs } => Some(lag_epochs as usize),
        _ => None,
    };
    let agents = scenario.agents.iter().map(|a| &a.strategy);
    agents
        .chain(from_events)
        .filter_map(lag)
        .max()
        .unwrap_or(1)
        .max(1)
}
