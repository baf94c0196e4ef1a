//! The consensus-guarantee experiment (catalogue §2, after subtensor's `docs/consensus.md`):
//! one Yuma epoch of a subnet split into an honest ("major") side and one unified cabal, as a
//! scenario section instead of `subnets`.
//!
//! ```yaml
//! consensus:
//!   neurons: 512          # uids (validators first, then servers)
//!   validators: 64
//!   honest_stake: 0.75    # S_H: the honest validators' share of validator stake
//!   honest_weight: 0.9    # W_H: weight honest validators put on honest servers
//!   cabal_weight: 0.5     # W_C: weight the cabal puts on its own servers
//!   stake_sd: 0.3         # validator stakes ~ N(1, stake_sd²), clamped at 0
//!   weight_sd: 0.0        # weights ~ N(1, weight_sd²), clamped at 0 (σ as a fraction of the mean)
//!   hyperparameters: { kappa: 0.5, bonds_penalty: 1.0 }
//!   baseline: false       # also run the cabal playing honestly and report its gain
//! ```

use super::ScenarioError;
use super::raw::RawConsensus;
use crate::chain::epoch::{EpochParams, MAX_UIDS_PER_SUBNET};

/// The validated experiment.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsensusSpec {
    /// Number of uids.
    pub neurons: u16,
    /// Number of validators (uids `0..validators`).
    pub validators: u16,
    /// Honest validators: the first `honest_validators` validator uids.
    pub honest_validators: u16,
    /// Honest servers: the first `honest_servers` server uids.
    pub honest_servers: u16,
    /// S_H.
    pub honest_stake: f64,
    /// W_H.
    pub honest_weight: f64,
    /// W_C.
    pub cabal_weight: f64,
    /// Relative sd of stakes.
    pub stake_sd: f64,
    /// Relative sd of weights.
    pub weight_sd: f64,
    /// Epoch parameters.
    pub epoch: EpochParams,
    /// Also run the honest-play baseline.
    pub baseline: bool,
}

/// Checks the section. `fail(field, message)` builds the error at `consensus.<field>`.
pub fn validate(
    raw: &RawConsensus,
    fail: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<ConsensusSpec, ScenarioError> {
    let fraction = |field: &str, x: f64| {
        if x.is_finite() && (0.0..=1.0).contains(&x) {
            Ok(x)
        } else {
            Err(fail(field, format!("must be a number in [0, 1], got {x}")))
        }
    };
    let sd = |field: &str, x: f64| {
        if x.is_finite() && (0.0..=10.0).contains(&x) {
            Ok(x)
        } else {
            Err(fail(field, format!("must be a number in [0, 10], got {x}")))
        }
    };
    let honest_stake = fraction("honest_stake", raw.honest_stake)?;
    if raw.validators < 2 || raw.validators >= raw.neurons {
        return Err(fail(
            "validators",
            format!(
                "must be at least 2 and fewer than neurons ({}), got {}",
                raw.neurons, raw.validators
            ),
        ));
    }
    if raw.neurons > MAX_UIDS_PER_SUBNET {
        return Err(fail(
            "neurons",
            format!("at most {MAX_UIDS_PER_SUBNET}, got {}", raw.neurons),
        ));
    }
    let servers = raw.neurons - raw.validators;
    let mut epoch = EpochParams {
        commit_reveal: false,
        max_allowed_validators: raw.validators,
        ..EpochParams::default()
    };
    super::validate::apply_hyper_checked(&mut epoch, &raw.hyperparameters)
        .map_err(|m| fail("hyperparameters", m))?;
    Ok(ConsensusSpec {
        neurons: raw.neurons,
        validators: raw.validators,
        honest_validators: split(raw.validators, honest_stake),
        honest_servers: split(servers, honest_stake),
        honest_stake,
        honest_weight: fraction("honest_weight", raw.honest_weight)?,
        cabal_weight: fraction("cabal_weight", raw.cabal_weight)?,
        stake_sd: sd("stake_sd", raw.stake_sd)?,
        weight_sd: sd("weight_sd", raw.weight_sd)?,
        epoch,
        baseline: raw.baseline,
    })
}

/// The honest side's count: `round(share × n)`, kept within `1..n` so both sides exist.
fn split(n: u16, share: f64) -> u16 {
    ((share * f64::from(n)).round() as u16).clamp(1, n - 1)
}
