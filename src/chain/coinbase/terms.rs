//! A subnet's per-block coinbase terms (spec §5.1, `get_subnet_terms`) and the split of its alpha
//! emission into the pending buckets (spec §5.3, `emit_to_subnets`).
//!
//! Terms: the subnet's TAO emission is injected with alpha at the current price (a
//! price-neutral liquidity add), but no more alpha than the root proportion of the subnet's
//! alpha emission; the TAO that cannot be matched is "excess" and buys alpha on the pool.
//! Split: of the alpha emission, the owner's cut first, then half to miners, and of the other
//! half the root proportion to root stakers (recycled when root cannot sell) and the rest to
//! validators. All amounts U96F32, floored where the chain floors them.
//!
//! May depend on: `chain::fixed`, `chain::coinbase::emission`.

use super::emission::alpha_block_emission;
use crate::chain::fixed::{SafeDiv, U64F64, U96F32, u16_proportion, u64_proportion};

const U96_ZERO: U96F32 = U96F32::from_bits(0);
const U96_HALF: U96F32 = U96F32::from_bits(1 << 31);

/// `root_proportion(s)`: `(T_root × τ) / (T_root × τ + A_s)` with T_root the TAO staked on root
/// (`SubnetTAO[root]`, rao), τ = `TaoWeight / u64::MAX` and A_s the subnet's alpha issuance
/// (`SubnetAlphaIn + SubnetAlphaOut`, rao); 0 when the denominator is 0.
pub fn subnet_root_proportion(root_tao: u64, tao_weight: u64, alpha_issuance: u64) -> U96F32 {
    let weighted_root =
        U96F32::saturating_from_num(root_tao).saturating_mul(u64_proportion(tao_weight));
    let denominator = weighted_root.saturating_add(U96F32::saturating_from_num(alpha_issuance));
    weighted_root.checked_div(denominator).unwrap_or(U96_ZERO)
}

/// What the terms read of one emitting subnet, at the start of the block's coinbase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TermsInput {
    /// The subnet's TAO emission this block (from the shares), U96F32 rao.
    pub tao_emission: U96F32,
    /// `SubnetAlphaIn + SubnetAlphaOut`, rao.
    pub alpha_issuance: u64,
    /// `current_alpha_price` (U64F64; 1.0 for stable subnets).
    pub price: U64F64,
    /// `SubnetTAO[root]`, rao.
    pub root_tao: u64,
    /// `TaoWeight`, a fraction of `u64::MAX`.
    pub tao_weight: u64,
}

/// A subnet's coinbase terms for one block (U96F32 rao, not yet floored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubnetTerms {
    /// TAO injected into the pool at the current price.
    pub tao_in: U96F32,
    /// Alpha injected into the pool with it.
    pub alpha_in: U96F32,
    /// The subnet's alpha emission (minted as alpha out), rao.
    pub alpha_out: u64,
    /// TAO left over, used to buy alpha on the pool.
    pub excess_tao: U96F32,
}

/// `get_subnet_terms` for one subnet (spec §5.1).
pub fn subnet_terms(input: &TermsInput) -> SubnetTerms {
    let alpha_emission = alpha_block_emission(input.alpha_issuance);
    let price = U96F32::saturating_from_num(input.price);
    let mut tao_in = input.tao_emission;
    let mut alpha_in = input.tao_emission.safe_div_or(price, U96_ZERO);
    let rp = subnet_root_proportion(input.root_tao, input.tao_weight, input.alpha_issuance);
    let cap = rp.saturating_mul(U96F32::saturating_from_num(alpha_emission));
    if alpha_in > cap {
        alpha_in = cap;
        tao_in = alpha_in.saturating_mul(price);
    }
    SubnetTerms {
        tao_in,
        alpha_in,
        alpha_out: alpha_emission,
        excess_tao: input.tao_emission.saturating_sub(tao_in),
    }
}

