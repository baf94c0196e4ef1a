//! Dividend and incentive distribution: how a subnet's drained emission becomes per-account
//! amounts (spec §7.3 and §10.1–§10.3, subtensor `coinbase/run_coinbase.rs`:
//! `calculate_dividends_and_incentives`, `get_parent_child_dividends_distribution`,
//! `calculate_dividend_distribution`, `distribute_dividends_and_incentives`).
//!
//! May depend on: `chain::fixed` (and `chain::types`).
//!
//! The flow. Every block the coinbase adds alpha to a subnet's pending buckets (server,
//! validator, root, owner cut). When the subnet's epoch is due the buckets are drained and the
//! epoch turns their sum into a (hotkey, incentive, dividend) triple per neuron. Here, per epoch:
//! the validators' bucket absorbs the miners' one when no miner earned anything
//! ([`pending_validator_alpha`]); each hotkey's dividend is shared with its child-key parents
//! ([`parent_child_dividends`], accumulated by [`calculate_dividends_and_incentives`]); every
//! account's dividend is split into an alpha part and a root part by its own stakes and
//! re-normalised to the validator and root buckets ([`dividend_distribution`]); finally the
//! owners' incentive is withheld ([`distribute_incentives`]) and each dividend is split into
//! the hotkey owner's take and the part for the hotkey's stakers ([`split_alpha_dividend`],
//! [`split_root_dividend`]).
//!
//! Everything is pure: accounts are a caller-chosen key `K` (`Ord + Copy`, e.g. a `usize`
//! index), maps are `BTreeMap`s iterated in ascending key order (the chain's per-account maps
//! are BTreeMaps in account byte order), amounts are `u64` rao of the subnet's alpha unless
//! said otherwise (root stake is TAO rao), and the fixed-point types and roundings are the
//! chain's: U96F32 products and quotients floor, amounts become `u64` by flooring. Storage
//! writes (staking, recycling, `MinerBurned`, `RootClaimable`) are returned as data.

use std::collections::{BTreeMap, BTreeSet};

use crate::chain::fixed::{I96F32, SafeDiv, U96F32};
pub use crate::chain::fixed::{u16_proportion, u64_proportion};

/// `DefaultDelegateTake` (= `MaxDelegateTake` default): the hotkey take of a hotkey that never
/// set one, as a u16 proportion (11_796 / 65_535 ≈ 18%).
pub const DEFAULT_HOTKEY_TAKE: u16 = 11_796;

/// U96F32 zero.
const U96_ZERO: U96F32 = U96F32::from_bits(0);
/// U96F32 one.
const U96_ONE: U96F32 = U96F32::from_bits(1 << 32);

/// Flooring U96F32 → u64 (`tou64!`: `saturating_to_num::<u64>()`).
fn floor_u64(x: U96F32) -> u64 {
    x.saturating_to_num::<u64>()
}

// ---------------------------------------------------------------------------------------------
// §7.3 distribute_emission: the validators' bucket
// ---------------------------------------------------------------------------------------------

/// The validator alpha to distribute (spec §7.3 step 3), in alpha rao: the drained `validator`
/// bucket if any miner earned incentive (`incentive_sum > 0`), otherwise `validator + server`
/// (saturating): with no miner paid, the validators get the miners' half too.
pub fn pending_validator_alpha(server: u64, validator: u64, incentive_sum: u64) -> u64 {
    if incentive_sum > 0 {
        validator
    } else {
        validator.saturating_add(server)
    }
}

// ---------------------------------------------------------------------------------------------
// §10.1 child/parent dividend redistribution
// ---------------------------------------------------------------------------------------------

