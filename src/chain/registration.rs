//! Neuron registration economics: the burn price (its per-block decay and its bump after each
//! registration) and the choice of the neuron a registration replaces on a full subnet
//! (spec §12.2 and §12.3, subtensor `subnets/registration.rs` and `subnets/uids.rs`).
//!
//! Everything here is a pure function of plain numbers: amounts are `u64` rao (1 TAO = 10⁹ rao),
//! blocks are `u64` block numbers, uids are `u16`. The burn decay works in the chain's Q32 fixed
//! point (a `u64` whose 2³² means 1.0, see [`mul_q32`]); the bump in `U64F64`.
//!
//! Example in words: a subnet with the runtime defaults ([`BurnParams::default`]) opens at a burn
//! of 1 TAO ([`NEW_SUBNET_BURN`]). Each block the price shrinks by the factor
//! [`burn_decay_factor`]`(360)` ≈ 0.998076, so that it halves about every 360 blocks; each
//! successful registration multiplies it by 1.26; it never leaves [0.0005 TAO, 100 TAO]. When
//! the subnet is full the newcomer takes the uid [`get_neuron_to_prune`] names: the
//! lowest-emission neuron whose immunity has run out, or, when too few such neurons are left,
//! the lowest-emission immune one; the owner's protected uids are never taken.
//!
//! May depend on: `chain::fixed` (and `chain::types`).

use super::fixed::U64F64;

// ---------------------------------------------------------------------------------------------
// Burn price
// ---------------------------------------------------------------------------------------------

/// 1.0 in Q32 fixed point (2³²).
pub const Q32_ONE: u64 = 1 << 32;

/// 0.5 in Q32 fixed point (2³¹): the value `f^half_life` must not exceed.
pub const Q32_HALF: u64 = 1 << 31;

/// `DefaultNeuronBurnCost`: the burn a new subnet starts at (`init_new_network`), in rao.
/// 1 TAO = 1_000_000_000 rao.
pub const NEW_SUBNET_BURN: u64 = 1_000_000_000;

/// `BurnIncreaseMult` runtime default 1.26 as `U64F64` bits.
///
/// The chain writes `U64F64::from_num(1.26)`, one of the few places it converts from a float:
/// the f64 nearest 1.26 (1.2600000000000000088817841970012523…) has 52 fractional bits, so it
/// converts to U64F64 (64 fractional bits) exactly. These are its bits, so that no float runs
/// in the chain; the conformance tests check them against `from_num(1.26)`.
pub const DEFAULT_BURN_INCREASE_MULT_BITS: u128 = 0x1_428F_5C28_F5C2_9000;

/// `a × b` in Q32 (1.0 = 2³²): the exact 128-bit product shifted right by 32 (floor), clamped
/// to `u64::MAX`. Used both for Q32 × Q32 and for an amount (rao) × a Q32 factor.
#[inline]
pub fn mul_q32(a: u64, b: u64) -> u64 {
    let product = (u128::from(a) * u128::from(b)) >> 32;
    u64::try_from(product).unwrap_or(u64::MAX)
}

/// `base^exp` in Q32 (1.0 = 2³²) by exponentiation by squaring (right to left over the bits of
/// `exp`), flooring with [`mul_q32`] at every step. `exp = 0` gives 1.0 (2³²).
pub fn pow_q32(base: u64, exp: u64) -> u64 {
    let mut result = Q32_ONE;
    let mut square = base;
    let mut rest = exp;
    while rest > 0 {
        if rest & 1 == 1 {
            result = mul_q32(result, square);
        }
        rest >>= 1;
        if rest > 0 {
            square = mul_q32(square, square);
        }
    }
    result
}

