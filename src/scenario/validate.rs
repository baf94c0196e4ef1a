//! [`RawScenario`] → [`Scenario`]: every value checked, names resolved to account ids, amounts
//! converted to rao and fractions to the chain's proportions. The first problem found is
//! returned with its YAML path and the line of its nearest enclosing list item.

use super::ScenarioError;
pub use super::ctx::to_rao;
use super::ctx::{Ctx, IdAllocator};
use super::raw::{
    Amount, Count, RawAgent, RawChain, RawDist, RawEvent, RawHyper, RawRecord, RawScenario,
    RawStrategy, RawSubnet,
};
use super::spec::{AgentSpec, Role, StrategySpec, SubnetSpec};
use crate::chain::coinbase::flow::EmissionRule;
use crate::chain::coinbase::scheduler::SchedulerRegime;
use crate::chain::epoch::{EpochParams, MAX_UIDS_PER_SUBNET};
use crate::chain::staking::DelegateTakeBounds;
use crate::chain::state::{AccountId, ChainParams};
use crate::echo::echo;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Blocks per day.
pub const BLOCKS_PER_DAY: u64 = 7_200;
/// The longest run accepted: 100 years.
const MAX_BLOCKS: u64 = 100 * 365 * BLOCKS_PER_DAY;

/// A validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The file as resolved (defaults filled), for the run's manifest.
    pub raw: RawScenario,
    /// Its name.
    pub name: String,
    /// The master seed.
    pub seed: u64,
    /// A one-epoch consensus experiment instead of subnets (then `blocks` is 0).
    pub consensus: Option<super::consensus::ConsensusSpec>,
    /// Blocks to simulate.
    pub blocks: u64,
    /// Chain parameters.
    pub chain: ChainParams,
    /// TAO issued before the run, held by an outside account, rao.
    pub issued_tao: u64,
    /// Subnets, netuid = index + 1.
    pub subnets: Vec<SubnetSpec>,
    /// Every agent, in file order (subnet by subnet, population by population).
    pub agents: Vec<AgentSpec>,
    /// Events in file order.
    pub events: Vec<EventSpec>,
    /// Account sampling period, blocks.
    pub record_every: u64,
    /// Write `neurons.parquet`.
    pub record_neurons: bool,
    /// Write the neuron rows of every k-th epoch of each subnet.
    pub record_neurons_every: u64,
    /// Write `accounts.parquet`.
    pub record_accounts: bool,
    /// The directory relative paths in the scenario (a genesis snapshot) resolve against: the
    /// scenario file's, or the current directory for text without a file.
    pub base_dir: PathBuf,
}

/// When an event fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// At this block, before agents act.
    Block(u64),
    /// When the first subnet has run this many epochs.
    Epoch(u64),
}

/// An event's effect.
#[derive(Clone, Debug)]
pub enum EventAction {
    /// New hyperparameters for a subnet (fields not given keep their value).
    SetHyperparameters { netuid: u16, values: RawHyper },
    /// New chain parameters.
    SetChain {
        tao_weight: Option<u64>,
        subnet_owner_cut: Option<u16>,
        emission_rule: Option<EmissionRule>,
    },
    /// New strategy for these agents (indices into [`Scenario::agents`]).
    SetStrategy {
        agents: Vec<usize>,
        strategy: StrategySpec,
    },
    /// `from_coldkey` moves `fraction` of its stake on `from_hotkey` to `to_hotkey`.
    MoveStake {
        netuid: u16,
        coldkey: AccountId,
        from_hotkey: AccountId,
        to_hotkey: AccountId,
        fraction: f64,
    },
    /// Reset the bonds column of this hotkey's uid.
    ResetBonds { netuid: u16, hotkey: AccountId },
}

/// A validated event.
#[derive(Clone, Debug)]
pub struct EventSpec {
    /// When.
    pub when: When,
    /// What.
    pub action: EventAction,
}

/// Fraction → u16 proportion (round to nearest).
fn u16_of(x: f64) -> u16 {
    (x * 65_535.0).round() as u16
}

/// Fraction → u64 proportion of `u64::MAX`.
fn u64_of(x: f64) -> u64 {
    (x * u64::MAX as f64) as u64
}

