//! Subnets that start from a metagraph snapshot (`genesis: {snapshot: FILE}`): the snapshot read
//! and checked by the replay's own loader (`replay::snapshot`), its neurons turned into the
//! subnet's uids 0..n at block 0 and into agents, and agents with `uid: K` attached to them.
//!
//! The choices (README, "Starting a scenario subnet from a snapshot"):
//! - a neuron's stake becomes alpha stake on its own hotkey, owned by its coldkey (the metagraph
//!   stake read as alpha stake); its stored weights, bonds and (if recorded) validator permit
//!   become the chain's at block 0, written after every registration (so the first epoch reads
//!   them, see `sim::build`);
//! - the simulation's accounts are numbers, so every neuron gets fresh account ids (coldkey,
//!   hotkey) in uid order; the snapshot's hotkey strings are kept only for the run's manifest
//!   (`genesis`: uid → agent → snapshot hotkey);
//! - the snapshot's epoch hyperparameters (the keys the scenario's `hyperparameters` knows)
//!   apply unless the scenario sets them; tempo, pool, `max_allowed_uids` and the rest are the
//!   scenario's;
//! - a neuron no agent takes over becomes an agent of the population `<subnet>-snapshot`, named
//!   `<subnet>-snapshot-<uid>`: a validator (a recorded permit or a weight row) keeps its
//!   genesis weights for the first epoch and re-sets them after every epoch, to the same
//!   hotkeys; a miner serves a fixed quality, its stake-weighted share of the snapshot's
//!   weights (best miner 1), so that an honest validator added to the subnet ranks miners as
//!   the snapshot's validators did;
//! - an agent with `uid: K` takes over neuron K: its keys replace the neuron's, the neuron's
//!   stake stays (owned by the agent's coldkey) and the agent's `stake` adds to it; its
//!   strategy acts from block 1.
//!
//! May depend on: `replay::snapshot`, `epoch_json` (the hyperparameter names and parsing),
//! `chain` (parameter types), `strategy` (the snapshot behaviours), the rest of `scenario`.

use super::ScenarioError;
use super::ctx::{Ctx, IdAllocator};
use super::raw::{Count, RawAgent, RawGenesis, RawScenario};
use super::spec::{AgentSpec, Genesis, GenesisNeuron, Quantity, Role, StrategySpec, SubnetSpec};
use crate::chain::epoch::EpochParams;
use crate::echo::echo;
use crate::epoch_json::{PARAM_NAMES, parse_params};
use crate::replay::snapshot::{Snapshot, load_one};
use crate::strategy::{MinerStrategy, ValidatorStrategy};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// The `taosim epoch` params a snapshot's `hyperparameters` may carry that a scenario subnet
/// does not take from it: chain-wide (`tao_weight`) or not an epoch input (`commit_reveal`).
const NOT_SUBNET_KEYS: [&str; 2] = ["tao_weight", "commit_reveal"];

/// The population of a subnet's snapshot agents.
pub fn population_name(subnet: &str) -> String {
    format!("{subnet}-snapshot")
}

/// Reads `genesis.snapshot` (relative to `base_dir`) for a subnet of `max_allowed_uids`: the
/// genesis (keys not yet assigned) and the epoch parameters the snapshot sets. `ctx` is the
/// subnet's.
pub(super) fn load(
    ctx: &Ctx,
    g: &RawGenesis,
    base_dir: &Path,
    max_allowed_uids: u16,
) -> Result<(Genesis, EpochParams), ScenarioError> {
    let c = ctx.at(format!("{}.genesis", ctx.path), None);
    let path = base_dir.join(&g.snapshot);
    let (snapshot, hash) = load_one(&path).map_err(|e| c.error("snapshot", e.to_string()))?;
    if let Some(written) = &g.snapshot_hash
        && *written != hash
    {
        let message = format!(
            "the snapshot file's hash is {hash}, not {} (the file changed)",
            echo(written)
        );
        return c.err("snapshot_hash", message);
    }
    let n = snapshot.neurons.len();
    if n > usize::from(max_allowed_uids) {
        let message =
            format!("{n} neurons exceed the subnet's max_allowed_uids {max_allowed_uids}",);
        return c.err("snapshot", message);
    }
    let file = path.display().to_string();
    let epoch = epoch_params(&snapshot)
        .map_err(|(key, m)| c.error("snapshot", format!("{}: {key}: {m}", echo(&file))))?;
    Ok((genesis_of(&snapshot, file, hash), epoch))
}

