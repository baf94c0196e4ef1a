//! Agents: populations expanded, roles and strategies checked against each other, amounts
//! and distributions checked, names resolved to hotkeys and coldkeys ([`Lookup`]), the
//! supply checked against the cap.
//!
//! May depend on: `common`, the scenario's `ctx`, `raw`, `spec`, `strategy` (what a strategy
//! resolves to), `chain` types.

use crate::chain::state::{AccountId, ChainParams};
use crate::echo::echo;
use crate::scenario::ScenarioError;
use crate::scenario::ctx::to_rao;
use crate::scenario::ctx::{Ctx, IdAllocator};
use crate::scenario::raw::{
    Amount, Count, RawAgent, RawDist, RawMove, RawScenario, RawScriptStep, RawStrategy,
};
use crate::scenario::spec::{AgentSpec, Quantity, Role, StrategySpec, SubnetSpec};
use crate::strategy::nominator::ScheduledMove;
use crate::strategy::{
    MinerStrategy, NominatorStrategy, ScriptStep, TraderStrategy, ValidatorStrategy,
};
use std::collections::BTreeMap;

use super::common::*;

/// All agents, names resolved in a second pass.
pub(super) fn agent_specs(
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
        let attached = crate::scenario::genesis::attached_uids(ctx, raw, si, genesis)?;
        let mut registered = genesis.map_or(0, |g| g.neurons.len() as u32);
        if let Some(g) = genesis {
            let name = crate::scenario::genesis::population_name(&s.value.name);
            if populations.contains_key(&name) {
                let c = ctx.at(format!("subnets[{si}]"), Some(s.referenced.line()));
                let message = format!("its snapshot agents' population '{name}' is taken");
                return c.err("genesis", message);
            }
            let start = agents.len();
            crate::scenario::genesis::snapshot_agents(&subnets[si], g, &attached, ids, &mut agents);
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

pub(super) fn role_of(ctx: &Ctx, a: &RawAgent) -> Result<Role, ScenarioError> {
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
pub(super) fn check_fits(
    ctx: &Ctx,
    strategy: &RawStrategy,
    role: Role,
) -> Result<(), ScenarioError> {
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
fn strategy_name(s: &RawStrategy) -> &'static str {
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
    }
}

/// Expands one population into agents (names resolved later).
pub(super) fn population(
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
            stake: Quantity::from(&a.stake),
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
            // Replaced by `resolve_agents` once every name is known.
            strategy: StrategySpec::Miner(MinerStrategy::Idle),
        });
    }
    Ok(())
}