/// One parent P of a hotkey h (an entry of `ParentKeys(h, s)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParentStake<K> {
    /// The parent hotkey.
    pub parent: K,
    /// The share of P's stake delegated to h, as a fraction of `u64::MAX`.
    pub proportion: u64,
    /// P's own alpha stake on the subnet, `TotalHotkeyAlpha(P, s)`, alpha rao.
    pub alpha_stake: u64,
    /// P's own root stake, `TotalHotkeyAlpha(P, root)`, TAO rao.
    pub root_stake: u64,
    /// Whether `Owner(P) == Owner(h)`. Burn and childkey take apply only when it is false.
    pub same_owner: bool,
}

/// The child-key data of one hotkey h on one subnet, all read by
/// `get_parent_child_dividends_distribution`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildKeyInput<K> {
    /// h's own alpha stake on the subnet, `TotalHotkeyAlpha(h, s)`, alpha rao.
    pub alpha_stake: u64,
    /// h's own root stake, `TotalHotkeyAlpha(h, root)`, TAO rao.
    pub root_stake: u64,
    /// The proportions h delegates to its children (`ChildKeys(h, s)`), fractions of `u64::MAX`.
    pub children: Vec<u64>,
    /// h's parents in `ParentKeys(h, s)` order.
    pub parents: Vec<ParentStake<K>>,
    /// `ChildkeyTake(h, s)` already raised to the effective minimum, u16 proportion (default 0).
    pub childkey_take: u16,
}

impl<K> Default for ChildKeyInput<K> {
    /// No stake, no children, no parents, childkey take 0.
    fn default() -> Self {
        ChildKeyInput {
            alpha_stake: 0,
            root_stake: 0,
            children: Vec::new(),
            parents: Vec::new(),
            childkey_take: 0,
        }
    }
}

/// How one hotkey's dividend is shared with its parents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParentChildDividends<K> {
    /// What h keeps, `floor(d_h − Σ e_P + Σ takes)`, alpha rao.
    pub to_hotkey: u64,
    /// What each parent gets, `floor(e_P − burn_P − take_P)`, in `ParentKeys` order (zeros kept).
    pub to_parents: Vec<(K, u64)>,
    /// `Σ floor(burn_P)`: alpha recycled (leaves `SubnetAlphaOut`), alpha rao.
    pub burned: u64,
}

/// `get_self_contribution`: `floor(α·r + (root·r)·τ)` with `r = 1 − Σ (p_c / u64::MAX)` over
/// h's children (saturating at 0), all in U96F32; the weight h's own stake gives it among its
/// parents. `tao_weight` is τ ([`u64_proportion`] of `TaoWeight`).
pub fn self_contribution(
    alpha_stake: u64,
    root_stake: u64,
    children: &[u64],
    tao_weight: U96F32,
) -> u64 {
    let remaining = children
        .iter()
        .fold(U96_ONE, |r, &p| r.saturating_sub(u64_proportion(p)));
    let alpha = U96F32::saturating_from_num(alpha_stake).saturating_mul(remaining);
    let root = U96F32::saturating_from_num(root_stake)
        .saturating_mul(remaining)
        .saturating_mul(tao_weight);
    floor_u64(alpha.saturating_add(root))
}

/// A parent's contribution to h's stake, `α_P·q + (root_P·q)·τ` with `q = p_P / u64::MAX`
/// (U96F32, not floored).
pub fn parent_contribution<K>(parent: &ParentStake<K>, tao_weight: U96F32) -> U96F32 {
    let q = u64_proportion(parent.proportion);
    let alpha = U96F32::saturating_from_num(parent.alpha_stake).saturating_mul(q);
    let root = U96F32::saturating_from_num(parent.root_stake)
        .saturating_mul(q)
        .saturating_mul(tao_weight);
    alpha.saturating_add(root)
}

