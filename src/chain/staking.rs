//! Stake accounting: the share pool behind every (hotkey, subnet) stake, its `SafeFloat` number
//! type, the delegate and childkey take bounds, and the nominator minimum (spec §10.5, §10.6,
//! §11; subtensor `primitives/share-pool` and `staking/stake_utils.rs`).
//!
//! May depend on: `chain::fixed` (and `chain::types`).
//!
//! # The share-pool model
//!
//! The alpha staked on a hotkey on a subnet is one pool. The pool knows its total value `V`
//! (`TotalHotkeyAlpha`, alpha rao) and how many shares exist (the denominator `D`,
//! `TotalHotkeySharesV2`); each coldkey holds shares `sh_c` (`AlphaV2`). A coldkey's stake is
//! not stored: it is `V · sh_c / D`, floored to rao. Staking `x` buys `x · D / V` new shares at
//! the current price per share; a dividend paid to the hotkey only raises `V`, so every holder's
//! stake grows in proportion to its shares without touching any per-coldkey entry.
//!
//! Example: Alice stakes 600 rao into an empty pool and gets 600 shares (`V = D = 600`); Bob
//! stakes 400 and gets `400 · 600 / 600 = 400` shares (`V = D = 1000`). A dividend of 100 makes
//! `V = 1100`: Alice now owns `1100 · 600 / 1000 = 660`, Bob `440`. If Bob stakes another 110
//! he gets `110 · 1000 / 1100 = 100` shares at the new price and owns `1210 · 500 / 1100 = 550`.
//!
//! Shares are [`SafeFloat`]s (a 21-digit decimal mantissa and a power-of-ten exponent) and
//! every product-quotient goes through [`SafeFloat::mul_div`], which floors; values are floored
//! to rao. The holders' values therefore add up to `V` less some flooring dust (under a rao per
//! holder) — with caveats that are upstream's own behaviour (`primitives/share-pool`), kept
//! here on purpose:
//!
//! * `D` is updated apart from the shares and each is rounded to 21 digits on its own, and a
//!   subtraction rounds **up** at the minuend's last digit ([`SafeFloat::saturating_sub`]). So
//!   `Σ sh` and `D` drift apart by about 10⁻²⁰ of the largest `D` per operation, and a holder
//!   who removes its whole value keeps some dust shares (an entry is dropped only at exactly 0).
//! * Nothing clamps a value to `V`: after a large exit, a later rise of the price per share
//!   (`V / D`) magnifies the drift and the dust; an extreme rise (orders of magnitude) turns
//!   them into whole rao, and then the holders' values add up to more than `V`.
//! * When `D` reaches 0 the next stake re-initialises it (`D = sh_key = x`, "the first key gets
//!   all") without resetting the dust shares other holders still have.
//!
//! Every operation the chain would reject returns a [`StakingError`] and changes nothing.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::fixed::{SafeDiv, U64F64};
use super::wide::U256;

// ---------------------------------------------------------------------------------------------
// SafeFloat
// ---------------------------------------------------------------------------------------------

/// 10²⁰: normalised mantissas are strictly above it.
pub const MANTISSA_LOWER_EXCLUSIVE: u128 = 100_000_000_000_000_000_000;
/// 10²¹: normalised mantissas are at most it.
pub const MANTISSA_UPPER_INCLUSIVE: u128 = 1_000_000_000_000_000_000_000;

/// `10^k` for `k ≤ 38` (the largest power of ten a `u128` holds).
const fn pow10(k: u32) -> u128 {
    10u128.pow(k)
}

/// The share-pool number: `mantissa × 10^exponent`, non-negative (subtensor's `SafeFloat`).
///
/// Normal form: zero is `(0, 0)`; any other value has its mantissa in the half-open interval
/// **(10²⁰, 10²¹]** — 21 significant digits, except that an exact power of ten is written with
/// mantissa 10²¹ (so 1 = 10²¹ × 10⁻²¹). Each value has exactly one normal form, which is why the
/// derived equality is value equality and [`Ord`] compares exponents first.
///
/// Rounding: every result but a difference is the exact result **truncated toward zero** to
/// that precision, i.e. the largest normal-form value not above it (so `from_u64` is exact);
/// a difference may round up ([`SafeFloat::saturating_sub`]). The exponent is an `i64` and
/// saturates instead of wrapping (a pool would need billions of operations to come near either
/// end).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SafeFloat {
    mantissa: u128,
    exponent: i64,
}

