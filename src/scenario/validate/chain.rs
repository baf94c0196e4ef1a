//! The `chain` section and each subnet's parameters: emission rule, scheduler, takes, pool,
//! hyperparameters (also applied by `set_hyperparameters` events), genesis snapshot.
//!
//! May depend on: `common`, the scenario's `ctx`, `raw`, `spec`, `genesis`, `chain` types.

use crate::chain::coinbase::flow::EmissionRule;
use crate::chain::coinbase::scheduler::SchedulerRegime;
use crate::chain::epoch::{EpochParams, MAX_UIDS_PER_SUBNET};
use crate::chain::staking::DelegateTakeBounds;
use crate::chain::state::{AccountId, ChainParams};
use crate::echo::echo;
use crate::scenario::ScenarioError;
use crate::scenario::ctx::{Ctx, IdAllocator};
use crate::scenario::raw::{RawChain, RawHyper, RawSubnet};
use crate::scenario::spec::{HyperPatch, SubnetSpec};
use std::path::Path;

use super::common::*;

pub(super) fn chain_params(ctx: &Ctx, raw: &RawChain) -> Result<(ChainParams, u64), ScenarioError> {
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

pub(super) fn emission_rule(
    ctx: &Ctx,
    field: &str,
    name: &str,
) -> Result<EmissionRule, ScenarioError> {
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

pub(super) fn subnet_spec(
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
            let (genesis, epoch) =
                crate::scenario::genesis::load(ctx, g, base_dir, s.max_allowed_uids)?;
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
pub(in crate::scenario) fn apply_hyper_checked(
    p: &mut EpochParams,
    h: &RawHyper,
) -> Result<(), String> {
    let ctx = Ctx {
        origin: "",
        path: String::new(),
        line: None,
    };
    apply_hyper(&ctx, p, h).map_err(|e| format!("{}: {}", e.path, e.message))
}

/// A `hyperparameters` mapping checked and converted to the chain's units.
pub(super) fn hyper_patch(ctx: &Ctx, h: &RawHyper) -> Result<HyperPatch, ScenarioError> {
    let u16_at = |field: &str, x: Option<f64>| x.map(|v| ctx.fraction(field, v).map(u16_of));
    let per_million = |x: f64| (x * 1e6).round() as u64;
    Ok(HyperPatch {
        kappa: u16_at("kappa", h.kappa).transpose()?,
        bonds_penalty: u16_at("bonds_penalty", h.bonds_penalty).transpose()?,
        bonds_moving_average: (h.bonds_moving_average)
            .map(|x| ctx.fraction("bonds_moving_average", x).map(per_million))
            .transpose()?,
        yuma3: h.yuma3,
        liquid_alpha: h.liquid_alpha,
        alpha_low: u16_at("alpha_low", h.alpha_low).transpose()?,
        alpha_high: u16_at("alpha_high", h.alpha_high).transpose()?,
        alpha_sigmoid_steepness: h.alpha_sigmoid_steepness,
        max_allowed_validators: h.max_allowed_validators,
        activity_cutoff_factor_milli: h.activity_cutoff_factor_milli,
        stake_threshold: (h.stake_threshold)
            .map(|x| ctx.rao("stake_threshold", x))
            .transpose()?,
    })
}

/// Checks `h` and applies it to `p` (refused if alpha_low would exceed alpha_high).
pub(super) fn apply_hyper(
    ctx: &Ctx,
    p: &mut EpochParams,
    h: &RawHyper,
) -> Result<(), ScenarioError> {
    apply_patch(ctx, p, &hyper_patch(ctx, h)?)
}

/// Applies `patch` to `p`; a refusal is the error at `alpha_low`.
pub(super) fn apply_patch(
    ctx: &Ctx,
    p: &mut EpochParams,
    patch: &HyperPatch,
) -> Result<(), ScenarioError> {
    match patch.apply(p) {
        Ok(()) => Ok(()),
        Err(_) => ctx.err("alpha_low", "must not exceed alpha_high"),
    }
}
