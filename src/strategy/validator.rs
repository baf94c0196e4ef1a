//! Validators: which weights to set after an epoch of their subnet.
//!
//! Every strategy answers once per epoch of its subnet with `Some(weights)` (submit them) or
//! `None` (leave the stored weights as they are — they go stale, and after the activity cutoff
//! the validator drops out of consensus).

use super::{SubnetView, normal, to_weights};
use crate::chain::state::AccountId;
use rand::Rng;

/// One step of a scripted weight schedule: from `from_epoch` on, these relative weights.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptStep {
    /// The subnet epoch from which the step applies (0 = before the first epoch).
    pub from_epoch: u64,
    /// Target hotkeys and their relative weights (scaled so the largest is 65 535).
    pub weights: Vec<(AccountId, f64)>,
}

/// How a validator sets weights.
#[derive(Clone, Debug, PartialEq)]
pub enum ValidatorStrategy {
    /// Measures every miner's served performance with Gaussian noise of `noise` (σ) and weights
    /// by the measurement; `top_k` keeps only the k best (1 = winner takes all).
    Honest { noise: f64, top_k: Option<usize> },
    /// Copies the public consensus of `lag_epochs` epochs ago (commit-reveal hides anything
    /// newer); sets nothing until that much history exists.
    Copier { lag_epochs: u32 },
    /// Honest measurement, but `share` of the total weight goes to the cabal's miners
    /// (split in proportion to their measurement, or evenly if all measure 0).
    Cabal {
        members: Vec<AccountId>,
        share: f64,
        noise: f64,
    },
    /// Honest, but refreshes only every `refresh_epochs` epochs and stops entirely after
    /// `stop_after_epoch` (its weights then go stale and its activity lapses).
    Lazy {
        noise: f64,
        refresh_epochs: u32,
        stop_after_epoch: Option<u64>,
    },
    /// A fixed schedule of weights per epoch (the Yuma catalogue's cases).
    Scripted { schedule: Vec<ScriptStep> },
    /// A genesis snapshot's validator: re-sets its stored weights (target hotkey, u16) after
    /// every epoch, unregistered targets dropped; before the first epoch it sets nothing (its
    /// genesis weights stand, set before the run as in the snapshot).
    Snapshot { weights: Vec<(AccountId, u16)> },
}

impl ValidatorStrategy {
    /// The strategy's name in scenarios and outputs.
    pub fn kind(&self) -> &'static str {
        match self {
            ValidatorStrategy::Honest { .. } => "honest",
            ValidatorStrategy::Copier { .. } => "copier",
            ValidatorStrategy::Cabal { .. } => "cabal",
            ValidatorStrategy::Lazy { .. } => "lazy",
            ValidatorStrategy::Scripted { .. } => "scripted",
            ValidatorStrategy::Snapshot { .. } => "snapshot",
        }
    }

    /// The weights validator `me` submits after epoch `view.epoch`; `performance[uid]` is what
    /// querying each uid returns now (0 for uids that serve nothing).
    pub fn weights(
        &self,
        me: AccountId,
        view: &SubnetView,
        performance: &[f64],
        rng: &mut impl Rng,
    ) -> Option<Vec<(u16, u16)>> {
        match self {
            ValidatorStrategy::Honest { noise, top_k } => {
                let mut scores = measure(me, view, performance, *noise, rng);
                if let Some(k) = top_k {
                    keep_top(&mut scores, *k);
                }
                to_weights(&scores)
            }
            ValidatorStrategy::Copier { lag_epochs } => copy_consensus(me, view, *lag_epochs),
            ValidatorStrategy::Cabal {
                members,
                share,
                noise,
            } => {
                let scores = measure(me, view, performance, *noise, rng);
                to_weights(&cabal_scores(&scores, view, members, *share))
            }
            ValidatorStrategy::Lazy {
                noise,
                refresh_epochs,
                stop_after_epoch,
            } => {
                let stopped = stop_after_epoch.is_some_and(|s| view.epoch > s);
                let due = view
                    .epoch
                    .is_multiple_of(u64::from((*refresh_epochs).max(1)));
                if stopped || !due {
                    return None;
                }
                to_weights(&measure(me, view, performance, *noise, rng))
            }
            ValidatorStrategy::Scripted { schedule } => scripted(view, schedule),
            ValidatorStrategy::Snapshot { .. } if view.epoch == 0 => None,
            ValidatorStrategy::Snapshot { weights } => {
                let row: Vec<(u16, u16)> = weights
                    .iter()
                    .filter_map(|(hotkey, w)| view.uid_of(*hotkey).map(|uid| (uid, *w)))
                    .collect();
                (!row.is_empty()).then_some(row)
            }
        }
    }
}

