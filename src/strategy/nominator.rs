//! Nominators: when to move delegated stake between validators of a subnet.
//!
//! A nominator sees its own positions and the validators' recent yields (what a block explorer
//! publishes: dividends per unit of stake, annualised); it answers with stake moves, which the
//! simulation submits as `move_stake` operations (same subnet: no swap, no fee).

use crate::chain::state::AccountId;
use rand::{Rng, RngExt};

/// A validator's recent annualised yield on the subnet, as published.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ValidatorYield {
    /// The validator's hotkey.
    pub hotkey: AccountId,
    /// Annualised yield of the last epochs (0.1 = 10 %/year).
    pub apy: f64,
}

/// What a nominator sees when it may act.
#[derive(Clone, Copy, Debug)]
pub struct NominatorView<'a> {
    /// The current block.
    pub block: u64,
    /// Whether the subnet's epoch ran in the previous block (fresh yields).
    pub epoch_ran: bool,
    /// The subnet's epoch counter.
    pub epoch: u64,
    /// The nominator's stake per validator hotkey on the subnet, alpha rao.
    pub positions: &'a [(AccountId, u64)],
    /// Validators it may delegate to, with their yields, in a fixed order.
    pub validators: &'a [ValidatorYield],
}

/// A stake move the nominator submits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NominatorAction {
    /// From this validator hotkey.
    pub from: AccountId,
    /// To this validator hotkey.
    pub to: AccountId,
    /// Alpha rao to move.
    pub alpha: u64,
}

/// A timed whale move: at `block`, move `fraction` of every position to `to`.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduledMove {
    /// The block at which to act.
    pub block: u64,
    /// The destination hotkey.
    pub to: AccountId,
    /// Share of each position moved (0–1].
    pub fraction: f64,
}

/// How a nominator behaves.
#[derive(Clone, Debug, PartialEq)]
pub enum NominatorStrategy {
    /// Never moves.
    Loyal,
    /// Every `every_epochs` epochs, moves each position whose validator yields more than
    /// `threshold` (absolute APY) below the best validator to the best one.
    ApyChasing { threshold: f64, every_epochs: u32 },
    /// Every `every_epochs` epochs, with probability `probability`, moves everything to a
    /// validator drawn uniformly.
    Random { every_epochs: u32, probability: f64 },
    /// Moves at fixed blocks (stake timing).
    Scheduled { moves: Vec<ScheduledMove> },
}