/// The per-block burn decay factor in Q32 (1.0 = 2³²): the largest `f` in `[0, 2³²)` with
/// `pow_q32(f, half_life) ≤ 2³¹` (`f^half_life ≤ 0.5`). `half_life` is in blocks.
///
/// Binary search as spec §12.2 states it: `lo = 0`, `hi = 2³²`, `mid = lo + (hi − lo)/2`,
/// `pow_q32(mid, half_life) > 2³¹ ⇒ hi = mid` else `lo = mid`, result `lo`. The spec does not
/// write the loop condition; we read it as `while lo + 1 < hi` (`hi − lo > 1`), the only
/// condition under which this update rule terminates (`lo = mid` makes no progress once
/// `hi = lo + 1`). The invariant `pow(lo) ≤ 2³¹ < pow(hi)` holds from the start (`pow(0) = 0`,
/// `pow(2³²) = 2³²`) and `pow_q32` is non-decreasing in its base, so the result is exactly the
/// largest such `f`: H = 1 → 2_147_483_648, H = 360 → 4_286_705_684.
///
/// `half_life` is taken as `u64` so any storage width converts losslessly. For `half_life = 0`
/// no `f` qualifies (`f⁰ = 1`) and the search returns 0; [`decay_burn`] never applies a factor
/// then, because a half-life of 0 disables the decay.
pub fn burn_decay_factor(half_life: u64) -> u64 {
    let mut lo: u64 = 0;
    let mut hi: u64 = Q32_ONE;
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        if pow_q32(mid, half_life) > Q32_HALF {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    lo
}

/// Clamps `burn` (rao) to `[min_burn, max_burn]`.
///
/// Where `min_burn > max_burn` (the chain's admin bounds should prevent it; the spec does not
/// say) `max_burn` wins, and nothing panics.
#[inline]
pub fn clamp_burn(burn: u64, min_burn: u64, max_burn: u64) -> u64 {
    burn.max(min_burn).min(max_burn)
}

/// The burn price (rao) after the per-block update of block `block`
/// (`update_registration_prices_for_networks`): if `half_life > 0` (blocks) and `block > 1`,
/// `burn ← mul_q32(burn, burn_decay_factor(half_life))`; then, always, clamp to
/// `[min_burn, max_burn]` (rao).
pub fn decay_burn(burn: u64, half_life: u64, block: u64, min_burn: u64, max_burn: u64) -> u64 {
    let factor = || burn_decay_factor(half_life);
    decay_burn_with(burn, half_life, block, min_burn, max_burn, factor)
}

/// [`decay_burn`] with the factor supplied lazily (only asked for when the burn decays).
fn decay_burn_with(
    burn: u64,
    half_life: u64,
    block: u64,
    min_burn: u64,
    max_burn: u64,
    factor: impl FnOnce() -> u64,
) -> u64 {
    let decayed = if half_life > 0 && block > 1 {
        mul_q32(burn, factor())
    } else {
        burn
    };
    clamp_burn(decayed, min_burn, max_burn)
}

/// Decay factors already found this block, by half-life: the bisection runs once per distinct
/// half-life rather than once per subnet (the block loop decays every subnet every block).
#[derive(Clone, Debug, Default)]
pub struct BurnDecayFactors(Vec<(u64, u64)>);

impl BurnDecayFactors {
    /// [`BurnParams::decay`], reusing the factor of an already seen half-life.
    pub fn decay(&mut self, params: &BurnParams, burn: u64, block: u64) -> u64 {
        let h = params.half_life;
        let factor = || match self.0.iter().find(|(half_life, _)| *half_life == h) {
            Some((_, f)) => *f,
            None => {
                let f = burn_decay_factor(h);
                self.0.push((h, f));
                f
            }
        };
        decay_burn_with(burn, h, block, params.min_burn, params.max_burn, factor)
    }
}

/// The burn price (rao) after one successful registration (not on root):
/// `floor(burn × max(increase_mult, 1))` in `U64F64` (saturating), clamped to
/// `[min_burn, max_burn]` (rao).
pub fn bump_burn(burn: u64, increase_mult: U64F64, min_burn: u64, max_burn: u64) -> u64 {
    let mult = increase_mult.max(U64F64::from_num(1));
    let bumped = U64F64::from_num(burn).saturating_mul(mult);
    clamp_burn(bumped.saturating_to_num::<u64>(), min_burn, max_burn)
}

/// A subnet's burn-price hyperparameters. `Default` = subtensor HEAD runtime defaults (spec §13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BurnParams {
    /// `BurnHalfLife`, in blocks: the burn halves about every `half_life` blocks; 0 disables
    /// the decay. Default 360.
    pub half_life: u64,
    /// `BurnIncreaseMult`: factor applied after each registration (values below 1 act as 1).
    /// Default `U64F64::from_num(1.26)` (see [`DEFAULT_BURN_INCREASE_MULT_BITS`]).
    pub increase_mult: U64F64,
    /// `MinBurn`, rao. Default 500_000 (0.0005 TAO).
    pub min_burn: u64,
    /// `MaxBurn`, rao. Default 100_000_000_000 (100 TAO).
    pub max_burn: u64,
}