/// Noisy measurements of every other uid's performance, clamped at 0. One draw per uid, in
/// uid order, whatever the performance, so the stream does not depend on who serves.
fn measure(
    me: AccountId,
    view: &SubnetView,
    performance: &[f64],
    noise: f64,
    rng: &mut impl Rng,
) -> Vec<(u16, f64)> {
    view.hotkeys
        .iter()
        .enumerate()
        .map(|(uid, hotkey)| {
            let draw = normal(rng, noise);
            let p = performance.get(uid).copied().unwrap_or(0.0);
            let score = if *hotkey == me || p <= 0.0 {
                0.0
            } else {
                (p + draw).max(0.0)
            };
            (uid as u16, score)
        })
        .collect()
}

/// Zeroes all but the `k` highest scores (ties broken by lower uid).
fn keep_top(scores: &mut [(u16, f64)], k: usize) {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|a, b| scores[*b].1.total_cmp(&scores[*a].1).then(a.cmp(b)));
    for i in order.into_iter().skip(k) {
        scores[i].1 = 0.0;
    }
}

/// The consensus `lag` epochs back, minus the copier's own uid.
fn copy_consensus(me: AccountId, view: &SubnetView, lag: u32) -> Option<Vec<(u16, u16)>> {
    let history = view.consensus_history;
    let lag = (lag as usize).max(1);
    if history.len() < lag {
        return None;
    }
    let consensus = &history[history.len() - lag];
    let mine = view.uid_of(me);
    let scores: Vec<(u16, f64)> = consensus
        .iter()
        .enumerate()
        .filter(|(uid, _)| Some(*uid as u16) != mine && *uid < view.hotkeys.len())
        .map(|(uid, c)| (uid as u16, f64::from(*c)))
        .collect();
    to_weights(&scores)
}

/// Rescales honest scores so the cabal's miners get `share` of the total.
fn cabal_scores(
    scores: &[(u16, f64)],
    view: &SubnetView,
    members: &[AccountId],
    share: f64,
) -> Vec<(u16, f64)> {
    let share = share.clamp(0.0, 1.0);
    let is_member = |uid: u16| members.contains(&view.hotkeys[usize::from(uid)]);
    let sum = |cabal: bool| -> f64 {
        scores
            .iter()
            .filter(|(u, _)| is_member(*u) == cabal)
            .map(|(_, s)| s)
            .sum()
    };
    let (cabal_sum, honest_sum) = (sum(true), sum(false));
    let cabal_count = scores.iter().filter(|(u, _)| is_member(*u)).count() as f64;
    scores
        .iter()
        .map(|(uid, s)| {
            let w = if is_member(*uid) {
                if cabal_sum > 0.0 {
                    share * s / cabal_sum
                } else {
                    share / cabal_count
                }
            } else if honest_sum > 0.0 {
                (1.0 - share) * s / honest_sum
            } else {
                0.0
            };
            (*uid, w)
        })
        .collect()
}