/// Checks everything and resolves names; relative paths resolve against `base_dir`.
pub fn validate(
    raw: RawScenario,
    origin: &str,
    base_dir: &Path,
) -> Result<Scenario, ScenarioError> {
    let mut raw = super::template::expand(raw, origin)?;
    let ctx = Ctx {
        origin,
        path: String::new(),
        line: None,
    };
    check_name(&ctx, "name", &raw.name)?;
    let (chain, issued_tao) = chain_params(&ctx.at("chain".into(), None), &raw.chain)?;
    if let Some(c) = &raw.consensus {
        return consensus_scenario(&ctx, &raw, c, chain, base_dir);
    }
    if raw.subnets.is_empty() {
        return ctx.err(
            "subnets",
            "at least one subnet (or a consensus experiment) is required",
        );
    }
    if raw.subnets.len() > 128 {
        return ctx.err("subnets", "at most 128 subnets (the chain's SubnetLimit)");
    }
    let mut ids = IdAllocator::default();
    let mut subnets = Vec::new();
    for (i, s) in raw.subnets.iter().enumerate() {
        let c = ctx.at(format!("subnets[{i}]"), Some(s.referenced.line()));
        if raw.subnets[..i]
            .iter()
            .any(|o| o.value.name == s.value.name)
        {
            return c.err(
                "name",
                format!("duplicate subnet name '{}'", echo(&s.value.name)),
            );
        }
        subnets.push(subnet_spec(
            &c,
            &s.value,
            (i + 1) as u16,
            &mut ids,
            base_dir,
        )?);
    }
    pin_snapshot_hashes(&mut raw, &subnets);
    let blocks = duration_blocks(&ctx, &raw, &subnets)?;
    let mut agents = agent_specs(&ctx, &raw, &chain, &mut ids, &subnets)?;
    super::genesis::attach(&mut subnets, &mut agents);
    check_supply(&ctx, &subnets, &agents, issued_tao)?;
    let events = event_specs(&ctx, &raw, &subnets, &agents)?;
    check_record(&ctx, &raw.record)?;
    Ok(Scenario {
        name: raw.name.clone(),
        seed: raw.seed,
        consensus: None,
        blocks,
        chain,
        issued_tao,
        subnets,
        agents,
        events,
        record_every: raw.record.every_blocks,
        record_neurons: raw.record.neurons,
        record_neurons_every: raw.record.neurons_every_epochs,
        record_accounts: raw.record.accounts,
        base_dir: base_dir.to_path_buf(),
        raw,
    })
}

/// The resolved scenario records each genesis snapshot's hash, so that its hash (and a run's
/// manifest) pins the snapshot's content.
fn pin_snapshot_hashes(raw: &mut RawScenario, subnets: &[SubnetSpec]) {
    for (s, spec) in raw.subnets.iter_mut().zip(subnets) {
        if let (Some(g), Some(genesis)) = (&mut s.value.genesis, &spec.genesis) {
            g.snapshot_hash = Some(genesis.snapshot_hash.clone());
        }
    }
}

/// A scenario made of one consensus experiment: no subnets, events or duration.
fn consensus_scenario(
    ctx: &Ctx,
    raw: &RawScenario,
    c: &super::raw::RawConsensus,
    chain: ChainParams,
    base_dir: &Path,
) -> Result<Scenario, ScenarioError> {
    let d = &raw.duration;
    if !raw.subnets.is_empty()
        || !raw.events.is_empty()
        || d.blocks.or(d.epochs).is_some()
        || d.days.is_some()
    {
        return ctx.err(
            "consensus",
            "a consensus experiment is one epoch: leave out subnets, events and duration",
        );
    }
    let fail = |field: &str, message: String| ScenarioError {
        origin: ctx.origin.to_string(),
        line: None,
        path: format!("consensus.{field}"),
        message,
    };
    let spec = super::consensus::validate(c, &fail)?;
    check_record(ctx, &raw.record)?;
    Ok(Scenario {
        name: raw.name.clone(),
        seed: raw.seed,
        consensus: Some(spec),
        blocks: 0,
        chain,
        issued_tao: 0,
        subnets: Vec::new(),
        agents: Vec::new(),
        events: Vec::new(),
        record_every: raw.record.every_blocks,
        record_neurons: raw.record.neurons,
        record_neurons_every: raw.record.neurons_every_epochs,
        record_accounts: false,
        base_dir: base_dir.to_path_buf(),
        raw: raw.clone(),
    })
}

/// A sampling period of 0 blocks (or epochs) would record nothing.
fn check_record(ctx: &Ctx, record: &RawRecord) -> Result<(), ScenarioError> {
    for (field, every) in [
        ("every_blocks", record.every_blocks),
        ("neurons_every_epochs", record.neurons_every_epochs),
    ] {
        if every == 0 {
            return (ctx.at("record".into(), None))
                .err(field, "must be ≥ 1 (0 would record nothing)");
        }
    }
    Ok(())
}

fn check_name(ctx: &Ctx, field: &str, name: &str) -> Result<(), ScenarioError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !name.starts_with('.');
    if ok {
        Ok(())
    } else {
        ctx.err(
            field,
            format!(
                "'{}' must be 1–100 characters of letters, digits, '_', '-', '.'",
                echo(name)
            ),
        )
    }
}