pub(super) fn check_amount(
    ctx: &Ctx,
    field: &str,
    amount: &Amount,
    count: u32,
) -> Result<(), ScenarioError> {
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

/// Strategy parameters that a type cannot check.
pub(super) fn check_strategy(ctx: &Ctx, s: &RawStrategy, count: u32) -> Result<(), ScenarioError> {
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
pub(super) fn resolve_agents(
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

/// Name lookups over agents and populations.
pub(super) struct Lookup<'a> {
    pub(super) agents: &'a [AgentSpec],
    pub(super) populations: &'a BTreeMap<String, (usize, usize)>,
}

impl Lookup<'_> {
    /// Indices of the agents a name stands for: a population, or one agent.
    pub(super) fn population(
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

    pub(super) fn hotkeys(
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

    /// The hotkey of the one agent a name stands for ("must name one agent/validator").
    fn one_hotkey(
        &self,
        ctx: &Ctx,
        field: &str,
        name: &str,
        role: Option<Role>,
    ) -> Result<AccountId, ScenarioError> {
        match self.hotkeys(ctx, field, name, role)?[..] {
            [hotkey] => Ok(hotkey),
            _ => ctx.err(
                field,
                format!("must name one {}", role.map_or("agent", Role::name)),
            ),
        }
    }
}

/// A strategy as written, validated, with its names resolved to hotkeys and amounts in rao.
pub(super) fn resolve_strategy(
    ctx: &Ctx,
    s: &RawStrategy,
    lookup: &Lookup,
) -> Result<StrategySpec, ScenarioError> {
    Ok(match s {
        RawStrategy::Serve {
            quality,
            noise,
            drift,
            idle_from_epoch,
        } => StrategySpec::Serve {
            quality: Quantity::from(quality),
            noise: *noise,
            drift: *drift,
            idle_from_epoch: *idle_from_epoch,
        },
        RawStrategy::Idle => StrategySpec::Miner(MinerStrategy::Idle),
        RawStrategy::Loyal => StrategySpec::Nominator(NominatorStrategy::Loyal),
        RawStrategy::ApyChasing {
            threshold,
            every_epochs,
        } => StrategySpec::Nominator(NominatorStrategy::ApyChasing {
            threshold: *threshold,
            every_epochs: *every_epochs,
        }),
        RawStrategy::RandomNominator {
            every_epochs,
            probability,
        } => StrategySpec::Nominator(NominatorStrategy::Random {
            every_epochs: *every_epochs,
            probability: *probability,
        }),
        RawStrategy::Scheduled { moves } => StrategySpec::Nominator(NominatorStrategy::Scheduled {
            moves: scheduled_moves(ctx, moves, lookup)?,
        }),
        RawStrategy::Dca {
            every_blocks,
            buy,
            start_block,
            stop_block,
        } => StrategySpec::Trader(TraderStrategy::Schedule {
            every_blocks: *every_blocks,
            buy_tao: to_rao(*buy),
            start_block: *start_block,
            stop_block: *stop_block,
        }),
        RawStrategy::RandomTrader {
            every_blocks,
            max_tao,
        } => StrategySpec::Trader(TraderStrategy::Random {
            every_blocks: *every_blocks,
            max_tao: to_rao(*max_tao),
        }),
        RawStrategy::Honest { noise, top_k } => {
            StrategySpec::Validator(ValidatorStrategy::Honest {
                noise: *noise,
                top_k: *top_k,
            })
        }
        RawStrategy::Copier { lag_epochs } => StrategySpec::Validator(ValidatorStrategy::Copier {
            lag_epochs: *lag_epochs,
        }),
        RawStrategy::Cabal {
            members,
            share,
            noise,
        } => StrategySpec::Validator(ValidatorStrategy::Cabal {
            members: cabal_members(ctx, members, lookup)?,
            share: *share,
            noise: *noise,
        }),
        RawStrategy::Lazy {
            noise,
            refresh_epochs,
            stop_after_epoch,
        } => StrategySpec::Validator(ValidatorStrategy::Lazy {
            noise: *noise,
            refresh_epochs: *refresh_epochs,
            stop_after_epoch: *stop_after_epoch,
        }),
        RawStrategy::Scripted { schedule } => {
            StrategySpec::Validator(ValidatorStrategy::Scripted {
                schedule: script(ctx, schedule, lookup)?,
            })
        }
    })
}

/// The hotkeys of a cabal's member populations.
fn cabal_members(
    ctx: &Ctx,
    members: &[String],
    lookup: &Lookup,
) -> Result<Vec<AccountId>, ScenarioError> {
    let mut all = Vec::new();
    for (i, m) in members.iter().enumerate() {
        let field = format!("cabal.members[{i}]");
        all.extend(lookup.hotkeys(ctx, &field, m, Some(Role::Miner))?);
    }
    Ok(all)
}

/// A scripted schedule, each step's targets resolved to one hotkey each.
fn script(
    ctx: &Ctx,
    schedule: &[RawScriptStep],
    lookup: &Lookup,
) -> Result<Vec<ScriptStep>, ScenarioError> {
    let mut steps = Vec::new();
    for (i, step) in schedule.iter().enumerate() {
        let mut weights = Vec::new();
        for (target, w) in &step.weights {
            let field = format!("scripted.schedule[{i}].weights.{target}");
            weights.push((lookup.one_hotkey(ctx, &field, target, None)?, *w));
        }
        steps.push(ScriptStep {
            from_epoch: step.from_epoch,
            weights,
        });
    }
    Ok(steps)
}

/// A whale's moves, each destination resolved to one validator hotkey.
fn scheduled_moves(
    ctx: &Ctx,
    moves: &[RawMove],
    lookup: &Lookup,
) -> Result<Vec<ScheduledMove>, ScenarioError> {
    let mut out = Vec::new();
    for (i, m) in moves.iter().enumerate() {
        let field = format!("scheduled.moves[{i}].to");
        out.push(ScheduledMove {
            block: m.block,
            to: lookup.one_hotkey(ctx, &field, &m.to, Some(Role::Validator))?,
            fraction: m.fraction,
        });
    }
    Ok(out)
}

/// Genesis TAO (balances, pools, root stakes, pre-issued) must fit the supply.
pub(super) fn check_supply(
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