/// The last step with `from_epoch ≤ epoch`, targets resolved to uids (unregistered ones
/// dropped).
fn scripted(view: &SubnetView, schedule: &[ScriptStep]) -> Option<Vec<(u16, u16)>> {
    let step = schedule
        .iter()
        .filter(|s| s.from_epoch <= view.epoch)
        .max_by_key(|s| s.from_epoch)?;
    let scores: Vec<(u16, f64)> = step
        .weights
        .iter()
        .filter_map(|(hotkey, w)| view.uid_of(*hotkey).map(|uid| (uid, *w)))
        .collect();
    to_weights(&scores)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    fn view<'a>(hotkeys: &'a [AccountId], history: &'a [Vec<u16>], epoch: u64) -> SubnetView<'a> {
        SubnetView {
            netuid: 1,
            block: 100,
            epoch,
            hotkeys,
            consensus_history: history,
        }
    }

    #[test]
    fn honest_without_noise_weights_by_performance_and_skips_itself() {
        let hotkeys = [10, 11, 12, 13];
        let v = view(&hotkeys, &[], 0);
        let s = ValidatorStrategy::Honest {
            noise: 0.0,
            top_k: None,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let w = s.weights(10, &v, &[0.9, 0.0, 0.5, 1.0], &mut rng);
        assert_eq!(w, Some(vec![(2, 32_768), (3, 65_535)]));
        let wta = ValidatorStrategy::Honest {
            noise: 0.0,
            top_k: Some(1),
        };
        assert_eq!(
            wta.weights(10, &v, &[0.9, 0.0, 0.5, 1.0], &mut rng),
            Some(vec![(3, 65_535)])
        );
    }

    #[test]
    fn copier_needs_history_and_copies_the_lagged_consensus() {
        let hotkeys = [10, 11, 12];
        let history = vec![vec![0, 100, 200], vec![0, 300, 100]];
        let s = ValidatorStrategy::Copier { lag_epochs: 2 };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(
            s.weights(10, &view(&hotkeys, &history, 2), &[], &mut rng),
            Some(vec![(1, 32_768), (2, 65_535)])
        );
        let far = ValidatorStrategy::Copier { lag_epochs: 3 };
        assert_eq!(
            far.weights(10, &view(&hotkeys, &history, 2), &[], &mut rng),
            None
        );
    }

    #[test]
    fn cabal_gives_its_members_the_share() {
        let hotkeys = [10, 11, 12, 13];
        let v = view(&hotkeys, &[], 0);
        let s = ValidatorStrategy::Cabal {
            members: vec![13],
            share: 0.75,
            noise: 0.0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let w = s.weights(10, &v, &[0.0, 1.0, 1.0, 0.1], &mut rng).unwrap();
        // Honest 0.125 each to uids 1 and 2, cabal 0.75 to uid 3: 65535 / 6 = 10922.5, which the
        // float quotient 0.125 / 0.75 puts just below the half.
        assert_eq!(w, vec![(1, 10_922), (2, 10_922), (3, 65_535)]);
    }

    #[test]
    fn lazy_refreshes_rarely_then_stops() {
        let hotkeys = [10, 11];
        let s = ValidatorStrategy::Lazy {
            noise: 0.0,
            refresh_epochs: 3,
            stop_after_epoch: Some(5),
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let set: Vec<u64> = (0..10)
            .filter(|e| {
                s.weights(10, &view(&hotkeys, &[], *e), &[0.0, 1.0], &mut rng)
                    .is_some()
            })
            .collect();
        assert_eq!(set, vec![0, 3]);
    }

    #[test]
    fn scripted_follows_the_schedule() {
        let hotkeys = [10, 11, 12];
        let s = ValidatorStrategy::Scripted {
            schedule: vec![
                ScriptStep {
                    from_epoch: 0,
                    weights: vec![(11, 1.0)],
                },
                ScriptStep {
                    from_epoch: 2,
                    weights: vec![(11, 0.25), (12, 0.75), (99, 1.0)],
                },
            ],
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut at = |e| s.weights(10, &view(&hotkeys, &[], e), &[], &mut rng);
        assert_eq!(at(1), Some(vec![(1, 65_535)]));
        assert_eq!(at(2), Some(vec![(1, 21_845), (2, 65_535)]));
    }

    #[test]
    fn a_snapshot_validator_resets_its_weights_to_registered_hotkeys() {
        let hotkeys = [10, 11, 12];
        let s = ValidatorStrategy::Snapshot {
            weights: vec![(12, 65_535), (99, 7), (11, 300)],
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(s.weights(10, &view(&hotkeys, &[], 0), &[], &mut rng), None);
        for epoch in [1, 5] {
            let w = s.weights(10, &view(&hotkeys, &[], epoch), &[], &mut rng);
            assert_eq!(w, Some(vec![(2, 65_535), (1, 300)]));
        }
        let gone = ValidatorStrategy::Snapshot {
            weights: vec![(99, 7)],
        };
        assert_eq!(
            gone.weights(10, &view(&hotkeys, &[], 1), &[], &mut rng),
            None
        );
    }

    #[test]
    fn noise_draws_do_not_depend_on_who_serves() {
        let hotkeys = [10, 11, 12];
        let v = view(&hotkeys, &[], 0);
        let s = ValidatorStrategy::Honest {
            noise: 0.1,
            top_k: None,
        };
        let (mut a, mut b) = (ChaCha8Rng::seed_from_u64(7), ChaCha8Rng::seed_from_u64(7));
        let _ = s.weights(10, &v, &[0.0, 1.0, 1.0], &mut a);
        let _ = s.weights(10, &v, &[0.0, 0.0, 1.0], &mut b);
        assert_eq!(a.next_u64(), b.next_u64());
    }
}
