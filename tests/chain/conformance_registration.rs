//! Conformance of the registration economics with subtensor (commit 14bc6f9f): the Q32 burn
//! decay factor, the per-block decay, the bump after a registration, the min/max clamps, and
//! the choice of the neuron a registration replaces (`get_neuron_to_prune`).
//!
//! Upstream numbers are compared exactly. Tests marked "spec check" are not upstream vectors:
//! they pin down a rule of spec §12.2/§12.3 with hand-built cases.

use proptest::prelude::*;
use substrate_fixed::types::U64F64;
use taosim::chain::registration::{
    BurnParams, DEFAULT_BURN_INCREASE_MULT_BITS, NEW_SUBNET_BURN, NeuronStanding, PruneInput,
    Q32_HALF, Q32_ONE, RegistrationError, RegistrationSlot, bump_burn, burn_decay_factor,
    decay_burn, get_neuron_to_prune, immune_owner_uids, is_immune, mul_q32, pow_q32,
    registration_slot,
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Burn parameters as an upstream test sets them (`BurnHalfLife`, `BurnIncreaseMult` as an
/// integer, `MinBurn`, `MaxBurn`).
fn params(half_life: u64, mult: u64, min_burn: u64, max_burn: u64) -> BurnParams {
    BurnParams {
        half_life,
        increase_mult: U64F64::from_num(mult),
        min_burn,
        max_burn,
    }
}

/// The burn after the update of each block in `blocks`, in order.
fn decay_over(p: &BurnParams, mut burn: u64, blocks: impl IntoIterator<Item = u64>) -> Vec<u64> {
    blocks
        .into_iter()
        .map(|block| {
            burn = p.decay(burn, block);
            burn
        })
        .collect()
}

fn neurons(rows: &[(u64, u64)]) -> Vec<NeuronStanding> {
    rows.iter()
        .map(|&(emission, registered_at)| NeuronStanding {
            emission,
            registered_at,
        })
        .collect()
}

/// A prune input with no owner uids and the given floor / period.
fn prune_input(
    neurons: &[NeuronStanding],
    current_block: u64,
    immunity_period: u16,
    min_non_immune_uids: u16,
) -> PruneInput<'_> {
    PruneInput {
        neurons,
        current_block,
        immunity_period,
        min_non_immune_uids,
        immune_owner_uids_limit: 1,
        owner_coldkey_uids: &[],
        owner_hotkey_uid: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Burn price: Q32 arithmetic and the decay factor
// ---------------------------------------------------------------------------------------------

/// Source: subtensor pallets/subtensor/src/tests/registration.rs (burn-decay tests); the factors
/// are [derived] with the spec §12.2 binary search and reproduce those tests' assertions.
#[test]
fn q32_decay_factors_match_the_derived_vectors() {
    assert_eq!(burn_decay_factor(1), 2_147_483_648);
    assert_eq!(burn_decay_factor(2), 3_037_000_500);
    assert_eq!(burn_decay_factor(360), 4_286_705_684);
    assert_eq!(burn_decay_factor(1000), 4_291_991_283);
    assert_eq!(BurnParams::default().decay_factor(), 4_286_705_684);
}

/// Spec check (§12.2): Q32 multiply floors and clamps; powers by squaring; 0⁰ = 1.
#[test]
fn q32_multiply_and_power_floor_at_every_step() {
    assert_eq!(mul_q32(Q32_ONE, 12_345), 12_345);
    assert_eq!(mul_q32(3, Q32_HALF), 1);
    assert_eq!(mul_q32(u64::MAX, u64::MAX), u64::MAX);
    assert_eq!(pow_q32(0, 0), Q32_ONE);
    assert_eq!(pow_q32(Q32_HALF, 1), Q32_HALF);
    assert_eq!(pow_q32(Q32_HALF, 3), Q32_ONE / 8);
    assert_eq!(pow_q32(Q32_ONE, 1_000_000), Q32_ONE);
    // 3037000500² / 2³² = 2147483648.4 → floor 2³¹.
    assert_eq!(pow_q32(3_037_000_500, 2), Q32_HALF);
    assert!(pow_q32(3_037_000_501, 2) > Q32_HALF);
    // A half-life of 0 admits no factor: the search returns 0 (decay_burn never uses it).
    assert_eq!(burn_decay_factor(0), 0);
}

/// Spec check (§12.2, §13): `BurnIncreaseMult` default is `U64F64::from_num(1.26)` (the f64
/// value of 1.26, converted exactly), and the other HEAD runtime defaults.
#[test]
fn default_burn_params_are_the_runtime_defaults() {
    let p = BurnParams::default();
    assert_eq!(p.increase_mult, U64F64::from_num(1.26_f64));
    assert_eq!(p.increase_mult.to_bits(), DEFAULT_BURN_INCREASE_MULT_BITS);
    assert_eq!(p.increase_mult.to_num::<f64>(), 1.26_f64);
    assert_eq!(p.half_life, 360);
    assert_eq!(p.min_burn, 500_000);
    assert_eq!(p.max_burn, 100_000_000_000);
    assert_eq!(NEW_SUBNET_BURN, 1_000_000_000);
    // 1 TAO × 1.26 floors to 1.26 TAO exactly (the f64 excess is below one rao).
    assert_eq!(p.bump(NEW_SUBNET_BURN), 1_260_000_000);
    // One block of default decay from 1 TAO: floor(10⁹ × 4286705684 / 2³²).
    assert_eq!(p.decay(NEW_SUBNET_BURN, 2), 998_076_443);
}

// ---------------------------------------------------------------------------------------------
// Burn price: upstream trajectories
// ---------------------------------------------------------------------------------------------

/// Source: subtensor pallets/subtensor/src/tests/registration.rs::test_burn_halves_every_half_life
#[test]
fn test_burn_halves_every_half_life() {
    let p = params(2, 1, 0, u64::MAX);
    assert_eq!(decay_over(&p, 1024, 2..=5), vec![724, 511, 361, 255]);
}

/// Source: subtensor pallets/subtensor/src/tests/registration.rs::test_burn_decay
/// (MinBurn 0 / MaxBurn u64::MAX here: the test's bounds do not bind on these values).
#[test]
fn test_burn_decay() {
    let p = params(1000, 2, 0, u64::MAX);
    let burn = p.bump(1000);
    assert_eq!(burn, 2000, "a registration doubles the burn at once");
    assert_eq!(p.decay(burn, 2), 1998, "next block");
}

/// Source: subtensor pallets/subtensor/src/tests/registration.rs::test_burn_min_and_max_clamps_prevent_zero_stuck_and_cap_bump
#[test]
fn test_burn_min_and_max_clamps_prevent_zero_stuck_and_cap_bump() {
    let p = params(1, 2, 100_000, 150_000);
    let burn = p.decay(1, 2);
    assert_eq!(burn, 100_000, "min clamp of 0");
    let burn = p.bump(burn);
    assert_eq!(burn, 150_000, "max clamp of 200_000");
    let burn = p.decay(burn, 3);
    assert_eq!(burn, 100_000, "min clamp of 75_000");
    assert_eq!(decay_over(&p, burn, 4..=10), vec![100_000; 7], "stays");
}

/// Spec check (§12.2): no decay at blocks 0 and 1 or with a half-life of 0 — but the clamp
/// always applies; a multiplier below 1 acts as 1.
#[test]
fn decay_skips_early_blocks_and_zero_half_life_but_always_clamps() {
    assert_eq!(decay_burn(1024, 2, 0, 0, u64::MAX), 1024);
    assert_eq!(decay_burn(1024, 2, 1, 0, u64::MAX), 1024);
    assert_eq!(decay_burn(1024, 2, 2, 0, u64::MAX), 724);
    assert_eq!(decay_burn(1024, 0, 99, 0, u64::MAX), 1024);
    assert_eq!(decay_burn(1024, 0, 99, 2000, u64::MAX), 2000);
    assert_eq!(decay_burn(1024, 2, 1, 0, 1000), 1000);
    assert_eq!(bump_burn(1024, U64F64::from_num(0.5), 0, u64::MAX), 1024);
    assert_eq!(
        bump_burn(u64::MAX, U64F64::from_num(2), 0, u64::MAX),
        u64::MAX
    );
}

// ---------------------------------------------------------------------------------------------
// Pruning
// ---------------------------------------------------------------------------------------------

/// Source: subtensor pallets/subtensor/src/tests/registration.rs (pruning of two immune
/// neurons; the test's name is not recorded with the vector).
#[test]
fn pruning_two_immune_neurons_takes_the_lower_emission() {
    let n = neurons(&[(100, 1), (110, 1)]);
    let input = PruneInput {
        immune_owner_uids_limit: 0,
        ..prune_input(&n, 2, 5000, 0)
    };
    assert_eq!(get_neuron_to_prune(&input), Some(0));
}

/// Spec check (§12.3): with `ImmuneOwnerUidsLimit` 0 even the owner hotkey can be pruned.
#[test]
fn owner_limit_zero_protects_no_one() {
    let n = neurons(&[(100, 1), (110, 1)]);
    let input = PruneInput {
        immune_owner_uids_limit: 0,
        owner_coldkey_uids: &[0, 1],
        owner_hotkey_uid: Some(0),
        ..prune_input(&n, 2, 5000, 0)
    };
    assert!(immune_owner_uids(&input).is_empty());
    assert_eq!(get_neuron_to_prune(&input), Some(0));
}

/// Spec check (§12.3): the best non-immune neuron is pruned only while more than
/// `MinNonImmuneUids` non-immune candidates exist; otherwise the best immune one.
#[test]
fn non_immune_preferred_only_above_the_floor() {
    // uid 0 immune (age 1), uids 1 and 2 non-immune (age ≥ 10).
    let n = neurons(&[(0, 99), (50, 10), (40, 20)]);
    let above = prune_input(&n, 100, 10, 1);
    assert_eq!(get_neuron_to_prune(&above), Some(2));
    let at_floor = prune_input(&n, 100, 10, 2);
    assert_eq!(get_neuron_to_prune(&at_floor), Some(0));
}

/// Spec check (§12.3): at or below the floor and nobody immune ⇒ None, even though
/// non-immune neurons exist; the registration is then rejected.
#[test]
fn none_when_floor_not_exceeded_and_nobody_immune() {
    let n = neurons(&[(5, 0), (6, 0)]);
    let input = prune_input(&n, 100, 10, 2);
    assert_eq!(get_neuron_to_prune(&input), None);
    assert_eq!(
        registration_slot(2, &input),
        Err(RegistrationError::NoNeuronToPrune)
    );
    assert_eq!(
        registration_slot(3, &input),
        Ok(RegistrationSlot::Append(2))
    );
}

/// Spec check (§12.3): ties in emission go to the earliest registration, then the lowest uid.
#[test]
fn ties_broken_by_registration_block_then_uid() {
    let n = neurons(&[(7, 30), (7, 20), (7, 20), (8, 0)]);
    let input = prune_input(&n, 1000, 10, 0);
    assert_eq!(get_neuron_to_prune(&input), Some(1));
    let immune = prune_input(&n, 35, 100, 0);
    assert_eq!(
        get_neuron_to_prune(&immune),
        Some(1),
        "same order among immune"
    );
}

/// Spec check (§12.3): immunity is `current − registered < period`, saturating.
#[test]
fn immunity_boundary_and_saturation() {
    assert!(is_immune(109, 100, 10));
    assert!(!is_immune(110, 100, 10));
    assert!(
        is_immune(5, 100, 10),
        "registration after the current block: age 0"
    );
    assert!(!is_immune(5, 100, 0), "period 0: nobody is immune");
}

/// Spec check (§12.3): the owner hotkey and the earliest owner-coldkey uids (up to the limit)
/// are never pruned, however low their emission.
#[test]
fn owner_immortal_uids_are_never_pruned() {
    // Owner coldkey holds uids 0, 1, 2 (registered at 5, 3, 3); owner hotkey is uid 2.
    let n = neurons(&[(0, 5), (0, 3), (0, 3), (9, 0), (8, 0)]);
    let base = PruneInput {
        owner_coldkey_uids: &[0, 1, 2],
        owner_hotkey_uid: Some(2),
        ..prune_input(&n, 1000, 10, 0)
    };
    // Limit 1: only the owner hotkey (inserted first, then truncated).
    assert_eq!(immune_owner_uids(&base), vec![2]);
    assert_eq!(get_neuron_to_prune(&base), Some(1));
    // Limit 2: sorted (block, uid) = [1, 2, 0] → [1, 2]; the hotkey is already present.
    let two = PruneInput {
        immune_owner_uids_limit: 2,
        ..base
    };
    assert_eq!(immune_owner_uids(&two), vec![1, 2]);
    assert_eq!(get_neuron_to_prune(&two), Some(0));
    // Owner hotkey (uid 4) not among the coldkey's uids [0, 1]: it goes first, and the
    // truncation to 2 pushes the later-registered coldkey uid 0 out of protection.
    let n = neurons(&[(0, 5), (0, 3), (9, 0), (9, 0), (8, 0)]);
    let foreign = PruneInput {
        neurons: &n,
        owner_coldkey_uids: &[0, 1],
        owner_hotkey_uid: Some(4),
        immune_owner_uids_limit: 2,
        ..base
    };
    assert_eq!(immune_owner_uids(&foreign), vec![4, 1]);
    assert_eq!(get_neuron_to_prune(&foreign), Some(0));
}

/// Spec check (§12.3): None when every neuron is owner-immortal.
#[test]
fn none_when_every_candidate_is_protected() {
    let n = neurons(&[(1, 0), (2, 0)]);
    let input = PruneInput {
        immune_owner_uids_limit: 2,
        owner_coldkey_uids: &[0, 1],
        ..prune_input(&n, 1000, 10, 0)
    };
    assert_eq!(get_neuron_to_prune(&input), None);
    assert_eq!(
        registration_slot(2, &input),
        Err(RegistrationError::NoNeuronToPrune)
    );
    assert!(
        RegistrationError::NoNeuronToPrune
            .to_string()
            .contains("no neuron can be pruned")
    );
    let empty = prune_input(&[], 0, 10, 0);
    assert_eq!(get_neuron_to_prune(&empty), None);
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// An owned prune input, as the property test generates it.
#[derive(Clone, Debug)]
struct PruneCase {
    neurons: Vec<NeuronStanding>,
    current_block: u64,
    immunity_period: u16,
    min_non_immune_uids: u16,
    limit: u16,
    owned: Vec<u16>,
    owner_hotkey: Option<u16>,
}

impl PruneCase {
    fn input(&self) -> PruneInput<'_> {
        PruneInput {
            neurons: &self.neurons,
            current_block: self.current_block,
            immunity_period: self.immunity_period,
            min_non_immune_uids: self.min_non_immune_uids,
            immune_owner_uids_limit: self.limit,
            owner_coldkey_uids: &self.owned,
            owner_hotkey_uid: self.owner_hotkey,
        }
    }
}

/// Random prune inputs: up to 23 neurons with small emissions/blocks (to force ties); owner
/// uids may fall out of range (unregistered hotkeys).
fn prune_case() -> impl Strategy<Value = PruneCase> {
    (1usize..24).prop_flat_map(|n| {
        let uid = 0..n as u16 + 2;
        (
            prop::collection::vec((0u64..6, 0u64..40), n),
            (0u64..60, 0u16..30, 0u16..6, 0u16..4),
            prop::collection::vec(uid.clone(), 0..5),
            prop::option::of(uid),
        )
            .prop_map(
                |(rows, (block, period, floor, limit), owned, owner_hotkey)| PruneCase {
                    neurons: neurons(&rows),
                    current_block: block,
                    immunity_period: period,
                    min_non_immune_uids: floor,
                    limit,
                    owned,
                    owner_hotkey,
                },
            )
    })
}

/// Independent check of a prune result: not owner-immortal (checked through the owner hotkey
/// directly), in the group the floor rule selects, and the minimum of that group.
fn check_prune(input: &PruneInput<'_>, pruned: Option<u16>) -> Result<(), TestCaseError> {
    let immortal = immune_owner_uids(input);
    prop_assert!(immortal.len() <= usize::from(input.immune_owner_uids_limit));
    if input.immune_owner_uids_limit > 0 && input.owner_hotkey_uid.is_some() {
        let owner = input
            .owner_hotkey_uid
            .filter(|&u| usize::from(u) < input.neurons.len());
        prop_assert!(owner.is_none() || pruned != owner, "owner hotkey pruned");
    }
    let key = |uid: u16| {
        let s = input.neurons[usize::from(uid)];
        (s.emission, s.registered_at, uid)
    };
    let immune = |uid: u16| {
        let s = input.neurons[usize::from(uid)];
        is_immune(input.current_block, s.registered_at, input.immunity_period)
    };
    let candidates: Vec<u16> = (0..input.neurons.len() as u16)
        .filter(|u| !immortal.contains(u))
        .collect();
    let free = candidates.iter().filter(|&&u| !immune(u)).count();
    let want_immune = free <= usize::from(input.min_non_immune_uids);
    let group: Vec<u16> = candidates
        .into_iter()
        .filter(|&u| immune(u) == want_immune)
        .collect();
    let best = group.iter().copied().min_by_key(|&u| key(u));
    prop_assert_eq!(pruned, best);
    if let Some(uid) = pruned {
        prop_assert!(!immortal.contains(&uid));
        prop_assert!(group.iter().all(|&u| key(uid) <= key(u)));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Spec check (§12.2): the decay factor is the largest Q32 f with f^H ≤ 0.5.
    #[test]
    fn decay_factor_is_the_largest_q32_half_root(half_life in 1u64..=100_000) {
        let f = burn_decay_factor(half_life);
        prop_assert!(pow_q32(f, half_life) <= Q32_HALF);
        prop_assert!(pow_q32(f + 1, half_life) > Q32_HALF);
        prop_assert!(f < Q32_ONE);
    }

    /// Spec check (§12.2): a block's decay never raises an in-range burn and always lands in
    /// [min, max]; for any burn the result is at most the clamped burn.
    #[test]
    fn decay_never_increases_and_stays_in_bounds(
        bounds in (any::<u64>(), any::<u64>()),
        burn in any::<u64>(),
        half_life in 0u64..5_000,
        block in 0u64..10,
    ) {
        let (min_burn, max_burn) = (bounds.0.min(bounds.1), bounds.0.max(bounds.1));
        let in_range = burn.clamp(min_burn, max_burn);
        let after = decay_burn(in_range, half_life, block, min_burn, max_burn);
        prop_assert!(after <= in_range);
        prop_assert!((min_burn..=max_burn).contains(&after));
        let any_after = decay_burn(burn, half_life, block, min_burn, max_burn);
        prop_assert!(any_after <= in_range);
        prop_assert!((min_burn..=max_burn).contains(&any_after));
    }

    /// Spec check (§12.2): a registration never lowers an in-range burn and stays in bounds.
    #[test]
    fn bump_never_decreases_and_stays_in_bounds(
        bounds in (any::<u64>(), any::<u64>()),
        burn in any::<u64>(),
        mult_bits in 0u128..(4u128 << 64),
    ) {
        let (min_burn, max_burn) = (bounds.0.min(bounds.1), bounds.0.max(bounds.1));
        let in_range = burn.clamp(min_burn, max_burn);
        let after = bump_burn(in_range, U64F64::from_bits(mult_bits), min_burn, max_burn);
        prop_assert!(after >= in_range);
        prop_assert!((min_burn..=max_burn).contains(&after));
    }

    /// Spec check (§12.3): the pruned uid is never owner-immortal and is the minimum by
    /// (emission, registration block, uid) of the group the floor rule selects.
    #[test]
    fn prune_picks_the_minimum_of_the_chosen_group(case in prune_case()) {
        let input = case.input();
        check_prune(&input, get_neuron_to_prune(&input))?;
    }
}