impl SafeFloat {
    /// Zero (mantissa 0, exponent 0).
    pub const ZERO: SafeFloat = SafeFloat {
        mantissa: 0,
        exponent: 0,
    };

    /// `mantissa × 10^exponent` in normal form: truncated to 21 significant digits (toward
    /// zero), then scaled so the mantissa lies in (10²⁰, 10²¹].
    pub fn new(mantissa: u128, exponent: i64) -> SafeFloat {
        if mantissa == 0 {
            return SafeFloat::ZERO;
        }
        // mantissa ∈ [10^d, 10^(d+1)); scaling by 10^(20 − d) lands in [10²⁰, 10²¹).
        let digits = i64::from(mantissa.ilog10());
        let shift = digits - 20;
        let scaled = if shift > 0 {
            mantissa / pow10(shift as u32)
        } else {
            mantissa * pow10((-shift) as u32)
        };
        let exponent = exponent.saturating_add(shift);
        if scaled == MANTISSA_LOWER_EXCLUSIVE {
            // 10²⁰ itself is written 10²¹ one exponent lower; when digits were dropped, that
            // is still the largest normal-form value not above the input.
            SafeFloat {
                mantissa: MANTISSA_UPPER_INCLUSIVE,
                exponent: exponent.saturating_sub(1),
            }
        } else {
            SafeFloat {
                mantissa: scaled,
                exponent,
            }
        }
    }

    /// A 256-bit mantissa × 10^exponent in normal form (truncated toward zero).
    fn from_wide(mantissa: U256, exponent: i64) -> SafeFloat {
        let (mut m, mut e) = (mantissa, exponent);
        // Dividing while m ≥ 2¹²⁸ (> 10³⁸) never drops a digit the 21-digit result keeps.
        while m.hi != 0 {
            if let Some((q, _)) = m.div_rem_u128(10) {
                m = q;
            }
            e = e.saturating_add(1);
        }
        SafeFloat::new(m.lo, e)
    }

    /// `x` exactly (every u64 has at most 20 digits).
    pub fn from_u64(x: u64) -> SafeFloat {
        SafeFloat::new(u128::from(x), 0)
    }

    /// The mantissa: 0, or in (10²⁰, 10²¹].
    pub fn mantissa(self) -> u128 {
        self.mantissa
    }

    /// The power of ten the mantissa is scaled by (0 for zero).
    pub fn exponent(self) -> i64 {
        self.exponent
    }

    /// Whether the value is zero.
    pub fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    /// The value floored to an integer, saturating at `u64::MAX`.
    pub fn to_u64(self) -> u64 {
        if self.is_zero() {
            return 0;
        }
        if self.exponent >= 0 {
            // At least 10²⁰ > u64::MAX.
            return u64::MAX;
        }
        let k = self.exponent.unsigned_abs();
        if k > 38 {
            return 0;
        }
        u64::try_from(self.mantissa / pow10(k as u32)).unwrap_or(u64::MAX)
    }

    /// `a × b / c`: the mantissas' exact product divided by `c`'s mantissa and floored, in 256
    /// bits (`⌊m_a·m_b / m_c⌋`), then normalised; the exponents add and subtract
    /// (`e_a + e_b − e_c`). Zero when `a` or `b` is zero, and zero when `c` is zero (the
    /// chain's safe division: "Δsh = 0 if V = 0").
    ///
    /// The quotient lies in [10¹⁹, 10²²); when it is below 10²⁰ normalisation appends a zero
    /// digit, so such a result carries 20 significant digits, not 21.
    pub fn mul_div(a: SafeFloat, b: SafeFloat, c: SafeFloat) -> SafeFloat {
        if a.is_zero() || b.is_zero() || c.is_zero() {
            return SafeFloat::ZERO;
        }
        let product = U256::mul_u128(a.mantissa, b.mantissa);
        let Some((quotient, _)) = product.div_rem_u128(c.mantissa) else {
            return SafeFloat::ZERO;
        };
        let exponent = a
            .exponent
            .saturating_add(b.exponent)
            .saturating_sub(c.exponent);
        SafeFloat::from_wide(quotient, exponent)
    }

