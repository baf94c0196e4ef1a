//! Scheduled events: when (block, epoch or day) and one action, its names resolved.
//!
//! May depend on: `common`, `chain` (hyperparameter patches), `agents` (name lookup), the
//! scenario's `ctx`, `raw`, `spec`, `chain` types.

use crate::echo::echo;
use crate::scenario::ScenarioError;
use crate::scenario::ctx::Ctx;
use crate::scenario::raw::{RawEvent, RawScenario};
use crate::scenario::spec::{AgentSpec, Role, SubnetSpec};
use std::collections::BTreeMap;

use super::agents::*;
use super::chain::*;
use super::common::*;
use crate::scenario::spec::{BLOCKS_PER_DAY, EventAction, EventSpec, When};

pub(super) fn event_specs(
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

pub(super) fn event_spec(
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
        let at = ctx.at(format!("{}.set_hyperparameters.values", ctx.path), None);
        let patch = hyper_patch(&at, &h.values)?;
        // Checked against the subnet's initial values; at its block the patch applies to the
        // values then, and is refused (counted) if it would break alpha_low ≤ alpha_high.
        apply_patch(&at, &mut s.epoch.clone(), &patch)?;
        actions.push(EventAction::SetHyperparameters {
            netuid: s.netuid,
            values: patch,
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