fn chain_params(ctx: &Ctx, raw: &RawChain) -> Result<(ChainParams, u64), ScenarioError> {
    let mut p = ChainParams {
        tao_weight: u64_of(ctx.fraction("tao_weight", raw.tao_weight)?),
        subnet_owner_cut: u16_of(ctx.fraction("subnet_owner_cut", raw.subnet_owner_cut)?),
        emission_rule: emission_rule(ctx, "emission_rule", &raw.emission_rule)?,
        ..ChainParams::default()
    };
    p.scheduler = match raw.scheduler.as_str() {
        "dynamic" => SchedulerRegime::DynamicTempo,
        "legacy" => SchedulerRegime::Legacy,
        other => {
            return ctx.err(
                "scheduler",
                format!("unknown scheduler '{}' (dynamic, legacy)", echo(other)),
            );
        }
    };
    if raw.max_epochs_per_block == 0 {
        return ctx.err("max_epochs_per_block", "must be ≥ 1");
    }
    p.max_epochs_per_block = raw.max_epochs_per_block;
    p.default_min_stake = ctx.rao("default_min_stake", raw.default_min_stake)?;
    let (min, max) = (
        ctx.fraction("min_take", raw.min_take)?,
        ctx.fraction("max_take", raw.max_take)?,
    );
    if min > max {
        return ctx.err("min_take", "must not exceed max_take");
    }
    p.take_bounds = DelegateTakeBounds {
        min: u16_of(min),
        max: u16_of(max),
    };
    let issued = ctx.rao("issued_tao", raw.issued_tao)?;
    Ok((p, issued))
}

fn emission_rule(ctx: &Ctx, field: &str, name: &str) -> Result<EmissionRule, ScenarioError> {
    match name {
        "price_ema" => Ok(EmissionRule::PriceEma),
        "tao_flow" => Ok(EmissionRule::TaoFlow),
        "moving_price_raw" => Ok(EmissionRule::MovingPriceRaw),
        other => ctx.err(
            field,
            format!(
                "unknown emission rule '{}' (price_ema, tao_flow, moving_price_raw)",
                echo(other)
            ),
        ),
    }
}

/// The account that holds TAO issued before the run.
pub const OUTSIDE: AccountId = 1;

fn subnet_spec(
    ctx: &Ctx,
    s: &RawSubnet,
    netuid: u16,
    ids: &mut IdAllocator,
    base_dir: &Path,
) -> Result<SubnetSpec, ScenarioError> {
    check_name(ctx, "name", &s.name)?;
    if s.tempo == 0 {
        return ctx.err("tempo", "must be ≥ 1");
    }
    let pool_tao = ctx.rao("pool.tao", fixed_amount(ctx, "pool.tao", &s.pool.tao)?)?;
    let pool_alpha = ctx.rao(
        "pool.alpha",
        fixed_amount(ctx, "pool.alpha", &s.pool.alpha)?,
    )?;
    if pool_tao == 0 || pool_alpha == 0 {
        return ctx.err("pool", "both reserves must be positive");
    }
    if let Some(p) = s.moving_price {
        ctx.non_negative("moving_price", p)?;
    }
    if s.max_allowed_uids == 0 || s.max_allowed_uids > MAX_UIDS_PER_SUBNET {
        return ctx.err(
            "max_allowed_uids",
            format!(
                "must be between 1 and {MAX_UIDS_PER_SUBNET}, got {}",
                s.max_allowed_uids
            ),
        );
    }
    let (genesis, mut epoch) = match &s.genesis {
        Some(g) => {
            let (genesis, epoch) = super::genesis::load(ctx, g, base_dir, s.max_allowed_uids)?;
            (Some(genesis), epoch)
        }
        None => (None, EpochParams::default()),
    };
    apply_hyper(
        &ctx.at(format!("{}.hyperparameters", ctx.path), None),
        &mut epoch,
        &s.hyperparameters,
    )?;
    Ok(SubnetSpec {
        name: s.name.clone(),
        netuid,
        tempo: s.tempo,
        pool_tao,
        pool_alpha,
        moving_price: s.moving_price,
        max_allowed_uids: s.max_allowed_uids,
        immunity_period: s.immunity_period,
        min_non_immune_uids: s.min_non_immune_uids,
        epoch,
        commit_reveal_epochs: s.commit_reveal_epochs,
        owner_coldkey: ids.take(),
        owner_hotkey: ids.take(),
        genesis,
    })
}

/// Applies the given hyperparameters to `p`, checking each.
pub fn apply_hyper_checked(p: &mut EpochParams, h: &RawHyper) -> Result<(), String> {
    let ctx = Ctx {
        origin: "",
        path: String::new(),
        line: None,
    };
    apply_hyper(&ctx, p, h).map_err(|e| format!("{}: {}", e.path, e.message))
}