impl Default for BurnParams {
    fn default() -> Self {
        Self {
            half_life: 360,
            increase_mult: U64F64::from_bits(DEFAULT_BURN_INCREASE_MULT_BITS),
            min_burn: 500_000,
            max_burn: 100_000_000_000,
        }
    }
}

impl BurnParams {
    /// [`burn_decay_factor`] of `half_life`, Q32 (1.0 = 2³²).
    pub fn decay_factor(&self) -> u64 {
        burn_decay_factor(self.half_life)
    }

    /// [`decay_burn`] with these parameters: the burn (rao) after the update of block `block`.
    pub fn decay(&self, burn: u64, block: u64) -> u64 {
        decay_burn(burn, self.half_life, block, self.min_burn, self.max_burn)
    }

    /// [`bump_burn`] with these parameters: the burn (rao) after one registration.
    pub fn bump(&self, burn: u64) -> u64 {
        bump_burn(burn, self.increase_mult, self.min_burn, self.max_burn)
    }
}

// ---------------------------------------------------------------------------------------------
// Pruning
// ---------------------------------------------------------------------------------------------

/// What pruning reads of one registered neuron.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NeuronStanding {
    /// `Emission[uid]`: the neuron's combined emission of the last epoch (spec §8.10), alpha rao.
    pub emission: u64,
    /// `BlockAtRegistration[uid]`: the block number the neuron registered at.
    pub registered_at: u64,
}

/// Everything `get_neuron_to_prune` reads of one subnet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PruneInput<'a> {
    /// The registered neurons; index = uid, length = the subnet's neuron count `n`.
    pub neurons: &'a [NeuronStanding],
    /// The current block number.
    pub current_block: u64,
    /// `ImmunityPeriod`, blocks. Runtime default 4096; `init_new_network` sets 5000.
    pub immunity_period: u16,
    /// `MinNonImmuneUids`: how many non-immune candidates must stay. Default 10.
    pub min_non_immune_uids: u16,
    /// `ImmuneOwnerUidsLimit`: how many owner uids are never pruned. Default 1 (bounds 1..10).
    pub immune_owner_uids_limit: u16,
    /// Uids on this subnet of the hotkeys the subnet owner's coldkey owns (`OwnedHotkeys` of
    /// `SubnetOwner`), in any order. Their registration blocks are read from `neurons`; uids
    /// out of range are ignored (the chain skips owned hotkeys without a uid).
    pub owner_coldkey_uids: &'a [u16],
    /// Uid of `SubnetOwnerHotkey`, if that hotkey is registered on this subnet.
    pub owner_hotkey_uid: Option<u16>,
}

impl PruneInput<'_> {
    fn standing(&self, uid: u16) -> Option<NeuronStanding> {
        self.neurons.get(usize::from(uid)).copied()
    }
}

/// Whether a neuron registered at block `registered_at` is still immune at `current_block`:
/// `current_block − registered_at < immunity_period` (blocks; saturating subtraction, so a
/// registration "in the future" counts as age 0).
#[inline]
pub fn is_immune(current_block: u64, registered_at: u64, immunity_period: u16) -> bool {
    current_block.saturating_sub(registered_at) < u64::from(immunity_period)
}