    /// `self + rhs` as upstream adds: the operand with the smaller exponent is truncated to the
    /// other's exponent (`⌊m / 10^Δe⌋`), the mantissas are added and the sum is normalised
    /// (flooring). For a sum this equals truncating the exact sum once: normalising divides by
    /// at least `10^Δe`, so the early truncation is one floor inside another.
    ///
    /// Source: subtensor `primitives/share-pool/src/lib.rs`, `SafeFloat::add`.
    pub fn saturating_add(self, rhs: SafeFloat) -> SafeFloat {
        if rhs.is_zero() {
            return self;
        }
        if self.is_zero() {
            return rhs;
        }
        let (a, b, exponent) = SafeFloat::align(self, rhs);
        SafeFloat::new(a + b, exponent)
    }

    /// `self − rhs` as upstream subtracts: the operand with the smaller exponent is truncated
    /// to the other's exponent (`⌊m / 10^Δe⌋`, `10^Δe` capped at 10²²), the mantissas are
    /// subtracted, saturating at 0, and the difference is normalised.
    ///
    /// Unlike the sum, this is not the exact difference truncated: truncating the subtrahend
    /// rounds the result **up** at the minuend's last digit, and a subtrahend below one unit of
    /// that digit leaves the minuend unchanged (`2 − 1.5·10⁻²¹ = 2`). In a share pool a removal
    /// therefore leaves the holder's shares and `D` rounded up, never down.
    ///
    /// Source: subtensor `primitives/share-pool/src/lib.rs`, `SafeFloat::sub`.
    pub fn saturating_sub(self, rhs: SafeFloat) -> SafeFloat {
        if rhs.is_zero() {
            return self;
        }
        if self.is_zero() {
            return SafeFloat::ZERO;
        }
        let (a, b, exponent) = SafeFloat::align(self, rhs);
        SafeFloat::new(a.saturating_sub(b), exponent)
    }

    /// Both mantissas at the larger exponent: the one with the smaller exponent divided by
    /// `10^min(Δe, 22)` and floored (upstream's `cappow10`; any normal mantissa is below 10²²).
    fn align(a: SafeFloat, b: SafeFloat) -> (u128, u128, i64) {
        let scale = pow10(a.exponent.abs_diff(b.exponent).min(22) as u32);
        if a.exponent >= b.exponent {
            (a.mantissa, b.mantissa / scale, a.exponent)
        } else {
            (a.mantissa / scale, b.mantissa, b.exponent)
        }
    }
}

impl From<u64> for SafeFloat {
    fn from(x: u64) -> SafeFloat {
        SafeFloat::from_u64(x)
    }
}

impl Ord for SafeFloat {
    fn cmp(&self, other: &SafeFloat) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            // Normal-form ranges (10²⁰·10^e, 10²¹·10^e] are disjoint and increase with e.
            (false, false) => self
                .exponent
                .cmp(&other.exponent)
                .then(self.mantissa.cmp(&other.mantissa)),
        }
    }
}

impl PartialOrd for SafeFloat {
    fn partial_cmp(&self, other: &SafeFloat) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why the chain would reject a staking operation. A rejected operation changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StakingError {
    /// The staked TAO is below `DefaultMinStake` + the swap fee (chain: `AmountTooLow`).
    StakeBelowMinimum,
    /// The swap yielded no alpha to stake (spec §11: "must yield > 0 alpha").
    ZeroAlpha,
    /// The coldkey's stake on the hotkey is less than the amount to remove (chain:
    /// `NotEnoughStakeToWithdraw`; `decrease_stake_for_hotkey_and_coldkey_on_subnet` does
    /// nothing).
    NotEnoughStake,
    /// The stake would buy zero new shares of a pool that already has shares (chain:
    /// `InsufficientLiquidity`).
    InsufficientLiquidity,
    /// The delegate take is above `MaxDelegateTake` (chain: `DelegateTakeTooHigh`).
    TakeTooHigh,
    /// The delegate take is below `MinDelegateTake` (chain: `DelegateTakeTooLow`).
    TakeTooLow,
    /// The childkey take is outside its bounds (chain: `InvalidChildkeyTake`).
    InvalidChildkeyTake,
}

impl core::fmt::Display for StakingError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::StakeBelowMinimum => "stake is below the minimum (DefaultMinStake + fee)",
            Self::ZeroAlpha => "the stake yields no alpha",
            Self::NotEnoughStake => "not enough stake to withdraw the requested amount",
            Self::InsufficientLiquidity => "the stake would buy zero shares of the pool",
            Self::TakeTooHigh => "delegate take is above the maximum",
            Self::TakeTooLow => "delegate take is below the minimum",
            Self::InvalidChildkeyTake => "childkey take is outside its bounds",
        })
    }
}