impl NominatorStrategy {
    /// The strategy's name in scenarios and outputs.
    pub fn kind(&self) -> &'static str {
        match self {
            NominatorStrategy::Loyal => "loyal",
            NominatorStrategy::ApyChasing { .. } => "apy_chasing",
            NominatorStrategy::Random { .. } => "random",
            NominatorStrategy::Scheduled { .. } => "scheduled",
        }
    }

    /// Whether [`NominatorStrategy::act`] can return anything at `block` (a cheap test, so the
    /// view is built only when needed).
    pub fn may_act(&self, block: u64, epoch_ran: bool) -> bool {
        match self {
            NominatorStrategy::Loyal => false,
            NominatorStrategy::ApyChasing { .. } | NominatorStrategy::Random { .. } => epoch_ran,
            NominatorStrategy::Scheduled { moves } => moves.iter().any(|m| m.block == block),
        }
    }

    /// The moves to submit this block.
    pub fn act(&self, view: &NominatorView, rng: &mut impl Rng) -> Vec<NominatorAction> {
        let due = |every: u32| view.epoch_ran && view.epoch.is_multiple_of(u64::from(every.max(1)));
        match self {
            NominatorStrategy::Loyal => Vec::new(),
            NominatorStrategy::ApyChasing {
                threshold,
                every_epochs,
            } if due(*every_epochs) => chase(view, *threshold),
            NominatorStrategy::Random {
                every_epochs,
                probability,
            } if due(*every_epochs) => random_move(view, *probability, rng),
            NominatorStrategy::Scheduled { moves } => moves
                .iter()
                .filter(|m| m.block == view.block)
                .flat_map(|m| move_all(view.positions, m.to, m.fraction))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Positions far below the best yield go to the best validator.
fn chase(view: &NominatorView, threshold: f64) -> Vec<NominatorAction> {
    let Some(best) = view
        .validators
        .iter()
        .filter(|v| v.apy.is_finite())
        .max_by(|a, b| a.apy.total_cmp(&b.apy).then(b.hotkey.cmp(&a.hotkey)))
    else {
        return Vec::new();
    };
    let apy_of = |h: AccountId| {
        view.validators
            .iter()
            .find(|v| v.hotkey == h)
            .map_or(0.0, |v| v.apy)
    };
    view.positions
        .iter()
        .filter(|(h, alpha)| *h != best.hotkey && *alpha > 0 && apy_of(*h) < best.apy - threshold)
        .map(|(h, alpha)| NominatorAction {
            from: *h,
            to: best.hotkey,
            alpha: *alpha,
        })
        .collect()
}

/// With probability `p`, everything to one uniformly drawn validator. Always two draws.
fn random_move(view: &NominatorView, p: f64, rng: &mut impl Rng) -> Vec<NominatorAction> {
    let (coin, pick): (f64, f64) = (rng.random(), rng.random());
    if view.validators.is_empty() || coin >= p {
        return Vec::new();
    }
    let i = ((pick * view.validators.len() as f64) as usize).min(view.validators.len() - 1);
    move_all(view.positions, view.validators[i].hotkey, 1.0)
}

/// `fraction` of every other position to `to`.
fn move_all(positions: &[(AccountId, u64)], to: AccountId, fraction: f64) -> Vec<NominatorAction> {
    positions
        .iter()
        .filter(|(h, _)| *h != to)
        .map(|(h, alpha)| NominatorAction {
            from: *h,
            to,
            alpha: (*alpha as f64 * fraction.clamp(0.0, 1.0)) as u64,
        })
        .filter(|a| a.alpha > 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    fn yields() -> Vec<ValidatorYield> {
        vec![
            ValidatorYield {
                hotkey: 1,
                apy: 0.10,
            },
            ValidatorYield {
                hotkey: 2,
                apy: 0.15,
            },
            ValidatorYield {
                hotkey: 3,
                apy: 0.14,
            },
        ]
    }

    fn view<'a>(
        positions: &'a [(AccountId, u64)],
        validators: &'a [ValidatorYield],
        block: u64,
    ) -> NominatorView<'a> {
        NominatorView {
            block,
            epoch_ran: true,
            epoch: 4,
            positions,
            validators,
        }
    }

    #[test]
    fn apy_chaser_moves_only_beyond_the_threshold() {
        let v = yields();
        let positions = [(1, 500), (3, 700)];
        let s = NominatorStrategy::ApyChasing {
            threshold: 0.02,
            every_epochs: 2,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let moves = s.act(&view(&positions, &v, 10), &mut rng);
        assert_eq!(
            moves,
            vec![NominatorAction {
                from: 1,
                to: 2,
                alpha: 500
            }]
        );
        let mut quiet = view(&positions, &v, 10);
        quiet.epoch_ran = false;
        assert!(s.act(&quiet, &mut rng).is_empty());
    }

    #[test]
    fn scheduled_whale_moves_at_its_block() {
        let v = yields();
        let positions = [(1, 1_000)];
        let s = NominatorStrategy::Scheduled {
            moves: vec![ScheduledMove {
                block: 50,
                to: 3,
                fraction: 0.5,
            }],
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!(s.act(&view(&positions, &v, 49), &mut rng).is_empty());
        assert_eq!(
            s.act(&view(&positions, &v, 50), &mut rng),
            vec![NominatorAction {
                from: 1,
                to: 3,
                alpha: 500
            }]
        );
        assert!(
            NominatorStrategy::Loyal
                .act(&view(&positions, &v, 50), &mut rng)
                .is_empty()
        );
    }

    #[test]
    fn random_nominator_moves_with_its_probability() {
        let v = yields();
        let positions = [(1, 1_000)];
        let s = NominatorStrategy::Random {
            every_epochs: 1,
            probability: 0.3,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let moved = (0..2_000)
            .filter(|_| !s.act(&view(&positions, &v, 1), &mut rng).is_empty())
            .count();
        // Moving to validator 1 itself is no move: p × 2/3 ≈ 0.2.
        assert!((300..500).contains(&moved), "{moved}");
    }
}