/// `get_parent_child_dividends_distribution` (spec §10.1): shares hotkey h's `dividend` (alpha
/// rao) with its parents in proportion to the stake each contributes.
///
/// `total = self_contribution + Σ contrib_P`; parent P's share is `e_P = d_h × f_P` with
/// `f_P = contrib_P / total` computed first (0 if `total` is 0). Unless P and h have the same
/// owner, `burn = ck_burn × e_P` is recycled (floored) and `take = ck_take × e_P` goes to h;
/// P gets `floor(e_P − burn − take)` and h keeps `floor(d_h − Σ e_P + Σ takes)`.
/// `tao_weight` and `ck_burn` are [`u64_proportion`]s of `TaoWeight` and `CKBurn`.
pub fn parent_child_dividends<K: Copy>(
    dividend: u64,
    input: &ChildKeyInput<K>,
    tao_weight: U96F32,
    ck_burn: U96F32,
) -> ParentChildDividends<K> {
    let validating = U96F32::saturating_from_num(dividend);
    let ck_take = u16_proportion(input.childkey_take);
    let own = self_contribution(
        input.alpha_stake,
        input.root_stake,
        &input.children,
        tao_weight,
    );
    let contributions: Vec<U96F32> = input
        .parents
        .iter()
        .map(|p| parent_contribution(p, tao_weight))
        .collect();
    let total = contributions
        .iter()
        .fold(U96F32::saturating_from_num(own), |t, &c| {
            t.saturating_add(c)
        });

    let mut remaining = validating;
    let mut total_take = U96_ZERO;
    let mut burned = 0_u64;
    let mut to_parents = Vec::with_capacity(input.parents.len());
    for (parent, &contribution) in input.parents.iter().zip(&contributions) {
        let factor = contribution.checked_div(total).unwrap_or(U96_ZERO);
        let emission = validating.saturating_mul(factor);
        remaining = remaining.saturating_sub(emission);
        let (burn, take) = if parent.same_owner {
            (U96_ZERO, U96_ZERO)
        } else {
            (
                ck_burn.saturating_mul(emission),
                ck_take.saturating_mul(emission),
            )
        };
        burned = burned.saturating_add(floor_u64(burn));
        total_take = total_take.saturating_add(take);
        let kept = emission.saturating_sub(burn).saturating_sub(take);
        to_parents.push((parent.parent, floor_u64(kept)));
    }
    ParentChildDividends {
        to_hotkey: floor_u64(remaining.saturating_add(total_take)),
        to_parents,
        burned,
    }
}

/// What `calculate_dividends_and_incentives` accumulates over an epoch's hotkeys.
#[derive(Clone, Debug, PartialEq)]
pub struct DividendsAndIncentives<K: Ord> {
    /// Incentive per hotkey, alpha rao (saturating sums).
    pub incentives: BTreeMap<K, u64>,
    /// Dividend per account after child/parent redistribution, alpha rao in U96F32 (sums of the
    /// floored amounts of [`ParentChildDividends`]; zero entries kept).
    pub dividends: BTreeMap<K, U96F32>,
    /// Alpha recycled by `CKBurn`, alpha rao.
    pub burned: u64,
}