impl core::error::Error for StakingError {}

// ---------------------------------------------------------------------------------------------
// The share pool
// ---------------------------------------------------------------------------------------------

/// The stake of one hotkey on one subnet: total value `V`, per-coldkey shares and their
/// denominator `D` (spec §10.5). `K` is the caller's coldkey id; holders iterate in `K` order.
///
/// Holders whose shares reach zero are dropped, so [`SharePool::shares`] lists only holders
/// with shares (a missing holder has zero shares, as a missing storage entry does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharePool<K: Ord + Copy> {
    shared_value: u64,
    denominator: SafeFloat,
    shares: BTreeMap<K, SafeFloat>,
}

impl<K: Ord + Copy> Default for SharePool<K> {
    fn default() -> Self {
        SharePool::new()
    }
}

impl<K: Ord + Copy> SharePool<K> {
    /// An empty pool: `V = 0`, `D = 0`, no holders.
    pub fn new() -> Self {
        SharePool {
            shared_value: 0,
            denominator: SafeFloat::ZERO,
            shares: BTreeMap::new(),
        }
    }

    /// A pool as the chain stores it: `TotalHotkeyAlpha` (`shared_value`, alpha rao),
    /// `TotalHotkeySharesV2` (`denominator`) and the `AlphaV2` entries (`shares`; zero entries
    /// are dropped, a repeated key keeps its last entry). No consistency is required — the
    /// chain's storage need not satisfy `Σ sh = D` either.
    pub fn from_storage(
        shared_value: u64,
        denominator: SafeFloat,
        shares: impl IntoIterator<Item = (K, SafeFloat)>,
    ) -> Self {
        SharePool {
            shared_value,
            denominator,
            shares: shares.into_iter().filter(|(_, s)| !s.is_zero()).collect(),
        }
    }

    /// `V`, the pool's total value in alpha rao (`TotalHotkeyAlpha`).
    pub fn shared_value(&self) -> u64 {
        self.shared_value
    }

    /// `D`, the total shares (`TotalHotkeySharesV2`).
    pub fn denominator(&self) -> SafeFloat {
        self.denominator
    }

    /// `sh_c`, the shares of `key` (zero if it holds none).
    pub fn share(&self, key: K) -> SafeFloat {
        self.shares.get(&key).copied().unwrap_or(SafeFloat::ZERO)
    }

