//! Agent behaviour as plain data and functions, testable without a World: what a miner serves,
//! which weights a validator sets, when a nominator moves stake, what a trader trades.
//!
//! A strategy sees only what a real participant sees — a [`SubnetView`] of the public
//! metagraph, its own holdings — and answers with the operation it would submit; the
//! simulation (`sim`) turns answers into chain operations. Randomness comes from the caller's
//! generator (one ChaCha8 stream per agent), so a strategy is deterministic given its stream.
//!
//! Floats are fine here (behaviour is not consensus); the chain stays in fixed point.
//!
//! May depend on: `chain::state::AccountId`, `rand` traits, `rand_distr` (the normal draw).

pub mod miner;
pub mod nominator;
pub mod trader;
pub mod validator;

pub use miner::{MinerStrategy, ServeParams};
pub use nominator::{NominatorAction, NominatorStrategy, NominatorView, ValidatorYield};
pub use trader::{TradeAction, TraderStrategy};
pub use validator::{ScriptStep, ValidatorStrategy};

use crate::chain::state::AccountId;
use rand::{Rng, RngExt};

/// The public metagraph of one subnet after its latest epoch, as any participant reads it.
#[derive(Clone, Copy, Debug)]
pub struct SubnetView<'a> {
    /// The subnet.
    pub netuid: u16,
    /// The current block.
    pub block: u64,
    /// Epochs this subnet has run so far in the simulation.
    pub epoch: u64,
    /// The hotkey at each uid.
    pub hotkeys: &'a [AccountId],
    /// The consensus vector after each past epoch, oldest first (u16 proportions).
    pub consensus_history: &'a [Vec<u16>],
}

impl SubnetView<'_> {
    /// The uid of `hotkey`, if registered.
    pub fn uid_of(&self, hotkey: AccountId) -> Option<u16> {
        self.hotkeys
            .iter()
            .position(|h| *h == hotkey)
            .map(|u| u as u16)
    }
}

/// A draw from N(0, σ²): the ziggurat method (Marsaglia and Tsang, 2000, as `rand_distr`'s
/// `StandardNormal` implements it, with its pure-Rust `libm` for the rare tail and wedge
/// draws, so the stream is the same on every platform). Most draws cost one `u64` of the
/// stream and no transcendental function; σ = 0 draws nothing.
pub fn normal(rng: &mut impl Rng, sigma: f64) -> f64 {
    if sigma == 0.0 {
        return 0.0;
    }
    let z: f64 = rng.sample(rand_distr::StandardNormal);
    sigma * z
}

/// Scales non-negative scores to chain weights: the largest becomes 65 535 (as the chain's
/// max-upscale does), zero and non-finite scores are dropped. `None` if nothing is positive.
pub fn to_weights(scores: &[(u16, f64)]) -> Option<Vec<(u16, u16)>> {
    // The largest finite score, 0 if none is positive (what folding with `f64::max` from 0
    // gives). "Positive and below infinity" is "positive and finite" (NaN fails both tests),
    // in two plain comparisons.
    let mut max = 0.0f64;
    for &(_, s) in scores {
        if s > max && s < f64::INFINITY {
            max = s;
        }
    }
    if max <= 0.0 {
        return None;
    }
    let mut weights: Vec<(u16, u16)> = Vec::with_capacity(scores.len());
    for &(uid, s) in scores {
        if s > 0.0 && s < f64::INFINITY {
            // 0 < s ≤ max, so the scaled score is in (0, 65 535].
            let w = round_to_u16(s / max * 65_535.0);
            if w > 0 {
                weights.push((uid, w));
            }
        }
    }
    (!weights.is_empty()).then_some(weights)
}

/// `x.round() as u16` for `0 ≤ x ≤ 65 535` (a score scaled to the largest), without a libm
/// call: in this range the truncation to `u32` and the fraction `x − ⌊x⌋` are exact, and a
/// fraction of at least ½ rounds up (halves away from zero, as `round` does).
fn round_to_u16(x: f64) -> u16 {
    let whole = x as u32;
    let up = x - f64::from(whole) >= 0.5;
    (whole + u32::from(up)).min(u32::from(u16::MAX)) as u16
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    /// The rounding of scaled scores is `round` exactly: on halves, just around them and on
    /// random values of the range.
    #[test]
    fn scores_round_as_round_does() {
        let mut xs = vec![0.0, 0.5, 1.0, 65_534.5, 65_535.0, 0.499_999_999_999_999_94];
        for k in 0..70_000u32 {
            let half = f64::from(k) + 0.5;
            xs.extend([half, half.next_down(), half.next_up(), f64::from(k)]);
        }
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        xs.extend((0..100_000).map(|_| rng.random::<f64>() * 65_535.0));
        for x in xs.into_iter().filter(|x| *x <= 65_535.0) {
            assert_eq!(round_to_u16(x), x.round() as u16, "{x}");
        }
    }

    #[test]
    fn normal_has_the_asked_spread() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let draws: Vec<f64> = (0..20_000).map(|_| normal(&mut rng, 2.0)).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!(mean.abs() < 0.05, "mean {mean}");
        assert!((var.sqrt() - 2.0).abs() < 0.05, "sd {}", var.sqrt());
        assert_eq!(normal(&mut rng, 0.0), 0.0);
    }

    #[test]
    fn weights_are_max_upscaled_and_positive() {
        let w = to_weights(&[(0, 0.5), (1, 1.0), (2, 0.0), (3, f64::NAN), (4, 1e-9)]);
        assert_eq!(w, Some(vec![(0, 32_768), (1, 65_535)]));
        assert_eq!(to_weights(&[(0, 0.0)]), None);
        assert_eq!(to_weights(&[]), None);
    }

    /// The definition `to_weights` implements in one pass: the largest finite score by
    /// folding `f64::max` from 0, then `round(s / max · 65 535)` of each positive finite score,
    /// zeros dropped.
    fn to_weights_by_definition(scores: &[(u16, f64)]) -> Option<Vec<(u16, u16)>> {
        let finite = scores.iter().map(|(_, s)| *s).filter(|s| s.is_finite());
        let max = finite.fold(0.0f64, f64::max);
        if max <= 0.0 {
            return None;
        }
        let weights: Vec<(u16, u16)> = (scores.iter())
            .filter(|(_, s)| s.is_finite() && *s > 0.0)
            .map(|(uid, s)| (*uid, (s / max * 65_535.0).round() as u16))
            .filter(|(_, w)| *w > 0)
            .collect();
        (!weights.is_empty()).then_some(weights)
    }

    proptest::proptest! {
        /// Scores of every kind (negative, zero, tiny, huge, infinite, NaN) give the weights
        /// the definition gives.
        #[test]
        fn weights_follow_their_definition(scores in proptest::collection::vec(
            (proptest::prelude::any::<u16>(), proptest::prop_oneof![
                proptest::prelude::any::<f64>(),
                0.0..1.0f64,
                proptest::prelude::Just(0.0),
                proptest::prelude::Just(f64::INFINITY),
                proptest::prelude::Just(f64::NAN),
                1e-12..1e-6f64,
            ]),
            0..40,
        )) {
            proptest::prop_assert_eq!(to_weights(&scores), to_weights_by_definition(&scores));
        }
    }
}