/// The snapshot's `hyperparameters` among the subnet's epoch params ([`PARAM_NAMES`] but
/// [`NOT_SUBNET_KEYS`]) over the chain's defaults; an error
/// is `(hyperparameters.KEY, message)`.
fn epoch_params(snapshot: &Snapshot) -> Result<EpochParams, (String, String)> {
    let keys: Map<String, Value> = snapshot
        .hyperparameters
        .iter()
        .filter(|(k, _)| {
            PARAM_NAMES.contains(&k.as_str()) && !NOT_SUBNET_KEYS.contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    parse_params(&Value::Object(keys)).map_err(|e| {
        let key = e.path.strip_prefix("params.").unwrap_or(&e.path);
        (format!("hyperparameters.{key}"), e.message)
    })
}

fn genesis_of(snapshot: &Snapshot, file: String, snapshot_hash: String) -> Genesis {
    let neurons = snapshot
        .neurons
        .iter()
        .map(|x| GenesisNeuron {
            hotkey: 0,
            coldkey: 0,
            stake_rao: x.stake_rao,
            weights: x.weights.clone(),
            bonds: x.bonds.clone().unwrap_or_default(),
            validator_permit: x.validator_permit,
            snapshot_hotkey: x.hotkey.clone(),
        })
        .collect();
    Genesis {
        file,
        snapshot_hash,
        neurons,
    }
}

/// The uids the agents of subnet `si` take over (`uid: K`), each checked: only on a subnet with
/// a genesis, in the snapshot, one miner or validator registered from genesis, once.
pub(super) fn attached_uids(
    ctx: &Ctx,
    raw: &RawScenario,
    si: usize,
    genesis: Option<&Genesis>,
) -> Result<BTreeMap<u16, usize>, ScenarioError> {
    let mut taken = BTreeMap::new();
    for (ai, a) in raw.subnets[si].value.agents.iter().enumerate() {
        let Some(uid) = a.value.uid else {
            continue;
        };
        let c = ctx.at(
            format!("subnets[{si}].agents[{ai}]"),
            Some(a.referenced.line()),
        );
        check_attached(&c, &a.value, uid, genesis)?;
        if let Some(first) = taken.insert(uid, ai) {
            let message = format!("uid {uid} is already taken over by agents[{first}]");
            return c.err("uid", message);
        }
    }
    Ok(taken)
}

fn check_attached(
    c: &Ctx,
    a: &RawAgent,
    uid: u16,
    genesis: Option<&Genesis>,
) -> Result<(), ScenarioError> {
    let Some(g) = genesis else {
        return c.err(
            "uid",
            "only on a subnet with `genesis` (the uid of a snapshot neuron)",
        );
    };
    let n = g.neurons.len();
    if usize::from(uid) >= n {
        return c.err(
            "uid",
            format!("uid {uid} is not in the snapshot (uids 0..{n})"),
        );
    }
    if a.count != Count::Fixed(1) {
        return c.err("uid", "takes over one neuron: needs count 1");
    }
    if !matches!(a.role.as_str(), "miner" | "validator") {
        return c.err("uid", "only a miner or a validator holds a uid");
    }
    if !a.registered || a.join.is_some() {
        return c.err(
            "uid",
            "holds its uid from genesis: leave out `registered: false` and `join`",
        );
    }
    Ok(())
}

/// The agents of the snapshot's neurons that no agent takes over, in uid order (population
/// [`population_name`], index = uid).
pub(super) fn snapshot_agents(
    subnet: &SubnetSpec,
    g: &Genesis,
    attached: &BTreeMap<u16, usize>,
    ids: &mut IdAllocator,
    out: &mut Vec<AgentSpec>,
) {
    let population = population_name(&subnet.name);
    let quality = miner_quality(g);
    for (uid, x) in g.neurons.iter().enumerate() {
        if attached.contains_key(&(uid as u16)) {
            continue;
        }
        // A validator's weights get their targets' hotkeys in `attach`.
        let (role, strategy) = match x.is_validator() {
            true => (
                Role::Validator,
                StrategySpec::Validator(ValidatorStrategy::Snapshot {
                    weights: x.weights.iter().map(|e| (0, e.1)).collect(),
                }),
            ),
            false => (
                Role::Miner,
                StrategySpec::Miner(MinerStrategy::Snapshot {
                    quality: quality[uid],
                }),
            ),
        };
        let coldkey = ids.take();
        out.push(AgentSpec {
            name: format!("{population}-{uid}"),
            population: population.clone(),
            index: uid as u32,
            netuid: subnet.netuid,
            role,
            coldkey,
            hotkey: ids.take(),
            balance: 0,
            stake: Quantity::Fixed(0.0),
            root_stake: 0,
            take: None,
            delegate_to: None,
            registered: true,
            join_block: None,
            uid: Some(uid as u16),
            strategy,
        });
    }
}

/// Per uid: Σ over weight rows of stake × the row's normalised weight on it, divided by the
/// largest such sum (0 everywhere if nothing is weighted).
fn miner_quality(g: &Genesis) -> Vec<f64> {
    let mut q = vec![0.0; g.neurons.len()];
    for x in &g.neurons {
        let sum: f64 = x.weights.iter().map(|e| f64::from(e.1)).sum();
        if sum <= 0.0 {
            continue;
        }
        for (j, w) in &x.weights {
            q[usize::from(*j)] += x.stake_rao as f64 * f64::from(*w) / sum;
        }
    }
    let max = q.iter().copied().fold(0.0, f64::max);
    if max > 0.0 {
        q.iter_mut().for_each(|x| *x /= max);
    }
    q
}

/// Gives every genesis uid the keys of the agent holding it, then points each snapshot
/// validator's weights at the hotkeys of the uids it weights.
pub(super) fn attach(subnets: &mut [SubnetSpec], agents: &mut [AgentSpec]) {
    for a in agents.iter() {
        let (Some(uid), Some(g)) = (a.uid, subnets[usize::from(a.netuid - 1)].genesis.as_mut())
        else {
            continue;
        };
        let x = &mut g.neurons[usize::from(uid)];
        (x.hotkey, x.coldkey) = (a.hotkey, a.coldkey);
    }
    for a in agents.iter_mut() {
        let (Some(uid), Some(g)) = (a.uid, subnets[usize::from(a.netuid - 1)].genesis.as_ref())
        else {
            continue;
        };
        if let StrategySpec::Validator(ValidatorStrategy::Snapshot { weights }) = &mut a.strategy {
            let row = &g.neurons[usize::from(uid)].weights;
            *weights = row
                .iter()
                .map(|e| (g.neurons[usize::from(e.0)].hotkey, e.1))
                .collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neuron(stake_rao: u64, weights: Vec<(u16, u16)>) -> GenesisNeuron {
        GenesisNeuron {
            hotkey: 0,
            coldkey: 0,
            stake_rao,
            weights,
            bonds: Vec::new(),
            validator_permit: None,
            snapshot_hotkey: None,
        }
    }

    #[test]
    fn miner_quality_is_the_stake_weighted_share_of_weights() {
        let g = Genesis {
            file: String::new(),
            snapshot_hash: String::new(),
            neurons: vec![
                neuron(3, vec![(2, 65_535)]),
                neuron(1, vec![(2, 65_535), (3, 65_535)]),
                neuron(0, vec![]),
                neuron(0, vec![]),
            ],
        };
        // uid 2: 3 + 0.5, uid 3: 0.5.
        assert_eq!(miner_quality(&g), vec![0.0, 0.0, 1.0, 0.5 / 3.5]);
        assert!(g.neurons[0].is_validator() && !g.neurons[2].is_validator());
    }
}