    /// Every holder with its shares, in key order.
    pub fn shares(&self) -> impl Iterator<Item = (K, SafeFloat)> + '_ {
        self.shares.iter().map(|(&k, &s)| (k, s))
    }

    /// The stake of `key` in alpha rao: `V × sh_c / D` ([`SafeFloat::mul_div`]) floored; 0 when
    /// `D = 0` (`get_value`).
    pub fn get_value(&self, key: K) -> u64 {
        SafeFloat::mul_div(
            SafeFloat::from_u64(self.shared_value),
            self.share(key),
            self.denominator,
        )
        .to_u64()
    }

    /// Every holder with its stake in alpha rao, in key order.
    pub fn values(&self) -> impl Iterator<Item = (K, u64)> + '_ {
        self.shares.keys().map(|&k| (k, self.get_value(k)))
    }

    /// `Δsh = x × D / V` ([`SafeFloat::mul_div`]): the shares `x` alpha rao buys (or a removal
    /// of `x` gives up) at the current price; zero when `V = 0` or `D = 0`.
    pub fn shares_per_update(&self, x: u64) -> SafeFloat {
        SafeFloat::mul_div(
            SafeFloat::from_u64(x),
            self.denominator,
            SafeFloat::from_u64(self.shared_value),
        )
    }

    /// `update_value_for_all(x)`: `V += x` (saturating), shares unchanged — a dividend that
    /// compounds for every holder in proportion to its shares.
    pub fn update_value_for_all(&mut self, x: u64) {
        self.shared_value = self.shared_value.saturating_add(x);
    }

    /// `update_value_for_one(key, update)`: add (`update > 0`) or remove (`update < 0`)
    /// `|update|` alpha rao for one holder, without any check (emission payouts use this).
    ///
    /// Add `x`: if `D = 0` the pool restarts with `sh_key = D = x`; otherwise `Δsh =
    /// x × D / V` (0 when `V = 0`: `x` then joins `V` without new shares) is added to `sh_key`
    /// and to `D`. Remove `x`: `Δsh` likewise, subtracted from `sh_key` and `D` (saturating at
    /// 0); when `D = 0`, `sh_key` is set to 0. Either way `V` moves by `x` (saturating).
    pub fn update_value_for_one(&mut self, key: K, update: i64) {
        let x = update.unsigned_abs();
        if update >= 0 {
            self.add_for_one(key, x);
        } else {
            self.remove_for_one(key, x);
        }
    }

    fn add_for_one(&mut self, key: K, x: u64) {
        if self.denominator.is_zero() {
            let initial = SafeFloat::from_u64(x);
            self.denominator = initial;
            self.set_share(key, initial);
        } else {
            let delta = self.shares_per_update(x);
            self.denominator = self.denominator.saturating_add(delta);
            self.set_share(key, self.share(key).saturating_add(delta));
        }
        self.update_value_for_all(x);
    }

    fn remove_for_one(&mut self, key: K, x: u64) {
        if self.denominator.is_zero() {
            // The chain converts the negative update to shares with a saturating conversion,
            // which gives 0 for both the holder and the denominator.
            self.set_share(key, SafeFloat::ZERO);
        } else {
            let delta = self.shares_per_update(x);
            self.denominator = self.denominator.saturating_sub(delta);
            self.set_share(key, self.share(key).saturating_sub(delta));
        }
        self.shared_value = self.shared_value.saturating_sub(x);
    }

    fn set_share(&mut self, key: K, share: SafeFloat) {
        if share.is_zero() {
            self.shares.remove(&key);
        } else {
            self.shares.insert(key, share);
        }
    }

    /// `sim_update_value_for_one(x)`: whether adding `x` would be accepted by `add_stake` —
    /// always when `D = 0` (the pool restarts), otherwise only if `Δsh ≠ 0`.
    ///
    /// `mul_div` of non-zero operands is never zero, so with `SafeFloat` shares the only
    /// rejections are `x = 0` and a pool with shares but no value (`V = 0 < D`).
    pub fn sim_update_value_for_one(&self, x: u64) -> bool {
        self.denominator.is_zero() || !self.shares_per_update(x).is_zero()
    }

    /// `increase_stake_for_hotkey_on_subnet(x)` = [`SharePool::update_value_for_all`]: how
    /// alpha dividends reach every holder of the hotkey.
    pub fn increase_stake_for_hotkey_on_subnet(&mut self, x: u64) {
        self.update_value_for_all(x);
    }

    /// `increase_stake_for_hotkey_and_coldkey_on_subnet(key, x)`: add `x` alpha rao for one
    /// holder ([`SharePool::update_value_for_one`]), unchecked (emission payouts, takes).
    pub fn increase_stake_for_hotkey_and_coldkey_on_subnet(&mut self, key: K, x: u64) {
        self.add_for_one(key, x);
    }

    /// The pool side of `add_stake`: stake `x` alpha rao (the swap's output) for `key`.
    ///
    /// Errors (nothing changes): [`StakingError::ZeroAlpha`] when `x = 0`;
    /// [`StakingError::InsufficientLiquidity`] when the pool has shares and `x` would buy none
    /// ([`SharePool::sim_update_value_for_one`]).
    pub fn try_increase_stake_for_hotkey_and_coldkey_on_subnet(
        &mut self,
        key: K,
        x: u64,
    ) -> Result<(), StakingError> {
        if x == 0 {
            return Err(StakingError::ZeroAlpha);
        }
        if !self.sim_update_value_for_one(x) {
            return Err(StakingError::InsufficientLiquidity);
        }
        self.add_for_one(key, x);
        Ok(())
    }

    /// `decrease_stake_for_hotkey_and_coldkey_on_subnet(key, x)`: remove `x` alpha rao from
    /// `key`'s stake. Error (nothing changes): [`StakingError::NotEnoughStake`] when the
    /// holder's value is below `x` — the chain silently does nothing in that case. Callers
    /// that, like `remove_stake`, cap the request at the holder's stake never see it.
    pub fn decrease_stake_for_hotkey_and_coldkey_on_subnet(
        &mut self,
        key: K,
        x: u64,
    ) -> Result<(), StakingError> {
        if self.get_value(key) < x {
            return Err(StakingError::NotEnoughStake);
        }
        self.remove_for_one(key, x);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Takes
// ---------------------------------------------------------------------------------------------

/// Default delegate take (`Delegates` default = `MaxDelegateTake` default), u16 proportion
/// (65535 = 100%): 11_796 ≈ 18%.
pub const DEFAULT_DELEGATE_TAKE: u16 = 11_796;
/// `MaxDelegateTake` default: 11_796 ≈ 18%.
pub const MAX_DELEGATE_TAKE: u16 = 11_796;
/// `MinDelegateTake` runtime default: 0.
pub const MIN_DELEGATE_TAKE: u16 = 0;
/// `MinDelegateTake` in the chain's test mock (what the upstream test vectors run with):
/// 5_898 ≈ 9%.
pub const MOCK_MIN_DELEGATE_TAKE: u16 = 5_898;

/// Default childkey take (`ChildkeyTake` default): 0.
pub const DEFAULT_CHILDKEY_TAKE: u16 = 0;
/// `MinChildkeyTake` default: 0.
pub const MIN_CHILDKEY_TAKE: u16 = 0;
/// `MaxChildkeyTake` default: 11_796 ≈ 18%.
pub const MAX_CHILDKEY_TAKE: u16 = 11_796;

/// The bounds a delegate (hotkey) take must lie in, u16 proportions (65535 = 100%).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DelegateTakeBounds {
    /// `MinDelegateTake` (runtime 0, mock 5_898).
    pub min: u16,
    /// `MaxDelegateTake` (11_796).
    pub max: u16,
}