/// `calculate_dividends_and_incentives` (spec §10.1): over the epoch's `(hotkey, incentive,
/// dividend)` triples (alpha rao), sums incentives per hotkey and redistributes each dividend
/// with [`parent_child_dividends`]. A hotkey absent from `child_keys` has no parents and keeps
/// its whole dividend.
pub fn calculate_dividends_and_incentives<K: Ord + Copy>(
    hotkey_emission: &[(K, u64, u64)],
    child_keys: &BTreeMap<K, ChildKeyInput<K>>,
    tao_weight: U96F32,
    ck_burn: U96F32,
) -> DividendsAndIncentives<K> {
    let mut out = DividendsAndIncentives {
        incentives: BTreeMap::new(),
        dividends: BTreeMap::new(),
        burned: 0,
    };
    let no_parents = ChildKeyInput::default();
    for &(hotkey, incentive, dividend) in hotkey_emission {
        let entry = out.incentives.entry(hotkey).or_insert(0);
        *entry = entry.saturating_add(incentive);
        let input = child_keys.get(&hotkey).unwrap_or(&no_parents);
        let split = parent_child_dividends(dividend, input, tao_weight, ck_burn);
        out.burned = out.burned.saturating_add(split.burned);
        let recipients = split.to_parents.into_iter();
        for (account, amount) in recipients.chain([(hotkey, split.to_hotkey)]) {
            let entry = out.dividends.entry(account).or_insert(U96_ZERO);
            *entry = entry.saturating_add(U96F32::saturating_from_num(amount));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// §10.2 alpha vs root dividends
// ---------------------------------------------------------------------------------------------

/// One account's own stakes and its dividend, the inputs of `calculate_dividend_distribution`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StakeAndDividend {
    /// `TotalHotkeyAlpha(a, s)`, alpha rao.
    pub alpha_stake: u64,
    /// `TotalHotkeyAlpha(a, root)`, TAO rao.
    pub root_stake: u64,
    /// δ_a after child/parent redistribution, alpha rao.
    pub dividend: U96F32,
}

/// One account's share of the validator and root buckets, alpha rao (not floored).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DividendPayout {
    /// `alpha_payout_a = pending_validator × (alphadiv_a / Σ alphadiv)`.
    pub alpha: U96F32,
    /// `root_payout_a = pending_root × (rootdiv_a / Σ rootdiv)`.
    pub root: U96F32,
}

/// `ρ_a = r·τ / (α + r·τ)` (U96F32; 0 for 0/0): the part of an account's dividend attributed
/// to its root stake.
pub fn root_proportion(alpha_stake: u64, root_stake: u64, tao_weight: U96F32) -> U96F32 {
    let root_alpha = U96F32::saturating_from_num(root_stake).saturating_mul(tao_weight);
    let total = U96F32::saturating_from_num(alpha_stake).saturating_add(root_alpha);
    root_alpha.checked_div(total).unwrap_or(U96_ZERO)
}

/// `calculate_dividend_distribution` (spec §10.2): splits each dividend into `rootdiv_a =
/// δ_a × ρ_a` and `alphadiv_a = δ_a − rootdiv_a`, then apportions the buckets (alpha rao):
/// `pending_validator × (alphadiv_a / Σ alphadiv)` and `pending_root × (rootdiv_a / Σ rootdiv)`,
/// each share computed first (0 when its sum is 0). Every input account gets an entry.
pub fn dividend_distribution<K: Ord + Copy>(
    pending_validator: u64,
    pending_root: u64,
    tao_weight: U96F32,
    accounts: &BTreeMap<K, StakeAndDividend>,
) -> BTreeMap<K, DividendPayout> {
    let mut split = Vec::with_capacity(accounts.len());
    let (mut total_alpha, mut total_root) = (U96_ZERO, U96_ZERO);
    for (&account, a) in accounts {
        let rho = root_proportion(a.alpha_stake, a.root_stake, tao_weight);
        let root_divs = a.dividend.saturating_mul(rho);
        let alpha_divs = a.dividend.saturating_sub(root_divs);
        total_alpha = total_alpha.saturating_add(alpha_divs);
        total_root = total_root.saturating_add(root_divs);
        split.push((account, alpha_divs, root_divs));
    }
    let pending_validator = U96F32::saturating_from_num(pending_validator);
    let pending_root = U96F32::saturating_from_num(pending_root);
    split
        .into_iter()
        .map(|(account, alpha_divs, root_divs)| {
            let alpha_share = alpha_divs.checked_div(total_alpha).unwrap_or(U96_ZERO);
            let root_share = root_divs.checked_div(total_root).unwrap_or(U96_ZERO);
            let payout = DividendPayout {
                alpha: pending_validator.saturating_mul(alpha_share),
                root: pending_root.saturating_mul(root_share),
            };
            (account, payout)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// §10.3 payouts
// ---------------------------------------------------------------------------------------------

/// `RecycleOrBurn`: what happens to incentive withheld from the subnet owner's hotkeys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RecycleOrBurn {
    /// `recycle_subnet_alpha`: `SubnetAlphaOut −= x`, alpha issuance shrinks.
    Recycle,
    /// `burn_subnet_alpha` (the default): credited to no one but still counted in
    /// `SubnetAlphaOut`, so alpha issuance is unchanged.
    #[default]
    Burn,
}

/// The incentive payout of one distribution (spec §10.3 step 2).
#[derive(Clone, Debug, PartialEq)]
pub struct IncentiveDistribution<K: Ord> {
    /// Incentive to stake, alpha rao, per hotkey not owned by the subnet owner (to
    /// `AutoStakeDestination(Owner(h), s)` or h itself, for the coldkey `Owner(h)`).
    pub staked: BTreeMap<K, u64>,
    /// Incentive withheld from owner hotkeys, alpha rao.
    pub withheld: u64,
    /// The part of `withheld` that leaves `SubnetAlphaOut` (all of it under `Recycle`, else 0).
    pub recycled: u64,
    /// The part of `withheld` that is burned but stays counted in `SubnetAlphaOut` (all of it
    /// under `Burn`, else 0).
    pub burned: u64,
    /// `MinerBurned[s] = withheld / Σ incentive` (U96F32, 0 if the total is 0).
    pub miner_burned: U96F32,
}

/// Distributes the miners' incentive (spec §10.3 step 2): incentive to any of `owner_hotkeys`
/// (hotkeys of the subnet-owner coldkey with a uid on the subnet, plus `SubnetOwnerHotkey`) is
/// withheld and recycled or burned by `mode`; the rest is staked.
pub fn distribute_incentives<K: Ord + Copy>(
    incentives: &BTreeMap<K, u64>,
    owner_hotkeys: &BTreeSet<K>,
    mode: RecycleOrBurn,
) -> IncentiveDistribution<K> {
    let mut staked = BTreeMap::new();
    let (mut withheld, mut total) = (0_u64, 0_u64);
    for (&hotkey, &incentive) in incentives {
        total = total.saturating_add(incentive);
        if owner_hotkeys.contains(&hotkey) {
            withheld = withheld.saturating_add(incentive);
        } else {
            staked.insert(hotkey, incentive);
        }
    }
    let (recycled, burned) = match mode {
        RecycleOrBurn::Recycle => (withheld, 0),
        RecycleOrBurn::Burn => (0, withheld),
    };
    let miner_burned =
        U96F32::saturating_from_num(withheld).safe_div(U96F32::saturating_from_num(total));
    IncentiveDistribution {
        staked,
        withheld,
        recycled,
        burned,
        miner_burned,
    }
}

/// An alpha dividend split by the hotkey take (spec §10.3 step 3), alpha rao.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlphaDividendSplit {
    /// `floor(take)`, staked to `(a, Owner(a))` first (the owner's own shares).
    pub owner_take: u64,
    /// `floor(x − take)`, added to the hotkey's pool value (every staker of `a` gains pro rata);
    /// also what `AlphaDividendsPerSubnet[s][a]` records.
    pub hotkey_pool: u64,
}

/// Splits alpha dividend `x` (alpha rao) with `hotkey_take` (`Delegates(a)`, u16 proportion,
/// default [`DEFAULT_HOTKEY_TAKE`]): `take = hotkey_take/65535 × x`.
pub fn split_alpha_dividend(x: U96F32, hotkey_take: u16) -> AlphaDividendSplit {
    let take = u16_proportion(hotkey_take).saturating_mul(x);
    AlphaDividendSplit {
        owner_take: floor_u64(take),
        hotkey_pool: floor_u64(x.saturating_sub(take)),
    }
}

/// Where the stakers' part z of a root dividend goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootDividendTarget {
    /// `RootClaimable[a][s] += rate_increase`, with `rate_increase = z / R_a` (I96F32
    /// `checked_div`, 0 if `R_a = 0`): alpha per rao of root stake, claimed later (§10.4).
    Claimable {
        /// Added to `RootClaimable[a][s]`.
        rate_increase: I96F32,
    },
    /// `z > R_a` (e.g. no root stake): z is staked to `(a, Owner(a))` on s instead.
    StakedToOwner,
}

/// A root dividend split by the hotkey take (spec §10.3 step 4), alpha rao.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RootDividendSplit {
    /// `floor(take)`, staked as subnet alpha to `(a, Owner(a))`.
    pub owner_take: u64,
    /// `z = floor(y − take)`; `RootAlphaDividendsPerSubnet[s][a] += z` whatever the target.
    pub stakers: u64,
    /// Where z goes.
    pub target: RootDividendTarget,
}