fn apply_hyper(ctx: &Ctx, p: &mut EpochParams, h: &RawHyper) -> Result<(), ScenarioError> {
    if let Some(x) = h.kappa {
        p.kappa = u16_of(ctx.fraction("kappa", x)?);
    }
    if let Some(x) = h.bonds_penalty {
        p.bonds_penalty = u16_of(ctx.fraction("bonds_penalty", x)?);
    }
    if let Some(x) = h.bonds_moving_average {
        p.bonds_moving_average = (ctx.fraction("bonds_moving_average", x)? * 1e6).round() as u64;
    }
    if let Some(x) = h.yuma3 {
        p.yuma3 = x;
    }
    if let Some(x) = h.liquid_alpha {
        p.liquid_alpha = x;
    }
    if let Some(x) = h.alpha_low {
        p.alpha_low = u16_of(ctx.fraction("alpha_low", x)?);
    }
    if let Some(x) = h.alpha_high {
        p.alpha_high = u16_of(ctx.fraction("alpha_high", x)?);
    }
    if p.alpha_low > p.alpha_high {
        return ctx.err("alpha_low", "must not exceed alpha_high");
    }
    if let Some(x) = h.alpha_sigmoid_steepness {
        p.alpha_sigmoid_steepness = x;
    }
    if let Some(x) = h.max_allowed_validators {
        p.max_allowed_validators = x;
    }
    if let Some(x) = h.activity_cutoff_factor_milli {
        p.activity_cutoff_factor_milli = x;
    }
    if let Some(x) = h.stake_threshold {
        p.stake_threshold = ctx.rao("stake_threshold", x)?;
    }
    Ok(())
}

fn duration_blocks(
    ctx: &Ctx,
    raw: &RawScenario,
    subnets: &[SubnetSpec],
) -> Result<u64, ScenarioError> {
    let d = &raw.duration;
    let c = ctx.at("duration".into(), None);
    let blocks = match (d.blocks, d.epochs, d.days) {
        (Some(b), None, None) => b,
        (None, Some(e), None) => e.saturating_mul(u64::from(subnets[0].tempo)),
        (None, None, Some(days)) => {
            (c.non_negative("days", days)? * BLOCKS_PER_DAY as f64).round() as u64
        }
        _ => return c.err("", "give exactly one of blocks, epochs, days"),
    };
    if blocks == 0 || blocks > MAX_BLOCKS {
        return c.err(
            "",
            format!("{blocks} blocks: must be between 1 and {MAX_BLOCKS} (100 years)"),
        );
    }
    Ok(blocks)
}

/// All agents, names resolved in a second pass.
fn agent_specs(
    ctx: &Ctx,
    raw: &RawScenario,
    chain: &ChainParams,
    ids: &mut IdAllocator,
    subnets: &[SubnetSpec],
) -> Result<Vec<AgentSpec>, ScenarioError> {
    let mut agents = Vec::new();
    let mut populations: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (si, s) in raw.subnets.iter().enumerate() {
        let genesis = subnets[si].genesis.as_ref();
        let attached = super::genesis::attached_uids(ctx, raw, si, genesis)?;
        let mut registered = genesis.map_or(0, |g| g.neurons.len() as u32);
        if let Some(g) = genesis {
            let name = super::genesis::population_name(&s.value.name);
            if populations.contains_key(&name) {
                let c = ctx.at(format!("subnets[{si}]"), Some(s.referenced.line()));
                let message = format!("its snapshot agents' population '{name}' is taken");
                return c.err("genesis", message);
            }
            let start = agents.len();
            super::genesis::snapshot_agents(&subnets[si], g, &attached, ids, &mut agents);
            populations.insert(name, (start, agents.len()));
        }
        for (ai, a) in s.value.agents.iter().enumerate() {
            let c = ctx.at(
                format!("subnets[{si}].agents[{ai}]"),
                Some(a.referenced.line()),
            );
            let a = &a.value;
            check_name(&c, "name", &a.name)?;
            if populations.contains_key(&a.name) {
                return c.err(
                    "name",
                    format!("duplicate population name '{}'", echo(&a.name)),
                );
            }
            let role = role_of(&c, a)?;
            if matches!(a.count, Count::Dist(_)) {
                return c.err("count", TEMPLATE_ONLY);
            }
            if a.count.fixed() == 0 || a.count.fixed() > 65_535 {
                return c.err("count", "must be between 1 and 65535");
            }
            if a.join.is_some() && !matches!(role, Role::Miner | Role::Validator) {
                return c.err("join", "only miners and validators register");
            }
            if a.join.is_some_and(|j| j.block == 0) {
                return c.err("join.block", "must be ≥ 1 (block 0 is genesis)");
            }
            let counted = a.registered && a.join.is_none() && a.uid.is_none();
            if counted && matches!(role, Role::Miner | Role::Validator) {
                registered += a.count.fixed();
                if registered > u32::from(s.value.max_allowed_uids) {
                    return c.err(
                        "count",
                        format!(
                            "{registered} registered agents exceed the subnet's max_allowed_uids {}",
                            s.value.max_allowed_uids
                        ),
                    );
                }
            }
            let start = agents.len();
            population(&c, a, role, (si + 1) as u16, chain, ids, &mut agents)?;
            populations.insert(a.name.clone(), (start, agents.len()));
        }
    }
    resolve_agents(ctx, raw, &populations, &mut agents)?;
    Ok(agents)
}

fn role_of(ctx: &Ctx, a: &RawAgent) -> Result<Role, ScenarioError> {
    let role = match a.role.as_str() {
        "miner" => Role::Miner,
        "validator" => Role::Validator,
        "nominator" => Role::Nominator,
        "trader" => Role::Trader,
        other => {
            return ctx.err(
                "role",
                format!(
                    "unknown role '{}' (miner, validator, nominator, trader)",
                    echo(other)
                ),
            );
        }
    };
    check_fits(ctx, &a.strategy, role)?;
    Ok(role)
}

