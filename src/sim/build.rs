//! Genesis: the scenario's network placed on a fresh chain, and the World around it.
//!
//! Everything is minted at block 0 (pools, balances, stakes, root stakes, pre-issued TAO) so
//! that the run starts from exactly the described state; from block 1 on, only chain
//! operations and the chain's own rules change it. A subnet with a genesis snapshot gets the
//! snapshot's neurons (uids, stakes, stored weights and bonds, permits) before any agent
//! registers, so its agents without `uid` follow at uids n, n + 1, ….

use super::resources::{Joins, RevealDelays, Roster};
use super::{
    Agent, AgentMeta, AgentRng, ChainState, Clock, Miner, Nominator, Owner, PendingEvents, Public,
    Recorder, Reveals, SimError, SubnetPublic, Trader, Validator,
};
use crate::chain::fixed::I96F32;
use crate::chain::state::{Chain, ROOT, Subnet};
use crate::scenario::{
    AgentSpec, EventAction, Genesis, Quantity, Role, Scenario, StrategySpec, SubnetSpec, When,
    to_rao,
};
use crate::strategy::{
    MinerStrategy, NominatorStrategy, ServeParams, TraderStrategy, ValidatorStrategy,
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
        if let Some(g) = &s.genesis {
            genesis_snapshot(&mut chain, s.netuid, g);
        }
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
    for s in &scenario.subnets {
        if let Some(g) = &s.genesis {
            snapshot_permits(&mut chain.subnets[usize::from(s.netuid)], g);
        }
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

/// The snapshot's neurons at uids 0..n: each hotkey registered (owned by its coldkey) with its
/// stake as alpha stake, its stored weight and bond rows. Every uid is registered at block 0;
/// the weights and bonds count as written after that, at [`SNAPSHOT_BLOCK`] (`LastUpdate` of
/// a weight row, the subnet's `LastMechansimStepBlock`), as on the chain at the snapshot's
/// block, so the first epoch neither masks the weights as outdated nor the bonds as bought
/// from a newly registered uid's predecessor.
fn genesis_snapshot(chain: &mut Chain, netuid: u16, g: &Genesis) {
    for x in &g.neurons {
        let uid = usize::from(chain.genesis_neuron(netuid, x.hotkey, x.coldkey));
        if x.stake_rao > 0 {
            chain.genesis_stake(netuid, x.hotkey, x.coldkey, x.stake_rao);
        }
        let neurons = &mut chain.subnets[usize::from(netuid)].neurons;
        neurons.weights[uid].clone_from(&x.weights);
        neurons.bonds[uid].clone_from(&x.bonds);
        if !x.weights.is_empty() {
            neurons.last_update[uid] = SNAPSHOT_BLOCK;
        }
    }
    let clock = &mut chain.subnets[usize::from(netuid)].clock;
    clock.last_mechanism_step_block = SNAPSHOT_BLOCK.max(clock.last_epoch_block);
}

/// The block a genesis snapshot's weights and bonds count as written at: after every uid's
/// `BlockAtRegistration` (0), or the epoch's masks (`last_update ≤ registered_at` for weights,
/// `last_tempo ≤ registered_at` for bonds) would drop them.
pub const SNAPSHOT_BLOCK: u64 = 1;

/// The snapshot's recorded permits replace the genesis rule's for its uids.
fn snapshot_permits(subnet: &mut Subnet, g: &Genesis) {
    for (uid, x) in g.neurons.iter().enumerate() {
        if let Some(permit) = x.validator_permit {
            subnet.neurons.validator_permit[uid] = permit;
        }
    }
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
    if a.registered && a.uid.is_none() {
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
fn draw_rao(amount: &Quantity, index: u32, rng: &mut impl Rng) -> u64 {
    to_rao(amount.draw(index, rng))
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
    match spec {
        StrategySpec::Serve {
            quality,
            noise,
            drift,
            idle_from_epoch,
        } => Behaviour::Miner(MinerStrategy::Serve(ServeParams {
            quality: quality.draw(index, rng).max(0.0),
            noise: *noise,
            drift: *drift,
            idle_from_epoch: *idle_from_epoch,
        })),
        StrategySpec::Miner(s) => Behaviour::Miner(s.clone()),
        StrategySpec::Validator(s) => Behaviour::Validator(s.clone()),
        StrategySpec::Nominator(s) => Behaviour::Nominator(s.clone()),
        StrategySpec::Trader(s) => Behaviour::Trader(s.clone()),
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
    let lag = |s: &StrategySpec| s.copier_lag().map(|l| l as usize);
    let agents = scenario.agents.iter().map(|a| &a.strategy);
    agents
        .chain(from_events)
        .filter_map(lag)
        .max()
        .unwrap_or(1)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::state::ROOT;

    /// Subnet 15's snapshot (256 uids) with room for one more: a winner-takes-all honest
    /// validator takes over uid 94 with 1 000 alpha of its own, a miner registers after the
    /// snapshot, a nominator delegates to uid 2's snapshot agent.
    const YAML: &str = "name: g
seed: 7
duration: {epochs: 3}
subnets:
  - name: sn
    pool: {tao: 50000, alpha: 5000000}
    max_allowed_uids: 257
    genesis: {snapshot: examples/metagraph-sn15-block4769998.json}
    agents:
      - {name: judge, role: validator, uid: 94, stake: 1000, strategy: {honest: {noise: 0, top_k: 1}}}
      - {name: late, role: miner, strategy: idle}
      - {name: nom, role: nominator, stake: 1000, delegate_to: sn-snapshot-2, strategy: loyal}
";

    #[test]
    fn an_attached_agent_drives_its_uid_and_snapshot_validators_keep_their_weights() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let s = crate::scenario::parse_in(YAML, "g.yaml", dir).unwrap_or_else(|e| panic!("{e}"));
        let g = s.subnets[0].genesis.clone().expect("a genesis");
        let agent = |name: &str| s.agents.iter().find(|a| a.name == name).unwrap();
        let (judge, late) = (agent("judge"), agent("late"));
        let mut world = world(&s, s.seed).unwrap();
        {
            let chain = &world.resource::<ChainState>().0;
            let sn = &chain.subnets[1];
            assert_eq!(sn.neurons.len(), 257);
            assert_eq!(sn.neurons.hotkeys[94], judge.hotkey);
            assert_eq!(sn.neurons.hotkeys[256], late.hotkey);
            assert_eq!(sn.neurons.weights[94], g.neurons[94].weights);
            assert!(!g.neurons[94].weights.is_empty());
            let own = sn.stake_of(judge.hotkey, judge.coldkey);
            assert_eq!(own, g.neurons[94].stake_rao + 1_000_000_000_000);
            assert_eq!(
                chain.subnets[usize::from(ROOT)].hotkey_stake(judge.hotkey),
                0
            );
            let uid2 = sn.neurons.hotkeys[2];
            assert_eq!(
                sn.hotkey_stake(uid2),
                g.neurons[2].stake_rao + 1_000_000_000_000,
                "the nominator's stake adds to the snapshot's"
            );
            assert_eq!(sn.neurons.last_update[2], SNAPSHOT_BLOCK);
            assert_eq!(sn.clock.last_mechanism_step_block, SNAPSHOT_BLOCK);
            assert_eq!(sn.neurons.registered_at[2], 0);
            assert_eq!(
                match &agent("sn-snapshot-2").strategy {
                    StrategySpec::Validator(ValidatorStrategy::Snapshot { weights }) =>
                        weights.len(),
                    other => panic!("a snapshot validator, not {other:?}"),
                },
                g.neurons[2].weights.len()
            );
        }
        let mut schedule = super::super::schedule();
        for _ in 0..3 * 360 {
            schedule.run(&mut world);
        }
        let sn = &world.resource::<ChainState>().0.subnets[1];
        let set = &sn.neurons.weights[94];
        assert_eq!(set.len(), 1, "the agent's weights: one miner");
        assert_ne!(
            *set, g.neurons[94].weights,
            "the agent's, not the snapshot's"
        );
        assert_eq!(
            sn.neurons.weights[2], g.neurons[2].weights,
            "uid 2 keeps its weights"
        );
        assert!(sn.neurons.last_update[2] > 0, "and re-set them");
        let recorder = world.resource::<Recorder>();
        let meta = &recorder.agents[recorder.agent_of_hotkey[&judge.hotkey]];
        assert_eq!((meta.name.as_str(), meta.strategy), ("judge", "honest"));
    }

    /// The shipped example: the copier that takes over uid 94 sets, after the first epoch,
    /// exactly uid 94's snapshot row (that validator's mainnet weights were the consensus).
    #[test]
    fn the_shipped_examples_copier_copies_uid_94s_snapshot_row() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let file = dir.join("scenarios/snapshots/sn15-genesis.yaml");
        let s = crate::scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
        let g = s.subnets[0].genesis.clone().expect("a genesis");
        let mut world = world(&s, s.seed).unwrap();
        let mut schedule = super::super::schedule();
        for _ in 0..2 * 360 {
            schedule.run(&mut world);
        }
        let sn = &world.resource::<ChainState>().0.subnets[1];
        assert!(
            sn.neurons.last_update[94] > SNAPSHOT_BLOCK,
            "the copier set weights"
        );
        assert_eq!(sn.neurons.weights[94], g.neurons[94].weights);
    }
}