impl DelegateTakeBounds {
    /// The runtime defaults: [0, 11_796].
    pub const RUNTIME: DelegateTakeBounds = DelegateTakeBounds {
        min: MIN_DELEGATE_TAKE,
        max: MAX_DELEGATE_TAKE,
    };
    /// The test mock's: [5_898, 11_796].
    pub const MOCK: DelegateTakeBounds = DelegateTakeBounds {
        min: MOCK_MIN_DELEGATE_TAKE,
        max: MAX_DELEGATE_TAKE,
    };

    /// `take` if it lies in `[min, max]`, else [`StakingError::TakeTooHigh`] /
    /// [`StakingError::TakeTooLow`].
    pub fn check(&self, take: u16) -> Result<u16, StakingError> {
        if take > self.max {
            Err(StakingError::TakeTooHigh)
        } else if take < self.min {
            Err(StakingError::TakeTooLow)
        } else {
            Ok(take)
        }
    }
}

impl Default for DelegateTakeBounds {
    fn default() -> Self {
        DelegateTakeBounds::RUNTIME
    }
}

/// Set a delegate's take to `new_take` if it lies within `bounds`; on error `take` is left
/// unchanged. (The chain also rate-limits increases, `TxDelegateTakeRateLimit` = 216_000
/// blocks; that needs block state and is not checked here.)
pub fn set_take(
    take: &mut u16,
    new_take: u16,
    bounds: &DelegateTakeBounds,
) -> Result<(), StakingError> {
    *take = bounds.check(new_take)?;
    Ok(())
}

/// The bounds a childkey take must lie in, u16 proportions (65535 = 100%):
/// `[max(MinChildkeyTake, MinChildkeyTakePerSubnet[s]), MaxChildkeyTake]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChildkeyTakeBounds {
    /// `MinChildkeyTake` (default 0).
    pub min: u16,
    /// `MinChildkeyTakePerSubnet[s]` (default 0).
    pub min_per_subnet: u16,
    /// `MaxChildkeyTake` (default 11_796).
    pub max: u16,
}