/// Whether `role` can have `strategy`.
fn check_fits(ctx: &Ctx, strategy: &RawStrategy, role: Role) -> Result<(), ScenarioError> {
    let fits = matches!(
        (strategy, role),
        (RawStrategy::Serve { .. } | RawStrategy::Idle, Role::Miner)
            | (
                RawStrategy::Honest { .. }
                    | RawStrategy::Copier { .. }
                    | RawStrategy::Cabal { .. }
                    | RawStrategy::Lazy { .. }
                    | RawStrategy::Scripted { .. },
                Role::Validator,
            )
            | (
                RawStrategy::Loyal
                    | RawStrategy::ApyChasing { .. }
                    | RawStrategy::RandomNominator { .. }
                    | RawStrategy::Scheduled { .. },
                Role::Nominator,
            )
            | (
                RawStrategy::Dca { .. } | RawStrategy::RandomTrader { .. },
                Role::Trader
            )
    );
    if !fits {
        return ctx.err(
            "strategy",
            format!(
                "strategy '{}' is not one a {} can have",
                strategy_name(strategy),
                role.name()
            ),
        );
    }
    Ok(())
}

/// The YAML key of a strategy.
pub fn strategy_name(s: &RawStrategy) -> &'static str {
    match s {
        RawStrategy::Serve { .. } => "serve",
        RawStrategy::Idle => "idle",
        RawStrategy::Honest { .. } => "honest",
        RawStrategy::Copier { .. } => "copier",
        RawStrategy::Cabal { .. } => "cabal",
        RawStrategy::Lazy { .. } => "lazy",
        RawStrategy::Scripted { .. } => "scripted",
        RawStrategy::Loyal => "loyal",
        RawStrategy::ApyChasing { .. } => "apy_chasing",
        RawStrategy::RandomNominator { .. } => "random_nominator",
        RawStrategy::Scheduled { .. } => "scheduled",
        RawStrategy::Dca { .. } => "dca",
        RawStrategy::RandomTrader { .. } => "random_trader",
        RawStrategy::SnapshotValidator { .. } | RawStrategy::SnapshotMiner { .. } => "snapshot",
    }
}

/// Expands one population into agents (names resolved later).
fn population(
    ctx: &Ctx,
    a: &RawAgent,
    role: Role,
    netuid: u16,
    chain: &ChainParams,
    ids: &mut IdAllocator,
    out: &mut Vec<AgentSpec>,
) -> Result<(), ScenarioError> {
    let balance = ctx.rao("balance", a.balance)?;
    let count = a.count.fixed();
    check_amount(ctx, "stake", &a.stake, count)?;
    let root_stake = ctx.rao("root_stake", a.root_stake)?;
    let take = match a.take {
        Some(t) => {
            let t = u16_of(ctx.fraction("take", t)?);
            if t < chain.take_bounds.min || t > chain.take_bounds.max {
                return ctx.err("take", "outside the chain's [min_take, max_take]");
            }
            Some(t)
        }
        None => None,
    };
    check_strategy(
        &ctx.at(format!("{}.strategy", ctx.path), None),
        &a.strategy,
        count,
    )?;
    let shared = a.shared_coldkey.then(|| ids.take());
    for i in 0..count {
        let coldkey = shared.unwrap_or_else(|| ids.take());
        let name = if count == 1 {
            a.name.clone()
        } else {
            format!("{}-{i}", a.name)
        };
        out.push(AgentSpec {
            name,
            population: a.name.clone(),
            index: i,
            netuid,
            role,
            coldkey,
            hotkey: ids.take(),
            balance,
            stake: a.stake.clone(),
            root_stake,
            take,
            delegate_to: None,
            registered: a.registered
                && a.join.is_none()
                && matches!(role, Role::Miner | Role::Validator),
            join_block: a.join.map(|j| {
                j.block
                    .saturating_add(u64::from(i).saturating_mul(j.every_blocks))
            }),
            uid: a.uid,
            strategy: StrategySpec {
                raw: a.strategy.clone(),
                targets: Vec::new(),
            },
        });
    }
    Ok(())
}

fn check_amount(ctx: &Ctx, field: &str, amount: &Amount, count: u32) -> Result<(), ScenarioError> {
    match amount {
        Amount::Fixed(x) => ctx.rao(field, *x).map(|_| ()),
        Amount::Dist(RawDist::Uniform { low, high }) => {
            ctx.rao(&format!("{field}.uniform.low"), *low)?;
            ctx.rao(&format!("{field}.uniform.high"), *high)?;
            if low > high {
                return ctx.err(&format!("{field}.uniform"), "low must not exceed high");
            }
            Ok(())
        }
        Amount::Dist(RawDist::LogNormal { median, sigma }) => {
            ctx.rao(&format!("{field}.log_normal.median"), *median)?;
            let s = ctx.non_negative(&format!("{field}.log_normal.sigma"), *sigma)?;
            if s > 5.0 {
                return ctx.err(&format!("{field}.log_normal.sigma"), "must be ≤ 5");
            }
            Ok(())
        }
        Amount::Dist(RawDist::Values(v)) => {
            if v.len() != count as usize {
                return ctx.err(
                    &format!("{field}.values"),
                    format!("{} values for {count} agents", v.len()),
                );
            }
            for (i, x) in v.iter().enumerate() {
                ctx.rao(&format!("{field}.values[{i}]"), *x)?;
            }
            Ok(())
        }
    }
}

