//! [`RawScenario`] → [`Scenario`]: every value checked, names resolved to account ids, amounts
//! converted to rao and fractions to the chain's proportions. The first problem found is
//! returned with its YAML path and the line of its nearest enclosing list item.
//!
//! This file runs the steps in order (template expansion, chain, subnets, agents, events,
//! supply) and checks the run's length and records; each step is a file of its own:
//! `chain.rs` (chain and subnet parameters, hyperparameter patches), `agents.rs` (populations,
//! strategies, amounts, name lookup), `events.rs` (scheduled events), `common.rs` (shared
//! conversions and checks, a leaf).
//!
//! May depend on: the scenario's `raw`, `spec`, `ctx`, `consensus`, `genesis`, `template`,
//! `chain` types, `echo`.

use crate::chain::state::ChainParams;
use crate::echo::echo;
use crate::scenario::ScenarioError;
pub use crate::scenario::ctx::to_rao;
use crate::scenario::ctx::{Ctx, IdAllocator};
use crate::scenario::raw::{RawRecord, RawScenario};
use crate::scenario::spec::SubnetSpec;
use std::path::Path;

mod agents;
mod chain;
mod common;
mod events;

pub use crate::scenario::spec::{BLOCKS_PER_DAY, EventAction, EventSpec, Scenario, When};
use agents::*;
pub use chain::OUTSIDE;
pub(super) use chain::apply_hyper_checked;
use chain::*;
use common::*;
use events::*;

/// The longest run accepted: 100 years.
const MAX_BLOCKS: u64 = 100 * 365 * BLOCKS_PER_DAY;

/// Checks everything and resolves names; relative paths resolve against `base_dir`.
pub fn validate(
    raw: RawScenario,
    origin: &str,
    base_dir: &Path,
) -> Result<Scenario, ScenarioError> {
    let mut raw = crate::scenario::template::expand(raw, origin)?;
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
    crate::scenario::genesis::attach(&mut subnets, &mut agents);
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
    c: &crate::scenario::raw::RawConsensus,
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
    let spec = crate::scenario::consensus::validate(c, &fail)?;
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