/// Splits root dividend `y` (alpha rao) with `hotkey_take` (u16 proportion) for a hotkey with
/// root stake `root_stake` (`R_a = TotalHotkeyAlpha(a, root)`, TAO rao).
pub fn split_root_dividend(y: U96F32, hotkey_take: u16, root_stake: u64) -> RootDividendSplit {
    let take = u16_proportion(hotkey_take).saturating_mul(y);
    let z = floor_u64(y.saturating_sub(take));
    let target = if z > root_stake {
        RootDividendTarget::StakedToOwner
    } else {
        let rate_increase = I96F32::saturating_from_num(z)
            .checked_div(I96F32::saturating_from_num(root_stake))
            .unwrap_or(I96F32::from_bits(0));
        RootDividendTarget::Claimable { rate_increase }
    };
    RootDividendSplit {
        owner_take: floor_u64(take),
        stakers: z,
        target,
    }
}

/// Both dividend splits of one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountPayout {
    /// The alpha dividend's split.
    pub alpha: AlphaDividendSplit,
    /// The root dividend's split.
    pub root: RootDividendSplit,
}

/// Splits one account's [`DividendPayout`] with its hotkey take (u16 proportion) and root stake
/// (TAO rao): [`split_alpha_dividend`] and [`split_root_dividend`].
pub fn account_payout(payout: DividendPayout, hotkey_take: u16, root_stake: u64) -> AccountPayout {
    AccountPayout {
        alpha: split_alpha_dividend(payout.alpha, hotkey_take),
        root: split_root_dividend(payout.root, hotkey_take, root_stake),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proportions_are_exact_at_the_ends() {
        assert_eq!(u64_proportion(u64::MAX), U96_ONE);
        assert_eq!(u64_proportion(0), U96_ZERO);
        assert_eq!(u16_proportion(u16::MAX), U96_ONE);
        assert_eq!(u16_proportion(0), U96_ZERO);
    }

    #[test]
    fn validators_take_the_miners_bucket_when_no_incentive() {
        assert_eq!(pending_validator_alpha(5, 7, 1), 7);
        assert_eq!(pending_validator_alpha(5, 7, 0), 12);
        assert_eq!(pending_validator_alpha(u64::MAX, 7, 0), u64::MAX);
    }

    #[test]
    fn no_parents_keeps_the_whole_dividend() {
        let input = ChildKeyInput::<usize>::default();
        let split = parent_child_dividends(123_456_789, &input, U96_ONE, U96_ONE);
        assert_eq!(split.to_hotkey, 123_456_789);
        assert!(split.to_parents.is_empty());
        assert_eq!(split.burned, 0);
    }

    #[test]
    fn zero_total_contribution_leaves_everything_to_the_hotkey() {
        let parent = ParentStake {
            parent: 1_usize,
            proportion: u64::MAX,
            alpha_stake: 0,
            root_stake: 0,
            same_owner: false,
        };
        let input = ChildKeyInput {
            parents: vec![parent],
            ..ChildKeyInput::default()
        };
        let split = parent_child_dividends(1_000, &input, U96_ONE, U96_ZERO);
        assert_eq!(split.to_hotkey, 1_000);
        assert_eq!(split.to_parents, vec![(1, 0)]);
    }

    #[test]
    fn ck_burn_and_take_skip_parents_with_the_same_owner() {
        let parent = |same_owner| ParentStake {
            parent: 1_usize,
            proportion: u64::MAX,
            alpha_stake: 1_000,
            root_stake: 0,
            same_owner,
        };
        let input = |same_owner| ChildKeyInput {
            parents: vec![parent(same_owner)],
            childkey_take: u16::MAX / 2,
            ..ChildKeyInput::default()
        };
        let half_burn = u64_proportion(u64::MAX / 2);
        let same = parent_child_dividends(1_000, &input(true), U96_ZERO, half_burn);
        assert_eq!(
            (same.to_hotkey, same.to_parents[0].1, same.burned),
            (0, 1_000, 0)
        );
        let other = parent_child_dividends(1_000, &input(false), U96_ZERO, half_burn);
        // burn = take = 1000 × (just under one half): 499 each floored, the parent keeps the
        // sub-rao rest of 1000 − 2 × 499.99…, floored to 0; h gets floor(take) = 499.
        assert_eq!(other.burned, 499);
        assert_eq!(other.to_hotkey, 499);
        assert_eq!(other.to_parents[0].1, 0);
    }

    #[test]
    fn burn_and_take_above_the_parent_share_pay_out_more_than_the_dividend() {
        // Both are fractions of e_P (spec §10.1) and the parent's amount saturates at 0, so with
        // CKBurn + childkey take > 1 the burn and h's take together exceed e_P.
        let parent = ParentStake {
            parent: 1_usize,
            proportion: u64::MAX,
            alpha_stake: 1_000,
            root_stake: 0,
            same_owner: false,
        };
        let input = ChildKeyInput {
            parents: vec![parent],
            childkey_take: u16::MAX,
            ..ChildKeyInput::default()
        };
        let split = parent_child_dividends(1_000, &input, U96_ZERO, U96_ONE);
        assert_eq!(split.to_parents, vec![(1, 0)]);
        assert_eq!((split.burned, split.to_hotkey), (1_000, 1_000));
    }

    #[test]
    fn root_dividend_goes_to_the_owner_when_it_exceeds_root_stake() {
        let y = U96F32::from_num(1_000_u32);
        let staked = split_root_dividend(y, 0, 999);
        assert_eq!(staked.stakers, 1_000);
        assert_eq!(staked.target, RootDividendTarget::StakedToOwner);
        let claimable = split_root_dividend(y, 0, 4_000);
        assert_eq!(
            claimable.target,
            RootDividendTarget::Claimable {
                rate_increase: I96F32::from_bits(1 << 30)
            }
        );
        let nothing = split_root_dividend(U96_ZERO, 0, 0);
        assert_eq!(
            nothing.target,
            RootDividendTarget::Claimable {
                rate_increase: I96F32::from_bits(0)
            }
        );
    }

    #[test]
    fn owner_incentive_is_withheld_and_reported() {
        let incentives = BTreeMap::from([(0_usize, 300_u64), (1, 100)]);
        let owners = BTreeSet::from([1_usize]);
        let burn = distribute_incentives(&incentives, &owners, RecycleOrBurn::Burn);
        assert_eq!(burn.staked, BTreeMap::from([(0, 300)]));
        assert_eq!((burn.withheld, burn.recycled, burn.burned), (100, 0, 100));
        assert_eq!(burn.miner_burned, U96F32::from_bits(1 << 30));
        let recycle = distribute_incentives(&incentives, &owners, RecycleOrBurn::Recycle);
        assert_eq!((recycle.recycled, recycle.burned), (100, 0));
        let none = distribute_incentives(&BTreeMap::new(), &owners, RecycleOrBurn::Burn);
        assert_eq!(none.miner_burned, U96_ZERO);
    }
}