/// Why a distribution is refused where only a subnet template may draw one.
const TEMPLATE_ONLY: &str =
    "a distribution is allowed here only in a subnet template (a subnet with `count`)";

/// A number where a resolved scenario needs one (pool reserves).
fn fixed_amount(ctx: &Ctx, field: &str, amount: &Amount) -> Result<f64, ScenarioError> {
    match amount {
        Amount::Fixed(x) => Ok(*x),
        Amount::Dist(_) => ctx.err(field, TEMPLATE_ONLY),
    }
}

/// Strategy parameters that a type cannot check.
fn check_strategy(ctx: &Ctx, s: &RawStrategy, count: u32) -> Result<(), ScenarioError> {
    match s {
        RawStrategy::Serve {
            quality,
            noise,
            drift,
            ..
        } => {
            check_amount(ctx, "serve.quality", quality, count)?;
            ctx.non_negative("serve.noise", *noise)?;
            ctx.non_negative("serve.drift", *drift)?;
        }
        RawStrategy::Honest { noise, top_k } => {
            ctx.non_negative("honest.noise", *noise)?;
            if *top_k == Some(0) {
                return ctx.err("honest.top_k", "must be ≥ 1");
            }
        }
        RawStrategy::Copier { lag_epochs } if *lag_epochs == 0 => {
            return ctx.err("copier.lag_epochs", "must be ≥ 1");
        }
        RawStrategy::Cabal {
            members,
            share,
            noise,
        } => {
            ctx.fraction("cabal.share", *share)?;
            ctx.non_negative("cabal.noise", *noise)?;
            if members.is_empty() {
                return ctx.err(
                    "cabal.members",
                    "name at least one miner population or agent",
                );
            }
        }
        RawStrategy::Lazy {
            noise,
            refresh_epochs,
            ..
        } => {
            ctx.non_negative("lazy.noise", *noise)?;
            if *refresh_epochs == 0 {
                return ctx.err("lazy.refresh_epochs", "must be ≥ 1");
            }
        }
        RawStrategy::Scripted { schedule } => {
            for (i, step) in schedule.iter().enumerate() {
                for (target, w) in &step.weights {
                    ctx.non_negative(&format!("scripted.schedule[{i}].weights.{target}"), *w)?;
                }
            }
        }
        RawStrategy::ApyChasing {
            threshold,
            every_epochs,
        } => {
            ctx.non_negative("apy_chasing.threshold", *threshold)?;
            if *every_epochs == 0 {
                return ctx.err("apy_chasing.every_epochs", "must be ≥ 1");
            }
        }
        RawStrategy::RandomNominator {
            every_epochs,
            probability,
        } => {
            ctx.fraction("random_nominator.probability", *probability)?;
            if *every_epochs == 0 {
                return ctx.err("random_nominator.every_epochs", "must be ≥ 1");
            }
        }
        RawStrategy::Scheduled { moves } => {
            for (i, m) in moves.iter().enumerate() {
                let f = ctx.fraction(&format!("scheduled.moves[{i}].fraction"), m.fraction)?;
                if f == 0.0 {
                    return ctx.err(&format!("scheduled.moves[{i}].fraction"), "must be > 0");
                }
            }
        }
        RawStrategy::Dca {
            every_blocks, buy, ..
        } => {
            if *every_blocks == 0 {
                return ctx.err("dca.every_blocks", "must be ≥ 1");
            }
            ctx.rao("dca.buy", *buy)?;
        }
        RawStrategy::RandomTrader {
            every_blocks,
            max_tao,
        } => {
            if *every_blocks == 0 {
                return ctx.err("random_trader.every_blocks", "must be ≥ 1");
            }
            ctx.rao("random_trader.max_tao", *max_tao)?;
        }
        _ => {}
    }
    Ok(())
}