/// The owner-immortal uids (`get_immune_owner_hotkeys`), highest priority first: never pruned.
///
/// Spec §12.3: the owner coldkey's uids sorted by (BlockAtRegistration asc, uid asc), truncated
/// to `ImmuneOwnerUidsLimit`, "plus `SubnetOwnerHotkey` inserted first (then truncated again)".
/// Our reading of that sentence: "plus" is a set union, so the owner hotkey's uid is inserted
/// at the front only when it is registered and not already in the list (no duplicate that
/// would push another uid out); after the insertion the list is truncated to the limit again,
/// which drops the last (latest-registered) owner-coldkey uid when the list overflows. The
/// owner hotkey therefore outranks the coldkey's other hotkeys, and a limit of 0 protects no
/// one, not even the owner hotkey.
pub fn immune_owner_uids(input: &PruneInput<'_>) -> Vec<u16> {
    let limit = usize::from(input.immune_owner_uids_limit);
    let mut owned: Vec<(u64, u16)> = input
        .owner_coldkey_uids
        .iter()
        .filter_map(|&uid| input.standing(uid).map(|s| (s.registered_at, uid)))
        .collect();
    owned.sort_unstable();
    owned.dedup();
    owned.truncate(limit);
    let mut immortal: Vec<u16> = owned.into_iter().map(|(_, uid)| uid).collect();
    if let Some(owner) = input.owner_hotkey_uid
        && input.standing(owner).is_some()
        && !immortal.contains(&owner)
    {
        immortal.insert(0, owner);
        immortal.truncate(limit);
    }
    immortal
}

/// The uid a registration on a full subnet replaces (`get_neuron_to_prune`), or `None` when
/// every neuron is protected.
///
/// Owner-immortal uids ([`immune_owner_uids`]) are not candidates. The others split into
/// immune ([`is_immune`]) and non-immune; in each group the best is the minimum by
/// (emission asc, registration block asc, uid asc). With `free_count` = the number of non-immune
/// candidates: if `free_count > MinNonImmuneUids` the best non-immune is pruned, else the best
/// immune if there is one, else `None` (even when some non-immune candidates exist).
pub fn get_neuron_to_prune(input: &PruneInput<'_>) -> Option<u16> {
    let immortal = immune_owner_uids(input);
    let mut best_free: Option<(u64, u64, u16)> = None;
    let mut best_immune: Option<(u64, u64, u16)> = None;
    let mut free_count: u64 = 0;
    for (uid, standing) in (0..=u16::MAX).zip(input.neurons) {
        if immortal.contains(&uid) {
            continue;
        }
        let key = (standing.emission, standing.registered_at, uid);
        let immune = is_immune(
            input.current_block,
            standing.registered_at,
            input.immunity_period,
        );
        let best = if immune {
            &mut best_immune
        } else {
            free_count += 1;
            &mut best_free
        };
        if best.is_none_or(|b| key < b) {
            *best = Some(key);
        }
    }
    let chosen = if free_count > u64::from(input.min_non_immune_uids) {
        best_free
    } else {
        best_immune
    };
    chosen.map(|(_, _, uid)| uid)
}

// ---------------------------------------------------------------------------------------------
// Where a registration lands
// ---------------------------------------------------------------------------------------------

/// Where a new neuron goes (`register_neuron`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistrationSlot {
    /// The subnet has room: the neuron is appended as this new uid (= the old neuron count).
    Append(u16),
    /// The subnet is full: the neuron replaces the one at this uid ([`get_neuron_to_prune`]).
    Replace(u16),
}

/// Why the chain would reject a registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistrationError {
    /// The subnet is full (`n ≥ MaxAllowedUids`) and [`get_neuron_to_prune`] found no neuron to
    /// replace: every one is owner-immortal, or immune with too few non-immune left.
    NoNeuronToPrune,
}

impl core::fmt::Display for RegistrationError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NoNeuronToPrune => f.write_str(
                "subnet is full and no neuron can be pruned (all are immune or owner-protected)",
            ),
        }
    }
}

impl core::error::Error for RegistrationError {}

/// The slot of the next registration: append while the neuron count `n` (= `input.neurons`
/// length) is below `max_allowed_uids` (`MaxAllowedUids`, default 256), else replace the uid
/// [`get_neuron_to_prune`] names, or fail with [`RegistrationError::NoNeuronToPrune`].
pub fn registration_slot(
    max_allowed_uids: u16,
    input: &PruneInput<'_>,
) -> Result<RegistrationSlot, RegistrationError> {
    match u16::try_from(input.neurons.len()) {
        Ok(n) if n < max_allowed_uids => Ok(RegistrationSlot::Append(n)),
        _ => get_neuron_to_prune(input)
            .map(RegistrationSlot::Replace)
            .ok_or(RegistrationError::NoNeuronToPrune),
    }
}
