//! Helpers shared by the integration tests.

use taosim::chain::epoch::EpochOutput;

/// The length of every per-uid output vector, by name.
pub fn output_lengths(out: &EpochOutput) -> [(&'static str, usize); 11] {
    [
        ("active", out.active.len()),
        ("validator_permit", out.validator_permit.len()),
        ("stake_weight", out.stake_weight.len()),
        ("consensus", out.consensus.len()),
        ("incentive", out.incentive.len()),
        ("dividends", out.dividends.len()),
        ("validator_trust", out.validator_trust.len()),
        ("server_emission", out.server_emission.len()),
        ("validator_emission", out.validator_emission.len()),
        ("emission", out.emission.len()),
        ("bonds", out.bonds.len()),
    ]
}