/// What `emit_to_subnets` adds to a subnet's pending buckets in one block (rao, floored).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PendingIncrement {
    /// Alpha minted into `SubnetAlphaOut` (`SubnetAlphaOutEmission`).
    pub alpha_out_minted: u64,
    /// Added to `PendingOwnerCut`.
    pub owner_cut: u64,
    /// Added to `PendingServerEmission` (miners).
    pub server: u64,
    /// Added to `PendingValidatorEmission`.
    pub validator: u64,
    /// Added to `PendingRootAlphaDivs` (0 when root cannot sell).
    pub root: u64,
    /// Root alpha recycled instead (taken back out of `SubnetAlphaOut`).
    pub recycled_root: u64,
}

/// The inputs of [`split_alpha_emission`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SplitInput {
    /// The subnet's alpha emission this block, rao.
    pub alpha_emission: u64,
    /// `SubnetOwnerCut` (u16 proportion; runtime default 11_796 ≈ 18 %).
    pub owner_cut: u16,
    /// `OwnerCutEnabled[s]` (default true).
    pub owner_cut_enabled: bool,
    /// [`subnet_root_proportion`] recomputed after this block's injection and alpha-out mint.
    pub root_proportion: U96F32,
    /// [`super::shares::root_sell_flag`] of this block.
    pub root_sell_flag: bool,
}

/// `emit_to_subnets` for one subnet (spec §5.3): owner cut first, then
/// `root = rp × alpha × ½`, `server = alpha × ½`, `validator = (alpha − server) − root`.
pub fn split_alpha_emission(input: &SplitInput) -> PendingIncrement {
    let mut alpha_out = U96F32::saturating_from_num(input.alpha_emission);
    let owner_cut = if input.owner_cut_enabled {
        alpha_out.saturating_mul(u16_proportion(input.owner_cut))
    } else {
        U96_ZERO
    };
    alpha_out = alpha_out.saturating_sub(owner_cut);
    let root_alpha = input
        .root_proportion
        .saturating_mul(alpha_out)
        .saturating_mul(U96_HALF);
    let server = alpha_out.saturating_mul(U96_HALF);
    let validator = alpha_out.saturating_sub(server).saturating_sub(root_alpha);
    let root = floor(root_alpha);
    PendingIncrement {
        alpha_out_minted: input.alpha_emission,
        owner_cut: floor(owner_cut),
        server: floor(server),
        validator: floor(validator),
        root: if input.root_sell_flag { root } else { 0 },
        recycled_root: if input.root_sell_flag { 0 } else { root },
    }
}

fn floor(x: U96F32) -> u64 {
    x.saturating_to_num::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_proportion_is_zero_without_root_stake_or_weight() {
        assert_eq!(subnet_root_proportion(0, u64::MAX, 10), U96_ZERO);
        assert_eq!(subnet_root_proportion(10, 0, 10), U96_ZERO);
        assert_eq!(subnet_root_proportion(0, 0, 0), U96_ZERO);
        assert_eq!(subnet_root_proportion(1, u64::MAX, 1), U96_HALF);
    }

    #[test]
    fn injection_is_capped_by_the_root_proportion() {
        // Price 1, root proportion 1/2: at most half the alpha emission goes in as liquidity.
        let input = TermsInput {
            tao_emission: U96F32::from_num(1_000_000_000u64),
            alpha_issuance: 1_000_000,
            price: U64F64::from_num(1),
            root_tao: 1_000_000,
            tao_weight: u64::MAX,
        };
        let terms = subnet_terms(&input);
        assert_eq!(terms.alpha_in, U96F32::from_num(500_000_000u64));
        assert_eq!(terms.tao_in, U96F32::from_num(500_000_000u64));
        assert_eq!(terms.excess_tao, U96F32::from_num(500_000_000u64));
        assert_eq!(terms.alpha_out, 1_000_000_000);
    }

    #[test]
    fn root_alpha_is_recycled_when_root_cannot_sell() {
        let input = SplitInput {
            alpha_emission: 1_000_000_000,
            owner_cut: 0,
            owner_cut_enabled: true,
            root_proportion: U96_HALF,
            root_sell_flag: false,
        };
        let split = split_alpha_emission(&input);
        assert_eq!((split.root, split.recycled_root), (0, 250_000_000));
        assert_eq!((split.server, split.validator), (500_000_000, 250_000_000));
    }
}