impl ChildkeyTakeBounds {
    /// The defaults: [0, 11_796] on every subnet.
    pub const DEFAULT: ChildkeyTakeBounds = ChildkeyTakeBounds {
        min: MIN_CHILDKEY_TAKE,
        min_per_subnet: 0,
        max: MAX_CHILDKEY_TAKE,
    };

    /// The effective minimum, `max(min, min_per_subnet)`.
    pub fn effective_min(&self) -> u16 {
        self.min.max(self.min_per_subnet)
    }

    /// `take` if it lies in `[effective_min, max]`, else [`StakingError::InvalidChildkeyTake`].
    pub fn check(&self, take: u16) -> Result<u16, StakingError> {
        if take < self.effective_min() || take > self.max {
            Err(StakingError::InvalidChildkeyTake)
        } else {
            Ok(take)
        }
    }

    /// The take the dividend split uses (§10.1): the stored take raised to the effective
    /// minimum (a stored take may predate a raised minimum).
    pub fn effective_take(&self, stored: u16) -> u16 {
        stored.max(self.effective_min())
    }
}

impl Default for ChildkeyTakeBounds {
    fn default() -> Self {
        ChildkeyTakeBounds::DEFAULT
    }
}

/// Set a childkey take to `new_take` if it lies within `bounds`; on error `take` is left
/// unchanged.
pub fn set_childkey_take(
    take: &mut u16,
    new_take: u16,
    bounds: &ChildkeyTakeBounds,
) -> Result<(), StakingError> {
    *take = bounds.check(new_take)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Minimum stake and small nominations
// ---------------------------------------------------------------------------------------------

/// `DefaultMinStake`: 2_000_000 rao (0.002 TAO).
pub const DEFAULT_MIN_STAKE: u64 = 2_000_000;
/// `NominatorMinRequiredStake` storage default: 0 (no nominator minimum).
pub const DEFAULT_NOMINATOR_MIN_REQUIRED_STAKE: u64 = 0;
/// `NominatorMinRequiredStake` as mainnet's migration sets it: 10_000_000 (→ 0.02 TAO).
pub const MAINNET_NOMINATOR_MIN_REQUIRED_STAKE: u64 = 10_000_000;

/// `add_stake`'s amount check: `amount` (rao) must be at least `DefaultMinStake + fee`, where
/// `fee` (rao) is the swap fee of a simulated minimum-stake buy (0 on root and stable subnets).
pub fn ensure_stake_amount(amount: u64, fee: u64) -> Result<(), StakingError> {
    if amount < DEFAULT_MIN_STAKE.saturating_add(fee) {
        Err(StakingError::StakeBelowMinimum)
    } else {
        Ok(())
    }
}

/// `get_nominator_min_required_stake`: `default_min_stake × factor / 10⁶` in integers (rao;
/// saturating product, floored quotient). Mainnet: 2_000_000 × 10_000_000 / 10⁶ = 20_000_000.
pub fn get_nominator_min_required_stake(default_min_stake: u64, factor: u64) -> u64 {
    default_min_stake.saturating_mul(factor) / 1_000_000
}

/// The alpha threshold of small-nomination clearing: `⌊min_required / spot_price⌋` computed in
/// `U64F64` with safe division (0 when the price is 0 or the quotient overflows).
/// `min_required` is in rao, `spot_price` in TAO per alpha, the result in alpha rao.
pub fn small_nomination_threshold(min_required: u64, spot_price: U64F64) -> u64 {
    U64F64::saturating_from_num(min_required)
        .safe_div(spot_price)
        .saturating_to_num::<u64>()
}

/// `clear_small_nomination_if_required`'s predicate: after a removal by a coldkey that does
/// not own the hotkey, a remaining stake `alpha` with `0 < alpha <
/// ⌊min_required / spot_price⌋` is fully unstaked. The owner's stake is never cleared.
pub fn should_clear_small_nomination(
    coldkey_owns_hotkey: bool,
    alpha: u64,
    min_required: u64,
    spot_price: U64F64,
) -> bool {
    !coldkey_owns_hotkey
        && alpha > 0
        && alpha < small_nomination_threshold(min_required, spot_price)
}