/// Resolves `delegate_to` and strategy targets to hotkeys.
fn resolve_agents(
    ctx: &Ctx,
    raw: &RawScenario,
    populations: &BTreeMap<String, (usize, usize)>,
    agents: &mut [AgentSpec],
) -> Result<(), ScenarioError> {
    let snapshot: Vec<AgentSpec> = agents.to_vec();
    let lookup = Lookup {
        agents: &snapshot,
        populations,
    };
    for (si, s) in raw.subnets.iter().enumerate() {
        for (ai, a) in s.value.agents.iter().enumerate() {
            let c = ctx.at(
                format!("subnets[{si}].agents[{ai}]"),
                Some(a.referenced.line()),
            );
            let delegate = match &a.value.delegate_to {
                Some(name) => {
                    Some(lookup.population(&c, "delegate_to", name, Some(Role::Validator))?)
                }
                None => None,
            };
            if a.value.role == "nominator" && delegate.is_none() && !is_zero(&a.value.stake) {
                return c.err(
                    "delegate_to",
                    "a nominator with stake must name the validators it delegates to",
                );
            }
            let start = populations.get(&a.value.name).map_or(0, |r| r.0);
            for i in 0..a.value.count.fixed() as usize {
                let agent = &mut agents[start + i];
                if let Some(d) = &delegate {
                    let target = &snapshot[d[i % d.len()]];
                    if target.netuid != agent.netuid {
                        return c.err("delegate_to", "must name validators of the same subnet");
                    }
                    agent.delegate_to = Some(target.hotkey);
                }
                agent.strategy = resolve_strategy(
                    &c.at(format!("{}.strategy", c.path), None),
                    &a.value.strategy,
                    &lookup,
                )?;
            }
        }
    }
    Ok(())
}

fn is_zero(a: &Amount) -> bool {
    matches!(a, Amount::Fixed(x) if *x == 0.0)
}

/// Name lookups over agents and populations.
struct Lookup<'a> {
    agents: &'a [AgentSpec],
    populations: &'a BTreeMap<String, (usize, usize)>,
}

impl Lookup<'_> {
    /// Indices of the agents a name stands for: a population, or one agent.
    fn population(
        &self,
        ctx: &Ctx,
        field: &str,
        name: &str,
        role: Option<Role>,
    ) -> Result<Vec<usize>, ScenarioError> {
        let found: Vec<usize> = match self.populations.get(name) {
            Some((a, b)) => (*a..*b).collect(),
            None => self
                .agents
                .iter()
                .position(|a| a.name == name)
                .into_iter()
                .collect(),
        };
        if found.is_empty() {
            return ctx.err(
                field,
                format!("no agent or population named '{}'", echo(name)),
            );
        }
        if let Some(r) = role
            && found.iter().any(|i| self.agents[*i].role != r)
        {
            return ctx.err(field, format!("'{}' is not a {}", echo(name), r.name()));
        }
        Ok(found)
    }

    fn hotkeys(
        &self,
        ctx: &Ctx,
        field: &str,
        name: &str,
        role: Option<Role>,
    ) -> Result<Vec<AccountId>, ScenarioError> {
        Ok(self
            .population(ctx, field, name, role)?
            .into_iter()
            .map(|i| self.agents[i].hotkey)
            .collect())
    }
}

fn resolve_strategy(
    ctx: &Ctx,
    s: &RawStrategy,
    lookup: &Lookup,
) -> Result<StrategySpec, ScenarioError> {
    let targets = match s {
        RawStrategy::Cabal { members, .. } => {
            let mut all = Vec::new();
            for (i, m) in members.iter().enumerate() {
                all.extend(lookup.hotkeys(
                    ctx,
                    &format!("cabal.members[{i}]"),
                    m,
                    Some(Role::Miner),
                )?);
            }
            vec![all]
        }
        RawStrategy::Scripted { schedule } => {
            let mut steps = Vec::new();
            for (i, step) in schedule.iter().enumerate() {
                let mut hotkeys = Vec::new();
                for target in step.weights.keys() {
                    let field = format!("scripted.schedule[{i}].weights.{target}");
                    let h = lookup.hotkeys(ctx, &field, target, None)?;
                    if h.len() != 1 {
                        return ctx.err(&field, "must name one agent");
                    }
                    hotkeys.push(h[0]);
                }
                steps.push(hotkeys);
            }
            steps
        }
        RawStrategy::Scheduled { moves } => {
            let mut to = Vec::new();
            for (i, m) in moves.iter().enumerate() {
                let field = format!("scheduled.moves[{i}].to");
                let h = lookup.hotkeys(ctx, &field, &m.to, Some(Role::Validator))?;
                if h.len() != 1 {
                    return ctx.err(&field, "must name one validator");
                }
                to.push(h);
            }
            to
        }
        _ => Vec::new(),
    };
    Ok(StrategySpec {
        raw: s.clone(),
        targets,
    })
}

/// Genesis TAO (balances, pools, root stakes, pre-issued) must fit the supply.
fn check_supply(
    ctx: &Ctx,
    subnets: &[SubnetSpec],
    agents: &[AgentSpec],
    issued: u64,
) -> Result<(), ScenarioError> {
    let total: u128 = u128::from(issued)
        + subnets.iter().map(|s| u128::from(s.pool_tao)).sum::<u128>()
        + agents
            .iter()
            .map(|a| u128::from(a.balance) + u128::from(a.root_stake))
            .sum::<u128>();
    if total > 21_000_000_000_000_000 {
        return ctx.err(
            "",
            format!(
                "genesis TAO ({} TAO) exceeds the 21 000 000 supply",
                total / 1_000_000_000
            ),
        );
    }
    Ok(())
}

