//! When a subnet's epoch runs, and the draining of its pending emission (spec §7.1, §7.2 and
//! the legacy rule of §15.1; subtensor `run_coinbase.rs`: `should_run_epoch`, `drain_pending`,
//! and `coinbase/tempo_control.rs`).
//!
//! HEAD ("dynamic tempo"): an epoch every `tempo` blocks after `LastEpochBlock`, or at an owner-
//! triggered `PendingEpochAt`, or when a subnet has gone more than [`MAX_TEMPO`] blocks without
//! one. At most `MaxEpochsPerBlock` epochs run per block; the rest are deferred to the next
//! block and keep accumulating pending emission. Legacy (before 2026-05-06): an epoch when
//! `blocks_until_next_epoch` is 0, i.e. `(block + netuid + 1) mod (tempo + 1) = tempo`, every
//! `tempo + 1` blocks.
//!
//! May depend on: nothing in the chain but its plain numbers.

/// `MAX_TEMPO`: a subnet whose `BlocksSinceLastStep` exceeds this runs an epoch regardless.
pub const MAX_TEMPO: u64 = 50_400;

/// Which epoch scheduler the chain runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SchedulerRegime {
    /// Period `tempo`, `LastEpochBlock`-based (HEAD, since ~2026-05).
    #[default]
    DynamicTempo,
    /// Period `tempo + 1`, block-and-netuid based (before the dynamic-tempo upgrade).
    Legacy,
}

/// The four pending emission buckets of a subnet (alpha rao).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PendingBuckets {
    /// `PendingServerEmission`.
    pub server: u64,
    /// `PendingValidatorEmission`.
    pub validator: u64,
    /// `PendingRootAlphaDivs`.
    pub root: u64,
    /// `PendingOwnerCut`.
    pub owner_cut: u64,
}

/// A subnet's epoch clock and pending buckets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SubnetClock {
    /// The subnet's netuid (the legacy rule depends on it).
    pub netuid: u16,
    /// `Tempo`; 0 means never.
    pub tempo: u16,
    /// `LastEpochBlock`.
    pub last_epoch_block: u64,
    /// `PendingEpochAt` (0 = none): an owner-triggered or deferred epoch.
    pub pending_epoch_at: u64,
    /// `BlocksSinceLastStep`.
    pub blocks_since_last_step: u64,
    /// `SubnetEpochIndex`.
    pub epoch_index: u64,
    /// `LastMechansimStepBlock` (sic): written by the distribution after a drained epoch.
    pub last_mechanism_step_block: u64,
    /// The pending buckets.
    pub pending: PendingBuckets,
}

/// `should_run_epoch(s, block)`.
pub fn should_run_epoch(clock: &SubnetClock, block: u64, regime: SchedulerRegime) -> bool {
    if clock.tempo == 0 {
        return false;
    }
    match regime {
        SchedulerRegime::Legacy => {
            legacy_blocks_until_next_epoch(clock.netuid, clock.tempo, block) == 0
        }
        SchedulerRegime::DynamicTempo => {
            (clock.pending_epoch_at > 0 && block >= clock.pending_epoch_at)
                || clock.blocks_since_last_step > MAX_TEMPO
                || block.saturating_sub(clock.last_epoch_block) >= u64::from(clock.tempo)
        }
    }
}

/// `blocks_until_next_auto_epoch` (HEAD): `(LastEpochBlock + tempo) − block`, saturating at 0;
/// `u64::MAX` for tempo 0.
pub fn blocks_until_next_auto_epoch(tempo: u16, last_epoch_block: u64, block: u64) -> u64 {
    if tempo == 0 {
        return u64::MAX;
    }
    last_epoch_block
        .saturating_add(u64::from(tempo))
        .saturating_sub(block)
}

/// The legacy `blocks_until_next_epoch`: `tempo − ((block + netuid + 1) mod (tempo + 1))`;
/// `u64::MAX` for tempo 0. The legacy scheduler runs the epoch when this is 0, i.e. when
/// `(block + netuid + 1) mod (tempo + 1) = tempo` (spec §15.1's "`= 0`" is the commit-reveal
/// epoch-index boundary, one block later).
///
/// Source: subtensor pallets/subtensor/src/coinbase/run_coinbase.rs, `should_run_epoch` and
/// `blocks_until_next_epoch` before commit d30a76f38 ("Dynamic tempo implementation").
pub fn legacy_blocks_until_next_epoch(netuid: u16, tempo: u16, block: u64) -> u64 {
    if tempo == 0 {
        return u64::MAX;
    }
    u64::from(tempo) - legacy_phase(netuid, tempo, block)
}

