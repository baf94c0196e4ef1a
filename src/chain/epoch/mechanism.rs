//! Several mechanisms ("sub-subnets") on one subnet (spec §8.11, `subnets/mechanism.rs`).
//!
//! The subnet's emission is split over its mechanisms (`MechanismEmissionSplit` u16 shares, or
//! evenly; the rounding remainder goes to mechanism 0); each mechanism runs its own epoch on its
//! own weights, bonds and `LastUpdate`; per-uid terms are then aggregated: emissions summed,
//! u16 terms and `Emission` as Σ_m ⌊x_m × e_m / total⌋ accumulated in U64F64, flags OR-ed.
//!
//! May depend on: `chain::fixed`, `chain::epoch`.

use super::{EpochOutput, EpochParams, MechanismSnapshot, SubnetSnapshot, epoch_mechanism};
use crate::chain::fixed::{SafeDiv, U64F64};

/// The aggregate of a multi-mechanism epoch and each mechanism's own output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MechanismEpochs {
    /// Netuid-level terms (its `bonds` is empty: bonds stay per mechanism).
    pub aggregate: EpochOutput,
    /// Each mechanism's output, in mechanism order (with its bonds and incentive).
    pub mechanisms: Vec<EpochOutput>,
}

/// `split_emissions`: `e_m = ⌊total × split_m / 65535⌋` (or `⌊total / count⌋` without a split),
/// remainder to mechanism 0. A split shorter than `count` leaves the missing mechanisms 0.
pub fn split_emissions(total: u64, count: usize, split: Option<&[u16]>) -> Vec<u64> {
    let count = count.max(1);
    let mut result: Vec<u64> = match split {
        Some(shares) => (0..count)
            .map(|m| {
                let share = u128::from(shares.get(m).copied().unwrap_or(0));
                (u128::from(total) * share / u128::from(u16::MAX)) as u64
            })
            .collect(),
        None => vec![total / count as u64; count],
    };
    let assigned = result.iter().fold(0u64, |a, e| a.saturating_add(*e));
    result[0] = result[0].saturating_add(total.saturating_sub(assigned));
    result
}

/// `epoch_with_mechanisms`: runs every mechanism's epoch on its share and aggregates.
pub fn epoch_with_mechanisms(
    subnet: &SubnetSnapshot,
    mechanisms: &[MechanismSnapshot],
    emission: u64,
    split: Option<&[u16]>,
    params: &EpochParams,
) -> MechanismEpochs {
    let shares = split_emissions(emission, mechanisms.len(), split);
    let outputs: Vec<EpochOutput> = mechanisms
        .iter()
        .zip(&shares)
        .map(|(mechanism, share)| epoch_mechanism(subnet, mechanism, *share, params))
        .collect();
    let mut aggregate = EpochOutput::default();
    for (m, (output, share)) in outputs.iter().zip(&shares).enumerate() {
        let fallback = U64F64::from_num(u8::from(m == 0));
        let weight = U64F64::from_num(*share).safe_div_or(U64F64::from_num(emission), fallback);
        accumulate(&mut aggregate, output, weight);
    }
    MechanismEpochs {
        aggregate,
        mechanisms: outputs,
    }
}

/// Adds one mechanism's output into the aggregate with sub-weight `weight`.
fn accumulate(acc: &mut EpochOutput, out: &EpochOutput, weight: U64F64) {
    let n = out.emission.len();
    if acc.emission.is_empty() {
        *acc = EpochOutput {
            active: vec![false; n],
            validator_permit: vec![false; n],
            stake_weight: vec![0; n],
            consensus: vec![0; n],
            incentive: vec![0; n],
            dividends: vec![0; n],
            validator_trust: vec![0; n],
            server_emission: vec![0; n],
            validator_emission: vec![0; n],
            emission: vec![0; n],
            bonds: Vec::new(),
        };
    }
    or_into(&mut acc.active, &out.active);
    or_into(&mut acc.validator_permit, &out.validator_permit);
    for (a, x) in [
        (&mut acc.stake_weight, &out.stake_weight),
        (&mut acc.consensus, &out.consensus),
        (&mut acc.incentive, &out.incentive),
        (&mut acc.dividends, &out.dividends),
        (&mut acc.validator_trust, &out.validator_trust),
    ] {
        for (a, x) in a.iter_mut().zip(x) {
            *a = weighted_acc(u64::from(*a), u64::from(*x), weight).min(u64::from(u16::MAX)) as u16;
        }
    }
    for (a, x) in acc.emission.iter_mut().zip(&out.emission) {
        *a = weighted_acc(*a, *x, weight);
    }
    for (a, x) in acc.server_emission.iter_mut().zip(&out.server_emission) {
        *a = a.saturating_add(*x);
    }
    for (a, x) in acc
        .validator_emission
        .iter_mut()
        .zip(&out.validator_emission)
    {
        *a = a.saturating_add(*x);
    }
}

fn or_into(acc: &mut [bool], x: &[bool]) {
    for (a, x) in acc.iter_mut().zip(x) {
        *a |= *x;
    }
}

/// `weighted_acc_u16` / `weighted_acc_alpha`: `⌊existing + added × weight⌋` in U64F64.
fn weighted_acc(existing: u64, added: u64, weight: U64F64) -> u64 {
    U64F64::from_num(existing)
        .saturating_add(U64F64::from_num(added).saturating_mul(weight))
        .saturating_to_num::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_gives_the_rounding_remainder_to_mechanism_zero() {
        assert_eq!(split_emissions(1000, 3, None), vec![334, 333, 333]);
        assert_eq!(
            split_emissions(1000, 2, Some(&[21845, 43690])),
            vec![334, 666]
        );
        assert_eq!(split_emissions(7, 1, None), vec![7]);
        // A split shorter than the count leaves the missing mechanisms at 0.
        assert_eq!(split_emissions(100, 3, Some(&[65535])), vec![100, 0, 0]);
    }

    #[test]
    fn weighted_accumulation_floors_each_step() {
        let half = U64F64::from_num(1) / U64F64::from_num(2);
        assert_eq!(weighted_acc(0, 125, half), 62);
        assert_eq!(weighted_acc(62, 125, half), 124);
        assert_eq!(weighted_acc(65_535, 65_535, half), 98_302);
    }
}