fn event_specs(
    ctx: &Ctx,
    raw: &RawScenario,
    subnets: &[SubnetSpec],
    agents: &[AgentSpec],
) -> Result<Vec<EventSpec>, ScenarioError> {
    let mut populations: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (i, a) in agents.iter().enumerate() {
        let e = populations.entry(a.population.clone()).or_insert((i, i));
        e.1 = i + 1;
    }
    let lookup = Lookup {
        agents,
        populations: &populations,
    };
    raw.events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let c = ctx.at(format!("events[{i}]"), Some(e.referenced.line()));
            event_spec(&c, &e.value, subnets, &lookup)
        })
        .collect()
}

fn event_spec(
    ctx: &Ctx,
    e: &RawEvent,
    subnets: &[SubnetSpec],
    lookup: &Lookup,
) -> Result<EventSpec, ScenarioError> {
    let when = match (e.at.block, e.at.epoch, e.at.day) {
        (Some(b), None, None) => When::Block(b),
        (None, Some(n), None) => When::Epoch(n),
        (None, None, Some(d)) => {
            When::Block((ctx.non_negative("at.day", d)? * BLOCKS_PER_DAY as f64).round() as u64 + 1)
        }
        _ => return ctx.err("at", "give exactly one of block, epoch, day"),
    };
    let mut actions = Vec::new();
    if let Some(h) = &e.set_hyperparameters {
        let Some(s) = subnets.iter().find(|s| s.name == h.subnet) else {
            return ctx.err(
                "set_hyperparameters.subnet",
                format!("no subnet named '{}'", echo(&h.subnet)),
            );
        };
        let mut probe = s.epoch.clone();
        apply_hyper(
            &ctx.at(format!("{}.set_hyperparameters.values", ctx.path), None),
            &mut probe,
            &h.values,
        )?;
        actions.push(EventAction::SetHyperparameters {
            netuid: s.netuid,
            values: h.values.clone(),
        });
    }
    if let Some(c) = &e.set_chain {
        let f = |field: &str, x: Option<f64>| x.map(|v| ctx.fraction(field, v)).transpose();
        actions.push(EventAction::SetChain {
            tao_weight: f("set_chain.tao_weight", c.tao_weight)?.map(u64_of),
            subnet_owner_cut: f("set_chain.subnet_owner_cut", c.subnet_owner_cut)?.map(u16_of),
            emission_rule: c
                .emission_rule
                .as_deref()
                .map(|r| emission_rule(ctx, "set_chain.emission_rule", r))
                .transpose()?,
        });
    }
    if let Some(s) = &e.set_strategy {
        let found = lookup.population(ctx, "set_strategy.agents", &s.agents, None)?;
        let role = lookup.agents[found[0]].role;
        if found.iter().any(|i| lookup.agents[*i].role != role) {
            return ctx.err(
                "set_strategy.agents",
                format!(
                    "'{}' holds agents of several roles (a genesis snapshot's population): name one agent",
                    echo(&s.agents)
                ),
            );
        }
        check_fits(
            &ctx.at(format!("{}.set_strategy", ctx.path), None),
            &s.strategy,
            role,
        )?;
        let sc = ctx.at(format!("{}.set_strategy.strategy", ctx.path), None);
        check_strategy(&sc, &s.strategy, found.len() as u32)?;
        actions.push(EventAction::SetStrategy {
            agents: found,
            strategy: resolve_strategy(&sc, &s.strategy, lookup)?,
        });
    }
    if let Some(m) = &e.move_stake {
        let from = lookup.population(ctx, "move_stake.from", &m.from, None)?;
        let to = lookup.population(ctx, "move_stake.to", &m.to, Some(Role::Validator))?;
        if from.len() != 1 || to.len() != 1 {
            return ctx.err("move_stake", "from and to must each name one agent");
        }
        let (a, b) = (&lookup.agents[from[0]], &lookup.agents[to[0]]);
        if a.netuid != b.netuid {
            return ctx.err("move_stake", "from and to must be on the same subnet");
        }
        let fraction = ctx.fraction("move_stake.fraction", m.fraction)?;
        actions.push(EventAction::MoveStake {
            netuid: a.netuid,
            coldkey: a.coldkey,
            from_hotkey: a.delegate_to.unwrap_or(a.hotkey),
            to_hotkey: b.hotkey,
            fraction,
        });
    }
    if let Some(r) = &e.reset_bonds {
        let found = lookup.population(ctx, "reset_bonds.agent", &r.agent, None)?;
        if found.len() != 1 {
            return ctx.err("reset_bonds.agent", "must name one agent");
        }
        let a = &lookup.agents[found[0]];
        actions.push(EventAction::ResetBonds {
            netuid: a.netuid,
            hotkey: a.hotkey,
        });
    }
    if actions.len() != 1 {
        return ctx.err(
            "",
            "give exactly one action: set_hyperparameters, set_chain, set_strategy, move_stake, reset_bonds",
        );
    }
    Ok(EventSpec {
        when,
        action: actions.remove(0),
    })
}