/// `(block + netuid + 1) mod (tempo + 1)` (tempo > 0).
fn legacy_phase(netuid: u16, tempo: u16, block: u64) -> u64 {
    let period = u128::from(tempo) + 1;
    ((u128::from(block) + u128::from(netuid) + 1) % period) as u64
}

/// What the drain did to one subnet this block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrainOutcome {
    /// Not due.
    Waiting,
    /// Due, but the per-block epoch cap was reached: deferred to the next block.
    Deferred,
    /// Due, but the epoch input was inconsistent (`EpochSkipped`): buckets keep accumulating.
    Skipped,
    /// Drained: run the epoch and distribute these buckets.
    Drained(PendingBuckets),
}

/// `drain_pending` over all non-root subnets (ascending netuid), returning each one's outcome.
/// `consistent(i)` is `is_epoch_input_state_consistent` for subnet `i` (no duplicate hotkeys).
pub fn drain_pending(
    clocks: &mut [SubnetClock],
    block: u64,
    max_epochs_per_block: u32,
    regime: SchedulerRegime,
    consistent: impl Fn(usize) -> bool,
) -> Vec<DrainOutcome> {
    let mut ran: u32 = 0;
    clocks
        .iter_mut()
        .enumerate()
        .map(|(i, clock)| {
            clock.blocks_since_last_step = clock.blocks_since_last_step.saturating_add(1);
            if !should_run_epoch(clock, block, regime) {
                return DrainOutcome::Waiting;
            }
            if ran >= max_epochs_per_block {
                clock.pending_epoch_at = block.saturating_add(1);
                return DrainOutcome::Deferred;
            }
            let outcome = if consistent(i) {
                ran += 1;
                clock.blocks_since_last_step = 0;
                DrainOutcome::Drained(std::mem::take(&mut clock.pending))
            } else {
                DrainOutcome::Skipped
            };
            clock.last_epoch_block = block;
            clock.pending_epoch_at = 0;
            clock.epoch_index = clock.epoch_index.saturating_add(1);
            outcome
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_the_cap_runs_and_the_rest_are_deferred() {
        let mut clocks = vec![
            SubnetClock {
                tempo: 10,
                ..SubnetClock::default()
            };
            3
        ];
        let outcomes = drain_pending(&mut clocks, 10, 2, SchedulerRegime::DynamicTempo, |_| true);
        assert!(matches!(outcomes[0], DrainOutcome::Drained(_)));
        assert!(matches!(outcomes[1], DrainOutcome::Drained(_)));
        assert_eq!(outcomes[2], DrainOutcome::Deferred);
        assert_eq!(clocks[2].pending_epoch_at, 11);
        assert_eq!(
            clocks[2].last_epoch_block, 0,
            "a deferred epoch does not advance the clock"
        );
        let outcomes = drain_pending(&mut clocks, 11, 2, SchedulerRegime::DynamicTempo, |_| true);
        assert_eq!(outcomes[0], DrainOutcome::Waiting);
        assert!(matches!(outcomes[2], DrainOutcome::Drained(_)));
    }

    #[test]
    fn an_inconsistent_subnet_skips_but_keeps_its_buckets() {
        let pending = PendingBuckets {
            server: 5,
            validator: 6,
            root: 7,
            owner_cut: 8,
        };
        let mut clocks = vec![SubnetClock {
            tempo: 10,
            pending,
            ..SubnetClock::default()
        }];
        let outcomes = drain_pending(&mut clocks, 10, 2, SchedulerRegime::DynamicTempo, |_| false);
        assert_eq!(outcomes[0], DrainOutcome::Skipped);
        assert_eq!(clocks[0].pending, pending);
        assert_eq!((clocks[0].last_epoch_block, clocks[0].epoch_index), (10, 1));
    }

    #[test]
    fn tempo_zero_never_runs_and_the_safety_net_fires() {
        let clock = SubnetClock {
            tempo: 0,
            ..SubnetClock::default()
        };
        assert!(!should_run_epoch(
            &clock,
            1_000_000,
            SchedulerRegime::DynamicTempo
        ));
        let clock = SubnetClock {
            tempo: 60_000,
            blocks_since_last_step: MAX_TEMPO + 1,
            ..SubnetClock::default()
        };
        assert!(should_run_epoch(&clock, 1, SchedulerRegime::DynamicTempo));
    }
}
