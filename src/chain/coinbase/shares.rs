//! Which part of a block's TAO emission each subnet gets (spec §4, subtensor
//! `coinbase/subnet_emissions.rs`), under the HEAD rule: shares proportional to the subnets'
//! moving prices, weighted down by the miner incentive their owners burned, zero for subnets
//! whose emission is disabled.
//!
//! All in U64F64 (floor multiplication, truncating division, `safe_div` → 0), the amounts in
//! U96F32. Inputs are in the chain's iteration order (ascending netuid); outputs follow it.
//!
//! May depend on: `chain::fixed`.

use crate::chain::fixed::{I96F32, SafeDiv, U64F64, U96F32};

/// What the share rule reads of one eligible subnet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShareInput {
    /// `get_moving_alpha_price`: [`moving_alpha_price`] of the subnet.
    pub moving_price: U64F64,
    /// `MinerBurned`: the fraction of the last miner incentive that owner hotkeys withheld.
    pub miner_burned: U96F32,
    /// `SubnetEmissionEnabled`.
    pub emission_enabled: bool,
}

const U64F64_ZERO: U64F64 = U64F64::from_bits(0);
const U64F64_ONE: U64F64 = U64F64::from_bits(1 << 64);

/// `get_moving_alpha_price`: 1.0 for root and stable subnets, else `SubnetMovingPrice`
/// (I96F32, never negative) widened to U64F64.
pub fn moving_alpha_price(dynamic: bool, moving_price: I96F32) -> U64F64 {
    if dynamic {
        U64F64::saturating_from_num(moving_price)
    } else {
        U64F64_ONE
    }
}

/// `root_sell_flag`: whether the eligible subnets' moving prices add up to more than 1 (root
/// stakers are paid their alpha share only then; otherwise it is recycled).
pub fn root_sell_flag(moving_prices: impl IntoIterator<Item = U64F64>) -> bool {
    let total = moving_prices
        .into_iter()
        .fold(U64F64_ZERO, |acc, m| acc.saturating_add(m));
    total > U64F64_ONE
}

/// `get_shares` with the emission-enabled rule (spec §4.2 steps 1–4): each subnet's share of
/// the block's TAO emission.
pub fn get_shares(subnets: &[ShareInput]) -> Vec<U64F64> {
    let prices: Vec<U64F64> = subnets.iter().map(|s| s.moving_price).collect();
    let shares = normalize(&prices);
    let shares = weight_by_miner_burn(&shares, subnets);
    apply_emission_enabled(shares, subnets)
}

/// `x_s / Σ x` (checked division, 0 when the sum is 0).
fn normalize(values: &[U64F64]) -> Vec<U64F64> {
    let total = values
        .iter()
        .fold(U64F64_ZERO, |acc, v| acc.saturating_add(*v));
    values.iter().map(|v| v.safe_div(total)).collect()
}

/// `w_s = share_s × (1 − min(MinerBurned_s, 1))`, renormalised; the unweighted shares when
/// every weight is 0.
fn weight_by_miner_burn(shares: &[U64F64], subnets: &[ShareInput]) -> Vec<U64F64> {
    let weighted: Vec<U64F64> = shares
        .iter()
        .zip(subnets)
        .map(|(share, s)| {
            let burned = U64F64::saturating_from_num(s.miner_burned.min(U96F32::from_num(1)));
            share.saturating_mul(U64F64_ONE.saturating_sub(burned))
        })
        .collect();
    let total = weighted
        .iter()
        .fold(U64F64_ZERO, |acc, w| acc.saturating_add(*w));
    if total == U64F64_ZERO {
        return shares.to_vec();
    }
    normalize(&weighted)
}

/// Disabled subnets get 0 and, only if any is disabled, the enabled shares are renormalised by
/// their sum (all 0 when that sum is 0).
fn apply_emission_enabled(shares: Vec<U64F64>, subnets: &[ShareInput]) -> Vec<U64F64> {
    if subnets.iter().all(|s| s.emission_enabled) {
        return shares;
    }
    let enabled: Vec<U64F64> = shares
        .iter()
        .zip(subnets)
        .map(|(share, s)| {
            if s.emission_enabled {
                *share
            } else {
                U64F64_ZERO
            }
        })
        .collect();
    normalize(&enabled)
}

/// `get_subnet_block_emissions` step 5: `U96F32(U64F64(block_emission) × share_s)` per subnet.
pub fn subnet_block_emissions(block_emission: u64, shares: &[U64F64]) -> Vec<U96F32> {
    let emission = U64F64::saturating_from_num(block_emission);
    shares
        .iter()
        .map(|share| U96F32::saturating_from_num(emission.saturating_mul(*share)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subnet(price: f64, burned: f64, enabled: bool) -> ShareInput {
        ShareInput {
            moving_price: U64F64::from_num(price),
            miner_burned: U96F32::from_num(burned),
            emission_enabled: enabled,
        }
    }

    #[test]
    fn shares_follow_moving_prices() {
        let (a, b) = (subnet(0.1, 0.0, true), subnet(0.3, 0.0, true));
        let shares = get_shares(&[a, b]);
        assert_eq!(
            shares[0],
            a.moving_price / (a.moving_price + b.moving_price)
        );
        let total = shares[0] + shares[1];
        assert!(U64F64_ONE - total <= U64F64::from_bits(2));
    }

    #[test]
    fn miner_burn_lowers_a_share_and_disabled_subnets_get_nothing() {
        let shares = get_shares(&[subnet(0.2, 0.5, true), subnet(0.2, 0.0, true)]);
        assert!(shares[0] < shares[1]);
        let shares = get_shares(&[subnet(0.2, 1.0, true), subnet(0.2, 1.0, true)]);
        assert_eq!(shares[0], shares[1], "all weights 0: unweighted shares");
        let shares = get_shares(&[subnet(0.2, 0.0, false), subnet(0.2, 0.0, true)]);
        assert_eq!(shares, vec![U64F64_ZERO, U64F64_ONE]);
        let shares = get_shares(&[subnet(0.2, 0.0, false)]);
        assert_eq!(shares, vec![U64F64_ZERO]);
    }

    #[test]
    fn root_sells_only_when_prices_exceed_one() {
        assert!(!root_sell_flag([
            U64F64::from_num(0.5),
            U64F64::from_num(0.5)
        ]));
        assert!(root_sell_flag([
            U64F64::from_num(0.5),
            U64F64::from_num(0.6)
        ]));
        assert_eq!(moving_alpha_price(false, I96F32::from_num(3)), U64F64_ONE);
    }
}
